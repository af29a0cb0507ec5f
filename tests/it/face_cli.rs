//! `cwr-station face compare`: the machine's 人证匹配 from the command line, on faces that ship
//! in packages (crates/face/tests/faces: face_recognition 1.3.0's test images, MIT).

use std::path::{Path, PathBuf};

use crate::common::cli::{free_port, run, station};

fn face(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/face/tests/faces")
        .join(name)
}

fn compare(args: &[&Path], json: bool) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let base_url = format!("http://127.0.0.1:{}", free_port());
    let mut cmd = station(dir.path(), &base_url);
    cmd.args(["face", "compare"]).args(args).env_remove("CWR_MODELS_DIR");
    if json {
        cmd.arg("--json");
    }
    run(&mut cmd)
}

fn json_of(text: &str) -> serde_json::Value {
    let line = text
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON: {text}"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

#[test]
fn the_same_person_is_never_called_different_and_json_has_the_documented_shape() {
    let (code, text) = compare(&[&face("obama2.jpg"), &face("obama.jpg")], true);
    assert_eq!(code, 0, "{text}");
    let v = json_of(&text);
    let keys: Vec<&str> = v.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["faces", "distance", "threshold", "verdict", "match"], "{v}");
    assert_eq!(v["faces"], serde_json::json!([1, 1]), "{v}");
    let verdict = v["verdict"].as_str().expect("verdict");
    assert_ne!(verdict, "different", "{v}");
    assert_eq!(v["match"].as_bool(), Some(verdict == "match"), "{v}");
    assert!(v["distance"].as_f64().expect("distance") > 0.0, "{v}");
}

#[test]
fn two_different_people_are_never_a_match_and_the_text_says_why() {
    let (code, text) = compare(&[&face("biden.jpg"), &face("obama.jpg")], false);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("摄像头画面：1 张人脸；芯片照片：1 张人脸"), "{text}");
    assert!(text.contains("判定依据的距离"), "{text}");
    assert!(!text.contains("结论：一致"), "{text}");
    let (_, json) = compare(&[&face("biden.jpg"), &face("obama.jpg")], true);
    assert_eq!(json_of(&json)["match"], serde_json::json!(false), "{json}");
}

#[test]
fn a_group_is_compared_by_its_largest_face_and_counted() {
    let (code, text) = compare(&[&face("group_composite.jpg"), &face("obama.jpg")], true);
    assert_eq!(code, 0, "{text}");
    let faces = json_of(&text)["faces"][0].as_u64().expect("count");
    assert!(faces >= 3, "{text}");
}

#[test]
fn a_picture_without_a_face_or_not_a_picture_exits_2_naming_which() {
    let dir = tempfile::tempdir().expect("tmp");
    let grey = dir.path().join("grey.png");
    image::RgbImage::from_pixel(640, 480, image::Rgb([128, 128, 128]))
        .save(&grey)
        .expect("png");
    let (code, text) = compare(&[&grey, &face("obama.jpg")], false);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("摄像头画面里没有找到人脸"), "{text}");
    assert!(text.contains("grey.png"), "{text}");

    let not_a_picture = dir.path().join("chip.jpg");
    std::fs::write(&not_a_picture, b"not a jpeg at all").expect("write");
    let (code, text) = compare(&[&face("obama.jpg"), &not_a_picture], false);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("身份证芯片照片") && text.contains("读不出来"), "{text}");
}
