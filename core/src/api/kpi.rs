//! The KPI operations as requests and responses: a report of a range, a time series, a backfill, the
//! rollups of one day, and the metric catalog. Field names are the old routes' query parameters
//! (`from`, `to`, `country`, `metric`, `granularity`), so a route can pass its query on.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::day::Day;
use crate::calendar::{DateRange, Granularity};
use crate::kpi::facts::{HostFacts, Money};
use crate::kpi::{catalog, DailyRollup, KpiReport, MetricId, MetricInfo, TimeSeries};
use crate::model::CountryFilter;
use crate::{BackfillProgress, BackfillSummary, Engine, Result};

/// A range of local days and a country: the query of `kpis` and `kpisFromRaw`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KpiRequest {
    /// First local day.
    pub from: Day,
    /// Last local day, inclusive.
    pub to: Day,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code.
    #[serde(default)]
    pub country: CountryFilter,
}

impl KpiRequest {
    /// The range, checked.
    pub fn range(&self) -> Result<DateRange> {
        DateRange::new(self.from.0, self.to.0)
    }

    /// The report, from daily rollups (missing finished days are rolled up and stored first).
    pub fn run(&self, engine: &Engine) -> Result<KpiReport> {
        engine.kpis(self.range()?, self.country)
    }

    /// The report computed straight from raw records, without reading or writing rollups.
    pub fn run_from_raw(&self, engine: &Engine) -> Result<KpiReport> {
        engine.kpis_from_raw(self.range()?, self.country)
    }
}

/// One metric per day, week or month of a range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimeSeriesRequest {
    /// A metric id or alias of the catalog (`revenue.total`).
    pub metric: MetricId,
    /// First local day.
    pub from: Day,
    /// Last local day, inclusive.
    pub to: Day,
    /// `day` (default), `week` or `month`.
    #[serde(default)]
    pub granularity: Granularity,
    /// `ALL` (default), `UNKNOWN` or a code.
    #[serde(default)]
    pub country: CountryFilter,
}

impl TimeSeriesRequest {
    /// The series.
    pub fn run(&self, engine: &Engine) -> Result<TimeSeries> {
        let range = DateRange::new(self.from.0, self.to.0)?;
        engine.time_series(self.metric.metric(), range, self.granularity, self.country)
    }
}

/// Roll up the days of a range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackfillRequest {
    /// First local day.
    pub from: Day,
    /// Last local day, inclusive.
    pub to: Day,
    /// Recompute days that already have a current rollup (default `false`: they are skipped).
    #[serde(default)]
    pub force: bool,
}

impl BackfillRequest {
    /// Runs the backfill; `progress` may stop it after any day.
    pub fn run(
        &self,
        engine: &Engine,
        progress: &mut dyn FnMut(BackfillProgress) -> ControlFlow<()>,
    ) -> Result<BackfillSummary> {
        let range = DateRange::new(self.from.0, self.to.0)?;
        engine.backfill(range, self.force, progress)
    }
}

/// Re-roll the last settled days, for documents that arrived late (`backfillRecent`,
/// `backfill --recent N`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecentBackfillRequest {
    /// How many days, ending with the last settled one (1 … `maxRangeDays`).
    pub days: u32,
}

impl RecentBackfillRequest {
    /// Runs it; `progress` may stop it after any day.
    pub fn run(
        &self,
        engine: &Engine,
        progress: &mut dyn FnMut(BackfillProgress) -> ControlFlow<()>,
    ) -> Result<BackfillSummary> {
        engine.backfill_recent(self.days, progress)
    }
}

/// One local day (`rollupDay`, `rollupsOfDay`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DayRequest {
    /// The local day.
    pub date: Day,
}

impl DayRequest {
    /// Computes and stores the day's rollups; returns their views, `ALL` first.
    pub fn rollup(&self, engine: &Engine) -> Result<Vec<RollupView>> {
        let reveal = engine.config().reveal_user_ids;
        engine
            .rollup_day(self.date.0)?
            .iter()
            .map(|r| RollupView::of(r, reveal.then_some(engine)))
            .collect()
    }

    /// The stored rollups of the day, `ALL` first (empty until the day is rolled up).
    pub fn stored(&self, engine: &Engine) -> Result<Vec<RollupView>> {
        let reveal = engine.config().reveal_user_ids;
        engine
            .rollups_of_day(self.date.0)?
            .iter()
            .map(|r| RollupView::of(r, reveal.then_some(engine)))
            .collect()
    }
}

/// A daily rollup as it may leave the engine: its sums, and its distinct sets as sizes. Raw user ids
/// appear only when the configuration reveals them (`userIds`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollupView {
    /// Application id.
    pub app_id: String,
    /// Local date.
    pub date: NaiveDate,
    /// `ALL`, a code or `UNKNOWN`.
    pub country: CountryFilter,
    /// The time zone the day was cut in.
    pub timezone: String,
    /// Layout version.
    pub version: u32,
    /// When it was computed.
    pub computed_at: DateTime<Utc>,
    /// The day's facts.
    pub facts: RollupFactsView,
    /// The distinct sets' members, only with `revealUserIds`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user_ids: Option<RollupIds>,
}

