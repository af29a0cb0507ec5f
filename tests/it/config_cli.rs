//! The settings file as a command reads it: Notepad's byte-order mark is understood; a file in
//! another encoding, a huge one, absurd values and a bad `CWR_BASE_URL` stop the command with
//! exit 2 and say which setting and what to do.

use crate::common;

use common::cli::*;

#[test]
fn commands_read_a_bom_and_refuse_what_they_cannot_use_naming_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("dir");
    let config = data.join("config.json");
    let url = format!("http://127.0.0.1:{}", free_port());

    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(br#"{"environment":"custom","leave_batch_size":10}"#);
    std::fs::write(&config, bom).expect("write");
    let (code, out) = run(station(&data, &url).args(["outbox", "list"]));
    assert_eq!(code, 0, "a BOM is read: {out}");

    // {"api_key":"张三"} saved as GBK.
    let mut gbk = br#"{"api_key":""#.to_vec();
    gbk.extend_from_slice(&[0xD5, 0xC5, 0xC8, 0xFD, b'"', b'}']);
    for (bytes, words) in [
        (gbk, "请用记事本另存为 UTF-8"),
        (
            br#"{"photo_budgets":{"face_kb":0}}"#.to_vec(),
            "photo_budgets.face_kb = 0，应在 20 到 2048 KB 之间",
        ),
    ] {
        std::fs::write(&config, bytes).expect("write");
        let (code, out) = run(station(&data, &url).args(["outbox", "list"]));
        assert_eq!(code, 2, "{out}");
        assert!(
            out.contains(words) && out.contains(&config.display().to_string()),
            "{out}"
        );
    }

    std::fs::File::create(&config)
        .and_then(|f| f.set_len(600 * 1024 * 1024))
        .expect("600 MB, sparse");
    let (code, out) = run(station(&data, &url).args(["outbox", "list"]));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("1 MB"), "{out}");

    std::fs::remove_file(&config).expect("remove");
    let (code, out) = run(station(&data, "http://127.0.0.1:7040@evil.example/").args(["outbox", "list"]));
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("环境变量 CWR_BASE_URL") && out.contains("用户名或密码"),
        "{out}"
    );
}
