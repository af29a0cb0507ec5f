//! Requests built the way the live platform's Java clients built them, with nothing of our
//! own client: the path, version, headers and body bytes are written here, the timestamp is
//! formatted here and the signature is the document's rule computed here. What the simulator
//! takes from these it must take because the platform took it, not because it shares an
//! assumption with our client.

use chrono::{FixedOffset, Utc};
use md5::{Digest, Md5};

use super::{Reply, exchange};
use crate::{DEMO_API_KEY, DEMO_API_SECRET, DEMO_CLIENT_SERIAL};

/// What `HttpURLConnection` adds by itself.
const JAVA_HEADERS: &str = "User-Agent: Java/1.8.0_201\r\nAccept: text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2\r\nConnection: keep-alive\r\n";

/// `new SimpleDateFormat("yyyy-MM-dd HH:mm:ss")` in Asia/Shanghai.
pub fn java_timestamp() -> String {
    let beijing = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("UTC+8 is in range"));
    Utc::now()
        .with_timezone(&beijing)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The document's rule, as one string: secret, the four parameters and the body in name
/// order, secret again; MD5 of its UTF-8 bytes in upper-case hex.
pub fn java_signature(version: &str, timestamp: &str, signed_body: &str) -> String {
    let text = format!(
        "{DEMO_API_SECRET}api_key{DEMO_API_KEY}api_version{version}body{signed_body}client_serial{DEMO_CLIENT_SERIAL}timestamp{timestamp}{DEMO_API_SECRET}"
    );
    Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// A POST to `/CWRService/{endpoint}` with api_version `version`. `signed_body` is the string
/// the Java code signed; `body` the bytes it wrote, which differ from its UTF-8 only when the
/// client wrote another encoding.
pub fn java_post(
    h: &crate::SimHandle,
    endpoint: &str,
    version: &str,
    content_type: Option<&str>,
    signed_body: &str,
    body: &[u8],
) -> Reply {
    let timestamp = java_timestamp();
    let sig = java_signature(version, &timestamp, signed_body);
    // URLEncoder.encode: the space as `+`, the colons as %3A.
    let ts = timestamp.replace(' ', "+").replace(':', "%3A");
    let path = format!(
        "/CWRService/{endpoint}?api_key={DEMO_API_KEY}&api_version={version}&client_serial={DEMO_CLIENT_SERIAL}&timestamp={ts}&signature={sig}"
    );
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\n{JAVA_HEADERS}Content-Length: {}\r\n",
        body.len()
    );
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str("\r\n");
    let mut raw = head.into_bytes();
    raw.extend_from_slice(body);
    exchange(h, &raw).expect("answered")
}

/// A UTF-8 JSON body, signed as sent.
pub fn java_json(h: &crate::SimHandle, endpoint: &str, version: &str, content_type: Option<&str>, body: &str) -> Reply {
    java_post(h, endpoint, version, content_type, body, body.as_bytes())
}
