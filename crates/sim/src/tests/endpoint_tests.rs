//! The endpoints' own rules.

use serde_json::json;

use super::*;

#[test]
fn dictionaries_answer_dict_lists() {
    let h = sim();
    for e in Endpoint::ALL.into_iter().filter(|e| e.is_dictionary()) {
        let r = call(&h, e, &json!({}));
        let v = r.json();
        assert_eq!(
            (v["result"].as_str(), v["code"].as_str(), v["status"].as_i64()),
            (Some("true"), Some("00"), Some(200))
        );
        let list = v["result_data"]["dict_list"].as_array().expect("dict_list");
        assert!(!list.is_empty(), "{e}");
        assert!(
            list.iter()
                .all(|d| d["orders"].is_string() && d["value"].is_string() && d["flag"].is_string())
        );
        assert_eq!(h.state().call_count(e.name(), "00"), 1);
    }
    let r = call(&h, Endpoint::GetCompanyType, &json!({}));
    let list = r.json()["result_data"]["dict_list"].clone();
    assert!(
        list.as_array()
            .is_some_and(|l| l.iter().any(|d| d["orders"] == "07" && d["value"] == "监理单位"))
    );
}

#[test]
fn register_creates_then_updates_with_a_stable_emp_id() {
    let h = sim();
    let emp_id = register(&h, ID1);
    assert_eq!(emp_id.len(), 32);
    assert!(emp_id.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));
    let mut body = worker_body(&ID1.to_lowercase(), "张三");
    body["emp_phone"] = json!("13900139000");
    let r = call(&h, Endpoint::RegisterEmployee, &body);
    let data = &r.json()["result_data"];
    assert_eq!(data["emp_id"], emp_id.as_str());
    assert_eq!(data["pass_period"], format!("{}:", today()).as_str());
    let modify = data["modify_time"].as_str().unwrap_or_default();
    assert!(
        chrono::NaiveDateTime::parse_from_str(modify, "%Y-%m-%d %H:%M:%S%.3f").is_ok() && modify.len() == 23,
        "{modify}"
    );
    let state = h.state();
    let w = &state.workers[ID1];
    assert_eq!(
        (w.received_count, w.body["emp_phone"].as_str()),
        (2, Some("13900139000"))
    );
    assert_eq!(state.call_count("RegisterEmployee", "00"), 2);
}

/// The field table's spelling (`job_tyname`) is refused by default: the simulator asks for
/// what the live platform's working clients send, unless configured for the table's.
#[test]
fn register_refuses_the_tables_key_spelling_unless_configured_for_it() {
    let h = sim();
    add_company(&h);
    let mut body = worker_body(ID1, "张三");
    let v = body
        .as_object_mut()
        .expect("object")
        .remove("job_typename")
        .unwrap_or_default();
    body["job_tyname"] = v;
    let r = call(&h, Endpoint::RegisterEmployee, &body);
    assert_eq!(
        (r.code(), r.detail()),
        ("40".to_string(), "缺少必要参数(job_typename)".to_string())
    );

    // A sim configured for the table's spellings requires those instead.
    let h2 = sim_with(|c| c.platform.register_keys.job_typename = "job_tyname".into());
    add_company(&h2);
    assert_eq!(call(&h2, Endpoint::RegisterEmployee, &body).code(), "00");
}

#[test]
fn register_refuses_illegal_values_naming_the_field() {
    let h = sim();
    add_company(&h);
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        ("Project_ID", json!("440300201500303"), "41"),
        ("id_code", json!("110105194912310021"), "41"),
        ("id_code", json!("11010519491231002"), "41"),
        ("emp_phone", json!("1888888888"), "41"),
        ("emp_nation", json!("穿青"), "41"),
        ("pass_period", json!("2099-01-01:"), "41"),
        ("match_flag", json!("y"), "41"),
        ("contract_status", json!("是"), "41"),
        ("id_validdate", json!("2008-02-14至2028-02-14"), "41"),
        (
            "facephoto",
            json!(format!("data:image/jpeg;base64,{}", jpeg_b64())),
            "41",
        ),
        ("idphoto_scan", json!("iVBORw0KGgo="), "41"),
        ("emp_category", json!("04"), "41"),
        ("job_typename", json!("00"), "41"),
        ("job_name", json!("EEF22645FEE411E68E5A089E016627F6"), "41"),
        ("emp_company", json!("不存在的公司"), "47"),
        ("emp_name", json!(""), "40"),
        ("id_agency", json!(null), "40"),
    ];
    for (field, value, code) in cases {
        let mut body = worker_body(ID1, "张三");
        body[field] = value;
        let r = call(&h, Endpoint::RegisterEmployee, &body);
        assert_eq!(r.code(), code, "{field}: {}", r.detail());
        assert!(r.detail().contains(field), "{field}: {}", r.detail());
    }
    assert!(h.state().workers.is_empty());
    assert_eq!(h.state().call_count("RegisterEmployee", "41"), 14);
}

