//! The document says `1.0` for four endpoints; the live platform's working clients sent `1.1`.
//! A station must not depend on guessing: against fake platforms that take only one of the
//! two, a version refusal is answered once with the other version, and what was taken is
//! used from then on, per environment.

use crate::common;
use cwr_station::store::prelude::*;

use std::collections::BTreeMap;

use common::fake::{FakeServer, SeenRequest, envelope_answer};
use common::*;
use cwr_station::acceptance::{self, RunEnd, Runner};
use cwr_station::api::{Endpoint, PlatformClient, PlatformClock, ProtocolTable};
use cwr_station::domain::Company;
use cwr_station::outbox::{DrainReport, SendSettings, Sender};
use cwr_station::sim::DEMO_PROJECT_ID;
use cwr_station::store::Store;

const FOUR: [Endpoint; 4] = [
    Endpoint::UploadPassedLog,
    Endpoint::UserLeaveProject,
    Endpoint::AddCompany,
    Endpoint::ProjectRemoveCompany,
];

/// The endpoint and `api_version` of a request, from its target.
fn call_of(req: &SeenRequest) -> (String, String) {
    let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
    let endpoint = path.rsplit('/').next().unwrap_or_default().to_string();
    let version = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("api_version="))
        .unwrap_or_default()
        .to_string();
    (endpoint, version)
}

