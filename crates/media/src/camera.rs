//! Cameras behind a trait, so the app, its tests and demos run on machines with no webcam.
//!
//! - [`SyntheticCameras`]: a moving test pattern, for tests, demos and camera-less stations.
//! - [`NokhwaCameras`]: real USB webcams through nokhwa.
//! - [`CameraWorker`]: owns one opened camera on a background thread so capture and colour
//!   conversion never block the UI; the UI just reads the latest frame.

use image::RgbImage;

use super::photo::{NormalizedPhoto, PhotoError, normalize_rgb};

mod native;
mod synthetic;
#[cfg(test)]
mod tests;
mod worker;

pub use native::NokhwaCameras;
pub use synthetic::SyntheticCameras;
pub use worker::CameraWorker;

/// A camera the clerk can pick. `id` is what [`CameraProvider::open`] takes back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CameraInfo {
    pub id: String,
    pub name: String,
}

/// One picture from a camera: RGB8, row-major, no padding (`rgb.len() == width * height * 3`).
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

// Hand-written so a frame in a log line is one short line, not a megabyte of numbers.
impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Frame({}×{}, {} bytes)", self.width, self.height, self.rgb.len())
    }
}

/// An opened camera. `next_frame` blocks until the camera delivers (pacing is the camera's).
pub trait Camera: Send {
    fn info(&self) -> &CameraInfo;
    fn next_frame(&mut self) -> Result<Frame, CameraError>;
}

/// Lists and opens cameras. Shared between the UI (listing) and workers (opening).
pub trait CameraProvider: Send + Sync {
    fn list(&self) -> Result<Vec<CameraInfo>, CameraError>;
    fn open(&self, id: &str) -> Result<Box<dyn Camera>, CameraError>;
}

/// Shown verbatim to clerks: what is wrong, then what to do (buttons named as in the UI).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CameraError {
    #[error("没有找到摄像头：请插上 USB 摄像头后点“刷新”，或点“从文件选择”")]
    NoCamera,
    #[error("摄像头正被其他程序占用，或没有使用权限（{0}）：请关闭微信、QQ、视频会议等可能在用摄像头的程序后点“刷新”")]
    Busy(String),
    #[error("摄像头出错（{0}）：请拔下摄像头重新插上后点“刷新”，或点“从文件选择”")]
    Failed(String),
}

/// Capture path into the same normalisation as picked files, so budgets hold identically.
pub fn frame_to_jpeg(frame: &Frame, budget_bytes: usize) -> Result<NormalizedPhoto, PhotoError> {
    let image = frame_to_image(frame)?;
    normalize_rgb(image, budget_bytes)
}

fn frame_to_image(frame: &Frame) -> Result<RgbImage, PhotoError> {
    if frame.width == 0 || frame.height == 0 {
        return Err(PhotoError::Corrupt("摄像头画面是空的".to_owned()));
    }
    RgbImage::from_raw(frame.width, frame.height, frame.rgb.clone()).ok_or_else(|| {
        PhotoError::Corrupt(format!(
            "摄像头画面数据长度不对：{}×{} 需要 {} 字节，实际 {} 字节",
            frame.width,
            frame.height,
            u64::from(frame.width) * u64::from(frame.height) * 3,
            frame.rgb.len()
        ))
    })
}
