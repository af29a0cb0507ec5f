//! Which column is which: a header as people write it (身份证号 / 身份证号码 / 证件号码,
//! 姓名 / 名字, 电话 / 手机号 …, with stars, notes in brackets and line breaks) matched to the
//! worker's field. One alias table keyed by [`WorkerField`]; the first alias of each field is
//! its label, which the template writes.

use serde::Serialize;

use domain::{Field, WorkerField};

/// A column of a worker list: one of the worker's fields, or a date that makes up half of
/// one (lists keep the pass period's and the card validity's two dates in two columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum WorkerColumn {
    Field(WorkerField),
    PassStart,
    PassEnd,
    ValidFrom,
    ValidTo,
}

/// Every header each text field is known by (the field's label first).
pub const WORKER_ALIASES: &[(WorkerField, &[&str])] = &[
    (
        WorkerField::IdCode,
        &[
            "身份证号码",
            "身份证号",
            "身份证",
            "证件号码",
            "证件号",
            "身份证件号码",
            "公民身份号码",
            "身份证编号",
            "id_code",
        ],
    ),
    (
        WorkerField::EmpName,
        &["姓名", "名字", "工人姓名", "人员姓名", "员工姓名", "emp_name"],
    ),
    (
        WorkerField::EmpPhone,
        &[
            "手机号",
            "手机号码",
            "手机",
            "电话",
            "电话号码",
            "联系电话",
            "联系方式",
            "emp_phone",
        ],
    ),
    (
        WorkerField::EmpNativeplace,
        &[
            "身份证地址",
            "身份证住址",
            "住址",
            "地址",
            "家庭住址",
            "户籍地址",
            "emp_nativeplace",
        ],
    ),
    (
        WorkerField::IdAgency,
        &["签发机关", "发证机关", "签发单位", "id_agency"],
    ),
    (
        WorkerField::IdValiddate,
        &["有效期限", "有效期", "证件有效期", "身份证有效期", "id_validdate"],
    ),
    (WorkerField::EmpNation, &["民族", "emp_nation"]),
    (
        WorkerField::EmpCompany,
        &[
            "所属单位",
            "单位",
            "单位名称",
            "所属公司",
            "公司",
            "公司名称",
            "劳务公司",
            "分包单位",
            "参建单位",
            "emp_company",
        ],
    ),
    (
        WorkerField::EmpCategory,
        &["人员类型", "人员类别", "工人类型", "emp_category"],
    ),
    (
        WorkerField::JobTypename,
        &[
            "工种/岗位类别",
            "岗位类别",
            "工种类别",
            "工种类型",
            "工种岗位类别",
            "job_typename",
        ],
    ),
    (
        WorkerField::JobName,
        &["工种名称", "工种", "岗位", "岗位名称", "job_name"],
    ),
    (
        WorkerField::PassPeriod,
        &["通行时段", "通行期限", "通行有效期", "pass_period"],
    ),
    (WorkerField::MatchFlag, &["人证比对", "人证一致", "match_flag"]),
    (
        WorkerField::ContractStatus,
        &[
            "合同办理",
            "合同",
            "劳动合同",
            "是否签订合同",
            "合同签订",
            "合同状态",
            "contract_status",
        ],
    ),
    (WorkerField::EmpDept, &["所属部门", "部门", "emp_dept"]),
    (WorkerField::JobDept, &["现工作部门", "工作部门", "job_dept"]),
    (WorkerField::TeamName, &["班组", "班组名称", "所属班组", "team_name"]),
    (
        WorkerField::EmpBankname,
        &["开户银行", "开户行", "银行", "工资卡开户行", "emp_bankname"],
    ),
    (
        WorkerField::EmpCardnum,
        &["银行账号", "银行卡号", "工资卡号", "卡号", "账号", "emp_cardnum"],
    ),
];

/// The dates that make up the pass period and the card's validity (label first).
pub const PART_ALIASES: &[(WorkerColumn, &[&str])] = &[
    (
        WorkerColumn::PassStart,
        &[
            "通行开始日期",
            "通行开始",
            "进场日期",
            "进场时间",
            "入场日期",
            "通行时段开始",
            "通行时段起",
        ],
    ),
    (
        WorkerColumn::PassEnd,
        &[
            "通行结束日期",
            "通行结束",
            "通行截止日期",
            "计划退场日期",
            "通行时段结束",
            "通行时段止",
        ],
    ),
    (
        WorkerColumn::ValidFrom,
        &[
            "有效期开始日期",
            "有效期开始",
            "有效期起",
            "有效期起始日期",
            "有效期限开始",
            "有效期限起",
            "签发日期",
        ],
    ),
    (
        WorkerColumn::ValidTo,
        &[
            "有效期截止日期",
            "有效期截止",
            "有效期止",
            "有效期至",
            "有效期结束",
            "有效期限截止",
            "有效期限止",
            "失效日期",
        ],
    ),
];

