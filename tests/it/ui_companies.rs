//! The companies window against the simulator: a company added under a superior, edited and
//! removed, checking the platform after each step; a wrong credit code refused at the field.

use crate::common;
use cwr_station::store::prelude::*;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::ui::*;
use common::*;
use cwr_station::domain::RecordState;
use cwr_station::store::{ItemKind, Store};
use cwr_station::ui::app::Screen;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

const GENERAL: &str = "深圳市鹏城建设集团有限公司";
const GENERAL_SUID: &str = "91440300100000011X";
const NEW_NAME: &str = "深圳市前海钢构劳务有限公司";

/// The button with this label on the same line as `row_text`.
fn click_in_row(h: &mut Harness<'static, UiState>, row_text: &str, button: &str) {
    let y = h.get_by_label(row_text).rect().center().y;
    let target = h
        .get_all_by_label(button)
        .min_by(|a, b| {
            (a.rect().center().y - y)
                .abs()
                .total_cmp(&(b.rect().center().y - y).abs())
        })
        .expect("a button");
    assert!(
        (target.rect().center().y - y).abs() < 20.0,
        "{button} on the row of {row_text}"
    );
    target.click();
    settle(h, 3);
}

/// The general contractor is on the project already.
fn data_dir_with_general(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    let mut store = Store::open_in(&data).expect("store");
    let general = cwr_station::cli::demo_companies()
        .into_iter()
        .find(|c| c.suid == GENERAL_SUID)
        .expect("demo company");
    store.save_company(&checked_company(&general)).expect("company");
    data
}

fn open_companies(h: &mut Harness<'static, UiState>) {
    h.state_mut().app_mut().saved.screen = Screen::Companies;
    settle(h, 2);
}

#[test]
fn a_company_is_added_under_a_superior_edited_and_removed() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_general(dir.path());
    let suid = uscc(4242);
    {
        // A worker already names the new company (typed before the company was added).
        let mut store = Store::open_in(&data).expect("store");
        let photos = test_photos();
        store
            .save_worker(
                &checked_worker(&worker_request(&id_code(431), "张三", NEW_NAME).to_worker()),
                &photos,
            )
            .expect("worker");
    }
    let mut h = harness(&data, &sim.base_url());
    step_until(
        &mut h,
        "general contractor and dictionaries",
        Duration::from_secs(20),
        |app| sim.state().companies.contains_key(GENERAL_SUID) && app.snapshot.dictionaries.len() == 4,
    );
    open_companies(&mut h);
    assert!(h.query_by_label(GENERAL).is_some(), "listed");

    h.get_by_label("新增单位").click();
    settle(&mut h, 2);
    h.check_accessibility();
    type_into(&mut h, "单位名称", NEW_NAME);
    type_into(&mut h, "统一社会信用代码", &suid.to_lowercase());
    type_into(&mut h, "法定代表人", "黄志强");
    type_into(&mut h, "注册资金（万元）", "500");
    choose(&mut h, "单位类型", "劳务分包");
    choose(&mut h, "上级单位", GENERAL);
    type_into(&mut h, "联系电话", "0755-86001234");
    type_into(&mut h, "邮编", "518000");
    h.check_accessibility();
    assert!(
        h.query_by_label_contains("校验位").is_none(),
        "a valid code raises nothing"
    );
    h.get_by_label("保存单位").click();
    settle(&mut h, 2);

    step_until(&mut h, "company on the platform", Duration::from_secs(20), |_| {
        sim.state().companies.contains_key(&suid)
    });
    let body = sim.state().companies[&suid].clone();
    assert_eq!(body["Company_Name"], NEW_NAME);
    assert_eq!(body["SUID"], suid.as_str(), "upper-cased before sending");
    assert_eq!(body["Suid_Superior"], GENERAL_SUID);
    assert_eq!(body["Type"], "03");
    assert_eq!(body["Legal_Person"], "黄志强");
    assert_eq!(body["Capital"], "500");
    step_until(&mut h, "listed as uploaded", Duration::from_secs(10), |app| {
        app.snapshot
            .companies
            .iter()
            .any(|c| c.company.suid == suid && c.state == RecordState::Sent)
    });
    settle(&mut h, 2);
    assert!(h.query_by_label(NEW_NAME).is_some());
    assert!(h.query_by_label("劳务分包").is_some(), "type shown by name");
    assert_eq!(
        h.query_all_by_label(GENERAL).count(),
        2,
        "the general contractor, and as the superior of the new one"
    );

    // Edit: the SUID stays, the contact changes.
    click_in_row(&mut h, NEW_NAME, "修改");
    assert!(h.query_by_label("修改参建单位").is_some());
    h.check_accessibility();
    h.get_by_label("统一社会信用代码").click();
    h.step();
    h.get_by_label("统一社会信用代码").type_text("99");
    settle(&mut h, 2);
    assert_eq!(
        h.get_by_label("统一社会信用代码").value().as_deref(),
        Some(suid.as_str()),
        "the SUID cannot change"
    );
    type_into(&mut h, "联系人", "刘工");
    type_into(&mut h, "单位简称", "前海钢构");
    h.get_by_label("保存单位").click();
    settle(&mut h, 2);
    step_until(&mut h, "edit on the platform", Duration::from_secs(20), |_| {
        sim.state()
            .companies
            .get(&suid)
            .is_some_and(|b| b["Contacts"] == "刘工")
    });
    let body = sim.state().companies[&suid].clone();
    assert_eq!(body["Short_Name"], "前海钢构");
    assert_eq!(body["Suid_Superior"], GENERAL_SUID, "the superior kept");
    assert_eq!(sim.state().companies.len(), 2, "updated, not added twice");

    // Remove: the clerk is told a worker still names it.
    step_until(&mut h, "edit listed", Duration::from_secs(10), |app| {
        app.snapshot
            .companies
            .iter()
            .any(|c| c.company.suid == suid && c.state == RecordState::Sent)
    });
    settle(&mut h, 2);
    click_in_row(&mut h, NEW_NAME, "移除");
    h.check_accessibility();
    assert!(
        h.query_by_label_contains("还有 1 名未离场的人员").is_some(),
        "warned about 张三"
    );
    h.get_by_label("确认移除").click();
    settle(&mut h, 2);
    step_until(
        &mut h,
        "removed on the platform and here",
        Duration::from_secs(20),
        |app| {
            !sim.state().companies.contains_key(&suid) && app.snapshot.companies.iter().all(|c| c.company.suid != suid)
        },
    );
    assert!(
        sim.state().companies.contains_key(GENERAL_SUID),
        "the other company stays"
    );
    assert_eq!(sim.state().call_count("ProjectRemoveCompany", "00"), 1);
    settle(&mut h, 2);
    assert!(h.query_by_label(NEW_NAME).is_none(), "gone from the list");
}

