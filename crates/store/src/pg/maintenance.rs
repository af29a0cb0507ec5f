//! The site database over the years: what it holds, and photos that no longer serve anyone
//! removed, as `crate::maintenance`. What is file-shaped on a station (vacuum, checkpoint,
//! backup copies) belongs to the server here: it vacuums itself (autovacuum), its write-ahead
//! log is its own, and it is backed up where it runs, with `pg_dump`.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use host::output_file::{Existing, StationFiles};

use super::{PgStore, audit_in};
use crate::seams::prelude::*;
use crate::{Pruned, Result, StoreError, StoreStats, parse_timestamp, timestamp};

/// As the SQLite store's: a batch is a short transaction, so the other stations' writes
/// never wait behind thousands of photos.
const PRUNE_WORKERS_PER_BATCH: usize = 50;
const PRUNE_LOGS_PER_BATCH: usize = 200;

impl PgStore {
    /// One short transaction of the prune. The deletes return what they removed, so the
    /// counts are of exactly those rows even while other stations write.
    fn prune_batch(&self, left_before: DateTime<Utc>, logs_before: DateTime<Utc>) -> Result<Pruned> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            // The departure that counts is the worker's latest one, and it must be on the
            // platform: a worker enrolled again after leaving is back, and keeps everything.
            let gone = tx.query(
                &format!(
                    "DELETE FROM worker_photos WHERE id_code IN (
                       SELECT DISTINCT p.id_code FROM worker_photos p
                       JOIN workers w ON w.id_code = p.id_code
                       JOIN departures d ON d.id = (SELECT MAX(id) FROM departures WHERE id_code = w.id_code)
                       JOIN outbox o ON o.id = d.outbox_id
                       WHERE w.sync_state = 'departed' AND d.sync_state = 'sent' AND o.sent_at < $1
                       LIMIT {PRUNE_WORKERS_PER_BATCH})
                     RETURNING id_code, octet_length(jpeg)::BIGINT"
                ),
                &[&timestamp(left_before)],
            )?;
            let mut workers: Vec<String> = gone.iter().map(|r| r.get(0)).collect();
            workers.sort();
            workers.dedup();
            let photo_bytes: i64 = gone.iter().map(|r| r.get::<_, i64>(1)).sum();
            let logs = tx.query_one(
                &format!(
                    "WITH picked AS (
                       SELECT a.id, octet_length(a.site_photo)::BIGINT AS n FROM attendance_logs a
                       JOIN outbox o ON o.id = a.outbox_id
                       WHERE a.site_photo IS NOT NULL AND o.state IN ('sent', 'expired') AND o.updated_at < $1
                       LIMIT {PRUNE_LOGS_PER_BATCH}),
                     cleared AS (
                       UPDATE attendance_logs SET site_photo = NULL FROM picked
                       WHERE attendance_logs.id = picked.id RETURNING picked.n)
                     SELECT COUNT(*), COALESCE(SUM(n), 0)::BIGINT FROM cleared"
                ),
                &[&timestamp(logs_before)],
            )?;
            let (site_photos, site_bytes): (i64, i64) = (logs.get(0), logs.get(1));
            tx.commit()?;
            Ok(Pruned {
                workers: workers.len() as u64,
                photos: gone.len() as u64,
                site_photos: site_photos as u64,
                bytes: (photo_bytes + site_bytes) as u64,
            })
        })
    }
}

impl MaintenanceReads for PgStore {
    /// The server and database, never the password.
    fn location(&self) -> String {
        self.site.address()
    }

    fn schema_version(&self) -> Result<i64> {
        self.with(|c| Ok(c.query_one("SELECT version FROM schema_version", &[])?.get(0)))
    }

