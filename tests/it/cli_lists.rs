//! What only the window showed, from the command line: `company list`, `worker list|show`,
//! `blacklist list|add|remove|import|export`, `draft list|show|delete` and `export
//! roster|attendance`, their `--json` shapes (full ID numbers) and human output (masked), a
//! bad ID number (exit 2) and one the station does not know (exit 5).

use crate::common;
use cwr_station::store::prelude::*;

use std::path::Path;

use calamine::{Reader, Xlsx, open_workbook};
use common::cli::write_worker_list;
use common::cli::{run, station};
use common::sheets::{t, write_xlsx};
use common::*;
use cwr_station::domain::mask_id;
use cwr_station::store::Store;

const COMPANY: &str = "深圳市清单测试劳务有限公司";
const ANJU: &str = "深圳市安居劳务分包有限公司";
/// Nobody listens here: the commands under test must not need the platform.
const NO_PLATFORM: &str = "http://127.0.0.1:9";

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// The sheet's rows as text.
fn sheet_rows(path: &Path) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = open_workbook(path).expect("opens");
    let name = book.sheet_names()[0].clone();
    book.worksheet_range(&name)
        .expect("sheet")
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[test]
fn the_companies_the_roster_and_a_worker_in_full_with_their_exports() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let url = sim.base_url();
    let suid = uscc(1500);
    let (code, out) = run(station(&data, &url)
        .args(["company", "add", "--file"])
        .arg(write_company_file(dir.path(), &suid, COMPANY)));
    assert_eq!(code, 0, "{out}");
    let id = id_code(1501);
    let (code, out) = run(station(&data, &url)
        .args(["register", "--worker"])
        .arg(write_worker_file(dir.path(), &id, "清单工人", COMPANY)));
    assert_eq!(code, 0, "{out}");
    let emp_id = sim.state().workers[&id].emp_id.clone();
    assert!(!emp_id.is_empty());

    // company list
    let (code, out) = run(station(&data, &url).args(["company", "list"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(COMPANY) && out.contains(&suid), "{out}");
    assert!(out.contains("共 1 家单位"), "{out}");
    let (code, out) = run(station(&data, &url).args(["company", "list", "--json"]));
    assert_eq!(code, 0, "{out}");
    let companies = json(&out);
    assert_eq!(companies.as_array().map(Vec::len), Some(1), "{out}");
    assert_eq!(companies[0]["company"]["suid"], suid.as_str());
    assert_eq!(companies[0]["state"], "sent");

    // worker list: masked for people, full for scripts
    let (code, out) = run(station(&data, &url).args(["worker", "list"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("清单工人") && out.contains(&mask_id(&id)), "{out}");
    assert!(!out.contains(&id), "the ID number is masked: {out}");
    assert!(out.contains("已上传") && out.contains("共 1 人"), "{out}");
    let (code, out) = run(station(&data, &url).args(["worker", "list", "--json"]));
    assert_eq!(code, 0, "{out}");
    let rows = json(&out);
    assert_eq!(rows[0]["id_code"], id.as_str());
    assert_eq!(rows[0]["emp_id"], emp_id.as_str());
    assert_eq!(rows[0]["state"], "sent");

    // worker show
    let (code, out) = run(station(&data, &url).args(["worker", "show", &id]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("状态：已上传"), "{out}");
    assert!(out.contains(&format!("平台工号（emp_id）：{emp_id}")), "{out}");
    assert!(out.contains("登记 清单工人"), "its queue item: {out}");
    assert!(out.contains("上传成功"), "its history: {out}");
    assert!(out.contains(COMPANY), "{out}");
    let (code, out) = run(station(&data, &url).args(["worker", "show", &id, "--json"]));
    assert_eq!(code, 0, "{out}");
    let detail = json(&out);
    assert_eq!(detail["record"]["worker"]["id_code"], id.as_str());
    assert_eq!(detail["record"]["emp_id"], emp_id.as_str());
    assert_eq!(detail["shown_state"], "sent");
    assert_eq!(detail["items"][0]["kind"], "register");
    assert_eq!(detail["items"][0]["state"], "sent");
    assert!(detail["history"].as_array().is_some_and(|h| !h.is_empty()), "{out}");

    // A bad ID number (2) and one nobody has (5).
    let (code, out) = run(station(&data, &url).args(["worker", "show", "12345"]));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("身份证号码“12345”不对"), "{out}");
    let (code, out) = run(station(&data, &url).args(["worker", "show", &id_code(1599)]));
    assert_eq!(code, 5, "{out}");
    assert!(out.contains("本机没有身份证号码为"), "{out}");

    // export roster: the window's columns, full ID numbers; an existing file needs --force.
    let roster = dir.path().join("花名册.xlsx");
    let (code, out) = run(station(&data, &url).args(["export", "roster"]).arg(&roster));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("已导出花名册 1 人"), "{out}");
    let rows = sheet_rows(&roster);
    assert_eq!(rows[0], cwr_station::ui::export::HEADERS.map(String::from).to_vec());
    assert_eq!((rows[1][0].as_str(), rows[1][1].as_str()), ("清单工人", id.as_str()));
    assert_eq!(rows[1][6], emp_id);
    let (code, out) = run(station(&data, &url).args(["export", "roster"]).arg(&roster));
    assert_eq!(code, 2, "{out}");
    let (code, out) = run(station(&data, &url).args(["export", "roster", "--force"]).arg(&roster));
    assert_eq!(code, 0, "{out}");

    // export attendance: today's log; another day has none; a date it cannot read is 2.
    let photo = dir.path().join("site.jpg");
    std::fs::write(&photo, jpeg_bytes(480, 640)).expect("photo");
    let (code, out) = run(station(&data, &url)
        .args(["attend", &id, "--in", "--confirmed", "--photo"])
        .arg(format!("@{}", photo.display())));
    assert_eq!(code, 0, "{out}");
    let passes = dir.path().join("考勤.xlsx");
    let (code, out) = run(station(&data, &url).args(["export", "attendance"]).arg(&passes));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("考勤 1 条"), "{out}");
    let rows = sheet_rows(&passes);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!((rows[1][1].as_str(), rows[1][2].as_str()), ("清单工人", id.as_str()));
    let (code, out) = run(station(&data, &url)
        .args(["export", "attendance", "--force", "--date", "2020-01-01"])
        .arg(&passes));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("2020-01-01 的考勤 0 条"), "{out}");
    let (code, out) = run(station(&data, &url)
        .args(["export", "attendance", "--force", "--date", "2020-13-01"])
        .arg(&passes));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("YYYY-MM-DD"), "{out}");
}

