//! The validating decoder: one raw BSON document in, one typed [`Record`] or one [`Invalid`] out.
//!
//! Both the mongoexport loader and the MongoDB store decode through here, so a document is judged the same
//! way wherever it came from. The rules (required fields, accepted types, reasons) are the table of
//! `docs/data-contract.md`; fields are checked in that table's order and the first failure is reported.

use std::str::FromStr;

use bson::oid::ObjectId;
use bson::{Bson, Document};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::records::*;
use super::Collection;
use crate::quality::{Invalid, InvalidReason};

/// What the decoder needs to know beyond the document: the upper bound of valid dates.
#[derive(Debug, Clone, Copy)]
pub struct DecodeContext {
    /// Dates after `now + 1 day` are out of range.
    pub now: DateTime<Utc>,
}

impl DecodeContext {
    /// A context with the current wall-clock time.
    pub fn now() -> Self {
        DecodeContext { now: Utc::now() }
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
        Bson::String(s) => Some(s.clone()),
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
    let r = Reader { doc, ctx };
    match collection {
        Collection::Users => decode_user(&r).map(Record::User),
        Collection::Transactions => decode_transaction(&r).map(Record::Transaction),
        Collection::Livestreams => decode_livestream(&r).map(Record::Livestream),
        Collection::Messages => decode_message(&r).map(Record::Message),
        Collection::Gamestakes => decode_stake(&r).map(Record::GameStake),
        Collection::Gamerounds => decode_round(&r).map(Record::GameRound),
        Collection::Moderationflags => decode_flag(&r).map(Record::ModerationFlag),
        Collection::Analyticsevents => decode_event(&r).map(Record::AnalyticsEvent),
    }
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
    let og_tier = r.opt_small_int("metadata.ogTier", 1, 5)?;
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

/// Field access with the contract's type rules; every failure becomes an [`Invalid`] naming the field.
struct Reader<'a> {
    doc: &'a Document,
    ctx: &'a DecodeContext,
}

impl<'a> Reader<'a> {
    fn fail(&self, field: &str, reason: InvalidReason, detail: String) -> Invalid {
        Invalid {
            id: display_id(self.doc),
            field: Some(field.to_owned()),
            reason,
            detail,
            line: None,
        }
    }

