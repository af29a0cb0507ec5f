//! The enrollment window against the simulator, driven as a clerk would: typing by label,
//! choosing from dropdowns, dropping photo files onto their slots.

use crate::common;
use cwr_station::store::prelude::*;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::ui::*;
use common::*;
use cwr_station::domain::PhotoKind;
use cwr_station::domain::RecordState;
use cwr_station::sim::{self, Faults, SimConfig};
use cwr_station::store::Store;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

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

const COMPANY: &str = "深圳市安居劳务分包有限公司";

fn drop_photo(h: &mut Harness<'static, UiState>, slot_text: &str, path: &Path) {
    h.get_by_label(slot_text).hover();
    h.step();
    h.input_mut()
        .dropped_files
        .push(Arc::new(DroppedPath(path.to_path_buf())));
    h.step();
}

fn photo_files(dir: &Path) -> [PathBuf; 4] {
    let names = ["face.jpg", "chip.png", "front.jpg", "back.jpg"];
    names.map(|n| {
        let p = dir.join(n);
        if n.ends_with(".png") {
            image::RgbImage::from_fn(102, 126, |x, y| image::Rgb([x as u8 * 2, y as u8 * 2, 90]))
                .save(&p)
                .expect("png");
        } else {
            std::fs::write(&p, jpeg_bytes(1600, 1200)).expect("jpeg");
        }
        p
    })
}

/// Fills every required field the way a clerk would.
pub(crate) fn fill_form(h: &mut Harness<'static, UiState>, dir: &Path, id: &str, name: &str) {
    type_into(h, "身份证号码", id);
    type_into(h, "姓名", name);
    type_into(h, "手机号", "13800138000");
    type_into(h, "身份证地址", "广东省深圳市南山区桃园路 8 号");
    type_into(h, "签发机关", "深圳市公安局南山分局");
    type_into(h, "有效期限", "2015.06.01-2035.06.01");
    choose(h, "民族", "汉");
    step_until(h, "companies listed", Duration::from_secs(40), |app| {
        !app.snapshot.companies.is_empty()
    });
    choose(h, "所属单位", COMPANY);
    step_until(h, "dictionaries cached", Duration::from_secs(40), |app| {
        app.snapshot.dictionaries.len() == 4
    });
    choose(h, "人员类型", "劳务工人");
    choose(h, "工种/岗位类别", "一般作业工种");
    choose(h, "工种名称", "木工");
    h.get_by_label("人证一致").click();
    h.get_by_label("已签合同").click();
    h.step();
    let [face, chip, front, back] = photo_files(dir);
    drop_photo(h, "拖入人脸", &face);
    drop_photo(h, "拖入芯片照", &chip);
    drop_photo(h, "拖入正面", &front);
    drop_photo(h, "拖入反面", &back);
    step_until(h, "four photos prepared", Duration::from_secs(90), |app| {
        app.enroll.photos().len() == 4
    });
}

