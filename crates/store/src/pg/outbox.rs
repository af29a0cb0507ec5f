//! The site's one upload queue (issue 23): every station of the site may send from it, so an
//! item is sent by the station that claimed it. A claim is `state = 'sending'` with
//! `claimed_by` (the station) and `lease_until` (the server's clock, so the stations' clocks
//! need not agree). A station that dies mid-send leaves its claim to run out: then any
//! station takes the item again, marked maybe-delivered, as a restart does on SQLite.
//!
//! The pause, the breaker, the clock offset and the last refusal live in the shared
//! `settings` table under the SQLite store's keys: a settings refusal pauses the site's
//! queue once, not once per station.

use chrono::{DateTime, Utc};
use postgres::{GenericClient, Row};

use super::{PgStore, audit_in};
use crate::outbox::COLUMNS;
use crate::seams::prelude::*;
use crate::{ItemId, ItemKind, OutboxCounts, OutboxItem, ParkReason, Parking, Result, StoreError};
use crate::{parse_timestamp, timestamp};
use domain::ItemState;

/// How long a claim holds when the station's timeouts are not known: one call may take up to
/// 720 s (`timeouts.connect_secs` at most 120 plus `timeouts.call_secs` at most 600, station
/// config check); 900 s leaves that a margin.
pub const LEASE_SECS: i64 = 900;

/// What a claim must outlast beside the call itself: the database round trips around it
/// (claim, outcome) and a batch's bookkeeping, on a slow site network.
const LEASE_MARGIN_SECS: i64 = 30;

/// The lease of a station whose calls give up after `connect_secs + call_secs`: the claim
/// outlives the longest call this station can make, so no other station takes an item still
/// in flight; and no longer, so an item a dead station held is taken up soon (100 s with the
/// default 10 + 60 s), well inside the platform's two-hour attendance window. The claiming
/// station sets its own lease, so stations with different timeouts each get a true one.
pub fn lease_secs_for(connect_secs: u64, call_secs: u64) -> i64 {
    i64::try_from(connect_secs.saturating_add(call_secs))
        .map_or(LEASE_SECS, |call| call.saturating_add(LEASE_MARGIN_SECS))
}

/// A station changes an item only when no other station's live claim holds it: a sender
/// whose lease ran out and was taken over does not overwrite the new holder's outcome, and a
/// station never parks what another is sending. `$n` is this station's name.
fn not_held_elsewhere(n: usize) -> String {
    format!("NOT (state = 'sending' AND claimed_by <> ${n} AND COALESCE(lease_until >= now(), false))")
}

fn row_to_item(r: &Row) -> Result<OutboxItem> {
    let kind: String = r.try_get(1)?;
    let state: String = r.try_get(4)?;
    let next: Option<String> = r.try_get(6)?;
    Ok(OutboxItem {
        id: ItemId::new(r.try_get(0)?),
        kind: ItemKind::parse(&kind).unwrap_or(ItemKind::Register),
        record_key: r.try_get(2)?,
        label: r.try_get(3)?,
        state: ItemState::parse(&state).unwrap_or(ItemState::Waiting),
        attempts: r.try_get::<_, i64>(5)? as u32,
        next_attempt_at: next.as_deref().and_then(parse_timestamp),
        last_code: r.try_get(7)?,
        last_message: r.try_get(8)?,
        last_advice: r.try_get(9)?,
        created_at: r.try_get(10)?,
        updated_at: r.try_get(11)?,
        park_reason: ParkReason::parse(&r.try_get::<_, String>(12)?),
        last_detail: r.try_get(13)?,
        maybe_delivered: r.try_get::<_, i64>(14)? != 0,
    })
}

fn items(rows: Vec<Row>) -> Result<Vec<OutboxItem>> {
    rows.iter().map(row_to_item).collect()
}

