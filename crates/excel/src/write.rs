//! Writing workbooks: the import template a subcontractor fills in (the platform's columns
//! in Chinese, a note on every header, dropdowns from the cached dictionaries and the
//! project's companies on a hidden sheet, text format where Excel would damage numbers), and
//! plain tables (the blacklist, an import's check result). Every cell that holds a number
//! the clerk did not mean as a number (ID, phone, account) is written as text.

use std::path::Path;

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, Format, Formula, Note, Workbook, Worksheet, XlsxError,
};

use super::columns::{WorkerColumn, column_letter};
use super::read::MAX_ROWS;
use domain::{Field, WorkerField};

fn fail(e: XlsxError) -> String {
    format!("Excel 文件没有写成：{e}（文件是否正被 Excel 打开？关闭后再试）")
}

/// The dropdowns' contents: names as the clerk sees them.
#[derive(Debug, Clone, Default)]
pub struct TemplateLists {
    pub nations: Vec<String>,
    pub categories: Vec<String>,
    pub job_types: Vec<String>,
    pub job_names: Vec<String>,
    pub companies: Vec<String>,
}

/// One column of the template.
struct TemplateColumn {
    column: WorkerColumn,
    note: &'static str,
    width: f64,
    kind: CellKind,
}

#[derive(Clone, Copy, PartialEq)]
enum CellKind {
    Text,
    Date,
    General,
}

const fn col(column: WorkerColumn, note: &'static str, width: f64, kind: CellKind) -> TemplateColumn {
    TemplateColumn {
        column,
        note,
        width,
        kind,
    }
}

const fn field(f: WorkerField, note: &'static str, width: f64, kind: CellKind) -> TemplateColumn {
    col(WorkerColumn::Field(f), note, width, kind)
}

/// What a subcontractor can know about a worker, in the order they usually write it. The
/// face match is decided at the station, so it is not asked for.
const TEMPLATE: [TemplateColumn; 19] = [
    field(
        WorkerField::IdCode,
        "必填。18 位身份证号码，末位可以是 X。本列是文本格式：请直接输入或粘贴号码，不要让 Excel 变成 4.40305E+17 这样的数字。",
        22.0,
        CellKind::Text,
    ),
    field(
        WorkerField::EmpName,
        "必填。与身份证上的姓名一致。",
        10.0,
        CellKind::General,
    ),
    field(
        WorkerField::EmpPhone,
        "必填。11 位大陆手机号；香港、澳门、台湾的号码请带区号，如 +852 9123 4567、+853 6612 3456、+886 912 345 678。",
        14.0,
        CellKind::Text,
    ),
    field(
        WorkerField::EmpNation,
        "选填（到场读身份证时会自动填写）。从下拉列表选择，如“汉”。",
        8.0,
        CellKind::General,
    ),
    field(
        WorkerField::EmpCompany,
        "必填。本项目参建单位的全称，从下拉列表选择。",
        30.0,
        CellKind::General,
    ),
    field(
        WorkerField::EmpCategory,
        "必填。从下拉列表选择（平台字典），如“劳务工人”；也可以填平台代码。",
        16.0,
        CellKind::General,
    ),
    field(
        WorkerField::JobTypename,
        "必填。从下拉列表选择（平台字典），如“一般作业工种”；也可以填平台代码。",
        16.0,
        CellKind::General,
    ),
    field(
        WorkerField::JobName,
        "必填。从下拉列表选择（平台字典），如“砌筑工”；也可以填平台代码。",
        16.0,
        CellKind::General,
    ),
    field(
        WorkerField::ContractStatus,
        "必填。劳动合同：已签 或 未签（也可以填 1 或 0）。",
        10.0,
        CellKind::General,
    ),
    col(
        WorkerColumn::PassStart,
        "选填。通行（进场）开始日期，如 2026-11-01；不填则为导入当天。不能晚于导入当天。",
        14.0,
        CellKind::Date,
    ),
    col(
        WorkerColumn::PassEnd,
        "选填。通行结束日期；不填表示长期有效。",
        14.0,
        CellKind::Date,
    ),
    field(
        WorkerField::EmpNativeplace,
        "选填（到场读身份证时会自动填写）。身份证上的住址。",
        30.0,
        CellKind::General,
    ),
    field(
        WorkerField::IdAgency,
        "选填（到场读身份证时会自动填写）。身份证背面的签发机关。",
        20.0,
        CellKind::General,
    ),
    field(
        WorkerField::IdValiddate,
        "选填（到场读身份证时会自动填写）。照抄身份证背面的有效期限，如 2015.06.01-2035.06.01 或 2015.06.01-长期。",
        24.0,
        CellKind::Text,
    ),
    field(WorkerField::EmpDept, "选填。", 12.0, CellKind::General),
    field(WorkerField::JobDept, "选填。", 12.0, CellKind::General),
    field(
        WorkerField::TeamName,
        "选填。班组名称（只保存在本机，不上传平台）。",
        12.0,
        CellKind::General,
    ),
    field(
        WorkerField::EmpBankname,
        "选填。工资卡开户银行。",
        16.0,
        CellKind::General,
    ),
    field(
        WorkerField::EmpCardnum,
        "选填。工资卡号。本列是文本格式，请直接输入或粘贴，不要让 Excel 变成科学计数法。",
        22.0,
        CellKind::Text,
    ),
];

