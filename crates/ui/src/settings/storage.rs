//! 设置 → 数据存放: this PC's file (本机), or the site database several stations share
//! (工地数据库: server, port, database, user, password, this station's name). 切换 checks the
//! database answers before anything changes, and can copy this PC's records across first.

use egui::RichText;

use crate::app::Command;
use crate::backend::{Intent, StoreSwitch};
use crate::widgets::{error_red, field_label, ok_green, warn_amber};
use station::config::StoreSetting;
use station::site::SiteDatabase;

const DEFAULT_PORT: u16 = 5432;

/// The section's fields as typed, apart from the settings in force.
pub struct StorageForm {
    site: bool,
    host: String,
    port: u16,
    database: String,
    user: String,
    password: String,
    station_name: String,
    copy_local: bool,
    /// The setting in force, and the one on its way with a 切换.
    applied: StoreSetting,
    pending: Option<StoreSetting>,
    /// The answer to the last 切换: done (true) or not, in the clerk's words.
    answer: Option<(bool, String)>,
}

impl StorageForm {
    pub fn new(setting: &StoreSetting) -> StorageForm {
        let site = SiteDatabase::parse(&setting.site_address).ok();
        StorageForm {
            site: site.is_some(),
            host: site.as_ref().map(|s| s.host()).unwrap_or_default(),
            port: site.as_ref().map_or(DEFAULT_PORT, |s| s.port()),
            database: site.as_ref().map(|s| s.database()).unwrap_or_else(|| "cwr".into()),
            user: site.as_ref().map(|s| s.user()).unwrap_or_else(|| "cwr".into()),
            password: String::new(),
            station_name: setting.station_name.clone(),
            copy_local: true,
            applied: setting.clone(),
            pending: None,
            answer: None,
        }
    }

    pub fn set_port(&mut self, port: u16) {
        self.port = port;
    }

    /// The setting in force (after a 切换 answered).
    pub fn applied(&self) -> StoreSetting {
        self.applied.clone()
    }

    /// The answer to a 切换.
    pub fn on_switched(&mut self, result: &Result<String, String>) {
        match result {
            Ok(words) => {
                if let Some(p) = self.pending.take() {
                    self.applied = p;
                }
                self.password.clear();
                self.answer = Some((true, words.clone()));
            }
            Err(words) => {
                self.pending = None;
                self.answer = Some((false, words.clone()));
            }
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, out: &mut Vec<Command>) {
        ui.heading("数据存放");
        ui.horizontal(|ui| {
            ui.radio_value(&mut self.site, false, "本机（只有这一台电脑）");
            ui.radio_value(&mut self.site, true, "工地数据库（几台电脑共用）");
        });
        if self.site {
            egui::Grid::new("settings_storage").num_columns(2).show(ui, |ui| {
                for (label, value, hint) in [
                    ("数据库服务器", &mut self.host, "如 192.168.1.10"),
                    ("数据库名", &mut self.database, "cwr"),
                    ("用户名", &mut self.user, "cwr"),
                ] {
                    let l = field_label(ui, label, true);
                    ui.add(egui::TextEdit::singleline(value).hint_text(hint).desired_width(220.0))
                        .labelled_by(l.id);
                    ui.end_row();
                }
                let l = field_label(ui, "端口", true);
                ui.add(egui::DragValue::new(&mut self.port).range(1..=65535))
                    .labelled_by(l.id);
                ui.end_row();
                let l = field_label(ui, "数据库密码", false);
                ui.add(
                    egui::TextEdit::singleline(&mut self.password)
                        .password(true)
                        .hint_text("只存在本机；不改就留空")
                        .desired_width(220.0),
                )
                .labelled_by(l.id);
                ui.end_row();
                let l = field_label(ui, "本站名称", false);
                ui.add(
                    egui::TextEdit::singleline(&mut self.station_name)
                        .hint_text("如 办公室；空着用门禁序列号")
                        .desired_width(220.0),
                )
                .labelled_by(l.id);
                ui.end_row();
            });
            ui.checkbox(&mut self.copy_local, "把本机已有的记录（含待上传队列）复制过去");
        }
        let chosen = self.chosen();
        let changed = match &chosen {
            Ok(c) => *c != self.applied || !self.password.is_empty(),
            Err(_) => true,
        };
        ui.horizontal(|ui| {
            let enabled = changed && self.pending.is_none() && chosen.is_ok();
            if ui.add_enabled(enabled, egui::Button::new("切换数据存放")).clicked()
                && let Ok(setting) = chosen.clone()
            {
                self.answer = Some((true, "正在连接工地数据库…".into()));
                self.pending = Some(setting.clone());
                out.push(Command::Backend(Intent::SwitchStore(Box::new(StoreSwitch {
                    setting,
                    password: Some(self.password.clone()).filter(|p| !p.is_empty()),
                    copy_local: self.site && self.copy_local,
                }))));
            }
            if let Err(why) = &chosen {
                ui.label(RichText::new(why).color(warn_amber(ui)));
            }
        });
        if let Some((ok, words)) = &self.answer {
            ui.label(RichText::new(words).color(if *ok { ok_green(ui) } else { error_red(ui) }));
        }
        ui.label(
            RichText::new("几台电脑共用工地数据库时，花名册、黑名单和待上传队列大家共用，每台都能上传；数据库的备份在服务器上做（见说明书）。")
                .small()
                .weak(),
        );
    }

    /// The setting the fields make, or what is missing.
    fn chosen(&self) -> Result<StoreSetting, String> {
        let site_address = if self.site {
            SiteDatabase::from_fields(&self.host, self.port, &self.database, &self.user)
                .map_err(|e| e.to_string())?
                .address()
        } else {
            String::new()
        };
        Ok(StoreSetting {
            site_address,
            station_name: self.station_name.trim().to_string(),
            password_for_this_run: None,
        })
    }
}
