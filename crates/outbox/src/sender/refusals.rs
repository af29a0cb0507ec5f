//! What a failed send means for the item and for the queue: retry later, park the record for
//! a person, park it until the record it depends on is on the platform, or pause the whole
//! queue because the settings are refused.

use chrono::{Duration, Utc};

use super::{Decision, Outcome, REPEATED_NOT_PLATFORM, Sender, decide, passes};
use api::envelope::{CODE_NOT_FOUND, CODE_PARTIAL};
use api::{ApiError, explain_code};
use domain::RecordState;
use store::{ItemKind, LastRefusal, OutboxItem, ParkReason, Parking, StoreError};

impl Sender<'_> {
    pub(super) fn record_failure(
        &mut self,
        item: &OutboxItem,
        attempts: u32,
        err: &ApiError,
    ) -> Result<Decision, StoreError> {
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
            item = item.id.get(),
            kind = item.kind.as_str(),
            code,
            ?outcome,
            maybe_delivered,
            "send failed"
        );
        match decision {
            Decision::Done => {
                self.finish_without_answer(item, err)?;
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
                queue_paused: true,
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

    pub(super) fn park(
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
                queue_paused: false,
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
