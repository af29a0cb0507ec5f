//! The project's blacklist: ID numbers that may not be enrolled, each with its reason. Every
//! change is also written to the audit trail.

use std::collections::HashMap;

use chrono::Utc;
use rusqlite::{TransactionBehavior, params};
use serde::Serialize;

use super::{Result, Store, audit_in, timestamp};
use crate::seams::prelude::*;
use domain::{IdNumber, mask_id};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlacklistEntry {
    pub id_code: String,
    pub name: String,
    pub reason: String,
    pub added_by: String,
    /// RFC 3339, UTC.
    pub added_at: String,
}

impl BlacklistReads for Store {
    fn blacklist_reasons(&self) -> Result<HashMap<String, String>> {
        let mut stmt = self.conn.prepare("SELECT id_code, reason FROM blacklist")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn blacklist(&self) -> Result<Vec<BlacklistEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT id_code, name, reason, added_by, added_at FROM blacklist ORDER BY added_at DESC, id_code",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(BlacklistEntry {
                id_code: r.get(0)?,
                name: r.get(1)?,
                reason: r.get(2)?,
                added_by: r.get(3)?,
                added_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

impl BlacklistWrites for Store {
    fn add_to_blacklist(&mut self, entries: &[BlacklistEntry]) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = timestamp(Utc::now());
        for e in entries {
            tx.execute(
                "INSERT INTO blacklist (id_code, name, reason, added_by, added_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id_code) DO UPDATE SET name = excluded.name, reason = excluded.reason,
                   added_by = excluded.added_by",
                params![e.id_code, e.name, e.reason, e.added_by, now],
            )?;
            audit_in(
                &tx,
                "加入黑名单",
                &mask_id(&e.id_code),
                &format!("{}（{}）", e.reason, e.added_by),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn remove_from_blacklist(&mut self, id_code: &IdNumber, by: &str) -> Result<bool> {
        let id_code = id_code.as_str();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute("DELETE FROM blacklist WHERE id_code = ?1", [id_code])?;
        if n > 0 {
            audit_in(&tx, "移出黑名单", &mask_id(id_code), by)?;
        }
        tx.commit()?;
        Ok(n > 0)
    }
}
