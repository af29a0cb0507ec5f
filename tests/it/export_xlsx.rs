//! The roster as .xlsx, read back by another reader: the rows the clerk saw, ID numbers as
//! text (a trailing X intact, no 4.40305E+17).

use crate::common;

use std::collections::BTreeMap;

use calamine::{Data, Reader, Xlsx, open_workbook};
use cwr_station::api::Endpoint;
use cwr_station::api::types::DictEntry;
use cwr_station::domain::RecordState;
use cwr_station::store::WorkerRow;
use cwr_station::ui::app::Command;
use cwr_station::ui::backend::Snapshot;
use cwr_station::ui::dialogs::FileDialog;
use cwr_station::ui::export::{HEADERS, RosterLine, write_roster_xlsx};
use cwr_station::ui::fonts;
use cwr_station::ui::roster::{RosterPrefs, RosterScreen};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// A valid ID number whose check character is X.
fn id_ending_in_x() -> String {
    (0..5000)
        .map(common::id_code)
        .find(|id| id.ends_with('X'))
        .expect("some seed gives X")
}

fn read_sheet(path: &std::path::Path) -> (Vec<Vec<Data>>, calamine::StyleRange) {
    let mut book: Xlsx<_> = open_workbook(path).expect("calamine opens the file");
    assert_eq!(book.sheet_names(), vec!["人员花名册".to_string()]);
    let range = book.worksheet_range("人员花名册").expect("sheet");
    let styles = book.worksheet_style("人员花名册").expect("styles");
    (range.rows().map(|r| r.to_vec()).collect(), styles)
}

fn text(cell: &Data) -> &str {
    match cell {
        Data::String(s) => s,
        other => panic!("expected text, found {other:?}"),
    }
}

