//! The additive facts every KPI is computed from, for one country selection over some days: exact sums,
//! counts, and the distinct sets that make distinct counts over a range exact (a union, never a sum).
//!
//! A daily rollup is the facts of one day; a range is the merge of its days' facts. Money is kept per
//! currency (NPR and USD apart) so that rollups do not depend on the exchange rate: converting each USD
//! amount and then summing equals summing and then converting, exactly, in decimal arithmetic.

use std::collections::BTreeMap;
use std::sync::Arc;

use bson::oid::ObjectId;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::{MoneyCurrency, PaymentMethod};
use crate::{Error, Result};

/// A number that sums with overflow checking.
pub(crate) trait Summable: Copy {
    /// `self + v`, or `None` on overflow.
    fn checked_sum(self, v: Self) -> Option<Self>;
}

impl Summable for u64 {
    fn checked_sum(self, v: Self) -> Option<Self> {
        self.checked_add(v)
    }
}

impl Summable for Decimal {
    fn checked_sum(self, v: Self) -> Option<Self> {
        self.checked_add(v)
    }
}

/// Adds `v` into `slot` with checked arithmetic: on overflow the sum is left as it was and `overflow` is
/// set, and whoever reads the facts reports an error. A total is never wrapped and never panics.
pub(crate) fn add<T: Summable>(slot: &mut T, v: T, overflow: &mut bool) {
    match slot.checked_sum(v) {
        Some(x) => *slot = x,
        None => *overflow = true,
    }
}

/// An exact amount of money kept per currency until it is reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Nepalese rupees.
    #[serde(with = "rust_decimal::serde::str")]
    pub npr: Decimal,
    /// US dollars.
    #[serde(with = "rust_decimal::serde::str")]
    pub usd: Decimal,
}

impl Money {
    /// Adds `amount` in `currency` (checked: see [`add`]).
    pub(crate) fn add(&mut self, amount: Decimal, currency: MoneyCurrency, overflow: &mut bool) {
        match currency {
            MoneyCurrency::Npr => add(&mut self.npr, amount, overflow),
            MoneyCurrency::Usd => add(&mut self.usd, amount, overflow),
        }
    }

    /// Adds another money value (checked).
    pub(crate) fn merge(&mut self, other: &Money, overflow: &mut bool) {
        add(&mut self.npr, other.npr, overflow);
        add(&mut self.usd, other.usd, overflow);
    }

    /// The value in NPR; USD needs the rate, and its absence is an error rather than a guess.
    pub fn to_npr(&self, usd_to_npr: Option<Decimal>) -> Result<Decimal> {
        if self.usd.is_zero() {
            return Ok(self.npr);
        }
        let rate = usd_to_npr.ok_or_else(|| {
            Error::invalid_argument(
                "usdToNpr",
                format!(
                    "the data has {} USD of money to convert but no USD→NPR rate is configured (set `usdToNpr` or USD_TO_NPR)",
                    self.usd
                ),
            )
        })?;
        self.usd
            .checked_mul(rate)
            .and_then(|usd| usd.checked_add(self.npr))
            .ok_or_else(|| Error::Overflow {
                what: format!("{} NPR + {} USD at {rate} NPR per USD", self.npr, self.usd),
            })
    }
}

/// A set of ids, kept sorted and unique; persisted as one BSON binary of 12-byte ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdSet(Vec<ObjectId>);

impl IdSet {
    /// Adds an id (call [`IdSet::normalize`] before reading).
    pub fn insert(&mut self, id: ObjectId) {
        self.0.push(id);
    }

    /// Sorts and removes repeats.
    pub fn normalize(&mut self) {
        self.0.sort_unstable();
        self.0.dedup();
    }

    /// Adds every id of `other`.
    pub fn merge(&mut self, other: &IdSet) {
        self.0.extend_from_slice(&other.0);
    }

    /// Number of distinct ids (after [`IdSet::normalize`]).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `id` is in (after [`IdSet::normalize`]).
    pub fn contains(&self, id: &ObjectId) -> bool {
        self.0.binary_search(id).is_ok()
    }

    /// The ids in order.
    pub fn iter(&self) -> impl Iterator<Item = &ObjectId> {
        self.0.iter()
    }
}

impl FromIterator<ObjectId> for IdSet {
    fn from_iter<I: IntoIterator<Item = ObjectId>>(iter: I) -> Self {
        let mut s = IdSet(iter.into_iter().collect());
        s.normalize();
        s
    }
}

impl Serialize for IdSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut bytes = Vec::with_capacity(self.0.len() * 12);
        for id in &self.0 {
            bytes.extend_from_slice(&id.bytes());
        }
        s.serialize_bytes(&bytes)
    }
}

