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
use super::backend::{Backend, Event, Intent, PhotoSource, Snapshot};
use super::photos::{CameraPanel, FORM_PHOTOS, PhotoSlots, SlotAction, slot_ui};
use super::widgets::{ERROR_RED, OK_GREEN, WARN_AMBER, dict_combo, field_label, field_message, name_combo, text_row};
use crate::api::{Endpoint, PlatformClock};
use crate::domain::{PhotoKind, PhotosPresent, RecordState, Severity, Worker, WorkerField, WorkerProblem, WorkerRules};
use crate::media::camera::CameraProvider;

mod parts;
use parts::{date_button, id_summary, split_pass_period};

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
}

const DRAFT_EVERY: Duration = Duration::from_millis(800);

pub struct EnrollScreen {
    pub form: FormDraft,
    pub slots: PhotoSlots,
    camera: CameraPanel,
    touched: HashSet<WorkerField>,
    submit_attempted: bool,
    searches: BTreeMap<WorkerField, String>,
    /// After submit: whose state to follow.
    pub submitted: Option<String>,
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
}

impl EnrollScreen {
    pub fn new(cameras: Arc<dyn CameraProvider>, ctx: egui::Context, clock: Arc<PlatformClock>) -> EnrollScreen {
        EnrollScreen {
            form: blank_form(clock.beijing_today()),
            slots: PhotoSlots::default(),
            camera: CameraPanel::new(cameras, ctx.clone()),
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
        }
    }

    /// Why the last submit stored nothing, as shown beside the button.
    pub fn save_error(&self) -> Option<&str> {
        self.save_error.as_deref()
    }

