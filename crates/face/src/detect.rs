//! MediaPipe BlazeFace: letterboxed input, SSD anchors, box and keypoint regressors, weighted
//! non-maximum suppression, all as in `face_verify_proof.py`'s `detect` and MediaPipe's own
//! `face_detection_*_range.pbtxt` graphs.

use std::path::Path;

use image::RgbImage;
use image::imageops::{self, FilterType};

use crate::error::FaceError;
use crate::nn::{Net, Tensor};

/// A loaded model and the input shape it was checked with at load.
#[derive(Debug)]
pub(crate) struct Plan {
    net: Net,
    input_shape: Vec<usize>,
}

impl Plan {
    pub(crate) fn run(&self, input: Vec<f32>) -> Result<Vec<Tensor>, FaceError> {
        let tensor = Tensor::new(self.input_shape.clone(), input).map_err(FaceError::inference)?;
        self.net.run(tensor).map_err(FaceError::inference)
    }
}

/// A point in the pixels of the image that was passed to [`crate::FaceEngine::detect`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Point {
    pub x_px: f32,
    pub y_px: f32,
}

/// An axis-aligned box in image pixels; it may reach past the image's edges for a face that
/// is cut off.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FaceBox {
    pub left_px: f32,
    pub top_px: f32,
    pub right_px: f32,
    pub bottom_px: f32,
}

impl FaceBox {
    pub fn width_px(&self) -> f32 {
        self.right_px - self.left_px
    }

    pub fn height_px(&self) -> f32 {
        self.bottom_px - self.top_px
    }

    pub fn area_px(&self) -> f32 {
        self.width_px().max(0.0) * self.height_px().max(0.0)
    }

    fn intersection_px(&self, other: &FaceBox) -> f32 {
        let ix = (self.right_px.min(other.right_px) - self.left_px.max(other.left_px)).max(0.0);
        let iy = (self.bottom_px.min(other.bottom_px) - self.top_px.max(other.top_px)).max(0.0);
        ix * iy
    }

    fn iou(&self, other: &FaceBox) -> f32 {
        let inter = self.intersection_px(other);
        inter / (self.area_px() + other.area_px() - inter + 1e-9)
    }

    /// Share of the smaller box covered by the larger.
    fn containment(&self, other: &FaceBox) -> f32 {
        self.intersection_px(other) / (self.area_px().min(other.area_px()) + 1e-9)
    }
}

/// Indices into [`DetectedFace::keypoints`], in BlazeFace's order. "Right" is the person's
/// right, which is on the left of an unmirrored photo.
pub mod keypoint {
    pub const RIGHT_EYE: usize = 0;
    pub const LEFT_EYE: usize = 1;
    pub const NOSE_TIP: usize = 2;
    pub const MOUTH_CENTRE: usize = 3;
    pub const RIGHT_EAR_TRAGION: usize = 4;
    pub const LEFT_EAR_TRAGION: usize = 5;
}

/// One face found by [`crate::FaceEngine::detect`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DetectedFace {
    pub face_box: FaceBox,
    /// The detector's confidence, 0..1 (a sigmoid of its logit).
    pub score: f32,
    /// Six landmarks, ordered as in [`keypoint`].
    pub keypoints: [Point; 6],
}

impl DetectedFace {
    /// Distance between the eye centres: a steadier measure of the face's size than the box,
    /// whose height changes with the chin and hairline.
    pub fn eye_distance_px(&self) -> f32 {
        let r = self.keypoints[keypoint::RIGHT_EYE];
        let l = self.keypoints[keypoint::LEFT_EYE];
        (r.x_px - l.x_px).hypot(r.y_px - l.y_px)
    }
}

/// Below this the detector's sigmoid score is noise (the proof's and MediaPipe full-range's
/// 0.6; MediaPipe's short-range graph uses 0.5 but then catches more hands and patterns).
const MIN_SCORE: f32 = 0.6;
/// Boxes overlapping more than this are one face (MediaPipe's min_suppression_threshold).
const NMS_IOU: f32 = 0.3;

pub(crate) struct Detector {
    plan: Plan,
    input_size_px: u32,
    /// Anchor centres, normalised to 0..1 of the square input.
    anchors: Vec<[f32; 2]>,
}

