//! The KPI report: the seven sections of METRICS.md with its field names (camelCase, as the Node backend's
//! routes return them inside `{success, data}`). `null` is a ratio or mean with a zero denominator.
//!
//! Units: NPR money is rounded to 2 decimals; coins are exact; percentages are 0–100; durations are in the
//! unit METRICS.md names (minutes for sessions and streams, seconds for games, days for lifetimes).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::CountryFilter;

/// The period a report covers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportPeriod {
    /// First local day.
    pub from: NaiveDate,
    /// Last local day (inclusive).
    pub to: NaiveDate,
    /// Number of days.
    pub days: i64,
    /// First day of the previous period (growth baseline).
    pub previous_from: NaiveDate,
    /// Last day of the previous period.
    pub previous_to: NaiveDate,
    /// Country selection.
    pub country: CountryFilter,
    /// Reporting time zone.
    pub timezone: String,
    /// Currency of money fields.
    pub currency: String,
}

/// `byPaymentMethod`: the revenue `total` formula per payment method; the parts sum to `total`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ByPaymentMethod {
    /// eSewa.
    pub esewa: f64,
    /// Khalti.
    pub khalti: f64,
    /// Stripe.
    pub stripe: f64,
    /// PayPal.
    pub paypal: f64,
    /// No or another payment method.
    pub other: f64,
}

/// `byOGTier`: OG purchase money by tier.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ByOgTier {
    /// Tier 1.
    pub tier1: f64,
    /// Tier 2.
    pub tier2: f64,
    /// Tier 3.
    pub tier3: f64,
    /// Tier 4.
    pub tier4: f64,
    /// Tier 5.
    pub tier5: f64,
    /// Purchases without a valid tier; present only when non-zero.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub unknown: Option<f64>,
}

/// Revenue section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevenueKpis {
    /// coinTopups + ogSubscriptions − refunds, NPR.
    pub total: f64,
    /// Σ money value of recharges, NPR.
    pub coin_topups: f64,
    /// Σ money value of OG purchases, NPR.
    pub og_subscriptions: f64,
    /// Σ |money value| of refunds, NPR.
    pub refunds: f64,
    /// `total` per payment method, NPR.
    pub by_payment_method: ByPaymentMethod,
    /// OG purchases per tier, NPR.
    #[serde(rename = "byOGTier")]
    pub by_og_tier: ByOgTier,
    /// Σ coins of gifts sent.
    pub gift_revenue: f64,
    /// Platform's cut, coins.
    pub platform_fees: f64,
    /// % change of `total` against the previous period.
    pub growth: Option<f64>,
}

/// Engagement section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EngagementKpis {
    /// Mean daily active users over the range's days.
    pub dau: f64,
    /// Distinct users active in the range.
    pub active_users: u64,
    /// Distinct users active in the 30 days ending on `to`.
    pub mau: u64,
    /// dau / mau × 100.
    pub stickiness: Option<f64>,
    /// Mean session length, minutes.
    pub avg_session_duration: Option<f64>,
    /// Streams created.
    pub total_streams: u64,
    /// Σ stream duration, minutes.
    pub total_stream_duration: f64,
    /// Mean `totalViewers` per stream.
    pub avg_viewers_per_stream: Option<f64>,
    /// `battle_joined` events.
    pub battle_participation: u64,
    /// Gifts sent.
    pub gift_sent: u64,
    /// Messages not deleted.
    pub messages_sent: u64,
    /// % change of `dau`.
    pub growth: Option<f64>,
}

/// Monetization section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonetizationKpis {
    /// Distinct users with a money recharge or OG purchase.
    pub paying_users: u64,
    /// revenue.total / activeUsers, NPR.
    pub arpu: Option<f64>,
    /// revenue.total / payingUsers, NPR.
    pub arppu: Option<f64>,
    /// payingUsers / activeUsers × 100.
    pub payer_rate: Option<f64>,
    /// giftRevenue / giftSent, coins.
    pub avg_gift_value: Option<f64>,
    /// Recharge transactions.
    pub coin_topup_count: u64,
    /// Coins bought.
    pub coin_topup_volume: f64,
    /// Distinct money OG buyers / activeUsers × 100.
    pub og_conversion_rate: Option<f64>,
    /// % change of `arpu`.
    pub growth: Option<f64>,
}

