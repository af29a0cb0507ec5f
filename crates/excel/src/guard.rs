//! What a workbook must show before a parser reads it. `calamine` trusts the file: a declared
//! 2 GB part is inflated, `uniqueCount` and DIMENSIONS are allocated as written, a cell far
//! away makes it allocate the rectangle up to it, and a looping sector chain in an .xls never
//! ends. An allocation that fails aborts the process, which `catch_unwind` cannot catch. So
//! each bound is checked here, on the bytes, in time and memory proportional to what a real
//! list needs: a refusal comes within a second or two and a few MB.

mod xls;

use std::io::{Cursor, Read};

pub use xls::check_xls;

/// Parts a ZIP may list. The ZIP reader keeps a record of a few hundred bytes for each
/// before anything else can be checked, and a 30 MB file can list 650,000 empty ones (160 MB
/// and 3 s). A list with a photo in every row of a 30 MB file has under 2,000.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// The most one part of an .xlsx may inflate to: a sheet of 5,000 rows × 40 columns is about
/// 10 MB; a sheet whose empty rows down to 65,536 are formatted about 40 MB.
pub const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;
/// The most all parts together may inflate to.
pub const MAX_INFLATED_BYTES: u64 = 160 * 1024 * 1024;
/// The longest run of XML between two marks (a text, a tag, a comment): what the XML
/// parser holds at once. Excel's longest cell (32,767 characters, escaped) is under 200 KB.
const MAX_MARKUP_RUN: usize = 1024 * 1024;
/// The shared-text part, which the parser keeps whole as one string per text (24 bytes
/// each, beside the text): a list of 5,000 rows × 40 columns of distinct texts is 8 MB of
/// XML. Under the 64 MB any part may have, a million texts cost the parser 89 MB; under
/// this, at most 58 MB (texts-at-the-limits.xlsx in benches/hostile_import.rs).
pub const MAX_SHARED_STRINGS_BYTES: u64 = 32 * 1024 * 1024;
/// Distinct texts a workbook may declare (`uniqueCount`, reserved up front by the parser).
pub const MAX_SHARED_STRINGS: u64 = 1_000_000;
/// Sheets a workbook may list (each is a name and a path the parser keeps).
pub const MAX_SHEETS: u64 = 1000;
/// Other entries the parser keeps one by one as it opens the workbook (texts, formats,
/// fonts, fills, borders, defined names, relationships): a few bytes of XML each, so a part
/// within the size bound could still hold millions. Excel's own limit is 64,000 formats.
pub const MAX_ENTRIES: u64 = 1_000_000;
const MAX_STYLE_ENTRIES: u64 = 200_000;
/// What the cell formats may cost once the parser has copied into each its font name and
/// number format (Excel allows 64,000 formats; theirs cost under 50 MB together).
const MAX_FORMATS_BYTES: u64 = 64 * 1024 * 1024;
/// XML the sheets may make the reader stream in all: each visible sheet may be a path to
/// the largest part (two sheets can name one part).
pub const MAX_STREAMED_BYTES: u64 = 320 * 1024 * 1024;
/// Rows one sheet part may hold: Excel's own limit. The parser walks every `<row>`, empty or
/// not, and cannot be stopped inside a run of empty ones: 11 million of them, 438 KB
/// zipped, took 7 s.
pub const MAX_SHEET_ROWS: u64 = 1_048_576;
/// Rows the sheets may make the reader walk in all (each visible sheet may name the part with
/// the most rows): two full sheets' worth, under a second or two.
pub const MAX_STREAMED_ROWS: u64 = 2 * MAX_SHEET_ROWS;

/// What reading the sheets of a checked .xlsx may cost at most, per sheet.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZipShape {
    /// The largest part's size, inflated.
    pub largest_bytes: u64,
    /// The most `<row>` tags in one part.
    pub most_rows: u64,
}

pub const SAVE_AS: &str = "请在 Excel 或 WPS 里打开它，“另存为” Excel 工作簿（.xlsx）后再导入";

fn mb(bytes: u64) -> u64 {
    bytes.div_ceil(1024 * 1024)
}

