//! Hand-written documents for the push-down equality tests: per collection, valid documents in every
//! form the decoder accepts (and some the server cannot judge, which must travel to the engine) and
//! invalid ones, all on one day. Documents holding a Decimal128 or a NaN are not here: FerretDB stores
//! neither.

use bson::oid::ObjectId;
use bson::{doc, Bson, Document};
use chrono::{DateTime, Duration, Utc};
use halobuzz_analytics::Collection;

/// Users the edge documents refer to: with a country, with an unknown code, without one; plus an id
/// with no `users` document at all.
pub fn user(i: u8) -> ObjectId {
    ObjectId::from_bytes([0xee, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, i])
}

fn id(collection: Collection, i: u16) -> ObjectId {
    let c = Collection::ALL
        .iter()
        .position(|x| *x == collection)
        .unwrap_or(0) as u8;
    let [hi, lo] = i.to_be_bytes();
    ObjectId::from_bytes([0xed, c, 0, 0, 0, 0, 0, 0, 0, 0, hi, lo])
}

fn at(day_start: DateTime<Utc>, minutes: i64) -> Bson {
    Bson::DateTime(bson::DateTime::from_chrono(
        day_start + Duration::minutes(minutes),
    ))
}

/// The edge users (created on the day).
pub fn users(day: DateTime<Utc>) -> Vec<Document> {
    vec![
        doc! { "_id": user(1), "createdAt": at(day, 1), "country": "NP", "username": "edge1" },
        doc! { "_id": user(2), "createdAt": at(day, 2), "country": " in ", "ogLevel": 3, "isBanned": false },
        doc! { "_id": user(3), "createdAt": at(day, 3) },
        doc! { "_id": user(5), "createdAt": at(day, 4), "country": "QQ", "ogLevel": 2.0 },
        doc! { "_id": user(6), "createdAt": at(day, 5), "country": "", "isBanned": Bson::Null },
        // Invalid: each for one field.
        doc! { "_id": user(7), "createdAt": "2026-04-01" },
        doc! { "_id": user(8), "createdAt": at(day, 6), "ogLevel": 7 },
        doc! { "_id": user(9), "createdAt": at(day, 7), "isBanned": "yes" },
        doc! { "_id": user(10), "createdAt": at(day, 8), "username": 5 },
        doc! { "_id": user(11), "createdAt": at(day, 9), "country": ["NP"] },
        doc! { "_id": user(12), "createdAt": [at(day, 10)] },
    ]
}

/// The edge documents of `collection` on the day starting at `day` (users: see [`users`]).
pub fn documents(collection: Collection, day: DateTime<Utc>) -> Vec<Document> {
    let docs = match collection {
        Collection::Users => return users(day),
        Collection::Transactions => transactions(day),
        Collection::Livestreams => livestreams(day),
        Collection::Messages => messages(day),
        Collection::Gamestakes => stakes(day),
        Collection::Moderationflags => flags(day),
        Collection::Analyticsevents => events(day),
        Collection::Gamerounds => Vec::new(),
    };
    docs.into_iter()
        .enumerate()
        .map(|(i, mut d)| {
            d.insert("_id", id(collection, i as u16));
            d
        })
        .collect()
}

