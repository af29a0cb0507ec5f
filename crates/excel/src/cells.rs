//! One cell as the import reads it, and the two ways a cell becomes a value: as the text of
//! a field, or as a date. Excel damages long numbers (an ID number typed into a General cell
//! becomes 4.40305E+17 and its last digits are gone): that is detected and said, never guessed.

use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A cell Excel formats as a date.
    Date(NaiveDate),
    Bool(bool),
    /// A formula that failed (#N/A, #REF! …).
    Error(String),
    /// A text longer than any field holds, by far: its length in characters, not kept.
    TooLong(usize),
}

/// The longest text a cell is read as: five times the longest field (200 characters).
pub const MAX_CELL_CHARS: usize = 1000;

/// How much of a value a message quotes.
const QUOTED_CHARS: usize = 40;

/// Numbers from 16 digits up cannot be held exactly by Excel (15 significant digits).
const EXACT_DIGITS_BELOW: f64 = 1e15;

impl Cell {
    pub fn from_data(d: &calamine::Data) -> Cell {
        use calamine::Data;
        match d {
            Data::Empty => Cell::Empty,
            Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::text(s),
            Data::Int(i) => Cell::Number(*i as f64),
            Data::Float(f) => Cell::Number(*f),
            Data::Bool(b) => Cell::Bool(*b),
            Data::DateTime(dt) if dt.is_datetime() => {
                let (y, m, d, ..) = dt.to_ymd_hms_milli();
                NaiveDate::from_ymd_opt(y.into(), m.into(), d.into())
                    .map(Cell::Date)
                    .unwrap_or(Cell::Number(dt.as_f64()))
            }
            Data::DateTime(dt) => Cell::Number(dt.as_f64()),
            Data::Error(e) => Cell::Error(e.to_string()),
        }
    }

    /// A text cell, or [`Cell::TooLong`].
    pub fn text(s: &str) -> Cell {
        // Counting is only needed where the bytes could be too many.
        if s.len() > MAX_CELL_CHARS {
            let n = s.chars().count();
            if n > MAX_CELL_CHARS {
                return Cell::TooLong(n);
            }
        }
        Cell::Text(s.to_string())
    }

    /// Nothing in it but spaces.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The value as the clerk sees it in Excel, for messages (a long text cut).
    pub fn shown(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => domain::clip(s.trim(), QUOTED_CHARS),
            Cell::TooLong(n) => format!("（{n} 个字的文字）"),
            Cell::Number(f) => excel_general(*f),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Cell::Error(e) => e.clone(),
        }
    }
}

