//! The metric catalog: every numeric KPI of `shared/spec/METRICS.md` with a stable id (`revenue.total`,
//! the field's path in the report's JSON), its unit, its kind and a typed accessor on [`KpiReport`].
//!
//! Time series, the metric listing of every front end and, later, alert rules, forecasts and report
//! columns name metrics through this catalog, never through ad-hoc strings. An id is looked up exactly,
//! or by an alias: the snake_case spelling of the same path (`revenue.by_og_tier.tier1`, the way the
//! Python binding names fields, by the one rule of [`snake_case`]) and, for a few metrics, a shorter
//! name the old service used.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::report::KpiReport;
use crate::naming::snake_case;
use crate::{Error, Result};

/// A section of the KPI report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Section {
    /// Revenue (NPR and coins).
    Revenue,
    /// Engagement.
    Engagement,
    /// Monetization.
    Monetization,
    /// Retention (users selected by `users.country`).
    Retention,
    /// Creators.
    Creators,
    /// Safety.
    Safety,
    /// Gaming.
    Gaming,
}

/// The unit of a metric's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Unit {
    /// Nepalese rupees, rounded to 2 decimals.
    Npr,
    /// In-app coins (never converted to money).
    Coins,
    /// A number of users, documents or events.
    Count,
    /// A percentage, 0–100 (growth may exceed it either way).
    Percent,
    /// Minutes.
    Minutes,
    /// Seconds.
    Seconds,
    /// Days.
    Days,
    /// Viewers.
    Viewers,
    /// A 0–100 score.
    Score,
}

/// How a metric combines over days, which says how it may be aggregated or compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MetricKind {
    /// A sum of document values or counts: adds over days.
    Sum,
    /// A number of distinct users or hosts: a union over days, never a sum.
    DistinctCount,
    /// A ratio, mean or share: recomputed from its parts, never averaged.
    Ratio,
    /// A change against the previous period, in %.
    Growth,
}

/// One metric of the catalog.
#[derive(Clone, Copy)]
pub struct Metric {
    /// The id: the field's path in the report's JSON.
    pub id: &'static str,
    /// Its section.
    pub section: Section,
    /// Unit of its values.
    pub unit: Unit,
    /// How it combines.
    pub kind: MetricKind,
    /// What it is, in one line.
    pub description: &'static str,
    /// Other accepted names (besides the snake_case spelling of the id, always accepted).
    pub aliases: &'static [&'static str],
    accessor: fn(&KpiReport) -> Option<f64>,
}

impl fmt::Debug for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metric")
            .field("id", &self.id)
            .field("unit", &self.unit)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Metric {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Metric {}

impl Metric {
    /// The metric's value in a report (`None` where METRICS.md says `null`). Only the metric's own
    /// section needs to be filled.
    pub fn value(&self, report: &KpiReport) -> Option<f64> {
        (self.accessor)(report)
    }

    /// The snake_case spelling of the id.
    pub fn snake_id(&self) -> String {
        self.id
            .split('.')
            .map(snake_case)
            .collect::<Vec<_>>()
            .join(".")
    }

    /// The metric whose id or alias is `name`.
    pub fn find(name: &str) -> Option<&'static Metric> {
        let name = name.trim();
        catalog().iter().find(|m| m.id == name).or_else(|| {
            catalog()
                .iter()
                .find(|m| m.aliases.contains(&name) || m.snake_id() == name)
        })
    }

    /// [`Metric::find`], or an `INVALID_ARGUMENT` error listing the ids.
    pub fn parse(name: &str) -> Result<&'static Metric> {
        Metric::find(name).ok_or_else(|| {
            Error::invalid_argument(
                "metric",
                format!(
                    "`{name}` is not a metric; use one of: {}",
                    catalog()
                        .iter()
                        .map(|m| m.id)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
    }
}

/// A metric named in a request: serialised as its id, read from its id or any alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricId(pub &'static Metric);

impl MetricId {
    /// The metric.
    pub fn metric(&self) -> &'static Metric {
        self.0
    }
}

impl FromStr for MetricId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Metric::parse(s).map(MetricId)
    }
}

impl fmt::Display for MetricId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.id)
    }
}

impl Serialize for MetricId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.0.id)
    }
}

impl<'de> Deserialize<'de> for MetricId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|e: Error| serde::de::Error::custom(e.serde_reason()))
    }
}

/// A metric as the listing methods describe it (`metrics()` in every front end).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricInfo {
    /// The id.
    pub id: String,
    /// The section.
    pub section: Section,
    /// The unit.
    pub unit: Unit,
    /// The kind.
    pub kind: MetricKind,
    /// What it is.
    pub description: String,
    /// Accepted aliases, the snake_case spelling first.
    pub aliases: Vec<String>,
}

