//! The operators' arithmetic on float32 NCHW tensors, as the ONNX specification defines them
//! (opset 13), for the cases our models use; `graph.rs` checks the attributes before any of
//! these run, so shapes reaching here have been validated.

use super::{NnError, Tensor};

/// Product of dims; shapes here are small and were checked against the data's length.
pub(crate) fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

fn shape_error(what: impl Into<String>) -> NnError {
    NnError::Shape(what.into())
}

fn dims4(t: &Tensor, op: &str) -> Result<[usize; 4], NnError> {
    match <[usize; 4]>::try_from(t.shape.as_slice()) {
        Ok(dims) if !dims.contains(&0) => Ok(dims),
        _ => Err(shape_error(format!("{op} wants non-empty NCHW, got {:?}", t.shape))),
    }
}

/// Output length of a sliding window (ceil_mode 0), or an error if the window does not fit.
fn window_out(len: usize, pad_begin: usize, pad_end: usize, kernel: usize, stride: usize) -> Result<usize, NnError> {
    let padded = len + pad_begin + pad_end;
    if kernel == 0 || stride == 0 || padded < kernel {
        return Err(shape_error(format!(
            "window {kernel}/{stride} over {len}+{pad_begin}+{pad_end}"
        )));
    }
    Ok((padded - kernel) / stride + 1)
}

/// Conv's weights arranged at load: one row per output channel, `cin_per_group·kh·kw` long,
/// which is already the left matrix of the im2col product.
#[derive(Debug, Clone)]
pub(crate) struct Conv {
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
    pub out_channels: usize,
    pub in_per_group: usize,
    pub group: usize,
    pub kernel: [usize; 2],
    pub strides: [usize; 2],
    /// top, left, bottom, right (ONNX order is begins then ends: h_begin, w_begin, h_end, w_end).
    pub pads: [usize; 4],
    /// A Relu that only this Conv fed, run in the same pass.
    pub relu: bool,
}

impl Conv {
    pub(crate) fn run(&self, x: &Tensor) -> Result<Tensor, NnError> {
        let [n, c, h, w] = dims4(x, "Conv")?;
        if c != self.in_per_group * self.group {
            return Err(shape_error(format!(
                "Conv wants {} channels, got {c}",
                self.in_per_group * self.group
            )));
        }
        let [kh, kw] = self.kernel;
        let [sh, sw] = self.strides;
        let [pt, pl, pb, pr] = self.pads;
        let oh = window_out(h, pt, pb, kh, sh)?;
        let ow = window_out(w, pl, pr, kw, sw)?;
        let m = self.out_channels;
        let mut out = vec![0.0f32; n * m * oh * ow];
        let depthwise = self.in_per_group == 1 && self.group == c && m == c;
        for b in 0..n {
            let input = &x.data[b * c * h * w..(b + 1) * c * h * w];
            let output = &mut out[b * m * oh * ow..(b + 1) * m * oh * ow];
            if depthwise {
                self.depthwise(input, [h, w], output, [oh, ow]);
            } else {
                self.im2col_gemm(input, [h, w], output, [oh, ow]);
            }
        }
        if self.relu {
            out.iter_mut().for_each(|v| *v = v.max(0.0));
        }
        Ok(Tensor {
            shape: vec![n, m, oh, ow],
            data: out,
        })
    }

    /// One 2-D filter per channel, straight from the input (no im2col: each output reads only
    /// kh·kw values, a matrix product would have nothing to reuse).
    fn depthwise(&self, input: &[f32], [h, w]: [usize; 2], output: &mut [f32], [oh, ow]: [usize; 2]) {
        let [kh, kw] = self.kernel;
        let [sh, sw] = self.strides;
        let [pt, pl, _, _] = self.pads;
        for ch in 0..self.out_channels {
            let plane = &input[ch * h * w..(ch + 1) * h * w];
            let filter = &self.weights[ch * kh * kw..(ch + 1) * kh * kw];
            let out = &mut output[ch * oh * ow..(ch + 1) * oh * ow];
            out.fill(self.bias[ch]);
            for oy in 0..oh {
                let row = &mut out[oy * ow..(oy + 1) * ow];
                for ki in 0..kh {
                    let Some(iy) = (oy * sh + ki).checked_sub(pt).filter(|&iy| iy < h) else {
                        continue;
                    };
                    let in_row = &plane[iy * w..(iy + 1) * w];
                    for kj in 0..kw {
                        let weight = filter[ki * kw + kj];
                        let (first, last) = valid_outputs(w, ow, sw, kj, pl);
                        if first >= last {
                            continue;
                        }
                        let start = first * sw + kj - pl;
                        if sw == 1 {
                            let src = &in_row[start..start + (last - first)];
                            for (o, &v) in row[first..last].iter_mut().zip(src) {
                                *o += weight * v;
                            }
                        } else {
                            for (i, o) in row[first..last].iter_mut().enumerate() {
                                *o += weight * in_row[start + i * sw];
                            }
                        }
                    }
                }
            }
        }
    }

