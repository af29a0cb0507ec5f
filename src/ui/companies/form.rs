//! The company form (AddCompany): every field with its message beside it once the clerk
//! left it; the SUID is the key on the platform and stays fixed when editing.

use std::collections::HashSet;

use egui::RichText;

use crate::api::Endpoint;
use crate::domain::company::{CompanyRules, company_field_label};
use crate::domain::{Company, Problem, Severity};
use crate::store::{CompanyRecord, RecordState};
use crate::ui::backend::Snapshot;
use crate::ui::widgets::{ERROR_RED, WARN_AMBER, dict_combo, field_label, field_message, text_row};

pub enum FormOutcome {
    Save(Box<Company>),
    Cancel,
}

pub struct CompanyForm {
    pub company: Company,
    /// The SUID being edited; None when adding.
    pub editing: Option<String>,
    original_name: String,
    /// The platform's last refusal of this company, shown at the top.
    refusal: Option<String>,
    removing: bool,
    touched: HashSet<&'static str>,
    attempted: bool,
    type_search: String,
}

/// Text fields in the order of the business licence; the two dropdowns sit after 注册资金.
const TEXT_BEFORE: [(&str, bool, &str); 5] = [
    ("company_name", true, "与营业执照一致"),
    ("short_name", false, "选填，如“鹏城建设”"),
    ("suid", true, "营业执照上的 18 位代码"),
    ("legal_person", true, "营业执照上的法定代表人"),
    ("capital", false, "数字，单位万元"),
];
const TEXT_AFTER: [(&str, bool, &str); 7] = [
    ("bank_open", false, "选填"),
    ("bank_num", false, "选填"),
    ("address", false, "选填"),
    ("contacts", false, "选填"),
    ("mobile_phone", false, "选填，手机或座机"),
    ("email", false, "选填，如 name@example.com"),
    ("postcode", false, "选填，6 位数字"),
];

const FORM_ORDER: [&str; 14] = [
    "company_name",
    "short_name",
    "suid",
    "legal_person",
    "capital",
    "company_type",
    "suid_superior",
    "bank_open",
    "bank_num",
    "address",
    "contacts",
    "mobile_phone",
    "email",
    "postcode",
];

fn field_mut<'c>(c: &'c mut Company, field: &str) -> &'c mut String {
    match field {
        "company_name" => &mut c.company_name,
        "short_name" => &mut c.short_name,
        "capital" => &mut c.capital,
        "legal_person" => &mut c.legal_person,
        "bank_open" => &mut c.bank_open,
        "bank_num" => &mut c.bank_num,
        "address" => &mut c.address,
        "contacts" => &mut c.contacts,
        "mobile_phone" => &mut c.mobile_phone,
        "email" => &mut c.email,
        "postcode" => &mut c.postcode,
        "suid_superior" => &mut c.suid_superior,
        "company_type" => &mut c.company_type,
        _ => &mut c.suid,
    }
}

fn problem(field: &str, message: String, severity: Severity) -> Problem {
    Problem {
        field: field.to_string(),
        message,
        severity,
    }
}

impl Default for CompanyForm {
    fn default() -> Self {
        CompanyForm::new()
    }
}

impl CompanyForm {
    pub fn new() -> CompanyForm {
        CompanyForm {
            company: Company::default(),
            editing: None,
            original_name: String::new(),
            refusal: None,
            removing: false,
            touched: HashSet::new(),
            attempted: false,
            type_search: String::new(),
        }
    }

    pub fn edit(record: &CompanyRecord) -> CompanyForm {
        let mut form = CompanyForm::new();
        form.company = record.company.clone();
        form.editing = Some(record.company.suid.clone());
        form.original_name = record.company.company_name.clone();
        form.refusal = (record.state == RecordState::NeedsFix && !record.sync_message.is_empty())
            .then(|| record.sync_message.clone());
        form.removing = record.removing;
        form
    }

