//! End to end: hostile and huge input (zip bombs, alias bombs, deep nesting, legacy encodings,
//! ragged CSV lines, special files, absurd values) must end in exit code 2 with a located, bounded
//! message — or in a correct run where the data is legal — within bounded memory and time.
//! Every large input is generated here at run time.

mod common;

use common::{Outcome, crate_path, run, write_csv_folder};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};
use tempfile::TempDir;

const PERIOD: &str = "2026-10";

/// The mini fixture's tables: (table, rows of fields). Its CSV files hold no quoted fields.
fn mini_tables() -> Vec<(String, Vec<Vec<String>>)> {
    let mut tables = Vec::new();
    for entry in std::fs::read_dir(crate_path("tests/fixtures/mini")).unwrap() {
        let path = entry.unwrap().path();
        let table = path.file_stem().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let rows = text
            .lines()
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect();
        tables.push((table, rows));
    }
    tables.sort();
    tables
}

fn mini_csv(dir: &Path) {
    let tables = mini_tables();
    let texts: Vec<(String, String)> = tables
        .iter()
        .map(|(t, rows)| {
            let text: String = rows.iter().map(|r| r.join(",") + "\n").collect();
            (t.clone(), text)
        })
        .collect();
    let pairs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(t, x)| (t.as_str(), x.as_str()))
        .collect();
    write_csv_folder(dir, &pairs);
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A sheet's `<sheetData>` rows with every cell an inline string.
fn rows_xml(rows: &[Vec<String>]) -> String {
    rows_xml_at(rows, 1)
}

/// Rows numbered from `first`.
fn rows_xml_at(rows: &[Vec<String>], first: usize) -> String {
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let r = first + i;
        out += &format!("<row r=\"{r}\">");
        for (j, v) in row.iter().enumerate() {
            if !v.is_empty() {
                out += &format!(
                    "<c r=\"{}{r}\" t=\"inlineStr\"><is><t>{}</t></is></c>",
                    col(j),
                    xml_escape(v)
                );
            }
        }
        out += "</row>";
    }
    out
}

fn col(j: usize) -> String {
    incentive::data::source::column_letters(j as u64)
}

/// Writes a part's content (streamed, so gigabytes can be written without holding them).
type PartWriter = Box<dyn FnMut(&mut dyn Write)>;

/// One sheet of a hand-built workbook: its name, whether it is hidden, and a writer of its
/// `<sheetData>` content (streamed, so gigabytes can be written without holding them).
struct Sheet {
    name: String,
    hidden: bool,
    data: PartWriter,
}

fn sheet(name: &str, xml: String) -> Sheet {
    Sheet {
        name: name.to_string(),
        hidden: false,
        data: Box::new(move |w| w.write_all(xml.as_bytes()).unwrap()),
    }
}

/// The mini fixture as sheets, with `change` applied to the rows of one table first.
fn mini_sheets(table: &str, change: impl FnOnce(&mut Vec<Vec<String>>)) -> Vec<Sheet> {
    let mut change = Some(change);
    mini_tables()
        .into_iter()
        .map(|(t, mut rows)| {
            if t == table {
                (change.take().unwrap())(&mut rows);
            }
            sheet(&t, rows_xml(&rows))
        })
        .collect()
}