/// A number as Excel's General format shows it in a normal column: integers up to 11
/// digits in full, larger ones as 4.40305E+17.
pub fn excel_general(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e11 {
        return format!("{}", f as i64);
    }
    if f.abs() < 1e11 && f.abs() >= 1e-4 {
        let s = format!("{f:.9}");
        return s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    let exp = f.abs().log10().floor() as i32;
    let mantissa = f / 10f64.powi(exp);
    let m = format!("{mantissa:.5}");
    let m = m.trim_end_matches('0').trim_end_matches('.');
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{m}E{sign}{:02}", exp.abs())
}

/// How a field's text is taken from a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// Free text: a number cell is written as Excel shows it.
    Plain,
    /// A long digit string (ID number, bank account): a number cell or a text in scientific
    /// notation has lost digits. `what` names the field in the message.
    LongDigits { what: &'static str },
    /// A phone number: an 11-digit number cell is exact.
    Digits,
}

/// `4.40305E+17`, `4.403051990E17`, `4,40305E+17`: what Excel shows for a long number.
pub fn looks_scientific(s: &str) -> bool {
    let s = s.trim();
    let Some((mantissa, exp)) = s.split_once(['E', 'e']) else {
        return false;
    };
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    let mut parts = mantissa.splitn(2, ['.', ',']);
    let whole = parts.next().unwrap_or_default();
    let frac = parts.next().unwrap_or("0");
    !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && frac.chars().all(|c| c.is_ascii_digit())
        && !exp.is_empty()
        && exp.chars().all(|c| c.is_ascii_digit())
}

fn lost_digits(what: &str, shown: &str) -> String {
    format!(
        "{what}被 Excel 存成了数字（显示为 {shown}），后几位已经丢失，无法还原：请把这一列设为“文本”格式后重新输入号码（或在号码前加英文单引号 '）"
    )
}

/// The text of a cell for a field, trimmed; `Err` says what is wrong in Chinese.
pub fn text_of(cell: &Cell, kind: TextKind) -> Result<String, String> {
    match (cell, kind) {
        (Cell::Empty, _) => Ok(String::new()),
        (Cell::Error(e), _) => Err(format!("单元格是错误值 {e}（公式出错）：请改正公式或直接填写内容")),
        (Cell::TooLong(n), _) => Err(format!(
            "单元格里有 {n} 个字，远超任何一项能填的长度（最多 {MAX_CELL_CHARS} 个字才会读取）：请检查这一格是否填错或粘贴了别的内容"
        )),
        (Cell::Text(s), TextKind::Plain) => Ok(s.trim().to_string()),
        (Cell::Text(s), TextKind::LongDigits { what }) => {
            let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
            let s = s.trim_start_matches(['\'', '‘', '’']).to_string();
            if looks_scientific(&s) {
                return Err(format!(
                    "{what}是科学计数法“{}”，后几位已经丢失，无法还原：请把这一列设为“文本”格式后重新输入号码",
                    domain::clip(&s, QUOTED_CHARS)
                ));
            }
            Ok(s)
        }
        (Cell::Text(s), TextKind::Digits) => {
            let s: String = s.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
            Ok(s.trim_start_matches(['\'', '‘', '’']).to_string())
        }
        (Cell::Number(f), TextKind::LongDigits { what }) if f.abs() >= EXACT_DIGITS_BELOW => {
            Err(lost_digits(what, &excel_general(*f)))
        }
        (Cell::Number(f), _) if f.fract() == 0.0 && f.abs() < EXACT_DIGITS_BELOW => Ok(format!("{}", *f as i64)),
        (Cell::Number(f), _) => Ok(excel_general(*f)),
        (Cell::Date(d), _) => Ok(d.format("%Y-%m-%d").to_string()),
        (Cell::Bool(b), _) => Ok(if *b { "是" } else { "否" }.to_string()),
    }
}

/// A date from a date cell, an Excel serial number (46357), yyyymmdd, or text in the usual
/// forms (2026-11-01, 2026/11/1, 2026.11.01, 2026年11月1日). `Ok(None)` for an empty cell.
pub fn date_of(cell: &Cell) -> Result<Option<NaiveDate>, String> {
    let bad = |shown: &str| {
        format!(
            "“{}”不是日期：请写成 2026-11-01 这样的日期，或设为日期格式",
            domain::clip(shown, QUOTED_CHARS)
        )
    };
    match cell {
        Cell::Empty => Ok(None),
        Cell::Date(d) => Ok(Some(*d)),
        Cell::Number(f) => date_from_number(*f).map(Some).ok_or_else(|| bad(&excel_general(*f))),
        Cell::Text(s) if s.trim().is_empty() => Ok(None),
        Cell::Text(s) => date_from_text(s.trim()).map(Some).ok_or_else(|| bad(s.trim())),
        Cell::Bool(_) | Cell::Error(_) | Cell::TooLong(_) => Err(bad(&cell.shown())),
    }
}

fn plausible(d: NaiveDate) -> Option<NaiveDate> {
    use chrono::Datelike;
    (1900..=2100).contains(&d.year()).then_some(d)
}

fn date_from_number(f: f64) -> Option<NaiveDate> {
    if f.fract() == 0.0 && (19000101.0..=21001231.0).contains(&f) {
        return yyyymmdd(&format!("{}", f as i64));
    }
    if !(1.0..2958466.0).contains(&f) {
        return None;
    }
    // The 1900 date system: what a date cell whose format was lost holds.
    let dt = calamine::ExcelDateTime::new(f.floor(), calamine::ExcelDateTimeType::DateTime, false);
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    NaiveDate::from_ymd_opt(y.into(), m.into(), d.into()).and_then(plausible)
}

fn yyyymmdd(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 || !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    NaiveDate::from_ymd_opt(s[..4].parse().ok()?, s[4..6].parse().ok()?, s[6..].parse().ok()?).and_then(plausible)
}

fn date_from_text(s: &str) -> Option<NaiveDate> {
    // A time after the date (2026-11-01 00:00:00, 2026-11-01T08:00) is not part of it.
    let date = s.split([' ', 'T']).next().unwrap_or(s);
    if date.chars().all(|c| c.is_ascii_digit()) {
        return match date.len() {
            8 => yyyymmdd(date),
            1..=7 => date.parse::<f64>().ok().and_then(date_from_number),
            _ => None,
        };
    }
    let unified: String = date
        .chars()
        .map(|c| match c {
            '/' | '.' | '年' | '月' | '－' | '／' | '．' => '-',
            c => c,
        })
        .filter(|c| *c != '日')
        .collect();
    let parts: Vec<&str> = unified.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    if y.len() != 4 || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).and_then(plausible)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn long_numbers_are_shown_as_excel_shows_them_and_refused() {
        assert_eq!(excel_general(440305199001011234.0), "4.40305E+17");
        assert_eq!(excel_general(440300199001011234.0), "4.403E+17");
        assert_eq!(excel_general(13800138000.0), "13800138000");
        assert_eq!(excel_general(6222021234567890.0), "6.22202E+15");
        assert_eq!(excel_general(2.0), "2");
        let id = TextKind::LongDigits {
            what: "身份证号码"
        };
        let e = text_of(&Cell::Number(440305199001011234.0), id).expect_err("lost");
        assert!(e.contains("4.40305E+17") && e.contains("文本"), "{e}");
        let e = text_of(&Cell::Text("4.40305E+17".into()), id).expect_err("lost");
        assert!(e.contains("科学计数法"), "{e}");
        assert!(looks_scientific("4,40305E+17") && looks_scientific("4.4e17") && !looks_scientific("44030E"));
        // Fifteen digits (an old ID) are exact in a number cell.
        assert_eq!(
            text_of(&Cell::Number(440305900101123.0), id).as_deref(),
            Ok("440305900101123")
        );
        assert_eq!(
            text_of(&Cell::Text(" 4403 0519 ".into()), id).as_deref(),
            Ok("44030519")
        );
        assert_eq!(text_of(&Cell::Text("'44030519".into()), id).as_deref(), Ok("44030519"));
        assert_eq!(
            text_of(&Cell::Number(13800138000.0), TextKind::Digits).as_deref(),
            Ok("13800138000")
        );
        assert_eq!(
            text_of(&Cell::Text("138-0013-8000".into()), TextKind::Digits).as_deref(),
            Ok("13800138000")
        );
        assert_eq!(text_of(&Cell::Number(1.0), TextKind::Plain).as_deref(), Ok("1"));
        assert!(text_of(&Cell::Error("#N/A".into()), TextKind::Plain).is_err());
    }

    #[test]
    fn dates_in_every_usual_form() {
        let want = ymd(2026, 11, 1);
        for text in [
            "2026-11-01",
            "2026/11/1",
            "2026.11.01",
            "2026年11月1日",
            "20261101",
            "2026-11-01 00:00:00",
            "46327",
        ] {
            assert_eq!(date_of(&Cell::Text(text.into())), Ok(want), "{text}");
        }
        assert_eq!(date_of(&Cell::Number(46327.0)), Ok(want), "a serial");
        assert_eq!(date_of(&Cell::Number(20261101.0)), Ok(want), "yyyymmdd as a number");
        assert_eq!(date_of(&Cell::Date(want.expect("date"))), Ok(want));
        assert_eq!(date_of(&Cell::Empty), Ok(None));
        for bad in ["2026-13-01", "明天", "11/01/2026", "2026-11"] {
            assert!(date_of(&Cell::Text(bad.into())).is_err(), "{bad}");
        }
        assert!(date_of(&Cell::Number(-3.0)).is_err());
    }

    #[test]
    fn a_huge_text_is_not_kept_and_messages_quote_a_little() {
        let huge = "字".repeat(MAX_CELL_CHARS + 1);
        assert_eq!(Cell::text(&huge), Cell::TooLong(MAX_CELL_CHARS + 1));
        assert!(Cell::text(&"字".repeat(MAX_CELL_CHARS)).shown().chars().count() < 60);
        let e = text_of(&Cell::TooLong(1_000_000), TextKind::Plain).expect_err("refused");
        assert!(e.contains("1000000 个字"), "{e}");
        let long_date = Cell::Text("x".repeat(900));
        let e = date_of(&long_date).expect_err("not a date");
        assert!(e.chars().count() < 150, "{e}");
        let sci = format!("1{}E5", "0".repeat(900));
        let e = text_of(
            &Cell::Text(sci),
            TextKind::LongDigits {
                what: "身份证号码"
            },
        )
        .expect_err("lost");
        assert!(e.chars().count() < 150, "{e}");
    }
}
