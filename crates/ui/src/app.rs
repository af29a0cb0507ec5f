//! The application: saved state apart from live handles, screens that return commands,
//! and `logic` that applies what the background reported.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::backend::{Backend, ConnectionState, Event, Intent, Snapshot};
use super::{
    about, attendance, blacklist, companies, enroll, import, queue, roster, settings, setup, status, store_problem,
};
use card::DemoCards;
use card::poller::{CardPoller, CardReaderProvider, ConfiguredReader};
use domain::PhotoKind;
use media::camera::CameraProvider;
use station::config::Config;
use station::platform::Secret;

pub use super::settings::appearance::{TextSize, ThemeChoice};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Screen {
    #[default]
    Enroll,
    /// 考勤: the station as an attendance point.
    Attendance,
    Roster,
    Companies,
    Queue,
    Settings,
    /// 首次设置: shown until the station can talk to the platform.
    Setup,
    Import,
    Blacklist,
}

impl Screen {
    /// The navigation, in order (首次设置 goes in front while it is needed).
    pub const ALL: [Screen; 8] = [
        Screen::Enroll,
        Screen::Attendance,
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
            Screen::Attendance => "考勤",
            Screen::Roster => "人员花名册",
            Screen::Companies => "参建单位",
            Screen::Queue => "待上传",
            Screen::Settings => "设置",
            Screen::Setup => "首次设置",
            Screen::Import => "导入人员",
            Screen::Blacklist => "黑名单",
        }
    }
}

/// Where eframe keeps [`SavedState`] (in `window.ron` in the data dir, beside eframe's own
/// window size and position): each station's own, not in the store, which a site may share.
pub const WINDOW_STATE_KEY: &str = "station_window";

/// What the window remembers between runs (the draft is kept apart, in the store).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedState {
    pub screen: Screen,
    pub roster: roster::RosterPrefs,
    /// 外观 and 文字大小: this PC's, like the window's size.
    pub theme: ThemeChoice,
    pub text_size: TextSize,
}

/// What screens ask for; applied after drawing.
pub enum Command {
    Go(Screen),
    Backend(Intent),
    /// Open a worker in the enrollment form for editing.
    EditWorker(String),
    /// Open a company in the company form.
    EditCompany(String),
    Notice(String),
    /// Open the demo (built-in simulator, its own data) in a window of its own.
    StartDemo,
    /// Ask the clerk for a file (see [`super::dialogs`]), then act on it.
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
    pub backend: Backend,
    pub snapshot: Arc<Snapshot>,
    pub connection: ConnectionState,
    pub config: Config,
    pub demo: bool,
    pub enroll: enroll::EnrollScreen,
    pub attendance: attendance::AttendanceScreen,
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
    /// The one ID-card reader, shared by the screens that take cards (its device can be
    /// open only once); its cards go to the screen shown.
    reader: CardPoller,
    auto_read: bool,
    /// The screen whose reader and camera are in use.
    reader_screen: Option<Screen>,
    pub about: about::About,
    /// The start-up look at whether 首次设置 is needed has been taken.
    setup_checked: bool,
    /// The store cannot be used: the window shows why and the way back, nothing else.
    pub store_problem: Option<Box<super::backend::StoreProblem>>,
    pub store_page: store_problem::StoreProblemPage,
    /// The store may only be read: said on every screen, not dismissible.
    pub read_only: Option<String>,
    /// Where the records are kept (本机, 工地数据库 …), for the status bar.
    pub store_location: String,
    /// The site database cannot be reached: why (the status bar says so until it answers).
    pub site_problem: Option<String>,
}

const NOTICE_SECS: u64 = 8;

