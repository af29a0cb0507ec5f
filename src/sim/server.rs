//! Connections, routing, fault injection and the control endpoints under `/sim/`.

use std::collections::HashMap;
use std::io::{self, BufReader, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::dict::Dictionaries;
use super::envelope::Answer;
use super::faults::FaultDice;
use super::fields::Body;
use super::http::{self, ReadError, Request, Response};
use super::state::SimState;
use super::{FaultKind, Faults, SimConfig, attendance, companies, gate, workers};
use crate::api::endpoints::Endpoint;

/// An idle keep-alive connection is closed after this; reqwest's pool simply reconnects.
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

const GATEWAY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
const ERROR_500_PAGE: &str = "<!doctype html><html lang=\"en\"><head><title>HTTP Status 500 – Internal Server Error</title></head>\
<body><h1>HTTP Status 500 – Internal Server Error</h1><hr class=\"line\" /><p><b>Type</b> Exception Report</p>\
<p><b>Description</b> The server encountered an unexpected condition that prevented it from fulfilling the request.</p>\
<hr class=\"line\" /><h3>Apache Tomcat/8.5.41</h3></body></html>";

const NOT_FOUND_PAGE: &str = "<html><body><h1>HTTP Status 404 – Not Found</h1></body></html>";
const PROXY_AUTH_PAGE: &str = "<html><head><title>407 Proxy Authentication Required</title></head>\
<body><h1>Proxy Authentication Required</h1><p>请先登录上网认证页面。</p></body></html>";
const TOO_LARGE_PAGE: &str = "<html><head><title>413 Request Entity Too Large</title></head>\
<body><center><h1>413 Request Entity Too Large</h1></center><hr><center>nginx</center></body></html>";

/// What a handler sees of the platform while it holds the lock.
pub struct Ctx<'a> {
    pub config: &'a SimConfig,
    pub dicts: &'a Dictionaries,
    pub state: &'a mut SimState,
    /// For emp_ids; separate from the fault dice so seeded fault runs stay repeatable.
    pub rng: &'a mut fastrand::Rng,
    pub under_construction: bool,
    pub now: DateTime<Utc>,
    /// How this instance differs (partial answers' shape, repeated departures).
    pub faults: &'a Faults,
}

struct Inner {
    state: SimState,
    dice: FaultDice,
    under_construction: bool,
    rng: fastrand::Rng,
}

pub struct Shared {
    config: SimConfig,
    dicts: Dictionaries,
    inner: Mutex<Inner>,
    stopping: AtomicBool,
    /// Clones of open connections, so that stopping can unblock their reads.
    conns: Mutex<HashMap<u64, TcpStream>>,
    next_conn: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A handler that panicked leaves the data as consistent as any other request would.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The address a local client should dial: loopback when bound to all interfaces.
pub fn connectable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port()),
        _ => addr,
    }
}

enum Outcome {
    Respond(Response),
    /// Close the connection without a word.
    Hangup,
    /// A `200` of this many bytes with no length, ended by closing the connection.
    Stream {
        bytes: u64,
    },
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Settings {
    under_construction: Option<bool>,
}

impl Shared {
    pub fn bind(config: SimConfig) -> io::Result<(Arc<Shared>, TcpListener)> {
        let state = match &config.state_file {
            Some(path) => SimState::load(path)?,
            None => SimState::default(),
        };
        let dicts = Dictionaries::load()?;
        let listener = TcpListener::bind(config.addr)?;
        let inner = Inner {
            state,
            dice: FaultDice::new(config.faults.clone()),
            under_construction: config.under_construction,
            rng: fastrand::Rng::new(),
        };
        let shared = Shared {
            config,
            dicts,
            inner: Mutex::new(inner),
            stopping: AtomicBool::new(false),
            conns: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(0),
        };
        Ok((Arc::new(shared), listener))
    }

    pub fn snapshot(&self) -> SimState {
        lock(&self.inner).state.clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        lock(&self.inner).dice = FaultDice::new(faults);
    }

