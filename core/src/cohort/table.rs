//! Cohort tables (METRICS.md "Cohorts", `docs/cohorts.md`): for each signup cohort its size, retention
//! on the members' own days 1…90, revenue from signup to the as-of date (and by period since signup),
//! engagement per member, churned members and creators among them.
//!
//! Retention is the matrix's (bitmap intersections); the sums walk each day's per-member facts once,
//! only over the numbers the cohorts can hold (users are numbered in signup order, so a signup range
//! is mostly one run of numbers), and give each entry to its member's cohort by signup day.

use chrono::NaiveDate;
use roaring::RoaringBitmap;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::matrix::{self, pct, CohortRow};
use super::CohortWindow;
use crate::calendar::{add_days, DateRange, Granularity};
use crate::kpi::compute::npr;
use crate::kpi::facts::{add, Money};
use crate::model::CountryFilter;
use crate::{Error, Result};

/// The days N of `retention.dN` (METRICS.md "Cohorts").
pub const COHORT_DAYS: [u32; 7] = [1, 3, 7, 14, 30, 60, 90];

/// A member not active in this many days ending on the as-of date is churned (`docs/cohorts.md`).
pub const CHURN_DAYS: i64 = 30;

/// The periods of `revenueByPeriod`, as days since signup: [0,7) … [60,90).
const REVENUE_PERIODS: [(i64, i64); 6] = [(0, 7), (7, 14), (14, 21), (21, 30), (30, 60), (60, 90)];

/// `retention.dN` in %: the share of members retained on their own day N, over members old enough.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CohortRetention {
    /// Day 1.
    pub d1: Option<f64>,
    /// Day 3.
    pub d3: Option<f64>,
    /// Day 7.
    pub d7: Option<f64>,
    /// Day 14.
    pub d14: Option<f64>,
    /// Day 30.
    pub d30: Option<f64>,
    /// Day 60.
    pub d60: Option<f64>,
    /// Day 90.
    pub d90: Option<f64>,
}

/// Revenue (NPR) by days since each member's signup.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevenueByPeriod {
    /// Days 0–6.
    pub week1: f64,
    /// Days 7–13.
    pub week2: f64,
    /// Days 14–20.
    pub week3: f64,
    /// Days 21–29.
    pub week4: f64,
    /// Days 30–59.
    pub month2: f64,
    /// Days 60–89.
    pub month3: f64,
}

/// The members' money (the `revenue.total` formula over their own transactions), NPR.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CohortRevenue {
    /// From each member's signup day to the as-of date.
    pub total_revenue: f64,
    /// `totalRevenue / cohortSize` (`null` for an empty cohort).
    pub avg_revenue_per_user: Option<f64>,
    /// By days since signup.
    pub revenue_by_period: RevenueByPeriod,
}

/// What the members did from their signup day to the as-of date, in total.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CohortEngagement {
    /// `session_start` events.
    pub sessions: u64,
    /// Streams hosted.
    pub streams: u64,
    /// Completed `gift_sent` transactions.
    pub gifts_sent: u64,
    /// Stakes placed.
    pub game_plays: u64,
    /// Messages not deleted.
    pub messages: u64,
}

/// The same per member (over `cohortSize`; `null` for an empty cohort).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EngagementPerMember {
    /// Sessions per member.
    pub sessions: Option<f64>,
    /// Streams per member.
    pub streams: Option<f64>,
    /// Gifts sent per member.
    pub gifts_sent: Option<f64>,
    /// Game plays per member.
    pub game_plays: Option<f64>,
    /// Messages per member.
    pub messages: Option<f64>,
}

/// One signup cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CohortTableRow {
    /// First day of the signup period (a Monday for weeks, the 1st for months).
    pub cohort_date: NaiveDate,
    /// First signup day counted (the period clipped to the requested range).
    pub from: NaiveDate,
    /// Last signup day counted.
    pub to: NaiveDate,
    /// Members.
    pub cohort_size: u64,
    /// Whether every member's day 90 is on or before the as-of date: retention and
    /// `revenueByPeriod` no longer change.
    pub mature: bool,
    /// `retention.dN`.
    pub retention: CohortRetention,
    /// Revenue.
    pub revenue: CohortRevenue,
    /// Engagement totals.
    pub engagement: CohortEngagement,
    /// Engagement per member.
    pub engagement_per_member: EngagementPerMember,
    /// Members not active in the 30 days ending on the as-of date.
    pub churned_members: u64,
    /// `churnedMembers / cohortSize` in % (`null` for an empty cohort).
    pub churn_rate: Option<f64>,
    /// Members who hosted a stream from their signup day to the as-of date.
    pub creators: u64,
    /// `creators / cohortSize` in % (`null` for an empty cohort).
    pub creator_rate: Option<f64>,
}

