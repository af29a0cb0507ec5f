//! Large JPEGs decoded at a reduced DCT scale: libjpeg-turbo (through `mozjpeg`, already built
//! for the camera's MJPEG frames) can run its inverse DCT at n/8 of the size, so a 12 MP phone
//! photo comes out at 3 MP, decoded faster and with a quarter of the pixels left to resize.
//! Anything it does not handle (CMYK, odd files) falls back to the ordinary decoder.

use image::RgbImage;

/// The numerator n (of n/8) that shrinks the long side most while keeping it at least
/// `want_long_px`, or None when the photo is already too small to shrink.
pub(super) fn scale_numerator(width: u32, height: u32, want_long_px: u32) -> Option<u8> {
    let long = u64::from(width.max(height));
    // libjpeg's scaled size is ceil(side·n/8).
    let n = (1u8..8).find(|&n| (long * u64::from(n)).div_ceil(8) >= u64::from(want_long_px))?;
    Some(n)
}

/// `bytes` (a complete JPEG, already checked) decoded to RGB at `numerator`/8, or None if
/// libjpeg refuses it.
pub(super) fn decode(bytes: &[u8], numerator: u8) -> Option<RgbImage> {
    // mozjpeg reports libjpeg's fatal errors by unwinding (its documented contract): caught
    // here and turned into a fallback, never a crash.
    let decoded = std::panic::catch_unwind(|| -> std::io::Result<Option<RgbImage>> {
        let mut decompress = mozjpeg::Decompress::new_mem(bytes)?;
        decompress.scale(numerator);
        let mut started = decompress.rgb()?;
        let (width, height) = (started.width(), started.height());
        let pixels = started.read_scanlines::<u8>()?;
        started.finish()?;
        let (Ok(width), Ok(height)) = (u32::try_from(width), u32::try_from(height)) else {
            return Ok(None);
        };
        Ok(RgbImage::from_raw(width, height, pixels))
    });
    decoded.ok()?.ok()?
}
