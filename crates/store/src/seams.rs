//! The store's seams: what it keeps, cut by area (workers, drafts, companies, the upload
//! queue, attendance, face descriptors, the blacklist, dictionaries, settings, the audit trail, maintenance,
//! bulk loading), each a pair of traits — `*Reads` and `*Writes`.
//!
//! - Reads only: [`StoreReads`] (every `*Reads`) is what the window and the commands get,
//!   from `Station::store()` or a [`Reader`](crate::Reader) opened read-only. The write traits are not handed
//!   to them, so a screen that writes does not compile: it asks a station use case.
//! - Writes: [`Backend`] is every trait plus `Send`; `Station` and the sender hold a
//!   `Box<dyn Backend>` / `&mut dyn Backend`, not a type parameter, so neither the screens
//!   nor the commands carry a generic through every signature, and a second backend is one
//!   more `impl Backend` chosen in [`open_backend`](crate::open_backend), where every connection the station opens
//!   comes from (the SQLite [`Store`](crate::Store) is the first).
//! - One operation, one transaction: where a write spans areas (a worker and its queue item,
//!   a removal and its item), it sits on the area that owns the operation and the backend
//!   does it atomically; callers never compose a transaction from two traits.
//! - A shared backend (several stations on one database) implements the same traits; the
//!   queue's `due_items`/`mark_sending`/`release_sending` are where a claim with a lease
//!   belongs, and [`MaintenanceReads::is_read_only`] / the maintenance writes are the only
//!   file-shaped calls.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use domain::{
    Company, CompanyRemoval, DepartureBatch, DepartureState, Direction, IdNumber, Pass, PhotoKind, RecordState,
    Validated, Worker, WorkerDraft,
};
use host::output_file::Existing;
use host::output_file::StationFiles;
use protocol::Endpoint;
use protocol::types::{DictEntry, LeaveFailure, RegisterAnswer};

use crate::{
    BlacklistEntry, BulkWorker, CompanyRecord, DescriptorSource, DraftSource, FaceRow, ItemId, ItemKind, LastRefusal,
    OutboxCounts, OutboxItem, Parking, PassRow, Pruned, Result, StoreStats, Thumbnail, WorkerPhotos, WorkerRecord,
    WorkerRow,
};

pub trait WorkerReads {
    /// Workers whose ID number starts with, or whose name contains, `query` (for the 考勤
    /// point's search), at most `limit`, by name.
    fn find_workers(&self, query: &str, limit: usize) -> Result<Vec<WorkerRow>>;

    /// One worker's roster line.
    fn worker_row(&self, id_code: &str) -> Result<Option<WorkerRow>>;

    /// The roster: enrolled workers and drafts (state 待补全), by name.
    fn roster_rows(&self) -> Result<Vec<WorkerRow>>;

    /// Which photos a worker has on file, without reading them.
    fn worker_photo_kinds(&self, id_code: &str) -> Result<Vec<PhotoKind>>;

    /// For each of `id_codes`: its thumbnail, or (when it has none yet) its face photo to
    /// make one from, or nothing.
    fn thumbnails_or_faces(&self, id_codes: &[String]) -> Result<Vec<(String, Thumbnail)>>;

    fn worker(&self, id_code: &str) -> Result<Option<WorkerRecord>>;

    fn worker_photos(&self, id_code: &str) -> Result<WorkerPhotos>;

    /// The roster, by name.
    fn worker_rows(&self) -> Result<Vec<WorkerRow>>;

    /// The departures of a leave item that the platform does not have yet.
    fn unsent_departures(&self, item_id: ItemId) -> Result<Vec<(String, String)>>;

    /// Departure state per worker of a leave item, for tests and the queue screen.
    fn departures_of(&self, item_id: ItemId) -> Result<Vec<(String, DepartureState, String)>>;
}

pub trait WorkerWrites {
    fn save_thumbnail(&self, id_code: &str, jpeg: &[u8]) -> Result<()>;

    /// Stores the worker (new or edited) and the photos given, and queues its upload, in one
    /// transaction. Photos not in `photos` are kept as they were. Only a checked worker.
    fn save_worker(&mut self, worker: &Validated<Worker>, photos: &WorkerPhotos) -> Result<ItemId>;

