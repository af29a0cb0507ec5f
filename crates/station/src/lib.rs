//! The station's use cases, one path for the window and the commands: enroll or update a
//! worker, mark workers leaving, add or remove a company, retry. Each builds its rules from
//! the store (dictionary codes, the project's companies, the site's age rules, the
//! blacklist), validates, saves the record with its outbox entry in one transaction, and
//! wakes the sender. Nothing here talks to the network: the sender (`outbox`) does.

pub mod acceptance;
mod attendance;
mod blacklist;
pub mod config;
mod connect;
mod explain;
pub mod export;
pub mod face_check;
pub mod faces;
mod form_draft;
pub mod generate;
pub mod import;
pub mod lists;
pub mod maintenance;
pub mod sending;
pub mod snapshot;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;

pub use attendance::{Attended, NO_SITE_PHOTO, PassRequest, SitePhoto};
pub use blacklist::{BlacklistAdded, BlacklistImport};
pub use connect::{NotConnectable, platform_client, send_settings};
pub use domain::Identified;
pub use explain::Explained;
/// The face module, for the window's face worker (the screens depend on `station` alone).
pub use face;
pub use import::{ImportOutcome, ImportReport, ImportSummary, RowAction, RowReport, RowStatus};

use crate::config::Config;
use api::{Endpoint, PlatformClock};
use domain::{
    Company, CompanyProblem, CompanyRemoval, CompanyRules, DepartureBatch, PhotoKind, PhotosPresent, Suid, Worker,
    WorkerField, WorkerProblem, WorkerRules,
};
use store::{Backend, ItemId, Store, StoreError, StoreReads, WorkerPhotos};

/// The records the window and the commands read, as the store keeps them, and the store's
/// read traits. Handed out here so that the screens and the commands depend on `station`
/// alone: the compiler keeps them away from the store's connection and its writes (no
/// `*Writes` trait is re-exported), the queue's sender and the HTTP client.
pub mod records {
    pub use store::{
        AttendanceReads, AuditReads, BACKUP_DIR, BlacklistEntry, BlacklistReads, CompanyReads, CompanyRecord, DB_FILE,
        DictionaryReads, DraftReads, ItemId, ItemKind, MaintenanceReads, OutboxCounts, OutboxItem, ParkReason, PassRow,
        QueueReads, Reader, SettingsReads, StoreError, StoreLocation, StoreReads, Thumbnail, Trouble, WorkerPhotos,
        WorkerReads, WorkerRecord, WorkerRow, parse_timestamp, timestamp,
    };
}

/// The site database (several stations on one PostgreSQL): its address, the connection that
/// listens for the other stations' changes, and what a copy of this PC's records did.
pub mod site {
    pub use store::pg::migrate::{MigrationReport, TableCopy};
    pub use store::pg::{Changes, SiteDatabase};
}

/// The platform's names the window and the commands show or pass on: its endpoints, its
/// dictionaries' entries, its clock, the client the settings make, the secret, and the two
/// bodies a command may be given as a JSON file (`register`, `company add`).
pub mod platform {
    pub use api::types::{AddCompany, DictEntry, RegisterEmployee};
    pub use api::{ApiError, Endpoint, PlatformClient, PlatformClock, ProtocolTable, Secret, clock};
}

/// The audit trail's action for an enrollment's face check ([`Station::record_face_check`]).
pub const FACE_CHECK_ACTION: &str = "人证比对";

/// Why a use case stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum StationError {
    /// The worker has problems that block it (each names its field).
    #[error("人员资料有 {} 处错误：没有保存，也没有上传", domain::worker::errors(.0).count())]
    Worker(Vec<WorkerProblem>),
    #[error("单位资料有错误：没有保存，也没有上传")]
    Company(Vec<CompanyProblem>),
    /// A departure, a removal or a retry that cannot be done as asked.
    #[error("{}", .0.join("；"))]
    Refused(Vec<String>),
    /// This PC's disk or database failed: nothing was stored.
    #[error(transparent)]
    Local(#[from] StoreError),
}

/// A worker saved and queued.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolled {
    pub id_code: String,
    pub item_id: ItemId,
    /// Warnings the clerk saw (expired card, age): they do not block.
    pub warnings: Vec<WorkerProblem>,
    /// Why the face photo gave no descriptor for the 考勤 point (no face in it): the worker
    /// is saved and found there by card, ID number or name.
    pub face_note: Option<String>,
}

