//! 人证比对 on the enrollment screen (issue 21 items 3 and 4): the verdict live beside the two
//! faces, 拍照 counted, three captures without 一致 → N proposed and confirmed, a 一致 → Y, an
//! overrule only with a reason, and the distances in the worker's history. The face worker
//! is given an analyser with known answers (the real models are exercised by crates/face's
//! own tests and are too slow in a debug build for every UI test); the worker thread, the
//! station's count and the ID-photo framing are the real ones.

use crate::common;

use std::path::Path;
use std::sync::{Arc, Mutex};

use common::ui::*;
use common::*;
use cwr_station::domain::PhotoKind;
use cwr_station::station::FACE_CHECK_ACTION;
use cwr_station::station::face::{Comparison, DetectedFace, FaceBox, Hint, Point, Reference, Thresholds, Verdict};
use cwr_station::station::face_check::{FaceCheckState, MatchFlag};
use cwr_station::store::Store;
use cwr_station::ui::backend::face::{FaceAnalyser, FaceAnalysis, FaceUnavailable, References};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

const COMPANY: &str = "深圳市安居劳务分包有限公司";
/// The demo's first prepared card.
const FIRST: &str = "440305199203150027";

/// Answers every frame with one centred face and the verdict the test sets.
struct Scripted {
    answer: Mutex<(Verdict, f32)>,
}

impl Scripted {
    fn new(verdict: Verdict, distance: f32) -> Arc<Scripted> {
        Arc::new(Scripted {
            answer: Mutex::new((verdict, distance)),
        })
    }
}

impl FaceAnalyser for Scripted {
    fn analyse(&self, live: &image::RgbImage, refs: &References) -> Result<FaceAnalysis, FaceUnavailable> {
        let (verdict, distance) = *self.answer.lock().expect("answer");
        let (w, h) = (live.width() as f32, live.height() as f32);
        let (cx, cy, side) = (w / 2.0, h * 0.45, w * 0.3);
        let p = |x: f32, y: f32| Point {
            x_px: cx + x * side,
            y_px: cy + y * side,
        };
        let face = DetectedFace {
            face_box: FaceBox {
                left_px: cx - side / 2.0,
                top_px: cy - side / 2.0,
                right_px: cx + side / 2.0,
                bottom_px: cy + side / 2.0,
            },
            score: 0.9,
            keypoints: [
                p(-0.2, -0.15),
                p(0.2, -0.15),
                p(0.0, 0.05),
                p(0.0, 0.25),
                p(-0.45, 0.0),
                p(0.45, 0.0),
            ],
        };
        let comparison = refs.chip.as_ref().map(|_| Comparison {
            faces: [1, 1],
            distance,
            threshold: Thresholds::CALIBRATED.match_below,
            verdict,
            is_match: verdict == Verdict::Match,
            chip_distance: Some(distance),
            front_scan_distance: None,
            front_scan_faces: None,
            decided_by: Reference::Chip,
            thresholds: Thresholds::CALIBRATED,
        });
        Ok(FaceAnalysis {
            hint: None::<Hint>,
            faces: 1,
            largest: Some(face),
            comparison,
            compare_problem: None,
        })
    }
}

/// Frames until `done` holds: no sleeping, at most `MAX_STEPS` frames (a frame takes a few
/// milliseconds, so the face worker and the camera get wall time between them).
fn until(h: &mut Harness<'static, UiState>, what: &str, done: impl Fn(&cwr_station::ui::StationApp) -> bool) {
    const MAX_STEPS: usize = 5_000;
    for _ in 0..MAX_STEPS {
        h.step();
        if h.state().app.as_ref().is_some_and(&done) {
            return;
        }
    }
    panic!("not within {MAX_STEPS} frames: {what}");
}

/// A click shows on the next frame or two.
fn frames(h: &mut Harness<'static, UiState>, n: usize) {
    for _ in 0..n {
        h.step();
    }
}

