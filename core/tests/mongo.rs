//! The MongoDB store against a real MongoDB-wire server: `MONGODB_URI` names it (a real MongoDB, or the
//! FerretDB that `tests/ferretdb/run-tests.sh` starts on loopback). The suite is built with the `mongodb`
//! feature, which the CLI turns on for the whole workspace, so a plain `cargo test --workspace` builds it
//! too: there, without `MONGODB_URI`, the tests that need a server say so and return. The harness sets
//! `HALOBUZZ_REQUIRE_MONGODB=1`, under which a missing server is a failure, never a silent pass.
//!
//! Each test seeds its own database (named after the test and the process) with generated data through
//! the driver (`insert_many`), invalid documents included, and compares with the in-memory store fed the
//! same documents.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod common;
#[path = "mongo/edge_cases.rs"]
mod edge_cases;
// Two processes numbering ids at once.
#[path = "mongo/numbers.rs"]
mod numbers;
#[path = "mongo/pushdown.rs"]
mod pushdown;
#[path = "mongo/reports.rs"]
mod reports;
// Two schedulers on one database.
#[path = "mongo/schedule.rs"]
mod schedule;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bson::{Bson, Document};
use chrono::{TimeZone, Utc};
use halobuzz_analytics::calendar::{add_days, DateRange};
use halobuzz_analytics::clock::{ClockHandle, FixedClock};
use halobuzz_analytics::config::Config;
use halobuzz_analytics::generate::{generate, GeneratorConfig};
use halobuzz_analytics::kpi::{CountryFilter, DailyRollup};
use halobuzz_analytics::model::DecodeContext;
use halobuzz_analytics::quality::Issue;
use halobuzz_analytics::store::{
    AnalyticsDoc, AnalyticsStore, DocFilter, DocumentSink, InMemoryStore, InMemoryStoreBuilder,
    MongoDocumentSink, MongoReadStats, MongoStore, MongoStoreOptions, Store,
};
use halobuzz_analytics::{Collection, Engine, Error, QualityReport};

/// The server under test; `None` outside the harness when no server is configured.
fn server_uri() -> Option<String> {
    let uri = std::env::var("MONGODB_URI").ok().filter(|u| !u.is_empty());
    if uri.is_none() {
        assert!(
            std::env::var_os("HALOBUZZ_REQUIRE_MONGODB").is_none(),
            "MONGODB_URI is not set but HALOBUZZ_REQUIRE_MONGODB is: the harness must provide a server"
        );
        eprintln!(
            "MONGODB_URI is not set: this test needs a server; run tests/ferretdb/run-tests.sh"
        );
    }
    uri
}

/// A fixed validation clock, so both stores judge dates alike.
fn ctx() -> DecodeContext {
    DecodeContext {
        now: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
    }
}

fn options() -> MongoStoreOptions {
    MongoStoreOptions {
        clock: ClockHandle::new(FixedClock(ctx().now)),
        ..MongoStoreOptions::default()
    }
}

fn gen_config(duplicate_rate: f64) -> GeneratorConfig {
    GeneratorConfig {
        users: 250,
        days: 35,
        seed: 7,
        invalid_rate: 0.01,
        duplicate_rate,
        ..GeneratorConfig::default()
    }
}

/// A database of its own per test and process, so tests run in parallel and re-runs start clean.
fn database(test: &str) -> String {
    format!("hb_{test}_{}", std::process::id())
}

/// Feeds every generated document to both stores.
struct Tee<'a> {
    memory: InMemoryStoreBuilder,
    mongo: MongoDocumentSink<'a>,
}

/// Whether a document holds a NaN anywhere. FerretDB refuses NaN on the wire (it closes the connection),
/// so such documents are left out of both stores, to keep the suite the same on MongoDB and FerretDB; every
/// other kind of invalid document is seeded.
fn has_nan(doc: &Document) -> bool {
    doc.values().any(|v| match v {
        Bson::Double(f) => f.is_nan(),
        Bson::Document(d) => has_nan(d),
        _ => false,
    })
}

