//! The money side, the `transactions` the revenue metrics are computed from: gifts sent and received in
//! streams, coin top-ups and OG purchases in the several forms the app's writers record them in, OG
//! bonuses, tips, the hosts' withdrawals, fees and brand deals, and refunds of earlier payments. The
//! injected revenue drop is applied here, without changing any other draw.

use bson::oid::ObjectId;
use bson::{doc, Bson, Document};

use super::random::Rand;
use super::streams::{Rooms, StreamDay};
use super::{date, number, Sim};
use crate::model::Collection;

/// Gifts: (id, coins, weight).
const GIFTS: [(&str, i64, f64); 8] = [
    ("heart", 1, 25.0),
    ("rose", 5, 20.0),
    ("tea", 10, 20.0),
    ("momo", 50, 15.0),
    ("rhino", 100, 10.0),
    ("everest", 500, 6.0),
    ("crown", 1000, 3.0),
    ("rocket", 5000, 1.0),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Esewa,
    Khalti,
    Stripe,
    Paypal,
}

impl Method {
    const MIX: [(Method, f64); 4] = [
        (Method::Esewa, 45.0),
        (Method::Khalti, 30.0),
        (Method::Stripe, 15.0),
        (Method::Paypal, 10.0),
    ];

    fn name(self) -> &'static str {
        match self {
            Method::Esewa => "esewa",
            Method::Khalti => "khalti",
            Method::Stripe => "stripe",
            Method::Paypal => "paypal",
        }
    }

    fn usd(self) -> bool {
        matches!(self, Method::Stripe | Method::Paypal)
    }
}

/// Coin packages: (NPR price, coins) and (USD price, coins), drawn with the weights.
const NPR_PACKAGES: [(i32, i32, f64); 5] = [
    (100, 100, 35.0),
    (500, 520, 30.0),
    (1000, 1050, 18.0),
    (2000, 2150, 10.0),
    (5000, 5500, 7.0),
];
const USD_PACKAGES: [(f64, i32, f64); 5] = [
    (0.99, 130, 30.0),
    (4.99, 670, 32.0),
    (9.99, 1350, 20.0),
    (19.99, 2750, 11.0),
    (49.99, 7000, 7.0),
];

/// OG tiers 1–5: (weight, NPR price, USD price, coins equivalent).
const OG_TIERS: [(f64, i32, f64, i32); 5] = [
    (40.0, 199, 1.99, 200),
    (25.0, 499, 4.99, 500),
    (18.0, 999, 9.99, 1000),
    (10.0, 2499, 24.99, 2500),
    (7.0, 4999, 49.99, 5000),
];

const STATUS_MIX: [(&str, f64); 4] = [
    ("completed", 92.0),
    ("pending", 3.0),
    ("failed", 4.0),
    ("cancelled", 1.0),
];

/// A refund scheduled for a later day.
pub(super) struct PendingRefund {
    day: i64,
    user: usize,
    original: ObjectId,
    money: Bson,
    currency: &'static str,
    method: Option<Method>,
    /// False when the original was not made (revenue drop): the refund is then not made either.
    made: bool,
}

