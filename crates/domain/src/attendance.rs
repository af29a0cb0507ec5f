//! Attendance (考勤, UploadPassedLog): a person passing in or out, with the time it happened.
//! The platform takes a log only within its window (2 hours today) and only for a project
//! under construction; gate devices double-punch, so the same person and direction within a
//! short while is one log.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{PassError, Validated};

/// "目前误差范围为2小时，以住建局通知为准": the default of the station's setting
/// `attendance_window_secs`; a log older than the window can never be sent.
pub const DEFAULT_WINDOW_SECS: i64 = 2 * 3600;
/// A pass time this far ahead of the platform's clock is a typing mistake.
const AHEAD_SLACK_SECS: i64 = 5 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    /// The platform's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }

    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "in" => Some(Direction::In),
            "out" => Some(Direction::Out),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Direction::In => "进场",
            Direction::Out => "离场",
        }
    }
}

/// Who passed: an enrolled worker, or a visitor known by name and ID number only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Passer {
    /// `person_type` 1: the ID number of an enrolled worker (the platform's emp_id is sent
    /// when known).
    Worker { id_code: String },
    /// `person_type` 0.
    Visitor { name: String, id_code: String },
}

impl Passer {
    pub fn id_code(&self) -> &str {
        match self {
            Passer::Worker { id_code } | Passer::Visitor { id_code, .. } => id_code,
        }
    }

    /// The platform's `person_type`.
    pub fn person_type(&self) -> &'static str {
        match self {
            Passer::Worker { .. } => "1",
            Passer::Visitor { .. } => "0",
        }
    }
}

/// How the station knows the person in front of the camera is the one the log names. The
/// platform's `way` 1 (人脸识别) is the only way a station log is sent, so a log is recorded
/// only when one of these is true; it stays on the log (and in the audit trail) on this PC.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identified {
    /// The camera's face was the nearest enrolled face, under the line (the distance kept).
    Face { distance: f32 },
    /// Found by card, ID number or name; the clerk compared the live face with the enrolled
    /// photo (a visitor: with the card in hand) and pressed 本人核对无误.
    Clerk,
}

impl Identified {
    /// The store's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Identified::Face { .. } => "face",
            Identified::Clerk => "clerk",
        }
    }

    /// From the store's word and distance; `None` for a log kept before the station knew.
    pub fn parse(word: &str, distance: Option<f32>) -> Option<Identified> {
        match word {
            "face" => Some(Identified::Face {
                distance: distance.unwrap_or(f32::NAN),
            }),
            "clerk" => Some(Identified::Clerk),
            _ => None,
        }
    }

    /// For the clerk and the audit trail.
    pub fn label(self) -> String {
        match self {
            Identified::Face { distance } => format!("人脸识别（距离 {distance:.2}）"),
            Identified::Clerk => "工作人员核对本人".into(),
        }
    }

    pub fn distance(self) -> Option<f32> {
        match self {
            Identified::Face { distance } => Some(distance),
            Identified::Clerk => None,
        }
    }
}

/// One pass, checked: the ID number is valid, the time inside the platform's window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pass {
    pub passer: Passer,
    pub direction: Direction,
    pub passed_at: DateTime<Utc>,
}

impl Pass {
    /// `now` is the platform-corrected clock.
    pub fn validate(
        passer: Passer,
        direction: Direction,
        passed_at: DateTime<Utc>,
        now: DateTime<Utc>,
        window_secs: i64,
    ) -> Result<Validated<Pass>, PassError> {
        let id = super::parse_id_number(passer.id_code())?;
        let passer = match passer {
            Passer::Worker { .. } => Passer::Worker { id_code: id.code },
            Passer::Visitor { name, .. } => {
                let name = name.trim().to_string();
                if name.is_empty() {
                    return Err(PassError::VisitorNameEmpty);
                }
                if let Some(p) = super::text::text_problem("访客姓名", &name, 50) {
                    return Err(PassError::VisitorName(p));
                }
                Passer::Visitor { name, id_code: id.code }
            }
        };
        if passed_at > now + Duration::seconds(AHEAD_SLACK_SECS) {
            return Err(PassError::InFuture);
        }
        if expired(passed_at, now, window_secs) {
            return Err(PassError::TooOld {
                passed_at: crate::time::beijing_timestamp(passed_at),
                window: window_words(window_secs),
            });
        }
        Ok(Validated::new(Pass {
            passer,
            direction,
            passed_at,
        }))
    }
}

