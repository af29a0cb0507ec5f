//! Large JPEGs decoded at a reduced DCT scale: libjpeg-turbo (through `mozjpeg`, already built
//! for the camera's MJPEG frames) can run its inverse DCT at n/8 of the size, so a 12 MP phone
//! photo comes out at 3 MP, decoded faster and with a quarter of the pixels left to resize.
//! The rows are resized to the size wanted while the rest decodes, on the other core, a band
//! at a time: the decoded picture never exists whole (9 MB less to allocate and touch).
//! Anything libjpeg does not handle (CMYK, odd files) falls back to the ordinary decoder.

use std::sync::mpsc;

use image::RgbImage;

use super::resize::RowResizer;
use super::scaled_dims;

/// Rows decoded per hand-over to the resizing thread.
const BAND_ROWS: usize = 16;
/// Bands decoded ahead of the resizer at most, so memory stays bounded if it falls behind.
const BANDS_AHEAD: usize = 4;

/// The numerator n (of n/8) that shrinks the long side most while keeping it at least
/// `want_long_px`, or None when the photo is already too small to shrink.
pub(super) fn scale_numerator(width: u32, height: u32, want_long_px: u32) -> Option<u8> {
    let long = u64::from(width.max(height));
    // libjpeg's scaled size is ceil(side·n/8).
    let n = (1u8..8).find(|&n| (long * u64::from(n)).div_ceil(8) >= u64::from(want_long_px))?;
    Some(n)
}

/// `bytes` (a complete JPEG, already checked) decoded to RGB at `numerator`/8 and shrunk to
/// `max_long_px` on its long side as [`scaled_dims`] says, or None if libjpeg refuses it.
pub(super) fn decode(bytes: &[u8], numerator: u8, max_long_px: u32) -> Option<RgbImage> {
    // mozjpeg reports libjpeg's fatal errors by unwinding (its documented contract): caught
    // here and turned into a fallback, never a crash. The resizing thread then sees its
    // channel close and stops, and the scope waits for it before the unwinding goes on.
    let decoded = std::panic::catch_unwind(|| -> std::io::Result<Option<RgbImage>> {
        let mut decompress = mozjpeg::Decompress::new_mem(bytes)?;
        decompress.scale(numerator);
        let mut started = decompress.rgb()?;
        let (Ok(width), Ok(height)) = (u32::try_from(started.width()), u32::try_from(started.height())) else {
            return Ok(None);
        };
        let (out_width, out_height) = scaled_dims(width, height, max_long_px);
        if (out_width, out_height) == (width, height) {
            let pixels = started.read_scanlines::<u8>()?;
            started.finish()?;
            return Ok(RgbImage::from_raw(width, height, pixels));
        }
        let stride = width as usize * 3;
        let mut out = vec![0u8; out_width as usize * out_height as usize * 3];
        std::thread::scope(|scope| -> std::io::Result<()> {
            let (bands, received) = mpsc::sync_channel::<Vec<u8>>(BANDS_AHEAD);
            let out = &mut out;
            scope.spawn(move || {
                let rows = 0..out_height as usize;
                let mut resizer = RowResizer::new((width, height), (out_width, out_height), rows, out);
                for band in received {
                    for row in band.chunks_exact(stride) {
                        resizer.push_row(row);
                    }
                }
            });
            let mut left = height as usize;
            while left > 0 {
                let rows = left.min(BAND_ROWS);
                let mut band = vec![0u8; rows * stride];
                started.read_scanlines_into(&mut band)?;
                left -= rows;
                // The resizer only stops early by panicking, which the scope reports.
                if bands.send(band).is_err() {
                    break;
                }
            }
            drop(bands);
            Ok(())
        })?;
        started.finish()?;
        Ok(RgbImage::from_raw(out_width, out_height, out))
    });
    decoded.ok()?.ok()?
}
