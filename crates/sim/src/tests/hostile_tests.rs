//! The simulator as a server facing hostile clients: absurd fault settings, a handler that
//! panics, idle and slow sockets filling every slot, bodies announced huge and sent small.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use serde_json::json;

use super::*;
use crate::{Faults, SimLimits};

fn post_faults(h: &SimHandle, body: &str) -> Reply {
    exchange(h, &raw_request("POST", "/sim/faults", Some(UTF8), body.as_bytes(), "")).expect("answered")
}

/// Reads until the server closes; true when it did (a reset counts).
fn closed_by_server(s: &mut TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return false,
            Err(_) => return true,
        }
    }
}

#[test]
fn each_out_of_range_fault_value_is_400_and_the_next_request_is_answered() {
    let h = sim();
    let bad = [
        (r#"{"clock_offset_secs":10000000000000}"#, "clock_offset_secs"),
        (r#"{"clock_offset_secs":-9223372036854775808}"#, "clock_offset_secs"),
        (r#"{"latency_ms":18446744073709551615}"#, "latency_ms"),
        (r#"{"huge_answer_mb":18446744073709551615}"#, "huge_answer_mb"),
        (
            r#"{"queue":["redirect"],"redirect_to":"http://127.0.0.1:9/\r\nSet-Cookie: a=1"}"#,
            "redirect_to",
        ),
        (
            r#"{"signature_refusal":{"code":"","message":"x"}}"#,
            "signature_refusal",
        ),
        (r#"{"close_pct":300}"#, "close_pct"),
        (r#"{"clock_offset":5}"#, "clock_offset"),
    ];
    for (body, names) in bad {
        let r = post_faults(&h, body);
        assert_eq!(r.status, 400, "{body}");
        let error = r.json()["error"].as_str().unwrap_or_default().to_string();
        assert!(error.contains(names) && error.contains('请'), "{body}: {error}");
        // Still answering, and still on time.
        let r = call(&h, Endpoint::DictListEmpCategory, &json!({}));
        assert_eq!(r.code(), "00", "after {body}");
        let date = r.header("Date").expect("Date");
        let date = chrono::DateTime::parse_from_rfc2822(&date.replace("GMT", "+0000")).expect("date");
        assert!((date.timestamp() - Utc::now().timestamp()).abs() < 60, "after {body}");
    }
    let r = exchange(&h, &raw_request("GET", "/sim/faults", None, b"", "")).expect("answered");
    assert_eq!(r.json()["clock_offset_secs"], 0, "nothing refused was kept");
    assert_eq!(r.json()["latency_ms"], 0);
}

#[test]
fn a_clock_offset_no_date_can_hold_does_not_stop_the_simulator_answering() {
    let h = sim();
    // What POST /sim/faults refuses, set through the API that does not check.
    h.set_faults(Faults {
        clock_offset_secs: i64::MAX,
        ..Faults::default()
    });
    let r = call(&h, Endpoint::DictListEmpCategory, &json!({}));
    assert_eq!(r.code(), "00", "the clock is left alone rather than panicking");
    let r = exchange(&h, &raw_request("GET", "/sim/state", None, b"", "")).expect("answered");
    assert_eq!(r.status, 200);
}

#[test]
fn a_handler_that_panics_costs_its_own_request_only() {
    let h = sim_with(|c| c.limits.max_connections = 4);
    // More panics than slots: a slot lost with each would leave none.
    for _ in 0..10 {
        let r = exchange(&h, &raw_request("POST", "/sim/panic", Some(UTF8), b"{}", "")).expect("answered");
        assert_eq!(r.status, 500);
        assert!(r.json()["error"].as_str().unwrap_or_default().contains("程序错误"));
        assert_eq!(r.header("Connection"), Some("close"));
    }
    // The platform's lock was held by the panicking handler: recovered, not poisoned for good.
    let r = exchange(&h, &raw_request("GET", "/sim/state", None, b"", "")).expect("answered");
    assert_eq!(r.status, 200);
    register(&h, ID1);
    assert_eq!(h.state().workers.len(), 1);
}

#[test]
fn idle_sockets_filling_every_slot_give_them_up_to_a_new_client() {
    let h = sim_with(|c| {
        c.limits = SimLimits {
            idle_timeout_when_full: Duration::from_millis(50),
            wait_for_slot: Duration::from_secs(30),
            ..SimLimits::default()
        }
    });
    let slots = SimLimits::default().max_connections;
    let mut idle: Vec<TcpStream> = (0..slots + 6).map(|_| connect(&h)).collect();
    // A client like the station's: it gets an answer once idle slots are reclaimed.
    let r = call(&h, Endpoint::DictListJobName, &json!({}));
    assert_eq!((r.status, r.code()), (200, "00".to_string()));
    assert!(
        closed_by_server(&mut idle[0]),
        "the longest idle connection gave up its slot"
    );
}

#[test]
fn a_client_sending_its_headers_slower_than_the_deadline_is_dropped() {
    let h = sim_with(|c| c.limits.header_timeout = Duration::from_millis(200));
    let head = format!(
        "GET /sim/state HTTP/1.1\r\nHost: localhost\r\nX-Pad: {}\r\n\r\n",
        "a".repeat(1000)
    );
    let mut s = connect(&h);
    // Between bytes, wait for the server's verdict instead of sleeping.
    s.set_read_timeout(Some(Duration::from_millis(20))).expect("timeout");
    let mut sent = 0;
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    for byte in head.bytes() {
        if s.write_all(&[byte]).is_err() {
            break;
        }
        sent += 1;
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(_) => break,
        }
    }
    assert!(sent < head.len(), "dropped before its headers were complete");
    if !answer.is_empty() {
        assert!(
            answer.starts_with(b"HTTP/1.1 408 "),
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }
    let r = exchange(&h, &raw_request("GET", "/sim/state", None, b"", "")).expect("answered");
    assert_eq!(r.status, 200, "a prompt client is served");
}

#[test]
fn a_body_arriving_slower_than_its_minimum_rate_is_dropped() {
    let h = sim_with(|c| {
        c.limits.body_timeout_floor = Duration::from_millis(100);
        c.limits.body_min_bytes_per_sec = 1024 * 1024;
    });
    let mut s = connect(&h);
    let head = "POST /CWRService/AddCompany HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n0123456789";
    s.write_all(head.as_bytes()).expect("sends");
    let r = read_reply(&mut s).expect("answered before the body is complete");
    assert_eq!(r.status, 408);
    assert!(String::from_utf8_lossy(&r.body).contains("太慢"));
    assert!(h.state().calls.is_empty(), "nothing was processed");
}

#[test]
fn a_body_announced_as_31_mb_holds_only_what_arrived() {
    let h = sim();
    let path = "/CWRService/RegisterEmployee";
    for framing in [
        "Transfer-Encoding: chunked\r\n\r\n1F00000\r\n".to_string(),
        format!("Content-Length: {}\r\n\r\n", 31 * 1024 * 1024),
    ] {
        let mut s = connect(&h);
        let mut raw = format!("POST {path} HTTP/1.1\r\nHost: x\r\n{framing}").into_bytes();
        raw.extend_from_slice(&[b'x'; 1000]);
        s.write_all(&raw).expect("sends");
        s.shutdown(Shutdown::Write).expect("ends its side");
        assert!(closed_by_server(&mut s), "{framing}");
        let peak = h.peak_buffered_bytes();
        assert!((1000..=64 * 1024).contains(&peak), "{framing}: held {peak} bytes");
        assert_eq!(h.buffered_bytes(), 0, "{framing}: given back");
    }
}

#[test]
fn bodies_past_the_memory_bound_are_refused_and_the_next_request_is_served() {
    let bound = 256 * 1024;
    let h = sim_with(|c| c.limits.max_buffered_bytes = bound);
    let mut s = connect(&h);
    let mut raw = format!(
        "POST /CWRService/RegisterEmployee HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        1024 * 1024
    )
    .into_bytes();
    raw.extend_from_slice(&vec![b'x'; 300 * 1024]);
    s.write_all(&raw).expect("sends");
    let r = read_reply(&mut s).expect("answered");
    assert_eq!(r.status, 503);
    assert!(r.json()["error"].as_str().unwrap_or_default().contains("上限"));
    assert!(h.peak_buffered_bytes() <= bound);
    drop(s);
    register(&h, ID1);
}
