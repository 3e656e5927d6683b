//! The analytics documents of one collection in the in-memory store, bounded by eviction of the oldest.

use std::collections::{BTreeMap, VecDeque};

use crate::store::{DocKey, SharedDoc};

/// The analytics documents of one collection: by key, and in the order they were put, so that the
/// oldest can be evicted in amortised constant time.
#[derive(Debug, Default)]
pub(super) struct DocTable {
    /// Each document, with the insertion number it was last put with.
    pub(super) by_key: BTreeMap<DocKey, (u64, SharedDoc)>,
    /// `(insertion number, key)`, oldest first. An entry whose number is no longer its key's (the
    /// document was replaced or deleted since) is stale: skipped, and dropped by [`DocTable::compact`].
    pub(super) order: VecDeque<(u64, DocKey)>,
    /// The next insertion number.
    pub(super) next: u64,
}

impl DocTable {
    /// Inserts or replaces; either way the document becomes the newest.
    pub(super) fn insert(&mut self, key: DocKey, doc: SharedDoc) {
        let n = self.next;
        self.next += 1;
        self.order.push_back((n, key.clone()));
        self.by_key.insert(key, (n, doc));
    }

    pub(super) fn is_live(&self, n: u64, key: &DocKey) -> bool {
        self.by_key.get(key).is_some_and(|(m, _)| *m == n)
    }

    /// Evicts the oldest documents until at most `max` are left.
    pub(super) fn evict_to(&mut self, max: usize) {
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
    pub(super) fn compact(&mut self) {
        if self.order.len() > 2 * self.by_key.len() + 64 {
            let order = std::mem::take(&mut self.order);
            self.order = order
                .into_iter()
                .filter(|(n, k)| self.is_live(*n, k))
                .collect();
        }
    }
}
