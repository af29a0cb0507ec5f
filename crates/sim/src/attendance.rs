//! UploadPassedLog: real-time attendance.

use std::collections::BTreeSet;

use serde_json::Value;

use super::envelope::{Answer, Code};
use super::fields::{Body, check_jpeg, check_one_of, check_project, check_time, object_list, optional, required};
use super::server::Ctx;
use super::workers::normalise_id;

/// A log from the future gets the same leeway as the request timestamp.
const MAX_AHEAD_SECS: i64 = 6 * 60;

pub fn upload(ctx: &mut Ctx<'_>, body: &Body) -> Answer {
    match try_upload(ctx, body) {
        Ok(answer) | Err(answer) => answer,
    }
}

fn try_upload(ctx: &mut Ctx<'_>, body: &Body) -> Result<Answer, Answer> {
    required(body, "Project_ID")?;
    let device = required(body, "Device_ID")?;
    let items = object_list(body, "passedlog_list")?;
    check_project(body, &ctx.config.project_id)?;
    if !ctx.under_construction {
        return Err(Answer::fail(Code::Failure, "工程状态非在建，不允许上传考勤"));
    }
    // The whole batch is checked before any of it is stored, so a refused batch can be
    // corrected and re-sent without half of it already on the platform.
    for (i, item) in items.iter().enumerate() {
        check_item(ctx, i, item)?;
    }

    let mut seen: BTreeSet<(String, String, String)> = ctx.state.passed_logs.iter().filter_map(log_key).collect();
    let mut fresh = Vec::new();
    for item in &items {
        let mut stored = serde_json::Map::new();
        stored.insert("Device_ID".into(), Value::String(device.to_string()));
        for (k, v) in item.iter() {
            stored.insert(k.clone(), v.clone());
        }
        let stored = Value::Object(stored);
        // A repeat inside one batch is a duplicate too: gate devices double-punch.
        if let Some(key) = log_key(&stored)
            && seen.insert(key)
        {
            fresh.push(stored);
        }
    }
    if fresh.is_empty() || (ctx.faults.passed_log_batch_48 && fresh.len() < items.len()) {
        return Err(Answer::fail(Code::Duplicate, "数据重复"));
    }
    ctx.state.passed_logs.extend(fresh);
    Ok(Answer::ok(Value::Null))
}

fn log_key(log: &Value) -> Option<(String, String, String)> {
    let s = |k: &str| log.get(k).and_then(Value::as_str).map(str::to_string);
    Some((s("person_id")?, s("passed_time")?, s("direction")?))
}

fn check_item(ctx: &Ctx<'_>, i: usize, item: &Body) -> Result<(), Answer> {
    let name = |k: &str| format!("passedlog_list[{i}].{k}");
    let get = |k: &str| required(item, k).map_err(|a| rename(a, k, &name(k)));
    for key in [
        "person_type",
        "person_id",
        "person_name",
        "passed_time",
        "direction",
        "way",
    ] {
        get(key)?;
    }
    let person_type = get("person_type")?;
    check_one_of("person_type", person_type, &["0", "1"])?;
    let passed = check_time("passed_time", get("passed_time")?)?;
    let age = (ctx.now - passed).num_seconds();
    let window_secs = ctx.config.attendance_window_secs;
    if age > window_secs {
        return Err(Answer::field(
            Code::Illegal,
            "passed_time",
            format!("考勤时间超出实时上传范围({})", spoken_duration(window_secs)),
        ));
    }
    if -age > MAX_AHEAD_SECS {
        return Err(Answer::field(Code::Illegal, "passed_time", "考勤时间晚于服务器时间"));
    }
    check_one_of("direction", get("direction")?, &["in", "out"])?;
    check_one_of("way", get("way")?, &["1", "2", "3"])?;
    if let Some(photo) = optional(item, "site_photo")? {
        check_jpeg("site_photo", photo)?;
    }
    for key in ["longitude", "latitude", "address"] {
        optional(item, key)?;
    }
    let person_id = get("person_id")?;
    if person_type == "1" && !is_known_worker(ctx, person_id) {
        return Err(Answer::field(
            Code::NotFound,
            "person_id",
            format!("未找到该人员{person_id}"),
        ));
    }
    Ok(())
}

/// "2小时", "90分钟", "45秒": as a bureau notice would say it.
fn spoken_duration(secs: i64) -> String {
    if secs % 3600 == 0 {
        format!("{}小时", secs / 3600)
    } else if secs % 60 == 0 {
        format!("{}分钟", secs / 60)
    } else {
        format!("{secs}秒")
    }
}

/// `person_id` may be the platform's emp_id or the id_code.
fn is_known_worker(ctx: &Ctx<'_>, person_id: &str) -> bool {
    normalise_id(person_id).is_some_and(|id| ctx.state.workers.contains_key(&id))
        || ctx
            .state
            .workers
            .values()
            .any(|w| w.emp_id.eq_ignore_ascii_case(person_id))
}

/// Item fields are named with their position so the clerk can find the bad log.
fn rename(mut answer: Answer, short: &str, long: &str) -> Answer {
    answer.detail = answer.detail.replace(&format!("({short})"), &format!("({long})"));
    answer
}
