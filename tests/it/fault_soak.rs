//! Bounded fault soak: 300+ mixed operations against a simulator that fails about 30 % of
//! calls in every way it can, with sender restarts and interrupted sends. At the end every
//! record is on the platform exactly once, in its latest version, or flagged with a reason.

use crate::common;
use cwr_station::store::prelude::*;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::*;
use cwr_station::api::types::RegisterEmployee;
use cwr_station::domain::Company;
use cwr_station::domain::{ItemState, RecordState};
use cwr_station::outbox::{SendSettings, Sender};
use cwr_station::sim::{self, DEMO_PROJECT_ID, Faults};
use cwr_station::store::{Store, WorkerPhotos};

fn photos() -> WorkerPhotos {
    test_photos()
}

#[test]
fn three_hundred_operations_with_thirty_percent_faults() {
    // CWR_SOAK_SEED=N runs another repeatable sequence (CI runs the default one).
    let seed: u64 = std::env::var("CWR_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let sim = sim::start({
        let mut c = sim_config();
        c.faults = Faults {
            latency_ms: 2,
            http_500_pct: 7,
            close_pct: 7,
            lose_answer_pct: 8,
            non_json_pct: 8,
            seed: Some(seed),
            ..Faults::default()
        };
        c
    })
    .expect("sim");
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_in(dir.path()).expect("store");
    let mut rng = fastrand::Rng::with_seed(seed * 6);
    let mut client = Arc::new(client(&sim.base_url()));
    let settings = SendSettings::for_client(&client, DEMO_PROJECT_ID, "测试");

    let companies: Vec<(String, String)> = (0..12)
        .map(|i| (uscc(500 + i), format!("深圳市浸泡测试{i}号劳务有限公司")))
        .collect();
    let mut latest_name: BTreeMap<String, String> = BTreeMap::new();
    let mut departed: Vec<String> = Vec::new();
    let mut ops = 0;
    let mut restarts = 0;
    let mut interrupted = 0;

    for (suid, name) in &companies {
        store
            .save_company(&checked_company(&Company {
                company_name: name.clone(),
                legal_person: "负责人".into(),
                suid: suid.clone(),
                company_type: "03".into(),
                ..Default::default()
            }))
            .expect("save company");
        ops += 1;
    }
    for round in 0..300u32 {
        match rng.u32(0..10) {
            // New worker (sometimes of a company the platform does not know: a refusal).
            0..=5 => {
                let id = id_code(1000 + round);
                let company = if rng.u32(0..20) == 0 {
                    "不存在的公司".to_string()
                } else {
                    companies[rng.usize(0..companies.len())].1.clone()
                };
                let name = format!("工人{round}");
                let w = (RegisterEmployee {
                    emp_company: company,
                    ..worker_request(&id, &name, "")
                })
                .to_worker();
                store.save_worker(&checked_worker(&w), &photos()).expect("save worker");
                latest_name.insert(id, name);
            }
            // Edit an existing worker.
            6..=7 if !latest_name.is_empty() => {
                let keys: Vec<String> = latest_name.keys().cloned().collect();
                let id = keys[rng.usize(0..keys.len())].clone();
                let mut rec = store.worker(&id).expect("read").expect("exists").worker;
                rec.emp_name = format!("{}改{round}", rec.emp_name.chars().take(6).collect::<String>());
                store
                    .save_worker(&checked_worker(&rec), &WorkerPhotos::new())
                    .expect("edit");
                latest_name.insert(id, rec.emp_name);
            }
            // A departure batch of workers that are already enrolled.
            8 if latest_name.len() > 5 => {
                let keys: Vec<String> = latest_name
                    .keys()
                    .filter(|k| !departed.contains(k))
                    .take(3)
                    .cloned()
                    .collect();
                store
                    .record_departures(&departure_batch(&keys, "2026-11-28 18:00:00"), 2)
                    .expect("leave");
                departed.extend(keys);
            }
            _ => {
                // The sender restarts (the window was closed and opened again).
                restarts += 1;
                client = Arc::new(common::client(&sim.base_url()));
                // Now and then the power goes off mid-send: an item is left "sending".
                if let Some(item) = store.due_items(chrono::Utc::now()).expect("due").first() {
                    store.mark_sending(item.id).expect("sending");
                    interrupted += 1;
                }
                store.recover_interrupted_sends().expect("recover");
            }
        }
        ops += 1;
        if round % 7 == 0 {
            Sender::new(&mut store, &client, &settings).drain().expect("drain");
        }
    }
    // The network settles: keep draining, making scheduled retries due, until nothing moves.
    for _ in 0..200 {
        store.retry_all_now().expect("retry");
        store.reset_breaker().expect("breaker");
        Sender::new(&mut store, &client, &settings).drain().expect("drain");
        let c = store.outbox_counts().expect("counts");
        if c.waiting + c.sending + c.retry == 0 {
            break;
        }
    }
    let counts = store.outbox_counts().expect("counts");
    assert_eq!(
        counts.waiting + counts.sending + counts.retry,
        0,
        "queue did not settle: {counts:?}"
    );
    assert!(ops >= 300, "only {ops} operations");
    assert!(
        restarts >= 3 && interrupted >= 1,
        "restarts {restarts}, interrupted {interrupted}"
    );

    let state = sim.state();
    let total_calls: u64 = state.calls.values().flat_map(|m| m.values()).sum();
    assert!(total_calls > 200, "{total_calls} calls");

    // Every local worker: on the platform exactly once with its latest name, or flagged.
    let mut flagged = 0;
    for row in store.worker_rows().expect("rows") {
        match row.state {
            RecordState::Sent | RecordState::Departed => {
                let on_platform = state
                    .workers
                    .get(&row.id_code)
                    .unwrap_or_else(|| panic!("{} lost", row.id_code));
                assert_eq!(
                    on_platform.body["emp_name"], latest_name[&row.id_code],
                    "stale version on the platform"
                );
                assert_eq!(row.emp_id, on_platform.emp_id);
            }
            RecordState::NeedsFix => {
                assert!(!row.sync_message.is_empty(), "flagged without a reason");
                assert!(!state.workers.contains_key(&row.id_code));
                flagged += 1;
            }
            RecordState::Pending => panic!("{} still pending", row.id_code),
            RecordState::Draft => panic!("{}: worker_rows lists enrolled workers only", row.id_code),
        }
    }
    assert!(flagged >= 1, "the refusals were not exercised");
    // Nothing on the platform that the station does not know (no duplicates under other keys).
    for id in state.workers.keys() {
        assert!(latest_name.contains_key(id), "unknown worker {id} on the platform");
    }
    assert_eq!(state.companies.len(), companies.len());
    // Departures: each sent one is on the platform; each refused one has a reason.
    for item in store
        .outbox_items(true)
        .expect("items")
        .into_iter()
        .filter(|i| i.label.starts_with("离场"))
    {
        for (id, st, msg) in store.departures_of(item.id).expect("deps") {
            match st.as_str() {
                "sent" => assert!(state.departures.contains_key(&id), "departure of {id} lost"),
                "needs_fix" => assert!(!msg.is_empty()),
                other => panic!("departure of {id} left {other}"),
            }
        }
        assert!(matches!(item.state, ItemState::Sent | ItemState::NeedsFix));
    }
    println!(
        "soak: {ops} operations, {total_calls} platform calls, {restarts} restarts, {interrupted} interrupted sends, {flagged} flagged"
    );
}