#[test]
fn a_worker_is_enrolled_end_to_end() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_companies(dir.path());
    let mut h = harness(&data, &sim.base_url());
    let id = id_code(301);
    fill_form(&mut h, dir.path(), &id, "张堃");
    // The ID number filled in birth date, sex and age.
    assert!(
        h.query_by_label_contains("出生日期 1981-04-02 · 男").is_some(),
        "birth date and sex from the ID number"
    );
    let face = &h.state().app().enroll.photos()[&PhotoKind::Face];
    assert!(face.jpeg.len() <= 200 * 1024, "face photo over budget");
    h.get_by_label("提交登记").click();
    step_until(&mut h, "worker uploaded", Duration::from_secs(20), |app| {
        app.snapshot
            .workers
            .iter()
            .any(|w| w.id_code == id && w.state == RecordState::Sent)
    });
    settle(&mut h, 3);
    assert!(
        h.query_by_label_contains("已上传").is_some(),
        "the form shows the live state"
    );

    let state = sim.state();
    let w = &state.workers[&id];
    assert_eq!(w.body["emp_name"], "张堃");
    assert_eq!(w.body["emp_company"], COMPANY);
    assert_eq!(w.body["emp_category"], "00");
    assert_eq!(w.body["job_typename"], "1");
    assert_eq!(w.body["job_name"], JOB_NAME_CARPENTER);
    assert_eq!(w.body["emp_nation"], "汉");
    assert_eq!(w.body["match_flag"], "Y");
    assert_eq!(w.body["contract_status"], "1");
    assert_eq!(w.body["id_validdate"], "2015.06.01-2035.06.01");
    let face = w.body["facephoto"].as_str().expect("face");
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD.decode(face).expect("Base64");
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");
    assert_eq!(w.received_count, 1);

    // 登记下一位 starts a clean form.
    h.get_by_label("登记下一位").click();
    settle(&mut h, 3);
    let app = h.state().app();
    assert!(app.enroll.worker().id_code.is_empty() && app.enroll.photos().is_empty());
    assert!(app.enroll.submitted().is_none());

    // Typing the same ID number again loads that worker for update, personnel type locked.
    type_into(&mut h, "身份证号码", &id);
    step_until(&mut h, "existing worker loaded", Duration::from_secs(10), |app| {
        app.enroll.worker().emp_name == "张堃"
    });
    settle(&mut h, 3);
    assert!(h.query_by_label_contains("此身份证号已登记过").is_some());
    assert!(h.query_by_label_contains("人员类型上传后平台不允许修改").is_some());
    step_until(
        &mut h,
        "photos of the existing worker shown",
        Duration::from_secs(10),
        |app| app.enroll.photos().len() == 4,
    );
}

#[test]
fn a_new_form_starts_on_each_dictionarys_default_entry_and_keeps_the_clerks_choice() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_companies(dir.path());
    let mut h = harness(&data, &sim.base_url());
    step_until(&mut h, "dictionaries cached", Duration::from_secs(40), |app| {
        app.snapshot.dictionaries.len() == 4
    });
    settle(&mut h, 3);
    let chosen = |h: &Harness<'static, UiState>| {
        let w = &h.state().app().enroll.worker();
        (w.emp_category.clone(), w.job_typename.clone(), w.job_name.clone())
    };
    // The simulator's dictionaries flag 劳务工人, 一般作业工种 and 木工 as their defaults.
    assert_eq!(chosen(&h), ("00".into(), "1".into(), JOB_NAME_CARPENTER.to_string()));
    choose(&mut h, "人员类型", "施工单位管理人员");
    settle(&mut h, 3);
    assert_eq!(chosen(&h).0, "03", "the clerk's choice stays");
}

#[test]
fn an_invalid_id_number_shows_its_error_under_the_field_and_nothing_is_sent() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_companies(dir.path());
    let mut h = harness(&data, &sim.base_url());
    let mut bad = id_code(302);
    let last = if bad.ends_with('3') { '4' } else { '3' };
    bad.pop();
    bad.push(last);
    type_into(&mut h, "身份证号码", &bad);
    assert!(
        h.query_by_label_contains("校验位").is_none(),
        "no error while the clerk is still typing"
    );
    type_into(&mut h, "姓名", "李四");
    settle(&mut h, 2);
    assert!(
        h.query_by_label_contains("校验位").is_some(),
        "the error appears once the field is left"
    );
    h.get_by_label("提交登记").click();
    settle(&mut h, 3);
    assert!(h.query_by_label_contains("还不能提交").is_some());
    settle(&mut h, 10);
    assert_eq!(
        sim.state()
            .calls
            .get("RegisterEmployee")
            .map(|m| m.values().sum::<u64>())
            .unwrap_or(0),
        0
    );
    assert!(h.state().app().snapshot.workers.is_empty());
}

