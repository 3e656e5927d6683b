//! One typed record per raw collection, holding exactly the fields of DATA.md that the engine reads.
//!
//! Amounts are exact [`Decimal`]s, instants are UTC, enums are closed. A record exists only for a valid
//! document: the decoder ([`super::decode`]) rejects everything else. Fields the decoder validates but no
//! metric of `shared/spec/METRICS.md` reads (a message's room, a stream's status, a session id,
//! …) are checked and then dropped: a loaded store holds millions of records, so every field kept costs
//! memory on each of them (`docs/data-contract.md`, "Reading").

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use bson::oid::ObjectId;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An ISO-3166 alpha-2 country code, upper case (`NP`). A document without one resolves to `UNKNOWN`
/// (represented as `Option<Country>::None`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 2]);

impl Country {
    /// Parses a code leniently as the platform writes it (trimmed, any case), and strictly as to what
    /// it names: `None` unless it is an assigned ISO 3166-1 alpha-2 code (`QQ` is two letters but no
    /// country).
    pub fn parse(s: &str) -> Option<Country> {
        match s.trim().as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                let code = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
                let at = usize::from(code[0] - b'A') * 26 + usize::from(code[1] - b'A');
                assigned_codes().get(at).copied()?.then_some(Country(code))
            }
            _ => None,
        }
    }

    /// A country field that is present but names no country (`QQ`, `Nepal`): the document's country is
    /// *unknown* (METRICS.md: its own field is present, so its user's country is not used), and it is
    /// selected by `UNKNOWN`. It never appears in an output: [`CountryFilter::of`] maps it to `UNKNOWN`.
    ///
    /// [`CountryFilter::of`]: crate::model::CountryFilter::of
    pub const UNRECOGNISED: Country = Country(*b"??");

    /// Whether this is an assigned code (not [`Country::UNRECOGNISED`]).
    pub fn is_recognised(&self) -> bool {
        *self != Country::UNRECOGNISED
    }

    /// The two bytes of the code, for compact storage.
    pub(crate) fn code(self) -> [u8; 2] {
        self.0
    }

    /// The country of two bytes [`Country::code`] gave.
    pub(crate) fn from_code(code: [u8; 2]) -> Country {
        Country(code)
    }

    /// The code as a string slice.
    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII (letters, or `??`) by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

/// Whether each of the 676 two-letter codes (`AA` = 0, `AB` = 1, …) is an assigned ISO 3166-1
/// alpha-2 code, asked of `rust_iso3166` once: the loader parses a country on most documents.
fn assigned_codes() -> &'static [bool; 676] {
    static ASSIGNED: std::sync::OnceLock<[bool; 676]> = std::sync::OnceLock::new();
    ASSIGNED.get_or_init(|| {
        let mut assigned = [false; 676];
        for (at, slot) in assigned.iter_mut().enumerate() {
            let code = [b'A' + (at / 26) as u8, b'A' + (at % 26) as u8];
            *slot = std::str::from_utf8(&code)
                .ok()
                .and_then(rust_iso3166::from_alpha2)
                .is_some();
        }
        assigned
    })
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Country({})", self.as_str())
    }
}

impl FromStr for Country {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Self> {
        Country::parse(s).ok_or_else(|| {
            crate::Error::invalid_argument(
                "country",
                format!("`{s}` is not an ISO-3166 alpha-2 code such as `NP`"),
            )
        })
    }
}

impl Serialize for Country {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Country::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("bad country code `{s}`")))
    }
}

/// Declares a closed string enum as DATA.md lists it, with its wire names.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] $variant),+
        }

        impl $name {
            /// Every value, in DATA.md order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as the platform writes it.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// The value for a wire name, if it is one.
            pub fn from_wire(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }

            /// The accepted wire names, for error messages.
            pub const WIRE_NAMES: &'static [&'static str] = &[$($wire),+];
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// `transactions.type`.
    TransactionType {
        /// A coin top-up.
        Recharge = "recharge",
        /// An OG tier purchase (older writers).
        Subscription = "subscription",
        /// An OG tier purchase (what the app writes).
        OgSubscription = "og_subscription",
        /// The sender's side of a gift.
        GiftSent = "gift_sent",
        /// The receiver's side of the same gift.
        GiftReceived = "gift_received",
        /// Free coins granted with an OG tier.
        OgBonus = "og_bonus",
        /// Money given back.
        Refund = "refund",
        /// A host's cash-out.
        Withdrawal = "withdrawal",
        /// A tip.
        Tip = "tip",
        /// A brand deal payment.
        BrandDeal = "brand_deal",
        /// A fee taken by the platform.
        PlatformFee = "platform_fee",
    }
}

