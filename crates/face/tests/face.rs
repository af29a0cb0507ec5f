//! The whole pipeline on the photos in tests/faces (see tests/faces/README.md), with the chip
//! portrait and the webcam frame simulated as in face_verify_proof.py (tests/common).

mod common;

use std::sync::Arc;

use common::*;
use face::{
    FaceError, Hint, ID_PHOTO_SIZE_PX, ImageRole, LazyEngine, Reference, Verdict, assess, compare, frame_id_photo,
};
use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};

const PORTRAITS: [&str; 5] = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "astronaut.jpg"];

#[test]
fn one_face_in_each_portrait_with_keypoints_inside_its_box() {
    for name in PORTRAITS {
        let image = test_face(name);
        let faces = engine().detect(&image).expect("detection runs");
        assert_eq!(faces.len(), 1, "{name}: {faces:?}");
        let face = &faces[0];
        assert!(face.score > 0.8, "{name}: score {}", face.score);
        let b = face.face_box;
        assert!(b.width_px() > 80.0, "{name}: {b:?}");
        for (k, p) in face.keypoints[..4].iter().enumerate() {
            assert!(
                p.x_px > b.left_px && p.x_px < b.right_px && p.y_px > b.top_px && p.y_px < b.bottom_px,
                "{name}: keypoint {k} {p:?} outside {b:?}"
            );
        }
        // Unmirrored portrait: the person's right eye is on the picture's left.
        assert!(face.keypoints[face::keypoint::RIGHT_EYE].x_px < face.keypoints[face::keypoint::LEFT_EYE].x_px);
    }
}

#[test]
fn group_photo_gives_every_face_largest_first() {
    let image = test_face("group_composite.jpg");
    let faces = engine().detect(&image).expect("detection runs");
    assert_eq!(faces.len(), 3, "{faces:?}");
    assert!(
        faces
            .windows(2)
            .all(|w| w[0].face_box.area_px() >= w[1].face_box.area_px())
    );
    // One face per panel of the composite (each about 312 px wide).
    let mut panels: Vec<u32> = faces
        .iter()
        .map(|f| ((f.face_box.left_px + f.face_box.right_px) / 2.0) as u32 / 312)
        .collect();
    panels.sort();
    assert_eq!(panels, [0, 1, 2]);
}

#[test]
fn no_face_in_a_plain_grey_picture_is_an_empty_list_and_a_clear_error() {
    let grey = RgbImage::from_pixel(640, 480, Rgb([128, 128, 128]));
    assert!(engine().detect(&grey).expect("detection runs").is_empty());
    assert_eq!(assess(&grey, &[]), Some(Hint::NoFace));
    let chip = id_card_portrait(
        &test_face("obama.jpg"),
        &largest_face(&test_face("obama.jpg"), "obama"),
        15,
    )
    .0;
    match compare(engine(), &grey, &chip, None) {
        Err(e @ FaceError::NoFace(ImageRole::Live)) => assert_eq!(e.to_string(), "摄像头画面里没有找到人脸"),
        other => panic!("expected no face in the live frame, got {other:?}"),
    }
    assert!(matches!(
        compare(engine(), &test_face("obama.jpg"), &grey, None),
        Err(FaceError::NoFace(ImageRole::Chip))
    ));
    let empty = RgbImage::new(0, 0);
    assert!(matches!(engine().detect(&empty), Err(FaceError::EmptyImage { .. })));
}

/// The same photo as camera frame and, degraded to a chip portrait, as card: the strongest
/// evidence the model can have, so it must never say 不一致.
#[test]
fn same_photo_degraded_to_chip_size_is_never_different() {
    for name in PORTRAITS {
        let image = test_face(name);
        let face = largest_face(&image, name);
        let live = webcam_frame(&image, &face);
        for quality in [15, 5] {
            let (chip, bytes) = id_card_portrait(&image, &face, quality);
            assert_eq!(chip.dimensions(), (102, 126));
            assert!(bytes < 2500, "{name} q{quality}: {bytes} bytes");
            let c = compare(engine(), &live, &chip, None).expect("faces in both");
            assert_ne!(c.verdict, Verdict::Different, "{name} q{quality}: {c:?}");
            assert_eq!(c.faces, [1, 1], "{name} q{quality}");
            assert_eq!(c.is_match, c.verdict == Verdict::Match);
        }
    }
}

#[test]
fn obama_and_biden_are_never_a_match() {
    let biden = test_face("biden.jpg");
    let biden_face = largest_face(&biden, "biden");
    for name in ["obama.jpg", "obama2.jpg", "obama3.jpg"] {
        let obama = test_face(name);
        let obama_face = largest_face(&obama, name);
        let pairs = [
            (
                webcam_frame(&biden, &biden_face),
                id_card_portrait(&obama, &obama_face, 15).0,
            ),
            (
                webcam_frame(&obama, &obama_face),
                id_card_portrait(&biden, &biden_face, 15).0,
            ),
            (obama.clone(), id_card_portrait(&biden, &biden_face, 5).0),
        ];
        for (i, (live, chip)) in pairs.iter().enumerate() {
            let c = compare(engine(), live, chip, None).expect("faces in both");
            assert_ne!(c.verdict, Verdict::Match, "{name} pair {i}: {c:?}");
            assert!(!c.is_match);
            assert!(c.distance > 0.6, "{name} pair {i}: {}", c.distance);
        }
    }
}

