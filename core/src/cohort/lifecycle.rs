//! The lifecycle of each period (PostHog's Lifecycle view): among the selected users active in a period,
//! who is new, returning or resurrecting, and who went dormant.

use chrono::NaiveDate;
use roaring::{MultiOps, RoaringBitmap};
use serde::{Deserialize, Serialize};

use super::CohortWindow;
use crate::calendar::{add_days, DateRange, Granularity};
use crate::model::CountryFilter;

/// One period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LifecyclePeriod {
    /// First day of the period.
    pub period: NaiveDate,
    /// Its last day.
    pub to: NaiveDate,
    /// Selected users active in the period: `new + returning + resurrecting`.
    pub active: u64,
    /// Active, signed up in the period.
    pub new: u64,
    /// Active in the period and in the one before (and not new).
    pub returning: u64,
    /// Active in the period, not in the one before, signed up before the period (or without a `users`
    /// document, whose signup is unknown).
    pub resurrecting: u64,
    /// Active in the period before, not in this one: a negative count, as charts stack it.
    pub dormant: i64,
}

/// The lifecycle of every period of a range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lifecycle {
    /// Period length.
    pub granularity: Granularity,
    /// Country selection (by `users.country`).
    pub country: CountryFilter,
    /// First day asked for.
    pub from: NaiveDate,
    /// Last day asked for.
    pub to: NaiveDate,
    /// The calendar periods that overlap the range (whole from their first day; the last one ends at
    /// `to`), oldest first.
    pub periods: Vec<LifecyclePeriod>,
}

/// The calendar periods (of `granularity`) overlapping `range`, each from its first day (the last one
/// ends at `range.to`), after the period before the first.
pub(crate) fn periods(range: DateRange, granularity: Granularity) -> Vec<DateRange> {
    let first = granularity.period_start(range.from);
    let before = granularity.period_start(add_days(first, -1));
    granularity
        .buckets(DateRange {
            from: before,
            to: range.to,
        })
        .into_iter()
        .map(|b| b.range)
        .collect()
}

pub(crate) fn lifecycle(
    w: &CohortWindow<'_>,
    range: DateRange,
    granularity: Granularity,
    country: CountryFilter,
) -> Lifecycle {
    let spans = periods(range, granularity);
    let active_in = |p: DateRange| -> RoaringBitmap {
        w.selection
            .apply(&p.iter().filter_map(|d| w.active(d)).union())
    };
    let signed_up_in = |p: DateRange| -> RoaringBitmap { p.iter().map(|d| w.signups(d)).union() };
    let mut out = Vec::new();
    let mut before: Option<RoaringBitmap> = None;
    for p in spans {
        let now = active_in(p);
        if let Some(prev) = &before {
            let new = &now & &signed_up_in(p);
            let old = &now - &new;
            let returning = old.intersection_len(prev);
            out.push(LifecyclePeriod {
                period: p.from,
                to: p.to,
                active: now.len(),
                new: new.len(),
                returning,
                resurrecting: old.len() - returning,
                dormant: -i64::try_from(prev.difference_len(&now)).unwrap_or(i64::MAX),
            });
        }
        before = Some(now);
    }
    Lifecycle {
        granularity,
        country,
        from: range.from,
        to: range.to,
        periods: out,
    }
}
