//! Judging raw input before it enters the store: one line or document at a time (parsing, the nesting
//! guard, decoding), or a [`Batch`] of lines a loader worker judged, then de-duplication and counting
//! per collection in reading order.

use bson::{Bson, Document};
use hashbrown::hash_table::{Entry, HashTable};

use super::batch::{Batch, KeyRef, LineKind, Row, Rows};
use super::tables::EventRow;
use super::Tables;
use crate::model::decode::{decode_with_warnings, dedupe_key, json, DecodeContext, DedupeKey};
use crate::model::{Collection, Record, Warning};
use crate::quality::{Invalid, InvalidReason, QualityTally};

/// One document read and judged on its own, before de-duplication (which needs the order of reading).
/// Parsing and decoding are the costly part, so the loader does them on worker threads.
#[derive(Debug, PartialEq)]
pub(crate) enum Parsed {
    /// A blank line: not a document.
    Blank,
    /// A line that is not a JSON document.
    Malformed(String),
    /// A document: its duplicate key, and its record or why it is invalid.
    Document {
        key: Option<DedupeKey>,
        result: std::result::Result<(Record, Vec<Warning>), Invalid>,
    },
}

impl Parsed {
    /// Judges one raw document of `collection`.
    pub(crate) fn document(collection: Collection, doc: &Document, ctx: &DecodeContext) -> Parsed {
        Parsed::Document {
            key: dedupe_key(collection, doc),
            result: decode_with_warnings(collection, doc, ctx),
        }
    }

    /// Judges one line of a mongoexport file (Extended JSON v2, relaxed or canonical); a line that is not
    /// UTF-8 is malformed.
    ///
    /// A valid document in the usual forms is read by the JSON scanner straight into its record
    /// ([`json::decode_line`]); every other line takes the full path ([`Parsed::line_in_full`]), which
    /// judges it the same way and says precisely what is wrong.
    pub(crate) fn line(collection: Collection, bytes: &[u8], ctx: &DecodeContext) -> Parsed {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Parsed::Blank;
        }
        match json::decode_line(collection, bytes, ctx, &mut json::Shape::default()) {
            Some((key, record, warnings)) => Parsed::Document {
                key,
                result: Ok((record, warnings)),
            },
            None => Parsed::line_in_full(collection, bytes, ctx),
        }
    }

    /// [`Parsed::line`] through a `bson::Document`, for any line (the nesting guard first).
    pub(crate) fn line_in_full(
        collection: Collection,
        bytes: &[u8],
        ctx: &DecodeContext,
    ) -> Parsed {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Parsed::Blank;
        }
        if nests_deeper_than(bytes, MAX_NESTING) {
            return Parsed::Malformed(format!(
                "arrays and objects nested deeper than {MAX_NESTING} levels (MongoDB's limit); not parsed"
            ));
        }
        let parsed = std::str::from_utf8(bytes)
            .map_err(|e| format!("not UTF-8: {e}"))
            .and_then(parse_extended_json);
        match parsed {
            Ok(doc) => Parsed::document(collection, &doc, ctx),
            Err(detail) => Parsed::Malformed(detail),
        }
    }
}

/// The deepest nesting of arrays and objects a line may have (MongoDB's own limit is 100 levels): a
/// deeper line is malformed before any recursive parser sees it, so it cannot exhaust the stack.
pub const MAX_NESTING: usize = 100;

