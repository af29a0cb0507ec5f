//! The outbox table: one row per platform write waiting, in flight, done or stuck.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::{Result, Store, StoreError, parse_timestamp, timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Register,
    Leave,
    AddCompany,
    RemoveCompany,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Register => "register",
            ItemKind::Leave => "leave",
            ItemKind::AddCompany => "add_company",
            ItemKind::RemoveCompany => "remove_company",
        }
    }
    pub fn parse(s: &str) -> Option<ItemKind> {
        [
            ItemKind::Register,
            ItemKind::Leave,
            ItemKind::AddCompany,
            ItemKind::RemoveCompany,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Plain states the clerk can understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// 待上传
    Waiting,
    /// 上传中
    Sending,
    /// 已上传
    Sent,
    /// 等待重试 (with `next_attempt_at`)
    Retry,
    /// 需处理 (with the platform's code and message)
    NeedsFix,
}

impl ItemState {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Waiting => "waiting",
            ItemState::Sending => "sending",
            ItemState::Sent => "sent",
            ItemState::Retry => "retry",
            ItemState::NeedsFix => "needs_fix",
        }
    }
    pub fn parse(s: &str) -> Option<ItemState> {
        [
            ItemState::Waiting,
            ItemState::Sending,
            ItemState::Sent,
            ItemState::Retry,
            ItemState::NeedsFix,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            ItemState::Waiting => "待上传",
            ItemState::Sending => "上传中",
            ItemState::Sent => "已上传",
            ItemState::Retry => "等待重试",
            ItemState::NeedsFix => "需处理",
        }
    }
    /// Not yet on the platform, and still expected to get there.
    pub fn is_open(self) -> bool {
        !matches!(self, ItemState::Sent)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxItem {
    pub id: i64,
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
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    pub waiting: u64,
    pub sending: u64,
    pub retry: u64,
    pub needs_fix: u64,
    pub sent: u64,
}

impl OutboxCounts {
    /// Everything not yet on the platform.
    pub fn open(&self) -> u64 {
        self.waiting + self.sending + self.retry + self.needs_fix
    }
}

const COLUMNS: &str = "id, kind, record_key, label, state, attempts, next_attempt_at, last_code, last_message, last_advice, created_at, updated_at";

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
    })
}

/// Queues a write for `record_key`, inside the caller's transaction. An item for the same
/// record that has not started sending is reused: the body is built at send time, so one
/// waiting item carries the latest edit. An item stuck in "needs fix" is woken by the edit.
pub(crate) fn enqueue_in(conn: &Connection, kind: ItemKind, record_key: &str, label: &str) -> Result<i64> {
    let now = timestamp(Utc::now());
    let existing: Option<i64> = conn
        .query_row(
            "SELECT id FROM outbox WHERE kind = ?1 AND record_key = ?2 AND state IN ('waiting', 'retry', 'needs_fix')
             ORDER BY id DESC LIMIT 1",
            params![kind.as_str(), record_key],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        conn.execute(
            "UPDATE outbox SET state = 'waiting', label = ?2, next_attempt_at = NULL, updated_at = ?3 WHERE id = ?1",
            params![id, label, now],
        )?;
        return Ok(id);
    }
    insert_in(conn, kind, record_key, label)
}

/// Always a new item (departure batches are never merged).
pub(crate) fn insert_in(conn: &Connection, kind: ItemKind, record_key: &str, label: &str) -> Result<i64> {
    let now = timestamp(Utc::now());
    conn.execute(
        "INSERT INTO outbox (kind, record_key, label, state, created_at, updated_at) VALUES (?1, ?2, ?3, 'waiting', ?4, ?4)",
        params![kind.as_str(), record_key, label, now],
    )?;
    Ok(conn.last_insert_rowid())
}