impl From<&Metric> for MetricInfo {
    fn from(m: &Metric) -> Self {
        let mut aliases = vec![m.snake_id()];
        aliases.retain(|a| a != m.id);
        aliases.extend(m.aliases.iter().map(|a| (*a).to_owned()));
        MetricInfo {
            id: m.id.to_owned(),
            section: m.section,
            unit: m.unit,
            kind: m.kind,
            description: m.description.to_owned(),
            aliases,
        }
    }
}

/// Every metric, in report order.
pub fn catalog() -> &'static [Metric] {
    &CATALOG
}

macro_rules! metrics {
    ($( $id:literal, $section:ident, $unit:ident, $kind:ident, $desc:literal, [$($alias:literal),*],
        |$r:ident| $value:expr; )+) => {
        vec![$(
            Metric {
                id: $id,
                section: Section::$section,
                unit: Unit::$unit,
                kind: MetricKind::$kind,
                description: $desc,
                aliases: &[$($alias),*],
                accessor: |$r: &KpiReport| -> Option<f64> { $value },
            },
        )+]
    };
}

/// A count as a metric value.
fn n(x: u64) -> Option<f64> {
    Some(x as f64)
}

static CATALOG: LazyLock<Vec<Metric>> = LazyLock::new(|| {
    metrics! {
        "revenue.total", Revenue, Npr, Sum, "coin top-ups + OG purchases − refunds", ["revenue"], |r| Some(r.revenue.total);
        "revenue.coinTopups", Revenue, Npr, Sum, "money value of recharges", [], |r| Some(r.revenue.coin_topups);
        "revenue.ogSubscriptions", Revenue, Npr, Sum, "money value of OG purchases", [], |r| Some(r.revenue.og_subscriptions);
        "revenue.refunds", Revenue, Npr, Sum, "money value of refunds, reported positive", [], |r| Some(r.revenue.refunds);
        "revenue.byPaymentMethod.esewa", Revenue, Npr, Sum, "revenue total paid with eSewa", [], |r| Some(r.revenue.by_payment_method.esewa);
        "revenue.byPaymentMethod.khalti", Revenue, Npr, Sum, "revenue total paid with Khalti", [], |r| Some(r.revenue.by_payment_method.khalti);
        "revenue.byPaymentMethod.stripe", Revenue, Npr, Sum, "revenue total paid with Stripe", [], |r| Some(r.revenue.by_payment_method.stripe);
        "revenue.byPaymentMethod.paypal", Revenue, Npr, Sum, "revenue total paid with PayPal", [], |r| Some(r.revenue.by_payment_method.paypal);
        "revenue.byPaymentMethod.other", Revenue, Npr, Sum, "revenue total without or with another payment method", [], |r| Some(r.revenue.by_payment_method.other);
        "revenue.byOGTier.tier1", Revenue, Npr, Sum, "OG tier 1 purchases", [], |r| Some(r.revenue.by_og_tier.tier1);
        "revenue.byOGTier.tier2", Revenue, Npr, Sum, "OG tier 2 purchases", [], |r| Some(r.revenue.by_og_tier.tier2);
        "revenue.byOGTier.tier3", Revenue, Npr, Sum, "OG tier 3 purchases", [], |r| Some(r.revenue.by_og_tier.tier3);
        "revenue.byOGTier.tier4", Revenue, Npr, Sum, "OG tier 4 purchases", [], |r| Some(r.revenue.by_og_tier.tier4);
        "revenue.byOGTier.tier5", Revenue, Npr, Sum, "OG tier 5 purchases", [], |r| Some(r.revenue.by_og_tier.tier5);
        "revenue.byOGTier.unknown", Revenue, Npr, Sum, "OG purchases without a valid tier", [], |r| Some(r.revenue.by_og_tier.unknown.unwrap_or(0.0));
        "revenue.giftRevenue", Revenue, Coins, Sum, "coins of gifts sent", [], |r| Some(r.revenue.gift_revenue);
        "revenue.platformFees", Revenue, Coins, Sum, "platform's cut of gifts and platform fees", [], |r| Some(r.revenue.platform_fees);
        "revenue.growth", Revenue, Percent, Growth, "change of revenue total against the previous period", [], |r| r.revenue.growth;
        "engagement.dau", Engagement, Count, Ratio, "mean daily active users", ["dau"], |r| Some(r.engagement.dau);
        "engagement.activeUsers", Engagement, Count, DistinctCount, "distinct users active in the range", [], |r| n(r.engagement.active_users);
        "engagement.mau", Engagement, Count, DistinctCount, "distinct users active in the 30 days ending on the last day", ["mau"], |r| n(r.engagement.mau);
        "engagement.stickiness", Engagement, Percent, Ratio, "dau / mau × 100", [], |r| r.engagement.stickiness;
        "engagement.avgSessionDuration", Engagement, Minutes, Ratio, "mean session length", [], |r| r.engagement.avg_session_duration;
        "engagement.totalStreams", Engagement, Count, Sum, "streams created", [], |r| n(r.engagement.total_streams);
        "engagement.totalStreamDuration", Engagement, Minutes, Sum, "total stream duration", [], |r| Some(r.engagement.total_stream_duration);
        "engagement.avgViewersPerStream", Engagement, Viewers, Ratio, "mean totalViewers per stream", [], |r| r.engagement.avg_viewers_per_stream;
        "engagement.battleParticipation", Engagement, Count, Sum, "battle_joined events", [], |r| n(r.engagement.battle_participation);
        "engagement.giftSent", Engagement, Count, Sum, "gifts sent", [], |r| n(r.engagement.gift_sent);
        "engagement.messagesSent", Engagement, Count, Sum, "messages not deleted", [], |r| n(r.engagement.messages_sent);
        "engagement.growth", Engagement, Percent, Growth, "change of dau against the previous period", [], |r| r.engagement.growth;
        "monetization.payingUsers", Monetization, Count, DistinctCount, "distinct users with a money recharge or OG purchase", ["payingUsers"], |r| n(r.monetization.paying_users);
        "monetization.arpu", Monetization, Npr, Ratio, "revenue per active user", ["arpu"], |r| r.monetization.arpu;
        "monetization.arppu", Monetization, Npr, Ratio, "revenue per paying user", ["arppu"], |r| r.monetization.arppu;
        "monetization.payerRate", Monetization, Percent, Ratio, "paying users / active users × 100", ["payerRate"], |r| r.monetization.payer_rate;
        "monetization.avgGiftValue", Monetization, Coins, Ratio, "coins per gift sent", [], |r| r.monetization.avg_gift_value;
        "monetization.coinTopupCount", Monetization, Count, Sum, "recharge transactions", [], |r| n(r.monetization.coin_topup_count);
        "monetization.coinTopupVolume", Monetization, Coins, Sum, "coins bought by recharges", [], |r| Some(r.monetization.coin_topup_volume);
        "monetization.ogConversionRate", Monetization, Percent, Ratio, "OG buyers / active users × 100", [], |r| r.monetization.og_conversion_rate;
        "monetization.growth", Monetization, Percent, Growth, "change of arpu against the previous period", [], |r| r.monetization.growth;
        "retention.d1Retention", Retention, Percent, Ratio, "share of signups active on their day 1", [], |r| r.retention.d1_retention;
        "retention.d7Retention", Retention, Percent, Ratio, "share of signups active on their day 7", [], |r| r.retention.d7_retention;
        "retention.d30Retention", Retention, Percent, Ratio, "share of signups active on their day 30", [], |r| r.retention.d30_retention;
        "retention.churnRate", Retention, Percent, Ratio, "share of the previous period's actives not active in the range", ["churnRate"], |r| r.retention.churn_rate;
        "retention.avgLifetimeDays", Retention, Days, Ratio, "mean days from signup to last activity", [], |r| r.retention.avg_lifetime_days;
        "retention.churnRiskScore", Retention, Percent, Ratio, "share of the last 30 days' actives idle for 7 days or more", [], |r| r.retention.churn_risk_score;
        "creators.activeHosts", Creators, Count, DistinctCount, "distinct hosts with a stream", [], |r| n(r.creators.active_hosts);
        "creators.topHostRevenue", Creators, Coins, Ratio, "largest host revenue", [], |r| r.creators.top_host_revenue;
        "creators.avgHostRevenue", Creators, Coins, Ratio, "mean host revenue", [], |r| r.creators.avg_host_revenue;
        "creators.newHosts", Creators, Count, DistinctCount, "hosts whose first stream ever is in the range", [], |r| n(r.creators.new_hosts);
        "creators.hostRetentionRate", Creators, Percent, Ratio, "share of the previous period's hosts active again", [], |r| r.creators.host_retention_rate;
        "safety.flaggedContent", Safety, Count, Sum, "flags with an action other than allow", [], |r| n(r.safety.flagged_content);
        "safety.bannedUsers", Safety, Count, Sum, "user_banned events", [], |r| n(r.safety.banned_users);
        "safety.appealsProcessed", Safety, Count, Sum, "flags reviewed or resolved in the range", [], |r| n(r.safety.appeals_processed);
        "safety.moderationActions", Safety, Count, Sum, "warn and block flags plus bans", [], |r| n(r.safety.moderation_actions);
        "safety.safetyScore", Safety, Score, Ratio, "100 − weighted incidents per thousand active users / 10", [], |r| r.safety.safety_score;
        "gaming.gamesPlayed", Gaming, Count, Sum, "stakes placed", [], |r| n(r.gaming.games_played);
        "gaming.totalStakes", Gaming, Coins, Sum, "coins staked", [], |r| Some(r.gaming.total_stakes);
        "gaming.totalPayouts", Gaming, Coins, Sum, "coins paid out on won stakes", [], |r| Some(r.gaming.total_payouts);
        "gaming.revenue", Gaming, Coins, Sum, "stakes − payouts", [], |r| Some(r.gaming.revenue);
        "gaming.houseEdge", Gaming, Percent, Ratio, "gaming revenue / stakes × 100", [], |r| r.gaming.house_edge;
        "gaming.activePlayers", Gaming, Count, DistinctCount, "distinct stakers", [], |r| n(r.gaming.active_players);
        "gaming.avgGameDuration", Gaming, Seconds, Ratio, "mean duration of the rounds played", [], |r| r.gaming.avg_game_duration;
    }
});

