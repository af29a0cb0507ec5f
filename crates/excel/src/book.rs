//! A workbook opened for reading, whatever its bytes: .xlsx or .xls (also WPS .et and files
//! whose extension lies), each checked by [`super::guard`] before `calamine` sees it. An
//! .xlsx sheet is streamed cell by cell (never built as a rectangle, so a cell at XFD1048576
//! costs what any cell costs); an .xls, which `calamine` parses whole when it opens it, is
//! only opened once its extent and text are known to be a list's.

use std::io::Cursor;

use calamine::{Data, DataRef, Reader, SheetType, SheetVisible};

use super::cells::Cell;
use super::guard::{self, SAVE_AS};

pub enum Book<'a> {
    /// With what reading one sheet may cost.
    Xlsx(calamine::Xlsx<Cursor<&'a [u8]>>, guard::ZipShape),
    Xls(calamine::Xls<Cursor<&'a [u8]>>),
}

/// Whether the reader of a sheet wants more cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    More,
    Enough,
}

const ZIP: &[u8] = b"PK\x03\x04";
const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const PASSWORD: &str = "文件设置了打开密码：请在 Excel 里去掉密码后另存，再导入";

impl<'a> Book<'a> {
    pub fn open(bytes: &'a [u8]) -> Result<Book<'a>, String> {
        if bytes.is_empty() {
            return Err("文件是空的（0 字节）：请确认选对了文件".into());
        }
        if bytes.starts_with(ZIP) {
            let largest = guard::check_zip(bytes)?;
            if let Ok(b) = calamine::Xlsx::new(Cursor::new(bytes)) {
                return Ok(Book::Xlsx(b, largest));
            }
            if contains(bytes, b"xl/workbook.bin") {
                return Err(format!("这是 Excel 二进制工作簿（.xlsb），不能直接导入：{SAVE_AS}"));
            }
            if contains(bytes, b"application/vnd.oasis.opendocument.spreadsheet") {
                return Err(format!("这是 OpenDocument 表格（.ods），不能直接导入：{SAVE_AS}"));
            }
            return Err(format!("这是一个压缩文件，但不是 Excel 工作簿（或已损坏）：{SAVE_AS}"));
        }
        if bytes.starts_with(OLE) {
            // An encrypted .xlsx is an OLE file holding an "EncryptedPackage" stream.
            let encrypted = || contains(bytes, &utf16("EncryptedPackage"));
            if let Err(e) = guard::check_xls(bytes) {
                return Err(if encrypted() { PASSWORD.into() } else { e });
            }
            return match calamine::Xls::new(Cursor::new(bytes)) {
                Ok(b) => Ok(Book::Xls(b)),
                Err(calamine::XlsError::Password) => Err(PASSWORD.into()),
                Err(_) if encrypted() => Err(PASSWORD.into()),
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

    /// The visible worksheets, in order; refused when reading them all could mean streaming
    /// far more than a list (many sheets naming one large part).
    pub fn worksheets(&self) -> Result<Vec<String>, String> {
        let sheets = match self {
            Book::Xlsx(b, _) => b.sheets_metadata(),
            Book::Xls(b) => b.sheets_metadata(),
        };
        let names: Vec<String> = sheets
            .iter()
            .filter(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
            .map(|s| s.name.clone())
            .collect();
        if let Book::Xlsx(_, shape) = self {
            let sheets = names.len() as u64;
            if sheets.saturating_mul(shape.largest_bytes) > guard::MAX_STREAMED_BYTES {
                return Err(format!(
                    "工作簿有 {} 个工作表，可能要读 {} MB 以上的内容，不像是一份人员名单：请把名单复制到新的工作簿后再导入",
                    names.len(),
                    guard::MAX_STREAMED_BYTES / 1024 / 1024
                ));
            }
            if sheets.saturating_mul(shape.most_rows) > guard::MAX_STREAMED_ROWS {
                return Err(format!(
                    "工作簿有 {} 个工作表，可能要读 {} 万行以上（多是空行），不像是一份人员名单：请把名单复制到新的工作簿后再导入",
                    names.len(),
                    guard::MAX_STREAMED_ROWS / 10_000
                ));
            }
        }
        Ok(names)
    }

    /// Gives `each` the sheet's cells that hold something, (row, column) from 0, in the
    /// order the file stores them (row by row in every file Excel, WPS or LibreOffice
    /// writes), until it says [`Flow::Enough`] or fails.
    pub fn cells(
        &mut self,
        sheet: &str,
        each: &mut dyn FnMut(u32, u32, Cell) -> Result<Flow, String>,
    ) -> Result<(), String> {
        match self {
            Book::Xlsx(b, _) => {
                let mut reader = b.worksheet_cells_reader(sheet).map_err(|e| e.to_string())?;
                while let Some(cell) = reader.next_cell().map_err(|e| e.to_string())? {
                    let (row, col) = cell.get_position();
                    let value = Cell::from_ref(cell.get_value());
                    if !value.is_blank() && each(row, col, value)? == Flow::Enough {
                        break;
                    }
                }
            }
            Book::Xls(b) => {
                let range = b.worksheet_range(sheet).map_err(|e| e.to_string())?;
                let (row0, col0) = range.start().unwrap_or((0, 0));
                for (r, c, d) in range.used_cells() {
                    let value = Cell::from_data(d);
                    if !value.is_blank() && each(row0 + r as u32, col0 + c as u32, value)? == Flow::Enough {
                        break;
                    }
                }
            }
        }
        Ok(())
    }
}

impl Cell {
    /// A streamed cell: a shared text is copied only when it is short enough to keep.
    pub fn from_ref(d: &DataRef<'_>) -> Cell {
        match d {
            DataRef::SharedString(s) => Cell::text(s),
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::text(s),
            DataRef::Empty => Cell::Empty,
            other => Cell::from_data(&Data::from(other.clone())),
        }
    }
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
