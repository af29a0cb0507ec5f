//! What an answer that says less than everything changes in the store: a registration answer
//! that leaves out the worker's number never blanks it, and a `10` to an attendance batch
//! marks as refused only the logs it names — never a log sent that it does not account for.
//! Each platform here is a fake server answering as a live instance may.

use crate::common;
use cwr_station::store::ItemId;
use cwr_station::store::prelude::*;

use chrono::Utc;
use common::fake::{FakeServer, envelope_answer};
use common::*;
use cwr_station::api::PlatformClient;
use cwr_station::domain::{Direction, ItemState, Pass, Passer};
use cwr_station::outbox::{DrainReport, SendSettings, Sender};
use cwr_station::sim::DEMO_PROJECT_ID;
use cwr_station::store::Store;

struct Station {
    _dir: tempfile::TempDir,
    store: Store,
    client: PlatformClient,
    settings: SendSettings,
}

impl Station {
    fn new(base_url: &str) -> Station {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open_in(dir.path()).expect("store");
        let client = client(base_url);
        let settings = SendSettings::for_client(&client, DEMO_PROJECT_ID, "测试").with_device_id("GATE-T");
        Station {
            _dir: dir,
            store,
            client,
            settings,
        }
    }

    fn drain(&mut self) -> DrainReport {
        self.store.retry_all_now().expect("due");
        Sender::new(&mut self.store, &self.client, &self.settings)
            .drain()
            .expect("drain")
    }

    fn state(&self, item: ItemId) -> ItemState {
        self.store.outbox_item(item).expect("item").state
    }

    /// A visitor's log, passed just now.
    fn visitor_pass(&mut self, seed: u32) -> ItemId {
        let now = Utc::now();
        let pass = Pass::validate(
            Passer::Visitor {
                name: format!("访客{seed}"),
                id_code: id_code(seed),
            },
            Direction::In,
            now,
            now,
            cwr_station::domain::attendance::DEFAULT_WINDOW_SECS,
        )
        .expect("valid pass");
        self.store
            .record_pass(
                &pass,
                &format!("访客{seed}"),
                "",
                Some(&jpeg_bytes(480, 640)),
                cwr_station::domain::Identified::Clerk,
            )
            .expect("recorded")
    }
}

const SUCCESS: &str = r#"{"result":"true","status":200,"code":"00","message":"成功","result_data":null}"#;

#[test]
fn an_answer_that_leaves_out_the_workers_number_or_dates_never_blanks_them() {
    let fake = FakeServer::start(|req, n| {
        assert!(req.target.contains("RegisterEmployee"), "{}", req.target);
        let json = match n {
            0 => {
                r#"{"result":"true","code":"00","message":"成功","result_data":{"emp_id":"E-7","pass_period":"2026-01-01:","modify_time":"2026-01-01 10:00:00"}}"#
            }
            1 => r#"{"result":"false","code":"48","message":"数据重复","result_data":null}"#,
            2 => r#"{"result":"true","code":"00","message":"成功","result_data":{"emp_id":""}}"#,
            3 => SUCCESS,
            _ => {
                r#"{"result":"true","code":"00","message":"成功","result_data":"{\"emp_id\":\"E-7\",\"pass_period\":\"2026-02-01:\",\"modify_time\":\"2026-02-01 09:00:00\"}"}"#
            }
        };
        envelope_answer(json, None)
    });
    let mut st = Station::new(&fake.url());
    let id = id_code(7100);
    let known = |st: &Station| {
        let rec = st.store.worker(&id).expect("read").expect("worker");
        (rec.emp_id, rec.pass_period_answered, rec.modify_time)
    };
    let first = (
        "E-7".to_string(),
        "2026-01-01:".to_string(),
        "2026-01-01 10:00:00".to_string(),
    );
    for answer in 0..5 {
        let w = worker_request(&id, "张三", "深圳市某劳务有限公司").to_worker();
        let item = st
            .store
            .save_worker(&checked_worker(&w), &test_photos())
            .expect("saved");
        let r = st.drain();
        assert_eq!((r.sent, st.state(item)), (1, ItemState::Sent), "answer {answer}: {r:?}");
        if answer < 4 {
            assert_eq!(known(&st), first, "answer {answer} left them out: what was known stays");
        }
    }
    // An answer that does say them is taken.
    assert_eq!(
        known(&st),
        (
            "E-7".to_string(),
            "2026-02-01:".to_string(),
            "2026-02-01 09:00:00".to_string()
        )
    );
    assert_eq!(fake.requests().len(), 5);
}

#[test]
fn a_partial_answer_to_an_attendance_batch_refuses_only_the_logs_it_names() {
    let named = id_code(7201);
    let answer = format!(
        r#"{{"result":"partial error","status":200,"code":"10","message":"部分失败","result_data":{{"fail_list":[{{"person_id":"{named}","message":"现场照片无法识别"}}]}}}}"#
    );
    let fake = FakeServer::start(move |req, _| {
        assert!(req.target.contains("UploadPassedLog"), "{}", req.target);
        envelope_answer(&answer, None)
    });
    let mut st = Station::new(&fake.url());
    let items: Vec<ItemId> = (7200..7203).map(|s| st.visitor_pass(s)).collect();
    let r = st.drain();
    assert_eq!((r.sent, r.needs_fix), (2, 1), "{r:?}");
    assert_eq!(fake.requests().len(), 1, "one call: the answer said who failed");
    assert_eq!(st.state(items[0]), ItemState::Sent);
    assert_eq!(st.state(items[2]), ItemState::Sent);
    let refused = st.store.outbox_item(items[1]).expect("item");
    assert_eq!((refused.state, refused.last_code.as_str()), (ItemState::NeedsFix, "10"));
    assert!(refused.last_message.contains("现场照片无法识别"), "{refused:?}");
    assert!(refused.last_advice.contains("立即重试"), "{refused:?}");
    assert!(st.store.queue_paused().expect("read").is_none());
}

#[test]
fn a_partial_attendance_answer_that_names_no_log_of_the_batch_sends_each_log_alone() {
    let fake = FakeServer::start(|_, n| {
        let json = match n {
            0 => r#"{"result":"partial error","code":"10","message":"部分失败","result_data":{"errors":"1 failed"}}"#,
            // Alone, the first was already stored, the second is refused, the third taken.
            1 => r#"{"result":"false","code":"48","message":"数据重复","result_data":null}"#,
            2 => {
                r#"{"result":"false","code":"41","message":"参数不合法","detail_message":"参数不合法(passedlog_list[0].site_photo)"}"#
            }
            _ => SUCCESS,
        };
        envelope_answer(json, None)
    });
    let mut st = Station::new(&fake.url());
    let items: Vec<ItemId> = (7300..7303).map(|s| st.visitor_pass(s)).collect();
    let r = st.drain();
    assert_eq!((r.sent, r.needs_fix), (2, 1), "{r:?}");
    let requests = fake.requests();
    assert_eq!(requests.len(), 4, "the batch, then each log alone");
    for alone in &requests[1..] {
        let body: serde_json::Value = serde_json::from_slice(&alone.body).expect("json");
        assert_eq!(body["passedlog_list"].as_array().map(Vec::len), Some(1));
    }
    assert_eq!(st.state(items[0]), ItemState::Sent);
    assert_eq!(st.state(items[1]), ItemState::NeedsFix);
    assert_eq!(st.state(items[2]), ItemState::Sent);
}
