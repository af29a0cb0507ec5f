//! The station as an attendance point, end to end: the log reaches the platform with the
//! pass time readable in its photo, a double punch is one log, logs due together go in one
//! call and a batch the platform does not simply accept is taken apart, a log that could not
//! go within the platform's 2 hours is never sent and is marked, and a project that is not
//! 在建 is said so without stopping registrations.

use crate::common;
use cwr_station::store::ItemId;
use cwr_station::store::prelude::*;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use common::cli::*;
use common::fake::{FakeServer, envelope_answer};
use common::*;
use cwr_station::api::{PlatformClient, PlatformClock, ProtocolTable, TimeSource};
use cwr_station::config::Config;
use cwr_station::domain::{Company, Direction, Identified, ItemState, Pass, Passer};
use cwr_station::media::watermark::{band_height_px, burn_band};
use cwr_station::outbox::{DrainReport, NOT_UNDER_CONSTRUCTION, SendSettings, Sender};
use cwr_station::sim::{self, DEMO_PROJECT_ID, FaultKind, Faults, SimHandle};
use cwr_station::station::{PassRequest, SitePhoto, Station};
use cwr_station::store::Store;

const COMPANY: &str = "深圳市考勤测试劳务有限公司";

/// A station and its sender sharing one clock that the test can move forward.
struct Point {
    _dir: tempfile::TempDir,
    station: Station,
    sender_store: Store,
    clock: Arc<PlatformClock>,
    ahead_secs: Arc<AtomicI64>,
    client: PlatformClient,
    settings: SendSettings,
}

impl Point {
    fn new(base_url: &str) -> Point {
        Point::with(base_url, Config::default())
    }

    /// `config`'s own settings, with the gate and project every test needs.
    fn with(base_url: &str, config: Config) -> Point {
        let dir = tempfile::tempdir().expect("tmp");
        let ahead_secs = Arc::new(AtomicI64::new(0));
        let time: TimeSource = {
            let ahead = Arc::clone(&ahead_secs);
            Arc::new(move || Utc::now() + Duration::seconds(ahead.load(Ordering::SeqCst)))
        };
        let clock = Arc::new(PlatformClock::new(time));
        let config = Config {
            device_id: "GATE-7".into(),
            project_id: DEMO_PROJECT_ID.into(),
            ..config
        };
        let station = Station::open(dir.path(), config.clone(), Arc::clone(&clock)).expect("station");
        let sender_store = Store::open_in(dir.path()).expect("store");
        let client = client_on(base_url, &clock, ProtocolTable::default());
        let settings = cwr_station::station::send_settings(&config, &client);
        Point {
            _dir: dir,
            station,
            sender_store,
            clock,
            ahead_secs,
            client,
            settings,
        }
    }

    fn point_at(&mut self, base_url: &str) {
        self.client = client_on(base_url, &self.clock, ProtocolTable::default());
    }

    fn drain(&mut self) -> DrainReport {
        Sender::new(&mut self.sender_store, &self.client, &self.settings)
            .drain()
            .expect("drain")
    }

    fn drain_now(&mut self) -> DrainReport {
        self.sender_store.retry_all_now().expect("due");
        self.sender_store.reset_breaker().expect("breaker");
        self.drain()
    }

    /// A company and `n` workers, registered on the platform.
    fn enroll(&mut self, n: u32, seed: u32) -> Vec<String> {
        self.sender_store
            .save_company(&checked_company(&Company {
                company_name: COMPANY.into(),
                legal_person: "负责人".into(),
                suid: uscc(seed),
                company_type: "03".into(),
                ..Default::default()
            }))
            .expect("company");
        let ids: Vec<String> = (0..n).map(|i| id_code(seed + i)).collect();
        for (i, id) in ids.iter().enumerate() {
            let w = worker_request(id, &format!("工人{i}"), COMPANY).to_worker();
            self.sender_store
                .save_worker(&checked_worker(&w), &test_photos())
                .expect("worker");
        }
        let report = self.drain();
        assert_eq!(report.sent as u32, n + 1, "{report:?}");
        ids
    }