impl DocumentSink for Tee<'_> {
    fn accept(&mut self, collection: Collection, doc: Document) -> halobuzz_analytics::Result<()> {
        // MongoDB gives every stored document an `_id` (the driver adds one), so "missing `_id`" cannot
        // exist in a database; `gamerounds` does not need one.
        let no_id = collection != Collection::Gamerounds && !doc.contains_key("_id");
        if has_nan(&doc) || no_id {
            return Ok(());
        }
        self.memory.accept(collection, doc.clone())?;
        self.mongo.accept(collection, doc)
    }
}

/// Connects to a fresh database and seeds it with `gen`; returns it and the in-memory twin.
fn seeded(uri: &str, test: &str, gen: &GeneratorConfig) -> (MongoStore, InMemoryStore) {
    let store = MongoStore::connect_with(uri, Some(&database(test)), options()).unwrap();
    store.drop_database().unwrap();
    let mut tee = Tee {
        memory: InMemoryStoreBuilder::with_context(ctx()),
        mongo: store.document_sink(),
    };
    generate(gen, &mut tee, &mut |_, _| {}).unwrap();
    let Tee { memory, mongo } = tee;
    mongo.finish().unwrap();
    (store, memory.build())
}

fn config() -> Config {
    Config {
        clock: ClockHandle::new(FixedClock(ctx().now)),
        ..Config::default()
            .with_ephemeral_pseudonym_key()
            .with_usd_to_npr("133.5")
            .unwrap()
    }
}

/// The stored rollups of `app` in `range`.
fn rollups(store: &dyn Store, app: &str, range: DateRange) -> Vec<DailyRollup> {
    store
        .find_docs(
            &DocFilter::all()
                .eq("appId", app)
                .between("date", range.from, range.to),
        )
        .unwrap()
}

#[test]
fn kpis_from_mongodb_equal_the_in_memory_store() {
    let Some(uri) = server_uri() else { return };
    let gen = gen_config(0.005);
    let (mongo, memory) = seeded(&uri, "kpis", &gen);
    let mongo = Arc::new(mongo);
    let on_mongo = Engine::new(mongo.clone(), config());
    let in_memory = Engine::new(Arc::new(memory), config());
    let range = DateRange::new(add_days(gen.end_date(), -13), gen.end_date()).unwrap();
    // One raw pass computes every country's facts: ALL is enough to compare the reads (each pushed-down
    // day costs a dozen full scans on FerretDB, which has no range index).
    assert_eq!(
        on_mongo.kpis_from_raw(range, CountryFilter::All).unwrap(),
        in_memory.kpis_from_raw(range, CountryFilter::All).unwrap(),
        "raw"
    );
    for c in ["ALL", "NP", "IN", "UNKNOWN"] {
        let country: CountryFilter = c.parse().unwrap();
        let expected = in_memory.kpis_from_raw(range, country).unwrap();
        // From rollups written to and read back from `analyticsdailykpis`.
        assert_eq!(
            on_mongo.kpis(range, country).unwrap(),
            expected,
            "{c} rollups"
        );
    }
    assert!(
        in_memory
            .kpis(range, CountryFilter::All)
            .unwrap()
            .engagement
            .messages_sent
            > 0
    );
    mongo.drop_database().unwrap();
}

/// Issues are listed in reading order, which is the server's order for MongoDB.
fn sorted_issues(r: &QualityReport) -> QualityReport {
    let mut r = r.clone();
    for c in &mut r.collections {
        c.issues.sort_by_key(|i| match i {
            Issue::Invalid(x) => format!("{:?}{:?}{:?}", x.id, x.field, x.reason),
            Issue::Duplicate { id, .. } => id.clone(),
        });
    }
    r
}

#[test]
fn quality_report_equals_the_loaders() {
    let Some(uri) = server_uri() else { return };
    // MongoDB itself refuses a second document with an existing `_id`, so the data has no duplicates.
    let (mongo, memory) = seeded(&uri, "quality", &gen_config(0.0));
    let report = mongo.quality_report().unwrap();
    assert!(report.collections.iter().map(|c| c.invalid).sum::<u64>() > 0);
    assert_eq!(sorted_issues(&report), sorted_issues(memory.quality()));
    mongo.drop_database().unwrap();
}

