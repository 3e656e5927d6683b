//! Dense, stable numbers for ids: what the distinct sets of rollups hold. Compressed bitmaps need small
//! integers, and a stored rollup must mean the same users in every process and after every restart, so
//! the number of an id is assigned once and persisted.
//!
//! Each kind of id (users, game rounds) has an append-only dictionary in the store: one [`NumberEntry`]
//! per id, unique by `(kind, key)`. A process hands out numbers from blocks of [`BLOCK`] that it claims
//! first ([`NumberBlock`], unique by `(kind, block)`), so two processes never hand out the same number;
//! entries are written with an insert that loses to an existing key, so two processes that number the
//! same new id at once end up agreeing on the winner's number. A number handed out but not yet written
//! is *provisional*: whoever holds one must [`Dictionary::commit`] before storing anything that contains
//! it, then pass its sets through [`Dictionary::remap`], which moves the numbers that lost.

use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use bson::oid::ObjectId;
use roaring::RoaringBitmap;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::store::{AnalyticsDoc, AnalyticsStore, DocFilter, DocKey, DocSpec, KeyValue, Store};
use crate::{Error, Result};

/// Numbers a process claims at once.
pub const BLOCK: u32 = 4096;

/// Claims of a new block give up after this many blocks turn out taken in a row (only a storm of
/// processes claiming at the same instant gets near it).
const MAX_CLAIM_ATTEMPTS: u32 = 1000;

/// One id and its number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberEntry {
    /// The kind of id (`user`, `round`).
    pub kind: String,
    /// The id, as text (an ObjectId in hex).
    pub key: String,
    /// Its number.
    pub number: i64,
}

impl AnalyticsDoc for NumberEntry {
    const SPEC: DocSpec = DocSpec {
        collection: "analyticsnumbers",
        key_fields: &["kind", "key"],
        key_index: "kind_1_key_1",
        retired_indexes: &[],
        indexes: &[],
        // Never dropped: every stored rollup is written in these numbers.
        evictable: false,
    };

    fn key(&self) -> DocKey {
        DocKey(vec![self.kind.as_str().into(), self.key.as_str().into()])
    }
}

/// A block of numbers one process hands out: `block × BLOCK ..< (block + 1) × BLOCK`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberBlock {
    /// The kind of id.
    pub kind: String,
    /// The block.
    pub block: i64,
}

impl AnalyticsDoc for NumberBlock {
    const SPEC: DocSpec = DocSpec {
        collection: "analyticsnumberblocks",
        key_fields: &["kind", "block"],
        key_index: "kind_1_block_1",
        retired_indexes: &[],
        indexes: &[],
        evictable: false,
    };

    fn key(&self) -> DocKey {
        DocKey(vec![self.kind.as_str().into(), self.block.into()])
    }
}

/// An id that can be numbered.
pub trait DictKey: Clone + Eq + Hash + Send + Sync + fmt::Debug + 'static {
    /// The dictionary's kind.
    const KIND: &'static str;
    /// The id as stored.
    fn encode(&self) -> String;
    /// The id read back (`None`: not an id of this kind).
    fn decode(s: &str) -> Option<Self>;
}

impl DictKey for ObjectId {
    const KIND: &'static str = "user";
    fn encode(&self) -> String {
        self.to_hex()
    }
    fn decode(s: &str) -> Option<Self> {
        ObjectId::parse_str(s).ok()
    }
}

impl DictKey for Arc<str> {
    const KIND: &'static str = "round";
    fn encode(&self) -> String {
        self.to_string()
    }
    fn decode(s: &str) -> Option<Self> {
        Some(s.into())
    }
}

/// The in-process copy of one dictionary.
#[derive(Debug)]
struct Table<K> {
    by_key: FxHashMap<K, u32>,
    /// Ids by number; `None` for numbers nobody holds (the unused tail of a block).
    keys: Vec<Option<K>>,
    /// The free numbers of this process's current block: `next..end`.
    next: u32,
    end: u32,
    /// The highest block known to be claimed (by anyone).
    last_block: i64,
    /// Provisional numbers, not yet written.
    pending: Vec<u32>,
    /// Provisional numbers that lost to another process's entry, and the winner's number.
    moved: FxHashMap<u32, u32>,
    moved_set: RoaringBitmap,
    loaded: bool,
}

impl<K> Default for Table<K> {
    fn default() -> Self {
        Table {
            by_key: FxHashMap::default(),
            keys: Vec::new(),
            next: 0,
            end: 0,
            last_block: -1,
            pending: Vec::new(),
            moved: FxHashMap::default(),
            moved_set: RoaringBitmap::new(),
            loaded: false,
        }
    }
}

