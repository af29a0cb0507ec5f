//! Readers whose desktop tool writes `wz.txt` (the 256-byte block) and `zp.bmp` or
//! `photo.bmp` into a folder on every read: each new `wz.txt` is a card placed. Nothing in
//! the folder is removed or changed (it is the tool's, not ours).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{CardReader, MAX_TEXT_BYTES, RawCard, ReaderError};
use host::input_file::{InputFileError, read_regular_file, size_text};

/// The chip's portrait is 102×126 pixels, 38 KB as a 24-bit BMP; a tool that enlarges it
/// stays well under this.
pub(super) const PORTRAIT_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// Where a tool writes the portrait, by vendor.
const PORTRAIT_NAMES: [&str; 2] = ["zp.bmp", "photo.bmp"];

/// A `wz.txt` as seen: when it was written (where the system says) and what it holds.
type Seen = (Option<SystemTime>, Vec<u8>);

pub struct FolderReader {
    dir: PathBuf,
    /// The last `wz.txt` seen, so one read fills the form once.
    last: Option<Seen>,
}

impl FolderReader {
    /// Watches `dir`. What is already there when the station starts is not a new read.
    pub fn new(dir: &Path) -> Result<FolderReader, ReaderError> {
        if !dir.is_dir() {
            return Err(ReaderError::NoReader(format!(
                "读卡文件夹 {} 不存在：请在“设置”里填写读卡软件保存 wz.txt 的文件夹",
                dir.display()
            )));
        }
        let mut reader = FolderReader {
            dir: dir.to_path_buf(),
            last: None,
        };
        // A wz.txt that cannot be read is said at the first look, not here.
        reader.last = reader.current().ok().flatten();
        Ok(reader)
    }

    fn current(&self) -> Result<Option<Seen>, ReaderError> {
        let modified = std::fs::metadata(self.dir.join("wz.txt"))
            .and_then(|m| m.modified())
            .ok();
        Ok(read_tool_file(&self.dir, "wz.txt", MAX_TEXT_BYTES as u64)?.map(|text| (modified, text)))
    }
}

impl CardReader for FolderReader {
    fn poll(&mut self) -> Result<Option<RawCard>, ReaderError> {
        let Some(now) = self.current()? else { return Ok(None) };
        if self.last.as_ref() == Some(&now) {
            return Ok(None);
        }
        self.last = Some(now.clone());
        Ok(Some(RawCard {
            text: now.1,
            portrait_bmp: read_portrait(&self.dir, &PORTRAIT_NAMES)?,
        }))
    }

    fn describe(&self) -> String {
        format!("文件夹 {}", self.dir.display())
    }
}

/// What a reader's tool last wrote into `dir`: `Ok(None)` when there is no `wz.txt`; an
/// error when a file there is not what such a tool writes (a FIFO, a device, far too big).
pub fn read_folder(dir: &Path) -> Result<Option<RawCard>, ReaderError> {
    read_card_files(dir, &PORTRAIT_NAMES)
}

/// The same with the portrait looked for under `portrait_names` (`termb` writes `zp.bmp`
/// only, and into folders other tools use too).
pub(super) fn read_card_files(dir: &Path, portrait_names: &[&'static str]) -> Result<Option<RawCard>, ReaderError> {
    let Some(text) = read_tool_file(dir, "wz.txt", MAX_TEXT_BYTES as u64)? else {
        return Ok(None);
    };
    Ok(Some(RawCard {
        text,
        portrait_bmp: read_portrait(dir, portrait_names)?,
    }))
}

fn read_portrait(dir: &Path, names: &[&'static str]) -> Result<Option<Vec<u8>>, ReaderError> {
    for &name in names {
        if let Some(bmp) = read_tool_file(dir, name, PORTRAIT_MAX_BYTES)? {
            return Ok(Some(bmp));
        }
    }
    Ok(None)
}

/// One file the tool writes, `None` when it is not there.
fn read_tool_file(dir: &Path, name: &'static str, max_bytes: u64) -> Result<Option<Vec<u8>>, ReaderError> {
    let problem = match read_regular_file(&dir.join(name), max_bytes, name) {
        Ok(bytes) => return Ok(Some(bytes)),
        Err(InputFileError::NotFound { .. }) => return Ok(None),
        Err(e) => e,
    };
    let content = if name == "wz.txt" {
        "身份证文字信息"
    } else {
        "身份证芯片照片"
    };
    let check = "请检查“设置”里的读卡文件夹是否选对，再用读卡软件重新读卡";
    Err(ReaderError::Failed(match problem {
        InputFileError::NotRegular { path, kind, .. } => format!(
            "读卡文件夹里的 {name}（{}）不是普通文件（是{kind}），读卡软件不会写出这样的文件：{check}",
            path.display()
        ),
        InputFileError::TooLarge { path, bytes, .. } => format!(
            "读卡文件夹里的 {name}（{}）有 {}，不是读卡软件写出的{content}（最多 {}）：{check}",
            path.display(),
            size_text(bytes),
            size_text(max_bytes)
        ),
        other => other.to_string(),
    }))
}

#[cfg(test)]
mod tests;