#[test]
fn offline_the_worker_is_queued_and_goes_out_when_the_platform_is_back() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_companies(dir.path());
    // Dictionaries come from the cache when offline: fill it as an earlier session would have.
    {
        let seed = start_sim();
        let c = client(&seed.base_url());
        let mut store = Store::open_in(&data).expect("store");
        for e in [
            cwr_station::api::Endpoint::DictListEmpCategory,
            cwr_station::api::Endpoint::DictListJobTypeName,
            cwr_station::api::Endpoint::DictListJobName,
            cwr_station::api::Endpoint::GetCompanyType,
        ] {
            store
                .save_dictionary(e, &c.fetch_dictionary(e).expect("dict"), chrono::Utc::now())
                .expect("save");
        }
    }
    let mut h = harness(&data, &url);
    let id = id_code(303);
    fill_form(&mut h, dir.path(), &id, "王喆");
    h.get_by_label("提交登记").click();
    step_until(&mut h, "queued", Duration::from_secs(10), |app| {
        app.snapshot
            .workers
            .iter()
            .any(|w| w.id_code == id && w.state == RecordState::Pending)
    });
    settle(&mut h, 20);
    assert!(h.query_by_label_contains("待上传（已保存在本机").is_some());
    assert!(h.query_by_label_contains("平台：连不上").is_some());

    let mut config = SimConfig::demo();
    config.addr = format!("127.0.0.1:{port}").parse().expect("addr");
    let sim = sim::start(config).expect("sim back");
    step_until(
        &mut h,
        "sent after the platform came back",
        Duration::from_secs(40),
        |app| {
            app.snapshot
                .workers
                .iter()
                .any(|w| w.id_code == id && w.state == RecordState::Sent)
        },
    );
    assert_eq!(sim.state().workers.len(), 1);
}

#[test]
fn a_draft_survives_a_restart() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_companies(dir.path());
    let id = id_code(304);
    {
        let mut h = harness(&data, &sim.base_url());
        settle(&mut h, 5);
        type_into(&mut h, "身份证号码", &id);
        type_into(&mut h, "姓名", "赵犇");
        type_into(&mut h, "手机号", "13912345678");
        let [face, ..] = photo_files(dir.path());
        drop_photo(&mut h, "拖入人脸", &face);
        step_until(&mut h, "photo prepared", Duration::from_secs(20), |app| {
            app.enroll.photos().contains_key(&PhotoKind::Face)
        });
        // Let the throttled draft writer run.
        let until = Instant::now() + Duration::from_millis(1500);
        while Instant::now() < until {
            settle(&mut h, 5);
        }
    }
    let mut h = harness(&data, &sim.base_url());
    step_until(&mut h, "draft restored", Duration::from_secs(10), |app| {
        app.enroll.worker().emp_name == "赵犇"
    });
    step_until(&mut h, "draft photo restored", Duration::from_secs(10), |app| {
        app.enroll.photos().contains_key(&PhotoKind::Face)
    });
    let app = h.state().app();
    assert_eq!(app.enroll.worker().id_code, id);
    assert_eq!(app.enroll.worker().emp_phone, "13912345678");
}

