//! The store over the years: photos of workers long gone are removed (and only theirs), the
//! space comes back a little at a time, and a backup made while the station writes is a whole,
//! consistent store.

use crate::common;
use cwr_station::store::prelude::*;

use chrono::{Duration, Utc};
use common::cli::*;
use common::*;
use cwr_station::domain::Company;
use cwr_station::outbox::{SendSettings, Sender};
use cwr_station::output_file::{Existing, StationFiles};
use cwr_station::sim::DEMO_PROJECT_ID;
use cwr_station::store::Store;

const COMPANY: &str = "深圳市存储测试劳务有限公司";

/// A store with `n` workers on the platform, the first `left` of them departed (accepted).
fn store_with(dir: &std::path::Path, sim: &cwr_station::sim::SimHandle, n: u32, left: u32) -> (Store, Vec<String>) {
    let mut store = Store::open_in(dir).expect("store");
    store
        .save_company(&checked_company(&Company {
            company_name: COMPANY.into(),
            legal_person: "负责人".into(),
            suid: uscc(800),
            company_type: "03".into(),
            ..Default::default()
        }))
        .expect("company");
    let ids: Vec<String> = (0..n).map(|i| id_code(800 + i)).collect();
    for (i, id) in ids.iter().enumerate() {
        let w = worker_request(id, &format!("存储{i}"), COMPANY).to_worker();
        store.save_worker(&checked_worker(&w), &test_photos()).expect("worker");
    }
    if left > 0 {
        let now = cwr_station::api::beijing_timestamp(Utc::now());
        store
            .record_departures(&departure_batch(&ids[..left as usize], &now), 50)
            .expect("leave");
    }
    let client = client(&sim.base_url());
    let settings = SendSettings::for_client(&client, DEMO_PROJECT_ID, "测试");
    Sender::new(&mut store, &client, &settings).drain().expect("drain");
    (store, ids)
}

#[test]
fn only_the_photos_of_workers_who_left_before_the_cut_off_go_and_the_space_comes_back() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let (mut store, ids) = store_with(dir.path(), &sim, 4, 2);
    let before = store.stats().expect("stats");
    assert_eq!((before.workers, before.departed, before.photos), (4, 2, 16));
    assert_eq!(
        store.auto_vacuum_mode().expect("mode"),
        2,
        "a new store frees space incrementally"
    );

    // They left just now: a cut-off in the past removes nothing.
    let none = store
        .prune_photos(Utc::now() - Duration::days(180), Utc::now())
        .expect("prune");
    assert_eq!(none.photos, 0);
    let pruned = store
        .prune_photos(Utc::now() + Duration::minutes(1), Utc::now())
        .expect("prune");
    assert_eq!((pruned.workers, pruned.photos), (2, 8));
    assert!(pruned.bytes > 0);
    assert!(store.worker_photos(&ids[0]).expect("read").is_empty());
    assert_eq!(
        store.worker_photos(&ids[2]).expect("read").len(),
        4,
        "still on the site: kept"
    );
    // The record and its history stay.
    assert!(store.worker(&ids[0]).expect("read").is_some());

    let free = store.stats().expect("stats").free_bytes;
    assert!(free > 0, "the photos' pages are free");
    let still_free = store.vacuum_a_little(2).expect("vacuum");
    assert!(
        still_free * 4096 < free,
        "a little was given back: {still_free} pages of {free} bytes"
    );
    store.vacuum_all().expect("vacuum");
    assert_eq!(store.stats().expect("stats").free_bytes, 0);
}

