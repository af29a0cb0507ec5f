//! 首次设置: what a station just installed needs before it can work — the platform's
//! connection, its dictionaries, the project's companies — step by step, each with its state
//! and the way to it; and 演示模式 for someone who only wants to look.

use egui::RichText;

use super::app::{Command, Screen};
use super::backend::{ConnectionState, Intent, Snapshot};
use super::settings::SettingsScreen;
use super::widgets::{ok_green, warn_amber};

/// Where the station stands on the way to its first enrollment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupState {
    /// What the connection settings still lack, in the clerk's words.
    pub missing: Vec<&'static str>,
    pub connected: bool,
    pub dictionaries: usize,
    pub companies: usize,
}

impl SetupState {
    pub fn of(settings: &SettingsScreen, connection: &ConnectionState, snap: &Snapshot) -> SetupState {
        SetupState {
            missing: settings.missing_for_platform(),
            connected: matches!(connection, ConnectionState::Online { .. }),
            dictionaries: snap.dictionaries.len(),
            companies: snap.companies.iter().filter(|c| !c.removing).count(),
        }
    }

    /// The station cannot send anything yet.
    pub fn incomplete(&self) -> bool {
        !self.missing.is_empty()
    }

    /// One line for the other screens: what is missing, or `None` when the station can work.
    pub fn banner(&self) -> Option<String> {
        if !self.missing.is_empty() {
            return Some(format!(
                "还不能上传到平台：还没有设置{}。登记的记录会先保存在本机",
                self.missing.join("、")
            ));
        }
        if self.companies == 0 {
            return Some("本项目还没有参建单位：登记工人前请先在“参建单位”里添加".into());
        }
        None
    }
}

fn step(ui: &mut egui::Ui, n: u32, done: bool, title: &str, detail: &str) {
    ui.horizontal(|ui| {
        let (mark, color) = if done {
            ("√", ok_green(ui))
        } else {
            ("○", warn_amber(ui))
        };
        ui.label(RichText::new(format!("{mark} 第{n}步 {title}")).strong().color(color));
        ui.label(RichText::new(detail).small());
    });
}

/// The page itself.
pub fn setup_ui(ui: &mut egui::Ui, state: &SetupState, settings: &mut SettingsScreen, out: &mut Vec<Command>) {
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        ui.heading("首次设置");
        ui.label("这台电脑还没有设置好平台连接。按下面的步骤做完，就可以登记工人并自动上传。");
        ui.horizontal(|ui| {
            ui.label("只想先看看？");
            if ui
                .button("打开演示模式")
                .on_hover_text("另开一个窗口，连接内置的模拟平台，不需要平台密钥，也不会动本机的资料")
                .clicked()
            {
                out.push(Command::StartDemo);
            }
        });
        ui.separator();

        let connection_done = state.missing.is_empty() && state.connected;
        let detail = if !state.missing.is_empty() {
            format!("还缺：{}", state.missing.join("、"))
        } else if !state.connected {
            "已填写，请点“测试连接”确认能连上平台".into()
        } else {
            "已连上平台".into()
        };
        step(ui, 1, connection_done, "连接平台", &detail);
        ui.label(
            RichText::new("平台“设备管理”里有授权帐号、授权秘钥和设备序号；项目编号是平台给本项目的同步编号。").small(),
        );
        settings.connection_ui(ui, out);
        ui.separator();

        let dictionaries_done = state.dictionaries == 4;
        step(
            ui,
            2,
            dictionaries_done,
            "取平台字典",
            &format!(
                "人员类型、工种等 4 个字典，已取到 {} 个（连上平台后自动获取）",
                state.dictionaries
            ),
        );
        if !dictionaries_done && ui.button("获取字典").clicked() {
            out.push(Command::Backend(Intent::RefreshDictionaries));
        }
        ui.separator();

        step(
            ui,
            3,
            state.companies > 0,
            "添加参建单位",
            &format!("工人要登记在本项目的单位下，现有 {} 个单位", state.companies),
        );
        if ui.button("去添加参建单位").clicked() {
            out.push(Command::Go(Screen::Companies));
        }
        ui.separator();

        step(ui, 4, false, "开始登记工人", "身份证读卡器可在“设置”里选择");
        let ready = connection_done && dictionaries_done && state.companies > 0;
        let go = ui.add_enabled(ready, egui::Button::new(RichText::new("开始登记").strong()));
        if go.clicked() {
            out.push(Command::Go(Screen::Enroll));
        }
        if !ready {
            ui.label(RichText::new("做完前三步后就可以开始；现在登记的记录会先保存在本机。").small());
        }
    });
}
