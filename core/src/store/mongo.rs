//! The MongoDB store (cargo feature `mongodb`): reads the platform's raw collections straight from a
//! MongoDB (or MongoDB-wire-compatible) server and writes daily rollups back to `analyticsdailykpis`.
//!
//! Reads are ranged `find`s with a server-side `{<dateField>: {$gte, $lt}}` filter and a projection of
//! exactly the fields of `shared/spec/DATA.md` (nothing private ever crosses the wire); cursors are
//! streamed in batches and every document goes through the same validating decoder as the mongoexport
//! loader (`docs/data-contract.md`), so invalid documents are skipped here and counted by
//! [`Store::quality_report`], which is a full validating pass computed on request. See `docs/scaling.md`.
//!
//! Where a database differs from a mongoexport file, on purpose or by nature: MongoDB keeps one document per
//! `_id` and gives every document one, so the report never shows `_id` duplicates or missing `_id`s (only
//! `gamerounds` can repeat its key, `roundId`); and the projection asks for sub-fields (`metadata.country`),
//! so a parent that is not a document (`metadata: "x"`) comes back absent and the document is judged as if
//! it had no such field, where the loader reports `wrong_type` on the parent.
//!
//! The [`Store`] trait is synchronous: the store owns a tokio runtime, created in [`MongoStore::connect`]
//! (never at import time: tokio misbehaves after `fork()`), and blocks on it. Do not call the store from a
//! thread that is itself driving a tokio runtime.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use bson::{doc, Bson, Document, RawDocument, RawDocumentBuf};
use chrono::{DateTime, NaiveDate, Utc};
use mongodb::error::{ErrorKind, WriteFailure};
use mongodb::options::{ClientOptions, IndexOptions};
use mongodb::{Client, Database, IndexModel};

use super::memory::{CollectionIngest, Parsed};
use super::*;
use crate::model::decode::{decode, dedupe_key, DecodeContext};
use crate::store::AuthorMessages;
use crate::Error;

/// The database used when neither the caller nor the URI names one.
pub const DEFAULT_DATABASE: &str = "halobuzz";

/// The name of the unique index of `analyticsdailykpis`.
const ROLLUP_INDEX: &str = "appId_1_date_1_country_1";

/// The earliest valid date, 2000-01-01T00:00:00Z, in milliseconds (`docs/data-contract.md`).
const MIN_VALID_MILLIS: i64 = 946_684_800_000;

/// MongoDB's duplicate-key error code (a second document with an existing `_id`).
const DUPLICATE_KEY: i32 = 11000;

/// How to connect and read.
#[derive(Debug, Clone, Copy)]
pub struct MongoStoreOptions {
    /// How long to wait for a reachable server (server selection and TCP connect) before failing; a
    /// `serverSelectionTimeoutMS` / `connectTimeoutMS` in the URI wins.
    pub connect_timeout: Duration,
    /// How long one round trip (a batch of a cursor, a write) may take before the operation fails.
    pub operation_timeout: Duration,
    /// Documents per cursor batch: memory is bounded by one batch, whatever the collection's size.
    pub batch_size: u32,
    /// Validation context (dates after `now + 1 day` are invalid); `None`: the wall clock at each read.
    pub context: Option<DecodeContext>,
    /// Count messages per author and day on the server ([`Store::messages_by_author`]) instead of moving
    /// every message; the results are the same (the tests compare both paths).
    pub push_down: bool,
}

impl Default for MongoStoreOptions {
    fn default() -> Self {
        MongoStoreOptions {
            connect_timeout: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(60),
            batch_size: 2000,
            context: None,
            push_down: true,
        }
    }
}

/// Bytes and documents received from the server since the store was opened (for measurements).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MongoReadStats {
    /// Documents received.
    pub documents: u64,
    /// Their total BSON size in bytes.
    pub bytes: u64,
}

/// Whether a URI names a MongoDB deployment (`mongodb://` or `mongodb+srv://`) rather than a directory.
pub fn is_mongodb_uri(s: &str) -> bool {
    s.starts_with("mongodb://") || s.starts_with("mongodb+srv://")
}

