//! The operators against straightforward reference loops and hand-worked values, and the
//! loader against hand-made protobuf bytes (unknown operators and attributes, bad files).

use super::ops::{self, BinaryKind, Conv, Pool, PoolKind};
use super::{Net, NnError, Tensor};

fn random(n: usize, seed: u32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state % 2001) as f32 / 1000.0 - 1.0
        })
        .collect()
}

fn tensor(shape: &[usize], data: Vec<f32>) -> Tensor {
    Tensor::new(shape.to_vec(), data).expect("data fills the shape")
}

/// Conv by its definition, one output at a time.
fn reference_conv(conv: &Conv, x: &Tensor) -> Tensor {
    let &[n, c, h, w] = x.shape.as_slice() else {
        panic!("NCHW")
    };
    let [kh, kw] = conv.kernel;
    let [sh, sw] = conv.strides;
    let [pt, pl, pb, pr] = conv.pads;
    let oh = (h + pt + pb - kh) / sh + 1;
    let ow = (w + pl + pr - kw) / sw + 1;
    let m = conv.out_channels;
    let (cg, mg) = (conv.in_per_group, m / conv.group);
    assert_eq!(c, cg * conv.group);
    let mut out = vec![0.0f32; n * m * oh * ow];
    for b in 0..n {
        for o in 0..m {
            let g = o / mg;
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut sum = conv.bias[o];
                    for ci in 0..cg {
                        for ki in 0..kh {
                            for kj in 0..kw {
                                let iy = (oy * sh + ki) as isize - pt as isize;
                                let ix = (ox * sw + kj) as isize - pl as isize;
                                if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                                    continue;
                                }
                                let input = x.data[((b * c + g * cg + ci) * h + iy as usize) * w + ix as usize];
                                sum += input * conv.weights[((o * cg + ci) * kh + ki) * kw + kj];
                            }
                        }
                    }
                    out[((b * m + o) * oh + oy) * ow + ox] = if conv.relu { sum.max(0.0) } else { sum };
                }
            }
        }
    }
    tensor(&[n, m, oh, ow], out)
}

fn conv(m: usize, cg: usize, group: usize, kernel: [usize; 2], strides: [usize; 2], pads: [usize; 4]) -> Conv {
    Conv {
        weights: random(m * cg * kernel[0] * kernel[1], 3),
        bias: random(m, 5),
        out_channels: m,
        in_per_group: cg,
        group,
        kernel,
        strides,
        pads,
        relu: false,
    }
}

fn assert_close(a: &Tensor, b: &Tensor) {
    assert_eq!(a.shape, b.shape);
    for (i, (x, y)) in a.data.iter().zip(&b.data).enumerate() {
        assert!((x - y).abs() <= 1e-4, "at {i}: {x} vs {y}");
    }
}

#[test]
fn conv_matches_its_definition_with_groups_strides_and_uneven_pads() {
    let cases = [
        // The detectors' first layers: 5×5 stride 2, pads only after (TensorFlow's SAME).
        (conv(6, 3, 1, [5, 5], [2, 2], [1, 1, 2, 2]), [1, 3, 11, 12]),
        // Depthwise stride 2 with pads [0, 0, 1, 1], and stride 1 with pads all round.
        (conv(4, 1, 4, [3, 3], [2, 2], [0, 0, 1, 1]), [1, 4, 9, 8]),
        (conv(4, 1, 4, [3, 3], [1, 1], [1, 1, 1, 1]), [2, 4, 7, 5]),
        // A grouped convolution that is not depthwise, uneven pads and strides.
        (conv(6, 2, 2, [3, 2], [2, 1], [1, 0, 0, 1]), [1, 4, 8, 7]),
        // Pointwise (no im2col), and dlib's 7×7 stride 2 without padding.
        (conv(5, 3, 1, [1, 1], [1, 1], [0; 4]), [1, 3, 4, 6]),
        (conv(2, 3, 1, [7, 7], [2, 2], [0; 4]), [1, 3, 15, 16]),
    ];
    for (mut c, shape) in cases {
        let x = tensor(&shape, random(shape.iter().product(), 11));
        assert_close(&c.run(&x).expect("conv runs"), &reference_conv(&c, &x));
        c.relu = true;
        let fused = c.run(&x).expect("conv runs");
        assert!(fused.data.iter().all(|&v| v >= 0.0));
        assert_close(&fused, &reference_conv(&c, &x));
    }
}