/// A company removal queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    pub item_id: ItemId,
    /// Workers not departed who still name the company: the platform will refuse them.
    pub workers_still_naming: u64,
}

/// A removal as the clerk typed it, checked: the SUID then travels as a [`Suid`], so it
/// cannot be swapped with the company's name on the way to [`Station::remove_company`].
pub fn company_removal(suid: &str, company_name: &str) -> Result<domain::Validated<CompanyRemoval>, StationError> {
    CompanyRemoval::validate(suid, company_name).map_err(StationError::Refused)
}

/// The use cases over one data dir's store.
pub struct Station {
    /// A trait object rather than a type parameter: the window and the commands hold a
    /// `Station`, and a second backend (see `store::seams`) is chosen when it opens.
    store: Box<dyn Backend>,
    /// Where the store is: the sender and a command's pass open theirs at the same place.
    location: store::StoreLocation,
    config: Config,
    clock: Arc<PlatformClock>,
    data_dir: PathBuf,
    /// Called after every write that queued something (the window wakes its sender).
    on_queued: Box<dyn Fn() + Send>,
    /// The face models, shared with the window's face thread; `None`: no faces here.
    face_engine: Option<Arc<face::LazyEngine>>,
    /// The on-site workers' descriptors for 1:N, loaded at the first identification.
    gallery: Option<face::Gallery<String>>,
}

impl std::fmt::Debug for Station {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Station")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl Station {
    /// Opens the data dir's store. The clock starts from the offset the platform taught an
    /// earlier run, so a command knows Beijing's "today" on the platform's clock before it
    /// has made a call.
    pub fn open(data_dir: &Path, config: Config, clock: Arc<PlatformClock>) -> Result<Station, StoreError> {
        let location = config.store_location(data_dir)?;
        let store = store::open_backend(data_dir, &location)?;
        if clock.offset_ms().is_none()
            && let Some(ms) = store.clock_offset_ms()?
        {
            clock.assume_offset_ms(ms);
        }
        Ok(Station::over(store, location, data_dir, config, clock))
    }

    fn over(
        store: Box<dyn Backend>,
        location: store::StoreLocation,
        data_dir: &Path,
        config: Config,
        clock: Arc<PlatformClock>,
    ) -> Station {
        Station {
            store,
            location,
            config,
            clock,
            data_dir: data_dir.to_path_buf(),
            on_queued: Box::new(|| {}),
            face_engine: None,
            gallery: None,
        }
    }

    /// Opens a store that may not be written, for looking only (see
    /// [`Store::open_read_only`]); every use case that writes fails with the store's words.
    pub fn open_read_only(data_dir: &Path, config: Config, clock: Arc<PlatformClock>) -> Result<Station, StoreError> {
        Ok(Station::over(
            Box::new(Store::open_read_only(data_dir)?),
            store::StoreLocation::ThisPc,
            data_dir,
            config,
            clock,
        ))
    }

    /// What to call after a write queued something.
    pub fn on_queued(&mut self, f: impl Fn() + Send + 'static) {
        self.on_queued = Box::new(f);
    }

    /// Reads only; writes go through the use cases.
    pub fn store(&self) -> &dyn StoreReads {
        &*self.store
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Where the records are: this PC's file or the site database.
    pub fn location(&self) -> &store::StoreLocation {
        &self.location
    }

    pub fn set_config(&mut self, config: Config) {
        self.config = config;
    }

    pub fn clock(&self) -> &Arc<PlatformClock> {
        &self.clock
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The platform's "today": Beijing's date on the corrected clock.
    pub fn today(&self) -> NaiveDate {
        self.clock.beijing_today()
    }

    /// Things the clerk should know about this PC (a data dir others can read, drafts that no
    /// longer read).
    pub fn warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = host::paths::too_open_warning(&self.data_dir).into_iter().collect();
        out.extend(self.damaged_drafts_warning());
        out
    }

    /// Drafts (待补全) that no longer read, said once when the station opens: each would
    /// otherwise fail only when the clerk opens it. Logged too, for whoever reads the log.
    fn damaged_drafts_warning(&self) -> Option<String> {
        let damaged = match self.store.damaged_drafts() {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!("drafts not checked: {e}");
                return Some(format!("待补全资料没能检查：{e}"));
            }
        };
        let first = damaged.first()?;
        tracing::warn!(count = damaged.len(), "damaged drafts");
        let more = if damaged.len() > 1 { " 等" } else { "" };
        Some(format!(
            "有 {} 条待补全资料已损坏、读不出来（身份证号 {}{more}）：请在“花名册”里删除，再重新导入或登记这些人",
            damaged.len(),
            domain::mask_id(first)
        ))
    }

