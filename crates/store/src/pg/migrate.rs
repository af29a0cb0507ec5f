//! `cwr-station store migrate --to postgres://…`: a one-PC station's SQLite records, queue
//! included, copied into the site database, so the station can switch to it without losing or
//! resending anything.
//!
//! - One transaction: a copy cut off (the network, a kill) leaves nothing half-copied.
//! - Safe to run twice: each source store has an id of its own (the setting `store_uid`); a
//!   copy done is marked in the site's settings, and a second run copies nothing and checks.
//! - A record the site already has (another station enrolled that worker, the same company) is
//!   kept as the site has it and counted apart, never overwritten.
//! - Queue items get new ids on the site; each remembers where it came from (`migrated_from`),
//!   and the departures and logs that point at them follow. An item cut off mid-send on this PC
//!   goes as "waiting, may have reached the platform", as a restart would have made it.
//! - The counts are checked before the commit: every source row must be on the site.

use std::collections::HashMap;

use postgres::types::{ToSql, Type};
use rusqlite::types::Value;
use serde::Serialize;

use super::PgStore;
use crate::seams::prelude::*;
use crate::{Result, Store, StoreError};

/// Settings that belong to one station, not to the site.
const STATION_ONLY_SETTINGS: &[&str] = &[
    "enroll_draft",
    "enroll_draft_photos",
    "last_backup_at",
    "last_auto_backup_at",
    "last_prune_at",
    STORE_UID_KEY,
];

const STORE_UID_KEY: &str = "store_uid";

/// Tables keyed by something both stores share, copied row for row (`ON CONFLICT DO NOTHING`),
/// with the key that tells whether the site has a row.
const KEYED_TABLES: &[(&str, &str)] = &[
    ("settings", "key"),
    ("dictionary_entries", "kind || '|' || orders"),
    ("dictionary_fetches", "kind"),
    ("companies", "suid"),
    ("workers", "id_code"),
    ("worker_photos", "id_code || '|' || kind"),
    ("worker_thumbnails", "id_code"),
    ("face_descriptors", "id_code"),
    ("blacklist", "id_code"),
    ("worker_drafts", "id_code"),
    ("endpoint_successes", "environment || '|' || endpoint"),
];

/// What one table's copy did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TableCopy {
    pub table: String,
    /// Rows in this PC's store.
    pub source: u64,
    /// Rows this run wrote to the site.
    pub copied: u64,
    /// Rows the site already had (kept as the site has them).
    pub already_there: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MigrationReport {
    /// This PC's store, as its id.
    pub source_uid: String,
    /// An earlier run copied this store already: nothing was written this time.
    pub earlier_copy: bool,
    pub tables: Vec<TableCopy>,
}

impl MigrationReport {
    pub fn copied(&self) -> u64 {
        self.tables.iter().map(|t| t.copied).sum()
    }
}

/// This store's own id (made once): what the site remembers a copy by.
fn source_uid(source: &Store) -> Result<String> {
    if let Some(uid) = source.setting(STORE_UID_KEY)? {
        return Ok(uid);
    }
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    let uid = format!("{:016x}", h.finish());
    source.set_setting(STORE_UID_KEY, Some(&uid))?;
    Ok(uid)
}

/// One SQLite value as the site's column takes it.
#[derive(Debug)]
enum Cell {
    Int(Option<i64>),
    Float(Option<f64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
}

impl Cell {
    fn of(value: Value, ty: &Type) -> Result<Cell> {
        let wrong =
            |v: &Value| StoreError::Corrupt(format!("本机数据库里有一个值（{v:?}）不能放进工地数据库的 {ty} 列"));
        Ok(match *ty {
            Type::INT8 | Type::INT4 => Cell::Int(match value {
                Value::Null => None,
                Value::Integer(i) => Some(i),
                Value::Real(f) => Some(f as i64),
                Value::Text(ref t) => Some(t.trim().parse().map_err(|_| wrong(&value))?),
                ref v => return Err(wrong(v)),
            }),
            Type::FLOAT8 => Cell::Float(match value {
                Value::Null => None,
                Value::Integer(i) => Some(i as f64),
                Value::Real(f) => Some(f),
                ref v => return Err(wrong(v)),
            }),
            Type::BYTEA => Cell::Bytes(match value {
                Value::Null => None,
                Value::Blob(b) => Some(b),
                Value::Text(t) => Some(t.into_bytes()),
                ref v => return Err(wrong(v)),
            }),
            _ => Cell::Text(match value {
                Value::Null => None,
                Value::Text(t) => Some(t),
                Value::Integer(i) => Some(i.to_string()),
                Value::Real(f) => Some(f.to_string()),
                Value::Blob(b) => Some(String::from_utf8_lossy(&b).into_owned()),
            }),
        })
    }

