//! Small pieces of the enrollment form: the ID summary line and dates.

use chrono::NaiveDate;

pub(super) fn split_pass_period(text: &str) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let mut parts = text.splitn(2, ':');
    let parse = |s: Option<&str>| s.and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok());
    (parse(parts.next()), parse(parts.next()))
}

/// "出生日期 1985-03-02 · 男 · 41 岁" once the ID number is valid.
pub(super) fn id_summary(id: &str, today: NaiveDate) -> String {
    match domain::parse_id_number(id) {
        Ok(p) => {
            let age = domain::age_on(p.birth_date, today);
            format!(
                "出生日期 {} · {} · {age} 岁",
                p.birth_date.format("%Y-%m-%d"),
                p.sex.label()
            )
        }
        Err(_) => "输入身份证号码后自动得出出生日期、性别和年龄".into(),
    }
}

/// A date picker (egui_extras works on jiff dates).
pub(super) fn date_button(ui: &mut egui::Ui, id_salt: &str, date: &mut NaiveDate, label_id: egui::Id) -> bool {
    use chrono::Datelike;
    let mut j = jiff::civil::Date::new(date.year() as i16, date.month() as i8, date.day() as i8).unwrap_or_default();
    let r = ui
        .add(
            egui_extras::DatePickerButton::new(&mut j)
                .id_salt(id_salt)
                .format("%Y-%m-%d")
                .show_icon(false),
        )
        .labelled_by(label_id);
    if r.changed()
        && let Some(d) = NaiveDate::from_ymd_opt(j.year() as i32, j.month() as u32, j.day() as u32)
    {
        *date = d;
        return true;
    }
    false
}
