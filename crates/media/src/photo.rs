//! Photo normalisation: any face photo, ID scan or chip portrait the clerk picks (or the
//! camera captures) becomes one upright baseline JPEG under the platform's size limit.
//!
//! The platform rejects oversized Base64 payloads with an opaque error, so the budget here is
//! a hard guarantee: nothing over budget ever leaves this module.

use std::io::Cursor;
use std::path::Path;

use base64::Engine as _;
use image::metadata::Orientation;
use image::{ColorType, DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, RgbImage};

mod jpeg_check;
mod jpeg_scaled;
mod quality;
mod resize;
#[cfg(test)]
mod tests;

use quality::best_quality;
#[cfg(test)]
use quality::{MAX_QUALITY, MIN_QUALITY};
use resize::downscale;

/// Files larger than this are refused before decoding: no sane scan or phone photo is bigger,
/// and reading one would stall the UI and waste memory.
pub const MAX_INPUT_BYTES: u64 = 40 * 1024 * 1024;
/// Longest side accepted from a decoder; larger headers are almost certainly bombs.
pub const MAX_SIDE: u32 = 16_384;
/// 100 MP is four times any phone camera; at 3 bytes/pixel this caps the decode at ~300 MB.
pub const MAX_PIXELS: u64 = 100_000_000;
/// What decoding one photo may hold at once: the pixels as decoded plus their 8-bit RGB copy
/// (checked from the header), and the decoders' own buffers (image's default, made explicit).
const MAX_ALLOC: u64 = 512 * 1024 * 1024;
/// The platform displays photos small; more pixels only cost budget.
pub const MAX_LONG_SIDE: u32 = 1600;
/// Each shrink step when even the lowest quality does not fit.
const SHRINK_FACTOR: f32 = 0.75;
/// A photo smaller than this is useless for identification; give up instead.
const MIN_LONG_SIDE: u32 = 64;

use domain::PhotoKind;

/// Size limits per kind in KB (1 KB = 1024 bytes of JPEG, before Base64).
/// `#[serde(default)]` so an older settings file missing a field keeps the platform default.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct PhotoBudgets {
    pub face_kb: u32,
    pub site_kb: u32,
    pub id_scan_kb: u32,
    pub id_portrait_kb: u32,
}

impl Default for PhotoBudgets {
    fn default() -> Self {
        PhotoBudgets {
            face_kb: 200,
            site_kb: 200,
            id_scan_kb: 500,
            id_portrait_kb: 50,
        }
    }
}

impl PhotoBudgets {
    pub fn bytes_for(&self, kind: PhotoKind) -> usize {
        let kb = match kind {
            PhotoKind::Face => self.face_kb,
            PhotoKind::Site => self.site_kb,
            PhotoKind::IdScanFront | PhotoKind::IdScanBack => self.id_scan_kb,
            PhotoKind::IdPortrait => self.id_portrait_kb,
        };
        kb as usize * 1024
    }
}

/// A JPEG ready to send: upright, at most `MAX_LONG_SIDE` on its long side, within budget.
#[derive(Clone, PartialEq, Eq)]
pub struct NormalizedPhoto {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub quality: u8,
}

impl NormalizedPhoto {
    /// Plain Base64 as the platform wants it (no `data:image/jpeg;base64,` prefix).
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.jpeg)
    }
}

// Hand-written so logs and test failures do not dump hundreds of KB of JPEG bytes.
impl std::fmt::Debug for NormalizedPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NormalizedPhoto")
            .field("bytes", &self.jpeg.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("quality", &self.quality)
            .finish()
    }
}

