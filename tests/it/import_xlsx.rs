//! Importing a subcontractor's Excel list through the station: a 200-row sheet with every
//! kind of trouble a real list has (IDs that Excel turned into numbers, dates as serials,
//! duplicates, people already on the roster or the blacklist, names instead of codes) gives
//! exactly the expected report; saving makes drafts that never reach the upload queue until
//! completed through the enrollment.

use crate::common;

use common::sheets::{ANJU, BRICKLAYER, PENGCHENG, REBAR, V, import_station as station, t, write_xlsx};
use common::*;
use cwr_station::domain::{RecordState, Severity, Worker, WorkerField, WorkerProblem};
use cwr_station::excel::read_worker_sheet;
use cwr_station::station::{ImportReport, RowAction, RowStatus, Station};
use cwr_station::store::{BlacklistEntry, ItemKind};

const HEADER: [&str; 13] = [
    "序号",
    "证件号码",
    "名字",
    "联系电话",
    "性别",
    "民族",
    "单位名称",
    "人员类别",
    "工种类别",
    "工种",
    "是否签订合同",
    "进场日期",
    "有效期限",
];
const ID: usize = 1;
const NAME: usize = 2;
const PHONE: usize = 3;
const COMPANY: usize = 6;
const JOB: usize = 9;
const CONTRACT: usize = 10;
const ENTRY: usize = 11;
const VALIDITY: usize = 12;

fn phone(i: usize) -> String {
    format!("{}", 13800000000u64 + i as u64)
}

/// Row `i` of the list, as a subcontractor fills it: names in some rows, codes in others,
/// phones as numbers or text, the entry date as a date cell, a bare serial or text.
fn listed(i: usize) -> Vec<V> {
    let k = (i % 20) as u8;
    vec![
        V::N(i as f64 + 1.0),
        t(&id_code(1000 + i as u32)),
        t(&format!("工人{i:03}")),
        if i.is_multiple_of(2) {
            V::N(13800000000.0 + i as f64)
        } else {
            t(&phone(i))
        },
        t("男"),
        t(if i.is_multiple_of(3) { "汉族" } else { "汉" }),
        t(if i.is_multiple_of(2) { PENGCHENG } else { ANJU }),
        t(if i.is_multiple_of(2) { "劳务工人" } else { "00" }),
        t(if i.is_multiple_of(2) { "一般作业工种" } else { "1" }),
        t(["砌筑工", "木工", REBAR][i % 3]),
        t(["已签", "1", "未签"][i % 3]),
        match i % 3 {
            0 => V::N(46300.0 + f64::from(k)),
            1 => V::D(2026, 10, 5 + k),
            _ => t(&format!("2026/10/{}", 5 + k)),
        },
        V::Blank,
    ]
}

/// What row `i` means once read: codes, the platform's forms.
fn meant(i: usize) -> Worker {
    Worker {
        id_code: id_code(1000 + i as u32),
        emp_name: format!("工人{i:03}"),
        emp_phone: phone(i),
        emp_nation: "汉".into(),
        emp_company: (if i.is_multiple_of(2) { PENGCHENG } else { ANJU }).into(),
        emp_category: "00".into(),
        job_typename: "1".into(),
        job_name: [BRICKLAYER, JOB_NAME_CARPENTER, REBAR][i % 3].into(),
        contract_status: ["1", "1", "0"][i % 3].into(),
        pass_period: format!("2026-10-{:02}:", 5 + i % 20),
        ..Default::default()
    }
}

/// The same worker enrolled at the station (the card read, photos taken).
fn enrolled(mut w: Worker) -> Worker {
    w.emp_nativeplace = "广东省深圳市南山区科技园1号".into();
    w.id_agency = "深圳市公安局南山分局".into();
    w.id_validdate = "2015.06.01-2035.06.01".into();
    w.match_flag = "Y".into();
    w
}

fn excel_row(i: usize) -> u32 {
    i as u32 + 3
}

fn err(field: WorkerField, m: &str) -> WorkerProblem {
    WorkerProblem {
        field,
        message: m.into(),
        severity: Severity::Error,
    }
}

