//! RegisterEmployee and userLeaveProject.

use serde_json::{Value, json};

use super::LeaveShape;
use super::envelope::{Answer, Code};
use super::fields::{
    Body, beijing_millis, beijing_today, check_jpeg, check_one_of, check_project, check_shape, check_time, new_id,
    object_list, optional, required,
};
use super::server::Ctx;
use super::state::{SimDeparture, SimWorker};
use protocol::endpoints::Endpoint;

/// The id_code as the platform keys it; None when it is not a valid 18-character number.
/// A 15-digit legacy number is refused: the platform's field is the 18-digit one.
pub fn normalise_id(value: &str) -> Option<String> {
    if value.chars().count() != 18 || value.trim() != value {
        return None;
    }
    domain::parse_id_number(value).ok().map(|id| id.code)
}

pub fn register(ctx: &mut Ctx<'_>, body: &Body) -> Answer {
    match try_register(ctx, body) {
        Ok(answer) | Err(answer) => answer,
    }
}

fn try_register(ctx: &mut Ctx<'_>, body: &Body) -> Result<Answer, Answer> {
    let names = &ctx.config.platform.register_keys;
    let (job_type_key, contract_key, validity_key) = (
        names.job_typename.as_str(),
        names.contract_status.as_str(),
        names.id_validdate.as_str(),
    );
    let required_keys = [
        "Project_ID",
        "id_code",
        "id_photo",
        "emp_name",
        "emp_phone",
        "emp_nativeplace",
        "emp_nation",
        "pass_period",
        "match_flag",
        "facephoto",
        "emp_company",
        "emp_category",
        job_type_key,
        "job_name",
        contract_key,
        "id_agency",
        validity_key,
        "idphoto_scan",
        "idphoto_scan2",
    ];
    for key in required_keys {
        required(body, key)?;
    }
    for key in ["emp_dept", "emp_bankname", "emp_cardnum", "job_dept"] {
        optional(body, key)?;
    }
    let get = |key: &str| required(body, key);

    check_project(body, &ctx.config.project_id)?;
    let id_code = get("id_code")?;
    let id = normalise_id(id_code).ok_or_else(|| {
        let why = domain::parse_id_number(id_code)
            .err()
            .map_or_else(|| "身份证号码应为18位".to_string(), |e| e.to_string());
        Answer::field(Code::Illegal, "id_code", format!("身份证号码无效:{why}"))
    })?;
    domain::validate_mobile(get("emp_phone")?)
        .map_err(|e| Answer::field(Code::Illegal, "emp_phone", format!("手机号码无效:{e}")))?;
    if !domain::is_ethnic_name(get("emp_nation")?) {
        return Err(Answer::field(Code::Illegal, "emp_nation", "民族不在56个民族之列"));
    }
    let pass_period = get("pass_period")?;
    check_shape(
        "pass_period",
        pass_period,
        &["9999-99-99:", "9999-99-99:9999-99-99"],
        "yyyy-MM-dd:yyyy-MM-dd或yyyy-MM-dd:",
    )?;
    check_shape(
        validity_key,
        get(validity_key)?,
        &["9999.99.99-9999.99.99", "9999.99.99-长期"],
        "yyyy.MM.dd-yyyy.MM.dd或yyyy.MM.dd-长期",
    )?;
    domain::parse_pass_period(pass_period, beijing_today(ctx.now))
        .map_err(|e| Answer::field(Code::Illegal, "pass_period", format!("通行时段无效:{e}")))?;
    check_one_of("match_flag", get("match_flag")?, &["Y", "N"])?;
    check_one_of(contract_key, get(contract_key)?, &["1", "0"])?;
    domain::parse_id_validity(get(validity_key)?)
        .map_err(|e| Answer::field(Code::Illegal, validity_key, format!("有效期限无效:{e}")))?;
    for photo in ["id_photo", "facephoto", "idphoto_scan", "idphoto_scan2"] {
        check_jpeg(photo, get(photo)?)?;
    }
    let category = get("emp_category")?;
    for (key, dictionary, what) in [
        ("emp_category", Endpoint::DictListEmpCategory, "人员类型"),
        (job_type_key, Endpoint::DictListJobTypeName, "工种/岗位"),
        ("job_name", Endpoint::DictListJobName, "工种名称"),
    ] {
        if !ctx.dicts.has_code(dictionary, get(key)?) {
            return Err(Answer::field(Code::Illegal, key, format!("{what}编码不在数据字典中")));
        }
    }
    if let Some(existing) = ctx.state.workers.get(&id) {
        let first = existing
            .body
            .get("emp_category")
            .and_then(Value::as_str)
            .unwrap_or(category);
        if first != category {
            return Err(Answer::field(Code::Illegal, "emp_category", "人员类型上传后不允许变更"));
        }
    }
    let company = get("emp_company")?;
    let company_known = ctx
        .state
        .companies
        .values()
        .any(|c| c.get("Company_Name").and_then(Value::as_str) == Some(company));
    if !company_known {
        return Err(Answer::field(
            Code::NotFound,
            "emp_company",
            format!("所属单位“{company}”未添加到该项目"),
        ));
    }

    let now = beijing_millis(ctx.now);
    let rng = &mut *ctx.rng;
    let worker = ctx.state.workers.entry(id).or_insert_with(|| SimWorker {
        emp_id: new_id(rng),
        first_received: now.clone(),
        ..SimWorker::default()
    });
    worker.body = Value::Object(body.clone());
    worker.received_count += 1;
    worker.modify_time = now.clone();
    Ok(Answer::ok(json!({
        "emp_id": worker.emp_id,
        "pass_period": pass_period,
        "modify_time": now,
    })))
}