    pub fn set_under_construction(&self, yes: bool) {
        lock(&self.inner).under_construction = yes;
    }

    /// Wakes the acceptor with a connection of our own and cuts every open connection.
    /// Returns false when the acceptor could not be woken: joining it would then hang.
    pub fn stop(&self, addr: SocketAddr) -> bool {
        if self.stopping.swap(true, Ordering::SeqCst) {
            return false;
        }
        let woke = match TcpStream::connect_timeout(&connectable(addr), Duration::from_secs(2)) {
            Ok(_) => true,
            Err(e) => {
                tracing::warn!("simulator: could not wake the acceptor: {e}");
                false
            }
        };
        for (_, conn) in lock(&self.conns).drain() {
            let _ = conn.shutdown(Shutdown::Both);
        }
        woke
    }

    /// The platform's clock: real time moved by the `clock_offset_secs` fault.
    pub fn platform_now(&self) -> DateTime<Utc> {
        let offset = lock(&self.inner).dice.faults().clock_offset_secs;
        Utc::now() + chrono::Duration::seconds(offset)
    }

    #[cfg(test)]
    pub fn route_status(&self, req: &Request, peer: Option<SocketAddr>) -> Option<u16> {
        match self.route(req, peer) {
            Outcome::Respond(r) => Some(r.status),
            Outcome::Hangup | Outcome::Stream { .. } => None,
        }
    }

    fn route(&self, req: &Request, peer: Option<SocketAddr>) -> Outcome {
        if req.path == "/sim" || req.path.starts_with("/sim/") {
            // The control endpoints change what the platform answers: loopback only.
            if !peer.is_some_and(|p| p.ip().is_loopback()) {
                return Outcome::Respond(Response::json(
                    403,
                    &json!({ "error": "simulator control is loopback only" }),
                ));
            }
            return Outcome::Respond(self.control(req));
        }
        let Some(endpoint) = Endpoint::ALL
            .into_iter()
            .find(|e| self.config.protocol.path(*e) == req.path)
        else {
            return Outcome::Respond(Response::html(404, NOT_FOUND_PAGE));
        };
        if req.method != "POST" {
            return Outcome::Respond(Response::html(
                405,
                "<html><body><h1>HTTP Status 405 – Method Not Allowed</h1></body></html>",
            ));
        }
        let (fault, latency, faults) = {
            let mut inner = lock(&self.inner);
            (inner.dice.next(), inner.dice.latency_ms(), inner.dice.faults().clone())
        };
        // Before processing, and without watching the socket: a client that gives up
        // meanwhile still leaves its record behind, as on a slow platform.
        if latency > 0 {
            std::thread::sleep(Duration::from_millis(latency));
        }
        if let Some(kind) = fault {
            tracing::info!(endpoint = endpoint.name(), ?kind, "simulator: injecting a fault");
        }
        match fault {
            Some(FaultKind::Http500) => Outcome::Respond(Response::html(500, ERROR_500_PAGE)),
            Some(FaultKind::Close) => Outcome::Hangup,
            Some(FaultKind::NonJson) => Outcome::Respond(Response::html(200, GATEWAY_PAGE)),
            Some(FaultKind::Http404) => Outcome::Respond(Response::html(404, NOT_FOUND_PAGE)),
            Some(FaultKind::Http407) => Outcome::Respond(Response::html(407, PROXY_AUTH_PAGE)),
            Some(FaultKind::Http413) => Outcome::Respond(Response::html(413, TOO_LARGE_PAGE)),
            Some(FaultKind::Redirect) => {
                let target = format!("{}{}", faults.redirect_to.trim_end_matches('/'), req.path);
                let mut r = Response::html(307, "<html><body>Temporary Redirect</body></html>");
                r.location = Some(target);
                Outcome::Respond(r)
            }
            Some(FaultKind::Huge) => Outcome::Stream {
                bytes: faults.huge_answer_mb.max(1) * 1024 * 1024,
            },
            Some(FaultKind::LoseAnswer) => {
                self.process(endpoint, req);
                Outcome::Hangup
            }
            None => Outcome::Respond(Response::json(200, &self.process(endpoint, req).to_json())),
        }
    }

