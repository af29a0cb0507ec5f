//! The project's blacklist on the site database: one list for every station of the site,
//! so a person refused at one gate is refused at all of them. As `crate::blacklist`.

use std::collections::HashMap;

use chrono::Utc;
use domain::{IdNumber, mask_id};

use super::{PgStore, audit_in};
use crate::seams::prelude::*;
use crate::{BlacklistEntry, Result, timestamp};

impl BlacklistReads for PgStore {
    fn blacklist_reasons(&self) -> Result<HashMap<String, String>> {
        self.with(|c| {
            Ok(c.query("SELECT id_code, reason FROM blacklist", &[])?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect())
        })
    }

    fn blacklist(&self) -> Result<Vec<BlacklistEntry>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT id_code, name, reason, added_by, added_at FROM blacklist
                 ORDER BY added_at DESC, id_code COLLATE \"C\"",
                &[],
            )?
            .iter()
            .map(|r| BlacklistEntry {
                id_code: r.get(0),
                name: r.get(1),
                reason: r.get(2),
                added_by: r.get(3),
                added_at: r.get(4),
            })
            .collect())
        })
    }
}

impl BlacklistWrites for PgStore {
    fn add_to_blacklist(&mut self, entries: &[BlacklistEntry]) -> Result<()> {
        let now = timestamp(Utc::now());
        let station = self.station.as_str();
        self.with(|c| {
            let mut tx = c.transaction()?;
            for e in entries {
                tx.execute(
                    "INSERT INTO blacklist (id_code, name, reason, added_by, added_at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (id_code) DO UPDATE SET name = excluded.name, reason = excluded.reason,
                       added_by = excluded.added_by",
                    &[&e.id_code, &e.name, &e.reason, &e.added_by, &now],
                )?;
                audit_in(
                    &mut tx,
                    station,
                    "加入黑名单",
                    &mask_id(&e.id_code),
                    &format!("{}（{}）", e.reason, e.added_by),
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn remove_from_blacklist(&mut self, id_code: &IdNumber, by: &str) -> Result<bool> {
        let id_code = id_code.as_str();
        let station = self.station.as_str();
        self.with(|c| {
            let mut tx = c.transaction()?;
            let n = tx.execute("DELETE FROM blacklist WHERE id_code = $1", &[&id_code])?;
            if n > 0 {
                audit_in(&mut tx, station, "移出黑名单", &mask_id(id_code), by)?;
            }
            tx.commit()?;
            Ok(n > 0)
        })
    }
}
