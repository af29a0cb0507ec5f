//! One drain of the queue: pick the oldest due item whose dependencies are on the platform,
//! build its body from the stored record (fresh timestamp and signature), send, record the
//! outcome, repeat.
//!
//! An item is sent only by the sender that claimed it (`mark_sending`): on a site database
//! several stations send from one queue, and one that finds an item taken leaves it to the
//! station that took it.
//!
//! Only the platform's own envelope can park a record, and every parked record has a way back
//! that needs no person when none is needed: a settings refusal waits for the settings to
//! change, a dependency refusal for the company or worker to be accepted.

use std::fs::File;
use std::path::Path;

use chrono::{Duration, Utc};
use serde::Serialize;

use super::retry::{Backoff, Decision, Outcome, decide};
use api::envelope::CODE_PARTIAL;
use api::types::RegisterAnswer;
use api::{ApiError, Endpoint, PlatformClient, explain_code};
use domain::mask_id;
use store::{Backend, ItemId, ItemKind, OutboxItem, ParkReason, StoreError};

#[cfg(test)]
mod claim_tests;
mod pass_partial;
mod passes;
mod records;
mod refusals;
pub use passes::{BATCH_MAX as PASS_BATCH_MAX, DEVICE_ID_MISSING, NOT_UNDER_CONSTRUCTION};

/// Only one sender per data dir, across processes (the window and `outbox drain`).
#[derive(Debug)]
pub struct SenderLock {
    _file: File,
}

/// Who holds the queue, written beside the lock by its holder: the lock file itself cannot be
/// read while locked on Windows, and "the window is sending" was said about 23 of 30 parallel
/// commands when no window ran at all.
const HOLDER_FILE: &str = "sender.holder";

/// What trying the lock found.
#[derive(Debug)]
pub enum LockAttempt {
    Acquired(SenderLock),
    /// Someone else sends; in the clerk's words, who ("窗口程序", "另一个命令（…）").
    HeldBy(String),
}

impl SenderLock {
    /// `holder` says who this is, for whoever finds the lock taken ("窗口程序",
    /// "另一个命令（cwr-station register）").
    pub fn try_acquire(data_dir: &Path, holder: &str) -> Result<LockAttempt, String> {
        host::paths::ensure_private_dir(data_dir).map_err(|e| format!("打不开数据目录：{e}"))?;
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(data_dir.join("sender.lock"))
            .map_err(|e| format!("打不开上传锁文件：{e}"))?;
        match file.try_lock() {
            Ok(()) => {
                let line = format!("{holder}（进程 {}）", std::process::id());
                if let Err(e) = std::fs::write(data_dir.join(HOLDER_FILE), line) {
                    tracing::warn!("who sends is not written down: {e}");
                }
                Ok(LockAttempt::Acquired(SenderLock { _file: file }))
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(data_dir.join(HOLDER_FILE))
                    .ok()
                    .map(|t| t.trim().chars().take(200).collect::<String>())
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "另一个程序".into());
                Ok(LockAttempt::HeldBy(holder))
            }
            Err(std::fs::TryLockError::Error(e)) => Err(format!("无法锁定上传队列：{e}")),
        }
    }
}

/// How a window's sender names itself to commands that find the queue taken.
pub const WINDOW_HOLDER: &str = "窗口程序";

/// How a command names itself: `另一个命令（cwr-station register）`.
pub fn command_holder() -> String {
    format!("另一个命令（cwr-station {}）", command_words(std::env::args().skip(1)))
}