fn setting_in(c: &mut impl GenericClient, key: &str) -> Result<Option<String>> {
    Ok(c.query_opt("SELECT value FROM settings WHERE key = $1", &[&key])?
        .map(|r| r.try_get(0))
        .transpose()?)
}

/// Writes only a change: every statement on `settings` tells every station's screens to
/// re-read (a statement trigger fires on no rows too), and the sender resets the breaker and
/// the last refusal after every item it sends.
pub(super) fn set_setting_in(c: &mut impl GenericClient, key: &str, value: Option<&str>) -> Result<()> {
    if setting_in(c, key)?.as_deref() == value {
        return Ok(());
    }
    match value {
        Some(v) => c.execute(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&key, &v],
        )?,
        None => c.execute("DELETE FROM settings WHERE key = $1", &[&key])?,
    };
    Ok(())
}

fn set_pause_in(c: &mut impl GenericClient, pause: Option<(&str, &str)>) -> Result<()> {
    set_setting_in(c, "queue_paused", pause.map(|p| p.0))?;
    set_setting_in(c, "queue_paused_under", pause.map(|p| p.1))
}

impl PgStore {
    /// A state change out of 'sending' (or of a waiting item): the claim goes with it.
    fn update_item(
        &self,
        id: ItemId,
        state: ItemState,
        next: Option<DateTime<Utc>>,
        code: &str,
        message: &str,
        advice: &str,
    ) -> Result<()> {
        let now = timestamp(Utc::now());
        let sent_at = (state == ItemState::Sent).then(|| now.clone());
        let sql = format!(
            "UPDATE outbox SET state = $2, next_attempt_at = $3, last_code = $4, last_message = $5, last_advice = $6,
               updated_at = $7, sent_at = COALESCE($8, sent_at), park_reason = '', claimed_by = '', lease_until = NULL
             WHERE id = $1 AND {}",
            not_held_elsewhere(9)
        );
        self.with(|c| {
            c.execute(
                &sql,
                &[
                    &id.get(),
                    &state.as_str(),
                    &next.map(timestamp),
                    &code,
                    &message,
                    &advice,
                    &now,
                    &sent_at,
                    &self.station,
                ],
            )?;
            Ok(())
        })
    }
}

impl QueueReads for PgStore {
    fn outbox_item(&self, id: ItemId) -> Result<OutboxItem> {
        let row =
            self.with(|c| Ok(c.query_opt(&format!("SELECT {COLUMNS} FROM outbox WHERE id = $1"), &[&id.get()])?))?;
        match row {
            Some(r) => row_to_item(&r),
            None => Err(StoreError::NotFound(format!("待上传队列里没有编号 {id} 的记录"))),
        }
    }

    fn outbox_items(&self, include_sent: bool) -> Result<Vec<OutboxItem>> {
        let filter = if include_sent { "" } else { "WHERE state <> 'sent'" };
        let sql = format!("SELECT {COLUMNS} FROM outbox {filter} ORDER BY id DESC");
        items(self.with(|c| Ok(c.query(&sql, &[])?))?)
    }

