//! Reading a list from a workbook: .xlsx or .xls (also .et and files whose extension lies),
//! the first visible sheet that has the key column, its header found among the first rows (a
//! title row above it, a merged header over two rows), the data rows with their Excel row
//! numbers. Whatever the file holds, the answer is a sheet or a Chinese message: never a
//! crash (the file is checked before the parser reads it, which runs under `catch_unwind`),
//! never more memory than a list needs (cells are read one by one and only the recognised
//! columns kept; reading stops at the row limit), and never a partial read passed off as
//! whole.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::book::{Book, Flow};
use super::cells::Cell;
use super::columns::column_letter;
use domain::clip;

/// The most data rows one import takes: a site's whole workforce, far below what makes the
/// window or the report slow.
pub const MAX_ROWS: usize = 5000;
/// A list of 5000 workers is well under 2 MB; anything far larger is not a list.
pub const MAX_FILE_BYTES: u64 = 30 * 1024 * 1024;
/// How far down the header may be (below a title, a date line, notes).
const HEADER_SEARCH_ROWS: u32 = 20;
/// How much of a header or a sheet's name a message quotes.
const QUOTED: usize = 40;
/// How many unused columns or other sheets a note names.
const MAX_LISTED: usize = 20;
/// The text a sheet's kept cells may hold together: 5,000 rows of 40 columns of ordinary
/// values are about 6 MB. A few short texts repeated over a whole sheet are what exceeds it.
pub const MAX_KEPT_TEXT_BYTES: usize = 32 * 1024 * 1024;

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

/// A row's cells that hold something, by column.
type Cells = BTreeMap<u32, Cell>;

/// A sheet's header and data rows.
type Found<C> = (Header<C>, Vec<Row<C>>);

/// The cell's text as a header.
fn header_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.trim().to_string(),
        Cell::Empty | Cell::TooLong(_) => String::new(),
        other => other.shown(),
    }
}

/// Where the header is in the first rows of a sheet, and which column is which.
struct Header<C> {
    /// The sheet row (from 0) of the last header row.
    last: u32,
    columns: Vec<(u32, C, String)>,
    unknown: Vec<String>,
}

/// The header among the first rows (each with its sheet row number, in order).
fn find_header<C: Copy + PartialEq>(rows: &[(u32, Cells)], column: fn(&str) -> Option<C>, key: C) -> Option<Header<C>> {
    let first = rows.first()?.0;
    let texts = |cells: &Cells| -> BTreeMap<u32, String> {
        cells
            .iter()
            .map(|(c, v)| (*c, header_text(v)))
            .filter(|(_, t)| !t.is_empty())
            .collect()
    };
    let mut best: Option<Header<C>> = None;
    for (n, cells) in rows.iter().filter(|(n, _)| *n - first < HEADER_SEARCH_ROWS) {
        let row = texts(cells);
        // The row below is a second header row only when the key column is blank there (its
        // header is merged over both rows): a data row always has the key.
        let key_col = row.iter().find(|(_, t)| column(t) == Some(key)).map(|(c, _)| *c);
        let below = rows
            .iter()
            .find(|(m, _)| *m == n + 1)
            .map(|(_, cells)| texts(cells))
            .filter(|r| key_col.is_some_and(|k| !r.contains_key(&k)))
            .unwrap_or_default();
        let mut columns = Vec::new();
        let mut unknown = Vec::new();
        let mut parent = String::new();
        let mut used_below = false;
        let all: BTreeSet<u32> = row.keys().chain(below.keys()).copied().collect();
        for col in all {
            let text = row.get(&col).cloned().unwrap_or_default();
            if !text.is_empty() {
                parent.clone_from(&text);
            }
            // A header merged over two rows names its sub-columns in the row below it
            // (有效期限 over 开始 / 截止): try the sub-header alone and with its parent.
            let sub = below.get(&col).cloned().unwrap_or_default();
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
                Some((c, name)) => columns.push((col, c, name)),
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
                last: if used_below { n + 1 } else { *n },
                columns,
                unknown,
            });
        }
    }
    best
}

