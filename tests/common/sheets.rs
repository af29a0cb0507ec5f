//! Workbooks for the import tests: .xlsx written with rust_xlsxwriter cell by cell (text,
//! numbers, dates as Excel stores them), and a minimal .xls (BIFF8 in a compound file) for
//! the old format, which no Rust crate writes.
#![allow(dead_code)]

use std::path::Path;

use std::sync::Arc;

use chrono::TimeZone;
use cwr_station::api::types::DictEntry;
use cwr_station::api::{Endpoint, PlatformClock};
use cwr_station::config::Config;
use cwr_station::station::Station;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use super::JOB_NAME_CARPENTER;

pub const PENGCHENG: &str = "深圳市鹏城建设集团有限公司";
pub const ANJU: &str = "深圳市安居劳务分包有限公司";
pub const BRICKLAYER: &str = "CAD17207B1B84F76A1E1F6D5E1E2A3B4";
pub const REBAR: &str = "F9992C4B1B84F76A1E1F6D5E1E2A3B4C";

pub fn entries(list: &[(&str, &str)]) -> Vec<DictEntry> {
    list.iter()
        .map(|(code, name)| DictEntry {
            orders: code.to_string(),
            value: name.to_string(),
            flag: "N".into(),
        })
        .collect()
}

/// A station whose "today" is 2026-11-28 (Beijing), with the demo companies and the three
/// dictionaries a worker list names.
pub fn import_station(dir: &Path) -> Station {
    let now = chrono::Utc
        .with_ymd_and_hms(2026, 11, 28, 4, 0, 0)
        .single()
        .expect("time");
    let clock = Arc::new(PlatformClock::new(Arc::new(move || now)));
    let mut st = Station::open(dir, Config::default(), clock).expect("open");
    for c in cwr_station::cli::demo_companies() {
        st.save_company(c).expect("company");
    }
    st.save_dictionary(
        Endpoint::DictListEmpCategory,
        &entries(&[("00", "劳务工人"), ("01", "建设单位管理人员")]),
    )
    .expect("dict");
    st.save_dictionary(
        Endpoint::DictListJobTypeName,
        &entries(&[("1", "一般作业工种"), ("2", "特种作业工种")]),
    )
    .expect("dict");
    st.save_dictionary(
        Endpoint::DictListJobName,
        &entries(&[(JOB_NAME_CARPENTER, "木工"), (BRICKLAYER, "砌筑工"), (REBAR, "钢筋工")]),
    )
    .expect("dict");
    st
}

/// One cell as a clerk's Excel would hold it.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Blank,
    T(String),
    /// A number cell (an ID typed into a General cell, a date serial without its format).
    N(f64),
    /// A date cell (a serial with a date format).
    D(u16, u8, u8),
}

pub fn t(s: &str) -> V {
    V::T(s.to_string())
}

/// Writes `rows` (the first is the header unless `title` puts a merged title above it).
pub fn write_xlsx(path: &Path, title: Option<&str>, rows: &[Vec<V>]) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("花名册").expect("name");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut first = 0u32;
    if let Some(title) = title {
        let width = rows.first().map_or(1, Vec::len).max(2) as u16;
        sheet
            .merge_range(0, 0, 0, width - 1, title, &Format::new().set_bold())
            .expect("merge");
        first = 1;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = first + r as u32;
        for (c, v) in row.iter().enumerate() {
            let c = c as u16;
            match v {
                V::Blank => {}
                V::T(s) => {
                    sheet.write_string(r, c, s).expect("text");
                }
                V::N(f) => {
                    sheet.write_number(r, c, *f).expect("number");
                }
                V::D(y, m, d) => {
                    let dt = ExcelDateTime::from_ymd(*y, *m, *d).expect("date");
                    sheet.write_datetime_with_format(r, c, &dt, &date).expect("date");
                }
            }
        }
    }
    book.save(path).expect("save");
}

// ---- .xls (BIFF8) ----

fn record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend(typ.to_le_bytes());
    out.extend((data.len() as u16).to_le_bytes());
    out.extend(data);
}

fn bof(dt: u16) -> Vec<u8> {
    let mut d = Vec::new();
    d.extend(0x0600u16.to_le_bytes());
    d.extend(dt.to_le_bytes());
    d.extend([0u8; 12]);
    d
}

