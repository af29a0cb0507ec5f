//! A record is 已上传 only when the platform took it, and nothing a retry would deliver waits
//! for a person. Each test answers the way a real platform instance, a site proxy or a bad
//! network may, not the way our own simulator does by default.

use crate::common;
use cwr_station::store::ItemId;
use cwr_station::store::prelude::*;

use std::path::Path;

use common::cli::*;
use common::fake::{FakeServer, envelope_answer, http_answer};
use common::*;
use cwr_station::api::{
    ApiError, Credentials, Endpoint, PlatformClient, PlatformClock, ProtocolTable, Secret, Timeouts,
};
use cwr_station::domain::Company;
use cwr_station::domain::{DepartureState, ItemState, RecordState};
use cwr_station::outbox::{DrainReport, SendSettings, Sender};
use cwr_station::sim::{self, DEMO_PROJECT_ID, FaultKind, Faults, LeaveShape, Refusal, SimConfig, SimHandle};
use cwr_station::store::{OutboxItem, ParkReason, Store, WorkerPhotos};

fn photos() -> WorkerPhotos {
    test_photos()
}

/// A station's store and sender against one platform address, as the window runs them.
struct Station {
    _dir: tempfile::TempDir,
    store: Store,
    client: PlatformClient,
    settings: SendSettings,
}

impl Station {
    fn new(base_url: &str) -> Station {
        Station::with_secret(base_url, &SimConfig::demo().api_secret)
    }

    fn with_secret(base_url: &str, secret: &str) -> Station {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open_in(dir.path()).expect("store");
        let client = client_with_secret(base_url, secret);
        let settings = SendSettings::for_client(&client, DEMO_PROJECT_ID, "测试");
        Station {
            _dir: dir,
            store,
            client,
            settings,
        }
    }

    /// The connection settings change (保存设置 with another secret).
    fn reconnect(&mut self, base_url: &str, secret: &str) {
        self.client = client_with_secret(base_url, secret);
        self.settings = SendSettings::for_client(&self.client, DEMO_PROJECT_ID, "测试");
    }

    fn drain(&mut self) -> DrainReport {
        Sender::new(&mut self.store, &self.client, &self.settings)
            .drain()
            .expect("drain")
    }

    /// Drains with every scheduled retry made due and the network wait lifted, as
    /// `outbox drain` does.
    fn drain_now(&mut self) -> DrainReport {
        self.store.retry_all_now().expect("due");
        self.store.reset_breaker().expect("breaker");
        self.drain()
    }

    fn company(&mut self, suid: &str, name: &str) -> ItemId {
        self.store
            .save_company(&checked_company(&Company {
                company_name: name.into(),
                legal_person: "负责人".into(),
                suid: suid.into(),
                company_type: "03".into(),
                ..Default::default()
            }))
            .expect("company")
    }

    fn worker(&mut self, id: &str, name: &str, company: &str) -> ItemId {
        let w = worker_request(id, name, company).to_worker();
        self.store.save_worker(&checked_worker(&w), &photos()).expect("worker")
    }

    fn item(&self, id: ItemId) -> OutboxItem {
        self.store.outbox_item(id).expect("item")
    }
}

fn client_with_secret(base_url: &str, secret: &str) -> PlatformClient {
    let demo = SimConfig::demo();
    PlatformClient::new(
        Credentials {
            base_url: base_url.to_string(),
            api_key: demo.api_key,
            api_secret: Secret::new(secret),
            client_serial: demo.client_serial,
        },
        ProtocolTable::default(),
        std::sync::Arc::new(PlatformClock::new(cwr_station::api::clock::system_time())),
        Timeouts {
            connect_secs: 2,
            call_secs: 20,
        },
    )
    .expect("client")
}

fn sim_with(faults: Faults) -> SimHandle {
    let mut c = sim_config();
    c.faults = faults;
    sim::start(c).expect("sim")
}

