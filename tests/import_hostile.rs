//! Hostile spreadsheets given to `import workers`, as an attacker or an unlucky site office
//! would give them: a cell at XFD1048576, ZIP bombs posing as .xlsx (a 2 GB cell, 60 million
//! rows), a sheet of 1,048,576 rows, a 1 MB cell, and .xls files whose cells sit at the far
//! corner, whose DIMENSIONS or shared texts ask for gigabytes, or whose sectors loop. Before
//! the guards several aborted the process ("memory allocation of … bytes failed", which
//! `catch_unwind` cannot catch) or never ended. Each is now read or refused, with the
//! reason and exit 2, holding under 100 MB, measured on the command a script runs. (How long
//! each takes is printed by `cargo run --release --example hostile_import`; tests assert no
//! time.)
#![cfg(unix)]

mod common;

use std::path::Path;

use common::cli::station;
use common::hostile::{Measured, Part, run_measured, sheet_part, workbook_part, xlsx, xlsx_with};
use common::sheets::{
    cell_record, compound_file, shared_cell_record, sst_records, t, workbook_stream, write_xls_shared,
};
use common::*;
use cwr_station::excel::read_worker_sheet;

/// Nobody listens here: the import needs no platform.
const NO_PLATFORM: &str = "http://127.0.0.1:9";
const MAX_MB: u64 = 100;

fn import(dir: &Path, file: &Path) -> Measured {
    let mut cmd = station(&dir.join("data"), NO_PLATFORM);
    cmd.args(["import", "workers"]).arg(file).arg("--dry-run");
    run_measured(&mut cmd)
}

/// Refused with exit 2, saying `says`, within the memory a refusal may take.
fn refused(dir: &Path, name: &str, bytes: &[u8], says: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    let m = import(dir, &path);
    assert_eq!(m.code, 2, "{name}: {}", m.text);
    assert!(
        m.text.contains(says) && m.text.contains("没有导入任何人"),
        "{name}: {}",
        m.text
    );
    assert!(m.peak_mb < MAX_MB, "{name}: {} MB", m.peak_mb);
    m.text
}

#[test]
fn a_cell_at_xfd1048576_costs_what_any_cell_costs() {
    let dir = tempfile::tempdir().expect("tmp");
    for far_on_second_sheet in [false, true] {
        let path = dir.path().join(format!("far-{far_on_second_sheet}.xlsx"));
        let mut book = rust_xlsxwriter::Workbook::new();
        let list = book.add_worksheet();
        list.write_string(0, 0, "身份证号码").expect("h");
        list.write_string(0, 1, "姓名").expect("h");
        list.write_string(1, 0, id_code(1)).expect("id");
        list.write_string(1, 1, "张三").expect("name");
        if far_on_second_sheet {
            book.add_worksheet().write_string(1_048_575, 16_383, "x").expect("far");
        } else {
            list.write_string(1_048_575, 16_383, "x").expect("far");
        }
        book.save(&path).expect("save");
        let sheet = read_worker_sheet(&path).expect("read");
        assert_eq!(sheet.rows.len(), 1);
        assert_eq!(
            sheet.notes.iter().any(|n| n.contains("其他工作表")),
            far_on_second_sheet
        );
        let m = import(dir.path(), &path);
        assert!([0, 2].contains(&m.code) && m.text.contains("共 1 行"), "{}", m.text);
        assert!(m.peak_mb < MAX_MB, "{} MB", m.peak_mb);
    }
}

