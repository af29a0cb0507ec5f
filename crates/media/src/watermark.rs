//! The time watermark of a site photo (`site_photo`): "图像底部带过闸时间水印，黑底白字". A
//! black band along the bottom edge with the pass time in white, drawn with the bundled font
//! by `ab_glyph`'s rasteriser.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use image::RgbImage;

/// The band's share of the photo's height, within bounds that keep the digits readable on a
/// small photo and modest on a large one.
const BAND_SHARE: f32 = 0.09;
const BAND_MIN_PX: u32 = 20;
const BAND_MAX_PX: u32 = 96;
/// Glyph height against the band's height.
const TEXT_SHARE: f32 = 0.7;

/// The band's height for a photo this tall.
pub fn band_height_px(image_height: u32) -> u32 {
    ((image_height as f32 * BAND_SHARE).round() as u32)
        .clamp(BAND_MIN_PX, BAND_MAX_PX)
        .min(image_height)
}

/// Paints the band over the bottom of `image` and writes `text` in it, centred. The text
/// shrinks to fit a narrow photo.
pub fn burn_band(image: &mut RgbImage, text: &str) -> Result<(), String> {
    let font = FontRef::try_from_slice(super::CJK_FONT).map_err(|e| format!("水印字体无法读取：{e}"))?;
    let (width, height) = image.dimensions();
    let band = band_height_px(height);
    let top = height - band;
    for y in top..height {
        for x in 0..width {
            image.put_pixel(x, y, image::Rgb([0, 0, 0]));
        }
    }
    let margin = band as f32 * 0.25;
    let mut scale = PxScale::from(band as f32 * TEXT_SHARE);
    let mut text_width = line_width(&font, scale, text);
    let room = width as f32 - 2.0 * margin;
    if text_width > room && text_width > 0.0 {
        scale = PxScale::from(scale.y * room / text_width);
        text_width = line_width(&font, scale, text);
    }
    let scaled = font.as_scaled(scale);
    let baseline = top as f32 + (band as f32 + scaled.ascent() + scaled.descent()) / 2.0;
    let mut caret = ((width as f32 - text_width) / 2.0).max(0.0);
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = previous {
            caret += scaled.kern(p, id);
        }
        let glyph = id.with_scale_and_position(scale, point(caret, baseline));
        caret += scaled.h_advance(id);
        previous = Some(id);
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let x = bounds.min.x as i64 + i64::from(gx);
            let y = bounds.min.y as i64 + i64::from(gy);
            if x < 0 || y < i64::from(top) || x >= i64::from(width) || y >= i64::from(height) {
                return;
            }
            let level = (coverage.clamp(0.0, 1.0) * 255.0).round() as u8;
            let pixel = image.get_pixel_mut(x as u32, y as u32);
            // White over black: the coverage is the brightness.
            let v = pixel.0[0].max(level);
            *pixel = image::Rgb([v, v, v]);
        });
    }
    Ok(())
}

fn line_width(font: &FontRef<'_>, scale: PxScale, text: &str) -> f32 {
    let scaled = font.as_scaled(scale);
    let mut width = 0.0;
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = previous {
            width += scaled.kern(p, id);
        }
        width += scaled.h_advance(id);
        previous = Some(id);
    }
    width
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grey(width: u32, height: u32) -> RgbImage {
        RgbImage::from_pixel(width, height, image::Rgb([128, 128, 128]))
    }

    fn band_stats(image: &RgbImage) -> (usize, usize, usize) {
        let top = image.height() - band_height_px(image.height());
        let (mut black, mut white, mut other) = (0, 0, 0);
        for y in top..image.height() {
            for x in 0..image.width() {
                match image.get_pixel(x, y).0[0] {
                    0..=40 => black += 1,
                    215..=255 => white += 1,
                    _ => other += 1,
                }
            }
        }
        (black, white, other)
    }

    #[test]
    fn the_band_is_black_with_white_digits_and_the_photo_above_untouched() {
        let mut image = grey(480, 640);
        burn_band(&mut image, "2026-11-29 08:05:09").expect("burn");
        let band = band_height_px(640);
        assert_eq!(band, 58);
        let (black, white, _) = band_stats(&image);
        let area = (480 * band) as usize;
        assert!(black > area / 2, "mostly black: {black} of {area}");
        assert!(white > area / 50, "white strokes: {white} of {area}");
        for y in 0..640 - band {
            assert_eq!(image.get_pixel(240, y).0, [128, 128, 128]);
        }
    }

    #[test]
    fn different_times_draw_different_pixels_and_the_same_time_the_same() {
        let draw = |text: &str| {
            let mut image = grey(320, 240);
            burn_band(&mut image, text).expect("burn");
            image
        };
        assert_eq!(draw("2026-11-29 08:05:09"), draw("2026-11-29 08:05:09"));
        assert_ne!(draw("2026-11-29 08:05:09"), draw("2026-11-29 08:06:09"));
    }

    #[test]
    fn a_narrow_photo_keeps_the_whole_time_inside() {
        let mut image = grey(200, 400);
        burn_band(&mut image, "2026-11-29 08:05:09").expect("burn");
        let top = 400 - band_height_px(400);
        // The outermost columns stay black: nothing was cut at the edges.
        for y in top..400 {
            assert!(image.get_pixel(0, y).0[0] < 40);
            assert!(image.get_pixel(199, y).0[0] < 40);
        }
        let lit = (top..400)
            .flat_map(|y| (0..200).map(move |x| (x, y)))
            .filter(|&(x, y)| image.get_pixel(x, y).0[0] > 100)
            .count();
        assert!(lit > 100, "{lit}");
    }
}
