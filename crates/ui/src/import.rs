//! 导入人员: a subcontractor's Excel list. The template to hand out, the list checked row by
//! row before anything is saved (valid / warnings / errors, each with its field and reason;
//! what saving would do: new, update, unchanged), then the valid rows imported: new people
//! as drafts (待补全) that the clerk completes one by one in the enrollment form.

use std::sync::Arc;

use egui::{Align, Layout, RichText};
use egui_extras::{Column, TableBuilder};

use super::app::Command;
use super::backend::{Event, ExcelEvent, ExcelIntent, ImportCheck, Intent, Snapshot};
use super::dialogs::FileDialog;
use super::widgets::{draft_blue, error_red, ok_green, warn_amber};
use domain::{Field, Severity, mask_id};
use station::{ImportOutcome, RowReport, RowStatus};

#[derive(Default)]
pub struct ImportScreen {
    /// The file being read and checked.
    reading: Option<String>,
    check: Option<ImportCheck>,
    /// The valid rows of the check shown were imported (a second press would do nothing new).
    imported: bool,
    importing: bool,
    /// Why the last read or import did nothing, or what was written.
    message: Option<(String, bool)>,
    only_problems: bool,
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl ImportScreen {
    pub fn on_event(&mut self, event: &Event) {
        let Event::Excel(e) = event else { return };
        match e {
            ExcelEvent::Reading(path) => {
                self.reading = Some(file_name(path));
                self.message = None;
            }
            ExcelEvent::ImportChecked(Ok(check)) => {
                self.reading = None;
                self.imported = false;
                self.check = Some(check.clone());
            }
            ExcelEvent::ImportChecked(Err(e)) => {
                self.reading = None;
                self.check = None;
                self.message = Some((format!("没有读取：{e}"), true));
            }
            ExcelEvent::Imported(result) => {
                self.importing = false;
                match result {
                    Ok(outcome) => self.after_import(outcome),
                    Err(f) => self.message = Some((f.message(), true)),
                }
            }
            ExcelEvent::TemplateWritten(Ok((path, notes))) => {
                let mut m = format!("已生成导入模板：{}。发给分包单位按模板填写。", path.display());
                for n in notes {
                    m.push_str(&format!("\n注意：{n}"));
                }
                self.message = Some((m, false));
            }
            ExcelEvent::TemplateWritten(Err(e)) => self.message = Some((e.clone(), true)),
            ExcelEvent::ReportExported(Ok(path)) => {
                self.message = Some((format!("已导出检查结果：{}", path.display()), false));
            }
            ExcelEvent::ReportExported(Err(e)) => self.message = Some((e.clone(), true)),
            _ => {}
        }
    }

    fn after_import(&mut self, outcome: &Arc<ImportOutcome>) {
        self.imported = true;
        if let Some(check) = &mut self.check {
            check.report = Arc::new(outcome.report.clone());
        }
        self.message = Some((outcome.message(), false));
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, _snap: &Snapshot, out: &mut Vec<Command>) {
        self.take_dropped(ui, out);
        ui.heading("导入人员（Excel）");
        ui.label(
            "分包单位按模板填写人员名单，这里先逐行检查，确认后把有效的行导入为“待补全”：\
             到现场登记时读身份证、拍人脸照、扫描身份证后提交，才会上传平台。已在花名册的人按表中内容更新。",
        );
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if ui
                .button("下载导入模板")
                .on_hover_text("生成带下拉列表（民族、单位、人员类型、工种）的 Excel 模板")
                .clicked()
            {
                out.push(Command::File(FileDialog::SaveTemplate));
            }
            let busy = self.reading.is_some() || self.importing;
            if ui
                .add_enabled(!busy, egui::Button::new("选择 Excel 文件…"))
                .on_hover_text("支持 .xlsx 和 .xls；也可以把文件拖到这个窗口")
                .clicked()
            {
                out.push(Command::File(FileDialog::PickWorkerList));
            }
            ui.label(RichText::new("（也可以把文件拖进窗口）").small().weak());
        });
        if let Some(name) = &self.reading {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!("正在读取并检查 {name}…"));
            });
        }
        if let Some((m, is_error)) = &self.message {
            let color = if *is_error { error_red(ui) } else { ok_green(ui) };
            ui.add(egui::Label::new(RichText::new(m).color(color)).wrap());
        }
        ui.separator();
        if let Some(check) = self.check.clone() {
            self.report_ui(ui, &check, out);
        }
    }

    fn take_dropped(&mut self, ui: &egui::Ui, out: &mut Vec<Command>) {
        let dropped = ui.ctx().input(|i| i.raw.dropped_files.clone());
        if let Some(path) = dropped
            .into_iter()
            .map(|f| f.path().to_path_buf())
            .find(|p| !p.as_os_str().is_empty())
            && self.reading.is_none()
        {
            out.push(Command::Backend(Intent::Excel(ExcelIntent::CheckImport(path))));
        }
    }

    fn report_ui(&mut self, ui: &mut egui::Ui, check: &ImportCheck, out: &mut Vec<Command>) {
        let report = &check.report;
        let summary = report.summary();
        ui.label(format!(
            "文件：{}（工作表“{}”，表头在第 {} 行）",
            report.file, report.sheet, report.header_row
        ));
        ui.label(RichText::new(report.summary_text()).strong());
        for note in &report.notes {
            ui.label(RichText::new(format!("· {note}")).color(warn_amber(ui)));
        }
        ui.horizontal(|ui| {
            let can = summary.importable > 0 && !self.imported && !self.importing;
            let text = if self.imported {
                "已导入".to_string()
            } else {
                format!("导入 {} 行", summary.importable)
            };
            let r = ui
                .add_enabled(can, egui::Button::new(RichText::new(text).strong()))
                .on_hover_text("新增的人导入为“待补全”（不上传）；已在花名册的人按表中内容更新并上传")
                .on_disabled_hover_text(if self.imported {
                    "这份名单的有效行已经导入"
                } else {
                    "没有可以导入的行：请按下面的问题改正名单后重新选择文件"
                });
            if r.clicked() {
                self.importing = true;
                self.message = None;
                out.push(Command::Backend(Intent::Excel(ExcelIntent::Import(Arc::clone(
                    &check.sheet,
                )))));
            }
            if self.importing {
                ui.spinner();
            }
            if ui
                .button("导出检查结果")
                .on_hover_text("把每行的检查结果存成 Excel，发回分包单位改正")
                .clicked()
            {
                out.push(Command::File(FileDialog::SaveReport(Arc::clone(report))));
            }
            if ui
                .add_enabled(self.reading.is_none(), egui::Button::new("重新检查"))
                .on_hover_text("改好文件后重新读取")
                .clicked()
            {
                out.push(Command::Backend(Intent::Excel(ExcelIntent::CheckImport(
                    check.path.clone(),
                ))));
            }
            ui.checkbox(&mut self.only_problems, "只看有问题的行");
            if self.imported && summary.new + summary.update_draft > 0 && ui.button("去花名册补全").clicked() {
                out.push(Command::ShowDrafts);
            }
        });
        let rows: Vec<&RowReport> = report
            .rows
            .iter()
            .filter(|r| !self.only_problems || !r.problems.is_empty())
            .collect();
        if rows.is_empty() {
            ui.label(RichText::new("没有有问题的行。").color(ok_green(ui)));
            return;
        }
        table(ui, &rows);
    }
}

