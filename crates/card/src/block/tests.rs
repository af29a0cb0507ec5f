//! Vectors built byte by byte at the SDK's documented offsets (not with `encode_block`), so
//! a mistake in the offsets cannot hide in both the writer and the reader.

use super::*;

/// A block of UCS-2 LE spaces with `fields` written at their byte offsets.
fn block(fields: &[(usize, &str)]) -> Vec<u8> {
    let mut b: Vec<u8> = [0x20u8, 0x00].repeat(128);
    for (offset, text) in fields {
        for (i, unit) in text.encode_utf16().enumerate() {
            let at = offset + 2 * i;
            b[at] = (unit & 0xFF) as u8;
            b[at + 1] = (unit >> 8) as u8;
        }
    }
    b
}

/// 吴珺, female, Han, born 1992-03-15 in Nanshan; card valid 2018-03-01 to 2038-03-01.
fn resident() -> Vec<(usize, &'static str)> {
    vec![
        (0, "吴珺"),
        (30, "2"),
        (32, "01"),
        (36, "19920315"),
        (52, "广东省深圳市南山区桃园路8号"),
        (122, "440305199203150027"),
        (158, "深圳市公安局南山分局"),
        (188, "20180301"),
        (204, "20380301"),
    ]
}

fn with(mut fields: Vec<(usize, &'static str)>, offset: usize, text: &'static str) -> Vec<(usize, &'static str)> {
    fields.retain(|(o, _)| *o != offset);
    fields.push((offset, text));
    fields
}

#[test]
fn a_resident_card_reads_field_by_field() {
    let card = parse_block(&block(&resident())).expect("valid card");
    assert_eq!(card.kind, CardKind::Resident);
    assert_eq!(card.name, "吴珺", "trailing spaces trimmed");
    assert_eq!(card.sex, Sex::Female);
    assert_eq!(card.nation, "汉");
    assert_eq!(card.birth_date, NaiveDate::from_ymd_opt(1992, 3, 15).expect("date"));
    assert_eq!(card.address, "广东省深圳市南山区桃园路8号");
    assert_eq!(card.id_number, "440305199203150027");
    assert_eq!(card.issuing_office, "深圳市公安局南山分局");
    assert_eq!(card.validity.to_card_string(), "2018.03.01-2038.03.01");
}

#[test]
fn long_term_validity_a_middle_dot_a_full_address_and_nation_05() {
    // A 35-character address fills its field to the last byte.
    let address = "新疆维吾尔自治区乌鲁木齐市天山区解放南路一百二十三号院四号楼五单元二室";
    assert_eq!(address.chars().count(), 35);
    let b = block(&[
        (0, "阿卜杜热合曼·买买提"),
        (30, "1"),
        (32, "05"),
        (36, "19800101"),
        (52, address),
        (122, "650102198001010012"),
        (158, "乌鲁木齐市公安局天山分局"),
        (188, "20150601"),
        (204, "长期"),
    ]);
    let card = parse_block(&b).expect("valid card");
    assert_eq!(card.name, "阿卜杜热合曼·买买提");
    assert_eq!(card.nation, "维吾尔");
    assert_eq!(card.address, address);
    assert_eq!(card.validity.end, None);
    assert_eq!(card.validity.to_card_string(), "2015.06.01-长期");
}

#[test]
fn a_hong_kong_macao_taiwan_residence_permit_reads_without_a_nation() {
    let mut fields = with(resident(), 32, "  ");
    fields = with(fields, 122, "810000199203150028");
    fields.push((248, "J"));
    let card = parse_block(&block(&fields)).expect("J card");
    assert_eq!(card.kind, CardKind::HkMacaoTaiwanResidence);
    assert_eq!(card.nation, "");
    assert_eq!(card.id_number, "810000199203150028");
}

#[test]
fn a_foreign_permanent_resident_card_is_named_and_never_read_into_fields() {
    let mut fields = resident();
    fields.push((248, "I"));
    let err = parse_block(&block(&fields)).expect_err("not read");
    assert_eq!(err, CardError::ForeignPermanentResident);
    assert!(err.to_string().contains("外国人永久居留身份证"));
}

#[test]
fn a_number_that_fails_its_check_or_disagrees_with_the_card_is_refused() {
    let bad_check = with(resident(), 122, "440305199203150026");
    assert!(matches!(parse_block(&block(&bad_check)), Err(CardError::BadNumber(_))));
    let other_birthday = with(resident(), 36, "19920316");
    assert!(matches!(
        parse_block(&block(&other_birthday)),
        Err(CardError::Disagrees {
            field: "出生日期", ..
        })
    ));
    let other_sex = with(resident(), 30, "1");
    assert!(matches!(
        parse_block(&block(&other_sex)),
        Err(CardError::Disagrees { field: "性别", .. })
    ));
    assert!(matches!(
        parse_block(&block(&resident())[..200]),
        Err(CardError::Short(200))
    ));
    let bad_nation = with(resident(), 32, "77");
    assert!(matches!(
        parse_block(&block(&bad_nation)),
        Err(CardError::Unreadable { field: "民族", .. })
    ));
}

#[test]
fn the_demo_encoder_writes_what_the_reader_reads() {
    let card = parse_block(&block(&resident())).expect("valid");
    assert_eq!(encode_block(&card, "01").to_vec(), block(&resident()));
    let mut j = card.clone();
    j.kind = CardKind::HkMacaoTaiwanResidence;
    j.nation = String::new();
    j.id_number = "810000199203150028".into();
    assert_eq!(parse_block(&encode_block(&j, "")).expect("J"), j);
}

#[test]
fn a_block_longer_than_the_text_and_its_fingerprints_is_refused() {
    let text = block(&resident());
    for trailing in [1, FINGERPRINT_BYTES] {
        let mut longer = text.clone();
        longer.resize(BLOCK_BYTES + trailing, 0);
        assert!(parse_block(&longer).is_ok(), "{} bytes", longer.len());
    }
    let mut too_long = text;
    too_long.resize(MAX_TEXT_BYTES + 1, 0);
    let err = parse_block(&too_long).expect_err("too long");
    assert_eq!(err, CardError::TooLong(1281));
    let message = err.to_string();
    assert!(
        message.contains("1281 字节") && message.contains("：请检查"),
        "{message}"
    );
}

#[test]
fn hidden_characters_on_the_chip_are_refused_as_the_form_refuses_them() {
    for (offset, text, field, said) in [
        (0, "吴\u{202E}珺", "姓名", "U+202E"),
        (0, "吴\u{7}珺", "姓名", "U+0007"),
        (0, "吴\u{0}珺", "姓名", "NUL"),
        (52, "广东省深圳市\u{2066}南山区", "住址", "U+2066"),
        (158, "深圳市公安局\u{1B}南山分局", "签发机关", "U+001B"),
    ] {
        let err = parse_block(&block(&with(resident(), offset, text))).expect_err(text);
        assert!(
            matches!(&err, CardError::Hidden { field: f, .. } if *f == field),
            "{text:?}: {err:?}"
        );
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("卡片上的{field}里有")) && message.contains(said) && message.contains("：请"),
            "{message}"
        );
    }
    // NUL padding after a name is the chip's filler, not part of the name.
    let padded = with(resident(), 0, "吴珺\u{0}\u{0}\u{0}");
    assert_eq!(parse_block(&block(&padded)).expect("padded").name, "吴珺");
}
