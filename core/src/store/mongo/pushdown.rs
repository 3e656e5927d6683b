//! The grouped reads the MongoDB store runs on the server ([`Pushdown`]): per range (a local day) one
//! aggregation (`$match` on the range and the server-side checks of [`super::contract`], then `$group`
//! counting the documents per combination of values), and for all ranges at once one `find` of the
//! documents that fail those checks, decoded by the engine as a scan decodes them. Within the ranges
//! the two filters are complements, so every document is read exactly once. Only `$match`, `$group`
//! and `$sum: 1` are used (what FerretDB runs correctly); see `docs/scaling.md` for what runs where on
//! a sharded cluster.

use bson::{doc, Bson, Document};

use super::contract::{self, Plan};
use super::reads::record_ref;
use super::MongoStore;
use crate::model::decode::{decode, DecodeContext};
use crate::model::Collection;
use crate::store::pushdown::{Group, GroupQuery, Partial, Pushdown};
use crate::store::DateField;
use crate::{Error, Result};

impl MongoStore {
    /// The date field a query's range applies to.
    fn range_field(collection: Collection, field: DateField) -> Result<&'static str> {
        match field {
            DateField::Primary => Ok(collection.primary_date_field()),
            DateField::ReviewedAt if collection == Collection::Moderationflags => Ok("reviewedAt"),
            DateField::ReviewedAt => Err(Error::invalid_argument(
                "push-down",
                format!("`{collection}` has no reviewedAt date"),
            )),
        }
    }

    /// Whether `collection` compares strings bytewise (no default collation, or `simple`), so that a
    /// `$group` key and an `$in` of enum names match exactly what the decoder compares. The platform's
    /// collections have no collation; one with, say, a case-insensitive default would group `NP` with
    /// `np` and pass `TEXT` as `text`, so it is read without grouping. Asked once per collection.
    fn compares_bytewise(&self, collection: Collection) -> Result<bool> {
        let name = collection.name();
        if let Some(b) = self.bytewise.lock().ok().and_then(|m| m.get(name).copied()) {
            return Ok(b);
        }
        let reply = self.run(name, "reading the collection's options", async {
            self.db
                .run_command(doc! { "listCollections": 1, "filter": { "name": name } })
                .await
        })?;
        let locale = reply
            .get_document("cursor")
            .ok()
            .and_then(|c| c.get_array("firstBatch").ok())
            .and_then(|b| b.first())
            .and_then(Bson::as_document)
            .and_then(|spec| spec.get_document("options").ok())
            .and_then(|o| o.get_document("collation").ok())
            .and_then(|c| c.get_str("locale").ok().map(str::to_owned));
        let bytewise = locale.is_none_or(|l| l == "simple");
        if let Ok(mut m) = self.bytewise.lock() {
            m.insert(name, bytewise);
        }
        Ok(bytewise)
    }

    /// Runs the aggregation of `plan` and visits its groups.
    fn visit_groups(
        &self,
        plan: &Plan<'_>,
        range: usize,
        matched: Document,
        ctx: &DecodeContext,
        visit: &mut dyn FnMut(Partial<'_>),
    ) -> Result<()> {
        let collection = plan.collection();
        let name = collection.name();
        let pipeline = vec![
            doc! { "$match": matched },
            doc! { "$group": plan.group_stage() },
        ];
        let what = format!("grouping `{name}` on the server (aggregation)");
        self.aggregate(collection, pipeline, &what, &mut |g| {
            // A key the driver cannot read (invalid UTF-8) holds a value of a projected field, so each
            // of its documents would be unreadable, and skipped, in a scan too.
            let Ok(g) = g else { return Ok(()) };
            let key = match g.get("_id") {
                Some(Bson::Document(k)) => k,
                _ => return Err(unexpected(name, &g)),
            };
            let count = integer(g.get("n"))
                .filter(|n| *n > 0)
                .ok_or_else(|| unexpected(name, &g))?;
            // A group of documents that are invalid for a value they share is invalid as a whole, as each
            // of them would be in a scan.
            if let Ok(record) = decode(collection, &plan.representative(key), ctx) {
                visit(Partial::Group(Group {
                    range,
                    record: record_ref(&record),
                    count,
                }));
            }
            Ok(())
        })
    }
}

/// A non-negative count or sum as the server writes it (`$sum` answers an int32, an int64 when it
/// outgrows one, or a double on some servers for whole numbers).
fn integer(v: Option<&Bson>) -> Option<u64> {
    match v? {
        Bson::Int32(n) => u64::try_from(*n).ok(),
        Bson::Int64(n) => u64::try_from(*n).ok(),
        Bson::Double(n) if n.fract() == 0.0 && *n >= 0.0 && *n < 9.0e15 => Some(*n as u64),
        _ => None,
    }
}

fn unexpected(collection: &str, g: &Document) -> Error {
    Error::storage(
        collection,
        format!("unexpected aggregation result {g} (a server that is not MongoDB-compatible?)"),
    )
}

impl Pushdown for MongoStore {
    fn group(&self, query: &GroupQuery<'_>, visit: &mut dyn FnMut(Partial<'_>)) -> Result<()> {
        let collection = query.collection;
        let field = Self::range_field(collection, query.date_field)?;
        let (Some(first), Some(last)) = (query.ranges.first(), query.ranges.last()) else {
            return Ok(());
        };
        let ctx = self.context();
        let plan = Plan::new(query, ctx.now + chrono::Duration::days(1))?;
        let within = |start, end| {
            Bson::Document(
                doc! { field: { "$gte": contract::date(start), "$lt": contract::date(end) } },
            )
        };
        let only = query
            .only
            .map(|(f, values)| Bson::Document(doc! { f: { "$in": values.to_vec() } }));
        let groupable = Bson::Document(plan.groupable());
        // Without bytewise strings nothing is grouped: every document goes through the `find` below,
        // which is then the client-side path.
        let grouping = self.compares_bytewise(collection)?;
        for (i, range) in query.ranges.iter().enumerate() {
            if !grouping || !plan.has_valid_dates(range) {
                continue;
            }
            let matched: Vec<Bson> = [Some(within(range.start, range.end)), only.clone()]
                .into_iter()
                .flatten()
                .chain([groupable.clone()])
                .collect();
            self.visit_groups(&plan, i, doc! { "$and": matched }, &ctx, visit)?;
        }
        // The rest, over every range at once: what the server could not judge, valid or not.
        let rest: Vec<Bson> = [
            Some(within(first.start, last.end)),
            only,
            grouping.then(|| Bson::Document(doc! { "$nor": [groupable] })),
        ]
        .into_iter()
        .flatten()
        .collect();
        self.stream(collection, doc! { "$and": rest }, &mut |doc| {
            // Unreadable or invalid: counted by the quality report, skipped here, as in a scan.
            let record = doc.ok().and_then(|d| decode(collection, &d, &ctx).ok());
            if let Some(record) = record {
                visit(Partial::Record(record_ref(&record)));
            }
        })
    }
}
