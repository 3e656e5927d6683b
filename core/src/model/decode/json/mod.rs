//! The fast path of the mongoexport loader: one line of Extended JSON decoded straight into a record.
//!
//! The scanner walks the line's bytes once, keeps the values of the fields its collection's decoder
//! reads (`super::fields`) and skips every other value without building it, checking each as
//! `serde_json` and `bson` would (JSON grammar, string escapes, Extended JSON wrappers). The same
//! decoder as for BSON documents then judges what was kept, so the record and its warnings are the
//! ones the full path makes.
//!
//! It answers only for the lines it is sure of: a valid document in the forms mongoexport writes.
//! Anything else — an invalid document (whose rejection names a field and quotes a value), a duplicate
//! key, a `$` operator it does not know, a surrogate escape, deep nesting, bytes that are not UTF-8 — is
//! left to the full path (`serde_json` into a `bson::Document`), which keeps the nesting guard in front
//! of its recursive parsers. The differential tests (`tests.rs`) hold the two paths to the same answer.

mod date;
mod lexer;

#[cfg(test)]
mod tests;

use self::lexer::{Captured, Lexer};
use super::fields::{self, Field, MAX_FIELDS};
use super::value::{DocView, Value};
use super::{decode_view, dedupe_key_of, DecodeContext, DedupeKey};
use crate::model::{Collection, Record, Warning};

/// A valid document read by the fast path: its duplicate key, its record and the record's warnings.
pub(crate) type Judged = (Option<DedupeKey>, Record, Vec<Warning>);

/// The record of one mongoexport line (without its line terminator), when the fast path is sure of it:
/// `None` leaves the line to the full parser. `shape` carries what the scanner learnt of the previous
/// lines of the same collection (a fresh one for a line on its own).
pub(crate) fn decode_line(
    collection: Collection,
    line: &[u8],
    ctx: &DecodeContext,
    shape: &mut Shape,
) -> Option<Judged> {
    let doc = scan(collection, line, shape)?;
    let (record, warnings) = decode_view(collection, &doc, ctx).ok()?;
    Some((dedupe_key_of(collection, &doc), record, warnings))
}

/// The fields of one line a decoder reads, by slot.
#[derive(Debug)]
pub(super) struct Scanned<'a> {
    values: [Option<Captured<'a>>; MAX_FIELDS],
}

impl DocView for Scanned<'_> {
    fn get(&self, field: Field) -> Option<Value<'_>> {
        match self.values.get(usize::from(field.slot))?.as_ref()? {
            Captured::Null => None,
            Captured::Str(s) => Some(Value::String(s)),
            Captured::Value(v) => Some(*v),
        }
    }
}

/// The longest key a [`Shape`] remembers.
const SHAPE_KEY_BYTES: usize = 30;
/// The most keys a [`Shape`] remembers.
const SHAPE_KEYS: usize = 64;
/// How many of the keys a [`Shape`] expects next are tried (the ones skipped are keys this document
/// leaves out).
const SHAPE_LOOKAHEAD: usize = 8;

/// What the scanner remembers from one line to the next: the keys seen so far in the order they came,
/// with the field each one is (or none). The documents of one collection mostly repeat their keys in
/// the same order, some leaving a few out, so the next document's keys are recognised by comparing
/// bytes, not read and looked up. A key not expected is read in full and added.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    keys: Vec<ShapeKey>,
}

/// One key of a [`Shape`]: a key that was read in full and found clean (no escape, no control
/// character, UTF-8), so the same bytes between quotes are the same key.
#[derive(Debug, Clone, Copy)]
struct ShapeKey {
    bytes: [u8; SHAPE_KEY_BYTES],
    len: u8,
    /// The embedded document it was found in (`None`: the top level).
    parent: Option<u8>,
    /// The slot of the field it names there, if the decoder reads it.
    field: Option<u8>,
}

impl ShapeKey {
    fn key(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }
}

/// Reads the line's top-level object, keeping the fields of `collection`'s decoder; `None` when the
/// line is not one this scanner judges.
pub(super) fn scan<'a>(
    collection: Collection,
    line: &'a [u8],
    shape: &mut Shape,
) -> Option<Scanned<'a>> {
    let mut scanner = Scanner {
        lx: Lexer::new(line),
        fields: fields::of(collection),
        doc: Scanned {
            values: Default::default(),
        },
        seen: 0,
        shape,
        next: 0,
    };
    scanner.lx.ws();
    scanner.lx.eat(b'{')?;
    scanner.object_members(None)?;
    scanner.lx.ws();
    scanner.lx.at_end().then_some(scanner.doc)
}

