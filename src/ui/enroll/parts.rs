//! Small pieces of the enrollment form: field access by name, the ID summary line, dates.

use chrono::NaiveDate;

use crate::domain::Worker;
use crate::media::PhotoKind;

pub(super) fn split_pass_period(text: &str) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let mut parts = text.splitn(2, ':');
    let parse = |s: Option<&str>| s.and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok());
    (parse(parts.next()), parse(parts.next()))
}

pub(super) fn photo_field(kind: PhotoKind) -> &'static str {
    match kind {
        PhotoKind::Face => "facephoto",
        PhotoKind::IdPortrait => "id_photo",
        PhotoKind::IdScanFront => "idphoto_scan",
        PhotoKind::IdScanBack => "idphoto_scan2",
        PhotoKind::Site => "site_photo",
    }
}

pub(super) fn field_mut<'w>(w: &'w mut Worker, field: &str) -> &'w mut String {
    match field {
        "emp_name" => &mut w.emp_name,
        "emp_phone" => &mut w.emp_phone,
        "emp_nativeplace" => &mut w.emp_nativeplace,
        "emp_nation" => &mut w.emp_nation,
        "emp_company" => &mut w.emp_company,
        "emp_category" => &mut w.emp_category,
        "emp_dept" => &mut w.emp_dept,
        "job_typename" => &mut w.job_typename,
        "job_name" => &mut w.job_name,
        "id_agency" => &mut w.id_agency,
        "id_validdate" => &mut w.id_validdate,
        "emp_bankname" => &mut w.emp_bankname,
        "emp_cardnum" => &mut w.emp_cardnum,
        "job_dept" => &mut w.job_dept,
        "team_name" => &mut w.team_name,
        _ => &mut w.id_code,
    }
}

/// "出生日期 1985-03-02 · 男 · 41 岁" once the ID number is valid.
pub(super) fn id_summary(id: &str, today: NaiveDate) -> String {
    match crate::domain::parse_id_number(id) {
        Ok(p) => {
            let age = crate::domain::age_on(p.birth_date, today);
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
