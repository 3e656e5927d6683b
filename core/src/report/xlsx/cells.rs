//! Cells of the XLSX report: formats, text as a cell can hold it, sheet names Excel accepts, and the
//! typed writers every sheet uses ("no data" for a missing value).

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_xlsxwriter::{Color, Format, FormatAlign, Worksheet, XlsxError};

use super::{AUTOFIT_ROWS, BAD, GOOD, MAX_AUTOFIT_PX, MAX_CELL_TEXT, NEUTRAL};
use crate::kpi::Unit;
use crate::report::content::NO_DATA;
use crate::report::format::Tone;

/// Cell formats, built once per workbook (number formats by their code).
pub(super) struct Formats {
    pub(super) header: Format,
    pub(super) title: Format,
    pub(super) label: Format,
    pub(super) wrap: Format,
    pub(super) no_data: Format,
    pub(super) date: Format,
    pub(super) datetime: Format,
    pub(super) numbers: HashMap<&'static str, Format>,
    pub(super) arrows: [Format; 3],
    /// The widest formatted number (and its header) per column of the sheet being written, in
    /// pixels. Autofit measures a number by its digits alone, so `NPR 1,234,567.89` would not fit
    /// and show as `###`; [`fit`] widens those columns to what the format prints.
    pub(super) number_px: std::cell::RefCell<std::collections::BTreeMap<u16, u32>>,
    /// The header's width per column of the sheet being written, in pixels.
    pub(super) header_px: std::cell::RefCell<std::collections::BTreeMap<u16, u32>>,
}

impl Formats {
    pub(super) fn new() -> Self {
        let arrow = |rgb: u32| {
            Format::new()
                .set_font_color(Color::RGB(rgb))
                .set_bold()
                .set_align(FormatAlign::Center)
        };
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xE8EAED))
                .set_border_bottom(rust_xlsxwriter::FormatBorder::Thin),
            title: Format::new().set_bold().set_font_size(16),
            label: Format::new().set_bold().set_align(FormatAlign::Top),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            no_data: Format::new()
                .set_italic()
                .set_font_color(Color::RGB(NEUTRAL))
                .set_align(FormatAlign::Right),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            numbers: HashMap::new(),
            arrows: [arrow(GOOD), arrow(BAD), arrow(NEUTRAL)],
            number_px: Default::default(),
            header_px: Default::default(),
        }
    }

    pub(super) fn number(&mut self, code: &'static str) -> &Format {
        self.numbers
            .entry(code)
            .or_insert_with(|| Format::new().set_num_format(code))
    }

    pub(super) fn arrow(&self, tone: Tone) -> &Format {
        match tone {
            Tone::Good => &self.arrows[0],
            Tone::Bad => &self.arrows[1],
            Tone::Neutral => &self.arrows[2],
        }
    }
}

/// The number format of a value in `unit`: what [`format::value`](crate::report::format::value) prints, as an Excel format (the
/// decimals of counts and coins follow the value, as in the PDF).
pub fn unit_number_format(unit: Unit, v: f64) -> &'static str {
    let whole = v.fract() == 0.0;
    match unit {
        Unit::Npr => r##""NPR "#,##0.00"##,
        Unit::Coins if whole => r##"#,##0" coins""##,
        Unit::Coins => r##"#,##0.00" coins""##,
        Unit::Count | Unit::Viewers if whole => "#,##0",
        Unit::Count | Unit::Viewers => "#,##0.0",
        Unit::Percent => r#"0.0"%""#,
        Unit::Minutes => r##"#,##0.0" min""##,
        Unit::Seconds => r##"#,##0.0" s""##,
        Unit::Days => r##"#,##0.0" days""##,
        Unit::Score => "0.0",
    }
}

/// A change in % (0–100 scale, signed).
pub const CHANGE_FORMAT: &str = r#"+0.0"%";-0.0"%";0.0"%""#;
/// A plain number without a known unit (alert values).
pub(super) const PLAIN_FORMAT: &str = "#,##0.00";

