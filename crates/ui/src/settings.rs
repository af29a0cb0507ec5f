//! 设置: the platform connection, photo budgets, site rules, the field-spelling table, and the
//! platform's acceptance checklist.

use egui::RichText;

pub mod appearance;
pub mod custom_is;
mod face_check;
mod platform_rules;
mod storage;

use super::app::Command;
use super::backend::{Event, Intent, Snapshot};
use super::widgets::{error_red, field_label, ok_green, warn_amber};
use station::config::{Config, Environment};
use station::platform::{Endpoint, Secret};

/// The platform's staff want five successful records per interface before production keys.
pub const ACCEPTANCE_MIN: u64 = 5;

pub struct SettingsScreen {
    draft: Config,
    secret: String,
    applied: Config,
    test_result: Option<(bool, String)>,
    /// Said with the test's answer: the address in use is inside a private network.
    test_note: Option<String>,
    saving: bool,
    /// Why the last 保存设置 did not take.
    save_error: Option<String>,
    /// The settings in force before the last 保存设置 (restored if it failed).
    previous: Config,
    /// The secret in force, and the one on its way with a 保存设置.
    applied_secret: String,
    pending_secret: String,
    wizard: super::acceptance::AcceptanceWizard,
    storage: storage::StorageForm,
}

impl SettingsScreen {
    /// The 联调向导 (platform acceptance) shown on this screen.
    pub fn wizard(&self) -> &super::acceptance::AcceptanceWizard {
        &self.wizard
    }

    pub fn new(config: &Config, secret: &Secret) -> SettingsScreen {
        SettingsScreen {
            draft: config.clone(),
            secret: secret.expose().to_string(),
            applied: config.clone(),
            test_result: None,
            test_note: None,
            saving: false,
            save_error: None,
            previous: config.clone(),
            applied_secret: secret.expose().to_string(),
            pending_secret: String::new(),
            wizard: super::acceptance::AcceptanceWizard::default(),
            storage: storage::StorageForm::new(&config.store),
        }
    }

