//! The old .xls: a compound file (sectors linked in a table) holding the BIFF record stream.
//! `calamine` parses every sheet when it opens the file and builds each sheet as one dense
//! rectangle from its first cell to its last; it follows sector chains without looking for
//! loops and reserves what a DIMENSIONS record declares. This walks the same structures the
//! same way, first, and says what would go wrong: a loop, a chain past the end of the file,
//! cells spread over a rectangle far larger than a list, texts multiplied by references.

use super::SAVE_AS;

/// Cells (and formulas) the sheets may hold together, as the rectangles the parser builds:
/// a list of 5,000 rows × 40 columns is 200,000. A cell costs 32 bytes, and the parser
/// copies the sheet it is asked for, so this many cost up to 64 MB.
pub const MAX_GRID_CELLS: u64 = 1_000_000;
/// The largest rectangle a DIMENSIONS record may declare: the whole BIFF8 grid.
const MAX_DIMENSION_CELLS: u64 = 65_536 * 256;
/// Text the parser would hold for the cells and formulas (each reference to a shared text
/// is a copy of it): a list of 5,000 rows × 40 columns of 10 characters is 6 MB. The
/// parser copies the sheet it is asked for, so up to twice this is held, beside the grid.
pub const MAX_TEXT_BYTES: u64 = 12 * 1024 * 1024;
/// CONTINUE records after one record: the parser takes each from the front of a list, so
/// their number counts squared. A 30 MB shared-text table needs under 4,000.
const MAX_CONTINUES: usize = 10_000;
/// Bytes the parser moves while it builds formula texts by inserting at their front (a run
/// of spaces or brackets is inserted character by character): about a second's work.
const MAX_FORMULA_WORK: u64 = 4_000_000_000;

const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const RESERVED: u32 = 0xFFFF_FFFA;
const DIF_SECTOR: u32 = 0xFFFF_FFFC;

fn damaged(what: &str) -> String {
    format!("这个 .xls 文件已损坏（{what}）：{SAVE_AS}")
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

/// The compound file as `calamine` reads it: sector `id` starts at `(id + 1) × size`.
struct Sectors<'a> {
    bytes: &'a [u8],
    size: usize,
    /// The highest id the reader accepts.
    max_id: u32,
}

impl<'a> Sectors<'a> {
    fn get(&self, id: u32) -> Result<&'a [u8], String> {
        let start = (id as usize + 1).saturating_mul(self.size);
        if id > self.max_id || start.saturating_add(self.size) > self.bytes.len() {
            return Err(damaged("数据区超出了文件末尾"));
        }
        Ok(&self.bytes[start..start + self.size])
    }

    /// A chain of sectors up to `len` bytes.
    fn chain(&self, start: u32, table: &[u32], len: usize) -> Result<Vec<u8>, String> {
        follow(start, table, len, self.max_id as usize + 1, |id| self.get(id))
    }
}

/// Follows a chain of sectors through `table` until its end or `len` bytes, visiting at most
/// `sectors` of them: a chain longer than that loops, and the parser would follow it forever.
fn follow<'a>(
    start: u32,
    table: &[u32],
    len: usize,
    sectors: usize,
    get: impl Fn(u32) -> Result<&'a [u8], String>,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut id = start;
    let mut steps = 0usize;
    while id != END_OF_CHAIN && out.len() < len {
        steps += 1;
        if steps > sectors {
            return Err(damaged("扇区链成环"));
        }
        let sector = get(id)?;
        out.extend_from_slice(&sector[..sector.len().min(len - out.len())]);
        id = *table.get(id as usize).ok_or_else(|| damaged("扇区表不完整"))?;
    }
    Ok(out)
}

