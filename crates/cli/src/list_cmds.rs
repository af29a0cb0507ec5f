//! What only the window showed until now, for scripts and a clerk at a prompt: the project's
//! companies, the roster and one worker in full, the blacklist (list, add, remove, import,
//! export), the drafts imported from lists (待补全) and the Excel exports of the roster and a
//! day's attendance. Looking and exporting open the store for reading (they work on a store
//! that may not be written); changes go through the station's use cases, as the window's do.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use super::queue_cmds::{ForReading, open_for_reading, open_station};
use super::{Context, Exit};
use domain::{Field, IdNumber, WorkerField, mask_id};
use host::output_file::{Existing, write_output};
use station::export::local_time;
use station::platform::Endpoint;
use station::records::{BlacklistEntry, StoreError, StoreReads};
use station::{Station, StationError, lists};

/// Prints `value` as JSON (what `--json` gives: full values, nothing masked).
fn print_json(value: &impl Serialize) -> Exit {
    match serde_json::to_string_pretty(value) {
        Ok(t) => {
            outln!("{t}");
            Exit::Accepted
        }
        Err(e) => {
            errln!("没能输出 JSON：{e}");
            Exit::LocalFailure
        }
    }
}

/// A store that could not be read: a local failure.
fn unreadable(e: StoreError) -> Exit {
    errln!("本机数据库读不出来：{e}");
    Exit::LocalFailure
}

/// Every list command: read through the station (a store that may only be read too), then
/// `--json` prints the rows whole, else `print` writes a line each.
fn list<T: Serialize>(
    ctx: &Context,
    json: bool,
    read: impl FnOnce(&dyn StoreReads) -> Result<Vec<T>, StoreError>,
    print: impl FnOnce(&dyn StoreReads, &[T]),
) -> Exit {
    let reading = match open_for_reading(ctx) {
        Ok(r) => r,
        Err(exit) => return exit,
    };
    let store = reading.store();
    let rows = match read(store) {
        Ok(rows) => rows,
        Err(e) => return unreadable(e),
    };
    if json {
        return print_json(&rows);
    }
    print(store, &rows);
    Exit::Accepted
}

/// The ID number as typed, checked; an invalid one is invalid input (2).
fn checked_id(input: &str) -> Result<IdNumber, Exit> {
    IdNumber::parse(input).map_err(|why| {
        errln!("身份证号码“{}”不对：{why}", input.trim());
        Exit::Invalid
    })
}

/// Code → name of one of the platform's dictionaries kept on this PC.
fn dictionary(store: &dyn StoreReads, kind: Endpoint) -> HashMap<String, String> {
    store
        .dictionary(kind)
        .ok()
        .flatten()
        .map(|(entries, _)| entries.into_iter().map(|e| (e.orders, e.value)).collect())
        .unwrap_or_default()
}

fn named(names: &HashMap<String, String>, code: &str) -> String {
    match names.get(code) {
        Some(name) => name.clone(),
        None => code.to_string(),
    }
}

fn dash(s: &str) -> &str {
    if s.trim().is_empty() { "—" } else { s }
}

// ---- companies ----

pub fn company_list(ctx: &Context, json: bool) -> Exit {
    list(
        ctx,
        json,
        |s| s.companies(),
        |store, companies| {
            let types = dictionary(store, Endpoint::GetCompanyType);
            for c in companies {
                let removing = if c.removing { "（移除中）" } else { "" };
                outln!(
                    "{}\t{}\t{}\t{}{removing}\t在场 {} 人",
                    c.company.company_name,
                    c.company.suid,
                    named(&types, &c.company.company_type),
                    c.state.label(),
                    store.workers_in_company(&c.company.company_name).unwrap_or(0)
                );
                if !c.sync_message.is_empty() {
                    outln!("\t{}", c.sync_message);
                }
            }
            outln!("共 {} 家单位", companies.len());
        },
    )
}

// ---- the roster ----

pub fn worker_list(ctx: &Context, json: bool) -> Exit {
    let reading = match open_for_reading(ctx) {
        Ok(r) => r,
        Err(exit) => return exit,
    };
    let store = reading.store();
    if json {
        return match store.roster_rows() {
            Ok(rows) => print_json(&rows),
            Err(e) => unreadable(e),
        };
    }
    let lines = match station::export::roster_lines(store) {
        Ok(l) => l,
        Err(e) => return unreadable(e),
    };
    outln!("{}", station::export::HEADERS.join("\t"));
    for l in &lines {
        outln!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            l.emp_name,
            mask_id(&l.id_code),
            l.company,
            l.trade,
            l.category,
            l.state,
            dash(&l.emp_id),
            l.updated_at
        );
    }
    outln!("共 {} 人（身份证号码已隐去中间几位；--json 给出完整号码）", lines.len());
    Exit::Accepted
}

