//! The status bar: environment, project, the platform link, the PC clock, the queue.

use egui::RichText;

use super::app::StationApp;
use super::backend::ConnectionState;
use super::widgets::{error_red, ok_green, warn_amber};

pub fn status_bar(ui: &mut egui::Ui, app: &StationApp) {
    ui.add_space(2.0);
    ui.horizontal_wrapped(|ui| {
        ui.label(format!("环境：{}", app.config.environment_label()));
        ui.separator();
        let project = if app.config.project_id.is_empty() {
            "未设置"
        } else {
            app.config.project_id.as_str()
        };
        ui.label(format!("项目：{project}"));
        ui.separator();
        match &app.site_problem {
            Some(why) => {
                ui.label(RichText::new("工地数据库：连不上，暂不能保存（已填写的内容不会丢）").color(error_red(ui)))
                    .on_hover_text(why);
                ui.separator();
            }
            None if !app.store_location.is_empty() => {
                ui.label(format!("数据：{}", app.store_location));
                ui.separator();
            }
            None => {}
        }
        match &app.connection {
            ConnectionState::Unknown => {
                ui.label("平台：正在连接…");
            }
            ConnectionState::Online { last_success } => {
                ui.label(
                    RichText::new(format!("平台：已连接（最近成功 {}）", beijing_hms(*last_success)))
                        .color(ok_green(ui)),
                );
            }
            ConnectionState::Offline {
                last_success, reason, ..
            } => {
                let last = last_success
                    .map(|t| format!("，最近成功 {}", beijing_hms(t)))
                    .unwrap_or_default();
                ui.label(RichText::new(format!("平台：连不上{last}")).color(error_red(ui)))
                    .on_hover_text(reason);
            }
        }
        if let Some(w) = app.backend.clock.warning() {
            ui.separator();
            ui.label(RichText::new(w).color(warn_amber(ui)));
        }
        ui.separator();
        let c = &app.snapshot.counts;
        let waiting = c.waiting + c.sending + c.retry;
        ui.label(format!("待上传：{waiting}"));
        if c.needs_fix > 0 {
            ui.label(RichText::new(format!("需处理：{}", c.needs_fix)).color(error_red(ui)));
        }
        if app.snapshot.backup_advised(chrono::Utc::now()) {
            ui.label(RichText::new("建议备份").color(warn_amber(ui)))
                .on_hover_text("有记录超过一天没能上传，只保存在这台电脑上：请在“设置”或“待上传”里备份数据");
        }
        if let Some(p) = &app.snapshot.paused {
            ui.separator();
            ui.label(RichText::new(format!("上传已暂停：{p}")).color(error_red(ui)));
        }
    });
    ui.add_space(2.0);
}

fn beijing_hms(t: chrono::DateTime<chrono::Utc>) -> String {
    domain::time::beijing_timestamp(t)
        .split(' ')
        .nth(1)
        .unwrap_or_default()
        .to_string()
}
