//! Why the acceptance run could not start, or could not build a step's request.

use api::ApiError;
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AcceptanceError {
    #[error(
        "联调向导只能在测试环境运行：现在连接的是正式环境，测试数据会进入住建部门的正式记录。请在“设置”里把环境选为“测试”"
    )]
    Production,
    #[error(
        "联调向导只能在测试环境运行：这个自定义地址标明为正式环境（没有标明时按正式环境对待）。是测试环境请在“设置 → 平台连接”把“这个地址是”选为“测试环境”，否则请把环境选为“测试”"
    )]
    CustomNotMarkedTest,
    #[error("还没有填写门禁设备序列号（Device_ID）：请到“设置 → 平台连接”填写后点“继续”")]
    NoDeviceId,
    /// A dictionary a request needs a code from could not be fetched.
    #[error("取不到字典“{label}”：{source}")]
    Dictionary { label: &'static str, source: ApiError },
    #[error("平台的字典“{0}”是空的：请联系平台联调人员")]
    EmptyDictionary(&'static str),
    /// The drawn site photo could not be made within its budget.
    #[error(transparent)]
    Photo(#[from] media::PhotoError),
    #[error(transparent)]
    Local(#[from] StoreError),
}
