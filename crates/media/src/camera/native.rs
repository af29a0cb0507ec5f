//! Real webcams through nokhwa.
//!
//! `nokhwa::Camera` is not `Send` (its backend is a plain `Box<dyn CaptureBackendTrait>`), so
//! each opened camera lives on its own thread and our `Camera` handle talks to it over
//! channels. That thread is also where nokhwa's panics (it has `unwrap()` in `Drop` and
//! `todo!()` in some backends) are caught, so a flaky driver cannot take the app down.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::time::Duration;

use nokhwa::NokhwaError;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{ApiBackend, CameraIndex, RequestedFormat, RequestedFormatType};

use super::{Camera, CameraError, CameraInfo, CameraProvider, Frame};

/// Opening a UVC camera takes a second or two; past this it is hung, not slow.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);
/// A webcam delivers many frames per second; seconds of silence means it is gone.
const FRAME_TIMEOUT: Duration = Duration::from_secs(5);

/// The system's webcams (V4L2 on Linux, Media Foundation on Windows, AVFoundation on macOS).
#[derive(Debug, Clone, Default)]
pub struct NokhwaCameras;

impl NokhwaCameras {
    pub fn new() -> Self {
        NokhwaCameras
    }
}

impl CameraProvider for NokhwaCameras {
    /// `Ok(vec![])` when the system simply has no camera; the UI shows
    /// [`CameraError::NoCamera`]'s message for that.
    fn list(&self) -> Result<Vec<CameraInfo>, CameraError> {
        // Only macOS gates cameras behind a permission prompt (always true elsewhere); ask,
        // and let the clerk press “刷新” once they have answered it.
        if !nokhwa::nokhwa_check() {
            nokhwa::nokhwa_initialize(|granted| tracing::info!("camera permission granted: {granted}"));
            return Err(CameraError::Busy("需要在系统弹窗中允许本程序使用摄像头".to_owned()));
        }
        let queried = catch_unwind(|| nokhwa::query(ApiBackend::Auto))
            .map_err(|_| CameraError::Failed("查询摄像头时驱动崩溃".to_owned()))?;
        match queried {
            Ok(list) => Ok(list
                .into_iter()
                .map(|info| CameraInfo {
                    id: info.index().as_string(),
                    name: info.human_name(),
                })
                .collect()),
            Err(e) => Err(map_error(&e)),
        }
    }

    fn open(&self, id: &str) -> Result<Box<dyn Camera>, CameraError> {
        let index = match id.parse::<u32>() {
            Ok(n) => CameraIndex::Index(n),
            Err(_) => CameraIndex::String(id.to_owned()),
        };
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        let (request_tx, request_rx) = mpsc::channel();
        let (reply_tx, reply_rx) = mpsc::sync_channel(1);
        let fallback_name = id.to_owned();
        std::thread::Builder::new()
            .name(format!("nokhwa-camera-{id}"))
            .spawn(move || {
                let served = catch_unwind(AssertUnwindSafe(|| {
                    serve(index, fallback_name, &ready_tx, request_rx, &reply_tx);
                }));
                if served.is_err() {
                    tracing::error!("camera thread panicked inside nokhwa");
                    // Whoever is waiting learns the camera is gone instead of timing out.
                    let _ = ready_tx.try_send(Err(CameraError::Failed("摄像头驱动崩溃".to_owned())));
                    let _ = reply_tx.try_send(Err(CameraError::Failed("摄像头驱动崩溃".to_owned())));
                }
            })
            .map_err(|e| CameraError::Failed(format!("无法启动摄像头线程：{e}")))?;

        let info = match ready_rx.recv_timeout(OPEN_TIMEOUT) {
            Ok(result) => result?,
            Err(RecvTimeoutError::Timeout) => {
                return Err(CameraError::Failed("打开摄像头超时".to_owned()));
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(CameraError::Failed("摄像头线程意外退出".to_owned()));
            }
        };
        Ok(Box::new(NokhwaCamera {
            info,
            requests: request_tx,
            replies: reply_rx,
        }))
    }
}

/// Handle to a camera thread. Dropping it closes the request channel, which ends the thread
/// and releases the device.
struct NokhwaCamera {
    info: CameraInfo,
    requests: Sender<()>,
    replies: Receiver<Result<Frame, CameraError>>,
}