fn status_color(ui: &egui::Ui, s: RowStatus) -> egui::Color32 {
    match s {
        RowStatus::Valid => ok_green(ui),
        RowStatus::Warning => warn_amber(ui),
        RowStatus::Error => error_red(ui),
    }
}

fn table(ui: &mut egui::Ui, rows: &[&RowReport]) {
    TableBuilder::new(ui)
        .id_salt("import_report")
        .striped(true)
        .resizable(true)
        .cell_layout(Layout::left_to_right(Align::Center))
        .column(Column::exact(56.0))
        .column(Column::initial(80.0).at_least(60.0).clip(true))
        .column(Column::initial(160.0).at_least(100.0))
        .column(Column::initial(110.0).at_least(80.0))
        .column(Column::initial(70.0).at_least(60.0))
        .column(Column::remainder().at_least(200.0).clip(true))
        .min_scrolled_height(0.0)
        .header(24.0, |mut header| {
            for h in ["行号", "姓名", "身份证号码", "处理", "结果", "问题"] {
                header.col(|ui| {
                    ui.strong(h);
                });
            }
        })
        .body(|body| {
            body.rows(24.0, rows.len(), |mut row| {
                let r = rows[row.index()];
                row.col(|ui| {
                    ui.label(format!("第 {} 行", r.row));
                });
                row.col(|ui| {
                    ui.label(&r.emp_name);
                });
                row.col(|ui| {
                    // What Excel made of a number (4.40305E+17) is no one's ID: shown as it is.
                    let shown = if excel::cells::looks_scientific(&r.id_code) {
                        r.id_code.clone()
                    } else {
                        mask_id(&r.id_code)
                    };
                    ui.monospace(shown);
                });
                row.col(|ui| {
                    let color = if r.action == station::RowAction::New {
                        draft_blue(ui)
                    } else {
                        ui.visuals().text_color()
                    };
                    ui.label(RichText::new(r.action.label()).color(color));
                });
                row.col(|ui| {
                    ui.label(
                        RichText::new(r.status.label())
                            .color(status_color(ui, r.status))
                            .strong(),
                    );
                });
                row.col(|ui| {
                    let text: Vec<String> = r
                        .problems
                        .iter()
                        .map(|p| {
                            let tag = if p.severity == Severity::Error { "" } else { "提醒：" };
                            format!("{tag}{}：{}", p.field.label(), p.message)
                        })
                        .collect();
                    let text = text.join("；");
                    if !text.is_empty() {
                        ui.add(egui::Label::new(&text).truncate()).on_hover_text(&text);
                    }
                });
            });
        });
}
