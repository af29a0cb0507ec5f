//! 黑名单: the people this project does not enroll (earlier misconduct, wage disputes, fake
//! documents). Added one by one or from Excel, exported to Excel, removed with a second
//! press; whoever did it is named, and every change is in the audit trail. Enrollment in
//! the form, the import and the commands refuses everyone listed here, with the reason.

use egui::{Align, Layout, RichText};
use egui_extras::{Column, TableBuilder};

use super::app::Command;
use super::backend::{Event, ExcelEvent, ExcelIntent, Intent, Snapshot};
use super::dialogs::FileDialog;
use super::widgets::{error_red, field_label, local_time, ok_green, warn_amber};
use domain::{RecordState, mask_id};
use station::records::BlacklistEntry;

#[derive(Default)]
pub struct BlacklistScreen {
    id_code: String,
    name: String,
    reason: String,
    /// Who adds or removes (kept while the window is open).
    operator: String,
    search: String,
    /// The ID number whose 移出 was pressed once.
    confirm_remove: Option<String>,
    /// The last answer: (text, is_error).
    message: Option<(String, bool)>,
    busy: bool,
}

/// Does the entry match what the clerk typed (name, reason, ID in full or part)?
fn matches(e: &BlacklistEntry, needle: &str) -> bool {
    let n = needle.trim();
    n.is_empty()
        || e.name.contains(n)
        || e.reason.contains(n)
        || e.added_by.contains(n)
        || e.id_code.contains(&n.to_uppercase())
}

impl BlacklistScreen {
    /// The ID number typed in the 加入黑名单 form (emptied once it was added).
    pub fn id_code_typed(&self) -> &str {
        &self.id_code
    }

