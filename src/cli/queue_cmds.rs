//! Commands that go through the store and the outbox, exactly as the window does:
//! register, leave, company add/remove, outbox list/drain/retry.

use std::collections::HashSet;
use std::path::Path;

use base64::Engine;
use serde_json::{Map, Value};

use super::platform_cmds::client;
use super::{Context, Exit};
use crate::api::Endpoint;
use crate::api::types::{AddCompany, RegisterEmployee};
use crate::domain::company::CompanyRules;
use crate::domain::worker::{PhotosPresent, WorkerRules, errors};
use crate::domain::{Company, Problem, Severity, Worker};
use crate::media::{PhotoKind, load_photo_file, normalize_photo};
use crate::outbox::{DrainReport, SendSettings, Sender, SenderLock};
use crate::store::{ItemState, ParkReason, Store, WorkerPhotos};

pub fn open_store(ctx: &Context) -> Result<Store, Exit> {
    Store::open_in(&ctx.data_dir).map_err(|e| {
        eprintln!("{e}");
        Exit::NotReached
    })
}

pub fn send_settings(ctx: &Context, client: &crate::api::PlatformClient) -> SendSettings {
    SendSettings::for_client(client, &ctx.config.project_id, ctx.config.environment.label())
}

/// Tries to deliver what is due. `None` when the platform cannot be tried (settings missing,
/// or the window is sending right now): the records stay queued.
pub fn drain_now(ctx: &Context, store: &mut Store, force: bool) -> Option<DrainReport> {
    let lock = match SenderLock::try_acquire(&ctx.data_dir) {
        Ok(Some(lock)) => lock,
        Ok(None) => {
            eprintln!("窗口程序正在上传队列：记录已保存，会由它发出");
            return None;
        }
        Err(e) => {
            eprintln!("{e}");
            return None;
        }
    };
    let client = match client(ctx) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            eprintln!("记录已保存在本机，设置完成后执行 `cwr-station outbox drain` 即可上传");
            return None;
        }
    };
    if let Err(e) = store.recover_interrupted_sends() {
        eprintln!("{e}");
    }
    if force {
        let _ = store.set_queue_paused(None);
        let _ = store.retry_all_now();
    }
    let settings = send_settings(ctx, &client);
    let report = Sender::new(store, &client, &settings).drain();
    drop(lock);
    match report {
        Ok(r) => {
            if let Some(p) = &r.paused {
                eprintln!("上传已暂停：{p}");
            }
            Some(r)
        }
        Err(e) => {
            eprintln!("{e}");
            None
        }
    }
}

/// The exit code for a set of items after a drain, printing what is not on the platform.
fn exit_for_items(store: &Store, ids: &[i64]) -> Exit {
    let mut exit = Exit::Accepted;
    for id in ids {
        let Ok(item) = store.outbox_item(*id) else { continue };
        match item.state {
            ItemState::Sent => println!("#{} {}：平台已接收", item.id, item.label),
            ItemState::NeedsFix => {
                println!(
                    "#{} {}：平台拒绝（代码 {}）：{}",
                    item.id, item.label, item.last_code, item.last_message
                );
                if !item.last_detail.is_empty() {
                    println!("    平台附带的数据（原样）：{}", item.last_detail);
                }
                println!("    怎么办：{}", item.last_advice);
                exit = Exit::Refused;
            }
            _ if item.park_reason == ParkReason::Settings => {
                println!(
                    "#{} {}：已保存在本机，等连接设置改正后上传（平台原话：代码 {}，{}）",
                    item.id, item.label, item.last_code, item.last_message
                );
                println!("    怎么办：{}", item.last_advice);
                if exit == Exit::Accepted {
                    exit = Exit::NotReached;
                }
            }
            state => {
                println!(
                    "#{} {}：{}，已保存在本机，联网后自动上传",
                    item.id,
                    item.label,
                    state.label()
                );
                if !item.last_message.is_empty() {
                    println!("    上次失败原因：{}", item.last_message);
                }
                if exit == Exit::Accepted {
                    exit = Exit::NotReached;
                }
            }
        }
    }
    exit
}

fn print_problems(problems: &[Problem], label: impl Fn(&str) -> &'static str) {
    for p in problems {
        let tag = if p.severity == Severity::Error {
            "错误"
        } else {
            "提醒"
        };
        eprintln!("[{tag}] {}：{}", label(&p.field), p.message);
    }
}

