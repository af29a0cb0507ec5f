//! The roster window against the simulator: search, sort, and departures chosen with
//! checkboxes and confirmed once, down to what the platform holds.

use crate::common;
use cwr_station::store::prelude::*;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::ui::*;
use common::*;
use cwr_station::domain::RecordState;
use cwr_station::store::{ItemKind, Store, WorkerPhotos};
use cwr_station::ui::app::Screen;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

const PENGCHENG: &str = "深圳市鹏城建设集团有限公司";
const ANJU: &str = "深圳市安居劳务分包有限公司";
/// Never added to the project: the platform refuses a worker who names it (47).
const UNKNOWN_COMPANY: &str = "深圳市未备案劳务有限公司";

fn photos() -> WorkerPhotos {
    test_photos()
}

/// A data dir whose store holds the demo companies and these workers, all queued; the
/// window's sender delivers them.
fn data_dir_with_workers(dir: &Path, workers: &[(&str, &str, &str)]) -> PathBuf {
    let data = dir.join("data");
    let mut store = Store::open_in(&data).expect("store");
    for c in cwr_station::cli::demo_companies() {
        store.save_company(&checked_company(&c)).expect("company");
    }
    for (id, name, company) in workers {
        let w = worker_request(id, name, company).to_worker();
        store.save_worker(&checked_worker(&w), &photos()).expect("worker");
    }
    data
}

fn open_roster(h: &mut Harness<'static, UiState>) {
    h.state_mut().app_mut().saved.screen = Screen::Roster;
    settle(h, 2);
}

