//! The ID-card reader in the window: a card placed fills the form within a second, its
//! fields locked until 手工修改, its portrait in the chip-photo slot; and the second worker of
//! a session takes 15 interactions or fewer (the test prints the count).

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::ui::*;
use common::*;
use cwr_station::domain::{PhotoKind, RecordState, WorkerField};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

const COMPANY: &str = "深圳市安居劳务分包有限公司";
/// The demo's first prepared card.
const FIRST: &str = "440305199203150027";
/// The second.
const SECOND: &str = "650102198001010012";

#[derive(Debug)]
struct DroppedPath(PathBuf);

impl egui::DroppedFile for DroppedPath {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// What the clerk does, counted: a click, a Tab or Enter, a text typed, a file dropped, a card
/// placed each count one.
struct Clerk<'h> {
    h: &'h mut Harness<'static, UiState>,
    interactions: u32,
}

impl Clerk<'_> {
    fn click(&mut self, label: &str) {
        self.interactions += 1;
        self.h.get_by_label(label).click();
        settle(self.h, 2);
    }

    fn type_into(&mut self, label: &str, text: &str) {
        self.interactions += 2;
        type_into(self.h, label, text);
    }

    fn enter(&mut self) {
        self.interactions += 1;
        self.h.key_press(egui::Key::Enter);
        settle(self.h, 2);
    }

    fn drop_file(&mut self, slot: &str, path: &Path) {
        self.interactions += 1;
        self.h.get_by_label(slot).hover();
        self.h.step();
        self.h
            .input_mut()
            .dropped_files
            .push(Arc::new(DroppedPath(path.to_path_buf())));
        self.h.step();
    }

    fn place_card(&mut self) {
        self.click("模拟读卡");
    }
}

fn scans(dir: &Path) -> (PathBuf, PathBuf) {
    let front = dir.join("front.jpg");
    let back = dir.join("back.jpg");
    std::fs::write(&front, jpeg_bytes(800, 500)).expect("front");
    std::fs::write(&back, jpeg_bytes(800, 500)).expect("back");
    (front, back)
}

fn ready(h: &mut Harness<'static, UiState>) {
    step_until(h, "companies and dictionaries", Duration::from_secs(40), |app| {
        !app.snapshot.companies.is_empty() && app.snapshot.dictionaries.len() == 4
    });
    settle(h, 3);
}

#[test]
fn a_card_placed_fills_the_form_locked_until_changed_by_hand() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_companies(dir.path());
    let mut h = harness(&data, &sim.base_url());
    ready(&mut h);
    h.get_by_label("模拟读卡").click();
    // Not timed: a loaded machine would fail a bound, and a hang is what the guard catches.
    step_until(&mut h, "card read into the form", Duration::from_secs(5), |app| {
        app.enroll.worker().id_code == FIRST
    });
    step_until(&mut h, "chip photo prepared", Duration::from_secs(10), |app| {
        app.enroll.photos().contains_key(&PhotoKind::IdPortrait)
    });
    settle(&mut h, 2);
    let app = h.state().app();
    let w = &app.enroll.worker();
    assert_eq!(
        (w.emp_name.as_str(), w.emp_nation.as_str(), w.id_agency.as_str()),
        ("吴珺", "汉", "深圳市公安局南山分局")
    );
    assert_eq!(w.emp_nativeplace, "广东省深圳市南山区桃园路8号");
    assert_eq!(w.id_validdate, "2018.03.01-2038.03.01");
    assert!(app.enroll.is_from_card(WorkerField::EmpName));
    assert!(h.query_by_label_contains("已读卡：吴珺").is_some());

    // Locked: typing into the name changes nothing, until 手工修改.
    type_into(&mut h, "姓名", "错");
    assert_eq!(h.state().app().enroll.worker().emp_name, "吴珺");
    h.get_by_label("手工修改").click();
    settle(&mut h, 2);
    type_into(&mut h, "姓名", "珺");
    assert_eq!(h.state().app().enroll.worker().emp_name, "吴珺珺");
}

#[test]
fn a_missing_field_is_named_only_after_it_was_left() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_companies(dir.path());
    let mut h = harness(&data, &sim.base_url());
    ready(&mut h);
    h.get_by_label("姓名").click();
    settle(&mut h, 3);
    assert!(
        h.query_by_label_contains("请填写姓名").is_none(),
        "not on entering the field"
    );
    h.get_by_label("手机号").click();
    settle(&mut h, 3);
    assert!(h.query_by_label_contains("请填写姓名").is_some(), "once it was left");
}

