//! Before the shot: one hint for the clerk, and the ID-photo crop of a good frame.

use image::imageops;
use image::{GrayImage, RgbImage};

use crate::align::face_chip;
use crate::detect::DetectedFace;

/// The platform's ID photo (the 二代证 portrait's 358×441 px): a portrait 3 : 3.7 frame.
pub const ID_PHOTO_SIZE_PX: (u32, u32) = (358, 441);

/// What to tell the worker before the photo is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hint {
    NoFace,
    /// Several faces: the largest is used; said so the clerk can ask others to step aside.
    SeveralFaces {
        count: usize,
    },
    TooSmall,
    TooDark,
    Blurred,
}

impl Hint {
    pub fn text(self) -> &'static str {
        match self {
            Hint::NoFace => "没有找到人脸，请正对摄像头",
            Hint::SeveralFaces { .. } => "画面里有几张脸，按最大的一张比对",
            Hint::TooSmall => "请靠近一些",
            Hint::TooDark => "光线太暗",
            Hint::Blurred => "画面模糊，请保持不动",
        }
    }
}

impl std::fmt::Display for Hint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text())
    }
}

/// The lines [`assess`] draws; see `assets/models/README.md` ("Capture guidance") for how they
/// were chosen.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct GuideThresholds {
    /// Eye-to-eye distance in the frame. The dlib chip puts the eyes 53 px apart; below 40 px
    /// the chip is an enlargement of too little detail (at 640×480 that is about 1.5 m away).
    pub min_eye_distance_px: f32,
    /// Mean luma (0..255, BT.601) of the face in the aligned chip.
    pub min_face_luma: f32,
    /// Variance of the Laplacian of the chip's central face region, which is about 100 px
    /// wide whatever the face's size in the frame, so one line serves every camera.
    pub min_sharpness: f32,
}

impl GuideThresholds {
    pub const DEFAULT: GuideThresholds = GuideThresholds {
        min_eye_distance_px: 40.0,
        min_face_luma: 60.0,
        min_sharpness: 30.0,
    };
}

impl Default for GuideThresholds {
    fn default() -> Self {
        GuideThresholds::DEFAULT
    }
}

/// The one hint to show for a camera frame and the faces [`crate::FaceEngine::detect`] found
/// in it, or None when the frame is fit to compare. The largest face is judged: size first
/// (moving closer also fixes the rest), then light, then blur; several faces last, since the
/// largest is used anyway.
pub fn assess(image: &RgbImage, faces: &[DetectedFace]) -> Option<Hint> {
    assess_with(image, faces, &GuideThresholds::DEFAULT)
}

pub fn assess_with(image: &RgbImage, faces: &[DetectedFace], limits: &GuideThresholds) -> Option<Hint> {
    let Some(largest) = faces.first() else {
        return Some(Hint::NoFace);
    };
    if largest.eye_distance_px() < limits.min_eye_distance_px {
        return Some(Hint::TooSmall);
    }
    let quality = face_quality(image, largest);
    if quality.luma < limits.min_face_luma {
        return Some(Hint::TooDark);
    }
    if quality.sharpness < limits.min_sharpness {
        return Some(Hint::Blurred);
    }
    if faces.len() > 1 {
        return Some(Hint::SeveralFaces { count: faces.len() });
    }
    None
}

/// Brightness and sharpness of a face, measured where the descriptor looks.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FaceQuality {
    pub luma: f32,
    pub sharpness: f32,
}

/// The chip's central 100×100: from the brows to the chin, cheek to cheek, no background.
const QUALITY_REGION: (u32, u32, u32) = (25, 30, 100);

pub fn face_quality(image: &RgbImage, face: &DetectedFace) -> FaceQuality {
    let chip = face_chip(image, face);
    let (x0, y0, side) = QUALITY_REGION;
    let gray: GrayImage = imageops::grayscale(&imageops::crop_imm(&chip, x0, y0, side, side).to_image());
    let n = (side * side) as f32;
    let luma = gray.pixels().map(|p| p.0[0] as f32).sum::<f32>() / n;
    let mut laplacians = Vec::with_capacity(((side - 2) * (side - 2)) as usize);
    for y in 1..side - 1 {
        for x in 1..side - 1 {
            let at = |dx: i32, dy: i32| gray.get_pixel((x as i32 + dx) as u32, (y as i32 + dy) as u32).0[0] as f32;
            laplacians.push(at(-1, 0) + at(1, 0) + at(0, -1) + at(0, 1) - 4.0 * at(0, 0));
        }
    }
    let count = laplacians.len().max(1) as f32;
    let mean = laplacians.iter().sum::<f32>() / count;
    let sharpness = laplacians.iter().map(|l| (l - mean) * (l - mean)).sum::<f32>() / count;
    FaceQuality { luma, sharpness }
}

