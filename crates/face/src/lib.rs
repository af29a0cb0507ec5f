//! 人证匹配 for CWR Station (issue 21): is the worker in front of the camera the person on the
//! ID card? Pure Rust: three small ONNX models in `assets/models/` (see its README for sources,
//! licences, checksums and the calibration behind the thresholds), run by this crate's own
//! interpreter (`nn`: the fifteen operators they use, sgemm from `matrixmultiply`).
//!
//! Pipeline: BlazeFace finds faces and six keypoints ([`FaceEngine::detect`]); the eyes, nose
//! and mouth align a 150×150 dlib chip; the dlib ResNet turns it into a 128-d [`Descriptor`]
//! ([`FaceEngine::describe`]); the Euclidean distance between two descriptors is read against
//! two thresholds into a [`Verdict`] (一致 / 不确定 / 不一致).
//!
//! How the station is meant to use it:
//!
//! * Load once, share everywhere: [`FaceEngine`] is `Send + Sync`; keep a [`LazyEngine`] in the
//!   application state (it loads the models on first use, ~0.2 s in release, and hands out
//!   `Arc<FaceEngine>` clones), or call [`FaceEngine::load`] yourself.
//! * `cwr-station face compare LIVE CHIP [--front SCAN]`: decode the images with the `image`
//!   crate, call [`compare`] and print `serde_json::to_string(&comparison)`: it serialises to
//!   exactly `{"faces":[n_live,n_chip],"distance":…,"threshold":…,"verdict":"match|uncertain|different","match":…}`;
//!   the rest of [`Comparison`] (both distances, which reference decided) is for the log.
//! * Enrollment screen, while the camera runs: `let faces = engine.detect(&frame)?;` then
//!   [`assess`] gives the one hint to show (没有找到人脸…, 请靠近一些, 光线太暗…), or `None`
//!   when the frame is good; on capture, [`frame_id_photo`] crops the head-and-shoulders
//!   picture and [`FaceEngine::describe`] the descriptor to store
//!   ([`Descriptor::to_le_bytes`], 512 bytes).
//! * Duplicate check (1:N): load the stored descriptors into a [`Gallery`] at startup and ask
//!   [`Gallery::nearest`]. Enrollment captures are good photos on both sides, so dlib's own
//!   line [`GOOD_PHOTOS_SAME_BELOW`] applies there, not the chip-portrait [`Thresholds`].
//!
//! Work runs on the caller's thread (one detection + one descriptor ≈ 20 ms in release on
//! two cores, see the README); call it off the UI thread.

mod align;
mod descriptor;
mod detect;
mod error;
#[cfg(test)]
mod golden;
mod guide;
mod nn;
mod verdict;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use image::RgbImage;

pub use align::{CHIP_SIZE_PX, face_chip};
pub use descriptor::{DESCRIPTOR_LEN, Descriptor, Gallery, Nearest};
pub use detect::{DetectedFace, FaceBox, Point, keypoint};
pub use error::{FaceError, ImageRole};
pub use guide::{
    FaceQuality, GuideThresholds, Hint, ID_PHOTO_SIZE_PX, assess, assess_with, face_quality, frame_id_photo,
};
pub use verdict::{Comparison, Reference, Thresholds, Verdict, compare};

use detect::{Detector, Plan};

/// File names in the models folder (`assets/models/` in the repository).
pub const SHORT_RANGE_MODEL: &str = "blazeface_short.onnx";
pub const FULL_RANGE_MODEL: &str = "blazeface_full.onnx";
pub const DESCRIPTOR_MODEL: &str = "dlib_resnet_faceapi.onnx";

/// dlib's "same person" line for two good photos (its LFW calibration), for 1:N between
/// enrollment captures. Not re-calibrated here: the chip portrait needs [`Thresholds`].
pub const GOOD_PHOTOS_SAME_BELOW: f32 = 0.6;

/// When the short-range detector's faces are all narrower than this share of the image's
/// longer side (or it found none), the full-range detector looks too: far faces and group
/// photos are what it was trained for, and a face this small is at the edge of what the
/// short-range model (faces within about 2 m, filling much of a phone's frame) sees well.
const FULL_RANGE_BELOW_FRACTION: f32 = 0.25;

/// The three models, loaded and optimised once. Every method takes `&self` and keeps no
/// state between calls, so one engine serves all threads.
pub struct FaceEngine {
    short_range: Detector,
    full_range: Detector,
    descriptor_net: Plan,
}

