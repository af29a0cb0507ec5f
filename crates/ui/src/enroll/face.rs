//! 人证比对 on the form (issue 21): the verdict live beside the chip portrait and the camera,
//! one hint on the preview, 拍照 counted by the station's [`FaceCheck`], and the clerk's
//! confirmation or overrule. The face work runs on the [`FaceWorker`]; this only draws its
//! last report and sends it frames.

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Color32, RichText};

use super::EnrollScreen;
use crate::backend::face::{FaceAnalyser, FaceAnalysis, FaceJobKind, FaceUnavailable, FaceWorker};
use crate::backend::{Intent, PhotoSource};
use crate::widgets::{Palette, error_red, ok_green, warn_amber};
use domain::PhotoKind;
use media::camera::Frame;
use station::face::Verdict;
use station::face_check::{Attempt, FaceCheck, FaceCheckMode, FaceCheckState, MAX_CAPTURES, MatchFlag};

/// A preview frame goes to the face worker at most this often: five verdicts a second look
/// live, and the models (detection and two descriptors, ~50 ms in release) leave the second
/// core to the window and the camera most of the time.
const PREVIEW_EVERY: Duration = Duration::from_millis(200);

/// The face check's part of the screen.
pub struct FacePanel {
    analyser: Arc<dyn FaceAnalyser>,
    worker: Option<FaceWorker>,
    pub check: FaceCheck,
    /// The last preview frame's analysis.
    last: Option<FaceAnalysis>,
    /// The camera frame last sent to the worker, and when.
    sent_sequence: u64,
    sent_at: Option<Instant>,
    /// The card's pictures last sent (their textures: a new picture is a new texture).
    sent_references: (Option<egui::TextureId>, Option<egui::TextureId>),
    /// The face models cannot be used: said once, and the clerk decides by hand.
    unavailable: Option<FaceUnavailable>,
    /// A capture is with the worker.
    capturing: bool,
    /// The form was cleared while a capture was with the worker: its report belongs to the
    /// worker before and is dropped.
    discard_capture: bool,
    /// The last word for the clerk about a capture or an intent (and whether it is a problem).
    message: Option<(String, bool)>,
    /// 改判 is open: the flag the clerk chooses and why.
    overrule: Option<(MatchFlag, String)>,
}

impl FacePanel {
    pub fn new(analyser: Arc<dyn FaceAnalyser>, mode: FaceCheckMode) -> FacePanel {
        FacePanel {
            analyser,
            worker: None,
            check: FaceCheck::new(mode),
            last: None,
            sent_sequence: 0,
            sent_at: None,
            sent_references: (None, None),
            unavailable: None,
            capturing: false,
            discard_capture: false,
            message: None,
            overrule: None,
        }
    }

    /// Another worker: a new check (in `mode`), the worker's references to be sent again.
    pub fn restart(&mut self, mode: FaceCheckMode) {
        self.discard_capture = self.capturing;
        self.check = FaceCheck::new(mode);
        self.last = None;
        self.message = None;
        self.overrule = None;
        self.sent_references = (None, None);
    }

    /// Changes the mode of a check not begun (设置 saved while the form is empty).
    pub fn set_mode(&mut self, mode: FaceCheckMode) {
        if self.check.mode() != mode && self.check.is_untouched() {
            self.check = FaceCheck::new(mode);
        }
    }

    /// Replaces the face analyser (tests inject one with known answers).
    pub fn use_analyser(&mut self, analyser: Arc<dyn FaceAnalyser>) {
        self.analyser = analyser;
        self.worker = None;
        self.unavailable = None;
        self.sent_references = (None, None);
    }

    /// The camera was closed or the screen left: the worker's thread ends.
    pub fn stop(&mut self) {
        self.worker = None;
        self.last = None;
        self.capturing = false;
        self.sent_references = (None, None);
    }

    /// The face check decides `match_flag` (the radio buttons are locked).
    pub fn decided_flag(&self) -> Option<MatchFlag> {
        self.check.match_flag()
    }

