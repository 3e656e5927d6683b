//! A store that keeps analytics documents only as BSON, as a database does (every read decodes), over
//! an in-memory store's raw records: reports through it must equal those through the typed store.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use halobuzz_analytics::model::GameRound;
use halobuzz_analytics::store::{
    DocFilter, DocKey, DocSpec, RecordRef, Scan, SharedDoc, Store, StoredDoc,
};
use halobuzz_analytics::QualityReport;

/// Raw records from an in-memory store; analytics documents only as BSON, keyed per collection, as a
/// database store keeps them: every read decodes.
pub struct BsonOnly {
    raw: halobuzz_analytics::store::InMemoryStore,
    docs: RwLock<HashMap<&'static str, BTreeMap<DocKey, bson::Document>>>,
}

impl BsonOnly {
    pub fn new(raw: halobuzz_analytics::store::InMemoryStore) -> Self {
        BsonOnly {
            raw,
            docs: RwLock::new(HashMap::new()),
        }
    }
}

impl Store for BsonOnly {
    fn scan(
        &self,
        scan: &Scan,
        visit: &mut dyn FnMut(RecordRef<'_>),
    ) -> halobuzz_analytics::Result<()> {
        self.raw.scan(scan, visit)
    }
    fn game_rounds(
        &self,
        ids: &[&str],
        visit: &mut dyn FnMut(&GameRound),
    ) -> halobuzz_analytics::Result<()> {
        self.raw.game_rounds(ids, visit)
    }
    fn quality_report(&self) -> halobuzz_analytics::Result<QualityReport> {
        self.raw.quality_report()
    }
    fn put_documents(
        &self,
        spec: &DocSpec,
        docs: &[(DocKey, SharedDoc)],
    ) -> halobuzz_analytics::Result<()> {
        let mut all = self.docs.write().unwrap();
        let c = all.entry(spec.collection).or_default();
        for (k, d) in docs {
            c.insert(k.clone(), d.to_document()?);
        }
        Ok(())
    }
    fn insert_documents(
        &self,
        spec: &DocSpec,
        docs: &[(DocKey, SharedDoc)],
    ) -> halobuzz_analytics::Result<Vec<usize>> {
        let mut all = self.docs.write().unwrap();
        let c = all.entry(spec.collection).or_default();
        let mut taken = Vec::new();
        for (i, (k, d)) in docs.iter().enumerate() {
            if c.contains_key(k) {
                taken.push(i);
            } else {
                c.insert(k.clone(), d.to_document()?);
            }
        }
        Ok(taken)
    }
    fn find_documents(
        &self,
        spec: &DocSpec,
        filter: &DocFilter,
    ) -> halobuzz_analytics::Result<Vec<StoredDoc>> {
        let resolved = filter.resolve(spec)?;
        let all = self.docs.read().unwrap();
        Ok(all
            .get(spec.collection)
            .map(|c| {
                c.iter()
                    .filter(|(k, _)| DocFilter::matches_resolved(&resolved, k))
                    .map(|(_, d)| StoredDoc::Bson(d.clone()))
                    .collect()
            })
            .unwrap_or_default())
    }
    fn delete_documents(
        &self,
        spec: &DocSpec,
        filter: &DocFilter,
    ) -> halobuzz_analytics::Result<u64> {
        let resolved = filter.resolve(spec)?;
        let mut all = self.docs.write().unwrap();
        let Some(c) = all.get_mut(spec.collection) else {
            return Ok(0);
        };
        let before = c.len();
        c.retain(|k, _| !DocFilter::matches_resolved(&resolved, k));
        Ok((before - c.len()) as u64)
    }
}