impl<K: DictKey> Table<K> {
    fn set(&mut self, key: K, number: u32) {
        let i = number as usize;
        if self.keys.len() <= i {
            self.keys.resize(i + 1, None);
        }
        self.keys[i] = Some(key.clone());
        self.by_key.insert(key, number);
    }

    /// Adds every stored entry and block this table does not know yet.
    fn read(&mut self, store: &dyn Store) -> Result<()> {
        let kind = DocFilter::all().eq("kind", K::KIND);
        for e in store.find_docs::<NumberEntry>(&kind)? {
            let number = stored_number(&e)?;
            let key = K::decode(&e.key).ok_or_else(|| corrupt(&e.key, "is not an id"))?;
            if !self.by_key.contains_key(&key) {
                self.set(key, number);
            }
        }
        for b in store.find_docs::<NumberBlock>(&kind)? {
            self.last_block = self.last_block.max(b.block);
        }
        self.loaded = true;
        Ok(())
    }

    /// A free number of a block this process owns, claiming a new block when the current one is spent.
    fn allocate(&mut self, store: &dyn Store) -> Result<u32> {
        if self.next == self.end {
            self.claim(store)?;
        }
        let n = self.next;
        self.next += 1;
        Ok(n)
    }

    fn claim(&mut self, store: &dyn Store) -> Result<()> {
        let max_block = i64::from(u32::MAX / BLOCK) - 1;
        for _ in 0..MAX_CLAIM_ATTEMPTS {
            let block = self.last_block + 1;
            if block > max_block {
                return Err(Error::storage(
                    NumberBlock::SPEC.collection,
                    format!("every {} number is taken (u32 space)", K::KIND),
                ));
            }
            self.last_block = block;
            let taken = store.insert_new_docs(&[NumberBlock {
                kind: K::KIND.to_owned(),
                block,
            }])?;
            if taken.is_empty() {
                // `block` is in 0..=max_block, so both ends fit a u32.
                self.next = u32::try_from(block).unwrap_or(0) * BLOCK;
                self.end = self.next + BLOCK;
                return Ok(());
            }
        }
        Err(Error::storage(
            NumberBlock::SPEC.collection,
            format!(
                "{MAX_CLAIM_ATTEMPTS} blocks of {} numbers in a row were claimed by others first; try again",
                K::KIND
            ),
        ))
    }
}

fn stored_number(e: &NumberEntry) -> Result<u32> {
    u32::try_from(e.number).map_err(|_| corrupt(&e.key, "has a number outside 0..2^32"))
}

fn corrupt(key: &str, why: &str) -> Error {
    Error::storage(
        NumberEntry::SPEC.collection,
        format!("the entry `{key}` {why}: the dictionary was not written by this engine"),
    )
}

/// One dictionary (of users or of rounds), shared by every thread of an engine.
#[derive(Debug)]
pub struct Dictionary<K> {
    table: RwLock<Table<K>>,
}

impl<K> Default for Dictionary<K> {
    fn default() -> Self {
        Dictionary {
            table: RwLock::new(Table::default()),
        }
    }
}

impl<K: DictKey> Dictionary<K> {
    fn read_table(&self) -> RwLockReadGuard<'_, Table<K>> {
        // A panic while holding the lock leaves a consistent table (every method updates it in an
        // order that never leaves a key half-set), so a poisoned lock is still usable.
        self.table.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_table(&self) -> RwLockWriteGuard<'_, Table<K>> {
        self.table.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads the stored dictionary the first time it is needed.
    pub fn load(&self, store: &dyn Store) -> Result<()> {
        if self.read_table().loaded {
            return Ok(());
        }
        let mut t = self.write_table();
        if !t.loaded {
            t.read(store)?;
        }
        Ok(())
    }

    /// Re-reads the stored dictionary, adding what other processes numbered since.
    pub fn refresh(&self, store: &dyn Store) -> Result<()> {
        self.write_table().read(store)
    }

    /// The number of `key`, if it has one here.
    pub fn get(&self, key: &K) -> Option<u32> {
        self.read_table().by_key.get(key).copied()
    }

    /// The number of `key`, handing out a provisional one if it has none.
    pub fn number(&self, store: &dyn Store, key: &K) -> Result<u32> {
        if let Some(n) = self.get(key) {
            return Ok(n);
        }
        self.load(store)?;
        let mut t = self.write_table();
        if let Some(&n) = t.by_key.get(key) {
            return Ok(n);
        }
        let n = t.allocate(store)?;
        t.set(key.clone(), n);
        t.pending.push(n);
        Ok(n)
    }

