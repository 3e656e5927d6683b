//! Synthetic daily rollups at any scale, published straight into a store: the range-query benchmarks
//! and capacity tests at a million users, where generating the raw events of half a year (about 200M
//! documents) would measure the generator and the memory of raw data rather than the query.
//!
//! Users are real `users` documents (so the engine's directory numbers them, and country selections and
//! signup days are the engine's own); their activity is drawn per user and day from a propensity, a
//! signup day and a lifetime, so that actives recur day to day as on the platform. Each day gets an
//! `ALL` rollup and one per country, with every set the KPI report reads (actives, payers, OG buyers,
//! players, signups, new hosts, hosts with their revenue, rounds with their duration, a few shared with
//! the next day) and plausible sums.

use bson::oid::ObjectId;
use bson::{doc, DateTime as BsonDateTime};
use chrono::NaiveDate;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::calendar::{add_days, DateRange};
use crate::kpi::facts::{add, Facts};
use crate::kpi::rollup::ROLLUP_VERSION;
use crate::kpi::DailyRollup;
use crate::model::{Collection, Country, CountryFilter};
use crate::store::DocumentSink;
use crate::{Engine, Error, Result};

/// The size and seed of a synthetic rollup dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollupScale {
    /// Users in total (at most 5,000,000).
    pub users: u32,
    /// Days of rollups, ending on `end` (at most 3,660).
    pub days: u32,
    /// The last day.
    pub end: NaiveDate,
    /// The random seed.
    pub seed: u64,
}

const COUNTRIES: [&str; 10] = ["NP", "IN", "BD", "US", "AU", "GB", "AE", "MY", "QA", "JP"];
const COUNTRY_WEIGHTS: [f64; 10] = [46.0, 18.0, 9.0, 6.0, 5.0, 4.0, 4.0, 3.0, 2.0, 3.0];

/// What the activity of one user is drawn from.
struct UserModel {
    id: ObjectId,
    /// Day index of the signup, relative to the first day (negative: before the window).
    signup: i64,
    /// Last day index the user can be active on.
    churn: i64,
    propensity: f64,
    country: Option<usize>,
    host: bool,
}

impl RollupScale {
    /// The days of the dataset.
    pub fn range(&self) -> Result<DateRange> {
        DateRange::new(add_days(self.end, 1 - i64::from(self.days)), self.end)
    }

    fn validate(&self) -> Result<()> {
        if self.users == 0 || self.users > 5_000_000 {
            return Err(Error::invalid_argument("users", "between 1 and 5,000,000"));
        }
        if self.days == 0 || self.days > 3660 {
            return Err(Error::invalid_argument("days", "between 1 and 3,660"));
        }
        Ok(())
    }

    /// The users, drawn in signup order (so that their numbers follow signups, as on a real store).
    fn users(&self) -> Vec<UserModel> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let days = i64::from(self.days);
        let total: f64 = COUNTRY_WEIGHTS.iter().sum();
        let mut users: Vec<UserModel> = (0..self.users)
            .map(|i| {
                // Seven in ten signed up in the year before the window, the rest during it.
                let signup = if rng.random::<f64>() < 0.7 {
                    -rng.random_range(1..=365)
                } else {
                    rng.random_range(0..days)
                };
                let u: f64 = rng.random();
                let mut pick = rng.random::<f64>() * total;
                let country = if rng.random::<f64>() < 0.03 {
                    None
                } else {
                    COUNTRY_WEIGHTS
                        .iter()
                        .position(|w| {
                            pick -= w;
                            pick < 0.0
                        })
                        .or(Some(0))
                };
                let mut bytes = [0u8; 12];
                bytes[..4].copy_from_slice(&0x6500_0000u32.to_be_bytes());
                bytes[4..8].copy_from_slice(&(self.seed as u32).to_be_bytes());
                bytes[8..].copy_from_slice(&i.to_be_bytes());
                UserModel {
                    id: ObjectId::from_bytes(bytes),
                    signup,
                    churn: signup + rng.random_range(7..400),
                    propensity: 0.02 + 0.55 * u * u,
                    country,
                    host: rng.random::<f64>() < 0.02,
                }
            })
            .collect();
        users.sort_by_key(|u| u.signup);
        users
    }
}

/// Writes the `users` documents of `scale` to `sink` (an in-memory store builder, typically).
pub fn synthetic_users(scale: &RollupScale, sink: &mut dyn DocumentSink) -> Result<()> {
    scale.validate()?;
    let first = scale.range()?.from;
    let midnight = |d: NaiveDate| {
        d.and_hms_opt(3, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp_millis())
    };
    for (i, u) in scale.users().iter().enumerate() {
        let mut d = doc! {
            "_id": u.id,
            "createdAt": BsonDateTime::from_millis(midnight(add_days(first, u.signup))),
            "username": format!("user{i}"),
            "ogLevel": 0,
            "isBanned": false,
        };
        if let Some(c) = u.country {
            d.insert("country", COUNTRIES[c]);
        }
        sink.accept(Collection::Users, d)?;
    }
    Ok(())
}