/// The facts of a rollup with every distinct set given by its size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct RollupFactsView {
    pub coin_topups: Money,
    pub og_subscriptions: Money,
    pub refunds: Money,
    pub by_payment_method: [Money; 5],
    pub by_og_tier: [Money; 6],
    #[serde(with = "rust_decimal::serde::str")]
    pub gift_revenue: rust_decimal::Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub platform_fees: rust_decimal::Decimal,
    pub session_ends: u64,
    #[serde(with = "rust_decimal::serde::str")]
    pub session_seconds: rust_decimal::Decimal,
    pub streams: u64,
    #[serde(with = "rust_decimal::serde::str")]
    pub stream_seconds: rust_decimal::Decimal,
    pub stream_viewers: u64,
    pub battles: u64,
    pub gifts_sent: u64,
    pub messages_sent: u64,
    pub topup_count: u64,
    #[serde(with = "rust_decimal::serde::str")]
    pub topup_coins: rust_decimal::Decimal,
    pub flagged: u64,
    pub banned: u64,
    pub appeals: u64,
    pub warn_block: u64,
    pub games_played: u64,
    #[serde(with = "rust_decimal::serde::str")]
    pub stakes: rust_decimal::Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub payouts: rust_decimal::Decimal,
    /// Active users.
    pub active: u64,
    /// Paying users.
    pub payers: u64,
    /// OG buyers.
    pub og_buyers: u64,
    /// Players.
    pub players: u64,
    /// Signups.
    pub signups: u64,
    /// New hosts.
    pub new_hosts: u64,
    /// Hosts with a stream.
    pub hosts: u64,
    /// Distinct rounds played.
    pub rounds: u64,
    /// Users with money of the `total` formula (`ALL` rollups only; cohort revenue).
    pub member_money: u64,
    /// Users with sessions, gifts sent, stakes or messages (`ALL` rollups only; cohort engagement).
    pub member_counts: u64,
    /// Σ revenue of the hosts, coins.
    #[serde(with = "rust_decimal::serde::str")]
    pub host_revenue: rust_decimal::Decimal,
    /// Σ `durationSec` of the rounds.
    #[serde(with = "rust_decimal::serde::str")]
    pub round_seconds: rust_decimal::Decimal,
}

/// The members of a rollup's distinct sets (raw ids: only with `revealUserIds`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct RollupIds {
    pub active: Vec<String>,
    pub payers: Vec<String>,
    pub og_buyers: Vec<String>,
    pub players: Vec<String>,
    pub signups: Vec<String>,
    pub new_hosts: Vec<String>,
    pub hosts: BTreeMap<String, HostFacts>,
}

impl RollupView {
    /// The view of `r`; with an engine to read user numbers (`revealUserIds`), the members of its
    /// sets too.
    pub fn of(r: &DailyRollup, reveal: Option<&Engine>) -> Result<RollupView> {
        let f = &r.facts;
        let size = |n: u64| n;
        let user = |engine: &Engine, n: u32| -> Result<String> {
            let users = &engine.numbering().users;
            users
                .key_of(engine.store(), n)?
                .map(|id| id.to_hex())
                .ok_or_else(|| {
                    crate::Error::storage(
                        "analyticsnumbers",
                        format!("user number {n} is in a stored rollup but not in the dictionary"),
                    )
                })
        };
        let ids = |engine: &Engine, s: &crate::kpi::facts::Bitmap| -> Result<Vec<String>> {
            s.iter().map(|n| user(engine, n)).collect()
        };
        let user_ids = match reveal {
            None => None,
            Some(engine) => Some(RollupIds {
                active: ids(engine, &f.active)?,
                payers: ids(engine, &f.payers)?,
                og_buyers: ids(engine, &f.og_buyers)?,
                players: ids(engine, &f.players)?,
                signups: ids(engine, &f.signups)?,
                new_hosts: ids(engine, &f.new_hosts)?,
                hosts: f
                    .hosts
                    .iter()
                    .map(|(n, v)| Ok((user(engine, n)?, *v)))
                    .collect::<Result<_>>()?,
            }),
        };
        Ok(RollupView {
            app_id: r.app_id.clone(),
            date: r.date,
            country: r.country,
            timezone: r.timezone.clone(),
            version: r.version,
            computed_at: r.computed_at,
            facts: RollupFactsView {
                coin_topups: f.coin_topups,
                og_subscriptions: f.og_subscriptions,
                refunds: f.refunds,
                by_payment_method: f.by_payment_method,
                by_og_tier: f.by_og_tier,
                gift_revenue: f.gift_revenue,
                platform_fees: f.platform_fees,
                session_ends: f.session_ends,
                session_seconds: f.session_seconds,
                streams: f.streams,
                stream_seconds: f.stream_seconds,
                stream_viewers: f.stream_viewers,
                battles: f.battles,
                gifts_sent: f.gifts_sent,
                messages_sent: f.messages_sent,
                topup_count: f.topup_count,
                topup_coins: f.topup_coins,
                flagged: f.flagged,
                banned: f.banned,
                appeals: f.appeals,
                warn_block: f.warn_block,
                games_played: f.games_played,
                stakes: f.stakes,
                payouts: f.payouts,
                active: size(f.active.len()),
                payers: size(f.payers.len()),
                og_buyers: size(f.og_buyers.len()),
                players: size(f.players.len()),
                signups: size(f.signups.len()),
                new_hosts: size(f.new_hosts.len()),
                hosts: size(f.hosts.len()),
                rounds: size(f.rounds.len()),
                member_money: size(f.member_money.len()),
                member_counts: size(f.member_counts.len()),
                host_revenue: f.host_revenue,
                round_seconds: f.round_seconds,
            },
            user_ids,
        })
    }
}

/// Every metric of the catalog, in report order.
pub fn metrics() -> Vec<MetricInfo> {
    catalog().iter().map(MetricInfo::from).collect()
}
