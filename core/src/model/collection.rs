//! The raw platform collections the engine reads (DATA.md), by name.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the platform's raw MongoDB collections listed in `shared/spec/DATA.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Collection {
    /// `users`: signups, country, OG level, ban flag.
    Users,
    /// `transactions`: money, coins, gifts, refunds.
    Transactions,
    /// `livestreams`: one document per stream.
    Livestreams,
    /// `messages`: chat messages in stream rooms.
    Messages,
    /// `gamestakes`: one stake of one user in one game round.
    Gamestakes,
    /// `gamerounds`: game rounds, joined to stakes by `roundId`.
    Gamerounds,
    /// `moderationflags`: moderation decisions on users' content.
    Moderationflags,
    /// `analyticsevents`: product and system events (sessions, battles, bans, errors).
    Analyticsevents,
}

impl Collection {
    /// Every collection, in the order reports list them.
    pub const ALL: [Collection; 8] = [
        Collection::Users,
        Collection::Transactions,
        Collection::Livestreams,
        Collection::Messages,
        Collection::Gamestakes,
        Collection::Gamerounds,
        Collection::Moderationflags,
        Collection::Analyticsevents,
    ];

    /// The MongoDB collection name (also the mongoexport file stem).
    pub const fn name(self) -> &'static str {
        match self {
            Collection::Users => "users",
            Collection::Transactions => "transactions",
            Collection::Livestreams => "livestreams",
            Collection::Messages => "messages",
            Collection::Gamestakes => "gamestakes",
            Collection::Gamerounds => "gamerounds",
            Collection::Moderationflags => "moderationflags",
            Collection::Analyticsevents => "analyticsevents",
        }
    }

    /// The field that dates a document of this collection: range scans filter on it, and the
    /// data-quality report's date span is taken over it.
    pub const fn primary_date_field(self) -> &'static str {
        match self {
            Collection::Analyticsevents => "timestamp",
            Collection::Gamerounds => "startAt",
            _ => "createdAt",
        }
    }
}

impl fmt::Display for Collection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name is not one of the collections of DATA.md.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown collection `{0}` (expected one of users, transactions, livestreams, messages, gamestakes, gamerounds, moderationflags, analyticsevents)")]
pub struct UnknownCollection(pub String);

impl FromStr for Collection {
    type Err = UnknownCollection;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Collection::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| UnknownCollection(s.to_owned()))
    }
}