/// Whether a list must give this column (the rest the station fills or defaults).
pub fn required_in_list(column: WorkerColumn) -> bool {
    match column {
        WorkerColumn::Field(f) => f.required() && !f.completed_at_station() && f != WorkerField::PassPeriod,
        _ => false,
    }
}

/// The headers the template writes, in order.
pub fn template_headers() -> Vec<&'static str> {
    TEMPLATE.iter().map(|c| c.column.label()).collect()
}

const DATA_SHEET: &str = "人员名单";
const LISTS_SHEET: &str = "下拉列表";
const HELP_SHEET: &str = "填写说明";

/// Writes the template. Returns what the clerk should know (a dictionary not cached yet:
/// its column has no dropdown).
pub fn write_template(path: &Path, lists: &TemplateLists) -> Result<Vec<String>, String> {
    let mut book = Workbook::new();
    let mut notes = Vec::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let required = header.clone().set_font_color(Color::RGB(0xC00000));
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let contract = vec!["已签".to_string(), "未签".to_string()];
    let dropdowns: Vec<(WorkerColumn, &Vec<String>, &str)> = vec![
        (WorkerColumn::Field(WorkerField::EmpNation), &lists.nations, "民族"),
        (
            WorkerColumn::Field(WorkerField::EmpCompany),
            &lists.companies,
            "本项目参建单位",
        ),
        (
            WorkerColumn::Field(WorkerField::EmpCategory),
            &lists.categories,
            "人员类型字典",
        ),
        (
            WorkerColumn::Field(WorkerField::JobTypename),
            &lists.job_types,
            "工种/岗位类别字典",
        ),
        (
            WorkerColumn::Field(WorkerField::JobName),
            &lists.job_names,
            "工种名称字典",
        ),
        (WorkerColumn::Field(WorkerField::ContractStatus), &contract, "合同办理"),
    ];
    {
        let sheet = book.add_worksheet();
        sheet.set_name(DATA_SHEET).map_err(fail)?;
        for (i, c) in TEMPLATE.iter().enumerate() {
            let i = i as u16;
            let format = if required_in_list(c.column) { &required } else { &header };
            sheet
                .write_string_with_format(0, i, c.column.label(), format)
                .map_err(fail)?;
            let note = Note::new(c.note)
                .set_author("实名制登记工作站")
                .add_author_prefix(false)
                .set_width(300)
                .set_height(110);
            sheet.insert_note(0, i, &note).map_err(fail)?;
            sheet.set_column_width(i, c.width).map_err(fail)?;
            match c.kind {
                CellKind::Text => sheet.set_column_format(i, &text).map_err(fail)?,
                CellKind::Date => sheet.set_column_format(i, &date).map_err(fail)?,
                CellKind::General => sheet,
            };
        }
        sheet.set_freeze_panes(1, 0).map_err(fail)?;
        for (k, (column, list, what)) in dropdowns.iter().enumerate() {
            let Some(i) = TEMPLATE.iter().position(|c| c.column == *column) else {
                continue;
            };
            if list.is_empty() {
                notes.push(format!(
                    "{what}还没有取到本机：模板里“{}”列没有下拉列表（联网后刷新字典或添加单位，再重新生成模板）",
                    column.label()
                ));
                continue;
            }
            let letter = column_letter(k as u32);
            let formula = format!("='{LISTS_SHEET}'!${letter}$2:${letter}${}", list.len() + 1);
            let validation = DataValidation::new()
                .allow_list_formula(Formula::new(formula))
                .ignore_blank(true)
                .set_error_style(DataValidationErrorStyle::Warning)
                .set_error_title("不在列表中")
                .map_err(fail)?
                .set_error_message(format!("请从下拉列表选择{}。", column.label()))
                .map_err(fail)?;
            sheet
                .add_data_validation(1, i as u16, MAX_ROWS as u32, i as u16, &validation)
                .map_err(fail)?;
        }
    }
    {
        let sheet = book.add_worksheet();
        sheet.set_name(HELP_SHEET).map_err(fail)?;
        help_sheet(sheet, &header)?;
    }
    {
        let sheet = book.add_worksheet();
        sheet.set_name(LISTS_SHEET).map_err(fail)?;
        for (k, (column, list, _)) in dropdowns.iter().enumerate() {
            let k = k as u16;
            sheet
                .write_string_with_format(0, k, column.label(), &header)
                .map_err(fail)?;
            for (r, name) in list.iter().enumerate() {
                sheet
                    .write_string_with_format(r as u32 + 1, k, name, &text)
                    .map_err(fail)?;
            }
            sheet.set_column_width(k, 24.0).map_err(fail)?;
        }
        sheet.set_hidden(true);
    }
    book.save(path).map_err(fail)?;
    Ok(notes)
}

