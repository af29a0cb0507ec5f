//! Where a station's records are and how it opens them: this PC's SQLite file or the site
//! database ([`StoreLocation`]), as every trait (a station's [`Backend`]) or as reads only
//! ([`Reader`]). The traits themselves are in `seams`.

use std::path::Path;

use crate::seams::{Backend, StoreReads};
use crate::{Result, Store};

/// Where a station keeps its records: this PC's SQLite file (the default, a one-PC site), or
/// the site database that several stations share.
#[derive(Debug, Clone, Default)]
pub enum StoreLocation {
    #[default]
    ThisPc,
    Site {
        /// Boxed: the driver's connection settings are large beside `ThisPc`.
        database: Box<crate::pg::SiteDatabase>,
        /// This station's name in what it saves and claims (its Device_ID or the PC's name).
        station: String,
        /// How long this station's claim on a queue item holds: longer than its longest call
        /// (see [`crate::pg::lease_secs_for`]).
        lease_secs: i64,
    },
}

impl StoreLocation {
    /// In the clerk's words, for the status bar and the commands.
    pub fn describe(&self) -> String {
        match self {
            StoreLocation::ThisPc => "本机".into(),
            StoreLocation::Site { database, .. } => format!("工地数据库 {}", database.address()),
        }
    }

    pub fn is_site(&self) -> bool {
        matches!(self, StoreLocation::Site { .. })
    }
}

/// Opens the station's store for the use cases and the sender: this PC's SQLite file in the
/// data dir, or the site database. Every connection the station opens (its own, the sender's,
/// a command's pass, the acceptance run) comes from here, so all follow the same choice.
pub fn open_backend(data_dir: &Path, location: &StoreLocation) -> Result<Box<dyn Backend>> {
    match location {
        StoreLocation::ThisPc => Ok(Box::new(Store::open_in(data_dir)?)),
        StoreLocation::Site {
            database,
            station,
            lease_secs,
        } => crate::pg::open_backend(database, station, *lease_secs),
    }
}

/// A store opened for looking only (see [`Store::open_read_only`]): it hands out reads and
/// nothing else, so a command that only lists cannot write by mistake. On a site database the
/// connection is the same as a station's; only the reads are handed out.
pub struct Reader(Box<dyn StoreReads + Send>);

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Reader").field(&self.0.location()).finish()
    }
}

impl Reader {
    pub fn open(data_dir: &Path, location: &StoreLocation) -> Result<Reader> {
        Ok(match location {
            StoreLocation::ThisPc => Reader(Box::new(Store::open_read_only(data_dir)?)),
            StoreLocation::Site { database, station, .. } => Reader(crate::pg::open_reader(database, station)?),
        })
    }
}

impl std::ops::Deref for Reader {
    type Target = dyn StoreReads;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}
