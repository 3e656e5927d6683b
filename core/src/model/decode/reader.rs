//! Typed field access for the decoders, with the contract's type rules.
//!
//! Each accessor turns a bad value into an [`Invalid`] naming the dotted field and the reason, so the
//! per-collection decoders in [`super`] read like the field table of `docs/data-contract.md` and every
//! collection classifies a bad number, date or enum the same way. The reader works over any
//! [`DocView`]: a BSON document or what the JSON scanner captured of a line.

use std::cell::RefCell;
use std::str::FromStr;

use bson::oid::ObjectId;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::fields::Field;
use super::value::{DocView, Value};
use super::{display_id_of, DecodeContext, MIN_MILLIS};
use crate::model::invalid::shown;
use crate::model::{Country, Invalid, InvalidReason, Warning, WarningReason};

/// The documented plausible maxima (`docs/data-contract.md` "Bounds"): beyond them a value is a bug or an
/// attack, and accepting it could overflow a total. A money or coin amount of one document.
pub(super) const MAX_AMOUNT: i64 = 1_000_000_000_000;
/// A per-document counter (viewers, gifts, likes, comments).
pub(super) const MAX_COUNT: u64 = 1_000_000_000_000;
/// A duration in seconds (one year).
pub(super) const MAX_SECONDS: f64 = 31_536_000.0;

/// Field access with the contract's type rules; every failure becomes an [`Invalid`] naming the field.
pub(super) struct Reader<'a, D: ?Sized> {
    doc: &'a D,
    ctx: &'a DecodeContext,
    /// The collection's `_id`, which names a rejected document in reports.
    id: Field,
    warnings: RefCell<Vec<Warning>>,
}

impl<'a, D: DocView + ?Sized> Reader<'a, D> {
    pub(super) fn new(doc: &'a D, ctx: &'a DecodeContext, id: Field) -> Self {
        Reader {
            doc,
            ctx,
            id,
            warnings: RefCell::new(Vec::new()),
        }
    }

    /// The warnings collected while reading (a valid document with part of it ignored).
    pub(super) fn into_warnings(self) -> Vec<Warning> {
        self.warnings.into_inner()
    }

    fn warn(&self, field: Field, reason: WarningReason) {
        self.warnings.borrow_mut().push(Warning {
            field: field.path,
            reason,
        });
    }

    fn out_of_range(&self, field: Field, detail: String) -> Invalid {
        self.fail(field, InvalidReason::OutOfRange, detail)
    }

    fn fail(&self, field: Field, reason: InvalidReason, detail: String) -> Invalid {
        Invalid {
            id: display_id_of(self.doc.get(self.id)),
            field: Some(field.path.to_owned()),
            reason,
            detail,
            line: None,
        }
    }

