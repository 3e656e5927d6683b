//! Finds the fonts the PDF report embeds (core::report::pdf::fonts) and copies them into OUT_DIR for
//! `include_bytes!`.
//!
//! The fonts are Noto Sans, Noto Sans Devanagari, Noto Sans Symbols 2 and Noto Sans Math (SIL Open Font License 1.1,
//! which allows embedding and redistribution). No crates.io crate ships Noto Sans Devanagari, so they
//! come from a system package instead of being copied into the repository by hand: Debian's
//! `fonts-noto-core` (installed by `scripts/test-all`). `HALOBUZZ_FONT_DIR` points at another folder
//! holding the same six files (a different distribution, macOS, a vendored copy).

use std::path::{Path, PathBuf};

/// The files the report needs, as Debian names them.
const FONTS: [&str; 6] = [
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
    "NotoSansDevanagari-Regular.ttf",
    "NotoSansDevanagari-Bold.ttf",
    // The growth arrows ▲▼● (neither Noto Sans nor Noto Sans Devanagari has them).
    "NotoSansSymbols2-Regular.ttf",
    // Arrows and operators (the → of root causes, ≤ ≥ √): the fallback for what the others lack.
    "NotoSansMath-Regular.ttf",
];

/// Where Debian's and Ubuntu's `fonts-noto-core` install them.
const DEBIAN_DIR: &str = "/usr/share/fonts/truetype/noto";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=HALOBUZZ_FONT_DIR");

    let candidates: Vec<PathBuf> = std::env::var_os("HALOBUZZ_FONT_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain(std::iter::once(PathBuf::from(DEBIAN_DIR)))
        .collect();
    let Some(dir) = candidates
        .iter()
        .find(|d| FONTS.iter().all(|f| d.join(f).is_file()))
    else {
        let looked: Vec<String> = candidates.iter().map(|d| d.display().to_string()).collect();
        panic!(
            "\n\nhalobuzz-analytics embeds the Noto Sans, Noto Sans Devanagari, Noto Sans Symbols 2 and Noto Sans Math fonts in its PDF reports, \
             and could not find {} in {}.\n\
             Install them with `apt-get install -y fonts-noto-core` (Debian/Ubuntu; `scripts/test-all` does it), \
             or set HALOBUZZ_FONT_DIR to a folder holding these six files.\n\n",
            FONTS.join(", "),
            looked.join(" or "),
        );
    };

    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for name in FONTS {
        let from = dir.join(name);
        println!("cargo:rerun-if-changed={}", from.display());
        copy(&from, &out.join(name));
    }
}

fn copy(from: &Path, to: &Path) {
    if let Err(e) = std::fs::copy(from, to) {
        panic!(
            "cannot copy the font {} to {}: {e}",
            from.display(),
            to.display()
        );
    }
}