pub fn worker_show(ctx: &Context, id_code: &str, json: bool) -> Exit {
    let id_code = match checked_id(id_code) {
        Ok(id) => id,
        Err(exit) => return exit,
    };
    let reading = match open_for_reading(ctx) {
        Ok(r) => r,
        Err(exit) => return exit,
    };
    let store = reading.store();
    let detail = match lists::worker_detail(store, &id_code) {
        Ok(Some(d)) => d,
        Ok(None) => {
            errln!(
                "本机没有身份证号码为 {} 的人员：请核对号码，或用 `cwr-station worker list` 查看花名册",
                id_code.masked()
            );
            return Exit::NotFound;
        }
        Err(e) => return unreadable(e),
    };
    if json {
        return print_json(&detail);
    }
    let (jobs, categories, job_types) = (
        dictionary(store, Endpoint::DictListJobName),
        dictionary(store, Endpoint::DictListEmpCategory),
        dictionary(store, Endpoint::DictListJobTypeName),
    );
    let r = &detail.record;
    let w = &r.worker;
    outln!("{}（{}）", w.emp_name, mask_id(&w.id_code));
    outln!("状态：{}", detail.shown_state.label());
    if !r.sync_message.is_empty() {
        outln!("\t{}", r.sync_message);
    }
    if let Some(d) = detail.departure {
        let words = match d {
            domain::DepartureState::Pending => "离场待上传",
            domain::DepartureState::Sent => "离场已上传",
            domain::DepartureState::NeedsFix => "离场未成功：请到“待上传”查看平台的回复",
        };
        outln!("离场：{words}");
    }
    outln!("平台工号（emp_id）：{}", dash(&r.emp_id));
    if let Some(reason) = &detail.blacklist_reason {
        outln!("在本项目黑名单中：{}（请按项目规定处理，如标记离场）", dash(reason));
    }
    for field in WorkerField::ALL {
        let Some(value) = field.text(w) else { continue };
        let shown = match field {
            WorkerField::IdCode | WorkerField::EmpCardnum if !value.is_empty() => mask_id(value),
            WorkerField::JobName => named(&jobs, value),
            WorkerField::EmpCategory => named(&categories, value),
            WorkerField::JobTypename => named(&job_types, value),
            _ => value.clone(),
        };
        outln!("{}：{}", field.label(), dash(&shown));
    }
    let photos: Vec<&str> = detail.photos.iter().map(|k| k.label()).collect();
    outln!(
        "照片：{}",
        if photos.is_empty() {
            "无".to_string()
        } else {
            photos.join("、")
        }
    );
    outln!(
        "登记于 {}，最后修改 {}",
        local_time(&r.created_at),
        local_time(&r.updated_at)
    );
    if detail.items.is_empty() {
        outln!("上传队列：没有此人的记录");
    } else {
        outln!("上传队列：");
        for i in &detail.items {
            outln!(
                "  #{}\t{}\t{}\t{}",
                i.id,
                i.label,
                i.state.label(),
                local_time(&i.updated_at)
            );
            if i.state != domain::ItemState::Sent && !i.last_message.is_empty() {
                outln!("\t平台/网络：{}；怎么办：{}", i.last_message, i.last_advice);
            }
        }
    }
    if !detail.history.is_empty() {
        outln!("操作记录：");
        for h in &detail.history {
            outln!("  {}\t{}\t{}", local_time(&h.at), h.action, h.detail);
        }
    }
    Exit::Accepted
}

// ---- the blacklist ----

pub fn blacklist_list(ctx: &Context, json: bool) -> Exit {
    list(
        ctx,
        json,
        |s| s.blacklist(),
        |_, entries| {
            for e in entries {
                outln!(
                    "{}\t{}\t{}\t{}\t{}",
                    mask_id(&e.id_code),
                    dash(&e.name),
                    e.reason,
                    e.added_by,
                    local_time(&e.added_at)
                );
            }
            outln!("黑名单共 {} 人", entries.len());
        },
    )
}

/// A blacklist change the station refused (says why) or could not store.
fn blacklist_refused(e: StationError, what: &str) -> Exit {
    let x = e.explain();
    let outcome = if x.local {
        "本机没能保存：黑名单没有改动"
    } else {
        what
    };
    super::queue_cmds::explained(x.with_outcome(outcome))
}

