//! Days, ranges and granularities from JavaScript (the core's `calendar`). A day is a `'YYYY-MM-DD'`
//! string naming a local date in the reporting time zone (METRICS.md "Conventions"), never a `Date`: an
//! instant does not say which local day it means.

use chrono::NaiveDate;
use halobuzz_analytics::calendar::{DateRange, Granularity};
use serde::Deserializer;

use crate::error::{invalid_argument, Outcome};

/// What a day argument must look like, for messages.
const DAY_FORMAT: &str = "a local date 'YYYY-MM-DD' (a string, not a Date)";

/// Parses a `'YYYY-MM-DD'` day; `name` is the argument or option it came from.
pub fn parse_day(name: &'static str, text: &str) -> Outcome<NaiveDate> {
    let t = text.trim();
    // chrono alone would also take `2026-3-1` or `+2026-03-01`; the contract is exactly YYYY-MM-DD.
    let well_formed = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let parsed = well_formed
        .then(|| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
        .flatten();
    parsed.ok_or_else(|| {
        let hint = if t.contains('T') {
            " without a time: it names a local day in the reporting time zone, not an instant"
        } else {
            ""
        };
        invalid_argument(name, format!("`{text}` is not {DAY_FORMAT}{hint}"))
    })
}

/// The inclusive range `from..=to`; `from` after `to` is an error.
pub fn parse_range(from: &str, to: &str) -> Outcome<DateRange> {
    Ok(DateRange::new(
        parse_day("from", from)?,
        parse_day("to", to)?,
    )?)
}

/// `day` (default), `week` or `month` (also `daily`, `weekly`, `monthly`, as the old routes took).
pub fn parse_granularity(text: Option<&str>) -> Outcome<Granularity> {
    Ok(text.map_or(Ok(Granularity::Day), str::parse)?)
}

/// Serde field deserialiser for day strings: only checks the type (the text is parsed by [`parse_day`]),
/// so that a `Date` object gets a message that says what to pass instead.
pub fn day_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(DAY_FORMAT)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
    }
    d.deserialize_str(Visitor)
}

/// [`day_text`] for optional fields.
pub fn optional_day_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(DAY_FORMAT)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            day_text(d).map(Some)
        }
    }
    d.deserialize_option(Visitor)
}
