//! Drafts (待补全) on the site database: as the SQLite store's (`crate::drafts`).

use chrono::Utc;
use domain::{IdNumber, RecordState, Validated, Worker, WorkerDraft, mask_id};

use super::rows::corrupt;
use super::{PgStore, audit_in};
use crate::seams::prelude::*;
use crate::{DraftSource, Result, WorkerRecord, timestamp};

impl DraftReads for PgStore {
    fn draft(&self, id_code: &str) -> Result<Option<WorkerRecord>> {
        let row = self.with(|c| {
            Ok(c.query_opt(
                "SELECT data, created_at, updated_at FROM worker_drafts WHERE id_code = $1",
                &[&id_code],
            )?)
        })?;
        row.map(|r| {
            Ok(WorkerRecord {
                worker: serde_json::from_str(r.get::<_, &str>(0)).map_err(corrupt)?,
                emp_id: String::new(),
                modify_time: String::new(),
                pass_period_answered: String::new(),
                locked_category: String::new(),
                state: RecordState::Draft,
                sync_message: String::new(),
                created_at: r.get(1),
                updated_at: r.get(2),
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
        let rows = self.with(|c| Ok(c.query("SELECT data FROM worker_drafts ORDER BY id_code", &[])?))?;
        rows.iter()
            .map(|r| serde_json::from_str(r.get::<_, &str>(0)).map_err(corrupt))
            .collect()
    }

    fn damaged_drafts(&self) -> Result<Vec<String>> {
        let rows = self.with(|c| Ok(c.query("SELECT id_code, data FROM worker_drafts ORDER BY id_code", &[])?))?;
        Ok(rows
            .iter()
            .filter(|r| serde_json::from_str::<Worker>(r.get::<_, &str>(1)).is_err())
            .map(|r| r.get(0))
            .collect())
    }

    fn draft_count(&self) -> Result<u64> {
        self.with(|c| Ok(c.query_one("SELECT COUNT(*) FROM worker_drafts", &[])?.get::<_, i64>(0) as u64))
    }
}

impl DraftWrites for PgStore {
    fn save_drafts(&mut self, drafts: &[(Validated<WorkerDraft>, DraftSource)]) -> Result<Vec<String>> {
        let now = timestamp(Utc::now());
        let station = self.station.as_str();
        self.with(|c| {
            let mut tx = c.transaction()?;
            let mut skipped = Vec::new();
            for (draft, source) in drafts {
                let w = &draft.worker;
                let enrolled = tx
                    .query_opt("SELECT 1 FROM workers WHERE id_code = $1", &[&w.id_code])?
                    .is_some();
                if enrolled {
                    skipped.push(w.id_code.clone());
                    continue;
                }
                let data = serde_json::to_string(w).map_err(corrupt)?;
                let from = format!("{} 第 {} 行", source.file, source.row);
                tx.execute(
                    "INSERT INTO worker_drafts (id_code, emp_name, emp_company, data, source, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $6)
                     ON CONFLICT (id_code) DO UPDATE SET emp_name = excluded.emp_name, emp_company = excluded.emp_company,
                       data = excluded.data, source = excluded.source, updated_at = excluded.updated_at",
                    &[&w.id_code, &w.emp_name, &w.emp_company, &data, &from, &now],
                )?;
                audit_in(&mut tx, station, "导入待补全人员", &mask_id(&w.id_code), &from)?;
            }
            tx.commit()?;
            Ok(skipped)
        })
    }

    fn delete_draft(&mut self, id_code: &IdNumber) -> Result<bool> {
        let id_code = id_code.as_str();
        let station = self.station.as_str();
        self.with(|c| {
            let mut tx = c.transaction()?;
            let n = tx.execute("DELETE FROM worker_drafts WHERE id_code = $1", &[&id_code])?;
            if n > 0 {
                audit_in(&mut tx, station, "删除待补全人员", &mask_id(id_code), "")?;
            }
            tx.commit()?;
            Ok(n > 0)
        })
    }
}
