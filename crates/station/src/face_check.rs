//! 人证比对 at enrollment (issue 21): the platform's `match_flag` attests "'Y' 人证匹配, 'N'
//! 不匹配, 3 次采集比对都没通过". This is the rule over the machine's verdicts, kept apart from
//! the screen so every path through it is tested: captures are counted, a 一致 gives Y, three
//! captures without one give N (proposed to the clerk in 建议 mode, set in 自动 mode), and the
//! clerk may overrule either way with a reason. The screen shows the state and sends intents;
//! the station writes the outcome, with every distance, into the record's audit trail.

use serde::{Deserialize, Serialize};

use face::Verdict;

/// Captures before the station gives up on a 一致 (the platform's "3 次采集比对").
pub const MAX_CAPTURES: usize = 3;

/// Who has the last word on `match_flag` (设置 → 人证比对).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaceCheckMode {
    /// 建议: the machine proposes N, the clerk confirms it (a false N keeps a worker off
    /// site; a look costs a second).
    #[default]
    Suggest,
    /// 自动: three captures without 一致 set N with no confirmation, for sites that want it.
    Auto,
}

impl FaceCheckMode {
    pub const ALL: [FaceCheckMode; 2] = [FaceCheckMode::Suggest, FaceCheckMode::Auto];

    pub fn label(self) -> &'static str {
        match self {
            FaceCheckMode::Suggest => "建议（机器建议，办事员确认）",
            FaceCheckMode::Auto => "自动（三次不一致直接判定）",
        }
    }
}

/// The platform's two values of `match_flag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MatchFlag {
    Y,
    N,
}

impl MatchFlag {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchFlag::Y => "Y",
            MatchFlag::N => "N",
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            MatchFlag::Y => "人证一致",
            MatchFlag::N => "人证不一致",
        }
    }
}

/// One capture as the machine judged it: the verdict and the deciding distance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Attempt {
    pub verdict: Verdict,
    pub distance: f32,
}

/// How `match_flag` was reached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Decision {
    /// The machine set it: a 一致 (Y), or three captures without one in 自动 mode (N).
    Machine(MatchFlag),
    /// The clerk confirmed the machine's proposal.
    Confirmed(MatchFlag),
    /// The clerk chose, against or without the machine, and said why.
    Clerk { flag: MatchFlag, reason: String },
}

impl Decision {
    pub fn flag(&self) -> MatchFlag {
        match self {
            Decision::Machine(f) | Decision::Confirmed(f) | Decision::Clerk { flag: f, .. } => *f,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FaceCheckState {
    /// Fewer than [`MAX_CAPTURES`] captures, none 一致.
    Capturing,
    /// 建议 mode: the machine proposes this flag and waits for the clerk.
    Proposed(MatchFlag),
    Decided(Decision),
}

/// Why an intent was refused; the screen shows [`std::fmt::Display`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FaceCheckError {
    #[error("比对已有结论，这张照片不再计入；要重新比对请点“重新比对”")]
    AlreadyDecided,
    #[error("没有待确认的建议")]
    NothingToConfirm,
    #[error("改判需要写明理由（会记入这个人的记录历史）")]
    ReasonRequired,
}

/// The face check of one worker's enrollment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaceCheck {
    mode: FaceCheckMode,
    attempts: Vec<Attempt>,
    state: FaceCheckState,
}

impl FaceCheck {
    pub fn new(mode: FaceCheckMode) -> FaceCheck {
        FaceCheck {
            mode,
            attempts: Vec::new(),
            state: FaceCheckState::Capturing,
        }
    }

    pub fn mode(&self) -> FaceCheckMode {
        self.mode
    }

    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    pub fn state(&self) -> &FaceCheckState {
        &self.state
    }

    /// The value for `match_flag` once decided; `None` while capturing or proposing.
    pub fn match_flag(&self) -> Option<MatchFlag> {
        match &self.state {
            FaceCheckState::Decided(d) => Some(d.flag()),
            _ => None,
        }
    }

    /// Nothing happened yet: no capture, no decision (nothing to record).
    pub fn is_untouched(&self) -> bool {
        self.attempts.is_empty() && self.state == FaceCheckState::Capturing
    }

