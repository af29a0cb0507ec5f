//! 人员登记: the RegisterEmployee form. The ID number fills birth date, sex and age; errors
//! show beside a field once the clerk leaves it; the submit button says what is missing; a
//! draft is kept as the clerk types; after submit the record's state is shown live.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::NaiveDate;
use egui::RichText;
use serde::{Deserialize, Serialize};

use super::app::Command;
use super::backend::face::{EngineAnalyser, FaceAnalyser};
use super::backend::{Backend, Event, Intent, PhotoSource, Snapshot};
use super::dialogs::FileDialog;
use super::photos::{CameraPanel, FORM_PHOTOS, PhotoSlots, SlotAction, slot_ui};
use super::widgets::warn_amber;
use ::card::poller::CardRemote;
use ::card::{CardText, DemoCards};
use domain::{Field, PhotoKind, PhotosPresent, Worker, WorkerField, WorkerProblem, WorkerRules};
use media::camera::CameraProvider;
use station::face_check::{FaceCheck, FaceCheckMode};
use station::platform::PlatformClock;

mod card;
mod face;
mod fields;
mod parts;
mod submit;
use parts::split_pass_period;

/// The fields as typed, saved as the draft.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FormDraft {
    pub worker: Worker,
    pub pass_start: Option<NaiveDate>,
    pub pass_end: Option<NaiveDate>,
}

/// A worker already on file, being updated.
#[derive(Debug, Clone, PartialEq)]
struct Existing {
    id_code: String,
    locked_category: String,
    emp_id: String,
    /// Imported from a list (待补全): not enrolled yet, completed through this form.
    draft: bool,
}

const DRAFT_EVERY: Duration = Duration::from_millis(800);

pub struct EnrollScreen {
    form: FormDraft,
    slots: PhotoSlots,
    camera: CameraPanel,
    touched: HashSet<WorkerField>,
    submit_attempted: bool,
    searches: BTreeMap<WorkerField, String>,
    /// After submit: whose state to follow.
    submitted: Option<String>,
    existing: Option<Existing>,
    /// The ID number we last looked up, so a lookup happens once per number.
    looked_up: String,
    draft_restored: bool,
    saved_fields_json: String,
    saved_photos_key: Vec<(PhotoKind, usize)>,
    last_draft_at: Option<Instant>,
    /// Photos to prepare, queued from places that cannot reach the backend.
    pending_photos: Vec<(PhotoKind, PhotoSource)>,
    /// 登记下一位 was pressed.
    next_requested: bool,
    /// The clerk ticked 已核对 for exactly these warnings.
    acknowledged: bool,
    acknowledged_for: Vec<String>,
    ctx: egui::Context,
    /// The platform-corrected clock: "today" is Beijing's date on it.
    clock: Arc<PlatformClock>,
    /// Why the last submit stored nothing (the form stays as typed).
    save_error: Option<String>,
    /// Fields filled from the card's chip: locked until 手工修改.
    from_card: HashSet<WorkerField>,
    /// The last card read into this form (laid over a worker loaded from the store).
    card: Option<CardText>,
    card_portrait: Option<Vec<u8>>,
    /// The reader's last word for the clerk, and whether it is a problem.
    card_message: Option<(String, bool)>,
    reader: CardRemote,
    demo_cards: Option<DemoCards>,
    auto_read: bool,
    /// 人证比对: the face worker's last report and the station's count of captures.
    face: face::FacePanel,
}

/// What the enrollment screen works with besides the backend.
pub struct EnrollSetup {
    pub cameras: Arc<dyn CameraProvider>,
    /// The window's reader (its events come through [`EnrollScreen::on_card`]).
    pub card_reader: CardRemote,
    /// The demo's prepared cards (its 模拟读卡 button).
    pub demo_cards: Option<DemoCards>,
    pub auto_read: bool,
    /// 设置's 人证比对 mode (建议 or 自动).
    pub face_check_mode: FaceCheckMode,
}

/// What carries over to the next worker: most workers enrolled in a row share them.
const CARRIED: [WorkerField; 4] = [
    WorkerField::EmpCompany,
    WorkerField::EmpCategory,
    WorkerField::JobTypename,
    WorkerField::JobName,
];

