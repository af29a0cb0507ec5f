//! The guided acceptance run (联调向导). Before the platform opens its production environment
//! to a station, its staff want at least five successful records for every interface in the
//! test environment. This run produces the missing ones with clearly fictional test data (a
//! reserved range of ID numbers and credit codes, names that say 联调测试), in dependency order:
//! dictionaries → companies → workers → attendance → departures → company removal.
//!
//! The plan is a pure function of the counts so far; the run keeps every call's answer
//! verbatim, stops at the first refusal, and is kept in the store so it resumes where it
//! stopped. The clerk's own records are never touched: the test data lives only here and on
//! the test platform, and every test worker leaves and every test company is removed at the end.

mod data;
mod error;
mod report;
mod run;
mod session;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use data::{TEST_COMPANY_RANGE, TEST_ID_RANGE, test_company, test_worker_id, test_worker_name};
pub use error::AcceptanceError;
pub use report::{report_text, write_report_xlsx};
pub use run::{RunEnd, Runner};
pub use session::{Start, run_acceptance, success_counts};

use crate::config::{CustomIs, Environment};
use api::Endpoint;

/// Successful records per interface the platform's staff look for.
pub const REQUIRED: u64 = 5;

/// The nine interfaces, in the order the run calls them.
pub const INTERFACES: [Endpoint; 9] = [
    Endpoint::DictListEmpCategory,
    Endpoint::DictListJobTypeName,
    Endpoint::DictListJobName,
    Endpoint::GetCompanyType,
    Endpoint::AddCompany,
    Endpoint::RegisterEmployee,
    Endpoint::UploadPassedLog,
    Endpoint::UserLeaveProject,
    Endpoint::ProjectRemoveCompany,
];

/// The run is for the test environment, a 自定义 address the integrator marked as a test
/// instance, and the demo's simulator; never for 正式.
pub fn allowed(environment: Environment, custom_is: CustomIs) -> Result<(), AcceptanceError> {
    match environment {
        Environment::Test | Environment::Demo => Ok(()),
        Environment::Custom if custom_is == CustomIs::Test => Ok(()),
        Environment::Production => Err(AcceptanceError::Production),
        Environment::Custom => Err(AcceptanceError::CustomNotMarkedTest),
    }
}

/// One call of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepKind {
    Dictionary(Endpoint),
    /// The n-th test company (from 0).
    AddCompany(usize),
    /// The n-th test worker, in the first test company.
    Register(usize),
    /// A log of the n-th test worker; `seq` spaces the pass times.
    Attendance {
        worker: usize,
        seq: usize,
    },
    Leave(usize),
    RemoveCompany(usize),
}

impl StepKind {
    pub fn endpoint(&self) -> Endpoint {
        match self {
            StepKind::Dictionary(e) => *e,
            StepKind::AddCompany(_) => Endpoint::AddCompany,
            StepKind::Register(_) => Endpoint::RegisterEmployee,
            StepKind::Attendance { .. } => Endpoint::UploadPassedLog,
            StepKind::Leave(_) => Endpoint::UserLeaveProject,
            StepKind::RemoveCompany(_) => Endpoint::ProjectRemoveCompany,
        }
    }

    /// What the call does, in the clerk's words.
    pub fn describe(&self) -> String {
        match self {
            StepKind::Dictionary(e) => format!("取字典：{}", e.label_zh()),
            StepKind::AddCompany(n) => format!("添加测试单位：{}", test_company(*n).0),
            StepKind::Register(n) => format!("登记测试人员：{}", test_worker_name(*n)),
            StepKind::Attendance { worker, seq } => format!(
                "上传考勤：{} {}",
                test_worker_name(*worker),
                if seq.is_multiple_of(2) { "进场" } else { "离场" }
            ),
            StepKind::Leave(n) => format!("测试人员离场：{}", test_worker_name(*n)),
            StepKind::RemoveCompany(n) => format!("移除测试单位：{}", test_company(*n).0),
        }
    }
}

