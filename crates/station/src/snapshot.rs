//! The screens' read model: one consistent copy of what the station keeps, made after every
//! change by whoever owns the station (the window's background owner), with the indexes and
//! sort orders the screens need worked out there rather than on the window's thread.

mod ranks;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use api::Endpoint;
use api::types::DictEntry;
use domain::{CompanyRules, WorkerRules};
use store::{BlacklistEntry, CompanyRecord, OutboxCounts, OutboxItem, PassRow, StoreError, WorkerRow};

use crate::Station;

pub use ranks::WorkerRanks;

/// The dictionaries the screens offer (their dropdowns), fetched and kept by the station.
pub const DICTIONARIES: [Endpoint; 4] = [
    Endpoint::DictListEmpCategory,
    Endpoint::DictListJobTypeName,
    Endpoint::DictListJobName,
    Endpoint::GetCompanyType,
];

/// Sent items pile up over months; the newest are enough to look something up.
pub const RECENT_ITEMS: usize = 300;

/// What the screens read: a consistent copy of the store, replaced after every change.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Counts up with every snapshot: screens rebuild what they derive from it only when it
    /// changed.
    pub generation: u64,
    pub workers: Vec<WorkerRow>,
    /// id_code → place in `workers`, so screens find a worker without a scan.
    pub worker_index: std::collections::HashMap<String, usize>,
    /// Company name → workers not departed who name it.
    pub workers_by_company: std::collections::HashMap<String, usize>,
    /// The roster's sort orders over `workers`, worked out where the snapshot is made.
    pub ranks: Arc<WorkerRanks>,
    pub companies: Vec<CompanyRecord>,
    pub outbox: Vec<OutboxItem>,
    pub counts: OutboxCounts,
    /// Why uploads are paused (wrong credentials, missing settings), if they are.
    pub paused: Option<String>,
    /// The network failed as a whole: the queue waits until then.
    pub waiting_until: Option<DateTime<Utc>>,
    pub dictionaries: BTreeMap<Endpoint, (Vec<DictEntry>, DateTime<Utc>)>,
    /// Successful calls per endpoint in the current environment (acceptance checklist).
    pub successes: BTreeMap<String, u64>,
    /// What a worker is checked against, as the station builds it (dictionary codes, the
    /// project's companies, the site's age rules, the blacklist): the form shows the same
    /// problems the station will find.
    pub worker_rules: Arc<WorkerRules>,
    /// What a company is checked against, as the station builds it.
    pub company_rules: Arc<CompanyRules>,
    /// The oldest record not on the platform yet (it exists on this PC only), and the last
    /// backup: the clerk is told to back up when the one is older than a day and the other.
    pub oldest_unsent_at: Option<DateTime<Utc>>,
    pub last_backup_at: Option<DateTime<Utc>>,
    /// Today's attendance logs (Beijing's date on the platform's clock), oldest first.
    pub passes_today: Vec<PassRow>,
    pub today: Option<chrono::NaiveDate>,
    /// The project's blacklist, newest first.
    pub blacklist: Vec<BlacklistEntry>,
    /// The `api_version` each endpoint of this environment's platform took after refusing
    /// the table's (shown under 接口字段与版本).
    pub learnt_versions: BTreeMap<Endpoint, String>,
}

impl Snapshot {
    /// Records have waited on this PC only for more than a day, with no backup since: the
    /// clerk should copy the data somewhere.
    pub fn backup_advised(&self, now: DateTime<Utc>) -> bool {
        match self.oldest_unsent_at {
            Some(oldest) if now - oldest > chrono::Duration::days(1) => self.last_backup_at.is_none_or(|b| b < oldest),
            _ => false,
        }
    }

    pub fn worker(&self, id_code: &str) -> Option<&WorkerRow> {
        self.worker_index.get(id_code).and_then(|&i| self.workers.get(i))
    }

    /// Builds the indexes and sort orders over `workers` (after it and the dictionaries were
    /// filled).
    pub fn index_workers(&mut self) {
        self.ranks = Arc::new(WorkerRanks::build(&self.workers, |kind| self.dictionary(kind)));
        self.worker_index = self
            .workers
            .iter()
            .enumerate()
            .map(|(i, w)| (w.id_code.clone(), i))
            .collect();
        self.workers_by_company.clear();
        for w in &self.workers {
            if w.state != domain::RecordState::Departed && w.state != domain::RecordState::Draft {
                *self.workers_by_company.entry(w.emp_company.clone()).or_default() += 1;
            }
        }
    }

    pub fn dictionary(&self, kind: Endpoint) -> &[DictEntry] {
        self.dictionaries.get(&kind).map(|(e, _)| e.as_slice()).unwrap_or(&[])
    }

    pub fn dict_name(&self, kind: Endpoint, code: &str) -> Option<&str> {
        self.dictionary(kind)
            .iter()
            .find(|e| e.orders == code)
            .map(|e| e.value.as_str())
    }
}

impl Station {
    /// What the screens read, made anew after every change. It also expires the attendance
    /// logs past their window (see [`Station::expire_overdue_passes`]), so a log shows
    /// 已过时限 even when no sender runs (settings missing).
    pub fn snapshot(&self) -> Result<Snapshot, StoreError> {
        let store = self.store();
        // A store that may only be read shows the logs as they are.
        if !store.is_read_only() {
            self.expire_overdue_passes()?;
        }
        let today = self.today();
        let mut dictionaries = BTreeMap::new();
        for kind in DICTIONARIES {
            if let Some(d) = store.dictionary(kind)? {
                dictionaries.insert(kind, d);
            }
        }
        static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let mut snapshot = Snapshot {
            generation: GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            workers: store.roster_rows()?,
            blacklist: store.blacklist()?,
            companies: store.companies()?,
            outbox: store.outbox_items_recent(RECENT_ITEMS)?,
            counts: store.outbox_counts()?,
            paused: store.queue_paused()?,
            waiting_until: store.breaker()?.map(|(until, _)| until).filter(|u| *u > Utc::now()),
            dictionaries,
            worker_rules: Arc::new(self.worker_rules("")?),
            company_rules: Arc::new(self.company_rules()?),
            successes: store
                .success_counts(self.config().environment_label())?
                .into_iter()
                .collect(),
            passes_today: self.passes_on(today).map_err(|e| match e {
                crate::StationError::Local(e) => e,
                other => StoreError::NotFound(other.to_string()),
            })?,
            today: Some(today),
            oldest_unsent_at: store.oldest_unsent_at()?,
            last_backup_at: store.last_backup_at()?,
            learnt_versions: store.learnt_versions(self.config().environment_label())?,
            ..Snapshot::default()
        };
        snapshot.index_workers();
        Ok(snapshot)
    }
}
