//! The site database: several stations of one site on one PostgreSQL server (issue 23). It
//! keeps what the SQLite store keeps, behind the same seams (`crate::seams`), so the use
//! cases, the sender and the screens do not know which one they hold. What several stations
//! add lives here: the queue's claims with a lease (see `outbox`), who saved a record, and a
//! notification on every change (see [`schema::CHANGES_CHANNEL`] and [`Changes`]).
//!
//! One connection per `PgStore`, as one `Connection` per SQLite `Store`: the station, its
//! sender and a command each open their own. A connection the network cut is opened again at
//! the next call; the call that found it cut fails with words the clerk can act on.

mod attendance;
mod blacklist;
mod bulk;
mod companies;
mod connect;
mod dictionaries;
mod drafts;
mod faces;
mod maintenance;
pub mod migrate;
mod outbox;
pub(crate) mod rows;
pub mod schema;
mod settings;
mod workers;

use std::cell::RefCell;

use postgres::Client;

pub use connect::{Changes, SiteDatabase};
pub use outbox::{LEASE_SECS, lease_secs_for};

use crate::{Result, StoreError};

pub struct PgStore {
    client: RefCell<Client>,
    site: SiteDatabase,
    /// Who this station is (its name and Device_ID), written beside what it saves and claims.
    station: String,
    /// How long a queue claim holds ([`outbox::LEASE_SECS`]; the tests shorten it).
    lease_secs: i64,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("site", &self.site.to_string())
            .field("station", &self.station)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects, then creates or migrates the schema. `station` names this station in the
    /// records it saves and the queue items it claims.
    pub fn open(site: &SiteDatabase, station: &str) -> Result<PgStore> {
        let mut client = site.connect_as(station)?;
        migrate(&mut client)?;
        Ok(PgStore {
            client: RefCell::new(client),
            site: site.clone(),
            station: station.to_owned(),
            lease_secs: outbox::LEASE_SECS,
        })
    }

    pub fn site(&self) -> &SiteDatabase {
        &self.site
    }

    pub fn station(&self) -> &str {
        &self.station
    }

    /// Runs `f` on the connection, opening it again first when the network cut it. Never
    /// called from inside another `with` (the connection is borrowed for the call).
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        let mut client = self.client.try_borrow_mut().map_err(|_| {
            StoreError::Corrupt("工地数据库的连接被同时使用（程序错误）：请重启程序并告诉技术支持".into())
        })?;
        if client.is_closed() {
            *client = self.site.connect_as(&self.station)?;
        }
        f(&mut client)
    }
}

/// The site database as a station's backend.
pub(crate) fn open_backend(site: &SiteDatabase, station: &str, lease_secs: i64) -> Result<Box<dyn crate::Backend>> {
    let mut store = PgStore::open(site, station)?;
    store.lease_secs = lease_secs;
    Ok(Box::new(store))
}

/// The site database for looking only.
pub(crate) fn open_reader(site: &SiteDatabase, station: &str) -> Result<Box<dyn crate::StoreReads + Send>> {
    Ok(Box::new(PgStore::open(site, station)?))
}

/// One line of the audit trail, in the caller's transaction, naming the station that did it.
pub(crate) fn audit_in(
    c: &mut impl postgres::GenericClient,
    station: &str,
    action: &str,
    record: &str,
    detail: &str,
) -> Result<()> {
    c.execute(
        "INSERT INTO audit (at, action, record, detail, station) VALUES ($1, $2, $3, $4, $5)",
        &[
            &crate::timestamp(chrono::Utc::now()),
            &action,
            &record,
            &detail,
            &station,
        ],
    )?;
    Ok(())
}