/// The workbook stream, read the way the parser will read it.
fn workbook_stream(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let header = bytes.get(..512).ok_or_else(|| damaged("文件太短"))?;
    let size = match u16_at(header, 30) {
        Some(9) => 512,
        Some(12) => 4096,
        _ => return Err(damaged("扇区大小不对")),
    };
    let sectors = Sectors {
        bytes,
        size,
        max_id: (bytes.len() / size) as u32,
    };
    let field = |at| u32_at(header, at).ok_or_else(|| damaged("文件头不完整"));
    let (dir_start, mini_fat_start, mini_fat_len, mut difat_id) = (field(48)?, field(60)?, field(64)?, field(68)?);
    // The table of sector tables: in the header, then in a chain of its own.
    let mut difat: Vec<u32> = u32s(&header[76..512]).collect();
    let mut hops = 0u32;
    while difat_id < RESERVED {
        hops += 1;
        if hops > sectors.max_id + 1 {
            return Err(damaged("扇区表的链成环"));
        }
        difat.extend(u32s(sectors.get(difat_id)?));
        difat_id = difat.pop().ok_or_else(|| damaged("扇区表不完整"))?;
    }
    let fat_ids: Vec<u32> = difat.into_iter().filter(|id| *id < DIF_SECTOR).collect();
    if fat_ids.len() > sectors.max_id as usize + 1 {
        return Err(damaged("扇区表比文件还大"));
    }
    let mut fat = Vec::with_capacity(fat_ids.len() * size / 4);
    for id in fat_ids {
        fat.extend(u32s(sectors.get(id)?));
    }
    let dirs = sectors.chain(dir_start, &fat, usize::MAX)?;
    let entries: Vec<(String, u32, usize)> = dirs
        .chunks_exact(128)
        .map(|e| {
            let units: Vec<u16> = e[..64]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let name: String = String::from_utf16_lossy(&units)
                .split('\0')
                .next()
                .unwrap_or_default()
                .into();
            let start = u32_at(e, 116).unwrap_or(END_OF_CHAIN);
            let len = if size == 512 {
                u32_at(e, 120).unwrap_or(0) as usize
            } else {
                u64::from_le_bytes(e[120..128].try_into().unwrap_or_default()) as usize
            };
            (name, start, len)
        })
        .collect();
    let Some((_, root_start, root_len)) = entries.first().cloned() else {
        return Err(damaged("没有目录"));
    };
    let find = |name: &str| entries.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(name));
    let (_, start, len) = find("Workbook")
        .or_else(|| find("Book"))
        .cloned()
        .ok_or_else(|| damaged("没有工作簿数据"))?;
    if len > bytes.len() {
        return Err(damaged("工作簿数据比文件还大"));
    }
    if len >= 4096 {
        return sectors.chain(start, &fat, len);
    }
    // A small stream lives in 64-byte sectors inside the root's stream.
    if mini_fat_len == 0 {
        return Err(damaged("没有小扇区表"));
    }
    let mini_stream = sectors.chain(root_start, &fat, root_len)?;
    let mini_fat_bytes = (mini_fat_len as usize).saturating_mul(size);
    let mini_fat: Vec<u32> = u32s(&sectors.chain(mini_fat_start, &fat, mini_fat_bytes)?).collect();
    let mini = |id: u32| {
        let at = (id as usize).saturating_mul(64);
        mini_stream
            .get(at..at.saturating_add(64))
            .ok_or_else(|| damaged("小扇区超出了范围"))
    };
    follow(start, &mini_fat, len, mini_stream.len() / 64 + 1, mini)
}

/// One BIFF record with the CONTINUE records after it.
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
    cont: Vec<&'a [u8]>,
}

/// Records as the parser splits them; the end where it would stop with an error.
fn records(mut stream: &[u8]) -> impl Iterator<Item = Result<Record<'_>, String>> {
    std::iter::from_fn(move || {
        let typ = u16_at(stream, 0)?;
        let len = u16_at(stream, 2)? as usize;
        let data = stream.get(4..4 + len)?;
        stream = &stream[4 + len..];
        let mut cont = Vec::new();
        while u16_at(stream, 0) == Some(0x003C) && stream.len() > 4 {
            let len = u16_at(stream, 2)? as usize;
            cont.push(stream.get(4..4 + len)?);
            stream = &stream[4 + len..];
            if cont.len() > MAX_CONTINUES {
                return Some(Err(damaged("一条记录后面跟了上万条续接记录")));
            }
        }
        Some(Ok(Record { typ, data, cont }))
    })
}

/// The characters of each shared text (SST), as the parser reads them across CONTINUE
/// records; `None` where it would stop with an error.
fn shared_text_sizes(r: &Record<'_>) -> Option<Vec<u64>> {
    let mut cont = r.cont.iter().copied();
    let mut data = r.data.get(8..)?;
    let mut sizes = Vec::new();
    loop {
        if data.is_empty() {
            match cont.next() {
                Some(next) => data = next,
                None => return Some(sizes),
            }
            if data.is_empty() {
                sizes.push(0);
                continue;
            }
        }
        let cch = u16_at(data, 0)? as usize;
        let flags = *data.get(2)?;
        data = &data[3..];
        let runs = if flags & 0x8 != 0 {
            let n = u16_at(data, 0)? as usize;
            data = &data[2..];
            n * 4
        } else {
            0
        };
        let ext = if flags & 0x4 != 0 {
            let n = u32_at(data, 0)? as i32 as usize;
            data = &data[4..];
            n
        } else {
            0
        };
        let mut left = cch;
        let mut wide = flags & 0x1 != 0;
        while left > 0 {
            let width = if wide { 2 } else { 1 };
            let n = left.min(data.len() / width);
            data = &data[n * width..];
            left -= n;
            if left > 0 {
                let next = cont.next()?;
                wide = *next.first()? & 0x1 != 0;
                data = &next[1..];
            }
        }
        let mut skip = runs.checked_add(ext)?;
        while skip > 0 {
            if data.is_empty() {
                data = cont.next()?;
                if data.is_empty() {
                    return None;
                }
            }
            let n = skip.min(data.len());
            data = &data[n..];
            skip -= n;
        }
        sizes.push(cch as u64 * 3);
    }
}

