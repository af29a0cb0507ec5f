//! Settings: saving keeps the secret out of the config file; 测试连接 reports in plain words.

use crate::common;

use std::time::Duration;

use common::ui::*;
use common::*;
use cwr_station::api::Secret;
use cwr_station::config::Environment;
use egui_kittest::kittest::Queryable;

#[test]
fn saving_settings_keeps_the_secret_apart_and_the_test_reports_plainly() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let mut config = demo_config(&sim.base_url());
    config.environment = Environment::Custom;
    config.api_key = "WRONGKEY".into();
    let mut h = harness_with(&data, config, Secret::new("demo-secret"));
    settle(&mut h, 3);
    h.get_by_label("设置").click();
    settle(&mut h, 3);

    // Wrong key: the test says access is denied and what to do.
    h.get_by_label("测试连接").click();
    h.step();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while h.query_by_label_contains("平台拒绝（代码 26）").is_none() {
        assert!(std::time::Instant::now() < deadline, "no plain answer for a wrong key");
        settle(&mut h, 2);
    }
    assert!(
        h.query_by_label_contains("设备序号（client_serial）不对").is_some(),
        "says what to check"
    );

    // Fix the key and save: the config file gets the key, never the secret.
    let demo_key = cwr_station::sim::SimConfig::demo().api_key;
    h.get_by_label("授权帐号 api_key").focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("授权帐号 api_key").type_text(&demo_key);
    h.step();
    h.get_by_label("保存设置").click();
    step_until(&mut h, "settings applied", Duration::from_secs(10), |app| {
        app.config.api_key == demo_key
    });
    let text = std::fs::read_to_string(data.join("config.json")).expect("config saved");
    assert!(text.contains(&demo_key));
    assert!(!text.contains("demo-secret"), "secret in the config file");
    // In the OS keyring where one works (not on a headless CI machine), else a private file.
    assert_eq!(
        cwr_station::secret::load_secret(&data, |_| None).expose(),
        "demo-secret"
    );

    h.get_by_label("测试连接").click();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while h.query_by_label_contains("连接成功").is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the corrected key never connected"
        );
        settle(&mut h, 2);
    }
    assert!(h.query_by_label_contains("本机时钟与平台一致").is_some());
    // The simulator is on loopback: valid, but said, as a 169.254/10/192.168 address would be.
    assert!(
        h.query_by_label_contains("是这台电脑自己").is_some(),
        "the test names an address inside the computer"
    );
}

/// An address that is no platform's is refused on 保存设置, in the words the settings file
/// is refused with, with what a valid one looks like; nothing is written.
#[test]
fn a_bad_platform_address_is_refused_when_saved() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let mut config = demo_config(&sim.base_url());
    config.environment = Environment::Custom;
    let mut h = harness_with(&data, config, Secret::new("demo-secret"));
    settle(&mut h, 3);
    h.get_by_label("设置").click();
    settle(&mut h, 3);
    for bad in ["127.0.0.1:7040", "http://127.0.0.1:7040@evil.example/"] {
        h.get_by_label("平台地址").focus();
        h.step();
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        h.get_by_label("平台地址").type_text(bad);
        h.step();
        h.get_by_label("保存设置").click();
        settle(&mut h, 2);
        assert!(
            h.query_by_label_contains("设置没有保存：平台地址 base_url").is_some(),
            "{bad}: refused, naming the setting"
        );
        assert!(
            h.query_by_label_contains(cwr_station::config::BASE_URL_EXAMPLE)
                .is_some(),
            "{bad}: says what a valid one looks like"
        );
        assert!(!h.state().app().settings.is_saving(), "{bad}: nothing sent");
    }
    assert!(!data.join("config.json").exists(), "nothing written");
    assert_eq!(h.state().app().config.base_url, sim.base_url(), "not applied");
}

/// A save that fails says why and gives the button back; nothing typed is lost.
#[test]
fn a_failed_save_says_why_and_the_button_works_again() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("config.json")).expect("a directory where the file goes");
    let mut config = demo_config(&sim.base_url());
    config.environment = Environment::Custom;
    let mut h = harness_with(&data, config, Secret::new("demo-secret"));
    settle(&mut h, 3);
    h.get_by_label("设置").click();
    settle(&mut h, 3);
    h.get_by_label("项目编号 Project_ID").focus();
    h.step();
    h.get_by_label("项目编号 Project_ID").type_text("9");
    h.step();
    h.get_by_label("保存设置").click();
    step_until(&mut h, "the save answered", Duration::from_secs(10), |app| {
        !app.settings.is_saving()
    });
    settle(&mut h, 2);
    assert!(
        h.query_by_label_contains("设置没有保存").is_some(),
        "the failure is said where it was asked"
    );
    assert!(
        h.query_by_label_contains("有未保存的修改").is_some(),
        "what was typed stays, marked unsaved"
    );
    assert!(!h.state().app().config.project_id.ends_with('9'), "not applied");
    // The button works again: once the file can be written, the same press saves.
    std::fs::remove_dir_all(data.join("config.json")).expect("remove");
    h.get_by_label("保存设置").click();
    step_until(&mut h, "saved", Duration::from_secs(10), |app| {
        app.config.project_id.ends_with('9')
    });
    assert!(
        std::fs::read_to_string(data.join("config.json"))
            .expect("written")
            .contains("9")
    );
}

