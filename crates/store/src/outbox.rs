//! The outbox table: one row per platform write waiting, in flight, done or stuck.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::{Result, Store, StoreError, parse_timestamp, timestamp};
use crate::ItemId;
use crate::seams::prelude::*;
use domain::ItemState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Register,
    Leave,
    AddCompany,
    RemoveCompany,
    /// One attendance log (batched with others at send time).
    Attendance,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Register => "register",
            ItemKind::Leave => "leave",
            ItemKind::AddCompany => "add_company",
            ItemKind::RemoveCompany => "remove_company",
            ItemKind::Attendance => "attendance",
        }
    }
    pub fn parse(s: &str) -> Option<ItemKind> {
        [
            ItemKind::Register,
            ItemKind::Leave,
            ItemKind::AddCompany,
            ItemKind::RemoveCompany,
            ItemKind::Attendance,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxItem {
    pub id: ItemId,
    pub kind: ItemKind,
    /// id_code, SUID, or the departure batch's first id_code.
    pub record_key: String,
    /// What it is in the clerk's words: 登记 张三, 离场 ×12, 新增单位 …
    pub label: String,
    pub state: ItemState,
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_code: String,
    /// The platform's message and detail, verbatim.
    pub last_message: String,
    /// Our explanation of what to do.
    pub last_advice: String,
    pub created_at: String,
    pub updated_at: String,
    /// Why it waits for something other than the network (empty when it does not).
    pub park_reason: ParkReason,
    /// What the platform sent beside its words (a `10`'s result_data), verbatim.
    pub last_detail: String,
    /// An earlier attempt may have reached the platform (its answer never came).
    pub maybe_delivered: bool,
}

/// Why an item waits for something other than the network. Each reason has its own way back
/// to the queue, so nothing a retry would deliver waits for a person.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParkReason {
    #[default]
    None,
    /// The record itself was refused: a person edits it (the edit requeues it).
    Record,
    /// The connection settings were refused (key, secret, serial, project): back to the
    /// queue by itself when the settings change.
    Settings,
    /// Refused because something it needs is not on the platform yet (47: the company, the
    /// superior company, the worker): back by itself when that is accepted.
    Dependency,
    /// A partial answer that could not be matched to the batch: unknown who went through. A
    /// resend settles it (a repeated departure is harmless).
    UnknownPartial,
    /// Found locally (the record is gone from this PC).
    Local,
}

impl ParkReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ParkReason::None => "",
            ParkReason::Record => "record",
            ParkReason::Settings => "settings",
            ParkReason::Dependency => "dependency",
            ParkReason::UnknownPartial => "unknown_partial",
            ParkReason::Local => "local",
        }
    }

    pub fn parse(s: &str) -> ParkReason {
        [
            ParkReason::Record,
            ParkReason::Settings,
            ParkReason::Dependency,
            ParkReason::UnknownPartial,
            ParkReason::Local,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
        .unwrap_or(ParkReason::None)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    pub waiting: u64,
    pub sending: u64,
    pub retry: u64,
    pub needs_fix: u64,
    pub sent: u64,
    /// Attendance logs past the platform's window (已过时限).
    pub expired: u64,
}

impl OutboxCounts {
    /// Everything not yet on the platform.
    pub fn open(&self) -> u64 {
        self.waiting + self.sending + self.retry + self.needs_fix
    }
}

/// The columns `row_to_item` reads, in its order (the site database reads the same).
pub(crate) const COLUMNS: &str = "id, kind, record_key, label, state, attempts, next_attempt_at, last_code, last_message, last_advice, created_at, updated_at, park_reason, last_detail, maybe_delivered";

fn row_to_item(r: &Row<'_>) -> rusqlite::Result<OutboxItem> {
    let kind: String = r.get(1)?;
    let state: String = r.get(4)?;
    let next: Option<String> = r.get(6)?;
    Ok(OutboxItem {
        id: r.get(0)?,
        kind: ItemKind::parse(&kind).unwrap_or(ItemKind::Register),
        record_key: r.get(2)?,
        label: r.get(3)?,
        state: ItemState::parse(&state).unwrap_or(ItemState::Waiting),
        attempts: r.get::<_, i64>(5)? as u32,
        next_attempt_at: next.as_deref().and_then(parse_timestamp),
        last_code: r.get(7)?,
        last_message: r.get(8)?,
        last_advice: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
        park_reason: ParkReason::parse(&r.get::<_, String>(12)?),
        last_detail: r.get(13)?,
        maybe_delivered: r.get::<_, i64>(14)? != 0,
    })
}

/// Queues a write for `record_key`, inside the caller's transaction. An item for the same
/// record that has not started sending is reused: the body is built at send time, so one
/// waiting item carries the latest edit. An item stuck in "needs fix" is woken by the edit.
pub(crate) fn enqueue_in(conn: &Connection, kind: ItemKind, record_key: &str, label: &str) -> Result<ItemId> {
    let now = timestamp(Utc::now());
    let existing: Option<ItemId> = conn
        .query_row(
            "SELECT id FROM outbox WHERE kind = ?1 AND record_key = ?2 AND state IN ('waiting', 'retry', 'needs_fix')
             ORDER BY id DESC LIMIT 1",
            params![kind.as_str(), record_key],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        conn.execute(
            "UPDATE outbox SET state = 'waiting', label = ?2, next_attempt_at = NULL, park_reason = '', updated_at = ?3
             WHERE id = ?1",
            params![id, label, now],
        )?;
        return Ok(id);
    }
    insert_in(conn, kind, record_key, label)
}

/// Always a new item (departure batches are never merged).
pub(crate) fn insert_in(conn: &Connection, kind: ItemKind, record_key: &str, label: &str) -> Result<ItemId> {
    let now = timestamp(Utc::now());
    conn.execute(
        "INSERT INTO outbox (kind, record_key, label, state, created_at, updated_at) VALUES (?1, ?2, ?3, 'waiting', ?4, ?4)",
        params![kind.as_str(), record_key, label, now],
    )?;
    Ok(ItemId::new(conn.last_insert_rowid()))
}

impl Store {
    pub(crate) fn update_item(
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
        self.conn.execute(
            "UPDATE outbox SET state = ?2, next_attempt_at = ?3, last_code = ?4, last_message = ?5, last_advice = ?6,
             updated_at = ?7, sent_at = COALESCE(?8, sent_at), park_reason = '' WHERE id = ?1",
            params![
                id,
                state.as_str(),
                next.map(timestamp),
                code,
                message,
                advice,
                now,
                sent_at
            ],
        )?;
        Ok(())
    }
}

/// What [`Store::park`] records.
#[derive(Debug, Clone, Copy)]
pub struct Parking<'a> {
    pub reason: ParkReason,
    pub code: &'a str,
    /// The platform's words, verbatim (or ours, for a local reason).
    pub message: &'a str,
    /// The platform's result_data, when it matters.
    pub detail: &'a str,
    pub advice: &'a str,
    /// Fingerprint of the settings it was refused under.
    pub refused_under: &'a str,
    /// The whole queue is paused with it (a settings refusal by the platform), so it waits;
    /// otherwise (a setting found missing on this PC, which pauses nothing) it stands aside
    /// as 需处理, or it would be picked again at once.
    pub queue_paused: bool,
}

