//! The push-downs the MongoDB store runs on the server ([`Pushdown`]).

use bson::{doc, Bson, Document};
use chrono::{DateTime, Utc};

use std::sync::atomic::Ordering;

use super::reads::{bson_date, to_document};
use super::MongoStore;
use crate::calendar::TimeRange;
use crate::model::Collection;
use crate::store::{AuthorMessages, Pushdown};
use crate::{Error, Result};

/// The earliest valid date, 2000-01-01T00:00:00Z, in milliseconds (`docs/data-contract.md`).
const MIN_VALID_MILLIS: i64 = 946_684_800_000;

impl Pushdown for MongoStore {
    /// One `$match` + `$group` aggregation per call. The `$match` keeps exactly the documents the decoder
    /// accepts for `messages` (`_id`, `userId`, `roomId` ObjectIds, `createdAt` a date inside the valid
    /// span, `isDeleted` a boolean or absent), so invalid documents count nowhere, as on the client path.
    /// Only `$match`, `$group` with `$sum` are used, so MongoDB-compatible servers run it too.
    fn messages_by_author(&self, range: TimeRange) -> Result<Vec<AuthorMessages>> {
        let ctx = self.context();
        // The decoder's date span: 2000-01-01 ..= now + 1 day.
        let min = DateTime::<Utc>::from_timestamp_millis(MIN_VALID_MILLIS).unwrap_or(range.start);
        let max = ctx.now + chrono::Duration::days(1) + chrono::Duration::milliseconds(1);
        let (start, end) = (range.start.max(min), range.end.min(max));
        if end <= start {
            return Ok(Vec::new());
        }
        // `$type` also matches an array holding that type, which the decoder rejects: hence the `$not`s.
        let not_array = doc! { "$not": { "$type": "array" } };
        let is_oid = |field: &str| {
            vec![
                Bson::Document(doc! { field: { "$type": "objectId" } }),
                Bson::Document(doc! { field: not_array.clone() }),
            ]
        };
        let mut all = vec![Bson::Document(
            doc! { "createdAt": { "$gte": bson_date(start), "$lt": bson_date(end) } },
        )];
        for f in ["_id", "userId", "roomId"] {
            all.extend(is_oid(f));
        }
        all.push(Bson::Document(
            doc! { "isDeleted": { "$in": [Bson::Null, true, false] } },
        ));
        all.push(Bson::Document(doc! { "isDeleted": not_array.clone() }));
        let pipeline = vec![
            doc! { "$match": { "$and": all } },
            doc! { "$group": {
                "_id": { "u": "$userId", "d": "$isDeleted" },
                "n": { "$sum": 1 },
            } },
        ];
        let name = Collection::Messages.name();
        let coll = self.db.collection::<Document>(name);
        let what = format!("counting `{name}` per author (aggregation)");
        let limit = self.options.operation_timeout;
        let groups: Vec<Document> = self.runtime.block_on(async {
            let mut cursor = tokio::time::timeout(limit, coll.aggregate(pipeline))
                .await
                .map_err(|_| self.timeout_error(name, &what))?
                .map_err(|e| self.storage_error(name, &what, &e))?;
            let mut out = Vec::new();
            loop {
                let more = tokio::time::timeout(limit, cursor.advance())
                    .await
                    .map_err(|_| self.timeout_error(name, &what))?
                    .map_err(|e| self.storage_error(name, &what, &e))?;
                if !more {
                    return Ok::<_, Error>(out);
                }
                let raw = cursor.current();
                self.documents_read.fetch_add(1, Ordering::Relaxed);
                self.bytes_read
                    .fetch_add(raw.as_bytes().len() as u64, Ordering::Relaxed);
                out.push(to_document(raw).map_err(|reason| Error::storage(name, reason))?);
            }
        })?;
        let mut by_author: std::collections::BTreeMap<bson::oid::ObjectId, AuthorMessages> =
            Default::default();
        for g in groups {
            let key = g.get_document("_id").ok();
            let (Some(user_id), Some(n)) = (
                key.and_then(|k| k.get_object_id("u").ok()),
                // `$sum` answers an int32, an int64 when it outgrows one, or a double on some servers.
                match g.get("n") {
                    Some(Bson::Int32(n)) => Some(i64::from(*n)),
                    Some(Bson::Int64(n)) => Some(*n),
                    Some(Bson::Double(n)) if n.fract() == 0.0 => Some(*n as i64),
                    _ => None,
                },
            ) else {
                return Err(Error::storage(
                    name,
                    format!("unexpected aggregation result {g}"),
                ));
            };
            let deleted = key.and_then(|k| k.get_bool("d").ok()) == Some(true);
            let a = by_author.entry(user_id).or_insert(AuthorMessages {
                user_id,
                messages: 0,
                not_deleted: 0,
            });
            let n = u64::try_from(n).unwrap_or(0);
            a.messages += n;
            if !deleted {
                a.not_deleted += n;
            }
        }
        Ok(by_author.into_values().collect())
    }
}
