//! `import template` and `import workers` as a script runs them: the template's columns,
//! hidden dropdown lists and instructions; a list checked with `--dry-run --json` (nothing
//! saved, exit 2 for a bad row), then imported (valid rows saved as drafts, exit 2 still),
//! and a clean list (exit 0). `register` refuses a blacklisted ID number with the reason.

use crate::common;
use cwr_station::store::prelude::*;

use std::path::Path;

use calamine::{Data, Reader, SheetVisible, Xlsx, open_workbook};
use common::cli::write_worker_list;
use common::cli::{run, station};
use common::*;
use cwr_station::store::{BlacklistEntry, Store};

const ANJU: &str = "深圳市安居劳务分包有限公司";
/// Nobody listens here: the commands under test must not need the platform.
const NO_PLATFORM: &str = "http://127.0.0.1:9";

fn data_dir(dir: &Path) -> std::path::PathBuf {
    let data = common::cli::data_dir_for_import(dir);
    let mut store = Store::open_in(&data).expect("store");
    store
        .add_to_blacklist(&[BlacklistEntry {
            id_code: id_code(903),
            name: "王五".into(),
            reason: "恶意讨薪".into(),
            added_by: "项目部".into(),
            added_at: String::new(),
        }])
        .expect("blacklist");
    data
}

fn drafts(data: &Path) -> u64 {
    Store::open_in(data).expect("store").draft_count().expect("count")
}

#[test]
fn the_template_has_the_platform_columns_dropdown_lists_and_instructions() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir(dir.path());
    let file = dir.path().join("模板.xlsx");
    let (code, out) = run(station(&data, NO_PLATFORM).args(["import", "template"]).arg(&file));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("已生成导入模板"), "{out}");
    let mut book: Xlsx<_> = open_workbook(&file).expect("opens");
    let sheets: Vec<(String, SheetVisible)> = book
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible))
        .collect();
    assert_eq!(
        sheets,
        vec![
            ("人员名单".to_string(), SheetVisible::Visible),
            ("填写说明".to_string(), SheetVisible::Visible),
            ("下拉列表".to_string(), SheetVisible::Hidden),
        ]
    );
    let header: Vec<String> = book
        .worksheet_range("人员名单")
        .expect("sheet")
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header, cwr_station::excel::template_headers());
    let lists = book.worksheet_range("下拉列表").expect("lists");
    let column = |name: &str| -> Vec<String> {
        let rows: Vec<&[Data]> = lists.rows().collect();
        let i = rows[0].iter().position(|c| *c == name).expect(name);
        rows[1..]
            .iter()
            .filter_map(|r| r.get(i))
            .map(|c| c.to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    assert_eq!(column("人员类型"), vec!["劳务工人"]);
    assert_eq!(column("工种名称"), vec!["木工"]);
    assert_eq!(column("民族").len(), 56);
    assert!(column("所属单位").contains(&ANJU.to_string()));
    assert_eq!(column("合同办理"), vec!["已签", "未签"]);
    // The template read back is a list with no rows yet: refused, and said why.
    let (code, out) = run(station(&data, NO_PLATFORM).args(["import", "workers"]).arg(&file));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("没有数据"), "{out}");

    // Without dictionaries the template still comes, and says which lists it lacks.
    let bare = dir.path().join("bare");
    let (code, out) = run(station(&bare, NO_PLATFORM)
        .args(["import", "template"])
        .arg(dir.path().join("t2.xlsx")));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("人员类型字典还没有取到本机"), "{out}");
}

#[test]
fn a_list_is_checked_then_imported_with_the_exit_codes_a_script_needs() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir(dir.path());
    let file = dir.path().join("名单.xlsx");
    write_worker_list(&file, "工人", &[901, 902, 903]);

    let (code, out) = run(station(&data, NO_PLATFORM)
        .args(["import", "workers", "--dry-run", "--json"])
        .arg(&file));
    assert_eq!(code, 2, "a blacklisted row: {out}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(report["summary"]["importable"], 2);
    assert_eq!(report["summary"]["errors"], 1);
    assert!(report["saved"].is_null(), "a dry run saves nothing");
    let bad = &report["rows"][2];
    assert_eq!((bad["row"].as_u64(), bad["status"].as_str()), (Some(4), Some("error")));
    assert_eq!(bad["problems"][0]["field"], "id_code");
    assert!(
        bad["problems"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("恶意讨薪")),
        "{bad}"
    );
    assert_eq!(drafts(&data), 0, "nothing saved under --dry-run");

    let (code, out) = run(station(&data, NO_PLATFORM).args(["import", "workers"]).arg(&file));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("第 4 行 工人903"), "{out}");
    assert!(out.contains("黑名单"), "{out}");
    assert!(out.contains("已保存：待补全 2 人"), "{out}");
    assert_eq!(drafts(&data), 2);
    let store = Store::open_in(&data).expect("store");
    assert!(
        store
            .outbox_items(true)
            .expect("items")
            .iter()
            .all(|i| i.record_key != id_code(901)),
        "a draft is not queued"
    );

    let clean = dir.path().join("clean.xlsx");
    write_worker_list(&clean, "工人", &[904]);
    let (code, out) = run(station(&data, NO_PLATFORM).args(["import", "workers"]).arg(&clean));
    assert_eq!(code, 0, "{out}");
    assert_eq!(drafts(&data), 3);

    let (code, out) = run(station(&data, NO_PLATFORM)
        .args(["import", "workers"])
        .arg(dir.path().join("no-such-file.xlsx")));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("没有导入任何人"), "{out}");
}

#[test]
fn register_refuses_a_blacklisted_id_number_with_the_reason() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir(dir.path());
    let file = write_worker_file(dir.path(), &id_code(903), "王五", ANJU);
    let (code, out) = run(station(&data, NO_PLATFORM).arg("register").arg("--worker").arg(&file));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("黑名单") && out.contains("恶意讨薪"), "{out}");
    let store = Store::open_in(&data).expect("store");
    assert!(store.worker(&id_code(903)).expect("read").is_none(), "nothing stored");
}