impl Store {
    pub fn outbox_item(&self, id: i64) -> Result<OutboxItem> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
                [id],
                row_to_item,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("待上传队列里没有编号 {id} 的记录")))
    }

    /// All items, newest first; `include_sent` false leaves out what the platform has.
    pub fn outbox_items(&self, include_sent: bool) -> Result<Vec<OutboxItem>> {
        let filter = if include_sent { "" } else { "WHERE state != 'sent'" };
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM outbox {filter} ORDER BY id DESC"))?;
        let rows = stmt.query_map([], row_to_item)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Everything not yet sent, and the newest `sent_limit` sent items, newest first: what
    /// the queue screen shows, without reading months of history on every change.
    pub fn outbox_items_recent(&self, sent_limit: usize) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE state != 'sent'
               OR id IN (SELECT id FROM outbox WHERE state = 'sent' ORDER BY id DESC LIMIT ?1)
             ORDER BY id DESC"
        ))?;
        let rows = stmt.query_map([sent_limit as i64], row_to_item)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Items that may be sent at `now`, oldest first (order decides dependencies).
    pub fn due_items(&self, now: DateTime<Utc>) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM outbox
             WHERE state = 'waiting' OR (state = 'retry' AND (next_attempt_at IS NULL OR next_attempt_at <= ?1))
             ORDER BY id"
        ))?;
        let rows = stmt.query_map([timestamp(now)], row_to_item)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The earliest scheduled retry, to know how long the sender may sleep.
    pub fn next_retry_at(&self) -> Result<Option<DateTime<Utc>>> {
        let t: Option<String> = self.conn.query_row(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'retry'",
            [],
            |r| r.get(0),
        )?;
        Ok(t.as_deref().and_then(parse_timestamp))
    }

    pub fn outbox_counts(&self) -> Result<OutboxCounts> {
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
                None => {}
            }
        }
        Ok(counts)
    }

    /// Is an item of `kind` for `record_key`, older than `before_id`, still on its way (waiting,
    /// sending or scheduled)? One that needs a fix does not hold others back: they go and
    /// the platform's answer says what is wrong, instead of waiting silently forever.
    pub fn has_pending_item_before(&self, kind: ItemKind, record_key: &str, before_id: i64) -> Result<bool> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM outbox WHERE kind = ?1 AND record_key = ?2 AND state IN ('waiting', 'sending', 'retry')
             AND id < ?3",
            params![kind.as_str(), record_key, before_id],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// Recorded before the request leaves, so a crash mid-send is visible at start-up.
    pub fn mark_sending(&self, id: i64) -> Result<()> {
        let now = timestamp(Utc::now());
        self.conn.execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        Ok(())
    }

    pub fn mark_retry(&self, id: i64, at: DateTime<Utc>, code: &str, message: &str, advice: &str) -> Result<()> {
        self.update_item(id, ItemState::Retry, Some(at), code, message, advice)
    }

    /// Back to waiting without blame (the queue was paused, not the item's fault).
    pub fn mark_waiting(&self, id: i64) -> Result<()> {
        self.update_item(id, ItemState::Waiting, None, "", "", "")
    }

    /// The clerk asked for it (立即重试): due now, also when it needed a fix.
    pub fn retry_now(&self, id: i64) -> Result<()> {
        let item = self.outbox_item(id)?;
        if item.state == ItemState::Sent {
            return Err(StoreError::NotFound(format!("编号 {id} 的记录已上传，无需重试")));
        }
        if item.state == ItemState::Sending {
            return Ok(());
        }
        self.conn.execute(
            "UPDATE outbox SET state = 'waiting', next_attempt_at = NULL, updated_at = ?2 WHERE id = ?1",
            params![id, timestamp(Utc::now())],
        )?;
        Ok(())
    }

    /// Makes every scheduled retry due now (an explicit "drain", or the network came back).
    pub fn retry_all_now(&self) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE outbox SET next_attempt_at = NULL, updated_at = ?1 WHERE state = 'retry'",
            [timestamp(Utc::now())],
        )?)
    }

    /// At start-up: anything still "sending" was cut off (power, kill). Every write of this
    /// protocol is an upsert or answered 48, so sending it again is safe.
    pub fn recover_interrupted_sends(&self) -> Result<usize> {
        let n = self.conn.execute(
            "UPDATE outbox SET state = 'waiting', next_attempt_at = NULL, updated_at = ?1 WHERE state = 'sending'",
            [timestamp(Utc::now())],
        )?;
        if n > 0 {
            self.audit("恢复中断的上传", &format!("{n} 条"), "上次上传时程序被中断，重新发送")?;
        }
        Ok(n)
    }

    pub(crate) fn update_item(
        &self,
        id: i64,
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
             updated_at = ?7, sent_at = COALESCE(?8, sent_at) WHERE id = ?1",
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

    /// Why the whole queue is paused (26: the settings are wrong), if it is.
    pub fn queue_paused(&self) -> Result<Option<String>> {
        self.setting("queue_paused")
    }

    pub fn set_queue_paused(&self, reason: Option<&str>) -> Result<()> {
        self.set_setting("queue_paused", reason)
    }
}
