//! A range's host performance from the days' facts: sums per host over the range and over the previous
//! period, the derived means, growth and ranks, then the caller's host filter, order and limit.

use std::cmp::Ordering;
use std::collections::HashMap;

use bson::oid::ObjectId;
use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::day::HostDays;
use super::HostFacts;
use crate::calendar::DateRange;
use crate::kpi::directory::UserDirectory;
use crate::model::CountryFilter;
use crate::privacy::Pseudonymizer;
use crate::{Error, Result};

/// The most hosts one report may return.
pub const MAX_HOST_LIMIT: usize = 10_000;
/// The most host ids one host filter may list.
pub const MAX_HOST_FILTER: usize = 1_000;
/// The longest range whose per-day figures a report may list (`daily`).
pub const MAX_DAILY_DAYS: i64 = 400;

/// What hosts are ordered by (always with the ties of the ranks: more streams, then the smaller id).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HostSort {
    /// Coins (Σ `totalCoins`).
    #[default]
    Revenue,
    /// Σ `totalViewers`.
    Viewers,
    /// likes + comments + gifts.
    Engagement,
    /// Streams.
    Streams,
    /// Minutes streamed.
    Duration,
    /// Distinct gifters (also spelled as the CLI and Python spell names).
    #[serde(alias = "unique_gifters", alias = "unique-gifters")]
    UniqueGifters,
    /// Highest `peakViewers`.
    #[serde(alias = "peak_viewers", alias = "peak-viewers")]
    PeakViewers,
    /// Revenue growth against the previous period (a host without one sorts lowest).
    Growth,
}

/// Descending (default: the best first) or ascending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// Highest first.
    #[default]
    Desc,
    /// Lowest first.
    Asc,
}

/// What a host performance report asks for (validated by the engine).
#[derive(Debug, Clone, Copy)]
pub struct HostQuery<'a> {
    /// The local days.
    pub range: DateRange,
    /// Streams selected by their country (`ALL`: every stream).
    pub country: CountryFilter,
    /// The order of the rows.
    pub sort: HostSort,
    /// Its direction.
    pub order: SortOrder,
    /// At most this many rows (1 ..= [`MAX_HOST_LIMIT`]).
    pub limit: usize,
    /// Only these hosts, by the id the reports show (pseudonyms, or raw ids with `revealUserIds`).
    pub hosts: Option<&'a [String]>,
    /// Also list each host's days (those with a stream or a gifter), at most [`MAX_DAILY_DAYS`] days.
    pub daily: bool,
}

/// One host on one local day (`daily` reports): the day's streams and gifters, every country of the
/// selection together.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostDay {
    /// Local day.
    pub date: NaiveDate,
    /// Streams created that day.
    pub streams: u64,
    /// Σ duration / 60.
    pub duration_minutes: f64,
    /// Σ `totalViewers`.
    pub viewers: u64,
    /// Highest `peakViewers` of one stream.
    pub peak_viewers: u64,
    /// Σ `totalLikes`.
    pub likes: u64,
    /// Σ `totalComments`.
    pub comments: u64,
    /// Σ `totalGifts`.
    pub gifts: u64,
    /// Σ `totalCoins`, coins.
    pub coins: f64,
    /// Distinct users who sent a completed gift that day in one of the host's streams.
    pub unique_gifters: u64,
    /// likes + comments + gifts.
    pub engagement: u64,
}

/// Growth in % against the previous period; `null` when the previous value is 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostGrowth {
    /// Of `coins`.
    pub revenue: Option<f64>,
    /// Of `viewers`.
    pub viewers: Option<f64>,
    /// Of `engagement`.
    pub engagement: Option<f64>,
}

/// Ranks 1..n among every host of the report's selection (before the host filter and the limit).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostRanks {
    /// By `coins`.
    pub revenue: u64,
    /// By `viewers`.
    pub viewers: u64,
    /// By `engagement`.
    pub engagement: u64,
}

