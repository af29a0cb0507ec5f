//! The page shown instead of the station when its store cannot be used: an empty roster and
//! a queue reading 0 would tell the clerk that five unsent records are gone, when they are in
//! a damaged file or a backup. It says what is wrong and offers the way back: putting the
//! store back from one of the automatic backups, or from a file the clerk picks.

use std::path::PathBuf;

use egui::RichText;

use super::backend::StoreProblem;
use super::widgets::local_time;

/// What the clerk asked for on the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreProblemCommand {
    Restore(PathBuf),
    PickBackup,
    Quit,
}

/// A restore the clerk asked for and has still to confirm (it replaces the store).
#[derive(Debug, Default)]
pub struct StoreProblemPage {
    pub confirming: Option<PathBuf>,
    /// The last restore's failure, shown on the page.
    pub failure: Option<String>,
    pub restoring: bool,
}

impl StoreProblemPage {
    pub fn ui(&mut self, ui: &mut egui::Ui, problem: &StoreProblem, out: &mut Vec<StoreProblemCommand>) {
        let red = ui.visuals().error_fg_color;
        ui.add_space(12.0);
        let title = match problem.trouble {
            Some(t) => format!("本机数据库不能使用（{}）", t.label()),
            None => "本机数据库不能使用".to_string(),
        };
        ui.heading(RichText::new(title).color(red));
        ui.add_space(8.0);
        ui.label(problem.message.as_str());
        ui.add_space(4.0);
        ui.label("在恢复之前，登记、离场和上传都暂停：没有上传的记录在原来的文件或备份里，不会因为等待而丢失。");
        ui.add_space(12.0);
        ui.separator();
        ui.heading("从备份恢复");
        if problem.backups.is_empty() {
            ui.label(format!(
                "数据目录的 backups 文件夹里没有自动备份（{}）。如果您在“设置 → 数据备份”里备份过，请选择那个文件。",
                problem.data_dir.join(station::records::BACKUP_DIR).display()
            ));
        }
        egui::Grid::new("backups").striped(true).show(ui, |ui| {
            for backup in &problem.backups {
                let when = backup
                    .modified
                    .map(|t| local_time(&station::records::timestamp(t)))
                    .unwrap_or_default();
                ui.label(
                    backup
                        .path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                );
                ui.label(when);
                ui.label(format!("{:.1} MB", backup.bytes as f64 / 1_048_576.0));
                if ui
                    .add_enabled(!self.restoring, egui::Button::new("从这份恢复"))
                    .clicked()
                {
                    self.confirming = Some(backup.path.clone());
                }
                ui.end_row();
            }
        });
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!self.restoring, egui::Button::new("选择备份文件…"))
                .clicked()
            {
                out.push(StoreProblemCommand::PickBackup);
            }
            if ui.button("退出程序").clicked() {
                out.push(StoreProblemCommand::Quit);
            }
        });
        if let Some(path) = self.confirming.clone() {
            ui.add_space(12.0);
            ui.group(|ui| {
                ui.label(format!(
                    "用 {} 替换现在的数据库？现在的文件会改名保留（不删除），备份之后登记或修改的记录不在备份里。",
                    path.display()
                ));
                ui.horizontal(|ui| {
                    if ui.button("恢复").clicked() {
                        self.confirming = None;
                        self.restoring = true;
                        self.failure = None;
                        out.push(StoreProblemCommand::Restore(path.clone()));
                    }
                    if ui.button("取消").clicked() {
                        self.confirming = None;
                    }
                });
            });
        }
        if self.restoring {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("正在恢复…");
            });
        }
        if let Some(f) = &self.failure {
            ui.add_space(8.0);
            ui.label(RichText::new(f).color(red));
        }
    }
}
