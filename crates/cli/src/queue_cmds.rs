//! Commands that go through the station, exactly as the window does: register, leave,
//! company add/remove, outbox list/drain/retry. They parse their input, call the station's
//! use case, drain what is due, and turn the outcome into an exit code.

use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use serde_json::{Map, Value};

use super::{Context, Exit};
use domain::ItemState;
use domain::{Field, PhotoKind, Problem, Severity, WorkerField};
use media::{load_photo_file, normalize_photo};
use station::platform::{AddCompany, RegisterEmployee};
use station::platform::{PlatformClock, clock};
use station::records::{ItemId, OutboxItem, ParkReason, WorkerPhotos};
use station::sending::{DrainReport, NotSent, command_holder};
use station::{Station, StationError};

/// Opens the station over the data dir; a store that cannot be opened is a local failure.
pub fn open_station(ctx: &Context) -> Result<Station, Exit> {
    let clock = Arc::new(PlatformClock::new(clock::system_time()));
    match Station::open(&ctx.data_dir, ctx.config.clone(), clock) {
        Ok(station) => {
            for w in station.warnings() {
                errln!("注意：{w}");
            }
            Ok(station)
        }
        Err(e) => {
            errln!("{}", e.explain(&ctx.data_dir));
            errln!("没有保存任何内容。");
            Err(Exit::LocalFailure)
        }
    }
}

/// A store to read from: the station's, or, where the store may not be written, the file
/// opened read-only (looking works, saving does not).
pub enum ForReading {
    Station(Box<Station>),
    ReadOnly(station::records::Reader),
}

impl ForReading {
    pub fn store(&self) -> &dyn station::records::StoreReads {
        match self {
            ForReading::Station(s) => s.store(),
            ForReading::ReadOnly(s) => &**s,
        }
    }
}

/// Opens the store for a command that only reads.
pub fn open_for_reading(ctx: &Context) -> Result<ForReading, Exit> {
    let clock = Arc::new(PlatformClock::new(clock::system_time()));
    match Station::open(&ctx.data_dir, ctx.config.clone(), clock) {
        Ok(station) => Ok(ForReading::Station(Box::new(station))),
        Err(e) if e.trouble() == Some(station::records::Trouble::ReadOnly) => {
            // Only this PC's file can be read-only; a site database is opened as a station.
            match station::records::Reader::open(&ctx.data_dir, &station::records::StoreLocation::ThisPc) {
                Ok(store) => {
                    errln!("注意：{}", e.explain(&ctx.data_dir));
                    Ok(ForReading::ReadOnly(store))
                }
                Err(_) => {
                    errln!("{}", e.explain(&ctx.data_dir));
                    Err(Exit::LocalFailure)
                }
            }
        }
        Err(e) => {
            errln!("{}", e.explain(&ctx.data_dir));
            Err(Exit::LocalFailure)
        }
    }
}

/// The exit code for a use case that stored nothing, printing why.
pub(super) fn refused(e: StationError) -> Exit {
    explained(e.explain())
}

/// Prints a refusal as the window shows it (a line per problem, then what happened and what
/// to do); exits by whether this PC or the input was at fault.
pub(super) fn explained(x: station::Explained) -> Exit {
    for line in x.lines() {
        errln!("{line}");
    }
    if x.local { Exit::LocalFailure } else { Exit::Invalid }
}

/// Tries to deliver what is due. `None` when the platform cannot be tried (settings missing,
/// or another sender — the window, another command — holds the queue): the records stay queued.
pub fn drain_now(ctx: &Context, station: &mut Station) -> Option<DrainReport> {
    let sent = station.send_now(&ctx.secret, &command_holder(), &mut |problem| errln!("{problem}"));
    let sent = match sent {
        Ok(sent) => sent,
        Err(NotSent::HeldBy(who)) => {
            errln!("{who}正在上传队列：记录已保存，会由它发出");
            return None;
        }
        Err(NotSent::NotConfigured(why)) => {
            errln!("{why}");
            errln!("记录已保存在本机，设置完成后执行 `cwr-station outbox drain` 即可上传");
            return None;
        }
        Err(NotSent::Local(why)) => {
            errln!("{why}");
            return None;
        }
        Err(NotSent::AnswerNotKept(why)) => {
            errln!("{why}");
            errln!("平台的回答没能记到本机：发出的记录保持原样，解决后会再发送（平台会认出已收到的，不会重复）");
            return None;
        }
    };
    if let Some(w) = &sent.clock_warning {
        errln!("{w}");
    }
    let r = sent.report;
    if let Some(p) = &r.paused {
        errln!("上传已暂停：{p}");
    }
    if let Some(until) = r.waiting_until {
        errln!(
            "连不上平台：队列暂停发送，{} 后再试（记录都已保存在本机）",
            domain::time::beijing_timestamp(until)
        );
    }
    Some(r)
}

