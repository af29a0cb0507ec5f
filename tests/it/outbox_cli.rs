//! The commands through the store and the outbox, as a clerk's script would run them:
//! offline then online, a kill mid-send, refusals, 48, order, bad input, the secret.

use crate::common;
use cwr_station::store::prelude::*;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::cli::*;
use common::*;
use cwr_station::domain::{ItemState, RecordState};
use cwr_station::sim::{self, Faults, SimConfig};
use cwr_station::store::Store;

fn sim_on(port: u16, faults: Faults) -> sim::SimHandle {
    let mut c = SimConfig::demo();
    c.addr = format!("127.0.0.1:{port}").parse().expect("addr");
    c.faults = faults;
    sim::start(c).expect("sim")
}

#[test]
fn offline_register_then_drain_sends_company_first_and_worker_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let id = id_code(21);
    let suid = uscc(21);
    let company = "深圳市离线劳务有限公司";
    // The worker is queued before the company it names: the sender must reorder.
    let (code, out) = run(station(&data, &url)
        .arg("register")
        .arg("--worker")
        .arg(write_worker_file(dir.path(), &id, "王喆", company)));
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("联网后自动上传"), "{out}");
    let (code, out) = run(station(&data, &url)
        .args(["company", "add", "--file"])
        .arg(write_company_file(dir.path(), &suid, company)));
    assert_eq!(code, 3, "{out}");

    let sim = sim_on(port, Faults::default());
    let (code, out) = run(station(&data, &url).args(["outbox", "drain"]));
    assert_eq!(code, 0, "{out}");
    let state = sim.state();
    assert_eq!(state.workers.len(), 1);
    assert_eq!(state.workers[&id].received_count, 1);
    assert_eq!(state.workers[&id].body["emp_name"], "王喆");
    assert!(state.companies.contains_key(&suid));
    assert_eq!(
        state.call_count("RegisterEmployee", "47"),
        0,
        "worker was sent before its company"
    );
    let photo = state.workers[&id].body["facephoto"].as_str().expect("photo");
    assert!(photo.starts_with("/9j/"), "Base64 JPEG without prefix");

    let store = Store::open_in(&data).expect("store");
    let rec = store.worker(&id).expect("read").expect("worker");
    assert_eq!(rec.state, RecordState::Sent);
    assert_eq!(rec.emp_id, state.workers[&id].emp_id);
    assert_eq!(rec.locked_category, "00");
    let (code, out) = run(station(&data, &url).args(["outbox", "list"]));
    assert_eq!(code, 0);
    assert!(out.contains("已上传 2"), "{out}");

    // The acceptance checklist counts what the platform accepted, per environment.
    let (code, _) = run(station(&data, &url).args(["dict", "job-name"]));
    assert_eq!(code, 0);
    let counts: std::collections::BTreeMap<String, u64> =
        store.success_counts("自定义").expect("counts").into_iter().collect();
    assert_eq!(counts.get("RegisterEmployee"), Some(&1));
    assert_eq!(counts.get("AddCompany"), Some(&1));
    assert_eq!(counts.get("DictListJobName"), Some(&1));
    assert!(store.success_counts("正式").expect("counts").is_empty());
}

#[test]
fn killed_mid_send_then_restarted_sends_the_worker_exactly_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let sim = sim_on(port, Faults::default());
    let company = "深圳市断电测试劳务有限公司";
    let (code, out) = run(station(&data, &url)
        .args(["company", "add", "--file"])
        .arg(write_company_file(dir.path(), &uscc(22), company)));
    assert_eq!(code, 0, "{out}");

    sim.set_faults(Faults {
        latency_ms: 3_000,
        ..Faults::default()
    });
    let id = id_code(22);
    let mut child = station(&data, &url)
        .arg("register")
        .arg("--worker")
        .arg(write_worker_file(dir.path(), &id, "李犇", company))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Kill it while its request sits in the platform's latency.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "the send never started");
        if let Ok(store) = Store::open_in(&data)
            && store
                .outbox_items(false)
                .unwrap_or_default()
                .iter()
                .any(|i| i.state == ItemState::Sending)
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    // The platform finishes storing after its latency, with nobody left to answer.
    let stored = Instant::now() + Duration::from_secs(10);
    while !sim.state().workers.contains_key(&id) {
        assert!(Instant::now() < stored, "simulator never stored the in-flight worker");
        std::thread::sleep(Duration::from_millis(50));
    }
    sim.set_faults(Faults::default());

    let (code, out) = run(station(&data, &url).args(["outbox", "drain"]));
    assert_eq!(code, 0, "{out}");
    let state = sim.state();
    assert_eq!(state.workers.len(), 1, "exactly one worker on the platform");
    assert_eq!(
        state.workers[&id].received_count, 2,
        "sent again after the restart, as an update"
    );
    let store = Store::open_in(&data).expect("store");
    assert_eq!(
        store.worker(&id).expect("read").expect("worker").state,
        RecordState::Sent
    );
    assert_eq!(store.outbox_counts().expect("counts").open(), 0);
}

