//! The dlib face chip: a 150×150 crop rotated, scaled and shifted so that the eyes, nose tip
//! and mouth centre land where dlib's mean face puts them (with dlib's padding of 0.25), as the
//! descriptor network was trained on. Same maths as the proof's `similarity` and `align`.

use image::{Rgb, RgbImage};

use crate::detect::{DetectedFace, keypoint};

/// Side of the chip the dlib ResNet reads.
pub const CHIP_SIZE_PX: u32 = 150;
/// dlib's `get_face_chip_details` default: the mean face's unit square plus a quarter of its
/// size on each side.
const CHIP_PADDING: f32 = 0.25;

/// Points of dlib's 68-point mean face shape (`serialize(mean_shape)` in dlib's
/// shape_predictor, landmarks 17..67, unit square) that correspond to BlazeFace keypoints:
/// right eye = mean of landmarks 36..41, left eye = 42..47, nose tip = 30, mouth centre =
/// mean of the inner-lip middles 62 and 66. Computed from the table in face_verify_proof.py.
const TEMPLATE_UNIT: [[f32; 2]; 4] = [
    [0.225_491_83, 0.215_990_33],
    [0.754_761_33, 0.215_990_33],
    [0.490_127, 0.515_625],
    [0.490_127, 0.808_573],
];

fn template_px() -> [[f32; 2]; 4] {
    let scale = CHIP_SIZE_PX as f32 / (1.0 + 2.0 * CHIP_PADDING);
    TEMPLATE_UNIT.map(|[x, y]| [(x + CHIP_PADDING) * scale, (y + CHIP_PADDING) * scale])
}

/// A similarity transform (rotation, uniform scale, shift, no reflection):
/// x' = a·x − b·y + tx, y' = b·x + a·y + ty.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Similarity {
    a: f32,
    b: f32,
    tx: f32,
    ty: f32,
}

impl Similarity {
    /// Least-squares fit mapping `src` onto `dst`. In 2-D this closed form equals Umeyama's
    /// SVD solution with the reflection check the proof uses.
    pub(crate) fn fit(src: &[[f32; 2]], dst: &[[f32; 2]]) -> Similarity {
        let n = src.len().min(dst.len()).max(1) as f32;
        let mean = |pts: &[[f32; 2]]| {
            let (sx, sy) = pts.iter().fold((0.0, 0.0), |(sx, sy), p| (sx + p[0], sy + p[1]));
            [sx / n, sy / n]
        };
        let (ms, md) = (mean(src), mean(dst));
        let (mut dot, mut cross, mut norm) = (0.0f32, 0.0f32, 0.0f32);
        for (s, d) in src.iter().zip(dst) {
            let (sx, sy) = (s[0] - ms[0], s[1] - ms[1]);
            let (dx, dy) = (d[0] - md[0], d[1] - md[1]);
            dot += sx * dx + sy * dy;
            cross += sx * dy - sy * dx;
            norm += sx * sx + sy * sy;
        }
        // All source points on one spot (a degenerate detection): no usable rotation or
        // scale, so the chip becomes a plain shift and the descriptor will simply be poor.
        let (a, b) = if norm > f32::EPSILON {
            (dot / norm, cross / norm)
        } else {
            (1.0, 0.0)
        };
        let tx = md[0] - (a * ms[0] - b * ms[1]);
        let ty = md[1] - (b * ms[0] + a * ms[1]);
        Similarity { a, b, tx, ty }
    }

    pub(crate) fn apply(&self, p: [f32; 2]) -> [f32; 2] {
        [
            self.a * p[0] - self.b * p[1] + self.tx,
            self.b * p[0] + self.a * p[1] + self.ty,
        ]
    }

    fn inverse(&self) -> Similarity {
        let det = self.a * self.a + self.b * self.b;
        let (a, b) = if det > f32::EPSILON {
            (self.a / det, -self.b / det)
        } else {
            (1.0, 0.0)
        };
        Similarity {
            a,
            b,
            tx: -(a * self.tx - b * self.ty),
            ty: -(b * self.tx + a * self.ty),
        }
    }
}

