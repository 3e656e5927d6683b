//! The fonts a PDF report embeds and the shaping of its text.
//!
//! Noto Sans (Latin, Greek, Cyrillic and the common punctuation), Noto Sans Devanagari (HaloBuzz
//! usernames are often Nepali), Noto Sans Symbols 2 (the growth arrows ▲▼●, which neither of the
//! others has) and Noto Sans Math (arrows and operators: the → of an alert's root cause, ≤, ≥, for
//! any character the others lack), all from Debian's `fonts-noto-core` under the SIL Open Font
//! License 1.1, found by
//! `core/build.rs` and compiled in, so a report renders the same on every host without system fonts.
//!
//! A string is split into runs by script, each run is shaped by rustybuzz with the font of its
//! script (conjuncts, matras and their reordering need a real shaper; printpdf's own text path maps
//! characters to glyphs one by one), and [`super::text`] writes the glyphs.

use std::sync::OnceLock;

use rustybuzz::ttf_parser::GlyphId;
use rustybuzz::{Face, UnicodeBuffer};

macro_rules! font_file {
    ($name:literal) => {
        include_bytes!(concat!(env!("OUT_DIR"), "/", $name))
    };
}

static SANS: &[u8] = font_file!("NotoSans-Regular.ttf");
static SANS_BOLD: &[u8] = font_file!("NotoSans-Bold.ttf");
static DEVA: &[u8] = font_file!("NotoSansDevanagari-Regular.ttf");
static DEVA_BOLD: &[u8] = font_file!("NotoSansDevanagari-Bold.ttf");
static SYMBOLS: &[u8] = font_file!("NotoSansSymbols2-Regular.ttf");
static MATH: &[u8] = font_file!("NotoSansMath-Regular.ttf");

/// One embedded font file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FontKind {
    /// Noto Sans Regular.
    Sans,
    /// Noto Sans Bold.
    SansBold,
    /// Noto Sans Devanagari Regular.
    Deva,
    /// Noto Sans Devanagari Bold.
    DevaBold,
    /// Noto Sans Symbols 2 (regular only: the arrows have no bold face and need none).
    Symbols,
    /// Noto Sans Math (regular only), the last fallback.
    Math,
}

impl FontKind {
    /// Every font, in the order of [`Fonts::faces`].
    pub const ALL: [FontKind; 6] = [
        FontKind::Sans,
        FontKind::SansBold,
        FontKind::Deva,
        FontKind::DevaBold,
        FontKind::Symbols,
        FontKind::Math,
    ];

    /// The font file.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            FontKind::Sans => SANS,
            FontKind::SansBold => SANS_BOLD,
            FontKind::Deva => DEVA,
            FontKind::DevaBold => DEVA_BOLD,
            FontKind::Symbols => SYMBOLS,
            FontKind::Math => MATH,
        }
    }

    /// Index in [`FontKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether runs in this font need the shaped-outline path of [`super::text`] (scripts whose
    /// glyphs do not map one to one, in order, onto characters).
    pub fn is_complex(self) -> bool {
        matches!(self, FontKind::Deva | FontKind::DevaBold)
    }

    /// Whether this font only fills in single characters the text fonts lack: a run in it is one
    /// character, and what follows returns to the text font (digits after `▲` are not the symbol
    /// font's).
    fn is_fallback(self) -> bool {
        matches!(self, FontKind::Symbols | FontKind::Math)
    }
}

/// Regular or bold text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// Body text.
    Regular,
    /// Headings and table headers.
    Bold,
}

/// The parsed faces, shared by every render: parsing is cheap, but there is no reason to repeat it.
pub struct Fonts {
    faces: Vec<Face<'static>>,
}

/// The faces, parsed on first use.
pub fn fonts() -> crate::Result<&'static Fonts> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let faces = FontKind::ALL
                .iter()
                .map(|k| Face::from_slice(k.bytes(), 0))
                .collect::<Option<Vec<_>>>()?;
            Some(Fonts { faces })
        })
        .as_ref()
        .ok_or_else(|| {
            crate::Error::render_failed("pdf", "an embedded font file could not be parsed")
        })
}

/// A shaped glyph, in font units.
#[derive(Debug, Clone, Copy)]
pub struct Glyph {
    /// Glyph id in the run's font.
    pub gid: u16,
    /// Byte offset in the shaped string of the first character of the glyph's cluster.
    pub cluster: usize,
    /// Pen advance after the glyph.
    pub x_advance: i32,
    /// Offset of the glyph from the pen.
    pub x_offset: i32,
    /// Vertical offset of the glyph from the baseline.
    pub y_offset: i32,
}