/// A platform instance that takes only `taken` on the four endpoints, and answers a wrong
/// one the way an instance checking its parameters does: `41` naming api_version.
fn platform_taking(taken: &'static str) -> FakeServer {
    FakeServer::start(move |req, _| {
        let (endpoint, version) = call_of(req);
        let four = FOUR.iter().any(|e| e.name() == endpoint);
        if four && version != taken {
            return envelope_answer(
                r#"{"result":"false","code":"41","message":"非法参数","detail_message":"api_version 参数不正确"}"#,
                None,
            );
        }
        if endpoint.starts_with("DictList") || endpoint == "GetCompanyType" {
            return envelope_answer(
                r#"{"result":"true","code":"00","message":"成功","result_data":{"dict_list":[{"orders":"01","value":"测试","flag":"Y"}]}}"#,
                None,
            );
        }
        envelope_answer(r#"{"result":"true","code":"00","message":"成功"}"#, None)
    })
}

fn versions_sent(fake: &FakeServer, endpoint: Endpoint) -> Vec<String> {
    fake.requests()
        .iter()
        .map(call_of)
        .filter(|(e, _)| e == endpoint.name())
        .map(|(_, v)| v)
        .collect()
}

/// A client on its own clock with the protocol table given.
fn client_with(base_url: &str, protocol: ProtocolTable) -> PlatformClient {
    let clock = std::sync::Arc::new(PlatformClock::new(cwr_station::api::clock::system_time()));
    client_on(base_url, &clock, protocol)
}

fn drain(store: &mut Store, client: &PlatformClient, environment: &str) -> DrainReport {
    let settings = SendSettings::for_client(client, DEMO_PROJECT_ID, environment);
    Sender::new(store, client, &settings).drain().expect("drain")
}

fn queue_company(store: &mut Store, seed: u32) {
    store
        .save_company(&checked_company(&Company {
            company_name: format!("深圳市版本测试{seed}劳务有限公司"),
            legal_person: "负责人".into(),
            suid: uscc(seed),
            company_type: "03".into(),
            ..Default::default()
        }))
        .expect("company");
}

#[test]
fn a_platform_taking_only_1_1_on_the_four_gets_it_after_one_refusal_each_and_from_then_on() {
    let fake = platform_taking("1.1");
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_in(dir.path()).expect("store");
    let client = client_with(&fake.url(), ProtocolTable::default());
    let env = "测试";
    let mut run = acceptance::plan(&BTreeMap::new(), env, "f");
    let end = Runner {
        client: &client,
        store: &mut store,
        project_id: DEMO_PROJECT_ID,
        device_id: "GATE-1",
        site_photo_bytes: 200 * 1024,
    }
    .run(&mut run, &mut |_| {}, &|| false)
    .expect("run");
    assert_eq!(end, RunEnd::Finished, "{:?}", run.stopped_at());
    for e in FOUR {
        let sent = versions_sent(&fake, e);
        assert_eq!(sent.len(), 6, "{e}: five taken, one refused: {sent:?}");
        assert_eq!(sent[0], "1.0", "{e}: the document's version first");
        assert!(sent[1..].iter().all(|v| v == "1.1"), "{e}: {sent:?}");
    }
    let learnt = store.learnt_versions(env).expect("learnt");
    assert_eq!(learnt.len(), 4, "{learnt:?}");
    assert!(FOUR.iter().all(|e| learnt.get(e).map(String::as_str) == Some("1.1")));
    assert!(
        store.learnt_versions("正式").expect("learnt").is_empty(),
        "per environment"
    );

    // The report for the platform's staff names the version each endpoint took.
    let counts: BTreeMap<String, u64> = store.success_counts(env).expect("counts").into_iter().collect();
    let text = acceptance::report_text(Some(&run), &counts, env, "P");
    let line = |name: &str| {
        text.lines()
            .find(|l| l.contains(&format!(" {name}：")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("AddCompany").contains("api_version 1.1"), "{text}");
    assert!(line("UploadPassedLog").contains("api_version 1.1"), "{text}");
    assert!(line("RegisterEmployee").contains("api_version 1.1"), "{text}");

    // The next start (a new client over the same store) sends 1.1 at once.
    let before = versions_sent(&fake, Endpoint::AddCompany).len();
    let restarted = client_with(&fake.url(), ProtocolTable::default());
    queue_company(&mut store, 7100);
    let r = drain(&mut store, &restarted, env);
    assert_eq!(r.sent, 1, "{r:?}");
    assert_eq!(versions_sent(&fake, Endpoint::AddCompany)[before..], ["1.1"]);
}

#[test]
fn the_sender_sends_a_refused_record_once_more_with_the_other_version_and_keeps_what_was_taken() {
    let fake = platform_taking("1.1");
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_in(dir.path()).expect("store");
    let client = client_with(&fake.url(), ProtocolTable::default());
    queue_company(&mut store, 7200);
    let r = drain(&mut store, &client, "正式");
    assert_eq!((r.sent, r.needs_fix, r.paused.clone()), (1, 0, None), "{r:?}");
    assert_eq!(versions_sent(&fake, Endpoint::AddCompany), ["1.0", "1.1"]);
    // The same record both times: only the signature and the version differ.
    let bodies: Vec<Vec<u8>> = fake.requests().iter().map(|r| r.body.clone()).collect();
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(
        store
            .learnt_versions("正式")
            .expect("learnt")
            .get(&Endpoint::AddCompany)
            .map(String::as_str),
        Some("1.1")
    );
    queue_company(&mut store, 7201);
    store
        .record_departures(&departure_batch(&[id_code(7202)], "2026-11-28 18:00:00"), 50)
        .expect("leave");
    let r = drain(&mut store, &client, "正式");
    assert_eq!(r.sent, 2, "{r:?}");
    assert_eq!(versions_sent(&fake, Endpoint::AddCompany), ["1.0", "1.1", "1.1"]);
    assert_eq!(versions_sent(&fake, Endpoint::UserLeaveProject), ["1.0", "1.1"]);
}

#[test]
fn a_platform_taking_only_1_0_gets_1_0_and_a_remembered_1_1_gives_way() {
    let fake = platform_taking("1.0");
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_in(dir.path()).expect("store");
    let client = client_with(&fake.url(), ProtocolTable::default());
    store
        .record_departures(&departure_batch(&[id_code(7300)], "2026-11-28 18:00:00"), 50)
        .expect("leave");
    assert_eq!(drain(&mut store, &client, "测试").sent, 1);
    assert_eq!(versions_sent(&fake, Endpoint::UserLeaveProject), ["1.0"]);
    assert!(store.learnt_versions("测试").expect("learnt").is_empty());

    // Learnt from an earlier platform release; this one takes 1.0 again.
    store
        .remember_version("测试", Endpoint::AddCompany, "1.1")
        .expect("remember");
    queue_company(&mut store, 7301);
    let r = drain(&mut store, &client, "测试");
    assert_eq!(r.sent, 1, "{r:?}");
    assert_eq!(versions_sent(&fake, Endpoint::AddCompany), ["1.1", "1.0"]);
    assert_eq!(
        store
            .learnt_versions("测试")
            .expect("learnt")
            .get(&Endpoint::AddCompany)
            .map(String::as_str),
        Some("1.0")
    );
}

#[test]
fn a_version_set_in_the_config_wins_and_is_not_switched() {
    let fake = platform_taking("1.1");
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_in(dir.path()).expect("store");
    store
        .remember_version("测试", Endpoint::AddCompany, "1.1")
        .expect("remember");
    let mut protocol = ProtocolTable::default();
    protocol.version_overrides.insert(Endpoint::AddCompany, "1.0".into());
    let client = client_with(&fake.url(), protocol);
    queue_company(&mut store, 7400);
    let r = drain(&mut store, &client, "测试");
    assert_eq!(r.sent, 0, "{r:?}");
    assert!(r.paused.is_some(), "a version refusal is a settings matter: {r:?}");
    assert_eq!(versions_sent(&fake, Endpoint::AddCompany), ["1.0"]);
}