fn warn(field: WorkerField, m: &str) -> WorkerProblem {
    WorkerProblem {
        field,
        message: m.into(),
        severity: Severity::Warning,
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    station: Station,
    path: std::path::PathBuf,
    bad_check_digit: String,
    old_id: String,
}

/// The roster, a draft and the blacklist as they stand before the list arrives, and the list.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tmp");
    let mut st = station(&dir.path().join("data"));
    // 40 is on the roster with another phone; 41 exactly as listed; 42 under another name.
    let mut a = enrolled(meant(40));
    a.emp_phone = "13900000040".into();
    st.enroll(a, test_photos()).expect("a");
    st.enroll(enrolled(meant(41)), test_photos()).expect("b");
    let mut c = enrolled(meant(42));
    c.emp_name = "李四".into();
    c.emp_phone = "13900000042".into();
    st.enroll(c, test_photos()).expect("c");
    // 43 was imported before, with another phone.
    let earlier = dir.path().join("earlier.xlsx");
    let mut row = listed(43);
    row[PHONE] = t("13700000043");
    write_xlsx(&earlier, None, &[HEADER.iter().map(|h| t(h)).collect(), row]);
    let sheet = read_worker_sheet(&earlier).expect("read");
    let first = st.import_workers(&sheet).expect("import");
    assert_eq!(first.drafts_saved, 1);
    // 50 may not be enrolled.
    st.blacklist_add(&[BlacklistEntry {
        id_code: id_code(1050),
        name: "工人050".into(),
        reason: "伪造证件".into(),
        added_by: "项目部".into(),
        added_at: String::new(),
    }])
    .expect("blacklist");

    let mut rows: Vec<Vec<V>> = vec![HEADER.iter().map(|h| t(h)).collect()];
    rows.extend((0..200).map(listed));
    let r = |i: usize| i + 1;
    rows[r(10)][ID] = V::N(440305199001011234.0);
    rows[r(11)][ID] = t("4.40305E+17");
    rows[r(21)] = rows[r(20)].clone();
    rows[r(31)][ID] = rows[r(30)][ID].clone();
    rows[r(60)][PHONE] = t("1380013800");
    rows[r(61)][JOB] = t("飞行员");
    rows[r(62)][COMPANY] = t("鹏城建设");
    rows[r(63)][COMPANY] = t("深圳市不存在建筑有限公司");
    rows[r(64)][NAME] = V::Blank;
    let good = id_code(1065);
    let last = if good.ends_with('1') { '2' } else { '1' };
    let bad_check_digit = format!("{}{last}", &good[..17]);
    rows[r(65)][ID] = t(&bad_check_digit);
    rows[r(66)][CONTRACT] = t("不知道");
    rows[r(67)][ENTRY] = t("明天");
    rows[r(70)][VALIDITY] = t("2005.01.01-2025.01.01");
    rows[r(71)][VALIDITY] = t("2015.06.01-2035.06.01");
    let old_id = "440305850101123".to_string();
    rows[r(90)][ID] = t(&old_id);
    let path = dir.path().join("分包人员名单.xlsx");
    write_xlsx(&path, Some("某某项目 分包单位人员花名册（2026 年 11 月）"), &rows);
    Fixture {
        _dir: dir,
        station: st,
        path,
        bad_check_digit,
        old_id,
    }
}

