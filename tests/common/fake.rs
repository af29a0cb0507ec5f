//! A small fake server for answers the simulator does not give: it answers every request with
//! whatever the test's handler returns, byte for byte, and counts what it received. Used for
//! proxies, redirect targets and platform instances that word things their own way.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// What the fake server saw of one request.
#[derive(Debug, Clone)]
pub struct SeenRequest {
    pub method: String,
    pub target: String,
    pub body: Vec<u8>,
}

type Handler = dyn Fn(&SeenRequest, usize) -> Vec<u8> + Send + Sync;

pub struct FakeServer {
    pub port: u16,
    connections: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<SeenRequest>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeServer {
    /// `handler(request, n)` (n counts requests from 0) returns the whole raw answer.
    pub fn start(handler: impl Fn(&SeenRequest, usize) -> Vec<u8> + Send + Sync + 'static) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let thread = {
            let (connections, requests, stop) = (Arc::clone(&connections), Arc::clone(&requests), Arc::clone(&stop));
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    connections.fetch_add(1, Ordering::SeqCst);
                    let (requests, handler) = (Arc::clone(&requests), Arc::clone(&handler));
                    std::thread::spawn(move || serve(stream, &requests, &*handler));
                }
            })
        };
        FakeServer {
            port,
            connections,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<SeenRequest> {
        self.requests.lock().expect("lock").clone()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(stream: TcpStream, requests: &Mutex<Vec<SeenRequest>>, handler: &Handler) {
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':')
                && k.trim().eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let seen = SeenRequest { method, target, body };
        let n = {
            let mut all = requests.lock().expect("lock");
            all.push(seen.clone());
            all.len() - 1
        };
        let answer = handler(&seen, n);
        if writer.write_all(&answer).is_err() {
            return;
        }
        let _ = writer.flush();
    }
}

/// A whole HTTP answer with a length, kept alive.
pub fn http_answer(status: u16, reason: &str, extra_headers: &str, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra_headers}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A platform envelope, as JSON, with an optional `Date` header.
pub fn envelope_answer(json: &str, date: Option<&str>) -> Vec<u8> {
    let date = date.map(|d| format!("Date: {d}\r\n")).unwrap_or_default();
    http_answer(200, "OK", &date, "application/json;charset=UTF-8", json)
}