/// The names the roster lists, top to bottom (each row's checkbox is named "选择 <name>").
fn listed(h: &Harness<'static, UiState>) -> Vec<String> {
    let mut rows: Vec<(f32, String)> = h
        .query_all_by_label_contains("选择 ")
        .map(|n| {
            let label = n.accesskit_node().label().unwrap_or_default();
            (n.rect().center().y, label.trim_start_matches("选择 ").to_string())
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    rows.into_iter().map(|(_, n)| n).collect()
}

fn search(h: &mut Harness<'static, UiState>, text: &str) {
    h.get_by_label("搜索").set_text_value_accesskit(text);
    settle(h, 2);
}

fn select(h: &mut Harness<'static, UiState>, name: &str) {
    h.get_by_label(&format!("选择 {name}")).click();
    settle(h, 2);
}

fn all_sent(app: &cwr_station::ui::StationApp, n: usize) -> bool {
    app.snapshot.workers.len() == n && app.snapshot.workers.iter().all(|w| w.state == RecordState::Sent)
}

#[test]
fn search_narrows_the_roster_and_headers_sort_it() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let li_si = id_code(402);
    let data = data_dir_with_workers(
        dir.path(),
        &[
            (&id_code(401), "张三", PENGCHENG),
            (&li_si, "李四", PENGCHENG),
            (&id_code(403), "王五", PENGCHENG),
            (&id_code(404), "赵六", ANJU),
        ],
    );
    let mut h = harness(&data, &sim.base_url());
    step_until(&mut h, "workers uploaded", Duration::from_secs(20), |app| {
        all_sent(app, 4)
    });
    open_roster(&mut h);
    h.check_accessibility();
    assert_eq!(listed(&h), ["张三", "李四", "王五", "赵六"], "all four, by name");
    assert!(h.query_by_label_contains("共 4 人").is_some());

    // As the clerk types, one letter at a time.
    h.get_by_label("搜索").click();
    h.step();
    h.get_by_label("搜索").type_text("张");
    settle(&mut h, 2);
    assert_eq!(listed(&h), ["张三"]);
    assert!(h.query_by_label("李四").is_none(), "others are gone from the table");
    assert!(h.query_by_label_contains("共 4 人，显示 1 人").is_some());

    search(&mut h, &li_si);
    assert_eq!(listed(&h), ["李四"], "the full ID number finds the worker");
    search(&mut h, &li_si.to_lowercase());
    assert_eq!(listed(&h), ["李四"], "also typed with a lower-case x");
    search(&mut h, "安居");
    assert_eq!(listed(&h), ["赵六"], "by company");
    search(&mut h, "孙七");
    assert!(listed(&h).is_empty());
    assert!(
        h.query_by_label_contains("没有符合条件的人员").is_some(),
        "an empty result says why"
    );
    search(&mut h, "");
    assert_eq!(listed(&h).len(), 4);

    // The masked ID is shown, never the full number.
    let masked = cwr_station::domain::mask_id(&li_si);
    assert!(h.query_by_label(&masked).is_some(), "masked ID {masked} shown");
    assert!(h.query_by_label(&li_si).is_none(), "full ID number not on screen");

    // 姓名 is the sorted column: a click reverses it.
    h.get_by_label_contains("姓名").click();
    settle(&mut h, 2);
    assert_eq!(listed(&h), ["赵六", "王五", "李四", "张三"]);
    assert!(
        h.state().app().saved.roster.descending,
        "the sort is kept in the saved state"
    );
    h.get_by_label_contains("所属单位").click();
    settle(&mut h, 2);
    assert_eq!(
        listed(&h),
        ["赵六", "张三", "李四", "王五"],
        "by company name, then by name"
    );
}

#[test]
fn three_workers_leave_in_one_confirmation() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let ids = [id_code(411), id_code(412), id_code(413), id_code(414)];
    let names = ["张三", "李四", "王五", "赵六"];
    let workers: Vec<(&str, &str, &str)> = ids.iter().zip(names).map(|(i, n)| (i.as_str(), n, PENGCHENG)).collect();
    let data = data_dir_with_workers(dir.path(), &workers);
    let mut h = harness(&data, &sim.base_url());
    step_until(&mut h, "workers uploaded", Duration::from_secs(20), |app| {
        all_sent(app, 4)
    });
    open_roster(&mut h);
    assert!(
        h.get_by_label("标记离场 (0)").accesskit_node().is_disabled(),
        "nothing selected: disabled"
    );

    for name in ["张三", "李四", "王五"] {
        select(&mut h, name);
    }
    assert!(h.query_by_label("已选 3 人").is_some());
    h.get_by_label("标记离场 (3)").click();
    settle(&mut h, 3);
    h.check_accessibility();
    // The confirmation lists exactly the three, with the time and the warning.
    assert!(h.query_by_label("确认离场（3 人）").is_some());
    for name in ["张三", "李四", "王五"] {
        assert_eq!(
            h.query_all_by_label(name).count(),
            2,
            "{name} in the table and in the confirmation"
        );
    }
    assert_eq!(h.query_all_by_label("赵六").count(), 1, "赵六 only in the table");
    assert!(h.query_by_label_contains("平台不能撤销").is_some());
    let exit_time = h.get_by_label("离场时间").value().expect("a default time");
    let parsed = cwr_station::api::parse_beijing_timestamp(&exit_time).expect("yyyy-MM-dd HH:mm:ss");
    assert!(
        (chrono::Utc::now() - parsed).num_seconds().abs() < 60,
        "defaults to now: {exit_time}"
    );

    // A wrong time is refused beside the field; nothing is recorded.
    h.get_by_label("离场时间").set_text_value_accesskit("2026-13-01 08:00");
    settle(&mut h, 2);
    h.get_by_label("确认离场").click();
    settle(&mut h, 3);
    assert!(h.query_by_label_contains("离场时间格式不对").is_some());
    assert!(
        h.state()
            .app()
            .snapshot
            .outbox
            .iter()
            .all(|i| i.kind != ItemKind::Leave),
        "nothing queued"
    );
    let chosen = "2026-03-02 17:30:00";
    h.get_by_label("离场时间").set_text_value_accesskit(chosen);
    settle(&mut h, 2);
    h.get_by_label("确认离场").click();
    settle(&mut h, 2);
    assert!(
        h.query_by_label_contains("确认离场（").is_none(),
        "the confirmation closed"
    );

    step_until(
        &mut h,
        "three departures on the platform and in the roster",
        Duration::from_secs(20),
        |app| {
            sim.state().departures.len() == 3
                && app
                    .snapshot
                    .workers
                    .iter()
                    .filter(|w| w.state == RecordState::Departed)
                    .count()
                    == 3
        },
    );
    settle(&mut h, 2);
    let platform = sim.state();
    for id in &ids[..3] {
        assert_eq!(
            platform.departures[id].exit_time.as_deref(),
            Some(chosen),
            "exit time sent as typed"
        );
        assert_eq!(platform.departures[id].received_count, 1, "sent once");
    }
    assert!(!platform.departures.contains_key(&ids[3]), "赵六 stays");
    assert_eq!(platform.call_count("userLeaveProject", "00"), 1, "one batch");
    assert_eq!(
        h.query_all_by_label("已离场").count(),
        3,
        "the roster says 已离场 three times"
    );
    assert_eq!(h.query_all_by_label("已上传").count(), 1);

    // Departed workers cannot be selected again.
    assert!(h.get_by_label("选择 张三").accesskit_node().is_disabled());
    select(&mut h, "张三");
    assert!(h.state().app().roster.selected().is_empty());
    assert!(!h.get_by_label("选择 赵六").accesskit_node().is_disabled());
}

