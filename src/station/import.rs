//! 从 Excel 导入人员: a subcontractor's list checked row by row with the enrollment's own
//! rules, reported before anything is saved, then saved: a new person as a draft (待补全,
//! never sent until completed through the form), a person already on the roster as an
//! update through the normal enrollment. Cells become field text here: dictionary names to
//! codes, 已签 to 1, a company's short name refused with its full name, date columns joined.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::{Station, StationError};
use crate::api::Endpoint;
use crate::api::types::DictEntry;
use crate::domain::{PhotosPresent, RecordState, Severity, Worker, WorkerField, WorkerProblem, WorkerRules};
use crate::excel::{Cell, Row, TextKind, WorkerColumn, WorkerSheet, date_of, text_of};
use crate::store::{DraftSource, StoreError, WorkerPhotos};

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

/// What the rows are read against, built once per check.
struct Lookup {
    rules: WorkerRules,
    dicts: Vec<(WorkerField, &'static str, Option<Vec<DictEntry>>)>,
    /// (full name, short name) of the project's companies.
    companies: Vec<(String, String)>,
    drafts: HashMap<String, Worker>,
    /// Each column's header as the sheet writes it, for messages the clerk can find.
    headers: HashMap<WorkerColumn, String>,
}

fn problem(field: WorkerField, message: impl Into<String>, severity: Severity) -> WorkerProblem {
    WorkerProblem {
        field,
        message: message.into(),
        severity,
    }
}

fn error(field: WorkerField, message: impl Into<String>) -> WorkerProblem {
    problem(field, message, Severity::Error)
}

fn warning(field: WorkerField, message: impl Into<String>) -> WorkerProblem {
    problem(field, message, Severity::Warning)
}

fn text_kind(field: WorkerField) -> TextKind {
    match field {
        WorkerField::IdCode => TextKind::LongDigits {
            what: "身份证号码"
        },
        WorkerField::EmpCardnum => TextKind::LongDigits { what: "银行账号" },
        WorkerField::EmpPhone => TextKind::Digits,
        _ => TextKind::Plain,
    }
}

/// A yes/no column in the words lists use.
fn yes_no(value: &str, yes: &'static str, no: &'static str) -> Option<&'static str> {
    let v = value.trim().to_lowercase();
    const YES: [&str; 11] = [
        "1",
        "是",
        "已签",
        "已签订",
        "签订",
        "有",
        "y",
        "yes",
        "true",
        "√",
        "一致",
    ];
    const NO: [&str; 10] = ["0", "否", "未签", "未签订", "无", "n", "no", "false", "×", "不一致"];
    if YES.contains(&v.as_str()) {
        Some(yes)
    } else if NO.contains(&v.as_str()) {
        Some(no)
    } else {
        None
    }
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn is_long_term(cell: &Cell) -> bool {
    matches!(cell, Cell::Text(s) if ["长期", "长久", "永久"].contains(&s.trim()))
}

impl Lookup {
    fn date_part(
        &self,
        row: &Row<WorkerColumn>,
        column: WorkerColumn,
        field: WorkerField,
        out: &mut Vec<WorkerProblem>,
    ) -> Option<NaiveDate> {
        match date_of(row.get(column)) {
            Ok(d) => d,
            Err(e) => {
                let header = self.headers.get(&column).map_or(column.label(), String::as_str);
                out.push(error(field, format!("{header}：{e}")));
                None
            }
        }
    }

    /// The row's cells as field text, and what was wrong with the cells.
    fn convert(&self, row: &Row<WorkerColumn>) -> (Worker, Vec<WorkerProblem>) {
        let mut w = Worker::default();
        let mut out = Vec::new();
        for field in WorkerField::ALL {
            let column = WorkerColumn::Field(field);
            if !row.has(column) {
                continue;
            }
            let cell = row.get(column);
            let value = match (field, cell) {
                (WorkerField::PassPeriod, Cell::Date(_) | Cell::Number(_)) => {
                    date_of(cell).map(|d| d.map(|d| format!("{}:", d.format("%Y-%m-%d"))).unwrap_or_default())
                }
                (WorkerField::IdValiddate, Cell::Date(_) | Cell::Number(_)) => {
                    Err("有效期限应写成“起始日期-截止日期”，如 2015.06.01-2035.06.01：请照抄身份证背面".to_string())
                }
                _ => text_of(cell, text_kind(field)),
            };
            match (value, field.text_mut(&mut w)) {
                (Ok(v), Some(slot)) => *slot = v,
                (Err(m), _) => out.push(error(field, m)),
                (Ok(_), None) => {}
            }
        }
        self.join_dates(row, &mut w, &mut out);
        self.map_names(&mut w, &mut out);
        (w, out)
    }

