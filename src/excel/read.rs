//! Reading a list from a workbook: .xlsx or .xls (also .et/.ods and files whose extension
//! lies), the first visible sheet that has the key column, its header found among the first
//! rows (a title row above it, a merged header over two rows), the data rows with their Excel
//! row numbers. Whatever the file holds, the answer is a sheet or a Chinese message: never a
//! crash (the parser runs under `catch_unwind`) and never a partial read passed off as whole.

use std::collections::BTreeSet;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Range, Reader, SheetType, SheetVisible};

use super::cells::Cell;
use super::columns::column_letter;

/// The most data rows one import takes: a site's whole workforce, far below what makes the
/// window or the report slow.
pub const MAX_ROWS: usize = 5000;
/// A list of 5000 workers is well under 2 MB; anything far larger is not a list.
pub const MAX_FILE_BYTES: u64 = 30 * 1024 * 1024;
/// How far down the header may be (below a title, a date line, notes).
const HEADER_SEARCH_ROWS: usize = 20;

/// One data row: the Excel row number and the cells of the recognised columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<C> {
    /// As Excel numbers it (1-based).
    pub row: u32,
    pub cells: Vec<(C, Cell)>,
}

impl<C: PartialEq + Copy> Row<C> {
    pub fn get(&self, column: C) -> &Cell {
        self.cells
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, v)| v)
            .unwrap_or(&Cell::Empty)
    }

    pub fn has(&self, column: C) -> bool {
        self.cells.iter().any(|(c, _)| *c == column)
    }
}

/// A sheet read, with what the clerk should know about how it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet<C> {
    pub file_name: String,
    pub sheet_name: String,
    /// The header's Excel row number (the lower one of a two-row header).
    pub header_row: u32,
    /// The recognised columns: (column, its header as written, its letter).
    pub columns: Vec<(C, String, String)>,
    pub rows: Vec<Row<C>>,
    /// How the sheet was read: columns not used, a column given twice, other sheets.
    pub notes: Vec<String>,
}

impl<C: PartialEq + Copy> Sheet<C> {
    pub fn has_column(&self, column: C) -> bool {
        self.columns.iter().any(|(c, _, _)| *c == column)
    }
}

/// Reads the list in `path`. `column` recognises a header; `key` is the column a list
/// cannot do without (the ID number), `key_label` its name for the message.
pub fn read_sheet<C: Copy + PartialEq + Send>(
    path: &Path,
    column: fn(&str) -> Option<C>,
    key: C,
    key_label: &str,
) -> Result<Sheet<C>, String> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let size = std::fs::metadata(path)
        .map_err(|e| format!("打不开文件 {file_name}：{e}"))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "{file_name} 有 {} MB，不像是一份人员名单（上限 {} MB）：请确认选对了文件",
            size / 1024 / 1024,
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("读不了文件 {file_name}：{e}"))?;
    // Nothing outlives a panic here but the bytes, which the parser only reads.
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_bytes(&bytes, column, key, key_label)
    }));
    let mut sheet = match parsed {
        Ok(r) => r.map_err(|e| format!("{file_name}：{e}"))?,
        Err(_) => {
            tracing::error!("the spreadsheet parser panicked on {file_name}");
            return Err(format!(
                "{file_name} 的内容无法解析（文件可能已损坏）：请在 Excel 或 WPS 里打开后“另存为”.xlsx 再导入"
            ));
        }
    };
    sheet.file_name = file_name;
    Ok(sheet)
}

enum Book {
    Xlsx(calamine::Xlsx<Cursor<Vec<u8>>>),
    Xls(calamine::Xls<Cursor<Vec<u8>>>),
    Ods(calamine::Ods<Cursor<Vec<u8>>>),
    Xlsb(calamine::Xlsb<Cursor<Vec<u8>>>),
}

impl Book {
    fn sheets(&self) -> Vec<calamine::Sheet> {
        match self {
            Book::Xlsx(b) => b.sheets_metadata().to_vec(),
            Book::Xls(b) => b.sheets_metadata().to_vec(),
            Book::Ods(b) => b.sheets_metadata().to_vec(),
            Book::Xlsb(b) => b.sheets_metadata().to_vec(),
        }
    }

