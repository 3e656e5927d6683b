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
pub use pushdown::{partials, Group, GroupQuery, Partial, Pushdown};

/// [`Store::read_concurrency`] unless a store says otherwise.
pub const DEFAULT_READ_CONCURRENCY: usize = 4;

/// Whether `s` names a MongoDB deployment rather than a directory: after trimming, the scheme `mongodb`
/// or `mongodb+srv` in any case, then `:`. A malformed `mongodb:/host` is still meant as a URI (and
/// fails as one, redacted), never taken for a directory and echoed.
pub fn is_mongodb_uri(s: &str) -> bool {
    let t = s.trim_start();
    let scheme = t.split(':').next().unwrap_or_default();
    t.contains(':')
        && (scheme.eq_ignore_ascii_case("mongodb") || scheme.eq_ignore_ascii_case("mongodb+srv"))
}

/// A MongoDB URI as the driver expects it: trimmed, the scheme lower-cased.
pub fn normalize_mongodb_uri(s: &str) -> String {
    let t = s.trim();
    match t.split_once(':') {
        Some((scheme, rest)) => format!("{}:{rest}", scheme.to_ascii_lowercase()),
        None => t.to_owned(),
    }
}

/// `text` with the user-information (user and password) of every URI in it replaced by `***`, so that
/// no error, log or `Debug` output can carry a password: `mongodb://admin:s3cret@db/x` becomes
/// `mongodb://***@db/x`. Covers `scheme://…`, a malformed `mongodb:/…`, any case.
pub fn redact_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(colon) = rest.find(':') {
        let (before, after) = rest.split_at(colon);
        let scheme_start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.'))
            .map_or(0, |i| i + 1);
        let scheme = &before[scheme_start..];
        let body = &after[1..];
        let slashes = body.len() - body.trim_start_matches('/').len();
        let is_uri = !scheme.is_empty()
            && scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
            && (slashes >= 2
                || (slashes >= 1 && scheme.to_ascii_lowercase().starts_with("mongodb")));
        out.push_str(before);
        out.push(':');
        if !is_uri {
            rest = body;
            continue;
        }
        // A password may hold `?`, `/` or `#` unescaped (people paste them so): the user-information
        // runs to the last `@` before the URI ends (whitespace or a quote), erring towards redacting.
        let start = slashes;
        let len = body[start..]
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '`')
            .unwrap_or(body.len() - start);
        let uri = &body[start..start + len];
        out.push_str(&body[..start]);
        match uri.rfind('@') {
            Some(at) => {
                out.push_str("***");
                out.push_str(&uri[at..]);
            }
            None => out.push_str(uri),
        }
        rest = &body[start + len..];
    }
    out.push_str(rest);
    out
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

    /// How many reads the engine may run at once against this store for one rollup (a day's
    /// collections are read concurrently); 1 means one after the other.
    fn read_concurrency(&self) -> usize {
        DEFAULT_READ_CONCURRENCY
    }

    /// Whether reading is work done on this process's cores (an in-memory store) rather than queries
    /// a server answers. A backfill of such a store spreads whole days over the cores, each day's
    /// collections read one after the other: a day's reads are too unequal (its events are about half
    /// of its documents) to keep the cores busy one day at a time.
    fn reads_in_process(&self) -> bool {
        false
    }

    /// Inserts or replaces each document by its key in `spec.collection`, creating the collection's
    /// unique index on `spec.key_fields` first if needed.
    fn put_documents(&self, spec: &DocSpec, docs: &[(DocKey, SharedDoc)]) -> Result<()>;

    /// Inserts each document whose key is free and leaves alone each whose key is taken, returning the
    /// positions (in `docs`) of those left alone: the write of append-only collections, where a second
    /// writer of a key, in this process or another, must learn that it lost rather than replace the
    /// winner. The collection's unique key index decides, so two processes never both win a key.
    fn insert_documents(&self, spec: &DocSpec, docs: &[(DocKey, SharedDoc)]) -> Result<Vec<usize>>;

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

/// [`redact_secrets`] of a message about `uri`, and also every piece of the URI's user-information
/// wherever it appears on its own (a driver may quote `admin:s3cret` as a "server address" when the
/// password holds a `?`).
pub fn redact_uri_message(message: &str, uri: &str) -> String {
    let mut out = redact_secrets(message);
    let body = uri.trim().split_once(':').map_or("", |(_, rest)| rest);
    let body = body.trim_start_matches('/');
    if let Some(at) = body.rfind('@') {
        let userinfo = &body[..at];
        let mut pieces: Vec<&str> = userinfo
            .split([':', '?', '/', '#', '&', '='])
            .filter(|p| !p.is_empty())
            .collect();
        pieces.push(userinfo);
        // Longest first, so a piece inside another is not replaced half-way.
        pieces.sort_by_key(|p| std::cmp::Reverse(p.len()));
        for piece in pieces {
            out = out.replace(piece, "***");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_password_survives_redaction() {
        for (text, want) in [
            (
                "mongodb://admin:s3cr?etPW@localhost/db",
                "mongodb://***@localhost/db",
            ),
            ("MONGODB://admin:hunter2@h:27017", "MONGODB://***@h:27017"),
            (
                " mongodb+srv://u:p@cluster.x/y?retryWrites=true",
                " mongodb+srv://***@cluster.x/y?retryWrites=true",
            ),
            ("mongodb:/admin:pw@localhost/x", "mongodb:/***@localhost/x"),
            (
                "error parsing `mongodb://a:b@c` at 3",
                "error parsing `mongodb://***@c` at 3",
            ),
            (
                "postgres://x:y@h and http://plain.host/p",
                "postgres://***@h and http://plain.host/p",
            ),
            ("no uri here: 12:30", "no uri here: 12:30"),
        ] {
            assert_eq!(redact_secrets(text), want, "{text}");
        }
        let uri = "mongodb://admin:s3cr?etPW@localhost/db";
        let msg = "invalid server address admin:s3cr: got s3cr; etPW";
        let shown = redact_uri_message(msg, uri);
        assert!(
            !shown.contains("s3cr") && !shown.contains("etPW"),
            "{shown}"
        );
        assert!(is_mongodb_uri("  MONGODB://admin:hunter2@h"));
        assert!(is_mongodb_uri("mongodb:/x"));
        assert!(is_mongodb_uri("MongoDB+SRV://h"));
        assert!(!is_mongodb_uri("./data/mongodb-dump"));
        assert!(!is_mongodb_uri("data"));
        assert_eq!(normalize_mongodb_uri(" MONGODB://h/x "), "mongodb://h/x");
    }
}