    /// Everything a worker is checked against. A store that cannot be read is an error, never
    /// "no rules".
    pub fn worker_rules(&self, id_code: &str) -> Result<WorkerRules, StoreError> {
        let locked = match domain::parse_id_number(id_code) {
            Ok(id) => self
                .store
                .worker(&id.code)?
                .map(|r| r.locked_category)
                .filter(|c| !c.is_empty()),
            Err(_) => None,
        };
        Ok(WorkerRules {
            today: self.today(),
            age_rules: self.config.age_rules.clone(),
            emp_categories: self.store.dictionary_codes(Endpoint::DictListEmpCategory)?,
            job_types: self.store.dictionary_codes(Endpoint::DictListJobTypeName)?,
            job_names: self.store.dictionary_codes(Endpoint::DictListJobName)?,
            companies: self.project_company_names()?,
            locked_category: locked,
            blacklist: self.store.blacklist_reasons()?,
        })
    }

    fn project_company_names(&self) -> Result<HashSet<String>, StoreError> {
        Ok(self
            .store
            .companies()?
            .into_iter()
            .filter(|c| !c.removing)
            .map(|c| c.company.company_name)
            .collect())
    }

    /// What a company is checked against: the type codes and the project's other companies.
    pub fn company_rules(&self) -> Result<CompanyRules, StoreError> {
        let companies: Vec<_> = self.store.companies()?.into_iter().filter(|c| !c.removing).collect();
        Ok(CompanyRules {
            company_types: self.store.dictionary_codes(Endpoint::GetCompanyType)?,
            project_suids: companies.iter().map(|c| c.company.suid.clone()).collect(),
            names_in_use: companies
                .into_iter()
                .map(|c| (c.company.company_name, c.company.suid))
                .collect(),
        })
    }

    /// Enrolls a new worker or updates a known one. `photos` are the photos given now; the
    /// ones already on file count as present and are kept unless replaced.
    pub fn enroll(&mut self, worker: Worker, photos: WorkerPhotos) -> Result<Enrolled, StationError> {
        let id_code = worker.normalized().id_code;
        let on_file = self.store.worker_photos(&id_code)?;
        let present = PhotosPresent::of(photos.keys().chain(on_file.keys()).copied());
        let rules = self.worker_rules(&id_code)?;
        let mut photo_problems = Vec::new();
        if let Some(face) = photos.get(&PhotoKind::Face)
            && let Some((w, h)) = media::image_dimensions(face)
            && let Err(e) = media::check_min_size(PhotoKind::Face, w, h)
        {
            photo_problems.push(WorkerProblem {
                field: WorkerField::Facephoto,
                message: e.to_string(),
                severity: domain::Severity::Error,
            });
        }
        let (validated, warnings) = match worker.into_validated(present, &rules) {
            Ok(ok) if photo_problems.is_empty() => ok,
            Ok(_) => return Err(StationError::Worker(photo_problems)),
            Err(mut problems) => {
                problems.extend(photo_problems);
                return Err(StationError::Worker(problems));
            }
        };
        let item_id = self.store.save_worker(&validated, &photos)?;
        if let Some(face) = photos.get(&PhotoKind::Face) {
            // The record is saved; a thumbnail that cannot be made only leaves the roster's
            // picture to be made from the face photo later.
            match media::thumbnail(face) {
                Ok(jpeg) => self.store.save_thumbnail(&validated.id_code, &jpeg)?,
                Err(e) => tracing::warn!("no thumbnail for a worker: {e}"),
            }
        }
        // Saved first: a face that cannot be described never blocks the save.
        let face_note = photos
            .get(&PhotoKind::Face)
            .and_then(|jpeg| self.describe_enrolled(&validated.id_code, jpeg));
        self.gallery_back_on_site(&validated.id_code)?;
        (self.on_queued)();
        Ok(Enrolled {
            id_code: validated.id_code.clone(),
            item_id,
            warnings,
            face_note,
        })
    }

