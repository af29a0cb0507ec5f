//! Unified social credit codes (统一社会信用代码), GB 32100-2015.

/// The 31-symbol alphabet; I, O, Z, S and V are left out because they are easily
/// confused with 1, 0, 2, 5 and U.
const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// 3^(i-1) mod 31 for positions 1..=17.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Validates a code as typed; returns it trimmed and upper-cased.
pub fn validate_uscc(input: &str) -> Result<String, String> {
    let code = input.trim().to_uppercase();
    let chars: Vec<char> = code.chars().collect();
    if chars.is_empty() {
        return Err("统一社会信用代码为空：请按营业执照上的 18 位代码输入".to_string());
    }
    if chars.len() != 18 {
        return Err(format!(
            "统一社会信用代码应为 18 位，输入的是 {} 位：请对照营业执照逐位核对，检查是否漏输或多输",
            chars.len()
        ));
    }
    let mut values = [0u32; 18];
    for (i, c) in chars.iter().enumerate() {
        match value_of(*c) {
            Some(v) => values[i] = v,
            None => return Err(illegal_char(i + 1, *c)),
        }
    }
    let expected_value = check_value(&values[..17]);
    if values[17] != expected_value {
        let expected = symbol(expected_value);
        return Err(format!(
            "统一社会信用代码校验位不对（应为 {expected}，输入的是 {}）：请对照营业执照逐位核对",
            chars[17]
        ));
    }
    Ok(code)
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

fn illegal_char(position: usize, c: char) -> String {
    let hint = match c {
        'I' => "代码中不使用字母 I，可能是数字 1".to_string(),
        'O' => "代码中不使用字母 O，可能是数字 0".to_string(),
        'Z' => "代码中不使用字母 Z，可能是数字 2".to_string(),
        'S' => "代码中不使用字母 S，可能是数字 5".to_string(),
        'V' => "代码中不使用字母 V，可能是字母 U".to_string(),
        c if !c.is_ascii() => "请切换到半角（英文）输入法重新输入".to_string(),
        _ => "代码只能包含数字和除 I、O、Z、S、V 以外的大写字母".to_string(),
    };
    format!("统一社会信用代码第 {position} 位“{c}”不是合法字符：{hint}，请对照营业执照核对")
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
        let e = validate_uscc("91350100M000100Y44").unwrap_err();
        assert!(e.contains("应为 3") && e.contains("输入的是 4"), "{e}");
        let e = validate_uscc("914403001922038217").unwrap_err();
        assert!(e.contains("应为 6"), "{e}");
        let e = validate_uscc("91440300708461136U").unwrap_err();
        assert!(e.contains("应为 T"), "{e}");
        let e = validate_uscc("91110000802100433A").unwrap_err();
        assert!(e.contains("应为 B"), "{e}");
    }

    #[test]
    fn check_value_zero_maps_to_0() {
        // Sum ≡ 0 (mod 31) must give check '0', not an index of 31.
        // 91310000MA1FL3L98 has sum ≡ 0; the correct code ends in 0 (python3).
        assert_eq!(validate_uscc("91310000MA1FL3L980").as_deref(), Ok("91310000MA1FL3L980"));
        assert!(validate_uscc("91310000MA1FL3L98X").unwrap_err().contains("应为 0"));
    }

    #[test]
    fn wrong_length() {
        let e = validate_uscc("9135010M000100Y43").unwrap_err();
        assert!(e.contains("输入的是 17 位"), "{e}");
        assert!(validate_uscc("").unwrap_err().contains("为空"));
    }

    #[test]
    fn illegal_characters_name_char_and_position() {
        let e = validate_uscc("91350100MOOO100Y43").unwrap_err();
        assert!(e.contains("第 10 位“O”") && e.contains("数字 0"), "{e}");
        let e = validate_uscc("9135010OM000100Y43").unwrap_err();
        assert!(e.contains("第 8 位"), "{e}");
        let e = validate_uscc("91350100M000100Y4-").unwrap_err();
        assert!(e.contains("第 18 位“-”"), "{e}");
        let e = validate_uscc("９1350100M000100Y43").unwrap_err();
        assert!(e.contains("半角"), "{e}");
    }
}
