//! The additive facts every KPI is computed from, for one country selection over some days: exact sums,
//! counts, and the distinct sets that make distinct counts over a range exact (a union, never a sum).
//!
//! A daily rollup is the facts of one day; a range is the merge of its days' facts. Money is kept per
//! currency (NPR and USD apart) so that rollups do not depend on the exchange rate: converting each USD
//! amount and then summing equals summing and then converting, exactly, in decimal arithmetic.

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

impl Summable for u32 {
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

pub use super::sets::{Bitmap, Keyed, Packed};

/// A decimal as its 16 bytes; bytes that are not a decimal (a scale above 28, flag bits set) are
/// refused rather than read as some other amount.
fn pack_decimal(d: &Decimal, out: &mut Vec<u8>) {
    out.extend_from_slice(&d.serialize());
}

fn unpack_decimal(bytes: &[u8]) -> std::result::Result<Decimal, String> {
    let b: [u8; 16] = bytes
        .try_into()
        .map_err(|_| "a decimal needs 16 bytes".to_owned())?;
    // Layout (rust_decimal): flags in bytes 0..4 (scale in byte 2, sign in the top bit of byte 3,
    // every other flag bit zero), then the 96-bit mantissa.
    if b[0] != 0 || b[1] != 0 || b[2] > 28 || b[3] & 0x7f != 0 {
        return Err("damaged decimal".to_owned());
    }
    Ok(Decimal::deserialize(b))
}

impl Packed for Money {
    const WIDTH: usize = 32;
    fn pack(&self, out: &mut Vec<u8>) {
        pack_decimal(&self.npr, out);
        pack_decimal(&self.usd, out);
    }
    fn unpack(bytes: &[u8]) -> std::result::Result<Self, String> {
        let (npr, usd) = bytes.split_at(16.min(bytes.len()));
        Ok(Money {
            npr: unpack_decimal(npr)?,
            usd: unpack_decimal(usd)?,
        })
    }
}

/// What one user did on one day that cohort tables add up per member (METRICS.md "Cohorts",
/// `docs/cohorts.md`); streams come from [`Facts::hosts`]. Kept in the `ALL` facts only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberCounts {
    /// `session_start` events.
    pub sessions: u32,
    /// Completed `gift_sent` transactions.
    pub gifts: u32,
    /// Stakes placed.
    pub plays: u32,
    /// Messages not deleted.
    pub messages: u32,
}

impl MemberCounts {
    /// Adds another day's counts (checked: see [`add`]).
    pub(crate) fn merge(&mut self, o: &MemberCounts, overflow: &mut bool) {
        add(&mut self.sessions, o.sessions, overflow);
        add(&mut self.gifts, o.gifts, overflow);
        add(&mut self.plays, o.plays, overflow);
        add(&mut self.messages, o.messages, overflow);
    }
}

