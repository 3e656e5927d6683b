//! The in-memory store: every valid record of every collection in typed vectors sorted by date, so a
//! ranged scan is two binary searches and a slice walk. It is filled through [`InMemoryStoreBuilder`], from
//! the mongoexport loader, the synthetic generator, or any code that has BSON documents.

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

use bson::oid::ObjectId;
use bson::Document;
use chrono::{DateTime, Utc};

use super::*;

mod batch;
mod documents;
pub(crate) mod ingest;
mod tables;
#[cfg(test)]
mod tests;

use crate::calendar::TimeRange;
use crate::model::decode::DecodeContext;
use crate::quality::QualityTally;
use crate::Error;
pub(crate) use batch::Batch;
use documents::DocTable;
pub use ingest::MAX_NESTING;
pub(crate) use ingest::{CollectionIngest, Parsed};
pub(crate) use tables::Tables;

/// Fills an [`InMemoryStore`]: takes raw documents, validates them, drops duplicates, counts everything.
///
/// ```
/// use bson::{doc, oid::ObjectId, DateTime};
/// use halobuzz_analytics::store::{DocumentSink, InMemoryStoreBuilder, StoreExt};
/// use halobuzz_analytics::{model::User, Collection};
///
/// let mut builder = InMemoryStoreBuilder::new();
/// let id = ObjectId::new();
/// builder.accept(Collection::Users, doc! { "_id": id, "createdAt": DateTime::now(), "country": "np" })?;
/// builder.accept(Collection::Users, doc! { "_id": id, "createdAt": DateTime::now() })?; // duplicate
/// builder.accept(Collection::Users, doc! { "_id": ObjectId::new() })?; // no createdAt: invalid
/// let store = builder.build();
///
/// let mut countries = Vec::new();
/// store.each::<User>(None, |u| countries.push(u.country.map(|c| c.to_string())))?;
/// assert_eq!(countries, [Some("NP".to_string())]);
/// let users = store.quality().collection(Collection::Users).unwrap();
/// assert_eq!((users.read, users.valid, users.invalid, users.duplicates), (3, 1, 1, 1));
/// # Ok::<(), halobuzz_analytics::Error>(())
/// ```
#[derive(Debug)]
pub struct InMemoryStoreBuilder {
    ingests: Vec<CollectionIngest>,
    max_documents_per_collection: usize,
}

impl Default for InMemoryStoreBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemoryStoreBuilder {
    /// A builder that judges dates against the current time.
    pub fn new() -> Self {
        Self::with_context(DecodeContext::now())
    }

    /// The default of [`InMemoryStoreBuilder::max_documents_per_collection`].
    pub const DEFAULT_MAX_DOCUMENTS_PER_COLLECTION: usize = 100_000;

    /// A builder with an explicit decode context (a fixed `now`, for reproducible validation).
    pub fn with_context(ctx: DecodeContext) -> Self {
        InMemoryStoreBuilder {
            ingests: Collection::ALL
                .iter()
                .map(|&c| CollectionIngest::new(c, ctx))
                .collect(),
            max_documents_per_collection: Self::DEFAULT_MAX_DOCUMENTS_PER_COLLECTION,
        }
    }

    /// Bounds the analytics documents the store keeps per collection (default
    /// [`DEFAULT_MAX_DOCUMENTS_PER_COLLECTION`](Self::DEFAULT_MAX_DOCUMENTS_PER_COLLECTION)): a put that
    /// takes an [evictable](DocSpec::evictable) collection beyond it evicts that collection's
    /// oldest-inserted documents (a replaced document counts as inserted when it was replaced), which
    /// are recomputed on demand. Collections that are not evictable are never trimmed.
    #[must_use]
    pub fn max_documents_per_collection(mut self, max: usize) -> Self {
        self.max_documents_per_collection = max;
        self
    }

    fn ingest(&mut self, collection: Collection) -> &mut CollectionIngest {
        // `ingests` holds one entry per collection, in `Collection::ALL` order.
        let i = Collection::ALL
            .iter()
            .position(|&c| c == collection)
            .unwrap_or_default();
        &mut self.ingests[i]
    }

    /// Takes one line of a mongoexport file of `collection`; `line` is its 1-based number.
    pub fn accept_json_line(&mut self, collection: Collection, text: &str, line: u64) {
        self.ingest(collection).accept_json_line(text, line);
    }