impl FaceEngine {
    /// Loads the three ONNX files from `models_dir` (~0.2 s in release, measured by bench_face).
    pub fn load(models_dir: &Path) -> Result<FaceEngine, FaceError> {
        Ok(FaceEngine {
            short_range: Detector::load_short_range(&models_dir.join(SHORT_RANGE_MODEL))?,
            full_range: Detector::load_full_range(&models_dir.join(FULL_RANGE_MODEL))?,
            descriptor_net: detect::load_plan(
                &models_dir.join(DESCRIPTOR_MODEL),
                &[1, 3, CHIP_SIZE_PX as usize, CHIP_SIZE_PX as usize],
            )?,
        })
    }

    /// Every face in `image`, largest first (the person at the station is normally the
    /// largest). An image without a face gives an empty list, not an error.
    pub fn detect(&self, image: &RgbImage) -> Result<Vec<DetectedFace>, FaceError> {
        let mut faces = self.short_range.run(image)?;
        let side_px = image.width().max(image.height()) as f32;
        let all_small = faces
            .iter()
            .all(|f| f.face_box.width_px() < FULL_RANGE_BELOW_FRACTION * side_px);
        if all_small {
            faces = detect::merge(faces, self.full_range.run(image)?);
        }
        faces.sort_by(|a, b| b.face_box.area_px().total_cmp(&a.face_box.area_px()));
        Ok(faces)
    }

    /// The descriptor of `face`, one of the faces [`FaceEngine::detect`] found in `image`.
    pub fn describe(&self, image: &RgbImage, face: &DetectedFace) -> Result<Descriptor, FaceError> {
        self.describe_chip(&face_chip(image, face))
    }

    /// The descriptor of a chip that is already aligned (150×150, from [`face_chip`]).
    pub fn describe_chip(&self, chip: &RgbImage) -> Result<Descriptor, FaceError> {
        let side = CHIP_SIZE_PX as usize;
        if chip.dimensions() != (CHIP_SIZE_PX, CHIP_SIZE_PX) {
            return Err(FaceError::Inference(format!(
                "人脸小图应为 {side}×{side}，实际 {:?}",
                chip.dimensions()
            )));
        }
        // Planar RGB, 0..255: the model subtracts dlib's mean colour and divides by 255 itself.
        let mut input = vec![0.0f32; 3 * side * side];
        for (i, px) in chip.pixels().enumerate() {
            for c in 0..3 {
                input[c * side * side + i] = px.0[c] as f32;
            }
        }
        let outputs = self.descriptor_net.run(input)?;
        let out = outputs
            .first()
            .ok_or_else(|| FaceError::UnexpectedOutput("no output".into()))?;
        let values = <[f32; DESCRIPTOR_LEN]>::try_from(out.data.as_slice())
            .map_err(|_| FaceError::UnexpectedOutput(format!("descriptor {:?}", out.shape)))?;
        Ok(Descriptor(values))
    }

    /// [`compare`] with this engine: the live frame against the chip portrait and, when
    /// given, the front scan.
    pub fn compare(
        &self,
        live: &RgbImage,
        chip: &RgbImage,
        front_scan: Option<&RgbImage>,
    ) -> Result<Comparison, FaceError> {
        compare(self, live, chip, front_scan)
    }

    /// The largest face's descriptor and the number of faces seen.
    pub fn describe_largest(&self, image: &RgbImage) -> Result<Option<(Descriptor, DetectedFace, usize)>, FaceError> {
        let faces = self.detect(image)?;
        let Some(face) = faces.first() else { return Ok(None) };
        Ok(Some((self.describe(image, face)?, face.clone(), faces.len())))
    }
}

/// A [`FaceEngine`] loaded on first use and then shared: keep one in the application state.
/// A failed load is reported to that caller and tried again next time (the models may have
/// been restored in between).
pub struct LazyEngine {
    models_dir: PathBuf,
    engine: Mutex<Option<Arc<FaceEngine>>>,
}

impl LazyEngine {
    pub fn new(models_dir: impl Into<PathBuf>) -> LazyEngine {
        LazyEngine {
            models_dir: models_dir.into(),
            engine: Mutex::new(None),
        }
    }

    pub fn models_dir(&self) -> &Path {
        &self.models_dir
    }

    pub fn get(&self) -> Result<Arc<FaceEngine>, FaceError> {
        // A panic while loading poisons the lock but leaves nothing half-made behind it.
        let mut slot = self.engine.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(engine) = slot.as_ref() {
            return Ok(Arc::clone(engine));
        }
        let engine = Arc::new(FaceEngine::load(&self.models_dir)?);
        *slot = Some(Arc::clone(&engine));
        Ok(engine)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<FaceEngine>();
        shareable::<LazyEngine>();
    }
}
