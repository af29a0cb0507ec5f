//! 平台规定: what the platform itself enforces and the bureau may change by notice, kept
//! apart from the site's own rules so the integrator knows whom to ask.

use crate::widgets::field_label;
use station::config::{ATTENDANCE_WINDOW_SECS, Config};

pub const HEADING: &str = "平台规定";
pub const NOTE: &str = "以住建局通知为准";

pub fn platform_rules_ui(ui: &mut egui::Ui, draft: &mut Config) {
    ui.heading(HEADING);
    ui.label(
        egui::RichText::new(format!(
            "{NOTE}：住建局通知改变时在这里改，保存后立即按新规定处理考勤。"
        ))
        .weak(),
    );
    egui::Grid::new("settings_platform_rules")
        .num_columns(3)
        .show(ui, |ui| {
            let l = field_label(ui, "考勤上传时限", false);
            ui.add(
                egui::DragValue::new(&mut draft.attendance_window_secs)
                    .range(ATTENDANCE_WINDOW_SECS)
                    .suffix(" 秒"),
            )
            .labelled_by(l.id);
            ui.label(format!(
                "即 {}：超过的考勤平台不再接收，本站标为“已过时限”",
                domain::attendance::window_words(draft.attendance_window_secs)
            ));
            ui.end_row();
        });
}