    /// Installs the state of one collection filled elsewhere (the loader); the builder must not have read
    /// that collection yet.
    pub(crate) fn put_ingest(&mut self, ingest: CollectionIngest) {
        let collection = ingest.collection;
        *self.ingest(collection) = ingest;
    }

    /// Sorts, indexes and finishes the quality report.
    pub fn build(self) -> InMemoryStore {
        let mut tables = Tables::default();
        let mut tallies = Vec::with_capacity(self.ingests.len());
        for mut ingest in self.ingests {
            tables.append(&mut ingest.tables);
            tallies.push(ingest.tally);
        }
        tables.sort();
        // The span of each collection's dates is that of its sorted records, which the ingests need
        // not follow document by document.
        for (tally, span) in tallies.iter_mut().zip(tables.date_spans()) {
            tally.set_date_span(span);
        }
        let quality = quality_report(&tables, tallies);
        let rounds_by_id = tables.round_index();
        let mut flags_by_review: Vec<usize> = (0..tables.flags.len())
            .filter(|&i| tables.flags[i].reviewed_at.is_some())
            .collect();
        flags_by_review.sort_by_key(|&i| tables.flags[i].reviewed_at);
        InMemoryStore {
            tables,
            rounds_by_id,
            flags_by_review,
            quality,
            documents: RwLock::new(HashMap::new()),
            max_documents_per_collection: self.max_documents_per_collection,
        }
    }
}

impl DocumentSink for InMemoryStoreBuilder {
    fn accept(&mut self, collection: Collection, doc: Document) -> Result<()> {
        self.ingest(collection).accept_document(&doc, None);
        Ok(())
    }
}

/// The country shares need the users, so they are computed once everything is read.
fn quality_report(t: &Tables, tallies: Vec<QualityTally>) -> QualityReport {
    let user_country: HashMap<ObjectId, Option<Country>> =
        t.users.iter().map(|u| (u.id, u.country)).collect();
    let of_user = |id: &ObjectId| user_country.get(id).copied().flatten();
    // (own country, user) per document; `None` own-field means the collection has no country field.
    fn shares<'a, T: 'a>(
        items: &'a [T],
        own: impl Fn(&T) -> Option<Option<Country>>,
        resolved: impl Fn(&T) -> Option<Country>,
    ) -> (Option<f64>, Option<f64>) {
        if items.is_empty() {
            return (None, None);
        }
        let n = items.len() as f64;
        let unknown = items
            .iter()
            .filter(|x| resolved(x).is_none_or(|c| !c.is_recognised()))
            .count() as f64;
        let has_field = items.first().map(&own).is_some_and(|o| o.is_some());
        let own_missing = has_field
            .then(|| items.iter().filter(|x| own(x).flatten().is_none()).count() as f64 / n);
        (Some(unknown / n), own_missing)
    }
    let tagged = |c: Option<Country>| Some(c);
    let by_collection: [(Option<f64>, Option<f64>); 8] = [
        shares(&t.users, |u| tagged(u.country), |u| u.country),
        shares(
            &t.transactions,
            |x| tagged(x.country),
            |x| x.country.or_else(|| of_user(&x.user_id)),
        ),
        shares(
            &t.livestreams,
            |x| tagged(x.country),
            |x| x.country.or_else(|| of_user(&x.host_id)),
        ),
        // Messages have no country of their own: only their author's.
        shares(&t.messages, |_| None, |x| of_user(&x.user_id)),
        shares(
            &t.stakes,
            |x| tagged(x.country),
            |x| x.country.or_else(|| of_user(&x.user_id)),
        ),
        (None, None),
        shares(
            &t.flags,
            |x| tagged(x.country),
            |x| x.country.or_else(|| of_user(&x.user_id)),
        ),
        shares(
            &t.events.rows,
            |x| tagged(x.country()),
            |x| {
                x.country()
                    .or_else(|| x.user_id().as_ref().and_then(of_user))
            },
        ),
    ];
    QualityReport {
        collections: tallies
            .into_iter()
            .zip(by_collection)
            .map(|(tally, (missing, own))| tally.finish(missing, own))
            .collect(),
    }
}