    fn range(&mut self, name: &str) -> Result<Range<Data>, String> {
        match self {
            Book::Xlsx(b) => b.worksheet_range(name).map_err(|e| e.to_string()),
            Book::Xls(b) => b.worksheet_range(name).map_err(|e| e.to_string()),
            Book::Ods(b) => b.worksheet_range(name).map_err(|e| e.to_string()),
            Book::Xlsb(b) => b.worksheet_range(name).map_err(|e| e.to_string()),
        }
    }
}

const ZIP: &[u8] = b"PK\x03\x04";
const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

fn open(bytes: &[u8]) -> Result<Book, String> {
    const SAVE_AS: &str = "请在 Excel 或 WPS 里打开它，“另存为” Excel 工作簿（.xlsx）后再导入";
    let data = || Cursor::new(bytes.to_vec());
    if bytes.is_empty() {
        return Err("文件是空的（0 字节）：请确认选对了文件".into());
    }
    if bytes.starts_with(ZIP) {
        if let Ok(b) = calamine::Xlsx::new(data()) {
            return Ok(Book::Xlsx(b));
        }
        if let Ok(b) = calamine::Xlsb::new(data()) {
            return Ok(Book::Xlsb(b));
        }
        if let Ok(b) = calamine::Ods::new(data()) {
            return Ok(Book::Ods(b));
        }
        return Err(format!("这是一个压缩文件，但不是 Excel 工作簿（或已损坏）：{SAVE_AS}"));
    }
    if bytes.starts_with(OLE) {
        return match calamine::Xls::new(data()) {
            Ok(b) => Ok(Book::Xls(b)),
            Err(calamine::XlsError::Password) => Err("文件设置了打开密码：请在 Excel 里去掉密码后另存，再导入".into()),
            // An encrypted .xlsx is an OLE file holding an "EncryptedPackage" stream.
            Err(_) if contains(bytes, &utf16("EncryptedPackage")) => {
                Err("文件设置了打开密码：请在 Excel 里去掉密码后另存，再导入".into())
            }
            Err(e) => Err(format!("这个 .xls 文件读不了（{e}）：{SAVE_AS}")),
        };
    }
    let head = &bytes[..bytes.len().min(4096)];
    let text = std::str::from_utf8(head).is_ok() || head.iter().all(|b| *b >= 0x09);
    if text && (head.contains(&b',') || head.contains(&b'\t')) {
        return Err(format!("这是文本文件（CSV），不是 Excel 工作簿：{SAVE_AS}"));
    }
    if head.starts_with(b"<") {
        return Err(format!("这是网页或 XML 文件，不是 Excel 工作簿：{SAVE_AS}"));
    }
    Err(format!("这不是 Excel 文件（只能导入 .xlsx 或 .xls）：{SAVE_AS}"))
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The cell's text as a header.
fn header_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.trim().to_string(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// Where the header is in the first rows of a sheet, and which column is which.
struct Header<C> {
    /// Index into the range's rows of the last header row.
    last: usize,
    columns: Vec<(u32, C, String)>,
    unknown: Vec<String>,
}

fn find_header<C: Copy + PartialEq>(rows: &[&[Data]], column: fn(&str) -> Option<C>, key: C) -> Option<Header<C>> {
    let mut best: Option<Header<C>> = None;
    for (i, row) in rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        let mut columns = Vec::new();
        let mut unknown = Vec::new();
        let mut parent = String::new();
        // The row below is a second header row only when the key column is blank there (its
        // header is merged over both rows): a data row always has the key.
        let key_col = row.iter().position(|d| column(&header_text(d)) == Some(key));
        let below = rows
            .get(i + 1)
            .filter(|r| key_col.is_some_and(|k| r.get(k).is_none_or(|d| header_text(d).is_empty())));
        let mut used_below = false;
        for (col, cell) in row.iter().enumerate() {
            let text = header_text(cell);
            if !text.is_empty() {
                parent.clone_from(&text);
            }
            // A header merged over two rows names its sub-columns in the row below it
            // (有效期限 over 开始 / 截止): try the sub-header alone and with its parent.
            let sub = below.and_then(|r| r.get(col)).map(header_text).unwrap_or_default();
            let own = column(&text);
            let sub_hit = if sub.is_empty() {
                None
            } else {
                column(&sub)
                    .map(|c| (c, sub.clone()))
                    .or_else(|| column(&format!("{parent}{sub}")).map(|c| (c, format!("{parent}{sub}"))))
            };
            if sub_hit.is_some() {
                used_below = true;
            }
            let found = sub_hit.or_else(|| own.map(|c| (c, text.clone())));
            match found {
                Some((c, name)) => columns.push((col as u32, c, name)),
                None if !text.is_empty() => unknown.push(text),
                None => {}
            }
        }
        if !columns.iter().any(|(_, c, _)| *c == key) {
            continue;
        }
        let better = best.as_ref().is_none_or(|b| columns.len() > b.columns.len());
        if better {
            best = Some(Header {
                last: if used_below { i + 1 } else { i },
                columns,
                unknown,
            });
        }
    }
    best
}

fn read_bytes<C: Copy + PartialEq>(
    bytes: &[u8],
    column: fn(&str) -> Option<C>,
    key: C,
    key_label: &str,
) -> Result<Sheet<C>, String> {
    let mut book = open(bytes)?;
    let mut notes = Vec::new();
    let mut chosen = None;
    let mut others = Vec::new();
    for meta in book.sheets() {
        if meta.typ != SheetType::WorkSheet || meta.visible != SheetVisible::Visible {
            continue;
        }
        let range = book
            .range(&meta.name)
            .map_err(|e| format!("工作表“{}”读不了：{e}", meta.name))?;
        if chosen.is_some() {
            if !range.is_empty() {
                others.push(meta.name.clone());
            }
            continue;
        }
        let rows: Vec<&[Data]> = range.rows().collect();
        if let Some(header) = find_header(&rows, column, key) {
            chosen = Some((
                meta.name.clone(),
                range.start().unwrap_or((0, 0)),
                header,
                range.clone(),
            ));
        }
    }
    let Some((sheet_name, (row0, col0), header, range)) = chosen else {
        return Err(format!(
            "没有找到“{key_label}”列：请确认表头（列名）在前 {HEADER_SEARCH_ROWS} 行里，并有一列叫“{key_label}”（也认“身份证号”“证件号码”）"
        ));
    };
    if !others.is_empty() {
        notes.push(format!(
            "只读取了工作表“{sheet_name}”；其他工作表（{}）没有读取",
            others.join("、")
        ));
    }
    let mut columns: Vec<(C, String, String)> = Vec::new();
    let mut taken: Vec<(u32, C)> = Vec::new();
    for (col, c, name) in header.columns {
        let letter = column_letter(col0 + col);
        if let Some((_, first, first_letter)) = columns.iter().find(|(k, _, _)| *k == c) {
            notes.push(format!(
                "“{name}”（{letter} 列）与“{first}”（{first_letter} 列）是同一项：只用了 {first_letter} 列"
            ));
            continue;
        }
        columns.push((c, name, letter));
        taken.push((col, c));
    }
    let unknown: BTreeSet<String> = header.unknown.into_iter().collect();
    if !unknown.is_empty() {
        let list: Vec<String> = unknown.into_iter().collect();
        notes.push(format!("没有用到的列：{}", list.join("、")));
    }
    let mut rows = Vec::new();
    let mut data_rows = 0usize;
    for (i, cells) in range.rows().enumerate().skip(header.last + 1) {
        let picked: Vec<(C, Cell)> = taken
            .iter()
            .map(|(col, c)| {
                let cell = cells.get(*col as usize).map(Cell::from_data).unwrap_or(Cell::Empty);
                (*c, cell)
            })
            .collect();
        if picked.iter().all(|(_, v)| v.is_blank()) {
            continue;
        }
        data_rows += 1;
        // Keep counting past the cap, to say how many there are; keep nothing past it.
        if data_rows <= MAX_ROWS {
            rows.push(Row {
                row: row0 + i as u32 + 1,
                cells: picked,
            });
        }
    }
    if data_rows > MAX_ROWS {
        return Err(format!(
            "工作表“{sheet_name}”有 {data_rows} 行数据，超过一次导入的上限 {MAX_ROWS} 行：请把名单分成几个文件分别导入（这次没有导入任何内容）"
        ));
    }
    if rows.is_empty() {
        return Err(format!("工作表“{sheet_name}”的表头下面没有数据：请填写后再导入"));
    }
    Ok(Sheet {
        file_name: String::new(),
        sheet_name,
        header_row: row0 + header.last as u32 + 1,
        columns,
        rows,
        notes,
    })
}
