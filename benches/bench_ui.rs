//! What the clerk feels at site scale: CPU time per frame of the real window (the real screens
//! and the real background owner, headless: an `egui::Context` driven frame by frame, shapes
//! tessellated as eframe would, no GPU) over a generated store. Run:
//!   cargo bench --bench bench_ui                 # 20,000 workers, photos at real sizes
//!   cargo bench --bench bench_ui -- --workers 2000 --small-photos
//!   cargo bench --bench bench_ui -- --data DIR   # reuse a generated store
//!   cargo bench --bench bench_ui -- --small-photos --store site  # on a site database of its own
//!   cargo bench --bench bench_ui -- --small-photos --store postgres://…  # on a given one
//!     (the generated store is copied into it first, as `store migrate` does)
//! Prints figures; asserts nothing about speed.

use cwr_station::store::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cwr_station::api::Secret;
use cwr_station::config::{Config, Environment};
use cwr_station::domain::PhotoKind;
use cwr_station::generate::{GenerateOptions, generate_store};
use cwr_station::media::camera::{Camera, CameraError, CameraInfo, CameraProvider, Frame};
use cwr_station::ui::app::Screen;
use cwr_station::ui::backend::PhotoSource;
use cwr_station::ui::roster::SortKey;
use cwr_station::ui::{AppOptions, StationApp, fonts};

const SIZE: egui::Vec2 = egui::vec2(1366.0, 768.0);

/// CPU time of this thread, so a busy machine does not inflate the figures.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec it is given and nothing else.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// A 1280×720 webcam at 30 fps looking at a worker (a test face on a grey wall), so the face
/// worker has a face to detect and compare on every preview frame.
struct FaceCameras {
    frame: Frame,
}

impl FaceCameras {
    fn new() -> FaceCameras {
        let face = image::open(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/crates/face/tests/faces/obama2.jpg"
        ))
        .expect("test face")
        .to_rgb8();
        let face = image::imageops::resize(&face, 340, 652, image::imageops::FilterType::Triangle);
        let mut canvas = image::RgbImage::from_pixel(1280, 720, image::Rgb([128, 128, 128]));
        image::imageops::overlay(&mut canvas, &face, (1280 - 340) / 2, 40);
        FaceCameras {
            frame: Frame {
                width: 1280,
                height: 720,
                rgb: canvas.into_raw(),
            },
        }
    }
}

struct FaceCamera {
    info: CameraInfo,
    frame: Frame,
}

impl Camera for FaceCamera {
    fn info(&self) -> &CameraInfo {
        &self.info
    }
    fn next_frame(&mut self) -> Result<Frame, CameraError> {
        std::thread::sleep(Duration::from_millis(33));
        Ok(self.frame.clone())
    }
}

impl CameraProvider for FaceCameras {
    fn list(&self) -> Result<Vec<CameraInfo>, CameraError> {
        Ok(vec![CameraInfo {
            id: "face".into(),
            name: "bench face".into(),
        }])
    }
    fn open(&self, id: &str) -> Result<Box<dyn Camera>, CameraError> {
        Ok(Box::new(FaceCamera {
            info: CameraInfo {
                id: id.into(),
                name: "bench face".into(),
            },
            frame: self.frame.clone(),
        }))
    }
}

struct Window {
    ctx: egui::Context,
    app: Option<StationApp>,
    options: Option<AppOptions>,
    start: Instant,
}

impl Window {
    fn new(options: AppOptions) -> Window {
        let ctx = egui::Context::default();
        fonts::install_cjk_font(&ctx);
        fonts::install_style(&ctx);
        Window {
            ctx,
            app: None,
            options: Some(options),
            start: Instant::now(),
        }
    }

    fn app(&mut self) -> &mut StationApp {
        self.app.as_mut().expect("started")
    }

    /// One frame with these input events; returns its CPU time on this thread.
    fn frame(&mut self, events: Vec<egui::Event>) -> Duration {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, SIZE)),
            time: Some(self.start.elapsed().as_secs_f64()),
            events,
            ..Default::default()
        };
        let before = thread_cpu();
        let ctx = self.ctx.clone();
        let (app, options) = (&mut self.app, &mut self.options);
        let output = ctx.run_ui(input, |ui| {
            if app.is_none()
                && let Some(options) = options.take()
            {
                *app = Some(StationApp::new(ui.ctx(), options));
            }
            if let Some(app) = app.as_mut() {
                app.logic(ui.ctx());
                app.ui(ui);
            }
        });
        let mut output = output;
        let _ = ctx.tessellate(std::mem::take(&mut output.shapes), output.pixels_per_point);
        // Uploading to a GPU is the renderer's business; the image data was made above.
        output.textures_delta.clear();
        thread_cpu() - before
    }

    /// Frames (with wall time between them, as a 60 Hz display would) until `done`.
    fn until(&mut self, what: &str, timeout: Duration, done: impl Fn(&StationApp) -> bool) {
        let deadline = Instant::now() + timeout;
        loop {
            self.frame(Vec::new());
            if self.app.as_ref().is_some_and(&done) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(16));
        }
    }
}

