//! The analytics documents of one collection in the in-memory store, bounded by eviction of the oldest.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, VecDeque};

use crate::store::{Condition, DocKey, KeyValue, SharedDoc};

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

    /// Inserts unless the key is taken: whether it was inserted. Only an `evictable` collection
    /// remembers the order of insertion (what eviction walks).
    pub(super) fn insert_new(&mut self, key: &DocKey, doc: &SharedDoc, evictable: bool) -> bool {
        match self.by_key.entry(key.clone()) {
            Entry::Occupied(_) => false,
            Entry::Vacant(slot) => {
                let n = self.next;
                self.next += 1;
                if evictable {
                    self.order.push_back((n, key.clone()));
                }
                slot.insert((n, doc.clone()));
                true
            }
        }
    }

    /// The documents whose keys satisfy `resolved` (conditions by key position), in key order. Keys
    /// sort field by field, so equalities on the leading fields and a range on the next one make a
    /// contiguous run of the map: only that run is walked (a report reads its days' rollups, not the
    /// whole collection).
    pub(super) fn find(&self, resolved: &[(usize, &Condition)]) -> Vec<SharedDoc> {
        let at = |i: usize| {
            resolved
                .iter()
                .filter(move |(p, _)| *p == i)
                .map(|(_, c)| *c)
        };
        // Leading positions with one value (`Eq`) or a few (`In`, each value its own run), then a
        // range on the next position: the runs of the map to walk, in key order.
        const MAX_RUNS: usize = 64;
        let mut prefixes: Vec<Vec<KeyValue>> = vec![Vec::new()];
        let mut upper: Option<KeyValue> = None;
        let mut lower: Option<KeyValue> = None;
        let mut i = 0;
        loop {
            if let Some(Condition::Eq(v)) = at(i).find(|c| matches!(c, Condition::Eq(_))) {
                prefixes.iter_mut().for_each(|p| p.push(v.clone()));
            } else if let Some(Condition::In(xs)) = at(i).find(|c| {
                matches!(c, Condition::In(xs) if !xs.is_empty() && xs.len() * prefixes.len() <= MAX_RUNS)
            }) {
                let mut values: Vec<&KeyValue> = xs.iter().collect();
                values.sort();
                values.dedup();
                prefixes = prefixes
                    .iter()
                    .flat_map(|p| {
                        values.iter().map(move |v| {
                            let mut q = p.clone();
                            q.push((*v).clone());
                            q
                        })
                    })
                    .collect();
            } else {
                if let Some(Condition::Between(lo, hi)) =
                    at(i).find(|c| matches!(c, Condition::Between(..)))
                {
                    lower.clone_from(lo);
                    upper.clone_from(hi);
                }
                break;
            }
            i += 1;
        }
        // A long list of values (the generations of a report's days) is looked up in a set.
        let sets: Vec<Option<std::collections::HashSet<&KeyValue>>> = resolved
            .iter()
            .map(|(_, c)| match c {
                Condition::In(xs) if xs.len() > 8 => Some(xs.iter().collect()),
                _ => None,
            })
            .collect();
        let matches = |k: &DocKey| {
            resolved.iter().zip(&sets).all(|((i, c), set)| {
                k.0.get(*i).is_some_and(|v| match set {
                    Some(set) => set.contains(v),
                    None => c.matches(v),
                })
            })
        };
        let n = i;
        let mut out = Vec::new();
        for prefix in &prefixes {
            let mut start = prefix.clone();
            if let Some(lo) = &lower {
                start.push(lo.clone());
            }
            out.extend(
                self.by_key
                    .range(DocKey(start)..)
                    .take_while(|(k, _)| {
                        k.0.get(..n) == Some(&prefix[..])
                            && upper
                                .as_ref()
                                .is_none_or(|hi| k.0.get(n).is_none_or(|v| v <= hi))
                    })
                    .filter(|(k, _)| matches(k))
                    .map(|(_, (_, d))| d.clone()),
            );
        }
        out
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::docs::ErasedDoc;
    use crate::store::DocFilter;

    #[derive(Debug)]
    struct Unit;
    impl ErasedDoc for Unit {
        fn to_document(&self) -> crate::Result<bson::Document> {
            Ok(bson::Document::new())
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    /// The walked run equals a filter over every document, for every shape of condition.
    #[test]
    fn a_run_of_the_key_order_finds_what_a_full_scan_finds() {
        let mut t = DocTable::default();
        let apps = ["a", "b"];
        let dates = ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"];
        let countries = ["ALL", "IN", "NP"];
        for app in apps {
            for date in dates {
                for c in countries {
                    for g in [1i64, 2] {
                        let key = DocKey(vec![app.into(), date.into(), c.into(), g.into()]);
                        t.insert(key, Arc::new(Unit));
                    }
                }
            }
        }
        let s = |v: &str| KeyValue::from(v);
        let filters: Vec<Vec<(usize, Condition)>> = vec![
            vec![],
            vec![(0, Condition::Eq(s("a")))],
            vec![(1, Condition::Eq(s("2026-01-02")))],
            vec![
                (0, Condition::Eq(s("b"))),
                (
                    1,
                    Condition::Between(Some(s("2026-01-02")), Some(s("2026-01-03"))),
                ),
                (2, Condition::In(vec![s("ALL"), s("NP")])),
            ],
            vec![
                (0, Condition::Eq(s("a"))),
                (1, Condition::Between(None, Some(s("2026-01-02")))),
            ],
            vec![
                (0, Condition::Eq(s("a"))),
                (1, Condition::Between(Some(s("2026-01-03")), None)),
                (3, Condition::NotEq(1.into())),
            ],
            vec![
                (0, Condition::Eq(s("a"))),
                (1, Condition::Eq(s("2026-01-04"))),
                (2, Condition::Eq(s("IN"))),
                (3, Condition::Eq(2.into())),
            ],
            vec![(0, Condition::Eq(s("zzz")))],
            vec![(
                3,
                Condition::In((0..20).map(|g: i64| KeyValue::from(g % 2 + 1)).collect()),
            )],
            vec![(3, Condition::In((5..20).map(KeyValue::from).collect()))],
            vec![
                (0, Condition::In(vec![s("b"), s("a"), s("b")])),
                (1, Condition::In(vec![s("2026-01-04"), s("2026-01-01")])),
                (2, Condition::Between(Some(s("IN")), None)),
            ],
            vec![
                (0, Condition::Eq(s("a"))),
                (1, Condition::In(vec![s("2026-01-02")])),
                (2, Condition::In(vec![s("ALL"), s("NP")])),
                (3, Condition::Between(Some(2.into()), Some(2.into()))),
            ],
        ];
        for f in &filters {
            let resolved: Vec<(usize, &Condition)> = f.iter().map(|(p, c)| (*p, c)).collect();
            let expected = t
                .by_key
                .iter()
                .filter(|(k, _)| DocFilter::matches_resolved(&resolved, k))
                .count();
            let found = t.find(&resolved);
            assert_eq!(found.len(), expected, "{f:?}");
        }
    }
}