#[test]
fn a_backup_made_while_the_station_writes_is_a_whole_store() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let (store, _) = store_with(dir.path(), &sim, 3, 0);
    let data = dir.path().to_path_buf();
    let writing = std::thread::spawn(move || {
        let mut writer = Store::open_in(&data).expect("store");
        for i in 0..40 {
            let w = worker_request(&id_code(900 + i), &format!("并发{i}"), COMPANY).to_worker();
            writer.save_worker(&checked_worker(&w), &test_photos()).expect("worker");
        }
    });
    let copy = dir.path().join("backup").join("station-copy.sqlite");
    std::fs::create_dir_all(copy.parent().expect("parent")).expect("dir");
    let files = StationFiles::of(dir.path(), &dir.path().join("config.json"));
    store.backup_to(&copy, Existing::Keep, &files).expect("backup");
    writing.join().expect("writer");
    let restored = Store::open(&copy).expect("the copy opens as a store");
    let stats = restored.stats().expect("stats");
    assert!(stats.workers >= 3 && stats.workers <= 43, "{stats:?}");
    assert_eq!(
        stats.unsent,
        stats.workers - 3,
        "every worker in the copy comes with its queue item: {stats:?}"
    );
    // It never overwrites.
    let again = store.backup_to(&copy, Existing::Keep, &files).expect_err("exists");
    assert!(again.to_string().contains("已经存在"), "{again}");
}

#[test]
fn the_commands_print_the_figures_prune_and_back_up() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let (store, _) = store_with(&data, &sim, 2, 1);
    drop(store);
    let url = sim.base_url();
    let (code, text) = run(station(&data, &url).args(["store", "stats"]));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("人员 2 人（已离场 1）"), "{text}");
    let (code, text) = run(station(&data, &url).args(["store", "stats", "--json"]));
    assert_eq!(code, 0, "{text}");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(json["photos"], 8);
    // The default keeps photos for 180 days: nothing goes yet.
    let (code, text) = run(station(&data, &url).args(["store", "prune"]));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("的照片 0 张"), "{text}");
    let copy = dir.path().join("copy.sqlite");
    let (code, text) = run(station(&data, &url).args(["store", "backup"]).arg(&copy));
    assert_eq!(code, 0, "{text}");
    assert!(copy.exists());
    // An existing file is the user's to change: refused (2), kept; --force replaces it.
    let before = std::fs::read(&copy).expect("copy");
    let (code, text) = run(station(&data, &url).args(["store", "backup"]).arg(&copy));
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("已经存在") && text.contains("--force"), "{text}");
    assert_eq!(std::fs::read(&copy).expect("copy"), before);
    let (code, text) = run(station(&data, &url).args(["store", "backup", "--force"]).arg(&copy));
    assert_eq!(code, 0, "{text}");
}

#[test]
fn the_window_backs_up_while_it_runs() {
    use common::ui::*;
    use cwr_station::ui::backend::Intent;
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let mut h = harness(&data, &sim.base_url());
    step_until(&mut h, "the store open", std::time::Duration::from_secs(20), |app| {
        app.snapshot.generation > 0
    });
    let copy = dir.path().join("备份.sqlite");
    h.state().app().backend.send(Intent::Backup(copy.clone()));
    step_until(&mut h, "the backup made", std::time::Duration::from_secs(20), |app| {
        app.snapshot.last_backup_at.is_some()
    });
    assert!(copy.exists());
    assert!(h.state().app().notices.iter().any(|(n, _)| n.contains("数据已备份")));
    assert!(Store::open(&copy).is_ok());
}

#[test]
fn a_prune_of_many_workers_goes_in_short_batches_and_misses_none() {
    use cwr_station::generate::{GenerateOptions, generate_store};
    let dir = tempfile::tempdir().expect("tmp");
    let options = GenerateOptions {
        workers: 260,
        departed_pct: 50,
        full_photos: false,
        ..Default::default()
    };
    generate_store(dir.path(), &options).expect("generate");
    let mut store = Store::open_in(dir.path()).expect("store");
    let before = store.stats().expect("stats");
    assert_eq!((before.workers, before.departed, before.photos), (260, 130, 1040));
    // Every departure is in the past: all 130 (more than one batch of 50) lose their photos.
    let pruned = store
        .prune_photos(Utc::now() + Duration::minutes(1), Utc::now())
        .expect("prune");
    assert_eq!((pruned.workers, pruned.photos), (130, 520));
    let after = store.stats().expect("stats");
    assert_eq!(after.photos, 520, "the 130 still on the site keep their four each");
    assert_eq!(after.thumbnails, 260, "every roster picture stays");
    let again = store
        .prune_photos(Utc::now() + Duration::minutes(1), Utc::now())
        .expect("prune");
    assert_eq!(again, cwr_station::store::Pruned::default());
}
