//! Fast, good-looking downscaling for large photos.
//!
//! A 12 MP phone photo going to 1600 px is a 2.5× reduction, and `image`'s generic f32
//! resamplers spend longer on it than decoding and encoding together. So: exact k×k block
//! averages first (integer sums, cheap), then a fixed-point separable triangle filter for
//! the remaining < 2× step, both split over the stations' two cores. Both stages are area
//! filters, so nothing aliases.

use image::RgbImage;

/// Output rows are split between this many threads; these stations have 2 cores.
const THREADS: usize = 2;
/// Keeps block sums within u32 (256² × 255 < 2³²); any further reduction is the filter's.
const MAX_BLOCK: u32 = 256;
/// Fixed-point weights: 14 bits leaves headroom for sums of 255 × weight in i32.
const ONE: i32 = 1 << 14;

/// Resizes `image` to exactly `width`×`height`, which must not be larger than the image.
pub(super) fn downscale(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (w, h) = image.dimensions();
    let (width, height) = (width.clamp(1, w.max(1)), height.clamp(1, h.max(1)));
    if (w, h) == (width, height) {
        return image.clone();
    }
    let factor = (f64::from(w) / f64::from(width)).min(f64::from(h) / f64::from(height));
    let k = (factor.floor() as u32).min(MAX_BLOCK);
    if k >= 2 {
        let reduced = box_reduce(image, k);
        if reduced.dimensions() == (width, height) {
            return reduced;
        }
        return triangle(&reduced, width, height);
    }
    triangle(image, width, height)
}

/// Runs `fill(row_index, row)` for every `row_len`-byte row of `out`, on `THREADS` threads.
fn par_rows(out: &mut [u8], row_len: usize, fill: impl Fn(usize, &mut [u8]) + Sync) {
    if row_len == 0 {
        return;
    }
    let rows = out.len() / row_len;
    let per_thread = rows.div_ceil(THREADS).max(1);
    let fill = &fill;
    std::thread::scope(|scope| {
        for (chunk_index, chunk) in out.chunks_mut(per_thread * row_len).enumerate() {
            scope.spawn(move || {
                for (i, row) in chunk.chunks_exact_mut(row_len).enumerate() {
                    fill(chunk_index * per_thread + i, row);
                }
            });
        }
    });
}

fn image_from(width: u32, height: u32, pixels: Vec<u8>) -> RgbImage {
    // Callers size `pixels` as width × height × 3, so this never takes the fallback.
    RgbImage::from_raw(width, height, pixels).unwrap_or_else(|| RgbImage::new(width, height))
}

/// Averages each k×k block into one pixel. Up to k-1 trailing rows/columns are dropped,
/// a crop of well under 0.1% on a photo, invisible after the final resize.
fn box_reduce(image: &RgbImage, k: u32) -> RgbImage {
    let (w, h) = image.dimensions();
    let (out_w, out_h) = (w / k, h / k);
    let (k, src, src_stride) = (k as usize, image.as_raw(), w as usize * 3);
    let out_stride = out_w as usize * 3;
    let area = (k * k) as u32;
    let mut out = vec![0u8; out_stride * out_h as usize];
    par_rows(&mut out, out_stride, |y, out_row| {
        let mut sums = vec![0u32; out_stride];
        for dy in 0..k {
            let row = &src[(y * k + dy) * src_stride..][..src_stride];
            for (acc, block) in sums.chunks_exact_mut(3).zip(row.chunks_exact(3 * k)) {
                for px in block.chunks_exact(3) {
                    acc[0] += u32::from(px[0]);
                    acc[1] += u32::from(px[1]);
                    acc[2] += u32::from(px[2]);
                }
            }
        }
        for (dst, &sum) in out_row.iter_mut().zip(&sums) {
            *dst = ((sum + area / 2) / area) as u8;
        }
    });
    image_from(out_w, out_h, out)
}

