//! Where a record stands with the platform, in plain states the clerk can read (ODK Collect's
//! lesson: a record has one state, named in the clerk's words).

use serde::{Deserialize, Serialize};

/// A worker's or company's state with the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// 待上传: queued, sending or waiting to retry.
    Pending,
    /// 已上传
    Sent,
    /// 需处理: the platform refused it; the reason is beside it.
    NeedsFix,
    /// 已离场 (departure accepted by the platform).
    Departed,
    /// 待补全: imported from a list, not enrolled yet (no photos): never sent until the clerk
    /// completes it through the enrollment form.
    Draft,
}

impl RecordState {
    pub const ALL: [RecordState; 5] = [
        RecordState::Pending,
        RecordState::Sent,
        RecordState::NeedsFix,
        RecordState::Departed,
        RecordState::Draft,
    ];

    /// The stored word (stable across versions).
    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Pending => "pending",
            RecordState::Sent => "sent",
            RecordState::NeedsFix => "needs_fix",
            RecordState::Departed => "departed",
            RecordState::Draft => "draft",
        }
    }

    /// Unknown words read as pending: a record is never shown as on the platform by mistake.
    pub fn parse(s: &str) -> RecordState {
        RecordState::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .unwrap_or(RecordState::Pending)
    }

    pub fn label(self) -> &'static str {
        match self {
            RecordState::Pending => "待上传",
            RecordState::Sent => "已上传",
            RecordState::NeedsFix => "需处理",
            RecordState::Departed => "已离场",
            RecordState::Draft => "待补全",
        }
    }
}

/// One platform write in the upload queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// 待上传
    Waiting,
    /// 上传中
    Sending,
    /// 已上传
    Sent,
    /// 等待重试 (with the time of the next attempt)
    Retry,
    /// 需处理 (with the platform's code and words)
    NeedsFix,
    /// 已过时限: an attendance log the queue could not send within the platform's window;
    /// it can never be sent, and it is kept, counted and exported, never dropped.
    Expired,
}

impl ItemState {
    pub const ALL: [ItemState; 6] = [
        ItemState::Waiting,
        ItemState::Sending,
        ItemState::Sent,
        ItemState::Retry,
        ItemState::NeedsFix,
        ItemState::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Waiting => "waiting",
            ItemState::Sending => "sending",
            ItemState::Sent => "sent",
            ItemState::Retry => "retry",
            ItemState::NeedsFix => "needs_fix",
            ItemState::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<ItemState> {
        ItemState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemState::Waiting => "待上传",
            ItemState::Sending => "上传中",
            ItemState::Sent => "已上传",
            ItemState::Retry => "等待重试",
            ItemState::NeedsFix => "需处理",
            ItemState::Expired => "已过时限",
        }
    }

    /// Not yet on the platform, and still expected to get there.
    pub fn is_open(self) -> bool {
        !matches!(self, ItemState::Sent | ItemState::Expired)
    }
}

/// One worker's departure with the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DepartureState {
    /// Queued, sending or waiting to retry.
    Pending,
    /// The platform has it.
    Sent,
    /// Refused, or unknown whether it went through.
    NeedsFix,
}

impl DepartureState {
    pub fn as_str(self) -> &'static str {
        match self {
            DepartureState::Pending => "pending",
            DepartureState::Sent => "sent",
            DepartureState::NeedsFix => "needs_fix",
        }
    }

    pub fn parse(s: &str) -> DepartureState {
        match s {
            "sent" => DepartureState::Sent,
            "needs_fix" => DepartureState::NeedsFix,
            _ => DepartureState::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_words_round_trip() {
        for s in RecordState::ALL {
            assert_eq!(RecordState::parse(s.as_str()), s);
        }
        for s in ItemState::ALL {
            assert_eq!(ItemState::parse(s.as_str()), Some(s));
        }
        for s in [DepartureState::Pending, DepartureState::Sent, DepartureState::NeedsFix] {
            assert_eq!(DepartureState::parse(s.as_str()), s);
        }
        assert_eq!(RecordState::parse("garbage"), RecordState::Pending);
        assert_eq!(ItemState::parse("garbage"), None);
    }
}