/// The embedded default store: every valid record in memory, sorted by date.
///
/// Reads are lock-free; analytics documents sit behind a read-write lock, so one store can be shared by
/// many threads (`Arc<InMemoryStore>`). Documents are kept as the typed values they were stored as (a
/// report reads a rollup's shared facts without decoding or copying them), sorted by key per collection.
/// A collection of [evictable](DocSpec::evictable) documents keeps at most
/// [`InMemoryStoreBuilder::max_documents_per_collection`] of them, the most recently put.
#[derive(Debug)]
pub struct InMemoryStore {
    tables: Tables,
    /// The positions of the rounds, sorted by `roundId`.
    rounds_by_id: Vec<u32>,
    flags_by_review: Vec<usize>,
    quality: QualityReport,
    documents: RwLock<HashMap<&'static str, DocTable>>,
    max_documents_per_collection: usize,
}

/// The sub-slice of `items` (sorted by `date`) whose date is in `range`.
fn slice_in<'a, T>(
    items: &'a [T],
    range: Option<&TimeRange>,
    date: impl Fn(&T) -> Option<DateTime<Utc>>,
) -> &'a [T] {
    match range {
        None => items,
        Some(r) => {
            // Records without the date sort first (None < Some) and fall outside any range.
            let lo = items.partition_point(|x| date(x).is_none_or(|d| d < r.start));
            let hi = items.partition_point(|x| date(x).is_none_or(|d| d < r.end));
            &items[lo..hi.max(lo)]
        }
    }
}

impl InMemoryStore {
    /// The data-quality report of everything that was read into this store.
    pub fn quality(&self) -> &QualityReport {
        &self.quality
    }

    /// All valid users, by signup instant.
    pub fn users(&self) -> &[User] {
        &self.tables.users
    }

    /// All valid transactions, by `createdAt`.
    pub fn transactions(&self) -> &[Transaction] {
        &self.tables.transactions
    }

    /// All valid livestreams, by `createdAt`.
    pub fn livestreams(&self) -> &[Livestream] {
        &self.tables.livestreams
    }

    /// All valid messages, by `createdAt`.
    pub fn messages(&self) -> &[Message] {
        &self.tables.messages
    }

    /// All valid game stakes, by `createdAt`.
    pub fn game_stakes(&self) -> &[GameStake] {
        &self.tables.stakes
    }

    /// All valid game rounds, by `startAt` (rounds without one first).
    pub fn game_round_list(&self) -> &[GameRound] {
        &self.tables.rounds
    }

    /// All valid moderation flags, by `createdAt`.
    pub fn moderation_flags(&self) -> &[ModerationFlag] {
        &self.tables.flags
    }

    /// All valid analytics events, by `timestamp` (rebuilt from the compact rows the store keeps).
    pub fn analytics_events(&self) -> Vec<AnalyticsEvent> {
        let events = &self.tables.events;
        events.rows.iter().map(|r| events.event(r)).collect()
    }

    /// Number of valid records over all collections.
    pub fn len(&self) -> usize {
        self.quality.total_valid() as usize
    }

    /// Whether the store holds no record at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock_error(spec: &DocSpec) -> Error {
        Error::storage(
            spec.collection,
            "a writer panicked while holding the analytics documents' lock",
        )
    }

    /// Checks that a key has one value per key field (a capability's `key()` that disagrees with its
    /// spec is a bug, reported rather than stored under a malformed key).
    fn check_key(spec: &DocSpec, key: &DocKey) -> Result<()> {
        if key.0.len() == spec.key_fields.len() {
            Ok(())
        } else {
            Err(Error::Internal(format!(
                "a `{}` key has {} values for the key fields {:?}",
                spec.collection,
                key.0.len(),
                spec.key_fields
            )))
        }
    }
}

