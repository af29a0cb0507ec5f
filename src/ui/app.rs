//! The application: saved state apart from live handles, screens that return commands,
//! and `logic` that applies what the background reported.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::backend::{Backend, ConnectionState, Event, Intent, PhotoSource, Snapshot};
use super::export::RosterLine;
use super::{blacklist, companies, enroll, import, queue, roster, settings, status};
use crate::api::Secret;
use crate::card::DemoCards;
use crate::card::poller::{CardReaderProvider, ConfiguredReader};
use crate::config::Config;
use crate::domain::PhotoKind;
use crate::media::camera::CameraProvider;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Screen {
    #[default]
    Enroll,
    Roster,
    Companies,
    Queue,
    Settings,
    Import,
    Blacklist,
}

impl Screen {
    pub const ALL: [Screen; 7] = [
        Screen::Enroll,
        Screen::Roster,
        Screen::Import,
        Screen::Companies,
        Screen::Blacklist,
        Screen::Queue,
        Screen::Settings,
    ];
    pub fn label(self) -> &'static str {
        match self {
            Screen::Enroll => "人员登记",
            Screen::Roster => "人员花名册",
            Screen::Companies => "参建单位",
            Screen::Queue => "待上传",
            Screen::Settings => "设置",
            Screen::Import => "导入人员",
            Screen::Blacklist => "黑名单",
        }
    }
}

/// What the window remembers between runs (the draft is kept apart, in the store).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedState {
    pub screen: Screen,
    pub roster: roster::RosterPrefs,
}

/// What screens ask for; applied after drawing.
pub enum Command {
    Go(Screen),
    Backend(Intent),
    /// Open a worker in the enrollment form for editing.
    EditWorker(String),
    /// Open a company in the company form.
    EditCompany(String),
    PickPhotoFile(PhotoKind),
    /// Ask where to save, then export these lines.
    ExportRoster(Vec<RosterLine>),
    Notice(String),
    /// A file dialog for the Excel screens (run on its own thread).
    File(super::dialogs::FileDialog),
    /// The roster filtered to the drafts (待补全).
    ShowDrafts,
}

pub struct AppOptions {
    pub data_dir: PathBuf,
    /// Where 保存设置 writes the settings.
    pub config_path: PathBuf,
    pub config: Config,
    pub secret: Secret,
    pub demo: bool,
    pub cameras: Arc<dyn CameraProvider>,
    /// The ID-card reader (the configured one, or the demo's prepared cards).
    pub card_reader: Arc<dyn CardReaderProvider>,
    /// The demo's prepared cards, for its 模拟读卡 button.
    pub demo_cards: Option<DemoCards>,
}

pub struct StationApp {
    pub saved: SavedState,
    saved_json: String,
    pub backend: Backend,
    pub snapshot: Arc<Snapshot>,
    pub connection: ConnectionState,
    pub config: Config,
    pub demo: bool,
    pub enroll: enroll::EnrollScreen,
    pub roster: roster::RosterScreen,
    pub companies: companies::CompaniesScreen,
    pub queue: queue::QueueScreen,
    pub settings: settings::SettingsScreen,
    pub import: import::ImportScreen,
    pub blacklist: blacklist::BlacklistScreen,
    /// Messages for the clerk, newest last, each shown for a while.
    pub notices: Vec<(String, Instant)>,
    pub errors: Vec<String>,
    commands: Vec<Command>,
    /// Where the reader's portraits are decoded.
    card_work_dir: PathBuf,
}

const NOTICE_SECS: u64 = 8;

impl StationApp {
    pub fn new(ctx: &egui::Context, options: AppOptions) -> StationApp {
        let repaint_ctx = ctx.clone();
        let backend = Backend::start(
            options.data_dir.clone(),
            options.config_path.clone(),
            options.config.clone(),
            options.secret.clone(),
            Arc::new(move || repaint_ctx.request_repaint()),
        );
        let clock = Arc::clone(&backend.clock);
        StationApp {
            saved: SavedState::default(),
            saved_json: String::new(),
            backend,
            snapshot: Arc::new(Snapshot::default()),
            connection: ConnectionState::Unknown,
            enroll: enroll::EnrollScreen::new(
                enroll::EnrollSetup {
                    cameras: options.cameras,
                    card_reader: options.card_reader,
                    demo_cards: options.demo_cards,
                    auto_read: options.config.card_reader.auto_read || options.demo,
                    portrait_budget: options.config.photo_budgets.bytes_for(PhotoKind::IdPortrait),
                },
                ctx.clone(),
                clock,
            ),
            roster: roster::RosterScreen::default(),
            companies: companies::CompaniesScreen::default(),
            queue: queue::QueueScreen::default(),
            settings: settings::SettingsScreen::new(&options.config, &options.secret),
            import: import::ImportScreen::default(),
            blacklist: blacklist::BlacklistScreen::default(),
            config: options.config,
            demo: options.demo,
            notices: Vec::new(),
            errors: Vec::new(),
            commands: Vec::new(),
            card_work_dir: options.data_dir.join("card"),
        }
    }