/// (data index, status, action, problems) for every row that is not a plain new one.
fn expected_rows(f: &Fixture) -> Vec<(usize, RowStatus, RowAction, Vec<WorkerProblem>)> {
    use RowAction::*;
    use RowStatus::*;
    use WorkerField::*;
    let lost = "身份证号码被 Excel 存成了数字（显示为 4.40305E+17），后几位已经丢失，无法还原：请把这一列设为“文本”格式后重新输入号码（或在号码前加英文单引号 '）";
    let upgraded = cwr_station::domain::parse_id_number(&f.old_id).expect("old id");
    vec![
        (10, Error, New, vec![err(IdCode, lost)]),
        (
            11,
            Error,
            New,
            vec![err(
                IdCode,
                "身份证号码是科学计数法“4.40305E+17”，后几位已经丢失，无法还原：请把这一列设为“文本”格式后重新输入号码",
            )],
        ),
        (
            21,
            Error,
            New,
            vec![err(
                IdCode,
                "与第 23 行重复（内容相同）：只导入第 23 行，请删除重复的行",
            )],
        ),
        (
            30,
            Error,
            New,
            vec![err(
                IdCode,
                "这个身份证号码在第 33、34 行都出现了，内容不同：请核对后只保留正确的一行",
            )],
        ),
        (
            31,
            Error,
            New,
            vec![err(
                IdCode,
                "这个身份证号码在第 33、34 行都出现了，内容不同：请核对后只保留正确的一行",
            )],
        ),
        (40, Valid, UpdateWorker, vec![]),
        (41, Valid, Unchanged, vec![]),
        (
            42,
            Error,
            UpdateWorker,
            vec![err(
                EmpName,
                "这个身份证号码已登记为“李四”，表中姓名是“工人042”：请核对身份证号码是否填错",
            )],
        ),
        (43, Valid, UpdateDraft, vec![]),
        (
            50,
            Error,
            New,
            vec![err(
                IdCode,
                "此人在本项目黑名单中（伪造证件），不能登记：如有疑问请联系项目管理人员",
            )],
        ),
        (
            60,
            Error,
            New,
            vec![err(
                EmpPhone,
                &cwr_station::domain::validate_mobile("1380013800")
                    .expect_err("10 digits")
                    .to_string(),
            )],
        ),
        (
            61,
            Error,
            New,
            vec![err(
                JobName,
                "“飞行员”不是工种名称字典里的名称或代码：请从下拉列表选择（如“木工”）",
            )],
        ),
        (
            62,
            Error,
            New,
            vec![err(
                EmpCompany,
                &format!("“鹏城建设”是单位简称：请填写单位全称“{PENGCHENG}”"),
            )],
        ),
        (
            63,
            Error,
            New,
            vec![err(
                EmpCompany,
                "“深圳市不存在建筑有限公司”不是本项目的参建单位：请从列表选择，或先在“参建单位”里添加",
            )],
        ),
        (64, Error, New, vec![err(EmpName, "请填写姓名")]),
        (
            65,
            Error,
            New,
            vec![err(
                IdCode,
                &cwr_station::domain::parse_id_number(&f.bad_check_digit)
                    .expect_err("check digit")
                    .to_string(),
            )],
        ),
        (
            66,
            Error,
            New,
            vec![err(
                ContractStatus,
                "合同办理“不知道”看不懂：请填 已签合同 或 未签合同（也可以填 已签 或 未签、1 或 0）",
            )],
        ),
        (
            67,
            Error,
            New,
            vec![err(
                PassPeriod,
                "进场日期：“明天”不是日期：请写成 2026-11-01 这样的日期，或设为日期格式",
            )],
        ),
        (
            70,
            Warning,
            New,
            vec![warn(
                IdValiddate,
                "身份证已过有效期：请让工人出示有效证件，确认后才能继续登记",
            )],
        ),
        (
            90,
            Warning,
            New,
            upgraded.warnings().into_iter().map(|m| warn(IdCode, &m)).collect(),
        ),
    ]
}

fn check_report(f: &Fixture, report: &ImportReport) {
    assert_eq!(report.file, "分包人员名单.xlsx");
    assert_eq!(report.sheet, "花名册");
    assert_eq!(report.header_row, 2, "below the merged title");
    assert_eq!(report.notes, vec!["没有用到的列：序号、性别".to_string()]);
    assert_eq!(report.rows.len(), 200);
    let expected = expected_rows(f);
    for (i, r) in report.rows.iter().enumerate() {
        assert_eq!(r.row, excel_row(i), "Excel row numbers");
        match expected.iter().find(|(k, ..)| *k == i) {
            Some((_, status, action, problems)) => {
                assert_eq!(
                    (r.status, r.action, &r.problems),
                    (*status, *action, problems),
                    "row {}",
                    r.row
                );
            }
            None => assert_eq!(
                (r.status, r.action, r.problems.as_slice()),
                (RowStatus::Valid, RowAction::New, &[][..]),
                "row {}: {:?}",
                r.row,
                r.problems
            ),
        }
    }
    let s = report.summary();
    assert_eq!(
        (
            s.rows,
            s.importable,
            s.new,
            s.update_worker,
            s.update_draft,
            s.unchanged,
            s.warnings,
            s.errors
        ),
        (200, 184, 182, 1, 1, 1, 2, 15)
    );
    assert_eq!(
        report.summary_text(),
        "共 200 行：可导入 184 行（新增 182，更新花名册 1，更新待补全 1），其中有提醒 2 行；有错误 15 行；无变化 1 行"
    );
    // What a row means once read: codes for names, 已签 as 1, the date serial as a date.
    for i in [0, 1, 2, 3, 5, 40] {
        let r = &report.rows[i];
        let mut want = meant(i);
        if i == 40 {
            want = enrolled(want);
        }
        assert_eq!(r.worker.normalized(), want.normalized(), "row {}", r.row);
    }
    assert_eq!(report.rows[10].id_code, "4.40305E+17", "shown as Excel shows it");
    assert_eq!(report.rows[90].id_code.len(), 18, "the old number upgraded");
    assert_eq!(report.rows[67].worker.pass_period, "2026-11-28:", "no date read: today");
}