/// Face-box width as a share of the photo's width, and the eye line's height from the top:
/// the proof's simulated 二代证 portrait (and so the chip the calibration used), which keeps
/// head, neck and the top of the shoulders.
const FACE_WIDTH_SHARE: f32 = 0.55;
const EYE_LINE_FROM_TOP: f32 = 0.45;

/// The head-and-shoulders crop of `face`, centred on it, in the ID photo's proportions
/// ([`ID_PHOTO_SIZE_PX`]), at the frame's own resolution (resize it to 358×441 for the
/// platform). Kept inside the frame: shifted where the ideal crop crosses an edge, shrunk
/// (same proportions) where the frame is too small for it.
pub fn frame_id_photo(image: &RgbImage, face: &DetectedFace) -> RgbImage {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let aspect = ID_PHOTO_SIZE_PX.1 as f32 / ID_PHOTO_SIZE_PX.0 as f32;
    let mut crop_w = face.face_box.width_px().max(1.0) / FACE_WIDTH_SHARE;
    let mut crop_h = crop_w * aspect;
    let shrink = (w / crop_w).min(h / crop_h).min(1.0);
    crop_w *= shrink;
    crop_h *= shrink;
    let centre_x = (face.face_box.left_px + face.face_box.right_px) / 2.0;
    let eyes = &face.keypoints[..2];
    let eye_y = (eyes[0].y_px + eyes[1].y_px) / 2.0;
    let left = (centre_x - crop_w / 2.0).clamp(0.0, (w - crop_w).max(0.0));
    let top = (eye_y - EYE_LINE_FROM_TOP * crop_h).clamp(0.0, (h - crop_h).max(0.0));
    let (x, y) = (left.floor() as u32, top.floor() as u32);
    let cw = (crop_w.round() as u32).clamp(1, image.width().saturating_sub(x).max(1));
    let ch = (crop_h.round() as u32).clamp(1, image.height().saturating_sub(y).max(1));
    imageops::crop_imm(image, x, y, cw, ch).to_image()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{FaceBox, Point};

    fn face_at(cx: f32, cy: f32, width: f32) -> DetectedFace {
        let p = |x: f32, y: f32| Point {
            x_px: cx + x * width,
            y_px: cy + y * width,
        };
        DetectedFace {
            face_box: FaceBox {
                left_px: cx - width / 2.0,
                top_px: cy - width / 2.0,
                right_px: cx + width / 2.0,
                bottom_px: cy + width / 2.0,
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
        }
    }

    #[test]
    fn id_photo_is_portrait_and_inside_the_frame() {
        let image = RgbImage::new(640, 480);
        for (cx, cy, width) in [
            (320.0, 240.0, 120.0),
            (20.0, 30.0, 120.0),
            (620.0, 470.0, 200.0),
            (320.0, 240.0, 600.0),
        ] {
            let photo = frame_id_photo(&image, &face_at(cx, cy, width));
            let ratio = photo.height() as f32 / photo.width() as f32;
            assert!(
                (ratio - 441.0 / 358.0).abs() < 0.02,
                "{cx},{cy},{width}: {:?}",
                photo.dimensions()
            );
            assert!(photo.width() <= 640 && photo.height() <= 480);
        }
        let centred = frame_id_photo(&image, &face_at(320.0, 240.0, 120.0));
        assert_eq!(centred.width(), (120.0f32 / FACE_WIDTH_SHARE).round() as u32);
    }

    #[test]
    fn no_face_and_small_face_hints() {
        let image = RgbImage::from_pixel(640, 480, image::Rgb([128, 128, 128]));
        assert_eq!(assess(&image, &[]), Some(Hint::NoFace));
        assert_eq!(assess(&image, &[face_at(320.0, 240.0, 60.0)]), Some(Hint::TooSmall));
        // A flat grey "face" is bright enough but has no detail at all.
        assert_eq!(assess(&image, &[face_at(320.0, 240.0, 200.0)]), Some(Hint::Blurred));
        let dark = RgbImage::from_pixel(640, 480, image::Rgb([20, 20, 20]));
        assert_eq!(assess(&dark, &[face_at(320.0, 240.0, 200.0)]), Some(Hint::TooDark));
    }
}
