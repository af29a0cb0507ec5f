//! The HTTP transport: one signed POST per call, the exact bytes that were signed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::clock::PlatformClock;
use super::endpoints::{Endpoint, ProtocolTable};
use super::envelope::Envelope;
use super::error::{ApiError, NetworkKind};
use super::sign::{SignedParams, beijing_timestamp, percent_encode, signature};
use super::types::{
    AddCompany, DictEntry, LeaveFailure, ProjectRemoveCompany, RegisterAnswer, RegisterEmployee, UploadPassedLog,
    UserLeaveProject, parse_dict_list, parse_leave_failures,
};

/// The platform's secret. Never printed: `Debug` and `Display` show stars.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "Secret(<empty>)"
        } else {
            "Secret(***)"
        })
    }
}

/// Who we are to the platform, and where it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// e.g. `http://139.159.225.45:7040` (test) or `http://ticwrapi.thit.com.cn` (production).
    pub base_url: String,
    pub api_key: String,
    pub api_secret: Secret,
    /// "PL" + 32 hex, issued with the key.
    pub client_serial: String,
}

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect_secs: u64,
    /// Whole call; RegisterEmployee bodies carry four photos (several hundred KB).
    pub call_secs: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect_secs: 10,
            call_secs: 60,
        }
    }
}

/// A whole answer, whatever its code.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub envelope: Envelope,
    pub raw_body: String,
}

pub struct PlatformClient {
    http: reqwest::blocking::Client,
    credentials: Credentials,
    protocol: ProtocolTable,
    clock: Arc<PlatformClock>,
}

