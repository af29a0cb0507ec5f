//! A small ONNX interpreter for the face models: the protobuf read by hand (`proto`), the
//! graph checked and its constants arranged once at load (`graph`), float32 NCHW operators
//! (`ops`) with convolutions as im2col + `matrixmultiply`'s sgemm. It knows exactly the
//! operators and attributes the three models use and refuses anything else by name, so a
//! model it cannot run fails at load, not with wrong numbers.

mod graph;
mod nodes;
mod ops;
mod proto;
#[cfg(test)]
mod tests;

pub(crate) use graph::Net;

/// What went wrong reading or running a model. The face crate wraps it in `FaceError`
/// (`ModelLoad` at load, `Inference` when running).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum NnError {
    /// The bytes are not a well-formed ONNX protobuf (truncated, garbage, missing parts).
    #[error("不是完整的 ONNX 模型文件（{0}）")]
    Format(String),
    /// An operator this interpreter does not implement.
    #[error("不支持的算子 {op}（节点 {node}）")]
    UnknownOp { op: String, node: String },
    /// An attribute of a known operator that this interpreter does not implement.
    #[error("算子 {op} 的属性 {attribute} 不支持（节点 {node}）")]
    UnknownAttribute {
        op: String,
        attribute: String,
        node: String,
    },
    /// A known operator or attribute with a value this interpreter does not implement.
    #[error("不支持：{0}")]
    Unsupported(String),
    /// Shapes that do not fit together (a wrong input or an inconsistent model).
    #[error("张量形状不对：{0}")]
    Shape(String),
}

/// A dense float32 tensor, row-major; `data.len()` is always the product of `shape`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl Tensor {
    pub(crate) fn new(shape: Vec<usize>, data: Vec<f32>) -> Result<Tensor, NnError> {
        if ops::numel(&shape) != data.len() {
            return Err(NnError::Shape(format!("{} values for shape {shape:?}", data.len())));
        }
        Ok(Tensor { shape, data })
    }
}
