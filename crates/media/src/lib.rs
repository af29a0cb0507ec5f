//! Photos and cameras: everything that turns pixels into the Base64 JPEG the platform takes.

pub mod camera;
pub mod photo;
pub mod watermark;

pub use photo::*;

/// Noto Sans SC cut to GBK (OFL): the window's Chinese glyphs and the watermark's digits.
pub const CJK_FONT: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSC-Regular-GBK.otf");
