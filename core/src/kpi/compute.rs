//! Range KPIs from daily facts. Sums add, distinct counts are sizes of unions, ratios are recomputed from
//! the merged numerators and denominators: never an average of daily ratios (METRICS.md).

use bson::oid::ObjectId;
use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use rustc_hash::{FxHashMap, FxHashSet};

use super::catalog::Section;
use super::directory::UserDirectory;
use super::facts::{Facts, Money};
use super::report::*;
use super::rollup::FactsByDay;
use crate::calendar::{add_days, DateRange};
use crate::config::Config;
use crate::model::CountryFilter;
use crate::privacy::Pseudonymizer;
use crate::Result;

/// Facts of the days a query needs, for its country and for `ALL`, with what is needed to read them.
pub(crate) struct FactsWindow<'a> {
    pub by_day: &'a FactsByDay,
    pub dir: &'a UserDirectory,
    pub config: &'a Config,
    pub ids: &'a Pseudonymizer,
}

/// What a period contributes to the report and to the next period's growth.
struct PeriodFacts {
    facts: Facts,
    dau: f64,
    total: Decimal,
    active: u64,
}

impl PeriodFacts {
    fn arpu(&self) -> Option<Decimal> {
        ratio(self.total, self.active)
    }

    /// clamp(100 − w / 10, 0, 100), w = (flagged + 5 × banned) × 1000 / activeUsers.
    fn safety_score(&self) -> Option<f64> {
        if self.active == 0 {
            return None;
        }
        // In floating point: a weighted incident rate, where exactness is not at stake and nothing wraps.
        let incidents = self.facts.flagged as f64 + 5.0 * self.facts.banned as f64;
        let w = incidents * 1000.0 / self.active as f64;
        Some((100.0 - w / 10.0).clamp(0.0, 100.0))
    }
}

/// An exact quotient, `None` for a zero denominator.
fn ratio(num: Decimal, den: u64) -> Option<Decimal> {
    if den == 0 {
        return None;
    }
    num.checked_div(Decimal::from(den))
}

fn pct(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 * 100.0 / den as f64)
}

/// NPR for output: rounded half away from zero to 2 decimals.
fn npr(d: Decimal) -> f64 {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .to_f64()
        .unwrap_or(f64::NAN)
}

/// Coins and other exact quantities for output.
fn num(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(f64::NAN)
}

fn growth(current: f64, previous: f64) -> Option<f64> {
    (previous != 0.0).then(|| (current - previous) / previous * 100.0)
}

fn growth_dec(current: Decimal, previous: Decimal) -> Option<f64> {
    if previous.is_zero() {
        return None;
    }
    // Checked: a tiny previous total and a huge current one would overflow a decimal quotient; the
    // growth is then computed in floating point, where it is merely very large.
    current
        .checked_sub(previous)
        .and_then(|d| d.checked_div(previous))
        .and_then(|q| q.checked_mul(Decimal::ONE_HUNDRED))
        .and_then(|g| g.to_f64())
        .or_else(|| growth(num(current), num(previous)))
}

