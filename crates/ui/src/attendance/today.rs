//! 今日考勤: who is in and who went out, per company, and every log of the day with whether
//! the platform has it.

use std::collections::BTreeMap;

use egui::RichText;
use egui_extras::{Column, TableBuilder};

use crate::app::Command;
use crate::backend::Snapshot;
use crate::dialogs::FileDialog;
use crate::widgets::{error_red, ok_green, warn_amber};
use domain::{Direction, ItemState, mask_id};
use station::records::PassRow;

/// Visitors are counted apart from the companies.
const VISITORS: &str = "访客";

/// Per company: who is in now (their last log today is 进场) and who went out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presence {
    pub inside: Vec<String>,
    pub left: Vec<String>,
}

/// Today's presence by company (visitors under 访客), from the day's logs in time order.
pub fn presence(passes: &[PassRow]) -> BTreeMap<String, Presence> {
    let mut last: BTreeMap<&str, &PassRow> = BTreeMap::new();
    for p in passes {
        last.insert(&p.id_code, p);
    }
    let mut out: BTreeMap<String, Presence> = BTreeMap::new();
    for p in last.values() {
        let group = if p.person_type == "0" || p.company.is_empty() {
            VISITORS.to_string()
        } else {
            p.company.clone()
        };
        let entry = out.entry(group).or_default();
        match p.direction {
            Direction::In => entry.inside.push(p.person_name.clone()),
            Direction::Out => entry.left.push(p.person_name.clone()),
        }
    }
    out
}

fn state_color(ui: &egui::Ui, state: ItemState) -> egui::Color32 {
    match state {
        ItemState::Sent => ok_green(ui),
        ItemState::NeedsFix | ItemState::Expired => error_red(ui),
        _ => warn_amber(ui),
    }
}

/// `window`: the platform's window in words ("2 小时").
pub fn today_ui(ui: &mut egui::Ui, snap: &Snapshot, window: &str, out: &mut Vec<Command>) {
    let passes = &snap.passes_today;
    ui.horizontal(|ui| {
        let day = snap.today.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
        ui.heading(format!("今日考勤 {day}"));
        let expired = passes.iter().filter(|p| p.state == ItemState::Expired).count();
        let sent = passes.iter().filter(|p| p.state == ItemState::Sent).count();
        ui.label(format!("共 {} 条，已上传 {sent} 条", passes.len()));
        if expired > 0 {
            ui.label(RichText::new(format!("已过时限 {expired} 条")).color(error_red(ui)))
                .on_hover_text(format!("{window}内没能上传的考勤，平台不再接收；需要时请在平台上补录"));
        }
        if ui
            .add_enabled(!passes.is_empty(), egui::Button::new("导出 Excel"))
            .on_disabled_hover_text("今天还没有考勤")
            .clicked()
        {
            out.push(Command::File(FileDialog::SavePasses {
                rows: passes.clone(),
                day: snap.today.map(|d| d.format("%Y%m%d").to_string()).unwrap_or_default(),
            }));
        }
    });
    if passes.is_empty() {
        ui.label(RichText::new("今天还没有考勤记录").weak());
        return;
    }
    for (company, p) in presence(passes) {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(&company).strong());
            ui.label(RichText::new(format!("在场 {} 人", p.inside.len())).color(ok_green(ui)))
                .on_hover_text(p.inside.join("、"));
            ui.label(format!("已离开 {} 人", p.left.len()))
                .on_hover_text(p.left.join("、"));
        });
    }
    ui.add_space(6.0);
    TableBuilder::new(ui)
        .id_salt("passes_today")
        .striped(true)
        .column(Column::exact(80.0))
        .column(Column::exact(90.0))
        .column(Column::exact(170.0))
        .column(Column::initial(240.0).clip(true))
        .column(Column::exact(50.0))
        .column(Column::remainder().clip(true))
        .header(22.0, |mut h| {
            for title in ["时间", "姓名", "身份证号", "单位", "进/离", "上传"] {
                h.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.rows(22.0, passes.len(), |mut row| {
                // Newest first: the log just recorded is on top.
                let p = &passes[passes.len() - 1 - row.index()];
                row.col(|ui| {
                    let time = domain::time::beijing_timestamp(p.passed_at);
                    ui.label(time.get(11..).unwrap_or(&time));
                });
                row.col(|ui| {
                    ui.label(&p.person_name);
                });
                row.col(|ui| {
                    ui.label(mask_id(&p.id_code));
                });
                row.col(|ui| {
                    ui.label(if p.person_type == "0" { VISITORS } else { &p.company });
                });
                row.col(|ui| {
                    ui.label(p.direction.label());
                });
                row.col(|ui| {
                    let text = if p.message.is_empty() {
                        p.state.label().to_string()
                    } else {
                        format!("{}：{}", p.state.label(), p.message)
                    };
                    let r = ui.label(RichText::new(text).color(state_color(ui, p.state)));
                    if !p.advice.is_empty() {
                        r.on_hover_text(&p.advice);
                    }
                });
            });
        });
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn row(id: &str, name: &str, company: &str, direction: Direction, minute: u32) -> PassRow {
        PassRow {
            log_id: 0,
            item_id: station::records::ItemId::new(0),
            person_type: if company.is_empty() { "0" } else { "1" }.into(),
            id_code: id.into(),
            person_name: name.into(),
            company: company.into(),
            direction,
            passed_at: Utc.with_ymd_and_hms(2026, 11, 29, 1, minute, 0).single().expect("time"),
            state: ItemState::Sent,
            message: String::new(),
            advice: String::new(),
            identified: Some(domain::Identified::Clerk),
        }
    }

    #[test]
    fn the_last_log_of_the_day_says_where_a_person_is() {
        let passes = [
            row("1", "张三", "甲公司", Direction::In, 0),
            row("2", "李四", "甲公司", Direction::In, 1),
            row("1", "张三", "甲公司", Direction::Out, 30),
            row("3", "王五", "乙公司", Direction::In, 31),
            row("9", "送货", "", Direction::In, 32),
        ];
        let p = presence(&passes);
        assert_eq!(p["甲公司"].inside, vec!["李四"]);
        assert_eq!(p["甲公司"].left, vec!["张三"]);
        assert_eq!(p["乙公司"].inside, vec!["王五"]);
        assert_eq!(p[VISITORS].inside, vec!["送货"]);
    }
}
