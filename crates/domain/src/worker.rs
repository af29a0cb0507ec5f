//! A worker as the clerk enters it, and the checks the form and the commands run before
//! anything is stored or sent.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::fields::{AgeRules, check_age};
use super::text::text_problem;
use super::{Field, PhotoKind, Problem, Severity, Validated, WorkerField};

/// Every RegisterEmployee field, as text the clerk typed or picked (codes for dictionary
/// fields), plus the team name, which the platform no longer takes but the site still uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Worker {
    pub id_code: String,
    pub emp_name: String,
    pub emp_phone: String,
    /// Address as printed on the ID card (身份证地址).
    pub emp_nativeplace: String,
    /// Ethnic group as printed on the card, without 族.
    pub emp_nation: String,
    /// `yyyy-MM-dd:yyyy-MM-dd` or `yyyy-MM-dd:`.
    pub pass_period: String,
    /// `Y` when the live face matched the ID photo.
    pub match_flag: String,
    /// Full registered name of one of the project's companies.
    pub emp_company: String,
    pub emp_category: String,
    pub emp_dept: String,
    pub job_typename: String,
    pub job_name: String,
    /// `1` contract signed, `0` not.
    pub contract_status: String,
    pub id_agency: String,
    /// `YYYY.MM.DD-YYYY.MM.DD` or `YYYY.MM.DD-长期`.
    pub id_validdate: String,
    pub emp_bankname: String,
    pub emp_cardnum: String,
    pub job_dept: String,
    /// Local only (the platform removed the team field in 2019-08).
    pub team_name: String,
}

/// Which of the four required photos are attached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhotosPresent {
    pub id_photo: bool,
    pub facephoto: bool,
    pub idphoto_scan: bool,
    pub idphoto_scan2: bool,
}

impl PhotosPresent {
    pub fn of(kinds: impl IntoIterator<Item = PhotoKind>) -> PhotosPresent {
        let mut p = PhotosPresent::default();
        for k in kinds {
            match k {
                PhotoKind::IdPortrait => p.id_photo = true,
                PhotoKind::Face => p.facephoto = true,
                PhotoKind::IdScanFront => p.idphoto_scan = true,
                PhotoKind::IdScanBack => p.idphoto_scan2 = true,
                PhotoKind::Site => {}
            }
        }
        p
    }

    fn has(&self, kind: PhotoKind) -> bool {
        match kind {
            PhotoKind::IdPortrait => self.id_photo,
            PhotoKind::Face => self.facephoto,
            PhotoKind::IdScanFront => self.idphoto_scan,
            PhotoKind::IdScanBack => self.idphoto_scan2,
            PhotoKind::Site => true,
        }
    }
}

/// What the checks compare against: today's date, the site's rules, the cached
/// dictionaries and the project's companies. Empty sets mean "not known, don't check".
#[derive(Debug, Clone, Default)]
pub struct WorkerRules {
    /// Beijing's date on the platform-corrected clock (the platform's "today"), whatever the
    /// PC's zone: pass period start, card expiry and age are judged on it.
    pub today: NaiveDate,
    pub age_rules: AgeRules,
    pub emp_categories: HashSet<String>,
    pub job_types: HashSet<String>,
    pub job_names: HashSet<String>,
    pub companies: HashSet<String>,
    /// Set when re-enrolling: the personnel type the platform already has.
    pub locked_category: Option<String>,
    /// The project's blacklist: ID number → reason.
    pub blacklist: HashMap<String, String>,
}

pub type WorkerProblem = Problem<WorkerField>;

fn error(field: WorkerField, message: impl Into<String>) -> WorkerProblem {
    Problem {
        field,
        message: message.into(),
        severity: Severity::Error,
    }
}

fn warning(field: WorkerField, message: impl Into<String>) -> WorkerProblem {
    Problem {
        field,
        message: message.into(),
        severity: Severity::Warning,
    }
}

impl Worker {
    /// Trims every field and normalises what has one right form (ID number, phone, dates).
    pub fn normalized(&self) -> Worker {
        let mut w = self.clone();
        for f in WorkerField::ALL {
            if let Some(text) = f.text_mut(&mut w) {
                *text = text.trim().to_string();
            }
        }
        if let Ok(id) = super::parse_id_number(&w.id_code) {
            w.id_code = id.code;
        }
        if let Ok(phone) = super::validate_mobile(&w.emp_phone) {
            w.emp_phone = phone;
        }
        w.emp_nation = w.emp_nation.trim_end_matches('族').to_string();
        w.match_flag = w.match_flag.to_uppercase();
        // Sent in the platform's exact form, never as typed ("2026-11-01 :" → "2026-11-01:").
        if let Ok(p) = super::PassPeriod::parse(&w.pass_period) {
            w.pass_period = p.to_platform_string();
        }
        if let Ok(v) = super::parse_id_validity(&w.id_validdate) {
            w.id_validdate = v.to_card_string();
        }
        w
    }

