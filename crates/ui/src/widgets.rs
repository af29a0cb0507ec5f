//! Small form pieces shared by the screens. Every input is `labelled_by` its visible label,
//! so screen readers and the UI tests find it by the clerk's words.

use egui::{Response, RichText, Ui};

use domain::{Problem, Severity};
use station::platform::DictEntry;

pub use super::palette::{Palette, draft_blue, error_red, muted_gray, ok_green, warn_amber};

/// A label cell (with a red star when required); returns its response for `labelled_by`.
pub fn field_label(ui: &mut Ui, text: &str, required: bool) -> Response {
    ui.horizontal(|ui| {
        let r = ui.label(text);
        if required {
            ui.label(RichText::new("*").color(error_red(ui)));
        }
        r
    })
    .inner
}

/// The longest a message under a field may run before it wraps: it stays in its column.
const MESSAGE_WIDTH: f32 = 380.0;

/// The message under a field, wrapped within the field's column.
pub fn field_message(ui: &mut Ui, message: Option<(&str, bool)>) {
    if let Some((text, is_error)) = message {
        let color = if is_error { error_red(ui) } else { warn_amber(ui) };
        let width = ui.available_width().clamp(120.0, MESSAGE_WIDTH);
        ui.scope(|ui| {
            ui.set_max_width(width);
            ui.add(egui::Label::new(RichText::new(text).color(color).small()).wrap());
        });
    }
}

/// A grid cell: the controls on one line, the field's message wrapped under them.
pub fn field_cell<R>(ui: &mut Ui, message: Option<(&str, bool)>, add: impl FnOnce(&mut Ui) -> R) -> R {
    ui.vertical(|ui| {
        let r = ui.horizontal(add).inner;
        field_message(ui, message);
        r
    })
    .inner
}

/// One grid row: label, single-line text field, message under it. Returns the field's
/// response.
pub fn text_row(
    ui: &mut Ui,
    label: &str,
    required: bool,
    value: &mut String,
    hint: &str,
    message: Option<(&str, bool)>,
) -> Response {
    text_row_with(ui, label, required, value, hint, message, None)
}

/// Like [`text_row`]; `locked` (with why) shows the value but does not take typing.
pub fn text_row_with(
    ui: &mut Ui,
    label: &str,
    required: bool,
    value: &mut String,
    hint: &str,
    message: Option<(&str, bool)>,
    locked: Option<&str>,
) -> Response {
    let l = field_label(ui, label, required);
    let r = field_cell(ui, message, |ui| {
        let mut edit = egui::TextEdit::singleline(value)
            .hint_text(hint)
            .desired_width(300.0)
            .interactive(locked.is_none());
        if locked.is_some() {
            edit = edit.text_color(ui.visuals().weak_text_color());
        }
        let r = ui.add(edit).labelled_by(l.id);
        match locked {
            Some(why) => r.on_hover_text(why),
            None => r,
        }
    });
    ui.end_row();
    r
}

/// A dropdown of dictionary names that stores the code. Long lists get a search box.
pub fn dict_combo(
    ui: &mut Ui,
    id_salt: &str,
    label_id: egui::Id,
    value: &mut String,
    entries: &[DictEntry],
    search: &mut String,
) -> Response {
    let options: Vec<(&str, &str)> = entries.iter().map(|e| (e.orders.as_str(), e.value.as_str())).collect();
    let empty_hint = "字典还没有取到：请联网后在“设置”里点“刷新字典”";
    searchable_combo(ui, id_salt, label_id, value, &options, search, empty_hint)
}

/// A dropdown of plain names (ethnic groups, companies) that stores the name.
pub fn name_combo(
    ui: &mut Ui,
    id_salt: &str,
    label_id: egui::Id,
    value: &mut String,
    names: &[&str],
    search: &mut String,
) -> Response {
    let options: Vec<(&str, &str)> = names.iter().map(|n| (*n, *n)).collect();
    searchable_combo(ui, id_salt, label_id, value, &options, search, "列表是空的")
}

/// `options` are (stored value, shown name) pairs.
fn searchable_combo(
    ui: &mut Ui,
    id_salt: &str,
    label_id: egui::Id,
    value: &mut String,
    options: &[(&str, &str)],
    search: &mut String,
    empty_hint: &str,
) -> Response {
    let selected = options
        .iter()
        .find(|(v, _)| v == value)
        .map(|(_, name)| name.to_string())
        .unwrap_or_else(|| {
            if value.is_empty() {
                "请选择".into()
            } else {
                format!("（未知代码 {value}）")
            }
        });
    let inner = egui::ComboBox::from_id_salt(id_salt)
        .selected_text(selected)
        .width(300.0)
        .height(360.0)
        .show_ui(ui, |ui| {
            let mut changed = false;
            if options.len() > 12 {
                let l = ui.label("搜索");
                ui.add(
                    egui::TextEdit::singleline(search)
                        .hint_text("输入名称的一部分")
                        .desired_width(260.0),
                )
                .labelled_by(l.id)
                .request_focus();
                ui.separator();
            }
            let needle = search.trim();
            for (v, name) in options.iter().filter(|(_, n)| needle.is_empty() || n.contains(needle)) {
                if ui.selectable_label(value == v, *name).clicked() {
                    *value = v.to_string();
                    changed = true;
                }
            }
            if options.is_empty() {
                ui.label(RichText::new(empty_hint).color(warn_amber(ui)));
            }
            changed
        });
    if inner.inner == Some(true) {
        search.clear();
    }
    inner.response.labelled_by(label_id)
}

/// A count badge for the navigation ("待上传 3").
pub fn badge_text(label: &str, count: u64) -> String {
    if count == 0 {
        label.to_string()
    } else {
        format!("{label} ({count})")
    }
}

/// Beijing-time display of an RFC 3339 UTC timestamp from the store.
pub fn local_time(rfc3339: &str) -> String {
    station::export::local_time(rfc3339)
}

/// The message to show beside `field`: its error if it has one, else its warning.
/// `(text, is_error)`.
pub fn field_problem<F: PartialEq>(problems: &[Problem<F>], field: F) -> Option<(&str, bool)> {
    problems
        .iter()
        .filter(|p| p.field == field)
        .min_by_key(|p| p.severity == Severity::Warning)
        .map(|p| (p.message.as_str(), p.severity == Severity::Error))
}
