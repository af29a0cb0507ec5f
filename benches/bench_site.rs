//! The site database beside this PC's file (issue 23): at 20,000 workers, what an enrollment
//! save and the screens' snapshot (the roster, the queue, the counts) cost on each, with the
//! PostgreSQL server on loopback (Debian's package, started in a temporary directory as the
//! tests do), and what copying the station into it (`store migrate`) takes. Run:
//!   cargo bench --bench bench_site                      # 20,000 workers, small photos
//!   cargo bench --bench bench_site -- --workers 5000
//! Prints figures; asserts nothing about speed. The window's own frame figures on a site
//! database: `cargo bench --bench bench_ui -- --small-photos --store postgres://…`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cwr_station::api::{PlatformClock, clock};
use cwr_station::config::{Config, Environment};
use cwr_station::generate::{GenerateOptions, generate_store};
use cwr_station::host::pg_server::PgServer;
use cwr_station::station::Station;

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i].as_secs_f64() * 1000.0
}

fn open(data: &std::path::Path, address: Option<&str>) -> Station {
    let mut config = Config {
        environment: Environment::Custom,
        // Nothing listens: the queue stays as generated, as on a site whose line is down.
        base_url: "http://127.0.0.1:9".into(),
        project_id: "440300201900001".into(),
        ..Config::default()
    };
    config.store.station_name = "测速".into();
    if let Some(a) = address {
        config.use_store(a).expect("address");
    }
    let clock = Arc::new(PlatformClock::new(clock::system_time()));
    Station::open(data, config, clock).expect("station")
}

/// `rounds` enrollments of new workers made from an enrolled one (its company, trade and
/// photos), then `rounds` snapshots: (save p50, save p95, snapshot p50, snapshot p95) in ms.
fn measure(station: &mut Station, rounds: usize, seed: u32) -> [f64; 4] {
    let template_id = station.store().roster_rows().expect("roster")[0].id_code.clone();
    let template = station.store().worker(&template_id).expect("read").expect("a worker");
    let photos = station.store().worker_photos(&template_id).expect("photos");
    let mut saves = Vec::new();
    for i in 0..rounds as u32 {
        let n = seed + i;
        let body = format!(
            "44030519{:02}{:02}{:02}{:03}",
            80 + n % 20,
            1 + (n / 20) % 12,
            1 + (n / 240) % 28,
            n % 1000
        );
        let mut w = template.worker.clone();
        w.id_code = format!("{body}{}", cwr_station::domain::id_check_char(&body));
        w.emp_name = format!("测速{i}");
        let started = Instant::now();
        station.enroll(w, photos.clone()).expect("enrolled");
        saves.push(started.elapsed());
    }
    let mut snapshots = Vec::new();
    for _ in 0..rounds.min(20) {
        let started = Instant::now();
        let s = station.snapshot().expect("snapshot");
        snapshots.push(started.elapsed());
        std::hint::black_box(s);
    }
    [
        percentile(&mut saves, 0.5),
        percentile(&mut saves, 0.95),
        percentile(&mut snapshots, 0.5),
        percentile(&mut snapshots, 0.95),
    ]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let workers: usize = args
        .iter()
        .position(|a| a == "--workers")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let started = Instant::now();
    generate_store(
        &data,
        &GenerateOptions {
            workers,
            waiting: 4_900.min(workers / 2),
            refused: 100.min(workers / 10),
            full_photos: false,
            ..Default::default()
        },
    )
    .expect("generate");
    println!(
        "generated {workers} workers (small photos) in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let address = PgServer::shared().fresh_database("bench_site");
    let mut config = Config::default();
    config.store.station_name = "测速".into();
    config.use_store(&address).expect("address");
    let location = config.store_location(&data).expect("location");
    let started = Instant::now();
    let report = cwr_station::station::maintenance::copy_to_site(&data, &location).expect("copy");
    println!(
        "store migrate: {} rows copied into the site database in {:.1} s",
        report.copied(),
        started.elapsed().as_secs_f64()
    );

    let rounds = 50;
    println!(
        "{:<28} {:>12} {:>12} {:>14} {:>14}",
        "", "save p50", "save p95", "snapshot p50", "snapshot p95"
    );
    for (label, address, seed) in [
        ("本机 (SQLite)", None, 900_000),
        ("工地数据库 (PostgreSQL)", Some(address.as_str()), 950_000),
    ] {
        let mut station = open(&data, address);
        let [s50, s95, n50, n95] = measure(&mut station, rounds, seed);
        println!("{label:<28} {s50:>9.1} ms {s95:>9.1} ms {n50:>11.1} ms {n95:>11.1} ms");
    }
    println!("(the window's snapshot runs on its background owner, never on the UI thread)");
    println!();
    println!("where a snapshot's time goes (ms, one run each):");
    for (label, address) in [
        ("本机 (SQLite)", None),
        ("工地数据库 (PostgreSQL)", Some(address.as_str())),
    ] {
        let station = open(&data, address);
        println!("  {label}: {}", snapshot_parts(&station));
    }
}

/// Each read the snapshot makes, timed once: which one a backend is slow at.
fn snapshot_parts(station: &Station) -> String {
    let store = station.store();
    let mut parts = Vec::new();
    let mut time = |name: &str, f: &mut dyn FnMut()| {
        let started = Instant::now();
        f();
        parts.push(format!("{name} {:.1}", started.elapsed().as_secs_f64() * 1000.0));
    };
    time("roster_rows", &mut || {
        std::hint::black_box(store.roster_rows().expect("roster"));
    });
    time("blacklist", &mut || {
        std::hint::black_box(store.blacklist().expect("blacklist"));
    });
    time("companies", &mut || {
        std::hint::black_box(store.companies().expect("companies"));
    });
    time("outbox_recent", &mut || {
        std::hint::black_box(store.outbox_items_recent(500).expect("outbox"));
    });
    time("outbox_counts", &mut || {
        std::hint::black_box(store.outbox_counts().expect("counts"));
    });
    time("oldest_unsent", &mut || {
        std::hint::black_box(store.oldest_unsent_at().expect("oldest"));
    });
    time("worker_rules", &mut || {
        std::hint::black_box(station.worker_rules("").expect("rules"));
    });
    time("passes_today", &mut || {
        std::hint::black_box(station.passes_on(station.today()).expect("passes"));
    });
    time("dictionaries", &mut || {
        for kind in cwr_station::station::snapshot::DICTIONARIES {
            std::hint::black_box(store.dictionary(kind).expect("dictionary"));
        }
    });
    time("company_rules", &mut || {
        std::hint::black_box(station.company_rules().expect("rules"));
    });
    let label = station.config().environment_label();
    time("successes+versions", &mut || {
        std::hint::black_box(store.success_counts(label).expect("successes"));
        std::hint::black_box(store.learnt_versions(label).expect("versions"));
    });
    time("pause+breaker+backup", &mut || {
        std::hint::black_box(store.queue_paused().expect("paused"));
        std::hint::black_box(store.breaker().expect("breaker"));
        std::hint::black_box(store.last_backup_at().expect("backup"));
    });
    time("whole snapshot", &mut || {
        std::hint::black_box(station.snapshot().expect("snapshot"));
    });
    time("expire_overdue", &mut || {
        station.expire_overdue_passes().expect("expire");
    });
    parts.join(", ")
}