/// A window at 1366×768 with the first demo card read, the camera live and `analyser`
/// judging its frames.
fn card_and_camera(data: &Path, base_url: &str, analyser: Arc<Scripted>) -> Harness<'static, UiState> {
    let config = demo_config(base_url);
    let secret = cwr_station::api::Secret::new(cwr_station::sim::SimConfig::demo().api_secret);
    let mut h = harness_sized(data, config, secret, egui::vec2(1366.0, 768.0));
    until(&mut h, "companies and dictionaries", |app| {
        !app.snapshot.companies.is_empty() && app.snapshot.dictionaries.len() == 4
    });
    h.state_mut().app_mut().enroll.use_face_analyser(analyser);
    h.get_by_label("模拟读卡").click();
    until(&mut h, "chip photo prepared", |app| {
        app.enroll.worker().id_code == FIRST && app.enroll.photos().contains_key(&PhotoKind::IdPortrait)
    });
    h.get_by_label("摄像头").click();
    until(&mut h, "a live verdict", |app| {
        app.enroll.camera_live() && app.enroll.live_verdict().is_some()
    });
    h
}

/// 拍照, then frames until the capture is judged and its photo is in the face slot.
fn capture(h: &mut Harness<'static, UiState>) {
    let before = h.state().app().enroll.face_check().attempts().len();
    h.get_by_label("拍照").click();
    until(h, "capture judged", |app| {
        app.enroll.face_check().attempts().len() > before
            || app.enroll.face_check().state() != &FaceCheckState::Capturing
    });
    until(h, "face photo prepared", |app| {
        app.enroll.photos().contains_key(&PhotoKind::Face) && !app.enroll.photos_pending()
    });
    frames(h, 2);
}

/// The rest of the form, the two scans, 提交登记, and the worker as stored.
fn complete_and_submit(h: &mut Harness<'static, UiState>, dir: &Path, data: &Path) -> (String, Vec<String>) {
    let front = dir.join("front.jpg");
    let back = dir.join("back.jpg");
    std::fs::write(&front, jpeg_bytes(800, 500)).expect("front");
    std::fs::write(&back, jpeg_bytes(800, 500)).expect("back");
    type_into(h, "手机号", "13800138000");
    choose(h, "所属单位", COMPANY);
    choose(h, "人员类型", "劳务工人");
    choose(h, "工种/岗位类别", "一般作业工种");
    choose(h, "工种名称", "木工");
    h.get_by_label("已签合同").click();
    frames(h, 2);
    for (kind, path) in [(PhotoKind::IdScanFront, &front), (PhotoKind::IdScanBack, &back)] {
        let bytes = std::fs::read(path).expect("scan");
        h.state_mut()
            .app_mut()
            .enroll
            .put_photo(kind, cwr_station::ui::backend::PhotoSource::Bytes(bytes));
    }
    until(h, "four photos", |app| {
        app.enroll.photos().len() == 4 && !app.enroll.photos_pending()
    });
    frames(h, 2);
    h.get_by_label("提交登记").click();
    until(h, "saved", |app| {
        app.snapshot.workers.iter().any(|w| w.id_code == FIRST)
    });
    frames(h, 3);
    let store = Store::open_in(data).expect("store");
    let id = cwr_station::domain::IdNumber::parse(FIRST).expect("valid");
    let detail = cwr_station::station::lists::worker_detail(&store, &id)
        .expect("read")
        .expect("worker on file");
    let history = detail
        .history
        .iter()
        .filter(|l| l.action == FACE_CHECK_ACTION)
        .map(|l| l.detail.clone())
        .collect();
    (detail.record.worker.match_flag, history)
}