/// A station with one company and `n` workers registered on the platform.
fn enrolled(sim: &SimHandle, n: u32, seed: u32) -> (Station, Vec<String>) {
    let mut st = Station::new(&sim.base_url());
    let company = format!("深圳市信任测试{seed}劳务有限公司");
    st.company(&uscc(seed), &company);
    let ids: Vec<String> = (0..n).map(|i| id_code(seed * 10 + i)).collect();
    for (i, id) in ids.iter().enumerate() {
        st.worker(id, &format!("工人{i}"), &company);
    }
    let r = st.drain();
    assert_eq!(r.sent as u32, n + 1, "{r:?}");
    (st, ids)
}

// 1. A `10` whose failures cannot be matched to the batch marks nobody departed.
#[test]
fn a_partial_answer_that_names_nobody_in_the_batch_marks_nobody_departed() {
    for (n, shape) in [
        LeaveShape::CamelCase,
        LeaveShape::Strings,
        LeaveShape::Null,
        LeaveShape::ForeignIds,
    ]
    .into_iter()
    .enumerate()
    {
        let sim = sim_with(Faults {
            leave_partial_shape: shape,
            ..Faults::default()
        });
        let (mut st, ids) = enrolled(&sim, 1, 300 + n as u32);
        // The second worker is not on the platform: the platform answers 10.
        let stranger = id_code(9000 + n as u32);
        let items = st
            .store
            .record_departures(
                &departure_batch(&[ids[0].clone(), stranger.clone()], "2026-11-28 18:00:00"),
                50,
            )
            .expect("leave");
        st.drain();
        let item = st.item(items[0]);
        assert_eq!(item.state, ItemState::NeedsFix, "{shape:?}: {item:?}");
        assert_eq!(item.park_reason, ParkReason::UnknownPartial, "{shape:?}");
        assert_eq!(item.last_code, "10", "{shape:?}: the code the platform sent is kept");
        assert!(
            item.last_message.contains("部分失败"),
            "{shape:?}: {}",
            item.last_message
        );
        assert!(!item.last_detail.is_empty(), "{shape:?}: the raw result_data is kept");
        assert!(item.last_advice.contains("重试"), "{}", item.last_advice);
        let rec = st.store.worker(&ids[0]).expect("read").expect("worker");
        assert_ne!(
            rec.state,
            RecordState::Departed,
            "{shape:?}: nobody may be marked departed"
        );
        assert!(
            st.store
                .departures_of(items[0])
                .expect("departures")
                .iter()
                .all(|(_, state, _)| *state != DepartureState::Sent)
        );
        // The platform now answers in the shape the station reads: a resend settles it.
        sim.set_faults(Faults::default());
        st.store.retry_now(items[0]).expect("retry");
        st.drain();
        let rec = st.store.worker(&ids[0]).expect("read").expect("worker");
        assert_eq!(rec.state, RecordState::Departed, "{shape:?}");
        let departures = st.store.departures_of(items[0]).expect("departures");
        assert_eq!(departures[0].1, DepartureState::Sent);
        assert_eq!(
            departures[1].1,
            DepartureState::NeedsFix,
            "the stranger is named: {departures:?}"
        );
        assert_eq!(st.item(items[0]).last_code, "10");
    }
}

// 1 (command line). `leave` exits 1 and never says 平台已接收 for an unmatched 10.
#[test]
fn leave_command_exits_1_on_an_unmatched_partial_answer() {
    let sim = sim_with(Faults {
        leave_partial_shape: LeaveShape::CamelCase,
        ..Faults::default()
    });
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let url = sim.base_url();
    let company = "深圳市命令行离场劳务有限公司";
    let (code, out) = run(station(&data, &url)
        .args(["company", "add", "--file"])
        .arg(write_company_file(dir.path(), &uscc(330), company)));
    assert_eq!(code, 0, "{out}");
    let id = id_code(3300);
    let (code, out) = run(station(&data, &url)
        .arg("register")
        .arg("--worker")
        .arg(write_worker_file(dir.path(), &id, "刘一", company)));
    assert_eq!(code, 0, "{out}");
    let (code, out) = run(station(&data, &url).args(["leave", &id, &id_code(3301)]));
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("平台已接收"), "{out}");
    let store = Store::open_in(&data).expect("store");
    assert_ne!(
        store.worker(&id).expect("read").expect("w").state,
        RecordState::Departed
    );
}

