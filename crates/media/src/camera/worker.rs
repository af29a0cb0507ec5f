//! Background capture: one thread owns one opened camera and keeps only the newest frame.
//!
//! The UI thread must never wait for a camera (opening one can take seconds, and a frame
//! read blocks until the next exposure), so everything camera-side happens here and the UI
//! polls [`CameraWorker::latest`] when it repaints.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use super::{CameraError, CameraProvider, Frame};

/// Single bad frames happen (USB hiccups, a corrupt MJPEG frame); only a run of failures
/// means the camera is really gone.
const MAX_CONSECUTIVE_FAILURES: u32 = 10;
/// How long `stop` waits for a camera stuck inside a driver call before leaving the thread
/// to finish on its own: the UI must not freeze because a driver hangs.
const STOP_WAIT: Duration = Duration::from_secs(2);
/// Pause between failed reads so a failing camera does not spin a core.
const RETRY_PAUSE: Duration = Duration::from_millis(50);

#[derive(Default)]
struct Slot {
    frame: Option<Arc<Frame>>,
    sequence: u64,
    error: Option<CameraError>,
    finished: bool,
}

struct Shared {
    stop: AtomicBool,
    slot: Mutex<Slot>,
    finished: Condvar,
}

impl Shared {
    /// A panic elsewhere while holding the lock leaves plain data behind; keep using it.
    fn lock(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Owns a capture thread for one camera. Dropping it stops the thread and releases the camera.
pub struct CameraWorker {
    camera_id: String,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl CameraWorker {
    pub fn start(provider: Arc<dyn CameraProvider>, id: String) -> CameraWorker {
        Self::start_with_callback(provider, id, None)
    }

    /// `on_frame` runs on the capture thread after each new frame (the UI passes
    /// `ctx.request_repaint`), and once more if the camera fails so the error shows promptly.
    pub fn start_with_callback(
        provider: Arc<dyn CameraProvider>,
        id: String,
        on_frame: Option<Box<dyn Fn() + Send>>,
    ) -> CameraWorker {
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            slot: Mutex::new(Slot::default()),
            finished: Condvar::new(),
        });
        let thread_shared = Arc::clone(&shared);
        let thread_id = id.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("camera-worker-{id}"))
            .spawn(move || {
                run(&*provider, &thread_id, &thread_shared, on_frame.as_deref());
                let mut slot = thread_shared.lock();
                slot.finished = true;
                thread_shared.finished.notify_all();
            });
        let thread = match spawned {
            Ok(handle) => Some(handle),
            Err(e) => {
                let mut slot = shared.lock();
                slot.error = Some(CameraError::Failed(format!("无法启动摄像头线程：{e}")));
                slot.finished = true;
                None
            }
        };
        CameraWorker {
            camera_id: id,
            shared,
            thread,
        }
    }

    pub fn camera_id(&self) -> &str {
        &self.camera_id
    }

    /// The newest frame, shared cheaply with the UI (no pixel copy).
    pub fn latest(&self) -> Option<Arc<Frame>> {
        self.shared.lock().frame.clone()
    }

    /// The newest frame with its sequence number (1 for the first frame), so the UI can
    /// skip re-uploading a texture it already has.
    pub fn latest_with_sequence(&self) -> Option<(u64, Arc<Frame>)> {
        let slot = self.shared.lock();
        slot.frame.clone().map(|frame| (slot.sequence, frame))
    }

    /// Number of frames received so far.
    pub fn sequence(&self) -> u64 {
        self.shared.lock().sequence
    }

    /// Why capture stopped, if it failed. The last good frame stays available.
    pub fn error(&self) -> Option<CameraError> {
        self.shared.lock().error.clone()
    }

    /// True until the thread has ended (stopped, or the camera failed).
    pub fn is_running(&self) -> bool {
        !self.shared.lock().finished
    }

    /// Stops capture and releases the camera. Idempotent.
    pub fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let Some(handle) = self.thread.take() else {
            return;
        };
        let slot = self.shared.lock();
        let (slot, wait) = self
            .shared
            .finished
            .wait_timeout_while(slot, STOP_WAIT, |slot| !slot.finished)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        drop(slot);
        if wait.timed_out() {
            // Joining would block the UI for as long as the driver hangs; the thread exits
            // (and releases the camera) by itself once the call returns.
            tracing::warn!(
                "camera {} did not stop within {:?}; detaching",
                self.camera_id,
                STOP_WAIT
            );
        } else if handle.join().is_err() {
            tracing::error!("camera worker thread for {} panicked", self.camera_id);
        }
    }
}

impl Drop for CameraWorker {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(provider: &dyn CameraProvider, id: &str, shared: &Shared, on_frame: Option<&(dyn Fn() + Send)>) {
    let notify = || {
        if let Some(callback) = on_frame {
            callback();
        }
    };
    let mut camera = match provider.open(id) {
        Ok(camera) => camera,
        Err(e) => {
            shared.lock().error = Some(e);
            notify();
            return;
        }
    };
    tracing::info!("camera {} opened: {}", id, camera.info().name);
    let mut failures = 0;
    while !shared.stop.load(Ordering::SeqCst) {
        match camera.next_frame() {
            Ok(frame) => {
                failures = 0;
                {
                    let mut slot = shared.lock();
                    slot.frame = Some(Arc::new(frame));
                    slot.sequence += 1;
                }
                notify();
            }
            Err(e) => {
                failures += 1;
                // Busy / missing will not fix themselves by retrying; only `Failed` might.
                let permanent = !matches!(e, CameraError::Failed(_));
                if permanent || failures >= MAX_CONSECUTIVE_FAILURES {
                    tracing::warn!("camera {id} failed: {e}");
                    shared.lock().error = Some(e);
                    notify();
                    break;
                }
                std::thread::sleep(RETRY_PAUSE);
            }
        }
    }
    // The camera is dropped here, before `finished` is set, so a new worker for the same
    // device can open it as soon as `stop` returns.
    drop(camera);
}