    fn outbox_items_recent(&self, sent_limit: usize) -> Result<Vec<OutboxItem>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox WHERE state <> 'sent'
               OR id IN (SELECT id FROM outbox WHERE state = 'sent' ORDER BY id DESC LIMIT $1)
             ORDER BY id DESC"
        );
        items(self.with(|c| Ok(c.query(&sql, &[&(sent_limit as i64)])?))?)
    }

    /// Also what a station that died mid-send left: its claim ran out, so the item is waiting
    /// again, marked maybe-delivered (a resend is safe: every write is an upsert or answered 48).
    fn due_items(&self, now: DateTime<Utc>) -> Result<Vec<OutboxItem>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox
             WHERE state = 'waiting' OR (state = 'retry' AND (next_attempt_at IS NULL OR next_attempt_at <= $1))
             ORDER BY kind <> 'attendance', id"
        );
        let rows = self.with(|c| {
            // Looked for first: an UPDATE of no rows still announces a change to every
            // station, and the sender reads the due items several times a pass.
            let lapsed: bool = c
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM outbox WHERE state = 'sending'
                       AND (lease_until IS NULL OR lease_until < now()))",
                    &[],
                )?
                .try_get(0)?;
            if !lapsed {
                return Ok(c.query(&sql, &[&timestamp(now)])?);
            }
            let taken_back = c.execute(
                "UPDATE outbox SET state = 'waiting', next_attempt_at = NULL, maybe_delivered = 1, claimed_by = '',
                   lease_until = NULL, updated_at = $1
                 WHERE state = 'sending' AND (lease_until IS NULL OR lease_until < now())",
                &[&timestamp(Utc::now())],
            )?;
            if taken_back > 0 {
                audit_in(
                    c,
                    &self.station,
                    "收回过期的上传",
                    &format!("{taken_back} 条"),
                    "发送它们的工作站长时间没有结果（可能已关机或断网），由其他工作站重新发送",
                )?;
            }
            Ok(c.query(&sql, &[&timestamp(now)])?)
        })?;
        items(rows)
    }

    fn newest_item_id(&self) -> Result<ItemId> {
        let n: i64 = self.with(|c| {
            Ok(c.query_one("SELECT COALESCE(MAX(id), 0) FROM outbox", &[])?
                .try_get(0)?)
        })?;
        Ok(ItemId::new(n))
    }

    fn next_retry_at(&self) -> Result<Option<DateTime<Utc>>> {
        let t: Option<String> = self.with(|c| {
            Ok(
                c.query_one("SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'retry'", &[])?
                    .try_get(0)?,
            )
        })?;
        Ok(t.as_deref().and_then(parse_timestamp))
    }

    fn outbox_counts(&self) -> Result<OutboxCounts> {
        let rows = self.with(|c| Ok(c.query("SELECT state, COUNT(*) FROM outbox GROUP BY state", &[])?))?;
        let mut counts = OutboxCounts::default();
        for row in rows {
            let state: String = row.try_get(0)?;
            let n = row.try_get::<_, i64>(1)? as u64;
            match ItemState::parse(&state) {
                Some(ItemState::Waiting) => counts.waiting = n,
                Some(ItemState::Sending) => counts.sending = n,
                Some(ItemState::Retry) => counts.retry = n,
                Some(ItemState::NeedsFix) => counts.needs_fix = n,
                Some(ItemState::Sent) => counts.sent = n,
                Some(ItemState::Expired) => counts.expired = n,
                None => {}
            }
        }
        Ok(counts)
    }

    fn has_pending_item_before(&self, kind: ItemKind, record_key: &str, before_id: ItemId) -> Result<bool> {
        let n: i64 = self.with(|c| {
            Ok(c.query_one(
                "SELECT COUNT(*) FROM outbox WHERE kind = $1 AND record_key = $2
                   AND state IN ('waiting', 'sending', 'retry') AND id < $3",
                &[&kind.as_str(), &record_key, &before_id.get()],
            )?
            .try_get(0)?)
        })?;
        Ok(n > 0)
    }
}