/// A rectangle growing around the cells placed in it.
#[derive(Default)]
struct Extent {
    cells: u64,
    rows: Option<(u32, u32)>,
    cols: Option<(u32, u32)>,
}

impl Extent {
    fn add(&mut self, row: u32, col: u32) {
        self.cells += 1;
        let grow = |span: Option<(u32, u32)>, v: u32| Some(span.map_or((v, v), |(a, b)| (a.min(v), b.max(v))));
        self.rows = grow(self.rows, row);
        self.cols = grow(self.cols, col);
    }

    fn area(&self) -> u64 {
        match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1),
            _ => 0,
        }
    }

    fn corners(&self) -> String {
        let (Some((r0, r1)), Some((c0, c1))) = (self.rows, self.cols) else {
            return String::new();
        };
        let cell = |r: u32, c: u32| format!("{}{}", crate::columns::column_letter(c), r + 1);
        format!("{}:{}", cell(r0, c0), cell(r1, c1))
    }
}

/// What the sheets would cost the parser.
#[derive(Default)]
struct Cost {
    grid: u64,
    text: u64,
    /// Bytes moved building formula texts.
    work: u64,
}

/// The most a formula's text can grow to, and the bytes moved building it, from its tokens
/// (`rgce`), counted without parsing them: every byte that could be a unary operator or a
/// bracket (inserted at the front), every pair that could be a run of up to 255 spaces (one
/// insert per space), every byte a reference or a name (`growth` characters).
fn formula_cost(rgce: &[u8], growth: u64) -> (u64, u64) {
    let spaces = rgce
        .windows(2)
        .filter(|w| w[0] == 0x19 && (w[1] == 0x40 || w[1] == 0x41))
        .count() as u64
        * 255;
    let inserts = rgce.iter().filter(|b| matches!(b, 0x12 | 0x13 | 0x15)).count() as u64 + spaces;
    let text = 32 + rgce.len() as u64 * growth + spaces;
    (text, inserts.saturating_mul(text))
}

/// Checks an .xls before `calamine` opens it.
pub fn check_xls(bytes: &[u8]) -> Result<(), String> {
    let stream = workbook_stream(bytes)?;
    let mut sheets = Vec::new();
    let mut shared = Vec::new();
    let mut longest_name = 0u64;
    for r in records(&stream) {
        let r = r?;
        match r.typ {
            // Encrypted: the parser stops here and says so; nothing after is readable.
            0x002F if u16_at(r.data, 0) != Some(0) => return Ok(()),
            0x0085 => {
                let Some(pos) = u32_at(r.data, 0) else { break };
                sheets.push(pos as usize);
                longest_name = longest_name.max(u64::from(*r.data.get(6).unwrap_or(&0)));
            }
            0x0018 => longest_name = longest_name.max(u64::from(*r.data.get(3).unwrap_or(&0))),
            0x00FC => match shared_text_sizes(&r) {
                Some(s) => shared = s,
                None => return Err(damaged("共享文字表读不了")),
            },
            0x000A => break,
            _ => {}
        }
    }
    // A formula's text grows by at most a name (sheet or defined name) per 5 bytes.
    let formula_growth = (longest_name * 3 + 32) / 5 + 8;
    let mut cost = Cost::default();
    for (n, pos) in sheets.into_iter().enumerate() {
        let Some(sheet) = stream.get(pos..) else { break };
        sheet_cost(n + 1, sheet, &shared, formula_growth, &mut cost)?;
    }
    if cost.work > MAX_FORMULA_WORK {
        return Err(
            "文件里的公式展开后过于庞大（有成串的空格、括号或正负号），不像是一份人员名单：请确认选对了文件，或在 Excel 里“选择性粘贴 → 数值”去掉公式后另存为 .xlsx 再导入".into(),
        );
    }
    if cost.text > MAX_TEXT_BYTES {
        return Err(format!(
            "文件里的文字展开后超过 {} MB（同一段文字被引用了太多次），不像是一份人员名单：请确认选对了文件，或在 Excel 里另存为 .xlsx 后再导入",
            MAX_TEXT_BYTES / 1024 / 1024
        ));
    }
    Ok(())
}

