//! The words a report uses for the catalog's metrics and sections, and which way is good news.

use crate::kpi::{Metric, Section};

/// The heading of a section.
pub fn section_title(s: Section) -> &'static str {
    match s {
        Section::Revenue => "Revenue",
        Section::Engagement => "Engagement",
        Section::Monetization => "Monetization",
        Section::Retention => "Retention",
        Section::Creators => "Creators",
        Section::Safety => "Safety",
        Section::Gaming => "Gaming",
    }
}

/// A short label for a metric of the catalog ("Total revenue"); an unknown id is spelled out from its
/// last segment ("coinTopupCount" → "Coin topup count").
pub fn metric_label(id: &str) -> String {
    let known = match id {
        "revenue.total" => "Total revenue",
        "revenue.coinTopups" => "Coin top-ups",
        "revenue.ogSubscriptions" => "OG subscriptions",
        "revenue.refunds" => "Refunds",
        "revenue.byPaymentMethod.esewa" => "Paid with eSewa",
        "revenue.byPaymentMethod.khalti" => "Paid with Khalti",
        "revenue.byPaymentMethod.stripe" => "Paid with Stripe",
        "revenue.byPaymentMethod.paypal" => "Paid with PayPal",
        "revenue.byPaymentMethod.other" => "Paid otherwise",
        "revenue.byOGTier.tier1" => "OG tier 1",
        "revenue.byOGTier.tier2" => "OG tier 2",
        "revenue.byOGTier.tier3" => "OG tier 3",
        "revenue.byOGTier.tier4" => "OG tier 4",
        "revenue.byOGTier.tier5" => "OG tier 5",
        "revenue.byOGTier.unknown" => "OG, unknown tier",
        "revenue.giftRevenue" => "Gift revenue",
        "revenue.platformFees" => "Platform fees",
        "engagement.dau" => "Daily active users (mean)",
        "engagement.activeUsers" => "Active users",
        "engagement.mau" => "Monthly active users",
        "engagement.stickiness" => "Stickiness (DAU/MAU)",
        "engagement.avgSessionDuration" => "Session length (mean)",
        "engagement.totalStreams" => "Streams",
        "engagement.totalStreamDuration" => "Stream time",
        "engagement.avgViewersPerStream" => "Viewers per stream",
        "engagement.battleParticipation" => "Battle joins",
        "engagement.giftSent" => "Gifts sent",
        "engagement.messagesSent" => "Messages sent",
        "monetization.payingUsers" => "Paying users",
        "monetization.arpu" => "ARPU",
        "monetization.arppu" => "ARPPU",
        "monetization.payerRate" => "Payer rate",
        "monetization.avgGiftValue" => "Gift value (mean)",
        "monetization.coinTopupCount" => "Top-ups",
        "monetization.coinTopupVolume" => "Coins bought",
        "monetization.ogConversionRate" => "OG conversion",
        "retention.d1Retention" => "Day-1 retention",
        "retention.d7Retention" => "Day-7 retention",
        "retention.d30Retention" => "Day-30 retention",
        "retention.churnRate" => "Churn rate",
        "retention.avgLifetimeDays" => "Lifetime (mean)",
        "retention.churnRiskScore" => "Churn risk",
        "creators.activeHosts" => "Active hosts",
        "creators.topHostRevenue" => "Top host revenue",
        "creators.avgHostRevenue" => "Host revenue (mean)",
        "creators.newHosts" => "New hosts",
        "creators.hostRetentionRate" => "Host retention",
        "safety.flaggedContent" => "Flagged content",
        "safety.bannedUsers" => "Bans",
        "safety.appealsProcessed" => "Flags reviewed",
        "safety.moderationActions" => "Moderation actions",
        "safety.safetyScore" => "Safety score",
        "gaming.gamesPlayed" => "Stakes placed",
        "gaming.totalStakes" => "Coins staked",
        "gaming.totalPayouts" => "Coins paid out",
        "gaming.revenue" => "Gaming revenue",
        "gaming.houseEdge" => "House edge",
        "gaming.activePlayers" => "Players",
        "gaming.avgGameDuration" => "Round length (mean)",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    let last = id.rsplit('.').next().unwrap_or(id);
    let mut out = String::with_capacity(last.len() + 4);
    for (i, c) in last.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else if i == 0 {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether a rise of the metric is good news (a rise of refunds, churn, incidents or payouts is not).
pub fn higher_is_better(m: &Metric) -> bool {
    !matches!(
        m.id,
        "revenue.refunds"
            | "retention.churnRate"
            | "retention.churnRiskScore"
            | "safety.flaggedContent"
            | "safety.bannedUsers"
            | "safety.moderationActions"
            | "gaming.totalPayouts"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::catalog;

    #[test]
    fn every_catalog_metric_has_a_label() {
        for m in catalog() {
            let l = metric_label(m.id);
            assert!(!l.is_empty(), "{}", m.id);
        }
        assert_eq!(metric_label("x.coinTopupCount"), "Coin topup count");
    }
}
