//! Where the site database is and how a station reaches it: a `postgres://` address (or the
//! fields of 设置 → 数据存放), TLS when the server offers it, short timeouts so a cut network
//! is said in seconds, and a second connection that only listens for changes.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use postgres::config::{Host, SslMode};
use postgres::{Client, Config};

use crate::{Result, StoreError};

/// Seconds to wait for the server before saying it cannot be reached: the site network is
/// a LAN, where a live server answers at once.
pub const CONNECT_SECS: u64 = 5;

/// A site database: the server, the database and the user, and the password when one was
/// given (from the keyring, or inside the address typed on the command line).
#[derive(Clone)]
pub struct SiteDatabase {
    config: Config,
}

impl SiteDatabase {
    /// From `postgres://user[:password]@host[:port]/database[?sslmode=…]` (or libpq's
    /// `host=… user=…` form). The address must name a host, a database and a user.
    pub fn parse(address: &str) -> Result<SiteDatabase> {
        let config = Config::from_str(address.trim()).map_err(|e| {
            StoreError::Corrupt(format!(
                "工地数据库的地址写得不对（{e}）：应该像 postgres://用户名@服务器:5432/数据库名"
            ))
        })?;
        let site = SiteDatabase { config };
        let missing = [
            (site.host().is_empty(), "服务器"),
            (site.database().is_empty(), "数据库名"),
            (site.user().is_empty(), "用户名"),
        ];
        if let Some((_, what)) = missing.iter().find(|(m, _)| *m) {
            return Err(StoreError::Corrupt(format!(
                "工地数据库的地址缺少{what}：应该像 postgres://用户名@服务器:5432/数据库名"
            )));
        }
        Ok(site)
    }

    /// From the fields of 设置 → 数据存放.
    pub fn from_fields(host: &str, port: u16, database: &str, user: &str) -> Result<SiteDatabase> {
        let mut config = Config::new();
        config
            .host(host.trim())
            .port(port)
            .dbname(database.trim())
            .user(user.trim());
        let site = SiteDatabase { config };
        if site.host().is_empty() || site.database().is_empty() || site.user().is_empty() {
            return Err(StoreError::Corrupt(
                "工地数据库要填服务器、数据库名和用户名：请补全后再试".into(),
            ));
        }
        Ok(site)
    }

    /// The same database with this password (kept in the keyring, not in the address).
    pub fn with_password(mut self, password: &str) -> SiteDatabase {
        if !password.is_empty() {
            self.config.password(password);
        }
        self
    }

    /// The password given with the address, if any (for this run only: never saved).
    pub fn password(&self) -> Option<&str> {
        self.config.get_password().and_then(|p| std::str::from_utf8(p).ok())
    }

    pub fn host(&self) -> String {
        match self.config.get_hosts().first() {
            Some(Host::Tcp(h)) => h.clone(),
            #[cfg(unix)]
            Some(Host::Unix(p)) => p.display().to_string(),
            None => String::new(),
        }
    }

    pub fn port(&self) -> u16 {
        self.config.get_ports().first().copied().unwrap_or(5432)
    }

    pub fn database(&self) -> String {
        self.config.get_dbname().unwrap_or_default().to_owned()
    }

    pub fn user(&self) -> String {
        self.config.get_user().unwrap_or_default().to_owned()
    }

    /// The address without the password: what is saved in the station's settings and shown.
    pub fn address(&self) -> String {
        let mut a = format!(
            "postgres://{}@{}:{}/{}",
            self.user(),
            self.host(),
            self.port(),
            self.database()
        );
        match self.config.get_ssl_mode() {
            SslMode::Disable => a.push_str("?sslmode=disable"),
            SslMode::Require => a.push_str("?sslmode=require"),
            _ => {}
        }
        a
    }

    /// A new connection. TLS when the server offers it (`sslmode=prefer`, the default),
    /// checked against this PC's trusted certificates; `sslmode=require` refuses a server
    /// without it.
    pub fn connect(&self) -> Result<Client> {
        let mut config = self.config.clone();
        config
            .connect_timeout(Duration::from_secs(CONNECT_SECS))
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30))
            .application_name("cwr-station");
        Ok(config.connect(tls()?)?)
    }

    /// A connection of station `station`: what it changes is announced under its name (see
    /// the schema's v2), so its own window can tell its changes from the others'.
    pub fn connect_as(&self, station: &str) -> Result<Client> {
        let mut client = self.connect()?;
        client.execute("SELECT set_config('cwr.station', $1, false)", &[&station])?;
        Ok(client)
    }
}

fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| StoreError::Corrupt(format!("这台电脑的证书设置不能用（{e}）")))?
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

impl std::fmt::Display for SiteDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.address())
    }
}

impl std::fmt::Debug for SiteDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SiteDatabase({})", self.address())
    }
}

/// A connection that only listens: what changed on the site (a table's name per change),
/// for the window to re-read its screens within a second or two of another station's save.
pub struct Changes {
    client: Client,
    /// The station whose own changes are not reported.
    skip: Option<String>,
}

impl Changes {
    pub fn listen(site: &SiteDatabase) -> Result<Changes> {
        let mut client = site.connect()?;
        client.batch_execute(&format!("LISTEN {}", super::schema::CHANGES_CHANNEL))?;
        Ok(Changes { client, skip: None })
    }

    /// The changes the other stations make, not those of `station` (a window re-reads its
    /// own station's changes without being told).
    pub fn listen_to_others(site: &SiteDatabase, station: &str) -> Result<Changes> {
        let mut changes = Changes::listen(site)?;
        changes.skip = Some(station.to_owned());
        Ok(changes)
    }

    /// The tables changed since the last call, waiting up to `timeout` for the first one;
    /// empty when nothing changed. An error means the connection is gone: listen again.
    pub fn wait(&mut self, timeout: Duration) -> Result<Vec<String>> {
        use postgres::fallible_iterator::FallibleIterator;
        let mut tables = Vec::new();
        let mut notifications = self.client.notifications();
        let skip = self.skip.as_deref();
        // "table station" (schema v2); a bare table name from a v1 trigger is nobody's.
        let mut take = |payload: &str| {
            let (table, by) = payload.split_once(' ').unwrap_or((payload, ""));
            if skip != Some(by) {
                tables.push(table.to_owned());
            }
        };
        if let Some(n) = notifications.timeout_iter(timeout).next()? {
            take(n.payload());
        }
        // What else arrived with it, without waiting again.
        let mut rest = notifications.iter();
        while let Some(n) = rest.next()? {
            take(n.payload());
        }
        tables.sort();
        tables.dedup();
        Ok(tables)
    }
}
