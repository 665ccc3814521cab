//! Checks on a zipped workbook (.xlsx, .xlsm, .ods) before the spreadsheet reader opens it.
//!
//! A few kilobytes of deflated XML can unpack to gigabytes (a "zip bomb"); the shared-strings
//! table is held in memory whole, and its declared `uniqueCount` is reserved up front. So the
//! parts the reader parses are held to the limits of [`super::limits`]:
//!
//! - each part's unpacked size as the archive's central directory declares it. The zip reader
//!   (zip 9.8) fails as soon as an entry inflates past its declared size, so a lying directory
//!   cannot smuggle more bytes in than declared: the declared size bounds what is read;
//! - the shared-strings part is streamed once (never held) to count its strings, and its
//!   declared `uniqueCount` is checked, before calamine loads it;
//! - an .ods `content.xml` is streamed once to measure each sheet as calamine will hold it:
//!   a dense block of cells, after `number-rows-repeated` and `number-columns-repeated` are
//!   expanded (800 bytes can ask for 96 million cells, about 3 GB). Only cells with a value or
//!   content count towards a sheet's extent: the empty repeated rows and columns office suites
//!   write at the end of every sheet do not.

use super::limits::{self, bytes, grouped};
use crate::error::Problem;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// What a part of the archive is, for its limit.
enum Part {
    Sheet,
    SharedStrings,
    Other,
}

fn part_kind(name: &str) -> Option<Part> {
    let lower = name.to_ascii_lowercase();
    let file = lower.rsplit('/').next().unwrap_or(&lower);
    if file == "sharedstrings.xml" {
        Some(Part::SharedStrings)
    } else if lower.contains("worksheets/") || lower == "content.xml" {
        Some(Part::Sheet)
    } else if file.ends_with(".rels")
        || matches!(
            file,
            "workbook.xml" | "styles.xml" | "[content_types].xml" | "manifest.xml"
        )
        || lower.contains("theme/")
    {
        Some(Part::Other)
    } else {
        None
    }
}

/// Checks the archive's parts against the limits. An archive the zip reader cannot open is
/// left to the spreadsheet reader, which says what is wrong with it.
pub fn check(path: &Path, shown: &str) -> Result<(), Problem> {
    let Ok(file) = File::open(path) else {
        return Ok(());
    };
    let Ok(mut zip) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return Ok(());
    };
    let mut shared_strings: Option<String> = None;
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index_raw(i) else {
            continue;
        };
        let Ok(name) = entry.name().map(|n| n.to_string()) else {
            continue;
        };
        let Some(kind) = part_kind(&name) else {
            continue;
        };
        let (limit, what) = match kind {
            Part::Sheet => (limits::SHEET_BYTES, "a sheet"),
            Part::SharedStrings => (limits::SHARED_STRINGS_BYTES, "the shared-strings table"),
            Part::Other => (limits::OTHER_PART_BYTES, "such a part"),
        };
        let size = entry.size();
        if size > limit {
            return Err(Problem::new(
                shown,
                format!(
                    "the part {name:?} unpacks to {}, against the limit of {} for {what}; \
                     this is not a CRM export (a month of a million calls is about 210 MB unpacked)",
                    bytes(size),
                    bytes(limit)
                ),
            ));
        }
        if matches!(kind, Part::SharedStrings) {
            shared_strings = Some(name);
        }
    }
    if let Some(name) = shared_strings {
        count_shared_strings(&mut zip, &name, shown)?;
    }
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ods"))
        && let Ok(part) = zip.by_name("content.xml")
    {
        measure_ods_sheets(part, shown)?;
    }
    Ok(())
}

/// The value of attribute `name` in a tag's text.
fn attribute<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let at = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let rest = &tag[at..];
    Some(&rest[..rest.find('"')?])
}

fn repeat_of(tag: &str, name: &str) -> u64 {
    attribute(tag, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1)
}