    fn pass(
        &mut self,
        passer: Passer,
        direction: Direction,
        at: Option<DateTime<Utc>>,
    ) -> cwr_station::station::Attended {
        self.station
            .record_attendance(PassRequest {
                passer,
                direction,
                passed_at: at,
                photo: Some(SitePhoto::Frame(frame(480, 640))),
                identified: Identified::Clerk,
            })
            .expect("recorded")
    }

    fn state(&self, item: ItemId) -> ItemState {
        self.sender_store.outbox_item(item).expect("item").state
    }

    fn successes(&self) -> u64 {
        self.sender_store
            .success_counts("测试")
            .expect("counts")
            .into_iter()
            .find(|(e, _)| e == "UploadPassedLog")
            .map_or(0, |(_, n)| n)
    }
}

fn worker(id: &str) -> Passer {
    Passer::Worker { id_code: id.into() }
}

fn visitor(seed: u32) -> Passer {
    Passer::Visitor {
        name: format!("访客{seed}"),
        id_code: id_code(seed),
    }
}

fn sim_with(faults: Faults) -> SimHandle {
    let mut c = sim_config();
    c.faults = faults;
    sim::start(c).expect("sim")
}

/// A face-like frame: a lit oval on a textured background.
fn frame(width: u32, height: u32) -> image::RgbImage {
    image::RgbImage::from_fn(width, height, |x, y| {
        let (dx, dy) = (x as f32 - width as f32 / 2.0, y as f32 - height as f32 / 2.5);
        if dx * dx / 150.0f32.powi(2) + dy * dy / 190.0f32.powi(2) < 1.0 {
            image::Rgb([222, 184, 150])
        } else {
            image::Rgb([(60 + x % 40) as u8, (90 + y % 30) as u8, 120])
        }
    })
}

/// Mean absolute difference of the bottom bands of two images of one size.
fn band_difference(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    let top = a.height() - band_height_px(a.height());
    let mut sum = 0u64;
    let mut n = 0u64;
    for y in top..a.height() {
        for x in 0..a.width() {
            sum += u64::from(a.get_pixel(x, y).0[0].abs_diff(b.get_pixel(x, y).0[0]));
            n += 1;
        }
    }
    sum as f64 / n as f64
}

