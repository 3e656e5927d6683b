//! The report's charts, drawn by `plotters` (axes, tick placement, label layout, series) through a
//! backend that writes PDF vector operations straight into the page.
//!
//! Why not plotters → SVG → printpdf's SVG import: that path needs printpdf's `svg` feature (an HTML
//! layout engine and a resvg stack), and the SVG's `<text>` labels would be re-laid out by usvg with
//! its own font database. Here every label goes through the same shaper and fonts as the rest of
//! the report, stays real (selectable, extractable) text, and the charts cost a few hundred
//! operations instead of an embedded XObject tree.
//!
//! The backend's pixel is a tenth of a point, so plotters' integer coordinates lose nothing visible.

use std::cell::Cell;
use std::rc::Rc;

use chrono::NaiveDate;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

use super::canvas::{grey, Canvas, SMALL};
use super::fonts::Weight;

/// Backend pixels per point.
const PX: f32 = 10.0;
/// Charts draw at most this many points per series: more than the page has room for anyway.
const MAX_POINTS: usize = 800;

/// Where a chart goes on the page (top-down, pt).
#[derive(Debug, Clone, Copy)]
pub struct ChartBox {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub top: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

/// The plotters backend writing into a [`Canvas`] inside a [`ChartBox`].
struct PdfBackend<'c, 'f> {
    canvas: &'c mut Canvas<'f>,
    area: ChartBox,
    /// The dash pattern of the lines drawn now (on, off; pt). plotters' own dashed series cuts a
    /// line into one path per dash; a PDF dash pattern draws it as one path, whatever its length.
    dash: Rc<Cell<Option<[f32; 2]>>>,
}

impl PdfBackend<'_, '_> {
    fn pt(&self, (x, y): BackendCoord) -> (f32, f32) {
        (self.area.x + x as f32 / PX, self.area.top + y as f32 / PX)
    }
}

/// The colour of a plotters colour on the white page (a translucent fill is blended with white,
/// which avoids transparency groups in the PDF).
fn colour(c: BackendColor) -> printpdf::Color {
    let a = c.alpha.clamp(0.0, 1.0);
    let mix = |v: u8| (f64::from(v) * a + 255.0 * (1.0 - a)).round() as u8;
    super::canvas::rgb(mix(c.rgb.0), mix(c.rgb.1), mix(c.rgb.2))
}

fn width_pt<S: BackendStyle>(style: &S) -> f32 {
    (style.stroke_width() as f32 / PX).max(0.3)
}

type DrawResult = Result<(), DrawingErrorKind<std::fmt::Error>>;

impl DrawingBackend for PdfBackend<'_, '_> {
    type ErrorType = std::fmt::Error;

    fn get_size(&self) -> (u32, u32) {
        ((self.area.w * PX) as u32, (self.area.h * PX) as u32)
    }

    fn ensure_prepared(&mut self) -> DrawResult {
        Ok(())
    }