    /// Runs the platform's checks and the endpoint, counts the answer and saves.
    fn process(&self, endpoint: Endpoint, req: &Request) -> Answer {
        let now = self.platform_now();
        let mut guard = lock(&self.inner);
        let Inner {
            state,
            rng,
            under_construction,
            dice,
        } = &mut *guard;
        let faults = dice.faults().clone();
        let answer = match gate::check(&self.config, endpoint, req, now, &faults) {
            Err(refusal) => refusal,
            Ok(body) => {
                let mut ctx = Ctx {
                    config: &self.config,
                    dicts: &self.dicts,
                    state: &mut *state,
                    rng: &mut *rng,
                    under_construction: *under_construction,
                    now,
                    faults: &faults,
                };
                dispatch(&mut ctx, endpoint, &body)
            }
        };
        state.count_call(endpoint.name(), answer.code.as_str());
        tracing::info!(endpoint = endpoint.name(), code = answer.code.as_str(), detail = %answer.detail, "simulator answered");
        if let Some(path) = &self.config.state_file
            && let Err(e) = state.save(path)
        {
            tracing::warn!("simulator: could not save {}: {e}", path.display());
        }
        answer
    }

    fn control(&self, req: &Request) -> Response {
        let bad = |e: String| Response::json(400, &json!({ "error": e }));
        match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/sim/state") => match serde_json::to_value(self.snapshot()) {
                Ok(v) => Response::json(200, &v),
                Err(e) => bad(e.to_string()),
            },
            ("POST", "/sim/faults") => match serde_json::from_slice::<Faults>(&req.body) {
                Ok(faults) => match faults.validate() {
                    Ok(()) => {
                        let echo = serde_json::to_value(&faults).unwrap_or_default();
                        self.set_faults(faults);
                        Response::json(200, &echo)
                    }
                    Err(e) => bad(e),
                },
                Err(e) => bad(e.to_string()),
            },
            ("GET", "/sim/faults") => Response::json(
                200,
                &serde_json::to_value(lock(&self.inner).dice.faults()).unwrap_or_default(),
            ),
            ("POST", "/sim/settings") => match serde_json::from_slice::<Settings>(&req.body) {
                Ok(settings) => {
                    if let Some(yes) = settings.under_construction {
                        self.set_under_construction(yes);
                    }
                    Response::json(
                        200,
                        &json!({ "under_construction": lock(&self.inner).under_construction }),
                    )
                }
                Err(e) => bad(e.to_string()),
            },
            ("GET", "/sim/settings") => Response::json(
                200,
                &json!({ "under_construction": lock(&self.inner).under_construction }),
            ),
            _ => Response::json(404, &json!({ "error": "unknown simulator path" })),
        }
    }
}

fn dispatch(ctx: &mut Ctx<'_>, endpoint: Endpoint, body: &Body) -> Answer {
    match endpoint {
        Endpoint::DictListEmpCategory
        | Endpoint::DictListJobTypeName
        | Endpoint::DictListJobName
        | Endpoint::GetCompanyType => Answer::ok(ctx.dicts.result_data(endpoint)),
        Endpoint::RegisterEmployee => workers::register(ctx, body),
        Endpoint::UploadPassedLog => attendance::upload(ctx, body),
        Endpoint::UserLeaveProject => workers::leave(ctx, body),
        Endpoint::AddCompany => companies::add(ctx, body),
        Endpoint::ProjectRemoveCompany => companies::remove(ctx, body),
    }
}

/// More open connections than this are refused at once: a flood cannot exhaust threads.
const MAX_CONNECTIONS: usize = 64;

/// A whole request (head and body) must arrive within this, however slowly each piece comes.
const REQUEST_SECS: u64 = 60;

