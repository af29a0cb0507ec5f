//! What any text field may hold, as the platform would store it: printable characters only
//! (no control characters, no NUL, no bidi override marks that make a name read differently
//! than it is stored), and no more than the field's documented length.

/// Bidi controls: embeddings, overrides, isolates and the implicit marks. Pasted from a web
/// page or a chat, they make "张三" display as something else than what is sent.
const BIDI_CONTROLS: [char; 12] = [
    '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}',
    '\u{2067}', '\u{2068}', '\u{2069}',
];

/// Why a text was refused, in the clerk's words; `None` when it is fine.
pub fn text_problem(label: &str, value: &str, max_chars: usize) -> Option<String> {
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        let what = hidden_name(c);
        return Some(format!(
            "{label}里有看不见的{what}：平台不能保存，请删掉后重新输入（从别处复制时常带进来）"
        ));
    }
    if let Some(c) = value.chars().find(|c| BIDI_CONTROLS.contains(c)) {
        return Some(format!(
            "{label}里有改变文字方向的隐藏符号 U+{:04X}：显示的和上传的会不一样，请删掉后重新输入",
            u32::from(c)
        ));
    }
    let n = value.chars().count();
    if n > max_chars {
        return Some(format!(
            "{label}太长（{n} 个字，最多 {max_chars} 个）：请按证件或执照上的写法填写"
        ));
    }
    None
}

/// Whether no text may hold `c`: a control character or a bidi mark. Also what the card
/// reader's text is held to (src/card/block.rs).
pub fn is_hidden(c: char) -> bool {
    c.is_control() || BIDI_CONTROLS.contains(&c)
}

/// A character [`is_hidden`] refuses, named for the clerk.
pub fn hidden_name(c: char) -> String {
    match c {
        '\0' => "空字符（NUL）".to_string(),
        '\t' => "制表符".to_string(),
        '\n' | '\r' => "换行".to_string(),
        c if BIDI_CONTROLS.contains(&c) => format!("改变文字方向的隐藏符号 U+{:04X}", u32::from(c)),
        other => format!("控制字符 U+{:04X}", u32::from(other)),
    }
}

/// A value as a message quotes it: whole when short, else its first `max_chars` characters
/// and how long it was, so a 1 MB cell does not become a 1 MB message.
pub fn clip(value: &str, max_chars: usize) -> String {
    match value.char_indices().nth(max_chars) {
        None => value.to_string(),
        Some((cut, _)) => format!("{}…（共 {} 个字）", &value[..cut], value.chars().count()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_value_is_cut_for_a_message() {
        assert_eq!(clip("张三", 2), "张三");
        assert_eq!(clip("张三丰", 2), "张三…（共 3 个字）");
        assert_eq!(clip(&"x".repeat(1_000_000), 3), "xxx…（共 1000000 个字）");
    }

    #[test]
    fn printable_text_within_its_length_passes() {
        assert_eq!(text_problem("姓名", "阿卜杜热合曼·买买提", 50), None);
        assert_eq!(text_problem("姓名", "", 50), None);
        assert_eq!(text_problem("姓名", &"字".repeat(50), 50), None);
    }

    #[test]
    fn control_characters_nul_and_bidi_marks_are_refused() {
        for (value, said) in [
            ("张\u{0}三", "NUL"),
            ("张三\n", "换行"),
            ("张\t三", "制表符"),
            ("张\u{7}三", "U+0007"),
            ("张\u{9B}三", "U+009B"),
            ("\u{202E}三张", "U+202E"),
            ("张三\u{2066}", "U+2066"),
            ("张\u{200F}三", "U+200F"),
        ] {
            let p = text_problem("姓名", value, 50).unwrap_or_else(|| panic!("{value:?} passed"));
            assert!(p.contains(said) && p.starts_with("姓名"), "{value:?}: {p}");
        }
    }

    #[test]
    fn too_long_says_how_long() {
        let p = text_problem("签发机关", &"局".repeat(31), 30).expect("too long");
        assert!(p.contains("31") && p.contains("30"), "{p}");
    }
}