#[test]
fn a_log_reaches_the_platform_with_the_pass_time_readable_in_its_photo() {
    let sim = start_sim();
    let mut point = Point::new(&sim.base_url());
    let ids = point.enroll(1, 300);
    let emp_id = point
        .sender_store
        .worker(&ids[0])
        .expect("read")
        .expect("worker")
        .emp_id;
    assert!(!emp_id.is_empty());

    let attended = point
        .station
        .record_attendance(PassRequest {
            passer: worker(&ids[0]),
            direction: Direction::In,
            passed_at: None,
            photo: Some(SitePhoto::Frame(frame(640, 480))),
            identified: Identified::Clerk,
        })
        .expect("recorded");
    assert!(attended.repeat_of.is_none());
    let report = point.drain();
    assert_eq!(report.sent, 1, "{report:?}");
    assert_eq!(point.state(attended.item_id), ItemState::Sent);
    assert_eq!(point.successes(), 1);

    let logs = sim.state().passed_logs;
    assert_eq!(logs.len(), 1);
    let log = &logs[0];
    assert_eq!(log["Device_ID"], "GATE-7");
    assert_eq!(log["person_type"], "1");
    assert_eq!(
        log["person_id"],
        emp_id.as_str(),
        "the platform's worker number is sent when known"
    );
    assert_eq!(log["person_name"], "工人0");
    assert_eq!(log["direction"], "in");
    assert_eq!(log["way"], "1");
    let stamp = cwr_station::api::beijing_timestamp(attended.passed_at);
    assert_eq!(log["passed_time"], stamp.as_str());

    // The photo as the platform got it: a JPEG whose bottom band is black with white digits
    // that read as the pass time.
    let jpeg = base64::engine::general_purpose::STANDARD
        .decode(log["site_photo"].as_str().expect("photo"))
        .expect("base64");
    let sent = image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg)
        .expect("a JPEG")
        .into_rgb8();
    assert_eq!(sent.dimensions(), (640, 480));
    let band = band_height_px(480);
    let top = 480 - band;
    let (mut dark, mut bright) = (0u32, 0u32);
    for y in top..480 {
        for x in 0..640 {
            match sent.get_pixel(x, y).0[0] {
                0..=50 => dark += 1,
                200..=255 => bright += 1,
                _ => {}
            }
        }
    }
    let area = 640 * band;
    assert!(dark > area * 6 / 10, "the band is black: {dark} of {area}");
    assert!(bright > area / 100, "white digits in it: {bright} of {area}");
    if let Ok(path) = std::env::var("CWR_SAVE_SITE_PHOTO") {
        std::fs::write(path, &jpeg).expect("save");
    }
    // Above the band the picture is untouched (the face's colour, not black).
    let above = sent.get_pixel(320, 190).0;
    assert!(above[0] > 180 && above[1] > 140, "{above:?}");

    let drawn = |text: &str| {
        let mut img = image::RgbImage::from_pixel(640, 480, image::Rgb([128, 128, 128]));
        burn_band(&mut img, text).expect("burn");
        img
    };
    let same = band_difference(&sent, &drawn(&stamp));
    let minute_later =
        cwr_station::api::beijing_timestamp(attended.passed_at + Duration::seconds(60) + Duration::hours(1));
    let other = band_difference(&sent, &drawn(&minute_later));
    assert!(same < 6.0, "the band reads {stamp}: difference {same:.2}");
    assert!(
        other > same * 2.0,
        "another time reads differently: {other:.2} vs {same:.2}"
    );
}

#[test]
fn a_double_punch_is_one_log_and_the_clerk_is_told() {
    let sim = start_sim();
    let mut point = Point::new(&sim.base_url());
    let ids = point.enroll(1, 320);
    let t0 = point.clock.platform_now() - Duration::minutes(10);
    let first = point.pass(worker(&ids[0]), Direction::In, Some(t0));
    let again = point.pass(worker(&ids[0]), Direction::In, Some(t0 + Duration::seconds(30)));
    assert_eq!(again.item_id, first.item_id);
    assert!(again.repeat_of.is_some());
    assert!(
        again
            .notes
            .iter()
            .any(|n| n.contains("60 秒内") && n.contains("没有另记")),
        "{:?}",
        again.notes
    );
    let out = point.pass(worker(&ids[0]), Direction::Out, Some(t0 + Duration::seconds(40)));
    assert_ne!(out.item_id, first.item_id, "the other direction is a log of its own");
    let later = point.pass(worker(&ids[0]), Direction::In, Some(t0 + Duration::seconds(61)));
    assert_ne!(later.item_id, first.item_id, "a minute later is a new log");

    point.drain();
    assert_eq!(sim.state().passed_logs.len(), 3);
    // The window is a setting.
    let mut config = point.station.config().clone();
    config.attendance_debounce_secs = 0;
    point.station.set_config(config);
    let no_debounce = point.pass(worker(&ids[0]), Direction::Out, Some(t0 + Duration::seconds(41)));
    assert!(no_debounce.repeat_of.is_none());
}