    pub fn on_event(&mut self, event: &Event) {
        let Event::Excel(e) = event else { return };
        match e {
            ExcelEvent::BlacklistChanged(result) => {
                self.busy = false;
                match result {
                    Ok(m) => {
                        // Kept as typed until it is stored: only now is the form cleared.
                        if m.starts_with("已加入") {
                            self.id_code.clear();
                            self.name.clear();
                            self.reason.clear();
                        }
                        self.message = Some((m.clone(), false));
                    }
                    Err(f) => self.message = Some((f.message(), true)),
                }
            }
            ExcelEvent::BlacklistImported(result) => {
                self.busy = false;
                self.message = Some(match result {
                    Ok(m) => (m.clone(), false),
                    Err(e) => (format!("黑名单没有导入：{e}"), true),
                });
            }
            ExcelEvent::BlacklistExported(result) => {
                self.message = Some(match result {
                    Ok((path, n)) => (format!("已导出黑名单 {n} 人到 {}", path.display()), false),
                    Err(e) => (e.clone(), true),
                });
            }
            _ => {}
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, snap: &Snapshot, out: &mut Vec<Command>) {
        ui.heading("黑名单");
        ui.label(
            "名单上的人不能登记：人员登记、Excel 导入和命令行都会拒绝，并显示原因。每次加入和移出都记入操作日志。",
        );
        ui.add_space(6.0);
        self.form_ui(ui, out);
        if let Some((m, is_error)) = &self.message {
            let color = if *is_error { error_red(ui) } else { ok_green(ui) };
            ui.add(egui::Label::new(RichText::new(m).color(color)).wrap());
        }
        ui.separator();
        ui.horizontal(|ui| {
            let l = ui.label("搜索");
            ui.add(
                egui::TextEdit::singleline(&mut self.search)
                    .hint_text("姓名、身份证号码或原因")
                    .desired_width(220.0),
            )
            .labelled_by(l.id);
            ui.label(format!("共 {} 人", snap.blacklist.len()));
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                if ui
                    .add_enabled(!snap.blacklist.is_empty(), egui::Button::new("导出 Excel"))
                    .clicked()
                {
                    out.push(Command::File(FileDialog::SaveBlacklist));
                }
                let import = ui
                    .add_enabled(!self.busy, egui::Button::new("从 Excel 导入…"))
                    .on_hover_text("表中要有“身份证号码”和“原因”列；没有“添加人”列时记为上面的操作人");
                if import.clicked() {
                    if self.operator.trim().is_empty() {
                        self.message = Some(("请先填写操作人（记入操作日志），再导入".into(), true));
                    } else {
                        out.push(Command::File(FileDialog::PickBlacklist {
                            added_by: self.operator.trim().to_string(),
                        }));
                    }
                }
            });
        });
        let shown: Vec<&BlacklistEntry> = snap.blacklist.iter().filter(|e| matches(e, &self.search)).collect();
        if snap.blacklist.is_empty() {
            ui.label("黑名单是空的。");
        } else if shown.is_empty() {
            ui.label(RichText::new("没有符合条件的人。").color(warn_amber(ui)));
        } else {
            self.table_ui(ui, snap, &shown, out);
        }
    }

    fn form_ui(&mut self, ui: &mut egui::Ui, out: &mut Vec<Command>) {
        // Plain rows, not a grid: a grid cell is as wide as last frame's, and a text field in
        // it never grows past that.
        ui.horizontal(|ui| {
            let l = field_label(ui, "身份证号码", true);
            ui.add(
                egui::TextEdit::singleline(&mut self.id_code)
                    .hint_text("18 位")
                    .desired_width(200.0),
            )
            .labelled_by(l.id);
            ui.add_space(16.0);
            let l = field_label(ui, "姓名", false);
            ui.add(egui::TextEdit::singleline(&mut self.name).desired_width(120.0))
                .labelled_by(l.id);
        });
        ui.horizontal(|ui| {
            let l = field_label(ui, "原因", true);
            ui.add(
                egui::TextEdit::singleline(&mut self.reason)
                    .hint_text("如：伪造证件、恶意讨薪、违规被清退")
                    .desired_width(360.0),
            )
            .labelled_by(l.id);
            ui.add_space(16.0);
            let l = field_label(ui, "操作人", true);
            ui.add(
                egui::TextEdit::singleline(&mut self.operator)
                    .hint_text("您的姓名")
                    .desired_width(120.0),
            )
            .labelled_by(l.id);
        });
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!self.busy, egui::Button::new(RichText::new("加入黑名单").strong()))
                .clicked()
            {
                self.busy = true;
                self.message = None;
                out.push(Command::Backend(Intent::Excel(ExcelIntent::BlacklistAdd(
                    BlacklistEntry {
                        id_code: self.id_code.clone(),
                        name: self.name.clone(),
                        reason: self.reason.clone(),
                        added_by: self.operator.clone(),
                        added_at: String::new(),
                    },
                ))));
            }
        });
    }

    fn table_ui(&mut self, ui: &mut egui::Ui, snap: &Snapshot, shown: &[&BlacklistEntry], out: &mut Vec<Command>) {
        TableBuilder::new(ui)
            .id_salt("blacklist_table")
            .striped(true)
            .resizable(true)
            .cell_layout(Layout::left_to_right(Align::Center))
            .column(Column::initial(170.0).at_least(120.0))
            .column(Column::initial(90.0).at_least(60.0))
            .column(Column::initial(260.0).at_least(100.0).clip(true))
            .column(Column::initial(90.0).at_least(60.0).clip(true))
            .column(Column::initial(150.0).at_least(100.0))
            .column(Column::initial(110.0).at_least(80.0))
            .column(Column::remainder().at_least(120.0))
            .min_scrolled_height(0.0)
            .header(24.0, |mut header| {
                for h in ["身份证号码", "姓名", "原因", "添加人", "日期", "花名册", "操作"] {
                    header.col(|ui| {
                        ui.strong(h);
                    });
                }
            })
            .body(|body| {
                body.rows(26.0, shown.len(), |mut row| {
                    let e = shown[row.index()];
                    row.col(|ui| {
                        ui.monospace(mask_id(&e.id_code));
                    });
                    row.col(|ui| {
                        ui.label(&e.name);
                    });
                    row.col(|ui| {
                        ui.add(egui::Label::new(&e.reason).truncate()).on_hover_text(&e.reason);
                    });
                    row.col(|ui| {
                        ui.label(&e.added_by);
                    });
                    row.col(|ui| {
                        ui.label(local_time(&e.added_at));
                    });
                    row.col(|ui| {
                        match snap.worker(&e.id_code) {
                            Some(w) if w.state != RecordState::Departed => {
                                ui.label(RichText::new(format!("在册：{}", w.state.label())).color(error_red(ui)))
                                    .on_hover_text("此人已在花名册中：请按项目规定处理（如标记离场）");
                            }
                            Some(_) => {
                                ui.label("已离场");
                            }
                            None => {
                                ui.label("—");
                            }
                        };
                    });
                    row.col(|ui| self.remove_cell(ui, e, out));
                });
            });
    }

    fn remove_cell(&mut self, ui: &mut egui::Ui, e: &BlacklistEntry, out: &mut Vec<Command>) {
        if self.confirm_remove.as_deref() == Some(e.id_code.as_str()) {
            if ui
                .small_button(RichText::new("确认移出").color(error_red(ui)))
                .on_hover_text("移出后此人可以登记；操作记入日志")
                .clicked()
            {
                if self.operator.trim().is_empty() {
                    self.message = Some(("请先填写操作人（记入操作日志），再移出".into(), true));
                } else {
                    out.push(Command::Backend(Intent::Excel(ExcelIntent::BlacklistRemove {
                        id_code: e.id_code.clone(),
                        by: self.operator.trim().to_string(),
                    })));
                    self.busy = true;
                }
                self.confirm_remove = None;
            }
            if ui.small_button("取消").clicked() {
                self.confirm_remove = None;
            }
        } else if ui
            .small_button("移出")
            .on_hover_text(format!("把 {} 移出黑名单（要再点一次确认）", e.name))
            .clicked()
        {
            self.confirm_remove = Some(e.id_code.clone());
        }
    }
}
