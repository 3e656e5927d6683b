//! The validating decoder: one raw BSON document in, one typed [`Record`] or one [`Invalid`] out.
//!
//! Both the mongoexport loader and the MongoDB store decode through here, so a document is judged the same
//! way wherever it came from. The rules (required fields, accepted types, reasons) are the table of
//! `docs/data-contract.md`; fields are checked in that table's order and the first failure is reported.

mod reader;

#[cfg(test)]
mod tests;

use bson::oid::ObjectId;
use bson::{Bson, Document};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use self::reader::Reader;
use super::invalid::shown;
use super::records::*;
use super::{Collection, Invalid, Warning};

/// What the decoder needs to know beyond the document: the upper bound of valid dates.
#[derive(Debug, Clone, Copy)]
pub struct DecodeContext {
    /// Dates after `now + 1 day` are out of range.
    pub now: DateTime<Utc>,
}

impl DecodeContext {
    /// A context at `clock`'s current time.
    pub fn at(clock: &dyn crate::clock::Clock) -> Self {
        DecodeContext { now: clock.now() }
    }

    /// A context at the system clock's current time (for code that has no engine configuration yet,
    /// such as a loader called on its own).
    pub fn now() -> Self {
        Self::at(&crate::clock::SystemClock)
    }

    fn max_millis(&self) -> i64 {
        self.now.timestamp_millis() + 86_400_000
    }
}

/// The earliest valid date, 2000-01-01T00:00:00Z, in milliseconds.
const MIN_MILLIS: i64 = 946_684_800_000;

/// The key duplicates are detected by: `_id` (an ObjectId, or any other readable scalar), or `roundId`
/// for `gamerounds`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DedupeKey {
    /// An ObjectId `_id`.
    Oid(ObjectId),
    /// A textual key (`roundId`).
    Text(Box<str>),
}

impl std::fmt::Display for DedupeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DedupeKey::Oid(o) => write!(f, "{o}"),
            DedupeKey::Text(t) => f.write_str(t),
        }
    }
}

/// The duplicate-detection key of a raw document, when it has a readable one.
pub fn dedupe_key(collection: Collection, doc: &Document) -> Option<DedupeKey> {
    if collection == Collection::Gamerounds {
        return match doc.get("roundId") {
            Some(Bson::String(s)) => Some(DedupeKey::Text(s.as_str().into())),
            _ => None,
        };
    }
    match doc.get("_id") {
        Some(Bson::ObjectId(o)) => Some(DedupeKey::Oid(*o)),
        _ => None,
    }
}

/// A readable rendering of a document's `_id` for reports.
pub fn display_id(doc: &Document) -> Option<String> {
    match doc.get("_id")? {
        Bson::ObjectId(o) => Some(o.to_hex()),
        Bson::String(s) => Some(shown(s)),
        Bson::Int32(i) => Some(i.to_string()),
        Bson::Int64(i) => Some(i.to_string()),
        _ => None,
    }
}

/// Decodes and validates one document of `collection`.
pub fn decode(
    collection: Collection,
    doc: &Document,
    ctx: &DecodeContext,
) -> Result<Record, Invalid> {
    decode_with_warnings(collection, doc, ctx).map(|(record, _)| record)
}

/// [`decode`], with the warnings of a valid document (a part ignored, such as an unknown country code),
/// which the data-quality report counts.
pub fn decode_with_warnings(
    collection: Collection,
    doc: &Document,
    ctx: &DecodeContext,
) -> Result<(Record, Vec<Warning>), Invalid> {
    let r = Reader::new(doc, ctx);
    let record = match collection {
        Collection::Users => decode_user(&r).map(Record::User),
        Collection::Transactions => decode_transaction(&r).map(Record::Transaction),
        Collection::Livestreams => decode_livestream(&r).map(Record::Livestream),
        Collection::Messages => decode_message(&r).map(Record::Message),
        Collection::Gamestakes => decode_stake(&r).map(Record::GameStake),
        Collection::Gamerounds => decode_round(&r).map(Record::GameRound),
        Collection::Moderationflags => decode_flag(&r).map(Record::ModerationFlag),
        Collection::Analyticsevents => decode_event(&r).map(Record::AnalyticsEvent),
    }?;
    Ok((record, r.into_warnings()))
}

fn decode_user(r: &Reader<'_>) -> Result<User, Invalid> {
    Ok(User {
        id: r.oid("_id")?,
        created_at: r.date("createdAt")?,
        country: r.country("country")?,
        username: r.opt_string("username")?.map(str::to_owned),
        og_level: r.opt_small_int("ogLevel", 0, 5)?.unwrap_or(0),
        is_banned: r.opt_bool("isBanned")?.unwrap_or(false),
    })
}