fn photo_field_kind(field: &str) -> Option<PhotoKind> {
    match field {
        "id_photo" => Some(PhotoKind::IdPortrait),
        "facephoto" => Some(PhotoKind::Face),
        "idphoto_scan" => Some(PhotoKind::IdScanFront),
        "idphoto_scan2" => Some(PhotoKind::IdScanBack),
        _ => None,
    }
}

/// `@PATH` loads an image file; any other text is taken as Base64 image bytes. Either way
/// the photo goes through the same normalisation to a JPEG under the kind's budget.
fn load_photo_value(value: &str, kind: PhotoKind, ctx: &Context, base: &Path) -> Result<Vec<u8>, String> {
    let budget = ctx.config.photo_budgets.bytes_for(kind);
    let label = kind.label();
    let photo = if let Some(path) = value.strip_prefix('@') {
        let path = base.join(path);
        load_photo_file(&path, budget).map_err(|e| format!("{label}（{}）：{e}", path.display()))?
    } else {
        let raw = value.trim().trim_start_matches("data:image/jpeg;base64,");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(raw)
            .map_err(|_| format!("{label}：既不是 @文件路径，也不是 Base64 图片"))?;
        normalize_photo(&bytes, budget).map_err(|e| format!("{label}：{e}"))?
    };
    Ok(photo.jpeg)
}

pub fn worker_rules(ctx: &Context, store: &Store, id_code: &str) -> WorkerRules {
    let codes = |e| store.dictionary_codes(e).unwrap_or_default();
    let companies: HashSet<String> = store
        .companies()
        .map(|cs| {
            cs.into_iter()
                .filter(|c| !c.removing)
                .map(|c| c.company.company_name)
                .collect()
        })
        .unwrap_or_default();
    let locked = crate::domain::parse_id_number(id_code)
        .ok()
        .and_then(|id| store.worker(&id.code).ok().flatten())
        .map(|r| r.locked_category)
        .filter(|c| !c.is_empty());
    WorkerRules {
        today: crate::api::beijing_date(chrono::Utc::now()),
        age_rules: ctx.config.age_rules.clone(),
        emp_categories: codes(Endpoint::DictListEmpCategory),
        job_types: codes(Endpoint::DictListJobTypeName),
        job_names: codes(Endpoint::DictListJobName),
        companies,
        locked_category: locked,
        blacklist: HashSet::new(),
    }
}

/// Reads a JSON object from `file`, saying in Chinese what is wrong with it otherwise.
fn read_json_object(file: &Path, what: &str, fields: &str) -> Result<Map<String, Value>, ()> {
    let text = std::fs::read_to_string(file).map_err(|e| eprintln!("读不了{what}文件 {}：{e}", file.display()))?;
    match serde_json::from_str(&text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => {
            eprintln!("{what}文件应是一个 JSON 对象（{{...}}），字段同 {fields}");
            Err(())
        }
        Err(e) => {
            eprintln!("{what}文件不是合法的 JSON：{e}");
            Err(())
        }
    }
}

/// The platform types every field as String; a file may well write `"Capital": 500`.
fn numbers_as_text(map: &mut Map<String, Value>) {
    for v in map.values_mut() {
        if let Value::Number(n) = v {
            *v = Value::String(n.to_string());
        }
    }
}