/// Just installed: the window opens on 首次设置, every working screen says what is missing,
/// and the connection made there takes the station to work.
#[test]
fn a_new_station_opens_on_first_setup_and_says_what_is_missing() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let mut config = demo_config(&sim.base_url());
    config.environment = Environment::Custom;
    let mut h = harness_with(&data, config, Secret::new(""));
    step_until(&mut h, "first setup", Duration::from_secs(10), |app| {
        app.saved.screen == cwr_station::ui::app::Screen::Setup
    });
    settle(&mut h, 3);
    assert!(h.query_by_label_contains("第1步 连接平台").is_some());
    assert!(h.query_by_label_contains("还缺：授权秘钥 api_secret").is_some());
    assert!(h.query_by_label("打开演示模式").is_some(), "the demo is offered");

    // Every working screen says what is missing and leads back.
    h.get_by_label("人员登记").click();
    settle(&mut h, 3);
    assert!(
        h.query_by_label_contains("还不能上传到平台：还没有设置授权秘钥")
            .is_some()
    );
    h.get_by_label("去首次设置").click();
    settle(&mut h, 3);
    assert_eq!(h.state().app().saved.screen, cwr_station::ui::app::Screen::Setup);

    // The secret typed on the page connects the station.
    type_into(
        &mut h,
        "授权秘钥 api_secret",
        &cwr_station::sim::SimConfig::demo().api_secret,
    );
    h.get_by_label("保存设置").click();
    step_until(&mut h, "connected", Duration::from_secs(20), |app| {
        app.settings.missing_for_platform().is_empty()
            && matches!(app.connection, cwr_station::ui::backend::ConnectionState::Online { .. })
    });
    settle(&mut h, 3);
    assert!(h.query_by_label_contains("已连上平台").is_some());

    // 关于: what a site's IT person asks for on the phone.
    h.get_by_label("关于").click();
    settle(&mut h, 3);
    assert!(h.query_by_label(env!("CARGO_PKG_VERSION")).is_some(), "the version");
    assert!(h.query_by_label(&data.display().to_string()).is_some(), "the data dir");
    assert!(
        h.query_by_label(&sim.base_url()).is_some(),
        "the platform address in use"
    );
    assert!(h.query_by_label("打开数据目录").is_some());
}

/// 平台规定: the attendance window is shown as set, with the note that the bureau decides.
#[test]
fn the_attendance_window_is_shown_under_platform_rules() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let mut config = demo_config(&sim.base_url());
    config.attendance_window_secs = 90 * 60;
    let mut h = harness_with(&data, config, Secret::new("demo-secret"));
    settle(&mut h, 3);
    h.get_by_label("设置").click();
    settle(&mut h, 3);
    assert!(h.query_by_label("平台规定").is_some(), "the heading");
    assert!(h.query_by_label_contains("以住建局通知为准").is_some(), "the note");
    assert!(h.query_by_label_contains("即 90 分钟").is_some(), "the setting as set");
    assert!(h.query_by_label("考勤上传时限").is_some(), "editable, labelled");
}

/// An existing 自定义 config without the mark is production, said beside the address; marked
/// test, the 联调向导 opens.
#[test]
fn a_custom_address_says_it_counts_as_production_until_marked_test() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let mut config = demo_config(&sim.base_url());
    config.environment = Environment::Custom;
    // Tall enough that the wizard below the checklist is on screen.
    let mut h = harness_sized(&data, config, Secret::new("demo-secret"), egui::vec2(1400.0, 3000.0));
    settle(&mut h, 3);
    h.get_by_label("设置").click();
    settle(&mut h, 3);
    assert!(
        h.query_by_label(cwr_station::ui::settings::custom_is::PRODUCTION_NOTE)
            .is_some(),
        "the production reading, said"
    );
    assert!(
        h.query_by_label_contains("这个自定义地址标明为正式环境").is_some(),
        "the wizard refuses"
    );
    assert!(h.query_by_label("开始联调").is_none());

    h.get_by_label("测试环境").click();
    h.step();
    h.get_by_label("保存设置").click();
    step_until(&mut h, "saved", Duration::from_secs(10), |app| {
        app.config.custom_is == cwr_station::config::CustomIs::Test
    });
    settle(&mut h, 3);
    assert!(
        h.query_by_label("开始联调").is_some(),
        "the wizard opens on a custom test instance"
    );
    assert!(h.query_by_label_contains("联调进度（自定义测试环境）").is_some());
}
