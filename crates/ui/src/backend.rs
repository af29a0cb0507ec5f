//! The window's background. One thread owns the station (every disk write and read the
//! screens need), the outbox sender owns the queue, short-lived threads do network calls and
//! photo decoding. Screens send [`Intent`]s and read [`Snapshot`]s; every request is answered
//! by its own [`Event`], success or failure, so the screen that asked can say what happened.
//! Nothing here blocks the UI thread, and the owner itself never waits on the network.

mod acceptance_job;
pub mod excel;
pub mod face;
mod owner;
pub mod site;
mod thumbnails;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};

use chrono::{DateTime, Utc};

use domain::{Company, PhotoKind, Worker};
use media::{NormalizedPhoto, PhotoBudgets};
use station::config::Config;
use station::platform::DictEntry;
use station::platform::{ApiError, Endpoint, PlatformClock, Secret, clock};
use station::records::{ItemId, PassRow, WorkerPhotos, WorkerRecord, WorkerRow};
use station::sending::SenderEvent;

pub use excel::{ExcelEvent, ExcelIntent, ImportCheck};
pub use owner::StoreSwitch;
pub use station::snapshot::Snapshot;

/// Where a photo comes from.
#[derive(Debug, Clone)]
pub enum PhotoSource {
    File(PathBuf),
    Bytes(Vec<u8>),
    Frame(Arc<media::camera::Frame>),
    /// Already normalised (from the store or a draft): only the thumbnail is made.
    Stored(Vec<u8>),
}

/// A photo ready for its slot: the JPEG to send and a thumbnail to show.
#[derive(Debug, Clone)]
pub struct ReadyPhoto {
    pub photo: NormalizedPhoto,
    pub thumb: Arc<egui::ColorImage>,
}

const THUMB_PX: u32 = 320;

fn prepare_photo(kind: PhotoKind, source: PhotoSource, budgets: &PhotoBudgets) -> Result<ReadyPhoto, String> {
    let budget = budgets.bytes_for(kind);
    let photo = match source {
        PhotoSource::File(path) => media::load_photo_file(&path, budget),
        PhotoSource::Bytes(bytes) => media::normalize_photo(&bytes, budget),
        PhotoSource::Frame(frame) => media::camera::frame_to_jpeg(&frame, budget),
        PhotoSource::Stored(jpeg) => {
            let img = image::load_from_memory(&jpeg).map_err(|e| format!("保存的照片已损坏：{e}，请重新拍摄或选择"))?;
            Ok(NormalizedPhoto {
                width: img.width(),
                height: img.height(),
                jpeg,
                quality: 0,
            })
        }
    }
    .and_then(|p| media::check_min_size(kind, p.width, p.height).map(|()| p))
    .map_err(|e| e.to_string())?;
    let img = image::load_from_memory(&photo.jpeg).map_err(|e| format!("照片无法显示：{e}"))?;
    let thumb = img.thumbnail(THUMB_PX, THUMB_PX).to_rgb8();
    let color = egui::ColorImage::from_rgb([thumb.width() as usize, thumb.height() as usize], thumb.as_raw());
    Ok(ReadyPhoto {
        photo,
        thumb: Arc::new(color),
    })
}

pub enum Intent {
    SaveWorker {
        worker: Box<Worker>,
        photos: WorkerPhotos,
        /// The enrollment's 人证比对, for the worker's history (not sent anywhere).
        face_check: Option<station::face_check::FaceCheck>,
    },
    LoadWorker(String),
    /// The form's fields as typed (JSON), written as the clerk types.
    SaveDraft(Option<String>),
    /// The form's photos (JSON of Base64), written only when a photo changes.
    SaveDraftPhotos(Option<String>),
    SaveCompany(Box<Company>),
    RemoveCompany {
        suid: String,
        name: String,
    },
    MarkLeaving {
        id_codes: Vec<String>,
        exit_time: String,
    },
    /// 进场 / 离场 at the attendance point, with the camera's frame for the site photo.
    RecordPass {
        passer: domain::Passer,
        direction: domain::Direction,
        frame: Option<Arc<media::camera::Frame>>,
        /// The camera's 1:N or the clerk's 本人核对无误: what the platform's `way` 1 claims.
        identified: domain::Identified,
    },
    /// The attendance point's face thread described the camera's face: who is it (1:N)?
    IdentifyFace(Box<station::face::Descriptor>),
    /// The attendance point's search: ID number prefix or part of a name.
    FindWorkers(String),
    /// 开始联调 / 继续联调 (the clerk consented to the test data).
    AcceptanceStart,
    /// 停止: after the call in flight.
    AcceptanceStop,
    AcceptanceReport(PathBuf),
    /// A consistent copy of the store at this path (设置 → 备份数据).
    Backup(PathBuf),
    /// The roster's pictures for the rows on screen.
    LoadThumbnails(Vec<String>),
    ExportPasses {
        path: PathBuf,
        rows: Vec<PassRow>,
    },
    RetryItem(ItemId),
    RetryAll,
    /// The clerk says a pause is not a settings problem: judge refusals record by record.
    DismissSettingsPause,
    RefreshDictionaries,
    TestConnection,
    ApplySettings {
        config: Box<Config>,
        secret: Secret,
    },
    /// 设置 → 数据存放: keep the records elsewhere (after checking, and copying if asked).
    SwitchStore(Box<owner::StoreSwitch>),
    NormalizePhoto {
        kind: PhotoKind,
        source: PhotoSource,
    },
    Export {
        path: PathBuf,
        rows: Vec<super::export::RosterLine>,
    },
    /// Excel import and export, drafts, the blacklist.
    Excel(ExcelIntent),
    /// From the helpers (network threads, the sender) back to the owner.
    Internal(InternalEvent),
    /// The window is closing: stop the sender (releasing the queue lock) and the owner.
    Shutdown,
    /// Put the store back from this backup (offered while the store cannot be used).
    RestoreStore(PathBuf),
}

