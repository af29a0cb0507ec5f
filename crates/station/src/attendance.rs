//! The station as an attendance point (考勤点): a worker or a visitor passes in or out, the
//! face is taken with the pass time burned into it, and the log waits in the queue for the
//! platform's window.

use chrono::{DateTime, SubsecRound, Utc};

use super::{Station, StationError};
use domain::{Direction, Identified, Pass, Passer, PhotoKind, RecordState};
use media::PhotoError;
use store::{PassRow, WorkerRow};

/// Where the site photo comes from.
pub enum SitePhoto {
    /// A camera frame.
    Frame(image::RgbImage),
    /// A photo file's bytes (the command line's `--photo @FILE`).
    File(Vec<u8>),
}

/// Said when a log comes without its site photo.
pub const NO_SITE_PHOTO: &str = "没有现场照片，考勤没有记录：平台按“人脸识别”接收考勤，每条考勤都要带本人的现场照片。请打开摄像头、对准本人后再按“进场”或“离场”";

/// One attendance at the point.
pub struct PassRequest {
    pub passer: Passer,
    pub direction: Direction,
    /// When the person passed; now (on the platform's clock) when not given.
    pub passed_at: Option<DateTime<Utc>>,
    /// Required: a log without it is refused ([`NO_SITE_PHOTO`]).
    pub photo: Option<SitePhoto>,
    /// How the person in the photo is known to be `passer`: the camera's 1:N
    /// ([`Station::identify`]) or the clerk's 本人核对无误. The platform's `way` 1 claims it.
    pub identified: Identified,
}

/// What happened to an attendance.
#[derive(Debug, Clone, PartialEq)]
pub struct Attended {
    pub item_id: store::ItemId,
    pub person_name: String,
    pub direction: Direction,
    pub passed_at: DateTime<Utc>,
    /// Set when this was the same person and direction as a log moments before: that log
    /// stands, nothing new was stored.
    pub repeat_of: Option<PassRow>,
    /// What the clerk should know (a repeat, a registration not yet on the platform).
    pub notes: Vec<String>,
}

impl Station {
    /// Workers for the point's search: ID number prefix or part of the name; those still on
    /// the site first.
    pub fn find_workers(&self, query: &str, limit: usize) -> Result<Vec<WorkerRow>, StationError> {
        let mut rows = self.store.find_workers(query, limit)?;
        rows.sort_by_key(|r| !r.on_site());
        Ok(rows)
    }

    /// Records a pass: checks who it is and when, folds a double punch into the earlier log,
    /// burns the pass time into the photo, and queues the log.
    pub fn record_attendance(&mut self, request: PassRequest) -> Result<Attended, StationError> {
        let now = self.clock.platform_now();
        let passed_at = request.passed_at.unwrap_or(now).trunc_subsecs(0);
        let refused = |why: String| StationError::Refused(vec![why]);
        let mut notes = Vec::new();
        let (person_name, company) = match &request.passer {
            Passer::Worker { id_code } => {
                let id = domain::parse_id_number(id_code).map_err(|e| refused(e.to_string()))?;
                let row = self.store.worker_row(&id.code)?.ok_or_else(|| {
                    refused(format!(
                        "身份证号 {} 的人员还没有在本站登记：请先到“人员登记”登记，访客请按访客记录",
                        domain::mask_id(&id.code)
                    ))
                })?;
                if !row.on_site() {
                    return Err(refused(format!(
                        "{} 已离场（或正在办理离场），不能再记考勤：如已回到工地，请重新登记",
                        row.emp_name
                    )));
                }
                match row.state {
                    RecordState::Pending => notes.push(format!(
                        "{} 的登记还没有上传成功：考勤会等登记被平台接收后再发送",
                        row.emp_name
                    )),
                    RecordState::NeedsFix => notes.push(format!(
                        "{} 的登记被平台拒绝，还没有改正：改正并上传后考勤才会发送，超过 {} 的考勤平台不再接收",
                        row.emp_name,
                        domain::attendance::window_words(self.config.attendance_window_secs)
                    )),
                    // Drafts live apart and are never found here.
                    RecordState::Sent | RecordState::Departed | RecordState::Draft => {}
                }
                (row.emp_name, row.emp_company)
            }
            Passer::Visitor { name, id_code } => {
                if let Ok(id) = domain::parse_id_number(id_code)
                    && let Some(row) = self.store.worker_row(&id.code)?
                    && row.on_site()
                {
                    return Err(refused(format!(
                        "{} 是本项目登记的工人：请按工人记录考勤，不要按访客",
                        row.emp_name
                    )));
                }
                (name.trim().to_string(), String::new())
            }
        };
        let pass = Pass::validate(
            request.passer,
            request.direction,
            passed_at,
            now,
            self.config.attendance_window_secs,
        )
        .map_err(|e| refused(e.to_string()))?;
        // The platform's `way` 1 (人脸识别) is the only way a station log can go, and it
        // stands for the face: a log without one would claim a recognition that never was.
        let Some(site_photo) = request.photo else {
            return Err(refused(NO_SITE_PHOTO.into()));
        };
        let debounce_secs = self.config.attendance_debounce_secs;
        if debounce_secs > 0
            && let Some(last) = self.store.last_pass(pass.passer.id_code(), pass.direction)?
            && domain::attendance::is_repeat(last.passed_at, pass.passed_at, debounce_secs)
        {
            notes.push(format!(
                "{person_name} 在 {} 已记过一次{}（{debounce_secs} 秒内的重复刷卡算同一次），这次没有另记",
                api::beijing_timestamp(last.passed_at),
                pass.direction.label(),
            ));
            return Ok(Attended {
                item_id: last.item_id,
                person_name,
                direction: pass.direction,
                passed_at: last.passed_at,
                repeat_of: Some(last),
                notes,
            });
        }
        let stamp = api::beijing_timestamp(pass.passed_at);
        let budget = self.config.photo_budgets.bytes_for(PhotoKind::Site);
        let photo = match site_photo {
            SitePhoto::Frame(rgb) => media::site_photo_rgb(rgb, &stamp, budget),
            SitePhoto::File(bytes) => media::site_photo(&bytes, &stamp, budget),
        }
        .map_err(|e: PhotoError| refused(format!("现场照片：{e}")))?;
        let item_id = self.store.record_pass(
            &pass,
            &person_name,
            &company,
            Some(photo.jpeg.as_slice()),
            request.identified,
        )?;
        (self.on_queued)();
        Ok(Attended {
            item_id,
            person_name,
            direction: pass.direction,
            passed_at: pass.passed_at,
            repeat_of: None,
            notes,
        })
    }

    /// Logs the queue could not send within the platform's window become 已过时限.
    pub fn expire_overdue_passes(&self) -> Result<usize, store::StoreError> {
        self.store
            .expire_passes(self.clock.platform_now(), self.config.attendance_window_secs)
    }

    /// A day's logs (Beijing date), oldest first.
    pub fn passes_on(&self, day: chrono::NaiveDate) -> Result<Vec<PassRow>, StationError> {
        let start = api::beijing_midnight(day);
        Ok(self.store.passes_between(start, start + chrono::Duration::days(1))?)
    }
}
