use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::synthetic::{SYNTHETIC_ID, SYNTHETIC_NAME};
use super::*;

fn wait_until(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    done()
}

#[test]
fn synthetic_camera_lists_opens_and_produces_changing_frames() {
    let provider = SyntheticCameras::new();
    let list = provider.list().expect("list");
    assert_eq!(
        list,
        vec![CameraInfo {
            id: SYNTHETIC_ID.into(),
            name: SYNTHETIC_NAME.into()
        }]
    );
    let mut camera = provider.open(SYNTHETIC_ID).expect("open");
    assert_eq!(camera.info().name, SYNTHETIC_NAME);
    let started = Instant::now();
    let first = camera.next_frame().expect("frame 1");
    let second = camera.next_frame().expect("frame 2");
    let third = camera.next_frame().expect("frame 3");
    assert_eq!((first.width, first.height), (640, 480));
    assert_eq!(first.rgb.len(), 640 * 480 * 3);
    assert_ne!(first.rgb, second.rgb);
    assert_ne!(second.rgb, third.rgb);
    // Paced like a real webcam: three frames take at least two intervals.
    assert!(
        started.elapsed() >= Duration::from_millis(60),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn missing_synthetic_camera_reports_no_camera() {
    assert_eq!(SyntheticCameras::empty().list(), Ok(Vec::new()));
    assert_eq!(
        SyntheticCameras::empty().open(SYNTHETIC_ID).err(),
        Some(CameraError::NoCamera)
    );
    assert_eq!(SyntheticCameras::new().open("nope").err(), Some(CameraError::NoCamera));
}

#[test]
fn frames_become_budgeted_jpegs() {
    let frame = synthetic::render(5);
    let photo = frame_to_jpeg(&frame, 200 * 1024).expect("jpeg");
    assert_eq!((photo.width, photo.height), (640, 480));
    assert!(photo.jpeg.len() <= 200 * 1024);
    let broken = Frame {
        width: 640,
        height: 480,
        rgb: vec![0; 10],
    };
    assert!(matches!(
        frame_to_jpeg(&broken, 200 * 1024),
        Err(PhotoError::Corrupt(_))
    ));
    let empty = Frame {
        width: 0,
        height: 0,
        rgb: Vec::new(),
    };
    assert!(matches!(frame_to_jpeg(&empty, 200 * 1024), Err(PhotoError::Corrupt(_))));
}

#[test]
fn worker_delivers_frames_calls_back_and_stops() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let mut worker = CameraWorker::start_with_callback(
        Arc::new(SyntheticCameras::new()),
        SYNTHETIC_ID.into(),
        Some(Box::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        })),
    );
    assert_eq!(worker.camera_id(), SYNTHETIC_ID);
    assert!(
        wait_until(Duration::from_secs(3), || worker.sequence() >= 2),
        "no frames"
    );
    let (seq, frame) = worker.latest_with_sequence().expect("frame");
    assert!(seq >= 2);
    assert_eq!(frame.width, 640);
    assert!(calls.load(Ordering::SeqCst) >= 2);
    assert_eq!(worker.error(), None);

    // `stop` joins the camera's thread: returning at all is the check.
    worker.stop();
    assert!(!worker.is_running());
    let after = worker.sequence();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(worker.sequence(), after, "no frames after stop");
    assert!(worker.latest().is_some(), "last frame stays for the UI");
    worker.stop(); // idempotent
}

#[test]
fn worker_reports_open_failure_and_unplugging() {
    let worker = CameraWorker::start(Arc::new(SyntheticCameras::empty()), SYNTHETIC_ID.into());
    assert!(wait_until(Duration::from_secs(2), || !worker.is_running()));
    assert_eq!(worker.error(), Some(CameraError::NoCamera));
    assert!(worker.latest().is_none());

    let worker = CameraWorker::start(Arc::new(SyntheticCameras::unplug_after(3)), SYNTHETIC_ID.into());
    assert!(wait_until(Duration::from_secs(3), || !worker.is_running()));
    assert!(matches!(worker.error(), Some(CameraError::Failed(_))));
    assert_eq!(worker.sequence(), 3);
    drop(worker);
}

#[test]
fn camera_messages_end_with_what_to_do() {
    for e in [
        CameraError::NoCamera,
        CameraError::Busy("x".into()),
        CameraError::Failed("x".into()),
    ] {
        let m = e.to_string();
        assert!(m.contains("：请") && m.contains("“刷新”"), "{m}");
    }
    assert_eq!(
        CameraError::NoCamera.to_string(),
        "没有找到摄像头：请插上 USB 摄像头后点“刷新”，或点“从文件选择”"
    );
}
