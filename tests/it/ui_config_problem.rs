//! The window started on a settings file it cannot use: the message is on screen (a window
//! has no console), the file can be moved aside into 首次设置, or the window quit.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cwr_station::api::Secret;
use cwr_station::config::Config;
use cwr_station::media::camera::SyntheticCameras;
use cwr_station::ui::app::Screen;
use cwr_station::ui::config_problem::{ConfigProblem, MOVE_ASIDE, QUIT, StartApp};
use cwr_station::ui::{AppOptions, fonts};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// `{"api_key":"张三"}` as Notepad saves it as "ANSI" on a Chinese Windows (GBK).
fn gbk_config() -> Vec<u8> {
    let mut bytes = br#"{"api_key":""#.to_vec();
    bytes.extend_from_slice(&[0xD5, 0xC5, 0xC8, 0xFD]);
    bytes.extend_from_slice(br#""}"#);
    bytes
}

/// What the window is opened with when the file is refused (as `cwr-station` with no command
/// does): the refusal, and the station's options with the default settings.
fn start(data_dir: &Path) -> Harness<'static, StartApp> {
    let config_path = data_dir.join("config.json");
    let refusal = Config::load(&config_path).expect_err("the file is refused");
    let problem = ConfigProblem::new(refusal.to_string(), &config_path, Ok(()));
    let cards = cwr_station::card::DemoCards::default();
    let options = AppOptions {
        data_dir: data_dir.to_path_buf(),
        config_path,
        config: Config::default(),
        secret: Secret::new(""),
        demo: false,
        cameras: Arc::new(SyntheticCameras::new()),
        card_reader: Arc::new(cards),
        demo_cards: None,
    };
    Harness::builder()
        .with_size(egui::vec2(1400.0, 1000.0))
        .with_context_setup(|ctx| {
            fonts::install_cjk_font(ctx);
            fonts::install_style(ctx);
        })
        .build_ui_state(
            |ui, app: &mut StartApp| {
                let ctx = ui.ctx().clone();
                app.logic(&ctx);
                app.ui(ui);
            },
            StartApp::new(problem, options),
        )
}

#[test]
fn a_gbk_config_is_explained_on_screen_and_moved_aside_into_first_setup() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("dir");
    let config_path = data.join("config.json");
    std::fs::write(&config_path, gbk_config()).expect("write");
    let mut h = start(&data);
    h.step();
    h.step();
    assert!(
        h.query_by_label_contains("请用记事本另存为 UTF-8").is_some(),
        "what to do is on screen"
    );
    assert!(
        h.query_by_label_contains(&config_path.display().to_string()).is_some(),
        "the file is named"
    );
    assert!(h.query_by_label(QUIT).is_some());

    h.get_by_label(MOVE_ASIDE).click();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        h.step();
        if h.state().station().is_some_and(|s| s.saved.screen == Screen::Setup) {
            break;
        }
        assert!(Instant::now() < deadline, "never reached 首次设置");
        std::thread::sleep(Duration::from_millis(15));
    }
    h.step();
    h.step();
    assert!(h.query_by_label_contains("第1步 连接平台").is_some(), "on 首次设置");
    assert!(
        h.query_by_label_contains("原来的配置文件已改名为").is_some(),
        "says where the file went"
    );
    assert!(!config_path.exists(), "the bad file is out of the way");
    let kept: Vec<_> = std::fs::read_dir(&data)
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("config.json.bad-"))
        .collect();
    assert_eq!(kept.len(), 1, "moved aside once");
    assert_eq!(
        std::fs::read(kept[0].path()).expect("kept"),
        gbk_config(),
        "never changed or deleted"
    );
}

#[test]
fn quitting_leaves_the_file_where_it_is() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("dir");
    let config_path = data.join("config.json");
    std::fs::write(&config_path, br#"{"photo_budgets":{"face_kb":0}}"#).expect("write");
    let mut h = start(&data);
    h.step();
    h.step();
    assert!(
        h.query_by_label_contains("photo_budgets.face_kb = 0，应在 20 到 2048 KB 之间")
            .is_some(),
        "the setting and its range are named"
    );
    h.get_by_label(QUIT).click();
    h.step();
    assert!(h.state().quit_requested());
    assert!(h.state().station().is_none(), "the station never started");
    assert!(config_path.exists(), "left for the clerk to fix");
}
