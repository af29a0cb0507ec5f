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

/// The taps of a triangle filter along one axis: for output `i`, source indices
/// `first[i]..first[i] + n` with fixed-point weights `weights[i * n..][..n]` summing to `ONE`.
/// Every output has the same `n` (zero weights pad the short ones), so the inner loops run a
/// fixed count the compiler unrolls.
struct Taps {
    first: Vec<usize>,
    weights: Vec<i32>,
    n: usize,
}

impl Taps {
    fn triangle(src_len: u32, dst_len: u32) -> Taps {
        let scale = f64::from(src_len) / f64::from(dst_len);
        // Triangle of radius 1 in output pixels, i.e. `scale` in source pixels, when shrinking.
        let radius = scale.max(1.0);
        let per_output: Vec<(usize, Vec<i32>)> = (0..dst_len)
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
                // Zero taps at the ends only cost time.
                let lead = weights.iter().take_while(|w| **w == 0).count().min(weights.len() - 1);
                let kept = weights.len() - weights.iter().rev().take_while(|w| **w == 0).count();
                let weights = weights[lead..kept.max(lead + 1)].to_vec();
                (first + lead, weights)
            })
            .collect();
        let n = per_output.iter().map(|(_, w)| w.len()).max().unwrap_or(1);
        let mut taps = Taps {
            first: Vec::with_capacity(per_output.len()),
            weights: Vec::with_capacity(per_output.len() * n),
            n,
        };
        for (first, weights) in per_output {
            // Pad at the end, or at the start where the padding would run past the source
            // (n never exceeds the source length: each output's taps lie inside it). Starts
            // stay in order either way, which the row-by-row vertical pass relies on.
            let start = first.min(src_len as usize - n);
            let lead = first - start;
            taps.first.push(start);
            taps.weights.extend(std::iter::repeat_n(0, lead));
            taps.weights.extend(&weights);
            taps.weights.extend(std::iter::repeat_n(0, n - lead - weights.len()));
        }
        taps
    }

    fn of(&self, i: usize) -> (usize, &[i32]) {
        (self.first[i], &self.weights[i * self.n..][..self.n])
    }
}

fn to_u8(acc: i32) -> u8 {
    ((acc + ONE / 2) >> 14).clamp(0, 255) as u8
}

/// One row resampled across: `out` (RGB) from `row` (RGB) through `taps`.
fn resample_row<const N: usize>(row: &[u8], taps: &Taps, out: &mut [u8]) {
    for (i, dst) in out.chunks_exact_mut(3).enumerate() {
        let first = taps.first[i];
        let weights: [i32; N] = taps.weights[i * N..][..N].try_into().unwrap_or([0; N]);
        let pixels = &row[first * 3..][..N * 3];
        let mut acc = [0i32; 3];
        for (px, weight) in pixels.chunks_exact(3).zip(weights) {
            acc[0] += i32::from(px[0]) * weight;
            acc[1] += i32::from(px[1]) * weight;
            acc[2] += i32::from(px[2]) * weight;
        }
        dst.copy_from_slice(&acc.map(to_u8));
    }
}

/// [`resample_row`] for any tap count: a shrink of 2× or more left to the filter (a box
/// reduction usually takes those first).
fn resample_row_any(row: &[u8], taps: &Taps, out: &mut [u8]) {
    for (i, dst) in out.chunks_exact_mut(3).enumerate() {
        let (first, weights) = taps.of(i);
        let mut acc = [0i32; 3];
        for (px, &weight) in row[first * 3..].chunks_exact(3).zip(weights) {
            acc[0] += i32::from(px[0]) * weight;
            acc[1] += i32::from(px[1]) * weight;
            acc[2] += i32::from(px[2]) * weight;
        }
        dst.copy_from_slice(&acc.map(to_u8));
    }
}

/// A separable triangle resize fed source rows one at a time, in order: each row is
/// resampled across as it arrives, into a ring of the last `n` (the vertical tap count), and
/// each output row is written as soon as the rows under it are in. Memory is a few rows, and
/// a decoder can feed it while it decodes the rest.
pub(super) struct RowResizer<'a> {
    x: Taps,
    y: Taps,
    /// Output rows `out_rows.start..` go to `out`, whose first row is `out_rows.start`.
    out: &'a mut [u8],
    out_rows: std::ops::Range<usize>,
    out_stride: usize,
    ring: Vec<u8>,
    /// One output row's sums, reused.
    acc: Vec<i32>,
    next_in: usize,
    next_out: usize,
}

impl<'a> RowResizer<'a> {
    /// A resizer from `src` to `dst` (width, height) that writes output rows `out_rows` into
    /// `out` (exactly those rows, RGB).
    pub(super) fn new(src: (u32, u32), dst: (u32, u32), out_rows: std::ops::Range<usize>, out: &'a mut [u8]) -> Self {
        let x = Taps::triangle(src.0, dst.0);
        let y = Taps::triangle(src.1, dst.1);
        let out_stride = dst.0 as usize * 3;
        let ring = vec![0u8; y.n * out_stride];
        let next_in = y.first.get(out_rows.start).copied().unwrap_or(0);
        RowResizer {
            x,
            y,
            out,
            next_out: out_rows.start,
            out_rows,
            out_stride,
            ring,
            acc: vec![0; out_stride],
            next_in,
        }
    }