/// Applies what this database lacks, each migration in its own transaction under the
/// advisory lock, so two stations started together neither race nor apply one twice.
fn migrate(client: &mut Client) -> Result<()> {
    client.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
    let supported = schema::MIGRATIONS.len() as i64;
    loop {
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&schema::MIGRATION_LOCK])?;
        let version: i64 = tx
            .query_opt("SELECT version FROM schema_version", &[])?
            .map(|r| r.get(0))
            .unwrap_or(0);
        if version > supported {
            return Err(StoreError::TooNew {
                found: version,
                supported,
            });
        }
        if version == supported {
            return Ok(());
        }
        tx.batch_execute(schema::MIGRATIONS[version as usize])?;
        if version == 0 {
            tx.execute("INSERT INTO schema_version (version) VALUES (1)", &[])?;
        } else {
            tx.execute("UPDATE schema_version SET version = $1", &[&(version + 1)])?;
        }
        tx.commit()?;
    }
}

/// The clerk's words for a failure of the site database: whether it could not be reached
/// (the network, the server) or refused what was asked (a password, a permission).
pub(crate) fn words(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        return match code {
            "28P01" | "28000" => format!(
                "工地数据库拒绝登录（{}）：请在“设置 → 数据存放”里检查用户名和密码",
                db.message()
            ),
            "3D000" => format!("工地数据库里没有这个数据库（{}）：请检查数据库名", db.message()),
            "42501" => format!(
                "工地数据库不允许这个用户这样做（{}）：请让管理员按说明书给用户授权",
                db.message()
            ),
            "53100" => "工地数据库服务器的磁盘满了：请让管理员腾出空间。已填写的内容不会丢".into(),
            c if c.starts_with("57P") || c.starts_with("08") => unreachable_words(&db.to_string()),
            _ => format!("工地数据库出错：{}（{}）", db.message(), code),
        };
    }
    unreachable_words(&e.to_string())
}

fn unreachable_words(detail: &str) -> String {
    format!(
        "连不上工地数据库（{detail}）：请检查数据库服务器是否开着、这台电脑的网络是否通。已填写的内容不会丢，数据库恢复后再保存"
    )
}

/// Is this the site database being out of reach (the network, a stopped server), as opposed
/// to a refusal? The status bar says so, and the screens keep what was typed.
pub fn is_unreachable(e: &postgres::Error) -> bool {
    match e.as_db_error() {
        Some(db) => {
            let code = db.code().code();
            code.starts_with("57P") || code.starts_with("08")
        }
        None => true,
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use host::pg_server::PgServer;

    #[test]
    fn creates_the_schema_once_and_reopens() {
        let address = PgServer::shared().fresh_database("schema");
        let site = SiteDatabase::parse(&address).expect("address");
        let store = PgStore::open(&site, "测试站").expect("open");
        let version: i64 = store
            .with(|c| Ok(c.query_one("SELECT version FROM schema_version", &[])?.get(0)))
            .expect("version");
        assert_eq!(version, schema::MIGRATIONS.len() as i64);
        drop(store);
        let again = PgStore::open(&site, "测试站").expect("reopen");
        let rows: i64 = again
            .with(|c| Ok(c.query_one("SELECT count(*) FROM schema_version", &[])?.get(0)))
            .expect("count");
        assert_eq!(rows, 1);
    }

    #[test]
    fn says_the_server_cannot_be_reached() {
        let site = SiteDatabase::parse("postgres://cwr@127.0.0.1:1/site?sslmode=disable").expect("address");
        let e = PgStore::open(&site, "测试站").expect_err("nobody listens on port 1");
        assert!(e.to_string().contains("连不上工地数据库"), "{e}");
        assert!(matches!(&e, StoreError::Postgres(p) if is_unreachable(p)));
    }

    #[test]
    fn an_address_without_a_database_is_refused_with_what_is_missing() {
        let e = SiteDatabase::parse("postgres://cwr@10.0.0.5").expect_err("no database");
        assert!(e.to_string().contains("数据库名"), "{e}");
        let site = SiteDatabase::parse("postgres://cwr:s3cret@10.0.0.5:5433/site").expect("ok");
        assert!(!site.to_string().contains("s3cret"), "the password is never shown");
        assert_eq!(site.address(), "postgres://cwr@10.0.0.5:5433/site");
    }
}
