//! Measures the distance distributions behind `Thresholds::CALIBRATED` and the capture-guide
//! lines, as in face_verify_proof.py: every photo becomes a simulated chip portrait (card) and
//! a simulated webcam frame (live), and every card is compared with every live frame.
//!
//! cargo run --release --example calibrate [-- GROUP_PHOTO ...]
//!
//! The photos in tests/faces are always used; each extra GROUP_PHOTO (e.g. sample1..6.jpg of
//! npm @vladmandic/face-api's demo/) adds every face in it as a different person.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use face::{Thresholds, Verdict, face_quality};
use image::RgbImage;
use image::imageops;

struct Person {
    who: String,
    photo: String,
    /// The chip portrait through each codec of [`CODECS`].
    cards: Vec<Option<RgbImage>>,
    live: RgbImage,
}

/// JPEG q15 is about as damaged as the chip; q5 worse; "j2k" is JPEG 2000 at ~1 KB like the
/// chip's own wavelet image, made by ImageMagick when it is installed (as in the proof).
const CODECS: [&str; 3] = ["jpeg q15", "jpeg q5", "j2k 1KB"];
const IMAGEMAGICK: &str = "/usr/bin/convert-im6.q16";

fn j2k_1kb(card: &RgbImage) -> Option<RgbImage> {
    let dir = std::env::temp_dir().join(format!("calibrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let (png, j2k, back) = (dir.join("card.png"), dir.join("card.j2k"), dir.join("back.png"));
    card.save(&png).ok()?;
    let rate = format!("jp2:rate={}", card.width() * card.height() * 3 / 1024);
    let run = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new(IMAGEMAGICK)
            .args(args)
            .stderr(std::process::Stdio::null())
            .status()
            .ok()
            .filter(|s| s.success())
    };
    run(&[png.as_os_str(), "-define".as_ref(), rate.as_ref(), j2k.as_os_str()])?;
    run(&[j2k.as_os_str(), back.as_os_str()])?;
    Some(load(&back))
}

fn describe_largest(image: &RgbImage) -> Option<face::Descriptor> {
    let faces = engine().detect(image).ok()?;
    let face = faces.first()?;
    if std::env::var("FLIP").is_ok_and(|v| v == "1") {
        // Experiment: mean of the chip's and its mirror's descriptors.
        let chip = face::face_chip(image, face);
        let a = engine().describe_chip(&chip).ok()?;
        let b = engine().describe_chip(&imageops::flip_horizontal(&chip)).ok()?;
        return Some(face::Descriptor(std::array::from_fn(|i| (a.0[i] + b.0[i]) / 2.0)));
    }
    engine().describe(image, face).ok()
}

/// The live frame's descriptor; with LIVE_AS_CARD=1 (experiment) the live face first goes
/// through the same 102×126 JPEG q15 path as the card.
fn describe_live(live: &RgbImage) -> Option<face::Descriptor> {
    if std::env::var("LIVE_AS_CARD").is_ok_and(|v| v == "1") {
        let face = engine().detect(live).ok()?.into_iter().next()?;
        return describe_card(&id_card_portrait(live, &face, 15).0);
    }
    describe_largest(live)
}

/// As `face::compare` treats a chip: enlarged 2× first.
fn describe_card(card: &RgbImage) -> Option<face::Descriptor> {
    let big = imageops::resize(
        card,
        card.width() * 2,
        card.height() * 2,
        imageops::FilterType::Triangle,
    );
    describe_largest(&big)
}

fn stats(name: &str, mut d: Vec<f32>) {
    d.sort_by(f32::total_cmp);
    if d.is_empty() {
        return println!("{name}: none");
    }
    let q = |p: f32| d[((d.len() - 1) as f32 * p).round() as usize];
    println!(
        "{name}: n={} min {:.3} p5 {:.3} median {:.3} p95 {:.3} max {:.3}",
        d.len(),
        d[0],
        q(0.05),
        q(0.5),
        q(0.95),
        d[d.len() - 1]
    );
}

fn main() {
    let mut people = Vec::new();
    let mut add = |who: String, photo: &str, image: &RgbImage, face: &face::DetectedFace| {
        let (q15, bytes) = id_card_portrait(image, face, 15);
        let (q5, bytes5) = id_card_portrait(image, face, 5);
        let j2k = j2k_1kb(&id_card_portrait(image, face, 100).0);
        if who == "obama" && photo == "obama.jpg" {
            println!(
                "chip simulation: 102x126, JPEG q15 {bytes} bytes, q5 {bytes5} bytes, j2k {}",
                j2k.is_some()
            );
        }
        let live = webcam_frame(image, face);
        people.push(Person {
            who,
            photo: photo.to_string(),
            cards: vec![Some(q15), Some(q5), j2k],
            live,
        });
    };
    for (who, photo) in [
        ("obama", "obama.jpg"),
        ("obama", "obama2.jpg"),
        ("obama", "obama3.jpg"),
        ("biden", "biden.jpg"),
        ("collins", "astronaut.jpg"),
    ] {
        let image = test_face(photo);
        let face = largest_face(&image, photo);
        println!(
            "{photo:14} score {:.3} box w {:.0}px",
            face.score,
            face.face_box.width_px()
        );
        add(who.to_string(), photo, &image, &face);
    }
    for path in std::env::args().skip(1) {
        let image = load(std::path::Path::new(&path));
        let faces = engine().detect(&image).unwrap_or_default();
        let name = std::path::Path::new(&path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Faces under 60 px would make cards of nothing (the proof's MINFACE).
        let kept: Vec<_> = faces.iter().filter(|f| f.face_box.width_px() > 60.0).collect();
        println!(
            "{name:14} {} faces, {} over 60 px: widths {:?}",
            faces.len(),
            kept.len(),
            kept.iter().map(|f| f.face_box.width_px() as u32).collect::<Vec<_>>()
        );
        for (j, face) in kept.into_iter().enumerate() {
            add(format!("{name}#{j}"), &name, &image, face);
        }
    }

    let lives: Vec<_> = people.iter().map(|p| describe_live(&p.live)).collect();
    let t = Thresholds::CALIBRATED;
    println!(
        "thresholds: match < {} <= uncertain < {} <= different",
        t.match_below, t.different_from
    );
    for (c, codec) in CODECS.iter().enumerate() {
        let cards: Vec<_> = people
            .iter()
            .map(|p| p.cards[c].as_ref().and_then(describe_card))
            .collect();
        if cards.iter().all(Option::is_none) {
            println!("\n== {codec}: not available");
            continue;
        }
        println!("\n== card {codec} vs webcam frame");
        for (p, (card, live)) in people.iter().zip(cards.iter().zip(&lives)) {
            if card.is_none() || live.is_none() {
                println!(
                    "detection failed: {} (card {}, live {})",
                    p.who,
                    card.is_some(),
                    live.is_some()
                );
            }
        }
        let (mut genuine, mut same_photo, mut impostor, mut worst) = (vec![], vec![], vec![], vec![]);
        for (i, a) in people.iter().enumerate() {
            for (j, b) in people.iter().enumerate() {
                let (Some(card), Some(live)) = (&cards[i], &lives[j]) else {
                    continue;
                };
                let d = card.distance(live);
                let obama_biden = a.who == "obama" && b.who == "biden" || a.who == "biden" && b.who == "obama";
                if i == j {
                    same_photo.push(d);
                } else if a.who == b.who {
                    println!("  genuine     card {:12} live {:12} {d:.3}", a.photo, b.photo);
                    genuine.push(d);
                } else {
                    if obama_biden {
                        println!("  obama/biden card {:12} live {:12} {d:.3}", a.photo, b.photo);
                    }
                    impostor.push(d);
                    worst.push((d, a.who.clone(), b.who.clone()));
                }
            }
        }
        stats("genuine, different photos", genuine.clone());
        stats("same photo", same_photo.clone());
        stats("impostors", impostor.clone());
        worst.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (d, a, b) in worst.iter().take(4) {
            println!("  closest impostor: card {a} live {b} {d:.3}");
        }
        let count = |d: &[f32], v: Verdict| d.iter().filter(|&&x| t.verdict(x) == v).count();
        for (name, d) in [
            ("genuine", &genuine),
            ("same photo", &same_photo),
            ("impostors", &impostor),
        ] {
            println!(
                "  {name:11} match {:3}  uncertain {:3}  different {:3}",
                count(d, Verdict::Match),
                count(d, Verdict::Uncertain),
                count(d, Verdict::Different)
            );
        }
    }

    println!("\ncapture guide (live frames): luma / sharpness, sharp vs blurred (sigma 2 px, 3 px) vs dark (x0.25)");
    for p in people.iter().take(5) {
        let Some(face) = engine().detect(&p.live).ok().and_then(|f| f.into_iter().next()) else {
            continue;
        };
        let q = face_quality(&p.live, &face);
        let b2 = imageops::blur(&p.live, 2.0);
        let b3 = imageops::blur(&p.live, 3.0);
        let mut dark = p.live.clone();
        dark.pixels_mut().for_each(|px| px.0 = px.0.map(|c| c / 4));
        let line = |img: &RgbImage| match engine().detect(img).ok().and_then(|f| f.into_iter().next()) {
            Some(f) => {
                let q = face_quality(img, &f);
                format!("{:5.1}/{:6.1}", q.luma, q.sharpness)
            }
            None => "no face".to_string(),
        };
        println!(
            "  {:14} eyes {:5.1}px  sharp {:5.1}/{:6.1}  blur2 {}  blur3 {}  dark {}",
            p.photo,
            face.eye_distance_px(),
            q.luma,
            q.sharpness,
            line(&b2),
            line(&b3),
            line(&dark)
        );
    }
}