    /// Applies what the background reported and what the screens asked for. Never blocks.
    pub fn logic(&mut self, ctx: &egui::Context) {
        for event in self.backend.poll() {
            self.on_event(event);
        }
        for command in std::mem::take(&mut self.commands) {
            self.apply(command, ctx);
        }
        let now = Instant::now();
        self.notices
            .retain(|(_, at)| now.duration_since(*at) < Duration::from_secs(NOTICE_SECS));
        if !self.notices.is_empty() {
            ctx.request_repaint_after(Duration::from_secs(1));
        }
        let json = serde_json::to_string(&self.saved).unwrap_or_default();
        if json != self.saved_json {
            self.saved_json = json.clone();
            self.backend.send(Intent::SaveUiState(json));
        }
        let enrolling = self.saved.screen == Screen::Enroll;
        self.enroll.logic(&self.backend, &self.snapshot, enrolling);
    }

    fn on_event(&mut self, event: Event) {
        match &event {
            Event::Snapshot(s) => self.snapshot = Arc::clone(s),
            Event::Connection(c) => self.connection = c.clone(),
            Event::UiStateLoaded(Some(json)) => {
                if let Ok(saved) = serde_json::from_str::<SavedState>(json) {
                    self.saved_json = json.clone();
                    self.saved = saved;
                }
            }
            Event::Problem(message) => {
                tracing::warn!("{message}");
                if !self.errors.contains(message) {
                    self.errors.push(message.clone());
                }
            }
            Event::Exported(Ok((path, rows))) => {
                self.notice(format!("已导出 {rows} 人到 {}", path.display()));
            }
            Event::Exported(Err(e)) => self.errors.push(format!("花名册没有导出：{e}")),
            Event::SettingsApplied(Ok(())) => {
                self.config = self.settings.applied_config();
                if !self.demo {
                    let provider = Arc::new(ConfiguredReader {
                        settings: self.config.card_reader.clone(),
                        work_dir: self.card_work_dir.clone(),
                    });
                    self.enroll.set_card_reader(provider, self.config.card_reader.auto_read);
                }
                self.notice("设置已保存，正在用新设置连接平台".into());
            }
            Event::LeavingRecorded(Ok(count)) => self.notice(format!("已记录 {count} 人离场，正在上传")),
            Event::CompanySaved { result: Ok(()), .. } => self.notice("单位已保存，正在上传".into()),
            Event::CompanyRemoved(Ok(_)) => self.notice("已记录移除，正在上传".into()),
            _ => {}
        }
        self.enroll.on_event(&event);
        self.settings.on_event(&event);
        self.companies.on_event(&event);
        self.roster.on_event(&event);
        self.queue.on_event(&event);
        self.import.on_event(&event);
        self.blacklist.on_event(&event);
        if let Event::Excel(e) = &event {
            self.on_excel_event(e);
        }
    }

    fn on_excel_event(&mut self, e: &super::backend::ExcelEvent) {
        use super::backend::ExcelEvent as E;
        match e {
            E::DraftDeleted(Ok(id)) => self.notice(format!("已删除待补全资料 {}", crate::domain::mask_id(id))),
            E::DraftDeleted(Err(f)) => self.errors.push(f.message()),
            _ => {}
        }
    }

    pub fn notice(&mut self, text: String) {
        self.notices.push((text, Instant::now()));
    }