/// The store over one database of a MongoDB deployment. `Send + Sync`: share it with `Arc`.
pub struct MongoStore {
    db: Database,
    /// The URI's hosts, for error messages (the URI itself may hold a password).
    hosts: String,
    options: MongoStoreOptions,
    index_ready: AtomicBool,
    documents_read: AtomicU64,
    bytes_read: AtomicU64,
    /// Declared last: dropped after the client has been shut down on it (see `Drop`).
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for MongoStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MongoStore")
            .field("hosts", &self.hosts)
            .field("database", &self.db.name())
            .finish_non_exhaustive()
    }
}

/// The fields of DATA.md per collection: the projection of every read.
fn projection(collection: Collection) -> Document {
    let fields: &[&str] = match collection {
        Collection::Users => &[
            "_id",
            "createdAt",
            "country",
            "username",
            "ogLevel",
            "isBanned",
        ],
        Collection::Transactions => &[
            "_id",
            "userId",
            "type",
            "amount",
            "currency",
            "status",
            "paymentMethod",
            "fees",
            "metadata.amountPaid",
            "metadata.currency",
            "metadata.ogTier",
            "metadata.streamId",
            "metadata.country",
            "createdAt",
        ],
        Collection::Livestreams => &[
            "_id",
            "hostId",
            "status",
            "startedAt",
            "endedAt",
            "duration",
            "totalViewers",
            "peakViewers",
            "totalGifts",
            "totalCoins",
            "totalLikes",
            "totalComments",
            "country",
            "createdAt",
        ],
        Collection::Messages => &["_id", "userId", "roomId", "isDeleted", "createdAt"],
        Collection::Gamestakes => &[
            "_id",
            "userId",
            "gameId",
            "roundId",
            "stakeAmount",
            "winAmount",
            "result",
            "metadata.country",
            "createdAt",
        ],
        Collection::Gamerounds => &["_id", "roundId", "startAt", "endAt", "durationSec"],
        Collection::Moderationflags => &[
            "_id",
            "userId",
            "contentType",
            "action",
            "status",
            "reviewedAt",
            "metadata.country",
            "createdAt",
        ],
        Collection::Analyticsevents => &[
            "_id",
            "userId",
            "eventType",
            "eventName",
            "timestamp",
            "sessionId",
            "properties.durationSec",
            "location.country",
        ],
    };
    fields
        .iter()
        .map(|f| ((*f).to_owned(), Bson::Int32(1)))
        .collect()
}

fn bson_date(t: DateTime<Utc>) -> Bson {
    Bson::DateTime(bson::DateTime::from_millis(t.timestamp_millis()))
}

fn record_ref(r: &Record) -> RecordRef<'_> {
    match r {
        Record::User(x) => RecordRef::User(x),
        Record::Transaction(x) => RecordRef::Transaction(x),
        Record::Livestream(x) => RecordRef::Livestream(x),
        Record::Message(x) => RecordRef::Message(x),
        Record::GameStake(x) => RecordRef::GameStake(x),
        Record::GameRound(x) => RecordRef::GameRound(x),
        Record::ModerationFlag(x) => RecordRef::ModerationFlag(x),
        Record::AnalyticsEvent(x) => RecordRef::AnalyticsEvent(x),
    }
}

/// A raw BSON document from the server as a `Document`; `Err` when it cannot be read (invalid UTF-8, say),
/// which the quality report counts as malformed.
fn to_document(raw: &RawDocument) -> std::result::Result<Document, String> {
    Document::try_from(raw).map_err(|e| format!("unreadable BSON from the server: {e}"))
}

impl MongoStore {
    /// Connects to `uri` (`mongodb://…` or `mongodb+srv://…`) and checks the server answers (`ping`).
    /// `database`: the database of the platform's collections; `None` takes the URI's path, else
    /// [`DEFAULT_DATABASE`].
    pub fn connect(uri: &str, database: Option<&str>) -> Result<MongoStore> {
        Self::connect_with(uri, database, MongoStoreOptions::default())
    }

