//! The distinct sets of facts: compressed bitmaps of dense numbers ([`crate::dictionary`]), alone
//! ([`Bitmap`]) or with a value per number ([`Keyed`]). A range unites bitmaps; nothing concatenates
//! id lists. Both persist in roaring's portable format (one BSON binary).

use std::ops::Deref;

use roaring::{MultiOps, RoaringBitmap};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A set of numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bitmap(RoaringBitmap);

impl Bitmap {
    /// Adds a number.
    pub fn insert(&mut self, n: u32) {
        self.0.insert(n);
    }

    /// The union of `sets`.
    pub fn union_all<'a>(sets: impl IntoIterator<Item = &'a Bitmap>) -> Bitmap {
        Bitmap(sets.into_iter().map(|b| &b.0).union())
    }

    /// The bitmap.
    pub fn into_inner(self) -> RoaringBitmap {
        self.0
    }
}

impl Deref for Bitmap {
    type Target = RoaringBitmap;
    fn deref(&self) -> &RoaringBitmap {
        &self.0
    }
}

impl AsMut<RoaringBitmap> for Bitmap {
    fn as_mut(&mut self) -> &mut RoaringBitmap {
        &mut self.0
    }
}

impl From<RoaringBitmap> for Bitmap {
    fn from(b: RoaringBitmap) -> Self {
        Bitmap(b)
    }
}

impl FromIterator<u32> for Bitmap {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Self {
        Bitmap(iter.into_iter().collect())
    }
}

fn to_bytes(b: &RoaringBitmap) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(b.serialized_size());
    // Writing to a Vec cannot fail.
    let _ = b.serialize_into(&mut bytes);
    bytes
}

fn from_bytes<E: serde::de::Error>(bytes: &[u8]) -> Result<RoaringBitmap, E> {
    // The validating reader: a damaged stored rollup is an error, never a malformed bitmap.
    RoaringBitmap::deserialize_from(bytes)
        .map_err(|e| E::custom(format!("not a roaring bitmap: {e}")))
}

impl Serialize for Bitmap {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&to_bytes(&self.0))
    }
}

struct BytesVisitor;

impl serde::de::Visitor<'_> for BytesVisitor {
    type Value = RoaringBitmap;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a roaring bitmap as bytes")
    }
    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<RoaringBitmap, E> {
        from_bytes(v)
    }
    fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<RoaringBitmap, E> {
        from_bytes(&v)
    }
}

impl<'de> Deserialize<'de> for Bitmap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_bytes(BytesVisitor).map(Bitmap)
    }
}

/// Up to this many parts, [`Keyed::merge_all`] sorts their pairs rather than hashing them.
const FEW_PARTS: usize = 8;

/// A set of numbers with a value each. The values sit beside their numbers in number order (walking
/// a slice is several times faster than walking the bitmap); the bitmap serves set operations.
/// Values are added one number at a time into a staging map, folded in by [`Keyed::normalize`].
#[derive(Debug, Clone, PartialEq)]
pub struct Keyed<T> {
    set: RoaringBitmap,
    values: Vec<(u32, T)>,
    staged: FxHashMap<u32, T>,
}

impl<T> Default for Keyed<T> {
    fn default() -> Self {
        Keyed {
            set: RoaringBitmap::new(),
            values: Vec::new(),
            staged: FxHashMap::default(),
        }
    }
}

impl<T: Clone + Default> Keyed<T> {
    /// The value of `n`, created with `T::default()` if absent (call [`Keyed::normalize`] before
    /// reading).
    pub fn entry(&mut self, n: u32) -> &mut T {
        if self.staged.is_empty() && !self.set.is_empty() {
            // Folded values go back to staging so that one number never has two values.
            self.set.clear();
            self.staged = std::mem::take(&mut self.values).into_iter().collect();
        }
        self.staged.entry(n).or_default()
    }

    /// Folds the staged values in.
    pub fn normalize(&mut self) {
        if self.staged.is_empty() {
            return;
        }
        let mut pairs: Vec<(u32, T)> = self.staged.drain().collect();
        pairs.sort_unstable_by_key(|(n, _)| *n);
        self.set = pairs.iter().map(|(n, _)| *n).collect();
        self.values = pairs;
    }

    /// The numbers.
    pub fn set(&self) -> &RoaringBitmap {
        &self.set
    }

