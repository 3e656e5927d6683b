//! Push-downs: aggregations of raw collections that a database store can run on the server, so the
//! engine receives small per-user partials instead of every document. A store offers them through
//! [`Store::pushdown`](super::Store::pushdown); the engine falls back to scanning when it has none. Each
//! push-down must count exactly the documents a scan of the same range would visit (same validity rules).

use bson::oid::ObjectId;

use crate::calendar::TimeRange;
use crate::Result;

/// The valid messages of one author in a time range ([`Pushdown::messages_by_author`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthorMessages {
    /// The author (`messages.userId`).
    pub user_id: ObjectId,
    /// Valid messages.
    pub messages: u64,
    /// Valid messages not deleted (`isDeleted` false or absent).
    pub not_deleted: u64,
}

/// The server-side aggregations a store can run.
pub trait Pushdown: Send + Sync {
    /// The valid `messages` of `range` counted per author, by the store itself.
    fn messages_by_author(&self, range: TimeRange) -> Result<Vec<AuthorMessages>>;
}
