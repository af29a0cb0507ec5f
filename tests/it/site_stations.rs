//! Several stations on one site database (issue 23), against a real PostgreSQL server
//! (`host::pg_server`: Debian's package, started in a temporary directory) and the simulator:
//! two sender processes drain one queue while one of them is killed at random moments; the
//! same ID number enrolled on two stations at once; a blacklist entry on one station refusing
//! on the other; a change on one station seen on the other's change feed; and a station's
//! records copied into the site database (twice).

use crate::common;
use cwr_station::store::prelude::*;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use common::cli::*;
use common::*;
use cwr_station::api::clock;
use cwr_station::config::Config;
use cwr_station::domain::{ItemState, Worker};
use cwr_station::host::pg_server::PgServer;
use cwr_station::sim::{self, SimConfig};
use cwr_station::station::{Station, StationError};
use cwr_station::store::StoreError;

const ANJU: &str = "深圳市安居劳务分包有限公司";

/// A station of the site: its own data dir and name, the simulator's credentials, the records
/// in the site database at `address`.
fn site_config(base_url: &str, address: &str, name: &str) -> Config {
    let demo = SimConfig::demo();
    let mut config = Config {
        environment: cwr_station::config::Environment::Custom,
        base_url: base_url.into(),
        api_key: demo.api_key,
        client_serial: demo.client_serial,
        project_id: demo.project_id,
        device_id: format!("GATE-{name}"),
        ..Config::default()
    };
    config.store.station_name = name.into();
    config.use_store(address).expect("address");
    config
}

fn open(dir: &std::path::Path, config: &Config) -> Station {
    let clock = Arc::new(cwr_station::api::PlatformClock::new(clock::system_time()));
    Station::open(dir, config.clone(), clock).expect("station opens on the site database")
}

fn worker(seed: u32, name: &str) -> Worker {
    worker_request(&id_code(seed), name, ANJU).to_worker()
}

/// `outbox drain` in a station's data dir, pointed at the site database.
fn drain(dir: &std::path::Path, base_url: &str, address: &str, name: &str) -> std::process::Command {
    let mut cmd = station(dir, base_url);
    cmd.args(["--store", address, "outbox", "drain"])
        .env("CWR_DEVICE_ID", format!("GATE-{name}"));
    cmd
}