#[test]
fn the_second_worker_takes_fifteen_interactions_or_fewer() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_companies(dir.path());
    let (front, back) = scans(dir.path());
    let mut h = harness(&data, &sim.base_url());
    ready(&mut h);

    // The first worker of the session: the choices that then carry over are made here.
    let mut clerk = Clerk {
        h: &mut h,
        interactions: 0,
    };
    clerk.place_card();
    step_until(clerk.h, "first card", Duration::from_secs(5), |app| {
        app.enroll.worker().id_code == FIRST
    });
    clerk.type_into("手机号", "13800138000");
    choose(clerk.h, "所属单位", COMPANY);
    choose(clerk.h, "人员类型", "劳务工人");
    choose(clerk.h, "工种/岗位类别", "一般作业工种");
    choose(clerk.h, "工种名称", "木工");
    clerk.click("人证一致");
    clerk.click("已签合同");
    clerk.click("摄像头");
    let deadline = Instant::now() + Duration::from_secs(10);
    while clerk.h.query_by_label("拍照").is_none() {
        assert!(Instant::now() < deadline, "no live camera");
        settle(clerk.h, 2);
    }
    clerk.click("拍照");
    clerk.drop_file("拖入正面", &front);
    clerk.drop_file("拖入反面", &back);
    step_until(clerk.h, "four photos", Duration::from_secs(90), |app| {
        app.enroll.photos().len() == 4
    });
    clerk.click("提交登记");
    step_until(clerk.h, "first saved", Duration::from_secs(20), |app| {
        app.snapshot.workers.iter().any(|w| w.id_code == FIRST)
    });

    // The second worker: counted from here.
    let mut clerk = Clerk {
        h: &mut h,
        interactions: 0,
    };
    clerk.place_card();
    step_until(clerk.h, "second card", Duration::from_secs(5), |app| {
        app.enroll.worker().id_code == SECOND
    });
    {
        let w = &clerk.h.state().app().enroll.worker();
        assert_eq!(w.emp_company, COMPANY, "the company carried over");
        assert!(!w.emp_category.is_empty() && !w.job_typename.is_empty() && !w.job_name.is_empty());
        assert!(w.emp_phone.is_empty(), "the first worker's own data did not");
    }
    clerk.type_into("手机号", "13900139000");
    clerk.click("人证一致");
    clerk.click("已签合同");
    // The camera stayed open.
    clerk.click("拍照");
    clerk.drop_file("拖入正面", &front);
    clerk.drop_file("拖入反面", &back);
    step_until(clerk.h, "four photos again", Duration::from_secs(90), |app| {
        app.enroll.photos().len() == 4 && !app.enroll.photos_pending()
    });
    settle(clerk.h, 2);
    clerk.enter();
    let count = clerk.interactions;
    step_until(&mut h, "second saved", Duration::from_secs(20), |app| {
        app.snapshot
            .workers
            .iter()
            .any(|w| w.id_code == SECOND && w.state == RecordState::Sent)
    });
    println!("interactions for the second worker (card read, face capture, two scans): {count}");
    assert!(count <= 15, "{count} interactions");
    let sent = &sim.state().workers[SECOND].body;
    assert_eq!(sent["emp_name"], "阿卜杜热合曼·买买提");
    assert_eq!(sent["emp_nation"], "维吾尔");
    assert_eq!(sent["emp_company"], COMPANY);
    assert_eq!(sent["id_validdate"], "2015.06.01-长期");
}

/// On a 1366×768 laptop, a warning to acknowledge and 提交登记 stay on screen.
#[test]
fn on_a_small_screen_the_warning_and_submit_stay_in_view() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_companies(dir.path());
    let config = demo_config(&sim.base_url());
    let secret = cwr_station::api::Secret::new(cwr_station::sim::SimConfig::demo().api_secret);
    let mut h = harness_sized(&data, config, secret, egui::vec2(1366.0, 768.0));
    ready(&mut h);
    // A woman born in 1949: over the site's age limit, a warning to tick.
    type_into(&mut h, "身份证号码", "11010519491231002X");
    type_into(&mut h, "姓名", "周芳");
    settle(&mut h, 3);
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1366.0, 768.0));
    for label in ["已核对以上提醒，仍要登记", "提交登记"] {
        let r = h.get_by_label(label).rect();
        assert!(screen.contains_rect(r), "{label} at {r:?} is off the 1366×768 screen");
    }
    let warning = h.get_by_label_contains("提醒：女性工人").rect();
    assert!(screen.contains_rect(warning), "the warning at {warning:?}");
}
