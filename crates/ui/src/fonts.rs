//! Chinese glyphs: egui ships none. Noto Sans SC cut to GBK covers every character of
//! GB 18030's common set (names such as 堃 喆 犇 珺 included); eframe's system-font
//! fallback catches the rarest ones.

use egui::epaint::text::{FontInsert, FontPriority, InsertFontFamily};
use egui::{FontData, FontFamily};

pub use media::CJK_FONT;
const NAME: &str = "noto_sans_sc_gbk";

/// Adds the CJK font after egui's Latin fonts in both families.
pub fn install_cjk_font(ctx: &egui::Context) {
    ctx.add_font(FontInsert::new(
        NAME,
        FontData::from_static(CJK_FONT),
        vec![
            InsertFontFamily {
                family: FontFamily::Proportional,
                priority: FontPriority::Lowest,
            },
            InsertFontFamily {
                family: FontFamily::Monospace,
                priority: FontPriority::Lowest,
            },
        ],
    ));
}

/// Larger text than egui's default: the clerk reads names and ID numbers all day.
pub fn install_style(ctx: &egui::Context) {
    ctx.all_styles_mut(|style| {
        use egui::{FontId, TextStyle};
        style.text_styles.insert(TextStyle::Body, FontId::proportional(15.0));
        style.text_styles.insert(TextStyle::Button, FontId::proportional(15.0));
        style.text_styles.insert(TextStyle::Heading, FontId::proportional(21.0));
        style.text_styles.insert(TextStyle::Small, FontId::proportional(12.5));
        style.text_styles.insert(TextStyle::Monospace, FontId::monospace(14.0));
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(10.0, 4.0);
    });
    // egui's light theme draws text fields white on a near-white panel with no border: an
    // empty field without a hint (黑名单's 姓名) cannot be seen in a bright office. A grey
    // outline (3:1 against the panel, WCAG's minimum for controls) shows every field and button.
    ctx.style_mut_of(egui::Theme::Light, |style| {
        style.visuals.widgets.inactive.bg_stroke = egui::Stroke::new(1.0, LIGHT_CONTROL_OUTLINE);
    });
}

/// The outline of fields and buttons on the light theme.
pub const LIGHT_CONTROL_OUTLINE: egui::Color32 = egui::Color32::from_gray(140);
