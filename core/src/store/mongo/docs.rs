//! Analytics documents in MongoDB: one collection per [`DocSpec`], each with its own unique index on the
//! spec's key fields (created the first time this store writes or deletes there), keyed upserts with
//! `replace_one`, and key filters translated to queries on those fields.

use bson::{doc, Bson, Document};
use mongodb::options::IndexOptions;
use mongodb::IndexModel;

use super::MongoStore;
use crate::store::{Condition, DocFilter, DocKey, DocSpec, SharedDoc, StoredDoc};
use crate::{Error, Result};

/// The query of a key filter (every field checked to be a key field of the spec).
fn query(spec: &DocSpec, filter: &DocFilter) -> Result<Document> {
    filter.resolve(spec)?;
    let clauses: Vec<Bson> = filter
        .conditions
        .iter()
        .map(|(field, condition)| {
            let clause = match condition {
                Condition::Eq(v) => v.to_bson(),
                Condition::Between(lo, hi) => {
                    let mut range = Document::new();
                    if let Some(lo) = lo {
                        range.insert("$gte", lo.to_bson());
                    }
                    if let Some(hi) = hi {
                        range.insert("$lte", hi.to_bson());
                    }
                    Bson::Document(range)
                }
                Condition::In(values) => Bson::Document(
                    doc! { "$in": values.iter().map(|v| v.to_bson()).collect::<Vec<_>>() },
                ),
                Condition::NotEq(v) => Bson::Document(doc! { "$ne": v.to_bson() }),
            };
            Bson::Document(doc! { *field: clause })
        })
        .collect();
    // `$and` keeps two conditions on one field apart; the server still uses the key index.
    Ok(if clauses.is_empty() {
        Document::new()
    } else {
        doc! { "$and": clauses }
    })
}

/// The query that selects exactly the document of `key`.
fn key_query(spec: &DocSpec, key: &DocKey) -> Result<Document> {
    if key.0.len() != spec.key_fields.len() {
        return Err(Error::Internal(format!(
            "a `{}` key has {} values for the key fields {:?}",
            spec.collection,
            key.0.len(),
            spec.key_fields
        )));
    }
    Ok(spec
        .key_fields
        .iter()
        .zip(&key.0)
        .map(|(f, v)| ((*f).to_owned(), v.to_bson()))
        .collect())
}

impl MongoStore {
    /// Creates the unique index of `spec` (and its further indexes) once per store and collection;
    /// creating an existing index is a no-op on the server, so concurrent stores are fine.
    fn ensure_indexes(&self, spec: &DocSpec) -> Result<()> {
        let done = |store: &Self| {
            store
                .indexed
                .lock()
                .map(|s| s.contains(spec.collection))
                .unwrap_or(false)
        };
        if done(self) {
            return Ok(());
        }
        let keys: Document = spec
            .key_fields
            .iter()
            .map(|f| ((*f).to_owned(), Bson::Int32(1)))
            .collect();
        let mut models = vec![IndexModel::builder()
            .keys(keys)
            .options(
                IndexOptions::builder()
                    .unique(true)
                    .name(spec.key_index.to_owned())
                    .build(),
            )
            .build()];
        for index in spec.indexes {
            let keys: Document = index
                .fields
                .iter()
                .map(|f| ((*f).to_owned(), Bson::Int32(1)))
                .collect();
            models.push(
                IndexModel::builder()
                    .keys(keys)
                    .options(IndexOptions::builder().name(index.name.to_owned()).build())
                    .build(),
            );
        }
        let coll = self.db.collection::<Document>(spec.collection);
        if !spec.retired_indexes.is_empty() {
            let existing = self
                .analytics_index_names(spec.collection)
                .unwrap_or_default();
            for name in spec.retired_indexes {
                if existing.iter().any(|n| n == name) {
                    let what = format!("dropping the retired index {name}");
                    self.run(spec.collection, &what, async {
                        coll.drop_index(*name).await
                    })?;
                }
            }
        }
        let what = format!("creating the unique index {:?}", spec.key_fields);
        self.run(spec.collection, &what, async {
            coll.create_indexes(models).await
        })?;
        if let Ok(mut s) = self.indexed.lock() {
            s.insert(spec.collection);
        }
        Ok(())
    }