impl WorkerColumn {
    /// The header the template writes.
    pub fn label(self) -> &'static str {
        match self {
            WorkerColumn::Field(f) => f.label(),
            part => PART_ALIASES
                .iter()
                .find(|(c, _)| *c == part)
                .map(|(_, a)| a[0])
                .unwrap_or_default(),
        }
    }
}

/// The column a header names, if any.
pub fn worker_column(header: &str) -> Option<WorkerColumn> {
    let h = normalize_header(header);
    if h.is_empty() {
        return None;
    }
    let hit = |aliases: &[&str]| aliases.iter().any(|a| normalize_header(a) == h);
    WORKER_ALIASES
        .iter()
        .find(|(_, a)| hit(a))
        .map(|(f, _)| WorkerColumn::Field(*f))
        .or_else(|| PART_ALIASES.iter().find(|(_, a)| hit(a)).map(|(c, _)| *c))
}

/// A column of a blacklist sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum BlacklistColumn {
    IdCode,
    Name,
    Reason,
    AddedBy,
    AddedAt,
}

/// The blacklist's own columns; the ID number and the name are known by the workers' aliases.
const BLACKLIST_ALIASES: &[(BlacklistColumn, &[&str])] = &[
    (
        BlacklistColumn::Reason,
        &["原因", "黑名单原因", "事由", "说明", "备注", "reason"],
    ),
    (
        BlacklistColumn::AddedBy,
        &["添加人", "操作人", "登记人", "录入人", "added_by"],
    ),
    (
        BlacklistColumn::AddedAt,
        &["日期", "添加日期", "加入日期", "添加时间", "added_at"],
    ),
];

/// The headers the blacklist export writes (and reads back).
pub const BLACKLIST_HEADERS: [&str; 5] = ["身份证号码", "姓名", "原因", "添加人", "日期"];

pub fn blacklist_column(header: &str) -> Option<BlacklistColumn> {
    match worker_column(header) {
        Some(WorkerColumn::Field(WorkerField::IdCode)) => return Some(BlacklistColumn::IdCode),
        Some(WorkerColumn::Field(WorkerField::EmpName)) => return Some(BlacklistColumn::Name),
        _ => {}
    }
    let h = normalize_header(header);
    BLACKLIST_ALIASES
        .iter()
        .find(|(_, a)| a.iter().any(|a| normalize_header(a) == h))
        .map(|(c, _)| *c)
}

/// A header reduced to what identifies it: full-width forms made half-width, spaces and line
/// breaks, required-field stars, trailing colons and notes in brackets removed, Latin letters
/// lower-cased. "＊身份证号码（必填）" and "身份证 号码" both become "身份证号码".
pub fn normalize_header(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0u32;
    for c in s.chars() {
        let c = match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '【' | '〔' => '(',
            '】' | '〕' => ')',
            c => c,
        };
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            '*' | '※' | ':' | '：' => {}
            c if c.is_whitespace() || c.is_control() => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Excel's letter for a 0-based column index (0 → A, 26 → AA).
pub fn column_letter(mut col: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(char::from(b'A' + (col % 26) as u8));
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alias_names_one_column_only() {
        let mut seen = std::collections::HashMap::new();
        let all = WORKER_ALIASES
            .iter()
            .map(|(f, a)| (WorkerColumn::Field(*f), *a))
            .chain(PART_ALIASES.iter().copied());
        for (column, aliases) in all {
            for a in aliases {
                let n = normalize_header(a);
                if let Some(other) = seen.insert(n.clone(), column) {
                    panic!("“{a}” names both {other:?} and {column:?}");
                }
                assert_eq!(worker_column(a), Some(column), "{a}");
            }
        }
        for (f, aliases) in WORKER_ALIASES {
            assert_eq!(aliases[0], f.label(), "the label comes first");
        }
        // Every text field has its aliases.
        for f in WorkerField::ALL.into_iter().filter(|f| f.photo_kind().is_none()) {
            assert!(WORKER_ALIASES.iter().any(|(g, _)| *g == f), "{f:?}");
        }
    }

    #[test]
    fn headers_as_people_write_them() {
        let id = Some(WorkerColumn::Field(WorkerField::IdCode));
        for h in [
            "＊身份证号码（必填）",
            "身份证 号码",
            "身份证号\n(18位)",
            "【必填】证件号码",
            "ID_CODE",
            "身份证号：",
        ] {
            assert_eq!(worker_column(h), id, "{h}");
        }
        assert_eq!(
            worker_column("手机号码(11位)"),
            Some(WorkerColumn::Field(WorkerField::EmpPhone))
        );
        assert_eq!(worker_column("进场日期"), Some(WorkerColumn::PassStart));
        for h in ["序号", "性别", "出生日期", "籍贯", "", "（备用）"] {
            assert_eq!(worker_column(h), None, "{h}");
        }
        assert_eq!(blacklist_column("证件号码"), Some(BlacklistColumn::IdCode));
        assert_eq!(blacklist_column("原因"), Some(BlacklistColumn::Reason));
        assert_eq!(blacklist_column("名字"), Some(BlacklistColumn::Name));
        for h in BLACKLIST_HEADERS {
            assert!(blacklist_column(h).is_some(), "{h}");
        }
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
