//! The report for the platform's staff: per interface, the successful calls in this
//! environment, and the run's own calls with their times and the platform's answers.

use std::collections::BTreeMap;
use std::path::Path;

use rust_xlsxwriter::{Format, Workbook};

use super::{AcceptanceRun, INTERFACES, REQUIRED};

/// One interface's line of the report.
struct Row {
    name: String,
    label: String,
    /// Successes counted in this environment.
    count: u64,
    /// The run's successful calls' Beijing times.
    times: Vec<String>,
    /// The `api_version` the platform took in the run's last successful call ("" if none):
    /// the staff compare it with what their instance expects.
    version: String,
}

fn rows(run: Option<&AcceptanceRun>, counts: &BTreeMap<String, u64>) -> Vec<Row> {
    INTERFACES
        .iter()
        .map(|e| {
            let version = run
                .and_then(|r| {
                    r.steps
                        .iter()
                        .filter(|s| s.kind.endpoint() == *e && s.done())
                        .filter_map(|s| s.outcome.as_ref())
                        .rfind(|o| !o.api_version.is_empty())
                })
                .map(|o| o.api_version.clone())
                .unwrap_or_default();
            let times = run
                .map(|r| {
                    r.steps
                        .iter()
                        .filter(|s| s.kind.endpoint() == *e && s.done())
                        .filter_map(|s| s.outcome.as_ref())
                        .map(|o| api::beijing_timestamp(o.at))
                        .collect()
                })
                .unwrap_or_default();
            Row {
                name: e.name().to_string(),
                label: e.label_zh().to_string(),
                count: counts.get(e.name()).copied().unwrap_or(0),
                times,
                version,
            }
        })
        .collect()
}

/// The report as text (for a message or the command line).
pub fn report_text(
    run: Option<&AcceptanceRun>,
    counts: &BTreeMap<String, u64>,
    environment: &str,
    project_id: &str,
) -> String {
    let mut out = format!(
        "实名分账平台接口联调记录\n项目编号：{project_id}\n环境：{environment}\n生成时间：{}（北京时间）\n\n",
        api::beijing_timestamp(chrono::Utc::now())
    );
    for row in rows(run, counts) {
        let (label, name, count) = (&row.label, &row.name, row.count);
        let mark = if count >= REQUIRED { "达标" } else { "未达标" };
        let version = version_text(&row.version);
        out.push_str(&format!(
            "{label} {name}：成功 {count} 次（{mark}，需 {REQUIRED} 次），{version}\n"
        ));
        for t in row.times {
            out.push_str(&format!("    向导调用成功 {t}\n"));
        }
    }
    if let Some(r) = run
        && let Some((i, o)) = r.stopped_at()
    {
        out.push_str(&format!(
            "\n向导停在第 {} 步（{}）：代码 {}，{}\n",
            i + 1,
            r.steps[i].kind.describe(),
            o.code,
            o.words
        ));
    }
    out
}

/// The report as .xlsx: a summary sheet and the run's calls with the answers verbatim.
pub fn write_report_xlsx(
    path: &Path,
    run: Option<&AcceptanceRun>,
    counts: &BTreeMap<String, u64>,
    environment: &str,
    project_id: &str,
) -> Result<(), crate::export::ExportError> {
    let fail = crate::export::ExportError::Xlsx;
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let summary = book.add_worksheet();
    summary.set_name("接口汇总").map_err(fail)?;
    summary
        .write_string_with_format(0, 0, format!("项目编号 {project_id}，环境：{environment}"), &bold)
        .map_err(fail)?;
    for (col, h) in [
        "接口",
        "名称",
        "成功次数",
        "是否达标",
        "向导成功调用时间（北京时间）",
        "接口版本 api_version",
    ]
    .iter()
    .enumerate()
    {
        summary
            .write_string_with_format(2, col as u16, *h, &bold)
            .map_err(fail)?;
    }
    for (i, r) in rows(run, counts).into_iter().enumerate() {
        let row = (i + 3) as u32;
        summary.write_string_with_format(row, 0, &r.name, &text).map_err(fail)?;
        summary
            .write_string_with_format(row, 1, &r.label, &text)
            .map_err(fail)?;
        summary.write_number(row, 2, r.count as f64).map_err(fail)?;
        let mark = if r.count >= REQUIRED { "达标" } else { "未达标" };
        summary.write_string_with_format(row, 3, mark, &text).map_err(fail)?;
        summary
            .write_string_with_format(row, 4, r.times.join("；"), &text)
            .map_err(fail)?;
        summary
            .write_string_with_format(row, 5, version_text(&r.version), &text)
            .map_err(fail)?;
    }
    for (col, width) in [26.0, 16.0, 10.0, 10.0, 80.0, 24.0].into_iter().enumerate() {
        summary.set_column_width(col as u16, width).map_err(fail)?;
    }
    let calls = book.add_worksheet();
    calls.set_name("向导调用记录").map_err(fail)?;
    for (col, h) in [
        "步骤",
        "接口",
        "内容",
        "时间（北京时间）",
        "结果",
        "代码",
        "平台回答（原样）",
    ]
    .iter()
    .enumerate()
    {
        calls.write_string_with_format(0, col as u16, *h, &bold).map_err(fail)?;
    }
    let steps = run.map(|r| r.steps.as_slice()).unwrap_or_default();
    let mut row = 1u32;
    for (i, step) in steps.iter().enumerate() {
        let Some(o) = &step.outcome else { continue };
        let cells = [
            (i + 1).to_string(),
            step.kind.endpoint().name().to_string(),
            step.kind.describe(),
            api::beijing_timestamp(o.at),
            if o.ok {
                "成功".to_string()
            } else {
                format!("失败：{}", o.words)
            },
            o.code.clone(),
            o.answer.clone(),
        ];
        for (col, value) in cells.iter().enumerate() {
            calls
                .write_string_with_format(row, col as u16, value.as_str(), &text)
                .map_err(fail)?;
        }
        row += 1;
    }
    for (col, width) in [6.0, 24.0, 34.0, 20.0, 24.0, 6.0, 100.0].into_iter().enumerate() {
        calls.set_column_width(col as u16, width).map_err(fail)?;
    }
    book.save(path).map_err(fail)
}

fn version_text(version: &str) -> String {
    if version.is_empty() {
        "接口版本：向导尚未调用成功".into()
    } else {
        format!("接口版本 api_version {version}")
    }
}
