//! A station sends only what it claimed: an item another station took between reading the
//! queue and claiming it is left to that station, silently. Played on SQLite with a trigger
//! that refuses the claim of the items labelled "elsewhere", as a site database's live claim
//! by another station does.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;

use super::{DrainReport, SendSettings, Sender};
use crate::retry::Backoff;
use api::{Credentials, PlatformClient, PlatformClock, ProtocolTable, Secret, Timeouts};
use domain::ItemState;
use store::prelude::*;
use store::{ItemId, Store};

/// A platform that answers every call `48` (已存在), counting the calls: an attendance batch
/// so answered is taken apart, each log sent alone.
fn platform_answering_48() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    std::thread::spawn(move || {
        // Bounded: the tests make a handful of calls; a runaway sender fails the count instead.
        for stream in listener.incoming().take(20) {
            let Ok(mut stream) = stream else { continue };
            if read_request(&mut stream).is_none() {
                continue;
            }
            counted.fetch_add(1, Ordering::SeqCst);
            let body = r#"{"result":"false","code":"48","message":"数据已存在"}"#;
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (address, calls)
}

/// The whole request (headers and a body of its Content-Length), so the answer is not cut.
fn read_request(stream: &mut TcpStream) -> Option<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut seen = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        seen.extend_from_slice(&buf[..n]);
        let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if seen.len() >= end + 4 + length {
            return Some(());
        }
    }
}

struct Station {
    _dir: tempfile::TempDir,
    store: Store,
    raw: rusqlite::Connection,
    client: PlatformClient,
    settings: SendSettings,
}

impl Station {
    fn new() -> Station {
        Station::against("http://127.0.0.1:1")
    }

    fn against(base_url: &str) -> Station {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open_in(dir.path()).expect("store");
        let raw = rusqlite::Connection::open(dir.path().join(store::DB_FILE)).expect("raw");
        raw.execute_batch(
            "CREATE TRIGGER other_station BEFORE UPDATE OF state ON outbox
             WHEN NEW.state = 'sending' AND OLD.label LIKE '%elsewhere%'
             BEGIN SELECT RAISE(IGNORE); END;",
        )
        .expect("trigger");
        // Nobody listens on port 1: a log that is sent there fails at once.
        let client = PlatformClient::new(
            Credentials {
                base_url: base_url.into(),
                api_key: "K".into(),
                api_secret: Secret::new("S"),
                client_serial: "PL1".into(),
            },
            ProtocolTable::default(),
            Arc::new(PlatformClock::new(protocol::clock::system_time())),
            Timeouts {
                connect_secs: 1,
                call_secs: 5,
            },
        )
        .expect("client");
        let settings = SendSettings {
            device_id: "GATE-1".into(),
            backoff: Backoff::default(),
            ..SendSettings::for_client(&client, "P1", "测试")
        };
        Station {
            _dir: dir,
            store,
            raw,
            client,
            settings,
        }
    }

    fn queue(&self, kind: &str, key: &str, label: &str) -> ItemId {
        let now = store::timestamp(Utc::now());
        self.raw
            .execute(
                "INSERT INTO outbox (kind, record_key, label, state, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 'waiting', ?4, ?4)",
                rusqlite::params![kind, key, label, now],
            )
            .expect("item");
        ItemId::new(self.raw.last_insert_rowid())
    }

    /// A visitor's log, recognised by the clerk, with its site photo.
    fn pass(&self, label: &str) -> ItemId {
        let id = self.queue("attendance", "", label);
        let now = store::timestamp(Utc::now());
        self.raw
            .execute(
                "INSERT INTO attendance_logs (person_id, person_name, passed_time, direction, way, site_photo,
                   outbox_id, created_at, person_type, id_code, company, identified_by)
                 VALUES ('V1', '访客', ?1, 'in', '1', x'FFD8FFD9', ?2, ?1, '0', 'V1', '', 'clerk')",
                rusqlite::params![now, id.get()],
            )
            .expect("log");
        id
    }

    fn drain(&mut self) -> DrainReport {
        Sender::new(&mut self.store, &self.client, &self.settings)
            .drain()
            .expect("a claim lost is no error")
    }
}

#[test]
fn an_item_another_station_claimed_is_skipped_not_attempted() {
    let mut station = Station::new();
    let theirs = station.queue("register", "440305199203150027", "登记 elsewhere");
    let report = station.drain();
    assert_eq!(report.attempted, 0, "{report:?}");
    assert_eq!((report.sent, report.retry, report.needs_fix), (0, 0, 0));
    let item = station.store.outbox_item(theirs).expect("item");
    assert_eq!((item.state, item.attempts), (ItemState::Waiting, 0));
    assert_eq!(station.store.breaker().expect("breaker"), None, "nothing was sent");

    // One of its own beside it is sent (and found to have no record here).
    let ours = station.queue("register", "440305199203150035", "登记 本站");
    let report = station.drain();
    assert_eq!((report.attempted, report.needs_fix), (1, 1), "{report:?}");
    assert_eq!(
        station.store.outbox_item(ours).expect("item").state,
        ItemState::NeedsFix
    );
    assert_eq!(station.store.outbox_item(theirs).expect("item").attempts, 0);
}

#[test]
fn a_log_another_station_claimed_leaves_the_batch_unsent_by_this_one() {
    let mut station = Station::new();
    let theirs = station.pass("考勤 elsewhere");
    let ours = station.pass("考勤 本站");
    let report = station.drain();
    // Only ours went out (to a closed port): attempted, rescheduled, the network wait opened.
    assert_eq!((report.attempted, report.retry, report.sent), (1, 1, 0), "{report:?}");
    assert!(report.waiting_until.is_some());
    let item = station.store.outbox_item(ours).expect("item");
    assert_eq!((item.state, item.attempts), (ItemState::Retry, 1));
    let item = station.store.outbox_item(theirs).expect("item");
    assert_eq!((item.state, item.attempts), (ItemState::Waiting, 0));
}

#[test]
fn a_batch_taken_apart_claims_each_log_again_and_leaves_one_taken_meanwhile() {
    let (address, calls) = platform_answering_48();
    let mut station = Station::against(&address);
    // This one is taken by another station while the batch is taken apart (its lease ran
    // out): the claim again, before it goes alone, is refused.
    station
        .raw
        .execute_batch(
            "DROP TRIGGER other_station;
             CREATE TRIGGER other_station BEFORE UPDATE OF state ON outbox
             WHEN NEW.state = 'sending' AND OLD.state = 'sending' AND OLD.label LIKE '%elsewhere%'
             BEGIN SELECT RAISE(IGNORE); END;",
        )
        .expect("trigger");
    let ours = station.pass("考勤 本站");
    let theirs = station.pass("考勤 elsewhere");
    let report = station.drain();
    assert_eq!(calls.load(Ordering::SeqCst), 2, "the batch, then ours alone");
    assert_eq!((report.attempted, report.sent), (1, 1), "{report:?}");
    let item = station.store.outbox_item(ours).expect("item");
    assert_eq!((item.state, item.attempts), (ItemState::Sent, 2), "claimed twice, sent");
    let item = station.store.outbox_item(theirs).expect("item");
    assert_eq!(
        (item.state, item.attempts),
        (ItemState::Sending, 1),
        "left to the other station"
    );
}
