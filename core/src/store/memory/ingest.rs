//! Judging raw input before it enters the store: one line or document at a time (parsing, the nesting
//! guard, decoding), then de-duplication and counting per collection in reading order.

use std::collections::HashSet;

use bson::{Bson, Document};

use super::Tables;
use crate::model::decode::{decode_with_warnings, dedupe_key, DecodeContext, DedupeKey};
use crate::model::{Collection, Record, Warning};
use crate::quality::{Invalid, InvalidReason, QualityTally};

/// One document read and judged on its own, before de-duplication (which needs the order of reading).
/// Parsing and decoding are the costly part, so the loader does them on worker threads.
#[derive(Debug)]
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
    pub(crate) fn line(collection: Collection, bytes: &[u8], ctx: &DecodeContext) -> Parsed {
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

/// De-duplication and counting for the documents of one collection, in reading order.
#[derive(Debug)]
pub(crate) struct CollectionIngest {
    pub(super) collection: Collection,
    ctx: DecodeContext,
    pub(super) tally: QualityTally,
    seen: HashSet<DedupeKey>,
    pub(super) tables: Tables,
}

impl CollectionIngest {
    pub(crate) fn new(collection: Collection, ctx: DecodeContext) -> Self {
        CollectionIngest {
            collection,
            ctx,
            tally: QualityTally::new(collection),
            seen: HashSet::new(),
            tables: Tables::default(),
        }
    }

    pub(crate) fn collection(&self) -> Collection {
        self.collection
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
            if self.seen.contains(&key) {
                self.tally.duplicate(key.to_string(), line);
                return;
            }
            self.seen.insert(key);
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