impl<'s> Sim<'s> {
    pub(super) fn gifts(&mut self, i: usize, lb: i64, rooms: &Rooms, streams: &mut [StreamDay]) {
        if rooms.total <= 0.0 || !self.rng.chance(self.users[i].gift_prob) {
            return;
        }
        let s = rooms.pick(&mut self.rng);
        if streams[s].host == i {
            return;
        }
        let n = 1 + usize::from(self.rng.chance(0.3)) + usize::from(self.rng.chance(0.1));
        streams[s].participants += 1;
        for _ in 0..n {
            let Some(t) = self.time_in(&streams[s], lb) else {
                return;
            };
            let gift = GIFTS[self.rng.weighted(&GIFTS.map(|g| g.2))];
            let coins = gift.1;
            let completed = self.rng.chance(0.99);
            let status = if completed { "completed" } else { "failed" };
            let stream_ref = |rng: &mut Rand, id: ObjectId| {
                if rng.chance(0.7) {
                    Bson::ObjectId(id)
                } else {
                    Bson::String(id.to_hex())
                }
            };
            let host = streams[s].host;
            let sent_id = self.out.ids.at(t);
            let mut metadata = doc! {
                "streamId": stream_ref(&mut self.rng, streams[s].id),
                "giftId": gift.0,
                "recipientId": self.users[host].id,
            };
            if let Some(c) = self.own_country(i, 0.2) {
                metadata.insert("country", c);
            }
            let sent = doc! {
                "_id": sent_id,
                "userId": self.users[i].id,
                "type": "gift_sent",
                "amount": coins as i32,
                "currency": "coins",
                "status": status,
                "fees": number(coins * 3),
                "description": format!("Sent {}", gift.0),
                "metadata": metadata,
                "createdAt": date(t),
            };
            self.push(Collection::Transactions, sent_id, sent);
            let received_id = self.out.ids.at(t);
            let received = doc! {
                "_id": received_id,
                "userId": self.users[host].id,
                "type": "gift_received",
                "amount": coins as i32,
                "currency": "coins",
                "status": status,
                "fees": 0,
                "description": format!("Received {}", gift.0),
                "metadata": {
                    "streamId": stream_ref(&mut self.rng, streams[s].id),
                    "giftId": gift.0,
                    "senderId": self.users[i].id,
                },
                "createdAt": date(t),
            };
            self.push(Collection::Transactions, received_id, received);
            if completed {
                streams[s].gifts += 1;
                streams[s].coins += coins;
            }
        }
    }

    /// Whether the revenue drop removes a money-paying transaction made at `t` (ms) with `method`
    /// (a drop limited to one payment method draws nothing for the others).
    fn dropped(&mut self, t: i64, method: Method) -> bool {
        match self.drop {
            Some((start, end, share, only)) if (start..end).contains(&t) => {
                if only.is_some_and(|m| m.as_str() != method.name()) {
                    return false;
                }
                self.drop_rng.chance(share)
            }
            _ => false,
        }
    }

    fn tx_doc(
        &mut self,
        t: i64,
        user: usize,
        kind: &str,
        amount: Bson,
        currency: &str,
        status: &str,
    ) -> (ObjectId, Document) {
        let id = self.out.ids.at(t);
        let doc = doc! {
            "_id": id,
            "userId": self.users[user].id,
            "type": kind,
            "amount": amount,
            "currency": currency,
            "status": status,
        };
        (id, doc)
    }

    /// Completes a transaction and buffers it; `made: false` (the revenue drop) draws the same random
    /// numbers but writes nothing, so the rest of the generation is unchanged.
    fn finish_tx(
        &mut self,
        (id, mut doc): (ObjectId, Document),
        t: i64,
        mut metadata: Document,
        user: usize,
        made: bool,
    ) {
        if let Some(c) = self.own_country(user, 0.2) {
            metadata.insert("country", c);
        }
        if !metadata.is_empty() {
            doc.insert("metadata", metadata);
        }
        doc.insert("createdAt", date(t));
        doc.insert("updatedAt", date(t + self.rng.range(0, 5_000)));
        if made {
            self.push(Collection::Transactions, id, doc);
        }
    }