/// One host over the range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostPerformance {
    /// The host's id: pseudonymised like `topCreators` unless the engine reveals user ids.
    pub host_id: String,
    /// Public handle.
    pub username: Option<String>,
    /// Streams created in the range.
    pub streams: u64,
    /// Σ duration / 60.
    pub duration_minutes: f64,
    /// Σ `totalViewers`.
    pub viewers: u64,
    /// viewers / streams.
    pub avg_viewers_per_stream: Option<f64>,
    /// Highest `peakViewers` of one stream.
    pub peak_viewers: u64,
    /// Σ `totalLikes`.
    pub likes: u64,
    /// Σ `totalComments`.
    pub comments: u64,
    /// Σ `totalGifts`.
    pub gifts: u64,
    /// Σ `totalCoins`: the host's revenue, coins.
    pub coins: f64,
    /// coins / streams.
    pub revenue_per_stream: Option<f64>,
    /// Distinct users who sent a completed gift in one of the host's streams in the range.
    pub unique_gifters: u64,
    /// likes + comments + gifts.
    pub engagement: u64,
    /// engagement / streams.
    pub engagement_per_stream: Option<f64>,
    /// Against the previous period.
    pub growth: HostGrowth,
    /// Among every selected host.
    pub rank: HostRanks,
    /// The host's days with a stream or a gifter, oldest first (only when the request asks `daily`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<Vec<HostDay>>,
}

/// Host performance of a range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostPerformanceReport {
    /// First local day.
    pub from: NaiveDate,
    /// Last local day.
    pub to: NaiveDate,
    /// First day of the previous period (growth).
    pub previous_from: NaiveDate,
    /// Last day of the previous period.
    pub previous_to: NaiveDate,
    /// The streams' country selection.
    pub country: CountryFilter,
    /// The order of `hosts`.
    pub sort_by: HostSort,
    /// Its direction.
    pub order: SortOrder,
    /// Hosts with a stream or a gifter in the range that pass the host filter (before the limit).
    pub total_hosts: u64,
    /// The hosts, at most `limit`.
    pub hosts: Vec<HostPerformance>,
}

/// One host's sums over the range and the previous period.
struct Row {
    id: ObjectId,
    now: HostFacts,
    engagement: u64,
    before: HostFacts,
    engagement_before: u64,
}

/// The report of `q` from facts covering the range and its previous period.
pub(crate) fn build(
    days: &HostDays,
    dir: &UserDirectory,
    ids: &Pseudonymizer,
    q: &HostQuery<'_>,
) -> Result<HostPerformanceReport> {
    let previous = q.range.previous();
    let mut of = false;
    let mut by_host: HashMap<ObjectId, (HostFacts, HostFacts)> = HashMap::new();
    let mut daily: HashMap<ObjectId, std::collections::BTreeMap<NaiveDate, HostFacts>> =
        HashMap::new();
    if q.daily && q.range.days() > MAX_DAILY_DAYS {
        return Err(Error::invalid_argument(
            "daily",
            format!(
                "per-day figures are listed for at most {MAX_DAILY_DAYS} days; the range has {}",
                q.range.days()
            ),
        ));
    }
    for ((date, country, host), f) in days {
        if q.country != CountryFilter::All && *country != q.country {
            continue;
        }
        let slot = by_host.entry(*host).or_default();
        if (q.range.from..=q.range.to).contains(date) {
            slot.0.merge(f, &mut of);
            if q.daily {
                daily
                    .entry(*host)
                    .or_default()
                    .entry(*date)
                    .or_default()
                    .merge(f, &mut of);
            }
        } else if (previous.from..=previous.to).contains(date) {
            slot.1.merge(f, &mut of);
        }
    }
    let mut rows: Vec<Row> = by_host
        .into_iter()
        .filter(|(_, (now, _))| !now.is_empty())
        .map(|(id, (now, before))| Row {
            engagement: engagement(&now, &mut of),
            engagement_before: engagement(&before, &mut of),
            id,
            now,
            before,
        })
        .collect();
    if of {
        return Err(Error::Internal(format!(
            "a host's sums of {} … {} overflow",
            previous.from, q.range.to
        )));
    }
    let revenue = ranks(&mut rows, |a, b| a.now.coins.cmp(&b.now.coins));
    let viewers = ranks(&mut rows, |a, b| a.now.viewers.cmp(&b.now.viewers));
    let engaged = ranks(&mut rows, |a, b| a.engagement.cmp(&b.engagement));
    let mut out: Vec<HostPerformance> = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut h = row(r, dir, ids, [&revenue, &viewers, &engaged]);
        if q.daily {
            let days = daily.remove(&r.id).unwrap_or_default();
            let days = days
                .into_iter()
                .filter(|(_, f)| !f.is_empty())
                .map(|(date, f)| {
                    let engagement = engagement(&f, &mut of);
                    HostDay {
                        date,
                        streams: f.streams,
                        duration_minutes: num(f.duration_seconds) / 60.0,
                        viewers: f.viewers,
                        peak_viewers: f.peak_viewers,
                        likes: f.likes,
                        comments: f.comments,
                        gifts: f.gifts,
                        coins: num(f.coins),
                        unique_gifters: f.gifters.len(),
                        engagement,
                    }
                })
                .collect();
            h.days = Some(days);
        }
        out.push(h);
    }
    if of {
        return Err(Error::Internal(format!(
            "a host's daily sums of {} … {} overflow",
            q.range.from, q.range.to
        )));
    }
    if let Some(wanted) = q.hosts {
        out.retain(|h| wanted.contains(&h.host_id));
    }
    let total_hosts = out.len() as u64;
    let rank_of = |h: &HostPerformance| h.rank.revenue;
    out.sort_by(|a, b| {
        let primary = key(a, q.sort).total_cmp(&key(b, q.sort));
        let primary = match q.order {
            SortOrder::Desc => primary.reverse(),
            SortOrder::Asc => primary,
        };
        // Ties in the revenue rank's order, which is total (streams, then the id).
        primary.then(rank_of(a).cmp(&rank_of(b)))
    });
    out.truncate(q.limit);
    Ok(HostPerformanceReport {
        from: q.range.from,
        to: q.range.to,
        previous_from: previous.from,
        previous_to: previous.to,
        country: q.country,
        sort_by: q.sort,
        order: q.order,
        total_hosts,
        hosts: out,
    })
}

