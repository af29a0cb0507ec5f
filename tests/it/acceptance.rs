//! The guided acceptance run against the simulator: from nothing it brings all nine
//! interfaces to five successful records, takes its test data away again, and writes the
//! report; at an injected refusal it stops with the platform's words and resumes there.

use crate::common;
use cwr_station::store::prelude::*;

use std::collections::BTreeMap;

use common::cli::*;
use common::*;
use cwr_station::acceptance::{self, INTERFACES, REQUIRED, RunEnd, Runner};
use cwr_station::store::Store;

const ENV: &str = "演示";

fn counts(store: &Store) -> BTreeMap<String, u64> {
    store.success_counts(ENV).expect("counts").into_iter().collect()
}

fn runner<'a>(client: &'a cwr_station::api::PlatformClient, store: &'a mut Store) -> Runner<'a> {
    Runner {
        client,
        store,
        project_id: cwr_station::sim::DEMO_PROJECT_ID,
        device_id: "GATE-ACCEPT",
        site_photo_bytes: 200 * 1024,
    }
}

#[test]
fn from_nothing_every_interface_reaches_five_and_the_test_data_is_taken_away() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_in(dir.path()).expect("store");
    let client = client(&sim.base_url());
    let mut run = acceptance::plan(&counts(&store), ENV, "f");
    assert_eq!(run.steps.len(), 45);
    let mut seen = 0;
    let end = runner(&client, &mut store)
        .run(&mut run, &mut |r| seen = r.done_count(), &|| false)
        .expect("run");
    assert_eq!(end, RunEnd::Finished);
    assert_eq!(seen, 45);
    let counts = counts(&store);
    for e in INTERFACES {
        assert_eq!(counts.get(e.name()).copied(), Some(REQUIRED), "{e}");
    }
    // Every answer kept as it came.
    let first = run.steps[0].outcome.as_ref().expect("answered");
    assert!(first.answer.contains("\"code\""), "{}", first.answer);
    // The platform holds nothing of the test data at the end.
    let state = sim.state();
    assert!(
        state.companies.keys().all(|suid| !suid.contains("CWRT")),
        "{:?}",
        state.companies.keys()
    );
    assert_eq!(state.passed_logs.len(), 5);
    assert_eq!(state.passed_logs[0]["Device_ID"], "GATE-ACCEPT");
    assert!(
        state.passed_logs[0]["site_photo"]
            .as_str()
            .is_some_and(|p| p.len() > 1000)
    );
    assert_eq!(state.departures.len(), 5);
    // The clerk's records are untouched.
    assert!(store.worker_rows().expect("rows").is_empty());
    assert!(store.companies().expect("companies").is_empty());
    // Nothing more to do now.
    assert!(acceptance::plan(&counts, ENV, "f").steps.is_empty());

    // The report names each interface with its five calls.
    let path = dir.path().join("联调报告.xlsx");
    acceptance::write_report_xlsx(&path, Some(&run), &counts, ENV, "P").expect("report");
    use calamine::{Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(&path).expect("open");
    let summary = book.worksheet_range("接口汇总").expect("sheet");
    let rows: Vec<Vec<String>> = summary
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let met = rows
        .iter()
        .filter(|r| r.get(3).map(String::as_str) == Some("达标"))
        .count();
    assert_eq!(met, 9, "{rows:?}");
    let register = rows
        .iter()
        .find(|r| r.first().map(String::as_str) == Some("RegisterEmployee"))
        .expect("row");
    assert_eq!(register[4].matches('；').count(), 4, "five times: {}", register[4]);
    let calls = book.worksheet_range("向导调用记录").expect("sheet");
    assert_eq!(calls.rows().count(), 46);
    let text = acceptance::report_text(Some(&run), &counts, ENV, "P");
    assert_eq!(
        text.matches("达标").count() - text.matches("未达标").count(),
        9,
        "{text}"
    );
}

