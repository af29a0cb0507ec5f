//! 这个地址是: a 自定义 address marked by the integrator as a test or a production instance.
//! Unmarked is production, and the screen says so, so the integrator knows to change it.

use egui::RichText;

use crate::widgets::{field_label, warn_amber};
use station::config::{Config, CustomIs, Environment};

pub const PRODUCTION_NOTE: &str =
    "按正式环境对待（没有标明时也是）：联调向导不能运行。这个地址是测试平台时请选“测试环境”";

/// A grid row, shown only for 自定义.
pub fn custom_is_row(ui: &mut egui::Ui, draft: &mut Config) {
    if draft.environment != Environment::Custom {
        return;
    }
    field_label(ui, "这个地址是", true);
    ui.vertical(|ui| {
        ui.horizontal(|ui| {
            ui.radio_value(&mut draft.custom_is, CustomIs::Test, "测试环境");
            ui.radio_value(&mut draft.custom_is, CustomIs::Production, "正式环境");
        });
        let note = match draft.custom_is {
            CustomIs::Production => RichText::new(PRODUCTION_NOTE).color(warn_amber(ui)),
            CustomIs::Test => {
                RichText::new("联调向导可以运行；成功记录单独记为“自定义测试”，不计入官方测试环境").weak()
            }
        };
        ui.label(note.small());
    });
    ui.end_row();
}
