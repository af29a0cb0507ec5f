//! 考勤: the station as an attendance point. Find the person (a card on the reader, an ID
//! number or a name; a visitor by name and ID number), press 进场 or 离场: the camera's
//! current picture becomes the site photo with the time burned in, and the log joins the
//! queue. Below, today's logs: who is in, who went out, per company, and an Excel export.

mod today;

use std::sync::Arc;

use egui::RichText;

use super::app::Command;
use super::backend::{Event, Intent, Snapshot};
use super::photos::CameraPanel;
use super::widgets::{error_red, field_label, ok_green, warn_amber};
use card::DemoCards;
use card::poller::{CardEvent, CardRemote};
use domain::{Direction, Passer, mask_id};
use media::camera::CameraProvider;
use station::records::WorkerRow;

/// Who is at the point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Who {
    #[default]
    Worker,
    Visitor,
}

pub struct AttendanceScreen {
    pub who: Who,
    pub query: String,
    /// The matches for `query`, as the station found them.
    found: Vec<WorkerRow>,
    /// The query those matches answer (a newer one is on its way when they differ).
    found_for: String,
    asked_for: String,
    pub selected: Option<WorkerRow>,
    pub visitor_name: String,
    pub visitor_id: String,
    camera: CameraPanel,
    reader: CardRemote,
    demo_cards: Option<DemoCards>,
    pub auto_read: bool,
    /// A log is being recorded: the buttons wait for its answer.
    recording: bool,
    /// The last outcome for the clerk, and whether it is a problem.
    pub message: Option<(String, bool)>,
    /// The camera was opened when the screen was first shown.
    camera_started: bool,
}

/// The log's site photo is the camera's picture: without one there is nothing to record.
pub const NO_PICTURE: &str =
    "摄像头没有画面，不能记考勤：平台按“人脸识别”接收，每条考勤都要带现场照片。请打开摄像头（或检查连接）";

impl AttendanceScreen {
    pub fn new(
        cameras: Arc<dyn CameraProvider>,
        reader: CardRemote,
        demo_cards: Option<DemoCards>,
        auto_read: bool,
        ctx: egui::Context,
    ) -> AttendanceScreen {
        AttendanceScreen {
            who: Who::Worker,
            query: String::new(),
            found: Vec::new(),
            found_for: String::new(),
            asked_for: String::new(),
            selected: None,
            visitor_name: String::new(),
            visitor_id: String::new(),
            camera: CameraPanel::new(cameras, ctx).without_capture(),
            reader,
            demo_cards,
            auto_read,
            recording: false,
            message: None,
            camera_started: false,
        }
    }

    /// The search goes to the station as the clerk types; the answers come back as events.
    pub fn logic(&mut self, out: &mut Vec<Command>) {
        let query = self.query.trim().to_string();
        if query != self.asked_for {
            self.asked_for.clone_from(&query);
            if query.is_empty() {
                self.found.clear();
                self.found_for.clear();
            } else {
                out.push(Command::Backend(Intent::FindWorkers(query)));
            }
        }
    }

    pub fn on_event(&mut self, event: &Event) {
        match event {
            Event::WorkersFound { query, rows } if *query == self.asked_for => {
                self.found.clone_from(rows);
                self.found_for.clone_from(query);
                // One match for a whole ID number is the person: no extra click.
                if rows.len() == 1 && query.len() == 18 && rows[0].on_site() {
                    self.selected = Some(rows[0].clone());
                }
            }
            Event::PassRecorded(result) => {
                self.recording = false;
                self.message = Some(match result {
                    Ok(a) if a.repeat_of.is_some() => (a.notes.join("；"), false),
                    Ok(a) => {
                        let mut text = format!(
                            "已记录 {} {} {}，正在上传",
                            a.person_name,
                            a.direction.label(),
                            domain::time::beijing_timestamp(a.passed_at)
                        );
                        for note in &a.notes {
                            text.push('。');
                            text.push_str(note);
                        }
                        (text, false)
                    }
                    Err(e) => (e.message(), true),
                });
                if matches!(result, Ok(a) if a.repeat_of.is_none()) {
                    // The next person: the point is ready again at once.
                    self.selected = None;
                    self.who = Who::Worker;
                    self.query.clear();
                    self.visitor_name.clear();
                    self.visitor_id.clear();
                }
            }
            _ => {}
        }
    }

