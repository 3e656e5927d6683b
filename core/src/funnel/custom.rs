//! Custom funnels over `analyticsevents` (METRICS.md "Funnels", `docs/funnels.md`): an ordered list
//! of event names; users enter with a step-1 event in the requested days; each later step is an event
//! of the same user after the previous step and within the window from the entering event; each user
//! counts once, at the furthest step reached over all their entries.
//!
//! Events are read once, over the entry days plus the window after them. What is kept per user is a
//! compact row per event that can matter (a step's event; in `consecutive` order any event, since it
//! breaks a sequence; for a platform breakdown any event with a platform), sorted per user afterwards,
//! because a store need not hand events over in time order.

use std::collections::BTreeMap;
use std::sync::Arc;

use bson::oid::ObjectId;
use chrono::{DateTime, NaiveDate, Utc};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::{mean, median, percent, ConversionWindow, FunnelBreakdown, FunnelOrder, MAX_STEPS};
use crate::calendar::{Calendar, DateRange, TimeRange};
use crate::kpi::directory::UserDirectory;
use crate::model::{AnalyticsEvent, Country, CountryFilter};
use crate::store::{Store, StoreExt};
use crate::{Error, Result};

/// The most distinct platforms a breakdown tells apart; the rest are shown together as `other`
/// (platforms come from the data, and a hostile dataset could hold millions).
pub const MAX_PLATFORMS: usize = 1000;

/// One step of a funnel's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunnelStepResult {
    /// 1-based position.
    pub step: u32,
    /// The event name.
    pub event: String,
    /// Users who reached at least this step (never more than the step before).
    pub users: u64,
    /// `users` over the previous step's users in %; 100 for step 1 (`null` when nobody entered).
    pub conversion_from_previous: Option<f64>,
    /// `users` over the users who entered in %.
    pub conversion_overall: Option<f64>,
    /// Users of the previous step who did not reach this one (0 for step 1).
    pub drop_off: u64,
    /// `dropOff` over the previous step's users in %.
    pub drop_off_rate: Option<f64>,
    /// Median seconds from the previous step, over the users who reached this step.
    pub median_seconds_from_previous: Option<f64>,
    /// Mean seconds from the previous step.
    pub mean_seconds_from_previous: Option<f64>,
    /// Median seconds from the entering event.
    pub median_seconds_from_start: Option<f64>,
}

/// A funnel's steps over one group of users (all of them, or one breakdown value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunnelSeries {
    /// `ALL` for the total, else the breakdown value (a country code, `UNKNOWN`, a platform,
    /// `unknown`, or `other` past [`MAX_PLATFORMS`]).
    pub value: String,
    /// Users who entered (reached step 1).
    pub entered: u64,
    /// Users who reached the last step.
    pub completed: u64,
    /// `completed / entered` in %.
    pub conversion_rate: Option<f64>,
    /// One entry per step.
    pub steps: Vec<FunnelStepResult>,
}

/// A custom funnel's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFunnel {
    /// First entry day.
    pub from: NaiveDate,
    /// Last entry day, inclusive.
    pub to: NaiveDate,
    /// Reporting time zone.
    pub timezone: String,
    /// The entering events' selection by their country.
    pub country: CountryFilter,
    /// The event names, in order.
    pub steps: Vec<String>,
    /// How steps must follow each other.
    pub order: FunnelOrder,
    /// The window in calendar days, when given so.
    pub window_days: Option<u32>,
    /// The window in seconds, when given so.
    pub window_seconds: Option<u64>,
    /// What `breakdowns` are by, if anything.
    pub breakdown: Option<FunnelBreakdown>,
    /// Every user.
    pub total: FunnelSeries,
    /// One series per breakdown value, most entered first (empty without a breakdown).
    pub breakdowns: Vec<FunnelSeries>,
}

/// What a custom funnel asks, checked by the engine.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CustomSpec<'a> {
    pub steps: &'a [String],
    pub window: ConversionWindow,
    pub order: FunnelOrder,
    pub country: CountryFilter,
    pub breakdown: Option<FunnelBreakdown>,
}