/// Writes an .xlsx by hand (deflated parts), so hostile parts can be built: error cells, hidden
/// sheets, sheets whose names differ only by case, bombs. `shared` is written as
/// xl/sharedStrings.xml when given.
fn write_xlsx(path: &Path, sheets: Vec<Sheet>, shared: Option<PartWriter>) {
    use zip::write::SimpleFileOptions;
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let opt = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(false);
    let put = |zip: &mut zip::ZipWriter<_>, name: &str, text: &str| {
        zip.start_file(name, opt).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    };
    put(
        &mut zip,
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#,
    );
    put(
        &mut zip,
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    let mut book = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    for (i, s) in sheets.iter().enumerate() {
        let state = if s.hidden { r#" state="hidden""# } else { "" };
        book += &format!(
            r#"<sheet name="{}" sheetId="{}"{state} r:id="rId{}"/>"#,
            xml_escape(&s.name),
            i + 1,
            i + 1
        );
        rels += &format!(
            r#"<Relationship Id="rId{}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{}.xml"/>"#,
            i + 1,
            i + 1
        );
    }
    book += "</sheets></workbook>";
    rels += "</Relationships>";
    put(&mut zip, "xl/workbook.xml", &book);
    put(&mut zip, "xl/_rels/workbook.xml.rels", &rels);
    for (i, mut s) in sheets.into_iter().enumerate() {
        zip.start_file(format!("xl/worksheets/sheet{}.xml", i + 1), opt)
            .unwrap();
        zip.write_all(
            br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
        )
        .unwrap();
        (s.data)(&mut zip);
        zip.write_all(b"</sheetData></worksheet>").unwrap();
    }
    if let Some(mut shared) = shared {
        zip.start_file("xl/sharedStrings.xml", opt).unwrap();
        shared(&mut zip);
    }
    zip.finish().unwrap();
}

/// Writes `unit` repeatedly until about `total` bytes are written.
fn repeat(w: &mut dyn Write, unit: &[u8], total: u64) {
    let block: Vec<u8> = unit.repeat((1 << 20) / unit.len());
    let mut written = 0u64;
    while written < total {
        w.write_all(&block).unwrap();
        written += block.len() as u64;
    }
}

const GIB: u64 = 1 << 30;

/// The header row of a calls sheet.
const CALLS_HEADER: &str = concat!(
    r#"<row r="1"><c r="A1" t="inlineStr"><is><t>call_id</t></is></c>"#,
    r#"<c r="B1" t="inlineStr"><is><t>employee_id</t></is></c>"#,
    r#"<c r="C1" t="inlineStr"><is><t>started_at</t></is></c>"#,
    r#"<c r="D1" t="inlineStr"><is><t>direction</t></is></c>"#,
    r#"<c r="E1" t="inlineStr"><is><t>duration_sec</t></is></c></row>"#
);

fn run_on(tmp: &Path, data: &Path) -> Outcome {
    run(
        &[
            Path::new("run"),
            Path::new("--data"),
            data,
            Path::new("--period"),
            Path::new(PERIOD),
            Path::new("--out"),
            &tmp.join("out"),
            Path::new("--schemes"),
            &crate_path("schemes"),
        ],
        tmp,
    )
}

/// The run was refused as bad input (exit 2) and wrote nothing. Returns stderr to snapshot.
fn refused(tmp: &Path, outcome: Outcome) -> String {
    assert_eq!(outcome.code, 2, "exit code; stderr:\n{}", outcome.stderr);
    assert!(
        !tmp.join("out").join("payroll.csv").exists(),
        "nothing is written"
    );
    assert!(
        outcome.stderr.len() < 20_000,
        "bounded: {}",
        outcome.stderr.len()
    );
    outcome.stderr
}

/// Runs the binary under a 1 GiB address-space limit (`ulimit -v`), so a run that would need
/// more memory fails (and the test with it) instead of passing on a big machine.
fn run_limited(tmp: &Path, data: &Path) -> (Outcome, Duration) {
    let start = Instant::now();
    let script = format!(
        "ulimit -v 1048576; exec \"$0\" run --data \"$1\" --period {PERIOD} --out \"$2\" --schemes \"$3\""
    );
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_incentive"))
        .arg(data)
        .arg(tmp.join("out"))
        .arg(crate_path("schemes"))
        .output()
        .unwrap();
    let tmp_s = tmp.display().to_string();
    let clean = |b: &[u8]| String::from_utf8_lossy(b).replace(&tmp_s, "[TMP]");
    (
        Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: clean(&output.stdout),
            stderr: clean(&output.stderr),
        },
        start.elapsed(),
    )
}

// ---------------------------------------------------------------- workbooks: bombs

#[test]
fn xlsx_sheet_zip_bomb_is_refused_in_bounded_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("bomb.xlsx");
    let mut sheets = mini_sheets("deals", |_| {});
    // The calls sheet: a header, then one row repeated until the part unpacks to 1.5 GiB.
    sheets.retain(|s| s.name != "calls");
    sheets.push(Sheet {
        name: "calls".into(),
        hidden: false,
        data: Box::new(|w| {
            w.write_all(CALLS_HEADER.as_bytes()).unwrap();
            repeat(
                w,
                br#"<row><c t="inlineStr"><is><t>K1</t></is></c><c><v>60</v></c></row>"#,
                3 * GIB / 2,
            );
        }),
    });
    write_xlsx(&book, sheets, None);
    assert!(std::fs::metadata(&book).unwrap().len() < 20 << 20);
    let (outcome, took) = run_limited(tmp.path(), &book);
    assert!(took < Duration::from_secs(5), "took {took:?}");
    insta::assert_snapshot!(refused(tmp.path(), outcome));
}

#[test]
fn xlsx_shared_strings_bombs_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let sst = |body: &'static [u8], unit: &'static [u8], total: u64| -> PartWriter {
        Box::new(move |w| {
            w.write_all(body).unwrap();
            repeat(w, unit, total);
            w.write_all(b"</sst>").unwrap();
        })
    };
    let head: &[u8] = br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;
    let cases: Vec<(&str, PartWriter)> = vec![
        // 300 MiB of strings: past the part limit by its size.
        ("size", sst(head, b"<si><t>x</t></si>", 300 << 20)),
        // Tiny, but small strings by the million: past the limit by their number.
        ("count", sst(head, b"<si/>", 30 << 20)),
        // Tiny, but declaring a count calamine would reserve memory for up front.
        (
            "declared",
            sst(
                br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="99999999999999999999">"#,
                b"<si><t>x</t></si>",
                100,
            ),
        ),
    ];
    let mut all = String::new();
    for (name, shared) in cases {
        let book = tmp.path().join(format!("{name}.xlsx"));
        write_xlsx(&book, mini_sheets("deals", |_| {}), Some(shared));
        let (outcome, took) = run_limited(tmp.path(), &book);
        assert!(took < Duration::from_secs(5), "{name} took {took:?}");
        all += &refused(tmp.path(), outcome);
    }
    insta::assert_snapshot!(all);
}

