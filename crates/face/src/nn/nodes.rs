//! One ONNX node to one interpreter step: the operator's inputs found, its attributes checked
//! (anything not implemented refused by name) and its constants arranged.

use std::collections::HashMap;

use super::graph::{Op, Slot, Step};
use super::ops::{BinaryKind, Conv, Pool, PoolKind};
use super::proto::{AttrValue, Attribute, NodeProto};
use super::{NnError, Tensor};

/// Int64 initializers (pads, shapes) are read at load, never at run time.
pub(super) struct Constants {
    pub(super) floats: HashMap<String, usize>,
    pub(super) float_tensors: Vec<Tensor>,
    pub(super) ints: HashMap<String, Vec<i64>>,
}

/// Largest kernel, stride or pad accepted: far above any real model's, low enough that a
/// damaged file cannot make the arithmetic overflow or ask for terabytes.
const MAX_SIZE: i64 = 4096;

/// A node's attributes, each taken by name; whatever is left over is refused by name.
struct Attrs<'a> {
    node: &'a NodeProto,
    left: Vec<&'a Attribute>,
}

impl<'a> Attrs<'a> {
    fn new(node: &'a NodeProto) -> Self {
        Attrs {
            node,
            left: node.attributes.iter().collect(),
        }
    }

    fn take(&mut self, name: &str) -> Option<&'a AttrValue> {
        let i = self.left.iter().position(|a| a.name == name)?;
        Some(&self.left.remove(i).value)
    }

    fn wrong(&self, name: &str) -> NnError {
        NnError::Unsupported(format!(
            "{} {}: attribute {name} has a type or value not supported",
            self.node.op_type, self.node.name
        ))
    }

    fn int(&mut self, name: &str, default: i64) -> Result<i64, NnError> {
        match self.take(name) {
            None => Ok(default),
            Some(AttrValue::Int(v)) => Ok(*v),
            Some(_) => Err(self.wrong(name)),
        }
    }

    fn ints(&mut self, name: &str) -> Result<Option<Vec<i64>>, NnError> {
        match self.take(name) {
            None => Ok(None),
            Some(AttrValue::Ints(v)) => Ok(Some(v.clone())),
            Some(_) => Err(self.wrong(name)),
        }
    }

    fn string(&mut self, name: &str) -> Result<Option<String>, NnError> {
        match self.take(name) {
            None => Ok(None),
            Some(AttrValue::String(v)) => Ok(Some(v.clone())),
            Some(_) => Err(self.wrong(name)),
        }
    }

    /// An attribute that must be absent or hold exactly `allowed`.
    fn require_int(&mut self, name: &str, allowed: i64) -> Result<(), NnError> {
        if self.int(name, allowed)? == allowed {
            Ok(())
        } else {
            Err(self.wrong(name))
        }
    }

    fn require_string(&mut self, name: &str, allowed: &[&str]) -> Result<(), NnError> {
        match self.string(name)? {
            Some(v) if !allowed.contains(&v.as_str()) => Err(self.wrong(name)),
            _ => Ok(()),
        }
    }

    /// Ints that must all be non-negative and `len` long, or `default` when absent.
    fn sizes(&mut self, name: &str, len: usize, default: usize) -> Result<Vec<usize>, NnError> {
        match self.ints(name)? {
            None => Ok(vec![default; len]),
            Some(v) if v.len() == len && v.iter().all(|x| (0..=MAX_SIZE).contains(x)) => {
                Ok(v.iter().map(|&x| x as usize).collect())
            }
            Some(_) => Err(self.wrong(name)),
        }
    }

    fn finish(self) -> Result<(), NnError> {
        match self.left.first() {
            None => Ok(()),
            Some(a) => Err(NnError::UnknownAttribute {
                op: self.node.op_type.clone(),
                attribute: a.name.clone(),
                node: self.node.name.clone(),
            }),
        }
    }
}

fn two(v: &[usize]) -> [usize; 2] {
    [v[0], v[1]]
}

fn four(v: &[usize]) -> [usize; 4] {
    [v[0], v[1], v[2], v[3]]
}