pub enum InternalEvent {
    Dictionaries(Vec<(Endpoint, Result<Vec<DictEntry>, ApiError>)>),
    /// A helper changed the store (the acceptance run counted a success): show it.
    StoreChanged,
    /// Thumbnails made from face photos (workers enrolled before thumbnails): keep them.
    SaveThumbnails(Vec<(String, Vec<u8>)>),
    /// The background backfill kept descriptors on its own connection: 1:N reads them again.
    FacesBackfilled(usize),
    Sender(SenderEvent),
    /// What the site database's watcher saw (see [`site`]).
    Site(site::SiteNews),
}

/// Why a save stored nothing, for the screen that asked: the station's one rendering of a
/// refusal, shared with the commands.
pub type SaveFailure = station::Explained;

#[derive(Debug, Clone)]
pub enum Event {
    Snapshot(Arc<Snapshot>),
    WorkerLoaded {
        id_code: String,
        found: Option<Box<(WorkerRecord, WorkerPhotos)>>,
    },
    /// The answer to [`Intent::SaveWorker`]: the queue item, or why nothing was stored.
    WorkerSaved {
        id_code: String,
        result: Result<ItemId, SaveFailure>,
    },
    /// The answer to [`Intent::SaveCompany`], with the company's SUID.
    CompanySaved {
        suid: String,
        result: Result<(), SaveFailure>,
    },
    /// The answer to [`Intent::RemoveCompany`]: workers still naming the company.
    CompanyRemoved(Result<u64, SaveFailure>),
    /// The answer to [`Intent::MarkLeaving`]: how many were marked.
    LeavingRecorded(Result<usize, SaveFailure>),
    /// The answer to [`Intent::RecordPass`].
    PassRecorded(Result<station::Attended, SaveFailure>),
    /// The answer to [`Intent::IdentifyFace`]: the on-site worker under the line, or nobody.
    FaceIdentified(Option<station::faces::FaceMatch>),
    /// The answer to [`Intent::FindWorkers`].
    WorkersFound {
        query: String,
        rows: Vec<WorkerRow>,
    },
    /// The answer to [`Intent::ExportPasses`].
    PassesExported(Result<(PathBuf, usize), String>),
    /// The acceptance run as saved (at start-up) or after each of its calls.
    AcceptanceProgress(Option<Box<station::acceptance::AcceptanceRun>>),
    /// The run ended (finished, stopped at a refusal, asked to stop), or could not start.
    AcceptanceEnded(Result<station::acceptance::RunEnd, String>),
    /// The answer to [`Intent::LoadThumbnails`]: each worker's picture, or none.
    Thumbnails(Vec<(String, Option<Arc<egui::ColorImage>>)>),
    /// The answer to [`Intent::Backup`].
    BackedUp(Result<PathBuf, String>),
    /// The answer to [`Intent::AcceptanceReport`].
    AcceptanceReported(Result<PathBuf, String>),
    /// The answer to [`Intent::RetryItem`], [`Intent::RetryAll`] and
    /// [`Intent::DismissSettingsPause`].
    QueueChanged(Result<(), SaveFailure>),
    DraftLoaded {
        fields: Option<String>,
        photos: Option<String>,
    },
    PhotoReady {
        kind: PhotoKind,
        result: Result<ReadyPhoto, String>,
    },
    /// Plain words about the platform link, for the status bar.
    Connection(ConnectionState),
    ConnectionTested {
        ok: bool,
        message: String,
    },
    /// The answer to [`Intent::ApplySettings`].
    SettingsApplied(Result<(), String>),
    /// The answer to [`Intent::Export`].
    Exported(Result<(PathBuf, usize), String>),
    /// The answers to [`Intent::Excel`].
    Excel(ExcelEvent),
    /// Something the clerk must know that no request of theirs asked for (the sender failed,
    /// the data dir is readable by others); in Chinese.
    Problem(String),
    /// The store cannot be used at all (damaged, emptied, unreadable): the window shows this
    /// instead of an empty station, with the backups it can be put back from.
    StoreUnusable(Box<StoreProblem>),
    /// The store opens for reading only: everything shows, nothing can be saved.
    StoreReadOnly(String),
    /// The answer to [`Intent::RestoreStore`]: what was done, or why not.
    StoreRestored(Result<String, String>),
    /// Where the records are kept, in the clerk's words (本机, 工地数据库 …).
    StoreLocation(String),
    /// The site database cannot be reached (why), or answers again (`None`).
    Site(Option<String>),
    /// The answer to [`Intent::SwitchStore`]: what was done, or why nothing changed.
    StoreSwitched(Result<String, String>),
}

