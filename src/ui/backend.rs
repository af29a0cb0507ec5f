//! The window's background owners. One thread owns the store (every disk write and read the
//! screens need), the outbox sender owns the queue, short-lived threads do network calls and
//! photo decoding. Screens send [`Intent`]s and read [`Snapshot`]s; nothing here blocks the
//! UI thread.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};

use chrono::{DateTime, Utc};

use crate::api::types::DictEntry;
use crate::api::{ApiError, Endpoint, PlatformClient, PlatformClock, Secret, clock};
use crate::config::Config;
use crate::domain::{Company, Worker};
use crate::media::{NormalizedPhoto, PhotoKind};
use crate::outbox::{SendSettings, SenderCommand, SenderEvent, SenderHandle, spawn_sender};
use crate::store::{CompanyRecord, OutboxCounts, OutboxItem, Store, WorkerPhotos, WorkerRecord, WorkerRow};

/// What the screens read: a consistent copy of the store, replaced after every change.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub workers: Vec<WorkerRow>,
    pub companies: Vec<CompanyRecord>,
    pub outbox: Vec<OutboxItem>,
    pub counts: OutboxCounts,
    /// Why uploads are paused (wrong credentials, missing settings), if they are.
    pub paused: Option<String>,
    pub dictionaries: BTreeMap<Endpoint, (Vec<DictEntry>, DateTime<Utc>)>,
    /// Successful calls per endpoint in the current environment (acceptance checklist).
    pub successes: BTreeMap<String, u64>,
}

impl Snapshot {
    pub fn dictionary(&self, kind: Endpoint) -> &[DictEntry] {
        self.dictionaries.get(&kind).map(|(e, _)| e.as_slice()).unwrap_or(&[])
    }

    pub fn dict_name(&self, kind: Endpoint, code: &str) -> Option<&str> {
        self.dictionary(kind)
            .iter()
            .find(|e| e.orders == code)
            .map(|e| e.value.as_str())
    }
}

