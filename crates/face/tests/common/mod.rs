//! The pictures the station will really see, simulated from ordinary photos as
//! face_verify_proof.py does: the ID card's chip portrait and a webcam frame. Shared by the
//! tests and `examples/calibrate.rs`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use face::{DetectedFace, FaceEngine};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn models_dir() -> PathBuf {
    crate_dir().join("../../assets/models")
}

/// One engine for every test in a binary: loading is the slow part.
pub fn engine() -> &'static FaceEngine {
    static ENGINE: OnceLock<FaceEngine> = OnceLock::new();
    ENGINE.get_or_init(|| FaceEngine::load(&models_dir()).expect("models in assets/models"))
}

pub fn load(path: &Path) -> RgbImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

pub fn test_face(name: &str) -> RgbImage {
    load(&crate_dir().join("tests/faces").join(name))
}

/// Encoded and decoded again at JPEG `quality`; also returns the encoded size.
pub fn jpeg(image: &RgbImage, quality: u8) -> (RgbImage, usize) {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(image)
        .expect("JPEG encoding");
    let decoded = image::load_from_memory(&bytes).expect("JPEG decoding").to_rgb8();
    (decoded, bytes.len())
}

/// `image` pasted on a `w`×`h` canvas of `fill` with its top-left corner at (x, y), which may
/// be negative or past the canvas (PIL's paste/crop semantics).
fn paste(image: &RgbImage, x: i64, y: i64, w: u32, h: u32, fill: Rgb<u8>) -> RgbImage {
    let mut canvas = RgbImage::from_pixel(w, h, fill);
    imageops::overlay(&mut canvas, image, x, y);
    canvas
}

/// The chip portrait: the ID photo framing (face box 55 % of the width, eyes at 45 % of the
/// height, white outside the photo), 102×126, then JPEG at `quality` (the chip holds a ~1 KB
/// wavelet image; JPEG q≈15 is about as damaged, q5 worse).
pub fn id_card_portrait(image: &RgbImage, face: &DetectedFace, quality: u8) -> (RgbImage, usize) {
    let eye_x = (face.keypoints[0].x_px + face.keypoints[1].x_px) / 2.0;
    let eye_y = (face.keypoints[0].y_px + face.keypoints[1].y_px) / 2.0;
    let fw = face.face_box.width_px() / 0.55;
    let fh = fw * 126.0 / 102.0;
    let (x0, y0) = (eye_x - fw / 2.0, eye_y - 0.45 * fh);
    let canvas = paste(
        image,
        -(x0 as i64),
        -(y0 as i64),
        fw as u32,
        fh as u32,
        Rgb([255, 255, 255]),
    );
    let card = imageops::resize(&canvas, 102, 126, FilterType::Triangle);
    jpeg(&card, quality)
}

/// A 640×480 webcam frame with the face about 180 px wide, JPEG q80.
pub fn webcam_frame(image: &RgbImage, face: &DetectedFace) -> RgbImage {
    let b = &face.face_box;
    let (cx, cy) = ((b.left_px + b.right_px) / 2.0, (b.top_px + b.bottom_px) / 2.0);
    let s = b.width_px() / 180.0;
    let (w, h) = ((640.0 * s) as u32, (480.0 * s) as u32);
    let x0 = (cx - 320.0 * s) as i64;
    let y0 = (cy - 240.0 * s) as i64;
    let frame = paste(image, -x0, -y0, w, h, Rgb([0, 0, 0]));
    jpeg(&imageops::resize(&frame, 640, 480, FilterType::Triangle), 80).0
}

/// The largest face, or a panic naming the picture.
pub fn largest_face(image: &RgbImage, what: &str) -> DetectedFace {
    engine()
        .detect(image)
        .expect("detection runs")
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no face in {what}"))
}
