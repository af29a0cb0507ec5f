//! The 128-d dlib descriptor, and a gallery for 1:N search over many of them.

use crate::error::FaceError;

pub const DESCRIPTOR_LEN: usize = 128;

/// dlib's raw descriptor (not normalised): compare with Euclidean distance, where dlib's own
/// "same person" line is 0.6 on LFW-quality photos.
#[derive(Debug, Clone, PartialEq)]
pub struct Descriptor(pub [f32; DESCRIPTOR_LEN]);

impl Descriptor {
    pub fn distance(&self, other: &Descriptor) -> f32 {
        squared_distance(&self.0, &other.0).sqrt()
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    /// 512 bytes, little-endian f32: what the store keeps in a BLOB for 1:N at startup.
    pub fn to_le_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    pub fn from_le_bytes(bytes: &[u8]) -> Result<Descriptor, FaceError> {
        if bytes.len() != DESCRIPTOR_LEN * 4 {
            return Err(FaceError::DescriptorBytes { len_bytes: bytes.len() });
        }
        let mut values = [0.0f32; DESCRIPTOR_LEN];
        for (v, chunk) in values.iter_mut().zip(bytes.chunks_exact(4)) {
            *v = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        Ok(Descriptor(values))
    }
}

/// Eight independent accumulators so the compiler can keep them in one SIMD register: a
/// single running sum is a dependency chain it may not reorder (float addition).
#[inline]
fn squared_distance(a: &[f32; DESCRIPTOR_LEN], b: &[f32; DESCRIPTOR_LEN]) -> f32 {
    let mut lanes = [0.0f32; 8];
    for (ca, cb) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for i in 0..8 {
            let d = ca[i] - cb[i];
            lanes[i] += d * d;
        }
    }
    lanes.iter().sum()
}

/// Enrolled descriptors for 1:N ("is this worker already registered under another name?").
/// One flat f32 array, so a query is a single linear pass with no allocation: 20,000 workers
/// are 10 MB, read in about a millisecond.
#[derive(Debug, Clone, Default)]
pub struct Gallery<K> {
    keys: Vec<K>,
    values: Vec<f32>,
}

/// The nearest enrolled descriptor to a query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nearest<'a, K> {
    pub key: &'a K,
    pub index: usize,
    pub distance: f32,
}

impl<K> Gallery<K> {
    pub fn new() -> Self {
        Gallery {
            keys: Vec::new(),
            values: Vec::new(),
        }
    }

    pub fn with_capacity(n: usize) -> Self {
        Gallery {
            keys: Vec::with_capacity(n),
            values: Vec::with_capacity(n * DESCRIPTOR_LEN),
        }
    }

    pub fn push(&mut self, key: K, descriptor: &Descriptor) {
        self.keys.push(key);
        self.values.extend_from_slice(&descriptor.0);
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn keys(&self) -> &[K] {
        &self.keys
    }

    /// Removes every entry whose key matches, e.g. a worker whose record was deleted.
    pub fn remove_where(&mut self, mut matches: impl FnMut(&K) -> bool) {
        let mut keep = 0;
        for i in 0..self.keys.len() {
            if !matches(&self.keys[i]) {
                self.keys.swap(keep, i);
                self.values
                    .copy_within(i * DESCRIPTOR_LEN..(i + 1) * DESCRIPTOR_LEN, keep * DESCRIPTOR_LEN);
                keep += 1;
            }
        }
        self.keys.truncate(keep);
        self.values.truncate(keep * DESCRIPTOR_LEN);
    }

    /// The closest entry, or None for an empty gallery.
    pub fn nearest(&self, query: &Descriptor) -> Option<Nearest<'_, K>> {
        let mut best: Option<(usize, f32)> = None;
        for (i, row) in self.values.chunks_exact(DESCRIPTOR_LEN).enumerate() {
            let Ok(row) = <&[f32; DESCRIPTOR_LEN]>::try_from(row) else {
                continue;
            };
            let d = squared_distance(row, &query.0);
            if best.is_none_or(|(_, b)| d < b) {
                best = Some((i, d));
            }
        }
        best.map(|(index, d)| Nearest {
            key: &self.keys[index],
            index,
            distance: d.sqrt(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn descriptor(seed: u32) -> Descriptor {
        let mut values = [0.0f32; DESCRIPTOR_LEN];
        let mut state = seed.wrapping_mul(2_654_435_761).max(1);
        for v in values.iter_mut() {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            *v = (state % 1000) as f32 / 5000.0 - 0.1;
        }
        Descriptor(values)
    }

    #[test]
    fn distance_is_euclidean() {
        let mut a = [0.0f32; DESCRIPTOR_LEN];
        a[0] = 3.0;
        a[127] = 4.0;
        assert_eq!(Descriptor(a).distance(&Descriptor([0.0; DESCRIPTOR_LEN])), 5.0);
    }

    #[test]
    fn bytes_round_trip_and_wrong_length_is_refused() {
        let d = descriptor(7);
        assert_eq!(Descriptor::from_le_bytes(&d.to_le_bytes()).ok(), Some(d));
        assert!(matches!(
            Descriptor::from_le_bytes(&[0; 100]),
            Err(FaceError::DescriptorBytes { len_bytes: 100 })
        ));
    }

    #[test]
    fn gallery_finds_the_nearest_and_forgets_removed_keys() {
        let mut gallery = Gallery::new();
        for k in 0..100u32 {
            gallery.push(k, &descriptor(k));
        }
        let hit = gallery.nearest(&descriptor(42)).map(|n| (*n.key, n.distance));
        assert_eq!(hit, Some((42, 0.0)));
        gallery.remove_where(|k| *k == 42 || *k == 3);
        assert_eq!(gallery.len(), 98);
        assert_ne!(gallery.nearest(&descriptor(42)).map(|n| *n.key), Some(42));
        assert_eq!(gallery.nearest(&descriptor(99)).map(|n| *n.key), Some(99));
        assert!(Gallery::<u32>::new().nearest(&descriptor(1)).is_none());
    }
}