    /// Source rows this resizer reads: `push_row` wants them from the first, in order.
    pub(super) fn source_rows(&self) -> std::ops::Range<usize> {
        let last_out = self.out_rows.end.saturating_sub(1);
        let end = self.y.first.get(last_out).map_or(0, |first| first + self.y.n);
        self.next_in..end.max(self.next_in)
    }

    /// The next source row (RGB); rows past those the outputs need are ignored.
    pub(super) fn push_row(&mut self, row: &[u8]) {
        let n = self.y.n;
        let index = self.next_in;
        self.next_in += 1;
        if self.next_out >= self.out_rows.end {
            return;
        }
        let slot = &mut self.ring[(index % n) * self.out_stride..][..self.out_stride];
        match self.x.n {
            1 => resample_row::<1>(row, &self.x, slot),
            2 => resample_row::<2>(row, &self.x, slot),
            3 => resample_row::<3>(row, &self.x, slot),
            4 => resample_row::<4>(row, &self.x, slot),
            5 => resample_row::<5>(row, &self.x, slot),
            _ => resample_row_any(row, &self.x, slot),
        }
        // Output rows whose last tap is this row; earlier ones went out with earlier rows.
        while self.next_out < self.out_rows.end && self.y.first[self.next_out] + n - 1 <= index {
            let (first, weights) = self.y.of(self.next_out);
            // Row by row down the taps: sequential and vectorisable.
            self.acc.fill(0);
            for (j, &weight) in (first..first + n).zip(weights) {
                let row = &self.ring[(j % n) * self.out_stride..][..self.out_stride];
                for (a, &v) in self.acc.iter_mut().zip(row) {
                    *a += i32::from(v) * weight;
                }
            }
            let out_row = &mut self.out[(self.next_out - self.out_rows.start) * self.out_stride..][..self.out_stride];
            for (dst, &a) in out_row.iter_mut().zip(&self.acc) {
                *dst = to_u8(a);
            }
            self.next_out += 1;
        }
    }
}

/// Separable triangle (bilinear-area) resize: each half of the output rows on its own core,
/// each fed the source rows under it.
fn triangle(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (w, h) = image.dimensions();
    let (src, src_stride) = (image.as_raw(), w as usize * 3);
    let out_stride = width as usize * 3;
    let mut out = vec![0u8; out_stride * height as usize];
    let per_thread = (height as usize).div_ceil(THREADS).max(1);
    std::thread::scope(|scope| {
        for (chunk_index, chunk) in out.chunks_mut(per_thread * out_stride).enumerate() {
            let start = chunk_index * per_thread;
            let rows = start..start + chunk.len() / out_stride;
            scope.spawn(move || {
                let mut resizer = RowResizer::new((w, h), (width, height), rows, chunk);
                for j in resizer.source_rows() {
                    resizer.push_row(&src[j * src_stride..][..src_stride]);
                }
            });
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
    fn taps_are_padded_in_bounds_in_order_and_sum_to_one() {
        for (src, dst) in [
            (2000, 1600),
            (1500, 1200),
            (1650, 1600),
            (7, 5),
            (5, 5),
            (3, 1),
            (1000, 333),
        ] {
            let taps = Taps::triangle(src, dst);
            assert!(taps.n <= src as usize, "{src}→{dst}");
            for i in 0..dst as usize {
                let (first, weights) = taps.of(i);
                assert!(first + taps.n <= src as usize, "{src}→{dst} at {i}");
                assert_eq!(weights.iter().sum::<i32>(), ONE, "{src}→{dst} at {i}");
                if i > 0 {
                    assert!(taps.first[i - 1] <= first, "{src}→{dst} at {i}");
                }
            }
        }
        // A 1.25× shrink reads three source pixels per output, not four.
        assert_eq!(Taps::triangle(2000, 1600).n, 3);
    }

    #[test]
    fn the_row_resizer_gives_the_same_rows_in_any_split() {
        let image = RgbImage::from_fn(50, 41, |x, y| {
            Rgb([(x * 5) as u8, (y * 6) as u8, ((x * y) % 256) as u8])
        });
        let whole = {
            let mut out = vec![0u8; 30 * 25 * 3];
            let mut resizer = RowResizer::new((50, 41), (30, 25), 0..25, &mut out);
            for j in resizer.source_rows() {
                resizer.push_row(&image.as_raw()[j * 150..][..150]);
            }
            out
        };
        // The two-thread resize splits the output rows; each half reads only its own rows.
        assert_eq!(downscale(&image, 30, 25).as_raw(), &whole);
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
