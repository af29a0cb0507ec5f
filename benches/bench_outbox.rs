//! Figures for the platform path: signed calls per second against the simulator on loopback,
//! the time to drain 1,000 queued departures, and the 考勤 point's 1:N through the station's
//! face gallery over 20,000 on-site workers (`--workers N` to change). Run:
//!   cargo bench --bench bench_outbox
//! Prints figures; asserts nothing about speed.

use cwr_station::store::prelude::*;
use std::sync::Arc;
use std::time::Instant;

use cwr_station::api::types::RegisterEmployee;
use cwr_station::api::{Credentials, Endpoint, PlatformClient, PlatformClock, ProtocolTable, Secret, Timeouts, clock};
use cwr_station::domain::{Company, DepartureBatch};
use cwr_station::outbox::{SendSettings, Sender};
use cwr_station::sim::{self, SimConfig};
use cwr_station::store::Store;

fn id_code(seed: u32) -> String {
    let body = format!(
        "440305{:04}{:02}{:02}{:03}",
        1980 + seed % 20,
        1 + (seed / 20) % 12,
        1 + (seed / 240) % 28,
        seed % 1000
    );
    format!("{body}{}", cwr_station::domain::id_check_char(&body))
}

fn main() {
    let mut config = SimConfig::demo();
    config.addr = "127.0.0.1:0".parse().expect("addr");
    let sim = sim::start(config.clone()).expect("simulator");
    let client = PlatformClient::new(
        Credentials {
            base_url: sim.base_url(),
            api_key: config.api_key.clone(),
            api_secret: Secret::new(config.api_secret.clone()),
            client_serial: config.client_serial.clone(),
        },
        ProtocolTable::default(),
        Arc::new(PlatformClock::new(clock::system_time())),
        Timeouts::default(),
    )
    .expect("client");

    // 1. Signed calls per second (dictionary fetch: sign, POST, parse), one connection reused.
    let n = 2_000;
    let started = Instant::now();
    for _ in 0..n {
        client.fetch_dictionary(Endpoint::DictListJobTypeName).expect("call");
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "signed calls:        {n} in {secs:.2} s = {:.0} calls/s ({:.2} ms each)",
        n as f64 / secs,
        secs * 1000.0 / n as f64
    );

    // 2. Drain 1,000 queued departures (batches of 50, as the station sends them).
    let dir = tempfile_dir();
    let mut store = Store::open_in(&dir).expect("store");
    let company = "深圳市基准测试劳务有限公司";
    let checked = Company {
        company_name: company.into(),
        legal_person: "甲".into(),
        suid: "91440300100000001W".into(),
        ..Default::default()
    }
    .into_validated(&Default::default())
    .expect("valid company");
    store.save_company(&checked).expect("company");
    let settings = SendSettings::for_client(&client, &config.project_id, "bench");
    // Register the workers on the platform directly so the departures are of known people.
    let ids: Vec<String> = (0..1_000).map(id_code).collect();
    let jpeg = tiny_jpeg_b64();
    Sender::new(&mut store, &client, &settings).drain().expect("company");
    for id in &ids {
        let w = RegisterEmployee {
            project_id: config.project_id.clone(),
            id_code: id.clone(),
            id_photo: jpeg.clone(),
            emp_name: "基准".into(),
            emp_phone: "13800138000".into(),
            emp_nativeplace: "深圳".into(),
            emp_nation: "汉".into(),
            pass_period: format!(
                "{}:",
                cwr_station::api::beijing_date(chrono::Utc::now()).format("%Y-%m-%d")
            ),
            match_flag: "Y".into(),
            facephoto: jpeg.clone(),
            emp_company: company.into(),
            emp_category: "00".into(),
            job_typename: "1".into(),
            job_name: "7D4DDE53D08D97CF7FFBB561D1E17624".into(),
            contract_status: "1".into(),
            id_agency: "深圳市公安局".into(),
            id_validdate: "2015.01.01-长期".into(),
            idphoto_scan: jpeg.clone(),
            idphoto_scan2: jpeg.clone(),
            ..Default::default()
        };
        client.register_employee(&w).expect("register");
    }
    let queued = Instant::now();
    let batch = DepartureBatch::validate(&ids, None, chrono::Utc::now()).expect("valid departures");
    store.record_departures(&batch, 50).expect("queue");
    let queue_ms = queued.elapsed().as_secs_f64() * 1000.0;
    let started = Instant::now();
    let report = Sender::new(&mut store, &client, &settings).drain().expect("drain");
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(sim.state().departures.len(), 1_000);
    println!("queue 1,000 departures: {queue_ms:.1} ms (one transaction)");
    println!("drain 1,000 departures: {secs:.2} s in {} calls of 50", report.sent);
    let _ = std::fs::remove_dir_all(&dir);
    let args: Vec<String> = std::env::args().collect();
    let workers = args
        .iter()
        .position(|a| a == "--workers")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    one_to_n(workers);
}

