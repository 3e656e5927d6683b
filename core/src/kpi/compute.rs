//! Range KPIs from daily facts. Sums add, distinct counts are sizes of unions, ratios are recomputed from
//! the merged numerators and denominators: never an average of daily ratios (METRICS.md).

use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;

use chrono::{Datelike, NaiveDate};
use roaring::{MultiOps, RoaringBitmap};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use rustc_hash::FxHashMap;

use super::catalog::Section;
use super::directory::UserDirectory;
use super::facts::{add, distinct_rounds, Facts, HostFacts, Keyed, Money};
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
    /// Unions already computed for this query: a report asks for the same ones several times (the
    /// range's actives for engagement, monetization and retention).
    pub unions: RefCell<FxHashMap<(DateRange, CountryFilter, SetId), Rc<RoaringBitmap>>>,
}

/// A distinct set of the facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SetId {
    Active,
    Payers,
    OgBuyers,
    Players,
    NewHosts,
    Hosts,
}

impl SetId {
    fn of(self, f: &Facts) -> &RoaringBitmap {
        match self {
            SetId::Active => &f.active,
            SetId::Payers => &f.payers,
            SetId::OgBuyers => &f.og_buyers,
            SetId::Players => &f.players,
            SetId::NewHosts => &f.new_hosts,
            SetId::Hosts => f.hosts.set(),
        }
    }
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
pub(crate) fn npr(d: Decimal) -> f64 {
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

    /// The days of `range` that have facts for `c`.
    fn days(&self, range: DateRange, c: CountryFilter) -> Vec<&Facts> {
        range.iter().filter_map(|d| self.day(d, c)).collect()
    }

    /// The sums of `range` (no sets); an error when one of them overflowed.
    fn sums(&self, range: DateRange, c: CountryFilter) -> Result<Facts> {
        let f = Facts::merge_sums(self.days(range, c));
        f.check(|| format!("the facts of {} … {} for {c}", range.from, range.to))?;
        Ok(f)
    }

    /// The union of one set over `range`, computed once per query.
    fn union(&self, range: DateRange, c: CountryFilter, set: SetId) -> Rc<RoaringBitmap> {
        let key = (range, c, set);
        if let Some(u) = self.unions.borrow().get(&key) {
            return u.clone();
        }
        let u: Rc<RoaringBitmap> = Rc::new(
            range
                .iter()
                .filter_map(|d| self.day(d, c))
                .map(|f| set.of(f))
                .union(),
        );
        self.unions.borrow_mut().insert(key, u.clone());
        u
    }

    fn period(&self, range: DateRange, c: CountryFilter) -> Result<PeriodFacts> {
        let facts = self.sums(range, c)?;
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
            active: self.union(range, c, SetId::Active).len(),
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
            monetization: self.monetization(range, c, &cur, &prev),
            retention: self.retention(range, c),
            creators: self.creators(range, c)?,
            safety: safety(&cur, &prev),
            gaming: self.gaming(range, c, &cur.facts)?,
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
                r.monetization = self.monetization(range, c, &cur, &prev);
            }
            Section::Retention => r.retention = self.retention(range, c),
            Section::Creators => r.creators = self.creators(range, c)?,
            Section::Safety => {
                let (cur, prev) = periods()?;
                r.safety = safety(&cur, &prev);
            }
            Section::Gaming => r.gaming = self.gaming(range, c, &self.sums(range, c)?)?,
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
        self.union(range, c, SetId::Active).len()
    }

    /// Users active anywhere (the `ALL` facts) on some day of `range`.
    fn active_anywhere(&self, range: DateRange) -> Rc<RoaringBitmap> {
        self.union(range, CountryFilter::All, SetId::Active)
    }

