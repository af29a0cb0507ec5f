//! 配置文件有问题: the window started with a settings file it cannot use. A window started
//! from the desktop has no console, so what a command prints to stderr is said here on
//! screen, with the way out: the file moved aside (renamed, never deleted) and 首次设置 with
//! the defaults, or 退出.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use egui::RichText;

use super::app::{AppOptions, StationApp};
use super::widgets::{error_red, warn_amber};

pub const MOVE_ASIDE: &str = "把这个文件移到一边，重新设置";
pub const QUIT: &str = "退出";

/// What is wrong with the settings, and the file to move aside when that is the way out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// What is wrong and what to do, in the words a command prints.
    pub message: String,
    /// `None` when moving the file would not help: a `CWR_*` variable is at fault too.
    pub file: Option<PathBuf>,
}

impl ConfigProblem {
    /// `message` is why the settings were refused; `env` is whether the `CWR_*` variables
    /// alone are usable (checked on the defaults). When they are not, no file moved aside
    /// would let the station start, so only their fix is offered.
    pub fn new(message: String, config_path: &Path, env: Result<(), String>) -> ConfigProblem {
        match env {
            Ok(()) => ConfigProblem {
                message,
                file: Some(config_path.to_owned()),
            },
            Err(env_message) if env_message == message => ConfigProblem { message, file: None },
            Err(env_message) => ConfigProblem {
                message: format!("{message}\n{env_message}"),
                file: None,
            },
        }
    }
}

/// The problem page until the file is moved aside, then the station itself.
pub struct StartApp {
    problem: ConfigProblem,
    /// The station's options with the default settings, used once the file is aside.
    options: Option<AppOptions>,
    station: Option<StationApp>,
    move_error: Option<String>,
    quit: bool,
    /// Set when the station started: the window's exit is then not the settings' failure.
    resolved: Arc<AtomicBool>,
    /// What eframe kept of the station's window, for when it starts.
    window_state: Option<String>,
}

impl StartApp {
    pub fn new(problem: ConfigProblem, options: AppOptions) -> StartApp {
        StartApp {
            problem,
            options: Some(options),
            station: None,
            move_error: None,
            quit: false,
            resolved: Arc::new(AtomicBool::new(false)),
            window_state: None,
        }
    }

    /// The station's window as eframe kept it, taken up once the station starts.
    pub fn keep_window_state(&mut self, text: Option<String>) {
        self.window_state = text;
    }

    /// Shares the flag that says whether the station got going.
    pub fn resolved_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.resolved)
    }

    /// The station, once the bad file is aside.
    pub fn station(&self) -> Option<&StationApp> {
        self.station.as_ref()
    }

    pub fn quit_requested(&self) -> bool {
        self.quit
    }

    pub fn logic(&mut self, ctx: &egui::Context) {
        if let Some(station) = self.station.as_mut() {
            station.logic(ctx);
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui) {
        if let Some(station) = self.station.as_mut() {
            station.ui(ui);
            return;
        }
        let mut move_aside = false;
        egui::CentralPanel::default().show(ui, |ui| {
            ui.add_space(24.0);
            ui.heading("配置文件有问题，工作站还不能启动");
            ui.add_space(8.0);
            for line in self.problem.message.lines() {
                ui.label(RichText::new(line).color(error_red(ui)));
            }
            ui.add_space(8.0);
            ui.label("登记的人员、照片和待上传记录不在这个文件里，不受影响。");
            if self.problem.file.is_some() {
                ui.label(
                    "可以改正后重新启动；也可以把它改名留在原处（不删除），用默认设置重新做“首次设置”，平台帐号等要重新填写。",
                );
            } else {
                ui.label(RichText::new("请改正上面说的设置后重新启动。").color(warn_amber(ui)));
            }
            ui.add_space(12.0);
            ui.horizontal(|ui| {
                if self.problem.file.is_some() && ui.button(MOVE_ASIDE).clicked() {
                    move_aside = true;
                }
                if ui.button(QUIT).clicked() {
                    self.quit = true;
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            if let Some(e) = &self.move_error {
                ui.label(RichText::new(e).color(error_red(ui)));
            }
        });
        if move_aside {
            self.move_aside(ui.ctx());
        }
    }

    fn move_aside(&mut self, ctx: &egui::Context) {
        let Some(file) = self.problem.file.clone() else {
            return;
        };
        let moved = match station::config::move_aside(&file, chrono::Local::now().naive_local()) {
            Ok(moved) => moved,
            Err(e) => {
                tracing::warn!("{e}");
                self.move_error = Some(e.to_string());
                return;
            }
        };
        let Some(options) = self.options.take() else {
            return;
        };
        let mut station = StationApp::new(ctx, options);
        station.restore_window_state(self.window_state.take().as_deref());
        if let Some(moved) = moved {
            tracing::info!("配置文件已改名为 {}", moved.display());
            station.notice(format!(
                "原来的配置文件已改名为 {}，留着备查；请在“首次设置”里重新填写",
                moved.display()
            ));
        }
        self.station = Some(station);
        self.resolved.store(true, Ordering::Relaxed);
    }
}

impl eframe::App for StartApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        StartApp::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        StartApp::ui(self, ui);
    }

    /// Until the station starts there is nothing of it to keep; what eframe had stays.
    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if let Some(json) = self.station.as_ref().and_then(StationApp::window_state) {
            storage.set_string(crate::app::WINDOW_STATE_KEY, json);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_offered_for_moving_only_when_that_lets_the_station_start() {
        let path = Path::new("/d/config.json");
        let p = ConfigProblem::new("坏文件".into(), path, Ok(()));
        assert_eq!(p.file.as_deref(), Some(path));
        let p = ConfigProblem::new("坏变量".into(), path, Err("坏变量".into()));
        assert_eq!((p.message.as_str(), p.file), ("坏变量", None));
        let p = ConfigProblem::new("坏文件".into(), path, Err("坏变量".into()));
        assert_eq!((p.message.as_str(), p.file), ("坏文件\n坏变量", None));
    }
}