#[test]
fn conv_refuses_the_wrong_channel_count() {
    let c = conv(4, 1, 4, [3, 3], [1, 1], [1, 1, 1, 1]);
    assert!(matches!(
        c.run(&tensor(&[1, 3, 5, 5], vec![0.0; 75])),
        Err(NnError::Shape(_))
    ));
}

#[test]
fn pools_ignore_or_count_padding_as_asked() {
    // 1×1×3×3: 1..9; 2×2 windows, stride 2, one cell of padding after on each axis.
    let x = tensor(&[1, 1, 3, 3], (1..=9).map(|v| v as f32).collect());
    let pool = |kind| Pool {
        kind,
        kernel: [2, 2],
        strides: [2, 2],
        pads: [0, 0, 1, 1],
    };
    let max = pool(PoolKind::Max).run(&x).expect("runs");
    assert_eq!(
        (max.shape.as_slice(), max.data.as_slice()),
        ([1, 1, 2, 2].as_slice(), [5.0, 6.0, 8.0, 9.0].as_slice())
    );
    let avg = pool(PoolKind::Average {
        count_include_pad: false,
    })
    .run(&x)
    .expect("runs");
    assert_eq!(avg.data, [3.0, 4.5, 7.5, 9.0]);
    let with_pad = pool(PoolKind::Average {
        count_include_pad: true,
    })
    .run(&x)
    .expect("runs");
    assert_eq!(with_pad.data, [3.0, 2.25, 3.75, 2.25]);
    // Negative inputs: padding must not win a max (it is not a zero).
    let neg = tensor(&[1, 1, 3, 3], (1..=9).map(|v| -(v as f32)).collect());
    assert_eq!(
        pool(PoolKind::Max).run(&neg).expect("runs").data,
        [-1.0, -3.0, -7.0, -9.0]
    );
    // dlib's 3×3 stride 2 max pool without padding, and 2×2 averages.
    let big = tensor(&[1, 2, 7, 7], random(98, 2));
    let p = Pool {
        kind: PoolKind::Max,
        kernel: [3, 3],
        strides: [2, 2],
        pads: [0; 4],
    };
    let out = p.run(&big).expect("runs");
    assert_eq!(out.shape, [1, 2, 3, 3]);
    let expect = (0..3).flat_map(|y| (0..3).map(move |x| (y, x))).map(|(y, x)| {
        (0..9)
            .map(|i| big.data[49 + (2 * y + i / 3) * 7 + 2 * x + i % 3])
            .fold(f32::MIN, f32::max)
    });
    assert!(out.data[9..].iter().zip(expect).all(|(a, b)| *a == b));
    let gap = ops::global_average_pool(&x).expect("runs");
    assert_eq!((gap.shape, gap.data), (vec![1, 1, 1, 1], vec![5.0]));
}

#[test]
fn resize_is_half_pixel_bilinear_with_edges_repeated() {
    let x = tensor(&[1, 1, 2, 2], vec![0.0, 1.0, 2.0, 3.0]);
    let out = ops::resize_linear_half_pixel(&x, 2.0, 2.0).expect("runs");
    assert_eq!(out.shape, [1, 1, 4, 4]);
    let r = [0.0, 0.25, 0.75, 1.0];
    let expect: Vec<f32> = (0..16).map(|i| 2.0 * r[i / 4] + r[i % 4]).collect();
    assert_eq!(out.data, expect);
}