    fn present(&mut self) -> DrawResult {
        Ok(())
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> DrawResult {
        if color.alpha > 0.0 {
            let (x, y) = self.pt(point);
            self.canvas
                .fill_rect(x, y, 1.0 / PX, 1.0 / PX, &colour(color));
        }
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> DrawResult {
        self.draw_path([from, to], style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> DrawResult {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let (x0, y0) = self.pt(upper_left);
        let (x1, y1) = self.pt(bottom_right);
        let (x, y, w, h) = (x0.min(x1), y0.min(y1), (x1 - x0).abs(), (y1 - y0).abs());
        if fill {
            self.canvas.fill_rect(x, y, w, h, &colour(style.color()));
        } else {
            self.canvas
                .stroke_rect(x, y, w, h, &colour(style.color()), width_pt(style));
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> DrawResult {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let points: Vec<(f32, f32)> = path.into_iter().map(|p| self.pt(p)).collect();
        self.canvas.line(
            &points,
            width_pt(style),
            &colour(style.color()),
            self.dash.get(),
        );
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> DrawResult {
        let (cx, cy) = self.pt(center);
        let r = radius as f32 / PX;
        let points: Vec<(f32, f32)> = (0..=16)
            .map(|i| {
                let a = i as f32 / 16.0 * std::f32::consts::TAU;
                (cx + r * a.cos(), cy + r * a.sin())
            })
            .collect();
        if fill {
            self.canvas.fill_polygon(&points, &colour(style.color()));
        } else {
            self.canvas
                .line(&points, width_pt(style), &colour(style.color()), None);
        }
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> DrawResult {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let points: Vec<(f32, f32)> = vert.into_iter().map(|p| self.pt(p)).collect();
        self.canvas.fill_polygon(&points, &colour(style.color()));
        Ok(())
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> DrawResult {
        let size = (style.size() as f32 / PX).max(1.0);
        let (x, y) = self.pt(pos);
        let anchor = style.anchor();
        // A label never runs off the chart: one anchored at its left end (a bar's value) is cut at
        // the chart's right edge.
        let room = match anchor.h_pos {
            HPos::Left => (self.area.x + self.area.w - x).max(SMALL),
            _ => self.area.w,
        };
        let line = super::canvas::fit(self.canvas.fonts, text, Weight::Regular, size, room);
        let w = line.width(self.canvas.fonts);
        let left = match anchor.h_pos {
            HPos::Left => x,
            HPos::Center => x - w / 2.0,
            HPos::Right => x - w,
        };
        // plotters anchors the text's box (one em high); the canvas wants a baseline.
        let baseline = match anchor.v_pos {
            VPos::Top => y + size * 0.8,
            VPos::Center => y + size * 0.3,
            VPos::Bottom => y - size * 0.2,
        };
        self.canvas
            .shaped(&line, left, baseline, &colour(style.color()));
        Ok(())
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let size = (style.size() as f32 / PX).max(1.0);
        let w = self
            .canvas
            .shape(text, Weight::Regular, size)
            .width(self.canvas.fonts);
        Ok(((w * PX) as u32, (size * PX) as u32))
    }
}

fn chart_error<E: std::fmt::Debug>(e: E) -> crate::Error {
    crate::Error::render_failed("pdf", format!("chart: {e:?}"))
}

/// A line style `width` backend pixels wide.
fn stroke(c: RGBColor, width: u32) -> ShapeStyle {
    plotters::style::Color::stroke_width(&c, width)
}

/// Label style of axes: 9 pt grey.
fn label_style() -> TextStyle<'static> {
    ("sans-serif", f64::from(SMALL * PX))
        .into_font()
        .color(&RGBColor(0x49, 0x50, 0x57))
}

/// The series colour of the period.
pub const CURRENT: RGBColor = RGBColor(0x1c, 0x64, 0xc8);
/// The series colour of the previous period.
pub const PREVIOUS: RGBColor = RGBColor(0x86, 0x8e, 0x96);
/// The forecast's colour.
pub const FORECAST: RGBColor = RGBColor(0xe0, 0x6c, 0x00);

/// A short axis label of a value: `41.2k`, `1.4M`, `950`, `-3.5`.
pub fn axis_value(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e12 {
        (v / 1e12, "T")
    } else if a >= 1e9 {
        (v / 1e9, "B")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let decimals = if scaled.fract().abs() < 1e-9 || scaled.abs() >= 100.0 {
        0
    } else {
        1
    };
    format!(
        "{}{suffix}",
        crate::report::format::grouped(scaled, decimals)
    )
}

/// A y range that contains `values` and zero with some head room, never empty or infinite.
fn y_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return None;
    }
    // Extreme magnitudes would overflow the padding (and no axis can label them usefully).
    lo = lo.clamp(-1e15, 1e15).min(0.0);
    hi = hi.clamp(-1e15, 1e15).max(0.0);
    let span = hi - lo;
    let pad = if span > 0.0 { span * 0.08 } else { 1.0 };
    Some((if lo < 0.0 { lo - pad } else { lo }, hi + pad))
}

/// At most [`MAX_POINTS`] points of `points` (x ascending): every k-th, keeping the last.
fn thin<T: Copy>(points: &[T]) -> Vec<T> {
    if points.len() <= MAX_POINTS {
        return points.to_vec();
    }
    let step = points.len().div_ceil(MAX_POINTS);
    let mut out: Vec<T> = points.iter().step_by(step).copied().collect();
    if let Some(last) = points.last() {
        if !(points.len() - 1).is_multiple_of(step) {
            out.push(*last);
        }
    }
    out
}

/// Consecutive runs of present values as (day index, value) lines: a day without data is a gap.
/// Beyond [`MAX_POINTS`] days, days are averaged in equal buckets first (a bucket without any value
/// is a gap), so that a long series is at most a few hundred segments.
fn segments(values: &[Option<f64>], limit: usize) -> Vec<Vec<(f64, f64)>> {
    let values = &values[..limit.min(values.len())];
    let bucket = values.len().div_ceil(MAX_POINTS).max(1);
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (b, chunk) in values.chunks(bucket).enumerate() {
        let present: Vec<f64> = chunk
            .iter()
            .flatten()
            .filter(|v| v.is_finite())
            .map(|v| v.clamp(-1e15, 1e15))
            .collect();
        let x = (b * bucket) as f64 + (chunk.len() - 1) as f64 / 2.0;
        if present.is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else {
            current.push((x, present.iter().sum::<f64>() / present.len() as f64));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The day label of index `x` of `dates`: `Oct 5`.
fn day_label(dates: &[NaiveDate], x: f64) -> String {
    let i = x.round();
    if i < 0.0 || !i.is_finite() {
        return String::new();
    }
    dates
        .get(i as usize)
        .map(|d| d.format("%b %-d").to_string())
        .unwrap_or_default()
}

fn root<'c, 'f>(
    canvas: &'c mut Canvas<'f>,
    area: ChartBox,
    dash: &Rc<Cell<Option<[f32; 2]>>>,
) -> DrawingArea<PdfBackend<'c, 'f>, Shift> {
    PdfBackend {
        canvas,
        area,
        dash: Rc::clone(dash),
    }
    .into_drawing_area()
}

/// The axes of a chart over days (index 0 … `x_max` of `dates`) and values `lo` … `hi`: date labels
/// below, value labels left, light horizontal grid lines.
fn date_axes<'a, 'c, 'f>(
    root: &'a DrawingArea<PdfBackend<'c, 'f>, Shift>,
    dates: &[NaiveDate],
    x_max: f64,
    lo: f64,
    hi: f64,
) -> crate::Result<ChartContext<'a, PdfBackend<'c, 'f>, Cartesian2d<RangedCoordf64, RangedCoordf64>>>
{
    let mut chart = ChartBuilder::on(root)
        .margin_right((12.0 * PX) as i32)
        .margin_top((6.0 * PX) as i32)
        .x_label_area_size((16.0 * PX) as i32)
        .y_label_area_size((44.0 * PX) as i32)
        .build_cartesian_2d(0f64..x_max, lo..hi)
        .map_err(chart_error)?;
    let x_fmt = |x: &f64| day_label(dates, *x);
    let y_fmt = |y: &f64| axis_value(*y);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(7)
        .y_labels(5)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style(label_style())
        .bold_line_style(stroke(RGBColor(0xe9, 0xec, 0xef), 5))
        .light_line_style(TRANSPARENT)
        // Labels 3 pt off the axes, so the y axis' lowest label never touches the first date.
        .set_all_tick_mark_size((3.0 * PX) as i32)
        .axis_style(stroke(RGBColor(0xad, 0xb5, 0xbd), 6))
        .draw()
        .map_err(chart_error)?;
    Ok(chart)
}

/// A daily line chart of a period (solid) over the previous period aligned by day (dashed), or a
/// "no data" box when neither period has a value other than zero (flat lines at zero would be an empty
/// chart; the XLSX leaves such a chart out by the same rule).
pub fn daily_chart(
    canvas: &mut Canvas<'_>,
    area: ChartBox,
    dates: &[NaiveDate],
    values: &[Option<f64>],
    previous: &[Option<f64>],
) -> crate::Result<()> {
    let n = dates.len().min(values.len());
    let current = segments(values, n);
    let earlier = segments(previous, n);
    let all = current.iter().chain(&earlier).flatten().map(|p| p.1);
    let nonzero = values.iter().chain(previous).flatten().any(|v| *v != 0.0);
    let (Some((lo, hi)), false, true) = (y_range(all), current.is_empty(), nonzero) else {
        canvas.no_data_box(area.x, area.top, area.w, area.h);
        return Ok(());
    };
    let dash = Rc::new(Cell::new(None));
    let root = root(canvas, area, &dash);
    let x_max = (n.max(2) - 1) as f64;
    let mut chart = date_axes(&root, dates, x_max, lo, hi)?;
    dash.set(Some([4.0, 3.0]));
    for segment in earlier {
        chart
            .draw_series(LineSeries::new(segment, stroke(PREVIOUS, 10)))
            .map_err(chart_error)?;
    }
    dash.set(None);
    for segment in current {
        chart
            .draw_series(LineSeries::new(segment, stroke(CURRENT, 16)))
            .map_err(chart_error)?;
    }
    root.present().map_err(chart_error)?;
    Ok(())
}

/// Horizontal bars of labelled values, largest first, each with its value printed at its end.
pub fn bar_chart(
    canvas: &mut Canvas<'_>,
    area: ChartBox,
    bars: &[(String, f64)],
    unit: crate::kpi::Unit,
) -> crate::Result<()> {
    let values = bars.iter().map(|b| b.1.clamp(-1e15, 1e15));
    let Some((lo, hi)) = y_range(values).filter(|_| !bars.is_empty()) else {
        canvas.no_data_box(area.x, area.top, area.w, area.h);
        return Ok(());
    };
    // Room at the right of the longest bar for its printed value.
    let hi = hi + (hi - lo) * 0.35;
    let k = bars.len();
    // Labels are cut to the label area (plotters would let a long one run off the page).
    let labels: Vec<String> = bars
        .iter()
        .map(|b| super::canvas::fit(canvas.fonts, &b.0, Weight::Regular, SMALL, 80.0).text)
        .collect();
    let dash = Rc::new(Cell::new(None));
    let root = root(canvas, area, &dash);
    let mut chart = ChartBuilder::on(&root)
        .margin_right((8.0 * PX) as i32)
        .x_label_area_size((16.0 * PX) as i32)
        .y_label_area_size((90.0 * PX) as i32)
        .build_cartesian_2d(lo..hi, 0f64..k as f64)
        .map_err(chart_error)?;
    // Bar i (0 = largest) is drawn at the top: y from k − i − 1 to k − i.
    let y_fmt = |y: &f64| {
        let from_top = k as f64 - *y - 0.5;
        if (from_top - from_top.round()).abs() > 0.01 || from_top < 0.0 {
            return String::new();
        }
        labels
            .get(from_top.round() as usize)
            .cloned()
            .unwrap_or_default()
    };
    let x_fmt = |x: &f64| axis_value(*x);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(5)
        .y_labels(2 * k + 1)
        .y_label_formatter(&y_fmt)
        .x_label_formatter(&x_fmt)
        .label_style(label_style())
        .bold_line_style(stroke(RGBColor(0xe9, 0xec, 0xef), 5))
        .light_line_style(TRANSPARENT)
        // Labels 3 pt off the axes, so the y axis' lowest label never touches the first date.
        .set_all_tick_mark_size((3.0 * PX) as i32)
        .axis_style(stroke(RGBColor(0xad, 0xb5, 0xbd), 6))
        .draw()
        .map_err(chart_error)?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
            let y = (k - i - 1) as f64;
            Rectangle::new(
                [(0.0, y + 0.2), (v.clamp(-1e15, 1e15), y + 0.8)],
                CURRENT.filled(),
            )
        }))
        .map_err(chart_error)?;
    let value_style = label_style().color(&RGBColor(0x21, 0x25, 0x29));
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
            let y = (k - i - 1) as f64 + 0.5;
            let text = crate::report::format::value(Some(*v), unit);
            Text::new(
                format!("  {text}"),
                (v.clamp(-1e15, 1e15).max(0.0), y),
                value_style.clone().pos(Pos::new(HPos::Left, VPos::Center)),
            )
        }))
        .map_err(chart_error)?;
    root.present().map_err(chart_error)?;
    Ok(())
}

/// History (solid), point forecast (dashed) and its interval band (shaded).
pub fn forecast_chart(
    canvas: &mut Canvas<'_>,
    area: ChartBox,
    history: &[(NaiveDate, f64)],
    points: &[(NaiveDate, f64, f64, f64)],
) -> crate::Result<()> {
    let dates: Vec<NaiveDate> = history
        .iter()
        .map(|h| h.0)
        .chain(points.iter().map(|p| p.0))
        .collect();
    let h = history.len();
    let past: Vec<(f64, f64)> = history
        .iter()
        .enumerate()
        .map(|(i, (_, v))| (i as f64, v.clamp(-1e15, 1e15)))
        .collect();
    let clamp = |v: f64| v.clamp(-1e15, 1e15);
    let ahead: Vec<(f64, f64, f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| ((h + i) as f64, clamp(p.1), clamp(p.2), clamp(p.3)))
        .collect();
    let all = past
        .iter()
        .map(|p| p.1)
        .chain(ahead.iter().flat_map(|p| [p.1, p.2, p.3]));
    let (Some((lo, hi)), false) = (y_range(all), ahead.is_empty()) else {
        canvas.no_data_box(area.x, area.top, area.w, area.h);
        return Ok(());
    };
    let (past, ahead) = (thin(&past), thin(&ahead));
    let dash = Rc::new(Cell::new(None));
    let root = root(canvas, area, &dash);
    let x_max = (dates.len().max(2) - 1) as f64;
    let mut chart = date_axes(&root, &dates, x_max, lo, hi)?;
    let band: Vec<(f64, f64)> = ahead
        .iter()
        .map(|p| (p.0, p.3))
        .chain(ahead.iter().rev().map(|p| (p.0, p.2)))
        .collect();
    chart
        .draw_series(std::iter::once(plotters::element::Polygon::new(
            band,
            FORECAST.mix(0.22).filled(),
        )))
        .map_err(chart_error)?;
    if !past.is_empty() {
        chart
            .draw_series(LineSeries::new(past.clone(), stroke(CURRENT, 16)))
            .map_err(chart_error)?;
    }
    // The forecast line starts at the last observed day so that the two lines join.
    let line: Vec<(f64, f64)> = past
        .last()
        .copied()
        .into_iter()
        .chain(ahead.iter().map(|p| (p.0, p.1)))
        .collect();
    dash.set(Some([5.0, 3.0]));
    chart
        .draw_series(LineSeries::new(line, stroke(FORECAST, 16)))
        .map_err(chart_error)?;
    dash.set(None);
    root.present().map_err(chart_error)?;
    Ok(())
}

/// How a legend entry shows its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A solid line.
    Line,
    /// A dashed line.
    Dashed,
    /// A shaded band.
    Band,
}

/// A legend line: a sample of each series and its label, left to right.
pub fn legend(canvas: &mut Canvas<'_>, x: f32, baseline: f32, entries: &[(&str, RGBColor, Mark)]) {
    let mut x = x;
    for (label, c, mark) in entries {
        let col = super::canvas::rgb(c.0, c.1, c.2);
        let mid = baseline - SMALL * 0.32;
        match mark {
            Mark::Line => canvas.line(&[(x, mid), (x + 18.0, mid)], 1.6, &col, None),
            Mark::Dashed => canvas.line(&[(x, mid), (x + 18.0, mid)], 1.6, &col, Some([3.0, 2.0])),
            Mark::Band => canvas.fill_rect(x, mid - 4.0, 18.0, 8.0, &col),
        }
        x += 22.0;
        let line = super::canvas::fit(canvas.fonts, label, Weight::Regular, SMALL, 220.0);
        let w = line.width(canvas.fonts);
        canvas.shaped(&line, x, baseline, &grey());
        x += w + 14.0;
    }
}
