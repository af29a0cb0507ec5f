//! Workers imported from a list and not enrolled yet (待补全). They live apart from the
//! workers: no outbox entry, never sent, never departed; `save_worker` deletes the draft
//! when the clerk completes it, in the same transaction.

use chrono::Utc;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::{Result, Store, StoreError, WorkerRecord, audit_in, timestamp};
use crate::seams::prelude::*;
use domain::{IdNumber, RecordState, Validated, Worker, WorkerDraft, mask_id};

/// What the roster says of a draft whose data no longer reads.
pub const DAMAGED_DRAFT: &str = "资料已损坏，读不出来：请删除这条待补全，再重新导入或登记此人";

/// Where a draft came from: the file and its row, for the clerk and the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftSource {
    pub file: String,
    pub row: u32,
}

impl DraftReads for Store {
    fn draft(&self, id_code: &str) -> Result<Option<WorkerRecord>> {
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

    fn worker_or_draft(&self, id_code: &str) -> Result<Option<WorkerRecord>> {
        match self.worker(id_code)? {
            Some(w) => Ok(Some(w)),
            None => self.draft(id_code),
        }
    }

    fn draft_workers(&self) -> Result<Vec<Worker>> {
        let mut stmt = self.conn.prepare("SELECT data FROM worker_drafts ORDER BY id_code")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for data in rows {
            out.push(serde_json::from_str(&data?).map_err(|e| StoreError::Corrupt(e.to_string()))?);
        }
        Ok(out)
    }

    fn damaged_drafts(&self) -> Result<Vec<String>> {
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

    fn draft_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM worker_drafts", [], |r| r.get(0))?;
        Ok(n as u64)
    }
}

impl DraftWrites for Store {
    fn save_drafts(&mut self, drafts: &[(Validated<WorkerDraft>, DraftSource)]) -> Result<Vec<String>> {
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

    fn delete_draft(&mut self, id_code: &IdNumber) -> Result<bool> {
        let id_code = id_code.as_str();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute("DELETE FROM worker_drafts WHERE id_code = ?1", [id_code])?;
        if n > 0 {
            audit_in(&tx, "删除待补全人员", &mask_id(id_code), "")?;
        }
        tx.commit()?;
        Ok(n > 0)
    }
}
