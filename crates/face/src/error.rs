use std::path::PathBuf;

use thiserror::Error;

/// Which picture of a comparison an error is about, so the clerk knows which one to retake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageRole {
    /// The camera frame of the worker in front of the station.
    Live,
    /// The portrait read from the ID card's chip (102×126).
    Chip,
    /// The portrait printed on the scan of the card's front.
    FrontScan,
}

impl ImageRole {
    fn text(self) -> &'static str {
        match self {
            ImageRole::Live => "摄像头画面",
            ImageRole::Chip => "身份证芯片照片",
            ImageRole::FrontScan => "身份证正面扫描件",
        }
    }
}

impl std::fmt::Display for ImageRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text())
    }
}

#[derive(Debug, Error)]
pub enum FaceError {
    /// A model file is missing or unreadable: the installation is incomplete.
    #[error("人脸模型 {} 读不出来：{detail}（安装不完整，请重新安装工作站）", .path.display())]
    ModelLoad { path: PathBuf, detail: String },

    /// The interpreter refused an input or failed while running: a bug or a damaged model, not
    /// the photo.
    #[error("人脸模型运行出错：{0}")]
    Inference(String),

    /// The model answered with a shape this crate does not know how to read.
    #[error("人脸模型的输出不是预期的形状（{0}）：模型文件可能不对")]
    UnexpectedOutput(String),

    /// No face was found where one is needed for a comparison.
    #[error("{0}里没有找到人脸")]
    NoFace(ImageRole),

    /// An image with no pixels (0 wide or 0 high) cannot hold a face.
    #[error("图片是空的（{width_px}×{height_px}）")]
    EmptyImage { width_px: u32, height_px: u32 },

    /// A stored descriptor does not have 128 little-endian f32 values.
    #[error("保存的人脸特征长度不对：{len_bytes} 字节，应为 512 字节")]
    DescriptorBytes { len_bytes: usize },
}

impl FaceError {
    pub(crate) fn inference(e: impl std::fmt::Display) -> Self {
        FaceError::Inference(format!("{e:#}"))
    }
}
