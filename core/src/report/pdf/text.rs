//! Writes shaped text into a page so that it both looks right and extracts as the original Unicode.
//!
//! A PDF text layer maps each glyph id of a font to one string (the font's ToUnicode CMap), and text
//! extractors read glyphs in content order. That is exact for Latin text, where a glyph is a
//! character (or a ligature of a fixed string) and glyphs come in reading order. It cannot be exact for
//! Devanagari: the short-i matra is drawn before the consonant it follows (`ति` is glyphs `ि`,`त`),
//! and one conjunct glyph stands for three characters here and for other strings elsewhere.
//! `/ActualText` spans fix that for poppler and Acrobat, but pypdf ignores them.
//!
//! So text is written in one of two ways:
//! - **simple runs** (a glyph per cluster, in order, each glyph id always standing for the same
//!   string in this document): real text in the font, with ToUnicode built from those strings;
//! - **complex runs** (Devanagari, or anything that breaks the above): the shaped glyphs are drawn as
//!   filled outlines, exactly as the shaper placed them, and the original characters are written over
//!   them as invisible text (render mode 3, the way OCR layers work) with their nominal glyphs in
//!   logical order, stretched to the run's width so that selecting the text highlights the right
//!   area. A nominal glyph maps to its one character, so every extractor reads the run exactly.
//!   A character no embedded font has is left out of the invisible glyphs and restored by an
//!   `/ActualText` span around them.

use std::collections::HashMap;

use printpdf::{
    Codepoint, Color, DictItem, FontId, LinePoint, Op, PaintMode, PdfFontHandle, Point, Polygon,
    PolygonRing, Pt, TextItem, TextRenderingMode, WindingOrder,
};
use rustybuzz::ttf_parser::{GlyphId, OutlineBuilder};

use super::fonts::{FontKind, Fonts, Run, ShapedLine};

/// The document-wide text state: the printpdf font of each embedded font and the string each glyph
/// id has stood for so far (one string per glyph id is all a ToUnicode CMap can say).
pub struct TextLayer {
    font_ids: Vec<FontId>,
    meaning: HashMap<(FontKind, u16), String>,
}

impl TextLayer {
    /// A layer writing with the printpdf fonts `font_ids` (in [`FontKind::ALL`] order).
    pub fn new(font_ids: Vec<FontId>) -> Self {
        TextLayer {
            font_ids,
            meaning: HashMap::new(),
        }
    }

    fn handle(&self, font: FontKind) -> PdfFontHandle {
        PdfFontHandle::External(self.font_ids[font.index()].clone())
    }

    /// Whether every (glyph, string) pair agrees with what the glyph already stands for.
    fn consistent<'s>(
        &self,
        font: FontKind,
        mut pairs: impl Iterator<Item = (u16, &'s str)>,
    ) -> bool {
        pairs.all(|(gid, s)| self.meaning.get(&(font, gid)).is_none_or(|m| m == s))
    }

