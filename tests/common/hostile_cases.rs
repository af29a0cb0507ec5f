//! The hostile spreadsheets of issue 18, each with what its refusal says: made here once for
//! the tests (tests/import_hostile.rs) and the timing example (benches/hostile_import.rs).
//! Each costs a few KB to a few tens of MB on disk and would cost the parser gigabytes, an
//! abort or an endless loop.
#![allow(dead_code)]

use super::hostile::{Part, repeated_part, sheet_part, workbook_part, xlsx, xlsx_with, zip};
use super::sheets::{V, cell_record, compound_file, shared_cell_record, sst_records, workbook_stream};

/// A valid-looking ID number (the lists' content does not matter to a refusal).
pub const ID: &str = "440305199001011234";

/// A hostile file: its name, its bytes, and a phrase its refusal says (`None`: it is read).
pub struct Case {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub says: Option<&'static str>,
}

fn case(name: &'static str, bytes: Vec<u8>, says: &'static str) -> Case {
    Case {
        name,
        bytes,
        says: Some(says),
    }
}

const HEADER: &str = r#"<row><c t="inlineStr"><is><t>身份证号码</t></is></c></row>"#;

/// A list of one row, and one cell at XFD1048576: on the list's sheet, or on a second one.
pub fn far_cell_xlsx(on_second_sheet: bool) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let list = book.add_worksheet();
    list.write_string(0, 0, "身份证号码").expect("h");
    list.write_string(0, 1, "姓名").expect("h");
    list.write_string(1, 0, ID).expect("id");
    list.write_string(1, 1, "张三").expect("name");
    if on_second_sheet {
        book.add_worksheet().write_string(1_048_575, 16_383, "x").expect("far");
    } else {
        list.write_string(1_048_575, 16_383, "x").expect("far");
    }
    book.save_to_buffer().expect("save")
}

/// A list whose one name cell holds `chars` characters.
pub fn long_cell_xlsx(chars: u64) -> Vec<u8> {
    let head = format!(
        r#"<row><c t="inlineStr"><is><t>身份证号码</t></is></c><c t="inlineStr"><is><t>姓名</t></is></c></row><row><c t="inlineStr"><is><t>{ID}</t></is></c><c t="inlineStr"><is><t>"#
    );
    xlsx(sheet_part(&head, "x", chars, "</t></is></c></row>", None))
}

/// The list's cells for an .xls: a header and one row.
pub fn list_cells() -> Vec<(u16, Vec<u8>)> {
    let t = |s: &str| V::T(s.to_string());
    [
        (0, 0, t("身份证号码")),
        (0, 1, t("姓名")),
        (1, 0, t(ID)),
        (1, 1, t("张三")),
    ]
    .iter()
    .filter_map(|(r, c, v)| cell_record(*r, *c, v))
    .collect()
}

/// An .xls of `cells` (record type, data) on one sheet, with `globals` in the workbook part
/// and `patch` applied to the sector table.
pub fn xls(globals: &[u8], cells: &[(u16, Vec<u8>)], patch: impl Fn(&mut Vec<u32>)) -> Vec<u8> {
    compound_file(&workbook_stream("Sheet1", globals, cells), patch)
}

