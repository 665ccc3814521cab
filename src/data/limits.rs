//! The limits every input is held to, so that a hostile or broken file ends in a clear error
//! within bounded memory and time instead of exhausting the machine.
//!
//! Each limit is reported as what was found against the limit. The reference size is a month of
//! a large sales team: about a million rows (calls) in a 30-47 MB workbook. Measured on the
//! generator's 940 000-call month (`scripts/bench`, a 29.8 MB workbook): the calls sheet unpacks
//! to 209 MB of XML with 5.6 million cells, the shared-strings part to 22 MB with 950 000
//! strings, calls.csv is 45 MB. Every limit leaves a 47 MB workbook of a million rows (about
//! 1.6× those sizes) well inside, 3× or more, and Excel's own limits (rows, columns, characters
//! in a cell) are used where a spreadsheet could not hold more anyway.

/// Bytes one worksheet part (`xl/worksheets/sheetN.xml`, or an .ods `content.xml`) may unpack to.
/// The zip reader stops at an entry's declared size, so the declared size bounds what is read.
pub const SHEET_BYTES: u64 = 1 << 30;
/// Bytes the shared-strings part may unpack to: it is held in memory whole while reading.
pub const SHARED_STRINGS_BYTES: u64 = 256 << 20;
/// Strings in the shared-strings table (each costs about 50 bytes of memory beyond its text).
pub const SHARED_STRINGS: u64 = 5_000_000;
/// Bytes any other XML part the reader parses (workbook, styles, relationships) may unpack to.
pub const OTHER_PART_BYTES: u64 = 64 << 20;
/// Non-empty cells in one sheet.
pub const CELLS: u64 = 40_000_000;
/// Cells of an .ods or .xls sheet as calamine holds it whole in memory: its extent (rows ×
/// columns, empty cells included) at about 60 bytes a cell, so about 600 MB at the limit. A
/// million calls of 6 columns is 6 million.
pub const RANGE_CELLS: u64 = 10_000_000;
/// Bytes of an .xls file's `Workbook` stream, which calamine reads whole (a full BIFF8 sheet
/// of 65 536 rows × 10 columns is about 10 MB).
pub const XLS_STREAM_BYTES: u64 = 512 << 20;
/// CONTINUE records after one .xls record: calamine keeps a list of them (a 256 MiB
/// shared-strings table needs about 33 000).
pub const XLS_CONTINUES: u64 = 1 << 16;
/// Characters of shared strings the cells of an .xls workbook copy (calamine gives every
/// cell its own copy of its string).
pub const XLS_CELL_TEXT_CHARS: u64 = 256 << 20;
/// Rows of a sheet (Excel's own limit).
pub const ROWS: u64 = 1_048_576;
/// Columns of a sheet or fields of a CSV line (Excel's own limit, column XFD).
pub const COLUMNS: u64 = 16_384;
/// Characters in one cell or CSV field (Excel's own limit).
pub const CELL_CHARS: usize = 32_767;
/// Bytes of one CSV file (it is read whole).
pub const CSV_BYTES: u64 = 256 << 20;
/// Bytes of one scheme file.
pub const SCHEME_BYTES: u64 = 1 << 20;
/// YAML nodes of one scheme after aliases are expanded (a real scheme has a few hundred).
pub const YAML_NODES: usize = 100_000;
/// How deeply YAML lists and mappings may nest (a real scheme nests 5 or 6 deep).
pub const YAML_DEPTH: usize = 64;
/// How many characters of a value an error message quotes.
pub const QUOTE_CHARS: usize = 60;

/// A byte count as people read it: `1.5 GiB (1 610 612 736 bytes)`.
pub fn bytes(n: u64) -> String {
    let shown = if n >= 1 << 30 {
        format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64)
    } else if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64)
    } else if n >= 1 << 10 {
        format!("{:.1} KiB", n as f64 / (1u64 << 10) as f64)
    } else {
        return format!("{n} bytes");
    };
    format!("{shown} ({} bytes)", grouped(n))
}

/// A whole number with thin groups of three digits: `1 048 576`.
pub fn grouped(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A value quoted for an error message, at most [`QUOTE_CHARS`] characters of it with an
/// ellipsis and its full length when it is longer.
pub fn quote(text: &str) -> String {
    let mut chars = text.char_indices();
    match chars.nth(QUOTE_CHARS) {
        None => format!("{text:?}"),
        Some((cut, _)) => format!(
            "{:?}… ({} characters)",
            &text[..cut],
            grouped(text.chars().count() as u64)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_bounded() {
        assert_eq!(quote("abc"), "\"abc\"");
        let long = "x".repeat(100_000);
        let q = quote(&long);
        assert!(q.len() < 100, "{q}");
        assert!(q.ends_with("… (100 000 characters)"), "{q}");
        assert_eq!(grouped(1_048_576), "1 048 576");
        assert_eq!(bytes(1610612736), "1.5 GiB (1 610 612 736 bytes)");
    }
}