/// Patches the declared uncompressed size of `name` in both the local header and the central
/// directory of a (non-zip64) archive.
fn lie_about_size(archive: &Path, name: &str, size: u32) {
    let mut bytes = std::fs::read(archive).unwrap();
    let mut patched = 0;
    for i in 0..bytes.len().saturating_sub(46) {
        let sig = &bytes[i..i + 4];
        let (name_at, size_at) = if sig == b"PK\x03\x04" {
            (i + 30, i + 22)
        } else if sig == b"PK\x01\x02" {
            (i + 46, i + 24)
        } else {
            continue;
        };
        let len_at = if sig == b"PK\x03\x04" { i + 26 } else { i + 28 };
        let len = u16::from_le_bytes([bytes[len_at], bytes[len_at + 1]]) as usize;
        if bytes.get(name_at..name_at + len) == Some(name.as_bytes()) {
            bytes[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "local header and central directory");
    std::fs::write(archive, bytes).unwrap();
}

#[test]
fn xlsx_part_that_inflates_past_its_declared_size_is_cut_off() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("liar.xlsx");
    let mut sheets = mini_sheets("deals", |_| {});
    sheets.retain(|s| s.name != "calls");
    sheets.push(Sheet {
        name: "calls".into(),
        hidden: false,
        data: Box::new(|w| {
            w.write_all(CALLS_HEADER.as_bytes()).unwrap();
            repeat(
                w,
                // Formatted empty cells: nothing to report but the size.
                br#"<row><c s="1"/></row>"#,
                512 << 20,
            )
        }),
    });
    write_xlsx(&book, sheets, None);
    // The directory claims 1 MiB; the deflated data holds 512 MiB. Calls is the 8th sheet.
    lie_about_size(&book, "xl/worksheets/sheet8.xml", 1 << 20);
    let (outcome, took) = run_limited(tmp.path(), &book);
    assert!(took < Duration::from_secs(5), "took {took:?}");
    insta::assert_snapshot!(refused(tmp.path(), outcome));
}

// ---------------------------------------------------------------- workbooks: odd sheets

/// Runs the mini fixture as a workbook built from `sheets`.
fn run_xlsx(sheets: Vec<Sheet>) -> (TempDir, Outcome) {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("data.xlsx");
    write_xlsx(&book, sheets, None);
    let outcome = run_on(tmp.path(), &book);
    (tmp, outcome)
}

fn payroll_of(tmp: &Path, outcome: &Outcome) -> String {
    assert_eq!(outcome.code, 0, "stderr:\n{}", outcome.stderr);
    std::fs::read_to_string(tmp.join("out/payroll.csv")).unwrap()
}

fn mini_payroll() -> String {
    let tmp = tempfile::tempdir().unwrap();
    mini_csv(&tmp.path().join("data"));
    let outcome = run_on(tmp.path(), &tmp.path().join("data"));
    payroll_of(tmp.path(), &outcome)
}

#[test]
fn xlsx_built_by_hand_pays_like_the_csv_folder() {
    let (tmp, outcome) = run_xlsx(mini_sheets("deals", |_| {}));
    assert_eq!(payroll_of(tmp.path(), &outcome), mini_payroll());
}

/// Replaces the cell of `deal` (a deal_id) in the column `column` with raw cell XML.
fn with_cell(rows: &mut [Vec<String>], deal: &str, column: &str, marker: &str) {
    let j = rows[0].iter().position(|h| h == column).unwrap();
    let row = rows.iter_mut().find(|r| r[0] == deal).unwrap();
    row[j] = marker.to_string();
}

/// The deals sheet with raw cells substituted for `@…@` markers in inline strings.
fn deals_with_raw(change: impl FnOnce(&mut Vec<Vec<String>>), raw: &[(&str, &str)]) -> Vec<Sheet> {
    let mut tables = mini_tables();
    let deals = tables.iter_mut().find(|(t, _)| t == "deals").unwrap();
    change(&mut deals.1);
    tables
        .into_iter()
        .map(|(t, rows)| {
            let mut xml = rows_xml(&rows);
            for (marker, cell) in raw.iter().filter(|_| t == "deals") {
                let at = xml.find(marker).expect("marker placed");
                let start = xml[..at].rfind("<c ").unwrap();
                let end = at + xml[at..].find("</c>").unwrap() + 4;
                let r = &xml[start + 6..start + xml[start..].find("\" ").unwrap()];
                let r = r.to_string();
                xml.replace_range(start..end, &cell.replace("REF", &r));
            }
            sheet(&t, xml)
        })
        .collect()
}

#[test]
fn xlsx_error_cells_and_absurd_numbers_are_located() {
    let sheets = deals_with_raw(
        |rows| {
            with_cell(rows, "D1", "amount", "@div0@");
            with_cell(rows, "D2", "amount", "@na@");
            with_cell(rows, "D3", "amount", "@nan@");
            with_cell(rows, "D4", "amount", "@big@");
            with_cell(rows, "D5", "closed_on", "@date@");
        },
        &[
            ("@div0@", r#"<c r="REF" t="e"><v>#DIV/0!</v></c>"#),
            ("@na@", r#"<c r="REF" t="e"><v>#N/A</v></c>"#),
            ("@nan@", r#"<c r="REF"><v>NaN</v></c>"#),
            ("@big@", r#"<c r="REF"><v>1e308</v></c>"#),
            ("@date@", r#"<c r="REF" t="d"><v>not-a-date</v></c>"#),
        ],
    );
    let (tmp, outcome) = run_xlsx(sheets);
    insta::assert_snapshot!(refused(tmp.path(), outcome));
}

#[test]
fn xlsx_negative_zero_and_tiny_numbers_read_as_numbers() {
    let sheets = deals_with_raw(
        |rows| {
            // D6 is a lost deal: its amount does not pay, so the payroll must stay the same.
            let lost = rows
                .iter()
                .find(|r| r.contains(&"lost".to_string()))
                .unwrap()[0]
                .clone();
            with_cell(rows, &lost, "amount", "@z@");
        },
        &[("@z@", r#"<c r="REF"><v>-0</v></c>"#)],
    );
    let (tmp, outcome) = run_xlsx(sheets);
    assert_eq!(payroll_of(tmp.path(), &outcome), mini_payroll());
}

#[test]
fn xlsx_duplicate_headers_title_rows_and_empty_sheets() {
    let mut sheets = mini_sheets("deals", |rows| {
        let j = rows[0].iter().position(|h| h == "lost_reason").unwrap();
        rows[0][j] = "Amount ".into();
    });
    for s in sheets.iter_mut() {
        if s.name == "meetings" {
            let mut rows = mini_tables()
                .into_iter()
                .find(|(t, _)| t == "meetings")
                .unwrap()
                .1;
            rows.insert(0, vec!["Meetings export, October 2026".into()]);
            rows.insert(1, vec![]);
            *s = sheet("meetings", rows_xml(&rows));
        }
        if s.name == "nps" {
            *s = sheet("nps", String::new());
        }
    }
    let (tmp, outcome) = run_xlsx(sheets);
    insta::assert_snapshot!(refused(tmp.path(), outcome));
}

#[test]
fn xlsx_blank_rows_above_the_header_and_hidden_sheets_are_read() {
    let mut sheets = mini_sheets("deals", |rows| {
        rows.insert(0, vec![]);
        rows.insert(0, vec![]);
    });
    for s in sheets.iter_mut() {
        if s.name == "deals" {
            s.hidden = true;
        }
    }
    let (tmp, outcome) = run_xlsx(sheets);
    assert_eq!(payroll_of(tmp.path(), &outcome), mini_payroll());
}

#[test]
fn xlsx_sheet_of_a_million_empty_rows_and_thousands_of_columns_is_quick() {
    let mut sheets = mini_sheets("deals", |_| {});
    for s in sheets.iter_mut() {
        if s.name == "clients" {
            let rows = mini_tables()
                .into_iter()
                .find(|(t, _)| t == "clients")
                .unwrap()
                .1;
            // The header gains a column far to the right (GJW is column 5 000), and a million
            // formatted but empty rows follow the data.
            let xml = rows_xml(&rows).replacen(
                "</row>",
                r#"<c r="GJW1" t="inlineStr"><is><t>note</t></is></c></row>"#,
                1,
            );
            s.data = Box::new(move |w| {
                w.write_all(xml.as_bytes()).unwrap();
                for r in 2_000..1_002_000 {
                    write!(w, r#"<row r="{r}"><c r="A{r}" s="1"/></row>"#).unwrap();
                }
            });
        }
    }
    let start = Instant::now();
    let (tmp, outcome) = run_xlsx(sheets);
    let took = start.elapsed();
    assert_eq!(payroll_of(tmp.path(), &outcome), mini_payroll());
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

#[test]
fn xlsx_cells_beyond_the_sheet_limits_and_a_50_mb_cell() {
    let mut sheets = Vec::new();
    for (name, rows) in mini_tables() {
        let mut xml = rows_xml(&rows);
        match name.as_str() {
            "clients" => xml += r#"<row r="9"><c r="XFE9"><v>1</v></c></row>"#,
            "nps" => xml += r#"<row r="1048577"><c r="A1048577"><v>1</v></c></row>"#,
            "deals" => {
                // A new deal whose stage is a 50 MB text.
                let j = rows[0].iter().position(|h| h == "stage").unwrap();
                let mut row = rows[1].clone();
                row[0] = "D99".into();
                row[j] = "z".repeat(50 << 20);
                xml += &rows_xml_at(&[row], 40);
            }
            _ => {}
        }
        sheets.push(sheet(&name, xml));
    }
    let (tmp, outcome) = run_xlsx(sheets);
    insta::assert_snapshot!(refused(tmp.path(), outcome));
}

#[test]
fn xlsx_sheets_whose_names_differ_only_by_case_and_spaces_are_ambiguous() {
    let mut sheets = mini_sheets("deals", |_| {});
    let deals = mini_tables()
        .into_iter()
        .find(|(t, _)| t == "deals")
        .unwrap()
        .1;
    sheets.push(sheet("Deals ", rows_xml(&deals)));
    let (tmp, outcome) = run_xlsx(sheets);
    insta::assert_snapshot!(refused(tmp.path(), outcome));
}

// ---------------------------------------------------------------- CSV

#[test]
fn windows_1251_csv_is_read_and_pays_like_utf8() {
    let tmp = tempfile::tempdir().unwrap();
    let src = crate_path("tests/fixtures/reference/2026-09-ru-csv");
    let (utf8, cp1251) = (tmp.path().join("utf8"), tmp.path().join("cp1251"));
    std::fs::create_dir_all(&utf8).unwrap();
    std::fs::create_dir_all(&cp1251).unwrap();
    let mut cyrillic = false;
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        cyrillic |= text.chars().any(|c| ('а'..='я').contains(&c));
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(&text);
        assert!(!unmappable);
        let name = path.file_name().unwrap();
        std::fs::write(utf8.join(name), &text).unwrap();
        std::fs::write(cp1251.join(name), &bytes).unwrap();
    }
    assert!(cyrillic, "the fixture has Russian text to transcode");
    assert!(std::str::from_utf8(&std::fs::read(cp1251.join("employees.csv")).unwrap()).is_err());
    let payroll = |data: &Path, out: &str| {
        let outcome = run(
            &[
                Path::new("run"),
                Path::new("--data"),
                data,
                Path::new("--period"),
                Path::new("2026-09"),
                Path::new("--out"),
                &tmp.path().join(out),
                Path::new("--schemes"),
                &crate_path("schemes"),
            ],
            tmp.path(),
        );
        assert_eq!(outcome.code, 0, "{}", outcome.stderr);
        std::fs::read_to_string(tmp.path().join(out).join("payroll.csv")).unwrap()
    };
    let want = payroll(&utf8, "out-utf8");
    assert!(want.contains("Айгерим") || want.chars().any(|c| ('а'..='я').contains(&c)));
    assert_eq!(payroll(&cp1251, "out-cp1251"), want);
}

fn csv_case(change: impl FnOnce(&Path)) -> (TempDir, Outcome) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    mini_csv(&data);
    change(&data);
    let outcome = run_on(tmp.path(), &data);
    (tmp, outcome)
}

fn edit(data: &Path, table: &str, f: impl FnOnce(String) -> String) {
    let path = data.join(format!("{table}.csv"));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(path, f(text)).unwrap();
}

#[test]
fn csv_broken_utf8_bytes_are_located() {
    let (tmp, outcome) = csv_case(|data| {
        let path = data.join("employees.csv");
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replace("Aigerim Sadykova", "Айгерим Sadykova");
        let mut bytes = text.into_bytes();
        let at = bytes.windows(6).position(|w| w == b"Bolat ").unwrap();
        bytes[at + 1] = 0xF6; // "Bölat" written as Latin-1
        std::fs::write(path, bytes).unwrap();
    });
    insta::assert_snapshot!(refused(tmp.path(), outcome));
}

#[test]
fn csv_lines_with_the_wrong_number_of_fields() {
    let (tmp, outcome) = csv_case(|data| {
        // An unquoted decimal comma in a comma-separated file, a short line, and a quoted
        // line break above them that must not shift the row numbers.
        edit(data, "deals", |t| {
            t.replace("600000,yes,,", "600000,yes,\"two\nlines\",")
                .replace(
                    "D2,E1,2026-09-01,2026-10-20,won,negotiation,500000,",
                    "D2,E1,2026-09-01,2026-10-20,won,negotiation,380 000,00,",
                )
        });
        edit(data, "clients", |t| {
            let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
            lines[2] = lines[2].split(',').take(2).collect::<Vec<_>>().join(",");
            lines.join("\n") + "\n"
        });
    });
    insta::assert_snapshot!(refused(tmp.path(), outcome));
}

#[test]
fn csv_with_cr_only_line_ends_reads_with_right_row_numbers() {
    // Old Mac line ends: the run pays the same, and a problem is reported on the right row.
    let (tmp, outcome) = csv_case(|data| {
        for entry in std::fs::read_dir(data).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(path, text.replace('\n', "\r")).unwrap();
        }
    });
    assert_eq!(payroll_of(tmp.path(), &outcome), mini_payroll());
    let (tmp, outcome) = csv_case(|data| {
        edit(data, "deals", |t| {
            let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
            lines[4] = lines[4].replace("2026-", "2026/");
            lines.join("\r") + "\r"
        });
    });
    insta::assert_snapshot!(refused(tmp.path(), outcome));
}

#[test]
fn csv_absurd_numbers_and_extreme_dates() {
    let (tmp, outcome) = csv_case(|data| {
        edit(data, "deals", |t| {
            let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
            let amount = lines[0].split(',').position(|h| h == "amount").unwrap();
            for (i, v) in ["NaN", "Infinity", "1e308", "-inf"].iter().enumerate() {
                let mut f: Vec<String> = lines[i + 1].split(',').map(str::to_string).collect();
                f[amount] = v.to_string();
                lines[i + 1] = f.join(",");
            }
            lines.join("\n") + "\n"
        });
        edit(data, "calls", |t| {
            let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
            let d = lines[0]
                .split(',')
                .position(|h| h == "duration_sec")
                .unwrap();
            for (i, v) in ["NaN", "1e308", "99999999999999999999999999999999"]
                .iter()
                .enumerate()
            {
                let mut f: Vec<String> = lines[i + 1].split(',').map(str::to_string).collect();
                f[d] = v.to_string();
                lines[i + 1] = f.join(",");
            }
            lines.join("\n") + "\n"
        });
    });
    insta::assert_snapshot!(refused(tmp.path(), outcome));
}

#[test]
fn csv_extreme_dates_and_negative_zero_are_read() {
    // A hire date in year 1, a left date in 9999 and a lost deal of -0 change nobody's pay.
    let (tmp, outcome) = csv_case(|data| {
        edit(data, "employees", |t| {
            t.replace("Enterprise,2024-02-01,", "Enterprise,0001-01-01,9999-12-31")
        });
        edit(data, "deals", |t| {
            let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
            let amount = lines[0].split(',').position(|h| h == "amount").unwrap();
            let i = lines.iter().position(|l| l.contains(",lost,")).unwrap();
            let mut f: Vec<String> = lines[i].split(',').map(str::to_string).collect();
            f[amount] = "-0".into();
            lines[i] = f.join(",");
            lines.join("\n") + "\n"
        });
    });
    assert_eq!(payroll_of(tmp.path(), &outcome), mini_payroll());
}

#[test]
fn csv_files_whose_names_differ_only_by_case_are_ambiguous() {
    let (tmp, outcome) = csv_case(|data| {
        std::fs::copy(data.join("deals.csv"), data.join("DEALS.csv")).unwrap();
    });
    insta::assert_snapshot!(refused(tmp.path(), outcome));
}

#[test]
fn csv_file_over_the_size_limit_is_refused_unread() {
    let (tmp, outcome) = csv_case(|data| {
        // A sparse file: 300 MiB long, no disk used, never read.
        let f = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("emails.csv"))
            .unwrap();
        f.set_len(300 << 20).unwrap();
    });
    insta::assert_snapshot!(refused(tmp.path(), outcome));
}

#[test]
fn many_bad_cells_and_long_values_keep_the_output_bounded() {
    let (tmp, outcome) = csv_case(|data| {
        edit(data, "calls", |t| {
            let mut out = t.lines().next().unwrap().to_string() + "\n";
            let long = "9".repeat(200);
            for i in 0..5_000 {
                out += &format!("X{i},E1,{long},outgoing,{long},\n");
            }
            out
        });
    });
    let stderr = refused(tmp.path(), outcome);
    assert!(
        stderr.lines().count() < 60,
        "{} lines",
        stderr.lines().count()
    );
    insta::assert_snapshot!(stderr);
}

// ---------------------------------------------------------------- special files

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn data_that_is_not_a_regular_file_is_refused_without_hanging() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("pipe.xlsx");
    mkfifo(&fifo);
    let mut all = String::new();
    for data in [
        fifo.as_path(),
        Path::new("/dev/zero"),
        Path::new("/dev/urandom"),
    ] {
        let start = Instant::now();
        let outcome = run_on(tmp.path(), data);
        assert!(start.elapsed() < Duration::from_secs(5));
        all += &refused(tmp.path(), outcome);
    }
    // A FIFO posing as a table in a CSV folder.
    let data = tmp.path().join("data");
    mini_csv(&data);
    std::fs::remove_file(data.join("nps.csv")).unwrap();
    mkfifo(&data.join("nps.csv"));
    all += &refused(tmp.path(), run_on(tmp.path(), &data));
    insta::assert_snapshot!(all);
}

#[cfg(unix)]
#[test]
fn symlinked_data_files_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real");
    mini_csv(&real);
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    for entry in std::fs::read_dir(&real).unwrap() {
        let path = entry.unwrap().path();
        std::os::unix::fs::symlink(&path, data.join(path.file_name().unwrap())).unwrap();
    }
    let outcome = run_on(tmp.path(), &data);
    assert_eq!(payroll_of(tmp.path(), &outcome), mini_payroll());
    // A link to the folder itself, too.
    std::fs::remove_dir_all(tmp.path().join("out")).unwrap();
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let outcome = run_on(tmp.path(), &link);
    assert_eq!(payroll_of(tmp.path(), &outcome), mini_payroll());
}

// ---------------------------------------------------------------- schemes

fn validate(tmp: &Path, file: &str, text: &str) -> String {
    let dir = tmp.join("schemes");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    let start = Instant::now();
    let outcome = run(&[Path::new("validate"), Path::new("--schemes"), &path], tmp);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(outcome.stderr.len() < 2_000);
    outcome.stderr
}

#[test]
fn yaml_alias_bomb_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "name: Laughs\ncurrency: KZT\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        text += &format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", "));
    }
    insta::assert_snapshot!(validate(tmp.path(), "laughs.yaml", &text));
}

#[test]
fn yaml_nested_thousands_deep_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let seq = format!("x: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let map = format!("x: {}1{}\n", "{a: ".repeat(100_000), "}".repeat(100_000));
    let both = validate(tmp.path(), "seq.yaml", &seq) + &validate(tmp.path(), "map.yaml", &map);
    insta::assert_snapshot!(both);
}

#[test]
fn scheme_file_over_the_size_limit_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!("name: Big\n# {}\n", "x".repeat(2 << 20));
    insta::assert_snapshot!(validate(tmp.path(), "big.yaml", &text));
}

#[test]
fn extreme_dates_in_every_dated_table_never_panic() {
    // Year 1 and year 9999 wherever a date goes: rows outside the period are ignored (the open
    // deal of 0 adds nothing to the pipeline), so the payroll is the mini fixture's, and no
    // date arithmetic may overflow on the way.
    let (tmp, outcome) = csv_case(|data| {
        let far = |t: String, table: &str| {
            let mut out = String::new();
            for (i, line) in t.lines().enumerate() {
                out += line;
                out += "\n";
                if i == 0 {
                    let n = line.split(',').count();
                    let mut row: Vec<String> = vec![String::new(); n];
                    let head: Vec<&str> = line.split(',').collect();
                    for (j, h) in head.iter().enumerate() {
                        row[j] = match *h {
                            "employee_id" => "E1".into(),
                            "started_at" | "sent_at" | "starts_at" => "9999-12-31 23:59:59".into(),
                            "created_on" | "since" | "answered_on" => "0001-01-01".into(),
                            "closed_on" | "churned_on" => "9999-12-31".into(),
                            "direction" => "outgoing".into(),
                            "status" if table == "deals" => "open".into(),
                            "status" => "held".into(),
                            "stage" => "lead".into(),
                            "amount" => "0".into(),
                            "duration_sec" => "1".into(),
                            "score" => "10".into(),
                            _ => String::new(),
                        };
                    }
                    row[0] = "FAR1".into();
                    out += &(row.join(",") + "\n");
                }
            }
            out
        };
        for table in ["calls", "emails", "meetings", "deals", "clients", "nps"] {
            edit(data, table, |t| far(t, table));
        }
    });
    assert!(!outcome.stderr.contains("panicked"), "{}", outcome.stderr);
    assert_eq!(payroll_of(tmp.path(), &outcome), mini_payroll());
}

#[test]
fn ods_whose_repeated_cells_expand_to_millions_is_refused() {
    // 800 bytes asking calamine for 96 million cells (about 3 GB held at once).
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("bomb.ods");
    let file = std::fs::File::create(&book).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", stored).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
    zip.start_file("content.xml", stored).unwrap();
    zip.write_all(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>"#,
        r#"<table:table table:name="employees"><table:table-row table:number-rows-repeated="16000">"#,
        r#"<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="6000"><text:p>1</text:p></table:table-cell>"#,
        r#"</table:table-row><table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#,
        r#"</table:table></office:spreadsheet></office:body></office:document-content>"#
    ).as_bytes()).unwrap();
    zip.finish().unwrap();
    let (outcome, took) = run_limited(tmp.path(), &book);
    assert!(took < Duration::from_secs(5), "took {took:?}");
    insta::assert_snapshot!(refused(tmp.path(), outcome));
}

