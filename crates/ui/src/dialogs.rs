//! File dialogs for the Excel screens. Each runs on a thread of its own (a native dialog
//! blocks its thread), and what the clerk picks goes to the background as an intent: the
//! window never waits.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Sender;

use super::backend::{ExcelIntent, Intent};
use station::ImportReport;

const EXCEL_EXTENSIONS: [&str; 6] = ["xlsx", "xls", "et", "XLSX", "XLS", "ET"];

pub enum FileDialog {
    SaveTemplate,
    PickWorkerList,
    SaveReport(Arc<ImportReport>),
    PickBlacklist {
        added_by: String,
    },
    SaveBlacklist,
    /// A backup to put the store back from (offered while the store cannot be used).
    PickBackup,
}

fn stamp() -> String {
    chrono::Local::now().format("%Y%m%d-%H%M").to_string()
}

fn save(title: &str, name: String) -> Option<PathBuf> {
    rfd::FileDialog::new()
        .set_title(title)
        .set_file_name(name)
        .add_filter("Excel", &["xlsx"])
        .save_file()
}

fn pick(title: &str) -> Option<PathBuf> {
    rfd::FileDialog::new()
        .set_title(title)
        .add_filter("Excel (xlsx, xls)", &EXCEL_EXTENSIONS)
        .pick_file()
}

pub fn open(dialog: FileDialog, intents: Sender<Intent>) {
    std::thread::spawn(move || {
        if let FileDialog::PickBackup = dialog {
            let picked = rfd::FileDialog::new()
                .set_title("选择数据库备份")
                .add_filter("数据库备份 (sqlite)", &["sqlite", "db", "bak"])
                .pick_file();
            if let Some(path) = picked {
                let _ = intents.send(Intent::RestoreStore(path));
            }
            return;
        }
        let intent = match dialog {
            FileDialog::SaveTemplate => {
                save("保存导入模板", "人员导入模板.xlsx".into()).map(ExcelIntent::WriteTemplate)
            }
            FileDialog::PickWorkerList => pick("选择人员名单（Excel）").map(ExcelIntent::CheckImport),
            FileDialog::SaveReport(report) => save("保存检查结果", format!("导入检查结果-{}.xlsx", stamp()))
                .map(|path| ExcelIntent::ExportReport { path, report }),
            FileDialog::PickBlacklist { added_by } => {
                pick("选择黑名单（Excel）").map(|path| ExcelIntent::BlacklistImport { path, added_by })
            }
            FileDialog::SaveBlacklist => {
                save("导出黑名单", format!("黑名单-{}.xlsx", stamp())).map(ExcelIntent::BlacklistExport)
            }
            FileDialog::PickBackup => None,
        };
        if let Some(intent) = intent {
            let _ = intents.send(Intent::Excel(intent));
        }
    });
}
