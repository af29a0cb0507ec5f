//! The SUID the platform asks for, 社会统一信用代码(组织机构代码): the 18-character
//! unified social credit code of GB 32100-2015, or for an old registration the 9-character
//! organisation code of GB 11714-1997 (`XXXXXXXX-X`). Each has its own check character.

use crate::UsccError;

/// The 31-symbol alphabet; I, O, Z, S and V are left out because they are easily
/// confused with 1, 0, 2, 5 and U.
const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// 3^(i-1) mod 31 for positions 1..=17.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Validates a code as typed; returns it trimmed and upper-cased.
pub fn validate_uscc(input: &str) -> Result<String, UsccError> {
    let code = input.trim().to_uppercase();
    let chars: Vec<char> = code.chars().collect();
    if chars.is_empty() {
        return Err(UsccError::Empty);
    }
    if chars.len() != 18 {
        return Err(UsccError::Length(chars.len()));
    }
    let mut values = [0u32; 18];
    for (i, c) in chars.iter().enumerate() {
        match value_of(*c) {
            Some(v) => values[i] = v,
            None => return Err(UsccError::IllegalChar { position: i + 1, c: *c }),
        }
    }
    let expected_value = check_value(&values[..17]);
    if values[17] != expected_value {
        let expected = symbol(expected_value);
        return Err(UsccError::CheckChar {
            expected,
            given: chars[17],
        });
    }
    Ok(code)
}

/// Weights of the organisation code's eight body characters (GB 11714-1997).
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Validates a SUID as typed: an 18-character credit code, or a 9-character organisation
/// code with or without its hyphen. Returns the one form it is kept and sent in: the credit
/// code upper-cased, the organisation code as printed on its certificate, `XXXXXXXX-X`, so
/// that `123456789` and `12345678-9` name one company.
pub fn validate_suid(input: &str) -> Result<String, UsccError> {
    let code = input.trim().to_uppercase();
    let chars: Vec<char> = code.chars().collect();
    let hyphens: Vec<usize> = (0..chars.len()).filter(|&i| is_hyphen(chars[i])).collect();
    match (chars.len(), hyphens.as_slice()) {
        (0, _) => Err(UsccError::SuidEmpty),
        (18, _) => validate_uscc(&code),
        (9, []) => validate_org_code(&chars),
        (10, [8]) => validate_org_code(&[&chars[..8], &chars[9..]].concat()),
        (10, [at]) => Err(UsccError::OrgHyphen(at + 1)),
        (n, _) => Err(UsccError::SuidLength(n)),
    }
}

/// ASCII, full-width and the dash a Chinese input method gives.
fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '－' | '—')
}

/// The nine characters of an organisation code, without its hyphen.
fn validate_org_code(chars: &[char]) -> Result<String, UsccError> {
    let mut sum = 0;
    for (i, c) in chars[..8].iter().enumerate() {
        let value = c
            .to_digit(10)
            .or_else(|| c.is_ascii_uppercase().then(|| *c as u32 - 'A' as u32 + 10));
        let Some(value) = value else {
            return Err(UsccError::OrgIllegalChar { position: i + 1, c: *c });
        };
        sum += value * ORG_WEIGHTS[i];
    }
    let expected = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).unwrap_or('?'),
    };
    if chars[8] != expected {
        return Err(UsccError::OrgCheckChar {
            expected,
            given: chars[8],
        });
    }
    let body: String = chars[..8].iter().collect();
    Ok(format!("{body}-{expected}"))
}