    /// The station has answered the search now in the box (found someone or nobody).
    pub fn search_answered(&self) -> bool {
        let query = self.query.trim();
        !query.is_empty() && self.found_for == query
    }

    /// A card on the reader: an enrolled worker is selected; anyone else is taken as a visitor.
    pub fn on_card(&mut self, event: CardEvent) {
        match event {
            CardEvent::Read(read) => {
                let id = read.text.id_number.clone();
                self.query.clone_from(&id);
                self.who = Who::Worker;
                self.selected = None;
                self.visitor_name.clone_from(&read.text.name);
                self.visitor_id = id;
                self.message = Some((format!("已读卡：{}", read.text.name), false));
            }
            CardEvent::NoCard => {
                self.message = Some(("读卡器上没有身份证：请把身份证平放在读卡器上".into(), true));
            }
            CardEvent::Problem(text) => self.message = Some((text, true)),
        }
    }

    /// The passer the buttons would record, or why there is none yet.
    fn passer(&self) -> Result<Passer, &'static str> {
        match self.who {
            Who::Worker => match &self.selected {
                Some(w) if w.on_site() => Ok(Passer::Worker {
                    id_code: w.id_code.clone(),
                }),
                Some(_) => Err("此人已离场，不能记考勤"),
                None => Err("请先读卡，或输入身份证号、姓名找到人员"),
            },
            Who::Visitor if self.visitor_name.trim().is_empty() || self.visitor_id.trim().is_empty() => {
                Err("请填写访客姓名和身份证号")
            }
            Who::Visitor => Ok(Passer::Visitor {
                name: self.visitor_name.trim().to_string(),
                id_code: self.visitor_id.trim().to_string(),
            }),
        }
    }

    /// `window_secs`: the settings' 平台规定 → 考勤上传时限, said to the clerk as it is set.
    pub fn ui(&mut self, ui: &mut egui::Ui, snap: &Snapshot, window_secs: i64, out: &mut Vec<Command>) {
        let window = domain::attendance::window_words(window_secs);
        if !self.camera_started {
            self.camera_started = true;
            self.camera.show();
        }
        ui.heading("考勤");
        ui.label(
            RichText::new(format!("没有闸机的工地在这里记考勤：找到人员，按“进场”或“离场”，摄像头画面作为现场照片，底部自动印上时间。平台只接收 {window}内的考勤。"))
                .small()
                .weak(),
        );
        ui.add_space(6.0);
        egui::ScrollArea::vertical()
            .id_salt("attendance")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        ui.set_width(520.0);
                        self.person_ui(ui);
                        ui.add_space(8.0);
                        self.buttons_ui(ui, out);
                    });
                    ui.add_space(12.0);
                    ui.vertical(|ui| {
                        if self.camera.open {
                            // The picture at the moment of the button is the site photo.
                            let _ = self.camera.ui(ui);
                        } else if ui.button("打开摄像头").clicked() {
                            self.camera.show();
                        }
                    });
                });
                ui.add_space(10.0);
                ui.separator();
                today::today_ui(ui, snap, &window, out);
            });
    }

    fn person_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            if ui
                .button(RichText::new("读卡").strong())
                .on_hover_text("把身份证放在读卡器上，点这里读取；本页打开时也会自动读卡")
                .clicked()
            {
                self.reader.read_now();
            }
            if let Some(demo) = &self.demo_cards
                && ui
                    .button("模拟读卡")
                    .on_hover_text("演示模式：放一张准备好的身份证")
                    .clicked()
            {
                demo.place_next();
            }
            if self.auto_read {
                ui.label(RichText::new("放上身份证即自动读取").small().weak());
            }
        });
        ui.horizontal(|ui| {
            ui.radio_value(&mut self.who, Who::Worker, "本项目工人");
            ui.radio_value(&mut self.who, Who::Visitor, "访客（未登记的人）");
        });
        match self.who {
            Who::Worker => self.worker_ui(ui),
            Who::Visitor => {
                egui::Grid::new("visitor")
                    .num_columns(2)
                    .spacing([8.0, 6.0])
                    .show(ui, |ui| {
                        let l = field_label(ui, "访客姓名", true);
                        ui.add(egui::TextEdit::singleline(&mut self.visitor_name).desired_width(220.0))
                            .labelled_by(l.id);
                        ui.end_row();
                        let l = field_label(ui, "访客身份证号", true);
                        ui.add(
                            egui::TextEdit::singleline(&mut self.visitor_id)
                                .desired_width(220.0)
                                .char_limit(18),
                        )
                        .labelled_by(l.id);
                        ui.end_row();
                    });
            }
        }
    }

    fn worker_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let l = ui.label("查找人员");
            ui.add(
                egui::TextEdit::singleline(&mut self.query)
                    .hint_text("身份证号或姓名")
                    .desired_width(260.0),
            )
            .labelled_by(l.id);
        });
        let query = self.query.trim();
        if !query.is_empty() && self.found_for == query {
            if self.found.is_empty() {
                ui.label(
                    RichText::new("本站没有找到此人：访客请选“访客”，新工人请先到“人员登记”登记").color(warn_amber(ui)),
                );
                if query.len() == 18 && ui.button("按访客记录").clicked() {
                    self.who = Who::Visitor;
                    self.visitor_id = query.to_string();
                }
            }
            let mut pick = None;
            for w in &self.found {
                let chosen = self.selected.as_ref().is_some_and(|s| s.id_code == w.id_code);
                let mut text = format!("{}  {}  {}", w.emp_name, mask_id(&w.id_code), w.emp_company);
                if !w.on_site() {
                    text.push_str("  （已离场）");
                }
                let label = if w.on_site() {
                    RichText::new(text)
                } else {
                    RichText::new(text).weak()
                };
                if ui.selectable_label(chosen, label).clicked() {
                    pick = Some(w.clone());
                }
            }
            if let Some(w) = pick {
                self.selected = Some(w);
            }
        }
        if let Some(w) = &self.selected {
            ui.add_space(4.0);
            ui.label(
                RichText::new(format!("当前人员：{}（{}）", w.emp_name, w.emp_company))
                    .strong()
                    .size(16.0),
            );
        }
    }

    fn buttons_ui(&mut self, ui: &mut egui::Ui, out: &mut Vec<Command>) {
        let passer = self.passer();
        let has_picture = self.camera.has_picture();
        let ready = passer.is_ok() && has_picture && !self.recording;
        ui.horizontal(|ui| {
            for direction in [Direction::In, Direction::Out] {
                let button = egui::Button::new(RichText::new(direction.label()).size(20.0).strong())
                    .min_size(egui::vec2(120.0, 44.0));
                let hover = match &passer {
                    Err(why) => *why,
                    Ok(_) if self.recording => "正在记录，请稍候",
                    Ok(_) if !has_picture => NO_PICTURE,
                    Ok(_) => "",
                };
                if ui.add_enabled(ready, button).on_disabled_hover_text(hover).clicked()
                    && let Ok(passer) = passer.clone()
                {
                    self.recording = true;
                    self.message = None;
                    out.push(Command::Backend(Intent::RecordPass {
                        passer,
                        direction,
                        frame: self.camera.latest_frame(),
                    }));
                }
            }
            if self.recording {
                ui.spinner();
            }
        });
        if !has_picture {
            ui.label(RichText::new(NO_PICTURE).small().color(warn_amber(ui)));
        }
        if let Err(why) = &passer {
            ui.label(RichText::new(*why).small().weak());
        }
        if let Some((text, is_error)) = &self.message {
            let color = if *is_error { error_red(ui) } else { ok_green(ui) };
            ui.add(egui::Label::new(RichText::new(text).color(color)).wrap());
        }
    }

    /// The screen is left: the camera is released for other programs.
    pub fn hidden(&mut self) {
        if self.camera_started {
            self.camera.close();
            self.camera_started = false;
        }
    }
}
