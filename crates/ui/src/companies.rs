//! 参建单位: the project's companies, the AddCompany form (see `form`) and removal with a
//! confirmation that says who still works for the company.

mod form;

use egui::RichText;

use super::app::Command;
use super::backend::{Event, Intent, Snapshot};
use super::widgets::{error_red, ok_green, warn_amber};
use domain::RecordState;
use station::platform::Endpoint;
use station::records::CompanyRecord;

pub use form::{CompanyForm, FormOutcome};

/// A removal waiting for the clerk's confirmation.
struct RemoveConfirm {
    suid: String,
    name: String,
    /// Workers not departed who name the company.
    workers: usize,
    /// Companies that name it as their superior.
    subordinates: Vec<String>,
}

#[derive(Default)]
pub struct CompaniesScreen {
    form: Option<CompanyForm>,
    remove: Option<RemoveConfirm>,
    /// Why `open` found nothing to open.
    note: Option<String>,
}

/// Workers not departed who name the company (the platform refuses their uploads once it is gone).
pub fn workers_naming(snap: &Snapshot, company_name: &str) -> usize {
    snap.workers_by_company.get(company_name).copied().unwrap_or(0)
}

impl CompaniesScreen {
    pub fn ui(&mut self, ui: &mut egui::Ui, snap: &Snapshot, out: &mut Vec<Command>) {
        if let Some(form) = &mut self.form {
            match form.ui(ui, snap) {
                // The form stays open until the station answers: a failure keeps what was typed.
                Some(FormOutcome::Save(company)) => out.push(Command::Backend(Intent::SaveCompany(company))),
                Some(FormOutcome::Cancel) => self.form = None,
                None => {}
            }
            return;
        }
        self.list_ui(ui, snap);
        self.remove_ui(ui, out);
    }

    pub fn on_event(&mut self, event: &Event) {
        match event {
            Event::CompanySaved { result, .. } => {
                if let Some(form) = &mut self.form
                    && form.saving
                {
                    match result {
                        Ok(()) => self.form = None,
                        Err(failure) => {
                            form.saving = false;
                            form.save_error = Some(failure.message());
                        }
                    }
                }
            }
            Event::CompanyRemoved(Err(failure)) => self.note = Some(failure.message()),
            _ => {}
        }
    }

    /// Opens the company's form (the queue's 去修改).
    pub fn open(&mut self, suid: &str, snap: &Snapshot) {
        self.remove = None;
        match snap.companies.iter().find(|c| c.company.suid == suid) {
            Some(record) => {
                self.note = None;
                self.form = Some(CompanyForm::edit(record));
            }
            None => {
                self.form = None;
                self.note = Some(format!(
                    "本机没有统一社会信用代码为 {suid} 的单位（可能已经从本项目移除）。"
                ));
            }
        }
    }

