//! The status colours, one palette per theme: the dark theme's reds and greens are too pale
//! on the light panel, the light theme's too dark on the black one. Every text colour keeps a
//! WCAG AA contrast (≥ 4.5:1) against its theme's panel, window and text-field backgrounds;
//! the tests below compute it.

use egui::{Color32, Ui, Visuals};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    /// 需处理, refusals, what stops the clerk.
    pub error: Color32,
    /// 待上传, reminders, what the clerk should look at.
    pub warn: Color32,
    /// 已上传, done.
    pub ok: Color32,
    /// 待补全: imported, waiting for the clerk (neither a problem nor on its way).
    pub draft: Color32,
    /// 已离场: no longer on site, nothing to do.
    pub muted: Color32,
    /// The 演示模式 badge: its text and its background.
    pub badge_text: Color32,
    pub badge_fill: Color32,
    /// The fill of a card that says uploading has stopped (its text is `error`).
    pub alert_fill: Color32,
}

impl Palette {
    pub const LIGHT: Palette = Palette {
        error: Color32::from_rgb(0xC6, 0x28, 0x28),
        warn: Color32::from_rgb(0x8A, 0x4B, 0x00),
        ok: Color32::from_rgb(0x2E, 0x6B, 0x32),
        draft: Color32::from_rgb(0x15, 0x65, 0xC0),
        muted: Color32::from_rgb(0x5F, 0x63, 0x68),
        badge_text: Color32::WHITE,
        badge_fill: Color32::from_rgb(0xBF, 0x36, 0x0C),
        alert_fill: Color32::from_rgb(0xFD, 0xEC, 0xEA),
    };

    pub const DARK: Palette = Palette {
        error: Color32::from_rgb(0xFF, 0x8A, 0x80),
        warn: Color32::from_rgb(0xFF, 0xB7, 0x4D),
        ok: Color32::from_rgb(0x81, 0xC7, 0x84),
        draft: Color32::from_rgb(0x90, 0xCA, 0xF9),
        muted: Color32::from_rgb(0xA8, 0xA8, 0xA8),
        badge_text: Color32::WHITE,
        badge_fill: Color32::from_rgb(0xBF, 0x36, 0x0C),
        alert_fill: Color32::from_rgb(0x3A, 0x1A, 0x18),
    };

    pub fn for_visuals(visuals: &Visuals) -> &'static Palette {
        if visuals.dark_mode {
            &Palette::DARK
        } else {
            &Palette::LIGHT
        }
    }

    pub fn of(ui: &Ui) -> &'static Palette {
        Palette::for_visuals(ui.visuals())
    }
}

pub fn error_red(ui: &Ui) -> Color32 {
    Palette::of(ui).error
}

pub fn warn_amber(ui: &Ui) -> Color32 {
    Palette::of(ui).warn
}

pub fn ok_green(ui: &Ui) -> Color32 {
    Palette::of(ui).ok
}

pub fn draft_blue(ui: &Ui) -> Color32 {
    Palette::of(ui).draft
}

pub fn muted_gray(ui: &Ui) -> Color32 {
    Palette::of(ui).muted
}

/// WCAG 2.x relative luminance of an opaque colour.
pub fn relative_luminance(c: Color32) -> f64 {
    let channel = |v: u8| {
        let s = f64::from(v) / 255.0;
        if s <= 0.039_28 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.r()) + 0.7152 * channel(c.g()) + 0.0722 * channel(c.b())
}

/// WCAG 2.x contrast ratio (1 to 21) between two opaque colours.
pub fn contrast_ratio(a: Color32, b: Color32) -> f64 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AA: f64 = 4.5;

    /// The backgrounds status text is drawn on in a theme: panels, windows (dialogs), and
    /// text fields.
    fn backgrounds(v: &Visuals) -> [(&'static str, Color32); 3] {
        [
            ("panel_fill", v.panel_fill),
            ("window_fill", v.window_fill),
            ("extreme_bg_color", v.extreme_bg_color),
        ]
    }

    fn text_colours(p: &Palette) -> [(&'static str, Color32); 5] {
        [
            ("error", p.error),
            ("warn", p.warn),
            ("ok", p.ok),
            ("draft", p.draft),
            ("muted", p.muted),
        ]
    }

    #[test]
    fn the_ratio_matches_wcag_reference_values() {
        assert!((contrast_ratio(Color32::BLACK, Color32::WHITE) - 21.0).abs() < 1e-9);
        assert!((contrast_ratio(Color32::WHITE, Color32::WHITE) - 1.0).abs() < 1e-9);
        // #767676 on white is the often-quoted lightest grey that passes AA (4.54:1).
        let grey = contrast_ratio(Color32::from_gray(0x76), Color32::WHITE);
        assert!((grey - 4.54).abs() < 0.01, "{grey}");
    }

    #[test]
    fn every_status_colour_reads_on_its_theme() {
        let mut failures = Vec::new();
        for (theme, visuals) in [("light", Visuals::light()), ("dark", Visuals::dark())] {
            let palette = Palette::for_visuals(&visuals);
            for (bg_name, bg) in backgrounds(&visuals) {
                for (name, colour) in text_colours(palette) {
                    let ratio = contrast_ratio(colour, bg);
                    if ratio < AA {
                        failures.push(format!("{theme} {name} on {bg_name}: {ratio:.2}"));
                    }
                }
            }
            // The paused-upload card: its red text on its own fill.
            let ratio = contrast_ratio(palette.error, palette.alert_fill);
            if ratio < AA {
                failures.push(format!("{theme} error on alert_fill: {ratio:.2}"));
            }
            let ratio = contrast_ratio(palette.badge_text, palette.badge_fill);
            if ratio < AA {
                failures.push(format!("{theme} badge: {ratio:.2}"));
            }
        }
        assert!(failures.is_empty(), "below 4.5:1: {failures:#?}");
    }

    #[test]
    fn the_light_controls_outline_stands_out_from_the_panel() {
        // WCAG 1.4.11: a control's boundary at least 3:1 against what surrounds it.
        let ratio = contrast_ratio(crate::fonts::LIGHT_CONTROL_OUTLINE, Visuals::light().panel_fill);
        assert!(ratio >= 3.0, "{ratio:.2}");
    }

    #[test]
    fn the_dark_colours_would_not_do_on_the_light_theme() {
        // The palettes differ for a reason: at least one dark-theme colour fails on light.
        let light = Visuals::light();
        let fails = text_colours(&Palette::DARK)
            .iter()
            .any(|(_, c)| contrast_ratio(*c, light.panel_fill) < AA);
        assert!(fails);
    }
}