// 2. `--demo` runs in a data dir of its own: the real one is unchanged byte for byte.
#[test]
fn the_demo_never_touches_the_real_data_dir() {
    let dir = tempfile::tempdir().expect("tmp");
    let real = dir.path().join("cwr-station");
    // A real station with a queued worker (the platform is unreachable).
    let dead = format!("http://127.0.0.1:{}", free_port());
    let (code, out) = run(station(&real, &dead)
        .arg("register")
        .arg("--worker")
        .arg(write_worker_file(dir.path(), &id_code(3400), "周一", "某公司")));
    assert_eq!(code, 3, "{out}");
    std::fs::write(
        real.join("config.json"),
        r#"{"environment":"production","project_id":"REAL"}"#,
    )
    .expect("config");
    let before = snapshot_dir(&real);

    // A simulator on a port of its own, told to the demo through CWR_DEMO_SIM.
    let sim = start_sim();
    for args in [
        vec!["--demo", "outbox", "drain"],
        vec!["--demo", "outbox", "list"],
        vec!["--demo", "dict", "job-name"],
    ] {
        let (code, out) = run(station(&real, &dead)
            .args(&args)
            .env("CWR_DEMO_SIM", sim.addr().to_string()));
        assert!(code == 0, "{args:?}: {code} {out}");
    }
    assert_eq!(snapshot_dir(&real), before, "the real data dir changed");
    assert!(sim.state().workers.is_empty(), "the real queue reached the simulator");
    let demo = dir.path().join("cwr-station-demo");
    let demo_store = Store::open_in(&demo).expect("demo store");
    assert!(
        demo_store
            .dictionary(Endpoint::DictListJobName)
            .expect("read")
            .is_some()
    );
    assert!(demo_store.outbox_items(true).expect("items").is_empty());
}

fn snapshot_dir(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().expect("name").to_string_lossy().into_owned(),
                std::fs::read(&p).expect("read"),
            )
        })
        .collect();
    files.sort();
    files
}

// 3. A proxy's or portal's HTML 4xx is weather: retried, never parked.
#[test]
fn a_proxy_page_is_retried_and_never_parked() {
    let sim = sim_with(Faults {
        queue: vec![FaultKind::Http404, FaultKind::Http407, FaultKind::Http413],
        ..Faults::default()
    });
    let mut st = Station::new(&sim.base_url());
    let item = st.company(&uscc(350), "深圳市代理测试劳务有限公司");
    for status in ["404", "407", "413"] {
        let r = st.drain_now();
        assert_eq!((r.retry, r.needs_fix), (1, 0), "HTTP {status}: {r:?}");
        let it = st.item(item);
        assert_eq!(it.state, ItemState::Retry, "HTTP {status}");
        assert!(it.last_message.contains(status), "{}", it.last_message);
    }
    // Three in a row: the advice now points at the address and the proxy.
    let it = st.item(item);
    assert!(
        it.last_advice.contains("平台地址") && it.last_advice.contains("代理"),
        "{}",
        it.last_advice
    );
    let r = st.drain_now();
    assert_eq!(r.sent, 1, "{r:?}");
    assert_eq!(st.item(item).state, ItemState::Sent);
}

// 4. A wrong secret refused under a code the document does not name: one pause, not N
//    parked records; fixing the secret sends them all.
#[test]
fn a_wrong_secret_pauses_the_queue_once_and_the_fixed_secret_sends_everything() {
    let sim = sim_with(Faults {
        signature_refusal: Some(Refusal {
            code: "11".into(),
            message: "请求失败".into(),
        }),
        ..Faults::default()
    });
    let url = sim.base_url();
    let mut st = Station::with_secret(&url, "wrong-secret-123");
    let items: Vec<ItemId> = (0..4)
        .map(|i| st.company(&uscc(360 + i), &format!("深圳市秘钥测试{i}劳务有限公司")))
        .collect();
    let r = st.drain();
    assert!(r.paused.is_some(), "{r:?}");
    assert_eq!(r.attempted, 2, "paused after two records refused alike: {r:?}");
    assert_eq!(sim.state().call_count("AddCompany", "11"), 2);
    let counts = st.store.outbox_counts().expect("counts");
    assert_eq!(counts.needs_fix, 0, "no record is parked for a person: {counts:?}");
    for id in &items[..2] {
        let it = st.item(*id);
        assert_eq!(it.park_reason, ParkReason::Settings);
        assert_eq!(it.last_code, "11");
    }
    // Draining again under the same settings sends nothing.
    assert_eq!(st.drain().attempted, 0);
    // The secret never lands in the database, only its keyed fingerprint.
    let db = std::fs::read(st.store.path()).expect("db");
    assert!(!db.windows(16).any(|w| w == b"wrong-secret-123"));

    st.reconnect(&url, &SimConfig::demo().api_secret);
    let r = st.drain();
    assert_eq!((r.sent, r.requeued), (4, 2), "{r:?}");
    assert!(st.store.queue_paused().expect("paused").is_none());
}

