//! The simulation: users with propensities and lifetimes, hosts streaming, viewers chatting, gifting,
//! topping up and playing, moderation and events, generated day by day.
//!
//! Only basic IEEE arithmetic on values drawn from a ChaCha8 stream is used (no `ln`, `exp` or `powf`,
//! whose last bits may differ between platforms), so the output is the same everywhere.

use std::collections::BTreeMap;

use bson::oid::ObjectId;
use bson::{doc, Bson, DateTime, Document};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::emit::{Emitter, IdGen};
use super::{GenerationManifest, GeneratorConfig};
use crate::model::Collection;
use crate::store::DocumentSink;
use crate::Result;

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// A seeded random stream with the few portable draws the simulation needs.
struct Rand(ChaCha8Rng);

impl Rand {
    fn seeded(seed: u64) -> Self {
        Rand(ChaCha8Rng::seed_from_u64(seed))
    }

    fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in [0, n) (0 when n is 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform integer in [lo, hi) (`lo` when the range is empty).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below(hi.abs_diff(lo)) as i64
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut u = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if u < *w {
                return i;
            }
            u -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// An item drawn with the weights next to them.
    fn pick<T: Copy>(&mut self, items: &[(T, f64)]) -> T {
        let mut u = self.unit() * items.iter().map(|(_, w)| w).sum::<f64>();
        for (item, w) in items {
            if u < *w {
                return *item;
            }
            u -= w;
        }
        items[items.len() - 1].0
    }

    /// A value from a piecewise-uniform distribution: `(lo, hi, weight)` pieces.
    fn piecewise(&mut self, pieces: &[(f64, f64, f64)]) -> f64 {
        let mut u = self.unit() * pieces.iter().map(|p| p.2).sum::<f64>();
        for &(lo, hi, w) in pieces {
            if u < w {
                return self.uniform(lo, hi);
            }
            u -= w;
        }
        let (lo, hi, _) = pieces[pieces.len() - 1];
        self.uniform(lo, hi)
    }

    fn hex(&mut self, digits: usize) -> String {
        let mut s = format!("{:016x}{:016x}", self.u64(), self.u64());
        s.truncate(digits.min(32));
        s
    }
}

/// The time-of-day distribution: the platform is mostly in Nepal (UTC+5:45), with an evening peak.
/// Quarter-hour buckets of the UTC day, weighted by the Nepal local hour they fall in.
struct Diurnal {
    cumulative: [f64; 96],
}

/// Relative activity by Nepal local hour 0–23.
const LOCAL_HOUR_WEIGHT: [f64; 24] = [
    0.55, 0.3, 0.18, 0.12, 0.12, 0.18, 0.35, 0.6, 0.8, 0.9, 0.95, 1.0, 1.1, 1.05, 1.0, 1.0, 1.1,
    1.3, 1.6, 2.0, 2.35, 2.4, 1.9, 1.1,
];

impl Diurnal {
    fn new() -> Self {
        let mut cumulative = [0.0; 96];
        let mut sum = 0.0;
        for (bucket, c) in cumulative.iter_mut().enumerate() {
            let local_minute = (bucket * 15 + 345) % 1440;
            sum += LOCAL_HOUR_WEIGHT[local_minute / 60];
            *c = sum;
        }
        Diurnal { cumulative }
    }