impl EnrollScreen {
    pub fn new(setup: EnrollSetup, ctx: egui::Context, clock: Arc<PlatformClock>) -> EnrollScreen {
        EnrollScreen {
            form: blank_form(clock.beijing_today()),
            slots: PhotoSlots::default(),
            camera: CameraPanel::new(setup.cameras, ctx.clone()),
            touched: HashSet::new(),
            submit_attempted: false,
            searches: BTreeMap::new(),
            submitted: None,
            existing: None,
            looked_up: String::new(),
            draft_restored: false,
            saved_fields_json: String::new(),
            saved_photos_key: Vec::new(),
            last_draft_at: None,
            pending_photos: Vec::new(),
            next_requested: false,
            acknowledged: false,
            acknowledged_for: Vec::new(),
            ctx,
            clock,
            save_error: None,
            from_card: HashSet::new(),
            card: None,
            card_portrait: None,
            card_message: None,
            reader: setup.card_reader,
            demo_cards: setup.demo_cards,
            auto_read: setup.auto_read,
            face: face::FacePanel::new(Arc::new(EngineAnalyser::from_installation()), setup.face_check_mode),
        }
    }

    /// Why the last submit stored nothing, as shown beside the button.
    pub fn save_error(&self) -> Option<&str> {
        self.save_error.as_deref()
    }

    /// A clean form; `carry` keeps the company, personnel type and job of the last worker.
    pub(super) fn clear_form(&mut self, carry: bool) {
        let last = std::mem::replace(&mut self.form, blank_form(self.clock.beijing_today()));
        if carry {
            for field in CARRIED {
                if let (Some(from), Some(to)) = (field.text(&last.worker), field.text_mut(&mut self.form.worker)) {
                    to.clone_from(from);
                }
            }
        }
        self.slots.clear();
        self.touched.clear();
        self.submit_attempted = false;
        self.submitted = None;
        self.existing = None;
        self.looked_up.clear();
        self.acknowledged = false;
        self.acknowledged_for.clear();
        self.from_card.clear();
        self.card = None;
        self.card_portrait = None;
        self.save_error = None;
        let mode = self.face.check.mode();
        self.face.restart(mode);
    }

    /// 登记下一位: the company, type and job stay chosen, the camera stays open.
    pub(super) fn start_next(&mut self) {
        self.clear_form(true);
    }

    /// Opens the live camera (the 摄像头 button).
    pub fn open_camera(&mut self) {
        self.camera.show();
    }

    /// The camera shows a picture.
    pub fn camera_live(&self) -> bool {
        self.camera.has_picture()
    }

    /// The screen is left: the camera is released (the 考勤 point may want it).
    pub fn hidden(&mut self) {
        self.camera.close();
        if self.face.is_capturing() {
            // Its report will not come: the frame is not kept, and the slot says so by being empty.
            self.slots.busy.remove(&PhotoKind::Face);
        }
        self.face.stop();
    }

    /// 设置's 人证比对 mode; a check already begun keeps the mode it began in.
    pub fn set_face_check_mode(&mut self, mode: FaceCheckMode) {
        self.face.set_mode(mode);
    }

    /// Replaces the face models with `analyser` (tests give known answers).
    pub fn use_face_analyser(&mut self, analyser: Arc<dyn FaceAnalyser>) {
        self.face.use_analyser(analyser);
    }

    /// The last preview frame's verdict against the card.
    pub fn live_verdict(&self) -> Option<station::face::Verdict> {
        self.face.live_verdict()
    }

    /// The face check of the worker on the form.
    pub fn face_check(&self) -> &FaceCheck {
        &self.face.check
    }

    /// The 人证比对 line under the chip portrait's verdict, or the last capture's message.
    pub fn face_message(&self) -> Option<&str> {
        self.face.message()
    }

    /// Starts a clean form with nothing carried over, and clears the draft.
    pub fn reset(&mut self, backend: &Backend) {
        self.clear_form(false);
        self.camera.close();
        self.face.stop();
        backend.send(Intent::SaveDraft(None));
        backend.send(Intent::SaveDraftPhotos(None));
        self.saved_fields_json = serde_json::to_string(&self.form).unwrap_or_default();
        self.saved_photos_key.clear();
    }

    pub fn open_existing(&mut self, id_code: &str, backend: &Backend) {
        self.reset(backend);
        self.form.worker.id_code = id_code.to_string();
        self.looked_up = id_code.to_string();
        backend.send(Intent::LoadWorker(id_code.to_string()));
    }

