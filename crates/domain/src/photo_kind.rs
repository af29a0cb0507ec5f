//! The photos a record carries, named as the clerk and the platform name them.

/// What a photo is used for; decides its size budget and how the UI names it.
/// `Ord` so callers can key ordered maps (the outbox keeps photos in a `BTreeMap`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum PhotoKind {
    Face,
    IdPortrait,
    IdScanFront,
    IdScanBack,
    Site,
}

impl PhotoKind {
    pub const ALL: [PhotoKind; 5] = [
        PhotoKind::Face,
        PhotoKind::IdPortrait,
        PhotoKind::IdScanFront,
        PhotoKind::IdScanBack,
        PhotoKind::Site,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PhotoKind::Face => "人脸照片",
            PhotoKind::IdPortrait => "身份证芯片照片",
            PhotoKind::IdScanFront => "身份证正面扫描件",
            PhotoKind::IdScanBack => "身份证反面扫描件",
            PhotoKind::Site => "现场照片",
        }
    }
}

impl PhotoKind {
    /// The key the store keeps it under (stable across versions).
    pub fn key(self) -> &'static str {
        match self {
            PhotoKind::Face => "face",
            PhotoKind::IdPortrait => "id_portrait",
            PhotoKind::IdScanFront => "id_scan_front",
            PhotoKind::IdScanBack => "id_scan_back",
            PhotoKind::Site => "site",
        }
    }

    pub fn from_key(key: &str) -> Option<PhotoKind> {
        PhotoKind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// The smallest side a photo of this kind may have: a face smaller than 100×100 px
    /// cannot be compared with the card (the chip portrait itself is 102×126).
    pub fn min_side_px(self) -> u32 {
        match self {
            PhotoKind::Face | PhotoKind::Site => 100,
            PhotoKind::IdPortrait | PhotoKind::IdScanFront | PhotoKind::IdScanBack => 1,
        }
    }
}