    /// The domain's checks plus those that need the project's other companies and workers.
    pub fn problems(&self, snap: &Snapshot) -> Vec<Problem> {
        let me = self.company.normalized();
        let others = || {
            snap.companies
                .iter()
                .filter(|c| !c.removing && Some(&c.company.suid) != self.editing.as_ref())
        };
        let rules = CompanyRules {
            company_types: snap
                .dictionary(Endpoint::GetCompanyType)
                .iter()
                .map(|e| e.orders.clone())
                .collect(),
            project_suids: others().map(|c| c.company.suid.clone()).collect(),
        };
        let mut out = me.validate(&rules);
        if self.editing.is_none() && snap.companies.iter().any(|c| !c.removing && c.company.suid == me.suid) {
            out.push(problem(
                "suid",
                "这个统一社会信用代码已在本项目：请在列表里点该单位的“修改”".into(),
                Severity::Error,
            ));
        }
        if !me.company_name.is_empty() && others().any(|c| c.company.company_name.trim() == me.company_name) {
            out.push(problem(
                "company_name",
                "本项目已有同名单位：单位名称要与营业执照一致，请核对".into(),
                Severity::Error,
            ));
        }
        if self.editing.is_some() && !self.original_name.is_empty() && me.company_name != self.original_name {
            let staying = snap
                .workers
                .iter()
                .filter(|w| w.emp_company == self.original_name && w.state != RecordState::Departed)
                .count();
            if staying > 0 {
                out.push(problem(
                    "company_name",
                    format!(
                        "有 {staying} 名人员登记在原名称“{}”下：改名后请逐个修改他们的所属单位，否则再上传会被平台拒绝",
                        self.original_name
                    ),
                    Severity::Warning,
                ));
            }
        }
        out
    }

