//! The departure confirmation: who leaves, when, and that the platform cannot take it back.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use egui::RichText;

use crate::domain::mask_id;
use crate::store::RecordState;
use crate::ui::backend::Snapshot;
use crate::ui::widgets::{ERROR_RED, WARN_AMBER};

/// A PC clock a little ahead of the platform's must not make "now" look like the future.
const FUTURE_SLACK_MINUTES: i64 = 10;

/// Reads the exit time as the clerk typed it (Beijing time); returns it as the platform wants it.
pub fn check_exit_time(text: &str, now: DateTime<Utc>) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("请填写离场时间，例如 2026-11-28 17:30:00".into());
    }
    let Some(at) = crate::api::parse_beijing_timestamp(text) else {
        return Err("离场时间格式不对：请写成“年-月-日 时:分:秒”，例如 2026-11-28 17:30:00".into());
    };
    if at > now + Duration::minutes(FUTURE_SLACK_MINUTES) {
        return Err("离场时间不能晚于现在：请填写已经离场的时间".into());
    }
    Ok(crate::api::beijing_timestamp(at))
}

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
            exit_time: crate::api::beijing_timestamp(Utc::now()),
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
                        .color(WARN_AMBER),
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
                ui.label(RichText::new(p).color(ERROR_RED));
            }
            ui.add_space(6.0);
            ui.label(RichText::new("注意：离场提交后，平台不能撤销。请核对名单和离场时间后再确认。").color(ERROR_RED).strong());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_time_must_be_a_beijing_timestamp_not_in_the_future() {
        let now = crate::api::parse_beijing_timestamp("2026-03-01 12:00:00").expect("time");
        assert_eq!(
            check_exit_time(" 2026-03-01 11:30:00 ", now).as_deref(),
            Ok("2026-03-01 11:30:00")
        );
        assert_eq!(
            check_exit_time("2026-03-01 12:05:00", now).as_deref(),
            Ok("2026-03-01 12:05:00")
        );
        assert!(
            check_exit_time("2026-03-01 13:00:00", now)
                .unwrap_err()
                .contains("不能晚于现在")
        );
        assert!(
            check_exit_time("2026/03/01 11:30", now)
                .unwrap_err()
                .contains("格式不对")
        );
        assert!(
            check_exit_time("2026-02-30 11:30:00", now)
                .unwrap_err()
                .contains("格式不对")
        );
        assert!(check_exit_time("", now).unwrap_err().contains("请填写"));
    }
}