    /// The platform accepted a registration: keep its emp_id, pass_period and modify_time, and
    /// lock the personnel type it now has. An answer that leaves one out (a `48`, an instance
    /// that answers `00` with no `result_data`) says nothing about it: what is known stays.
    fn mark_worker_registered(&mut self, item_id: ItemId, id_code: &str, answer: &RegisterAnswer) -> Result<()>;

    /// Marks the record behind an item as refused (or back to pending), with the reason.
    fn set_record_state(&self, kind: ItemKind, record_key: &str, state: RecordState, message: &str) -> Result<()>;

    /// Marks workers leaving: one departure row each, one outbox item per batch of
    /// `batch_size`, all in one transaction. Returns the outbox ids.
    fn record_departures(&mut self, batch: &Validated<DepartureBatch>, batch_size: usize) -> Result<Vec<ItemId>>;

    /// Applies a leave answer: those not in `failures` left; those in it need a fix.
    /// Returns true when every departure of the item is now on the platform.
    fn apply_leave_answer(&mut self, item_id: ItemId, failures: &[LeaveFailure]) -> Result<bool>;

    /// The platform refused a whole leave batch: every unsent departure in it needs a fix.
    fn refuse_departures(&mut self, item_id: ItemId, message: &str) -> Result<()>;

    /// A leave batch waits without blame (the queue is paused): its departures are pending.
    fn reset_departures(&self, item_id: ItemId) -> Result<()>;
}

pub trait DraftReads {
    /// A draft, as a record the enrollment form can open (state 待补全, nothing on the platform).
    fn draft(&self, id_code: &str) -> Result<Option<WorkerRecord>>;

    /// The enrolled worker, else the draft with this ID number.
    fn worker_or_draft(&self, id_code: &str) -> Result<Option<WorkerRecord>>;

    /// Every draft's worker, for the import's "already a draft" check.
    fn draft_workers(&self) -> Result<Vec<Worker>>;

    /// The ID numbers of drafts whose data no longer reads as a worker (a damaged record, an
    /// older program's), so they can be told once rather than fail one at a time.
    fn damaged_drafts(&self) -> Result<Vec<String>>;

    fn draft_count(&self) -> Result<u64>;
}

pub trait DraftWrites {
    /// Stores the drafts in one transaction (a new one, or an update of an earlier draft).
    /// An ID number enrolled meanwhile is skipped, never turned back into a draft: returns
    /// those skipped.
    fn save_drafts(&mut self, drafts: &[(Validated<WorkerDraft>, DraftSource)]) -> Result<Vec<String>>;

    /// Removes a draft the clerk does not want (imported by mistake). Returns whether it existed.
    fn delete_draft(&mut self, id_code: &IdNumber) -> Result<bool>;
}

pub trait CompanyReads {
    fn company(&self, suid: &str) -> Result<Option<CompanyRecord>>;

    /// All companies, removed ones excluded once the platform confirmed.
    fn companies(&self) -> Result<Vec<CompanyRecord>>;

    /// How many workers name this company (to warn before removing it).
    fn workers_in_company(&self, company_name: &str) -> Result<u64>;

    /// Name of the company with this SUID, if any (for dependency checks).
    fn company_suid_by_name(&self, company_name: &str) -> Result<Option<String>>;
}

pub trait CompanyWrites {
    /// Stores the company and queues AddCompany (an upsert keyed by SUID), in one transaction.
    fn save_company(&mut self, company: &Validated<Company>) -> Result<ItemId>;

    /// Queues ProjectRemoveCompany; the company stays listed (marked) until the platform agrees.
    fn remove_company(&mut self, removal: &Validated<CompanyRemoval>) -> Result<ItemId>;

    fn mark_company_sent(&mut self, item_id: ItemId, suid: &str, removed: bool) -> Result<()>;
}

/// The queue's own state (pause, breaker, clock offset, last refusal) is kept among the
/// settings, under the same keys on every backend: read here once for all of them.
pub trait QueueReads: SettingsReads {
    fn outbox_item(&self, id: ItemId) -> Result<OutboxItem>;

