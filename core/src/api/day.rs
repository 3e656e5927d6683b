//! A local day as every front end writes it: exactly `YYYY-MM-DD`. chrono alone would also take
//! `2026-4-1` or `+2026-04-01`; the request contract is the ISO form only, so the CLI, Node and Python
//! accept and refuse the same strings.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// What a day must look like, for messages.
pub const DAY_FORMAT: &str = "a local date written YYYY-MM-DD";

/// A local date of the reporting time zone, read strictly from `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Day(pub NaiveDate);

impl Day {
    /// Parses `text` strictly; `name` names the argument in the error.
    pub fn parse_named(name: &'static str, text: &str) -> Result<Day> {
        let well_formed = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        let parsed = well_formed
            .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
            .flatten();
        parsed.map(Day).ok_or_else(|| {
            let hint = if text.contains('T') {
                " without a time: it names a local day in the reporting time zone, not an instant"
            } else {
                ""
            };
            Error::invalid_argument(name, format!("`{text}` is not {DAY_FORMAT}{hint}"))
        })
    }

    /// The date.
    pub fn date(self) -> NaiveDate {
        self.0
    }
}

impl FromStr for Day {
    type Err = Error;

    fn from_str(s: &str) -> Result<Day> {
        Day::parse_named("date", s)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl From<NaiveDate> for Day {
    fn from(d: NaiveDate) -> Self {
        Day(d)
    }
}

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Day;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{DAY_FORMAT} (a string, not a date object)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Day, E> {
                Day::parse_named("date", v).map_err(|e| E::custom(e.serde_reason()))
            }
        }
        d.deserialize_str(Visitor)
    }
}

/// Serde helper for a `NaiveDate` field read strictly as [`Day`].
pub mod strict_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Day;

    /// Writes `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        Day(*d).serialize(s)
    }

    /// Reads `YYYY-MM-DD` strictly.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        Day::deserialize(d).map(|d| d.0)
    }
}

/// Serde helper for an optional `NaiveDate` field read strictly as [`Day`].
pub mod strict_date_opt {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Day;

    /// Writes `YYYY-MM-DD` or `null`.
    pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        d.map(Day).serialize(s)
    }

    /// Reads `YYYY-MM-DD` strictly, or nothing.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        Option::<Day>::deserialize(d).map(|d| d.map(|d| d.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_iso_form_is_a_day() {
        assert_eq!(
            "2026-04-01".parse::<Day>().unwrap().to_string(),
            "2026-04-01"
        );
        for bad in [
            "2026-4-1",
            "+2026-04-01",
            " 2026-04-01",
            "2026-04-01T00:00:00Z",
            "2026-02-30",
            "",
            "20260401",
        ] {
            let e = bad.parse::<Day>().unwrap_err();
            assert_eq!(e.code(), "INVALID_ARGUMENT", "{bad}");
        }
        assert!("2026-04-01T00:00:00Z"
            .parse::<Day>()
            .unwrap_err()
            .to_string()
            .contains("not an instant"));
    }
}
