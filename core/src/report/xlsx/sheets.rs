//! The sheets of the XLSX report, one function per sheet, and the hidden sheet the charts read.

use chrono::NaiveDate;
use rust_xlsxwriter::{
    Chart, ChartEmptyCells, ChartFormat, ChartLine, ChartLineDashType, ChartType, Color,
    ConditionalFormat3ColorScale, Worksheet, XlsxError,
};

use super::cells::*;
use super::{CHARTED_DAILY, MAX_DATA_ROWS, PREVIOUS, SERIES};
use crate::kpi::Unit;
use crate::report::content::*;
use crate::report::format as text;

pub(super) fn summary(
    c: &ReportContent,
    f: &mut Formats,
) -> std::result::Result<Worksheet, XlsxError> {
    let mut ws = new_sheet("Summary")?;
    ws.write_string_with_format(0, 0, cell_text(&c.title), &f.title)?;
    ws.set_freeze_panes(1, 0)?;
    let mut row = 2;
    let mut field = |ws: &mut Worksheet, label: &str| -> std::result::Result<u32, XlsxError> {
        ws.write_string_with_format(row, 0, label, &f.label)?;
        row += 1;
        Ok(row - 1)
    };
    let r = field(&mut ws, "Period")?;
    string(&mut ws, r, 1, &c.period)?;
    for (label, d) in [
        ("From", &c.from),
        ("To", &c.to),
        ("Previous from", &c.previous_from),
        ("Previous to", &c.previous_to),
        ("As of", &c.as_of),
    ] {
        let r = field(&mut ws, label)?;
        date(&mut ws, f, r, 1, d)?;
    }
    let r = field(&mut ws, "Generated (UTC)")?;
    ws.write_datetime_with_format(r, 1, c.generated_at.naive_utc(), &f.datetime)?;
    for (label, v) in [
        ("Generated (local)", &c.generated_local),
        ("Time zone", &c.timezone),
        ("Country", &c.country),
        ("Currency", &c.currency),
    ] {
        let r = field(&mut ws, label)?;
        string(&mut ws, r, 1, v)?;
    }
    let r = field(&mut ws, "Summary")?;
    ws.write_string_with_format(r, 1, cell_text(&c.summary), &f.wrap)?;
    let r = field(&mut ws, "Notes")?;
    if c.notes.is_empty() {
        string(&mut ws, r, 1, "none")?;
    }
    for (i, note) in c.notes.iter().take(MAX_DATA_ROWS - 64).enumerate() {
        ws.write_string_with_format(r + i as u32, 1, cell_text(note), &f.wrap)?;
    }
    ws.set_column_width(0, 20)?;
    ws.set_column_width(1, 100)?;
    Ok(ws)
}

pub(super) fn kpi_sheet(
    name: &str,
    s: &KpiSection,
    f: &mut Formats,
) -> std::result::Result<Worksheet, XlsxError> {
    let mut ws = new_sheet(name)?;
    header(
        &mut ws,
        f,
        0,
        &["Metric", "Label", "Value", "Previous", "Change %", "Trend"],
    )?;
    if s.rows.is_empty() {
        no_data(&mut ws, f, 1, 0)?;
    }
    for (i, r) in s.rows.iter().take(MAX_DATA_ROWS).enumerate() {
        let row = i as u32 + 1;
        string(&mut ws, row, 0, &r.metric)?;
        string(&mut ws, row, 1, &r.label)?;
        unit_number(&mut ws, f, row, 2, r.value, r.unit)?;
        unit_number(&mut ws, f, row, 3, r.previous, r.unit)?;
        number(&mut ws, f, row, 4, r.change_pct, CHANGE_FORMAT)?;
        let arrow = text::arrow(r.change_pct);
        if !arrow.is_empty() {
            let tone = text::tone(r.change_pct, r.higher_is_better);
            ws.write_string_with_format(row, 5, arrow, f.arrow(tone))?;
        }
    }
    fit(&mut ws, f);
    Ok(ws)
}