/// Streams an .ods `content.xml`, checking each sheet's expanded extent against
/// [`limits::RANGE_CELLS`].
fn measure_ods_sheets(mut part: impl Read, shown: &str) -> Result<(), Problem> {
    #[derive(Default)]
    struct Sheet {
        name: String,
        rows: u64,
        last_row: u64,
        last_col: u64,
    }
    let mut sheet = Sheet::default();
    let (mut row_repeat, mut col, mut row_last_col, mut row_has_value) = (1u64, 0u64, 0u64, false);
    let check = |s: &Sheet| {
        let cells = s.last_row.saturating_mul(s.last_col);
        if cells > limits::RANGE_CELLS {
            return Err(Problem::new(
                format!("{shown}: sheet {:?}", s.name),
                format!(
                    "the sheet spans {} rows × {} columns ({} cells) once its repeated cells are \
                     expanded, against the limit of {} cells for a sheet read whole (.ods, .xls)",
                    grouped(s.last_row),
                    grouped(s.last_col),
                    grouped(cells),
                    grouped(limits::RANGE_CELLS)
                ),
            ));
        }
        Ok(())
    };
    let mut buf = vec![0u8; 1 << 16];
    // The tag being read (from after `<` to `>`), kept to a bounded length.
    let mut tag: Vec<u8> = Vec::new();
    let mut in_tag = false;
    loop {
        let n = match part.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(_) => return Ok(()),
        };
        for &b in &buf[..n] {
            if !in_tag {
                if b == b'<' {
                    in_tag = true;
                    tag.clear();
                }
                continue;
            }
            if b != b'>' {
                if tag.len() < 4096 {
                    tag.push(b);
                }
                continue;
            }
            in_tag = false;
            let t = String::from_utf8_lossy(&tag);
            let closed = t.ends_with('/');
            if t.starts_with("table:table ") || t == "table:table" {
                sheet = Sheet {
                    name: attribute(&t, "table:name").unwrap_or_default().to_string(),
                    ..Sheet::default()
                };
            } else if t.starts_with("/table:table") && !t.starts_with("/table:table-") {
                check(&sheet)?;
            } else if t.starts_with("table:table-row") {
                row_repeat = repeat_of(&t, "table:number-rows-repeated");
                (col, row_last_col, row_has_value) = (0, 0, false);
                if closed {
                    sheet.rows = sheet.rows.saturating_add(row_repeat);
                }
            } else if t.starts_with("/table:table-row") {
                if row_has_value {
                    sheet.last_row = sheet.rows.saturating_add(row_repeat);
                    sheet.last_col = sheet.last_col.max(row_last_col);
                }
                sheet.rows = sheet.rows.saturating_add(row_repeat);
            } else if t.starts_with("table:table-cell") || t.starts_with("table:covered-table-cell")
            {
                let repeat = repeat_of(&t, "table:number-columns-repeated");
                col = col.saturating_add(repeat);
                if !closed || t.contains("value-type") {
                    row_has_value = true;
                    row_last_col = col;
                }
            }
        }
    }
    Ok(())
}

/// Streams the shared-strings part, checking its declared and its actual number of strings.
fn count_shared_strings<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    shown: &str,
) -> Result<(), Problem> {
    let Ok(mut part) = zip.by_name(name) else {
        return Ok(());
    };
    let too_many = |found: String| {
        Problem::new(
            shown,
            format!(
                "the shared-strings table {found}, against the limit of {}",
                grouped(limits::SHARED_STRINGS)
            ),
        )
    };
    let mut buf = vec![0u8; 1 << 16];
    // The last three bytes of the previous chunk, so a tag split between chunks is seen.
    let mut window = [0u8; 3];
    let mut count: u64 = 0;
    let mut head_checked = false;
    loop {
        let n = match part.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            // A broken part is left to calamine, which reports it.
            Err(_) => return Ok(()),
        };
        let chunk = &buf[..n];
        if !head_checked {
            head_checked = true;
            if let Some(declared) = declared_unique_count(chunk)
                && declared > limits::SHARED_STRINGS
            {
                return Err(too_many(format!(
                    "declares {} strings (uniqueCount)",
                    declared_text(chunk)
                )));
            }
        }
        for &b in chunk {
            // `<si>`, `<si …>`, `<si/>` and namespaced `<x:si>` open a string.
            if window[1] == b's'
                && window[2] == b'i'
                && matches!(window[0], b'<' | b':')
                && matches!(b, b'>' | b' ' | b'/' | b'\t' | b'\r' | b'\n')
            {
                count += 1;
            }
            window = [window[1], window[2], b];
        }
        if count > limits::SHARED_STRINGS {
            return Err(too_many(format!(
                "holds at least {} strings",
                grouped(count)
            )));
        }
    }
    Ok(())
}

/// The `uniqueCount` attribute of the `<sst>` tag at the start of the part; `u64::MAX` when it
/// is written but too large to be a number.
fn declared_unique_count(head: &[u8]) -> Option<u64> {
    let digits = declared_digits(head)?;
    Some(digits.parse::<u64>().unwrap_or(u64::MAX))
}

fn declared_text(head: &[u8]) -> String {
    let d = declared_digits(head).unwrap_or_default();
    match d.parse::<u64>() {
        Ok(n) => grouped(n),
        Err(_) if d.len() > 30 => format!("{}… ({} digits)", &d[..30], d.len()),
        Err(_) => d,
    }
}

fn declared_digits(head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&head[..head.len().min(4096)]);
    let start = text.find("<sst").or_else(|| text.find(":sst"))?;
    let tag = &text[start..];
    let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
    let at = tag.find("uniqueCount=")? + "uniqueCount=".len();
    let value = tag[at..].trim_start_matches(['"', '\'']);
    let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}