/// An event name that is no step.
const OTHER: u16 = u16::MAX;
/// No platform.
const NO_PLATFORM: u16 = 0;

/// One event of a user, as kept: 16 bytes.
#[derive(Debug, Clone, Copy)]
struct Ev {
    /// Milliseconds since the epoch.
    t: i64,
    /// The position of its name among the funnel's distinct names, or [`OTHER`].
    name: u16,
    /// 1 + its platform's position in [`Platforms`], or [`NO_PLATFORM`].
    platform: u16,
    /// `location.country`.
    country: Option<Country>,
}

/// The distinct platforms seen, each once.
#[derive(Default)]
struct Platforms {
    ids: FxHashMap<Arc<str>, u16>,
    names: Vec<Arc<str>>,
}

impl Platforms {
    fn id(&mut self, p: Option<&Arc<str>>) -> u16 {
        let Some(p) = p else {
            return NO_PLATFORM;
        };
        if let Some(id) = self.ids.get(p) {
            return *id;
        }
        if self.names.len() >= MAX_PLATFORMS {
            return u16::MAX;
        }
        self.names.push(p.clone());
        let id = u16::try_from(self.names.len()).unwrap_or(u16::MAX);
        self.ids.insert(p.clone(), id);
        id
    }

    fn name(&self, id: u16) -> &str {
        match id {
            NO_PLATFORM => "unknown",
            _ => self
                .names
                .get(usize::from(id) - 1)
                .map_or("other", |s| s.as_ref()),
        }
    }
}

/// The counted attempt of one user: how far it got and when it reached each step.
struct Attempt {
    reached: usize,
    times: [i64; MAX_STEPS],
    /// The entering event's position in the user's sorted events.
    entry: usize,
}

/// Counts and times of one series while users are added.
struct Acc {
    users: Vec<u64>,
    from_previous: Vec<Vec<f64>>,
    from_start: Vec<Vec<f64>>,
}

impl Acc {
    fn new(n: usize) -> Self {
        Acc {
            users: vec![0; n],
            from_previous: vec![Vec::new(); n],
            from_start: vec![Vec::new(); n],
        }
    }

    fn add(&mut self, a: &Attempt) {
        for k in 0..a.reached {
            if let Some(u) = self.users.get_mut(k) {
                *u = u.saturating_add(1);
            }
            if k == 0 {
                continue;
            }
            let (Some(t), Some(prev), Some(start)) =
                (a.times.get(k), a.times.get(k - 1), a.times.first())
            else {
                continue;
            };
            if let Some(v) = self.from_previous.get_mut(k) {
                v.push(t.saturating_sub(*prev) as f64 / 1000.0);
            }
            if let Some(v) = self.from_start.get_mut(k) {
                v.push(t.saturating_sub(*start) as f64 / 1000.0);
            }
        }
    }

    fn series(mut self, value: String, steps: &[String]) -> FunnelSeries {
        let entered = self.users.first().copied().unwrap_or(0);
        let completed = self.users.last().copied().unwrap_or(0);
        let mut out = Vec::with_capacity(steps.len());
        for (k, event) in steps.iter().enumerate() {
            let users = self.users.get(k).copied().unwrap_or(0);
            let previous = match k {
                0 => entered,
                _ => self.users.get(k - 1).copied().unwrap_or(0),
            };
            let drop_off = previous.saturating_sub(users);
            let from_previous = self.from_previous.get_mut(k).map(std::mem::take);
            let mut from_previous = from_previous.unwrap_or_default();
            let mut from_start = self
                .from_start
                .get_mut(k)
                .map(std::mem::take)
                .unwrap_or_default();
            out.push(FunnelStepResult {
                step: u32::try_from(k + 1).unwrap_or(u32::MAX),
                event: event.clone(),
                users,
                conversion_from_previous: percent(users, previous),
                conversion_overall: percent(users, entered),
                drop_off,
                drop_off_rate: percent(drop_off, previous),
                mean_seconds_from_previous: mean(&from_previous),
                median_seconds_from_previous: median(&mut from_previous),
                median_seconds_from_start: median(&mut from_start),
            });
        }
        FunnelSeries {
            value,
            entered,
            completed,
            conversion_rate: percent(completed, entered),
            steps: out,
        }
    }
}

