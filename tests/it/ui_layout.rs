//! Every screen on a 1366×768 laptop, light and dark, at 100 % and 125 % text: its main
//! action is inside the window (no scrolling sideways to find it), the navigation fits, and
//! no two inputs are drawn over each other.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::ui::*;
use common::*;
use cwr_station::domain::RecordState;
use cwr_station::store::Store;
use cwr_station::store::prelude::*;
use cwr_station::ui::app::{Screen, TextSize, ThemeChoice};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

const LOOKS: [(ThemeChoice, TextSize); 4] = [
    (ThemeChoice::Light, TextSize::Percent100),
    (ThemeChoice::Light, TextSize::Percent125),
    (ThemeChoice::Dark, TextSize::Percent100),
    (ThemeChoice::Dark, TextSize::Percent125),
];

/// Rects may touch; a pixel of shared border is not an overlap.
const TOUCH_PX: f32 = 1.0;

fn window_on(data: &Path, base_url: &str) -> Harness<'static, UiState> {
    let mut h = harness_sized(
        data,
        demo_config(base_url),
        cwr_station::api::Secret::new(cwr_station::sim::SimConfig::demo().api_secret),
        LAPTOP_PX,
    );
    settle(&mut h, 2);
    h
}

fn show(h: &mut Harness<'static, UiState>, screen: Screen) {
    h.state_mut().app_mut().saved.screen = screen;
    settle(h, 3);
}

/// The window is in the look asked for: egui's zoom and the theme's visuals.
fn assert_look(h: &Harness<'static, UiState>, theme: ThemeChoice, size: TextSize) {
    assert!(
        (h.ctx.zoom_factor() - size.zoom_factor()).abs() < 1e-3,
        "zoom {}",
        h.ctx.zoom_factor()
    );
    let dark = h.ctx.global_style().visuals.dark_mode;
    assert_eq!(dark, theme == ThemeChoice::Dark, "{theme:?}");
}

fn assert_inside(h: &Harness<'static, UiState>, label: &str, what: &str) {
    let window = window_rect(h);
    let node = h
        .query_all_by_label(label)
        .find(|n| n.accesskit_node().role() == Role::Button)
        .unwrap_or_else(|| {
            let buttons: Vec<String> = h
                .query_all_by_role(Role::Button)
                .map(|n| n.accesskit_node().label().unwrap_or_default())
                .collect();
            panic!("{what}: no button {label} among {buttons:?}")
        });
    let rect = node.rect();
    assert!(
        window.expand(TOUCH_PX).contains_rect(rect),
        "{what}: {label} at {rect:?} is outside the window {window:?}"
    );
}

/// The navigation's tabs all fit across the window.
fn assert_navigation_fits(h: &Harness<'static, UiState>, what: &str) {
    for screen in Screen::ALL {
        let window = window_rect(h);
        let rect = h
            .query_all_by_label_contains(screen.label())
            .map(|n| n.rect())
            .min_by(|a, b| a.top().total_cmp(&b.top()))
            .unwrap_or_else(|| panic!("{what}: no tab {}", screen.label()));
        assert!(
            window.expand(TOUCH_PX).contains_rect(rect),
            "{what}: tab {} at {rect:?} is outside the window {window:?}",
            screen.label()
        );
    }
}

/// No two inputs (text fields, dropdowns, number fields) share more than a pixel of border.
fn assert_inputs_apart(h: &Harness<'static, UiState>, what: &str) -> usize {
    let window = window_rect(h);
    let inputs: Vec<(String, egui::Rect)> = [
        Role::TextInput,
        Role::MultilineTextInput,
        Role::ComboBox,
        Role::SpinButton,
    ]
    .into_iter()
    .flat_map(|role| h.query_all_by_role(role).collect::<Vec<_>>())
    .map(|n| (n.accesskit_node().label().unwrap_or_default(), n.rect()))
    // Scrolled out of view below the fold: not drawn, cannot overlap what is.
    .filter(|(_, r)| window.intersects(*r))
    .collect();
    for (i, (a, ra)) in inputs.iter().enumerate() {
        for (b, rb) in &inputs[i + 1..] {
            let shared = ra.intersect(*rb);
            assert!(
                !(shared.width() > TOUCH_PX && shared.height() > TOUCH_PX),
                "{what}: 「{a}」 {ra:?} overlaps 「{b}」 {rb:?}"
            );
        }
    }
    inputs.len()
}

