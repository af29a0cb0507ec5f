//! The thread that owns the station for the window. It applies intents in order and answers
//! each with its own event; it never waits on the network (calls run on helper threads, the
//! sender on its own), so a record the clerk submits reaches the database at once.

use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use chrono::Utc;

mod excel;
mod lifecycle;
mod site_switch;

pub use site_switch::StoreSwitch;

use super::{ConnectionState, Event, Intent, InternalEvent, SaveFailure, prepare_photo};
use domain::ItemState;
use host::output_file::{Existing, StationFiles, write_output};
use station::config::{Config, Environment};
use station::platform::{Endpoint, PlatformClient, PlatformClock, Secret};
use station::sending::{SenderCommand, SenderEvent, SenderHandle, spawn_sender};
use station::{Station, platform_client, send_settings};

pub struct OwnerSetup {
    pub data_dir: PathBuf,
    pub config_path: PathBuf,
    pub config: Config,
    pub secret: Secret,
    pub clock: Arc<PlatformClock>,
    pub intents: Sender<Intent>,
    pub events: Sender<Event>,
    pub repaint: Arc<dyn Fn() + Send + Sync>,
}

pub struct Owner {
    setup: OwnerSetup,
    sender: Option<SenderHandle>,
    /// Where the station's "something was queued" goes: the current sender, if any.
    wake: Arc<Mutex<Option<Sender<SenderCommand>>>>,
    client: Option<Arc<PlatformClient>>,
    connection: ConnectionState,
    acceptance: super::acceptance_job::AcceptanceJob,
    /// The store opened for reading only: nothing is sent (the answers could not be kept).
    read_only: bool,
}

/// The attendance point lists this many matches; more means the clerk types more.
const FOUND_MAX: usize = 8;

impl Owner {
    pub fn new(setup: OwnerSetup) -> Owner {
        Owner {
            setup,
            sender: None,
            wake: Arc::new(Mutex::new(None)),
            client: None,
            connection: ConnectionState::Unknown,
            acceptance: super::acceptance_job::AcceptanceJob::new(),
            read_only: false,
        }
    }

    /// The station's own files, which no export or backup may write over.
    pub(super) fn station_files(&self) -> StationFiles {
        StationFiles::of(&self.setup.data_dir, &self.setup.config_path)
    }

    fn emit(&self, event: Event) {
        let _ = self.setup.events.send(event);
        (self.setup.repaint)();
    }

    /// (Re)builds the client from the current settings. A running sender takes the new client
    /// at its next item (never waited for); a sender is started or stopped as the settings
    /// become complete or not.
    fn connect(&mut self) {
        let s = &self.setup;
        let client = if self.read_only {
            Err("本机数据库只读：暂停上传".to_string())
        } else {
            platform_client(&s.config, &s.secret, Arc::clone(&s.clock)).map_err(|e| e.to_string())
        };
        let client = match client {
            Ok(c) => Arc::new(c),
            Err(reason) => {
                self.client = None;
                if let Some(old) = self.sender.take() {
                    *self.wake.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    // Stopping may wait for a call in flight: never on this thread.
                    std::thread::spawn(move || old.stop());
                }
                self.connection = ConnectionState::Offline {
                    since: Utc::now(),
                    last_success: None,
                    reason,
                };
                self.emit(Event::Connection(self.connection.clone()));
                return;
            }
        };
        let settings = send_settings(&s.config, &client);
        match &self.sender {
            Some(sender) => {
                sender.send(SenderCommand::Reconfigure(Arc::clone(&client), settings));
                sender.send(SenderCommand::Wake);
            }
            None => {
                let intents = self.setup.intents.clone();
                let location = match s.config.store_location(&self.setup.data_dir) {
                    Ok(l) => l,
                    Err(e) => {
                        self.emit(Event::Problem(e.to_string()));
                        return;
                    }
                };
                let sender = spawn_sender(
                    self.setup.data_dir.clone(),
                    location,
                    Arc::clone(&client),
                    settings,
                    Box::new(move |e| {
                        let _ = intents.send(Intent::Internal(InternalEvent::Sender(e)));
                    }),
                );
                *self.wake.lock().unwrap_or_else(|e| e.into_inner()) = Some(sender.commands());
                self.sender = Some(sender);
            }
        }
        self.client = Some(client);
    }

