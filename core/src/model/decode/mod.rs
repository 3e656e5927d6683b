//! The validating decoder: one raw document in, one typed [`Record`] or one [`Invalid`] out.
//!
//! Both the mongoexport loader and the MongoDB store decode through here, so a document is judged the same
//! way wherever it came from. The rules (required fields, accepted types, reasons) are the table of
//! `docs/data-contract.md`; fields are checked in that table's order and the first failure is reported.
//! The decoders read a [`DocView`]: a BSON [`Document`], or the fields the JSON scanner ([`json`]) took
//! straight from a mongoexport line without building one.

pub(crate) mod fields;
pub(crate) mod json;
mod reader;
mod value;

#[cfg(test)]
mod tests;

use bson::oid::ObjectId;
use bson::{Bson, Document};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use self::fields::{
    analyticsevents as ev, gamerounds as gr, gamestakes as gs, livestreams as ls, messages as ms,
    moderationflags as mf, transactions as tx, users as us,
};
use self::reader::Reader;
use self::value::{DocView, Value};
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

/// [`dedupe_key`] of any view (`null` is no key, as in BSON, where only a string or an ObjectId is one).
pub(crate) fn dedupe_key_of<D: DocView + ?Sized>(
    collection: Collection,
    doc: &D,
) -> Option<DedupeKey> {
    match (collection, doc.get(fields::id_of(collection))) {
        (Collection::Gamerounds, _) => match doc.get(gr::ROUND_ID) {
            Some(Value::String(s)) => Some(DedupeKey::Text(s.into())),
            _ => None,
        },
        (_, Some(Value::ObjectId(o))) => Some(DedupeKey::Oid(o)),
        _ => None,
    }
}

/// A readable rendering of a document's `_id` for reports.
pub fn display_id(doc: &Document) -> Option<String> {
    display_id_of(doc.get("_id").map(Value::from))
}

/// [`display_id`] of an `_id` value of any view.
pub(crate) fn display_id_of(id: Option<Value<'_>>) -> Option<String> {
    match id? {
        Value::ObjectId(o) => Some(o.to_hex()),
        Value::String(s) => Some(shown(s)),
        Value::Int32(i) => Some(i.to_string()),
        Value::Int64(i) => Some(i.to_string()),
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
    decode_view(collection, doc, ctx)
}

/// [`decode_with_warnings`] of any view of a document.
pub(crate) fn decode_view<D: DocView + ?Sized>(
    collection: Collection,
    doc: &D,
    ctx: &DecodeContext,
) -> Result<(Record, Vec<Warning>), Invalid> {
    let r = Reader::new(doc, ctx, fields::id_of(collection));
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

// Fields validated but not kept (no metric reads them) are read into `_`: their checks stay in the
// order of the contract's table, so the first failure reported is the same as ever.

fn decode_user<D: DocView + ?Sized>(r: &Reader<'_, D>) -> Result<User, Invalid> {
    let id = r.oid(us::ID)?;
    let created_at = r.date(us::CREATED_AT)?;
    let country = r.country(us::COUNTRY)?;
    let username = r.opt_string(us::USERNAME)?.map(str::to_owned);
    let _og_level = r.opt_small_int(us::OG_LEVEL, 0, 5)?;
    let _is_banned = r.opt_bool(us::IS_BANNED)?;
    Ok(User {
        id,
        created_at,
        country,
        username,
    })
}

fn decode_transaction<D: DocView + ?Sized>(r: &Reader<'_, D>) -> Result<Transaction, Invalid> {
    let id = r.oid(tx::ID)?;
    let user_id = r.oid(tx::USER_ID)?;
    let kind = r.enumeration(
        tx::TYPE,
        TransactionType::from_wire,
        TransactionType::WIRE_NAMES,
    )?;
    // Some writers store a refund's amount negative; everywhere else a negative amount is invalid.
    let refund = kind == TransactionType::Refund;
    let amount = r.amount(tx::AMOUNT, refund)?;
    let currency = r.enumeration(tx::CURRENCY, Currency::from_wire, Currency::WIRE_NAMES)?;
    let status = r.enumeration(
        tx::STATUS,
        TransactionStatus::from_wire,
        TransactionStatus::WIRE_NAMES,
    )?;
    let created_at = r.date(tx::CREATED_AT)?;
    let payment_method = r.opt_enumeration(
        tx::PAYMENT_METHOD,
        PaymentMethod::from_wire,
        PaymentMethod::WIRE_NAMES,
    )?;
    let fees = r.opt_amount(tx::FEES, false)?.unwrap_or(Decimal::ZERO);
    r.opt_document(tx::METADATA)?;
    let amount_paid = r.opt_amount(tx::AMOUNT_PAID, refund)?;
    let paid_currency = r.opt_enumeration(
        tx::PAID_CURRENCY,
        MoneyCurrency::from_wire,
        MoneyCurrency::WIRE_NAMES,
    )?;
    // Only an OG purchase has a tier; an odd one elsewhere is nobody's concern.
    let og_tier = if kind.is_og_purchase() {
        r.og_tier(tx::OG_TIER)
    } else {
        None
    };
    let stream_id = r.stream_ref(tx::STREAM_ID);
    let country = r.country(tx::COUNTRY)?;
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
        country,
        stream_id,
        created_at,
    })
}

