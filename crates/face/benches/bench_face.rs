//! Prints the figures of assets/models/README.md ("Speed and memory"); not a timed test.
//!
//! cargo bench --bench bench_face
//!
//! Targets (issue 21): detection + description of one face ≤ 25 ms, 1:N over 20,000 ≤ 5 ms,
//! resident memory added by the loaded models ≤ 150 MB.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::*;
use face::{DESCRIPTOR_LEN, Descriptor, FaceEngine, FaceError, Gallery, ImageRole};

fn vm_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn mib(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.1} MB", k as f64 / 1024.0))
        .unwrap_or_else(|| "?".into())
}

/// Median and fastest of `runs` timings of `f`, in ms.
fn time(runs: usize, mut f: impl FnMut() -> Result<(), FaceError>) -> Result<(f64, f64), FaceError> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok((ms(times[runs / 2]), ms(times[0])))
}

fn main() -> Result<(), FaceError> {
    let before = vm_rss_kib();
    let start = Instant::now();
    let engine = FaceEngine::load(&models_dir())?;
    let load_ms = start.elapsed().as_secs_f64() * 1000.0;
    let loaded = vm_rss_kib();
    println!(
        "load: {load_ms:.0} ms; VmRSS {} -> {} (+{})",
        mib(before),
        mib(loaded),
        mib(loaded.zip(before).map(|(a, b)| a.saturating_sub(b)))
    );

    let obama = test_face("obama.jpg");
    let frame = webcam_frame(&obama, &largest_face(&obama, "obama"));
    let face = engine
        .detect(&frame)?
        .into_iter()
        .next()
        .ok_or(FaceError::NoFace(ImageRole::Live))?;
    for _ in 0..3 {
        black_box(engine.describe(&frame, &face)?);
    }
    let runs = 30;
    let (detect_ms, detect_best) = time(runs, || {
        black_box(engine.detect(black_box(&frame))?);
        Ok(())
    })?;
    let (describe_ms, describe_best) = time(runs, || {
        black_box(engine.describe(black_box(&frame), &face)?);
        Ok(())
    })?;
    let (both_ms, both_best) = time(runs, || {
        let faces = engine.detect(black_box(&frame))?;
        let first = faces.first().ok_or(FaceError::NoFace(ImageRole::Live))?;
        black_box(engine.describe(&frame, first)?);
        Ok(())
    })?;
    println!(
        "640x480 webcam frame, face {:.0} px wide (short-range detector only):",
        face.face_box.width_px()
    );
    println!("  detect            median {detect_ms:6.2} ms  best {detect_best:6.2} ms");
    println!("  describe          median {describe_ms:6.2} ms  best {describe_best:6.2} ms");
    println!("  detect + describe median {both_ms:6.2} ms  best {both_best:6.2} ms  (target <= 25 ms)");

    // A far face: the short-range model sees only a small one, so the full-range model runs too.
    let far = image::imageops::resize(&frame, 320, 240, image::imageops::FilterType::Triangle);
    let mut far_frame = image::RgbImage::from_pixel(640, 480, image::Rgb([90, 90, 90]));
    image::imageops::overlay(&mut far_frame, &far, 160, 120);
    let (far_ms, far_best) = time(runs, || {
        let faces = engine.detect(black_box(&far_frame))?;
        let first = faces.first().ok_or(FaceError::NoFace(ImageRole::Live))?;
        black_box(engine.describe(&far_frame, first)?);
        Ok(())
    })?;
    println!("  far face (both detectors) + describe median {far_ms:6.2} ms  best {far_best:6.2} ms");

    let after_inference = vm_rss_kib();
    println!(
        "VmRSS after the runs above: {} (+{} over before loading: models plus the interpreter's working buffers; target <= 150 MB)",
        mib(after_inference),
        mib(after_inference.zip(before).map(|(a, b)| a.saturating_sub(b)))
    );

    let probe = engine.describe(&frame, &face)?;
    let n = 20_000;
    let mut gallery = Gallery::with_capacity(n);
    let mut state = 0x2545_f491_u32;
    for key in 0..n as u32 {
        let values: [f32; DESCRIPTOR_LEN] = std::array::from_fn(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state % 2000) as f32 / 10_000.0 - 0.1
        });
        gallery.push(key, &Descriptor(values));
    }
    let (nn_ms, nn_best) = time(101, || {
        black_box(gallery.nearest(black_box(&probe)));
        Ok(())
    })?;
    println!("1:N nearest over {n}: median {nn_ms:.3} ms  best {nn_best:.3} ms  (target <= 5 ms)");
    println!(
        "VmRSS with a 20,000 gallery added (10 MB of f32): {}",
        mib(vm_rss_kib())
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average during the run: {}",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    Ok(())
}
