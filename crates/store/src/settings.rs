//! The project's settings and the audit trail.

use super::*;

impl SettingsReads for Store {
    fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    fn learnt_versions(&self, environment: &str) -> Result<std::collections::BTreeMap<protocol::Endpoint, String>> {
        let mut taken = std::collections::BTreeMap::new();
        for endpoint in protocol::Endpoint::ALL {
            if let Some(v) = self.setting(&version_key(environment, endpoint))? {
                taken.insert(endpoint, v);
            }
        }
        Ok(taken)
    }
}

impl SettingsWrites for Store {
    fn set_setting(&self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => self.conn.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, v],
            )?,
            None => self.conn.execute("DELETE FROM settings WHERE key = ?1", [key])?,
        };
        Ok(())
    }

    fn remember_version(&self, environment: &str, endpoint: protocol::Endpoint, version: &str) -> Result<()> {
        self.set_setting(&version_key(environment, endpoint), Some(version))?;
        self.audit(
            "接口版本",
            endpoint.name(),
            &format!("{environment}环境的平台接受 api_version {version}，以后按此发送"),
        )
    }
}

impl AuditReads for Store {
    fn audit_trail(&self, limit: usize) -> Result<Vec<(String, String, String, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT at, action, record, detail FROM audit ORDER BY id DESC LIMIT ?1")?;
        let rows = stmt.query_map([limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn success_counts(&self, environment: &str) -> Result<Vec<(String, u64)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT endpoint, count FROM endpoint_successes WHERE environment = ?1")?;
        let rows = stmt.query_map([environment], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

impl AuditWrites for Store {
    fn audit(&self, action: &str, record: &str, detail: &str) -> Result<()> {
        audit_in(&self.conn, action, record, detail)
    }

    fn count_success(&self, environment: &str, endpoint: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO endpoint_successes (environment, endpoint, count) VALUES (?1, ?2, 1)
             ON CONFLICT (environment, endpoint) DO UPDATE SET count = count + 1",
            params![environment, endpoint],
        )?;
        Ok(())
    }
}