/// A BIFF8 workbook stream with one visible sheet: text as LABEL, numbers as NUMBER.
fn workbook_stream(sheet_name: &str, rows: &[Vec<V>]) -> Vec<u8> {
    let mut sheet = Vec::new();
    record(&mut sheet, 0x0809, &bof(0x0010));
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let mut d = Vec::new();
            d.extend((r as u16).to_le_bytes());
            d.extend((c as u16).to_le_bytes());
            d.extend(0u16.to_le_bytes());
            match v {
                V::T(s) => {
                    let units: Vec<u16> = s.encode_utf16().collect();
                    d.extend((units.len() as u16).to_le_bytes());
                    d.push(1);
                    for u in units {
                        d.extend(u.to_le_bytes());
                    }
                    record(&mut sheet, 0x0204, &d);
                }
                V::N(f) => {
                    d.extend(f.to_le_bytes());
                    record(&mut sheet, 0x0203, &d);
                }
                V::Blank | V::D(..) => {}
            }
        }
    }
    record(&mut sheet, 0x000A, &[]);

    let name: Vec<u16> = sheet_name.encode_utf16().collect();
    let boundsheet_len = 4 + 8 + 2 * name.len();
    let globals_len = 4 + 16 + boundsheet_len + 4;
    let mut out = Vec::new();
    record(&mut out, 0x0809, &bof(0x0005));
    let mut d = Vec::new();
    d.extend((globals_len as u32).to_le_bytes());
    d.push(0); // visible
    d.push(0); // worksheet
    d.push(name.len() as u8);
    d.push(1); // UTF-16
    for u in name {
        d.extend(u.to_le_bytes());
    }
    record(&mut out, 0x0085, &d);
    record(&mut out, 0x000A, &[]);
    assert_eq!(out.len(), globals_len);
    out.extend(sheet);
    // A stream under 4096 bytes would live in the mini stream: keep to plain sectors.
    if out.len() < 4096 {
        out.resize(4096, 0);
    }
    out
}

/// The compound file around the stream: header, one FAT sector, one directory sector.
fn compound_file(stream: &[u8]) -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    let sectors = stream.len().div_ceil(512);
    assert!(sectors + 2 <= 128, "one FAT sector holds 128 entries");
    let mut header = vec![0u8; 512];
    header[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    header[24..26].copy_from_slice(&0x003Eu16.to_le_bytes());
    header[26..28].copy_from_slice(&3u16.to_le_bytes());
    header[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
    header[30..32].copy_from_slice(&9u16.to_le_bytes());
    header[32..34].copy_from_slice(&6u16.to_le_bytes());
    header[44..48].copy_from_slice(&1u32.to_le_bytes()); // FAT sectors
    header[48..52].copy_from_slice(&1u32.to_le_bytes()); // directory at sector 1
    header[56..60].copy_from_slice(&4096u32.to_le_bytes());
    header[60..64].copy_from_slice(&END.to_le_bytes());
    header[68..72].copy_from_slice(&END.to_le_bytes());
    header[76..80].copy_from_slice(&0u32.to_le_bytes()); // FAT at sector 0
    for i in 1..109 {
        header[76 + i * 4..80 + i * 4].copy_from_slice(&FREE.to_le_bytes());
    }
    let mut fat = vec![FREE; 128];
    fat[0] = 0xFFFF_FFFD;
    fat[1] = END;
    for i in 0..sectors {
        fat[2 + i] = if i + 1 == sectors { END } else { (3 + i) as u32 };
    }
    let mut out = header;
    for v in fat {
        out.extend(v.to_le_bytes());
    }
    let entry = |name: &str, kind: u8, start: u32, size: u32| {
        let mut e = vec![0u8; 128];
        let units: Vec<u16> = name.encode_utf16().chain([0]).collect();
        for (i, u) in units.iter().enumerate() {
            e[i * 2..i * 2 + 2].copy_from_slice(&u.to_le_bytes());
        }
        e[64..66].copy_from_slice(&((units.len() * 2) as u16).to_le_bytes());
        e[66] = kind;
        e[67] = 1;
        for off in [68, 72, 76] {
            e[off..off + 4].copy_from_slice(&FREE.to_le_bytes());
        }
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&size.to_le_bytes());
        e
    };
    let mut root = entry("Root Entry", 5, END, 0);
    root[76..80].copy_from_slice(&1u32.to_le_bytes()); // child: the stream
    out.extend(root);
    out.extend(entry("Workbook", 2, 2, stream.len() as u32));
    out.extend(vec![0u8; 256]);
    let mut body = stream.to_vec();
    body.resize(sectors * 512, 0);
    out.extend(body);
    out
}

/// A .xls file with one sheet holding `rows`.
pub fn write_xls(path: &Path, rows: &[Vec<V>]) {
    std::fs::write(path, compound_file(&workbook_stream("Sheet1", rows))).expect("write xls");
}
