//! Reading lists the way they come: every header variant, a header over two rows under a
//! title, the old .xls format, and files that are not lists at all (text, a photo, an empty
//! file, a broken workbook, 50,000 rows), each refused with what it is.

use crate::common;

use common::sheets::{ANJU, V, import_station as station, t, write_xls, write_xlsx};
use common::*;
use cwr_station::domain::WorkerField;
use cwr_station::excel::columns::{PART_ALIASES, WORKER_ALIASES};
use cwr_station::excel::{WorkerColumn, read_worker_sheet};
use cwr_station::station::{RowAction, RowStatus};

#[test]
fn every_header_variant_names_its_column() {
    let dir = tempfile::tempdir().expect("tmp");
    let all = WORKER_ALIASES
        .iter()
        .map(|(f, a)| (WorkerColumn::Field(*f), *a))
        .chain(PART_ALIASES.iter().copied());
    let mut files = 0;
    for (column, aliases) in all {
        for (n, alias) in aliases.iter().enumerate() {
            // Written as people do: a star, a note in brackets, a line break.
            let header = match n % 3 {
                0 => alias.to_string(),
                1 => format!("*{alias}"),
                _ => format!("{alias}\n（填写说明）"),
            };
            let mut headers = vec![t(&header)];
            let mut row = vec![t("x")];
            if column != WorkerColumn::Field(WorkerField::IdCode) {
                headers.push(t("身份证号码"));
                row.push(t(&id_code(1)));
            }
            let path = dir.path().join(format!("h{files}.xlsx"));
            write_xlsx(&path, None, &[headers, row]);
            let sheet = read_worker_sheet(&path).unwrap_or_else(|e| panic!("{alias}: {e}"));
            assert!(sheet.has_column(column), "“{header}” names {column:?}");
            assert!(sheet.notes.is_empty(), "{alias}: {:?}", sheet.notes);
            files += 1;
        }
    }
    assert!(files > 100, "{files} variants");
}

#[test]
fn a_header_over_two_rows_under_a_title_joins_the_card_dates() {
    let dir = tempfile::tempdir().expect("tmp");
    let st = station(&dir.path().join("data"));
    let path = dir.path().join("two-rows.xlsx");
    let id = id_code(7);
    write_xlsx(
        &path,
        Some("人员名单"),
        &[
            vec![
                t("身份证号码"),
                t("姓名"),
                t("有效期限"),
                V::Blank,
                t("通行时段"),
                V::Blank,
            ],
            vec![V::Blank, V::Blank, t("开始"), t("截止"), t("开始"), t("结束")],
            vec![
                t(&id),
                t("张三"),
                V::D(2015, 6, 1),
                t("长期"),
                V::N(46327.0),
                t("2027-06-30"),
            ],
        ],
    );
    let sheet = read_worker_sheet(&path).expect("read");
    assert_eq!(sheet.header_row, 3);
    for c in [
        WorkerColumn::ValidFrom,
        WorkerColumn::ValidTo,
        WorkerColumn::PassStart,
        WorkerColumn::PassEnd,
    ] {
        assert!(sheet.has_column(c), "{c:?}: {:?}", sheet.columns);
    }
    let report = st.check_import(&sheet).expect("check");
    let w = &report.rows[0].worker;
    assert_eq!(w.id_validdate, "2015.06.01-长期");
    assert_eq!(w.pass_period, "2026-11-01:2027-06-30");
    assert_eq!(report.rows[0].row, 4);
    // The list lacks the columns every row needs: said once, at the top.
    assert!(
        report.notes[0].starts_with("表中没有这些必填列：手机号、所属单位"),
        "{:?}",
        report.notes
    );
}

#[test]
fn an_xls_file_reads_like_an_xlsx() {
    let dir = tempfile::tempdir().expect("tmp");
    let st = station(&dir.path().join("data"));
    let path = dir.path().join("老格式.xls");
    let header: Vec<V> = [
        "身份证号",
        "姓名",
        "手机号码",
        "所属单位",
        "人员类型",
        "工种/岗位类别",
        "工种名称",
        "合同办理",
    ]
    .iter()
    .map(|h| t(h))
    .collect();
    let good: Vec<V> = vec![
        t(&id_code(1005)),
        t("工人005"),
        V::N(13800000005.0),
        t(ANJU),
        t("劳务工人"),
        t("一般作业工种"),
        t("木工"),
        t("已签"),
    ];
    let mut numeric = good.clone();
    numeric[0] = V::N(440305199001011234.0);
    write_xls(&path, &[header, good, numeric]);
    let sheet = read_worker_sheet(&path).expect("read .xls");
    let report = st.check_import(&sheet).expect("check");
    assert_eq!(report.rows.len(), 2);
    assert_eq!(
        (report.rows[0].status, report.rows[0].action),
        (RowStatus::Valid, RowAction::New),
        "{:?}",
        report.rows[0].problems
    );
    assert_eq!(report.rows[0].worker.emp_phone, "13800000005");
    assert_eq!(report.rows[0].worker.job_name, JOB_NAME_CARPENTER);
    assert_eq!(report.rows[1].status, RowStatus::Error);
    assert!(report.rows[1].problems[0].message.contains("4.40305E+17"));
}

