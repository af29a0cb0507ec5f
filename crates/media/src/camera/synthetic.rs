//! A fake webcam: a moving face-like pattern, so enrollment can be demonstrated and tested
//! on the many stations that have no camera at all.

use std::time::{Duration, Instant};

use super::{Camera, CameraError, CameraInfo, CameraProvider, Frame};

pub const SYNTHETIC_ID: &str = "synthetic-0";
pub const SYNTHETIC_NAME: &str = "演示摄像头（合成画面）";
const WIDTH: u32 = 640;
const HEIGHT: u32 = 480;
/// Real webcams deliver about 30 fps; a faster fake would spin a core for nothing.
const FRAME_INTERVAL: Duration = Duration::from_millis(33);

/// Provider with zero or one synthetic camera, optionally "unplugged" after some frames so
/// the UI's error path can be exercised without hardware.
#[derive(Debug, Clone)]
pub struct SyntheticCameras {
    present: bool,
    unplug_after: Option<u64>,
    size: (u32, u32),
}

impl Default for SyntheticCameras {
    fn default() -> Self {
        Self::new()
    }
}

impl SyntheticCameras {
    /// One working demo camera.
    pub fn new() -> Self {
        SyntheticCameras {
            present: true,
            unplug_after: None,
            size: (WIDTH, HEIGHT),
        }
    }

    /// One camera delivering frames of this size (the benchmark's 1280×720).
    pub fn with_size(width: u32, height: u32) -> Self {
        SyntheticCameras {
            size: (width.max(64), height.max(64)),
            ..Self::new()
        }
    }

    /// No camera at all, like a station without a webcam.
    pub fn empty() -> Self {
        SyntheticCameras {
            present: false,
            unplug_after: None,
            size: (WIDTH, HEIGHT),
        }
    }

    /// A camera that fails as if unplugged after delivering `frames` frames.
    pub fn unplug_after(frames: u64) -> Self {
        SyntheticCameras {
            present: true,
            unplug_after: Some(frames),
            size: (WIDTH, HEIGHT),
        }
    }

    fn info() -> CameraInfo {
        CameraInfo {
            id: SYNTHETIC_ID.to_owned(),
            name: SYNTHETIC_NAME.to_owned(),
        }
    }
}

impl CameraProvider for SyntheticCameras {
    fn list(&self) -> Result<Vec<CameraInfo>, CameraError> {
        Ok(if self.present { vec![Self::info()] } else { Vec::new() })
    }

    fn open(&self, id: &str) -> Result<Box<dyn Camera>, CameraError> {
        if !self.present || id != SYNTHETIC_ID {
            return Err(CameraError::NoCamera);
        }
        Ok(Box::new(SyntheticCamera {
            info: Self::info(),
            counter: 0,
            last: None,
            unplug_after: self.unplug_after,
            size: self.size,
        }))
    }
}

struct SyntheticCamera {
    info: CameraInfo,
    counter: u64,
    last: Option<Instant>,
    unplug_after: Option<u64>,
    size: (u32, u32),
}

impl Camera for SyntheticCamera {
    fn info(&self) -> &CameraInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Frame, CameraError> {
        if self.unplug_after.is_some_and(|limit| self.counter >= limit) {
            return Err(CameraError::Failed("演示摄像头已断开".to_owned()));
        }
        if let Some(last) = self.last {
            let due = last + FRAME_INTERVAL;
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
        self.last = Some(Instant::now());
        let frame = render_sized(self.counter, self.size.0, self.size.1);
        self.counter += 1;
        Ok(frame)
    }
}

/// Gradient background that drifts, a skin-toned oval with eyes that sways, and the frame
/// counter as a row of binary blocks, so consecutive frames always differ.
#[cfg(test)]
pub(crate) fn render(counter: u64) -> Frame {
    render_sized(counter, WIDTH, HEIGHT)
}

fn render_sized(counter: u64, width: u32, height: u32) -> Frame {
    let (w, h) = (width as i32, height as i32);
    let scale = height as f32 / HEIGHT as f32;
    let phase = (counter % 120) as f32 / 120.0 * std::f32::consts::TAU;
    let cx = w as f32 / 2.0 + 40.0 * scale * phase.sin();
    let cy = h as f32 / 2.0;
    let (rx, ry) = (110.0 * scale, 145.0 * scale);
    let eyes = [
        (cx - 40.0 * scale, cy - 35.0 * scale),
        (cx + 40.0 * scale, cy - 35.0 * scale),
    ];
    let eye_r = 14.0 * scale;
    let shift = (counter * 4 % 512) as i32;

    let mut rgb = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f32, y as f32);
            let dx = (fx - cx) / rx;
            let dy = (fy - cy) / ry;
            let in_face = dx * dx + dy * dy <= 1.0;
            let in_eye = eyes
                .iter()
                .any(|&(ex, ey)| (fx - ex).powi(2) + ((fy - ey) * 1.6).powi(2) <= eye_r * eye_r);
            let in_mouth = (fy - (cy + 60.0 * scale)).abs() < 6.0 * scale && (fx - cx).abs() < 45.0 * scale;
            let pixel = if in_face && (in_eye || in_mouth) {
                [60, 40, 35]
            } else if in_face {
                [224, 180, 150]
            } else {
                [
                    reflect(x * 255 / w + shift),
                    (y * 255 / h) as u8,
                    (160 - (x * 96 / w)) as u8,
                ]
            };
            rgb.extend_from_slice(&pixel);
        }
    }
    draw_counter(&mut rgb, counter, width, height);
    Frame { width, height, rgb }
}

/// Triangle wave over 0..=255, so the drifting gradient has no hard seam.
fn reflect(v: i32) -> u8 {
    let v = v.rem_euclid(512);
    (if v < 256 { v } else { 511 - v }) as u8
}

/// 16 blocks along the bottom edge, white for 1 bits, black for 0 bits.
fn draw_counter(rgb: &mut [u8], counter: u64, width: u32, height: u32) {
    const BLOCK: u32 = 16;
    let top = height - BLOCK - 8;
    for bit in 0..16u32 {
        let value = if (counter >> bit) & 1 == 1 { 255 } else { 0 };
        let left = 8 + bit * (BLOCK + 4);
        for y in top..top + BLOCK {
            for x in left..left + BLOCK {
                let i = ((y * width + x) * 3) as usize;
                rgb[i..i + 3].fill(value);
            }
        }
    }
}