fn transactions(day: DateTime<Utc>) -> Vec<Document> {
    let (u1, u2, u3, u4) = (user(1), user(2), user(3), user(4));
    let t = |m| at(day, m);
    vec![
        // Two recharges of one user and kind: one group, exact sums.
        doc! { "userId": u1, "type": "recharge", "amount": 500, "currency": "NPR", "status": "completed", "paymentMethod": "esewa", "createdAt": t(10) },
        doc! { "userId": u1, "type": "recharge", "amount": Bson::Int64(1500), "currency": "NPR", "status": "completed", "paymentMethod": "esewa", "fees": 0, "createdAt": t(11) },
        // USD as a double: travels (the decoder reads it at its shortest form, 9.99).
        doc! { "userId": u2, "type": "recharge", "amount": 9.99, "currency": "USD", "status": "completed", "paymentMethod": "stripe", "createdAt": t(12) },
        doc! { "userId": u2, "type": "recharge", "amount": 0.1, "currency": "USD", "status": "completed", "paymentMethod": "stripe", "createdAt": t(13) },
        // Coins bought, money in metadata; with and without the money; a double amountPaid.
        doc! { "userId": u3, "type": "recharge", "amount": 1000, "currency": "coins", "status": "completed", "metadata": { "amountPaid": 130, "currency": "NPR", "country": "np" }, "createdAt": t(14) },
        doc! { "userId": u3, "type": "recharge", "amount": 1000, "currency": "coins", "status": "completed", "metadata": { "currency": "NPR" }, "createdAt": t(15) },
        doc! { "userId": u3, "type": "recharge", "amount": 100, "currency": "coins", "status": "completed", "metadata": { "amountPaid": 1.3, "currency": "USD" }, "createdAt": t(16) },
        // OG purchases: tiers as int, double, out of range, text, absent.
        doc! { "userId": u1, "type": "og_subscription", "amount": 0, "currency": "coins", "status": "completed", "paymentMethod": "khalti", "metadata": { "amountPaid": 999, "currency": "NPR", "ogTier": 2 }, "createdAt": t(17) },
        doc! { "userId": u1, "type": "og_subscription", "amount": 0, "currency": "coins", "status": "completed", "paymentMethod": "khalti", "metadata": { "amountPaid": 999, "currency": "NPR", "ogTier": 2.0 }, "createdAt": t(18) },
        doc! { "userId": u2, "type": "subscription", "amount": 2999, "currency": "NPR", "status": "completed", "metadata": { "ogTier": 7 }, "createdAt": t(19) },
        doc! { "userId": u2, "type": "og_subscription", "amount": 10, "currency": "USD", "status": "completed", "metadata": { "ogTier": "gold", "country": "QQ" }, "createdAt": t(20) },
        doc! { "userId": u4, "type": "og_subscription", "amount": 100, "currency": "NPR", "status": "completed", "createdAt": t(21) },
        // Refunds, positive and negative (travels: only non-negative amounts are summed).
        doc! { "userId": u1, "type": "refund", "amount": 200, "currency": "NPR", "status": "completed", "paymentMethod": "esewa", "createdAt": t(22) },
        doc! { "userId": u1, "type": "refund", "amount": -300, "currency": "NPR", "status": "completed", "paymentMethod": "esewa", "createdAt": t(23) },
        doc! { "userId": u3, "type": "refund", "amount": 50, "currency": "coins", "status": "completed", "metadata": { "amountPaid": -6.5, "currency": "NPR" }, "createdAt": t(24) },
        // Gifts, fees, platform fees; a stream id as text and as an ObjectId.
        doc! { "userId": u2, "type": "gift_sent", "amount": 100, "currency": "coins", "status": "completed", "fees": 30, "metadata": { "streamId": ObjectId::new() }, "createdAt": t(25) },
        doc! { "userId": u2, "type": "gift_sent", "amount": 100, "currency": "coins", "status": "completed", "fees": Bson::Int64(30), "metadata": { "streamId": "stream-7" }, "createdAt": t(26) },
        doc! { "userId": u2, "type": "gift_sent", "amount": 50, "currency": "coins", "status": "completed", "fees": 15.0, "createdAt": t(27) },
        doc! { "userId": u1, "type": "gift_received", "amount": 70, "currency": "coins", "status": "completed", "createdAt": t(28) },
        doc! { "userId": u1, "type": "platform_fee", "amount": 12, "currency": "coins", "status": "completed", "createdAt": t(29) },
        doc! { "userId": u1, "type": "withdrawal", "amount": 5000, "currency": "coins", "status": "completed", "fees": 500, "createdAt": t(30) },
        // Not completed: counts nowhere, valid or not.
        doc! { "userId": u1, "type": "recharge", "amount": 100, "currency": "NPR", "status": "pending", "createdAt": t(31) },
        doc! { "userId": u1, "type": "recharge", "amount": -1, "currency": "NPR", "status": "failed", "createdAt": t(32) },
        // A parent that is no document: read as absent by a projected find, so it travels.
        doc! { "userId": u3, "type": "recharge", "amount": 300, "currency": "NPR", "status": "completed", "metadata": "x", "createdAt": t(33) },
        // Invalid, one field each.
        doc! { "userId": u1, "type": "recharge", "amount": 100, "currency": "NPR", "status": "completed", "paymentMethod": "cash", "createdAt": t(34) },
        doc! { "userId": u1, "type": "recharge", "amount": 100, "currency": "NPR", "status": ["completed"], "createdAt": t(35) },
        doc! { "userId": u1, "type": "recharge", "amount": 100, "currency": "NPR", "status": "completed", "metadata": [{ "country": "NP" }], "createdAt": t(36) },
        doc! { "userId": u1, "type": "recharge", "amount": Bson::Int64(1_000_000_000_001), "currency": "NPR", "status": "completed", "createdAt": t(37) },
        doc! { "userId": u1, "type": "recharge", "amount": "100", "currency": "NPR", "status": "completed", "createdAt": t(38) },
        doc! { "userId": u1, "type": "tip", "amount": 10, "currency": "NPR", "status": "completed", "fees": -1, "createdAt": t(39) },
        doc! { "userId": "u1", "type": "recharge", "amount": 100, "currency": "NPR", "status": "completed", "createdAt": t(40) },
        doc! { "userId": u1, "type": "recharge", "amount": 100, "currency": "NPR", "status": "completed", "metadata": { "ogTier": 1, "streamId": 5 }, "createdAt": t(41) },
        doc! { "userId": u1, "type": "recharge", "amount": 100, "currency": "NPR", "status": "completed", "metadata": { "country": 7 }, "createdAt": t(42) },
        // A valid amount written as a whole double: read as the integer, travels.
        doc! { "userId": u2, "type": "recharge", "amount": 250.0, "currency": "NPR", "status": "completed", "paymentMethod": "paypal", "createdAt": t(43) },
    ]
}

