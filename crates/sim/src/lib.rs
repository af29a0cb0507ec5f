//! The platform simulator: a small HTTP/1.1 server that enforces the contract of
//! `shared/spec/platform-api-standard-v2.2.4.txt` the way the real platform does, so that
//! a client passing against it has met the platform's rules and not just our own.
//!
//! It also injects the transport failures a site network produces (HTTP 500, dropped
//! connections, answers lost after the platform stored the data, proxy pages instead of
//! JSON), to prove the client's outbox survives them without losing or doubling records.
//!
//! Layout: `http` (wire format), `conn` (connections, slots, deadlines), `limits` (their
//! settings and the memory bound), `server` (routing, faults), `gate` (the
//! checks every platform call passes first), `workers`, `attendance`, `companies` (the
//! endpoints), `state` (what the platform holds, persisted), `dict` (dictionaries),
//! `platform_table` (what the platform takes on the wire, apart from the client's table).

mod attendance;
mod companies;
mod conn;
mod dict;
mod envelope;
mod faults;
mod fields;
mod gate;
mod http;
mod limits;
mod platform_table;
mod server;
mod state;
mod workers;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use serde::{Deserialize, Serialize};

use protocol::endpoints::Endpoint;

pub use dict::Dictionaries;
pub use faults::{MAX_CLOCK_OFFSET_SECS, MAX_HUGE_ANSWER_MB, MAX_LATENCY_MS, MAX_QUEUE};
pub use limits::SimLimits;
pub use platform_table::{
    DEFAULT_ATTENDANCE_WINDOW_SECS, MAX_ATTENDANCE_WINDOW_SECS, PlatformTable, RegisterKeys, versions_taken,
};
pub use state::{SimDeparture, SimState, SimWorker};

/// Failures to inject into platform calls (never into `/sim/*`): what a site network, a
/// proxy, or a platform instance that behaves a little differently from this one can do.
/// Every value is range-checked by `validate` (POST /sim/faults and `cwr-station sim` refuse
/// what fails it); a name it does not know is refused too, so a misspelt setting is not
/// silently ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Sleep before processing each platform request.
    pub latency_ms: u64,
    pub http_500_pct: u8,
    pub close_pct: u8,
    pub lose_answer_pct: u8,
    pub non_json_pct: u8,
    /// Makes the percentage draws repeatable.
    pub seed: Option<u64>,
    /// Applied one per request, in order, before any percentage is drawn.
    pub queue: Vec<FaultKind>,
    /// Where a queued `redirect` points (another listener): it must receive nothing.
    pub redirect_to: String,
    /// Size of a queued `huge` answer, in MB (streamed, never held in memory).
    pub huge_answer_mb: u64,
    /// The platform's clock runs this many seconds from real time: its `Date` header and its
    /// timestamp check both follow it (a PC clock that is off, seen from the other side).
    pub clock_offset_secs: i64,
    /// How a timestamp out of range is answered (default `99` "时间戳…(timestamp)"). Instances
    /// word and code it differently.
    pub clock_refusal: Option<Refusal>,
    /// How a wrong signature is answered (default `99` "签名校验失败(signature)"); `26`, `41`
    /// and `11` are all seen.
    pub signature_refusal: Option<Refusal>,
    /// The shape of a partial userLeaveProject answer's `result_data`.
    pub leave_partial_shape: LeaveShape,
    /// A departure of a worker who already left is answered `47` (the real platform may),
    /// instead of being accepted again.
    pub leave_repeat_47: bool,
    /// An attendance batch holding any log the platform already has is refused whole with
    /// `48`, nothing of it stored (instead of storing the new logs and skipping the repeat).
    pub passed_log_batch_48: bool,
    /// An instance that takes only this `api_version` on an endpoint, instead of what the
    /// document's table says it takes (`{"AddCompany":"1.1"}`): to show how a station finds
    /// the version an instance wants.
    pub only_version: BTreeMap<Endpoint, String>,
}

/// A refusal as an instance words it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub code: String,
    pub message: String,
}

/// How a `10` to userLeaveProject names the workers who failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveShape {
    /// `{"fail_list":[{"id_code":…,"message":…}]}`: what the station reads.
    #[default]
    FailList,
    /// `{"failList":[{"idCode":…}]}`
    CamelCase,
    /// `["440…", …]`
    Strings,
    /// `null`
    Null,
    /// `{"fail_list":[{"id_code":<an ID not in the batch>}]}`
    ForeignIds,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// HTTP 500 with an HTML page; the request is not processed.
    Http500,
    /// The connection is closed without an answer; the request is not processed.
    Close,
    /// The request is processed and stored, then the connection is closed unanswered.
    LoseAnswer,
    /// HTTP 200 with a gateway's HTML page; the request is not processed.
    NonJson,
    /// A portal's HTML 404 page.
    Http404,
    /// A site proxy asking for credentials: HTML 407.
    Http407,
    /// A proxy refusing the body's size: HTML 413.
    Http413,
    /// `307 Temporary Redirect` to `redirect_to`; the request is not processed.
    Redirect,
    /// A `200` answer of `huge_answer_mb` MB without a length, read until close.
    Huge,
}

