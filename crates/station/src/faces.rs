//! Attendance knows faces (issue 21 item 5): each worker's descriptor is kept when enrolled
//! (and computed later for those enrolled before), and the 考勤 point asks which on-site
//! worker a live face is (1:N). The gallery lives here, loaded once from the store and kept
//! current by the station's own enrollments and departures.

use std::sync::Arc;

pub use face::{Descriptor, FaceEngine, LazyEngine};
use face::{FaceError, Gallery};
use serde::Serialize;

use super::{Station, StationError};
use domain::PhotoKind;
pub use store::DescriptorSource;
use store::StoreError;

/// The model every kept descriptor is tagged with: descriptors of different models are
/// never compared (a new model makes the backfill compute them again).
pub const DESCRIPTOR_MODEL: &str = face::DESCRIPTOR_MODEL;

/// Both sides of a 1:N at the point are good photos (the enrolled face photo and the live
/// camera), so dlib's own line applies, not the chip-portrait thresholds.
pub const SAME_PERSON_BELOW: f32 = face::GOOD_PHOTOS_SAME_BELOW;

/// Said once when the models are not there: attendance goes on by card, ID number or name.
pub fn models_missing_words(e: &FaceError) -> String {
    format!(
        "人脸模型没有装好（{e}）：考勤时摄像头不会认人，请用读卡、身份证号或姓名找到人员并核对本人。请重新安装本程序，或把 models 文件夹放回程序所在的文件夹"
    )
}

/// Who the camera's face is, among the workers on the site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaceMatch {
    pub id_code: String,
    pub name: String,
    pub company: String,
    /// Under [`SAME_PERSON_BELOW`].
    pub distance: f32,
}

/// What one worker's backfill gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Described {
    Kept,
    /// The face photo holds no face (kept as tried, with this note).
    NoFace(String),
    /// The photo could not be read or described (kept as tried, with this note).
    Failed(String),
}

/// The backfill's counts (`cwr-station face backfill`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BackfillCounts {
    pub done: usize,
    pub no_face: usize,
    pub failed: usize,
}

const NO_FACE_NOTE: &str =
    "人脸照片里没有找到人脸：考勤时摄像头认不出此人，请用读卡、身份证号或姓名找到并核对本人；需要时重新拍摄人脸照片";

impl Station {
    /// Shares the window's (or a command's) face models with the station's enrollments and
    /// 1:N. Without it the station keeps no descriptors and identifies nobody.
    pub fn use_face_engine(&mut self, engine: Arc<LazyEngine>) {
        self.face_engine = Some(engine);
    }

    pub fn face_engine(&self) -> Option<&Arc<LazyEngine>> {
        self.face_engine.as_ref()
    }

    /// Keeps a worker's descriptor and puts it in the gallery in place of any older one.
    pub fn keep_descriptor(
        &mut self,
        id_code: &str,
        descriptor: &Descriptor,
        source: DescriptorSource,
    ) -> Result<(), StationError> {
        self.store
            .keep_descriptor(id_code, Some(&descriptor.to_le_bytes()), DESCRIPTOR_MODEL, source, "")?;
        let on_site = self.store.worker_row(id_code)?.is_some_and(|w| w.on_site());
        if let Some(gallery) = &mut self.gallery {
            gallery.remove_where(|k| k == id_code);
            if on_site {
                gallery.push(id_code.to_string(), descriptor);
            }
        }
        Ok(())
    }

    /// The on-site worker whose enrolled face is nearest to `descriptor`, when it is under
    /// the line; `None` for a stranger (or an empty gallery).
    pub fn identify(&mut self, descriptor: &Descriptor) -> Result<Option<FaceMatch>, StationError> {
        let gallery = self.gallery()?;
        let Some(nearest) = gallery.nearest(descriptor) else {
            return Ok(None);
        };
        if nearest.distance >= SAME_PERSON_BELOW {
            return Ok(None);
        }
        let (id_code, distance) = (nearest.key.clone(), nearest.distance);
        Ok(self
            .store
            .worker_row(&id_code)?
            .filter(|w| w.on_site())
            .map(|w| FaceMatch {
                id_code,
                name: w.emp_name,
                company: w.emp_company,
                distance,
            }))
    }

    /// How many faces the 1:N searches (loads the gallery when it is not yet).
    pub fn gallery_len(&mut self) -> Result<usize, StationError> {
        Ok(self.gallery()?.len())
    }

    /// The gallery is read again at the next identification (the backfill, run on its own
    /// connection, added descriptors this station has not seen).
    pub fn reload_gallery(&mut self) {
        self.gallery = None;
    }

    fn gallery(&mut self) -> Result<&Gallery<String>, StoreError> {
        if self.gallery.is_none() {
            let rows = self.store.on_site_descriptors(DESCRIPTOR_MODEL)?;
            let mut gallery = Gallery::with_capacity(rows.len());
            for (id_code, bytes) in rows {
                match Descriptor::from_le_bytes(&bytes) {
                    Ok(d) => gallery.push(id_code, &d),
                    // A damaged row: that worker is found by card or name, as before.
                    Err(e) => tracing::warn!("a stored face descriptor does not read: {e}"),
                }
            }
            self.gallery = Some(gallery);
        }
        Ok(self.gallery.get_or_insert_with(Gallery::new))
    }