    /// How many numbers.
    pub fn len(&self) -> u64 {
        self.set.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// `(number, value)` in number order (empty for a set whose values a report merge dropped).
    pub fn iter(&self) -> impl Iterator<Item = (u32, &T)> {
        self.values.iter().map(|(n, v)| (*n, v))
    }

    /// The `(number, value)` pairs whose numbers lie in `range`, in number order.
    pub fn between(&self, range: std::ops::RangeInclusive<u32>) -> &[(u32, T)] {
        let lo = self.values.partition_point(|(n, _)| n < range.start());
        let hi = self.values.partition_point(|(n, _)| n <= range.end());
        self.values.get(lo..hi.max(lo)).unwrap_or(&[])
    }

    /// The value of `n`.
    pub fn get(&self, n: u32) -> Option<&T> {
        let i = self.values.binary_search_by_key(&n, |(m, _)| *m).ok()?;
        self.values.get(i).map(|(_, v)| v)
    }

    /// Several keyed sets as one: a number's value is its first part's, `combine`d with each later
    /// part's.
    pub fn merge_all<'a>(
        parts: impl IntoIterator<Item = &'a Keyed<T>>,
        mut combine: impl FnMut(&mut T, &T),
    ) -> Keyed<T>
    where
        T: 'a,
    {
        let parts: Vec<&Keyed<T>> = parts.into_iter().collect();
        if parts.len() <= FEW_PARTS {
            return Keyed::merge_few(&parts, combine);
        }
        let mut map: FxHashMap<u32, T> = FxHashMap::default();
        for p in parts {
            map.reserve(p.values.len());
            for (n, v) in p.iter() {
                match map.entry(n) {
                    std::collections::hash_map::Entry::Occupied(mut e) => combine(e.get_mut(), v),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(v.clone());
                    }
                }
            }
        }
        let mut k = Keyed {
            staged: map,
            ..Keyed::default()
        };
        k.normalize();
        k
    }

    /// [`Keyed::merge_all`] of a few parts (a day's jobs): their pairs, each part already in number
    /// order, sorted stably by number (the parts' order kept among equal numbers) and folded.
    fn merge_few(parts: &[&Keyed<T>], mut combine: impl FnMut(&mut T, &T)) -> Keyed<T> {
        let mut pairs: Vec<(u32, &T)> =
            Vec::with_capacity(parts.iter().map(|p| p.values.len()).sum());
        for p in parts {
            pairs.extend(p.iter());
        }
        pairs.sort_by_key(|(n, _)| *n);
        let mut values: Vec<(u32, T)> = Vec::with_capacity(pairs.len());
        for (n, v) in pairs {
            match values.last_mut() {
                Some((last, into)) if *last == n => combine(into, v),
                _ => values.push((n, v.clone())),
            }
        }
        Keyed::from_sorted(values)
    }

    /// Pairs sorted by number, each number once.
    pub fn from_sorted(pairs: Vec<(u32, T)>) -> Keyed<T> {
        let mut set = RoaringBitmap::new();
        let mut values = Vec::with_capacity(pairs.len());
        for (n, v) in pairs {
            // A number not above the last is refused: such a pair is dropped, never misaligned.
            if set.try_push(n).is_ok() {
                values.push((n, v));
            }
        }
        Keyed {
            set,
            values,
            staged: FxHashMap::default(),
        }
    }

    /// Replaces every number `n` by `f(n)`; two numbers that become one have their values
    /// `combine`d (the smaller number's first).
    pub fn renumber(&mut self, f: impl Fn(u32) -> u32, mut combine: impl FnMut(&mut T, &T)) {
        self.normalize();
        if self.set.iter().all(|n| f(n) == n) {
            return;
        }
        self.set.clear();
        for (n, v) in std::mem::take(&mut self.values) {
            match self.staged.entry(f(n)) {
                std::collections::hash_map::Entry::Occupied(mut e) => combine(e.get_mut(), &v),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(v);
                }
            }
        }
        self.normalize();
    }
}

#[derive(Serialize, Deserialize)]
struct KeyedForm<T> {
    set: Bitmap,
    values: Vec<T>,
}

impl<T: Serialize + Clone + Default> Serialize for Keyed<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut k = self.clone();
        k.normalize();
        KeyedForm {
            set: Bitmap(k.set),
            values: k.values.into_iter().map(|(_, v)| v).collect(),
        }
        .serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Keyed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let form = KeyedForm::<T>::deserialize(d)?;
        if form.set.len() != form.values.len() as u64 {
            return Err(serde::de::Error::custom(format!(
                "{} numbers but {} values",
                form.set.len(),
                form.values.len()
            )));
        }
        let values = form.set.0.iter().zip(form.values).collect();
        Ok(Keyed {
            set: form.set.0,
            values,
            staged: FxHashMap::default(),
        })
    }
}

/// A value kept in a [`Keyed`] set whose values persist packed in one binary (see [`packed`]): a
/// fixed number of bytes each, so that a day with a value for each of 100,000 active users stays a
/// few megabytes (one BSON sub-document per value would be ten times that, near MongoDB's 16 MiB).
pub trait Packed: Sized {
    /// Bytes per value.
    const WIDTH: usize;
    /// Appends the value's `WIDTH` bytes.
    fn pack(&self, out: &mut Vec<u8>);
    /// The value of `WIDTH` bytes, or why they are not one.
    fn unpack(bytes: &[u8]) -> std::result::Result<Self, String>;
}

