//! A window under test: the real app against a simulator, driven by egui_kittest.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cwr_station::api::Secret;
use cwr_station::config::{Config, Environment};
use cwr_station::media::camera::SyntheticCameras;
use cwr_station::sim::SimConfig;
use cwr_station::ui::{AppOptions, StationApp, fonts};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// The app is made on the first frame, with the harness's own context.
pub struct UiState {
    pub app: Option<StationApp>,
    options: Option<AppOptions>,
    /// What eframe would have kept from the last run, taken up when the app is made.
    window_state: Option<String>,
}

impl UiState {
    pub fn app(&self) -> &StationApp {
        self.app.as_ref().expect("app started")
    }
    pub fn app_mut(&mut self) -> &mut StationApp {
        self.app.as_mut().expect("app started")
    }
}

pub fn demo_config(base_url: &str) -> Config {
    let demo = SimConfig::demo();
    Config {
        environment: Environment::Demo,
        base_url: base_url.to_string(),
        api_key: demo.api_key,
        client_serial: demo.client_serial,
        project_id: demo.project_id,
        device_id: "GATE-UI".into(),
        ..Default::default()
    }
}

pub fn harness(data_dir: &Path, base_url: &str) -> Harness<'static, UiState> {
    harness_with(
        data_dir,
        demo_config(base_url),
        Secret::new(SimConfig::demo().api_secret),
    )
}

pub fn harness_with(data_dir: &Path, config: Config, secret: Secret) -> Harness<'static, UiState> {
    harness_sized(data_dir, config, secret, egui::vec2(1400.0, 1000.0))
}

/// The window at `size` (1366×768 is the commonest office laptop).
pub fn harness_sized(data_dir: &Path, config: Config, secret: Secret, size: egui::Vec2) -> Harness<'static, UiState> {
    harness_with_cameras(data_dir, config, secret, size, Arc::new(SyntheticCameras::new()))
}

/// With `cameras` in place of the synthetic webcam (none at all, one that unplugs).
pub fn harness_with_cameras(
    data_dir: &Path,
    config: Config,
    secret: Secret,
    size: egui::Vec2,
    cameras: Arc<dyn cwr_station::media::camera::CameraProvider>,
) -> Harness<'static, UiState> {
    let demo = config.environment == Environment::Demo;
    // The demo's prepared cards: a test places one with the form's 模拟读卡 button.
    let cards = cwr_station::card::DemoCards::default();
    let options = AppOptions {
        data_dir: data_dir.to_path_buf(),
        config_path: data_dir.join("config.json"),
        config,
        secret,
        demo,
        cameras,
        card_reader: Arc::new(cards.clone()),
        demo_cards: Some(cards),
    };
    build(options, size, None)
}

/// The window as it comes back after a run that left `kept` in eframe's storage.
pub fn harness_restoring(data_dir: &Path, base_url: &str, kept: &str) -> Harness<'static, UiState> {
    let cards = cwr_station::card::DemoCards::default();
    let options = AppOptions {
        data_dir: data_dir.to_path_buf(),
        config_path: data_dir.join("config.json"),
        config: demo_config(base_url),
        secret: Secret::new(SimConfig::demo().api_secret),
        demo: true,
        cameras: Arc::new(SyntheticCameras::new()),
        card_reader: Arc::new(cards.clone()),
        demo_cards: Some(cards),
    };
    build(options, egui::vec2(1400.0, 1000.0), Some(kept.to_string()))
}

fn build(options: AppOptions, size: egui::Vec2, window_state: Option<String>) -> Harness<'static, UiState> {
    Harness::builder()
        .with_size(size)
        .with_context_setup(|ctx| {
            fonts::install_cjk_font(ctx);
            fonts::install_style(ctx);
        })
        .build_ui_state(
            |ui, state: &mut UiState| {
                if state.app.is_none()
                    && let Some(options) = state.options.take()
                {
                    let mut app = StationApp::new(ui.ctx(), options);
                    app.restore_window_state(state.window_state.take().as_deref());
                    state.app = Some(app);
                }
                if let Some(app) = state.app.as_mut() {
                    let ctx = ui.ctx().clone();
                    app.logic(&ctx);
                    app.ui(ui);
                }
            },
            UiState {
                app: None,
                options: Some(options),
                window_state,
            },
        )
}

/// Steps frames (background threads need wall time) until `done` holds.
pub fn step_until(
    h: &mut Harness<'static, UiState>,
    what: &str,
    timeout: Duration,
    done: impl Fn(&StationApp) -> bool,
) {
    let deadline = Instant::now() + timeout;
    loop {
        h.step();
        if h.state().app.as_ref().is_some_and(&done) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(15));
    }
}

/// A few frames with a little wall time between them.
pub fn settle(h: &mut Harness<'static, UiState>, frames: usize) {
    for _ in 0..frames {
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Focuses the field named `label` and types into it, as a clerk would.
pub fn type_into(h: &mut Harness<'static, UiState>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.step();
    h.get_by_label(label).type_text(text);
    h.step();
}

/// Opens the dropdown named `label` and picks `option`.
pub fn choose(h: &mut Harness<'static, UiState>, label: &str, option: &str) {
    h.get_by_label(label).click();
    settle(h, 2);
    h.get_by_label(option).click();
    settle(h, 2);
}

/// The commonest site-office laptop screen, in pixels.
pub const LAPTOP_PX: egui::Vec2 = egui::vec2(1366.0, 768.0);

/// Puts the window in `theme` at `size` on a [`LAPTOP_PX`] screen. kittest's window is
/// measured in points, which egui's zoom does not shrink as a real screen would: at 125 % a
/// 1366×768 screen holds 1092.8×614.4 points, so that is the harness's size.
pub fn set_look(
    h: &mut Harness<'static, UiState>,
    theme: cwr_station::ui::app::ThemeChoice,
    size: cwr_station::ui::app::TextSize,
) {
    let app = h.state_mut().app_mut();
    app.saved.theme = theme;
    app.saved.text_size = size;
    settle(h, 3);
    // After the zoom: egui rescales the window's rect for the frame the zoom changes in (as a
    // real window would be resized), and kittest sends its size only when set.
    h.set_size(LAPTOP_PX / size.zoom_factor());
    settle(h, 3);
}

/// The window's area in points at the current look.
pub fn window_rect(h: &Harness<'static, UiState>) -> egui::Rect {
    egui::Rect::from_min_size(egui::Pos2::ZERO, LAPTOP_PX / h.ctx.zoom_factor())
}