impl std::fmt::Debug for PlatformClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformClient")
            .field("credentials", &self.credentials)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl PlatformClient {
    pub fn new(
        credentials: Credentials,
        protocol: ProtocolTable,
        clock: Arc<PlatformClock>,
        timeouts: Timeouts,
    ) -> Result<PlatformClient, ApiError> {
        let http = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(timeouts.connect_secs))
            .timeout(Duration::from_secs(timeouts.call_secs))
            .user_agent(concat!("cwr-station/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::Invalid(format!("无法创建网络连接：{e}")))?;
        Ok(PlatformClient {
            http,
            credentials,
            protocol,
            clock,
        })
    }

    pub fn clock(&self) -> &Arc<PlatformClock> {
        &self.clock
    }

    pub fn protocol(&self) -> &ProtocolTable {
        &self.protocol
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Sends `body` (JSON text, sent byte for byte as signed) and returns the answer when
    /// the platform said `00`. Any other code is an [`ApiError::Platform`].
    pub fn send(&self, endpoint: Endpoint, body: &str) -> Result<Answer, ApiError> {
        let answer = self.send_any(endpoint, body)?;
        if answer.envelope.is_success() {
            Ok(answer)
        } else {
            Err(ApiError::from_envelope(
                endpoint,
                answer.status,
                answer.envelope,
                answer.raw_body,
            ))
        }
    }

    /// Like [`send`](Self::send) but returns any platform answer as `Ok`; `Err` only when
    /// no platform answer came. A refusal for the timestamp is retried once with the clock
    /// corrected from that very answer.
    pub fn send_any(&self, endpoint: Endpoint, body: &str) -> Result<Answer, ApiError> {
        let answer = self.attempt(endpoint, body)?;
        if !answer.envelope.is_success() {
            let err = ApiError::from_envelope(endpoint, answer.status, answer.envelope.clone(), String::new());
            if err.is_clock_skew() {
                tracing::warn!(%endpoint, offset_secs = ?self.clock.offset_secs(), "timestamp refused; retrying with corrected clock");
                return self.attempt(endpoint, body);
            }
        }
        Ok(answer)
    }

    /// Serialises `body` once and sends those bytes.
    pub fn send_json<T: Serialize>(&self, endpoint: Endpoint, body: &T) -> Result<Answer, ApiError> {
        let text = serde_json::to_string(body).map_err(|e| ApiError::Invalid(format!("无法生成请求：{e}")))?;
        self.send(endpoint, &text)
    }

    fn url(&self, endpoint: Endpoint, timestamp: &str, body: &str) -> String {
        let version = self.protocol.version(endpoint);
        let c = &self.credentials;
        let sig = signature(
            c.api_secret.expose(),
            &SignedParams {
                api_key: &c.api_key,
                api_version: version,
                client_serial: &c.client_serial,
                timestamp,
                body,
            },
        );
        format!(
            "{}{}?api_key={}&api_version={}&client_serial={}&timestamp={}&signature={}",
            c.base_url.trim_end_matches('/'),
            self.protocol.path(endpoint),
            percent_encode(&c.api_key),
            percent_encode(version),
            percent_encode(&c.client_serial),
            percent_encode(timestamp),
            sig,
        )
    }

    fn attempt(&self, endpoint: Endpoint, body: &str) -> Result<Answer, ApiError> {
        let body = if body.trim().is_empty() { "{}" } else { body };
        let timestamp = beijing_timestamp(self.clock.platform_now());
        let url = self.url(endpoint, &timestamp, body);
        let started = Instant::now();
        let response = self
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json;charset=UTF-8")
            .body(body.as_bytes().to_vec())
            .send()
            .map_err(network_error)?;
        let status = response.status().as_u16();
        if let Some(date) = response
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
        {
            self.clock.observe_date_header(date, self.clock.local_now());
        }
        let raw_body = response.text().map_err(network_error)?;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let envelope = Envelope::parse(&raw_body);
        tracing::info!(%endpoint, status, code = envelope.as_ref().map(|e| e.code.as_str()), elapsed_ms, body_bytes = body.len(), "platform call");
        match envelope {
            Some(envelope) => Ok(Answer {
                status,
                envelope,
                raw_body,
            }),
            None if (200..300).contains(&status) => Err(ApiError::NotJson {
                status,
                body: truncate(raw_body),
            }),
            None => Err(ApiError::Http {
                status,
                body: truncate(raw_body),
            }),
        }
    }

    pub fn fetch_dictionary(&self, endpoint: Endpoint) -> Result<Vec<DictEntry>, ApiError> {
        let answer = self.send(endpoint, "{}")?;
        parse_dict_list(&answer.envelope).ok_or(ApiError::NotJson {
            status: answer.status,
            body: truncate(answer.raw_body),
        })
    }

    pub fn register_employee(&self, worker: &RegisterEmployee) -> Result<RegisterAnswer, ApiError> {
        let body = worker.to_body(&self.protocol.register_fields);
        let answer = self.send_json(Endpoint::RegisterEmployee, &body)?;
        Ok(answer
            .envelope
            .data_object()
            .and_then(|m| serde_json::from_value(serde_json::Value::Object(m)).ok())
            .unwrap_or_default())
    }

    pub fn upload_passed_log(&self, logs: &UploadPassedLog) -> Result<(), ApiError> {
        self.send_json(Endpoint::UploadPassedLog, logs).map(|_| ())
    }

    /// `Ok(failures)`: empty when all left; the refused ones on a partial answer (code 10).
    pub fn leave_project(&self, leave: &UserLeaveProject) -> Result<Vec<LeaveFailure>, ApiError> {
        let text = serde_json::to_string(leave).map_err(|e| ApiError::Invalid(e.to_string()))?;
        let answer = self.send_any(Endpoint::UserLeaveProject, &text)?;
        match answer.envelope.code.as_str() {
            super::envelope::CODE_SUCCESS => Ok(Vec::new()),
            super::envelope::CODE_PARTIAL => Ok(parse_leave_failures(&answer.envelope)),
            _ => Err(ApiError::from_envelope(
                Endpoint::UserLeaveProject,
                answer.status,
                answer.envelope,
                answer.raw_body,
            )),
        }
    }

    pub fn add_company(&self, company: &AddCompany) -> Result<(), ApiError> {
        self.send_json(Endpoint::AddCompany, company).map(|_| ())
    }

    pub fn remove_company(&self, company: &ProjectRemoveCompany) -> Result<(), ApiError> {
        self.send_json(Endpoint::ProjectRemoveCompany, company).map(|_| ())
    }
}

fn network_error(e: reqwest::Error) -> ApiError {
    let kind = if e.is_timeout() {
        NetworkKind::Timeout
    } else if e.is_connect() {
        NetworkKind::Connect
    } else {
        NetworkKind::Interrupted
    };
    // reqwest's text includes the URL; drop it (it carries the signature, never the secret,
    // but the clerk has no use for it).
    ApiError::Network {
        kind,
        detail: e.without_url().to_string(),
    }
}

/// Keeps error bodies readable in logs and the queue screen.
fn truncate(mut text: String) -> String {
    const MAX: usize = 2_000;
    if text.len() > MAX {
        let mut cut = MAX;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_shows() {
        let c = Credentials {
            base_url: "http://x".into(),
            api_key: "K".into(),
            api_secret: Secret::new("s3cr3t-value"),
            client_serial: "PL1".into(),
        };
        let text = format!("{c:?}");
        assert!(!text.contains("s3cr3t-value"), "{text}");
        assert!(text.contains("***"));
    }

    #[test]
    fn url_is_signed_and_encoded() {
        let clock = Arc::new(PlatformClock::new(super::super::clock::system_time()));
        let client = PlatformClient::new(
            Credentials {
                base_url: "http://h:1/".into(),
                api_key: "test".into(),
                api_secret: Secret::new("test"),
                client_serial: "facedevice_0613".into(),
            },
            ProtocolTable::default(),
            clock,
            Timeouts::default(),
        )
        .expect("client");
        let url = client.url(Endpoint::UserLeaveProject, "2016-06-10 09:05:03", "{}");
        assert!(
            url.starts_with("http://h:1/CWRService/userLeaveProject?api_key=test&api_version=1.0&"),
            "{url}"
        );
        assert!(url.contains("timestamp=2016-06-10%2009%3A05%3A03"));
        assert!(url.ends_with("signature=9094DF85B12E4FAB429F0BFEF7CB2F37"), "{url}");
        assert!(!url.contains("secret"));
    }
}
