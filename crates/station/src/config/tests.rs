use super::*;

fn write_and_load(bytes: &[u8]) -> (tempfile::TempDir, PathBuf, Result<Config, ConfigError>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.json");
    std::fs::write(&path, bytes).expect("write");
    let result = Config::load(&path);
    (dir, path, result)
}

fn invalid_detail(json: &str) -> String {
    match write_and_load(json.as_bytes()).2 {
        Err(ConfigError::Invalid { detail, .. }) => detail,
        other => panic!("{json}: {other:?}"),
    }
}

#[test]
fn env_overrides_file() {
    let mut c: Config = serde_json::from_str(r#"{"api_key":"FILEKEY","project_id":"P1"}"#).expect("json");
    c.apply_env(|k| match k {
        "CWR_API_KEY" => Some("ENVKEY".into()),
        "CWR_BASE_URL" => Some("http://127.0.0.1:9".into()),
        _ => None,
    })
    .expect("valid");
    assert_eq!(c.api_key, "ENVKEY");
    assert_eq!(c.project_id, "P1");
    assert_eq!(c.environment, Environment::Custom);
    assert_eq!(c.base_url(), "http://127.0.0.1:9");
}

#[test]
fn a_bad_cwr_base_url_is_refused_naming_the_variable() {
    for bad in ["127.0.0.1:7040", "ftp://h/", "http://127.0.0.1:7040@evil.example/"] {
        let mut c = Config::default();
        let e = c
            .apply_env(|k| (k == "CWR_BASE_URL").then(|| bad.to_string()))
            .expect_err(bad)
            .to_string();
        assert!(e.contains("环境变量 CWR_BASE_URL") && e.contains("平台地址应像"), "{e}");
        assert_eq!(c, Config::default(), "nothing applied");
    }
}

#[test]
fn save_and_load_round_trip_and_no_secret_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.json");
    assert_eq!(Config::load(&path).expect("missing is default"), Config::default());
    let c = Config {
        api_key: "K".into(),
        ..Config::default()
    };
    c.save(&path).expect("save");
    assert_eq!(Config::load(&path).expect("load"), c);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(!text.contains("secret"), "{text}");
    std::fs::write(&path, "{not json").expect("write");
    assert!(matches!(Config::load(&path), Err(ConfigError::Parse { .. })));
}

#[test]
fn a_notepad_utf8_bom_is_read() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(r#"{"api_key":"钥匙","leave_batch_size":10}"#.as_bytes());
    let c = write_and_load(&bytes).2.expect("BOM read");
    assert_eq!((c.api_key.as_str(), c.leave_batch_size), ("钥匙", 10));
}

#[test]
fn utf16_with_a_bom_is_read_either_way_round() {
    let json = r#"{"project_id":"项目1","environment":"production"}"#;
    let units: Vec<u16> = json.encode_utf16().collect();
    let mut le = vec![0xFF, 0xFE];
    le.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    let mut be = vec![0xFE, 0xFF];
    be.extend(units.iter().flat_map(|u| u.to_be_bytes()));
    for bytes in [le, be] {
        let c = write_and_load(&bytes).2.expect("UTF-16 read");
        assert_eq!(c.project_id, "项目1");
        assert_eq!(c.environment, Environment::Production);
    }
}

