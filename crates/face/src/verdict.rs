//! From two pictures to 一致 / 不确定 / 不一致.

use image::RgbImage;
use image::imageops::{self, FilterType};
use serde::Serialize;

use crate::FaceEngine;
use crate::descriptor::Descriptor;
use crate::detect::DetectedFace;
use crate::error::{FaceError, ImageRole};

/// The two distance lines of the three verdicts. Below `match_below` the faces are the same
/// person; from `different_from` up they are not; in between the model cannot tell and the
/// clerk looks. The band is wide on purpose: the chip portrait is a 102×126, ~1 KB copy of a
/// photo taken years ago, and against such a reference the distances of the same person
/// (measured 0.42–0.74 here, up to 0.78 in the proof) and of different people (from 0.39)
/// overlap; see `assets/models/README.md`, "Calibration".
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    pub match_below: f32,
    pub different_from: f32,
}

impl Thresholds {
    /// From `examples/calibrate.rs` on the faces in `crates/face/tests/faces` and the group
    /// photos of @vladmandic/face-api's demo. 0.40: no different-person pair of another scene
    /// measured below it (a false 一致 is attested to the platform; a 不确定 costs the clerk
    /// a look). 0.80: above every same-person distance measured (0.741, the proof's 0.776).
    pub const CALIBRATED: Thresholds = Thresholds {
        match_below: 0.40,
        different_from: 0.80,
    };

    pub fn verdict(&self, distance: f32) -> Verdict {
        if distance < self.match_below {
            Verdict::Match
        } else if distance < self.different_from {
            Verdict::Uncertain
        } else {
            Verdict::Different
        }
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds::CALIBRATED
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// 一致: the same person.
    Match,
    /// 不确定: the clerk compares the faces by eye.
    Uncertain,
    /// 不一致: not the same person.
    Different,
}

impl Verdict {
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Match => "一致",
            Verdict::Uncertain => "不确定",
            Verdict::Different => "不一致",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text())
    }
}

/// Which picture of the card decided a [`Comparison`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reference {
    Chip,
    FrontScan,
}

/// The outcome of [`compare`]. Serialised (serde_json) it is exactly the CLI's line,
/// `{"faces":[n_live,n_chip],"distance":f,"threshold":f,"verdict":"…","match":bool}`, where
/// `distance` is the deciding reference's and `threshold` the match line; the fields marked
/// `skip` are for the log and the screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Faces found in the live frame and in the chip portrait.
    pub faces: [usize; 2],
    pub distance: f32,
    pub threshold: f32,
    pub verdict: Verdict,
    /// True only for [`Verdict::Match`].
    #[serde(rename = "match")]
    pub is_match: bool,
    #[serde(skip)]
    pub chip_distance: Option<f32>,
    #[serde(skip)]
    pub front_scan_distance: Option<f32>,
    /// Faces found on the front scan, when one was given.
    #[serde(skip)]
    pub front_scan_faces: Option<usize>,
    #[serde(skip)]
    pub decided_by: Reference,
    #[serde(skip)]
    pub thresholds: Thresholds,
}

/// References smaller than this (long side) are enlarged 2× before detection and alignment,
/// as the proof did for the 102×126 chip portrait, whose calibration this keeps.
const ENLARGE_BELOW_PX: u32 = 256;