    /// Each group: the input patches as columns (im2col), times the weight rows (sgemm).
    fn im2col_gemm(&self, input: &[f32], [h, w]: [usize; 2], output: &mut [f32], [oh, ow]: [usize; 2]) {
        let [kh, kw] = self.kernel;
        let cg = self.in_per_group;
        let mg = self.out_channels / self.group;
        let k = cg * kh * kw;
        let cols = oh * ow;
        let pointwise = kh == 1 && kw == 1 && self.strides == [1, 1] && self.pads == [0; 4];
        let mut col = if pointwise { Vec::new() } else { vec![0.0f32; k * cols] };
        for g in 0..self.group {
            let group_in = &input[g * cg * h * w..(g + 1) * cg * h * w];
            let b: &[f32] = if pointwise {
                group_in
            } else {
                self.im2col(group_in, [h, w], &mut col, [oh, ow]);
                &col
            };
            let a = &self.weights[g * mg * k..(g + 1) * mg * k];
            let c = &mut output[g * mg * cols..(g + 1) * mg * cols];
            for (row, &bias) in c.chunks_exact_mut(cols).zip(&self.bias[g * mg..(g + 1) * mg]) {
                row.fill(bias);
            }
            sgemm(mg, k, cols, a, b, c);
        }
    }

    fn im2col(&self, input: &[f32], [h, w]: [usize; 2], col: &mut [f32], [oh, ow]: [usize; 2]) {
        let [kh, kw] = self.kernel;
        let [sh, sw] = self.strides;
        let [pt, pl, _, _] = self.pads;
        let cols = oh * ow;
        for (r, col_row) in col.chunks_exact_mut(cols).enumerate() {
            let (c, ki, kj) = (r / (kh * kw), r / kw % kh, r % kw);
            let plane = &input[c * h * w..(c + 1) * h * w];
            let (first, last) = valid_outputs(w, ow, sw, kj, pl);
            for oy in 0..oh {
                let dst = &mut col_row[oy * ow..(oy + 1) * ow];
                let Some(iy) = (oy * sh + ki).checked_sub(pt).filter(|&iy| iy < h) else {
                    dst.fill(0.0);
                    continue;
                };
                let in_row = &plane[iy * w..(iy + 1) * w];
                if first >= last {
                    dst.fill(0.0);
                    continue;
                }
                dst[..first].fill(0.0);
                dst[last..].fill(0.0);
                let start = first * sw + kj - pl;
                if sw == 1 {
                    dst[first..last].copy_from_slice(&in_row[start..start + (last - first)]);
                } else {
                    for (i, d) in dst[first..last].iter_mut().enumerate() {
                        *d = in_row[start + i * sw];
                    }
                }
            }
        }
    }
}

/// The output columns `first..last` whose input column `ox·stride + kj − pad` lies inside
/// `0..w`.
fn valid_outputs(w: usize, ow: usize, stride: usize, kj: usize, pad: usize) -> (usize, usize) {
    // ox·stride + kj ≥ pad
    let first = pad.saturating_sub(kj).div_ceil(stride);
    // ox·stride + kj − pad ≤ w − 1
    let last = if w + pad > kj {
        ((w + pad - kj - 1) / stride + 1).min(ow)
    } else {
        0
    };
    (first.min(ow), last)
}