impl StationApp {
    pub fn new(ctx: &egui::Context, options: AppOptions) -> StationApp {
        // Ctrl+加号/减号 step through the three text sizes instead (settings::appearance).
        ctx.options_mut(|o| o.zoom_with_keyboard = false);
        let repaint_ctx = ctx.clone();
        let backend = Backend::start(
            options.data_dir.clone(),
            options.config_path.clone(),
            options.config.clone(),
            options.secret.clone(),
            Arc::new(move || repaint_ctx.request_repaint()),
        );
        let clock = Arc::clone(&backend.clock);
        let repaint_ctx = ctx.clone();
        let reader = CardPoller::start(
            options.card_reader,
            false,
            options.config.photo_budgets.bytes_for(PhotoKind::IdPortrait),
            Arc::new(move || repaint_ctx.request_repaint()),
        );
        let auto_read = options.config.card_reader.auto_read || options.demo;
        StationApp {
            saved: SavedState::default(),
            backend,
            snapshot: Arc::new(Snapshot::default()),
            connection: ConnectionState::Unknown,
            enroll: enroll::EnrollScreen::new(
                enroll::EnrollSetup {
                    cameras: Arc::clone(&options.cameras),
                    card_reader: reader.remote(),
                    demo_cards: options.demo_cards.clone(),
                    auto_read,
                    face_check_mode: options.config.face_check_mode,
                },
                ctx.clone(),
                clock,
            ),
            attendance: attendance::AttendanceScreen::new(
                options.cameras,
                reader.remote(),
                options.demo_cards,
                auto_read,
                ctx.clone(),
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
            reader,
            auto_read,
            reader_screen: None,
            about: about::About::new(&options.data_dir),
            setup_checked: false,
            store_problem: None,
            store_page: store_problem::StoreProblemPage::default(),
            read_only: None,
            store_location: String::new(),
            site_problem: None,
        }
    }

    /// Takes up the window where the last run left it (`text`: what eframe kept under
    /// [`WINDOW_STATE_KEY`]). Call before the first frame. A state that cannot be read is said
    /// once; the defaults take over and are saved in its place.
    pub fn restore_window_state(&mut self, text: Option<&str>) {
        let Some(text) = text else {
            return;
        };
        match serde_json::from_str::<SavedState>(text) {
            Ok(saved) => self.saved = saved,
            Err(e) => {
                tracing::warn!("window state not read: {e}");
                self.errors.push(format!(
                    "窗口上次的状态（打开的页面、筛选条件）读不出来，已用默认值：{e}"
                ));
            }
        }
    }

    /// Opens on `start` instead of what was kept.
    pub fn open_on(&mut self, start: super::WindowStart) {
        if let Some(screen) = start.screen {
            self.saved.screen = screen;
            // Asked for by name: not replaced by 首次设置 on the first frame.
            self.setup_checked = true;
        }
        if let Some(theme) = start.theme {
            self.saved.theme = theme;
        }
        if let Some(size) = start.text_size {
            self.saved.text_size = size;
        }
    }

    /// What eframe should keep of this window until the next run.
    pub fn window_state(&self) -> Option<String> {
        serde_json::to_string(&self.saved)
            .inspect_err(|e| tracing::error!("window state not saved: {e}"))
            .ok()
    }

    /// Applies what the background reported and what the screens asked for. Never blocks.
    pub fn logic(&mut self, ctx: &egui::Context) {
        settings::appearance::text_size_keys(ctx, &mut self.saved.text_size);
        settings::appearance::apply(ctx, self.saved.theme, self.saved.text_size);
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
        // Just installed: open on 首次设置 instead of a form that cannot work yet.
        if !self.setup_checked {
            self.setup_checked = true;
            if !self.demo && !self.settings.missing_for_platform().is_empty() {
                self.saved.screen = Screen::Setup;
            }
        }
        self.enroll.logic(&self.backend, &self.snapshot);
        let mut out = Vec::new();
        self.attendance.logic(&mut out);
        self.commands.extend(out);
        self.route_reader();
    }

    /// The reader looks for cards while a screen that takes them is shown, and its cards go
    /// there; a screen left gives its camera back.
    fn route_reader(&mut self) {
        let shown = Some(self.saved.screen).filter(|s| matches!(s, Screen::Enroll | Screen::Attendance));
        if shown != self.reader_screen {
            match self.reader_screen {
                Some(Screen::Attendance) => self.attendance.hidden(),
                Some(Screen::Enroll) => self.enroll.hidden(),
                _ => {}
            }
            self.reader_screen = shown;
            self.reader.set_auto(shown.is_some() && self.auto_read);
        }
        for event in self.reader.poll() {
            match shown {
                Some(Screen::Enroll) => self.enroll.on_card(event),
                Some(Screen::Attendance) => self.attendance.on_card(event),
                // A 读卡 answered after the clerk left the screen.
                _ => {}
            }
        }
    }

    fn on_event(&mut self, event: Event) {
        match &event {
            Event::Snapshot(s) => self.snapshot = Arc::clone(s),
            Event::Connection(c) => self.connection = c.clone(),
            Event::StoreUnusable(problem) => {
                tracing::error!("{}", problem.message);
                self.store_page.restoring = false;
                self.store_problem = Some(problem.clone());
            }
            Event::StoreReadOnly(message) => self.read_only = Some(message.clone()),
            Event::StoreLocation(words) => {
                self.store_location = words.clone();
                self.site_problem = None;
            }
            Event::Site(problem) => self.site_problem = problem.clone(),
            Event::StoreSwitched(Ok(words)) => self.notice(words.clone()),
            Event::StoreRestored(Ok(message)) => {
                self.store_problem = None;
                self.store_page = store_problem::StoreProblemPage::default();
                self.read_only = None;
                self.notice(message.clone());
            }
            Event::StoreRestored(Err(e)) => {
                self.store_page.restoring = false;
                self.store_page.failure = Some(e.clone());
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
                self.enroll.set_face_check_mode(self.config.face_check_mode);
                if !self.demo {
                    let provider = Arc::new(ConfiguredReader {
                        settings: self.config.card_reader.clone(),
                        work_dir: self.card_work_dir.clone(),
                    });
                    self.auto_read = self.config.card_reader.auto_read;
                    self.enroll.set_auto_read(self.auto_read);
                    self.attendance.set_auto_read(self.auto_read);
                    self.reader.set_provider(provider);
                    self.reader.set_auto(self.reader_screen.is_some() && self.auto_read);
                }
                self.notice("设置已保存，正在用新设置连接平台".into());
            }
            Event::LeavingRecorded(Ok(count)) => self.notice(format!("已记录 {count} 人离场，正在上传")),
            Event::CompanySaved { result: Ok(()), .. } => self.notice("单位已保存，正在上传".into()),
            Event::CompanyRemoved(Ok(_)) => self.notice("已记录移除，正在上传".into()),
            Event::PassesExported(Ok((path, rows))) => {
                self.notice(format!("已导出 {rows} 条考勤到 {}", path.display()));
            }
            Event::PassesExported(Err(e)) => self.errors.push(format!("考勤没有导出：{e}")),
            Event::BackedUp(Ok(path)) => self.notice(format!("数据已备份到 {}", path.display())),
            Event::BackedUp(Err(e)) => self.errors.push(format!("备份没有完成：{e}。请换一个位置或文件名再试")),
            _ => {}
        }
        self.enroll.on_event(&event);
        self.attendance.on_event(&event);
        self.settings.on_event(&event);
        if matches!(event, Event::StoreSwitched(Ok(_))) {
            self.config.store = self.settings.applied_store();
        }
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
            E::DraftDeleted(Ok(id)) => self.notice(format!("已删除待补全资料 {}", domain::mask_id(id))),
            E::DraftDeleted(Err(f)) => self.errors.push(f.message()),
            _ => {}
        }
    }