// ---------------------------------------------------------------- .xls: sheets read whole

/// A BIFF record: its type and its data.
type BiffRecord = (u16, Vec<u8>);

/// BIFF records as one stream.
fn biff(records: &[BiffRecord]) -> Vec<u8> {
    let mut out = Vec::new();
    for (typ, data) in records {
        out.extend_from_slice(&typ.to_le_bytes());
        out.extend_from_slice(&(data.len() as u16).to_le_bytes());
        out.extend_from_slice(data);
    }
    out
}

/// A BIFF8 workbook stream: the globals (BOF, one BoundSheet8 per sheet, EOF), then each
/// sheet's substream (BOF, its records, EOF).
fn xls_workbook_stream(sheets: &[(&str, Vec<BiffRecord>)]) -> Vec<u8> {
    let bof = |dt: u16| {
        let mut d = vec![0u8; 16];
        d[..2].copy_from_slice(&0x0600u16.to_le_bytes());
        d[2..4].copy_from_slice(&dt.to_le_bytes());
        (0x0809u16, d)
    };
    let eof = (0x000Au16, vec![]);
    let bound = |pos: u32, name: &str| {
        let mut d = pos.to_le_bytes().to_vec();
        d.extend_from_slice(&[0, 0, name.len() as u8, 0]);
        d.extend_from_slice(name.as_bytes());
        (0x0085u16, d)
    };
    let globals_len = |positions: &[u32]| {
        let mut g = vec![bof(0x0005)];
        g.extend(sheets.iter().zip(positions).map(|((n, _), p)| bound(*p, n)));
        g.push(eof.clone());
        biff(&g)
    };
    let mut positions = vec![0u32; sheets.len()];
    let mut at = globals_len(&positions).len() as u32;
    let mut bodies = Vec::new();
    for (i, (_, records)) in sheets.iter().enumerate() {
        positions[i] = at;
        let mut r = vec![bof(0x0010)];
        r.extend(records.iter().cloned());
        r.push(eof.clone());
        let body = biff(&r);
        at += body.len() as u32;
        bodies.push(body);
    }
    let mut stream = globals_len(&positions);
    bodies.iter().for_each(|b| stream.extend_from_slice(b));
    stream
}