// 4 (command line). A command started with other credentials resumes a settings pause.
#[test]
fn outbox_drain_with_corrected_credentials_sends_what_the_old_ones_had_refused() {
    let sim = start_sim();
    let url = sim.base_url();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let file = write_company_file(dir.path(), &uscc(370), "深圳市命令行秘钥劳务有限公司");
    let (code, out) = run(station(&data, &url)
        .env("CWR_API_SECRET", "not-the-secret")
        .args(["company", "add", "--file"])
        .arg(&file));
    assert_eq!(code, 3, "stored and waiting for the settings: {out}");
    assert!(out.contains("暂停"), "{out}");
    let (code, out) = run(station(&data, &url).args(["outbox", "drain"]));
    assert_eq!(code, 0, "{out}");
    assert_eq!(sim.state().companies.len(), 1);
}

// 5. Workers refused because their company was not on the project go back by themselves.
#[test]
fn workers_refused_for_a_missing_company_go_back_when_it_is_accepted() {
    let sim = start_sim();
    let mut st = Station::new(&sim.base_url());
    let company = "深圳市后补单位劳务有限公司";
    let suid = uscc(380);
    // The company goes first but is refused (a type code the platform does not have).
    st.store
        .save_company(&checked_company(&Company {
            company_name: company.into(),
            legal_person: "负责人".into(),
            suid: suid.clone(),
            company_type: "XX".into(),
            ..Default::default()
        }))
        .expect("company");
    let workers: Vec<ItemId> = (0..2)
        .map(|i| st.worker(&id_code(3800 + i), &format!("后补{i}"), company))
        .collect();
    st.drain();
    for w in &workers {
        let it = st.item(*w);
        assert_eq!((it.state, it.last_code.as_str()), (ItemState::NeedsFix, "47"), "{it:?}");
        assert_eq!(it.park_reason, ParkReason::Dependency);
    }
    assert!(
        st.store.queue_paused().expect("p").is_none(),
        "a company's workers are not a settings problem"
    );
    // The clerk fixes the company only.
    st.company(&suid, company);
    let r = st.drain();
    assert_eq!(
        r.sent, 3,
        "the company and both workers, without touching the workers: {r:?}"
    );
    for w in &workers {
        assert_eq!(st.item(*w).state, ItemState::Sent);
    }
}

// 6. A clock refusal is judged by the Date header, whatever the code and words.
#[test]
fn a_clock_refusal_is_told_by_the_date_header_and_sent_again_corrected() {
    let sim = sim_with(Faults {
        clock_offset_secs: 20 * 60,
        clock_refusal: Some(Refusal {
            code: "11".into(),
            message: "请求失败".into(),
        }),
        ..Faults::default()
    });
    let mut st = Station::new(&sim.base_url());
    let item = st.company(&uscc(390), "深圳市时钟测试劳务有限公司");
    let r = st.drain();
    assert_eq!(r.sent, 1, "{r:?}: {:?}", st.item(item));
    assert_eq!(sim.state().call_count("AddCompany", "11"), 1);
    assert_eq!(sim.state().call_count("AddCompany", "00"), 1);
    // The clerk is told the PC's clock is off.
    let warning = st.client.clock().warning().expect("warns");
    assert!(warning.contains("慢了约 20 分钟"), "{warning}");
}

