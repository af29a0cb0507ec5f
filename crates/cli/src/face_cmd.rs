//! `cwr-station face compare LIVE CHIP [--front SCAN] [--json]`: the machine's 人证匹配 on two
//! (or three) pictures, the same comparison the enrollment screen makes.

use std::path::Path;

use face::{Comparison, FaceEngine, FaceError, ImageRole, Thresholds};

use super::Exit;

pub fn compare(live: &Path, chip: &Path, front: Option<&Path>, json: bool) -> Exit {
    let pictures = [(live, ImageRole::Live), (chip, ImageRole::Chip)]
        .into_iter()
        .chain(front.map(|f| (f, ImageRole::FrontScan)));
    let mut images = Vec::new();
    for (path, role) in pictures {
        match media::load_upright_rgb(path) {
            Ok(image) => images.push(image),
            Err(e) => {
                errln!("{role}（{}）读不出来：{e}", path.display());
                return Exit::Invalid;
            }
        }
    }
    let Some(models) = host::paths::models_dir() else {
        errln!(
            "找不到人脸模型（dlib_resnet_faceapi.onnx）：安装不完整，请重新安装工作站，或用 CWR_MODELS_DIR 指明模型所在的文件夹"
        );
        return Exit::LocalFailure;
    };
    let engine = match FaceEngine::load(&models) {
        Ok(engine) => engine,
        Err(e) => {
            errln!("{e}");
            return Exit::LocalFailure;
        }
    };
    let compared = engine.compare(&images[0], &images[1], images.get(2));
    match compared {
        Ok(c) => {
            if json {
                outln!("{}", serde_json::to_string(&c).unwrap_or_default());
            } else {
                print_comparison(&c);
            }
            Exit::Accepted
        }
        Err(e @ FaceError::NoFace(role)) => {
            let path = match role {
                ImageRole::Live => live,
                ImageRole::Chip => chip,
                ImageRole::FrontScan => front.unwrap_or(chip),
            };
            errln!("{e}（{}）：换一张正脸清楚的照片再比对", path.display());
            Exit::Invalid
        }
        Err(e) => {
            errln!("{e}");
            Exit::LocalFailure
        }
    }
}

fn print_comparison(c: &Comparison) {
    let Thresholds {
        match_below,
        different_from,
    } = c.thresholds;
    outln!("摄像头画面：{} 张人脸；芯片照片：{} 张人脸", c.faces[0], c.faces[1]);
    if c.faces.iter().any(|&n| n > 1) {
        outln!("（有几张人脸的照片按最大的一张比对）");
    }
    if let Some(n) = c.front_scan_faces {
        outln!("正面扫描件：{n} 张人脸");
    }
    if let Some(d) = c.chip_distance {
        outln!("与芯片照片的距离：{d:.3}");
    }
    if let Some(d) = c.front_scan_distance {
        outln!("与正面扫描件的距离：{d:.3}");
    }
    outln!(
        "判定依据的距离：{:.3}（小于 {match_below:.2} 为一致，{different_from:.2} 及以上为不一致，其间为不确定）",
        c.distance
    );
    outln!("结论：{}", c.verdict);
}
