//! The roster's pieces for imported drafts (补全, 删除 asked twice) and for a worker on the
//! blacklist although already enrolled.

use egui::RichText;

use crate::app::Command;
use crate::backend::{ExcelIntent, Intent};
use crate::widgets::{draft_blue, error_red};
use station::records::WorkerRow;

/// 补全 opens the draft in the enrollment form; 删除 needs a second press.
pub fn draft_actions(ui: &mut egui::Ui, w: &WorkerRow, confirm: &mut Option<String>, out: &mut Vec<Command>) {
    let r = ui
        .small_button(RichText::new("补全").color(draft_blue(ui)))
        .on_hover_text(format!(
            "打开 {} 的导入资料：读卡、拍照、扫描身份证后提交登记",
            w.emp_name
        ));
    if r.clicked() {
        out.push(Command::EditWorker(w.id_code.clone()));
    }
    if confirm.as_deref() == Some(w.id_code.as_str()) {
        if ui
            .small_button(RichText::new("确认删除").color(error_red(ui)))
            .on_hover_text("删除这条导入的资料（还没有登记，平台上没有）")
            .clicked()
        {
            out.push(Command::Backend(Intent::Excel(ExcelIntent::DeleteDraft(
                w.id_code.clone(),
            ))));
            *confirm = None;
        }
        if ui.small_button("取消").clicked() {
            *confirm = None;
        }
    } else if ui
        .small_button("删除")
        .on_hover_text(format!("删除 {} 的导入资料（要再点一次确认）", w.emp_name))
        .clicked()
    {
        *confirm = Some(w.id_code.clone());
    }
}

/// A red tag beside the state: this worker is on the project's blacklist.
pub fn blacklist_flag(ui: &mut egui::Ui, reason: &str) {
    let why = if reason.trim().is_empty() {
        "未写原因".to_string()
    } else {
        reason.trim().to_string()
    };
    ui.label(RichText::new("黑名单").small().strong().color(error_red(ui)))
        .on_hover_text(format!("此人在本项目黑名单中（{why}）：请按项目规定处理，如标记离场"));
}
