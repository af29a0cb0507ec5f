//! Attendance logs, each with its own outbox item (the sender batches them at send time).

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use serde::Serialize;

use super::outbox::{ItemKind, insert_in};
use super::workers::finish_item;
use super::{Result, Store, audit_in, parse_timestamp, timestamp};
use crate::ItemId;
use crate::seams::prelude::*;
use domain::{Direction, Identified, ItemState, Pass, Passer, Validated, mask_id};

/// One log as the day's list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PassRow {
    pub log_id: i64,
    pub item_id: ItemId,
    /// "1" worker, "0" visitor.
    pub person_type: String,
    pub id_code: String,
    pub person_name: String,
    pub company: String,
    pub direction: Direction,
    pub passed_at: DateTime<Utc>,
    /// Its queue item's state: 待上传 … 已上传, or 已过时限.
    pub state: ItemState,
    /// The platform's words about it (a refusal), verbatim.
    pub message: String,
    /// What to do about it, or why it will not be sent.
    pub advice: String,
    /// How the person was known to be the one named; `None` for a log kept before the station
    /// knew faces (it cannot claim the platform's 人脸识别).
    pub identified: Option<Identified>,
}

const PASS_COLUMNS: &str = "a.id, a.outbox_id, a.person_type, a.id_code, a.person_name, a.company, a.direction,
    a.passed_time, o.state, o.last_message, o.last_advice, a.identified_by, a.face_distance";

fn row_to_pass(r: &Row<'_>) -> rusqlite::Result<PassRow> {
    let direction: String = r.get(6)?;
    let passed: String = r.get(7)?;
    let state: String = r.get(8)?;
    Ok(PassRow {
        log_id: r.get(0)?,
        item_id: r.get(1)?,
        person_type: r.get(2)?,
        id_code: r.get(3)?,
        person_name: r.get(4)?,
        company: r.get(5)?,
        direction: Direction::parse(&direction).unwrap_or(Direction::In),
        passed_at: parse_timestamp(&passed).unwrap_or_default(),
        state: ItemState::parse(&state).unwrap_or(ItemState::Waiting),
        message: r.get(9)?,
        advice: r.get(10)?,
        identified: Identified::parse(&r.get::<_, String>(11)?, r.get::<_, Option<f64>>(12)?.map(|d| d as f32)),
    })
}

impl AttendanceReads for Store {
    fn last_pass(&self, id_code: &str, direction: Direction) -> Result<Option<PassRow>> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {PASS_COLUMNS} FROM attendance_logs a JOIN outbox o ON o.id = a.outbox_id
                     WHERE a.id_code = ?1 AND a.direction = ?2 ORDER BY a.passed_time DESC LIMIT 1"
                ),
                params![id_code, direction.as_str()],
                row_to_pass,
            )
            .optional()?)
    }

    fn passes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<PassRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {PASS_COLUMNS} FROM attendance_logs a JOIN outbox o ON o.id = a.outbox_id
             WHERE a.passed_time >= ?1 AND a.passed_time < ?2 ORDER BY a.passed_time, a.id"
        ))?;
        let rows = stmt.query_map(params![timestamp(from), timestamp(to)], row_to_pass)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn pass_of_item(&self, item_id: ItemId) -> Result<Option<(PassRow, Option<Vec<u8>>)>> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {PASS_COLUMNS}, a.site_photo FROM attendance_logs a JOIN outbox o ON o.id = a.outbox_id
                     WHERE a.outbox_id = ?1"
                ),
                [item_id],
                |r| Ok((row_to_pass(r)?, r.get::<_, Option<Vec<u8>>>(13)?)),
            )
            .optional()?)
    }
}

impl AttendanceWrites for Store {
    fn record_pass(
        &mut self,
        pass: &Validated<Pass>,
        person_name: &str,
        company: &str,
        site_photo: Option<&[u8]>,
        identified: Identified,
    ) -> Result<ItemId> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let label = format!("考勤 {person_name} {}", pass.direction.label());
        let id_code = pass.passer.id_code();
        let item = insert_in(&tx, ItemKind::Attendance, "", &label)?;
        tx.execute(
            "INSERT INTO attendance_logs (person_id, person_name, passed_time, direction, way, site_photo, outbox_id,
               created_at, person_type, id_code, company, identified_by, face_distance)
             VALUES (?1, ?2, ?3, ?4, '1', ?5, ?6, ?7, ?8, ?1, ?9, ?10, ?11)",
            params![
                id_code,
                person_name,
                timestamp(pass.passed_at),
                pass.direction.as_str(),
                site_photo,
                item,
                timestamp(Utc::now()),
                pass.passer.person_type(),
                company,
                identified.as_str(),
                identified.distance().map(f64::from)
            ],
        )?;
        let log = tx.last_insert_rowid();
        tx.execute(
            "UPDATE outbox SET record_key = ?2 WHERE id = ?1",
            params![item, log.to_string()],
        )?;
        audit_in(
            &tx,
            "记录考勤",
            &mask_id(id_code),
            &pass_audit_detail(pass, &identified, item),
        )?;
        tx.commit()?;
        Ok(item)
    }

    fn mark_passes_sent(&mut self, item_ids: &[ItemId]) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for id in item_ids {
            finish_item(&tx, *id)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn expire_passes(&self, now: DateTime<Utc>, window_secs: i64) -> Result<usize> {
        let cutoff = now - Duration::seconds(window_secs);
        let window = domain::attendance::window_words(window_secs);
        let n = self.conn.execute(
            "UPDATE outbox SET state = 'expired', next_attempt_at = NULL, park_reason = '', updated_at = ?2,
               last_advice = ?3
             WHERE kind = 'attendance' AND state IN ('waiting', 'retry', 'needs_fix')
               AND id IN (SELECT outbox_id FROM attendance_logs WHERE passed_time < ?1)",
            params![
                timestamp(cutoff),
                timestamp(Utc::now()),
                format!("平台只接收 {window}内的考勤：这条已过时限，不能再上传；需要时请在平台上补录")
            ],
        )?;
        if n > 0 {
            self.audit(
                "考勤已过时限",
                &format!("{n} 条"),
                &format!("{window}内没能上传，不再发送"),
            )?;
        }
        Ok(n)
    }
}

/// The audit trail's words for a recorded pass, the same on every backend.
pub(crate) fn pass_audit_detail(pass: &Pass, identified: &Identified, item: impl std::fmt::Display) -> String {
    let who = match &pass.passer {
        Passer::Worker { .. } => "工人",
        Passer::Visitor { .. } => "访客",
    };
    format!(
        "{who} {} {}，{}，队列 #{item}",
        pass.direction.label(),
        protocol::beijing_timestamp(pass.passed_at),
        identified.label()
    )
}