/// Text as a cell can hold it: control characters other than tab and line feed removed (XML 1.0
/// cannot carry most of them, and Excel shows none), non-characters removed, and cut to Excel's
/// 32,767 UTF-16 units.
pub(super) fn cell_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_CELL_TEXT));
    let mut units = 0;
    let mut chars = s.chars().peekable();
    while let Some(ch) = chars.next() {
        if (ch.is_control() && ch != '\n' && ch != '\t') || matches!(ch, '\u{FFFE}' | '\u{FFFF}') {
            continue;
        }
        // Excel reads `_xHHHH_` in a string as an escaped character; its own escape of the
        // underscore keeps such a handle as written.
        let escape = ch == '_' && chars.peek() == Some(&'x');
        let len = if escape { 7 } else { ch.len_utf16() };
        if units + len > MAX_CELL_TEXT - 1 {
            out.push('…');
            break;
        }
        units += len;
        if escape {
            out.push_str("_x005F_");
        } else {
            out.push(ch);
        }
    }
    out
}

/// Sheet names as Excel accepts them: at most 31 UTF-16 units, none of `[]:*?/\`, no leading or
/// trailing apostrophe, not `History`, unique without regard to case.
#[derive(Default)]
pub(super) struct SheetNames {
    used: Vec<String>,
}

impl SheetNames {
    pub(super) fn reserve(&mut self, name: &str) {
        self.used.push(name.to_lowercase());
    }