/// A sheet read cell by cell: the first rows kept until the header is known, then only the
/// cells of the recognised columns, row by row.
struct Collect<'s, C> {
    sheet: &'s str,
    column: fn(&str) -> Option<C>,
    key: C,
    /// Rows from the first one with something in it, while the header is not known yet.
    head: Vec<(u32, Cells)>,
    /// The row of the last cell given.
    at_row: Option<u32>,
    /// The cells kept of that row.
    current: Option<(u32, Cells)>,
    header: Option<Header<C>>,
    /// The recognised columns: (sheet column, which), each once.
    taken: Vec<(u32, C)>,
    rows: Vec<Row<C>>,
    /// Bytes of text kept.
    text: usize,
    /// The sheet has no header in its first rows.
    no_header: bool,
}

impl<'s, C: Copy + PartialEq> Collect<'s, C> {
    fn new(sheet: &'s str, column: fn(&str) -> Option<C>, key: C) -> Self {
        Collect {
            sheet,
            column,
            key,
            head: Vec::new(),
            at_row: None,
            current: None,
            header: None,
            taken: Vec::new(),
            rows: Vec::new(),
            text: 0,
            no_header: false,
        }
    }

    fn cell(&mut self, row: u32, col: u32, cell: Cell) -> Result<Flow, String> {
        if let Some(at) = self.at_row {
            if row < at {
                return Err(format!(
                    "工作表“{}”的第 {} 行排在第 {} 行之后（文件不是按行顺序写的）：{}",
                    self.sheet,
                    row + 1,
                    at + 1,
                    super::guard::SAVE_AS
                ));
            }
            if row > at && self.finish_row()? == Flow::Enough {
                return Ok(Flow::Enough);
            }
        }
        self.at_row = Some(row);
        // Once the header is known, only its columns are kept.
        if self.header.is_some() && !self.taken.iter().any(|(c, _)| *c == col) {
            return Ok(Flow::More);
        }
        if let Cell::Text(s) = &cell {
            self.text += s.len();
            if self.text > MAX_KEPT_TEXT_BYTES {
                return Err(format!(
                    "工作表“{}”的文字超过 {} MB，远超一份人员名单：请确认选对了文件，或把名单复制到新的工作簿后再导入",
                    self.sheet,
                    MAX_KEPT_TEXT_BYTES / 1024 / 1024
                ));
            }
        }
        self.current
            .get_or_insert_with(|| (row, Cells::new()))
            .1
            .insert(col, cell);
        Ok(Flow::More)
    }

    /// The row read so far is complete.
    fn finish_row(&mut self) -> Result<Flow, String> {
        let Some((row, cells)) = self.current.take() else {
            return Ok(Flow::More);
        };
        if self.header.is_some() {
            return self.data_row(row, cells);
        }
        // The header search needs the row below the last candidate too.
        let first = self.head.first().map_or(row, |(n, _)| *n);
        if row - first <= HEADER_SEARCH_ROWS {
            self.head.push((row, cells));
            return Ok(Flow::More);
        }
        if self.decide()? == Flow::Enough {
            return Ok(Flow::Enough);
        }
        self.data_row(row, cells)
    }

    /// Finds the header among the first rows; the rows below it are data.
    fn decide(&mut self) -> Result<Flow, String> {
        let head = std::mem::take(&mut self.head);
        let Some(header) = find_header(&head, self.column, self.key) else {
            self.no_header = true;
            return Ok(Flow::Enough);
        };
        for (col, c, _) in &header.columns {
            if !self.taken.iter().any(|(_, t)| t == c) {
                self.taken.push((*col, *c));
            }
        }
        let last = header.last;
        self.header = Some(header);
        self.text = 0;
        for (row, cells) in head.into_iter().filter(|(n, _)| *n > last) {
            for cell in cells.values() {
                if let Cell::Text(s) = cell {
                    self.text += s.len();
                }
            }
            if self.data_row(row, cells)? == Flow::Enough {
                return Ok(Flow::Enough);
            }
        }
        Ok(Flow::More)
    }