fn decode_transaction(r: &Reader<'_>) -> Result<Transaction, Invalid> {
    let id = r.oid("_id")?;
    let user_id = r.oid("userId")?;
    let kind = r.enumeration(
        "type",
        TransactionType::from_wire,
        TransactionType::WIRE_NAMES,
    )?;
    // Some writers store a refund's amount negative; everywhere else a negative amount is invalid.
    let refund = kind == TransactionType::Refund;
    let amount = r.amount("amount", refund)?;
    let currency = r.enumeration("currency", Currency::from_wire, Currency::WIRE_NAMES)?;
    let status = r.enumeration(
        "status",
        TransactionStatus::from_wire,
        TransactionStatus::WIRE_NAMES,
    )?;
    let created_at = r.date("createdAt")?;
    let payment_method = r.opt_enumeration(
        "paymentMethod",
        PaymentMethod::from_wire,
        PaymentMethod::WIRE_NAMES,
    )?;
    let fees = r.opt_amount("fees", false)?.unwrap_or(Decimal::ZERO);
    r.opt_document("metadata")?;
    let amount_paid = r.opt_amount("metadata.amountPaid", refund)?;
    let paid_currency = r.opt_enumeration(
        "metadata.currency",
        MoneyCurrency::from_wire,
        MoneyCurrency::WIRE_NAMES,
    )?;
    // Only an OG purchase has a tier; an odd one elsewhere is nobody's concern.
    let og_tier = if kind.is_og_purchase() {
        r.og_tier("metadata.ogTier")
    } else {
        None
    };
    let stream_id = r.opt_stream_ref("metadata.streamId")?;
    let country = r.country("metadata.country")?;
    Ok(Transaction {
        id,
        user_id,
        kind,
        amount,
        currency,
        status,
        payment_method,
        fees,
        amount_paid,
        paid_currency,
        og_tier,
        stream_id,
        country,
        created_at,
    })
}

fn decode_livestream(r: &Reader<'_>) -> Result<Livestream, Invalid> {
    Ok(Livestream {
        id: r.oid("_id")?,
        host_id: r.oid("hostId")?,
        status: r.enumeration("status", StreamStatus::from_wire, StreamStatus::WIRE_NAMES)?,
        duration_sec: r.seconds("duration")?,
        total_viewers: r.count("totalViewers")?,
        total_coins: r.amount("totalCoins", false)?,
        created_at: r.date("createdAt")?,
        started_at: r.opt_date("startedAt")?,
        ended_at: r.opt_date("endedAt")?,
        peak_viewers: r.opt_count("peakViewers")?.unwrap_or(0),
        total_gifts: r.opt_count("totalGifts")?.unwrap_or(0),
        total_likes: r.opt_count("totalLikes")?.unwrap_or(0),
        total_comments: r.opt_count("totalComments")?.unwrap_or(0),
        country: r.country("country")?,
    })
}

fn decode_message(r: &Reader<'_>) -> Result<Message, Invalid> {
    Ok(Message {
        id: r.oid("_id")?,
        user_id: r.oid("userId")?,
        room_id: r.oid("roomId")?,
        created_at: r.date("createdAt")?,
        is_deleted: r.opt_bool("isDeleted")?.unwrap_or(false),
    })
}

fn decode_stake(r: &Reader<'_>) -> Result<GameStake, Invalid> {
    let id = r.oid("_id")?;
    let user_id = r.oid("userId")?;
    let round_id = r.string("roundId")?.to_owned();
    let stake_amount = r.amount("stakeAmount", false)?;
    let win_amount = r.amount("winAmount", false)?;
    let result = r.enumeration("result", StakeResult::from_wire, StakeResult::WIRE_NAMES)?;
    let created_at = r.date("createdAt")?;
    let game_id = r.opt_oid("gameId")?;
    r.opt_document("metadata")?;
    let country = r.country("metadata.country")?;
    Ok(GameStake {
        id,
        user_id,
        game_id,
        round_id,
        stake_amount,
        win_amount,
        result,
        country,
        created_at,
    })
}

fn decode_round(r: &Reader<'_>) -> Result<GameRound, Invalid> {
    Ok(GameRound {
        round_id: r.string("roundId")?.to_owned(),
        duration_sec: r.seconds("durationSec")?,
        id: r.opt_oid("_id")?,
        start_at: r.opt_date("startAt")?,
        end_at: r.opt_date("endAt")?,
    })
}

fn decode_flag(r: &Reader<'_>) -> Result<ModerationFlag, Invalid> {
    let id = r.oid("_id")?;
    let user_id = r.oid("userId")?;
    let content_type = r.enumeration(
        "contentType",
        ContentType::from_wire,
        ContentType::WIRE_NAMES,
    )?;
    let action = r.enumeration("action", FlagAction::from_wire, FlagAction::WIRE_NAMES)?;
    let status = r.enumeration("status", FlagStatus::from_wire, FlagStatus::WIRE_NAMES)?;
    let created_at = r.date("createdAt")?;
    let reviewed_at = r.opt_date("reviewedAt")?;
    r.opt_document("metadata")?;
    let country = r.country("metadata.country")?;
    Ok(ModerationFlag {
        id,
        user_id,
        content_type,
        action,
        status,
        reviewed_at,
        country,
        created_at,
    })
}

fn decode_event(r: &Reader<'_>) -> Result<AnalyticsEvent, Invalid> {
    let id = r.oid("_id")?;
    let event_type = r.enumeration("eventType", EventType::from_wire, EventType::WIRE_NAMES)?;
    let event_name = EventName::from_wire(r.string("eventName")?);
    let timestamp = r.date("timestamp")?;
    r.opt_document("properties")?;
    // avgSessionDuration needs the duration of every session_end, so there it is required.
    let duration_sec = if event_name == EventName::SessionEnd {
        Some(r.seconds("properties.durationSec")?)
    } else {
        r.opt_seconds("properties.durationSec")?
    };
    let user_id = r.opt_oid("userId")?;
    let session_id = r.opt_string("sessionId")?.map(str::to_owned);
    r.opt_document("location")?;
    let country = r.country("location.country")?;
    Ok(AnalyticsEvent {
        id,
        user_id,
        event_type,
        event_name,
        timestamp,
        session_id,
        duration_sec,
        country,
    })
}
