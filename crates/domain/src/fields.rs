//! Form fields other than the ID number: mobile, site pass period, ID card validity,
//! and the site's age rules.

use chrono::NaiveDate;

use crate::FieldError;

mod age;
pub use age::{AgeRules, check_age};

/// Numbers taken besides a mainland mobile, for holders of 港澳台居民居住证 and travel
/// permits: (calling code, place, digits after it).
const REGIONS: [(&str, &str, std::ops::RangeInclusive<usize>); 3] =
    [("852", "香港", 8..=8), ("853", "澳门", 8..=8), ("886", "台湾", 9..=10)];

/// A worker's phone: a mainland mobile, returned as its bare 11 digits, or a Hong Kong, Macau
/// or Taiwan number with its calling code, returned as `+852…` without spaces.
pub fn validate_mobile(input: &str) -> Result<String, FieldError> {
    let s: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\t' | '\u{3000}'))
        .map(|c| if c == '＋' { '+' } else { c })
        .collect();
    if s.is_empty() {
        return Err(FieldError::PhoneEmpty);
    }
    let international = s.strip_prefix('+').or_else(|| s.strip_prefix("00"));
    if let Some(rest) = international {
        if let Some(mainland) = rest.strip_prefix("86") {
            return validate_mainland(mainland);
        }
        for (code, place, digits) in REGIONS {
            if let Some(number) = rest.strip_prefix(code) {
                return validate_region(code, place, digits, number);
            }
        }
        let shown: String = rest.chars().take(3).collect();
        return Err(FieldError::CallingCodeNotTaken { shown });
    }
    // Without its "+", a calling code is told by the length it leaves (Excel drops the "+"
    // of a number cell); a mainland mobile starts with 1, so none of these is one.
    if s.len() == 13 && s.starts_with("86") {
        return validate_mainland(&s[2..]);
    }
    if s.chars().all(|c| c.is_ascii_digit()) {
        for (code, place, digits) in REGIONS {
            if s.starts_with(code) && digits.contains(&(s.len() - code.len())) {
                return validate_region(code, place, digits, &s[code.len()..]);
            }
        }
    }
    validate_mainland(&s)
}

fn validate_mainland(s: &str) -> Result<String, FieldError> {
    if let Some(c) = s.chars().find(|c| !c.is_ascii_digit()) {
        return Err(FieldError::MainlandNotDigit(c));
    }
    if s.len() != 11 {
        return Err(FieldError::MainlandLength(s.len()));
    }
    let b = s.as_bytes();
    if b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
        return Err(FieldError::MainlandPrefix(s.to_string()));
    }
    Ok(s.to_string())
}

fn validate_region(
    code: &'static str,
    place: &'static str,
    digits: std::ops::RangeInclusive<usize>,
    number: &str,
) -> Result<String, FieldError> {
    if let Some(c) = number.chars().find(|c| !c.is_ascii_digit()) {
        return Err(FieldError::RegionNotDigit { place, code, c });
    }
    if !digits.contains(&number.len()) {
        let want = if digits.start() == digits.end() {
            format!("{}", digits.start())
        } else {
            format!("{}–{}", digits.start(), digits.end())
        };
        return Err(FieldError::RegionLength {
            place,
            code,
            want,
            given: number.len(),
        });
    }
    Ok(format!("+{code}{number}"))
}

/// A worker's site pass period (通行有效期) as the platform expects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassPeriod {
    pub start: NaiveDate,
    /// None = open-ended.
    pub end: Option<NaiveDate>,
}

impl PassPeriod {
    /// "2017-05-02:2017-12-31" or, open-ended, "2017-05-02:".
    pub fn to_platform_string(&self) -> String {
        let end = self.end.map(|e| e.format("%Y-%m-%d").to_string()).unwrap_or_default();
        format!("{}:{end}", self.start.format("%Y-%m-%d"))
    }
}