/// Serde for a [`Keyed`] set of [`Packed`] values: `{set: <bitmap>, values: <binary>}`.
pub mod packed {
    use super::*;

    #[derive(Serialize)]
    struct Form<'a> {
        set: &'a Bitmap,
        #[serde(with = "serde_bytes_like")]
        values: Vec<u8>,
    }

    #[derive(Deserialize)]
    struct OwnedForm {
        set: Bitmap,
        #[serde(with = "serde_bytes_like")]
        values: Vec<u8>,
    }

    /// Bytes as one binary (serde's default for `Vec<u8>` is a sequence of integers).
    mod serde_bytes_like {
        use serde::{Deserializer, Serializer};

        pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }

        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("packed values as bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
            d.deserialize_bytes(V)
        }
    }

    /// Writes `k` packed.
    pub fn serialize<T, S>(k: &Keyed<T>, s: S) -> Result<S::Ok, S::Error>
    where
        T: Packed + Clone + Default,
        S: Serializer,
    {
        let mut k = k.clone();
        k.normalize();
        let mut values = Vec::with_capacity(k.values.len() * T::WIDTH);
        for (_, v) in &k.values {
            v.pack(&mut values);
        }
        Form {
            set: &Bitmap(std::mem::take(&mut k.set)),
            values,
        }
        .serialize(s)
    }

    /// Reads a packed set; a length that does not match the set, or a value that does not unpack, is
    /// an error (a damaged stored rollup is recomputed, never misread).
    pub fn deserialize<'de, T, D>(d: D) -> Result<Keyed<T>, D::Error>
    where
        T: Packed,
        D: Deserializer<'de>,
    {
        use serde::de::Error as _;
        let form = OwnedForm::deserialize(d)?;
        let expected = usize::try_from(form.set.len())
            .ok()
            .and_then(|n| n.checked_mul(T::WIDTH));
        if expected != Some(form.values.len()) {
            return Err(D::Error::custom(format!(
                "{} numbers but {} bytes of values ({} each)",
                form.set.len(),
                form.values.len(),
                T::WIDTH
            )));
        }
        let mut values = Vec::with_capacity(form.set.len() as usize);
        for (n, chunk) in form.set.0.iter().zip(form.values.chunks_exact(T::WIDTH)) {
            values.push((n, T::unpack(chunk).map_err(D::Error::custom)?));
        }
        Ok(Keyed {
            set: form.set.0,
            values,
            staged: FxHashMap::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_merges_values_and_keeps_first() {
        let mut a = Keyed::<u64>::default();
        *a.entry(3) += 1;
        *a.entry(1) += 2;
        a.normalize();
        let mut b = Keyed::<u64>::default();
        *b.entry(3) += 10;
        *b.entry(7) += 5;
        b.normalize();
        let sum = Keyed::merge_all([&a, &b], |x, y| *x += y);
        assert_eq!(
            sum.iter().collect::<Vec<_>>(),
            vec![(1, &2), (3, &11), (7, &5)]
        );
        let first = Keyed::merge_all([&a, &b], |_, _| {});
        assert_eq!(first.get(3), Some(&1));
        assert_eq!(first.get(4), None);
        *a.entry(1) += 1;
        a.normalize();
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![(1, &3), (3, &1)]);
    }

    #[test]
    fn sets_round_trip_through_bson() {
        let mut k = Keyed::<f64>::default();
        *k.entry(70_000) = 1.5;
        *k.entry(2) = 3.0;
        k.normalize();
        let b: Bitmap = [1u32, 5, 1 << 20].into_iter().collect();
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct W {
            b: Bitmap,
            k: Keyed<f64>,
        }
        let w = W { b, k };
        let back: W =
            bson::deserialize_from_document(bson::serialize_to_document(&w).expect("encode"))
                .expect("decode");
        assert_eq!(back, w);
    }

    #[test]
    fn damaged_bytes_are_an_error() {
        let doc = bson::doc! { "b": bson::Binary { subtype: bson::spec::BinarySubtype::Generic, bytes: vec![1, 2, 3] } };
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct W {
            b: Bitmap,
        }
        assert!(bson::deserialize_from_document::<W>(doc).is_err());
    }

    #[test]
    fn renumber_moves_keys() {
        let mut k = Keyed::<u64>::default();
        *k.entry(5) = 50;
        *k.entry(9) = 90;
        k.normalize();
        k.renumber(|n| if n == 9 { 2 } else { n }, |a, b| *a += b);
        assert_eq!(k.iter().collect::<Vec<_>>(), vec![(2, &90), (5, &50)]);
    }
}