/// Signup cohorts with their retention, revenue and engagement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CohortTable {
    /// Cohort period.
    pub granularity: Granularity,
    /// Country selection (by `users.country`).
    pub country: CountryFilter,
    /// First signup day.
    pub from: NaiveDate,
    /// Last signup day.
    pub to: NaiveDate,
    /// Activity and money are counted up to this day.
    pub as_of: NaiveDate,
    /// Currency of the revenue fields.
    pub currency: String,
    /// The cohorts, oldest first.
    pub cohorts: Vec<CohortTableRow>,
}

/// The days a table of `signups` as of `as_of` reads: from the first signup day (or the churn
/// window, if earlier) to the as-of date.
pub(crate) fn window(signups: DateRange, as_of: NaiveDate) -> Result<DateRange> {
    DateRange::new(signups.from.min(add_days(as_of, 1 - CHURN_DAYS)), as_of)
}

/// Sums of one cohort, exact until they are reported.
#[derive(Default)]
struct Sums {
    money: Money,
    by_period: [Money; 6],
    engagement: CohortEngagement,
    creators: RoaringBitmap,
}

/// Each member's cohort and signup day (days after the first cohort's first day), by user number:
/// an array over the members' run of numbers (users are numbered in signup order, so it is short), or
/// a map when the numbers are spread too far for an array.
#[derive(Default)]
struct Places {
    lo: u32,
    dense: Vec<Option<(u32, i64)>>,
    sparse: rustc_hash::FxHashMap<u32, (u32, i64)>,
}

/// The longest run of numbers [`Places`] keeps in an array (16 bytes each).
const DENSE_PLACES: u32 = 1 << 21;

impl Places {
    fn new(lo: u32, hi: u32) -> Places {
        let span = hi - lo;
        Places {
            lo,
            dense: if span < DENSE_PLACES {
                vec![None; span as usize + 1]
            } else {
                Vec::new()
            },
            sparse: Default::default(),
        }
    }

    fn set(&mut self, n: u32, cohort: u32, signup: i64) {
        match self.dense.get_mut(n.wrapping_sub(self.lo) as usize) {
            Some(slot) => *slot = Some((cohort, signup)),
            None => {
                self.sparse.insert(n, (cohort, signup));
            }
        }
    }

    fn get(&self, n: u32) -> Option<(usize, i64)> {
        let (i, s) = if self.dense.is_empty() {
            *self.sparse.get(&n)?
        } else {
            (*self.dense.get(n.checked_sub(self.lo)? as usize)?)?
        };
        Some((i as usize, s))
    }
}

