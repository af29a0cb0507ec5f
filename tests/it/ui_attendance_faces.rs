//! The 考勤 screen knows faces: a camera showing an enrolled worker's face proposes them
//! (是 … 吗？) once the window's backfill has described the face photo on file, and one click
//! records the log, sent with `way` 1 and kept as identified by face.

use crate::common;
use cwr_station::store::prelude::*;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::ui::*;
use common::*;
use cwr_station::domain::{Company, Identified, PhotoKind};
use cwr_station::media::camera::{Camera, CameraError, CameraInfo, CameraProvider, Frame};
use cwr_station::store::Store;
use egui_kittest::kittest::Queryable;

const COMPANY: &str = "深圳市人脸窗口劳务有限公司";

/// A webcam that always shows the same photo (paced like a real one, so it does not spin).
struct StillCamera {
    info: CameraInfo,
    frame: Arc<Frame>,
    last: Option<Instant>,
}

struct StillCameras(Arc<Frame>);

impl CameraProvider for StillCameras {
    fn list(&self) -> Result<Vec<CameraInfo>, CameraError> {
        Ok(vec![still_info()])
    }

    fn open(&self, _id: &str) -> Result<Box<dyn Camera>, CameraError> {
        Ok(Box::new(StillCamera {
            info: still_info(),
            frame: Arc::clone(&self.0),
            last: None,
        }))
    }
}

fn still_info() -> CameraInfo {
    CameraInfo {
        id: "still-0".into(),
        name: "照片摄像头".into(),
    }
}

impl Camera for StillCamera {
    fn info(&self) -> &CameraInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Frame, CameraError> {
        // A device's pace, not a test's wait: a real camera delivers about 30 frames a second.
        if let Some(last) = self.last {
            let due = last + Duration::from_millis(33);
            if let Some(left) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(left);
            }
        }
        self.last = Some(Instant::now());
        Ok((*self.frame).clone())
    }
}

fn face_bytes(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("crates/face/tests/faces")
            .join(name),
    )
    .expect("face")
}

#[test]
fn the_camera_proposes_the_enrolled_worker_and_one_click_records_a_face_identified_log() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let id = id_code(951);
    {
        let mut store = Store::open_in(&data).expect("store");
        store
            .save_company(&checked_company(&Company {
                company_name: COMPANY.into(),
                legal_person: "负责人".into(),
                suid: uscc(950),
                company_type: "03".into(),
                ..Default::default()
            }))
            .expect("company");
        let mut photos = test_photos();
        photos.insert(PhotoKind::Face, face_bytes("obama.jpg"));
        // Enrolled before the station knew faces: the window's backfill describes the photo.
        store
            .save_worker(
                &checked_worker(&worker_request(&id, "欧阳明", COMPANY).to_worker()),
                &photos,
            )
            .expect("worker");
    }
    let live = image::load_from_memory(&face_bytes("obama2.jpg"))
        .expect("decode")
        .to_rgb8();
    let frame = Arc::new(Frame {
        width: live.width(),
        height: live.height(),
        rgb: live.into_raw(),
    });
    let mut h = harness_with_cameras(
        &data,
        demo_config(&sim.base_url()),
        cwr_station::api::Secret::new(cwr_station::sim::SimConfig::demo().api_secret),
        egui::vec2(1400.0, 1000.0),
        Arc::new(StillCameras(frame)),
    );
    step_until(&mut h, "the worker on the platform", Duration::from_secs(30), |app| {
        app.snapshot
            .workers
            .iter()
            .any(|w| w.id_code == id && w.emp_id.len() > 1)
    });
    h.get_by_label("考勤").click();
    step_until(&mut h, "the camera's proposal", Duration::from_secs(120), |app| {
        app.attendance.proposal().is_some_and(|m| m.id_code == id)
    });
    settle(&mut h, 3);
    assert!(h.query_by_label_contains("是 欧阳明 吗？").is_some());
    // Nobody was selected by card or name, and nothing needed the clerk's check.
    assert!(h.state().app().attendance.selected().is_none());
    h.get_by_label("是本人，进场").click();
    step_until(&mut h, "the log on the platform", Duration::from_secs(30), |_| {
        !sim.state().passed_logs.is_empty()
    });
    let logs = sim.state().passed_logs;
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0]["way"], "1");
    assert_eq!(logs[0]["direction"], "in");
    let store = Store::open_in(&data).expect("store");
    let now = chrono::Utc::now();
    let rows = store
        .passes_between(now - chrono::Duration::days(1), now + chrono::Duration::days(1))
        .expect("passes");
    assert!(
        matches!(rows[0].identified, Some(Identified::Face { distance }) if distance < 0.6),
        "{rows:?}"
    );
}
