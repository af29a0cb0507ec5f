//! The company form (AddCompany): every field with its message beside it once the clerk
//! left it; the SUID is the key on the platform and stays fixed when editing.

use std::collections::HashSet;

use egui::RichText;

use crate::backend::Snapshot;
use crate::widgets::{dict_combo, error_red, field_label, field_message, text_row, warn_amber};
use domain::{Company, CompanyField, CompanyProblem, Field, Problem, RecordState, Severity};
use station::platform::Endpoint;
use station::records::CompanyRecord;

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
    touched: HashSet<CompanyField>,
    attempted: bool,
    type_search: String,
    /// Sent to the station, waiting for its answer.
    pub saving: bool,
    /// Why the last save stored nothing.
    pub save_error: Option<String>,
}

/// Text fields in the order of the business licence; the two dropdowns sit after 注册资金.
const TEXT_BEFORE: [(CompanyField, &str); 5] = [
    (CompanyField::CompanyName, "与营业执照一致"),
    (CompanyField::ShortName, "选填，如“鹏城建设”"),
    (CompanyField::Suid, "18 位统一社会信用代码；老证照填 9 位组织机构代码"),
    (CompanyField::LegalPerson, "营业执照上的法定代表人"),
    (CompanyField::Capital, "数字，单位万元"),
];
const TEXT_AFTER: [(CompanyField, &str); 7] = [
    (CompanyField::BankOpen, "选填"),
    (CompanyField::BankNum, "选填"),
    (CompanyField::Address, "选填"),
    (CompanyField::Contacts, "选填"),
    (CompanyField::MobilePhone, "选填，手机或座机"),
    (CompanyField::Email, "选填，如 name@example.com"),
    (CompanyField::Postcode, "选填，6 位数字"),
];

fn problem(field: CompanyField, message: String, severity: Severity) -> CompanyProblem {
    Problem {
        field,
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
            saving: false,
            save_error: None,
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
    pub fn problems(&self, snap: &Snapshot) -> Vec<CompanyProblem> {
        let me = self.company.normalized();
        let mut out = me.validate(&snap.company_rules);
        if self.editing.is_none() && snap.companies.iter().any(|c| !c.removing && c.company.suid == me.suid) {
            out.push(problem(
                CompanyField::Suid,
                "这个统一社会信用代码已在本项目：请在列表里点该单位的“修改”".into(),
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
                    CompanyField::CompanyName,
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

    fn message_for<'p>(&self, problems: &'p [CompanyProblem], field: CompanyField) -> Option<(&'p str, bool)> {
        if !self.attempted && !self.touched.contains(&field) {
            return None;
        }
        crate::widgets::field_problem(problems, field)
    }

    fn touch(&mut self, field: CompanyField, r: &egui::Response) {
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
                    RichText::new(format!("平台拒绝了上次上传：{r}。请改正后保存，会重新上传。")).color(error_red(ui)),
                );
            }
            if self.removing {
                ui.label(RichText::new("这个单位正在从本项目移除；保存会把它重新加回本项目。").color(warn_amber(ui)));
            }
            egui::Grid::new("company_form")
                .num_columns(2)
                .spacing([12.0, 8.0])
                .show(ui, |ui| {
                    for (field, hint) in TEXT_BEFORE {
                        if field == CompanyField::Suid && self.editing.is_some() {
                            let l = field_label(ui, field.label(), true);
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
                        self.text_field(ui, &problems, field, hint);
                    }
                    self.type_row(ui, snap, &problems);
                    self.superior_row(ui, snap, &problems);
                    for (field, hint) in TEXT_AFTER {
                        self.text_field(ui, &problems, field, hint);
                    }
                });
            ui.separator();
            let errors: Vec<&CompanyProblem> = problems.iter().filter(|p| p.severity == Severity::Error).collect();
            ui.horizontal(|ui| {
                let save = ui.add_enabled(!self.saving, egui::Button::new(RichText::new("保存单位").strong()));
                if save.clicked() {
                    if errors.is_empty() {
                        self.saving = true;
                        self.save_error = None;
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
                let mut fields: Vec<&str> = CompanyField::ALL
                    .iter()
                    .filter(|f| errors.iter().any(|p| p.field == **f))
                    .map(|f| f.label())
                    .collect();
                fields.dedup();
                ui.label(RichText::new(format!("还不能保存，请先处理：{}", fields.join("、"))).color(error_red(ui)));
            }
            if let Some(e) = &self.save_error {
                ui.label(RichText::new(e).color(error_red(ui)));
            }
        });
        outcome
    }

    fn text_field(&mut self, ui: &mut egui::Ui, problems: &[CompanyProblem], field: CompanyField, hint: &str) {
        let msg = self.message_for(problems, field).map(|(m, e)| (m.to_string(), e));
        // Every company field is text: the table says so and its test checks it.
        let Some(value) = field.text_mut(&mut self.company) else {
            return;
        };
        let r = text_row(
            ui,
            field.label(),
            field.required(),
            value,
            hint,
            msg.as_ref().map(|(m, e)| (m.as_str(), *e)),
        );
        self.touch(field, &r);
    }

    fn type_row(&mut self, ui: &mut egui::Ui, snap: &Snapshot, problems: &[CompanyProblem]) {
        let msg = self
            .message_for(problems, CompanyField::CompanyType)
            .map(|(m, e)| (m.to_string(), e));
        let l = field_label(ui, CompanyField::CompanyType.label(), false);
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
                self.touched.insert(CompanyField::CompanyType);
            }
            field_message(ui, msg.as_ref().map(|(m, e)| (m.as_str(), *e)));
        });
        ui.end_row();
    }

    fn superior_row(&mut self, ui: &mut egui::Ui, snap: &Snapshot, problems: &[CompanyProblem]) {
        let msg = self
            .message_for(problems, CompanyField::SuidSuperior)
            .map(|(m, e)| (m.to_string(), e));
        let l = field_label(ui, CompanyField::SuidSuperior.label(), false);
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
                        ui.label(RichText::new("本项目还没有其他单位：上级单位要先添加").color(warn_amber(ui)));
                    }
                })
                .response
                .labelled_by(l.id);
            field_message(ui, msg.as_ref().map(|(m, e)| (m.as_str(), *e)));
        });
        if self.company.suid_superior != before {
            self.touched.insert(CompanyField::SuidSuperior);
        }
        ui.end_row();
    }
}
