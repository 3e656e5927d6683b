//! The built-in funnels per signup day (METRICS.md "Funnels", `docs/funnels.md`): signup → first
//! stream, → first gift sent, → first money payment, each converted when the user's first qualifying
//! document at or after the signup instant falls within the conversion window.
//!
//! What a signup day measures ([`DayMeasure`]: members, and the time to convert of each converted
//! member) is what an `analyticsfunnels` document keeps, so a day read back and a day recomputed give
//! the same rows, medians included.

use std::collections::BTreeMap;

use bson::oid::ObjectId;
use chrono::{DateTime, NaiveDate, Utc};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::{percent, wall_clock_later};
use crate::calendar::{Calendar, DateRange, TimeRange};
use crate::dictionary::Numbering;
use crate::kpi::directory::{Selection, UserDirectory};
use crate::model::{CountryFilter, Livestream, Transaction, TransactionType, User};
use crate::store::{AnalyticsDoc, DocKey, DocSpec, Store, StoreExt};
use crate::Result;

/// The version of the `analyticsfunnels` layout; a document of another version is recomputed.
pub const FUNNEL_VERSION: u32 = 1;

/// Milliseconds in a day: days to convert are elapsed time / 86,400 s, fractional.
const DAY_MILLIS: f64 = 86_400_000.0;

/// The three built-in funnels, each from signup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuiltinStep {
    /// A `livestreams` document with the user as `hostId` (`createdAt`).
    FirstStream,
    /// A completed `gift_sent` transaction.
    FirstGiftSent,
    /// A completed `recharge` or OG purchase with a money value.
    FirstMoneyPayment,
}

impl BuiltinStep {
    /// Every built-in funnel, in the order they are shown.
    pub const ALL: [BuiltinStep; 3] = [
        BuiltinStep::FirstStream,
        BuiltinStep::FirstGiftSent,
        BuiltinStep::FirstMoneyPayment,
    ];

    /// The name stored in `analyticsfunnels.funnel`.
    pub const fn key(self) -> &'static str {
        match self {
            BuiltinStep::FirstStream => "first_stream",
            BuiltinStep::FirstGiftSent => "first_gift_sent",
            BuiltinStep::FirstMoneyPayment => "first_money_payment",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// One built-in funnel of one signup day, as stored in `analyticsfunnels` (only for days whose window
/// is over and settled).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunnelDoc {
    /// Application id.
    pub app_id: String,
    /// Which funnel.
    pub funnel: BuiltinStep,
    /// The local signup day.
    pub date: NaiveDate,
    /// `ALL`, a country code or `UNKNOWN`: the members' selection by `users.country`.
    pub country: CountryFilter,
    /// The conversion window in calendar days.
    pub window_days: i64,
    /// The reporting time zone the day was cut in; a document of another zone is not reused.
    pub timezone: String,
    /// Layout version ([`FUNNEL_VERSION`]).
    pub version: u32,
    /// When it was computed (by the engine's clock).
    pub computed_at: DateTime<Utc>,
    /// Members: selected users who signed up that day.
    pub members: u64,
    /// The time to convert of each converted member, in milliseconds, ascending.
    pub millis_to_convert: Vec<i64>,
}

impl AnalyticsDoc for FunnelDoc {
    const SPEC: DocSpec = DocSpec {
        collection: "analyticsfunnels",
        key_fields: &["appId", "funnel", "date", "country", "windowDays"],
        key_index: "appId_1_funnel_1_date_1_country_1_windowDays_1",
        retired_indexes: &[],
        indexes: &[],
        // Recomputable from raw documents.
        evictable: true,
    };

    fn key(&self) -> DocKey {
        DocKey(vec![
            self.app_id.as_str().into(),
            self.funnel.key().into(),
            self.date.into(),
            self.country.key().into(),
            self.window_days.into(),
        ])
    }
}

/// One built-in funnel of a signup day or of the whole range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversion {
    /// Members who converted within the window.
    pub converted: u64,
    /// `converted / members` in % (0–100); `null` without members.
    pub conversion_rate: Option<f64>,
    /// Mean days from signup to conversion over converted members (fractional); `null` when none.
    pub mean_days_to_convert: Option<f64>,
    /// Median days from signup to conversion over converted members; `null` when none.
    pub median_days_to_convert: Option<f64>,
}

/// The three funnels of one signup day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignupDayFunnels {
    /// The local signup day.
    pub date: NaiveDate,
    /// Selected users who signed up that day.
    pub members: u64,
    /// Whether the window of the day's last possible signup has ended by the as-of instant: until
    /// then, later conversions may still come in.
    pub window_complete: bool,
    /// Signup → first stream as host.
    pub first_stream: Conversion,
    /// Signup → first completed gift sent.
    pub first_gift_sent: Conversion,
    /// Signup → first completed money payment (a recharge or OG purchase with a money value).
    pub first_money_payment: Conversion,
}

