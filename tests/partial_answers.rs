//! What an answer that says less than everything changes in the store: a registration answer
//! that leaves out the worker's number never blanks it, and a `10` to an attendance batch
//! marks as refused only the logs it names — never a log sent that it does not account for.
//! Each platform here is a fake server answering as a live instance may.

mod common;

use common::fake::{FakeServer, envelope_answer};
use common::*;
use cwr_station::api::PlatformClient;
use cwr_station::domain::{ItemState, Worker};
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
        let settings = SendSettings::for_client(&client, DEMO_PROJECT_ID, "测试");
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

    fn state(&self, item: i64) -> ItemState {
        self.store.outbox_item(item).expect("item").state
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
        let w = Worker::from_request(&worker_request(&id, "张三", "深圳市某劳务有限公司"));
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
