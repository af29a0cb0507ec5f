//! Row-level helpers the site database's areas share: queueing an item in the caller's
//! transaction (ports of `crate::outbox::{enqueue_in, insert_in, requeue_dependents_in}` and
//! `crate::workers::finish_item`), and reading a roster line. They take any
//! `GenericClient`, so a `Transaction` passes and the record and its item commit together.

use chrono::Utc;
use domain::{DepartureState, RecordState};
use postgres::GenericClient;

use crate::{ItemId, ItemKind, Result, StoreError, WorkerRow, timestamp};

/// A roster line per worker, with the state of its latest departure; callers add `WHERE` and
/// `ORDER BY` on `w`. `data` is TEXT written by this program, so the cast to JSON holds.
pub(crate) const WORKER_ROW_SELECT: &str = "SELECT w.id_code, w.emp_name, w.emp_company,
        w.data::json->>'emp_category', w.data::json->>'job_name', w.emp_id, w.sync_state, w.sync_message,
        w.updated_at,
        COALESCE(d.sync_state, '')
     FROM workers w
     LEFT JOIN (SELECT DISTINCT ON (id_code) id_code, sync_state FROM departures ORDER BY id_code, id DESC) d
       ON d.id_code = w.id_code";

pub(crate) fn worker_row(r: &postgres::Row) -> WorkerRow {
    WorkerRow {
        id_code: r.get(0),
        emp_name: r.get(1),
        emp_company: r.get(2),
        emp_category: r.get::<_, Option<String>>(3).unwrap_or_default(),
        job_name: r.get::<_, Option<String>>(4).unwrap_or_default(),
        emp_id: r.get(5),
        state: RecordState::parse(r.get::<_, &str>(6)),
        sync_message: r.get(7),
        updated_at: r.get(8),
        departure: Some(r.get::<_, String>(9))
            .filter(|s| !s.is_empty())
            .map(|s| DepartureState::parse(&s)),
    }
}

/// A record's JSON that does not read (or write) is damage, not a database failure.
pub(crate) fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// Queues a write for `record_key`, inside the caller's transaction. An item for the same
/// record that has not started sending is reused (the body is built at send time, so one
/// waiting item carries the latest edit); it is locked first, so another station's sender
/// cannot claim it between the look and the update: its claim waits for this commit and
/// then sends the latest edit.
pub(crate) fn enqueue_in(c: &mut impl GenericClient, kind: ItemKind, record_key: &str, label: &str) -> Result<ItemId> {
    let now = timestamp(Utc::now());
    let existing = c.query_opt(
        "SELECT id FROM outbox WHERE kind = $1 AND record_key = $2 AND state IN ('waiting', 'retry', 'needs_fix')
         ORDER BY id DESC LIMIT 1 FOR UPDATE",
        &[&kind.as_str(), &record_key],
    )?;
    if let Some(row) = existing {
        let id: i64 = row.get(0);
        c.execute(
            "UPDATE outbox SET state = 'waiting', label = $2, next_attempt_at = NULL, park_reason = '', updated_at = $3
             WHERE id = $1",
            &[&id, &label, &now],
        )?;
        return Ok(ItemId::new(id));
    }
    insert_in(c, kind, record_key, label)
}

/// Always a new item (departure batches are never merged).
pub(crate) fn insert_in(c: &mut impl GenericClient, kind: ItemKind, record_key: &str, label: &str) -> Result<ItemId> {
    let now = timestamp(Utc::now());
    let row = c.query_one(
        "INSERT INTO outbox (kind, record_key, label, state, created_at, updated_at)
         VALUES ($1, $2, $3, 'waiting', $4, $4) RETURNING id",
        &[&kind.as_str(), &record_key, &label, &now],
    )?;
    Ok(ItemId::new(row.get(0)))
}

/// The platform has the item. Its lease ends with it; `claimed_by` stays, naming the
/// station whose sender delivered it.
pub(crate) fn finish_item(c: &mut impl GenericClient, item_id: ItemId) -> Result<()> {
    let now = timestamp(Utc::now());
    c.execute(
        "UPDATE outbox SET state = 'sent', next_attempt_at = NULL, last_code = '00', last_message = '', last_advice = '',
           updated_at = $2, sent_at = $2, lease_until = NULL
         WHERE id = $1",
        &[&item_id.get(), &now],
    )?;
    Ok(())
}

/// Items parked for a dependency (47) go back to the queue, with their records shown as
/// pending again. `ids` selects candidates; only dependency-parked ones move. Returns how many.
pub(crate) fn requeue_dependents_in(c: &mut impl GenericClient, station: &str, ids: &[ItemId]) -> Result<usize> {
    let now = timestamp(Utc::now());
    let mut n = 0;
    for id in ids {
        let moved = c.query_opt(
            "UPDATE outbox SET state = 'waiting', next_attempt_at = NULL, park_reason = '', updated_at = $2
             WHERE id = $1 AND park_reason = 'dependency' AND state = 'needs_fix'
             RETURNING kind, record_key",
            &[&id.get(), &now],
        )?;
        let Some(row) = moved else { continue };
        n += 1;
        let (kind, key): (String, String) = (row.get(0), row.get(1));
        match ItemKind::parse(&kind) {
            Some(ItemKind::Register) => {
                c.execute(
                    "UPDATE workers SET sync_state = 'pending', sync_message = '' WHERE id_code = $1 AND sync_state = 'needs_fix'",
                    &[&key],
                )?;
            }
            Some(ItemKind::AddCompany) => {
                c.execute(
                    "UPDATE companies SET sync_state = 'pending', sync_message = '' WHERE suid = $1 AND sync_state = 'needs_fix'",
                    &[&key],
                )?;
            }
            Some(ItemKind::Leave) => {
                c.execute(
                    "UPDATE departures SET sync_state = 'pending', sync_message = '' WHERE outbox_id = $1 AND sync_state = 'needs_fix'",
                    &[&id.get()],
                )?;
            }
            Some(ItemKind::RemoveCompany | ItemKind::Attendance) | None => {}
        }
        super::audit_in(
            c,
            station,
            "重新排队",
            &format!("队列 #{id}"),
            "所依赖的记录已被平台接收",
        )?;
    }
    Ok(n)
}

/// Ids selected by `sql` (one `$1` text parameter). A NULL id (a log without an item) is left out.
pub(crate) fn ids_where(c: &mut impl GenericClient, sql: &str, param: &str) -> Result<Vec<ItemId>> {
    Ok(c.query(sql, &[&param])?
        .iter()
        .filter_map(|r| r.get::<_, Option<i64>>(0))
        .map(ItemId::new)
        .collect())
}