#[test]
fn logs_due_together_go_in_one_call() {
    let sim = start_sim();
    let mut point = Point::new(&sim.base_url());
    let ids = point.enroll(3, 340);
    let mut items: Vec<ItemId> = ids
        .iter()
        .map(|id| point.pass(worker(id), Direction::In, None).item_id)
        .collect();
    items.push(point.pass(visitor(900), Direction::In, None).item_id);
    let report = point.drain();
    assert_eq!(report.sent, 4, "{report:?}");
    assert_eq!(point.successes(), 1, "four logs, one UploadPassedLog");
    assert!(items.iter().all(|&i| point.state(i) == ItemState::Sent));
    let logs = sim.state().passed_logs;
    assert_eq!(logs.len(), 4);
    assert_eq!(logs[3]["person_type"], "0");
    assert_eq!(logs[3]["person_id"], id_code(900).as_str());
}

/// An instance that refuses a whole batch with 48 when one log in it is already there (the
/// answer to its first send was lost): each log is then sent alone, so the repeat is done and
/// the new log is delivered, not the batch failed.
#[test]
fn a_48_for_a_batch_marks_the_repeat_done_and_still_delivers_the_rest() {
    let sim = sim_with(Faults {
        queue: vec![FaultKind::LoseAnswer],
        ..Faults::default()
    });
    let mut point = Point::new(&sim.base_url());
    let a = point.pass(visitor(910), Direction::In, None).item_id;
    let report = point.drain();
    assert_eq!(report.retry, 1, "the answer was lost: {report:?}");
    assert_eq!(sim.state().passed_logs.len(), 1, "but the platform stored it");

    let b = point.pass(visitor(911), Direction::In, None).item_id;
    sim.set_faults(Faults {
        passed_log_batch_48: true,
        ..Faults::default()
    });
    let report = point.drain_now();
    assert_eq!(report.sent, 2, "{report:?}");
    assert_eq!(point.state(a), ItemState::Sent);
    assert_eq!(point.state(b), ItemState::Sent);
    let logs = sim.state().passed_logs;
    assert_eq!(logs.len(), 2, "each log once on the platform");
    let item_a = point.sender_store.outbox_item(a).expect("item");
    assert_eq!(item_a.last_code, "48", "the repeat says what the platform answered");
}