#[test]
fn different_photos_of_one_person_are_never_different() {
    let photos: Vec<_> = ["obama.jpg", "obama2.jpg", "obama3.jpg"]
        .map(|n| (n, test_face(n)))
        .into();
    for (card_name, card_photo) in &photos {
        let chip = id_card_portrait(card_photo, &largest_face(card_photo, card_name), 15).0;
        for (live_name, live_photo) in &photos {
            let live = webcam_frame(live_photo, &largest_face(live_photo, live_name));
            let c = compare(engine(), &live, &chip, None).expect("faces in both");
            assert_ne!(
                c.verdict,
                Verdict::Different,
                "card {card_name} live {live_name}: {c:?}"
            );
        }
    }
}

/// A 300-dpi scan of the card's front: 1011×638 px with the printed portrait (26×32 mm, about
/// 307×378 px) on the right, as on a 二代证.
fn front_scan(portrait_source: &RgbImage) -> RgbImage {
    let face = largest_face(portrait_source, "front scan source");
    let portrait = id_card_portrait(portrait_source, &face, 95).0;
    let printed = imageops::resize(&portrait, 307, 378, FilterType::Triangle);
    let mut card = RgbImage::from_pixel(1011, 638, Rgb([225, 232, 236]));
    imageops::overlay(&mut card, &printed, 640, 130);
    jpeg(&card, 85).0
}

#[test]
fn a_front_scan_with_a_larger_face_decides_and_one_without_a_face_is_ignored() {
    let obama = test_face("obama.jpg");
    let live = webcam_frame(
        &test_face("obama2.jpg"),
        &largest_face(&test_face("obama2.jpg"), "obama2"),
    );
    let chip = id_card_portrait(&obama, &largest_face(&obama, "obama"), 15).0;

    let with_scan = compare(engine(), &live, &chip, Some(&front_scan(&obama))).expect("faces");
    assert_eq!(with_scan.decided_by, Reference::FrontScan, "{with_scan:?}");
    assert_eq!(with_scan.front_scan_faces, Some(1));
    assert_eq!(Some(with_scan.distance), with_scan.front_scan_distance);
    assert!(with_scan.chip_distance.is_some());
    assert_ne!(with_scan.verdict, Verdict::Different);

    let blank = RgbImage::from_pixel(1011, 638, Rgb([225, 232, 236]));
    let without = compare(engine(), &live, &chip, Some(&blank)).expect("faces");
    assert_eq!(without.decided_by, Reference::Chip);
    assert_eq!(without.front_scan_faces, Some(0));
    assert_eq!(without.front_scan_distance, None);

    // Someone else's card front with this chip: the references disagree, never 一致.
    let biden = test_face("biden.jpg");
    let mixed = compare(engine(), &live, &chip, Some(&front_scan(&biden))).expect("faces");
    assert_ne!(mixed.verdict, Verdict::Match, "{mixed:?}");
}

#[test]
fn comparison_prints_as_the_cli_json() {
    let obama = test_face("obama.jpg");
    let face = largest_face(&obama, "obama");
    let c = compare(
        engine(),
        &webcam_frame(&obama, &face),
        &id_card_portrait(&obama, &face, 15).0,
        None,
    )
    .expect("faces in both");
    let json: serde_json::Value = serde_json::to_value(&c).expect("serialises");
    let keys: Vec<_> = json
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    assert_eq!(keys.len(), 5, "{json}");
    for key in ["faces", "distance", "threshold", "verdict", "match"] {
        assert!(keys.contains(&key.to_string()), "{key} missing in {json}");
    }
    assert_eq!(json["faces"], serde_json::json!([1, 1]));
    assert_eq!(json["threshold"].as_f64().map(|t| (t * 100.0).round()), Some(40.0));
    assert!(["match", "uncertain", "different"].contains(&json["verdict"].as_str().unwrap_or("")));
    assert_eq!(json["match"], serde_json::json!(c.verdict == Verdict::Match));
}

