//! The HTTP transport: one signed POST per call, the exact bytes that were signed.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;

use protocol::call::{Answer, Credentials, LeaveOutcome, MAX_ANSWER_BYTES, Timeouts, match_leave_failures, truncate};
use protocol::clock::PlatformClock;
use protocol::endpoints::{Endpoint, ProtocolTable, other_version};
use protocol::envelope::Envelope;
use protocol::error::{ApiError, NetworkKind};
use protocol::sign::{SignedParams, beijing_timestamp, percent_encode, signature};
use protocol::types::{
    AddCompany, DictEntry, ProjectRemoveCompany, RegisterAnswer, RegisterEmployee, UploadPassedLog, UserLeaveProject,
    parse_dict_list,
};

/// Same-origin hops a dictionary call may follow (a read carries no worker's data).
const MAX_DICTIONARY_REDIRECTS: usize = 3;

pub struct PlatformClient {
    /// For writes: follows no redirect, so a worker's data never goes to another address.
    http: reqwest::blocking::Client,
    /// For dictionaries: may follow a redirect within the same origin.
    http_dictionary: reqwest::blocking::Client,
    credentials: Credentials,
    protocol: ProtocolTable,
    clock: Arc<PlatformClock>,
    /// What this platform took when the table's version was refused, per endpoint.
    learnt_versions: Mutex<LearntVersions>,
}

#[derive(Debug, Default)]
struct LearntVersions {
    taken: BTreeMap<Endpoint, String>,
    /// Learnt since the last [`PlatformClient::take_newly_learnt`]: for the caller to keep.
    unsaved: BTreeMap<Endpoint, String>,
}

impl std::fmt::Debug for PlatformClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformClient")
            .field("credentials", &self.credentials)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

/// rustls's crypto for every HTTPS connection in the process: ring (see Cargo.toml). Installed
/// once; a provider already installed (by a test, or an earlier client) is kept.
pub fn tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn same_origin(a: &reqwest::Url, b: &reqwest::Url) -> bool {
    a.scheme() == b.scheme() && a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}