#[test]
fn gbk_and_other_non_utf8_bytes_are_refused_with_the_notepad_advice() {
    // {"api_key":"张三"} saved by Notepad as ANSI on a Chinese Windows (GBK: 张 D5C5, 三 C8FD).
    let mut gbk = br#"{"api_key":""#.to_vec();
    gbk.extend_from_slice(&[0xD5, 0xC5, 0xC8, 0xFD]);
    gbk.extend_from_slice(br#""}"#);
    // UTF-16 without its mark: valid UTF-8 bytes, but full of NULs.
    let utf16_unmarked: Vec<u8> = r#"{"api_key":"k"}"#.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let utf16_cut_short = vec![0xFF, 0xFE, b'{', 0, b'}'];
    for bytes in [gbk, utf16_unmarked, utf16_cut_short] {
        let (_dir, path, result) = write_and_load(&bytes);
        let e = result.expect_err("not UTF-8");
        assert!(matches!(e, ConfigError::Encoding { .. }), "{e:?}");
        assert!(!e.is_local_failure());
        let text = e.to_string();
        assert!(text.contains(&path.display().to_string()), "names the file: {text}");
        assert!(text.contains("请用记事本另存为 UTF-8"), "{text}");
    }
}

#[test]
fn a_file_over_the_cap_is_refused_unread_and_a_folder_is_not_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.json");
    // 600 MB without writing them: the length alone refuses it.
    let file = std::fs::File::create(&path).expect("create");
    file.set_len(600 * 1024 * 1024).expect("sparse");
    let e = Config::load(&path).expect_err("too large");
    assert!(
        matches!(e, ConfigError::TooLarge { bytes, .. } if bytes == 600 * 1024 * 1024),
        "{e:?}"
    );
    assert!(e.to_string().contains("1 MB"), "{e}");
    file.set_len(MAX_FILE_BYTES).expect("at the cap");
    assert!(
        !matches!(Config::load(&path), Err(ConfigError::TooLarge { .. })),
        "the cap itself is allowed"
    );

    let folder = dir.path().join("folder.json");
    std::fs::create_dir(&folder).expect("dir");
    let e = Config::load(&folder).expect_err("a folder");
    assert!(e.is_local_failure() && e.to_string().contains("文件夹"), "{e}");
}

#[test]
fn a_parse_error_says_where_and_names_the_setting() {
    let json = "{\n  \"photo_budgets\": {\n    \"face_kb\": \"abc\"\n  }\n}";
    let e = write_and_load(json.as_bytes()).2.expect_err("type");
    let text = e.to_string();
    assert!(text.contains("第 3 行") && text.contains("face_kb"), "{text}");
    let e = write_and_load(b"{\"api_key\": ").2.expect_err("cut short");
    assert!(e.to_string().contains("不完整"), "{e}");
}

