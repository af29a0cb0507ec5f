//! The Excel screens against the simulator, driven as a clerk would: a list checked and
//! imported, the drafts found under 待补全 and one completed in the enrollment form up to the
//! platform; the blacklist filled, flagged on the roster, refusing enrollment with its
//! reason, imported from and exported to Excel, and emptied again, all in the audit trail.

use crate::common;
use cwr_station::store::prelude::*;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use calamine::{Reader, Xlsx, open_workbook};
use common::sheets::{V, t, write_xlsx};
use common::ui::*;
use common::*;
use cwr_station::domain::{RecordState, mask_id};
use cwr_station::store::Store;
use cwr_station::ui::app::Screen;
use cwr_station::ui::backend::{ExcelIntent, Intent};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

const ANJU: &str = "深圳市安居劳务分包有限公司";

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

fn data_dir(dir: &Path, workers: &[(&str, &str)]) -> PathBuf {
    let data = dir.join("data");
    let mut store = Store::open_in(&data).expect("store");
    for c in cwr_station::cli::demo_companies() {
        store.save_company(&checked_company(&c)).expect("company");
    }
    for (id, name) in workers {
        let w = worker_request(id, name, ANJU).to_worker();
        store.save_worker(&checked_worker(&w), &test_photos()).expect("worker");
    }
    data
}

/// Steps until a label containing `text` is on screen.
fn until_shown(h: &mut Harness<'static, UiState>, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        h.step();
        if h.query_by_label_contains(text).is_some() {
            return;
        }
        assert!(Instant::now() < deadline, "never shown: {text}");
        std::thread::sleep(Duration::from_millis(15));
    }
}

fn send(h: &mut Harness<'static, UiState>, intent: ExcelIntent) {
    h.state().app().backend.send(Intent::Excel(intent));
}

fn go(h: &mut Harness<'static, UiState>, screen: Screen) {
    h.state_mut().app_mut().saved.screen = screen;
    settle(h, 2);
}

fn drop_photo(h: &mut Harness<'static, UiState>, slot_text: &str, path: &Path) {
    h.get_by_label(slot_text).hover();
    h.step();
    h.input_mut()
        .dropped_files
        .push(Arc::new(DroppedPath(path.to_path_buf())));
    h.step();
}