/// C (m×n) += A (m×k) · B (k×n), all row-major and contiguous.
pub(crate) fn sgemm(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    assert!(
        a.len() >= m * k && b.len() >= k * n && c.len() >= m * n,
        "sgemm operands too short"
    );
    // SAFETY: the assert above keeps every index matrixmultiply computes from these
    // dimensions and row-major strides inside the three slices; `c` is borrowed mutably, so
    // it cannot alias `a` or `b`.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            k as isize,
            1,
            b.as_ptr(),
            n as isize,
            1,
            1.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum PoolKind {
    Max,
    /// `count_include_pad`: whether padded cells count in the divisor.
    Average {
        count_include_pad: bool,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Pool {
    pub kind: PoolKind,
    pub kernel: [usize; 2],
    pub strides: [usize; 2],
    pub pads: [usize; 4],
}

impl Pool {
    pub(crate) fn run(&self, x: &Tensor) -> Result<Tensor, NnError> {
        let [n, c, h, w] = dims4(x, "pool")?;
        let [kh, kw] = self.kernel;
        let [sh, sw] = self.strides;
        let [pt, pl, pb, pr] = self.pads;
        let oh = window_out(h, pt, pb, kh, sh)?;
        let ow = window_out(w, pl, pr, kw, sw)?;
        let mut out = Vec::with_capacity(n * c * oh * ow);
        for plane in x.data.chunks_exact(h * w) {
            for oy in 0..oh {
                let y0 = oy * sh;
                // Window rows in padded coordinates y0..y0+kh, clipped to the image.
                let (ya, yb) = (y0.max(pt) - pt, (y0 + kh).min(pt + h).saturating_sub(pt));
                for ox in 0..ow {
                    let x0 = ox * sw;
                    let (xa, xb) = (x0.max(pl) - pl, (x0 + kw).min(pl + w).saturating_sub(pl));
                    let v = match self.kind {
                        PoolKind::Max => {
                            let mut best = f32::NEG_INFINITY;
                            for y in ya..yb {
                                for &cell in &plane[y * w + xa..y * w + xb] {
                                    best = best.max(cell);
                                }
                            }
                            best
                        }
                        PoolKind::Average { count_include_pad } => {
                            let mut sum = 0.0f32;
                            for y in ya..yb {
                                sum += plane[y * w + xa..y * w + xb].iter().sum::<f32>();
                            }
                            let count = if count_include_pad {
                                // The window clipped to the padded image, padding included.
                                let ph = (y0 + kh).min(h + pt + pb) - y0;
                                let pw = (x0 + kw).min(w + pl + pr) - x0;
                                ph * pw
                            } else {
                                (yb.saturating_sub(ya)) * (xb.saturating_sub(xa))
                            };
                            sum / count.max(1) as f32
                        }
                    };
                    out.push(v);
                }
            }
        }
        Ok(Tensor {
            shape: vec![n, c, oh, ow],
            data: out,
        })
    }
}

pub(crate) fn global_average_pool(x: &Tensor) -> Result<Tensor, NnError> {
    let [n, c, h, w] = dims4(x, "GlobalAveragePool")?;
    let area = (h * w).max(1);
    let data = x
        .data
        .chunks_exact(area)
        .map(|p| p.iter().sum::<f32>() / area as f32)
        .collect();
    Ok(Tensor {
        shape: vec![n, c, 1, 1],
        data,
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BinaryKind {
    Add,
    Sub,
    Div,
}

fn apply(kind: BinaryKind, relu: bool) -> impl Fn(f32, f32) -> f32 {
    move |x, y| {
        let v = match kind {
            BinaryKind::Add => x + y,
            BinaryKind::Sub => x - y,
            BinaryKind::Div => x / y,
        };
        if relu { v.max(0.0) } else { v }
    }
}

/// `a = a ∘ b` in `a`'s buffer when `b` has `a`'s shape, is one value, or is one value per
/// channel of an NCHW `a` (the residual adds, and dlib's mean and scale on the input).
/// Returns false, leaving `a` untouched, for any other broadcast.
pub(crate) fn binary_in_place(kind: BinaryKind, a: &mut Tensor, b: &Tensor, relu: bool) -> bool {
    let f = apply(kind, relu);
    if a.shape == b.shape {
        a.data.iter_mut().zip(&b.data).for_each(|(x, &y)| *x = f(*x, y));
        return true;
    }
    if b.data.len() == 1 && b.shape.len() <= a.shape.len() {
        let y = b.data[0];
        a.data.iter_mut().for_each(|x| *x = f(*x, y));
        return true;
    }
    let per_channel = match (a.shape.as_slice(), b.shape.as_slice()) {
        (&[_, c, h, w], &[1, bc, 1, 1] | &[bc, 1, 1]) if bc == c => Some(h * w),
        _ => None,
    };
    let Some(inner) = per_channel.filter(|&i| i > 0) else {
        return false;
    };
    for (i, chunk) in a.data.chunks_exact_mut(inner).enumerate() {
        let y = b.data[i % b.data.len()];
        chunk.iter_mut().for_each(|x| *x = f(*x, y));
    }
    true
}

/// Elementwise with numpy broadcasting (ONNX's multidirectional broadcasting).
pub(crate) fn binary(kind: BinaryKind, a: &Tensor, b: &Tensor, relu: bool) -> Result<Tensor, NnError> {
    let f = apply(kind, relu);
    if a.shape == b.shape {
        let data = a.data.iter().zip(&b.data).map(|(&x, &y)| f(x, y)).collect();
        return Ok(Tensor {
            shape: a.shape.clone(),
            data,
        });
    }
    let rank = a.shape.len().max(b.shape.len());
    let padded = |s: &[usize]| {
        let mut v = vec![1; rank - s.len()];
        v.extend_from_slice(s);
        v
    };
    let (sa, sb) = (padded(&a.shape), padded(&b.shape));
    let mut shape = Vec::with_capacity(rank);
    for (&x, &y) in sa.iter().zip(&sb) {
        match (x, y) {
            _ if x == y => shape.push(x),
            (1, _) => shape.push(y),
            (_, 1) => shape.push(x),
            _ => {
                return Err(shape_error(format!(
                    "cannot broadcast {:?} with {:?}",
                    a.shape, b.shape
                )));
            }
        }
    }
    let strides = |s: &[usize]| {
        let mut st = vec![0usize; rank];
        let mut acc = 1;
        for i in (0..rank).rev() {
            st[i] = if s[i] == 1 { 0 } else { acc };
            acc *= s[i];
        }
        st
    };
    let (ta, tb) = (strides(&sa), strides(&sb));
    let total = numel(&shape);
    let mut data = Vec::with_capacity(total);
    let mut index = vec![0usize; rank];
    let (mut ia, mut ib) = (0usize, 0usize);
    for _ in 0..total {
        data.push(f(a.data[ia], b.data[ib]));
        // Odometer step over the output index, keeping both input offsets in step.
        for d in (0..rank).rev() {
            index[d] += 1;
            ia += ta[d];
            ib += tb[d];
            if index[d] < shape[d] {
                break;
            }
            ia -= ta[d] * shape[d];
            ib -= tb[d] * shape[d];
            index[d] = 0;
        }
    }
    Ok(Tensor { shape, data })
}

/// Constant padding with zeros; `pads` holds every axis's begins, then every axis's ends.
pub(crate) fn pad(x: &Tensor, pads: &[usize], value: f32) -> Result<Tensor, NnError> {
    let rank = x.shape.len();
    if pads.len() != 2 * rank || rank == 0 {
        return Err(shape_error(format!("Pad: {} pads for rank {rank}", pads.len())));
    }
    let shape: Vec<usize> = (0..rank).map(|d| x.shape[d] + pads[d] + pads[rank + d]).collect();
    let mut out = vec![value; numel(&shape)];
    let last = x.shape[rank - 1];
    if last == 0 {
        return Ok(Tensor { shape, data: out });
    }
    // Copy each innermost row of the input to its place in the output.
    let mut out_strides = vec![1usize; rank];
    for d in (0..rank - 1).rev() {
        out_strides[d] = out_strides[d + 1] * shape[d + 1];
    }
    let mut index = vec![0usize; rank];
    for row in x.data.chunks_exact(last) {
        let offset: usize = (0..rank).map(|d| (index[d] + pads[d]) * out_strides[d]).sum();
        out[offset..offset + last].copy_from_slice(row);
        for d in (0..rank - 1).rev() {
            index[d] += 1;
            if index[d] < x.shape[d] {
                break;
            }
            index[d] = 0;
        }
    }
    Ok(Tensor { shape, data: out })
}

pub(crate) fn transpose(x: &Tensor, perm: &[usize]) -> Result<Tensor, NnError> {
    let rank = x.shape.len();
    let mut seen = vec![false; rank];
    if perm.len() != rank || perm.iter().any(|&p| p >= rank || std::mem::replace(&mut seen[p], true)) {
        return Err(shape_error(format!("Transpose perm {perm:?} for {:?}", x.shape)));
    }
    let mut in_strides = vec![1usize; rank];
    for d in (0..rank.saturating_sub(1)).rev() {
        in_strides[d] = in_strides[d + 1] * x.shape[d + 1];
    }
    let shape: Vec<usize> = perm.iter().map(|&p| x.shape[p]).collect();
    let strides: Vec<usize> = perm.iter().map(|&p| in_strides[p]).collect();
    let total = numel(&shape);
    let mut data = Vec::with_capacity(total);
    let mut index = vec![0usize; rank];
    let mut offset = 0usize;
    for _ in 0..total {
        data.push(x.data[offset]);
        for d in (0..rank).rev() {
            index[d] += 1;
            offset += strides[d];
            if index[d] < shape[d] {
                break;
            }
            offset -= strides[d] * shape[d];
            index[d] = 0;
        }
    }
    Ok(Tensor { shape, data })
}

pub(crate) fn concat(inputs: &[&Tensor], axis: usize) -> Result<Tensor, NnError> {
    let first = inputs.first().ok_or_else(|| shape_error("Concat of nothing"))?;
    let rank = first.shape.len();
    if axis >= rank {
        return Err(shape_error(format!("Concat axis {axis} of rank {rank}")));
    }
    for t in inputs {
        let same_rest = t.shape.len() == rank && (0..rank).all(|d| d == axis || t.shape[d] == first.shape[d]);
        if !same_rest {
            return Err(shape_error(format!("Concat {:?} with {:?}", first.shape, t.shape)));
        }
    }
    let outer = numel(&first.shape[..axis]);
    let mut shape = first.shape.clone();
    shape[axis] = inputs.iter().map(|t| t.shape[axis]).sum();
    let mut data = Vec::with_capacity(numel(&shape));
    for o in 0..outer {
        for t in inputs {
            let chunk = numel(&t.shape[axis..]);
            data.extend_from_slice(&t.data[o * chunk..(o + 1) * chunk]);
        }
    }
    Ok(Tensor { shape, data })
}

/// Resize, mode "linear", coordinate_transformation_mode "half_pixel", integer-or-not scales on
/// H and W only (TensorFlow's half-pixel-centres bilinear upsampling, which is what tf2onnx
/// wrote it from).
pub(crate) fn resize_linear_half_pixel(x: &Tensor, scale_h: f32, scale_w: f32) -> Result<Tensor, NnError> {
    let [n, c, h, w] = dims4(x, "Resize")?;
    let oh = (h as f32 * scale_h).floor() as usize;
    let ow = (w as f32 * scale_w).floor() as usize;
    if h == 0 || w == 0 || oh == 0 || ow == 0 {
        return Err(shape_error(format!("Resize {:?} by {scale_h}×{scale_w}", x.shape)));
    }
    // Source index pairs and weights along one axis; outside the image the edge repeats.
    let taps = |out_len: usize, in_len: usize, scale: f32| -> Vec<(usize, usize, f32)> {
        (0..out_len)
            .map(|o| {
                let src = (o as f32 + 0.5) / scale - 0.5;
                let lo = src.floor();
                let frac = src - lo;
                let clamp = |i: f32| (i.max(0.0) as usize).min(in_len - 1);
                (clamp(lo), clamp(lo + 1.0), frac)
            })
            .collect()
    };
    let (ty, tx) = (taps(oh, h, scale_h), taps(ow, w, scale_w));
    let mut data = Vec::with_capacity(n * c * oh * ow);
    for plane in x.data.chunks_exact(h * w) {
        for &(y0, y1, fy) in &ty {
            for &(x0, x1, fx) in &tx {
                let top = plane[y0 * w + x0] * (1.0 - fx) + plane[y0 * w + x1] * fx;
                let bottom = plane[y1 * w + x0] * (1.0 - fx) + plane[y1 * w + x1] * fx;
                data.push(top * (1.0 - fy) + bottom * fy);
            }
        }
    }
    Ok(Tensor {
        shape: vec![n, c, oh, ow],
        data,
    })
}

/// [rows, k] · [k, n], the descriptor's final fully connected layer.
pub(crate) fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor, NnError> {
    let (&[m, k], &[k2, n]) = (a.shape.as_slice(), b.shape.as_slice()) else {
        return Err(shape_error(format!("MatMul {:?} · {:?}", a.shape, b.shape)));
    };
    if k != k2 {
        return Err(shape_error(format!("MatMul {:?} · {:?}", a.shape, b.shape)));
    }
    let mut data = vec![0.0f32; m * n];
    sgemm(m, k, n, &a.data, &b.data, &mut data);
    Ok(Tensor {
        shape: vec![m, n],
        data,
    })
}
