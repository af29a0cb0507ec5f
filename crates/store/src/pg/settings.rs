//! The project's settings and the audit trail on the site database: as `crate::settings`.
//! The settings are the site's (one project, one platform account); each audit line names
//! the station that wrote it.

use std::collections::BTreeMap;

use protocol::Endpoint;

use super::{PgStore, audit_in};
use crate::seams::prelude::*;
use crate::{Result, version_key};

impl SettingsReads for PgStore {
    fn setting(&self, key: &str) -> Result<Option<String>> {
        self.with(|c| {
            Ok(c.query_opt("SELECT value FROM settings WHERE key = $1", &[&key])?
                .map(|r| r.get(0)))
        })
    }

    fn learnt_versions(&self, environment: &str) -> Result<BTreeMap<Endpoint, String>> {
        let mut taken = BTreeMap::new();
        for endpoint in Endpoint::ALL {
            if let Some(v) = self.setting(&version_key(environment, endpoint))? {
                taken.insert(endpoint, v);
            }
        }
        Ok(taken)
    }
}

impl SettingsWrites for PgStore {
    /// An unchanged value is not written: a write of no rows would still announce a change to
    /// every station (statement triggers), and the sender sets the same values on every pass.
    fn set_setting(&self, key: &str, value: Option<&str>) -> Result<()> {
        self.with(|c| super::outbox::set_setting_in(c, key, value))
    }

    fn remember_version(&self, environment: &str, endpoint: Endpoint, version: &str) -> Result<()> {
        self.set_setting(&version_key(environment, endpoint), Some(version))?;
        self.audit(
            "接口版本",
            endpoint.name(),
            &format!("{environment}环境的平台接受 api_version {version}，以后按此发送"),
        )
    }
}

impl AuditReads for PgStore {
    fn audit_trail(&self, limit: usize) -> Result<Vec<(String, String, String, String)>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT at, action, record, detail FROM audit ORDER BY id DESC LIMIT $1",
                &[&(limit as i64)],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect())
        })
    }

    fn success_counts(&self, environment: &str) -> Result<Vec<(String, u64)>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT endpoint, count FROM endpoint_successes WHERE environment = $1",
                &[&environment],
            )?
            .iter()
            .map(|r| (r.get(0), r.get::<_, i64>(1) as u64))
            .collect())
        })
    }
}

impl AuditWrites for PgStore {
    fn audit(&self, action: &str, record: &str, detail: &str) -> Result<()> {
        self.with(|c| audit_in(c, &self.station, action, record, detail))
    }

    fn count_success(&self, environment: &str, endpoint: &str) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO endpoint_successes (environment, endpoint, count) VALUES ($1, $2, 1)
                 ON CONFLICT (environment, endpoint) DO UPDATE SET count = endpoint_successes.count + 1",
                &[&environment, &endpoint],
            )?;
            Ok(())
        })
    }
}
