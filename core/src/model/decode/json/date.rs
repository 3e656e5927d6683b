//! Relaxed Extended JSON dates (`{"$date": "2026-03-01T05:00:00.123Z"}`) without the `time` crate's
//! general parser: the RFC 3339 form mongoexport writes, read to the millisecond exactly as `bson`
//! reads it (nanoseconds truncated towards zero). Other spellings RFC 3339 allows (a lower-case `z`,
//! another separator, a leap second) are left to the full parser.

/// The instant of `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` in milliseconds since the epoch, or
/// `None` for anything else (including an impossible date, which `time` refuses too).
pub(super) fn rfc3339_millis(b: &[u8]) -> Option<i64> {
    let year = number(b, 0, 4)?;
    let month = number(b, 5, 2)?;
    let day = number(b, 8, 2)?;
    let hour = number(b, 11, 2)?;
    let minute = number(b, 14, 2)?;
    let second = number(b, 17, 2)?;
    let punctuation = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if punctuation.iter().any(|&(at, c)| b.get(at) != Some(&c)) {
        return None;
    }
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut at = 19;
    let mut nanos: i64 = 0;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let first = at;
        let mut scale = 100_000_000;
        while let Some(&d @ b'0'..=b'9') = b.get(at) {
            // Digits beyond the ninth count for nothing, as in `time`.
            nanos += i64::from(d - b'0') * scale;
            scale /= 10;
            at += 1;
        }
        if at == first {
            return None;
        }
    }
    let offset_seconds = match *b.get(at)? {
        b'Z' => {
            at += 1;
            0
        }
        sign @ (b'+' | b'-') => {
            let hours = number(b, at + 1, 2)?;
            let minutes = number(b, at + 4, 2)?;
            if b.get(at + 3) != Some(&b':') || hours > 23 || minutes > 59 {
                return None;
            }
            at += 6;
            let seconds = hours * 3600 + minutes * 60;
            if sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        _ => return None,
    };
    if at != b.len() {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    // `bson` divides the instant's nanoseconds by a million, truncating towards zero: before 1970 a
    // fraction of a millisecond rounds up.
    let millis = if seconds < 0 {
        (nanos + 999_999) / 1_000_000
    } else {
        nanos / 1_000_000
    };
    seconds.checked_mul(1000)?.checked_add(millis)
}

/// The decimal number of `len` ASCII digits at `at`.
fn number(b: &[u8], at: usize, len: usize) -> Option<i64> {
    b.get(at..at.checked_add(len)?)?
        .iter()
        .try_fold(0i64, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::rfc3339_millis;

    /// The reference: `bson`'s own parse of the same text.
    fn bson_millis(text: &str) -> Option<i64> {
        bson::DateTime::parse_rfc3339_str(text)
            .ok()
            .map(|d| d.timestamp_millis())
    }

    #[test]
    fn agrees_with_bson_on_every_form_it_reads_and_refuses_the_rest() {
        for text in [
            "2026-03-01T05:00:00Z",
            "2026-03-01T05:00:00.1Z",
            "2026-03-01T05:00:00.123Z",
            "2026-03-01T05:00:00.123456789Z",
            "2026-03-01T05:00:00.1234567891234Z",
            "2024-02-29T23:59:59.999+05:45",
            "2000-01-01T00:00:00-12:30",
            "1969-12-31T23:59:59.9995Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999Z",
            "1970-01-01T00:00:00Z",
        ] {
            assert_eq!(rfc3339_millis(text.as_bytes()), bson_millis(text), "{text}");
            assert!(rfc3339_millis(text.as_bytes()).is_some(), "{text}");
        }
        // Impossible or malformed: both refuse.
        for text in [
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-03-01T24:00:00Z",
            "2026-03-01T05:60:00Z",
            "2026-03-01T05:00:00",
            "2026-03-01T05:00:00.Z",
            "2026-03-01T05:00:00+24:00",
            "2026-03-01T05:00:00+05:60",
            "2026-03-01T05:00:00Zx",
            "2026-3-01T05:00:00Z",
            "not a date",
            "",
        ] {
            assert_eq!(rfc3339_millis(text.as_bytes()), None, "{text}");
            assert_eq!(bson_millis(text), None, "{text}");
        }
        // Legal RFC 3339 this parser leaves to `bson` (the caller then falls back to it).
        for text in [
            "2026-03-01t05:00:00z",
            "2026-03-01 05:00:00Z",
            "2016-12-31T23:59:60Z",
        ] {
            assert_eq!(rfc3339_millis(text.as_bytes()), None, "{text}");
            assert!(bson_millis(text).is_some(), "{text}");
        }
    }
}