impl<'de> Deserialize<'de> for IdSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = IdSet;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a binary of 12-byte ObjectIds")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> std::result::Result<IdSet, E> {
                if v.len() % 12 != 0 {
                    return Err(E::custom(format!(
                        "{} bytes is not a whole number of ObjectIds",
                        v.len()
                    )));
                }
                let mut ids: Vec<ObjectId> = v
                    .chunks_exact(12)
                    .map(|c| {
                        let mut b = [0u8; 12];
                        b.copy_from_slice(c);
                        ObjectId::from_bytes(b)
                    })
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                Ok(IdSet(ids))
            }
            fn visit_byte_buf<E: serde::de::Error>(
                self,
                v: Vec<u8>,
            ) -> std::result::Result<IdSet, E> {
                self.visit_bytes(&v)
            }
        }
        d.deserialize_bytes(V)
    }
}

/// One host's stream facts (Creators section).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostFacts {
    /// Σ `totalCoins` of the host's streams, in coins.
    #[serde(with = "rust_decimal::serde::str")]
    pub revenue: Decimal,
    /// Number of streams.
    pub streams: u64,
    /// Σ `totalViewers`.
    pub viewers: u64,
}

/// Index of a payment method in [`Facts::by_payment_method`]: esewa, khalti, stripe, paypal, other.
pub(crate) fn method_index(m: Option<PaymentMethod>) -> usize {
    match m {
        Some(PaymentMethod::Esewa) => 0,
        Some(PaymentMethod::Khalti) => 1,
        Some(PaymentMethod::Stripe) => 2,
        Some(PaymentMethod::Paypal) => 3,
        None => 4,
    }
}

/// The additive facts of one country selection over some days. Field names are short on purpose: the
/// persisted rollup documents carry them for every day and country.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Facts {
    // Revenue: money by currency.
    /// Σ money value of `recharge`.
    pub coin_topups: Money,
    /// Σ money value of OG purchases.
    pub og_subscriptions: Money,
    /// Σ |money value| of refunds.
    pub refunds: Money,
    /// The `total` formula per payment method: esewa, khalti, stripe, paypal, other.
    pub by_payment_method: [Money; 5],
    /// OG purchase money by `metadata.ogTier` 1–5, then unknown.
    pub by_og_tier: [Money; 6],
    /// Σ coins of `gift_sent`.
    #[serde(with = "rust_decimal::serde::str")]
    pub gift_revenue: Decimal,
    /// Σ fees of coin `gift_sent` + Σ coins of `platform_fee`.
    #[serde(with = "rust_decimal::serde::str")]
    pub platform_fees: Decimal,

    // Engagement.
    /// Number of `session_end` events.
    pub session_ends: u64,
    /// Σ `properties.durationSec` of those events.
    #[serde(with = "rust_decimal::serde::str")]
    pub session_seconds: Decimal,
    /// Streams created.
    pub streams: u64,
    /// Σ `duration` of those streams, seconds.
    #[serde(with = "rust_decimal::serde::str")]
    pub stream_seconds: Decimal,
    /// Σ `totalViewers` of those streams.
    pub stream_viewers: u64,
    /// `battle_joined` events.
    pub battles: u64,
    /// `gift_sent` transactions.
    pub gifts_sent: u64,
    /// Messages not deleted.
    pub messages_sent: u64,

    // Monetization.
    /// `recharge` transactions.
    pub topup_count: u64,
    /// Σ coins bought by `recharge`.
    #[serde(with = "rust_decimal::serde::str")]
    pub topup_coins: Decimal,

    // Safety.
    /// Flags created with an action other than `allow`.
    pub flagged: u64,
    /// `user_banned` events.
    pub banned: u64,
    /// Flags reviewed (by `reviewedAt`) with status `reviewed` or `resolved`.
    pub appeals: u64,
    /// Flags created with action `warn` or `block`.
    pub warn_block: u64,

    // Gaming.
    /// Stakes placed.
    pub games_played: u64,
    /// Σ `stakeAmount`, coins.
    #[serde(with = "rust_decimal::serde::str")]
    pub stakes: Decimal,
    /// Σ `winAmount` of won stakes, coins.
    #[serde(with = "rust_decimal::serde::str")]
    pub payouts: Decimal,

    // Distinct sets.
    /// Active users (METRICS.md "Active user").
    pub active: IdSet,
    /// Users with a money recharge or OG purchase.
    pub payers: IdSet,
    /// Users with a money OG purchase.
    pub og_buyers: IdSet,
    /// Users with a stake.
    pub players: IdSet,
    /// Users who signed up (selected by `users.country`).
    pub signups: IdSet,
    /// Hosts whose first stream ever (any country) was on this day; kept in the `ALL` rollup only.
    pub new_hosts: IdSet,
    /// Per host: revenue, streams, viewers (stored as a list: BSON keys must be strings).
    #[serde(with = "host_list")]
    pub hosts: BTreeMap<ObjectId, HostFacts>,
    /// `durationSec` of each round referenced by a stake (rounds not found are absent). Keys are shared
    /// strings: merging 90 days of rounds copies pointers, not text.
    pub rounds: BTreeMap<Arc<str>, f64>,
    /// Whether a sum overflowed (never stored: facts that overflowed are an error, not a rollup).
    #[serde(skip)]
    pub overflow: bool,
}