#[test]
fn files_that_are_not_lists_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("tmp");
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        p
    };
    let cases = [
        (write("名单.xlsx", b"id,name\n1,2\n"), "CSV"),
        (write("photo.xlsx", &jpeg_bytes(20, 20)), "不是 Excel"),
        (write("empty.xlsx", b""), "空的"),
        (write("broken.xls", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1garbage"), ".xls"),
        (
            write("archive.xlsx", b"PK\x03\x04not really a zip"),
            "不是 Excel 工作簿",
        ),
    ];
    for (path, says) in cases {
        let e = read_worker_sheet(&path).expect_err("refused");
        assert!(e.contains(says), "{}: {e}", path.display());
    }
    let headers_only = dir.path().join("headers.xlsx");
    write_xlsx(&headers_only, None, &[vec![t("身份证号码"), t("姓名")]]);
    assert!(
        read_worker_sheet(&headers_only)
            .expect_err("empty")
            .contains("没有数据")
    );
    let no_id = dir.path().join("no-id.xlsx");
    write_xlsx(
        &no_id,
        None,
        &[vec![t("姓名"), t("电话")], vec![t("张三"), t("13800138000")]],
    );
    assert!(
        read_worker_sheet(&no_id)
            .expect_err("no id")
            .contains("没有找到“身份证号码”列")
    );
    assert!(read_worker_sheet(&dir.path().join("missing.xlsx")).is_err());
}

#[test]
fn a_50000_row_sheet_is_refused_whole_at_the_limit() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("big.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "身份证号码").expect("h");
    sheet.write_string(0, 1, "姓名").expect("h");
    for r in 1..=50_000u32 {
        sheet.write_string(r, 0, "440305199001011234").expect("id");
        sheet.write_string(r, 1, "某人").expect("name");
    }
    book.save(&path).expect("save");
    let e = read_worker_sheet(&path).expect_err("too many");
    assert!(
        e.contains("上限 5000 行") && e.contains("第 5002 行") && e.contains("没有导入任何内容"),
        "{e}"
    );
}

/// Every choice in a list may be written as the enrollment window shows it (its radio
/// buttons' words, its checkboxes' words), as a code, or in the template's short form.
#[test]
fn a_list_may_say_every_choice_in_the_windows_own_words() {
    let dir = tempfile::tempdir().expect("tmp");
    let st = station(&dir.path().join("data"));
    let path = dir.path().join("window-words.xlsx");
    let header: Vec<V> = [
        "身份证号码",
        "姓名",
        "手机号",
        "所属单位",
        "人员类型",
        "工种/岗位类别",
        "工种名称",
        "合同办理",
        "人证比对",
        "通行开始日期",
        "通行结束日期",
    ]
    .iter()
    .map(|h| t(h))
    .collect();
    // (contract, match, pass end) → (contract_status, match_flag, pass_period's end)
    let cases = [
        ("已签合同", "人证一致", "不限结束日期", ("1", "Y", "")),
        ("未签合同", "人证不一致", "2027-06-30", ("0", "N", "2027-06-30")),
        ("1", "Y", "不限", ("1", "Y", "")),
        ("未签", "不一致", "", ("0", "N", "")),
    ];
    let mut rows = vec![header];
    for (i, (contract, matched, end, _)) in cases.iter().enumerate() {
        rows.push(vec![
            t(&id_code(7500 + i as u32)),
            t(&format!("工人{i}")),
            t("13800138000"),
            t(ANJU),
            t("劳务工人"),
            t("一般作业工种"),
            t("木工"),
            t(contract),
            t(matched),
            V::D(2026, 11, 1),
            if end.is_empty() { V::Blank } else { t(end) },
        ]);
    }
    write_xlsx(&path, None, &rows);
    let report = st
        .check_import(&read_worker_sheet(&path).expect("read"))
        .expect("check");
    for (row, (typed, want)) in report.rows.iter().zip(cases.iter().map(|c| ((c.0, c.1, c.2), c.3))) {
        let choice_problems: Vec<_> = row
            .problems
            .iter()
            .filter(|p| {
                matches!(
                    p.field,
                    WorkerField::ContractStatus | WorkerField::MatchFlag | WorkerField::PassPeriod
                )
            })
            .collect();
        assert!(choice_problems.is_empty(), "{typed:?}: {choice_problems:?}");
        let w = &row.worker;
        assert_eq!(
            (w.contract_status.as_str(), w.match_flag.as_str()),
            (want.0, want.1),
            "{typed:?}"
        );
        assert_eq!(w.pass_period, format!("2026-11-01:{}", want.2), "{typed:?}");
    }
}