#[test]
fn a_refusal_needs_a_fix_with_the_platforms_words_and_a_retry_sends_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let sim = start_sim();
    let url = sim.base_url();
    let id = id_code(23);
    let company = "深圳市未添加劳务有限公司";
    // The company exists nowhere: the platform answers 47 naming emp_company.
    let (code, out) = run(station(&data, &url)
        .arg("register")
        .arg("--worker")
        .arg(write_worker_file(dir.path(), &id, "赵珺", company)));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("47") && out.contains("emp_company"), "{out}");
    let store = Store::open_in(&data).expect("store");
    let item = store
        .outbox_items(false)
        .expect("items")
        .into_iter()
        .next()
        .expect("item");
    assert_eq!(item.state, ItemState::NeedsFix);
    assert_eq!(item.last_code, "47");
    assert!(item.last_message.contains("emp_company"));
    assert!(!item.last_advice.is_empty());
    let rec = store.worker(&id).expect("read").expect("worker");
    assert_eq!(rec.state, RecordState::NeedsFix);
    assert!(rec.sync_message.contains("emp_company"));
    // Not retried by itself.
    let (code, _) = run(station(&data, &url).args(["outbox", "drain"]));
    assert_eq!(code, 1);
    assert_eq!(sim.state().call_count("RegisterEmployee", "47"), 1);

    // Once the company is accepted, the worker refused for it goes again by itself.
    let (code, out) = run(station(&data, &url)
        .args(["company", "add", "--file"])
        .arg(write_company_file(dir.path(), &uscc(23), company)));
    assert_eq!(code, 0, "{out}");
    assert_eq!(sim.state().workers.len(), 1);
    let (code, out) = run(station(&data, &url).args(["outbox", "retry", &item.id.to_string()]));
    assert_eq!(code, 2, "nothing left to retry: {out}");
    assert!(out.contains("已上传"), "{out}");
}

/// A platform that answers 48 (duplicate) to everything: the item is done, not failed.
#[test]
fn code_48_counts_as_done() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut s = stream;
            let mut buf = Vec::new();
            let mut chunk = [0u8; 65536];
            // Read the head, then the body by Content-Length.
            loop {
                let n = s.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            let body = r#"{"result":"false","status":200,"code":"48","message":"数据重复","detail_message":"","result_data":null}"#;
            let date = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT");
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let (code, out) = run(station(&data, &url)
        .arg("register")
        .arg("--worker")
        .arg(write_worker_file(dir.path(), &id_code(24), "孙一", "某公司")));
    assert_eq!(code, 0, "{out}");
    let store = Store::open_in(&data).expect("store");
    let c = store.outbox_counts().expect("counts");
    assert_eq!((c.sent, c.open()), (1, 0));
}

#[test]
fn invalid_input_exits_2_and_stores_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let url = format!("http://127.0.0.1:{}", free_port());
    // Wrong check character.
    let mut bad_id = id_code(25);
    let last = if bad_id.ends_with('1') { '2' } else { '1' };
    bad_id.pop();
    bad_id.push(last);
    let (code, out) = run(station(&data, &url)
        .arg("register")
        .arg("--worker")
        .arg(write_worker_file(dir.path(), &bad_id, "钱二", "某公司")));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("校验"), "{out}");
    // A photo that is not an image.
    let file = write_worker_file(dir.path(), &id_code(26), "钱三", "某公司");
    std::fs::write(dir.path().join("face.jpg"), "this is not a photo").expect("write");
    let (code, out) = run(station(&data, &url).arg("register").arg("--worker").arg(&file));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("不是照片"), "{out}");
    // Not JSON at all.
    std::fs::write(dir.path().join("junk.json"), "{{{").expect("write");
    let (code, _) = run(station(&data, &url)
        .arg("register")
        .arg("--worker")
        .arg(dir.path().join("junk.json")));
    assert_eq!(code, 2);
    let (code, _) = run(station(&data, &url).args(["leave", "123"]));
    assert_eq!(code, 2);
    let (code, _) = run(station(&data, &url).args(["company", "remove", "--suid", "91440300ABC", "--name", "x"]));
    assert_eq!(code, 2);
    let (code, _) = run(station(&data, &url)
        .args(["call", "RegisterEmployee", "--body"])
        .arg(dir.path().join("junk.json")));
    assert_eq!(code, 2);

    let store = Store::open_in(&data).expect("store");
    assert!(store.worker_rows().expect("rows").is_empty());
    assert!(store.outbox_items(true).expect("items").is_empty());
}