    /// Starts a clean form (登记下一位).
    pub fn reset(&mut self, backend: &Backend) {
        self.form = blank_form(self.clock.beijing_today());
        self.slots.clear();
        self.touched.clear();
        self.submit_attempted = false;
        self.submitted = None;
        self.existing = None;
        self.looked_up.clear();
        self.acknowledged = false;
        self.acknowledged_for.clear();
        self.camera.close();
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
                if let Some(form) = fields
                    .as_deref()
                    .and_then(|j| serde_json::from_str::<FormDraft>(j).ok())
                {
                    self.saved_fields_json = serde_json::to_string(&form).unwrap_or_default();
                    self.looked_up = form.worker.id_code.clone();
                    self.form = form;
                }
                if let Some(map) = photos
                    .as_deref()
                    .and_then(|j| serde_json::from_str::<BTreeMap<PhotoKind, String>>(j).ok())
                {
                    self.restore_photos(map);
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
                });
                let map = photos
                    .iter()
                    .map(|(k, j)| (*k, base64::engine::general_purpose::STANDARD.encode(j)))
                    .collect();
                self.slots.clear();
                self.restore_photos(map);
            }
            _ => {}
        }
    }

    fn restore_photos(&mut self, map: BTreeMap<PhotoKind, String>) {
        for (kind, b64) in map {
            if let Ok(jpeg) = base64::engine::general_purpose::STANDARD.decode(b64) {
                self.slots.busy.insert(kind, true);
                self.pending_photos.push((kind, PhotoSource::Stored(jpeg)));
            }
        }
    }

    /// Background work for the form: drafts, photo preparation, ID look-ups.
    pub fn logic(&mut self, backend: &Backend, snap: &Snapshot) {
        if std::mem::take(&mut self.next_requested) {
            self.reset(backend);
        }
        for (kind, source) in self.pending_photos.drain(..) {
            backend.send(Intent::NormalizePhoto { kind, source });
        }
        // Look the ID number up once it is complete: a known worker is loaded for update.
        let id = self.form.worker.id_code.trim().to_uppercase();
        if id.len() == 18 && id != self.looked_up && self.submitted.is_none() {
            self.looked_up = id.clone();
            if let Ok(parsed) = crate::domain::parse_id_number(&id)
                && snap.workers.iter().any(|w| w.id_code == parsed.code)
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
        egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
            if let Some(id) = self.submitted.clone() {
                self.submitted_banner(ui, snap, &id, out);
                ui.separator();
            }
            ui.horizontal(|ui| {
                ui.heading(if self.existing.is_some() {
                    "修改人员资料"
                } else {
                    "人员登记"
                });
                if let Some(e) = &self.existing {
                    let emp = if e.emp_id.is_empty() {
                        "尚未上传".to_string()
                    } else {
                        format!("平台工号 {}", e.emp_id)
                    };
                    ui.label(
                        RichText::new(format!("此身份证号已登记过，已载入资料以便修改（{emp}）")).color(WARN_AMBER),
                    );
                }
            });
            // A submitted form is read-only: an edit there would go nowhere. 修改此人 reopens it.
            let editable = self.submitted.is_none();
            ui.add_enabled_ui(editable, |ui| {
                ui.columns(2, |cols| {
                    self.fields_ui(&mut cols[0], snap, &problems);
                    self.photos_ui(&mut cols[1], &problems, out);
                });
            });
            ui.separator();
            self.submit_ui(ui, &worker, &problems, out);
        });
    }

    /// The message for a field: shown once the clerk left it, or after a submit attempt.
    fn message_for<'p>(&self, problems: &'p [WorkerProblem], field: WorkerField) -> Option<(&'p str, bool)> {
        if !self.submit_attempted && !self.touched.contains(&field) {
            return None;
        }
        super::widgets::field_problem(problems, field)
    }

    fn touch(&mut self, field: WorkerField, r: &egui::Response) {
        if r.lost_focus() || r.changed() && !r.has_focus() {
            self.touched.insert(field);
        }
    }

    fn fields_ui(&mut self, ui: &mut egui::Ui, snap: &Snapshot, problems: &[WorkerProblem]) {
        let locked = self.existing.as_ref().is_some_and(|e| !e.locked_category.is_empty());
        egui::Grid::new("enroll_fields")
            .num_columns(2)
            .spacing([12.0, 8.0])
            .show(ui, |ui| {
                let msg = self
                    .message_for(problems, WorkerField::IdCode)
                    .map(|(m, e)| (m.to_string(), e));
                let r = text_row(
                    ui,
                    "身份证号码",
                    true,
                    &mut self.form.worker.id_code,
                    "18 位，末位可以是 X",
                    msg.as_ref().map(|(m, e)| (m.as_str(), *e)),
                );
                self.touch(WorkerField::IdCode, &r);
                ui.label("");
                ui.label(RichText::new(id_summary(&self.form.worker.id_code, self.clock.beijing_today())).small());
                ui.end_row();

                self.text_rows(
                    ui,
                    problems,
                    &[
                        (WorkerField::EmpName, "与身份证一致"),
                        (WorkerField::EmpPhone, "11 位手机号"),
                        (WorkerField::EmpNativeplace, "身份证上的住址"),
                        (WorkerField::IdAgency, "身份证背面的签发机关"),
                    ],
                );

                // 有效期限 with a 长期 option.
                let msg = self
                    .message_for(problems, WorkerField::IdValiddate)
                    .map(|(m, e)| (m.to_string(), e));
                let l = field_label(ui, "有效期限", true);
                ui.horizontal(|ui| {
                    let r = ui
                        .add(
                            egui::TextEdit::singleline(&mut self.form.worker.id_validdate)
                                .hint_text("2015.06.01-2035.06.01")
                                .desired_width(200.0),
                        )
                        .labelled_by(l.id);
                    self.touch(WorkerField::IdValiddate, &r);
                    let mut long_term = self.form.worker.id_validdate.ends_with("长期");
                    if ui.checkbox(&mut long_term, "长期").changed() {
                        let start = self
                            .form
                            .worker
                            .id_validdate
                            .split('-')
                            .next()
                            .unwrap_or_default()
                            .to_string();
                        self.form.worker.id_validdate = if long_term {
                            format!("{start}-长期")
                        } else {
                            format!("{start}-")
                        };
                    }
                    field_message(ui, msg.as_ref().map(|(m, e)| (m.as_str(), *e)));
                });
                ui.end_row();
                ui.label("");
                ui.horizontal(|ui| {
                    // The same period from date pickers, for clerks who prefer a calendar.
                    let today = self.clock.beijing_today();
                    let parsed = crate::domain::parse_id_validity(&self.form.worker.id_validdate).ok();
                    let mut start = parsed.as_ref().map(|v| v.start).unwrap_or(today);
                    let long_term = self.form.worker.id_validdate.ends_with("长期");
                    let mut end = parsed
                        .as_ref()
                        .and_then(|v| v.end)
                        .unwrap_or(start + chrono::Duration::days(365 * 10));
                    let from = ui.label(RichText::new("有效期起").small());
                    let mut changed = date_button(ui, "validity_start", &mut start, from.id);
                    if !long_term {
                        let to = ui.label(RichText::new("有效期止").small());
                        changed |= date_button(ui, "validity_end", &mut end, to.id);
                    }
                    if changed {
                        let v = crate::domain::IdValidity {
                            start,
                            end: (!long_term).then_some(end),
                        };
                        self.form.worker.id_validdate = v.to_card_string();
                        self.touched.insert(WorkerField::IdValiddate);
                    }
                });
                ui.end_row();

                let names: Vec<String> = crate::domain::ETHNIC_GROUPS
                    .iter()
                    .map(|(_, n)| n.to_string())
                    .collect();
                self.combo_row(ui, problems, WorkerField::EmpNation, |ui, id, value, search| {
                    name_combo(ui, "emp_nation", id, value, &names, search)
                });
                let companies: Vec<String> = snap
                    .companies
                    .iter()
                    .filter(|c| !c.removing)
                    .map(|c| c.company.company_name.clone())
                    .collect();
                self.combo_row(ui, problems, WorkerField::EmpCompany, |ui, id, value, search| {
                    name_combo(ui, "emp_company", id, value, &companies, search)
                });
                let cats = snap.dictionary(Endpoint::DictListEmpCategory).to_vec();
                self.combo_row(ui, problems, WorkerField::EmpCategory, |ui, id, value, search| {
                    ui.add_enabled_ui(!locked, |ui| dict_combo(ui, "emp_category", id, value, &cats, search))
                        .inner
                });
                if locked {
                    ui.label("");
                    ui.label(RichText::new("人员类型上传后平台不允许修改").small().color(WARN_AMBER));
                    ui.end_row();
                }
                let types = snap.dictionary(Endpoint::DictListJobTypeName).to_vec();
                self.combo_row(ui, problems, WorkerField::JobTypename, |ui, id, value, search| {
                    dict_combo(ui, "job_typename", id, value, &types, search)
                });
                let trades = snap.dictionary(Endpoint::DictListJobName).to_vec();
                self.combo_row(ui, problems, WorkerField::JobName, |ui, id, value, search| {
                    dict_combo(ui, "job_name", id, value, &trades, search)
                });

                // 通行时段: start, and an end unless open-ended.
                let msg = self
                    .message_for(problems, WorkerField::PassPeriod)
                    .map(|(m, e)| (m.to_string(), e));
                let l = field_label(ui, "通行时段", true);
                let today = self.clock.beijing_today();
                ui.horizontal(|ui| {
                    let start = self.form.pass_start.get_or_insert(today);
                    date_button(ui, "pass_start", start, l.id);
                    let to = ui.label("至");
                    let mut open = self.form.pass_end.is_none();
                    if ui.checkbox(&mut open, "不限结束日期").changed() {
                        self.form.pass_end = if open {
                            None
                        } else {
                            Some(*start + chrono::Duration::days(365))
                        };
                    }
                    if let Some(end) = &mut self.form.pass_end {
                        date_button(ui, "pass_end", end, to.id);
                    }
                    field_message(ui, msg.as_ref().map(|(m, e)| (m.as_str(), *e)));
                });
                ui.end_row();

                let msg = self
                    .message_for(problems, WorkerField::MatchFlag)
                    .map(|(m, e)| (m.to_string(), e));
                field_label(ui, "人证比对", true);
                ui.horizontal(|ui| {
                    let w = &mut self.form.worker;
                    ui.radio_value(&mut w.match_flag, "Y".to_string(), "人证一致");
                    ui.radio_value(&mut w.match_flag, "N".to_string(), "人证不一致");
                    field_message(ui, msg.as_ref().map(|(m, e)| (m.as_str(), *e)));
                });
                ui.end_row();
                let msg = self
                    .message_for(problems, WorkerField::ContractStatus)
                    .map(|(m, e)| (m.to_string(), e));
                field_label(ui, "合同办理", true);
                ui.horizontal(|ui| {
                    let w = &mut self.form.worker;
                    ui.radio_value(&mut w.contract_status, "1".to_string(), "已签合同");
                    ui.radio_value(&mut w.contract_status, "0".to_string(), "未签合同");
                    field_message(ui, msg.as_ref().map(|(m, e)| (m.as_str(), *e)));
                });
                ui.end_row();

                self.text_rows(
                    ui,
                    problems,
                    &[
                        (WorkerField::EmpDept, "选填"),
                        (WorkerField::JobDept, "选填"),
                        (WorkerField::TeamName, "选填，只保存在本机"),
                        (WorkerField::EmpBankname, "选填，工资卡开户行"),
                        (WorkerField::EmpCardnum, "选填"),
                    ],
                );
            });
    }

    /// Plain text fields, one grid row each, with their message once left.
    fn text_rows(&mut self, ui: &mut egui::Ui, problems: &[WorkerProblem], fields: &[(WorkerField, &str)]) {
        for &(field, hint) in fields {
            let msg = self.message_for(problems, field).map(|(m, e)| (m.to_string(), e));
            let Some(value) = field.text_mut(&mut self.form.worker) else {
                continue;
            };
            let r = text_row(
                ui,
                field.label(),
                field.required(),
                value,
                hint,
                msg.as_ref().map(|(m, e)| (m.as_str(), *e)),
            );
            self.touch(field, &r);
        }
    }

    fn combo_row(
        &mut self,
        ui: &mut egui::Ui,
        problems: &[WorkerProblem],
        field: WorkerField,
        combo: impl FnOnce(&mut egui::Ui, egui::Id, &mut String, &mut String) -> egui::Response,
    ) {
        let msg = self.message_for(problems, field).map(|(m, e)| (m.to_string(), e));
        let l = field_label(ui, field.label(), true);
        let search = self.searches.entry(field).or_default();
        let Some(value) = field.text_mut(&mut self.form.worker) else {
            return;
        };
        let before = value.clone();
        ui.horizontal(|ui| {
            combo(ui, l.id, value, search);
            field_message(ui, msg.as_ref().map(|(m, e)| (m.as_str(), *e)));
        });
        if *value != before {
            self.touched.insert(field);
        }
        ui.end_row();
    }

    fn photos_ui(&mut self, ui: &mut egui::Ui, problems: &[WorkerProblem], out: &mut Vec<Command>) {
        ui.label(RichText::new("照片（可把文件直接拖到框里）").strong());
        let mut actions = Vec::new();
        let errors: BTreeMap<PhotoKind, String> = FORM_PHOTOS
            .into_iter()
            .filter_map(|k| {
                let field = WorkerField::for_photo(k)?;
                self.message_for(problems, field).map(|(m, _)| (k, m.to_string()))
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
        if self.camera.open
            && let Some(frame) = self.camera.ui(ui)
        {
            self.slots.busy.insert(PhotoKind::Face, true);
            out.push(Command::Backend(Intent::NormalizePhoto {
                kind: PhotoKind::Face,
                source: PhotoSource::Frame(frame),
            }));
        }
        for action in actions {
            match action {
                SlotAction::PickFile(kind) => out.push(Command::PickPhotoFile(kind)),
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

    fn submit_ui(&mut self, ui: &mut egui::Ui, worker: &Worker, problems: &[WorkerProblem], out: &mut Vec<Command>) {
        let errors: Vec<&WorkerProblem> = problems.iter().filter(|p| p.severity == Severity::Error).collect();
        let warnings: Vec<&WorkerProblem> = problems.iter().filter(|p| p.severity == Severity::Warning).collect();
        // A warning (expired card, age outside the site's limits) must be acknowledged once
        // per set of warnings: a new warning needs a new tick.
        let warning_key: Vec<String> = warnings.iter().map(|w| w.message.clone()).collect();
        if warning_key != self.acknowledged_for {
            self.acknowledged = false;
        }
        for w in &warnings {
            ui.label(RichText::new(format!("提醒：{}", w.message)).color(WARN_AMBER));
        }
        if !warnings.is_empty()
            && ui
                .checkbox(&mut self.acknowledged, "已核对以上提醒，仍要登记")
                .changed()
        {
            self.acknowledged_for = warning_key.clone();
        }
        let needs_ack = !warnings.is_empty() && !self.acknowledged;
        ui.horizontal(|ui| {
            let label = if self.existing.is_some() {
                "提交修改"
            } else {
                "提交登记"
            };
            if ui
                .add_enabled(
                    self.submitted.is_none(),
                    egui::Button::new(RichText::new(label).strong()),
                )
                .clicked()
            {
                if errors.is_empty() && !needs_ack {
                    let photos = self.slots.photos.iter().map(|(k, p)| (*k, p.jpeg.clone())).collect();
                    let id = worker.normalized().id_code;
                    out.push(Command::Backend(Intent::SaveWorker {
                        worker: Box::new(worker.clone()),
                        photos,
                    }));
                    self.submitted = Some(id);
                    self.save_error = None;
                    self.camera.close();
                } else {
                    self.submit_attempted = true;
                }
            }
            if ui.button("清空重填").clicked() {
                out.push(Command::Notice("已清空表格".into()));
                self.form = blank_form(self.clock.beijing_today());
                self.slots.clear();
                self.touched.clear();
                self.submit_attempted = false;
                self.existing = None;
                self.looked_up.clear();
            }
            // Right beside the button, so a press never seems to do nothing.
            if self.submit_attempted && !errors.is_empty() {
                let mut missing: Vec<&str> = errors.iter().map(|p| p.field.label()).collect();
                missing.dedup();
                ui.label(RichText::new(format!("还不能提交，请先处理：{}", missing.join("、"))).color(ERROR_RED));
            } else if self.submit_attempted && needs_ack {
                ui.label(RichText::new("还不能提交：请先核对上面的提醒并勾选“已核对”").color(ERROR_RED));
            }
        });
        if let Some(e) = &self.save_error {
            ui.label(RichText::new(e).color(ERROR_RED));
        }
    }

    fn submitted_banner(&mut self, ui: &mut egui::Ui, snap: &Snapshot, id_code: &str, out: &mut Vec<Command>) {
        let row = snap.workers.iter().find(|w| w.id_code == id_code);
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.horizontal(|ui| {
                let name = row.map(|r| r.emp_name.as_str()).unwrap_or(&self.form.worker.emp_name);
                let (text, color) = match row.map(|r| r.state) {
                    None => ("正在保存…".to_string(), WARN_AMBER),
                    Some(RecordState::Pending) => ("待上传（已保存在本机，联网后自动上传）".to_string(), WARN_AMBER),
                    Some(RecordState::Sent) => ("已上传".to_string(), OK_GREEN),
                    Some(RecordState::Departed) => ("已离场".to_string(), OK_GREEN),
                    Some(RecordState::NeedsFix) => (
                        format!("需处理：{}", row.map(|r| r.sync_message.as_str()).unwrap_or_default()),
                        ERROR_RED,
                    ),
                };
                ui.label(RichText::new(format!("{name}：")).strong());
                ui.label(RichText::new(text).color(color).strong());
                if ui.button("登记下一位").clicked() {
                    out.push(Command::Notice(format!("{name} 的登记已提交")));
                    self.next_requested = true;
                }
                let edit_text = if row.is_some_and(|r| r.state == RecordState::NeedsFix) {
                    "修改后重新提交"
                } else {
                    "修改此人"
                };
                if row.is_some() && ui.button(edit_text).clicked() {
                    out.push(Command::EditWorker(id_code.to_string()));
                }
            });
        });
    }
}

fn blank_form(today: NaiveDate) -> FormDraft {
    FormDraft {
        worker: Worker::default(),
        pass_start: Some(today),
        pass_end: None,
    }
}
