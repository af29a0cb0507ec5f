//! Looking after the store, the same for the window and the commands: photos pruned by age,
//! space given back, a backup made on a connection of its own (the window keeps writing
//! meanwhile), and the store put back from a backup.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use host::output_file::{Existing, StationFiles};
use store::{MaintenanceReads, MaintenanceWrites, Store, StoreError};

use crate::Station;

pub use store::{BackupFile, Pruned, StoreStats, list_backups};

/// What making space did.
#[derive(Debug)]
pub struct Compacted {
    /// The store was switched to the format that gives space back a little at a time (once).
    pub switched_to_incremental: Result<bool, StoreError>,
    /// The file's size after, or why no space was given back.
    pub file_bytes: Result<u64, StoreError>,
}

impl Station {
    /// Removes the photos that serve nobody any more: departed workers' after the configured
    /// days, attendance site photos after theirs.
    pub fn prune_photos(&mut self, now: DateTime<Utc>) -> Result<Pruned, StoreError> {
        let (departed_days, site_days) = (
            self.config().departed_photo_keep_days,
            self.config().site_photo_keep_days,
        );
        self.store.prune_by_age(now, departed_days, site_days)
    }

    /// Gives the space of removed photos back to the disk.
    pub fn compact(&self) -> Compacted {
        let store = &self.store;
        let switched_to_incremental = store.enable_incremental_vacuum();
        let file_bytes = store.vacuum_all().and_then(|_| store.stats().map(|s| s.file_bytes));
        Compacted {
            switched_to_incremental,
            file_bytes,
        }
    }
}

/// Copies the store to `dest` on a connection of its own, a little at a time, so the window
/// (or a sender) keeps writing meanwhile. Never over one of the station's own files.
pub fn backup(data_dir: &Path, dest: &Path, existing: Existing, files: &StationFiles) -> Result<(), StoreError> {
    Store::open_in(data_dir)?.backup_to(dest, existing, files)
}

/// Why the store was not put back.
#[derive(Debug, thiserror::Error)]
pub enum RestoreRefused {
    /// The store opens and reads: replacing it must be asked for explicitly.
    #[error("现在的数据库是好的：恢复会用备份替换它（现在的文件改名保留）")]
    StoreIsHealthy,
    #[error(transparent)]
    Failed(#[from] StoreError),
}

/// Puts the store back from `backup`; the current file is renamed aside (returned), never
/// deleted. Unless `even_if_healthy`, only a store that no longer opens or reads is replaced.
pub fn restore(data_dir: &Path, backup: &Path, even_if_healthy: bool) -> Result<Option<PathBuf>, RestoreRefused> {
    if !even_if_healthy && let Ok(store) = Store::open_in(data_dir) {
        let healthy = store.stats().is_ok();
        drop(store);
        if healthy {
            return Err(RestoreRefused::StoreIsHealthy);
        }
    }
    Ok(store::restore_from(data_dir, backup)?)
}

/// `store migrate --to …` and 设置 → 数据存放 → 复制本机数据: this PC's records, queue
/// included, copied into the site database (one transaction, counts checked, safe to run
/// twice; see `store::pg::migrate`). This PC's file stays as it was, as a fallback.
pub fn copy_to_site(data_dir: &Path, site: &store::StoreLocation) -> Result<crate::site::MigrationReport, StoreError> {
    let store::StoreLocation::Site { database, station, .. } = site else {
        return Err(StoreError::NotFound(
            "没有指定工地数据库：请写 postgres://用户名@服务器:5432/数据库名".into(),
        ));
    };
    let source = Store::open_in(data_dir)?;
    let target = store::pg::PgStore::open(database, station)?;
    store::pg::migrate::copy_station(&source, &target)
}