// 7. A departure resent after its answer was lost may be answered 47: that is done.
#[test]
fn a_resent_departure_answered_47_is_done_and_a_first_send_47_is_not() {
    let sim = sim_with(Faults {
        leave_repeat_47: true,
        ..Faults::default()
    });
    let (mut st, ids) = enrolled(&sim, 2, 40);
    // The answer to the first departure is lost after the platform stored it.
    sim.set_faults(Faults {
        leave_repeat_47: true,
        queue: vec![FaultKind::LoseAnswer],
        ..Faults::default()
    });
    let items = st
        .store
        .record_departures(&departure_batch(&ids[..1], "2026-11-28 18:00:00"), 50)
        .expect("leave");
    st.drain();
    assert_eq!(st.item(items[0]).state, ItemState::Retry);
    assert!(st.item(items[0]).maybe_delivered);
    st.drain_now();
    let it = st.item(items[0]);
    assert_eq!(it.state, ItemState::Sent, "{it:?}");
    assert_eq!(it.last_code, "47", "the code the platform sent is kept");
    assert!(it.last_message.contains("上次已经办妥"), "{}", it.last_message);
    assert_eq!(
        st.store.worker(&ids[0]).expect("r").expect("w").state,
        RecordState::Departed
    );
    // A first send answered 47 is a refusal: the worker departed on the platform before
    // (say, from another station), but this station never sent it.
    let again = st
        .store
        .record_departures(&departure_batch(&ids[..1], "2026-11-28 19:00:00"), 50)
        .expect("leave");
    st.drain();
    assert_eq!(st.item(again[0]).state, ItemState::NeedsFix);
}

// 8 + 9. Beijing's date decides "today"; the pass period and card validity go out in the
//        platform's exact form, not as typed.
#[test]
fn today_is_beijings_date_and_dates_go_out_in_the_platforms_form() {
    let sim = start_sim();
    let url = sim.base_url();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let company = "深圳市北京时间劳务有限公司";
    let (code, out) = run(station(&data, &url)
        .args(["company", "add", "--file"])
        .arg(write_company_file(dir.path(), &uscc(410), company)));
    assert_eq!(code, 0, "{out}");
    let beijing_today = cwr_station::api::beijing_date(chrono::Utc::now());
    // Far west and far east of Beijing: one of them has another date than Beijing right now.
    for (n, tz) in ["Etc/GMT+12", "Etc/GMT-14"].into_iter().enumerate() {
        let id = id_code(4100 + n as u32);
        let file = write_worker_file(dir.path(), &id, "吴珺", company);
        let mut body: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
        body["pass_period"] = format!("{} :", beijing_today.format("%Y-%m-%d")).into();
        body["id_validdate"] = "2010.01.01 - 长期".into();
        std::fs::write(&file, body.to_string()).expect("write");
        let (code, out) = run(station(&data, &url)
            .env("TZ", tz)
            .arg("register")
            .arg("--worker")
            .arg(&file));
        assert_eq!(code, 0, "TZ={tz}: {out}");
        let sent = &sim.state().workers[&id].body;
        assert_eq!(sent["pass_period"], format!("{}:", beijing_today.format("%Y-%m-%d")));
        assert_eq!(sent["id_validdate"], "2010.01.01-长期");

        // Beijing's tomorrow is refused in every zone.
        let tomorrow = beijing_today.succ_opt().expect("date");
        body["pass_period"] = format!("{}:", tomorrow.format("%Y-%m-%d")).into();
        body["id_code"] = id_code(4200 + n as u32).into();
        std::fs::write(&file, body.to_string()).expect("write");
        let (code, out) = run(station(&data, &url)
            .env("TZ", tz)
            .arg("register")
            .arg("--worker")
            .arg(&file));
        assert_eq!(code, 2, "TZ={tz}: {out}");
        assert!(out.contains("晚于上传日期"), "{out}");
    }
}