    /// What the settings in force still lack before the station can talk to the platform.
    pub fn missing_for_platform(&self) -> Vec<&'static str> {
        let mut missing = self
            .applied
            .missing_for_platform(&Secret::new(self.applied_secret.clone()));
        if self.applied.project_id.trim().is_empty() {
            missing.push("项目编号 Project_ID");
        }
        missing
    }

    /// A 保存设置 is on its way (the button is off until the answer).
    pub fn is_saving(&self) -> bool {
        self.saving
    }

    /// The site database's port as typed (a drag value: tests set it here).
    pub fn set_site_port(&mut self, port: u16) {
        self.storage.set_port(port);
    }

    /// Where the records are kept, as last switched (设置 → 数据存放).
    pub fn applied_store(&self) -> station::config::StoreSetting {
        self.storage.applied()
    }

    /// The settings last sent to the background.
    pub fn applied_config(&self) -> Config {
        self.applied.clone()
    }

    pub fn on_event(&mut self, event: &Event) {
        self.wizard.on_event(event);
        match event {
            Event::ConnectionTested { ok, message } => {
                self.test_result = Some((*ok, message.clone()));
                self.test_note = match self.applied.environment {
                    Environment::Demo => None,
                    _ => station::config::address_note(&self.applied.base_url()),
                };
            }
            Event::StoreSwitched(result) => {
                self.storage.on_switched(result);
                let store = self.storage.applied();
                self.applied.store = store.clone();
                self.previous.store = store.clone();
                self.draft.store = store;
            }
            Event::SettingsApplied(result) => {
                self.saving = false;
                self.save_error = result
                    .as_ref()
                    .err()
                    .map(|e| format!("设置没有保存：{e}。请改正后再点“保存设置”"));
                if result.is_err() {
                    // Not applied: what was typed stays as typed, marked unsaved.
                    self.applied = self.previous.clone();
                } else {
                    self.applied_secret = std::mem::take(&mut self.pending_secret);
                }
            }
            _ => {}
        }
    }

    /// The platform connection: environment, address, key, serial, project, secret, with
    /// 保存设置, 测试连接 and 刷新字典 and what they answered. Also shown on 首次设置.
    pub fn connection_ui(&mut self, ui: &mut egui::Ui, out: &mut Vec<Command>) {
        egui::Grid::new("settings_platform")
            .num_columns(2)
            .spacing([16.0, 8.0])
            .show(ui, |ui| {
                field_label(ui, "环境", true);
                ui.horizontal(|ui| {
                    for env in [Environment::Test, Environment::Production, Environment::Custom] {
                        ui.radio_value(&mut self.draft.environment, env, env.label());
                    }
                    if self.draft.environment == Environment::Demo {
                        ui.label(RichText::new("演示（内置模拟平台）").color(warn_amber(ui)));
                    }
                });
                ui.end_row();
                let l = field_label(ui, "平台地址", true);
                match self.draft.environment {
                    Environment::Custom | Environment::Demo => {
                        ui.add(
                            egui::TextEdit::singleline(&mut self.draft.base_url)
                                .hint_text("http://主机:端口")
                                .desired_width(360.0),
                        )
                        .labelled_by(l.id);
                    }
                    _ => {
                        ui.label(self.draft.base_url()).labelled_by(l.id);
                    }
                }
                ui.end_row();
                custom_is::custom_is_row(ui, &mut self.draft);
                for (label, value, hint) in [
                    (
                        "授权帐号 api_key",
                        &mut self.draft.api_key,
                        "平台“设备管理”里的授权帐号",
                    ),
                    (
                        "设备序号 client_serial",
                        &mut self.draft.client_serial,
                        "PL 开头，共 34 位",
                    ),
                    (
                        "项目编号 Project_ID",
                        &mut self.draft.project_id,
                        "平台给本项目的同步编号",
                    ),
                    (
                        "门禁设备序列号 Device_ID",
                        &mut self.draft.device_id,
                        "上传考勤必填：在平台登记的门禁设备序列号",
                    ),
                ] {
                    let l = field_label(ui, label, true);
                    ui.add(egui::TextEdit::singleline(value).hint_text(hint).desired_width(360.0))
                        .labelled_by(l.id);
                    ui.end_row();
                }
                if let Some(note) = station::config::client_serial_note(&self.draft.client_serial) {
                    ui.label("");
                    ui.label(RichText::new(note).color(warn_amber(ui)));
                    ui.end_row();
                }
                let l = field_label(ui, "授权秘钥 api_secret", true);
                ui.add(
                    egui::TextEdit::singleline(&mut self.secret)
                        .password(true)
                        .hint_text("只保存在本机，不写入配置文件")
                        .desired_width(360.0),
                )
                .labelled_by(l.id);
                ui.end_row();
            });
        ui.horizontal(|ui| {
            let changed = self.draft != self.applied || self.secret.is_empty() && !self.applied.api_key.is_empty();
            if ui.add_enabled(!self.saving, egui::Button::new("保存设置")).clicked() {
                self.save(out);
            }
            if ui.button("测试连接").clicked() {
                self.test_result = Some((true, "正在测试…".into()));
                self.test_note = None;
                out.push(Command::Backend(Intent::TestConnection));
            }
            if ui.button("刷新字典").clicked() {
                out.push(Command::Backend(Intent::RefreshDictionaries));
            }
            if changed {
                ui.label(RichText::new("有未保存的修改；“测试连接”用的是已保存的设置").color(warn_amber(ui)));
            }
        });
        if let Some(e) = &self.save_error {
            ui.label(RichText::new(e).color(error_red(ui)));
        }
        if let Some((ok, message)) = &self.test_result {
            ui.label(RichText::new(message).color(if *ok { ok_green(ui) } else { error_red(ui) }));
        }
        if let Some(note) = &self.test_note {
            ui.label(RichText::new(note).color(warn_amber(ui)));
        }
    }

    /// 保存设置: refused here, in the words the settings file is refused with, before
    /// anything is written; the background checks again before it writes.
    fn save(&mut self, out: &mut Vec<Command>) {
        let trimmed = self.draft.base_url.trim();
        if trimmed.len() != self.draft.base_url.len() {
            self.draft.base_url = trimmed.to_string();
        }
        if let Err(e) = self.draft.check() {
            self.save_error = Some(format!("设置没有保存：{e}。请改正后再点“保存设置”"));
            return;
        }
        self.saving = true;
        self.save_error = None;
        self.previous = std::mem::replace(&mut self.applied, self.draft.clone());
        self.pending_secret = self.secret.trim().to_string();
        out.push(Command::Backend(Intent::ApplySettings {
            config: Box::new(self.draft.clone()),
            secret: Secret::new(self.secret.trim()),
        }));
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, snap: &Snapshot, out: &mut Vec<Command>) {
        egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
            ui.columns(2, |cols| {
                let ui = &mut cols[0];
                ui.heading("平台连接");
                self.connection_ui(ui, out);
                ui.label(dictionary_ages(snap));

                ui.heading(format!("联调进度（{}环境）", self.applied.environment_label()));
                ui.label("平台联调人员要求每个接口在测试环境至少有 5 条成功记录，才开通正式环境。");
                egui::Grid::new("acceptance")
                    .num_columns(3)
                    .striped(true)
                    .show(ui, |ui| {
                        for e in Endpoint::ALL {
                            let n = snap.successes.get(e.name()).copied().unwrap_or(0);
                            let done = n >= ACCEPTANCE_MIN;
                            ui.label(RichText::new(if done { "√" } else { "○" }).color(if done {
                                ok_green(ui)
                            } else {
                                warn_amber(ui)
                            }));
                            ui.label(format!("{}（{}）", e.label_zh(), e.name()));
                            ui.label(format!("{n} / {ACCEPTANCE_MIN}"));
                            ui.end_row();
                        }
                    });
                ui.add_space(8.0);
                self.wizard.ui(ui, &self.applied, out);
                let ui = &mut cols[1];
                ui.heading("照片大小上限（KB）");
                egui::Grid::new("settings_photos").num_columns(2).show(ui, |ui| {
                    let b = &mut self.draft.photo_budgets;
                    for (label, value) in [
                        ("人脸照片", &mut b.face_kb),
                        ("身份证扫描件", &mut b.id_scan_kb),
                        ("身份证芯片照片", &mut b.id_portrait_kb),
                        ("考勤现场照片", &mut b.site_kb),
                    ] {
                        let l = field_label(ui, label, false);
                        ui.add(egui::DragValue::new(value).range(station::config::PHOTO_KB).suffix(" KB"))
                            .labelled_by(l.id);
                        ui.end_row();
                    }
                });

                ui.separator();
                self.storage.ui(ui, out);

                ui.separator();
                backup_ui(ui, snap, out);

                ui.separator();
                card_reader_ui(ui, &mut self.draft.card_reader);

                ui.separator();
                face_check::face_check_ui(ui, &mut self.draft);

                ui.separator();
                platform_rules::platform_rules_ui(ui, &mut self.draft);

                ui.separator();
                ui.heading("工地规定（平台不检查）");
                egui::Grid::new("settings_rules").num_columns(2).show(ui, |ui| {
                    let r = &mut self.draft.age_rules;
                    for (label, value) in [
                        ("最小年龄", &mut r.min_age),
                        ("男性最大年龄", &mut r.max_age_male),
                        ("女性最大年龄", &mut r.max_age_female),
                    ] {
                        let l = field_label(ui, label, false);
                        ui.add(
                            egui::DragValue::new(value)
                                .range(station::config::AGE_YEARS)
                                .suffix(" 岁"),
                        )
                        .labelled_by(l.id);
                        ui.end_row();
                    }
                    field_label(ui, "超出年龄时", false);
                    ui.horizontal(|ui| {
                        ui.radio_value(&mut r.block, false, "提醒");
                        ui.radio_value(&mut r.block, true, "禁止登记");
                    });
                    ui.end_row();
                });

                ui.separator();
                ui.collapsing("接口字段与版本（联调人员使用）", |ui| {
                    ui.label("平台因版本拒绝时，程序会用另一个版本重发一次，并按环境记住平台接受的版本；这里填写的版本优先，不再自动切换。");
                    egui::Grid::new("settings_protocol").num_columns(3).show(ui, |ui| {
                        let p = &mut self.draft.protocol;
                        for (label, value) in [
                            ("服务路径", &mut p.service),
                            ("工种/岗位字段名", &mut p.register_fields.job_typename),
                            ("合同办理字段名", &mut p.register_fields.contract_status),
                            ("有效期限字段名", &mut p.register_fields.id_validdate),
                        ] {
                            let l = field_label(ui, label, false);
                            ui.add(egui::TextEdit::singleline(value).desired_width(220.0))
                                .labelled_by(l.id);
                            ui.end_row();
                        }
                        for e in Endpoint::ALL {
                            let l = field_label(ui, &format!("{} 版本", e.name()), false);
                            let mut v = p.version(e).to_string();
                            if ui
                                .add(egui::TextEdit::singleline(&mut v).desired_width(60.0))
                                .labelled_by(l.id)
                                .changed()
                            {
                                if v == e.default_version() {
                                    p.version_overrides.remove(&e);
                                } else {
                                    p.version_overrides.insert(e, v);
                                }
                            }
                            let env = self.applied.environment_label();
                            if let Some(note) = learnt_note(e, p, snap.learnt_versions.get(&e), env) {
                                ui.label(RichText::new(note).color(ok_green(ui)));
                            }
                            ui.end_row();
                        }
                    });
                });
            });
        });
    }
}