    pub fn on_event(&mut self, event: &Event) {
        match event {
            // Nothing was stored: the form becomes editable again, as typed, and the draft
            // (written as the clerk typed) stays.
            Event::WorkerSaved {
                id_code,
                result: Err(failure),
            } if self.submitted.as_deref() == Some(id_code.as_str()) => {
                self.submitted = None;
                self.submit_attempted = true;
                self.save_error = Some(failure.message());
            }
            Event::DraftLoaded { fields, photos } if !self.draft_restored => {
                self.draft_restored = true;
                // A draft that no longer reads (an older program's, a damaged store) is said
                // once, not dropped in silence: the clerk may have typed it yesterday.
                let unreadable = |what: &str, e: serde_json::Error| {
                    tracing::warn!("enrolment draft {what} not read: {e}");
                    format!("上次没提交的登记{what}读不出来（{e}），表单从空白开始：请核对后重新填写")
                };
                match fields.as_deref().map(serde_json::from_str::<FormDraft>) {
                    Some(Ok(form)) => {
                        self.saved_fields_json = serde_json::to_string(&form).unwrap_or_default();
                        self.looked_up = form.worker.id_code.clone();
                        self.form = form;
                    }
                    Some(Err(e)) => self.save_error = Some(unreadable("草稿", e)),
                    None => {}
                }
                match photos
                    .as_deref()
                    .map(serde_json::from_str::<BTreeMap<PhotoKind, String>>)
                {
                    Some(Ok(map)) => self.restore_photos(map),
                    Some(Err(e)) => self.save_error = Some(unreadable("照片", e)),
                    None => {}
                }
            }
            Event::PhotoReady { kind, result } => match result {
                Ok(ready) => {
                    let p = &ready.photo;
                    self.slots.set(
                        &self.ctx,
                        *kind,
                        p.jpeg.clone(),
                        p.width,
                        p.height,
                        Arc::clone(&ready.thumb),
                    );
                }
                Err(e) => {
                    self.slots.busy.remove(kind);
                    self.slots.errors.insert(*kind, e.clone());
                }
            },
            Event::WorkerLoaded {
                id_code,
                found: Some(found),
            } if id_code == &self.form.worker.id_code => {
                let (rec, photos) = found.as_ref();
                self.form.worker = rec.worker.clone();
                let (start, end) = split_pass_period(&rec.worker.pass_period);
                self.form.pass_start = start.or(self.form.pass_start);
                self.form.pass_end = end;
                self.existing = Some(Existing {
                    id_code: id_code.clone(),
                    locked_category: rec.locked_category.clone(),
                    emp_id: rec.emp_id.clone(),
                    draft: rec.state == domain::RecordState::Draft,
                });
                let map = photos
                    .iter()
                    .map(|(k, j)| (*k, base64::engine::general_purpose::STANDARD.encode(j)))
                    .collect();
                self.slots.clear();
                self.restore_photos(map);
                self.reapply_card();
            }
            _ => {}
        }
    }

    fn restore_photos(&mut self, map: BTreeMap<PhotoKind, String>) {
        for (kind, b64) in map {
            if let Ok(jpeg) = base64::engine::general_purpose::STANDARD.decode(b64) {
                self.put_photo(kind, PhotoSource::Stored(jpeg));
            }
        }
    }

    /// Whether a card placed on the reader is read without pressing 读卡 (设置 → 读卡器).
    pub fn set_auto_read(&mut self, on: bool) {
        self.auto_read = on;
    }

    /// A photo for the `kind` box, as a drop, a pick or the card brings it: the box shows it
    /// being prepared until the background answers.
    pub fn put_photo(&mut self, kind: PhotoKind, source: PhotoSource) {
        self.slots.busy.insert(kind, true);
        self.pending_photos.push((kind, source));
    }

    /// The worker as the form holds it now.
    pub fn worker(&self) -> &Worker {
        &self.form.worker
    }

    /// The photos in the form's four boxes, ready to send.
    pub fn photos(&self) -> &BTreeMap<PhotoKind, super::photos::SlotPhoto> {
        &self.slots.photos
    }

    /// A photo is still being prepared in one of the boxes.
    pub fn photos_pending(&self) -> bool {
        self.slots.busy.values().any(|b| *b)
    }

