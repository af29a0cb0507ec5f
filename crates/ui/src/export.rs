//! The roster and the day's attendance as .xlsx: the writers live in `station::export`, one
//! for the window and the command line (`cwr-station export roster|attendance`).

pub use station::export::{HEADERS, RosterLine, write_passes_xlsx, write_roster_xlsx};
