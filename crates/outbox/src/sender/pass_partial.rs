//! A `10` (部分失败) to an attendance batch, read as for departures: the logs its
//! `result_data` names failed, the others are on the platform. It counts as naming them only
//! when every failure it lists points at exactly one log of the batch; otherwise it is unknown
//! which logs went through, and the caller sends each log alone to find out.

use serde_json::Value;

use api::types::PassedLog;

/// One log the platform says it did not take, with its reason (may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PassFailure {
    /// `person_id` as the answer names it (our `person_id`, or the ID number).
    person: String,
    passed_time: Option<String>,
    direction: Option<String>,
    pub(super) message: String,
}

/// Every object in `result_data` (at any depth, also JSON in a string) that names a person.
pub(super) fn parse_pass_failures(result_data: &Value) -> Vec<PassFailure> {
    fn text(map: &serde_json::Map<String, Value>, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| match map.get(*k) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
    }
    fn walk(v: &Value, out: &mut Vec<PassFailure>) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Object(map) => match text(map, &["person_id", "id_code"]) {
                Some(person) => out.push(PassFailure {
                    person,
                    passed_time: text(map, &["passed_time"]),
                    direction: text(map, &["direction"]),
                    message: text(map, &["message", "msg", "reason", "detail_message"]).unwrap_or_default(),
                }),
                None => map.values().for_each(|i| walk(i, out)),
            },
            Value::String(s) => {
                if let Ok(inner) = serde_json::from_str::<Value>(s) {
                    walk(&inner, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(result_data, &mut out);
    out
}

/// The batch's logs the failures name, by position, each with its failure; `None` when the
/// answer cannot be matched: it names nobody, names someone not in the batch, or names a
/// person with several logs in it without saying which. `id_codes[i]` is the ID number of
/// `logs[i]` (its `person_id` may be the platform's emp_id).
pub(super) fn match_pass_failures(
    failures: Vec<PassFailure>,
    logs: &[PassedLog],
    id_codes: &[String],
) -> Option<Vec<(usize, PassFailure)>> {
    if failures.is_empty() {
        return None;
    }
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    let candidates = |f: &PassFailure| -> Vec<usize> {
        (0..logs.len())
            .filter(|&i| {
                let log = &logs[i];
                (same(&f.person, &log.person_id) || id_codes.get(i).is_some_and(|id| same(&f.person, id)))
                    && f.passed_time.as_deref().is_none_or(|t| same(t, &log.passed_time))
                    && f.direction.as_deref().is_none_or(|d| same(d, &log.direction))
            })
            .collect()
    };
    let mut named: Vec<(Vec<usize>, PassFailure)> = failures.into_iter().map(|f| (candidates(&f), f)).collect();
    // The most precise failures first, so that a vaguer one is left only the logs they did not take.
    named.sort_by_key(|(c, _)| c.len());
    let mut out: Vec<(usize, PassFailure)> = Vec::new();
    for (candidates, failure) in named {
        let left: Vec<usize> = candidates
            .into_iter()
            .filter(|i| !out.iter().any(|(taken, _)| taken == i))
            .collect();
        let [one] = left.as_slice() else { return None };
        out.push((*one, failure));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(person_id: &str, passed_time: &str, direction: &str) -> PassedLog {
        PassedLog {
            person_type: "1".into(),
            person_id: person_id.into(),
            person_name: "张三".into(),
            passed_time: passed_time.into(),
            direction: direction.into(),
            way: "1".into(),
            site_photo: None,
            longitude: None,
            latitude: None,
            address: None,
        }
    }

    fn matched(result_data: &str, logs: &[PassedLog], ids: &[&str]) -> Option<Vec<usize>> {
        let data: Value = serde_json::from_str(result_data).expect("json");
        let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        match_pass_failures(parse_pass_failures(&data), logs, &ids).map(|m| m.into_iter().map(|(i, _)| i).collect())
    }

    #[test]
    fn a_partial_attendance_answer_counts_only_when_each_failure_names_one_log_of_the_batch() {
        let logs = [
            log("E1", "2026-11-28 08:00:00", "in"),
            log("E2", "2026-11-28 08:01:00", "in"),
            log("E2", "2026-11-28 17:00:00", "out"),
        ];
        let ids = ["ID1", "ID2", "ID2"];
        // By person, time or direction; by the ID number when our person_id was the emp_id.
        assert_eq!(
            matched(r#"{"fail_list":[{"person_id":"E1","message":"x"}]}"#, &logs, &ids),
            Some(vec![0])
        );
        assert_eq!(
            matched(r#"[{"id_code":"id2","direction":"out"}]"#, &logs, &ids),
            Some(vec![2])
        );
        assert_eq!(
            matched(
                r#""[{\"person_id\":\"E2\",\"passed_time\":\"2026-11-28 08:01:00\"}]""#,
                &logs,
                &ids
            ),
            Some(vec![1])
        );
        // Both logs of one person, the precise failure first whatever the order.
        assert_eq!(
            matched(
                r#"[{"person_id":"E2"},{"person_id":"E2","direction":"in"}]"#,
                &logs,
                &ids
            ),
            Some(vec![1, 2])
        );
        // A person with two logs and nothing to tell them apart, someone not in the batch,
        // nobody at all, the same log twice: not matched.
        for unmatched in [
            r#"[{"person_id":"E2"}]"#,
            r#"[{"person_id":"E9"}]"#,
            r#"{"errors":"2 failed"}"#,
            r#"null"#,
            r#"[{"person_id":"E1"},{"person_id":"E1"}]"#,
        ] {
            assert_eq!(matched(unmatched, &logs, &ids), None, "{unmatched}");
        }
    }
}