impl FactsWindow<'_> {
    fn rate(&self) -> Option<Decimal> {
        self.config.usd_to_npr
    }

    fn to_npr(&self, m: &Money) -> Result<Decimal> {
        m.to_npr(self.rate())
    }

    fn day(&self, d: NaiveDate, c: CountryFilter) -> Option<&Facts> {
        self.by_day.get(&(d, c)).map(|f| f.as_ref())
    }

    /// The facts of `range` merged; an error when one of their sums overflowed.
    fn merged(&self, range: DateRange, c: CountryFilter) -> Result<Facts> {
        let mut f = Facts::default();
        for d in range.iter() {
            if let Some(x) = self.day(d, c) {
                f.merge(x);
            }
        }
        f.check(|| format!("the facts of {} … {} for {c}", range.from, range.to))?;
        f.normalize();
        Ok(f)
    }

    fn period(&self, range: DateRange, c: CountryFilter) -> Result<PeriodFacts> {
        let facts = self.merged(range, c)?;
        let daily_active: usize = range
            .iter()
            .filter_map(|d| self.day(d, c))
            .map(|f| f.active.len())
            .sum();
        let refunds = self.to_npr(&facts.refunds)?;
        let total = self
            .to_npr(&facts.coin_topups)?
            .checked_add(self.to_npr(&facts.og_subscriptions)?)
            .and_then(|t| t.checked_sub(refunds))
            .ok_or_else(|| crate::Error::Overflow {
                what: format!("revenue of {} … {} for {c}", range.from, range.to),
            })?;
        Ok(PeriodFacts {
            dau: daily_active as f64 / range.days() as f64,
            total,
            active: facts.active.len() as u64,
            facts,
        })
    }

    /// The full report of `range` for `c`.
    pub fn report(&self, range: DateRange, c: CountryFilter) -> Result<KpiReport> {
        let (cur, prev) = (self.period(range, c)?, self.period(range.previous(), c)?);
        Ok(KpiReport {
            period: self.report_period(range, c),
            revenue: self.revenue(&cur, &prev)?,
            engagement: self.engagement(range, c, &cur, &prev),
            monetization: monetization(&cur, &prev),
            retention: self.retention(range, c),
            creators: self.creators(range, &cur.facts, &prev.facts)?,
            safety: safety(&cur, &prev),
            gaming: gaming(&cur.facts),
        })
    }

    /// One section of the report (the others stay empty), computing only what it needs: the time
    /// series asks for one metric per bucket.
    pub fn section(
        &self,
        range: DateRange,
        c: CountryFilter,
        section: Section,
    ) -> Result<KpiReport> {
        let periods = || -> Result<(PeriodFacts, PeriodFacts)> {
            Ok((self.period(range, c)?, self.period(range.previous(), c)?))
        };
        let mut r = KpiReport::default();
        match section {
            Section::Revenue => {
                let (cur, prev) = periods()?;
                r.revenue = self.revenue(&cur, &prev)?;
            }
            Section::Engagement => {
                let (cur, prev) = periods()?;
                r.engagement = self.engagement(range, c, &cur, &prev);
            }
            Section::Monetization => {
                let (cur, prev) = periods()?;
                r.monetization = monetization(&cur, &prev);
            }
            Section::Retention => r.retention = self.retention(range, c),
            Section::Creators => {
                let (cur, prev) = (self.merged(range, c)?, self.merged(range.previous(), c)?);
                r.creators = self.creators(range, &cur, &prev)?;
            }
            Section::Safety => {
                let (cur, prev) = periods()?;
                r.safety = safety(&cur, &prev);
            }
            Section::Gaming => r.gaming = gaming(&self.merged(range, c)?),
        }
        Ok(r)
    }

    fn report_period(&self, range: DateRange, c: CountryFilter) -> ReportPeriod {
        let prev_range = range.previous();
        ReportPeriod {
            from: range.from,
            to: range.to,
            days: range.days(),
            previous_from: prev_range.from,
            previous_to: prev_range.to,
            country: c,
            timezone: self.config.calendar.tz().name().to_owned(),
            currency: "NPR".to_owned(),
        }
    }

    fn revenue(&self, cur: &PeriodFacts, prev: &PeriodFacts) -> Result<RevenueKpis> {
        let f = &cur.facts;
        let by_method = f
            .by_payment_method
            .iter()
            .map(|m| self.to_npr(m).map(npr))
            .collect::<Result<Vec<f64>>>()?;
        let by_tier = f
            .by_og_tier
            .iter()
            .map(|m| self.to_npr(m))
            .collect::<Result<Vec<Decimal>>>()?;
        Ok(RevenueKpis {
            total: npr(cur.total),
            coin_topups: npr(self.to_npr(&f.coin_topups)?),
            og_subscriptions: npr(self.to_npr(&f.og_subscriptions)?),
            refunds: npr(self.to_npr(&f.refunds)?),
            by_payment_method: ByPaymentMethod {
                esewa: by_method[0],
                khalti: by_method[1],
                stripe: by_method[2],
                paypal: by_method[3],
                other: by_method[4],
            },
            by_og_tier: ByOgTier {
                tier1: npr(by_tier[0]),
                tier2: npr(by_tier[1]),
                tier3: npr(by_tier[2]),
                tier4: npr(by_tier[3]),
                tier5: npr(by_tier[4]),
                unknown: (!by_tier[5].is_zero()).then(|| npr(by_tier[5])),
            },
            gift_revenue: num(f.gift_revenue),
            platform_fees: num(f.platform_fees),
            growth: growth_dec(cur.total, prev.total),
        })
    }

    fn engagement(
        &self,
        range: DateRange,
        c: CountryFilter,
        cur: &PeriodFacts,
        prev: &PeriodFacts,
    ) -> EngagementKpis {
        let f = &cur.facts;
        let mau = self.distinct_active(range.trailing_30(), c);
        EngagementKpis {
            dau: cur.dau,
            active_users: cur.active,
            mau,
            stickiness: (mau > 0).then(|| cur.dau / mau as f64 * 100.0),
            avg_session_duration: ratio(f.session_seconds, f.session_ends).map(|s| num(s) / 60.0),
            total_streams: f.streams,
            total_stream_duration: num(f.stream_seconds) / 60.0,
            avg_viewers_per_stream: (f.streams > 0)
                .then(|| f.stream_viewers as f64 / f.streams as f64),
            battle_participation: f.battles,
            gift_sent: f.gifts_sent,
            messages_sent: f.messages_sent,
            growth: growth(cur.dau, prev.dau),
        }
    }

    /// Distinct users active in `range` for `c` (a union of the days' sets, nothing else merged).
    fn distinct_active(&self, range: DateRange, c: CountryFilter) -> u64 {
        let mut all: Vec<ObjectId> = Vec::new();
        for f in range.iter().filter_map(|d| self.day(d, c)) {
            all.extend(f.active.iter().copied());
        }
        all.sort_unstable();
        all.dedup();
        all.len() as u64
    }

    /// Retention selects users by `users.country` and counts their activity anywhere (the `ALL` facts).
    fn retention(&self, range: DateRange, c: CountryFilter) -> RetentionKpis {
        let all = CountryFilter::All;
        // Every user is selected for `ALL`: skip the directory lookup there.
        let selected = |u: &ObjectId| c == CountryFilter::All || c.selects(self.dir.country(u));
        let active_on = |d: NaiveDate| self.day(d, all).map(|f| &f.active);
        let is_active = |d: NaiveDate, u: &ObjectId| active_on(d).is_some_and(|s| s.contains(u));

        // Signup cohort of the range: (user, signup day).
        let cohort: Vec<(ObjectId, NaiveDate)> = range
            .iter()
            .filter_map(|d| self.day(d, all).map(|f| (d, f)))
            .flat_map(|(d, f)| {
                f.signups
                    .iter()
                    .filter(|u| selected(u))
                    .map(move |u| (*u, d))
            })
            .collect();
        let retained = |n: i64| {
            let eligible: Vec<&(ObjectId, NaiveDate)> = cohort
                .iter()
                .filter(|(_, s)| add_days(*s, n) <= range.to)
                .collect();
            let kept = eligible
                .iter()
                .filter(|(u, s)| is_active(add_days(*s, n), u))
                .count();
            pct(kept as u64, eligible.len() as u64)
        };

        let active_in = |r: DateRange| -> FxHashSet<ObjectId> {
            r.iter()
                .filter_map(active_on)
                .flat_map(|s| s.iter().copied())
                .filter(|u| selected(u))
                .collect()
        };
        let now_active = active_in(range);
        let before = active_in(range.previous());
        let churned = before.iter().filter(|u| !now_active.contains(u)).count();

        // Last active day (≤ to) of everyone active in the range or in the trailing 30 days.
        let window = DateRange {
            from: range.from.min(range.trailing_30().from),
            to: range.to,
        };
        let mut last: FxHashMap<ObjectId, NaiveDate> = FxHashMap::default();
        for d in window.iter() {
            if let Some(s) = active_on(d) {
                for u in s.iter().filter(|u| selected(u)) {
                    last.insert(*u, d);
                }
            }
        }
        let lifetimes: Vec<i64> = now_active
            .iter()
            .filter_map(|u| {
                let signup = self.config.calendar.day_of(self.dir.user(u)?.created_at);
                let last_day = last.get(u)?;
                (signup <= range.to).then(|| (*last_day - signup).num_days() + 1)
            })
            .collect();
        let trailing = range.trailing_30();
        let recent: Vec<NaiveDate> = last
            .values()
            .copied()
            .filter(|d| trailing.contains(*d))
            .collect();
        let at_risk = recent
            .iter()
            .filter(|d| (range.to - **d).num_days() >= 7)
            .count();

        RetentionKpis {
            d1_retention: retained(1),
            d7_retention: retained(7),
            d30_retention: retained(30),
            churn_rate: pct(churned as u64, before.len() as u64),
            avg_lifetime_days: (!lifetimes.is_empty())
                .then(|| lifetimes.iter().sum::<i64>() as f64 / lifetimes.len() as f64),
            churn_risk_score: pct(at_risk as u64, recent.len() as u64),
        }
    }

    fn creators(&self, range: DateRange, cur: &Facts, prev: &Facts) -> Result<CreatorKpis> {
        let hosts = &cur.hosts;
        let n = hosts.len() as u64;
        let revenues: Vec<Decimal> = hosts.values().map(|h| h.revenue).collect();
        let revenue_sum = revenues
            .iter()
            .try_fold(Decimal::ZERO, |acc, r| acc.checked_add(*r))
            .ok_or_else(|| crate::Error::Overflow {
                what: format!("host revenue of {} … {}", range.from, range.to),
            })?;
        let new_ever: FxHashSet<ObjectId> = range
            .iter()
            .filter_map(|d| self.day(d, CountryFilter::All))
            .flat_map(|f| f.new_hosts.iter().copied())
            .collect();
        let returning = prev.hosts.keys().filter(|h| hosts.contains_key(h)).count() as u64;
        let mut ranked: Vec<(&ObjectId, &super::facts::HostFacts)> = hosts.iter().collect();
        // Highest revenue first; ties: more streams, then the smaller id.
        ranked.sort_by(|a, b| {
            b.1.revenue
                .cmp(&a.1.revenue)
                .then(b.1.streams.cmp(&a.1.streams))
                .then(a.0.cmp(b.0))
        });
        Ok(CreatorKpis {
            active_hosts: n,
            top_host_revenue: revenues.iter().max().copied().map(num),
            avg_host_revenue: ratio(revenue_sum, n).map(num),
            new_hosts: hosts.keys().filter(|h| new_ever.contains(h)).count() as u64,
            host_retention_rate: pct(returning, prev.hosts.len() as u64),
            top_creators: ranked
                .into_iter()
                .take(10)
                .map(|(id, h)| TopCreator {
                    host_id: self.ids.id(id),
                    username: self.dir.user(id).and_then(|u| u.username.clone()),
                    revenue: num(h.revenue),
                    streams: h.streams,
                    viewers: h.viewers,
                })
                .collect(),
        })
    }
}

