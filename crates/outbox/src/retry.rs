//! What to do after an attempt: a pure function of the outcome, the attempt count and a
//! jitter value, so every branch can be tested without a clock or a network.

use api::{ApiError, ErrorClass};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    /// 48 on an upload: the platform already has it.
    AlreadyDone,
    /// Network, timeout, 5xx, garbage, clock: will likely pass later.
    Transient,
    /// The data must change before it can pass.
    Permanent,
    /// The connection settings were refused (26, or words about the key, secret, serial or
    /// project): every item would fail the same way.
    SettingsRefused,
}

impl Outcome {
    pub fn of(err: &ApiError) -> Outcome {
        if err.names_settings() && !err.is_clock_skew() {
            return Outcome::SettingsRefused;
        }
        match err.class() {
            ErrorClass::Transient => Outcome::Transient,
            ErrorClass::Permanent => Outcome::Permanent,
            ErrorClass::AlreadyDone => Outcome::AlreadyDone,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Done,
    RetryAfterSecs(u64),
    /// No more attempts until a person edits the record or presses 重试.
    NeedsFix,
    /// Stop the whole queue until the settings change.
    PauseQueue,
}

/// Exponential backoff: `base_secs · 2^(attempt-1)`, capped at `cap_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base_secs: u64,
    pub cap_secs: u64,
}

impl Default for Backoff {
    /// 5 s, 10 s, 20 s … up to 10 minutes: a site's outage is minutes to hours, and a
    /// record should go out soon after the line comes back.
    fn default() -> Self {
        Backoff {
            base_secs: 5,
            cap_secs: 600,
        }
    }
}

impl Backoff {
    /// The delay after `attempts` failed attempts (1 = the first failure). `jitter` in [0, 1)
    /// spreads stations that failed together ("equal jitter": between half and all of the step).
    pub fn delay_secs(&self, attempts: u32, jitter: f64) -> u64 {
        let exp = attempts.saturating_sub(1).min(32);
        let step = self.base_secs.saturating_mul(1u64 << exp).min(self.cap_secs).max(1);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let half = step / 2;
        (half + ((step - half) as f64 * jitter).round() as u64).clamp(half.max(1), step)
    }
}

/// The decision after attempt number `attempts` ended in `outcome`.
pub fn decide(outcome: Outcome, attempts: u32, jitter: f64, backoff: &Backoff) -> Decision {
    match outcome {
        Outcome::Accepted | Outcome::AlreadyDone => Decision::Done,
        Outcome::Transient => Decision::RetryAfterSecs(backoff.delay_secs(attempts, jitter)),
        Outcome::Permanent => Decision::NeedsFix,
        Outcome::SettingsRefused => Decision::PauseQueue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JITTERS: [f64; 7] = [0.0, 0.001, 0.25, 0.5, 0.75, 0.999, 1.0];

    #[test]
    fn every_outcome_every_attempt() {
        let b = Backoff::default();
        for attempts in 0..=200u32 {
            for j in JITTERS {
                assert_eq!(decide(Outcome::Accepted, attempts, j, &b), Decision::Done);
                assert_eq!(decide(Outcome::AlreadyDone, attempts, j, &b), Decision::Done);
                assert_eq!(decide(Outcome::Permanent, attempts, j, &b), Decision::NeedsFix);
                assert_eq!(decide(Outcome::SettingsRefused, attempts, j, &b), Decision::PauseQueue);
                match decide(Outcome::Transient, attempts, j, &b) {
                    Decision::RetryAfterSecs(s) => {
                        let step = (5u64.saturating_mul(1 << attempts.saturating_sub(1).min(32))).min(600);
                        assert!(
                            s >= step / 2 && s <= step,
                            "attempt {attempts} jitter {j}: {s} not in [{}, {step}]",
                            step / 2
                        );
                        assert!((2..=600).contains(&s));
                    }
                    other => panic!("transient gave {other:?}"),
                }
            }
        }
    }

    #[test]
    fn grows_then_caps() {
        let b = Backoff::default();
        let full: Vec<u64> = (1..=10).map(|a| b.delay_secs(a, 1.0)).collect();
        assert_eq!(full, vec![5, 10, 20, 40, 80, 160, 320, 600, 600, 600]);
        let least: Vec<u64> = (1..=4).map(|a| b.delay_secs(a, 0.0)).collect();
        assert_eq!(least, vec![2, 5, 10, 20]);
        for j in JITTERS {
            let mut last = 0;
            for a in 1..100 {
                let d = b.delay_secs(a, j);
                assert!(d >= last, "not monotonic at {a}");
                last = d;
            }
        }
    }

    #[test]
    fn odd_jitter_and_tiny_settings_stay_sane() {
        let b = Backoff {
            base_secs: 0,
            cap_secs: 0,
        };
        assert_eq!(b.delay_secs(1, 0.5), 1);
        let b = Backoff::default();
        assert_eq!(b.delay_secs(3, f64::NAN), 10);
        assert_eq!(b.delay_secs(3, -4.0), 10);
        assert_eq!(b.delay_secs(3, 9.0), 20);
        assert_eq!(b.delay_secs(u32::MAX, 0.5), 450);
    }

    #[test]
    fn outcome_of_errors() {
        use api::{Endpoint, NetworkKind};
        let p = |code: &str, endpoint| {
            ApiError::Platform(Box::new(api::error::PlatformRefusal {
                endpoint,
                status: 200,
                code: code.into(),
                message: String::new(),
                detail_message: String::new(),
                result_data: serde_json::Value::Null,
                raw_body: String::new(),
                clock_skew_secs: None,
            }))
        };
        assert_eq!(
            Outcome::of(&p("26", Endpoint::RegisterEmployee)),
            Outcome::SettingsRefused
        );
        assert_eq!(Outcome::of(&p("41", Endpoint::RegisterEmployee)), Outcome::Permanent);
        let mut signature = p("41", Endpoint::AddCompany);
        if let ApiError::Platform(r) = &mut signature {
            r.detail_message = "签名校验失败(signature)".into();
        }
        assert_eq!(Outcome::of(&signature), Outcome::SettingsRefused);
        let proxy_page = ApiError::Http {
            status: 407,
            body: "<html>Proxy Authentication Required</html>".into(),
        };
        assert_eq!(Outcome::of(&proxy_page), Outcome::Transient);
        assert_eq!(Outcome::of(&p("48", Endpoint::UploadPassedLog)), Outcome::AlreadyDone);
        assert_eq!(
            Outcome::of(&ApiError::Network {
                kind: NetworkKind::Connect,
                detail: String::new()
            }),
            Outcome::Transient
        );
    }
}
