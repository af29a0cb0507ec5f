//! A fake ID-card reader library for the tests: it exports the public-security SDK's C
//! functions (`SDT_*` and `GetBmp`) and answers from files in `$FAKE_IDREADER_DIR`, so the
//! station's real loading and calling code runs without a reader:
//! - `card.bin`: the 256-byte text block it returns; `photo.wlt`: the 1024-byte portrait;
//! - `zp.bmp`: what its "decoder" writes beside the .wlt it is given;
//! - `present`: a card lies on the reader (removed when read, as a real reader reports a
//!   card once); `port`: the one port it answers on (default 1001).
//!
//! Built by `cargo test` as a cdylib (target/debug/examples/libfake_idreader.so).

use std::ffi::{CStr, c_char, c_int, c_uint};
use std::path::PathBuf;

const OK: c_int = 0x90;
const FOUND: c_int = 0x9f;
const NO_CARD: c_int = 0x80;
const FAILED: c_int = 0x01;

fn dir() -> Option<PathBuf> {
    std::env::var_os("FAKE_IDREADER_DIR").map(PathBuf::from)
}

fn answering_port() -> c_int {
    dir()
        .and_then(|d| std::fs::read_to_string(d.join("port")).ok())
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or(1001)
}

#[unsafe(no_mangle)]
pub extern "system" fn SDT_OpenPort(port: c_int) -> c_int {
    if dir().is_some() && port == answering_port() {
        OK
    } else {
        FAILED
    }
}

#[unsafe(no_mangle)]
pub extern "system" fn SDT_ClosePort(_port: c_int) -> c_int {
    OK
}

#[unsafe(no_mangle)]
pub extern "system" fn SDT_StartFindIDCard(_port: c_int, _mana: *mut u8, _open: c_int) -> c_int {
    match dir() {
        Some(d) if d.join("present").exists() => FOUND,
        _ => NO_CARD,
    }
}

#[unsafe(no_mangle)]
pub extern "system" fn SDT_SelectIDCard(_port: c_int, _mana: *mut u8, _open: c_int) -> c_int {
    OK
}

/// # Safety
/// The caller gives buffers of at least 256 and 1024 bytes and valid length pointers, as the
/// SDK requires.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn SDT_ReadBaseMsg(
    _port: c_int,
    text: *mut u8,
    text_len: *mut c_uint,
    photo: *mut u8,
    photo_len: *mut c_uint,
    _open: c_int,
) -> c_int {
    let Some(d) = dir() else { return FAILED };
    let (Ok(card), Ok(wlt)) = (std::fs::read(d.join("card.bin")), std::fs::read(d.join("photo.wlt"))) else {
        return FAILED;
    };
    let card = &card[..card.len().min(256)];
    let wlt = &wlt[..wlt.len().min(1024)];
    // SAFETY: the caller's buffers are at least this long (see above).
    unsafe {
        std::ptr::copy_nonoverlapping(card.as_ptr(), text, card.len());
        std::ptr::copy_nonoverlapping(wlt.as_ptr(), photo, wlt.len());
        *text_len = card.len() as c_uint;
        *photo_len = wlt.len() as c_uint;
    }
    let _ = std::fs::remove_file(d.join("present"));
    OK
}

/// # Safety
/// `wlt_path` is a NUL-terminated path, as the SDK requires.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn GetBmp(wlt_path: *const c_char, _interface: c_int) -> c_int {
    // SAFETY: see above.
    let path = PathBuf::from(unsafe { CStr::from_ptr(wlt_path) }.to_string_lossy().into_owned());
    let Some(d) = dir() else { return 0 };
    // A real decoder refuses anything but a 1024-byte WLT.
    if std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) != 1024 {
        return -1;
    }
    match std::fs::copy(d.join("zp.bmp"), path.with_extension("bmp")) {
        Ok(_) => 1,
        Err(_) => -2,
    }
}
