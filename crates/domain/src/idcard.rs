//! Resident identity card numbers (公民身份号码), GB 11643-1999.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::IdCardError;

/// Weights of GB 11643-1999 (ISO 7064 MOD 11-2): position i from the left carries
/// 2^(17-i) mod 11, so the sequence repeats with period 10 and ends `… 10 5 8 4 2`.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Indexed by (weighted sum mod 11); makes the full 18-digit sum ≡ 1 (mod 11).
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Province-level codes (GB/T 2260). Only the first two digits are checked: a full
/// county table changes every year and a stale one would reject real cards, whereas
/// the province list is stable enough to catch typos in the leading digits.
const PROVINCES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44",
    "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
];
/// 83 is the code issued on residence permits for Taiwan residents; it is not a
/// GB/T 2260 province but such permits are valid ID for site enrolment.
const EXTRA_REGIONS: [&str; 1] = ["83"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// A structurally valid ID number and what it encodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumber {
    /// Normalised 18 characters, check char upper-case.
    pub code: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    /// First 6 digits (administrative division at issue time).
    pub region_code: String,
    pub region_known: bool,
    pub upgraded_from_15: bool,
}

impl IdNumber {
    /// Findings that do not stop enrolment but the clerk should see.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.region_known {
            out.push(format!(
                "身份证号码前两位地区码 {} 不是已知的省级行政区，请核对",
                &self.region_code[..2]
            ));
        }
        if self.upgraded_from_15 {
            out.push(format!(
                "输入的是 15 位旧版身份证号码，已自动升级为 18 位 {}：请与本人现用身份证核对",
                self.code
            ));
        }
        out
    }
}

/// Parses and validates an ID number as typed or read from a card. "Today" (no birth after
/// it) is Beijing's, as on the platform, whatever the PC's time zone.
pub fn parse_id_number(input: &str) -> Result<IdNumber, IdCardError> {
    parse_id_number_on(input, crate::time::beijing_date(chrono::Utc::now()))
}

/// `today` is a parameter so that the "birth date in the future" rule is testable.
fn parse_id_number_on(input: &str, today: NaiveDate) -> Result<IdNumber, IdCardError> {
    let s = input.trim();
    let chars: Vec<char> = s.chars().collect();
    match chars.len() {
        18 => parse_18(&chars, today),
        15 => parse_15(&chars, today),
        0 => Err(IdCardError::Empty),
        n => Err(IdCardError::Length(n)),
    }
}

fn parse_18(chars: &[char], today: NaiveDate) -> Result<IdNumber, IdCardError> {
    let body = digits(&chars[..17])?;
    let given = chars[17].to_ascii_uppercase();
    if !(given.is_ascii_digit() || given == 'X') {
        return Err(IdCardError::LastChar(chars[17]));
    }
    let birth_date = birth_date(&body[6..14], today)?;
    let expected = check_char(&body);
    if given != expected {
        return Err(IdCardError::CheckChar { expected, given });
    }
    Ok(build(format!("{body}{given}"), birth_date, false))
}

fn parse_15(chars: &[char], today: NaiveDate) -> Result<IdNumber, IdCardError> {
    let old = digits(chars)?;
    // Legacy numbers were issued only to people born in the 1900s and carry a
    // two-digit year, so the century is always 19.
    let body = format!("{}19{}", &old[..6], &old[6..]);
    let birth_date = birth_date(&body[6..14], today)?;
    let code = format!("{body}{}", check_char(&body));
    Ok(build(code, birth_date, true))
}

fn build(code: String, birth_date: NaiveDate, upgraded_from_15: bool) -> IdNumber {
    let region_code = code[..6].to_string();
    let province = &code[..2];
    let region_known = PROVINCES.contains(&province) || EXTRA_REGIONS.contains(&province);
    let sex_digit = code.as_bytes()[16] - b'0';
    let sex = if sex_digit % 2 == 1 { Sex::Male } else { Sex::Female };
    IdNumber {
        code,
        birth_date,
        sex,
        region_code,
        region_known,
        upgraded_from_15,
    }
}

/// Returns the characters as an ASCII-digit string, or names the first bad one.
fn digits(chars: &[char]) -> Result<String, IdCardError> {
    if let Some((i, c)) = chars.iter().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(IdCardError::NotDigit { position: i + 1, c: *c });
    }
    Ok(chars.iter().collect())
}

