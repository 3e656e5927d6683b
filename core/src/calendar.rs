//! Calendar periods in the reporting time zone (METRICS.md "Conventions"): a day is the half-open instant
//! range from local midnight to the next local midnight, so it is 23 or 25 hours long on DST change days;
//! weeks start on Monday; months are calendar months.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A half-open instant range `[start, end)`: a reporting day is one of these in the reporting time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeRange {
    /// First instant inside.
    pub start: DateTime<Utc>,
    /// First instant after.
    pub end: DateTime<Utc>,
}

impl TimeRange {
    /// The range `[start, end)`; an error when `end` is before `start`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self> {
        if end < start {
            return Err(Error::invalid_argument(
                "time range",
                format!("end {end} is before start {start}"),
            ));
        }
        Ok(TimeRange { start, end })
    }

    /// Whether `t` is inside.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }
}

/// The reporting time zone with day arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    tz: Tz,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar {
            tz: chrono_tz::Australia::Sydney,
        }
    }
}

impl Calendar {
    /// A calendar in `tz`.
    pub fn new(tz: Tz) -> Self {
        Calendar { tz }
    }

    /// Parses an IANA zone name (`Australia/Sydney`).
    pub fn parse(name: &str) -> Result<Self> {
        name.parse::<Tz>().map(Calendar::new).map_err(|_| {
            Error::invalid_argument(
                "time zone",
                format!("`{name}` is not an IANA time zone name such as `Australia/Sydney`"),
            )
        })
    }

    /// The zone.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The local date that contains instant `t`.
    ///
    /// Rollups ask this of every document, mostly in time order, so each thread remembers the last
    /// day's bounds: an instant inside them needs two comparisons instead of a time-zone lookup.
    pub fn day_of(&self, t: DateTime<Utc>) -> NaiveDate {
        type Span = Option<(Tz, DateTime<Utc>, DateTime<Utc>, NaiveDate)>;
        thread_local! {
            static LAST: std::cell::Cell<Span> = const { std::cell::Cell::new(None) };
        }
        if let Some((tz, start, end, d)) = LAST.get() {
            if tz == self.tz && start <= t && t < end {
                return d;
            }
        }
        let d = t.with_timezone(&self.tz).date_naive();
        if let Some(next) = d.succ_opt() {
            let (start, end) = (self.day_start(d), self.day_start(next));
            // Remembered only when the bounds hold `t` (they always should; the check costs nothing).
            if start <= t && t < end {
                LAST.set(Some((self.tz, start, end, d)));
            }
        }
        d
    }

    /// The first instant of local day `d`. Midnight can be skipped by a DST jump in some zones; then the
    /// day starts at the first local time that exists.
    pub fn day_start(&self, d: NaiveDate) -> DateTime<Utc> {
        let mut local = d.and_time(NaiveTime::MIN);
        // A DST gap is at most a few hours; step through it a quarter hour at a time.
        for _ in 0..(4 * 24) {
            match self.tz.from_local_datetime(&local) {
                LocalResult::Single(t) => return t.with_timezone(&Utc),
                LocalResult::Ambiguous(earliest, _) => return earliest.with_timezone(&Utc),
                LocalResult::None => local += chrono::Duration::minutes(15),
            }
        }
        // Unreachable for real zones; fall back to UTC midnight rather than panic.
        d.and_time(NaiveTime::MIN).and_utc()
    }

    /// The instants of local day `d`: `[d 00:00, d+1 00:00)`.
    pub fn day_range(&self, d: NaiveDate) -> TimeRange {
        self.dates_range(d, d)
    }

    /// The instants of the local dates `from..=to`.
    pub fn dates_range(&self, from: NaiveDate, to: NaiveDate) -> TimeRange {
        TimeRange {
            start: self.day_start(from),
            end: self.day_start(next_day(to)),
        }
    }

    /// The length of local day `d` in hours (23, 24 or 25 in Sydney).
    pub fn day_hours(&self, d: NaiveDate) -> f64 {
        let r = self.day_range(d);
        (r.end - r.start).num_seconds() as f64 / 3600.0
    }
}

impl fmt::Display for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tz.name())
    }
}