/// One sheet's cells, formulas and declared dimensions, read as the parser reads them.
fn sheet_cost(number: usize, sheet: &[u8], shared: &[u64], formula_growth: u64, cost: &mut Cost) -> Result<(), String> {
    let mut cells = Extent::default();
    let mut formulas = Extent::default();
    let mut formula_at = (0, 0);
    let mut depth = 0usize;
    let mut seen_bof = false;
    let pos = |d: &[u8]| Some((u32::from(u16_at(d, 0)?), u32::from(u16_at(d, 2)?)));
    for r in records(sheet) {
        let r = r?;
        if depth > 0 {
            match r.typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        let d = r.data;
        let at = |min: usize| pos(d).filter(|_| d.len() >= min);
        match r.typ {
            0x0809 if seen_bof => depth += 1,
            0x0809 => seen_bof = true,
            0x0200 => dimensions(d).map_err(|e| format!("第 {number} 个工作表{e}"))?,
            // Number, BoolErr, RK.
            0x0203 | 0x0205 | 0x027E => {
                let min = match r.typ {
                    0x0203 => 14,
                    0x0205 => 8,
                    _ => 10,
                };
                let Some((row, col)) = at(min) else { break };
                cells.add(row, col);
            }
            0x0204 | 0x00D6 => {
                let Some((row, col)) = pos(d) else { break };
                cells.add(row, col);
                cost.text += d.len() as u64 * 2;
            }
            0x0207 => {
                cells.add(formula_at.0, formula_at.1);
                cost.text += d.len() as u64 * 2;
            }
            0x00FD => {
                let Some((row, col)) = at(10) else { break };
                let index = u32_at(d, 6).unwrap_or(u32::MAX) as usize;
                if let Some(size) = shared.get(index) {
                    cells.add(row, col);
                    cost.text += size + 32;
                }
            }
            0x00BD => {
                let (Some((row, first)), Some(last)) = (at(6), u16_at(d, d.len().saturating_sub(2))) else {
                    break;
                };
                let last = u32::from(last);
                if last < first || d.len() != 6 + 6 * (last - first + 1) as usize {
                    break;
                }
                for col in first..=last {
                    cells.add(row, col);
                }
            }
            0x0006 => {
                let Some((row, col)) = at(20) else { break };
                formula_at = (row, col);
                cells.add(row, col);
                formulas.add(row, col);
                let (text, work) = formula_cost(&d[20..], formula_growth);
                cost.text += text;
                cost.work += work;
            }
            0x000A => break,
            _ => {}
        }
    }
    for (what, extent) in [("单元格", &cells), ("公式", &formulas)] {
        let grid = extent.area().max(extent.cells);
        cost.grid += grid;
        if cost.grid > MAX_GRID_CELLS {
            return Err(format!(
                "第 {number} 个工作表的{what}分布在 {}（{grid} 个格子的范围），远超一份人员名单：请删除名单以外很远处的内容，或把名单复制到新的工作簿，另存为 .xlsx 后再导入",
                extent.corners()
            ));
        }
    }
    Ok(())
}

/// A DIMENSIONS record: the parser reserves room for the rectangle it declares.
fn dimensions(d: &[u8]) -> Result<(), String> {
    let (first_row, last_row, mut first_col, last_col) = match d.len() {
        10 => (
            u32::from(u16_at(d, 0).unwrap_or(0)),
            u32::from(u16_at(d, 2).unwrap_or(0)),
            u32::from(u16_at(d, 4).unwrap_or(0)),
            u32::from(u16_at(d, 6).unwrap_or(0)),
        ),
        14 | 16 => (
            u32_at(d, 0).unwrap_or(0),
            u32_at(d, 4).unwrap_or(0),
            u32::from(u16_at(d, 8).unwrap_or(0)),
            u32::from(u16_at(d, 10).unwrap_or(0)),
        ),
        _ => return Ok(()),
    };
    if first_col > 0xFF || last_col < first_col {
        first_col = 0;
    }
    let (end_row, end_col) = if last_row >= 1 && last_col >= 1 {
        (last_row - 1, last_col - 1)
    } else {
        (first_row, first_col)
    };
    let rows = u64::from(end_row.wrapping_sub(first_row).wrapping_add(1));
    let cols = u64::from(end_col.wrapping_sub(first_col).wrapping_add(1));
    if rows.saturating_mul(cols) > MAX_DIMENSION_CELLS {
        return Err(format!(
            "声明的表格范围有 {rows} 行 × {cols} 列，超过了 Excel 能有的大小，文件是恶意构造或已损坏的"
        ));
    }
    Ok(())
}