/// The hidden sheet the charts read: numbers, blank where the content has no value.
pub(super) struct ChartData {
    name: &'static str,
    sheet: Option<Worksheet>,
    next_col: u16,
}

impl ChartData {
    pub(super) fn new(name: &'static str) -> Self {
        ChartData {
            name,
            sheet: None,
            next_col: 0,
        }
    }

    /// Writes a header and a column of values; returns the range of the values.
    pub(super) fn column(
        &mut self,
        title: &str,
        values: impl Iterator<Item = Option<f64>>,
    ) -> std::result::Result<(&'static str, u32, u16, u32, u16), XlsxError> {
        let ws = match &mut self.sheet {
            Some(ws) => ws,
            None => self.sheet.insert(new_sheet(self.name)?),
        };
        let col = self.next_col;
        self.next_col += 1;
        ws.write_string(0, col, cell_text(title))?;
        let mut last = 0;
        for (i, v) in values.take(MAX_DATA_ROWS).enumerate() {
            last = i as u32 + 1;
            if let Some(v) = v {
                ws.write_number(last, col, v)?;
            }
        }
        Ok((self.name, 1, col, last.max(1), col))
    }

    pub(super) fn dates(
        &mut self,
        title: &str,
        dates: &[NaiveDate],
        f: &Formats,
    ) -> std::result::Result<(&'static str, u32, u16, u32, u16), XlsxError> {
        let range = self.column(title, std::iter::empty())?;
        let ws = self
            .sheet
            .as_mut()
            .ok_or(XlsxError::ParameterError("chart data sheet missing".into()))?;
        for (i, d) in dates.iter().take(MAX_DATA_ROWS).enumerate() {
            ws.write_datetime_with_format(i as u32 + 1, range.2, d, &f.date)?;
        }
        Ok((
            range.0,
            1,
            range.2,
            (dates.len().min(MAX_DATA_ROWS) as u32).max(1),
            range.2,
        ))
    }

    pub(super) fn finish(self) -> std::result::Result<Option<Worksheet>, XlsxError> {
        Ok(self.sheet.map(|mut ws| {
            ws.set_hidden(true);
            ws
        }))
    }
}

pub(super) fn line_chart(title: &str, number_format: &str) -> Chart {
    let mut chart = Chart::new(ChartType::Line);
    chart.title().set_name(&cell_text(title));
    chart.x_axis().set_date_axis(true).set_num_format("mmm d");
    chart.y_axis().set_num_format(number_format);
    chart.show_empty_cells_as(ChartEmptyCells::Gaps);
    chart.set_width(720).set_height(320);
    chart
}

pub(super) fn line(rgb: u32, dashed: bool) -> ChartFormat {
    let mut l = ChartLine::new();
    l.set_color(Color::RGB(rgb))
        .set_width(if dashed { 1.5 } else { 2.25 });
    if dashed {
        l.set_dash_type(ChartLineDashType::Dash);
    }
    let mut f = ChartFormat::new();
    f.set_line(&l);
    f
}

