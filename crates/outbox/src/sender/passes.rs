//! Attendance logs go out together: the due logs (up to 50) in one `passedlog_list`. The
//! platform's answer is about the batch, so a batch it does not simply accept is taken apart:
//! a refusal naming `passedlog_list[i]` parks that log and sends the rest again; a `48` or an
//! unattributed refusal sends each log alone, so a duplicate marks only itself done and a bad
//! log only itself refused. A `10` (部分失败) that names its failed logs refuses those and
//! marks the rest sent; one that cannot be matched to the batch is taken apart the same way,
//! so no log is marked sent that the platform's answer does not account for.
//!
//! A log is never sent after the platform's window closed: the window is checked against the
//! platform's clock right before every call.

use base64::Engine;

use super::pass_partial::{PassFailure, match_pass_failures, parse_pass_failures};
use super::{Decision, Outcome, Sender};
use api::envelope::CODE_PARTIAL;
use api::types::{PassedLog, UploadPassedLog};
use api::{ApiError, Endpoint};
use domain::ItemState;
use store::{OutboxItem, ParkReason, StoreError};

/// For a log a `10` names as not taken: nothing in it can be edited, so the way on is a retry.
const PARTIAL_ADVICE: &str = "平台在“部分失败”的回答里指明这条考勤没有接收（原因见平台原话），同批其他考勤已接收：原因消除后请点“立即重试”；超过 2 小时的考勤平台不再接收";

/// A log waits for this, parked as a settings matter, and goes by itself once it is filled in.
pub const DEVICE_ID_MISSING: &str = "还没有填写门禁设备序列号（Device_ID）";
const DEVICE_ID_ADVICE: &str = "请到“设置 → 平台连接”填写门禁设备序列号（在平台登记的门禁设备的序列号，向平台或设备商索取）；保存后这些考勤会自动上传。平台只接收 2 小时内的考勤，请尽快填写";

/// "passedlog_list" is an array; the platform publishes no limit, gate devices send 50.
pub const BATCH_MAX: usize = 50;

/// The advice for a project the platform does not list as 在建.
/// `way` 1 is 人脸识别: the platform takes a log as face-recognised only with the face that
/// recognised it. A log kept without its photo (recorded before the station required one)
/// is not sent under a claim it cannot back.
const NO_PHOTO: &str = "这条考勤没有现场照片";
const NO_PHOTO_ADVICE: &str = "平台按“人脸识别”接收考勤，要带本人的现场照片，这条没有，不能上传：请在“考勤”重新为此人记录（对准摄像头），需要时在平台上补录";
/// A log kept before the station knew faces: nobody tied the person to the live face (not
/// the camera's 1:N, not the clerk's 本人核对无误), and the platform has no other `way` a
/// station could claim (2 iris, 3 fingerprint).
const NOT_IDENTIFIED: &str = "这条考勤记录时没有核对本人（不是人脸识别，也没有工作人员核对），不能按“人脸识别”上传";
const NOT_IDENTIFIED_ADVICE: &str =
    "请在“考勤”重新为此人记录（摄像头认出本人，或核对本人后按“本人核对无误”），需要时在平台上补录";
pub const NOT_UNDER_CONSTRUCTION: &str = "平台说本项目的工程状态不是“在建”，不接收考勤：请联系建设单位或住建部门确认项目状态。考勤已保存在本机；状态改正后请点“立即重试”，超过 2 小时的考勤平台不再接收";

