//! End-to-end tests over real sockets, signing with the crate's own signer.

mod endpoint_tests;
mod fault_tests;
mod gate_tests;
mod hostile_tests;
mod java_client;
mod photo_tests;
mod version_tests;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use base64::Engine;
use chrono::Utc;
use serde_json::{Value, json};

use super::{SimConfig, SimHandle, start};
use protocol::endpoints::Endpoint;
use protocol::sign::{SignedParams, beijing_timestamp, percent_encode, signature};

pub const UTF8: &str = "application/json;charset=UTF-8";
pub const COMPANY: &str = "深圳市示例建设工程有限公司";
pub const SUID: &str = "91440300MA5DC12341";
pub const SUID2: &str = "91440300708461136T";
pub const ID1: &str = "11010519491231002X";
pub const ID2: &str = "440304199001010011";
pub const ID3: &str = "440304198512120031";

pub fn sim() -> SimHandle {
    sim_with(|_| {})
}

pub fn sim_with(adjust: impl FnOnce(&mut SimConfig)) -> SimHandle {
    let mut config = SimConfig {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        ..SimConfig::demo()
    };
    adjust(&mut config);
    start(config).expect("simulator starts")
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_string()
    }

    pub fn detail(&self) -> String {
        self.json()["detail_message"].as_str().unwrap_or_default().to_string()
    }
}

/// The version each section's table of the document gives, written out here rather than
/// read from either side's table: the platform also takes 1.1 on the last four.
pub fn document_version(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::UploadPassedLog
        | Endpoint::UserLeaveProject
        | Endpoint::AddCompany
        | Endpoint::ProjectRemoveCompany => "1.0",
        _ => "1.1",
    }
}

/// The five system parameters, correctly signed with the demo secret over `body`.
pub fn params(endpoint: Endpoint, body: &str) -> Vec<(String, String)> {
    let demo = SimConfig::demo();
    let version = document_version(endpoint).to_string();
    let timestamp = beijing_timestamp(Utc::now());
    let sig = signature(
        &demo.api_secret,
        &SignedParams {
            api_key: &demo.api_key,
            api_version: &version,
            client_serial: &demo.client_serial,
            timestamp: &timestamp,
            body,
        },
    );
    vec![
        ("api_key".into(), demo.api_key),
        ("api_version".into(), version),
        ("client_serial".into(), demo.client_serial),
        ("timestamp".into(), timestamp),
        ("signature".into(), sig),
    ]
}

pub fn set_param(params: &mut [(String, String)], name: &str, value: &str) {
    for (k, v) in params.iter_mut() {
        if k == name {
            *v = value.to_string();
        }
    }
}

pub fn path_for(endpoint: Endpoint, params: &[(String, String)]) -> String {
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect();
    format!("/CWRService/{}?{}", endpoint.name(), query.join("&"))
}

/// One complete request, as bytes.
pub fn raw_request(method: &str, path: &str, content_type: Option<&str>, body: &[u8], extra: &str) -> Vec<u8> {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n{extra}",
        body.len()
    );
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

pub fn connect(h: &SimHandle) -> TcpStream {
    let s = TcpStream::connect(h.addr()).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    s
}

/// Reads exactly one response; Err when the server closed without answering.
pub fn read_reply(stream: &mut TcpStream) -> std::io::Result<Reply> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed without an answer",
            ));
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    stream.read_exact(&mut body)?;
    Ok(Reply { status, headers, body })
}

pub fn exchange(h: &SimHandle, raw: &[u8]) -> std::io::Result<Reply> {
    let mut s = connect(h);
    s.write_all(raw)?;
    read_reply(&mut s)
}

/// A platform call with custom parameters and Content-Type.
pub fn call_raw(
    h: &SimHandle,
    endpoint: Endpoint,
    params: &[(String, String)],
    content_type: Option<&str>,
    body: &str,
) -> Reply {
    exchange(
        h,
        &raw_request("POST", &path_for(endpoint, params), content_type, body.as_bytes(), ""),
    )
    .expect("answered")
}

/// A correct platform call.
pub fn call(h: &SimHandle, endpoint: Endpoint, body: &Value) -> Reply {
    let text = body.to_string();
    call_raw(h, endpoint, &params(endpoint, &text), Some(UTF8), &text)
}

/// A tiny but genuine JPEG: SOI, JFIF APP0, EOI.
pub fn jpeg_b64() -> String {
    let bytes = [
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF, 0xD9,
    ];
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn today() -> String {
    super::fields::beijing_today(Utc::now()).format("%Y-%m-%d").to_string()
}

pub fn company_body(name: &str, suid: &str) -> Value {
    json!({"Project_ID": super::DEMO_PROJECT_ID, "Company_Name": name, "Legal_Person": "李四", "SUID": suid, "Type": "01"})
}

pub fn add_company(h: &SimHandle) {
    assert_eq!(call(h, Endpoint::AddCompany, &company_body(COMPANY, SUID)).code(), "00");
}

pub fn worker_body(id_code: &str, name: &str) -> Value {
    let photo = jpeg_b64();
    json!({
        "Project_ID": super::DEMO_PROJECT_ID, "id_code": id_code, "id_photo": photo, "emp_name": name,
        "emp_phone": "13800138000", "emp_nativeplace": "广东省深圳市福田区福华路1号", "emp_nation": "汉",
        "pass_period": format!("{}:", today()), "match_flag": "Y", "facephoto": photo,
        "emp_company": COMPANY, "emp_category": "00", "job_typename": "1",
        "job_name": "C2B5002C52A26F8CC89CEEB5F4D6D1F5", "contract_status": "1",
        "id_agency": "深圳市公安局福田分局", "id_validdate": "2020.01.01-2040.01.01",
        "idphoto_scan": photo, "idphoto_scan2": photo,
    })
}

/// Registers a worker (company included) and returns the platform's emp_id.
pub fn register(h: &SimHandle, id_code: &str) -> String {
    if h.state().companies.is_empty() {
        add_company(h);
    }
    let reply = call(h, Endpoint::RegisterEmployee, &worker_body(id_code, "张三"));
    assert_eq!(reply.code(), "00", "{}", reply.detail());
    reply.json()["result_data"]["emp_id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

pub fn beijing_now_minus(secs: i64) -> String {
    beijing_timestamp(Utc::now() - chrono::Duration::seconds(secs))
}
