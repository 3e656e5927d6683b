//! The MongoDB store (cargo feature `mongodb`): reads the platform's raw collections straight from a
//! MongoDB (or MongoDB-wire-compatible) server and writes daily rollups back to `analyticsdailykpis`.
//!
//! Reads are ranged `find`s with a server-side `{<dateField>: {$gte, $lt}}` filter and a projection of
//! exactly the fields of `shared/spec/DATA.md` (nothing private ever crosses the wire); cursors are
//! streamed in batches and every document goes through the same validating decoder as the mongoexport
//! loader (`docs/data-contract.md`), so invalid documents are skipped here and counted by
//! [`Store::quality_report`], which is a full validating pass computed on request. A rollup's reads are
//! pushed down ([`Pushdown`], option `push_down`): per day, an aggregation groups the documents the
//! server can judge valid by the values the engine reads, and the others travel whole as above
//! (`contract`, `pushdown`). Reads may run concurrently from several threads, all on the store's
//! runtime. See `docs/scaling.md`.
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

mod contract;
mod docs;
mod pushdown;
mod reads;
mod sink;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use bson::{doc, Document, RawDocumentBuf};

use mongodb::error::ErrorKind;
use mongodb::options::ClientOptions;
use mongodb::{Client, Database};
use reads::{projection, to_document};

use super::*;
use crate::clock::ClockHandle;
use crate::error::RedactedCause;
use crate::model::decode::DecodeContext;
use crate::Error;

pub use sink::MongoDocumentSink;

/// The database used when neither the caller nor the URI names one.
pub const DEFAULT_DATABASE: &str = "halobuzz";

/// How to connect and read.
#[derive(Debug, Clone)]
pub struct MongoStoreOptions {
    /// How long to wait for a reachable server (server selection and TCP connect) before failing; a
    /// `serverSelectionTimeoutMS` / `connectTimeoutMS` in the URI wins.
    pub connect_timeout: Duration,
    /// How long one round trip (a batch of a cursor, a write) may take before the operation fails.
    pub operation_timeout: Duration,
    /// Documents per cursor batch: memory is bounded by one batch, whatever the collection's size.
    pub batch_size: u32,
    /// The clock that bounds valid dates (after `now + 1 day` a date is invalid), read at each read.
    pub clock: ClockHandle,
    /// Group each raw collection per user (and value) and day on the server ([`Pushdown`]) instead of
    /// moving every document; the results are the same (the tests compare both paths).
    pub push_down: bool,
    /// How many reads the engine may run at once for one rollup (a day's collections are read
    /// concurrently, each on the store's shared runtime); 1 reads them one after the other. Each read
    /// holds at most one cursor batch.
    pub read_concurrency: usize,
}

impl Default for MongoStoreOptions {
    fn default() -> Self {
        MongoStoreOptions {
            connect_timeout: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(60),
            batch_size: 2000,
            clock: ClockHandle::default(),
            push_down: true,
            read_concurrency: 4,
        }
    }
}

/// Bytes and documents received from the server since the store was opened (for measurements).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MongoReadStats {
    /// Documents received: raw documents and push-down partials.
    pub documents: u64,
    /// Their total BSON size in bytes.
    pub bytes: u64,
    /// Of `documents`, the partials (groups) that push-down aggregations returned.
    pub partials: u64,
    /// Of `bytes`, the partials' bytes.
    pub partial_bytes: u64,
}

impl MongoReadStats {
    /// The stats received since `earlier` (both from the same store).
    pub fn since(&self, earlier: &MongoReadStats) -> MongoReadStats {
        MongoReadStats {
            documents: self.documents.saturating_sub(earlier.documents),
            bytes: self.bytes.saturating_sub(earlier.bytes),
            partials: self.partials.saturating_sub(earlier.partials),
            partial_bytes: self.partial_bytes.saturating_sub(earlier.partial_bytes),
        }
    }
}

/// The read counters of one collection.
#[derive(Debug, Default)]
struct ReadCounters {
    documents: AtomicU64,
    bytes: AtomicU64,
    partials: AtomicU64,
    partial_bytes: AtomicU64,
}