    fn record<'s>(&mut self, font: FontKind, pairs: impl Iterator<Item = (u16, &'s str)>) {
        for (gid, s) in pairs {
            self.meaning
                .entry((font, gid))
                .or_insert_with(|| s.to_owned());
        }
    }

    /// Writes `line` with its left end at `x` and its baseline at `y` (PDF coordinates, pt).
    pub fn draw(
        &mut self,
        ops: &mut Vec<Op>,
        fonts: &Fonts,
        line: &ShapedLine,
        x: f32,
        y: f32,
        color: &Color,
    ) {
        let mut pen = x;
        for run in &line.runs {
            let width = super::fonts::run_width(fonts, run, line.size);
            match simple_glyphs(fonts, line, run) {
                Some(glyphs)
                    if self.consistent(run.font, glyphs.iter().map(|(g, s, _)| (*g, *s))) =>
                {
                    self.record(run.font, glyphs.iter().map(|(g, s, _)| (*g, *s)));
                    let items = glyphs
                        .iter()
                        .map(|(gid, s, adjust)| Codepoint {
                            gid: *gid,
                            offset: *adjust,
                            cid: Some((*s).to_owned()),
                        })
                        .collect();
                    ops.extend([
                        Op::StartTextSection,
                        Op::SetFont {
                            font: self.handle(run.font),
                            size: Pt(line.size),
                        },
                        Op::SetFillColor { col: color.clone() },
                        Op::SetTextCursor {
                            pos: Point {
                                x: Pt(pen),
                                y: Pt(y),
                            },
                        },
                        Op::ShowText {
                            items: vec![TextItem::GlyphIds(items)],
                        },
                        Op::EndTextSection,
                    ]);
                }
                _ => {
                    draw_outlines(ops, fonts, run, line.size, pen, y, color);
                    self.invisible(ops, fonts, line, run, pen, y, width);
                }
            }
            pen += width;
        }
    }

    /// The invisible logical-order text over a complex run.
    #[allow(clippy::too_many_arguments)]
    fn invisible(
        &mut self,
        ops: &mut Vec<Op>,
        fonts: &Fonts,
        line: &ShapedLine,
        run: &Run,
        x: f32,
        y: f32,
        width: f32,
    ) {
        let text = &line.text[run.start..run.end];
        let mut glyphs: Vec<(u16, &str)> = Vec::new();
        let mut missing = false;
        for (i, c) in text.char_indices() {
            match fonts.glyph(run.font, c) {
                Some(g) => glyphs.push((g, &text[i..i + c.len_utf8()])),
                None => missing = true,
            }
        }
        if !self.consistent(run.font, glyphs.iter().copied()) {
            // Two characters share a nominal glyph (rare: a space and a no-break space): keep the
            // glyphs, let /ActualText carry the text.
            missing = true;
        } else {
            self.record(run.font, glyphs.iter().copied());
        }
        let nominal: i32 = glyphs
            .iter()
            .map(|(g, _)| fonts.advance(run.font, *g))
            .sum();
        let nominal_pt = nominal as f32 * line.size / fonts.upem(run.font);
        let scale = if nominal_pt > 0.01 && width > 0.01 {
            (width / nominal_pt * 100.0).clamp(1.0, 1000.0)
        } else {
            100.0
        };
        if missing {
            ops.push(Op::BeginMarkedContentWithProperties {
                tag: "Span".into(),
                properties: actual_text(text),
            });
        }
        ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: self.handle(run.font),
                size: Pt(line.size),
            },
            Op::SetTextRenderingMode {
                mode: TextRenderingMode::Invisible,
            },
            Op::SetHorizontalScaling { percent: scale },
            Op::SetTextCursor {
                pos: Point { x: Pt(x), y: Pt(y) },
            },
            Op::ShowText {
                items: vec![TextItem::GlyphIds(
                    glyphs
                        .iter()
                        .map(|(g, s)| Codepoint {
                            gid: *g,
                            offset: 0.0,
                            cid: Some((*s).to_owned()),
                        })
                        .collect(),
                )],
            },
            // Text state outlives BT/ET: restore it for the next run.
            Op::SetHorizontalScaling { percent: 100.0 },
            Op::SetTextRenderingMode {
                mode: TextRenderingMode::Fill,
            },
            Op::EndTextSection,
        ]);
        if missing {
            ops.push(Op::EndMarkedContentWithProperties);
        }
    }
}

