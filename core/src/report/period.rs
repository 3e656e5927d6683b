//! The period of a report in the reporting time zone's calendar days, and the period it is compared
//! with. "As of" a day D (today by the engine's clock, or a date the caller gives): a daily report
//! covers the last complete day (D − 1), a weekly one the last complete Monday–Sunday week, a monthly
//! one the last complete calendar month; each is compared with the same kind of period just before it
//! (the day, the week, the calendar month before). A custom range is compared with the same number of
//! days just before it.

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::{add_days, DateRange};
use crate::{Error, Result};

/// Which period a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "period")]
pub enum ReportPeriod {
    /// The last complete day.
    Daily,
    /// The last complete Monday–Sunday week.
    Weekly,
    /// The last complete calendar month.
    Monthly,
    /// A range of the caller's.
    Custom {
        /// First day.
        from: NaiveDate,
        /// Last day, inclusive.
        to: NaiveDate,
    },
}

impl ReportPeriod {
    /// The period's name in file names and records: `daily`, `weekly`, `monthly`, `custom`.
    pub fn key(&self) -> &'static str {
        match self {
            ReportPeriod::Daily => "daily",
            ReportPeriod::Weekly => "weekly",
            ReportPeriod::Monthly => "monthly",
            ReportPeriod::Custom { .. } => "custom",
        }
    }

    /// The range and its comparison range as of the local day `as_of` (the periods that ended
    /// before it).
    pub fn resolve(&self, as_of: NaiveDate) -> Result<ResolvedPeriod> {
        let (range, previous) = match *self {
            ReportPeriod::Daily => {
                let day = add_days(as_of, -1);
                (DateRange::day(day), DateRange::day(add_days(day, -1)))
            }
            ReportPeriod::Weekly => {
                // The Monday of as_of's week; the last complete week ends the Sunday before it.
                let monday = add_days(as_of, -i64::from(as_of.weekday().num_days_from_monday()));
                let from = add_days(monday, -7);
                let range = DateRange {
                    from,
                    to: add_days(monday, -1),
                };
                (range, range.previous())
            }
            ReportPeriod::Monthly => {
                let this_month = first_of_month(as_of);
                let last = month_before(this_month)?;
                let range = DateRange {
                    from: last,
                    to: this_month - Duration::days(1),
                };
                let before = month_before(last)?;
                (
                    range,
                    DateRange {
                        from: before,
                        to: last - Duration::days(1),
                    },
                )
            }
            ReportPeriod::Custom { from, to } => {
                let range = DateRange::new(from, to)?;
                (range, range.previous())
            }
        };
        Ok(ResolvedPeriod {
            period: *self,
            as_of,
            range,
            previous,
        })
    }
}

/// A period resolved to days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedPeriod {
    /// The period asked for.
    pub period: ReportPeriod,
    /// The local day it was resolved as of.
    pub as_of: NaiveDate,
    /// The days the report covers.
    pub range: DateRange,
    /// The days it is compared with.
    pub previous: DateRange,
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// The first day of the month before the month starting on `first`.
fn month_before(first: NaiveDate) -> Result<NaiveDate> {
    let (y, m) = if first.month() == 1 {
        (first.year() - 1, 12)
    } else {
        (first.year(), first.month() - 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(|| {
        Error::invalid_argument("at", format!("{first}: no calendar month before it"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or(NaiveDate::MIN)
    }

    fn r(from: &str, to: &str) -> DateRange {
        DateRange {
            from: d(from),
            to: d(to),
        }
    }

    #[test]
    fn periods_as_of_a_day_and_their_comparisons() {
        // 2026-04-06 is a Monday, the day after the Sydney DST change (local days stay whole days).
        let daily = ReportPeriod::Daily.resolve(d("2026-04-06")).unwrap();
        assert_eq!(
            (daily.range, daily.previous),
            (r("2026-04-05", "2026-04-05"), r("2026-04-04", "2026-04-04"))
        );
        // As of a Monday the last complete week is the one before; as of a Sunday too (it is not over).
        for as_of in ["2026-04-06", "2026-04-12"] {
            let w = ReportPeriod::Weekly.resolve(d(as_of)).unwrap();
            assert_eq!(w.range, r("2026-03-30", "2026-04-05"), "as of {as_of}");
            assert_eq!(w.previous, r("2026-03-23", "2026-03-29"));
        }
        // Calendar months of different lengths, across a year end and a leap February.
        let m = ReportPeriod::Monthly.resolve(d("2026-03-15")).unwrap();
        assert_eq!(
            (m.range, m.previous),
            (r("2026-02-01", "2026-02-28"), r("2026-01-01", "2026-01-31"))
        );
        let m = ReportPeriod::Monthly.resolve(d("2025-01-01")).unwrap();
        assert_eq!(
            (m.range, m.previous),
            (r("2024-12-01", "2024-12-31"), r("2024-11-01", "2024-11-30"))
        );
        let m = ReportPeriod::Monthly.resolve(d("2024-03-31")).unwrap();
        assert_eq!(m.range, r("2024-02-01", "2024-02-29"));
        // A custom range is compared with as many days just before it.
        let c = ReportPeriod::Custom {
            from: d("2026-04-01"),
            to: d("2026-04-10"),
        }
        .resolve(d("2026-05-01"))
        .unwrap();
        assert_eq!(c.previous, r("2026-03-22", "2026-03-31"));
        // Its file name (record::file_name, the one place names are made).
        assert_eq!(
            crate::report::record::file_name(
                c.period.key(),
                c.range.from,
                c.range.to,
                "ALL",
                crate::report::ReportFormat::Pdf
            ),
            "halobuzz-custom-2026-04-01-2026-04-10.pdf"
        );
        assert!(ReportPeriod::Custom {
            from: d("2026-04-10"),
            to: d("2026-04-01")
        }
        .resolve(d("2026-05-01"))
        .is_err());
        // The calendar's first month has no month before it: an error, not a panic.
        assert!(ReportPeriod::Monthly.resolve(NaiveDate::MIN).is_err());
        assert!(ReportPeriod::Weekly.resolve(NaiveDate::MIN).is_ok());
        // Weekly ranges start on a Monday whatever the day they are resolved as of.
        for k in 0..14 {
            let w = ReportPeriod::Weekly
                .resolve(add_days(d("2026-10-01"), k))
                .unwrap();
            assert_eq!(w.range.from.weekday(), chrono::Weekday::Mon);
            assert_eq!(w.range.days(), 7);
        }
    }

    #[test]
    fn periods_read_from_requests() {
        let p: ReportPeriod = serde_json::from_str(r#"{"period":"monthly"}"#).unwrap();
        assert_eq!(p, ReportPeriod::Monthly);
        let p: ReportPeriod =
            serde_json::from_str(r#"{"period":"custom","from":"2026-01-01","to":"2026-01-31"}"#)
                .unwrap();
        assert_eq!(p.key(), "custom");
    }
}