    /// Retention selects users by `users.country` and counts their activity anywhere (the `ALL` facts).
    /// Every figure is a few bitmap operations per day.
    fn retention(&self, range: DateRange, c: CountryFilter) -> RetentionKpis {
        let all = CountryFilter::All;
        let selection = self.dir.selection(c);
        let active_on = |d: NaiveDate| self.day(d, all).map(|f| &*f.active);

        // Signup cohorts of the range, one per day (borrowed when every user is selected).
        let cohorts: Vec<(NaiveDate, std::borrow::Cow<'_, RoaringBitmap>)> = range
            .iter()
            .filter_map(|d| {
                self.day(d, all)
                    .map(|f| (d, selection.borrow_or_apply(&f.signups)))
            })
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

        let in_range = self.active_anywhere(range);
        let now_active = selection.borrow_or_apply(&in_range);
        let before = selection.count(&self.active_anywhere(range.previous()));
        let churned = before
            - selection
                .count(&(&*self.active_anywhere(range.previous()) & &*self.active_anywhere(range)));

        // Lifetime of everyone active in the range with a signup (≤ to): Σ (last active day − signup
        // day + 1). Σ last days walks back from `to`, uniting the days seen: the users of the range met
        // for the first time on day d (going back) have d as their last active day.
        let to_day = range.to.num_days_from_ce();
        // At most 2^32 users × day numbers below 4 × 10^6 (year 9999): far inside an i64.
        let (mut lifetime_sum, mut lifetimes) = (0i64, 0u64);
        let mut late = RoaringBitmap::new();
        for u in now_active.iter() {
            match self.dir.signup_day(u) {
                Some(s) if s <= to_day => {
                    lifetime_sum += 1 - i64::from(s);
                    lifetimes += 1;
                }
                Some(_) => {
                    late.insert(u);
                }
                None => {}
            }
        }
        if lifetimes > 0 {
            // Users not met yet, going back from `to`: those active on a day are met there, on their
            // last active day.
            let mut remaining = &*now_active & self.dir.known();
            remaining -= &late;
            let mut day = range.to;
            while !remaining.is_empty() && day >= range.from {
                if let Some(active) = active_on(day) {
                    let met = remaining.intersection_len(active);
                    if met > 0 {
                        lifetime_sum += i64::from(day.num_days_from_ce()) * met as i64;
                        remaining -= active;
                    }
                }
                day = add_days(day, -1);
            }
        }

        // At risk: active in the trailing 30 days but not in the last 7 of them.
        let trailing = range.trailing_30();
        let recent = selection.count(&self.active_anywhere(trailing));
        let last_week = DateRange {
            from: trailing.from.max(add_days(range.to, -6)),
            to: range.to,
        };
        let fresh = selection.count(&self.active_anywhere(last_week));
        let at_risk = recent.saturating_sub(fresh);

        RetentionKpis {
            d1_retention: retained(1),
            d7_retention: retained(7),
            d30_retention: retained(30),
            churn_rate: pct(churned, before),
            avg_lifetime_days: (lifetimes > 0).then(|| lifetime_sum as f64 / lifetimes as f64),
            churn_risk_score: pct(at_risk, recent),
        }
    }

    fn monetization(
        &self,
        range: DateRange,
        c: CountryFilter,
        cur: &PeriodFacts,
        prev: &PeriodFacts,
    ) -> MonetizationKpis {
        let f = &cur.facts;
        let paying = self.union(range, c, SetId::Payers).len();
        MonetizationKpis {
            paying_users: paying,
            arpu: cur.arpu().map(npr),
            arppu: ratio(cur.total, paying).map(npr),
            payer_rate: pct(paying, cur.active),
            avg_gift_value: ratio(f.gift_revenue, f.gifts_sent).map(num),
            coin_topup_count: f.topup_count,
            coin_topup_volume: num(f.topup_coins),
            og_conversion_rate: pct(self.union(range, c, SetId::OgBuyers).len(), cur.active),
            growth: match (cur.arpu(), prev.arpu()) {
                (Some(a), Some(b)) => growth_dec(a, b),
                _ => None,
            },
        }
    }

    /// Gaming from the range's sums (`f`) and sets. A round several days share counts once, with its
    /// first day's duration: every day's exact sum, less the rounds an earlier day of the range had.
    fn gaming(&self, range: DateRange, c: CountryFilter, f: &Facts) -> Result<GamingKpis> {
        let mut overflow = false;
        let (rounds, round_seconds) = distinct_rounds(self.days(range, c), &mut overflow);
        if overflow {
            return Err(Error::Overflow {
                what: format!("round durations of {} … {} for {c}", range.from, range.to),
            });
        }
        let house = f.stakes - f.payouts;
        Ok(GamingKpis {
            games_played: f.games_played,
            total_stakes: num(f.stakes),
            total_payouts: num(f.payouts),
            revenue: num(house),
            house_edge: if f.stakes.is_zero() {
                None
            } else {
                (house / f.stakes * Decimal::ONE_HUNDRED).to_f64()
            },
            active_players: self.union(range, c, SetId::Players).len(),
            // An exact sum over the distinct rounds, divided once.
            avg_game_duration: ratio(round_seconds, rounds.len()).map(num),
        })
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

    fn creators(&self, range: DateRange, c: CountryFilter) -> Result<CreatorKpis> {
        let days = self.days(range, c);
        let merged = merge_hosts(&days);
        let hosts = &merged;
        let n = hosts.len();
        let mut revenue_sum = Decimal::ZERO;
        let mut overflow = false;
        for f in &days {
            add(&mut revenue_sum, f.host_revenue, &mut overflow);
        }
        if overflow {
            return Err(Error::Overflow {
                what: format!("host revenue of {} … {} for {c}", range.from, range.to),
            });
        }
        let new_ever = self.union(range, CountryFilter::All, SetId::NewHosts);
        let before = self.union(range.previous(), c, SetId::Hosts);
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
            avg_host_revenue: ratio(revenue_sum, n).map(num),
            new_hosts: hosts.set().intersection_len(&new_ever),
            host_retention_rate: pct(before.intersection_len(hosts.set()), before.len()),
            top_creators,
        })
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

/// Every host's facts over `days` added up. A slot per user number (zeroed memory the system hands out
/// lazily) finds a host's entry without hashing; numbers far beyond the entries fall back to a map.
fn merge_hosts(days: &[&Facts]) -> Keyed<HostFacts> {
    let entries: u64 = days.iter().map(|f| f.hosts.len()).sum();
    let max = days.iter().filter_map(|f| f.hosts.set().max()).max();
    let Some(max) = max else {
        return Keyed::default();
    };
    let combine = |a: &mut HostFacts, b: &HostFacts| {
        // Overflow here was already reported by the facts' own sums: hosts' totals are parts of them.
        let mut of = false;
        add(&mut a.revenue, b.revenue, &mut of);
        add(&mut a.streams, b.streams, &mut of);
        add(&mut a.viewers, b.viewers, &mut of);
    };
    if u64::from(max) > entries.saturating_mul(64).max(1 << 22) {
        return Keyed::merge_all(days.iter().map(|f| &f.hosts), combine);
    }
    let mut slot = vec![0u32; max as usize + 1];
    let mut merged: Vec<(u32, HostFacts)> = Vec::new();
    for f in days {
        for (n, h) in f.hosts.iter() {
            match slot.get_mut(n as usize) {
                Some(s) if *s > 0 => {
                    if let Some(e) = merged.get_mut(*s as usize - 1) {
                        combine(&mut e.1, h);
                    }
                }
                Some(s) => {
                    merged.push((n, *h));
                    *s = merged.len() as u32;
                }
                None => {}
            }
        }
    }
    merged.sort_unstable_by_key(|(n, _)| *n);
    Keyed::from_sorted(merged)
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
