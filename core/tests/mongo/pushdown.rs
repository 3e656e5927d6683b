//! Push-down and concurrent reads against the server: for every raw collection, each day rolled up
//! through server-side groups equals the client-side path (generated data, invalid and duplicate
//! documents included, plus the hand-written [`edge_cases`](super::edge_cases)); concurrent reads and a
//! parallel backfill store what a sequential run stores.

use std::ops::ControlFlow;
use std::sync::Arc;

use bson::Document;
use halobuzz_analytics::calendar::{add_days, Calendar, DateRange};
use halobuzz_analytics::generate::{generate, GeneratorConfig};
use halobuzz_analytics::kpi::DailyRollup;
use halobuzz_analytics::store::{DocumentSink, MongoDocumentSink, MongoStore, MongoStoreOptions};
use halobuzz_analytics::{Collection, Engine};
use serde_json::Value;

use super::{config, database, edge_cases, gen_config, has_nan, options, server_uri};

/// A rollup with every number replaced by what it stands for (user ids, round ids), so that two
/// engines' rollups compare whatever numbers their dictionaries handed out.
pub fn canonical(engine: &Engine, rollups: &[DailyRollup]) -> Vec<(String, String, Value)> {
    let numbering = engine.numbering();
    let user = |n: u32| {
        numbering
            .users
            .key_of(engine.store(), n)
            .unwrap()
            .map_or_else(|| format!("#{n}"), |id| id.to_hex())
    };
    let mut out: Vec<_> = rollups
        .iter()
        .map(|r| {
            let f = &r.facts;
            let mut v = serde_json::to_value(&**f).unwrap();
            let sets = [
                ("active", &f.active),
                ("payers", &f.payers),
                ("ogBuyers", &f.og_buyers),
                ("players", &f.players),
                ("signups", &f.signups),
                ("newHosts", &f.new_hosts),
            ];
            for (name, set) in sets {
                let mut ids: Vec<String> = set.iter().map(user).collect();
                ids.sort();
                v[name] = serde_json::json!(ids);
            }
            let hosts: std::collections::BTreeMap<String, Value> = f
                .hosts
                .iter()
                .map(|(n, h)| (user(n), serde_json::to_value(h).unwrap()))
                .collect();
            v["hosts"] = serde_json::json!(hosts);
            let rounds: std::collections::BTreeMap<String, f64> = f
                .rounds
                .iter()
                .map(|(n, d)| {
                    let id = numbering.rounds.key_of(engine.store(), n).unwrap();
                    (id.map_or_else(|| format!("#{n}"), |r| r.to_string()), *d)
                })
                .collect();
            v["rounds"] = serde_json::json!(rounds);
            (r.date.to_string(), r.country.key(), v)
        })
        .collect();
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out
}

/// Passes on the documents of some collections only.
struct Only<'a, 'b> {
    keep: Vec<Collection>,
    sink: &'a mut MongoDocumentSink<'b>,
}

impl DocumentSink for Only<'_, '_> {
    fn accept(&mut self, collection: Collection, doc: Document) -> halobuzz_analytics::Result<()> {
        if self.keep.contains(&collection) && !has_nan(&doc) {
            self.sink.accept(collection, doc)?;
        }
        Ok(())
    }
}

/// The generated users (the directory: fallback countries) and documents of `collection`, plus the
/// edge cases of `collection` on the window's third day. Returns the store and the window.
fn seed(uri: &str, collection: Collection) -> (MongoStore, DateRange) {
    let gen = GeneratorConfig {
        users: 150,
        days: 5,
        ..gen_config(0.01)
    };
    let name = database(&format!("pd_{}", collection.name()));
    let store = MongoStore::connect_with(uri, Some(&name), options()).unwrap();
    store.drop_database().unwrap();
    let mut sink = store.document_sink();
    let mut keep = vec![Collection::Users, collection];
    if collection == Collection::Gamestakes {
        keep.push(Collection::Gamerounds);
    }
    generate(
        &gen,
        &mut Only {
            keep,
            sink: &mut sink,
        },
        &mut |_, _| {},
    )
    .unwrap();
    let day = Calendar::default().day_start(add_days(gen.start_date(), 2));
    for doc in edge_cases::users(day) {
        sink.accept(Collection::Users, doc).unwrap();
    }
    if collection != Collection::Users {
        for doc in edge_cases::documents(collection, day) {
            sink.accept(collection, doc).unwrap();
        }
    }
    sink.finish().unwrap();
    let range = DateRange::new(gen.start_date(), gen.end_date()).unwrap();
    (store, range)
}