pub(super) fn daily_sheet(
    c: &ReportContent,
    f: &mut Formats,
    chart_data: &mut ChartData,
) -> std::result::Result<Worksheet, XlsxError> {
    let d = &c.daily;
    let mut ws = new_sheet("Daily")?;
    // Bounded so that every column fits Excel's 16,384 (a date and a value per metric and period).
    let columns: Vec<&DailyColumn> = d.columns.iter().take(8_000).collect();
    let prev_col = columns.len() as u16 + 1;
    let mut titles = vec!["Date".to_owned()];
    titles.extend(columns.iter().map(|col| col.label.clone()));
    titles.push("Previous date".to_owned());
    titles.extend(columns.iter().map(|col| format!("{}, previous", col.label)));
    let titles: Vec<&str> = titles.iter().map(String::as_str).collect();
    header(&mut ws, f, 0, &titles)?;
    let rows = d.dates.len().max(d.previous_dates.len()).min(MAX_DATA_ROWS);
    if rows == 0 {
        no_data(&mut ws, f, 1, 0)?;
    }
    for i in 0..rows {
        let row = i as u32 + 1;
        if let Some(day) = d.dates.get(i) {
            date(&mut ws, f, row, 0, day)?;
            for (j, col) in columns.iter().enumerate() {
                let v = col.values.get(i).copied().flatten();
                unit_number(&mut ws, f, row, j as u16 + 1, v, col.unit)?;
            }
        }
        if let Some(day) = d.previous_dates.get(i) {
            date(&mut ws, f, row, prev_col, day)?;
            for (j, col) in columns.iter().enumerate() {
                let v = col.previous.get(i).copied().flatten();
                unit_number(&mut ws, f, row, prev_col + 1 + j as u16, v, col.unit)?;
            }
        }
    }
    fit(&mut ws, f);

    let charted = columns
        .iter()
        .filter(|col| CHARTED_DAILY.contains(&col.metric.as_str()))
        // Flat lines at zero would be an empty chart (the PDF says "no data" by the same rule).
        .filter(|col| {
            col.values
                .iter()
                .chain(&col.previous)
                .flatten()
                .any(|v| *v != 0.0)
        });
    let mut at = 1u16;
    let mut categories = None;
    for col in charted {
        let cats = match categories {
            Some(c) => c,
            None => *categories.insert(chart_data.dates("Date", &d.dates, f)?),
        };
        let n = d.dates.len();
        let cur = chart_data.column(
            &col.label,
            (0..n).map(|i| col.values.get(i).copied().flatten()),
        )?;
        let prev = chart_data.column(
            &format!("{}, previous", col.label),
            (0..n).map(|i| col.previous.get(i).copied().flatten()),
        )?;
        let mut chart = line_chart(
            &format!("{}: this period and the previous", col.label),
            unit_number_format(col.unit, 0.0),
        );
        chart
            .add_series()
            .set_name(&cell_text(&col.label))
            .set_categories(cats)
            .set_values(cur)
            .set_format(&mut line(SERIES, false));
        chart
            .add_series()
            .set_name("Previous period")
            .set_categories(cats)
            .set_values(prev)
            .set_format(&mut line(PREVIOUS, true));
        ws.insert_chart(at as u32, prev_col + columns.len() as u16 + 2, &chart)?;
        at += 18;
    }
    Ok(ws)
}

pub(super) fn payment_sheet(
    c: &ReportContent,
    f: &mut Formats,
) -> std::result::Result<Worksheet, XlsxError> {
    let mut ws = new_sheet("Payment methods")?;
    header(&mut ws, f, 0, &["Key", "Method", "Revenue"])?;
    let rows = &c.payment_methods[..c.payment_methods.len().min(MAX_DATA_ROWS)];
    if rows.is_empty() {
        no_data(&mut ws, f, 1, 0)?;
    }
    for (i, p) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        string(&mut ws, row, 0, &p.key)?;
        string(&mut ws, row, 1, &p.label)?;
        unit_number(&mut ws, f, row, 2, Some(p.value), Unit::Npr)?;
    }
    fit(&mut ws, f);
    if rows.iter().any(|p| p.value != 0.0) {
        let last = rows.len() as u32;
        let mut chart = Chart::new(ChartType::Column);
        chart.title().set_name("Revenue by payment method");
        chart.legend().set_hidden();
        chart
            .y_axis()
            .set_num_format(unit_number_format(Unit::Npr, 0.0));
        chart
            .add_series()
            .set_name("Revenue")
            .set_categories(("Payment methods", 1, 1, last, 1))
            .set_values(("Payment methods", 1, 2, last, 2));
        ws.insert_chart(1, 4, &chart)?;
    }
    Ok(ws)
}