#[test]
fn capture_guide_on_real_frames() {
    let obama = test_face("obama.jpg");
    let frame = webcam_frame(&obama, &largest_face(&obama, "obama"));
    let faces = engine().detect(&frame).expect("detection runs");
    assert_eq!(assess(&frame, &faces), None);

    let blurred = imageops::blur(&frame, 2.5);
    assert_eq!(
        assess(&blurred, &engine().detect(&blurred).expect("runs")),
        Some(Hint::Blurred)
    );

    let mut dark = frame.clone();
    dark.pixels_mut().for_each(|p| p.0 = p.0.map(|c| c / 4));
    assert_eq!(
        assess(&dark, &engine().detect(&dark).expect("runs")),
        Some(Hint::TooDark)
    );

    // The same person far away: a 640×480 frame with the face about 60 px wide.
    let far = imageops::resize(&frame, 213, 160, FilterType::Triangle);
    let mut far_frame = RgbImage::from_pixel(640, 480, Rgb([90, 90, 90]));
    imageops::overlay(&mut far_frame, &far, 213, 160);
    let far_faces = engine().detect(&far_frame).expect("runs");
    assert_eq!(far_faces.len(), 1, "the full-range detector finds the far face");
    assert_eq!(assess(&far_frame, &far_faces), Some(Hint::TooSmall));

    // Two people, both close enough: the largest is used and the clerk is told.
    let biden = test_face("biden.jpg");
    let mut two = RgbImage::from_pixel(1280, 480, Rgb([90, 90, 90]));
    imageops::overlay(&mut two, &frame, 0, 0);
    imageops::overlay(&mut two, &webcam_frame(&biden, &largest_face(&biden, "biden")), 640, 0);
    let two_faces = engine().detect(&two).expect("runs");
    assert_eq!(assess(&two, &two_faces), Some(Hint::SeveralFaces { count: 2 }));
    assert_eq!(
        Hint::SeveralFaces { count: 2 }.text(),
        "画面里有几张脸，按最大的一张比对"
    );
}

#[test]
fn id_photo_crop_is_portrait_and_holds_the_face() {
    let obama = test_face("obama.jpg");
    let face = largest_face(&obama, "obama");
    let photo = frame_id_photo(&obama, &face);
    let ratio = photo.height() as f32 / photo.width() as f32;
    assert!(
        (ratio - ID_PHOTO_SIZE_PX.1 as f32 / ID_PHOTO_SIZE_PX.0 as f32).abs() < 0.01,
        "{:?}",
        photo.dimensions()
    );
    let again = engine().detect(&photo).expect("runs");
    assert_eq!(again.len(), 1);
    let share = again[0].face_box.width_px() / photo.width() as f32;
    assert!((0.45..0.65).contains(&share), "face is {share} of the photo's width");
    let centre = (again[0].face_box.left_px + again[0].face_box.right_px) / 2.0 / photo.width() as f32;
    assert!((0.4..0.6).contains(&centre), "face centre at {centre}");
}

#[test]
fn describing_is_deterministic_and_a_face_is_at_distance_zero_from_itself() {
    let image = test_face("astronaut.jpg");
    let face = largest_face(&image, "astronaut");
    let a = engine().describe(&image, &face).expect("runs");
    let b = engine().describe(&image, &face).expect("runs");
    assert_eq!(a.distance(&b), 0.0);
    // dlib descriptors are not normalised but sit near length 1.
    let norm = a.as_slice().iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!((0.5..1.5).contains(&norm), "norm {norm}");
}

#[test]
fn lazy_engine_loads_once_and_reports_missing_models() {
    let lazy = LazyEngine::new(models_dir());
    let (a, b) = (lazy.get().expect("loads"), lazy.get().expect("cached"));
    assert!(Arc::ptr_eq(&a, &b));
    let missing = LazyEngine::new(crate_dir().join("no-such-folder"));
    match missing.get() {
        Err(e @ FaceError::ModelLoad { .. }) => assert!(e.to_string().contains("blazeface_short.onnx"), "{e}"),
        Err(other) => panic!("expected ModelLoad, got {other:?}"),
        Ok(_) => panic!("expected ModelLoad, got an engine"),
    }
}

/// A models folder whose descriptor model is `bytes` (the detectors are the real ones).
fn models_with_descriptor(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cwr-face-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for model in [face::SHORT_RANGE_MODEL, face::FULL_RANGE_MODEL] {
        std::fs::copy(models_dir().join(model), dir.join(model)).expect("copy model");
    }
    std::fs::write(dir.join(face::DESCRIPTOR_MODEL), bytes).expect("write model");
    dir
}

#[test]
fn a_truncated_or_garbage_model_file_is_a_load_error_naming_it() {
    let real = std::fs::read(models_dir().join(face::DESCRIPTOR_MODEL)).expect("descriptor model");
    let garbage: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let cases: [(&str, &[u8]); 4] = [
        ("half", &real[..real.len() / 2]),
        ("one-byte-short", &real[..real.len() - 1]),
        ("garbage", &garbage),
        ("empty", &[]),
    ];
    for (name, bytes) in cases {
        let dir = models_with_descriptor(name, bytes);
        let result = face::FaceEngine::load(&dir);
        std::fs::remove_dir_all(&dir).ok();
        match result {
            Err(e @ FaceError::ModelLoad { .. }) => {
                assert!(e.to_string().contains(face::DESCRIPTOR_MODEL), "{name}: {e}")
            }
            Err(other) => panic!("{name}: expected ModelLoad, got {other:?}"),
            Ok(_) => panic!("{name}: a damaged model loaded"),
        }
    }
}
