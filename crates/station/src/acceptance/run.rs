//! Calling the plan's steps one by one: each answer kept verbatim, each success counted for the
//! checklist, the progress saved after every call, a stop at the first refusal.

use chrono::{Duration, Utc};

use super::data::{self, WorkerCodes};
use super::{ANSWER_KEPT_CHARS, AcceptanceError, AcceptanceRun, StepKind, StepOutcome};
use api::envelope::CODE_DUPLICATE;
use api::types::{LeaveItem, ProjectRemoveCompany, UploadPassedLog, UserLeaveProject, parse_dict_list};
use api::{ApiError, Endpoint, PlatformClient};
use store::{Backend, StoreError};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    /// Every step done: each interface has its five.
    Finished,
    /// The platform refused this step (or could not be reached); the run resumes there.
    Stopped { step: usize },
    /// Asked to stop between two calls.
    Cancelled,
}

pub struct Runner<'a> {
    pub client: &'a PlatformClient,
    pub store: &'a mut dyn Backend,
    pub project_id: &'a str,
    pub device_id: &'a str,
    /// The site photo's budget (the logs carry one, as the station's own do).
    pub site_photo_bytes: usize,
}

impl Runner<'_> {
    /// Calls the steps not yet done, in order. `on_step` sees the run after every call.
    pub fn run(
        &mut self,
        run: &mut AcceptanceRun,
        on_step: &mut dyn FnMut(&AcceptanceRun),
        stop: &dyn Fn() -> bool,
    ) -> Result<RunEnd, StoreError> {
        self.client
            .assume_versions(self.store.learnt_versions(&run.environment)?);
        while let Some(i) = run.next_step() {
            if stop() {
                return Ok(RunEnd::Cancelled);
            }
            let kind = run.steps[i].kind.clone();
            let outcome = self.call(&kind);
            for (endpoint, version) in self.client.take_newly_learnt() {
                self.store.remember_version(&run.environment, endpoint, &version)?;
            }
            let ok = outcome.ok;
            if ok {
                self.store.count_success(&run.environment, kind.endpoint().name())?;
            }
            tracing::info!(step = i, endpoint = %kind.endpoint(), code = outcome.code, ok, "acceptance call");
            run.steps[i].outcome = Some(outcome);
            super::save(self.store, run)?;
            on_step(run);
            if !ok {
                return Ok(RunEnd::Stopped { step: i });
            }
        }
        Ok(RunEnd::Finished)
    }

    fn call(&mut self, kind: &StepKind) -> StepOutcome {
        let endpoint = kind.endpoint();
        let body = match self.body(kind) {
            Ok(body) => body,
            Err(why) => {
                return failed(
                    String::new(),
                    String::new(),
                    why.to_string(),
                    "请按提示处理后点“继续”".into(),
                );
            }
        };
        let answer = match self.client.send_any(endpoint, &body) {
            Ok(answer) => answer,
            Err(e) => return failed(String::new(), e.to_string(), String::new(), e.advice().to_string()),
        };
        let code = answer.envelope.code.clone();
        let raw = kept(&answer.raw_body);
        let api_version = answer.api_version.clone();
        if answer.envelope.is_success() {
            if let StepKind::Dictionary(e) = kind
                && let Some(entries) = parse_dict_list(&answer.envelope)
                && let Err(err) = self.store.save_dictionary(*e, &entries, Utc::now())
            {
                tracing::warn!("dictionary from the acceptance run not kept: {err}");
            }
            return StepOutcome {
                at: Utc::now(),
                ok: true,
                code,
                answer: raw,
                words: String::new(),
                advice: String::new(),
                api_version,
            };
        }
        // A record the platform already has (an answer lost on an earlier try) is there.
        if code == CODE_DUPLICATE && matches!(kind, StepKind::Attendance { .. } | StepKind::Register(_)) {
            return StepOutcome {
                at: Utc::now(),
                ok: true,
                code,
                answer: raw,
                words: "平台已有这条记录".into(),
                advice: String::new(),
                api_version,
            };
        }
        let err = answer.into_error(endpoint);
        let words = err.platform_words();
        StepOutcome {
            api_version,
            ..failed(code, raw, words, advice_for(kind, &err))
        }
    }

    fn body(&self, kind: &StepKind) -> Result<String, AcceptanceError> {
        let project = self.project_id;
        Ok(match kind {
            StepKind::Dictionary(_) => "{}".into(),
            StepKind::AddCompany(n) => json(&data::company_request(
                *n,
                project,
                &self.first_code(Endpoint::GetCompanyType)?,
            )),
            StepKind::Register(n) => {
                let today = self.client.clock().beijing_today();
                let request = data::worker_request(*n, project, today, &self.worker_codes()?);
                json(&request.to_body(&self.client.protocol().register_fields))
            }
            StepKind::Attendance { .. } if self.device_id.trim().is_empty() => {
                return Err(AcceptanceError::NoDeviceId);
            }
            StepKind::Attendance { worker, seq } => {
                let passed_at = self.client.clock().platform_now() - Duration::seconds(*seq as i64 + 1);
                let log = data::passed_log(*worker, *seq, passed_at, self.site_photo_bytes)?;
                json(&UploadPassedLog {
                    project_id: project.to_string(),
                    device_id: self.device_id.to_string(),
                    passedlog_list: vec![log],
                })
            }
            StepKind::Leave(n) => json(&UserLeaveProject {
                project_id: project.to_string(),
                list: vec![LeaveItem {
                    id_code: data::test_worker_id(*n),
                    exit_time: Some(api::beijing_timestamp(self.client.clock().platform_now())),
                }],
            }),
            StepKind::RemoveCompany(n) => {
                let (company_name, suid) = data::test_company(*n);
                json(&ProjectRemoveCompany {
                    project_id: project.to_string(),
                    company_name,
                    suid,
                })
            }
        })
    }

    /// The first code of a dictionary, from the store (fetched now when it is not there).
    fn first_code(&self, kind: Endpoint) -> Result<String, AcceptanceError> {
        let stored = self.store.dictionary(kind)?;
        let entries = match stored {
            Some((entries, _)) if !entries.is_empty() => entries,
            _ => self
                .client
                .fetch_dictionary(kind)
                .map_err(|source| AcceptanceError::Dictionary {
                    label: kind.label_zh(),
                    source,
                })?,
        };
        entries
            .first()
            .map(|e| e.orders.clone())
            .ok_or(AcceptanceError::EmptyDictionary(kind.label_zh()))
    }

    fn worker_codes(&self) -> Result<WorkerCodes, AcceptanceError> {
        Ok(WorkerCodes {
            emp_category: self.first_code(Endpoint::DictListEmpCategory)?,
            job_typename: self.first_code(Endpoint::DictListJobTypeName)?,
            job_name: self.first_code(Endpoint::DictListJobName)?,
        })
    }
}