/// A compound file (version 3, 512-byte sectors) holding `stream` as its "Workbook" stream,
/// padded to 4 KiB so it lives in regular sectors: header, one FAT sector, one directory
/// sector, then the stream.
fn write_xls(path: &Path, mut stream: Vec<u8>) {
    const FREE: u32 = 0xFFFF_FFFF;
    const END: u32 = 0xFFFF_FFFE;
    stream.resize(stream.len().max(4096).div_ceil(512) * 512, 0);
    let sectors = (stream.len() / 512) as u32;
    let mut header = vec![0u8; 512];
    header[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    let mut put = |at: usize, v: u32| header[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put(24, 0x0003_003E); // minor version 0x3E, major version 3
    put(28, 0x0009_FFFE); // byte order, sector shift 9 (512 bytes)
    put(32, 0x0000_0006); // mini sector shift 6
    put(44, 1); // one FAT sector
    put(48, 1); // directory in sector 1
    put(56, 4096); // mini stream cutoff
    put(60, END); // no mini FAT
    put(68, END); // no DIFAT sectors
    put(76, 0); // the FAT is sector 0
    for i in 1..109 {
        put(76 + 4 * i, FREE);
    }
    let mut fat = vec![0xFFFF_FFFDu32, END];
    fat.extend((0..sectors).map(|i| if i + 1 == sectors { END } else { i + 3 }));
    fat.resize(128, FREE);
    let mut dir = vec![0u8; 512];
    let entry =
        |dir: &mut [u8], at: usize, name: &str, typ: u8, child: u32, start: u32, size: u32| {
            let e = &mut dir[at..at + 128];
            for (i, u) in name.encode_utf16().enumerate() {
                e[2 * i..2 * i + 2].copy_from_slice(&u.to_le_bytes());
            }
            e[64..66].copy_from_slice(&((name.len() as u16 + 1) * 2).to_le_bytes());
            e[66] = typ;
            e[67] = 1;
            e[68..72].copy_from_slice(&FREE.to_le_bytes());
            e[72..76].copy_from_slice(&FREE.to_le_bytes());
            e[76..80].copy_from_slice(&child.to_le_bytes());
            e[116..120].copy_from_slice(&start.to_le_bytes());
            e[120..124].copy_from_slice(&size.to_le_bytes());
        };
    entry(&mut dir, 0, "Root Entry", 5, 1, END, 0);
    entry(&mut dir, 128, "Workbook", 2, FREE, 2, stream.len() as u32);
    for at in [256, 384] {
        dir[at + 68..at + 80].fill(0xFF);
    }
    let mut file = header;
    file.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    file.extend_from_slice(&dir);
    file.extend_from_slice(&stream);
    std::fs::write(path, file).unwrap();
}

/// A NUMBER record (the value 1) at a zero-based row and column.
fn xls_number(row: u16, col: u16) -> BiffRecord {
    let mut d = row.to_le_bytes().to_vec();
    d.extend_from_slice(&col.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    d.extend_from_slice(&1f64.to_le_bytes());
    (0x0203, d)
}

#[test]
fn xls_whose_sheets_span_millions_of_cells_is_refused_in_bounded_memory() {
    // Under 5 KB: in each of three sheets one cell at A1 and one at IV65536, which calamine
    // would hold as 16.7 million cells a sheet (about 1.6 GB at once).
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("bomb.xls");
    let corners = || vec![xls_number(0, 0), xls_number(65535, 255)];
    write_xls(
        &book,
        xls_workbook_stream(&[
            ("deals", corners()),
            ("calls", corners()),
            ("employees", corners()),
        ]),
    );
    assert!(std::fs::metadata(&book).unwrap().len() < 6_000);
    let (outcome, took) = run_limited(tmp.path(), &book);
    assert!(took < Duration::from_secs(5), "took {took:?}");
    insta::assert_snapshot!(refused(tmp.path(), outcome));
}

#[test]
fn xls_whose_dimensions_record_lies_is_refused() {
    // A DIMENSIONS record calamine trusts to reserve rows × columns up front: 4 billion rows
    // (a capacity overflow), or a last row before the first (an overflow calamine panics on).
    let tmp = tempfile::tempdir().unwrap();
    let dims = |first: u32, last: u32| {
        let mut d = first.to_le_bytes().to_vec();
        d.extend_from_slice(&last.to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes());
        d.extend_from_slice(&256u16.to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes());
        (0x0200u16, d)
    };
    let mut seen = String::new();
    for (case, record) in [("huge", dims(0, u32::MAX)), ("reversed", dims(100, 5))] {
        let book = tmp.path().join(format!("{case}.xls"));
        write_xls(
            &book,
            xls_workbook_stream(&[("deals", vec![record, xls_number(0, 0)])]),
        );
        let (outcome, took) = run_limited(tmp.path(), &book);
        assert!(took < Duration::from_secs(5), "took {took:?}");
        seen.push_str(&format!("--- {case}\n{}", refused(tmp.path(), outcome)));
    }
    insta::assert_snapshot!(seen);
}

#[test]
fn xls_whose_compound_file_lies_is_refused_in_bounded_memory() {
    // calamine follows a stream's chain of sectors until it has the size the directory
    // declares, and the directory's chain until it ends: a chain that loops back makes it
    // copy the same sectors until memory runs out.
    let tmp = tempfile::tempdir().unwrap();
    // Offsets in the file `write_xls` writes: the FAT is at 512 (entry i at 512 + 4 i), the
    // "Workbook" stream's size at 1024 + 128 + 120, its 8 sectors are sectors 2 to 9.
    let (fat, size) = (512, 1024 + 128 + 120);
    // (case, the u32 values written at these offsets)
    let cases: [(&str, Vec<(usize, u32)>); 3] = [
        (
            "stream over the limit",
            vec![(size, 3 << 30), (fat + 4 * 9, 2)],
        ),
        (
            "stream larger than the file",
            vec![(size, 100 << 20), (fat + 4 * 9, 2)],
        ),
        ("directory that loops", vec![(fat + 4, 1)]),
    ];
    let mut seen = String::new();
    for (case, lie) in cases {
        let book = tmp.path().join(format!("{}.xls", case.replace(' ', "-")));
        write_xls(
            &book,
            xls_workbook_stream(&[("deals", vec![xls_number(0, 0)])]),
        );
        let mut file = std::fs::read(&book).unwrap();
        for (at, v) in lie {
            file[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        std::fs::write(&book, file).unwrap();
        let (outcome, took) = run_limited(tmp.path(), &book);
        assert!(took < Duration::from_secs(5), "{case}: took {took:?}");
        seen.push_str(&format!("--- {case}\n{}", refused(tmp.path(), outcome)));
    }
    insta::assert_snapshot!(seen);
}
