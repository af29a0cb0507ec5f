//! The 考勤 screen against the simulator: a card on the reader selects the enrolled worker,
//! 进场 records the log with the camera's picture, the day's list shows it reaching the
//! platform; a double punch is said to be one log; an unknown card is taken as a visitor.

use crate::common;
use cwr_station::store::prelude::*;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::ui::*;
use common::*;
use cwr_station::domain::{Company, ItemState};
use cwr_station::store::Store;
use cwr_station::ui::app::Screen;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// The demo's first prepared card.
const FIRST: &str = "440305199203150027";
const COMPANY: &str = "深圳市考勤窗口劳务有限公司";

/// A data dir with the company and the worker of the first demo card, not yet sent.
fn data_dir_with_card_worker(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    let mut store = Store::open_in(&data).expect("store");
    store
        .save_company(&checked_company(&Company {
            company_name: COMPANY.into(),
            legal_person: "负责人".into(),
            suid: uscc(700),
            company_type: "03".into(),
            ..Default::default()
        }))
        .expect("company");
    store
        .save_worker(
            &checked_worker(&worker_request(FIRST, "吴珺", COMPANY).to_worker()),
            &test_photos(),
        )
        .expect("worker");
    data
}

fn open_attendance(h: &mut Harness<'static, UiState>) {
    step_until(h, "the worker on the platform", Duration::from_secs(30), |app| {
        app.snapshot
            .workers
            .iter()
            .any(|w| w.id_code == FIRST && w.emp_id.len() > 1)
    });
    h.get_by_label("考勤").click();
    settle(h, 3);
    step_until(h, "a camera picture", Duration::from_secs(10), |_| true);
}

#[test]
fn a_card_selects_the_worker_and_one_click_records_the_log_with_the_cameras_picture() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_card_worker(dir.path());
    let mut h = harness(&data, &sim.base_url());
    open_attendance(&mut h);
    assert_eq!(h.state().app().saved.screen, Screen::Attendance);

    h.get_by_label("模拟读卡").click();
    step_until(&mut h, "the card's worker selected", Duration::from_secs(10), |app| {
        app.attendance.selected().as_ref().is_some_and(|w| w.id_code == FIRST)
    });
    settle(&mut h, 3);
    assert!(h.query_by_label_contains("当前人员：吴珺").is_some());
    // The synthetic camera shows a picture: the log takes it, but only once the clerk has
    // checked the person against the enrolled photo (a card is not a face).
    step_until(&mut h, "camera live", Duration::from_secs(10), |_| true);
    assert!(
        h.query_by_label_contains(cwr_station::ui::attendance::CHECK_FIRST)
            .is_some()
    );
    h.get_by_role_and_label(Role::Button, "进场").click();
    settle(&mut h, 3);
    assert!(
        h.state().app().snapshot.passes_today.is_empty() && sim.state().passed_logs.is_empty(),
        "nothing recorded before the check"
    );
    h.get_by_label(cwr_station::ui::attendance::CONFIRM_LABEL).click();
    settle(&mut h, 2);
    h.get_by_role_and_label(Role::Button, "进场").click();
    step_until(&mut h, "the log on the platform", Duration::from_secs(30), |app| {
        app.snapshot
            .passes_today
            .iter()
            .any(|p| p.id_code == FIRST && p.state == ItemState::Sent)
    });
    settle(&mut h, 3);
    assert!(h.query_by_label_contains("已记录 吴珺 进场").is_some());
    let logs = sim.state().passed_logs;
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0]["direction"], "in");
    assert_eq!(logs[0]["way"], "1");
    let store = Store::open_in(&data).expect("store");
    let row = store
        .passes_between(
            chrono::Utc::now() - chrono::Duration::days(1),
            chrono::Utc::now() + chrono::Duration::days(1),
        )
        .expect("passes");
    assert_eq!(
        row[0].identified,
        Some(cwr_station::domain::Identified::Clerk),
        "the record says how"
    );
    drop(store);
    assert!(
        logs[0]["site_photo"].as_str().is_some_and(|p| p.len() > 1000),
        "the camera's picture went with the log"
    );
    assert!(h.query_by_label_contains("在场 1 人").is_some());

    // The same worker again at once (typed this time): one log, and the clerk is told.
    type_into(&mut h, "查找人员", FIRST);
    step_until(&mut h, "found again", Duration::from_secs(10), |app| {
        app.attendance.selected().as_ref().is_some_and(|w| w.id_code == FIRST)
    });
    settle(&mut h, 2);
    h.get_by_label(cwr_station::ui::attendance::CONFIRM_LABEL).click();
    settle(&mut h, 2);
    h.get_by_role_and_label(Role::Button, "进场").click();
    step_until(&mut h, "the repeat answered", Duration::from_secs(10), |app| {
        app.attendance.message().is_some_and(|(m, _)| m.contains("没有另记"))
    });
    settle(&mut h, 3);
    assert_eq!(h.state().app().snapshot.passes_today.len(), 1);
    assert_eq!(sim.state().passed_logs.len(), 1);
}