    fn as_param(&self) -> &(dyn ToSql + Sync) {
        match self {
            Cell::Int(v) => v,
            Cell::Float(v) => v,
            Cell::Text(v) => v,
            Cell::Bytes(v) => v,
        }
    }
}

/// A source table's rows, as (column names, values).
fn read_table(source: &Store, table: &str, skip: &[&str]) -> Result<(Vec<String>, Vec<Vec<Value>>)> {
    let conn = &source.conn;
    let mut stmt = conn.prepare(&format!("SELECT * FROM {table}"))?;
    let names: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let keep: Vec<usize> = (0..names.len())
        .filter(|i| !skip.contains(&names[*i].as_str()))
        .collect();
    let rows = stmt.query_map([], |r| {
        keep.iter()
            .map(|i| r.get::<_, Value>(*i))
            .collect::<rusqlite::Result<Vec<_>>>()
    })?;
    let rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((keep.iter().map(|i| names[*i].clone()).collect(), rows))
}

/// Inserts `rows` into `table` (the site's column types decide each value's), returning the
/// new rows' `returning` column when asked. `extra` are columns with one value for every row.
fn insert_rows(
    tx: &mut postgres::Transaction<'_>,
    table: &str,
    columns: &[String],
    rows: Vec<Vec<Value>>,
    on_conflict: &str,
    returning: Option<&str>,
) -> Result<(u64, Vec<Option<i64>>)> {
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({}) {on_conflict}{}",
        columns.join(", "),
        placeholders.join(", "),
        returning.map(|c| format!(" RETURNING {c}")).unwrap_or_default()
    );
    let stmt = tx.prepare(&sql)?;
    let types = stmt.params().to_vec();
    let mut written = 0;
    let mut returned = Vec::with_capacity(rows.len());
    for row in rows {
        let cells = row
            .into_iter()
            .zip(&types)
            .map(|(v, ty)| Cell::of(v, ty))
            .collect::<Result<Vec<_>>>()?;
        let params: Vec<&(dyn ToSql + Sync)> = cells.iter().map(Cell::as_param).collect();
        if returning.is_some() {
            let got = tx.query_opt(&stmt, &params)?;
            written += u64::from(got.is_some());
            returned.push(got.map(|r| r.get::<_, i64>(0)));
        } else {
            written += tx.execute(&stmt, &params)?;
        }
    }
    Ok((written, returned))
}