#[test]
fn a_departure_the_platform_does_not_know_is_marked_for_a_fix_alone() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let (a, b, stranger) = (id_code(421), id_code(422), id_code(423));
    let data = data_dir_with_workers(
        dir.path(),
        &[
            (&a, "张三", PENGCHENG),
            (&b, "李四", ANJU),
            (&stranger, "王五", UNKNOWN_COMPANY),
        ],
    );
    let mut h = harness(&data, &sim.base_url());
    step_until(&mut h, "two uploaded, one refused", Duration::from_secs(20), |app| {
        let state = |id: &str| app.snapshot.workers.iter().find(|w| w.id_code == id).map(|w| w.state);
        state(&a) == Some(RecordState::Sent)
            && state(&b) == Some(RecordState::Sent)
            && state(&stranger) == Some(RecordState::NeedsFix)
    });
    assert!(
        !sim.state().workers.contains_key(&stranger),
        "the platform does not know 王五"
    );
    open_roster(&mut h);

    h.get_by_label("全选").click();
    settle(&mut h, 2);
    assert_eq!(h.state().app().roster.selected().len(), 3);
    h.get_by_label("标记离场 (3)").click();
    settle(&mut h, 3);
    assert!(
        h.query_by_label_contains("其中 1 人的登记还没有被平台接受").is_some(),
        "the clerk is warned"
    );
    h.get_by_label("确认离场").click();

    step_until(&mut h, "the batch answered", Duration::from_secs(20), |app| {
        app.snapshot
            .outbox
            .iter()
            .any(|i| i.kind == ItemKind::Leave && i.last_code == "10")
    });
    settle(&mut h, 3);
    let platform = sim.state();
    assert!(platform.departures.contains_key(&a) && platform.departures.contains_key(&b));
    assert!(!platform.departures.contains_key(&stranger));
    assert_eq!(
        platform.call_count("userLeaveProject", "10"),
        1,
        "one call, a partial failure"
    );

    let store = Store::open_in(&data).expect("store");
    let leave = store
        .outbox_items(true)
        .expect("items")
        .into_iter()
        .find(|i| i.kind == ItemKind::Leave)
        .expect("leave item");
    let mut states = store.departures_of(leave.id).expect("departures");
    states.sort_by(|x, y| x.0.cmp(&y.0));
    let mut expected = vec![
        (a.clone(), "sent"),
        (b.clone(), "sent"),
        (stranger.clone(), "needs_fix"),
    ];
    expected.sort();
    assert_eq!(
        states
            .iter()
            .map(|(id, s, _)| (id.clone(), s.as_str()))
            .collect::<Vec<_>>(),
        expected
    );
    let (_, _, message) = states.iter().find(|(id, _, _)| *id == stranger).expect("stranger");
    assert!(
        message.contains("未找到该人员"),
        "the platform's reason kept: {message}"
    );

    // The roster: two left, the third needs the clerk.
    assert_eq!(h.query_all_by_label("已离场").count(), 2);
    assert_eq!(h.query_all_by_label("需处理").count(), 1);
    assert!(h.query_by_label("离场未成功").is_some());
    assert!(
        !h.get_by_label("选择 王五").accesskit_node().is_disabled(),
        "王五 can be marked again once fixed"
    );
}

/// The roster shows each worker's face small; one enrolled before thumbnails existed gets
/// one made from the face photo, kept for next time.
#[test]
fn each_row_shows_the_workers_face_small() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let (a, b) = (id_code(610), id_code(611));
    let data = data_dir_with_workers(
        dir.path(),
        &[
            (&a, "缩略甲", "深圳市安居劳务分包有限公司"),
            (&b, "缩略乙", "深圳市安居劳务分包有限公司"),
        ],
    );
    assert_eq!(
        Store::open_in(&data).expect("store").stats().expect("stats").thumbnails,
        0
    );
    let mut h = harness(&data, &sim.base_url());
    step_until(&mut h, "workers listed", Duration::from_secs(20), |app| {
        app.snapshot.workers.len() == 2
    });
    open_roster(&mut h);
    step_until(&mut h, "faces shown", Duration::from_secs(20), |app| {
        app.roster.thumbnail_shown(&a) == Some(true) && app.roster.thumbnail_shown(&b) == Some(true)
    });
    step_until(&mut h, "thumbnails kept", Duration::from_secs(10), |_| {
        Store::open_in(&data)
            .and_then(|s| s.stats())
            .is_ok_and(|s| s.thumbnails == 2)
    });
}