    /// The value at a dotted path; `null` counts as absent. A non-document parent is reported by
    /// [`Reader::opt_document`], which the decoders call for each parent before reading its children.
    fn get(&self, path: &str) -> Option<&'a Bson> {
        let mut doc = self.doc;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            let value = doc.get(part)?;
            if parts.peek().is_none() {
                return (!matches!(value, Bson::Null)).then_some(value);
            }
            match value {
                Bson::Document(d) => doc = d,
                _ => return None,
            }
        }
        None
    }

    fn required(&self, field: &str) -> Result<&'a Bson, Invalid> {
        self.get(field).ok_or_else(|| {
            self.fail(
                field,
                InvalidReason::MissingField,
                format!("required field `{field}` is missing"),
            )
        })
    }

    fn wrong_type(&self, field: &str, expected: &str, got: &Bson) -> Invalid {
        self.fail(
            field,
            InvalidReason::WrongType,
            format!("expected {expected}, found {:?}", got.element_type()),
        )
    }

    fn opt_document(&self, field: &str) -> Result<(), Invalid> {
        match self.get(field) {
            None | Some(Bson::Document(_)) => Ok(()),
            Some(other) => Err(self.wrong_type(field, "an embedded document", other)),
        }
    }

    fn oid(&self, field: &str) -> Result<ObjectId, Invalid> {
        let v = self.required(field)?;
        self.as_oid(field, v)
    }

    fn opt_oid(&self, field: &str) -> Result<Option<ObjectId>, Invalid> {
        self.get(field).map(|v| self.as_oid(field, v)).transpose()
    }

    fn as_oid(&self, field: &str, v: &Bson) -> Result<ObjectId, Invalid> {
        match v {
            Bson::ObjectId(o) => Ok(*o),
            other => Err(self.wrong_type(field, "an ObjectId", other)),
        }
    }

    fn date(&self, field: &str) -> Result<DateTime<Utc>, Invalid> {
        let v = self.required(field)?;
        self.as_date(field, v)
    }

    fn opt_date(&self, field: &str) -> Result<Option<DateTime<Utc>>, Invalid> {
        self.get(field).map(|v| self.as_date(field, v)).transpose()
    }

    fn as_date(&self, field: &str, v: &Bson) -> Result<DateTime<Utc>, Invalid> {
        let Bson::DateTime(d) = v else {
            return Err(self.wrong_type(field, "a date", v));
        };
        let ms = d.timestamp_millis();
        if !(MIN_MILLIS..=self.ctx.max_millis()).contains(&ms) {
            let shown = d
                .try_to_rfc3339_string()
                .unwrap_or_else(|_| format!("{ms} ms"));
            return Err(self.fail(
                field,
                InvalidReason::DateOutOfRange,
                format!("{shown} is outside 2000-01-01 … now + 1 day"),
            ));
        }
        Ok(d.to_chrono())
    }

    fn string(&self, field: &str) -> Result<&'a str, Invalid> {
        match self.required(field)? {
            Bson::String(s) => Ok(s),
            other => Err(self.wrong_type(field, "a string", other)),
        }
    }

    fn opt_string(&self, field: &str) -> Result<Option<&'a str>, Invalid> {
        match self.get(field) {
            None => Ok(None),
            Some(Bson::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong_type(field, "a string", other)),
        }
    }

    fn opt_bool(&self, field: &str) -> Result<Option<bool>, Invalid> {
        match self.get(field) {
            None => Ok(None),
            Some(Bson::Boolean(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong_type(field, "a boolean", other)),
        }
    }

    fn enumeration<E>(
        &self,
        field: &str,
        parse: fn(&str) -> Option<E>,
        names: &[&str],
    ) -> Result<E, Invalid> {
        self.required(field)?;
        self.opt_enumeration(field, parse, names)?.ok_or_else(|| {
            self.fail(
                field,
                InvalidReason::MissingField,
                format!("`{field}` is missing"),
            )
        })
    }

    fn opt_enumeration<E>(
        &self,
        field: &str,
        parse: fn(&str) -> Option<E>,
        names: &[&str],
    ) -> Result<Option<E>, Invalid> {
        match self.get(field) {
            None => Ok(None),
            Some(Bson::String(s)) => parse(s).map(Some).ok_or_else(|| {
                self.fail(
                    field,
                    InvalidReason::InvalidEnum,
                    format!("`{s}` is not one of {}", names.join(", ")),
                )
            }),
            Some(other) => Err(self.wrong_type(field, "a string", other)),
        }
    }

    fn country(&self, field: &str) -> Result<Option<Country>, Invalid> {
        match self.get(field) {
            None => Ok(None),
            Some(Bson::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Bson::String(s)) => Country::parse(s).map(Some).ok_or_else(|| {
                self.fail(
                    field,
                    InvalidReason::InvalidValue,
                    format!("`{s}` is not an ISO-3166 alpha-2 country code"),
                )
            }),
            Some(other) => Err(self.wrong_type(field, "a country code string", other)),
        }
    }

    fn opt_stream_ref(&self, field: &str) -> Result<Option<StreamRef>, Invalid> {
        match self.get(field) {
            None => Ok(None),
            Some(Bson::ObjectId(o)) => Ok(Some(StreamRef::Id(*o))),
            Some(Bson::String(s)) => Ok(Some(match ObjectId::parse_str(s) {
                Ok(o) => StreamRef::Id(o),
                Err(_) => StreamRef::Name(s.as_str().into()),
            })),
            Some(other) => Err(self.wrong_type(field, "an ObjectId or string", other)),
        }
    }

    /// A number as an exact decimal. Doubles are taken at their shortest round-trip form (9.99 → 9.99).
    fn as_decimal(&self, field: &str, v: &Bson) -> Result<Decimal, Invalid> {
        let too_large = || {
            self.fail(
                field,
                InvalidReason::InvalidValue,
                format!("{v} does not fit a 96-bit decimal"),
            )
        };
        match v {
            Bson::Int32(i) => Ok(Decimal::from(*i)),
            Bson::Int64(i) => Ok(Decimal::from(*i)),
            Bson::Double(f) if !f.is_finite() => Err(self.non_finite(field)),
            Bson::Double(f) => Decimal::from_str(&f.to_string()).map_err(|_| too_large()),
            Bson::Decimal128(d) => {
                let s = d.to_string();
                if s.ends_with("NaN") || s.ends_with("Infinity") {
                    return Err(self.non_finite(field));
                }
                Decimal::from_str(&s)
                    .or_else(|_| Decimal::from_scientific(&s))
                    .map(|d| d.normalize())
                    .map_err(|_| too_large())
            }
            other => Err(self.wrong_type(field, "a number", other)),
        }
    }

    fn non_finite(&self, field: &str) -> Invalid {
        self.fail(
            field,
            InvalidReason::NonFinite,
            "NaN or infinite number".to_owned(),
        )
    }

    fn negative(&self, field: &str, v: impl std::fmt::Display) -> Invalid {
        self.fail(
            field,
            InvalidReason::NegativeValue,
            format!("{v} is negative"),
        )
    }

    fn amount(&self, field: &str, allow_negative: bool) -> Result<Decimal, Invalid> {
        let v = self.required(field)?;
        self.as_amount(field, v, allow_negative)
    }

    fn opt_amount(&self, field: &str, allow_negative: bool) -> Result<Option<Decimal>, Invalid> {
        self.get(field)
            .map(|v| self.as_amount(field, v, allow_negative))
            .transpose()
    }

    fn as_amount(&self, field: &str, v: &Bson, allow_negative: bool) -> Result<Decimal, Invalid> {
        let d = self.as_decimal(field, v)?;
        if d.is_sign_negative() && !d.is_zero() && !allow_negative {
            return Err(self.negative(field, d));
        }
        Ok(d)
    }

    fn count(&self, field: &str) -> Result<u64, Invalid> {
        let v = self.required(field)?;
        self.as_count(field, v)
    }

    fn opt_count(&self, field: &str) -> Result<Option<u64>, Invalid> {
        self.get(field).map(|v| self.as_count(field, v)).transpose()
    }

    fn as_count(&self, field: &str, v: &Bson) -> Result<u64, Invalid> {
        let d = self.as_decimal(field, v)?;
        if d.is_sign_negative() && !d.is_zero() {
            return Err(self.negative(field, d));
        }
        if !d.fract().is_zero() {
            return Err(self.fail(
                field,
                InvalidReason::WrongType,
                format!("{d} is not a whole count"),
            ));
        }
        u64::try_from(d).map_err(|_| {
            self.fail(
                field,
                InvalidReason::InvalidValue,
                format!("{d} is too large"),
            )
        })
    }

    fn opt_small_int(&self, field: &str, min: u8, max: u8) -> Result<Option<u8>, Invalid> {
        let Some(v) = self.get(field) else {
            return Ok(None);
        };
        let d = self.as_decimal(field, v)?;
        if !d.fract().is_zero() {
            return Err(self.fail(
                field,
                InvalidReason::WrongType,
                format!("{d} is not an integer"),
            ));
        }
        match u8::try_from(d) {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(self.fail(
                field,
                InvalidReason::InvalidValue,
                format!("{d} is outside {min}–{max}"),
            )),
        }
    }

    fn seconds(&self, field: &str) -> Result<f64, Invalid> {
        let v = self.required(field)?;
        self.as_seconds(field, v)
    }

    fn opt_seconds(&self, field: &str) -> Result<Option<f64>, Invalid> {
        self.get(field)
            .map(|v| self.as_seconds(field, v))
            .transpose()
    }

    fn as_seconds(&self, field: &str, v: &Bson) -> Result<f64, Invalid> {
        let s = match v {
            Bson::Int32(i) => f64::from(*i),
            // Durations are not money: f64 is exact for any realistic second count.
            Bson::Int64(i) => *i as f64,
            Bson::Double(f) => *f,
            Bson::Decimal128(d) => d.to_string().parse::<f64>().unwrap_or(f64::NAN),
            other => return Err(self.wrong_type(field, "a number of seconds", other)),
        };
        if !s.is_finite() {
            return Err(self.non_finite(field));
        }
        if s < 0.0 {
            return Err(self.negative(field, s));
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::parse_extended_json;
    use rust_decimal_macros_free::dec;

    /// Decimal literals without another dependency.
    mod rust_decimal_macros_free {
        macro_rules! dec {
            ($s:literal) => {
                <rust_decimal::Decimal as std::str::FromStr>::from_str(stringify!($s)).unwrap()
            };
        }
        pub(crate) use dec;
    }

    fn ctx() -> DecodeContext {
        DecodeContext {
            now: "2026-11-24T00:00:00Z".parse().unwrap(),
        }
    }

    fn json(collection: Collection, text: &str) -> Result<Record, Invalid> {
        let doc = parse_extended_json(text).unwrap();
        decode(collection, &doc, &ctx())
    }

    fn invalid(collection: Collection, text: &str) -> (String, InvalidReason) {
        let e = json(collection, text).expect_err("document should be invalid");
        (e.field.unwrap_or_default(), e.reason)
    }

    const OID: &str = r#"{"$oid":"65f1a2b3c4d5e6f708192a3b"}"#;
    const UID: &str = r#"{"$oid":"65f1a2b3c4d5e6f708192a3c"}"#;

    fn tx(extra: &str) -> String {
        format!(
            r#"{{"_id":{OID},"userId":{UID},"type":"recharge","amount":500,"currency":"coins","status":"completed","createdAt":{{"$date":"2026-03-01T05:00:00Z"}}{extra}}}"#
        )
    }

    #[test]
    fn user_relaxed_and_canonical_decode_alike() {
        let relaxed = format!(
            r#"{{"_id":{OID},"createdAt":{{"$date":"2026-03-01T05:00:00.123Z"}},"country":"np","username":"asha","ogLevel":2,"isBanned":false,"email":"a@b.c","passwordHash":"x"}}"#
        );
        let canonical = format!(
            r#"{{"_id":{OID},"createdAt":{{"$date":{{"$numberLong":"1772341200123"}}}},"country":"NP","username":"asha","ogLevel":{{"$numberInt":"2"}}}}"#
        );
        let a = json(Collection::Users, &relaxed).unwrap();
        let b = json(Collection::Users, &canonical).unwrap();
        assert_eq!(a, b);
        let Record::User(u) = a else {
            panic!("not a user")
        };
        assert_eq!(u.country.unwrap().as_str(), "NP");
        assert_eq!(u.og_level, 2);
        assert_eq!(u.created_at.timestamp_millis(), 1_772_341_200_123);
    }

    #[test]
    fn user_defaults_and_missing_country() {
        let Record::User(u) = json(
            Collection::Users,
            &format!(
                r#"{{"_id":{OID},"createdAt":{{"$date":"2026-03-01T05:00:00Z"}},"country":""}}"#
            ),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(
            (u.country, u.og_level, u.is_banned, u.username),
            (None, 0, false, None)
        );
    }

    #[test]
    fn numbers_in_every_extended_json_form() {
        for (amount, expected) in [
            (r#"500"#, dec!(500)),
            (r#"{"$numberInt":"500"}"#, dec!(500)),
            (r#"{"$numberLong":"5000000000"}"#, dec!(5000000000)),
            (r#"{"$numberDouble":"9.99"}"#, dec!(9.99)),
            (r#"9.99"#, dec!(9.99)),
            (r#"{"$numberDecimal":"1234.5678"}"#, dec!(1234.5678)),
            (r#"{"$numberDecimal":"1.5E+3"}"#, dec!(1500)),
        ] {
            let Record::Transaction(t) = json(
                Collection::Transactions,
                &tx("").replace("500", "X").replacen(
                    "\"amount\":X",
                    &format!("\"amount\":{amount}"),
                    1,
                ),
            )
            .unwrap() else {
                panic!()
            };
            assert_eq!(t.amount, expected, "{amount}");
        }
    }

    #[test]
    fn coin_topup_keeps_money_in_metadata() {
        let text = tx(
            r#","paymentMethod":"esewa","metadata":{"amountPaid":{"$numberDouble":"499.5"},"currency":"NPR","country":"in","streamId":"65f1a2b3c4d5e6f708192a3d"}"#,
        );
        let Record::Transaction(t) = json(Collection::Transactions, &text).unwrap() else {
            panic!()
        };
        assert_eq!(t.coins(), Some(dec!(500)));
        assert_eq!(t.money(), Some((dec!(499.5), MoneyCurrency::Npr)));
        assert_eq!(t.payment_method, Some(PaymentMethod::Esewa));
        assert_eq!(t.country.unwrap().as_str(), "IN");
        assert!(matches!(t.stream_id, Some(StreamRef::Id(_))));
    }

    #[test]
    fn negative_refund_is_valid_but_negative_recharge_is_not() {
        let refund = tx("")
            .replace("\"recharge\"", "\"refund\"")
            .replace("\"amount\":500", "\"amount\":-250")
            .replace("coins", "NPR");
        let Record::Transaction(t) = json(Collection::Transactions, &refund).unwrap() else {
            panic!()
        };
        assert_eq!(t.money(), Some((dec!(-250), MoneyCurrency::Npr)));
        let negative = tx("").replace("\"amount\":500", "\"amount\":-250");
        assert_eq!(
            invalid(Collection::Transactions, &negative),
            ("amount".into(), InvalidReason::NegativeValue)
        );
    }

    #[test]
    fn every_reason_is_reported_with_its_field() {
        let t = Collection::Transactions;
        let cases: Vec<(Collection, String, (&str, InvalidReason))> = vec![
            (
                t,
                tx("").replace(r#","status":"completed""#, ""),
                ("status", InvalidReason::MissingField),
            ),
            (
                t,
                tx("").replace(r#""status":"completed""#, r#""status":null"#),
                ("status", InvalidReason::MissingField),
            ),
            (
                t,
                tx("").replace("\"amount\":500", "\"amount\":\"500\""),
                ("amount", InvalidReason::WrongType),
            ),
            (
                t,
                tx("").replace(OID, "\"65f1a2b3c4d5e6f708192a3b\""),
                ("_id", InvalidReason::WrongType),
            ),
            (
                t,
                tx("").replace(r#"{"$date":"2026-03-01T05:00:00Z"}"#, r#""2026-03-01""#),
                ("createdAt", InvalidReason::WrongType),
            ),
            (
                t,
                tx("").replace("\"recharge\"", "\"airdrop\""),
                ("type", InvalidReason::InvalidEnum),
            ),
            (
                t,
                tx(r#","paymentMethod":"bank""#),
                ("paymentMethod", InvalidReason::InvalidEnum),
            ),
            (
                t,
                tx(r#","metadata":{"ogTier":7}"#),
                ("metadata.ogTier", InvalidReason::InvalidValue),
            ),
            (
                t,
                tx(r#","metadata":{"country":"Nepal"}"#),
                ("metadata.country", InvalidReason::InvalidValue),
            ),
            (
                t,
                tx(r#","metadata":"none""#),
                ("metadata", InvalidReason::WrongType),
            ),
            (
                t,
                tx(r#","fees":-1"#),
                ("fees", InvalidReason::NegativeValue),
            ),
            (
                t,
                tx("").replace("\"amount\":500", r#""amount":{"$numberDouble":"NaN"}"#),
                ("amount", InvalidReason::NonFinite),
            ),
            (
                t,
                tx("").replace(
                    "\"amount\":500",
                    r#""amount":{"$numberDecimal":"Infinity"}"#,
                ),
                ("amount", InvalidReason::NonFinite),
            ),
            (
                t,
                tx("").replace("2026-03-01T05:00:00Z", "1999-12-31T23:59:59Z"),
                ("createdAt", InvalidReason::DateOutOfRange),
            ),
            (
                t,
                tx("").replace("2026-03-01T05:00:00Z", "2026-11-25T00:00:01Z"),
                ("createdAt", InvalidReason::DateOutOfRange),
            ),
            (
                Collection::Livestreams,
                format!(
                    r#"{{"_id":{OID},"hostId":{UID},"status":"ended","duration":60,"totalViewers":2.5,"totalCoins":0,"createdAt":{{"$date":"2026-03-01T05:00:00Z"}}}}"#
                ),
                ("totalViewers", InvalidReason::WrongType),
            ),
            (
                Collection::Livestreams,
                format!(
                    r#"{{"_id":{OID},"hostId":{UID},"status":"ended","duration":60,"totalViewers":3,"totalCoins":0,"peakViewers":-1,"createdAt":{{"$date":"2026-03-01T05:00:00Z"}}}}"#
                ),
                ("peakViewers", InvalidReason::NegativeValue),
            ),
            (
                Collection::Analyticsevents,
                format!(
                    r#"{{"_id":{OID},"eventType":"user_action","eventName":"session_end","timestamp":{{"$date":"2026-03-01T05:00:00Z"}}}}"#
                ),
                ("properties.durationSec", InvalidReason::MissingField),
            ),
            (
                Collection::Gamestakes,
                format!(
                    r#"{{"_id":{OID},"userId":{UID},"roundId":"r1","stakeAmount":10,"winAmount":0,"result":"draw","createdAt":{{"$date":"2026-03-01T05:00:00Z"}}}}"#
                ),
                ("result", InvalidReason::InvalidEnum),
            ),
            (
                Collection::Gamerounds,
                r#"{"roundId":"r1","durationSec":{"$numberDouble":"-Infinity"}}"#.to_owned(),
                ("durationSec", InvalidReason::NonFinite),
            ),
            (
                Collection::Moderationflags,
                format!(
                    r#"{{"_id":{OID},"userId":{UID},"contentType":"text","action":"ban","status":"pending","createdAt":{{"$date":"2026-03-01T05:00:00Z"}}}}"#
                ),
                ("action", InvalidReason::InvalidEnum),
            ),
            (
                Collection::Messages,
                format!(
                    r#"{{"_id":{OID},"userId":{UID},"createdAt":{{"$date":"2026-03-01T05:00:00Z"}}}}"#
                ),
                ("roomId", InvalidReason::MissingField),
            ),
        ];
        for (collection, text, (field, reason)) in cases {
            assert_eq!(
                invalid(collection, &text),
                (field.to_owned(), reason),
                "{text}"
            );
        }
    }

    #[test]
    fn every_collection_decodes_a_full_document() {
        let date = r#"{"$date":"2026-03-01T05:00:00Z"}"#;
        let docs = [
            (
                Collection::Livestreams,
                format!(
                    r#"{{"_id":{OID},"hostId":{UID},"status":"ended","startedAt":{date},"endedAt":null,"duration":3600.5,"totalViewers":40,"peakViewers":12,"totalGifts":3,"totalCoins":{{"$numberLong":"900"}},"totalLikes":5,"totalComments":9,"country":"NP","createdAt":{date},"streamKey":"secret"}}"#
                ),
            ),
            (
                Collection::Messages,
                format!(
                    r#"{{"_id":{OID},"userId":{UID},"roomId":{UID},"isDeleted":true,"content":"hi","createdAt":{date}}}"#
                ),
            ),
            (
                Collection::Gamestakes,
                format!(
                    r#"{{"_id":{OID},"userId":{UID},"gameId":{UID},"roundId":"r-1","stakeAmount":10,"winAmount":{{"$numberDouble":"19.5"}},"result":"won","metadata":{{"country":"BD"}},"createdAt":{date}}}"#
                ),
            ),
            (
                Collection::Gamerounds,
                format!(
                    r#"{{"_id":{OID},"roundId":"r-1","startAt":{date},"endAt":{date},"durationSec":{{"$numberInt":"45"}}}}"#
                ),
            ),
            (
                Collection::Moderationflags,
                format!(
                    r#"{{"_id":{OID},"userId":{UID},"contentType":"stream","action":"block","status":"resolved","reviewedAt":{date},"createdAt":{date}}}"#
                ),
            ),
            (
                Collection::Analyticsevents,
                format!(
                    r#"{{"_id":{OID},"userId":null,"eventType":"user_action","eventName":"session_end","sessionId":"s1","properties":{{"durationSec":300,"ip":"10.0.0.1"}},"location":{{"country":"au"}},"timestamp":{date}}}"#
                ),
            ),
        ];
        for (collection, text) in docs {
            let record = json(collection, &text).unwrap_or_else(|e| panic!("{collection}: {e}"));
            // The same document in canonical mode decodes to the same record.
            let canonical = Bson::Document(parse_extended_json(&text).unwrap())
                .into_canonical_extjson()
                .to_string();
            assert!(
                canonical.contains("$numberInt") || canonical.contains("$numberLong"),
                "{canonical}"
            );
            assert_eq!(
                json(collection, &canonical).unwrap(),
                record,
                "{collection} canonical"
            );
            assert!(record.primary_date().is_some());
            if let Record::AnalyticsEvent(e) = &record {
                assert_eq!(
                    (e.user_id, e.duration_sec, e.event_name.clone()),
                    (None, Some(300.0), EventName::SessionEnd)
                );
                assert_eq!(e.country.unwrap().as_str(), "AU");
            }
            if let Record::Livestream(s) = &record {
                assert_eq!(
                    (s.total_coins, s.duration_sec, s.ended_at),
                    (dec!(900), 3600.5, None)
                );
            }
        }
    }

    #[test]
    fn the_fast_parser_reads_every_form_like_bsons_extended_json_conversion() {
        let samples = [
            r#"{"_id":{"$oid":"65f1a2b3c4d5e6f708192a3b"},"d":{"$date":"2026-03-01T05:00:00.123Z"},"c":{"$date":{"$numberLong":"1772341200123"}}}"#,
            r#"{"a":{"$numberInt":"5"},"b":{"$numberLong":"5000000000"},"c":{"$numberDouble":"NaN"},"d":{"$numberDouble":"-Infinity"},"e":{"$numberDecimal":"1.5E+3"}}"#,
            r#"{"a":1,"b":-2,"c":2.5,"d":null,"e":true,"f":"s","g":[1,{"h":{"$oid":"65f1a2b3c4d5e6f708192a3b"}}],"m":{"n":{"$date":"1999-12-31T23:59:59Z"}}}"#,
        ];
        for text in samples {
            let fast = match serde_json::from_str::<Bson>(text).unwrap() {
                Bson::Document(d) => d,
                other => panic!("{other:?}"),
            };
            let slow =
                match Bson::try_from(serde_json::from_str::<serde_json::Value>(text).unwrap())
                    .unwrap()
                {
                    Bson::Document(d) => d,
                    other => panic!("{other:?}"),
                };
            for (k, v) in &slow {
                let f = &fast[k];
                let same = match (v, f) {
                    // Relaxed integers may come out as Int32 on one path and Int64 on the other.
                    (Bson::Int32(a), Bson::Int64(b)) | (Bson::Int64(b), Bson::Int32(a)) => {
                        i64::from(*a) == *b
                    }
                    (Bson::Double(a), Bson::Double(b)) if a.is_nan() => b.is_nan(),
                    _ => v == f,
                };
                assert!(same, "{k}: {v:?} vs {f:?}");
            }
            assert_eq!(fast.len(), slow.len());
        }
        // Malformed Extended JSON is still rejected with a reason.
        let err = parse_extended_json(r#"{"a":{"$numberLong":5}}"#).unwrap_err();
        assert!(err.contains("Extended JSON"), "{err}");
    }

    #[test]
    fn gamerounds_are_keyed_by_round_id() {
        let doc = parse_extended_json(
            r#"{"_id":{"$oid":"65f1a2b3c4d5e6f708192a3b"},"roundId":"r-9","durationSec":3}"#,
        )
        .unwrap();
        assert_eq!(
            dedupe_key(Collection::Gamerounds, &doc),
            Some(DedupeKey::Text("r-9".into()))
        );
        assert!(matches!(
            dedupe_key(Collection::Users, &doc),
            Some(DedupeKey::Oid(_))
        ));
    }
}
