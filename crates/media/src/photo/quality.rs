//! Finding the highest JPEG quality that fits a byte budget, in as few encoder rounds as
//! possible: encoding dominates the pipeline once resizing is cheap.
//!
//! Two ideas keep it short:
//! - Each round encodes two qualities at once, one per core (the stations have two).
//! - Instead of bisecting blindly, the next guess comes from the encoder's own model: the
//!   quality maps to a quantiser scale (libjpeg's `5000/q` or `200-2q`, which `image` uses),
//!   and ln(file size) is close to linear in ln(scale). Guessing q and q+1 together usually
//!   settles the answer in the first round after the bracket is known.
//!
//! Every returned JPEG was actually measured, so the budget holds even where the model errs.

use image::RgbImage;
use image::codecs::jpeg::JpegEncoder;

use super::PhotoError;

/// Below quality 35 JPEG blocking makes faces hard to recognise, so callers shrink instead.
pub(super) const MIN_QUALITY: u8 = 35;
/// Above 92 size grows fast with no visible gain.
pub(super) const MAX_QUALITY: u8 = 92;

pub(super) fn encode(image: &RgbImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::with_capacity(image.as_raw().len() / 8);
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(image)
        .map_err(|e| PhotoError::Corrupt(format!("JPEG 编码失败：{e}")))?;
    Ok(out)
}

/// Encodes two qualities concurrently.
fn encode_pair(image: &RgbImage, a: u8, b: u8) -> Result<(Vec<u8>, Vec<u8>), PhotoError> {
    let (first, second) = std::thread::scope(|scope| {
        let other = scope.spawn(|| encode(image, b));
        let first = encode(image, a);
        // A panic inside the encoder is a bug in `image`; report it like a failed encode.
        let second = other
            .join()
            .unwrap_or_else(|_| Err(PhotoError::Corrupt("JPEG 编码器崩溃".to_owned())));
        (first, second)
    });
    Ok((first?, second?))
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

/// Highest quality in `MIN_QUALITY..=MAX_QUALITY` whose JPEG fits `budget`, with its bytes,
/// or `None` when even `MIN_QUALITY` is too big.
pub(super) fn best_quality(image: &RgbImage, budget: usize) -> Result<Option<(Vec<u8>, u8)>, PhotoError> {
    let (top, bottom) = encode_pair(image, MAX_QUALITY, MIN_QUALITY)?;
    if top.len() <= budget {
        return Ok(Some((top, MAX_QUALITY)));
    }
    if bottom.len() > budget {
        return Ok(None);
    }
    // Invariant: `lo` fits and its bytes are in `best`; `hi` does not fit.
    let mut lo = (MIN_QUALITY, bottom.len());
    let mut hi = (MAX_QUALITY, top.len());
    let mut best = bottom;
    let mut round = 0;
    while hi.0 - lo.0 > 1 {
        round += 1;
        let guess = if round <= 2 {
            estimate(lo, hi, budget).floor()
        } else {
            // The model was off twice (odd content); plain bisection bounds the worst case.
            f64::from(lo.0 + (hi.0 - lo.0) / 2)
        };
        let a = (guess as u8).clamp(lo.0 + 1, hi.0 - 1);
        if a + 1 >= hi.0 {
            let bytes = encode(image, a)?;
            if bytes.len() <= budget {
                lo = (a, bytes.len());
                best = bytes;
            } else {
                hi = (a, bytes.len());
            }
            continue;
        }
        let (at_a, at_b) = encode_pair(image, a, a + 1)?;
        if at_a.len() > budget {
            hi = (a, at_a.len());
        } else if at_b.len() > budget {
            lo = (a, at_a.len());
            hi = (a + 1, at_b.len());
            best = at_a;
        } else {
            lo = (a + 1, at_b.len());
            best = at_b;
        }
    }
    Ok(Some((best, lo.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn textured(seed: u64) -> RgbImage {
        let mut rng = fastrand::Rng::with_seed(seed);
        RgbImage::from_fn(400, 300, |x, y| {
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

    #[test]
    fn search_matches_exhaustive_answer() {
        let image = textured(11);
        let sizes: Vec<(u8, usize)> = (MIN_QUALITY..=MAX_QUALITY)
            .map(|q| (q, encode(&image, q).map(|b| b.len()).unwrap_or(usize::MAX)))
            .collect();
        // Budgets across the whole range, including exactly-at-a-size edges.
        for &(q, size) in sizes.iter().step_by(7) {
            for budget in [size - 1, size, size + 1] {
                let expected = sizes.iter().rev().find(|(_, s)| *s <= budget).map(|(q, _)| *q);
                let found = best_quality(&image, budget).expect("encode");
                let found_q = found.as_ref().map(|(_, q)| *q);
                if let Some((bytes, _)) = &found {
                    assert!(bytes.len() <= budget);
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
}
