//! The departure confirmation: who leaves, when, and that the platform cannot take it back.

use std::collections::BTreeSet;

use chrono::Utc;
use egui::RichText;

use crate::backend::Snapshot;
use crate::widgets::{error_red, warn_amber};
use domain::RecordState;
use domain::mask_id;

pub use domain::check_exit_time;

struct Person {
    id_code: String,
    name: String,
    company: String,
    /// The platform never accepted this worker, so it will refuse the departure.
    not_on_platform: bool,
}

pub struct LeaveDialog {
    people: Vec<Person>,
    pub exit_time: String,
    /// Show the time's error once the clerk left the field or pressed 确认离场.
    checked: bool,
}

pub enum LeaveOutcome {
    Confirm { id_codes: Vec<String>, exit_time: String },
    Cancel,
}

impl LeaveDialog {
    pub fn new(snap: &Snapshot, selected: &BTreeSet<String>) -> LeaveDialog {
        let people = snap
            .workers
            .iter()
            .filter(|w| selected.contains(&w.id_code))
            .map(|w| Person {
                id_code: w.id_code.clone(),
                name: w.emp_name.clone(),
                company: w.emp_company.clone(),
                not_on_platform: w.state == RecordState::NeedsFix && w.emp_id.is_empty(),
            })
            .collect();
        LeaveDialog {
            people,
            exit_time: domain::time::beijing_timestamp(Utc::now()),
            checked: false,
        }
    }

    pub fn ui(&mut self, ctx: &egui::Context) -> Option<LeaveOutcome> {
        let mut outcome = None;
        let modal = egui::Modal::new(egui::Id::unique("roster_leave_confirm")).show(ctx, |ui| {
            ui.set_width(560.0);
            ui.heading(format!("确认离场（{} 人）", self.people.len()));
            ui.label("以下人员将标记为离场，并上传到平台：");
            egui::ScrollArea::vertical().max_height(260.0).auto_shrink([false, true]).show(ui, |ui| {
                egui::Grid::new("leave_people").num_columns(3).striped(true).show(ui, |ui| {
                    for p in &self.people {
                        ui.label(RichText::new(&p.name).strong());
                        ui.monospace(mask_id(&p.id_code));
                        ui.label(&p.company);
                        ui.end_row();
                    }
                });
            });
            let refused = self.people.iter().filter(|p| p.not_on_platform).count();
            if refused > 0 {
                ui.label(
                    RichText::new(format!("其中 {refused} 人的登记还没有被平台接受，平台会拒绝他们的离场：可以先取消，把他们的登记改好上传后再办理离场。"))
                        .color(warn_amber(ui)),
                );
            }
            ui.add_space(6.0);
            let problem = check_exit_time(&self.exit_time, Utc::now()).err();
            ui.horizontal(|ui| {
                let l = ui.label("离场时间");
                let r = ui
                    .add(egui::TextEdit::singleline(&mut self.exit_time).hint_text("2026-11-28 17:30:00").desired_width(190.0))
                    .labelled_by(l.id);
                if r.lost_focus() {
                    self.checked = true;
                }
                ui.label(RichText::new("北京时间，默认是现在").small());
            });
            if self.checked
                && let Some(p) = &problem
            {
                ui.label(RichText::new(p.to_string()).color(error_red(ui)));
            }
            ui.add_space(6.0);
            ui.label(RichText::new("注意：离场提交后，平台不能撤销。请核对名单和离场时间后再确认。").color(error_red(ui)).strong());
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                if ui.button(RichText::new("确认离场").strong()).clicked() {
                    match check_exit_time(&self.exit_time, Utc::now()) {
                        Ok(exit_time) => {
                            let id_codes = self.people.iter().map(|p| p.id_code.clone()).collect();
                            outcome = Some(LeaveOutcome::Confirm { id_codes, exit_time });
                        }
                        Err(_) => self.checked = true,
                    }
                }
                if ui.button("取消").clicked() {
                    outcome = Some(LeaveOutcome::Cancel);
                }
            });
        });
        if outcome.is_none() && modal.should_close() {
            outcome = Some(LeaveOutcome::Cancel);
        }
        outcome
    }
}
