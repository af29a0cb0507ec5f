//! The model as a list of steps in the file's (topological) order, each with its operator's
//! attributes checked and its constant inputs arranged at load.

use std::collections::HashMap;

use super::nodes::{Constants, build_step};
use super::ops::{self, BinaryKind, Conv, Pool};
use super::proto::{self, Data, TensorProto};
use super::{NnError, Tensor};

/// Where a step reads an input: a value computed during the run, or a constant of the model.
#[derive(Debug, Clone, Copy)]
pub(super) enum Slot {
    Value(usize),
    Const(usize),
}

#[derive(Debug, Clone)]
pub(super) enum Op {
    Conv(Conv),
    Relu,
    Binary { kind: BinaryKind, relu: bool },
    Pool(Pool),
    GlobalAveragePool,
    Flatten { axis: usize },
    MatMul,
    Pad { pads: Vec<usize>, value: f32 },
    Reshape { shape: Vec<i64> },
    Transpose { perm: Vec<usize> },
    Concat { axis: i64 },
    Resize { scale_h: f32, scale_w: f32 },
}

#[derive(Debug, Clone)]
pub(super) struct Step {
    pub(super) op: Op,
    pub(super) inputs: Vec<Slot>,
    pub(super) output: usize,
}

/// A loaded model, ready to run any number of times from any thread (`run` takes `&self`).
#[derive(Debug)]
pub(crate) struct Net {
    steps: Vec<Step>,
    consts: Vec<Tensor>,
    value_count: usize,
    input: usize,
    outputs: Vec<usize>,
    /// For each value, the index of the last step that reads it: its memory is freed after.
    last_use: Vec<usize>,
}

