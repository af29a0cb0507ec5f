//! The store over the years: what it holds and how big it is, photos that no longer serve
//! anyone removed, space given back a little at a time, and a consistent copy while the
//! window runs.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::recovery::{AUTO_BACKUPS_KEPT, AUTO_PREFIX, BackupFile, list_backups};
use super::{BACKUP_DIR, Result, Store, StoreError, timestamp};
use crate::seams::prelude::*;
use host::output_file::{Existing, StationFiles, write_output};

const LAST_BACKUP_KEY: &str = "last_backup_at";
/// About 200 photos, some 35 MB: a few hundred milliseconds of writing at most.
const PRUNE_WORKERS_PER_BATCH: usize = 50;
const PRUNE_LOGS_PER_BATCH: usize = 200;

/// What the store holds, for `store stats` and 设置.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StoreStats {
    pub workers: u64,
    pub departed: u64,
    pub companies: u64,
    /// Photos kept (each worker's four at most) and their bytes.
    pub photos: u64,
    pub photo_bytes: u64,
    pub thumbnails: u64,
    pub attendance_logs: u64,
    pub site_photo_bytes: u64,
    /// Records not on the platform yet: they exist on this PC only.
    pub unsent: u64,
    pub outbox_items: u64,
    /// The database file and its write-ahead log, and the free pages inside.
    pub file_bytes: u64,
    pub free_bytes: u64,
}

impl StoreStats {
    /// Bytes on disk per worker (the growth a site should plan for).
    pub fn bytes_per_worker(&self) -> u64 {
        self.file_bytes / self.workers.max(1)
    }
}

/// What a prune removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Pruned {
    /// Workers whose photos were removed (they left before the cut-off).
    pub workers: u64,
    pub photos: u64,
    pub site_photos: u64,
    pub bytes: u64,
}