/// Messages are shown verbatim to clerks: say what is wrong, then what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("这个文件不是照片（支持 JPG、PNG、BMP）：请重新选择照片文件")]
    NotAnImage,
    #[error(
        "照片文件太大（{:.1} MB，最大 40 MB）：请先用画图等软件把照片缩小，或换一张照片",
        *bytes as f64 / 1_048_576.0
    )]
    TooLarge { bytes: u64 },
    #[error("照片尺寸太大（{width}×{height} 像素）：请换一张普通照片，或用画图等软件缩小后再选择")]
    TooManyPixels { width: u32, height: u32 },
    #[error(
        "照片解开后太大（{width}×{height} 像素，每像素 {bytes_per_pixel} 字节，要 {} MB 内存，最多 {} MB）：请用画图等软件把照片缩小或另存为 JPG 后再选择",
        needed_bytes / 1_048_576,
        MAX_ALLOC / 1_048_576
    )]
    TooMuchMemory {
        width: u32,
        height: u32,
        bytes_per_pixel: u8,
        needed_bytes: u64,
    },
    #[error("这不是普通文件，而是{kind}：请选择照片文件本身")]
    NotAFile { kind: &'static str },
    #[error("照片文件已损坏或不完整，无法打开：请重新拍照或重新扫描后再选择（详情：{0}）")]
    Corrupt(String),
    #[error("无法读取照片文件：请确认文件还在、U 盘没有拔出，然后重新选择（详情：{0}）")]
    Io(String),
    #[error("照片无法压缩到平台允许的大小：请换一张背景简单、清晰的照片重试")]
    CannotFitBudget,
    #[error("无法在现场照片上加时间水印：请重新拍照；仍不行请联系技术支持（详情：{0}）")]
    Watermark(String),
    #[error(
        "{what}太小（{width}×{height} 像素，至少要 {min}×{min}）：看不清脸，平台无法比对，请靠近一些重新拍照或换一张清楚的照片"
    )]
    TooSmall {
        what: &'static str,
        width: u32,
        height: u32,
        min: u32,
    },
}

/// Refuses a photo too small for its use (a face under 100×100 px cannot be compared).
pub fn check_min_size(kind: PhotoKind, width: u32, height: u32) -> Result<(), PhotoError> {
    let min = kind.min_side_px();
    if width < min || height < min {
        return Err(PhotoError::TooSmall {
            what: kind.label(),
            width,
            height,
            min,
        });
    }
    Ok(())
}

/// Width and height from an image's header, without decoding the pixels.
pub fn image_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

/// Normalises a photo for `kind`: its budget from `budgets`, and its smallest allowed size.
pub fn normalize_for(kind: PhotoKind, bytes: &[u8], budgets: &PhotoBudgets) -> Result<NormalizedPhoto, PhotoError> {
    let photo = normalize_photo(bytes, budgets.bytes_for(kind))?;
    check_min_size(kind, photo.width, photo.height)?;
    Ok(photo)
}

/// Reads a photo file and normalises it.
pub fn load_photo_file(path: &Path, budget_bytes: usize) -> Result<NormalizedPhoto, PhotoError> {
    normalize_photo(&read_photo_file(path)?, budget_bytes)
}

/// A photo file's bytes: only a regular file, its size checked before reading, so that a
/// multi-GB file picked by mistake is refused at once and a FIFO or device never blocks.
pub fn read_photo_file(path: &Path) -> Result<Vec<u8>, PhotoError> {
    use host::input_file::InputFileError;
    host::input_file::read_regular_file(path, MAX_INPUT_BYTES, "照片").map_err(|e| match e {
        InputFileError::TooLarge { bytes, .. } => PhotoError::TooLarge { bytes },
        InputFileError::NotRegular { kind, .. } => PhotoError::NotAFile { kind },
        InputFileError::NotFound { detail, .. } | InputFileError::Io { detail, .. } => PhotoError::Io(detail),
    })
}

/// Decodes JPEG/PNG/BMP bytes, makes the picture upright, and re-encodes it as the best
/// quality JPEG that fits in `budget_bytes`.
pub fn normalize_photo(bytes: &[u8], budget_bytes: usize) -> Result<NormalizedPhoto, PhotoError> {
    let (rgb, orientation) = decode_within(bytes, MAX_LONG_SIDE)?;
    fit_to_budget(rgb, orientation, budget_bytes)
}

/// A picture file's pixels, upright, through the same guards as any photo (size before
/// reading, dimensions before decoding): for the face comparison, which needs pixels, not a
/// JPEG within a budget.
pub fn load_upright_rgb(path: &Path) -> Result<RgbImage, PhotoError> {
    let (rgb, orientation) = decode(&read_photo_file(path)?)?;
    Ok(orient(rgb, orientation))
}

/// Entry for pixels that are already in memory (camera frames): no decoding, no EXIF.
pub(crate) fn normalize_rgb(rgb: RgbImage, budget_bytes: usize) -> Result<NormalizedPhoto, PhotoError> {
    fit_to_budget(rgb, Orientation::NoTransforms, budget_bytes)
}