impl Net {
    /// Reads an ONNX model with one float32 input.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Net, NnError> {
        let graph = proto::model_graph(bytes)?;
        let mut constants = Constants {
            floats: HashMap::new(),
            float_tensors: Vec::new(),
            ints: HashMap::new(),
        };
        for TensorProto { name, dims, data } in graph.initializers {
            match data {
                Data::Float(v) => {
                    constants.floats.insert(name, constants.float_tensors.len());
                    constants.float_tensors.push(Tensor::new(dims, v)?);
                }
                Data::Int64(v) => {
                    constants.ints.insert(name, v);
                }
            }
        }
        let is_const = |n: &String| constants.floats.contains_key(n) || constants.ints.contains_key(n);
        let real_inputs: Vec<&String> = graph.inputs.iter().filter(|n| !is_const(n)).collect();
        let [input_name] = real_inputs.as_slice() else {
            return Err(NnError::Unsupported(format!(
                "{} graph inputs, one expected",
                real_inputs.len()
            )));
        };
        let mut values: HashMap<String, usize> = HashMap::new();
        values.insert((*input_name).clone(), 0);
        let mut steps = Vec::with_capacity(graph.nodes.len());
        for node in &graph.nodes {
            let step = build_step(node, &constants, &values)?;
            let [output_name] = node.outputs.as_slice() else {
                return Err(NnError::Unsupported(format!(
                    "{} {}: {} outputs",
                    node.op_type,
                    node.name,
                    node.outputs.len()
                )));
            };
            if values.contains_key(output_name) || is_const(output_name) {
                return Err(NnError::Format(format!("value {output_name} is made twice")));
            }
            let index = values.len();
            values.insert(output_name.clone(), index);
            steps.push(Step { output: index, ..step });
        }
        let outputs = graph
            .outputs
            .iter()
            .map(|n| {
                values
                    .get(n)
                    .copied()
                    .ok_or_else(|| NnError::Format(format!("output {n} is never made")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if outputs.is_empty() {
            return Err(NnError::Format("the graph has no output".into()));
        }
        let steps = fuse_relus(steps, &outputs);
        let mut steps = fold_into_convs(steps, &constants.float_tensors, &outputs);
        // Conv weights were copied into their steps: keep only the constants read at run time.
        let mut consts = Vec::new();
        let mut kept: HashMap<usize, usize> = HashMap::new();
        for slot in steps.iter_mut().flat_map(|s| s.inputs.iter_mut()) {
            if let Slot::Const(c) = slot {
                let index = *kept.entry(*c).or_insert_with(|| {
                    consts.push(constants.float_tensors[*c].clone());
                    consts.len() - 1
                });
                *c = index;
            }
        }
        let value_count = values.len();
        let mut last_use = vec![0usize; value_count];
        for (s, step) in steps.iter().enumerate() {
            for slot in &step.inputs {
                if let Slot::Value(v) = slot {
                    last_use[*v] = s;
                }
            }
        }
        for &o in &outputs {
            last_use[o] = usize::MAX;
        }
        Ok(Net {
            steps,
            consts,
            value_count,
            input: 0,
            outputs,
            last_use,
        })
    }

    /// The graph's outputs, in the file's order.
    pub(crate) fn run(&self, input: Tensor) -> Result<Vec<Tensor>, NnError> {
        let mut values: Vec<Option<Tensor>> = vec![None; self.value_count];
        values[self.input] = Some(input);
        for (s, step) in self.steps.iter().enumerate() {
            let result = self.run_step(step, s, &mut values)?;
            values[step.output] = Some(result);
            for slot in &step.inputs {
                if let Slot::Value(v) = *slot
                    && self.last_use[v] == s
                {
                    values[v] = None;
                }
            }
        }
        self.outputs
            .iter()
            .map(|&o| {
                values[o]
                    .take()
                    .ok_or_else(|| NnError::Format("an output was not computed".into()))
            })
            .collect()
    }

    fn run_step(&self, step: &Step, s: usize, values: &mut [Option<Tensor>]) -> Result<Tensor, NnError> {
        if let Op::Binary { kind, relu } = step.op
            && let Some(t) = self.binary_in_place(step, s, values, kind, relu)?
        {
            return Ok(t);
        }
        // Ops that only relabel or clamp take their input's buffer when no later step reads it.
        let owned = |values: &mut [Option<Tensor>], slot: Slot| -> Result<Tensor, NnError> {
            match slot {
                Slot::Value(v) if self.last_use[v] == s && step.inputs.len() == 1 => {
                    values[v].take().ok_or_else(|| missing(v))
                }
                _ => Ok(self.get(values, slot)?.clone()),
            }
        };
        let input = |i: usize| -> Result<&Tensor, NnError> {
            let slot = step
                .inputs
                .get(i)
                .ok_or_else(|| NnError::Shape("missing input".into()))?;
            self.get(values, *slot)
        };
        Ok(match &step.op {
            Op::Conv(conv) => conv.run(input(0)?)?,
            Op::Pool(pool) => pool.run(input(0)?)?,
            Op::GlobalAveragePool => ops::global_average_pool(input(0)?)?,
            Op::Binary { kind, relu } => ops::binary(*kind, input(0)?, input(1)?, *relu)?,
            Op::MatMul => ops::matmul(input(0)?, input(1)?)?,
            Op::Pad { pads, value } => ops::pad(input(0)?, pads, *value)?,
            Op::Transpose { perm } => ops::transpose(input(0)?, perm)?,
            Op::Resize { scale_h, scale_w } => ops::resize_linear_half_pixel(input(0)?, *scale_h, *scale_w)?,
            Op::Concat { axis } => {
                let inputs = (0..step.inputs.len()).map(input).collect::<Result<Vec<_>, _>>()?;
                let rank = inputs.first().map_or(0, |t| t.shape.len()) as i64;
                let axis = if *axis < 0 { axis + rank } else { *axis };
                let axis = usize::try_from(axis).map_err(|_| NnError::Shape(format!("Concat axis {axis}")))?;
                ops::concat(&inputs, axis)?
            }
            Op::Relu => {
                let mut t = owned(values, step.inputs[0])?;
                t.data.iter_mut().for_each(|v| *v = v.max(0.0));
                t
            }
            Op::Flatten { axis } => {
                let t = owned(values, step.inputs[0])?;
                if *axis > t.shape.len() {
                    return Err(NnError::Shape(format!("Flatten axis {axis} of {:?}", t.shape)));
                }
                let shape = vec![ops::numel(&t.shape[..*axis]), ops::numel(&t.shape[*axis..])];
                Tensor::new(shape, t.data)?
            }
            Op::Reshape { shape } => {
                let t = owned(values, step.inputs[0])?;
                let shape = reshaped(&t.shape, shape)?;
                Tensor::new(shape, t.data)?
            }
        })
    }

    /// A residual Add (or the input's Sub and Div) written over an operand that no later step
    /// reads, instead of into a new buffer; None when neither operand can be reused.
    fn binary_in_place(
        &self,
        step: &Step,
        s: usize,
        values: &mut [Option<Tensor>],
        kind: BinaryKind,
        relu: bool,
    ) -> Result<Option<Tensor>, NnError> {
        let &[first, second] = step.inputs.as_slice() else {
            return Ok(None);
        };
        // Only Add may swap its operands.
        let order: &[(Slot, Slot)] = if kind == BinaryKind::Add {
            &[(first, second), (second, first)]
        } else {
            &[(first, second)]
        };
        for &(target, other) in order {
            let Slot::Value(v) = target else { continue };
            let reusable = self.last_use[v] == s && !matches!(other, Slot::Value(o) if o == v);
            if !reusable {
                continue;
            }
            let mut a = values[v].take().ok_or_else(|| missing(v))?;
            let b = self.get(values, other)?;
            if ops::binary_in_place(kind, &mut a, b, relu) {
                return Ok(Some(a));
            }
            values[v] = Some(a);
        }
        Ok(None)
    }

    fn get<'a>(&'a self, values: &'a [Option<Tensor>], slot: Slot) -> Result<&'a Tensor, NnError> {
        match slot {
            Slot::Value(v) => values[v].as_ref().ok_or_else(|| missing(v)),
            Slot::Const(c) => self
                .consts
                .get(c)
                .ok_or_else(|| NnError::Format(format!("constant {c}"))),
        }
    }
}

fn missing(v: usize) -> NnError {
    NnError::Format(format!("value {v} read after it was freed"))
}

/// Reshape's target: 0 copies the input's dim, one -1 takes what is left.
fn reshaped(input: &[usize], target: &[i64]) -> Result<Vec<usize>, NnError> {
    let total = ops::numel(input);
    let fail = || NnError::Shape(format!("Reshape {input:?} to {target:?}"));
    let mut shape = Vec::with_capacity(target.len());
    let mut unknown = None;
    for (i, &d) in target.iter().enumerate() {
        match d {
            0 => shape.push(*input.get(i).ok_or_else(fail)?),
            -1 if unknown.is_none() => {
                unknown = Some(i);
                shape.push(1);
            }
            d if d > 0 => shape.push(d as usize),
            _ => return Err(fail()),
        }
    }
    let known = ops::numel(&shape);
    if let Some(i) = unknown {
        if known == 0 || !total.is_multiple_of(known) {
            return Err(fail());
        }
        shape[i] = total / known;
    }
    if ops::numel(&shape) != total {
        return Err(fail());
    }
    Ok(shape)
}

fn count_readers(steps: &[Step]) -> HashMap<usize, usize> {
    let mut readers: HashMap<usize, usize> = HashMap::new();
    for step in steps {
        for slot in &step.inputs {
            if let Slot::Value(v) = slot {
                *readers.entry(*v).or_default() += 1;
            }
        }
    }
    readers
}

/// Constant arithmetic on a Conv's only input goes into its weights and bias: dlib's
/// `(input − mean) / 255` before its first, unpadded convolution. Exact only without padding
/// (a padded border would be zeros after the arithmetic, not before), so only then.
fn fold_into_convs(mut steps: Vec<Step>, consts: &[Tensor], outputs: &[usize]) -> Vec<Step> {
    let readers = count_readers(&steps);
    let mut removed = vec![false; steps.len()];
    for c in 0..steps.len() {
        while let Op::Conv(conv) = &steps[c].op {
            let Some(&Slot::Value(v)) = steps[c].inputs.first() else {
                break;
            };
            if conv.pads != [0; 4] || conv.group != 1 || readers.get(&v) != Some(&1) || outputs.contains(&v) {
                break;
            }
            let Some(p) = steps.iter().position(|s| s.output == v) else {
                break;
            };
            let Op::Binary { kind, relu: false } = steps[p].op else {
                break;
            };
            let &[Slot::Value(x), Slot::Const(k)] = steps[p].inputs.as_slice() else {
                break;
            };
            let (k, channels) = (&consts[k], conv.in_per_group);
            let per_channel = match k.shape.as_slice() {
                _ if k.data.len() == 1 => vec![k.data[0]; channels],
                [1, n, 1, 1] | [n, 1, 1] if *n == channels => k.data.clone(),
                _ => break,
            };
            let Op::Conv(conv) = &mut steps[c].op else { break };
            let area = conv.kernel[0] * conv.kernel[1];
            for (o, filter) in conv.weights.chunks_exact_mut(channels * area).enumerate() {
                for (ch, taps) in filter.chunks_exact_mut(area).enumerate() {
                    let k = per_channel[ch];
                    match kind {
                        BinaryKind::Div => taps.iter_mut().for_each(|w| *w /= k),
                        // conv(x ∓ k) = conv(x) ∓ k·Σw, channel by channel.
                        BinaryKind::Sub => conv.bias[o] -= k * taps.iter().sum::<f32>(),
                        BinaryKind::Add => conv.bias[o] += k * taps.iter().sum::<f32>(),
                    }
                }
            }
            steps[c].inputs[0] = Slot::Value(x);
            removed[p] = true;
        }
    }
    steps
        .into_iter()
        .zip(removed)
        .filter_map(|(step, removed)| (!removed).then_some(step))
        .collect()
}

/// A Relu whose input only it reads is done by the Conv or Add that made that input.
fn fuse_relus(steps: Vec<Step>, outputs: &[usize]) -> Vec<Step> {
    let readers = count_readers(&steps);
    let mut out: Vec<Step> = Vec::with_capacity(steps.len());
    for step in steps {
        if let (Op::Relu, [Slot::Value(v)]) = (&step.op, step.inputs.as_slice())
            && readers.get(v) == Some(&1)
            && !outputs.contains(v)
            && let Some(producer) = out.iter_mut().rev().find(|p| p.output == *v)
        {
            let fused = match &mut producer.op {
                Op::Conv(conv) if !conv.relu => {
                    conv.relu = true;
                    true
                }
                Op::Binary { relu, .. } if !*relu => {
                    *relu = true;
                    true
                }
                _ => false,
            };
            if fused {
                producer.output = step.output;
                continue;
            }
        }
        out.push(step);
    }
    out
}
