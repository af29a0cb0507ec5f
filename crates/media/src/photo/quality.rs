//! Finding the highest JPEG quality that fits a byte budget, in as few full encodes as
//! possible: encoding dominates the pipeline once decoding and resizing are cheap.
//!
//! The encoder is libjpeg-turbo (through `mozjpeg`, already built for the camera and the
//! scaled decode) with libjpeg's plain settings: the standard quantisation tables scaled by
//! quality as every libjpeg does, 4:4:4 colour and standard Huffman tables as `image`'s encoder
//! wrote before, baseline. With its SIMD code (built when the build machine has `nasm`) it
//! encodes 1600×1200 in under 5 ms, six times faster than `image`'s encoder. libjpeg rounds
//! each coefficient where `image` truncated first, so at one quality its files are ~5 % larger
//! and a little truer: the same budget gives a quality a step or two lower than `image` did
//! (on `bench_photo`'s picture 85 instead of 87, 0.2 dB less PSNR).
//!
//! Three ideas keep the search short:
//! - A large picture is first searched on a sample: every k-th row of 8×8 blocks, the very
//!   blocks the full picture codes, so the sample's coded size times k follows the full one
//!   closely at a k-th of the cost. Its answer is the first full guess, and each full encode
//!   corrects the sample's scale factor for the next guess.
//! - Each round encodes two qualities at once, one per core (the stations have two): the
//!   guess and the next one up, so one round usually proves the answer (the guess fits, one
//!   more does not).
//! - Between two measured points the next guess comes from the encoder's own model: the
//!   quality maps to a quantiser scale (libjpeg's `5000/q` or `200-2q`), and ln(file size) is
//!   close to linear in ln(scale).
//!
//! Every returned JPEG was actually measured, and the answer is a quality that fits with the
//! next one up measured not to, so the budget holds and nothing better was left out.

use std::collections::BTreeMap;

use image::RgbImage;

use super::PhotoError;

/// Below quality 35 JPEG blocking makes faces hard to recognise, so callers shrink instead.
pub(super) const MIN_QUALITY: u8 = 35;
/// Above 92 size grows fast with no visible gain.
pub(super) const MAX_QUALITY: u8 = 92;
/// A picture with fewer rows of 8×8 blocks than this is searched whole: its encodes are cheap,
/// and a sample of a few rows would say little.
const SAMPLE_MIN_BLOCK_ROWS: u32 = 32;
/// At least this many block rows go into a sample, so that no single band of the picture
/// (a dark floor, a bright sky) decides its size.
const SAMPLE_ROWS: u32 = 16;
/// Sampling every 8th block row already makes the sample's encodes nearly free next to the
/// full ones; sparser samples only add error.
const MAX_SAMPLE_STEP: u32 = 8;
/// Rounds guided by a model (the sample, or ln-size interpolation) before plain bisection
/// bounds the worst case for odd content.
const MODEL_ROUNDS: u32 = 3;

/// `image` as a baseline JPEG at `quality`.
pub(super) fn encode(image: &RgbImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let (width, height) = (image.width() as usize, image.height() as usize);
    // mozjpeg reports libjpeg's fatal errors (an empty or over-large picture) by unwinding, its
    // documented contract: caught here and reported like any failed encode.
    let encoded = std::panic::catch_unwind(|| -> std::io::Result<Vec<u8>> {
        let mut compress = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
        // libjpeg's own defaults, not mozjpeg's slow progressive/trellis profile, whose
        // quantisation tables would also give "quality" another meaning.
        compress.set_fastest_defaults();
        compress.set_size(width, height);
        compress.set_quality(f32::from(quality));
        compress.set_chroma_sampling_pixel_sizes((1, 1), (1, 1));
        // The standard Huffman tables, as `image`'s encoder wrote: fitted tables make files
        // 10–40 % smaller but need a second pass over every coefficient held at once (11.5 MB
        // at 1600×1200, fresh pages each time): measured, twice the time of the whole search.
        compress.set_optimize_coding(false);
        let mut started = compress.start_compress(Vec::with_capacity(image.as_raw().len() / 8))?;
        started.write_scanlines(image.as_raw())?;
        started.finish()
    });
    match encoded {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(PhotoError::Corrupt(format!("JPEG 编码失败：{e}"))),
        Err(panic) => {
            let detail = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            Err(PhotoError::Corrupt(format!("JPEG 编码失败：{detail}")))
        }
    }
}