/// A platform that names the bad log of a batch: that log is refused with its words, the
/// others go in the next call.
#[test]
fn a_refusal_naming_one_log_refuses_that_log_only() {
    let fake = FakeServer::start(|req, n| {
        assert!(req.target.contains("UploadPassedLog"), "{}", req.target);
        if n == 0 {
            envelope_answer(
                r#"{"result":"false","status":200,"code":"41","message":"参数不合法","detail_message":"参数不合法(passedlog_list[1].person_name)","result_data":null}"#,
                None,
            )
        } else {
            envelope_answer(
                r#"{"result":"true","status":200,"code":"00","message":"成功","result_data":null}"#,
                None,
            )
        }
    });
    let mut point = Point::new(&fake.url());
    let items: Vec<ItemId> = (920..923)
        .map(|s| point.pass(visitor(s), Direction::Out, None).item_id)
        .collect();
    let report = point.drain();
    assert_eq!((report.sent, report.needs_fix), (2, 1), "{report:?}");
    assert_eq!(point.state(items[0]), ItemState::Sent);
    assert_eq!(point.state(items[1]), ItemState::NeedsFix);
    assert_eq!(point.state(items[2]), ItemState::Sent);
    let refused = point.sender_store.outbox_item(items[1]).expect("item");
    assert!(
        refused.last_message.contains("passedlog_list[1].person_name"),
        "{refused:?}"
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    let second: serde_json::Value = serde_json::from_slice(&requests[1].body).expect("json");
    assert_eq!(second["passedlog_list"].as_array().map(Vec::len), Some(2));
    assert!(point.sender_store.queue_paused().expect("read").is_none());
}

/// The site's line is down for 2 h 5 min: the log cannot be sent any more, so it is not,
/// and it stays listed as 已过时限 — even though the platform behind the line would take it.
#[test]
fn a_log_kept_offline_past_the_window_is_never_sent_and_is_marked() {
    let down = format!("http://127.0.0.1:{}", free_port());
    let mut point = Point::new(&down);
    let item = point.pass(visitor(930), Direction::In, None).item_id;
    let report = point.drain();
    assert_eq!(report.retry, 1, "{report:?}");
    assert!(report.waiting_until.is_some());

    point.ahead_secs.store(2 * 3600 + 5 * 60, Ordering::SeqCst);
    let accepts_everything = FakeServer::start(|_, _| {
        envelope_answer(
            r#"{"result":"true","status":200,"code":"00","message":"成功","result_data":null}"#,
            None,
        )
    });
    point.point_at(&accepts_everything.url());
    let report = point.drain_now();
    assert_eq!(report.expired, 1, "{report:?}");
    assert_eq!(report.sent, 0);
    assert!(
        accepts_everything.requests().is_empty(),
        "nothing is sent late: {:?}",
        accepts_everything
            .requests()
            .iter()
            .map(|r| r.target.clone())
            .collect::<Vec<_>>()
    );
    let stored = point.sender_store.outbox_item(item).expect("item");
    assert_eq!(stored.state, ItemState::Expired);
    assert!(stored.last_advice.contains("2 小时"), "{}", stored.last_advice);
    let counts = point.sender_store.outbox_counts().expect("counts");
    assert_eq!((counts.expired, counts.open()), (1, 0));
    // Listed with the day's logs (and so exported with them).
    let now = point.clock.platform_now();
    let day = point
        .station
        .store()
        .passes_between(now - Duration::days(1), now + Duration::days(1))
        .expect("list");
    assert_eq!(day.len(), 1);
    assert_eq!(day[0].state, ItemState::Expired);
    // And a retry cannot send it either.
    assert!(point.station.retry(item).is_err());
    point.drain_now();
    assert!(accepts_everything.requests().is_empty());
}

/// A bureau notice shortening the window to one hour: the setting, not a constant, decides
/// what the point refuses and what the queue gives up on, and the words say one hour.
#[test]
fn the_window_is_the_setting_under_platform_rules() {
    let down = format!("http://127.0.0.1:{}", free_port());
    let config = Config {
        attendance_window_secs: 3600,
        ..Config::default()
    };
    let mut point = Point::with(&down, config);
    let now = point.clock.platform_now();
    let late = point.station.record_attendance(PassRequest {
        passer: visitor(931),
        direction: Direction::In,
        passed_at: Some(now - Duration::minutes(70)),
        photo: Some(SitePhoto::Frame(frame(480, 640))),
        identified: Identified::Clerk,
    });
    let why = late.expect_err("past one hour").to_string();
    assert!(why.contains("1 小时"), "{why}");

    let item = point
        .pass(visitor(932), Direction::In, Some(now - Duration::minutes(50)))
        .item_id;
    point.ahead_secs.store(15 * 60, Ordering::SeqCst);
    assert_eq!(point.station.expire_overdue_passes().expect("expire"), 1);
    let stored = point.sender_store.outbox_item(item).expect("item");
    assert_eq!(stored.state, ItemState::Expired);
    assert!(stored.last_advice.contains("1 小时"), "{}", stored.last_advice);
}

#[test]
fn a_project_not_under_construction_is_said_so_and_registrations_still_go() {
    let sim = start_sim();
    let mut point = Point::new(&sim.base_url());
    let ids = point.enroll(2, 360);
    sim.set_under_construction(false);
    let first = point.pass(worker(&ids[0]), Direction::In, None).item_id;
    point.drain();
    let second = point.pass(worker(&ids[1]), Direction::In, None).item_id;
    point.drain();
    for item in [first, second] {
        let stored = point.sender_store.outbox_item(item).expect("item");
        assert_eq!(stored.state, ItemState::NeedsFix);
        assert_eq!(stored.last_advice, NOT_UNDER_CONSTRUCTION);
    }
    assert!(
        point.sender_store.queue_paused().expect("read").is_none(),
        "two logs refused alike say nothing about the settings"
    );
    let w = worker_request(&id_code(370), "后来的人", COMPANY).to_worker();
    let reg = point
        .sender_store
        .save_worker(&checked_worker(&w), &test_photos())
        .expect("worker");
    point.drain();
    assert_eq!(point.state(reg), ItemState::Sent);
}

#[test]
fn only_a_worker_on_the_site_or_a_visitor_can_pass() {
    let sim = start_sim();
    let mut point = Point::new(&sim.base_url());
    let ids = point.enroll(2, 380);
    let refuse = |point: &mut Point, passer: Passer| {
        point
            .station
            .record_attendance(PassRequest {
                passer,
                direction: Direction::In,
                passed_at: None,
                photo: Some(SitePhoto::Frame(frame(480, 640))),
                identified: Identified::Clerk,
            })
            .expect_err("refused")
            .to_string()
    };
    assert!(refuse(&mut point, worker(&id_code(399))).contains("还没有在本站登记"));
    assert!(refuse(&mut point, worker("440305199001011234")).contains("身份证"));
    let as_visitor = Passer::Visitor {
        name: "工人0".into(),
        id_code: ids[0].clone(),
    };
    assert!(refuse(&mut point, as_visitor).contains("按工人记录"));
    point.station.leave(&ids[1..2], None).expect("leave");
    assert!(refuse(&mut point, worker(&ids[1])).contains("离场"));
    let old = point.clock.platform_now() - Duration::minutes(125);
    let late = point.station.record_attendance(PassRequest {
        passer: worker(&ids[0]),
        direction: Direction::In,
        passed_at: Some(old),
        photo: Some(SitePhoto::Frame(frame(480, 640))),
        identified: Identified::Clerk,
    });
    assert!(late.expect_err("too old").to_string().contains("2 小时"));
    // A broken photo is refused with what to do; nothing is stored.
    let broken = point.station.record_attendance(PassRequest {
        passer: worker(&ids[0]),
        direction: Direction::In,
        passed_at: None,
        photo: Some(SitePhoto::File(b"not a photo".to_vec())),
        identified: Identified::Clerk,
    });
    assert!(broken.expect_err("refused").to_string().contains("现场照片"));
    assert_eq!(
        point.sender_store.outbox_counts().expect("counts").open(),
        1,
        "only the departure"
    );
}

/// A log is recorded only with its face, and sent as 人脸识别 (`way` 1) with it; a log kept
/// without one (recorded before the photo was required) is held back, not sent as 人脸识别.
#[test]
fn way_one_goes_only_with_the_face_that_backs_it() {
    let sim = sim_with(Faults::default());
    let mut point = Point::new(&sim.base_url());
    let refused = point
        .station
        .record_attendance(PassRequest {
            passer: visitor(940),
            direction: Direction::In,
            passed_at: None,
            photo: None,
            identified: Identified::Clerk,
        })
        .expect_err("no photo")
        .to_string();
    assert!(
        refused.contains("现场照片") && refused.contains("人脸识别"),
        "{refused}"
    );
    assert_eq!(point.sender_store.outbox_counts().expect("counts").open(), 0);

    let with_face = point.pass(visitor(941), Direction::In, None).item_id;
    let now = point.clock.platform_now();
    let old = Pass::validate(visitor(942), Direction::In, now, now, 7200).expect("valid");
    let without = point
        .sender_store
        .record_pass(&old, "访客942", "", None, Identified::Clerk)
        .expect("an older log without its photo");
    point.drain();
    assert_eq!(point.state(with_face), ItemState::Sent);
    let logs = sim.state().passed_logs;
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert_eq!(logs[0]["way"], "1");
    assert!(logs[0]["site_photo"].as_str().is_some_and(|p| p.len() > 1000));
    let held = point.sender_store.outbox_item(without).expect("item");
    assert_eq!(held.state, ItemState::NeedsFix);
    assert!(held.last_advice.contains("现场照片"), "{}", held.last_advice);
}