#[test]
fn the_blacklist_is_listed_changed_exported_and_imported_again() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let id = id_code(1601);
    let bl = |args: &[&str]| run(station(&data, NO_PLATFORM).arg("blacklist").args(args));

    let (code, out) = bl(&["list"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("黑名单共 0 人"), "{out}");
    let (code, out) = bl(&["add", &id, "--name", "赵六", "--reason", "恶意讨薪", "--by", "项目部"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("已加入黑名单 1 人"), "{out}");
    let (code, out) = bl(&["add", "123", "--reason", "恶意讨薪", "--by", "项目部"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("没有加入黑名单"), "{out}");
    // The station's one rendering: the reason, then what did not happen and what to do.
    assert!(
        out.contains("身份证号码") && out.contains("没有加入黑名单。请改正后再试"),
        "{out}"
    );
    let (code, out) = bl(&["add", &id_code(1602), "--reason", "恶意讨薪", "--by", " "]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("请填写操作人"), "{out}");

    let (code, out) = bl(&["list"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&mask_id(&id)) && !out.contains(&id), "{out}");
    assert!(out.contains("恶意讨薪") && out.contains("黑名单共 1 人"), "{out}");
    let (code, out) = bl(&["list", "--json"]);
    assert_eq!(code, 0, "{out}");
    let entries = json(&out);
    assert_eq!(entries.as_array().map(Vec::len), Some(1));
    assert_eq!(entries[0]["id_code"], id.as_str());
    assert_eq!(entries[0]["reason"], "恶意讨薪");
    assert_eq!(entries[0]["added_by"], "项目部");

    let file = dir.path().join("黑名单.xlsx");
    let (code, out) = run(station(&data, NO_PLATFORM).args(["blacklist", "export"]).arg(&file));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("已导出黑名单 1 人"), "{out}");
    let rows = sheet_rows(&file);
    assert_eq!(
        rows[0],
        cwr_station::excel::columns::BLACKLIST_HEADERS
            .map(String::from)
            .to_vec()
    );
    assert_eq!(
        rows[1][..4],
        [id.clone(), "赵六".into(), "恶意讨薪".into(), "项目部".into()]
    );

    let (code, out) = bl(&["remove", &id, "--by", "项目部"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("已移出黑名单"), "{out}");
    let (code, out) = bl(&["remove", &id, "--by", "项目部"]);
    assert_eq!(code, 5, "already off the list: {out}");
    let (code, out) = bl(&["remove", "44030", "--by", "项目部"]);
    assert_eq!(code, 2, "{out}");

    // The export is a sheet the import reads.
    let (code, out) = run(station(&data, NO_PLATFORM)
        .args(["blacklist", "import", "--by", "安全员"])
        .arg(&file));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("已加入黑名单 1 人"), "{out}");
    let store = Store::open_in(&data).expect("store");
    let entries = store.blacklist().expect("read");
    assert_eq!(
        (entries[0].id_code.as_str(), entries[0].added_by.as_str()),
        (id.as_str(), "项目部")
    );
    // A row without a valid ID number is refused, and the exit says so.
    let bad = dir.path().join("坏.xlsx");
    write_xlsx(
        &bad,
        None,
        &[
            vec![t("身份证号码"), t("姓名"), t("原因")],
            vec![t("123"), t("某人"), t("原因")],
        ],
    );
    let (code, out) = run(station(&data, NO_PLATFORM)
        .args(["blacklist", "import", "--by", "安全员"])
        .arg(&bad));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("第 2 行"), "{out}");
}

