//! One error type for everything a platform call can end in, and what each means for the
//! clerk and for the retry logic.
//!
//! Only the platform's own envelope can refuse a record: anything else (a proxy's page, a
//! redirect, a cut connection, an answer too big to be the platform's) is weather, and the
//! record waits for a retry.

use serde_json::Value;

use super::endpoints::Endpoint;
use super::envelope::{self, Envelope};

/// What should happen next with a call that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Network, timeout, anything that is not the platform's envelope, clock trouble: try
    /// again later.
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

/// A signed timestamp further than this from the platform's `Date` makes a refusal a clock
/// refusal, whatever its code and wording (the platform allows 6 minutes).
pub const CLOCK_REFUSAL_SECS: i64 = 5 * 60;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("连不上平台（{}）：请检查网络，记录会保存在本机并自动重发", network_text(*.kind))]
    Network { kind: NetworkKind, detail: String },

    /// An answer that is not the platform's envelope, with a status other than 2xx: a proxy's
    /// or portal's page (403, 404, 407, 413, 502 …). Not the platform refusing.
    #[error("{}", http_text(*.status))]
    Http { status: u16, body: String },

    #[error("平台的回答无法识别（HTTP {status}，不是平台的 JSON 格式）：稍后会自动重试")]
    NotJson { status: u16, body: String },

    /// The configured address sent us elsewhere. Workers' data is never re-sent to another
    /// address: the redirect is not followed.
    #[error("平台地址把请求转到了别处（HTTP {status}{}）：为保护工人资料没有跟随；请检查“设置”里的平台地址，稍后会自动重试", location_text(.location))]
    Redirect { status: u16, location: String },

    /// The answer grew past what any platform answer can be.
    #[error("平台的回答大得不正常（超过 {} MB），已停止接收：可能是网关或代理出错，稍后会自动重试", .limit_bytes / (1024 * 1024))]
    TooLarge { limit_bytes: usize },

    /// The platform's own envelope with a code other than `00` (boxed: it is large and rare).
    #[error("平台拒绝（代码 {}）：{}{}{}", .0.code, .0.message, if .0.detail_message.is_empty() { "" } else { "；" }, .0.detail_message)]
    Platform(Box<PlatformRefusal>),

    /// Found locally before anything was sent.
    #[error("{0}")]
    Invalid(String),
}

/// Everything a platform refusal carried, kept verbatim.
#[derive(Debug, Clone)]
pub struct PlatformRefusal {
    pub endpoint: Endpoint,
    pub status: u16,
    pub code: String,
    pub message: String,
    pub detail_message: String,
    pub result_data: Value,
    pub raw_body: String,
    /// The signed timestamp minus the platform's `Date` header, when the answer had one.
    pub clock_skew_secs: Option<i64>,
}

fn http_text(status: u16) -> String {
    if status >= 500 {
        format!("平台服务器出错（HTTP {status}）：稍后会自动重试")
    } else {
        format!(
            "收到的不是平台的回答（HTTP {status}，像是网关或代理的页面）：稍后会自动重试；反复出现时请检查平台地址和网络代理"
        )
    }
}

fn location_text(location: &str) -> String {
    if location.is_empty() {
        String::new()
    } else {
        format!("，转到 {location}")
    }
}

fn network_text(kind: NetworkKind) -> &'static str {
    match kind {
        NetworkKind::Connect => "无法建立连接",
        NetworkKind::Timeout => "等待超时",
        NetworkKind::Interrupted => "连接中断，没有收到回答",
    }
}

impl ApiError {
    /// A platform answer other than success. `clock_skew_secs` is the signed timestamp minus
    /// the answer's `Date` header, when there was one.
    pub fn from_envelope(
        endpoint: Endpoint,
        status: u16,
        env: Envelope,
        raw_body: String,
        clock_skew_secs: Option<i64>,
    ) -> ApiError {
        ApiError::Platform(Box::new(PlatformRefusal {
            endpoint,
            status,
            code: env.code,
            message: env.message,
            detail_message: env.detail_message,
            result_data: env.result_data,
            raw_body,
            clock_skew_secs,
        }))
    }

    /// The platform's refusal, when the platform answered at all.
    pub fn refusal(&self) -> Option<&PlatformRefusal> {
        match self {
            ApiError::Platform(r) => Some(r),
            _ => None,
        }
    }