    /// [`MongoStore::connect`] with explicit options.
    pub fn connect_with(
        uri: &str,
        database: Option<&str>,
        options: MongoStoreOptions,
    ) -> Result<MongoStore> {
        let fail = |reason: String| Error::Storage {
            collection: "(connection)".to_owned(),
            reason,
        };
        if !is_mongodb_uri(uri) {
            return Err(Error::invalid_argument(
                "MongoDB URI",
                "expected mongodb://host[:port]/[database] or mongodb+srv://host/[database]",
            ));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("halobuzz-mongo")
            .enable_all()
            .build()
            .map_err(|e| fail(format!("cannot start the MongoDB I/O runtime: {e}")))?;
        let mut client_options = runtime
            .block_on(async { ClientOptions::parse(uri).await })
            .map_err(|e| fail(format!("invalid MongoDB URI: {e}")))?;
        let hosts = client_options
            .hosts
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        client_options
            .server_selection_timeout
            .get_or_insert(options.connect_timeout);
        client_options
            .connect_timeout
            .get_or_insert(options.connect_timeout);
        client_options
            .app_name
            .get_or_insert_with(|| "halobuzz-analytics".to_owned());
        let name = database
            .map(str::to_owned)
            .or_else(|| client_options.default_database.clone())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| DEFAULT_DATABASE.to_owned());
        let client = {
            // The client spawns its monitors on the current runtime.
            let _entered = runtime.enter();
            Client::with_options(client_options)
                .map_err(|e| fail(format!("cannot create a MongoDB client: {e}")))?
        };
        let store = MongoStore {
            db: client.database(&name),
            hosts,
            options,
            index_ready: AtomicBool::new(false),
            documents_read: AtomicU64::new(0),
            bytes_read: AtomicU64::new(0),
            runtime,
        };
        store.run("(connection)", "ping", async {
            store.db.run_command(doc! { "ping": 1 }).await
        })?;
        Ok(store)
    }

    /// The database name.
    pub fn database_name(&self) -> &str {
        self.db.name()
    }

    /// Bytes and documents received by reads since the store was opened.
    pub fn read_stats(&self) -> MongoReadStats {
        MongoReadStats {
            documents: self.documents_read.load(Ordering::Relaxed),
            bytes: self.bytes_read.load(Ordering::Relaxed),
        }
    }

    fn context(&self) -> DecodeContext {
        self.options.context.unwrap_or_else(DecodeContext::now)
    }

    /// Turns a driver error into a storage error that names the collection, the operation, the server
    /// and, for the usual failures, what to check.
    fn storage_error(&self, collection: &str, what: &str, e: &mongodb::error::Error) -> Error {
        let hosts = &self.hosts;
        let reason = match e.kind.as_ref() {
            ErrorKind::ServerSelection { message, .. } => format!(
                "{what}: no MongoDB server reachable at {hosts} within {:?} (is it running, and \
                 is the URI right?): {message}",
                self.options.connect_timeout
            ),
            ErrorKind::Authentication { message, .. } => format!(
                "{what}: authentication to {hosts} failed (check the user, password and authSource \
                 of the URI): {message}"
            ),
            ErrorKind::Io(io) => format!(
                "{what}: the connection to {hosts} failed or was dropped ({io}); re-run to resume \
                 (a backfill skips the days already written)"
            ),
            _ => format!("{what} on {hosts} failed: {e}"),
        };
        Error::Storage {
            collection: collection.to_owned(),
            reason,
        }
    }

    fn timeout_error(&self, collection: &str, what: &str) -> Error {
        Error::Storage {
            collection: collection.to_owned(),
            reason: format!(
                "{what}: {} gave no answer within {:?}; re-run to resume",
                self.hosts, self.options.operation_timeout
            ),
        }
    }

    /// Runs one driver call on the runtime with the operation timeout, mapping its errors.
    fn run<T>(
        &self,
        collection: &str,
        what: &str,
        fut: impl std::future::Future<Output = mongodb::error::Result<T>>,
    ) -> Result<T> {
        self.runtime
            .block_on(async { tokio::time::timeout(self.options.operation_timeout, fut).await })
            .map_err(|_| self.timeout_error(collection, what))?
            .map_err(|e| self.storage_error(collection, what, &e))
    }

    /// Streams the projected documents of `collection` matching `filter` to `visit`, one batch in memory
    /// at a time, counting bytes and documents.
    fn stream(
        &self,
        collection: Collection,
        filter: Document,
        visit: &mut dyn FnMut(std::result::Result<Document, String>),
    ) -> Result<()> {
        let name = collection.name();
        let coll = self.db.collection::<RawDocumentBuf>(name);
        let limit = self.options.operation_timeout;
        let what = format!("reading `{name}`");
        self.runtime.block_on(async {
            let find = coll
                .find(filter)
                .projection(projection(collection))
                .batch_size(self.options.batch_size);
            let mut cursor = tokio::time::timeout(limit, find)
                .await
                .map_err(|_| self.timeout_error(name, &what))?
                .map_err(|e| self.storage_error(name, &what, &e))?;
            loop {
                let more = tokio::time::timeout(limit, cursor.advance())
                    .await
                    .map_err(|_| self.timeout_error(name, &what))?
                    .map_err(|e| self.storage_error(name, &what, &e))?;
                if !more {
                    return Ok(());
                }
                let raw = cursor.current();
                self.documents_read.fetch_add(1, Ordering::Relaxed);
                self.bytes_read
                    .fetch_add(raw.as_bytes().len() as u64, Ordering::Relaxed);
                visit(to_document(raw));
            }
        })
    }

