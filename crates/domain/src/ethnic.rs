//! The 56 ethnic groups (民族) with their GB 3304-1991 codes.

/// (GB 3304 two-digit code, name as printed on ID cards without the trailing 族),
/// in code order 01..=56.
pub const ETHNIC_GROUPS: [(&str, &str); 56] = [
    ("01", "汉"),
    ("02", "蒙古"),
    ("03", "回"),
    ("04", "藏"),
    ("05", "维吾尔"),
    ("06", "苗"),
    ("07", "彝"),
    ("08", "壮"),
    ("09", "布依"),
    ("10", "朝鲜"),
    ("11", "满"),
    ("12", "侗"),
    ("13", "瑶"),
    ("14", "白"),
    ("15", "土家"),
    ("16", "哈尼"),
    ("17", "哈萨克"),
    ("18", "傣"),
    ("19", "黎"),
    ("20", "傈僳"),
    ("21", "佤"),
    ("22", "畲"),
    ("23", "高山"),
    ("24", "拉祜"),
    ("25", "水"),
    ("26", "东乡"),
    ("27", "纳西"),
    ("28", "景颇"),
    ("29", "柯尔克孜"),
    ("30", "土"),
    ("31", "达斡尔"),
    ("32", "仫佬"),
    ("33", "羌"),
    ("34", "布朗"),
    ("35", "撒拉"),
    ("36", "毛南"),
    ("37", "仡佬"),
    ("38", "锡伯"),
    ("39", "阿昌"),
    ("40", "普米"),
    ("41", "塔吉克"),
    ("42", "怒"),
    ("43", "乌孜别克"),
    ("44", "俄罗斯"),
    ("45", "鄂温克"),
    ("46", "德昂"),
    ("47", "保安"),
    ("48", "裕固"),
    ("49", "京"),
    ("50", "塔塔尔"),
    ("51", "独龙"),
    ("52", "鄂伦春"),
    ("53", "赫哲"),
    ("54", "门巴"),
    ("55", "珞巴"),
    ("56", "基诺"),
];

/// GB 3304 code for a name as printed on the card, with or without 族
/// ("汉" and "汉族" both give "01").
pub fn ethnic_code(name: &str) -> Option<&'static str> {
    let name = name.trim();
    let bare = name.strip_suffix('族').unwrap_or(name);
    ETHNIC_GROUPS.iter().find(|(_, n)| *n == bare).map(|(code, _)| *code)
}

pub fn is_ethnic_name(name: &str) -> bool {
    ethnic_code(name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sequential_and_names_unique() {
        for (i, (code, name)) in ETHNIC_GROUPS.iter().enumerate() {
            assert_eq!(*code, format!("{:02}", i + 1));
            assert!(!name.ends_with('族'), "{name}");
            assert_eq!(ETHNIC_GROUPS.iter().filter(|(_, n)| n == name).count(), 1);
        }
    }

    #[test]
    fn known_codes() {
        assert_eq!(ethnic_code("汉"), Some("01"));
        assert_eq!(ethnic_code("汉族"), Some("01"));
        assert_eq!(ethnic_code(" 壮族 "), Some("08"));
        assert_eq!(ethnic_code("朝鲜族"), Some("10"));
        assert_eq!(ethnic_code("土家"), Some("15"));
        assert_eq!(ethnic_code("土"), Some("30"));
        assert_eq!(ethnic_code("维吾尔族"), Some("05"));
        assert_eq!(ethnic_code("基诺族"), Some("56"));
    }

    #[test]
    fn unknown_names() {
        assert_eq!(ethnic_code(""), None);
        assert_eq!(ethnic_code("族"), None);
        assert_eq!(ethnic_code("汉族族"), None);
        assert_eq!(ethnic_code("穿青"), None);
        assert!(is_ethnic_name("回族"));
        assert!(is_ethnic_name("蒙古"));
        assert!(!is_ethnic_name("蒙"));
        assert!(!is_ethnic_name("Han"));
    }
}
