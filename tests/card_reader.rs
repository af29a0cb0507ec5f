//! The card reader through its real loading and calling code: a fake vendor library built
//! from this repository (`examples/fake_idreader.rs`) answers the SDK's C calls, and the
//! folder a vendor's tool writes into. The blocks are built byte by byte here.

mod common;

use std::path::{Path, PathBuf};

use common::cli::*;
use cwr_station::card::{CardReader, SdkReader};

fn fake_library() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary");
    let debug = exe.parent().and_then(Path::parent).expect("target/debug");
    let name = if cfg!(windows) {
        "fake_idreader.dll"
    } else {
        "libfake_idreader.so"
    };
    let lib = debug.join("examples").join(name);
    assert!(lib.exists(), "{} is built by `cargo test`", lib.display());
    lib
}

/// The 256-byte block with `fields` as UCS-2 LE at their byte offsets, spaces elsewhere.
fn block(fields: &[(usize, &str)]) -> Vec<u8> {
    let mut b: Vec<u8> = [0x20u8, 0x00].repeat(128);
    for (offset, text) in fields {
        for (i, unit) in text.encode_utf16().enumerate() {
            b[offset + 2 * i..offset + 2 * i + 2].copy_from_slice(&unit.to_le_bytes());
        }
    }
    b
}

fn card(id_number: &'static str) -> Vec<u8> {
    block(&[
        (0, "张喆"),
        (30, "1"),
        (32, "01"),
        (36, "19851120"),
        (52, "湖南省长沙市岳麓区麓山南路2号"),
        (122, id_number),
        (158, "长沙市公安局岳麓分局"),
        (188, "20200801"),
        (204, "长期"),
    ])
}

fn portrait_bmp() -> Vec<u8> {
    let img = image::RgbImage::from_fn(102, 126, |x, y| image::Rgb([200, (x * 2) as u8, (y * 2) as u8]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Bmp)
        .expect("bmp");
    out.into_inner()
}

/// A fake reader's folder with a card on it.
fn fake_reader(dir: &Path, text: &[u8], port: Option<u32>) {
    std::fs::write(dir.join("card.bin"), text).expect("card");
    std::fs::write(dir.join("photo.wlt"), [0x57u8; 1024]).expect("wlt");
    std::fs::write(dir.join("zp.bmp"), portrait_bmp()).expect("bmp");
    std::fs::write(dir.join("present"), b"").expect("present");
    if let Some(p) = port {
        std::fs::write(dir.join("port"), p.to_string()).expect("port");
    }
}

fn card_read(data: &Path, args: &[&str], fake_dir: Option<&Path>) -> (i32, String) {
    let mut cmd = station(data, "http://127.0.0.1:9");
    cmd.args(["card", "read", "--wait-secs", "1"]).args(args);
    match fake_dir {
        Some(d) => cmd.env("FAKE_IDREADER_DIR", d),
        None => cmd.env_remove("FAKE_IDREADER_DIR"),
    };
    run(&mut cmd)
}

#[test]
fn the_vendor_library_reads_a_card_with_its_portrait_as_platform_json() {
    let dir = tempfile::tempdir().expect("tmp");
    let fake = dir.path().join("reader");
    std::fs::create_dir_all(&fake).expect("dir");
    fake_reader(&fake, &card("430104198511200010"), None);
    let lib = fake_library();
    let (code, out) = card_read(
        &dir.path().join("data"),
        &["--library", &lib.display().to_string(), "--json"],
        Some(&fake),
    );
    assert_eq!(code, 0, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["emp_name"], "张喆");
    assert_eq!(json["gender"], "男");
    assert_eq!(json["emp_nation"], "汉");
    assert_eq!(json["birth_date"], "1985-11-20");
    assert_eq!(json["emp_nativeplace"], "湖南省长沙市岳麓区麓山南路2号");
    assert_eq!(json["id_code"], "430104198511200010");
    assert_eq!(json["id_agency"], "长沙市公安局岳麓分局");
    assert_eq!(json["id_validdate"], "2020.08.01-长期");
    use base64::Engine;
    let photo = base64::engine::general_purpose::STANDARD
        .decode(json["id_photo"].as_str().expect("portrait"))
        .expect("Base64");
    assert_eq!(&photo[..3], &[0xFF, 0xD8, 0xFF], "the BMP became the chip-photo JPEG");
    assert!(photo.len() <= 50 * 1024, "within the chip-photo budget");
}

#[test]
fn no_card_no_reader_and_no_library_exit_3_with_what_to_do() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let fake = dir.path().join("reader");
    std::fs::create_dir_all(&fake).expect("dir");
    fake_reader(&fake, &card("430104198511200010"), None);
    std::fs::remove_file(fake.join("present")).expect("take the card away");
    let lib = fake_library().display().to_string();
    let (code, out) = card_read(&data, &["--library", &lib], Some(&fake));
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("没有身份证"), "{out}");
    // No reader on the ports (the fake answers on none without its folder).
    let (code, out) = card_read(&data, &["--library", &lib], None);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("找不到身份证读卡器"), "{out}");
    let (code, out) = card_read(&data, &["--library", "/nowhere/libtermb.so"], None);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("驱动库") && out.contains("加载不了"), "{out}");
}