    pub(super) fn put_analytics(&self, spec: &DocSpec, docs: &[(DocKey, SharedDoc)]) -> Result<()> {
        self.ensure_indexes(spec)?;
        let coll = self.db.collection::<Document>(spec.collection);
        for (key, doc) in docs {
            let filter = key_query(spec, key)?;
            let body = doc.to_document()?;
            let what = format!("writing {key}");
            self.run(spec.collection, &what, async {
                coll.replace_one(filter, body).upsert(true).await
            })?;
        }
        Ok(())
    }

    /// Unordered `insert_many` in batches; a duplicate-key error (code 11000) on a document means its
    /// key was taken (by an earlier write, or by another process just now), anything else fails.
    pub(super) fn insert_analytics(
        &self,
        spec: &DocSpec,
        docs: &[(DocKey, SharedDoc)],
    ) -> Result<Vec<usize>> {
        const BATCH: usize = 10_000;
        const DUPLICATE_KEY: i32 = 11000;
        self.ensure_indexes(spec)?;
        let coll = self.db.collection::<Document>(spec.collection);
        let mut taken = Vec::new();
        for (start, chunk) in (0..).step_by(BATCH).zip(docs.chunks(BATCH)) {
            let bodies = chunk
                .iter()
                .map(|(_, d)| d.to_document())
                .collect::<Result<Vec<_>>>()?;
            let what = format!("inserting {} documents", bodies.len());
            let outcome = self.run(spec.collection, &what, async {
                match coll.insert_many(bodies).ordered(false).await {
                    Ok(_) => Ok(Vec::new()),
                    Err(e) => match *e.kind {
                        mongodb::error::ErrorKind::InsertMany(ref failure)
                            if failure.write_concern_error.is_none()
                                && failure.write_errors.as_ref().is_some_and(|errors| {
                                    errors.iter().all(|w| w.code == DUPLICATE_KEY)
                                }) =>
                        {
                            Ok(failure
                                .write_errors
                                .iter()
                                .flatten()
                                .map(|w| w.index)
                                .collect())
                        }
                        _ => Err(e),
                    },
                }
            })?;
            taken.extend(outcome.into_iter().map(|i| start + i));
        }
        taken.sort_unstable();
        taken.dedup();
        Ok(taken)
    }

    pub(super) fn find_analytics(
        &self,
        spec: &DocSpec,
        filter: &DocFilter,
    ) -> Result<Vec<StoredDoc>> {
        let q = query(spec, filter)?;
        let sort: Document = spec
            .key_fields
            .iter()
            .map(|f| ((*f).to_owned(), Bson::Int32(1)))
            .collect();
        let coll = self.db.collection::<Document>(spec.collection);
        let docs = self.run(spec.collection, "reading documents", async {
            let mut cursor = coll
                .find(q)
                .projection(doc! { "_id": 0 })
                .sort(sort)
                .await?;
            let mut out = Vec::new();
            while cursor.advance().await? {
                out.push(cursor.deserialize_current()?);
            }
            Ok(out)
        })?;
        Ok(docs.into_iter().map(StoredDoc::Bson).collect())
    }

    pub(super) fn delete_analytics(&self, spec: &DocSpec, filter: &DocFilter) -> Result<u64> {
        self.ensure_indexes(spec)?;
        let q = query(spec, filter)?;
        let coll = self.db.collection::<Document>(spec.collection);
        let result = self.run(spec.collection, "deleting documents", async {
            coll.delete_many(q).await
        })?;
        Ok(result.deleted_count)
    }

    /// The index names of an analytics collection (for checks).
    pub fn analytics_index_names(&self, collection: &str) -> Result<Vec<String>> {
        let coll = self.db.collection::<Document>(collection);
        self.run(collection, "listing indexes", async {
            coll.list_index_names().await
        })
    }
}