impl Store for InMemoryStore {
    fn scan(&self, scan: &Scan, visit: &mut dyn FnMut(RecordRef<'_>)) -> Result<()> {
        let t = &self.tables;
        let range = scan.range.as_ref();
        if scan.date_field == DateField::ReviewedAt {
            if scan.collection != Collection::Moderationflags {
                return Err(Error::invalid_argument(
                    "scan",
                    format!("`{}` has no reviewedAt date", scan.collection),
                ));
            }
            let idx = slice_in(&self.flags_by_review, range, |&i| t.flags[i].reviewed_at);
            idx.iter()
                .for_each(|&i| visit(RecordRef::ModerationFlag(&t.flags[i])));
            return Ok(());
        }
        macro_rules! walk {
            ($items:expr, $variant:ident, $date:expr) => {
                slice_in(&$items, range, $date)
                    .iter()
                    .for_each(|x| visit(RecordRef::$variant(x)))
            };
        }
        match scan.collection {
            Collection::Users => walk!(t.users, User, |x| Some(x.created_at)),
            Collection::Transactions => walk!(t.transactions, Transaction, |x| Some(x.created_at)),
            Collection::Livestreams => walk!(t.livestreams, Livestream, |x| Some(x.created_at)),
            Collection::Messages => walk!(t.messages, Message, |x| Some(x.created_at)),
            Collection::Gamestakes => walk!(t.stakes, GameStake, |x| Some(x.created_at)),
            Collection::Gamerounds => walk!(t.rounds, GameRound, |x| x.start_at),
            Collection::Moderationflags => walk!(t.flags, ModerationFlag, |x| Some(x.created_at)),
            Collection::Analyticsevents => {
                slice_in(&t.events.rows, range, |x| Some(x.timestamp()))
                    .iter()
                    .for_each(|x| visit(RecordRef::AnalyticsEvent(&t.events.event(x))));
            }
        }
        Ok(())
    }

    fn game_rounds(&self, round_ids: &[&str], visit: &mut dyn FnMut(&GameRound)) -> Result<()> {
        let rounds = &self.tables.rounds;
        let round = |i: u32| rounds.get(i as usize);
        let mut done = HashSet::with_capacity(round_ids.len());
        for id in round_ids {
            let found = self
                .rounds_by_id
                .binary_search_by(|&i| round(i).map(|r| r.round_id.as_str()).cmp(&Some(*id)));
            if let Ok(at) = found {
                let i = self.rounds_by_id.get(at).copied();
                if let Some(r) = i.filter(|&i| done.insert(i)).and_then(round) {
                    visit(r);
                }
            }
        }
        Ok(())
    }

    fn quality_report(&self) -> Result<QualityReport> {
        Ok(self.quality.clone())
    }

    fn reads_in_process(&self) -> bool {
        true
    }

    fn put_documents(&self, spec: &DocSpec, docs: &[(DocKey, SharedDoc)]) -> Result<()> {
        for (key, _) in docs {
            Self::check_key(spec, key)?;
        }
        let mut all = self.documents.write().map_err(|_| Self::lock_error(spec))?;
        let collection = all.entry(spec.collection).or_default();
        for (key, doc) in docs {
            collection.insert(key.clone(), doc.clone());
        }
        if spec.evictable {
            collection.evict_to(self.max_documents_per_collection);
        }
        collection.compact();
        Ok(())
    }

    fn insert_documents(&self, spec: &DocSpec, docs: &[(DocKey, SharedDoc)]) -> Result<Vec<usize>> {
        for (key, _) in docs {
            Self::check_key(spec, key)?;
        }
        let mut all = self.documents.write().map_err(|_| Self::lock_error(spec))?;
        let collection = all.entry(spec.collection).or_default();
        let mut taken = Vec::new();
        for (i, (key, doc)) in docs.iter().enumerate() {
            if !collection.insert_new(key, doc, spec.evictable) {
                taken.push(i);
            }
        }
        if spec.evictable {
            collection.evict_to(self.max_documents_per_collection);
        }
        collection.compact();
        Ok(taken)
    }

    fn find_documents(&self, spec: &DocSpec, filter: &DocFilter) -> Result<Vec<StoredDoc>> {
        let resolved = filter.resolve(spec)?;
        let all = self.documents.read().map_err(|_| Self::lock_error(spec))?;
        Ok(all
            .get(spec.collection)
            .map(|c| {
                c.find(&resolved)
                    .into_iter()
                    .map(StoredDoc::Shared)
                    .collect()
            })
            .unwrap_or_default())
    }

    fn delete_documents(&self, spec: &DocSpec, filter: &DocFilter) -> Result<u64> {
        let resolved = filter.resolve(spec)?;
        let mut all = self.documents.write().map_err(|_| Self::lock_error(spec))?;
        let Some(c) = all.get_mut(spec.collection) else {
            return Ok(0);
        };
        let before = c.by_key.len();
        c.by_key
            .retain(|k, _| !DocFilter::matches_resolved(&resolved, k));
        let removed = before - c.by_key.len();
        c.compact();
        Ok(removed as u64)
    }
}