    fn data_row(&mut self, row: u32, mut cells: Cells) -> Result<Flow, String> {
        let picked: Vec<(C, Cell)> = self
            .taken
            .iter()
            .map(|(col, c)| (*c, cells.remove(col).unwrap_or(Cell::Empty)))
            .collect();
        if picked.iter().all(|(_, v)| v.is_blank()) {
            return Ok(Flow::More);
        }
        if self.rows.len() == MAX_ROWS {
            return Err(format!(
                "工作表“{}”的数据超过一次导入的上限 {MAX_ROWS} 行（第 {} 行已是第 {} 行数据）：请把名单分成几个文件分别导入（这次没有导入任何内容）",
                self.sheet,
                row + 1,
                MAX_ROWS + 1
            ));
        }
        self.rows.push(Row {
            row: row + 1,
            cells: picked,
        });
        Ok(Flow::More)
    }

    /// The sheet has ended: its header, or `None` when it has none.
    fn end(mut self) -> Result<Option<Found<C>>, String> {
        if !self.no_header && self.finish_row()? == Flow::More && self.header.is_none() {
            self.decide()?;
        }
        Ok(self.header.map(|h| (h, self.rows)))
    }
}

/// Names for a note: the first few, and how many there are.
fn listed(names: &[String]) -> String {
    let mut list = names[..names.len().min(MAX_LISTED)].join("、");
    if names.len() > MAX_LISTED {
        list.push_str(&format!(" 等共 {} 个", names.len()));
    }
    list
}

fn read_bytes<C: Copy + PartialEq>(
    bytes: &[u8],
    column: fn(&str) -> Option<C>,
    key: C,
    key_label: &str,
) -> Result<Sheet<C>, String> {
    let mut book = Book::open(bytes)?;
    let mut chosen = None;
    let mut others = Vec::new();
    for name in book.worksheets()? {
        let shown = clip(&name, QUOTED);
        let unreadable = |e: String| format!("工作表“{shown}”读不了：{e}");
        if chosen.is_some() {
            // Another sheet is only named, if it holds anything.
            let mut any = false;
            book.cells(&name, &mut |_, _, _| {
                any = true;
                Ok(Flow::Enough)
            })
            .map_err(unreadable)?;
            if any {
                others.push(shown);
            }
            continue;
        }
        let mut collect = Collect::new(&shown, column, key);
        let mut failed = None;
        let read = book.cells(&name, &mut |row, col, cell| {
            collect.cell(row, col, cell).inspect_err(|e| failed = Some(e.clone()))
        });
        if let Some(e) = failed {
            return Err(e);
        }
        read.map_err(unreadable)?;
        if let Some(found) = collect.end()? {
            chosen = Some((shown, found));
        }
    }
    let Some((sheet_name, (header, rows))) = chosen else {
        return Err(format!(
            "没有找到“{key_label}”列：请确认表头（列名）在前 {HEADER_SEARCH_ROWS} 行里，并有一列叫“{key_label}”（也认“身份证号”“证件号码”）"
        ));
    };
    let mut notes = Vec::new();
    if !others.is_empty() {
        notes.push(format!(
            "只读取了工作表“{sheet_name}”；其他工作表（{}）没有读取",
            listed(&others)
        ));
    }
    let mut columns: Vec<(C, String, String)> = Vec::new();
    for (col, c, name) in header.columns {
        let name = clip(&name, QUOTED);
        let letter = column_letter(col);
        if let Some((_, first, first_letter)) = columns.iter().find(|(k, _, _)| *k == c) {
            notes.push(format!(
                "“{name}”（{letter} 列）与“{first}”（{first_letter} 列）是同一项：只用了 {first_letter} 列"
            ));
            continue;
        }
        columns.push((c, name, letter));
    }
    let unknown: Vec<String> = header
        .unknown
        .iter()
        .map(|u| clip(u, QUOTED))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !unknown.is_empty() {
        notes.push(format!("没有用到的列：{}", listed(&unknown)));
    }
    if rows.is_empty() {
        return Err(format!("工作表“{sheet_name}”的表头下面没有数据：请填写后再导入"));
    }
    Ok(Sheet {
        file_name: String::new(),
        sheet_name,
        header_row: header.last + 1,
        columns,
        rows,
        notes,
    })
}
