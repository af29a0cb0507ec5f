//! A value quoted in an import's messages is cut to a short prefix: the rules a row is
//! checked with quote what they were given (“…”不是身份证上的民族名称), and a list can give
//! them a cell of a thousand characters. The text report, the JSON report and the window
//! all show the rows' messages as the check made them.

use crate::common;

use common::cli::{run, station};
use common::sheets::{ANJU, import_station, t, write_xlsx};
use common::*;
use cwr_station::domain::Field;

/// Nobody listens here: the import needs no platform.
const NO_PLATFORM: &str = "http://127.0.0.1:9";
/// A cut value is 40 characters and its length; a message around it a few dozen more.
const LONGEST_MESSAGE: usize = 200;

/// A list whose one row has long values in the columns the rules quote.
fn long_values_list(path: &std::path::Path) {
    let long = |c: &str| c.repeat(900);
    write_xlsx(
        path,
        None,
        &[
            vec![
                t("身份证号码"),
                t("姓名"),
                t("民族"),
                t("所属单位"),
                t("通行时段"),
                t("有效期限"),
            ],
            vec![
                t(&id_code(11)),
                t("张三"),
                t(&long("壮")),
                t(&format!("{ANJU}{}", long("分"))),
                t(&format!("2026-11-01{}", long("至"))),
                t(&format!("2015.06.01{}", long("x"))),
            ],
        ],
    );
}

#[test]
fn long_values_are_cut_where_the_rules_quote_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let st = import_station(&dir.path().join("data"));
    let path = dir.path().join("long.xlsx");
    long_values_list(&path);
    let sheet = cwr_station::excel::read_worker_sheet(&path).expect("read");
    let report = st.check_import(&sheet).expect("check");
    let problems = &report.rows[0].problems;
    assert!(problems.len() >= 4, "{problems:?}");
    for p in problems {
        assert!(
            p.message.chars().count() < LONGEST_MESSAGE,
            "{}: {} characters: {}",
            p.field.label(),
            p.message.chars().count(),
            p.message
        );
    }
    let nation = problems
        .iter()
        .find(|p| p.message.contains("民族名称"))
        .expect("the nation is quoted");
    assert!(nation.message.contains("…（共 900 个字）"), "{}", nation.message);
}

#[test]
fn the_json_report_quotes_no_long_value() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    drop(import_station(&data));
    let path = dir.path().join("long.xlsx");
    long_values_list(&path);
    let mut cmd = station(&data, NO_PLATFORM);
    cmd.args(["import", "workers"]).arg(&path).args(["--dry-run", "--json"]);
    let (code, text) = run(&mut cmd);
    assert_eq!(code, 2, "{text}");
    let json_start = text.find('{').expect("json");
    let json_end = text.rfind('}').expect("json") + 1;
    let report: serde_json::Value = serde_json::from_str(&text[json_start..json_end]).expect("json");
    let problems = report["rows"][0]["problems"].as_array().expect("problems");
    assert!(problems.len() >= 4, "{text}");
    for p in problems {
        let message = p["message"].as_str().expect("message");
        assert!(message.chars().count() < LONGEST_MESSAGE, "{message}");
    }
    assert!(
        text.chars().count() < 20 * LONGEST_MESSAGE,
        "{} characters",
        text.chars().count()
    );
}
