//! One error type for everything a platform call can end in, and what each means for the
//! clerk and for the retry logic.

use serde_json::Value;

use super::endpoints::Endpoint;
use super::envelope::{self, Envelope};

/// What should happen next with a call that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Network, timeout, HTTP 5xx, garbage answer, clock trouble: try again later.
    Transient,
    /// The data or the settings must be fixed by a person before sending again.
    Permanent,
    /// The platform already has it (48 on an upload): nothing left to do.
    AlreadyDone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkKind {
    Connect,
    Timeout,
    /// The connection closed before a whole answer arrived.
    Interrupted,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("连不上平台（{}）：请检查网络，记录会保存在本机并自动重发", network_text(*.kind))]
    Network { kind: NetworkKind, detail: String },

    #[error("平台服务器出错（HTTP {status}）：稍后会自动重试")]
    Http { status: u16, body: String },

    #[error("平台的回答无法识别（HTTP {status}，不是平台的 JSON 格式）：稍后会自动重试")]
    NotJson { status: u16, body: String },

    #[error("平台拒绝（代码 {code}）：{message}{}{detail_message}", if .detail_message.is_empty() { "" } else { "；" })]
    Platform {
        endpoint: Endpoint,
        status: u16,
        code: String,
        message: String,
        detail_message: String,
        result_data: Value,
        raw_body: String,
    },

    /// Found locally before anything was sent.
    #[error("{0}")]
    Invalid(String),
}

fn network_text(kind: NetworkKind) -> &'static str {
    match kind {
        NetworkKind::Connect => "无法建立连接",
        NetworkKind::Timeout => "等待超时",
        NetworkKind::Interrupted => "连接中断，没有收到回答",
    }
}

impl ApiError {
    pub fn from_envelope(endpoint: Endpoint, status: u16, env: Envelope, raw_body: String) -> ApiError {
        ApiError::Platform {
            endpoint,
            status,
            code: env.code,
            message: env.message,
            detail_message: env.detail_message,
            result_data: env.result_data,
            raw_body,
        }
    }

    pub fn class(&self) -> ErrorClass {
        match self {
            ApiError::Network { .. } | ApiError::NotJson { .. } => ErrorClass::Transient,
            ApiError::Http { status, .. } if *status >= 500 || *status == 408 || *status == 429 => {
                ErrorClass::Transient
            }
            ApiError::Http { .. } | ApiError::Invalid(_) => ErrorClass::Permanent,
            ApiError::Platform { endpoint, code, .. } => {
                if self.is_clock_skew() {
                    ErrorClass::Transient
                } else if code == envelope::CODE_DUPLICATE && !endpoint.is_dictionary() {
                    ErrorClass::AlreadyDone
                } else {
                    ErrorClass::Permanent
                }
            }
        }
    }

    /// The platform's code, when the platform answered at all.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Platform { code, .. } => Some(code),
            _ => None,
        }
    }

    /// 26: the key, secret or device serial are wrong — every call will fail the same way.
    pub fn is_access_denied(&self) -> bool {
        self.code() == Some(envelope::CODE_ACCESS_DENIED)
    }

    /// 99 about the timestamp: this PC's clock is off by more than the platform allows.
    pub fn is_clock_skew(&self) -> bool {
        match self {
            ApiError::Platform {
                code,
                message,
                detail_message,
                ..
            } if code == envelope::CODE_BAD_DATA => {
                let text = format!("{message} {detail_message}").to_lowercase();
                text.contains("timestamp") || text.contains("时间戳")
            }
            _ => false,
        }
    }

    /// The platform's own words, verbatim, for the clerk (empty when it did not answer).
    pub fn platform_words(&self) -> String {
        match self {
            ApiError::Platform {
                message,
                detail_message,
                ..
            } => {
                if detail_message.is_empty() {
                    message.clone()
                } else {
                    format!("{message}：{detail_message}")
                }
            }
            _ => String::new(),
        }
    }

    /// Our explanation of what to do, in the clerk's words.
    pub fn advice(&self) -> &'static str {
        match self {
            ApiError::Platform { .. } if self.is_clock_skew() => {
                "本机时钟与平台相差超过 6 分钟：程序会自动校正后重发；如反复出现，请校准电脑时间"
            }
            ApiError::Platform { code, .. } => explain_code(code),
            ApiError::Network { .. } | ApiError::Http { .. } | ApiError::NotJson { .. } => {
                "暂时连不上平台：记录已保存在本机，网络恢复后自动上传，无需重复录入"
            }
            ApiError::Invalid(_) => "请按提示修改后再提交",
        }
    }
}

/// What each platform code means for the clerk and what to do about it.
pub fn explain_code(code: &str) -> &'static str {
    match code {
        "00" => "平台已接收",
        "10" => "部分记录被平台拒绝：请查看每条记录的原因，修改后重发",
        "11" => "平台处理失败：请查看平台给出的原因，修改后重发；原因不明时请联系平台联调人员",
        "99" => "平台认为请求数据异常：请检查设置中的密钥（api_secret）是否正确，以及记录内容是否完整",
        "26" => {
            "平台禁止访问：授权帐号（api_key）或设备序号（client_serial）不对，请到“设置”里核对平台发给本项目的密钥；在改正之前暂停上传"
        }
        "40" => "缺少必填内容：请补全平台指出的字段后重发",
        "41" => "内容格式不对：请按平台指出的字段改正后重发",
        "47" => "平台上找不到对应的数据：请确认人员已登记、单位已添加到本项目，或编号是否写错",
        "48" => "平台已有这条记录，无需重复上传",
        _ => "平台返回了未知的代码：请把平台原话截图发给技术支持",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform(endpoint: Endpoint, code: &str, detail: &str) -> ApiError {
        ApiError::Platform {
            endpoint,
            status: 200,
            code: code.into(),
            message: "m".into(),
            detail_message: detail.into(),
            result_data: Value::Null,
            raw_body: String::new(),
        }
    }

    #[test]
    fn classes() {
        use ErrorClass::*;
        let net = ApiError::Network {
            kind: NetworkKind::Timeout,
            detail: String::new(),
        };
        assert_eq!(net.class(), Transient);
        assert_eq!(
            ApiError::Http {
                status: 502,
                body: String::new()
            }
            .class(),
            Transient
        );
        assert_eq!(
            ApiError::Http {
                status: 404,
                body: String::new()
            }
            .class(),
            Permanent
        );
        assert_eq!(
            ApiError::NotJson {
                status: 200,
                body: String::new()
            }
            .class(),
            Transient
        );
        assert_eq!(platform(Endpoint::RegisterEmployee, "41", "id_code").class(), Permanent);
        assert_eq!(platform(Endpoint::UploadPassedLog, "48", "").class(), AlreadyDone);
        assert_eq!(platform(Endpoint::DictListJobName, "48", "").class(), Permanent);
        assert_eq!(
            platform(Endpoint::AddCompany, "99", "时间戳超出范围(timestamp)").class(),
            Transient
        );
        assert_eq!(
            platform(Endpoint::AddCompany, "99", "签名校验失败(signature)").class(),
            Permanent
        );
        assert!(platform(Endpoint::AddCompany, "26", "").is_access_denied());
        assert!(!platform(Endpoint::AddCompany, "41", "").is_access_denied());
    }

    #[test]
    fn messages_are_chinese_and_keep_the_platform_words() {
        let e = platform(Endpoint::RegisterEmployee, "41", "emp_phone");
        assert_eq!(e.to_string(), "平台拒绝（代码 41）：m；emp_phone");
        assert_eq!(e.platform_words(), "m：emp_phone");
        assert!(e.advice().contains("改正"));
    }
}
