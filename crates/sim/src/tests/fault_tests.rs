//! Injected faults, the control endpoints and the state file.

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::json;

use super::*;
use crate::{FaultKind, Faults};

fn queue(kinds: &[FaultKind]) -> Faults {
    Faults {
        queue: kinds.to_vec(),
        ..Faults::default()
    }
}

#[test]
fn http_500_and_non_json_are_answered_but_not_processed() {
    let h = sim();
    h.set_faults(queue(&[FaultKind::Http500, FaultKind::NonJson]));
    let body = company_body(COMPANY, SUID).to_string();
    let p = params(Endpoint::AddCompany, &body);
    let r = call_raw(&h, Endpoint::AddCompany, &p, Some(UTF8), &body);
    assert_eq!(r.status, 500);
    assert!(r.header("Date").is_some());
    assert!(String::from_utf8_lossy(&r.body).contains("<html"));
    let r = call_raw(&h, Endpoint::AddCompany, &p, Some(UTF8), &body);
    assert_eq!(r.status, 200);
    let page = String::from_utf8_lossy(&r.body).into_owned();
    assert!(page.contains("<html>") && page.contains("502 Bad Gateway"), "{page}");
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
    let state = h.state();
    assert!(state.companies.is_empty());
    assert!(
        state.calls.is_empty(),
        "faulted requests are not counted: {:?}",
        state.calls
    );
    // The queue is used up: the same request now goes through.
    assert_eq!(call_raw(&h, Endpoint::AddCompany, &p, Some(UTF8), &body).code(), "00");
}

#[test]
fn close_drops_the_request_but_lose_answer_stores_it() {
    let h = sim();
    add_company(&h);
    h.set_faults(queue(&[FaultKind::Close, FaultKind::LoseAnswer]));
    let body = worker_body(ID1, "张三").to_string();
    let p = params(Endpoint::RegisterEmployee, &body);
    let raw = raw_request(
        "POST",
        &path_for(Endpoint::RegisterEmployee, &p),
        Some(UTF8),
        body.as_bytes(),
        "",
    );

    assert!(exchange(&h, &raw).is_err(), "Close sends no answer");
    assert!(h.state().workers.is_empty());

    assert!(exchange(&h, &raw).is_err(), "LoseAnswer sends no answer");
    let state = h.state();
    assert_eq!(state.workers[ID1].received_count, 1, "but the platform has the worker");
    assert_eq!(state.call_count("RegisterEmployee", "00"), 1);

    // The client's retry is an update, not a second worker.
    let r = exchange(&h, &raw).expect("answered");
    assert_eq!(r.code(), "00");
    assert_eq!(h.state().workers.len(), 1);
    assert_eq!(h.state().workers[ID1].received_count, 2);
}

#[test]
fn percentages_are_drawn_repeatably_with_a_seed() {
    let run = || {
        let h = sim();
        h.set_faults(Faults {
            http_500_pct: 50,
            non_json_pct: 50,
            seed: Some(42),
            ..Faults::default()
        });
        (0..12)
            .map(|_| {
                let r = call(&h, Endpoint::DictListJobTypeName, &json!({}));
                (r.status, r.header("Content-Type").map(str::to_string))
            })
            .collect::<Vec<_>>()
    };
    let first = run();
    assert_eq!(first, run());
    assert!(first.iter().any(|(s, _)| *s == 500) && first.iter().any(|(s, _)| *s == 200));
    assert!(
        first.iter().all(|(_, ct)| ct.as_deref() != Some(UTF8)),
        "every answer is a fault page"
    );
}

#[test]
fn latency_delays_and_a_client_that_gives_up_still_leaves_its_record() {
    let h = sim();
    add_company(&h);
    h.set_faults(Faults {
        latency_ms: 400,
        ..Faults::default()
    });
    let started = Instant::now();
    assert_eq!(call(&h, Endpoint::DictListJobName, &json!({})).code(), "00");
    assert!(started.elapsed() >= Duration::from_millis(400));

    let body = worker_body(ID2, "李四").to_string();
    let p = params(Endpoint::RegisterEmployee, &body);
    let mut s = connect(&h);
    s.write_all(&raw_request(
        "POST",
        &path_for(Endpoint::RegisterEmployee, &p),
        Some(UTF8),
        body.as_bytes(),
        "",
    ))
    .expect("sends");
    drop(s);
    // Poll rather than sleep a fixed time: CI machines are slow and shared.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !h.state().workers.contains_key(ID2) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(h.state().workers[ID2].received_count, 1);
}

