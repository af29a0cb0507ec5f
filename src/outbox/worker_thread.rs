//! The window's sender: one thread that owns its own store connection and the lock, drains
//! when woken or when the next retry is due, and reports back. The UI never waits on it.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::Utc;

use super::sender::{DrainReport, SendSettings, Sender, SenderLock};
use crate::api::PlatformClient;
use crate::store::Store;

pub enum SenderCommand {
    /// Something was queued, or the network may be back: look now.
    Wake,
    /// The clerk pressed 立即重试 on one item.
    RetryNow(i64),
    /// Everything scheduled goes now (the clerk pressed 全部重试).
    RetryAll,
    /// New settings: new client, and the pause (26) is lifted.
    Reconfigure(Arc<PlatformClient>, SendSettings),
    Stop,
}

#[derive(Debug, Clone)]
pub enum SenderEvent {
    /// The queue changed; the report of the drain that changed it.
    Drained(DrainReport),
    /// Another process (e.g. `outbox drain`) holds the queue.
    Busy,
    Failed(String),
}

pub struct SenderHandle {
    tx: mpsc::Sender<SenderCommand>,
    join: Option<JoinHandle<()>>,
}

impl SenderHandle {
    pub fn send(&self, cmd: SenderCommand) {
        // The thread only ends on Stop or a fatal error it already reported.
        let _ = self.tx.send(cmd);
    }

    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let _ = self.tx.send(SenderCommand::Stop);
        if let Some(j) = self.join.take() {
            let _ = j.join();
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
    client: Arc<PlatformClient>,
    settings: SendSettings,
    on_event: Box<dyn Fn(SenderEvent) + Send>,
) -> SenderHandle {
    let (tx, rx) = mpsc::channel();
    let join = std::thread::Builder::new()
        .name("outbox-sender".into())
        .spawn(move || run(data_dir, client, settings, rx, on_event))
        .ok();
    SenderHandle { tx, join }
}

fn run(
    data_dir: PathBuf,
    mut client: Arc<PlatformClient>,
    mut settings: SendSettings,
    rx: Receiver<SenderCommand>,
    on_event: Box<dyn Fn(SenderEvent) + Send>,
) {
    let mut store = match Store::open_in(&data_dir) {
        Ok(s) => s,
        Err(e) => return on_event(SenderEvent::Failed(e.to_string())),
    };
    let mut lock = None;
    loop {
        if lock.is_none() {
            match SenderLock::try_acquire(&data_dir) {
                Ok(Some(l)) => {
                    // Only the lock holder may decide that a "sending" item was cut off.
                    if let Err(e) = store.recover_interrupted_sends() {
                        on_event(SenderEvent::Failed(e.to_string()));
                    }
                    lock = Some(l);
                }
                Ok(None) => on_event(SenderEvent::Busy),
                Err(e) => on_event(SenderEvent::Failed(e)),
            }
        }
        if lock.is_some() {
            match Sender::new(&mut store, &client, &settings).drain() {
                Ok(report) => on_event(SenderEvent::Drained(report)),
                Err(e) => on_event(SenderEvent::Failed(e.to_string())),
            }
        }
        let wait = match store.next_retry_at() {
            Ok(Some(at)) => (at - Utc::now()).num_milliseconds().clamp(50, IDLE_SECS as i64 * 1000) as u64,
            _ => IDLE_SECS * 1000,
        };
        match rx.recv_timeout(Duration::from_millis(wait)) {
            Ok(SenderCommand::Wake) | Err(RecvTimeoutError::Timeout) => {}
            Ok(SenderCommand::RetryNow(id)) => {
                if let Err(e) = store.retry_now(id) {
                    on_event(SenderEvent::Failed(e.to_string()));
                }
            }
            Ok(SenderCommand::RetryAll) => {
                let _ = store.set_queue_paused(None);
                if let Err(e) = store.retry_all_now() {
                    on_event(SenderEvent::Failed(e.to_string()));
                }
            }
            Ok(SenderCommand::Reconfigure(c, s)) => {
                client = c;
                settings = s;
                if let Err(e) = store.set_queue_paused(None) {
                    on_event(SenderEvent::Failed(e.to_string()));
                }
            }
            Ok(SenderCommand::Stop) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}