/// The command's own words among its arguments: `outbox drain`, `register`, never a path or
/// an ID number given with it.
fn command_words(args: impl Iterator<Item = String>) -> String {
    const WITH_SUBCOMMAND: [&str; 6] = ["company", "outbox", "card", "store", "acceptance", "import"];
    const GLOBAL_WITH_VALUE: [&str; 2] = ["--config", "--data-dir"];
    let mut words: Vec<String> = Vec::new();
    let mut skip_value = false;
    for arg in args {
        if std::mem::take(&mut skip_value) {
            continue;
        }
        if GLOBAL_WITH_VALUE.contains(&arg.as_str()) {
            skip_value = true;
            continue;
        }
        if arg.starts_with('-') {
            continue;
        }
        let more = words.first().is_some_and(|w| WITH_SUBCOMMAND.contains(&w.as_str())) && words.len() == 1;
        if words.is_empty() || more {
            words.push(arg);
        } else {
            break;
        }
    }
    words.join(" ")
}

#[derive(Debug, Clone)]
pub struct SendSettings {
    pub project_id: String,
    /// Label of the environment, for the acceptance counts (测试 / 正式 / 演示).
    pub environment: String,
    pub backoff: Backoff,
    /// [`api::settings_fingerprint`] of the settings the client signs with: a refusal
    /// is remembered under it, and a change of settings requeues what they refused.
    pub fingerprint: String,
    /// `Device_ID` of the attendance logs (the settings' 门禁设备号).
    pub device_id: String,
    /// Days a departed worker's photos and a sent log's site photo are kept.
    pub departed_photo_keep_days: u32,
    pub site_photo_keep_days: u32,
    /// The settings' 平台规定 → 考勤上传时限: past it a log is 已过时限, never sent.
    pub attendance_window_secs: i64,
}

impl SendSettings {
    /// The gate's `Device_ID` is part of what a refusal is remembered under: a log parked for
    /// want of it goes back to the queue by itself once it is filled in.
    pub fn with_device_id(self, device_id: &str) -> SendSettings {
        let device_id = device_id.trim().to_string();
        SendSettings {
            fingerprint: api::settings_fingerprint(&self.fingerprint, &device_id, "", "", ""),
            device_id,
            ..self
        }
    }

