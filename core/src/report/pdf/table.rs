//! Tables that flow over pages: a row never splits, a table continuing on a new page repeats its
//! header, cells too long for their column are cut with an ellipsis, and the caller bounds the rows
//! (the rest is summed up as "… and K more").

use printpdf::Color;

use super::canvas::{grey, ink, rgb, wrap, Align, Canvas, SMALL};
use super::fonts::Weight;

/// Height of a table row, pt.
pub const ROW_H: f32 = 17.0;
/// Horizontal padding inside a cell, pt.
const PAD: f32 = 4.0;

/// A column: its header and share of the width.
#[derive(Debug, Clone)]
pub struct Column {
    /// Header text.
    pub title: String,
    /// Width, pt.
    pub width: f32,
    /// Alignment of header and cells.
    pub align: Align,
}

impl Column {
    /// A column.
    pub fn new(title: impl Into<String>, width: f32, align: Align) -> Self {
        Column {
            title: title.into(),
            width,
            align,
        }
    }
}

/// One cell.
#[derive(Debug, Clone)]
pub struct Cell {
    /// The printed text.
    pub text: String,
    /// Text colour (body ink when `None`).
    pub color: Option<Color>,
    /// Background (the row's when `None`).
    pub fill: Option<Color>,
    /// Bold text.
    pub bold: bool,
}

impl Cell {
    /// A plain cell.
    pub fn text(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            color: None,
            fill: None,
            bold: false,
        }
    }

    /// This cell in `color`.
    pub fn color(mut self, color: Color) -> Self {
        self.color = Some(color);
        self
    }

    /// This cell on `fill`.
    pub fn fill(mut self, fill: Color) -> Self {
        self.fill = Some(fill);
        self
    }
}

/// A row: its cells and an optional sentence printed under them across the table (an alert's root
/// cause), kept on the same page as the row.
#[derive(Debug, Clone)]
pub struct Row {
    /// One cell per column.
    pub cells: Vec<Cell>,
    /// The sentence under the row.
    pub note: Option<String>,
}

impl From<Vec<Cell>> for Row {
    fn from(cells: Vec<Cell>) -> Self {
        Row { cells, note: None }
    }
}

/// Draws a table at the cursor; `omitted` rows were left out by the caller and are mentioned after
/// the last one.
pub fn table(canvas: &mut Canvas<'_>, x: f32, columns: &[Column], rows: &[Row], omitted: usize) {
    let width: f32 = columns.iter().map(|c| c.width).sum();
    // A header alone at the foot of a page reads badly: keep it with its first row.
    canvas.ensure(ROW_H * 2.0);
    header(canvas, x, columns, width);
    for (i, row) in rows.iter().enumerate() {
        let notes = row
            .note
            .as_deref()
            .map(|n| {
                // A note is a sentence, not a document: at most six lines of it are shown, so
                // only their worth of characters is laid out.
                let n = match n.char_indices().nth(1_000) {
                    Some((i, _)) => &n[..i],
                    None => n,
                };
                let lines = wrap(
                    canvas.fonts,
                    n,
                    Weight::Regular,
                    SMALL,
                    width - 2.0 * PAD - 10.0,
                );
                lines.into_iter().take(6).collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let note_h = notes.len() as f32 * (SMALL + 3.0) + if notes.is_empty() { 0.0 } else { 3.0 };
        let h = ROW_H + note_h;
        if !canvas.fits(h) {
            canvas.new_page();
            header(canvas, x, columns, width);
        }
        let top = canvas.y;
        if i % 2 == 1 {
            canvas.fill_rect(x, top, width, h, &rgb(0xf8, 0xf9, 0xfa));
        }
        let mut cx = x;
        for (col, cell) in columns.iter().zip(&row.cells) {
            if let Some(fill) = &cell.fill {
                canvas.fill_rect(cx + 0.5, top + 0.5, col.width - 1.0, ROW_H - 1.0, fill);
            }
            let weight = if cell.bold {
                Weight::Bold
            } else {
                Weight::Regular
            };
            let color = cell.color.clone().unwrap_or_else(ink);
            canvas.text(
                &cell.text,
                weight,
                SMALL,
                cx + PAD,
                col.width - 2.0 * PAD,
                top + ROW_H - 5.5,
                col.align,
                &color,
            );
            cx += col.width;
        }
        let mut baseline = top + ROW_H + SMALL;
        for line in &notes {
            canvas.shaped(line, x + PAD + 10.0, baseline, &grey());
            baseline += SMALL + 3.0;
        }
        canvas.line(
            &[(x, top + h), (x + width, top + h)],
            0.4,
            &rgb(0xde, 0xe2, 0xe6),
            None,
        );
        canvas.y = top + h;
    }
    if omitted > 0 {
        canvas.ensure(ROW_H);
        let text = format!("… and {omitted} more");
        canvas.text(
            &text,
            Weight::Regular,
            SMALL,
            x + PAD,
            width,
            canvas.y + ROW_H - 5.5,
            Align::Left,
            &grey(),
        );
        canvas.y += ROW_H;
    }
    canvas.y += 8.0;
}

fn header(canvas: &mut Canvas<'_>, x: f32, columns: &[Column], width: f32) {
    let top = canvas.y;
    canvas.fill_rect(x, top, width, ROW_H, &rgb(0xe9, 0xec, 0xef));
    let mut cx = x;
    for col in columns {
        canvas.text(
            &col.title,
            Weight::Bold,
            SMALL,
            cx + PAD,
            col.width - 2.0 * PAD,
            top + ROW_H - 5.5,
            col.align,
            &ink(),
        );
        cx += col.width;
    }
    canvas.y = top + ROW_H;
}