    /// The pass period and the card's validity from their two date columns.
    fn join_dates(&self, row: &Row<WorkerColumn>, w: &mut Worker, out: &mut Vec<WorkerProblem>) {
        let pass = WorkerField::PassPeriod;
        let start = self.date_part(row, WorkerColumn::PassStart, pass, out);
        let end = self.date_part(row, WorkerColumn::PassEnd, pass, out);
        if w.pass_period.is_empty() && (start.is_some() || end.is_some()) {
            let start = start.unwrap_or(self.rules.today);
            let end = end.map(|e| e.format("%Y-%m-%d").to_string()).unwrap_or_default();
            w.pass_period = format!("{}:{end}", start.format("%Y-%m-%d"));
        }
        let valid = WorkerField::IdValiddate;
        let from = self.date_part(row, WorkerColumn::ValidFrom, valid, out);
        let to_cell = row.get(WorkerColumn::ValidTo);
        let to = if is_long_term(to_cell) {
            Some(None)
        } else {
            self.date_part(row, WorkerColumn::ValidTo, valid, out).map(Some)
        };
        if !w.id_validdate.is_empty() {
            return;
        }
        match (from, to) {
            (Some(f), Some(t)) => {
                let end = t.map_or("长期".to_string(), |t| t.format("%Y.%m.%d").to_string());
                w.id_validdate = format!("{}-{end}", f.format("%Y.%m.%d"));
            }
            (Some(_), None) => out.push(error(valid, "有效期限缺少截止日期：请填写截止日期，长期有效的写“长期”")),
            (None, Some(_)) => out.push(error(valid, "有效期限缺少起始日期：请照抄身份证背面的起始日期")),
            (None, None) => {}
        }
    }

    /// Dictionary names to codes, yes/no words to the platform's letters, the company's
    /// full name required.
    fn map_names(&self, w: &mut Worker, out: &mut Vec<WorkerProblem>) {
        for (field, what, entries) in &self.dicts {
            let Some(slot) = field.text_mut(w) else { continue };
            let value = slot.trim().to_string();
            if value.is_empty() {
                continue;
            }
            let Some(list) = entries else {
                out.push(error(
                    *field,
                    format!("{what}字典还没有取到本机：请联网后在“设置”里点“刷新字典”，再重新导入"),
                ));
                continue;
            };
            let named: Vec<&DictEntry> = list.iter().filter(|e| squash(&e.value) == squash(&value)).collect();
            match named.as_slice() {
                [one] => *slot = one.orders.clone(),
                [] if list.iter().any(|e| e.orders == value) => *slot = value,
                [] => {
                    let example = list.first().map(|e| format!("（如“{}”）", e.value)).unwrap_or_default();
                    out.push(error(
                        *field,
                        format!("“{value}”不是{what}字典里的名称或代码：请从下拉列表选择{example}"),
                    ));
                }
                many => {
                    let codes: Vec<&str> = many.iter().map(|e| e.orders.as_str()).collect();
                    out.push(error(
                        *field,
                        format!(
                            "{what}字典里有 {} 项都叫“{value}”（代码 {}）：请填写其中一个代码",
                            many.len(),
                            codes.join("、")
                        ),
                    ));
                }
            }
        }
        for (field, yes, no, words) in [
            (WorkerField::ContractStatus, "1", "0", "已签 或 未签（也可以填 1 或 0）"),
            (WorkerField::MatchFlag, "Y", "N", "Y（一致）或 N（不一致）"),
        ] {
            let Some(slot) = field.text_mut(w) else { continue };
            if slot.is_empty() {
                continue;
            }
            match yes_no(slot, yes, no) {
                Some(v) => *slot = v.to_string(),
                None => out.push(error(field, format!("{}“{}”看不懂：请填 {words}", field.label(), slot))),
            }
        }
        let company = w.emp_company.trim();
        if !company.is_empty() && !self.companies.iter().any(|(full, _)| full == company) {
            if self.companies.is_empty() {
                out.push(error(
                    WorkerField::EmpCompany,
                    format!("本项目还没有参建单位：请先在“参建单位”里添加“{company}”，再导入"),
                ));
            } else if let Some((full, _)) = self
                .companies
                .iter()
                .find(|(_, short)| !short.is_empty() && short == company)
            {
                out.push(error(
                    WorkerField::EmpCompany,
                    format!("“{company}”是单位简称：请填写单位全称“{full}”"),
                ));
            }
        }
    }
}

/// The sheet's own findings: a column every row needs is missing.
fn sheet_notes(sheet: &WorkerSheet) -> Vec<String> {
    let mut notes = sheet.notes.clone();
    let missing: Vec<&str> = WorkerField::ALL
        .into_iter()
        .map(WorkerColumn::Field)
        .filter(|c| crate::excel::write::required_in_list(*c) && !sheet.has_column(*c))
        .map(|c| c.label())
        .collect();
    if !missing.is_empty() {
        notes.insert(
            0,
            format!("表中没有这些必填列：{}（每一行都会因此报错）", missing.join("、")),
        );
    }
    notes
}

impl Station {
    fn import_lookup(&self, sheet: &WorkerSheet) -> Result<Lookup, StoreError> {
        let store = &self.store;
        let dict = |kind| Ok::<_, StoreError>(store.dictionary(kind)?.map(|(e, _)| e));
        Ok(Lookup {
            rules: self.worker_rules("")?,
            dicts: vec![
                (
                    WorkerField::EmpCategory,
                    "人员类型",
                    dict(Endpoint::DictListEmpCategory)?,
                ),
                (
                    WorkerField::JobTypename,
                    "工种/岗位类别",
                    dict(Endpoint::DictListJobTypeName)?,
                ),
                (WorkerField::JobName, "工种名称", dict(Endpoint::DictListJobName)?),
            ],
            companies: store
                .companies()?
                .into_iter()
                .filter(|c| !c.removing)
                .map(|c| (c.company.company_name, c.company.short_name))
                .collect(),
            drafts: store
                .draft_workers()?
                .into_iter()
                .map(|w| (w.id_code.clone(), w))
                .collect(),
            headers: sheet.columns.iter().map(|(c, h, _)| (*c, h.clone())).collect(),
        })
    }

