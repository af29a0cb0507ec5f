//! Which fault, if any, hits the next platform request, and the ranges fault settings
//! must stay within.

use std::fmt::Display;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{FaultKind, Faults, Refusal};

/// Ten minutes: longer than any client's call timeout, short enough that a connection thread
/// asleep in it comes back.
pub const MAX_LATENCY_MS: u64 = 10 * 60 * 1000;
/// 4 GB: larger than any answer a client should accept, still streamed in finite time.
pub const MAX_HUGE_ANSWER_MB: u64 = 4096;
/// About 100 years either way: a PC clock reset to 2000 is well inside; dates stay printable.
pub const MAX_CLOCK_OFFSET_SECS: i64 = 100 * 36525 * 24 * 36;
/// Queued faults at once.
pub const MAX_QUEUE: usize = 10_000;
const MAX_REFUSAL_CODE_CHARS: usize = 16;
const MAX_REFUSAL_MESSAGE_CHARS: usize = 1000;
const MAX_URL_CHARS: usize = 2000;
/// Versions are `1.0` and `1.1`; room for whatever an instance may invent.
const MAX_VERSION_CHARS: usize = 16;

/// Settings from a control request's JSON body. serde names the field only for some errors
/// (not for a number out of its type's range): the one at fault is found by trying each.
pub fn parse_naming_the_field<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, String> {
    let redo = "请按 GET 同一地址得到的格式改好后再发";
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("{what}不是可读的 JSON（{e}）；{redo}"))?;
    let Value::Object(fields) = &value else {
        return Err(format!("{what}应是一个 JSON 对象 {{…}}；{redo}"));
    };
    serde_json::from_value::<T>(value.clone()).map_err(|e| {
        let culprit = fields.iter().find(|(name, field)| {
            let alone = Map::from_iter([((*name).clone(), (*field).clone())]);
            serde_json::from_value::<T>(Value::Object(alone)).is_err()
        });
        match culprit {
            Some((name, _)) => format!("{what}里的 {name} 不对（{e}）；{redo}"),
            None => format!("{what}不对（{e}）；{redo}"),
        }
    })
}

fn out_of_range(name: &str, got: impl Display, allowed: &str) -> String {
    format!("{name} 是 {got}，超出允许的范围（{allowed}）；请改用范围内的值")
}

impl Faults {
    /// Every value within its range, so that no setting can make the simulator panic, hang
    /// a connection for good, or write a header it did not mean to. The message names the
    /// setting, what it was and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        for (name, pct) in [
            ("http_500_pct", self.http_500_pct),
            ("close_pct", self.close_pct),
            ("lose_answer_pct", self.lose_answer_pct),
            ("non_json_pct", self.non_json_pct),
        ] {
            if pct > 100 {
                return Err(out_of_range(name, pct, "0 到 100"));
            }
        }
        let sum: u32 = [
            self.http_500_pct,
            self.close_pct,
            self.lose_answer_pct,
            self.non_json_pct,
        ]
        .iter()
        .map(|p| u32::from(*p))
        .sum();
        if sum > 100 {
            return Err(format!(
                "四个故障百分比（http_500_pct、close_pct、lose_answer_pct、non_json_pct）加起来是 {sum}，超过 100；请调小其中几个"
            ));
        }
        if self.latency_ms > MAX_LATENCY_MS {
            return Err(out_of_range(
                "latency_ms",
                self.latency_ms,
                &format!("0 到 {MAX_LATENCY_MS} 毫秒，即 10 分钟"),
            ));
        }
        if self.huge_answer_mb > MAX_HUGE_ANSWER_MB {
            return Err(out_of_range(
                "huge_answer_mb",
                self.huge_answer_mb,
                &format!("0 到 {MAX_HUGE_ANSWER_MB} MB，0 按 1 MB 算"),
            ));
        }
        if self.clock_offset_secs.unsigned_abs() > MAX_CLOCK_OFFSET_SECS.unsigned_abs() {
            return Err(out_of_range(
                "clock_offset_secs",
                self.clock_offset_secs,
                &format!("-{MAX_CLOCK_OFFSET_SECS} 到 {MAX_CLOCK_OFFSET_SECS} 秒，约正负 100 年"),
            ));
        }
        if self.queue.len() > MAX_QUEUE {
            return Err(out_of_range(
                "queue 的长度",
                self.queue.len(),
                &format!("最多 {MAX_QUEUE} 个"),
            ));
        }
        for (name, refusal) in [
            ("clock_refusal", &self.clock_refusal),
            ("signature_refusal", &self.signature_refusal),
        ] {
            if let Some(refusal) = refusal {
                check_refusal(name, refusal)?;
            }
        }
        check_redirect(&self.redirect_to)?;
        for (endpoint, version) in &self.only_version {
            check_version(&format!("only_version.{endpoint}"), version)?;
        }
        if self.queue.contains(&FaultKind::Redirect) && self.redirect_to.trim().is_empty() {
            return Err("queue 里有 redirect，但没有给 redirect_to；请填上要转去的地址（http://…）".into());
        }
        Ok(())
    }
}