impl QueueWrites for PgStore {
    /// The claim. One conditional UPDATE is enough, without `FOR UPDATE SKIP LOCKED`: a
    /// single-row UPDATE is atomic, and under READ COMMITTED a second station's UPDATE of
    /// the same row waits for the first to commit, then evaluates its WHERE again on the row
    /// as the first left it ('sending', a live lease): it changes nothing and gets `false`.
    /// So two stations never both see `true` for one item. A claim that ran out (its station
    /// died) is taken over, and the item is marked maybe-delivered. This station's own claim
    /// is renewed: a batch taken apart claims each log again before it goes alone (one sender
    /// per station, by its data dir's lock, so "this station" is one sender).
    fn mark_sending(&self, id: ItemId) -> Result<bool> {
        let claimed = self.with(|c| {
            Ok(c.execute(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = $2, claimed_by = $3,
                   lease_until = now() + make_interval(secs => $4),
                   maybe_delivered = CASE WHEN state = 'sending' AND claimed_by <> $3 THEN 1 ELSE maybe_delivered END
                 WHERE id = $1 AND (state IN ('waiting', 'retry')
                   OR (state = 'sending' AND (claimed_by = $3 OR lease_until IS NULL OR lease_until < now())))",
                &[
                    &id.get(),
                    &timestamp(Utc::now()),
                    &self.station,
                    &(self.lease_secs as f64),
                ],
            )?)
        })?;
        Ok(claimed == 1)
    }

    fn mark_retry(&self, id: ItemId, at: DateTime<Utc>, code: &str, message: &str, advice: &str) -> Result<()> {
        self.update_item(id, ItemState::Retry, Some(at), code, message, advice)
    }

    fn mark_waiting(&self, id: ItemId) -> Result<()> {
        self.update_item(id, ItemState::Waiting, None, "", "", "")
    }

    fn mark_maybe_delivered(&self, id: ItemId) -> Result<()> {
        self.with(|c| {
            c.execute("UPDATE outbox SET maybe_delivered = 1 WHERE id = $1", &[&id.get()])?;
            Ok(())
        })
    }

    fn park(&self, id: ItemId, p: &Parking<'_>) -> Result<()> {
        let state = if p.reason == ParkReason::Settings && p.queue_paused {
            ItemState::Waiting
        } else {
            ItemState::NeedsFix
        };
        let sql = format!(
            "UPDATE outbox SET state = $2, next_attempt_at = NULL, last_code = $3, last_message = $4, last_advice = $5,
               last_detail = $6, park_reason = $7, refused_under = $8, updated_at = $9, claimed_by = '',
               lease_until = NULL
             WHERE id = $1 AND {}",
            not_held_elsewhere(10)
        );
        self.with(|c| {
            c.execute(
                &sql,
                &[
                    &id.get(),
                    &state.as_str(),
                    &p.code,
                    &p.message,
                    &p.advice,
                    &p.detail,
                    &p.reason.as_str(),
                    &p.refused_under,
                    &timestamp(Utc::now()),
                    &self.station,
                ],
            )?;
            Ok(())
        })
    }

