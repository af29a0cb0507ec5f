//! One rendering of a refusal for the window and the commands: what is wrong (a line per
//! problem), what happened to the record, and what to do. The window shows it as one line; a
//! command prints the problems a line each, then the outcome and the advice, and exits by
//! whether this PC or the input was at fault.

use crate::StationError;
use domain::Field;

/// A use case's refusal as the clerk reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    /// What is wrong, one entry per problem (a field's problem starts with its label).
    pub what: Vec<String>,
    /// What became of the record ("没有保存，也没有上传").
    pub outcome: String,
    /// What to do now.
    pub todo: &'static str,
    /// This PC (disk, database) failed, not the input: a command exits with the local code.
    pub local: bool,
}

/// Advice for a refusal the clerk can correct.
const CORRECT: &str = "请改正后再试";
/// Advice when this PC could not store: what was typed (the form, the command's file) is kept.
const LOCAL: &str = "填写的内容都还在，请稍后再试一次；反复出现请检查硬盘空间或联系技术支持";
/// Advice when the site database could not be reached or refused.
const SITE: &str = "填写的内容都还在：等工地数据库恢复（状态栏会变回正常）后再提交一次";
/// Advice when another station saved the same person first.
const TAKEN: &str = "不需要再登记：请在“花名册”里找到这个人核对";

impl Explained {
    /// One line, for a form's message or a status bar.
    pub fn message(&self) -> String {
        if self.what.is_empty() {
            format!("{}。{}", self.outcome, self.todo)
        } else {
            format!("{}：{}。{}", self.outcome, self.what.join("；"), self.todo)
        }
    }

    /// A line per problem, then the outcome and the advice, for a command's stderr.
    pub fn lines(&self) -> Vec<String> {
        let mut out = self.what.clone();
        out.push(format!("{}。{}", self.outcome, self.todo));
        out
    }

    /// The same refusal, saying what did not happen in the caller's words ("黑名单没有改动").
    pub fn with_outcome(mut self, outcome: impl Into<String>) -> Explained {
        self.outcome = outcome.into();
        self
    }
}

impl StationError {
    pub fn explain(&self) -> Explained {
        let fields = |problems: Vec<String>, outcome: String| Explained {
            what: problems,
            outcome,
            todo: CORRECT,
            local: false,
        };
        match self {
            StationError::Worker(problems) => fields(
                domain::worker::errors(problems)
                    .map(|p| format!("{}：{}", p.field.label(), p.message))
                    .collect(),
                self.to_string(),
            ),
            StationError::Company(problems) => fields(
                problems
                    .iter()
                    .map(|p| format!("{}：{}", p.field.label(), p.message))
                    .collect(),
                self.to_string(),
            ),
            StationError::Refused(why) => fields(why.clone(), "没有办理".into()),
            StationError::Local(e @ store::StoreError::TakenBy { .. }) => Explained {
                what: vec![e.to_string()],
                outcome: "没有保存（另一台工作站刚登记了这个人）".into(),
                todo: TAKEN,
                local: false,
            },
            StationError::Local(e @ store::StoreError::Postgres(_)) => Explained {
                what: vec![e.to_string()],
                outcome: "没能保存到工地数据库，没有排入上传队列".into(),
                todo: SITE,
                local: true,
            },
            StationError::Local(e) => Explained {
                what: vec![e.to_string()],
                outcome: "本机没能保存，没有排入上传队列".into(),
                todo: LOCAL,
                local: true,
            },
        }
    }
}

impl From<StationError> for Explained {
    fn from(e: StationError) -> Explained {
        e.explain()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{Severity, WorkerField, WorkerProblem};

    fn problem(field: WorkerField, message: &str, severity: Severity) -> WorkerProblem {
        WorkerProblem {
            field,
            message: message.into(),
            severity,
        }
    }

    #[test]
    fn a_worker_refusal_names_each_error_and_leaves_warnings_out() {
        let e = StationError::Worker(vec![
            problem(WorkerField::EmpPhone, "手机号码为空", Severity::Error),
            problem(WorkerField::IdValiddate, "身份证已过有效期", Severity::Warning),
        ]);
        let x = e.explain();
        assert_eq!(x.what, vec!["手机号：手机号码为空".to_string()]);
        assert!(!x.local);
        assert_eq!(
            x.message(),
            "人员资料有 1 处错误：没有保存，也没有上传：手机号：手机号码为空。请改正后再试"
        );
        assert_eq!(x.lines().len(), 2);
    }

    #[test]
    fn a_local_failure_says_nothing_was_queued_and_is_this_pcs_fault() {
        let x = StationError::Local(store::StoreError::Corrupt("x".into())).explain();
        assert!(x.local);
        assert!(x.message().starts_with("本机没能保存"), "{}", x.message());
        let x = StationError::Refused(vec!["已离场".into()])
            .explain()
            .with_outcome("黑名单没有改动");
        assert_eq!(
            x.lines(),
            vec!["已离场".to_string(), "黑名单没有改动。请改正后再试".into()]
        );
    }
}