fn livestreams(day: DateTime<Utc>) -> Vec<Document> {
    let (u1, u2, u3, u4) = (user(1), user(2), user(3), user(4));
    let t = |m| at(day, m);
    vec![
        doc! { "hostId": u1, "status": "ended", "duration": 600, "totalViewers": 40, "totalCoins": 550, "startedAt": t(10), "endedAt": t(20), "country": "NP", "createdAt": t(10) },
        doc! { "hostId": u1, "status": "ended", "duration": 300, "totalViewers": 3, "totalCoins": 0, "peakViewers": 2, "endedAt": Bson::Null, "createdAt": t(30) },
        doc! { "hostId": u2, "status": "live", "duration": 12.5, "totalViewers": 7, "totalCoins": 10, "createdAt": t(31) },
        doc! { "hostId": u2, "status": "live", "duration": 10, "totalViewers": 5.0, "totalCoins": 10, "createdAt": t(32) },
        doc! { "hostId": u3, "status": "banned", "duration": 10, "totalViewers": 5, "totalCoins": 10, "peakViewers": 3.0, "country": "qq", "createdAt": t(33) },
        doc! { "hostId": u4, "status": "preparing", "duration": 0, "totalViewers": 0, "totalCoins": Bson::Int64(7), "totalLikes": Bson::Int64(9), "createdAt": t(34) },
        // Invalid, one field each.
        doc! { "hostId": u1, "status": "paused", "duration": 1, "totalViewers": 1, "totalCoins": 1, "createdAt": t(35) },
        doc! { "hostId": u1, "status": "live", "duration": 1, "totalViewers": 2.5, "totalCoins": 1, "createdAt": t(36) },
        doc! { "hostId": u1, "status": "live", "duration": 1, "totalViewers": 1, "totalCoins": 1, "peakViewers": -1, "createdAt": t(37) },
        doc! { "hostId": u1, "status": "live", "duration": 1, "totalViewers": 1, "totalCoins": 1, "startedAt": "yesterday", "createdAt": t(38) },
        doc! { "hostId": u1, "status": "live", "duration": -1, "totalViewers": 1, "totalCoins": 1, "createdAt": t(39) },
        doc! { "hostId": u1, "status": "live", "duration": 40_000_000, "totalViewers": 1, "totalCoins": 1, "createdAt": t(40) },
        doc! { "hostId": u1, "status": "live", "totalViewers": 1, "totalCoins": 1, "createdAt": t(41) },
        doc! { "hostId": u1, "status": "live", "duration": 1, "totalViewers": 1, "totalCoins": 1, "country": ["NP"], "createdAt": t(42) },
    ]
}