/// `yyyymmdd` holds exactly 8 ASCII digits (checked by the caller).
fn birth_date(yyyymmdd: &str, today: NaiveDate) -> Result<NaiveDate, IdCardError> {
    let num = |r: std::ops::Range<usize>| yyyymmdd[r].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (num(0..4), num(4..6), num(6..8));
    if year < 1900 {
        return Err(IdCardError::BornBefore1900(year));
    }
    let Some(date) = NaiveDate::from_ymd_opt(year as i32, month, day) else {
        return Err(IdCardError::NoSuchBirthDate {
            yyyymmdd: yyyymmdd.to_string(),
            year,
            month,
            day,
        });
    };
    if date > today {
        return Err(IdCardError::BornInFuture(date));
    }
    Ok(date)
}

/// The check character of the 17 digits in `body` (ISO 7064 MOD 11-2). Also what sample
/// and test data use to make valid numbers.
pub fn check_char(body: &str) -> char {
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b.wrapping_sub(b'0')) * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// Full years (周岁) from `birth` to `day`; the age increases on the birthday itself.
/// Someone born on Feb 29 gains a year on Mar 1 in non-leap years. 0 if `day` is
/// before `birth`.
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> u32 {
    if day < birth {
        return 0;
    }
    let years = day.year() - birth.year();
    let before_birthday = (day.month(), day.day()) < (birth.month(), birth.day());
    (years - i32::from(before_birthday)).max(0) as u32
}

