//! The fields each collection's decoder reads, in the order of `docs/data-contract.md`'s table.
//!
//! A [`Field`] carries its dotted path (how a BSON document is searched and how a rejection names it)
//! and its slot among its collection's fields (where the JSON scanner stores what it captured), so the
//! scanner never looks a name up twice and both paths judge through the same decoder.

use crate::model::Collection;

/// One field a decoder reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Field {
    /// The dotted path, as DATA.md and the quality report name it (`metadata.amountPaid`).
    pub(crate) path: &'static str,
    /// The last segment of the path: the key inside its parent.
    pub(crate) key: &'static str,
    /// The position among the fields of its collection.
    pub(crate) slot: u8,
    /// The slot of the embedded document holding it (`None` at the top level).
    pub(crate) parent: Option<u8>,
    /// The first eight bytes of `key` (see [`key_prefix`]): the scanner compares keys by it first.
    pub(crate) prefix: u64,
}

impl Field {
    /// Whether a document key (with its [`key_prefix`]) names this field.
    pub(crate) fn is_key(&self, key: &[u8], prefix: u64) -> bool {
        self.prefix == prefix
            && self.key.len() == key.len()
            && (key.len() <= 8 || self.key.as_bytes().get(8..) == key.get(8..))
    }
}

/// The first eight bytes of a key, little-endian, zero-padded: two keys of one length whose prefixes
/// differ are different, so most keys are told apart by one integer comparison.
pub(crate) const fn key_prefix(bytes: &[u8]) -> u64 {
    let mut prefix = 0u64;
    let mut i = 0;
    while i < bytes.len() && i < 8 {
        prefix |= (bytes[i] as u64) << (8 * i);
        i += 1;
    }
    prefix
}

/// The most fields one collection reads (slots are bits of a `u32` in the scanner).
pub(crate) const MAX_FIELDS: usize = 16;

const fn top(path: &'static str, slot: u8) -> Field {
    Field {
        path,
        key: path,
        slot,
        parent: None,
        prefix: key_prefix(path.as_bytes()),
    }
}

const fn child(parent: Field, path: &'static str, key: &'static str, slot: u8) -> Field {
    Field {
        path,
        key,
        slot,
        parent: Some(parent.slot),
        prefix: key_prefix(key.as_bytes()),
    }
}

/// `users`.
pub(crate) mod users {
    use super::{top, Field};
    pub(crate) const ID: Field = top("_id", 0);
    pub(crate) const CREATED_AT: Field = top("createdAt", 1);
    pub(crate) const COUNTRY: Field = top("country", 2);
    pub(crate) const USERNAME: Field = top("username", 3);
    pub(crate) const OG_LEVEL: Field = top("ogLevel", 4);
    pub(crate) const IS_BANNED: Field = top("isBanned", 5);
    pub(crate) const ALL: &[Field] = &[ID, CREATED_AT, COUNTRY, USERNAME, OG_LEVEL, IS_BANNED];
}

/// `transactions`.
pub(crate) mod transactions {
    use super::{child, top, Field};
    pub(crate) const ID: Field = top("_id", 0);
    pub(crate) const USER_ID: Field = top("userId", 1);
    pub(crate) const TYPE: Field = top("type", 2);
    pub(crate) const AMOUNT: Field = top("amount", 3);
    pub(crate) const CURRENCY: Field = top("currency", 4);
    pub(crate) const STATUS: Field = top("status", 5);
    pub(crate) const CREATED_AT: Field = top("createdAt", 6);
    pub(crate) const PAYMENT_METHOD: Field = top("paymentMethod", 7);
    pub(crate) const FEES: Field = top("fees", 8);
    pub(crate) const METADATA: Field = top("metadata", 9);
    pub(crate) const AMOUNT_PAID: Field = child(METADATA, "metadata.amountPaid", "amountPaid", 10);
    pub(crate) const PAID_CURRENCY: Field = child(METADATA, "metadata.currency", "currency", 11);
    pub(crate) const OG_TIER: Field = child(METADATA, "metadata.ogTier", "ogTier", 12);
    pub(crate) const STREAM_ID: Field = child(METADATA, "metadata.streamId", "streamId", 13);
    pub(crate) const COUNTRY: Field = child(METADATA, "metadata.country", "country", 14);
    pub(crate) const ALL: &[Field] = &[
        ID,
        USER_ID,
        TYPE,
        AMOUNT,
        CURRENCY,
        STATUS,
        CREATED_AT,
        PAYMENT_METHOD,
        FEES,
        METADATA,
        AMOUNT_PAID,
        PAID_CURRENCY,
        OG_TIER,
        STREAM_ID,
        COUNTRY,
    ];
}

