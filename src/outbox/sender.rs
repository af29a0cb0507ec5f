//! One drain of the queue: pick the oldest due item whose dependencies are on the platform,
//! build its body from the stored record (fresh timestamp and signature), send, record the
//! outcome, repeat.

use std::fs::File;
use std::path::Path;

use base64::Engine;
use chrono::{Duration, Utc};
use serde::Serialize;

use super::retry::{Backoff, Decision, Outcome, decide};
use crate::api::types::{LeaveItem, ProjectRemoveCompany, RegisterAnswer, UserLeaveProject};
use crate::api::{ApiError, Endpoint, PlatformClient, explain_code};
use crate::domain::{Company, mask_id};
use crate::media::PhotoKind;
use crate::store::{ItemKind, OutboxItem, RecordState, Store, StoreError};

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
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DrainReport {
    pub attempted: usize,
    pub sent: usize,
    pub retry: usize,
    pub needs_fix: usize,
    /// Set when the queue is paused (26, or settings missing), with the reason.
    pub paused: Option<String>,
    /// Due items that wait for another record to go first.
    pub blocked: usize,
}

pub struct Sender<'a> {
    store: &'a mut Store,
    client: &'a PlatformClient,
    settings: &'a SendSettings,
}

/// Why an attempt ended without a platform decision.
enum SendFailure {
    Api(ApiError),
    Store(StoreError),
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

/// A refusal recorded against an item.
struct Refusal {
    code: String,
    message: String,
    advice: String,
}

impl<'a> Sender<'a> {
    pub fn new(store: &'a mut Store, client: &'a PlatformClient, settings: &'a SendSettings) -> Sender<'a> {
        Sender {
            store,
            client,
            settings,
        }
    }

    /// Sends every due item once (those failing transiently are rescheduled, not retried here).
    pub fn drain(&mut self) -> Result<DrainReport, StoreError> {
        let mut report = DrainReport::default();
        if let Some(reason) = self.store.queue_paused()? {
            report.paused = Some(reason);
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
            let mut next = None;
            let mut blocked = 0;
            for item in due {
                if self.blocked_by(&item)?.is_some() {
                    blocked += 1;
                } else {
                    next = Some(item);
                    break;
                }
            }
            report.blocked = blocked;
            let Some(item) = next else { break };
            report.attempted += 1;
            match self.send_item(&item)? {
                Decision::Done => report.sent += 1,
                Decision::RetryAfterSecs(_) => report.retry += 1,
                Decision::NeedsFix => report.needs_fix += 1,
                Decision::PauseQueue => {
                    report.paused = self.store.queue_paused()?;
                    break;
                }
            }
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
        };
        match result {
            Ok(Ok(decision)) => Ok(decision),
            Ok(Err(refusal)) => {
                self.refuse(item, &refusal)?;
                Ok(Decision::NeedsFix)
            }
            Err(SendFailure::Api(err)) => self.record_failure(item, attempts, &err),
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
        let mut outcome = Outcome::of(err);
        // Removal is the one write that is not an upsert: a retry after an answer that never
        // came may find the company already gone (47). That is the state the clerk asked for.
        if item.kind == ItemKind::RemoveCompany
            && attempts > 1
            && err.code() == Some(crate::api::envelope::CODE_NOT_FOUND)
        {
            outcome = Outcome::AlreadyDone;
        }
        let decision = decide(outcome, attempts, fastrand::f64(), &self.settings.backoff);
        let code = err.code().unwrap_or("").to_string();
        let words = err.platform_words();
        let message = if words.is_empty() { err.to_string() } else { words };
        tracing::warn!(item = item.id, kind = item.kind.as_str(), code, ?outcome, "send failed");
        match decision {
            Decision::Done => {
                // 48: the platform has it already.
                match item.kind {
                    ItemKind::Register => {
                        self.store
                            .mark_worker_registered(item.id, &item.record_key, &RegisterAnswer::default())?
                    }
                    ItemKind::Leave => {
                        self.store.apply_leave_answer(item.id, &[])?;
                    }
                    ItemKind::AddCompany => self.store.mark_company_sent(item.id, &item.record_key, false)?,
                    ItemKind::RemoveCompany => self.store.mark_company_sent(item.id, &item.record_key, true)?,
                }
            }
            Decision::RetryAfterSecs(secs) => {
                let at = Utc::now() + Duration::seconds(secs as i64);
                self.store.mark_retry(item.id, at, &code, &message, err.advice())?;
            }
            Decision::NeedsFix => {
                self.refuse(
                    item,
                    &Refusal {
                        code,
                        message,
                        advice: err.advice().to_string(),
                    },
                )?;
            }
            Decision::PauseQueue => {
                self.store.mark_waiting(item.id)?;
                let reason = format!("{}（平台原话：{message}）", explain_code(&code));
                self.store.set_queue_paused(Some(&reason))?;
                self.store.audit("暂停上传", "队列", &reason)?;
            }
        }
        Ok(decision)
    }

    fn refuse(&mut self, item: &OutboxItem, r: &Refusal) -> Result<(), StoreError> {
        self.store.update_item(
            item.id,
            crate::store::ItemState::NeedsFix,
            None,
            &r.code,
            &r.message,
            &r.advice,
        )?;
        let text = if r.code.is_empty() {
            r.message.clone()
        } else {
            format!("代码 {}：{}", r.code, r.message)
        };
        if item.kind == ItemKind::Leave {
            if r.code != "10" {
                self.store.refuse_departures(item.id, &text)?;
            }
        } else {
            self.store
                .set_record_state(item.kind, &item.record_key, RecordState::NeedsFix, &text)?;
        }
        self.store.audit("平台拒绝", &item.label, &text)?;
        Ok(())
    }

    fn count_success(&self, endpoint: Endpoint) -> Result<(), StoreError> {
        self.store.count_success(&self.settings.environment, endpoint.name())
    }

    fn send_register(&mut self, item: &OutboxItem) -> Result<Result<Decision, Refusal>, SendFailure> {
        let Some(rec) = self.store.worker(&item.record_key)? else {
            return Ok(Err(local_refusal("本机找不到这条人员记录：请重新登记")));
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
        Ok(Ok(Decision::Done))
    }

    fn send_leave(&mut self, item: &OutboxItem) -> Result<Result<Decision, Refusal>, SendFailure> {
        let pending = self.store.unsent_departures(item.id)?;
        if pending.is_empty() {
            self.store.apply_leave_answer(item.id, &[])?;
            return Ok(Ok(Decision::Done));
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
        let failures = self.client.leave_project(&body)?;
        let all_done = self.store.apply_leave_answer(item.id, &failures)?;
        if failures.len() < body.list.len() {
            self.count_success(Endpoint::UserLeaveProject)?;
        }
        if all_done {
            return Ok(Ok(Decision::Done));
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
        Ok(Err(Refusal {
            code: "10".into(),
            message: format!("部分失败，{} 人未离场（{}）", failures.len(), names.join("；")),
            advice: explain_code("10").into(),
        }))
    }

    fn send_add_company(&mut self, item: &OutboxItem) -> Result<Result<Decision, Refusal>, SendFailure> {
        let Some(rec) = self.store.company(&item.record_key)? else {
            return Ok(Err(local_refusal("本机找不到这个单位：请重新添加")));
        };
        self.client
            .add_company(&rec.company.to_request(&self.settings.project_id))?;
        self.store.mark_company_sent(item.id, &item.record_key, false)?;
        self.count_success(Endpoint::AddCompany)?;
        Ok(Ok(Decision::Done))
    }

    fn send_remove_company(&mut self, item: &OutboxItem) -> Result<Result<Decision, Refusal>, SendFailure> {
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
        Ok(Ok(Decision::Done))
    }
}

fn local_refusal(message: &str) -> Refusal {
    Refusal {
        code: String::new(),
        message: message.into(),
        advice: "请修改后重新提交".into(),
    }
}