    /// All items, newest first; `include_sent` false leaves out what the platform has.
    fn outbox_items(&self, include_sent: bool) -> Result<Vec<OutboxItem>>;

    /// Everything not yet sent, and the newest `sent_limit` sent items, newest first: what
    /// the queue screen shows, without reading months of history on every change.
    fn outbox_items_recent(&self, sent_limit: usize) -> Result<Vec<OutboxItem>>;

    /// Items that may be sent at `now`, oldest first (order decides dependencies).
    fn due_items(&self, now: DateTime<Utc>) -> Result<Vec<OutboxItem>>;

    /// The newest item's id (0 for an empty queue): what a sender has seen before it lets go.
    fn newest_item_id(&self) -> Result<ItemId>;

    /// The earliest scheduled retry, to know how long the sender may sleep.
    fn next_retry_at(&self) -> Result<Option<DateTime<Utc>>>;

    fn outbox_counts(&self) -> Result<OutboxCounts>;

    /// Is an item of `kind` for `record_key`, older than `before_id`, still on its way (waiting,
    /// sending or scheduled)? One that needs a fix does not hold others back: they go and
    /// the platform's answer says what is wrong, instead of waiting silently forever.
    fn has_pending_item_before(&self, kind: ItemKind, record_key: &str, before_id: ItemId) -> Result<bool>;

    /// Why the whole queue is paused (the settings are refused), if it is.
    fn queue_paused(&self) -> Result<Option<String>> {
        self.setting("queue_paused")
    }

    /// When the network failed as a whole, the queue waits until then (a circuit breaker:
    /// backoff for the queue, not per record). `None` when closed.
    fn breaker(&self) -> Result<Option<(DateTime<Utc>, u32)>> {
        let until = self
            .setting("breaker_until")?
            .as_deref()
            .and_then(crate::parse_timestamp);
        let failures = self
            .setting("breaker_failures")?
            .and_then(|f| f.parse().ok())
            .unwrap_or(0);
        Ok(until.map(|u| (u, failures)))
    }

    /// The platform's clock minus this PC's, as last learned.
    fn clock_offset_ms(&self) -> Result<Option<i64>> {
        Ok(self.setting("clock_offset_ms")?.and_then(|v| v.parse().ok()))
    }

