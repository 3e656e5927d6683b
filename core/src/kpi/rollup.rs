//! Daily rollups: the [`Facts`] of one local day for `ALL` and for each country seen that day, computed
//! from raw records in one pass per collection and stored under the unique key `(appId, date, country)`.
//!
//! This is the only place that decides what a raw document contributes to which metric (METRICS.md):
//! which country it belongs to, whether it makes its user active, which sums and sets it feeds. Range
//! KPIs ([`super::compute`]) only merge facts.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use bson::oid::ObjectId;
use chrono::{DateTime, NaiveDate, Utc};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::directory::UserDirectory;
use super::facts::{add, method_index, seconds, Facts};
use crate::calendar::{Calendar, DateRange};
use crate::dictionary::Numbering;
use crate::model::*;
use crate::store::{DateField, RecordRef, Scan, Store, StoreExt};
use crate::{Error, Result};

/// The version of the rollup document layout; a stored rollup of another version is recomputed.
/// Version 2 added generations (`docs/rollups.md` "Publishing a day"); version 3 holds sets as
/// bitmaps of dictionary numbers.
pub const ROLLUP_VERSION: u32 = 3;

/// The facts of one `(appId, date, country)`, as stored in `analyticsdailykpis`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyRollup {
    /// Application id.
    pub app_id: String,
    /// Local date in `timezone`.
    pub date: NaiveDate,
    /// `ALL`, a country code or `UNKNOWN`.
    pub country: CountryFilter,
    /// The reporting time zone the day was cut in; a rollup of another zone is not reused.
    pub timezone: String,
    /// Layout version ([`ROLLUP_VERSION`]).
    pub version: u32,
    /// When it was computed.
    pub computed_at: DateTime<Utc>,
    /// The write that produced it: a day is published whole by pointing its [`RollupDay`] marker at a
    /// new generation (see `kpi::persist`).
    ///
    /// [`RollupDay`]: super::persist::RollupDay
    #[serde(default)]
    pub generation: i64,
    /// The day's facts (shared: a loaded rollup is read by many reports without copying its sets).
    pub facts: Arc<Facts>,
}

/// Facts by (day, country selection), `ALL` included, for the days a pass covered.
pub(crate) type FactsByDay = BTreeMap<(NaiveDate, CountryFilter), Arc<Facts>>;