impl Packed for MemberCounts {
    const WIDTH: usize = 16;
    fn pack(&self, out: &mut Vec<u8>) {
        for v in [self.sessions, self.gifts, self.plays, self.messages] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    fn unpack(bytes: &[u8]) -> std::result::Result<Self, String> {
        let mut v = [0u32; 4];
        for (slot, chunk) in v.iter_mut().zip(bytes.chunks_exact(4)) {
            *slot = u32::from_le_bytes(chunk.try_into().map_err(|_| "short counts")?);
        }
        let [sessions, gifts, plays, messages] = v;
        Ok(MemberCounts {
            sessions,
            gifts,
            plays,
            messages,
        })
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

    // Distinct sets, of user numbers (`crate::dictionary`).
    /// Active users (METRICS.md "Active user").
    pub active: Bitmap,
    /// Users with a money recharge or OG purchase.
    pub payers: Bitmap,
    /// Users with a money OG purchase.
    pub og_buyers: Bitmap,
    /// Users with a stake.
    pub players: Bitmap,
    /// Users who signed up (selected by `users.country`).
    pub signups: Bitmap,
    /// Hosts whose first stream ever (any country) was on this day; kept in the `ALL` rollup only.
    pub new_hosts: Bitmap,
    /// Per host (by user number): revenue, streams, viewers.
    pub hosts: Keyed<HostFacts>,
    /// Σ revenue over `hosts` (so that a range's average needs no per-host merge).
    #[serde(with = "rust_decimal::serde::str")]
    pub host_revenue: Decimal,
    /// The rounds (by round number) referenced by a stake, with their `durationSec` (rounds not found
    /// in `gamerounds` are absent).
    pub rounds: Keyed<f64>,
    /// Σ `durationSec` over `rounds`, exact: a range subtracts the rounds its days share instead of
    /// re-adding every round.
    #[serde(with = "rust_decimal::serde::str")]
    pub round_seconds: Decimal,
    /// Per user (by number) with any: the net money of their `total` formula (recharges and OG
    /// purchases less refunds), per currency; `ALL` facts only (cohort revenue, METRICS.md "Cohorts").
    #[serde(with = "super::sets::packed")]
    pub member_money: Keyed<Money>,
    /// Per user (by number) with any: sessions, gifts sent, stakes, messages; `ALL` facts only.
    #[serde(with = "super::sets::packed")]
    pub member_counts: Keyed<MemberCounts>,
    /// Whether a sum overflowed (never stored: facts that overflowed are an error, not a rollup).
    #[serde(skip)]
    pub overflow: bool,
}

impl Facts {
    /// Adds `other` into `self`: sums add, sets unite.
    pub fn merge(&mut self, o: &Facts) {
        *self = Facts::merge_all([&*self, o]);
    }

    /// The facts of several days (or countries) together: sums add, sets unite, each host's facts
    /// add up, and a round shared by several days counts once (with its first duration).
    pub fn merge_all<'a>(parts: impl IntoIterator<Item = &'a Facts> + Clone) -> Facts {
        let mut f = Facts::default();
        let mut overflow = false;
        for o in parts.clone() {
            f.add_sums(o, &mut overflow);
        }
        let sets =
            |get: fn(&Facts) -> &Bitmap| Bitmap::union_all(parts.clone().into_iter().map(get));
        f.active = sets(|f| &f.active);
        f.payers = sets(|f| &f.payers);
        f.og_buyers = sets(|f| &f.og_buyers);
        f.players = sets(|f| &f.players);
        f.signups = sets(|f| &f.signups);
        f.new_hosts = sets(|f| &f.new_hosts);
        f.hosts = Keyed::merge_all(parts.clone().into_iter().map(|f| &f.hosts), |a, b| {
            add(&mut a.revenue, b.revenue, &mut overflow);
            add(&mut a.streams, b.streams, &mut overflow);
            add(&mut a.viewers, b.viewers, &mut overflow);
        });
        f.member_money = Keyed::merge_all(
            parts.clone().into_iter().map(|f| &f.member_money),
            |a, b| a.merge(b, &mut overflow),
        );
        f.member_counts = Keyed::merge_all(
            parts.clone().into_iter().map(|f| &f.member_counts),
            |a, b| a.merge(b, &mut overflow),
        );
        f.round_seconds = distinct_rounds(parts.clone(), &mut overflow).1;
        f.rounds = Keyed::merge_all(parts.into_iter().map(|f| &f.rounds), |_, _| {});
        f.overflow = overflow;
        f
    }

    /// The sums and counts of several facts together, without their sets (what a report merges; it
    /// unites only the sets it reads).
    pub(crate) fn merge_sums<'a>(parts: impl IntoIterator<Item = &'a Facts>) -> Facts {
        let mut f = Facts::default();
        let mut overflow = false;
        for o in parts {
            f.add_sums(o, &mut overflow);
        }
        f.overflow = overflow;
        f
    }

    /// Adds the sums and counts of `o` (not the sets).
    fn add_sums(&mut self, o: &Facts, of: &mut bool) {
        *of |= o.overflow;
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
        add(&mut self.host_revenue, o.host_revenue, of);
        add(&mut self.round_seconds, o.round_seconds, of);
    }

    /// An error if a sum of these facts overflowed; `what` says whose facts they are.
    pub(crate) fn check(&self, what: impl FnOnce() -> String) -> Result<()> {
        if self.overflow {
            Err(Error::Overflow { what: what() })
        } else {
            Ok(())
        }
    }

    /// Folds what was added one by one into the keyed sets, and the per-host and per-round sums
    /// (call once a day's facts are complete).
    pub fn normalize(&mut self) {
        self.hosts.normalize();
        self.rounds.normalize();
        self.member_money.normalize();
        self.member_counts.normalize();
        let mut of = self.overflow;
        self.host_revenue = Decimal::ZERO;
        for (_, h) in self.hosts.iter() {
            add(&mut self.host_revenue, h.revenue, &mut of);
        }
        self.round_seconds = Decimal::ZERO;
        for (_, d) in self.rounds.iter() {
            add(&mut self.round_seconds, seconds(*d), &mut of);
        }
        self.overflow = of;
    }

