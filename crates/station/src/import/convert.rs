//! A row's cells as the worker's field text, the way a clerk means them: dictionary names to
//! codes, 已签 to 1, yes/no words to Y/N, a company's short name refused with its full name,
//! the two date columns of the pass period and of the card's validity joined. Each cell
//! that cannot be read is a problem on its field.

use std::collections::HashMap;

use chrono::NaiveDate;

use api::types::DictEntry;
use domain::{Field, Severity, Worker, WorkerField, WorkerProblem, WorkerRules, clip};
use excel::{Cell, Row, TextKind, WorkerColumn, date_of, text_of};

/// What the rows are read against, built once per check.
pub(super) struct Lookup {
    pub(super) rules: WorkerRules,
    pub(super) dicts: Vec<(WorkerField, &'static str, Option<Vec<DictEntry>>)>,
    /// (full name, short name) of the project's companies.
    pub(super) companies: Vec<(String, String)>,
    pub(super) drafts: HashMap<String, Worker>,
    /// Each column's header as the sheet writes it, for messages the clerk can find.
    pub(super) headers: HashMap<WorkerColumn, String>,
}

fn problem(field: WorkerField, message: impl Into<String>, severity: Severity) -> WorkerProblem {
    WorkerProblem {
        field,
        message: message.into(),
        severity,
    }
}

pub(super) fn error(field: WorkerField, message: impl Into<String>) -> WorkerProblem {
    problem(field, message, Severity::Error)
}

pub(super) fn warning(field: WorkerField, message: impl Into<String>) -> WorkerProblem {
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

/// How much of a cell a message quotes.
pub(super) const QUOTED: usize = 40;

/// A yes/no column in the words lists use, or in the window's own words for `field`.
fn yes_no(field: WorkerField, value: &str) -> Option<&'static str> {
    let [(yes, yes_label), (no, no_label)] = field.choice()?;
    let v = squash(value).to_lowercase();
    if v == yes_label || v == yes.to_lowercase() {
        return Some(yes);
    }
    if v == no_label || v == no.to_lowercase() {
        return Some(no);
    }
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

/// A pass end that says there is none: the form's checkbox 不限结束日期, or its short forms.
fn is_open_end(cell: &Cell) -> bool {
    is_long_term(cell) || matches!(cell, Cell::Text(s) if ["不限结束日期", "不限", "无"].contains(&squash(s).as_str()))
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
    pub(super) fn convert(&self, row: &Row<WorkerColumn>) -> (Worker, Vec<WorkerProblem>) {
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
        let end = if is_open_end(row.get(WorkerColumn::PassEnd)) {
            None
        } else {
            self.date_part(row, WorkerColumn::PassEnd, pass, out)
        };
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
                        format!(
                            "“{}”不是{what}字典里的名称或代码：请从下拉列表选择{example}",
                            clip(&value, QUOTED)
                        ),
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
        for (field, short) in [
            (WorkerField::ContractStatus, "已签 或 未签、1 或 0"),
            (WorkerField::MatchFlag, "一致 或 不一致、Y 或 N"),
        ] {
            let Some([(_, yes), (_, no)]) = field.choice() else {
                continue;
            };
            let Some(slot) = field.text_mut(w) else { continue };
            if slot.is_empty() {
                continue;
            }
            match yes_no(field, slot) {
                Some(v) => *slot = v.to_string(),
                None => out.push(error(
                    field,
                    format!(
                        "{}“{}”看不懂：请填 {yes} 或 {no}（也可以填 {short}）",
                        field.label(),
                        clip(slot, QUOTED)
                    ),
                )),
            }
        }
        let company = w.emp_company.trim();
        if !company.is_empty() && !self.companies.iter().any(|(full, _)| full == company) {
            if self.companies.is_empty() {
                out.push(error(
                    WorkerField::EmpCompany,
                    format!(
                        "本项目还没有参建单位：请先在“参建单位”里添加“{}”，再导入",
                        clip(company, QUOTED)
                    ),
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