    fn publish(&self, station: &Station) {
        match station.snapshot() {
            Ok(s) => self.emit(Event::Snapshot(Arc::new(s))),
            // A damaged file often opens and fails at the first read of a lost page: the
            // clerk sees the way back, not an empty station.
            Err(e) if e.trouble() == Some(station::records::Trouble::Damaged) => {
                self.emit(Event::StoreUnusable(Box::new(super::StoreProblem {
                    message: e.explain(&self.setup.data_dir),
                    trouble: e.trouble(),
                    backups: station::maintenance::list_backups(&self.setup.data_dir),
                    data_dir: self.setup.data_dir.clone(),
                })))
            }
            // The status bar says it, and stops saying it when the database is back; a
            // banner would stay after the outage ended.
            Err(e) if e.is_site_unreachable() => self.emit(Event::Site(Some(e.to_string()))),
            Err(e) => self.emit(Event::Problem(e.to_string())),
        }
    }

    fn note_success(&mut self) {
        self.connection = ConnectionState::Online {
            last_success: Utc::now(),
        };
        self.emit(Event::Connection(self.connection.clone()));
    }

    fn note_failure(&mut self, reason: String) {
        let (since, last_success) = match &self.connection {
            ConnectionState::Online { last_success } => (Utc::now(), Some(*last_success)),
            ConnectionState::Offline {
                since, last_success, ..
            } => (*since, *last_success),
            ConnectionState::Unknown => (Utc::now(), None),
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
        let intents = self.setup.intents.clone();
        std::thread::spawn(move || {
            let results = station::snapshot::DICTIONARIES
                .into_iter()
                .map(|e| (e, client.fetch_dictionary(e)))
                .collect();
            let _ = intents.send(Intent::Internal(InternalEvent::Dictionaries(results)));
        });
    }

    /// Runs `work` on a helper thread and sends its event.
    fn in_background(&self, work: impl FnOnce() -> Event + Send + 'static) {
        let events = self.setup.events.clone();
        let repaint = Arc::clone(&self.setup.repaint);
        std::thread::spawn(move || {
            let _ = events.send(work());
            repaint();
        });
    }

    fn handle(&mut self, station: &mut Station, intent: Intent) {
        match intent {
            Intent::SaveWorker {
                worker,
                photos,
                face_check,
            } => {
                let id_code = worker.normalized().id_code;
                let result = station.enroll(*worker, photos).map_err(SaveFailure::from);
                if result.is_ok()
                    && let Some(check) = &face_check
                    && let Err(e) = station.record_face_check(&id_code, check)
                {
                    // The worker is saved and queued; only its history line is missing.
                    self.emit(Event::Problem(format!(
                        "登记已保存，但人证比对的记录没能写入本机历史：{e}"
                    )));
                }
                if result.is_ok()
                    && let Err(e) = station.clear_draft()
                {
                    // Saved and queued; only the draft's cleanup failed. Said once, here.
                    self.emit(Event::Problem(format!("登记已保存，但草稿没能清除：{e}")));
                }
                if let Ok(enrolled) = &result
                    && let Some(note) = &enrolled.face_note
                {
                    // Saved and queued; only the 考勤 point's face is missing.
                    self.emit(Event::Problem(format!("登记已保存。{note}")));
                }
                self.emit(Event::WorkerSaved {
                    id_code,
                    result: result.map(|e| e.item_id),
                });
                self.publish(station);
            }
            Intent::LoadWorker(id_code) => {
                let store = station.store();
                let found = match store.worker_or_draft(&id_code) {
                    Ok(Some(rec)) => match store.worker_photos(&id_code) {
                        Ok(photos) => Some(Box::new((rec, photos))),
                        Err(e) => return self.emit(Event::Problem(e.to_string())),
                    },
                    Ok(None) => None,
                    Err(e) => return self.emit(Event::Problem(e.to_string())),
                };
                self.emit(Event::WorkerLoaded { id_code, found });
            }
            Intent::SaveDraft(json) => {
                if let Err(e) = station.save_draft(json.as_deref()) {
                    self.emit(Event::Problem(format!("草稿没能保存：{e}")));
                }
            }
            Intent::SaveDraftPhotos(json) => {
                if let Err(e) = station.save_draft_photos(json.as_deref()) {
                    self.emit(Event::Problem(format!("草稿里的照片没能保存：{e}")));
                }
            }
            Intent::SaveCompany(company) => {
                let suid = company.normalized().suid;
                let result = station.save_company(*company).map(|_| ()).map_err(SaveFailure::from);
                self.emit(Event::CompanySaved { suid, result });
                self.publish(station);
            }
            Intent::RemoveCompany { suid, name } => {
                let result = station::company_removal(&suid, &name)
                    .and_then(|checked| station.remove_company(&checked.suid, &checked.company_name))
                    .map(|r| r.workers_still_naming)
                    .map_err(SaveFailure::from);
                self.emit(Event::CompanyRemoved(result));
                self.publish(station);
            }
            Intent::MarkLeaving { id_codes, exit_time } => {
                let result = station
                    .leave(&id_codes, Some(&exit_time))
                    .map(|_| id_codes.len())
                    .map_err(SaveFailure::from);
                self.emit(Event::LeavingRecorded(result));
                self.publish(station);
            }
            Intent::RecordPass {
                passer,
                direction,
                frame,
                identified,
            } => {
                let photo = frame.and_then(|f| image::RgbImage::from_raw(f.width, f.height, f.rgb.clone()));
                let result = station
                    .record_attendance(station::PassRequest {
                        passer,
                        direction,
                        passed_at: None,
                        photo: photo.map(station::SitePhoto::Frame),
                        identified,
                    })
                    .map_err(SaveFailure::from);
                self.emit(Event::PassRecorded(result));
                self.publish(station);
            }
            Intent::IdentifyFace(descriptor) => match station.identify(&descriptor) {
                Ok(found) => self.emit(Event::FaceIdentified(found)),
                // The clerk finds the person by card or name as before; one line for whoever reads the log.
                Err(e) => tracing::warn!("1:N at the attendance point failed: {e}"),
            },
            Intent::Internal(InternalEvent::Site(news)) => self.on_site(station, news),
            Intent::Internal(InternalEvent::FacesBackfilled(kept)) => {
                tracing::info!("face backfill kept {kept} descriptors");
                station.reload_gallery();
            }
            Intent::FindWorkers(query) => match station.find_workers(&query, FOUND_MAX) {
                Ok(rows) => self.emit(Event::WorkersFound { query, rows }),
                Err(e) => self.emit(Event::Problem(format!("查找人员失败：{e}"))),
            },
            Intent::ExportPasses { path, rows } => {
                let files = self.station_files();
                self.in_background(move || {
                    Event::PassesExported(
                        save_as(&files, &path, |tmp| super::super::export::write_passes_xlsx(tmp, &rows))
                            .map(|()| (path, rows.len())),
                    )
                })
            }
            Intent::AcceptanceStart => self.acceptance.start(
                self.setup.data_dir.clone(),
                self.setup.config.clone(),
                self.client.clone(),
                self.setup.events.clone(),
                self.setup.intents.clone(),
                Arc::clone(&self.setup.repaint),
            ),
            Intent::AcceptanceStop => self.acceptance.stop.store(true, std::sync::atomic::Ordering::SeqCst),
            Intent::AcceptanceReport(path) => {
                let store = station.store();
                let env = station.config().environment_label().to_string();
                let project = station.config().project_id.clone();
                // A saved run that does not read was said when the window opened.
                let run = station::acceptance::load(store).unwrap_or_else(|e| {
                    tracing::warn!("acceptance run left out of the report: {e}");
                    None
                });
                let files = self.station_files();
                match store.success_counts(&env) {
                    Ok(counts) => self.in_background(move || {
                        let counts = counts.into_iter().collect();
                        Event::AcceptanceReported(
                            save_as(&files, &path, |tmp| {
                                station::acceptance::write_report_xlsx(tmp, run.as_ref(), &counts, &env, &project)
                            })
                            .map(|()| path),
                        )
                    }),
                    Err(e) => self.emit(Event::AcceptanceReported(Err(e.to_string()))),
                }
            }
            Intent::Internal(InternalEvent::StoreChanged) => self.publish(station),
            Intent::LoadThumbnails(ids) => match station.store().thumbnails_or_faces(&ids) {
                Ok(found) => {
                    let intents = self.setup.intents.clone();
                    self.in_background(move || {
                        let (shown, made) = super::thumbnails::prepare(found);
                        if !made.is_empty() {
                            let _ = intents.send(Intent::Internal(InternalEvent::SaveThumbnails(made)));
                        }
                        Event::Thumbnails(shown)
                    });
                }
                Err(e) => self.emit(Event::Problem(format!("花名册的照片读不出来：{e}"))),
            },
            Intent::Internal(InternalEvent::SaveThumbnails(made)) => {
                for (id, jpeg) in made {
                    if let Err(e) = station.save_thumbnail(&id, &jpeg) {
                        tracing::warn!("thumbnail not kept: {e}");
                    }
                }
            }
            Intent::Backup(path) => {
                let data_dir = self.setup.data_dir.clone();
                let intents = self.setup.intents.clone();
                let files = self.station_files();
                self.in_background(move || {
                    // Its own connection: the copy goes a little at a time, the window keeps
                    // writing meanwhile. The save dialog asked before replacing a file.
                    let result = station::maintenance::backup(&data_dir, &path, Existing::Replace, &files)
                        .map(|()| path)
                        .map_err(|e| e.to_string());
                    let _ = intents.send(Intent::Internal(InternalEvent::StoreChanged));
                    Event::BackedUp(result)
                });
            }
            Intent::RetryItem(id) => {
                let result = station.retry(id).map_err(SaveFailure::from);
                self.emit(Event::QueueChanged(result));
                self.publish(station);
            }
            Intent::RetryAll => {
                let result = station.retry_all().map(|_| ()).map_err(SaveFailure::from);
                self.emit(Event::QueueChanged(result));
                self.publish(station);
            }
            Intent::DismissSettingsPause => {
                let result = station.dismiss_settings_pause().map_err(SaveFailure::from);
                self.emit(Event::QueueChanged(result));
                self.publish(station);
            }
            Intent::RefreshDictionaries => self.fetch_dictionaries(),
            Intent::TestConnection => self.test_connection(),
            Intent::ApplySettings { config, secret } => {
                let result = self.apply_settings(station, *config, secret);
                let ok = result.is_ok();
                self.emit(Event::SettingsApplied(result));
                if ok {
                    self.fetch_dictionaries();
                    self.publish(station);
                }
            }
            Intent::NormalizePhoto { kind, source } => {
                let budgets = station.config().photo_budgets.clone();
                self.in_background(move || Event::PhotoReady {
                    kind,
                    result: prepare_photo(kind, source, &budgets),
                });
            }
            Intent::Export { path, rows } => {
                let files = self.station_files();
                self.in_background(move || {
                    Event::Exported(
                        save_as(&files, &path, |tmp| super::super::export::write_roster_xlsx(tmp, &rows))
                            .map(|()| (path, rows.len())),
                    )
                })
            }
            Intent::Internal(InternalEvent::Dictionaries(results)) => {
                let mut failure = None;
                for (kind, result) in results {
                    match result {
                        Ok(entries) => {
                            if let Err(e) = station.save_dictionary(kind, &entries) {
                                self.emit(Event::Problem(format!("字典没能存到本机：{e}")));
                            }
                        }
                        Err(e) => failure = Some(e),
                    }
                }
                match failure {
                    None => self.note_success(),
                    Some(e) => self.note_failure(e.to_string()),
                }
                self.publish(station);
            }
            Intent::Internal(InternalEvent::Sender(event)) => self.on_sender(station, event),
            Intent::Excel(intent) => self.handle_excel(station, intent),
            // Both end the serving loop before they reach here.
            Intent::Shutdown | Intent::RestoreStore(_) | Intent::SwitchStore(_) => {}
        }
    }

    /// Writes the settings (never the demo's), then reconnects without waiting on anything.
    fn apply_settings(&mut self, station: &mut Station, config: Config, secret: Secret) -> Result<(), String> {
        config.check().map_err(|e| e.to_string())?;
        if config.environment != Environment::Demo {
            config.save(&self.setup.config_path).map_err(|e| e.to_string())?;
            host::secret::save_secret(&self.setup.data_dir, &secret).map_err(|e| format!("保存秘钥失败：{e}"))?;
        }
        station.set_config(config.clone());
        self.setup.config = config;
        self.setup.secret = secret;
        self.connect();
        Ok(())
    }

    fn on_sender(&mut self, station: &Station, event: SenderEvent) {
        match event {
            SenderEvent::Drained(report) => {
                if report.sent > 0 {
                    self.note_success();
                } else if report.retry > 0 || report.waiting_until.is_some() {
                    let reason = station
                        .store()
                        .outbox_items(false)
                        .ok()
                        .and_then(|items| items.into_iter().find(|i| i.state == ItemState::Retry))
                        .map(|i| i.last_message)
                        .unwrap_or_else(|| "连不上平台".into());
                    self.note_failure(reason);
                }
                if report.attempted > 0 || report.paused.is_some() || report.requeued > 0 || report.expired > 0 {
                    self.publish(station);
                }
            }
            SenderEvent::Busy => self.note_failure("另一个程序（命令行）正在上传队列：记录会由它发出".into()),
            SenderEvent::Failed(message) => self.emit(Event::Problem(message)),
        }
    }

    fn test_connection(&self) {
        let Some(client) = self.client.clone() else {
            let missing = self.setup.config.missing_for_platform(&self.setup.secret);
            return self.emit(Event::ConnectionTested {
                ok: false,
                message: format!("还没有设置{}：请填写后再测试", missing.join("、")),
            });
        };
        let intents = self.setup.intents.clone();
        self.in_background(move || {
            let started = std::time::Instant::now();
            let result = client.fetch_dictionary(Endpoint::DictListEmpCategory);
            let ms = started.elapsed().as_millis();
            let clock_note = client.clock().warning().unwrap_or_else(|| "本机时钟与平台一致".into());
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
            let _ = intents.send(Intent::Internal(InternalEvent::Dictionaries(vec![(
                Endpoint::DictListEmpCategory,
                result,
            )])));
            event
        });
    }
}

/// Writes a file the clerk chose in a save dialog. The dialog asked before replacing an
/// existing file, so this replaces, but never one of the station's own files, and always
/// through a temp file (see [`host::output_file`]).
pub(super) fn save_as<T, E: std::fmt::Display>(
    files: &StationFiles,
    path: &std::path::Path,
    write: impl FnOnce(&std::path::Path) -> Result<T, E>,
) -> Result<T, String> {
    write_output(path, Existing::Replace, files, write).map_err(|e| e.to_string())
}