    fn stats(&self) -> Result<StoreStats> {
        self.with(|c| {
            let r = c.query_one(
                "SELECT
                   (SELECT COUNT(*) FROM workers),
                   (SELECT COUNT(*) FROM workers WHERE sync_state = 'departed'),
                   (SELECT COUNT(*) FROM companies),
                   (SELECT COUNT(*) FROM worker_photos),
                   (SELECT COALESCE(SUM(octet_length(jpeg)), 0)::BIGINT FROM worker_photos),
                   (SELECT COUNT(*) FROM worker_thumbnails),
                   (SELECT COUNT(*) FROM attendance_logs),
                   (SELECT COALESCE(SUM(octet_length(site_photo)), 0)::BIGINT FROM attendance_logs),
                   (SELECT COUNT(*) FROM outbox WHERE state NOT IN ('sent', 'expired')),
                   (SELECT COUNT(*) FROM outbox),
                   pg_database_size(current_database())",
                &[],
            )?;
            let n = |i: usize| r.get::<_, i64>(i).max(0) as u64;
            // The whole database's size on the server; its free space is the server's own
            // business (autovacuum reuses it), so none is reported.
            Ok(StoreStats {
                workers: n(0),
                departed: n(1),
                companies: n(2),
                photos: n(3),
                photo_bytes: n(4),
                thumbnails: n(5),
                attendance_logs: n(6),
                site_photo_bytes: n(7),
                unsent: n(8),
                outbox_items: n(9),
                file_bytes: n(10),
                free_bytes: 0,
            })
        })
    }

    /// Stations do not back up the site database (see `backup_to`).
    fn last_backup_at(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(None)
    }

    fn oldest_unsent_at(&self) -> Result<Option<DateTime<Utc>>> {
        self.with(|c| {
            let oldest: Option<String> = c
                .query_one(
                    "SELECT MIN(created_at) FROM outbox WHERE state IN ('waiting', 'sending', 'retry', 'needs_fix')",
                    &[],
                )?
                .get(0);
            Ok(oldest.as_deref().and_then(parse_timestamp))
        })
    }

    /// The server gives space back by itself: as good as SQLite's incremental mode.
    fn auto_vacuum_mode(&self) -> Result<i64> {
        Ok(2)
    }

    fn is_read_only(&self) -> bool {
        self.with(|c| Ok(c.query_one("SHOW transaction_read_only", &[])?.get::<_, String>(0) == "on"))
            .unwrap_or(false)
    }
}

impl MaintenanceWrites for PgStore {
    fn prune_photos(&mut self, left_before: DateTime<Utc>, logs_before: DateTime<Utc>) -> Result<Pruned> {
        let mut pruned = Pruned::default();
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
            self.with(|c| {
                audit_in(
                    c,
                    &self.station,
                    "清理照片",
                    &format!("{} 人", pruned.workers),
                    &format!(
                        "离场已久人员的照片 {} 张、已上传考勤的现场照片 {} 张，共 {:.1} MB",
                        pruned.photos,
                        pruned.site_photos,
                        pruned.bytes as f64 / 1_048_576.0
                    ),
                )
            })?;
        }
        Ok(pruned)
    }

    fn prune_by_age(&mut self, now: DateTime<Utc>, departed_days: u32, site_photo_days: u32) -> Result<Pruned> {
        self.prune_photos(
            now - Duration::days(i64::from(departed_days)),
            now - Duration::days(i64::from(site_photo_days)),
        )
    }

    /// Nothing to do: the server's autovacuum gives space back while the stations work.
    fn vacuum_a_little(&self, _pages: u32) -> Result<u64> {
        Ok(0)
    }

    /// As `vacuum_a_little`: the server vacuums itself.
    fn vacuum_all(&self) -> Result<u64> {
        Ok(0)
    }

    /// The server's write-ahead log is the server's: a station has nothing to fold in.
    fn checkpoint(&self) -> Result<()> {
        Ok(())
    }

    /// Never needed: there is no station file to switch over.
    fn enable_incremental_vacuum(&self) -> Result<bool> {
        Ok(false)
    }

    /// Refused with what to do instead: a station's copy of the shared database would be
    /// one moment of the site on one PC, and the site's records are backed up where they
    /// live, on the server, with `pg_dump`.
    fn backup_to(&self, _dest: &Path, _existing: Existing, _station: &StationFiles) -> Result<()> {
        Err(StoreError::NotFound(format!(
            "记录存放在工地数据库（{}）里，不在这台电脑上，这里不能备份：请让管理员在数据库服务器上用 pg_dump 备份工地数据库",
            self.site.address()
        )))
    }

    /// No station copy of the site database (see `backup_to`).
    fn backup_automatically(&self, _data_dir: &Path, _now: DateTime<Utc>) -> Result<Option<PathBuf>> {
        Ok(None)
    }
}
