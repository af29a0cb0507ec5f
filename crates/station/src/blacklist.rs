//! The project's blacklist as use cases: add (from the screen or a sheet), remove, each
//! change checked (a valid ID number, a reason, who did it) and written with its audit line
//! by the store. Enrollment reads the list through `worker_rules`, so the form, the import
//! and the commands all refuse the same people.

use super::{Station, StationError};
use domain::text::text_problem;
use domain::{RecordState, parse_id_number};
use excel::{BlacklistColumn, BlacklistSheet, TextKind, text_of};
use store::BlacklistEntry;

/// What adding did: how many, and who among them is on the roster already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlacklistAdded {
    pub count: usize,
    /// (name, state) of those already enrolled or imported.
    pub on_roster: Vec<(String, RecordState)>,
}

impl BlacklistAdded {
    pub fn message(&self) -> String {
        let mut m = format!("已加入黑名单 {} 人", self.count);
        if !self.on_roster.is_empty() {
            let who: Vec<String> = self
                .on_roster
                .iter()
                .map(|(n, s)| format!("{n}（{}）", s.label()))
                .collect();
            m.push_str(&format!(
                "；其中已在花名册中：{}。请按项目规定处理（如标记离场）",
                who.join("、")
            ));
        }
        m
    }
}

/// What a blacklist sheet gave: the entries added and the rows refused, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlacklistImport {
    pub added: BlacklistAdded,
    pub refused: Vec<(u32, String)>,
}

impl BlacklistImport {
    pub fn message(&self) -> String {
        let mut m = self.added.message();
        if !self.refused.is_empty() {
            let rows: Vec<String> = self
                .refused
                .iter()
                .take(20)
                .map(|(row, why)| format!("第 {row} 行：{why}"))
                .collect();
            m.push_str(&format!("。没有加入 {} 行：{}", self.refused.len(), rows.join("；")));
            if self.refused.len() > 20 {
                m.push_str(" …");
            }
        }
        m
    }
}

/// The entry normalised (18-character ID, trimmed texts), or every reason it cannot be kept.
pub fn check_entry(e: &BlacklistEntry) -> Result<BlacklistEntry, Vec<String>> {
    let mut why = Vec::new();
    let id_code = match parse_id_number(&e.id_code) {
        Ok(id) => id.code,
        Err(m) => {
            why.push(m.to_string());
            String::new()
        }
    };
    let (name, reason, added_by) = (e.name.trim(), e.reason.trim(), e.added_by.trim());
    if reason.is_empty() {
        why.push("请写明加入黑名单的原因（登记被拒绝时会显示给登记员）".into());
    }
    if added_by.is_empty() {
        why.push("请填写操作人（谁加入的，记入操作日志）".into());
    }
    for (label, value, max) in [("姓名", name, 50), ("原因", reason, 200), ("操作人", added_by, 50)] {
        if let Some(p) = text_problem(label, value, max) {
            why.push(p);
        }
    }
    if !why.is_empty() {
        return Err(why);
    }
    Ok(BlacklistEntry {
        id_code,
        name: name.into(),
        reason: reason.into(),
        added_by: added_by.into(),
        added_at: String::new(),
    })
}

impl Station {
    /// Adds or updates entries; all or nothing.
    pub fn blacklist_add(&mut self, entries: &[BlacklistEntry]) -> Result<BlacklistAdded, StationError> {
        let mut checked = Vec::new();
        let mut why = Vec::new();
        for e in entries {
            match check_entry(e) {
                Ok(e) => checked.push(e),
                Err(w) => why.extend(w),
            }
        }
        if !why.is_empty() {
            return Err(StationError::Refused(why));
        }
        self.store.add_to_blacklist(&checked)?;
        let roster = self.store.roster_rows()?;
        let on_roster = checked
            .iter()
            .filter_map(|e| roster.iter().find(|w| w.id_code == e.id_code))
            .map(|w| (w.emp_name.clone(), w.state))
            .collect();
        Ok(BlacklistAdded {
            count: checked.len(),
            on_roster,
        })
    }

    /// Takes an ID number off the list; `by` goes to the audit trail.
    pub fn blacklist_remove(&mut self, id_code: &domain::IdNumber, by: &str) -> Result<(), StationError> {
        if by.trim().is_empty() {
            return Err(StationError::Refused(vec!["请先填写操作人（记入操作日志）".into()]));
        }
        if self.store.remove_from_blacklist(id_code, by.trim())? {
            Ok(())
        } else {
            Err(StationError::Refused(vec![
                "黑名单里没有这个身份证号码（可能已经移出）".into(),
            ]))
        }
    }

    /// Adds the valid rows of a blacklist sheet; `added_by` fills a row that names nobody.
    pub fn import_blacklist(
        &mut self,
        sheet: &BlacklistSheet,
        added_by: &str,
    ) -> Result<BlacklistImport, StationError> {
        let mut entries = Vec::new();
        let mut refused = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for row in &sheet.rows {
            let text = |c, kind| text_of(row.get(c), kind);
            let entry = (|| {
                let id_code = text(
                    BlacklistColumn::IdCode,
                    TextKind::LongDigits {
                        what: "身份证号码"
                    },
                )?;
                let mut by = text(BlacklistColumn::AddedBy, TextKind::Plain)?;
                if by.is_empty() {
                    by = added_by.trim().to_string();
                }
                check_entry(&BlacklistEntry {
                    id_code,
                    name: text(BlacklistColumn::Name, TextKind::Plain)?,
                    reason: text(BlacklistColumn::Reason, TextKind::Plain)?,
                    added_by: by,
                    added_at: String::new(),
                })
                .map_err(|w| w.join("；"))
            })();
            match entry {
                Ok(e) if !seen.insert(e.id_code.clone()) => {
                    refused.push((row.row, "与前面的行身份证号码重复".to_string()));
                }
                Ok(e) => entries.push(e),
                Err(why) => refused.push((row.row, why)),
            }
        }
        let added = if entries.is_empty() {
            BlacklistAdded {
                count: 0,
                on_roster: Vec::new(),
            }
        } else {
            self.blacklist_add(&entries)?
        };
        Ok(BlacklistImport { added, refused })
    }
}