    /// 拍照 counted: a 一致 decides Y; the third capture without one proposes N (建议) or
    /// decides it (自动). Refused once a proposal or decision stands.
    pub fn capture(&mut self, attempt: Attempt) -> Result<&FaceCheckState, FaceCheckError> {
        if self.state != FaceCheckState::Capturing {
            return Err(FaceCheckError::AlreadyDecided);
        }
        self.attempts.push(attempt);
        if attempt.verdict == Verdict::Match {
            self.state = FaceCheckState::Decided(Decision::Machine(MatchFlag::Y));
        } else if self.attempts.len() >= MAX_CAPTURES {
            self.state = match self.mode {
                FaceCheckMode::Suggest => FaceCheckState::Proposed(MatchFlag::N),
                FaceCheckMode::Auto => FaceCheckState::Decided(Decision::Machine(MatchFlag::N)),
            };
        }
        Ok(&self.state)
    }

    /// The clerk accepts the machine's proposal.
    pub fn confirm(&mut self) -> Result<MatchFlag, FaceCheckError> {
        let FaceCheckState::Proposed(flag) = self.state else {
            return Err(FaceCheckError::NothingToConfirm);
        };
        self.state = FaceCheckState::Decided(Decision::Confirmed(flag));
        Ok(flag)
    }