fn check_refusal(name: &str, refusal: &Refusal) -> Result<(), String> {
    let code_chars = refusal.code.chars().count();
    if code_chars == 0 || code_chars > MAX_REFUSAL_CODE_CHARS {
        return Err(out_of_range(
            &format!("{name}.code 的长度"),
            code_chars,
            &format!("1 到 {MAX_REFUSAL_CODE_CHARS} 个字符"),
        ));
    }
    let message_chars = refusal.message.chars().count();
    if message_chars > MAX_REFUSAL_MESSAGE_CHARS {
        return Err(out_of_range(
            &format!("{name}.message 的长度"),
            message_chars,
            &format!("最多 {MAX_REFUSAL_MESSAGE_CHARS} 个字符"),
        ));
    }
    Ok(())
}

/// The version is compared with a query parameter, never written anywhere; it only has to be
/// something a client could send.
fn check_version(name: &str, version: &str) -> Result<(), String> {
    let chars = version.chars().count();
    if chars == 0 || chars > MAX_VERSION_CHARS || version.trim() != version {
        return Err(out_of_range(
            &format!("{name} 的长度"),
            chars,
            &format!("1 到 {MAX_VERSION_CHARS} 个字符，前后不带空格，例如 1.1"),
        ));
    }
    if version.chars().any(char::is_control) {
        return Err(format!("{name} 里有控制字符；请写成 1.0 或 1.1 这样的版本号"));
    }
    Ok(())
}

/// The address goes into a `Location` header as it is: a line break would end the header and
/// start one of the caller's choosing.
fn check_redirect(url: &str) -> Result<(), String> {
    if url.is_empty() {
        return Ok(());
    }
    let chars = url.chars().count();
    if chars > MAX_URL_CHARS {
        return Err(out_of_range(
            "redirect_to 的长度",
            chars,
            &format!("最多 {MAX_URL_CHARS} 个字符"),
        ));
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err("redirect_to 要以 http:// 或 https:// 开头；请填完整的地址".into());
    }
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("redirect_to 里有空格、换行或控制字符；网址里的空格请写成 %20".into());
    }
    Ok(())
}

/// The current fault settings and the random source they are drawn from.
pub struct FaultDice {
    faults: Faults,
    rng: fastrand::Rng,
}

impl FaultDice {
    /// A seed makes the sequence of draws repeatable from the moment the faults are set.
    pub fn new(faults: Faults) -> FaultDice {
        let rng = faults.seed.map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
        FaultDice { faults, rng }
    }

