//! What the workbook renderers share: a new workbook's settings (every .xlsx incentive writes)
//! and, for team.xlsx and plan.xlsx, text cells bounded to what a cell holds, never a formula.

use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

/// A new workbook as incentive writes them: zip level 1, not the writer's default 6 (the
/// 2 000 statements of a large month in 1.2 s instead of 1.9 s, the files a third larger, the
/// cells the same; README, Decisions).
pub fn workbook() -> Workbook {
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(1);
    wb
}

/// The most UTF-16 units a spreadsheet cell holds.
pub const CELL_UNITS: usize = 32_767;

/// At most [`CELL_UNITS`] UTF-16 units, ending with `…` when cut.
pub fn cut(s: &str) -> String {
    if s.len() <= CELL_UNITS && s.encode_utf16().count() <= CELL_UNITS {
        return s.to_string();
    }
    let mut out = String::new();
    let mut units = 0;
    for ch in s.chars() {
        if units + ch.len_utf16() > CELL_UNITS - 1 {
            break;
        }
        units += ch.len_utf16();
        out.push(ch);
    }
    out.push('…');
    out
}

/// A text cell (nothing for an empty text), cut to what a cell holds.
pub fn put(ws: &mut Worksheet, r: u32, c: u16, s: &str) -> Result<(), XlsxError> {
    if !s.is_empty() {
        ws.write_string(r, c, cut(s))?;
    }
    Ok(())
}
