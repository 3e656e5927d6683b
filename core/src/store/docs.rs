//! Analytics documents: what capabilities persist through a store (daily rollups, cohorts, alerts,
//! forecasts, reports, schedule state…), without the store knowing any of them.
//!
//! A capability declares its document type once, by implementing [`AnalyticsDoc`]: the collection, the
//! fields of its unique key and any further indexes ([`DocSpec`]), and how to read the key off a value.
//! Every store then persists, fetches by key or key range, replaces and deletes that type, and creates
//! the unique index of each collection the first time it is written. The typed methods are in
//! [`AnalyticsStore`], implemented for every [`Store`](super::Store); the object-safe methods they call
//! take type-erased values ([`SharedDoc`]), so that the in-memory store can keep the typed values
//! themselves (a report reads them without decoding or copying) while a database store encodes them to
//! BSON.

use std::any::Any;
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use bson::Document;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::Store;
use crate::{Error, Result};

/// One field of a key: a string (dates are ISO `YYYY-MM-DD` strings, which sort in date order) or an
/// integer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyValue {
    /// A string (or a date as `YYYY-MM-DD`).
    Str(String),
    /// An integer.
    Int(i64),
}

impl From<&str> for KeyValue {
    fn from(s: &str) -> Self {
        KeyValue::Str(s.to_owned())
    }
}

impl From<String> for KeyValue {
    fn from(s: String) -> Self {
        KeyValue::Str(s)
    }
}

impl From<NaiveDate> for KeyValue {
    fn from(d: NaiveDate) -> Self {
        KeyValue::Str(d.format("%Y-%m-%d").to_string())
    }
}

impl From<i64> for KeyValue {
    fn from(n: i64) -> Self {
        KeyValue::Int(n)
    }
}

impl fmt::Display for KeyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyValue::Str(s) => f.write_str(s),
            KeyValue::Int(n) => write!(f, "{n}"),
        }
    }
}

impl KeyValue {
    /// The value as BSON, as the document itself holds it.
    pub fn to_bson(&self) -> bson::Bson {
        match self {
            KeyValue::Str(s) => bson::Bson::String(s.clone()),
            KeyValue::Int(n) => bson::Bson::Int64(*n),
        }
    }
}

/// The unique key of a document: one value per field of [`DocSpec::key_fields`], in that order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocKey(pub Vec<KeyValue>);

impl fmt::Display for DocKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

/// A secondary index of an analytics collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexSpec {
    /// The index name.
    pub name: &'static str,
    /// Its fields, each ascending.
    pub fields: &'static [&'static str],
}

/// How a document type is stored: its collection, unique key and further indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocSpec {
    /// The collection (a MongoDB collection name, e.g. `analyticsdailykpis`).
    pub collection: &'static str,
    /// The fields of the unique key, in order; each is a top-level string or integer field of the
    /// document whose value is the key's.
    pub key_fields: &'static [&'static str],
    /// The name of the unique index on `key_fields`.
    pub key_index: &'static str,
    /// Indexes an earlier layout created that now stand in the way (a unique index on fewer fields):
    /// a database store drops them before creating `key_index`.
    pub retired_indexes: &'static [&'static str],
    /// Further (non-unique) indexes.
    pub indexes: &'static [IndexSpec],
    /// The store may drop documents of this type when it must bound memory: they are recomputed on
    /// demand.
    pub evictable: bool,
}

impl DocSpec {
    /// The position of a key field, or an error naming the collection.
    pub fn key_position(&self, field: &str) -> Result<usize> {
        self.key_fields
            .iter()
            .position(|f| *f == field)
            .ok_or_else(|| {
                Error::Internal(format!(
                    "`{field}` is not a key field of `{}` (key: {:?})",
                    self.collection, self.key_fields
                ))
            })
    }
}

/// A document type a capability persists. Its serialised form must hold every key field at the top
/// level with the value [`AnalyticsDoc::key`] gives (a database store finds documents by those fields).
pub trait AnalyticsDoc:
    Serialize + DeserializeOwned + Clone + Send + Sync + fmt::Debug + 'static
{
    /// Where and how documents of this type are stored.
    const SPEC: DocSpec;

    /// The unique key of this document.
    fn key(&self) -> DocKey;

    /// The document as BSON (serde by default).
    fn to_document(&self) -> Result<Document> {
        bson::serialize_to_document(self).map_err(|e| {
            Error::encode(
                format!("the `{}` document {}", Self::SPEC.collection, self.key()),
                e,
            )
        })
    }

    /// A document read back from BSON (serde by default).
    fn from_document(doc: Document) -> Result<Self> {
        bson::deserialize_from_document(doc).map_err(|e| {
            Error::storage_caused(
                Self::SPEC.collection,
                "a stored document cannot be read back (written by another version?)",
                e,
            )
        })
    }
}

/// A document of some [`AnalyticsDoc`] type, with its type erased (what the object-safe store methods
/// take).
pub trait ErasedDoc: Send + Sync + fmt::Debug {
    /// The document as BSON.
    fn to_document(&self) -> Result<Document>;
    /// The typed value, for a downcast.
    fn as_any(&self) -> &dyn Any;
}

