//! Typed field access for the decoders, with the contract's type rules.
//!
//! Each accessor turns a bad value into an [`Invalid`] naming the dotted field and the reason, so the
//! per-collection decoders in [`super`] read like the field table of `docs/data-contract.md` and every
//! collection classifies a bad number, date or enum the same way.

use std::cell::RefCell;
use std::str::FromStr;

use bson::oid::ObjectId;
use bson::{Bson, Document};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::{display_id, DecodeContext, MIN_MILLIS};
use crate::model::invalid::shown;
use crate::model::{Country, Invalid, InvalidReason, StreamRef, Warning, WarningReason};

/// The documented plausible maxima (`docs/data-contract.md` "Bounds"): beyond them a value is a bug or an
/// attack, and accepting it could overflow a total. A money or coin amount of one document.
pub(super) const MAX_AMOUNT: i64 = 1_000_000_000_000;
/// A per-document counter (viewers, gifts, likes, comments).
pub(super) const MAX_COUNT: u64 = 1_000_000_000_000;
/// A duration in seconds (one year).
pub(super) const MAX_SECONDS: f64 = 31_536_000.0;

/// Field access with the contract's type rules; every failure becomes an [`Invalid`] naming the field.
pub(super) struct Reader<'a> {
    doc: &'a Document,
    ctx: &'a DecodeContext,
    warnings: RefCell<Vec<Warning>>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(doc: &'a Document, ctx: &'a DecodeContext) -> Self {
        Reader {
            doc,
            ctx,
            warnings: RefCell::new(Vec::new()),
        }
    }

    /// The warnings collected while reading (a valid document with part of it ignored).
    pub(super) fn into_warnings(self) -> Vec<Warning> {
        self.warnings.into_inner()
    }

    fn warn(&self, field: &'static str, reason: WarningReason) {
        self.warnings.borrow_mut().push(Warning { field, reason });
    }

    fn out_of_range(&self, field: &str, detail: String) -> Invalid {
        self.fail(field, InvalidReason::OutOfRange, detail)
    }

    fn fail(&self, field: &str, reason: InvalidReason, detail: String) -> Invalid {
        Invalid {
            id: display_id(self.doc),
            field: Some(field.to_owned()),
            reason,
            detail,
            line: None,
        }
    }

    /// The value at a dotted path; `null` counts as absent. A non-document parent is reported by
    /// [`Reader::opt_document`], which the decoders call for each parent before reading its children.
    fn get(&self, path: &str) -> Option<&'a Bson> {
        let mut doc = self.doc;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            let value = doc.get(part)?;
            if parts.peek().is_none() {
                return (!matches!(value, Bson::Null)).then_some(value);
            }
            match value {
                Bson::Document(d) => doc = d,
                _ => return None,
            }
        }
        None
    }

    fn required(&self, field: &str) -> Result<&'a Bson, Invalid> {
        self.get(field).ok_or_else(|| {
            self.fail(
                field,
                InvalidReason::MissingField,
                format!("required field `{field}` is missing"),
            )
        })
    }

    fn wrong_type(&self, field: &str, expected: &str, got: &Bson) -> Invalid {
        self.fail(
            field,
            InvalidReason::WrongType,
            format!("expected {expected}, found {:?}", got.element_type()),
        )
    }

    pub(super) fn opt_document(&self, field: &str) -> Result<(), Invalid> {
        match self.get(field) {
            None | Some(Bson::Document(_)) => Ok(()),
            Some(other) => Err(self.wrong_type(field, "an embedded document", other)),
        }
    }

    pub(super) fn oid(&self, field: &str) -> Result<ObjectId, Invalid> {
        let v = self.required(field)?;
        self.as_oid(field, v)
    }

    pub(super) fn opt_oid(&self, field: &str) -> Result<Option<ObjectId>, Invalid> {
        self.get(field).map(|v| self.as_oid(field, v)).transpose()
    }

    fn as_oid(&self, field: &str, v: &Bson) -> Result<ObjectId, Invalid> {
        match v {
            Bson::ObjectId(o) => Ok(*o),
            other => Err(self.wrong_type(field, "an ObjectId", other)),
        }
    }

    pub(super) fn date(&self, field: &str) -> Result<DateTime<Utc>, Invalid> {
        let v = self.required(field)?;
        self.as_date(field, v)
    }

    pub(super) fn opt_date(&self, field: &str) -> Result<Option<DateTime<Utc>>, Invalid> {
        self.get(field).map(|v| self.as_date(field, v)).transpose()
    }

    fn as_date(&self, field: &str, v: &Bson) -> Result<DateTime<Utc>, Invalid> {
        let Bson::DateTime(d) = v else {
            return Err(self.wrong_type(field, "a date", v));
        };
        let ms = d.timestamp_millis();
        if !(MIN_MILLIS..=self.ctx.max_millis()).contains(&ms) {
            let shown = d
                .try_to_rfc3339_string()
                .unwrap_or_else(|_| format!("{ms} ms"));
            return Err(self.fail(
                field,
                InvalidReason::DateOutOfRange,
                format!("{shown} is outside 2000-01-01 … now + 1 day"),
            ));
        }
        Ok(d.to_chrono())
    }

    pub(super) fn string(&self, field: &str) -> Result<&'a str, Invalid> {
        match self.required(field)? {
            Bson::String(s) => Ok(s),
            other => Err(self.wrong_type(field, "a string", other)),
        }
    }

    pub(super) fn opt_string(&self, field: &str) -> Result<Option<&'a str>, Invalid> {
        match self.get(field) {
            None => Ok(None),
            Some(Bson::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong_type(field, "a string", other)),
        }
    }

    pub(super) fn opt_bool(&self, field: &str) -> Result<Option<bool>, Invalid> {
        match self.get(field) {
            None => Ok(None),
            Some(Bson::Boolean(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong_type(field, "a boolean", other)),
        }
    }

    pub(super) fn enumeration<E>(
        &self,
        field: &str,
        parse: fn(&str) -> Option<E>,
        names: &[&str],
    ) -> Result<E, Invalid> {
        self.required(field)?;
        self.opt_enumeration(field, parse, names)?.ok_or_else(|| {
            self.fail(
                field,
                InvalidReason::MissingField,
                format!("`{field}` is missing"),
            )
        })
    }

    pub(super) fn opt_enumeration<E>(
        &self,
        field: &str,
        parse: fn(&str) -> Option<E>,
        names: &[&str],
    ) -> Result<Option<E>, Invalid> {
        match self.get(field) {
            None => Ok(None),
            Some(Bson::String(s)) => parse(s).map(Some).ok_or_else(|| {
                self.fail(
                    field,
                    InvalidReason::InvalidEnum,
                    format!("`{}` is not one of {}", shown(s), names.join(", ")),
                )
            }),
            Some(other) => Err(self.wrong_type(field, "a string", other)),
        }
    }

    /// A country code. A string that is no ISO 3166-1 alpha-2 code leaves the document valid with an
    /// unknown country ([`Country::UNRECOGNISED`]: its money and activity still count, under
    /// `UNKNOWN`, not under its user's country) and a warning in the quality report.
    pub(super) fn country(&self, field: &'static str) -> Result<Option<Country>, Invalid> {
        match self.get(field) {
            None => Ok(None),
            Some(Bson::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Bson::String(s)) => Ok(Some(Country::parse(s).unwrap_or_else(|| {
                self.warn(field, WarningReason::UnknownCountry);
                Country::UNRECOGNISED
            }))),
            Some(other) => Err(self.wrong_type(field, "a country code string", other)),
        }
    }

    /// An OG tier 1–5; anything else present (7, 0, 2.5, "gold") is an unknown tier with a warning:
    /// the purchase itself is valid and counts under `byOGTier.unknown` (METRICS.md).
    pub(super) fn og_tier(&self, field: &'static str) -> Option<u8> {
        let v = self.get(field)?;
        let tier = match v {
            Bson::Int32(i) => u8::try_from(*i).ok(),
            Bson::Int64(i) => u8::try_from(*i).ok(),
            Bson::Double(f) if f.fract() == 0.0 && (1.0..=5.0).contains(f) => Some(*f as u8),
            Bson::Decimal128(d) => d.to_string().parse::<u8>().ok(),
            _ => None,
        }
        .filter(|t| (1..=5).contains(t));
        if tier.is_none() {
            self.warn(field, WarningReason::UnknownOgTier);
        }
        tier
    }

    pub(super) fn opt_stream_ref(&self, field: &str) -> Result<Option<StreamRef>, Invalid> {
        match self.get(field) {
            None => Ok(None),
            Some(Bson::ObjectId(o)) => Ok(Some(StreamRef::Id(*o))),
            Some(Bson::String(s)) => Ok(Some(match ObjectId::parse_str(s) {
                Ok(o) => StreamRef::Id(o),
                Err(_) => StreamRef::Name(s.as_str().into()),
            })),
            Some(other) => Err(self.wrong_type(field, "an ObjectId or string", other)),
        }
    }

    /// A number as an exact decimal. Doubles are taken at their shortest round-trip form (9.99 → 9.99).
    fn as_decimal(&self, field: &str, v: &Bson) -> Result<Decimal, Invalid> {
        let too_large = || {
            self.out_of_range(
                field,
                format!("{} does not fit a 96-bit decimal", shown(&v.to_string())),
            )
        };
        match v {
            Bson::Int32(i) => Ok(Decimal::from(*i)),
            Bson::Int64(i) => Ok(Decimal::from(*i)),
            Bson::Double(f) if !f.is_finite() => Err(self.non_finite(field)),
            Bson::Double(f) => Decimal::from_str(&f.to_string()).map_err(|_| too_large()),
            Bson::Decimal128(d) => {
                let s = d.to_string();
                if s.ends_with("NaN") || s.ends_with("Infinity") {
                    return Err(self.non_finite(field));
                }
                Decimal::from_str(&s)
                    .or_else(|_| Decimal::from_scientific(&s))
                    .map(|d| d.normalize())
                    .map_err(|_| too_large())
            }
            other => Err(self.wrong_type(field, "a number", other)),
        }
    }

    fn non_finite(&self, field: &str) -> Invalid {
        self.fail(
            field,
            InvalidReason::NonFinite,
            "NaN or infinite number".to_owned(),
        )
    }

    fn negative(&self, field: &str, v: impl std::fmt::Display) -> Invalid {
        self.fail(
            field,
            InvalidReason::NegativeValue,
            format!("{v} is negative"),
        )
    }

    pub(super) fn amount(&self, field: &str, allow_negative: bool) -> Result<Decimal, Invalid> {
        let v = self.required(field)?;
        self.as_amount(field, v, allow_negative)
    }

    pub(super) fn opt_amount(
        &self,
        field: &str,
        allow_negative: bool,
    ) -> Result<Option<Decimal>, Invalid> {
        self.get(field)
            .map(|v| self.as_amount(field, v, allow_negative))
            .transpose()
    }

    fn as_amount(&self, field: &str, v: &Bson, allow_negative: bool) -> Result<Decimal, Invalid> {
        let d = self.as_decimal(field, v)?;
        if d.is_sign_negative() && !d.is_zero() && !allow_negative {
            return Err(self.negative(field, d));
        }
        if d.abs() > Decimal::from(MAX_AMOUNT) {
            return Err(self.out_of_range(
                field,
                format!("{d} is beyond the largest plausible amount, {MAX_AMOUNT}"),
            ));
        }
        Ok(d)
    }

    pub(super) fn count(&self, field: &str) -> Result<u64, Invalid> {
        let v = self.required(field)?;
        self.as_count(field, v)
    }

    pub(super) fn opt_count(&self, field: &str) -> Result<Option<u64>, Invalid> {
        self.get(field).map(|v| self.as_count(field, v)).transpose()
    }

    fn as_count(&self, field: &str, v: &Bson) -> Result<u64, Invalid> {
        let d = self.as_decimal(field, v)?;
        if d.is_sign_negative() && !d.is_zero() {
            return Err(self.negative(field, d));
        }
        if !d.fract().is_zero() {
            return Err(self.fail(
                field,
                InvalidReason::WrongType,
                format!("{d} is not a whole count"),
            ));
        }
        match u64::try_from(d) {
            Ok(n) if n <= MAX_COUNT => Ok(n),
            _ => Err(self.out_of_range(
                field,
                format!("{d} is beyond the largest plausible count, {MAX_COUNT}"),
            )),
        }
    }

    pub(super) fn opt_small_int(
        &self,
        field: &str,
        min: u8,
        max: u8,
    ) -> Result<Option<u8>, Invalid> {
        let Some(v) = self.get(field) else {
            return Ok(None);
        };
        let d = self.as_decimal(field, v)?;
        if !d.fract().is_zero() {
            return Err(self.fail(
                field,
                InvalidReason::WrongType,
                format!("{d} is not an integer"),
            ));
        }
        match u8::try_from(d) {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(self.fail(
                field,
                InvalidReason::InvalidValue,
                format!("{d} is outside {min}–{max}"),
            )),
        }
    }

    pub(super) fn seconds(&self, field: &str) -> Result<f64, Invalid> {
        let v = self.required(field)?;
        self.as_seconds(field, v)
    }

    pub(super) fn opt_seconds(&self, field: &str) -> Result<Option<f64>, Invalid> {
        self.get(field)
            .map(|v| self.as_seconds(field, v))
            .transpose()
    }

    fn as_seconds(&self, field: &str, v: &Bson) -> Result<f64, Invalid> {
        let s = match v {
            Bson::Int32(i) => f64::from(*i),
            // Durations are not money: f64 is exact for any realistic second count.
            Bson::Int64(i) => *i as f64,
            Bson::Double(f) => *f,
            Bson::Decimal128(d) => d.to_string().parse::<f64>().unwrap_or(f64::NAN),
            other => return Err(self.wrong_type(field, "a number of seconds", other)),
        };
        if !s.is_finite() {
            return Err(self.non_finite(field));
        }
        if s < 0.0 {
            return Err(self.negative(field, s));
        }
        if s > MAX_SECONDS {
            return Err(self.out_of_range(
                field,
                format!("{s} s is beyond the longest plausible duration, {MAX_SECONDS} s (a year)"),
            ));
        }
        Ok(s)
    }
}