    /// Marks workers leaving (now when no time is given). Returns the queue items.
    pub fn leave(&mut self, id_codes: &[String], exit_time: Option<&str>) -> Result<Vec<ItemId>, StationError> {
        let batch =
            DepartureBatch::validate(id_codes, exit_time, self.clock.platform_now()).map_err(StationError::Refused)?;
        let items = self.store.record_departures(&batch, self.config.leave_batch_size)?;
        self.gallery_forget(id_codes);
        (self.on_queued)();
        Ok(items)
    }

    /// Adds a company to the project, or updates it (AddCompany is an upsert by SUID).
    pub fn save_company(&mut self, company: Company) -> Result<ItemId, StationError> {
        let rules = self.company_rules()?;
        let validated = company.into_validated(&rules).map_err(StationError::Company)?;
        let item = self.store.save_company(&validated)?;
        (self.on_queued)();
        Ok(item)
    }

    /// Takes a company off the project; says how many workers still name it.
    pub fn remove_company(&mut self, suid: &Suid, company_name: &str) -> Result<Removal, StationError> {
        let removal = CompanyRemoval::validate(suid.as_str(), company_name).map_err(StationError::Refused)?;
        let workers_still_naming = self.store.workers_in_company(&removal.company_name)?;
        let item_id = self.store.remove_company(&removal)?;
        (self.on_queued)();
        Ok(Removal {
            item_id,
            workers_still_naming,
        })
    }

    /// The clerk asked for one item now (立即重试), also one that needed a fix.
    pub fn retry(&mut self, item_id: ItemId) -> Result<(), StationError> {
        match self.store.retry_now(item_id) {
            Ok(()) => {}
            Err(StoreError::NotFound(why)) => return Err(StationError::Refused(vec![why])),
            Err(e) => return Err(e.into()),
        }
        self.store.set_queue_paused(None)?;
        self.store.reset_breaker()?;
        (self.on_queued)();
        Ok(())
    }

    /// Everything scheduled goes now (全部重试, `outbox drain`): the pause and the network
    /// wait are lifted for one try.
    pub fn retry_all(&mut self) -> Result<usize, StationError> {
        self.store.set_queue_paused(None)?;
        self.store.reset_breaker()?;
        let n = self.store.retry_all_now()?;
        (self.on_queued)();
        Ok(n)
    }

    /// The clerk says a pause is not a settings problem: refusals are judged record by record.
    pub fn dismiss_settings_pause(&mut self) -> Result<(), StationError> {
        self.store.dismiss_settings_pause()?;
        (self.on_queued)();
        Ok(())
    }

    /// The enrollment's 人证比对 for this worker's history: every capture with its verdict
    /// and distance, and how `match_flag` was reached (a clerk's reason included). Only in the
    /// audit trail on this PC; the platform gets `match_flag` alone.
    pub fn record_face_check(&self, id_code: &str, check: &face_check::FaceCheck) -> Result<(), StoreError> {
        self.store
            .audit(FACE_CHECK_ACTION, &domain::mask_id(id_code), &check.audit_detail())
    }

    /// A roster picture made from a face photo on file, kept so it is made once.
    pub fn save_thumbnail(&self, id_code: &str, jpeg: &[u8]) -> Result<(), StoreError> {
        self.store.save_thumbnail(id_code, jpeg)
    }

    /// A successful call made outside the queue (`call`), for the acceptance checklist.
    pub fn count_success(&self, endpoint: Endpoint) -> Result<(), StoreError> {
        self.store
            .count_success(self.config.environment_label(), endpoint.name())
    }

    /// Dictionaries fetched from the platform, counted for the acceptance checklist.
    pub fn save_dictionary(&mut self, kind: Endpoint, entries: &[api::types::DictEntry]) -> Result<(), StoreError> {
        self.store.save_dictionary(kind, entries, chrono::Utc::now())?;
        self.store.count_success(self.config.environment_label(), kind.name())
    }
}

#[cfg(test)]
mod tests;