/// The roster's thumbnail: fits this box (the ID photo's 4:5), a few KB.
pub const THUMBNAIL_PX: (u32, u32) = (64, 80);

/// A small JPEG of a face photo for the roster (made once, when the photo is saved).
pub fn thumbnail(jpeg: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let (rgb, orientation) = decode(jpeg)?;
    let upright = orient(rgb, orientation);
    let (w, h) = upright.dimensions();
    let scale = (f64::from(THUMBNAIL_PX.0) / f64::from(w))
        .min(f64::from(THUMBNAIL_PX.1) / f64::from(h))
        .min(1.0);
    let (tw, th) = (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    );
    let small = if (tw, th) == (w, h) {
        upright
    } else {
        downscale(&upright, tw, th)
    };
    quality::encode(&small, 80)
}

/// A site photo is shown small next to a log; more pixels only cost budget.
pub const SITE_LONG_SIDE: u32 = 800;

/// A site photo (`site_photo`) from a file's bytes: upright, at most [`SITE_LONG_SIDE`], with
/// `stamp` (the pass time) burned into its bottom edge, within `budget_bytes`.
pub fn site_photo(bytes: &[u8], stamp: &str, budget_bytes: usize) -> Result<NormalizedPhoto, PhotoError> {
    let (rgb, orientation) = decode_within(bytes, SITE_LONG_SIDE)?;
    stamp_and_fit(rgb, orientation, stamp, budget_bytes)
}

/// The same from a camera frame.
pub fn site_photo_rgb(rgb: RgbImage, stamp: &str, budget_bytes: usize) -> Result<NormalizedPhoto, PhotoError> {
    stamp_and_fit(rgb, Orientation::NoTransforms, stamp, budget_bytes)
}

fn stamp_and_fit(
    rgb: RgbImage,
    orientation: Orientation,
    stamp: &str,
    budget_bytes: usize,
) -> Result<NormalizedPhoto, PhotoError> {
    let (w, h) = scaled_dims(rgb.width(), rgb.height(), SITE_LONG_SIDE);
    let resized = if (w, h) == rgb.dimensions() {
        rgb
    } else {
        downscale(&rgb, w, h)
    };
    let mut upright = orient(resized, orientation);
    check_min_size(PhotoKind::Site, upright.width(), upright.height())?;
    // Burned in after the resize, so the digits are drawn at the size they are sent.
    super::watermark::burn_band(&mut upright, stamp).map_err(PhotoError::Watermark)?;
    let photo = fit_to_budget(upright, Orientation::NoTransforms, budget_bytes)?;
    check_min_size(PhotoKind::Site, photo.width, photo.height)?;
    Ok(photo)
}

fn decode(bytes: &[u8]) -> Result<(RgbImage, Orientation), PhotoError> {
    decode_within(bytes, u32::MAX)
}