    pub fn for_client(client: &PlatformClient, project_id: &str, environment: &str) -> SendSettings {
        let c = client.credentials();
        SendSettings {
            project_id: project_id.to_string(),
            environment: environment.to_string(),
            backoff: Backoff::default(),
            fingerprint: api::settings_fingerprint(
                c.api_secret.expose(),
                &c.base_url,
                &c.api_key,
                &c.client_serial,
                project_id,
            ),
            device_id: String::new(),
            departed_photo_keep_days: 180,
            site_photo_keep_days: 30,
            attendance_window_secs: domain::attendance::DEFAULT_WINDOW_SECS,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DrainReport {
    pub attempted: usize,
    pub sent: usize,
    pub retry: usize,
    pub needs_fix: usize,
    /// Set when the queue is paused (settings refused, or settings missing), with the reason.
    pub paused: Option<String>,
    /// Due items that wait for another record to go first.
    pub blocked: usize,
    /// Items that went back to the queue because the settings changed.
    pub requeued: usize,
    /// The network failed as a whole: the queue waits until then before trying again.
    pub waiting_until: Option<chrono::DateTime<Utc>>,
    /// The pass ended early because the sender was asked to stop.
    pub stopped: bool,
    /// Attendance logs that passed the platform's window unsent, now 已过时限.
    pub expired: usize,
}

pub struct Sender<'a> {
    store: &'a mut dyn Backend,
    client: &'a PlatformClient,
    settings: &'a SendSettings,
    /// Set by the last attempt when it failed without reaching the platform's envelope.
    network_failed: bool,
    /// Items of this pass another sender claimed first (a site database's other station):
    /// left to it, not sent, not counted as attempted, not picked again in this pass.
    skipped: Vec<ItemId>,
}

/// How an attempt ended when the platform did not simply accept it.
enum SendFailure {
    Api(ApiError),
    Store(StoreError),
    /// Found on this PC before anything was sent.
    Local(String),
    /// A leave batch answered `10` naming some of its workers: those are refused.
    Partial {
        code: String,
        message: String,
    },
    /// A leave batch answered `10` that cannot be matched to it: unknown who left.
    Unmatched {
        words: String,
        result_data: String,
    },
}

impl From<ApiError> for SendFailure {
    fn from(e: ApiError) -> Self {
        SendFailure::Api(e)
    }
}

impl From<StoreError> for SendFailure {
    fn from(e: StoreError) -> Self {
        SendFailure::Store(e)
    }
}

/// After this many non-platform answers in a row, the advice points at the address and proxy.
const REPEATED_NOT_PLATFORM: u32 = 3;

impl<'a> Sender<'a> {
    pub fn new(store: &'a mut dyn Backend, client: &'a PlatformClient, settings: &'a SendSettings) -> Sender<'a> {
        Sender {
            store,
            client,
            settings,
            network_failed: false,
            skipped: Vec::new(),
        }
    }

    /// Sends every due item once (those failing transiently are rescheduled, not retried here).
    pub fn drain(&mut self) -> Result<DrainReport, StoreError> {
        self.drain_until(&|| false)
    }

    /// Like [`drain`](Self::drain), checking `stop` before every item. A failure to reach the
    /// platform ends the pass and makes the whole queue wait (circuit breaker): against a
    /// platform that accepts connections and never answers, one call times out, not ten.
    pub fn drain_until(&mut self, stop: &dyn Fn() -> bool) -> Result<DrainReport, StoreError> {
        // What another station took is left to it for one pass, not for good.
        self.skipped.clear();
        let mut report = DrainReport {
            requeued: self.store.requeue_after_settings_change(&self.settings.fingerprint)?,
            // Whatever else stops this pass, a log past the window is marked now, not sent later.
            expired: self
                .store
                .expire_passes(self.client.clock().platform_now(), self.settings.attendance_window_secs)?,
            ..DrainReport::default()
        };
        self.client
            .assume_versions(self.store.learnt_versions(&self.settings.environment)?);
        if let Some(reason) = self.store.queue_paused()? {
            report.paused = Some(reason);
            return Ok(report);
        }
        if let Some((until, _)) = self.store.breaker()?
            && until > Utc::now()
        {
            report.waiting_until = Some(until);
            return Ok(report);
        }
        if self.settings.project_id.trim().is_empty() {
            report.paused = Some("还没有设置项目编号（Project_ID）：请到“设置”里填写".into());
            return Ok(report);
        }
        // Bounded: each pass changes one item's state, so the queue length bounds the loop.
        let limit = self.store.outbox_counts()?.open() as usize + 1;
        for _ in 0..limit {
            let due = self.store.due_items(Utc::now())?;
            // Attendance logs come first in `due`; those due together go in one call.
            let mut batch = Vec::new();
            let mut blocked = 0;
            for item in due {
                if self.skipped.contains(&item.id) {
                    continue;
                }
                if self.blocked_by(&item)?.is_some() {
                    blocked += 1;
                    continue;
                }
                let is_pass = item.kind == ItemKind::Attendance;
                if batch.is_empty() || (is_pass && batch.len() < PASS_BATCH_MAX) {
                    batch.push(item);
                    if is_pass {
                        continue;
                    }
                }
                break;
            }
            report.blocked = blocked;
            if batch.is_empty() {
                break;
            }
            if stop() {
                report.stopped = true;
                break;
            }
            self.network_failed = false;
            let skipped_before = self.skipped.len();
            let sent = if batch[0].kind == ItemKind::Attendance {
                self.send_passes(&batch)
            } else {
                self.send_item(&batch[0]).map(|d| d.into_iter().collect())
            };
            report.attempted += batch.len().saturating_sub(self.skipped.len() - skipped_before);
            self.keep_learnt_versions()?;
            let decisions = match sent {
                Ok(d) => d,
                Err(e) => {
                    // A store failure after mark_sending: the items go back at once, not at
                    // the next start of the program.
                    for item in &batch {
                        let _ = self.store.release_sending(item.id);
                    }
                    return Err(e);
                }
            };
            for decision in &decisions {
                match decision {
                    Decision::Done => report.sent += 1,
                    Decision::RetryAfterSecs(_) => report.retry += 1,
                    Decision::NeedsFix => report.needs_fix += 1,
                    Decision::PauseQueue => {}
                }
            }
            if decisions.contains(&Decision::PauseQueue) {
                report.paused = self.store.queue_paused()?;
                break;
            }
            if self.network_failed {
                let failures = self.store.breaker()?.map_or(0, |(_, n)| n) + 1;
                let secs = self.settings.backoff.delay_secs(failures, fastrand::f64());
                let until = Utc::now() + Duration::seconds(secs as i64);
                self.store.open_breaker(until, failures)?;
                report.waiting_until = Some(until);
                break;
            }
            self.store.reset_breaker()?;
        }
        if let Some(ms) = self.client.clock().offset_ms() {
            self.store.remember_clock_offset_ms(ms)?;
        }
        Ok(report)
    }

    /// What must reach the platform before this item may go: the company before the workers
    /// who name it, a registration before that worker's departure, a superior company first.
    pub fn blocked_by(&self, item: &OutboxItem) -> Result<Option<String>, StoreError> {
        match item.kind {
            ItemKind::Register => {
                let Some(rec) = self.store.worker(&item.record_key)? else {
                    return Ok(None);
                };
                if let Some(suid) = self.store.company_suid_by_name(&rec.worker.emp_company)?
                    && self
                        .store
                        .has_pending_item_before(ItemKind::AddCompany, &suid, ItemId::MAX)?
                {
                    return Ok(Some(format!("等待单位“{}”先上传", rec.worker.emp_company)));
                }
                Ok(None)
            }
            ItemKind::Leave => {
                for (id_code, _) in self.store.unsent_departures(item.id)? {
                    if self
                        .store
                        .has_pending_item_before(ItemKind::Register, &id_code, item.id)?
                    {
                        return Ok(Some(format!("等待 {} 的登记先上传", mask_id(&id_code))));
                    }
                }
                Ok(None)
            }
            ItemKind::AddCompany => {
                let superior = self
                    .store
                    .company(&item.record_key)?
                    .map(|c| c.company.suid_superior)
                    .unwrap_or_default();
                if !superior.is_empty()
                    && self
                        .store
                        .has_pending_item_before(ItemKind::AddCompany, &superior, item.id)?
                {
                    return Ok(Some("等待上级单位先上传".into()));
                }
                Ok(None)
            }
            ItemKind::RemoveCompany => {
                if self
                    .store
                    .has_pending_item_before(ItemKind::AddCompany, &item.record_key, item.id)?
                {
                    return Ok(Some("等待该单位的新增先完成".into()));
                }
                Ok(None)
            }
            ItemKind::Attendance => {
                let Some((row, _)) = self.store.pass_of_item(item.id)? else {
                    return Ok(None);
                };
                if row.person_type == "1"
                    && self
                        .store
                        .has_pending_item_before(ItemKind::Register, &row.id_code, ItemId::MAX)?
                {
                    return Ok(Some(format!("等待 {} 的登记先上传", row.person_name)));
                }
                Ok(None)
            }
        }
    }

    /// `None`: another sender claimed it first, and sends it.
    fn send_item(&mut self, item: &OutboxItem) -> Result<Option<Decision>, StoreError> {
        let result = match item.kind {
            // Batched, and claimed there: see `send_passes`.
            ItemKind::Attendance => return Ok(self.send_passes(std::slice::from_ref(item))?.pop()),
            _ if !self.store.mark_sending(item.id)? => {
                self.skipped.push(item.id);
                return Ok(None);
            }
            ItemKind::Register => self.send_register(item),
            ItemKind::Leave => self.send_leave(item),
            ItemKind::AddCompany => self.send_add_company(item),
            ItemKind::RemoveCompany => self.send_remove_company(item),
        };
        self.settle(item, result).map(Some)
    }

    /// Records how a claimed item's attempt ended.
    fn settle(&mut self, item: &OutboxItem, result: Result<(), SendFailure>) -> Result<Decision, StoreError> {
        let attempts = item.attempts + 1;
        match result {
            Ok(()) => {
                self.store.set_last_refusal(None)?;
                Ok(Decision::Done)
            }
            Err(SendFailure::Api(err)) => self.record_failure(item, attempts, &err),
            Err(SendFailure::Local(message)) => {
                self.park(item, ParkReason::Local, "", &message, "", "请修改后重新提交")?;
                Ok(Decision::NeedsFix)
            }
            Err(SendFailure::Partial { code, message }) => {
                self.store.set_last_refusal(None)?;
                self.park(item, ParkReason::Record, &code, &message, "", explain_code(&code))?;
                Ok(Decision::NeedsFix)
            }
            Err(SendFailure::Unmatched { words, result_data }) => {
                self.store.set_last_refusal(None)?;
                let advice = "平台说部分人员离场失败，但没有说明是哪几位：本批人员暂不标记为已离场。请点“立即重试”重新发送这一批（重复离场不会出错），以平台的新回答为准";
                self.store
                    .refuse_departures(item.id, "平台回答“部分失败”但没有说明是谁：请重新发送这一批以确认")?;
                self.park(
                    item,
                    ParkReason::UnknownPartial,
                    CODE_PARTIAL,
                    &words,
                    &result_data,
                    advice,
                )?;
                Ok(Decision::NeedsFix)
            }
            // Our own disk hiccuped (busy, full): not the record's fault, try again later.
            // Re-sending after the platform already took it is safe (upsert or 48).
            Err(SendFailure::Store(err)) => {
                let secs = self.settings.backoff.delay_secs(attempts, fastrand::f64());
                let message = format!("本机数据库暂时出错：{err}");
                self.store.mark_retry(
                    item.id,
                    Utc::now() + Duration::seconds(secs as i64),
                    "",
                    &message,
                    "稍后会自动重试",
                )?;
                Ok(Decision::RetryAfterSecs(secs))
            }
        }
    }

    /// The platform has it although this attempt got no `00` (48, or 47 to a resend). What
    /// the refusal's `result_data` says of the worker is kept; what it leaves out stays as known.
    fn finish_without_answer(&mut self, item: &OutboxItem, err: &ApiError) -> Result<(), StoreError> {
        match item.kind {
            ItemKind::Register => {
                let answer = err
                    .refusal()
                    .map(|r| RegisterAnswer::from_result_data(&r.result_data))
                    .unwrap_or_default();
                self.store.mark_worker_registered(item.id, &item.record_key, &answer)
            }
            ItemKind::Leave => self.store.apply_leave_answer(item.id, &[]).map(|_| ()),
            ItemKind::AddCompany => self.store.mark_company_sent(item.id, &item.record_key, false),
            ItemKind::RemoveCompany => self.store.mark_company_sent(item.id, &item.record_key, true),
            ItemKind::Attendance => self.store.mark_passes_sent(&[item.id]),
        }
    }

    /// What the platform taught about versions in this pass is kept for the next start.
    fn keep_learnt_versions(&self) -> Result<(), StoreError> {
        for (endpoint, version) in self.client.take_newly_learnt() {
            self.store
                .remember_version(&self.settings.environment, endpoint, &version)?;
        }
        Ok(())
    }

    fn count_success(&self, endpoint: Endpoint) -> Result<(), StoreError> {
        self.store.count_success(&self.settings.environment, endpoint.name())
    }
}

#[cfg(test)]
mod holder_tests {
    #[test]
    fn a_command_is_named_by_its_own_words() {
        let words = |a: &[&str]| super::command_words(a.iter().map(|s| s.to_string()));
        assert_eq!(
            words(&["--data-dir", "d", "register", "--worker", "w.json"]),
            "register"
        );
        assert_eq!(words(&["outbox", "drain"]), "outbox drain");
        assert_eq!(words(&["--config", "c.json", "leave", "440305199203150027"]), "leave");
    }
}