#[test]
fn absurd_timeouts_are_refused_when_read() {
    for bad in [
        r#"{"timeouts":{"connect_secs":0}}"#,
        r#"{"timeouts":{"call_secs":0}}"#,
        r#"{"timeouts":{"call_secs":86400}}"#,
        r#"{"leave_batch_size":0}"#,
    ] {
        assert!(invalid_detail(bad).contains("应在"));
    }
    let (_dir, _path, ok) = write_and_load(br#"{"timeouts":{"connect_secs":5,"call_secs":30}}"#);
    assert!(ok.is_ok());
}

/// Every numeric setting: one step past each end is refused naming the key and the range;
/// each end itself is taken.
#[test]
fn every_numeric_setting_has_a_range_named_with_its_key() {
    let cases: &[(&str, &str, i64, i64)] = &[
        ("timeouts.connect_secs", r#"{"timeouts":{"connect_secs":N}}"#, 1, 120),
        ("timeouts.call_secs", r#"{"timeouts":{"call_secs":N}}"#, 5, 600),
        ("photo_budgets.face_kb", r#"{"photo_budgets":{"face_kb":N}}"#, 20, 2048),
        ("photo_budgets.site_kb", r#"{"photo_budgets":{"site_kb":N}}"#, 20, 2048),
        (
            "photo_budgets.id_scan_kb",
            r#"{"photo_budgets":{"id_scan_kb":N}}"#,
            20,
            2048,
        ),
        (
            "photo_budgets.id_portrait_kb",
            r#"{"photo_budgets":{"id_portrait_kb":N}}"#,
            20,
            2048,
        ),
        (
            "age_rules.min_age",
            r#"{"age_rules":{"min_age":N,"max_age_male":80,"max_age_female":80}}"#,
            14,
            80,
        ),
        (
            "age_rules.max_age_male",
            r#"{"age_rules":{"min_age":14,"max_age_male":N}}"#,
            14,
            80,
        ),
        (
            "age_rules.max_age_female",
            r#"{"age_rules":{"min_age":14,"max_age_female":N}}"#,
            14,
            80,
        ),
        ("leave_batch_size", r#"{"leave_batch_size":N}"#, 1, 500),
        ("attendance_debounce_secs", r#"{"attendance_debounce_secs":N}"#, 0, 3600),
        ("departed_photo_keep_days", r#"{"departed_photo_keep_days":N}"#, 7, 3650),
        ("site_photo_keep_days", r#"{"site_photo_keep_days":N}"#, 1, 3650),
        ("attendance_window_secs", r#"{"attendance_window_secs":N}"#, 60, 86_400),
    ];
    for (key, template, lo, hi) in cases {
        let json = |n: i64| template.replace('N', &n.to_string());
        for n in [*lo, *hi] {
            let (_dir, _path, result) = write_and_load(json(n).as_bytes());
            assert!(result.is_ok(), "{key} = {n} is allowed: {result:?}");
        }
        for n in [lo - 1, hi + 1] {
            if n < 0 && !key.starts_with("attendance_") {
                continue; // an unsigned setting: serde refuses it as a parse error
            }
            let detail = invalid_detail(&json(n));
            assert!(
                detail.contains(&format!("{key} = {n}")) && detail.contains("应在"),
                "{key} = {n}: {detail}"
            );
        }
    }
    let detail = invalid_detail(r#"{"photo_budgets":{"face_kb":0}}"#);
    assert_eq!(
        detail,
        "人脸照片大小上限 photo_budgets.face_kb = 0，应在 20 到 2048 KB 之间"
    );
    let detail = invalid_detail(r#"{"age_rules":{"min_age":50,"max_age_female":45}}"#);
    assert!(
        detail.contains("age_rules.max_age_female = 45") && detail.contains("min_age"),
        "{detail}"
    );
}

#[test]
fn the_card_reader_port_is_one_the_reader_has() {
    for port in [0, 1, 16, 1001, 1016] {
        assert!(check_card_port("card_reader.port", port).is_ok(), "{port}");
        let (_dir, _path, result) = write_and_load(format!(r#"{{"card_reader":{{"port":{port}}}}}"#).as_bytes());
        assert!(result.is_ok(), "{port}");
    }
    for port in [-1, 17, 1000, 1017, 65535] {
        let detail = invalid_detail(&format!(r#"{{"card_reader":{{"port":{port}}}}}"#));
        assert!(detail.contains(&format!("card_reader.port = {port}")), "{detail}");
        assert!(detail.contains("1001 到 1016"), "{detail}");
    }
}

#[test]
fn protocol_names_that_would_break_every_call_are_refused() {
    for (json, key) in [
        (r#"{"protocol":{"service":""}}"#, "protocol.service"),
        (r#"{"protocol":{"service":"CWR Service?x"}}"#, "protocol.service"),
        (
            r#"{"protocol":{"register_fields":{"job_typename":""}}}"#,
            "protocol.register_fields.job_typename",
        ),
        (
            r#"{"protocol":{"version_overrides":{"RegisterEmployee":""}}}"#,
            "protocol.version_overrides.RegisterEmployee",
        ),
    ] {
        let detail = invalid_detail(json);
        assert!(detail.contains(key), "{json}: {detail}");
    }
    let (_dir, _path, ok) = write_and_load(br#"{"protocol":{"service":"api/CWService"}}"#);
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn only_http_and_https_addresses_with_a_host_and_no_user_are_platform_addresses() {
    for good in [
        "http://139.159.225.45:7040",
        "http://ticwrapi.thit.com.cn",
        "https://proxy.example.cn/cwr/",
        "http://[::1]:7040",
        " http://127.0.0.1:7040 ",
        "http://169.254.169.254",
        "http://10.0.0.5:7040",
    ] {
        assert!(check_base_url("平台地址 base_url", good).is_ok(), "{good}");
    }
    for (bad, why) in [
        ("file:///etc/passwd", "不能用 file://"),
        ("ftp://139.159.225.45/", "不能用 ftp://"),
        ("127.0.0.1:7040", "缺少开头的 http://"),
        ("localhost:7040", "缺少开头的 http://"),
        ("http://127.0.0.1:7040@evil.example/", "用户名或密码"),
        ("http://user:pw@139.159.225.45:7040", "用户名或密码"),
        ("http://", "格式不对"),
        ("http://h:7040/?x=1", "“?”"),
        ("http://0.0.0.0:7040", "不是能连接的地址"),
    ] {
        let e = check_base_url("平台地址 base_url", bad).expect_err(bad).to_string();
        assert!(e.contains(why) && e.contains(BASE_URL_EXAMPLE), "{bad}: {e}");
    }
    let detail = invalid_detail(r#"{"environment":"custom","base_url":"ftp://x/"}"#);
    assert!(detail.contains("平台地址 base_url"), "{detail}");
    // Not in use: the test environment has its own address.
    let (_dir, _path, ok) = write_and_load(br#"{"environment":"test","base_url":"ftp://x/"}"#);
    assert!(ok.is_ok());
    // Not set yet: 首次设置 asks for it.
    let (_dir, _path, ok) = write_and_load(br#"{"environment":"custom","base_url":""}"#);
    assert!(ok.is_ok());
}

#[test]
fn the_connection_test_names_addresses_inside_a_private_network() {
    for (url, words) in [
        ("http://169.254.169.254", "链路本地地址"),
        ("http://[fe80::1]:7040", "链路本地地址"),
        ("http://10.1.2.3:7040", "内网地址"),
        ("http://172.20.0.1", "内网地址"),
        ("http://192.168.1.10:7040", "内网地址"),
        ("http://[fd00::5]", "内网地址"),
        ("http://127.0.0.1:7040", "这台电脑自己"),
        ("http://localhost:7040", "这台电脑自己"),
        ("http://[::ffff:192.168.0.1]", "内网地址"),
    ] {
        let note = address_note(url).unwrap_or_default();
        assert!(note.contains(words), "{url}: {note}");
    }
    for public in [
        "http://139.159.225.45:7040",
        "http://ticwrapi.thit.com.cn",
        "http://172.32.0.1",
    ] {
        assert_eq!(address_note(public), None, "{public}");
    }
}

#[test]
fn a_bad_file_is_moved_aside_never_over_another() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.json");
    let now = chrono::NaiveDate::from_ymd_opt(2025, 3, 4)
        .and_then(|d| d.and_hms_opt(5, 6, 7))
        .expect("time");
    assert_eq!(move_aside(&path, now), Ok(None), "nothing to move");
    std::fs::write(&path, b"first").expect("write");
    let first = move_aside(&path, now).expect("moved").expect("a file");
    assert_eq!(first, dir.path().join("config.json.bad-20250304-050607"));
    std::fs::write(&path, b"second").expect("write");
    let second = move_aside(&path, now).expect("moved").expect("a file");
    assert_ne!(first, second);
    assert_eq!(std::fs::read(&first).expect("kept"), b"first");
    assert_eq!(std::fs::read(&second).expect("kept"), b"second");
    assert!(!path.exists());
}

#[test]
fn a_client_serial_in_another_form_is_said_not_refused() {
    assert_eq!(client_serial_note("PL0123456789abcdef0123456789ABCDEF"), None);
    assert_eq!(client_serial_note("pl0123456789abcdef0123456789ABCDEF"), None);
    assert_eq!(client_serial_note(""), None);
    for other in [
        "facedevice_0613",
        "PL0123456789abcdef0123456789ABCDE",
        "PL0123456789abcdef0123456789ABCDEG",
        "设备0123456789abcdef0123456789ABCD",
    ] {
        let note = client_serial_note(other).unwrap_or_default();
        assert!(note.contains("PL 加 32 位十六进制"), "{other}: {note}");
    }
    let config = Config {
        client_serial: "facedevice_0613".into(),
        ..Config::default()
    };
    assert_eq!(config.check(), Ok(()), "a warning, not a refusal");
}

#[test]
fn a_custom_address_is_production_unless_marked_test() {
    let (_dir, _path, old) = write_and_load(br#"{"environment":"custom","base_url":"http://127.0.0.1:7040"}"#);
    let old = old.expect("an existing custom config loads");
    assert_eq!(old.custom_is, CustomIs::Production);
    assert_eq!(old.environment_label(), "自定义");
    let (_dir, _path, marked) =
        write_and_load(br#"{"environment":"custom","base_url":"http://127.0.0.1:7040","custom_is":"test"}"#);
    let marked = marked.expect("marked test");
    assert_eq!(marked.custom_is, CustomIs::Test);
    assert_eq!(marked.environment_label(), "自定义测试");
    let test = Config {
        custom_is: CustomIs::Test,
        ..Config::default()
    };
    assert_eq!(test.environment_label(), "测试", "the mark is for 自定义 only");
}