    /// A millisecond offset into the UTC day.
    fn offset(&self, rng: &mut Rand) -> i64 {
        let u = rng.unit() * self.cumulative[95];
        let bucket = self.cumulative.partition_point(|c| *c <= u).min(95) as i64;
        bucket * 900_000 + rng.range(0, 900_000)
    }
}

/// Day-of-week activity (Monday first): weekends (Saturday is Nepal's day off) are busier.
fn weekday_factor(date: NaiveDate) -> f64 {
    match date.weekday() {
        Weekday::Mon => 0.94,
        Weekday::Tue => 0.92,
        Weekday::Wed => 0.95,
        Weekday::Thu => 0.98,
        Weekday::Fri => 1.06,
        Weekday::Sat => 1.28,
        Weekday::Sun => 1.18,
    }
}

const COUNTRIES: [(Option<&str>, f64); 7] = [
    (Some("NP"), 70.0),
    (Some("IN"), 10.0),
    (Some("BD"), 6.0),
    (Some("US"), 4.0),
    (Some("AU"), 3.5),
    (Some("GB"), 3.5),
    (None, 3.0),
];

/// Countries a transaction or stream may be recorded in when it is not the user's own.
const OTHER_COUNTRIES: [&str; 10] = ["NP", "IN", "BD", "US", "AU", "GB", "AE", "MY", "QA", "JP"];

const FIRST_NAMES: [&str; 24] = [
    "aarav", "sita", "ram", "gita", "bikash", "anjali", "sunil", "puja", "rohan", "nisha", "kiran",
    "suman", "priya", "aayush", "sabina", "niraj", "asha", "dipesh", "manisha", "prakash", "rahul",
    "sneha", "arjun", "kabita",
];

const CHAT_LINES: [&str; 12] = [
    "hello from pokhara",
    "namaste!",
    "love this song",
    "🔥🔥🔥",
    "where are you from?",
    "so cool",
    "haha",
    "please play it again",
    "good evening everyone",
    "first time here",
    "❤️",
    "sending a rose",
];

const TITLES: [&str; 5] = ["Evening", "Music", "Chill", "Late night", "Talk"];
const CATEGORIES: [&str; 5] = ["music", "chat", "gaming", "dance", "talk"];
const FLAG_REASONS: [&str; 5] = ["spam", "harassment", "nudity", "violence", "scam"];

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

/// Games: (code, round slot in seconds).
const GAMES: [(&str, i64); 3] = [("wheel", 60), ("teenpatti", 90), ("dice", 45)];

#[derive(Debug, Clone, Copy)]
struct Host {
    stream_prob: f64,
    popularity: f64,
}

/// One user's fixed traits.
#[derive(Debug, Clone, Copy)]
struct UserState {
    id: ObjectId,
    signup_ms: i64,
    /// Day index of the signup relative to the first day (negative: before the window).
    signup_day: i64,
    country: Option<&'static str>,
    activity: f64,
    /// First day index the user is no longer active (churn).
    end_day: i64,
    host: Option<Host>,
    recharge_prob: f64,
    og_prob: f64,
    gift_prob: f64,
    chat_prob: f64,
    game_prob: f64,
    og_level: i32,
    /// Day banned, and the day unbanned if ever.
    ban: Option<(i64, Option<i64>)>,
}

impl UserState {
    fn banned_on(&self, day: i64) -> bool {
        match self.ban {
            Some((from, until)) => day > from && until.is_none_or(|u| day < u),
            None => false,
        }
    }
}

/// A stream of the current day.
struct StreamDay {
    id: ObjectId,
    host: usize,
    created: i64,
    started: Option<i64>,
    duration_s: i64,
    status: &'static str,
    country: Option<&'static str>,
    base_viewers: i64,
    participants: i64,
    gifts: i64,
    coins: i64,
    comments: i64,
}

impl StreamDay {
    /// The instants viewers can interact in, if the stream went live.
    fn window(&self) -> Option<(i64, i64)> {
        self.started.map(|s| (s, s + self.duration_s * 1000))
    }
}

/// A refund scheduled for a later day.
struct PendingRefund {
    day: i64,
    user: usize,
    original: ObjectId,
    money: Bson,
    currency: &'static str,
    method: Option<Method>,
    /// False when the original was not made (revenue drop): the refund is then not made either.
    made: bool,
}

/// A game round of the current day.
struct RoundDay {
    id: ObjectId,
    duration_ms: i64,
}

/// The generation in progress.
struct Sim<'s> {
    days: i64,
    start: NaiveDate,
    start_ms: i64,
    /// The end of the last day: no review is dated after it.
    window_end_ms: i64,
    drop: Option<(i64, i64, f64)>,
    rng: Rand,
    drop_rng: Rand,
    out: Emitter<'s>,
    diurnal: Diurnal,
    users: Vec<UserState>,
    next_user: usize,
    games: [ObjectId; 3],
    refunds: Vec<PendingRefund>,
    flag_spikes: Vec<bool>,
    error_spikes: Vec<bool>,
    buffers: [Vec<(ObjectId, Document)>; 8],
}

fn millis(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .map_or(0, |d| d.and_utc().timestamp_millis())
}

fn date(ms: i64) -> Bson {
    Bson::DateTime(DateTime::from_millis(ms))
}

fn slot(collection: Collection) -> usize {
    Collection::ALL
        .iter()
        .position(|c| *c == collection)
        .unwrap_or_default()
}

/// An amount as the writers store it: an int when whole, else a double.
fn number(tenths: i64) -> Bson {
    if tenths % 10 == 0 {
        Bson::Int32(i32::try_from(tenths / 10).unwrap_or(i32::MAX))
    } else {
        Bson::Double(tenths as f64 / 10.0)
    }
}

