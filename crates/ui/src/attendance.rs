//! 考勤: the station as an attendance point. Find the person (a card on the reader, an ID
//! number or a name; a visitor by name and ID number), press 进场 or 离场: the camera's
//! current picture becomes the site photo with the time burned in, and the log joins the
//! queue. Below, today's logs: who is in, who went out, per company, and an Excel export.
//!
//! The camera knows faces: it proposes the on-site worker in front of it (是 张三 吗？, one
//! click). A person found by card, ID number or name is recorded only after the clerk has
//! compared the live face with the enrolled photo (本人核对无误): the platform's `way` 1 is
//! 人脸识别, and a log nobody tied to the face must not claim it.

pub mod face;
mod today;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use egui::RichText;

use super::app::Command;
use super::backend::{Event, Intent, Snapshot};
use super::photos::CameraPanel;
use super::widgets::{error_red, field_label, ok_green, warn_amber};
use card::DemoCards;
use card::poller::{CardEvent, CardRemote};
use domain::{Direction, Identified, Passer, mask_id};
use media::camera::CameraProvider;
use station::faces::FaceMatch;
use station::records::WorkerRow;

/// Who is at the point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Who {
    #[default]
    Worker,
    Visitor,
}

pub struct AttendanceScreen {
    who: Who,
    query: String,
    /// The matches for `query`, as the station found them.
    found: Vec<WorkerRow>,
    /// The query those matches answer (a newer one is on its way when they differ).
    found_for: String,
    asked_for: String,
    selected: Option<WorkerRow>,
    visitor_name: String,
    visitor_id: String,
    camera: CameraPanel,
    reader: CardRemote,
    demo_cards: Option<DemoCards>,
    auto_read: bool,
    /// A log is being recorded: the buttons wait for its answer.
    recording: bool,
    /// The last outcome for the clerk, and whether it is a problem.
    message: Option<(String, bool)>,
    /// The camera was opened when the screen was first shown.
    camera_started: bool,
    /// Describes the camera's frames off the window's thread (started when first shown).
    face: Option<face::FaceThread>,
    /// The on-site worker the camera sees (1:N under the line), if any.
    proposal: Option<FaceMatch>,
    /// The ID number of the person the clerk checked against the live face (本人核对无误).
    confirmed: Option<String>,
    /// Why the camera does not recognise anyone (no models), said once.
    face_note: Option<String>,
    /// Enrolled pictures shown beside the live preview, by ID number (asked once each).
    photos: HashMap<String, egui::TextureHandle>,
    photos_asked: HashSet<String>,
    ctx: egui::Context,
}

/// The log's site photo is the camera's picture: without one there is nothing to record.
pub const NO_PICTURE: &str =
    "摄像头没有画面，不能记考勤：平台按“人脸识别”接收，每条考勤都要带现场照片。请打开摄像头（或检查连接）";

/// Said while a person found by card, ID number or name waits for the clerk's check.
pub const CHECK_FIRST: &str = "请对照登记照片核对摄像头前的是本人，核对无误后点“本人核对无误”";

