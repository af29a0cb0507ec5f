//! Workers, their photos and their departures on the site database: the SQLite store's
//! behaviour (`crate::workers`), plus who saved each worker and the rule for two clerks
//! enrolling one person at once (see [`PgStore::save_worker`]).

use chrono::Utc;
use domain::{DepartureBatch, DepartureState, PhotoKind, RecordState, Validated, Worker, mask_id};
use protocol::types::{LeaveFailure, RegisterAnswer};

use super::rows::{
    WORKER_ROW_SELECT, corrupt, enqueue_in, finish_item, ids_where, insert_in, requeue_dependents_in, worker_row,
};
use super::{PgStore, audit_in};
use crate::seams::prelude::*;
use crate::{ItemId, ItemKind, Result, StoreError, Thumbnail, WorkerPhotos, WorkerRecord, WorkerRow, timestamp};

/// How long after another station created a worker a save of the same ID number with other
/// data counts as a second enrollment of the same person, not a deliberate edit.
const SAME_ENROLLMENT_SECS: i64 = 120;

impl WorkerReads for PgStore {
    fn find_workers(&self, query: &str, limit: usize) -> Result<Vec<WorkerRow>> {
        let query = query.trim();
        if query.is_empty() {
            return Ok(Vec::new());
        }
        // SQLite's LIKE ignores the case of ASCII letters; ILIKE is PostgreSQL's same search.
        let escaped = query.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        self.with(|c| {
            let rows = c.query(
                &format!(
                    "{WORKER_ROW_SELECT} WHERE w.id_code ILIKE $1 || '%' ESCAPE '\\' OR w.emp_name ILIKE '%' || $1 || '%' ESCAPE '\\'
                     ORDER BY w.emp_name COLLATE \"C\", w.id_code COLLATE \"C\" LIMIT $2"
                ),
                &[&escaped.to_uppercase(), &(limit as i64)],
            )?;
            Ok(rows.iter().map(worker_row).collect())
        })
    }

    fn worker_row(&self, id_code: &str) -> Result<Option<WorkerRow>> {
        self.with(|c| {
            Ok(
                c.query_opt(&format!("{WORKER_ROW_SELECT} WHERE w.id_code = $1"), &[&id_code])?
                    .as_ref()
                    .map(worker_row),
            )
        })
    }

    fn roster_rows(&self) -> Result<Vec<WorkerRow>> {
        let mut rows = self.worker_rows()?;
        let drafts = self.with(|c| {
            Ok(c.query(
                "SELECT id_code, emp_name, emp_company, data, source, updated_at FROM worker_drafts",
                &[],
            )?)
        })?;
        // A draft whose data no longer reads stays on the list, marked, instead of failing
        // the whole roster (PostgreSQL's cast would fail the query: the shape is judged here).
        for r in &drafts {
            let data: serde_json::Value = serde_json::from_str(r.get::<_, &str>(3)).unwrap_or_default();
            let field = |name: &str| data.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let sync_message = if data.is_object() {
                format!("从 {} 导入", r.get::<_, &str>(4))
            } else {
                crate::DAMAGED_DRAFT.to_string()
            };
            rows.push(WorkerRow {
                id_code: r.get(0),
                emp_name: r.get(1),
                emp_company: r.get(2),
                emp_category: field("emp_category"),
                job_name: field("job_name"),
                emp_id: String::new(),
                state: RecordState::Draft,
                sync_message,
                updated_at: r.get(5),
                departure: None,
            });
        }
        rows.sort_by(|a, b| a.emp_name.cmp(&b.emp_name).then_with(|| a.id_code.cmp(&b.id_code)));
        Ok(rows)
    }

    fn worker_photo_kinds(&self, id_code: &str) -> Result<Vec<PhotoKind>> {
        self.with(|c| {
            Ok(
                c.query("SELECT kind FROM worker_photos WHERE id_code = $1", &[&id_code])?
                    .iter()
                    .filter_map(|r| PhotoKind::from_key(r.get::<_, &str>(0)))
                    .collect(),
            )
        })
    }

    fn thumbnails_or_faces(&self, id_codes: &[String]) -> Result<Vec<(String, Thumbnail)>> {
        self.with(|c| {
            let thumb = c.prepare("SELECT jpeg FROM worker_thumbnails WHERE id_code = $1")?;
            let face = c.prepare("SELECT jpeg FROM worker_photos WHERE id_code = $1 AND kind = $2")?;
            let mut out = Vec::with_capacity(id_codes.len());
            for id in id_codes {
                let found = match c.query_opt(&thumb, &[id])? {
                    Some(r) => Thumbnail::Made(r.get(0)),
                    None => match c.query_opt(&face, &[id, &PhotoKind::Face.key()])? {
                        Some(r) => Thumbnail::FromFace(r.get(0)),
                        None => Thumbnail::None,
                    },
                };
                out.push((id.clone(), found));
            }
            Ok(out)
        })
    }

