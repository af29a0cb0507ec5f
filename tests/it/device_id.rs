//! Device_ID (门禁设备序列号) has no made-up default: a log recorded before it is filled in
//! waits as 需处理 with the message to fill it in, while the rest of the queue goes on, and it
//! goes out by itself once the setting is saved.

use crate::common;
use cwr_station::store::prelude::*;

use std::sync::Arc;

use common::fake::{FakeServer, envelope_answer};
use common::*;
use cwr_station::api::{PlatformClient, PlatformClock, ProtocolTable};
use cwr_station::config::Config;
use cwr_station::domain::{Company, Direction, Identified, ItemState, Passer};
use cwr_station::outbox::{DEVICE_ID_MISSING, DrainReport, Sender};
use cwr_station::sim::DEMO_PROJECT_ID;
use cwr_station::station::{PassRequest, SitePhoto, Station, send_settings};
use cwr_station::store::Store;

fn drain(store: &mut Store, client: &PlatformClient, config: &Config) -> DrainReport {
    let settings = send_settings(config, client);
    Sender::new(store, client, &settings).drain().expect("drain")
}

#[test]
fn a_log_without_device_id_waits_for_it_and_goes_by_itself_once_it_is_filled_in() {
    let fake = FakeServer::start(|_, _| envelope_answer(r#"{"result":"true","code":"00","message":"成功"}"#, None));
    let dir = tempfile::tempdir().expect("tmp");
    let clock = Arc::new(PlatformClock::new(cwr_station::api::clock::system_time()));
    let mut config = Config {
        project_id: DEMO_PROJECT_ID.into(),
        ..Config::default()
    };
    assert_eq!(config.device_id, "", "no made-up gate serial");
    let mut station = Station::open(dir.path(), config.clone(), Arc::clone(&clock)).expect("station");
    let mut store = Store::open_in(dir.path()).expect("store");
    let client = client_on(&fake.url(), &clock, ProtocolTable::default());
    let item = station
        .record_attendance(PassRequest {
            passer: Passer::Visitor {
                name: "访客一".into(),
                id_code: id_code(8100),
            },
            direction: Direction::In,
            passed_at: None,
            photo: Some(SitePhoto::File(jpeg_bytes(480, 640))),
            identified: Identified::Clerk,
        })
        .expect("recorded")
        .item_id;
    store
        .save_company(&checked_company(&Company {
            company_name: "深圳市设备号测试劳务有限公司".into(),
            legal_person: "负责人".into(),
            suid: uscc(8101),
            company_type: "03".into(),
            ..Default::default()
        }))
        .expect("company");

    let r = drain(&mut store, &client, &config);
    assert_eq!(
        (r.sent, r.needs_fix, r.paused.clone()),
        (1, 1, None),
        "the company still goes: {r:?}"
    );
    let it = store.outbox_item(item).expect("item");
    assert_eq!(it.state, ItemState::NeedsFix);
    assert!(it.last_message.contains(DEVICE_ID_MISSING), "{}", it.last_message);
    assert!(it.last_advice.contains("设置"), "{}", it.last_advice);
    assert!(
        fake.requests().iter().all(|r| !r.target.contains("UploadPassedLog")),
        "nothing goes out with a made-up Device_ID"
    );
    // Draining again changes nothing: the log stands aside.
    assert_eq!(drain(&mut store, &client, &config).attempted, 0);

    config.device_id = " GATE-9 ".into();
    station.set_config(config.clone());
    let r = drain(&mut store, &client, &config);
    assert_eq!((r.sent, r.requeued), (1, 1), "{r:?}");
    assert_eq!(store.outbox_item(item).expect("item").state, ItemState::Sent);
    let sent = fake
        .requests()
        .into_iter()
        .find(|r| r.target.contains("UploadPassedLog"))
        .expect("sent");
    let body: serde_json::Value = serde_json::from_slice(&sent.body).expect("json");
    assert_eq!(body["Device_ID"], "GATE-9");
    let log = &body["passedlog_list"][0];
    assert_eq!(log["way"], "1");
}
