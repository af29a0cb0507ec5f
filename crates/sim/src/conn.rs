//! Connections as a server facing hostile clients: a bounded number of slots that idle
//! clients give back when others need them, deadlines for every read and write, and a
//! panic while answering one request that costs that request only.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::json;

use super::http::{self, ReadError, Response};
use super::limits::SimLimits;
use super::server::{Outcome, Shared, lock};

/// Socket timeouts of zero mean "none" to the OS: never ask for less than this.
const MIN_TIMEOUT: Duration = Duration::from_millis(1);
/// How long a refused client may go on sending before the connection is closed under it.
const MAX_LINGER: Duration = Duration::from_secs(2);

/// `d` from `start`, or as far as an `Instant` reaches when a setting is absurdly large.
fn after(start: Instant, d: Duration) -> Instant {
    start
        .checked_add(d)
        .or_else(|| start.checked_add(Duration::from_secs(365 * 24 * 3600)))
        .unwrap_or(start)
}

struct Slot {
    /// A clone of the connection, so that it can be cut from outside its thread.
    stream: TcpStream,
    /// Since when it waits for a request's first byte; None while a request is under way.
    idle_since: Option<Instant>,
}

/// The open connections, each holding one slot.
#[derive(Default)]
pub struct Slots {
    map: Mutex<HashMap<u64, Slot>>,
    /// Signalled when a slot is freed or becomes idle: a newcomer may be waiting for one.
    changed: Condvar,
    next_id: AtomicU64,
}

enum Claim {
    Slot(u64),
    /// No slot came free in time.
    Full,
    Stopping,
}

impl Slots {
    /// Cuts every connection: their threads' reads return and they end.
    pub fn cut_all(&self) {
        let mut map = lock(&self.map);
        for (_, slot) in map.drain() {
            let _ = slot.stream.shutdown(Shutdown::Both);
        }
        self.changed.notify_all();
    }

    /// A slot for `stream`: at once when one is free; when all are taken, the one idle the
    /// longest is closed once it has been idle `idle_timeout_when_full`; if none comes free
    /// within `wait_for_slot`, Full.
    fn claim(&self, stream: &TcpStream, limits: &SimLimits, stopping: &AtomicBool) -> io::Result<Claim> {
        let clone = stream.try_clone()?;
        let give_up = after(Instant::now(), limits.wait_for_slot);
        let mut map = lock(&self.map);
        loop {
            if stopping.load(Ordering::SeqCst) {
                return Ok(Claim::Stopping);
            }
            let now = Instant::now();
            if map.len() < limits.max_connections.max(1) {
                let id = self.next_id.fetch_add(1, Ordering::SeqCst);
                // Idle until its first byte: a connection that never speaks is reclaimable.
                map.insert(
                    id,
                    Slot {
                        stream: clone,
                        idle_since: Some(now),
                    },
                );
                return Ok(Claim::Slot(id));
            }
            let oldest_idle = map
                .iter()
                .filter_map(|(id, slot)| slot.idle_since.map(|since| (since, *id)))
                .min();
            let mut wake = give_up;
            if let Some((since, id)) = oldest_idle {
                let ripe = after(since, limits.idle_timeout_when_full);
                if ripe <= now {
                    if let Some(slot) = map.remove(&id) {
                        tracing::info!("simulator: all connections taken; closing one idle since {since:?}");
                        let _ = slot.stream.shutdown(Shutdown::Both);
                    }
                    continue;
                }
                wake = wake.min(ripe);
            }
            if now >= give_up {
                return Ok(Claim::Full);
            }
            map = self
                .changed
                .wait_timeout(map, wake.saturating_duration_since(now).max(MIN_TIMEOUT))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Marks the connection idle; false when its slot was taken away (it is being closed).
    fn set_idle(&self, id: u64) -> bool {
        let mut map = lock(&self.map);
        let Some(slot) = map.get_mut(&id) else { return false };
        if slot.idle_since.is_none() {
            slot.idle_since = Some(Instant::now());
            self.changed.notify_all();
        }
        true
    }

    /// Marks a request under way; false when the slot was taken away meanwhile.
    fn set_busy(&self, id: u64) -> bool {
        let mut map = lock(&self.map);
        let Some(slot) = map.get_mut(&id) else { return false };
        slot.idle_since = None;
        true
    }

    fn release(&self, id: u64) {
        lock(&self.map).remove(&id);
        self.changed.notify_all();
    }
}

/// Frees the slot when the connection's thread ends, also by a panic.
struct Release<'a> {
    slots: &'a Slots,
    id: u64,
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.slots.release(self.id);
    }
}