#[test]
fn pad_transpose_concat_and_broadcasting() {
    // Channel padding as the detectors' residual branches do it: [0,0,0,0, 0,2,0,0].
    let x = tensor(&[1, 2, 1, 2], vec![1.0, 2.0, 3.0, 4.0]);
    let p = ops::pad(&x, &[0, 0, 0, 0, 0, 2, 0, 0], 0.0).expect("runs");
    assert_eq!(
        (p.shape.as_slice(), &p.data[..4], &p.data[4..]),
        (
            [1, 4, 1, 2].as_slice(),
            [1.0, 2.0, 3.0, 4.0].as_slice(),
            [0.0; 4].as_slice()
        )
    );
    // dlib's spatial pad after the last axes' ends.
    let p = ops::pad(&x, &[0, 0, 0, 0, 0, 0, 1, 1], 0.0).expect("runs");
    assert_eq!(p.data, [1.0, 2.0, 0.0, 0.0, 0.0, 0.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0]);

    let nhwc = tensor(&[1, 2, 2, 3], (0..12).map(|v| v as f32).collect());
    let nchw = ops::transpose(&nhwc, &[0, 3, 1, 2]).expect("runs");
    assert_eq!(nchw.shape, [1, 3, 2, 2]);
    assert_eq!(
        nchw.data,
        [0.0, 3.0, 6.0, 9.0, 1.0, 4.0, 7.0, 10.0, 2.0, 5.0, 8.0, 11.0]
    );
    assert_eq!(ops::transpose(&nchw, &[0, 2, 3, 1]).expect("runs"), nhwc);

    let a = tensor(&[1, 2, 2], vec![1.0, 2.0, 3.0, 4.0]);
    let b = tensor(&[1, 1, 2], vec![5.0, 6.0]);
    let c = ops::concat(&[&a, &b], 1).expect("runs");
    assert_eq!((c.shape, c.data), (vec![1, 3, 2], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));

    let mean = tensor(&[1, 3, 1, 1], vec![1.0, 2.0, 3.0]);
    let sub = ops::binary(BinaryKind::Sub, &nchw, &mean, false).expect("runs");
    assert_eq!(
        sub.data,
        [-1.0, 2.0, 5.0, 8.0, -1.0, 2.0, 5.0, 8.0, -1.0, 2.0, 5.0, 8.0]
    );
    let div = ops::binary(BinaryKind::Div, &nchw, &tensor(&[1], vec![2.0]), false).expect("runs");
    assert_eq!(div.data[..4], [0.0, 1.5, 3.0, 4.5]);
    let add = ops::binary(
        BinaryKind::Add,
        &mean,
        &tensor(&[1, 3, 1, 1], vec![-5.0, 0.0, 5.0]),
        true,
    )
    .expect("runs");
    assert_eq!(add.data, [0.0, 2.0, 8.0]);
    assert!(ops::binary(BinaryKind::Add, &a, &tensor(&[3], vec![0.0; 3]), false).is_err());
}

/// Hand-written protobuf for the loader tests.
mod pb {
    pub fn varint(mut v: u64, out: &mut Vec<u8>) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    pub fn bytes(field: u64, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        varint(field << 3 | 2, &mut out);
        varint(payload.len() as u64, &mut out);
        out.extend_from_slice(payload);
        out
    }

    pub fn int(field: u64, v: i64) -> Vec<u8> {
        let mut out = Vec::new();
        varint(field << 3, &mut out);
        varint(v as u64, &mut out);
        out
    }

    pub fn float_tensor(name: &str, dims: &[i64], values: &[f32]) -> Vec<u8> {
        let mut t = Vec::new();
        for &d in dims {
            t.extend(int(1, d));
        }
        t.extend(int(2, 1));
        t.extend(bytes(8, name.as_bytes()));
        let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        t.extend(bytes(9, &raw));
        t
    }

    pub fn ints_attribute(name: &str, values: &[i64]) -> Vec<u8> {
        let mut a = bytes(1, name.as_bytes());
        for &v in values {
            a.extend(int(8, v));
        }
        a.extend(int(20, 7));
        a
    }

    pub fn node(op: &str, inputs: &[&str], output: &str, attributes: &[Vec<u8>]) -> Vec<u8> {
        let mut n = Vec::new();
        for i in inputs {
            n.extend(bytes(1, i.as_bytes()));
        }
        n.extend(bytes(2, output.as_bytes()));
        n.extend(bytes(3, format!("{op}_node").as_bytes()));
        n.extend(bytes(4, op.as_bytes()));
        for a in attributes {
            n.extend(bytes(5, a));
        }
        n
    }

    /// A model: input "x", `nodes`, `initializers`, output "y".
    pub fn model(nodes: &[Vec<u8>], initializers: &[Vec<u8>]) -> Vec<u8> {
        let mut g = Vec::new();
        for n in nodes {
            g.extend(bytes(1, n));
        }
        for t in initializers {
            g.extend(bytes(5, t));
        }
        g.extend(bytes(11, &bytes(1, b"x")));
        g.extend(bytes(12, &bytes(1, b"y")));
        let mut m = int(1, 8);
        m.extend(bytes(7, &g));
        m
    }
}

fn conv_relu_model(conv_attributes: &[Vec<u8>]) -> Vec<u8> {
    pb::model(
        &[
            pb::node("Conv", &["x", "w", "b"], "c", conv_attributes),
            pb::node("Relu", &["c"], "y", &[]),
        ],
        &[
            pb::float_tensor("w", &[1, 1, 2, 2], &[1.0, -1.0, 2.0, 0.5]),
            pb::float_tensor("b", &[1], &[-1.0]),
        ],
    )
}

