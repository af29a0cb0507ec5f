//! One drain of the queue: pick the oldest due item whose dependencies are on the platform,
//! build its body from the stored record (fresh timestamp and signature), send, record the
//! outcome, repeat.
//!
//! Only the platform's own envelope can park a record, and every parked record has a way back
//! that needs no person when none is needed: a settings refusal waits for the settings to
//! change, a dependency refusal for the company or worker to be accepted.

use std::fs::File;
use std::path::Path;

use base64::Engine;
use chrono::{Duration, Utc};
use serde::Serialize;

use super::retry::{Backoff, Decision, Outcome, decide};
use crate::api::envelope::{CODE_NOT_FOUND, CODE_PARTIAL};
use crate::api::types::{LeaveItem, ProjectRemoveCompany, RegisterAnswer, UserLeaveProject};
use crate::api::{ApiError, Endpoint, LeaveOutcome, PlatformClient, explain_code};
use crate::domain::PhotoKind;
use crate::domain::RecordState;
use crate::domain::{Company, mask_id};
use crate::store::{ItemKind, LastRefusal, OutboxItem, ParkReason, Parking, Store, StoreError};

mod passes;
pub use passes::{BATCH_MAX as PASS_BATCH_MAX, NOT_UNDER_CONSTRUCTION};

/// Only one sender per data dir, across processes (the window and `outbox drain`).
#[derive(Debug)]
pub struct SenderLock {
    _file: File,
}

