//! What is wrong with the store, in terms of what the clerk can do about it. "本机数据库出错：
//! <SQLite's English>（请重启程序）" was said of a damaged file, a read-only folder and a full
//! disk alike, and restarting fixes none of them: each has its own words and its own way out.

use std::path::Path;

use rusqlite::ErrorCode;

use super::{BACKUP_DIR, StoreError};

/// The kinds of store failure a clerk can tell apart and act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// The file is not a database any more (garbage, truncated, overwritten).
    Damaged,
    /// The file or its folder may not be written: reading still works.
    ReadOnly,
    /// No room on the disk for what was to be written.
    DiskFull,
    /// Another program holds the file locked.
    Busy,
    /// The disk itself failed to read or write.
    Io,
}

impl Trouble {
    pub fn label(self) -> &'static str {
        match self {
            Trouble::Damaged => "损坏",
            Trouble::ReadOnly => "只读",
            Trouble::DiskFull => "磁盘已满",
            Trouble::Busy => "被占用",
            Trouble::Io => "读写出错",
        }
    }

    /// What to do, in the clerk's words.
    pub fn advice(self) -> &'static str {
        match self {
            Trouble::Damaged => {
                "重启程序解决不了：请从最近的备份恢复（打开窗口时会列出备份供选择；命令行：`cwr-station store restore 备份文件`）；损坏的文件会被改名保留，交给技术支持"
            }
            Trouble::ReadOnly => {
                "现在只能查看，不能保存：请让电脑管理员把数据目录和其中的文件改为可写（Windows：右键→属性→取消“只读”；Linux：chmod u+w），再重新打开程序"
            }
            Trouble::DiskFull => "已经保存的记录都还在：请删除不用的文件，至少腾出 1 GB 空间后再试（重启解决不了）",
            Trouble::Busy => "请关闭正在使用它的其他程序（如杀毒软件、备份软件、另一个工作站窗口），稍后再试",
            Trouble::Io => {
                "磁盘可能有问题：请尽快在“设置 → 数据备份”里备份到另一个磁盘或 U 盘，并请技术支持检查这台电脑的硬盘"
            }
        }
    }

    pub fn of_sqlite(e: &rusqlite::Error) -> Option<Trouble> {
        let rusqlite::Error::SqliteFailure(f, _) = e else {
            return None;
        };
        Some(match f.code {
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => Trouble::Damaged,
            ErrorCode::ReadOnly | ErrorCode::PermissionDenied | ErrorCode::CannotOpen => Trouble::ReadOnly,
            ErrorCode::DiskFull => Trouble::DiskFull,
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => Trouble::Busy,
            ErrorCode::SystemIoFailure if is_disk_full(e) => Trouble::DiskFull,
            ErrorCode::SystemIoFailure => Trouble::Io,
            _ => return None,
        })
    }
}

/// SQLite reports ENOSPC as SQLITE_FULL mostly, but a failed write of the WAL can arrive as an
/// I/O error whose text still names the cause.
fn is_disk_full(e: &rusqlite::Error) -> bool {
    let text = e.to_string().to_lowercase();
    text.contains("no space") || text.contains("disk is full") || text.contains("database or disk is full")
}

impl StoreError {
    /// Which kind of failure this is, when it is one the clerk can act on.
    pub fn trouble(&self) -> Option<Trouble> {
        match self {
            StoreError::Sqlite(e) => Trouble::of_sqlite(e),
            StoreError::Emptied { .. } | StoreError::Damaged(_) => Some(Trouble::Damaged),
            StoreError::Dir { detail, .. } if detail.contains("ermission") || detail.contains("拒绝") => {
                Some(Trouble::ReadOnly)
            }
            _ => None,
        }
    }

    /// [`trouble`](Self::trouble), told apart by a look at the disk: a full disk often
    /// surfaces as a plain I/O error (growing the shared-memory file, syncing the log).
    pub fn trouble_in(&self, data_dir: &Path) -> Option<Trouble> {
        match self.trouble() {
            Some(Trouble::Io) if disk_nearly_full(data_dir) => Some(Trouble::DiskFull),
            other => other,
        }
    }

    /// The whole message for the clerk: what is wrong, which file, what to do, and where the
    /// automatic backups are.
    pub fn explain(&self, data_dir: &Path) -> String {
        let Some(trouble) = self.trouble_in(data_dir) else {
            return self.to_string();
        };
        let headline = match self {
            StoreError::Sqlite(e) => headline(trouble, e),
            other => other.to_string(),
        };
        let file = data_dir.join(super::DB_FILE);
        let mut text = format!(
            "{headline}\n数据库文件：{}\n怎么办：{}",
            file.display(),
            trouble.advice()
        );
        if trouble == Trouble::Damaged {
            text.push_str(&format!("\n自动备份在：{}", data_dir.join(BACKUP_DIR).display()));
        }
        text
    }
}

/// Less than this free is a full disk for a store (a page of log and its index need more).
const NEARLY_FULL_BYTES: u64 = 4 * 1024 * 1024;

fn disk_nearly_full(data_dir: &Path) -> bool {
    host::paths::free_bytes(data_dir).is_some_and(|free| free < NEARLY_FULL_BYTES)
}

fn headline(trouble: Trouble, e: &rusqlite::Error) -> String {
    match trouble {
        Trouble::Damaged => format!("本机数据库文件已损坏（{e}）"),
        Trouble::ReadOnly => format!("本机数据库是只读的，写不进去（{e}）"),
        Trouble::DiskFull => format!("本机磁盘已满，数据库写不进去（{e}）"),
        Trouble::Busy => format!("本机数据库正被另一个程序占用（{e}）"),
        Trouble::Io => format!("读写本机数据库时磁盘出错（{e}）"),
    }
}

/// The message of a SQLite failure: its kind in Chinese first, SQLite's own words after.
pub(super) fn sqlite_words(e: &rusqlite::Error) -> String {
    match Trouble::of_sqlite(e) {
        Some(trouble) => headline(trouble, e),
        None => format!("本机数据库出错：{e}（反复出现请联系技术支持）"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn each_failure_has_its_kind_and_none_says_restart() {
        let dir = Path::new("/data");
        for (code, trouble, words) in [
            (rusqlite::ffi::SQLITE_CORRUPT, Trouble::Damaged, "从最近的备份恢复"),
            (rusqlite::ffi::SQLITE_NOTADB, Trouble::Damaged, "自动备份在"),
            (rusqlite::ffi::SQLITE_READONLY, Trouble::ReadOnly, "只能查看"),
            (rusqlite::ffi::SQLITE_FULL, Trouble::DiskFull, "腾出 1 GB"),
            (rusqlite::ffi::SQLITE_BUSY, Trouble::Busy, "其他程序"),
        ] {
            let e = StoreError::Sqlite(failure(code));
            assert_eq!(e.trouble(), Some(trouble), "{code}");
            let text = e.explain(dir);
            assert!(text.contains(words), "{text}");
            assert!(text.contains("station.sqlite"), "names the file: {text}");
            assert!(!text.contains("请重启程序"), "{text}");
        }
    }
}