#[test]
fn a_wrong_credit_code_is_refused_under_the_field() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with_general(dir.path());
    let mut h = harness(&data, &sim.base_url());
    step_until(&mut h, "general contractor uploaded", Duration::from_secs(20), |app| {
        app.snapshot.companies.iter().all(|c| c.state == RecordState::Sent) && !app.snapshot.companies.is_empty()
    });
    open_companies(&mut h);
    h.get_by_label("新增单位").click();
    settle(&mut h, 2);

    let good = uscc(77);
    let last = good.chars().last().expect("char");
    let wrong_check = if last == '0' { '1' } else { '0' };
    let bad = format!("{}{wrong_check}", &good[..17]);
    type_into(&mut h, "单位名称", "深圳市错码建材有限公司");
    type_into(&mut h, "统一社会信用代码", &bad);
    assert!(
        h.query_by_label_contains("校验位不对").is_none(),
        "no error while the clerk is still typing"
    );
    // Leaving the field shows the error under it.
    h.get_by_label("法定代表人").focus();
    settle(&mut h, 2);
    let message = h.get_by_label_contains("校验位不对");
    let text = message.value().unwrap_or_default();
    assert!(
        text.contains(&format!("应为 {last}")),
        "names the right character: {text}"
    );
    let field = h.get_by_label("统一社会信用代码").rect();
    let under = message.rect();
    assert!(
        under.top() >= field.bottom() - 1.0 && (under.left() - field.left()).abs() < 15.0,
        "right under the field, in its column: {under:?} vs {field:?}"
    );
    type_into(&mut h, "法定代表人", "钱七");
    h.get_by_label("保存单位").click();
    settle(&mut h, 3);
    assert!(h.query_by_label("还不能保存，请先处理：统一社会信用代码").is_some());
    assert!(h.query_by_label("新增参建单位").is_some(), "the form stays open");
    settle(&mut h, 10);
    let app = h.state().app();
    assert_eq!(app.snapshot.companies.len(), 1, "nothing stored");
    assert_eq!(
        app.snapshot
            .outbox
            .iter()
            .filter(|i| i.kind == ItemKind::AddCompany)
            .count(),
        1,
        "nothing queued beyond the seed"
    );
    assert_eq!(sim.state().companies.len(), 1);
    assert_eq!(sim.state().call_count("AddCompany", "41"), 0, "nothing sent");
}