impl Sender<'_> {
    /// Sends these due logs, one decision per log that was still sendable.
    pub(super) fn send_passes(&mut self, items: &[OutboxItem]) -> Result<Vec<Decision>, StoreError> {
        self.store
            .expire_passes(self.client.clock().platform_now(), self.settings.attendance_window_secs)?;
        let mut logs = Vec::new();
        let mut decisions = Vec::new();
        let no_device = self.settings.device_id.trim().is_empty();
        for item in items.iter().take(BATCH_MAX) {
            let Some((row, photo)) = self.store.pass_of_item(item.id)? else {
                self.park(item, ParkReason::Local, "", "本机找不到这条考勤", "", "请重新记录考勤")?;
                decisions.push(Decision::NeedsFix);
                continue;
            };
            if !matches!(row.state, ItemState::Waiting | ItemState::Retry) {
                continue;
            }
            let Some(photo) = photo.filter(|jpeg| !jpeg.is_empty()) else {
                self.park(item, ParkReason::Local, "", NO_PHOTO, "", NO_PHOTO_ADVICE)?;
                decisions.push(Decision::NeedsFix);
                continue;
            };
            if row.identified.is_none() {
                self.park(item, ParkReason::Local, "", NOT_IDENTIFIED, "", NOT_IDENTIFIED_ADVICE)?;
                decisions.push(Decision::NeedsFix);
                continue;
            }
            if no_device {
                self.park(item, ParkReason::Settings, "", DEVICE_ID_MISSING, "", DEVICE_ID_ADVICE)?;
                decisions.push(Decision::NeedsFix);
                continue;
            }
            let person_id = if row.person_type == "1" {
                self.store
                    .worker(&row.id_code)?
                    .map(|w| w.emp_id)
                    .filter(|emp_id| !emp_id.is_empty())
                    .unwrap_or_else(|| row.id_code.clone())
            } else {
                row.id_code.clone()
            };
            let log = PassedLog {
                person_type: row.person_type.clone(),
                person_id,
                person_name: row.person_name.clone(),
                passed_time: api::beijing_timestamp(row.passed_at),
                direction: row.direction.as_str().into(),
                // 人脸识别: the camera's 1:N or the clerk tied this person to the face in
                // `site_photo` (checked above); how is kept on the log, never sent.
                way: "1".into(),
                site_photo: Some(base64::engine::general_purpose::STANDARD.encode(photo)),
                longitude: None,
                latitude: None,
                address: None,
            };
            if !self.store.mark_sending(item.id)? {
                // Another station claimed it since the queue was read: it sends it.
                self.skipped.push(item.id);
                continue;
            }
            logs.push((item.clone(), log));
        }
        self.send_logs(logs, &mut decisions)?;
        Ok(decisions)
    }

    fn send_logs(
        &mut self,
        logs: Vec<(OutboxItem, PassedLog)>,
        decisions: &mut Vec<Decision>,
    ) -> Result<(), StoreError> {
        if logs.is_empty() {
            return Ok(());
        }
        let body = UploadPassedLog {
            project_id: self.settings.project_id.clone(),
            device_id: self.settings.device_id.clone(),
            passedlog_list: logs.iter().map(|(_, log)| log.clone()).collect(),
        };
        let err = match self.client.upload_passed_log(&body) {
            Ok(()) => {
                let ids: Vec<store::ItemId> = logs.iter().map(|(item, _)| item.id).collect();
                self.store.mark_passes_sent(&ids)?;
                self.count_success(Endpoint::UploadPassedLog)?;
                self.store.set_last_refusal(None)?;
                decisions.extend(ids.iter().map(|_| Decision::Done));
                return Ok(());
            }
            Err(err) => err,
        };
        if err.code() == Some(CODE_PARTIAL)
            && let Some(named) = self.failed_logs_named(&err, &logs)?
        {
            return self.apply_partial(logs, named, &err, decisions);
        }
        let outcome = Outcome::of(&err);
        let taken_apart = logs.len() > 1 && matches!(outcome, Outcome::AlreadyDone | Outcome::Permanent);
        if !taken_apart {
            for (item, _) in &logs {
                decisions.push(self.record_failure(item, item.attempts + 1, &err)?);
            }
            return Ok(());
        }
        let mut logs = logs;
        if outcome == Outcome::Permanent
            && let Some(i) = named_log(&err, logs.len())
        {
            let (item, _) = logs.remove(i);
            decisions.push(self.record_failure(&item, item.attempts + 1, &err)?);
            let held = self.renew_claims(logs)?;
            return self.send_logs(held, decisions);
        }
        tracing::info!(
            logs = logs.len(),
            code = err.code().unwrap_or(""),
            "attendance batch taken apart"
        );
        let mut rest = logs.into_iter();
        for one in rest.by_ref() {
            let held = self.renew_claims(vec![one])?;
            self.send_logs(held, decisions)?;
            if self.network_failed {
                break;
            }
        }
        // The line went down while the batch was being taken apart: the rest waits, unblamed.
        for (item, _) in rest {
            self.store.mark_waiting(item.id)?;
        }
        Ok(())
    }

    /// Claims again what goes out again: taken apart, a batch makes one call per log, which
    /// may outlast a site database's lease. A log another station took meanwhile is its own.
    fn renew_claims(&mut self, logs: Vec<(OutboxItem, PassedLog)>) -> Result<Vec<(OutboxItem, PassedLog)>, StoreError> {
        let mut held = Vec::with_capacity(logs.len());
        for (item, log) in logs {
            if self.store.mark_sending(item.id)? {
                held.push((item, log));
            } else {
                self.skipped.push(item.id);
            }
        }
        Ok(held)
    }

    /// The logs of the batch a `10` names as failed, when it can be matched to the batch.
    fn failed_logs_named(
        &self,
        err: &ApiError,
        logs: &[(OutboxItem, PassedLog)],
    ) -> Result<Option<Vec<(usize, PassFailure)>>, StoreError> {
        let Some(refusal) = err.refusal() else { return Ok(None) };
        let failures = parse_pass_failures(&refusal.result_data);
        if failures.is_empty() {
            return Ok(None);
        }
        let mut id_codes = Vec::with_capacity(logs.len());
        for (item, _) in logs {
            id_codes.push(
                self.store
                    .pass_of_item(item.id)?
                    .map(|(row, _)| row.id_code)
                    .unwrap_or_default(),
            );
        }
        let sent: Vec<PassedLog> = logs.iter().map(|(_, log)| log.clone()).collect();
        Ok(match_pass_failures(failures, &sent, &id_codes))
    }

    /// A `10` that names its failed logs: those wait for a person, the rest are on the platform.
    fn apply_partial(
        &mut self,
        logs: Vec<(OutboxItem, PassedLog)>,
        named: Vec<(usize, PassFailure)>,
        err: &ApiError,
        decisions: &mut Vec<Decision>,
    ) -> Result<(), StoreError> {
        let words = err.platform_words();
        let mut done = Vec::new();
        for (i, (item, _)) in logs.iter().enumerate() {
            let Some((_, failure)) = named.iter().find(|(at, _)| *at == i) else {
                done.push(item.id);
                continue;
            };
            let message = match (words.is_empty(), failure.message.is_empty()) {
                (_, true) => format!("{words}（平台指明这条考勤未被接收）"),
                (true, false) => failure.message.clone(),
                (false, false) => format!("{words}：{}", failure.message),
            };
            let advice = if message.contains("在建") {
                NOT_UNDER_CONSTRUCTION
            } else {
                PARTIAL_ADVICE
            };
            self.park(item, ParkReason::Record, CODE_PARTIAL, &message, "", advice)?;
            decisions.push(Decision::NeedsFix);
        }
        if !done.is_empty() {
            self.store.mark_passes_sent(&done)?;
            self.count_success(Endpoint::UploadPassedLog)?;
        }
        self.store.set_last_refusal(None)?;
        decisions.extend(done.iter().map(|_| Decision::Done));
        tracing::info!(failed = named.len(), taken = done.len(), "attendance batch answered 10");
        Ok(())
    }

    /// The log a refusal names (`passedlog_list[3].person_id`), if it names one of these.
    pub(super) fn own_words_of_pass(&self, item: &OutboxItem) -> Result<Vec<String>, StoreError> {
        Ok(match self.store.pass_of_item(item.id)? {
            Some((row, _)) => vec![row.id_code, row.person_name],
            None => Vec::new(),
        })
    }
}

fn named_log(err: &ApiError, len: usize) -> Option<usize> {
    let words = err.platform_words();
    let at = words.find("passedlog_list[")? + "passedlog_list[".len();
    let digits: String = words[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|&i| i < len)
}

/// How a refusal of a log reads to the clerk: the project's state is not the log's fault.
pub(super) fn refusal_advice(err: &ApiError) -> Option<&'static str> {
    err.platform_words().contains("在建").then_some(NOT_UNDER_CONSTRUCTION)
}