    /// The settings as they stand, the queue less what has been used.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    pub fn latency_ms(&self) -> u64 {
        self.faults.latency_ms
    }

    /// The queue first; otherwise one draw in 0..100 against the cumulative percentages,
    /// so that the four percentages add up the way a reader of the settings expects.
    pub fn next(&mut self) -> Option<FaultKind> {
        if !self.faults.queue.is_empty() {
            return Some(self.faults.queue.remove(0));
        }
        let f = &self.faults;
        let bands = [
            (f.http_500_pct, FaultKind::Http500),
            (f.close_pct, FaultKind::Close),
            (f.lose_answer_pct, FaultKind::LoseAnswer),
            (f.non_json_pct, FaultKind::NonJson),
        ];
        if bands.iter().all(|(pct, _)| *pct == 0) {
            return None;
        }
        let roll = u32::from(self.rng.u8(0..100));
        let mut upper = 0u32;
        for (pct, kind) in bands {
            upper += u32::from(pct);
            if roll < upper {
                return Some(kind);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_range_checked() {
        let refused = [
            Faults {
                clock_offset_secs: 10_000_000_000_000,
                ..Faults::default()
            },
            Faults {
                clock_offset_secs: i64::MIN,
                ..Faults::default()
            },
            Faults {
                latency_ms: u64::MAX,
                ..Faults::default()
            },
            Faults {
                huge_answer_mb: u64::MAX,
                ..Faults::default()
            },
            Faults {
                queue: vec![FaultKind::Close; MAX_QUEUE + 1],
                ..Faults::default()
            },
            Faults {
                redirect_to: "http://127.0.0.1:1/\r\nSet-Cookie: x=1".into(),
                ..Faults::default()
            },
            Faults {
                redirect_to: "ftp://127.0.0.1/".into(),
                ..Faults::default()
            },
            Faults {
                only_version: [(protocol::endpoints::Endpoint::AddCompany, String::new())].into(),
                ..Faults::default()
            },
            Faults {
                signature_refusal: Some(Refusal {
                    code: String::new(),
                    message: "x".into(),
                }),
                ..Faults::default()
            },
        ];
        for faults in refused {
            let why = faults.validate().expect_err("refused");
            assert!(why.contains("请"), "says what to do: {why}");
        }
        let edges = Faults {
            clock_offset_secs: -MAX_CLOCK_OFFSET_SECS,
            latency_ms: MAX_LATENCY_MS,
            huge_answer_mb: MAX_HUGE_ANSWER_MB,
            redirect_to: "http://127.0.0.1:9/elsewhere".into(),
            queue: vec![FaultKind::Redirect],
            ..Faults::default()
        };
        assert_eq!(edges.validate(), Ok(()));
    }

    #[test]
    fn queue_then_percentages() {
        let mut dice = FaultDice::new(Faults {
            queue: vec![FaultKind::Close, FaultKind::NonJson],
            ..Faults::default()
        });
        assert_eq!(dice.next(), Some(FaultKind::Close));
        assert_eq!(dice.next(), Some(FaultKind::NonJson));
        assert_eq!(dice.next(), None);

        let mut always = FaultDice::new(Faults {
            lose_answer_pct: 100,
            ..Faults::default()
        });
        assert!((0..50).all(|_| always.next() == Some(FaultKind::LoseAnswer)));
    }

    #[test]
    fn seeded_draws_repeat() {
        let faults = Faults {
            http_500_pct: 30,
            close_pct: 30,
            seed: Some(7),
            ..Faults::default()
        };
        let draw = |f: &Faults| {
            let mut d = FaultDice::new(f.clone());
            (0..200).map(|_| d.next()).collect::<Vec<_>>()
        };
        let a = draw(&faults);
        assert_eq!(a, draw(&faults));
        let hits = a.iter().filter(|k| k.is_some()).count();
        assert!((80..=160).contains(&hits), "{hits} of 200 at 60%");
        assert!(a.contains(&Some(FaultKind::Http500)) && a.contains(&Some(FaultKind::Close)));
        assert!(!a.contains(&Some(FaultKind::NonJson)));
    }
}
