//! The form's left column: the worker's fields in form order, each with its message under it
//! (wrapped within the column) once the clerk left it; fields read from the card's chip stay
//! locked until 手工修改.

use egui::RichText;

use super::EnrollScreen;
use super::parts::{date_button, id_summary};
use crate::backend::Snapshot;
use crate::widgets::{dict_combo, field_cell, field_label, name_combo, text_row_with, warn_amber};
use domain::{Field, WorkerField, WorkerProblem};
use station::platform::Endpoint;

/// Why a field does not take typing.
const FROM_CARD: &str = "来自身份证芯片，与证件一致；要改请先点读卡栏的“手工修改”";

impl EnrollScreen {
    /// The message for a field: shown once the clerk left it, or after a submit attempt.
    pub(super) fn message_for(&self, problems: &[WorkerProblem], field: WorkerField) -> Option<(String, bool)> {
        if !self.submit_attempted && !self.touched.contains(&field) {
            return None;
        }
        crate::widgets::field_problem(problems, field).map(|(m, e)| (m.to_string(), e))
    }

    /// A field counts as left once its focus went elsewhere after the clerk was in it, or
    /// it changed without focus (a picker). Entering an empty field is not leaving it.
    pub(super) fn touch(&mut self, field: WorkerField, r: &egui::Response) {
        if r.lost_focus() || r.changed() && !r.has_focus() {
            self.touched.insert(field);
        }
    }

