//! Beijing time: the platform's clock and calendar, whatever the PC's zone. Every "today",
//! age, expiry and timestamp rule uses these (the "PC's local date" bugs came from rules that
//! did not); the client signs with them and the simulator checks with the same ones.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// `yyyy-MM-dd HH:mm:ss` — the document writes `hh`, but its own examples are 24-hour.
pub const TIMESTAMP_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// UTC+8, all year: Beijing has no daylight saving.
pub fn beijing() -> FixedOffset {
    // UTC+8 is a valid offset; `east_opt` only fails beyond ±24 h.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("UTC+8 is in range"))
}

/// The platform's timestamp for an instant: Beijing wall-clock time whatever the PC's zone.
pub fn beijing_timestamp(instant: DateTime<Utc>) -> String {
    instant.with_timezone(&beijing()).format(TIMESTAMP_FORMAT).to_string()
}

/// `yyyy-MM-dd HH:mm:ss.SSS` in Beijing time, as the platform writes `modify_time`.
pub fn beijing_millis(instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&beijing())
        .format("%Y-%m-%d %H:%M:%S%.3f")
        .to_string()
}

/// The platform's date for an instant: "today" in Beijing, whatever the PC's zone.
pub fn beijing_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&beijing()).date_naive()
}

/// The instant a Beijing day begins.
pub fn beijing_midnight(day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    // Beijing has no daylight saving: every local time maps to exactly one instant.
    DateTime::<Utc>::from_naive_utc_and_offset(midnight - chrono::Duration::hours(8), Utc)
}

/// Reads a platform timestamp (Beijing time) back into an instant.
pub fn parse_beijing_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), TIMESTAMP_FORMAT).ok()?;
    beijing()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_is_eight_hours_ahead_of_utc_across_midnight() {
        let t = DateTime::parse_from_rfc3339("2026-12-03T17:30:00Z")
            .expect("t")
            .with_timezone(&Utc);
        assert_eq!(beijing_timestamp(t), "2026-12-04 01:30:00");
        assert_eq!(beijing_date(t), NaiveDate::from_ymd_opt(2026, 12, 4).expect("d"));
        assert_eq!(
            beijing_midnight(beijing_date(t)).to_rfc3339(),
            "2026-12-03T16:00:00+00:00"
        );
        assert_eq!(parse_beijing_timestamp("2026-12-04 01:30:00"), Some(t));
        assert_eq!(beijing_millis(t), "2026-12-04 01:30:00.000");
    }
}