/// Parses `yyyy-MM-dd:yyyy-MM-dd` or `yyyy-MM-dd:`; the platform refuses a start
/// after the upload day, so that is checked here against `upload_day` (Beijing's date).
pub fn parse_pass_period(s: &str, upload_day: NaiveDate) -> Result<PassPeriod, FieldError> {
    let period = PassPeriod::parse(s)?;
    if period.start > upload_day {
        return Err(FieldError::PassStartsAfterUpload {
            start: period.start,
            upload_day,
        });
    }
    Ok(period)
}

impl PassPeriod {
    /// The shape and order of the dates, whatever the day. Spaces around the parts are
    /// forgiven here and never sent: [`to_platform_string`](Self::to_platform_string) is.
    pub fn parse(s: &str) -> Result<PassPeriod, FieldError> {
        const FORMAT: &str = crate::error::PASS_PERIOD_FORMAT;
        let s = s.trim();
        let Some((start_s, end_s)) = s.split_once(':') else {
            return Err(FieldError::PassPeriodNoColon(s.to_string()));
        };
        let start = parse_date(start_s.trim(), '-', "通行有效期的开始日期", FORMAT)?;
        let end_s = end_s.trim();
        let end = if end_s.is_empty() {
            None
        } else {
            Some(parse_date(end_s, '-', "通行有效期的结束日期", FORMAT)?)
        };
        if let Some(end) = end
            && end < start
        {
            return Err(FieldError::PassEndsBeforeStart { start, end });
        }
        Ok(PassPeriod { start, end })
    }
}

/// Validity period printed on the back of the ID card (有效期限).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdValidity {
    pub start: NaiveDate,
    /// None = 长期 (no expiry).
    pub end: Option<NaiveDate>,
}

impl IdValidity {
    /// As printed on the card: "2008.02.14-2028.02.14" or "2008.02.14-长期".
    pub fn to_card_string(&self) -> String {
        let end = self
            .end
            .map_or("长期".to_string(), |e| e.format("%Y.%m.%d").to_string());
        format!("{}-{end}", self.start.format("%Y.%m.%d"))
    }

    /// The card is still valid on its end date itself.
    pub fn is_expired(&self, today: NaiveDate) -> bool {
        self.end.is_some_and(|end| end < today)
    }
}

/// Parses `YYYY.MM.DD-YYYY.MM.DD` or `YYYY.MM.DD-长期` (spaces around the parts are
/// forgiven, never sent). An expired card parses fine: the caller decides how loudly to warn.
pub fn parse_id_validity(s: &str) -> Result<IdValidity, FieldError> {
    const FORMAT: &str = crate::error::ID_VALIDITY_FORMAT;
    let s = s.trim();
    let Some((start_s, end_s)) = s.split_once('-') else {
        return Err(FieldError::IdValidityNoDash(s.to_string()));
    };
    let start = parse_date(start_s.trim(), '.', "身份证有效期限的起始日期", FORMAT)?;
    let end_s = end_s.trim();
    let end = if end_s == "长期" {
        None
    } else {
        Some(parse_date(end_s, '.', "身份证有效期限的截止日期", FORMAT)?)
    };
    if let Some(end) = end
        && end <= start
    {
        return Err(FieldError::IdValidityEndsTooEarly { start, end });
    }
    Ok(IdValidity { start, end })
}