#[test]
fn backfill_twice_leaves_one_document_per_key_under_a_unique_index() {
    let Some(uri) = server_uri() else { return };
    let gen = GeneratorConfig {
        days: 10,
        ..gen_config(0.005)
    };
    let (mongo, _) = seeded(&uri, "backfill", &gen);
    let mongo = Arc::new(mongo);
    let engine = Engine::new(mongo.clone(), config());
    let all = DateRange::new(gen.start_date(), gen.end_date()).unwrap();
    let first = engine
        .backfill(all, false, &mut |_| ControlFlow::Continue(()))
        .unwrap();
    assert_eq!(first.computed, 10);
    let again = engine
        .backfill(all, false, &mut |_| ControlFlow::Continue(()))
        .unwrap();
    assert_eq!((again.computed, again.skipped), (0, 10));
    let forced = engine
        .backfill(all, true, &mut |_| ControlFlow::Continue(()))
        .unwrap();
    assert_eq!(forced.rollups_written, first.rollups_written);
    // Readers see one document per (date, country): the published generation.
    let published: Vec<DailyRollup> = all
        .iter()
        .flat_map(|d| engine.rollups_of_day(d).unwrap())
        .collect();
    let mut keys: Vec<_> = published.iter().map(|r| (r.date, r.country)).collect();
    assert_eq!(keys.len() as u64, first.rollups_written);
    keys.dedup();
    assert_eq!(
        keys.len() as u64,
        first.rollups_written,
        "one document per key"
    );
    // Stored: the published generation and at most the one it replaced (kept until the next flip).
    let stored = rollups(mongo.as_ref(), "halobuzz", all);
    for d in all.iter() {
        let generations: std::collections::BTreeSet<i64> = stored
            .iter()
            .filter(|r| r.date == d)
            .map(|r| r.generation)
            .collect();
        assert!((1..=2).contains(&generations.len()), "{d}: {generations:?}");
    }
    let indexes = mongo
        .analytics_index_names(DailyRollup::SPEC.collection)
        .unwrap();
    assert!(
        indexes
            .iter()
            .any(|n| n == "appId_1_country_1_date_1_generation_1"),
        "{indexes:?}"
    );
    // Version 1's unique index (one document per day and country) would forbid two generations;
    // version 2's ordered days before countries.
    for retired in [
        "appId_1_date_1_country_1",
        "appId_1_date_1_country_1_generation_1",
    ] {
        assert!(!indexes.iter().any(|n| n == retired), "{indexes:?}");
    }
    let markers = mongo.analytics_index_names("analyticsrollupdays").unwrap();
    assert!(markers.iter().any(|n| n == "appId_1_date_1"), "{markers:?}");
    mongo.drop_database().unwrap();
}

