//! Face descriptors on the site database: as `crate::faces`. One station's enrollment or
//! backfill serves every station's 考勤 point.

use chrono::Utc;

use super::PgStore;
use crate::seams::prelude::*;
use crate::{DescriptorSource, FaceRow, Result, parse_timestamp, timestamp};

/// Workers' departures that hold them off the site: the same rule as `WorkerRow::on_site`.
const ON_SITE: &str = "w.sync_state != 'departed'
    AND COALESCE((SELECT d.sync_state FROM departures d WHERE d.id_code = w.id_code ORDER BY d.id DESC LIMIT 1), '')
        != 'pending'";

fn source(word: &str) -> DescriptorSource {
    match word {
        "enrollment" => DescriptorSource::Enrollment,
        _ => DescriptorSource::Backfill,
    }
}

impl FaceReads for PgStore {
    fn face_row(&self, id_code: &str) -> Result<Option<FaceRow>> {
        self.with(|c| {
            Ok(c.query_opt(
                "SELECT id_code, descriptor, model, source, note, created_at FROM face_descriptors WHERE id_code = $1",
                &[&id_code],
            )?
            .map(|r| FaceRow {
                id_code: r.get(0),
                descriptor: r.get(1),
                model: r.get(2),
                source: source(r.get::<_, &str>(3)),
                note: r.get(4),
                created_at: parse_timestamp(r.get::<_, &str>(5)).unwrap_or_default(),
            }))
        })
    }

    fn on_site_descriptors(&self, model: &str) -> Result<Vec<(String, Vec<u8>)>> {
        self.with(|c| {
            Ok(c.query(
                &format!(
                    "SELECT f.id_code, f.descriptor FROM face_descriptors f JOIN workers w ON w.id_code = f.id_code
                     WHERE f.descriptor IS NOT NULL AND f.model = $1 AND {ON_SITE}"
                ),
                &[&model],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
        })
    }

    fn workers_without_descriptor(&self, model: &str, limit: usize) -> Result<Vec<String>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT w.id_code FROM workers w
                 JOIN worker_photos p ON p.id_code = w.id_code AND p.kind = 'face'
                 LEFT JOIN face_descriptors f ON f.id_code = w.id_code
                 WHERE f.id_code IS NULL OR f.model != $1
                 ORDER BY w.id_code LIMIT $2",
                &[&model, &(limit as i64)],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })
    }
}

impl FaceWrites for PgStore {
    fn keep_descriptor(
        &self,
        id_code: &str,
        descriptor: Option<&[u8]>,
        model: &str,
        source: DescriptorSource,
        note: &str,
    ) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO face_descriptors (id_code, descriptor, model, source, note, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (id_code) DO UPDATE SET descriptor = excluded.descriptor, model = excluded.model,
                   source = excluded.source, note = excluded.note, created_at = excluded.created_at",
                &[
                    &id_code,
                    &descriptor,
                    &model,
                    &source.as_str(),
                    &note,
                    &timestamp(Utc::now()),
                ],
            )?;
            Ok(())
        })
    }
}
