//! Reading and checking body fields the way the platform does; every refusal names the field.

use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::envelope::{Answer, Code};
use domain::time::parse_beijing_timestamp;

pub type Body = Map<String, Value>;

/// A required string: absent, null or blank is "missing" (40). The spec types every field
/// as String, so a number or an object is refused (41) rather than guessed at.
pub fn required<'a>(body: &'a Body, field: &str) -> Result<&'a str, Answer> {
    optional(body, field)?.ok_or_else(|| Answer::missing(field))
}

/// An optional string: absent, null or blank is None.
pub fn optional<'a>(body: &'a Body, field: &str) -> Result<Option<&'a str>, Answer> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(Answer::field(Code::Illegal, field, "应为字符串")),
    }
}

/// A required non-empty array of objects.
pub fn object_list<'a>(body: &'a Body, field: &str) -> Result<Vec<&'a Body>, Answer> {
    let items = match body.get(field) {
        None | Some(Value::Null) => return Err(Answer::missing(field)),
        Some(Value::Array(items)) if items.is_empty() => {
            return Err(Answer::field(Code::Missing, field, "列表不能为空"));
        }
        Some(Value::Array(items)) => items,
        Some(_) => return Err(Answer::field(Code::Illegal, field, "应为对象数组")),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            item.as_object()
                .ok_or_else(|| Answer::field(Code::Illegal, &format!("{field}[{i}]"), "应为对象"))
        })
        .collect()
}

/// The body's project must be the one this device is registered to.
pub fn check_project(body: &Body, project_id: &str) -> Result<(), Answer> {
    let given = required(body, "Project_ID")?;
    if given != project_id {
        return Err(Answer::field(
            Code::Illegal,
            "Project_ID",
            format!("项目编号{given}不存在或不属于该设备"),
        ));
    }
    Ok(())
}

/// Standard Base64 of JPEG bytes. Line breaks are skipped: the platform's production Java
/// clients sent photos in 76-column lines (the old MIME-style encoders) and were taken
/// (NOTES.md, Transport). A `data:` URL, spaces or a PNG are refused: the platform stores the
/// decoded bytes as a .jpg and the portal shows nothing otherwise.
pub fn check_jpeg(field: &str, value: &str) -> Result<(), Answer> {
    if value.starts_with("data:") {
        return Err(Answer::field(
            Code::Illegal,
            field,
            "照片应为JPEG的Base64编码,不能带data:前缀",
        ));
    }
    let unwrapped: String;
    let text = if value.contains(['\r', '\n']) {
        unwrapped = value.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
        unwrapped.as_str()
    } else {
        value
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| Answer::field(Code::Illegal, field, "照片不是有效的Base64编码"))?;
    if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err(Answer::field(Code::Illegal, field, "照片不是JPEG格式"));
    }
    Ok(())
}

/// `yyyy-MM-dd HH:mm:ss`, Beijing time.
pub fn check_time(field: &str, value: &str) -> Result<DateTime<Utc>, Answer> {
    // parse_beijing_timestamp trims; the platform's SimpleDateFormat would not accept padding.
    if value.trim() != value {
        return Err(Answer::field(Code::Illegal, field, "时间格式应为yyyy-MM-dd HH:mm:ss"));
    }
    parse_beijing_timestamp(value).ok_or_else(|| Answer::field(Code::Illegal, field, "时间格式应为yyyy-MM-dd HH:mm:ss"))
}

/// `value` has exactly the shape of one of `patterns`, where `9` stands for any ASCII digit
/// and every other character for itself: the platform stores dates as sent, so a space or a
/// missing zero is refused here, not forgiven.
pub fn check_shape(field: &str, value: &str, patterns: &[&str], what: &str) -> Result<(), Answer> {
    let fits = |p: &str| {
        value.chars().count() == p.chars().count()
            && value
                .chars()
                .zip(p.chars())
                .all(|(v, p)| if p == '9' { v.is_ascii_digit() } else { v == p })
    };
    if patterns.iter().any(|p| fits(p)) {
        Ok(())
    } else {
        Err(Answer::field(Code::Illegal, field, format!("格式应为{what}")))
    }
}

