//! The answer envelope `{result, status, code, message, detail_message, result_data}`, read
//! leniently: live instances send `result` as a string or a bool, `code` and `status` as a
//! string or a number, and `result_data` in any shape or not at all.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Envelope {
    /// "true", "false", "partial error", or absent.
    pub result: Option<String>,
    pub status: Option<i64>,
    /// Two-digit code, `00` on success; numbers are widened to two digits (`0` → `00`).
    pub code: String,
    pub message: String,
    pub detail_message: String,
    /// `Value::Null` when missing.
    pub result_data: Value,
}

pub const CODE_SUCCESS: &str = "00";
pub const CODE_PARTIAL: &str = "10";
pub const CODE_FAILURE: &str = "11";
pub const CODE_BAD_DATA: &str = "99";
pub const CODE_ACCESS_DENIED: &str = "26";
pub const CODE_MISSING: &str = "40";
pub const CODE_ILLEGAL: &str = "41";
pub const CODE_NOT_FOUND: &str = "47";
pub const CODE_DUPLICATE: &str = "48";

impl Envelope {
    /// `None` when the text is not a JSON object or carries neither `code` nor `result`:
    /// a gateway page or a proxy's error is not a platform answer.
    pub fn parse(text: &str) -> Option<Envelope> {
        let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}').trim()).ok()?;
        let obj = value.as_object()?;
        let result = obj.get("result").and_then(scalar_text);
        let code = obj.get("code").and_then(scalar_text);
        if code.is_none() && result.is_none() {
            return None;
        }
        let code = match code {
            Some(c) if c.len() == 1 && c.chars().all(|ch| ch.is_ascii_digit()) => format!("0{c}"),
            Some(c) => c,
            // Some instances answer a bare `{"result":true}`; treat it by its result.
            None if result.as_deref() == Some("true") => CODE_SUCCESS.to_string(),
            None => CODE_FAILURE.to_string(),
        };
        let status = obj.get("status").and_then(|v| match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        Some(Envelope {
            result,
            status,
            code,
            message: obj.get("message").and_then(scalar_text).unwrap_or_default(),
            detail_message: obj.get("detail_message").and_then(scalar_text).unwrap_or_default(),
            result_data: obj.get("result_data").cloned().unwrap_or(Value::Null),
        })
    }

    pub fn is_success(&self) -> bool {
        self.code == CODE_SUCCESS
    }

    /// `result_data` as an object, also when an instance sends it JSON-encoded in a string.
    pub fn data_object(&self) -> Option<serde_json::Map<String, Value>> {
        object_of(&self.result_data)
    }
}

/// A `result_data` as an object, also when it came JSON-encoded in a string.
pub fn object_of(result_data: &Value) -> Option<serde_json::Map<String, Value>> {
    match result_data {
        Value::Object(map) => Some(map.clone()),
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        },
        _ => None,
    }
}

/// Strings, bools and numbers as text; anything else is absent.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_bools_and_numbers() {
        let a =
            Envelope::parse(r#"{"result":"true","status":200,"code":"00","message":"success","result_data":{"x":1}}"#)
                .expect("envelope");
        assert!(a.is_success());
        assert_eq!(a.status, Some(200));
        let b = Envelope::parse(
            r#"{"result":false,"status":"200","code":41,"message":"非法的参数","detail_message":"id_code"}"#,
        )
        .expect("envelope");
        assert_eq!(b.code, "41");
        assert_eq!(b.result.as_deref(), Some("false"));
        assert_eq!(b.status, Some(200));
        assert_eq!(b.result_data, Value::Null);
        let c = Envelope::parse(r#"{"result":true,"code":0}"#).expect("envelope");
        assert_eq!(c.code, "00");
        let d = Envelope::parse(r#"{"result":"partial error","code":"10","result_data":null}"#).expect("envelope");
        assert_eq!(d.code, "10");
        assert_eq!(d.result_data, Value::Null);
    }

    #[test]
    fn result_data_of_any_shape() {
        let s = Envelope::parse(r#"{"code":"00","result_data":"{\"emp_id\":\"E1\"}"}"#).expect("envelope");
        assert_eq!(
            s.data_object().and_then(|m| m.get("emp_id").cloned()),
            Some(Value::from("E1"))
        );
        let arr = Envelope::parse(r#"{"code":"00","result_data":[1,2]}"#).expect("envelope");
        assert!(arr.data_object().is_none());
        let plain = Envelope::parse(r#"{"code":"00","result_data":"ok"}"#).expect("envelope");
        assert!(plain.data_object().is_none());
    }

    #[test]
    fn not_an_envelope() {
        assert!(Envelope::parse("<html>502 Bad Gateway</html>").is_none());
        assert!(Envelope::parse("").is_none());
        assert!(Envelope::parse("[1,2]").is_none());
        assert!(Envelope::parse(r#"{"hello":"world"}"#).is_none());
        assert!(Envelope::parse("\u{feff}{\"code\":\"00\"}").is_some());
    }
}