    /// Checks a list against the roster, the drafts, the dictionaries and the blacklist.
    /// Saves nothing.
    pub fn check_import(&self, sheet: &WorkerSheet) -> Result<ImportReport, StoreError> {
        self.check_with_rules(sheet).map(|(r, _)| r)
    }

    fn check_with_rules(&self, sheet: &WorkerSheet) -> Result<(ImportReport, WorkerRules), StoreError> {
        let lookup = self.import_lookup(sheet)?;
        let mut rows = Vec::new();
        // (normalised ID, the row's own values) for the duplicate check.
        let mut listed_by_row = Vec::new();
        for row in &sheet.rows {
            let (listed, conversion) = lookup.convert(row);
            let id = crate::domain::parse_id_number(&listed.id_code).ok().map(|i| i.code);
            let report = self.check_row(row, &lookup, &listed, conversion, id.as_deref())?;
            listed_by_row.push((id, listed.normalized()));
            rows.push(report);
        }
        mark_duplicates(&mut rows, &listed_by_row);
        for r in &mut rows {
            r.problems.sort_by_key(|p| p.field);
            r.status = status_of(&r.problems);
        }
        let report = ImportReport {
            file: sheet.file_name.clone(),
            sheet: sheet.sheet_name.clone(),
            header_row: sheet.header_row,
            notes: sheet_notes(sheet),
            rows,
        };
        Ok((report, lookup.rules))
    }