/// Rolls up every day of the window through push-down and through the client-side path (two stores
/// on one database) and compares; returns what each moved for `collection`.
fn compare_paths(collection: Collection) {
    let Some(uri) = server_uri() else { return };
    let (pushed, range) = seed(&uri, collection);
    let client = MongoStore::connect_with(
        &uri,
        Some(pushed.database_name()),
        MongoStoreOptions {
            push_down: false,
            ..options()
        },
    )
    .unwrap();
    let (pushed, client) = (Arc::new(pushed), Arc::new(client));
    let engine = |store: Arc<MongoStore>, app: &str| {
        let mut cfg = config();
        cfg.app_id = app.to_owned();
        let e = Engine::new(store, cfg);
        e.directory().unwrap();
        e
    };
    let (on_pushed, on_client) = (
        engine(pushed.clone(), "pushed"),
        engine(client.clone(), "client"),
    );
    let (p0, c0) = (
        pushed.read_stats_of(collection),
        client.read_stats_of(collection),
    );
    for d in range.iter() {
        let a = on_pushed.rollup_day(d).unwrap();
        let b = on_client.rollup_day(d).unwrap();
        assert_eq!(
            canonical(&on_pushed, &a),
            canonical(&on_client, &b),
            "{collection} on {d}"
        );
    }
    let p = pushed.read_stats_of(collection).since(&p0);
    let c = client.read_stats_of(collection).since(&c0);
    println!("{collection}: client-side {c:?}; push-down {p:?}");
    assert!(p.partials > 0, "{collection}: nothing was grouped: {p:?}");
    assert_eq!(c.partials, 0);
    // The edge cases include documents only the engine can judge: they travel whole.
    if collection != Collection::Users {
        assert!(
            p.documents > p.partials,
            "{collection}: nothing travelled: {p:?}"
        );
    }
    assert!(p.bytes < c.bytes, "{collection}: {p:?} vs {c:?}");
    pushed.drop_database().unwrap();
}

#[test]
fn push_down_equals_the_client_side_path_for_users() {
    compare_paths(Collection::Users);
}

#[test]
fn push_down_equals_the_client_side_path_for_transactions() {
    compare_paths(Collection::Transactions);
}

#[test]
fn push_down_equals_the_client_side_path_for_livestreams() {
    compare_paths(Collection::Livestreams);
}

#[test]
fn push_down_equals_the_client_side_path_for_messages() {
    compare_paths(Collection::Messages);
}

#[test]
fn push_down_equals_the_client_side_path_for_gamestakes() {
    compare_paths(Collection::Gamestakes);
}

#[test]
fn push_down_equals_the_client_side_path_for_moderationflags() {
    compare_paths(Collection::Moderationflags);
}

#[test]
fn push_down_equals_the_client_side_path_for_analyticsevents() {
    compare_paths(Collection::Analyticsevents);
}

/// A backfill reading each day's collections concurrently, several days at once, stores what a
/// sequential one (one read at a time, one day at a time) stores.
#[test]
fn concurrent_reads_and_a_parallel_backfill_equal_a_sequential_run() {
    let Some(uri) = server_uri() else { return };
    let gen = GeneratorConfig {
        users: 150,
        days: 6,
        ..gen_config(0.01)
    };
    let (store, _) = super::seeded(&uri, "parallel", &gen);
    let range = DateRange::new(gen.start_date(), gen.end_date()).unwrap();
    let run = |reads: usize, days: u32| {
        let store = MongoStore::connect_with(
            &uri,
            Some(store.database_name()),
            MongoStoreOptions {
                read_concurrency: reads,
                ..options()
            },
        )
        .unwrap();
        let mut cfg = config();
        cfg.app_id = format!("reads{reads}-days{days}");
        cfg.backfill_concurrency = days;
        let engine = Engine::new(Arc::new(store), cfg);
        let summary = engine
            .backfill(range, false, &mut |_| ControlFlow::Continue(()))
            .unwrap();
        assert_eq!(summary.computed, range.days() as u64);
        let stored: Vec<DailyRollup> = range
            .iter()
            .flat_map(|d| engine.rollups_of_day(d).unwrap())
            .collect();
        canonical(&engine, &stored)
    };
    let sequential = run(1, 1);
    assert!(!sequential.is_empty());
    assert_eq!(run(4, 3), sequential);
    store.drop_database().unwrap();
}