#[cfg(test)]
mod tests {
    use super::*;

    /// Every numeric field of the report's JSON, found by walking it (what the catalog must cover).
    fn json_paths() -> Vec<String> {
        fn walk(v: &serde_json::Value, prefix: String, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(map) => {
                    for (k, child) in map {
                        let p = if prefix.is_empty() {
                            k.clone()
                        } else {
                            format!("{prefix}.{k}")
                        };
                        walk(child, p, out);
                    }
                }
                serde_json::Value::Number(_) | serde_json::Value::Null => out.push(prefix),
                _ => {}
            }
        }
        let mut r = KpiReport::default();
        r.revenue.by_og_tier.unknown = Some(0.0);
        let mut out = Vec::new();
        walk(&serde_json::to_value(&r).unwrap(), String::new(), &mut out);
        out.retain(|p| !p.starts_with("period."));
        out
    }

    #[test]
    fn the_catalog_is_every_numeric_field_in_report_order() {
        let ids: Vec<&str> = catalog().iter().map(|m| m.id).collect();
        assert_eq!(ids, json_paths());
    }

    #[test]
    fn each_accessor_reads_its_own_field() {
        // Give every numeric field a distinct integer through JSON (integers fit the count and the
        // float fields alike), then read each back through the catalog.
        let mut value = serde_json::to_value(KpiReport::default()).unwrap();
        value["revenue"]["byOGTier"]["unknown"] = serde_json::json!(0);
        for (i, path) in json_paths().iter().enumerate() {
            let pointer = format!("/{}", path.replace('.', "/"));
            *value.pointer_mut(&pointer).unwrap() = serde_json::json!(i + 1);
        }
        let report: KpiReport = serde_json::from_value(value).unwrap();
        for (i, m) in catalog().iter().enumerate() {
            assert_eq!(m.value(&report), Some((i + 1) as f64), "{}", m.id);
        }
    }

    #[test]
    fn ids_and_aliases_resolve() {
        assert_eq!(Metric::parse("revenue.total").unwrap().id, "revenue.total");
        assert_eq!(
            Metric::parse("revenue.by_og_tier.tier1").unwrap().id,
            "revenue.byOGTier.tier1"
        );
        assert_eq!(
            Metric::parse("retention.d1_retention").unwrap().id,
            "retention.d1Retention"
        );
        assert_eq!(Metric::parse("dau").unwrap().id, "engagement.dau");
        let e = Metric::parse("revenue.nope").unwrap_err();
        assert_eq!(e.code(), "INVALID_ARGUMENT");
        assert!(e.to_string().contains("revenue.total"), "{e}");
        let ids: std::collections::HashSet<_> = catalog()
            .iter()
            .flat_map(|m| {
                let mut names = vec![m.id.to_owned(), m.snake_id()];
                names.extend(m.aliases.iter().map(|a| (*a).to_owned()));
                names.sort();
                names.dedup();
                names
            })
            .collect();
        let total: usize = catalog()
            .iter()
            .map(|m| {
                let mut names = vec![m.id.to_owned(), m.snake_id()];
                names.extend(m.aliases.iter().map(|a| (*a).to_owned()));
                names.sort();
                names.dedup();
                names.len()
            })
            .sum();
        assert_eq!(ids.len(), total, "a name resolves to two metrics");
    }
}
