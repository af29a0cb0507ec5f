//! Hostile spreadsheets given to `import workers`, as an attacker or an unlucky site office
//! would give them: a cell at XFD1048576, ZIP bombs posing as .xlsx (a 2 GB cell, 60 million
//! rows), a sheet of 1,048,576 rows, a 1 MB cell, and .xls files whose cells sit at the far
//! corner, whose DIMENSIONS or shared texts ask for gigabytes, or whose sectors loop. Before
//! the guards several aborted the process ("memory allocation of … bytes failed", which
//! `catch_unwind` cannot catch) or never ended. Each is now read, or refused with the reason
//! and exit 2, by the command a script runs. How long each takes and the memory it holds
//! are printed by `cargo bench --bench hostile_import` (tests assert neither).

use crate::common;

use std::path::Path;

use common::cli::{run, station};
use common::hostile_cases::{self, far_cell_xlsx, long_cell_xlsx, texts_at_the_limits, xls_at_the_limits};
use common::sheets::write_xls_shared;
use common::*;
use cwr_station::excel::read_worker_sheet;

/// Nobody listens here: the import needs no platform.
const NO_PLATFORM: &str = "http://127.0.0.1:9";
/// `import workers FILE --dry-run`: the exit code and everything printed.
fn import_bytes(dir: &Path, name: &str, bytes: &[u8]) -> (i32, String) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    let mut cmd = station(&dir.join("data"), NO_PLATFORM);
    cmd.args(["import", "workers"]).arg(&path).arg("--dry-run");
    run(&mut cmd)
}

#[test]
fn every_hostile_file_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().expect("tmp");
    for case in hostile_cases::refused() {
        let says = case.says.expect("refused");
        let (code, text) = import_bytes(dir.path(), case.name, &case.bytes);
        assert_eq!(code, 2, "{}: {text}", case.name);
        assert!(
            text.contains(says) && text.contains("没有导入任何人"),
            "{}: {text}",
            case.name
        );
    }
}

#[test]
fn a_cell_at_xfd1048576_costs_what_any_cell_costs() {
    let dir = tempfile::tempdir().expect("tmp");
    for on_second_sheet in [false, true] {
        let path = dir.path().join(format!("far-{on_second_sheet}.xlsx"));
        std::fs::write(&path, far_cell_xlsx(on_second_sheet)).expect("write");
        let sheet = read_worker_sheet(&path).expect("read");
        assert_eq!(sheet.rows.len(), 1);
        assert_eq!(sheet.notes.iter().any(|n| n.contains("其他工作表")), on_second_sheet);
        let (code, text) = import_bytes(dir.path(), "far.xlsx", &std::fs::read(&path).expect("read"));
        assert!([0, 2].contains(&code) && text.contains("共 1 行"), "{text}");
    }
}

#[test]
fn a_million_character_cell_is_an_error_on_its_row_quoted_by_its_length() {
    let dir = tempfile::tempdir().expect("tmp");
    let (code, text) = import_bytes(dir.path(), "1m.xlsx", &long_cell_xlsx(1_000_000));
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("1000000 个字"), "{text}");
    assert!(text.len() < 20_000, "{} bytes of report", text.len());
}

#[test]
fn an_xls_with_shared_texts_over_several_records_reads_whole() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("shared.xls");
    let ids: Vec<String> = (1..=400).map(id_code).collect();
    let names: Vec<String> = (1..=400).map(|n| format!("工人{n:03}")).collect();
    let mut rows = vec![vec!["身份证号码", "姓名"]];
    rows.extend(ids.iter().zip(&names).map(|(i, n)| vec![i.as_str(), n.as_str()]));
    write_xls_shared(&path, &rows);
    let sheet = read_worker_sheet(&path).expect("read");
    assert_eq!(sheet.rows.len(), 400);
    let last = &sheet.rows[399];
    assert_eq!(last.row, 401);
    let cells: Vec<String> = last.cells.iter().map(|(_, c)| c.shown()).collect();
    assert_eq!(cells, [id_code(400), "工人400".to_string()]);
}

#[test]
fn long_headers_are_cut_in_the_notes() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("headers.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let list = book.add_worksheet();
    list.write_string(0, 0, "身份证号码").expect("h");
    for c in 1..=30u16 {
        list.write_string(0, c, format!("{c}{}", "备注".repeat(450)))
            .expect("h");
    }
    list.write_string(1, 0, id_code(1)).expect("id");
    book.save(&path).expect("save");
    let sheet = read_worker_sheet(&path).expect("read");
    let note = sheet
        .notes
        .iter()
        .find(|n| n.starts_with("没有用到的列"))
        .expect("note");
    assert!(
        note.contains("（共 901 个字）") && note.contains("等共 30 个"),
        "{note}"
    );
    assert!(note.chars().count() < 1200, "{} characters", note.chars().count());
}

#[test]
fn files_just_inside_the_limits_reach_the_list_reader() {
    // Each has a header and no data: the reader says so, after every guard let it through.
    let dir = tempfile::tempdir().expect("tmp");
    for (name, bytes) in [("grid.xls", xls_at_the_limits()), ("texts.xlsx", texts_at_the_limits())] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let e = read_worker_sheet(&path).expect_err("no data");
        assert!(e.contains("表头下面没有数据"), "{name}: {e}");
    }
}
