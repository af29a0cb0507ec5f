//! Workers imported from a list and not enrolled yet (待补全). They live apart from the
//! workers: no outbox entry, never sent, never departed; `save_worker` deletes the draft
//! when the clerk completes it, in the same transaction.

use chrono::Utc;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::{Result, Store, StoreError, WorkerRecord, WorkerRow, audit_in, timestamp};
use domain::{PhotoKind, RecordState, Validated, Worker, WorkerDraft, mask_id};

/// What the roster says of a draft whose data no longer reads.
pub const DAMAGED_DRAFT: &str = "资料已损坏，读不出来：请删除这条待补全，再重新导入或登记此人";

/// Where a draft came from: the file and its row, for the clerk and the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftSource {
    pub file: String,
    pub row: u32,
}

impl Store {
    /// Stores the drafts in one transaction (a new one, or an update of an earlier draft).
    /// An ID number enrolled meanwhile is skipped, never turned back into a draft: returns
    /// those skipped.
    pub fn save_drafts(&mut self, drafts: &[(Validated<WorkerDraft>, DraftSource)]) -> Result<Vec<String>> {
        let now = timestamp(Utc::now());
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut skipped = Vec::new();
        for (draft, source) in drafts {
            let w = &draft.worker;
            let enrolled = tx
                .query_row("SELECT 1 FROM workers WHERE id_code = ?1", [&w.id_code], |_| Ok(()))
                .optional()?
                .is_some();
            if enrolled {
                skipped.push(w.id_code.clone());
                continue;
            }
            let data = serde_json::to_string(w).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let from = format!("{} 第 {} 行", source.file, source.row);
            tx.execute(
                "INSERT INTO worker_drafts (id_code, emp_name, emp_company, data, source, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
                 ON CONFLICT (id_code) DO UPDATE SET emp_name = excluded.emp_name, emp_company = excluded.emp_company,
                   data = excluded.data, source = excluded.source, updated_at = excluded.updated_at",
                params![w.id_code, w.emp_name, w.emp_company, data, from, now],
            )?;
            audit_in(&tx, "导入待补全人员", &mask_id(&w.id_code), &from)?;
        }
        tx.commit()?;
        Ok(skipped)
    }

    /// A draft, as a record the enrollment form can open (state 待补全, nothing on the platform).
    pub fn draft(&self, id_code: &str) -> Result<Option<WorkerRecord>> {
        self.conn
            .query_row(
                "SELECT data, created_at, updated_at FROM worker_drafts WHERE id_code = ?1",
                [id_code],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
            )
            .optional()?
            .map(|(data, created_at, updated_at)| {
                Ok(WorkerRecord {
                    worker: serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    emp_id: String::new(),
                    modify_time: String::new(),
                    pass_period_answered: String::new(),
                    locked_category: String::new(),
                    state: RecordState::Draft,
                    sync_message: String::new(),
                    created_at,
                    updated_at,
                })
            })
            .transpose()
    }

    /// The enrolled worker, else the draft with this ID number.
    pub fn worker_or_draft(&self, id_code: &str) -> Result<Option<WorkerRecord>> {
        match self.worker(id_code)? {
            Some(w) => Ok(Some(w)),
            None => self.draft(id_code),
        }
    }

    /// Every draft's worker, for the import's "already a draft" check.
    pub fn draft_workers(&self) -> Result<Vec<Worker>> {
        let mut stmt = self.conn.prepare("SELECT data FROM worker_drafts ORDER BY id_code")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for data in rows {
            out.push(serde_json::from_str(&data?).map_err(|e| StoreError::Corrupt(e.to_string()))?);
        }
        Ok(out)
    }

    /// The ID numbers of drafts whose data no longer reads as a worker (a damaged record, an
    /// older program's), so they can be told once rather than fail one at a time.
    pub fn damaged_drafts(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id_code, data FROM worker_drafts ORDER BY id_code")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id_code, data) = row?;
            if serde_json::from_str::<Worker>(&data).is_err() {
                out.push(id_code);
            }
        }
        Ok(out)
    }

    /// The roster: enrolled workers and drafts (state 待补全), by name.
    pub fn roster_rows(&self) -> Result<Vec<WorkerRow>> {
        let mut rows = self.worker_rows()?;
        // A draft whose data no longer reads stays on the list, marked, instead of failing
        // the whole roster: the clerk sees it and can delete it. SQLite judges the shape (a
        // JSON object) so the roster does not parse every draft; `damaged_drafts` parses.
        let mut stmt = self.conn.prepare(
            "SELECT id_code, emp_name, emp_company,
                    CASE WHEN ok THEN json_extract(data, '$.emp_category') END,
                    CASE WHEN ok THEN json_extract(data, '$.job_name') END,
                    source, updated_at, ok
             FROM (SELECT *, CASE WHEN json_valid(data) THEN json_type(data) = 'object' ELSE 0 END AS ok
                   FROM worker_drafts)",
        )?;
        let drafts = stmt.query_map([], |r| {
            let sync_message = if r.get::<_, bool>(7)? {
                format!("从 {} 导入", r.get::<_, String>(5)?)
            } else {
                DAMAGED_DRAFT.to_string()
            };
            Ok(WorkerRow {
                id_code: r.get(0)?,
                emp_name: r.get(1)?,
                emp_company: r.get(2)?,
                emp_category: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                job_name: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                emp_id: String::new(),
                state: RecordState::Draft,
                sync_message,
                updated_at: r.get(6)?,
                departure: None,
            })
        })?;
        for d in drafts {
            rows.push(d?);
        }
        rows.sort_by(|a, b| a.emp_name.cmp(&b.emp_name).then_with(|| a.id_code.cmp(&b.id_code)));
        Ok(rows)
    }

    pub fn draft_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM worker_drafts", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Removes a draft the clerk does not want (imported by mistake). Returns whether it existed.
    pub fn delete_draft(&mut self, id_code: &str) -> Result<bool> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute("DELETE FROM worker_drafts WHERE id_code = ?1", [id_code])?;
        if n > 0 {
            audit_in(&tx, "删除待补全人员", &mask_id(id_code), "")?;
        }
        tx.commit()?;
        Ok(n > 0)
    }

    /// Which photos a worker has on file, without reading them.
    pub fn worker_photo_kinds(&self, id_code: &str) -> Result<Vec<PhotoKind>> {
        let mut stmt = self.conn.prepare("SELECT kind FROM worker_photos WHERE id_code = ?1")?;
        let rows = stmt.query_map([id_code], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for k in rows {
            if let Some(kind) = PhotoKind::from_key(&k?) {
                out.push(kind);
            }
        }
        Ok(out)
    }
}
