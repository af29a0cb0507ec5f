//! 人证比对: who has the last word after three captures without 一致 (issue 21).

use egui::RichText;

use crate::widgets::field_label;
use station::config::Config;
use station::face_check::FaceCheckMode;

pub fn face_check_ui(ui: &mut egui::Ui, draft: &mut Config) {
    ui.heading("人证比对");
    egui::Grid::new("settings_face_check").num_columns(2).show(ui, |ui| {
        field_label(ui, "三次拍照都不一致时", false);
        ui.vertical(|ui| {
            for mode in FaceCheckMode::ALL {
                ui.radio_value(&mut draft.face_check_mode, mode, mode.label());
            }
        });
        ui.end_row();
    });
    ui.label(
        RichText::new("比对一致时自动选“人证一致”。比对的距离和次数只记在本机这个人的记录历史里，不上传。")
            .small()
            .weak(),
    );
}
