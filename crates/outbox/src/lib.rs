//! The durable queue's sender. Records enter the outbox with the store's transactions; this
//! delivers them, one at a time, in dependency order, and never two senders at once. When and
//! by whom it runs (the window's thread, a command's pass) is `station::sending`.

pub mod retry;
mod sender;

pub use retry::{Backoff, Decision, Outcome, decide};
pub use sender::{
    DEVICE_ID_MISSING, DrainReport, LockAttempt, NOT_UNDER_CONSTRUCTION, PASS_BATCH_MAX, SendSettings, Sender,
    SenderLock, WINDOW_HOLDER, command_holder,
};
