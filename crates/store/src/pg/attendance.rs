//! Attendance logs on the site database, each with its own queue item: as `crate::attendance`.

use chrono::{DateTime, Duration, Utc};
use domain::{Direction, Identified, ItemState, Pass, Validated, mask_id};

use super::rows::{finish_item, insert_in};
use super::{PgStore, audit_in};
use crate::seams::prelude::*;
use crate::{ItemId, ItemKind, PassRow, Result, parse_timestamp, timestamp};

const PASS_COLUMNS: &str = "a.id, a.outbox_id, a.person_type, a.id_code, a.person_name, a.company, a.direction,
    a.passed_time, o.state, o.last_message, o.last_advice, a.identified_by, a.face_distance";

fn row_to_pass(r: &postgres::Row) -> PassRow {
    PassRow {
        log_id: r.get(0),
        item_id: ItemId::new(r.get::<_, Option<i64>>(1).unwrap_or_default()),
        person_type: r.get(2),
        id_code: r.get(3),
        person_name: r.get(4),
        company: r.get(5),
        direction: Direction::parse(r.get::<_, &str>(6)).unwrap_or(Direction::In),
        passed_at: parse_timestamp(r.get::<_, &str>(7)).unwrap_or_default(),
        state: ItemState::parse(r.get::<_, &str>(8)).unwrap_or(ItemState::Waiting),
        message: r.get(9),
        advice: r.get(10),
        identified: Identified::parse(r.get::<_, &str>(11), r.get::<_, Option<f64>>(12).map(|d| d as f32)),
    }
}

impl AttendanceReads for PgStore {
    fn last_pass(&self, id_code: &str, direction: Direction) -> Result<Option<PassRow>> {
        self.with(|c| {
            Ok(c.query_opt(
                &format!(
                    "SELECT {PASS_COLUMNS} FROM attendance_logs a JOIN outbox o ON o.id = a.outbox_id
                     WHERE a.id_code = $1 AND a.direction = $2 ORDER BY a.passed_time DESC LIMIT 1"
                ),
                &[&id_code, &direction.as_str()],
            )?
            .as_ref()
            .map(row_to_pass))
        })
    }

    fn passes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<PassRow>> {
        self.with(|c| {
            Ok(c.query(
                &format!(
                    "SELECT {PASS_COLUMNS} FROM attendance_logs a JOIN outbox o ON o.id = a.outbox_id
                     WHERE a.passed_time >= $1 AND a.passed_time < $2 ORDER BY a.passed_time, a.id"
                ),
                &[&timestamp(from), &timestamp(to)],
            )?
            .iter()
            .map(row_to_pass)
            .collect())
        })
    }

    fn pass_of_item(&self, item_id: ItemId) -> Result<Option<(PassRow, Option<Vec<u8>>)>> {
        self.with(|c| {
            Ok(c.query_opt(
                &format!(
                    "SELECT {PASS_COLUMNS}, a.site_photo FROM attendance_logs a JOIN outbox o ON o.id = a.outbox_id
                     WHERE a.outbox_id = $1"
                ),
                &[&item_id.get()],
            )?
            .map(|r| (row_to_pass(&r), r.get(13))))
        })
    }
}

impl AttendanceWrites for PgStore {
    fn record_pass(
        &mut self,
        pass: &Validated<Pass>,
        person_name: &str,
        company: &str,
        site_photo: Option<&[u8]>,
        identified: Identified,
    ) -> Result<ItemId> {
        let station = self.station.as_str();
        let label = format!("考勤 {person_name} {}", pass.direction.label());
        let id_code = pass.passer.id_code();
        self.with(|c| {
            let mut tx = c.transaction()?;
            let item = insert_in(&mut tx, ItemKind::Attendance, "", &label)?;
            let log: i64 = tx
                .query_one(
                    "INSERT INTO attendance_logs (person_id, person_name, passed_time, direction, way, site_photo,
                       outbox_id, created_at, person_type, id_code, company, identified_by, face_distance)
                     VALUES ($1, $2, $3, $4, '1', $5, $6, $7, $8, $1, $9, $10, $11) RETURNING id",
                    &[
                        &id_code,
                        &person_name,
                        &timestamp(pass.passed_at),
                        &pass.direction.as_str(),
                        &site_photo,
                        &item.get(),
                        &timestamp(Utc::now()),
                        &pass.passer.person_type(),
                        &company,
                        &identified.as_str(),
                        &identified.distance().map(f64::from),
                    ],
                )?
                .get(0);
            tx.execute(
                "UPDATE outbox SET record_key = $2 WHERE id = $1",
                &[&item.get(), &log.to_string()],
            )?;
            audit_in(
                &mut tx,
                station,
                "记录考勤",
                &mask_id(id_code),
                &crate::attendance::pass_audit_detail(pass, &identified, item),
            )?;
            tx.commit()?;
            Ok(item)
        })
    }

    fn mark_passes_sent(&mut self, item_ids: &[ItemId]) -> Result<()> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            for id in item_ids {
                finish_item(&mut tx, *id)?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn expire_passes(&self, now: DateTime<Utc>, window_secs: i64) -> Result<usize> {
        let cutoff = now - Duration::seconds(window_secs);
        let window = domain::attendance::window_words(window_secs);
        let n = self.with(|c| {
            Ok(c.execute(
                "UPDATE outbox SET state = 'expired', next_attempt_at = NULL, park_reason = '', updated_at = $2,
                   last_advice = $3
                 WHERE kind = 'attendance' AND state IN ('waiting', 'retry', 'needs_fix')
                   AND id IN (SELECT outbox_id FROM attendance_logs WHERE passed_time < $1)",
                &[
                    &timestamp(cutoff),
                    &timestamp(Utc::now()),
                    &format!("平台只接收 {window}内的考勤：这条已过时限，不能再上传；需要时请在平台上补录"),
                ],
            )?)
        })?;
        if n > 0 {
            self.audit(
                "考勤已过时限",
                &format!("{n} 条"),
                &format!("{window}内没能上传，不再发送"),
            )?;
        }
        Ok(n as usize)
    }
}
