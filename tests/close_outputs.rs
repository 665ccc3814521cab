//! The month-end close in the outputs, on tests/fixtures/close-mini (every kind of line):
//! the workbook's Summary, Adjustments sheet and Audit, the statements' lines and guarantee
//! balance, and a November true-up's Adjustments sheet.

mod common;

use calamine::{Data, Reader, Xlsx};
use incentive::close::{Close, Inputs, compute};
use incentive::period::Period;
use incentive::report::Context;
use incentive::report::labels::{Labels, Lang};
use incentive::run::RunResult;
use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

const SCHEMES: &str = "tests/fixtures/close-mini/schemes";
const DATA: &str = "tests/fixtures/close-mini/data";

/// The close-mini October run, final, guarantee balances from zero.
fn october() -> RunResult {
    compute(
        Inputs {
            schemes_dir: Path::new(SCHEMES),
            data: Path::new(DATA),
            mapping: None,
        },
        Period::parse("2026-10").unwrap(),
        &Close {
            previous: None,
            from_zero: true,
            true_ups: vec![],
            current_rules: false,
        },
    )
    .expect("close-mini October is valid input")
}

fn context(lang: Lang) -> Context {
    Context::new(Labels::new(lang), "incentive run (close-mini)".into())
}

fn payouts(run: &RunResult, lang: Lang) -> Vec<u8> {
    let payroll = incentive::report::payroll_csv(run).unwrap();
    incentive::report::payouts_xlsx(run, &context(lang), &payroll).unwrap()
}

/// Each sheet's non-empty cells: (name, (row, col) → (value, formula)).
type Sheets = Vec<(String, BTreeMap<(u32, u32), (Data, Option<String>)>)>;

fn read_sheets(bytes: &[u8]) -> Sheets {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an xlsx file");
    let mut out = Vec::new();
    for name in wb.sheet_names() {
        let mut cells = BTreeMap::new();
        let values = wb.worksheet_range(&name).unwrap();
        if let Some((r0, c0)) = values.start() {
            for (r, c, v) in values.used_cells() {
                cells.insert((r0 + r as u32, c0 + c as u32), (v.clone(), None));
            }
        }
        let formulas = wb.worksheet_formula(&name).unwrap();
        if let Some((r0, c0)) = formulas.start() {
            for (r, c, f) in formulas.used_cells() {
                if !f.is_empty() {
                    cells
                        .entry((r0 + r as u32, c0 + c as u32))
                        .or_insert((Data::Empty, None))
                        .1 = Some(f.clone());
                }
            }
        }
        out.push((name, cells));
    }
    out
}

fn column_name(c: u32) -> String {
    let mut c = c + 1;
    let mut s = Vec::new();
    while c > 0 {
        s.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

fn value_text(v: &Data) -> String {
    match v {
        Data::String(s) => format!("{s:?}"),
        Data::Float(f) => format!("{f}"),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        other => format!("{other:?}"),
    }
}

/// `A1 | value | =formula` for the cells of `name` whose row passes `rows`.
fn render(sheets: &Sheets, name: &str, rows: impl Fn(u32) -> bool) -> String {
    let cells = &sheets
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no sheet {name}"))
        .1;
    let mut out = String::new();
    for ((r, c), (v, f)) in cells {
        if !rows(*r) {
            continue;
        }
        out += &format!("{}{} | {}", column_name(*c), r + 1, value_text(v));
        if let Some(f) = f {
            out += &format!(" | ={f}");
        }
        out.push('\n');
    }
    out
}

/// The rows of a sheet whose first cell satisfies `first`.
fn rows_where(sheets: &Sheets, name: &str, first: impl Fn(&str) -> bool) -> Vec<u32> {
    let cells = &sheets.iter().find(|(n, _)| n == name).unwrap().1;
    cells
        .iter()
        .filter(|((_, c), (v, _))| *c == 0 && matches!(v, Data::String(s) if first(s)))
        .map(|((r, _), _)| *r)
        .collect()
}

#[test]
fn october_workbook_summary_adjustments_and_audit() {
    let run = october();
    let sheets = read_sheets(&payouts(&run, Lang::En));
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Summary",
            "Breakdown",
            "Adjustments",
            "Flags",
            "Data report",
            "Audit"
        ]
    );
    // The employee rows, the totals row and the header of the Summary.
    insta::assert_snapshot!("october_summary", render(&sheets, "Summary", |r| r <= 5));
    insta::assert_snapshot!(
        "october_adjustments",
        render(&sheets, "Adjustments", |_| true)
    );
    // The Audit's totals, controls and the runs the close builds on (not the command, the
    // paths and the files' hashes, which depend on where the test runs).
    let audit_rows: Vec<u32> = rows_where(&sheets, "Audit", |s| {
        s.contains("total")
            || s.contains("sum")
            || s.contains("control")
            || s.contains("guarantee")
            || s.contains("runs")
    });
    insta::assert_snapshot!(
        "october_audit_totals",
        render(&sheets, "Audit", |r| audit_rows.contains(&r))
    );
}
