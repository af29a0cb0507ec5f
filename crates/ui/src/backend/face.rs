//! The face worker: 人证比对 off the window's thread (issue 21). One thread holds the face
//! engine and is fed the camera's latest preview frame (a newer frame replaces one not yet
//! taken, so at most one is in flight and none goes stale) and the clerk's captures (taken
//! first). Each frame is answered by a [`FaceReport`] over a channel; the screen draws the last.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;

use image::RgbImage;
use media::camera::Frame;
use station::face::{self, Comparison, DetectedFace, FaceError, Hint, LazyEngine};

/// Why the face worker cannot judge at all: the clerk decides 人证比对 by eye, as before.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaceUnavailable {
    #[error(
        "没有找到人脸比对模型（程序目录下的 models 文件夹）：请重新安装工作站；在那之前请对照芯片照片手工选择“人证比对”"
    )]
    ModelsMissing,
    #[error("人脸比对用不了（{0}）：请重新安装工作站；在那之前请对照芯片照片手工选择“人证比对”")]
    Engine(String),
}

/// What was found in one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceAnalysis {
    /// The one hint for the preview; `None` when the frame is fit to compare.
    pub hint: Option<Hint>,
    pub faces: usize,
    /// The largest face (the one compared and framed).
    pub largest: Option<DetectedFace>,
    /// Against the card, when a face was found and a portrait is there.
    pub comparison: Option<Comparison>,
    /// Why no comparison although a face was found (no face in the card's portrait).
    pub compare_problem: Option<String>,
}

/// The card's pictures the live face is compared with.
#[derive(Clone, Default)]
pub struct References {
    pub chip: Option<Arc<RgbImage>>,
    pub front_scan: Option<Arc<RgbImage>>,
}

/// Turns a frame into a [`FaceAnalysis`]. The window uses [`EngineAnalyser`]; tests inject
/// their own (the models are too slow in a debug build to run in every UI test).
pub trait FaceAnalyser: Send + Sync {
    fn analyse(&self, live: &RgbImage, refs: &References) -> Result<FaceAnalysis, FaceUnavailable>;
}

/// The window's one set of face models, loaded on first use and shared by every screen and
/// the station (`None`: the models are not installed).
pub fn shared_engine() -> Option<Arc<LazyEngine>> {
    static ENGINE: OnceLock<Option<Arc<LazyEngine>>> = OnceLock::new();
    ENGINE
        .get_or_init(|| host::paths::models_dir().map(|dir| Arc::new(LazyEngine::new(dir))))
        .clone()
}

/// The face models, loaded on first use from [`host::paths::models_dir`].
pub struct EngineAnalyser {
    engine: Option<Arc<LazyEngine>>,
}

impl EngineAnalyser {
    pub fn from_installation() -> EngineAnalyser {
        EngineAnalyser {
            engine: shared_engine(),
        }
    }
}

impl FaceAnalyser for EngineAnalyser {
    fn analyse(&self, live: &RgbImage, refs: &References) -> Result<FaceAnalysis, FaceUnavailable> {
        let engine = self
            .engine
            .as_ref()
            .ok_or(FaceUnavailable::ModelsMissing)?
            .get()
            .map_err(|e| FaceUnavailable::Engine(e.to_string()))?;
        let engine_failed = |e: FaceError| FaceUnavailable::Engine(e.to_string());
        let faces = engine.detect(live).map_err(engine_failed)?;
        let mut analysis = FaceAnalysis {
            hint: face::assess(live, &faces),
            faces: faces.len(),
            largest: faces.first().cloned(),
            comparison: None,
            compare_problem: None,
        };
        // Without a chip portrait the front scan's portrait is the reference.
        let reference = refs
            .chip
            .as_ref()
            .map(|c| (c, refs.front_scan.as_deref()))
            .or_else(|| refs.front_scan.as_ref().map(|f| (f, None)));
        if !faces.is_empty()
            && let Some((chip, front)) = reference
        {
            match engine.compare(live, chip, front) {
                Ok(c) => analysis.comparison = Some(c),
                Err(e) => analysis.compare_problem = Some(e.to_string()),
            }
        }
        Ok(analysis)
    }
}