    /// Replaces provisional user and round numbers that lost to another process's (see
    /// [`crate::dictionary`]).
    pub(crate) fn remap(&mut self, numbering: &crate::dictionary::Numbering) {
        let users = &numbering.users;
        if users.has_moved() {
            for set in [
                &mut self.active,
                &mut self.payers,
                &mut self.og_buyers,
                &mut self.players,
                &mut self.signups,
                &mut self.new_hosts,
            ] {
                users.remap(set.as_mut());
            }
            let mut of = self.overflow;
            self.hosts.renumber(
                |n| users.current(n),
                |a, b| {
                    add(&mut a.revenue, b.revenue, &mut of);
                    add(&mut a.streams, b.streams, &mut of);
                    add(&mut a.viewers, b.viewers, &mut of);
                },
            );
            self.member_money
                .renumber(|n| users.current(n), |a, b| a.merge(b, &mut of));
            self.member_counts
                .renumber(|n| users.current(n), |a, b| a.merge(b, &mut of));
            self.overflow = of;
        }
        if numbering.rounds.has_moved() {
            self.rounds
                .renumber(|n| numbering.rounds.current(n), |_, _| {});
        }
    }
}

/// The rounds of several facts, each once, and the exact sum of their durations: every part's sum,
/// less the durations of rounds an earlier part already had (so a round keeps its first duration, and
/// only the few rounds that several days share are looked at one by one).
pub(crate) fn distinct_rounds<'a>(
    parts: impl IntoIterator<Item = &'a Facts>,
    overflow: &mut bool,
) -> (roaring::RoaringBitmap, Decimal) {
    let mut seen = roaring::RoaringBitmap::new();
    let mut total = Decimal::ZERO;
    for o in parts {
        add(&mut total, o.round_seconds, overflow);
        if !seen.is_disjoint(o.rounds.set()) {
            for (r, d) in o.rounds.iter() {
                if seen.contains(r) {
                    add(&mut total, -seconds(*d), overflow);
                }
            }
        }
        seen |= o.rounds.set();
    }
    (seen, total)
}

/// Seconds as an exact decimal: the shortest form of the double, as for amounts.
pub(crate) fn seconds(s: f64) -> Decimal {
    use std::str::FromStr;
    seconds_quickly(s).unwrap_or_else(|| Decimal::from_str(&s.to_string()).unwrap_or_default())
}

/// [`seconds`] without text for the usual durations: whole seconds and tenths, which need no
/// search for the shortest form. Below 2^40 the doubles are denser than tenths, so a double that is
/// the nearest one to `m / 10` prints as that one decimal (a whole number prints with none), which is
/// what the text would say; anything else (negative zero included) is left to the text.
fn seconds_quickly(s: f64) -> Option<Decimal> {
    const LIMIT: f64 = (1u64 << 40) as f64;
    // NaN and infinities fail the first test.
    let usual = s.abs() < LIMIT && !(s == 0.0 && s.is_sign_negative());
    if !usual {
        return None;
    }
    if s.fract() == 0.0 {
        return Some(Decimal::from(s as i64));
    }
    let tenths = (s * 10.0).round();
    (tenths / 10.0 == s).then(|| Decimal::new(tenths as i64, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick path reads a double exactly as its text does, scale included.
    #[test]
    fn seconds_quickly_agree_with_the_text() {
        use std::str::FromStr;
        let mut values = vec![
            0.0,
            -0.0,
            0.1,
            0.5,
            1.0,
            20.5,
            24.0,
            -3.7,
            1e12,
            1e13 + 0.5,
            0.05,
        ];
        values.extend([
            0.3,
            0.1 + 0.2,
            2.675,
            1.0 / 3.0,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
        ]);
        let mut x = 0.0f64;
        for i in 0..200_000u64 {
            values.push(x);
            values.push(i as f64 / 10.0);
            values.push((i as f64) * 0.7 + 0.1);
            x += 0.1;
        }
        for v in values {
            let text = Decimal::from_str(&v.to_string()).unwrap_or_default();
            let got = seconds(v);
            assert_eq!((got, got.scale()), (text, text.scale()), "{v:?}");
        }
    }

    /// A round two days share counts once, with the first day's duration, in a merge and in a report.
    #[test]
    fn shared_rounds_count_once() {
        let day = |rounds: &[(u32, f64)]| {
            let mut f = Facts::default();
            for (r, d) in rounds {
                *f.rounds.entry(*r) = *d;
            }
            f.normalize();
            f
        };
        let (a, b) = (day(&[(1, 60.0), (3, 12.5)]), day(&[(3, 99.0), (4, 30.0)]));
        let merged = Facts::merge_all([&a, &b]);
        assert_eq!(merged.round_seconds, Decimal::new(1025, 1));
        assert_eq!(merged.rounds.get(3), Some(&12.5));
        let mut overflow = false;
        let (set, seconds) = distinct_rounds([&a, &b], &mut overflow);
        assert_eq!(
            (set.len(), seconds, overflow),
            (3, Decimal::new(1025, 1), false)
        );
    }
}
