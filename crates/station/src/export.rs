//! The roster, a day's attendance and the blacklist as .xlsx, one writer each for the window
//! and the command line. ID numbers and bank numbers are written as text with the text
//! number format, so Excel neither rounds them to 4.40305E+17 nor drops a trailing X.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook};

/// One roster line with names already resolved from the dictionaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterLine {
    pub emp_name: String,
    pub id_code: String,
    pub company: String,
    pub trade: String,
    pub category: String,
    pub state: String,
    pub emp_id: String,
    pub updated_at: String,
}

pub const HEADERS: [&str; 8] = [
    "姓名",
    "身份证号码",
    "所属单位",
    "工种",
    "人员类型",
    "状态",
    "平台工号",
    "最后修改",
];

/// Why an Excel file was not written. The clerk's file is written through a temp file, so
/// nothing half-written is left under its name.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("导出 Excel 失败：{0}（文件是否正被 Excel 打开？关闭后再试）")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// The shared table writer's own words.
    #[error("{0}")]
    Table(String),
}

pub fn write_roster_xlsx(path: &Path, lines: &[RosterLine]) -> Result<(), ExportError> {
    let fail = ExportError::Xlsx;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("人员花名册").map_err(fail)?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    for (col, h) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *h, &bold).map_err(fail)?;
    }
    for (i, l) in lines.iter().enumerate() {
        let row = (i + 1) as u32;
        let cells = [
            &l.emp_name,
            &l.id_code,
            &l.company,
            &l.trade,
            &l.category,
            &l.state,
            &l.emp_id,
            &l.updated_at,
        ];
        for (col, value) in cells.into_iter().enumerate() {
            sheet
                .write_string_with_format(row, col as u16, value.as_str(), &text)
                .map_err(fail)?;
        }
    }
    for (col, width) in [10.0, 22.0, 30.0, 14.0, 18.0, 10.0, 34.0, 20.0].into_iter().enumerate() {
        sheet.set_column_width(col as u16, width).map_err(fail)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    book.save(path).map_err(fail)
}

/// A day's attendance logs as .xlsx: what the point recorded and whether the platform has
/// each (also those past the window).
pub fn write_passes_xlsx(path: &Path, rows: &[store::PassRow]) -> Result<(), ExportError> {
    let fail = ExportError::Xlsx;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("考勤").map_err(fail)?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let headers = [
        "时间",
        "姓名",
        "身份证号码",
        "人员类型",
        "所属单位",
        "进/离",
        "上传状态",
        "说明",
    ];
    for (col, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *h, &bold).map_err(fail)?;
    }
    for (i, p) in rows.iter().enumerate() {
        let row = (i + 1) as u32;
        let cells = [
            domain::time::beijing_timestamp(p.passed_at),
            p.person_name.clone(),
            p.id_code.clone(),
            if p.person_type == "0" { "访客" } else { "工人" }.to_string(),
            p.company.clone(),
            p.direction.label().to_string(),
            p.state.label().to_string(),
            if p.message.is_empty() {
                p.advice.clone()
            } else {
                p.message.clone()
            },
        ];
        for (col, value) in cells.iter().enumerate() {
            sheet
                .write_string_with_format(row, col as u16, value.as_str(), &text)
                .map_err(fail)?;
        }
    }
    for (col, width) in [20.0, 10.0, 22.0, 10.0, 30.0, 8.0, 10.0, 40.0].into_iter().enumerate() {
        sheet.set_column_width(col as u16, width).map_err(fail)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    book.save(path).map_err(fail)
}

/// Beijing-time display of an RFC 3339 UTC timestamp from the store (as the window shows it).
pub fn local_time(rfc3339: &str) -> String {
    store::parse_timestamp(rfc3339)
        .map(domain::time::beijing_timestamp)
        .unwrap_or_else(|| rfc3339.to_string())
}

/// The state the roster shows: a refused departure needs the clerk as much as a refused
/// registration does, although the worker's own record is still "sent".
pub fn roster_state(w: &store::WorkerRow) -> domain::RecordState {
    use domain::{DepartureState, RecordState};
    match w.state {
        RecordState::Departed => RecordState::Departed,
        _ if w.departure == Some(DepartureState::NeedsFix) => RecordState::NeedsFix,
        s => s,
    }
}

/// The whole roster (enrolled workers and drafts, by name) as the window exports it, with the
/// dictionaries' names for the codes kept on this PC (the code itself when a name is unknown).
pub fn roster_lines(store: &dyn store::StoreReads) -> Result<Vec<RosterLine>, store::StoreError> {
    use api::Endpoint;
    let names = |kind| -> Result<std::collections::HashMap<String, String>, store::StoreError> {
        Ok(store
            .dictionary(kind)?
            .map(|(entries, _)| entries.into_iter().map(|e| (e.orders, e.value)).collect())
            .unwrap_or_default())
    };
    let (jobs, categories) = (names(Endpoint::DictListJobName)?, names(Endpoint::DictListEmpCategory)?);
    let name = |map: &std::collections::HashMap<String, String>, code: &str| {
        map.get(code).cloned().unwrap_or_else(|| code.to_string())
    };
    Ok(store
        .roster_rows()?
        .into_iter()
        .map(|w| RosterLine {
            trade: name(&jobs, &w.job_name),
            category: name(&categories, &w.emp_category),
            state: roster_state(&w).label().to_string(),
            updated_at: local_time(&w.updated_at),
            emp_name: w.emp_name,
            id_code: w.id_code,
            company: w.emp_company,
            emp_id: w.emp_id,
        })
        .collect())
}

/// The blacklist as .xlsx, in the columns a blacklist sheet is imported from (so an export
/// can be edited and imported again).
pub fn write_blacklist_xlsx(path: &Path, entries: &[store::BlacklistEntry]) -> Result<(), ExportError> {
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.id_code.clone(),
                e.name.clone(),
                e.reason.clone(),
                e.added_by.clone(),
                local_time(&e.added_at),
            ]
        })
        .collect();
    excel::write_table(
        path,
        "黑名单",
        &excel::columns::BLACKLIST_HEADERS,
        &[22.0, 10.0, 40.0, 12.0, 20.0],
        &rows,
    )
    .map_err(ExportError::Table)
}
