//! Range KPIs from daily facts. Sums add, distinct counts are sizes of unions, ratios are recomputed from
//! the merged numerators and denominators: never an average of daily ratios (METRICS.md).

use std::cmp::Ordering;

use chrono::{Datelike, NaiveDate};
use roaring::{MultiOps, RoaringBitmap};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use super::catalog::Section;
use super::directory::UserDirectory;
use super::facts::{Bitmap, Facts, HostFacts, Money};
use super::report::*;
use super::rollup::FactsByDay;
use crate::calendar::{add_days, DateRange};
use crate::config::Config;
use crate::dictionary::Numbering;
use crate::model::CountryFilter;
use crate::privacy::Pseudonymizer;
use crate::store::Store;
use crate::{Error, Result};

/// Facts of the days a query needs, for its country and for `ALL`, with what is needed to read them.
pub(crate) struct FactsWindow<'a> {
    pub by_day: &'a FactsByDay,
    pub dir: &'a UserDirectory,
    pub config: &'a Config,
    pub ids: &'a Pseudonymizer,
    /// What user numbers stand for (top creators are named by id).
    pub numbering: &'a Numbering,
    pub store: &'a dyn Store,
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

    /// The facts of `range` merged (each host's own facts only if `hosts`); an error when one of their
    /// sums overflowed.
    fn merged(&self, range: DateRange, c: CountryFilter, hosts: bool) -> Result<Facts> {
        let days: Vec<&Facts> = range.iter().filter_map(|d| self.day(d, c)).collect();
        let f = Facts::merge_for_report(days.iter().copied(), hosts);
        f.check(|| format!("the facts of {} … {} for {c}", range.from, range.to))?;
        Ok(f)
    }

    fn period(&self, range: DateRange, c: CountryFilter, hosts: bool) -> Result<PeriodFacts> {
        let facts = self.merged(range, c, hosts)?;
        let daily_active: u64 = range
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
            active: facts.active.len(),
            facts,
        })
    }

    /// The full report of `range` for `c`.
    pub fn report(&self, range: DateRange, c: CountryFilter) -> Result<KpiReport> {
        let (cur, prev) = (
            self.period(range, c, true)?,
            self.period(range.previous(), c, false)?,
        );
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
            Ok((
                self.period(range, c, false)?,
                self.period(range.previous(), c, false)?,
            ))
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
                let (cur, prev) = (
                    self.merged(range, c, true)?,
                    self.merged(range.previous(), c, false)?,
                );
                r.creators = self.creators(range, &cur, &prev)?;
            }
            Section::Safety => {
                let (cur, prev) = periods()?;
                r.safety = safety(&cur, &prev);
            }
            Section::Gaming => r.gaming = gaming(&self.merged(range, c, false)?),
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
        Bitmap::union_all(
            range
                .iter()
                .filter_map(|d| self.day(d, c))
                .map(|f| &f.active),
        )
        .len()
    }

    /// Users active anywhere (the `ALL` facts) on some day of `range`.
    fn active_anywhere(&self, range: DateRange) -> RoaringBitmap {
        range
            .iter()
            .filter_map(|d| self.day(d, CountryFilter::All))
            .map(|f| &*f.active)
            .union()
    }

    /// Retention selects users by `users.country` and counts their activity anywhere (the `ALL` facts).
    /// Every figure is a few bitmap operations per day.
    fn retention(&self, range: DateRange, c: CountryFilter) -> RetentionKpis {
        let all = CountryFilter::All;
        let selection = self.dir.selection(c);
        let active_on = |d: NaiveDate| self.day(d, all).map(|f| &*f.active);

        // Signup cohorts of the range, one per day.
        let cohorts: Vec<(NaiveDate, RoaringBitmap)> = range
            .iter()
            .filter_map(|d| self.day(d, all).map(|f| (d, selection.apply(&f.signups))))
            .collect();
        let retained = |n: i64| {
            let (mut kept, mut eligible) = (0u64, 0u64);
            for (signup, cohort) in &cohorts {
                let target = add_days(*signup, n);
                if target > range.to {
                    continue;
                }
                eligible += cohort.len();
                if let Some(active) = active_on(target) {
                    kept += cohort.intersection_len(active);
                }
            }
            pct(kept, eligible)
        };

        let now_active = selection.apply(&self.active_anywhere(range));
        let before = selection.apply(&self.active_anywhere(range.previous()));
        let churned = before.difference_len(&now_active);

        // Lifetime of everyone active in the range: from signup to the last active day (≤ to). Walking
        // back from `to`, each user is met on their last active day and then left out.
        let window_from = range.from.min(range.trailing_30().from);
        let to_day = range.to.num_days_from_ce();
        let mut remaining = &now_active & self.dir.known();
        let (mut lifetime_sum, mut lifetimes) = (0i64, 0u64);
        let mut day = range.to;
        while !remaining.is_empty() && day >= window_from {
            if let Some(active) = active_on(day) {
                let last_here = &remaining & active;
                if !last_here.is_empty() {
                    let d = i64::from(day.num_days_from_ce());
                    for u in &last_here {
                        if let Some(signup) = self.dir.signup_day(u).filter(|s| *s <= to_day) {
                            lifetime_sum += d - i64::from(signup) + 1;
                            lifetimes += 1;
                        }
                    }
                    remaining -= &last_here;
                }
            }
            day = add_days(day, -1);
        }

        // At risk: active in the trailing 30 days but not in the last 7 of them.
        let trailing = range.trailing_30();
        let recent = selection.apply(&self.active_anywhere(trailing));
        let last_week = DateRange {
            from: trailing.from.max(add_days(range.to, -6)),
            to: range.to,
        };
        let fresh = selection.count(&self.active_anywhere(last_week));
        let at_risk = recent.len().saturating_sub(fresh);

        RetentionKpis {
            d1_retention: retained(1),
            d7_retention: retained(7),
            d30_retention: retained(30),
            churn_rate: pct(churned, before.len()),
            avg_lifetime_days: (lifetimes > 0).then(|| lifetime_sum as f64 / lifetimes as f64),
            churn_risk_score: pct(at_risk, recent.len()),
        }
    }

    /// The user id of number `n`.
    fn user_id(&self, n: u32) -> Result<bson::oid::ObjectId> {
        self.numbering.users.key_of(self.store, n)?.ok_or_else(|| {
            Error::storage(
                <crate::dictionary::NumberEntry as crate::store::AnalyticsDoc>::SPEC.collection,
                format!("user number {n} is in a stored rollup but not in the dictionary"),
            )
        })
    }

    fn creators(&self, range: DateRange, cur: &Facts, prev: &Facts) -> Result<CreatorKpis> {
        let hosts = &cur.hosts;
        let n = hosts.len();
        let new_ever = Bitmap::union_all(
            range
                .iter()
                .filter_map(|d| self.day(d, CountryFilter::All))
                .map(|f| &f.new_hosts),
        );
        let mut ranked: Vec<(u32, &HostFacts)> = hosts.iter().collect();
        // Highest revenue first; ties: more streams, then the smaller id (looked up only for ties).
        let by_revenue = |a: &(u32, &HostFacts), b: &(u32, &HostFacts)| {
            b.1.revenue
                .cmp(&a.1.revenue)
                .then(b.1.streams.cmp(&a.1.streams))
        };
        let mut failed = None;
        let mut order = |a: &(u32, &HostFacts), b: &(u32, &HostFacts)| {
            by_revenue(a, b).then_with(|| match (self.user_id(a.0), self.user_id(b.0)) {
                (Ok(x), Ok(y)) => x.cmp(&y),
                (Err(e), _) | (_, Err(e)) => {
                    failed.get_or_insert(e);
                    Ordering::Equal
                }
            })
        };
        const TOP: usize = 10;
        if ranked.len() > TOP {
            ranked.select_nth_unstable_by(TOP - 1, &mut order);
            ranked.truncate(TOP);
        }
        ranked.sort_by(&mut order);
        if let Some(e) = failed {
            return Err(e);
        }
        let top_creators = ranked
            .into_iter()
            .map(|(number, h)| {
                let id = self.user_id(number)?;
                Ok(TopCreator {
                    host_id: self.ids.id(&id),
                    username: self.dir.user(&id).and_then(|u| u.username.clone()),
                    revenue: num(h.revenue),
                    streams: h.streams,
                    viewers: h.viewers,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CreatorKpis {
            active_hosts: n,
            top_host_revenue: hosts.iter().map(|(_, h)| h.revenue).max().map(num),
            avg_host_revenue: ratio(cur.host_revenue, n).map(num),
            new_hosts: hosts.set().intersection_len(&new_ever),
            host_retention_rate: pct(
                prev.hosts.set().intersection_len(hosts.set()),
                prev.hosts.len(),
            ),
            top_creators,
        })
    }
}

fn monetization(cur: &PeriodFacts, prev: &PeriodFacts) -> MonetizationKpis {
    let f = &cur.facts;
    let paying = f.payers.len();
    MonetizationKpis {
        paying_users: paying,
        arpu: cur.arpu().map(npr),
        arppu: ratio(cur.total, paying).map(npr),
        payer_rate: pct(paying, cur.active),
        avg_gift_value: ratio(f.gift_revenue, f.gifts_sent).map(num),
        coin_topup_count: f.topup_count,
        coin_topup_volume: num(f.topup_coins),
        og_conversion_rate: pct(f.og_buyers.len(), cur.active),
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
        active_players: f.players.len(),
        // An exact sum over the distinct rounds, divided once.
        avg_game_duration: ratio(f.round_seconds, f.rounds.len()).map(num),
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
