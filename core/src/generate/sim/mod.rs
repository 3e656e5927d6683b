//! The simulation: users with propensities and lifetimes, hosts streaming, viewers chatting, gifting,
//! topping up and playing, moderation and events, generated day by day.
//!
//! Only basic IEEE arithmetic on values drawn from a ChaCha8 stream is used (no `ln`, `exp` or `powf`,
//! whose last bits may differ between platforms), so the output is the same everywhere.
//!
//! [`Sim`] holds the state of the generation and runs the day loop; the documents of each domain are
//! built by the `impl Sim` block of its own module: [`users`], [`streams`] (and their chat), [`economy`]
//! (gifts, top-ups, OG, refunds and the other transactions), [`games`], [`events`] (sessions and product
//! events), [`moderation`] (flags and bans) and [`errors`] (error bursts and deploys); [`random`] holds
//! the random draws and the activity curves they all use. The order in which the day loop calls them is
//! the order of the random draws, so it fixes the output of a seed.

mod economy;
mod errors;
mod events;
mod games;
mod moderation;
mod random;
mod streams;
mod users;

use std::collections::BTreeMap;

use bson::oid::ObjectId;
use bson::{Bson, DateTime, Document};
use chrono::{Days, NaiveDate};

use super::emit::{Emitter, IdGen};
use super::{GenerationManifest, GeneratorConfig};
use crate::model::Collection;
use crate::store::DocumentSink;
use crate::Result;

use economy::PendingRefund;
use games::RoundDay;
use random::{weekday_factor, Diurnal, Rand};
use streams::{Rooms, StreamDay};
use users::UserState;

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// Countries a transaction or stream may be recorded in when it is not the user's own.
const OTHER_COUNTRIES: [&str; 10] = ["NP", "IN", "BD", "US", "AU", "GB", "AE", "MY", "QA", "JP"];

/// The generation in progress.
struct Sim<'s> {
    days: i64,
    start: NaiveDate,
    start_ms: i64,
    /// The end of the last day: no review is dated after it.
    window_end_ms: i64,
    drop: Option<(i64, i64, f64, Option<crate::model::PaymentMethod>)>,
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
                d.payment_method,
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
}
