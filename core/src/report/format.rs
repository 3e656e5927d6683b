//! How a report prints a value: one function per kind of cell, shared by the PDF and every other place
//! that prints text, so that a value reads the same everywhere (tests look for these exact strings in
//! the PDF's text layer). XLSX keeps numbers as numbers with a number format instead, and CSV/JSON keep
//! the raw values.

use crate::kpi::Unit;

use super::content::NO_DATA;

/// `1234567.891` → `1,234,567.89` with `decimals` digits after the point; non-finite → "no data".
pub fn grouped(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return NO_DATA.to_owned();
    }
    let text = format!("{:.*}", decimals, v.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut out = String::with_capacity(text.len() + int.len() / 3 + 1);
    // A value that rounds to zero prints without a sign.
    if v < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A value in its unit as a table prints it: `NPR 12,345.67`, `1,234 coins`, `12.3%`, `4.5 min`,
/// `1,234`; `None` → "no data".
pub fn value(v: Option<f64>, unit: Unit) -> String {
    let Some(v) = v.filter(|v| v.is_finite()) else {
        return NO_DATA.to_owned();
    };
    match unit {
        Unit::Npr => format!("NPR {}", grouped(v, 2)),
        Unit::Coins => format!("{} coins", grouped(v, if v.fract() == 0.0 { 0 } else { 2 })),
        Unit::Count | Unit::Viewers => grouped(v, if v.fract() == 0.0 { 0 } else { 1 }),
        Unit::Percent => format!("{}%", grouped(v, 1)),
        Unit::Minutes => format!("{} min", grouped(v, 1)),
        Unit::Seconds => format!("{} s", grouped(v, 1)),
        Unit::Days => format!("{} days", grouped(v, 1)),
        Unit::Score => grouped(v, 1),
    }
}

/// A change in %: `▲ 12.3%`, `▼ 4.0%`, `● 0.0%` (no change); `None` → "no data".
pub fn change(pct: Option<f64>) -> String {
    match pct.filter(|v| v.is_finite()) {
        None => NO_DATA.to_owned(),
        Some(p) => format!("{} {}%", arrow(Some(p)), grouped(p.abs(), 1)),
    }
}

/// The arrow of a change: `▲` up, `▼` down, `●` unchanged at one decimal, empty without a change.
pub fn arrow(pct: Option<f64>) -> &'static str {
    match pct.filter(|v| v.is_finite()) {
        None => "",
        Some(p) if (p * 10.0).round() == 0.0 => "●",
        Some(p) if p > 0.0 => "▲",
        Some(_) => "▼",
    }
}

/// Whether a change is good news, bad news or neither, for colouring its arrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Green.
    Good,
    /// Red.
    Bad,
    /// Grey.
    Neutral,
}

/// The tone of `pct` for a metric where a rise is good (`higher_is_better`) or bad.
pub fn tone(pct: Option<f64>, higher_is_better: bool) -> Tone {
    match arrow(pct) {
        "▲" if higher_is_better => Tone::Good,
        "▼" if !higher_is_better => Tone::Good,
        "▲" | "▼" => Tone::Bad,
        _ => Tone::Neutral,
    }
}

/// `(current − previous) / |previous| × 100`, `None` without both or with a zero previous.
pub fn change_pct(current: Option<f64>, previous: Option<f64>) -> Option<f64> {
    let (c, p) = (current?, previous?);
    if p == 0.0 || !c.is_finite() || !p.is_finite() {
        return None;
    }
    let pct = (c - p) / p.abs() * 100.0;
    pct.is_finite().then_some(pct)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands_and_rounds() {
        assert_eq!(grouped(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(grouped(-1234.5, 0), "-1,234");
        assert_eq!(grouped(-0.001, 2), "0.00");
        assert_eq!(grouped(999.999, 2), "1,000.00");
        assert_eq!(grouped(f64::NAN, 2), NO_DATA);
        assert_eq!(grouped(12.0, 0), "12");
    }

    #[test]
    fn values_in_units() {
        assert_eq!(value(Some(12345.678), Unit::Npr), "NPR 12,345.68");
        assert_eq!(value(Some(1500.0), Unit::Coins), "1,500 coins");
        assert_eq!(value(Some(12.345), Unit::Percent), "12.3%");
        assert_eq!(value(None, Unit::Percent), NO_DATA);
        assert_eq!(value(Some(f64::INFINITY), Unit::Npr), NO_DATA);
        assert_eq!(value(Some(812.0), Unit::Count), "812");
        assert_eq!(value(Some(812.26), Unit::Count), "812.3");
    }

    #[test]
    fn changes_and_tones() {
        assert_eq!(change(Some(12.34)), "▲ 12.3%");
        assert_eq!(change(Some(-4.0)), "▼ 4.0%");
        assert_eq!(change(Some(0.01)), "● 0.0%");
        assert_eq!(change(None), NO_DATA);
        assert_eq!(tone(Some(5.0), true), Tone::Good);
        assert_eq!(tone(Some(5.0), false), Tone::Bad);
        assert_eq!(tone(Some(-5.0), false), Tone::Good);
        assert_eq!(tone(None, true), Tone::Neutral);
        assert_eq!(change_pct(Some(110.0), Some(100.0)), Some(10.0));
        assert_eq!(change_pct(Some(1.0), Some(0.0)), None);
        assert_eq!(change_pct(Some(-50.0), Some(-100.0)), Some(50.0));
    }
}