impl PlatformClient {
    pub fn new(
        credentials: Credentials,
        protocol: ProtocolTable,
        clock: Arc<PlatformClock>,
        timeouts: Timeouts,
    ) -> Result<PlatformClient, ApiError> {
        tls_provider();
        let builder = || {
            reqwest::blocking::Client::builder()
                .connect_timeout(Duration::from_secs(timeouts.connect_secs))
                .timeout(Duration::from_secs(timeouts.call_secs))
                .user_agent(concat!("cwr-station/", env!("CARGO_PKG_VERSION")))
        };
        let dictionary_policy = reqwest::redirect::Policy::custom(|attempt| {
            let first = attempt.previous().first().cloned();
            match first {
                Some(first)
                    if attempt.previous().len() <= MAX_DICTIONARY_REDIRECTS && same_origin(&first, attempt.url()) =>
                {
                    attempt.follow()
                }
                _ => attempt.stop(),
            }
        });
        let failed = |e: reqwest::Error| ApiError::Invalid(format!("无法创建网络连接：{e}"));
        let http = builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(failed)?;
        let http_dictionary = builder().redirect(dictionary_policy).build().map_err(failed)?;
        Ok(PlatformClient {
            http,
            http_dictionary,
            credentials,
            protocol,
            clock,
            learnt_versions: Mutex::default(),
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

    fn learnt(&self) -> std::sync::MutexGuard<'_, LearntVersions> {
        // The map is whole after any panic (single inserts), so a poisoned lock is still good.
        self.learnt_versions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The `api_version` a call to `endpoint` is signed with: the config's override, else
    /// what this platform took before, else the table's default.
    pub fn version(&self, endpoint: Endpoint) -> String {
        if self.protocol.version_is_overridden(endpoint) {
            return self.protocol.version(endpoint).to_string();
        }
        self.learnt()
            .taken
            .get(&endpoint)
            .cloned()
            .unwrap_or_else(|| endpoint.default_version().to_string())
    }

    /// Starts from what this platform took in earlier runs (kept by the caller's store).
    pub fn assume_versions(&self, taken: BTreeMap<Endpoint, String>) {
        self.learnt().taken = taken;
    }

    /// Versions learnt since the last call, for the caller to keep.
    pub fn take_newly_learnt(&self) -> BTreeMap<Endpoint, String> {
        std::mem::take(&mut self.learnt().unsaved)
    }

    /// Sends `body` (JSON text, sent byte for byte as signed) and returns the answer when
    /// the platform said `00`. Any other code is an [`ApiError::Platform`].
    pub fn send(&self, endpoint: Endpoint, body: &str) -> Result<Answer, ApiError> {
        let answer = self.send_any(endpoint, body)?;
        if answer.envelope.is_success() {
            Ok(answer)
        } else {
            Err(answer.into_error(endpoint))
        }
    }

    /// Like [`send`](Self::send) but returns any platform answer as `Ok`; `Err` only when
    /// no platform answer came. A refusal of this PC's clock (judged by the answer's `Date`
    /// header) is sent once more, signed with the clock corrected from that very answer.
    ///
    /// A refusal of the `api_version` is sent once more with the other version (unless the
    /// config fixes the version); when that one is taken, it is used from then on.
    pub fn send_any(&self, endpoint: Endpoint, body: &str) -> Result<Answer, ApiError> {
        let version = self.version(endpoint);
        let answer = self.attempt_clock_corrected(endpoint, body, &version)?;
        if answer.envelope.is_success()
            || self.protocol.version_is_overridden(endpoint)
            || !answer.clone().into_error(endpoint).is_version_refusal()
        {
            return Ok(answer);
        }
        let Some(other) = other_version(&version) else {
            return Ok(answer);
        };
        tracing::warn!(%endpoint, refused = version, trying = other, "api_version refused; sending once more with the other");
        let second = self.attempt_clock_corrected(endpoint, body, other)?;
        if !second.envelope.is_success() && second.clone().into_error(endpoint).is_version_refusal() {
            // Neither version taken: the first refusal is the one the settings speak of.
            return Ok(answer);
        }
        let mut learnt = self.learnt();
        learnt.taken.insert(endpoint, other.to_string());
        learnt.unsaved.insert(endpoint, other.to_string());
        Ok(second)
    }

    fn attempt_clock_corrected(&self, endpoint: Endpoint, body: &str, version: &str) -> Result<Answer, ApiError> {
        let answer = self.attempt(endpoint, body, version)?;
        if !answer.envelope.is_success() && answer.clone().into_error(endpoint).is_clock_skew() {
            tracing::warn!(%endpoint, skew_secs = ?answer.clock_skew_secs, offset_secs = ?self.clock.offset_secs(),
                "clock refused; sending once more with the corrected clock");
            return self.attempt(endpoint, body, version);
        }
        Ok(answer)
    }

    /// Serialises `body` once and sends those bytes.
    pub fn send_json<T: Serialize>(&self, endpoint: Endpoint, body: &T) -> Result<Answer, ApiError> {
        let text = serde_json::to_string(body).map_err(|e| ApiError::Invalid(format!("无法生成请求：{e}")))?;
        self.send(endpoint, &text)
    }

    fn url(&self, endpoint: Endpoint, version: &str, timestamp: &str, body: &str) -> String {
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

    fn attempt(&self, endpoint: Endpoint, body: &str, version: &str) -> Result<Answer, ApiError> {
        let body = if body.trim().is_empty() { "{}" } else { body };
        let signed_at = self.clock.platform_now();
        let timestamp = beijing_timestamp(signed_at);
        let url = self.url(endpoint, version, &timestamp, body);
        let started = Instant::now();
        let http = if endpoint.is_dictionary() {
            &self.http_dictionary
        } else {
            &self.http
        };
        let response = http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json;charset=UTF-8")
            .body(body.as_bytes().to_vec())
            .send()
            .map_err(network_error)?;
        let status = response.status().as_u16();
        let mut clock_skew_secs = None;
        if let Some(date) = response
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
        {
            if let Ok(platform_time) = chrono::DateTime::parse_from_rfc2822(date.trim()) {
                clock_skew_secs = Some(signed_at.timestamp() - platform_time.timestamp());
            }
            self.clock.observe_date_header(date, self.clock.local_now());
        }
        if response.status().is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(origin_of)
                .unwrap_or_default();
            tracing::warn!(%endpoint, status, location, "redirect not followed");
            return Err(ApiError::Redirect { status, location });
        }
        let raw_body = read_capped(response, MAX_ANSWER_BYTES)?;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let envelope = Envelope::parse(&raw_body);
        tracing::info!(%endpoint, status, code = envelope.as_ref().map(|e| e.code.as_str()), elapsed_ms, body_bytes = body.len(), "platform call");
        match envelope {
            Some(envelope) => Ok(Answer {
                status,
                envelope,
                raw_body,
                clock_skew_secs,
                api_version: version.to_string(),
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
        Ok(RegisterAnswer::from_result_data(&answer.envelope.result_data))
    }

    pub fn upload_passed_log(&self, logs: &UploadPassedLog) -> Result<(), ApiError> {
        self.send_json(Endpoint::UploadPassedLog, logs).map(|_| ())
    }

    /// Any answer but `00` and `10` is an error; a `10` is matched against the batch.
    pub fn leave_project(&self, leave: &UserLeaveProject) -> Result<LeaveOutcome, ApiError> {
        let text = serde_json::to_string(leave).map_err(|e| ApiError::Invalid(e.to_string()))?;
        let answer = self.send_any(Endpoint::UserLeaveProject, &text)?;
        match answer.envelope.code.as_str() {
            protocol::envelope::CODE_SUCCESS => Ok(LeaveOutcome::AllLeft),
            protocol::envelope::CODE_PARTIAL => Ok(match_leave_failures(leave, &answer)),
            _ => Err(answer.into_error(Endpoint::UserLeaveProject)),
        }
    }

    pub fn add_company(&self, company: &AddCompany) -> Result<(), ApiError> {
        self.send_json(Endpoint::AddCompany, company).map(|_| ())
    }

    pub fn remove_company(&self, company: &ProjectRemoveCompany) -> Result<(), ApiError> {
        self.send_json(Endpoint::ProjectRemoveCompany, company).map(|_| ())
    }
}

/// Reads at most `limit` bytes of the answer; more is an error, not a bigger buffer.
fn read_capped(response: reqwest::blocking::Response, limit: usize) -> Result<String, ApiError> {
    use std::io::Read;
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(ApiError::TooLarge { limit_bytes: limit });
    }
    let mut buf = Vec::new();
    response
        .take(limit as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ApiError::Network {
            kind: if e.kind() == std::io::ErrorKind::TimedOut {
                NetworkKind::Timeout
            } else {
                NetworkKind::Interrupted
            },
            detail: e.to_string(),
        })?;
    if buf.len() > limit {
        return Err(ApiError::TooLarge { limit_bytes: limit });
    }
    // The platform speaks UTF-8; a proxy's GBK page only needs to be readable enough.
    Ok(String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// `scheme://host:port` of a redirect target: enough to say where it pointed, without the
/// query (which would carry our signature).
fn origin_of(location: &str) -> String {
    match reqwest::Url::parse(location) {
        Ok(url) => {
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!("{}://{}{port}", url.scheme(), url.host_str().unwrap_or(""))
        }
        Err(_) => location
            .split('?')
            .next()
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::Secret;

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
        let clock = Arc::new(PlatformClock::new(protocol::clock::system_time()));
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
        let url = client.url(Endpoint::UserLeaveProject, "1.0", "2016-06-10 09:05:03", "{}");
        assert!(
            url.starts_with("http://h:1/CWRService/userLeaveProject?api_key=test&api_version=1.0&"),
            "{url}"
        );
        assert!(url.contains("timestamp=2016-06-10%2009%3A05%3A03"));
        assert!(url.ends_with("signature=9094DF85B12E4FAB429F0BFEF7CB2F37"), "{url}");
        assert!(!url.contains("secret"));
    }

    fn leave(ids: &[&str]) -> UserLeaveProject {
        UserLeaveProject {
            project_id: "P".into(),
            list: ids
                .iter()
                .map(|id| crate::types::LeaveItem {
                    id_code: id.to_string(),
                    exit_time: None,
                })
                .collect(),
        }
    }

    fn partial(result_data: &str) -> Answer {
        let text = format!(
            r#"{{"result":"partial error","code":"10","message":"部分失败","detail_message":"1人离场失败","result_data":{result_data}}}"#
        );
        Answer {
            status: 200,
            envelope: Envelope::parse(&text).expect("envelope"),
            raw_body: text,
            clock_skew_secs: None,
            api_version: "1.0".into(),
        }
    }

    #[test]
    fn a_partial_answer_counts_only_when_it_names_workers_of_the_batch() {
        let batch = leave(&["11010519491231002X", "440305199203150027"]);
        let named = partial(r#"{"fail_list":[{"id_code":"11010519491231002x","message":"未找到该人员"}]}"#);
        assert!(matches!(match_leave_failures(&batch, &named), LeaveOutcome::Partial(f) if f.len() == 1));
        for unknown in [
            r#"{"failList":[{"idCode":"11010519491231002X"}]}"#,
            r#"["11010519491231002X"]"#,
            "null",
            r#"{"fail_list":[{"id_code":"110105194912310035","message":"x"}]}"#,
            r#"{"fail_list":[{"id_code":"11010519491231002X"},{"id_code":"110105194912310035"}]}"#,
            r#""部分失败""#,
        ] {
            match match_leave_failures(&batch, &partial(unknown)) {
                LeaveOutcome::Unmatched { words, result_data } => {
                    assert_eq!(words, "部分失败：1人离场失败");
                    assert_eq!(
                        result_data,
                        serde_json::from_str::<serde_json::Value>(unknown)
                            .expect("json")
                            .to_string()
                    );
                }
                other => panic!("{unknown}: {other:?}"),
            }
        }
    }
}