    fn worker(&self, id_code: &str) -> Result<Option<WorkerRecord>> {
        let row = self.with(|c| {
            Ok(c.query_opt(
                "SELECT data, emp_id, modify_time, pass_period_answered, locked_category, sync_state, sync_message,
                        created_at, updated_at FROM workers WHERE id_code = $1",
                &[&id_code],
            )?)
        })?;
        row.map(|r| {
            Ok(WorkerRecord {
                worker: serde_json::from_str(r.get::<_, &str>(0)).map_err(corrupt)?,
                emp_id: r.get(1),
                modify_time: r.get(2),
                pass_period_answered: r.get(3),
                locked_category: r.get(4),
                state: RecordState::parse(r.get::<_, &str>(5)),
                sync_message: r.get(6),
                created_at: r.get(7),
                updated_at: r.get(8),
            })
        })
        .transpose()
    }

    fn worker_photos(&self, id_code: &str) -> Result<WorkerPhotos> {
        self.with(|c| {
            Ok(
                c.query("SELECT kind, jpeg FROM worker_photos WHERE id_code = $1", &[&id_code])?
                    .iter()
                    .filter_map(|r| PhotoKind::from_key(r.get::<_, &str>(0)).map(|k| (k, r.get::<_, Vec<u8>>(1))))
                    .collect(),
            )
        })
    }

    fn worker_rows(&self) -> Result<Vec<WorkerRow>> {
        self.with(|c| {
            Ok(c.query(
                &format!("{WORKER_ROW_SELECT} ORDER BY w.emp_name COLLATE \"C\", w.id_code COLLATE \"C\""),
                &[],
            )?
            .iter()
            .map(worker_row)
            .collect())
        })
    }

    fn unsent_departures(&self, item_id: ItemId) -> Result<Vec<(String, String)>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT id_code, exit_time FROM departures WHERE outbox_id = $1 AND sync_state != 'sent' ORDER BY id",
                &[&item_id.get()],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
        })
    }

    fn departures_of(&self, item_id: ItemId) -> Result<Vec<(String, DepartureState, String)>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT id_code, sync_state, sync_message FROM departures WHERE outbox_id = $1 ORDER BY id",
                &[&item_id.get()],
            )?
            .iter()
            .map(|r| (r.get(0), DepartureState::parse(r.get::<_, &str>(1)), r.get(2)))
            .collect())
        })
    }
}

/// Another station's fresh enrollment of the same person, as the clerk is told it: `None`
/// when this save may go ahead (see [`PgStore::save_worker`]).
fn taken_by(station: &str, data: &str, existing: &postgres::Row) -> Option<StoreError> {
    let (id_code, by, created_at, stored, fresh): (String, String, String, String, bool) = (
        existing.get(0),
        existing.get(1),
        existing.get(2),
        existing.get(3),
        existing.get(4),
    );
    let created = crate::parse_timestamp(&created_at)?;
    if by.is_empty() || by == station || !fresh || stored == data {
        return None;
    }
    let at: String = protocol::beijing_timestamp(created).chars().take(16).collect();
    Some(StoreError::TakenBy {
        masked_id: mask_id(&id_code),
        by,
        at,
    })
}

