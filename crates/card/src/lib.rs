//! The second-generation ID-card reader: the chip's text block parsed into a checked record,
//! its portrait decoded to the chip-photo JPEG, and the drivers (the vendor's SDK library, a
//! folder the vendor's tool writes into, the demo's prepared cards) behind one trait, like the
//! camera. The card's data is personal: it is never logged whole (ID numbers are masked).

mod block;
mod demo;
mod folder;
pub mod poller;
mod sdk;

use std::path::{Path, PathBuf};

use base64::Engine;
use serde::{Deserialize, Serialize};

pub use block::{
    BLOCK_BYTES, CardError, CardKind, CardText, FINGERPRINT_BYTES, MAX_TEXT_BYTES, encode_block, parse_block,
};
pub use demo::{DemoCards, DemoReader};
pub use folder::{FolderReader, read_folder};
pub use sdk::{SdkReader, default_library};

use domain::{Worker, WorkerField};
use media::NormalizedPhoto;

/// What a reader hands over: the text block and, when it could decode one, the portrait BMP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCard {
    pub text: Vec<u8>,
    pub portrait_bmp: Option<Vec<u8>>,
}

/// Why a reader gave no card.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReaderError {
    /// No reader (library missing, nothing on the ports, folder missing): exit 3.
    #[error("{0}")]
    NoReader(String),
    /// The reader is there but the read failed.
    #[error("{0}")]
    Failed(String),
}

/// One reader, polled: `Ok(None)` when no (new) card lies on it.
pub trait CardReader: Send {
    fn poll(&mut self) -> Result<Option<RawCard>, ReaderError>;
    /// Which reader this is, for the clerk.
    fn describe(&self) -> String;
}

/// A card read and checked, with its portrait as the chip-photo JPEG.
#[derive(Debug, Clone, PartialEq)]
pub struct CardRead {
    pub text: CardText,
    pub portrait: Option<NormalizedPhoto>,
}

/// Why a read card cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Card(#[from] CardError),
    #[error("芯片照片解不开：{0}")]
    Portrait(String),
}

/// Checks the block and decodes the portrait within `portrait_budget` bytes.
pub fn read_card(raw: RawCard, portrait_budget: usize) -> Result<CardRead, ReadError> {
    let text = parse_block(&raw.text)?;
    let portrait = match raw.portrait_bmp {
        Some(bmp) => {
            Some(media::normalize_photo(&bmp, portrait_budget).map_err(|e| ReadError::Portrait(e.to_string()))?)
        }
        None => None,
    };
    Ok(CardRead { text, portrait })
}

impl CardText {
    /// Fills the worker's fields the card carries; returns which ones (they are then shown
    /// as "from the card"). A `J` card has no ethnic group: the clerk picks it.
    pub fn fill(&self, w: &mut Worker) -> Vec<WorkerField> {
        let mut filled = vec![
            WorkerField::IdCode,
            WorkerField::EmpName,
            WorkerField::EmpNativeplace,
            WorkerField::IdAgency,
            WorkerField::IdValiddate,
        ];
        w.id_code = self.id_number.clone();
        w.emp_name = self.name.clone();
        w.emp_nativeplace = self.address.clone();
        w.id_agency = self.issuing_office.clone();
        w.id_validdate = self.validity.to_card_string();
        if !self.nation.is_empty() {
            w.emp_nation = self.nation.clone();
            filled.push(WorkerField::EmpNation);
        }
        filled
    }
}

/// The card with the platform's keys, for `cwr-station card read --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardJson {
    pub emp_name: String,
    /// 男 / 女
    pub gender: String,
    /// The name (汉); empty on a residence permit for Hong Kong, Macao and Taiwan residents.
    pub emp_nation: String,
    /// yyyy-MM-dd
    pub birth_date: String,
    pub emp_nativeplace: String,
    pub id_code: String,
    pub id_agency: String,
    /// `yyyy.MM.dd-yyyy.MM.dd` or `yyyy.MM.dd-长期`
    pub id_validdate: String,
    /// Base64 JPEG within the chip-photo budget; absent when the reader gave no portrait.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_photo: Option<String>,
    pub card_kind: String,
}

impl CardRead {
    pub fn to_json(&self) -> CardJson {
        let t = &self.text;
        CardJson {
            emp_name: t.name.clone(),
            gender: t.sex.label().into(),
            emp_nation: t.nation.clone(),
            birth_date: t.birth_date.format("%Y-%m-%d").to_string(),
            emp_nativeplace: t.address.clone(),
            id_code: t.id_number.clone(),
            id_agency: t.issuing_office.clone(),
            id_validdate: t.validity.to_card_string(),
            id_photo: self
                .portrait
                .as_ref()
                .map(|p| base64::engine::general_purpose::STANDARD.encode(&p.jpeg)),
            card_kind: t.kind.label().into(),
        }
    }
}

/// Which reader the station uses; part of the settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CardReaderSettings {
    pub driver: CardDriver,
    /// The vendor's library (`sdtapi.dll`, `termb.dll`, `libtermb.so`); empty = the default
    /// name, looked up the system's way.
    pub library: String,
    /// 1001–1016 USB, 1–16 serial; 0 = try them all.
    pub port: i32,
    /// Where the vendor's tool writes `wz.txt` and `zp.bmp`.
    pub folder: String,
    /// Look for a card about twice a second while the enrollment screen is open.
    pub auto_read: bool,
}

impl Default for CardReaderSettings {
    fn default() -> Self {
        CardReaderSettings {
            driver: CardDriver::None,
            library: String::new(),
            port: 0,
            folder: String::new(),
            auto_read: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardDriver {
    /// No reader: the clerk types.
    #[default]
    None,
    /// The vendor's SDK library.
    Sdk,
    /// A folder the vendor's tool writes into.
    Folder,
}

impl CardReaderSettings {
    /// Opens the configured reader. `work_dir` is where the SDK driver decodes portraits.
    pub fn open(&self, work_dir: &Path) -> Result<Box<dyn CardReader>, ReaderError> {
        match self.driver {
            CardDriver::None => Err(ReaderError::NoReader(
                "还没有设置身份证读卡器：请在“设置”里选择读卡器的驱动库或读卡文件夹".into(),
            )),
            CardDriver::Sdk => {
                let lib = if self.library.trim().is_empty() {
                    PathBuf::from(default_library())
                } else {
                    PathBuf::from(self.library.trim())
                };
                Ok(Box::new(SdkReader::load(&lib, self.port, work_dir)?))
            }
            CardDriver::Folder => Ok(Box::new(FolderReader::new(Path::new(self.folder.trim()))?)),
        }
    }
}
