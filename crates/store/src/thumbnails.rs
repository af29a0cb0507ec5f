//! The roster's small face pictures: read for the rows on screen only.

use rusqlite::{OptionalExtension, params};

use super::{Result, Store};
use domain::PhotoKind;

impl Store {
    pub fn save_thumbnail(&self, id_code: &str, jpeg: &[u8]) -> Result<()> {
        self.conn.execute(
            "INSERT INTO worker_thumbnails (id_code, jpeg) VALUES (?1, ?2)
             ON CONFLICT (id_code) DO UPDATE SET jpeg = excluded.jpeg",
            params![id_code, jpeg],
        )?;
        Ok(())
    }

    /// For each of `id_codes`: its thumbnail, or (when it has none yet) its face photo to
    /// make one from, or nothing.
    pub fn thumbnails_or_faces(&self, id_codes: &[String]) -> Result<Vec<(String, Thumbnail)>> {
        let mut thumb = self
            .conn
            .prepare_cached("SELECT jpeg FROM worker_thumbnails WHERE id_code = ?1")?;
        let mut face = self
            .conn
            .prepare_cached("SELECT jpeg FROM worker_photos WHERE id_code = ?1 AND kind = ?2")?;
        let mut out = Vec::with_capacity(id_codes.len());
        for id in id_codes {
            let found = match thumb.query_row([id], |r| r.get::<_, Vec<u8>>(0)).optional()? {
                Some(jpeg) => Thumbnail::Made(jpeg),
                None => match face
                    .query_row(params![id, PhotoKind::Face.key()], |r| r.get::<_, Vec<u8>>(0))
                    .optional()?
                {
                    Some(jpeg) => Thumbnail::FromFace(jpeg),
                    None => Thumbnail::None,
                },
            };
            out.push((id.clone(), found));
        }
        Ok(out)
    }
}

/// What a worker has to show in the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Thumbnail {
    Made(Vec<u8>),
    /// No thumbnail yet (enrolled before thumbnails existed): its face photo.
    FromFace(Vec<u8>),
    None,
}