impl Store {
    /// One short transaction of the prune: the photos of up to [`PRUNE_WORKERS_PER_BATCH`]
    /// workers and up to [`PRUNE_LOGS_PER_BATCH`] site photos.
    fn prune_batch(&mut self, left_before: DateTime<Utc>, logs_before: DateTime<Utc>) -> Result<Pruned> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // The departure that counts is the worker's latest one, and it must be on the platform:
        // a worker enrolled again after leaving is back, and keeps everything.
        let gone = format!(
            "SELECT DISTINCT p.id_code FROM worker_photos p
             JOIN workers w ON w.id_code = p.id_code
             JOIN departures d ON d.id = (SELECT MAX(id) FROM departures WHERE id_code = w.id_code)
             JOIN outbox o ON o.id = d.outbox_id
             WHERE w.sync_state = 'departed' AND d.sync_state = 'sent' AND o.sent_at < ?1
             LIMIT {PRUNE_WORKERS_PER_BATCH}"
        );
        let (workers, photos, bytes): (i64, i64, i64) = tx.query_row(
            &format!(
                "SELECT COUNT(DISTINCT p.id_code), COUNT(*), COALESCE(SUM(LENGTH(p.jpeg)), 0)
                 FROM worker_photos p WHERE p.id_code IN ({gone})"
            ),
            [timestamp(left_before)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        tx.execute(
            &format!("DELETE FROM worker_photos WHERE id_code IN ({gone})"),
            [timestamp(left_before)],
        )?;
        let logs = format!(
            "SELECT a.id FROM attendance_logs a JOIN outbox o ON o.id = a.outbox_id
             WHERE a.site_photo IS NOT NULL AND o.state IN ('sent', 'expired') AND o.updated_at < ?1
             LIMIT {PRUNE_LOGS_PER_BATCH}"
        );
        let (site_photos, site_bytes): (i64, i64) = tx.query_row(
            &format!("SELECT COUNT(*), COALESCE(SUM(LENGTH(site_photo)), 0) FROM attendance_logs WHERE id IN ({logs})"),
            [timestamp(logs_before)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        tx.execute(
            &format!("UPDATE attendance_logs SET site_photo = NULL WHERE id IN ({logs})"),
            [timestamp(logs_before)],
        )?;
        tx.commit()?;
        Ok(Pruned {
            workers: workers as u64,
            photos: photos as u64,
            site_photos: site_photos as u64,
            bytes: (bytes + site_bytes) as u64,
        })
    }

    fn incremental_vacuum(&self, pages: i64) -> Result<u64> {
        if self.auto_vacuum_mode()? == 2 {
            // Each step of the statement frees one page: it must be stepped to its end.
            let mut stmt = self.conn.prepare(&format!("PRAGMA incremental_vacuum({pages})"))?;
            let mut rows = stmt.query([])?;
            while rows.next()?.is_some() {}
        }
        Ok(self
            .conn
            .query_row("PRAGMA freelist_count", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// Copies the store into the (empty) file `target`, and checks the copy.
    pub(super) fn copy_into(&self, target: &Path) -> Result<()> {
        let fail = StoreError::from;
        let mut copy = rusqlite::Connection::open(target).map_err(fail)?;
        // No journal beside the temp file: a copy cut off half-way is thrown away whole.
        copy.pragma_update(None, "journal_mode", "OFF").map_err(fail)?;
        {
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut copy).map_err(fail)?;
            backup
                .run_to_completion(256, std::time::Duration::from_millis(2), None)
                .map_err(fail)?;
        }
        // The copy is a store of its own: it must open and pass SQLite's own check.
        let ok: String = copy.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(fail)?;
        if ok != "ok" {
            return Err(StoreError::BackupCheck(ok));
        }
        Ok(())
    }
}

impl MaintenanceReads for Store {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    fn stats(&self) -> Result<StoreStats> {
        let count = |sql: &str| -> Result<u64> { Ok(self.conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64) };
        let page_size = count("PRAGMA page_size")?;
        let mut wal_path = self.path.clone().into_os_string();
        wal_path.push("-wal");
        let wal = std::fs::metadata(wal_path).map_or(0, |m| m.len());
        Ok(StoreStats {
            workers: count("SELECT COUNT(*) FROM workers")?,
            departed: count("SELECT COUNT(*) FROM workers WHERE sync_state = 'departed'")?,
            companies: count("SELECT COUNT(*) FROM companies")?,
            photos: count("SELECT COUNT(*) FROM worker_photos")?,
            photo_bytes: count("SELECT COALESCE(SUM(LENGTH(jpeg)), 0) FROM worker_photos")?,
            thumbnails: count("SELECT COUNT(*) FROM worker_thumbnails")?,
            attendance_logs: count("SELECT COUNT(*) FROM attendance_logs")?,
            site_photo_bytes: count("SELECT COALESCE(SUM(LENGTH(site_photo)), 0) FROM attendance_logs")?,
            unsent: count("SELECT COUNT(*) FROM outbox WHERE state NOT IN ('sent', 'expired')")?,
            outbox_items: count("SELECT COUNT(*) FROM outbox")?,
            file_bytes: count("PRAGMA page_count")? * page_size + wal,
            free_bytes: count("PRAGMA freelist_count")? * page_size,
        })
    }

    fn last_backup_at(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self.setting(LAST_BACKUP_KEY)?.and_then(|t| super::parse_timestamp(&t)))
    }

    fn oldest_unsent_at(&self) -> Result<Option<DateTime<Utc>>> {
        let oldest: Option<String> = self.conn.query_row(
            "SELECT MIN(created_at) FROM outbox WHERE state IN ('waiting', 'sending', 'retry', 'needs_fix')",
            [],
            |r| r.get(0),
        )?;
        Ok(oldest.and_then(|t| super::parse_timestamp(&t)))
    }

    fn auto_vacuum_mode(&self) -> Result<i64> {
        Ok(self.conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?)
    }

    fn is_read_only(&self) -> bool {
        self.conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false)
    }
}

impl MaintenanceWrites for Store {
    fn prune_photos(&mut self, left_before: DateTime<Utc>, logs_before: DateTime<Utc>) -> Result<Pruned> {
        let mut pruned = Pruned::default();
        // Short write transactions: the window's own writes (an enrollment, a snapshot's
        // expiry of old logs) wait for one batch at most, never for thousands of photos.
        loop {
            let batch = self.prune_batch(left_before, logs_before)?;
            if batch == Pruned::default() {
                break;
            }
            pruned.workers += batch.workers;
            pruned.photos += batch.photos;
            pruned.site_photos += batch.site_photos;
            pruned.bytes += batch.bytes;
        }
        if pruned.photos + pruned.site_photos > 0 {
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            super::audit_in(
                &tx,
                "清理照片",
                &format!("{} 人", pruned.workers),
                &format!(
                    "离场已久人员的照片 {} 张、已上传考勤的现场照片 {} 张，共 {:.1} MB",
                    pruned.photos,
                    pruned.site_photos,
                    pruned.bytes as f64 / 1_048_576.0
                ),
            )?;
            tx.commit()?;
        }
        Ok(pruned)
    }

    fn prune_by_age(&mut self, now: DateTime<Utc>, departed_days: u32, site_photo_days: u32) -> Result<Pruned> {
        self.prune_photos(
            now - Duration::days(i64::from(departed_days)),
            now - Duration::days(i64::from(site_photo_days)),
        )
    }

    fn vacuum_a_little(&self, pages: u32) -> Result<u64> {
        self.incremental_vacuum(i64::from(pages.max(1)))
    }

    fn vacuum_all(&self) -> Result<u64> {
        self.incremental_vacuum(0)
    }

    fn checkpoint(&self) -> Result<()> {
        let mut stmt = self.conn.prepare("PRAGMA wal_checkpoint(TRUNCATE)")?;
        let mut rows = stmt.query([])?;
        while rows.next()?.is_some() {}
        Ok(())
    }

    fn enable_incremental_vacuum(&self) -> Result<bool> {
        if self.auto_vacuum_mode()? == 2 {
            return Ok(false);
        }
        self.conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;")?;
        Ok(true)
    }

    fn backup_to(&self, dest: &Path, existing: Existing, station: &StationFiles) -> Result<()> {
        write_output(dest, existing, station, |tmp| self.copy_into(tmp))?;
        self.audit("备份", &dest.display().to_string(), "")?;
        self.set_setting(LAST_BACKUP_KEY, Some(&timestamp(Utc::now())))?;
        Ok(())
    }

    fn backup_automatically(&self, data_dir: &Path, now: DateTime<Utc>) -> Result<Option<PathBuf>> {
        let dir = data_dir.join(BACKUP_DIR);
        host::paths::ensure_private_dir(&dir).map_err(|e| StoreError::Dir {
            path: dir.clone(),
            detail: e.to_string(),
        })?;
        let size = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        let room_needed = size.saturating_mul(2).saturating_add(512 * 1024 * 1024);
        if host::paths::free_bytes(&dir).is_some_and(|free| free < room_needed) {
            tracing::warn!(size, "no automatic backup: too little room on the disk");
            return Ok(None);
        }
        let day = protocol::beijing_date(now).format("%Y%m%d");
        let dest = dir.join(format!("{AUTO_PREFIX}{day}.sqlite"));
        let files = StationFiles::of(data_dir, &data_dir.join("config.json"));
        // Not recorded as the clerk's backup: a copy on the same disk does not stop "records
        // exist on this PC only" from being true.
        write_output(&dest, Existing::Replace, &files, |tmp| self.copy_into(tmp))?;
        let mut autos: Vec<BackupFile> = list_backups(data_dir)
            .into_iter()
            .filter(|b| {
                b.path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(AUTO_PREFIX))
            })
            .collect();
        // Newest first (the names carry the day).
        autos.sort_by(|a, b| b.path.cmp(&a.path));
        for old in autos.iter().skip(AUTO_BACKUPS_KEPT) {
            if let Err(e) = std::fs::remove_file(&old.path) {
                tracing::warn!("old automatic backup not removed: {e}");
            }
        }
        Ok(Some(dest))
    }
}
