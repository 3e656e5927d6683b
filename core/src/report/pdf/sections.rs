//! The report's blocks in reading order: title, summary, KPI tables, daily charts, payment methods,
//! top creators, cohort retention, open alerts, forecast and notes. Every printed value goes through
//! [`crate::report::format`], so the PDF says exactly what the other formats say.

use crate::kpi::Unit;
use crate::report::content::{CohortGrid, ReportContent};
use crate::report::format::{self, Tone};
use crate::report::NO_DATA;

use super::canvas::{grey, ink, rgb, wrap, Align, Canvas, BODY, CONTENT_W, MARGIN_X, SMALL};
use super::chart::{self, ChartBox, Mark, CURRENT, FORECAST, PREVIOUS};
use super::fonts::Weight;
use super::table::{table, Cell, Column, Row};

/// Rows shown at most in a table; the rest is counted ("… and K more"). A report is read, not
/// searched: the XLSX and CSV exports have every row.
const MAX_ROWS: usize = 50;
/// Bars shown at most in the payment-method chart.
const MAX_BARS: usize = 10;
/// Day-N columns shown at most in the cohort heat map (what fits the page at a readable size).
const MAX_COHORT_DAYS: usize = 8;
/// Characters of the summary and of each note shown at most.
const MAX_PARAGRAPH: usize = 4_000;
/// Notes shown at most.
const MAX_NOTES: usize = 40;
/// Height of a chart, pt.
const CHART_H: f32 = 170.0;

/// Lays the whole report out on `canvas`.
pub fn draw(canvas: &mut Canvas<'_>, c: &ReportContent) -> crate::Result<()> {
    title_block(canvas, c);
    heading(canvas, "Summary", 40.0);
    paragraph(canvas, &c.summary);
    kpi_tables(canvas, c);
    daily_charts(canvas, c)?;
    payment_methods(canvas, c)?;
    top_creators(canvas, c);
    cohorts(canvas, &c.cohorts);
    alerts(canvas, c);
    forecast(canvas, c)?;
    notes(canvas, c);
    Ok(())
}