    /// The clerk decides `flag` whatever the machine said (in any state), with a reason.
    pub fn overrule(&mut self, flag: MatchFlag, reason: &str) -> Result<MatchFlag, FaceCheckError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(FaceCheckError::ReasonRequired);
        }
        self.state = FaceCheckState::Decided(Decision::Clerk {
            flag,
            reason: reason.to_string(),
        });
        Ok(flag)
    }

    /// Starts over (重新比对, or another worker); the mode stays.
    pub fn restart(&mut self) {
        *self = FaceCheck::new(self.mode);
    }

    /// The audit trail's line: the mode, every capture with its verdict and distance, and how
    /// `match_flag` was reached (the clerk's reason included). Stays on this PC.
    pub fn audit_detail(&self) -> String {
        let mode = match self.mode {
            FaceCheckMode::Suggest => "建议模式",
            FaceCheckMode::Auto => "自动模式",
        };
        let attempts = if self.attempts.is_empty() {
            "未拍照比对".to_string()
        } else {
            self.attempts
                .iter()
                .enumerate()
                .map(|(i, a)| format!("第{}次 {} 距离{:.3}", i + 1, a.verdict.text(), a.distance))
                .collect::<Vec<_>>()
                .join("，")
        };
        let outcome = match &self.state {
            FaceCheckState::Capturing => "未得出结论，人证比对由办事员手工选择".to_string(),
            FaceCheckState::Proposed(f) => format!("机器建议 {}，办事员未确认", f.as_str()),
            FaceCheckState::Decided(Decision::Machine(f)) => format!("机器判定 {}", f.as_str()),
            FaceCheckState::Decided(Decision::Confirmed(f)) => format!("机器建议 {}，办事员确认", f.as_str()),
            FaceCheckState::Decided(Decision::Clerk { flag, reason }) => {
                format!("办事员改判为 {}，理由：{reason}", flag.as_str())
            }
        };
        format!("{mode}；{attempts}；{outcome}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERDICTS: [Verdict; 3] = [Verdict::Match, Verdict::Uncertain, Verdict::Different];

    fn attempt(verdict: Verdict) -> Attempt {
        let distance = match verdict {
            Verdict::Match => 0.35,
            Verdict::Uncertain => 0.6,
            Verdict::Different => 0.9,
        };
        Attempt { verdict, distance }
    }

    /// Every sequence of up to four captures in both modes: the state after each capture is
    /// what the rule says, and a capture after a conclusion changes nothing.
    #[test]
    fn every_sequence_of_captures() {
        for mode in FaceCheckMode::ALL {
            for len in 1..=4usize {
                for code in 0..3usize.pow(len as u32) {
                    let seq: Vec<Verdict> = (0..len).map(|i| VERDICTS[(code / 3usize.pow(i as u32)) % 3]).collect();
                    let mut check = FaceCheck::new(mode);
                    let mut concluded_after = None;
                    for (i, v) in seq.iter().enumerate() {
                        let before = check.clone();
                        let result = check.capture(attempt(*v)).cloned();
                        if concluded_after.is_some() {
                            assert_eq!(result, Err(FaceCheckError::AlreadyDecided), "{mode:?} {seq:?}");
                            assert_eq!(check, before, "a refused capture changes nothing");
                            continue;
                        }
                        let state = result.expect("counted");
                        let n = i + 1;
                        let expected = if *v == Verdict::Match {
                            FaceCheckState::Decided(Decision::Machine(MatchFlag::Y))
                        } else if n == MAX_CAPTURES {
                            match mode {
                                FaceCheckMode::Suggest => FaceCheckState::Proposed(MatchFlag::N),
                                FaceCheckMode::Auto => FaceCheckState::Decided(Decision::Machine(MatchFlag::N)),
                            }
                        } else {
                            FaceCheckState::Capturing
                        };
                        assert_eq!(state, expected, "{mode:?} {seq:?} after {n}");
                        assert_eq!(check.attempts().len(), n);
                        if expected != FaceCheckState::Capturing {
                            concluded_after = Some(n);
                        }
                    }
                    // N is never reached before the third capture, and never after a 一致.
                    if check.match_flag() == Some(MatchFlag::N)
                        || check.state() == &FaceCheckState::Proposed(MatchFlag::N)
                    {
                        assert_eq!(check.attempts().len(), MAX_CAPTURES);
                        assert!(check.attempts().iter().all(|a| a.verdict != Verdict::Match));
                    }
                }
            }
        }
    }

    #[test]
    fn suggest_mode_waits_for_the_clerk() {
        let mut check = FaceCheck::new(FaceCheckMode::Suggest);
        assert_eq!(check.confirm(), Err(FaceCheckError::NothingToConfirm));
        for v in [Verdict::Uncertain, Verdict::Different, Verdict::Uncertain] {
            check.capture(attempt(v)).expect("counted");
        }
        assert_eq!(check.match_flag(), None, "proposed, not decided");
        assert_eq!(check.confirm(), Ok(MatchFlag::N));
        assert_eq!(check.match_flag(), Some(MatchFlag::N));
        assert_eq!(check.confirm(), Err(FaceCheckError::NothingToConfirm));
        let line = check.audit_detail();
        assert!(line.contains("第3次 不确定 距离0.600"), "{line}");
        assert!(line.contains("机器建议 N，办事员确认"), "{line}");
    }

    #[test]
    fn an_overrule_needs_a_reason_in_every_state() {
        let states: [&[Verdict]; 4] = [
            &[],
            &[Verdict::Uncertain],
            &[Verdict::Different, Verdict::Different, Verdict::Different],
            &[Verdict::Match],
        ];
        for mode in FaceCheckMode::ALL {
            for seq in states {
                for flag in [MatchFlag::Y, MatchFlag::N] {
                    let mut check = FaceCheck::new(mode);
                    for v in seq {
                        check.capture(attempt(*v)).expect("counted");
                    }
                    let before = check.clone();
                    assert_eq!(check.overrule(flag, "  "), Err(FaceCheckError::ReasonRequired));
                    assert_eq!(check, before, "a refused overrule changes nothing");
                    assert_eq!(check.overrule(flag, " 证件照是二十年前拍的 "), Ok(flag));
                    assert_eq!(check.match_flag(), Some(flag));
                    assert_eq!(check.attempts().len(), seq.len(), "the captures stay on record");
                    let line = check.audit_detail();
                    assert!(
                        line.contains(&format!("办事员改判为 {}，理由：证件照是二十年前拍的", flag.as_str())),
                        "{line}"
                    );
                }
            }
        }
    }

    #[test]
    fn restart_keeps_the_mode_only() {
        let mut check = FaceCheck::new(FaceCheckMode::Auto);
        check.capture(attempt(Verdict::Match)).expect("counted");
        check.restart();
        assert!(check.is_untouched());
        assert_eq!(check.mode(), FaceCheckMode::Auto);
        assert_eq!(
            check.audit_detail(),
            "自动模式；未拍照比对；未得出结论，人证比对由办事员手工选择"
        );
    }

    #[test]
    fn mode_is_remembered_by_name_and_defaults_to_suggest() {
        assert_eq!(FaceCheckMode::default(), FaceCheckMode::Suggest);
        assert_eq!(
            serde_json::to_string(&FaceCheckMode::Auto).ok().as_deref(),
            Some("\"auto\"")
        );
    }
}