/// Computes a custom funnel for users entering on the days of `range`.
pub(crate) fn compute(
    store: &dyn Store,
    dir: &UserDirectory,
    cal: &Calendar,
    range: DateRange,
    spec: CustomSpec<'_>,
) -> Result<CustomFunnel> {
    let n = spec.steps.len();
    if !(super::MIN_STEPS..=MAX_STEPS).contains(&n) {
        return Err(Error::invalid_argument(
            "steps",
            format!(
                "{n} steps; a funnel has {} to {MAX_STEPS}",
                super::MIN_STEPS
            ),
        ));
    }
    // Steps may repeat a name (`view`, `view`, `buy`): names are matched once, steps refer to them.
    let mut names: Vec<&str> = Vec::new();
    let mut step_name = Vec::with_capacity(n);
    for s in spec.steps {
        let at = match names.iter().position(|x| *x == s.as_str()) {
            Some(at) => at,
            None => {
                names.push(s.as_str());
                names.len() - 1
            }
        };
        step_name.push(u16::try_from(at).unwrap_or(OTHER));
    }
    let name_of: FxHashMap<&str, u16> = names
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, u16::try_from(i).unwrap_or(OTHER)))
        .collect();
    let entry = cal.dates_range(range.from, range.to);
    let last_entry = entry
        .end
        .checked_sub_signed(chrono::Duration::milliseconds(1))
        .unwrap_or(entry.end);
    let read_end = spec
        .window
        .deadline(cal, last_entry)
        .and_then(|d| d.checked_add_signed(chrono::Duration::milliseconds(1)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let read = TimeRange {
        start: entry.start,
        end: read_end.max(entry.end),
    };
    let keep_others = spec.order == FunnelOrder::Consecutive;
    let by_platform = spec.breakdown == Some(FunnelBreakdown::Platform);
    let mut platforms = Platforms::default();
    let mut users: FxHashMap<ObjectId, Vec<Ev>> = FxHashMap::default();
    store.each::<AnalyticsEvent>(Some(read), |e| {
        let Some(user) = e.user_id else {
            return;
        };
        let name = name_of.get(e.event_name.as_str()).copied().unwrap_or(OTHER);
        let has_platform = by_platform && e.platform.is_some();
        if name == OTHER && !keep_others && !has_platform {
            return;
        }
        let platform = match by_platform {
            true => platforms.id(e.platform.as_ref()),
            false => NO_PLATFORM,
        };
        users.entry(user).or_default().push(Ev {
            t: e.timestamp.timestamp_millis(),
            name,
            platform,
            country: e.country,
        });
    })?;

    let mut total = Acc::new(n);
    let mut groups: BTreeMap<String, Acc> = BTreeMap::new();
    let first = step_name.first().copied().unwrap_or(OTHER);
    for (user, mut evs) in users {
        // Ties in time: steps before other events, earlier steps first, so the same data gives the
        // same answer from every store.
        evs.sort_unstable_by_key(|e| (e.t, e.name));
        let country_of = |e: &Ev| match e.country {
            Some(c) => CountryFilter::of(Some(c)),
            None => CountryFilter::of(dir.country(&user)),
        };
        let Some(best) = best_attempt(&evs, &step_name, first, &spec, cal, &entry, |e| {
            spec.country == CountryFilter::All || country_of(e) == spec.country
        }) else {
            continue;
        };
        total.add(&best);
        let Some(entering) = evs.get(best.entry) else {
            continue;
        };
        let value = match spec.breakdown {
            None => continue,
            Some(FunnelBreakdown::Country) => country_of(entering).key(),
            Some(FunnelBreakdown::Platform) => {
                let earlier = evs.get(..best.entry).unwrap_or_default();
                let p = std::iter::once(entering)
                    .chain(earlier.iter().rev())
                    .map(|e| e.platform)
                    .find(|p| *p != NO_PLATFORM)
                    .unwrap_or(NO_PLATFORM);
                platforms.name(p).to_owned()
            }
        };
        groups
            .entry(value)
            .or_insert_with(|| Acc::new(n))
            .add(&best);
    }
    let mut breakdowns: Vec<FunnelSeries> = groups
        .into_iter()
        .map(|(value, acc)| acc.series(value, spec.steps))
        .collect();
    breakdowns.sort_by(|a, b| b.entered.cmp(&a.entered).then(a.value.cmp(&b.value)));
    Ok(CustomFunnel {
        from: range.from,
        to: range.to,
        timezone: cal.tz().name().to_owned(),
        country: spec.country,
        steps: spec.steps.to_vec(),
        order: spec.order,
        window_days: spec.window.in_days(),
        window_seconds: spec.window.in_seconds(),
        breakdown: spec.breakdown,
        total: total.series("ALL".to_owned(), spec.steps),
        breakdowns,
    })
}

/// The attempt a user counts with: the furthest step reached over every entry (a step-1 event in the
/// entry days that `enters` accepts), the earliest such entry on a tie.
fn best_attempt(
    evs: &[Ev],
    step_name: &[u16],
    first: u16,
    spec: &CustomSpec<'_>,
    cal: &Calendar,
    entry: &TimeRange,
    enters: impl Fn(&Ev) -> bool,
) -> Option<Attempt> {
    let n = step_name.len();
    // Positions of each name in time order, for ordered matching by binary search.
    let positions: Vec<Vec<usize>> = match spec.order {
        FunnelOrder::Ordered => {
            let distinct = step_name.iter().map(|s| usize::from(*s) + 1).max()?;
            let mut p = vec![Vec::new(); distinct];
            for (i, e) in evs.iter().enumerate() {
                if let Some(v) = p.get_mut(usize::from(e.name)) {
                    v.push(i);
                }
            }
            p
        }
        FunnelOrder::Consecutive => Vec::new(),
    };
    let (start_ms, end_ms) = (entry.start.timestamp_millis(), entry.end.timestamp_millis());
    let mut best: Option<Attempt> = None;
    for (i, e) in evs.iter().enumerate() {
        if e.name != first || e.t < start_ms || e.t >= end_ms || !enters(e) {
            continue;
        }
        let deadline = DateTime::<Utc>::from_timestamp_millis(e.t)
            .and_then(|t| spec.window.deadline(cal, t))
            .map_or(i64::MAX, |d| d.timestamp_millis());
        let mut a = Attempt {
            reached: 1,
            times: [0; MAX_STEPS],
            entry: i,
        };
        a.times[0] = e.t;
        let mut cur = i;
        for (k, name) in step_name.iter().enumerate().skip(1) {
            let next = match spec.order {
                FunnelOrder::Ordered => positions.get(usize::from(*name)).and_then(|ps| {
                    let at = ps.partition_point(|p| *p <= cur);
                    ps.get(at).copied()
                }),
                FunnelOrder::Consecutive => {
                    Some(cur + 1).filter(|j| evs.get(*j).is_some_and(|x| x.name == *name))
                }
            };
            let Some(j) = next.filter(|j| evs.get(*j).is_some_and(|x| x.t <= deadline)) else {
                break;
            };
            let (Some(x), Some(slot)) = (evs.get(j), a.times.get_mut(k)) else {
                break;
            };
            *slot = x.t;
            a.reached = k + 1;
            cur = j;
        }
        if best.as_ref().is_none_or(|b| a.reached > b.reached) {
            let done = a.reached == n;
            best = Some(a);
            if done {
                break;
            }
        }
    }
    best
}