/// [`decode`] for a caller that wants the picture at most `max_long_px` on its long side
/// (as [`scaled_dims`] shrinks it): a large JPEG is decoded at the smallest DCT scale that
/// still has that many pixels and shrunk the rest of the way while it decodes (see
/// `jpeg_scaled`); every other picture is decoded whole and shrunk after.
fn decode_within(bytes: &[u8], max_long_px: u32) -> Result<(RgbImage, Orientation), PhotoError> {
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(PhotoError::TooLarge {
            bytes: bytes.len() as u64,
        });
    }
    // Content, not file name, decides: clerks' files are often misnamed (.jpg that is a PNG).
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Bmp)) => f,
        _ => return Err(PhotoError::NotAnImage),
    };
    if format == ImageFormat::Jpeg {
        // The JPEG decoder runs in lenient mode and would paint a truncated upload grey
        // instead of failing; a half-grey ID scan must not reach the platform.
        jpeg_check::check_complete(bytes)?;
    }

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // Header parsing needs no dimension limit; checking the size ourselves first lets the
    // clerk see the real dimensions in the message instead of a generic refusal.
    let mut header_limits = Limits::default();
    header_limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(header_limits);
    let mut decoder = reader.into_decoder().map_err(|e| map_image_error(e, None))?;

    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt(format!("图像尺寸为 {width}×{height}")));
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PhotoError::TooManyPixels { width, height });
    }
    // The decoders do not hold their output to `max_alloc` (image 0.25 allocates it whole), so
    // the header is checked here: 100 MP of 16-bit RGBA is 800 MB, within the pixel count.
    let color = decoder.color_type();
    let needed_bytes = decode_peak_bytes(width, height, color);
    if needed_bytes > MAX_ALLOC {
        return Err(PhotoError::TooMuchMemory {
            width,
            height,
            bytes_per_pixel: color.bytes_per_pixel(),
            needed_bytes,
        });
    }
    // Backstop for decoders whose intermediate buffers outgrow the image itself.
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    let dims = Some((width, height));
    decoder.set_limits(limits).map_err(|e| map_image_error(e, dims))?;
    // Broken EXIF is common in edited photos; an unrotated photo beats a refused one.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    if format == ImageFormat::Jpeg
        && let Some(numerator) = jpeg_scaled::scale_numerator(width, height, max_long_px)
        && let Some(scaled) = jpeg_scaled::decode(bytes, numerator, max_long_px)
    {
        return Ok((scaled, orientation));
    }
    let image = DynamicImage::from_decoder(decoder)
        .map_err(|e| map_image_error(e, dims))?
        .into_rgb8();
    let (w, h) = scaled_dims(image.width(), image.height(), max_long_px);
    let image = if (w, h) == image.dimensions() {
        image
    } else {
        downscale(&image, w, h)
    };
    Ok((image, orientation))
}

/// What decoding holds at its peak: the pixels as the decoder gives them and, unless they
/// already are 8-bit RGB, the copy `into_rgb8` makes while they are still there.
fn decode_peak_bytes(width: u32, height: u32, color: ColorType) -> u64 {
    let pixels = u64::from(width) * u64::from(height);
    let converted = if color == ColorType::Rgb8 { 0 } else { pixels * 3 };
    pixels * u64::from(color.bytes_per_pixel()) + converted
}

fn map_image_error(e: ImageError, dims: Option<(u32, u32)>) -> PhotoError {
    match (e, dims) {
        (ImageError::Limits(_), Some((width, height))) => PhotoError::TooManyPixels { width, height },
        (other, _) => PhotoError::Corrupt(other.to_string()),
    }
}

/// Target size for a given long side, keeping the aspect ratio and never upscaling.
fn scaled_dims(width: u32, height: u32, max_long: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_long {
        return (width, height);
    }
    let scale = f64::from(max_long) / f64::from(long);
    let w = ((f64::from(width) * scale).round() as u32).max(1);
    let h = ((f64::from(height) * scale).round() as u32).max(1);
    (w, h)
}

fn orient(image: RgbImage, orientation: Orientation) -> RgbImage {
    if orientation == Orientation::NoTransforms {
        return image;
    }
    let mut dynamic = DynamicImage::ImageRgb8(image);
    dynamic.apply_orientation(orientation);
    dynamic.into_rgb8()
}

fn fit_to_budget(
    source: RgbImage,
    orientation: Orientation,
    budget_bytes: usize,
) -> Result<NormalizedPhoto, PhotoError> {
    // Resize before rotating: the long-side limit is rotation-invariant and rotating the
    // small image is much cheaper than rotating 12 MP.
    let (w0, h0) = scaled_dims(source.width(), source.height(), MAX_LONG_SIDE);
    let resized = if (w0, h0) == source.dimensions() {
        source
    } else {
        downscale(&source, w0, h0)
    };
    let base = orient(resized, orientation);

    let mut long_side = base.width().max(base.height());
    let mut shrunk: Option<RgbImage> = None;
    loop {
        let current = shrunk.as_ref().unwrap_or(&base);
        if let Some((jpeg, quality)) = best_quality(current, budget_bytes)? {
            return Ok(NormalizedPhoto {
                jpeg,
                width: current.width(),
                height: current.height(),
                quality,
            });
        }
        long_side = (long_side as f32 * SHRINK_FACTOR).round() as u32;
        if long_side < MIN_LONG_SIDE {
            return Err(PhotoError::CannotFitBudget);
        }
        // Always shrink from the base so repeated steps do not compound blur.
        let (w, h) = scaled_dims(base.width(), base.height(), long_side);
        shrunk = Some(downscale(&base, w, h));
    }
}
