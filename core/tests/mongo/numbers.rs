//! The dictionary of user numbers on a real server: two stores (as two processes) numbering the same new
//! ids at once agree on every number, through the unique key index and inserts that lose.

use std::sync::Arc;
use std::thread;

use bson::oid::ObjectId;
use halobuzz_analytics::dictionary::{Dictionary, NumberEntry};
use halobuzz_analytics::store::{AnalyticsStore, MongoStore, Store};
use roaring::RoaringBitmap;

use super::{database, options, server_uri};

#[test]
fn two_processes_number_the_same_ids_alike_on_the_server() {
    let Some(uri) = server_uri() else { return };
    let name = database("numbers");
    let first = MongoStore::connect_with(&uri, Some(&name), options()).unwrap();
    first.drop_database().unwrap();
    let second = MongoStore::connect_with(&uri, Some(&name), options()).unwrap();
    let ids: Vec<ObjectId> = (0..600u32)
        .map(|i| {
            let mut b = [0u8; 12];
            b[0] = 0x5a;
            b[8..].copy_from_slice(&i.to_be_bytes());
            ObjectId::from_bytes(b)
        })
        .collect();
    let run = |store: Arc<dyn Store>, keys: Vec<ObjectId>| {
        thread::spawn(move || {
            let d = Dictionary::<ObjectId>::default();
            let mut numbers = RoaringBitmap::new();
            for chunk in keys.chunks(50) {
                for k in chunk {
                    numbers.insert(d.number(store.as_ref(), k).unwrap());
                }
                d.commit(store.as_ref()).unwrap();
            }
            d.remap(&mut numbers);
            let by_id: Vec<u32> = keys.iter().map(|k| d.get(k).unwrap()).collect();
            (numbers, by_id)
        })
    };
    let mut reversed = ids.clone();
    reversed.reverse();
    let a = run(Arc::new(first), ids.clone());
    let b = run(Arc::new(second), reversed);
    let (set_a, by_a) = a.join().unwrap();
    let (set_b, mut by_b) = b.join().unwrap();
    by_b.reverse();
    assert_eq!(by_a, by_b, "the two processes disagree");
    assert_eq!(set_a, set_b);
    assert_eq!(set_a.len(), 600, "one number per id");

    // A third process reads exactly those numbers; an entry inserted again is refused, not replaced.
    let third = MongoStore::connect_with(&uri, Some(&name), options()).unwrap();
    let d = Dictionary::<ObjectId>::default();
    d.load(&third).unwrap();
    assert_eq!(
        ids.iter().map(|k| d.get(k).unwrap()).collect::<Vec<_>>(),
        by_a
    );
    let again = NumberEntry {
        kind: "user".into(),
        key: ids[0].to_hex(),
        number: 999_999,
    };
    assert_eq!(third.insert_new_docs(&[again]).unwrap(), vec![0]);
    third.drop_database().unwrap();
}