pub fn leave(ctx: &mut Ctx<'_>, body: &Body) -> Answer {
    match try_leave(ctx, body) {
        Ok(answer) | Err(answer) => answer,
    }
}

fn try_leave(ctx: &mut Ctx<'_>, body: &Body) -> Result<Answer, Answer> {
    required(body, "Project_ID")?;
    let items = object_list(body, "userLeaveProject_list")?;
    check_project(body, &ctx.config.project_id)?;
    // Validate the whole batch before recording any of it.
    let mut batch = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let id_code =
            required(item, "id_code").map_err(|_| Answer::missing(&format!("userLeaveProject_list[{i}].id_code")))?;
        let exit_time = optional(item, "exit_time")?;
        if let Some(t) = exit_time {
            check_time("exit_time", t)?;
        }
        let mut key = normalise_id(id_code).filter(|k| ctx.state.workers.contains_key(k));
        // Some instances refuse a second departure of the same worker as "not found".
        if ctx.faults.leave_repeat_47
            && key
                .as_ref()
                .is_some_and(|k| ctx.state.departures.get(k).is_some_and(|d| d.received_count > 0))
        {
            key = None;
        }
        batch.push((id_code, key, exit_time));
    }
    let failed_ids: Vec<&str> = batch
        .iter()
        .filter(|(_, key, _)| key.is_none())
        .map(|(id_code, _, _)| *id_code)
        .collect();
    let failed = failed_ids.len();
    if failed == batch.len() {
        let first = batch.first().map_or("", |(id_code, _, _)| *id_code);
        return Err(Answer::field(Code::NotFound, "id_code", format!("未找到该人员{first}")));
    }
    for (_, key, exit_time) in &batch {
        if let Some(key) = key {
            let departure: &mut SimDeparture = ctx.state.departures.entry(key.clone()).or_default();
            departure.received_count += 1;
            if let Some(t) = exit_time {
                departure.exit_time = Some((*t).to_string());
            }
        }
    }
    if failed == 0 {
        Ok(Answer::ok(Value::Null))
    } else {
        Ok(Answer {
            code: Code::Partial,
            detail: format!("{failed}人离场失败"),
            data: partial_data(ctx.faults.leave_partial_shape, &failed_ids),
        })
    }
}

/// The failures of a partial answer, in the shape this instance uses.
fn partial_data(shape: LeaveShape, failed: &[&str]) -> Value {
    match shape {
        LeaveShape::FailList => {
            json!({ "fail_list": failed.iter().map(|id| json!({"id_code": id, "message": "未找到该人员"})).collect::<Vec<_>>() })
        }
        LeaveShape::CamelCase => {
            json!({ "failList": failed.iter().map(|id| json!({"idCode": id, "msg": "未找到该人员"})).collect::<Vec<_>>() })
        }
        LeaveShape::Strings => json!(failed),
        LeaveShape::Null => Value::Null,
        LeaveShape::ForeignIds => {
            json!({ "fail_list": [{"id_code": "110105194912310021", "message": "未找到该人员"}] })
        }
    }
}