    /// Creates the unique index of `analyticsdailykpis` once per store (creating an existing index is a
    /// no-op on the server, so concurrent stores are fine).
    fn ensure_rollup_index(&self, collection: AnalyticsCollection) -> Result<()> {
        if self.index_ready.load(Ordering::Acquire) {
            return Ok(());
        }
        let model = IndexModel::builder()
            .keys(doc! { "appId": 1, "date": 1, "country": 1 })
            .options(
                IndexOptions::builder()
                    .unique(true)
                    .name(ROLLUP_INDEX.to_owned())
                    .build(),
            )
            .build();
        let coll = self.db.collection::<Document>(collection.name());
        self.run(
            collection.name(),
            "creating the unique index {appId, date, country}",
            async { coll.create_index(model).await },
        )?;
        self.index_ready.store(true, Ordering::Release);
        Ok(())
    }

    /// Drops the whole database (test and benchmark clean-up; never called by the engine).
    pub fn drop_database(&self) -> Result<()> {
        self.run("(database)", "dropping the database", async {
            self.db.drop().await
        })
    }

    /// The index names of an analytics collection (for checks).
    pub fn analytics_index_names(&self, collection: AnalyticsCollection) -> Result<Vec<String>> {
        let coll = self.db.collection::<Document>(collection.name());
        self.run(collection.name(), "listing indexes", async {
            coll.list_index_names().await
        })
    }

    /// A sink that inserts raw documents into this database with `insert_many`, in batches (for seeding
    /// test and benchmark data from the generator). Call [`MongoDocumentSink::finish`] at the end.
    pub fn document_sink(&self) -> MongoDocumentSink<'_> {
        MongoDocumentSink {
            store: self,
            pending: Collection::ALL.iter().map(|_| Vec::new()).collect(),
            inserted: 0,
            duplicates: 0,
        }
    }

    /// Inserts a batch unordered; documents rejected only for a duplicate `_id` are counted, not fatal
    /// (MongoDB keeps the first, as the loader does). Returns (inserted, duplicates).
    fn insert_batch(&self, collection: Collection, docs: Vec<Document>) -> Result<(u64, u64)> {
        let n = docs.len() as u64;
        let coll = self.db.collection::<Document>(collection.name());
        let what = format!("inserting {n} documents");
        let result = self.runtime.block_on(async {
            tokio::time::timeout(
                self.options.operation_timeout,
                coll.insert_many(docs).ordered(false),
            )
            .await
        });
        match result {
            Err(_) => Err(self.timeout_error(collection.name(), &what)),
            Ok(Ok(_)) => Ok((n, 0)),
            Ok(Err(e)) => {
                let duplicates = match e.kind.as_ref() {
                    ErrorKind::InsertMany(m) if m.write_concern_error.is_none() => {
                        m.write_errors.as_ref().and_then(|errs| {
                            errs.iter()
                                .all(|w| w.code == DUPLICATE_KEY)
                                .then_some(errs.len() as u64)
                        })
                    }
                    ErrorKind::Write(WriteFailure::WriteError(w)) if w.code == DUPLICATE_KEY => {
                        Some(1)
                    }
                    _ => None,
                };
                match duplicates {
                    Some(d) => Ok((n - d, d)),
                    None => Err(self.storage_error(collection.name(), &what, &e)),
                }
            }
        }
    }

    fn key_filter(key: &AnalyticsKey) -> Document {
        doc! { "appId": &key.app_id, "date": key.date.to_string(), "country": &key.country }
    }
}

impl Drop for MongoStore {
    fn drop(&mut self) {
        // The driver ends its sessions from a task spawned when the last client handle drops, which
        // needs a runtime: shut the client down here, on ours, so that drop spawns nothing.
        let client = self.db.client().clone();
        self.runtime.block_on(async {
            let _ = tokio::time::timeout(Duration::from_secs(2), client.shutdown().immediate(true))
                .await;
        });
    }
}