#[test]
fn two_senders_one_killed_at_random_send_every_record_once() {
    let address = PgServer::shared().fresh_database("two_senders");
    let sim = sim::start({
        let mut c = sim_config();
        // Long enough that a kill often lands while a call is in flight.
        c.faults.latency_ms = 15;
        c
    })
    .expect("sim");
    let dir = tempfile::tempdir().expect("tmp");
    let (dir_a, dir_b) = (dir.path().join("a"), dir.path().join("b"));
    let mut a = open(&dir_a, &site_config(&sim.base_url(), &address, "甲"));
    let mut b = open(&dir_b, &site_config(&sim.base_url(), &address, "乙"));
    for c in cwr_station::cli::demo_companies() {
        a.save_company(c).expect("company");
    }

    let stop = Arc::new(AtomicBool::new(false));
    let kills = Arc::new(AtomicU32::new(0));
    // Station 甲's sender is killed at random moments and started again; 乙's runs in a loop.
    let killer = {
        let (stop, kills) = (Arc::clone(&stop), Arc::clone(&kills));
        let (dir, url, address) = (dir_a.clone(), sim.base_url(), address.clone());
        std::thread::spawn(move || {
            let mut rng = fastrand::Rng::with_seed(23);
            while !stop.load(Ordering::SeqCst) {
                let mut child = drain(&dir, &url, &address, "甲")
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .expect("sender 甲");
                std::thread::sleep(Duration::from_millis(rng.u64(40..400)));
                if child.try_wait().expect("wait").is_none() {
                    let _ = child.kill();
                    kills.fetch_add(1, Ordering::SeqCst);
                }
                let _ = child.wait();
            }
        })
    };
    let steady = {
        let stop = Arc::clone(&stop);
        let (dir, url, address) = (dir_b.clone(), sim.base_url(), address.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let (code, text) = run(drain(&dir, &url, &address, "乙").stderr(std::process::Stdio::piped()));
                assert!(matches!(code, 0 | 1 | 3), "sender 乙 failed ({code}): {text}");
            }
        })
    };

    // 500 enrollments on the two stations, and 100 departures among them, interleaved.
    let mut enrolled = Vec::new();
    for i in 0..500u32 {
        let station = if i % 2 == 0 { &mut a } else { &mut b };
        let w = worker(60_000 + i, &format!("站点{i}"));
        station.enroll(w, test_photos()).expect("enrolled");
        enrolled.push(id_code(60_000 + i));
        if i % 5 == 4 && i >= 20 {
            let leaving = enrolled[(i / 5) as usize].clone();
            let station = if i % 2 == 0 { &mut b } else { &mut a };
            station.leave(&[leaving], None).expect("departure");
        }
    }
    // Let both senders work for a while longer, then stop the chaos.
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::SeqCst);
    killer.join().expect("killer");
    steady.join().expect("steady");

    // 甲 starts once more, as a clerk restarts the station: it takes back at once what its
    // killed sender left "sending" (marked may-have-reached-the-platform) and sends it; 乙 then
    // drains what is left. (Another station taking over a dead station's claim when its lease
    // runs out is the queue's own test, with a short lease.)
    let (code, text) = run(&mut drain(&dir_a, &sim.base_url(), &address, "甲"));
    assert!(matches!(code, 0 | 1 | 3), "甲 restarted ({code}): {text}");
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let (code, text) = run(&mut drain(&dir_b, &sim.base_url(), &address, "乙"));
        assert!(matches!(code, 0 | 1 | 3), "final drain ({code}): {text}");
        let open = b.store().outbox_counts().expect("counts").open();
        if open == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{open} items still open: {text}");
        std::thread::sleep(Duration::from_millis(500));
    }

    let items = b.store().outbox_items(true).expect("items");
    assert!(
        items.iter().all(|i| i.state == ItemState::Sent),
        "every item sent: {items:?}"
    );
    let platform = sim.state();
    let departures = (20..500u32).filter(|i| i % 5 == 4).count();
    assert_eq!(platform.workers.len(), 500, "every enrollment reached the platform");
    assert_eq!(platform.departures.len(), departures, "every departure reached it");
    // Once each, but for a call a kill cut after the platform took it: that item goes again
    // (an upsert, marked may-have-reached-the-platform), and only then. A restarted sender
    // takes its own cut item first, so a second kill may cut the same item again: each kill
    // explains at most one extra receipt, and nothing else does (the claims never let the two
    // stations send one item side by side).
    let twice: Vec<_> = platform.workers.iter().filter(|(_, w)| w.received_count > 1).collect();
    let extra: usize = twice.iter().map(|(_, w)| w.received_count as usize - 1).sum::<usize>()
        + platform
            .departures
            .values()
            .map(|d| d.received_count.saturating_sub(1) as usize)
            .sum::<usize>();
    let kills = kills.load(Ordering::SeqCst) as usize;
    assert!(
        extra <= kills,
        "{extra} extra receipts with {kills} kills: {:?}",
        twice.iter().map(|(id, w)| (id, w.received_count)).collect::<Vec<_>>()
    );
    eprintln!(
        "two senders: {kills} kills, {} registrations resent ({extra} extra receipts), {} departures",
        twice.len(),
        departures
    );
}

