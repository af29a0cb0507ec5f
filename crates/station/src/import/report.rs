//! The import's report: what saving each row would do, whether it may be saved, and why
//! not, each problem naming its field; counts and one line for the clerk.

use serde::Serialize;

use domain::{Field, Worker, WorkerProblem};

/// What saving a row would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    /// A new person: saved as a draft (待补全).
    New,
    /// On the roster already: an update through the normal enrollment (queued for upload).
    UpdateWorker,
    /// A draft from an earlier import: the draft is updated.
    UpdateDraft,
    /// On the roster or a draft already, with nothing different: nothing to save.
    Unchanged,
}

impl RowAction {
    pub fn label(self) -> &'static str {
        match self {
            RowAction::New => "新增（待补全）",
            RowAction::UpdateWorker => "更新花名册",
            RowAction::UpdateDraft => "更新待补全",
            RowAction::Unchanged => "无变化",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    Valid,
    Warning,
    Error,
}

impl RowStatus {
    pub fn label(self) -> &'static str {
        match self {
            RowStatus::Valid => "有效",
            RowStatus::Warning => "有提醒",
            RowStatus::Error => "有错误",
        }
    }
}

/// One row's finding.
#[derive(Debug, Clone, PartialEq)]
pub struct RowReport {
    /// The Excel row number.
    pub row: u32,
    /// Normalised when valid; else as the cell shows it (4.40305E+17).
    pub id_code: String,
    pub emp_name: String,
    pub action: RowAction,
    pub status: RowStatus,
    /// Errors and warnings, each naming its field, in the form's order.
    pub problems: Vec<WorkerProblem>,
    /// The worker as it would be saved (merged over the roster's or the draft's).
    pub worker: Worker,
}

/// Counts for the clerk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub rows: usize,
    /// Rows that would be saved (valid or with warnings, and not unchanged).
    pub importable: usize,
    pub new: usize,
    pub update_worker: usize,
    pub update_draft: usize,
    pub unchanged: usize,
    /// Rows with warnings only.
    pub warnings: usize,
    pub errors: usize,
}

/// The check of a whole list, before anything is saved.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    pub file: String,
    pub sheet: String,
    pub header_row: u32,
    /// How the sheet was read (columns not used, a missing required column …).
    pub notes: Vec<String>,
    pub rows: Vec<RowReport>,
}

impl ImportReport {
    pub fn summary(&self) -> ImportSummary {
        let mut s = ImportSummary {
            rows: self.rows.len(),
            ..Default::default()
        };
        for r in &self.rows {
            match r.status {
                RowStatus::Error => {
                    s.errors += 1;
                    continue;
                }
                RowStatus::Warning => s.warnings += 1,
                RowStatus::Valid => {}
            }
            match r.action {
                RowAction::New => s.new += 1,
                RowAction::UpdateWorker => s.update_worker += 1,
                RowAction::UpdateDraft => s.update_draft += 1,
                RowAction::Unchanged => s.unchanged += 1,
            }
        }
        s.importable = s.new + s.update_worker + s.update_draft;
        s
    }

    /// Every row is valid (warnings allowed).
    pub fn all_valid(&self) -> bool {
        self.rows.iter().all(|r| r.status != RowStatus::Error)
    }

    /// Every row with its result and problems, as a table to send back to whoever filled the
    /// list in.
    pub fn write_xlsx(&self, path: &std::path::Path) -> Result<(), crate::export::ExportError> {
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                let problems: Vec<String> = r
                    .problems
                    .iter()
                    .map(|p| format!("{}：{}", p.field.label(), p.message))
                    .collect();
                vec![
                    r.row.to_string(),
                    r.emp_name.clone(),
                    r.id_code.clone(),
                    r.action.label().to_string(),
                    r.status.label().to_string(),
                    problems.join("；"),
                ]
            })
            .collect();
        excel::write_table(
            path,
            "检查结果",
            &["行号", "姓名", "身份证号码", "处理", "结果", "问题"],
            &[8.0, 10.0, 22.0, 14.0, 10.0, 100.0],
            &rows,
        )
        .map_err(crate::export::ExportError::Table)
    }

    /// One line for the clerk.
    pub fn summary_text(&self) -> String {
        let s = self.summary();
        format!(
            "共 {} 行：可导入 {} 行（新增 {}，更新花名册 {}，更新待补全 {}），其中有提醒 {} 行；有错误 {} 行；无变化 {} 行",
            s.rows, s.importable, s.new, s.update_worker, s.update_draft, s.warnings, s.errors, s.unchanged
        )
    }
}

/// What an import saved.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOutcome {
    /// The check as it stood when saving (rows refused while saving are errors in it).
    pub report: ImportReport,
    pub drafts_saved: usize,
    pub workers_updated: usize,
}

impl ImportOutcome {
    pub fn message(&self) -> String {
        let s = self.report.summary();
        let mut m = format!(
            "已导入：新增或更新待补全 {} 人，更新花名册 {} 人",
            self.drafts_saved, self.workers_updated
        );
        if s.errors > 0 {
            m.push_str(&format!("；{} 行有错误没有导入，请改正后再导入这些行", s.errors));
        }
        if self.drafts_saved > 0 {
            m.push_str("。待补全的人员到“人员花名册”选状态“待补全”，逐个读卡、拍照、扫描身份证后提交登记");
        }
        m
    }
}