impl<D: AnalyticsDoc> ErasedDoc for D {
    fn to_document(&self) -> Result<Document> {
        AnalyticsDoc::to_document(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A shared, type-erased document.
pub type SharedDoc = Arc<dyn ErasedDoc>;

/// A document as a store hands it back: the value it was given (in memory) or BSON (from a database).
#[derive(Debug, Clone)]
pub enum StoredDoc {
    /// The value that was stored.
    Shared(SharedDoc),
    /// A document read from a database.
    Bson(Document),
}

impl StoredDoc {
    /// The document as a `D`.
    pub fn into_typed<D: AnalyticsDoc>(self) -> Result<D> {
        match self {
            StoredDoc::Shared(doc) => match doc.as_any().downcast_ref::<D>() {
                Some(d) => Ok(d.clone()),
                // Another type under the same collection name: read it through its BSON form.
                None => D::from_document(doc.to_document()?),
            },
            StoredDoc::Bson(doc) => D::from_document(doc),
        }
    }
}

/// A condition on one key field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Equal to the value.
    Eq(KeyValue),
    /// In the inclusive range (either end open).
    Between(Option<KeyValue>, Option<KeyValue>),
    /// Equal to one of the values.
    In(Vec<KeyValue>),
    /// Not equal to the value.
    NotEq(KeyValue),
}

impl Condition {
    /// Whether `v` satisfies the condition.
    pub fn matches(&self, v: &KeyValue) -> bool {
        match self {
            Condition::Eq(x) => v == x,
            Condition::Between(lo, hi) => {
                lo.as_ref().is_none_or(|lo| v.cmp(lo) != Ordering::Less)
                    && hi.as_ref().is_none_or(|hi| v.cmp(hi) != Ordering::Greater)
            }
            Condition::In(xs) => xs.contains(v),
            Condition::NotEq(x) => v != x,
        }
    }
}

/// Which documents of a collection: conditions on key fields, all of which must hold. Results come
/// sorted by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocFilter {
    /// `(key field, condition)` pairs.
    pub conditions: Vec<(&'static str, Condition)>,
}

impl DocFilter {
    /// Every document.
    pub fn all() -> Self {
        DocFilter::default()
    }

    /// Adds `field == value`.
    pub fn eq(mut self, field: &'static str, value: impl Into<KeyValue>) -> Self {
        self.conditions.push((field, Condition::Eq(value.into())));
        self
    }

    /// Adds `from <= field <= to`.
    pub fn between(
        mut self,
        field: &'static str,
        from: impl Into<KeyValue>,
        to: impl Into<KeyValue>,
    ) -> Self {
        self.conditions.push((
            field,
            Condition::Between(Some(from.into()), Some(to.into())),
        ));
        self
    }

    /// Adds `field` ∈ `values`.
    pub fn any_of(mut self, field: &'static str, values: Vec<KeyValue>) -> Self {
        self.conditions.push((field, Condition::In(values)));
        self
    }

    /// Adds an arbitrary condition.
    pub fn with(mut self, field: &'static str, condition: Condition) -> Self {
        self.conditions.push((field, condition));
        self
    }

    /// The filter against a spec's key positions (checking every field is a key field).
    pub fn resolve(&self, spec: &DocSpec) -> Result<Vec<(usize, &Condition)>> {
        self.conditions
            .iter()
            .map(|(f, c)| Ok((spec.key_position(f)?, c)))
            .collect()
    }

    /// Whether a key satisfies the filter (conditions already resolved with [`DocFilter::resolve`]).
    pub fn matches_resolved(resolved: &[(usize, &Condition)], key: &DocKey) -> bool {
        resolved
            .iter()
            .all(|(i, c)| key.0.get(*i).is_some_and(|v| c.matches(v)))
    }
}

/// Typed access to analytics documents of any [`AnalyticsDoc`] type, for every store.
pub trait AnalyticsStore: Store {
    /// Inserts or replaces each document by its key.
    fn put_docs<D: AnalyticsDoc>(&self, docs: &[D]) -> Result<()> {
        let erased: Vec<(DocKey, SharedDoc)> = docs
            .iter()
            .map(|d| (d.key(), Arc::new(d.clone()) as SharedDoc))
            .collect();
        self.put_documents(&D::SPEC, &erased)
    }

    /// Inserts the documents whose key is free; returns the positions of those whose key was taken
    /// (left as they were). See [`Store::insert_documents`].
    fn insert_new_docs<D: AnalyticsDoc>(&self, docs: &[D]) -> Result<Vec<usize>> {
        let erased: Vec<(DocKey, SharedDoc)> = docs
            .iter()
            .map(|d| (d.key(), Arc::new(d.clone()) as SharedDoc))
            .collect();
        self.insert_documents(&D::SPEC, &erased)
    }

    /// The documents matching `filter`, by key.
    fn find_docs<D: AnalyticsDoc>(&self, filter: &DocFilter) -> Result<Vec<D>> {
        self.find_documents(&D::SPEC, filter)?
            .into_iter()
            .map(StoredDoc::into_typed)
            .collect()
    }

    /// The document of `key`, if any.
    fn get_doc<D: AnalyticsDoc>(&self, key: &DocKey) -> Result<Option<D>> {
        let mut filter = DocFilter::all();
        for (field, value) in D::SPEC.key_fields.iter().zip(&key.0) {
            filter = filter.eq(field, value.clone());
        }
        Ok(self.find_docs::<D>(&filter)?.into_iter().next())
    }

    /// Removes the documents matching `filter`; returns how many.
    fn delete_docs<D: AnalyticsDoc>(&self, filter: &DocFilter) -> Result<u64> {
        self.delete_documents(&D::SPEC, filter)
    }
}

impl<S: Store + ?Sized> AnalyticsStore for S {}