impl SenderLock {
    pub fn try_acquire(data_dir: &Path) -> Result<Option<SenderLock>, String> {
        crate::paths::ensure_private_dir(data_dir).map_err(|e| format!("打不开数据目录：{e}"))?;
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(data_dir.join("sender.lock"))
            .map_err(|e| format!("打不开上传锁文件：{e}"))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(SenderLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(format!("无法锁定上传队列：{e}")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SendSettings {
    pub project_id: String,
    /// Label of the environment, for the acceptance counts (测试 / 正式 / 演示).
    pub environment: String,
    pub backoff: Backoff,
    /// [`crate::api::settings_fingerprint`] of the settings the client signs with: a refusal
    /// is remembered under it, and a change of settings requeues what they refused.
    pub fingerprint: String,
    /// `Device_ID` of the attendance logs (the settings' 门禁设备号).
    pub device_id: String,
    /// Days a departed worker's photos and a sent log's site photo are kept.
    pub departed_photo_keep_days: u32,
    pub site_photo_keep_days: u32,
}

impl SendSettings {
    pub fn for_client(client: &PlatformClient, project_id: &str, environment: &str) -> SendSettings {
        let c = client.credentials();
        SendSettings {
            project_id: project_id.to_string(),
            environment: environment.to_string(),
            backoff: Backoff::default(),
            fingerprint: crate::api::settings_fingerprint(
                c.api_secret.expose(),
                &c.base_url,
                &c.api_key,
                &c.client_serial,
                project_id,
            ),
            device_id: "1".into(),
            departed_photo_keep_days: 180,
            site_photo_keep_days: 30,
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
    store: &'a mut Store,
    client: &'a PlatformClient,
    settings: &'a SendSettings,
    /// Set by the last attempt when it failed without reaching the platform's envelope.
    network_failed: bool,
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
    pub fn new(store: &'a mut Store, client: &'a PlatformClient, settings: &'a SendSettings) -> Sender<'a> {
        Sender {
            store,
            client,
            settings,
            network_failed: false,
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
        let mut report = DrainReport {
            requeued: self.store.requeue_after_settings_change(&self.settings.fingerprint)?,
            // Whatever else stops this pass, a log past the window is marked now, not sent later.
            expired: self.store.expire_passes(self.client.clock().platform_now())?,
            ..DrainReport::default()
        };
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
            report.attempted += batch.len();
            self.network_failed = false;
            let sent = if batch[0].kind == ItemKind::Attendance {
                self.send_passes(&batch)
            } else {
                self.send_item(&batch[0]).map(|d| vec![d])
            };
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
                        .has_pending_item_before(ItemKind::AddCompany, &suid, i64::MAX)?
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
                        .has_pending_item_before(ItemKind::Register, &row.id_code, i64::MAX)?
                {
                    return Ok(Some(format!("等待 {} 的登记先上传", row.person_name)));
                }
                Ok(None)
            }
        }
    }

    fn send_item(&mut self, item: &OutboxItem) -> Result<Decision, StoreError> {
        self.store.mark_sending(item.id)?;
        let attempts = item.attempts + 1;
        let result = match item.kind {
            ItemKind::Register => self.send_register(item),
            ItemKind::Leave => self.send_leave(item),
            ItemKind::AddCompany => self.send_add_company(item),
            ItemKind::RemoveCompany => self.send_remove_company(item),
            // Batched: see `send_passes`.
            ItemKind::Attendance => {
                return Ok(self
                    .send_passes(std::slice::from_ref(item))?
                    .pop()
                    .unwrap_or(Decision::Done));
            }
        };
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

    fn record_failure(&mut self, item: &OutboxItem, attempts: u32, err: &ApiError) -> Result<Decision, StoreError> {
        self.network_failed = !matches!(err, ApiError::Platform(_) | ApiError::Invalid(_));
        let maybe_delivered = item.maybe_delivered || err.may_have_been_processed();
        if err.may_have_been_processed() && !item.maybe_delivered {
            self.store.mark_maybe_delivered(item.id)?;
        }
        let code = err.code().unwrap_or("").to_string();
        let words = err.platform_words();
        let mut outcome = Outcome::of(err);
        // Departure and removal are the writes that are not upserts: a resend after an answer
        // that never came may find the worker already gone or the company already removed
        // (47). That is the state the clerk asked for. On a first send, 47 is a refusal.
        let resent_and_gone = matches!(item.kind, ItemKind::Leave | ItemKind::RemoveCompany)
            && code == CODE_NOT_FOUND
            && item.maybe_delivered
            && self.could_have_gone_through(item)?;
        if resent_and_gone {
            outcome = Outcome::AlreadyDone;
        }
        let decision = decide(outcome, attempts, fastrand::f64(), &self.settings.backoff);
        tracing::warn!(
            item = item.id,
            kind = item.kind.as_str(),
            code,
            ?outcome,
            maybe_delivered,
            "send failed"
        );
        match decision {
            Decision::Done => {
                self.finish_without_answer(item)?;
                let note = if resent_and_gone {
                    format!("上次发送的回答没有收到，重发时平台答“{words}”：说明上次已经办妥，按已完成处理")
                } else {
                    format!("平台答“{words}”：平台已有这条记录，按已完成处理")
                };
                self.store.note_outcome(item.id, &code, &note)?;
                self.store.set_last_refusal(None)?;
            }
            Decision::RetryAfterSecs(secs) => {
                let at = Utc::now() + Duration::seconds(secs as i64);
                let message = if words.is_empty() { err.to_string() } else { words };
                let not_platform = matches!(
                    err,
                    ApiError::Http { .. }
                        | ApiError::NotJson { .. }
                        | ApiError::Redirect { .. }
                        | ApiError::TooLarge { .. }
                );
                let advice = if not_platform && attempts >= REPEATED_NOT_PLATFORM {
                    "多次收到的都不是平台的回答：很可能是“设置”里的平台地址不对，或电脑、工地网络的代理拦截了请求；记录已保存在本机，改正后会自动上传"
                } else {
                    err.advice()
                };
                self.store.mark_retry(item.id, at, &code, &message, advice)?;
            }
            Decision::PauseQueue => {
                self.pause_for_settings(item, &code, &words, err.advice())?;
            }
            Decision::NeedsFix => return self.refused(item, err, &code, &words),
        }
        Ok(decision)
    }

    /// Could an earlier attempt of this departure have gone through? Only if the platform had
    /// every worker in it: a worker it never accepted cannot have left, and its 47 is real.
    fn could_have_gone_through(&self, item: &OutboxItem) -> Result<bool, StoreError> {
        if item.kind != ItemKind::Leave {
            return Ok(true);
        }
        for (id_code, _) in self.store.unsent_departures(item.id)? {
            let accepted = self
                .store
                .worker(&id_code)?
                .is_some_and(|w| !w.locked_category.is_empty() || !w.emp_id.is_empty());
            if !accepted {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// A refusal by the platform's envelope: is it the record, the settings, or something
    /// the record needs that is not on the platform yet?
    fn refused(&mut self, item: &OutboxItem, err: &ApiError, code: &str, words: &str) -> Result<Decision, StoreError> {
        if item.kind == ItemKind::Attendance {
            // Two logs refused alike are alike (the project is not 在建, the worker unknown):
            // that says nothing about the settings, and must not pause registrations.
            let (reason, advice) = match passes::refusal_advice(err) {
                Some(advice) => (ParkReason::Record, advice),
                None if code == CODE_NOT_FOUND => (ParkReason::Dependency, dependency_advice(item.kind)),
                None => (ParkReason::Record, err.advice()),
            };
            self.park(item, reason, code, words, "", advice)?;
            return Ok(Decision::NeedsFix);
        }
        let this = LastRefusal {
            item_id: item.id,
            record_key: item.record_key.clone(),
            code: code.to_string(),
            words: words.to_string(),
            refused_under: self.settings.fingerprint.clone(),
        };
        if let Some(previous) = self.store.last_refusal()?
            && previous.record_key != this.record_key
            && previous.code == this.code
            && previous.words == this.words
            && previous.refused_under == this.refused_under
            && !self.names_own_values(item, words)?
            && !self.store.words_dismissed(&this)?
        {
            let previous_item = self.store.outbox_item(previous.item_id).ok();
            if let Some(prev) =
                previous_item.filter(|p| matches!(p.park_reason, ParkReason::Record | ParkReason::Dependency))
                && !self.names_own_values(&prev, words)?
            {
                self.pause_for_settings(&prev, code, words, "")?;
                self.pause_for_settings(item, code, words, "")?;
                self.store.set_last_refusal(Some(&this))?;
                return Ok(Decision::PauseQueue);
            }
        }
        self.store.set_last_refusal(Some(&this))?;
        let waits_for_another_record = code == CODE_NOT_FOUND && item.kind != ItemKind::RemoveCompany;
        let (reason, advice) = if waits_for_another_record {
            (ParkReason::Dependency, dependency_advice(item.kind))
        } else {
            (ParkReason::Record, err.advice())
        };
        self.park(item, reason, code, words, "", advice)?;
        Ok(Decision::NeedsFix)
    }

    /// The settings are refused: the item waits without blame, the whole queue pauses with
    /// one reason, until the settings change.
    fn pause_for_settings(
        &mut self,
        item: &OutboxItem,
        code: &str,
        words: &str,
        advice: &str,
    ) -> Result<(), StoreError> {
        let advice = if advice.is_empty() {
            "平台对不同的记录给出了同样的拒绝，问题很可能在连接设置（授权帐号、秘钥、设备序号或项目编号）：请到“设置”里核对平台发给本项目的信息；改正后队列会自动继续"
        } else {
            advice
        };
        self.store.park(
            item.id,
            &Parking {
                reason: ParkReason::Settings,
                code,
                message: words,
                detail: "",
                advice,
                refused_under: &self.settings.fingerprint,
            },
        )?;
        if item.kind != ItemKind::Leave {
            self.store.set_record_state(
                item.kind,
                &item.record_key,
                RecordState::Pending,
                "等待连接设置改正后上传",
            )?;
        } else {
            self.store.reset_departures(item.id)?;
        }
        let reason = format!("{advice}（平台原话：代码 {code}，{words}）");
        if self.store.queue_paused()?.is_none() {
            self.store
                .set_queue_paused(Some((&reason, &self.settings.fingerprint)))?;
            self.store.audit("暂停上传", "队列", &reason)?;
        }
        Ok(())
    }

    /// Does the platform's wording name this record's own values (its ID number, name,
    /// company)? Then the same words for two records are about the records, not the settings.
    fn names_own_values(&self, item: &OutboxItem, words: &str) -> Result<bool, StoreError> {
        let mut own = vec![item.record_key.clone()];
        match item.kind {
            ItemKind::Register => {
                if let Some(rec) = self.store.worker(&item.record_key)? {
                    own.extend([rec.worker.emp_name, rec.worker.emp_company]);
                }
            }
            ItemKind::AddCompany | ItemKind::RemoveCompany => {
                if let Some(rec) = self.store.company(&item.record_key)? {
                    own.extend([rec.company.company_name, rec.company.suid_superior]);
                }
            }
            ItemKind::Leave => own.extend(self.store.unsent_departures(item.id)?.into_iter().map(|(id, _)| id)),
            ItemKind::Attendance => own.extend(self.own_words_of_pass(item)?),
        }
        Ok(own.iter().any(|v| v.chars().count() >= 2 && words.contains(v.as_str())))
    }

    fn park(
        &mut self,
        item: &OutboxItem,
        reason: ParkReason,
        code: &str,
        message: &str,
        detail: &str,
        advice: &str,
    ) -> Result<(), StoreError> {
        self.store.park(
            item.id,
            &Parking {
                reason,
                code,
                message,
                detail,
                advice,
                refused_under: &self.settings.fingerprint,
            },
        )?;
        let text = if code.is_empty() {
            message.to_string()
        } else {
            format!("代码 {code}：{message}")
        };
        match item.kind {
            // A leave batch's departures carry their own states (set by the caller).
            ItemKind::Leave => {
                if code != CODE_PARTIAL {
                    self.store.refuse_departures(item.id, &text)?;
                }
            }
            _ => self
                .store
                .set_record_state(item.kind, &item.record_key, RecordState::NeedsFix, &text)?,
        }
        self.store.audit("平台拒绝", &item.label, &text)?;
        Ok(())
    }

    /// The platform has it although this attempt got no `00` (48, or 47 to a resend).
    fn finish_without_answer(&mut self, item: &OutboxItem) -> Result<(), StoreError> {
        match item.kind {
            ItemKind::Register => {
                self.store
                    .mark_worker_registered(item.id, &item.record_key, &RegisterAnswer::default())
            }
            ItemKind::Leave => self.store.apply_leave_answer(item.id, &[]).map(|_| ()),
            ItemKind::AddCompany => self.store.mark_company_sent(item.id, &item.record_key, false),
            ItemKind::RemoveCompany => self.store.mark_company_sent(item.id, &item.record_key, true),
            ItemKind::Attendance => self.store.mark_passes_sent(&[item.id]),
        }
    }

    fn count_success(&self, endpoint: Endpoint) -> Result<(), StoreError> {
        self.store.count_success(&self.settings.environment, endpoint.name())
    }

    fn send_register(&mut self, item: &OutboxItem) -> Result<(), SendFailure> {
        let Some(rec) = self.store.worker(&item.record_key)? else {
            return Err(SendFailure::Local("本机找不到这条人员记录：请重新登记".into()));
        };
        let photos = self.store.worker_photos(&item.record_key)?;
        let b64 = |k: PhotoKind| {
            photos
                .get(&k)
                .map(|j| base64::engine::general_purpose::STANDARD.encode(j))
                .unwrap_or_default()
        };
        let req = rec.worker.to_request(
            &self.settings.project_id,
            [
                b64(PhotoKind::IdPortrait),
                b64(PhotoKind::Face),
                b64(PhotoKind::IdScanFront),
                b64(PhotoKind::IdScanBack),
            ],
        );
        let answer = self.client.register_employee(&req)?;
        self.store.mark_worker_registered(item.id, &item.record_key, &answer)?;
        self.count_success(Endpoint::RegisterEmployee)?;
        Ok(())
    }

    fn send_leave(&mut self, item: &OutboxItem) -> Result<(), SendFailure> {
        let pending = self.store.unsent_departures(item.id)?;
        if pending.is_empty() {
            self.store.apply_leave_answer(item.id, &[])?;
            return Ok(());
        }
        let body = UserLeaveProject {
            project_id: self.settings.project_id.clone(),
            list: pending
                .into_iter()
                .map(|(id_code, exit_time)| LeaveItem {
                    id_code,
                    exit_time: (!exit_time.is_empty()).then_some(exit_time),
                })
                .collect(),
        };
        let failures = match self.client.leave_project(&body)? {
            LeaveOutcome::AllLeft => Vec::new(),
            LeaveOutcome::Partial(failures) => failures,
            LeaveOutcome::Unmatched { words, result_data } => {
                return Err(SendFailure::Unmatched { words, result_data });
            }
        };
        let all_done = self.store.apply_leave_answer(item.id, &failures)?;
        if failures.len() < body.list.len() {
            self.count_success(Endpoint::UserLeaveProject)?;
        }
        if all_done {
            return Ok(());
        }
        let names: Vec<String> = failures
            .iter()
            .map(|f| {
                format!(
                    "{}：{}",
                    mask_id(&f.id_code),
                    if f.message.is_empty() { "未接受" } else { &f.message }
                )
            })
            .collect();
        Err(SendFailure::Partial {
            code: CODE_PARTIAL.into(),
            message: format!("部分失败，{} 人未离场（{}）", failures.len(), names.join("；")),
        })
    }

    fn send_add_company(&mut self, item: &OutboxItem) -> Result<(), SendFailure> {
        let Some(rec) = self.store.company(&item.record_key)? else {
            return Err(SendFailure::Local("本机找不到这个单位：请重新添加".into()));
        };
        self.client
            .add_company(&rec.company.to_request(&self.settings.project_id))?;
        self.store.mark_company_sent(item.id, &item.record_key, false)?;
        self.count_success(Endpoint::AddCompany)?;
        Ok(())
    }

    fn send_remove_company(&mut self, item: &OutboxItem) -> Result<(), SendFailure> {
        let company: Company = self
            .store
            .company(&item.record_key)?
            .map(|c| c.company)
            .unwrap_or_else(|| Company {
                suid: item.record_key.clone(),
                ..Default::default()
            });
        self.client.remove_company(&ProjectRemoveCompany {
            project_id: self.settings.project_id.clone(),
            company_name: company.company_name,
            suid: company.suid,
        })?;
        self.store.mark_company_sent(item.id, &item.record_key, true)?;
        self.count_success(Endpoint::ProjectRemoveCompany)?;
        Ok(())
    }
}

/// What to do about a 47 that says something this record needs is not on the platform.
fn dependency_advice(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Register => {
            "平台上找不到此人所属的单位（或项目）：请在“参建单位”里确认该单位已添加并上传成功（可重新保存一次）；平台接收该单位后，此人会自动重新上传"
        }
        ItemKind::AddCompany => "平台上找不到上级单位：请先添加并上传上级单位；平台接收后此单位会自动重新上传",
        ItemKind::Leave => "平台上找不到这些人员：请确认他们的登记已上传成功；登记被平台接收后离场会自动重新上传",
        ItemKind::RemoveCompany => explain_code(CODE_NOT_FOUND),
        ItemKind::Attendance => {
            "平台上找不到此人：请确认此人的登记已上传成功；登记被平台接收后这条考勤会自动重新上传（超过 2 小时的除外）"
        }
    }
}