/// A run of one font.
#[derive(Debug, Clone)]
pub struct Run {
    /// The font.
    pub font: FontKind,
    /// Byte range of the run in the shaped string.
    pub start: usize,
    /// End of that range.
    pub end: usize,
    /// The glyphs in visual order (left to right).
    pub glyphs: Vec<Glyph>,
}

/// A shaped single-line string.
#[derive(Debug, Clone)]
pub struct ShapedLine {
    /// The text.
    pub text: String,
    /// Font size, pt.
    pub size: f32,
    /// Its runs.
    pub runs: Vec<Run>,
}

impl Fonts {
    /// The face of `kind`.
    pub fn face(&self, kind: FontKind) -> &Face<'static> {
        &self.faces[kind.index()]
    }

    /// Units per em of `kind`.
    pub fn upem(&self, kind: FontKind) -> f32 {
        self.face(kind).units_per_em().max(1) as f32
    }

    /// The glyph of `c` in `kind`, if it has one.
    pub fn glyph(&self, kind: FontKind, c: char) -> Option<u16> {
        self.face(kind)
            .glyph_index(c)
            .map(|g| g.0)
            .filter(|g| *g != 0)
    }

    /// The nominal advance of glyph `gid` of `kind`, in font units.
    pub fn advance(&self, kind: FontKind, gid: u16) -> i32 {
        self.face(kind)
            .glyph_hor_advance(GlyphId(gid))
            .map_or(0, i32::from)
    }

    /// Shapes `text` as one line at `size` pt.
    pub fn shape(&self, text: &str, weight: Weight, size: f32) -> ShapedLine {
        let runs = itemize(self, text, weight)
            .into_iter()
            .map(|(font, start, end)| self.shape_run(text, font, start, end))
            .collect();
        ShapedLine {
            text: text.to_owned(),
            size,
            runs,
        }
    }

    fn shape_run(&self, text: &str, font: FontKind, start: usize, end: usize) -> Run {
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(&text[start..end]);
        buffer.set_direction(rustybuzz::Direction::LeftToRight);
        let shaped = rustybuzz::shape(self.face(font), &[], buffer);
        let glyphs = shaped
            .glyph_infos()
            .iter()
            .zip(shaped.glyph_positions())
            .map(|(info, pos)| Glyph {
                gid: u16::try_from(info.glyph_id).unwrap_or(0),
                cluster: start + info.cluster as usize,
                x_advance: pos.x_advance,
                x_offset: pos.x_offset,
                y_offset: pos.y_offset,
            })
            .collect();
        Run {
            font,
            start,
            end,
            glyphs,
        }
    }
}

impl ShapedLine {
    /// Width of the line, pt.
    pub fn width(&self, fonts: &Fonts) -> f32 {
        self.runs
            .iter()
            .map(|r| run_width(fonts, r, self.size))
            .sum()
    }

    /// The byte offsets where the line may be cut (cluster starts, never inside a syllable) with
    /// the width of the text before each, pt; the last is the end of the text.
    pub fn cuts(&self, fonts: &Fonts) -> Vec<(usize, f32)> {
        let mut cuts = Vec::new();
        let mut x = 0.0;
        for run in &self.runs {
            let scale = self.size / fonts.upem(run.font);
            let mut last = None;
            for g in &run.glyphs {
                if last != Some(g.cluster) {
                    cuts.push((g.cluster, x));
                    last = Some(g.cluster);
                }
                x += g.x_advance as f32 * scale;
            }
        }
        cuts.push((self.text.len(), x));
        cuts
    }
}

/// Width of one run, pt.
pub fn run_width(fonts: &Fonts, run: &Run, size: f32) -> f32 {
    let units: i64 = run.glyphs.iter().map(|g| i64::from(g.x_advance)).sum();
    units as f32 * size / fonts.upem(run.font)
}

/// The script class that chooses a font.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Devanagari,
    Symbol,
    Letter,
    /// Spaces, digits, punctuation, combining marks, joiners: they take the font of the run they
    /// are in, so that `सुनिता_श्रेष्ठ` stays one run and one span of the text layer.
    Common,
}