fn decode_livestream<D: DocView + ?Sized>(r: &Reader<'_, D>) -> Result<Livestream, Invalid> {
    let id = r.oid(ls::ID)?;
    let host_id = r.oid(ls::HOST_ID)?;
    let _status = r.enumeration(
        ls::STATUS,
        StreamStatus::from_wire,
        StreamStatus::WIRE_NAMES,
    )?;
    let duration_sec = r.seconds(ls::DURATION)?;
    let total_viewers = r.count(ls::TOTAL_VIEWERS)?;
    let total_coins = r.amount(ls::TOTAL_COINS, false)?;
    let created_at = r.date(ls::CREATED_AT)?;
    for date in [ls::STARTED_AT, ls::ENDED_AT] {
        r.opt_date(date)?;
    }
    // Host performance's counters: never a reason to reject the stream (see `StreamCounters`).
    let counters = StreamCounters {
        peak_viewers: r.lenient_count(ls::PEAK_VIEWERS),
        gifts: r.lenient_count(ls::TOTAL_GIFTS),
        likes: r.lenient_count(ls::TOTAL_LIKES),
        comments: r.lenient_count(ls::TOTAL_COMMENTS),
    };
    let country = r.country(ls::COUNTRY)?;
    Ok(Livestream {
        id,
        host_id,
        duration_sec,
        total_viewers,
        total_coins,
        country,
        created_at,
        counters,
    })
}

fn decode_message<D: DocView + ?Sized>(r: &Reader<'_, D>) -> Result<Message, Invalid> {
    let id = r.oid(ms::ID)?;
    let user_id = r.oid(ms::USER_ID)?;
    let _room_id = r.oid(ms::ROOM_ID)?;
    let created_at = r.date(ms::CREATED_AT)?;
    let is_deleted = r.opt_bool(ms::IS_DELETED)?.unwrap_or(false);
    Ok(Message {
        id,
        user_id,
        is_deleted,
        created_at,
    })
}

fn decode_stake<D: DocView + ?Sized>(r: &Reader<'_, D>) -> Result<GameStake, Invalid> {
    let id = r.oid(gs::ID)?;
    let user_id = r.oid(gs::USER_ID)?;
    let round_id = r.string(gs::ROUND_ID)?.to_owned();
    let stake_amount = r.amount(gs::STAKE_AMOUNT, false)?;
    let win_amount = r.amount(gs::WIN_AMOUNT, false)?;
    let result = r.enumeration(gs::RESULT, StakeResult::from_wire, StakeResult::WIRE_NAMES)?;
    let created_at = r.date(gs::CREATED_AT)?;
    let _game_id = r.opt_oid(gs::GAME_ID)?;
    r.opt_document(gs::METADATA)?;
    let country = r.country(gs::COUNTRY)?;
    Ok(GameStake {
        id,
        user_id,
        round_id,
        stake_amount,
        win_amount,
        result,
        country,
        created_at,
    })
}

fn decode_round<D: DocView + ?Sized>(r: &Reader<'_, D>) -> Result<GameRound, Invalid> {
    let round_id = r.string(gr::ROUND_ID)?.to_owned();
    let duration_sec = r.seconds(gr::DURATION_SEC)?;
    let id = r.opt_oid(gr::ID)?;
    let start_at = r.opt_date(gr::START_AT)?;
    let _end_at = r.opt_date(gr::END_AT)?;
    Ok(GameRound {
        id,
        round_id,
        start_at,
        duration_sec,
    })
}

fn decode_flag<D: DocView + ?Sized>(r: &Reader<'_, D>) -> Result<ModerationFlag, Invalid> {
    let id = r.oid(mf::ID)?;
    let user_id = r.oid(mf::USER_ID)?;
    let _content_type = r.enumeration(
        mf::CONTENT_TYPE,
        ContentType::from_wire,
        ContentType::WIRE_NAMES,
    )?;
    let action = r.enumeration(mf::ACTION, FlagAction::from_wire, FlagAction::WIRE_NAMES)?;
    let status = r.enumeration(mf::STATUS, FlagStatus::from_wire, FlagStatus::WIRE_NAMES)?;
    let created_at = r.date(mf::CREATED_AT)?;
    let reviewed_at = r.opt_date(mf::REVIEWED_AT)?;
    r.opt_document(mf::METADATA)?;
    let country = r.country(mf::COUNTRY)?;
    Ok(ModerationFlag {
        id,
        user_id,
        action,
        status,
        reviewed_at,
        country,
        created_at,
    })
}

fn decode_event<D: DocView + ?Sized>(r: &Reader<'_, D>) -> Result<AnalyticsEvent, Invalid> {
    let id = r.oid(ev::ID)?;
    let event_type = r.enumeration(ev::EVENT_TYPE, EventType::from_wire, EventType::WIRE_NAMES)?;
    let event_name = EventName::from_wire(r.string(ev::EVENT_NAME)?);
    let timestamp = r.date(ev::TIMESTAMP)?;
    r.opt_document(ev::PROPERTIES)?;
    // avgSessionDuration needs the duration of every session_end, so there it is required.
    let duration_sec = if event_name == EventName::SessionEnd {
        Some(r.seconds(ev::DURATION_SEC)?)
    } else {
        r.opt_seconds(ev::DURATION_SEC)?
    };
    let user_id = r.opt_oid(ev::USER_ID)?;
    let _session_id = r.opt_string(ev::SESSION_ID)?;
    r.opt_document(ev::LOCATION)?;
    let country = r.country(ev::COUNTRY)?;
    let platform = r.platform(ev::PLATFORM);
    Ok(AnalyticsEvent {
        id,
        user_id,
        event_type,
        event_name,
        timestamp,
        duration_sec,
        country,
        platform,
    })
}
