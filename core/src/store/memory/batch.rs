//! A batch of judged lines on its way from a loader worker to the collection's ingest.
//!
//! The merging thread applies batches one after the other (that keeps duplicates and line numbers
//! exact), so a batch hands it as little as possible to read: valid records already in the form the
//! store keeps (a 48-byte row for an event), the hash of each one's duplicate key, one byte per line,
//! and the full judgement only for the rare other lines (invalid, malformed, with a warning).

use std::hash::{BuildHasher, RandomState};
use std::sync::OnceLock;

use super::ingest::Parsed;
use super::tables::{EventRow, EventTable};
use crate::model::decode::json::{self, Shape};
use crate::model::decode::DecodeContext;
use crate::model::*;

/// What one line of a batch was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    /// Blank: not a document.
    Blank,
    /// A valid record without warnings: the next of [`Batch`]'s rows.
    Row,
    /// Anything else: the next of [`Batch`]'s other lines.
    Other,
}

/// The duplicate key of a kept record, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyRef<'a> {
    /// An ObjectId `_id`, as bytes.
    Id([u8; 12]),
    /// A `roundId`.
    Text(&'a str),
}

/// The hasher of duplicate keys: one random key per process, shared by the workers (which hash) and
/// the ingests (which probe), so a file cannot be crafted to collide.
pub(crate) fn key_hasher() -> &'static RandomState {
    static HASHER: OnceLock<RandomState> = OnceLock::new();
    HASHER.get_or_init(RandomState::new)
}

impl KeyRef<'_> {
    /// The key's hash under [`key_hasher`].
    pub(crate) fn hash(&self) -> u64 {
        match self {
            KeyRef::Id(id) => key_hasher().hash_one(id),
            KeyRef::Text(t) => key_hasher().hash_one(t),
        }
    }
}

/// A record as the store keeps it: what the merger needs of it.
pub(crate) trait Row {
    /// The duplicate key (`_id`, or `roundId` for `gamerounds`).
    fn key(&self) -> KeyRef<'_>;
}

macro_rules! keyed_by_id {
    ($($ty:ty),+ $(,)?) => {$(
        impl Row for $ty {
            fn key(&self) -> KeyRef<'_> {
                KeyRef::Id(self.id.bytes())
            }
        }
    )+};
}

keyed_by_id!(
    User,
    Transaction,
    Livestream,
    Message,
    GameStake,
    ModerationFlag
);

impl Row for GameRound {
    fn key(&self) -> KeyRef<'_> {
        KeyRef::Text(&self.round_id)
    }
}

impl Row for EventRow {
    fn key(&self) -> KeyRef<'_> {
        KeyRef::Id(self.id)
    }
}

/// The kept records of one batch, in the store's form (all of one collection).
#[derive(Debug)]
pub(crate) enum Rows {
    Users(Vec<User>),
    Transactions(Vec<Transaction>),
    Livestreams(Vec<Livestream>),
    Messages(Vec<Message>),
    Stakes(Vec<GameStake>),
    Rounds(Vec<GameRound>),
    Flags(Vec<ModerationFlag>),
    /// Event rows, their names numbered within the batch.
    Events(EventTable),
}

impl Rows {
    fn new(collection: Collection, capacity: usize) -> Rows {
        match collection {
            Collection::Users => Rows::Users(Vec::with_capacity(capacity)),
            Collection::Transactions => Rows::Transactions(Vec::with_capacity(capacity)),
            Collection::Livestreams => Rows::Livestreams(Vec::with_capacity(capacity)),
            Collection::Messages => Rows::Messages(Vec::with_capacity(capacity)),
            Collection::Gamestakes => Rows::Stakes(Vec::with_capacity(capacity)),
            Collection::Gamerounds => Rows::Rounds(Vec::with_capacity(capacity)),
            Collection::Moderationflags => Rows::Flags(Vec::with_capacity(capacity)),
            Collection::Analyticsevents => Rows::Events(EventTable::with_capacity(capacity)),
        }
    }

    /// Adds a record and returns its key's hash; a record of another collection is given back.
    fn push(&mut self, record: Record) -> Result<u64, Record> {
        fn keep<T: Row>(rows: &mut Vec<T>, r: T) -> u64 {
            let hash = r.key().hash();
            rows.push(r);
            hash
        }
        Ok(match (self, record) {
            (Rows::Users(v), Record::User(r)) => keep(v, r),
            (Rows::Transactions(v), Record::Transaction(r)) => keep(v, r),
            (Rows::Livestreams(v), Record::Livestream(r)) => keep(v, r),
            (Rows::Messages(v), Record::Message(r)) => keep(v, r),
            (Rows::Stakes(v), Record::GameStake(r)) => keep(v, r),
            (Rows::Rounds(v), Record::GameRound(r)) => keep(v, r),
            (Rows::Flags(v), Record::ModerationFlag(r)) => keep(v, r),
            (Rows::Events(t), Record::AnalyticsEvent(r)) => {
                let hash = KeyRef::Id(r.id.bytes()).hash();
                t.push(&r);
                hash
            }
            (_, other) => return Err(other),
        })
    }
}

/// The judged lines of a run of one file, in order.
#[derive(Debug)]
pub(crate) struct Batch {
    pub(super) kinds: Vec<LineKind>,
    pub(super) rows: Rows,
    /// The hash of each row's key ([`KeyRef::hash`]), in row order.
    pub(super) hashes: Vec<u64>,
    pub(super) others: Vec<Parsed>,
    /// What the scanner learnt of the batch's lines so far.
    shape: Shape,
}

impl Batch {
    /// An empty batch of `collection` with room for about `lines` lines.
    pub(crate) fn new(collection: Collection, lines: usize) -> Batch {
        Batch {
            kinds: Vec::with_capacity(lines),
            rows: Rows::new(collection, lines),
            hashes: Vec::with_capacity(lines),
            others: Vec::new(),
            shape: Shape::default(),
        }
    }

    /// Judges one line of a mongoexport file (without its line terminator), as [`Parsed::line`] does.
    pub(crate) fn push_line(&mut self, collection: Collection, bytes: &[u8], ctx: &DecodeContext) {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            self.kinds.push(LineKind::Blank);
            return;
        }
        match json::decode_line(collection, bytes, ctx, &mut self.shape) {
            Some((_, record, warnings)) if warnings.is_empty() => self.push_record(record),
            Some((key, record, warnings)) => self.push_parsed(Parsed::Document {
                key,
                result: Ok((record, warnings)),
            }),
            None => self.push_parsed(Parsed::line_in_full(collection, bytes, ctx)),
        }
    }

    fn push_record(&mut self, record: Record) {
        match self.rows.push(record) {
            Ok(hash) => {
                self.hashes.push(hash);
                self.kinds.push(LineKind::Row);
            }
            // Not of this batch's collection (a caller's mistake): judged like any other line.
            Err(record) => self.push_parsed(Parsed::Document {
                key: None,
                result: Ok((record, Vec::new())),
            }),
        }
    }

    /// Adds a line judged elsewhere (too large to read, say).
    pub(crate) fn push_parsed(&mut self, parsed: Parsed) {
        if matches!(parsed, Parsed::Blank) {
            self.kinds.push(LineKind::Blank);
        } else {
            self.others.push(parsed);
            self.kinds.push(LineKind::Other);
        }
    }
}