/// Serialising the request types cannot fail (strings and lists of strings).
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn kept(raw: &str) -> String {
    let total = raw.chars().count();
    if total <= ANSWER_KEPT_CHARS {
        return raw.to_string();
    }
    let head: String = raw.chars().take(ANSWER_KEPT_CHARS).collect();
    format!("{head}…（回答共 {total} 字，此处只保留前 {ANSWER_KEPT_CHARS} 字）")
}

fn failed(code: String, answer: String, words: String, advice: String) -> StepOutcome {
    StepOutcome {
        at: Utc::now(),
        ok: false,
        code,
        answer,
        words,
        advice,
        api_version: String::new(),
    }
}

/// What to change, for the clerk and the integrator: the code's meaning, and for the calls
/// whose refusals have a usual cause, that cause.
fn advice_for(kind: &StepKind, err: &ApiError) -> String {
    let general = err.advice();
    let words = err.platform_words();
    let specific = match kind {
        StepKind::Attendance { .. } if words.contains("在建") => {
            "平台说本项目不是“在建”状态：请平台联调人员把测试项目设为在建后点“继续”"
        }
        StepKind::Register(_) | StepKind::Leave(_) | StepKind::Attendance { .. } if err.code() == Some("47") => {
            "平台找不到测试单位或测试人员：请确认前面的步骤在平台上确实成功，或请平台联调人员查看"
        }
        _ if err.names_settings() => "问题在连接设置：请到“设置”核对授权帐号、秘钥、设备序号和项目编号，改正后点“继续”",
        _ => "",
    };
    if specific.is_empty() {
        format!("{general}。改正后点“继续”，向导从这一步接着做")
    } else {
        format!("{specific}（{general}）")
    }
}
