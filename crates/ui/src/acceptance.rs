//! 联调向导 beside the checklist in 设置: what the run will create, the clerk's consent, the
//! calls as they go (each answer verbatim), where it stopped and what to change, and the
//! report for the platform's staff.

use egui::RichText;

use super::app::Command;
use super::backend::{Event, Intent};
use super::dialogs::FileDialog;
use super::widgets::{error_red, ok_green, warn_amber};
use station::acceptance::{self, AcceptanceRun, RunEnd};
use station::config::Config;

#[derive(Default)]
pub struct AcceptanceWizard {
    pub run: Option<AcceptanceRun>,
    pub consent: bool,
    pub running: bool,
    /// How the last run ended, in the clerk's words, and whether it is a problem.
    pub message: Option<(String, bool)>,
}

impl AcceptanceWizard {
    pub fn on_event(&mut self, event: &Event) {
        match event {
            Event::AcceptanceProgress(run) => self.run = run.as_deref().cloned(),
            Event::AcceptanceEnded(end) => {
                self.running = false;
                self.message = Some(match end {
                    Ok(RunEnd::Finished) => (
                        format!(
                            "联调完成：每个接口都已有至少 {} 次成功记录。可导出联调报告交给平台",
                            acceptance::REQUIRED
                        ),
                        false,
                    ),
                    Ok(RunEnd::Stopped { step }) => (
                        format!(
                            "联调停在第 {} 步：按下面的说明改正后点“继续联调”，从这一步接着做",
                            step + 1
                        ),
                        true,
                    ),
                    Ok(RunEnd::Cancelled) => ("联调已停止：点“继续联调”从停下的地方接着做".into(), false),
                    Err(why) => (why.clone(), true),
                });
            }
            Event::AcceptanceReported(Ok(path)) => {
                self.message = Some((format!("联调报告已保存到 {}", path.display()), false));
            }
            Event::AcceptanceReported(Err(e)) => self.message = Some((format!("联调报告没有保存：{e}"), true)),
            _ => {}
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, config: &Config, out: &mut Vec<Command>) {
        ui.heading("联调向导");
        if let Err(why) = acceptance::allowed(config.environment, config.custom_is) {
            ui.label(RichText::new(why.to_string()).color(warn_amber(ui)));
            return;
        }
        ui.label("向导用专门的测试数据补齐每个接口缺少的成功记录：先取字典，再添加测试单位、登记测试人员、上传考勤，最后让测试人员离场、移除测试单位。本机的人员和单位不受影响。");
        ui.label(RichText::new(format!("测试身份证号：{}", acceptance::TEST_ID_RANGE)).small());
        ui.label(RichText::new(format!("测试信用代码：{}", acceptance::TEST_COMPANY_RANGE)).small());
        let resumable = self.run.as_ref().is_some_and(|r| !r.finished() && r.done_count() > 0);
        ui.horizontal_wrapped(|ui| {
            ui.checkbox(&mut self.consent, "我同意在测试平台上生成以上测试数据");
            let start = if resumable { "继续联调" } else { "开始联调" };
            if ui
                .add_enabled(self.consent && !self.running, egui::Button::new(start))
                .on_disabled_hover_text(if self.running {
                    "正在联调"
                } else {
                    "请先勾选同意"
                })
                .clicked()
            {
                self.running = true;
                self.message = None;
                out.push(Command::Backend(Intent::AcceptanceStart));
            }
            if self.running {
                ui.spinner();
                if ui.button("停止").clicked() {
                    out.push(Command::Backend(Intent::AcceptanceStop));
                }
            }
            if ui.button("导出联调报告").clicked() {
                out.push(Command::File(FileDialog::SaveAcceptanceReport));
            }
        });
        if let Some((text, is_error)) = &self.message {
            let color = if *is_error { error_red(ui) } else { ok_green(ui) };
            ui.add(egui::Label::new(RichText::new(text).color(color)).wrap());
        }
        if let Some(run) = &self.run {
            steps_ui(ui, run);
        }
    }
}

fn steps_ui(ui: &mut egui::Ui, run: &AcceptanceRun) {
    ui.label(format!("进度：{} / {} 步", run.done_count(), run.steps.len()));
    if let Some((i, o)) = run.stopped_at() {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(
                RichText::new(format!("停在第 {} 步：{}", i + 1, run.steps[i].kind.describe())).color(error_red(ui)),
            );
            if !o.words.is_empty() {
                ui.label(format!("平台原话：代码 {}，{}", o.code, o.words));
            }
            ui.add(egui::Label::new(format!("怎么办：{}", o.advice)).wrap());
            answer_ui(ui, &o.answer, i);
        });
    }
    egui::ScrollArea::vertical()
        .id_salt("acceptance_steps")
        .max_height(220.0)
        .show(ui, |ui| {
            for (i, step) in run.steps.iter().enumerate() {
                let (mark, color) = match &step.outcome {
                    Some(o) if o.ok => ("√", ok_green(ui)),
                    Some(_) => ("×", error_red(ui)),
                    None => ("○", ui.visuals().weak_text_color()),
                };
                ui.horizontal(|ui| {
                    ui.label(RichText::new(mark).color(color));
                    ui.label(format!("{}. {}", i + 1, step.kind.describe()));
                    if let Some(o) = &step.outcome {
                        ui.label(RichText::new(domain::time::beijing_timestamp(o.at)).small().weak());
                    }
                });
                if let Some(o) = step.outcome.as_ref().filter(|o| o.ok) {
                    answer_ui(ui, &o.answer, i);
                }
            }
        });
}

/// The platform's answer as it came, folded away.
fn answer_ui(ui: &mut egui::Ui, answer: &str, step: usize) {
    if answer.is_empty() {
        return;
    }
    egui::CollapsingHeader::new(RichText::new("平台回答（原样）").small())
        .id_salt(("acceptance_answer", step))
        .show(ui, |ui| {
            ui.add(egui::Label::new(RichText::new(answer).monospace().small()).wrap());
        });
}