pub fn blacklist_add(ctx: &Context, id_code: &str, name: &str, reason: &str, by: &str) -> Exit {
    let Ok(mut station) = open_station(ctx) else {
        return Exit::LocalFailure;
    };
    let entry = BlacklistEntry {
        id_code: id_code.to_string(),
        name: name.to_string(),
        reason: reason.to_string(),
        added_by: by.to_string(),
        added_at: String::new(),
    };
    match station.blacklist_add(&[entry]) {
        Ok(added) => {
            outln!("{}", added.message());
            Exit::Accepted
        }
        Err(e) => blacklist_refused(e, "没有加入黑名单"),
    }
}

pub fn blacklist_remove(ctx: &Context, id_code: &str, by: &str) -> Exit {
    let id_code = match checked_id(id_code) {
        Ok(id) => id,
        Err(exit) => return exit,
    };
    let Ok(mut station) = open_station(ctx) else {
        return Exit::LocalFailure;
    };
    match station.store().blacklist_reasons() {
        Ok(listed) if !listed.contains_key(id_code.as_str()) => {
            errln!(
                "黑名单里没有 {}（可能已经移出）：用 `cwr-station blacklist list` 查看",
                id_code.masked()
            );
            return Exit::NotFound;
        }
        Ok(_) => {}
        Err(e) => return unreadable(e),
    }
    match station.blacklist_remove(&id_code, by) {
        Ok(()) => {
            outln!("已移出黑名单：{}", id_code.masked());
            Exit::Accepted
        }
        Err(e) => blacklist_refused(e, "没有移出黑名单"),
    }
}

pub fn blacklist_import(ctx: &Context, file: &Path, by: &str) -> Exit {
    let sheet = match excel::read_blacklist_sheet(file) {
        Ok(s) => s,
        Err(e) => {
            errln!("{e}");
            errln!("黑名单没有改动。");
            return Exit::Invalid;
        }
    };
    let Ok(mut station) = open_station(ctx) else {
        return Exit::LocalFailure;
    };
    match station.import_blacklist(&sheet, by) {
        Ok(imported) => {
            outln!("{}", imported.message());
            if imported.refused.is_empty() {
                Exit::Accepted
            } else {
                errln!(
                    "有 {} 行没有加入：改正这些行后再导入一次即可（已加入的不会重复）",
                    imported.refused.len()
                );
                Exit::Invalid
            }
        }
        Err(e) => blacklist_refused(e, "黑名单没有改动"),
    }
}

/// Writes `file` through a temp file, replacing it only with `--force`, never one of the
/// station's own files.
fn write_file<E: std::fmt::Display>(
    ctx: &Context,
    file: &Path,
    force: bool,
    write: impl FnOnce(&Path) -> Result<(), E>,
) -> Exit {
    match write_output(file, Existing::replace_if(force), &ctx.station_files(), write) {
        Ok(()) => Exit::Accepted,
        Err(e) => {
            errln!("没有导出：{e}");
            super::output_file_exit(&e)
        }
    }
}

pub fn blacklist_export(ctx: &Context, file: &Path, force: bool) -> Exit {
    let reading = match open_for_reading(ctx) {
        Ok(r) => r,
        Err(exit) => return exit,
    };
    let entries = match reading.store().blacklist() {
        Ok(e) => e,
        Err(e) => return unreadable(e),
    };
    let exit = write_file(ctx, file, force, |tmp| {
        station::export::write_blacklist_xlsx(tmp, &entries)
    });
    if exit == Exit::Accepted {
        outln!("已导出黑名单 {} 人到 {}", entries.len(), file.display());
    }
    exit
}

// ---- drafts (待补全) ----

pub fn draft_list(ctx: &Context, json: bool) -> Exit {
    list(ctx, json, lists::drafts, |_, drafts| {
        for d in drafts {
            outln!(
                "{}\t{}\t{}\t{}\t{}",
                d.emp_name,
                mask_id(&d.id_code),
                d.emp_company,
                d.sync_message,
                local_time(&d.updated_at)
            );
        }
        outln!(
            "待补全 {} 人：到现场登记时读身份证、拍人脸照、扫描身份证正反面后提交，才会上传平台",
            drafts.len()
        );
    })
}

fn no_such_draft(id_code: &str) -> Exit {
    errln!(
        "没有身份证号码为 {} 的待补全资料（可能已经补全或删除）：用 `cwr-station draft list` 查看",
        mask_id(id_code)
    );
    Exit::NotFound
}

#[derive(Serialize)]
struct DraftJson<'a> {
    #[serde(flatten)]
    record: &'a station::records::WorkerRecord,
    source: &'a str,
}

