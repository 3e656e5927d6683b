//! Retention matrices: signup cohorts × day N, as counts and shares, on day N and on or after day N.

use chrono::NaiveDate;
use roaring::RoaringBitmap;
use serde::{Deserialize, Serialize};

use super::CohortWindow;
use crate::calendar::{add_days, DateRange, Granularity};
use crate::model::CountryFilter;

/// Retention of one cohort on day N.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionCell {
    /// Days since each member's own signup day.
    pub day: u32,
    /// Members whose day N is on or before the as-of date (the denominator).
    pub eligible: u64,
    /// Eligible members active on their day N.
    pub retained: u64,
    /// `retained / eligible` in %, `null` when no member is old enough yet.
    pub rate: Option<f64>,
    /// Eligible members active on some day from their day N to the as-of date ("unbounded" retention).
    pub retained_on_or_after: u64,
    /// `retainedOnOrAfter / eligible` in %, `null` when no member is old enough yet.
    pub rate_on_or_after: Option<f64>,
}

/// One row of the matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CohortRow {
    /// First day of the signup period (a Monday for weeks, the 1st for months).
    pub cohort_date: NaiveDate,
    /// The signup days of the period inside the requested range and on or before the as-of date.
    pub from: NaiveDate,
    /// Last signup day counted.
    pub to: NaiveDate,
    /// Members.
    pub cohort_size: u64,
    /// One cell per requested day N, in order.
    pub cells: Vec<RetentionCell>,
}

/// Cohorts × day N.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionMatrix {
    /// Cohort period.
    pub granularity: Granularity,
    /// Country selection (by `users.country`).
    pub country: CountryFilter,
    /// First signup day.
    pub from: NaiveDate,
    /// Last signup day.
    pub to: NaiveDate,
    /// Activity is counted up to this day.
    pub as_of: NaiveDate,
    /// The days N of the columns.
    pub days: Vec<u32>,
    /// The cohorts, oldest first.
    pub cohorts: Vec<CohortRow>,
}

/// `num / den` in %, `null` without a denominator.
pub(super) fn pct(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 * 100.0 / den as f64)
}

/// Unions of the actives of `d..=as_of`, for every `d` of `window` (walking back from `as_of`).
fn suffix_unions(w: &CohortWindow<'_>, window: DateRange) -> Vec<RoaringBitmap> {
    let mut out = vec![RoaringBitmap::new(); window.days() as usize];
    let mut acc = RoaringBitmap::new();
    for (i, d) in window
        .iter()
        .enumerate()
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        if let Some(a) = w.active(d) {
            acc |= a;
        }
        if let Some(slot) = out.get_mut(i) {
            slot.clone_from(&acc);
        }
    }
    out
}

/// The matrix of signup days `signups` (clipped to `as_of`) by `granularity`, for the days N of `days`.
/// Without `unbounded`, the "on or after day N" cells are left at zero (a cohort table does not show
/// them, and their unions of every later day's actives are most of a matrix's cost).
pub(crate) fn matrix(
    w: &CohortWindow<'_>,
    signups: DateRange,
    as_of: NaiveDate,
    granularity: Granularity,
    country: CountryFilter,
    days: &[u32],
    unbounded: bool,
) -> RetentionMatrix {
    let last_signup = signups.to.min(as_of);
    let mut cohorts = Vec::new();
    // Members by signup day: the unit of "their own day N".
    let by_day: Vec<(NaiveDate, RoaringBitmap)> = if signups.from <= last_signup {
        DateRange {
            from: signups.from,
            to: last_signup,
        }
        .iter()
        .map(|d| (d, w.signups(d)))
        .collect()
    } else {
        Vec::new()
    };
    let suffix_window = DateRange {
        from: signups.from.min(as_of),
        to: as_of,
    };
    let needs_suffix = unbounded && !by_day.is_empty();
    let suffix = if needs_suffix {
        suffix_unions(w, suffix_window)
    } else {
        Vec::new()
    };
    let on_or_after = |d: NaiveDate| -> Option<&RoaringBitmap> {
        let i = (d - suffix_window.from).num_days();
        usize::try_from(i).ok().and_then(|i| suffix.get(i))
    };
    if !by_day.is_empty() {
        let range = DateRange {
            from: signups.from,
            to: last_signup,
        };
        for bucket in granularity.buckets(range) {
            let members: Vec<&(NaiveDate, RoaringBitmap)> = by_day
                .iter()
                .filter(|(d, _)| bucket.range.contains(*d))
                .collect();
            let cohort_size = members.iter().map(|(_, m)| m.len()).sum();
            let cells = days
                .iter()
                .map(|&n| {
                    let (mut eligible, mut retained, mut later) = (0u64, 0u64, 0u64);
                    for (signup, m) in &members {
                        let target = add_days(*signup, i64::from(n));
                        if target > as_of || m.is_empty() {
                            continue;
                        }
                        eligible += m.len();
                        if let Some(a) = w.active(target) {
                            retained += m.intersection_len(a);
                        }
                        if let Some(u) = on_or_after(target) {
                            later += m.intersection_len(u);
                        }
                    }
                    RetentionCell {
                        day: n,
                        eligible,
                        retained,
                        rate: pct(retained, eligible),
                        retained_on_or_after: later,
                        rate_on_or_after: pct(later, eligible),
                    }
                })
                .collect();
            cohorts.push(CohortRow {
                cohort_date: bucket.start,
                from: bucket.range.from,
                to: bucket.range.to,
                cohort_size,
                cells,
            });
        }
    }
    RetentionMatrix {
        granularity,
        country,
        from: signups.from,
        to: signups.to,
        as_of,
        days: days.to_vec(),
        cohorts,
    }
}