impl WorkerWrites for PgStore {
    fn save_thumbnail(&self, id_code: &str, jpeg: &[u8]) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO worker_thumbnails (id_code, jpeg) VALUES ($1, $2)
                 ON CONFLICT (id_code) DO UPDATE SET jpeg = excluded.jpeg",
                &[&id_code, &jpeg],
            )?;
            Ok(())
        })
    }

    /// Two clerks, one worker. The seams cannot say whether a save is a new enrollment or an
    /// edit, so the store judges it: when a worker with this ID number exists that ANOTHER
    /// station created less than [`SAME_ENROLLMENT_SECS`] ago, and it holds other data than
    /// this save, both clerks are enrolling the same person at once: this save is refused
    /// with [`StoreError::TakenBy`] naming the first station, and nothing of it is written.
    /// An older record edited from another station, a save from the station that created
    /// it, or the same data twice goes ahead. The database decides the race: the insert
    /// `ON CONFLICT DO NOTHING` waits for a concurrent insert of the same ID number to
    /// commit, and the row is then locked (`FOR UPDATE`) while it is judged and updated.
    fn save_worker(&mut self, worker: &Validated<Worker>, photos: &WorkerPhotos) -> Result<ItemId> {
        let w: &Worker = worker;
        let data = serde_json::to_string(&w).map_err(corrupt)?;
        let now = timestamp(Utc::now());
        let station = self.station.as_str();
        self.with(|c| {
            let mut tx = c.transaction()?;
            let inserted = tx
                .query_opt(
                    "INSERT INTO workers (id_code, emp_name, emp_company, data, sync_state, created_at, updated_at,
                       created_by, saved_by)
                     VALUES ($1, $2, $3, $4, 'pending', $5, $5, $6, $6)
                     ON CONFLICT (id_code) DO NOTHING RETURNING id_code",
                    &[&w.id_code, &w.emp_name, &w.emp_company, &data, &now, &station],
                )?
                .is_some();
            if !inserted {
                let existing = tx.query_one(
                    "SELECT id_code, created_by, created_at, data,
                       now() - created_on_server < make_interval(secs => $2)
                     FROM workers WHERE id_code = $1 FOR UPDATE",
                    &[&w.id_code, &(SAME_ENROLLMENT_SECS as f64)],
                )?;
                if let Some(refusal) = taken_by(station, &data, &existing) {
                    // Dropping the transaction rolls it back: nothing of this save is kept.
                    return Err(refusal);
                }
                tx.execute(
                    "UPDATE workers SET emp_name = $2, emp_company = $3, data = $4, sync_state = 'pending',
                       sync_message = '', updated_at = $5, saved_by = $6
                     WHERE id_code = $1",
                    &[&w.id_code, &w.emp_name, &w.emp_company, &data, &now, &station],
                )?;
            }
            for (kind, jpeg) in photos {
                tx.execute(
                    "INSERT INTO worker_photos (id_code, kind, jpeg) VALUES ($1, $2, $3)
                     ON CONFLICT (id_code, kind) DO UPDATE SET jpeg = excluded.jpeg",
                    &[&w.id_code, &kind.key(), jpeg],
                )?;
            }
            let item = enqueue_in(&mut tx, ItemKind::Register, &w.id_code, &format!("登记 {}", w.emp_name))?;
            // An imported draft completed through the form becomes this worker: never both.
            let was_draft = tx.execute("DELETE FROM worker_drafts WHERE id_code = $1", &[&w.id_code])? > 0;
            audit_in(
                &mut tx,
                station,
                match (!inserted, was_draft) {
                    (true, _) => "修改人员",
                    (false, true) => "补全导入人员",
                    (false, false) => "登记人员",
                },
                &mask_id(&w.id_code),
                &format!("队列 #{item}"),
            )?;
            tx.commit()?;
            Ok(item)
        })
    }

    fn mark_worker_registered(&mut self, item_id: ItemId, id_code: &str, answer: &RegisterAnswer) -> Result<()> {
        let station = self.station.as_str();
        self.with(|c| {
            let mut tx = c.transaction()?;
            tx.execute(
                "UPDATE workers SET emp_id = CASE WHEN $2 = '' THEN emp_id ELSE $2 END,
                   pass_period_answered = CASE WHEN $3 = '' THEN pass_period_answered ELSE $3 END,
                   modify_time = CASE WHEN $4 = '' THEN modify_time ELSE $4 END,
                   locked_category = CASE WHEN locked_category = ''
                     THEN COALESCE(data::json->>'emp_category', '') ELSE locked_category END,
                   sync_state = CASE WHEN sync_state = 'departed' THEN 'departed' ELSE 'sent' END, sync_message = ''
                 WHERE id_code = $1",
                &[&id_code, &answer.emp_id, &answer.pass_period, &answer.modify_time],
            )?;
            // Departures refused (47) because this worker was not on the platform yet go again.
            let mut waiting = ids_where(
                &mut tx,
                "SELECT DISTINCT o.id FROM outbox o JOIN departures d ON d.outbox_id = o.id
                 WHERE o.kind = 'leave' AND d.id_code = $1",
                id_code,
            )?;
            // So do attendance logs refused for the same reason (those past the window expire).
            waiting.extend(ids_where(
                &mut tx,
                "SELECT outbox_id FROM attendance_logs WHERE id_code = $1 AND person_type = '1'",
                id_code,
            )?);
            requeue_dependents_in(&mut tx, station, &waiting)?;
            finish_item(&mut tx, item_id)?;
            audit_in(
                &mut tx,
                station,
                "上传成功",
                &mask_id(id_code),
                &format!("emp_id {}", answer.emp_id),
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    fn set_record_state(&self, kind: ItemKind, record_key: &str, state: RecordState, message: &str) -> Result<()> {
        let sql = match kind {
            ItemKind::Register => "UPDATE workers SET sync_state = $2, sync_message = $3 WHERE id_code = $1",
            ItemKind::AddCompany | ItemKind::RemoveCompany => {
                "UPDATE companies SET sync_state = $2, sync_message = $3 WHERE suid = $1"
            }
            // A batch's departures carry their own states: see `refuse_departures`.
            ItemKind::Leave => return Ok(()),
            // A log's state is its queue item's state.
            ItemKind::Attendance => return Ok(()),
        };
        self.with(|c| {
            c.execute(sql, &[&record_key, &state.as_str(), &message])?;
            Ok(())
        })
    }

    fn record_departures(&mut self, batch: &Validated<DepartureBatch>, batch_size: usize) -> Result<Vec<ItemId>> {
        let (id_codes, exit_time) = (&batch.id_codes, batch.exit_time.as_str());
        let now = timestamp(Utc::now());
        let station = self.station.as_str();
        self.with(|c| {
            let mut tx = c.transaction()?;
            let mut items = Vec::new();
            for batch in id_codes.chunks(batch_size.max(1)) {
                let mut names = Vec::with_capacity(batch.len());
                for id in batch {
                    let name = tx.query_opt("SELECT emp_name FROM workers WHERE id_code = $1", &[id])?;
                    names.push(name.map_or_else(|| mask_id(id), |r| r.get(0)));
                }
                let label = match names.as_slice() {
                    [one] => format!("离场 {one}"),
                    _ => format!("离场 ×{}", batch.len()),
                };
                let first = batch.first().map(String::as_str).unwrap_or_default();
                let item = insert_in(&mut tx, ItemKind::Leave, first, &label)?;
                for id in batch {
                    tx.execute(
                        "INSERT INTO departures (id_code, exit_time, outbox_id, sync_state, created_at)
                         VALUES ($1, $2, $3, 'pending', $4)",
                        &[id, &exit_time, &item.get(), &now],
                    )?;
                }
                audit_in(
                    &mut tx,
                    station,
                    "标记离场",
                    &format!("{} 人", batch.len()),
                    &format!("队列 #{item}，离场时间 {exit_time}"),
                )?;
                items.push(item);
            }
            tx.commit()?;
            Ok(items)
        })
    }

    fn apply_leave_answer(&mut self, item_id: ItemId, failures: &[LeaveFailure]) -> Result<bool> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            let pending: Vec<String> = tx
                .query(
                    "SELECT id_code FROM departures WHERE outbox_id = $1 AND sync_state != 'sent'",
                    &[&item_id.get()],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let mut all_done = true;
            for id in &pending {
                if let Some(f) = failures.iter().find(|f| f.id_code.eq_ignore_ascii_case(id)) {
                    all_done = false;
                    let msg = if f.message.is_empty() {
                        "平台未接受离场".to_string()
                    } else {
                        f.message.clone()
                    };
                    tx.execute(
                        "UPDATE departures SET sync_state = 'needs_fix', sync_message = $3 WHERE outbox_id = $1 AND id_code = $2",
                        &[&item_id.get(), id, &msg],
                    )?;
                    tx.execute(
                        "UPDATE workers SET sync_message = $2 WHERE id_code = $1",
                        &[id, &format!("离场未成功：{msg}")],
                    )?;
                } else {
                    tx.execute(
                        "UPDATE departures SET sync_state = 'sent', sync_message = '' WHERE outbox_id = $1 AND id_code = $2",
                        &[&item_id.get(), id],
                    )?;
                    tx.execute(
                        "UPDATE workers SET sync_state = 'departed', sync_message = '' WHERE id_code = $1",
                        &[id],
                    )?;
                }
            }
            if all_done {
                finish_item(&mut tx, item_id)?;
            }
            tx.commit()?;
            Ok(all_done)
        })
    }

    fn refuse_departures(&mut self, item_id: ItemId, message: &str) -> Result<()> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            tx.execute(
                "UPDATE departures SET sync_state = 'needs_fix', sync_message = $2 WHERE outbox_id = $1 AND sync_state != 'sent'",
                &[&item_id.get(), &message],
            )?;
            tx.execute(
                "UPDATE workers SET sync_message = $2 WHERE id_code IN
                   (SELECT id_code FROM departures WHERE outbox_id = $1 AND sync_state = 'needs_fix')",
                &[&item_id.get(), &format!("离场未成功：{message}")],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    fn reset_departures(&self, item_id: ItemId) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE departures SET sync_state = 'pending', sync_message = '' WHERE outbox_id = $1 AND sync_state != 'sent'",
                &[&item_id.get()],
            )?;
            Ok(())
        })
    }
}
