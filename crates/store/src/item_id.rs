//! The upload queue's item number: its own type, so it cannot be passed where a count, a
//! clock offset or a log number is meant.

use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

/// An outbox item's id: the number the clerk sees as 队列 #N.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ItemId(i64);

impl ItemId {
    /// After every item: "anything pending at all".
    pub const MAX: ItemId = ItemId(i64::MAX);

    /// The item numbered `n` (as the clerk typed it or a store row holds it).
    pub const fn new(n: i64) -> ItemId {
        ItemId(n)
    }

    pub const fn get(self) -> i64 {
        self.0
    }
}

impl From<i64> for ItemId {
    fn from(n: i64) -> ItemId {
        ItemId(n)
    }
}

impl std::fmt::Display for ItemId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for ItemId {
    type Err = std::num::ParseIntError;

    fn from_str(s: &str) -> Result<ItemId, Self::Err> {
        s.trim().parse().map(ItemId)
    }
}

impl ToSql for ItemId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

impl FromSql for ItemId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<ItemId> {
        i64::column_result(value).map(ItemId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_as_the_bare_number() {
        let id = ItemId::new(42);
        assert_eq!(id.to_string(), "42");
        assert_eq!(serde_json::to_string(&id).expect("json"), "42");
        assert_eq!(serde_json::from_str::<ItemId>("42").expect("json"), id);
        assert_eq!(" 42 ".parse::<ItemId>().expect("parse"), id);
        let conn = rusqlite::Connection::open_in_memory().expect("db");
        let back: ItemId = conn.query_row("SELECT ?1", [id], |r| r.get(0)).expect("row");
        assert_eq!(back, id);
    }
}