/// A .xlsx (a ZIP of XML parts): every part's declared size within bounds (the ZIP reader
/// stops a part that inflates past its declared size), and every part read once through a
/// scanner that bounds what the XML parser will hold. Gives what one sheet may cost.
pub fn check_zip(bytes: &[u8]) -> Result<ZipShape, String> {
    let damaged = || format!("这是一个压缩文件，但不是 Excel 工作簿（或已损坏）：{SAVE_AS}");
    // Each entry the reader lists starts with this signature in the central directory, so
    // their count bounds what it would keep, whatever the directory's end declares.
    let entries = memchr::memmem::find_iter(bytes, b"PK\x01\x02").count();
    if entries > MAX_ZIP_ENTRIES {
        return Err(format!(
            "文件里有 {entries} 个部件，一份人员名单远没有这么多（上限 {MAX_ZIP_ENTRIES} 个），文件可能是恶意构造的：请确认选对了文件"
        ));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| damaged())?;
    let (mut total, mut largest) = (0u64, 0u64);
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|_| damaged())?;
        let size = part.size();
        largest = largest.max(size);
        let name = part.name().unwrap_or_default();
        let limit = if Kind::of(&name) == Kind::SharedStrings {
            MAX_SHARED_STRINGS_BYTES
        } else {
            MAX_PART_BYTES
        };
        if size > limit {
            return Err(format!(
                "文件里的“{}”解压后有 {} MB，一份人员名单远没有这么大（上限 {} MB），文件可能是恶意构造的：请确认选对了文件",
                clip_name(&name),
                mb(size),
                mb(limit)
            ));
        }
        total = total.saturating_add(size);
    }
    if total > MAX_INFLATED_BYTES {
        return Err(format!(
            "文件解压后共有 {} MB，一份人员名单远没有这么大（上限 {} MB）：请确认选对了文件",
            mb(total),
            mb(MAX_INFLATED_BYTES)
        ));
    }
    let mut buf = vec![0u8; 64 * 1024];
    let mut most_rows = 0u64;
    for i in 0..zip.len() {
        let mut part = match zip.by_index(i) {
            Ok(p) => p,
            // An encrypted or unsupported part: the workbook reader says what it is.
            Err(_) => continue,
        };
        let name = part.name().unwrap_or_default().into_owned();
        let mut scan = Markup::new(Kind::of(&name));
        let name = clip_name(&name);
        let said = |e: String| format!("文件里的“{name}”{e}：{SAVE_AS}");
        loop {
            let n = part.read(&mut buf).map_err(|_| damaged())?;
            if n == 0 {
                break;
            }
            scan.feed(&buf[..n]).map_err(said)?;
        }
        scan.finish().map_err(said)?;
        most_rows = most_rows.max(scan.rows);
    }
    Ok(ZipShape {
        largest_bytes: largest,
        most_rows,
    })
}

/// The parts whose tags the parser turns into lists it keeps; the scanner reads their tags.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Other,
    /// `uniqueCount` is reserved as declared.
    SharedStrings,
    /// Each cell format gets a copy of its font and number format.
    Styles,
    /// Each sheet and defined name is kept.
    Workbook,
    /// Each relationship is kept.
    Relationships,
}

impl Kind {
    /// As the parser finds the parts: by these names under the workbook's folder.
    fn of(name: &str) -> Kind {
        let name = name.to_ascii_lowercase();
        if name.ends_with("sharedstrings.xml") {
            Kind::SharedStrings
        } else if name.ends_with("styles.xml") {
            Kind::Styles
        } else if name.ends_with("workbook.xml") {
            Kind::Workbook
        } else if name.ends_with(".rels") {
            Kind::Relationships
        } else {
            Kind::Other
        }
    }
}

fn clip_name(name: &str) -> String {
    domain::clip(name, 60)
}

/// Where the scanner is in the XML.
#[derive(Clone, Copy, Default)]
enum At {
    #[default]
    Text,
    Tag {
        quote: Option<u8>,
    },
    /// `<!-- -->`, `<![CDATA[ ]]>`, `<!DOCTYPE >`: read whole by the parser.
    Bang,
}

/// Counts the bytes the XML parser would hold at once (a text, a tag, a comment), and reads
/// the `uniqueCount` it would reserve. Moves from mark to mark with `memchr`: a sheet of a
/// million rows is scanned in a fraction of a second.
struct Markup {
    at: At,
    run: usize,
    kind: Kind,
    /// Entries the parser keeps, counted: texts, formats, fonts, fills, borders, defined
    /// names, relationships.
    count: u64,
    /// Sheets listed in the workbook.
    sheets: u64,
    /// `<row>` tags in a part (a sheet's rows, empty ones included).
    rows: u64,
    /// Cell formats in the styles: each gets a copy of its font and number format.
    formats: u64,
    /// The longest font name or number format tag, copied into every cell format.
    longest_copied: u64,
    /// The current tag or `<!` construct without its `<`: whole, or its first bytes.
    tag: Vec<u8>,
    /// The last two bytes of the construct, for the end of a comment or CDATA section.
    last: [u8; 2],
}

/// Enough of a `<!` construct's start to tell a comment from a CDATA section.
const TAG_START: usize = 9;

impl Markup {
    fn new(kind: Kind) -> Markup {
        Markup {
            at: At::Text,
            run: 0,
            kind,
            count: 0,
            sheets: 0,
            rows: 0,
            formats: 0,
            longest_copied: 0,
            tag: Vec::new(),
            last: [0; 2],
        }
    }