/// Draws the rollups of every day of `scale` and publishes them through `engine`, whose store holds
/// the users of [`synthetic_users`] (same `scale`). Returns how many rollups it published.
pub fn synthesize_rollups(scale: &RollupScale, engine: &Engine) -> Result<u64> {
    scale.validate()?;
    let range = scale.range()?;
    engine.refresh()?;
    let users = scale.users();
    let numbering = engine.numbering();
    let numbers: Vec<u32> = users
        .iter()
        .map(|u| {
            numbering.users.get(&u.id).ok_or_else(|| {
                Error::invalid_argument("store", "the store does not hold the synthetic users")
            })
        })
        .collect::<Result<_>>()?;
    let countries: Vec<Country> = COUNTRIES.iter().filter_map(|c| Country::parse(c)).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(scale.seed ^ 0x5eed);
    let mut streamed = vec![false; users.len()];
    let mut next_round = 0u32;
    let mut carried: Vec<(usize, u32, f64)> = Vec::new();
    let mut published = 0;
    for (day_index, date) in range.iter().enumerate() {
        let day = day_index as i64;
        let mut facts: BTreeMap<CountryFilter, Facts> = BTreeMap::new();
        let key = |c: Option<usize>| {
            c.and_then(|i| countries.get(i))
                .map_or(CountryFilter::Unknown, |c| CountryFilter::Code(*c))
        };
        for (c, round, seconds) in carried.drain(..) {
            for f in [CountryFilter::All, key(Some(c))] {
                *facts.entry(f).or_default().rounds.entry(round) = seconds;
            }
        }
        let mut stakes_today = 0u32;
        for (i, u) in users.iter().enumerate() {
            let n = numbers[i];
            let signed_up_today = u.signup == day;
            let active = signed_up_today
                || (u.signup <= day && day <= u.churn && rng.random::<f64>() < u.propensity);
            if !active {
                continue;
            }
            let pay = rng.random::<f64>() < 0.03;
            let og = pay && rng.random::<f64>() < 0.15;
            let play = rng.random::<f64>() < 0.06;
            let stream = u.host && rng.random::<f64>() < 0.35;
            let amount = Decimal::from(rng.random_range(100..5000));
            let coins = Decimal::from(rng.random_range(0..20_000));
            let viewers = rng.random_range(1..400);
            let first_stream = stream && !streamed[i];
            if stream {
                streamed[i] = true;
            }
            for target in [CountryFilter::All, key(u.country)] {
                let f = facts.entry(target).or_default();
                f.active.insert(n);
                add(&mut f.session_ends, 1, &mut f.overflow);
                add(&mut f.session_seconds, Decimal::from(600), &mut f.overflow);
                if signed_up_today {
                    f.signups.insert(n);
                }
                if pay {
                    f.payers.insert(n);
                    add(&mut f.topup_count, 1, &mut f.overflow);
                    add(&mut f.coin_topups.npr, amount, &mut f.overflow);
                    add(
                        &mut f.by_payment_method[(n % 5) as usize].npr,
                        amount,
                        &mut f.overflow,
                    );
                    if og {
                        f.og_buyers.insert(n);
                        add(&mut f.og_subscriptions.npr, amount, &mut f.overflow);
                        add(
                            &mut f.by_og_tier[(n % 6) as usize].npr,
                            amount,
                            &mut f.overflow,
                        );
                    }
                }
                if play {
                    f.players.insert(n);
                    add(&mut f.games_played, 2, &mut f.overflow);
                    add(&mut f.stakes, Decimal::from(200), &mut f.overflow);
                    add(&mut f.payouts, Decimal::from(150), &mut f.overflow);
                }
                if stream {
                    add(&mut f.streams, 1, &mut f.overflow);
                    add(&mut f.stream_viewers, viewers, &mut f.overflow);
                    add(&mut f.stream_seconds, Decimal::from(1800), &mut f.overflow);
                    let h = f.hosts.entry(n);
                    add(&mut h.revenue, coins, &mut f.overflow);
                    add(&mut h.streams, 1, &mut f.overflow);
                    add(&mut h.viewers, viewers, &mut f.overflow);
                    if first_stream && target == CountryFilter::All {
                        f.new_hosts.insert(n);
                    }
                }
            }
            // Per-member facts (`ALL` only), drawn from what was already drawn so that the KPI sets
            // stay as they were.
            let all = facts.entry(CountryFilter::All).or_default();
            let c = all.member_counts.entry(n);
            c.sessions = 1 + n % 3;
            c.messages = n % 5;
            c.plays = if play { 2 } else { 0 };
            c.gifts = u32::from(pay) * (1 + n % 4);
            if pay {
                let mut m = amount;
                if og {
                    m += amount;
                }
                all.member_money.entry(n).npr = m;
            }
            if play {
                stakes_today += 2;
                // A round for every three stakes, in the staker's country; one in a hundred is
                // also referenced the next day (it ran across midnight).
                if stakes_today % 3 < 2 {
                    let round = next_round;
                    next_round = next_round.wrapping_add(1);
                    let seconds = f64::from(rng.random_range(300..3000u32)) / 10.0;
                    let c = u.country.unwrap_or(0);
                    for target in [CountryFilter::All, key(u.country)] {
                        *facts.entry(target).or_default().rounds.entry(round) = seconds;
                    }
                    if rng.random::<f64>() < 0.01 {
                        carried.push((c, round, seconds));
                    }
                }
            }
        }
        facts.entry(CountryFilter::All).or_default();
        let now = engine.config().clock.now();
        let rollups: Vec<DailyRollup> = facts
            .into_iter()
            .map(|(country, mut f)| {
                f.normalize();
                DailyRollup {
                    app_id: engine.config().app_id.clone(),
                    date,
                    country,
                    timezone: engine.config().calendar.tz().name().to_owned(),
                    version: ROLLUP_VERSION,
                    computed_at: now,
                    generation: 0,
                    facts: Arc::new(f),
                }
            })
            .collect();
        published += rollups.len() as u64;
        engine.publish_rollups(date, rollups)?;
    }
    Ok(published)
}