    fn message_for<'p>(&self, problems: &'p [Problem], field: &str) -> Option<(&'p str, bool)> {
        if !self.attempted && !self.touched.contains(field) {
            return None;
        }
        crate::ui::widgets::field_problem(problems, field)
    }

    fn touch(&mut self, field: &'static str, r: &egui::Response) {
        if r.lost_focus() || r.changed() && !r.has_focus() {
            self.touched.insert(field);
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, snap: &Snapshot) -> Option<FormOutcome> {
        let problems = self.problems(snap);
        let mut outcome = None;
        egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
            ui.heading(if self.editing.is_some() {
                "修改参建单位"
            } else {
                "新增参建单位"
            });
            if let Some(r) = &self.refusal {
                ui.label(
                    RichText::new(format!("平台拒绝了上次上传：{r}。请改正后保存，会重新上传。")).color(ERROR_RED),
                );
            }
            if self.removing {
                ui.label(RichText::new("这个单位正在从本项目移除；保存会把它重新加回本项目。").color(WARN_AMBER));
            }
            egui::Grid::new("company_form")
                .num_columns(2)
                .spacing([12.0, 8.0])
                .show(ui, |ui| {
                    for (field, required, hint) in TEXT_BEFORE {
                        if field == "suid" && self.editing.is_some() {
                            let l = field_label(ui, company_field_label(field), true);
                            ui.horizontal(|ui| {
                                ui.add(
                                    egui::TextEdit::singleline(&mut self.company.suid.as_str()).desired_width(300.0),
                                )
                                .labelled_by(l.id);
                                ui.label(
                                    RichText::new("平台以此代码识别单位，不能修改；填错了请移除后重新添加").small(),
                                );
                            });
                            ui.end_row();
                            continue;
                        }
                        self.text_field(ui, &problems, field, required, hint);
                    }
                    self.type_row(ui, snap, &problems);
                    self.superior_row(ui, snap, &problems);
                    for (field, required, hint) in TEXT_AFTER {
                        self.text_field(ui, &problems, field, required, hint);
                    }
                });
            ui.separator();
            let errors: Vec<&Problem> = problems.iter().filter(|p| p.severity == Severity::Error).collect();
            ui.horizontal(|ui| {
                if ui.button(RichText::new("保存单位").strong()).clicked() {
                    if errors.is_empty() {
                        outcome = Some(FormOutcome::Save(Box::new(self.company.normalized())));
                    } else {
                        self.attempted = true;
                    }
                }
                if ui.button("取消").clicked() {
                    outcome = Some(FormOutcome::Cancel);
                }
            });
            if self.attempted && !errors.is_empty() {
                // In the order the clerk sees the fields.
                let mut fields: Vec<&str> = FORM_ORDER
                    .iter()
                    .filter(|f| errors.iter().any(|p| p.field == **f))
                    .map(|f| company_field_label(f))
                    .collect();
                fields.dedup();
                ui.label(RichText::new(format!("还不能保存，请先处理：{}", fields.join("、"))).color(ERROR_RED));
            }
        });
        outcome
    }

    fn text_field(&mut self, ui: &mut egui::Ui, problems: &[Problem], field: &'static str, required: bool, hint: &str) {
        let msg = self.message_for(problems, field).map(|(m, e)| (m.to_string(), e));
        let value = field_mut(&mut self.company, field);
        let r = text_row(
            ui,
            company_field_label(field),
            required,
            value,
            hint,
            msg.as_ref().map(|(m, e)| (m.as_str(), *e)),
        );
        self.touch(field, &r);
    }

    fn type_row(&mut self, ui: &mut egui::Ui, snap: &Snapshot, problems: &[Problem]) {
        let msg = self
            .message_for(problems, "company_type")
            .map(|(m, e)| (m.to_string(), e));
        let l = field_label(ui, company_field_label("company_type"), false);
        let entries = snap.dictionary(Endpoint::GetCompanyType);
        ui.horizontal(|ui| {
            let before = self.company.company_type.clone();
            dict_combo(
                ui,
                "company_type",
                l.id,
                &mut self.company.company_type,
                entries,
                &mut self.type_search,
            );
            if !self.company.company_type.is_empty() && ui.small_button("清除类型").clicked() {
                self.company.company_type.clear();
            }
            if self.company.company_type != before {
                self.touched.insert("company_type");
            }
            field_message(ui, msg.as_ref().map(|(m, e)| (m.as_str(), *e)));
        });
        ui.end_row();
    }

    fn superior_row(&mut self, ui: &mut egui::Ui, snap: &Snapshot, problems: &[Problem]) {
        let msg = self
            .message_for(problems, "suid_superior")
            .map(|(m, e)| (m.to_string(), e));
        let l = field_label(ui, company_field_label("suid_superior"), false);
        let own = self.company.suid.trim().to_uppercase();
        let choices: Vec<(&str, &str)> = snap
            .companies
            .iter()
            .filter(|c| !c.removing && c.company.suid != own)
            .map(|c| (c.company.suid.as_str(), c.company.company_name.as_str()))
            .collect();
        let current = self.company.suid_superior.trim().to_uppercase();
        let shown = if current.is_empty() {
            "无上级单位".to_string()
        } else {
            snap.companies
                .iter()
                .find(|c| c.company.suid == current)
                .map(|c| c.company.company_name.clone())
                .unwrap_or_else(|| format!("（不在本项目：{current}）"))
        };
        let before = self.company.suid_superior.clone();
        ui.horizontal(|ui| {
            egui::ComboBox::from_id_salt("company_superior")
                .selected_text(shown)
                .width(300.0)
                .height(360.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.company.suid_superior, String::new(), "无上级单位");
                    for (suid, name) in &choices {
                        ui.selectable_value(&mut self.company.suid_superior, suid.to_string(), *name);
                    }
                    if choices.is_empty() {
                        ui.label(RichText::new("本项目还没有其他单位：上级单位要先添加").color(WARN_AMBER));
                    }
                })
                .response
                .labelled_by(l.id);
            field_message(ui, msg.as_ref().map(|(m, e)| (m.as_str(), *e)));
        });
        if self.company.suid_superior != before {
            self.touched.insert("suid_superior");
        }
        ui.end_row();
    }
}