pub(super) fn creators_sheet(
    c: &ReportContent,
    f: &mut Formats,
) -> std::result::Result<Worksheet, XlsxError> {
    let mut ws = new_sheet("Top creators")?;
    header(
        &mut ws,
        f,
        0,
        &[
            "Rank", "Host id", "Username", "Revenue", "Streams", "Viewers",
        ],
    )?;
    if c.top_creators.is_empty() {
        no_data(&mut ws, f, 1, 0)?;
    }
    for (i, r) in c.top_creators.iter().take(MAX_DATA_ROWS).enumerate() {
        let row = i as u32 + 1;
        number(&mut ws, f, row, 0, Some(f64::from(r.rank)), "0")?;
        string(&mut ws, row, 1, &r.host_id)?;
        match &r.username {
            Some(u) => string(&mut ws, row, 2, u)?,
            None => no_data(&mut ws, f, row, 2)?,
        }
        unit_number(&mut ws, f, row, 3, Some(r.revenue_coins), Unit::Coins)?;
        // u64 counts are far below 2^53 on any real platform; f64 is what a cell holds.
        number(&mut ws, f, row, 4, Some(r.streams as f64), "#,##0")?;
        number(&mut ws, f, row, 5, Some(r.viewers as f64), "#,##0")?;
    }
    fit(&mut ws, f);
    Ok(ws)
}

pub(super) fn cohorts_sheet(
    c: &ReportContent,
    f: &mut Formats,
) -> std::result::Result<Worksheet, XlsxError> {
    let g = &c.cohorts;
    let mut ws = new_sheet("Cohorts")?;
    let days = &g.days[..g.days.len().min(16_000)];
    let mut titles = vec![format!("Cohort ({})", g.granularity), "Size".to_owned()];
    titles.extend(days.iter().map(|d| format!("Day {d}")));
    let titles: Vec<&str> = titles.iter().map(String::as_str).collect();
    header(&mut ws, f, 0, &titles)?;
    let rows = &g.rows[..g.rows.len().min(MAX_DATA_ROWS)];
    if rows.is_empty() {
        no_data(&mut ws, f, 1, 0)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        date(&mut ws, f, row, 0, &r.cohort)?;
        number(&mut ws, f, row, 1, Some(r.size as f64), "#,##0")?;
        for j in 0..days.len() {
            let v = r.rates.get(j).copied().flatten();
            unit_number(&mut ws, f, row, j as u16 + 2, v, Unit::Percent)?;
        }
    }
    if !rows.is_empty() && !days.is_empty() {
        // Red for the lowest retention, yellow at the median, green for the highest; text cells
        // ("no data") take no colour.
        let scale = ConditionalFormat3ColorScale::new()
            .set_minimum_color(Color::RGB(0xF8696B))
            .set_midpoint_color(Color::RGB(0xFFEB84))
            .set_maximum_color(Color::RGB(0x63BE7B));
        ws.add_conditional_format(1, 2, rows.len() as u32, days.len() as u16 + 1, &scale)?;
    }
    fit(&mut ws, f);
    Ok(ws)
}

pub(super) fn alerts_sheet(
    c: &ReportContent,
    f: &mut Formats,
) -> std::result::Result<Worksheet, XlsxError> {
    let mut ws = new_sheet("Alerts")?;
    header(
        &mut ws,
        f,
        0,
        &[
            "Severity",
            "Status",
            "Title",
            "Metric",
            "Country",
            "Current",
            "Baseline",
            "Deviation %",
            "Since (UTC)",
            "Root cause",
        ],
    )?;
    if c.alerts.is_empty() {
        no_data(&mut ws, f, 1, 0)?;
    }
    for (i, a) in c.alerts.iter().take(MAX_DATA_ROWS).enumerate() {
        let row = i as u32 + 1;
        string(&mut ws, row, 0, &a.severity)?;
        string(&mut ws, row, 1, &a.status)?;
        string(&mut ws, row, 2, &a.title)?;
        string(&mut ws, row, 3, &a.metric)?;
        string(&mut ws, row, 4, &a.country)?;
        number(&mut ws, f, row, 5, a.current, PLAIN_FORMAT)?;
        number(&mut ws, f, row, 6, a.baseline, PLAIN_FORMAT)?;
        number(&mut ws, f, row, 7, a.deviation_pct, CHANGE_FORMAT)?;
        ws.write_datetime_with_format(row, 8, a.since.naive_utc(), &f.datetime)?;
        match &a.root_cause {
            Some(r) => string(&mut ws, row, 9, r)?,
            None => no_data(&mut ws, f, row, 9)?,
        }
    }
    fit(&mut ws, f);
    Ok(ws)
}

