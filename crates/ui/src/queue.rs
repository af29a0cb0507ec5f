//! 待上传: every platform write the station holds, newest first, with the platform's own words
//! beside our explanation of what to do, and the ways out: retry now, or open the record.

use std::collections::HashMap;

use egui::{Color32, RichText};

use super::app::{Command, Screen};
use super::backend::{Event, Intent, Snapshot};
use super::dialogs::FileDialog;
use super::widgets::{error_red, local_time, ok_green, warn_amber};
use domain::ItemState;
use station::records::{ItemKind, OutboxItem, ParkReason};

pub use station::snapshot::RECENT_ITEMS as MAX_SHOWN;
/// Cards beyond these are counted, not drawn.
const MAX_CARDS: usize = 200;

/// Worth a card: refused, failed, waiting for the settings, or carrying the platform's words.
fn is_notable(item: &OutboxItem) -> bool {
    matches!(
        item.state,
        ItemState::NeedsFix | ItemState::Retry | ItemState::Sending | ItemState::Expired
    ) || item.park_reason == ParkReason::Settings
        || !item.last_message.is_empty()
}

/// Items that simply wait or went, one line each.
fn plain_rows(ui: &mut egui::Ui, items: &[&OutboxItem], out: &mut Vec<Command>) {
    use egui_extras::{Column, TableBuilder};
    TableBuilder::new(ui)
        .id_salt("queue_rows")
        .striped(true)
        .column(Column::exact(70.0))
        .column(Column::initial(320.0).clip(true))
        .column(Column::exact(90.0))
        .column(Column::exact(170.0))
        .column(Column::remainder())
        .header(22.0, |mut h| {
            for title in ["编号", "内容", "状态", "加入时间", ""] {
                h.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.rows(24.0, items.len(), |mut row| {
                let item = items[row.index()];
                row.col(|ui| {
                    ui.label(RichText::new(format!("#{}", item.id)).small());
                });
                row.col(|ui| {
                    ui.label(&item.label);
                });
                row.col(|ui| {
                    ui.label(RichText::new(item.state.label()).color(state_color(ui, item.state)));
                });
                row.col(|ui| {
                    ui.label(local_time(&item.created_at));
                });
                row.col(|ui| {
                    if item.state.is_open() && ui.small_button("立即重试").clicked() {
                        out.push(Command::Backend(Intent::RetryItem(item.id)));
                    }
                });
            });
        });
}

pub struct QueueScreen {
    /// 只看未完成: hide what the platform already has.
    only_open: bool,
    /// Why the clerk's last retry did nothing.
    message: Option<String>,
    /// Each card's height when it was last drawn, for the width they were drawn at: cards
    /// off screen take their space without being laid out.
    card_heights: HashMap<station::records::ItemId, f32>,
    cards_width: f32,
}

/// A card not drawn yet is assumed this tall (two lines of text and the buttons).
const CARD_HEIGHT_GUESS: f32 = 96.0;

impl Default for QueueScreen {
    fn default() -> Self {
        QueueScreen {
            only_open: true,
            message: None,
            card_heights: HashMap::new(),
            cards_width: 0.0,
        }
    }
}

fn state_color(ui: &egui::Ui, s: ItemState) -> Color32 {
    match s {
        ItemState::Waiting | ItemState::Sending | ItemState::Retry => warn_amber(ui),
        ItemState::Sent => ok_green(ui),
        ItemState::NeedsFix | ItemState::Expired => error_red(ui),
    }
}

/// Where 去修改 takes the clerk for this item.
pub fn fix_command(item: &OutboxItem) -> Command {
    match item.kind {
        ItemKind::Register => Command::EditWorker(item.record_key.clone()),
        ItemKind::AddCompany | ItemKind::RemoveCompany => Command::EditCompany(item.record_key.clone()),
        ItemKind::Leave => Command::Go(Screen::Roster),
        ItemKind::Attendance => Command::Go(Screen::Attendance),
    }
}

fn beijing(t: chrono::DateTime<chrono::Utc>) -> String {
    domain::time::beijing_timestamp(t)
}

impl QueueScreen {
    pub fn ui(&mut self, ui: &mut egui::Ui, snap: &Snapshot, out: &mut Vec<Command>) {
        ui.heading("待上传");
        if snap.backup_advised(chrono::Utc::now()) {
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new(
                        "有记录超过一天没能上传，只保存在这台电脑上：电脑损坏就会丢失，请先备份数据（例如存到 U 盘）",
                    )
                    .color(warn_amber(ui)),
                );
                if ui.button("备份数据…").clicked() {
                    out.push(Command::File(FileDialog::SaveBackup));
                }
            });
        }
        if let Some(reason) = &snap.paused {
            paused_banner(ui, reason, out);
        }
        if let Some(until) = snap.waiting_until {
            ui.label(
                RichText::new(format!(
                    "连不上平台：队列先歇一会儿，{} 再试；记录都保存在本机。点“全部重试”可以马上再试一次。",
                    beijing(until)
                ))
                .color(warn_amber(ui)),
            );
        }
        if let Some(m) = &self.message {
            ui.label(RichText::new(m).color(error_red(ui)));
        }
        let c = &snap.counts;
        ui.horizontal_wrapped(|ui| {
            ui.checkbox(&mut self.only_open, "只看未完成");
            ui.separator();
            ui.label(format!(
                "未完成 {} 条：待上传 {}，上传中 {}，等待重试 {}，需处理 {}；已上传 {} 条",
                c.open(),
                c.waiting,
                c.sending,
                c.retry,
                c.needs_fix,
                c.sent
            ));
            ui.separator();
            let all = ui
                .add_enabled(c.open() > 0, egui::Button::new("全部重试"))
                .on_hover_text("等待重试的记录现在就发；“需处理”的记录请先改好，再点它的“立即重试”");
            if all.clicked() {
                out.push(Command::Backend(Intent::RetryAll));
            }
        });
        ui.separator();
        let items: Vec<&OutboxItem> = snap
            .outbox
            .iter()
            .filter(|i| !self.only_open || i.state.is_open())
            .collect();
        if items.is_empty() {
            let text = if self.only_open {
                "所有记录都已上传到平台。"
            } else {
                "还没有要上传的记录。"
            };
            ui.label(RichText::new(text).color(ok_green(ui)));
            return;
        }
        // What has something to say gets a card; the many that simply wait (or went) get one
        // line each in a table that lays out only the rows on screen.
        let (notable, plain): (Vec<&OutboxItem>, Vec<&OutboxItem>) = items.into_iter().partition(|i| is_notable(i));
        if !notable.is_empty() {
            let height = if plain.is_empty() {
                ui.available_height()
            } else {
                ui.available_height() * 0.55
            };
            egui::ScrollArea::vertical()
                .id_salt("queue_cards")
                .max_height(height)
                .auto_shrink([false, true])
                .show_viewport(ui, |ui, viewport| {
                    // Items come and go over months: heights of long-gone ones are let go.
                    if ui.available_width() != self.cards_width || self.card_heights.len() > 4 * MAX_CARDS {
                        self.cards_width = ui.available_width();
                        self.card_heights.clear();
                    }
                    // Laid out: the cards in view and a screen's worth around them.
                    let near = viewport.expand2(egui::vec2(0.0, viewport.height()));
                    let origin = ui.cursor().top();
                    for item in notable.iter().take(MAX_CARDS) {
                        let top = ui.cursor().top() - origin;
                        let guess = self.card_heights.get(&item.id).copied().unwrap_or(CARD_HEIGHT_GUESS);
                        if top + guess < near.top() || top > near.bottom() {
                            ui.add_space(guess);
                        } else {
                            item_ui(ui, item, out);
                            self.card_heights.insert(item.id, ui.cursor().top() - origin - top);
                        }
                        ui.add_space(4.0);
                    }
                    if notable.len() > MAX_CARDS {
                        ui.label(format!("只显示最近 {MAX_CARDS} 条，共 {} 条需要留意。", notable.len()));
                    }
                });
        }
        if !plain.is_empty() {
            ui.separator();
            plain_rows(ui, &plain, out);
        }
    }

    pub fn on_event(&mut self, event: &Event) {
        if let Event::QueueChanged(result) = event {
            self.message = result.as_ref().err().map(|f| f.message());
        }
    }
}