impl Camera for NokhwaCamera {
    fn info(&self) -> &CameraInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Frame, CameraError> {
        self.requests
            .send(())
            .map_err(|_| CameraError::Failed("摄像头已断开".to_owned()))?;
        match self.replies.recv_timeout(FRAME_TIMEOUT) {
            Ok(frame) => frame,
            Err(RecvTimeoutError::Timeout) => Err(CameraError::Failed("摄像头长时间没有画面".to_owned())),
            Err(RecvTimeoutError::Disconnected) => Err(CameraError::Failed("摄像头已断开".to_owned())),
        }
    }
}

/// Body of the camera thread: open, report readiness, then answer frame requests until the
/// handle is dropped.
fn serve(
    index: CameraIndex,
    fallback_name: String,
    ready: &SyncSender<Result<CameraInfo, CameraError>>,
    requests: Receiver<()>,
    replies: &SyncSender<Result<Frame, CameraError>>,
) {
    let requested = RequestedFormat::new::<RgbFormat>(RequestedFormatType::AbsoluteHighestFrameRate);
    let mut camera = match nokhwa::Camera::new(index.clone(), requested) {
        Ok(camera) => camera,
        Err(e) => {
            let _ = ready.send(Err(map_error(&e)));
            return;
        }
    };
    if let Err(e) = camera.open_stream() {
        let _ = ready.send(Err(map_error(&e)));
        return;
    }
    let name = camera.info().human_name();
    let info = CameraInfo {
        id: index.as_string(),
        name: if name.is_empty() { fallback_name } else { name },
    };
    if ready.send(Ok(info)).is_err() {
        return;
    }
    while requests.recv().is_ok() {
        let frame = camera
            .frame()
            .and_then(|buffer| buffer.decode_image::<RgbFormat>())
            .map(|image| Frame {
                width: image.width(),
                height: image.height(),
                rgb: image.into_raw(),
            })
            .map_err(|e| map_error(&e));
        if replies.send(frame).is_err() {
            break;
        }
    }
    // Stop explicitly: nokhwa's Drop unwraps the result of this same call.
    if let Err(e) = camera.stop_stream() {
        tracing::warn!("stopping camera stream failed: {e}");
    }
}

/// Sorts nokhwa's free-text errors into what the clerk can act on. The texts come from the
/// OS (errno strings on Linux, HRESULTs on Windows), so we match on their well-known parts.
fn map_error(e: &NokhwaError) -> CameraError {
    let detail = e.to_string();
    let lower = detail.to_lowercase();
    const BUSY: [&str; 7] = [
        "busy",
        "in use",
        "permission",
        "denied",
        "0x80070005", // E_ACCESSDENIED
        "0xc00d3704", // MF_E_HW_MFT_FAILED_START_STREAMING: another app holds the camera
        "0x80070020", // ERROR_SHARING_VIOLATION
    ];
    const MISSING: [&str; 4] = ["no such file", "no such device", "not found", "out of bounds"];
    if BUSY.iter().any(|needle| lower.contains(needle)) {
        CameraError::Busy(detail)
    } else if MISSING.iter().any(|needle| lower.contains(needle)) {
        CameraError::NoCamera
    } else {
        tracing::warn!("camera error: {detail}");
        CameraError::Failed(detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_sorted_by_what_the_clerk_can_do() {
        let busy = NokhwaError::OpenDeviceError("0".into(), "Device or resource busy (os error 16)".into());
        assert!(matches!(map_error(&busy), CameraError::Busy(_)));
        let denied = NokhwaError::OpenDeviceError("0".into(), "Permission denied (os error 13)".into());
        assert!(matches!(map_error(&denied), CameraError::Busy(_)));
        let gone = NokhwaError::OpenDeviceError("3".into(), "No such file or directory (os error 2)".into());
        assert_eq!(map_error(&gone), CameraError::NoCamera);
        let other = NokhwaError::ReadFrameError("Broken MJPEG".into());
        assert!(matches!(map_error(&other), CameraError::Failed(_)));
    }

    #[test]
    fn listing_without_cameras_does_not_panic() {
        match NokhwaCameras::new().list() {
            Ok(list) => {
                // This CI machine has no /dev/video*; a dev machine may have some.
                if !std::path::Path::new("/dev/video0").exists() {
                    assert!(list.is_empty(), "{list:?}");
                }
            }
            Err(e) => assert_eq!(e, CameraError::NoCamera),
        }
    }

    #[test]
    fn opening_a_missing_camera_is_an_error_not_a_panic() {
        let result = NokhwaCameras::new().open("97");
        assert!(result.is_err());
    }
}
