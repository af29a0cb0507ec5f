//! Every native file dialog the window opens, in one place: what each asks (pick or save, its
//! title, the file name it proposes, the kinds of file it shows) and the intent the chosen
//! path becomes. A native dialog blocks its thread until the clerk answers, so each runs on a
//! thread of its own and the window keeps drawing; Windows and Linux (GTK, the XDG portal)
//! allow a dialog on any thread — only macOS would need the main one, and we do not ship
//! there. What the clerk picks goes to the background as an intent: the window never waits.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Sender;

use domain::PhotoKind;
use station::ImportReport;
use station::records::PassRow;

use super::backend::{ExcelIntent, Intent, PhotoSource};
use super::export::RosterLine;

const EXCEL_EXTENSIONS: [&str; 6] = ["xlsx", "xls", "et", "XLSX", "XLS", "ET"];
const PHOTO_EXTENSIONS: [&str; 8] = ["jpg", "jpeg", "png", "bmp", "JPG", "JPEG", "PNG", "BMP"];

pub enum FileDialog {
    /// A photo for one of the enrollment form's four photo boxes.
    PickPhoto(PhotoKind),
    SaveTemplate,
    PickWorkerList,
    SaveReport(Arc<ImportReport>),
    PickBlacklist {
        added_by: String,
    },
    SaveBlacklist,
    /// These roster lines (the filtered view) as Excel.
    SaveRoster(Vec<RosterLine>),
    /// These attendance logs as Excel; `day` names the file (yyyymmdd, Beijing).
    SavePasses {
        rows: Vec<PassRow>,
        day: String,
    },
    SaveAcceptanceReport,
    /// Where to put a copy of the data (a USB stick, say).
    SaveBackup,
    /// A backup to put the store back from (offered while the store cannot be used).
    PickBackup,
}

/// What a dialog shows: pick an existing file or name one to write.
struct Ask {
    title: String,
    save_as: Option<String>,
    filter: (&'static str, &'static [&'static str]),
}

impl Ask {
    fn pick(title: impl Into<String>, filter: (&'static str, &'static [&'static str])) -> Ask {
        Ask {
            title: title.into(),
            save_as: None,
            filter,
        }
    }

    fn save(title: &str, name: String, filter: (&'static str, &'static [&'static str])) -> Ask {
        Ask {
            title: title.into(),
            save_as: Some(name),
            filter,
        }
    }

    fn run(self) -> Option<PathBuf> {
        let dialog = rfd::FileDialog::new()
            .set_title(self.title)
            .add_filter(self.filter.0, self.filter.1);
        match self.save_as {
            // rfd asks before replacing a file (GTK's and zenity's overwrite confirmation).
            Some(name) => dialog.set_file_name(name).save_file(),
            None => dialog.pick_file(),
        }
    }
}

const EXCEL_OUT: (&str, &[&str]) = ("Excel", &["xlsx"]);
const EXCEL_IN: (&str, &[&str]) = ("Excel (xlsx, xls)", &EXCEL_EXTENSIONS);

/// The clerk's PC clock for file names only: a name is for finding the file again, and the PC's
/// own minute is what the clerk sees in the corner of the screen.
fn stamp() -> String {
    chrono::Local::now().format("%Y%m%d-%H%M").to_string()
}

impl FileDialog {
    /// The question, and what to do with the answer.
    fn split(self) -> (Ask, Box<dyn FnOnce(PathBuf) -> Intent + Send>) {
        let excel = |intent: fn(PathBuf) -> ExcelIntent| -> Box<dyn FnOnce(PathBuf) -> Intent + Send> {
            Box::new(move |path| Intent::Excel(intent(path)))
        };
        match self {
            FileDialog::PickPhoto(kind) => (
                Ask::pick(
                    format!("选择{}", kind.label()),
                    ("照片 (JPG, PNG, BMP)", &PHOTO_EXTENSIONS),
                ),
                Box::new(move |path| Intent::NormalizePhoto {
                    kind,
                    source: PhotoSource::File(path),
                }),
            ),
            FileDialog::SaveTemplate => (
                Ask::save("保存导入模板", "人员导入模板.xlsx".into(), EXCEL_OUT),
                excel(ExcelIntent::WriteTemplate),
            ),
            FileDialog::PickWorkerList => (
                Ask::pick("选择人员名单（Excel）", EXCEL_IN),
                excel(ExcelIntent::CheckImport),
            ),
            FileDialog::SaveReport(report) => (
                Ask::save("保存检查结果", format!("导入检查结果-{}.xlsx", stamp()), EXCEL_OUT),
                Box::new(move |path| Intent::Excel(ExcelIntent::ExportReport { path, report })),
            ),
            FileDialog::PickBlacklist { added_by } => (
                Ask::pick("选择黑名单（Excel）", EXCEL_IN),
                Box::new(move |path| Intent::Excel(ExcelIntent::BlacklistImport { path, added_by })),
            ),
            FileDialog::SaveBlacklist => (
                Ask::save("导出黑名单", format!("黑名单-{}.xlsx", stamp()), EXCEL_OUT),
                excel(ExcelIntent::BlacklistExport),
            ),
            FileDialog::SaveRoster(rows) => (
                Ask::save("导出花名册", format!("人员花名册-{}.xlsx", stamp()), EXCEL_OUT),
                Box::new(move |path| Intent::Export { path, rows }),
            ),
            FileDialog::SavePasses { rows, day } => (
                Ask::save("导出考勤", format!("考勤-{day}.xlsx"), EXCEL_OUT),
                Box::new(move |path| Intent::ExportPasses { path, rows }),
            ),
            FileDialog::SaveAcceptanceReport => (
                Ask::save("导出联调报告", "接口联调报告.xlsx".into(), EXCEL_OUT),
                Box::new(Intent::AcceptanceReport),
            ),
            FileDialog::SaveBackup => (
                Ask::save(
                    "备份数据（可存到 U 盘）",
                    format!("实名制工作站备份-{}.sqlite", stamp()),
                    ("工作站数据", &["sqlite"]),
                ),
                Box::new(Intent::Backup),
            ),
            FileDialog::PickBackup => (
                Ask::pick("选择数据库备份", ("数据库备份 (sqlite)", &["sqlite", "db", "bak"])),
                Box::new(Intent::RestoreStore),
            ),
        }
    }
}

/// Shows the dialog on a thread of its own; a chosen path goes to the background as its intent
/// and wakes the window. Cancelling does nothing. Fails only when no thread can be started.
pub fn open(dialog: FileDialog, intents: Sender<Intent>, ctx: egui::Context) -> std::io::Result<()> {
    let (ask, then) = dialog.split();
    std::thread::Builder::new()
        .name("file-dialog".into())
        .spawn(move || {
            if let Some(path) = ask.run() {
                // The window closed meanwhile: nobody is left to do it for.
                if intents.send(then(path)).is_ok() {
                    ctx.request_repaint();
                }
            }
        })
        .map(drop)
}