fn class(c: char) -> Class {
    match c {
        '\u{0900}'..='\u{097F}' | '\u{A8E0}'..='\u{A8FF}' | '\u{1CD0}'..='\u{1CFF}' => {
            Class::Devanagari
        }
        '\u{25A0}'..='\u{25FF}' | '\u{2B00}'..='\u{2BFF}' => Class::Symbol,
        '\u{200C}' | '\u{200D}' | '\u{0300}'..='\u{036F}' => Class::Common,
        c if c.is_alphabetic() => Class::Letter,
        _ => Class::Common,
    }
}

/// Joiners and combining marks: they belong to the cluster of the character before them, whatever
/// font that is in.
fn is_mark(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}' | '\u{0300}'..='\u{036F}')
}

/// Splits `text` into (font, start, end) runs.
fn itemize(fonts: &Fonts, text: &str, weight: Weight) -> Vec<(FontKind, usize, usize)> {
    let (sans, deva) = match weight {
        Weight::Regular => (FontKind::Sans, FontKind::Deva),
        Weight::Bold => (FontKind::SansBold, FontKind::DevaBold),
    };
    let mut runs: Vec<(FontKind, usize, usize)> = Vec::new();
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        let wanted = match class(c) {
            Class::Devanagari => Some(deva),
            Class::Symbol => Some(FontKind::Symbols),
            Class::Letter => Some(sans),
            Class::Common => None,
        };
        let font = match (wanted, runs.last()) {
            (Some(f), _) => f,
            // A common character stays in the current run when that font has it; a symbol run
            // is one symbol (the arrow of `▲ 12.3%`), what follows it is text again.
            (None, Some(&(f, _, _)))
                if !f.is_fallback()
                    && (fonts.glyph(f, c).is_some() || matches!(c, '\u{200C}' | '\u{200D}')) =>
            {
                f
            }
            (None, _) => sans,
        };
        // A character its font lacks (`→`, `≤`) takes the first font that has it, rather than
        // printing the empty box of a missing glyph; one no font has stays in the text font.
        let font = if fonts.glyph(font, c).is_some()
            || c.is_whitespace()
            || class(c) == Class::Common && is_mark(c)
        {
            font
        } else {
            [sans, FontKind::Symbols, FontKind::Math]
                .into_iter()
                .find(|f| fonts.glyph(*f, c).is_some())
                .unwrap_or(font)
        };
        match runs.last_mut() {
            Some(last) if last.0 == font => last.2 = end,
            _ => runs.push((font, i, end)),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devanagari_username_is_one_run_with_conjuncts() {
        let fonts = fonts().unwrap();
        let line = fonts.shape("सुनिता_श्रेष्ठ", Weight::Regular, 10.0);
        assert_eq!(line.runs.len(), 1);
        assert_eq!(line.runs[0].font, FontKind::Deva);
        // Shaping joins श्र and ष्ठ: fewer glyphs than characters, none of them .notdef.
        let glyphs = &line.runs[0].glyphs;
        assert!(glyphs.len() < "सुनिता_श्रेष्ठ".chars().count());
        assert!(glyphs.iter().all(|g| g.gid != 0));
    }

    #[test]
    fn mixed_scripts_split_by_font() {
        let fonts = fonts().unwrap();
        let line = fonts.shape("▲ 12.3% नेपाल ok", Weight::Bold, 10.0);
        let kinds: Vec<FontKind> = line.runs.iter().map(|r| r.font).collect();
        assert_eq!(
            kinds,
            vec![
                FontKind::Symbols,
                FontKind::SansBold,
                FontKind::DevaBold,
                FontKind::SansBold
            ]
        );
        assert!(line.width(fonts) > 0.0);
    }

    #[test]
    fn characters_the_text_font_lacks_fall_back_to_one_that_has_them() {
        let fonts = fonts().unwrap();
        let line = fonts.shape("eSewa (1.20 → 0.80, ≤ 5%)", Weight::Regular, 10.0);
        let kinds: Vec<FontKind> = line.runs.iter().map(|r| r.font).collect();
        assert_eq!(
            kinds,
            vec![
                FontKind::Sans,
                FontKind::Math,
                FontKind::Sans,
                FontKind::Math,
                FontKind::Sans
            ]
        );
        // No glyph of the line is the missing-glyph box.
        assert!(line.runs.iter().flat_map(|r| &r.glyphs).all(|g| g.gid != 0));
    }
}