impl Facts {
    /// Adds `other` into `self`: sums add, sets unite (call [`Facts::normalize`] afterwards).
    pub fn merge(&mut self, o: &Facts) {
        let mut overflow = self.overflow || o.overflow;
        let of = &mut overflow;
        self.coin_topups.merge(&o.coin_topups, of);
        self.og_subscriptions.merge(&o.og_subscriptions, of);
        self.refunds.merge(&o.refunds, of);
        for (a, b) in self.by_payment_method.iter_mut().zip(&o.by_payment_method) {
            a.merge(b, of);
        }
        for (a, b) in self.by_og_tier.iter_mut().zip(&o.by_og_tier) {
            a.merge(b, of);
        }
        add(&mut self.gift_revenue, o.gift_revenue, of);
        add(&mut self.platform_fees, o.platform_fees, of);
        add(&mut self.session_ends, o.session_ends, of);
        add(&mut self.session_seconds, o.session_seconds, of);
        add(&mut self.streams, o.streams, of);
        add(&mut self.stream_seconds, o.stream_seconds, of);
        add(&mut self.stream_viewers, o.stream_viewers, of);
        add(&mut self.battles, o.battles, of);
        add(&mut self.gifts_sent, o.gifts_sent, of);
        add(&mut self.messages_sent, o.messages_sent, of);
        add(&mut self.topup_count, o.topup_count, of);
        add(&mut self.topup_coins, o.topup_coins, of);
        add(&mut self.flagged, o.flagged, of);
        add(&mut self.banned, o.banned, of);
        add(&mut self.appeals, o.appeals, of);
        add(&mut self.warn_block, o.warn_block, of);
        add(&mut self.games_played, o.games_played, of);
        add(&mut self.stakes, o.stakes, of);
        add(&mut self.payouts, o.payouts, of);
        self.active.merge(&o.active);
        self.payers.merge(&o.payers);
        self.og_buyers.merge(&o.og_buyers);
        self.players.merge(&o.players);
        self.signups.merge(&o.signups);
        self.new_hosts.merge(&o.new_hosts);
        for (id, h) in &o.hosts {
            let e = self.hosts.entry(*id).or_default();
            add(&mut e.revenue, h.revenue, of);
            add(&mut e.streams, h.streams, of);
            add(&mut e.viewers, h.viewers, of);
        }
        for (id, d) in &o.rounds {
            self.rounds.insert(id.clone(), *d);
        }
        self.overflow = overflow;
    }

    /// An error if a sum of these facts overflowed; `what` says whose facts they are.
    pub(crate) fn check(&self, what: impl FnOnce() -> String) -> Result<()> {
        if self.overflow {
            Err(Error::Overflow { what: what() })
        } else {
            Ok(())
        }
    }

    /// Sorts and de-duplicates the sets.
    pub fn normalize(&mut self) {
        self.active.normalize();
        self.payers.normalize();
        self.og_buyers.normalize();
        self.players.normalize();
        self.signups.normalize();
        self.new_hosts.normalize();
    }
}

/// `hosts` as a list of `{host, revenue, streams, viewers}` entries.
mod host_list {
    use std::collections::BTreeMap;

    use bson::oid::ObjectId;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::HostFacts;

    #[derive(Serialize, Deserialize)]
    struct Entry {
        host: ObjectId,
        #[serde(flatten)]
        facts: HostFacts,
    }

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<ObjectId, HostFacts>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter().map(|(host, facts)| Entry {
            host: *host,
            facts: *facts,
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<ObjectId, HostFacts>, D::Error> {
        let entries = Vec::<Entry>::deserialize(d)?;
        Ok(entries.into_iter().map(|e| (e.host, e.facts)).collect())
    }
}