pub fn register(ctx: &Context, file: &Path) -> Exit {
    let Ok(mut map) = read_json_object(file, "人员资料", "RegisterEmployee") else {
        return Exit::Invalid;
    };
    let base = file.parent().unwrap_or(Path::new("."));
    let mut photos = WorkerPhotos::new();
    let mut problems = Vec::new();
    for field in ["id_photo", "facephoto", "idphoto_scan", "idphoto_scan2"] {
        let Some(kind) = photo_field_kind(field) else { continue };
        match map.remove(field) {
            Some(Value::String(v)) if !v.trim().is_empty() => match load_photo_value(&v, kind, ctx, base) {
                Ok(jpeg) => {
                    photos.insert(kind, jpeg);
                }
                Err(e) => problems.push(Problem {
                    field: field.into(),
                    message: e,
                    severity: Severity::Error,
                }),
            },
            _ => {}
        }
        map.insert(field.into(), Value::String(String::new()));
    }
    map.entry("Project_ID")
        .or_insert_with(|| Value::String(ctx.config.project_id.clone()));
    let request = match RegisterEmployee::from_body(map, &ctx.config.protocol.register_fields) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return Exit::Invalid;
        }
    };
    let worker = Worker::from_request(&request).normalized();
    let Ok(mut store) = open_store(ctx) else {
        return Exit::NotReached;
    };
    // Re-enrolling keeps the photos already on file unless new ones are given.
    let on_file = store.worker_photos(&worker.id_code).unwrap_or_default();
    let has = |k: PhotoKind| photos.contains_key(&k) || on_file.contains_key(&k);
    let present = PhotosPresent {
        id_photo: has(PhotoKind::IdPortrait),
        facephoto: has(PhotoKind::Face),
        idphoto_scan: has(PhotoKind::IdScanFront),
        idphoto_scan2: has(PhotoKind::IdScanBack),
    };
    let rules = worker_rules(ctx, &store, &worker.id_code);
    problems.extend(worker.validate(present, &rules));
    print_problems(&problems, crate::domain::worker::field_label);
    if errors(&problems).next().is_some() {
        eprintln!(
            "人员资料有 {} 处错误：没有保存，也没有上传。请改正后重新执行。",
            errors(&problems).count()
        );
        return Exit::Invalid;
    }
    let item = match store.save_worker(&worker, &photos) {
        Ok(id) => id,
        Err(e) => {
            eprintln!("{e}");
            return Exit::NotReached;
        }
    };
    println!(
        "已保存：{}（{}），队列 #{item}",
        worker.emp_name,
        crate::domain::mask_id(&worker.id_code)
    );
    drain_now(ctx, &mut store, false);
    exit_for_items(&store, &[item])
}

pub fn leave(ctx: &Context, id_codes: &[String], exit_time: Option<&str>) -> Exit {
    let mut ids = Vec::new();
    let mut bad = false;
    for raw in id_codes {
        match crate::domain::parse_id_number(raw) {
            Ok(id) => ids.push(id.code),
            Err(e) => {
                eprintln!("{raw}：{e}");
                bad = true;
            }
        }
    }
    let exit_time = match exit_time {
        Some(t) => match chrono::NaiveDateTime::parse_from_str(t.trim(), "%Y-%m-%d %H:%M:%S") {
            Ok(_) => t.trim().to_string(),
            Err(_) => {
                eprintln!("离场时间格式不对：{t}。请写成 \"2026-11-28 17:30:00\"");
                bad = true;
                String::new()
            }
        },
        None => crate::api::beijing_timestamp(chrono::Utc::now()),
    };
    if ids.is_empty() && !bad {
        eprintln!("请至少给出一个身份证号码");
        bad = true;
    }
    if bad {
        eprintln!("没有保存，也没有上传：请改正后重新执行");
        return Exit::Invalid;
    }
    ids.dedup();
    let Ok(mut store) = open_store(ctx) else {
        return Exit::NotReached;
    };
    let items = match store.record_departures(&ids, &exit_time, ctx.config.leave_batch_size) {
        Ok(items) => items,
        Err(e) => {
            eprintln!("{e}");
            return Exit::NotReached;
        }
    };
    drain_now(ctx, &mut store, false);
    exit_for_items(&store, &items)
}

pub fn company_add(ctx: &Context, file: &Path) -> Exit {
    let Ok(mut map) = read_json_object(file, "单位资料", "AddCompany（Company_Name、SUID、Legal_Person …）")
    else {
        return Exit::Invalid;
    };
    map.entry("Project_ID")
        .or_insert_with(|| Value::String(ctx.config.project_id.clone()));
    numbers_as_text(&mut map);
    let value = Value::Object(map);
    let request: AddCompany = match serde_json::from_value(value) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("单位资料缺少必填字段或格式不对：{e}");
            return Exit::Invalid;
        }
    };
    let company = Company::from_request(&request).normalized();
    let Ok(mut store) = open_store(ctx) else {
        return Exit::NotReached;
    };
    let rules = CompanyRules {
        company_types: store.dictionary_codes(Endpoint::GetCompanyType).unwrap_or_default(),
        project_suids: store
            .companies()
            .unwrap_or_default()
            .into_iter()
            .filter(|c| !c.removing)
            .map(|c| c.company.suid)
            .collect(),
    };
    let problems = company.validate(&rules);
    print_problems(&problems, crate::domain::company::company_field_label);
    if problems.iter().any(|p| p.severity == Severity::Error) {
        eprintln!("单位资料有错误：没有保存，也没有上传。请改正后重新执行。");
        return Exit::Invalid;
    }
    let item = match store.save_company(&company) {
        Ok(id) => id,
        Err(e) => {
            eprintln!("{e}");
            return Exit::NotReached;
        }
    };
    drain_now(ctx, &mut store, false);
    exit_for_items(&store, &[item])
}

