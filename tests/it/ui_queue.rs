//! The upload queue window against the simulator: a refused record shows the platform's own
//! words beside what to do, and goes out once fixed and retried; a paused queue says so.

use crate::common;
use cwr_station::store::prelude::*;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::ui::*;
use common::*;
use cwr_station::api::Secret;
use cwr_station::domain::{ItemState, RecordState};
use cwr_station::store::{ItemKind, Store, WorkerPhotos};
use cwr_station::ui::app::Screen;
use cwr_station::ui::backend::Intent;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// Not on the project until the test adds it.
const LATE_COMPANY: &str = "深圳市迟到劳务有限公司";

fn photos() -> WorkerPhotos {
    test_photos()
}

fn data_dir_with_worker(dir: &Path, id: &str, name: &str, company: &str) -> PathBuf {
    let data = dir.join("data");
    let mut store = Store::open_in(&data).expect("store");
    store
        .save_worker(
            &checked_worker(&worker_request(id, name, company).to_worker()),
            &photos(),
        )
        .expect("worker");
    data
}

fn open_queue(h: &mut Harness<'static, UiState>) {
    h.state_mut().app_mut().saved.screen = Screen::Queue;
    settle(h, 2);
}

/// The button with this label on the card whose title is `title` (the first below it).
fn click_on_card(h: &mut Harness<'static, UiState>, title: &str, button: &str) {
    let y = h.get_by_label(title).rect().center().y;
    let target = h
        .get_all_by_label(button)
        .filter(|b| b.rect().center().y > y)
        .min_by(|a, b| a.rect().center().y.total_cmp(&b.rect().center().y))
        .expect("a button below the title");
    target.click();
    settle(h, 3);
}

#[test]
fn a_refused_record_shows_the_platform_words_and_goes_by_itself_once_its_company_is_accepted() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let id = id_code(501);
    let data = data_dir_with_worker(dir.path(), &id, "孙七", LATE_COMPANY);
    let mut h = harness(&data, &sim.base_url());
    step_until(&mut h, "registration refused", Duration::from_secs(20), |app| {
        app.snapshot
            .outbox
            .iter()
            .any(|i| i.kind == ItemKind::Register && i.state == ItemState::NeedsFix)
    });
    open_queue(&mut h);
    h.check_accessibility();
    assert!(h.query_by_label("登记 孙七").is_some(), "what it is");
    assert!(h.query_by_label("需处理").is_some(), "its state");
    assert!(
        h.query_by_label("平台回复（代码 47）：").is_some(),
        "the platform's code"
    );
    let words = h.get_by_label_contains(LATE_COMPANY).value().unwrap_or_default();
    assert!(
        words.contains("未添加到该项目"),
        "the platform's message verbatim: {words}"
    );
    assert!(
        h.query_by_label_contains("平台接收该单位后，此人会自动重新上传")
            .is_some(),
        "our explanation beside it: it waits for its company"
    );
    assert!(
        h.query_by_label_contains("待上传 (1)").is_some(),
        "the navigation counts it"
    );

    // 去修改 opens the worker in the form.
    click_on_card(&mut h, "登记 孙七", "去修改");
    assert_eq!(h.state().app().saved.screen, Screen::Enroll);
    assert_eq!(h.state().app().enroll.worker().id_code, id);
    open_queue(&mut h);

    // The fix: the company goes onto the project (what the companies form sends).
    let company = cwr_station::domain::Company {
        company_name: LATE_COMPANY.into(),
        legal_person: "周八".into(),
        suid: uscc(501),
        company_type: "03".into(),
        ..Default::default()
    };
    h.state().app().backend.send(Intent::SaveCompany(Box::new(company)));
    step_until(&mut h, "company on the platform", Duration::from_secs(20), |app| {
        sim.state().companies.contains_key(&uscc(501))
            && app
                .snapshot
                .outbox
                .iter()
                .all(|i| i.kind != ItemKind::AddCompany || i.state == ItemState::Sent)
    });
    // The worker refused for its company goes again by itself, without a click.
    step_until(&mut h, "worker on the platform", Duration::from_secs(20), |app| {
        sim.state().workers.contains_key(&id)
            && app
                .snapshot
                .workers
                .iter()
                .any(|w| w.id_code == id && w.state == RecordState::Sent)
    });
    settle(&mut h, 2);
    assert!(
        h.query_by_label("登记 孙七").is_none(),
        "done: gone from the unfinished list"
    );
    assert!(h.query_by_label_contains("所有记录都已上传").is_some());

    // Everything, newest first, with 只看未完成 off.
    h.get_by_label("只看未完成").click();
    settle(&mut h, 2);
    let worker_y = h.get_by_label("登记 孙七").rect().top();
    let company_y = h.get_by_label(&format!("新增单位 {LATE_COMPANY}")).rect().top();
    assert!(company_y < worker_y, "the newer item (the company) is listed first");
    assert_eq!(h.query_all_by_label("已上传").count(), 2);
}