    fn locked(&self, field: WorkerField) -> Option<&'static str> {
        self.from_card.contains(&field).then_some(FROM_CARD)
    }

    pub(super) fn fields_ui(&mut self, ui: &mut egui::Ui, snap: &Snapshot, problems: &[WorkerProblem]) {
        let category_locked = self.existing.as_ref().is_some_and(|e| !e.locked_category.is_empty());
        egui::Grid::new("enroll_fields")
            .num_columns(2)
            .spacing([12.0, 8.0])
            .show(ui, |ui| {
                self.text_rows(ui, problems, &[(WorkerField::IdCode, "18 位，末位可以是 X")]);
                ui.label("");
                ui.label(RichText::new(id_summary(&self.form.worker.id_code, self.clock.beijing_today())).small());
                ui.end_row();
                self.text_rows(
                    ui,
                    problems,
                    &[
                        (WorkerField::EmpName, "与身份证一致"),
                        (WorkerField::EmpPhone, "11 位手机号；港澳台带区号，如 +852"),
                        (WorkerField::EmpNativeplace, "身份证上的住址"),
                        (WorkerField::IdAgency, "身份证背面的签发机关"),
                    ],
                );
                self.validity_rows(ui, problems);

                let names: Vec<&str> = domain::ETHNIC_GROUPS.iter().map(|(_, n)| *n).collect();
                let nation_locked = self.locked(WorkerField::EmpNation).is_some();
                self.combo_row(ui, problems, WorkerField::EmpNation, |ui, id, value, search| {
                    ui.add_enabled_ui(!nation_locked, |ui| {
                        name_combo(ui, "emp_nation", id, value, &names, search)
                    })
                    .inner
                });
                let companies: Vec<&str> = snap
                    .companies
                    .iter()
                    .filter(|c| !c.removing)
                    .map(|c| c.company.company_name.as_str())
                    .collect();
                self.combo_row(ui, problems, WorkerField::EmpCompany, |ui, id, value, search| {
                    name_combo(ui, "emp_company", id, value, &companies, search)
                });
                let cats = snap.dictionary(Endpoint::DictListEmpCategory);
                self.combo_row(ui, problems, WorkerField::EmpCategory, |ui, id, value, search| {
                    ui.add_enabled_ui(!category_locked, |ui| {
                        dict_combo(ui, "emp_category", id, value, cats, search)
                    })
                    .inner
                });
                if category_locked {
                    ui.label("");
                    ui.label(
                        RichText::new("人员类型上传后平台不允许修改")
                            .small()
                            .color(warn_amber(ui)),
                    );
                    ui.end_row();
                }
                let types = snap.dictionary(Endpoint::DictListJobTypeName);
                self.combo_row(ui, problems, WorkerField::JobTypename, |ui, id, value, search| {
                    dict_combo(ui, "job_typename", id, value, types, search)
                });
                let trades = snap.dictionary(Endpoint::DictListJobName);
                self.combo_row(ui, problems, WorkerField::JobName, |ui, id, value, search| {
                    dict_combo(ui, "job_name", id, value, trades, search)
                });
                self.pass_period_row(ui, problems);
                self.choice_rows(ui, problems);
                self.text_rows(
                    ui,
                    problems,
                    &[
                        (WorkerField::EmpDept, "选填"),
                        (WorkerField::JobDept, "选填"),
                        (WorkerField::TeamName, "选填，只保存在本机"),
                        (WorkerField::EmpBankname, "选填，工资卡开户行"),
                        (WorkerField::EmpCardnum, "选填"),
                    ],
                );
            });
    }

    /// A new worker starts on each dictionary's default entry (`flag` "Y"), as the platform
    /// means it: filled while the field is empty and the clerk has not chosen, also when the
    /// dictionary arrives after the form opened. A worker on file keeps what it has.
    pub(super) fn preselect_defaults(&mut self, snap: &Snapshot) {
        if self.existing.is_some() || self.submitted.is_some() {
            return;
        }
        for (field, dictionary) in [
            (WorkerField::EmpCategory, Endpoint::DictListEmpCategory),
            (WorkerField::JobTypename, Endpoint::DictListJobTypeName),
            (WorkerField::JobName, Endpoint::DictListJobName),
        ] {
            if self.touched.contains(&field) {
                continue;
            }
            // Several entries flagged is no default at all.
            let mut defaults = snap.dictionary(dictionary).iter().filter(|e| e.is_default());
            let (Some(default), None) = (defaults.next(), defaults.next()) else {
                continue;
            };
            if let Some(value) = field.text_mut(&mut self.form.worker)
                && value.is_empty()
            {
                value.clone_from(&default.orders);
            }
        }
    }

    /// Plain text fields, one grid row each, with their message once left.
    fn text_rows(&mut self, ui: &mut egui::Ui, problems: &[WorkerProblem], fields: &[(WorkerField, &str)]) {
        for &(field, hint) in fields {
            let msg = self.message_for(problems, field);
            let locked = self.locked(field);
            let Some(value) = field.text_mut(&mut self.form.worker) else {
                continue;
            };
            let r = text_row_with(
                ui,
                field.label(),
                field.required(),
                value,
                hint,
                msg.as_ref().map(|(m, e)| (m.as_str(), *e)),
                locked,
            );
            self.touch(field, &r);
        }
    }

    /// 有效期限 as printed (with 长期), and the same period from two date pickers.
    fn validity_rows(&mut self, ui: &mut egui::Ui, problems: &[WorkerProblem]) {
        let msg = self.message_for(problems, WorkerField::IdValiddate);
        let locked = self.locked(WorkerField::IdValiddate);
        let l = field_label(ui, WorkerField::IdValiddate.label(), true);
        field_cell(ui, msg.as_ref().map(|(m, e)| (m.as_str(), *e)), |ui| {
            let mut edit = egui::TextEdit::singleline(&mut self.form.worker.id_validdate)
                .hint_text("2015.06.01-2035.06.01")
                .desired_width(200.0)
                .interactive(locked.is_none());
            if locked.is_some() {
                edit = edit.text_color(ui.visuals().weak_text_color());
            }
            let r = ui.add(edit).labelled_by(l.id);
            self.touch(WorkerField::IdValiddate, &r);
            let mut long_term = self.form.worker.id_validdate.ends_with("长期");
            if ui
                .add_enabled(locked.is_none(), egui::Checkbox::new(&mut long_term, "长期"))
                .changed()
            {
                let start = self
                    .form
                    .worker
                    .id_validdate
                    .split('-')
                    .next()
                    .unwrap_or_default()
                    .to_string();
                self.form.worker.id_validdate = if long_term {
                    format!("{start}-长期")
                } else {
                    format!("{start}-")
                };
            }
        });
        ui.end_row();
        if locked.is_some() {
            return;
        }
        ui.label("");
        ui.horizontal(|ui| {
            // The same period from date pickers, for clerks who prefer a calendar.
            let today = self.clock.beijing_today();
            let parsed = domain::parse_id_validity(&self.form.worker.id_validdate).ok();
            let mut start = parsed.as_ref().map(|v| v.start).unwrap_or(today);
            let long_term = self.form.worker.id_validdate.ends_with("长期");
            let mut end = parsed
                .as_ref()
                .and_then(|v| v.end)
                .unwrap_or(start + chrono::Duration::days(365 * 10));
            let from = ui.label(RichText::new("有效期起").small());
            let mut changed = date_button(ui, "validity_start", &mut start, from.id);
            if !long_term {
                let to = ui.label(RichText::new("有效期止").small());
                changed |= date_button(ui, "validity_end", &mut end, to.id);
            }
            if changed {
                let v = domain::IdValidity {
                    start,
                    end: (!long_term).then_some(end),
                };
                self.form.worker.id_validdate = v.to_card_string();
                self.touched.insert(WorkerField::IdValiddate);
            }
        });
        ui.end_row();
    }

    /// 通行时段: start, and an end unless open-ended.
    fn pass_period_row(&mut self, ui: &mut egui::Ui, problems: &[WorkerProblem]) {
        let msg = self.message_for(problems, WorkerField::PassPeriod);
        let l = field_label(ui, WorkerField::PassPeriod.label(), true);
        let today = self.clock.beijing_today();
        field_cell(ui, msg.as_ref().map(|(m, e)| (m.as_str(), *e)), |ui| {
            let start = self.form.pass_start.get_or_insert(today);
            date_button(ui, "pass_start", start, l.id);
            let to = ui.label("至");
            let mut open = self.form.pass_end.is_none();
            if ui.checkbox(&mut open, "不限结束日期").changed() {
                self.form.pass_end = if open {
                    None
                } else {
                    Some(*start + chrono::Duration::days(365))
                };
            }
            if let Some(end) = &mut self.form.pass_end {
                date_button(ui, "pass_end", end, to.id);
            }
        });
        ui.end_row();
    }

    /// 人证比对 and 合同办理, two choices each.
    fn choice_rows(&mut self, ui: &mut egui::Ui, problems: &[WorkerProblem]) {
        for field in [WorkerField::MatchFlag, WorkerField::ContractStatus] {
            let Some([yes, no]) = field.choice() else { continue };
            let msg = self.message_for(problems, field);
            field_label(ui, field.label(), true);
            let Some(value) = field.text_mut(&mut self.form.worker) else {
                continue;
            };
            // Decided by the face check: changed only through its 改判, which asks why.
            let by_machine = field == WorkerField::MatchFlag && self.face.decided_flag().is_some();
            field_cell(ui, msg.as_ref().map(|(m, e)| (m.as_str(), *e)), |ui| {
                ui.add_enabled_ui(!by_machine, |ui| {
                    ui.radio_value(value, yes.0.to_string(), yes.1);
                    ui.radio_value(value, no.0.to_string(), no.1);
                })
                .response
                .on_disabled_hover_text("由人证比对得出；要改请点摄像头旁的“改判”并写明理由");
            });
            ui.end_row();
        }
    }

    fn combo_row(
        &mut self,
        ui: &mut egui::Ui,
        problems: &[WorkerProblem],
        field: WorkerField,
        combo: impl FnOnce(&mut egui::Ui, egui::Id, &mut String, &mut String) -> egui::Response,
    ) {
        let msg = self.message_for(problems, field);
        let l = field_label(ui, field.label(), true);
        let search = self.searches.entry(field).or_default();
        let Some(value) = field.text_mut(&mut self.form.worker) else {
            return;
        };
        let before = value.clone();
        field_cell(ui, msg.as_ref().map(|(m, e)| (m.as_str(), *e)), |ui| {
            combo(ui, l.id, value, search);
        });
        if *value != before {
            self.touched.insert(field);
        }
        ui.end_row();
    }
}
