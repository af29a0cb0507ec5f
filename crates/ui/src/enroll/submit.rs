//! The bottom of the form: warnings to acknowledge, what is missing, 提交登记, and after a
//! submit the record's live state with 登记下一位.

use egui::RichText;

use super::EnrollScreen;
use crate::app::Command;
use crate::backend::{Intent, Snapshot};
use crate::widgets::{error_red, ok_green, warn_amber};
use domain::{Field, RecordState, Severity, Worker, WorkerProblem};

impl EnrollScreen {
    /// Sends the worker to the station; the camera stays open for the next one.
    fn submit(&mut self, worker: &Worker, out: &mut Vec<Command>) {
        let photos = self.slots.photos.iter().map(|(k, p)| (*k, p.jpeg.clone())).collect();
        let id = worker.normalized().id_code;
        let face_check = (!self.face.check.is_untouched()).then(|| self.face.check.clone());
        out.push(Command::Backend(Intent::SaveWorker {
            worker: Box::new(worker.clone()),
            photos,
            face_check,
        }));
        self.submitted = Some(id);
        self.save_error = None;
    }

    pub(super) fn submit_ui(
        &mut self,
        ui: &mut egui::Ui,
        worker: &Worker,
        problems: &[WorkerProblem],
        out: &mut Vec<Command>,
    ) {
        let errors: Vec<&WorkerProblem> = problems.iter().filter(|p| p.severity == Severity::Error).collect();
        let warnings: Vec<&WorkerProblem> = problems.iter().filter(|p| p.severity == Severity::Warning).collect();
        // A warning (expired card, age outside the site's limits) must be acknowledged once
        // per set of warnings: a new warning needs a new tick.
        let warning_key: Vec<String> = warnings.iter().map(|w| w.message.clone()).collect();
        if warning_key != self.acknowledged_for {
            self.acknowledged = false;
        }
        for w in &warnings {
            ui.label(RichText::new(format!("提醒：{}", w.message)).color(warn_amber(ui)));
        }
        if !warnings.is_empty()
            && ui
                .checkbox(&mut self.acknowledged, "已核对以上提醒，仍要登记")
                .changed()
        {
            self.acknowledged_for = warning_key.clone();
        }
        let needs_ack = !warnings.is_empty() && !self.acknowledged;
        // Enter submits when nothing is missing (and no dropdown is open to take the key).
        let enter = self.submitted.is_none()
            && !egui::Popup::is_any_open(ui.ctx())
            && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if enter && errors.is_empty() && !needs_ack {
            self.submit(worker, out);
        }
        ui.horizontal(|ui| {
            let label = if self.existing.as_ref().is_some_and(|e| !e.draft) {
                "提交修改"
            } else {
                "提交登记"
            };
            if ui
                .add_enabled(
                    self.submitted.is_none(),
                    egui::Button::new(RichText::new(label).strong()),
                )
                .clicked()
            {
                if errors.is_empty() && !needs_ack {
                    self.submit(worker, out);
                } else {
                    self.submit_attempted = true;
                }
            }
            if ui.button("清空重填").clicked() {
                out.push(Command::Notice("已清空表格".into()));
                self.clear_form(false);
            }
            // Right beside the button, so a press never seems to do nothing.
            if self.submit_attempted && !errors.is_empty() {
                let mut missing: Vec<&str> = errors.iter().map(|p| p.field.label()).collect();
                missing.dedup();
                ui.label(RichText::new(format!("还不能提交，请先处理：{}", missing.join("、"))).color(error_red(ui)));
            } else if self.submit_attempted && needs_ack {
                ui.label(RichText::new("还不能提交：请先核对上面的提醒并勾选“已核对”").color(error_red(ui)));
            }
        });
        if let Some(e) = &self.save_error {
            ui.label(RichText::new(e).color(error_red(ui)));
        }
    }

    pub(super) fn submitted_banner(
        &mut self,
        ui: &mut egui::Ui,
        snap: &Snapshot,
        id_code: &str,
        out: &mut Vec<Command>,
    ) {
        let row = snap.worker(id_code);
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.horizontal(|ui| {
                let name = row.map(|r| r.emp_name.as_str()).unwrap_or(&self.form.worker.emp_name);
                let (text, color) = match row.map(|r| r.state) {
                    None | Some(RecordState::Draft) => ("正在保存…".to_string(), warn_amber(ui)),
                    Some(RecordState::Pending) => {
                        ("待上传（已保存在本机，联网后自动上传）".to_string(), warn_amber(ui))
                    }
                    Some(RecordState::Sent) => ("已上传".to_string(), ok_green(ui)),
                    Some(RecordState::Departed) => ("已离场".to_string(), ok_green(ui)),
                    Some(RecordState::NeedsFix) => (
                        format!("需处理：{}", row.map(|r| r.sync_message.as_str()).unwrap_or_default()),
                        error_red(ui),
                    ),
                };
                ui.label(RichText::new(format!("{name}：")).strong());
                ui.label(RichText::new(text).color(color).strong());
                if ui.button("登记下一位").clicked() {
                    out.push(Command::Notice(format!("{name} 的登记已提交")));
                    self.next_requested = true;
                }
                let edit_text = if row.is_some_and(|r| r.state == RecordState::NeedsFix) {
                    "修改后重新提交"
                } else {
                    "修改此人"
                };
                if row.is_some() && ui.button(edit_text).clicked() {
                    out.push(Command::EditWorker(id_code.to_string()));
                }
            });
        });
    }
}