#[test]
fn a_hand_made_model_loads_and_runs_with_its_relu_fused() {
    let bytes = conv_relu_model(&[pb::ints_attribute("pads", &[0, 0, 1, 1])]);
    let net = Net::from_bytes(&bytes).expect("loads");
    let out = net.run(tensor(&[1, 1, 2, 2], vec![1.0, 2.0, 3.0, 4.0])).expect("runs");
    // (0,0): 1−2+6+2−1 = 6; (0,1): 2+8−1 = 9; (1,0): 3−4−1 < 0 → 0; (1,1): 4−1 = 3.
    assert_eq!(out, [tensor(&[1, 1, 2, 2], vec![6.0, 9.0, 0.0, 3.0])]);
    assert!(matches!(
        net.run(tensor(&[1, 2, 2, 2], vec![0.0; 8])),
        Err(NnError::Shape(_))
    ));
}

#[test]
fn unknown_operators_and_attributes_are_refused_by_name() {
    let bytes = pb::model(&[pb::node("Softmax", &["x"], "y", &[])], &[]);
    match Net::from_bytes(&bytes) {
        Err(e @ NnError::UnknownOp { .. }) => assert!(e.to_string().contains("Softmax"), "{e}"),
        other => panic!("expected an unknown operator, got {other:?}"),
    }
    let bytes = conv_relu_model(&[pb::ints_attribute("output_padding", &[1, 1])]);
    match Net::from_bytes(&bytes) {
        Err(e @ NnError::UnknownAttribute { .. }) => assert!(e.to_string().contains("output_padding"), "{e}"),
        other => panic!("expected an unknown attribute, got {other:?}"),
    }
    // Known attribute, value not implemented.
    let bytes = conv_relu_model(&[pb::ints_attribute("dilations", &[2, 2])]);
    assert!(matches!(Net::from_bytes(&bytes), Err(NnError::Unsupported(_))));
    // Sizes a damaged file could hold: refused before any arithmetic or allocation.
    let bytes = conv_relu_model(&[pb::ints_attribute("pads", &[0, 0, 1 << 40, 1])]);
    assert!(matches!(Net::from_bytes(&bytes), Err(NnError::Unsupported(_))));
}

#[test]
fn truncated_and_garbage_files_are_errors() {
    let bytes = conv_relu_model(&[]);
    for len in 0..bytes.len() {
        // Every prefix either fails to parse or lacks a part: never a panic, never a net.
        assert!(Net::from_bytes(&bytes[..len]).is_err(), "prefix of {len} bytes loaded");
    }
    let garbage = random(4000, 9)
        .iter()
        .map(|v| (v * 1000.0) as i32 as u8)
        .collect::<Vec<_>>();
    assert!(Net::from_bytes(&garbage).is_err());
    // A node reading a value nobody makes.
    let bytes = pb::model(&[pb::node("Relu", &["nothing"], "y", &[])], &[]);
    assert!(matches!(Net::from_bytes(&bytes), Err(NnError::Format(_))));
}

#[test]
fn input_arithmetic_folded_into_an_unpadded_conv_gives_the_same_numbers() {
    let weights = random(3 * 2 * 3 * 3, 4);
    for pads in [[0i64; 4], [1, 1, 1, 1]] {
        let bytes = pb::model(
            &[
                pb::node("Sub", &["x", "mean"], "centred", &[]),
                pb::node("Div", &["centred", "scale"], "scaled", &[]),
                pb::node("Conv", &["scaled", "w", "b"], "y", &[pb::ints_attribute("pads", &pads)]),
            ],
            &[
                pb::float_tensor("mean", &[1, 2, 1, 1], &[120.0, 100.0]),
                pb::float_tensor("scale", &[1], &[255.0]),
                pb::float_tensor("w", &[3, 2, 3, 3], &weights),
                pb::float_tensor("b", &[3], &[0.5, -0.25, 0.0]),
            ],
        );
        let net = Net::from_bytes(&bytes).expect("loads");
        let x = tensor(&[1, 2, 6, 5], random(60, 8).iter().map(|v| (v + 1.0) * 127.0).collect());
        let got = net.run(x.clone()).expect("runs");
        let mean = tensor(&[1, 2, 1, 1], vec![120.0, 100.0]);
        let centred = ops::binary(BinaryKind::Sub, &x, &mean, false).expect("sub");
        let scaled = ops::binary(BinaryKind::Div, &centred, &tensor(&[1], vec![255.0]), false).expect("div");
        let mut c = conv(3, 2, 1, [3, 3], [1, 1], pads.map(|p| p as usize));
        c.weights = weights.clone();
        c.bias = vec![0.5, -0.25, 0.0];
        assert_close(&got[0], &reference_conv(&c, &scaled));
    }
}