fn engagement(f: &HostFacts, of: &mut bool) -> u64 {
    let sum = f
        .likes
        .checked_add(f.comments)
        .and_then(|s| s.checked_add(f.gifts));
    sum.unwrap_or_else(|| {
        *of = true;
        0
    })
}

/// The rank of every host by `metric` (highest first; ties: more streams, then the smaller id), by id.
fn ranks(rows: &mut [Row], metric: impl Fn(&Row, &Row) -> Ordering) -> HashMap<ObjectId, u64> {
    rows.sort_by(|a, b| {
        metric(b, a)
            .then(b.now.streams.cmp(&a.now.streams))
            .then(a.id.cmp(&b.id))
    });
    rows.iter()
        .enumerate()
        .map(|(i, r)| (r.id, i as u64 + 1))
        .collect()
}

fn row(
    r: &Row,
    dir: &UserDirectory,
    ids: &Pseudonymizer,
    [revenue, viewers, engaged]: [&HashMap<ObjectId, u64>; 3],
) -> HostPerformance {
    let f = &r.now;
    let per_stream = |v: f64| (f.streams > 0).then(|| v / f.streams as f64);
    let coins = num(f.coins);
    HostPerformance {
        host_id: ids.id(&r.id),
        username: dir.user(&r.id).and_then(|u| u.username.clone()),
        streams: f.streams,
        duration_minutes: num(f.duration_seconds) / 60.0,
        viewers: f.viewers,
        avg_viewers_per_stream: per_stream(f.viewers as f64),
        peak_viewers: f.peak_viewers,
        likes: f.likes,
        comments: f.comments,
        gifts: f.gifts,
        coins,
        revenue_per_stream: per_stream(coins),
        unique_gifters: f.gifters.len(),
        engagement: r.engagement,
        engagement_per_stream: per_stream(r.engagement as f64),
        growth: HostGrowth {
            revenue: growth(coins, num(r.before.coins)),
            viewers: growth(f.viewers as f64, r.before.viewers as f64),
            engagement: growth(r.engagement as f64, r.engagement_before as f64),
        },
        rank: HostRanks {
            revenue: revenue.get(&r.id).copied().unwrap_or_default(),
            viewers: viewers.get(&r.id).copied().unwrap_or_default(),
            engagement: engaged.get(&r.id).copied().unwrap_or_default(),
        },
        days: None,
    }
}

/// The sort key of a row (a missing growth sorts below every number).
fn key(h: &HostPerformance, sort: HostSort) -> f64 {
    match sort {
        HostSort::Revenue => h.coins,
        HostSort::Viewers => h.viewers as f64,
        HostSort::Engagement => h.engagement as f64,
        HostSort::Streams => h.streams as f64,
        HostSort::Duration => h.duration_minutes,
        HostSort::UniqueGifters => h.unique_gifters as f64,
        HostSort::PeakViewers => h.peak_viewers as f64,
        HostSort::Growth => h.growth.revenue.unwrap_or(f64::NEG_INFINITY),
    }
}

fn num(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(f64::NAN)
}

/// METRICS.md `growth`: (current − previous) / previous × 100, `null` when previous is 0.
fn growth(current: f64, previous: f64) -> Option<f64> {
    (previous != 0.0).then(|| (current - previous) / previous * 100.0)
}
