//! The platform's protocol: signing, the clock, the envelope, errors, typed endpoints and
//! the HTTP transport.

pub mod client;
pub mod clock;
pub mod endpoints;
pub mod envelope;
pub mod error;
pub mod sign;
pub mod types;

pub use client::{Answer, Credentials, LeaveOutcome, MAX_ANSWER_BYTES, PlatformClient, Secret, Timeouts};
pub use clock::{PlatformClock, TimeSource};
pub use endpoints::{Endpoint, ProtocolTable, RegisterFieldNames};
pub use envelope::Envelope;
pub use error::{ApiError, ErrorClass, NetworkKind, PlatformRefusal, explain_code};
pub use sign::{
    SignedParams, beijing_date, beijing_midnight, beijing_timestamp, parse_beijing_timestamp, settings_fingerprint,
    signature,
};
