//! The pages of a report being laid out: an A4 flow with a cursor running down the page, page breaks
//! when the next block does not fit, and the drawing primitives every section uses.
//!
//! Coordinates here are top-down (y from the top edge of the page, pt), the way a layout reads;
//! they turn into PDF's bottom-up coordinates only when an operation is written.

use printpdf::{
    Color, Line, LineDashPattern, LinePoint, Op, PaintMode, Point, Polygon, PolygonRing, Pt, Rect,
    Rgb, WindingOrder,
};

use super::fonts::{Fonts, ShapedLine, Weight};
use super::text::TextLayer;

/// A4 width, pt.
pub const PAGE_W: f32 = 595.28;
/// A4 height, pt.
pub const PAGE_H: f32 = 841.89;
/// Left and right margin, pt.
pub const MARGIN_X: f32 = 40.0;
/// Top margin, pt.
pub const MARGIN_TOP: f32 = 40.0;
/// Bottom of the flow, pt from the top: below it only the page footer.
pub const FLOW_BOTTOM: f32 = PAGE_H - 48.0;
/// Width of the flow, pt.
pub const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

/// Body text size, pt: at least 9 so that a page stays readable on a phone.
pub const BODY: f32 = 10.0;
/// Table and chart text size, pt.
pub const SMALL: f32 = 9.0;

/// An sRGB colour from 8-bit components.
pub fn rgb(r: u8, g: u8, b: u8) -> Color {
    Color::Rgb(Rgb::new(
        f32::from(r) / 255.0,
        f32::from(g) / 255.0,
        f32::from(b) / 255.0,
        None,
    ))
}

/// Body text.
pub fn ink() -> Color {
    rgb(0x21, 0x25, 0x29)
}

/// Secondary text and neutral arrows.
pub fn grey() -> Color {
    rgb(0x6c, 0x75, 0x7d)
}

/// Horizontal alignment of a text in its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Left.
    Left,
    /// Centre.
    Center,
    /// Right.
    Right,
}

/// The report's pages and the flow cursor.
pub struct Canvas<'f> {
    /// The shaping fonts.
    pub fonts: &'f Fonts,
    /// The text layer (ToUnicode consistency across the document).
    pub text: TextLayer,
    pages: Vec<Vec<Op>>,
    /// The flow cursor: y of the top of the next block, pt from the top.
    pub y: f32,
}

impl<'f> Canvas<'f> {
    /// A document with one empty page.
    pub fn new(fonts: &'f Fonts, text: TextLayer) -> Self {
        Canvas {
            fonts,
            text,
            pages: vec![Vec::new()],
            y: MARGIN_TOP,
        }
    }