    /// Numbers every key of `keys` and commits, in one write: the bulk path (a directory load).
    pub fn number_all<'a>(
        &self,
        store: &dyn Store,
        keys: impl IntoIterator<Item = &'a K>,
    ) -> Result<()> {
        self.load(store)?;
        {
            let mut t = self.write_table();
            for key in keys {
                if !t.by_key.contains_key(key) {
                    let n = t.allocate(store)?;
                    t.set(key.clone(), n);
                    t.pending.push(n);
                }
            }
        }
        self.commit(store)
    }

    /// Writes every provisional number; a key another process numbered first takes that number, and
    /// the provisional one is recorded as moved (see [`Dictionary::remap`]).
    pub fn commit(&self, store: &dyn Store) -> Result<()> {
        let mut t = self.write_table();
        if t.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut t.pending);
        let entries: Vec<NumberEntry> = pending
            .iter()
            .filter_map(|&n| {
                let key = t.keys.get(n as usize)?.as_ref()?;
                Some(NumberEntry {
                    kind: K::KIND.to_owned(),
                    key: key.encode(),
                    number: i64::from(n),
                })
            })
            .collect();
        let taken = match store.insert_new_docs(&entries) {
            Ok(taken) => taken,
            Err(e) => {
                // Nothing is lost: the numbers stay provisional and the next commit tries again.
                t.pending = pending;
                return Err(e);
            }
        };
        if taken.is_empty() {
            return Ok(());
        }
        let lost: Vec<KeyValue> = taken
            .iter()
            .filter_map(|&i| entries.get(i))
            .map(|e| e.key.as_str().into())
            .collect();
        let winners = store.find_docs::<NumberEntry>(
            &DocFilter::all()
                .eq("kind", K::KIND)
                .any_of("key", lost.clone()),
        )?;
        if winners.len() != lost.len() {
            return Err(Error::storage(
                NumberEntry::SPEC.collection,
                format!(
                    "{} {} numbers were taken by another writer but only {} can be read back",
                    lost.len(),
                    K::KIND,
                    winners.len()
                ),
            ));
        }
        for w in winners {
            let number = stored_number(&w)?;
            let key = K::decode(&w.key).ok_or_else(|| corrupt(&w.key, "is not an id"))?;
            if let Some(&provisional) = t.by_key.get(&key) {
                if provisional != number {
                    t.moved.insert(provisional, number);
                    t.moved_set.insert(provisional);
                    if let Some(slot) = t.keys.get_mut(provisional as usize) {
                        *slot = None;
                    }
                }
            }
            t.set(key, number);
        }
        Ok(())
    }

    /// Whether any number handed out by this process lost to another process's (then sets must be
    /// passed through [`Dictionary::remap`]).
    pub fn has_moved(&self) -> bool {
        !self.read_table().moved.is_empty()
    }

    /// Replaces in `set` every provisional number that lost by the winner's number.
    pub fn remap(&self, set: &mut RoaringBitmap) {
        let t = self.read_table();
        if t.moved.is_empty() || t.moved_set.is_disjoint(set) {
            return;
        }
        let hit = &*set & &t.moved_set;
        *set -= &hit;
        for p in &hit {
            if let Some(&n) = t.moved.get(&p) {
                set.insert(n);
            }
        }
    }

    /// The number a (possibly moved) number stands for now.
    pub fn current(&self, n: u32) -> u32 {
        let t = self.read_table();
        t.moved.get(&n).copied().unwrap_or(n)
    }

    /// The id of number `n`, re-reading the stored dictionary once if another process assigned it
    /// after this one loaded.
    pub fn key_of(&self, store: &dyn Store, n: u32) -> Result<Option<K>> {
        if let Some(k) = self.key_here(n) {
            return Ok(Some(k));
        }
        self.refresh(store)?;
        Ok(self.key_here(n))
    }

    /// The id of number `n` as known here.
    pub fn key_here(&self, n: u32) -> Option<K> {
        self.read_table().keys.get(n as usize).cloned().flatten()
    }

    /// How many ids are numbered here.
    pub fn len(&self) -> usize {
        self.read_table().by_key.len()
    }

    /// Whether no id is numbered here.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The dictionaries of an engine.
#[derive(Debug, Default)]
pub struct Numbering {
    /// User ids (every set of users in rollups).
    pub users: Dictionary<ObjectId>,
    /// `gamerounds.roundId`s (the rounds of `avgGameDuration`).
    pub rounds: Dictionary<Arc<str>>,
}

impl Numbering {
    /// Commits both dictionaries.
    pub fn commit(&self, store: &dyn Store) -> Result<()> {
        self.users.commit(store)?;
        self.rounds.commit(store)
    }
}

#[cfg(test)]
mod tests;