/// Past the platform's window: it can never be sent.
pub fn expired(passed_at: DateTime<Utc>, now: DateTime<Utc>, window_secs: i64) -> bool {
    (now - passed_at).num_seconds() > window_secs
}

/// The window as a bureau notice would say it, with the space the clerk's sentences put
/// before "内": "2 小时", "90 分钟", "45 秒".
pub fn window_words(window_secs: i64) -> String {
    if window_secs > 0 && window_secs % 3600 == 0 {
        format!("{} 小时", window_secs / 3600)
    } else if window_secs > 0 && window_secs % 60 == 0 {
        format!("{} 分钟", window_secs / 60)
    } else {
        format!("{window_secs} 秒")
    }
}

/// The same person and direction within `window_secs` of an earlier log is that log again
/// (a double punch), whichever way round the two times lie.
pub fn is_repeat(earlier: DateTime<Utc>, this: DateTime<Utc>, window_secs: i64) -> bool {
    (this - earlier).num_seconds().abs() < window_secs
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 29, h, m, s).single().expect("time")
    }

    #[test]
    fn the_platforms_window_is_two_hours() {
        let w = DEFAULT_WINDOW_SECS;
        assert!(!expired(t(8, 0, 0), t(10, 0, 0), w));
        assert!(expired(t(8, 0, 0), t(10, 0, 1), w));
        assert!(expired(t(8, 0, 0), t(10, 5, 0), w));
        assert_eq!(window_words(w), "2 小时");
        assert_eq!(window_words(90 * 60), "90 分钟");
        assert_eq!(window_words(45), "45 秒");
    }

    #[test]
    fn a_double_punch_is_one_log() {
        assert!(is_repeat(t(8, 0, 0), t(8, 0, 59), 60));
        assert!(!is_repeat(t(8, 0, 0), t(8, 1, 0), 60));
        assert!(is_repeat(t(8, 0, 30), t(8, 0, 0), 60));
    }

    #[test]
    fn a_pass_is_checked_before_it_is_kept() {
        let now = t(10, 0, 0);
        let worker = || Passer::Worker {
            id_code: "11010519491231002x".into(),
        };
        let ok = Pass::validate(worker(), Direction::In, t(9, 0, 0), now, DEFAULT_WINDOW_SECS).expect("valid");
        assert_eq!(ok.passer.id_code(), "11010519491231002X");
        assert!(
            Pass::validate(worker(), Direction::In, t(7, 55, 0), now, DEFAULT_WINDOW_SECS)
                .unwrap_err()
                .to_string()
                .contains("2 小时")
        );
        // A bureau notice of 90 minutes: the same log is refused sooner, in its words.
        let shorter = Pass::validate(worker(), Direction::In, t(8, 20, 0), now, 90 * 60)
            .unwrap_err()
            .to_string();
        assert!(shorter.contains("90 分钟"), "{shorter}");
        assert!(Pass::validate(worker(), Direction::In, t(8, 20, 0), now, DEFAULT_WINDOW_SECS).is_ok());
        assert!(
            Pass::validate(worker(), Direction::In, t(10, 30, 0), now, DEFAULT_WINDOW_SECS)
                .unwrap_err()
                .to_string()
                .contains("晚于现在")
        );
        let visitor = Passer::Visitor {
            name: " ".into(),
            id_code: "11010519491231002X".into(),
        };
        assert!(Pass::validate(visitor, Direction::Out, t(9, 0, 0), now, DEFAULT_WINDOW_SECS).is_err());
        let bad = Passer::Worker { id_code: "123".into() };
        assert!(Pass::validate(bad, Direction::Out, t(9, 0, 0), now, DEFAULT_WINDOW_SECS).is_err());
    }
}
