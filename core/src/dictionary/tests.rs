use std::sync::Arc;
use std::thread;

use bson::oid::ObjectId;

use super::*;
use crate::store::InMemoryStoreBuilder;

fn ids(n: usize) -> Vec<ObjectId> {
    (0..n).map(|_| ObjectId::new()).collect()
}

#[test]
fn numbers_are_dense_stable_and_survive_a_restart() {
    let store = InMemoryStoreBuilder::new().build();
    let users = ids(10);
    let d = Dictionary::<ObjectId>::default();
    d.number_all(&store, users.iter()).expect("number");
    let numbers: Vec<u32> = users.iter().map(|u| d.get(u).expect("numbered")).collect();
    assert_eq!(numbers, (0..10).collect::<Vec<u32>>());
    // Another process (a fresh dictionary over the same store) reads the same numbers.
    let again = Dictionary::<ObjectId>::default();
    again.load(&store).expect("load");
    for (u, n) in users.iter().zip(&numbers) {
        assert_eq!(again.get(u), Some(*n));
        assert_eq!(again.key_here(*n), Some(*u));
    }
    // Its new numbers come from a block of its own.
    let newcomer = ObjectId::new();
    let n = again.number(&store, &newcomer).expect("number");
    assert!(n >= BLOCK, "{n} is in the first process's block");
    again.commit(&store).expect("commit");
    assert_eq!(d.key_of(&store, n).expect("read"), Some(newcomer));
}

#[test]
fn two_processes_numbering_the_same_ids_agree() {
    let store: Arc<dyn Store> = Arc::new(InMemoryStoreBuilder::new().build());
    let shared = ids(3000);
    let a = Arc::new(Dictionary::<ObjectId>::default());
    let b = Arc::new(Dictionary::<ObjectId>::default());
    let run = |d: Arc<Dictionary<ObjectId>>, keys: Vec<ObjectId>, store: Arc<dyn Store>| {
        thread::spawn(move || {
            let mut provisional = RoaringBitmap::new();
            for chunk in keys.chunks(100) {
                for k in chunk {
                    provisional.insert(d.number(store.as_ref(), k).expect("number"));
                }
                d.commit(store.as_ref()).expect("commit");
            }
            d.remap(&mut provisional);
            provisional
        })
    };
    let mut reversed = shared.clone();
    reversed.reverse();
    let ta = run(a.clone(), shared.clone(), store.clone());
    let tb = run(b.clone(), reversed, store.clone());
    let (sa, sb) = (ta.join().expect("a"), tb.join().expect("b"));
    for k in &shared {
        let (na, nb) = (a.get(k).expect("a has it"), b.get(k).expect("b has it"));
        assert_eq!(na, nb, "the two processes disagree on {k}");
    }
    // After remapping, both processes' sets hold exactly the agreed numbers.
    assert_eq!(sa, sb);
    assert_eq!(sa.len(), 3000);
    // And a third process reads the same.
    let c = Dictionary::<ObjectId>::default();
    c.load(store.as_ref()).expect("load");
    for k in &shared {
        assert_eq!(c.get(k), a.get(k));
    }
}

#[test]
fn a_lost_number_is_moved_and_remapped() {
    let store = InMemoryStoreBuilder::new().build();
    let a = Dictionary::<ObjectId>::default();
    let b = Dictionary::<ObjectId>::default();
    a.load(&store).expect("load");
    b.load(&store).expect("load");
    let id = ObjectId::new();
    let na = a.number(&store, &id).expect("a");
    let nb = b.number(&store, &id).expect("b");
    assert_ne!(na, nb, "two processes number from different blocks");
    a.commit(&store).expect("a commits first");
    b.commit(&store).expect("b loses");
    assert!(b.has_moved());
    assert_eq!(b.get(&id), Some(na));
    assert_eq!(b.current(nb), na);
    let mut set: RoaringBitmap = [nb, 7].into_iter().collect();
    b.remap(&mut set);
    assert_eq!(set, [na, 7].into_iter().collect());
}

#[test]
fn rounds_are_numbered_apart_from_users() {
    let store = InMemoryStoreBuilder::new().build();
    let n = Numbering::default();
    let user = n.users.number(&store, &ObjectId::new()).expect("user");
    let round = n.rounds.number(&store, &Arc::from("r-1")).expect("round");
    assert_eq!((user, round), (0, 0));
    n.commit(&store).expect("commit");
    let again = Numbering::default();
    again.rounds.load(&store).expect("load");
    assert_eq!(again.rounds.get(&Arc::from("r-1")), Some(0));
    assert_eq!(again.users.len(), 0);
}