#[test]
fn a_paused_queue_says_why_and_leads_to_the_settings() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let mut h = harness(&data, &sim.base_url());
    settle(&mut h, 2);
    // Wrong credentials: the platform answers 26 and the whole queue stops.
    let mut config = demo_config(&sim.base_url());
    config.api_key = "WRONGKEY000000000000000000000001".into();
    h.state().app().backend.send(Intent::ApplySettings {
        config: Box::new(config),
        secret: Secret::new("demo-secret"),
    });
    step_until(&mut h, "new settings applied", Duration::from_secs(10), |app| {
        app.notices.iter().any(|(n, _)| n.contains("设置已保存"))
    });
    let company = cwr_station::domain::Company {
        company_name: LATE_COMPANY.into(),
        legal_person: "周八".into(),
        suid: uscc(511),
        ..Default::default()
    };
    h.state().app().backend.send(Intent::SaveCompany(Box::new(company)));
    step_until(&mut h, "queue paused", Duration::from_secs(20), |app| {
        app.snapshot.paused.is_some()
    });
    open_queue(&mut h);
    h.check_accessibility();
    assert!(h.query_by_label("上传已暂停").is_some());
    let reason = h.state().app().snapshot.paused.clone().unwrap_or_default();
    assert!(h.query_by_label(&reason).is_some(), "the reason shown: {reason}");
    assert!(reason.contains("授权帐号"), "{reason}");
    assert!(
        h.query_by_label(&format!("新增单位 {LATE_COMPANY}")).is_some(),
        "the item waits, listed"
    );
    assert!(sim.state().companies.is_empty());
    h.get_by_label("去设置").click();
    settle(&mut h, 2);
    assert_eq!(h.state().app().saved.screen, Screen::Settings);
}

/// 120 records the platform answered with words of its own: each gets a card, but only the
/// cards on screen are laid out, and scrolling brings the oldest one (last in the list) in.
#[test]
fn many_cards_scroll_to_the_last_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let mut store = Store::open_in(&data).expect("store");
    let later = chrono::Utc::now() + chrono::Duration::days(1);
    for i in 0..120 {
        let w = worker_request(&id_code(600 + i), &format!("卡片{i}"), LATE_COMPANY).to_worker();
        store.save_worker(&checked_worker(&w), &photos()).expect("worker");
    }
    for item in store.outbox_items(false).expect("items") {
        let n = item.id.get() - 1;
        store
            .mark_retry(item.id, later, "99", &format!("平台的话第{n}条"), "稍后自动重试")
            .expect("retry");
    }
    drop(store);
    // Nothing listens on port 9: the items keep waiting for tomorrow.
    let mut h = harness(&data, "http://127.0.0.1:9");
    step_until(&mut h, "the queue loaded", Duration::from_secs(10), |app| {
        app.snapshot.outbox.len() == 120
    });
    open_queue(&mut h);
    assert!(
        h.query_by_label("平台的话第119条").is_some(),
        "the newest card is drawn"
    );
    assert!(
        h.query_by_label("平台的话第0条").is_none(),
        "a card far below the screen is not laid out"
    );
    let over_cards = h.get_by_label("平台的话第119条").rect().center();
    for _ in 0..200 {
        if h.query_by_label("平台的话第0条").is_some() {
            break;
        }
        h.event(egui::Event::PointerMoved(over_cards));
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Page,
            delta: egui::vec2(0.0, -1.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: egui::Modifiers::NONE,
        });
        settle(&mut h, 2);
    }
    assert!(
        h.query_by_label("平台的话第0条").is_some(),
        "the oldest card scrolled into view"
    );
    assert!(
        h.query_by_label("平台的话第119条").is_none(),
        "the newest one went off the top"
    );
}