impl TransactionType {
    /// `subscription` or `og_subscription` (METRICS.md "OG purchase").
    pub const fn is_og_purchase(self) -> bool {
        matches!(
            self,
            TransactionType::Subscription | TransactionType::OgSubscription
        )
    }
}

wire_enum! {
    /// `transactions.currency`.
    Currency {
        /// Nepalese rupees (the primary currency).
        Npr = "NPR",
        /// US dollars, converted with `usdToNpr`.
        Usd = "USD",
        /// Platform coins (never converted to money).
        Coins = "coins",
    }
}

wire_enum! {
    /// A money currency (`metadata.currency`).
    MoneyCurrency {
        /// Nepalese rupees.
        Npr = "NPR",
        /// US dollars.
        Usd = "USD",
    }
}

wire_enum! {
    /// `transactions.status`.
    TransactionStatus {
        /// Not settled yet.
        Pending = "pending",
        /// Settled: the only status that counts.
        Completed = "completed",
        /// Failed.
        Failed = "failed",
        /// Cancelled.
        Cancelled = "cancelled",
    }
}

wire_enum! {
    /// `transactions.paymentMethod`.
    PaymentMethod {
        /// eSewa wallet (Nepal).
        Esewa = "esewa",
        /// Khalti wallet (Nepal).
        Khalti = "khalti",
        /// Stripe card payments.
        Stripe = "stripe",
        /// PayPal.
        Paypal = "paypal",
    }
}

wire_enum! {
    /// `livestreams.status`.
    StreamStatus {
        /// Created, not started.
        Preparing = "preparing",
        /// On air.
        Live = "live",
        /// Finished.
        Ended = "ended",
        /// Stopped by moderation.
        Banned = "banned",
    }
}

wire_enum! {
    /// `gamestakes.result`.
    StakeResult {
        /// Round not settled.
        Pending = "pending",
        /// The stake won `winAmount`.
        Won = "won",
        /// The stake was lost.
        Lost = "lost",
    }
}

wire_enum! {
    /// `moderationflags.contentType`.
    ContentType {
        /// Chat text.
        Text = "text",
        /// An image.
        Image = "image",
        /// A video.
        Video = "video",
        /// A live stream.
        Stream = "stream",
        /// A profile.
        Profile = "profile",
    }
}

wire_enum! {
    /// `moderationflags.action`.
    FlagAction {
        /// Allowed (not an incident).
        Allow = "allow",
        /// The user was warned.
        Warn = "warn",
        /// The content was blocked.
        Block = "block",
        /// Sent to human review.
        Review = "review",
    }
}

wire_enum! {
    /// `moderationflags.status`.
    FlagStatus {
        /// Waiting.
        Pending = "pending",
        /// Reviewed by a moderator.
        Reviewed = "reviewed",
        /// Flagged.
        Flagged = "flagged",
        /// Resolved.
        Resolved = "resolved",
    }
}

wire_enum! {
    /// `analyticsevents.eventType`.
    EventType {
        /// Something a user did.
        UserAction = "user_action",
        /// Something the system did.
        SystemEvent = "system_event",
        /// A business event.
        BusinessEvent = "business_event",
        /// An error (counted by the `infra_errors` alert).
        ErrorEvent = "error_event",
        /// A performance measurement.
        PerformanceEvent = "performance_event",
        /// A security event (bans).
        SecurityEvent = "security_event",
    }
}

/// `analyticsevents.eventName`: the names the metrics use, interned; any other name is kept as text
/// (custom funnels name any event), shared: a store keeps each distinct name once and hands out clones.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventName {
    /// `session_start`.
    SessionStart,
    /// `session_end` (carries `properties.durationSec`).
    SessionEnd,
    /// `battle_joined`.
    BattleJoined,
    /// `user_banned`.
    UserBanned,
    /// `user_unbanned`.
    UserUnbanned,
    /// Any other product event.
    Other(Arc<str>),
}