    fn apply(&mut self, command: Command, ctx: &egui::Context) {
        match command {
            Command::Go(screen) => self.saved.screen = screen,
            Command::Backend(intent) => self.backend.send(intent),
            Command::EditWorker(id_code) => {
                self.saved.screen = Screen::Enroll;
                self.enroll.open_existing(&id_code, &self.backend);
            }
            Command::EditCompany(suid) => {
                self.saved.screen = Screen::Companies;
                self.companies.open(&suid, &self.snapshot);
            }
            Command::PickPhotoFile(kind) => {
                let sender = self.backend.intent_sender();
                let ctx = ctx.clone();
                std::thread::spawn(move || {
                    let picked = rfd::FileDialog::new()
                        .set_title(format!("选择{}", kind.label()))
                        .add_filter(
                            "照片 (JPG, PNG, BMP)",
                            &["jpg", "jpeg", "png", "bmp", "JPG", "JPEG", "PNG", "BMP"],
                        )
                        .pick_file();
                    if let Some(path) = picked {
                        let _ = sender.send(Intent::NormalizePhoto {
                            kind,
                            source: PhotoSource::File(path),
                        });
                        ctx.request_repaint();
                    }
                });
            }
            Command::ExportRoster(lines) => {
                let sender = self.backend.intent_sender();
                std::thread::spawn(move || {
                    let name = format!("人员花名册-{}.xlsx", chrono::Local::now().format("%Y%m%d-%H%M"));
                    let picked = rfd::FileDialog::new()
                        .set_title("导出花名册")
                        .set_file_name(name)
                        .add_filter("Excel", &["xlsx"])
                        .save_file();
                    if let Some(path) = picked {
                        let _ = sender.send(Intent::Export { path, rows: lines });
                    }
                });
            }
            Command::Notice(text) => self.notice(text),
            Command::File(dialog) => super::dialogs::open(dialog, self.backend.intent_sender()),
            Command::ShowDrafts => {
                self.saved.roster.state = crate::domain::RecordState::Draft.as_str().to_string();
                self.saved.screen = Screen::Roster;
            }
        }
    }

    /// Draws the whole window.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let mut out = Vec::new();
        egui::Panel::top("nav").show(ui, |ui| {
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                ui.heading("实名制登记工作站");
                if self.demo {
                    ui.label(
                        egui::RichText::new(" 演示模式 ")
                            .strong()
                            .color(egui::Color32::WHITE)
                            .background_color(egui::Color32::from_rgb(0xE6, 0x51, 0x00)),
                    );
                }
                ui.add_space(16.0);
                for screen in Screen::ALL {
                    let text = match screen {
                        Screen::Queue => super::widgets::badge_text(screen.label(), self.snapshot.counts.open()),
                        _ => screen.label().to_string(),
                    };
                    if ui.selectable_label(self.saved.screen == screen, text).clicked() {
                        out.push(Command::Go(screen));
                    }
                }
            });
            ui.add_space(4.0);
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            status::status_bar(ui, self);
        });
        egui::CentralPanel::default().show(ui, |ui| {
            self.messages(ui);
            match self.saved.screen {
                Screen::Enroll => self.enroll.ui(ui, &self.snapshot, &mut out),
                Screen::Roster => self.roster.ui(ui, &self.snapshot, &mut self.saved.roster, &mut out),
                Screen::Companies => self.companies.ui(ui, &self.snapshot, &mut out),
                Screen::Queue => self.queue.ui(ui, &self.snapshot, &mut out),
                Screen::Settings => self.settings.ui(ui, &self.snapshot, &mut out),
                Screen::Import => self.import.ui(ui, &self.snapshot, &mut out),
                Screen::Blacklist => self.blacklist.ui(ui, &self.snapshot, &mut out),
            }
        });
        self.commands.extend(out);
    }

    fn messages(&mut self, ui: &mut egui::Ui) {
        let mut dismiss = None;
        for (i, e) in self.errors.iter().enumerate() {
            ui.horizontal(|ui| {
                ui.label(egui::RichText::new(format!("！{e}")).color(super::widgets::ERROR_RED));
                if ui.small_button("知道了").clicked() {
                    dismiss = Some(i);
                }
            });
        }
        if let Some(i) = dismiss {
            self.errors.remove(i);
        }
        for (n, _) in &self.notices {
            ui.label(egui::RichText::new(format!("√ {n}")).color(super::widgets::OK_GREEN));
        }
    }
}

impl eframe::App for StationApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        StationApp::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        StationApp::ui(self, ui);
    }
}
