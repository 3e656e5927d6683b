//! What the decoder sees of a document: one [`Value`] per field it asks for, from a BSON [`Document`] or
//! from the JSON scanner ([`super::json`]). The decoder's rules are written once, over [`DocView`], so a
//! document is judged the same way whichever parser read it.

use bson::oid::ObjectId;
use bson::spec::ElementType;
use bson::{Bson, Decimal128, Document};

use super::fields::Field;

/// A field's value, as far as the decoder distinguishes values: the BSON types it accepts somewhere,
/// and the element type of anything else (for the *wrong type* message).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value<'a> {
    /// An ObjectId.
    ObjectId(ObjectId),
    /// A UTC datetime (milliseconds).
    DateTime(bson::DateTime),
    /// A string.
    String(&'a str),
    /// A 32-bit integer.
    Int32(i32),
    /// A 64-bit integer.
    Int64(i64),
    /// A double.
    Double(f64),
    /// A Decimal128.
    Decimal128(Decimal128),
    /// A boolean.
    Boolean(bool),
    /// An embedded document (its fields are reached by their own paths).
    Document,
    /// Any other type.
    Other(ElementType),
}

impl Value<'_> {
    /// The BSON element type, as rejection messages name it.
    pub(crate) fn element_type(&self) -> ElementType {
        match self {
            Value::ObjectId(_) => ElementType::ObjectId,
            Value::DateTime(_) => ElementType::DateTime,
            Value::String(_) => ElementType::String,
            Value::Int32(_) => ElementType::Int32,
            Value::Int64(_) => ElementType::Int64,
            Value::Double(_) => ElementType::Double,
            Value::Decimal128(_) => ElementType::Decimal128,
            Value::Boolean(_) => ElementType::Boolean,
            Value::Document => ElementType::EmbeddedDocument,
            Value::Other(t) => *t,
        }
    }

    /// The value as BSON displays it (numbers only are ever shown: rejection details never quote
    /// free text).
    pub(crate) fn display(&self) -> String {
        match *self {
            Value::Int32(i) => Bson::Int32(i).to_string(),
            Value::Int64(i) => Bson::Int64(i).to_string(),
            Value::Double(f) => Bson::Double(f).to_string(),
            Value::Decimal128(d) => Bson::Decimal128(d).to_string(),
            other => format!("{:?}", other.element_type()),
        }
    }
}

impl<'a> From<&'a Bson> for Value<'a> {
    fn from(b: &'a Bson) -> Self {
        match b {
            Bson::ObjectId(o) => Value::ObjectId(*o),
            Bson::DateTime(d) => Value::DateTime(*d),
            Bson::String(s) => Value::String(s),
            Bson::Int32(i) => Value::Int32(*i),
            Bson::Int64(i) => Value::Int64(*i),
            Bson::Double(f) => Value::Double(*f),
            Bson::Decimal128(d) => Value::Decimal128(*d),
            Bson::Boolean(v) => Value::Boolean(*v),
            Bson::Document(_) => Value::Document,
            other => Value::Other(other.element_type()),
        }
    }
}

/// A document the decoder can read fields of.
pub(crate) trait DocView {
    /// The value of `field`; `null` counts as absent, and so does a field under a parent that is not an
    /// embedded document (the decoders check each parent with `opt_document` before its children).
    fn get(&self, field: Field) -> Option<Value<'_>>;
}

impl DocView for Document {
    fn get(&self, field: Field) -> Option<Value<'_>> {
        let mut doc = self;
        let mut parts = field.path.split('.').peekable();
        while let Some(part) = parts.next() {
            let value = doc.get(part)?;
            if parts.peek().is_none() {
                return (!matches!(value, Bson::Null)).then(|| Value::from(value));
            }
            match value {
                Bson::Document(d) => doc = d,
                _ => return None,
            }
        }
        None
    }
}
