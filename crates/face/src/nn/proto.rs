//! Just enough of ONNX's protobuf schema (onnx.proto3) for our three models, decoded by hand
//! from the wire format: ModelProto → GraphProto → NodeProto / TensorProto / AttributeProto /
//! ValueInfoProto. Fields these models do not use are skipped; malformed bytes are an error,
//! never a panic.

use super::NnError;

/// A protobuf message's bytes, read field by field.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

/// One field's payload (wire types 0, 1, 2 and 5; groups are obsolete and refused).
enum Wire<'a> {
    Varint(u64),
    Fixed64,
    Bytes(&'a [u8]),
    Fixed32(u32),
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    fn varint(&mut self) -> Result<u64, NnError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self
                .bytes
                .get(self.pos)
                .ok_or_else(|| NnError::Format("varint past the end".into()))?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(NnError::Format("varint longer than 10 bytes".into()))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], NnError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| NnError::Format(format!("field of {n} bytes past the end")))?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    /// The next (field number, payload), or None at the end of the message.
    fn field(&mut self) -> Result<Option<(u64, Wire<'a>)>, NnError> {
        if self.pos >= self.bytes.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let wire = match key & 7 {
            0 => Wire::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Wire::Fixed64
            }
            2 => {
                let len = usize::try_from(self.varint()?).map_err(|_| short())?;
                Wire::Bytes(self.take(len)?)
            }
            5 => Wire::Fixed32(u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| short())?)),
            other => return Err(NnError::Format(format!("wire type {other}"))),
        };
        Ok(Some((key >> 3, wire)))
    }
}

fn short() -> NnError {
    NnError::Format("truncated field".into())
}

fn bytes<'a>(wire: Wire<'a>, what: &str) -> Result<&'a [u8], NnError> {
    match wire {
        Wire::Bytes(b) => Ok(b),
        _ => Err(NnError::Format(format!("{what} is not length-delimited"))),
    }
}

fn string(wire: Wire<'_>, what: &str) -> Result<String, NnError> {
    let b = bytes(wire, what)?;
    String::from_utf8(b.to_vec()).map_err(|_| NnError::Format(format!("{what} is not UTF-8")))
}

fn int(wire: Wire<'_>, what: &str) -> Result<i64, NnError> {
    match wire {
        // Two's complement in ten bytes for negative int64.
        Wire::Varint(v) => Ok(v as i64),
        _ => Err(NnError::Format(format!("{what} is not a varint"))),
    }
}

/// Repeated int64: packed (one length-delimited run) or one varint per field.
fn push_ints(wire: Wire<'_>, out: &mut Vec<i64>, what: &str) -> Result<(), NnError> {
    match wire {
        Wire::Varint(v) => out.push(v as i64),
        Wire::Bytes(b) => {
            let mut r = Reader::new(b);
            while r.pos < b.len() {
                out.push(r.varint()? as i64);
            }
        }
        _ => return Err(NnError::Format(format!("{what}: bad wire type"))),
    }
    Ok(())
}

/// Repeated float: packed or one fixed32 per field.
fn push_floats(wire: Wire<'_>, out: &mut Vec<f32>, what: &str) -> Result<(), NnError> {
    match wire {
        Wire::Fixed32(v) => out.push(f32::from_bits(v)),
        Wire::Bytes(b) if b.len() % 4 == 0 => out.extend(floats_le(b)),
        _ => return Err(NnError::Format(format!("{what}: bad wire type or length"))),
    }
    Ok(())
}

fn floats_le(b: &[u8]) -> impl Iterator<Item = f32> + '_ {
    b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

pub(crate) const FLOAT: i64 = 1;
pub(crate) const INT64: i64 = 7;