fn messages(day: DateTime<Utc>) -> Vec<Document> {
    let (u1, u2, u4) = (user(1), user(2), user(4));
    let room = ObjectId::from_bytes([0xec; 12]);
    let t = |m| at(day, m);
    vec![
        doc! { "userId": u1, "roomId": room, "createdAt": t(10) },
        doc! { "userId": u1, "roomId": room, "isDeleted": false, "createdAt": t(11) },
        doc! { "userId": u1, "roomId": room, "isDeleted": true, "createdAt": t(12) },
        doc! { "userId": u2, "roomId": room, "isDeleted": Bson::Null, "createdAt": t(13) },
        doc! { "userId": u4, "roomId": room, "createdAt": t(14) },
        // Invalid.
        doc! { "userId": u1, "roomId": room, "isDeleted": "yes", "createdAt": t(15) },
        doc! { "userId": u1, "roomId": room, "isDeleted": [true], "createdAt": t(16) },
        doc! { "userId": u1, "roomId": "room", "createdAt": t(17) },
        doc! { "roomId": room, "createdAt": t(18) },
        doc! { "userId": [u1], "roomId": room, "createdAt": t(19) },
    ]
}

fn stakes(day: DateTime<Utc>) -> Vec<Document> {
    let (u1, u2, u3, u4) = (user(1), user(2), user(3), user(4));
    let t = |m| at(day, m);
    vec![
        // Rounds of the generated games (`crash-<slot>`), and one no `gamerounds` document has.
        doc! { "userId": u1, "roundId": "crash-1", "stakeAmount": 10, "winAmount": 0, "result": "lost", "createdAt": t(10) },
        doc! { "userId": u1, "roundId": "crash-1", "stakeAmount": 20, "winAmount": 50, "result": "won", "createdAt": t(11) },
        doc! { "userId": u2, "roundId": "crash-1", "stakeAmount": 5, "winAmount": 0, "result": "pending", "metadata": { "country": " in " }, "createdAt": t(12) },
        doc! { "userId": u3, "roundId": "no-such-round", "stakeAmount": 5, "winAmount": 7, "result": "won", "gameId": ObjectId::new(), "createdAt": t(13) },
        doc! { "userId": u4, "roundId": "crash-2", "stakeAmount": 10.5, "winAmount": 0, "result": "lost", "createdAt": t(14) },
        doc! { "userId": u4, "roundId": "crash-2", "stakeAmount": 1, "winAmount": 2.0, "result": "won", "metadata": { "country": "QQ" }, "createdAt": t(15) },
        // Invalid.
        doc! { "userId": u1, "roundId": "crash-1", "stakeAmount": 10, "winAmount": -1, "result": "won", "createdAt": t(16) },
        doc! { "userId": u1, "roundId": "crash-1", "stakeAmount": 10, "winAmount": 0, "result": "draw", "createdAt": t(17) },
        doc! { "userId": u1, "roundId": 5, "stakeAmount": 10, "winAmount": 0, "result": "lost", "createdAt": t(18) },
        doc! { "userId": u1, "roundId": "crash-1", "stakeAmount": 10, "winAmount": 0, "result": "lost", "gameId": "g", "createdAt": t(19) },
        // A parent that is no document: absent for a projected find (valid there), so it travels.
        doc! { "userId": u1, "roundId": "crash-1", "stakeAmount": 10, "winAmount": 0, "result": "lost", "metadata": 3, "createdAt": t(20) },
    ]
}