    /// Departed workers are never proposed.
    pub(crate) fn gallery_forget(&mut self, id_codes: &[String]) {
        if let Some(gallery) = &mut self.gallery {
            gallery.remove_where(|k| id_codes.contains(k));
        }
    }

    /// A worker enrolled again after leaving is back in the gallery with the face on file.
    pub(crate) fn gallery_back_on_site(&mut self, id_code: &str) -> Result<(), StoreError> {
        let Some(gallery) = &mut self.gallery else {
            return Ok(());
        };
        if gallery.keys().iter().any(|k| k == id_code) {
            return Ok(());
        }
        if let Some(row) = self.store.face_row(id_code)?
            && row.model == DESCRIPTOR_MODEL
            && let Some(bytes) = row.descriptor
            && let Ok(d) = Descriptor::from_le_bytes(&bytes)
        {
            gallery.push(id_code.to_string(), &d);
        }
        Ok(())
    }

    /// At enrollment: the face photo's descriptor is kept. Returns the note for the clerk when
    /// it gave none; the save has happened either way. No engine: nothing (said elsewhere).
    pub(crate) fn describe_enrolled(&mut self, id_code: &str, jpeg: &[u8]) -> Option<String> {
        match self.describe_and_keep(id_code, jpeg, DescriptorSource::Enrollment) {
            Ok(Some(Described::Kept)) | Ok(None) => None,
            Ok(Some(Described::NoFace(note) | Described::Failed(note))) => Some(note),
            Err(e) => {
                tracing::warn!("a face descriptor was not kept: {e}");
                Some(format!(
                    "人脸特征没有保存（{e}）：考勤时请用读卡、身份证号或姓名找到此人"
                ))
            }
        }
    }

    /// Describes one face photo and keeps what it gave. `Ok(None)`: no engine, or the models
    /// do not load (nothing kept, so a later run with the models tries again).
    fn describe_and_keep(
        &mut self,
        id_code: &str,
        jpeg: &[u8],
        source: DescriptorSource,
    ) -> Result<Option<Described>, StationError> {
        let Some(engine) = self.face_engine.as_ref().map(|lazy| lazy.get()) else {
            return Ok(None);
        };
        let engine = match engine {
            Ok(engine) => engine,
            Err(e) => {
                tracing::warn!("face models not loaded: {e}");
                return Ok(None);
            }
        };
        let described = image::load_from_memory(jpeg)
            .map_err(|e| format!("人脸照片读不出来（{e}）：请重新拍摄或选择人脸照片"))
            .and_then(|img| {
                engine
                    .describe_largest(&img.to_rgb8())
                    .map_err(|e| format!("人脸特征算不出来：{e}"))
            });
        let outcome = match described {
            Ok(Some((descriptor, _, _))) => {
                self.keep_descriptor(id_code, &descriptor, source)?;
                return Ok(Some(Described::Kept));
            }
            Ok(None) => Described::NoFace(NO_FACE_NOTE.to_string()),
            Err(note) => Described::Failed(note),
        };
        let note = match &outcome {
            Described::NoFace(n) | Described::Failed(n) => n.as_str(),
            Described::Kept => "",
        };
        tracing::info!("no face descriptor for a worker: {note}");
        self.store
            .keep_descriptor(id_code, None, DESCRIPTOR_MODEL, source, note)?;
        Ok(Some(outcome))
    }

    /// Describes the next worker enrolled before the station knew faces (one at a time, so
    /// it can stop anywhere and go on later). `Ok(None)`: nobody left, or no models.
    pub fn backfill_next(&mut self) -> Result<Option<(String, Described)>, StationError> {
        if self.face_engine.is_none() {
            return Ok(None);
        }
        let Some(id_code) = self
            .store
            .workers_without_descriptor(DESCRIPTOR_MODEL, 1)?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let photos = self.store.worker_photos(&id_code)?;
        let Some(jpeg) = photos.get(&PhotoKind::Face) else {
            return Ok(None);
        };
        Ok(self
            .describe_and_keep(&id_code, jpeg, DescriptorSource::Backfill)?
            .map(|d| (id_code, d)))
    }

    /// Every worker left to describe, counted.
    pub fn backfill_all(&mut self) -> Result<BackfillCounts, StationError> {
        let mut counts = BackfillCounts::default();
        while let Some((_, described)) = self.backfill_next()? {
            match described {
                Described::Kept => counts.done += 1,
                Described::NoFace(_) => counts.no_face += 1,
                Described::Failed(_) => counts.failed += 1,
            }
        }
        Ok(counts)
    }
}

impl Station {
    /// [`Station::identify`] on a picture's largest face (the command line's site photo).
    /// `Ok(None)`: no face in it, or nobody on the site is that face.
    pub fn identify_picture(&mut self, picture: &image::RgbImage) -> Result<Option<FaceMatch>, StationError> {
        let refused = |why: String| StationError::Refused(vec![why]);
        let Some(lazy) = &self.face_engine else {
            return Err(refused("本机没有启用人脸识别".into()));
        };
        let engine = lazy.get().map_err(|e| refused(models_missing_words(&e)))?;
        let described = engine
            .describe_largest(picture)
            .map_err(|e| refused(format!("现场照片的人脸特征算不出来：{e}")))?;
        match described {
            Some((descriptor, _, _)) => self.identify(&descriptor),
            None => Ok(None),
        }
    }
}
