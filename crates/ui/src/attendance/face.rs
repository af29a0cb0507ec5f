//! The 考勤 point's face thread: the screen hands it the camera's latest frame, it finds the
//! largest face and describes it, and the descriptor goes to the station for 1:N. The window
//! never waits: one frame at a time is in work, and a frame that arrives meanwhile replaces
//! the one waiting (stale frames are dropped, never queued).

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, Weak};

use media::camera::Frame;
use station::face::{Descriptor, LazyEngine};

pub use crate::backend::face::shared_engine;

/// What the thread found in a frame.
#[derive(Debug)]
pub enum FaceNews {
    Described(Box<Descriptor>),
    /// No face in the frame: whatever was proposed is no longer in front of the camera.
    NoFace,
    /// The models are missing or do not load: said once, then the thread ends.
    Unavailable(String),
}

#[derive(Default)]
struct Slot {
    waiting: Option<Arc<Frame>>,
    closed: bool,
}

pub struct FaceThread {
    slot: Arc<(Mutex<Slot>, Condvar)>,
    news: Receiver<FaceNews>,
    /// The frame fed last, so the same picture is not described twice.
    last_fed: Weak<Frame>,
}

impl FaceThread {
    /// Starts the thread; `repaint` wakes the window when there is news.
    pub fn start(engine: Option<Arc<LazyEngine>>, repaint: impl Fn() + Send + 'static) -> FaceThread {
        let slot: Arc<(Mutex<Slot>, Condvar)> = Arc::default();
        let (tx, news) = mpsc::channel();
        let worker_slot = Arc::clone(&slot);
        let spawned = std::thread::Builder::new()
            .name("attendance-face".into())
            .spawn(move || run(engine, &worker_slot, &tx, &repaint));
        if let Err(e) = spawned {
            tracing::warn!("attendance face thread not started: {e}");
        }
        FaceThread {
            slot,
            news,
            last_fed: Weak::new(),
        }
    }

    /// Hands over the camera's newest frame (a frame already fed is ignored).
    pub fn feed(&mut self, frame: &Arc<Frame>) {
        if self.last_fed.upgrade().is_some_and(|last| Arc::ptr_eq(&last, frame)) {
            return;
        }
        self.last_fed = Arc::downgrade(frame);
        let (lock, wake) = &*self.slot;
        lock.lock().unwrap_or_else(|e| e.into_inner()).waiting = Some(Arc::clone(frame));
        wake.notify_one();
    }

    /// The thread's news since the last call, oldest first.
    pub fn news(&self) -> Vec<FaceNews> {
        self.news.try_iter().collect()
    }
}

impl Drop for FaceThread {
    fn drop(&mut self) {
        let (lock, wake) = &*self.slot;
        lock.lock().unwrap_or_else(|e| e.into_inner()).closed = true;
        wake.notify_one();
    }
}

fn run(engine: Option<Arc<LazyEngine>>, slot: &(Mutex<Slot>, Condvar), tx: &Sender<FaceNews>, repaint: &dyn Fn()) {
    let say = |news: FaceNews| {
        let sent = tx.send(news).is_ok();
        repaint();
        sent
    };
    let engine = match engine.map(|lazy| lazy.get()) {
        Some(Ok(engine)) => engine,
        Some(Err(e)) => {
            say(FaceNews::Unavailable(station::faces::models_missing_words(&e)));
            return;
        }
        None => {
            say(FaceNews::Unavailable(
                "找不到人脸模型：考勤时摄像头不会认人，请用读卡、身份证号或姓名找到人员并核对本人。请重新安装本程序"
                    .into(),
            ));
            return;
        }
    };
    let (lock, wake) = slot;
    loop {
        let frame = {
            let mut slot = lock.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if slot.closed {
                    return;
                }
                if let Some(frame) = slot.waiting.take() {
                    break frame;
                }
                slot = wake.wait(slot).unwrap_or_else(|e| e.into_inner());
            }
        };
        let Some(image) = image::RgbImage::from_raw(frame.width, frame.height, frame.rgb.clone()) else {
            continue;
        };
        let news = match engine.describe_largest(&image) {
            Ok(Some((descriptor, _, _))) => FaceNews::Described(Box::new(descriptor)),
            Ok(None) => FaceNews::NoFace,
            Err(e) => {
                tracing::warn!("a camera frame was not described: {e}");
                FaceNews::NoFace
            }
        };
        if !say(news) {
            return;
        }
    }
}
