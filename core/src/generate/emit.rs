//! Writing generated documents to the sink: ObjectIds, counting, and the injection of invalid documents
//! and duplicates (with the exact (field, reason) each invalid document will be rejected for).

use std::collections::BTreeMap;

use bson::oid::ObjectId;
use bson::{Bson, DateTime, Document};

use super::CollectionManifest;
use crate::model::Collection;
use crate::quality::{InvalidCount, InvalidReason};
use crate::store::DocumentSink;
use crate::Result;

/// Makes realistic, unique ObjectIds: 4 bytes of creation time in seconds (big-endian), then an 8-byte
/// counter that starts at a seeded random value (unique as long as fewer than 2^64 ids are made).
#[derive(Debug)]
pub(crate) struct IdGen {
    counter: u64,
}

impl IdGen {
    pub(crate) fn new(start: u64) -> Self {
        IdGen { counter: start }
    }

    /// A fresh id created at `millis` since the epoch.
    pub(crate) fn at(&mut self, millis: i64) -> ObjectId {
        let secs = u32::try_from(millis.div_euclid(1000)).unwrap_or(0);
        let mut bytes = [0u8; 12];
        bytes[..4].copy_from_slice(&secs.to_be_bytes());
        bytes[4..].copy_from_slice(&self.counter.to_be_bytes());
        self.counter = self.counter.wrapping_add(1);
        ObjectId::from_bytes(bytes)
    }
}

