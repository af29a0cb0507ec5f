//! The settings file's bytes as text, whatever a text editor did to them, and the way out
//! when they cannot be used: the file renamed beside itself, never deleted.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::ConfigError;

/// A settings file is a few KB; anything over this is the wrong file (a log, a photo, a
/// disk image picked by mistake) and is not read into memory at all.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The file's bytes, `None` when there is no file. Only a regular file is opened: a FIFO or
/// device named config.json would block the open or never end.
pub(super) fn read_capped(path: &Path) -> Result<Option<Vec<u8>>, ConfigError> {
    let read_error = |detail: String| ConfigError::Read {
        path: path.to_owned(),
        detail,
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(read_error(io_detail(&e))),
    };
    if meta.is_dir() {
        return Err(read_error("这是一个文件夹，不是文件".into()));
    }
    if !meta.is_file() {
        return Err(read_error("这不是普通文件".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ConfigError::TooLarge {
            path: path.to_owned(),
            bytes: meta.len(),
        });
    }
    let file = std::fs::File::open(path).map_err(|e| read_error(io_detail(&e)))?;
    let mut bytes = Vec::new();
    // The file may have grown since it was measured.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| read_error(io_detail(&e)))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ConfigError::TooLarge {
            path: path.to_owned(),
            bytes: bytes.len() as u64,
        });
    }
    Ok(Some(bytes))
}

/// The clerk's words first; the system's (often English) after them, for whoever helps.
fn io_detail(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => {
            format!("没有权限读取，请用有权限的 Windows 帐号运行，或检查文件的权限（{e}）")
        }
        _ => format!("{e}（请检查磁盘和文件是否完好）"),
    }
}

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];
const UTF16_LE_BOM: &[u8] = &[0xFF, 0xFE];
const UTF16_BE_BOM: &[u8] = &[0xFE, 0xFF];

/// Why the bytes are not text the station can read.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum NotText {
    /// GBK (Notepad's "ANSI" on a Chinese Windows) or anything else that is not UTF-8.
    NotUtf8,
    /// UTF-16 that does not decode (cut short, a lone surrogate).
    BrokenUtf16,
}

/// Notepad saves UTF-8 with a byte-order mark, or UTF-16 ("Unicode") with one; both say
/// unambiguously what they are. Without a mark only UTF-8 is taken: GBK cannot be told from
/// other legacy encodings with certainty, and a wrong guess would save garbled names.
pub(super) fn decode(bytes: &[u8]) -> Result<String, NotText> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return utf8(rest);
    }
    if let Some(rest) = bytes.strip_prefix(UTF16_LE_BOM) {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(UTF16_BE_BOM) {
        return utf16(rest, u16::from_be_bytes);
    }
    utf8(bytes)
}

fn utf8(bytes: &[u8]) -> Result<String, NotText> {
    // NUL is valid UTF-8 but never in a settings file: it is UTF-16 without its mark.
    if bytes.contains(&0) {
        return Err(NotText::NotUtf8);
    }
    String::from_utf8(bytes.to_vec()).map_err(|_| NotText::NotUtf8)
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, NotText> {
    let pairs = bytes.chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return Err(NotText::BrokenUtf16);
    }
    let units: Vec<u16> = pairs.map(|p| unit([p[0], p[1]])).collect();
    String::from_utf16(&units).map_err(|_| NotText::BrokenUtf16)
}

/// Renames the settings file to `config.json.bad-YYYYMMDD-HHMMSS` beside it, so the station
/// can start afresh while what was in it stays for whoever wants to look. Never overwrites
/// an earlier one. `Ok(None)` when the file is already gone.
pub fn move_aside(path: &Path, now: chrono::NaiveDateTime) -> Result<Option<PathBuf>, MoveAsideError> {
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(None);
    }
    let name = path
        .file_name()
        .map_or_else(|| "config.json".into(), |n| n.to_string_lossy().into_owned());
    let stamp = now.format("%Y%m%d-%H%M%S");
    const MAX_TRIES: u32 = 100;
    for n in 0..MAX_TRIES {
        let suffix = if n == 0 { String::new() } else { format!("-{n}") };
        let target = path.with_file_name(format!("{name}.bad-{stamp}{suffix}"));
        if std::fs::symlink_metadata(&target).is_ok() {
            continue;
        }
        return match std::fs::rename(path, &target) {
            Ok(()) => Ok(Some(target)),
            Err(e) => Err(MoveAsideError::Rename {
                from: path.to_path_buf(),
                to: target,
                detail: e.to_string(),
            }),
        };
    }
    Err(MoveAsideError::TooMany(path.to_path_buf()))
}

/// Why a settings file could not be moved aside.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveAsideError {
    #[error(
        "没能把 {} 改名为 {}：{detail}。请关闭打开着这个文件的程序，或手动把它改名后重新启动",
        .from.display(),
        .to.display()
    )]
    Rename { from: PathBuf, to: PathBuf, detail: String },
    #[error("{} 旁边已经有太多改过名的旧配置文件：请清理后重新启动", .0.display())]
    TooMany(PathBuf),
}

/// Where and what, for someone opening the file in Notepad: the line, the column, the setting
/// whose value is wrong when it can be told, and serde's own words for the integrator.
pub(super) fn parse_problem(text: &str, e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Eof => "不完整（在文件末尾前就断了）",
        Category::Syntax | Category::Io => "不是有效的 JSON",
        Category::Data => "有一个设置的值类型不对（例如数字写成了文字，或写了负数、小数）",
    };
    let key = match e.classify() {
        Category::Data => key_before(text, e.line(), e.column()).map(|k| format!("，设置 {k}")),
        _ => None,
    }
    .unwrap_or_default();
    format!("第 {} 行第 {} 列{key}{what}（{e}）", e.line(), e.column())
}

/// The last `"key":` before `line`/`column` (both 1-based, as serde_json counts): the
/// setting whose value serde refused. A guess good for files as the station writes them.
fn key_before(text: &str, line: usize, column: usize) -> Option<String> {
    let mut prefix = String::new();
    for (n, l) in text.lines().enumerate().take(line) {
        if n + 1 == line {
            // serde_json counts the column in bytes.
            prefix.extend(l.char_indices().take_while(|(i, _)| *i < column).map(|(_, c)| c));
        } else {
            prefix.push_str(l);
            prefix.push('\n');
        }
    }
    let colon = prefix.rfind("\":")?;
    let open = prefix[..colon].rfind('"')?;
    let key = &prefix[open + 1..colon];
    Some(key.to_string()).filter(|k| !k.is_empty() && k.len() <= 64)
}