#[test]
fn a_list_is_imported_as_drafts_that_the_form_completes_up_to_the_platform() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir(dir.path(), &[]);
    let mut h = harness(&data, &sim.base_url());
    step_until(&mut h, "dictionaries cached", Duration::from_secs(40), |app| {
        app.snapshot.dictionaries.len() == 4
    });
    let (a, b, c) = (id_code(501), id_code(502), id_code(503));
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
        vec![
            t(id),
            t(name),
            t(phone),
            t(ANJU),
            t("劳务工人"),
            t("一般作业工种"),
            t("砌筑工"),
            t("已签"),
            V::D(2026, 11, 2),
        ]
    };
    let list = dir.path().join("安居劳务 11 月名单.xlsx");
    write_xlsx(
        &list,
        None,
        &[
            header.iter().map(|h| t(h)).collect(),
            row(&a, "赵一", "13800000001"),
            row(&b, "钱二", "13800000002"),
            row(&c, "孙三", "1380000"),
        ],
    );

    h.get_by_label("导入人员").click();
    settle(&mut h, 2);
    assert!(h.query_by_label("导入人员（Excel）").is_some());
    send(&mut h, ExcelIntent::CheckImport(list.clone()));
    until_shown(&mut h, "共 3 行：");
    h.check_accessibility();
    assert!(
        h.query_by_label(
            "共 3 行：可导入 2 行（新增 2，更新花名册 0，更新待补全 0），其中有提醒 0 行；有错误 1 行；无变化 0 行"
        )
        .is_some()
    );
    assert!(h.query_by_label("第 4 行").is_some(), "rows numbered as in Excel");
    assert!(
        h.query_by_label_contains("手机号：大陆手机号码应为 11 位").is_some(),
        "the bad phone, with its field"
    );
    assert!(
        h.query_by_label(&mask_id(&a)).is_some() && h.query_by_label(&a).is_none(),
        "IDs masked"
    );
    assert!(
        h.state().app().snapshot.workers.is_empty(),
        "nothing saved by the check"
    );

    h.get_by_label("导入 2 行").click();
    step_until(&mut h, "two drafts", Duration::from_secs(20), |app| {
        app.snapshot
            .workers
            .iter()
            .filter(|w| w.state == RecordState::Draft)
            .count()
            == 2
    });
    until_shown(&mut h, "已导入：新增或更新待补全 2 人");
    assert!(h.get_by_label("已导入").accesskit_node().is_disabled(), "not twice");

    // The companies go up; the drafts never do.
    step_until(&mut h, "companies on the platform", Duration::from_secs(30), |app| {
        app.snapshot.companies.iter().all(|c| c.state == RecordState::Sent)
    });
    settle(&mut h, 20);
    assert!(sim.state().workers.is_empty(), "a draft is never sent");

    h.get_by_label("去花名册补全").click();
    settle(&mut h, 3);
    assert_eq!(h.state().app().saved.screen, Screen::Roster);
    assert_eq!(h.state().app().saved.roster.state, "draft", "filtered to 待补全");
    assert_eq!(h.query_all_by_label("待补全").count(), 2, "two rows");
    assert!(
        h.get_by_label("选择 赵一").accesskit_node().is_disabled(),
        "a draft cannot leave"
    );

    // 补全 opens the draft in the form; the clerk adds what the card and camera give.
    let y = h.get_by_label("赵一").rect().center().y;
    h.get_all_by_label("补全")
        .min_by(|p, q| {
            (p.rect().center().y - y)
                .abs()
                .total_cmp(&(q.rect().center().y - y).abs())
        })
        .expect("补全")
        .click();
    settle(&mut h, 3);
    until_shown(&mut h, "补全导入的人员");
    settle(&mut h, 3);
    assert_eq!(h.get_by_label("姓名").value().as_deref(), Some("赵一"));
    assert_eq!(h.get_by_label("手机号").value().as_deref(), Some("13800000001"));
    type_into(&mut h, "身份证地址", "广东省深圳市南山区桃园路 8 号");
    type_into(&mut h, "签发机关", "深圳市公安局南山分局");
    type_into(&mut h, "有效期限", "2015.06.01-2035.06.01");
    choose(&mut h, "民族", "汉");
    h.get_by_label("人证一致").click();
    h.step();
    let photo = dir.path().join("face.jpg");
    std::fs::write(&photo, jpeg_bytes(640, 800)).expect("jpeg");
    for slot in ["拖入人脸", "拖入芯片照", "拖入正面", "拖入反面"] {
        drop_photo(&mut h, slot, &photo);
    }
    step_until(&mut h, "four photos prepared", Duration::from_secs(90), |app| {
        app.enroll.photos().len() == 4
    });
    h.get_by_label("提交登记").click();
    step_until(
        &mut h,
        "the completed worker on the platform",
        Duration::from_secs(30),
        |app| {
            app.snapshot
                .workers
                .iter()
                .any(|w| w.id_code == a && w.state == RecordState::Sent)
        },
    );
    let platform = sim.state();
    assert_eq!(platform.workers.len(), 1, "only the completed one");
    assert_eq!(platform.workers[&a].body["emp_phone"], "13800000001");
    let store = Store::open_in(&data).expect("store");
    assert!(store.draft(&a).expect("read").is_none(), "no draft left for 赵一");
    assert!(store.draft(&b).expect("read").is_some(), "钱二 still to complete");
}

