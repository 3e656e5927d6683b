//! The user base: every user's fixed traits, drawn once up front (signup day, country, activity and
//! lifetime, whether and how popular a host, spending and gaming propensities, an eventual ban), from which
//! each later day's behaviour follows; and the `users` documents, written on each user's signup day.

use bson::oid::ObjectId;
use bson::{doc, Bson};
use chrono::Days;

use super::random::weekday_factor;
use super::{date, Sim, DAY_MS};
use crate::model::Collection;

const COUNTRIES: [(Option<&str>, f64); 7] = [
    (Some("NP"), 70.0),
    (Some("IN"), 10.0),
    (Some("BD"), 6.0),
    (Some("US"), 4.0),
    (Some("AU"), 3.5),
    (Some("GB"), 3.5),
    (None, 3.0),
];

const FIRST_NAMES: [&str; 24] = [
    "aarav", "sita", "ram", "gita", "bikash", "anjali", "sunil", "puja", "rohan", "nisha", "kiran",
    "suman", "priya", "aayush", "sabina", "niraj", "asha", "dipesh", "manisha", "prakash", "rahul",
    "sneha", "arjun", "kabita",
];

#[derive(Debug, Clone, Copy)]
pub(super) struct Host {
    pub(super) stream_prob: f64,
    pub(super) popularity: f64,
}

/// One user's fixed traits.
#[derive(Debug, Clone, Copy)]
pub(super) struct UserState {
    pub(super) id: ObjectId,
    pub(super) signup_ms: i64,
    /// Day index of the signup relative to the first day (negative: before the window).
    pub(super) signup_day: i64,
    pub(super) country: Option<&'static str>,
    pub(super) activity: f64,
    /// First day index the user is no longer active (churn).
    pub(super) end_day: i64,
    pub(super) host: Option<Host>,
    pub(super) recharge_prob: f64,
    pub(super) og_prob: f64,
    pub(super) gift_prob: f64,
    pub(super) chat_prob: f64,
    pub(super) game_prob: f64,
    pub(super) og_level: i32,
    /// Day banned, and the day unbanned if ever.
    pub(super) ban: Option<(i64, Option<i64>)>,
}

impl UserState {
    pub(super) fn banned_on(&self, day: i64) -> bool {
        match self.ban {
            Some((from, until)) => day > from && until.is_none_or(|u| day < u),
            None => false,
        }
    }
}