fn check_value(values: &[u32]) -> u32 {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

/// The check character for the first 17 characters of a credit code, `None` if one of them
/// is not in the charset. Sample and test data use it to make valid codes.
pub fn uscc_check_char(body: &str) -> Option<char> {
    let values: Option<Vec<u32>> = body.chars().take(17).map(value_of).collect();
    values.map(|v| symbol(check_value(&v)))
}

fn value_of(c: char) -> Option<u32> {
    CHARSET.chars().position(|x| x == c).map(|p| p as u32)
}

/// `value` is always < 31, the size of the charset.
fn symbol(value: u32) -> char {
    CHARSET.chars().nth(value as usize).unwrap_or('?')
}

#[cfg(test)]
mod tests {
    use super::*;

    // Published codes whose check chars were recomputed with python3 before use.
    const VALID: [&str; 4] = [
        "91350100M000100Y43", // the worked example in GB 32100-2015
        "914403001922038216",
        "91440300708461136T",
        "91110000802100433B",
    ];

    #[test]
    fn published_codes_are_valid() {
        for code in VALID {
            assert_eq!(validate_uscc(code).as_deref(), Ok(code));
        }
    }

    #[test]
    fn normalises_case_and_whitespace() {
        assert_eq!(
            validate_uscc("  91440300708461136t \t").as_deref(),
            Ok("91440300708461136T")
        );
        assert_eq!(validate_uscc("91350100m000100y43").as_deref(), Ok("91350100M000100Y43"));
    }

    #[test]
    fn changed_last_char_is_a_check_error_naming_the_expected_one() {
        let e = validate_uscc("91350100M000100Y44").unwrap_err().to_string();
        assert!(e.contains("应为 3") && e.contains("输入的是 4"), "{e}");
        let e = validate_uscc("914403001922038217").unwrap_err().to_string();
        assert!(e.contains("应为 6"), "{e}");
        let e = validate_uscc("91440300708461136U").unwrap_err().to_string();
        assert!(e.contains("应为 T"), "{e}");
        let e = validate_uscc("91110000802100433A").unwrap_err().to_string();
        assert!(e.contains("应为 B"), "{e}");
    }

    #[test]
    fn check_value_zero_maps_to_0() {
        // Sum ≡ 0 (mod 31) must give check '0', not an index of 31.
        // 91310000MA1FL3L98 has sum ≡ 0; the correct code ends in 0 (python3).
        assert_eq!(validate_uscc("91310000MA1FL3L980").as_deref(), Ok("91310000MA1FL3L980"));
        assert!(
            validate_uscc("91310000MA1FL3L98X")
                .unwrap_err()
                .to_string()
                .contains("应为 0")
        );
    }

    #[test]
    fn wrong_length() {
        let e = validate_uscc("9135010M000100Y43").unwrap_err().to_string();
        assert!(e.contains("输入的是 17 位"), "{e}");
        assert!(validate_uscc("").unwrap_err().to_string().contains("为空"));
    }

    #[test]
    fn a_nine_character_organisation_code_is_taken_with_or_without_its_hyphen() {
        // The organisation codes inside three published credit codes (positions 9–17).
        for (typed, kept) in [
            ("19220382-1", "19220382-1"),
            ("192203821", "19220382-1"),
            (" 70846113－6 ", "70846113-6"),
            ("802100433", "80210043-3"),
        ] {
            assert_eq!(validate_suid(typed).as_deref(), Ok(kept), "{typed}");
        }
        // Letters count 10–35; a check value of 10 is X, of 11 is 0.
        assert_eq!(validate_suid("mA1FL3L5x").as_deref(), Ok("MA1FL3L5-X"));
        assert_eq!(validate_suid("10000018-X").as_deref(), Ok("10000018-X"));
        assert_eq!(validate_suid("100000040").as_deref(), Ok("10000004-0"));
        // The credit code is still taken as it was.
        assert_eq!(validate_suid("91440300708461136t").as_deref(), Ok("91440300708461136T"));
    }

    #[test]
    fn an_organisation_code_is_refused_with_what_is_wrong() {
        let e = validate_suid("19220382-2").unwrap_err().to_string();
        assert!(e.contains("组织机构代码校验位") && e.contains("应为 1"), "{e}");
        let e = validate_suid("1922038-21").unwrap_err().to_string();
        assert!(e.contains("第 8 位之后"), "{e}");
        let e = validate_suid("1922_382-1").unwrap_err().to_string();
        assert!(e.contains("第 5 位“_”"), "{e}");
        let e = validate_suid("12345678").unwrap_err().to_string();
        assert!(e.contains("输入的是 8 位") && e.contains("9 位"), "{e}");
        assert!(validate_suid("").unwrap_err().to_string().contains("为空"));
        assert!(
            validate_suid("91440300708461136U")
                .unwrap_err()
                .to_string()
                .contains("应为 T")
        );
    }

    #[test]
    fn illegal_characters_name_char_and_position() {
        let e = validate_uscc("91350100MOOO100Y43").unwrap_err().to_string();
        assert!(e.contains("第 10 位“O”") && e.contains("数字 0"), "{e}");
        let e = validate_uscc("9135010OM000100Y43").unwrap_err().to_string();
        assert!(e.contains("第 8 位"), "{e}");
        let e = validate_uscc("91350100M000100Y4-").unwrap_err().to_string();
        assert!(e.contains("第 18 位“-”"), "{e}");
        let e = validate_uscc("９1350100M000100Y43").unwrap_err().to_string();
        assert!(e.contains("半角"), "{e}");
    }
}
