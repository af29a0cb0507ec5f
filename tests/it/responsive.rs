//! A platform that accepts connections and never answers: the queue waits as a whole after
//! one call, a command returns after about one call timeout, and the window closes, saves
//! its settings and stores what the clerk submits at once, whatever the network does.

use crate::common;
use cwr_station::store::prelude::*;

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::ui::*;
use common::*;
use cwr_station::api::Secret;
use cwr_station::config::{Config, Environment, TimeoutSettings};
use cwr_station::domain::Company;
use cwr_station::sim::SimConfig;
use cwr_station::store::Store;
use cwr_station::ui::backend::Intent;
use egui_kittest::kittest::Queryable;

/// Accepts, reads what comes, and never answers. Counts the requests that arrived and the
/// calls the client gave up (closed): while `given_up` is 0, every call is still hanging, so
/// anything that finished meanwhile did not wait for the network. That is what these tests
/// check, instead of a wall-clock bound that a busy machine could break.
struct Hanging {
    url: String,
    requests: Arc<AtomicUsize>,
    given_up: Arc<AtomicUsize>,
}

fn hanging_platform() -> Hanging {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let requests = Arc::new(AtomicUsize::new(0));
    let given_up = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&requests);
    let closed = Arc::clone(&given_up);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let seen = Arc::clone(&seen);
            let closed = Arc::clone(&closed);
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 65536];
                let mut counted = false;
                // Keep the connection open and silent until the client gives up.
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if !counted {
                        counted = true;
                        seen.fetch_add(1, Ordering::SeqCst);
                    }
                }
                closed.fetch_add(1, Ordering::SeqCst);
            });
        }
    });
    Hanging {
        url,
        requests,
        given_up,
    }
}

fn config(base_url: &str, call_secs: u64) -> Config {
    let demo = SimConfig::demo();
    Config {
        environment: Environment::Custom,
        base_url: base_url.to_string(),
        api_key: demo.api_key,
        client_serial: demo.client_serial,
        project_id: demo.project_id,
        timeouts: TimeoutSettings {
            connect_secs: 2,
            call_secs,
        },
        ..Config::default()
    }
}

/// A data dir with `n` companies queued.
fn queued_companies(data: &Path, n: u32) {
    let mut store = Store::open_in(data).expect("store");
    for i in 0..n {
        store
            .save_company(&checked_company(&Company {
                company_name: format!("深圳市排队测试{i}号劳务有限公司"),
                legal_person: "负责人".into(),
                suid: uscc(700 + i),
                ..Default::default()
            }))
            .expect("company");
    }
}

#[test]
fn outbox_drain_against_a_hanging_platform_returns_after_one_call_timeout() {
    let platform = hanging_platform();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    queued_companies(&data, 10);
    let config_file = dir.path().join("config.json");
    config(&platform.url, 5).save(&config_file).expect("config");
    let out = Command::new(env!("CARGO_BIN_EXE_cwr-station"))
        .arg("--data-dir")
        .arg(&data)
        .arg("--config")
        .arg(&config_file)
        .env("CWR_API_SECRET", SimConfig::demo().api_secret)
        .env("CWR_SECRET_STORE", "file")
        .env_remove("CWR_BASE_URL")
        .env_remove("CWR_DATA_DIR")
        .args(["outbox", "drain"])
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(3), "{text}");
    // One call, then the queue waits: the command did not try the other nine.
    assert_eq!(
        platform.requests.load(Ordering::SeqCst),
        1,
        "one call, then the queue waits: {text}"
    );
    assert!(text.contains("连不上平台"), "{text}");
    let store = Store::open_in(&data).expect("store");
    let counts = store.outbox_counts().expect("counts");
    assert_eq!((counts.waiting + counts.retry, counts.sending), (10, 0), "{counts:?}");
    assert!(
        store.breaker().expect("breaker").is_some(),
        "the queue waits as a whole"
    );
}

#[test]
fn the_window_closes_saves_settings_and_stores_a_submission_at_once_while_the_platform_hangs() {
    let platform = hanging_platform();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    queued_companies(&data, 50);
    let mut h = harness_with(
        &data,
        config(&platform.url, 60),
        Secret::new(SimConfig::demo().api_secret),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while platform.requests.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the sender never called");
        settle(&mut h, 1);
    }

    // 保存设置 while a call hangs: answered within 2 s.
    // The navigation is laid out once the queue's count is in (its label grows).
    step_until(&mut h, "queue counted", Duration::from_secs(10), |app| {
        app.snapshot.counts.open() == 50
    });
    settle(&mut h, 2);
    h.get_by_label("设置").click();
    settle(&mut h, 2);
    h.get_by_label("保存设置").click();
    // The deadline only ends a test that would otherwise hang; it is below the call's 60 s.
    step_until(&mut h, "settings answered", HANG_GUARD, |app| !app.settings.is_saving());
    assert_eq!(
        still_hanging_gave_up(&platform),
        0,
        "保存设置 waited for the hanging call"
    );

    // A submission reaches the database at once, the sender still hanging.
    let id = id_code(720);
    let worker = worker_request(&id, "孙立", "深圳市排队测试0号劳务有限公司").to_worker();
    h.state().app().backend.send(Intent::SaveWorker {
        worker: Box::new(worker),
        photos: test_photos(),
        face_check: None,
    });
    let store = Store::open_in(&data).expect("store");
    step_until(&mut h, "submission stored", HANG_GUARD, |_| {
        store.worker(&id).expect("read").is_some()
    });
    assert_eq!(
        still_hanging_gave_up(&platform),
        0,
        "the submission waited behind the network"
    );

    // Closing: the background stops although a call is in flight (the call is left to time
    // out on its own, so it is still hanging when the window is gone).
    drop(h);
    assert_eq!(
        still_hanging_gave_up(&platform),
        0,
        "closing waited for the hanging call"
    );
}

/// Far below the hanging call's 60 s timeout, far above anything a busy machine needs.
const HANG_GUARD: Duration = Duration::from_secs(30);

/// How many of the platform's hanging calls the client has given up on so far.
fn still_hanging_gave_up(platform: &Hanging) -> usize {
    platform.given_up.load(Ordering::SeqCst)
}

#[test]
fn a_pass_that_fails_after_mark_sending_puts_the_item_back_at_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    queued_companies(&data, 1);
    let mut store = Store::open_in(&data).expect("store");
    // The disk refuses the retry's bookkeeping (a full disk, simulated by a trigger).
    store_exec(
        &data,
        "CREATE TRIGGER no_retry BEFORE UPDATE OF state ON outbox WHEN NEW.state = 'retry'
         BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
    );
    let dead = format!("http://127.0.0.1:{}", {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    });
    let client = client(&dead);
    let settings = cwr_station::outbox::SendSettings::for_client(&client, "P", "测试");
    let err = cwr_station::outbox::Sender::new(&mut store, &client, &settings).drain();
    assert!(err.is_err(), "the store failed: {err:?}");
    let item = store.outbox_items(true).expect("items").remove(0);
    assert_eq!(
        item.state,
        cwr_station::domain::ItemState::Waiting,
        "back in the queue, not left sending"
    );
}

fn store_exec(data: &Path, sql: &str) {
    rusqlite::Connection::open(data.join(cwr_station::store::DB_FILE))
        .expect("db")
        .execute_batch(sql)
        .expect("sql");
}