    /// The value of a field; `null` counts as absent. A non-document parent is reported by
    /// [`Reader::opt_document`], which the decoders call for each parent before reading its children.
    fn get(&self, field: Field) -> Option<Value<'a>> {
        self.doc.get(field)
    }

    fn required(&self, field: Field) -> Result<Value<'a>, Invalid> {
        self.get(field).ok_or_else(|| {
            self.fail(
                field,
                InvalidReason::MissingField,
                format!("required field `{}` is missing", field.path),
            )
        })
    }

    fn wrong_type(&self, field: Field, expected: &str, got: Value<'_>) -> Invalid {
        self.fail(
            field,
            InvalidReason::WrongType,
            format!("expected {expected}, found {:?}", got.element_type()),
        )
    }

    pub(super) fn opt_document(&self, field: Field) -> Result<(), Invalid> {
        match self.get(field) {
            None | Some(Value::Document) => Ok(()),
            Some(other) => Err(self.wrong_type(field, "an embedded document", other)),
        }
    }

    pub(super) fn oid(&self, field: Field) -> Result<ObjectId, Invalid> {
        let v = self.required(field)?;
        self.as_oid(field, v)
    }

    pub(super) fn opt_oid(&self, field: Field) -> Result<Option<ObjectId>, Invalid> {
        self.get(field).map(|v| self.as_oid(field, v)).transpose()
    }

    fn as_oid(&self, field: Field, v: Value<'_>) -> Result<ObjectId, Invalid> {
        match v {
            Value::ObjectId(o) => Ok(o),
            other => Err(self.wrong_type(field, "an ObjectId", other)),
        }
    }

    pub(super) fn date(&self, field: Field) -> Result<DateTime<Utc>, Invalid> {
        let v = self.required(field)?;
        self.as_date(field, v)
    }

    pub(super) fn opt_date(&self, field: Field) -> Result<Option<DateTime<Utc>>, Invalid> {
        self.get(field).map(|v| self.as_date(field, v)).transpose()
    }

    fn as_date(&self, field: Field, v: Value<'_>) -> Result<DateTime<Utc>, Invalid> {
        let Value::DateTime(d) = v else {
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

    pub(super) fn string(&self, field: Field) -> Result<&'a str, Invalid> {
        match self.required(field)? {
            Value::String(s) => Ok(s),
            other => Err(self.wrong_type(field, "a string", other)),
        }
    }

    pub(super) fn opt_string(&self, field: Field) -> Result<Option<&'a str>, Invalid> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong_type(field, "a string", other)),
        }
    }

    pub(super) fn opt_bool(&self, field: Field) -> Result<Option<bool>, Invalid> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Boolean(b)) => Ok(Some(b)),
            Some(other) => Err(self.wrong_type(field, "a boolean", other)),
        }
    }

    pub(super) fn enumeration<E>(
        &self,
        field: Field,
        parse: fn(&str) -> Option<E>,
        names: &[&str],
    ) -> Result<E, Invalid> {
        self.required(field)?;
        self.opt_enumeration(field, parse, names)?.ok_or_else(|| {
            self.fail(
                field,
                InvalidReason::MissingField,
                format!("`{}` is missing", field.path),
            )
        })
    }

    pub(super) fn opt_enumeration<E>(
        &self,
        field: Field,
        parse: fn(&str) -> Option<E>,
        names: &[&str],
    ) -> Result<Option<E>, Invalid> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => parse(s).map(Some).ok_or_else(|| {
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
    pub(super) fn country(&self, field: Field) -> Result<Option<Country>, Invalid> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(Country::parse(s).unwrap_or_else(|| {
                self.warn(field, WarningReason::UnknownCountry);
                Country::UNRECOGNISED
            }))),
            Some(other) => Err(self.wrong_type(field, "a country code string", other)),
        }
    }

    /// `properties.platform` (funnel breakdowns): trimmed and lower-cased, kept when it is a string of 1 to
    /// [`MAX_PLATFORM_CHARS`] characters without control characters; anything else is no platform. A
    /// property the app does not guarantee never makes an event invalid, and is never warned about.
    pub(super) fn platform(&self, field: Field) -> Option<std::sync::Arc<str>> {
        let Some(Value::String(s)) = self.get(field) else {
            return None;
        };
        let t = s.trim();
        // Counted before lower-casing too, so a huge value is never copied.
        if t.is_empty() || t.chars().nth(MAX_PLATFORM_CHARS).is_some() {
            return None;
        }
        // The usual values ("android", "ios", "web") are already what lower-casing makes of them.
        if t.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.".contains(&b))
        {
            return Some(shared_platform(t));
        }
        let lower = t.to_lowercase();
        let fits =
            lower.chars().count() <= MAX_PLATFORM_CHARS && !lower.chars().any(char::is_control);
        fits.then(|| lower.into())
    }

    /// An OG tier 1–5; anything else present (7, 0, 2.5, "gold") is an unknown tier with a warning:
    /// the purchase itself is valid and counts under `byOGTier.unknown` (METRICS.md).
    pub(super) fn og_tier(&self, field: Field) -> Option<u8> {
        let v = self.get(field)?;
        let tier = match v {
            Value::Int32(i) => u8::try_from(i).ok(),
            Value::Int64(i) => u8::try_from(i).ok(),
            Value::Double(f) if f.fract() == 0.0 && (1.0..=5.0).contains(&f) => Some(f as u8),
            Value::Decimal128(d) => d.to_string().parse::<u8>().ok(),
            _ => None,
        }
        .filter(|t| (1..=5).contains(t));
        if tier.is_none() {
            self.warn(field, WarningReason::UnknownOgTier);
        }
        tier
    }

    /// `metadata.streamId`: an ObjectId, or its 24 hex digits as a string (the app writes either).
    /// Only host performance reads it, so anything else is absent with a warning, never a rejection
    /// (which would change the KPI totals the transaction counts in).
    pub(super) fn stream_ref(&self, field: Field) -> Option<ObjectId> {
        let id = match self.get(field)? {
            Value::ObjectId(o) => Some(o),
            Value::String(s) if s.len() == 24 => ObjectId::parse_str(s).ok(),
            _ => None,
        };
        if id.is_none() {
            self.warn(field, WarningReason::IgnoredValue);
        }
        id
    }

    /// A counter only host performance reads (`peakViewers`, `totalGifts`, …): absent is 0, and a value
    /// a count field would reject (wrong type, negative, fractional, beyond the bound) is 0 with a
    /// warning, so the document stays valid and every KPI total stays as it was.
    pub(super) fn lenient_count(&self, field: Field) -> u64 {
        let Some(v) = self.get(field) else {
            return 0;
        };
        self.as_count(field, v).unwrap_or_else(|_| {
            self.warn(field, WarningReason::IgnoredValue);
            0
        })
    }

    /// A number as an exact decimal. Doubles are taken at their shortest round-trip form (9.99 → 9.99).
    fn as_decimal(&self, field: Field, v: Value<'_>) -> Result<Decimal, Invalid> {
        let too_large = || {
            self.out_of_range(
                field,
                format!("{} does not fit a 96-bit decimal", shown(&v.display())),
            )
        };
        match v {
            Value::Int32(i) => Ok(Decimal::from(i)),
            Value::Int64(i) => Ok(Decimal::from(i)),
            Value::Double(f) if !f.is_finite() => Err(self.non_finite(field)),
            Value::Double(f) => shortest_decimal(f).ok_or_else(too_large),
            Value::Decimal128(d) => {
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

    fn non_finite(&self, field: Field) -> Invalid {
        self.fail(
            field,
            InvalidReason::NonFinite,
            "NaN or infinite number".to_owned(),
        )
    }

    fn negative(&self, field: Field, v: impl std::fmt::Display) -> Invalid {
        self.fail(
            field,
            InvalidReason::NegativeValue,
            format!("{v} is negative"),
        )
    }

    pub(super) fn amount(&self, field: Field, allow_negative: bool) -> Result<Decimal, Invalid> {
        let v = self.required(field)?;
        self.as_amount(field, v, allow_negative)
    }

    pub(super) fn opt_amount(
        &self,
        field: Field,
        allow_negative: bool,
    ) -> Result<Option<Decimal>, Invalid> {
        self.get(field)
            .map(|v| self.as_amount(field, v, allow_negative))
            .transpose()
    }

    fn as_amount(
        &self,
        field: Field,
        v: Value<'_>,
        allow_negative: bool,
    ) -> Result<Decimal, Invalid> {
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

    pub(super) fn count(&self, field: Field) -> Result<u64, Invalid> {
        let v = self.required(field)?;
        self.as_count(field, v)
    }

    fn as_count(&self, field: Field, v: Value<'_>) -> Result<u64, Invalid> {
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
        field: Field,
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

    pub(super) fn seconds(&self, field: Field) -> Result<f64, Invalid> {
        let v = self.required(field)?;
        self.as_seconds(field, v)
    }

    pub(super) fn opt_seconds(&self, field: Field) -> Result<Option<f64>, Invalid> {
        self.get(field)
            .map(|v| self.as_seconds(field, v))
            .transpose()
    }

    fn as_seconds(&self, field: Field, v: Value<'_>) -> Result<f64, Invalid> {
        let s = match v {
            Value::Int32(i) => f64::from(i),
            // Durations are not money: f64 is exact for any realistic second count.
            Value::Int64(i) => i as f64,
            Value::Double(f) => f,
            Value::Decimal128(d) => d.to_string().parse::<f64>().unwrap_or(f64::NAN),
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

/// The longest `properties.platform` kept, in characters (`docs/data-contract.md`).
pub(crate) const MAX_PLATFORM_CHARS: usize = 32;

/// A finite double as the decimal of its shortest round-trip form (`Display`), or `None` when that
/// does not fit a 96-bit decimal. Formatted on the stack: every amount of a loaded file passes here.
fn shortest_decimal(f: f64) -> Option<Decimal> {
    use std::fmt::Write as _;
    let mut buf = StackText::default();
    if write!(buf, "{f}").is_ok() {
        return buf.as_str().and_then(|s| Decimal::from_str(s).ok());
    }
    // Longer than the buffer (beyond about 10^60): far beyond a 96-bit decimal either way, but judged
    // by the same parse for the same answer.
    Decimal::from_str(&f.to_string()).ok()
}

/// A small text buffer on the stack that refuses (rather than grows) when full.
struct StackText {
    bytes: [u8; 64],
    len: usize,
}

impl Default for StackText {
    fn default() -> Self {
        StackText {
            bytes: [0; 64],
            len: 0,
        }
    }
}

impl StackText {
    fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(self.bytes.get(..self.len)?).ok()
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(std::fmt::Error)?;
        self.bytes
            .get_mut(self.len..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// `platform` as a shared string: the few values a thread meets are kept (up to
/// [`SHARED_PLATFORMS`]), so most events take a reference instead of allocating a copy.
fn shared_platform(platform: &str) -> std::sync::Arc<str> {
    use std::cell::RefCell;
    use std::sync::Arc;
    thread_local! {
        static SEEN: RefCell<Vec<Arc<str>>> = const { RefCell::new(Vec::new()) };
    }
    let shared = SEEN.try_with(|seen| {
        let mut seen = seen.try_borrow_mut().ok()?;
        if let Some(p) = seen.iter().find(|p| ***p == *platform) {
            return Some(p.clone());
        }
        let p: Arc<str> = platform.into();
        if seen.len() < SHARED_PLATFORMS {
            seen.push(p.clone());
        }
        Some(p)
    });
    shared.ok().flatten().unwrap_or_else(|| platform.into())
}

/// How many platform values each thread keeps shared.
const SHARED_PLATFORMS: usize = 16;