/// One refusal, remembered until the next item's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LastRefusal {
    pub item_id: ItemId,
    pub record_key: String,
    pub code: String,
    pub words: String,
    pub refused_under: String,
}

impl LastRefusal {
    pub(crate) fn words_key(&self) -> String {
        format!("{}|{}|{}", self.refused_under, self.code, self.words)
    }
}

/// Items parked for a dependency (47: the company, superior or worker was not on the
/// platform yet) go back to the queue, with their records shown as pending again. `ids`
/// selects candidate items; only dependency-parked ones move. Returns how many.
pub(crate) fn requeue_dependents_in(conn: &Connection, ids: &[ItemId]) -> Result<usize> {
    let now = timestamp(Utc::now());
    let mut n = 0;
    for id in ids {
        let moved = conn.execute(
            "UPDATE outbox SET state = 'waiting', next_attempt_at = NULL, park_reason = '', updated_at = ?2
             WHERE id = ?1 AND park_reason = 'dependency' AND state = 'needs_fix'",
            params![id, now],
        )?;
        if moved == 0 {
            continue;
        }
        n += 1;
        let (kind, key): (String, String) =
            conn.query_row("SELECT kind, record_key FROM outbox WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        match ItemKind::parse(&kind) {
            Some(ItemKind::Register) => {
                conn.execute(
                    "UPDATE workers SET sync_state = 'pending', sync_message = '' WHERE id_code = ?1 AND sync_state = 'needs_fix'",
                    [&key],
                )?;
            }
            Some(ItemKind::AddCompany) => {
                conn.execute(
                    "UPDATE companies SET sync_state = 'pending', sync_message = '' WHERE suid = ?1 AND sync_state = 'needs_fix'",
                    [&key],
                )?;
            }
            Some(ItemKind::Leave) => {
                conn.execute(
                    "UPDATE departures SET sync_state = 'pending', sync_message = '' WHERE outbox_id = ?1 AND sync_state = 'needs_fix'",
                    [id],
                )?;
            }
            Some(ItemKind::RemoveCompany | ItemKind::Attendance) | None => {}
        }
        super::audit_in(conn, "重新排队", &format!("队列 #{id}"), "所依赖的记录已被平台接收")?;
    }
    Ok(n)
}

