//! The window's Excel requests and their answers, kept apart from the other intents: the
//! template, a worker list checked then imported, drafts deleted, and the blacklist (add,
//! remove, import, export). Each request is answered by its own [`ExcelEvent`]; reading and
//! writing files happens on helper threads, saving on the owner.

use std::path::PathBuf;
use std::sync::Arc;

use super::SaveFailure;
use excel::{BlacklistSheet, WorkerSheet};
use station::records::BlacklistEntry;
use station::{ImportOutcome, ImportReport};

pub enum ExcelIntent {
    /// Write the import template with the cached dictionaries and the project's companies.
    WriteTemplate(PathBuf),
    /// Read a worker list and check it (saves nothing).
    CheckImport(PathBuf),
    /// Save the valid rows of a list already checked (checked again first).
    Import(Arc<WorkerSheet>),
    /// Write a check's result, for the subcontractor to correct their list.
    ExportReport {
        path: PathBuf,
        report: Arc<ImportReport>,
    },
    DeleteDraft(String),
    BlacklistAdd(BlacklistEntry),
    BlacklistRemove {
        id_code: String,
        by: String,
    },
    /// Read a blacklist sheet and add its valid rows; `added_by` for rows that name nobody.
    BlacklistImport {
        path: PathBuf,
        added_by: String,
    },
    BlacklistExport(PathBuf),
    /// From the helper threads back to the owner.
    SheetRead {
        path: PathBuf,
        result: Result<WorkerSheet, String>,
    },
    BlacklistSheetRead {
        result: Result<BlacklistSheet, String>,
        added_by: String,
    },
}

/// A list read and checked: the report, and the sheet to import from.
#[derive(Debug, Clone)]
pub struct ImportCheck {
    pub path: PathBuf,
    pub sheet: Arc<WorkerSheet>,
    pub report: Arc<ImportReport>,
}

#[derive(Debug, Clone)]
pub enum ExcelEvent {
    /// The answer to [`ExcelIntent::WriteTemplate`]: where, and what has no dropdown.
    TemplateWritten(Result<(PathBuf, Vec<String>), String>),
    /// A list is being read (the file dialog's choice reached the owner).
    Reading(PathBuf),
    /// The answer to [`ExcelIntent::CheckImport`].
    ImportChecked(Result<ImportCheck, String>),
    /// The answer to [`ExcelIntent::Import`].
    Imported(Result<Arc<ImportOutcome>, SaveFailure>),
    ReportExported(Result<PathBuf, String>),
    DraftDeleted(Result<String, SaveFailure>),
    /// The answer to an add or a remove: a message for the clerk.
    BlacklistChanged(Result<String, SaveFailure>),
    /// The answer to [`ExcelIntent::BlacklistImport`].
    BlacklistImported(Result<String, String>),
    BlacklistExported(Result<(PathBuf, usize), String>),
}