impl Detector {
    /// MediaPipe's short-range model: 128×128 input, strides 8 and 16 with 2 and 6 anchors per
    /// cell (896 anchors). Trained on faces within about 2 m of a phone camera.
    pub(crate) fn load_short_range(path: &Path) -> Result<Detector, FaceError> {
        Self::load(path, 128, &[(8, 2), (16, 6)])
    }

    /// The full-range model: 192×192 input, stride 4 with one anchor per cell (2304 anchors),
    /// for faces up to about 5 m away and for group photos.
    pub(crate) fn load_full_range(path: &Path) -> Result<Detector, FaceError> {
        Self::load(path, 192, &[(4, 1)])
    }

    fn load(path: &Path, input_size_px: u32, layers: &[(u32, usize)]) -> Result<Detector, FaceError> {
        let side = input_size_px as usize;
        let plan = load_plan(path, &[1, side, side, 3])?;
        let mut anchors = Vec::new();
        for &(stride, per_cell) in layers {
            let grid = input_size_px / stride;
            for y in 0..grid {
                for x in 0..grid {
                    let centre = [(x as f32 + 0.5) / grid as f32, (y as f32 + 0.5) / grid as f32];
                    anchors.extend(std::iter::repeat_n(centre, per_cell));
                }
            }
        }
        Ok(Detector {
            plan,
            input_size_px,
            anchors,
        })
    }

    /// Faces in `image`, in its pixels, strongest first.
    pub(crate) fn run(&self, image: &RgbImage) -> Result<Vec<DetectedFace>, FaceError> {
        let (w, h) = image.dimensions();
        if w == 0 || h == 0 {
            return Err(FaceError::EmptyImage {
                width_px: w,
                height_px: h,
            });
        }
        // Letterbox: the model wants a square; stretching would change the faces' proportions.
        let size = self.input_size_px;
        let side = w.max(h) as f32;
        let rw = ((w as f32 * size as f32 / side).round() as u32).clamp(1, size);
        let rh = ((h as f32 * size as f32 / side).round() as u32).clamp(1, size);
        // Triangle with a support scaled to the ratio is what PIL's BILINEAR resize (the proof's)
        // does: an averaging downscale, so a 4000-px photo does not alias into noise.
        let small = imageops::resize(image, rw, rh, FilterType::Triangle);
        let off_x = (size - rw) / 2;
        let off_y = (size - rh) / 2;
        let n = size as usize;
        // Padding is black, -1 after normalisation, as in the proof.
        let mut input = vec![-1.0f32; n * n * 3];
        for (x, y, px) in small.enumerate_pixels() {
            let base = (((y + off_y) as usize) * n + (x + off_x) as usize) * 3;
            for c in 0..3 {
                input[base + c] = px.0[c] as f32 / 127.5 - 1.0;
            }
        }
        let outputs = self.plan.run(input)?;
        let (regressors, logits) = self.split_outputs(&outputs)?;

        // Model coordinates (0..1 of the letterboxed square) back to image pixels.
        let scale_x = w as f32 / rw as f32;
        let scale_y = h as f32 / rh as f32;
        let to_image = |u: f32, v: f32| Point {
            x_px: (u * size as f32 - off_x as f32) * scale_x,
            y_px: (v * size as f32 - off_y as f32) * scale_y,
        };
        let mut candidates = Vec::new();
        for (i, (anchor, &logit)) in self.anchors.iter().zip(logits).enumerate() {
            // Clipped like MediaPipe (score_clipping_thresh 100) so exp cannot overflow.
            let score = 1.0 / (1.0 + (-logit.clamp(-100.0, 100.0)).exp());
            if score <= MIN_SCORE {
                continue;
            }
            let r = &regressors[i * 16..i * 16 + 16];
            let s = size as f32;
            let (cx, cy) = (r[0] / s + anchor[0], r[1] / s + anchor[1]);
            let (bw, bh) = (r[2] / s, r[3] / s);
            let top_left = to_image(cx - bw / 2.0, cy - bh / 2.0);
            let bottom_right = to_image(cx + bw / 2.0, cy + bh / 2.0);
            let mut keypoints = [Point { x_px: 0.0, y_px: 0.0 }; 6];
            for (k, p) in keypoints.iter_mut().enumerate() {
                *p = to_image(r[4 + 2 * k] / s + anchor[0], r[5 + 2 * k] / s + anchor[1]);
            }
            candidates.push(DetectedFace {
                face_box: FaceBox {
                    left_px: top_left.x_px,
                    top_px: top_left.y_px,
                    right_px: bottom_right.x_px,
                    bottom_px: bottom_right.y_px,
                },
                score,
                keypoints,
            });
        }
        Ok(weighted_nms(candidates))
    }