/// The 150×150 chip of `face` for the descriptor network.
pub fn face_chip(image: &RgbImage, face: &DetectedFace) -> RgbImage {
    let order = [
        keypoint::RIGHT_EYE,
        keypoint::LEFT_EYE,
        keypoint::NOSE_TIP,
        keypoint::MOUTH_CENTRE,
    ];
    let src = order.map(|k| [face.keypoints[k].x_px, face.keypoints[k].y_px]);
    let to_chip = Similarity::fit(&src, &template_px());
    warp(image, &to_chip.inverse(), CHIP_SIZE_PX)
}

/// Each output pixel's centre mapped back into `image` and sampled bilinearly; outside the
/// image it is black, as PIL's `Image.transform` (the proof's) fills it.
fn warp(image: &RgbImage, chip_to_image: &Similarity, size_px: u32) -> RgbImage {
    let (w, h) = image.dimensions();
    RgbImage::from_fn(size_px, size_px, |u, v| {
        let [x, y] = chip_to_image.apply([u as f32 + 0.5, v as f32 + 0.5]);
        if !(x >= 0.0 && y >= 0.0 && x < w as f32 && y < h as f32) {
            return Rgb([0, 0, 0]);
        }
        // Pixel centres sit at i + 0.5.
        let (fx, fy) = (x - 0.5, y - 0.5);
        let (x0, y0) = (fx.floor(), fy.floor());
        let (wx, wy) = (fx - x0, fy - y0);
        let clamp_x = |i: f32| (i.max(0.0) as u32).min(w - 1);
        let clamp_y = |i: f32| (i.max(0.0) as u32).min(h - 1);
        let (xa, xb, ya, yb) = (clamp_x(x0), clamp_x(x0 + 1.0), clamp_y(y0), clamp_y(y0 + 1.0));
        let (p00, p10) = (image.get_pixel(xa, ya).0, image.get_pixel(xb, ya).0);
        let (p01, p11) = (image.get_pixel(xa, yb).0, image.get_pixel(xb, yb).0);
        let mut out = [0u8; 3];
        for c in 0..3 {
            let top = p00[c] as f32 * (1.0 - wx) + p10[c] as f32 * wx;
            let bottom = p01[c] as f32 * (1.0 - wx) + p11[c] as f32 * wx;
            out[c] = (top * (1.0 - wy) + bottom * wy).round().clamp(0.0, 255.0) as u8;
        }
        Rgb(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_recovers_a_known_similarity() {
        let truth = Similarity {
            a: 0.8,
            b: 0.3,
            tx: 12.0,
            ty: -4.0,
        };
        let src = [[10.0, 20.0], [60.0, 22.0], [35.0, 50.0], [36.0, 75.0]];
        let dst = src.map(|p| truth.apply(p));
        let fitted = Similarity::fit(&src, &dst);
        for p in src {
            let (q, r) = (fitted.apply(p), truth.apply(p));
            assert!(
                (q[0] - r[0]).abs() < 1e-3 && (q[1] - r[1]).abs() < 1e-3,
                "{q:?} vs {r:?}"
            );
        }
        let back = fitted.inverse().apply(fitted.apply([5.0, 7.0]));
        assert!((back[0] - 5.0).abs() < 1e-3 && (back[1] - 7.0).abs() < 1e-3);
    }

    #[test]
    fn template_matches_the_proof() {
        // TEMPLATE in face_verify_proof.py, printed with numpy.
        let t = template_px();
        assert!((t[0][0] - 47.549).abs() < 0.01 && (t[0][1] - 46.599).abs() < 0.01);
        assert!((t[3][0] - 74.013).abs() < 0.01 && (t[3][1] - 105.857).abs() < 0.01);
    }
}