    /// Starts a new page and puts the cursor at its top.
    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN_TOP;
    }

    /// Makes room for a block of `height` pt: a new page when it does not fit on this one (unless
    /// this page is still empty, where a taller block is cut by its own drawing code instead).
    pub fn ensure(&mut self, height: f32) {
        if self.y + height > FLOW_BOTTOM && self.y > MARGIN_TOP + 0.5 {
            self.new_page();
        }
    }

    /// Whether a block of `height` pt fits below the cursor on this page.
    pub fn fits(&self, height: f32) -> bool {
        self.y + height <= FLOW_BOTTOM
    }

    /// The operations of the current page.
    pub fn ops(&mut self) -> &mut Vec<Op> {
        // `pages` is never empty: `new` starts with a page and nothing removes one.
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Shapes `text`.
    pub fn shape(&self, text: &str, weight: Weight, size: f32) -> ShapedLine {
        self.fonts.shape(text, weight, size)
    }

    /// Writes `text` in a box from `x` to `x + width` with its baseline at `baseline` (top-down),
    /// cut with an ellipsis when it does not fit.
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        text: &str,
        weight: Weight,
        size: f32,
        x: f32,
        width: f32,
        baseline: f32,
        align: Align,
        color: &Color,
    ) {
        let line = fit(self.fonts, text, weight, size, width);
        let w = line.width(self.fonts);
        let left = match align {
            Align::Left => x,
            Align::Center => x + (width - w) / 2.0,
            Align::Right => x + width - w,
        };
        let (fonts, page) = (self.fonts, self.pages.len() - 1);
        self.text.draw(
            &mut self.pages[page],
            fonts,
            &line,
            left,
            PAGE_H - baseline,
            color,
        );
    }

    /// Writes an already shaped line with its left end at `x`.
    pub fn shaped(&mut self, line: &ShapedLine, x: f32, baseline: f32, color: &Color) {
        let (fonts, page) = (self.fonts, self.pages.len() - 1);
        self.text.draw(
            &mut self.pages[page],
            fonts,
            line,
            x,
            PAGE_H - baseline,
            color,
        );
    }

    /// Fills a rectangle given by its top-left corner.
    pub fn fill_rect(&mut self, x: f32, top: f32, w: f32, h: f32, color: &Color) {
        self.rect(x, top, w, h, color, PaintMode::Fill, 0.0);
    }

    /// Strokes a rectangle given by its top-left corner.
    pub fn stroke_rect(&mut self, x: f32, top: f32, w: f32, h: f32, color: &Color, line: f32) {
        self.rect(x, top, w, h, color, PaintMode::Stroke, line);
    }

    #[allow(clippy::too_many_arguments)]
    fn rect(&mut self, x: f32, top: f32, w: f32, h: f32, color: &Color, mode: PaintMode, lw: f32) {
        let colour = match mode {
            PaintMode::Stroke => Op::SetOutlineColor { col: color.clone() },
            _ => Op::SetFillColor { col: color.clone() },
        };
        self.ops().extend([
            colour,
            Op::SetOutlineThickness { pt: Pt(lw) },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(x),
                    y: Pt(PAGE_H - top - h),
                    width: Pt(w),
                    height: Pt(h),
                    mode: Some(mode),
                    winding_order: Some(WindingOrder::NonZero),
                },
            },
        ]);
    }

    /// A straight line, solid or dashed (`dash` = on/off lengths, pt).
    pub fn line(
        &mut self,
        points: &[(f32, f32)],
        width: f32,
        color: &Color,
        dash: Option<[f32; 2]>,
    ) {
        if points.len() < 2 {
            return;
        }
        let mut ops = vec![
            Op::SetOutlineColor { col: color.clone() },
            Op::SetOutlineThickness { pt: Pt(width) },
        ];
        if let Some([on, off]) = dash {
            ops.push(Op::SetLineDashPattern {
                dash: LineDashPattern {
                    offset: 0.0,
                    pattern: [on, off].into_iter().collect(),
                },
            });
        }
        ops.push(Op::DrawLine {
            line: Line {
                points: points.iter().map(|&(x, y)| lp(x, y)).collect(),
                is_closed: false,
            },
        });
        if dash.is_some() {
            ops.push(Op::SetLineDashPattern {
                dash: LineDashPattern::default(),
            });
        }
        self.ops().extend(ops);
    }

    /// Fills a closed polygon (top-down coordinates).
    pub fn fill_polygon(&mut self, points: &[(f32, f32)], color: &Color) {
        if points.len() < 3 {
            return;
        }
        self.ops().extend([
            Op::SetFillColor { col: color.clone() },
            Op::DrawPolygon {
                polygon: Polygon {
                    rings: vec![PolygonRing {
                        points: points.iter().map(|&(x, y)| lp(x, y)).collect(),
                    }],
                    mode: PaintMode::Fill,
                    winding_order: WindingOrder::NonZero,
                },
            },
        ]);
    }

    /// A framed box saying "no data" where a chart or table would be.
    pub fn no_data_box(&mut self, x: f32, top: f32, w: f32, h: f32) {
        self.fill_rect(x, top, w, h, &rgb(0xf8, 0xf9, 0xfa));
        self.stroke_rect(x, top, w, h, &rgb(0xad, 0xb5, 0xbd), 0.8);
        let baseline = top + h / 2.0 + BODY * 0.35;
        self.text(
            crate::report::NO_DATA,
            Weight::Regular,
            BODY,
            x,
            w,
            baseline,
            Align::Center,
            &grey(),
        );
    }

    /// The finished pages, each with its footer, and the text layer that wrote them (whose glyph
    /// forms the document needs) ("Page N of M" and the report's name).
    pub fn finish(mut self, footer: &str) -> (Vec<Vec<Op>>, TextLayer) {
        let total = self.pages.len();
        let rule = rgb(0xde, 0xe2, 0xe6);
        for n in 0..total {
            let page = n + 1;
            let mut ops = std::mem::take(&mut self.pages[n]);
            let base = PAGE_H - 26.0;
            let fonts = self.fonts;
            let left = fonts.shape(footer, Weight::Regular, SMALL);
            let left = fit_line(fonts, left, CONTENT_W * 0.6);
            let right = fonts.shape(&format!("Page {page} of {total}"), Weight::Regular, SMALL);
            let rw = right.width(fonts);
            ops.extend([
                Op::SetOutlineColor { col: rule.clone() },
                Op::SetOutlineThickness { pt: Pt(0.5) },
                Op::DrawLine {
                    line: Line {
                        points: vec![
                            lp(MARGIN_X, base - SMALL - 3.0),
                            lp(PAGE_W - MARGIN_X, base - SMALL - 3.0),
                        ],
                        is_closed: false,
                    },
                },
            ]);
            self.text
                .draw(&mut ops, fonts, &left, MARGIN_X, PAGE_H - base, &grey());
            self.text.draw(
                &mut ops,
                fonts,
                &right,
                PAGE_W - MARGIN_X - rw,
                PAGE_H - base,
                &grey(),
            );
            self.pages[n] = ops;
        }
        (self.pages, self.text)
    }
}