/// The state of one line's scan.
struct Scanner<'a, 's> {
    lx: Lexer<'a>,
    fields: &'static [Field],
    doc: Scanned<'a>,
    /// The slots already read: a field twice is left to the full parser.
    seen: u32,
    shape: &'s mut Shape,
    /// The position in `shape` of the next key expected.
    next: usize,
}

impl<'a> Scanner<'a, '_> {
    /// The members of an object whose `{` was just read, up to its `}`: the fields under `parent` (the
    /// top level for `None`) are kept, everything else skipped.
    fn object_members(&mut self, parent: Option<u8>) -> Option<()> {
        self.lx.ws();
        if self.lx.peek()? == b'}' {
            return self.lx.eat(b'}');
        }
        loop {
            match self.member_key(parent)? {
                Some(field) => {
                    // A repeated field: `bson` keeps the last value, after judging every one; rare
                    // enough to leave to it.
                    let bit = 1u32.checked_shl(u32::from(field.slot))?;
                    if self.seen & bit != 0 {
                        return None;
                    }
                    self.seen |= bit;
                    let value = if parent.is_none() && is_parent(self.fields, &field) {
                        self.parent_value(&field)?
                    } else {
                        self.lx.value()?
                    };
                    *self.doc.values.get_mut(usize::from(field.slot))? = Some(value);
                }
                None => self.lx.skip_value()?,
            }
            self.lx.ws();
            match self.lx.peek()? {
                b',' => {
                    self.lx.eat(b',')?;
                    self.lx.ws();
                }
                b'}' => return self.lx.eat(b'}'),
                _ => return None,
            }
        }
    }

    /// The next member's key and its `:`, and the field it names under `parent` (if the decoder reads
    /// it): one of the next keys the shape expects if the bytes match (documents leave keys out), else
    /// read in full and added to the shape there, so that a shape settles on the keys of all its
    /// documents in their order.
    fn member_key(&mut self, parent: Option<u8>) -> Option<Option<Field>> {
        let expected = self.shape.keys.iter().enumerate().skip(self.next);
        for (at, k) in expected.take(SHAPE_LOOKAHEAD) {
            if k.parent == parent && self.lx.known_key(k.key())? {
                self.next = at + 1;
                return Some(
                    k.field
                        .and_then(|s| self.fields.get(usize::from(s)).copied()),
                );
            }
        }
        let key = self.lx.key()?;
        // A `$` key makes `bson` read the object as an Extended JSON value (or a wrapper mid-object):
        // at these levels that is never a valid document, so it is left to the full parser.
        if key.starts_with(b"$") {
            return None;
        }
        let prefix = fields::key_prefix(key);
        let field = self
            .fields
            .iter()
            .find(|f| f.parent == parent && f.is_key(key, prefix))
            .copied();
        let mut bytes = [0u8; SHAPE_KEY_BYTES];
        if let (Some(slot), Ok(len)) = (bytes.get_mut(..key.len()), u8::try_from(key.len())) {
            slot.copy_from_slice(key);
            if self.next < SHAPE_KEYS {
                self.shape.keys.truncate(SHAPE_KEYS - 1);
                self.shape.keys.insert(
                    self.next.min(self.shape.keys.len()),
                    ShapeKey {
                        bytes,
                        len,
                        parent,
                        field: field.map(|f| f.slot),
                    },
                );
                self.next += 1;
            }
        }
        Some(field)
    }

    /// The value of an embedded document whose fields are read: an object is entered (its fields
    /// kept), anything else is an ordinary value (which the decoder then refuses as the wrong type).
    fn parent_value(&mut self, field: &Field) -> Option<Captured<'a>> {
        if self.lx.peek()? != b'{' {
            return self.lx.value();
        }
        let mut probe = self.lx.clone();
        probe.eat(b'{')?;
        probe.ws();
        // `{"$date": …}` and the like are values, not documents.
        if probe.peek()? == b'"' && probe.key()?.starts_with(b"$") {
            return self.lx.value();
        }
        self.lx.eat(b'{')?;
        self.object_members(Some(field.slot))?;
        Some(Captured::Value(Value::Document))
    }
}

/// Whether other fields are read inside `field` (`metadata`, `properties`, `location`).
fn is_parent(fields: &[Field], field: &Field) -> bool {
    fields.iter().any(|f| f.parent == Some(field.slot))
}
