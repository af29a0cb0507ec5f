//! Face descriptors for 1:N at the 考勤 point: one per worker, computed from the face photo
//! at enrollment or by the backfill, tagged with the model that made it (a new model makes
//! the old ones stale: they are computed again, never compared across models).

use chrono::Utc;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Result, Store, parse_timestamp, timestamp};
use crate::seams::prelude::*;

/// Where a descriptor came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DescriptorSource {
    /// Computed when the worker was saved.
    Enrollment,
    /// Computed later for a worker enrolled before the station knew faces.
    Backfill,
}

impl DescriptorSource {
    pub fn as_str(self) -> &'static str {
        match self {
            DescriptorSource::Enrollment => "enrollment",
            DescriptorSource::Backfill => "backfill",
        }
    }

    fn parse(s: &str) -> DescriptorSource {
        match s {
            "enrollment" => DescriptorSource::Enrollment,
            _ => DescriptorSource::Backfill,
        }
    }
}

/// What the store keeps for one worker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaceRow {
    pub id_code: String,
    /// 512 bytes (see `face::Descriptor::to_le_bytes`); `None`: the photo holds no face.
    #[serde(skip)]
    pub descriptor: Option<Vec<u8>>,
    pub model: String,
    pub source: DescriptorSource,
    /// Why there is no descriptor (no face, a photo that does not read).
    pub note: String,
    pub created_at: chrono::DateTime<Utc>,
}

/// Workers' departures that hold them off the site: the same rule as `WorkerRow::on_site`.
const ON_SITE: &str = "w.sync_state != 'departed'
    AND COALESCE((SELECT d.sync_state FROM departures d WHERE d.id_code = w.id_code ORDER BY d.id DESC LIMIT 1), '')
        != 'pending'";

impl FaceReads for Store {
    fn face_row(&self, id_code: &str) -> Result<Option<FaceRow>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id_code, descriptor, model, source, note, created_at FROM face_descriptors WHERE id_code = ?1",
                [id_code],
                |r| {
                    let source: String = r.get(3)?;
                    let created: String = r.get(5)?;
                    Ok(FaceRow {
                        id_code: r.get(0)?,
                        descriptor: r.get(1)?,
                        model: r.get(2)?,
                        source: DescriptorSource::parse(&source),
                        note: r.get(4)?,
                        created_at: parse_timestamp(&created).unwrap_or_default(),
                    })
                },
            )
            .optional()?)
    }

    fn on_site_descriptors(&self, model: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT f.id_code, f.descriptor FROM face_descriptors f JOIN workers w ON w.id_code = f.id_code
             WHERE f.descriptor IS NOT NULL AND f.model = ?1 AND {ON_SITE}"
        ))?;
        let rows = stmt.query_map([model], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn workers_without_descriptor(&self, model: &str, limit: usize) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT w.id_code FROM workers w
             JOIN worker_photos p ON p.id_code = w.id_code AND p.kind = 'face'
             LEFT JOIN face_descriptors f ON f.id_code = w.id_code
             WHERE f.id_code IS NULL OR f.model != ?1
             ORDER BY w.id_code LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![model, limit as i64], |r| r.get(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

impl FaceWrites for Store {
    fn keep_descriptor(
        &self,
        id_code: &str,
        descriptor: Option<&[u8]>,
        model: &str,
        source: DescriptorSource,
        note: &str,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO face_descriptors (id_code, descriptor, model, source, note, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id_code) DO UPDATE SET descriptor = excluded.descriptor, model = excluded.model,
               source = excluded.source, note = excluded.note, created_at = excluded.created_at",
            params![id_code, descriptor, model, source.as_str(), note, timestamp(Utc::now())],
        )?;
        Ok(())
    }
}
