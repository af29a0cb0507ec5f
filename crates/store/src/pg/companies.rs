//! The project's companies (参建单位) on the site database: as `crate::companies`.

use chrono::Utc;
use domain::{Company, CompanyRemoval, RecordState, Validated};

use super::rows::{corrupt, enqueue_in, finish_item, ids_where, requeue_dependents_in};
use super::{PgStore, audit_in};
use crate::seams::prelude::*;
use crate::{CompanyRecord, ItemId, ItemKind, Result, timestamp};

impl PgStore {
    fn companies_where(
        &self,
        filter: &str,
        args: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<CompanyRecord>> {
        let rows = self.with(|c| {
            Ok(c.query(
                &format!(
                    "SELECT data, sync_state, sync_message, removed, updated_at FROM companies {filter} ORDER BY company_name COLLATE \"C\""
                ),
                args,
            )?)
        })?;
        rows.iter()
            .map(|r| {
                Ok(CompanyRecord {
                    company: serde_json::from_str(r.get::<_, &str>(0)).map_err(corrupt)?,
                    state: RecordState::parse(r.get::<_, &str>(1)),
                    sync_message: r.get(2),
                    removing: r.get::<_, i64>(3) != 0,
                    updated_at: r.get(4),
                })
            })
            .collect()
    }
}

impl CompanyReads for PgStore {
    fn company(&self, suid: &str) -> Result<Option<CompanyRecord>> {
        Ok(self.companies_where("WHERE suid = $1", &[&suid])?.into_iter().next())
    }

    fn companies(&self) -> Result<Vec<CompanyRecord>> {
        self.companies_where("", &[])
    }

    fn workers_in_company(&self, company_name: &str) -> Result<u64> {
        self.with(|c| {
            let n: i64 = c
                .query_one(
                    "SELECT COUNT(*) FROM workers WHERE emp_company = $1 AND sync_state != 'departed'",
                    &[&company_name],
                )?
                .get(0);
            Ok(n as u64)
        })
    }

    fn company_suid_by_name(&self, company_name: &str) -> Result<Option<String>> {
        self.with(|c| {
            Ok(c.query_opt(
                "SELECT suid FROM companies WHERE company_name = $1 AND removed = 0",
                &[&company_name],
            )?
            .map(|r| r.get(0)))
        })
    }
}

impl CompanyWrites for PgStore {
    fn save_company(&mut self, company: &Validated<Company>) -> Result<ItemId> {
        let c: &Company = company;
        let data = serde_json::to_string(&c).map_err(corrupt)?;
        let now = timestamp(Utc::now());
        let station = self.station.as_str();
        self.with(|client| {
            let mut tx = client.transaction()?;
            tx.execute(
                "INSERT INTO companies (suid, company_name, data, sync_state, updated_at) VALUES ($1, $2, $3, 'pending', $4)
                 ON CONFLICT (suid) DO UPDATE SET company_name = excluded.company_name, data = excluded.data,
                   sync_state = 'pending', sync_message = '', removed = 0, updated_at = excluded.updated_at",
                &[&c.suid, &c.company_name, &data, &now],
            )?;
            let item = enqueue_in(
                &mut tx,
                ItemKind::AddCompany,
                &c.suid,
                &format!("新增单位 {}", c.company_name),
            )?;
            audit_in(
                &mut tx,
                station,
                "保存参建单位",
                &c.suid,
                &format!("{}，队列 #{item}", c.company_name),
            )?;
            tx.commit()?;
            Ok(item)
        })
    }

    fn remove_company(&mut self, removal: &Validated<CompanyRemoval>) -> Result<ItemId> {
        let (suid, company_name) = (removal.suid.as_str(), removal.company_name.as_str());
        let now = timestamp(Utc::now());
        let station = self.station.as_str();
        // Not entered here (added on the platform's web site): remembered for the queue.
        let unknown = serde_json::to_string(&Company {
            suid: suid.into(),
            company_name: company_name.into(),
            ..Default::default()
        })
        .map_err(corrupt)?;
        self.with(|c| {
            let mut tx = c.transaction()?;
            tx.execute(
                "INSERT INTO companies (suid, company_name, data, sync_state, removed, updated_at)
                 VALUES ($1, $2, $3, 'pending', 1, $4)
                 ON CONFLICT (suid) DO UPDATE SET removed = 1, sync_state = 'pending', sync_message = '',
                   updated_at = excluded.updated_at",
                &[&suid, &company_name, &unknown, &now],
            )?;
            let item = enqueue_in(
                &mut tx,
                ItemKind::RemoveCompany,
                suid,
                &format!("移除单位 {company_name}"),
            )?;
            audit_in(
                &mut tx,
                station,
                "移除参建单位",
                suid,
                &format!("{company_name}，队列 #{item}"),
            )?;
            tx.commit()?;
            Ok(item)
        })
    }

    fn mark_company_sent(&mut self, item_id: ItemId, suid: &str, removed: bool) -> Result<()> {
        let station = self.station.as_str();
        self.with(|c| {
            let mut tx = c.transaction()?;
            if removed {
                tx.execute("DELETE FROM companies WHERE suid = $1 AND removed = 1", &[&suid])?;
            } else {
                tx.execute(
                    "UPDATE companies SET sync_state = 'sent', sync_message = '' WHERE suid = $1",
                    &[&suid],
                )?;
                // Workers and companies refused (47) because this company was not on the
                // project yet go back to the queue by themselves.
                let mut waiting = ids_where(
                    &mut tx,
                    "SELECT o.id FROM outbox o JOIN workers w ON o.kind = 'register' AND o.record_key = w.id_code
                     WHERE w.emp_company = (SELECT company_name FROM companies WHERE suid = $1)",
                    suid,
                )?;
                waiting.extend(ids_where(
                    &mut tx,
                    "SELECT o.id FROM outbox o JOIN companies c ON o.kind = 'add_company' AND o.record_key = c.suid
                     WHERE c.data::json->>'suid_superior' = $1",
                    suid,
                )?);
                requeue_dependents_in(&mut tx, station, &waiting)?;
            }
            finish_item(&mut tx, item_id)?;
            audit_in(
                &mut tx,
                station,
                if removed { "单位已移除" } else { "单位已上传" },
                suid,
                "",
            )?;
            tx.commit()?;
            Ok(())
        })
    }
}