/// Compares the live camera frame with the card: the chip portrait, and the portrait on the
/// front scan when there is one, using [`Thresholds::CALIBRATED`].
///
/// The rule for two references: both are copies of the same photo, so they are not two
/// independent votes (taking the smaller distance would just give an impostor two tries).
/// The one whose face has more pixels between the eyes decides, because its descriptor
/// rests on more real detail: a 300-dpi front scan (eyes ~60 px apart) beats the chip
/// (~25 px, JPEG-2000 at ~1 KB); a phone snapshot of the card may not. If the other
/// reference says the opposite extreme (one 一致, the other 不一致), the result is 不确定:
/// two copies of one photo disagreeing means one of them is unfit, or the scan is of a
/// different card.
pub fn compare(
    engine: &FaceEngine,
    live: &RgbImage,
    chip: &RgbImage,
    front_scan: Option<&RgbImage>,
) -> Result<Comparison, FaceError> {
    let thresholds = Thresholds::CALIBRATED;
    let live_faces = engine.detect(live)?;
    let live_face = live_faces.first().ok_or(FaceError::NoFace(ImageRole::Live))?;
    let live_descriptor = engine.describe(live, live_face)?;

    let chip_ref = describe_reference(engine, chip)?;
    let front_ref = front_scan.map(|scan| describe_reference(engine, scan)).transpose()?;

    let distance_and_eyes = |r: &ReferenceFace| {
        r.largest
            .as_ref()
            .map(|(d, eyes)| (d.distance(&live_descriptor), *eyes))
    };
    let chip_seen = distance_and_eyes(&chip_ref);
    let front_seen = front_ref.as_ref().and_then(distance_and_eyes);
    let (decided_by, distance, other) = match (chip_seen, front_seen) {
        (Some((chip, chip_eyes)), Some((front, front_eyes))) if front_eyes > chip_eyes => {
            (Reference::FrontScan, front, Some(chip))
        }
        (Some((chip, _)), front) => (Reference::Chip, chip, front.map(|(f, _)| f)),
        (None, Some((front, _))) => (Reference::FrontScan, front, None),
        (None, None) => return Err(FaceError::NoFace(ImageRole::Chip)),
    };
    let mut verdict = thresholds.verdict(distance);
    if let Some(other) = other {
        let opposite = matches!(
            (verdict, thresholds.verdict(other)),
            (Verdict::Match, Verdict::Different) | (Verdict::Different, Verdict::Match)
        );
        if opposite {
            verdict = Verdict::Uncertain;
        }
    }
    Ok(Comparison {
        faces: [live_faces.len(), chip_ref.count],
        distance,
        threshold: thresholds.match_below,
        verdict,
        is_match: verdict == Verdict::Match,
        chip_distance: chip_seen.map(|(d, _)| d),
        front_scan_distance: front_seen.map(|(d, _)| d),
        front_scan_faces: front_ref.as_ref().map(|r| r.count),
        decided_by,
        thresholds,
    })
}

struct ReferenceFace {
    count: usize,
    /// The largest face's descriptor and its eye distance in the original image's pixels.
    largest: Option<(Descriptor, f32)>,
}

fn describe_reference(engine: &FaceEngine, image: &RgbImage) -> Result<ReferenceFace, FaceError> {
    let factor = if image.width().max(image.height()) < ENLARGE_BELOW_PX {
        2
    } else {
        1
    };
    let enlarged;
    let work = if factor > 1 {
        enlarged = imageops::resize(
            image,
            image.width() * factor,
            image.height() * factor,
            FilterType::Triangle,
        );
        &enlarged
    } else {
        image
    };
    let faces: Vec<DetectedFace> = engine.detect(work)?;
    let largest = match faces.first() {
        Some(face) => Some((engine.describe(work, face)?, face.eye_distance_px() / factor as f32)),
        None => None,
    };
    Ok(ReferenceFace {
        count: faces.len(),
        largest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_bands() {
        let t = Thresholds::CALIBRATED;
        assert_eq!(t.verdict(0.0), Verdict::Match);
        assert_eq!(t.verdict(t.match_below), Verdict::Uncertain);
        assert_eq!(t.verdict(t.different_from), Verdict::Different);
    }

    #[test]
    fn json_has_exactly_the_cli_shape() {
        let c = Comparison {
            faces: [1, 1],
            distance: 0.5,
            threshold: 0.4,
            verdict: Verdict::Uncertain,
            is_match: false,
            chip_distance: Some(0.5),
            front_scan_distance: None,
            front_scan_faces: None,
            decided_by: Reference::Chip,
            thresholds: Thresholds::CALIBRATED,
        };
        let json = serde_json::to_string(&c).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"faces":[1,1],"distance":0.5,"threshold":0.4,"verdict":"uncertain","match":false}"#
        );
    }
}
