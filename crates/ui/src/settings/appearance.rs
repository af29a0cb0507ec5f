//! 外观 and 文字大小: how this PC's window looks. Kept with the window's own state (eframe's
//! `window.ron`), not in the settings or the store: another station sharing the store may
//! sit in a brighter office or serve a clerk with better eyes.

use egui::{Key, KeyboardShortcut, Modifiers};
use serde::{Deserialize, Serialize};

use crate::widgets::field_label;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ThemeChoice {
    /// Windows 10/11 say light or dark; the window follows when that changes.
    #[default]
    System,
    Light,
    Dark,
}

impl ThemeChoice {
    pub const ALL: [ThemeChoice; 3] = [ThemeChoice::System, ThemeChoice::Light, ThemeChoice::Dark];

    pub fn label(self) -> &'static str {
        match self {
            ThemeChoice::System => "跟随系统",
            ThemeChoice::Light => "浅色",
            ThemeChoice::Dark => "深色",
        }
    }

    pub fn preference(self) -> egui::ThemePreference {
        match self {
            ThemeChoice::System => egui::ThemePreference::System,
            ThemeChoice::Light => egui::ThemePreference::Light,
            ThemeChoice::Dark => egui::ThemePreference::Dark,
        }
    }
}

/// The whole window scaled (egui's zoom), so a 125 % screen keeps its proportions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum TextSize {
    #[default]
    Percent100,
    Percent125,
    Percent150,
}

impl TextSize {
    pub const ALL: [TextSize; 3] = [TextSize::Percent100, TextSize::Percent125, TextSize::Percent150];

    pub fn label(self) -> &'static str {
        match self {
            TextSize::Percent100 => "100 %",
            TextSize::Percent125 => "125 %",
            TextSize::Percent150 => "150 %",
        }
    }

    pub fn zoom_factor(self) -> f32 {
        match self {
            TextSize::Percent100 => 1.0,
            TextSize::Percent125 => 1.25,
            TextSize::Percent150 => 1.5,
        }
    }

    pub fn larger(self) -> TextSize {
        match self {
            TextSize::Percent100 => TextSize::Percent125,
            TextSize::Percent125 | TextSize::Percent150 => TextSize::Percent150,
        }
    }

    pub fn smaller(self) -> TextSize {
        match self {
            TextSize::Percent150 => TextSize::Percent125,
            TextSize::Percent125 | TextSize::Percent100 => TextSize::Percent100,
        }
    }
}

/// Ctrl+加号 / Ctrl+减号 / Ctrl+0, as in a browser, but in the three steps the 设置 page
/// offers (egui's own shortcut, which steps by 10 %, is turned off).
pub fn text_size_keys(ctx: &egui::Context, size: &mut TextSize) {
    const IN: [KeyboardShortcut; 2] = [
        KeyboardShortcut::new(Modifiers::COMMAND, Key::Plus),
        KeyboardShortcut::new(Modifiers::COMMAND, Key::Equals),
    ];
    const OUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Minus);
    const RESET: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Num0);
    ctx.input_mut(|i| {
        if IN.iter().any(|k| i.consume_shortcut(k)) {
            *size = size.larger();
        }
        if i.consume_shortcut(&OUT) {
            *size = size.smaller();
        }
        if i.consume_shortcut(&RESET) {
            *size = TextSize::Percent100;
        }
    });
}

/// Puts the chosen theme and text size in force; cheap when nothing changed.
pub fn apply(ctx: &egui::Context, theme: ThemeChoice, size: TextSize) {
    let preference = theme.preference();
    if ctx.options(|o| o.theme_preference) != preference {
        ctx.set_theme(preference);
    }
    if (ctx.zoom_factor() - size.zoom_factor()).abs() > f32::EPSILON {
        ctx.set_zoom_factor(size.zoom_factor());
    }
}

/// The 外观 / 文字大小 line at the top of 设置: takes effect at once, no 保存设置 needed.
pub fn appearance_ui(ui: &mut egui::Ui, theme: &mut ThemeChoice, size: &mut TextSize) {
    let before = (*theme, *size);
    ui.horizontal_wrapped(|ui| {
        // Each radio is named by its own text (跟随系统, 125 %), as the other radios here.
        field_label(ui, "外观", false);
        for choice in ThemeChoice::ALL {
            ui.radio_value(theme, choice, choice.label());
        }
        ui.add_space(24.0);
        field_label(ui, "文字大小", false);
        for choice in TextSize::ALL {
            ui.radio_value(size, choice, choice.label());
        }
        ui.label(egui::RichText::new("（也可按 Ctrl+加号 / Ctrl+减号；只对这台电脑，立即生效）").weak());
    });
    ui.separator();
    if (*theme, *size) != before {
        // Put in force by the next frame's logic, without waiting for the mouse to move.
        ui.ctx().request_repaint();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_size_steps_stop_at_the_ends() {
        assert_eq!(TextSize::Percent100.smaller(), TextSize::Percent100);
        assert_eq!(TextSize::Percent100.larger(), TextSize::Percent125);
        assert_eq!(TextSize::Percent125.larger(), TextSize::Percent150);
        assert_eq!(TextSize::Percent150.larger(), TextSize::Percent150);
        assert_eq!(TextSize::Percent150.smaller(), TextSize::Percent125);
    }
}
