//! Loading many records at once, in one transaction each batch: for a generated station
//! (benchmarks, demos), never for the clerk's records, which go through the use cases.

use chrono::{DateTime, Utc};
use rusqlite::{TransactionBehavior, params};

use super::{Result, Store, StoreError, WorkerPhotos, timestamp};
use crate::seams::prelude::*;
use domain::{Company, ItemState, RecordState, Validated, Worker};

/// A generated worker and where the platform is with it.
pub struct BulkWorker<'a> {
    pub worker: Validated<Worker>,
    pub photos: &'a WorkerPhotos,
    pub thumbnail: Option<&'a [u8]>,
    pub emp_id: String,
    /// Sent, Pending (queued), NeedsFix (refused, with `message`) or Departed.
    pub state: RecordState,
    pub message: String,
    pub at: DateTime<Utc>,
}

impl BulkWrites for Store {
    fn bulk_companies(&mut self, companies: &[Validated<Company>]) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = timestamp(Utc::now());
        for c in companies {
            let data = serde_json::to_string(&**c).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            tx.execute(
                "INSERT OR REPLACE INTO companies (suid, company_name, data, sync_state, updated_at)
                 VALUES (?1, ?2, ?3, 'sent', ?4)",
                params![c.suid, c.company_name, data, now],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn bulk_workers(&mut self, workers: Vec<BulkWorker<'_>>) -> Result<usize> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut n = 0;
        {
            let mut worker_stmt = tx.prepare(
                "INSERT OR REPLACE INTO workers (id_code, emp_name, emp_company, data, emp_id, locked_category, sync_state,
                   sync_message, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
            )?;
            let mut photo_stmt =
                tx.prepare("INSERT OR REPLACE INTO worker_photos (id_code, kind, jpeg) VALUES (?1, ?2, ?3)")?;
            let mut thumb_stmt =
                tx.prepare("INSERT OR REPLACE INTO worker_thumbnails (id_code, jpeg) VALUES (?1, ?2)")?;
            let mut item_stmt = tx.prepare(
                "INSERT INTO outbox (kind, record_key, label, state, attempts, last_code, last_message, last_advice,
                   park_reason, created_at, updated_at, sent_at)
                 VALUES ('register', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)",
            )?;
            for b in workers {
                let w: &Worker = &b.worker;
                let data = serde_json::to_string(w).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let at = timestamp(b.at);
                let accepted = matches!(b.state, RecordState::Sent | RecordState::Departed);
                worker_stmt.execute(params![
                    w.id_code,
                    w.emp_name,
                    w.emp_company,
                    data,
                    b.emp_id,
                    if accepted { w.emp_category.as_str() } else { "" },
                    b.state.as_str(),
                    b.message,
                    at
                ])?;
                for (kind, jpeg) in b.photos {
                    photo_stmt.execute(params![w.id_code, kind.key(), jpeg])?;
                }
                if let Some(jpeg) = b.thumbnail {
                    thumb_stmt.execute(params![w.id_code, jpeg])?;
                }
                let (state, attempts, code, advice, park) = match b.state {
                    RecordState::Sent | RecordState::Departed => (ItemState::Sent, 1, "00", "", ""),
                    RecordState::Pending | RecordState::Draft => (ItemState::Waiting, 0, "", "", ""),
                    RecordState::NeedsFix => (
                        ItemState::NeedsFix,
                        1,
                        "41",
                        "内容格式不对：请按平台指出的字段改正后重发",
                        "record",
                    ),
                };
                item_stmt.execute(params![
                    w.id_code,
                    format!("登记 {}", w.emp_name),
                    state.as_str(),
                    attempts,
                    code,
                    b.message,
                    advice,
                    park,
                    at,
                    (state == ItemState::Sent).then_some(at.clone())
                ])?;
                if b.state == RecordState::Departed {
                    item_stmt.execute(params![
                        w.id_code,
                        format!("离场 {}", w.emp_name),
                        "sent",
                        1,
                        "00",
                        "",
                        "",
                        "",
                        at,
                        Some(at.clone())
                    ])?;
                    let item = tx.last_insert_rowid();
                    tx.execute("UPDATE outbox SET kind = 'leave' WHERE id = ?1", [item])?;
                    tx.execute(
                        "INSERT INTO departures (id_code, exit_time, outbox_id, sync_state, created_at)
                         VALUES (?1, ?2, ?3, 'sent', ?4)",
                        params![w.id_code, protocol::beijing_timestamp(b.at), item, at],
                    )?;
                }
                n += 1;
            }
        }
        tx.commit()?;
        Ok(n)
    }
}
