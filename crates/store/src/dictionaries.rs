//! The four dictionaries, cached with the time they were fetched: the platform's codes
//! differ between instances, so they are never hard-coded, and offline the cache serves.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::{Result, Store, parse_timestamp, timestamp};
use crate::seams::prelude::*;
use protocol::Endpoint;
use protocol::types::DictEntry;

impl DictionaryReads for Store {
    fn dictionary(&self, kind: Endpoint) -> Result<Option<(Vec<DictEntry>, DateTime<Utc>)>> {
        let fetched: Option<String> = self
            .conn
            .query_row(
                "SELECT fetched_at FROM dictionary_fetches WHERE kind = ?1",
                [kind.name()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(fetched) = fetched.as_deref().and_then(parse_timestamp) else {
            return Ok(None);
        };
        let mut stmt = self
            .conn
            .prepare("SELECT orders, value, flag FROM dictionary_entries WHERE kind = ?1 ORDER BY position")?;
        let rows = stmt.query_map([kind.name()], |r| {
            Ok(DictEntry {
                orders: r.get(0)?,
                value: r.get(1)?,
                flag: r.get(2)?,
            })
        })?;
        Ok(Some((rows.collect::<std::result::Result<_, _>>()?, fetched)))
    }

    fn dictionary_codes(&self, kind: Endpoint) -> Result<std::collections::HashSet<String>> {
        Ok(self
            .dictionary(kind)?
            .map(|(e, _)| e.into_iter().map(|e| e.orders).collect())
            .unwrap_or_default())
    }
}

impl DictionaryWrites for Store {
    fn save_dictionary(&mut self, kind: Endpoint, entries: &[DictEntry], fetched_at: DateTime<Utc>) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM dictionary_entries WHERE kind = ?1", [kind.name()])?;
        for (i, e) in entries.iter().enumerate() {
            tx.execute(
                "INSERT OR REPLACE INTO dictionary_entries (kind, position, orders, value, flag) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![kind.name(), i as i64, e.orders, e.value, e.flag],
            )?;
        }
        tx.execute(
            "INSERT INTO dictionary_fetches (kind, fetched_at) VALUES (?1, ?2)
             ON CONFLICT (kind) DO UPDATE SET fetched_at = excluded.fetched_at",
            params![kind.name(), timestamp(fetched_at)],
        )?;
        tx.commit()?;
        Ok(())
    }
}