/// `livestreams`.
pub(crate) mod livestreams {
    use super::{top, Field};
    pub(crate) const ID: Field = top("_id", 0);
    pub(crate) const HOST_ID: Field = top("hostId", 1);
    pub(crate) const STATUS: Field = top("status", 2);
    pub(crate) const DURATION: Field = top("duration", 3);
    pub(crate) const TOTAL_VIEWERS: Field = top("totalViewers", 4);
    pub(crate) const TOTAL_COINS: Field = top("totalCoins", 5);
    pub(crate) const CREATED_AT: Field = top("createdAt", 6);
    pub(crate) const STARTED_AT: Field = top("startedAt", 7);
    pub(crate) const ENDED_AT: Field = top("endedAt", 8);
    pub(crate) const PEAK_VIEWERS: Field = top("peakViewers", 9);
    pub(crate) const TOTAL_GIFTS: Field = top("totalGifts", 10);
    pub(crate) const TOTAL_LIKES: Field = top("totalLikes", 11);
    pub(crate) const TOTAL_COMMENTS: Field = top("totalComments", 12);
    pub(crate) const COUNTRY: Field = top("country", 13);
    pub(crate) const ALL: &[Field] = &[
        ID,
        HOST_ID,
        STATUS,
        DURATION,
        TOTAL_VIEWERS,
        TOTAL_COINS,
        CREATED_AT,
        STARTED_AT,
        ENDED_AT,
        PEAK_VIEWERS,
        TOTAL_GIFTS,
        TOTAL_LIKES,
        TOTAL_COMMENTS,
        COUNTRY,
    ];
}

/// `messages`.
pub(crate) mod messages {
    use super::{top, Field};
    pub(crate) const ID: Field = top("_id", 0);
    pub(crate) const USER_ID: Field = top("userId", 1);
    pub(crate) const ROOM_ID: Field = top("roomId", 2);
    pub(crate) const CREATED_AT: Field = top("createdAt", 3);
    pub(crate) const IS_DELETED: Field = top("isDeleted", 4);
    pub(crate) const ALL: &[Field] = &[ID, USER_ID, ROOM_ID, CREATED_AT, IS_DELETED];
}

/// `gamestakes`.
pub(crate) mod gamestakes {
    use super::{child, top, Field};
    pub(crate) const ID: Field = top("_id", 0);
    pub(crate) const USER_ID: Field = top("userId", 1);
    pub(crate) const ROUND_ID: Field = top("roundId", 2);
    pub(crate) const STAKE_AMOUNT: Field = top("stakeAmount", 3);
    pub(crate) const WIN_AMOUNT: Field = top("winAmount", 4);
    pub(crate) const RESULT: Field = top("result", 5);
    pub(crate) const CREATED_AT: Field = top("createdAt", 6);
    pub(crate) const GAME_ID: Field = top("gameId", 7);
    pub(crate) const METADATA: Field = top("metadata", 8);
    pub(crate) const COUNTRY: Field = child(METADATA, "metadata.country", "country", 9);
    pub(crate) const ALL: &[Field] = &[
        ID,
        USER_ID,
        ROUND_ID,
        STAKE_AMOUNT,
        WIN_AMOUNT,
        RESULT,
        CREATED_AT,
        GAME_ID,
        METADATA,
        COUNTRY,
    ];
}

/// `gamerounds`.
pub(crate) mod gamerounds {
    use super::{top, Field};
    pub(crate) const ROUND_ID: Field = top("roundId", 0);
    pub(crate) const DURATION_SEC: Field = top("durationSec", 1);
    pub(crate) const ID: Field = top("_id", 2);
    pub(crate) const START_AT: Field = top("startAt", 3);
    pub(crate) const END_AT: Field = top("endAt", 4);
    pub(crate) const ALL: &[Field] = &[ROUND_ID, DURATION_SEC, ID, START_AT, END_AT];
}