#[test]
fn the_window_keeps_drawing_while_the_platform_takes_three_seconds() {
    let mut config = sim_config();
    config.faults = Faults {
        latency_ms: 3_000,
        ..Faults::default()
    };
    let sim = sim::start(config).expect("sim");
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_companies(dir.path());
    let mut h = harness(&data, &sim.base_url());
    let id = id_code(305);
    fill_form(&mut h, dir.path(), &id, "孙珺");
    h.get_by_label("提交登记").click();
    h.step();
    let mut frames = 0u32;
    let mut slowest = Duration::ZERO;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !sim.state().workers.contains_key(&id) {
        assert!(Instant::now() < deadline, "never uploaded");
        let t = Instant::now();
        h.step();
        slowest = slowest.max(t.elapsed());
        frames += 1;
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(frames >= 30, "only {frames} frames while the platform was answering");
    assert!(
        slowest < Duration::from_secs(1),
        "a frame took {slowest:?}: the UI thread waited on the network"
    );
}

/// A valid ID number with a given birth date (for site-rule tests).
fn id_born(birth: &str, seq: u32) -> String {
    let body = format!("440305{birth}{seq:03}");
    format!("{body}{}", cwr_station::domain::id_check_char(&body))
}

#[test]
fn a_site_rule_warning_must_be_acknowledged_before_submitting() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_companies(dir.path());
    let mut h = harness(&data, &sim.base_url());
    // A man born in 1950 is over the site's limit of 60: a warning, not a block.
    let id = id_born("19500101", 11);
    fill_form(&mut h, dir.path(), &id, "钱老");
    settle(&mut h, 2);
    assert!(
        h.query_by_label_contains("提醒：").is_some(),
        "the age warning is shown"
    );
    h.get_by_label("提交登记").click();
    settle(&mut h, 5);
    assert!(h.query_by_label_contains("请先核对上面的提醒").is_some());
    assert!(
        h.state().app().enroll.submitted().is_none(),
        "nothing submitted without the tick"
    );
    h.get_by_label("已核对以上提醒，仍要登记").click();
    h.step();
    h.get_by_label("提交登记").click();
    step_until(&mut h, "uploaded after acknowledging", Duration::from_secs(20), |app| {
        app.snapshot
            .workers
            .iter()
            .any(|w| w.id_code == id && w.state == RecordState::Sent)
    });
    assert!(sim.state().workers.contains_key(&id));
}

/// The store refuses the write (a full disk, simulated by a trigger): the form stays as
/// typed and editable, the draft stays, the message says what to do, and the next press
/// saves once the store works again.
#[test]
fn a_failed_save_keeps_the_form_editable_and_the_draft() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_companies(dir.path());
    let mut h = harness(&data, &sim.base_url());
    let id = id_code(305);
    fill_form(&mut h, dir.path(), &id, "钱珺");
    let db = rusqlite::Connection::open(data.join(cwr_station::store::DB_FILE)).expect("db");
    db.execute_batch(
        "CREATE TRIGGER disk_full BEFORE INSERT ON workers BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
    )
    .expect("trigger");
    h.get_by_label("提交登记").click();
    step_until(&mut h, "the save answered", Duration::from_secs(10), |app| {
        app.enroll.save_error().is_some()
    });
    settle(&mut h, 3);
    let app = h.state().app();
    assert!(app.enroll.submitted().is_none(), "the form is editable again");
    assert_eq!(app.enroll.worker().emp_name, "钱珺");
    assert_eq!(app.enroll.photos().len(), 4, "the photos stay");
    assert!(
        h.query_by_label_contains("本机没能保存").is_some(),
        "says what happened"
    );
    assert!(
        h.query_by_label_contains("填写的内容都还在").is_some(),
        "and what to do"
    );
    assert!(
        h.query_by_label("登记下一位").is_none(),
        "nothing to wipe the form with"
    );
    // The draft is the station's own file, not the store's: it is kept when the store fails.
    let draft = std::fs::read_to_string(data.join("enroll_draft.json")).expect("the draft is kept");
    assert!(draft.contains("钱珺"), "{draft}");
    // Still editable: typing goes into the field.
    type_into(&mut h, "姓名", "珺");
    assert_eq!(h.state().app().enroll.worker().emp_name, "钱珺珺");

    db.execute_batch("DROP TRIGGER disk_full").expect("drop");
    h.get_by_label("提交登记").click();
    step_until(&mut h, "saved this time", Duration::from_secs(20), |app| {
        app.snapshot.workers.iter().any(|w| w.id_code == id)
    });
    assert!(h.state().app().enroll.save_error().is_none());
}