#[test]
fn it_stops_at_a_refusal_with_the_platforms_words_and_resumes_there() {
    let sim = start_sim();
    sim.set_under_construction(false);
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_in(dir.path()).expect("store");
    let client = client(&sim.base_url());
    let mut run = acceptance::plan(&counts(&store), ENV, "f");
    let end = runner(&client, &mut store)
        .run(&mut run, &mut |_| {}, &|| false)
        .expect("run");
    let RunEnd::Stopped { step } = end else {
        panic!("{end:?}")
    };
    assert_eq!(
        run.steps[step].kind.endpoint(),
        cwr_station::api::Endpoint::UploadPassedLog
    );
    let refusal = run.steps[step].outcome.clone().expect("answered");
    assert!(!refusal.ok);
    assert_eq!(refusal.code, "11");
    assert!(refusal.words.contains("在建"), "{}", refusal.words);
    assert!(refusal.advice.contains("在建"), "{}", refusal.advice);
    assert!(refusal.answer.contains("在建"), "verbatim: {}", refusal.answer);
    assert!(run.steps[..step].iter().all(|s| s.done()));
    assert!(
        run.steps[step + 1..].iter().all(|s| s.outcome.is_none()),
        "nothing after the refusal"
    );
    assert_eq!(counts(&store).get("UploadPassedLog"), None);

    // The progress is kept: a new start of the program resumes at the refused step.
    drop(store);
    sim.set_under_construction(true);
    let mut store = Store::open_in(dir.path()).expect("store");
    let mut saved = acceptance::load(&store).expect("read").expect("saved");
    assert_eq!(saved.next_step(), Some(step));
    let end = runner(&client, &mut store)
        .run(&mut saved, &mut |_| {}, &|| false)
        .expect("run");
    assert_eq!(end, RunEnd::Finished);
    let counts = counts(&store);
    for e in INTERFACES {
        assert_eq!(counts.get(e.name()).copied(), Some(REQUIRED), "{e}");
    }
}

#[test]
fn the_command_line_asks_consent_refuses_production_and_runs_against_the_simulator() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("dir");
    let url = sim.base_url();
    let demo = cwr_station::sim::SimConfig::demo();
    let config = |environment: &str| {
        serde_json::json!({
            "environment": environment, "base_url": url, "api_key": demo.api_key,
            "client_serial": demo.client_serial, "project_id": demo.project_id,
        })
        .to_string()
    };
    std::fs::write(data.join("config.json"), config("production")).expect("config");
    let (code, text) = run(station(&data, &url)
        .env_remove("CWR_BASE_URL")
        .args(["acceptance", "run", "--yes"]));
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("正式环境"), "{text}");

    std::fs::write(data.join("config.json"), config("demo")).expect("config");
    let (code, text) = run(station(&data, &url).args(["acceptance", "run"]));
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("44030519900101901") && text.contains("--yes"), "{text}");
    assert!(sim.state().companies.is_empty(), "nothing without consent");

    let (code, text) = run(station(&data, &url).args(["acceptance", "run", "--yes"]));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("[45/45]"), "{text}");
    assert!(text.contains("平台回答：{"), "answers printed verbatim: {text}");
    let (code, text) = run(station(&data, &url).args(["acceptance", "status"]));
    assert_eq!(code, 0, "{text}");
    assert_eq!(text.matches("成功 5 次（达标").count(), 9, "{text}");
    let report = dir.path().join("report.txt");
    let (code, text) = run(station(&data, &url).args(["acceptance", "report"]).arg(&report));
    assert_eq!(code, 0, "{text}");
    assert!(
        std::fs::read_to_string(&report)
            .expect("report")
            .contains("RegisterEmployee")
    );
}

/// A 自定义 address (another city's instance, a proxy) takes the run once the integrator
/// marks it a test instance; unmarked it is production and refused. Its counts are its own,
/// never the official 测试 environment's.
#[test]
fn a_custom_address_marked_test_takes_the_run_and_counts_apart() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("dir");
    let url = sim.base_url();
    let mut config = serde_json::json!({ "environment": "custom", "base_url": url });
    std::fs::write(data.join("config.json"), config.to_string()).expect("config");
    let (code, text) = run(station(&data, &url).args(["acceptance", "run", "--yes"]));
    assert_eq!(code, 2, "an unmarked custom address is production: {text}");
    assert!(text.contains("这个地址是"), "says where to mark it: {text}");
    assert!(sim.state().companies.is_empty(), "nothing sent");

    config["custom_is"] = "test".into();
    std::fs::write(data.join("config.json"), config.to_string()).expect("config");
    let (code, text) = run(station(&data, &url).args(["acceptance", "run", "--yes"]));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("[45/45]"), "{text}");
    let store = Store::open_in(&data).expect("store");
    let custom: BTreeMap<String, u64> = store
        .success_counts("自定义测试")
        .expect("counts")
        .into_iter()
        .collect();
    assert!(
        INTERFACES
            .iter()
            .all(|e| custom.get(e.name()).copied().unwrap_or(0) >= REQUIRED),
        "{custom:?}"
    );
    assert!(
        store.success_counts("测试").expect("counts").is_empty(),
        "the official 测试 counts untouched"
    );

    config["custom_is"] = "production".into();
    std::fs::write(data.join("config.json"), config.to_string()).expect("config");
    let (code, text) = run(station(&data, &url).args(["acceptance", "run", "--yes"]));
    assert_eq!(code, 2, "{text}");
}