/// The glyphs of `run` with their strings and TJ adjustments when the run can be real text, `None`
/// when it needs the outline path.
fn simple_glyphs<'a>(
    fonts: &Fonts,
    line: &'a ShapedLine,
    run: &Run,
) -> Option<Vec<(u16, &'a str, f32)>> {
    if run.font.is_complex() {
        return None;
    }
    let upem = fonts.upem(run.font);
    let mut out = Vec::with_capacity(run.glyphs.len());
    for (i, g) in run.glyphs.iter().enumerate() {
        let end = run.glyphs.get(i + 1).map_or(run.end, |n| n.cluster);
        if g.gid == 0 || g.x_offset != 0 || g.y_offset != 0 || end <= g.cluster {
            return None;
        }
        let s = line.text.get(g.cluster..end)?;
        // Kerning: the shaper's advance differs from the font's width, which the viewer uses.
        let adjust = (fonts.advance(run.font, g.gid) - g.x_advance) as f32 * 1000.0 / upem;
        out.push((g.gid, s, adjust));
    }
    Some(out)
}

/// `/ActualText` property list of a marked-content span: UTF-16BE with a byte order mark.
pub fn actual_text(text: &str) -> DictItem {
    let mut data = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        data.extend_from_slice(&unit.to_be_bytes());
    }
    DictItem::Dict {
        map: [(
            "ActualText".to_owned(),
            DictItem::String {
                data,
                literal: false,
            },
        )]
        .into_iter()
        .collect(),
    }
}

/// Fills the shaped glyphs of `run` as outlines.
fn draw_outlines(
    ops: &mut Vec<Op>,
    fonts: &Fonts,
    run: &Run,
    size: f32,
    x: f32,
    y: f32,
    color: &Color,
) {
    let face = fonts.face(run.font);
    let scale = size / fonts.upem(run.font);
    let mut outline = Outline {
        rings: Vec::new(),
        current: Vec::new(),
        origin: (x, y),
        scale,
        last: (0.0, 0.0),
    };
    let mut pen = 0i64;
    for g in &run.glyphs {
        outline.origin = (
            x + (pen + i64::from(g.x_offset)) as f32 * scale,
            y + g.y_offset as f32 * scale,
        );
        face.outline_glyph(GlyphId(g.gid), &mut outline);
        outline.close();
        pen += i64::from(g.x_advance);
    }
    if outline.rings.is_empty() {
        return;
    }
    ops.extend([
        Op::SetFillColor { col: color.clone() },
        Op::DrawPolygon {
            polygon: Polygon {
                rings: outline.rings,
                mode: PaintMode::Fill,
                winding_order: WindingOrder::NonZero,
            },
        },
    ]);
}

/// Collects glyph contours as polygon rings in page coordinates (quadratic curves become cubic
/// ones, which is all a PDF path has).
struct Outline {
    rings: Vec<PolygonRing>,
    current: Vec<LinePoint>,
    origin: (f32, f32),
    scale: f32,
    last: (f32, f32),
}

impl Outline {
    fn point(&self, x: f32, y: f32, bezier: bool) -> LinePoint {
        LinePoint {
            p: Point {
                x: Pt(self.origin.0 + x * self.scale),
                y: Pt(self.origin.1 + y * self.scale),
            },
            bezier,
        }
    }
}

impl OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        self.close();
        self.current.push(self.point(x, y, false));
        self.last = (x, y);
    }

    fn line_to(&mut self, x: f32, y: f32) {
        self.current.push(self.point(x, y, false));
        self.last = (x, y);
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (x0, y0) = self.last;
        let c1 = (x0 + 2.0 / 3.0 * (x1 - x0), y0 + 2.0 / 3.0 * (y1 - y0));
        let c2 = (x + 2.0 / 3.0 * (x1 - x), y + 2.0 / 3.0 * (y1 - y));
        self.curve_to(c1.0, c1.1, c2.0, c2.1, x, y);
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.current.push(self.point(x1, y1, true));
        self.current.push(self.point(x2, y2, true));
        self.current.push(self.point(x, y, false));
        self.last = (x, y);
    }

    fn close(&mut self) {
        if !self.current.is_empty() {
            self.rings.push(PolygonRing {
                points: std::mem::take(&mut self.current),
            });
        }
    }
}
