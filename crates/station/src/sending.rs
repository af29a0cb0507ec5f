//! Sending the queue, one path for the window and the commands. Whoever sends takes the queue
//! lock first, and only the holder may decide that an item left "sending" was cut off by a
//! killed sender ([`take_queue`]); then the outbox's `Sender` drains. The window keeps a
//! sender thread ([`spawn_sender`]); a command makes one pass ([`Station::send_now`]) and,
//! once it has let go of the lock, sends what other commands queued meanwhile.

mod thread;

use std::path::Path;
use std::sync::Arc;

use api::{PlatformClient, Secret};
use outbox::{LockAttempt, Sender, SenderLock};
use store::{Backend, ItemId};

use crate::Station;
use crate::connect::{platform_client, send_settings};

pub use outbox::{DrainReport, SendSettings, WINDOW_HOLDER, command_holder};
pub use thread::{STOP_WAIT, SenderCommand, SenderEvent, SenderHandle, spawn_sender};

/// Takes the queue for `holder` when nobody holds it. The holder recovers what a killed sender
/// left "sending" (its item goes out again: every write is an upsert or answered 48); a
/// recovery that fails is said through `problem` and the lock is kept, so the queue still
/// moves.
pub(crate) fn take_queue(
    store: &mut dyn Backend,
    data_dir: &Path,
    holder: &str,
    problem: &mut dyn FnMut(String),
) -> Result<LockAttempt, QueueLockError> {
    let attempt = SenderLock::try_acquire(data_dir, holder).map_err(QueueLockError)?;
    if matches!(attempt, LockAttempt::Acquired(_))
        && let Err(e) = store.recover_interrupted_sends()
    {
        problem(e.to_string());
    }
    Ok(attempt)
}

/// The queue's lock file could not be taken on this PC, in the outbox's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QueueLockError(String);

/// Why a command's pass sent nothing. The records stay queued in every case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotSent {
    /// Another sender (the window, another command) holds the queue: it sends them.
    HeldBy(String),
    /// The platform cannot be tried: settings missing or unusable, in the clerk's words.
    NotConfigured(String),
    /// The queue's lock or the store could not be opened on this PC.
    Local(String),
    /// The platform answered but its answer could not be written here (what is wrong, what to
    /// do): the items sent stay as they were and go again (the platform knows them).
    AnswerNotKept(String),
}

/// What a command's pass did.
#[derive(Debug, Clone)]
pub struct SentNow {
    pub report: DrainReport,
    /// The platform's clock differs from this PC's by more than the platform allows.
    pub clock_warning: Option<String>,
}

impl Station {
    /// One pass over what is due, for a command: takes the queue (or says who has it), sends
    /// on a connection of its own (as the window's sender does), then sends what other
    /// commands queued while this one held the lock. Problems that did not stop the pass go
    /// to `problem`.
    pub fn send_now(&self, secret: &Secret, holder: &str, problem: &mut dyn FnMut(String)) -> Result<SentNow, NotSent> {
        let mut store =
            store::open_backend(self.data_dir(), self.location()).map_err(|e| NotSent::Local(e.to_string()))?;
        let lock = match take_queue(&mut *store, self.data_dir(), holder, problem) {
            Ok(LockAttempt::Acquired(lock)) => lock,
            Ok(LockAttempt::HeldBy(who)) => return Err(NotSent::HeldBy(who)),
            Err(e) => return Err(NotSent::Local(e.to_string())),
        };
        let client = platform_client(self.config(), secret, Arc::clone(self.clock()))
            .map_err(|e| NotSent::NotConfigured(e.to_string()))?;
        let settings = send_settings(self.config(), &client);
        // Records queued from here on may come after the drain's last look.
        let seen = store.newest_item_id().unwrap_or(ItemId::MAX);
        let report = Sender::new(&mut *store, &client, &settings).drain();
        drop(lock);
        send_what_came_meanwhile(self.data_dir(), &mut *store, &client, &settings, holder, seen);
        let clock_warning = client.clock().warning();
        match report {
            Ok(report) => Ok(SentNow { report, clock_warning }),
            Err(e) => Err(NotSent::AnswerNotKept(e.explain(self.data_dir()))),
        }
    }
}

/// Another command that queued a record while this one sent was told "会由它发出": a record
/// it queued after this one's last look would wait for the next sender otherwise. So, once
/// the lock is let go, anything due and newer than `seen` (the newest record before the pass)
/// is sent too, unless someone else has taken the lock meanwhile (then it sends them). A
/// command's record is queued before it tries the lock, and this look comes after the lock
/// was let go, so no record falls between two senders.
fn send_what_came_meanwhile(
    data_dir: &Path,
    store: &mut dyn Backend,
    client: &PlatformClient,
    settings: &SendSettings,
    holder: &str,
    mut seen: ItemId,
) {
    // Each pass either sends something or stops: bounded by the commands racing this one.
    for _ in 0..100 {
        let newer = match store.due_items(chrono::Utc::now()) {
            Ok(due) => due.iter().any(|i| i.id > seen),
            Err(_) => false,
        };
        if !newer {
            return;
        }
        let Ok(LockAttempt::Acquired(lock)) = SenderLock::try_acquire(data_dir, holder) else {
            return;
        };
        seen = store.newest_item_id().unwrap_or(ItemId::MAX);
        let pass = Sender::new(store, client, settings).drain();
        drop(lock);
        // Nothing could be tried (the network waits, the queue is paused, the records wait for
        // their company): the next sender takes them.
        if pass.map_or(true, |r| r.attempted == 0) {
            return;
        }
    }
}