pub fn spawn_acceptor(shared: Arc<Shared>, listener: TcpListener) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name("sim-accept".into()).spawn(move || {
        let limits = shared.config().limits.clone();
        for stream in listener.incoming() {
            if shared.stopping() {
                break;
            }
            let stream = match stream {
                Ok(s) => s,
                Err(e) => {
                    // Out of descriptors and the like: back off instead of spinning.
                    tracing::warn!("simulator: accept failed: {e}");
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
            };
            let id = match shared.slots().claim(&stream, &limits, shared.stopping_flag()) {
                Ok(Claim::Slot(id)) => id,
                Ok(Claim::Stopping) => break,
                Ok(Claim::Full) => {
                    turn_away(stream, &limits);
                    continue;
                }
                Err(e) => {
                    tracing::warn!("simulator: cannot keep track of a connection: {e}");
                    continue;
                }
            };
            let conn_shared = Arc::clone(&shared);
            let spawned = std::thread::Builder::new()
                .name(format!("sim-conn-{id}"))
                .spawn(move || {
                    let _release = Release {
                        slots: conn_shared.slots(),
                        id,
                    };
                    serve_connection(&conn_shared, stream, id);
                });
            if let Err(e) = spawned {
                tracing::warn!("simulator: could not start a connection thread: {e}");
                shared.slots().release(id);
            }
        }
    })
}

fn turn_away(mut stream: TcpStream, limits: &SimLimits) {
    tracing::warn!(
        "simulator: {} connections busy for {:?}; refusing one more",
        limits.max_connections,
        limits.wait_for_slot
    );
    let text = format!(
        "模拟平台的 {} 个连接全在处理请求，等了 {} 秒仍没有空位；请稍后再试",
        limits.max_connections,
        limits.wait_for_slot.as_secs()
    );
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let busy = Response::json(503, &json!({ "error": text }));
    let _ = http::write_response(&mut stream, &busy, false, &http::http_date(Utc::now()));
    let _ = stream.shutdown(Shutdown::Both);
}

/// What a read may wait for.
enum Wait {
    /// Between requests: up to the idle timeout for the next first byte.
    Idle,
    /// Until a fixed moment (the end of the headers).
    Until(Instant),
    /// The body: a floor, plus the time the bytes received so far take at the minimum rate.
    Rate { started: Instant, received: u64 },
}

/// A socket whose reads fail once their deadline has passed, however slowly bytes trickle in.
struct DeadlineStream {
    stream: TcpStream,
    wait: Wait,
    limits: SimLimits,
}

impl DeadlineStream {
    fn deadline(&self) -> Option<Instant> {
        match self.wait {
            Wait::Idle => None,
            Wait::Until(deadline) => Some(deadline),
            Wait::Rate { started, received } => {
                let per_sec = self.limits.body_min_bytes_per_sec.max(1);
                let earned = Duration::from_millis(received.saturating_mul(1000) / per_sec);
                Some(after(started, self.limits.body_timeout_floor.saturating_add(earned)))
            }
        }
    }
}

impl Read for DeadlineStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let timeout = match self.deadline() {
            None => self.limits.idle_timeout,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "request took too long"));
                }
                left
            }
        };
        self.stream.set_read_timeout(Some(timeout.max(MIN_TIMEOUT)))?;
        let n = self.stream.read(buf)?;
        if let Wait::Rate { received, .. } = &mut self.wait {
            *received = received.saturating_add(n as u64);
        }
        Ok(n)
    }
}