/// TensorProto's values, converted at load to what the operators read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Data {
    Float(Vec<f32>),
    Int64(Vec<i64>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TensorProto {
    pub name: String,
    pub dims: Vec<usize>,
    pub data: Data,
}

fn tensor(b: &[u8]) -> Result<TensorProto, NnError> {
    let mut r = Reader::new(b);
    let (mut name, mut dims, mut data_type) = (String::new(), Vec::new(), 0i64);
    let (mut floats, mut ints, mut raw) = (Vec::new(), Vec::new(), None);
    while let Some((field, wire)) = r.field()? {
        match field {
            1 => push_ints(wire, &mut dims, "dims")?,
            2 => data_type = int(wire, "data_type")?,
            4 => push_floats(wire, &mut floats, "float_data")?,
            7 => push_ints(wire, &mut ints, "int64_data")?,
            8 => name = string(wire, "tensor name")?,
            9 => raw = Some(bytes(wire, "raw_data")?),
            13 | 14 => return Err(NnError::Unsupported(format!("tensor {name}: external data"))),
            _ => {}
        }
    }
    let dims = dims
        .into_iter()
        .map(|d| usize::try_from(d).map_err(|_| NnError::Format(format!("tensor {name}: dim {d}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let len = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| NnError::Format(format!("tensor {name}: dims {dims:?}")))?;
    let data = match (data_type, raw) {
        (FLOAT, Some(raw)) if raw.len() == len * 4 => Data::Float(floats_le(raw).collect()),
        (FLOAT, None) if floats.len() == len => Data::Float(floats),
        (INT64, Some(raw)) if raw.len() == len * 8 => Data::Int64(
            raw.chunks_exact(8)
                .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
        ),
        (INT64, None) if ints.len() == len => Data::Int64(ints),
        (FLOAT | INT64, _) => {
            return Err(NnError::Format(format!(
                "tensor {name}: data does not fill dims {dims:?}"
            )));
        }
        (other, _) => return Err(NnError::Unsupported(format!("tensor {name}: data type {other}"))),
    };
    Ok(TensorProto { name, dims, data })
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AttrValue {
    Float(f32),
    Int(i64),
    String(String),
    Floats(Vec<f32>),
    Ints(Vec<i64>),
    Tensor(TensorProto),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Attribute {
    pub name: String,
    pub value: AttrValue,
}

// AttributeProto.type values.
const ATTR_FLOAT: i64 = 1;
const ATTR_INT: i64 = 2;
const ATTR_STRING: i64 = 3;
const ATTR_TENSOR: i64 = 4;
const ATTR_FLOATS: i64 = 6;
const ATTR_INTS: i64 = 7;

fn attribute(b: &[u8]) -> Result<Attribute, NnError> {
    let mut r = Reader::new(b);
    let (mut name, mut kind) = (String::new(), 0i64);
    let (mut f, mut i, mut s, mut t) = (None, None, None, None);
    let (mut floats, mut ints) = (Vec::new(), Vec::new());
    while let Some((field, wire)) = r.field()? {
        match field {
            1 => name = string(wire, "attribute name")?,
            2 => match wire {
                Wire::Fixed32(v) => f = Some(f32::from_bits(v)),
                _ => return Err(NnError::Format(format!("attribute {name}: float"))),
            },
            3 => i = Some(int(wire, "attribute int")?),
            4 => s = Some(string(wire, "attribute string")?),
            5 => t = Some(tensor(bytes(wire, "attribute tensor")?)?),
            7 => push_floats(wire, &mut floats, "attribute floats")?,
            8 => push_ints(wire, &mut ints, "attribute ints")?,
            20 => kind = int(wire, "attribute type")?,
            _ => {}
        }
    }
    let missing = || NnError::Format(format!("attribute {name} has no value of its type"));
    let value = match kind {
        ATTR_FLOAT => AttrValue::Float(f.ok_or_else(missing)?),
        ATTR_INT => AttrValue::Int(i.ok_or_else(missing)?),
        ATTR_STRING => AttrValue::String(s.ok_or_else(missing)?),
        ATTR_TENSOR => AttrValue::Tensor(t.ok_or_else(missing)?),
        ATTR_FLOATS => AttrValue::Floats(floats),
        ATTR_INTS => AttrValue::Ints(ints),
        other => return Err(NnError::Unsupported(format!("attribute {name} of type {other}"))),
    };
    Ok(Attribute { name, value })
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NodeProto {
    pub name: String,
    pub op_type: String,
    pub domain: String,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub attributes: Vec<Attribute>,
}

fn node(b: &[u8]) -> Result<NodeProto, NnError> {
    let mut r = Reader::new(b);
    let mut n = NodeProto {
        name: String::new(),
        op_type: String::new(),
        domain: String::new(),
        inputs: Vec::new(),
        outputs: Vec::new(),
        attributes: Vec::new(),
    };
    while let Some((field, wire)) = r.field()? {
        match field {
            1 => n.inputs.push(string(wire, "node input")?),
            2 => n.outputs.push(string(wire, "node output")?),
            3 => n.name = string(wire, "node name")?,
            4 => n.op_type = string(wire, "op_type")?,
            5 => n.attributes.push(attribute(bytes(wire, "attribute")?)?),
            7 => n.domain = string(wire, "domain")?,
            _ => {}
        }
    }
    Ok(n)
}

/// ValueInfoProto: only the name matters, the caller fixes the input shape.
fn value_name(b: &[u8]) -> Result<String, NnError> {
    let mut r = Reader::new(b);
    let mut name = String::new();
    while let Some((field, wire)) = r.field()? {
        if field == 1 {
            name = string(wire, "value name")?;
        }
    }
    Ok(name)
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct GraphProto {
    pub nodes: Vec<NodeProto>,
    pub initializers: Vec<TensorProto>,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
}

fn graph(b: &[u8]) -> Result<GraphProto, NnError> {
    let mut r = Reader::new(b);
    let mut g = GraphProto::default();
    while let Some((field, wire)) = r.field()? {
        match field {
            1 => g.nodes.push(node(bytes(wire, "node")?)?),
            5 => g.initializers.push(tensor(bytes(wire, "initializer")?)?),
            11 => g.inputs.push(value_name(bytes(wire, "graph input")?)?),
            12 => g.outputs.push(value_name(bytes(wire, "graph output")?)?),
            15 => return Err(NnError::Unsupported("sparse initializers".into())),
            _ => {}
        }
    }
    Ok(g)
}

/// ModelProto's graph; a file without one is not a model.
pub(crate) fn model_graph(b: &[u8]) -> Result<GraphProto, NnError> {
    let mut r = Reader::new(b);
    let mut found = None;
    while let Some((field, wire)) = r.field()? {
        if field == 7 {
            found = Some(graph(bytes(wire, "graph")?)?);
        }
    }
    found.ok_or_else(|| NnError::Format("no graph in the file".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(field: u64, wire: u64) -> u8 {
        (field << 3 | wire) as u8
    }

    #[test]
    fn varints_packed_and_unpacked_repeats_and_negative_ints_decode() {
        // TensorProto: dims packed [2, 300], data_type 7, int64_data unpacked [-1, 5], name "t".
        let mut b = vec![key(1, 2), 3, 2, 0xac, 0x02, key(2, 0), 7];
        b.extend([key(7, 0), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        b.extend([key(7, 0), 5, key(8, 2), 1, b't']);
        // dims say 600 values, two given: refused.
        assert!(matches!(tensor(&b), Err(NnError::Format(_))));
        let mut b = vec![key(1, 2), 1, 2, key(2, 0), 7];
        b.extend([key(7, 0), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        b.extend([key(7, 0), 5, key(8, 2), 1, b't']);
        let t = tensor(&b).expect("tensor");
        assert_eq!(
            (t.name.as_str(), t.dims, t.data),
            ("t", vec![2], Data::Int64(vec![-1, 5]))
        );
    }

    #[test]
    fn truncated_and_garbage_bytes_are_errors() {
        let b = [key(7, 2), 0x80];
        assert!(model_graph(&b).is_err());
        assert!(model_graph(&[key(7, 2), 10, 1, 2]).is_err());
        assert!(model_graph(&[0x0b, 0, 0]).is_err()); // wire type 3 (group)
        assert!(matches!(model_graph(&[]), Err(NnError::Format(_))));
        assert!(model_graph(&[0xff; 12]).is_err());
    }
}