/// `moderationflags`.
pub(crate) mod moderationflags {
    use super::{child, top, Field};
    pub(crate) const ID: Field = top("_id", 0);
    pub(crate) const USER_ID: Field = top("userId", 1);
    pub(crate) const CONTENT_TYPE: Field = top("contentType", 2);
    pub(crate) const ACTION: Field = top("action", 3);
    pub(crate) const STATUS: Field = top("status", 4);
    pub(crate) const CREATED_AT: Field = top("createdAt", 5);
    pub(crate) const REVIEWED_AT: Field = top("reviewedAt", 6);
    pub(crate) const METADATA: Field = top("metadata", 7);
    pub(crate) const COUNTRY: Field = child(METADATA, "metadata.country", "country", 8);
    pub(crate) const ALL: &[Field] = &[
        ID,
        USER_ID,
        CONTENT_TYPE,
        ACTION,
        STATUS,
        CREATED_AT,
        REVIEWED_AT,
        METADATA,
        COUNTRY,
    ];
}

/// `analyticsevents`.
pub(crate) mod analyticsevents {
    use super::{child, top, Field};
    pub(crate) const ID: Field = top("_id", 0);
    pub(crate) const EVENT_TYPE: Field = top("eventType", 1);
    pub(crate) const EVENT_NAME: Field = top("eventName", 2);
    pub(crate) const TIMESTAMP: Field = top("timestamp", 3);
    pub(crate) const PROPERTIES: Field = top("properties", 4);
    pub(crate) const DURATION_SEC: Field =
        child(PROPERTIES, "properties.durationSec", "durationSec", 5);
    pub(crate) const USER_ID: Field = top("userId", 6);
    pub(crate) const SESSION_ID: Field = top("sessionId", 7);
    pub(crate) const LOCATION: Field = top("location", 8);
    pub(crate) const COUNTRY: Field = child(LOCATION, "location.country", "country", 9);
    pub(crate) const PLATFORM: Field = child(PROPERTIES, "properties.platform", "platform", 10);
    pub(crate) const ALL: &[Field] = &[
        ID,
        EVENT_TYPE,
        EVENT_NAME,
        TIMESTAMP,
        PROPERTIES,
        DURATION_SEC,
        USER_ID,
        SESSION_ID,
        LOCATION,
        COUNTRY,
        PLATFORM,
    ];
}

/// The fields a collection's decoder reads, in slot order.
pub(crate) fn of(collection: Collection) -> &'static [Field] {
    match collection {
        Collection::Users => users::ALL,
        Collection::Transactions => transactions::ALL,
        Collection::Livestreams => livestreams::ALL,
        Collection::Messages => messages::ALL,
        Collection::Gamestakes => gamestakes::ALL,
        Collection::Gamerounds => gamerounds::ALL,
        Collection::Moderationflags => moderationflags::ALL,
        Collection::Analyticsevents => analyticsevents::ALL,
    }
}

/// The `_id` field of a collection (every collection reads one; for `gamerounds` it is optional).
pub(crate) fn id_of(collection: Collection) -> Field {
    match collection {
        Collection::Users => users::ID,
        Collection::Transactions => transactions::ID,
        Collection::Livestreams => livestreams::ID,
        Collection::Messages => messages::ID,
        Collection::Gamestakes => gamestakes::ID,
        Collection::Gamerounds => gamerounds::ID,
        Collection::Moderationflags => moderationflags::ID,
        Collection::Analyticsevents => analyticsevents::ID,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_positions_and_paths_name_their_parents() {
        for c in Collection::ALL {
            let all = of(c);
            assert!(all.len() <= MAX_FIELDS, "{c}");
            for (i, f) in all.iter().enumerate() {
                assert_eq!(usize::from(f.slot), i, "{c} {}", f.path);
                match f.parent {
                    None => assert_eq!(f.path, f.key),
                    Some(p) => {
                        let parent = all[usize::from(p)];
                        assert_eq!(parent.parent, None, "{c}: one level of nesting");
                        assert_eq!(f.path, format!("{}.{}", parent.path, f.key));
                    }
                }
            }
            assert_eq!(id_of(c).path, "_id");
            assert!(all.contains(&id_of(c)));
        }
    }
}
