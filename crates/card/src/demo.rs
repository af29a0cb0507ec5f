//! The demo's reader: 模拟读卡 places one of a few prepared cards, which the next poll reads,
//! as a real reader would.

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use super::block::{CardKind, CardText, encode_block};
use super::{CardReader, RawCard, ReaderError};
use domain::{IdValidity, Sex};

/// The cards the demo can place, and the one on the reader now.
#[derive(Clone, Default)]
pub struct DemoCards {
    placed: Arc<Mutex<Option<usize>>>,
    next: Arc<Mutex<usize>>,
}

impl DemoCards {
    /// Puts the next prepared card on the reader.
    pub fn place_next(&self) {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        *self.placed.lock().unwrap_or_else(|e| e.into_inner()) = Some(*next % PEOPLE.len());
        *next += 1;
    }

    pub fn reader(&self) -> DemoReader {
        DemoReader { cards: self.clone() }
    }
}

pub struct DemoReader {
    cards: DemoCards,
}

/// (name, sex, nation code, birth yyyymmdd, address, ID number, office, valid from, to)
type Person = (
    &'static str,
    Sex,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const PEOPLE: [Person; 3] = [
    (
        "吴珺",
        Sex::Female,
        "01",
        "19920315",
        "广东省深圳市南山区桃园路8号",
        "440305199203150027",
        "深圳市公安局南山分局",
        "20180301",
        "20380301",
    ),
    (
        "阿卜杜热合曼·买买提",
        Sex::Male,
        "05",
        "19800101",
        "新疆维吾尔自治区乌鲁木齐市天山区解放南路一百二十三号",
        "650102198001010012",
        "乌鲁木齐市公安局天山分局",
        "20150601",
        "长期",
    ),
    (
        "张喆",
        Sex::Male,
        "01",
        "19851120",
        "湖南省长沙市岳麓区麓山南路2号",
        "430104198511200010",
        "长沙市公安局岳麓分局",
        "20200801",
        "20400801",
    ),
];

fn card_of(p: &Person) -> Option<(CardText, &'static str)> {
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y%m%d").ok();
    let (name, sex, nation, birth, address, id, office, from, to) = *p;
    Some((
        CardText {
            kind: CardKind::Resident,
            name: name.into(),
            sex,
            nation: String::new(),
            birth_date: date(birth)?,
            address: address.into(),
            id_number: id.into(),
            issuing_office: office.into(),
            validity: IdValidity {
                start: date(from)?,
                end: if to == "长期" { None } else { Some(date(to)?) },
            },
        },
        nation,
    ))
}

/// A 102×126 chip-style portrait (a plain face-coloured oval), as a BMP.
fn portrait(seed: usize) -> Option<Vec<u8>> {
    let img = image::RgbImage::from_fn(102, 126, |x, y| {
        let (dx, dy) = (x as i32 - 51, y as i32 - 58);
        if dx * dx * 5 + dy * dy * 3 < 40 * 40 * 3 {
            image::Rgb([230, 190 - (seed as u8 * 20), 160])
        } else {
            image::Rgb([240, 244, 250])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Bmp)
        .ok()?;
    Some(out.into_inner())
}

impl CardReader for DemoReader {
    fn poll(&mut self) -> Result<Option<RawCard>, ReaderError> {
        let placed = self.cards.placed.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some(i) = placed else { return Ok(None) };
        let (text, nation) = card_of(&PEOPLE[i]).ok_or_else(|| ReaderError::Failed("演示卡片数据有误".into()))?;
        Ok(Some(RawCard {
            text: encode_block(&text, nation).to_vec(),
            portrait_bmp: portrait(i),
        }))
    }

    fn describe(&self) -> String {
        "模拟读卡器（演示）".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prepared_card_reads_back() {
        let cards = DemoCards::default();
        let mut reader = cards.reader();
        assert!(reader.poll().expect("poll").is_none(), "nothing placed yet");
        for _ in 0..PEOPLE.len() {
            cards.place_next();
            let raw = reader.poll().expect("poll").expect("a card");
            let read = super::super::read_card(raw, 50 * 1024).expect("valid");
            assert!(read.portrait.is_some());
            assert!(reader.poll().expect("poll").is_none(), "read once");
        }
    }
}