impl<'s> Sim<'s> {
    pub(super) fn build_users(&mut self, count: u32) {
        let rng = &mut self.rng;
        let pre_window = (f64::from(count) * 0.35).round() as u32;
        // Signups in the window grow over time and follow the week.
        let mut signup_weights = Vec::with_capacity(self.days as usize);
        for d in 0..self.days {
            let date = self
                .start
                .checked_add_days(Days::new(d as u64))
                .unwrap_or(self.start);
            let trend = 1.0 + 1.5 * d as f64 / (self.days - 1).max(1) as f64;
            signup_weights.push(trend * weekday_factor(date));
        }
        let mut cumulative = Vec::with_capacity(signup_weights.len());
        let mut sum = 0.0;
        for w in &signup_weights {
            sum += w;
            cumulative.push(sum);
        }
        let mut users = Vec::with_capacity(count as usize);
        for i in 0..count {
            let signup_day = if i < pre_window {
                -rng.range(1, 366)
            } else {
                let u = rng.unit() * sum;
                cumulative
                    .partition_point(|c| *c <= u)
                    .min(cumulative.len() - 1) as i64
            };
            let signup_ms = self.start_ms + signup_day * DAY_MS + self.diurnal.offset(rng);
            let country = rng.pick(&COUNTRIES);
            let is_host = rng.chance(0.05);
            let payer = rng.chance(0.15);
            let mut activity =
                rng.piecewise(&[(0.03, 0.12, 35.0), (0.15, 0.45, 45.0), (0.5, 0.9, 20.0)]);
            let lifetime = if rng.chance(if is_host { 0.6 } else { 0.25 }) {
                i64::MAX / 4
            } else {
                // Many newcomers leave within days; the rest stay for weeks or months.
                rng.piecewise(&[(1.0, 3.0, 40.0), (3.0, 30.0, 30.0), (30.0, 180.0, 30.0)]) as i64
            };
            let host = if is_host {
                activity = activity.max(rng.uniform(0.5, 0.9));
                Some(Host {
                    stream_prob: rng.uniform(0.25, 0.75),
                    popularity: rng.piecewise(&[
                        (1.0, 3.0, 70.0),
                        (3.0, 15.0, 25.0),
                        (15.0, 60.0, 5.0),
                    ]),
                })
            } else {
                None
            };
            let gift_prob = if payer {
                rng.uniform(0.2, 0.6)
            } else if rng.chance(0.2) {
                rng.uniform(0.05, 0.2)
            } else {
                0.01
            };
            let game_prob = if rng.chance(0.25) {
                rng.uniform(0.1, 0.5)
            } else {
                0.01
            };
            let og_weights = if payer {
                [50.0, 15.0, 15.0, 10.0, 6.0, 4.0]
            } else {
                [92.0, 4.0, 2.0, 1.0, 0.6, 0.4]
            };
            let og_level = rng.weighted(&og_weights) as i32;
            let ban = if rng.chance(0.02) {
                let from = signup_day + rng.range(1, 60);
                let until = rng.chance(0.35).then(|| from + rng.range(2, 12));
                Some((from, until))
            } else {
                None
            };
            users.push(UserState {
                id: ObjectId::from_bytes([0; 12]),
                signup_ms,
                signup_day,
                country,
                activity,
                end_day: signup_day.saturating_add(lifetime.max(1)),
                host,
                recharge_prob: if payer { rng.uniform(0.2, 0.5) } else { 0.004 },
                og_prob: if payer { 0.01 } else { 0.0005 },
                gift_prob,
                chat_prob: rng.uniform(0.2, 0.8),
                game_prob,
                og_level,
                ban,
            });
        }
        users.sort_by_key(|u| u.signup_ms);
        for u in &mut users {
            u.id = self.out.ids.at(u.signup_ms);
        }
        self.users = users;
    }

    pub(super) fn user_doc(&mut self, i: usize) {
        let u = self.users[i];
        let rng = &mut self.rng;
        let first = FIRST_NAMES[rng.below(FIRST_NAMES.len() as u64) as usize];
        let username = match rng.below(3) {
            0 => format!("{first}{}", rng.range(1, 10_000)),
            1 => format!("{first}_{}", rng.hex(3)),
            _ => format!("{first}.{}", rng.range(70, 100)),
        };
        let is_banned = u
            .ban
            .is_some_and(|(from, until)| from < self.days && until.is_none_or(|t| t >= self.days));
        let mut doc = doc! {
            "_id": u.id,
            "username": &username,
            "displayName": format!("{}{}", first[..1].to_uppercase(), &first[1..]),
            "email": format!("{username}@example.invalid"),
            "phone": format!("+977-9800-FAKE-{:04}", i % 10_000),
            "passwordHash": format!("$2b$10$FAKEHASHFORTESTSONLY{}", rng.hex(31)),
        };
        if let Some(c) = u.country {
            doc.insert("country", c);
        }
        doc.insert("ogLevel", u.og_level);
        doc.insert("isBanned", is_banned);
        doc.insert("isVerified", rng.chance(0.6));
        doc.insert(
            "followers",
            rng.range(0, if u.host.is_some() { 20_000 } else { 300 }) as i32,
        );
        doc.insert("coins", rng.range(0, 5_000) as i32);
        if rng.chance(0.1) {
            doc.insert(
                "totpSecret",
                format!("FAKETOTP{}", rng.hex(12).to_uppercase()),
            );
        }
        doc.insert(
            "deviceTokens",
            vec![Bson::String(format!("fake-fcm-token-{}", rng.hex(20)))],
        );
        doc.insert("createdAt", date(u.signup_ms));
        doc.insert("updatedAt", date(u.signup_ms));
        self.push(Collection::Users, u.id, doc);
    }
}