#[test]
fn zip_bombs_are_refused_before_they_are_inflated() {
    let dir = tempfile::tempdir().expect("tmp");
    // One 2 GB cell, about 13 MB on disk.
    const CELL: (&str, &str) = (r#"<row><c t="inlineStr"><is><t>"#, "</t></is></c></row>");
    let cell = sheet_part(CELL.0, "x", 1 << 31, CELL.1, None);
    let text = refused(dir.path(), "cell.xlsx", &xlsx(cell), "解压后有 2049 MB");
    assert!(text.contains("sheet1.xml"), "{text}");
    // The same part declaring 512 KB: the reader stops it at its declared size.
    let lying = sheet_part(CELL.0, "x", 1 << 31, CELL.1, Some(1 << 19));
    refused(dir.path(), "lying.xlsx", &xlsx(lying), "已损坏");
    // 60 million rows, about 24 MB on disk.
    let row = r#"<row><c t="inlineStr"><is><t>1</t></is></c></row>"#;
    let rows = sheet_part("", row, 60_000_000, "", None);
    refused(dir.path(), "rows.xlsx", &xlsx(rows), "解压后有");
}

#[test]
fn a_sheet_of_1048576_rows_stops_at_the_row_limit() {
    let dir = tempfile::tempdir().expect("tmp");
    // 27 MB of XML: under the size bounds, so it is read, and reading stops at row 5,002.
    let header = r#"<row><c t="inlineStr"><is><t>身份证号码</t></is></c></row>"#;
    let part = sheet_part(header, "<row><c><v>1</v></c></row>", 1_048_575, "", None);
    let text = refused(dir.path(), "rows.xlsx", &xlsx(part), "上限 5000 行");
    assert!(text.contains("第 5002 行"), "{text}");
}

#[test]
fn a_huge_cell_is_refused_and_a_long_one_is_cut_in_the_report() {
    let dir = tempfile::tempdir().expect("tmp");
    let row = |name_len: u64| {
        let head = format!(
            r#"<row><c t="inlineStr"><is><t>身份证号码</t></is></c><c t="inlineStr"><is><t>姓名</t></is></c></row><row><c t="inlineStr"><is><t>{}</t></is></c><c t="inlineStr"><is><t>"#,
            id_code(1)
        );
        xlsx(sheet_part(&head, "x", name_len, "</t></is></c></row>", None))
    };
    // Over 1 MB between two marks: not a cell Excel writes (its longest is 32,767 characters).
    refused(dir.path(), "2mb.xlsx", &row(2 << 20), "超过 1 MB");
    // A million characters: read, refused on its row, and quoted by its length only.
    let path = dir.path().join("1m.xlsx");
    std::fs::write(&path, row(1_000_000)).expect("write");
    let m = import(dir.path(), &path);
    assert_eq!(m.code, 2, "{}", m.text);
    assert!(m.text.contains("1000000 个字"), "{}", m.text);
    assert!(m.text.len() < 20_000, "{} bytes of report", m.text.len());
    assert!(m.peak_mb < MAX_MB, "{} MB", m.peak_mb);
}

/// An .xls of `cells` (record type, data) on one sheet, with `globals` in the workbook part
/// and `patch` applied to the sector table.
fn xls(globals: &[u8], cells: &[(u16, Vec<u8>)], patch: impl Fn(&mut Vec<u32>)) -> Vec<u8> {
    compound_file(&workbook_stream("Sheet1", globals, cells), patch)
}

fn list_cells() -> Vec<(u16, Vec<u8>)> {
    [
        (0, 0, t("身份证号码")),
        (0, 1, t("姓名")),
        (1, 0, t(&id_code(1))),
        (1, 1, t("张三")),
    ]
    .iter()
    .filter_map(|(r, c, v)| cell_record(*r, *c, v))
    .collect()
}

#[test]
fn xls_files_that_would_ask_for_gigabytes_or_loop_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    // A cell at row 65,536, column 65,536: a 4-billion-cell rectangle.
    let mut far = list_cells();
    far.extend(cell_record(65_535, 65_535, &t("x")));
    refused(dir.path(), "far.xls", &xls(&[], &far, |_| {}), "远超一份人员名单");
    // DIMENSIONS declaring 4 billion rows: reserved as declared.
    let mut dims = Vec::new();
    dims.extend(0u32.to_le_bytes());
    dims.extend(u32::MAX.to_le_bytes());
    dims.extend(0u16.to_le_bytes());
    dims.extend(256u16.to_le_bytes());
    dims.extend(0u16.to_le_bytes());
    let mut declared = vec![(0x0200, dims)];
    declared.extend(list_cells());
    refused(
        dir.path(),
        "dims.xls",
        &xls(&[], &declared, |_| {}),
        "超过了 Excel 能有的大小",
    );
    // The directory's sector names itself as the next one: the reader would never stop.
    refused(
        dir.path(),
        "loop.xls",
        &xls(&[], &list_cells(), |fat| fat[1] = 1),
        "扇区链成环",
    );
    // One shared text of 20,000 characters shown by 2,000 cells: 120 MB of copies.
    let long = "x".repeat(20_000);
    let sst = sst_records(&[&long, "身份证号码"]);
    let mut cells = vec![shared_cell_record(0, 0, 1)];
    cells.extend((1..=2000).map(|r| shared_cell_record(r, 1, 0)));
    refused(dir.path(), "sst.xls", &xls(&sst, &cells, |_| {}), "引用了太多次");
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
fn parts_the_parser_would_copy_or_keep_without_end_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let header = r#"<row><c t="inlineStr"><is><t>身份证号码</t></is></c></row>"#;
    let sheet = || sheet_part(header, "<row/>", 1, "", None);
    // A 500 KB number format that 20,000 cell formats would each copy: 10 GB.
    let styles = format!(
        r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="{}"/></numFmts><cellXfs count="20000">{}</cellXfs></styleSheet>"#,
        "0".repeat(500_000),
        r#"<xf numFmtId="164"/>"#.repeat(20_000)
    );
    let book = xlsx_with(sheet(), vec![Part::stored("xl/styles.xml", &styles)]);
    refused(dir.path(), "styles.xlsx", &book, "种单元格格式");
    // A workbook listing more sheets than any list has.
    let many = xlsx_with(sheet(), vec![workbook_part(1001)]);
    refused(dir.path(), "sheets.xlsx", &many, "超过 1000 个工作表");
    // 300 sheets naming one 2 MB part: 600 MB to stream for the "other sheets" note.
    let empty_rows = sheet_part("", "<row/>", 350_000, "", None);
    let streamed = xlsx_with(empty_rows, vec![workbook_part(300)]);
    refused(dir.path(), "streamed.xlsx", &streamed, "300 个工作表");
}