    pub(super) fn unique(&mut self, wanted: &str) -> String {
        let cleaned: String = cell_text(wanted)
            .chars()
            .map(|c| {
                if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        let mut base = cleaned.trim().trim_matches('\'').trim().to_owned();
        if base.is_empty() || base.eq_ignore_ascii_case("history") {
            base = format!("{} KPIs", base).trim().to_owned();
        }
        let mut n = 1;
        loop {
            let suffix = if n == 1 {
                String::new()
            } else {
                format!(" ({n})")
            };
            let mut name = String::new();
            let room = 31 - suffix.len();
            let mut units = 0;
            for ch in base.chars() {
                units += ch.len_utf16();
                if units > room {
                    break;
                }
                name.push(ch);
            }
            let name = format!("{}{suffix}", name.trim_end().trim_end_matches('\''));
            if !self.used.contains(&name.to_lowercase()) {
                self.reserve(&name);
                return name;
            }
            n += 1;
        }
    }
}

pub(super) fn new_sheet(name: &str) -> std::result::Result<Worksheet, XlsxError> {
    let mut ws = Worksheet::new();
    ws.set_name(name)?;
    Ok(ws)
}

/// The header row, frozen, and the autofit bounds.
pub(super) fn header(
    ws: &mut Worksheet,
    f: &Formats,
    row: u32,
    titles: &[&str],
) -> std::result::Result<(), XlsxError> {
    for (col, t) in titles.iter().enumerate() {
        ws.write_string_with_format(row, col as u16, cell_text(t), &f.header)?;
        // Bold text is about a pixel wider per character.
        f.header_px.borrow_mut().insert(
            col as u16,
            text_px(t.chars().count()) + t.chars().count() as u32,
        );
    }
    ws.set_freeze_panes(row + 1, 0)?;
    Ok(())
}

/// The most columns a sheet may have to be printed one page wide.
const PRINT_FIT_COLUMNS: usize = 12;

/// Pixels of `chars` characters of the default 11-point font, with the cell's padding.
fn text_px(chars: usize) -> u32 {
    (chars.min(200) as u32).saturating_mul(7).saturating_add(14)
}

/// What `code` prints for `v`, near enough for its width: the format's quoted text around the
/// number grouped by thousands with two decimals (the widest any of the report's formats shows).
fn printed_len(v: f64, code: &str) -> usize {
    let quoted: usize = code
        .split(';')
        .next()
        .unwrap_or(code)
        .split('"')
        .skip(1)
        .step_by(2)
        .map(|q| q.chars().count())
        .sum();
    quoted + crate::report::format::grouped(v, 2).len() + 1
}

/// Records that column `col` of the current sheet holds `chars` printed characters.
fn widen(f: &Formats, col: u16, chars: usize) {
    let px = text_px(chars);
    let mut widths = f.number_px.borrow_mut();
    let w = widths.entry(col).or_insert(0);
    *w = (*w).max(px);
}

/// Fits the sheet's columns: autofit for text, and the columns holding numbers at least as wide as
/// their widest printed number and their header; then forgets the sheet's widths.
pub(super) fn fit(ws: &mut Worksheet, f: &Formats) {
    ws.set_autofit_max_row(AUTOFIT_ROWS);
    ws.set_autofit_max_width(MAX_AUTOFIT_PX);
    ws.autofit();
    let widths = std::mem::take(&mut *f.number_px.borrow_mut());
    let headers = std::mem::take(&mut *f.header_px.borrow_mut());
    // Printed, a table of a few columns is one landscape page wide (as many pages long as it
    // needs); the daily sheet's twenty-odd columns would shrink unreadably, so it prints as it is.
    if headers.len() <= PRINT_FIT_COLUMNS {
        ws.set_print_fit_to_pages(1, 0);
        ws.set_landscape();
    }
    for (col, px) in widths {
        let px = px.max(headers.get(&col).copied().unwrap_or(0));
        let _ = ws.set_column_autofit_width(col, px.min(MAX_AUTOFIT_PX));
    }
}

pub(super) fn no_data(
    ws: &mut Worksheet,
    f: &Formats,
    row: u32,
    col: u16,
) -> std::result::Result<(), XlsxError> {
    ws.write_string_with_format(row, col, NO_DATA, &f.no_data)?;
    Ok(())
}

/// A number with `code`, or "no data".
pub(super) fn number(
    ws: &mut Worksheet,
    f: &mut Formats,
    row: u32,
    col: u16,
    v: Option<f64>,
    code: &'static str,
) -> std::result::Result<(), XlsxError> {
    match v {
        Some(v) => {
            ws.write_number_with_format(row, col, v, f.number(code))?;
            widen(f, col, printed_len(v, code));
        }
        None => {
            no_data(ws, f, row, col)?;
            widen(f, col, NO_DATA.len());
        }
    }
    Ok(())
}

pub(super) fn unit_number(
    ws: &mut Worksheet,
    f: &mut Formats,
    row: u32,
    col: u16,
    v: Option<f64>,
    unit: Unit,
) -> std::result::Result<(), XlsxError> {
    number(
        ws,
        f,
        row,
        col,
        v,
        unit_number_format(unit, v.unwrap_or(0.0)),
    )
}

pub(super) fn date(
    ws: &mut Worksheet,
    f: &Formats,
    row: u32,
    col: u16,
    d: &NaiveDate,
) -> std::result::Result<(), XlsxError> {
    ws.write_datetime_with_format(row, col, d, &f.date)?;
    Ok(())
}

pub(super) fn string(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    s: &str,
) -> std::result::Result<(), XlsxError> {
    ws.write_string(row, col, cell_text(s))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::xlsx::MAX_CELL_TEXT;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut names = SheetNames::default();
        names.reserve("Summary");
        assert_eq!(names.unique("Revenue"), "Revenue");
        assert_eq!(names.unique("revenue"), "revenue (2)");
        assert_eq!(names.unique("Summary"), "Summary (2)");
        assert_eq!(names.unique("a/b:c*d?[e]"), "a b c d  e");
        assert_eq!(names.unique("'quoted'"), "quoted");
        assert_eq!(names.unique(""), "KPIs");
        assert_eq!(names.unique("History"), "History KPIs");
        let long = names.unique(&"x".repeat(100));
        assert_eq!(long.len(), 31);
        assert_eq!(
            names.unique(&"x".repeat(100)),
            format!("{} (2)", "x".repeat(27))
        );
        for n in &names.used {
            assert!(rust_xlsxwriter::utility::check_sheet_name(n).is_ok(), "{n}");
        }
    }

    #[test]
    fn cell_text_drops_control_characters_and_is_bounded() {
        assert_eq!(cell_text("a\u{0}b\u{7}c\nd\te\u{FFFF}"), "abc\nd\te");
        assert_eq!(cell_text("user_x0041_"), "user_x005F_x0041_");
        let long = cell_text(&"ab".repeat(40_000));
        assert!(long.encode_utf16().count() <= MAX_CELL_TEXT);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn unit_formats_follow_the_text_formats() {
        assert_eq!(unit_number_format(Unit::Npr, 1.5), "\"NPR \"#,##0.00");
        assert_eq!(unit_number_format(Unit::Coins, 2.0), "#,##0\" coins\"");
        assert_eq!(unit_number_format(Unit::Count, 2.5), "#,##0.0");
        assert_eq!(unit_number_format(Unit::Percent, 2.5), "0.0\"%\"");
    }
}