fn serve_connection(shared: &Shared, stream: TcpStream, id: u64) {
    let limits = shared.config().limits.clone();
    let _ = stream.set_nodelay(true);
    let peer = stream.peer_addr().ok();
    let Ok(mut writer) = stream.try_clone() else { return };
    let _ = writer.set_write_timeout(Some(limits.write_timeout.max(MIN_TIMEOUT)));
    let mut reader = BufReader::new(DeadlineStream {
        stream,
        wait: Wait::Idle,
        limits: limits.clone(),
    });
    while !shared.stopping() {
        if !shared.slots().set_idle(id) {
            return;
        }
        reader.get_mut().wait = Wait::Idle;
        match reader.fill_buf() {
            Ok([]) | Err(_) => return,
            Ok(_) => {}
        }
        if !shared.slots().set_busy(id) {
            return;
        }
        reader.get_mut().wait = Wait::Until(after(Instant::now(), limits.header_timeout));
        let head = match http::read_head(&mut reader, &mut writer) {
            Ok(head) => head,
            Err(e) => return refuse(shared, &mut writer, e),
        };
        reader.get_mut().wait = Wait::Rate {
            started: Instant::now(),
            received: 0,
        };
        let req = match http::read_body(&mut reader, head, shared.buffers()) {
            Ok(req) => req,
            Err(e) => return refuse(shared, &mut writer, e),
        };
        // A bug in a handler costs this request, not the server: its lock is recovered
        // (see `lock`) and its slot freed.
        let outcome = catch_unwind(AssertUnwindSafe(|| shared.route(&req, peer))).unwrap_or_else(|_| {
            tracing::error!(path = %req.path, "simulator: answering a request panicked");
            let text = "模拟平台处理这个请求时出了程序错误，这个请求没有处理；请把模拟平台的输出发给开发人员";
            Outcome::Fail(Response::json(500, &json!({ "error": text })))
        });
        let date = http::http_date(shared.platform_now());
        match outcome {
            Outcome::Respond(response) => {
                if http::write_response(&mut writer, &response, req.keep_alive, &date).is_err() || !req.keep_alive {
                    return;
                }
            }
            Outcome::Fail(response) => {
                let _ = http::write_response(&mut writer, &response, false, &date);
                return;
            }
            Outcome::Hangup => {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Outcome::Stream { bytes } => {
                let _ = http::write_streamed(&mut writer, bytes, &date, shared.streamed());
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}

/// Answers a request that could not be read, then closes.
fn refuse(shared: &Shared, writer: &mut TcpStream, error: ReadError) {
    let limits = &shared.config().limits;
    let response = match error {
        ReadError::Closed => return,
        ReadError::TimedOut => {
            // The client is slow by definition: no lingering for the rest of its request.
            let page = "<html><body><h1>408 Request Timeout</h1><p>请求发送得太慢，超过了模拟平台的等待时间，连接已关闭；请检查网络后重试</p></body></html>";
            let date = http::http_date(shared.platform_now());
            let _ = http::write_response(writer, &Response::html(408, page), false, &date);
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        ReadError::BadRequest(why) => {
            let page = format!("<html><body><h1>HTTP Status 400 – Bad Request</h1><p>{why}</p></body></html>");
            Response::html(400, &page)
        }
        ReadError::TooLarge => {
            let text = format!(
                "请求体超过 {} MB，平台不收；请缩小照片后重试",
                http::MAX_BODY / (1024 * 1024)
            );
            Response::json(413, &json!({ "error": text }))
        }
        ReadError::Busy => {
            let text = format!(
                "模拟平台正在接收的请求体合计已达 {} MB 的上限；请稍后重试",
                limits.max_buffered_bytes / (1024 * 1024)
            );
            Response::json(503, &json!({ "error": text }))
        }
    };
    refuse_and_close(shared, writer, &response, limits.header_timeout.min(MAX_LINGER));
}

/// Answers, then drains what the client is still sending before closing: closing with
/// unread data makes the kernel send RST, and the client would see a reset instead of
/// the answer. The drain ends after `linger` whatever the client does.
fn refuse_and_close(shared: &Shared, writer: &mut TcpStream, response: &Response, linger: Duration) {
    if http::write_response(writer, response, false, &http::http_date(shared.platform_now())).is_err() {
        return;
    }
    let _ = writer.shutdown(Shutdown::Write);
    let until = after(Instant::now(), linger);
    let mut sink = [0u8; 64 * 1024];
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() || writer.set_read_timeout(Some(left.max(MIN_TIMEOUT))).is_err() {
            return;
        }
        match writer.read(&mut sink) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}