/// The day as printed in the report: ISO, so it reads the same in every locale.
fn day(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn title_block(canvas: &mut Canvas<'_>, c: &ReportContent) {
    let y = canvas.y;
    canvas.fill_rect(MARGIN_X, y, 4.0, 52.0, &rgb(0x1c, 0x64, 0xc8));
    let x = MARGIN_X + 12.0;
    let w = CONTENT_W - 12.0;
    canvas.text(
        &c.title,
        Weight::Bold,
        20.0,
        x,
        w,
        y + 18.0,
        Align::Left,
        &ink(),
    );
    let period = format!(
        "{} to {} ({}), compared with {} to {}",
        day(c.from),
        day(c.to),
        c.period,
        day(c.previous_from),
        day(c.previous_to)
    );
    canvas.text(
        &period,
        Weight::Regular,
        BODY,
        x,
        w,
        y + 34.0,
        Align::Left,
        &ink(),
    );
    let generated = format!(
        "Generated {} ({}) · country {} · money in {}",
        c.generated_local, c.timezone, c.country, c.currency
    );
    canvas.text(
        &generated,
        Weight::Regular,
        SMALL,
        x,
        w,
        y + 48.0,
        Align::Left,
        &grey(),
    );
    canvas.y = y + 64.0;
}

/// A section heading, kept on the page with at least `keep` pt of what follows it.
fn heading(canvas: &mut Canvas<'_>, text: &str, keep: f32) {
    canvas.ensure(24.0 + keep);
    canvas.y += 6.0;
    canvas.text(
        text,
        Weight::Bold,
        13.0,
        MARGIN_X,
        CONTENT_W,
        canvas.y + 13.0,
        Align::Left,
        &ink(),
    );
    canvas.y += 20.0;
}

/// Wrapped body text, breaking pages between lines.
fn paragraph(canvas: &mut Canvas<'_>, text: &str) {
    let text = clip_chars(text, MAX_PARAGRAPH);
    let lines = wrap(canvas.fonts, &text, Weight::Regular, BODY, CONTENT_W);
    let lines = if lines.is_empty() {
        wrap(canvas.fonts, NO_DATA, Weight::Regular, BODY, CONTENT_W)
    } else {
        lines
    };
    for line in lines {
        canvas.ensure(BODY + 4.0);
        canvas.shaped(&line, MARGIN_X, canvas.y + BODY, &ink());
        canvas.y += BODY + 4.0;
    }
    canvas.y += 6.0;
}

fn clip_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// Green, red or grey text for a change.
fn tone_color(tone: Tone) -> printpdf::Color {
    match tone {
        Tone::Good => rgb(0x1b, 0x7f, 0x3b),
        Tone::Bad => rgb(0xc9, 0x2a, 0x2a),
        Tone::Neutral => grey(),
    }
}

fn kpi_tables(canvas: &mut Canvas<'_>, c: &ReportContent) {
    let columns = [
        Column::new("Metric", 195.0, Align::Left),
        Column::new("Value", 115.0, Align::Right),
        Column::new("Previous", 115.0, Align::Right),
        Column::new("Change", CONTENT_W - 425.0, Align::Right),
    ];
    for section in &c.sections {
        heading(canvas, &section.title, 3.0 * super::table::ROW_H);
        let rows: Vec<Row> = section
            .rows
            .iter()
            .take(MAX_ROWS)
            .map(|r| {
                let tone = format::tone(r.change_pct, r.higher_is_better);
                let change = Cell::text(format::change(r.change_pct)).color(tone_color(tone));
                Row::from(vec![
                    Cell::text(&r.label),
                    Cell::text(format::value(r.value, r.unit)),
                    Cell::text(format::value(r.previous, r.unit)).color(grey()),
                    change,
                ])
            })
            .collect();
        if rows.is_empty() {
            no_data(canvas, 40.0);
            continue;
        }
        table(
            canvas,
            MARGIN_X,
            &columns,
            &rows,
            section.rows.len().saturating_sub(MAX_ROWS),
        );
    }
}

/// A framed "no data" box of `height` at the cursor.
fn no_data(canvas: &mut Canvas<'_>, height: f32) {
    canvas.ensure(height);
    canvas.no_data_box(MARGIN_X, canvas.y, CONTENT_W, height);
    canvas.y += height + 10.0;
}

/// Reserves a chart's box at the cursor (with a legend line above it).
fn chart_box(canvas: &mut Canvas<'_>, title: &str) -> ChartBox {
    heading(canvas, title, CHART_H + 16.0);
    canvas.ensure(CHART_H + 16.0);
    let b = ChartBox {
        x: MARGIN_X,
        top: canvas.y + 16.0,
        w: CONTENT_W,
        h: CHART_H,
    };
    canvas.y += CHART_H + 16.0 + 10.0;
    b
}

fn daily_charts(canvas: &mut Canvas<'_>, c: &ReportContent) -> crate::Result<()> {
    let charts = [
        ("revenue.total", "Daily revenue (NPR)"),
        ("engagement.dau", "Daily active users"),
    ];
    let this = format!("{} to {}", day(c.from), day(c.to));
    let before = format!(
        "{} to {} (previous period)",
        day(c.previous_from),
        day(c.previous_to)
    );
    for (metric, title) in charts {
        let b = chart_box(canvas, title);
        match c.daily.column(metric) {
            Some(col) if col.values.iter().any(Option::is_some) => {
                chart::legend(
                    canvas,
                    b.x + 44.0,
                    b.top - 5.0,
                    &[
                        (&this, CURRENT, Mark::Line),
                        (&before, PREVIOUS, Mark::Dashed),
                    ],
                );
                chart::daily_chart(canvas, b, &c.daily.dates, &col.values, &col.previous)?;
            }
            _ => canvas.no_data_box(b.x, b.top, b.w, b.h),
        }
    }
    Ok(())
}

fn payment_methods(canvas: &mut Canvas<'_>, c: &ReportContent) -> crate::Result<()> {
    let shown = c.payment_methods.len().min(MAX_BARS);
    let h = if shown == 0 {
        60.0
    } else {
        30.0 + 22.0 * shown as f32
    };
    heading(canvas, "Revenue by payment method (NPR)", h);
    canvas.ensure(h);
    let b = ChartBox {
        x: MARGIN_X,
        top: canvas.y,
        w: CONTENT_W,
        h,
    };
    canvas.y += h + 4.0;
    let bars: Vec<(String, f64)> = c
        .payment_methods
        .iter()
        .take(MAX_BARS)
        .map(|p| (p.label.clone(), p.value))
        .collect();
    chart::bar_chart(canvas, b, &bars, Unit::Npr)?;
    let more = c.payment_methods.len() - shown;
    if more > 0 {
        small_note(canvas, &format!("… and {more} more payment methods"));
    }
    canvas.y += 6.0;
    Ok(())
}

fn small_note(canvas: &mut Canvas<'_>, text: &str) {
    canvas.ensure(SMALL + 6.0);
    canvas.text(
        text,
        Weight::Regular,
        SMALL,
        MARGIN_X,
        CONTENT_W,
        canvas.y + SMALL,
        Align::Left,
        &grey(),
    );
    canvas.y += SMALL + 6.0;
}

fn top_creators(canvas: &mut Canvas<'_>, c: &ReportContent) {
    heading(canvas, "Top creators", 3.0 * super::table::ROW_H);
    if c.top_creators.is_empty() {
        no_data(canvas, 40.0);
        return;
    }
    let columns = [
        Column::new("#", 30.0, Align::Right),
        Column::new("Creator", 90.0, Align::Left),
        Column::new("Username", 150.0, Align::Left),
        Column::new("Gift revenue", 115.0, Align::Right),
        Column::new("Streams", 55.0, Align::Right),
        Column::new("Viewers", CONTENT_W - 440.0, Align::Right),
    ];
    let rows: Vec<Row> = c
        .top_creators
        .iter()
        .take(MAX_ROWS)
        .map(|r| {
            let username = match &r.username {
                Some(u) if !u.trim().is_empty() => Cell::text(u),
                _ => Cell::text(NO_DATA).color(grey()),
            };
            Row::from(vec![
                Cell::text(r.rank.to_string()),
                Cell::text(&r.host_id),
                username,
                Cell::text(format::value(Some(r.revenue_coins), Unit::Coins)),
                Cell::text(format::grouped(r.streams as f64, 0)),
                Cell::text(format::grouped(r.viewers as f64, 0)),
            ])
        })
        .collect();
    table(
        canvas,
        MARGIN_X,
        &columns,
        &rows,
        c.top_creators.len().saturating_sub(MAX_ROWS),
    );
}

/// The heat-map colour of a retention rate: white at 0 % to deep blue at the grid's highest rate.
fn heat(rate: f64, max: f64) -> (printpdf::Color, printpdf::Color) {
    let t = if max > 0.0 {
        (rate / max).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mix = |from: f64, to: f64| (from + (to - from) * t).round() as u8;
    let fill = rgb(mix(241.0, 28.0), mix(245.0, 100.0), mix(251.0, 200.0));
    // Light text on the dark half of the scale.
    let text = if t > 0.55 { rgb(255, 255, 255) } else { ink() };
    (fill, text)
}

fn cohorts(canvas: &mut Canvas<'_>, grid: &CohortGrid) {
    let title = match grid.granularity.as_str() {
        "month" => "Retention by monthly signup cohort (%)",
        _ => "Retention by weekly signup cohort (%)",
    };
    heading(canvas, title, 3.0 * super::table::ROW_H);
    if !grid.has_data() || grid.days.is_empty() {
        no_data(canvas, 40.0);
        return;
    }
    let days: Vec<u32> = grid.days.iter().copied().take(MAX_COHORT_DAYS).collect();
    let day_w = ((CONTENT_W - 150.0) / days.len() as f32).min(70.0);
    let mut columns = vec![
        Column::new("Cohort", 85.0, Align::Left),
        Column::new("Users", 65.0, Align::Right),
    ];
    columns.extend(
        days.iter()
            .map(|d| Column::new(format!("Day {d}"), day_w, Align::Center)),
    );
    let max = grid
        .rows
        .iter()
        .flat_map(|r| r.rates.iter().flatten())
        .fold(0.0f64, |m, v| m.max(*v));
    let rows: Vec<Row> = grid
        .rows
        .iter()
        .take(MAX_ROWS)
        .map(|r| {
            let mut cells = vec![
                Cell::text(day(r.cohort)),
                Cell::text(format::grouped(r.size as f64, 0)),
            ];
            cells.extend(
                (0..days.len()).map(|i| match r.rates.get(i).copied().flatten() {
                    Some(rate) => {
                        let (fill, text) = heat(rate, max);
                        Cell::text(format::value(Some(rate), Unit::Percent))
                            .fill(fill)
                            .color(text)
                    }
                    None => Cell::text(NO_DATA).color(grey()),
                }),
            );
            Row::from(cells)
        })
        .collect();
    table(
        canvas,
        MARGIN_X,
        &columns,
        &rows,
        grid.rows.len().saturating_sub(MAX_ROWS),
    );
    if grid.days.len() > days.len() {
        small_note(
            canvas,
            &format!(
                "Days after day {} are in the spreadsheet export.",
                days.last().copied().unwrap_or_default()
            ),
        );
    }
}

fn alerts(canvas: &mut Canvas<'_>, c: &ReportContent) {
    heading(canvas, "Open alerts", 3.0 * super::table::ROW_H);
    if c.alerts.is_empty() {
        canvas.ensure(BODY + 8.0);
        canvas.text(
            "No open alerts.",
            Weight::Regular,
            BODY,
            MARGIN_X,
            CONTENT_W,
            canvas.y + BODY,
            Align::Left,
            &grey(),
        );
        canvas.y += BODY + 12.0;
        return;
    }
    let columns = [
        Column::new("Severity", 55.0, Align::Left),
        Column::new("Status", 70.0, Align::Left),
        Column::new("Alert", 135.0, Align::Left),
        Column::new("Country", 45.0, Align::Left),
        Column::new("Current", 70.0, Align::Right),
        Column::new("Baseline", 70.0, Align::Right),
        Column::new("Change", CONTENT_W - 445.0, Align::Right),
    ];
    // An alert carries no unit of its own: it is the unit of its metric's KPI row.
    let unit_of = |metric: &str| {
        c.sections
            .iter()
            .flat_map(|s| &s.rows)
            .find(|r| r.metric == metric)
            .map(|r| r.unit)
    };
    let print = |v: Option<f64>, unit: Option<Unit>| match unit {
        Some(u) => format::value(v, u),
        None => v.map_or_else(|| NO_DATA.to_owned(), |v| format::grouped(v, 2)),
    };
    let rows: Vec<Row> = c
        .alerts
        .iter()
        .take(MAX_ROWS)
        .map(|a| {
            let unit = unit_of(&a.metric);
            let severity = match a.severity.as_str() {
                "critical" | "high" => Cell::text(&a.severity).color(tone_color(Tone::Bad)),
                _ => Cell::text(&a.severity),
            };
            let since = a.since.format("%Y-%m-%d %H:%M UTC");
            Row {
                cells: vec![
                    severity,
                    Cell::text(&a.status),
                    Cell::text(&a.title),
                    Cell::text(&a.country),
                    Cell::text(print(a.current, unit)),
                    Cell::text(print(a.baseline, unit)).color(grey()),
                    Cell::text(format::change(a.deviation_pct)),
                ],
                note: Some(match &a.root_cause {
                    Some(cause) => format!("Since {since} · {}: {cause}", a.metric),
                    None => format!("Since {since} · {}: no root cause found.", a.metric),
                }),
            }
        })
        .collect();
    table(
        canvas,
        MARGIN_X,
        &columns,
        &rows,
        c.alerts.len().saturating_sub(MAX_ROWS),
    );
}

fn forecast(canvas: &mut Canvas<'_>, c: &ReportContent) -> crate::Result<()> {
    let Some(f) = &c.forecast else {
        heading(canvas, "Revenue forecast", 60.0);
        no_data(canvas, 60.0);
        return Ok(());
    };
    heading(canvas, "Revenue forecast", CHART_H + 40.0);
    let mase = f.mase.map_or_else(
        || "not validated".to_owned(),
        |m| format!("MASE {}", format::grouped(m, 2)),
    );
    let first = f.points.first().map(|p| day(p.date)).unwrap_or_default();
    let last = f.points.last().map(|p| day(p.date)).unwrap_or_default();
    let line = format!(
        "{first} to {last}: {} in total · model {} ({mase}) · {}% interval",
        format::value(Some(f.total), f.unit),
        f.model,
        format::grouped(f.level, 0),
    );
    canvas.ensure(CHART_H + 34.0);
    canvas.text(
        &line,
        Weight::Regular,
        SMALL,
        MARGIN_X,
        CONTENT_W,
        canvas.y + SMALL,
        Align::Left,
        &grey(),
    );
    canvas.y += SMALL + 4.0;
    let b = ChartBox {
        x: MARGIN_X,
        top: canvas.y + 16.0,
        w: CONTENT_W,
        h: CHART_H,
    };
    canvas.y += CHART_H + 26.0;
    let band = format!("{}% interval", format::grouped(f.level, 0));
    chart::legend(
        canvas,
        b.x + 44.0,
        b.top - 5.0,
        &[
            ("History", CURRENT, Mark::Line),
            ("Forecast", FORECAST, Mark::Dashed),
            (
                &band,
                plotters::style::RGBColor(0xf8, 0xdf, 0xc7),
                Mark::Band,
            ),
        ],
    );
    let points: Vec<_> = f
        .points
        .iter()
        .map(|p| (p.date, p.value, p.lower, p.upper))
        .collect();
    chart::forecast_chart(canvas, b, &f.history, &points)
}

fn notes(canvas: &mut Canvas<'_>, c: &ReportContent) {
    if c.notes.is_empty() {
        return;
    }
    heading(canvas, "Notes", 20.0);
    for note in c.notes.iter().take(MAX_NOTES) {
        let text = clip_chars(note, MAX_PARAGRAPH);
        let lines = wrap(canvas.fonts, &text, Weight::Regular, BODY, CONTENT_W - 12.0);
        for (i, line) in lines.iter().enumerate() {
            canvas.ensure(BODY + 4.0);
            if i == 0 {
                canvas.text(
                    "•",
                    Weight::Regular,
                    BODY,
                    MARGIN_X,
                    10.0,
                    canvas.y + BODY,
                    Align::Left,
                    &ink(),
                );
            }
            canvas.shaped(line, MARGIN_X + 12.0, canvas.y + BODY, &ink());
            canvas.y += BODY + 4.0;
        }
        canvas.y += 2.0;
    }
    if c.notes.len() > MAX_NOTES {
        small_note(
            canvas,
            &format!("… and {} more notes", c.notes.len() - MAX_NOTES),
        );
    }
}
