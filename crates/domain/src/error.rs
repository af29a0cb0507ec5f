//! Why a typed value was refused, one enum per kind of value. Each variant carries what the
//! message needs; its `Display` is the Chinese sentence the clerk reads (what is wrong, what to
//! do), so callers can match on the reason and still show the one wording.

use chrono::NaiveDate;

/// What the phone field takes, for every message that refuses one.
pub(crate) const PHONE_FORMS: &str =
    "可填 11 位大陆手机号（可带 +86），或带区号的香港 +852（8 位）、澳门 +853（8 位）、台湾 +886（9–10 位）号码";
/// How a site pass period is written.
pub(crate) const PASS_PERIOD_FORMAT: &str =
    "格式应为“开始日期:结束日期”（如 2017-05-02:2017-12-31），不设结束日期时写成“2017-05-02:”";
/// How an ID card's validity is written.
pub(crate) const ID_VALIDITY_FORMAT: &str =
    "请按身份证背面“有效期限”照抄，格式如 2008.02.14-2028.02.14 或 2008.02.14-长期";
const BIRTH_HINT: &str = "请核对身份证号码第 7–14 位（出生年月日）";

/// A form field other than the ID number or the company code: phone, pass period, ID card
/// validity, exit time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("手机号码为空：{PHONE_FORMS}")]
    PhoneEmpty,
    #[error("不接受区号 +{shown} 开头的号码：{PHONE_FORMS}")]
    CallingCodeNotTaken { shown: String },
    #[error("手机号码中有非数字字符“{0}”：请只填数字（全角数字请切换到半角输入法）；{PHONE_FORMS}")]
    MainlandNotDigit(char),
    #[error(
        "大陆手机号码应为 11 位，输入的是 {0} 位：请向本人核对号码是否漏输或多输；港澳台号码请带区号，{PHONE_FORMS}"
    )]
    MainlandLength(usize),
    #[error("{0} 不是有效的大陆手机号码（应以 13–19 开头）：请向本人核对，固定电话不能填在此处；{PHONE_FORMS}")]
    MainlandPrefix(String),
    #[error("{place}号码中有非数字字符“{c}”：区号 +{code} 后只能是数字（全角数字请切换到半角输入法）")]
    RegionNotDigit {
        place: &'static str,
        code: &'static str,
        c: char,
    },
    #[error("{place}号码在区号 +{code} 后应为 {want} 位数字，输入的是 {given} 位：请向本人核对号码是否漏输或多输")]
    RegionLength {
        place: &'static str,
        code: &'static str,
        /// "8" or "9–10".
        want: String,
        given: usize,
    },
    #[error(
        "通行有效期的开始日期 {} 晚于上传日期 {}：平台不接受未来的开始日期，请改为今天或更早的日期",
        .start.format("%Y-%m-%d"),
        .upload_day.format("%Y-%m-%d")
    )]
    PassStartsAfterUpload { start: NaiveDate, upload_day: NaiveDate },
    #[error("通行有效期“{0}”缺少冒号：{PASS_PERIOD_FORMAT}")]
    PassPeriodNoColon(String),
    #[error(
        "通行有效期的结束日期 {} 早于开始日期 {}：请核对两个日期是否填反",
        .end.format("%Y-%m-%d"),
        .start.format("%Y-%m-%d")
    )]
    PassEndsBeforeStart { start: NaiveDate, end: NaiveDate },
    #[error("身份证有效期限“{0}”缺少“-”：{ID_VALIDITY_FORMAT}")]
    IdValidityNoDash(String),
    #[error(
        "身份证有效期限的截止日期 {} 不晚于起始日期 {}：请对照身份证背面核对",
        .end.format("%Y.%m.%d"),
        .start.format("%Y.%m.%d")
    )]
    IdValidityEndsTooEarly { start: NaiveDate, end: NaiveDate },
    /// `what` names the date ("通行有效期的开始日期"), `hint` how to write it.
    #[error("{what}“{text}”格式不对：{hint}")]
    DateShape {
        what: &'static str,
        text: String,
        hint: &'static str,
    },
    #[error("{what}“{text}”不是真实存在的日期（{}）：请核对后重新输入", no_such_day(*.year, *.month, *.day))]
    NoSuchDate {
        what: &'static str,
        text: String,
        year: u32,
        month: u32,
        day: u32,
    },
    #[error("请填写离场时间，例如 2026-11-28 17:30:00")]
    ExitTimeEmpty,
    #[error("离场时间格式不对：请写成“年-月-日 时:分:秒”，例如 2026-11-28 17:30:00")]
    ExitTimeShape,
    #[error("离场时间不能晚于现在：请填写已经离场的时间")]
    ExitTimeInFuture,
}