/// Ids selected by `sql` (one `?1` parameter).
pub(crate) fn ids_where(conn: &Connection, sql: &str, param: &str) -> Result<Vec<ItemId>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([param], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

impl QueueReads for Store {
    fn outbox_item(&self, id: ItemId) -> Result<OutboxItem> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
                [id],
                row_to_item,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("待上传队列里没有编号 {id} 的记录")))
    }

    fn outbox_items(&self, include_sent: bool) -> Result<Vec<OutboxItem>> {
        let filter = if include_sent { "" } else { "WHERE state != 'sent'" };
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM outbox {filter} ORDER BY id DESC"))?;
        let rows = stmt.query_map([], row_to_item)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn outbox_items_recent(&self, sent_limit: usize) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE state != 'sent'
               OR id IN (SELECT id FROM outbox WHERE state = 'sent' ORDER BY id DESC LIMIT ?1)
             ORDER BY id DESC"
        ))?;
        let rows = stmt.query_map([sent_limit as i64], row_to_item)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn due_items(&self, now: DateTime<Utc>) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM outbox
             WHERE state = 'waiting' OR (state = 'retry' AND (next_attempt_at IS NULL OR next_attempt_at <= ?1))
             ORDER BY kind != 'attendance', id"
        ))?;
        let rows = stmt.query_map([timestamp(now)], row_to_item)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn newest_item_id(&self) -> Result<ItemId> {
        Ok(self
            .conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM outbox", [], |r| r.get(0))?)
    }

    fn next_retry_at(&self) -> Result<Option<DateTime<Utc>>> {
        let t: Option<String> = self.conn.query_row(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'retry'",
            [],
            |r| r.get(0),
        )?;
        Ok(t.as_deref().and_then(parse_timestamp))
    }

    fn outbox_counts(&self) -> Result<OutboxCounts> {
        let mut stmt = self.conn.prepare("SELECT state, COUNT(*) FROM outbox GROUP BY state")?;
        let mut counts = OutboxCounts::default();
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
        for row in rows {
            let (state, n) = row?;
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
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM outbox WHERE kind = ?1 AND record_key = ?2 AND state IN ('waiting', 'sending', 'retry')
             AND id < ?3",
            params![kind.as_str(), record_key, before_id],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }
}

impl QueueWrites for Store {
    fn mark_sending(&self, id: ItemId) -> Result<bool> {
        let now = timestamp(Utc::now());
        let changed = self.conn.execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        // One sender per data dir (`SenderLock`): nobody else can hold an item that exists.
        Ok(changed > 0)
    }

    fn mark_retry(&self, id: ItemId, at: DateTime<Utc>, code: &str, message: &str, advice: &str) -> Result<()> {
        self.update_item(id, ItemState::Retry, Some(at), code, message, advice)
    }

    fn mark_waiting(&self, id: ItemId) -> Result<()> {
        self.update_item(id, ItemState::Waiting, None, "", "", "")
    }

    fn mark_maybe_delivered(&self, id: ItemId) -> Result<()> {
        self.conn
            .execute("UPDATE outbox SET maybe_delivered = 1 WHERE id = ?1", [id])?;
        Ok(())
    }

    fn park(&self, id: ItemId, p: &Parking<'_>) -> Result<()> {
        let state = if p.reason == ParkReason::Settings && p.queue_paused {
            ItemState::Waiting
        } else {
            ItemState::NeedsFix
        };
        self.conn.execute(
            "UPDATE outbox SET state = ?2, next_attempt_at = NULL, last_code = ?3, last_message = ?4, last_advice = ?5,
               last_detail = ?6, park_reason = ?7, refused_under = ?8, updated_at = ?9 WHERE id = ?1",
            params![
                id,
                state.as_str(),
                p.code,
                p.message,
                p.advice,
                p.detail,
                p.reason.as_str(),
                p.refused_under,
                timestamp(Utc::now())
            ],
        )?;
        Ok(())
    }

    fn note_outcome(&self, id: ItemId, code: &str, message: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET last_code = ?2, last_message = ?3 WHERE id = ?1",
            params![id, code, message],
        )?;
        Ok(())
    }

    fn retry_now(&self, id: ItemId) -> Result<()> {
        if !crate::outbox::may_retry(&self.outbox_item(id)?)? {
            return Ok(());
        }
        self.conn.execute(
            "UPDATE outbox SET state = 'waiting', next_attempt_at = NULL, park_reason = '', updated_at = ?2 WHERE id = ?1",
            params![id, timestamp(Utc::now())],
        )?;
        Ok(())
    }

    fn retry_all_now(&self) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE outbox SET next_attempt_at = NULL, updated_at = ?1 WHERE state = 'retry'",
            [timestamp(Utc::now())],
        )?)
    }

    fn recover_interrupted_sends(&self) -> Result<usize> {
        let n = self.conn.execute(
            "UPDATE outbox SET state = 'waiting', next_attempt_at = NULL, maybe_delivered = 1, updated_at = ?1
             WHERE state = 'sending'",
            [timestamp(Utc::now())],
        )?;
        if n > 0 {
            self.audit("恢复中断的上传", &format!("{n} 条"), "上次上传时程序被中断，重新发送")?;
        }
        Ok(n)
    }

    fn set_queue_paused(&self, pause: Option<(&str, &str)>) -> Result<()> {
        match pause {
            Some((reason, under)) => {
                self.set_setting("queue_paused", Some(reason))?;
                self.set_setting("queue_paused_under", Some(under))
            }
            None => {
                self.set_setting("queue_paused", None)?;
                self.set_setting("queue_paused_under", None)
            }
        }
    }

    fn requeue_after_settings_change(&self, fingerprint: &str) -> Result<usize> {
        let paused_under = self.setting("queue_paused_under")?;
        if self.queue_paused()?.is_some() && paused_under.as_deref() != Some(fingerprint) {
            self.set_queue_paused(None)?;
            self.audit("恢复上传", "队列", "连接设置已更改，按新设置重新上传")?;
        }
        let n = self.conn.execute(
            "UPDATE outbox SET state = 'waiting', next_attempt_at = NULL, park_reason = '', updated_at = ?2
             WHERE park_reason = 'settings' AND refused_under != ?1 AND state IN ('waiting', 'needs_fix', 'retry')",
            params![fingerprint, timestamp(Utc::now())],
        )?;
        if n > 0 {
            self.audit(
                "重新排队",
                &format!("{n} 条"),
                "连接设置已更改，因设置被拒的记录重新上传",
            )?;
        }
        Ok(n)
    }

    fn release_sending(&self, id: ItemId) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET state = 'waiting', maybe_delivered = 1, updated_at = ?2 WHERE id = ?1 AND state = 'sending'",
            params![id, timestamp(Utc::now())],
        )?;
        Ok(())
    }

    fn dismiss_settings_pause(&self) -> Result<()> {
        if let Some(last) = self.last_refusal()? {
            self.set_setting("not_settings_words", Some(&last.words_key()))?;
        }
        self.set_queue_paused(None)?;
        self.conn.execute(
            "UPDATE outbox SET park_reason = '' WHERE park_reason = 'settings' AND state = 'waiting'",
            [],
        )?;
        self.audit("恢复上传", "队列", "登记员确认不是设置问题，逐条处理")?;
        Ok(())
    }
}

/// Whether the clerk's 重试 applies to `item`, on every backend: a sent item needs none and
/// an expired log cannot go (said as errors); one being sent right now is left to its sender
/// (`Ok(false)`, nothing to do).
pub(crate) fn may_retry(item: &OutboxItem) -> Result<bool> {
    let id = item.id;
    match item.state {
        ItemState::Sent => Err(StoreError::NotFound(format!("编号 {id} 的记录已上传，无需重试"))),
        ItemState::Expired => Err(StoreError::NotFound(format!(
            "编号 {id} 的考勤已过时限：平台只接收 2 小时内的考勤，不能再上传"
        ))),
        ItemState::Sending => Ok(false),
        _ => Ok(true),
    }
}