/// The day after `d` (saturating at the end of chrono's range).
pub fn next_day(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).unwrap_or(d)
}

/// `d` plus `n` days (saturating).
pub fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    if n >= 0 {
        d.checked_add_days(Days::new(n.unsigned_abs()))
            .unwrap_or(NaiveDate::MAX)
    } else {
        d.checked_sub_days(Days::new(n.unsigned_abs()))
            .unwrap_or(NaiveDate::MIN)
    }
}

/// An inclusive range of local dates `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateRange {
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
}

impl DateRange {
    /// `from..=to`; an error when `from` is after `to`.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self> {
        if from > to {
            return Err(Error::invalid_argument(
                "date range",
                format!("`from` {from} is after `to` {to}"),
            ));
        }
        Ok(DateRange { from, to })
    }

    /// One day.
    pub fn day(d: NaiveDate) -> Self {
        DateRange { from: d, to: d }
    }

    /// Number of days.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// Each day in order.
    pub fn iter(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.from.iter_days().take_while(move |d| *d <= self.to)
    }

    /// Whether `d` is inside.
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }

    /// The previous period: the same number of days ending the day before `from`.
    pub fn previous(&self) -> DateRange {
        let to = add_days(self.from, -1);
        DateRange {
            from: add_days(to, -(self.days() - 1)),
            to,
        }
    }

    /// The 30 days ending on `to` (`to − 29 ..= to`), the window of `mau` and `churnRiskScore`.
    pub fn trailing_30(&self) -> DateRange {
        DateRange {
            from: add_days(self.to, -29),
            to: self.to,
        }
    }
}

/// Time-series bucket size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    /// One bucket per local day.
    #[default]
    Day,
    /// One bucket per Monday-started week.
    Week,
    /// One bucket per calendar month.
    Month,
}

impl<'de> Deserialize<'de> for Granularity {
    /// The names [`FromStr`] accepts, so every front end reads the same words.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|e: Error| serde::de::Error::custom(e.serde_reason()))
    }
}

impl FromStr for Granularity {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "day" | "daily" => Ok(Granularity::Day),
            "week" | "weekly" => Ok(Granularity::Week),
            "month" | "monthly" => Ok(Granularity::Month),
            _ => Err(Error::invalid_argument(
                "granularity",
                format!("`{s}` is not one of day, week, month"),
            )),
        }
    }
}

impl fmt::Display for Granularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        })
    }
}

/// One time-series bucket: the calendar period it stands for (`start`, its first day) and the days of it
/// inside the requested range (`range`), which the bucket's value is computed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    /// First day of the calendar period (a Monday for weeks, the 1st for months).
    pub start: NaiveDate,
    /// The part of the period inside the requested range.
    pub range: DateRange,
}

impl Granularity {
    /// The first day of the period containing `d`.
    pub fn period_start(self, d: NaiveDate) -> NaiveDate {
        match self {
            Granularity::Day => d,
            Granularity::Week => add_days(d, -i64::from(d.weekday().num_days_from_monday())),
            Granularity::Month => d.with_day(1).unwrap_or(d),
        }
    }

    /// The last day of the period starting at `start`.
    pub fn period_end(self, start: NaiveDate) -> NaiveDate {
        match self {
            Granularity::Day => start,
            Granularity::Week => add_days(start, 6),
            Granularity::Month => start
                .checked_add_months(chrono::Months::new(1))
                .map_or(NaiveDate::MAX, |m| add_days(m, -1)),
        }
    }