fn no_such_day(year: u32, month: u32, day: u32) -> String {
    if (1..=12).contains(&month) {
        format!("{year} 年 {month} 月没有 {day} 日")
    } else {
        format!("没有 {month} 月")
    }
}

/// A resident identity card number (GB 11643-1999).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdCardError {
    #[error("身份证号码为空：请输入 18 位身份证号码")]
    Empty,
    #[error("身份证号码应为 18 位（旧版为 15 位），输入的是 {0} 位：请对照身份证逐位核对，检查是否漏输或多输")]
    Length(usize),
    #[error("身份证号码第 18 位“{0}”无效：最后一位只能是数字或字母 X，请对照身份证核对")]
    LastChar(char),
    #[error("身份证号码校验位不对（应为 {expected}，输入的是 {given}）：请对照身份证逐位核对")]
    CheckChar { expected: char, given: char },
    /// `position` counts from 1.
    #[error("身份证号码第 {position} 位“{c}”不是数字：{}", not_digit_hint(*.c))]
    NotDigit { position: usize, c: char },
    #[error("出生年份 {0} 早于 1900 年，不可能是有效的出生日期：{BIRTH_HINT}")]
    BornBefore1900(u32),
    #[error(
        "身份证号码中的出生日期 {yyyymmdd} 不存在（{}）：{BIRTH_HINT}",
        no_such_birthday(*.year, *.month, *.day)
    )]
    NoSuchBirthDate {
        yyyymmdd: String,
        year: u32,
        month: u32,
        day: u32,
    },
    #[error(
        "身份证号码中的出生日期 {} 晚于今天，不可能是有效的出生日期：{BIRTH_HINT}",
        .0.format("%Y-%m-%d")
    )]
    BornInFuture(NaiveDate),
}

fn not_digit_hint(c: char) -> &'static str {
    if c.is_numeric() || c == 'Ｘ' || c == 'ｘ' {
        "请切换到半角（英文）输入法重新输入"
    } else if c.eq_ignore_ascii_case(&'x') {
        "字母 X 只能出现在第 18 位，请对照身份证核对"
    } else {
        "身份证号码只能由数字和末位 X 组成，请对照身份证核对"
    }
}

fn no_such_birthday(year: u32, month: u32, day: u32) -> String {
    if month == 2 && day == 29 {
        format!("{year} 年不是闰年，没有 2 月 29 日")
    } else if !(1..=12).contains(&month) {
        format!("没有 {month} 月")
    } else {
        format!("{year} 年 {month} 月没有 {day} 日")
    }
}

/// A company's SUID: an 18-character unified social credit code (GB 32100-2015) or a
/// 9-character organisation code (GB 11714-1997).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    /// A credit code was asked for and nothing was typed.
    #[error("统一社会信用代码为空：请按营业执照上的 18 位代码输入")]
    Empty,
    /// A SUID (either form) was asked for and nothing was typed.
    #[error(
        "社会统一信用代码为空：请按营业执照上的 18 位统一社会信用代码输入（老证照可填 9 位组织机构代码，如 12345678-9）"
    )]
    SuidEmpty,
    #[error("统一社会信用代码应为 18 位，输入的是 {0} 位：请对照营业执照逐位核对，检查是否漏输或多输")]
    Length(usize),
    #[error(
        "统一社会信用代码应为 18 位（老证照的组织机构代码为 9 位，如 12345678-9），输入的是 {0} 位：请对照营业执照或组织机构代码证逐位核对，检查是否漏输或多输"
    )]
    SuidLength(usize),
    /// `position` counts from 1.
    #[error("统一社会信用代码第 {position} 位“{c}”不是合法字符：{}，请对照营业执照核对", illegal_char_hint(*.c))]
    IllegalChar { position: usize, c: char },
    #[error("统一社会信用代码校验位不对（应为 {expected}，输入的是 {given}）：请对照营业执照逐位核对")]
    CheckChar { expected: char, given: char },
    /// `position` counts from 1.
    #[error(
        "组织机构代码的“-”应在第 8 位之后、校验位之前（如 12345678-9），输入的在第 {0} 位：请对照组织机构代码证核对"
    )]
    OrgHyphen(usize),
    /// `position` counts from 1.
    #[error("组织机构代码第 {position} 位“{c}”不是合法字符：{}，请对照组织机构代码证核对", org_char_hint(*.c))]
    OrgIllegalChar { position: usize, c: char },
    #[error("组织机构代码校验位不对（应为 {expected}，输入的是 {given}）：请对照组织机构代码证逐位核对")]
    OrgCheckChar { expected: char, given: char },
}

