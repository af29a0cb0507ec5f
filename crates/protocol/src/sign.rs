//! The platform's request signature and timestamp, as pure functions of their inputs.
//!
//! The server (see the spec's `checkSignature`) concatenates the parameters in name order,
//! wraps them in the secret and compares an upper-case MD5. It signs the body *as it decoded
//! it*, so the bytes sent must be exactly the bytes signed: serialise once, sign, send.

use md5::{Digest, Md5};

/// What the body is signed as when there is no body.
pub const EMPTY_BODY: &str = "{}";

/// The five values that go into a signature besides the secret.
#[derive(Debug, Clone, Copy)]
pub struct SignedParams<'a> {
    pub api_key: &'a str,
    pub api_version: &'a str,
    pub client_serial: &'a str,
    pub timestamp: &'a str,
    pub body: &'a str,
}

/// Upper-case hex MD5 over the UTF-8 bytes of
/// `secret api_key{k} api_version{v} body{b} client_serial{s} timestamp{t} secret`.
pub fn signature(secret: &str, p: &SignedParams<'_>) -> String {
    let body = if p.body.is_empty() { EMPTY_BODY } else { p.body };
    let mut md5 = Md5::new();
    for part in [
        secret,
        "api_key",
        p.api_key,
        "api_version",
        p.api_version,
        "body",
        body,
        "client_serial",
        p.client_serial,
        "timestamp",
        p.timestamp,
        secret,
    ] {
        md5.update(part.as_bytes());
    }
    md5.finalize().iter().map(|b| format!("{b:02X}")).collect()
}

/// A short keyed hash (HMAC-MD5, the secret as key) of everything a settings refusal can be
/// about: the address, key, serial, project and secret. It changes when any of them changes,
/// so a record refused under old settings can be told from one refused under the current
/// ones, and it never reveals the secret.
pub fn settings_fingerprint(
    secret: &str,
    base_url: &str,
    api_key: &str,
    client_serial: &str,
    project_id: &str,
) -> String {
    let message = format!(
        "{}\n{}\n{}\n{}",
        base_url.trim().trim_end_matches('/'),
        api_key.trim(),
        client_serial.trim(),
        project_id.trim()
    );
    hmac_md5(secret.as_bytes(), message.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// RFC 2104 HMAC over MD5 (the one hash the platform's protocol already brings along).
fn hmac_md5(key: &[u8], message: &[u8]) -> [u8; 16] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..16].copy_from_slice(&Md5::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Md5::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Md5::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

// Beijing time belongs to the domain; the client signs with the same functions.
pub use domain::time::{TIMESTAMP_FORMAT, beijing_date, beijing_midnight, beijing_timestamp, parse_beijing_timestamp};

/// RFC 3986 percent-encoding of a query value: everything but unreserved characters,
/// so the timestamp's space becomes `%20` (never `+`).
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Inverse of [`percent_encode`]; also takes `+` as a space, as a servlet does.
pub fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};

    fn doc_params(body: &str) -> SignedParams<'_> {
        SignedParams {
            api_key: "test",
            api_version: "1.0",
            client_serial: "facedevice_0613",
            timestamp: "2016-06-10 09:05:03",
            body,
        }
    }

    #[test]
    fn the_documents_own_vector() {
        assert_eq!(
            signature("test", &doc_params("{client_version:1.1.0.0}")),
            "F578727A00F92B007DD1627998850CE3"
        );
    }

    #[test]
    fn empty_body_is_signed_as_braces() {
        assert_eq!(signature("test", &doc_params("{}")), "9094DF85B12E4FAB429F0BFEF7CB2F37");
        assert_eq!(signature("test", &doc_params("")), "9094DF85B12E4FAB429F0BFEF7CB2F37");
    }

    #[test]
    fn chinese_body_is_signed_as_utf8() {
        // Known answer computed independently:
        // printf '%s' 'testapi_keytestapi_version1.0body{"emp_name":"张三"}client_serialfacedevice_0613timestamp2016-06-10 09:05:03test' | md5sum
        assert_eq!(signature("test", &doc_params(r#"{"emp_name":"张三"}"#)), CHINESE_VECTOR);
        // Signing the ISO-8859-1 misreading of the same bytes gives a different answer.
        let latin1: String = r#"{"emp_name":"张三"}"#.as_bytes().iter().map(|&b| b as char).collect();
        assert_ne!(signature("test", &doc_params(&latin1)), CHINESE_VECTOR);
    }
    const CHINESE_VECTOR: &str = "DCF945E66DACB65705C62128BB16FF3C";

    #[test]
    fn timestamp_is_beijing_time_24_hour() {
        let t = Utc.with_ymd_and_hms(2016, 6, 10, 5, 5, 3).single().expect("valid");
        assert_eq!(beijing_timestamp(t), "2016-06-10 13:05:03");
        let t = Utc.with_ymd_and_hms(2016, 6, 10, 20, 0, 0).single().expect("valid");
        assert_eq!(beijing_timestamp(t), "2016-06-11 04:00:00");
        assert_eq!(parse_beijing_timestamp("2016-06-11 04:00:00"), Some(t));
        assert_eq!(parse_beijing_timestamp("2016-06-11 4 pm"), None);
        // 20:00 UTC is already tomorrow in Beijing.
        assert_eq!(beijing_date(t), NaiveDate::from_ymd_opt(2016, 6, 11).expect("valid"));
    }

    #[test]
    fn hmac_md5_known_answers() {
        let hex = |d: [u8; 16]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        // RFC 2104 / RFC 2202 test cases 2 and 6 (a key longer than the block).
        assert_eq!(
            hex(hmac_md5(b"Jefe", b"what do ya want for nothing?")),
            "750c783e6ab0b503eaa86e310a5db738"
        );
        assert_eq!(
            hex(hmac_md5(
                &[0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"
        );
    }

    #[test]
    fn fingerprint_follows_every_setting_and_hides_the_secret() {
        let fp = settings_fingerprint("secret", "http://h:1/", "K", "PL1", "P1");
        assert_eq!(fp.len(), 16);
        assert_eq!(fp, settings_fingerprint("secret", "http://h:1", " K ", "PL1", "P1"));
        for other in [
            settings_fingerprint("secret2", "http://h:1", "K", "PL1", "P1"),
            settings_fingerprint("secret", "http://h:2", "K", "PL1", "P1"),
            settings_fingerprint("secret", "http://h:1", "K2", "PL1", "P1"),
            settings_fingerprint("secret", "http://h:1", "K", "PL2", "P1"),
            settings_fingerprint("secret", "http://h:1", "K", "PL1", "P2"),
        ] {
            assert_ne!(fp, other);
        }
        assert!(!fp.contains("secret"));
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(percent_encode("2016-06-10 09:05:03"), "2016-06-10%2009%3A05%3A03");
        assert_eq!(percent_encode("PL0A~_."), "PL0A~_.");
        assert_eq!(percent_encode("张"), "%E5%BC%A0");
        assert_eq!(percent_decode("2016-06-10%2009%3A05%3A03"), "2016-06-10 09:05:03");
        assert_eq!(percent_decode("a+b%E5%BC%A0"), "a b张");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