/// One of a fixed set of values.
pub fn check_one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), Answer> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(Answer::field(
            Code::Illegal,
            field,
            format!("取值应为{}之一", allowed.join("/")),
        ))
    }
}

/// "Today" for the platform is the Beijing date, whatever the host's zone (the domain's rule,
/// not a copy of it).
pub use domain::time::{beijing_date as beijing_today, beijing_millis};

/// 32 upper-case hex digits, like the platform's UUID-derived ids.
pub fn new_id(rng: &mut fastrand::Rng) -> String {
    format!("{:032X}", rng.u128(..))
}

pub fn light_email(value: &str) -> bool {
    let Some((user, domain)) = value.split_once('@') else {
        return false;
    };
    !user.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(char::is_whitespace)
}

pub fn light_postcode(value: &str) -> bool {
    value.len() == 6 && value.bytes().all(|b| b.is_ascii_digit())
}

/// "电话" may be a landline with area code and extension, so only the shape is checked.
pub fn light_phone(value: &str) -> bool {
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    (7..=20).contains(&digits) && value.chars().all(|c| c.is_ascii_digit() || "+-() ".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> Body {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn required_and_optional() {
        let b = body(json!({"a": "x", "blank": "  ", "n": 1, "z": null}));
        assert_eq!(required(&b, "a"), Ok("x"));
        for missing in ["blank", "z", "nope"] {
            assert_eq!(required(&b, missing).map_err(|a| a.code), Err(Code::Missing));
        }
        assert_eq!(required(&b, "n").map_err(|a| a.code), Err(Code::Illegal));
        assert_eq!(optional(&b, "blank"), Ok(None));
    }

    #[test]
    fn photos() {
        assert!(check_jpeg("p", "/9j/4AAQ").is_ok());
        assert!(check_jpeg("p", "data:image/jpeg;base64,/9j/4AAQ").is_err());
        assert!(check_jpeg("p", "iVBORw0K").is_err());
        assert!(check_jpeg("p", "/9j/4A AQ").is_err());
        // Line breaks as Java's old encoders wrote them are skipped, whatever the column.
        assert!(check_jpeg("p", "/9j/\r\n4AAQ\r\n").is_ok());
        assert!(check_jpeg("p", "/9j/\n4AAQ").is_ok());
        assert!(check_jpeg("p", "data:image/jpeg;base64,\r\n/9j/4AAQ").is_err());
        assert!(check_jpeg("p", "iVBO\r\nRw0K").is_err());
    }

    #[test]
    fn shapes_are_exact() {
        let pass = ["9999-99-99:", "9999-99-99:9999-99-99"];
        assert!(check_shape("p", "2026-11-01:", &pass, "x").is_ok());
        assert!(check_shape("p", "2026-11-01:2027-01-01", &pass, "x").is_ok());
        for bad in ["2026-11-01 :", " 2026-11-01:", "2026-11-1:", "2026-11-01: 2027-01-01"] {
            assert!(check_shape("p", bad, &pass, "x").is_err(), "{bad}");
        }
        let card = ["9999.99.99-9999.99.99", "9999.99.99-长期"];
        assert!(check_shape("v", "2010.01.01-长期", &card, "x").is_ok());
        assert!(check_shape("v", "2010.01.01 - 长期", &card, "x").is_err());
    }

    #[test]
    fn light_checks() {
        assert!(light_email("a.b@x.com.cn") && !light_email("a@b") && !light_email("ab.com"));
        assert!(light_postcode("518000") && !light_postcode("51800"));
        assert!(light_phone("0755-83218888") && light_phone("13800138000") && !light_phone("abc1234567"));
    }
}