/// Whether the JSON text nests arrays and objects deeper than `max` levels (the outermost is level 1),
/// brackets inside strings aside. One pass, no recursion, whatever the text (valid JSON or not).
pub(crate) fn nests_deeper_than(text: &[u8], max: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in text {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// The keys read so far in one collection: 12-byte ObjectIds (every collection but `gamerounds`), or
/// `roundId`s, probed with hashes the workers computed ([`KeyRef::hash`]). Kept only while the
/// collection is read ([`CollectionIngest::finish_reading`]).
///
/// mongoexport writes a collection in its natural order, which is nearly always the order of its
/// ObjectIds (they start with their creation second): an id above every id before it is new without a
/// probe, and is only appended to `rising`. Ids out of that order are looked up in `rising` (sorted)
/// and kept in the hash table; a file mostly out of order moves `rising` into the table once and probes
/// from then on, so no order of input costs more than a binary search beyond the probe.
#[derive(Debug, Default)]
struct SeenKeys {
    /// Ids each above every id before it, so ascending.
    rising: Vec<[u8; 12]>,
    /// Ids that came out of order since `rising` was last moved into `ids`.
    out_of_order: usize,
    /// Whether ids are only probed (the input was mostly out of order).
    probe_only: bool,
    ids: HashTable<[u8; 12]>,
    texts: HashTable<Box<str>>,
}

/// Ids out of order that `rising` tolerates: a fixed allowance, plus one in eight.
const OUT_OF_ORDER_ALLOWANCE: usize = 1024;

impl SeenKeys {
    /// Takes a key with its hash: whether it is new (and now seen).
    fn insert(&mut self, key: KeyRef<'_>, hash: u64) -> bool {
        match key {
            KeyRef::Id(id) => {
                if !self.probe_only {
                    if self.rising.last().is_none_or(|last| id > *last) {
                        self.rising.push(id);
                        return true;
                    }
                    if self.rising.binary_search(&id).is_ok() {
                        return false;
                    }
                    self.out_of_order += 1;
                    if self.out_of_order > OUT_OF_ORDER_ALLOWANCE + self.rising.len() / 8 {
                        self.stop_rising();
                    }
                }
                self.insert_id(id, hash)
            }
            KeyRef::Text(t) => {
                match self
                    .texts
                    .entry(hash, |k| **k == *t, |k| KeyRef::Text(k).hash())
                {
                    Entry::Occupied(_) => false,
                    Entry::Vacant(v) => {
                        v.insert(t.into());
                        true
                    }
                }
            }
        }
    }

    fn insert_id(&mut self, id: [u8; 12], hash: u64) -> bool {
        match self
            .ids
            .entry(hash, |k| *k == id, |k| KeyRef::Id(*k).hash())
        {
            Entry::Occupied(_) => false,
            Entry::Vacant(v) => {
                v.insert(id);
                true
            }
        }
    }

    /// Moves the ids of `rising` into the hash table: from now on every id is probed.
    fn stop_rising(&mut self) {
        self.probe_only = true;
        let rising = std::mem::take(&mut self.rising);
        self.ids.reserve(rising.len(), |k| KeyRef::Id(*k).hash());
        for id in rising {
            self.insert_id(id, KeyRef::Id(id).hash());
        }
    }

    fn reserve(&mut self, collection: Collection, additional: usize) {
        if collection == Collection::Gamerounds {
            self.texts.reserve(additional, |k| KeyRef::Text(k).hash());
        } else {
            // Room for ids in order; the table grows with the ids that are not.
            self.rising.reserve_exact(additional);
        }
    }
}

/// De-duplication and counting for the documents of one collection, in reading order.
#[derive(Debug)]
pub(crate) struct CollectionIngest {
    pub(super) collection: Collection,
    ctx: DecodeContext,
    pub(super) tally: QualityTally,
    seen: SeenKeys,
    pub(super) tables: Tables,
}

impl CollectionIngest {
    pub(crate) fn new(collection: Collection, ctx: DecodeContext) -> Self {
        CollectionIngest {
            collection,
            ctx,
            tally: QualityTally::new(collection),
            seen: SeenKeys::default(),
            tables: Tables::default(),
        }
    }

    pub(crate) fn collection(&self) -> Collection {
        self.collection
    }

    /// Makes room for about `documents` more documents of this collection: its records and keys are
    /// then allocated once rather than copied as they grow.
    pub(crate) fn reserve(&mut self, documents: usize) {
        self.seen.reserve(self.collection, documents);
        self.tables.reserve(self.collection, documents);
    }

    /// Forgets the keys read so far: the collection's last document was taken (the loader reads each
    /// collection from one file), so only its records need the memory now.
    pub(crate) fn finish_reading(&mut self) {
        self.seen = SeenKeys::default();
    }

    /// Takes the next document in reading order; `line` is its 1-based line in a file, if any. The first
    /// document with a key wins; a later one with the same key is a duplicate, whatever its content.
    pub(crate) fn apply(&mut self, parsed: Parsed, line: Option<u64>) {
        let (key, result) = match parsed {
            Parsed::Blank => return,
            Parsed::Malformed(detail) => {
                self.tally.read();
                self.tally.invalid(Invalid {
                    id: None,
                    field: None,
                    reason: InvalidReason::MalformedJson,
                    detail,
                    line,
                });
                return;
            }
            Parsed::Document { key, result } => (key, result),
        };
        self.tally.read();
        if let Some(key) = key {
            let new = match &key {
                DedupeKey::Oid(o) => {
                    let id = KeyRef::Id(o.bytes());
                    self.seen.insert(id, id.hash())
                }
                DedupeKey::Text(t) => {
                    let text = KeyRef::Text(t);
                    self.seen.insert(text, text.hash())
                }
            };
            if !new {
                self.tally.duplicate(key.to_string(), line);
                return;
            }
        }
        match result {
            Ok((record, warnings)) => {
                self.tally.valid(record.primary_date());
                self.tally.warnings(&warnings);
                self.tables.push(record);
            }
            Err(mut invalid) => {
                invalid.line = line;
                self.tally.invalid(invalid);
            }
        }
    }

    /// Takes a batch of lines read in order, the first of them numbered `first_line`; returns how many
    /// lines it held.
    pub(crate) fn apply_batch(&mut self, batch: Batch, first_line: u64) -> u64 {
        let Batch {
            kinds,
            rows,
            hashes,
            others,
            ..
        } = batch;
        let count = kinds.len() as u64;
        match rows {
            Rows::Users(v) => self.apply_rows(&kinds, v, &hashes, others, first_line, |t, r| {
                t.users.push(r)
            }),
            Rows::Transactions(v) => {
                self.apply_rows(&kinds, v, &hashes, others, first_line, |t, r| {
                    t.transactions.push(r)
                })
            }
            Rows::Livestreams(v) => {
                self.apply_rows(&kinds, v, &hashes, others, first_line, |t, r| {
                    t.livestreams.push(r)
                })
            }
            Rows::Messages(v) => self.apply_rows(&kinds, v, &hashes, others, first_line, |t, r| {
                t.messages.push(r)
            }),
            Rows::Stakes(v) => self.apply_rows(&kinds, v, &hashes, others, first_line, |t, r| {
                t.stakes.push(r)
            }),
            Rows::Rounds(v) => self.apply_rows(&kinds, v, &hashes, others, first_line, |t, r| {
                t.rounds.push(r)
            }),
            Rows::Flags(v) => self.apply_rows(&kinds, v, &hashes, others, first_line, |t, r| {
                t.flags.push(r)
            }),
            Rows::Events(events) => {
                // The batch numbered its names; the store numbers them once for all batches.
                let renumbered: Vec<u32> = events
                    .names
                    .iter()
                    .map(|n| self.tables.events.name_position(n))
                    .collect();
                let rows = events.rows.into_iter().map(|mut row: EventRow| {
                    row.name = renumbered
                        .get(row.name as usize)
                        .copied()
                        .unwrap_or(row.name);
                    row
                });
                self.apply_rows(&kinds, rows, &hashes, others, first_line, |t, r| {
                    t.events.rows.push(r)
                })
            }
        }
        count
    }

    /// [`CollectionIngest::apply_batch`] for one type of row.
    fn apply_rows<T: Row>(
        &mut self,
        kinds: &[LineKind],
        rows: impl IntoIterator<Item = T>,
        hashes: &[u64],
        others: Vec<Parsed>,
        first_line: u64,
        keep: impl Fn(&mut Tables, T),
    ) {
        let mut rows = rows.into_iter().zip(hashes.iter().copied());
        let mut others = others.into_iter();
        for (line, kind) in (first_line..).zip(kinds) {
            match kind {
                LineKind::Blank => {}
                LineKind::Row => {
                    let Some((row, hash)) = rows.next() else {
                        break;
                    };
                    self.tally.read();
                    if self.seen.insert(row.key(), hash) {
                        // The date span is taken from the sorted records when the store is built.
                        self.tally.valid(None);
                        keep(&mut self.tables, row);
                    } else {
                        let shown = match row.key() {
                            KeyRef::Id(id) => bson::oid::ObjectId::from_bytes(id).to_string(),
                            KeyRef::Text(t) => t.to_owned(),
                        };
                        self.tally.duplicate(shown, Some(line));
                    }
                }
                LineKind::Other => {
                    if let Some(parsed) = others.next() {
                        self.apply(parsed, Some(line));
                    }
                }
            }
        }
    }

    /// Takes one document.
    pub(crate) fn accept_document(&mut self, doc: &Document, line: Option<u64>) {
        let parsed = Parsed::document(self.collection, doc, &self.ctx);
        self.apply(parsed, line);
    }

    /// Takes one line of a mongoexport file.
    pub(crate) fn accept_json_line(&mut self, text: &str, line: u64) {
        let parsed = Parsed::line(self.collection, text.as_bytes(), &self.ctx);
        self.apply(parsed, Some(line));
    }
}

/// Parses one Extended JSON v2 document with the `bson` crate (relaxed and canonical modes, mixed freely).
///
/// The fast path lets `bson::Bson`'s own `Deserialize` read the line in one pass (it understands the
/// `$oid`/`$date`/`$number…` wrappers); only a line it rejects goes through `TryFrom<serde_json::Value>`,
/// which gives the precise reason. The tests check both paths read every form alike.
pub(crate) fn parse_extended_json(text: &str) -> std::result::Result<Document, String> {
    if let Ok(Bson::Document(doc)) = serde_json::from_str::<Bson>(text) {
        return Ok(doc);
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    match Bson::try_from(value) {
        Ok(Bson::Document(doc)) => Ok(doc),
        Ok(other) => Err(format!(
            "expected a document, found {:?}",
            other.element_type()
        )),
        Err(e) => Err(format!("not valid Extended JSON: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the order of the ids (ascending, with stragglers, descending, shuffled), the first of
    /// each is new and every later one a duplicate, as a plain set says.
    #[test]
    fn seen_keys_agree_with_a_set_in_any_order() {
        let id = |n: u64| {
            let mut b = [0u8; 12];
            b[4..].copy_from_slice(&n.to_be_bytes());
            b
        };
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        let ascending: Vec<u64> = (0..20_000).map(|n| n * 3).collect();
        let mut stragglers = ascending.clone();
        for i in (0..stragglers.len()).step_by(97) {
            stragglers.swap(i, (i + 500) % 20_000);
        }
        let descending: Vec<u64> = ascending.iter().rev().copied().collect();
        let shuffled: Vec<u64> = (0..20_000).map(|_| next() % 30_000).collect();
        for order in [ascending, stragglers, descending, shuffled] {
            // Every order read twice over, with repeats inside.
            let input: Vec<u64> = order
                .iter()
                .chain(order.iter().step_by(7))
                .copied()
                .collect();
            let mut seen = SeenKeys::default();
            seen.reserve(Collection::Messages, 100);
            let mut reference = std::collections::HashSet::new();
            for n in input {
                let key = KeyRef::Id(id(n));
                assert_eq!(seen.insert(key, key.hash()), reference.insert(n), "{n}");
            }
        }
    }
}