impl EventName {
    /// Interns the well-known names.
    pub fn from_wire(s: &str) -> EventName {
        match s {
            "session_start" => EventName::SessionStart,
            "session_end" => EventName::SessionEnd,
            "battle_joined" => EventName::BattleJoined,
            "user_banned" => EventName::UserBanned,
            "user_unbanned" => EventName::UserUnbanned,
            other => EventName::Other(other.into()),
        }
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        match self {
            EventName::SessionStart => "session_start",
            EventName::SessionEnd => "session_end",
            EventName::BattleJoined => "battle_joined",
            EventName::UserBanned => "user_banned",
            EventName::UserUnbanned => "user_unbanned",
            EventName::Other(s) => s,
        }
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `users` document.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// `_id`.
    pub id: ObjectId,
    /// `createdAt`: the signup instant.
    pub created_at: DateTime<Utc>,
    /// `country` (`None` → `UNKNOWN`).
    pub country: Option<Country>,
    /// `username`: public handle, shown only for top creators.
    pub username: Option<String>,
}

/// A `transactions` document.
#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    /// `_id`.
    pub id: ObjectId,
    /// `userId`.
    pub user_id: ObjectId,
    /// `type`.
    pub kind: TransactionType,
    /// `amount` in `currency`, as written (a refund's may be negative).
    pub amount: Decimal,
    /// `currency`.
    pub currency: Currency,
    /// `status`.
    pub status: TransactionStatus,
    /// `paymentMethod` (`None` → `other`).
    pub payment_method: Option<PaymentMethod>,
    /// `fees` in `currency` (absent → 0).
    pub fees: Decimal,
    /// `metadata.amountPaid`: the money paid for a coin-denominated purchase.
    pub amount_paid: Option<Decimal>,
    /// `metadata.currency`: the currency of `amount_paid`.
    pub paid_currency: Option<MoneyCurrency>,
    /// `metadata.ogTier` 1–5.
    pub og_tier: Option<u8>,
    /// `metadata.country`: the transaction's own country.
    pub country: Option<Country>,
    /// `metadata.streamId`: the stream a gift was sent in (host performance's unique gifters); a value
    /// that is no ObjectId (nor 24 hex digits) is absent, with a warning.
    pub stream_id: Option<ObjectId>,
    /// `createdAt`.
    pub created_at: DateTime<Utc>,
}

impl Transaction {
    /// The money value (METRICS.md Conventions): `amount` in NPR/USD, else `metadata.amountPaid` in NPR/USD.
    /// A refund's may be negative as written; callers take its absolute value.
    pub fn money(&self) -> Option<(Decimal, MoneyCurrency)> {
        match self.currency {
            Currency::Npr => Some((self.amount, MoneyCurrency::Npr)),
            Currency::Usd => Some((self.amount, MoneyCurrency::Usd)),
            Currency::Coins => self.amount_paid.zip(self.paid_currency),
        }
    }

    /// The coin amount: `amount` when the currency is coins.
    pub fn coins(&self) -> Option<Decimal> {
        (self.currency == Currency::Coins).then_some(self.amount)
    }

    /// Whether the transaction is `completed` (the only ones that count).
    pub fn is_completed(&self) -> bool {
        self.status == TransactionStatus::Completed
    }
}

/// A `livestreams` document.
#[derive(Debug, Clone, PartialEq)]
pub struct Livestream {
    /// `_id`.
    pub id: ObjectId,
    /// `hostId`.
    pub host_id: ObjectId,
    /// `duration` in seconds.
    pub duration_sec: f64,
    /// `totalViewers`.
    pub total_viewers: u64,
    /// `totalCoins`: the host's revenue from this stream, in coins.
    pub total_coins: Decimal,
    /// `country`: the stream's own country.
    pub country: Option<Country>,
    /// `createdAt`.
    pub created_at: DateTime<Utc>,
    /// The counters only host performance reads (`docs/hosts.md`): absent or unusable → 0.
    pub counters: StreamCounters,
}