fn monetization(cur: &PeriodFacts, prev: &PeriodFacts) -> MonetizationKpis {
    let f = &cur.facts;
    let paying = f.payers.len() as u64;
    MonetizationKpis {
        paying_users: paying,
        arpu: cur.arpu().map(npr),
        arppu: ratio(cur.total, paying).map(npr),
        payer_rate: pct(paying, cur.active),
        avg_gift_value: ratio(f.gift_revenue, f.gifts_sent).map(num),
        coin_topup_count: f.topup_count,
        coin_topup_volume: num(f.topup_coins),
        og_conversion_rate: pct(f.og_buyers.len() as u64, cur.active),
        growth: match (cur.arpu(), prev.arpu()) {
            (Some(a), Some(b)) => growth_dec(a, b),
            _ => None,
        },
    }
}

fn safety(cur: &PeriodFacts, prev: &PeriodFacts) -> SafetyKpis {
    let f = &cur.facts;
    let score = cur.safety_score();
    let trend = match (score, prev.safety_score()) {
        (Some(s), Some(p)) if s - p >= 2.0 => SafetyTrend::Improving,
        (Some(s), Some(p)) if p - s >= 2.0 => SafetyTrend::Declining,
        _ => SafetyTrend::Stable,
    };
    SafetyKpis {
        flagged_content: f.flagged,
        banned_users: f.banned,
        appeals_processed: f.appeals,
        // Both are counts of documents, each below 2^63: their sum cannot reach u64::MAX.
        moderation_actions: f.warn_block.saturating_add(f.banned),
        safety_score: score,
        trend,
    }
}

fn gaming(f: &Facts) -> GamingKpis {
    let house = f.stakes - f.payouts;
    GamingKpis {
        games_played: f.games_played,
        total_stakes: num(f.stakes),
        total_payouts: num(f.payouts),
        revenue: num(house),
        house_edge: if f.stakes.is_zero() {
            None
        } else {
            (house / f.stakes * Decimal::ONE_HUNDRED).to_f64()
        },
        active_players: f.players.len() as u64,
        // Sorted by round id (a BTreeMap), so the sum is the same whichever path built the facts.
        avg_game_duration: (!f.rounds.is_empty())
            .then(|| f.rounds.values().sum::<f64>() / f.rounds.len() as f64),
    }
}

/// The days whose facts a report of `range` reads: the range, its previous period and the 30 days ending
/// on `to` (for `mau` and `churnRiskScore`).
pub fn days_needed(range: DateRange) -> DateRange {
    let prev = range.previous();
    DateRange {
        from: prev.from.min(range.trailing_30().from),
        to: range.to,
    }
}
