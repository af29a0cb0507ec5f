//! `cwr-station face backfill [--json]`: the face descriptors the 考勤 point recognises
//! workers by, computed for those enrolled before the station knew faces (the window does
//! the same in the background, one worker at a time).

use std::sync::Arc;

use super::queue_cmds::open_station;
use super::{Context, Exit};

pub fn backfill(ctx: &Context, json: bool) -> Exit {
    let Some(models) = host::paths::models_dir() else {
        errln!(
            "找不到人脸模型（dlib_resnet_faceapi.onnx）：安装不完整，请重新安装工作站，或用 CWR_MODELS_DIR 指明模型所在的文件夹"
        );
        return Exit::LocalFailure;
    };
    let engine = Arc::new(face::LazyEngine::new(models));
    // Loaded here so that a broken install is said once, not taken for "nobody left".
    if let Err(e) = engine.get() {
        errln!("{}", station::faces::models_missing_words(&e));
        return Exit::LocalFailure;
    }
    let Ok(mut station) = open_station(ctx) else {
        return Exit::LocalFailure;
    };
    station.use_face_engine(engine);
    let counts = match station.backfill_all() {
        Ok(counts) => counts,
        Err(e) => {
            errln!("{}", station::Explained::from(e).message());
            errln!("已算好的人脸特征都已保存，重新执行会接着算");
            return Exit::LocalFailure;
        }
    };
    if json {
        outln!("{}", serde_json::to_string(&counts).unwrap_or_default());
    } else {
        outln!(
            "人脸特征：新算好 {} 人，照片里没有人脸 {} 人，出错 {} 人",
            counts.done,
            counts.no_face,
            counts.failed
        );
        if counts.no_face + counts.failed > 0 {
            outln!("没有人脸特征的工人，考勤时请用读卡、身份证号或姓名找到并核对本人；需要时重新拍摄人脸照片");
        }
    }
    Exit::Accepted
}