/// Pseudo-random descriptors of dlib's spread (values about ±0.1), deterministic per seed.
fn descriptor(seed: u32) -> cwr_station::station::faces::Descriptor {
    let mut values = [0.0f32; 128];
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    for v in values.iter_mut() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        *v = (state % 1000) as f32 / 5000.0 - 0.1;
    }
    cwr_station::station::faces::Descriptor(values)
}

/// The station's gallery loaded from the store, then identifications as the 考勤 point asks
/// them (a stranger: the whole gallery read, no worker looked up).
fn one_to_n(workers: usize) {
    use cwr_station::station::Station;
    use cwr_station::station::faces::{DESCRIPTOR_MODEL, DescriptorSource};
    let dir = tempfile_dir();
    let options = cwr_station::generate::GenerateOptions {
        workers,
        departed_pct: 0,
        full_photos: false,
        ..Default::default()
    };
    cwr_station::generate::generate_store(&dir, &options).expect("generate");
    let store = Store::open_in(&dir).expect("store");
    let ids: Vec<String> = store
        .worker_rows()
        .expect("rows")
        .into_iter()
        .map(|w| w.id_code)
        .collect();
    let kept = Instant::now();
    for (i, id) in ids.iter().enumerate() {
        store
            .keep_descriptor(
                id,
                Some(&descriptor(i as u32).to_le_bytes()),
                DESCRIPTOR_MODEL,
                DescriptorSource::Backfill,
                "",
            )
            .expect("keep");
    }
    println!(
        "keep {} descriptors: {:.1} s (one write each, as enrollment and the backfill do)",
        ids.len(),
        kept.elapsed().as_secs_f64()
    );
    drop(store);
    let clock = Arc::new(PlatformClock::new(clock::system_time()));
    let mut station = Station::open(&dir, cwr_station::config::Config::default(), clock).expect("station");
    let loaded = Instant::now();
    let n = station.gallery_len().expect("gallery");
    println!(
        "gallery of {n} loaded from the store: {:.0} ms",
        loaded.elapsed().as_secs_f64() * 1000.0
    );
    let mut times_ms: Vec<f64> = (0..200u32)
        .map(|q| {
            let query = descriptor(1_000_000 + q);
            let t = Instant::now();
            let found = station.identify(&query).expect("identify");
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            assert!(found.is_none(), "a random descriptor is nobody");
            ms
        })
        .collect();
    times_ms.sort_by(f64::total_cmp);
    let hit = Instant::now();
    let found = station.identify(&descriptor(7)).expect("identify");
    let hit_ms = hit.elapsed().as_secs_f64() * 1000.0;
    println!(
        "1:N over {n} through Station::identify: median {:.2} ms, p95 {:.2} ms (goal ≤ 5 ms); a hit with its worker looked up {hit_ms:.2} ms ({})",
        times_ms[times_ms.len() / 2],
        times_ms[times_ms.len() * 95 / 100],
        if found.is_some() { "found" } else { "NOT found" }
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cwr-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn tiny_jpeg_b64() -> String {
    use base64::Engine;
    let img = image::RgbImage::from_fn(32, 40, |x, y| image::Rgb([x as u8 * 8, y as u8 * 6, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("jpeg");
    base64::engine::general_purpose::STANDARD.encode(out.into_inner())
}