    pub fn class(&self) -> ErrorClass {
        match self {
            ApiError::Network { .. }
            | ApiError::NotJson { .. }
            | ApiError::Http { .. }
            | ApiError::Redirect { .. }
            | ApiError::TooLarge { .. } => ErrorClass::Transient,
            ApiError::Invalid(_) => ErrorClass::Permanent,
            ApiError::Platform(r) => {
                if self.is_clock_skew() {
                    ErrorClass::Transient
                } else if r.code == envelope::CODE_DUPLICATE && !r.endpoint.is_dictionary() {
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
            ApiError::Platform(r) => Some(&r.code),
            _ => None,
        }
    }

    /// Did the request possibly reach the platform and get processed? Only a refused
    /// connection proves it did not; a timeout, a cut answer or a gateway's page may come
    /// after the platform stored it.
    pub fn may_have_been_processed(&self) -> bool {
        match self {
            ApiError::Network { kind, .. } => *kind != NetworkKind::Connect,
            ApiError::Http { .. } | ApiError::NotJson { .. } | ApiError::TooLarge { .. } => true,
            ApiError::Redirect { .. } | ApiError::Platform(_) | ApiError::Invalid(_) => false,
        }
    }

    /// 26: the key, secret or device serial are wrong — every call will fail the same way.
    pub fn is_access_denied(&self) -> bool {
        self.code() == Some(envelope::CODE_ACCESS_DENIED)
    }

    /// A refusal of this PC's clock. The document names no code for it and instances word it
    /// differently, so the `Date` header decides: a signed timestamp more than 5 minutes from
    /// the platform's clock is a clock refusal whatever the code. Without a `Date` header
    /// only the words can tell.
    pub fn is_clock_skew(&self) -> bool {
        let Some(r) = self.refusal() else { return false };
        match r.clock_skew_secs {
            Some(skew) => skew.abs() > CLOCK_REFUSAL_SECS,
            None => {
                let text = format!("{} {}", r.message, r.detail_message).to_lowercase();
                text.contains("timestamp") || text.contains("时间戳")
            }
        }
    }

    /// A refusal of the call's `api_version`: a `41` naming api_version, or words about 版本
    /// whatever the code. The document and the live platform's working clients disagree on
    /// the version of four endpoints, so such a refusal is answered by trying the other one.
    pub fn is_version_refusal(&self) -> bool {
        let Some(r) = self.refusal() else { return false };
        let text = format!("{} {}", r.message, r.detail_message).to_lowercase();
        (r.code == envelope::CODE_ILLEGAL && text.contains("version")) || text.contains("版本")
    }

    /// A refusal that names the connection settings rather than the record: 26, or words
    /// about the key, serial, secret, signature, version or project. Such a refusal waits
    /// for the settings to change, not for the record to be edited.
    pub fn names_settings(&self) -> bool {
        if self.is_access_denied() {
            return true;
        }
        let Some(r) = self.refusal() else { return false };
        let text = format!("{} {}", r.message, r.detail_message).to_lowercase();
        SETTINGS_WORDS.iter().any(|w| text.contains(w))
    }

    /// The platform's own words, verbatim, for the clerk (empty when it did not answer).
    pub fn platform_words(&self) -> String {
        match self.refusal() {
            Some(r) if r.detail_message.is_empty() => r.message.clone(),
            Some(r) => format!("{}：{}", r.message, r.detail_message),
            None => String::new(),
        }
    }

    /// Our explanation of what to do, in the clerk's words.
    pub fn advice(&self) -> &'static str {
        match self {
            ApiError::Platform(_) if self.is_clock_skew() => {
                "本机时钟与平台相差超过 5 分钟：程序已按平台时间校正并重发；如反复出现，请校准电脑的日期和时间"
            }
            ApiError::Platform(r) if r.code == envelope::CODE_BAD_DATA && names_signature(r) => {
                "平台说签名校验失败：请到“设置”里核对授权秘钥（api_secret）是否与平台“设备管理”里的一致；改正后会自动重新上传"
            }
            ApiError::Platform(r) => explain_code(&r.code),
            ApiError::Network { .. } | ApiError::NotJson { .. } => {
                "暂时连不上平台：记录已保存在本机，网络恢复后自动上传，无需重复录入"
            }
            ApiError::Http { status, .. } if *status >= 500 => {
                "平台暂时出错：记录已保存在本机，稍后自动重发，无需重复录入"
            }
            ApiError::Http { .. } | ApiError::Redirect { .. } | ApiError::TooLarge { .. } => {
                "回答不是平台发出的：记录已保存在本机，会自动重发；如反复出现，请检查“设置”里的平台地址，以及电脑或工地网络的代理设置"
            }
            ApiError::Invalid(_) => "请按提示修改后再提交",
        }
    }
}

/// A refusal whose words say the signature failed (only the secret makes it fail).
fn names_signature(r: &PlatformRefusal) -> bool {
    let text = format!("{} {}", r.message, r.detail_message).to_lowercase();
    text.contains("signature") || text.contains("签名")
}

/// Words in a refusal that point at the connection settings (lower case).
const SETTINGS_WORDS: [&str; 13] = [
    "api_key",
    "client_serial",
    "api_version",
    "版本",
    "signature",
    "签名",
    "授权",
    "设备序号",
    "秘钥",
    "密钥",
    "project_id",
    "项目编号",
    "禁止访问",
];

/// What each platform code means for the clerk and what to do about it.
pub fn explain_code(code: &str) -> &'static str {
    match code {
        "00" => "平台已接收",
        "10" => "部分记录被平台拒绝：请查看每条记录的原因，修改后重发",
        "11" => "平台处理失败：请查看平台给出的原因，修改后重发；原因不明时请联系平台联调人员",
        // The document's own words for 99: 请求数据异常, 请查看详细错误信息. Its cause is in
        // the detail, not in the settings (a bad signature says so, see `advice`).
        "99" => {
            "平台说请求数据异常：原因见平台原话里的详细错误信息，请按它核对这条记录后重发；原话没有说明原因时，请把平台原话截图发给平台联调人员"
        }
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

    fn platform_at(endpoint: Endpoint, code: &str, detail: &str, skew: Option<i64>) -> ApiError {
        ApiError::Platform(Box::new(PlatformRefusal {
            endpoint,
            status: 200,
            code: code.into(),
            message: "m".into(),
            detail_message: detail.into(),
            result_data: Value::Null,
            raw_body: String::new(),
            clock_skew_secs: skew,
        }))
    }

    fn platform(endpoint: Endpoint, code: &str, detail: &str) -> ApiError {
        platform_at(endpoint, code, detail, None)
    }

    fn http(status: u16) -> ApiError {
        ApiError::Http {
            status,
            body: String::new(),
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
        // Whatever its status, a page that is not the platform's envelope is not a refusal.
        for status in [400, 403, 404, 407, 413, 500, 502, 503] {
            assert_eq!(http(status).class(), Transient, "HTTP {status}");
        }
        let redirect = ApiError::Redirect {
            status: 307,
            location: "http://elsewhere/".into(),
        };
        assert_eq!(redirect.class(), Transient);
        assert_eq!(ApiError::TooLarge { limit_bytes: 8 << 20 }.class(), Transient);
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
    fn the_date_header_decides_a_clock_refusal_whatever_the_code() {
        // 20 minutes off, answered 11 "请求失败": a clock refusal.
        let e = platform_at(Endpoint::RegisterEmployee, "11", "请求失败", Some(-1200));
        assert!(e.is_clock_skew());
        assert_eq!(e.class(), ErrorClass::Transient);
        // Within 5 minutes, even words about the timestamp are not about our clock.
        let e = platform_at(Endpoint::RegisterEmployee, "99", "时间戳格式不对(timestamp)", Some(12));
        assert!(!e.is_clock_skew());
        assert_eq!(e.class(), ErrorClass::Permanent);
        assert!(platform_at(Endpoint::AddCompany, "41", "", Some(301)).is_clock_skew());
        assert!(!platform_at(Endpoint::AddCompany, "41", "", Some(300)).is_clock_skew());
    }

    #[test]
    fn settings_refusals_are_told_apart_from_record_refusals() {
        assert!(platform(Endpoint::RegisterEmployee, "26", "").names_settings());
        assert!(platform(Endpoint::RegisterEmployee, "99", "签名校验失败(signature)").names_settings());
        assert!(
            platform(
                Endpoint::RegisterEmployee,
                "41",
                "项目编号X不存在或不属于该设备(Project_ID)"
            )
            .names_settings()
        );
        assert!(!platform(Endpoint::RegisterEmployee, "41", "手机号码无效(emp_phone)").names_settings());
        assert!(!http(404).names_settings());
    }

    #[test]
    fn code_99_advice_says_what_the_document_says_and_blames_the_secret_only_for_a_signature() {
        let blames_a_setting = |a: &str| a.contains("api_secret") || a.contains("秘钥") || a.contains("密钥");
        let bad_data = platform(Endpoint::RegisterEmployee, "99", "emp_nativeplace 含有非法字符");
        let advice = bad_data.advice();
        assert!(advice.contains("请求数据异常") && advice.contains("详细"), "{advice}");
        assert!(!blames_a_setting(advice), "{advice}");
        assert!(!blames_a_setting(explain_code("99")), "{}", explain_code("99"));
        // A 99 the Date header shows to be a clock refusal keeps the clock's advice.
        let clock = platform_at(Endpoint::RegisterEmployee, "99", "请求数据异常", Some(-1200));
        assert!(clock.advice().contains("时钟"), "{}", clock.advice());
        // A 99 that names the signature is about the secret.
        let signature = platform(Endpoint::AddCompany, "99", "签名校验失败(signature)");
        assert!(blames_a_setting(signature.advice()), "{}", signature.advice());
    }

    #[test]
    fn what_may_have_reached_the_platform() {
        let net = |kind| ApiError::Network {
            kind,
            detail: String::new(),
        };
        assert!(!net(NetworkKind::Connect).may_have_been_processed());
        assert!(net(NetworkKind::Timeout).may_have_been_processed());
        assert!(net(NetworkKind::Interrupted).may_have_been_processed());
        assert!(http(502).may_have_been_processed());
        assert!(!platform(Endpoint::UserLeaveProject, "47", "").may_have_been_processed());
    }

    #[test]
    fn messages_are_chinese_and_keep_the_platform_words() {
        let e = platform(Endpoint::RegisterEmployee, "41", "emp_phone");
        assert_eq!(e.to_string(), "平台拒绝（代码 41）：m；emp_phone");
        assert_eq!(e.platform_words(), "m：emp_phone");
        assert!(e.advice().contains("改正"));
        assert!(http(407).to_string().contains("不是平台的回答"));
        assert!(http(407).advice().contains("代理"));
        assert!(!http(407).to_string().contains("服务器出错"));
        assert!(http(502).to_string().contains("服务器出错"));
    }
}