/// The exit code for a set of items after a drain, printing what is not on the platform.
pub(super) fn exit_for_items(station: &Station, ids: &[ItemId]) -> Exit {
    let mut exit = Exit::Accepted;
    for id in ids {
        let item = match station.store().outbox_item(*id) {
            Ok(item) => item,
            Err(e) => {
                errln!("{e}");
                return Exit::LocalFailure;
            }
        };
        exit = exit.worse(print_item(&item));
    }
    exit
}

/// Prints one item's state for the clerk; returns what it means for the exit code.
fn print_item(item: &OutboxItem) -> Exit {
    match item.state {
        ItemState::Sent => {
            outln!("#{} {}：平台已接收", item.id, item.label);
            Exit::Accepted
        }
        ItemState::NeedsFix => {
            outln!(
                "#{} {}：平台拒绝（代码 {}）：{}",
                item.id,
                item.label,
                item.last_code,
                item.last_message
            );
            if !item.last_detail.is_empty() {
                outln!("    平台附带的数据（原样）：{}", item.last_detail);
            }
            outln!("    怎么办：{}", item.last_advice);
            Exit::Refused
        }
        ItemState::Expired => {
            outln!("#{} {}：已过时限，不会再上传", item.id, item.label);
            outln!("    {}", item.last_advice);
            Exit::Refused
        }
        _ if item.park_reason == ParkReason::Settings => {
            outln!(
                "#{} {}：已保存在本机，等连接设置改正后上传（平台原话：代码 {}，{}）",
                item.id,
                item.label,
                item.last_code,
                item.last_message
            );
            outln!("    怎么办：{}", item.last_advice);
            Exit::NotReached
        }
        state => {
            outln!(
                "#{} {}：{}，已保存在本机，联网后自动上传",
                item.id,
                item.label,
                state.label()
            );
            if !item.last_message.is_empty() {
                outln!("    上次失败原因：{}", item.last_message);
            }
            Exit::NotReached
        }
    }
}