/// How a field of a copied document is broken.
#[derive(Debug, Clone, Copy)]
enum Breakage {
    /// The field is removed.
    Remove,
    /// The field's value (a date, number or id) written as a plain string.
    AsString,
    /// A fresh ObjectId written as its hex string (an id stored as a string).
    HexString,
    /// A fixed string (an enum value outside the list, a malformed country, a string where a bool goes).
    Text(&'static str),
    /// A fixed integer (an out-of-range level or tier, a number where a string goes).
    Int(i32),
    /// The field's value made negative (-1 when absent or zero).
    Negative,
    /// NaN.
    NaN,
    /// A fractional value where a whole count goes.
    Fractional,
    /// 1970-01-01T00:00:00Z (a zero date).
    DateBefore2000,
    /// 2150-01-01T00:00:00Z.
    DateAfter2100,
    /// A finite number beyond every plausible maximum.
    Huge,
}

/// One way of breaking a document of a collection, and what the decoder reports for it.
#[derive(Debug, Clone, Copy)]
struct Kind {
    field: &'static str,
    breakage: Breakage,
    reason: InvalidReason,
}

const fn kind(field: &'static str, breakage: Breakage, reason: InvalidReason) -> Kind {
    Kind {
        field,
        breakage,
        reason,
    }
}

use Breakage as B;
use InvalidReason as R;

const USERS: &[Kind] = &[
    kind("createdAt", B::Remove, R::MissingField),
    kind("createdAt", B::AsString, R::WrongType),
    kind("_id", B::AsString, R::WrongType),
    kind("createdAt", B::DateBefore2000, R::DateOutOfRange),
    kind("ogLevel", B::Int(7), R::InvalidValue),
    kind("isBanned", B::Text("false"), R::WrongType),
    kind("_id", B::Remove, R::MissingField),
    kind("createdAt", B::DateAfter2100, R::DateOutOfRange),
    kind("country", B::Int(977), R::WrongType),
];

const TRANSACTIONS: &[Kind] = &[
    kind("userId", B::Remove, R::MissingField),
    kind("amount", B::AsString, R::WrongType),
    kind("type", B::Text("airdrop"), R::InvalidEnum),
    kind("amount", B::Negative, R::NegativeValue),
    kind("metadata.amountPaid", B::NaN, R::NonFinite),
    kind("createdAt", B::AsString, R::WrongType),
    kind("createdAt", B::DateBefore2000, R::DateOutOfRange),
    kind("status", B::Text("success"), R::InvalidEnum),
    kind("currency", B::Text("EUR"), R::InvalidEnum),
    kind("paymentMethod", B::Text("bank_transfer"), R::InvalidEnum),
    kind("_id", B::AsString, R::WrongType),
    kind("fees", B::Negative, R::NegativeValue),
    kind("amount", B::NaN, R::NonFinite),
    kind("createdAt", B::DateAfter2100, R::DateOutOfRange),
    kind("amount", B::Huge, R::OutOfRange),
    kind("status", B::Remove, R::MissingField),
];

const LIVESTREAMS: &[Kind] = &[
    kind("hostId", B::Remove, R::MissingField),
    kind("status", B::Text("streaming"), R::InvalidEnum),
    kind("duration", B::Negative, R::NegativeValue),
    kind("totalViewers", B::Negative, R::NegativeValue),
    kind("totalCoins", B::NaN, R::NonFinite),
    kind("createdAt", B::AsString, R::WrongType),
    kind("totalViewers", B::Fractional, R::WrongType),
    kind("startedAt", B::DateBefore2000, R::DateOutOfRange),
    kind("_id", B::AsString, R::WrongType),
    kind("duration", B::NaN, R::NonFinite),
    kind("hostId", B::HexString, R::WrongType),
    kind("totalViewers", B::Huge, R::OutOfRange),
    kind("totalCoins", B::Remove, R::MissingField),
];

const MESSAGES: &[Kind] = &[
    kind("roomId", B::Remove, R::MissingField),
    kind("userId", B::HexString, R::WrongType),
    kind("createdAt", B::DateBefore2000, R::DateOutOfRange),
    kind("isDeleted", B::Text("false"), R::WrongType),
    kind("_id", B::Remove, R::MissingField),
    kind("createdAt", B::AsString, R::WrongType),
    kind("roomId", B::HexString, R::WrongType),
];

const GAMESTAKES: &[Kind] = &[
    kind("roundId", B::Remove, R::MissingField),
    kind("stakeAmount", B::Negative, R::NegativeValue),
    kind("winAmount", B::NaN, R::NonFinite),
    kind("result", B::Text("draw"), R::InvalidEnum),
    kind("stakeAmount", B::AsString, R::WrongType),
    kind("createdAt", B::DateAfter2100, R::DateOutOfRange),
    kind("gameId", B::HexString, R::WrongType),
    kind("userId", B::Remove, R::MissingField),
    kind("stakeAmount", B::Huge, R::OutOfRange),
];

const GAMEROUNDS: &[Kind] = &[
    kind("durationSec", B::Remove, R::MissingField),
    kind("durationSec", B::Negative, R::NegativeValue),
    kind("durationSec", B::NaN, R::NonFinite),
    kind("roundId", B::Int(4242), R::WrongType),
    kind("startAt", B::AsString, R::WrongType),
    kind("endAt", B::DateBefore2000, R::DateOutOfRange),
    kind("roundId", B::Remove, R::MissingField),
    kind("_id", B::AsString, R::WrongType),
];

const MODERATIONFLAGS: &[Kind] = &[
    kind("userId", B::Remove, R::MissingField),
    kind("contentType", B::Text("audio"), R::InvalidEnum),
    kind("action", B::Text("ban"), R::InvalidEnum),
    kind("status", B::Text("closed"), R::InvalidEnum),
    kind("reviewedAt", B::AsString, R::WrongType),
    kind("createdAt", B::DateBefore2000, R::DateOutOfRange),
    kind("metadata.country", B::Int(977), R::WrongType),
    kind("createdAt", B::Remove, R::MissingField),
];

const ANALYTICSEVENTS: &[Kind] = &[
    kind("timestamp", B::Remove, R::MissingField),
    kind("eventType", B::Text("user_event"), R::InvalidEnum),
    kind("properties.durationSec", B::NaN, R::NonFinite),
    kind("timestamp", B::AsString, R::WrongType),
    kind("userId", B::HexString, R::WrongType),
    kind("eventName", B::Remove, R::MissingField),
    kind("properties.durationSec", B::Negative, R::NegativeValue),
    kind("timestamp", B::DateAfter2100, R::DateOutOfRange),
    kind("properties.durationSec", B::Huge, R::OutOfRange),
];

fn kinds(collection: Collection) -> &'static [Kind] {
    match collection {
        Collection::Users => USERS,
        Collection::Transactions => TRANSACTIONS,
        Collection::Livestreams => LIVESTREAMS,
        Collection::Messages => MESSAGES,
        Collection::Gamestakes => GAMESTAKES,
        Collection::Gamerounds => GAMEROUNDS,
        Collection::Moderationflags => MODERATIONFLAGS,
        Collection::Analyticsevents => ANALYTICSEVENTS,
    }
}