/// A data dir with the demo companies and the dictionaries a worker list names.
#[test]
fn drafts_are_listed_shown_and_deleted() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = common::cli::data_dir_for_import(dir.path());
    let file = dir.path().join("名单.xlsx");
    write_worker_list(&file, "草稿", &[1701, 1702]);
    let (code, out) = run(station(&data, NO_PLATFORM).args(["import", "workers"]).arg(&file));
    assert_eq!(code, 0, "{out}");
    let (first, second) = (id_code(1701), id_code(1702));

    let (code, out) = run(station(&data, NO_PLATFORM).args(["draft", "list"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("草稿1701") && out.contains(&mask_id(&first)), "{out}");
    assert!(!out.contains(&first), "masked: {out}");
    assert!(out.contains("名单.xlsx 第 2 行"), "{out}");
    assert!(out.contains("待补全 2 人"), "{out}");
    let (code, out) = run(station(&data, NO_PLATFORM).args(["draft", "list", "--json"]));
    assert_eq!(code, 0, "{out}");
    let drafts = json(&out);
    assert_eq!(drafts.as_array().map(Vec::len), Some(2));
    assert_eq!(drafts[0]["id_code"], first.as_str());
    assert_eq!(drafts[0]["state"], "draft");

    let (code, out) = run(station(&data, NO_PLATFORM).args(["draft", "show", &second]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("草稿1702") && out.contains("待补全"), "{out}");
    assert!(out.contains(ANJU), "{out}");
    let (code, out) = run(station(&data, NO_PLATFORM).args(["draft", "show", &second, "--json"]));
    assert_eq!(code, 0, "{out}");
    let draft = json(&out);
    assert_eq!(draft["worker"]["id_code"], second.as_str());
    assert_eq!(draft["state"], "draft");
    assert!(draft["source"].as_str().is_some_and(|s| s.contains("第 3 行")), "{out}");
    // The roster shows a draft as 待补全 too.
    let (code, out) = run(station(&data, NO_PLATFORM).args(["worker", "show", &second]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("状态：待补全"), "{out}");

    let (code, out) = run(station(&data, NO_PLATFORM).args(["draft", "delete", &second]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("已删除待补全资料"), "{out}");
    let (code, out) = run(station(&data, NO_PLATFORM).args(["draft", "delete", &second]));
    assert_eq!(code, 5, "{out}");
    assert!(out.contains("没有身份证号码为"), "{out}");
    let (code, out) = run(station(&data, NO_PLATFORM).args(["draft", "show", &second]));
    assert_eq!(code, 5, "{out}");
    let (code, out) = run(station(&data, NO_PLATFORM).args(["draft", "show", "abc"]));
    assert_eq!(code, 2, "{out}");
    assert_eq!(Store::open_in(&data).expect("store").draft_count().expect("count"), 1);
}

/// The store and its folder made immutable (`chattr +i`: read-only even for root, which the
/// tests run as); undone on drop so the temp dir can go.
#[cfg(target_os = "linux")]
#[test]
fn the_lists_and_exports_work_on_a_store_that_may_only_be_read() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let id = id_code(1801);
    // Queued, the platform not reached (3).
    let (code, out) = run(station(&data, NO_PLATFORM)
        .args(["register", "--worker"])
        .arg(write_worker_file(dir.path(), &id, "只读工人", COMPANY)));
    assert_eq!(code, 3, "{out}");
    let (code, out) = run(station(&data, NO_PLATFORM).args([
        "blacklist",
        "add",
        &id_code(1802),
        "--reason",
        "恶意讨薪",
        "--by",
        "项目部",
    ]));
    assert_eq!(code, 0, "{out}");
    Store::open_in(&data).expect("store").checkpoint().expect("checkpoint");
    let Some(_guard) = common::immutable::Immutable::set(&[data.join("station.sqlite"), data.clone()]) else {
        eprintln!("skipped: chattr +i is not available on this file system");
        return;
    };
    let (code, out) = run(station(&data, NO_PLATFORM).args(["worker", "list"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("只读工人") && out.contains("只读"), "{out}");
    let (code, out) = run(station(&data, NO_PLATFORM).args(["worker", "show", &id]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("状态：待上传"), "{out}");
    let (code, out) = run(station(&data, NO_PLATFORM).args(["blacklist", "list"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("黑名单共 1 人"), "{out}");
    let (code, out) = run(station(&data, NO_PLATFORM)
        .args(["export", "roster"])
        .arg(dir.path().join("r.xlsx")));
    assert_eq!(code, 0, "{out}");
    let (code, out) = run(station(&data, NO_PLATFORM)
        .args(["export", "attendance"])
        .arg(dir.path().join("a.xlsx")));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("考勤 0 条"), "{out}");
    // A change is refused as a local failure.
    let (code, out) = run(station(&data, NO_PLATFORM).args(["blacklist", "remove", &id_code(1802), "--by", "项目部"]));
    assert_eq!(code, 4, "{out}");
}