#[test]
fn the_same_id_on_two_stations_at_once_is_one_record_and_the_second_clerk_is_told() {
    let address = PgServer::shared().fresh_database("same_id");
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("http://127.0.0.1:{}", free_port());
    let mut a = open(&dir.path().join("a"), &site_config(&url, &address, "办公室"));
    let b = open(&dir.path().join("b"), &site_config(&url, &address, "闸机旁"));
    for c in cwr_station::cli::demo_companies() {
        a.save_company(c).expect("company");
    }
    // Both press 提交登记 for the same new ID number at the same moment.
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let results: Vec<_> = [(a, "张三"), (b, "张叁")]
        .into_iter()
        .map(|(mut st, name)| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                st.enroll(worker(61_001, name), test_photos()).map(|_| ())
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .collect();
    let saved = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(saved, 1, "one record: {results:?}");
    let refused = results
        .iter()
        .find_map(|r| r.as_ref().err())
        .expect("the second was refused");
    match refused {
        StationError::Local(StoreError::TakenBy { by, at, .. }) => {
            assert!(["办公室", "闸机旁"].contains(&by.as_str()), "names who saved it: {by}");
            assert!(!at.is_empty());
        }
        other => panic!("expected TakenBy, got {other:?}"),
    }
    let text = refused.to_string();
    assert!(text.contains("已由") && text.contains("填写的内容还在"), "{text}");
}

#[test]
fn a_blacklist_entry_on_one_station_refuses_on_the_other_and_changes_are_announced() {
    let address = PgServer::shared().fresh_database("blacklist_feed");
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("http://127.0.0.1:{}", free_port());
    let config_b = site_config(&url, &address, "乙");
    let mut a = open(&dir.path().join("a"), &site_config(&url, &address, "甲"));
    let mut b = open(&dir.path().join("b"), &config_b);
    for c in cwr_station::cli::demo_companies() {
        a.save_company(c).expect("company");
    }
    let cwr_station::store::StoreLocation::Site { database, .. } =
        config_b.store_location(&dir.path().join("b")).expect("location")
    else {
        panic!("a site database")
    };
    let mut feed = cwr_station::station::site::Changes::listen(&database).expect("listen");
    a.blacklist_add(&[cwr_station::store::BlacklistEntry {
        id_code: id_code(61_100),
        name: "黑名单".into(),
        reason: "欠薪纠纷".into(),
        added_by: "甲站管理员".into(),
        added_at: String::new(),
    }])
    .expect("blacklisted on 甲");
    let started = Instant::now();
    let mut seen = Vec::new();
    while !seen.iter().any(|t: &String| t == "blacklist") && started.elapsed() < Duration::from_secs(2) {
        seen.extend(feed.wait(Duration::from_millis(200)).expect("feed"));
    }
    assert!(seen.iter().any(|t| t == "blacklist"), "announced within 2 s: {seen:?}");
    let refused = b
        .enroll(worker(61_100, "黑名单"), test_photos())
        .expect_err("refused on 乙");
    assert!(refused.to_string().contains("错误"), "{refused}");
    let problems = match &refused {
        StationError::Worker(p) => p,
        other => panic!("expected the worker's problems, got {other:?}"),
    };
    assert!(problems.iter().any(|p| p.message.contains("黑名单")), "{problems:?}");
}

#[test]
fn a_stations_records_move_to_the_site_database_once_and_a_second_run_copies_nothing() {
    let sim = start_sim();
    let address = PgServer::shared().fresh_database("migrate");
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_companies(dir.path());
    {
        let mut store = cwr_station::store::Store::open_in(&data).expect("store");
        for i in 0..3 {
            let w = worker(61_200 + i, &format!("迁移{i}"));
            store.save_worker(&checked_worker(&w), &test_photos()).expect("worker");
        }
        let now = cwr_station::api::beijing_timestamp(chrono::Utc::now());
        store
            .record_departures(&departure_batch(&[id_code(61_200)], &now), 50)
            .expect("leave");
    }
    let (code, text) = run(station(&data, &sim.base_url()).args(["store", "migrate", "--to", &address, "--json"]));
    assert_eq!(code, 0, "{text}");
    let report: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(report["earlier_copy"], false);
    let table = |name: &str| {
        report["tables"]
            .as_array()
            .expect("tables")
            .iter()
            .find(|t| t["table"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} in {text}"))
    };
    assert_eq!(table("workers")["copied"], 3);
    assert_eq!(table("worker_photos")["copied"], 12);
    assert_eq!(table("companies")["copied"], 2);
    assert_eq!(
        table("outbox")["copied"],
        6,
        "2 companies, 3 workers, 1 departure batch"
    );
    assert_eq!(table("departures")["copied"], 1);

    let (code, again) = run(station(&data, &sim.base_url()).args(["store", "migrate", "--to", &address]));
    assert_eq!(code, 0, "{again}");
    assert!(again.contains("以前已经复制"), "{again}");

    // The station on the site database sees them, and sends them.
    let (code, listed) = run(station(&data, &sim.base_url()).args(["--store", &address, "worker", "list", "--json"]));
    assert_eq!(code, 0, "{listed}");
    let rows: serde_json::Value = serde_json::from_str(&listed).expect("json");
    assert_eq!(rows.as_array().map(Vec::len), Some(3), "{listed}");
    let (code, sent) = run(station(&data, &sim.base_url()).args(["--store", &address, "outbox", "drain"]));
    assert_eq!(code, 0, "{sent}");
    assert_eq!(sim.state().workers.len(), 3);
    assert_eq!(sim.state().departures.len(), 1);
}

#[test]
fn the_demo_refuses_a_site_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let (code, text) =
        run(station(dir.path(), "http://127.0.0.1:9").args(["--store", "postgres://cwr@192.168.1.10/cwr", "demo"]));
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("演示模式") && text.contains("去掉 --store"), "{text}");
}