fn per(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// The table of signup days `signups` (clipped to `as_of`) by `granularity`.
pub(crate) fn table(
    w: &CohortWindow<'_>,
    signups: DateRange,
    as_of: NaiveDate,
    granularity: Granularity,
    country: CountryFilter,
    usd_to_npr: Option<Decimal>,
) -> Result<CohortTable> {
    let retention = matrix::matrix(w, signups, as_of, granularity, country, &COHORT_DAYS, false);
    // Members of each cohort, and each member's cohort and signup day (from the rollups' signup sets,
    // which decide membership), by number.
    let mut members: Vec<RoaringBitmap> = Vec::with_capacity(retention.cohorts.len());
    let mut places = Places::default();
    let first = retention.cohorts.first().map_or(as_of, |c| c.from);
    let mut by_signup: Vec<(u32, NaiveDate, RoaringBitmap)> = Vec::new();
    for (i, c) in retention.cohorts.iter().enumerate() {
        let mut m = RoaringBitmap::new();
        for d in (DateRange {
            from: c.from,
            to: c.to,
        })
        .iter()
        {
            let day = w.signups(d);
            m |= &day;
            by_signup.push((i as u32, d, day));
        }
        members.push(m);
    }
    let everyone = members.iter().fold(RoaringBitmap::new(), |acc, m| acc | m);
    if let (Some(lo), Some(hi)) = (everyone.min(), everyone.max()) {
        places = Places::new(lo, hi);
        for (i, d, day) in &by_signup {
            let offset = (*d - first).num_days();
            for n in day {
                places.set(n, *i, offset);
            }
        }
    }
    let mut sums: Vec<Sums> = members.iter().map(|_| Sums::default()).collect();
    let mut overflow = false;
    if let (Some(lo), Some(hi)) = (everyone.min(), everyone.max()) {
        for day in DateRange::new(first, as_of)?.iter() {
            let Some(f) = w.by_day.get(&(day, CountryFilter::All)) else {
                continue;
            };
            let today = (day - first).num_days();
            // The member's cohort and days since signup; `None` for a non-member or an entry dated
            // before the signup (only bad data has one; it is not "from signup on").
            let place = |n: u32| -> Option<(usize, i64)> {
                let (i, signup) = places.get(n)?;
                let since = today - signup;
                (since >= 0).then_some((i, since))
            };
            for (n, m) in f.member_money.between(lo..=hi) {
                let Some((i, since)) = place(*n) else {
                    continue;
                };
                let Some(s) = sums.get_mut(i) else { continue };
                s.money.merge(m, &mut overflow);
                if let Some(p) = REVENUE_PERIODS
                    .iter()
                    .position(|(a, b)| (*a..*b).contains(&since))
                {
                    s.by_period[p].merge(m, &mut overflow);
                }
            }
            for (n, c) in f.member_counts.between(lo..=hi) {
                let Some((i, _)) = place(*n) else { continue };
                let Some(s) = sums.get_mut(i) else { continue };
                let e = &mut s.engagement;
                add(&mut e.sessions, u64::from(c.sessions), &mut overflow);
                add(&mut e.gifts_sent, u64::from(c.gifts), &mut overflow);
                add(&mut e.game_plays, u64::from(c.plays), &mut overflow);
                add(&mut e.messages, u64::from(c.messages), &mut overflow);
            }
            for (n, h) in f.hosts.between(lo..=hi) {
                let Some((i, _)) = place(*n) else { continue };
                let Some(s) = sums.get_mut(i) else { continue };
                add(&mut s.engagement.streams, h.streams, &mut overflow);
                if h.streams > 0 {
                    s.creators.insert(*n);
                }
            }
        }
    }
    if overflow {
        return Err(Error::Overflow {
            what: format!("the cohort sums of {}..={}", signups.from, signups.to),
        });
    }
    let recent = DateRange::new(add_days(as_of, 1 - CHURN_DAYS), as_of)?
        .iter()
        .filter_map(|d| w.active(d))
        .fold(RoaringBitmap::new(), |acc, a| acc | a);
    let mut cohorts = Vec::with_capacity(members.len());
    for ((row, m), s) in retention.cohorts.iter().zip(&members).zip(sums) {
        cohorts.push(finish(row, m, s, &recent, as_of, usd_to_npr)?);
    }
    Ok(CohortTable {
        granularity,
        country,
        from: signups.from,
        to: signups.to,
        as_of,
        currency: "NPR".to_owned(),
        cohorts,
    })
}

/// One cohort's row from its retention cells and sums.
fn finish(
    row: &CohortRow,
    members: &RoaringBitmap,
    s: Sums,
    recent: &RoaringBitmap,
    as_of: NaiveDate,
    usd_to_npr: Option<Decimal>,
) -> Result<CohortTableRow> {
    let size = row.cohort_size;
    let rate = |n: u32| row.cells.iter().find(|c| c.day == n).and_then(|c| c.rate);
    let total = s.money.to_npr(usd_to_npr)?;
    let mut periods = [0.0; 6];
    for (slot, m) in periods.iter_mut().zip(&s.by_period) {
        *slot = npr(m.to_npr(usd_to_npr)?);
    }
    let [week1, week2, week3, week4, month2, month3] = periods;
    let avg = (size > 0)
        .then(|| total.checked_div(Decimal::from(size)))
        .flatten()
        .map(npr);
    let e = s.engagement;
    let churned = members.difference_len(recent);
    let creators = s.creators.len();
    Ok(CohortTableRow {
        cohort_date: row.cohort_date,
        from: row.from,
        to: row.to,
        cohort_size: size,
        mature: add_days(row.to, 90) <= as_of,
        retention: CohortRetention {
            d1: rate(1),
            d3: rate(3),
            d7: rate(7),
            d14: rate(14),
            d30: rate(30),
            d60: rate(60),
            d90: rate(90),
        },
        revenue: CohortRevenue {
            total_revenue: npr(total),
            avg_revenue_per_user: avg,
            revenue_by_period: RevenueByPeriod {
                week1,
                week2,
                week3,
                week4,
                month2,
                month3,
            },
        },
        engagement_per_member: EngagementPerMember {
            sessions: per(e.sessions, size),
            streams: per(e.streams, size),
            gifts_sent: per(e.gifts_sent, size),
            game_plays: per(e.game_plays, size),
            messages: per(e.messages, size),
        },
        engagement: e,
        churned_members: churned,
        churn_rate: pct(churned, size),
        creators,
        creator_rate: pct(creators, size),
    })
}

#[cfg(test)]
mod places_tests {
    use super::*;

    /// Members whose numbers are spread wider than an array may span are kept in a map, with the same
    /// answers.
    #[test]
    fn dense_and_spread_numbers_answer_alike() {
        for (lo, hi) in [(10, 20), (10, 10 + DENSE_PLACES + 5)] {
            let mut p = Places::new(lo, hi);
            p.set(lo, 0, 3);
            p.set(hi, 2, 40);
            assert_eq!(p.get(lo), Some((0, 3)));
            assert_eq!(p.get(hi), Some((2, 40)));
            assert_eq!(p.get(lo + 1), None);
            assert_eq!(p.get(lo - 1), None);
            assert_eq!(p.get(hi + 1), None);
        }
    }
}
