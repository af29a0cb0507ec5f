//! Files the user names for the station to write (reports, templates, exports, backups).
//!
//! A name typed on a command line can be anything, the live store included: an earlier
//! `acceptance report station.sqlite` replaced fifteen workers with a text file. So every such
//! write goes through [`write_output`]: the station's own files are refused whatever the user
//! says, an existing file is replaced only when the user said so (`--force`, or the window's
//! save dialog, which asks before replacing), and the content is written to a private temp file
//! beside the target and renamed over it at the end, so a failure half-way leaves the old file
//! as it was and no half-written one behind.

use std::fs::File;
use std::path::{Path, PathBuf};

/// Whether an existing file at the destination may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    Keep,
    Replace,
}

impl Existing {
    pub fn replace_if(force: bool) -> Existing {
        if force { Existing::Replace } else { Existing::Keep }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OutputFileError {
    #[error("{} 已经存在，没有覆盖它：请换一个文件名；确实要替换时加 --force", .0.display())]
    Exists(PathBuf),
    #[error("{} 是工作站自己的{what}，不能写到它上面（无论是否加 --force）：请换一个文件名或位置", .path.display())]
    StationFile { path: PathBuf, what: &'static str },
    #[error("{} 不是普通文件（是文件夹、管道或设备），不能写到它上面：请换一个文件名", .0.display())]
    NotAFile(PathBuf),
    #[error("{} 没有写成：{detail}（原来的文件没有改动）", .path.display())]
    Write { path: PathBuf, detail: String },
}

/// The files in a data dir that belong to the running station: never a destination.
#[derive(Debug, Clone, Default)]
pub struct StationFiles {
    /// (path as given, what it is in the clerk's words).
    files: Vec<(PathBuf, &'static str)>,
    /// Folders whose temp files (`*.partial`) are backups or writes in progress.
    dirs: Vec<PathBuf>,
}

/// What a write in progress is called until it is complete: never a destination either.
const PARTIAL: &str = "partial";

impl StationFiles {
    pub fn of(data_dir: &Path, config_path: &Path) -> StationFiles {
        let db = crate::paths::DB_FILE;
        let mut files = vec![
            (data_dir.join(db), "数据库（所有人员和上传队列）"),
            (data_dir.join(format!("{db}-wal")), "数据库日志文件"),
            (data_dir.join(format!("{db}-shm")), "数据库日志文件"),
            (data_dir.join(format!("{db}-journal")), "数据库日志文件"),
            (data_dir.join("config.json"), "设置文件"),
            (data_dir.join("sender.lock"), "上传锁文件"),
            (data_dir.join(crate::paths::WINDOW_STATE_FILE), "窗口状态文件"),
            (config_path.to_path_buf(), "设置文件"),
        ];
        files.push((crate::secret::secret_path(data_dir), "密钥文件"));
        StationFiles {
            files,
            dirs: vec![data_dir.to_path_buf(), data_dir.join(crate::paths::BACKUP_DIR)],
        }
    }

    /// What `dest` is to the station, if it is one of its files.
    fn owner_of(&self, dest: &Path) -> Option<&'static str> {
        let dest_key = identity(dest);
        for (file, what) in &self.files {
            if identity(file) == dest_key {
                return Some(what);
            }
        }
        let name = dest.file_name()?.to_string_lossy();
        let in_progress = dest.extension().is_some_and(|e| e == PARTIAL) || name.contains(".partial-");
        let parent = dest.parent().map(identity);
        if in_progress && self.dirs.iter().any(|d| Some(identity(d)) == parent) {
            return Some("正在写入的备份");
        }
        None
    }
}

/// A path as the file system sees it: symlinks, `..` and relative parts resolved, so
/// `./x/../station.sqlite` and a link to the store are recognised. A file that does not exist
/// yet is its resolved folder plus its name.
fn identity(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let name = path.file_name().map(PathBuf::from).unwrap_or_default();
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::canonicalize(&parent).unwrap_or(parent).join(name)
}

/// Writes `dest` through `write`, which is handed a private temp file's path beside `dest`
/// and fills it. See the module's comment for the rules.
pub fn write_output<T, E: std::fmt::Display>(
    dest: &Path,
    existing: Existing,
    station: &StationFiles,
    write: impl FnOnce(&Path) -> Result<T, E>,
) -> Result<T, OutputFileError> {
    if let Some(what) = station.owner_of(dest) {
        return Err(OutputFileError::StationFile {
            path: dest.to_path_buf(),
            what,
        });
    }
    match std::fs::symlink_metadata(dest) {
        Ok(meta) if meta.is_dir() || !(meta.is_file() || meta.file_type().is_symlink()) => {
            return Err(OutputFileError::NotAFile(dest.to_path_buf()));
        }
        Ok(_) if existing == Existing::Keep => return Err(OutputFileError::Exists(dest.to_path_buf())),
        _ => {}
    }
    let failed = |detail: String| OutputFileError::Write {
        path: dest.to_path_buf(),
        detail,
    };
    let tmp = temp_path(dest);
    let created = create_private(&tmp).map_err(|e| failed(e.to_string()))?;
    drop(created);
    let result = write(&tmp).map_err(|e| e.to_string()).and_then(|value| {
        // The content is on the disk before the name points at it. Opened for writing: on
        // Windows sync_all is FlushFileBuffers, which refuses a read-only handle with "Access
        // denied" (os error 5), and every backup and export failed there.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| e.to_string())?;
        publish(&tmp, dest, existing)?;
        Ok(value)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|detail| {
        if detail == EXISTS_MEANWHILE {
            OutputFileError::Exists(dest.to_path_buf())
        } else {
            failed(detail)
        }
    })
}

const EXISTS_MEANWHILE: &str = "exists";

fn temp_path(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.{PARTIAL}-{}", std::process::id()))
}

/// Readable by this user only: what the station writes holds ID numbers and photos.
pub fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Gives the finished temp file its name. Without permission to replace, a file that appeared
/// at `dest` meanwhile is kept: a hard link fails rather than replace (where the file system
/// has links; elsewhere the check made before writing stands).
fn publish(tmp: &Path, dest: &Path, existing: Existing) -> Result<(), String> {
    if existing == Existing::Keep {
        match std::fs::hard_link(tmp, dest) {
            Ok(()) => {
                let _ = std::fs::remove_file(tmp);
                return Ok(());
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(EXISTS_MEANWHILE.into()),
            Err(_) if dest.exists() => return Err(EXISTS_MEANWHILE.into()),
            Err(_) => {}
        }
    }
    std::fs::rename(tmp, dest).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn station(dir: &Path) -> StationFiles {
        StationFiles::of(dir, &dir.join("config.json"))
    }

    fn write_text(dest: &Path, existing: Existing, files: &StationFiles, text: &str) -> Result<(), OutputFileError> {
        write_output(dest, existing, files, |tmp| {
            std::fs::write(tmp, text).map_err(|e| e.to_string())
        })
    }

    #[test]
    fn an_existing_file_is_kept_unless_replacing_was_asked_for() {
        let dir = tempfile::tempdir().expect("tmp");
        let files = station(&dir.path().join("data"));
        let dest = dir.path().join("名单.xlsx");
        std::fs::write(&dest, "filled in by the subcontractor").expect("write");
        let e = write_text(&dest, Existing::Keep, &files, "template").expect_err("kept");
        assert!(matches!(e, OutputFileError::Exists(_)), "{e}");
        assert!(e.to_string().contains("--force"), "{e}");
        assert_eq!(
            std::fs::read_to_string(&dest).expect("read"),
            "filled in by the subcontractor"
        );
        write_text(&dest, Existing::Replace, &files, "template").expect("replaced");
        assert_eq!(std::fs::read_to_string(&dest).expect("read"), "template");
        let new = dir.path().join("new.txt");
        write_text(&new, Existing::Keep, &files, "x").expect("a new file");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(PARTIAL))
            .collect();
        assert!(left.is_empty(), "no temp file left behind: {left:?}");
    }

    #[test]
    fn the_station_files_are_refused_even_when_forced_however_they_are_named() {
        let dir = tempfile::tempdir().expect("tmp");
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join("sub")).expect("mkdir");
        std::fs::write(data.join("station.sqlite"), "the store").expect("write");
        std::fs::write(data.join("config.json"), "{}").expect("write");
        let files = station(&data);
        let roundabout = data.join("sub").join("..").join("station.sqlite");
        for dest in [
            data.join("station.sqlite"),
            data.join("station.sqlite-wal"),
            data.join("config.json"),
            roundabout,
            data.join("backups").join("station-20261204.sqlite.partial"),
        ] {
            let e = write_text(&dest, Existing::Replace, &files, "report").expect_err("refused");
            assert!(
                matches!(e, OutputFileError::StationFile { .. }),
                "{}: {e}",
                dest.display()
            );
        }
        #[cfg(unix)]
        {
            let link = dir.path().join("report.txt");
            std::os::unix::fs::symlink(data.join("station.sqlite"), &link).expect("symlink");
            let e = write_text(&link, Existing::Replace, &files, "report").expect_err("refused");
            assert!(matches!(e, OutputFileError::StationFile { .. }), "{e}");
        }
        assert_eq!(
            std::fs::read_to_string(data.join("station.sqlite")).expect("read"),
            "the store"
        );
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temp_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let files = station(&dir.path().join("data"));
        let dest = dir.path().join("report.xlsx");
        std::fs::write(&dest, "old").expect("write");
        let e = write_output(&dest, Existing::Replace, &files, |tmp| {
            std::fs::write(tmp, "half").map_err(|e| e.to_string())?;
            Err::<(), _>("disk full".to_string())
        })
        .expect_err("failed");
        assert!(
            e.to_string().contains("disk full") && e.to_string().contains("原来的文件没有改动"),
            "{e}"
        );
        assert_eq!(std::fs::read_to_string(&dest).expect("read"), "old");
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn what_is_written_is_private_and_a_folder_is_no_destination() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tmp");
        let files = station(&dir.path().join("data"));
        let dest = dir.path().join("backup.sqlite");
        write_text(&dest, Existing::Keep, &files, "ids").expect("written");
        let mode = std::fs::metadata(&dest).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let e = write_text(dir.path(), Existing::Replace, &files, "x").expect_err("a folder");
        assert!(matches!(e, OutputFileError::NotAFile(_)), "{e}");
    }
}