pub(super) fn forecast_sheet(
    c: &ReportContent,
    f: &mut Formats,
    chart_data: &mut ChartData,
) -> std::result::Result<Worksheet, XlsxError> {
    let mut ws = new_sheet("Forecast")?;
    header(
        &mut ws,
        f,
        0,
        &["Date", "Actual", "Forecast", "Lower", "Upper"],
    )?;
    let Some(fc) = &c.forecast else {
        no_data(&mut ws, f, 1, 0)?;
        fit(&mut ws, f);
        return Ok(ws);
    };
    let history = &fc.history[..fc.history.len().min(MAX_DATA_ROWS / 2)];
    let points = &fc.points[..fc.points.len().min(MAX_DATA_ROWS / 2)];
    for (i, (d, v)) in history.iter().enumerate() {
        let row = i as u32 + 1;
        date(&mut ws, f, row, 0, d)?;
        unit_number(&mut ws, f, row, 1, Some(*v), fc.unit)?;
    }
    for (i, p) in points.iter().enumerate() {
        let row = (history.len() + i) as u32 + 1;
        date(&mut ws, f, row, 0, &p.date)?;
        unit_number(&mut ws, f, row, 2, Some(p.value), fc.unit)?;
        unit_number(&mut ws, f, row, 3, Some(p.lower), fc.unit)?;
        unit_number(&mut ws, f, row, 4, Some(p.upper), fc.unit)?;
    }
    // The model beside the table.
    let info_col = 6;
    ws.write_string_with_format(0, info_col, "Model", &f.header)?;
    ws.write_string_with_format(0, info_col + 1, "", &f.header)?;
    let rows: [(&str, Option<f64>, &'static str); 3] = [
        ("Band level %", Some(fc.level), r#"0"%""#),
        ("Validation MASE", fc.mase, "0.00"),
        (
            "Forecast total",
            Some(fc.total),
            unit_number_format(fc.unit, 0.5),
        ),
    ];
    string(&mut ws, 1, info_col, "Metric")?;
    string(&mut ws, 1, info_col + 1, &fc.metric)?;
    string(&mut ws, 2, info_col, "Model")?;
    string(&mut ws, 2, info_col + 1, &fc.model)?;
    for (i, (label, v, code)) in rows.into_iter().enumerate() {
        string(&mut ws, i as u32 + 3, info_col, label)?;
        number(&mut ws, f, i as u32 + 3, info_col + 1, v, code)?;
    }
    fit(&mut ws, f);

    let n = history.len() + points.len();
    let dates: Vec<NaiveDate> = history
        .iter()
        .map(|(d, _)| *d)
        .chain(points.iter().map(|p| p.date))
        .collect();
    let cats = chart_data.dates("Forecast date", &dates, f)?;
    let actual = chart_data.column("Actual", (0..n).map(|i| history.get(i).map(|(_, v)| *v)))?;
    let point = |g: fn(&ForecastPoint) -> f64| {
        (0..n).map(move |i| {
            i.checked_sub(history.len())
                .and_then(|j| points.get(j))
                .map(g)
        })
    };
    let value = chart_data.column("Forecast", point(|p| p.value))?;
    let lower = chart_data.column("Lower", point(|p| p.lower))?;
    let upper = chart_data.column("Upper", point(|p| p.upper))?;
    let mut chart = line_chart(
        &format!("Forecast ({}, {}% band)", fc.model, fc.level),
        unit_number_format(fc.unit, 0.0),
    );
    for (name, range, rgb, dashed) in [
        ("Actual", actual, SERIES, false),
        ("Forecast", value, 0xE37400, false),
        ("Lower", lower, PREVIOUS, true),
        ("Upper", upper, PREVIOUS, true),
    ] {
        chart
            .add_series()
            .set_name(name)
            .set_categories(cats)
            .set_values(range)
            .set_format(&mut line(rgb, dashed));
    }
    ws.insert_chart(9, info_col, &chart)?;
    Ok(ws)
}