fn help_sheet(sheet: &mut Worksheet, header: &Format) -> Result<(), String> {
    let wrap = Format::new().set_text_wrap();
    for (i, h) in ["列名", "是否必填", "怎么填"].iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, *h, header).map_err(fail)?;
    }
    for (r, c) in TEMPLATE.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, c.column.label()).map_err(fail)?;
        sheet
            .write_string(r, 1, if required_in_list(c.column) { "必填" } else { "选填" })
            .map_err(fail)?;
        sheet.write_string_with_format(r, 2, c.note, &wrap).map_err(fail)?;
    }
    let last = TEMPLATE.len() as u32 + 2;
    sheet
        .write_string_with_format(
            last,
            0,
            "在“人员名单”表里每人一行填写。导入后这些人是“待补全”：到现场登记时读身份证、拍人脸照、扫描身份证正反面后提交，才会上传平台。",
            &wrap,
        )
        .map_err(fail)?;
    sheet.set_column_width(0, 16.0).map_err(fail)?;
    sheet.set_column_width(1, 10.0).map_err(fail)?;
    sheet.set_column_width(2, 90.0).map_err(fail)?;
    Ok(())
}

/// A plain table: bold headers, every cell as text, frozen header row.
pub fn write_table(
    path: &Path,
    sheet_name: &str,
    headers: &[&str],
    widths: &[f64],
    rows: &[Vec<String>],
) -> Result<(), String> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name).map_err(fail)?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet
                .write_string_with_format(r as u32 + 1, c as u16, value, &text)
                .map_err(fail)?;
        }
    }
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, *w).map_err(fail)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    book.save(path).map_err(fail)
}
