//! Each network's results on the test photos against `tests/golden.json`, which was written by
//! the tract-onnx engine this crate used before its own interpreter (`FACE_GOLDEN_WRITE=1`
//! rewrites it from whatever engine is built now: only do that on purpose).

use std::path::PathBuf;

use image::RgbImage;
use serde_json::{Value, json};

use crate::detect::{DetectedFace, FaceBox, Point};
use crate::{FaceEngine, face_chip};

const IMAGES: [&str; 6] = [
    "obama.jpg",
    "obama2.jpg",
    "obama3.jpg",
    "biden.jpg",
    "astronaut.jpg",
    "group_composite.jpg",
];

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn golden_path() -> PathBuf {
    crate_dir().join("tests/golden.json")
}

fn test_face(name: &str) -> RgbImage {
    let path = crate_dir().join("tests/faces").join(name);
    image::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

fn engine() -> FaceEngine {
    FaceEngine::load(&crate_dir().join("../../assets/models")).expect("models in assets/models")
}

fn round(v: f32) -> f64 {
    (v as f64 * 1e5).round() / 1e5
}

fn face_json(f: &DetectedFace) -> Value {
    let b = f.face_box;
    let face_box = [b.left_px, b.top_px, b.right_px, b.bottom_px].map(round);
    json!({
        "box": face_box,
        "score": round(f.score),
        "keypoints": f.keypoints.iter().flat_map(|p| [round(p.x_px), round(p.y_px)]).collect::<Vec<_>>(),
    })
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number") as f32)
        .collect()
}

fn face_from_json(v: &Value) -> DetectedFace {
    let b = floats(&v["box"]);
    let k = floats(&v["keypoints"]);
    DetectedFace {
        face_box: FaceBox {
            left_px: b[0],
            top_px: b[1],
            right_px: b[2],
            bottom_px: b[3],
        },
        score: v["score"].as_f64().expect("score") as f32,
        keypoints: std::array::from_fn(|i| Point {
            x_px: k[2 * i],
            y_px: k[2 * i + 1],
        }),
    }
}

fn write_golden(engine: &FaceEngine) {
    let mut images = Vec::new();
    for name in IMAGES {
        let image = test_face(name);
        let short = engine.short_range.run(&image).expect("short-range runs");
        let full = engine.full_range.run(&image).expect("full-range runs");
        let largest = engine
            .detect(&image)
            .expect("detect runs")
            .into_iter()
            .next()
            .expect("a face");
        // Stored with the rounded keypoints the replay will read back, so both engines
        // describe the very same chip.
        let largest = face_from_json(&face_json(&largest));
        let descriptor = engine
            .describe(&image, &largest)
            .expect("describe runs")
            .0
            .map(round)
            .to_vec();
        images.push(json!({
            "name": name,
            "short_range": short.iter().map(face_json).collect::<Vec<_>>(),
            "full_range": full.iter().map(face_json).collect::<Vec<_>>(),
            "described_face": face_json(&largest),
            "descriptor": descriptor,
        }));
    }
    let text = serde_json::to_string(&json!({ "engine": "tract-onnx 0.23.9", "images": images })).expect("JSON");
    std::fs::write(golden_path(), text + "\n").expect("golden file written");
}

fn assert_faces_match(name: &str, net: &str, ours: &[DetectedFace], golden: &Value) {
    let golden: Vec<DetectedFace> = golden.as_array().expect("faces").iter().map(face_from_json).collect();
    assert_eq!(ours.len(), golden.len(), "{name} {net}: {ours:?} vs {golden:?}");
    for (a, b) in ours.iter().zip(&golden) {
        assert!(
            (a.score - b.score).abs() <= 1e-3,
            "{name} {net}: score {} vs {}",
            a.score,
            b.score
        );
        let (ab, bb) = (a.face_box, b.face_box);
        let box_diff = [
            ab.left_px - bb.left_px,
            ab.top_px - bb.top_px,
            ab.right_px - bb.right_px,
            ab.bottom_px - bb.bottom_px,
        ];
        assert!(
            box_diff.iter().all(|d| d.abs() <= 1.0),
            "{name} {net}: box {ab:?} vs {bb:?}"
        );
        for (p, q) in a.keypoints.iter().zip(&b.keypoints) {
            assert!(
                (p.x_px - q.x_px).abs() <= 1.0 && (p.y_px - q.y_px).abs() <= 1.0,
                "{name} {net}: keypoint {p:?} vs {q:?}"
            );
        }
    }
}

#[test]
fn every_net_matches_the_golden_outputs() {
    let engine = engine();
    if std::env::var_os("FACE_GOLDEN_WRITE").is_some() {
        write_golden(&engine);
    }
    let text = std::fs::read_to_string(golden_path()).expect("tests/golden.json");
    let golden: Value = serde_json::from_str(&text).expect("golden JSON");
    let images = golden["images"].as_array().expect("images");
    assert_eq!(images.len(), IMAGES.len());
    for entry in images {
        let name = entry["name"].as_str().expect("name");
        let image = test_face(name);
        let short = engine.short_range.run(&image).expect("short-range runs");
        assert_faces_match(name, "short-range", &short, &entry["short_range"]);
        let full = engine.full_range.run(&image).expect("full-range runs");
        assert_faces_match(name, "full-range", &full, &entry["full_range"]);

        let face = face_from_json(&entry["described_face"]);
        let ours = engine.describe_chip(&face_chip(&image, &face)).expect("describe runs");
        let theirs = floats(&entry["descriptor"]);
        let max_diff = ours
            .0
            .iter()
            .zip(&theirs)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(max_diff <= 1e-3, "{name}: descriptor differs by up to {max_diff}");
    }
}