/// The three funnels over every signup day of the range (sums of the day rows; rates, means and
/// medians recomputed over all members, never averaged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunnelTotals {
    /// Members of every day.
    pub members: u64,
    /// Whether every day's window is complete.
    pub window_complete: bool,
    /// Signup → first stream.
    pub first_stream: Conversion,
    /// Signup → first gift sent.
    pub first_gift_sent: Conversion,
    /// Signup → first money payment.
    pub first_money_payment: Conversion,
}

/// The built-in funnels of a signup range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuiltinFunnels {
    /// First signup day.
    pub from: NaiveDate,
    /// Last signup day, inclusive.
    pub to: NaiveDate,
    /// Members' selection by `users.country`.
    pub country: CountryFilter,
    /// Reporting time zone.
    pub timezone: String,
    /// Conversion window in calendar days.
    pub window_days: u32,
    /// The engine clock's instant the windows were judged at.
    pub as_of: DateTime<Utc>,
    /// One row per signup day, oldest first (days without members included).
    pub days: Vec<SignupDayFunnels>,
    /// The whole range.
    pub total: FunnelTotals,
}

/// What one signup day measures: its members, and per funnel the time to convert of each converted
/// member (milliseconds, ascending).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct DayMeasure {
    pub members: u64,
    pub millis: [Vec<i64>; 3],
}

impl DayMeasure {
    /// The day's three documents.
    pub(crate) fn to_docs(
        &self,
        app_id: &str,
        date: NaiveDate,
        country: CountryFilter,
        window_days: u32,
        timezone: &str,
        now: DateTime<Utc>,
    ) -> Vec<FunnelDoc> {
        BuiltinStep::ALL
            .iter()
            .map(|step| FunnelDoc {
                app_id: app_id.to_owned(),
                funnel: *step,
                date,
                country,
                window_days: i64::from(window_days),
                timezone: timezone.to_owned(),
                version: FUNNEL_VERSION,
                computed_at: now,
                members: self.members,
                millis_to_convert: self.millis.get(step.index()).cloned().unwrap_or_default(),
            })
            .collect()
    }

    /// The day read back from its three documents, if they agree with each other.
    pub(crate) fn from_docs(docs: &[&FunnelDoc]) -> Option<DayMeasure> {
        let mut out = DayMeasure::default();
        let mut seen = [false; 3];
        for (n, d) in docs.iter().enumerate() {
            let i = d.funnel.index();
            let slot = seen.get_mut(i)?;
            if *slot || (n > 0 && d.members != out.members) {
                return None;
            }
            *slot = true;
            out.members = d.members;
            let mut millis = d.millis_to_convert.clone();
            millis.sort_unstable();
            *out.millis.get_mut(i)? = millis;
        }
        seen.iter().all(|s| *s).then_some(out)
    }
}

/// A member being measured.
struct Member {
    day: NaiveDate,
    signup: DateTime<Utc>,
    deadline: DateTime<Utc>,
    /// The first qualifying instant at or after signup, per funnel.
    first: [Option<DateTime<Utc>>; 3],
}

/// Whether user `id` of `users.country` = `u.country` is in `selection` (by their dictionary number,
/// as cohorts select them; a user the dictionary has not numbered yet by their country).
fn selected(
    selection: &Selection<'_>,
    numbering: &Numbering,
    country: CountryFilter,
    u: &User,
) -> bool {
    match (selection, numbering.users.get(&u.id)) {
        (Selection::All, _) => true,
        (Selection::Only(set), Some(n)) => set.contains(n),
        (Selection::Except(set), Some(n)) => !set.contains(n),
        (_, None) => country.selects(u.country),
    }
}