/// For each output coordinate: first source index and fixed-point weights summing to `ONE`.
fn triangle_taps(src_len: u32, dst_len: u32) -> Vec<(usize, Vec<i32>)> {
    let scale = f64::from(src_len) / f64::from(dst_len);
    // Triangle of radius 1 in output pixels, i.e. `scale` in source pixels, when shrinking.
    let radius = scale.max(1.0);
    (0..dst_len)
        .map(|i| {
            let center = (f64::from(i) + 0.5) * scale;
            let first = ((center - radius).floor().max(0.0)) as usize;
            let last = ((center + radius).ceil() as usize).min(src_len as usize).max(first + 1);
            let raw: Vec<f64> = (first..last)
                .map(|j| (1.0 - ((j as f64 + 0.5 - center) / radius).abs()).max(0.0))
                .collect();
            let total: f64 = raw.iter().sum();
            let mut weights: Vec<i32> = if total > 0.0 {
                raw.iter()
                    .map(|w| (w / total * f64::from(ONE)).round() as i32)
                    .collect()
            } else {
                vec![0; raw.len()]
            };
            // Put rounding error on the heaviest tap so flat areas keep their exact value.
            let error = ONE - weights.iter().sum::<i32>();
            if let Some(max) = weights.iter_mut().max_by_key(|w| **w) {
                *max += error;
            }
            (first, weights)
        })
        .collect()
}

fn to_u8(acc: i32) -> u8 {
    ((acc + ONE / 2) >> 14).clamp(0, 255) as u8
}

/// Separable triangle (bilinear-area) resize, horizontal pass then vertical.
fn triangle(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (w, h) = image.dimensions();
    let (src, src_stride) = (image.as_raw(), w as usize * 3);
    let out_stride = width as usize * 3;

    let x_taps = triangle_taps(w, width);
    let mut wide = vec![0u8; out_stride * h as usize];
    par_rows(&mut wide, out_stride, |y, out_row| {
        let row = &src[y * src_stride..][..src_stride];
        for (dst, (first, weights)) in out_row.chunks_exact_mut(3).zip(&x_taps) {
            let mut acc = [0i32; 3];
            for (px, &weight) in row[first * 3..].chunks_exact(3).zip(weights) {
                acc[0] += i32::from(px[0]) * weight;
                acc[1] += i32::from(px[1]) * weight;
                acc[2] += i32::from(px[2]) * weight;
            }
            dst.copy_from_slice(&acc.map(to_u8));
        }
    });

    let y_taps = triangle_taps(h, height);
    let mut out = vec![0u8; out_stride * height as usize];
    par_rows(&mut out, out_stride, |y, out_row| {
        let (first, weights) = &y_taps[y];
        // Row-at-a-time accumulation keeps memory access sequential and vectorisable.
        let mut acc = vec![0i32; out_stride];
        for (j, &weight) in weights.iter().enumerate() {
            let row = &wide[(first + j) * out_stride..][..out_stride];
            for (a, &v) in acc.iter_mut().zip(row) {
                *a += i32::from(v) * weight;
            }
        }
        for (dst, &a) in out_row.iter_mut().zip(&acc) {
            *dst = to_u8(a);
        }
    });
    image_from(width, height, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn box_reduce_averages_blocks() {
        let image = RgbImage::from_fn(9, 7, |x, y| {
            if (x + y) % 2 == 0 {
                Rgb([200, 100, 0])
            } else {
                Rgb([100, 0, 50])
            }
        });
        let reduced = box_reduce(&image, 3);
        assert_eq!(reduced.dimensions(), (3, 2));
        // A 3×3 checkerboard block holds 5 of one colour and 4 of the other.
        let expected = [(5 * 200 + 4 * 100 + 4) / 9, (5 * 100 + 4) / 9, (4 * 50 + 4) / 9];
        assert_eq!(*reduced.get_pixel(0, 0), Rgb(expected.map(|v: u32| v as u8)));
    }

    #[test]
    fn downscale_hits_exact_size_and_keeps_flat_colour() {
        let image = RgbImage::from_pixel(4000, 3000, Rgb([10, 20, 30]));
        for (w, h) in [(1600, 1200), (2000, 1500), (1000, 750), (3999, 2999), (7, 5), (1, 1)] {
            let out = downscale(&image, w, h);
            assert_eq!(out.dimensions(), (w, h));
            assert!(out.pixels().all(|p| *p == Rgb([10, 20, 30])), "{w}×{h}");
        }
    }

    #[test]
    fn triangle_keeps_a_gradient_monotone_and_in_range() {
        let image = RgbImage::from_fn(300, 10, |x, _| Rgb([(x * 255 / 299) as u8, 0, 0]));
        let out = downscale(&image, 200, 7);
        let reds: Vec<u8> = (0..200).map(|x| out.get_pixel(x, 3)[0]).collect();
        assert!(reds.windows(2).all(|p| p[0] <= p[1]), "{reds:?}");
        assert!(reds[0] <= 2 && reds[199] >= 253, "{reds:?}");
    }
}
