//! The platform's HTTP transport: one signed POST per call, the exact bytes that were signed.
//!
//! Everything without HTTP (wire types, signing, the clock, errors) is `protocol`, re-exported
//! here so that a caller above needs one name.

mod client;

pub use client::{PlatformClient, tls_provider};
pub use protocol::*;