#[test]
fn three_captures_without_a_match_propose_n_which_the_clerk_confirms() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_companies(dir.path());
    let answers = Scripted::new(Verdict::Uncertain, 0.552);
    let mut h = card_and_camera(&data, &sim.base_url(), Arc::clone(&answers));
    assert!(h.query_by_label_contains("现场比对：不确定").is_some());

    capture(&mut h);
    *answers.answer.lock().expect("answer") = (Verdict::Different, 0.861);
    capture(&mut h);
    assert_eq!(h.state().app().enroll.face_check().state(), &FaceCheckState::Capturing);
    assert!(
        h.state().app().enroll.worker().match_flag.is_empty(),
        "nothing decided after two"
    );
    capture(&mut h);
    assert_eq!(
        h.state().app().enroll.face_check().state(),
        &FaceCheckState::Proposed(MatchFlag::N)
    );
    assert!(h.query_by_label_contains("3 次都没有比对一致").is_some());
    assert!(
        h.state().app().enroll.worker().match_flag.is_empty(),
        "proposed, not yet confirmed"
    );

    // The face photo is the ID-photo crop of the frame: portrait, head and shoulders.
    {
        let photo = &h.state().app().enroll.photos()[&PhotoKind::Face];
        assert!(photo.height > photo.width, "{}×{}", photo.width, photo.height);
    }

    // A fourth 拍照 keeps the photo but counts nothing.
    h.get_by_label("拍照").click();
    until(&mut h, "fourth capture answered", |app| {
        app.enroll.face_message().is_some_and(|m| m.contains("不再计入"))
    });
    assert_eq!(h.state().app().enroll.face_check().attempts().len(), 3);

    h.get_by_label("确认人证不一致").click();
    frames(&mut h, 2);
    assert_eq!(h.state().app().enroll.worker().match_flag, "N");

    let (flag, history) = complete_and_submit(&mut h, dir.path(), &data);
    assert_eq!(flag, "N");
    assert_eq!(history.len(), 1, "{history:?}");
    let line = &history[0];
    for part in [
        "建议模式",
        "第1次 不确定 距离0.552",
        "第2次 不一致 距离0.861",
        "第3次 不一致 距离0.861",
        "机器建议 N，办事员确认",
    ] {
        assert!(line.contains(part), "{part} in {line}");
    }
}

#[test]
fn an_overrule_needs_a_reason_and_the_reason_is_recorded() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_companies(dir.path());
    let answers = Scripted::new(Verdict::Different, 0.83);
    let mut h = card_and_camera(&data, &sim.base_url(), answers);
    capture(&mut h);

    h.get_by_label("改判").click();
    frames(&mut h, 2);
    h.get_by_label("改为一致").click();
    h.get_by_label("确认改判").click();
    frames(&mut h, 2);
    assert!(h.query_by_label_contains("改判需要写明理由").is_some());
    assert!(
        h.state().app().enroll.worker().match_flag.is_empty(),
        "refused without a reason"
    );

    type_into(&mut h, "改判理由", "芯片照片是十年前的，本人核对无误");
    h.get_by_label("确认改判").click();
    frames(&mut h, 2);
    assert_eq!(h.state().app().enroll.worker().match_flag, "Y");

    let (flag, history) = complete_and_submit(&mut h, dir.path(), &data);
    assert_eq!(flag, "Y");
    let line = history.first().expect("a face-check line");
    assert!(line.contains("第1次 不一致 距离0.830"), "{line}");
    assert!(
        line.contains("办事员改判为 Y，理由：芯片照片是十年前的，本人核对无误"),
        "{line}"
    );
}

#[test]
fn a_matching_capture_sets_y() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_companies(dir.path());
    let answers = Scripted::new(Verdict::Match, 0.31);
    let mut h = card_and_camera(&data, &sim.base_url(), answers);
    assert!(h.query_by_label_contains("现场比对：一致").is_some());
    capture(&mut h);
    assert_eq!(h.state().app().enroll.face_check().match_flag(), Some(MatchFlag::Y));
    assert_eq!(h.state().app().enroll.worker().match_flag, "Y");
    let (flag, history) = complete_and_submit(&mut h, dir.path(), &data);
    assert_eq!(flag, "Y");
    let line = history.first().expect("a face-check line");
    assert!(
        line.contains("第1次 一致 距离0.310") && line.contains("机器判定 Y"),
        "{line}"
    );
}