/// Where a photo comes from.
#[derive(Debug, Clone)]
pub enum PhotoSource {
    File(PathBuf),
    Bytes(Vec<u8>),
    Frame(Arc<crate::media::camera::Frame>),
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

fn prepare_photo(source: PhotoSource, budget: usize) -> Result<ReadyPhoto, String> {
    let photo = match source {
        PhotoSource::File(path) => crate::media::load_photo_file(&path, budget),
        PhotoSource::Bytes(bytes) => crate::media::normalize_photo(&bytes, budget),
        PhotoSource::Frame(frame) => crate::media::camera::frame_to_jpeg(&frame, budget),
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
    RetryItem(i64),
    RetryAll,
    /// The clerk says a pause is not a settings problem: judge refusals record by record.
    DismissSettingsPause,
    RefreshDictionaries,
    TestConnection,
    ApplySettings {
        config: Box<Config>,
        secret: Secret,
    },
    NormalizePhoto {
        kind: PhotoKind,
        source: PhotoSource,
    },
    SaveUiState(String),
    Export {
        path: PathBuf,
        rows: Vec<super::export::RosterLine>,
    },
    /// From the helpers (network threads, the sender) back to the store owner.
    Internal(InternalEvent),
    /// The window is closing: stop the sender (releasing the queue lock) and the owner.
    Shutdown,
}

pub enum InternalEvent {
    Dictionaries(Vec<(Endpoint, Result<Vec<DictEntry>, ApiError>)>),
    Sender(SenderEvent),
}

#[derive(Debug, Clone)]
pub enum Event {
    Snapshot(Arc<Snapshot>),
    WorkerLoaded {
        id_code: String,
        found: Option<Box<(WorkerRecord, WorkerPhotos)>>,
    },
    WorkerSaved {
        id_code: String,
        item_id: i64,
    },
    CompanySaved {
        suid: String,
    },
    LeavingRecorded {
        count: usize,
    },
    DraftLoaded {
        fields: Option<String>,
        photos: Option<String>,
    },
    UiStateLoaded(Option<String>),
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
    SettingsApplied,
    Exported {
        path: PathBuf,
        rows: usize,
    },
    /// Something went wrong that the clerk must know; in Chinese.
    Error(String),
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

/// The UI's handle on the background. Dropping it stops the background.
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
    /// Opens the store on a background thread and starts the sender. `repaint` wakes the UI.
    /// `config_path` is where 保存设置 writes (the file the station was started with).
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
        let owner = StoreOwner {
            data_dir,
            config_path,
            config,
            secret,
            clock: Arc::clone(&clock),
            intents: intents.clone(),
            events: event_tx,
            repaint,
            sender: None,
            client: None,
            connection: ConnectionState::Unknown,
        };
        let spawned = std::thread::Builder::new()
            .name("store-owner".into())
            .spawn(move || owner.run(intent_rx));
        let owner = match spawned {
            Ok(handle) => Some(handle),
            Err(e) => {
                tracing::error!("cannot start the store thread: {e}");
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

struct StoreOwner {
    data_dir: PathBuf,
    config_path: PathBuf,
    config: Config,
    secret: Secret,
    clock: Arc<PlatformClock>,
    intents: Sender<Intent>,
    events: Sender<Event>,
    repaint: Arc<dyn Fn() + Send + Sync>,
    sender: Option<SenderHandle>,
    client: Option<Arc<PlatformClient>>,
    connection: ConnectionState,
}

impl StoreOwner {
    fn emit(&self, event: Event) {
        let _ = self.events.send(event);
        (self.repaint)();
    }

    fn run(mut self, rx: Receiver<Intent>) {
        let mut store = match Store::open_in(&self.data_dir) {
            Ok(s) => s,
            Err(e) => return self.emit(Event::Error(e.to_string())),
        };
        self.emit(Event::DraftLoaded {
            fields: store.setting("enroll_draft").ok().flatten(),
            photos: store.setting("enroll_draft_photos").ok().flatten(),
        });
        self.emit(Event::UiStateLoaded(store.setting("ui_state").ok().flatten()));
        self.connect();
        self.publish(&store);
        self.fetch_dictionaries();
        while let Ok(intent) = rx.recv() {
            if matches!(intent, Intent::Shutdown) {
                if let Some(sender) = self.sender.take() {
                    sender.stop();
                }
                return;
            }
            if let Err(message) = self.handle(&mut store, intent) {
                self.emit(Event::Error(message));
            }
        }
    }

    /// (Re)builds the client and the sender from the current settings.
    fn connect(&mut self) {
        if let Some(old) = self.sender.take() {
            old.stop();
        }
        self.client = None;
        let missing = self.config.missing_for_platform(&self.secret);
        if !missing.is_empty() {
            self.connection = ConnectionState::Offline {
                since: Utc::now(),
                last_success: None,
                reason: format!("还没有设置{}：请到“设置”里填写", missing.join("、")),
            };
            self.emit(Event::Connection(self.connection.clone()));
            return;
        }
        let client = match PlatformClient::new(
            self.config.credentials(self.secret.clone()),
            self.config.protocol.clone(),
            Arc::clone(&self.clock),
            self.config.timeouts(),
        ) {
            Ok(c) => Arc::new(c),
            Err(e) => return self.emit(Event::Error(e.to_string())),
        };
        let intents = self.intents.clone();
        self.sender = Some(spawn_sender(
            self.data_dir.clone(),
            Arc::clone(&client),
            self.send_settings(&client),
            Box::new(move |e| {
                let _ = intents.send(Intent::Internal(InternalEvent::Sender(e)));
            }),
        ));
        self.client = Some(client);
    }

    fn send_settings(&self, client: &PlatformClient) -> SendSettings {
        SendSettings::for_client(client, &self.config.project_id, self.config.environment.label())
    }

    fn wake_sender(&self) {
        if let Some(s) = &self.sender {
            s.send(SenderCommand::Wake);
        }
    }

    fn publish(&self, store: &Store) {
        match snapshot(store, self.config.environment.label()) {
            Ok(s) => self.emit(Event::Snapshot(Arc::new(s))),
            Err(e) => self.emit(Event::Error(e)),
        }
    }

    fn note_success(&mut self) {
        self.connection = ConnectionState::Online {
            last_success: Utc::now(),
        };
        self.emit(Event::Connection(self.connection.clone()));
    }

    fn note_failure(&mut self, reason: String) {
        let last_success = match &self.connection {
            ConnectionState::Online { last_success } => Some(*last_success),
            ConnectionState::Offline { last_success, .. } => *last_success,
            ConnectionState::Unknown => None,
        };
        let since = match &self.connection {
            ConnectionState::Offline { since, .. } => *since,
            _ => Utc::now(),
        };
        self.connection = ConnectionState::Offline {
            since,
            last_success,
            reason,
        };
        self.emit(Event::Connection(self.connection.clone()));
    }

    fn fetch_dictionaries(&self) {
        let Some(client) = self.client.clone() else { return };
        let intents = self.intents.clone();
        std::thread::spawn(move || {
            let results = [
                Endpoint::DictListEmpCategory,
                Endpoint::DictListJobTypeName,
                Endpoint::DictListJobName,
                Endpoint::GetCompanyType,
            ]
            .into_iter()
            .map(|e| (e, client.fetch_dictionary(e)))
            .collect();
            let _ = intents.send(Intent::Internal(InternalEvent::Dictionaries(results)));
        });
    }

    fn handle(&mut self, store: &mut Store, intent: Intent) -> Result<(), String> {
        let s = |e: crate::store::StoreError| e.to_string();
        match intent {
            Intent::SaveWorker { worker, photos } => {
                let id_code = worker.normalized().id_code;
                let item_id = store.save_worker(&worker, &photos).map_err(s)?;
                store.set_setting("enroll_draft", None).map_err(s)?;
                store.set_setting("enroll_draft_photos", None).map_err(s)?;
                self.emit(Event::WorkerSaved { id_code, item_id });
                self.publish(store);
                self.wake_sender();
            }
            Intent::LoadWorker(id_code) => {
                let found = match store.worker(&id_code).map_err(s)? {
                    Some(rec) => Some(Box::new((rec, store.worker_photos(&id_code).map_err(s)?))),
                    None => None,
                };
                self.emit(Event::WorkerLoaded { id_code, found });
            }
            Intent::SaveDraft(json) => store.set_setting("enroll_draft", json.as_deref()).map_err(s)?,
            Intent::SaveDraftPhotos(json) => store.set_setting("enroll_draft_photos", json.as_deref()).map_err(s)?,
            Intent::SaveUiState(json) => store.set_setting("ui_state", Some(&json)).map_err(s)?,
            Intent::SaveCompany(company) => {
                let suid = company.normalized().suid;
                store.save_company(&company).map_err(s)?;
                self.emit(Event::CompanySaved { suid });
                self.publish(store);
                self.wake_sender();
            }
            Intent::RemoveCompany { suid, name } => {
                store.remove_company(&suid, &name).map_err(s)?;
                self.publish(store);
                self.wake_sender();
            }
            Intent::MarkLeaving { id_codes, exit_time } => {
                let count = id_codes.len();
                store
                    .record_departures(&id_codes, &exit_time, self.config.leave_batch_size)
                    .map_err(s)?;
                self.emit(Event::LeavingRecorded { count });
                self.publish(store);
                self.wake_sender();
            }
            Intent::RetryItem(id) => {
                store.retry_now(id).map_err(s)?;
                store.set_queue_paused(None).map_err(s)?;
                self.publish(store);
                self.wake_sender();
            }
            Intent::DismissSettingsPause => {
                store.dismiss_settings_pause().map_err(s)?;
                self.publish(store);
                self.wake_sender();
            }
            Intent::RetryAll => {
                if let Some(sender) = &self.sender {
                    sender.send(SenderCommand::RetryAll);
                }
            }
            Intent::RefreshDictionaries => self.fetch_dictionaries(),
            Intent::TestConnection => self.test_connection(),
            Intent::ApplySettings { config, secret } => {
                // The demo's settings live only as long as the demo.
                if config.environment != crate::config::Environment::Demo {
                    config.save(&self.config_path).map_err(|e| e.to_string())?;
                }
                // A demo's throwaway credentials are not worth a file.
                if config.environment != crate::config::Environment::Demo {
                    crate::secret::save_secret(&self.data_dir, &secret).map_err(|e| format!("保存秘钥失败：{e}"))?;
                }
                self.config = *config;
                self.secret = secret;
                store.set_queue_paused(None).map_err(s)?;
                self.connect();
                self.fetch_dictionaries();
                self.publish(store);
                self.emit(Event::SettingsApplied);
            }
            Intent::NormalizePhoto { kind, source } => {
                let budget = self.config.photo_budgets.bytes_for(kind);
                let events = self.events.clone();
                let repaint = Arc::clone(&self.repaint);
                std::thread::spawn(move || {
                    let result = prepare_photo(source, budget);
                    let _ = events.send(Event::PhotoReady { kind, result });
                    repaint();
                });
            }
            Intent::Export { path, rows } => {
                let events = self.events.clone();
                let repaint = Arc::clone(&self.repaint);
                std::thread::spawn(move || {
                    let event = match super::export::write_roster_xlsx(&path, &rows) {
                        Ok(()) => Event::Exported { path, rows: rows.len() },
                        Err(e) => Event::Error(e),
                    };
                    let _ = events.send(event);
                    repaint();
                });
            }
            Intent::Internal(InternalEvent::Dictionaries(results)) => {
                let mut failure = None;
                for (kind, result) in results {
                    match result {
                        Ok(entries) => {
                            store.save_dictionary(kind, &entries, Utc::now()).map_err(s)?;
                            store
                                .count_success(self.config.environment.label(), kind.name())
                                .map_err(s)?;
                        }
                        Err(e) => failure = Some(e),
                    }
                }
                match failure {
                    None => self.note_success(),
                    Some(e) => self.note_failure(format!("{e}")),
                }
                self.publish(store);
            }
            Intent::Shutdown => {}
            Intent::Internal(InternalEvent::Sender(event)) => match event {
                SenderEvent::Drained(report) => {
                    if report.sent > 0 {
                        self.note_success();
                    } else if report.retry > 0 {
                        let reason = store
                            .outbox_items(false)
                            .ok()
                            .and_then(|items| items.into_iter().find(|i| i.state == crate::store::ItemState::Retry))
                            .map(|i| i.last_message)
                            .unwrap_or_else(|| "连不上平台".into());
                        self.note_failure(reason);
                    }
                    if report.attempted > 0 || report.paused.is_some() {
                        self.publish(store);
                    }
                }
                SenderEvent::Busy => self.emit(Event::Error("另一个程序（命令行）正在上传队列：稍后会由它发出".into())),
                SenderEvent::Failed(message) => self.emit(Event::Error(message)),
            },
        }
        Ok(())
    }

    fn test_connection(&self) {
        let Some(client) = self.client.clone() else {
            let missing = self.config.missing_for_platform(&self.secret);
            return self.emit(Event::ConnectionTested {
                ok: false,
                message: format!("还没有设置{}：请填写后再测试", missing.join("、")),
            });
        };
        let events = self.events.clone();
        let intents = self.intents.clone();
        let repaint = Arc::clone(&self.repaint);
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let result = client.fetch_dictionary(Endpoint::DictListEmpCategory);
            let ms = started.elapsed().as_millis();
            let clock_note = match client.clock().warning() {
                Some(w) => w,
                None => "本机时钟与平台一致".into(),
            };
            let event = match &result {
                Ok(list) => Event::ConnectionTested {
                    ok: true,
                    message: format!(
                        "连接成功：平台在 {ms} 毫秒内回答，取到人员类型 {} 项。{clock_note}。",
                        list.len()
                    ),
                },
                Err(e) => Event::ConnectionTested {
                    ok: false,
                    message: format!("{e}。{}", e.advice()),
                },
            };
            let _ = events.send(event);
            let _ = intents.send(Intent::Internal(InternalEvent::Dictionaries(vec![(
                Endpoint::DictListEmpCategory,
                result,
            )])));
            repaint();
        });
    }
}

fn snapshot(store: &Store, environment: &str) -> Result<Snapshot, String> {
    let s = |e: crate::store::StoreError| e.to_string();
    let mut dictionaries = BTreeMap::new();
    for kind in [
        Endpoint::DictListEmpCategory,
        Endpoint::DictListJobTypeName,
        Endpoint::DictListJobName,
        Endpoint::GetCompanyType,
    ] {
        if let Some(d) = store.dictionary(kind).map_err(s)? {
            dictionaries.insert(kind, d);
        }
    }
    Ok(Snapshot {
        workers: store.worker_rows().map_err(s)?,
        companies: store.companies().map_err(s)?,
        outbox: store.outbox_items_recent(super::queue::MAX_SHOWN).map_err(s)?,
        counts: store.outbox_counts().map_err(s)?,
        paused: store.queue_paused().map_err(s)?,
        dictionaries,
        successes: store.success_counts(environment).map_err(s)?.into_iter().collect(),
    })
}
