//! The platform's idea of now. Site PCs often run minutes off; the platform refuses anything
//! more than 6 minutes away from its clock. Every answer carries an HTTP `Date` header, so we
//! learn the offset from it and sign with corrected time.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// Where "local now" comes from: the system clock, or a fixed/skewed one in tests.
pub type TimeSource = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

pub fn system_time() -> TimeSource {
    Arc::new(Utc::now)
}

/// Offsets below this are HTTP-date rounding and network delay, not a wrong clock.
const NOISE_MS: i64 = 1_500;

/// Beyond this the clerk is told the PC clock is wrong (the platform allows 6 minutes).
pub const WARN_OFFSET_SECS: i64 = 60;

pub struct PlatformClock {
    local_now: TimeSource,
    /// platform time minus local time.
    offset_ms: AtomicI64,
    known: AtomicBool,
}

impl std::fmt::Debug for PlatformClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformClock")
            .field("offset_ms", &self.offset_ms())
            .finish()
    }
}

impl PlatformClock {
    pub fn new(local_now: TimeSource) -> PlatformClock {
        PlatformClock {
            local_now,
            offset_ms: AtomicI64::new(0),
            known: AtomicBool::new(false),
        }
    }

    pub fn local_now(&self) -> DateTime<Utc> {
        (self.local_now)()
    }

    /// Local time corrected by the learned offset: what to put in a timestamp.
    pub fn platform_now(&self) -> DateTime<Utc> {
        self.local_now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// "Today" as the platform sees it: Beijing's date on the corrected clock. Every date rule
    /// the platform applies (pass period start, card expiry, age) is judged on this day.
    pub fn beijing_today(&self) -> chrono::NaiveDate {
        super::sign::beijing_date(self.platform_now())
    }

    /// Starts from an offset learned in an earlier run (until an answer says otherwise).
    pub fn assume_offset_ms(&self, ms: i64) {
        self.offset_ms.store(ms, Ordering::Relaxed);
    }

    /// `None` until an answer with a `Date` header has been seen.
    pub fn offset_ms(&self) -> Option<i64> {
        self.known
            .load(Ordering::Relaxed)
            .then(|| self.offset_ms.load(Ordering::Relaxed))
    }

    pub fn offset_secs(&self) -> Option<i64> {
        self.offset_ms().map(|ms| (ms as f64 / 1000.0).round() as i64)
    }

    /// Feeds one `Date` header observed at local instant `received_at`.
    /// Returns true when the offset changed.
    pub fn observe_date_header(&self, header: &str, received_at: DateTime<Utc>) -> bool {
        let Ok(server) = DateTime::parse_from_rfc2822(header.trim()) else {
            return false;
        };
        // The header is truncated to the second; NOISE_MS absorbs that.
        let server_ms = server.timestamp_millis();
        let measured = server_ms - received_at.timestamp_millis();
        let current = self.offset_ms.load(Ordering::Relaxed);
        let was_known = self.known.swap(true, Ordering::Relaxed);
        let new = if measured.abs() < NOISE_MS { 0 } else { measured };
        if !was_known || (new - current).abs() >= NOISE_MS {
            self.offset_ms.store(new, Ordering::Relaxed);
            return new != current;
        }
        false
    }

    /// Plain words for the clerk when the PC clock is noticeably off, else `None`.
    pub fn warning(&self) -> Option<String> {
        let secs = self.offset_secs()?;
        if secs.abs() < WARN_OFFSET_SECS {
            return None;
        }
        let minutes = (secs.abs() as f64 / 60.0).round() as i64;
        let direction = if secs > 0 { "慢" } else { "快" };
        Some(format!(
            "本机时钟比平台{direction}了约 {minutes} 分钟：上传时已自动校正，但请校准电脑时间"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn fixed(t: DateTime<Utc>) -> TimeSource {
        Arc::new(move || t)
    }

    #[test]
    fn learns_a_twenty_minute_offset() {
        let local = Utc.with_ymd_and_hms(2026, 11, 28, 13, 0, 0).single().expect("valid");
        let clock = PlatformClock::new(fixed(local));
        assert_eq!(clock.offset_ms(), None);
        assert!(clock.observe_date_header("Sat, 28 Nov 2026 13:20:00 GMT", local));
        assert_eq!(clock.offset_secs(), Some(1200));
        assert_eq!(clock.platform_now().timestamp(), local.timestamp() + 1200);
        assert!(clock.warning().expect("warns").contains("慢了约 20 分钟"));
    }

    #[test]
    fn ignores_rounding_noise_and_garbage() {
        let local = Utc.with_ymd_and_hms(2026, 11, 28, 13, 0, 0).single().expect("valid");
        let clock = PlatformClock::new(fixed(local));
        assert!(!clock.observe_date_header("not a date", local));
        assert_eq!(clock.offset_ms(), None);
        clock.observe_date_header("Sat, 28 Nov 2026 13:00:00 GMT", local);
        assert_eq!(clock.offset_ms(), Some(0));
        assert!(clock.warning().is_none());
        clock.observe_date_header("Sat, 28 Nov 2026 12:50:00 GMT", local);
        assert_eq!(clock.offset_secs(), Some(-600));
        assert!(clock.warning().expect("warns").contains("快了约 10 分钟"));
    }
}
