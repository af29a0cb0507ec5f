//! The station's one SQLite file: settings, cached dictionaries, companies, workers and their
//! photos, departures, attendance logs, the outbox and an audit trail. Every platform write
//! enters the outbox in the same transaction as the record it belongs to.

mod attendance;
mod blacklist;
#[cfg(all(test, unix))]
mod both_backends;
mod bulk;
mod companies;
mod dictionaries;
mod drafts;
mod faces;
mod item_id;
mod location;
mod maintenance;
pub mod outbox;
pub mod pg;
mod recovery;
mod schema;
pub mod seams;
mod settings;
mod trouble;
mod workers;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

pub use attendance::PassRow;
pub use blacklist::BlacklistEntry;
pub use bulk::BulkWorker;
pub use companies::CompanyRecord;
pub use drafts::{DAMAGED_DRAFT, DraftSource};
pub use faces::{DescriptorSource, FaceRow};
pub use item_id::ItemId;
pub use location::{Reader, StoreLocation, open_backend};
pub use maintenance::{Pruned, StoreStats};
pub use outbox::{ItemKind, LastRefusal, OutboxCounts, OutboxItem, ParkReason, Parking};
pub use recovery::{AUTO_BACKUPS_KEPT, BackupFile, list_backups, restore_from};
pub use seams::prelude;
pub use seams::prelude::*;
pub use trouble::Trouble;
pub use workers::{Thumbnail, WorkerPhotos, WorkerRecord, WorkerRow};

// The names live with the station's other files, which `host::output_file` refuses to overwrite.
pub use host::paths::{BACKUP_DIR, DB_FILE};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}", trouble::sqlite_words(.0))]
    Sqlite(#[from] rusqlite::Error),
    /// The site database (PostgreSQL) failed: out of reach, or it refused (its words: `pg::words`).
    #[error("{}", pg::words(.0))]
    Postgres(#[from] postgres::Error),
    /// Another station saved this worker first (two clerks, one ID number, on a site database):
    /// nothing was overwritten, and the clerk keeps the form.
    #[error(
        "身份证号 {masked_id} 的人员刚刚已由“{by}”在 {at} 登记：没有覆盖那条记录，你填写的内容还在。请在“花名册”里打开那条记录核对，需要修改时在那里改"
    )]
    TakenBy { masked_id: String, by: String, at: String },
    #[error("本机数据库文件 {} 是空的（0 字节），而这个数据目录用过（有设置、照片或日志）：原来的人员和上传队列不在里面。如果确实要从空白开始，删除这个空文件后再打开程序", .path.display())]
    Emptied { path: PathBuf },
    #[error("本机数据库是更新版本的程序建立的（版本 {found}，本程序支持到 {supported}）：请安装新版程序")]
    TooNew { found: i64, supported: i64 },
    #[error("打不开数据目录 {path}：{detail}")]
    Dir { path: PathBuf, detail: String },
    #[error("数据损坏：{0}")]
    Corrupt(String),
    /// The store file as a whole is damaged (cut off): see [`Trouble::Damaged`].
    #[error("{0}")]
    Damaged(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Output(#[from] host::output_file::OutputFileError),
    /// A backup copy failed SQLite's own check (the answer of `quick_check`).
    #[error("备份校验没有通过（{0}）：请重试")]
    BackupCheck(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl StoreError {
    /// The site database could not be reached (its server or the network), as opposed to a
    /// refusal or this PC's disk: what was typed waits, and saving resumes when it answers.
    pub fn is_site_unreachable(&self) -> bool {
        matches!(self, StoreError::Postgres(e) if pg::is_unreachable(e))
    }
}

/// UTC, RFC 3339 with milliseconds: sorts as text.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) `station.sqlite` in `data_dir`, made private to this user.
    pub fn open_in(data_dir: &Path) -> Result<Store> {
        host::paths::ensure_private_dir(data_dir).map_err(|e| StoreError::Dir {
            path: data_dir.to_owned(),
            detail: e.to_string(),
        })?;
        recovery::check_not_emptied(data_dir)?;
        Store::open(&data_dir.join(DB_FILE))
    }

    pub fn open(path: &Path) -> Result<Store> {
        recovery::check_not_truncated(path)?;
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        // Only a new, empty file can take this without a full rewrite: space freed by the
        // photo prune is then given back a little at a time (see `vacuum_a_little`).
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version == 0 {
            conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        }
        // WAL lets the window read while the sender writes; FULL syncs every commit, so
        // what the clerk saved survives the PC being switched off at the wall.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store {
            conn,
            path: path.to_owned(),
        };
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn migrate(&mut self) -> Result<()> {
        let version: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let supported = schema::MIGRATIONS.len() as i64;
        if version > supported {
            return Err(StoreError::TooNew {
                found: version,
                supported,
            });
        }
        for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    }
}

pub(crate) fn audit_in(conn: &Connection, action: &str, record: &str, detail: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO audit (at, action, record, detail) VALUES (?1, ?2, ?3, ?4)",
        params![timestamp(Utc::now()), action, record, detail],
    )?;
    Ok(())
}

/// Per environment: the test platform and the production one need not run the same release.
pub(crate) fn version_key(environment: &str, endpoint: protocol::Endpoint) -> String {
    format!("api_version.{environment}.{}", endpoint.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_migrates_and_reopens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_in(dir.path()).expect("open");
        assert_eq!(
            store.schema_version().expect("version"),
            schema::MIGRATIONS.len() as i64
        );
        store.set_setting("k", Some("v")).expect("set");
        drop(store);
        let store = Store::open_in(dir.path()).expect("reopen");
        assert_eq!(store.setting("k").expect("get").as_deref(), Some("v"));
        let mode: String = store
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .expect("mode");
        assert_eq!(mode.to_lowercase(), "wal");
    }

    #[test]
    fn recent_items_keep_everything_open_and_cap_history() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open_in(dir.path()).expect("open");
        let mut ids = Vec::new();
        let suids: Vec<String> = (1..=4)
            .map(|i| {
                let body = format!("9144030010000000{i}");
                format!("{body}{}", domain::uscc_check_char(&body).expect("digits"))
            })
            .collect();
        for suid in &suids {
            let c = domain::Company {
                suid: suid.clone(),
                company_name: format!("单位{suid}"),
                legal_person: "甲".into(),
                ..Default::default()
            }
            .into_validated(&domain::CompanyRules::default())
            .expect("valid");
            ids.push(store.save_company(&c).expect("save"));
        }
        for (id, suid) in ids.iter().zip(&suids[..3]) {
            store.mark_company_sent(*id, suid, false).expect("sent");
        }
        let recent: Vec<ItemId> = store
            .outbox_items_recent(1)
            .expect("recent")
            .iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(
            recent,
            vec![ids[3], ids[2]],
            "the open item and only the newest sent one"
        );
        assert_eq!(store.outbox_items(true).expect("all").len(), 4);
    }

    #[test]
    fn refuses_a_newer_database() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.sqlite");
        {
            let c = Connection::open(&path).expect("open");
            c.pragma_update(None, "user_version", 99).expect("set");
        }
        assert!(matches!(Store::open(&path), Err(StoreError::TooNew { found: 99, .. })));
    }
}