pub fn draft_show(ctx: &Context, id_code: &str, json: bool) -> Exit {
    let id_code = match checked_id(id_code) {
        Ok(id) => id,
        Err(exit) => return exit,
    };
    let reading = match open_for_reading(ctx) {
        Ok(r) => r,
        Err(exit) => return exit,
    };
    let (record, source) = match lists::draft(reading.store(), &id_code) {
        Ok(Some(d)) => d,
        Ok(None) => return no_such_draft(id_code.as_str()),
        Err(e) => return unreadable(e),
    };
    if json {
        return print_json(&DraftJson {
            record: &record,
            source: &source,
        });
    }
    let w = &record.worker;
    outln!("{}（{}）：待补全，{}", w.emp_name, mask_id(&w.id_code), source);
    for field in WorkerField::ALL {
        let Some(value) = field.text(w) else { continue };
        let shown = match field {
            WorkerField::IdCode | WorkerField::EmpCardnum if !value.is_empty() => mask_id(value),
            _ => value.clone(),
        };
        outln!("{}：{}", field.label(), dash(&shown));
    }
    outln!("导入于 {}", local_time(&record.updated_at));
    outln!("还没有登记，不会上传：到现场读身份证、拍人脸照、扫描身份证正反面后提交登记");
    Exit::Accepted
}

pub fn draft_delete(ctx: &Context, id_code: &str) -> Exit {
    let id_code = match checked_id(id_code) {
        Ok(id) => id,
        Err(exit) => return exit,
    };
    let Ok(mut station) = open_station(ctx) else {
        return Exit::LocalFailure;
    };
    match station.store().draft(id_code.as_str()) {
        // A draft that no longer reads is the one most worth deleting.
        Ok(Some(_)) | Err(StoreError::Corrupt(_)) => {}
        Ok(None) => return no_such_draft(id_code.as_str()),
        Err(e) => return unreadable(e),
    }
    match station.delete_draft(&id_code) {
        Ok(()) => {
            outln!("已删除待补全资料：{}", id_code.masked());
            Exit::Accepted
        }
        Err(e) => {
            let x = e.explain();
            if x.local {
                return super::queue_cmds::explained(x.with_outcome("本机没能保存：资料没有删除"));
            }
            // The draft went between the look above and the delete.
            super::queue_cmds::explained(x);
            Exit::NotFound
        }
    }
}

// ---- Excel exports ----

pub fn export_roster(ctx: &Context, file: &Path, force: bool) -> Exit {
    let reading = match open_for_reading(ctx) {
        Ok(r) => r,
        Err(exit) => return exit,
    };
    let lines = match station::export::roster_lines(reading.store()) {
        Ok(l) => l,
        Err(e) => return unreadable(e),
    };
    let exit = write_file(ctx, file, force, |tmp| station::export::write_roster_xlsx(tmp, &lines));
    if exit == Exit::Accepted {
        outln!("已导出花名册 {} 人到 {}", lines.len(), file.display());
    }
    exit
}

/// A day's attendance (Beijing date; default the platform's today) as the window exports it.
pub fn export_attendance(ctx: &Context, file: &Path, date: Option<&str>, force: bool) -> Exit {
    let day = match date.map(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")) {
        Some(Ok(day)) => Some(day),
        Some(Err(_)) => {
            errln!(
                "日期“{}”看不懂：请写成 YYYY-MM-DD（北京时间的日期），例如 2026-03-05",
                date.unwrap_or_default()
            );
            return Exit::Invalid;
        }
        None => None,
    };
    let station = match open_for_reading(ctx) {
        Ok(ForReading::Station(station)) => *station,
        // Only to read: a station over the file opened read-only.
        Ok(ForReading::ReadOnly(store)) => {
            drop(store);
            let clock = std::sync::Arc::new(station::platform::PlatformClock::new(
                station::platform::clock::system_time(),
            ));
            match Station::open_read_only(&ctx.data_dir, ctx.config.clone(), clock) {
                Ok(s) => s,
                Err(e) => {
                    errln!("{}", e.explain(&ctx.data_dir));
                    return Exit::LocalFailure;
                }
            }
        }
        Err(exit) => return exit,
    };
    // As the window's day view: logs past the platform's window show 已过时限.
    if !station.store().is_read_only()
        && let Err(e) = station.expire_overdue_passes()
    {
        errln!("注意：过时限的考勤没能标记：{e}");
    }
    let day = day.unwrap_or_else(|| station.today());
    let passes = match station.passes_on(day) {
        Ok(p) => p,
        Err(StationError::Local(e)) => return unreadable(e),
        Err(e) => {
            errln!("{e}");
            return Exit::LocalFailure;
        }
    };
    let exit = write_file(ctx, file, force, |tmp| station::export::write_passes_xlsx(tmp, &passes));
    if exit == Exit::Accepted {
        outln!(
            "已导出 {} 的考勤 {} 条到 {}",
            day.format("%Y-%m-%d"),
            passes.len(),
            file.display()
        );
    }
    exit
}