/// The (field, reason) pairs the generator can inject into a collection.
#[cfg(test)]
pub(crate) fn injectable(collection: Collection) -> Vec<(&'static str, InvalidReason)> {
    kinds(collection)
        .iter()
        .map(|k| (k.field, k.reason))
        .collect()
}

/// Whether a valid document can serve as the copy an invalid one is made from: refunds may carry negative
/// amounts legitimately, so no invalid transaction is made from one.
fn usable_base(collection: Collection, doc: &Document) -> bool {
    match collection {
        Collection::Transactions => {
            !matches!(doc.get("type"), Some(Bson::String(t)) if t == "refund")
        }
        _ => true,
    }
}

/// The value at a dotted path (`None` when absent; `null` is returned as is).
fn get_path<'a>(doc: &'a Document, path: &str) -> Option<&'a Bson> {
    match path.split_once('.') {
        None => doc.get(path),
        Some((head, rest)) => match doc.get(head) {
            Some(Bson::Document(inner)) => get_path(inner, rest),
            _ => None,
        },
    }
}

/// Sets (or, with `None`, removes) the value at a dotted path, creating the parent documents it needs.
fn set_path(doc: &mut Document, path: &str, value: Option<Bson>) {
    match path.split_once('.') {
        None => {
            match value {
                Some(v) => doc.insert(path, v),
                None => doc.remove(path),
            };
        }
        Some((head, rest)) => {
            if !matches!(doc.get(head), Some(Bson::Document(_))) {
                doc.insert(head, Document::new());
            }
            if let Some(Bson::Document(inner)) = doc.get_mut(head) {
                set_path(inner, rest, value);
            }
        }
    }
}

fn date_string(d: &DateTime) -> String {
    d.try_to_rfc3339_string()
        .unwrap_or_else(|_| d.timestamp_millis().to_string())
}

/// The broken value a [`Breakage`] puts in place of `current` (`None`: remove the field).
fn broken_value(
    breakage: Breakage,
    current: Option<&Bson>,
    fallback_date: Option<&DateTime>,
    ids: &mut IdGen,
) -> Option<Bson> {
    Some(match breakage {
        Breakage::Remove => return None,
        Breakage::AsString => Bson::String(match current {
            Some(Bson::DateTime(d)) => date_string(d),
            Some(Bson::ObjectId(o)) => o.to_hex(),
            Some(Bson::Int32(i)) => i.to_string(),
            Some(Bson::Int64(i)) => i.to_string(),
            Some(Bson::Double(f)) => f.to_string(),
            // An absent or null date (an open review): the document's own date, as a string.
            _ => fallback_date.map_or_else(|| "2026-01-01T00:00:00.000Z".to_owned(), date_string),
        }),
        Breakage::HexString => Bson::String(
            ids.at(fallback_date.map_or(0, |d| d.timestamp_millis()))
                .to_hex(),
        ),
        Breakage::Text(s) => Bson::String(s.to_owned()),
        Breakage::Int(i) => Bson::Int32(i),
        Breakage::Negative => match current {
            Some(Bson::Int32(i)) if *i > 0 => Bson::Int32(-i),
            Some(Bson::Int64(i)) if *i > 0 => Bson::Int64(-i),
            Some(Bson::Double(f)) if *f > 0.0 => Bson::Double(-f),
            _ => Bson::Int32(-1),
        },
        Breakage::NaN => Bson::Double(f64::NAN),
        // Finite and positive, far beyond every documented bound (`docs/data-contract.md` "Bounds").
        Breakage::Huge => Bson::Double(1e308),
        Breakage::Fractional => match current {
            Some(Bson::Int32(i)) => Bson::Double(f64::from(*i) + 0.5),
            Some(Bson::Int64(i)) => Bson::Double(*i as f64 + 0.5),
            _ => Bson::Double(2.5),
        },
        Breakage::DateBefore2000 => Bson::DateTime(DateTime::from_millis(0)),
        Breakage::DateAfter2100 => Bson::DateTime(DateTime::from_millis(5_680_281_600_000)),
    })
}

