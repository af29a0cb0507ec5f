//! The chip's text block: 256 bytes of UCS-2 little-endian characters, fields space-padded at
//! fixed offsets (the public-security SDKs' `SDT_ReadBaseMsg`, or `wz.txt`).

use chrono::NaiveDate;
use serde::Serialize;

use domain::{IdValidity, Sex};

/// Byte offset and length of each field.
const NAME: (usize, usize) = (0, 30);
const SEX: (usize, usize) = (30, 2);
const NATION: (usize, usize) = (32, 4);
const BIRTH: (usize, usize) = (36, 16);
const ADDRESS: (usize, usize) = (52, 70);
const ID_NUMBER: (usize, usize) = (122, 36);
const OFFICE: (usize, usize) = (158, 30);
const VALID_FROM: (usize, usize) = (188, 16);
const VALID_TO: (usize, usize) = (204, 16);
/// A character here marks the card kind (`J`, `I`); a resident card leaves it blank.
const KIND_MARK: usize = 248;

pub const BLOCK_BYTES: usize = 256;
/// The fingerprint data a reader may hand over after the text (`SDT_ReadBaseFPMsg`'s two
/// 512-byte templates). Whatever is longer than the text and this is not a card's text.
pub const FINGERPRINT_BYTES: usize = 1024;
pub const MAX_TEXT_BYTES: usize = BLOCK_BYTES + FINGERPRINT_BYTES;

/// Which card was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CardKind {
    /// 居民身份证
    Resident,
    /// 港澳台居民居住证 (`J`): the same layout, no ethnic group.
    HkMacaoTaiwanResidence,
}

impl CardKind {
    pub fn label(self) -> &'static str {
        match self {
            CardKind::Resident => "居民身份证",
            CardKind::HkMacaoTaiwanResidence => "港澳台居民居住证",
        }
    }
}

/// What the card says, checked: the ID number passes GB 11643 and agrees with the birth date
/// and sex written beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardText {
    pub kind: CardKind,
    pub name: String,
    pub sex: Sex,
    /// The ethnic group's name as the platform takes it (汉, 维吾尔 …); empty on a `J` card.
    pub nation: String,
    pub birth_date: NaiveDate,
    pub address: String,
    pub id_number: String,
    pub issuing_office: String,
    pub validity: IdValidity,
}