#[test]
fn xls_records_the_parser_would_take_squared_time_over_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    // A shared-text table followed by 10,001 empty CONTINUE records.
    let mut sst = Vec::new();
    sst.extend(0x00FCu16.to_le_bytes());
    sst.extend(8u16.to_le_bytes());
    sst.extend([0u8; 8]);
    for _ in 0..10_001 {
        sst.extend(0x003Cu16.to_le_bytes());
        sst.extend(0u16.to_le_bytes());
    }
    refused(
        dir.path(),
        "continue.xls",
        &xls(&sst, &list_cells(), |_| {}),
        "续接记录",
    );
    // A formula: a number, then 2,000 runs of 255 spaces, each inserted at the front.
    let mut rgce = vec![0x1E, 1, 0];
    for _ in 0..2000 {
        rgce.extend([0x19, 0x40, 0x00, 0xFF]);
    }
    let mut formula = Vec::new();
    formula.extend(1u16.to_le_bytes()); // row
    formula.extend(1u16.to_le_bytes()); // column
    formula.extend(0u16.to_le_bytes()); // format
    formula.extend(1f64.to_le_bytes()); // the value
    formula.extend(0u16.to_le_bytes()); // flags
    formula.extend(0u32.to_le_bytes());
    formula.extend((rgce.len() as u16).to_le_bytes());
    formula.extend(rgce);
    let mut cells = list_cells();
    cells.push((0x0006, formula));
    refused(
        dir.path(),
        "formula.xls",
        &xls(&[], &cells, |_| {}),
        "公式展开后过于庞大",
    );
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