#[test]
fn written_roster_reads_back_with_id_numbers_as_text() {
    let with_x = id_ending_in_x();
    let plain = common::id_code(7);
    assert!(!plain.ends_with('X'));
    let lines = vec![
        RosterLine {
            emp_name: "张三".into(),
            id_code: with_x.clone(),
            company: "深圳市鹏城建设集团有限公司".into(),
            trade: "木工".into(),
            category: "劳务工人".into(),
            state: "已上传".into(),
            emp_id: "A1B2C3D4E5F60718293A4B5C6D7E8F90".into(),
            updated_at: "2026-03-01 09:30:00".into(),
        },
        RosterLine {
            emp_name: "李四".into(),
            id_code: plain.clone(),
            company: "深圳市安居劳务分包有限公司".into(),
            trade: "钢筋工".into(),
            category: "劳务工人".into(),
            state: "待上传".into(),
            emp_id: String::new(),
            updated_at: "2026-03-01 10:00:00".into(),
        },
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("花名册.xlsx");
    write_roster_xlsx(&path, &lines).expect("written");

    let (rows, styles) = read_sheet(&path);
    assert_eq!(rows.len(), 3, "header and two workers");
    let header: Vec<&str> = rows[0].iter().map(text).collect();
    assert_eq!(header, HEADERS);
    for (row, line) in rows[1..].iter().zip(&lines) {
        let cells: Vec<&str> = row
            .iter()
            .map(|c| if *c == Data::Empty { "" } else { text(c) })
            .collect();
        let expected = [
            &line.emp_name,
            &line.id_code,
            &line.company,
            &line.trade,
            &line.category,
            &line.state,
            &line.emp_id,
            &line.updated_at,
        ];
        assert_eq!(cells, expected.map(String::as_str));
    }
    assert_eq!(text(&rows[1][1]), with_x, "the X survives");
    assert_eq!(
        text(&rows[2][1]),
        plain,
        "18 digits survive as text, not a rounded number"
    );
    for r in 1..=2u32 {
        let format = styles
            .get((r, 1))
            .and_then(|s| s.number_format.as_ref())
            .map(|f| f.format_code.clone());
        assert_eq!(
            format.as_deref(),
            Some("@"),
            "ID cell in row {r} carries the text format"
        );
    }
}

fn worker(name: &str, id_code: &str, company: &str, state: RecordState) -> WorkerRow {
    WorkerRow {
        id_code: id_code.into(),
        emp_name: name.into(),
        emp_company: company.into(),
        emp_category: "00".into(),
        job_name: common::JOB_NAME_CARPENTER.into(),
        emp_id: String::new(),
        state,
        sync_message: String::new(),
        updated_at: "2026-03-01T01:30:00.000Z".into(),
        departure: None,
    }
}

struct Screen {
    screen: RosterScreen,
    snap: Snapshot,
    prefs: RosterPrefs,
    out: Vec<Command>,
}

/// The "导出 Excel" button exports the filtered view with names resolved, and the file
/// holds exactly those rows.
#[test]
fn export_button_writes_the_filtered_view() {
    let with_x = id_ending_in_x();
    let entry = |orders: &str, value: &str| DictEntry {
        orders: orders.into(),
        value: value.into(),
        flag: "N".into(),
    };
    let mut dictionaries = BTreeMap::new();
    dictionaries.insert(
        Endpoint::DictListJobName,
        (vec![entry(common::JOB_NAME_CARPENTER, "木工")], chrono::Utc::now()),
    );
    dictionaries.insert(
        Endpoint::DictListEmpCategory,
        (vec![entry("00", "劳务工人")], chrono::Utc::now()),
    );
    let snap = Snapshot {
        workers: vec![
            worker("张三", &with_x, "深圳市鹏城建设集团有限公司", RecordState::Sent),
            worker(
                "李四",
                &common::id_code(7),
                "深圳市安居劳务分包有限公司",
                RecordState::Pending,
            ),
            worker(
                "王五",
                &common::id_code(8),
                "深圳市鹏城建设集团有限公司",
                RecordState::Departed,
            ),
        ],
        dictionaries,
        ..Default::default()
    };
    let state = Screen {
        screen: RosterScreen::default(),
        snap,
        prefs: RosterPrefs::default(),
        out: Vec::new(),
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 700.0))
        .with_context_setup(|ctx| {
            fonts::install_cjk_font(ctx);
            fonts::install_style(ctx);
        })
        .build_ui_state(
            |ui, s: &mut Screen| s.screen.ui(ui, &s.snap, &mut s.prefs, &mut s.out),
            state,
        );
    h.step();
    h.get_by_label("搜索").click();
    h.step();
    h.get_by_label("搜索").type_text("鹏城");
    h.step();
    h.step();
    h.check_accessibility();
    assert_eq!(
        h.query_all_by_label_contains("选择 ").count(),
        2,
        "two workers of 鹏城 are listed"
    );
    h.get_by_label("导出 Excel").click();
    h.step();
    let lines = h
        .state()
        .out
        .iter()
        .find_map(|c| match c {
            Command::File(FileDialog::SaveRoster(lines)) => Some(lines.clone()),
            _ => None,
        })
        .expect("export asked for");
    let names: Vec<&str> = lines.iter().map(|l| l.emp_name.as_str()).collect();
    assert_eq!(names, ["张三", "王五"], "the filtered view, sorted by name");
    assert_eq!(lines[0].id_code, with_x, "full ID number, not the masked one");
    assert_eq!(lines[0].trade, "木工");
    assert_eq!(lines[0].category, "劳务工人");
    assert_eq!(lines[1].state, "已离场");

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("view.xlsx");
    write_roster_xlsx(&path, &lines).expect("written");
    let (rows, _) = read_sheet(&path);
    assert_eq!(rows.len(), 3);
    assert_eq!(text(&rows[1][0]), "张三");
    assert_eq!(text(&rows[1][1]), with_x);
    assert_eq!(text(&rows[2][0]), "王五");
}