    fn check_row(
        &self,
        row: &Row<WorkerColumn>,
        lookup: &Lookup,
        listed: &Worker,
        conversion: Vec<WorkerProblem>,
        id: Option<&str>,
    ) -> Result<RowReport, StoreError> {
        let broken: HashSet<WorkerField> = conversion.iter().map(|p| p.field).collect();
        let mut problems = conversion;
        let existing = match id {
            Some(id) => self.store.worker(id)?,
            None => None,
        };
        let (action, worker, found) = match (existing, id.and_then(|id| lookup.drafts.get(id))) {
            (Some(rec), _) => {
                let (merged, mut found) = merge_into_enrolled(&rec.worker, listed);
                let action = if merged.normalized() == rec.worker.normalized() {
                    RowAction::Unchanged
                } else {
                    if rec.state == RecordState::Departed {
                        found.push(warning(
                            WorkerField::IdCode,
                            "此人已离场：导入会重新登记进场，并上传平台",
                        ));
                    }
                    RowAction::UpdateWorker
                };
                if action == RowAction::UpdateWorker {
                    let rules = WorkerRules {
                        locked_category: Some(rec.locked_category.clone()).filter(|c| !c.is_empty()),
                        ..lookup.rules.clone()
                    };
                    let on_file = self.store.worker_photo_kinds(&rec.worker.id_code)?;
                    found.extend(merged.validate(PhotosPresent::of(on_file), &rules));
                }
                (action, merged, found)
            }
            (None, Some(draft)) => {
                let mut merged = draft.clone();
                let mut found = Vec::new();
                overlay(&mut merged, listed, |_| true);
                if !listed.emp_name.is_empty() && listed.emp_name.trim() != draft.emp_name.trim() {
                    found.push(warning(
                        WorkerField::EmpName,
                        format!("姓名由“{}”改为“{}”：请核对", draft.emp_name, listed.emp_name.trim()),
                    ));
                }
                if merged.normalized() == draft.normalized() {
                    (RowAction::Unchanged, merged, found)
                } else {
                    found.extend(merged.validate_draft(&lookup.rules));
                    (RowAction::UpdateDraft, merged, found)
                }
            }
            (None, None) => {
                let mut w = listed.clone();
                if w.pass_period.trim().is_empty() {
                    w.pass_period = format!("{}:", lookup.rules.today.format("%Y-%m-%d"));
                }
                let found = w.validate_draft(&lookup.rules);
                (RowAction::New, w, found)
            }
        };
        // A cell that could not be read already says so; the field's "missing" or "wrong"
        // would only repeat it.
        problems.extend(found.into_iter().filter(|p| !broken.contains(&p.field)));
        let id_code = match id {
            Some(id) => id.to_string(),
            None => row.get(WorkerColumn::Field(WorkerField::IdCode)).shown(),
        };
        let emp_name = if listed.emp_name.trim().is_empty() {
            worker.emp_name.clone()
        } else {
            listed.emp_name.trim().to_string()
        };
        Ok(RowReport {
            row: row.row,
            id_code,
            emp_name,
            action,
            status: RowStatus::Valid,
            problems,
            worker,
        })
    }

    /// Saves what the check finds valid: new people and earlier drafts as drafts (in one
    /// transaction), people on the roster as updates through [`Station::enroll`]. Checks
    /// again first: the roster or the blacklist may have changed since the clerk looked.
    pub fn import_workers(&mut self, sheet: &WorkerSheet) -> Result<ImportOutcome, StationError> {
        let (mut report, rules) = self.check_with_rules(sheet)?;
        let mut drafts = Vec::new();
        let mut updates = Vec::new();
        for (i, r) in report.rows.iter_mut().enumerate() {
            if r.status == RowStatus::Error {
                continue;
            }
            match r.action {
                RowAction::New | RowAction::UpdateDraft => match r.worker.clone().into_validated_draft(&rules) {
                    Ok((draft, _)) => drafts.push((
                        i,
                        draft,
                        DraftSource {
                            file: report.file.clone(),
                            row: r.row,
                        },
                    )),
                    Err(problems) => refuse_row(r, problems),
                },
                RowAction::UpdateWorker => updates.push(i),
                RowAction::Unchanged => {}
            }
        }
        let (indices, to_save): (Vec<usize>, Vec<_>) = drafts.into_iter().map(|(i, d, s)| (i, (d, s))).unzip();
        let skipped = self.store.save_drafts(&to_save)?;
        let mut drafts_saved = 0;
        for i in indices {
            let r = &mut report.rows[i];
            if skipped.contains(&r.worker.id_code) {
                refuse_row(
                    r,
                    vec![error(
                        WorkerField::IdCode,
                        "此人刚刚已在本机登记：没有改成待补全，请到花名册查看后重新检查",
                    )],
                );
            } else {
                drafts_saved += 1;
            }
        }
        let mut workers_updated = 0;
        for i in updates {
            let worker = report.rows[i].worker.clone();
            match self.enroll(worker, WorkerPhotos::new()) {
                Ok(_) => workers_updated += 1,
                Err(StationError::Worker(problems)) => refuse_row(&mut report.rows[i], problems),
                Err(e) => refuse_row(
                    &mut report.rows[i],
                    vec![error(WorkerField::IdCode, format!("没有保存：{e}"))],
                ),
            }
        }
        Ok(ImportOutcome {
            report,
            drafts_saved,
            workers_updated,
        })
    }

