//! Readers whose desktop tool writes `wz.txt` (the 256-byte block) and `zp.bmp` or
//! `photo.bmp` into a folder on every read: each new `wz.txt` is a card placed. Nothing in
//! the folder is removed or changed (it is the tool's, not ours).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{CardReader, RawCard, ReaderError};

pub struct FolderReader {
    dir: PathBuf,
    /// The last `wz.txt` seen (time and content), so one read fills the form once.
    last: Option<(SystemTime, Vec<u8>)>,
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
        reader.last = reader.current();
        Ok(reader)
    }

    fn current(&self) -> Option<(SystemTime, Vec<u8>)> {
        let path = self.dir.join("wz.txt");
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
        let text = std::fs::read(&path).ok()?;
        Some((modified, text))
    }
}

impl CardReader for FolderReader {
    fn poll(&mut self) -> Result<Option<RawCard>, ReaderError> {
        let Some(now) = self.current() else { return Ok(None) };
        if self.last.as_ref() == Some(&now) {
            return Ok(None);
        }
        self.last = Some(now.clone());
        let portrait_bmp = ["zp.bmp", "photo.bmp"]
            .iter()
            .find_map(|n| std::fs::read(self.dir.join(n)).ok());
        Ok(Some(RawCard {
            text: now.1,
            portrait_bmp,
        }))
    }

    fn describe(&self) -> String {
        format!("文件夹 {}", self.dir.display())
    }
}
