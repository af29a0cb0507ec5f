//! The platform's protocol without HTTP: the wire types, signing, the platform's clock, the
//! envelope, its errors, the endpoint table and what one call carries and answers. The
//! simulator and the store need this much; only `api` speaks HTTP.

pub mod call;
pub mod clock;
pub mod endpoints;
pub mod envelope;
pub mod error;
pub mod sign;
pub mod types;
pub mod wire;

pub use call::{Answer, Credentials, LeaveOutcome, MAX_ANSWER_BYTES, Secret, Timeouts, match_leave_failures};
pub use clock::{PlatformClock, TimeSource};
pub use endpoints::{Endpoint, ProtocolTable, RegisterFieldNames};
pub use envelope::Envelope;
pub use error::{ApiError, ErrorClass, NetworkKind, PlatformRefusal, explain_code};
pub use sign::{
    SignedParams, beijing_date, beijing_midnight, beijing_timestamp, parse_beijing_timestamp, settings_fingerprint,
    signature,
};