pub(super) fn build_step(
    node: &NodeProto,
    constants: &Constants,
    values: &HashMap<String, usize>,
) -> Result<Step, NnError> {
    if !(node.domain.is_empty() || node.domain == "ai.onnx") {
        return Err(NnError::UnknownOp {
            op: format!("{}:{}", node.domain, node.op_type),
            node: node.name.clone(),
        });
    }
    let op_name = node.op_type.as_str();
    let slot = |i: usize| -> Result<Slot, NnError> {
        let name = node
            .inputs
            .get(i)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| NnError::Format(format!("{op_name} {}: input {i} missing", node.name)))?;
        if let Some(&v) = values.get(name) {
            Ok(Slot::Value(v))
        } else if let Some(&c) = constants.floats.get(name) {
            Ok(Slot::Const(c))
        } else {
            Err(NnError::Format(format!(
                "{op_name} {} reads {name} before it is made",
                node.name
            )))
        }
    };
    let float_const = |i: usize| -> Result<&Tensor, NnError> {
        node.inputs
            .get(i)
            .and_then(|n| constants.floats.get(n))
            .map(|&c| &constants.float_tensors[c])
            .ok_or_else(|| NnError::Unsupported(format!("{op_name} {}: input {i} must be a float constant", node.name)))
    };
    let int_const = |i: usize| -> Result<&Vec<i64>, NnError> {
        node.inputs.get(i).and_then(|n| constants.ints.get(n)).ok_or_else(|| {
            NnError::Unsupported(format!("{op_name} {}: input {i} must be an int64 constant", node.name))
        })
    };
    let inputs_at_most = |n: usize| -> Result<(), NnError> {
        if node.inputs.len() > n {
            Err(NnError::Unsupported(format!(
                "{op_name} {}: {} inputs",
                node.name,
                node.inputs.len()
            )))
        } else {
            Ok(())
        }
    };
    let mut attrs = Attrs::new(node);
    let (op, inputs) = match op_name {
        "Conv" => {
            inputs_at_most(3)?;
            let w = float_const(1)?;
            let &[m, cg, kh, kw] = w.shape.as_slice() else {
                return Err(NnError::Unsupported(format!(
                    "Conv {}: weights {:?}",
                    node.name, w.shape
                )));
            };
            let bias = match node.inputs.get(2).filter(|n| !n.is_empty()) {
                Some(_) => float_const(2)?.data.clone(),
                None => vec![0.0; m],
            };
            let group = usize::try_from(attrs.int("group", 1)?).unwrap_or(0);
            if let Some(k) = attrs.ints("kernel_shape")?
                && k != [kh as i64, kw as i64]
            {
                return Err(attrs.wrong("kernel_shape"));
            }
            let strides = attrs.sizes("strides", 2, 1)?;
            let pads = attrs.sizes("pads", 4, 0)?;
            if attrs.sizes("dilations", 2, 1)? != [1, 1] {
                return Err(attrs.wrong("dilations"));
            }
            attrs.require_string("auto_pad", &["NOTSET"])?;
            if group == 0 || m % group != 0 || bias.len() != m || strides.contains(&0) || kh == 0 || kw == 0 {
                return Err(NnError::Unsupported(format!(
                    "Conv {}: group {group}, weights {:?}",
                    node.name, w.shape
                )));
            }
            let conv = Conv {
                weights: w.data.clone(),
                bias,
                out_channels: m,
                in_per_group: cg,
                group,
                kernel: [kh, kw],
                strides: two(&strides),
                pads: four(&pads),
                relu: false,
            };
            (Op::Conv(conv), vec![slot(0)?])
        }
        "Relu" | "GlobalAveragePool" => {
            inputs_at_most(1)?;
            let op = if op_name == "Relu" {
                Op::Relu
            } else {
                Op::GlobalAveragePool
            };
            (op, vec![slot(0)?])
        }
        "Add" | "Sub" | "Div" => {
            inputs_at_most(2)?;
            let kind = match op_name {
                "Add" => BinaryKind::Add,
                "Sub" => BinaryKind::Sub,
                _ => BinaryKind::Div,
            };
            (Op::Binary { kind, relu: false }, vec![slot(0)?, slot(1)?])
        }
        "MatMul" => {
            inputs_at_most(2)?;
            (Op::MatMul, vec![slot(0)?, slot(1)?])
        }
        "MaxPool" | "AveragePool" => {
            inputs_at_most(1)?;
            let kernel = attrs.sizes("kernel_shape", 2, 0)?;
            let strides = attrs.sizes("strides", 2, 1)?;
            let pads = attrs.sizes("pads", 4, 0)?;
            attrs.require_int("ceil_mode", 0)?;
            attrs.require_string("auto_pad", &["NOTSET"])?;
            let kind = if op_name == "MaxPool" {
                attrs.require_int("storage_order", 0)?;
                if attrs.sizes("dilations", 2, 1)? != [1, 1] {
                    return Err(attrs.wrong("dilations"));
                }
                PoolKind::Max
            } else {
                PoolKind::Average {
                    count_include_pad: attrs.int("count_include_pad", 0)? != 0,
                }
            };
            if kernel.contains(&0) || strides.contains(&0) {
                return Err(attrs.wrong("kernel_shape"));
            }
            let pool = Pool {
                kind,
                kernel: two(&kernel),
                strides: two(&strides),
                pads: four(&pads),
            };
            (Op::Pool(pool), vec![slot(0)?])
        }
        "Flatten" => {
            inputs_at_most(1)?;
            let axis = usize::try_from(attrs.int("axis", 1)?).map_err(|_| attrs.wrong("axis"))?;
            (Op::Flatten { axis }, vec![slot(0)?])
        }
        "Pad" => {
            inputs_at_most(3)?;
            attrs.require_string("mode", &["constant"])?;
            let pads = int_const(1)?
                .iter()
                .map(|&p| usize::try_from(p).ok().filter(|&p| p as i64 <= MAX_SIZE))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| NnError::Unsupported(format!("Pad {}: pads negative or too large", node.name)))?;
            let value = match node.inputs.get(2).filter(|n| !n.is_empty()) {
                None => 0.0,
                Some(_) => match float_const(2)?.data.as_slice() {
                    [v] => *v,
                    _ => return Err(NnError::Unsupported(format!("Pad {}: constant_value", node.name))),
                },
            };
            (Op::Pad { pads, value }, vec![slot(0)?])
        }
        "Reshape" => {
            inputs_at_most(2)?;
            attrs.require_int("allowzero", 0)?;
            (
                Op::Reshape {
                    shape: int_const(1)?.clone(),
                },
                vec![slot(0)?],
            )
        }
        "Transpose" => {
            inputs_at_most(1)?;
            let perm = attrs
                .ints("perm")?
                .ok_or_else(|| attrs.wrong("perm"))?
                .iter()
                .map(|&p| usize::try_from(p))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| attrs.wrong("perm"))?;
            (Op::Transpose { perm }, vec![slot(0)?])
        }
        "Concat" => {
            let axis = attrs.int("axis", i64::MIN)?;
            if axis == i64::MIN || node.inputs.is_empty() {
                return Err(attrs.wrong("axis"));
            }
            (
                Op::Concat { axis },
                (0..node.inputs.len()).map(slot).collect::<Result<_, _>>()?,
            )
        }
        "Resize" => {
            inputs_at_most(3)?;
            attrs.require_string("mode", &["linear"])?;
            attrs.require_string("coordinate_transformation_mode", &["half_pixel"])?;
            attrs.require_int("exclude_outside", 0)?;
            // Only read by mode "nearest" and "cubic": harmless here.
            attrs.string("nearest_mode")?;
            attrs.take("cubic_coeff_a");
            let scales = float_const(2)?;
            let (scale_h, scale_w) = match scales.data.as_slice() {
                &[n, c, h, w] if n == 1.0 && c == 1.0 => (h, w),
                _ => (0.0, 0.0),
            };
            if !((1.0 / 64.0..=64.0).contains(&scale_h) && (1.0 / 64.0..=64.0).contains(&scale_w)) {
                return Err(NnError::Unsupported(format!(
                    "Resize {}: scales {:?}",
                    node.name, scales.data
                )));
            }
            (Op::Resize { scale_h, scale_w }, vec![slot(0)?])
        }
        other => {
            return Err(NnError::UnknownOp {
                op: other.to_string(),
                node: node.name.clone(),
            });
        }
    };
    attrs.finish()?;
    Ok(Step { op, inputs, output: 0 })
}
