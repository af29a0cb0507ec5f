//! When the store itself is the problem: a file emptied or damaged, a folder made read-only.
//! The station keeps a few automatic copies of itself, can be put back from any copy (the
//! damaged file is kept aside, never deleted), and a store that may not be written can still
//! be read.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};

use super::{BACKUP_DIR, DB_FILE, Result, Store, StoreError};
use host::output_file::{Existing, StationFiles, write_output};

/// How many automatic copies are kept (the newest ones, one a day).
pub const AUTO_BACKUPS_KEPT: usize = 3;
pub(crate) const AUTO_PREFIX: &str = "station-auto-";

/// One copy the store can be put back from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupFile {
    pub path: PathBuf,
    pub modified: Option<DateTime<Utc>>,
    pub bytes: u64,
}

/// Files a used data dir has beside its store; a fresh one has none of them.
const SIGNS_OF_USE: [&str; 6] = [
    "config.json",
    "api_secret",
    "api_secret.in_keyring",
    "logs",
    "card",
    BACKUP_DIR,
];

/// A zero-length store in a data dir that has been used is not a new station: the store was
/// emptied (a bad copy, a disk that lost it) and opening it would silently start from nothing.
pub(super) fn check_not_emptied(data_dir: &Path) -> Result<()> {
    let path = data_dir.join(DB_FILE);
    let empty = std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() == 0);
    let used = SIGNS_OF_USE.iter().any(|n| data_dir.join(n).exists());
    if empty && used {
        return Err(StoreError::Emptied { path });
    }
    Ok(())
}

impl Store {
    /// Opens the store for reading only, for a folder or file that may not be written: the
    /// clerk can still look at the roster and the queue (`store stats`, `outbox list`).
    pub fn open_read_only(data_dir: &Path) -> Result<Store> {
        let path = data_dir.join(DB_FILE);
        if !path.is_file() {
            return Err(StoreError::NotFound(format!("{} 不存在", path.display())));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match Connection::open_with_flags(&path, flags).and_then(check_readable) {
            Ok(c) => c,
            // A WAL store needs its shared-memory file, which a read-only folder cannot hold:
            // nobody can write here anyway, so the file is read as it stands.
            Err(_) => {
                let uri = format!("file:{}?immutable=1", uri_path(&path));
                Connection::open_with_flags(&uri, flags).and_then(check_readable)?
            }
        };
        conn.busy_timeout(Duration::from_secs(10))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let supported = super::schema::MIGRATIONS.len() as i64;
        if version != supported {
            return Err(StoreError::NotFound(format!(
                "只读的数据库是另一个版本的程序建立的（版本 {version}，本程序是 {supported}）：只读时无法升级，请先把数据目录改为可写"
            )));
        }
        Ok(Store { conn, path })
    }
}

/// The copies in the data dir's backup folder, newest first.
pub fn list_backups(data_dir: &Path) -> Vec<BackupFile> {
    let Ok(entries) = std::fs::read_dir(data_dir.join(BACKUP_DIR)) else {
        return Vec::new();
    };
    let mut found: Vec<BackupFile> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "sqlite"))
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            meta.is_file().then(|| BackupFile {
                path: e.path(),
                modified: meta.modified().ok().map(DateTime::<Utc>::from),
                bytes: meta.len(),
            })
        })
        .collect();
    found.sort_by(|a, b| b.modified.cmp(&a.modified).then_with(|| b.path.cmp(&a.path)));
    found
}

/// Puts the store back from `backup`: the copy is checked first (it opens, passes SQLite's
/// check, and is of a version this program reads); the current store file and its logs are
/// renamed aside, never deleted; then the copy takes its place. Returns where the old file
/// went. Only while nothing has the store open (the window offers it when it could not open).
pub fn restore_from(data_dir: &Path, backup: &Path) -> Result<Option<PathBuf>> {
    check_backup(backup)?;
    let db = data_dir.join(DB_FILE);
    let stamp = Utc::now().format("%Y%m%d-%H%M%S");
    let aside = data_dir.join(format!("{DB_FILE}.damaged-{stamp}"));
    let moved = if db.exists() {
        std::fs::rename(&db, &aside).map_err(|e| StoreError::Dir {
            path: db.clone(),
            detail: e.to_string(),
        })?;
        for log in ["-wal", "-shm", "-journal"] {
            let from = data_dir.join(format!("{DB_FILE}{log}"));
            if from.exists() {
                let _ = std::fs::rename(&from, data_dir.join(format!("{DB_FILE}.damaged-{stamp}{log}")));
            }
        }
        Some(aside)
    } else {
        None
    };
    // Not the station's file yet: a plain private copy, renamed into place when whole.
    let copied = write_output(&db, Existing::Keep, &StationFiles::default(), |tmp| {
        std::fs::copy(backup, tmp).map(|_| ()).map_err(|e| e.to_string())
    });
    if let Err(e) = copied {
        // Put the old file back, so nothing is worse than before.
        if let Some(aside) = &moved {
            let _ = std::fs::rename(aside, &db);
        }
        return Err(e.into());
    }
    Ok(moved)
}

/// A backup must be a whole store of a version this program can open.
fn check_backup(backup: &Path) -> Result<()> {
    let conn = Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let ok: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(StoreError::Corrupt(format!(
            "备份文件 {} 也已损坏（{ok}）：请换一份备份",
            backup.display()
        )));
    }
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let supported = super::schema::MIGRATIONS.len() as i64;
    if version == 0 || version > supported {
        return Err(StoreError::Corrupt(format!(
            "{} 不是本程序能用的工作站备份（版本 {version}）：请换一份备份",
            backup.display()
        )));
    }
    Ok(())
}

/// A store file shorter than its own header says was cut off (a copy that did not finish, a
/// disk that lost its end): SQLite would open it and fail later, at the first lost page.
/// Checked only when no write-ahead log is pending, since a checkpoint cut off half-way is
/// legitimately short until the log is replayed.
pub(super) fn check_not_truncated(path: &Path) -> Result<()> {
    use std::io::Read;
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Ok(());
    }
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let mut header = [0u8; 100];
    if file.read_exact(&mut header).is_err() || !header.starts_with(b"SQLite format 3\0") {
        return Ok(());
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536u64,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes([header[28], header[29], header[30], header[31]]));
    // The page count is valid only when written by the same change as the counter beside it.
    let valid = header[24..28] == header[92..96];
    let len = file.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
    if valid && pages > 0 && len < pages.saturating_mul(page_size) {
        return Err(StoreError::Damaged(format!(
            "本机数据库文件 {} 不完整（应有 {} 字节，只有 {len} 字节）",
            path.display(),
            pages.saturating_mul(page_size)
        )));
    }
    Ok(())
}

/// The first read is where a damaged file shows: checked at open, not at the clerk's first look.
fn check_readable(conn: Connection) -> rusqlite::Result<Connection> {
    conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
    Ok(conn)
}

fn uri_path(path: &Path) -> String {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let text = abs.to_string_lossy().replace('\\', "/");
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            '%' => out.push_str("%25"),
            _ => out.push(c),
        }
    }
    if out.starts_with('/') { out } else { format!("/{out}") }
}
