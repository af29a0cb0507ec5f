//! Departures (userLeaveProject) and company removals (ProjectRemoveCompany): the two writes
//! that cannot be taken back, checked before they reach the queue.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use super::{FieldError, Validated};

/// A PC clock a little ahead of the platform's must not make "now" look like the future.
const FUTURE_SLACK_MINUTES: i64 = 10;

/// Reads the exit time as the clerk typed it (Beijing time); returns it as the platform wants
/// it. `now` is the platform-corrected clock.
pub fn check_exit_time(text: &str, now: DateTime<Utc>) -> Result<String, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FieldError::ExitTimeEmpty);
    }
    let Some(at) = crate::time::parse_beijing_timestamp(text) else {
        return Err(FieldError::ExitTimeShape);
    };
    if at > now + Duration::minutes(FUTURE_SLACK_MINUTES) {
        return Err(FieldError::ExitTimeInFuture);
    }
    Ok(crate::time::beijing_timestamp(at))
}

/// Workers leaving together, with one exit time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartureBatch {
    /// Valid 18-character ID numbers, each once, in the order given.
    pub id_codes: Vec<String>,
    /// `yyyy-MM-dd HH:mm:ss`, Beijing time.
    pub exit_time: String,
}

impl DepartureBatch {
    /// Checks every ID number and the exit time (now when not given). A number given twice,
    /// wherever it stands, is kept once. Every problem is reported, not just the first.
    pub fn validate(
        id_codes: &[String],
        exit_time: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Validated<DepartureBatch>, Vec<String>> {
        let mut problems = Vec::new();
        let mut seen = HashSet::new();
        let mut ids = Vec::new();
        for raw in id_codes {
            match super::parse_id_number(raw) {
                Ok(id) => {
                    if seen.insert(id.code.clone()) {
                        ids.push(id.code);
                    }
                }
                Err(e) => problems.push(format!("{}：{e}", raw.trim())),
            }
        }
        let exit_time = match exit_time {
            Some(t) => check_exit_time(t, now).unwrap_or_else(|e| {
                problems.push(e.to_string());
                String::new()
            }),
            None => crate::time::beijing_timestamp(now),
        };
        if ids.is_empty() && problems.is_empty() {
            problems.push("请至少给出一个身份证号码".into());
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Validated::new(DepartureBatch {
            id_codes: ids,
            exit_time,
        }))
    }
}

/// A company to take off the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyRemoval {
    /// A valid SUID (credit code or organisation code), in the form it is kept.
    pub suid: super::Suid,
    pub company_name: String,
}

impl CompanyRemoval {
    pub fn validate(suid: &str, company_name: &str) -> Result<Validated<CompanyRemoval>, Vec<String>> {
        let mut problems = Vec::new();
        let suid = super::Suid::parse(suid).map_err(|e| problems.push(format!("统一社会信用代码：{e}")));
        let company_name = company_name.trim().to_string();
        if company_name.is_empty() {
            problems.push("请给出单位全称".into());
        } else if let Some(p) = super::text::text_problem("单位名称", &company_name, 100) {
            problems.push(p);
        }
        match suid {
            Ok(suid) if problems.is_empty() => Ok(Validated::new(CompanyRemoval { suid, company_name })),
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        crate::time::parse_beijing_timestamp("2026-03-01 12:00:00").expect("time")
    }

    #[test]
    fn exit_time_must_be_a_beijing_timestamp_not_in_the_future() {
        assert_eq!(
            check_exit_time(" 2026-03-01 11:30:00 ", now()).as_deref(),
            Ok("2026-03-01 11:30:00")
        );
        assert_eq!(
            check_exit_time("2026-03-01 12:05:00", now()).as_deref(),
            Ok("2026-03-01 12:05:00")
        );
        assert!(
            check_exit_time("2026-03-01 13:00:00", now())
                .unwrap_err()
                .to_string()
                .contains("不能晚于现在")
        );
        assert!(
            check_exit_time("2026/03/01 11:30", now())
                .unwrap_err()
                .to_string()
                .contains("格式不对")
        );
        assert!(check_exit_time("", now()).unwrap_err().to_string().contains("请填写"));
    }

    #[test]
    fn duplicates_are_dropped_wherever_they_stand() {
        let a = "11010519491231002X".to_string();
        let b = "440305199203150027".to_string();
        let ids = vec![a.clone(), b.clone(), a.to_lowercase(), b.clone(), a.clone()];
        let batch = DepartureBatch::validate(&ids, None, now()).expect("valid");
        assert_eq!(batch.id_codes, vec![a, b]);
        assert_eq!(batch.exit_time, "2026-03-01 12:00:00");
    }

    #[test]
    fn every_problem_is_reported() {
        let ids = vec![
            "123".to_string(),
            "11010519491231002X".into(),
            "11010519491231002Y".into(),
        ];
        let problems = DepartureBatch::validate(&ids, Some("tomorrow"), now()).expect_err("invalid");
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(DepartureBatch::validate(&[], None, now()).is_err());
    }

    #[test]
    fn a_removal_needs_a_valid_code_and_a_name() {
        assert!(CompanyRemoval::validate("91440300ABC", "x").is_err());
        assert!(CompanyRemoval::validate("91440300MA5FXXXX1A", "").is_err());
        assert!(CompanyRemoval::validate("19220382-2", "x").is_err());
        // An organisation code, in the form the company was kept under.
        let removal = CompanyRemoval::validate("192203821", "深圳市老证照建筑劳务有限公司").expect("valid");
        assert_eq!(removal.suid, "19220382-1");
    }
}