    fn note_outcome(&self, id: ItemId, code: &str, message: &str) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE outbox SET last_code = $2, last_message = $3 WHERE id = $1",
                &[&id.get(), &code, &message],
            )?;
            Ok(())
        })
    }

    fn retry_now(&self, id: ItemId) -> Result<()> {
        if !crate::outbox::may_retry(&self.outbox_item(id)?)? {
            return Ok(());
        }
        // `state <> 'sending'` again: a station may have claimed it since it was read.
        self.with(|c| {
            c.execute(
                "UPDATE outbox SET state = 'waiting', next_attempt_at = NULL, park_reason = '', updated_at = $2
                 WHERE id = $1 AND state NOT IN ('sending', 'sent', 'expired')",
                &[&id.get(), &timestamp(Utc::now())],
            )?;
            Ok(())
        })
    }

    fn retry_all_now(&self) -> Result<usize> {
        let n = self.with(|c| {
            Ok(c.execute(
                "UPDATE outbox SET next_attempt_at = NULL, updated_at = $1 WHERE state = 'retry'",
                &[&timestamp(Utc::now())],
            )?)
        })?;
        Ok(n as usize)
    }

    /// Only this station's own claims (it crashed) and claims that ran out: an item another
    /// live station is sending stays with it.
    fn recover_interrupted_sends(&self) -> Result<usize> {
        let n = self.with(|c| {
            let mut tx = c.transaction()?;
            let n = tx.execute(
                "UPDATE outbox SET state = 'waiting', next_attempt_at = NULL, maybe_delivered = 1, claimed_by = '',
                   lease_until = NULL, updated_at = $1
                 WHERE state = 'sending' AND (claimed_by = $2 OR lease_until IS NULL OR lease_until < now())",
                &[&timestamp(Utc::now()), &self.station],
            )?;
            if n > 0 {
                audit_in(
                    &mut tx,
                    &self.station,
                    "恢复中断的上传",
                    &format!("{n} 条"),
                    "上次上传时程序被中断，重新发送",
                )?;
            }
            tx.commit()?;
            Ok(n)
        })?;
        Ok(n as usize)
    }

    fn set_queue_paused(&self, pause: Option<(&str, &str)>) -> Result<()> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            set_pause_in(&mut tx, pause)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// The fingerprint includes what differs from station to station (its `client_serial`
    /// and the gate's `Device_ID`), so "paused under another fingerprint" cannot mean "the
    /// settings changed" here: two stations would lift each other's pause on every pass, each
    /// sending one more refused call. A station acts only when ITS fingerprint differs from
    /// the one it last drained under (kept per station in the shared settings; the first
    /// drain of a new station counts as a change, once).
    fn requeue_after_settings_change(&self, fingerprint: &str) -> Result<usize> {
        let seen_key = format!("sender_fingerprint|{}", self.station);
        self.with(|c| {
            let mut tx = c.transaction()?;
            if setting_in(&mut tx, &seen_key)?.as_deref() == Some(fingerprint) {
                return Ok(0);
            }
            set_setting_in(&mut tx, &seen_key, Some(fingerprint))?;
            let paused = setting_in(&mut tx, "queue_paused")?;
            let paused_under = setting_in(&mut tx, "queue_paused_under")?;
            if paused.is_some() && paused_under.as_deref() != Some(fingerprint) {
                set_pause_in(&mut tx, None)?;
                audit_in(
                    &mut tx,
                    &self.station,
                    "恢复上传",
                    "队列",
                    "连接设置已更改，按新设置重新上传",
                )?;
            }
            let n = tx.execute(
                "UPDATE outbox SET state = 'waiting', next_attempt_at = NULL, park_reason = '', updated_at = $2
                 WHERE park_reason = 'settings' AND refused_under <> $1 AND state IN ('waiting', 'needs_fix', 'retry')",
                &[&fingerprint, &timestamp(Utc::now())],
            )?;
            if n > 0 {
                audit_in(
                    &mut tx,
                    &self.station,
                    "重新排队",
                    &format!("{n} 条"),
                    "连接设置已更改，因设置被拒的记录重新上传",
                )?;
            }
            tx.commit()?;
            Ok(n as usize)
        })
    }

    /// Only this station's own claim goes back.
    fn release_sending(&self, id: ItemId) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE outbox SET state = 'waiting', maybe_delivered = 1, claimed_by = '', lease_until = NULL,
                   updated_at = $2
                 WHERE id = $1 AND state = 'sending' AND claimed_by = $3",
                &[&id.get(), &timestamp(Utc::now()), &self.station],
            )?;
            Ok(())
        })
    }

    fn dismiss_settings_pause(&self) -> Result<()> {
        let last = self.last_refusal()?;
        self.with(|c| {
            let mut tx = c.transaction()?;
            if let Some(last) = last {
                set_setting_in(&mut tx, "not_settings_words", Some(&last.words_key()))?;
            }
            set_pause_in(&mut tx, None)?;
            tx.execute(
                "UPDATE outbox SET park_reason = '' WHERE park_reason = 'settings' AND state = 'waiting'",
                &[],
            )?;
            audit_in(
                &mut tx,
                &self.station,
                "恢复上传",
                "队列",
                "登记员确认不是设置问题，逐条处理",
            )?;
            tx.commit()?;
            Ok(())
        })
    }
}

#[cfg(all(test, unix))]
mod tests;