/// How one call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepOutcome {
    pub at: DateTime<Utc>,
    pub ok: bool,
    /// The platform's code (empty when no envelope came back).
    pub code: String,
    /// The answer as it arrived (cut to [`ANSWER_KEPT_CHARS`]), or what went wrong on the way.
    pub answer: String,
    /// When not ok: the platform's words, and what to change.
    pub words: String,
    pub advice: String,
    /// The `api_version` the platform answered (empty when no answer came; runs saved
    /// before it was kept have none).
    #[serde(default)]
    pub api_version: String,
}

/// An answer is kept up to this many characters (a dictionary can run to hundreds of KB).
pub const ANSWER_KEPT_CHARS: usize = 4000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub kind: StepKind,
    /// The last attempt; a step is done when it is ok.
    pub outcome: Option<StepOutcome>,
}

impl Step {
    pub fn done(&self) -> bool {
        self.outcome.as_ref().is_some_and(|o| o.ok)
    }
}

/// A planned run and how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptanceRun {
    /// The environment's label (测试 / 演示).
    pub environment: String,
    /// The connection settings it was planned under: other settings, another run.
    pub fingerprint: String,
    pub planned_at: DateTime<Utc>,
    pub steps: Vec<Step>,
}

impl AcceptanceRun {
    /// The step to call next: the first not done.
    pub fn next_step(&self) -> Option<usize> {
        self.steps.iter().position(|s| !s.done())
    }

    pub fn finished(&self) -> bool {
        self.next_step().is_none()
    }

    /// The refusal the run stopped at, if it did.
    pub fn stopped_at(&self) -> Option<(usize, &StepOutcome)> {
        let i = self.next_step()?;
        self.steps[i].outcome.as_ref().map(|o| (i, o))
    }

    pub fn done_count(&self) -> usize {
        self.steps.iter().filter(|s| s.done()).count()
    }
}

/// The calls that bring every interface to [`REQUIRED`] successes, given the counts so far
/// (endpoint name → successes in this environment). Companies and workers are made as the
/// later calls need them, and all of them are taken away again at the end.
pub fn plan(counts: &std::collections::BTreeMap<String, u64>, environment: &str, fingerprint: &str) -> AcceptanceRun {
    let missing = |e: Endpoint| REQUIRED.saturating_sub(counts.get(e.name()).copied().unwrap_or(0)) as usize;
    let logs = missing(Endpoint::UploadPassedLog);
    let workers = missing(Endpoint::RegisterEmployee)
        .max(missing(Endpoint::UserLeaveProject))
        .max(usize::from(logs > 0));
    let companies = missing(Endpoint::AddCompany)
        .max(missing(Endpoint::ProjectRemoveCompany))
        .max(usize::from(workers > 0));
    let mut steps = Vec::new();
    let mut push = |kind| steps.push(Step { kind, outcome: None });
    for e in &INTERFACES[..4] {
        for _ in 0..missing(*e) {
            push(StepKind::Dictionary(*e));
        }
    }
    (0..companies).for_each(|n| push(StepKind::AddCompany(n)));
    (0..workers).for_each(|n| push(StepKind::Register(n)));
    (0..logs).for_each(|seq| {
        push(StepKind::Attendance {
            worker: seq % workers.max(1),
            seq,
        })
    });
    (0..workers).for_each(|n| push(StepKind::Leave(n)));
    (0..companies).for_each(|n| push(StepKind::RemoveCompany(n)));
    AcceptanceRun {
        environment: environment.to_string(),
        fingerprint: fingerprint.to_string(),
        planned_at: Utc::now(),
        steps,
    }
}

/// Where a run is kept between starts of the program.
pub const SETTING_KEY: &str = "acceptance_run";

/// The run saved by an earlier start; a saved run that does not read is
/// [`StoreError::Corrupt`](store::StoreError::Corrupt), for the caller to say.
pub fn load(store: &dyn store::StoreReads) -> Result<Option<AcceptanceRun>, store::StoreError> {
    store
        .setting(SETTING_KEY)?
        .map(|json| serde_json::from_str(&json).map_err(|e| store::StoreError::Corrupt(format!("联调向导的进度：{e}"))))
        .transpose()
}