    /// (regressors [anchors×16], logits [anchors]) whatever order the converter wrote them in.
    fn split_outputs<'a>(&self, outputs: &'a [Tensor]) -> Result<(&'a [f32], &'a [f32]), FaceError> {
        let n = self.anchors.len();
        let mut regressors = None;
        let mut logits = None;
        for out in outputs {
            let data = out.data.as_slice();
            match out.shape.as_slice() {
                [1, a, 16] if *a == n => regressors = Some(data),
                [1, a, 1] if *a == n => logits = Some(data),
                other => return Err(FaceError::UnexpectedOutput(format!("detector output {other:?}"))),
            }
        }
        match (regressors, logits) {
            (Some(r), Some(l)) => Ok((r, l)),
            _ => Err(FaceError::UnexpectedOutput(format!("detector outputs for {n} anchors"))),
        }
    }
}

/// MediaPipe's "weighted" suppression: the overlapping candidates of one face are averaged by
/// score, which steadies the keypoints the alignment depends on.
pub(crate) fn weighted_nms(mut candidates: Vec<DetectedFace>) -> Vec<DetectedFace> {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while let Some(best) = candidates.first().cloned() {
        let (group, rest): (Vec<_>, Vec<_>) = candidates
            .into_iter()
            .partition(|d| best.face_box.iou(&d.face_box) > NMS_IOU);
        candidates = rest;
        let total: f32 = group.iter().map(|d| d.score).sum();
        let mut merged = best.clone();
        let weigh = |f: &dyn Fn(&DetectedFace) -> f32| group.iter().map(|d| f(d) * d.score).sum::<f32>() / total;
        merged.face_box = FaceBox {
            left_px: weigh(&|d| d.face_box.left_px),
            top_px: weigh(&|d| d.face_box.top_px),
            right_px: weigh(&|d| d.face_box.right_px),
            bottom_px: weigh(&|d| d.face_box.bottom_px),
        };
        for k in 0..6 {
            merged.keypoints[k] = Point {
                x_px: weigh(&|d| d.keypoints[k].x_px),
                y_px: weigh(&|d| d.keypoints[k].y_px),
            };
        }
        out.push(merged);
    }
    out
}

/// A box mostly inside another is the same face seen at two sizes: on a group photo the
/// short-range model, out of its depth, sometimes draws a box twice the size of the face
/// around the full-range model's (IoU ≈ 0.25, under the NMS line).
const SAME_FACE_CONTAINMENT: f32 = 0.6;

/// Faces from both detectors as one list: where both saw the same face, the higher score wins
/// (their keypoints are not averaged, the two models place them slightly differently).
pub(crate) fn merge(mut faces: Vec<DetectedFace>, more: Vec<DetectedFace>) -> Vec<DetectedFace> {
    let same = |a: &FaceBox, b: &FaceBox| a.iou(b) > NMS_IOU || a.containment(b) > SAME_FACE_CONTAINMENT;
    for face in more {
        match faces.iter_mut().find(|f| same(&f.face_box, &face.face_box)) {
            Some(existing) if existing.score < face.score => *existing = face,
            Some(_) => {}
            None => faces.push(face),
        }
    }
    faces
}

/// Reads the model at `path` and runs it once on zeros of `input_shape`, so a model this crate
/// cannot run (wrong input, an operator it lacks) fails here rather than at the first face.
pub(crate) fn load_plan(path: &Path, input_shape: &[usize]) -> Result<Plan, FaceError> {
    let fail = |detail: String| FaceError::ModelLoad {
        path: path.to_path_buf(),
        detail,
    };
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let net = Net::from_bytes(&bytes).map_err(|e| fail(e.to_string()))?;
    let plan = Plan {
        net,
        input_shape: input_shape.to_vec(),
    };
    let zeros = vec![0.0; input_shape.iter().product()];
    plan.net
        .run(Tensor::new(input_shape.to_vec(), zeros).map_err(|e| fail(e.to_string()))?)
        .map_err(|e| fail(e.to_string()))?;
    Ok(plan)
}