impl Store for MongoStore {
    fn scan(&self, scan: &Scan, visit: &mut dyn FnMut(RecordRef<'_>)) -> Result<()> {
        let collection = scan.collection;
        let field = match scan.date_field {
            DateField::Primary => collection.primary_date_field(),
            DateField::ReviewedAt if collection == Collection::Moderationflags => "reviewedAt",
            DateField::ReviewedAt => {
                return Err(Error::invalid_argument(
                    "scan",
                    format!("`{collection}` has no reviewedAt date"),
                ))
            }
        };
        // `$gte`/`$lt` on a date only match BSON dates (MongoDB compares within one type), so documents
        // whose date has the wrong type, and open reviews (null), stay on the server: the decoder would
        // reject them, or a ranged scan skip them, anyway.
        let filter = match scan.range {
            Some(r) => doc! { field: { "$gte": bson_date(r.start), "$lt": bson_date(r.end) } },
            None => Document::new(),
        };
        let ctx = self.context();
        // `_id` is unique in a MongoDB collection, so only `gamerounds` (keyed by `roundId`) can repeat a
        // key; the set stays as small as the rounds of the scan.
        let mut seen = HashSet::new();
        self.stream(collection, filter, &mut |doc| {
            let Ok(doc) = doc else { return };
            if collection == Collection::Gamerounds {
                if let Some(key) = dedupe_key(collection, &doc) {
                    if !seen.insert(key) {
                        return;
                    }
                }
            }
            if let Ok(record) = decode(collection, &doc, &ctx) {
                visit(record_ref(&record));
            }
        })
    }

    fn game_rounds(&self, round_ids: &[&str], visit: &mut dyn FnMut(&GameRound)) -> Result<()> {
        let ctx = self.context();
        let mut seen = HashSet::new();
        // `$in` lists are kept moderate so one query stays well under the 16 MB command limit.
        for chunk in round_ids.chunks(5000) {
            let ids: Vec<Bson> = chunk
                .iter()
                .map(|s| Bson::String((*s).to_owned()))
                .collect();
            let filter = doc! { "roundId": { "$in": ids } };
            self.stream(Collection::Gamerounds, filter, &mut |doc| {
                let Ok(doc) = doc else { return };
                // The first document of a roundId decides, valid or not, as in the loader.
                if let Some(key) = dedupe_key(Collection::Gamerounds, &doc) {
                    if !seen.insert(key) {
                        return;
                    }
                }
                if let Ok(Record::GameRound(r)) = decode(Collection::Gamerounds, &doc, &ctx) {
                    visit(&r);
                }
            })?;
        }
        Ok(())
    }

    /// A full validating pass over every collection (projected), computed on each call: it reads every
    /// document, so it costs what loading a mongoexport directory costs (and keeps the valid records of the
    /// pass in memory while the country shares are computed, like the loader).
    fn quality_report(&self) -> Result<QualityReport> {
        let ctx = self.context();
        let mut builder = InMemoryStoreBuilder::with_context(ctx);
        for collection in Collection::ALL {
            let mut ingest = CollectionIngest::new(collection, ctx);
            self.stream(collection, Document::new(), &mut |doc| match doc {
                Ok(doc) => ingest.accept_document(&doc, None),
                Err(detail) => ingest.apply(Parsed::Malformed(detail), None),
            })?;
            builder.put_ingest(ingest);
        }
        Ok(builder.build().quality().clone())
    }

    /// One `$match` + `$group` aggregation per call. The `$match` keeps exactly the documents the decoder
    /// accepts for `messages` (`_id`, `userId`, `roomId` ObjectIds, `createdAt` a date inside the valid
    /// span, `isDeleted` a boolean or absent), so invalid documents count nowhere, as on the client path.
    /// Only `$match`, `$group` with `$sum` are used, so MongoDB-compatible servers run it too.
    fn messages_by_author(&self, range: TimeRange) -> Result<Option<Vec<AuthorMessages>>> {
        if !self.options.push_down {
            return Ok(None);
        }
        let ctx = self.context();
        // The decoder's date span: 2000-01-01 ..= now + 1 day.
        let min = DateTime::<Utc>::from_timestamp_millis(MIN_VALID_MILLIS).unwrap_or(range.start);
        let max = ctx.now + chrono::Duration::days(1) + chrono::Duration::milliseconds(1);
        let (start, end) = (range.start.max(min), range.end.min(max));
        if end <= start {
            return Ok(Some(Vec::new()));
        }
        // `$type` also matches an array holding that type, which the decoder rejects: hence the `$not`s.
        let not_array = doc! { "$not": { "$type": "array" } };
        let is_oid = |field: &str| {
            vec![
                Bson::Document(doc! { field: { "$type": "objectId" } }),
                Bson::Document(doc! { field: not_array.clone() }),
            ]
        };
        let mut all = vec![Bson::Document(
            doc! { "createdAt": { "$gte": bson_date(start), "$lt": bson_date(end) } },
        )];
        for f in ["_id", "userId", "roomId"] {
            all.extend(is_oid(f));
        }
        all.push(Bson::Document(
            doc! { "isDeleted": { "$in": [Bson::Null, true, false] } },
        ));
        all.push(Bson::Document(doc! { "isDeleted": not_array.clone() }));
        let pipeline = vec![
            doc! { "$match": { "$and": all } },
            doc! { "$group": {
                "_id": { "u": "$userId", "d": "$isDeleted" },
                "n": { "$sum": 1 },
            } },
        ];
        let name = Collection::Messages.name();
        let coll = self.db.collection::<Document>(name);
        let what = format!("counting `{name}` per author (aggregation)");
        let limit = self.options.operation_timeout;
        let groups: Vec<Document> = self.runtime.block_on(async {
            let mut cursor = tokio::time::timeout(limit, coll.aggregate(pipeline))
                .await
                .map_err(|_| self.timeout_error(name, &what))?
                .map_err(|e| self.storage_error(name, &what, &e))?;
            let mut out = Vec::new();
            loop {
                let more = tokio::time::timeout(limit, cursor.advance())
                    .await
                    .map_err(|_| self.timeout_error(name, &what))?
                    .map_err(|e| self.storage_error(name, &what, &e))?;
                if !more {
                    return Ok::<_, Error>(out);
                }
                let raw = cursor.current();
                self.documents_read.fetch_add(1, Ordering::Relaxed);
                self.bytes_read
                    .fetch_add(raw.as_bytes().len() as u64, Ordering::Relaxed);
                out.push(to_document(raw).map_err(|reason| Error::Storage {
                    collection: name.to_owned(),
                    reason,
                })?);
            }
        })?;
        let mut by_author: std::collections::BTreeMap<bson::oid::ObjectId, AuthorMessages> =
            Default::default();
        for g in groups {
            let key = g.get_document("_id").ok();
            let (Some(user_id), Some(n)) = (
                key.and_then(|k| k.get_object_id("u").ok()),
                // `$sum` answers an int32, an int64 when it outgrows one, or a double on some servers.
                match g.get("n") {
                    Some(Bson::Int32(n)) => Some(i64::from(*n)),
                    Some(Bson::Int64(n)) => Some(*n),
                    Some(Bson::Double(n)) if n.fract() == 0.0 => Some(*n as i64),
                    _ => None,
                },
            ) else {
                return Err(Error::Storage {
                    collection: name.to_owned(),
                    reason: format!("unexpected aggregation result {g}"),
                });
            };
            let deleted = key.and_then(|k| k.get_bool("d").ok()) == Some(true);
            let a = by_author.entry(user_id).or_insert(AuthorMessages {
                user_id,
                messages: 0,
                not_deleted: 0,
            });
            let n = u64::try_from(n).unwrap_or(0);
            a.messages += n;
            if !deleted {
                a.not_deleted += n;
            }
        }
        Ok(Some(by_author.into_values().collect()))
    }

    fn upsert_analytics(
        &self,
        collection: AnalyticsCollection,
        key: &AnalyticsKey,
        doc: Document,
    ) -> Result<()> {
        self.ensure_rollup_index(collection)?;
        let coll = self.db.collection::<Document>(collection.name());
        let what = format!("writing {} {} {}", key.app_id, key.date, key.country);
        self.run(collection.name(), &what, async {
            coll.replace_one(Self::key_filter(key), doc)
                .upsert(true)
                .await
        })?;
        Ok(())
    }

    fn delete_analytics_day(
        &self,
        collection: AnalyticsCollection,
        app_id: &str,
        date: NaiveDate,
    ) -> Result<u64> {
        self.ensure_rollup_index(collection)?;
        let coll = self.db.collection::<Document>(collection.name());
        let what = format!("deleting {app_id} {date}");
        let filter = doc! { "appId": app_id, "date": date.to_string() };
        let result = self.run(collection.name(), &what, async {
            coll.delete_many(filter).await
        })?;
        Ok(result.deleted_count)
    }

    fn get_analytics(
        &self,
        collection: AnalyticsCollection,
        key: &AnalyticsKey,
    ) -> Result<Option<Document>> {
        let coll = self.db.collection::<Document>(collection.name());
        let what = format!("reading {} {} {}", key.app_id, key.date, key.country);
        self.run(collection.name(), &what, async {
            coll.find_one(Self::key_filter(key))
                .projection(doc! { "_id": 0 })
                .await
        })
    }

    fn find_analytics(
        &self,
        collection: AnalyticsCollection,
        app_id: &str,
        country: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(AnalyticsKey, Document)>> {
        if from > to {
            return Ok(Vec::new());
        }
        let coll = self.db.collection::<Document>(collection.name());
        // ISO dates ("YYYY-MM-DD") sort as strings in date order, so a string range is a date range.
        let mut filter =
            doc! { "appId": app_id, "date": { "$gte": from.to_string(), "$lte": to.to_string() } };
        if let Some(c) = country {
            filter.insert("country", c);
        }
        let name = collection.name();
        let what = format!("reading {app_id} {from} … {to}");
        let docs: Vec<Document> = self.run(name, &what, async {
            use futures_util_free::collect;
            let cursor = coll
                .find(filter)
                .projection(doc! { "_id": 0 })
                .sort(doc! { "date": 1, "country": 1 })
                .await?;
            collect(cursor).await
        })?;
        docs.into_iter()
            .map(|d| {
                let key = (|| {
                    Some(AnalyticsKey {
                        app_id: d.get_str("appId").ok()?.to_owned(),
                        date: d.get_str("date").ok()?.parse().ok()?,
                        country: d.get_str("country").ok()?.to_owned(),
                    })
                })()
                .ok_or_else(|| Error::Storage {
                    collection: name.to_owned(),
                    reason: format!(
                        "a document of {app_id} {from} … {to} has no readable appId/date/country"
                    ),
                })?;
                Ok((key, d))
            })
            .collect()
    }
}

/// Cursor draining without a `futures` dependency: the driver's cursor has its own `advance`.
mod futures_util_free {
    use bson::Document;
    use mongodb::Cursor;

    pub(super) async fn collect(
        mut cursor: Cursor<Document>,
    ) -> mongodb::error::Result<Vec<Document>> {
        let mut out = Vec::new();
        while cursor.advance().await? {
            out.push(cursor.deserialize_current()?);
        }
        Ok(out)
    }
}

/// Inserts generated or copied raw documents into a [`MongoStore`]'s database with `insert_many`, one
/// batch per collection at a time. Invalid documents are inserted as they are (the reads judge them);
/// a duplicate `_id` is rejected by the server and counted.
pub struct MongoDocumentSink<'a> {
    store: &'a MongoStore,
    pending: Vec<Vec<Document>>,
    inserted: u64,
    duplicates: u64,
}

/// Documents per `insert_many`.
const INSERT_BATCH: usize = 1000;

impl MongoDocumentSink<'_> {
    fn flush(&mut self, i: usize) -> Result<()> {
        let docs = std::mem::take(&mut self.pending[i]);
        if docs.is_empty() {
            return Ok(());
        }
        let (inserted, duplicates) = self.store.insert_batch(Collection::ALL[i], docs)?;
        self.inserted += inserted;
        self.duplicates += duplicates;
        Ok(())
    }

    /// Inserts what is still buffered; returns (documents inserted, duplicates rejected).
    pub fn finish(mut self) -> Result<(u64, u64)> {
        for i in 0..self.pending.len() {
            self.flush(i)?;
        }
        Ok((self.inserted, self.duplicates))
    }
}

impl DocumentSink for MongoDocumentSink<'_> {
    fn accept(&mut self, collection: Collection, doc: Document) -> Result<()> {
        let i = Collection::ALL
            .iter()
            .position(|&c| c == collection)
            .unwrap_or_default();
        self.pending[i].push(doc);
        if self.pending[i].len() >= INSERT_BATCH {
            self.flush(i)?;
        }
        Ok(())
    }
}
