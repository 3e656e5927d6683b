//! Storage: the [`Store`] trait the engine reads raw records through and writes analytics documents
//! through, and [`InMemoryStore`], the embedded default.
//!
//! The trait is shaped for a database behind it: reads name a collection and a half-open time range on one
//! date field (a server-side `$match` on an indexed field, with the projection of DATA.md's fields), and
//! results are pushed to a visitor so a cursor can stream them in batches. Capabilities persist their own
//! document types through [`docs`] without the store learning what they are; a store that can aggregate
//! raw collections on the server offers that through [`pushdown`].

pub mod docs;
pub(crate) mod memory;
#[cfg(feature = "mongodb")]
pub mod mongo;
pub mod pushdown;

use bson::Document;

use crate::model::*;
use crate::quality::QualityReport;
use crate::Result;

pub use crate::calendar::TimeRange;
pub use docs::{
    AnalyticsDoc, AnalyticsStore, Condition, DocFilter, DocKey, DocSpec, IndexSpec, KeyValue,
    SharedDoc, StoredDoc,
};
pub use memory::{InMemoryStore, InMemoryStoreBuilder};
#[cfg(feature = "mongodb")]
pub use mongo::{MongoDocumentSink, MongoReadStats, MongoStore, MongoStoreOptions};
pub use pushdown::{AuthorMessages, Pushdown};

/// Whether `s` names a MongoDB deployment (`mongodb://` or `mongodb+srv://`) rather than a directory.
pub fn is_mongodb_uri(s: &str) -> bool {
    s.starts_with("mongodb://") || s.starts_with("mongodb+srv://")
}

/// Something that takes raw documents of the platform's collections, one at a time: the in-memory store's
/// builder (which validates and keeps them) or the generator's mongoexport writer.
pub trait DocumentSink {
    /// Takes one raw document of `collection`.
    fn accept(&mut self, collection: Collection, doc: Document) -> Result<()>;
}

/// Which date of a document a scan filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateField {
    /// The collection's primary date (see [`Collection::primary_date_field`]).
    Primary,
    /// `moderationflags.reviewedAt` (appeals processed in a range).
    ReviewedAt,
}

/// One read: a collection, optionally restricted to a time range of one of its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scan {
    /// The collection.
    pub collection: Collection,
    /// The time range (`None`: every document).
    pub range: Option<TimeRange>,
    /// The date the range applies to.
    pub date_field: DateField,
}

impl Scan {
    /// Every document of a collection.
    pub fn all(collection: Collection) -> Self {
        Scan {
            collection,
            range: None,
            date_field: DateField::Primary,
        }
    }

    /// The documents whose primary date is in `range`.
    pub fn in_range(collection: Collection, range: TimeRange) -> Self {
        Scan {
            collection,
            range: Some(range),
            date_field: DateField::Primary,
        }
    }
}

/// A borrowed record handed to a scan's visitor.
#[derive(Debug, Clone, Copy)]
pub enum RecordRef<'a> {
    /// A user.
    User(&'a User),
    /// A transaction.
    Transaction(&'a Transaction),
    /// A livestream.
    Livestream(&'a Livestream),
    /// A message.
    Message(&'a Message),
    /// A game stake.
    GameStake(&'a GameStake),
    /// A game round.
    GameRound(&'a GameRound),
    /// A moderation flag.
    ModerationFlag(&'a ModerationFlag),
    /// An analytics event.
    AnalyticsEvent(&'a AnalyticsEvent),
}

/// A record type of one raw collection, for typed scans ([`StoreExt::each`]).
pub trait RawRecord: Sized {
    /// The collection its documents live in.
    const COLLECTION: Collection;
    /// The record, if `r` is one of this type.
    fn from_ref(r: RecordRef<'_>) -> Option<&Self>;
}

macro_rules! raw_record {
    ($($ty:ident => $coll:ident),+ $(,)?) => {$(
        impl RawRecord for $ty {
            const COLLECTION: Collection = Collection::$coll;
            fn from_ref(r: RecordRef<'_>) -> Option<&Self> {
                match r {
                    RecordRef::$ty(x) => Some(x),
                    _ => None,
                }
            }
        }
    )+};
}

raw_record! {
    User => Users,
    Transaction => Transactions,
    Livestream => Livestreams,
    Message => Messages,
    GameStake => Gamestakes,
    GameRound => Gamerounds,
    ModerationFlag => Moderationflags,
    AnalyticsEvent => Analyticsevents,
}

/// The engine's access to data: raw records through [`Store::scan`], and the analytics documents of
/// every capability through the three type-erased document methods (typed in [`AnalyticsStore`]).
///
/// Implementations must hand each valid record to the visitor exactly once per scan, and must never hand
/// over an invalid or duplicate document: those are counted in [`Store::quality_report`].
pub trait Store: Send + Sync {
    /// Visits every valid record of `scan.collection` whose `scan.date_field` is in `scan.range`.
    /// Records without that date (an open review) are skipped by a ranged scan.
    fn scan(&self, scan: &Scan, visit: &mut dyn FnMut(RecordRef<'_>)) -> Result<()>;

    /// Visits the `gamerounds` with these `roundId`s (each at most once; unknown ids are skipped).
    fn game_rounds(&self, round_ids: &[&str], visit: &mut dyn FnMut(&GameRound)) -> Result<()>;

    /// What has been read and rejected so far.
    fn quality_report(&self) -> Result<QualityReport>;

    /// The store's push-downs (server-side aggregations of raw collections), if it has any; `None`
    /// (the default) makes the engine scan instead.
    fn pushdown(&self) -> Option<&dyn Pushdown> {
        None
    }

    /// Inserts or replaces each document by its key in `spec.collection`, creating the collection's
    /// unique index on `spec.key_fields` first if needed.
    fn put_documents(&self, spec: &DocSpec, docs: &[(DocKey, SharedDoc)]) -> Result<()>;

    /// The documents of `spec.collection` matching `filter`, sorted by key.
    fn find_documents(&self, spec: &DocSpec, filter: &DocFilter) -> Result<Vec<StoredDoc>>;

    /// Removes the documents of `spec.collection` matching `filter`; returns how many were removed.
    fn delete_documents(&self, spec: &DocSpec, filter: &DocFilter) -> Result<u64>;
}

/// Typed conveniences over any [`Store`].
pub trait StoreExt: Store {
    /// Visits the records of type `R` whose primary date is in `range` (`None`: all of them).
    fn each<R: RawRecord>(
        &self,
        range: Option<TimeRange>,
        mut visit: impl FnMut(&R),
    ) -> Result<()> {
        let scan = Scan {
            collection: R::COLLECTION,
            range,
            date_field: DateField::Primary,
        };
        self.scan(&scan, &mut |r| {
            if let Some(x) = R::from_ref(r) {
                visit(x);
            }
        })
    }
}

impl<S: Store + ?Sized> StoreExt for S {}