/// The clerk's check against the live face.
pub const CONFIRM_LABEL: &str = "本人核对无误";

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
            camera: CameraPanel::new(cameras, ctx.clone()).without_capture(),
            reader,
            demo_cards,
            auto_read,
            recording: false,
            message: None,
            camera_started: false,
            face: None,
            proposal: None,
            confirmed: None,
            face_note: None,
            photos: HashMap::new(),
            photos_asked: HashSet::new(),
            ctx,
        }
    }

    /// The search goes to the station as the clerk types; the answers come back as events.
    pub fn logic(&mut self, out: &mut Vec<Command>) {
        self.face_logic(out);
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
            Event::FaceIdentified(found) => self.proposal.clone_from(found),
            Event::Thumbnails(found) => {
                for (id, image) in found {
                    if let Some(image) = image
                        && self.photos_asked.contains(id)
                    {
                        let texture =
                            self.ctx
                                .load_texture(format!("attendance-{id}"), (**image).clone(), Default::default());
                        self.photos.insert(id.clone(), texture);
                    }
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
                    self.confirmed = None;
                    self.proposal = None;
                    self.who = Who::Worker;
                    self.query.clear();
                    self.visitor_name.clear();
                    self.visitor_id.clear();
                }
            }
            _ => {}
        }
    }

    /// Whether a card placed on the reader is read without pressing 读卡 (设置 → 读卡器).
    pub fn set_auto_read(&mut self, on: bool) {
        self.auto_read = on;
    }

    /// The worker the buttons would record, found by card, ID number, name or face.
    pub fn selected(&self) -> Option<&WorkerRow> {
        self.selected.as_ref()
    }

    /// Who the camera thinks is in front of it, offered for one click.
    pub fn proposal(&self) -> Option<&FaceMatch> {
        self.proposal.as_ref()
    }

    /// The last word to the clerk (a log recorded, a refusal), and whether it is a problem.
    pub fn message(&self) -> Option<(&str, bool)> {
        self.message.as_ref().map(|(m, problem)| (m.as_str(), *problem))
    }

    /// The name a card not enrolled here brought, for a visitor's log.
    pub fn visitor_name(&self) -> &str {
        &self.visitor_name
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

    /// The face thread's news: a descriptor goes to the station for 1:N; no face clears the
    /// proposal; missing models are said once.
    fn face_logic(&mut self, out: &mut Vec<Command>) {
        let Some(thread) = &self.face else { return };
        for news in thread.news() {
            match news {
                face::FaceNews::Described(d) => out.push(Command::Backend(Intent::IdentifyFace(d))),
                face::FaceNews::NoFace => self.proposal = None,
                face::FaceNews::Unavailable(words) => self.face_note = Some(words),
            }
        }
        let wanted = [
            self.proposal.as_ref().map(|m| &m.id_code),
            self.selected.as_ref().map(|w| &w.id_code),
        ];
        let missing: Vec<String> = wanted
            .into_iter()
            .flatten()
            .filter(|id| !self.photos_asked.contains(*id))
            .cloned()
            .collect();
        if !missing.is_empty() {
            self.photos_asked.extend(missing.iter().cloned());
            out.push(Command::Backend(Intent::LoadThumbnails(missing)));
        }
    }

    /// How the person the buttons would record is known to be the one in front of the camera:
    /// the camera proposed them, or the clerk checked; `None` until one is true.
    fn identified(&self, passer: &Passer) -> Option<Identified> {
        if let (Passer::Worker { id_code }, Some(m)) = (passer, &self.proposal)
            && *id_code == m.id_code
        {
            return Some(Identified::Face { distance: m.distance });
        }
        (self.confirmed.as_deref() == Some(passer.id_code())).then_some(Identified::Clerk)
    }

    /// 是 张三 吗？ — the camera's proposal, one click to record it.
    fn proposal_ui(&mut self, ui: &mut egui::Ui, out: &mut Vec<Command>) {
        let Some(m) = self.proposal.clone() else { return };
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.horizontal(|ui| {
                self.enrolled_photo_ui(ui, &m.id_code);
                ui.vertical(|ui| {
                    ui.label(RichText::new(format!("是 {} 吗？", m.name)).strong().size(20.0));
                    ui.label(format!("{}  {}", m.company, mask_id(&m.id_code)));
                    ui.label(RichText::new("摄像头认出的本项目在场工人").small().weak());
                    ui.horizontal(|ui| {
                        for direction in [Direction::In, Direction::Out] {
                            let text = format!("是本人，{}", direction.label());
                            let button =
                                egui::Button::new(RichText::new(text).strong()).min_size(egui::vec2(110.0, 36.0));
                            if ui.add_enabled(!self.recording, button).clicked() {
                                self.recording = true;
                                self.message = None;
                                out.push(Command::Backend(Intent::RecordPass {
                                    passer: Passer::Worker {
                                        id_code: m.id_code.clone(),
                                    },
                                    direction,
                                    frame: self.camera.latest_frame(),
                                    identified: Identified::Face { distance: m.distance },
                                }));
                            }
                        }
                    });
                });
            });
        });
        ui.add_space(6.0);
    }

    /// The enrolled picture (the roster's, made from the face photo), or a word when none.
    fn enrolled_photo_ui(&self, ui: &mut egui::Ui, id_code: &str) {
        match self.photos.get(id_code) {
            Some(texture) => {
                ui.add(egui::Image::new(texture).max_size(egui::vec2(96.0, 118.0)));
            }
            None => {
                ui.label(RichText::new("（没有登记照片）").small().weak());
            }
        }
    }

    /// A person found by card, ID number or name: the clerk compares the live face with the
    /// enrolled photo (a visitor: with the card) before the log may be recorded.
    fn confirm_ui(&mut self, ui: &mut egui::Ui, passer: &Passer) {
        if matches!(self.identified(passer), Some(Identified::Face { .. })) {
            ui.label(RichText::new("摄像头已认出本人").color(ok_green(ui)));
            return;
        }
        ui.horizontal(|ui| {
            if let Passer::Worker { id_code } = passer {
                self.enrolled_photo_ui(ui, id_code);
            }
            ui.vertical(|ui| {
                let words = match passer {
                    Passer::Worker { .. } => "对照左边的登记照片和右边的摄像头画面，确认是本人",
                    Passer::Visitor { .. } => "对照访客的身份证，确认摄像头前是本人",
                };
                ui.label(RichText::new(words).small());
                let mut checked = self.confirmed.as_deref() == Some(passer.id_code());
                if ui.toggle_value(&mut checked, CONFIRM_LABEL).changed() {
                    self.confirmed = checked.then(|| passer.id_code().to_string());
                }
            });
        });
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
                        if let Some(note) = &self.face_note {
                            ui.label(RichText::new(note).small().color(warn_amber(ui)));
                        }
                        self.proposal_ui(ui, out);
                        self.person_ui(ui);
                        ui.add_space(8.0);
                        self.buttons_ui(ui, out);
                    });
                    ui.add_space(12.0);
                    ui.vertical(|ui| {
                        if self.camera.open {
                            // The picture at the moment of the button is the site photo.
                            let _ = self.camera.ui(ui);
                            self.feed_face_thread();
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

    /// The camera's newest frame goes to the face thread (started on the first one).
    fn feed_face_thread(&mut self) {
        let Some(frame) = self.camera.latest_frame() else {
            return;
        };
        let ctx = self.ctx.clone();
        self.face
            .get_or_insert_with(|| face::FaceThread::start(face::shared_engine(), move || ctx.request_repaint()))
            .feed(&frame);
    }

    fn buttons_ui(&mut self, ui: &mut egui::Ui, out: &mut Vec<Command>) {
        let passer = self.passer();
        if let Ok(p) = &passer {
            self.confirm_ui(ui, p);
        }
        let identified = passer.as_ref().ok().and_then(|p| self.identified(p));
        let has_picture = self.camera.has_picture();
        let ready = identified.is_some() && has_picture && !self.recording;
        ui.horizontal(|ui| {
            for direction in [Direction::In, Direction::Out] {
                let button = egui::Button::new(RichText::new(direction.label()).size(20.0).strong())
                    .min_size(egui::vec2(120.0, 44.0));
                let hover = match &passer {
                    Err(why) => *why,
                    Ok(_) if self.recording => "正在记录，请稍候",
                    Ok(_) if !has_picture => NO_PICTURE,
                    Ok(_) if identified.is_none() => CHECK_FIRST,
                    Ok(_) => "",
                };
                if ui.add_enabled(ready, button).on_disabled_hover_text(hover).clicked()
                    && let Ok(passer) = passer.clone()
                    && let Some(identified) = identified
                {
                    self.recording = true;
                    self.message = None;
                    out.push(Command::Backend(Intent::RecordPass {
                        passer,
                        direction,
                        frame: self.camera.latest_frame(),
                        identified,
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
        } else if identified.is_none() {
            ui.label(RichText::new(CHECK_FIRST).small().color(warn_amber(ui)));
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
        // Nobody is in front of a closed camera; the thread ends with its handle.
        self.face = None;
        self.proposal = None;
    }
}
