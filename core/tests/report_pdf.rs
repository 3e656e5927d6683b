//! The PDF report (core::report::pdf): it parses, its text layer says what `report::format` prints
//! (the Devanagari username included), missing data reads "no data", hostile contents render, and the
//! first page is not blank where the revenue chart goes.

use halobuzz_analytics::report::content::{
    AlertRow, CohortGridRow, CreatorRow, ForecastPoint, KpiSection, LabelledValue,
};
use halobuzz_analytics::report::{fixture, format, render_pdf, ReportContent, NO_DATA};

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
    // The alert's root cause, its arrow drawn from the fallback font (Noto Sans Math), copies as
    // written. lopdf drops that font's one character, so poppler reads this one.
    let text = poppler_text(&pdf);
    assert!(
        text.contains("(12400.00 → 6152.00, 71% of"),
        "root cause missing:\n{text}"
    );
}

#[test]
fn document_dates_are_the_generation_time() {
    let content = fixture::sample();
    let pdf = render_pdf(&content).expect("renders");
    let doc = lopdf::Document::load_mem(&pdf).expect("the PDF parses");
    let info = doc
        .trailer
        .get(b"Info")
        .and_then(lopdf::Object::as_reference);
    let info = doc
        .get_dictionary(info.expect("an Info dictionary"))
        .expect("Info");
    let created = info.get(b"CreationDate").expect("a CreationDate");
    let created = String::from_utf8_lossy(created.as_str().expect("a string")).into_owned();
    // PDF dates are D:YYYYMMDDHHmmSS followed by the offset; the fixture is generated 2026-11-01 08:00 UTC.
    assert!(created.starts_with("D:20261101080000"), "{created}");
}

#[test]
fn daily_charts_of_nothing_but_zeros_say_no_data() {
    let sample = fixture::sample();
    let mut zeros = sample.clone();
    for col in &mut zeros.daily.columns {
        col.values.iter_mut().for_each(|v| *v = Some(0.0));
        col.previous.iter_mut().for_each(|v| *v = Some(0.0));
    }
    let count = |c: &ReportContent| {
        text_of(&render_pdf(c).expect("renders"))
            .matches(NO_DATA)
            .count()
    };
    // The revenue and DAU charts: flat lines at zero would be empty charts.
    assert_eq!(count(&zeros), count(&sample) + 2);
    // A period at zero against a previous period with values is a drop worth drawing.
    let mut dropped = zeros.clone();
    dropped.daily.columns = sample.daily.columns.clone();
    for col in &mut dropped.daily.columns {
        col.values.iter_mut().for_each(|v| *v = Some(0.0));
    }
    assert_eq!(count(&dropped), count(&sample));
}

#[test]
fn a_period_without_data_says_no_data() {
    let pdf = render_pdf(&fixture::sample_without_data()).expect("renders");
    keep("without-data.pdf", &pdf);
    let text = text_of(&pdf);
    assert!(text.contains(NO_DATA), "no \"no data\":\n{text}");
    // Every chart, the creators and the cohorts say it: at least one per block.
    assert!(text.matches(NO_DATA).count() >= 8, "{text}");
    for bad in ["NaN", "inf", "Infinity"] {
        assert!(!text.contains(bad), "{bad} printed:\n{text}");
    }
    assert!(text.contains("No revenue forecast: no history before the period."));
}

/// A content no engine should produce, with everything a renderer could trip on.
fn hostile() -> ReportContent {
    let mut c = fixture::sample();
    let long = "सुनिता_श्रेष्ठ_🎉_مرحبا_\u{0301}x\nnewline\t".repeat(40);
    c.title = format!("{}{}", c.title, "!".repeat(500));
    c.summary = "word ".repeat(3_000) + &"x".repeat(5_000);
    for s in &mut c.sections {
        for r in &mut s.rows {
            r.value = Some(f64::MAX);
            r.previous = Some(-f64::MAX);
            r.change_pct = Some(f64::INFINITY);
            r.label = long.clone();
        }
    }
    let mut many = c.sections[0].clone();
    many.rows = (0..300).map(|_| c.sections[0].rows[0].clone()).collect();
    c.sections.push(many);
    c.sections.push(KpiSection {
        rows: vec![],
        ..c.sections[0].clone()
    });
    let n = 10_000;
    c.daily.dates = (0..n).map(|i| c.from + chrono::Duration::days(i)).collect();
    for col in &mut c.daily.columns {
        col.values = (0..n)
            .map(|i| match i % 5 {
                0 => Some(f64::NAN),
                1 => Some(1e300),
                2 => Some(-1e300),
                3 => None,
                _ => Some(i as f64),
            })
            .collect();
        col.previous = col.values.iter().rev().copied().collect();
    }
    c.payment_methods = (0..100)
        .map(|i| LabelledValue {
            key: format!("k{i}"),
            label: long.clone(),
            value: if i % 2 == 0 { -1e200 } else { 1e200 },
        })
        .collect();
    c.top_creators = (0..1_000)
        .map(|i| CreatorRow {
            rank: i,
            host_id: long.clone(),
            username: Some(long.clone()),
            revenue_coins: -1e300,
            streams: u64::MAX,
            viewers: u64::MAX,
        })
        .collect();
    c.cohorts.days = (0..40).collect();
    c.cohorts.rows = (0..200)
        .map(|i| CohortGridRow {
            cohort: c.from,
            size: u64::MAX - i,
            rates: (0..40)
                .map(|d| [None, Some(f64::NAN), Some(-5.0), Some(1e9)][d % 4])
                .collect(),
        })
        .collect();
    let alert = c.alerts[0].clone();
    c.alerts = (0..200)
        .map(|_| AlertRow {
            root_cause: Some(long.repeat(10)),
            title: long.clone(),
            current: Some(f64::NAN),
            ..alert.clone()
        })
        .collect();
    if let Some(f) = &mut c.forecast {
        f.points = (0..5_000)
            .map(|i| ForecastPoint {
                date: c.to + chrono::Duration::days(i),
                value: i as f64 * 1e12,
                lower: 1e15,
                upper: -1e15,
            })
            .collect();
        f.history.push((c.to, f64::NAN));
        f.model = long.clone();
    }
    c.notes = (0..100).map(|_| long.clone()).collect();
    c
}