#[test]
fn an_invalid_or_foreign_card_exits_2_and_fills_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let fake = dir.path().join("reader");
    std::fs::create_dir_all(&fake).expect("dir");
    let lib = fake_library().display().to_string();
    fake_reader(&fake, &card("430104198511200011"), None);
    let (code, out) = card_read(&data, &["--library", &lib, "--json"], Some(&fake));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("身份证号码不对"), "{out}");
    assert!(!out.contains("emp_name"), "{out}");
    let mut foreign = card("430104198511200010");
    foreign[248..250].copy_from_slice(&u16::from(b'I').to_le_bytes());
    fake_reader(&fake, &foreign, None);
    let (code, out) = card_read(&data, &["--library", &lib, "--json"], Some(&fake));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("外国人永久居留身份证"), "{out}");
}

#[test]
fn the_ports_are_searched_and_a_card_is_reported_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let fake = dir.path().join("reader");
    std::fs::create_dir_all(&fake).expect("dir");
    // A serial reader on port 5.
    fake_reader(&fake, &card("430104198511200010"), Some(5));
    // SAFETY: the test process reads this variable only through the fake library.
    unsafe { std::env::set_var("FAKE_IDREADER_DIR", &fake) };
    let mut reader = SdkReader::load(&fake_library(), 0, &dir.path().join("work")).expect("loads");
    let raw = reader.poll().expect("reads").expect("a card");
    assert_eq!(raw.text.len(), 256);
    assert!(raw.portrait_bmp.is_some(), "GetBmp decoded the portrait");
    assert!(reader.describe().contains("端口 5"), "{}", reader.describe());
    assert!(reader.poll().expect("polls").is_none(), "the card is reported once");
    std::fs::write(fake.join("present"), b"").expect("placed again");
    assert!(reader.poll().expect("polls").is_some());
}

#[test]
fn the_folder_of_a_vendors_tool_is_read_and_never_changed() {
    let dir = tempfile::tempdir().expect("tmp");
    let folder = dir.path().join("wz");
    std::fs::create_dir_all(&folder).expect("dir");
    std::fs::write(folder.join("wz.txt"), card("430104198511200010")).expect("wz");
    std::fs::write(folder.join("photo.bmp"), portrait_bmp()).expect("bmp");
    let (code, out) = card_read(
        &dir.path().join("data"),
        &["--folder", &folder.display().to_string(), "--json"],
        None,
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"id_code\": \"430104198511200010\""), "{out}");
    assert!(out.contains("id_photo"), "{out}");
    let mut left: Vec<String> = std::fs::read_dir(&folder)
        .expect("read")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, vec!["photo.bmp", "wz.txt"], "nothing removed, nothing added");
}

/// A wait or port no reader has is refused with its range; a wait of u64::MAX seconds used to
/// overflow the deadline and crash the command.
#[test]
fn an_absurd_wait_or_port_is_refused_with_the_range() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    for (args, words) in [
        (
            ["--wait-secs", "18446744073709551615"],
            "--wait-secs = 18446744073709551615，应在 1 到 600 秒之间",
        ),
        (["--wait-secs", "0"], "--wait-secs = 0"),
        (["--port", "1017"], "--port = 1017"),
    ] {
        let (code, out) = run(station(&data, "http://127.0.0.1:9")
            .args(["card", "read"])
            .args(args)
            .env_remove("FAKE_IDREADER_DIR"));
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(out.contains(words), "{args:?}: {out}");
    }
}
