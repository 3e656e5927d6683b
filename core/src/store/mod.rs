//! Storage: the [`Store`] trait the engine reads raw records through and writes analytics documents
//! through, and [`InMemoryStore`], the embedded default.
//!
//! The trait is shaped for a database behind it: reads name a collection and a half-open time range on one
//! date field (a server-side `$match` on an indexed field, with the projection of DATA.md's fields), and
//! results are pushed to a visitor so a cursor can stream them in batches. Writes are keyed upserts of
//! analytics documents, unique by `(appId, date, country)` like the platform's analytics collections.

pub(crate) mod memory;
#[cfg(feature = "mongodb")]
pub mod mongo;

use std::fmt;

use bson::Document;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::kpi::{CountryFilter, DailyRollup};
use crate::model::*;
use crate::quality::QualityReport;
use crate::Result;

pub use memory::{InMemoryStore, InMemoryStoreBuilder};
#[cfg(feature = "mongodb")]
pub use mongo::{is_mongodb_uri, MongoDocumentSink, MongoReadStats, MongoStore, MongoStoreOptions};

/// Something that takes raw documents of the platform's collections, one at a time: the in-memory store's
/// builder (which validates and keeps them) or the generator's mongoexport writer.
pub trait DocumentSink {
    /// Takes one raw document of `collection`.
    fn accept(&mut self, collection: Collection, doc: Document) -> Result<()>;
}

/// A half-open instant range `[start, end)`: a reporting day is one of these in the reporting time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeRange {
    /// First instant inside.
    pub start: DateTime<Utc>,
    /// First instant after.
    pub end: DateTime<Utc>,
}

impl TimeRange {
    /// The range `[start, end)`; an error when `end` is before `start`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self> {
        if end < start {
            return Err(crate::Error::invalid_argument(
                "time range",
                format!("end {end} is before start {start}"),
            ));
        }
        Ok(TimeRange { start, end })
    }

    /// Whether `t` is inside.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }
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

/// The valid messages of one author in a time range ([`Store::messages_by_author`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthorMessages {
    /// The author (`messages.userId`).
    pub user_id: bson::oid::ObjectId,
    /// Valid messages.
    pub messages: u64,
    /// Valid messages not deleted (`isDeleted` false or absent).
    pub not_deleted: u64,
}

/// The analytics collections the engine writes (one document per key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AnalyticsCollection {
    /// `analyticsdailykpis`: one daily rollup per `(appId, date, country)`.
    #[serde(rename = "analyticsdailykpis")]
    DailyKpis,
}

impl AnalyticsCollection {
    /// The MongoDB collection name.
    pub const fn name(self) -> &'static str {
        match self {
            AnalyticsCollection::DailyKpis => "analyticsdailykpis",
        }
    }
}

impl fmt::Display for AnalyticsCollection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The unique key of an analytics document: `(appId, date, country)`, country `ALL` or a code or `UNKNOWN`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsKey {
    /// The application id (several apps can share one database).
    pub app_id: String,
    /// The local date in the reporting time zone.
    pub date: NaiveDate,
    /// `ALL`, an alpha-2 code, or `UNKNOWN`.
    pub country: String,
}

/// The engine's access to data. Reads go through [`Store::scan`]; analytics documents are upserted by key.
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

    /// Push-down: the valid `messages` of `range` counted per author by the store itself (a database
    /// aggregation), so the engine does not move every message; `None` (the default) when the store has
    /// no such shortcut and the engine scans `messages` itself. Must count exactly the documents a scan of
    /// `range` would visit.
    fn messages_by_author(&self, range: TimeRange) -> Result<Option<Vec<AuthorMessages>>> {
        let _ = range;
        Ok(None)
    }

    /// Inserts or replaces the document of `key` (idempotent).
    fn upsert_analytics(
        &self,
        collection: AnalyticsCollection,
        key: &AnalyticsKey,
        doc: Document,
    ) -> Result<()>;

    /// Removes every document of one app and local date (all countries); returns how many were removed.
    /// A rollup re-run deletes the day first, so a country that no longer appears leaves nothing behind.
    fn delete_analytics_day(
        &self,
        collection: AnalyticsCollection,
        app_id: &str,
        date: NaiveDate,
    ) -> Result<u64>;

    /// The document of `key`, if any.
    fn get_analytics(
        &self,
        collection: AnalyticsCollection,
        key: &AnalyticsKey,
    ) -> Result<Option<Document>>;

    /// Replaces everything stored for one app and day in `analyticsdailykpis` with `rollups` (the day's
    /// `ALL` and per-country rollups). The `ALL` rollup is written last: its presence marks the day done,
    /// so an interrupted write is redone by the next backfill.
    fn replace_daily_rollups(
        &self,
        app_id: &str,
        date: NaiveDate,
        rollups: &[DailyRollup],
    ) -> Result<()> {
        let coll = AnalyticsCollection::DailyKpis;
        self.delete_analytics_day(coll, app_id, date)?;
        let (all, countries): (Vec<&DailyRollup>, Vec<&DailyRollup>) = rollups
            .iter()
            .partition(|r| r.country == CountryFilter::All);
        for r in countries.into_iter().chain(all) {
            let key = AnalyticsKey {
                app_id: app_id.to_owned(),
                date: r.date,
                country: r.country.key(),
            };
            self.upsert_analytics(coll, &key, r.to_document()?)?;
        }
        Ok(())
    }

    /// The stored daily rollups of one app with dates in `from..=to`, of one country selection or
    /// (`None`) all, by date.
    fn daily_rollups(
        &self,
        app_id: &str,
        country: Option<CountryFilter>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyRollup>> {
        let key = country.map(|c| c.key());
        self.find_analytics(
            AnalyticsCollection::DailyKpis,
            app_id,
            key.as_deref(),
            from,
            to,
        )?
        .into_iter()
        .map(|(k, doc)| {
            DailyRollup::from_document(doc, &format!("{} {} {}", k.app_id, k.date, k.country))
        })
        .collect()
    }

    /// The documents of one app with dates in `from..=to`, of one country or (`None`) all, by date.
    fn find_analytics(
        &self,
        collection: AnalyticsCollection,
        app_id: &str,
        country: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(AnalyticsKey, Document)>>;
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