    /// The template's dropdowns: names as the clerk sees them (the cached dictionaries, the
    /// project's companies, the 56 ethnic groups).
    pub fn template_lists(&self) -> Result<crate::excel::TemplateLists, StoreError> {
        let names = |kind| -> Result<Vec<String>, StoreError> {
            Ok(self
                .store
                .dictionary(kind)?
                .map(|(entries, _)| entries.into_iter().map(|e| e.value).collect())
                .unwrap_or_default())
        };
        Ok(crate::excel::TemplateLists {
            nations: crate::domain::ETHNIC_GROUPS
                .iter()
                .map(|(_, n)| n.to_string())
                .collect(),
            categories: names(Endpoint::DictListEmpCategory)?,
            job_types: names(Endpoint::DictListJobTypeName)?,
            job_names: names(Endpoint::DictListJobName)?,
            companies: self
                .store
                .companies()?
                .into_iter()
                .filter(|c| !c.removing)
                .map(|c| c.company.company_name)
                .collect(),
        })
    }

    /// Removes a draft the clerk does not want.
    pub fn delete_draft(&mut self, id_code: &str) -> Result<(), StationError> {
        if self.store.delete_draft(id_code)? {
            Ok(())
        } else {
            Err(StationError::Refused(vec![
                "没有这条待补全的资料（可能已经补全或删除）".into(),
            ]))
        }
    }
}

fn refuse_row(r: &mut RowReport, problems: Vec<WorkerProblem>) {
    r.problems
        .extend(problems.into_iter().filter(|p| p.severity == Severity::Error));
    r.problems.sort_by_key(|p| p.field);
    r.status = RowStatus::Error;
}

fn status_of(problems: &[WorkerProblem]) -> RowStatus {
    if problems.iter().any(|p| p.severity == Severity::Error) {
        RowStatus::Error
    } else if problems.is_empty() {
        RowStatus::Valid
    } else {
        RowStatus::Warning
    }
}

/// Sets on `into` every field the list gives (`take` decides which).
fn overlay(into: &mut Worker, listed: &Worker, take: impl Fn(WorkerField) -> bool) {
    for f in WorkerField::ALL {
        if let (Some(v), Some(slot)) = (f.text(listed), f.text_mut(into))
            && !v.trim().is_empty()
            && take(f)
        {
            *slot = v.trim().to_string();
        }
    }
}

/// A worker on the roster: the list updates the site's fields; what the ID card says stays
/// (it was read from the chip), and a list that disagrees is told so.
fn merge_into_enrolled(enrolled: &Worker, listed: &Worker) -> (Worker, Vec<WorkerProblem>) {
    let mut merged = enrolled.clone();
    overlay(&mut merged, listed, |f| !f.on_id_card());
    let mut found = Vec::new();
    let base = enrolled.normalized();
    for f in WorkerField::ALL
        .into_iter()
        .filter(|f| f.on_id_card() && *f != WorkerField::IdCode)
    {
        let Some(given) = f.text(listed).map(|v| v.trim()).filter(|v| !v.is_empty()) else {
            continue;
        };
        let mut probe = enrolled.clone();
        if let Some(slot) = f.text_mut(&mut probe) {
            *slot = given.to_string();
        }
        let (was, now) = (f.text(&base), f.text(&probe.normalized()).cloned());
        if was == now.as_ref() {
            continue;
        }
        let was = was.cloned().unwrap_or_default();
        found.push(if f == WorkerField::EmpName {
            error(
                f,
                format!("这个身份证号码已登记为“{was}”，表中姓名是“{given}”：请核对身份证号码是否填错"),
            )
        } else {
            warning(
                f,
                format!(
                    "{}与花名册不一致（表中“{given}”，花名册“{was}”）：以身份证为准，没有更新",
                    f.label()
                ),
            )
        });
    }
    (merged, found)
}

/// The same ID number on several rows: identical rows keep the first; rows that differ are
/// all refused, since nobody can tell which one is right.
fn mark_duplicates(rows: &mut [RowReport], listed: &[(Option<String>, Worker)]) {
    let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (id, _)) in listed.iter().enumerate() {
        if let Some(id) = id {
            groups.entry(id.as_str()).or_default().push(i);
        }
    }
    for indices in groups.values().filter(|g| g.len() > 1) {
        let first = indices[0];
        let same = indices.iter().all(|i| listed[*i].1 == listed[first].1);
        if same {
            let first_row = rows[first].row;
            for i in &indices[1..] {
                rows[*i].problems.push(error(
                    WorkerField::IdCode,
                    format!("与第 {first_row} 行重复（内容相同）：只导入第 {first_row} 行，请删除重复的行"),
                ));
            }
        } else {
            let numbers: Vec<String> = indices.iter().map(|i| rows[*i].row.to_string()).collect();
            for i in indices {
                rows[*i].problems.push(error(
                    WorkerField::IdCode,
                    format!(
                        "这个身份证号码在第 {} 行都出现了，内容不同：请核对后只保留正确的一行",
                        numbers.join("、")
                    ),
                ));
            }
        }
    }
}
