//! The PDF report (issue 15): an A4 document laying out a [`ReportContent`] (title block, summary,
//! KPI tables with growth arrows, daily charts against the previous period, payment methods, top
//! creators, cohort heat map, open alerts with root causes, the revenue forecast, notes) with page
//! numbers. See `docs/reports.md` ("PDF") for fonts and their licence, shaping and limits.
//!
//! - [`fonts`]: the embedded Noto fonts and rustybuzz shaping per script run;
//! - [`text`]: how shaped text is written so that it extracts as the original Unicode;
//! - [`canvas`]: pages, the flow cursor and page breaks, drawing primitives;
//! - [`table`]: tables that continue over pages with their header;
//! - [`chart`]: plotters charts drawn straight into the page;
//! - [`sections`]: the report's blocks.

mod canvas;
mod chart;
mod fonts;
mod sections;
mod table;
mod text;

use std::sync::OnceLock;

use printpdf::{Mm, ParsedFont, PdfDocument, PdfPage, PdfSaveOptions, XObject};

use super::ReportContent;
use canvas::Canvas;
use fonts::FontKind;
use text::TextLayer;

/// The fonts as printpdf holds them, parsed once per process (parsing the six files costs more
/// than laying out a report).
fn parsed_fonts() -> crate::Result<&'static [ParsedFont]> {
    static PARSED: OnceLock<Option<Vec<ParsedFont>>> = OnceLock::new();
    PARSED
        .get_or_init(|| {
            FontKind::ALL
                .iter()
                .map(|k| ParsedFont::from_bytes(k.bytes(), 0, &mut Vec::new()))
                .collect()
        })
        .as_deref()
        .ok_or_else(|| {
            crate::Error::render_failed(
                "pdf",
                "an embedded font file could not be parsed by printpdf",
            )
        })
}

/// Renders `content` as a PDF document.
///
/// Any content renders: non-finite numbers are treated as missing ("no data"), missing series and
/// empty tables become framed "no data" boxes, long texts are cut with an ellipsis and long tables
/// are bounded (see `docs/reports.md`). Fails only if an embedded font cannot be read (a broken
/// build) or a chart cannot be laid out.
pub fn render_pdf(content: &ReportContent) -> crate::Result<Vec<u8>> {
    let mut content = content.clone();
    content.sanitize();
    let shaping = fonts::fonts()?;
    let mut doc = PdfDocument::new(&content.title);
    doc.metadata.info.creator = "halobuzz-analytics".into();
    doc.metadata.info.producer = concat!(
        "halobuzz-analytics ",
        env!("CARGO_PKG_VERSION"),
        " (printpdf)"
    )
    .into();
    doc.metadata.info.subject = format!("{} to {}", content.from, content.to);
    // The document's own dates are the report's generation time (printpdf's default is 1970), so a
    // viewer's "Document properties" agrees with the title block.
    if let Ok(at) = printpdf::OffsetDateTime::from_unix_timestamp(content.generated_at.timestamp())
    {
        let info = &mut doc.metadata.info;
        (
            info.creation_date,
            info.modification_date,
            info.metadata_date,
        ) = (at, at, at);
    }
    let ids = parsed_fonts()?.iter().map(|f| doc.add_font(f)).collect();
    let mut canvas = Canvas::new(shaping, TextLayer::new(ids));
    sections::draw(&mut canvas, &content)?;
    let footer = format!("{} · {} to {}", content.title, content.from, content.to);
    let (pages, text) = canvas.finish(&footer);
    for (id, form) in text.into_forms() {
        doc.resources
            .xobjects
            .map
            .insert(id, XObject::External(form));
    }
    let pages = pages
        .into_iter()
        .map(|ops| PdfPage::new(Mm(210.0), Mm(297.0), ops))
        .collect();
    doc.with_pages(pages);
    let options = PdfSaveOptions {
        // Only the glyphs a report uses are embedded: tens of kilobytes instead of 2 MB of fonts.
        subset_fonts: true,
        ..PdfSaveOptions::default()
    };
    Ok(doc.save(&options, &mut Vec::new()))
}
