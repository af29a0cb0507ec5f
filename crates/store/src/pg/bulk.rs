//! Loading many records at once on the site database (a generated site for benchmarks and
//! demos): as `crate::bulk`, with SQLite's `INSERT OR REPLACE` as `ON CONFLICT DO UPDATE`.

use chrono::Utc;
use domain::{Company, ItemState, RecordState, Worker};

use super::PgStore;
use super::rows::corrupt;
use crate::seams::prelude::*;
use crate::{BulkWorker, Result, timestamp};

impl BulkWrites for PgStore {
    fn bulk_companies(&mut self, companies: &[domain::Validated<Company>]) -> Result<()> {
        let now = timestamp(Utc::now());
        self.with(|c| {
            let mut tx = c.transaction()?;
            let stmt = tx.prepare(
                "INSERT INTO companies (suid, company_name, data, sync_state, updated_at) VALUES ($1, $2, $3, 'sent', $4)
                 ON CONFLICT (suid) DO UPDATE SET company_name = excluded.company_name, data = excluded.data,
                   sync_state = 'sent', sync_message = '', removed = 0, updated_at = excluded.updated_at",
            )?;
            for company in companies {
                let data = serde_json::to_string(&**company).map_err(corrupt)?;
                tx.execute(&stmt, &[&company.suid, &company.company_name, &data, &now])?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn bulk_workers(&mut self, workers: Vec<BulkWorker<'_>>) -> Result<usize> {
        let station = self.station.as_str();
        self.with(|c| {
            let mut tx = c.transaction()?;
            let worker_stmt = tx.prepare(
                "INSERT INTO workers (id_code, emp_name, emp_company, data, emp_id, locked_category, sync_state,
                   sync_message, created_at, updated_at, created_by, saved_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $10)
                 ON CONFLICT (id_code) DO UPDATE SET emp_name = excluded.emp_name, emp_company = excluded.emp_company,
                   data = excluded.data, emp_id = excluded.emp_id, locked_category = excluded.locked_category,
                   sync_state = excluded.sync_state, sync_message = excluded.sync_message,
                   created_at = excluded.created_at, updated_at = excluded.updated_at, saved_by = excluded.saved_by",
            )?;
            let photo_stmt = tx.prepare(
                "INSERT INTO worker_photos (id_code, kind, jpeg) VALUES ($1, $2, $3)
                 ON CONFLICT (id_code, kind) DO UPDATE SET jpeg = excluded.jpeg",
            )?;
            let thumb_stmt = tx.prepare(
                "INSERT INTO worker_thumbnails (id_code, jpeg) VALUES ($1, $2)
                 ON CONFLICT (id_code) DO UPDATE SET jpeg = excluded.jpeg",
            )?;
            let item_stmt = tx.prepare(
                "INSERT INTO outbox (kind, record_key, label, state, attempts, last_code, last_message, last_advice,
                   park_reason, created_at, updated_at, sent_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) RETURNING id",
            )?;
            let mut n = 0;
            for b in workers {
                let w: &Worker = &b.worker;
                let data = serde_json::to_string(w).map_err(corrupt)?;
                let at = timestamp(b.at);
                let accepted = matches!(b.state, RecordState::Sent | RecordState::Departed);
                let locked = if accepted { w.emp_category.as_str() } else { "" };
                tx.execute(
                    &worker_stmt,
                    &[
                        &w.id_code,
                        &w.emp_name,
                        &w.emp_company,
                        &data,
                        &b.emp_id,
                        &locked,
                        &b.state.as_str(),
                        &b.message,
                        &at,
                        &station,
                    ],
                )?;
                for (kind, jpeg) in b.photos {
                    tx.execute(&photo_stmt, &[&w.id_code, &kind.key(), jpeg])?;
                }
                if let Some(jpeg) = b.thumbnail {
                    tx.execute(&thumb_stmt, &[&w.id_code, &jpeg])?;
                }
                let (state, attempts, code, advice, park): (ItemState, i64, &str, &str, &str) = match b.state {
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
                let sent_at = (state == ItemState::Sent).then(|| at.clone());
                tx.query_one(
                    &item_stmt,
                    &[
                        &"register",
                        &w.id_code,
                        &format!("登记 {}", w.emp_name),
                        &state.as_str(),
                        &attempts,
                        &code,
                        &b.message,
                        &advice,
                        &park,
                        &at,
                        &sent_at,
                    ],
                )?;
                if b.state == RecordState::Departed {
                    let item: i64 = tx
                        .query_one(
                            &item_stmt,
                            &[
                                &"leave",
                                &w.id_code,
                                &format!("离场 {}", w.emp_name),
                                &"sent",
                                &1i64,
                                &"00",
                                &"",
                                &"",
                                &"",
                                &at,
                                &Some(at.clone()),
                            ],
                        )?
                        .get(0);
                    tx.execute(
                        "INSERT INTO departures (id_code, exit_time, outbox_id, sync_state, created_at)
                         VALUES ($1, $2, $3, 'sent', $4)",
                        &[&w.id_code, &protocol::beijing_timestamp(b.at), &item, &at],
                    )?;
                }
                n += 1;
            }
            tx.commit()?;
            // As after a migration: plan the screens' reads for the rows just written.
            c.batch_execute("ANALYZE workers, departures, outbox")?;
            Ok(n)
        })
    }
}