/// A copy of `base` broken as `kind` says, with a fresh `_id` (and a fresh `roundId` for a round, so that it
/// never collides with a valid round's key).
fn break_copy(
    collection: Collection,
    base: &Document,
    kind: &Kind,
    serial: u64,
    ids: &mut IdGen,
) -> Document {
    let mut doc = base.clone();
    let created = match doc.get("_id") {
        Some(Bson::ObjectId(o)) => o.timestamp().timestamp_millis(),
        _ => 0,
    };
    doc.insert("_id", ids.at(created));
    if collection == Collection::Gamerounds {
        if let Some(Bson::String(round)) = doc.get("roundId") {
            let fresh = format!("{round}-x{serial}");
            doc.insert("roundId", fresh);
        }
    }
    let primary = match get_path(&doc, collection.primary_date_field()) {
        Some(Bson::DateTime(d)) => Some(*d),
        _ => None,
    };
    let value = broken_value(
        kind.breakage,
        get_path(&doc, kind.field),
        primary.as_ref(),
        ids,
    );
    set_path(&mut doc, kind.field, value);
    doc
}

/// Per-collection counters.
#[derive(Debug, Default)]
struct Tally {
    valid: u64,
    invalid_made: u64,
    duplicates_due: u64,
    duplicates_made: u64,
    invalid: BTreeMap<(&'static str, InvalidReason), u64>,
}

/// Hands documents to the sink, counts them, and injects invalid documents and duplicates at the
/// configured rates (deterministically: no randomness, so the rest of the generation is unaffected).
pub(crate) struct Emitter<'s> {
    sink: &'s mut dyn DocumentSink,
    pub(crate) ids: IdGen,
    invalid_rate: f64,
    duplicate_rate: f64,
    tallies: [Tally; 8],
    duplicates: Vec<(Collection, Document)>,
}

fn slot(collection: Collection) -> usize {
    Collection::ALL
        .iter()
        .position(|c| *c == collection)
        .unwrap_or_default()
}

/// How many extra documents are due after `valid` valid ones at `rate`.
fn due(valid: u64, rate: f64) -> u64 {
    // Exact enough for any realistic count; the floor keeps the injection deterministic.
    (valid as f64 * rate).floor() as u64
}

impl<'s> Emitter<'s> {
    pub(crate) fn new(
        sink: &'s mut dyn DocumentSink,
        ids: IdGen,
        invalid_rate: f64,
        duplicate_rate: f64,
    ) -> Self {
        Emitter {
            sink,
            ids,
            invalid_rate,
            duplicate_rate,
            tallies: Default::default(),
            duplicates: Vec::new(),
        }
    }

    /// Writes one valid document; then, when due, an invalid copy of it right after, and schedules a
    /// duplicate of it for the next [`Emitter::flush_duplicates`].
    pub(crate) fn valid(&mut self, collection: Collection, doc: Document) -> Result<()> {
        let tally = &mut self.tallies[slot(collection)];
        tally.valid += 1;
        if due(tally.valid, self.duplicate_rate) > tally.duplicates_due {
            tally.duplicates_due += 1;
            self.duplicates.push((collection, doc.clone()));
        }
        let invalid = if due(tally.valid, self.invalid_rate) > tally.invalid_made
            && usable_base(collection, &doc)
        {
            let list = kinds(collection);
            let kind = list[(tally.invalid_made % list.len() as u64) as usize];
            let broken = break_copy(collection, &doc, &kind, tally.invalid_made, &mut self.ids);
            tally.invalid_made += 1;
            *tally.invalid.entry((kind.field, kind.reason)).or_default() += 1;
            Some(broken)
        } else {
            None
        };
        self.sink.accept(collection, doc)?;
        if let Some(broken) = invalid {
            self.sink.accept(collection, broken)?;
        }
        Ok(())
    }