/// Runs the whole generation.
pub(crate) fn run(
    config: &GeneratorConfig,
    sink: &mut dyn DocumentSink,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<GenerationManifest> {
    let mut sim = Sim::new(config, sink);
    for day in 0..config.days {
        sim.day(i64::from(day))?;
        progress(day + 1, config.days);
    }
    Ok(GenerationManifest {
        seed: config.seed,
        users: config.users,
        days: config.days,
        start: config.start_date(),
        end: config.end_date(),
        revenue_drop: config.revenue_drop,
        collections: sim.out.manifest(),
    })
}

impl<'s> Sim<'s> {
    fn new(config: &GeneratorConfig, sink: &'s mut dyn DocumentSink) -> Self {
        let mut rng = Rand::seeded(config.seed);
        let drop_rng = Rand::seeded(config.seed ^ 0x5EED_D809_D809_5EED);
        let ids = IdGen::new(rng.u64());
        let start = config.start_date();
        let start_ms = millis(start);
        let days = i64::from(config.days);
        // The drop covers the drop day of the reporting zone (Australia/Sydney), so a daily report shows it
        // whole; a UTC day would split it across two reporting days.
        let drop = config.revenue_drop.map(|d| {
            let day = crate::calendar::Calendar::default().day_range(d.day);
            (
                day.start.timestamp_millis(),
                day.end.timestamp_millis(),
                d.pct / 100.0,
            )
        });
        let mut sim = Sim {
            days,
            start,
            start_ms,
            window_end_ms: start_ms + days * DAY_MS,
            drop,
            rng,
            drop_rng,
            out: Emitter::new(sink, ids, config.invalid_rate, config.duplicate_rate),
            diurnal: Diurnal::new(),
            users: Vec::new(),
            next_user: 0,
            games: [ObjectId::from_bytes([0; 12]); 3],
            refunds: Vec::new(),
            flag_spikes: Vec::new(),
            error_spikes: Vec::new(),
            buffers: Default::default(),
        };
        let games_created = start_ms - 400 * DAY_MS;
        for (g, id) in sim.games.iter_mut().enumerate() {
            *id = sim.out.ids.at(games_created + g as i64 * 1000);
        }
        sim.build_users(config.users);
        sim.flag_spikes = sim.spike_days();
        sim.error_spikes = sim.spike_days();
        sim
    }

    /// Days with a burst hour: about one in 25 at random, plus one forced in the middle third of a window
    /// of two weeks or more.
    fn spike_days(&mut self) -> Vec<bool> {
        let mut spikes: Vec<bool> = (0..self.days).map(|_| self.rng.chance(0.04)).collect();
        if self.days >= 14 {
            let forced = self.rng.range(self.days / 3, 2 * self.days / 3);
            if let Some(s) = spikes.get_mut(forced as usize) {
                *s = true;
            }
        }
        spikes
    }

    fn date_of(&self, day: i64) -> NaiveDate {
        self.start
            .checked_add_days(Days::new(day.max(0) as u64))
            .unwrap_or(self.start)
    }

    fn build_users(&mut self, count: u32) {
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

    fn push(&mut self, collection: Collection, id: ObjectId, doc: Document) {
        self.buffers[slot(collection)].push((id, doc));
    }

    /// A time on the day starting at `day_start`, not before `lb`.
    fn time(&mut self, day_start: i64, lb: i64) -> i64 {
        let t = day_start + self.diurnal.offset(&mut self.rng);
        if t >= lb {
            t
        } else {
            self.rng.range(lb, day_start + DAY_MS)
        }
    }

    /// The user's own country, sometimes recorded on a document; occasionally a different one.
    fn own_country(&mut self, user: usize, share: f64) -> Option<&'static str> {
        if !self.rng.chance(share) {
            return None;
        }
        if self.rng.chance(0.08) {
            return Some(OTHER_COUNTRIES[self.rng.below(OTHER_COUNTRIES.len() as u64) as usize]);
        }
        self.users[user].country
    }

    fn day(&mut self, d: i64) -> Result<()> {
        let day_start = self.start_ms + d * DAY_MS;
        let day_end = day_start + DAY_MS;
        let date = self.date_of(d);
        let wf = weekday_factor(date);
        let trend = 0.9 + 0.2 * d as f64 / (self.days - 1).max(1) as f64;

        // Signups of the day (on the first day, also everyone who signed up before the window).
        while self.next_user < self.users.len() && self.users[self.next_user].signup_ms < day_end {
            self.user_doc(self.next_user);
            self.next_user += 1;
        }

        // Who is active today, and bans.
        let mut active: Vec<(usize, i64)> = Vec::new();
        for i in 0..self.next_user {
            let u = self.users[i];
            if let Some((from, until)) = u.ban {
                if from == d {
                    self.ban_events(i, day_start, true);
                } else if until == Some(d) {
                    self.ban_events(i, day_start, false);
                }
            }
            if u.signup_day == d {
                if self.rng.chance(0.85) {
                    active.push((i, u.signup_ms));
                }
                continue;
            }
            if d >= u.end_day || u.banned_on(d) {
                continue;
            }
            if self.rng.chance((u.activity * wf * trend).min(0.98)) {
                active.push((i, day_start));
            }
        }

        // Streams of active hosts.
        let mut streams: Vec<StreamDay> = Vec::new();
        for &(i, lb) in &active {
            let Some(host) = self.users[i].host else {
                continue;
            };
            if !self.rng.chance((host.stream_prob * wf).min(0.95)) {
                continue;
            }
            let n = 1 + i64::from(self.rng.chance(0.15));
            for _ in 0..n {
                let s = self.new_stream(i, host, day_start, lb, d == self.days - 1);
                streams.push(s);
            }
        }
        let weights: Vec<f64> = streams
            .iter()
            .map(|s| {
                if s.started.is_some() {
                    self.users[s.host].host.map_or(1.0, |h| h.popularity)
                        * (s.duration_s as f64 / 3600.0 + 0.2)
                } else {
                    0.0
                }
            })
            .collect();
        let mut cumulative = Vec::with_capacity(weights.len());
        let mut sum = 0.0;
        for w in &weights {
            sum += w;
            cumulative.push(sum);
        }
        let rooms = Rooms {
            cumulative,
            total: sum,
        };

        let mut rounds: BTreeMap<(usize, i64), RoundDay> = BTreeMap::new();
        for &(i, lb) in &active {
            self.sessions(i, day_start, lb);
            self.chat(i, lb, &rooms, &mut streams);
            self.gifts(i, lb, &rooms, &mut streams);
            self.payments(i, d, day_start, lb, wf);
            self.extras(i, day_start, lb, &rooms, &streams);
            self.games(i, day_start, lb, wf, &mut rounds);
            self.product_events(i, day_start, lb);
        }

        self.moderation(d, day_start, &active);
        self.errors(d, day_start, &active);
        self.refunds_due(d, day_start);

        for s in streams {
            self.stream_doc(s);
        }
        for ((g, slot_index), round) in rounds {
            self.round_doc(g, slot_index, &round);
        }
        self.flush()
    }

    /// Hands the day's documents to the sink in `_id` order (time order, as an export is), collection by
    /// collection, then the duplicates scheduled during the day.
    fn flush(&mut self) -> Result<()> {
        for collection in Collection::ALL {
            let mut docs = std::mem::take(&mut self.buffers[slot(collection)]);
            docs.sort_unstable_by_key(|(id, _)| id.bytes());
            for (_, doc) in docs.drain(..) {
                self.out.valid(collection, doc)?;
            }
            // Keep the capacity for the next day.
            self.buffers[slot(collection)] = docs;
        }
        self.out.flush_duplicates()
    }

    fn user_doc(&mut self, i: usize) {
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

    fn new_stream(
        &mut self,
        host_index: usize,
        host: Host,
        day_start: i64,
        lb: i64,
        last_day: bool,
    ) -> StreamDay {
        let created = self.time(day_start, lb);
        let id = self.out.ids.at(created);
        let rng = &mut self.rng;
        let status = if last_day && rng.chance(0.1) {
            "live"
        } else {
            rng.pick(&[
                ("ended", 90.0),
                ("live", 2.0),
                ("preparing", 5.0),
                ("banned", 3.0),
            ])
        };
        let planned = rng.piecewise(&[
            (300.0, 1800.0, 50.0),
            (1800.0, 5400.0, 35.0),
            (5400.0, 14_400.0, 15.0),
        ]) as i64;
        let (started, mut duration_s) = match status {
            "preparing" => (None, 0),
            "banned" => (Some(created + rng.range(5_000, 120_000)), planned / 4 + 30),
            _ => (Some(created + rng.range(5_000, 120_000)), planned),
        };
        // A stream that would run past the end of the window is still live when the data is exported.
        let mut status = status;
        let mut started = started;
        if let Some(start) = started {
            if start + 1000 >= self.window_end_ms {
                (status, started, duration_s) = ("preparing", None, 0);
            } else if start + duration_s * 1000 >= self.window_end_ms {
                status = "live";
                duration_s = (self.window_end_ms - 1 - start) / 1000;
            }
        }
        let own = self.users[host_index].country;
        let country = if self.rng.chance(0.08) {
            None
        } else if self.rng.chance(0.03) {
            Some(OTHER_COUNTRIES[self.rng.below(OTHER_COUNTRIES.len() as u64) as usize])
        } else {
            own
        };
        let base_viewers = if started.is_some() {
            (host.popularity * self.rng.uniform(2.0, 20.0)) as i64
        } else {
            0
        };
        StreamDay {
            id,
            host: host_index,
            created,
            started,
            duration_s,
            status,
            country,
            base_viewers,
            participants: 0,
            gifts: 0,
            coins: 0,
            comments: 0,
        }
    }

    fn stream_doc(&mut self, s: StreamDay) {
        let rng = &mut self.rng;
        let host_id = self.users[s.host].id;
        let viewers = if s.started.is_some() {
            s.base_viewers + s.participants + 1
        } else {
            0
        };
        let peak = if viewers > 0 {
            ((viewers as f64 * rng.uniform(0.3, 0.7)) as i64).max(1)
        } else {
            0
        };
        let likes = (viewers as f64 * rng.uniform(0.0, 8.0)) as i64;
        let ended = match (s.status, s.window()) {
            ("ended" | "banned", Some((_, end))) => date(end),
            _ => Bson::Null,
        };
        let title = format!("{} live", TITLES[rng.below(TITLES.len() as u64) as usize]);
        let category = CATEGORIES[rng.below(CATEGORIES.len() as u64) as usize];
        let mut doc = doc! {
            "_id": s.id,
            "hostId": host_id,
            "title": title,
            "category": category,
            "status": s.status,
            "startedAt": s.started.map_or(Bson::Null, date),
            "endedAt": ended,
            "duration": s.duration_s as i32,
            "totalViewers": viewers as i32,
            "peakViewers": peak as i32,
            "totalGifts": s.gifts as i32,
            "totalCoins": s.coins,
            "totalLikes": likes as i32,
            "totalComments": s.comments as i32,
        };
        if let Some(c) = s.country {
            doc.insert("country", c);
        }
        doc.insert("streamKey", format!("sk_live_FAKE_{}", rng.hex(24)));
        doc.insert("agoraToken", format!("007eJxTFAKETOKEN{}", rng.hex(32)));
        doc.insert("agoraChannel", format!("hb_{}", s.id.to_hex()));
        doc.insert("isPrivate", false);
        doc.insert("createdAt", date(s.created));
        doc.insert("updatedAt", date(s.window().map_or(s.created, |w| w.1)));
        self.push(Collection::Livestreams, s.id, doc);
    }

    fn round_doc(&mut self, game: usize, slot_index: i64, round: &RoundDay) {
        let slot_ms = GAMES[game].1 * 1000;
        let start = slot_index * slot_ms;
        let duration = if round.duration_ms % 1000 == 0 {
            Bson::Int32((round.duration_ms / 1000) as i32)
        } else {
            Bson::Double(round.duration_ms as f64 / 1000.0)
        };
        let doc = doc! {
            "_id": round.id,
            "roundId": format!("{}-{slot_index}", GAMES[game].0),
            "gameId": self.games[game],
            "startAt": date(start),
            "endAt": date(start + round.duration_ms),
            "durationSec": duration,
            "serverSeedHash": self.rng.hex(32),
            "createdAt": date(start),
        };
        self.push(Collection::Gamerounds, round.id, doc);
    }

    fn event(
        &mut self,
        t: i64,
        user: Option<usize>,
        (event_type, name): (&str, &str),
        properties: Document,
        country: Option<&str>,
        session: Option<&str>,
    ) {
        let id = self.out.ids.at(t);
        let mut doc = doc! {
            "_id": id,
            "appId": "halobuzz",
            "userId": user.map_or(Bson::Null, |u| Bson::ObjectId(self.users[u].id)),
            "eventType": event_type,
            "eventName": name,
        };
        if let Some(s) = session {
            doc.insert("sessionId", s);
        }
        doc.insert("properties", properties);
        if let Some(c) = country {
            let mut location = doc! { "country": c };
            if c == "NP" {
                location.insert("city", "Kathmandu");
            }
            doc.insert("location", location);
        }
        doc.insert("timestamp", date(t));
        self.push(Collection::Analyticsevents, id, doc);
    }

    fn fake_ip(&mut self) -> String {
        format!(
            "10.{}.{}.{}",
            self.rng.below(256),
            self.rng.below(256),
            self.rng.range(1, 255)
        )
    }

    fn sessions(&mut self, i: usize, day_start: i64, lb: i64) {
        let n = 1 + usize::from(self.rng.chance(0.45)) + usize::from(self.rng.chance(0.2));
        for _ in 0..n {
            let t = self.time(day_start, lb);
            let duration = self.rng.piecewise(&[
                (20.0, 180.0, 40.0),
                (180.0, 1200.0, 40.0),
                (1200.0, 7200.0, 20.0),
            ]) as i64;
            // Nothing is dated after the window: a session still open at its end is cut there.
            let duration = duration.min((self.window_end_ms - 1 - t) / 1000).max(0);
            let session = format!("sess_{}", self.rng.hex(16));
            let platform = self
                .rng
                .pick(&[("android", 70.0), ("ios", 20.0), ("web", 10.0)]);
            let country = self.own_country(i, 0.3);
            let ip = self.fake_ip();
            let start_props =
                doc! { "platform": platform, "appVersion": "3.4.1", "ip": ip.as_str() };
            self.event(
                t,
                Some(i),
                ("user_action", "session_start"),
                start_props,
                country,
                Some(&session),
            );
            let duration_value = if self.rng.chance(0.1) {
                Bson::Double(duration as f64 + 0.5)
            } else {
                Bson::Int32(duration as i32)
            };
            let end_props = doc! { "platform": platform, "durationSec": duration_value, "ip": ip };
            self.event(
                t + duration * 1000,
                Some(i),
                ("user_action", "session_end"),
                end_props,
                country,
                Some(&session),
            );
            if self.rng.chance(0.05) {
                let props =
                    doc! { "coldStartMs": self.rng.range(400, 4000) as i32, "platform": platform };
                self.event(
                    t + 1,
                    Some(i),
                    ("performance_event", "app_startup"),
                    props,
                    None,
                    Some(&session),
                );
            }
        }
    }

    /// A time inside a stream's window, not before `lb`.
    fn time_in(&mut self, s: &StreamDay, lb: i64) -> Option<i64> {
        let (from, to) = s.window()?;
        let from = from.max(lb);
        (from < to).then(|| self.rng.range(from, to))
    }

    fn chat(&mut self, i: usize, lb: i64, rooms: &Rooms, streams: &mut [StreamDay]) {
        if rooms.total <= 0.0 || !self.rng.chance(self.users[i].chat_prob) {
            return;
        }
        let s = rooms.pick(&mut self.rng);
        let n = self
            .rng
            .piecewise(&[(1.0, 3.0, 60.0), (3.0, 10.0, 30.0), (10.0, 30.0, 10.0)])
            as i64;
        streams[s].participants += 1;
        for _ in 0..n {
            let Some(t) = self.time_in(&streams[s], lb) else {
                return;
            };
            let id = self.out.ids.at(t);
            let deleted = self.rng.chance(0.05);
            let doc = doc! {
                "_id": id,
                "userId": self.users[i].id,
                "roomId": streams[s].id,
                "content": CHAT_LINES[self.rng.below(CHAT_LINES.len() as u64) as usize],
                "type": "text",
                "isDeleted": deleted,
                "createdAt": date(t),
            };
            streams[s].comments += 1;
            self.push(Collection::Messages, id, doc);
        }
    }

    fn gifts(&mut self, i: usize, lb: i64, rooms: &Rooms, streams: &mut [StreamDay]) {
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

    /// Whether the revenue drop removes a money-paying transaction made at `t` (ms).
    fn dropped(&mut self, t: i64) -> bool {
        match self.drop {
            Some((start, end, share)) if (start..end).contains(&t) => self.drop_rng.chance(share),
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
    fn payments(&mut self, i: usize, d: i64, day_start: i64, lb: i64, wf: f64) {
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
            let skipped = self.dropped(t);
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
            let skipped = self.dropped(t);
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
    fn extras(&mut self, i: usize, day_start: i64, lb: i64, rooms: &Rooms, streams: &[StreamDay]) {
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

    fn games(
        &mut self,
        i: usize,
        day_start: i64,
        lb: i64,
        wf: f64,
        rounds: &mut BTreeMap<(usize, i64), RoundDay>,
    ) {
        if !self.rng.chance((self.users[i].game_prob * wf).min(0.9)) {
            return;
        }
        let g = self.rng.below(GAMES.len() as u64) as usize;
        let slot_ms = GAMES[g].1 * 1000;
        let n = self.rng.range(1, 7);
        let t0 = self.time(day_start, lb);
        // The next round starting at or after t0 (rounds tile the day, so it starts on this day or at its end).
        let first = (t0 + slot_ms - 1).div_euclid(slot_ms);
        let last_of_day = (day_start + DAY_MS).div_euclid(slot_ms) - 1;
        for k in 0..n {
            let slot_index = first + k;
            if slot_index > last_of_day {
                break;
            }
            let start = slot_index * slot_ms;
            let round = match rounds.entry((g, slot_index)) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    let duration_ms = if self.rng.chance(0.7) {
                        self.rng.range(slot_ms * 6 / 10_000, slot_ms * 95 / 100_000) * 1000
                    } else {
                        self.rng.range(slot_ms * 6 / 10, slot_ms * 95 / 100)
                    };
                    e.insert(RoundDay {
                        id: self.out.ids.at(start),
                        duration_ms: duration_ms.max(1000),
                    })
                }
            };
            let t = start + self.rng.range(0, round.duration_ms);
            let round_id = format!("{}-{slot_index}", GAMES[g].0);
            let stake = self.rng.pick(&[
                (10, 25.0),
                (20, 20.0),
                (50, 20.0),
                (100, 15.0),
                (200, 10.0),
                (500, 7.0),
                (1000, 3.0),
            ]);
            let result = self
                .rng
                .pick(&[("won", 44.0), ("lost", 51.0), ("pending", 5.0)]);
            let multiplier_tenths = self
                .rng
                .pick(&[(15, 50.0), (20, 30.0), (30, 15.0), (50, 5.0)]);
            let win = if result == "won" {
                number(stake * multiplier_tenths)
            } else {
                Bson::Int32(0)
            };
            let id = self.out.ids.at(t);
            let mut metadata = doc! { "multiplier": multiplier_tenths as f64 / 10.0, "clientSeed": self.rng.hex(8) };
            if let Some(c) = self.own_country(i, 0.3) {
                metadata.insert("country", c);
            }
            let doc = doc! {
                "_id": id,
                "userId": self.users[i].id,
                "gameId": self.games[g],
                "roundId": round_id,
                "stakeAmount": stake as i32,
                "winAmount": win,
                "result": result,
                "metadata": metadata,
                "createdAt": date(t),
            };
            self.push(Collection::Gamestakes, id, doc);
        }
    }

    fn product_events(&mut self, i: usize, day_start: i64, lb: i64) {
        if self.rng.chance(0.3) {
            let n = self.rng.range(1, 4);
            for _ in 0..n {
                let t = self.time(day_start, lb);
                let viewed = self.rng.below(self.next_user as u64) as usize;
                let props =
                    doc! { "profileId": self.users[viewed].id.to_hex(), "source": "stream" };
                self.event(
                    t,
                    Some(i),
                    ("user_action", "profile_view"),
                    props,
                    None,
                    None,
                );
            }
        }
        let battle = if self.users[i].host.is_some() {
            0.15
        } else {
            0.04
        };
        if self.rng.chance(battle) {
            let t = self.time(day_start, lb);
            let props = doc! { "battleId": format!("battle_{}", self.rng.hex(10)), "mode": "pk" };
            let country = self.own_country(i, 0.3);
            self.event(
                t,
                Some(i),
                ("user_action", "battle_joined"),
                props,
                country,
                None,
            );
        }
        if self.rng.chance(0.08) {
            let t = self.time(day_start, lb);
            let props = doc! { "query": "music", "results": self.rng.range(0, 50) as i32 };
            self.event(t, Some(i), ("user_action", "search"), props, None, None);
        }
    }

    fn ban_events(&mut self, i: usize, day_start: i64, banned: bool) {
        let t = self.time(day_start, day_start.max(self.users[i].signup_ms));
        let moderator = format!("{:024x}", self.rng.u64());
        if banned {
            // The block that led to the ban, then the ban.
            let flag_t = (t - self.rng.range(60_000, 3_600_000))
                .max(day_start)
                .max(self.users[i].signup_ms);
            self.flag(i, flag_t, Some(("block", "resolved")), Some("text"));
            let props = doc! { "reason": "community_guidelines", "moderatorId": moderator, "ip": self.fake_ip() };
            self.event(
                t.max(flag_t + 1),
                Some(i),
                ("security_event", "user_banned"),
                props,
                None,
                None,
            );
        } else {
            let props = doc! { "reason": "appeal_accepted", "moderatorId": moderator };
            self.event(
                t,
                Some(i),
                ("security_event", "user_unbanned"),
                props,
                None,
                None,
            );
        }
    }

    fn flag(
        &mut self,
        user: usize,
        t: i64,
        decided: Option<(&'static str, &'static str)>,
        content: Option<&'static str>,
    ) {
        let content_type = content.unwrap_or_else(|| {
            self.rng.pick(&[
                ("text", 45.0),
                ("image", 15.0),
                ("video", 10.0),
                ("stream", 20.0),
                ("profile", 10.0),
            ])
        });
        let (action, status) = decided.unwrap_or_else(|| {
            let action = self.rng.pick(&[
                ("allow", 30.0),
                ("warn", 30.0),
                ("block", 15.0),
                ("review", 25.0),
            ]);
            let status = match action {
                "review" => {
                    self.rng
                        .pick(&[("pending", 60.0), ("flagged", 15.0), ("reviewed", 25.0)])
                }
                "allow" => self.rng.pick(&[("reviewed", 70.0), ("resolved", 30.0)]),
                _ => self
                    .rng
                    .pick(&[("resolved", 55.0), ("flagged", 20.0), ("reviewed", 25.0)]),
            };
            (action, status)
        });
        let delay = self.rng.piecewise(&[
            (600_000.0, 7_200_000.0, 50.0),
            (7_200_000.0, 86_400_000.0, 35.0),
            (86_400_000.0, 259_200_000.0, 15.0),
        ]) as i64;
        let (status, reviewed) = match status {
            "reviewed" | "resolved" if t + delay < self.window_end_ms => (status, date(t + delay)),
            "reviewed" | "resolved" => ("pending", Bson::Null),
            other => (other, Bson::Null),
        };
        let reason = FLAG_REASONS[self.rng.below(FLAG_REASONS.len() as u64) as usize];
        let id = self.out.ids.at(t);
        let mut metadata = doc! {
            "source": if self.rng.chance(0.7) { "ai" } else { "user_report" },
            "confidence": (self.rng.range(50, 100) as f64) / 100.0,
        };
        if let Some(c) = self.own_country(user, 0.4) {
            metadata.insert("country", c);
        }
        let doc = doc! {
            "_id": id,
            "userId": self.users[user].id,
            "contentType": content_type,
            "contentId": self.out.ids.at(t - 1000),
            "reason": reason,
            "action": action,
            "status": status,
            "reviewedAt": reviewed,
            "metadata": metadata,
            "createdAt": date(t),
        };
        self.push(Collection::Moderationflags, id, doc);
    }

    fn moderation(&mut self, d: i64, day_start: i64, active: &[(usize, i64)]) {
        if active.is_empty() {
            return;
        }
        let n = (active.len() as f64 * 0.004) as i64 + self.rng.range(0, 3);
        for _ in 0..n {
            let (user, lb) = active[self.rng.below(active.len() as u64) as usize];
            let t = self.time(day_start, lb);
            self.flag(user, t, None, None);
        }
        if self.flag_spikes.get(d as usize).copied().unwrap_or(false) {
            // An abuse wave: one clock hour with many flags on a few accounts.
            let hour = self.diurnal.offset(&mut self.rng) / HOUR_MS;
            let offenders: Vec<usize> = (0..self.rng.range(1, 6))
                .map(|_| active[self.rng.below(active.len() as u64) as usize].0)
                .collect();
            let count = self.rng.range(60, 160);
            for _ in 0..count {
                let user = offenders[self.rng.below(offenders.len() as u64) as usize];
                let lb = (day_start + hour * HOUR_MS).max(self.users[user].signup_ms);
                let hour_end = day_start + (hour + 1) * HOUR_MS;
                if lb >= hour_end {
                    continue;
                }
                let t = self.rng.range(lb, hour_end);
                let decided = self.rng.pick(&[
                    (("block", "resolved"), 40.0),
                    (("review", "pending"), 40.0),
                    (("warn", "flagged"), 20.0),
                ]);
                let content = self.rng.pick(&[("text", 60.0), ("stream", 40.0)]);
                self.flag(user, t, Some(decided), Some(content));
            }
        }
    }

    fn error_event(&mut self, t: i64, user: Option<usize>) {
        let name = self.rng.pick(&[
            ("api_error", 70.0),
            ("stream_error", 15.0),
            ("payment_error", 10.0),
            ("socket_error", 5.0),
        ]);
        let endpoint = [
            "/api/v1/streams",
            "/api/v1/gifts/send",
            "/api/v1/wallet/recharge",
            "/api/v1/feed",
        ][self.rng.below(4) as usize];
        let code = self
            .rng
            .pick(&[(500, 60.0), (502, 15.0), (503, 15.0), (504, 10.0)]);
        let props =
            doc! { "endpoint": endpoint, "statusCode": code, "message": "upstream request failed" };
        let id = self.out.ids.at(t);
        let mut doc = doc! {
            "_id": id,
            "appId": "halobuzz",
            "userId": user.map_or(Bson::Null, |u| Bson::ObjectId(self.users[u].id)),
            "eventType": "error_event",
            "eventName": name,
            "properties": props,
            "ip": self.fake_ip(),
            "timestamp": date(t),
        };
        if user.is_none() && self.rng.chance(0.5) {
            doc.remove("userId");
        }
        self.push(Collection::Analyticsevents, id, doc);
    }

    fn errors(&mut self, d: i64, day_start: i64, active: &[(usize, i64)]) {
        let n = (active.len() as f64 * 0.012) as i64 + self.rng.range(0, 4);
        for _ in 0..n {
            let (user, lb) = if !active.is_empty() && self.rng.chance(0.6) {
                let (u, lb) = active[self.rng.below(active.len() as u64) as usize];
                (Some(u), lb)
            } else {
                (None, day_start)
            };
            let t = self.time(day_start, lb);
            self.error_event(t, user);
        }
        if self.error_spikes.get(d as usize).copied().unwrap_or(false) {
            // An outage: one clock hour with a burst of errors, mostly anonymous.
            let hour = self.diurnal.offset(&mut self.rng) / HOUR_MS;
            let count = self.rng.range(150, 700);
            let from = day_start + hour * HOUR_MS;
            for _ in 0..count {
                let t = self.rng.range(from, from + HOUR_MS);
                self.error_event(t, None);
            }
        }
        if self.date_of(d).weekday() == Weekday::Tue {
            let t = day_start + self.rng.range(3 * HOUR_MS, 5 * HOUR_MS);
            let props = doc! { "version": format!("3.4.{}", d / 7), "service": "api" };
            self.event(
                t,
                None,
                ("system_event", "deploy_completed"),
                props,
                None,
                None,
            );
        }
    }

    fn refunds_due(&mut self, d: i64, day_start: i64) {
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

/// The day's streams that viewers can be in, drawn by popularity.
struct Rooms {
    cumulative: Vec<f64>,
    total: f64,
}

impl Rooms {
    fn pick(&self, rng: &mut Rand) -> usize {
        let u = rng.unit() * self.total;
        self.cumulative
            .partition_point(|c| *c <= u)
            .min(self.cumulative.len().saturating_sub(1))
    }
}