    /// Coin top-ups and OG purchases (the money-paying transactions), and scheduling of their refunds.
    pub(super) fn payments(&mut self, i: usize, d: i64, day_start: i64, lb: i64, wf: f64) {
        let u = self.users[i];
        if self.rng.chance((u.recharge_prob * wf).min(0.9)) {
            let t = self.time(day_start, lb);
            let method = self.rng.pick(&Method::MIX);
            let style = self.rng.unit();
            let status = self.rng.pick(&STATUS_MIX);
            let refund = self.rng.chance(0.03);
            let refund_delay = self.rng.range(1, 10);
            let npr = NPR_PACKAGES[self.rng.weighted(&NPR_PACKAGES.map(|p| p.2))];
            let usd = USD_PACKAGES[self.rng.weighted(&USD_PACKAGES.map(|p| p.2))];
            let gateway_ref = format!("FAKE-{}", self.rng.hex(12).to_uppercase());
            let skipped = self.dropped(t, method);
            let (money, currency, method) = if style < 0.07 {
                // Older writers: the money itself, in NPR, without the coin amount.
                let m = if method.usd() { Method::Esewa } else { method };
                (Bson::Int32(npr.0), "NPR", Some(m))
            } else if method.usd() {
                (Bson::Double(usd.0), "USD", Some(method))
            } else {
                (Bson::Int32(npr.0), "NPR", Some(method))
            };
            let null_method = style > 0.95;
            let (id, mut doc) = if style < 0.07 {
                self.tx_doc(t, i, "recharge", money.clone(), "NPR", status)
            } else {
                let coins = if currency == "USD" { usd.1 } else { npr.1 };
                self.tx_doc(t, i, "recharge", Bson::Int32(coins), "coins", status)
            };
            let method_value = if null_method {
                Bson::Null
            } else {
                method.map_or(Bson::Null, |m| Bson::String(m.name().to_owned()))
            };
            doc.insert("paymentMethod", method_value);
            let metadata = if style < 0.07 {
                doc! { "gatewayRef": gateway_ref }
            } else {
                doc! { "amountPaid": money.clone(), "currency": currency, "packageId": format!("coins_{}", doc.get_i32("amount").unwrap_or(0)), "gatewayRef": gateway_ref }
            };
            if refund && status == "completed" && d + refund_delay < self.days {
                self.refunds.push(PendingRefund {
                    day: d + refund_delay,
                    user: i,
                    original: id,
                    money: money.clone(),
                    currency,
                    method: if null_method { None } else { method },
                    made: !skipped,
                });
            }
            self.finish_tx((id, doc), t, metadata, i, !skipped);
        }
        if self.rng.chance((u.og_prob * wf).min(0.9)) {
            let t = self.time(day_start, lb);
            let tier = self.rng.weighted(&OG_TIERS.map(|x| x.0));
            let (_, npr, usd, coins) = OG_TIERS[tier];
            let method = self.rng.pick(&Method::MIX);
            let style = self.rng.unit();
            let status = self.rng.pick(&STATUS_MIX);
            let zero_coins = self.rng.chance(0.4);
            let refund = self.rng.chance(0.01);
            let refund_delay = self.rng.range(1, 10);
            let skipped = self.dropped(t, method);
            let (money, currency) = if method.usd() {
                (Bson::Double(usd), "USD")
            } else {
                (Bson::Int32(npr), "NPR")
            };
            let tier_number = tier as i32 + 1;
            let (id, doc, metadata) = if style < 0.75 {
                // The app's OG webhook: coins-denominated, the money in metadata.
                let amount = Bson::Int32(if zero_coins { 0 } else { coins });
                let (id, doc) = self.tx_doc(t, i, "og_subscription", amount, "coins", status);
                let metadata = doc! { "amountPaid": money.clone(), "currency": currency, "ogTier": tier_number, "durationDays": 30 };
                (id, doc, metadata)
            } else {
                let kind = if style < 0.9 {
                    "og_subscription"
                } else {
                    "subscription"
                };
                let (id, doc) = self.tx_doc(t, i, kind, money.clone(), currency, status);
                (id, doc, doc! { "ogTier": tier_number })
            };
            let mut doc = doc;
            doc.insert("paymentMethod", method.name());
            if refund && status == "completed" && d + refund_delay < self.days {
                self.refunds.push(PendingRefund {
                    day: d + refund_delay,
                    user: i,
                    original: id,
                    money,
                    currency,
                    method: Some(method),
                    made: !skipped,
                });
            }
            self.finish_tx((id, doc), t, metadata, i, !skipped);
        }
    }