    /// The ID number just submitted, while the form waits for the station's answer.
    pub fn submitted(&self) -> Option<&str> {
        self.submitted.as_deref()
    }

    /// Background work for the form: drafts, photo preparation, ID look-ups.
    pub fn logic(&mut self, backend: &Backend, snap: &Snapshot) {
        if std::mem::take(&mut self.next_requested) {
            self.start_next();
        }
        self.preselect_defaults(snap);
        for (kind, source) in self.pending_photos.drain(..) {
            backend.send(Intent::NormalizePhoto { kind, source });
        }
        // Look the ID number up once it is complete: a known worker is loaded for update.
        let id = self.form.worker.id_code.trim().to_uppercase();
        if id.len() == 18 && id != self.looked_up && self.submitted.is_none() {
            self.looked_up = id.clone();
            if let Ok(parsed) = domain::parse_id_number(&id)
                && snap.worker(&parsed.code).is_some()
                && self.existing.as_ref().map(|e| &e.id_code) != Some(&parsed.code)
            {
                self.form.worker.id_code = parsed.code.clone();
                backend.send(Intent::LoadWorker(parsed.code));
            }
        }
        if !self.draft_restored || self.submitted.is_some() {
            return;
        }
        let due = self.last_draft_at.is_none_or(|t| t.elapsed() >= DRAFT_EVERY);
        if !due {
            self.ctx.request_repaint_after(DRAFT_EVERY);
            return;
        }
        let json = serde_json::to_string(&self.form).unwrap_or_default();
        if json != self.saved_fields_json {
            self.saved_fields_json = json.clone();
            self.last_draft_at = Some(Instant::now());
            backend.send(Intent::SaveDraft(Some(json)));
        }
        let key: Vec<(PhotoKind, usize)> = self.slots.photos.iter().map(|(k, p)| (*k, p.jpeg.len())).collect();
        if key != self.saved_photos_key {
            self.saved_photos_key = key;
            let map: BTreeMap<PhotoKind, String> = self
                .slots
                .photos
                .iter()
                .map(|(k, p)| (*k, base64::engine::general_purpose::STANDARD.encode(&p.jpeg)))
                .collect();
            backend.send(Intent::SaveDraftPhotos(serde_json::to_string(&map).ok()));
        }
    }

    fn composed_worker(&self) -> Worker {
        let mut w = self.form.worker.clone();
        w.pass_period = match (self.form.pass_start, self.form.pass_end) {
            (Some(s), Some(e)) => format!("{}:{}", s.format("%Y-%m-%d"), e.format("%Y-%m-%d")),
            (Some(s), None) => format!("{}:", s.format("%Y-%m-%d")),
            (None, _) => String::new(),
        };
        w
    }

    /// The station's rules for this form: the personnel type stays locked for a worker the
    /// platform already has, and "today" is today (the snapshot may be older than midnight).
    fn problems(&self, worker: &Worker, snap: &Snapshot) -> Vec<WorkerProblem> {
        let locked = self
            .existing
            .as_ref()
            .map(|e| e.locked_category.clone())
            .filter(|c| !c.is_empty());
        let today = self.clock.beijing_today();
        let base = &snap.worker_rules;
        if locked.is_none() && base.today == today {
            return worker.validate(self.present(), base);
        }
        let rules = WorkerRules {
            today,
            locked_category: locked,
            ..(**base).clone()
        };
        worker.validate(self.present(), &rules)
    }