/// A line point from top-down coordinates.
fn lp(x: f32, top: f32) -> LinePoint {
    LinePoint {
        p: Point {
            x: Pt(x),
            y: Pt(PAGE_H - top),
        },
        bezier: false,
    }
}

/// `text` shaped and cut at a cluster boundary with "…" so that it is at most `width` pt wide.
pub fn fit(fonts: &Fonts, text: &str, weight: Weight, size: f32, width: f32) -> ShapedLine {
    // Nothing drawn is longer than a few hundred characters; a pathological string is cut before
    // shaping so that shaping time stays bounded.
    const MAX_CHARS: usize = 400;
    let text = match text.char_indices().nth(MAX_CHARS) {
        Some((i, _)) => &text[..i],
        None => text,
    };
    // Control characters (a newline in a username) would print as .notdef boxes.
    let cleaned: String;
    let text = if text.chars().any(char::is_control) {
        cleaned = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        &cleaned
    } else {
        text
    };
    fit_line(fonts, fonts.shape(text, weight, size), width)
}

/// `line`, or its longest prefix that fits in `width` with "…" after it.
pub fn fit_line(fonts: &Fonts, line: ShapedLine, width: f32) -> ShapedLine {
    if line.width(fonts) <= width {
        return line;
    }
    let weight = match line.runs.first().map(|r| r.font) {
        Some(super::fonts::FontKind::SansBold | super::fonts::FontKind::DevaBold) => Weight::Bold,
        _ => Weight::Regular,
    };
    let ellipsis = fonts.shape("…", weight, line.size).width(fonts);
    let cut = line
        .cuts(fonts)
        .into_iter()
        .take_while(|&(_, w)| w + ellipsis <= width)
        .last()
        .map_or(0, |(at, _)| at);
    let mut text = line.text[..cut].trim_end().to_owned();
    text.push('…');
    fonts.shape(&text, weight, line.size)
}

/// Splits `text` into lines of at most `width` pt (at spaces; a word longer than a line is cut
/// with an ellipsis).
pub fn wrap(fonts: &Fonts, text: &str, weight: Weight, size: f32, width: f32) -> Vec<ShapedLine> {
    let space = fonts.shape(" ", weight, size).width(fonts);
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut current_w = 0.0;
    for word in text.split_whitespace() {
        let w = fonts.shape(word, weight, size).width(fonts);
        if !current.is_empty() && current_w + space + w > width {
            lines.push(fonts.shape(&current, weight, size));
            current.clear();
            current_w = 0.0;
        }
        if !current.is_empty() {
            current.push(' ');
            current_w += space;
        }
        current.push_str(word);
        current_w += w;
    }
    if !current.is_empty() {
        lines.push(fonts.shape(&current, weight, size));
    }
    lines
        .into_iter()
        .map(|l| fit_line(fonts, l, width))
        .collect()
}
