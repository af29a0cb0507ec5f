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

/// A cell's record: text as LABEL, numbers as NUMBER (`None` for a blank or a date).
pub fn cell_record(r: u16, c: u16, v: &V) -> Option<(u16, Vec<u8>)> {
    let mut d = Vec::new();
    d.extend(r.to_le_bytes());
    d.extend(c.to_le_bytes());
    d.extend(0u16.to_le_bytes());
    match v {
        V::T(s) => {
            let units: Vec<u16> = s.encode_utf16().collect();
            d.extend((units.len() as u16).to_le_bytes());
            d.push(1);
            for u in units {
                d.extend(u.to_le_bytes());
            }
            Some((0x0204, d))
        }
        V::N(f) => {
            d.extend(f.to_le_bytes());
            Some((0x0203, d))
        }
        V::Blank | V::D(..) => None,
    }
}

/// A LABELSST record: the cell shows shared text number `index`.
pub fn shared_cell_record(r: u16, c: u16, index: u32) -> (u16, Vec<u8>) {
    let mut d = Vec::new();
    d.extend(r.to_le_bytes());
    d.extend(c.to_le_bytes());
    d.extend(0u16.to_le_bytes());
    d.extend(index.to_le_bytes());
    (0x00FD, d)
}

/// The SST record (with its CONTINUE records) holding `texts`, as Excel splits it: a text
/// whose characters do not fit goes on in the next record after a flags byte.
pub fn sst_records(texts: &[&str]) -> Vec<u8> {
    const MAX: usize = 8224;
    let mut records: Vec<Vec<u8>> = vec![Vec::new()];
    records[0].extend((texts.len() as u32).to_le_bytes());
    records[0].extend((texts.len() as u32).to_le_bytes());
    for text in texts {
        let wide = !text.is_ascii();
        let chars: Vec<Vec<u8>> = if wide {
            text.encode_utf16().map(|u| u.to_le_bytes().to_vec()).collect()
        } else {
            text.bytes().map(|b| vec![b]).collect()
        };
        if records.last().expect("record").len() + 3 + chars.first().map_or(0, Vec::len) > MAX {
            records.push(Vec::new());
        }
        let current = records.last_mut().expect("record");
        current.extend((chars.len() as u16).to_le_bytes());
        current.push(u8::from(wide));
        for ch in chars {
            if records.last().expect("record").len() + ch.len() > MAX {
                records.push(vec![u8::from(wide)]);
            }
            records.last_mut().expect("record").extend(ch);
        }
    }
    let mut out = Vec::new();
    for (i, data) in records.iter().enumerate() {
        record(&mut out, if i == 0 { 0x00FC } else { 0x003C }, data);
    }
    out
}

/// A BIFF8 workbook stream: `globals` (raw records, an SST) in the workbook's part, and one
/// visible sheet of `cells`.
pub fn workbook_stream(sheet_name: &str, globals: &[u8], cells: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut sheet = Vec::new();
    record(&mut sheet, 0x0809, &bof(0x0010));
    for (typ, data) in cells {
        record(&mut sheet, *typ, data);
    }
    record(&mut sheet, 0x000A, &[]);

    let name: Vec<u16> = sheet_name.encode_utf16().collect();
    let boundsheet_len = 4 + 8 + 2 * name.len();
    let globals_len = 4 + 16 + boundsheet_len + globals.len() + 4;
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
    out.extend(globals);
    record(&mut out, 0x000A, &[]);
    assert_eq!(out.len(), globals_len);
    out.extend(sheet);
    // A stream under 4096 bytes would live in the mini stream: keep to plain sectors.
    if out.len() < 4096 {
        out.resize(4096, 0);
    }
    out
}

/// The compound file around the stream: header, one FAT sector, one directory sector;
/// `patch` may change the sector table (sector 0 is the table, 1 the directory, the stream
/// from 2) before it is written.
pub fn compound_file(stream: &[u8], patch: impl Fn(&mut Vec<u32>)) -> Vec<u8> {
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
    patch(&mut fat);
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
    let cells: Vec<(u16, Vec<u8>)> = rows
        .iter()
        .enumerate()
        .flat_map(|(r, row)| {
            row.iter()
                .enumerate()
                .filter_map(move |(c, v)| cell_record(r as u16, c as u16, v))
        })
        .collect();
    std::fs::write(path, compound_file(&workbook_stream("Sheet1", &[], &cells), |_| {})).expect("write xls");
}

/// A .xls file as Excel writes texts: each once in the shared table, the cells pointing to it.
pub fn write_xls_shared(path: &Path, rows: &[Vec<&str>]) {
    let mut texts: Vec<&str> = Vec::new();
    let mut cells = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            let index = texts.iter().position(|t| t == text).unwrap_or_else(|| {
                texts.push(text);
                texts.len() - 1
            });
            cells.push(shared_cell_record(r as u16, c as u16, index as u32));
        }
    }
    let stream = workbook_stream("Sheet1", &sst_records(&texts), &cells);
    std::fs::write(path, compound_file(&stream, |_| {})).expect("write xls");
}