    fn list_ui(&mut self, ui: &mut egui::Ui, snap: &Snapshot) {
        ui.horizontal(|ui| {
            ui.heading("参建单位");
            ui.add_space(16.0);
            if ui.button("新增单位").clicked() {
                self.note = None;
                self.form = Some(CompanyForm::new());
            }
            ui.label(format!(
                "共 {} 家",
                snap.companies.iter().filter(|c| !c.removing).count()
            ));
        });
        if let Some(note) = &self.note {
            ui.label(RichText::new(note).color(warn_amber(ui)));
        }
        ui.label(RichText::new("工人的“所属单位”只能从这里的单位中选择；上级单位要先添加，再添加下级单位。").small());
        ui.separator();
        if snap.companies.is_empty() {
            ui.label("本项目还没有参建单位：点“新增单位”，按营业执照填写。");
            return;
        }
        egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
            egui::Grid::new("companies_list")
                .num_columns(8)
                .striped(true)
                .spacing([14.0, 8.0])
                .show(ui, |ui| {
                    for h in [
                        "单位名称",
                        "单位简称",
                        "统一社会信用代码",
                        "单位类型",
                        "上级单位",
                        "状态",
                        "在场人员",
                        "操作",
                    ] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for c in &snap.companies {
                        self.row_ui(ui, snap, c);
                        ui.end_row();
                    }
                });
        });
    }

    fn row_ui(&mut self, ui: &mut egui::Ui, snap: &Snapshot, c: &CompanyRecord) {
        let co = &c.company;
        ui.label(RichText::new(&co.company_name).strong());
        ui.label(&co.short_name);
        ui.monospace(&co.suid);
        let kind = if co.company_type.is_empty() {
            String::new()
        } else {
            snap.dict_name(Endpoint::GetCompanyType, &co.company_type)
                .map(str::to_string)
                .unwrap_or_else(|| co.company_type.clone())
        };
        ui.label(kind);
        let superior = if co.suid_superior.is_empty() {
            String::new()
        } else {
            snap.companies
                .iter()
                .find(|s| s.company.suid == co.suid_superior)
                .map(|s| s.company.company_name.clone())
                .unwrap_or_else(|| co.suid_superior.clone())
        };
        ui.label(superior);
        ui.horizontal(|ui| {
            let (text, color) = match (c.removing, c.state) {
                (true, RecordState::NeedsFix) => ("移除未成功", error_red(ui)),
                (true, _) => ("正在移除", warn_amber(ui)),
                (false, RecordState::NeedsFix) => ("需处理", error_red(ui)),
                (false, RecordState::Pending) => ("待上传", warn_amber(ui)),
                (false, s) => (s.label(), ok_green(ui)),
            };
            let r = ui.label(RichText::new(text).color(color).strong());
            if !c.sync_message.is_empty() {
                r.on_hover_text(format!("{}。请到“待上传”查看平台的回复和处理办法。", c.sync_message));
            }
        });
        ui.label(workers_naming(snap, &co.company_name).to_string());
        ui.horizontal(|ui| {
            if ui.small_button("修改").clicked() {
                self.note = None;
                self.form = Some(CompanyForm::edit(c));
            }
            let remove = ui
                .add_enabled(!c.removing, egui::Button::new("移除").small())
                .on_disabled_hover_text("已经在移除，等平台回复");
            if remove.clicked() {
                self.remove = Some(RemoveConfirm {
                    suid: co.suid.clone(),
                    name: co.company_name.clone(),
                    workers: workers_naming(snap, &co.company_name),
                    subordinates: snap
                        .companies
                        .iter()
                        .filter(|s| !s.removing && s.company.suid_superior == co.suid)
                        .map(|s| s.company.company_name.clone())
                        .collect(),
                });
            }
        });
    }

    fn remove_ui(&mut self, ui: &mut egui::Ui, out: &mut Vec<Command>) {
        let Some(confirm) = &self.remove else { return };
        let mut done = false;
        let modal = egui::Modal::new(egui::Id::unique("company_remove_confirm")).show(ui.ctx(), |ui| {
            ui.set_width(520.0);
            ui.heading("移除参建单位");
            ui.label(format!("确定要把“{}”从本项目移除吗？", confirm.name));
            ui.monospace(&confirm.suid);
            if confirm.workers > 0 {
                ui.label(
                    RichText::new(format!(
                        "还有 {} 名未离场的人员登记在这个单位下：移除后再上传他们的资料会被平台拒绝。请先为他们办理离场，或改到其他单位。",
                        confirm.workers
                    ))
                    .color(error_red(ui)),
                );
            }
            if !confirm.subordinates.is_empty() {
                ui.label(
                    RichText::new(format!("以下单位把它填为上级单位：{}。", confirm.subordinates.join("、"))).color(warn_amber(ui)),
                );
            }
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                if ui.button(RichText::new("确认移除").strong()).clicked() {
                    out.push(Command::Backend(Intent::RemoveCompany { suid: confirm.suid.clone(), name: confirm.name.clone() }));
                    done = true;
                }
                if ui.button("取消").clicked() {
                    done = true;
                }
            });
        });
        if done || modal.should_close() {
            self.remove = None;
        }
    }
}
