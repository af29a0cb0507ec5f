//! 关于: what a site's IT person asks for on the phone — the version, the data dir, the log
//! file, the platform address in use — with a button that opens the data dir.

use std::path::{Path, PathBuf};

use egui::RichText;

use station::config::Config;

pub struct About {
    pub open: bool,
    data_dir: PathBuf,
    /// Why opening the data dir failed, if it did.
    note: Option<String>,
}

impl About {
    pub fn new(data_dir: &Path) -> About {
        About {
            open: false,
            data_dir: data_dir.to_path_buf(),
            note: None,
        }
    }

    /// The facts, one per line, as shown and as copied.
    pub fn lines(&self, config: &Config, demo: bool) -> Vec<(&'static str, String)> {
        let log = if demo {
            "演示模式不写日志文件".to_string()
        } else {
            self.data_dir.join("station.log").display().to_string()
        };
        let or_unset = |v: &str| {
            if v.trim().is_empty() {
                "未设置".to_string()
            } else {
                v.to_string()
            }
        };
        vec![
            ("版本", env!("CARGO_PKG_VERSION").to_string()),
            ("数据目录", self.data_dir.display().to_string()),
            ("日志文件", log),
            ("环境", config.environment_label().to_string()),
            ("平台地址", or_unset(&config.base_url())),
            ("项目编号", or_unset(&config.project_id)),
            ("设备序号", or_unset(&config.client_serial)),
        ]
    }

    pub fn ui(&mut self, ctx: &egui::Context, config: &Config, demo: bool) {
        if !self.open {
            return;
        }
        let lines = self.lines(config, demo);
        let mut open = self.open;
        egui::Window::new("关于实名制登记工作站")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                egui::Grid::new("about")
                    .num_columns(2)
                    .spacing([16.0, 6.0])
                    .show(ui, |ui| {
                        for (k, v) in &lines {
                            ui.label(RichText::new(*k).strong());
                            ui.label(v);
                            ui.end_row();
                        }
                    });
                ui.horizontal(|ui| {
                    if ui.button("打开数据目录").clicked() {
                        self.note = open_folder(&self.data_dir).err();
                    }
                    if ui.button("复制以上信息").clicked() {
                        let text: Vec<String> = lines.iter().map(|(k, v)| format!("{k}：{v}")).collect();
                        ui.ctx().copy_text(text.join("\n"));
                        self.note = Some("已复制，可以粘贴给技术支持".into());
                    }
                });
                if let Some(n) = &self.note {
                    ui.label(RichText::new(n).small());
                }
                ui.label(
                    RichText::new("数据目录里有本机的数据库（含未上传的记录）和日志；卸载程序不会删除它。").small(),
                );
            });
        self.open = open;
    }
}

/// Opens a folder in the system's file manager, without waiting for it.
fn open_folder(dir: &Path) -> Result<(), String> {
    let program = if cfg!(windows) {
        "explorer"
    } else if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(program)
        .arg(dir)
        .spawn()
        .map(|_| ())
        .map_err(|e| format!("打不开文件夹（{e}）：请手工打开 {}", dir.display()))
}
