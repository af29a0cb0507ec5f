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
}