/// Every file the import must refuse, with what it says.
pub fn refused() -> Vec<Case> {
    const CELL: (&str, &str) = (r#"<row><c t="inlineStr"><is><t>"#, "</t></is></c></row>");
    let one_row = || sheet_part(HEADER, "<row/>", 1, "", None);
    let mut cases = vec![
        // One 2 GB cell, about 13 MB on disk.
        case(
            "cell-2gb.xlsx",
            xlsx(sheet_part(CELL.0, "x", 1 << 31, CELL.1, None)),
            "解压后有 2049 MB",
        ),
        // The same part declaring 512 KB: the ZIP reader stops it at its declared size.
        case(
            "cell-lying.xlsx",
            xlsx(sheet_part(CELL.0, "x", 1 << 31, CELL.1, Some(1 << 19))),
            "已损坏",
        ),
        // 60 million rows, about 24 MB on disk.
        case(
            "rows-60m.xlsx",
            xlsx(sheet_part(
                "",
                r#"<row><c t="inlineStr"><is><t>1</t></is></c></row>"#,
                60_000_000,
                "",
                None,
            )),
            "解压后有",
        ),
        // 1,048,576 rows in 27 MB of XML: read, and reading stops at row 5,002.
        case(
            "rows-1048576.xlsx",
            xlsx(sheet_part(HEADER, "<row><c><v>1</v></c></row>", 1_048_575, "", None)),
            "第 5002 行",
        ),
        // 2 MB between two marks: no cell Excel writes (its longest is 32,767 characters).
        case("cell-2mb.xlsx", long_cell_xlsx(2 << 20), "超过 1 MB"),
    ];
    // A 500 KB number format that 20,000 cell formats would each copy: 10 GB.
    let styles = format!(
        r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="{}"/></numFmts><cellXfs count="20000">{}</cellXfs></styleSheet>"#,
        "0".repeat(500_000),
        r#"<xf numFmtId="164"/>"#.repeat(20_000)
    );
    cases.push(case(
        "styles.xlsx",
        xlsx_with(one_row(), vec![Part::stored("xl/styles.xml", &styles)]),
        "种单元格格式",
    ));
    // 1,000,001 empty shared texts: 5 bytes of XML and a 24-byte string each.
    let texts = format!(
        r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{}</sst>"#,
        "<si/>".repeat(1_000_001)
    );
    cases.push(case(
        "texts.xlsx",
        xlsx_with(one_row(), vec![Part::stored("xl/sharedStrings.xml", &texts)]),
        "超过 1000000 项",
    ));
    // A shared-text table just over its limit (the parser keeps it whole): 987,000 texts
    // of 34 bytes of XML, 33.56 MB.
    let unit = format!("<si><t>{}</t></si>", "x".repeat(18));
    let texts = repeated_part("xl/sharedStrings.xml", "<sst>", &unit, 987_000, "</sst>");
    cases.push(case("texts-32mb.xlsx", xlsx_with(one_row(), vec![texts]), "上限 32 MB"));
    // One entry more than a list can have. (340,000 of them fit in 29 MB, and the ZIP
    // reader's records of them alone took 160 MB and 3 s before they were counted.)
    let mut parts = vec![Part::stored("[Content_Types].xml", "<Types/>")];
    parts.extend((0..10_000).map(|n| Part::stored(&format!("{n:x}"), "")));
    cases.push(case("entries.xlsx", zip(&parts), "上限 10000 个"));
    // A workbook listing more sheets than any list has.
    cases.push(case(
        "sheets-1001.xlsx",
        xlsx_with(one_row(), vec![workbook_part(1001)]),
        "超过 1000 个工作表",
    ));
    // 300 sheets naming one 2 MB part of empty rows: 600 MB to stream.
    cases.push(case(
        "sheets-300.xlsx",
        xlsx_with(sheet_part("", "<row/>", 350_000, "", None), vec![workbook_part(300)]),
        "300 个工作表",
    ));
    // Ten million empty rows in 60 MB of XML (under the part's bound): the parser walks
    // every one and cannot be stopped among them (7 s for 11 million).
    cases.push(case(
        "rows-empty-10m.xlsx",
        xlsx(sheet_part(HEADER, "<row/>", 10_000_000, "", None)),
        "最多 1048576 行",
    ));
    // Three sheets naming one part of a million empty rows: three million rows to walk.
    cases.push(case(
        "rows-empty-3-sheets.xlsx",
        xlsx_with(sheet_part("", "<row/>", 1_000_000, "", None), vec![workbook_part(3)]),
        "万行以上",
    ));
    cases.extend(refused_xls());
    cases
}

fn refused_xls() -> Vec<Case> {
    let mut cases = Vec::new();
    // A cell at row 65,536, column 65,536: a 4-billion-cell rectangle.
    let mut far = list_cells();
    far.extend(cell_record(65_535, 65_535, &V::T("x".into())));
    cases.push(case("far.xls", xls(&[], &far, |_| {}), "远超一份人员名单"));
    // DIMENSIONS declaring 4 billion rows: reserved as declared.
    let mut dims = Vec::new();
    dims.extend(0u32.to_le_bytes());
    dims.extend(u32::MAX.to_le_bytes());
    dims.extend(0u16.to_le_bytes());
    dims.extend(256u16.to_le_bytes());
    dims.extend(0u16.to_le_bytes());
    let mut declared = vec![(0x0200, dims)];
    declared.extend(list_cells());
    cases.push(case(
        "dimensions.xls",
        xls(&[], &declared, |_| {}),
        "超过了 Excel 能有的大小",
    ));
    // The directory's sector names itself as the next one: the reader would never stop.
    cases.push(case(
        "loop.xls",
        xls(&[], &list_cells(), |fat| fat[1] = 1),
        "扇区链成环",
    ));
    // One shared text of 20,000 characters shown by 2,000 cells: 120 MB of copies.
    let long = "x".repeat(20_000);
    let sst = sst_records(&[&long, "身份证号码"]);
    let mut cells = vec![shared_cell_record(0, 0, 1)];
    cells.extend((1..=2000).map(|r| shared_cell_record(r, 1, 0)));
    cases.push(case("shared-text.xls", xls(&sst, &cells, |_| {}), "引用了太多次"));
    // One row more than the grid's limit: 3,907 rows × 256 columns.
    cases.push(case("grid-over.xls", xls_grid_and_copies(3906), "1000192 个格子"));
    // A shared-text table followed by 10,001 empty CONTINUE records.
    let mut sst = Vec::new();
    sst.extend(0x00FCu16.to_le_bytes());
    sst.extend(8u16.to_le_bytes());
    sst.extend([0u8; 8]);
    for _ in 0..10_001 {
        sst.extend(0x003Cu16.to_le_bytes());
        sst.extend(0u16.to_le_bytes());
    }
    cases.push(case("continue.xls", xls(&sst, &list_cells(), |_| {}), "续接记录"));
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
    cases.push(case("formula.xls", xls(&[], &cells, |_| {}), "公式展开后过于庞大"));
    cases
}

/// An .xls just inside the limits of what the parser may build for it: a rectangle of
/// 999,936 cells (a cell at IV3906) and 12 MB of copies of one long shared text. What it
/// costs is the most an .xls that is read can cost.
pub fn xls_at_the_limits() -> Vec<u8> {
    xls_grid_and_copies(3905)
}

/// A header, 209 copies of a 20,000-character shared text (60,032 bytes each as counted:
/// just under 12 MB) and a number at row `last_row` (from 0) of column IV.
fn xls_grid_and_copies(last_row: u16) -> Vec<u8> {
    let long = "字".repeat(20_000);
    let sst = sst_records(&[&long, "身份证号码"]);
    let mut cells = vec![shared_cell_record(0, 0, 1)];
    cells.extend((1..=209).map(|r| shared_cell_record(r, 1, 0)));
    cells.extend(cell_record(last_row, 255, &V::N(1.0)));
    xls(&sst, &cells, |_| {})
}

/// An .xlsx whose shared-text table is as large as the limits let it be: 1,000,000 texts
/// (the most) of 5 characters, 32 MB of XML (the most) in a 260 KB file. What it costs is
/// the most the table can.
pub fn texts_at_the_limits() -> Vec<u8> {
    let head = r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;
    let unit = format!("<si><t>{}</t></si>", "字".repeat(5));
    let texts = repeated_part("xl/sharedStrings.xml", head, &unit, 1_000_000, "</sst>");
    xlsx_with(sheet_part(HEADER, "<row/>", 1, "", None), vec![texts])
}

/// Files that are read: a far cell, a million-character cell (an error on its row), and
/// files at the limits.
pub fn read() -> Vec<Case> {
    let read = |name, bytes| Case {
        name,
        bytes,
        says: None,
    };
    vec![
        read("far-cell.xlsx", far_cell_xlsx(false)),
        read("far-cell-second-sheet.xlsx", far_cell_xlsx(true)),
        read("cell-1m-chars.xlsx", long_cell_xlsx(1_000_000)),
        read("xls-at-the-limits.xls", xls_at_the_limits()),
        read("texts-at-the-limits.xlsx", texts_at_the_limits()),
    ]
}
