//! Excel in and out: subcontractors' worker lists and the blacklist read with `calamine`
//! (.xlsx and .xls, each checked first: see [`guard`]), the import template and plain tables written with `rust_xlsxwriter`.
//! Below the station: this layer turns files into cells and cells into text and dates; what
//! a value means (a dictionary name, a company, a valid worker) is the station's business.

mod book;
pub mod cells;
pub mod columns;
pub mod guard;
pub mod read;
pub mod write;

pub use cells::{Cell, TextKind, date_of, text_of};
pub use columns::{BlacklistColumn, WorkerColumn, blacklist_column, worker_column};
pub use read::{MAX_ROWS, Row, Sheet, read_sheet};
pub use write::{TemplateLists, template_headers, write_table, write_template};

/// A worker list as read.
pub type WorkerSheet = Sheet<WorkerColumn>;
/// A blacklist as read.
pub type BlacklistSheet = Sheet<BlacklistColumn>;

/// Reads a worker list (the ID number column is the one it cannot do without).
pub fn read_worker_sheet(path: &std::path::Path) -> Result<WorkerSheet, String> {
    read_sheet(
        path,
        worker_column,
        WorkerColumn::Field(domain::WorkerField::IdCode),
        "身份证号码",
    )
}

/// Reads a blacklist sheet.
pub fn read_blacklist_sheet(path: &std::path::Path) -> Result<BlacklistSheet, String> {
    read_sheet(path, blacklist_column, BlacklistColumn::IdCode, "身份证号码")
}
