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
//!   filled outlines, exactly as the shaper placed them (each glyph's outline is one form XObject,
//!   drawn wherever the glyph occurs, so a repeated glyph costs a few bytes), and the original characters are written over
//!   them as invisible text (render mode 3, the way OCR layers work) with their nominal glyphs in
//!   logical order, stretched to the run's width so that selecting the text highlights the right
//!   area. A nominal glyph maps to its one character, so every extractor reads the run exactly.
//!   A character no embedded font has is left out of the invisible glyphs and restored by an
//!   `/ActualText` span around them.

use std::collections::HashMap;

use std::fmt::Write as _;

use printpdf::{
    Codepoint, Color, DictItem, ExternalStream, ExternalXObject, FontId, Op, PdfFontHandle, Point,
    Pt, TextItem, TextRenderingMode, XObjectId, XObjectTransform,
};
use rustybuzz::ttf_parser::{GlyphId, OutlineBuilder};

use super::fonts::{FontKind, Fonts, Run, ShapedLine};

/// The document-wide text state: the printpdf font of each embedded font and the string each glyph
/// id has stood for so far (one string per glyph id is all a ToUnicode CMap can say).
pub struct TextLayer {
    font_ids: Vec<FontId>,
    meaning: HashMap<(FontKind, u16), String>,
    /// The outline form of each glyph drawn as outlines so far (`None`: an empty glyph).
    glyph_forms: HashMap<(FontKind, u16), Option<XObjectId>>,
    forms: Vec<(XObjectId, ExternalXObject)>,
}

impl TextLayer {
    /// A layer writing with the printpdf fonts `font_ids` (in [`FontKind::ALL`] order).
    pub fn new(font_ids: Vec<FontId>) -> Self {
        TextLayer {
            font_ids,
            meaning: HashMap::new(),
            glyph_forms: HashMap::new(),
            forms: Vec::new(),
        }
    }

    /// The glyph outline forms the pages use, to add to the document's resources.
    pub fn into_forms(self) -> Vec<(XObjectId, ExternalXObject)> {
        self.forms
    }

    /// The form of glyph `gid` of `font`, made on first use.
    fn glyph_form(&mut self, fonts: &Fonts, font: FontKind, gid: u16) -> Option<XObjectId> {
        if let Some(id) = self.glyph_forms.get(&(font, gid)) {
            return id.clone();
        }
        let mut path = PathText::default();
        let bbox = fonts.face(font).outline_glyph(GlyphId(gid), &mut path);
        let form = bbox.filter(|_| !path.ops.is_empty()).map(|b| {
            let id = XObjectId(format!("G{}_{gid}", font.index()));
            let rect = [b.x_min, b.y_min, b.x_max, b.y_max]
                .into_iter()
                .map(|v| DictItem::Int(i64::from(v)))
                .collect();
            let dict = [
                ("Type", DictItem::Name(b"XObject".to_vec())),
                ("Subtype", DictItem::Name(b"Form".to_vec())),
                ("BBox", DictItem::Array(rect)),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
            // No colour in the form: it fills with the colour set where it is drawn.
            path.ops.push_str("f\n");
            let stream = ExternalStream {
                dict,
                content: path.ops.into_bytes(),
                compress: true,
            };
            let xobject = ExternalXObject {
                stream,
                width: None,
                height: None,
                dpi: None,
            };
            self.forms.push((id.clone(), xobject));
            id
        });
        self.glyph_forms.insert((font, gid), form.clone());
        form
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
                    self.draw_outlines(ops, fonts, run, line.size, pen, y, color);
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

    /// Fills the shaped glyphs of `run` as outlines, at pen `x` on baseline `y`.
    #[allow(clippy::too_many_arguments)]
    fn draw_outlines(
        &mut self,
        ops: &mut Vec<Op>,
        fonts: &Fonts,
        run: &Run,
        size: f32,
        x: f32,
        y: f32,
        color: &Color,
    ) {
        let scale = size / fonts.upem(run.font);
        ops.push(Op::SetFillColor { col: color.clone() });
        let mut pen = 0i64;
        for g in &run.glyphs {
            if let Some(id) = self.glyph_form(fonts, run.font, g.gid) {
                ops.push(Op::UseXobject {
                    id,
                    transform: XObjectTransform {
                        translate_x: Some(Pt(x + (pen + i64::from(g.x_offset)) as f32 * scale)),
                        translate_y: Some(Pt(y + g.y_offset as f32 * scale)),
                        scale_x: Some(scale),
                        scale_y: Some(scale),
                        no_auto_scale: true,
                        ..XObjectTransform::default()
                    },
                });
            }
            pen += i64::from(g.x_advance);
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

/// A glyph outline as PDF path operators in font units (quadratic curves become cubic ones, which
/// is all a PDF path has).
#[derive(Default)]
struct PathText {
    ops: String,
    last: (f32, f32),
}

impl OutlineBuilder for PathText {
    fn move_to(&mut self, x: f32, y: f32) {
        let _ = writeln!(self.ops, "{x} {y} m");
        self.last = (x, y);
    }

    fn line_to(&mut self, x: f32, y: f32) {
        let _ = writeln!(self.ops, "{x} {y} l");
        self.last = (x, y);
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (x0, y0) = self.last;
        let c1 = (x0 + 2.0 / 3.0 * (x1 - x0), y0 + 2.0 / 3.0 * (y1 - y0));
        let c2 = (x + 2.0 / 3.0 * (x1 - x), y + 2.0 / 3.0 * (y1 - y));
        self.curve_to(c1.0, c1.1, c2.0, c2.1, x, y);
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let r = |v: f32| (v * 10.0).round() / 10.0;
        let _ = writeln!(
            self.ops,
            "{} {} {} {} {x} {y} c",
            r(x1),
            r(y1),
            r(x2),
            r(y2)
        );
        self.last = (x, y);
    }

    fn close(&mut self) {
        self.ops.push_str("h\n");
    }
}