pub fn spawn_acceptor(shared: Arc<Shared>, listener: TcpListener) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name("sim-accept".into()).spawn(move || {
        for stream in listener.incoming() {
            if shared.stopping.load(Ordering::SeqCst) {
                break;
            }
            let mut stream = match stream {
                Ok(s) => s,
                Err(e) => {
                    // Out of descriptors and the like: back off instead of spinning.
                    tracing::warn!("simulator: accept failed: {e}");
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
            };
            if lock(&shared.conns).len() >= MAX_CONNECTIONS {
                tracing::warn!("simulator: {MAX_CONNECTIONS} connections open; refusing one more");
                let busy = Response::html(503, "<html><body><h1>503 Service Unavailable</h1></body></html>");
                let _ = http::write_response(&mut stream, &busy, false, &http::http_date(Utc::now()));
                let _ = stream.shutdown(Shutdown::Both);
                continue;
            }
            let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
            if let Ok(clone) = stream.try_clone() {
                lock(&shared.conns).insert(id, clone);
            }
            let conn_shared = Arc::clone(&shared);
            let spawned = std::thread::Builder::new()
                .name(format!("sim-conn-{id}"))
                .spawn(move || {
                    serve_connection(&conn_shared, stream);
                    lock(&conn_shared.conns).remove(&id);
                });
            if let Err(e) = spawned {
                tracing::warn!("simulator: could not start a connection thread: {e}");
                lock(&shared.conns).remove(&id);
            }
        }
    })
}

/// A socket whose reads fail once a deadline has passed, whatever each read's own timeout.
struct DeadlineStream {
    stream: TcpStream,
    deadline: Option<std::time::Instant>,
}

impl Read for DeadlineStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let timeout = match self.deadline {
            None => IDLE_TIMEOUT,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "request took too long"));
                }
                left.min(IDLE_TIMEOUT)
            }
        };
        self.stream.set_read_timeout(Some(timeout))?;
        self.stream.read(buf)
    }
}

fn serve_connection(shared: &Shared, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let peer = stream.peer_addr().ok();
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(DeadlineStream { stream, deadline: None });
    while !shared.stopping.load(Ordering::SeqCst) {
        // Idle between requests; once a request's first byte is here, the whole of it must
        // follow within REQUEST_SECS.
        reader.get_mut().deadline = None;
        match std::io::BufRead::fill_buf(&mut reader) {
            Ok([]) | Err(_) => return,
            Ok(_) => {}
        }
        reader.get_mut().deadline = Some(std::time::Instant::now() + Duration::from_secs(REQUEST_SECS));
        let req = match http::read_request(&mut reader, &mut writer) {
            Ok(req) => req,
            Err(ReadError::Closed) => return,
            Err(ReadError::BadRequest(why)) => {
                let page = format!("<html><body><h1>HTTP Status 400 – Bad Request</h1><p>{why}</p></body></html>");
                return refuse_and_close(shared, &mut writer, &Response::html(400, &page));
            }
            Err(ReadError::TooLarge) => {
                let answer = json!({ "error": format!("request body larger than {} bytes", http::MAX_BODY) });
                return refuse_and_close(shared, &mut writer, &Response::json(413, &answer));
            }
        };
        let date = http::http_date(shared.platform_now());
        match shared.route(&req, peer) {
            Outcome::Respond(response) => {
                if http::write_response(&mut writer, &response, req.keep_alive, &date).is_err() || !req.keep_alive {
                    return;
                }
            }
            Outcome::Hangup => {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Outcome::Stream { bytes } => {
                let _ = http::write_streamed(&mut writer, bytes, &date);
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}

/// Answers, then drains what the client is still sending before closing: closing with
/// unread data makes the kernel send RST, and the client would see a reset instead of
/// the answer.
fn refuse_and_close(shared: &Shared, writer: &mut TcpStream, response: &Response) {
    if http::write_response(writer, response, false, &http::http_date(shared.platform_now())).is_err() {
        return;
    }
    let _ = writer.shutdown(Shutdown::Write);
    let _ = writer.set_read_timeout(Some(Duration::from_secs(2)));
    let mut sink = [0u8; 64 * 1024];
    let mut drained = 0usize;
    while drained < 2 * http::MAX_BODY {
        match writer.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}
