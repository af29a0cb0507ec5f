//! The platform's answer envelope and its code table (spec §2.4).

use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Success,
    Partial,
    Failure,
    BadData,
    Denied,
    Missing,
    Illegal,
    NotFound,
    Duplicate,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Success => "00",
            Code::Partial => "10",
            Code::Failure => "11",
            Code::BadData => "99",
            Code::Denied => "26",
            Code::Missing => "40",
            Code::Illegal => "41",
            Code::NotFound => "47",
            Code::Duplicate => "48",
        }
    }

    /// The code for its two digits; `None` for a code this table does not know.
    pub fn parse(code: &str) -> Option<Code> {
        [
            Code::Success,
            Code::Partial,
            Code::Failure,
            Code::BadData,
            Code::Denied,
            Code::Missing,
            Code::Illegal,
            Code::NotFound,
            Code::Duplicate,
        ]
        .into_iter()
        .find(|c| c.as_str() == code.trim())
    }

    fn result(self) -> &'static str {
        match self {
            Code::Success => "true",
            Code::Partial => "partial error",
            _ => "false",
        }
    }

    /// The `message` column of the spec's table, verbatim.
    fn message(self) -> &'static str {
        match self {
            Code::Success => "success",
            Code::Partial => "部分失败",
            Code::Failure => "error",
            Code::BadData => "请求数据异常",
            Code::Denied => "禁止访问接口",
            Code::Missing => "缺少必要参数",
            Code::Illegal => "非法的参数",
            Code::NotFound => "ERROR: 未找到数据",
            Code::Duplicate => "数据重复",
        }
    }
}

/// One platform answer before it is put on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub code: Code,
    pub detail: String,
    pub data: Value,
}

impl Answer {
    pub fn ok(data: Value) -> Answer {
        Answer {
            code: Code::Success,
            detail: String::new(),
            data,
        }
    }

    pub fn fail(code: Code, detail: impl Into<String>) -> Answer {
        Answer {
            code,
            detail: detail.into(),
            data: Value::Null,
        }
    }

    /// `{说明}({field})`: the detail always names the field, the way the client shows it.
    pub fn field(code: Code, field: &str, what: impl std::fmt::Display) -> Answer {
        Answer::fail(code, format!("{what}({field})"))
    }

    pub fn missing(field: &str) -> Answer {
        Answer::field(Code::Missing, field, "缺少必要参数")
    }

    pub fn to_json(&self) -> Value {
        json!({
            "result": self.code.result(),
            "status": 200,
            "code": self.code.as_str(),
            "message": self.code.message(),
            "detail_message": self.detail,
            "result_data": self.data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_shape() {
        let v = Answer::field(Code::Illegal, "id_code", "身份证号码无效").to_json();
        assert_eq!(v["result"], "false");
        assert_eq!(v["status"], 200);
        assert_eq!(v["code"], "41");
        assert_eq!(v["detail_message"], "身份证号码无效(id_code)");
        assert!(v["result_data"].is_null());
        let keys: Vec<&String> = v.as_object().map(|m| m.keys().collect()).unwrap_or_default();
        assert_eq!(
            keys,
            ["result", "status", "code", "message", "detail_message", "result_data"]
        );
        assert_eq!(Answer::fail(Code::Partial, "").to_json()["result"], "partial error");
        assert_eq!(Answer::ok(json!({})).to_json()["result"], "true");
    }
}