/// Everything the simulator needs to start.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub addr: SocketAddr,
    pub api_key: String,
    pub api_secret: String,
    pub client_serial: String,
    /// The one project this device is registered to (the body's `Project_ID`).
    pub project_id: String,
    /// Where the platform's data survives restarts; None keeps it in memory only.
    pub state_file: Option<PathBuf>,
    pub faults: Faults,
    /// The platform refuses attendance for a project that is not "在建".
    pub under_construction: bool,
    /// A log whose pass time is older than this is refused (3.2.3: 2 hours today, "以住建局
    /// 通知为准"). 1 to `MAX_ATTENDANCE_WINDOW_SECS`.
    pub attendance_window_secs: i64,
    /// What the platform takes on the wire; its own, never the client's `ProtocolTable`.
    pub platform: PlatformTable,
    /// Connection slots, deadlines and the memory bound.
    pub limits: SimLimits,
}

pub const DEMO_API_KEY: &str = "DEMOKEY0000000000000000000000001";
pub const DEMO_API_SECRET: &str = "demo-secret";
pub const DEMO_CLIENT_SERIAL: &str = "PL5F3C2A7B9D1E4F60A8B7C6D5E4F3A2B1";
pub const DEMO_PROJECT_ID: &str = "440300201900001";

impl SimConfig {
    /// Fixed credentials so that a station configured once keeps working against any demo sim.
    pub fn demo() -> SimConfig {
        SimConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 7040)),
            api_key: DEMO_API_KEY.into(),
            api_secret: DEMO_API_SECRET.into(),
            client_serial: DEMO_CLIENT_SERIAL.into(),
            project_id: DEMO_PROJECT_ID.into(),
            state_file: None,
            faults: Faults::default(),
            under_construction: true,
            attendance_window_secs: DEFAULT_ATTENDANCE_WINDOW_SECS,
            platform: PlatformTable::default(),
            limits: SimLimits::default(),
        }
    }
}

/// A running simulator. Dropping it stops the listener and closes open connections.
pub struct SimHandle {
    shared: Arc<server::Shared>,
    addr: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

/// Binds (port 0 picks a free port) and serves on background threads; returns at once.
/// Fault settings that fail `Faults::validate` are refused (InvalidInput, with the reason).
pub fn start(config: SimConfig) -> std::io::Result<SimHandle> {
    config
        .faults
        .validate()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    check_attendance_window(config.attendance_window_secs)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let (shared, listener) = server::Shared::bind(config)?;
    let addr = listener.local_addr()?;
    let acceptor = conn::spawn_acceptor(Arc::clone(&shared), listener)?;
    Ok(SimHandle {
        shared,
        addr,
        acceptor: Some(acceptor),
    })
}

/// The message names the setting and what is allowed, for `cwr-station sim` to show.
pub fn check_attendance_window(secs: i64) -> Result<(), String> {
    if (1..=MAX_ATTENDANCE_WINDOW_SECS).contains(&secs) {
        Ok(())
    } else {
        Err(format!(
            "考勤实时上传范围 attendance_window_secs 是 {secs} 秒，超出允许的范围（1 到 {MAX_ATTENDANCE_WINDOW_SECS} 秒，即 31 天）；请改用范围内的值"
        ))
    }
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (loopback when bound to all interfaces).
    pub fn base_url(&self) -> String {
        format!("http://{}", server::connectable(self.addr))
    }

    /// A snapshot of what the platform holds.
    pub fn state(&self) -> SimState {
        self.shared.snapshot()
    }

    /// Not validated, so that a test can set what POST /sim/faults would refuse; the server
    /// bounds every value where it uses it.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(faults);
    }

    /// Body bytes of huge answers (`FaultKind::Huge`) the sockets took so far: where the
    /// clients stopped reading, plus what the sockets' buffers held.
    pub fn streamed_bytes(&self) -> u64 {
        self.shared.streamed().load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Bytes of request bodies the simulator holds right now, across all connections.
    pub fn buffered_bytes(&self) -> usize {
        self.shared.buffers().used_bytes()
    }

    /// The most request-body bytes it ever held at once: bounded by the bytes clients really
    /// sent and by `limits.max_buffered_bytes`, never by the sizes they announced.
    pub fn peak_buffered_bytes(&self) -> usize {
        self.shared.buffers().peak_bytes()
    }

    pub fn set_under_construction(&self, yes: bool) {
        self.shared.set_under_construction(yes);
    }

    /// The status the simulator gives `req` coming from `peer` (tests of the routing).
    #[cfg(test)]
    pub(crate) fn route_for_test(&self, req: &http::Request, peer: Option<SocketAddr>) -> Option<u16> {
        self.shared.route_status(req, peer)
    }

    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let woke = self.shared.stop(self.addr);
        if let Some(acceptor) = self.acceptor.take()
            && woke
            && acceptor.join().is_err()
        {
            tracing::warn!("simulator acceptor thread panicked");
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// For `cwr-station sim`: serves until the process is killed.
pub fn run_forever(config: SimConfig) -> std::io::Result<()> {
    let demo_credentials = config.api_key == DEMO_API_KEY && config.api_secret == DEMO_API_SECRET;
    let (api_key, secret, serial, project) = (
        config.api_key.clone(),
        config.api_secret.clone(),
        config.client_serial.clone(),
        config.project_id.clone(),
    );
    let handle = start(config)?;
    // The real address, also when bound to all interfaces or port 0.
    println!(
        "platform simulator listening on {} (connect to {})",
        handle.addr(),
        handle.base_url()
    );
    if demo_credentials {
        println!("  api_key       {api_key}");
        println!("  api_secret    {secret}");
        println!("  client_serial {serial}");
        println!("  Project_ID    {project}");
    }
    println!(
        "  state: GET {0}/sim/state   faults: POST {0}/sim/faults",
        handle.base_url()
    );
    loop {
        std::thread::park();
    }
}
