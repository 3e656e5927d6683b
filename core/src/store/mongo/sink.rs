//! Seeding a database with raw documents (the generator's output, for tests and benchmarks).

use bson::Document;
use mongodb::error::{ErrorKind, WriteFailure};

use super::MongoStore;
use crate::model::Collection;
use crate::store::DocumentSink;
use crate::Result;

/// MongoDB's duplicate-key error code (a second document with an existing `_id`).
const DUPLICATE_KEY: i32 = 11000;

impl MongoStore {
    /// A sink that inserts raw documents into this database with `insert_many`, in batches (for seeding
    /// test and benchmark data from the generator). Call [`MongoDocumentSink::finish`] at the end.
    pub fn document_sink(&self) -> MongoDocumentSink<'_> {
        MongoDocumentSink {
            store: self,
            pending: Collection::ALL.iter().map(|_| Vec::new()).collect(),
            inserted: 0,
            duplicates: 0,
        }
    }

    /// Inserts a batch unordered; documents rejected only for a duplicate `_id` are counted, not fatal
    /// (MongoDB keeps the first, as the loader does). Returns (inserted, duplicates).
    fn insert_batch(&self, collection: Collection, docs: Vec<Document>) -> Result<(u64, u64)> {
        let n = docs.len() as u64;
        let coll = self.db.collection::<Document>(collection.name());
        let what = format!("inserting {n} documents");
        let result = self.runtime.block_on(async {
            tokio::time::timeout(
                self.options.operation_timeout,
                coll.insert_many(docs).ordered(false),
            )
            .await
        });
        match result {
            Err(_) => Err(self.timeout_error(collection.name(), &what)),
            Ok(Ok(_)) => Ok((n, 0)),
            Ok(Err(e)) => {
                let duplicates = match e.kind.as_ref() {
                    ErrorKind::InsertMany(m) if m.write_concern_error.is_none() => {
                        m.write_errors.as_ref().and_then(|errs| {
                            errs.iter()
                                .all(|w| w.code == DUPLICATE_KEY)
                                .then_some(errs.len() as u64)
                        })
                    }
                    ErrorKind::Write(WriteFailure::WriteError(w)) if w.code == DUPLICATE_KEY => {
                        Some(1)
                    }
                    _ => None,
                };
                match duplicates {
                    Some(d) => Ok((n - d, d)),
                    None => Err(self.storage_error(collection.name(), &what, &e)),
                }
            }
        }
    }
}

/// Inserts generated or copied raw documents into a [`MongoStore`]'s database with `insert_many`, one
/// batch per collection at a time. Invalid documents are inserted as they are (the reads judge them);
/// a duplicate `_id` is rejected by the server and counted.
pub struct MongoDocumentSink<'a> {
    store: &'a MongoStore,
    pending: Vec<Vec<Document>>,
    inserted: u64,
    duplicates: u64,
}

/// Documents per `insert_many`.
const INSERT_BATCH: usize = 1000;

impl MongoDocumentSink<'_> {
    fn flush(&mut self, i: usize) -> Result<()> {
        let docs = std::mem::take(&mut self.pending[i]);
        if docs.is_empty() {
            return Ok(());
        }
        let (inserted, duplicates) = self.store.insert_batch(Collection::ALL[i], docs)?;
        self.inserted += inserted;
        self.duplicates += duplicates;
        Ok(())
    }

    /// Inserts what is still buffered; returns (documents inserted, duplicates rejected).
    pub fn finish(mut self) -> Result<(u64, u64)> {
        for i in 0..self.pending.len() {
            self.flush(i)?;
        }
        Ok((self.inserted, self.duplicates))
    }
}

impl DocumentSink for MongoDocumentSink<'_> {
    fn accept(&mut self, collection: Collection, doc: Document) -> Result<()> {
        let i = Collection::ALL
            .iter()
            .position(|&c| c == collection)
            .unwrap_or_default();
        self.pending[i].push(doc);
        if self.pending[i].len() >= INSERT_BATCH {
            self.flush(i)?;
        }
        Ok(())
    }
}