/// Checks `screen` in every look: its main actions inside the window, the navigation across
/// it, inputs apart. `min_inputs`: how many inputs the screen shows at least (so an empty
/// query cannot pass for a tidy screen).
fn check_screen(h: &mut Harness<'static, UiState>, screen: Screen, actions: &[&str], min_inputs: usize) {
    show(h, screen);
    for (theme, size) in LOOKS {
        set_look(h, theme, size);
        assert_look(h, theme, size);
        let what = format!("{} {theme:?} {}", screen.label(), size.label());
        let (shown, laptop) = (h.ctx.content_rect(), window_rect(h));
        assert!(
            (shown.max - laptop.max).length() < TOUCH_PX,
            "{what}: the window is {shown:?}, not the laptop screen {laptop:?}"
        );
        for action in actions {
            assert_inside(h, action, &what);
        }
        assert_navigation_fits(h, &what);
        let n = assert_inputs_apart(h, &what);
        assert!(
            n >= min_inputs,
            "{what}: {n} inputs found, expected at least {min_inputs}"
        );
    }
}

fn empty_window() -> (
    cwr_station::sim::SimHandle,
    tempfile::TempDir,
    Harness<'static, UiState>,
) {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let h = window_on(&dir.path().join("data"), &sim.base_url());
    (sim, dir, h)
}

#[test]
fn enroll_fits_the_laptop_screen() {
    let (_sim, _dir, mut h) = empty_window();
    check_screen(&mut h, Screen::Enroll, &["提交登记"], 8);
}

#[test]
fn attendance_fits_the_laptop_screen() {
    let (_sim, _dir, mut h) = empty_window();
    check_screen(&mut h, Screen::Attendance, &["进场", "离场"], 1);
}

#[test]
fn import_fits_the_laptop_screen() {
    let (_sim, _dir, mut h) = empty_window();
    check_screen(&mut h, Screen::Import, &["选择 Excel 文件…"], 0);
}

#[test]
fn companies_fits_the_laptop_screen() {
    let (_sim, _dir, mut h) = empty_window();
    check_screen(&mut h, Screen::Companies, &["新增单位"], 0);
}

#[test]
fn blacklist_fits_the_laptop_screen() {
    let (_sim, _dir, mut h) = empty_window();
    check_screen(&mut h, Screen::Blacklist, &["加入黑名单", "从 Excel 导入…"], 3);
}

#[test]
fn queue_fits_the_laptop_screen() {
    let (_sim, _dir, mut h) = empty_window();
    check_screen(&mut h, Screen::Queue, &["全部重试"], 0);
}

#[test]
fn settings_fits_the_laptop_screen() {
    let (_sim, _dir, mut h) = empty_window();
    check_screen(&mut h, Screen::Settings, &["保存设置", "测试连接"], 5);
}

#[test]
fn setup_fits_the_laptop_screen() {
    let (_sim, _dir, mut h) = empty_window();
    // Step 1's: a first run starts there (开始登记, after three steps, may be scrolled to).
    check_screen(&mut h, Screen::Setup, &["保存设置", "测试连接"], 5);
}

const NAMES: [&str; 3] = ["张三", "李四", "王五"];

/// A store with the demo companies and `names` as workers, all queued for the window to send.
fn data_dir_with_workers(dir: &Path, names: &[&str]) -> PathBuf {
    let data = dir.join("data");
    let mut store = Store::open_in(&data).expect("store");
    for c in cwr_station::cli::demo_companies() {
        store.save_company(&checked_company(&c)).expect("company");
    }
    for (i, name) in names.iter().enumerate() {
        let id = id_code(431 + i as u32);
        let w = worker_request(&id, name, "深圳市鹏城建设集团有限公司").to_worker();
        store.save_worker(&checked_worker(&w), &test_photos()).expect("worker");
    }
    data
}

