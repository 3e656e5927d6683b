//! Push-downs: grouped reads of raw collections that a database store runs on the server, so the engine
//! receives small partials (one per combination of the values it reads, with a count) instead of every
//! document. The API is capability-agnostic: the caller names a collection, consecutive time ranges
//! (local days) on one date field and the fields it reads; what the partials mean is the caller's business
//! (`kpi::partials`), which turns a group of `n` documents into `n` times one document's contribution,
//! exactly (amounts are exact decimals). A store offers it through
//! [`Store::pushdown`](super::Store::pushdown); without one, [`partials`] scans and hands over every
//! record. How the MongoDB store translates a query, and what it leaves to the engine, is in
//! `docs/scaling.md`.

use super::{DateField, RecordRef, Scan, Store};
use crate::calendar::TimeRange;
use crate::model::Collection;
use crate::Result;

/// One grouped read: the documents of `collection` whose `date_field` is in one of `ranges` (and, if
/// `only` is set, whose string field is one of the listed values), grouped per range by the values of
/// `by`.
#[derive(Debug, Clone, Copy)]
pub struct GroupQuery<'a> {
    /// The collection (`gamerounds`, keyed by `roundId` where the first document decides, cannot be
    /// grouped).
    pub collection: Collection,
    /// The date the range applies to.
    pub date_field: DateField,
    /// Consecutive time ranges (each starts where the previous one ends), usually local days: groups
    /// never span two of them.
    pub ranges: &'a [TimeRange],
    /// `(field, values)`: only documents whose `field` is one of these strings are read. The caller
    /// asserts that no other document contributes anything (a store may hand them over anyway).
    pub only: Option<(&'a str, &'a [&'a str])>,
    /// The (dotted) fields whose values make a group: every field the caller reads.
    pub by: &'a [&'a str],
}

/// Several valid documents that agree on the fields of [`GroupQuery::by`].
#[derive(Debug, Clone, Copy)]
pub struct Group<'a> {
    /// The range (index into [`GroupQuery::ranges`]) of every document of the group.
    pub range: usize,
    /// A record standing for every document of the group, decoded by the validating decoder: its fields
    /// of `by` hold the group's values (read exactly as from each of its documents); every other field
    /// holds a placeholder and must not be read.
    pub record: RecordRef<'a>,
    /// How many documents (at least one).
    pub count: u64,
}

/// What a grouped read hands over: groups, and whole records where the store could not judge (or
/// group) a document on the server.
#[derive(Debug, Clone, Copy)]
pub enum Partial<'a> {
    /// Documents judged valid on the server and grouped there.
    Group(Group<'a>),
    /// One valid document, decoded by the engine (every document of the query's ranges that a scan
    /// would visit and that is not in a group comes this way, exactly once).
    Record(RecordRef<'a>),
}

/// The server-side grouped reads a store can run.
pub trait Pushdown: Send + Sync {
    /// Visits the partials of `query`: together they stand for exactly the valid documents a scan of the
    /// same ranges would visit (minus, at the store's choice, documents `only` excludes), each once.
    fn group(&self, query: &GroupQuery<'_>, visit: &mut dyn FnMut(Partial<'_>)) -> Result<()>;
}

/// The partials of `query` from `store`: grouped on the server when the store can, else every record of
/// a ranged scan (then `only` is not applied: the caller ignores what it does not need).
pub fn partials(
    store: &dyn Store,
    query: &GroupQuery<'_>,
    visit: &mut dyn FnMut(Partial<'_>),
) -> Result<()> {
    match store.pushdown() {
        Some(p) => p.group(query, visit),
        None => {
            let (Some(first), Some(last)) = (query.ranges.first(), query.ranges.last()) else {
                return Ok(());
            };
            let scan = Scan {
                collection: query.collection,
                range: Some(TimeRange {
                    start: first.start,
                    end: last.end,
                }),
                date_field: query.date_field,
            };
            store.scan(&scan, &mut |r| visit(Partial::Record(r)))
        }
    }
}