// 10. A redirect is never followed for a write: the second listener receives nothing.
#[test]
fn a_redirect_is_not_followed_and_the_other_address_receives_nothing() {
    let elsewhere = FakeServer::start(|_, _| envelope_answer(r#"{"code":"00","result":"true"}"#, None));
    let sim = sim_with(Faults {
        queue: vec![FaultKind::Redirect],
        redirect_to: elsewhere.url(),
        ..Faults::default()
    });
    let mut st = Station::new(&sim.base_url());
    let item = st.worker(&id_code(4300), "转向", "某公司");
    // No company on file: the worker goes first and meets the redirect.
    st.drain();
    let it = st.item(item);
    assert_eq!(it.state, ItemState::Retry, "{it:?}");
    assert!(it.last_message.contains("转到"), "{}", it.last_message);
    assert_eq!(elsewhere.connections(), 0, "the worker's data went to another address");
}

// 10 (dictionaries). A dictionary may follow a same-origin redirect, never another origin.
#[test]
fn a_dictionary_follows_a_same_origin_redirect_only() {
    let dict = r#"{"code":"00","result":"true","result_data":{"dict_list":[{"orders":"1","value":"一般作业工种","flag":"Y"}]}}"#;
    let moved = FakeServer::start(move |req, _| {
        if req.target.starts_with("/CWRService/") {
            http_answer(
                307,
                "Temporary Redirect",
                "Location: /new/DictListJobTypeName\r\n",
                "text/html",
                "",
            )
        } else {
            envelope_answer(dict, None)
        }
    });
    let c = client(&moved.url());
    let list = c
        .fetch_dictionary(Endpoint::DictListJobTypeName)
        .expect("same origin is followed");
    assert_eq!(list.len(), 1);

    let elsewhere = FakeServer::start(move |_, _| envelope_answer(dict, None));
    let to = elsewhere.url();
    let away = FakeServer::start(move |_, _| {
        http_answer(
            307,
            "Temporary Redirect",
            &format!("Location: {to}/x\r\n"),
            "text/html",
            "",
        )
    });
    let err = client(&away.url())
        .fetch_dictionary(Endpoint::DictListJobTypeName)
        .expect_err("another origin is not followed");
    assert!(matches!(err, ApiError::Redirect { status: 307, .. }), "{err:?}");
    assert_eq!(elsewhere.connections(), 0);
}

// 11. A huge answer is cut off while reading: a transient failure with a clear message.
#[test]
fn a_huge_answer_is_cut_off_while_reading() {
    let sim = sim_with(Faults {
        queue: vec![FaultKind::Huge],
        huge_answer_mb: 600,
        ..Faults::default()
    });
    let err = client(&sim.base_url())
        .add_company(&company_request(&uscc(440), "深圳市大回答劳务有限公司"))
        .expect_err("too large");
    assert!(matches!(err, ApiError::TooLarge { .. }), "{err:?}");
    assert_eq!(err.class(), cwr_station::api::ErrorClass::Transient);
    assert!(err.to_string().contains("8 MB"), "{err}");
    // Stopped at the cap, not after reading 600 MB: what the platform's socket took is the
    // 8 MB read plus what the two sockets' buffers hold, far from the whole answer.
    let streamed_mb = sim.streamed_bytes() / (1024 * 1024);
    assert!(streamed_mb < 64, "the client read on to {streamed_mb} MB");
}

// A platform instance that words the partial answer its own way, seen through a fake
// server rather than the simulator: the code kept is the one it sent.
#[test]
fn a_partial_answer_from_another_instance_keeps_its_code_and_words() {
    let fake = FakeServer::start(|_, _| {
        envelope_answer(
            r#"{"result":"partial error","code":10,"message":"部分失败","result_data":{"errors":"2 failed"}}"#,
            None,
        )
    });
    let mut st = Station::new(&fake.url());
    let items = st
        .store
        .record_departures(
            &departure_batch(&[id_code(4500), id_code(4501)], "2026-11-28 18:00:00"),
            50,
        )
        .expect("leave");
    st.drain();
    let it = st.item(items[0]);
    assert_eq!((it.state, it.last_code.as_str()), (ItemState::NeedsFix, "10"));
    assert_eq!(it.last_detail, r#"{"errors":"2 failed"}"#);
}