pub fn company_remove(ctx: &Context, suid: &str, name: &str) -> Exit {
    let suid = match crate::domain::validate_uscc(suid) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("统一社会信用代码：{e}");
            return Exit::Invalid;
        }
    };
    if name.trim().is_empty() {
        eprintln!("请给出单位全称（--name）");
        return Exit::Invalid;
    }
    let Ok(mut store) = open_store(ctx) else {
        return Exit::NotReached;
    };
    if let Ok(n) = store.workers_in_company(name.trim())
        && n > 0
    {
        eprintln!("提醒：本机还有 {n} 名在场人员属于“{}”", name.trim());
    }
    let item = match store.remove_company(&suid, name.trim()) {
        Ok(id) => id,
        Err(e) => {
            eprintln!("{e}");
            return Exit::NotReached;
        }
    };
    drain_now(ctx, &mut store, false);
    exit_for_items(&store, &[item])
}

pub fn outbox_list(ctx: &Context, json: bool) -> Exit {
    let Ok(store) = open_store(ctx) else {
        return Exit::NotReached;
    };
    let items = match store.outbox_items(true) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{e}");
            return Exit::NotReached;
        }
    };
    if json {
        match serde_json::to_string_pretty(&items) {
            Ok(t) => println!("{t}"),
            Err(e) => eprintln!("{e}"),
        }
    } else {
        if let Ok(Some(p)) = store.queue_paused() {
            println!("上传已暂停：{p}");
        }
        for i in &items {
            let next = i
                .next_attempt_at
                .map(|t| format!("，下次 {}", crate::api::beijing_timestamp(t)))
                .unwrap_or_default();
            println!(
                "#{}\t{}\t{}\t尝试 {} 次{next}",
                i.id,
                i.label,
                i.state.label(),
                i.attempts
            );
            if i.state != ItemState::Sent && !i.last_message.is_empty() {
                println!(
                    "\t平台/网络：{}（代码 {}）",
                    i.last_message,
                    if i.last_code.is_empty() { "-" } else { &i.last_code }
                );
                println!("\t怎么办：{}", i.last_advice);
            }
        }
        if let Ok(c) = store.outbox_counts() {
            println!(
                "共 {} 条：待上传 {}，等待重试 {}，需处理 {}，已上传 {}",
                items.len(),
                c.waiting + c.sending,
                c.retry,
                c.needs_fix,
                c.sent
            );
        }
    }
    Exit::Accepted
}

pub fn outbox_drain(ctx: &Context) -> Exit {
    let Ok(mut store) = open_store(ctx) else {
        return Exit::NotReached;
    };
    let report = drain_now(ctx, &mut store, true);
    let counts = match store.outbox_counts() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return Exit::NotReached;
        }
    };
    if let Some(r) = &report {
        println!(
            "本次发送 {} 条：成功 {}，需处理 {}，等待重试 {}",
            r.attempted, r.sent, r.needs_fix, r.retry
        );
    }
    println!(
        "队列：待上传 {}，等待重试 {}，需处理 {}，已上传 {}",
        counts.waiting + counts.sending,
        counts.retry,
        counts.needs_fix,
        counts.sent
    );
    if counts.waiting + counts.sending + counts.retry > 0 {
        Exit::NotReached
    } else if counts.needs_fix > 0 {
        Exit::Refused
    } else {
        Exit::Accepted
    }
}

pub fn outbox_retry(ctx: &Context, id: i64) -> Exit {
    let Ok(mut store) = open_store(ctx) else {
        return Exit::NotReached;
    };
    if let Err(e) = store.retry_now(id) {
        eprintln!("{e}");
        return Exit::Invalid;
    }
    let _ = store.set_queue_paused(None);
    drain_now(ctx, &mut store, false);
    exit_for_items(&store, &[id])
}