/// `peakViewers`, `totalGifts`, `totalLikes`, `totalComments` of a stream. Unlike the KPI fields, a bad
/// value never makes the stream invalid (that would change KPI totals): it reads as 0, with a warning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamCounters {
    /// `peakViewers`.
    pub peak_viewers: u64,
    /// `totalGifts`.
    pub gifts: u64,
    /// `totalLikes`.
    pub likes: u64,
    /// `totalComments`.
    pub comments: u64,
}

/// A `messages` document (its content is never read, its `roomId` only validated).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// `_id`.
    pub id: ObjectId,
    /// `userId`.
    pub user_id: ObjectId,
    /// `isDeleted` (absent → false).
    pub is_deleted: bool,
    /// `createdAt`.
    pub created_at: DateTime<Utc>,
}

/// A `gamestakes` document.
#[derive(Debug, Clone, PartialEq)]
pub struct GameStake {
    /// `_id`.
    pub id: ObjectId,
    /// `userId`.
    pub user_id: ObjectId,
    /// `roundId`: joins [`GameRound::round_id`].
    pub round_id: String,
    /// `stakeAmount` in coins.
    pub stake_amount: Decimal,
    /// `winAmount` in coins.
    pub win_amount: Decimal,
    /// `result`.
    pub result: StakeResult,
    /// `metadata.country`.
    pub country: Option<Country>,
    /// `createdAt`.
    pub created_at: DateTime<Utc>,
}

/// A `gamerounds` document.
#[derive(Debug, Clone, PartialEq)]
pub struct GameRound {
    /// `_id`, when present.
    pub id: Option<ObjectId>,
    /// `roundId`.
    pub round_id: String,
    /// `startAt`.
    pub start_at: Option<DateTime<Utc>>,
    /// `durationSec`.
    pub duration_sec: f64,
}

/// A `moderationflags` document.
#[derive(Debug, Clone, PartialEq)]
pub struct ModerationFlag {
    /// `_id`.
    pub id: ObjectId,
    /// `userId`: the flagged user.
    pub user_id: ObjectId,
    /// `action`.
    pub action: FlagAction,
    /// `status`.
    pub status: FlagStatus,
    /// `reviewedAt`.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// `metadata.country`.
    pub country: Option<Country>,
    /// `createdAt`.
    pub created_at: DateTime<Utc>,
}

/// An `analyticsevents` document.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyticsEvent {
    /// `_id`.
    pub id: ObjectId,
    /// `userId` (system events have none).
    pub user_id: Option<ObjectId>,
    /// `eventType` (the `infra_errors` alert counts `error_event`s).
    pub event_type: EventType,
    /// `eventName`.
    pub event_name: EventName,
    /// `timestamp`.
    pub timestamp: DateTime<Utc>,
    /// `properties.durationSec` (required on `session_end`).
    pub duration_sec: Option<f64>,
    /// `location.country`.
    pub country: Option<Country>,
    /// `properties.platform`, trimmed and lower-cased (at most 32 characters; anything else is
    /// `None`): the breakdown of custom funnels.
    pub platform: Option<Arc<str>>,
}

/// A valid record of any collection.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A user.
    User(User),
    /// A transaction.
    Transaction(Transaction),
    /// A livestream.
    Livestream(Livestream),
    /// A message.
    Message(Message),
    /// A game stake.
    GameStake(GameStake),
    /// A game round.
    GameRound(GameRound),
    /// A moderation flag.
    ModerationFlag(ModerationFlag),
    /// An analytics event.
    AnalyticsEvent(AnalyticsEvent),
}

impl Record {
    /// The record's primary date (see [`Collection::primary_date_field`](super::Collection::primary_date_field)).
    pub fn primary_date(&self) -> Option<DateTime<Utc>> {
        match self {
            Record::User(r) => Some(r.created_at),
            Record::Transaction(r) => Some(r.created_at),
            Record::Livestream(r) => Some(r.created_at),
            Record::Message(r) => Some(r.created_at),
            Record::GameStake(r) => Some(r.created_at),
            Record::GameRound(r) => r.start_at,
            Record::ModerationFlag(r) => Some(r.created_at),
            Record::AnalyticsEvent(r) => Some(r.timestamp),
        }
    }
}