/// Why a block is not a card the station can use; shown to the clerk as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    #[error("读到的卡片数据不完整（{0} 字节，应为 256 字节）：请把身份证重新放到读卡器上")]
    Short(usize),
    #[error(
        "读到的卡片数据太长（{0} 字节，身份证的文字信息是 256 字节，连指纹最多 1280 字节），不是读卡器读出的身份证数据：请检查“设置”里的读卡文件夹或驱动库是否选对"
    )]
    TooLong(usize),
    #[error("这是外国人永久居留身份证，本工作站暂不能读取这种证件：请手工录入")]
    ForeignPermanentResident,
    #[error("读到的是未知种类的证件（标记“{0}”）：请手工录入")]
    UnknownKind(char),
    #[error("卡片上的{field}读不出来（“{value}”）：请把身份证重新放好再读一次，仍不行请手工录入")]
    Unreadable { field: &'static str, value: String },
    #[error("卡片上的{field}里有{what}，真的身份证上不会有，这张卡可能被改过或已损坏：请核对证件后手工录入")]
    Hidden { field: &'static str, what: String },
    #[error("卡片上的身份证号码不对（{0}）：这张卡可能已损坏，请手工录入并核对证件")]
    BadNumber(String),
    #[error("卡片上的{field}与身份证号码不一致（卡上 {on_card}，号码中 {in_number}）：请核对证件真伪")]
    Disagrees {
        field: &'static str,
        on_card: String,
        in_number: String,
    },
}

/// UCS-2 LE characters of `block[offset..offset+len]`, with padding (spaces, NULs) trimmed.
fn field(block: &[u8], (offset, len): (usize, usize)) -> String {
    let units: Vec<u16> = block[offset..offset + len]
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    String::from_utf16_lossy(&units)
        .trim_matches(|c: char| c == ' ' || c == '\0' || c == '\u{3000}')
        .to_string()
}

fn date(text: &str, field: &'static str) -> Result<NaiveDate, CardError> {
    NaiveDate::parse_from_str(text, "%Y%m%d").map_err(|_| CardError::Unreadable {
        field,
        value: text.to_string(),
    })
}

/// Parses and checks the 256-byte block.
pub fn parse_block(block: &[u8]) -> Result<CardText, CardError> {
    if block.len() < BLOCK_BYTES {
        return Err(CardError::Short(block.len()));
    }
    if block.len() > MAX_TEXT_BYTES {
        return Err(CardError::TooLong(block.len()));
    }
    let mark = field(block, (KIND_MARK, 2));
    let kind = match mark.as_str() {
        "" => CardKind::Resident,
        "J" => CardKind::HkMacaoTaiwanResidence,
        "I" => return Err(CardError::ForeignPermanentResident),
        other => return Err(CardError::UnknownKind(other.chars().next().unwrap_or('?'))),
    };
    let unreadable = |field: &'static str, value: String| CardError::Unreadable { field, value };
    let name = field(block, NAME);
    if name.is_empty() {
        return Err(unreadable("姓名", name));
    }
    let sex = match field(block, SEX).as_str() {
        "1" => Sex::Male,
        "2" => Sex::Female,
        other => return Err(unreadable("性别", other.to_string())),
    };
    let nation_code = field(block, NATION);
    let nation = match (kind, nation_code.as_str()) {
        (CardKind::HkMacaoTaiwanResidence, _) => String::new(),
        (_, "97") => "其他".to_string(),
        (_, "98") => "外国血统中国籍人士".to_string(),
        (_, code) => domain::ETHNIC_GROUPS
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, n)| n.to_string())
            .ok_or_else(|| unreadable("民族", code.to_string()))?,
    };
    let birth_date = date(&field(block, BIRTH), "出生日期")?;
    let address = field(block, ADDRESS);
    let number = field(block, ID_NUMBER);
    let id = domain::parse_id_number(&number).map_err(|e| CardError::BadNumber(e.to_string()))?;
    if id.upgraded_from_15 {
        return Err(CardError::BadNumber(format!("卡上是 15 位号码 {number}")));
    }
    if id.birth_date != birth_date {
        return Err(CardError::Disagrees {
            field: "出生日期",
            on_card: birth_date.format("%Y-%m-%d").to_string(),
            in_number: id.birth_date.format("%Y-%m-%d").to_string(),
        });
    }
    if id.sex != sex {
        return Err(CardError::Disagrees {
            field: "性别",
            on_card: sex.label().to_string(),
            in_number: id.sex.label().to_string(),
        });
    }
    let issuing_office = field(block, OFFICE);
    // The form's rule for typed text holds for the chip's: what is shown must be what is sent.
    for (field, value) in [("姓名", &name), ("住址", &address), ("签发机关", &issuing_office)] {
        if let Some(c) = value.chars().find(|c| domain::text::is_hidden(*c)) {
            return Err(CardError::Hidden {
                field,
                what: domain::text::hidden_name(c),
            });
        }
    }
    let from = date(&field(block, VALID_FROM), "有效期起始日")?;
    let to_text = field(block, VALID_TO);
    let end = if to_text == "长期" {
        None
    } else {
        Some(date(&to_text, "有效期截止日")?)
    };
    Ok(CardText {
        kind,
        name,
        sex,
        nation,
        birth_date,
        address,
        id_number: id.code,
        issuing_office,
        validity: IdValidity { start: from, end },
    })
}

/// Writes a block the way a chip holds it (for the demo reader's prepared cards; the tests
/// build theirs byte by byte instead).
pub fn encode_block(text: &CardText, nation_code: &str) -> [u8; BLOCK_BYTES] {
    let mut block = [0u8; BLOCK_BYTES];
    let mut put = |(offset, len): (usize, usize), value: &str| {
        let mut units: Vec<u16> = value.encode_utf16().collect();
        units.resize(len / 2, u16::from(b' '));
        for (i, u) in units.into_iter().take(len / 2).enumerate() {
            block[offset + 2 * i..offset + 2 * i + 2].copy_from_slice(&u.to_le_bytes());
        }
    };
    put(NAME, &text.name);
    put(SEX, if text.sex == Sex::Male { "1" } else { "2" });
    put(NATION, nation_code);
    put(BIRTH, &text.birth_date.format("%Y%m%d").to_string());
    put(ADDRESS, &text.address);
    put(ID_NUMBER, &text.id_number);
    put(OFFICE, &text.issuing_office);
    put(VALID_FROM, &text.validity.start.format("%Y%m%d").to_string());
    let to = text
        .validity
        .end
        .map_or("长期".to_string(), |e| e.format("%Y%m%d").to_string());
    put(VALID_TO, &to);
    put((220, 36), "");
    if text.kind == CardKind::HkMacaoTaiwanResidence {
        block[KIND_MARK..KIND_MARK + 2].copy_from_slice(&u16::from(b'J').to_le_bytes());
    }
    block
}

#[cfg(test)]
mod tests;