pub fn save(store: &mut dyn store::Backend, run: &AcceptanceRun) -> Result<(), store::StoreError> {
    let json = serde_json::to_string(run).unwrap_or_default();
    store.set_setting(SETTING_KEY, Some(&json))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn counts(pairs: &[(Endpoint, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(e, n)| (e.name().to_string(), *n)).collect()
    }

    fn count(run: &AcceptanceRun, e: Endpoint) -> usize {
        run.steps.iter().filter(|s| s.kind.endpoint() == e).count()
    }

    #[test]
    fn from_nothing_every_interface_gets_five_in_dependency_order() {
        let run = plan(&BTreeMap::new(), "测试", "f");
        for e in INTERFACES {
            assert_eq!(count(&run, e), 5, "{e}");
        }
        let order: Vec<usize> = run
            .steps
            .iter()
            .map(|s| INTERFACES.iter().position(|e| *e == s.kind.endpoint()).unwrap_or(99))
            .collect();
        let rank = |i: usize| i.saturating_sub(3);
        assert!(order.windows(2).all(|w| rank(w[0]) <= rank(w[1])), "{order:?}");
    }

    #[test]
    fn only_what_is_missing_is_made_with_what_it_needs() {
        // Attendance lacks two: one company and one worker carry them, and are taken away.
        let mut done: Vec<(Endpoint, u64)> = INTERFACES.iter().map(|e| (*e, 5)).collect();
        done.retain(|(e, _)| *e != Endpoint::UploadPassedLog);
        done.push((Endpoint::UploadPassedLog, 3));
        let run = plan(&counts(&done), "测试", "f");
        assert_eq!(count(&run, Endpoint::UploadPassedLog), 2);
        assert_eq!(count(&run, Endpoint::RegisterEmployee), 1);
        assert_eq!(count(&run, Endpoint::UserLeaveProject), 1);
        assert_eq!(count(&run, Endpoint::AddCompany), 1);
        assert_eq!(count(&run, Endpoint::ProjectRemoveCompany), 1);
        assert_eq!(count(&run, Endpoint::DictListJobName), 0);

        let all: Vec<(Endpoint, u64)> = INTERFACES.iter().map(|e| (*e, 7)).collect();
        assert!(plan(&counts(&all), "测试", "f").steps.is_empty());

        let only_dicts = counts(&[(Endpoint::AddCompany, 5), (Endpoint::ProjectRemoveCompany, 5)]);
        let run = plan(&only_dicts, "测试", "f");
        assert_eq!(count(&run, Endpoint::AddCompany), 1, "the workers still need a company");
    }

    #[test]
    fn production_and_unknown_addresses_are_refused_by_name() {
        let default = CustomIs::default();
        assert!(allowed(Environment::Test, default).is_ok());
        assert!(allowed(Environment::Demo, default).is_ok());
        assert!(
            allowed(Environment::Production, default)
                .unwrap_err()
                .to_string()
                .contains("正式")
        );
        assert!(
            allowed(Environment::Production, CustomIs::Test).is_err(),
            "only for 自定义"
        );
        let custom = allowed(Environment::Custom, default).unwrap_err().to_string();
        assert!(custom.contains("自定义") && custom.contains("这个地址是"), "{custom}");
    }

    #[test]
    fn a_custom_address_marked_test_takes_the_run() {
        assert!(allowed(Environment::Custom, CustomIs::Test).is_ok());
        assert!(allowed(Environment::Custom, CustomIs::Production).is_err());
    }

    #[test]
    fn the_next_step_is_the_first_not_done_and_a_refusal_is_where_it_stopped() {
        let mut run = plan(&BTreeMap::new(), "测试", "f");
        assert_eq!(run.next_step(), Some(0));
        let outcome = |ok| StepOutcome {
            at: Utc::now(),
            ok,
            code: if ok { "00" } else { "41" }.into(),
            answer: String::new(),
            words: String::new(),
            advice: String::new(),
            api_version: "1.1".into(),
        };
        run.steps[0].outcome = Some(outcome(true));
        run.steps[1].outcome = Some(outcome(false));
        assert_eq!(run.next_step(), Some(1));
        assert_eq!(run.stopped_at().map(|(i, o)| (i, o.code.as_str())), Some((1, "41")));
        assert_eq!(run.done_count(), 1);
    }
}