fn illegal_char_hint(c: char) -> &'static str {
    match c {
        'I' => "代码中不使用字母 I，可能是数字 1",
        'O' => "代码中不使用字母 O，可能是数字 0",
        'Z' => "代码中不使用字母 Z，可能是数字 2",
        'S' => "代码中不使用字母 S，可能是数字 5",
        'V' => "代码中不使用字母 V，可能是字母 U",
        c if !c.is_ascii() => "请切换到半角（英文）输入法重新输入",
        _ => "代码只能包含数字和除 I、O、Z、S、V 以外的大写字母",
    }
}

fn org_char_hint(c: char) -> &'static str {
    if c.is_ascii() {
        "本体代码只能是数字或大写字母"
    } else {
        "请切换到半角（英文）输入法重新输入"
    }
}

/// An attendance pass (考勤).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PassError {
    #[error(transparent)]
    IdNumber(#[from] IdCardError),
    #[error("请填写访客姓名")]
    VisitorNameEmpty,
    /// The visitor's name breaks a text rule; the message names which.
    #[error("{0}")]
    VisitorName(String),
    #[error("考勤时间晚于现在：请填写已经发生的时间")]
    InFuture,
    /// `window` is the platform's window in words ("2 小时").
    #[error("考勤时间 {passed_at} 已超过 {window}：平台只接收 {window}内的考勤，这条不能再上传")]
    TooOld { passed_at: String, window: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    /// Callers match on the reason; the clerk still reads the sentence the `String` had.
    #[test]
    fn the_reason_is_a_variant_and_the_sentence_is_unchanged() {
        assert_eq!(
            crate::parse_id_number("110105194912310021"),
            Err(IdCardError::CheckChar {
                expected: 'X',
                given: '1'
            })
        );
        assert_eq!(
            IdCardError::BornInFuture(d(2030, 1, 2)).to_string(),
            "身份证号码中的出生日期 2030-01-02 晚于今天，不可能是有效的出生日期：请核对身份证号码第 7–14 位（出生年月日）"
        );
        assert_eq!(
            FieldError::IdValidityEndsTooEarly {
                start: d(2018, 2, 14),
                end: d(2008, 2, 14)
            }
            .to_string(),
            "身份证有效期限的截止日期 2008.02.14 不晚于起始日期 2018.02.14：请对照身份证背面核对"
        );
        assert_eq!(
            crate::parse_pass_period("2017-02-30:", d(2017, 6, 1))
                .expect_err("no such day")
                .to_string(),
            "通行有效期的开始日期“2017-02-30”不是真实存在的日期（2017 年 2 月没有 30 日）：请核对后重新输入"
        );
        assert_eq!(
            crate::validate_uscc("91350100MOOO100Y43").expect_err("O"),
            UsccError::IllegalChar { position: 10, c: 'O' }
        );
        assert_eq!(
            UsccError::IllegalChar { position: 10, c: 'O' }.to_string(),
            "统一社会信用代码第 10 位“O”不是合法字符：代码中不使用字母 O，可能是数字 0，请对照营业执照核对"
        );
        assert_eq!(
            crate::validate_mobile("").expect_err("empty").to_string(),
            format!("手机号码为空：{PHONE_FORMS}")
        );
    }
}
