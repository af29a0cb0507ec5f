//! Structural completeness check for JPEG files.
//!
//! The JPEG decoder is lenient: a file cut off mid-download decodes "successfully" with the
//! missing part painted grey. We want such files refused, so before decoding we walk the
//! marker segments to the first scan and require an end-of-image marker after it.

use super::PhotoError;

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;

fn truncated() -> PhotoError {
    PhotoError::Corrupt("JPEG 文件不完整（可能没有下载或复制完）".to_owned())
}

/// `Ok` when the headers are intact, a scan starts, and an EOI marker follows it.
pub(super) fn check_complete(bytes: &[u8]) -> Result<(), PhotoError> {
    if bytes.len() < 4 || bytes[0] != 0xFF || bytes[1] != SOI {
        return Err(truncated());
    }
    let scan_start = find_first_scan(bytes)?;
    // Inside entropy-coded data 0xFF is always followed by 0x00 or a restart marker, so
    // FF D9 after the first scan can only be a real EOI. Searching (rather than checking
    // the last two bytes) keeps phone files with trailers after EOI acceptable. From the end:
    // EOI is there or close, so a complete file is not read through (a few MB).
    let has_eoi = bytes[scan_start..]
        .windows(2)
        .rev()
        .any(|pair| pair[0] == 0xFF && pair[1] == EOI);
    if has_eoi { Ok(()) } else { Err(truncated()) }
}

/// Byte offset just past the first SOS header.
pub(super) fn find_first_scan(bytes: &[u8]) -> Result<usize, PhotoError> {
    let mut pos = 2;
    loop {
        if pos >= bytes.len() {
            return Err(truncated());
        }
        if bytes[pos] != 0xFF {
            return Err(PhotoError::Corrupt(format!("JPEG 文件结构错误（位置 {pos}）")));
        }
        // Any number of 0xFF fill bytes may precede a marker.
        while pos < bytes.len() && bytes[pos] == 0xFF {
            pos += 1;
        }
        let Some(&marker) = bytes.get(pos) else {
            return Err(truncated());
        };
        pos += 1;
        // Standalone markers carry no length field.
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            continue;
        }
        if marker == EOI {
            return Err(PhotoError::Corrupt("JPEG 文件没有图像数据".to_owned()));
        }
        let Some(len_bytes) = bytes.get(pos..pos + 2) else {
            return Err(truncated());
        };
        let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        if len < 2 {
            return Err(PhotoError::Corrupt(format!("JPEG 文件结构错误（位置 {pos}）")));
        }
        let end = pos + len;
        if end > bytes.len() {
            return Err(truncated());
        }
        if marker == SOS {
            return Ok(end);
        }
        pos = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_structure_is_accepted_and_cuts_are_refused() {
        // SOI, APP0 (len 4), SOS (len 3 + 1 byte), 2 data bytes, EOI.
        let good = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xDA, 0x00, 0x03, 0x00, 0x12, 0x34, 0xFF, 0xD9,
        ];
        assert!(check_complete(&good).is_ok());
        for cut in 0..good.len() - 1 {
            assert!(check_complete(&good[..cut]).is_err(), "cut at {cut}");
        }
    }
}