fn print_problems<F: Copy>(problems: &[Problem<F>], label: impl Fn(F) -> &'static str) {
    for p in problems {
        let tag = if p.severity == Severity::Error {
            "错误"
        } else {
            "提醒"
        };
        errln!("[{tag}] {}：{}", label(p.field), p.message);
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
    media::check_min_size(kind, photo.width, photo.height).map_err(|e| e.to_string())?;
    Ok(photo.jpeg)
}

/// Reads a JSON object from `file`, saying in Chinese what is wrong with it otherwise.
fn read_json_object(file: &Path, what: &str, fields: &str) -> Result<Map<String, Value>, ()> {
    let text = std::fs::read_to_string(file).map_err(|e| errln!("读不了{what}文件 {}：{e}", file.display()))?;
    match serde_json::from_str(&text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => {
            errln!("{what}文件应是一个 JSON 对象（{{...}}），字段同 {fields}");
            Err(())
        }
        Err(e) => {
            errln!("{what}文件不是合法的 JSON：{e}");
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
    let mut bad_photos = Vec::new();
    for field in WorkerField::PHOTOS {
        let Some(kind) = field.photo_kind() else { continue };
        if let Some(Value::String(v)) = map.remove(field.key())
            && !v.trim().is_empty()
        {
            match load_photo_value(&v, kind, ctx, base) {
                Ok(jpeg) => {
                    photos.insert(kind, jpeg);
                }
                Err(e) => bad_photos.push(Problem {
                    field,
                    message: e,
                    severity: Severity::Error,
                }),
            }
        }
        map.insert(field.key().into(), Value::String(String::new()));
    }
    map.entry("Project_ID")
        .or_insert_with(|| Value::String(ctx.config.project_id.clone()));
    let request = match RegisterEmployee::from_body(map, &ctx.config.protocol.register_fields) {
        Ok(r) => r,
        Err(e) => {
            errln!("{e}");
            return Exit::Invalid;
        }
    };
    if !bad_photos.is_empty() {
        print_problems(&bad_photos, |f| f.label());
        errln!("照片有问题：没有保存，也没有上传。请改正后重新执行。");
        return Exit::Invalid;
    }
    let Ok(mut station) = open_station(ctx) else {
        return Exit::LocalFailure;
    };
    let enrolled = match station.enroll(request.to_worker(), photos) {
        Ok(e) => e,
        Err(e) => return refused(e),
    };
    print_problems(&enrolled.warnings, |f| f.label());
    outln!(
        "已保存：{}（{}），队列 #{}",
        request.emp_name.trim(),
        domain::mask_id(&enrolled.id_code),
        enrolled.item_id
    );
    drain_now(ctx, &mut station);
    exit_for_items(&station, &[enrolled.item_id])
}

pub fn leave(ctx: &Context, id_codes: &[String], exit_time: Option<&str>) -> Exit {
    let Ok(mut station) = open_station(ctx) else {
        return Exit::LocalFailure;
    };
    let items = match station.leave(id_codes, exit_time) {
        Ok(items) => items,
        Err(e) => return refused(e),
    };
    drain_now(ctx, &mut station);
    exit_for_items(&station, &items)
}

pub fn company_add(ctx: &Context, file: &Path) -> Exit {
    let Ok(mut map) = read_json_object(file, "单位资料", "AddCompany（Company_Name、SUID、Legal_Person …）")
    else {
        return Exit::Invalid;
    };
    map.entry("Project_ID")
        .or_insert_with(|| Value::String(ctx.config.project_id.clone()));
    numbers_as_text(&mut map);
    let request: AddCompany = match serde_json::from_value(Value::Object(map)) {
        Ok(r) => r,
        Err(e) => {
            errln!("单位资料缺少必填字段或格式不对：{e}");
            return Exit::Invalid;
        }
    };
    let Ok(mut station) = open_station(ctx) else {
        return Exit::LocalFailure;
    };
    let item = match station.save_company(request.to_company()) {
        Ok(id) => id,
        Err(e) => return refused(e),
    };
    drain_now(ctx, &mut station);
    exit_for_items(&station, &[item])
}

pub fn company_remove(ctx: &Context, suid: &str, name: &str) -> Exit {
    let Ok(mut station) = open_station(ctx) else {
        return Exit::LocalFailure;
    };
    let removal = match station::company_removal(suid, name)
        .and_then(|checked| station.remove_company(&checked.suid, &checked.company_name))
    {
        Ok(r) => r,
        Err(e) => return refused(e),
    };
    if removal.workers_still_naming > 0 {
        errln!(
            "提醒：本机还有 {} 名在场人员属于“{}”：移除后他们再上传会被平台拒绝",
            removal.workers_still_naming,
            name.trim()
        );
    }
    drain_now(ctx, &mut station);
    exit_for_items(&station, &[removal.item_id])
}

pub fn outbox_list(ctx: &Context, json: bool) -> Exit {
    let reading = match open_for_reading(ctx) {
        Ok(r) => r,
        Err(exit) => return exit,
    };
    let store = reading.store();
    let (items, counts, paused) = match (store.outbox_items(true), store.outbox_counts(), store.queue_paused()) {
        (Ok(i), Ok(c), Ok(p)) => (i, c, p),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            errln!("{e}");
            return Exit::LocalFailure;
        }
    };
    if json {
        match serde_json::to_string_pretty(&items) {
            Ok(t) => outln!("{t}"),
            Err(e) => errln!("{e}"),
        }
        return Exit::Accepted;
    }
    if let Some(p) = paused {
        outln!("上传已暂停：{p}");
    }
    for i in &items {
        let next = i
            .next_attempt_at
            .map(|t| format!("，下次 {}", domain::time::beijing_timestamp(t)))
            .unwrap_or_default();
        outln!(
            "#{}\t{}\t{}\t尝试 {} 次{next}",
            i.id,
            i.label,
            i.state.label(),
            i.attempts
        );
        if i.state != ItemState::Sent && !i.last_message.is_empty() {
            let code = if i.last_code.is_empty() { "-" } else { &i.last_code };
            outln!("\t平台/网络：{}（代码 {code}）", i.last_message);
            if !i.last_detail.is_empty() {
                outln!("\t平台附带的数据（原样）：{}", i.last_detail);
            }
            outln!("\t怎么办：{}", i.last_advice);
        }
    }
    outln!(
        "共 {} 条：待上传 {}，等待重试 {}，需处理 {}，已上传 {}",
        items.len(),
        counts.waiting + counts.sending,
        counts.retry,
        counts.needs_fix,
        counts.sent
    );
    Exit::Accepted
}

pub fn outbox_drain(ctx: &Context) -> Exit {
    let Ok(mut station) = open_station(ctx) else {
        return Exit::LocalFailure;
    };
    if let Err(e) = station.retry_all() {
        // Nothing new was to be saved here: the queue is as it was, only "now" was not noted.
        let e = match e {
            StationError::Local(e) => e.explain(&ctx.data_dir),
            other => other.to_string(),
        };
        errln!("{e}");
        errln!(
            "没能把等待重试的记录改为“立即发送”：队列里的记录都还在，原样不变。解决后再执行 `cwr-station outbox drain`"
        );
        return Exit::LocalFailure;
    }
    let report = drain_now(ctx, &mut station);
    let counts = match station.store().outbox_counts() {
        Ok(c) => c,
        Err(e) => {
            errln!("{e}");
            return Exit::LocalFailure;
        }
    };
    if let Some(r) = &report {
        outln!(
            "本次发送 {} 条：成功 {}，需处理 {}，等待重试 {}",
            r.attempted,
            r.sent,
            r.needs_fix,
            r.retry
        );
    }
    outln!(
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
    let id = ItemId::new(id);
    let Ok(mut station) = open_station(ctx) else {
        return Exit::LocalFailure;
    };
    if let Err(e) = station.retry(id) {
        return refused(e);
    }
    drain_now(ctx, &mut station);
    exit_for_items(&station, &[id])
}