#[test]
fn control_endpoints_are_never_faulted() {
    let h = sim();
    h.set_faults(Faults {
        close_pct: 100,
        ..Faults::default()
    });
    let r = exchange(&h, &raw_request("GET", "/sim/state", None, b"", "")).expect("answered");
    assert_eq!(r.status, 200);
    assert!(r.json()["workers"].is_object());
    assert!(r.header("Date").is_some());

    let faults = json!({"queue": ["lose_answer", "non_json"]}).to_string();
    let r = exchange(
        &h,
        &raw_request("POST", "/sim/faults", Some(UTF8), faults.as_bytes(), ""),
    )
    .expect("answered");
    assert_eq!(r.json()["queue"], json!(["lose_answer", "non_json"]));
    assert_eq!(r.json()["close_pct"], 0, "POST /sim/faults replaces, not merges");
    let p = params(Endpoint::DictListEmpCategory, "{}");
    let raw = raw_request(
        "POST",
        &path_for(Endpoint::DictListEmpCategory, &p),
        Some(UTF8),
        b"{}",
        "",
    );
    assert!(
        exchange(&h, &raw).is_err(),
        "the queue's first entry hits the next platform call"
    );
    assert_eq!(h.state().call_count("DictListEmpCategory", "00"), 1);
    let r = exchange(&h, &raw_request("GET", "/sim/faults", None, b"", "")).expect("answered");
    assert_eq!(r.json()["queue"], json!(["non_json"]));

    let r = exchange(
        &h,
        &raw_request(
            "POST",
            "/sim/settings",
            Some(UTF8),
            br#"{"under_construction": false}"#,
            "",
        ),
    )
    .expect("answered");
    assert_eq!(r.json()["under_construction"], false);
    let r = exchange(&h, &raw_request("POST", "/sim/faults", Some(UTF8), b"{not json", "")).expect("answered");
    assert_eq!(r.status, 400);
}

#[test]
fn state_file_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("sim-state.json");
    let emp_id = {
        let h = sim_with(|c| c.state_file = Some(file.clone()));
        let emp_id = register(&h, ID1);
        h.shutdown();
        emp_id
    };
    assert!(file.exists());
    let h = sim_with(|c| c.state_file = Some(file.clone()));
    let state = h.state();
    assert_eq!(state.workers[ID1].emp_id, emp_id);
    assert_eq!(state.companies.len(), 1);
    assert_eq!(state.call_count("RegisterEmployee", "00"), 1);
    // Updating keeps the emp_id across the restart.
    let again = call(&h, Endpoint::RegisterEmployee, &worker_body(ID1, "张三"));
    assert_eq!(again.json()["result_data"]["emp_id"], emp_id.as_str());

    std::fs::write(&file, "{broken").expect("write");
    let broken = start(SimConfig {
        addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        state_file: Some(file.clone()),
        ..SimConfig::demo()
    });
    assert!(broken.is_err(), "a corrupt state file is reported, not overwritten");
}

#[test]
fn shutdown_closes_the_listener() {
    let h = sim();
    let addr = h.addr();
    assert!(h.base_url().starts_with("http://127.0.0.1:"));
    let mut idle = connect(&h);
    h.shutdown();
    assert!(std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err());
    // An idle keep-alive connection is cut too.
    let _ = idle.write_all(b"GET /sim/state HTTP/1.1\r\n\r\n");
    assert!(read_reply(&mut idle).is_err());
}

#[test]
fn fault_settings_outside_their_ranges_are_refused() {
    let h = sim();
    for bad in [
        json!({"close_pct": 150}),
        json!({"http_500_pct": 60, "non_json_pct": 60}),
        json!({"queue": ["redirect"]}),
    ] {
        let body = bad.to_string();
        let r = exchange(&h, &raw_request("POST", "/sim/faults", Some(UTF8), body.as_bytes(), "")).expect("answered");
        assert_eq!(r.status, 400, "{bad}");
    }
    let r = exchange(&h, &raw_request("GET", "/sim/faults", None, b"", "")).expect("answered");
    assert_eq!(r.json()["close_pct"], 0, "a refused setting changes nothing");
}

#[test]
fn an_overflowing_chunk_size_is_refused_and_the_simulator_keeps_serving() {
    let h = sim();
    let raw = b"POST /CWRService/AddCompany HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\nffffffffffffffff\r\n";
    let r = exchange(&h, raw).expect("answered");
    assert_eq!(r.status, 413);
    // Still answering.
    let r = exchange(&h, &raw_request("GET", "/sim/state", None, b"", "")).expect("answered");
    assert_eq!(r.status, 200);
}

#[test]
fn the_control_endpoints_answer_only_on_loopback() {
    let h = sim();
    let req = crate::http::read_request(
        &mut std::io::Cursor::new(raw_request("GET", "/sim/state", None, b"", "")),
        &mut Vec::new(),
        &crate::limits::BufferAccount::new(1024),
    )
    .expect("parses");
    let outside: std::net::SocketAddr = "192.168.1.20:50000".parse().expect("addr");
    match h.route_for_test(&req, Some(outside)) {
        Some(status) => assert_eq!(status, 403),
        None => panic!("no answer"),
    }
    assert_eq!(h.route_for_test(&req, Some(h.addr())), Some(200));
}

#[test]
fn the_platform_clock_offset_moves_the_date_header_and_the_timestamp_check() {
    let h = sim();
    h.set_faults(Faults {
        clock_offset_secs: 1200,
        ..Faults::default()
    });
    // Signed with this machine's clock: 20 minutes off for this platform.
    let r = call(&h, Endpoint::DictListEmpCategory, &json!({}));
    assert_eq!(r.code(), "99");
    assert!(r.detail().contains("timestamp"), "{}", r.detail());
    let date = chrono::DateTime::parse_from_rfc2822(r.header("Date").expect("date")).expect("http date");
    let ahead = date.timestamp() - Utc::now().timestamp();
    assert!((1190..=1210).contains(&ahead), "{ahead}");
}
