//! Files the station reads because someone named them: a photo the clerk picks or a command
//! names, the `wz.txt` and `zp.bmp` a card reader's tool writes. Only a regular file is read,
//! it is opened without waiting, and its size is known before a byte is read: a FIFO there
//! would block `open` until someone writes into it, a device would be read for ever, and a
//! multi-GB file would be read whole before anything could say it is too big.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Why a named file was not read. The message names the file and says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputFileError {
    #[error("{what} {} 不存在：请确认文件还在、U 盘没有拔出，然后重新选择", path.display())]
    NotFound {
        what: &'static str,
        path: PathBuf,
        detail: String,
    },
    #[error("{what} {} 不是普通文件（是{kind}），读不了：请选择{what}文件本身", path.display())]
    NotRegular {
        what: &'static str,
        path: PathBuf,
        /// 管道, 设备, 文件夹 … in the clerk's words.
        kind: &'static str,
    },
    #[error(
        "{what} {} 有 {}，超过上限 {}：请确认选对了文件",
        path.display(),
        size_text(*bytes),
        size_text(*max_bytes)
    )]
    TooLarge {
        what: &'static str,
        path: PathBuf,
        bytes: u64,
        max_bytes: u64,
    },
    #[error("{what} {} 读不了（{detail}）：请确认有读取权限、U 盘没有拔出，然后重试", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        detail: String,
    },
}

/// `bytes` the way the messages say sizes: bytes for small files, MB or GB for large ones.
pub fn size_text(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    const GB: u64 = 1024 * MB;
    if bytes >= GB {
        format!("{:.1} GB", bytes as f64 / GB as f64)
    } else if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else {
        format!("{bytes} 字节")
    }
}

/// Reads `path` whole when it is a regular file of at most `max_bytes`. `what` names it in
/// the messages (照片, 现场照片, wz.txt …).
pub fn read_regular_file(path: &Path, max_bytes: u64, what: &'static str) -> Result<Vec<u8>, InputFileError> {
    let failed = |e: io::Error| io_error(e, what, path);
    // Looked at before opening, because opening a device can itself act (a serial line hangs
    // up, a tape rewinds).
    let named = std::fs::metadata(path).map_err(failed)?;
    refuse_unless_regular(&named, what, path)?;
    let file = open_without_waiting(path).map_err(failed)?;
    // The handle decides, not the name: the name may point at something else by now.
    let opened = file.metadata().map_err(failed)?;
    refuse_unless_regular(&opened, what, path)?;
    let too_large = |bytes: u64| InputFileError::TooLarge {
        what,
        path: path.to_path_buf(),
        bytes,
        max_bytes,
    };
    if opened.len() > max_bytes {
        return Err(too_large(opened.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len()).unwrap_or(0));
    // One byte past the limit tells a file that grew since the look from one that fits.
    (&file)
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    if bytes.len() as u64 > max_bytes {
        let now = file.metadata().map_or(bytes.len() as u64, |m| m.len());
        return Err(too_large(now));
    }
    Ok(bytes)
}

fn io_error(e: io::Error, what: &'static str, path: &Path) -> InputFileError {
    let path = path.to_path_buf();
    let detail = e.to_string();
    if e.kind() == io::ErrorKind::NotFound {
        InputFileError::NotFound { what, path, detail }
    } else {
        InputFileError::Io { what, path, detail }
    }
}

fn refuse_unless_regular(meta: &Metadata, what: &'static str, path: &Path) -> Result<(), InputFileError> {
    match special_kind(meta) {
        None => Ok(()),
        Some(kind) => Err(InputFileError::NotRegular {
            what,
            path: path.to_path_buf(),
            kind,
        }),
    }
}

/// `None` for a regular file; otherwise what it is, in the clerk's words.
fn special_kind(meta: &Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("文件夹");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("管道");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("设备");
        }
        if t.is_socket() {
            return Some("套接字");
        }
    }
    Some("特殊文件")
}

fn open_without_waiting(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: a FIFO swapped in after the look opens at once instead of waiting for a
        // writer (it is then refused by its handle); on a regular file the flag changes
        // nothing. O_NOCTTY: a terminal named by mistake never becomes this process's.
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options.open(path)
}

#[cfg(test)]
mod tests;