#[test]
fn leave_in_a_batch_marks_exactly_the_unknown_worker() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let sim = start_sim();
    let url = sim.base_url();
    let company = "深圳市离场测试劳务有限公司";
    run(station(&data, &url)
        .args(["company", "add", "--file"])
        .arg(write_company_file(dir.path(), &uscc(27), company)));
    let (a, b, stranger) = (id_code(27), id_code(28), id_code(29));
    for (id, name) in [(&a, "周一"), (&b, "周二")] {
        let (code, out) = run(station(&data, &url)
            .arg("register")
            .arg("--worker")
            .arg(write_worker_file(dir.path(), id, name, company)));
        assert_eq!(code, 0, "{out}");
    }
    let (code, out) =
        run(station(&data, &url).args(["leave", &a, &b, &stranger, "--exit-time", "2026-11-28 17:30:00"]));
    assert_eq!(code, 1, "{out}");
    let state = sim.state();
    assert!(state.departures.contains_key(&a) && state.departures.contains_key(&b));
    assert_eq!(state.departures[&a].exit_time.as_deref(), Some("2026-11-28 17:30:00"));
    let store = Store::open_in(&data).expect("store");
    let item = store
        .outbox_items(false)
        .expect("items")
        .into_iter()
        .find(|i| i.label.starts_with("离场"))
        .expect("leave item");
    assert_eq!(item.state, ItemState::NeedsFix);
    assert_eq!(item.last_code, "10");
    let deps = store.departures_of(item.id).expect("departures");
    let states: Vec<(&str, &str)> = deps.iter().map(|(id, s, _)| (id.as_str(), s.as_str())).collect();
    assert_eq!(
        states,
        vec![
            (a.as_str(), "sent"),
            (b.as_str(), "sent"),
            (stranger.as_str(), "needs_fix")
        ]
    );
    assert_eq!(store.worker(&a).expect("read").expect("a").state, RecordState::Departed);
}

#[test]
fn the_secret_is_not_in_the_database_the_config_or_the_logs() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let sim = start_sim();
    let url = sim.base_url();
    let config = dir.path().join("config.json");
    std::fs::write(&config, r#"{"environment":"custom","leave_batch_size":10}"#).expect("config");
    let secret = SimConfig::demo().api_secret;
    let mut outputs = String::new();
    for args in [
        vec![
            "company".to_string(),
            "add".into(),
            "--file".into(),
            write_company_file(dir.path(), &uscc(30), "深圳市保密劳务有限公司")
                .display()
                .to_string(),
        ],
        vec![
            "register".into(),
            "--worker".into(),
            write_worker_file(dir.path(), &id_code(30), "吴六", "深圳市保密劳务有限公司")
                .display()
                .to_string(),
        ],
        vec!["dict".into(), "job-name".into()],
        vec!["outbox".into(), "list".into(), "--json".into()],
    ] {
        let out = station(&data, &url)
            .arg("--config")
            .arg(&config)
            .args(&args)
            .env("CWR_LOG", "trace")
            .output()
            .expect("runs");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stdout}{stderr}");
        assert!(
            !stderr.contains(&id_code(30)),
            "a full ID number reached the log: {stderr}"
        );
        outputs.push_str(&stdout);
        outputs.push_str(&stderr);
    }
    assert!(outputs.contains("platform call"), "logs were not captured: {outputs}");
    assert!(!outputs.contains(&secret), "secret in the output or logs");
    for entry in std::fs::read_dir(&data).expect("data dir") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
        assert!(!found, "secret found in {}", path.display());
    }
    assert!(!std::fs::read_to_string(&config).expect("config").contains(&secret));
}

/// The store cannot be opened (the data dir is a file): exit 4, and nothing claims "queued".
#[test]
fn a_local_failure_exits_4_and_says_nothing_was_stored() {
    let dir = tempfile::tempdir().expect("tmp");
    let not_a_dir = dir.path().join("data");
    std::fs::write(&not_a_dir, "a file where the data dir should be").expect("write");
    let url = format!("http://127.0.0.1:{}", free_port());
    let file = write_worker_file(dir.path(), &id_code(27), "钱四", "某公司");
    let (code, out) = run(station(&not_a_dir, &url).arg("register").arg("--worker").arg(&file));
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("没有保存"), "{out}");
    assert!(!out.contains("联网后自动上传"), "{out}");
    let (code, _) = run(station(&not_a_dir, &url).args(["leave", &id_code(27)]));
    assert_eq!(code, 4);
    let (code, _) = run(station(&not_a_dir, &url).args(["outbox", "drain"]));
    assert_eq!(code, 4);
}
