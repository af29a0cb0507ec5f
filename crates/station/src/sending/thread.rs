//! The window's sender: one thread that owns its own store connection and the queue lock,
//! drains when woken or when the next retry (or the network wait) is due, and reports back.
//! The UI never waits on it: stopping it never takes longer than [`STOP_WAIT`], whatever the
//! network is doing (a call in flight is abandoned to finish on its own).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::Utc;

use super::take_queue;

use api::PlatformClient;
use outbox::{DrainReport, LockAttempt, SendSettings, Sender, WINDOW_HOLDER};
use store::{Backend, StoreReads};

pub enum SenderCommand {
    /// Something was queued, or the network may be back: look now.
    Wake,
    /// New settings: the next item goes with the new client (the one in flight finishes
    /// with the old one). Changed settings also lift a settings pause (see the sender).
    Reconfigure(Arc<PlatformClient>, SendSettings),
    Stop,
}

#[derive(Debug, Clone)]
pub enum SenderEvent {
    /// The queue may have changed; the report of the drain.
    Drained(DrainReport),
    /// Another process (e.g. `outbox drain`) holds the queue.
    Busy,
    Failed(String),
}

/// Longest wait for the thread when stopping: closing the window or saving the settings must
/// finish promptly even with a call hanging on a dead network.
pub const STOP_WAIT: Duration = Duration::from_millis(1500);

pub struct SenderHandle {
    tx: mpsc::Sender<SenderCommand>,
    stop: Arc<AtomicBool>,
    done: Receiver<()>,
    join: Option<JoinHandle<()>>,
}

impl SenderHandle {
    pub fn send(&self, cmd: SenderCommand) {
        // The thread only ends on Stop or a fatal error it already reported.
        let _ = self.tx.send(cmd);
    }

    /// A handle for waking this sender from elsewhere (the station, after it queued something).
    pub fn commands(&self) -> mpsc::Sender<SenderCommand> {
        self.tx.clone()
    }

    /// Asks the thread to stop and waits at most [`STOP_WAIT`]. A thread still in a call is
    /// left to finish it and exit; its item stays "sending" and is sent again at the next
    /// start (every write is an upsert or answered 48).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.tx.send(SenderCommand::Stop);
        let Some(join) = self.join.take() else { return };
        match self.done.recv_timeout(STOP_WAIT) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                let _ = join.join();
            }
            Err(RecvTimeoutError::Timeout) => {
                tracing::warn!("sender busy with a call; leaving it to finish on its own");
            }
        }
    }
}

impl Drop for SenderHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Longest sleep between looks at the queue when nothing is scheduled.
const IDLE_SECS: u64 = 30;

pub fn spawn_sender(
    data_dir: PathBuf,
    location: store::StoreLocation,
    client: Arc<PlatformClient>,
    settings: SendSettings,
    on_event: Box<dyn Fn(SenderEvent) + Send>,
) -> SenderHandle {
    let (tx, rx) = mpsc::channel();
    let (done_tx, done) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let thread_stop = Arc::clone(&stop);
    let join = std::thread::Builder::new()
        .name("outbox-sender".into())
        .spawn(move || {
            run(data_dir, &location, client, settings, rx, &thread_stop, on_event);
            let _ = done_tx.send(());
        })
        .ok();
    SenderHandle { tx, stop, done, join }
}

fn run(
    data_dir: PathBuf,
    location: &store::StoreLocation,
    mut client: Arc<PlatformClient>,
    mut settings: SendSettings,
    rx: Receiver<SenderCommand>,
    stop: &AtomicBool,
    on_event: Box<dyn Fn(SenderEvent) + Send>,
) {
    let mut store = match store::open_backend(&data_dir, location) {
        Ok(s) => s,
        Err(e) => return on_event(SenderEvent::Failed(e.to_string())),
    };
    let mut lock = None;
    let stopping = || stop.load(Ordering::SeqCst);
    loop {
        if stopping() {
            return;
        }
        if lock.is_none() {
            match take_queue(&mut *store, &data_dir, WINDOW_HOLDER, &mut |e| {
                on_event(SenderEvent::Failed(e))
            }) {
                Ok(LockAttempt::Acquired(l)) => lock = Some(l),
                Ok(LockAttempt::HeldBy(_)) => on_event(SenderEvent::Busy),
                Err(e) => on_event(SenderEvent::Failed(e.to_string())),
            }
        }
        if lock.is_some() {
            match Sender::new(&mut *store, &client, &settings).drain_until(&stopping) {
                Ok(report) => on_event(SenderEvent::Drained(report)),
                Err(e) => on_event(SenderEvent::Failed(e.to_string())),
            }
            if let Err(e) = housekeeping(&mut *store, &settings, &data_dir) {
                tracing::warn!("store housekeeping: {e}");
            }
        }
        let wait_ms = next_look_ms(&*store);
        match rx.recv_timeout(Duration::from_millis(wait_ms)) {
            Ok(SenderCommand::Wake) | Err(RecvTimeoutError::Timeout) => {}
            Ok(SenderCommand::Reconfigure(c, s)) => {
                client = c;
                settings = s;
            }
            Ok(SenderCommand::Stop) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Once a day the photos that serve nobody any more are removed; the space they leave is
/// given back a little on every look, so no single step holds the store for long.
fn housekeeping(
    store: &mut dyn Backend,
    settings: &SendSettings,
    data_dir: &std::path::Path,
) -> Result<(), store::StoreError> {
    const KEY: &str = "last_prune_at";
    const BACKUP_KEY: &str = "last_auto_backup_at";
    let now = Utc::now();
    let due = |key: &str| -> Result<bool, store::StoreError> {
        Ok(store
            .setting(key)?
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .is_none_or(|t| now.signed_duration_since(t) > chrono::Duration::days(1)))
    };
    // A copy a day beside the store, so a damaged file has a way back even where nobody
    // backs up (see `Store::backup_automatically`). It takes a few seconds for a large
    // store, once a day, on this thread, which is the only one that waits for it.
    if due(BACKUP_KEY)? {
        match store.backup_automatically(data_dir, now) {
            Ok(Some(path)) => tracing::info!("automatic backup: {}", path.display()),
            Ok(None) => {}
            Err(e) => tracing::warn!("automatic backup failed: {e}"),
        }
        store.set_setting(BACKUP_KEY, Some(&now.to_rfc3339()))?;
    }
    if due(KEY)? {
        let pruned = store.prune_by_age(now, settings.departed_photo_keep_days, settings.site_photo_keep_days)?;
        if pruned.bytes > 0 {
            tracing::info!(?pruned, "photos pruned");
        }
        store.set_setting(KEY, Some(&now.to_rfc3339()))?;
    }
    store.vacuum_a_little(VACUUM_PAGES_PER_LOOK)?;
    Ok(())
}

/// 128 pages of 4 KB: a few milliseconds of work per look.
const VACUUM_PAGES_PER_LOOK: u32 = 128;

/// How long to sleep: until the next scheduled retry or the end of the network wait,
/// whichever is later when both are set, never longer than [`IDLE_SECS`].
fn next_look_ms(store: &dyn StoreReads) -> u64 {
    let now = Utc::now();
    let retry = store.next_retry_at().ok().flatten();
    let breaker = store.breaker().ok().flatten().map(|(until, _)| until);
    let at = match (retry, breaker) {
        (Some(r), Some(b)) => Some(r.max(b)),
        (r, b) => r.or(b),
    };
    match at {
        Some(at) => (at - now).num_milliseconds().clamp(50, IDLE_SECS as i64 * 1000) as u64,
        None => IDLE_SECS * 1000,
    }
}
