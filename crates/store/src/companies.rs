//! The project's companies (参建单位).

use chrono::Utc;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use super::outbox::{ItemKind, enqueue_in, ids_where, requeue_dependents_in};
use super::workers::finish_item;
use super::{Result, Store, StoreError, audit_in, timestamp};
use crate::ItemId;
use crate::seams::prelude::*;
use domain::{Company, CompanyRemoval, RecordState, Validated};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompanyRecord {
    pub company: Company,
    pub state: RecordState,
    pub sync_message: String,
    /// Removal requested (it leaves the list once the platform confirms).
    pub removing: bool,
    pub updated_at: String,
}

impl Store {
    fn companies_where(&self, filter: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<CompanyRecord>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT data, sync_state, sync_message, removed, updated_at FROM companies {filter} ORDER BY company_name"
        ))?;
        let rows = stmt.query_map(args, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (data, state, message, removed, updated_at) = row?;
            out.push(CompanyRecord {
                company: serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                state: RecordState::parse(&state),
                sync_message: message,
                removing: removed != 0,
                updated_at,
            });
        }
        Ok(out)
    }
}

impl CompanyReads for Store {
    fn company(&self, suid: &str) -> Result<Option<CompanyRecord>> {
        Ok(self.companies_where("WHERE suid = ?1", &[&suid])?.into_iter().next())
    }

    fn companies(&self) -> Result<Vec<CompanyRecord>> {
        self.companies_where("", &[])
    }

    fn workers_in_company(&self, company_name: &str) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM workers WHERE emp_company = ?1 AND sync_state != 'departed'",
            [company_name],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    fn company_suid_by_name(&self, company_name: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT suid FROM companies WHERE company_name = ?1 AND removed = 0",
                [company_name],
                |r| r.get(0),
            )
            .optional()?)
    }
}

impl CompanyWrites for Store {
    fn save_company(&mut self, company: &Validated<Company>) -> Result<ItemId> {
        let c: &Company = company;
        let data = serde_json::to_string(&c).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let now = timestamp(Utc::now());
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO companies (suid, company_name, data, sync_state, updated_at) VALUES (?1, ?2, ?3, 'pending', ?4)
             ON CONFLICT (suid) DO UPDATE SET company_name = excluded.company_name, data = excluded.data,
               sync_state = 'pending', sync_message = '', removed = 0, updated_at = excluded.updated_at",
            params![c.suid, c.company_name, data, now],
        )?;
        let item = enqueue_in(
            &tx,
            ItemKind::AddCompany,
            &c.suid,
            &format!("新增单位 {}", c.company_name),
        )?;
        audit_in(
            &tx,
            "保存参建单位",
            &c.suid,
            &format!("{}，队列 #{item}", c.company_name),
        )?;
        tx.commit()?;
        Ok(item)
    }

    fn remove_company(&mut self, removal: &Validated<CompanyRemoval>) -> Result<ItemId> {
        let (suid, company_name) = (removal.suid.as_str(), removal.company_name.as_str());
        let now = timestamp(Utc::now());
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let known = tx
            .execute(
                "UPDATE companies SET removed = 1, sync_state = 'pending', sync_message = '', updated_at = ?2 WHERE suid = ?1",
                params![suid, now],
            )?
            > 0;
        if !known {
            // Not entered here (added on the platform's web site): remember it for the queue.
            let data = serde_json::to_string(&Company {
                suid: suid.into(),
                company_name: company_name.into(),
                ..Default::default()
            })
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            tx.execute(
                "INSERT INTO companies (suid, company_name, data, sync_state, removed, updated_at) VALUES (?1, ?2, ?3, 'pending', 1, ?4)",
                params![suid, company_name, data, now],
            )?;
        }
        let item = enqueue_in(&tx, ItemKind::RemoveCompany, suid, &format!("移除单位 {company_name}"))?;
        audit_in(&tx, "移除参建单位", suid, &format!("{company_name}，队列 #{item}"))?;
        tx.commit()?;
        Ok(item)
    }

    fn mark_company_sent(&mut self, item_id: ItemId, suid: &str, removed: bool) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if removed {
            tx.execute("DELETE FROM companies WHERE suid = ?1 AND removed = 1", [suid])?;
        } else {
            tx.execute(
                "UPDATE companies SET sync_state = 'sent', sync_message = '' WHERE suid = ?1",
                [suid],
            )?;
            // Workers and companies refused (47) because this company was not on the project
            // yet go back to the queue by themselves.
            let mut waiting = ids_where(
                &tx,
                "SELECT o.id FROM outbox o JOIN workers w ON o.kind = 'register' AND o.record_key = w.id_code
                 WHERE w.emp_company = (SELECT company_name FROM companies WHERE suid = ?1)",
                suid,
            )?;
            waiting.extend(ids_where(
                &tx,
                "SELECT o.id FROM outbox o JOIN companies c ON o.kind = 'add_company' AND o.record_key = c.suid
                 WHERE json_extract(c.data, '$.suid_superior') = ?1",
                suid,
            )?);
            requeue_dependents_in(&tx, &waiting)?;
        }
        finish_item(&tx, item_id)?;
        audit_in(&tx, if removed { "单位已移除" } else { "单位已上传" }, suid, "")?;
        tx.commit()?;
        Ok(())
    }
}
