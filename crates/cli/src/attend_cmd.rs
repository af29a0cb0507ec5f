//! `cwr-station attend`: the 考勤 point from the command line, through the same use case.

use super::queue_cmds::{drain_now, exit_for_items, open_station, refused};
use super::{Context, Exit};
use domain::{Direction, Passer};
use station::{PassRequest, SitePhoto};

pub fn attend(
    ctx: &Context,
    id_code: &str,
    direction: Direction,
    photo: Option<&str>,
    time: Option<&str>,
    visitor: Option<String>,
) -> Exit {
    let passed_at = match time {
        None => None,
        Some(text) => match domain::time::parse_beijing_timestamp(text) {
            Some(t) => Some(t),
            None => {
                errln!("考勤时间“{text}”看不懂：请写成 yyyy-MM-dd HH:mm:ss（北京时间），例如 2026-11-29 08:05:00");
                return Exit::Invalid;
            }
        },
    };
    let photo = match photo {
        None => {
            errln!("考勤要带现场照片：平台按“人脸识别”接收考勤。请加 --photo @照片文件（本人的正面照片，JPEG 或 PNG）");
            errln!("没有保存，也没有上传：请改正后重新执行");
            return Exit::Invalid;
        }
        Some(arg) => {
            let path = arg.strip_prefix('@').unwrap_or(arg);
            match read_limited(std::path::Path::new(path)) {
                Ok(bytes) => Some(SitePhoto::File(bytes)),
                Err(e) => {
                    errln!("现场照片 {path} 读不了：{e}");
                    errln!("没有保存，也没有上传：请改正后重新执行");
                    return Exit::Invalid;
                }
            }
        }
    };
    let passer = match visitor {
        Some(name) => Passer::Visitor {
            name,
            id_code: id_code.to_string(),
        },
        None => Passer::Worker {
            id_code: id_code.to_string(),
        },
    };
    let Ok(mut station) = open_station(ctx) else {
        return Exit::LocalFailure;
    };
    let attended = match station.record_attendance(PassRequest {
        passer,
        direction,
        passed_at,
        photo,
    }) {
        Ok(a) => a,
        Err(e) => return refused(e),
    };
    for note in &attended.notes {
        errln!("注意：{note}");
    }
    if attended.repeat_of.is_none() {
        outln!(
            "已记录 {} {} {}",
            attended.person_name,
            direction.label(),
            domain::time::beijing_timestamp(attended.passed_at)
        );
        drain_now(ctx, &mut station);
    }
    exit_for_items(&station, &[attended.item_id])
}

/// A photo file, refused before reading when it is larger than any photo or not a file.
fn read_limited(path: &std::path::Path) -> Result<Vec<u8>, String> {
    media::read_photo_file(path).map_err(|e| e.to_string())
}
