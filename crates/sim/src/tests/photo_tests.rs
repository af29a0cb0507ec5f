//! Photos as the platform's own Java clients sent them.

use base64::Engine;
use serde_json::json;

use super::java_client::java_json;
use super::*;
use crate::DEMO_PROJECT_ID;

/// A JPEG long enough to need several 76-column lines: SOI, a comment segment, EOI.
fn long_jpeg() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xFE, 0x01, 0x02];
    bytes.extend((0..0x0100u16).map(|i| (i % 251) as u8));
    bytes.extend([0xFF, 0xD9]);
    bytes
}

/// What `sun.misc.BASE64Encoder` and commons-codec's chunked mode write: 76 characters a
/// line, each line ended by `eol`.
fn java_wrapped(bytes: &[u8], eol: &str) -> String {
    let flat = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::new();
    for line in flat.as_bytes().chunks(76) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push_str(eol);
    }
    out
}

#[test]
fn photos_in_76_column_lines_are_decoded() {
    let h = sim();
    add_company(&h);
    let crlf = java_wrapped(&long_jpeg(), "\r\n");
    assert!(crlf.matches("\r\n").count() > 3, "several lines");
    let mut worker = worker_body(ID1, "张三");
    for key in ["id_photo", "facephoto", "idphoto_scan", "idphoto_scan2"] {
        worker[key] = json!(crlf);
    }
    let r = java_json(&h, "RegisterEmployee", "1.1", Some(UTF8), &worker.to_string());
    assert_eq!(r.code(), "00", "{}", r.detail());

    let lf = java_wrapped(&long_jpeg(), "\n");
    let log = json!({"Project_ID": DEMO_PROJECT_ID, "Device_ID": "GATE-1", "passedlog_list": [
        {"person_type": "1", "person_id": ID1, "person_name": "张三", "passed_time": beijing_now_minus(60),
         "direction": "in", "way": "1", "site_photo": lf}
    ]});
    let r = java_json(&h, "UploadPassedLog", "1.1", Some(UTF8), &log.to_string());
    assert_eq!(r.code(), "00", "{}", r.detail());
}

#[test]
fn wrapped_photos_with_a_data_prefix_or_not_jpeg_stay_refused() {
    let h = sim();
    add_company(&h);
    let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]
        .into_iter()
        .chain(std::iter::repeat_n(0u8, 200))
        .collect::<Vec<u8>>();
    let cases = [
        (
            format!("data:image/jpeg;base64,{}", java_wrapped(&long_jpeg(), "\r\n")),
            "照片应为JPEG的Base64编码,不能带data:前缀(facephoto)",
        ),
        (java_wrapped(&png, "\r\n"), "照片不是JPEG格式(facephoto)"),
    ];
    for (photo, says) in cases {
        let mut worker = worker_body(ID1, "张三");
        worker["facephoto"] = json!(photo);
        let r = java_json(&h, "RegisterEmployee", "1.1", Some(UTF8), &worker.to_string());
        assert_eq!((r.code(), r.detail()), ("41".to_string(), says.to_string()));
    }
    assert!(h.state().workers.is_empty());
}