impl ReadCounters {
    fn count(&self, bytes: usize, partial: bool) {
        let bytes = bytes as u64;
        self.documents.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        if partial {
            self.partials.fetch_add(1, Ordering::Relaxed);
            self.partial_bytes.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    fn stats(&self) -> MongoReadStats {
        MongoReadStats {
            documents: self.documents.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            partials: self.partials.load(Ordering::Relaxed),
            partial_bytes: self.partial_bytes.load(Ordering::Relaxed),
        }
    }
}

/// The store over one database of a MongoDB deployment. `Send + Sync`: share it with `Arc`.
pub struct MongoStore {
    db: Database,
    /// The URI's hosts, for error messages (the URI itself may hold a password).
    hosts: String,
    options: MongoStoreOptions,
    /// The analytics collections whose unique index this store has created (once per collection).
    indexed: Mutex<HashSet<&'static str>>,
    /// What reads received, per raw collection (in [`Collection::ALL`] order).
    reads: [ReadCounters; 8],
    /// Per raw collection, whether it compares strings bytewise (asked once; see `pushdown`).
    bytewise: Mutex<HashMap<&'static str, bool>>,
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
        // Every message below may quote the URI: redacted, so no password is ever shown.
        let fail =
            |reason: String| Error::storage("(connection)", redact_uri_message(&reason, uri));
        if !is_mongodb_uri(uri) {
            return Err(Error::invalid_argument(
                "MongoDB URI",
                "expected mongodb://host[:port]/[database] or mongodb+srv://host/[database]",
            ));
        }
        let uri = normalize_mongodb_uri(uri);
        let uri = uri.as_str();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("halobuzz-mongo")
            .enable_all()
            .build()
            .map_err(|e| fail(format!("cannot start the MongoDB I/O runtime: {e}")))?;
        // A URI the driver cannot parse is the caller's to fix: an invalid argument, redacted.
        let mut client_options = runtime
            .block_on(async { ClientOptions::parse(uri).await })
            .map_err(|e| {
                Error::invalid_argument(
                    "data",
                    redact_uri_message(&format!("`{uri}` is not a valid MongoDB URI: {e}"), uri),
                )
            })?;
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
            indexed: Mutex::new(HashSet::new()),
            reads: Default::default(),
            bytewise: Mutex::new(HashMap::new()),
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

    /// Bytes and documents received by reads of the raw collections since the store was opened.
    pub fn read_stats(&self) -> MongoReadStats {
        self.reads
            .iter()
            .map(ReadCounters::stats)
            .fold(MongoReadStats::default(), |a, b| MongoReadStats {
                documents: a.documents.saturating_add(b.documents),
                bytes: a.bytes.saturating_add(b.bytes),
                partials: a.partials.saturating_add(b.partials),
                partial_bytes: a.partial_bytes.saturating_add(b.partial_bytes),
            })
    }

    /// [`MongoStore::read_stats`] of one collection.
    pub fn read_stats_of(&self, collection: Collection) -> MongoReadStats {
        self.counters(collection).stats()
    }

    fn counters(&self, collection: Collection) -> &ReadCounters {
        let i = Collection::ALL
            .iter()
            .position(|c| *c == collection)
            .unwrap_or_default();
        &self.reads[i]
    }

    fn context(&self) -> DecodeContext {
        DecodeContext {
            now: self.options.clock.now(),
        }
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
        Error::storage_caused(collection, redact_secrets(&reason), RedactedCause::of(e))
    }

    fn timeout_error(&self, collection: &str, what: &str) -> Error {
        Error::storage(
            collection,
            format!(
                "{what}: {} gave no answer within {:?}; re-run to resume",
                self.hosts, self.options.operation_timeout
            ),
        )
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
        let counters = self.counters(collection);
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
                counters.count(raw.as_bytes().len(), false);
                visit(to_document(raw));
            }
        })
    }

    /// Runs an aggregation of `collection` and hands each result to `visit` (`Err` when it cannot be
    /// read), one batch in memory at a time, counting them as partials; the first error (the server's or
    /// `visit`'s) ends it.
    fn aggregate(
        &self,
        collection: Collection,
        pipeline: Vec<Document>,
        what: &str,
        visit: &mut dyn FnMut(std::result::Result<Document, String>) -> Result<()>,
    ) -> Result<()> {
        let name = collection.name();
        let coll = self.db.collection::<RawDocumentBuf>(name);
        let limit = self.options.operation_timeout;
        let counters = self.counters(collection);
        self.runtime.block_on(async {
            // A busy day's groups can outgrow the 100 MB a `$group` may hold in memory: let it spill.
            let aggregate = coll
                .aggregate(pipeline)
                .allow_disk_use(true)
                .batch_size(self.options.batch_size);
            let mut cursor = tokio::time::timeout(limit, aggregate)
                .await
                .map_err(|_| self.timeout_error(name, what))?
                .map_err(|e| self.storage_error(name, what, &e))?;
            loop {
                let more = tokio::time::timeout(limit, cursor.advance())
                    .await
                    .map_err(|_| self.timeout_error(name, what))?
                    .map_err(|e| self.storage_error(name, what, &e))?;
                if !more {
                    return Ok(());
                }
                let raw = cursor.current();
                counters.count(raw.as_bytes().len(), true);
                visit(to_document(raw))?;
            }
        })
    }

    /// Drops the whole database (test and benchmark clean-up; never called by the engine).
    pub fn drop_database(&self) -> Result<()> {
        self.run("(database)", "dropping the database", async {
            self.db.drop().await
        })
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
        self.scan_records(scan, visit)
    }

    fn game_rounds(&self, round_ids: &[&str], visit: &mut dyn FnMut(&GameRound)) -> Result<()> {
        self.rounds_by_id(round_ids, visit)
    }

    /// A full validating pass over every collection (projected), computed on each call: it reads every
    /// document, so it costs what loading a mongoexport directory costs (and keeps the valid records of the
    /// pass in memory while the country shares are computed, like the loader).
    fn quality_report(&self) -> Result<QualityReport> {
        self.full_quality_pass()
    }

    fn pushdown(&self) -> Option<&dyn Pushdown> {
        self.options.push_down.then_some(self as &dyn Pushdown)
    }

    fn read_concurrency(&self) -> usize {
        self.options.read_concurrency.max(1)
    }

    fn put_documents(&self, spec: &DocSpec, docs: &[(DocKey, SharedDoc)]) -> Result<()> {
        self.put_analytics(spec, docs)
    }

    fn insert_documents(&self, spec: &DocSpec, docs: &[(DocKey, SharedDoc)]) -> Result<Vec<usize>> {
        self.insert_analytics(spec, docs)
    }

    fn find_documents(&self, spec: &DocSpec, filter: &DocFilter) -> Result<Vec<StoredDoc>> {
        self.find_analytics(spec, filter)
    }

    fn delete_documents(&self, spec: &DocSpec, filter: &DocFilter) -> Result<u64> {
        self.delete_analytics(spec, filter)
    }
}