fn flags(day: DateTime<Utc>) -> Vec<Document> {
    let (u1, u2, u3, u4) = (user(1), user(2), user(3), user(4));
    let t = |m| at(day, m);
    vec![
        doc! { "userId": u1, "contentType": "text", "action": "warn", "status": "reviewed", "reviewedAt": t(100), "createdAt": t(10) },
        doc! { "userId": u1, "contentType": "image", "action": "block", "status": "resolved", "reviewedAt": t(101), "metadata": { "country": "IN" }, "createdAt": t(11) },
        doc! { "userId": u2, "contentType": "video", "action": "allow", "status": "pending", "reviewedAt": Bson::Null, "createdAt": t(12) },
        doc! { "userId": u3, "contentType": "stream", "action": "review", "status": "flagged", "createdAt": t(13) },
        doc! { "userId": u4, "contentType": "profile", "action": "review", "status": "reviewed", "reviewedAt": t(102), "createdAt": t(14) },
        // Reviewed today, created before the day.
        doc! { "userId": u2, "contentType": "text", "action": "warn", "status": "resolved", "reviewedAt": t(103), "createdAt": at(day, -3000) },
        // Reviewed but not an appeal (status), and a review date in the future.
        doc! { "userId": u2, "contentType": "text", "action": "warn", "status": "flagged", "reviewedAt": t(104), "createdAt": t(15) },
        // Invalid.
        doc! { "userId": u1, "contentType": "audio", "action": "warn", "status": "reviewed", "reviewedAt": t(105), "createdAt": t(16) },
        doc! { "userId": u1, "contentType": "text", "action": "warn", "status": "reviewed", "reviewedAt": "today", "createdAt": t(17) },
        doc! { "userId": u1, "contentType": "text", "action": "warn", "status": "reviewed", "reviewedAt": t(106), "createdAt": "x" },
        doc! { "userId": u1, "contentType": "text", "action": ["warn"], "status": "reviewed", "createdAt": t(18) },
    ]
}

fn events(day: DateTime<Utc>) -> Vec<Document> {
    let (u1, u2, u3, u4) = (user(1), user(2), user(3), user(4));
    let t = |m| at(day, m);
    vec![
        doc! { "userId": u1, "eventType": "user_action", "eventName": "session_start", "sessionId": "s1", "timestamp": t(10) },
        doc! { "userId": u1, "eventType": "user_action", "eventName": "session_end", "sessionId": "s1", "properties": { "durationSec": 600 }, "timestamp": t(20) },
        doc! { "userId": u1, "eventType": "user_action", "eventName": "session_end", "properties": { "durationSec": Bson::Int64(60) }, "timestamp": t(21) },
        doc! { "userId": u2, "eventType": "user_action", "eventName": "session_end", "properties": { "durationSec": 90.5 }, "location": { "country": "in" }, "timestamp": t(22) },
        doc! { "userId": u2, "eventType": "user_action", "eventName": "battle_joined", "properties": { "durationSec": 3 }, "timestamp": t(23) },
        doc! { "userId": u3, "eventType": "security_event", "eventName": "user_banned", "location": { "country": "NP" }, "timestamp": t(24) },
        doc! { "userId": Bson::Null, "eventType": "system_event", "eventName": "cron", "timestamp": t(25) },
        doc! { "eventType": "error_event", "eventName": "crash", "location": { "country": "QQ" }, "timestamp": t(26) },
        doc! { "userId": u4, "eventType": "business_event", "eventName": "product_view", "properties": { "durationSec": 1.5 }, "timestamp": t(27) },
        // `properties` that is no document: read as absent by a projected find, so it travels.
        doc! { "userId": u1, "eventType": "user_action", "eventName": "tap", "properties": "x", "timestamp": t(28) },
        // Invalid.
        doc! { "userId": u1, "eventType": "user_action", "eventName": "session_end", "timestamp": t(29) },
        doc! { "userId": u1, "eventType": "user_action", "eventName": "session_end", "properties": { "durationSec": "10" }, "timestamp": t(30) },
        doc! { "userId": u1, "eventType": "user_action", "eventName": "session_end", "properties": { "durationSec": -5 }, "timestamp": t(31) },
        doc! { "userId": "u1", "eventType": "user_action", "eventName": "tap", "timestamp": t(32) },
        doc! { "userId": u1, "eventType": "click", "eventName": "tap", "timestamp": t(33) },
        doc! { "userId": u1, "eventType": "user_action", "eventName": 7, "timestamp": t(34) },
        doc! { "userId": u1, "eventType": "user_action", "eventName": "tap", "location": [{ "country": "NP" }], "timestamp": t(35) },
        doc! { "userId": u1, "eventType": "user_action", "eventName": "tap", "sessionId": 9, "timestamp": t(36) },
    ]
}