#[test]
fn the_blacklist_is_filled_flagged_enforced_imported_exported_and_emptied() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let zhang = id_code(601);
    let data = data_dir(dir.path(), &[(&zhang, "张三")]);
    let mut h = harness(&data, &sim.base_url());
    step_until(&mut h, "张三 on the platform", Duration::from_secs(30), |app| {
        app.snapshot.workers.iter().any(|w| w.state == RecordState::Sent)
    });
    go(&mut h, Screen::Blacklist);
    h.check_accessibility();
    type_into(&mut h, "身份证号码", &zhang);
    type_into(&mut h, "姓名", "张三");
    type_into(&mut h, "原因", "伪造证件");
    h.get_by_label("加入黑名单").click();
    until_shown(&mut h, "请填写操作人");
    assert_eq!(
        h.get_by_label("原因").value().as_deref(),
        Some("伪造证件"),
        "kept as typed"
    );
    type_into(&mut h, "操作人", "李文员");
    h.get_by_label("加入黑名单").click();
    until_shown(&mut h, "已加入黑名单 1 人；其中已在花名册中：张三（已上传）");
    assert!(
        h.state().app().blacklist.id_code_typed().is_empty(),
        "the form is cleared once stored"
    );
    assert!(h.query_by_label(&mask_id(&zhang)).is_some());
    assert!(h.query_by_label("伪造证件").is_some());
    assert!(h.query_by_label("在册：已上传").is_some());

    // The roster flags him; the form refuses him with the reason.
    go(&mut h, Screen::Roster);
    assert_eq!(h.query_all_by_label("黑名单").count(), 2, "the navigation and the flag");
    h.get_by_label("修改").click();
    settle(&mut h, 3);
    until_shown(&mut h, "修改人员资料");
    settle(&mut h, 3);
    h.get_by_label("提交修改").click();
    settle(&mut h, 3);
    assert!(
        h.query_by_label_contains("此人在本项目黑名单中（伪造证件），不能登记")
            .is_some(),
        "the reason beside the ID number"
    );
    let sends = sim.state().call_count("RegisterEmployee", "00");
    settle(&mut h, 10);
    assert_eq!(sim.state().call_count("RegisterEmployee", "00"), sends, "nothing sent");

    // From Excel: one good row, one ID that Excel turned into a number.
    go(&mut h, Screen::Blacklist);
    let li = id_code(602);
    let sheet = dir.path().join("黑名单.xlsx");
    write_xlsx(
        &sheet,
        None,
        &[
            vec![t("证件号码"), t("名字"), t("原因")],
            vec![t(&li), t("李四"), t("恶意讨薪")],
            vec![V::N(440305199001011234.0), t("王五"), t("打架")],
        ],
    );
    send(
        &mut h,
        ExcelIntent::BlacklistImport {
            path: sheet,
            added_by: "李文员".into(),
        },
    );
    until_shown(
        &mut h,
        "已加入黑名单 1 人。没有加入 1 行：第 3 行：身份证号码被 Excel 存成了数字",
    );
    assert!(h.query_by_label("共 2 人").is_some());
    let out = dir.path().join("导出.xlsx");
    send(&mut h, ExcelIntent::BlacklistExport(out.clone()));
    until_shown(&mut h, "已导出黑名单 2 人");
    let mut book: Xlsx<_> = open_workbook(&out).expect("opens");
    let range = book.worksheet_range("黑名单").expect("sheet");
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0], cwr_station::excel::columns::BLACKLIST_HEADERS);
    assert!(
        rows.iter()
            .any(|r| r[0] == li && r[2] == "恶意讨薪" && r[3] == "李文员"),
        "{rows:?}"
    );

    // 移出 asks once more; then he can be enrolled again.
    let y = h.get_by_label("伪造证件").rect().center().y;
    h.get_all_by_label("移出")
        .min_by(|p, q| {
            (p.rect().center().y - y)
                .abs()
                .total_cmp(&(q.rect().center().y - y).abs())
        })
        .expect("移出")
        .click();
    settle(&mut h, 2);
    h.get_by_label("确认移出").click();
    until_shown(&mut h, "已移出黑名单");
    assert!(h.query_by_label("伪造证件").is_none());
    let audit = Store::open_in(&data).expect("store").audit_trail(50).expect("audit");
    let actions: Vec<(&str, &str)> = audit
        .iter()
        .filter(|(_, _, record, _)| *record == mask_id(&zhang))
        .map(|(_, action, _, detail)| (action.as_str(), detail.as_str()))
        .collect();
    assert!(actions.contains(&("加入黑名单", "伪造证件（李文员）")), "{actions:?}");
    assert!(actions.contains(&("移出黑名单", "李文员")), "{actions:?}");
}