/// Retention section (as of `to`; users selected by `users.country`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionKpis {
    /// % of eligible signups active on their day 1.
    pub d1_retention: Option<f64>,
    /// % of eligible signups active on their day 7.
    pub d7_retention: Option<f64>,
    /// % of eligible signups active on their day 30.
    pub d30_retention: Option<f64>,
    /// % of the previous period's active users not active in the range.
    pub churn_rate: Option<f64>,
    /// Mean days from signup to last activity, inclusive.
    pub avg_lifetime_days: Option<f64>,
    /// % of the last 30 days' active users silent for the last 7 or more days.
    pub churn_risk_score: Option<f64>,
}

/// One of the top creators.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopCreator {
    /// The host's id, pseudonymised unless the engine is configured to reveal ids.
    pub host_id: String,
    /// Public handle.
    pub username: Option<String>,
    /// Σ `totalCoins`, coins.
    pub revenue: f64,
    /// Streams.
    pub streams: u64,
    /// Σ `totalViewers`.
    pub viewers: u64,
}

/// Creators section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatorKpis {
    /// Distinct hosts with a stream.
    pub active_hosts: u64,
    /// Highest host revenue, coins.
    pub top_host_revenue: Option<f64>,
    /// Mean host revenue, coins.
    pub avg_host_revenue: Option<f64>,
    /// Active hosts whose first stream ever is in the range.
    pub new_hosts: u64,
    /// % of the previous period's hosts active again.
    pub host_retention_rate: Option<f64>,
    /// The 10 highest-revenue hosts.
    pub top_creators: Vec<TopCreator>,
}

/// Direction of the safety score against the previous period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SafetyTrend {
    /// Rose by 2 points or more.
    Improving,
    /// Within 2 points (or a score is null).
    #[default]
    Stable,
    /// Fell by 2 points or more.
    Declining,
}

/// Safety section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafetyKpis {
    /// Flags with an action other than `allow`.
    pub flagged_content: u64,
    /// `user_banned` events.
    pub banned_users: u64,
    /// Flags reviewed or resolved in the range.
    pub appeals_processed: u64,
    /// Warn/block flags plus bans.
    pub moderation_actions: u64,
    /// 100 − weighted incidents per thousand active users / 10, clamped to 0–100.
    pub safety_score: Option<f64>,
    /// Against the previous period.
    pub trend: SafetyTrend,
}

/// Gaming section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GamingKpis {
    /// Stakes placed.
    pub games_played: u64,
    /// Σ stakeAmount, coins.
    pub total_stakes: f64,
    /// Σ winAmount of won stakes, coins.
    pub total_payouts: f64,
    /// totalStakes − totalPayouts, coins.
    pub revenue: f64,
    /// revenue / totalStakes × 100.
    pub house_edge: Option<f64>,
    /// Distinct stakers.
    pub active_players: u64,
    /// Mean `durationSec` of the distinct rounds staked on.
    pub avg_game_duration: Option<f64>,
}

/// All sections for one range and country.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KpiReport {
    /// What the report covers.
    pub period: ReportPeriod,
    /// Revenue.
    pub revenue: RevenueKpis,
    /// Engagement.
    pub engagement: EngagementKpis,
    /// Monetization.
    pub monetization: MonetizationKpis,
    /// Retention.
    pub retention: RetentionKpis,
    /// Creators.
    pub creators: CreatorKpis,
    /// Safety.
    pub safety: SafetyKpis,
    /// Gaming.
    pub gaming: GamingKpis,
}

impl KpiReport {
    /// A report with every field present (zeros), for listing metric paths.
    pub fn example() -> KpiReport {
        let mut r = KpiReport::default();
        r.revenue.by_og_tier.unknown = Some(0.0);
        r
    }
}