    fn open_dialog(&mut self, dialog: super::dialogs::FileDialog, ctx: &egui::Context) {
        if let Err(e) = super::dialogs::open(dialog, self.backend.intent_sender(), ctx.clone()) {
            self.errors
                .push(format!("选择文件的窗口打不开：{e}。请关闭一些程序后再试"));
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
            Command::Notice(text) => self.notice(text),
            Command::StartDemo => match std::env::current_exe().and_then(|exe| {
                std::process::Command::new(exe)
                    .arg("demo")
                    .stdin(std::process::Stdio::null())
                    .spawn()
            }) {
                Ok(_) => self.notice("演示模式在另一个窗口打开，与本机资料互不影响".into()),
                Err(e) => self.errors.push(format!("演示模式打不开：{e}")),
            },
            Command::File(dialog) => self.open_dialog(dialog, ctx),
            Command::ShowDrafts => {
                self.saved.roster.state = domain::RecordState::Draft.as_str().to_string();
                self.saved.screen = Screen::Roster;
            }
        }
    }

    /// Draws the whole window.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        if let Some(problem) = self.store_problem.clone() {
            return self.store_problem_ui(ui, &problem);
        }
        let mut out = Vec::new();
        let setup_state = setup::SetupState::of(&self.settings, &self.connection, &self.snapshot);
        egui::Panel::top("nav").show(ui, |ui| {
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                ui.heading("实名制登记工作站");
                if self.demo {
                    let palette = super::widgets::Palette::of(ui);
                    ui.label(
                        egui::RichText::new(" 演示模式 ")
                            .strong()
                            .color(palette.badge_text)
                            .background_color(palette.badge_fill),
                    );
                }
                ui.add_space(16.0);
                let needs_setup = setup_state.incomplete() && !self.demo;
                if needs_setup
                    && ui
                        .selectable_label(self.saved.screen == Screen::Setup, Screen::Setup.label())
                        .clicked()
                {
                    out.push(Command::Go(Screen::Setup));
                }
                for screen in Screen::ALL {
                    let text = match screen {
                        Screen::Queue => super::widgets::badge_text(screen.label(), self.snapshot.counts.open()),
                        _ => screen.label().to_string(),
                    };
                    if ui.selectable_label(self.saved.screen == screen, text).clicked() {
                        out.push(Command::Go(screen));
                    }
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui.button("关于").clicked() {
                        self.about.open = true;
                    }
                });
            });
            ui.add_space(4.0);
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            status::status_bar(ui, self);
        });
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(text) = &self.read_only {
                ui.colored_label(ui.visuals().error_fg_color, text);
            }
            self.messages(ui);
            let working_screen = matches!(
                self.saved.screen,
                Screen::Enroll | Screen::Attendance | Screen::Roster | Screen::Companies | Screen::Queue
            );
            if working_screen
                && !self.demo
                && let Some(text) = setup_state.banner()
            {
                setup_banner(ui, &text, setup_state.incomplete(), &mut out);
            }
            match self.saved.screen {
                Screen::Setup => setup::setup_ui(ui, &setup_state, &mut self.settings, &mut out),
                Screen::Enroll => self.enroll.ui(ui, &self.snapshot, &mut out),
                Screen::Attendance => {
                    self.attendance
                        .ui(ui, &self.snapshot, self.config.attendance_window_secs, &mut out)
                }
                Screen::Roster => self.roster.ui(ui, &self.snapshot, &mut self.saved.roster, &mut out),
                Screen::Companies => self.companies.ui(ui, &self.snapshot, &mut out),
                Screen::Queue => self.queue.ui(ui, &self.snapshot, &mut out),
                Screen::Settings => {
                    settings::appearance::appearance_ui(ui, &mut self.saved.theme, &mut self.saved.text_size);
                    self.settings.ui(ui, &self.snapshot, &mut out)
                }
                Screen::Import => self.import.ui(ui, &self.snapshot, &mut out),
                Screen::Blacklist => self.blacklist.ui(ui, &self.snapshot, &mut out),
            }
        });
        self.about.ui(ui.ctx(), &self.config, self.demo);
        self.commands.extend(out);
    }

    fn messages(&mut self, ui: &mut egui::Ui) {
        let mut dismiss = None;
        for (i, e) in self.errors.iter().enumerate() {
            ui.horizontal(|ui| {
                ui.label(egui::RichText::new(format!("！{e}")).color(super::widgets::error_red(ui)));
                if ui.small_button("知道了").clicked() {
                    dismiss = Some(i);
                }
            });
        }
        if let Some(i) = dismiss {
            self.errors.remove(i);
        }
        for (n, _) in &self.notices {
            ui.label(egui::RichText::new(format!("√ {n}")).color(super::widgets::ok_green(ui)));
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

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if let Some(json) = self.window_state() {
            storage.set_string(WINDOW_STATE_KEY, json);
        }
    }
}

/// What the station still lacks, on every working screen, with the way to it.
impl StationApp {
    /// Instead of every screen while the store cannot be used.
    fn store_problem_ui(&mut self, ui: &mut egui::Ui, problem: &super::backend::StoreProblem) {
        let mut out = Vec::new();
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| self.store_page.ui(ui, problem, &mut out));
        });
        for command in out {
            match command {
                store_problem::StoreProblemCommand::Restore(path) => self.backend.send(Intent::RestoreStore(path)),
                store_problem::StoreProblemCommand::PickBackup => {
                    self.open_dialog(super::dialogs::FileDialog::PickBackup, ui.ctx())
                }
                store_problem::StoreProblemCommand::Quit => ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close),
            }
        }
    }
}

fn setup_banner(ui: &mut egui::Ui, text: &str, settings_missing: bool, out: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        ui.label(egui::RichText::new(text).color(super::widgets::warn_amber(ui)));
        if settings_missing {
            if ui.button("去首次设置").clicked() {
                out.push(Command::Go(Screen::Setup));
            }
        } else if ui.button("去参建单位").clicked() {
            out.push(Command::Go(Screen::Companies));
        }
    });
}