/// Which frame a report answers.
#[derive(Debug, Clone)]
pub enum FaceJobKind {
    /// The camera's preview frame with this sequence number.
    Preview(u64),
    /// The clerk's 拍照, with the ID-photo crop of the largest face (head and shoulders,
    /// centred) or `None` when no face was found.
    Capture {
        id_photo: Option<Arc<Frame>>,
        frame: Arc<Frame>,
    },
}

#[derive(Debug, Clone)]
pub struct FaceReport {
    pub kind: FaceJobKind,
    pub result: Result<FaceAnalysis, FaceUnavailable>,
}

#[derive(Default)]
struct Jobs {
    preview: Option<(u64, Arc<Frame>)>,
    capture: Option<Arc<Frame>>,
    /// The card's pictures as JPEG, and a generation so they are decoded once.
    references: (u64, Option<Vec<u8>>, Option<Vec<u8>>),
    stop: bool,
}

type Shared = Arc<(Mutex<Jobs>, Condvar)>;

fn lock(shared: &Shared) -> MutexGuard<'_, Jobs> {
    // A panic in the worker leaves no half-made job behind the lock.
    shared.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub struct FaceWorker {
    shared: Shared,
    reports: Receiver<FaceReport>,
    thread: Option<JoinHandle<()>>,
}

impl FaceWorker {
    pub fn start(analyser: Arc<dyn FaceAnalyser>, on_report: Arc<dyn Fn() + Send + Sync>) -> FaceWorker {
        let shared: Shared = Arc::new((Mutex::new(Jobs::default()), Condvar::new()));
        let (tx, reports) = mpsc::channel();
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("face".into())
            .spawn(move || run(&thread_shared, analyser.as_ref(), &tx, on_report.as_ref()))
            .ok();
        FaceWorker {
            shared,
            reports,
            thread,
        }
    }

    /// The card's portrait and front scan (JPEG) to compare with; decoded on the worker.
    pub fn set_references(&self, chip: Option<Vec<u8>>, front_scan: Option<Vec<u8>>) {
        let mut jobs = lock(&self.shared);
        let generation = jobs.references.0 + 1;
        jobs.references = (generation, chip, front_scan);
    }

    /// The latest preview frame; replaces one the worker has not taken yet.
    pub fn preview(&self, sequence: u64, frame: Arc<Frame>) {
        lock(&self.shared).preview = Some((sequence, frame));
        self.shared.1.notify_one();
    }

    /// A captured frame: judged before any preview frame.
    pub fn capture(&self, frame: Arc<Frame>) {
        lock(&self.shared).capture = Some(frame);
        self.shared.1.notify_one();
    }

    pub fn try_report(&self) -> Option<FaceReport> {
        self.reports.try_recv().ok()
    }
}

impl Drop for FaceWorker {
    fn drop(&mut self) {
        lock(&self.shared).stop = true;
        self.shared.1.notify_one();
        // Not joined: a frame in the models finishes on its own and its report goes nowhere.
        drop(self.thread.take());
    }
}