    /// The preview's hint, when the worker has judged a frame.
    pub fn hint_text(&self) -> Option<&'static str> {
        self.last.as_ref().and_then(|a| a.hint).map(|h| h.text())
    }

    /// The last preview's verdict.
    pub fn live_verdict(&self) -> Option<Verdict> {
        self.last
            .as_ref()
            .and_then(|a| a.comparison.as_ref())
            .map(|c| c.verdict)
    }

    pub fn message(&self) -> Option<&str> {
        self.message.as_ref().map(|(m, _)| m.as_str())
    }

    pub fn is_capturing(&self) -> bool {
        self.capturing
    }

    fn worker(&mut self, ctx: &egui::Context) -> &FaceWorker {
        let analyser = Arc::clone(&self.analyser);
        self.worker.get_or_insert_with(|| {
            let ctx = ctx.clone();
            FaceWorker::start(analyser, Arc::new(move || ctx.request_repaint()))
        })
    }

    fn usable(&self, has_reference: bool) -> bool {
        has_reference && self.unavailable.is_none()
    }

    /// Left of the live picture: the chip portrait; under it, the verdict and what to do.
    pub(super) fn beside_ui(
        &mut self,
        ui: &mut egui::Ui,
        chip: Option<&egui::TextureHandle>,
        has_front_scan: bool,
        match_flag: &mut String,
    ) {
        ui.vertical(|ui| {
            ui.set_max_width(170.0);
            if let Some(chip) = chip {
                ui.label(RichText::new("芯片照片").small());
                let size = chip.size_vec2();
                let scale = (126.0 / size.y).min(1.5);
                ui.add(egui::Image::new(chip).fit_to_exact_size(size * scale));
            }
            let has_reference = chip.is_some() || has_front_scan;
            if let Some(why) = &self.unavailable {
                ui.label(RichText::new(why.to_string()).small().color(warn_amber(ui)));
                return;
            }
            if !has_reference {
                ui.label(RichText::new("读卡或添加身份证正面后自动比对人脸").small().weak());
                return;
            }
            self.verdict_ui(ui, match_flag);
        });
    }

    fn verdict_ui(&mut self, ui: &mut egui::Ui, match_flag: &mut String) {
        match self.live_verdict() {
            Some(v) => {
                let distance = self
                    .last
                    .as_ref()
                    .and_then(|a| a.comparison.as_ref())
                    .map(|c| c.distance)
                    .unwrap_or_default();
                ui.label(
                    RichText::new(format!("现场比对：{}", v.text()))
                        .strong()
                        .color(verdict_color(ui, v)),
                )
                .on_hover_text(format!("距离 {distance:.3}（小于 0.40 为一致，0.80 以上为不一致）"));
            }
            None if self.last.is_none() => {
                ui.label(RichText::new("正在比对…").small().weak());
            }
            None => {
                let text = match self.last.as_ref().and_then(|a| a.compare_problem.as_deref()) {
                    Some(why) => format!("{why}：机器比对不了，请对照照片手工选择“人证比对”"),
                    None => "现场比对：画面里没有人脸".into(),
                };
                ui.label(RichText::new(text).small().color(warn_amber(ui)));
            }
        }
        let attempts = self.check.attempts();
        if !attempts.is_empty() {
            let list: Vec<&str> = attempts.iter().map(|a| a.verdict.text()).collect();
            ui.label(RichText::new(format!("已拍 {}/{MAX_CAPTURES}：{}", attempts.len(), list.join("、"))).small());
        }
        if let Some((m, is_problem)) = &self.message {
            ui.label(
                RichText::new(m)
                    .small()
                    .color(if *is_problem { error_red(ui) } else { ok_green(ui) }),
            );
        }
        match self.check.state().clone() {
            FaceCheckState::Capturing => {}
            FaceCheckState::Proposed(flag) => {
                ui.label(
                    RichText::new(format!("{MAX_CAPTURES} 次都没有比对一致，建议选“{}”", flag.text()))
                        .strong()
                        .color(warn_amber(ui)),
                );
                if ui.button(format!("确认{}", flag.text())).clicked() {
                    self.confirm(match_flag);
                }
            }
            FaceCheckState::Decided(d) => {
                let flag = d.flag();
                ui.label(
                    RichText::new(format!("人证比对：{}", flag.text()))
                        .strong()
                        .color(if flag == MatchFlag::Y {
                            ok_green(ui)
                        } else {
                            error_red(ui)
                        }),
                );
            }
        }
        self.overrule_ui(ui, match_flag);
    }

    fn overrule_ui(&mut self, ui: &mut egui::Ui, match_flag: &mut String) {
        let untouched = self.check.is_untouched();
        ui.horizontal_wrapped(|ui| {
            if self.overrule.is_none() && !untouched && ui.small_button("改判").clicked() {
                let other = match self.check.match_flag() {
                    Some(MatchFlag::Y) => MatchFlag::N,
                    _ => MatchFlag::Y,
                };
                self.overrule = Some((other, String::new()));
            }
            if !untouched && ui.small_button("重新比对").clicked() {
                self.check.restart();
                self.message = None;
                self.overrule = None;
                match_flag.clear();
            }
        });
        let Some((flag, reason)) = &mut self.overrule else {
            return;
        };
        ui.horizontal(|ui| {
            ui.radio_value(flag, MatchFlag::Y, "改为一致");
            ui.radio_value(flag, MatchFlag::N, "改为不一致");
        });
        let l = ui.label(RichText::new("改判理由").small());
        ui.add(
            egui::TextEdit::singleline(reason)
                .hint_text("必填，记入记录历史")
                .desired_width(160.0),
        )
        .labelled_by(l.id);
        let mut done = false;
        ui.horizontal(|ui| {
            if ui.button("确认改判").clicked() {
                done = true;
            }
            if ui.small_button("取消改判").clicked() {
                self.overrule = None;
            }
        });
        if done {
            self.overrule(match_flag);
        }
    }

    fn confirm(&mut self, match_flag: &mut String) {
        match self.check.confirm() {
            Ok(flag) => {
                *match_flag = flag.as_str().to_string();
                self.message = None;
            }
            Err(e) => self.message = Some((e.to_string(), true)),
        }
    }

    fn overrule(&mut self, match_flag: &mut String) {
        let Some((flag, reason)) = self.overrule.clone() else {
            return;
        };
        match self.check.overrule(flag, &reason) {
            Ok(flag) => {
                *match_flag = flag.as_str().to_string();
                self.overrule = None;
                self.message = None;
            }
            Err(e) => self.message = Some((e.to_string(), true)),
        }
    }
}