#[test]
fn personnel_type_cannot_change_after_the_first_upload() {
    let h = sim();
    register(&h, ID1);
    let mut body = worker_body(ID1, "张三");
    body["emp_category"] = json!("03");
    let r = call(&h, Endpoint::RegisterEmployee, &body);
    assert_eq!(r.code(), "41");
    assert!(r.detail().contains("人员类型上传后不允许变更") && r.detail().contains("emp_category"));
    assert_eq!(h.state().workers[ID1].received_count, 1);
}

#[test]
fn leaving_is_idempotent_and_partial_batches_say_who_failed() {
    let h = sim();
    register(&h, ID1);
    let leave = |ids: &[&str]| {
        let list: Vec<_> = ids
            .iter()
            .map(|id| json!({"id_code": id, "exit_time": beijing_now_minus(60)}))
            .collect();
        call(
            &h,
            Endpoint::UserLeaveProject,
            &json!({"Project_ID": crate::DEMO_PROJECT_ID, "userLeaveProject_list": list}),
        )
    };
    let r = leave(&[ID2]);
    assert_eq!(r.code(), "47");
    assert!(r.detail().contains("id_code"));
    assert_eq!(leave(&[ID2, ID3]).code(), "47");

    let r = leave(&[ID1, ID2]);
    let v = r.json();
    assert_eq!(
        (v["code"].as_str(), v["result"].as_str()),
        (Some("10"), Some("partial error"))
    );
    assert_eq!(
        v["result_data"]["fail_list"],
        json!([{"id_code": ID2, "message": "未找到该人员"}])
    );
    assert_eq!(h.state().departures[ID1].received_count, 1);

    assert_eq!(leave(&[ID1]).code(), "00");
    let d = &h.state().departures[ID1];
    assert_eq!(d.received_count, 2);
    assert!(d.exit_time.is_some());

    let r = call(
        &h,
        Endpoint::UserLeaveProject,
        &json!({"Project_ID": crate::DEMO_PROJECT_ID, "userLeaveProject_list": []}),
    );
    assert_eq!(r.code(), "40");
}

fn log(person_id: &str, passed_time: &str, direction: &str) -> serde_json::Value {
    json!({"person_type": "1", "person_id": person_id, "person_name": "张三", "passed_time": passed_time,
           "direction": direction, "way": "1", "site_photo": jpeg_b64()})
}

fn upload(h: &SimHandle, logs: Vec<serde_json::Value>) -> Reply {
    call(
        h,
        Endpoint::UploadPassedLog,
        &json!({"Project_ID": crate::DEMO_PROJECT_ID, "Device_ID": "GATE-1", "passedlog_list": logs}),
    )
}

#[test]
fn attendance_rules() {
    let h = sim();
    let emp_id = register(&h, ID1);
    let t1 = beijing_now_minus(600);
    let t2 = beijing_now_minus(300);

    let r = upload(&h, vec![log(ID1, &t1, "in"), log(&emp_id, &t2, "out")]);
    assert_eq!(r.code(), "00", "{}", r.detail());
    assert_eq!(h.state().passed_logs.len(), 2);
    assert_eq!(h.state().passed_logs[0]["Device_ID"], "GATE-1");

    // Re-sending everything is a duplicate; re-sending with one new log stores only that one.
    assert_eq!(
        upload(&h, vec![log(ID1, &t1, "in"), log(&emp_id, &t2, "out")]).code(),
        "48"
    );
    let t3 = beijing_now_minus(60);
    assert_eq!(upload(&h, vec![log(ID1, &t1, "in"), log(ID1, &t3, "in")]).code(), "00");
    assert_eq!(h.state().passed_logs.len(), 3);

    let r = upload(&h, vec![log(ID1, &beijing_now_minus(3 * 3600), "in")]);
    assert_eq!(r.code(), "41");
    assert!(r.detail().contains("passed_time"));
    assert_eq!(upload(&h, vec![log(ID1, &beijing_now_minus(-600), "in")]).code(), "41");
    let r = upload(&h, vec![log(ID2, &t3, "in")]);
    assert_eq!(r.code(), "47");
    let mut visitor = log("访客001", &t3, "in");
    visitor["person_type"] = json!("0");
    assert_eq!(upload(&h, vec![visitor]).code(), "00");
    let mut bad = log(ID1, &beijing_now_minus(30), "in");
    bad["way"] = json!("4");
    assert_eq!(upload(&h, vec![bad]).code(), "41");
    let mut bad = log(ID1, &beijing_now_minus(30), "in");
    if let Some(o) = bad.as_object_mut() {
        o.remove("person_name");
    }
    let r = upload(&h, vec![bad]);
    assert_eq!(
        (r.code(), r.detail()),
        (
            "40".to_string(),
            "缺少必要参数(passedlog_list[0].person_name)".to_string()
        )
    );
    assert_eq!(upload(&h, vec![]).code(), "40");

    h.set_under_construction(false);
    let r = upload(&h, vec![log(ID1, &beijing_now_minus(20), "out")]);
    assert_eq!(r.code(), "11");
    assert!(r.detail().contains("工程状态非在建"));
    assert_eq!(h.state().passed_logs.len(), 4);
}