/// Computes the facts of every day of `days` (local dates in `cal`), per country and for `ALL`, from raw
/// records: one ranged scan per collection. Every day of `days` gets an `ALL` entry, even an empty one.
/// Ids new to `numbering` are numbered and the numbers written before this returns.
pub(crate) fn accumulate(
    store: &dyn Store,
    numbering: &Numbering,
    dir: &UserDirectory,
    cal: &Calendar,
    days: DateRange,
) -> Result<FactsByDay> {
    let range = cal.dates_range(days.from, days.to);
    let mut acc = Accumulator {
        cal,
        dir,
        store,
        numbering,
        users: FxHashMap::default(),
        error: None,
        out: BTreeMap::new(),
    };
    for d in days.iter() {
        acc.out.insert((d, CountryFilter::All), Facts::default());
    }

    store.each::<User>(Some(range), |u| {
        let n = acc.user(&u.id);
        acc.add(u.created_at, u.country, |f| {
            f.active.insert(n);
            f.signups.insert(n);
        });
    })?;

    store.each::<Transaction>(Some(range), |t| acc.transaction(t))?;

    store.each::<Livestream>(Some(range), |s| acc.stream(s))?;

    // Messages are the largest collection and feed only per-author facts, so a store that can count them
    // per author on the server does, one local day at a time (a day's instants are exactly the messages
    // `add` would put on it); otherwise every message is scanned.
    if let Some(pushdown) = store.pushdown() {
        let pushed_down = days
            .iter()
            .map(|d| Ok((d, pushdown.messages_by_author(cal.day_range(d))?)))
            .collect::<Result<Vec<_>>>()?;
        for (d, authors) in pushed_down {
            for a in authors {
                let n = acc.user(&a.user_id);
                // Messages have no country of their own: their author's.
                acc.add_on(d, dir.country(&a.user_id), |f| {
                    f.active.insert(n);
                    add(&mut f.messages_sent, a.not_deleted, &mut f.overflow);
                });
            }
        }
    } else {
        store.each::<Message>(Some(range), |m| {
            let n = acc.user(&m.user_id);
            // Messages have no country of their own: their author's.
            acc.add(m.created_at, dir.country(&m.user_id), |f| {
                f.active.insert(n);
                add(
                    &mut f.messages_sent,
                    u64::from(!m.is_deleted),
                    &mut f.overflow,
                );
            });
        })?;
    }

    let mut round_ids: BTreeSet<String> = BTreeSet::new();
    let mut stake_rounds: Vec<(DateTime<Utc>, Option<Country>, String)> = Vec::new();
    store.each::<GameStake>(Some(range), |s| {
        let country = s.country.or_else(|| dir.country(&s.user_id));
        let n = acc.user(&s.user_id);
        acc.add(s.created_at, country, |f| {
            f.active.insert(n);
            f.players.insert(n);
            add(&mut f.games_played, 1, &mut f.overflow);
            add(&mut f.stakes, s.stake_amount, &mut f.overflow);
            if s.result == StakeResult::Won {
                add(&mut f.payouts, s.win_amount, &mut f.overflow);
            }
        });
        if !round_ids.contains(&s.round_id) {
            round_ids.insert(s.round_id.clone());
        }
        stake_rounds.push((s.created_at, country, s.round_id.clone()));
    })?;
    if !stake_rounds.is_empty() {
        let ids: Vec<&str> = round_ids.iter().map(String::as_str).collect();
        let mut durations: BTreeMap<String, (Arc<str>, f64)> = BTreeMap::new();
        store.game_rounds(&ids, &mut |r| {
            durations.insert(
                r.round_id.clone(),
                (r.round_id.as_str().into(), r.duration_sec),
            );
        })?;
        let mut numbers: FxHashMap<&str, u32> = FxHashMap::default();
        for (at, country, round) in &stake_rounds {
            if let Some((id, d)) = durations.get(round) {
                let n = match numbers.get(round.as_str()) {
                    Some(n) => *n,
                    None => {
                        let n = numbering.rounds.number(store, id)?;
                        numbers.insert(round, n);
                        n
                    }
                };
                acc.add(*at, *country, |f| {
                    *f.rounds.entry(n) = *d;
                });
            }
        }
    }

    store.each::<ModerationFlag>(Some(range), |m| {
        let country = m.country.or_else(|| dir.country(&m.user_id));
        acc.add(m.created_at, country, |f| {
            add(
                &mut f.flagged,
                u64::from(m.action != FlagAction::Allow),
                &mut f.overflow,
            );
            add(
                &mut f.warn_block,
                u64::from(matches!(m.action, FlagAction::Warn | FlagAction::Block)),
                &mut f.overflow,
            );
        });
    })?;
    let reviewed = Scan {
        collection: Collection::Moderationflags,
        range: Some(range),
        date_field: DateField::ReviewedAt,
    };
    store.scan(&reviewed, &mut |r| {
        if let RecordRef::ModerationFlag(m) = r {
            if let (Some(at), FlagStatus::Reviewed | FlagStatus::Resolved) =
                (m.reviewed_at, m.status)
            {
                acc.add(at, m.country.or_else(|| dir.country(&m.user_id)), |f| {
                    add(&mut f.appeals, 1, &mut f.overflow)
                });
            }
        }
    })?;

    store.each::<AnalyticsEvent>(Some(range), |e| {
        let country = e
            .country
            .or_else(|| e.user_id.as_ref().and_then(|u| dir.country(u)));
        let n = e.user_id.map(|u| acc.user(&u));
        acc.add(e.timestamp, country, |f| {
            if let Some(n) = n {
                f.active.insert(n);
            }
            match e.event_name {
                EventName::SessionEnd => {
                    add(&mut f.session_ends, 1, &mut f.overflow);
                    let s = seconds(e.duration_sec.unwrap_or(0.0));
                    add(&mut f.session_seconds, s, &mut f.overflow);
                }
                EventName::BattleJoined => add(&mut f.battles, 1, &mut f.overflow),
                EventName::UserBanned => add(&mut f.banned, 1, &mut f.overflow),
                _ => {}
            }
        });
    })?;

    if let Some(e) = acc.error {
        return Err(e);
    }
    // Numbers handed out in this pass are written before any fact holding them can be stored; one
    // that lost to another process's number for the same id is replaced in the sets.
    numbering.commit(store)?;
    acc.out
        .into_iter()
        .map(|((day, country), mut f)| {
            f.remap(numbering);
            f.normalize();
            f.check(|| format!("the facts of {day} for {country}"))?;
            Ok(((day, country), Arc::new(f)))
        })
        .collect()
}

struct Accumulator<'a> {
    cal: &'a Calendar,
    dir: &'a UserDirectory,
    store: &'a dyn Store,
    numbering: &'a Numbering,
    /// Numbers of the ids this pass met (most ids recur: one dictionary lookup each).
    users: FxHashMap<ObjectId, u32>,
    /// The first failure to number an id (the store refused a block claim); the pass fails with it.
    error: Option<Error>,
    out: BTreeMap<(NaiveDate, CountryFilter), Facts>,
}