impl EnrollScreen {
    fn face_references(&self) -> (Option<&[u8]>, Option<&[u8]>) {
        let jpeg = |k| self.slots.photos.get(&k).map(|p| p.jpeg.as_slice());
        (jpeg(PhotoKind::IdPortrait), jpeg(PhotoKind::IdScanFront))
    }

    /// Feeds the worker the camera's newest frame and takes its reports. Called every frame
    /// while the camera is open.
    pub(super) fn face_logic(&mut self, out: &mut Vec<crate::app::Command>) {
        let photos = &self.slots.photos;
        let chip = photos.get(&PhotoKind::IdPortrait);
        let front = photos.get(&PhotoKind::IdScanFront);
        let has_reference = chip.is_some() || front.is_some();
        let refs_key = (chip.map(|p| p.texture.id()), front.map(|p| p.texture.id()));
        let latest = self.camera.latest_with_sequence();
        let ctx = self.ctx.clone();
        let face = &mut self.face;
        if face.usable(has_reference) {
            // Copied only when they change: this runs on every frame of the window.
            if face.sent_references != refs_key {
                face.sent_references = refs_key;
                face.worker(&ctx)
                    .set_references(chip.map(|p| p.jpeg.clone()), front.map(|p| p.jpeg.clone()));
            }
            let due = face.sent_at.is_none_or(|t| t.elapsed() >= PREVIEW_EVERY);
            if let Some((sequence, frame)) = latest
                && sequence != face.sent_sequence
                && due
            {
                face.sent_sequence = sequence;
                face.sent_at = Some(Instant::now());
                face.worker(&ctx).preview(sequence, frame);
            }
        }
        while let Some(report) = face.worker.as_ref().and_then(FaceWorker::try_report) {
            let analysis = match report.result {
                Ok(a) => Some(a),
                Err(unavailable) => {
                    face.unavailable = Some(unavailable);
                    None
                }
            };
            match report.kind {
                FaceJobKind::Preview(_) => face.last = analysis,
                FaceJobKind::Capture { .. } if std::mem::take(&mut face.discard_capture) => {
                    face.capturing = false;
                }
                FaceJobKind::Capture { id_photo, frame } => {
                    face.capturing = false;
                    let photo = count_capture(face, analysis.as_ref(), id_photo).unwrap_or(frame);
                    out.push(crate::app::Command::Backend(Intent::NormalizePhoto {
                        kind: PhotoKind::Face,
                        source: PhotoSource::Frame(photo),
                    }));
                }
            }
        }
        if let Some(flag) = self.face.decided_flag() {
            self.form.worker.match_flag = flag.as_str().to_string();
        }
    }