/// Strict `YYYY<sep>MM<sep>DD` with zero padding; chrono's own parser accepts
/// unpadded fields, which the platform does not.
fn parse_date(s: &str, sep: char, what: &'static str, hint: &'static str) -> Result<NaiveDate, FieldError> {
    let b = s.as_bytes();
    let shape_ok = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => char::from(*c) == sep,
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(FieldError::DateShape {
            what,
            text: s.to_string(),
            hint,
        });
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
    let (y, m, d) = (num(0..4), num(5..7), num(8..10));
    NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(|| FieldError::NoSuchDate {
        what,
        text: s.to_string(),
        year: y,
        month: m,
        day: d,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn mobile_accepts_and_normalises() {
        assert_eq!(validate_mobile("13812345678").as_deref(), Ok("13812345678"));
        assert_eq!(validate_mobile(" 138 1234 5678 ").as_deref(), Ok("13812345678"));
        assert_eq!(validate_mobile("138-1234-5678").as_deref(), Ok("13812345678"));
        assert_eq!(validate_mobile("+86 199 1234 5678").as_deref(), Ok("19912345678"));
        assert_eq!(validate_mobile("8615012345678").as_deref(), Ok("15012345678"));
    }

    #[test]
    fn hong_kong_macau_and_taiwan_numbers_are_taken_with_their_calling_code() {
        for (typed, kept) in [
            ("+852 9123 4567", "+85291234567"),
            ("+853 6612-3456", "+85366123456"),
            ("+886 912 345 678", "+886912345678"),
            ("+886 0912 345 678", "+8860912345678"),
            ("00852 91234567", "+85291234567"),
            ("＋852 9123 4567", "+85291234567"),
            // A number cell in Excel drops the "+".
            ("85291234567", "+85291234567"),
            ("886912345678", "+886912345678"),
        ] {
            assert_eq!(validate_mobile(typed).as_deref(), Ok(kept), "{typed}");
        }
    }

    #[test]
    fn a_refused_phone_is_told_which_forms_are_taken() {
        let e = validate_mobile("+852 9123 456").unwrap_err().to_string();
        assert!(
            e.contains("香港") && e.contains("应为 8 位") && e.contains("输入的是 7 位"),
            "{e}"
        );
        let e = validate_mobile("+886 91234567").unwrap_err().to_string();
        assert!(e.contains("台湾") && e.contains("9–10 位"), "{e}");
        let e = validate_mobile("+1 415 555 0100").unwrap_err().to_string();
        assert!(e.contains("+852") && e.contains("+853") && e.contains("+886"), "{e}");
        // A Hong Kong number typed without its code: the message says to add it.
        let e = validate_mobile("91234567").unwrap_err().to_string();
        assert!(e.contains("输入的是 8 位") && e.contains("+852"), "{e}");
    }

    #[test]
    fn mobile_rejects_with_reasons() {
        assert!(
            validate_mobile("1381234567")
                .unwrap_err()
                .to_string()
                .contains("输入的是 10 位")
        );
        assert!(
            validate_mobile("138123456789")
                .unwrap_err()
                .to_string()
                .contains("输入的是 12 位")
        );
        assert!(
            validate_mobile("12812345678")
                .unwrap_err()
                .to_string()
                .contains("13–19")
        );
        assert!(
            validate_mobile("23812345678")
                .unwrap_err()
                .to_string()
                .contains("13–19")
        );
        assert!(validate_mobile("1381234567a").unwrap_err().to_string().contains("“a”"));
        assert!(
            validate_mobile("0755-88888888")
                .unwrap_err()
                .to_string()
                .contains("输入的是 12 位")
        );
        assert!(
            validate_mobile("0755-8888888")
                .unwrap_err()
                .to_string()
                .contains("固定电话")
        );
        assert!(validate_mobile("").unwrap_err().to_string().contains("为空"));
    }

    #[test]
    fn pass_period_round_trips() {
        let up = d(2017, 6, 1);
        let p = parse_pass_period("2017-05-02:2017-12-31", up).unwrap();
        assert_eq!(
            p,
            PassPeriod {
                start: d(2017, 5, 2),
                end: Some(d(2017, 12, 31))
            }
        );
        assert_eq!(p.to_platform_string(), "2017-05-02:2017-12-31");
        let open = parse_pass_period(" 2017-05-02: ", up).unwrap();
        assert_eq!(open.end, None);
        assert_eq!(open.to_platform_string(), "2017-05-02:");
        // Start on the upload day and a one-day period are both allowed.
        assert!(parse_pass_period("2017-06-01:2017-06-01", up).is_ok());
    }

    #[test]
    fn typed_spaces_are_never_sent() {
        assert_eq!(
            PassPeriod::parse("2026-11-01 :").unwrap().to_platform_string(),
            "2026-11-01:"
        );
        assert_eq!(
            PassPeriod::parse(" 2026-11-01 : 2027-01-01 ")
                .unwrap()
                .to_platform_string(),
            "2026-11-01:2027-01-01"
        );
        assert_eq!(
            parse_id_validity("2010.01.01 - 长期").unwrap().to_card_string(),
            "2010.01.01-长期"
        );
        assert_eq!(
            parse_id_validity(" 2010.01.01 -2030.01.01").unwrap().to_card_string(),
            "2010.01.01-2030.01.01"
        );
    }

    #[test]
    fn pass_period_rejects() {
        let up = d(2017, 6, 1);
        assert!(
            parse_pass_period("2017-06-02:", up)
                .unwrap_err()
                .to_string()
                .contains("晚于上传日期")
        );
        let e = parse_pass_period("2017-05-02:2017-05-01", up).unwrap_err().to_string();
        assert!(e.contains("早于开始日期"), "{e}");
        assert!(
            parse_pass_period("2017-05-02", up)
                .unwrap_err()
                .to_string()
                .contains("缺少冒号")
        );
        assert!(
            parse_pass_period("2017-5-2:", up)
                .unwrap_err()
                .to_string()
                .contains("格式不对")
        );
        assert!(
            parse_pass_period("2017/05/02:", up)
                .unwrap_err()
                .to_string()
                .contains("格式不对")
        );
        assert!(
            parse_pass_period("2017-02-30:", up)
                .unwrap_err()
                .to_string()
                .contains("不是真实存在")
        );
        assert!(
            parse_pass_period("2017-05-02:2017-13-01", up)
                .unwrap_err()
                .to_string()
                .contains("没有 13 月")
        );
    }

    #[test]
    fn id_validity_round_trips() {
        let v = parse_id_validity("2008.02.14-2028.02.14").unwrap();
        assert_eq!(
            v,
            IdValidity {
                start: d(2008, 2, 14),
                end: Some(d(2028, 2, 14))
            }
        );
        assert_eq!(v.to_card_string(), "2008.02.14-2028.02.14");
        let forever = parse_id_validity("2008.02.14-长期").unwrap();
        assert_eq!(forever.end, None);
        assert_eq!(forever.to_card_string(), "2008.02.14-长期");
        assert!(!forever.is_expired(d(2999, 1, 1)));
    }

    #[test]
    fn id_validity_expiry_is_not_a_parse_error() {
        let v = parse_id_validity("2005.03.01-2015.03.01").unwrap();
        assert!(v.is_expired(d(2015, 3, 2)));
        assert!(!v.is_expired(d(2015, 3, 1)));
        assert!(!v.is_expired(d(2010, 1, 1)));
    }

    #[test]
    fn id_validity_rejects() {
        assert!(
            parse_id_validity("2008.02.14-2008.02.14")
                .unwrap_err()
                .to_string()
                .contains("不晚于")
        );
        assert!(
            parse_id_validity("2018.02.14-2008.02.14")
                .unwrap_err()
                .to_string()
                .contains("不晚于")
        );
        assert!(
            parse_id_validity("2008.02.30-长期")
                .unwrap_err()
                .to_string()
                .contains("不是真实存在")
        );
        assert!(
            parse_id_validity("2008-02-14-长期")
                .unwrap_err()
                .to_string()
                .contains("格式不对")
        );
        assert!(
            parse_id_validity("2008.02.14")
                .unwrap_err()
                .to_string()
                .contains("缺少")
        );
        assert!(
            parse_id_validity("2008.02.14-永久")
                .unwrap_err()
                .to_string()
                .contains("格式不对")
        );
    }
}
