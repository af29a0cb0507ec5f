//! Routing, fault injection and the control endpoints under `/sim/`; what the platform
//! holds, behind one lock.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::conn::Slots;
use super::dict::Dictionaries;
use super::envelope::Answer;
use super::faults::{FaultDice, MAX_HUGE_ANSWER_MB, MAX_LATENCY_MS, parse_naming_the_field};
use super::fields::Body;
use super::http::{Request, Response};
use super::limits::BufferAccount;
use super::state::SimState;
use super::{FaultKind, Faults, SimConfig, attendance, companies, gate, platform_table, workers};
use protocol::endpoints::Endpoint;

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
    slots: Slots,
    /// Request bodies being received or answered, against `limits.max_buffered_bytes`.
    buffers: Arc<BufferAccount>,
    /// Body bytes of huge answers the sockets took, all connections together.
    streamed: AtomicU64,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
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

pub(super) enum Outcome {
    Respond(Response),
    /// Answer, then close: the request went wrong in a way that leaves the connection unusable.
    Fail(Response),
    /// Close the connection without a word.
    Hangup,
    /// A `200` of this many bytes with no length, ended by closing the connection.
    Stream {
        bytes: u64,
    },
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
        let buffers = BufferAccount::new(config.limits.max_buffered_bytes);
        let shared = Shared {
            config,
            dicts,
            inner: Mutex::new(inner),
            stopping: AtomicBool::new(false),
            slots: Slots::default(),
            buffers,
            streamed: AtomicU64::new(0),
        };
        Ok((Arc::new(shared), listener))
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    pub fn slots(&self) -> &Slots {
        &self.slots
    }

    pub fn buffers(&self) -> &Arc<BufferAccount> {
        &self.buffers
    }

    pub fn streamed(&self) -> &AtomicU64 {
        &self.streamed
    }

    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    pub fn stopping_flag(&self) -> &AtomicBool {
        &self.stopping
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
        self.slots.cut_all();
        woke
    }

    /// The platform's clock: real time moved by the `clock_offset_secs` fault. An offset past
    /// what a date can hold (set through `set_faults`, which does not validate) leaves the
    /// clock alone rather than panic on every request.
    pub fn platform_now(&self) -> DateTime<Utc> {
        let offset = lock(&self.inner).dice.faults().clock_offset_secs;
        let now = Utc::now();
        chrono::TimeDelta::try_seconds(offset)
            .and_then(|delta| now.checked_add_signed(delta))
            .unwrap_or(now)
    }

    #[cfg(test)]
    pub fn route_status(&self, req: &Request, peer: Option<SocketAddr>) -> Option<u16> {
        match self.route(req, peer) {
            Outcome::Respond(r) => Some(r.status),
            Outcome::Fail(r) => Some(r.status),
            Outcome::Hangup | Outcome::Stream { .. } => None,
        }
    }

    pub(super) fn route(&self, req: &Request, peer: Option<SocketAddr>) -> Outcome {
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
            .find(|e| platform_table::path(&self.config.platform.service, *e) == req.path)
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
            std::thread::sleep(Duration::from_millis(latency.min(MAX_LATENCY_MS)));
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
                bytes: faults.huge_answer_mb.clamp(1, MAX_HUGE_ANSWER_MB) * 1024 * 1024,
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
            ("POST", "/sim/faults") => match parse_naming_the_field::<Faults>(&req.body, "故障设置") {
                Ok(faults) => match faults.validate() {
                    Ok(()) => {
                        let echo = serde_json::to_value(&faults).unwrap_or_default();
                        self.set_faults(faults);
                        Response::json(200, &echo)
                    }
                    Err(e) => bad(format!("{e}；这次设置没有生效")),
                },
                Err(e) => bad(e),
            },
            ("GET", "/sim/faults") => Response::json(
                200,
                &serde_json::to_value(lock(&self.inner).dice.faults()).unwrap_or_default(),
            ),
            ("POST", "/sim/settings") => match parse_naming_the_field::<Settings>(&req.body, "设置") {
                Ok(settings) => {
                    if let Some(yes) = settings.under_construction {
                        self.set_under_construction(yes);
                    }
                    Response::json(
                        200,
                        &json!({ "under_construction": lock(&self.inner).under_construction }),
                    )
                }
                Err(e) => bad(e),
            },
            ("GET", "/sim/settings") => Response::json(
                200,
                &json!({ "under_construction": lock(&self.inner).under_construction }),
            ),
            // A handler's bug, on demand: it panics holding the platform's lock, the worst
            // place, so that the tests can show the server survives it.
            #[cfg(test)]
            ("POST", "/sim/panic") => {
                let _held = lock(&self.inner);
                panic!("a test asked the simulator to fail");
            }
            _ => Response::json(
                404,
                &json!({ "error": "没有这个模拟平台控制地址；可用的有 /sim/state、/sim/faults、/sim/settings" }),
            ),
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
