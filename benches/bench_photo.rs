//! Times `normalize_photo` on a 12-megapixel JPEG against ImageMagick doing the same job.
//!
//! Usage: `cargo bench --bench bench_photo [-- [INPUT.jpg] [--runs N]]`
//! Without INPUT a 4000×3000 photo-like JPEG is generated (gradients, soft shapes, edges and
//! sensor-like noise, so it does not compress trivially).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use cwr_station::domain::PhotoKind;
use cwr_station::media::{PhotoBudgets, load_photo_file};
use image::codecs::jpeg::JpegEncoder;
use image::{ImageEncoder, Rgb, RgbImage};

fn main() {
    if let Err(message) = run() {
        eprintln!("bench_photo: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut input: Option<PathBuf> = None;
    let mut runs = 5usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--bench" {
            // cargo bench's own flag for a harness; this benchmark has none.
            continue;
        } else if arg == "--runs" {
            let value = args.next().ok_or("--runs needs a number")?;
            runs = value.parse().map_err(|_| format!("bad --runs value: {value}"))?;
        } else {
            input = Some(PathBuf::from(arg));
        }
    }
    let runs = runs.max(1);
    let work = std::env::temp_dir().join(format!("bench_photo_{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| format!("temp dir: {e}"))?;
    let input = match input {
        Some(path) => path,
        None => {
            // Cached across runs: generating takes longer than the benchmark itself.
            let path = std::env::temp_dir().join("cwr_bench_photo_4000x3000.jpg");
            if !path.exists() {
                let started = Instant::now();
                generate(&path)?;
                println!(
                    "generated {} in {:.1} s",
                    path.display(),
                    started.elapsed().as_secs_f64()
                );
            }
            path
        }
    };
    let input_len = std::fs::metadata(&input).map_err(|e| e.to_string())?.len();
    let (w, h) = image::image_dimensions(&input).map_err(|e| e.to_string())?;
    let budget = PhotoBudgets::default().bytes_for(PhotoKind::Face);
    println!(
        "input: {} ({w}×{h}, {:.2} MB)",
        input.display(),
        input_len as f64 / 1_048_576.0
    );
    println!(
        "budget: {} bytes (face, 200 KB); runs: {runs}; profile: {}",
        budget,
        profile()
    );
    println!();

    let mut ours = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        let photo = load_photo_file(&input, budget).map_err(|e| e.to_string())?;
        ours.push(started.elapsed());
        last = Some(photo);
    }
    let photo = last.ok_or("no run")?;
    let ours_median = median(&mut ours);
    println!(
        "cwr_station normalize_photo: median {:>7.1} ms  (min {:.1}, max {:.1})  -> {} bytes, {}×{}, quality {}",
        ms(ours_median),
        ms(ours[0]),
        ms(ours[ours.len() - 1]),
        photo.jpeg.len(),
        photo.width,
        photo.height,
        photo.quality
    );

    let Some(convert) = imagemagick() else {
        println!("ImageMagick: skipped (no `magick`/`convert` from ImageMagick on PATH; apt-get install imagemagick)");
        return Ok(());
    };
    let out = work.join("imagemagick_out.jpg");
    for (label, threads) in [
        ("ImageMagick (default threads)", None),
        ("ImageMagick (1 thread)", Some("1")),
    ] {
        let mut times = Vec::new();
        for _ in 0..runs {
            let mut cmd = Command::new(&convert);
            if let Some(n) = threads {
                cmd.args(["-limit", "thread", n]);
            }
            cmd.arg(&input)
                .args(["-auto-orient", "-resize", "1600x1600>", "-define", "jpeg:extent=200kb"])
                .arg(&out);
            let started = Instant::now();
            let status = cmd.status().map_err(|e| format!("running ImageMagick: {e}"))?;
            times.push(started.elapsed());
            if !status.success() {
                return Err(format!("ImageMagick failed: {status}"));
            }
        }
        let median_time = median(&mut times);
        let size = std::fs::metadata(&out).map_err(|e| e.to_string())?.len();
        let (ow, oh) = image::image_dimensions(&out).map_err(|e| e.to_string())?;
        println!(
            "{label:<28}: median {:>7.1} ms  (min {:.1}, max {:.1})  -> {size} bytes, {ow}×{oh}, quality {}",
            ms(median_time),
            ms(times[0]),
            ms(times[times.len() - 1]),
            quality_of(&out).unwrap_or_else(|| "?".into())
        );
        println!(
            "{:<28}  ratio ours/ImageMagick = {:.2}",
            "",
            ours_median.as_secs_f64() / median_time.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug (deps at opt-level 2)"
    } else {
        "release"
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The real ImageMagick program. Some machines have a `convert` that is not ImageMagick,
/// so the version banner decides.
fn imagemagick() -> Option<String> {
    ["magick", "/usr/bin/convert", "convert"]
        .into_iter()
        .find_map(|program| {
            let banner = Command::new(program).arg("-version").output().ok()?;
            String::from_utf8_lossy(&banner.stdout)
                .contains("ImageMagick")
                .then(|| program.to_owned())
        })
}

fn quality_of(path: &Path) -> Option<String> {
    let out = Command::new("identify")
        .args(["-format", "%Q"])
        .arg(path)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Photo-like content: a lit gradient, a few soft blobs, hard-edged bars, and noise.
fn generate(path: &Path) -> Result<(), String> {
    let (w, h) = (4000u32, 3000u32);
    let mut rng = fastrand::Rng::with_seed(2024);
    let blobs: Vec<(f32, f32, f32, [f32; 3])> = (0..12)
        .map(|_| {
            let color = [rng.f32() * 200.0, rng.f32() * 200.0, rng.f32() * 200.0];
            (
                rng.f32() * w as f32,
                rng.f32() * h as f32,
                200.0 + rng.f32() * 600.0,
                color,
            )
        })
        .collect();
    let image = RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let mut c = [
            60.0 + 120.0 * fx / w as f32,
            80.0 + 100.0 * fy / h as f32,
            150.0 - 80.0 * (fx + fy) / (w + h) as f32,
        ];
        for &(bx, by, r, color) in &blobs {
            let d2 = ((fx - bx).powi(2) + (fy - by).powi(2)) / (r * r);
            let weight = (-d2).exp();
            for ch in 0..3 {
                c[ch] = c[ch] * (1.0 - weight) + color[ch] * weight;
            }
        }
        if (x / 97) % 7 == 0 && y > 2000 {
            c = [30.0, 30.0, 35.0];
        }
        let noise = (rng.f32() - 0.5) * 24.0;
        Rgb(c.map(|v| (v + noise).clamp(0.0, 255.0) as u8))
    });
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, 92)
        .write_image(image.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .map_err(|e| format!("encoding the test photo: {e}"))?;
    std::fs::write(path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))
}
