//! The country selection of a report, rollup or any other capability (METRICS.md "Country filter"):
//! `ALL`, one ISO-3166 alpha-2 code, or `UNKNOWN` for documents whose country resolves to nothing.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Country;
use crate::{Error, Result};

/// The country selection of a report or rollup: everything, one country, or documents without one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CountryFilter {
    /// Every document (`ALL`).
    #[default]
    All,
    /// Documents of one country.
    Code(Country),
    /// Documents whose country resolves to nothing (`UNKNOWN`).
    Unknown,
}

impl CountryFilter {
    /// The key used in rollups and reports: `ALL`, `NP`, `UNKNOWN`.
    pub fn key(&self) -> String {
        match self {
            CountryFilter::All => "ALL".to_owned(),
            CountryFilter::Code(c) => c.to_string(),
            CountryFilter::Unknown => "UNKNOWN".to_owned(),
        }
    }

    /// The selection a document of resolved country `c` belongs to (besides `ALL`).
    pub fn of(c: Option<Country>) -> CountryFilter {
        match c {
            Some(code) if code.is_recognised() => CountryFilter::Code(code),
            _ => CountryFilter::Unknown,
        }
    }

    /// Whether a user of `users.country` = `c` is selected (Retention section semantics).
    pub fn selects(&self, c: Option<Country>) -> bool {
        match self {
            CountryFilter::All => true,
            CountryFilter::Code(code) => c == Some(*code),
            CountryFilter::Unknown => c.is_none_or(|c| !c.is_recognised()),
        }
    }
}

impl fmt::Display for CountryFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

impl FromStr for CountryFilter {
    type Err = Error;

    /// `ALL` (or empty), `UNKNOWN`, or an ISO-3166 alpha-2 code in any case.
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("all") {
            Ok(CountryFilter::All)
        } else if t.eq_ignore_ascii_case("unknown") {
            Ok(CountryFilter::Unknown)
        } else {
            Country::parse(t).map(CountryFilter::Code).ok_or_else(|| {
                Error::invalid_argument(
                    "country",
                    format!("`{s}` is not ALL, UNKNOWN or an ISO-3166 alpha-2 code such as NP"),
                )
            })
        }
    }
}

impl Serialize for CountryFilter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.key())
    }
}

impl<'de> Deserialize<'de> for CountryFilter {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|e: Error| serde::de::Error::custom(e.serde_reason()))
    }
}
