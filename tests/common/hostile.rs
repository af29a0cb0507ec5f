//! Hostile workbooks, made in the test (nothing large is committed): a ZIP written by hand,
//! so that a part can declare any size and hold a deflate stream that inflates ~150 times
//! (gigabytes from a few MB).
#![allow(dead_code)]

/// CRC-32 (the ZIP one) of the concatenated pieces.
pub fn crc32<'a>(pieces: impl IntoIterator<Item = &'a [u8]>) -> u32 {
    let table: Vec<u32> = (0..256u32)
        .map(|n| (0..8).fold(n, |c, _| if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 }))
        .collect();
    let mut crc = !0u32;
    for piece in pieces {
        for b in piece {
            crc = table[((crc ^ u32::from(*b)) & 0xFF) as usize] ^ (crc >> 8);
        }
    }
    !crc
}

/// Bits written the way deflate packs them.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    /// `value`'s low `bits`, least significant first (extra bits, block headers).
    fn put(&mut self, value: u32, bits: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += bits;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code: most significant bit first.
    fn code(&mut self, code: u32, bits: u32) {
        let reversed = (0..bits).fold(0, |r, i| r | ((code >> i) & 1) << (bits - 1 - i));
        self.put(reversed, bits);
    }

    /// A literal byte or the end of the block, in the fixed codes.
    fn symbol(&mut self, v: u32) {
        match v {
            0..=143 => self.code(0x30 + v, 8),
            144..=255 => self.code(0x190 + v - 144, 9),
            256..=279 => self.code(v - 256, 7),
            _ => self.code(0xC0 + v - 280, 8),
        }
    }

    /// Copy `len` (3..=258) bytes from `dist` back.
    fn copy(&mut self, len: u32, dist: u32) {
        const BASE: [u32; 29] = [
            3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
            227, 258,
        ];
        const EXTRA: [u32; 29] = [
            0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
        ];
        let i = if len == 258 {
            28
        } else {
            BASE.iter().rposition(|b| *b <= len).expect("length")
        };
        self.symbol(257 + i as u32);
        self.put(len - BASE[i], EXTRA[i]);
        let (mut code, mut base) = (0u32, 1u32);
        loop {
            let extra = if code < 4 { 0 } else { (code - 2) / 2 };
            if dist < base + (1 << extra) {
                self.code(code, 5);
                self.put(dist - base, extra);
                return;
            }
            base += 1 << extra;
            code += 1;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// A deflate stream of `head`, `unit` `count` times, then `tail`: the repeats cost 13 to 20
/// bits per 258 bytes.
pub fn deflate_repeat(head: &[u8], unit: &[u8], count: u64, tail: &[u8]) -> Vec<u8> {
    let mut bits = Bits::default();
    bits.put(1, 1); // the last block
    bits.put(1, 2); // fixed codes
    for b in head.iter().chain(unit) {
        bits.symbol(u32::from(*b));
    }
    let dist = unit.len() as u32;
    // The same 258-byte copy over and over: its bits once, put as one value.
    let mut one = Bits::default();
    one.copy(258, dist);
    let width = one.out.len() as u32 * 8 + one.n;
    let value = one.out.iter().rev().fold(one.acc, |v, b| (v << 8) | u64::from(*b));
    let mut left = (count.saturating_sub(1)) * unit.len() as u64;
    while left >= 258 {
        bits.put(value as u32, width);
        left -= 258;
    }
    if left >= 3 {
        bits.copy(left as u32, dist);
    } else {
        for b in &unit[unit.len() - left as usize..] {
            bits.symbol(u32::from(*b));
        }
    }
    for b in tail {
        bits.symbol(u32::from(*b));
    }
    bits.symbol(256);
    bits.finish()
}

/// One part of a ZIP as written: its bytes (deflated when `deflated`), the CRC and the
/// uncompressed size it declares.
pub struct Part {
    pub name: String,
    pub deflated: bool,
    pub data: Vec<u8>,
    pub crc: u32,
    pub size: u32,
}

impl Part {
    pub fn stored(name: &str, text: &str) -> Part {
        Part {
            name: name.into(),
            deflated: false,
            data: text.as_bytes().to_vec(),
            crc: crc32([text.as_bytes()]),
            size: text.len() as u32,
        }
    }
}

pub fn zip(parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for p in parts {
        let offset = out.len() as u32;
        let method: u16 = if p.deflated { 8 } else { 0 };
        let fields = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if central {
                h.extend(20u16.to_le_bytes());
            }
            h.extend(20u16.to_le_bytes());
            h.extend(0u16.to_le_bytes());
            h.extend(method.to_le_bytes());
            h.extend(0u16.to_le_bytes());
            h.extend(0x21u16.to_le_bytes());
            h.extend(p.crc.to_le_bytes());
            h.extend((p.data.len() as u32).to_le_bytes());
            h.extend(p.size.to_le_bytes());
            h.extend((p.name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes());
            if central {
                // Comment length, disk, internal and external attributes.
                h.extend([0u8; 6]);
                h.extend(0u32.to_le_bytes());
                h.extend(offset.to_le_bytes());
            }
            h.extend(p.name.as_bytes());
            h
        };
        out.extend(fields(0x0403_4B50, false));
        out.extend(&p.data);
        central.extend(fields(0x0201_4B50, true));
    }
    let (cd_offset, cd_len) = (out.len() as u32, central.len() as u32);
    out.extend(central);
    out.extend(0x0605_4B50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((parts.len() as u16).to_le_bytes());
    out.extend((parts.len() as u16).to_le_bytes());
    out.extend(cd_len.to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

pub const SHEET_HEAD: &str =
    r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
pub const SHEET_TAIL: &str = "</sheetData></worksheet>";

/// An .xlsx whose one sheet is `sheet` (a part named xl/worksheets/sheet1.xml).
pub fn xlsx(sheet: Part) -> Vec<u8> {
    xlsx_with(sheet, Vec::new())
}

/// The workbook's part listing `sheets` sheets, each showing the one sheet part.
pub fn workbook_part(sheets: usize) -> Part {
    let list: String = (1..=sheets)
        .map(|n| format!(r#"<sheet name="名单{n}" sheetId="{n}" r:id="rId1"/>"#))
        .collect();
    Part::stored(
        "xl/workbook.xml",
        &format!(
            r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{list}</sheets></workbook>"#
        ),
    )
}

/// The same, with `parts` replacing the parts of the same name, or added.
pub fn xlsx_with(sheet: Part, parts: Vec<Part>) -> Vec<u8> {
    const RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
    const DOC: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let mut all = vec![
        Part::stored(
            "[Content_Types].xml",
            r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#,
        ),
        Part::stored(
            "_rels/.rels",
            &format!(
                r#"<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        workbook_part(1),
        Part::stored(
            "xl/_rels/workbook.xml.rels",
            &format!(
                r#"<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
            ),
        ),
        sheet,
    ];
    for part in parts {
        match all.iter_mut().find(|p| p.name == part.name) {
            Some(slot) => *slot = part,
            None => all.push(part),
        }
    }
    zip(&all)
}

/// The sheet part: `head` (after the sheet's opening), `unit` `count` times, `tail`, then
/// the sheet's end; deflated, with its true size and CRC unless `declared` says otherwise.
pub fn sheet_part(head: &str, unit: &str, count: u64, tail: &str, declared: Option<u32>) -> Part {
    let head = format!("{SHEET_HEAD}{head}");
    let tail = format!("{tail}{SHEET_TAIL}");
    let mut part = repeated_part("xl/worksheets/sheet1.xml", &head, unit, count, &tail);
    if let Some(size) = declared {
        part.size = size;
    }
    part
}

/// A part named `name` holding `head`, `unit` `count` times and `tail`, deflated.
pub fn repeated_part(name: &str, head: &str, unit: &str, count: u64, tail: &str) -> Part {
    let total = head.len() as u64 + unit.len() as u64 * count + tail.len() as u64;
    // The CRC is only checked at the end of a part: not worth computing over gigabytes that
    // are refused before they are read.
    let crc = if total < 200 * 1024 * 1024 {
        crc32(
            std::iter::once(head.as_bytes())
                .chain((0..count).map(|_| unit.as_bytes()))
                .chain([tail.as_bytes()]),
        )
    } else {
        0
    };
    Part {
        name: name.into(),
        deflated: true,
        data: deflate_repeat(head.as_bytes(), unit.as_bytes(), count, tail.as_bytes()),
        crc,
        // A part over 4 GB declares what it can: the guards stop at the first limit anyway.
        size: u32::try_from(total).unwrap_or(u32::MAX),
    }
}