impl Accumulator<'_> {
    /// The number of user id `id`.
    fn user(&mut self, id: &ObjectId) -> u32 {
        if let Some(n) = self.users.get(id) {
            return *n;
        }
        match self.numbering.users.number(self.store, id) {
            Ok(n) => {
                self.users.insert(*id, n);
                n
            }
            Err(e) => {
                self.error.get_or_insert(e);
                0
            }
        }
    }

    /// Applies `f` to the facts of the document's day, for its country and for `ALL`.
    fn add(&mut self, at: DateTime<Utc>, country: Option<Country>, f: impl Fn(&mut Facts)) {
        self.add_on(self.cal.day_of(at), country, f);
    }

    /// Applies `f` to the facts of local day `day`, for `country` and for `ALL`.
    fn add_on(&mut self, day: NaiveDate, country: Option<Country>, f: impl Fn(&mut Facts)) {
        f(self.out.entry((day, CountryFilter::All)).or_default());
        f(self
            .out
            .entry((day, CountryFilter::of(country)))
            .or_default());
    }

    fn transaction(&mut self, t: &Transaction) {
        if !t.is_completed() {
            return;
        }
        let country = t.country.or_else(|| self.dir.country(&t.user_id));
        let method = method_index(t.payment_method);
        let money = t.money();
        let n = self.user(&t.user_id);
        self.add(t.created_at, country, |f| {
            if t.kind != TransactionType::GiftReceived {
                f.active.insert(n);
            }
            match t.kind {
                TransactionType::Recharge => {
                    add(&mut f.topup_count, 1, &mut f.overflow);
                    add(
                        &mut f.topup_coins,
                        t.coins().unwrap_or_default(),
                        &mut f.overflow,
                    );
                    if let Some((amount, cur)) = money {
                        f.coin_topups.add(amount, cur, &mut f.overflow);
                        f.by_payment_method[method].add(amount, cur, &mut f.overflow);
                        f.payers.insert(n);
                    }
                }
                k if k.is_og_purchase() => {
                    if let Some((amount, cur)) = money {
                        f.og_subscriptions.add(amount, cur, &mut f.overflow);
                        f.by_payment_method[method].add(amount, cur, &mut f.overflow);
                        let tier = t.og_tier.map_or(5, |n| usize::from(n) - 1);
                        f.by_og_tier[tier].add(amount, cur, &mut f.overflow);
                        f.payers.insert(n);
                        f.og_buyers.insert(n);
                    }
                }
                TransactionType::Refund => {
                    // Some writers store refunds negative: the refund is the absolute value.
                    if let Some((amount, cur)) = money {
                        f.refunds.add(amount.abs(), cur, &mut f.overflow);
                        f.by_payment_method[method].add(-amount.abs(), cur, &mut f.overflow);
                    }
                }
                TransactionType::GiftSent => {
                    add(&mut f.gifts_sent, 1, &mut f.overflow);
                    if let Some(coins) = t.coins() {
                        add(&mut f.gift_revenue, coins, &mut f.overflow);
                        add(&mut f.platform_fees, t.fees, &mut f.overflow);
                    }
                }
                TransactionType::PlatformFee => add(
                    &mut f.platform_fees,
                    t.coins().unwrap_or_default(),
                    &mut f.overflow,
                ),
                _ => {}
            }
        });
    }

    fn stream(&mut self, s: &Livestream) {
        let country = s.country.or_else(|| self.dir.country(&s.host_id));
        let secs = seconds(s.duration_sec);
        let n = self.user(&s.host_id);
        self.add(s.created_at, country, |f| {
            f.active.insert(n);
            let of = &mut f.overflow;
            add(&mut f.streams, 1, of);
            add(&mut f.stream_seconds, secs, of);
            add(&mut f.stream_viewers, s.total_viewers, of);
            let h = f.hosts.entry(n);
            add(&mut h.revenue, s.total_coins, of);
            add(&mut h.streams, 1, of);
            add(&mut h.viewers, s.total_viewers, of);
        });
        // A new host is one whose first stream ever (any country) is today; only `ALL` keeps the set.
        if self.dir.first_stream(&s.host_id) == Some(s.created_at) {
            let day = self.cal.day_of(s.created_at);
            self.out
                .entry((day, CountryFilter::All))
                .or_default()
                .new_hosts
                .insert(n);
        }
    }
}

/// Turns one pass's facts into rollup documents for `app_id`.
pub(crate) fn into_rollups(
    facts: FactsByDay,
    app_id: &str,
    cal: &Calendar,
    now: DateTime<Utc>,
) -> Vec<DailyRollup> {
    facts
        .into_iter()
        .map(|((date, country), facts)| DailyRollup {
            app_id: app_id.to_owned(),
            date,
            country,
            timezone: cal.tz().name().to_owned(),
            version: ROLLUP_VERSION,
            computed_at: now,
            generation: 0,
            facts,
        })
        .collect()
}