#[test]
fn roster_and_its_departure_confirmation_fit_the_laptop_screen() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_workers(dir.path(), &NAMES);
    let mut h = window_on(&data, &sim.base_url());
    step_until(&mut h, "workers uploaded", Duration::from_secs(30), |app| {
        app.snapshot.workers.len() == NAMES.len() && app.snapshot.workers.iter().all(|w| w.state == RecordState::Sent)
    });
    check_screen(&mut h, Screen::Roster, &["标记离场 (0)"], 1);
    for (theme, size) in LOOKS {
        set_look(&mut h, theme, size);
        // Each row's 修改, in the last column: the table does not scroll sideways.
        let window = window_rect(&h);
        let edits: Vec<egui::Rect> = h.query_all_by_label("修改").map(|n| n.rect()).collect();
        assert_eq!(edits.len(), NAMES.len(), "one 修改 a row");
        for rect in edits {
            assert!(
                window.expand(TOUCH_PX).contains_rect(rect),
                "{theme:?} {}: 修改 at {rect:?} is outside the window {window:?}",
                size.label()
            );
        }
    }

    for (theme, size) in LOOKS {
        set_look(&mut h, theme, size);
        let what = format!("确认离场 {theme:?} {}", size.label());
        for name in NAMES {
            h.get_by_label(&format!("选择 {name}")).click();
            settle(&mut h, 2);
        }
        h.get_by_label("标记离场 (3)").click();
        settle(&mut h, 3);
        assert_inside(&h, "确认离场", &what);
        assert_inside(&h, "取消", &what);
        assert_inputs_apart(&h, &what);
        h.get_by_label("取消").click();
        settle(&mut h, 2);
        h.get_by_label("清除选择").click();
        settle(&mut h, 2);
        assert!(h.query_by_label("确认离场").is_none(), "{what}: the dialog closed");
    }
}

#[test]
fn the_chosen_look_is_kept_with_the_window_and_ctrl_plus_steps_the_text_size() {
    let (_sim, _dir, mut h) = empty_window();
    show(&mut h, Screen::Settings);
    h.get_by_label("深色").click();
    settle(&mut h, 3);
    assert_look(&h, ThemeChoice::Dark, TextSize::Percent100);
    h.get_by_label("125 %").click();
    settle(&mut h, 3);
    assert_look(&h, ThemeChoice::Dark, TextSize::Percent125);

    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Plus);
    settle(&mut h, 3);
    assert_look(&h, ThemeChoice::Dark, TextSize::Percent150);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Plus);
    settle(&mut h, 3);
    assert_look(&h, ThemeChoice::Dark, TextSize::Percent150);
    for _ in 0..3 {
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Minus);
        settle(&mut h, 3);
    }
    assert_look(&h, ThemeChoice::Dark, TextSize::Percent100);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Plus);
    settle(&mut h, 3);

    let kept = h.state().app().window_state().expect("kept");
    let saved: cwr_station::ui::app::SavedState = serde_json::from_str(&kept).expect("readable");
    assert_eq!(
        (saved.theme, saved.text_size),
        (ThemeChoice::Dark, TextSize::Percent125)
    );
    // The next run opens in the same look.
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let mut again = harness_restoring(&dir.path().join("data"), &sim.base_url(), &kept);
    settle(&mut again, 3);
    assert_look(&again, ThemeChoice::Dark, TextSize::Percent125);
}

#[test]
fn import_with_a_checked_list_fits_the_laptop_screen() {
    use common::sheets::{V, t, write_xlsx};
    use cwr_station::ui::backend::{ExcelIntent, Intent};
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    // The list's company must be one of the project's for its rows to be importable.
    let mut h = window_on(&data_dir_with_workers(dir.path(), &[]), &sim.base_url());
    step_until(&mut h, "dictionaries cached", Duration::from_secs(40), |app| {
        app.snapshot.dictionaries.len() == 4
    });
    let header = [
        "身份证号",
        "姓名",
        "电话",
        "单位",
        "人员类型",
        "工种类别",
        "工种",
        "合同",
        "进场日期",
    ];
    let row = |id: &str, name: &str, phone: &str| -> Vec<V> {
        [
            id,
            name,
            phone,
            "深圳市安居劳务分包有限公司",
            "劳务工人",
            "一般作业工种",
            "砌筑工",
            "已签",
        ]
        .into_iter()
        .map(t)
        .chain([V::D(2026, 11, 2)])
        .collect()
    };
    let list = dir.path().join("安居劳务名单.xlsx");
    write_xlsx(
        &list,
        None,
        &[
            header.iter().map(|h| t(h)).collect(),
            row(&id_code(441), "赵一", "13800000001"),
            row(&id_code(442), "钱二", "13800000002"),
        ],
    );
    show(&mut h, Screen::Import);
    h.state()
        .app()
        .backend
        .send(Intent::Excel(ExcelIntent::CheckImport(list)));
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while h.query_by_label_contains("共 2 行：").is_none() {
        assert!(std::time::Instant::now() < deadline, "the list was never checked");
        settle(&mut h, 1);
    }
    check_screen(&mut h, Screen::Import, &["导入 2 行", "选择 Excel 文件…"], 0);
}
