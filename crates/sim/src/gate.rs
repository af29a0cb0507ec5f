//! The checks every platform call passes before its endpoint sees it, in the platform's
//! order: system parameters, access, version, clock, charset + signature, JSON.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::envelope::{Answer, Code};
use super::fields::Body;
use super::http::Request;
use super::platform_table::versions_taken;
use super::{Faults, Refusal, SimConfig};
use protocol::endpoints::Endpoint;
use protocol::sign::{SignedParams, parse_beijing_timestamp, signature};

/// The spec's "服务端允许客户端请求时间误差为 6 分钟".
const CLOCK_TOLERANCE_SECS: i64 = 6 * 60;

/// A refusal worded the way a particular instance words it, or the default.
fn worded(custom: Option<&Refusal>, default: Answer) -> Answer {
    match custom {
        Some(r) => Answer::fail(Code::parse(&r.code).unwrap_or(Code::Failure), r.message.clone()),
        None => default,
    }
}

/// `now` is the platform's clock. `faults` may reword the clock and signature refusals.
pub fn check(
    config: &SimConfig,
    endpoint: Endpoint,
    req: &Request,
    now: DateTime<Utc>,
    faults: &Faults,
) -> Result<Body, Answer> {
    let mut params = [""; 5];
    for (slot, name) in params
        .iter_mut()
        .zip(["api_key", "api_version", "client_serial", "timestamp", "signature"])
    {
        *slot = match req.param(name) {
            Some(v) if !v.trim().is_empty() => v,
            _ => return Err(Answer::missing(name)),
        };
    }
    let [api_key, api_version, client_serial, timestamp, sig] = params;

    if api_key != config.api_key {
        return Err(Answer::field(Code::Denied, "api_key", "授权帐号未授权或已停用"));
    }
    if client_serial != config.client_serial {
        return Err(Answer::field(Code::Denied, "client_serial", "设备序号与授权帐号不一致"));
    }

    let taken: Vec<&str> = match faults.only_version.get(&endpoint) {
        Some(only) => vec![only.as_str()],
        None => versions_taken(endpoint).to_vec(),
    };
    if !taken.contains(&api_version) {
        let wanted = taken.join(" 或 ");
        let what = if api_version == "1.0" {
            format!("1.0 版本已取消,请使用 {wanted} 版本")
        } else {
            format!("不支持的协议版本 {api_version},应为 {wanted}")
        };
        return Err(Answer::field(Code::Illegal, "api_version", what));
    }

    let Some(sent_at) = parse_beijing_timestamp(timestamp).filter(|_| timestamp.trim() == timestamp) else {
        return Err(Answer::field(
            Code::Illegal,
            "timestamp",
            "时间戳格式应为yyyy-MM-dd HH:mm:ss",
        ));
    };
    let skew = (sent_at - now).num_seconds();
    if skew.abs() > CLOCK_TOLERANCE_SECS {
        return Err(worded(
            faults.clock_refusal.as_ref(),
            Answer::field(
                Code::BadData,
                "timestamp",
                format!("时间戳与服务器时间相差{}秒,超过允许的6分钟,请校准电脑时间", skew.abs()),
            ),
        ));
    }

    let text = decode_body(req.header("content-type"), &req.body)?;
    let expected = signature(
        &config.api_secret,
        &SignedParams {
            api_key,
            api_version,
            client_serial,
            timestamp,
            body: &text,
        },
    );
    // The platform compares with String.equals: a lower-case signature is a wrong one.
    if sig != expected {
        return Err(worded(
            faults.signature_refusal.as_ref(),
            Answer::field(Code::BadData, "signature", "签名校验失败"),
        ));
    }

    let trimmed = text.trim();
    let json_text = if trimmed.is_empty() && endpoint.is_dictionary() {
        "{}"
    } else {
        trimmed
    };
    match serde_json::from_str::<Value>(json_text) {
        Ok(Value::Object(body)) => Ok(body),
        _ => Err(Answer::fail(Code::Missing, "JSON转换失败,请检查参数格式是否正确")),
    }
}

/// Decodes the body with the charset the Content-Type names, and as UTF-8 when it names
/// none. A bare servlet container would take ISO-8859-1 there, but the live platform does not:
/// production clients sent Chinese names with a bare `application/json` for months and were
/// taken (NOTES.md, Transport). A charset that is named is honoured, so UTF-8 bytes declared
/// ISO-8859-1, or GBK bytes declared as nothing, still fail the signature.
pub fn decode_body(content_type: Option<&str>, body: &[u8]) -> Result<String, Answer> {
    let charset = content_type
        .into_iter()
        .flat_map(|ct| ct.split(';').skip(1))
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase());
    match charset.as_deref() {
        Some("iso-8859-1" | "iso8859-1" | "iso_8859_1" | "latin1") => Ok(body.iter().map(|&b| char::from(b)).collect()),
        // Java replaces malformed input with U+FFFD; so does from_utf8_lossy.
        None | Some("utf-8" | "utf8") => Ok(String::from_utf8_lossy(body).into_owned()),
        Some(other) => Err(Answer::field(
            Code::BadData,
            "Content-Type",
            format!("不支持的字符集{other}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_rules() {
        let zh = "张三".as_bytes();
        assert_eq!(
            decode_body(Some("application/json;charset=UTF-8"), zh).as_deref(),
            Ok("张三")
        );
        assert_eq!(
            decode_body(Some("application/json; Charset=\"utf-8\""), zh).as_deref(),
            Ok("张三")
        );
        let latin: String = zh.iter().map(|&b| char::from(b)).collect();
        assert_eq!(decode_body(Some("application/json;charset=ISO-8859-1"), zh), Ok(latin));
        // No charset named: UTF-8, as the live platform reads it (NOTES.md, Transport).
        assert_eq!(decode_body(Some("application/json"), zh).as_deref(), Ok("张三"));
        assert_eq!(decode_body(None, zh).as_deref(), Ok("张三"));
        assert_eq!(
            decode_body(Some("application/json;charset=GBK"), zh).map_err(|a| a.code),
            Err(Code::BadData)
        );
    }
}