fn run(shared: &Shared, analyser: &dyn FaceAnalyser, tx: &Sender<FaceReport>, on_report: &(dyn Fn() + Send + Sync)) {
    let mut decoded: (u64, References) = (0, References::default());
    loop {
        let (job, refs) = {
            let mut jobs = lock(shared);
            while !jobs.stop && jobs.capture.is_none() && jobs.preview.is_none() {
                jobs = shared.1.wait(jobs).unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            if jobs.stop {
                return;
            }
            let job = match jobs.capture.take() {
                Some(frame) => Err(frame),
                None => match jobs.preview.take() {
                    Some(p) => Ok(p),
                    None => continue,
                },
            };
            let refs = (jobs.references.0 != decoded.0).then(|| jobs.references.clone());
            (job, refs)
        };
        if let Some((generation, chip, front)) = refs {
            let decode = |jpeg: Option<Vec<u8>>| {
                jpeg.and_then(|j| image::load_from_memory(&j).ok())
                    .map(|i| Arc::new(i.to_rgb8()))
            };
            decoded = (
                generation,
                References {
                    chip: decode(chip),
                    front_scan: decode(front),
                },
            );
        }
        let report = match job {
            Ok((sequence, frame)) => FaceReport {
                kind: FaceJobKind::Preview(sequence),
                result: analyse(analyser, &frame, &decoded.1),
            },
            Err(frame) => {
                let result = analyse(analyser, &frame, &decoded.1);
                let id_photo = match (&result, rgb_of(&frame)) {
                    (Ok(FaceAnalysis { largest: Some(f), .. }), Some(image)) => {
                        let crop = face::frame_id_photo(&image, f);
                        Some(Arc::new(Frame {
                            width: crop.width(),
                            height: crop.height(),
                            rgb: crop.into_raw(),
                        }))
                    }
                    _ => None,
                };
                FaceReport {
                    kind: FaceJobKind::Capture { id_photo, frame },
                    result,
                }
            }
        };
        if tx.send(report).is_err() {
            return;
        }
        on_report();
    }
}

fn rgb_of(frame: &Frame) -> Option<RgbImage> {
    RgbImage::from_raw(frame.width, frame.height, frame.rgb.clone())
}

fn analyse(analyser: &dyn FaceAnalyser, frame: &Frame, refs: &References) -> Result<FaceAnalysis, FaceUnavailable> {
    match rgb_of(frame) {
        Some(image) => analyser.analyse(&image, refs),
        // A frame whose buffer does not match its size (a camera driver's fault): no face.
        None => Ok(FaceAnalysis {
            hint: Some(Hint::NoFace),
            faces: 0,
            largest: None,
            comparison: None,
            compare_problem: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::SyncSender;

    /// Tells the test which frame (by its width) it entered with, then waits for the test's
    /// go-ahead: the worker is held inside the models while the test queues frames.
    struct Gated {
        entered: Mutex<Sender<u32>>,
        go: Mutex<Receiver<()>>,
    }

    impl FaceAnalyser for Gated {
        fn analyse(&self, live: &RgbImage, _refs: &References) -> Result<FaceAnalysis, FaceUnavailable> {
            let _ = self.entered.lock().expect("entered").send(live.width());
            let _ = self.go.lock().expect("go").recv();
            Ok(FaceAnalysis {
                hint: Some(Hint::NoFace),
                faces: 0,
                largest: None,
                comparison: None,
                compare_problem: None,
            })
        }
    }

    fn frame(width: u32) -> Arc<Frame> {
        Arc::new(Frame {
            width,
            height: 1,
            rgb: vec![0; width as usize * 3],
        })
    }

    #[test]
    fn stale_previews_are_dropped_and_a_capture_goes_first() {
        let (entered_tx, entered) = mpsc::channel();
        let (go, go_rx): (SyncSender<()>, _) = mpsc::sync_channel(8);
        let analyser = Arc::new(Gated {
            entered: Mutex::new(entered_tx),
            go: Mutex::new(go_rx),
        });
        let worker = FaceWorker::start(analyser, Arc::new(|| {}));
        worker.preview(1, frame(1));
        assert_eq!(entered.recv().ok(), Some(1), "the first preview is taken at once");
        // Held in the models: two more previews (the first of them goes stale) and a capture.
        worker.preview(2, frame(2));
        worker.preview(3, frame(3));
        worker.capture(frame(4));
        for _ in 0..3 {
            go.send(()).expect("go");
        }
        // A guard against a hang when the worker does less than it should, not a timing claim.
        let guard = std::time::Duration::from_secs(30);
        let seen = [entered.recv_timeout(guard).ok(), entered.recv_timeout(guard).ok()];
        assert_eq!(
            seen,
            [Some(4), Some(3)],
            "the capture first, then the newest preview; preview 2 never"
        );
        let kinds: Vec<String> = (0..3)
            .filter_map(|_| worker.reports.recv_timeout(guard).ok())
            .map(|r| match r.kind {
                FaceJobKind::Preview(n) => format!("preview {n}"),
                FaceJobKind::Capture { id_photo, .. } => format!("capture, framed: {}", id_photo.is_some()),
            })
            .collect();
        assert_eq!(kinds, ["preview 1", "capture, framed: false", "preview 3"]);
    }
}