    /// Counts `plain` (no mark in it) into the current run.
    fn take(&mut self, plain: &[u8]) -> Result<(), String> {
        self.run += plain.len();
        if self.run > MAX_MARKUP_RUN {
            return Err(format!(
                "有一段超过 {} MB 的文字或标记，Excel 的单元格最多 32767 个字，文件不是 Excel 写的",
                MAX_MARKUP_RUN / 1024 / 1024
            ));
        }
        if !matches!(self.at, At::Text) {
            let keep = if self.kind != Kind::Other {
                plain.len()
            } else {
                plain.len().min(TAG_START.saturating_sub(self.tag.len()))
            };
            self.tag.extend_from_slice(&plain[..keep]);
            match plain {
                [] => {}
                [b] => self.last = [self.last[1], *b],
                [.., a, b] => self.last = [*a, *b],
            }
        }
        Ok(())
    }

    fn feed(&mut self, mut bytes: &[u8]) -> Result<(), String> {
        loop {
            let next = match self.at {
                At::Text => memchr::memchr(b'<', bytes),
                At::Tag { quote: None } if self.tag.is_empty() && bytes.first() == Some(&b'!') => {
                    self.at = At::Bang;
                    continue;
                }
                At::Tag { quote: None } => memchr::memchr3(b'>', b'"', b'\'', bytes),
                At::Tag { quote: Some(q) } => memchr::memchr(q, bytes),
                At::Bang => memchr::memchr(b'>', bytes),
            };
            let Some(at) = next else {
                return self.take(bytes);
            };
            self.take(&bytes[..at])?;
            let b = bytes[at];
            bytes = &bytes[at + 1..];
            self.at = match self.at {
                At::Text => {
                    self.run = 0;
                    self.tag.clear();
                    self.last = [0; 2];
                    At::Tag { quote: None }
                }
                At::Tag { quote: None } if b == b'>' => {
                    self.end_tag()?;
                    self.run = 0;
                    At::Text
                }
                At::Tag { quote: None } => {
                    self.take(&[b])?;
                    At::Tag { quote: Some(b) }
                }
                At::Tag { quote: Some(_) } => {
                    self.take(&[b])?;
                    At::Tag { quote: None }
                }
                // A comment ends with -->, a CDATA section with ]]>.
                At::Bang => {
                    let t = &self.tag;
                    let ends = if t.starts_with(b"!--") {
                        self.last == *b"--" && self.run >= 5
                    } else if t.starts_with(b"![CDATA[") {
                        self.last == *b"]]" && self.run >= 10
                    } else {
                        return Err("含有文档类型声明（DOCTYPE），Excel 不会写这样的文件".into());
                    };
                    if ends {
                        self.run = 0;
                        At::Text
                    } else {
                        self.take(&[b])?;
                        At::Bang
                    }
                }
            };
        }
    }

    /// A tag has ended: what the parser will keep for it.
    fn end_tag(&mut self) -> Result<(), String> {
        if self.kind == Kind::Other {
            return self.count_row();
        }
        let tag = &self.tag;
        let name_end = tag
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/')
            .unwrap_or(tag.len());
        let name = &tag[..name_end];
        let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
        match (self.kind, local) {
            (Kind::SharedStrings, b"sst") => {
                for value in attribute_values(tag, b"uniqueCount") {
                    let digits = value.iter().all(u8::is_ascii_digit) && !value.is_empty();
                    let count = std::str::from_utf8(value).ok().and_then(|v| v.parse::<u64>().ok());
                    if digits && count.is_none_or(|n| n > MAX_SHARED_STRINGS) {
                        return Err(format!(
                            "声明了 {} 个不同的文字，超过了一份人员名单可能有的（上限 {MAX_SHARED_STRINGS} 个）",
                            domain::clip(&String::from_utf8_lossy(value), 30)
                        ));
                    }
                }
            }
            (Kind::Styles, b"name" | b"numFmt") => self.longest_copied = self.longest_copied.max(tag.len() as u64),
            (Kind::Styles, b"xf") => self.formats += 1,
            (Kind::Workbook, b"sheet") => {
                self.sheets += 1;
                if self.sheets > MAX_SHEETS {
                    return Err(format!("列了超过 {MAX_SHEETS} 个工作表，一份人员名单不会有这么多"));
                }
            }
            _ => {}
        }
        let (counted, most) = match (self.kind, local) {
            (Kind::SharedStrings, b"si")
            | (Kind::Workbook, b"definedName")
            | (Kind::Relationships, b"Relationship") => (true, MAX_ENTRIES),
            (Kind::Styles, b"xf" | b"numFmt" | b"font" | b"fill" | b"border") => (true, MAX_STYLE_ENTRIES),
            _ => (false, 0),
        };
        if counted {
            self.count += 1;
            if self.count > most {
                return Err(format!(
                    "有超过 {most} 项（文字、格式或名称），打开时每一项都要单独保存，一份人员名单不会有这么多"
                ));
            }
        }
        Ok(())
    }