    fn present(&self) -> PhotosPresent {
        let has = |k| self.slots.photos.contains_key(&k);
        PhotosPresent {
            id_photo: has(PhotoKind::IdPortrait),
            facephoto: has(PhotoKind::Face),
            idphoto_scan: has(PhotoKind::IdScanFront),
            idphoto_scan2: has(PhotoKind::IdScanBack),
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, snap: &Snapshot, out: &mut Vec<Command>) {
        self.handle_drops(ui);
        let worker = self.composed_worker();
        let problems = self.problems(&worker, snap);
        // Submit, the warnings to tick and what is missing stay in view on a small screen.
        egui::Panel::bottom("enroll_submit").show(ui, |ui| {
            ui.add_space(4.0);
            self.submit_ui(ui, &worker, &problems, out);
            ui.add_space(2.0);
        });
        if let Some(id) = self.submitted.clone() {
            egui::Panel::top("enroll_submitted").show(ui, |ui| self.submitted_banner(ui, snap, &id, out));
        }
        egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading(match &self.existing {
                    Some(e) if e.draft => "补全导入的人员",
                    Some(_) => "修改人员资料",
                    None => "人员登记",
                });
                if self.existing.as_ref().is_some_and(|e| e.draft) {
                    ui.label(
                        RichText::new("从 Excel 导入，还没有登记：请读卡、拍人脸照、添加身份证正反面后提交登记")
                            .color(super::widgets::draft_blue(ui)),
                    );
                } else if let Some(e) = &self.existing {
                    let emp = if e.emp_id.is_empty() {
                        "尚未上传".to_string()
                    } else {
                        format!("平台工号 {}", e.emp_id)
                    };
                    ui.label(
                        RichText::new(format!("此身份证号已登记过，已载入资料以便修改（{emp}）")).color(warn_amber(ui)),
                    );
                }
            });
            // A card placed after a submit starts the next worker: the reader stays usable.
            self.reader_ui(ui);
            ui.add_space(4.0);
            // A submitted form is read-only: an edit there would go nowhere. 修改此人 reopens it.
            let editable = self.submitted.is_none();
            ui.add_enabled_ui(editable, |ui| {
                ui.columns(2, |cols| {
                    self.fields_ui(&mut cols[0], snap, &problems);
                    self.photos_ui(&mut cols[1], &problems, out);
                });
            });
        });
    }

    fn photos_ui(&mut self, ui: &mut egui::Ui, problems: &[WorkerProblem], out: &mut Vec<Command>) {
        // The camera first: at 1366×768 the chip portrait, the live picture, the verdict and
        // 拍照 are in view without scrolling; the four slots follow.
        if self.camera.open {
            self.face_logic(out);
            let chip = self.slots.photos.get(&PhotoKind::IdPortrait).map(|p| p.texture.clone());
            let overlay = self.preview_overlay();
            let has_front_scan = self.slots.photos.contains_key(&PhotoKind::IdScanFront);
            let (face, match_flag) = (&mut self.face, &mut self.form.worker.match_flag);
            let captured = self.camera.ui_beside(ui, overlay, |ui| {
                face.beside_ui(ui, chip.as_ref(), has_front_scan, match_flag)
            });
            if let Some(frame) = captured {
                self.face_capture(frame, out);
            }
        }
        ui.label(RichText::new("照片（可把文件直接拖到框里）").strong());
        let mut actions = Vec::new();
        let errors: BTreeMap<PhotoKind, String> = FORM_PHOTOS
            .into_iter()
            .filter_map(|k| {
                let field = WorkerField::for_photo(k)?;
                self.message_for(problems, field).map(|(m, _)| (k, m))
            })
            .collect();
        for row in FORM_PHOTOS.chunks(2) {
            ui.horizontal(|ui| {
                for kind in row {
                    slot_ui(
                        ui,
                        &mut self.slots,
                        *kind,
                        errors.get(kind).map(String::as_str),
                        &mut actions,
                    );
                }
            });
        }
        for action in actions {
            match action {
                SlotAction::PickFile(kind) => out.push(Command::File(FileDialog::PickPhoto(kind))),
                SlotAction::OpenCamera => self.camera.show(),
                SlotAction::Remove(kind) => {
                    self.slots.photos.remove(&kind);
                }
            }
        }
    }

    fn handle_drops(&mut self, ui: &egui::Ui) {
        let (dropped, pos) = ui.ctx().input(|i| (i.raw.dropped_files.clone(), i.pointer.hover_pos()));
        for file in dropped {
            let kind = self.slots.drop_target(pos);
            self.slots.busy.insert(kind, true);
            let path = file.path().to_path_buf();
            let source = if path.as_os_str().is_empty() {
                match file.bytes() {
                    Ok(b) => PhotoSource::Bytes(b),
                    Err(e) => {
                        self.slots.errors.insert(kind, format!("读不了拖入的文件：{e}"));
                        continue;
                    }
                }
            } else {
                PhotoSource::File(path)
            };
            self.pending_photos.push((kind, source));
        }
    }
}

fn blank_form(today: NaiveDate) -> FormDraft {
    FormDraft {
        worker: Worker::default(),
        pass_start: Some(today),
        pass_end: None,
    }
}
