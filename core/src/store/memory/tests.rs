//! Unit tests of the in-memory store.

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