/// What the platform taught about this endpoint's version, beside the field that sets it.
fn learnt_note(
    endpoint: Endpoint,
    protocol: &station::platform::ProtocolTable,
    learnt: Option<&String>,
    environment: &str,
) -> Option<String> {
    let learnt = learnt?;
    if protocol.version_is_overridden(endpoint) {
        return Some(format!(
            "按这里填写的版本发送（{environment}环境的平台曾接受 {learnt}）"
        ));
    }
    Some(format!(
        "正在使用 {learnt}：{environment}环境的平台接受这个版本（自动记住）"
    ))
}

/// 数据备份: a copy of everything, made while the station runs; the records not yet on the
/// platform exist nowhere else.
fn backup_ui(ui: &mut egui::Ui, snap: &Snapshot, out: &mut Vec<Command>) {
    ui.heading("数据备份");
    let last = snap.last_backup_at.map_or_else(
        || "从未备份".to_string(),
        |t| format!("上次备份：{}", domain::time::beijing_timestamp(t)),
    );
    ui.label(last);
    let unsent = snap.counts.open();
    if unsent > 0 {
        ui.label(
            RichText::new(format!("还有 {unsent} 条记录没有上传到平台，只保存在这台电脑上")).color(warn_amber(ui)),
        );
    }
    if ui
        .button("备份数据…")
        .on_hover_text("把全部资料（人员、照片、待上传队列）复制成一个文件，建议存到 U 盘；程序运行时也可以备份")
        .clicked()
    {
        out.push(Command::File(super::dialogs::FileDialog::SaveBackup));
    }
    // Putting a backup back replaces what this PC holds now: asked once more before the pick.
    let confirm_id = ui.scope_id().with("restore_confirm");
    let confirming = ui.data(|d| d.get_temp::<bool>(confirm_id).unwrap_or(false));
    if !confirming {
        if ui
            .button("从备份恢复…")
            .on_hover_text("用以前备份的文件替换现在的数据（现在的文件改名保留，不删除）")
            .clicked()
        {
            ui.data_mut(|d| d.insert_temp(confirm_id, true));
        }
        return;
    }
    ui.label(
        RichText::new(
            "恢复会用备份替换现在的全部资料：备份之后登记、修改或离场的记录不在备份里。现在的文件会改名保留。",
        )
        .color(warn_amber(ui)),
    );
    ui.horizontal(|ui| {
        if ui.button("选择备份文件并恢复…").clicked() {
            ui.data_mut(|d| d.insert_temp(confirm_id, false));
            out.push(Command::File(super::dialogs::FileDialog::PickBackup));
        }
        if ui.button("取消").clicked() {
            ui.data_mut(|d| d.insert_temp(confirm_id, false));
        }
    });
}