/// Why the store cannot be used, and the way back.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreProblem {
    /// What is wrong, which file, what to do (see [`station::records::StoreError::explain`]).
    pub message: String,
    pub trouble: Option<station::records::Trouble>,
    /// The copies in the data dir's backup folder, newest first.
    pub backups: Vec<station::maintenance::BackupFile>,
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConnectionState {
    Unknown,
    Online {
        last_success: DateTime<Utc>,
    },
    Offline {
        since: DateTime<Utc>,
        last_success: Option<DateTime<Utc>>,
        reason: String,
    },
}

/// The UI's handle on the background. Dropping it stops the background, promptly.
pub struct Backend {
    intents: Sender<Intent>,
    events: Receiver<Event>,
    pub clock: Arc<PlatformClock>,
    owner: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.intents.send(Intent::Shutdown);
        if let Some(owner) = self.owner.take() {
            let _ = owner.join();
        }
    }
}

impl Backend {
    /// Opens the station on a background thread and starts the sender. `repaint` wakes the
    /// UI. `config_path` is where 保存设置 writes (the file the station was started with).
    pub fn start(
        data_dir: PathBuf,
        config_path: PathBuf,
        config: Config,
        secret: Secret,
        repaint: Arc<dyn Fn() + Send + Sync>,
    ) -> Backend {
        let (intents, intent_rx) = mpsc::channel();
        let (event_tx, events) = mpsc::channel();
        let clock = Arc::new(PlatformClock::new(clock::system_time()));
        let owner = owner::Owner::new(owner::OwnerSetup {
            data_dir,
            config_path,
            config,
            secret,
            clock: Arc::clone(&clock),
            intents: intents.clone(),
            events: event_tx,
            repaint,
        });
        let spawned = std::thread::Builder::new()
            .name("station-owner".into())
            .spawn(move || owner.run(intent_rx));
        let owner = match spawned {
            Ok(handle) => Some(handle),
            Err(e) => {
                tracing::error!("cannot start the station thread: {e}");
                None
            }
        };
        Backend {
            intents,
            events,
            clock,
            owner,
        }
    }

    /// For threads that report back on their own (file dialogs).
    pub fn intent_sender(&self) -> Sender<Intent> {
        self.intents.clone()
    }

    pub fn send(&self, intent: Intent) {
        // The owner only stops when the app does.
        let _ = self.intents.send(intent);
    }

    /// Everything that arrived since the last frame.
    pub fn poll(&self) -> Vec<Event> {
        self.events.try_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};

    use super::Snapshot;

    #[test]
    fn a_backup_is_advised_once_records_waited_a_day_on_this_pc_only() {
        let now = Utc::now();
        let at = |hours: i64| Some(now - Duration::hours(hours));
        let snap = |oldest, backup| Snapshot {
            oldest_unsent_at: oldest,
            last_backup_at: backup,
            ..Default::default()
        };
        assert!(!snap(None, None).backup_advised(now), "nothing waits");
        assert!(!snap(at(5), None).backup_advised(now), "a few hours is normal weather");
        assert!(snap(at(30), None).backup_advised(now));
        assert!(
            snap(at(30), at(40)).backup_advised(now),
            "the backup predates the records"
        );
        assert!(!snap(at(30), at(2)).backup_advised(now), "backed up since");
    }
}
