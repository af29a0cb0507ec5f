//! The four dictionaries, cached on the site database with the time they were fetched (one
//! station's refresh serves all): as `crate::dictionaries`.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use protocol::Endpoint;
use protocol::types::DictEntry;

use super::PgStore;
use crate::seams::prelude::*;
use crate::{Result, parse_timestamp, timestamp};

impl DictionaryReads for PgStore {
    fn dictionary(&self, kind: Endpoint) -> Result<Option<(Vec<DictEntry>, DateTime<Utc>)>> {
        self.with(|c| {
            let fetched = c
                .query_opt(
                    "SELECT fetched_at FROM dictionary_fetches WHERE kind = $1",
                    &[&kind.name()],
                )?
                .and_then(|r| parse_timestamp(r.get::<_, &str>(0)));
            let Some(fetched) = fetched else {
                return Ok(None);
            };
            let entries = c
                .query(
                    "SELECT orders, value, flag FROM dictionary_entries WHERE kind = $1 ORDER BY position",
                    &[&kind.name()],
                )?
                .iter()
                .map(|r| DictEntry {
                    orders: r.get(0),
                    value: r.get(1),
                    flag: r.get(2),
                })
                .collect();
            Ok(Some((entries, fetched)))
        })
    }

    fn dictionary_codes(&self, kind: Endpoint) -> Result<HashSet<String>> {
        Ok(self
            .dictionary(kind)?
            .map(|(e, _)| e.into_iter().map(|e| e.orders).collect())
            .unwrap_or_default())
    }
}

impl DictionaryWrites for PgStore {
    fn save_dictionary(&mut self, kind: Endpoint, entries: &[DictEntry], fetched_at: DateTime<Utc>) -> Result<()> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            tx.execute("DELETE FROM dictionary_entries WHERE kind = $1", &[&kind.name()])?;
            for (i, e) in entries.iter().enumerate() {
                // SQLite's INSERT OR REPLACE: a code given twice keeps its last entry.
                tx.execute(
                    "INSERT INTO dictionary_entries (kind, position, orders, value, flag) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (kind, orders) DO UPDATE SET position = excluded.position, value = excluded.value,
                       flag = excluded.flag",
                    &[&kind.name(), &(i as i64), &e.orders, &e.value, &e.flag],
                )?;
            }
            tx.execute(
                "INSERT INTO dictionary_fetches (kind, fetched_at) VALUES ($1, $2)
                 ON CONFLICT (kind) DO UPDATE SET fetched_at = excluded.fetched_at",
                &[&kind.name(), &timestamp(fetched_at)],
            )?;
            tx.commit()?;
            Ok(())
        })
    }
}