/// p50 / p95 / max in milliseconds.
fn report(what: &str, goal_ms: f64, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| ms(samples[((samples.len() - 1) as f64 * q).round() as usize]);
    let p95 = at(0.95);
    println!(
        "{what:<48} n={:>4}  p50 {:>6.2} ms  p95 {:>6.2} ms  max {:>6.2} ms  (goal p95 ≤ {goal_ms} ms: {})",
        samples.len(),
        at(0.5),
        p95,
        ms(*samples.last().unwrap_or(&Duration::ZERO)),
        if p95 <= goal_ms { "met" } else { "NOT met" }
    );
}

fn paced(window: &mut Window, frames: usize, mut events: impl FnMut(usize) -> Vec<egui::Event>) -> Vec<Duration> {
    (0..frames)
        .map(|i| {
            let d = window.frame(events(i));
            std::thread::sleep(Duration::from_millis(16));
            d
        })
        .collect()
}

fn scroll_events(pos: egui::Pos2, down: bool) -> Vec<egui::Event> {
    vec![
        egui::Event::PointerMoved(pos),
        egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Line,
            delta: egui::vec2(0.0, if down { -3.0 } else { 3.0 }),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: egui::Modifiers::NONE,
        },
    ]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let workers: usize = arg("--workers").and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let small = args.iter().any(|a| a == "--small-photos");
    let (_tmp, data) = match arg("--data") {
        Some(dir) => (None, PathBuf::from(dir)),
        None => {
            let tmp = tempfile::tempdir().expect("tmp");
            let data = tmp.path().join("data");
            (Some(tmp), data)
        }
    };
    let store = cwr_station::store::Store::open_in(&data).expect("store");
    if store.stats().expect("stats").workers == 0 {
        let started = Instant::now();
        let options = GenerateOptions {
            workers,
            waiting: 4_900.min(workers / 2),
            refused: 100.min(workers / 10),
            full_photos: !small,
            ..Default::default()
        };
        generate_store(&data, &options).expect("generate");
        println!(
            "generated {workers} workers in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let stats = store.stats().expect("stats");
    drop(store);
    println!(
        "store: {} workers, {} queue items open, {:.1} MB on disk, {:.0} KB per worker ({:.0} KB of it photos)",
        stats.workers,
        stats.unsent,
        stats.file_bytes as f64 / 1_048_576.0,
        stats.bytes_per_worker() as f64 / 1024.0,
        stats.photo_bytes as f64 / stats.workers.max(1) as f64 / 1024.0
    );

    // Offline (nothing listens on port 9): the queue keeps its 5,000 items, as on a site
    // whose line is down, and the sender's one failed try opens the breaker.
    let mut config = Config {
        environment: Environment::Custom,
        base_url: "http://127.0.0.1:9".into(),
        api_key: "BENCH".into(),
        client_serial: "BENCH".into(),
        project_id: "440300201900001".into(),
        ..Config::default()
    };
    if let Some(address) = arg("--store") {
        // `--store site`: a PostgreSQL server of the benchmark's own on loopback, as the
        // tests start one (Debian's package).
        let address = if address == "site" {
            cwr_station::host::pg_server::PgServer::shared().fresh_database("bench_ui")
        } else {
            address
        };
        config.store.station_name = "测速".into();
        config.use_store(&address).expect("--store address");
        let location = config.store_location(&data).expect("location");
        let started = Instant::now();
        let report = cwr_station::station::maintenance::copy_to_site(&data, &location).expect("copy");
        println!(
            "site database: {} rows copied in {:.1} s; the window reads and writes there",
            report.copied(),
            started.elapsed().as_secs_f64()
        );
    }
    let rss_before = rss_mb();
    let started = Instant::now();
    let mut window = Window::new(AppOptions {
        data_dir: data.clone(),
        config_path: data.join("config.json"),
        config,
        secret: Secret::new("BENCH"),
        demo: false,
        cameras: Arc::new(FaceCameras::new()),
        card_reader: Arc::new(cwr_station::card::DemoCards::default()),
        demo_cards: None,
    });
    window.frame(Vec::new());
    let first_frame = started.elapsed();
    window.until("the roster loaded", Duration::from_secs(120), |app| {
        app.snapshot.workers.len() >= workers
    });
    let loaded = started.elapsed();
    window.app().saved.screen = Screen::Roster;
    window.frame(Vec::new());
    let roster_drawn = started.elapsed();
    println!(
        "start-up: first frame {:.0} ms, data on screen {:.0} ms, roster drawn {:.0} ms (goal ≤ 1000 ms)",
        first_frame.as_secs_f64() * 1000.0,
        loaded.as_secs_f64() * 1000.0,
        roster_drawn.as_secs_f64() * 1000.0
    );

    // 1. Enrollment with the live camera preview.
    window.app().saved.screen = Screen::Enroll;
    window.frame(Vec::new());
    window.app().enroll.open_camera();
    window.until("a camera picture", Duration::from_secs(20), |app| {
        app.enroll.camera_live()
    });
    let samples = paced(&mut window, 300, |_| Vec::new());
    report("enrollment, live camera 1280×720 @ 30 fps", 3.0, samples);

    // 1b. The same with 人证比对 running: a chip portrait on the form, so the face worker
    // detects and compares on every preview frame it takes (off the window's thread).
    let chip = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates/face/tests/faces/obama.jpg"
    ))
    .expect("chip");
    let chip =
        image::load_from_memory(&chip)
            .expect("chip")
            .resize_exact(102, 126, image::imageops::FilterType::Triangle);
    let mut chip_jpeg = Vec::new();
    chip.write_to(&mut std::io::Cursor::new(&mut chip_jpeg), image::ImageFormat::Jpeg)
        .expect("chip jpeg");
    window
        .app()
        .enroll
        .put_photo(PhotoKind::IdPortrait, PhotoSource::Bytes(chip_jpeg));
    window.until("the face worker's first verdict", Duration::from_secs(60), |app| {
        app.enroll.live_verdict().is_some()
    });
    let samples = paced(&mut window, 300, |_| Vec::new());
    println!(
        "  live verdict during the run: {:?} (the face worker's own time is in bench_face)",
        window.app().enroll.live_verdict()
    );
    report("enrollment, live camera + face detection running", 3.0, samples);

    // 2. The roster: scrolling, sorting, searching.
    window.app().saved.screen = Screen::Roster;
    window.frame(Vec::new());
    window.frame(Vec::new());
    let table = egui::pos2(600.0, 500.0);
    let samples = paced(&mut window, 300, |i| scroll_events(table, (i / 100) % 2 == 0));
    report(&format!("roster of {workers}: scrolling"), 4.0, samples);
    let mut sort_samples = Vec::new();
    for i in 0..20 {
        window.app().saved.roster.sort = if i % 2 == 0 { SortKey::Company } else { SortKey::Name };
        sort_samples.push(window.frame(Vec::new()));
        paced(&mut window, 3, |_| Vec::new());
    }
    report(
        &format!("roster of {workers}: the frame after a sort"),
        8.0,
        sort_samples,
    );
    let mut key_samples = Vec::new();
    for round in 0..4 {
        for (n, c) in ["张", "伟", "4", "4", "0", "3"].iter().enumerate() {
            let search = &mut window.app().saved.roster.search;
            if n == 0 {
                search.clear();
            }
            search.push_str(c);
            key_samples.push(window.frame(Vec::new()));
            paced(&mut window, 2, |_| Vec::new());
        }
        let _ = round;
    }
    window.app().saved.roster.search.clear();
    window.frame(Vec::new());
    report(
        &format!("roster of {workers}: the frame after a keystroke"),
        8.0,
        key_samples,
    );
    let rss_roster = rss_mb();

    // 3. The upload queue.
    window.app().saved.screen = Screen::Queue;
    window.frame(Vec::new());
    let samples = paced(&mut window, 300, |i| scroll_events(table, (i / 100) % 2 == 0));
    report(
        &format!("upload queue, {} items open: scrolling", stats.unsent),
        4.0,
        samples,
    );
    println!(
        "memory: resident {:.0} MB after opening the roster ({:.0} MB before the window; goal ≤ 250 MB)",
        rss_roster, rss_before
    );
}