#[test]
fn companies_upsert_by_suid_and_check_their_references() {
    let h = sim();
    add_company(&h);
    let mut renamed = company_body("深圳市示例建设工程有限公司（更名）", SUID);
    renamed["Email"] = json!("hr@example.com.cn");
    renamed["Postcode"] = json!("518000");
    renamed["Mobile_Phone"] = json!("0755-83218888");
    assert_eq!(call(&h, Endpoint::AddCompany, &renamed).code(), "00");
    assert_eq!(h.state().companies.len(), 1);

    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        ("SUID", json!("91440300MA5DC12342"), "41"),
        ("Type", json!("99"), "41"),
        ("Email", json!("not-an-email"), "41"),
        ("Postcode", json!("5180"), "41"),
        ("Mobile_Phone", json!("电话"), "41"),
        ("Suid_Superior", json!("91440300192241158P"), "47"),
        ("Suid_Superior", json!(SUID2), "47"),
        ("Legal_Person", json!(""), "40"),
    ];
    for (field, value, code) in cases {
        let mut body = company_body("分包公司", SUID2);
        body[field] = value;
        let r = call(&h, Endpoint::AddCompany, &body);
        assert_eq!(r.code(), code, "{field}: {}", r.detail());
        assert!(r.detail().contains(field), "{field}: {}", r.detail());
    }
    let mut sub = company_body("分包公司", SUID2);
    sub["Suid_Superior"] = json!(SUID);
    sub["Type"] = json!("03");
    assert_eq!(call(&h, Endpoint::AddCompany, &sub).code(), "00");

    let remove = |name: &str, suid: &str| {
        call(
            &h,
            Endpoint::ProjectRemoveCompany,
            &json!({"Project_ID": crate::DEMO_PROJECT_ID, "Company_Name": name, "SUID": suid}),
        )
    };
    assert_eq!(remove("分包公司", "91440300192241158P").code(), "47");
    assert_eq!(remove("别的公司", SUID2).code(), "41");
    assert_eq!(remove("分包公司", SUID2).code(), "00");
    assert_eq!(remove("分包公司", SUID2).code(), "47");
    assert_eq!(h.state().companies.len(), 1);
}

#[test]
fn an_organisation_code_is_a_suid_whether_written_with_its_hyphen_or_not() {
    let h = sim();
    let old = company_body("深圳市老证照建筑劳务有限公司", "192203821");
    assert_eq!(call(&h, Endpoint::AddCompany, &old).code(), "00");
    let mut sub = company_body("分包公司", "70846113-6");
    sub["Suid_Superior"] = json!("19220382-1");
    let r = call(&h, Endpoint::AddCompany, &sub);
    assert_eq!(r.code(), "00", "{}", r.detail());
    assert_eq!(h.state().companies.len(), 2);
    let bad = company_body("分包公司", "70846113-7");
    let r = call(&h, Endpoint::AddCompany, &bad);
    assert_eq!(
        (r.code().as_str(), r.detail().contains("SUID")),
        ("41", true),
        "{}",
        r.detail()
    );
    let r = call(
        &h,
        Endpoint::ProjectRemoveCompany,
        &json!({"Project_ID": crate::DEMO_PROJECT_ID, "Company_Name": "分包公司", "SUID": "708461136"}),
    );
    assert_eq!(r.code(), "00", "{}", r.detail());
    assert_eq!(h.state().companies.len(), 1);
}

fn java_log(h: &SimHandle, secs_ago: i64) -> Reply {
    let body = json!({"Project_ID": crate::DEMO_PROJECT_ID, "Device_ID": "GATE-1", "passedlog_list": [
        {"person_type": "1", "person_id": ID1, "person_name": "张三", "passed_time": beijing_now_minus(secs_ago),
         "direction": "in", "way": "1"}
    ]});
    super::java_client::java_json(h, "UploadPassedLog", "1.0", Some(UTF8), &body.to_string())
}

/// 3.2.3 says the window is 2 hours today and follows the bureau's notices: a setting.
#[test]
fn the_attendance_window_is_a_setting_two_hours_by_default() {
    let h = sim();
    register(&h, ID1);
    assert_eq!(java_log(&h, 2 * 3600 - 60).code(), "00");
    let r = java_log(&h, 2 * 3600 + 60);
    assert_eq!(
        (r.code(), r.detail()),
        (
            "41".to_string(),
            "考勤时间超出实时上传范围(2小时)(passed_time)".to_string()
        )
    );

    let h = sim_with(|c| c.attendance_window_secs = 10 * 60);
    register(&h, ID1);
    assert_eq!(java_log(&h, 9 * 60).code(), "00");
    let r = java_log(&h, 11 * 60);
    assert_eq!(r.code(), "41");
    assert!(r.detail().contains("(10分钟)"), "{}", r.detail());

    for refused in [0, -1, crate::MAX_ATTENDANCE_WINDOW_SECS + 1] {
        let config = crate::SimConfig {
            addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            attendance_window_secs: refused,
            ..crate::SimConfig::demo()
        };
        let e = crate::start(config).err().expect("refused");
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("attendance_window_secs"), "{e}");
    }
}