#[test]
fn an_unreachable_server_fails_fast_with_a_clear_error() {
    // Port 9 (discard) on loopback: nothing listens there on a test machine.
    let started = Instant::now();
    let err = MongoStore::connect_with(
        "mongodb://127.0.0.1:9/?directConnection=true",
        None,
        MongoStoreOptions {
            connect_timeout: Duration::from_millis(800),
            ..MongoStoreOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.code(), "STORAGE_ERROR");
    let text = err.to_string();
    assert!(
        text.contains("no MongoDB server reachable at 127.0.0.1:9"),
        "{text}"
    );
    assert!(matches!(
        MongoStore::connect("/not/a/uri", None),
        Err(Error::InvalidArgument { .. })
    ));
}

/// A loopback TCP proxy that can be cut: every open connection is shut down and new ones are refused.
struct CuttableProxy {
    port: u16,
    cut: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl CuttableProxy {
    fn start(upstream: String) -> CuttableProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (cut2, open2) = (cut.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if cut2.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                {
                    let mut open = open2.lock().unwrap();
                    open.push(client.try_clone().unwrap());
                    open.push(server.try_clone().unwrap());
                }
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 16384];
                        while let Ok(n) = from.read(&mut buf) {
                            if n == 0 || to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        CuttableProxy { port, cut, open }
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

#[test]
fn a_backfill_cut_mid_way_fails_clearly_and_resumes_to_the_same_rollups() {
    let Some(uri) = server_uri() else { return };
    let gen = GeneratorConfig {
        days: 8,
        ..gen_config(0.005)
    };
    let (direct, memory) = seeded(&uri, "resume", &gen);
    let direct = Arc::new(direct);
    let all = DateRange::new(gen.start_date(), gen.end_date()).unwrap();

    // The uninterrupted reference.
    let reference = Engine::new(Arc::new(memory), config());
    reference
        .backfill(all, false, &mut |_| ControlFlow::Continue(()))
        .unwrap();

    let upstream = uri
        .trim_start_matches("mongodb://")
        .split(['/', '?'])
        .next()
        .unwrap()
        .to_owned();
    let proxy = CuttableProxy::start(upstream);
    let through_proxy = MongoStore::connect_with(
        &format!("mongodb://127.0.0.1:{}/?directConnection=true", proxy.port),
        Some(direct.database_name()),
        MongoStoreOptions {
            connect_timeout: Duration::from_secs(1),
            ..options()
        },
    )
    .unwrap();
    let engine = Engine::new(Arc::new(through_proxy), config());
    let err = engine
        .backfill(all, false, &mut |p| {
            if p.done == 3 {
                proxy.cut();
            }
            ControlFlow::Continue(())
        })
        .unwrap_err();
    assert_eq!(err.code(), "STORAGE_ERROR");
    let text = err.to_string();
    assert!(
        text.contains("no MongoDB server reachable") || text.contains("dropped"),
        "{text}"
    );

    // Resume on a healthy connection: the days already written are skipped.
    let resumed = Engine::new(direct.clone(), config());
    let summary = resumed
        .backfill(all, false, &mut |_| ControlFlow::Continue(()))
        .unwrap();
    assert_eq!(summary.skipped, 3, "{summary:?}");
    // Two engines number new ids in their own blocks: compare what the numbers stand for.
    let published = |e: &Engine| -> Vec<DailyRollup> {
        all.iter()
            .flat_map(|d| e.rollups_of_day(d).unwrap())
            .collect()
    };
    assert_eq!(
        pushdown::canonical(&resumed, &published(&resumed)),
        pushdown::canonical(&reference, &published(&reference))
    );
    direct.drop_database().unwrap();
}

#[test]
fn push_down_equals_the_client_side_path_and_moves_fewer_bytes() {
    let Some(uri) = server_uri() else { return };
    let gen = GeneratorConfig {
        days: 12,
        ..gen_config(0.005)
    };
    let (pushed, memory) = seeded(&uri, "pushdown", &gen);
    let client_side = MongoStore::connect_with(
        &uri,
        Some(pushed.database_name()),
        MongoStoreOptions {
            push_down: false,
            ..options()
        },
    )
    .unwrap();
    let range = DateRange::new(gen.start_date(), gen.end_date()).unwrap();
    let pushed = Arc::new(pushed);
    let client_side = Arc::new(client_side);
    // Warm both user directories, so the byte counts below are the range's reads only.
    let on_pushed = Engine::new(pushed.clone(), config());
    let on_client = Engine::new(client_side.clone(), config());
    on_pushed.directory().unwrap();
    on_client.directory().unwrap();
    let (p0, c0) = (pushed.read_stats(), client_side.read_stats());
    let expected = Engine::new(Arc::new(memory), config())
        .kpis_from_raw(range, CountryFilter::All)
        .unwrap();
    assert_eq!(
        on_pushed.kpis_from_raw(range, CountryFilter::All).unwrap(),
        expected
    );
    assert_eq!(
        on_client.kpis_from_raw(range, CountryFilter::All).unwrap(),
        expected
    );
    let pushed_bytes = pushed.read_stats().bytes - p0.bytes;
    let client_bytes = client_side.read_stats().bytes - c0.bytes;
    assert!(
        pushed_bytes < client_bytes,
        "{pushed_bytes} vs {client_bytes}"
    );
    pushed.drop_database().unwrap();
}

/// Throughput and bytes moved, client-side against push-down (`docs/scaling.md`). Run it by hand:
/// `HB_BENCH_USERS=20000 HB_BENCH_DAYS=30 tests/ferretdb/run-tests.sh measure_reads --ignored --nocapture`
#[test]
#[ignore = "a measurement, not a check: run by hand"]
fn measure_reads() {
    let Some(uri) = server_uri() else { return };
    let env = |k: &str, d: u32| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let gen = GeneratorConfig {
        users: env("HB_BENCH_USERS", 5000),
        days: env("HB_BENCH_DAYS", 30),
        seed: 42,
        ..GeneratorConfig::default()
    };
    let store = MongoStore::connect_with(&uri, Some(&database("measure")), options()).unwrap();
    store.drop_database().unwrap();
    let started = Instant::now();
    let mut sink = store.document_sink();
    let manifest = generate(&gen, &mut NoNan(&mut sink), &mut |_, _| {}).unwrap();
    let (inserted, _) = sink.finish().unwrap();
    println!(
        "seeded {inserted} documents ({} generated, {} users, {} days) in {:.1} s",
        manifest.total_documents(),
        gen.users,
        gen.days,
        started.elapsed().as_secs_f64()
    );
    // 1. A full projected scan of every collection.
    let before = store.read_stats();
    let started = Instant::now();
    let mut visited = 0u64;
    for c in Collection::ALL {
        store
            .scan(&halobuzz_analytics::store::Scan::all(c), &mut |_| {
                visited += 1
            })
            .unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    let got = store.read_stats();
    let (docs, bytes) = (got.documents - before.documents, got.bytes - before.bytes);
    println!(
        "full scan: {docs} documents, {bytes} bytes ({:.0} B/doc) in {secs:.2} s = {:.0} documents/s, {visited} valid",
        bytes as f64 / docs as f64,
        docs as f64 / secs
    );
    let keep = std::env::var_os("HB_KEEP_DB").is_some();
    if std::env::var_os("HB_BENCH_SCAN_ONLY").is_some() {
        if keep {
            println!("kept database {}", store.database_name());
        } else {
            store.drop_database().unwrap();
        }
        return;
    }
    // 2. The rollup of every day (one read per collection and day, as the nightly job does),
    // client-side and pushed down, each under its own app id.
    // HB_BENCH_BACKFILL_DAYS: only the last N days (a large dataset on FerretDB scans slowly).
    let last = env("HB_BENCH_BACKFILL_DAYS", gen.days).clamp(1, gen.days);
    let range = DateRange::new(
        add_days(gen.end_date(), 1 - i64::from(last)),
        gen.end_date(),
    )
    .unwrap();
    let days = range.days() as f64;
    let mut reports = Vec::new();
    let mut moved = Vec::new();
    for push_down in [false, true] {
        let s = Arc::new(
            MongoStore::connect_with(
                &uri,
                Some(store.database_name()),
                MongoStoreOptions {
                    push_down,
                    // FerretDB's `$group` takes documents × groups: minutes for a big day.
                    operation_timeout: Duration::from_secs(1800),
                    ..options()
                },
            )
            .unwrap(),
        );
        let mut cfg = config();
        cfg.app_id = format!("bench-{push_down}");
        let engine = Engine::new(s.clone(), cfg);
        engine.directory().unwrap();
        let before: Vec<MongoReadStats> = Collection::ALL
            .iter()
            .map(|c| s.read_stats_of(*c))
            .collect();
        // Day by day, as the nightly job does (a backfill would also re-read the user directory).
        let started = Instant::now();
        let mut written = 0;
        for d in range.iter() {
            written += engine.rollup_day(d).unwrap().len();
        }
        let secs = started.elapsed().as_secs_f64();
        let per: Vec<MongoReadStats> = Collection::ALL
            .iter()
            .zip(&before)
            .map(|(c, b)| s.read_stats_of(*c).since(b))
            .collect();
        let total = per
            .iter()
            .fold(MongoReadStats::default(), |a, b| MongoReadStats {
                documents: a.documents + b.documents,
                bytes: a.bytes + b.bytes,
                partials: a.partials + b.partials,
                partial_bytes: a.partial_bytes + b.partial_bytes,
            });
        println!(
            "backfill of {} days, push_down={push_down}: {} documents ({} partials) / {} bytes received in {secs:.2} s ({} rollups); per day {:.0} documents, {:.0} bytes",
            range.days(),
            total.documents,
            total.partials,
            total.bytes,
            written,
            total.documents as f64 / days,
            total.bytes as f64 / days,
        );
        moved.push(per);
        // The stored rollups (not a report: that would also roll up the previous period).
        let stored: Vec<DailyRollup> = range
            .iter()
            .flat_map(|d| engine.rollups_of_day(d).unwrap())
            .collect();
        reports.push(pushdown::canonical(&engine, &stored));
    }
    assert_eq!(reports[0], reports[1]);
    println!(
        "per day | collection | client-side documents | bytes | push-down documents (partials) | bytes (partials) | B/partial | bytes ratio"
    );
    for (i, c) in Collection::ALL.iter().enumerate() {
        let (a, b) = (moved[0][i], moved[1][i]);
        println!(
            "| {c} | {:.0} | {:.0} | {:.0} ({:.0}) | {:.0} ({:.0}) | {:.0} | {:.3} |",
            a.documents as f64 / days,
            a.bytes as f64 / days,
            b.documents as f64 / days,
            b.partials as f64 / days,
            b.bytes as f64 / days,
            b.partial_bytes as f64 / days,
            b.partial_bytes as f64 / (b.partials.max(1)) as f64,
            b.bytes as f64 / (a.bytes.max(1)) as f64,
        );
    }
    // HB_KEEP_DB=1 keeps the database (to try the CLI on it: `--data $MONGODB_URI --database <name>`).
    if !keep {
        store.drop_database().unwrap();
    } else {
        println!("kept database {}", store.database_name());
    }
}

/// A sink that drops documents holding a NaN (FerretDB refuses them; see `has_nan`).
struct NoNan<'a, 'b>(&'a mut MongoDocumentSink<'b>);

impl DocumentSink for NoNan<'_, '_> {
    fn accept(&mut self, collection: Collection, doc: Document) -> halobuzz_analytics::Result<()> {
        if has_nan(&doc) {
            return Ok(());
        }
        self.0.accept(collection, doc)
    }
}

#[test]
fn two_document_types_round_trip_with_their_own_unique_indexes() {
    let Some(uri) = server_uri() else { return };
    let name = format!("docs_{}", std::process::id());
    let store = MongoStore::connect_with(&uri, Some(&name), options()).unwrap();
    common::docs::round_trip_two_document_types(&store);
    for (collection, index) in [
        ("testdaynotes", "appId_1_date_1_country_1"),
        ("testruleevents", "rule_1_seq_1"),
        ("testruleevents", "status_1"),
    ] {
        let names = store.analytics_index_names(collection).unwrap();
        assert!(names.iter().any(|n| n == index), "{collection}: {names:?}");
    }
    store.drop_database().unwrap();
}

/// Alerts through MongoDB: a check raises, stores and re-reads the same alerts as on the in-memory
/// twin, a second check updates instead of duplicating, and acknowledging and resolving persist.
#[test]
fn alerts_on_mongodb_equal_the_in_memory_store() {
    let Some(uri) = server_uri() else { return };
    let gen = gen_config(0.0);
    let (mongo, memory) = seeded(&uri, "alerts", &gen);
    let on_mongo = Engine::new(Arc::new(mongo), config());
    let in_memory = Engine::new(Arc::new(memory), config());
    let cal = halobuzz_analytics::calendar::Calendar::default();
    // Every morning of the last ten days, as a scheduler would check.
    let mut day = halobuzz_analytics::calendar::add_days(gen.end_date(), -10);
    while day <= gen.end_date() {
        let at = cal.day_range(day).end + chrono::Duration::hours(1);
        let a = on_mongo.check_alerts(at).unwrap();
        let b = in_memory.check_alerts(at).unwrap();
        assert_eq!(a.transitions, b.transitions, "{day}");
        day = halobuzz_analytics::calendar::add_days(day, 1);
    }
    let all = halobuzz_analytics::alert::AlertFilter::default();
    let stored = on_mongo.alerts(&all).unwrap();
    assert_eq!(stored, in_memory.alerts(&all).unwrap());
    assert!(
        !stored.is_empty(),
        "ten mornings of a small platform raise something"
    );
    if let Some(a) = stored
        .iter()
        .find(|a| a.status == halobuzz_analytics::alert::AlertStatus::Active)
    {
        let acked = on_mongo.acknowledge_alert(&a.alert_id, "ferret").unwrap();
        let reread = on_mongo.alerts(&all).unwrap();
        assert!(reread.contains(&acked));
        on_mongo.resolve_alert(&a.alert_id, "ferret").unwrap();
    }
    let ids: std::collections::HashSet<String> = on_mongo
        .alerts(&all)
        .unwrap()
        .into_iter()
        .map(|a| a.alert_id)
        .collect();
    assert_eq!(ids.len(), stored.len(), "no alert was duplicated");
}