    /// The buckets covering `range`, in order; the first and last are clipped to the range.
    pub fn buckets(self, range: DateRange) -> Vec<Bucket> {
        let mut out = Vec::new();
        let mut start = self.period_start(range.from);
        while start <= range.to {
            let end = self.period_end(start);
            out.push(Bucket {
                start,
                range: DateRange {
                    from: start.max(range.from),
                    to: end.min(range.to),
                },
            });
            start = next_day(end);
            if end == NaiveDate::MAX {
                break;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The remembered day bounds never change an answer: every quarter hour across both DST changes
    /// of 2026 in Sydney, forwards, backwards and alternating between two zones.
    #[test]
    fn remembered_days_agree_with_the_zone() {
        let sydney = Calendar::parse("Australia/Sydney").expect("zone");
        let kathmandu = Calendar::parse("Asia/Kathmandu").expect("zone");
        let mut instants = Vec::new();
        for (from, to) in [
            ("2026-04-03T00:00:00Z", "2026-04-07T00:00:00Z"),
            ("2026-10-02T00:00:00Z", "2026-10-06T00:00:00Z"),
        ] {
            let mut t: DateTime<Utc> = from.parse().expect("instant");
            let end: DateTime<Utc> = to.parse().expect("instant");
            while t < end {
                instants.push(t);
                t += chrono::Duration::minutes(15);
            }
        }
        let plain = |c: &Calendar, t: DateTime<Utc>| t.with_timezone(&c.tz()).date_naive();
        for t in instants.iter().chain(instants.iter().rev()) {
            assert_eq!(sydney.day_of(*t), plain(&sydney, *t), "{t}");
            assert_eq!(kathmandu.day_of(*t), plain(&kathmandu, *t), "{t}");
        }
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn sydney_dst_days_are_23_and_25_hours() {
        let cal = Calendar::default();
        // DST ends 2026-04-05 03:00 AEDT -> 02:00 AEST: a 25-hour day.
        assert_eq!(cal.day_hours(d("2026-04-05")), 25.0);
        // DST starts 2026-10-04 02:00 AEST -> 03:00 AEDT: a 23-hour day.
        assert_eq!(cal.day_hours(d("2026-10-04")), 23.0);
        assert_eq!(cal.day_hours(d("2026-04-06")), 24.0);
        let r = cal.day_range(d("2026-04-05"));
        assert_eq!(r.start.to_rfc3339(), "2026-04-04T13:00:00+00:00");
        assert_eq!(r.end.to_rfc3339(), "2026-04-05T14:00:00+00:00");
    }

    #[test]
    fn instants_belong_to_their_local_day() {
        let cal = Calendar::default();
        let t: DateTime<Utc> = "2026-04-05T13:59:59Z".parse().unwrap();
        assert_eq!(cal.day_of(t), d("2026-04-05"));
        let t: DateTime<Utc> = "2026-04-05T14:00:00Z".parse().unwrap();
        assert_eq!(cal.day_of(t), d("2026-04-06"));
    }

    #[test]
    fn a_zone_whose_midnight_is_skipped_starts_at_the_first_real_time() {
        // America/Santiago jumps from 00:00 to 01:00 on 2026-09-06.
        let cal = Calendar::parse("America/Santiago").unwrap();
        let start = cal.day_start(d("2026-09-06"));
        assert_eq!(cal.day_of(start), d("2026-09-06"));
        assert_eq!(cal.day_hours(d("2026-09-06")), 23.0);
    }

    #[test]
    fn previous_period_and_trailing_window() {
        let r = DateRange::new(d("2026-03-01"), d("2026-03-31")).unwrap();
        assert_eq!(r.days(), 31);
        assert_eq!(
            r.previous(),
            DateRange {
                from: d("2026-01-29"),
                to: d("2026-02-28")
            }
        );
        assert_eq!(r.trailing_30().from, d("2026-03-02"));
        assert!(DateRange::new(d("2026-03-02"), d("2026-03-01")).is_err());
    }

    #[test]
    fn weekly_buckets_start_on_monday_and_cross_month_ends() {
        let r = DateRange::new(d("2026-01-28"), d("2026-02-10")).unwrap();
        let b = Granularity::Week.buckets(r);
        let starts: Vec<_> = b
            .iter()
            .map(|b| (b.start, b.range.from, b.range.to))
            .collect();
        assert_eq!(
            starts,
            [
                (d("2026-01-26"), d("2026-01-28"), d("2026-02-01")),
                (d("2026-02-02"), d("2026-02-02"), d("2026-02-08")),
                (d("2026-02-09"), d("2026-02-09"), d("2026-02-10")),
            ]
        );
        let m = Granularity::Month.buckets(r);
        assert_eq!(m.len(), 2);
        assert_eq!(
            m[1].range,
            DateRange {
                from: d("2026-02-01"),
                to: d("2026-02-10")
            }
        );
        assert_eq!(Granularity::Day.buckets(r).len(), 14);
    }
}
