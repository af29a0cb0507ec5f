//! The window on a site database (issue 23), against a real PostgreSQL server: another
//! station's save shows in this window's roster within two seconds; the database stopped in
//! the middle of an enrollment loses nothing and saving resumes when it is back; and
//! 设置 → 数据存放 moves a one-PC station's records into the site database.

use crate::common;
use cwr_station::store::prelude::*;

use std::sync::Arc;
use std::time::Duration;

use common::ui::*;
use common::*;
use cwr_station::api::{PlatformClock, Secret, clock};
use cwr_station::config::Config;
use cwr_station::host::pg_server::PgServer;
use cwr_station::sim::SimConfig;
use cwr_station::station::Station;
use egui_kittest::kittest::Queryable;

fn on_site(base_url: &str, address: &str, name: &str) -> Config {
    let mut config = demo_config(base_url);
    config.store.station_name = name.into();
    config.use_store(address).expect("address");
    config
}

fn secret() -> Secret {
    Secret::new(SimConfig::demo().api_secret)
}

/// Station 甲 in this process, as another PC of the site would be.
fn other_station(dir: &std::path::Path, base_url: &str, address: &str) -> Station {
    let clock = Arc::new(PlatformClock::new(clock::system_time()));
    let mut st = Station::open(dir, on_site(base_url, address, "办公室"), clock).expect("甲 opens");
    for c in cwr_station::cli::demo_companies() {
        st.save_company(c).expect("company");
    }
    st
}

#[test]
fn another_stations_save_shows_in_this_roster_within_two_seconds() {
    let sim = start_sim();
    let address = PgServer::shared().fresh_database("ui_feed");
    let dir = tempfile::tempdir().expect("tmp");
    let mut other = other_station(&dir.path().join("a"), &sim.base_url(), &address);
    let data = dir.path().join("b");
    let mut h = harness_with(&data, on_site(&sim.base_url(), &address, "闸机旁"), secret());
    step_until(
        &mut h,
        "the window opened on the site",
        Duration::from_secs(30),
        |app| app.store_location.contains("工地数据库") && app.snapshot.companies.len() == 2,
    );
    let id = id_code(62_001);
    other
        .enroll(
            worker_request(&id, "王五", "深圳市安居劳务分包有限公司").to_worker(),
            test_photos(),
        )
        .expect("enrolled on 甲");
    step_until(&mut h, "seen on 乙", Duration::from_secs(2), |app| {
        app.snapshot.workers.iter().any(|w| w.id_code == id)
    });
}

#[test]
fn the_database_stopped_in_the_middle_of_an_enrollment_loses_nothing() {
    let sim = start_sim();
    let server = PgServer::own();
    let address = server.fresh_database("ui_outage");
    let dir = tempfile::tempdir().expect("tmp");
    drop(other_station(&dir.path().join("a"), &sim.base_url(), &address));
    let data = dir.path().join("b");
    let mut h = harness_with(&data, on_site(&sim.base_url(), &address, "闸机旁"), secret());
    // The form's dropdowns need the site's companies first.
    step_until(
        &mut h,
        "the window opened on the site",
        Duration::from_secs(30),
        |app| app.store_location.contains("工地数据库") && app.snapshot.companies.len() == 2,
    );
    let id = id_code(62_002);
    super::ui_enroll::fill_form(&mut h, dir.path(), &id, "赵六");

    server.stop();
    h.get_by_label("提交登记").click();
    step_until(&mut h, "the save answered", Duration::from_secs(30), |app| {
        app.enroll.save_error().is_some()
    });
    step_until(&mut h, "the status bar says so", Duration::from_secs(10), |app| {
        app.site_problem.is_some()
    });
    let app = h.state().app();
    let said = app.enroll.save_error().unwrap_or_default();
    assert!(
        said.contains("工地数据库") && said.contains("填写的内容都还在"),
        "{said}"
    );
    assert!(app.enroll.submitted().is_none(), "the form is editable again");
    assert_eq!(app.enroll.worker().emp_name, "赵六");
    assert_eq!(app.enroll.photos().len(), 4, "the photos stay");
    assert!(
        h.query_by_label_contains("工地数据库：连不上").is_some(),
        "the status bar says the database is out of reach"
    );
    let draft = std::fs::read_to_string(data.join("enroll_draft.json")).expect("the form is kept on this PC");
    assert!(draft.contains("赵六"), "{draft}");

    server.start_again();
    step_until(&mut h, "the database is back", Duration::from_secs(30), |app| {
        app.site_problem.is_none()
    });
    h.get_by_label("提交登记").click();
    step_until(&mut h, "saved this time", Duration::from_secs(30), |app| {
        app.snapshot.workers.iter().any(|w| w.id_code == id)
    });
}

#[test]
fn switching_to_the_site_database_copies_this_pcs_records() {
    let sim = start_sim();
    let address = PgServer::shared().fresh_database("ui_switch");
    let site = cwr_station::station::site::SiteDatabase::parse(&address).expect("address");
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_companies(dir.path());
    {
        let mut store = cwr_station::store::Store::open_in(&data).expect("store");
        let w = worker_request(&id_code(62_003), "孙七", "深圳市安居劳务分包有限公司").to_worker();
        store.save_worker(&checked_worker(&w), &test_photos()).expect("worker");
    }
    // Not the demo, which never writes its settings: the choice must outlive the window.
    let mut config = demo_config(&sim.base_url());
    config.environment = cwr_station::config::Environment::Custom;
    let mut h = harness_with(&data, config, secret());
    step_until(&mut h, "this PC's roster", Duration::from_secs(30), |app| {
        app.snapshot.workers.len() == 1 && app.store_location == "本机"
    });
    h.get_by_label("设置").click();
    settle(&mut h, 3);
    h.get_by_label("工地数据库（几台电脑共用）").click();
    settle(&mut h, 3);
    for (label, value) in [
        ("数据库服务器", site.host()),
        ("数据库名", site.database()),
        ("用户名", site.user()),
        ("本站名称", "办公室".to_string()),
    ] {
        // The form offers "cwr" for the database and the user: typed over, as a clerk would.
        h.get_by_label(label).focus();
        h.step();
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        h.get_by_label(label).type_text(&value);
        h.step();
    }
    // The port: the test server's, not 5432.
    h.state_mut().app_mut().settings.set_site_port(site.port());
    h.step();
    h.get_by_label("切换数据存放").click();
    step_until(&mut h, "switched and reopened there", Duration::from_secs(60), |app| {
        app.store_location.contains("工地数据库") && app.snapshot.workers.len() == 1
    });
    assert!(
        h.state().app().notices.iter().any(|(n, _)| n.contains("已复制过去")),
        "says what was copied"
    );
    let saved = Config::load(&data.join("config.json")).expect("config");
    let kept =
        cwr_station::station::site::SiteDatabase::parse(&saved.store.site_address).expect("kept for the next start");
    assert_eq!(
        (kept.host(), kept.port(), kept.database(), kept.user()),
        (site.host(), site.port(), site.database(), site.user()),
        "kept for the next start"
    );
    assert_eq!(saved.store.station_name, "办公室");
}