/// Copies `source` (this PC's store) into `site`. See the module's notes.
pub fn copy_station(source: &Store, site: &PgStore) -> Result<MigrationReport> {
    let uid = source_uid(source)?;
    let marker = format!("migrated.{uid}");
    let station = site.station().to_owned();
    site.with(|client| {
        let mut tx = client.transaction()?;
        // Two copies of the same store at once would both find no marker.
        tx.execute("SELECT pg_advisory_xact_lock(hashtext($1)::bigint)", &[&marker])?;
        let earlier = tx
            .query_opt("SELECT value FROM settings WHERE key = $1", &[&marker])?
            .is_some();
        let mut report = MigrationReport {
            source_uid: uid.clone(),
            earlier_copy: earlier,
            tables: Vec::new(),
        };
        for (table, key) in KEYED_TABLES {
            let (mut columns, mut rows) = read_table(source, table, &[])?;
            if *table == "settings" {
                rows.retain(|r| !matches!(&r[0], Value::Text(k) if STATION_ONLY_SETTINGS.contains(&k.as_str())));
            }
            let source_keys: Vec<String> = {
                let key_sql = format!("SELECT {key} FROM {table}");
                let conn = &source.conn;
                let mut stmt = conn.prepare(&key_sql)?;
                let keys = stmt.query_map([], |r| r.get::<_, String>(0))?;
                let mut keys = keys.collect::<rusqlite::Result<Vec<_>>>()?;
                if *table == "settings" {
                    keys.retain(|k| !STATION_ONLY_SETTINGS.contains(&k.as_str()));
                }
                keys
            };
            let n = rows.len() as u64;
            let mut copied = 0;
            if !earlier {
                if *table == "workers" {
                    // Who saved them, on the site: this station.
                    columns.extend(["created_by".to_owned(), "saved_by".to_owned()]);
                    for r in &mut rows {
                        r.extend([Value::Text(station.clone()), Value::Text(station.clone())]);
                    }
                }
                copied = insert_rows(&mut tx, table, &columns, rows, "ON CONFLICT DO NOTHING", None)?.0;
            }
            let present: i64 = tx
                .query_one(
                    &format!("SELECT count(*) FROM {table} WHERE {key} = ANY($1)"),
                    &[&source_keys],
                )?
                .get(0);
            if present as u64 != n {
                return Err(StoreError::Corrupt(format!(
                    "复制后核对不符：{table} 本机 {n} 条，工地数据库里只找到 {present} 条。什么都没有保存，请重试"
                )));
            }
            report.tables.push(TableCopy {
                table: (*table).into(),
                source: n,
                copied,
                already_there: n - copied,
            });
        }
        // The queue: new ids on the site, each knowing where it came from.
        let (columns, rows) = read_table(source, "outbox", &[])?;
        let id_at = columns.iter().position(|c| c == "id").unwrap_or(0);
        let state_at = columns.iter().position(|c| c == "state");
        let maybe_at = columns.iter().position(|c| c == "maybe_delivered");
        let n = rows.len() as u64;
        let mut ids: HashMap<i64, i64> = HashMap::new();
        let mut copied = 0;
        let mut insert_columns: Vec<String> = columns.iter().filter(|c| *c != "id").cloned().collect();
        insert_columns.push("migrated_from".into());
        let mut source_ids = Vec::with_capacity(rows.len());
        let mut prepared = Vec::with_capacity(rows.len());
        for mut row in rows {
            let old = match row[id_at] {
                Value::Integer(i) => i,
                _ => return Err(StoreError::Corrupt("本机待上传队列里有一条没有编号".into())),
            };
            if let (Some(s), Some(m)) = (state_at, maybe_at)
                && matches!(&row[s], Value::Text(t) if t == "sending")
            {
                row[s] = Value::Text("waiting".into());
                row[m] = Value::Integer(1);
            }
            row.remove(id_at);
            row.push(Value::Text(format!("{uid}#{old}")));
            source_ids.push(old);
            prepared.push(row);
        }
        if !earlier {
            let (written, new_ids) = insert_rows(
                &mut tx,
                "outbox",
                &insert_columns,
                prepared,
                "ON CONFLICT (migrated_from) DO NOTHING",
                Some("id"),
            )?;
            copied = written;
            for (old, new) in source_ids.iter().zip(new_ids) {
                if let Some(new) = new {
                    ids.insert(*old, new);
                }
            }
        }
        for old in &source_ids {
            if !ids.contains_key(old) {
                let from = format!("{uid}#{old}");
                if let Some(r) = tx.query_opt("SELECT id FROM outbox WHERE migrated_from = $1", &[&from])? {
                    ids.insert(*old, r.get(0));
                }
            }
        }
        if ids.len() as u64 != n {
            return Err(StoreError::Corrupt(format!(
                "复制后核对不符：待上传队列本机 {n} 条，工地数据库里只找到 {} 条。什么都没有保存，请重试",
                ids.len()
            )));
        }
        report.tables.push(TableCopy {
            table: "outbox".into(),
            source: n,
            copied,
            already_there: n - copied,
        });
        // Rows that point at queue items follow their items' new ids.
        for table in ["departures", "attendance_logs"] {
            let (columns, rows) = read_table(source, table, &["id"])?;
            let at = columns.iter().position(|c| c == "outbox_id");
            let n = rows.len() as u64;
            let mut rows = rows;
            if let Some(at) = at {
                for r in &mut rows {
                    if let Value::Integer(old) = r[at] {
                        r[at] = ids.get(&old).map_or(Value::Null, |new| Value::Integer(*new));
                    }
                }
            }
            let copied = if earlier {
                0
            } else {
                insert_rows(&mut tx, table, &columns, rows, "", None)?.0
            };
            if !earlier && copied != n {
                return Err(StoreError::Corrupt(format!(
                    "复制后核对不符：{table} 本机 {n} 条，只写进 {copied} 条。什么都没有保存，请重试"
                )));
            }
            report.tables.push(TableCopy {
                table: table.into(),
                source: n,
                copied,
                already_there: n - copied,
            });
        }
        if !earlier {
            let (mut columns, mut rows) = read_table(source, "audit", &["id"])?;
            columns.push("station".into());
            for r in &mut rows {
                r.push(Value::Text(station.clone()));
            }
            let n = rows.len() as u64;
            let copied = insert_rows(&mut tx, "audit", &columns, rows, "", None)?.0;
            report.tables.push(TableCopy {
                table: "audit".into(),
                source: n,
                copied,
                already_there: 0,
            });
            let done = format!("{}（{}）", crate::timestamp(chrono::Utc::now()), station);
            tx.execute("INSERT INTO settings (key, value) VALUES ($1, $2)", &[&marker, &done])?;
            super::audit_in(
                &mut tx,
                &station,
                "迁入工地数据库",
                &uid,
                &format!("从本机数据库复制了 {} 条", report.copied()),
            )?;
        }
        tx.commit()?;
        // Tables filled in one go: until autovacuum gets to them, the planner would plan the
        // screens' reads for empty tables (seen: the roster read taking 7 s instead of 0.3 s
        // at 20,000 workers for the first minute after a copy).
        if !report.earlier_copy {
            client.batch_execute("ANALYZE")?;
        }
        Ok(report)
    })
}