    /// OG bonuses, tips, and the hosts' withdrawals, platform fees and brand deals.
    pub(super) fn extras(
        &mut self,
        i: usize,
        day_start: i64,
        lb: i64,
        rooms: &Rooms,
        streams: &[StreamDay],
    ) {
        let u = self.users[i];
        if u.og_level > 0 && self.rng.chance(0.35) {
            let t = self.time(day_start, lb);
            let (id, doc) = self.tx_doc(
                t,
                i,
                "og_bonus",
                Bson::Int32(25 * u.og_level),
                "coins",
                "completed",
            );
            let metadata = doc! { "ogTier": u.og_level, "reason": "daily_bonus" };
            self.finish_tx((id, doc), t, metadata, i, true);
        }
        if rooms.total > 0.0 && self.rng.chance(0.01) {
            let s = rooms.pick(&mut self.rng);
            if let Some(t) = self.time_in(&streams[s], lb) {
                let coins = self.rng.range(1, 20) * 10;
                let (id, doc) =
                    self.tx_doc(t, i, "tip", Bson::Int32(coins as i32), "coins", "completed");
                let metadata = doc! { "recipientId": self.users[streams[s].host].id };
                self.finish_tx((id, doc), t, metadata, i, true);
            }
        }
        if u.host.is_none() {
            return;
        }
        if self.rng.chance(0.03) {
            let t = self.time(day_start, lb);
            let coins = self.rng.range(10, 200) * 100;
            let status = self
                .rng
                .pick(&[("completed", 60.0), ("pending", 30.0), ("failed", 10.0)]);
            let method = if self.rng.chance(0.6) {
                "esewa"
            } else {
                "khalti"
            };
            let (id, mut doc) =
                self.tx_doc(t, i, "withdrawal", Bson::Int64(coins), "coins", status);
            doc.insert("paymentMethod", method);
            doc.insert("fees", Bson::Int64(coins / 10));
            let metadata = doc! { "payoutAmount": coins / 2, "payoutCurrency": "NPR", "walletId": format!("FAKE-WALLET-{}", self.rng.hex(6)) };
            self.finish_tx((id, doc), t, metadata, i, true);
            if status == "completed" {
                let t = (t + self.rng.range(1_000, 60_000)).min(self.window_end_ms - 1);
                let (id, doc) = self.tx_doc(
                    t,
                    i,
                    "platform_fee",
                    Bson::Int64(coins / 10),
                    "coins",
                    "completed",
                );
                self.finish_tx((id, doc), t, doc! { "reason": "withdrawal_fee" }, i, true);
            }
        }
        if self.rng.chance(0.002) {
            let t = self.time(day_start, lb);
            let amount = self.rng.range(10, 100) * 500;
            let (id, doc) = self.tx_doc(
                t,
                i,
                "brand_deal",
                Bson::Int32(amount as i32),
                "NPR",
                "completed",
            );
            let brand = ["Wai Wai", "Ncell", "Gorkha Brewery", "Daraz"][self.rng.below(4) as usize];
            self.finish_tx((id, doc), t, doc! { "brand": brand }, i, true);
        }
    }

    pub(super) fn refunds_due(&mut self, d: i64, day_start: i64) {
        let (due, later): (Vec<PendingRefund>, Vec<PendingRefund>) =
            std::mem::take(&mut self.refunds)
                .into_iter()
                .partition(|r| r.day == d);
        self.refunds = later;
        for r in due {
            let t = self.time(day_start, day_start);
            let negative = self.rng.chance(0.5);
            let amount = match (&r.money, negative) {
                (Bson::Int32(v), true) => Bson::Int32(-v),
                (Bson::Double(v), true) => Bson::Double(-v),
                (other, _) => other.clone(),
            };
            let status = if self.rng.chance(0.95) {
                "completed"
            } else {
                "pending"
            };
            let (id, mut doc) = self.tx_doc(t, r.user, "refund", amount, r.currency, status);
            doc.insert(
                "paymentMethod",
                r.method
                    .map_or(Bson::Null, |m| Bson::String(m.name().to_owned())),
            );
            let reason = ["duplicate_charge", "coins_not_delivered", "user_request"]
                [self.rng.below(3) as usize];
            let metadata = doc! { "originalTransactionId": r.original, "reason": reason };
            self.finish_tx((id, doc), t, metadata, r.user, r.made);
        }
    }
}