#[test]
fn hostile_contents_render() {
    let pdf = render_pdf(&hostile()).expect("renders");
    keep("hostile.pdf", &pdf);
    let text = text_of(&pdf);
    for bad in ["NaN", "inf"] {
        assert!(!text.contains(bad), "{bad} printed");
    }
    // Tables are bounded and say so.
    assert!(text.contains("… and 950 more"), "creators not bounded");
}

#[test]
fn empty_everything_renders() {
    let mut c = fixture::sample_without_data();
    c.title.clear();
    c.summary.clear();
    c.sections.clear();
    c.daily = Default::default();
    c.cohorts = Default::default();
    c.notes.clear();
    let pdf = render_pdf(&c).expect("renders");
    let text = text_of(&pdf);
    assert!(text.contains(NO_DATA));
    assert!(text.contains("Page 1 of"), "{text}");
}

/// The text of every page as poppler's `pdftotext -layout` extracts it.
fn poppler_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("report.pdf");
    std::fs::write(&input, pdf).expect("write");
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&input)
        .arg("-")
        .output()
        .expect("pdftotext runs (apt-get install -y poppler-utils; scripts/test-all installs it)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).expect("UTF-8 text")
}

/// Grey levels of page `page` rendered by poppler at `dpi`: (width, height, pixels).
fn rendered(pdf: &[u8], page: u32, dpi: u32) -> (usize, usize, Vec<u8>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("report.pdf");
    std::fs::write(&input, pdf).expect("write");
    let out = dir.path().join("page");
    let status = std::process::Command::new("pdftoppm")
        .args([
            "-r",
            &dpi.to_string(),
            "-gray",
            "-f",
            &page.to_string(),
            "-l",
        ])
        .arg(page.to_string())
        .arg(&input)
        .arg(&out)
        .status()
        .expect("pdftoppm runs (apt-get install -y poppler-utils; scripts/test-all installs it)");
    assert!(status.success());
    let file = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "pgm"))
        .expect("a PGM page");
    parse_pgm(&std::fs::read(file).expect("read PGM"))
}

/// A binary PGM (P5, 8 bits): its header is three numbers after the magic.
fn parse_pgm(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut i = 2;
    while fields.len() < 3 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(
            std::str::from_utf8(&bytes[start..i])
                .ok()
                .and_then(|f| f.parse::<usize>().ok())
                .expect("a PGM header number"),
        );
    }
    assert_eq!(&bytes[..2], b"P5");
    assert_eq!(fields[2], 255);
    let (w, h) = (fields[0], fields[1]);
    (w, h, bytes[i + 1..i + 1 + w * h].to_vec())
}

#[test]
fn first_page_has_ink_where_the_revenue_chart_is() {
    let pdf = render_pdf(&fixture::sample()).expect("renders");
    let dpi = 40;
    let (w, h, px) = rendered(&pdf, 1, dpi);
    let ink = |x0: f32, y0: f32, x1: f32, y1: f32| {
        // Region in pt from the top-left corner.
        let s = dpi as f32 / 72.0;
        let (x0, x1) = ((x0 * s) as usize, ((x1 * s) as usize).min(w));
        let (y0, y1) = ((y0 * s) as usize, ((y1 * s) as usize).min(h));
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| px[y * w + x] < 200)
            .count()
    };
    let page = ink(0.0, 0.0, 595.0, 842.0);
    assert!(page > 2_000, "page 1 is nearly blank: {page} dark pixels");
    // The daily revenue chart's plot area on page 1 (below the three KPI tables), sample layout:
    // the lines of both periods cross it.
    let chart = ink(90.0, 520.0, 550.0, 640.0);
    assert!(
        chart > 300,
        "no ink in the revenue chart: {chart} dark pixels"
    );
}
