//! `cwr-station attend`: the 考勤 point from the command line, through the same use case.

use super::queue_cmds::{drain_now, exit_for_items, open_station, refused};
use super::{Context, Exit};
use domain::{Direction, Identified, Passer};
use station::{PassRequest, SitePhoto, Station};

pub fn attend(
    ctx: &Context,
    id_code: &str,
    direction: Direction,
    photo: Option<&str>,
    time: Option<&str>,
    visitor: Option<String>,
    confirmed: bool,
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
    let photo_path = photo.map(|arg| std::path::PathBuf::from(arg.strip_prefix('@').unwrap_or(arg)));
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
    let identified = if confirmed {
        Identified::Clerk
    } else {
        match recognised(&mut station, &passer, photo_path.as_deref()) {
            Ok(identified) => identified,
            Err(why) => {
                errln!("{why}");
                errln!("没有保存，也没有上传：核对本人无误后加 --confirmed 重新执行");
                return Exit::Invalid;
            }
        }
    };
    let attended = match station.record_attendance(PassRequest {
        passer,
        direction,
        passed_at,
        photo,
        identified,
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

/// The site photo's face recognised as this worker (1:N over the workers on the site), or
/// why the log cannot claim the platform's 人脸识别 without the clerk's check.
fn recognised(station: &mut Station, passer: &Passer, photo: Option<&std::path::Path>) -> Result<Identified, String> {
    let Passer::Worker { id_code } = passer else {
        return Err("访客没有登记的人脸照片，摄像头认不出：请核对访客本人和身份证".into());
    };
    let Some(models) = host::paths::models_dir() else {
        return Err(
            "找不到人脸模型，认不出照片里的人：请重新安装工作站，或用 CWR_MODELS_DIR 指明模型所在的文件夹".into(),
        );
    };
    station.use_face_engine(std::sync::Arc::new(face::LazyEngine::new(models)));
    let picture = photo
        .ok_or_else(|| "没有现场照片".to_string())
        .and_then(|p| media::load_upright_rgb(p).map_err(|e| format!("现场照片读不出来：{e}")))?;
    match station.identify_picture(&picture) {
        Ok(Some(m)) if m.id_code == *id_code => Ok(Identified::Face { distance: m.distance }),
        Ok(Some(m)) => Err(format!(
            "照片里的人像是 {}（{}），不是身份证号 {} 的人员",
            m.name,
            domain::mask_id(&m.id_code),
            domain::mask_id(id_code)
        )),
        Ok(None) => Err("照片里的人不是本项目在场的已登记工人（或照片里没有人脸），认不出此人".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// A photo file, refused before reading when it is larger than any photo or not a file.
fn read_limited(path: &std::path::Path) -> Result<Vec<u8>, String> {
    media::read_photo_file(path).map_err(|e| e.to_string())
}
