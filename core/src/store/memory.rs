//! The in-memory store: every valid record of every collection in typed vectors sorted by date, so a
//! ranged scan is two binary searches and a slice walk. It is filled through [`InMemoryStoreBuilder`], from
//! the mongoexport loader, the synthetic generator, or any code that has BSON documents.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::RwLock;

use bson::oid::ObjectId;
use bson::{Bson, Document};
use chrono::{DateTime, Utc};

use super::*;
use crate::calendar::TimeRange;
use crate::model::decode::{decode_with_warnings, dedupe_key, DecodeContext, DedupeKey};
use crate::quality::{Invalid, InvalidReason, QualityTally};
use crate::Error;

/// The valid records, one vector per collection.
#[derive(Debug, Default, Clone)]
pub(crate) struct Tables {
    users: Vec<User>,
    transactions: Vec<Transaction>,
    livestreams: Vec<Livestream>,
    messages: Vec<Message>,
    stakes: Vec<GameStake>,
    rounds: Vec<GameRound>,
    flags: Vec<ModerationFlag>,
    events: Vec<AnalyticsEvent>,
}

impl Tables {
    fn push(&mut self, record: Record) {
        match record {
            Record::User(r) => self.users.push(r),
            Record::Transaction(r) => self.transactions.push(r),
            Record::Livestream(r) => self.livestreams.push(r),
            Record::Message(r) => self.messages.push(r),
            Record::GameStake(r) => self.stakes.push(r),
            Record::GameRound(r) => self.rounds.push(r),
            Record::ModerationFlag(r) => self.flags.push(r),
            Record::AnalyticsEvent(r) => self.events.push(r),
        }
    }

    fn append(&mut self, other: &mut Tables) {
        self.users.append(&mut other.users);
        self.transactions.append(&mut other.transactions);
        self.livestreams.append(&mut other.livestreams);
        self.messages.append(&mut other.messages);
        self.stakes.append(&mut other.stakes);
        self.rounds.append(&mut other.rounds);
        self.flags.append(&mut other.flags);
        self.events.append(&mut other.events);
    }

    /// Stable sorts keep the input order among equal dates, so loading is deterministic.
    fn sort(&mut self) {
        self.users.sort_by_key(|r| r.created_at);
        self.transactions.sort_by_key(|r| r.created_at);
        self.livestreams.sort_by_key(|r| r.created_at);
        self.messages.sort_by_key(|r| r.created_at);
        self.stakes.sort_by_key(|r| r.created_at);
        self.rounds.sort_by_key(|r| r.start_at);
        self.flags.sort_by_key(|r| r.created_at);
        self.events.sort_by_key(|r| r.timestamp);
    }
}

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
    collection: Collection,
    ctx: DecodeContext,
    tally: QualityTally,
    seen: HashSet<DedupeKey>,
    tables: Tables,
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
        let quality = quality_report(&tables, tallies);
        let mut rounds_by_id = HashMap::with_capacity(tables.rounds.len());
        for (i, r) in tables.rounds.iter().enumerate() {
            rounds_by_id.insert(r.round_id.clone().into_boxed_str(), i);
        }
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
            &t.events,
            |x| tagged(x.country),
            |x| x.country.or_else(|| x.user_id.as_ref().and_then(of_user)),
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
    rounds_by_id: HashMap<Box<str>, usize>,
    flags_by_review: Vec<usize>,
    quality: QualityReport,
    documents: RwLock<HashMap<&'static str, DocTable>>,
    max_documents_per_collection: usize,
}

/// The analytics documents of one collection: by key, and in the order they were put, so that the
/// oldest can be evicted in amortised constant time.
#[derive(Debug, Default)]
struct DocTable {
    /// Each document, with the insertion number it was last put with.
    by_key: BTreeMap<DocKey, (u64, SharedDoc)>,
    /// `(insertion number, key)`, oldest first. An entry whose number is no longer its key's (the
    /// document was replaced or deleted since) is stale: skipped, and dropped by [`DocTable::compact`].
    order: VecDeque<(u64, DocKey)>,
    /// The next insertion number.
    next: u64,
}

impl DocTable {
    /// Inserts or replaces; either way the document becomes the newest.
    fn insert(&mut self, key: DocKey, doc: SharedDoc) {
        let n = self.next;
        self.next += 1;
        self.order.push_back((n, key.clone()));
        self.by_key.insert(key, (n, doc));
    }

