//! The durable queue's sender. Records enter the outbox with the store's transactions; this
//! delivers them, one at a time, in dependency order, and never two senders at once.

pub mod retry;
mod sender;
mod worker_thread;

pub use retry::{Backoff, Decision, Outcome, decide};
pub use sender::{
    DEVICE_ID_MISSING, DrainReport, LockAttempt, NOT_UNDER_CONSTRUCTION, PASS_BATCH_MAX, SendSettings, Sender,
    SenderLock, WINDOW_HOLDER, command_holder,
};
pub use worker_thread::{SenderCommand, SenderEvent, SenderHandle, spawn_sender};