/// Measures every signup day of `days` from raw documents: members are read from `users` by signup
/// instant; streams and transactions from the first signup to the last member's deadline.
pub(crate) fn measure(
    store: &dyn Store,
    dir: &UserDirectory,
    numbering: &Numbering,
    cal: &Calendar,
    days: DateRange,
    country: CountryFilter,
    window_days: u32,
) -> Result<BTreeMap<NaiveDate, DayMeasure>> {
    let selection = dir.selection(country);
    let signups = cal.dates_range(days.from, days.to);
    let mut members: FxHashMap<ObjectId, Member> = FxHashMap::default();
    store.each::<User>(Some(signups), |u| {
        if !selected(&selection, numbering, country, u) {
            return;
        }
        let deadline =
            wall_clock_later(cal, u.created_at, window_days).unwrap_or(DateTime::<Utc>::MAX_UTC);
        members.insert(
            u.id,
            Member {
                day: cal.day_of(u.created_at),
                signup: u.created_at,
                deadline,
                first: [None; 3],
            },
        );
    })?;
    let mut out: BTreeMap<NaiveDate, DayMeasure> =
        days.iter().map(|d| (d, DayMeasure::default())).collect();
    let Some(last) = members.values().map(|m| m.deadline).max() else {
        return Ok(out);
    };
    // Deadlines are inclusive; the scan's range is half-open.
    let end = last
        .checked_add_signed(chrono::Duration::milliseconds(1))
        .unwrap_or(last);
    let read = TimeRange {
        start: signups.start,
        end: end.max(signups.start),
    };
    let saw = |m: &mut Member, step: BuiltinStep, t: DateTime<Utc>| {
        if t >= m.signup {
            if let Some(slot) = m.first.get_mut(step.index()) {
                *slot = Some(slot.map_or(t, |s| s.min(t)));
            }
        }
    };
    store.each::<Livestream>(Some(read), |s| {
        if let Some(m) = members.get_mut(&s.host_id) {
            saw(m, BuiltinStep::FirstStream, s.created_at);
        }
    })?;
    store.each::<Transaction>(Some(read), |t| {
        if !t.is_completed() {
            return;
        }
        let Some(m) = members.get_mut(&t.user_id) else {
            return;
        };
        match t.kind {
            TransactionType::GiftSent => saw(m, BuiltinStep::FirstGiftSent, t.created_at),
            k if (k == TransactionType::Recharge || k.is_og_purchase()) && t.money().is_some() => {
                saw(m, BuiltinStep::FirstMoneyPayment, t.created_at)
            }
            _ => {}
        }
    })?;
    for m in members.values() {
        let Some(day) = out.get_mut(&m.day) else {
            continue;
        };
        day.members = day.members.saturating_add(1);
        for (slot, first) in day.millis.iter_mut().zip(m.first) {
            if let Some(t) = first.filter(|t| *t <= m.deadline) {
                slot.push((t - m.signup).num_milliseconds());
            }
        }
    }
    for day in out.values_mut() {
        day.millis.iter_mut().for_each(|m| m.sort_unstable());
    }
    Ok(out)
}

/// A funnel's conversion over `members` from the sorted times to convert.
fn conversion(members: u64, millis: &[i64]) -> Conversion {
    let converted = millis.len() as u64;
    // An integer sum: the same whatever order the days were added in.
    let sum: i128 = millis.iter().map(|m| i128::from(*m)).sum();
    let mean = (converted > 0).then(|| sum as f64 / converted as f64 / DAY_MILLIS);
    let n = millis.len();
    let median = match n {
        0 => None,
        _ if n % 2 == 1 => millis.get(n / 2).map(|m| *m as f64 / DAY_MILLIS),
        _ => millis
            .get(n / 2 - 1)
            .zip(millis.get(n / 2))
            .map(|(a, b)| (*a as f64 + *b as f64) / 2.0 / DAY_MILLIS),
    };
    Conversion {
        converted,
        conversion_rate: percent(converted, members),
        mean_days_to_convert: mean,
        median_days_to_convert: median,
    }
}

/// The rows of measured days, judged complete by `complete`, and their total.
pub(crate) fn present(
    measured: &BTreeMap<NaiveDate, DayMeasure>,
    complete: impl Fn(NaiveDate) -> bool,
) -> (Vec<SignupDayFunnels>, FunnelTotals) {
    let mut rows = Vec::with_capacity(measured.len());
    let mut all: [Vec<i64>; 3] = Default::default();
    let mut members = 0u64;
    let mut all_complete = true;
    for (date, m) in measured {
        let [s, g, p] = &m.millis;
        let window_complete = complete(*date);
        all_complete &= window_complete;
        members = members.saturating_add(m.members);
        for (acc, xs) in all.iter_mut().zip(&m.millis) {
            acc.extend_from_slice(xs);
        }
        rows.push(SignupDayFunnels {
            date: *date,
            members: m.members,
            window_complete,
            first_stream: conversion(m.members, s),
            first_gift_sent: conversion(m.members, g),
            first_money_payment: conversion(m.members, p),
        });
    }
    all.iter_mut().for_each(|m| m.sort_unstable());
    let [s, g, p] = &all;
    let total = FunnelTotals {
        members,
        window_complete: all_complete,
        first_stream: conversion(members, s),
        first_gift_sent: conversion(members, g),
        first_money_payment: conversion(members, p),
    };
    (rows, total)
}