/// Masks an ID number for display and logs: first 4 and last 4 kept. Anything
/// shorter than 8 characters is masked entirely, since keeping 8 would reveal it all.
pub fn mask_id(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    let n = chars.len();
    if n < 8 {
        return "*".repeat(n);
    }
    let mut out: String = chars[..4].iter().collect();
    out.push_str(&"*".repeat(n - 8));
    out.extend(&chars[n - 4..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn today() -> NaiveDate {
        d(2025, 6, 1)
    }
    fn parse(s: &str) -> Result<IdNumber, IdCardError> {
        parse_id_number_on(s, today())
    }

    #[test]
    fn standard_examples_of_gb11643_are_valid() {
        // The two worked examples printed in GB 11643-1999 itself.
        let a = parse("11010519491231002X").unwrap();
        assert_eq!(a.birth_date, d(1949, 12, 31));
        assert_eq!(a.sex, Sex::Female);
        assert_eq!(a.region_code, "110105");
        let b = parse("440524188001010014").unwrap_err().to_string();
        // 1880 is before 1900, so the second example is refused on its date.
        assert!(b.contains("1880"), "{b}");
    }

    #[test]
    fn valid_numbers_verified_with_python() {
        // Check chars computed independently with python3 (sum of weighted digits).
        for (code, sex, birth) in [
            ("440305199003071236", Sex::Male, d(1990, 3, 7)),
            ("440303198501012012", Sex::Male, d(1985, 1, 1)),
            ("440301199507150039", Sex::Male, d(1995, 7, 15)),
            ("440305199205120040", Sex::Female, d(1992, 5, 12)),
            ("350203198809012230", Sex::Male, d(1988, 9, 1)),
        ] {
            let id = parse(code).unwrap();
            assert_eq!(id.code, code);
            assert_eq!(id.sex, sex, "{code}");
            assert_eq!(id.birth_date, birth);
            assert!(id.region_known);
            assert!(!id.upgraded_from_15);
            assert!(id.warnings().is_empty());
        }
    }

    #[test]
    fn check_char_x_upper_and_lower_case() {
        let id = parse("44030619880808321X").unwrap();
        assert_eq!(id.code, "44030619880808321X");
        let lower = parse("  44030619880808321x\n").unwrap();
        assert_eq!(lower.code, "44030619880808321X");
        assert_eq!(lower.sex, Sex::Male);
    }

    #[test]
    fn wrong_check_char_names_the_expected_one() {
        let e = parse("440305199003071234").unwrap_err().to_string();
        assert!(e.contains("应为 6") && e.contains("输入的是 4"), "{e}");
        let e = parse("110105194912310021").unwrap_err().to_string();
        assert!(e.contains("应为 X"), "{e}");
        let e = parse("440306198808083216").unwrap_err().to_string();
        assert!(e.contains("应为 X"), "{e}");
    }

    #[test]
    fn feb_29_only_in_leap_years() {
        assert_eq!(parse("510107197202294126").unwrap().birth_date, d(1972, 2, 29));
        assert_eq!(parse("440304200002292167").unwrap().birth_date, d(2000, 2, 29));
        // Check chars are correct, so the date is the only fault.
        let e = parse("440305199902291232").unwrap_err().to_string();
        assert!(e.contains("1999 年不是闰年"), "{e}");
        let e = parse("440305200002301234").unwrap_err().to_string();
        assert!(e.contains("不存在") && e.contains("30 日"), "{e}");
        let e = parse("440305199913011232").unwrap_err().to_string();
        assert!(e.contains("没有 13 月"), "{e}");
    }

    #[test]
    fn future_and_pre_1900_birth_dates_are_refused() {
        let e = parse("440305209901011231").unwrap_err().to_string();
        assert!(e.contains("晚于今天"), "{e}");
        let e = parse("440305189912311234").unwrap_err().to_string();
        assert!(e.contains("早于 1900"), "{e}");
        // Born on the day the check runs: allowed.
        assert!(parse_id_number_on("440305202402290027", d(2024, 2, 29)).is_ok());
        assert!(parse_id_number_on("440305202402290027", d(2024, 2, 28)).is_err());
    }

    #[test]
    fn fifteen_digit_numbers_are_upgraded() {
        let id = parse("130503670401001").unwrap();
        assert_eq!(id.code, "130503196704010016");
        assert_eq!(id.birth_date, d(1967, 4, 1));
        assert_eq!(id.sex, Sex::Male);
        assert!(id.upgraded_from_15);
        assert!(id.warnings().iter().any(|w| w.contains("15 位")));
        // The legacy form of the standard's own example.
        assert_eq!(parse("110105491231002").unwrap().code, "11010519491231002X");
        assert!(parse("110105491331002").unwrap_err().to_string().contains("没有 13 月"));
    }

    #[test]
    fn wrong_length_says_how_many_were_typed() {
        let e = parse("44030519900307123").unwrap_err().to_string();
        assert!(e.contains("输入的是 17 位"), "{e}");
        let e = parse("4403051990030712366").unwrap_err().to_string();
        assert!(e.contains("输入的是 19 位"), "{e}");
        assert!(parse("   ").unwrap_err().to_string().contains("为空"));
    }

    #[test]
    fn letters_and_full_width_digits_are_pointed_at() {
        let e = parse("44030519900A071236").unwrap_err().to_string();
        assert!(e.contains("第 12 位“A”不是数字"), "{e}");
        let e = parse("4403X5199003071236").unwrap_err().to_string();
        assert!(e.contains("第 5 位") && e.contains("只能出现在第 18 位"), "{e}");
        let e = parse("４40305199003071236").unwrap_err().to_string();
        assert!(e.contains("半角"), "{e}");
        let e = parse("44030519900307123Y").unwrap_err().to_string();
        assert!(e.contains("第 18 位“Y”"), "{e}");
    }

    #[test]
    fn unknown_province_is_only_a_warning() {
        let id = parse("990305199003071233").unwrap();
        assert!(!id.region_known);
        let w = id.warnings();
        assert_eq!(
            w,
            vec!["身份证号码前两位地区码 99 不是已知的省级行政区，请核对".to_string()]
        );
        assert!(parse("830305199003071239").map(|i| i.region_known).unwrap_or(false));
    }

    #[test]
    fn sex_labels() {
        assert_eq!(Sex::Male.label(), "男");
        assert_eq!(Sex::Female.label(), "女");
    }

    #[test]
    fn age_in_full_years() {
        let birth = d(1990, 3, 7);
        assert_eq!(age_on(birth, d(2025, 3, 6)), 34);
        assert_eq!(age_on(birth, d(2025, 3, 7)), 35);
        assert_eq!(age_on(birth, d(1990, 3, 7)), 0);
        assert_eq!(age_on(birth, d(1980, 1, 1)), 0);
        let leap = d(2000, 2, 29);
        assert_eq!(age_on(leap, d(2018, 2, 28)), 17);
        assert_eq!(age_on(leap, d(2018, 3, 1)), 18);
        assert_eq!(age_on(leap, d(2020, 2, 29)), 20);
    }

    #[test]
    fn masking() {
        assert_eq!(mask_id("44030619880808321X"), "4403**********321X");
        assert_eq!(mask_id("12345678"), "12345678");
        assert_eq!(mask_id("123456789"), "1234*6789");
        assert_eq!(mask_id("1234567"), "*******");
        assert_eq!(mask_id(""), "");
    }
}
