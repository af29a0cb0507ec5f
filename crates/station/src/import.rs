//! 从 Excel 导入人员: a subcontractor's list checked row by row with the enrollment's own
//! rules, reported before anything is saved, then saved: a new person as a draft (待补全,
//! never sent until completed through the form), a person already on the roster as an
//! update through the normal enrollment. Cells become field text here: dictionary names to
//! codes, 已签 to 1, a company's short name refused with its full name, date columns joined.

use std::collections::{HashMap, HashSet};

use convert::{Lookup, QUOTED, error, warning};

use super::{Station, StationError};
use api::Endpoint;
use domain::{Field, PhotosPresent, RecordState, Severity, Worker, WorkerField, WorkerProblem, WorkerRules, clip};
use excel::{Row, WorkerColumn, WorkerSheet};
use store::{DraftSource, StoreError, WorkerPhotos};

mod convert;
mod report;

pub use report::{ImportOutcome, ImportReport, ImportSummary, RowAction, RowReport, RowStatus};

/// What holds for the whole sheet, said once above the rows: a column every row needs is
/// missing, a dictionary or the companies the rows name are not on this PC yet.
fn sheet_notes(sheet: &WorkerSheet, lookup: &Lookup) -> Vec<String> {
    let mut notes = Vec::new();
    let missing: Vec<&str> = WorkerField::ALL
        .into_iter()
        .map(WorkerColumn::Field)
        .filter(|c| excel::write::required_in_list(*c) && !sheet.has_column(*c))
        .map(|c| c.label())
        .collect();
    if !missing.is_empty() {
        notes.push(format!(
            "表中没有这些必填列：{}（每一行都会因此报错）",
            missing.join("、")
        ));
    }
    if lookup.companies.is_empty() && sheet.has_column(WorkerColumn::Field(WorkerField::EmpCompany)) {
        notes.push("本项目还没有参建单位：请先在“参建单位”里添加名单上的单位，再重新检查".into());
    }
    for (field, what, entries) in &lookup.dicts {
        if entries.is_none() && sheet.has_column(WorkerColumn::Field(*field)) {
            notes.push(format!(
                "{what}字典还没有取到本机：这一列无法核对，填了它的行都不能导入。请联网后在“设置”里点“刷新字典”，再重新检查"
            ));
        }
    }
    notes.extend(sheet.notes.iter().cloned());
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
            let id = domain::parse_id_number(&listed.id_code).ok().map(|i| i.code);
            let report = self.check_row(row, &lookup, &listed, conversion, id.as_deref())?;
            listed_by_row.push((id, listed.normalized()));
            rows.push(report);
        }
        mark_duplicates(&mut rows, &listed_by_row);
        for r in &mut rows {
            r.problems.sort_by_key(|p| p.field);
            clip_messages(&mut r.problems);
            r.status = status_of(&r.problems);
        }
        let report = ImportReport {
            file: sheet.file_name.clone(),
            sheet: sheet.sheet_name.clone(),
            header_row: sheet.header_row,
            notes: sheet_notes(sheet, &lookup),
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
                        format!(
                            "姓名由“{}”改为“{}”：请核对",
                            draft.emp_name,
                            clip(listed.emp_name.trim(), QUOTED)
                        ),
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
        // Shown in the report, where a name pasted a thousand times over would fill the screen.
        let emp_name = if listed.emp_name.trim().is_empty() {
            clip(&worker.emp_name, QUOTED)
        } else {
            clip(listed.emp_name.trim(), QUOTED)
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
    pub fn template_lists(&self) -> Result<excel::TemplateLists, StoreError> {
        let names = |kind| -> Result<Vec<String>, StoreError> {
            Ok(self
                .store
                .dictionary(kind)?
                .map(|(entries, _)| entries.into_iter().map(|e| e.value).collect())
                .unwrap_or_default())
        };
        Ok(excel::TemplateLists {
            nations: domain::ETHNIC_GROUPS.iter().map(|(_, n)| n.to_string()).collect(),
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
    pub fn delete_draft(&mut self, id_code: &domain::IdNumber) -> Result<(), StationError> {
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
    clip_messages(&mut r.problems);
    r.status = RowStatus::Error;
}

/// The rules a row is checked with quote what they were given (“…”不是身份证上的民族名称,
/// 通行有效期“…”缺少冒号), and a list gives them whatever its cell held, up to the cell
/// limit: each quoted value is cut here, where the messages become the import's report.
fn clip_messages(problems: &mut [WorkerProblem]) {
    for p in problems {
        if p.message.contains('“') {
            p.message = clip_quoted(&p.message);
        }
    }
}

/// `message` with each “quoted” value longer than [`QUOTED`] characters cut (a value cut
/// already, ending in “…（共 N 个字）”, is left as it is).
fn clip_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1024));
    let mut rest = message;
    while let Some(open) = rest.find('“') {
        let (head, tail) = rest.split_at(open + '“'.len_utf8());
        out.push_str(head);
        let close = tail.find('”').unwrap_or(tail.len());
        let quoted = &tail[..close];
        if quoted.contains("…（共 ") && quoted.ends_with("个字）") {
            out.push_str(quoted);
        } else {
            out.push_str(&clip(quoted, QUOTED));
        }
        rest = &tail[close..];
    }
    out.push_str(rest);
    out
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
        let quoted = clip(given, QUOTED);
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
                format!("这个身份证号码已登记为“{was}”，表中姓名是“{quoted}”：请核对身份证号码是否填错"),
            )
        } else {
            warning(
                f,
                format!(
                    "{}与花名册不一致（表中“{quoted}”，花名册“{was}”）：以身份证为准，没有更新",
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