#[test]
fn a_card_not_enrolled_here_is_recorded_as_a_visitor() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_card_worker(dir.path());
    let mut h = harness(&data, &sim.base_url());
    open_attendance(&mut h);
    // The first card is the enrolled worker; the second is nobody here.
    h.get_by_label("模拟读卡").click();
    step_until(&mut h, "first card", Duration::from_secs(10), |app| {
        app.attendance.selected().is_some()
    });
    h.get_by_label("模拟读卡").click();
    step_until(&mut h, "second card not found", Duration::from_secs(10), |app| {
        app.attendance.visitor_name() == "阿卜杜热合曼·买买提"
            && app.attendance.selected().is_none()
            && app.attendance.search_answered()
    });
    settle(&mut h, 1);
    assert!(h.query_by_label_contains("本站没有找到此人").is_some());
    h.get_by_label("按访客记录").click();
    settle(&mut h, 2);
    assert_eq!(
        h.get_by_label("访客姓名").value().as_deref(),
        Some("阿卜杜热合曼·买买提")
    );
    h.get_by_label(cwr_station::ui::attendance::CONFIRM_LABEL).click();
    settle(&mut h, 2);
    h.get_by_role_and_label(Role::Button, "离场").click();
    step_until(
        &mut h,
        "the visitor's log on the platform",
        Duration::from_secs(30),
        |app| {
            app.snapshot
                .passes_today
                .iter()
                .any(|p| p.person_type == "0" && p.state == ItemState::Sent)
        },
    );
    let logs = sim.state().passed_logs;
    assert_eq!(logs[0]["person_type"], "0");
    assert_eq!(logs[0]["direction"], "out");
}

/// No camera, no face: the buttons wait for a picture and say why, and nothing is recorded.
#[test]
fn without_a_camera_picture_no_log_is_recorded_and_the_clerk_is_told_why() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_card_worker(dir.path());
    let mut h = harness_with_cameras(
        &data,
        demo_config(&sim.base_url()),
        cwr_station::api::Secret::new(cwr_station::sim::SimConfig::demo().api_secret),
        egui::vec2(1400.0, 1000.0),
        std::sync::Arc::new(cwr_station::media::camera::SyntheticCameras::empty()),
    );
    open_attendance(&mut h);
    h.get_by_label("模拟读卡").click();
    step_until(&mut h, "the worker", Duration::from_secs(10), |app| {
        app.attendance.selected().is_some()
    });
    settle(&mut h, 3);
    assert!(
        h.query_by_label(cwr_station::ui::attendance::NO_PICTURE).is_some(),
        "said why"
    );
    h.get_by_label("进场").click();
    settle(&mut h, 3);
    assert!(h.state().app().snapshot.passes_today.is_empty(), "nothing recorded");
    assert!(sim.state().passed_logs.is_empty());
}