    /// The refusal before this one (for telling a settings problem: the same words for
    /// different records in a row). Cleared whenever something is accepted.
    fn last_refusal(&self) -> Result<Option<LastRefusal>> {
        Ok(self
            .setting("last_refusal")?
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Did the clerk say these words are not a settings problem?
    fn words_dismissed(&self, refusal: &LastRefusal) -> Result<bool> {
        Ok(self.setting("not_settings_words")?.as_deref() == Some(refusal.words_key().as_str()))
    }
}

/// The queue's state among the settings is written here once for every backend, as
/// [`QueueReads`] reads it.
pub trait QueueWrites: SettingsWrites {
    /// Claims the item for this sender, recorded before the request leaves, so a crash
    /// mid-send is visible at start-up. `false`: another sender holds it (a site database's
    /// other station), and this one leaves it alone; one sender per data dir always gets it.
    fn mark_sending(&self, id: ItemId) -> Result<bool>;

    fn mark_retry(&self, id: ItemId, at: DateTime<Utc>, code: &str, message: &str, advice: &str) -> Result<()>;

    /// Back to waiting without blame (the queue was paused, not the item's fault).
    fn mark_waiting(&self, id: ItemId) -> Result<()>;

    /// An attempt ended without the platform's answer after the request may have reached it.
    fn mark_maybe_delivered(&self, id: ItemId) -> Result<()>;

    /// Parks an item with the platform's words and what it waits for. A settings refusal
    /// leaves the item waiting (it is not the record's fault; the queue is paused instead);
    /// every other reason is 需处理 until its way back opens.
    fn park(&self, id: ItemId, p: &Parking<'_>) -> Result<()>;

    /// On an item the platform now has: the code it actually sent (48, or 47 to a resend)
    /// and our note on why that counts as done.
    fn note_outcome(&self, id: ItemId, code: &str, message: &str) -> Result<()>;

    /// The clerk asked for it (立即重试): due now, also when it needed a fix.
    fn retry_now(&self, id: ItemId) -> Result<()>;

    /// Makes every scheduled retry due now (an explicit "drain", or the network came back).
    fn retry_all_now(&self) -> Result<usize>;

    /// At start-up: anything still "sending" was cut off (power, kill). Every write of this
    /// protocol is an upsert or answered 48, so sending it again is safe; it may have reached
    /// the platform, which a 47 to the resend of a departure or removal then tells.
    fn recover_interrupted_sends(&self) -> Result<usize>;

    /// Pauses (with the reason and the fingerprint of the settings it was refused under) or
    /// resumes the queue.
    fn set_queue_paused(&self, pause: Option<(&str, &str)>) -> Result<()>;

    /// The settings changed (a new secret, key, serial, address or project): a pause set under
    /// other settings is lifted, and every item parked for a settings reason under other
    /// settings goes back to the queue. Returns how many items went back.
    fn requeue_after_settings_change(&self, fingerprint: &str) -> Result<usize>;

    /// An item a failed pass left "sending" goes back to waiting at once (not at next start).
    fn release_sending(&self, id: ItemId) -> Result<()>;

    fn open_breaker(&self, until: DateTime<Utc>, failures: u32) -> Result<()> {
        self.set_setting("breaker_until", Some(&crate::timestamp(until)))?;
        self.set_setting("breaker_failures", Some(&failures.to_string()))
    }

    /// The platform answered (or the clerk asked for a try now).
    fn reset_breaker(&self) -> Result<()> {
        self.set_setting("breaker_until", None)?;
        self.set_setting("breaker_failures", None)
    }

    fn remember_clock_offset_ms(&self, ms: i64) -> Result<()> {
        self.set_setting("clock_offset_ms", Some(&ms.to_string()))
    }

    fn set_last_refusal(&self, refusal: Option<&LastRefusal>) -> Result<()> {
        let json = refusal.and_then(|r| serde_json::to_string(r).ok());
        self.set_setting("last_refusal", json.as_deref())
    }

    /// The clerk said a pause was not a settings problem: these words, under these settings,
    /// are judged record by record from now on, and the queue resumes.
    fn dismiss_settings_pause(&self) -> Result<()>;
}

pub trait AttendanceReads {
    /// The newest log of this person in this direction (for the debounce).
    fn last_pass(&self, id_code: &str, direction: Direction) -> Result<Option<PassRow>>;

    /// Logs that passed in `[from, to)`, oldest first: a day's list.
    fn passes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<PassRow>>;

    /// The log behind a queue item, with its photo.
    fn pass_of_item(&self, item_id: ItemId) -> Result<Option<(PassRow, Option<Vec<u8>>)>>;
}

pub trait AttendanceWrites {
    /// Keeps a checked pass and queues it, in one transaction, with how the person was
    /// identified (also in the audit trail). Returns the queue item.
    fn record_pass(
        &mut self,
        pass: &Validated<Pass>,
        person_name: &str,
        company: &str,
        site_photo: Option<&[u8]>,
        identified: domain::Identified,
    ) -> Result<ItemId>;

    /// The platform has these logs.
    fn mark_passes_sent(&mut self, item_ids: &[ItemId]) -> Result<()>;

    /// Logs the queue could not send within the platform's window become 已过时限: they can
    /// never be sent, and stay listed and counted. `now` is the platform-corrected clock.
    /// `window_secs` is the setting 平台规定 → 考勤上传时限.
    fn expire_passes(&self, now: DateTime<Utc>, window_secs: i64) -> Result<usize>;
}

pub trait FaceReads {
    /// The descriptor kept for a worker (or the note on why there is none).
    fn face_row(&self, id_code: &str) -> Result<Option<FaceRow>>;

    /// The descriptors `model` made of the workers on the site: what the 考勤 point's 1:N
    /// gallery holds (a departed worker is never proposed).
    fn on_site_descriptors(&self, model: &str) -> Result<Vec<(String, Vec<u8>)>>;

    /// Workers with a face photo on file and nothing from `model` yet (never tried, or tried
    /// by an older model), at most `limit`, by ID number: the backfill's next ones.
    fn workers_without_descriptor(&self, model: &str, limit: usize) -> Result<Vec<String>>;
}

pub trait FaceWrites {
    /// Keeps (or replaces) a worker's descriptor; `None` with a note when the face photo was
    /// tried and gave none, so it is not tried again by the same model.
    fn keep_descriptor(
        &self,
        id_code: &str,
        descriptor: Option<&[u8]>,
        model: &str,
        source: DescriptorSource,
        note: &str,
    ) -> Result<()>;
}

pub trait BlacklistReads {
    /// ID number → reason, for the enrollment checks.
    fn blacklist_reasons(&self) -> Result<HashMap<String, String>>;

    fn blacklist(&self) -> Result<Vec<BlacklistEntry>>;
}

pub trait BlacklistWrites {
    /// Adds or updates entries (the ID numbers already checked by the caller).
    fn add_to_blacklist(&mut self, entries: &[BlacklistEntry]) -> Result<()>;

    fn remove_from_blacklist(&mut self, id_code: &IdNumber, by: &str) -> Result<bool>;
}

pub trait DictionaryReads {
    /// The cached entries in the platform's order, and when they were fetched.
    fn dictionary(&self, kind: Endpoint) -> Result<Option<(Vec<DictEntry>, DateTime<Utc>)>>;

    /// The codes of a cached dictionary; empty when never fetched.
    fn dictionary_codes(&self, kind: Endpoint) -> Result<std::collections::HashSet<String>>;
}

pub trait DictionaryWrites {
    /// Replaces the cached copy of one dictionary.
    fn save_dictionary(&mut self, kind: Endpoint, entries: &[DictEntry], fetched_at: DateTime<Utc>) -> Result<()>;
}

pub trait SettingsReads {
    fn setting(&self, key: &str) -> Result<Option<String>>;

    /// The `api_version` each endpoint of this environment's platform took when the table's
    /// was refused (see [`protocol::PlatformClient::send_any`]).
    fn learnt_versions(&self, environment: &str) -> Result<std::collections::BTreeMap<protocol::Endpoint, String>>;
}

pub trait SettingsWrites {
    fn set_setting(&self, key: &str, value: Option<&str>) -> Result<()>;

    fn remember_version(&self, environment: &str, endpoint: protocol::Endpoint, version: &str) -> Result<()>;
}

pub trait AuditReads {
    fn audit_trail(&self, limit: usize) -> Result<Vec<(String, String, String, String)>>;

    fn success_counts(&self, environment: &str) -> Result<Vec<(String, u64)>>;
}

pub trait AuditWrites {
    /// One line of the audit trail. `record` names the record (masked ID, SUID, item id);
    /// never a photo, never the secret.
    fn audit(&self, action: &str, record: &str, detail: &str) -> Result<()>;

    /// Counts a successful call per environment, for the platform's acceptance checklist.
    fn count_success(&self, environment: &str, endpoint: &str) -> Result<()>;
}

pub trait MaintenanceReads {
    /// Where the records are kept, as the clerk is shown it: this PC's file (a shared
    /// backend names its server).
    fn location(&self) -> String;

    fn schema_version(&self) -> Result<i64>;

    fn stats(&self) -> Result<StoreStats>;

    /// When the last backup was made here, if ever.
    fn last_backup_at(&self) -> Result<Option<DateTime<Utc>>>;

    /// When the oldest record not yet on the platform was queued: until it goes, it exists on
    /// this PC only.
    fn oldest_unsent_at(&self) -> Result<Option<DateTime<Utc>>>;

    /// 0 none, 1 full, 2 incremental.
    fn auto_vacuum_mode(&self) -> Result<i64>;

    /// Whether writes would be refused (opened read-only, or a file SQLite could only open so).
    fn is_read_only(&self) -> bool;
}

pub trait MaintenanceWrites {
    /// Removes the photos of workers whose departure the platform accepted before
    /// `left_before`, and the site photos of logs the platform has had since before
    /// `logs_before`. Records, history and thumbnails stay. Returns what went.
    fn prune_photos(&mut self, left_before: DateTime<Utc>, logs_before: DateTime<Utc>) -> Result<Pruned>;

    /// The prune with the settings' ages (days) counted from `now`.
    fn prune_by_age(&mut self, now: DateTime<Utc>, departed_days: u32, site_photo_days: u32) -> Result<Pruned>;

    /// Gives up to `pages` free pages back to the file system: short, so it never holds the
    /// writer for long. Returns the pages still free.
    fn vacuum_a_little(&self, pages: u32) -> Result<u64>;

    /// Gives every free page back (the command line's prune).
    fn vacuum_all(&self) -> Result<u64>;

    /// Moves what the write-ahead log holds into the database file and empties the log (after
    /// a bulk load, so the file sizes are the steady state's).
    fn checkpoint(&self) -> Result<()>;

    /// A store made before incremental vacuum existed is switched over once (a full rewrite:
    /// only from the command line, never under the window).
    fn enable_incremental_vacuum(&self) -> Result<bool>;

    /// A consistent copy of the whole store at `dest`, made while others read and write (the
    /// online backup copies a little at a time and starts over if a writer changed a page).
    /// The copy holds every ID number and photo: it is private to this user, written through
    /// a temp file that a failure removes, never over the store itself (see
    /// [`host::output_file`]).
    fn backup_to(&self, dest: &Path, existing: Existing, station: &StationFiles) -> Result<()>;

    /// A copy of the store in the data dir's backup folder, once a day, the newest
    /// [`AUTO_BACKUPS_KEPT`] kept. Skipped (with `Ok(None)`) when the disk has too little room:
    /// a backup that filled the disk would stop the clerk's next save.
    fn backup_automatically(&self, data_dir: &Path, now: DateTime<Utc>) -> Result<Option<PathBuf>>;
}

pub trait BulkWrites {
    /// Companies, all already on the platform.
    fn bulk_companies(&mut self, companies: &[Validated<Company>]) -> Result<()>;

    /// Workers with their photos and a queue item in the state their record says.
    fn bulk_workers(&mut self, workers: Vec<BulkWorker<'_>>) -> Result<usize>;
}

/// Every read, for the window and the commands.
pub trait StoreReads:
    WorkerReads
    + DraftReads
    + CompanyReads
    + QueueReads
    + AttendanceReads
    + FaceReads
    + BlacklistReads
    + DictionaryReads
    + SettingsReads
    + AuditReads
    + MaintenanceReads
{
}

impl<T> StoreReads for T where
    T: WorkerReads
        + DraftReads
        + CompanyReads
        + QueueReads
        + AttendanceReads
        + FaceReads
        + BlacklistReads
        + DictionaryReads
        + SettingsReads
        + AuditReads
        + MaintenanceReads
        + ?Sized
{
}

/// Every read and every write: what a station's use cases and the sender hold.
pub trait Backend:
    StoreReads
    + WorkerWrites
    + DraftWrites
    + CompanyWrites
    + QueueWrites
    + AttendanceWrites
    + FaceWrites
    + BlacklistWrites
    + DictionaryWrites
    + SettingsWrites
    + AuditWrites
    + MaintenanceWrites
    + BulkWrites
    + Send
{
}

impl<T> Backend for T where
    T: StoreReads
        + WorkerWrites
        + DraftWrites
        + CompanyWrites
        + QueueWrites
        + AttendanceWrites
        + FaceWrites
        + BlacklistWrites
        + DictionaryWrites
        + SettingsWrites
        + AuditWrites
        + MaintenanceWrites
        + BulkWrites
        + Send
        + ?Sized
{
}

/// The traits, for code that calls them on a concrete [`Store`](crate::Store) (tests, the generator).
pub mod prelude {
    pub use super::{
        AttendanceReads, AttendanceWrites, AuditReads, AuditWrites, Backend, BlacklistReads, BlacklistWrites,
        BulkWrites, CompanyReads, CompanyWrites, DictionaryReads, DictionaryWrites, DraftReads, DraftWrites, FaceReads,
        FaceWrites, MaintenanceReads, MaintenanceWrites, QueueReads, QueueWrites, SettingsReads, SettingsWrites,
        StoreReads, WorkerReads, WorkerWrites,
    };
}
