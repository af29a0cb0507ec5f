//! What one call is made of and what it answers: the credentials it is signed with, its
//! timeouts, the answer as received, and what a userLeaveProject batch came to. No HTTP here.

use crate::endpoints::Endpoint;
use crate::error::ApiError;

use crate::envelope::Envelope;
use crate::types::{LeaveFailure, UserLeaveProject, parse_leave_failures};

/// The platform's secret. Never printed: `Debug` and `Display` show stars.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "Secret(<empty>)"
        } else {
            "Secret(***)"
        })
    }
}

/// Who we are to the platform, and where it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// e.g. `http://139.159.225.45:7040` (test) or `http://ticwrapi.thit.com.cn` (production).
    pub base_url: String,
    pub api_key: String,
    pub api_secret: Secret,
    /// "PL" + 32 hex, issued with the key.
    pub client_serial: String,
}

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect_secs: u64,
    /// Whole call; RegisterEmployee bodies carry four photos (several hundred KB).
    pub call_secs: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect_secs: 10,
            call_secs: 60,
        }
    }
}

/// A whole answer, whatever its code.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub envelope: Envelope,
    pub raw_body: String,
    /// The signed timestamp minus the answer's `Date` header, when it had one.
    pub clock_skew_secs: Option<i64>,
    /// The `api_version` this answer was given to.
    pub api_version: String,
}

impl Answer {
    /// This answer as an error (for anything but `00`).
    pub fn into_error(self, endpoint: Endpoint) -> ApiError {
        ApiError::from_envelope(
            endpoint,
            self.status,
            self.envelope,
            self.raw_body,
            self.clock_skew_secs,
        )
    }
}

/// No platform answer is anywhere near this; a gateway streaming a file or an endless page
/// is cut off here instead of filling the PC's memory.
pub const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;

/// What userLeaveProject said about a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaveOutcome {
    /// `00`: everyone in the batch left.
    AllLeft,
    /// `10` naming, among the batch's ID numbers, exactly who failed: the others left.
    Partial(Vec<LeaveFailure>),
    /// `10` whose failures cannot be matched to the batch (an unknown shape, no names, or
    /// names not in the batch): it is unknown who went through, so nobody is marked
    /// departed. The platform's words and its `result_data` are kept verbatim.
    Unmatched { words: String, result_data: String },
}

/// A `10` counts as naming who failed only when it names at least one worker and every name
/// is one of the batch's ID numbers; anything else leaves it unknown who went through.
pub fn match_leave_failures(leave: &UserLeaveProject, answer: &Answer) -> LeaveOutcome {
    let key = |s: &str| s.trim().to_uppercase();
    let batch: std::collections::HashSet<String> = leave.list.iter().map(|i| key(&i.id_code)).collect();
    let failures = parse_leave_failures(&answer.envelope);
    if !failures.is_empty() && failures.iter().all(|f| batch.contains(&key(&f.id_code))) {
        return LeaveOutcome::Partial(failures);
    }
    let env = &answer.envelope;
    let words = if env.detail_message.is_empty() {
        env.message.clone()
    } else {
        format!("{}：{}", env.message, env.detail_message)
    };
    LeaveOutcome::Unmatched {
        words,
        result_data: truncate(env.result_data.to_string()),
    }
}

/// Keeps error bodies readable in logs and the queue screen.
pub fn truncate(mut text: String) -> String {
    const MAX: usize = 2_000;
    if text.len() > MAX {
        let mut cut = MAX;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}