fn paused_banner(ui: &mut egui::Ui, reason: &str, out: &mut Vec<Command>) {
    egui::Frame::new()
        .fill(super::widgets::Palette::of(ui).alert_fill)
        .stroke(egui::Stroke::new(1.0, error_red(ui)))
        .inner_margin(10.0)
        .corner_radius(4.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new("上传已暂停").color(error_red(ui)).strong().size(17.0));
            ui.label(RichText::new(reason).color(error_red(ui)));
            ui.label("记录都保存在本机，不会丢失。请到“设置”里核对平台地址、授权帐号、秘钥、设备序号和项目编号；保存新设置后会自动继续上传。");
            ui.horizontal(|ui| {
                if ui.button("去设置").clicked() {
                    out.push(Command::Go(Screen::Settings));
                }
                if ui
                    .button("不是设置问题，逐条处理")
                    .on_hover_text("设置确认无误时点这里：继续上传，平台拒绝的记录逐条标为“需处理”")
                    .clicked()
                {
                    out.push(Command::Backend(Intent::DismissSettingsPause));
                }
            });
        });
    ui.add_space(6.0);
}

fn item_ui(ui: &mut egui::Ui, item: &OutboxItem, out: &mut Vec<Command>) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format!("#{}", item.id)).small());
            ui.label(RichText::new(&item.label).strong());
            ui.label(
                RichText::new(item.state.label())
                    .color(state_color(ui, item.state))
                    .strong(),
            );
            if item.attempts > 0 {
                ui.label(format!("已尝试 {} 次", item.attempts));
            }
            if item.state == ItemState::Retry
                && let Some(at) = item.next_attempt_at
            {
                ui.label(format!("下次尝试 {}", beijing(at)));
            }
            ui.label(RichText::new(format!("加入 {}", local_time(&item.created_at))).small());
        });
        if item.state != ItemState::Sent && (!item.last_code.is_empty() || !item.last_message.is_empty()) {
            ui.horizontal_wrapped(|ui| {
                let who = if item.last_code.is_empty() {
                    "上次失败：".to_string()
                } else {
                    format!("平台回复（代码 {}）：", item.last_code)
                };
                ui.label(RichText::new(who).strong());
                ui.label(RichText::new(&item.last_message).color(error_red(ui)));
            });
        }
        if !item.last_detail.is_empty() && item.state != ItemState::Sent {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new("平台附带的数据（原样）：").strong());
                ui.label(RichText::new(&item.last_detail).monospace().small());
            });
        }
        if item.state == ItemState::Sent && !item.last_message.is_empty() {
            ui.label(RichText::new(format!("平台回复（代码 {}）：{}", item.last_code, item.last_message)).small());
        }
        if item.park_reason == ParkReason::Settings && item.state != ItemState::Sent {
            ui.label(RichText::new("这条记录没有问题：等连接设置改正后会自动上传").color(warn_amber(ui)));
        }
        if item.state != ItemState::Sent && !item.last_advice.is_empty() {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new("怎么办：").strong());
                ui.label(&item.last_advice);
            });
        }
        if item.state.is_open() {
            ui.horizontal(|ui| {
                let retry = ui
                    .add_enabled(item.state != ItemState::Sending, egui::Button::new("立即重试"))
                    .on_disabled_hover_text("正在上传，请稍候");
                if retry.clicked() {
                    out.push(Command::Backend(Intent::RetryItem(item.id)));
                }
                let hint = match item.kind {
                    ItemKind::Register => "打开这个人员的资料修改",
                    ItemKind::AddCompany | ItemKind::RemoveCompany => "打开这个单位的资料修改",
                    ItemKind::Leave => "到人员花名册查看离场的人员",
                    ItemKind::Attendance => "到考勤查看这条考勤",
                };
                if ui.button("去修改").on_hover_text(hint).clicked() {
                    out.push(fix_command(item));
                }
            });
        }
    });
}