    fn is_live(&self, n: u64, key: &DocKey) -> bool {
        self.by_key.get(key).is_some_and(|(m, _)| *m == n)
    }

    /// Evicts the oldest documents until at most `max` are left.
    fn evict_to(&mut self, max: usize) {
        while self.by_key.len() > max {
            let Some((n, key)) = self.order.pop_front() else {
                return;
            };
            if self.is_live(n, &key) {
                self.by_key.remove(&key);
            }
        }
    }

    /// Drops the stale entries of `order` once they outnumber the live ones: each pass is paid for by
    /// the puts and deletes that made as many entries stale, so `order` stays within twice the table.
    fn compact(&mut self) {
        if self.order.len() > 2 * self.by_key.len() + 64 {
            let order = std::mem::take(&mut self.order);
            self.order = order
                .into_iter()
                .filter(|(n, k)| self.is_live(*n, k))
                .collect();
        }
    }
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

    /// All valid analytics events, by `timestamp`.
    pub fn analytics_events(&self) -> &[AnalyticsEvent] {
        &self.tables.events
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
            Collection::Analyticsevents => walk!(t.events, AnalyticsEvent, |x| Some(x.timestamp)),
        }
        Ok(())
    }

    fn game_rounds(&self, round_ids: &[&str], visit: &mut dyn FnMut(&GameRound)) -> Result<()> {
        let mut done = HashSet::with_capacity(round_ids.len());
        for id in round_ids {
            if let Some(&i) = self.rounds_by_id.get(*id) {
                if done.insert(i) {
                    visit(&self.tables.rounds[i]);
                }
            }
        }
        Ok(())
    }

    fn quality_report(&self) -> Result<QualityReport> {
        Ok(self.quality.clone())
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

    fn find_documents(&self, spec: &DocSpec, filter: &DocFilter) -> Result<Vec<StoredDoc>> {
        let resolved = filter.resolve(spec)?;
        let all = self.documents.read().map_err(|_| Self::lock_error(spec))?;
        Ok(all
            .get(spec.collection)
            .map(|c| {
                c.by_key
                    .iter()
                    .filter(|(k, _)| DocFilter::matches_resolved(&resolved, k))
                    .map(|(_, (_, d))| StoredDoc::Shared(d.clone()))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests fail loudly on purpose

    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::store::{AnalyticsDoc, AnalyticsStore};

    /// A recomputable document, like a daily rollup.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Cached {
        day: i64,
        value: i64,
    }

    impl AnalyticsDoc for Cached {
        const SPEC: DocSpec = DocSpec {
            collection: "testcached",
            key_fields: &["day"],
            key_index: "day_1",
            retired_indexes: &[],
            indexes: &[],
            evictable: true,
        };
        fn key(&self) -> DocKey {
            DocKey(vec![self.day.into()])
        }
    }

    /// A document that is no cache (schedule state, say): never evicted.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Kept {
        day: i64,
    }

    impl AnalyticsDoc for Kept {
        const SPEC: DocSpec = DocSpec {
            collection: "testkept",
            key_fields: &["day"],
            key_index: "day_1",
            retired_indexes: &[],
            indexes: &[],
            evictable: false,
        };
        fn key(&self) -> DocKey {
            DocKey(vec![self.day.into()])
        }
    }

    fn store(max: usize) -> InMemoryStore {
        InMemoryStoreBuilder::new()
            .max_documents_per_collection(max)
            .build()
    }

    fn cached(day: i64, value: i64) -> Cached {
        Cached { day, value }
    }

    fn days(store: &InMemoryStore) -> Vec<i64> {
        let docs: Vec<Cached> = store.find_docs(&DocFilter::all()).unwrap();
        docs.iter().map(|d| d.day).collect()
    }

    fn order_len(store: &InMemoryStore, collection: &str) -> usize {
        store.documents.read().unwrap()[collection].order.len()
    }

    #[test]
    fn the_default_bound_is_100_000_documents_per_collection() {
        let store = InMemoryStoreBuilder::new().build();
        assert_eq!(store.max_documents_per_collection, 100_000);
        assert_eq!(
            InMemoryStoreBuilder::DEFAULT_MAX_DOCUMENTS_PER_COLLECTION,
            100_000
        );
    }

    #[test]
    fn evictable_documents_beyond_the_bound_are_evicted_oldest_inserted_first() {
        let store = store(3);
        // Inserted out of key order: eviction follows insertion, results still come by key.
        for day in [5, 1, 4, 2, 3] {
            store.put_docs(&[cached(day, 0)]).unwrap();
        }
        assert_eq!(days(&store), [2, 3, 4]);
        // One put larger than the bound keeps its last documents.
        store
            .put_docs(&(10..20).map(|d| cached(d, 0)).collect::<Vec<_>>())
            .unwrap();
        assert_eq!(days(&store), [17, 18, 19]);
    }

    #[test]
    fn a_replaced_document_counts_as_newly_inserted() {
        let store = store(3);
        store
            .put_docs(&[cached(1, 0), cached(2, 0), cached(3, 0)])
            .unwrap();
        store.put_docs(&[cached(1, 7)]).unwrap(); // 1 is now the newest
        store.put_docs(&[cached(4, 0)]).unwrap(); // evicts 2, the oldest
        assert_eq!(days(&store), [1, 3, 4]);
        let one: Option<Cached> = store.get_doc(&DocKey(vec![1i64.into()])).unwrap();
        assert_eq!(one, Some(cached(1, 7)));
    }

    #[test]
    fn deleted_documents_leave_room_and_are_never_evicted_twice() {
        let store = store(3);
        store
            .put_docs(&[cached(1, 0), cached(2, 0), cached(3, 0)])
            .unwrap();
        let removed = store
            .delete_docs::<Cached>(&DocFilter::all().eq("day", 2i64))
            .unwrap();
        assert_eq!(removed, 1);
        store.put_docs(&[cached(4, 0)]).unwrap(); // room left by the delete: nothing evicted
        assert_eq!(days(&store), [1, 3, 4]);
        store.put_docs(&[cached(2, 0)]).unwrap(); // evicts 1; the stale entry of the old 2 is skipped
        assert_eq!(days(&store), [2, 3, 4]);
        store.put_docs(&[cached(5, 0)]).unwrap(); // evicts 3, not the new 2
        assert_eq!(days(&store), [2, 4, 5]);
    }

    #[test]
    fn documents_that_are_not_evictable_are_never_dropped() {
        let store = store(3);
        let kept: Vec<Kept> = (0..10).map(|day| Kept { day }).collect();
        store.put_docs(&kept).unwrap();
        store
            .put_docs(&(0..10).map(|d| cached(d, 0)).collect::<Vec<_>>())
            .unwrap();
        assert_eq!(
            store.find_docs::<Kept>(&DocFilter::all()).unwrap().len(),
            10
        );
        assert_eq!(days(&store), [7, 8, 9]);
    }

    #[test]
    fn the_insertion_order_stays_proportional_to_the_documents_kept() {
        // Replacing one document over and over, or writing and deleting generations, leaves stale
        // entries behind; they are dropped before they outnumber the live ones.
        let store = store(1_000);
        for value in 0..10_000 {
            store.put_docs(&[cached(1, value)]).unwrap();
        }
        assert!(order_len(&store, "testcached") <= 2 + 64);
        for generation in 0..100 {
            let docs: Vec<Cached> = (0..50).map(|d| cached(generation * 100 + d, 0)).collect();
            store.put_docs(&docs).unwrap();
            store
                .delete_docs::<Cached>(&DocFilter::all().with(
                    "day",
                    Condition::Between(None, Some((generation * 100 - 1).into())),
                ))
                .unwrap();
        }
        assert_eq!(days(&store).len(), 50);
        assert!(order_len(&store, "testcached") <= 2 * 50 + 64);
        // Eviction is still exact after compactions: 0, rewritten in every round, is among the newest.
        let store = store_with_many_replacements();
        assert_eq!(days(&store), [0, 99, 100]);
    }

    fn store_with_many_replacements() -> InMemoryStore {
        let store = store(3);
        for round in 0..100 {
            store
                .put_docs(&[cached(0, round), cached(round, 0)])
                .unwrap();
        }
        store.put_docs(&[cached(100, 0)]).unwrap();
        store
    }
}