/// One picture's encodes so far, by quality.
struct Trials<'a> {
    image: &'a RgbImage,
    encoded: BTreeMap<u8, Vec<u8>>,
}

impl<'a> Trials<'a> {
    fn new(image: &'a RgbImage) -> Self {
        Trials {
            image,
            encoded: BTreeMap::new(),
        }
    }

    fn size(&self, quality: u8) -> Option<usize> {
        self.encoded.get(&quality).map(Vec::len)
    }

    /// Encodes those of `qualities` not encoded yet, two at a time on the two cores.
    fn measure(&mut self, qualities: &[u8]) -> Result<(), PhotoError> {
        let mut missing: Vec<u8> = qualities
            .iter()
            .copied()
            .filter(|q| !self.encoded.contains_key(q))
            .collect();
        missing.dedup();
        for pair in missing.chunks(2) {
            match *pair {
                [a, b] => {
                    let image = self.image;
                    let (first, second) = std::thread::scope(|scope| {
                        let other = scope.spawn(|| encode(image, b));
                        let first = encode(image, a);
                        // A panic outside libjpeg is a bug; report it like a failed encode.
                        let second = other
                            .join()
                            .unwrap_or_else(|_| Err(PhotoError::Corrupt("JPEG 编码器崩溃".to_owned())));
                        (first, second)
                    });
                    self.encoded.insert(a, first?);
                    self.encoded.insert(b, second?);
                }
                [a] => {
                    let bytes = encode(self.image, a)?;
                    self.encoded.insert(a, bytes);
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// (lo, hi): the highest quality measured to fit `budget` below the lowest measured not
    /// to, or `MIN_QUALITY - 1` when none fits yet; and that lowest, or `MAX_QUALITY + 1`.
    /// Sizes are almost but not strictly monotone in quality; a fit above `hi` is ignored.
    fn bracket(&self, budget: usize) -> (u8, u8) {
        let hi = self
            .encoded
            .iter()
            .find(|(_, bytes)| bytes.len() > budget)
            .map_or(MAX_QUALITY + 1, |(&q, _)| q);
        let lo = self
            .encoded
            .range(..hi)
            .rev()
            .find(|(_, bytes)| bytes.len() <= budget)
            .map_or(MIN_QUALITY - 1, |(&q, _)| q);
        (lo, hi)
    }

    /// Encodes `guess` (moved inside the bracket) and the quality above it unless that is
    /// already known not to fit.
    fn probe(&mut self, guess: u8, budget: usize) -> Result<(), PhotoError> {
        let (lo, hi) = self.bracket(budget);
        let a = guess.clamp(lo + 1, hi - 1);
        if a + 1 < hi {
            self.measure(&[a, a + 1])
        } else {
            self.measure(&[a])
        }
    }

    /// The next guess from the sizes alone: the ln-size model between two measured points,
    /// bisection once the model has had its rounds or while a side is still unmeasured.
    fn model_guess(&self, budget: usize, round: u32) -> u8 {
        let (lo, hi) = self.bracket(budget);
        match (self.size(lo), self.size(hi)) {
            (Some(lo_size), Some(hi_size)) if round <= MODEL_ROUNDS => {
                estimate((lo, lo_size), (hi, hi_size), budget).floor().clamp(0.0, 100.0) as u8
            }
            _ => lo + (hi - lo) / 2,
        }
    }

    /// Narrows the bracket for `budget` down to adjacent qualities, guided by the model only.
    fn settle(&mut self, budget: usize) -> Result<(u8, u8), PhotoError> {
        if self.encoded.is_empty() {
            // Both ends first: they decide at once whether anything fits, or everything.
            self.measure(&[MAX_QUALITY, MIN_QUALITY])?;
        }
        let mut round = 0;
        loop {
            let (lo, hi) = self.bracket(budget);
            if hi - lo <= 1 {
                return Ok((lo, hi));
            }
            round += 1;
            let guess = self.model_guess(budget, round);
            self.probe(guess, budget)?;
        }
    }

    /// The settled bracket as the answer: the best fitting encode, or `None`.
    fn answer(mut self, budget: usize) -> Option<(Vec<u8>, u8)> {
        let (lo, _) = self.bracket(budget);
        self.encoded.remove(&lo).map(|bytes| (bytes, lo))
    }
}

/// libjpeg's quality → quantisation-table scale (percent).
fn scale_of(quality: f64) -> f64 {
    if quality < 50.0 {
        5000.0 / quality
    } else {
        200.0 - 2.0 * quality
    }
}

fn quality_of_scale(scale: f64) -> f64 {
    if scale > 100.0 {
        5000.0 / scale
    } else {
        (200.0 - scale) / 2.0
    }
}

/// Where ln(size) crosses ln(budget), interpolating linearly in ln(scale) between two
/// measured points. Returns a real-valued quality; callers clamp it into the bracket.
fn estimate(lo: (u8, usize), hi: (u8, usize), budget: usize) -> f64 {
    let x = |q: u8| scale_of(f64::from(q)).ln();
    let y = |size: usize| (size.max(1) as f64).ln();
    let (x1, y1, x2, y2) = (x(lo.0), y(lo.1), x(hi.0), y(hi.1));
    if (y2 - y1).abs() < 1e-9 {
        return (f64::from(lo.0) + f64::from(hi.0)) / 2.0;
    }
    let target = x1 + (y(budget) - y1) * (x2 - x1) / (y2 - y1);
    quality_of_scale(target.exp())
}

/// Every `step`-th row of 8×8 blocks of `image` (the middle one of each group of `step`),
/// stacked: the same blocks, coded the same way, as in the full picture.
fn block_row_sample(image: &RgbImage, step: u32) -> RgbImage {
    let (width, height) = image.dimensions();
    let stride = width as usize * 3;
    let block_rows = height / 8;
    let picked: Vec<u32> = (0..block_rows).filter(|row| row % step == step / 2).collect();
    let mut pixels = Vec::with_capacity(picked.len() * 8 * stride);
    for row in &picked {
        let start = *row as usize * 8 * stride;
        pixels.extend_from_slice(&image.as_raw()[start..start + 8 * stride]);
    }
    // Sized from the rows copied, so this never takes the fallback.
    RgbImage::from_raw(width, picked.len() as u32 * 8, pixels).unwrap_or_else(|| RgbImage::new(width, 8))
}

/// Highest quality in `MIN_QUALITY..=MAX_QUALITY` whose JPEG fits `budget`, with its bytes,
/// or `None` when even `MIN_QUALITY` is too big.
pub(super) fn best_quality(image: &RgbImage, budget: usize) -> Result<Option<(Vec<u8>, u8)>, PhotoError> {
    let block_rows = image.height() / 8;
    let mut full = Trials::new(image);
    if block_rows < SAMPLE_MIN_BLOCK_ROWS {
        full.settle(budget)?;
        return Ok(full.answer(budget));
    }
    let step = (block_rows / SAMPLE_ROWS).clamp(1, MAX_SAMPLE_STEP);
    let sample_image = block_row_sample(image, step);
    let mut sample = Trials::new(&sample_image);
    // Coded data scales with the blocks, the headers do not: full ≈ header + scale × (sample
    // − its header), the scale first from the rows, then from each full encode.
    let mut scale = f64::from(image.height()) / f64::from(sample_image.height());
    let mut round = 0;
    loop {
        let (lo, hi) = full.bracket(budget);
        if hi - lo <= 1 {
            return Ok(full.answer(budget));
        }
        round += 1;
        let guess = if round <= MODEL_ROUNDS {
            if let Some(measured) = scale_from(&full, &mut sample, budget)? {
                scale = measured;
            }
            if sample.encoded.is_empty() {
                sample.measure(&[MAX_QUALITY, MIN_QUALITY])?;
            }
            let header = sample.encoded.values().next().map_or(0, |bytes| header_len(bytes));
            let sample_budget = header + (budget.saturating_sub(header) as f64 / scale) as usize;
            let (sample_lo, _) = sample.settle(sample_budget)?;
            sample_lo
        } else {
            full.model_guess(budget, round)
        };
        full.probe(guess, budget)?;
    }
}

/// Bytes before the coded data: markers, tables, the scan header.
fn header_len(jpeg: &[u8]) -> usize {
    super::jpeg_check::find_first_scan(jpeg).unwrap_or(0)
}

/// The full picture's coded bytes per sample coded byte, at the full encode closest to
/// `budget` (measuring the sample at that quality if needed); `None` before any full encode.
fn scale_from(full: &Trials, sample: &mut Trials, budget: usize) -> Result<Option<f64>, PhotoError> {
    let Some((&quality, bytes)) = full
        .encoded
        .iter()
        .min_by_key(|(_, bytes)| bytes.len().abs_diff(budget))
    else {
        return Ok(None);
    };
    sample.measure(&[quality])?;
    let coded = |jpeg: &[u8]| jpeg.len().saturating_sub(header_len(jpeg)).max(1) as f64;
    Ok(sample
        .encoded
        .get(&quality)
        .map(|sample_bytes| coded(bytes) / coded(sample_bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn textured(seed: u64, width: u32, height: u32) -> RgbImage {
        let mut rng = fastrand::Rng::with_seed(seed);
        RgbImage::from_fn(width, height, |x, y| {
            let n = rng.u8(..) / 3;
            Rgb([(x / 2) as u8 ^ n, (y / 2) as u8, n])
        })
    }

    #[test]
    fn scale_mapping_round_trips() {
        for q in [35.0, 49.0, 50.0, 75.0, 92.0] {
            assert!((quality_of_scale(scale_of(q)) - q).abs() < 1e-9);
        }
    }

    /// The search's answer against every quality encoded, for budgets across the whole range,
    /// including exactly-at-a-size edges.
    fn matches_exhaustive_answer(image: &RgbImage) {
        let sizes: Vec<(u8, usize)> = (MIN_QUALITY..=MAX_QUALITY)
            .map(|q| (q, encode(image, q).map(|b| b.len()).unwrap_or(usize::MAX)))
            .collect();
        for &(q, size) in sizes.iter().step_by(7) {
            for budget in [size - 1, size, size + 1] {
                let expected = sizes.iter().rev().find(|(_, s)| *s <= budget).map(|(q, _)| *q);
                let found = best_quality(image, budget).expect("encode");
                let found_q = found.as_ref().map(|(_, q)| *q);
                if let Some((bytes, q)) = &found {
                    assert!(bytes.len() <= budget);
                    assert_eq!(bytes.len(), sizes[usize::from(q - MIN_QUALITY)].1, "q{q}");
                }
                // Sizes are almost but not strictly monotone; allow the search to stop at a
                // fitting quality just below a non-monotone bump.
                match (expected, found_q) {
                    (Some(e), Some(f)) => {
                        assert!(f <= e && e - f <= 2, "q{q} budget {budget}: {f} vs {e}")
                    }
                    (e, f) => assert_eq!(e, f, "q{q} budget {budget}"),
                }
            }
        }
    }

    #[test]
    fn search_matches_exhaustive_answer() {
        // Small enough to be searched whole.
        matches_exhaustive_answer(&textured(11, 400, 200));
    }

    #[test]
    fn sampled_search_matches_exhaustive_answer() {
        // Tall enough for the block-row sample; the lower half is flat, so a sample that
        // missed it, or a scale taken from the rows alone, would guess wrong.
        let mut image = textured(12, 480, 640);
        for y in 320..640 {
            for x in 0..480 {
                image.put_pixel(x, y, Rgb([90, 120, 150]));
            }
        }
        assert!(image.height() / 8 >= SAMPLE_MIN_BLOCK_ROWS);
        matches_exhaustive_answer(&image);
    }

    #[test]
    fn the_sample_holds_the_picked_block_rows_whole() {
        let image = RgbImage::from_fn(24, 70, |x, y| Rgb([x as u8, y as u8, 0]));
        // 8 whole block rows (the last 6 pixel rows are a partial one); every 4th from the 2nd.
        let sample = block_row_sample(&image, 4);
        assert_eq!(sample.dimensions(), (24, 16));
        assert_eq!(*sample.get_pixel(5, 0), Rgb([5, 16, 0]));
        assert_eq!(*sample.get_pixel(5, 15), Rgb([5, 55, 0]));
    }

    #[test]
    fn the_encoder_writes_what_the_quality_says() {
        let image = textured(3, 64, 48);
        let jpeg = encode(&image, 75).expect("encode");
        let decoded = image::load_from_memory(&jpeg).expect("decodes").into_rgb8();
        assert_eq!(decoded.dimensions(), (64, 48));
        // libjpeg's standard luminance table (16, 11, 12 … in zigzag order) at half scale.
        let dqt = jpeg.windows(2).position(|w| w == [0xFF, 0xDB]).expect("a DQT segment");
        assert_eq!(&jpeg[dqt + 5..dqt + 8], &[8, 6, 6]);
        assert!(matches!(encode(&RgbImage::new(0, 0), 75), Err(PhotoError::Corrupt(_))));
    }
}