    /// The part has ended: what the cell formats will cost once copied.
    /// A sheet's `<row …>` or `<row/>` (the tag's first bytes are kept for every part).
    fn count_row(&mut self) -> Result<(), String> {
        let is_row =
            self.tag.starts_with(b"row") && self.tag.get(3).is_none_or(|b| b.is_ascii_whitespace() || *b == b'/');
        if is_row {
            self.rows += 1;
            if self.rows > MAX_SHEET_ROWS {
                return Err(format!(
                    "有超过 {MAX_SHEET_ROWS} 行（Excel 一个工作表最多 {MAX_SHEET_ROWS} 行），文件不是 Excel 写的"
                ));
            }
        }
        Ok(())
    }

    fn finish(&self) -> Result<(), String> {
        let copies = self.formats.saturating_mul(2 * self.longest_copied + 256);
        if self.kind == Kind::Styles && copies > MAX_FORMATS_BYTES {
            return Err(format!(
                "有 {} 种单元格格式，每种都带着 {} 字节长的字体名或数字格式，展开后超过 {} MB，文件不是 Excel 写的",
                self.formats,
                self.longest_copied,
                mb(MAX_FORMATS_BYTES)
            ));
        }
        Ok(())
    }
}

/// The values of every attribute `name` (unprefixed) in a tag's text, as the XML parser
/// reads them: spaces allowed around `=`, either quote.
fn attribute_values<'a>(tag: &'a [u8], name: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let space = |i: usize| tag.get(i).is_some_and(u8::is_ascii_whitespace);
    (1..tag.len()).filter_map(move |at| {
        if !tag[at..].starts_with(name) || !space(at - 1) {
            return None;
        }
        let mut i = at + name.len();
        while space(i) {
            i += 1;
        }
        if tag.get(i) != Some(&b'=') {
            return None;
        }
        i += 1;
        while space(i) {
            i += 1;
        }
        let quote = *tag.get(i).filter(|q| **q == b'"' || **q == b'\'')?;
        let rest = &tag[i + 1..];
        let len = rest.iter().position(|b| *b == quote).unwrap_or(rest.len());
        Some(&rest[..len])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(xml: &[u8]) -> Result<(), String> {
        let mut m = Markup::new(Kind::SharedStrings);
        // Fed in small pieces: a mark may fall across two reads.
        for chunk in xml.chunks(7) {
            m.feed(chunk)?;
        }
        Ok(())
    }

    #[test]
    fn ordinary_xml_passes() {
        let xml = br#"<?xml version="1.0"?><!-- a > b --><sst xmlns="x" count="3" uniqueCount="2"><si><t>a > b</t></si><![CDATA[<x>]]></sst>"#;
        assert_eq!(scan(xml), Ok(()));
        assert!(scan(b"<!DOCTYPE x [<!ENTITY a 'b'>]><x/>").is_err());
    }

    #[test]
    fn a_long_run_is_refused_however_it_hides() {
        let long = vec![b'x'; MAX_MARKUP_RUN + 1];
        let gt = vec![b'>'; MAX_MARKUP_RUN + 1];
        let cases: Vec<Vec<u8>> = vec![
            [b"<t>".as_slice(), &long, b"</t>"].concat(),
            // '>' is allowed in text: the parser reads on to the next '<'.
            [b"<t>".as_slice(), &gt, b"</t>"].concat(),
            // A quoted attribute may hold '>'.
            [b"<c a=\"".as_slice(), &gt, b"\"/>"].concat(),
            [b"<![CDATA[".as_slice(), &gt, b"]]>"].concat(),
            [b"<!--".as_slice(), &gt, b"-->"].concat(),
        ];
        for xml in cases {
            let e = scan(&xml).expect_err("too long");
            assert!(e.contains("32767"), "{e}");
        }
    }

    #[test]
    fn a_huge_shared_string_count_is_refused() {
        assert!(scan(br#"<x:sst uniqueCount="1000000">"#).is_ok());
        let e = scan(br#"<x:sst count="1" uniqueCount="1000000000000">"#).expect_err("huge");
        assert!(e.contains("1000000000000"), "{e}");
        // However the attribute is written; a prefixed one is another attribute.
        assert!(scan(br#"<sst a:uniqueCount="5" uniqueCount = '2000000'>"#).is_err());
        assert!(scan(b"<sst\n uniqueCount=\"99999999999999999999999\">").is_err());
        assert!(scan(br#"<sst a:uniqueCount="2000000" uniqueCount="5">"#).is_ok());
    }
}