#[test]
fn a_200_row_list_gives_the_exact_report_and_saves_drafts_that_are_never_queued() {
    let mut f = fixture();
    let sheet = read_worker_sheet(&f.path).expect("read");
    let before = f.station.store().outbox_items(true).expect("items").len();
    let report = f.station.check_import(&sheet).expect("check");
    check_report(&f, &report);
    assert_eq!(
        f.station.store().draft_count().expect("count"),
        1,
        "a check saves nothing"
    );

    // The check as Excel, for the subcontractor: every row, the problems in words.
    let out = f._dir.path().join("检查结果.xlsx");
    report.write_xlsx(&out).expect("written");
    let written = read_table(&out);
    assert_eq!(written.len(), 201);
    assert_eq!(written[0], ["行号", "姓名", "身份证号码", "处理", "结果", "问题"]);
    assert_eq!(
        written[63][..5],
        ["65", "工人062", id_code(1062).as_str(), "新增（待补全）", "有错误"]
    );
    assert_eq!(
        written[63][5],
        format!("所属单位：“鹏城建设”是单位简称：请填写单位全称“{PENGCHENG}”")
    );

    let outcome = f.station.import_workers(&sheet).expect("import");
    check_report(&f, &outcome.report);
    assert_eq!((outcome.drafts_saved, outcome.workers_updated), (183, 1));
    let store = f.station.store();
    assert_eq!(
        store.draft_count().expect("count"),
        183,
        "182 new, the earlier one updated"
    );
    let draft = store.draft(&id_code(1043)).expect("read").expect("draft");
    assert_eq!(draft.worker.emp_phone, phone(43), "the draft took the new phone");
    assert_eq!(
        store.worker(&id_code(1040)).expect("read").expect("a").worker.emp_phone,
        phone(40),
        "the roster's worker updated"
    );
    // The update is queued like any edit; the drafts are not queued at all.
    let items = store.outbox_items(true).expect("items");
    assert_eq!(
        items.len(),
        before,
        "the update joins the worker's upload still waiting"
    );
    assert!(
        items
            .iter()
            .any(|i| i.kind == ItemKind::Register && i.record_key == id_code(1040) && i.state.is_open()),
        "the updated worker is queued"
    );
    let roster = store.roster_rows().expect("roster");
    let drafts: Vec<_> = roster.iter().filter(|w| w.state == RecordState::Draft).collect();
    assert_eq!(drafts.len(), 183);
    for d in &drafts {
        assert!(
            !items.iter().any(|i| i.record_key == d.id_code),
            "a draft has no queue item: {}",
            d.emp_name
        );
        assert!(
            store.worker(&d.id_code).expect("read").is_none(),
            "a draft is not a worker"
        );
    }
    assert!(
        store
            .audit_trail(500)
            .expect("audit")
            .iter()
            .any(|(_, action, _, detail)| action == "导入待补全人员" && detail == "分包人员名单.xlsx 第 3 行"),
        "each draft is in the audit trail with its file and row"
    );

    // Importing the same list again changes nothing.
    let again = f.station.check_import(&sheet).expect("check");
    let s = again.summary();
    assert_eq!((s.new, s.update_draft, s.unchanged), (0, 0, 185));

    // A draft is completed through the normal enrollment, with the card read and photos.
    let id = id_code(1000);
    let missing = f
        .station
        .enroll(store_draft(&f.station, &id), Default::default())
        .expect_err("no photos yet");
    match missing {
        cwr_station::station::StationError::Worker(p) => {
            assert!(p.iter().any(|p| p.field == WorkerField::Facephoto), "{p:?}")
        }
        other => panic!("{other:?}"),
    }
    let enrolled_now = f
        .station
        .enroll(enrolled(store_draft(&f.station, &id)), test_photos())
        .expect("completed");
    let store = f.station.store();
    assert!(store.draft(&id).expect("read").is_none(), "the draft became the worker");
    assert_eq!(
        store.worker(&id).expect("read").expect("worker").state,
        RecordState::Pending
    );
    assert_eq!(
        store.outbox_item(enrolled_now.item_id).expect("item").kind,
        ItemKind::Register
    );
    assert_eq!(store.draft_count().expect("count"), 182);

    // A draft imported by mistake can be deleted; a worker cannot be deleted that way.
    let checked = |id: &str| cwr_station::domain::IdNumber::parse(id).expect("valid ID");
    f.station.delete_draft(&checked(&id_code(1001))).expect("deleted");
    assert!(f.station.delete_draft(&checked(&id)).is_err());
}

fn read_table(path: &std::path::Path) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).expect("opens");
    let range = book.worksheet_range("检查结果").expect("sheet");
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

fn store_draft(st: &Station, id: &str) -> Worker {
    st.store().draft(id).expect("read").expect("draft").worker
}