    /// Re-emits the documents scheduled as duplicates (unchanged, same `_id`).
    pub(crate) fn flush_duplicates(&mut self) -> Result<()> {
        for (collection, doc) in std::mem::take(&mut self.duplicates) {
            self.tallies[slot(collection)].duplicates_made += 1;
            self.sink.accept(collection, doc)?;
        }
        Ok(())
    }

    /// The per-collection manifest entries, in [`Collection::ALL`] order.
    pub(crate) fn manifest(&self) -> Vec<CollectionManifest> {
        Collection::ALL
            .iter()
            .map(|&collection| {
                let t = &self.tallies[slot(collection)];
                let invalid: Vec<InvalidCount> = t
                    .invalid
                    .iter()
                    .map(|(&(field, reason), &count)| InvalidCount {
                        field: Some(field.to_owned()),
                        reason,
                        count,
                    })
                    .collect();
                CollectionManifest {
                    collection,
                    documents: t.valid + t.invalid_made + t.duplicates_made,
                    valid: t.valid,
                    invalid,
                    duplicates: t.duplicates_made,
                }
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::decode::{decode, DecodeContext};

    /// Each kind, applied to a minimal valid document, gives exactly its (field, reason).
    #[test]
    fn every_kind_is_rejected_for_its_field_and_reason() {
        let now = DateTime::from_millis(1_780_000_000_000);
        let ctx = DecodeContext {
            now: now.to_chrono(),
        };
        let mut ids = IdGen::new(7);
        let id = ids.at(now.timestamp_millis());
        let base: [(Collection, Document); 8] = [
            (
                Collection::Users,
                bson::doc! { "_id": id, "createdAt": now, "country": "NP", "ogLevel": 1, "isBanned": false },
            ),
            (
                Collection::Transactions,
                bson::doc! { "_id": id, "userId": id, "type": "recharge", "amount": 500, "currency": "coins", "status": "completed", "paymentMethod": "esewa", "fees": 0, "metadata": { "amountPaid": 500, "currency": "NPR" }, "createdAt": now },
            ),
            (
                Collection::Livestreams,
                bson::doc! { "_id": id, "hostId": id, "status": "ended", "duration": 60, "totalViewers": 3, "totalCoins": 10_i64, "peakViewers": 2, "startedAt": now, "endedAt": now, "country": "NP", "createdAt": now },
            ),
            (
                Collection::Messages,
                bson::doc! { "_id": id, "userId": id, "roomId": id, "isDeleted": false, "createdAt": now },
            ),
            (
                Collection::Gamestakes,
                bson::doc! { "_id": id, "userId": id, "gameId": id, "roundId": "r-1", "stakeAmount": 10, "winAmount": 0, "result": "lost", "createdAt": now },
            ),
            (
                Collection::Gamerounds,
                bson::doc! { "_id": id, "roundId": "r-1", "startAt": now, "endAt": now, "durationSec": 45 },
            ),
            (
                Collection::Moderationflags,
                bson::doc! { "_id": id, "userId": id, "contentType": "text", "action": "warn", "status": "pending", "reviewedAt": null, "createdAt": now },
            ),
            (
                Collection::Analyticsevents,
                bson::doc! { "_id": id, "userId": id, "eventType": "user_action", "eventName": "session_end", "sessionId": "s", "properties": { "durationSec": 30 }, "timestamp": now },
            ),
        ];
        for (collection, doc) in base {
            assert!(decode(collection, &doc, &ctx).is_ok(), "{collection} base");
            for (serial, k) in kinds(collection).iter().enumerate() {
                let broken = break_copy(collection, &doc, k, serial as u64, &mut ids);
                let err = decode(collection, &broken, &ctx).expect_err("must be invalid");
                assert_eq!(
                    (err.field.as_deref(), err.reason),
                    (Some(k.field), k.reason),
                    "{collection}: {broken}"
                );
            }
        }
    }

    #[test]
    fn ids_carry_their_time_and_are_unique() {
        let mut ids = IdGen::new(u64::MAX);
        let a = ids.at(1_775_000_000_123);
        let b = ids.at(1_775_000_000_999);
        assert_ne!(a, b);
        assert_eq!(a.timestamp().timestamp_millis(), 1_775_000_000_000);
    }
}
