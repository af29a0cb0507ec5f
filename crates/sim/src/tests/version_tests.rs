//! Which `api_version` the simulator takes, from requests built the way the platform's own
//! Java clients built them (`java_client`), not through our client or its table.

use serde_json::json;

use super::java_client::java_json;
use super::*;
use crate::{DEMO_PROJECT_ID, Faults};

fn leave_body(id_code: &str) -> String {
    json!({"Project_ID": DEMO_PROJECT_ID, "userLeaveProject_list": [{"id_code": id_code}]}).to_string()
}

fn log_body(id_code: &str, secs_ago: i64) -> String {
    json!({"Project_ID": DEMO_PROJECT_ID, "Device_ID": "GATE-1", "passedlog_list": [
        {"person_type": "1", "person_id": id_code, "person_name": "张三",
         "passed_time": beijing_now_minus(secs_ago), "direction": "in", "way": "1", "site_photo": jpeg_b64()}
    ]})
    .to_string()
}

fn remove_body(name: &str, suid: &str) -> String {
    json!({"Project_ID": DEMO_PROJECT_ID, "Company_Name": name, "SUID": suid}).to_string()
}

/// Production clients of the live host sent 1.1 to all four and were taken; the document's
/// tables say 1.0. Both are taken, as the platform evidently takes them.
#[test]
fn the_four_endpoints_take_both_10_and_11() {
    let h = sim();
    for version in ["1.1", "1.0"] {
        let company = company_body(COMPANY, SUID).to_string();
        let r = java_json(&h, "AddCompany", version, Some(UTF8), &company);
        assert_eq!(r.code(), "00", "AddCompany {version}: {}", r.detail());
    }
    let r = java_json(
        &h,
        "RegisterEmployee",
        "1.1",
        Some(UTF8),
        &worker_body(ID1, "张三").to_string(),
    );
    assert_eq!(r.code(), "00", "{}", r.detail());
    for (version, secs_ago) in [("1.1", 120), ("1.0", 60)] {
        let r = java_json(&h, "UploadPassedLog", version, Some(UTF8), &log_body(ID1, secs_ago));
        assert_eq!(r.code(), "00", "UploadPassedLog {version}: {}", r.detail());
        let r = java_json(&h, "userLeaveProject", version, Some(UTF8), &leave_body(ID1));
        assert_eq!(r.code(), "00", "userLeaveProject {version}: {}", r.detail());
    }
    for (version, suid) in [("1.1", SUID2), ("1.0", SUID2)] {
        let company = company_body("深圳市第二建设有限公司", suid).to_string();
        assert_eq!(java_json(&h, "AddCompany", "1.1", Some(UTF8), &company).code(), "00");
        let r = java_json(
            &h,
            "ProjectRemoveCompany",
            version,
            Some(UTF8),
            &remove_body("深圳市第二建设有限公司", suid),
        );
        assert_eq!(r.code(), "00", "ProjectRemoveCompany {version}: {}", r.detail());
    }
    assert_eq!(h.state().passed_logs.len(), 2);
}

/// The revision table of 2019-01-17 withdrew 1.0 from the dictionaries and RegisterEmployee.
#[test]
fn the_dictionaries_and_register_employee_still_refuse_10() {
    let h = sim();
    add_company(&h);
    for endpoint in [
        "DictListEmpCategory",
        "DictListJobTypeName",
        "DictListJobName",
        "GetCompanyType",
    ] {
        let r = java_json(&h, endpoint, "1.0", Some(UTF8), "{}");
        assert_eq!(r.code(), "41", "{endpoint}");
        assert!(r.detail().contains("(api_version)"), "{endpoint}: {}", r.detail());
        assert_eq!(
            java_json(&h, endpoint, "1.1", Some(UTF8), "{}").code(),
            "00",
            "{endpoint}"
        );
    }
    let worker = worker_body(ID1, "张三").to_string();
    let r = java_json(&h, "RegisterEmployee", "1.0", Some(UTF8), &worker);
    assert_eq!(
        (r.code(), r.detail()),
        (
            "41".to_string(),
            "1.0 版本已取消,请使用 1.1 版本(api_version)".to_string()
        )
    );
    assert!(h.state().workers.is_empty());
}

/// An instance that takes only one version on an endpoint, set at start, at run time or over
/// `POST /sim/faults`: what a station's version fallback is tested against.
#[test]
fn only_version_makes_an_instance_take_one_version_on_an_endpoint() {
    let h = sim_with(|c| {
        c.faults.only_version.insert(Endpoint::AddCompany, "1.1".into());
    });
    let company = company_body(COMPANY, SUID).to_string();
    let r = java_json(&h, "AddCompany", "1.0", Some(UTF8), &company);
    assert_eq!(r.code(), "41");
    assert_eq!(r.detail(), "1.0 版本已取消,请使用 1.1 版本(api_version)");
    assert!(h.state().companies.is_empty(), "refused before anything is stored");
    assert_eq!(java_json(&h, "AddCompany", "1.1", Some(UTF8), &company).code(), "00");
    // The other endpoints keep the table's versions.
    let remove = remove_body(COMPANY, SUID);
    assert_eq!(
        java_json(&h, "ProjectRemoveCompany", "1.0", Some(UTF8), &remove).code(),
        "00"
    );

    h.set_faults(Faults {
        only_version: [(Endpoint::UserLeaveProject, "1.0".to_string())].into(),
        ..Faults::default()
    });
    let r = java_json(&h, "userLeaveProject", "1.1", Some(UTF8), &leave_body(ID1));
    assert_eq!(r.code(), "41");
    assert!(
        r.detail().contains("应为 1.0") && r.detail().contains("(api_version)"),
        "{}",
        r.detail()
    );
    assert_eq!(java_json(&h, "AddCompany", "1.0", Some(UTF8), &company).code(), "00");

    let set = br#"{"only_version":{"UploadPassedLog":"1.1","userLeaveProject":"1.1"}}"#;
    let r = exchange(&h, &raw_request("POST", "/sim/faults", Some(UTF8), set, "")).expect("answered");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["only_version"]["userLeaveProject"], "1.1");
    let r = java_json(&h, "UploadPassedLog", "1.0", Some(UTF8), &log_body(ID1, 60));
    assert_eq!(r.code(), "41", "{}", r.detail());
    let bad = br#"{"only_version":{"AddCompany":""}}"#;
    let r = exchange(&h, &raw_request("POST", "/sim/faults", Some(UTF8), bad, "")).expect("answered");
    assert_eq!(r.status, 400);
    let unknown = br#"{"only_version":{"UploadPayroll":"1.1"}}"#;
    let r = exchange(&h, &raw_request("POST", "/sim/faults", Some(UTF8), unknown, "")).expect("answered");
    assert_eq!(r.status, 400, "a closed endpoint is not a setting");
}
