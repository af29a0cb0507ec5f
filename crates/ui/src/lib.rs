//! The station window: one file per screen, a background [`backend::Backend`] that owns the
//! store, the network and the photo work, and an [`app::StationApp`] that draws the screens,
//! collects their [`app::Command`]s and applies them after drawing.

pub mod about;
pub mod acceptance;
pub mod app;
pub mod attendance;
pub mod backend;
pub mod blacklist;
pub mod companies;
pub mod config_problem;
pub mod dialogs;
pub mod enroll;
pub mod export;
pub mod fonts;
pub mod import;
pub mod palette;
pub mod photos;
pub mod queue;
pub mod roster;
pub mod settings;
pub mod setup;
pub mod status;
pub mod store_problem;
pub mod widgets;

pub use app::{AppOptions, StationApp};

/// Opens the window; returns when it is closed.
pub fn run_window(options: AppOptions) -> Result<(), String> {
    run_window_with(options, WindowStart::default())
}

/// What a window opens on in place of what it kept from the last run (the demo's
/// `--screen`/`--theme`/`--text-size`, for the README's screenshots).
#[derive(Debug, Clone, Copy, Default)]
pub struct WindowStart {
    pub screen: Option<app::Screen>,
    pub theme: Option<app::ThemeChoice>,
    pub text_size: Option<app::TextSize>,
}

/// [`run_window`], opening on `start`.
pub fn run_window_with(options: AppOptions, start: WindowStart) -> Result<(), String> {
    let title = if options.demo {
        "实名制登记工作站（演示模式）"
    } else {
        "实名制登记工作站"
    };
    let state_file = options.data_dir.join(host::paths::WINDOW_STATE_FILE);
    open_window(title, state_file, move |cc| {
        let mut station = StationApp::new(&cc.egui_ctx, options);
        station.restore_window_state(kept_window_state(cc).as_deref());
        station.open_on(start);
        Box::new(station)
    })
}

fn kept_window_state(cc: &eframe::CreationContext<'_>) -> Option<String> {
    cc.storage.and_then(|s| s.get_string(app::WINDOW_STATE_KEY))
}

/// Opens the window on what is wrong with the settings ([`config_problem`]); returns when it
/// is closed, with whether the station got going (the bad file moved aside).
pub fn run_window_on_problem(problem: config_problem::ConfigProblem, options: AppOptions) -> Result<bool, String> {
    let state_file = options.data_dir.join(host::paths::WINDOW_STATE_FILE);
    let mut start = config_problem::StartApp::new(problem, options);
    let resolved = start.resolved_flag();
    open_window("实名制登记工作站", state_file, move |cc| {
        start.keep_window_state(kept_window_state(cc));
        Box::new(start)
    })?;
    Ok(resolved.load(std::sync::atomic::Ordering::Relaxed))
}

fn open_window(
    title: &str,
    state_file: std::path::PathBuf,
    make: impl FnOnce(&eframe::CreationContext<'_>) -> Box<dyn eframe::App> + 'static,
) -> Result<(), String> {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(title)
        .with_app_id("cwr-station")
        // The first start fits a 1366×768 laptop's screen above its taskbar (the layout tests
        // hold every screen's main action inside 1366×768); eframe keeps the size the clerk
        // gives it after that.
        .with_inner_size([1280.0, 680.0])
        .with_min_inner_size([1024.0, 680.0])
        .with_drag_and_drop(true);
    if let Some(icon) = app_icon() {
        viewport = viewport.with_icon(icon);
    }
    let native = eframe::NativeOptions {
        viewport,
        persistence_path: Some(state_file),
        ..Default::default()
    };
    eframe::run_native(
        "cwr-station",
        native,
        Box::new(move |cc| {
            fonts::install_cjk_font(&cc.egui_ctx);
            fonts::install_style(&cc.egui_ctx);
            Ok(make(cc))
        }),
    )
    .map_err(|e| format!("窗口无法打开：{e}（没有图形界面时请用命令行功能，见 --help）"))
}

/// The station's icon (drawn in `assets/icon/cwr-station.svg`), for the title bar and taskbar.
pub fn app_icon() -> Option<std::sync::Arc<egui::IconData>> {
    let png = include_bytes!("../../../assets/icon/cwr-station-256.png");
    let img = image::load_from_memory(png).ok()?.to_rgba8();
    Some(std::sync::Arc::new(egui::IconData {
        width: img.width(),
        height: img.height(),
        rgba: img.into_raw(),
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_icon_decodes() {
        let icon = super::app_icon().expect("icon");
        assert_eq!((icon.width, icon.height), (256, 256));
    }
}