fn dictionary_ages(snap: &Snapshot) -> String {
    let now = chrono::Utc::now();
    let parts: Vec<String> = [
        Endpoint::DictListEmpCategory,
        Endpoint::DictListJobTypeName,
        Endpoint::DictListJobName,
        Endpoint::GetCompanyType,
    ]
    .into_iter()
    .map(|e| match snap.dictionaries.get(&e) {
        Some((entries, at)) => {
            let minutes = (now - *at).num_minutes();
            let age = if minutes < 1 {
                "刚刚".to_string()
            } else if minutes < 120 {
                format!("{minutes} 分钟前")
            } else {
                format!("{} 小时前", minutes / 60)
            };
            format!("{} {} 项（{age}获取）", e.label_zh(), entries.len())
        }
        None => format!("{} 未获取", e.label_zh()),
    })
    .collect();
    format!("字典：{}", parts.join("；"))
}

/// 身份证读卡器: which driver, where its library or folder is, and automatic reading.
fn card_reader_ui(ui: &mut egui::Ui, r: &mut card::CardReaderSettings) {
    use card::CardDriver;
    ui.heading("身份证读卡器");
    egui::Grid::new("settings_card")
        .num_columns(2)
        .spacing([16.0, 8.0])
        .show(ui, |ui| {
            field_label(ui, "读卡方式", false);
            ui.horizontal(|ui| {
                ui.radio_value(&mut r.driver, CardDriver::None, "不用读卡器");
                ui.radio_value(&mut r.driver, CardDriver::Sdk, "厂家驱动库");
                ui.radio_value(&mut r.driver, CardDriver::Folder, "读卡软件的文件夹");
            });
            ui.end_row();
            match r.driver {
                CardDriver::None => {}
                CardDriver::Sdk => {
                    let l = field_label(ui, "驱动库位置", false);
                    ui.add(
                        egui::TextEdit::singleline(&mut r.library)
                            .hint_text(format!("留空则用 {}", card::default_library()))
                            .desired_width(300.0),
                    )
                    .labelled_by(l.id);
                    ui.end_row();
                    let l = field_label(ui, "端口", false);
                    ui.horizontal(|ui| {
                        ui.add(egui::DragValue::new(&mut r.port).range(0..=*station::config::CARD_USB_PORTS.end()))
                            .labelled_by(l.id);
                        ui.label(RichText::new("0 = 自动查找（USB 1001–1016，串口 1–16）").small());
                    });
                    ui.end_row();
                }
                CardDriver::Folder => {
                    let l = field_label(ui, "文件夹", false);
                    ui.add(
                        egui::TextEdit::singleline(&mut r.folder)
                            .hint_text("读卡软件保存 wz.txt 和 zp.bmp 的文件夹")
                            .desired_width(300.0),
                    )
                    .labelled_by(l.id);
                    ui.end_row();
                }
            }
            if r.driver != CardDriver::None {
                ui.label("");
                ui.checkbox(&mut r.auto_read, "在“人员登记”页自动读卡（每秒查看两次）");
                ui.end_row();
            }
        });
}