    /// 拍照: with a card to compare with and the models there, the worker judges the frame
    /// first (the photo is framed from it); else the frame is the photo, as before.
    pub(super) fn face_capture(&mut self, frame: Arc<Frame>, out: &mut Vec<crate::app::Command>) {
        self.slots.busy.insert(PhotoKind::Face, true);
        let (chip, front) = self.face_references();
        let has_reference = chip.is_some() || front.is_some();
        if self.face.usable(has_reference) {
            self.face.capturing = true;
            let ctx = self.ctx.clone();
            self.face.worker(&ctx).capture(frame);
        } else {
            out.push(crate::app::Command::Backend(Intent::NormalizePhoto {
                kind: PhotoKind::Face,
                source: PhotoSource::Frame(frame),
            }));
        }
    }

    /// The one hint on the preview, and its colour.
    pub(super) fn preview_overlay(&self) -> Option<(&'static str, Color32)> {
        let (chip, front) = self.face_references();
        if !self.face.usable(chip.is_some() || front.is_some()) {
            return None;
        }
        if self.face.is_capturing() {
            return Some(("正在比对这张照片…", OVERLAY_TEXT));
        }
        self.face.hint_text().map(|h| (h, OVERLAY_TEXT))
    }
}

/// A judged capture counts as an attempt; the photo is its ID-photo crop. Without a face (or
/// models) the frame itself is kept and nothing is counted.
fn count_capture(
    face: &mut FacePanel,
    analysis: Option<&FaceAnalysis>,
    id_photo: Option<Arc<Frame>>,
) -> Option<Arc<Frame>> {
    let analysis = analysis?;
    let Some(comparison) = &analysis.comparison else {
        let text = match &analysis.compare_problem {
            // The card's picture is at fault: another capture would not help.
            Some(why) => format!("{why}：照片已保留，不计入比对；请对照照片手工选择“人证比对”"),
            None => "这张照片里没有找到人脸：照片已保留，这次不计入比对，请让工人正对摄像头后重拍".into(),
        };
        face.message = Some((text, true));
        return id_photo;
    };
    let attempt = Attempt {
        verdict: comparison.verdict,
        distance: comparison.distance,
    };
    face.message = match face.check.capture(attempt) {
        Ok(_) => {
            let several = analysis.faces > 1;
            let note = if several {
                "（画面里有几张脸，按最大的一张比对）"
            } else {
                ""
            };
            Some((
                format!("这张照片比对：{}{note}", attempt.verdict.text()),
                attempt.verdict != Verdict::Match,
            ))
        }
        Err(e) => Some((e.to_string(), false)),
    };
    id_photo
}

fn verdict_color(ui: &egui::Ui, v: Verdict) -> Color32 {
    match v {
        Verdict::Match => ok_green(ui),
        Verdict::Uncertain => warn_amber(ui),
        Verdict::Different => error_red(ui),
    }
}

/// The hint sits on a dark band across the preview's foot whatever the theme: the dark
/// palette's amber is the one made to be read on black.
const OVERLAY_TEXT: Color32 = Palette::DARK.warn;