    /// Every problem with this worker, errors and warnings, each naming its field.
    pub fn validate(&self, photos: PhotosPresent, rules: &WorkerRules) -> Vec<WorkerProblem> {
        let w = self.normalized();
        let mut out = Vec::new();
        for field in WorkerField::ALL {
            match (field.text(&w), field.photo_kind()) {
                (Some(value), _) => {
                    if value.is_empty() {
                        if field.required() {
                            out.push(error(field, format!("请填写{}", field.label())));
                        }
                    } else if let Some(p) = text_problem(field.label(), value, field.max_chars()) {
                        out.push(error(field, p));
                    }
                }
                (None, Some(kind)) if !photos.has(kind) => {
                    out.push(error(field, format!("还缺{}：请拍照或选择文件", field.label())));
                }
                _ => {}
            }
        }
        let today = rules.today;
        if !w.id_code.is_empty() {
            // The number as given, not as normalised: an old 15-digit number is upgraded by
            // `normalized`, and the clerk must still hear that it was.
            match super::parse_id_number(self.id_code.trim()) {
                Ok(id) => {
                    out.extend(id.warnings().into_iter().map(|m| warning(WorkerField::IdCode, m)));
                    let age = super::age_on(id.birth_date, today);
                    out.extend(check_age(age, id.sex, &rules.age_rules));
                    if let Some(reason) = rules.blacklist.get(&id.code) {
                        let why = if reason.trim().is_empty() {
                            String::new()
                        } else {
                            format!("（{}）", reason.trim())
                        };
                        out.push(error(
                            WorkerField::IdCode,
                            format!("此人在本项目黑名单中{why}，不能登记：如有疑问请联系项目管理人员"),
                        ));
                    }
                }
                Err(e) => out.push(error(WorkerField::IdCode, e.to_string())),
            }
        }
        if !w.emp_phone.is_empty()
            && let Err(e) = super::validate_mobile(&w.emp_phone)
        {
            out.push(error(WorkerField::EmpPhone, e.to_string()));
        }
        if !w.emp_nation.is_empty() && !super::is_ethnic_name(&w.emp_nation) {
            out.push(error(
                WorkerField::EmpNation,
                format!("“{}”不是身份证上的民族名称：请从列表中选择", w.emp_nation),
            ));
        }
        if !w.pass_period.is_empty()
            && let Err(e) = super::parse_pass_period(&w.pass_period, today)
        {
            out.push(error(WorkerField::PassPeriod, e.to_string()));
        }
        if !w.match_flag.is_empty() && w.match_flag != "Y" && w.match_flag != "N" {
            out.push(error(
                WorkerField::MatchFlag,
                "人证比对只能是“Y”（一致）或“N”（不一致）",
            ));
        }
        if !w.contract_status.is_empty() && w.contract_status != "1" && w.contract_status != "0" {
            out.push(error(
                WorkerField::ContractStatus,
                "合同办理只能是“1”（已签）或“0”（未签）",
            ));
        }
        if !w.id_validdate.is_empty() {
            match super::parse_id_validity(&w.id_validdate) {
                Ok(v) if v.is_expired(today) => out.push(warning(
                    WorkerField::IdValiddate,
                    "身份证已过有效期：请让工人出示有效证件，确认后才能继续登记",
                )),
                Ok(_) => {}
                Err(e) => out.push(error(WorkerField::IdValiddate, e.to_string())),
            }
        }
        for (field, known, what) in [
            (WorkerField::EmpCategory, &rules.emp_categories, "人员类型"),
            (WorkerField::JobTypename, &rules.job_types, "工种/岗位类别"),
            (WorkerField::JobName, &rules.job_names, "工种名称"),
        ] {
            let value = field.text(&w).map(String::as_str).unwrap_or_default();
            if !value.is_empty() && !known.is_empty() && !known.contains(value) {
                out.push(error(
                    field,
                    format!("{what}代码 {value} 不在平台字典中：请从列表中重新选择（或先刷新字典）"),
                ));
            }
        }
        if !w.emp_company.is_empty() && !rules.companies.is_empty() && !rules.companies.contains(&w.emp_company) {
            out.push(error(
                WorkerField::EmpCompany,
                format!(
                    "“{}”不是本项目的参建单位：请从列表选择，或先在“参建单位”里添加",
                    w.emp_company
                ),
            ));
        }
        if let Some(locked) = &rules.locked_category
            && !w.emp_category.is_empty()
            && &w.emp_category != locked
        {
            out.push(error(
                WorkerField::EmpCategory,
                "人员类型上传后不允许变更：平台不接受修改，请保持原来的人员类型",
            ));
        }
        out
    }

    /// The worker, normalised, when nothing blocks it: the only way into the store. The
    /// warnings (expired card, age) come along for the caller to show; the errors otherwise.
    pub fn into_validated(
        self,
        photos: PhotosPresent,
        rules: &WorkerRules,
    ) -> Result<(Validated<Worker>, Vec<WorkerProblem>), Vec<WorkerProblem>> {
        let problems = self.validate(photos, rules);
        if errors(&problems).next().is_some() {
            return Err(problems);
        }
        Ok((Validated::new(self.normalized()), problems))
    }
}

/// Only the errors, for "can this be submitted".
pub fn errors<F>(problems: &[Problem<F>]) -> impl Iterator<Item = &Problem<F>> {
    problems.iter().filter(|p| p.severity == Severity::Error)
}
