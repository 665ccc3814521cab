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

use common::sheets::{Sheets, column_name, read_sheets, value_text};

/// `A1 | value | =formula` for the cells of `name` whose row passes `rows`.
fn render(sheets: &Sheets, name: &str, rows: impl Fn(u32) -> bool) -> String {
    let cells = &sheets
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no sheet {name}"))
        .1;
    let mut out = String::new();
    for ((r, c), cell) in cells {
        if !rows(*r) {
            continue;
        }
        out += &format!("{}{} | {}", column_name(*c), r + 1, value_text(&cell.value));
        if let Some(f) = &cell.formula {
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
        .filter(|((_, c), cell)| *c == 0 && matches!(&cell.value, Data::String(s) if first(s)))
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

#[test]
fn october_workbook_in_russian() {
    let run = october();
    let sheets = read_sheets(&payouts(&run, Lang::Ru));
    insta::assert_snapshot!(
        "october_adjustments_ru",
        render(&sheets, "Корректировки", |_| true)
    );
    let audit_rows: Vec<u32> = rows_where(&sheets, "Аудит", |s| {
        s.contains("контроль") || s.contains("гарант") || s.contains("расчёты")
    });
    insta::assert_snapshot!(
        "october_audit_ru",
        render(&sheets, "Аудит", |r| audit_rows.contains(&r))
    );
}

fn index_of(run: &RunResult, id: &str) -> usize {
    run.employees
        .iter()
        .position(|e| e.employee.id == id)
        .unwrap_or_else(|| panic!("{id} is in close-mini"))
}

#[test]
fn october_statement_texts_show_the_lines_and_the_balance() {
    let run = october();
    let en = context(Lang::En);
    for id in ["E1", "E3", "E4"] {
        let text = incentive::report::statement::statement_text(&run, index_of(&run, id), &en);
        insta::assert_snapshot!(format!("statement_text_{id}"), text);
    }
    let ru = context(Lang::Ru);
    let mut run = run;
    incentive::report::localize(&mut run, &ru.labels);
    let text = incentive::report::statement::statement_text(&run, index_of(&run, "E4"), &ru);
    insta::assert_snapshot!("statement_text_E4_ru", text);
}

/// Every XML part of an xlsx file, as text.
fn xml_parts(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).expect("an xlsx is a zip");
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        if entry.name().unwrap().ends_with(".xml") {
            entry.read_to_string(&mut all).unwrap();
        }
    }
    all
}

#[test]
fn a_statement_never_shows_finances_note_or_who_approved() {
    let run = october();
    for lang in [Lang::En, Lang::Ru] {
        let cx = context(lang);
        let files = incentive::report::statements(&run, &cx).unwrap();
        for (i, e) in run.employees.iter().enumerate() {
            let xml = xml_parts(&files[i].1);
            let text = incentive::report::statement::statement_text(&run, i, &cx);
            // The text says what the workbook says: every text cell of it is in the text.
            let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(files[i].1.clone())).unwrap();
            let range = wb.worksheet_range(&wb.sheet_names()[0]).unwrap();
            for cell in range.used_cells() {
                if let Data::String(t) = cell.2
                    && !["chart data", "100% line", "данные диаграммы", "линия 100%"]
                        .contains(&t.as_str())
                {
                    assert!(
                        text.contains(t.as_str()),
                        "{}: {t:?} in {text}",
                        e.employee.id
                    );
                }
            }
            for line in &e.payout.lines {
                // The employee's own reason is there (so the search reads the right text) …
                if !line.reason.is_empty() {
                    assert!(
                        xml.contains(&line.reason),
                        "{}: {}",
                        e.employee.id,
                        line.reason
                    );
                    assert!(
                        text.contains(&line.reason),
                        "{}: {}",
                        e.employee.id,
                        line.reason
                    );
                }
                // … finance's note and approver never.
                for secret in [&line.note, &line.approved_by] {
                    if !secret.is_empty() {
                        assert!(
                            !xml.contains(secret.as_str()),
                            "{}: {secret}",
                            e.employee.id
                        );
                        assert!(
                            !text.contains(secret.as_str()),
                            "{}: {secret}",
                            e.employee.id
                        );
                    }
                }
            }
        }
    }
    // E3's clawback carries a note: it is in the workbook, not in E3's statement.
    let e3 = index_of(&run, "E3");
    let note = "refund confirmed by accounting on 2026-10-28";
    assert!(
        run.employees[e3]
            .payout
            .lines
            .iter()
            .any(|l| l.note == note)
    );
    let files = incentive::report::statements(&run, &context(Lang::En)).unwrap();
    assert!(!xml_parts(&files[e3].1).contains(note));
    assert!(xml_parts(&payouts(&run, Lang::En)).contains(note));
}

/// The close-mini October run written final by the binary, and the November run that trues it
/// up after deal D1 was refunded: (the temporary folder, October's run folder, November's).
fn november() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let (oct, nov, data) = (
        tmp.path().join("x"),
        tmp.path().join("y"),
        tmp.path().join("data"),
    );
    let o = common::run(
        &[
            "run",
            "--data",
            DATA,
            "--schemes",
            SCHEMES,
            "--period",
            "2026-10",
            "--previous",
            "none",
            "--final",
            "--out",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([oct.display().to_string()])
        .collect::<Vec<_>>(),
        tmp.path(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    common::copy_dir(&common::crate_path(DATA), &data);
    let deals = std::fs::read_to_string(data.join("deals.csv")).unwrap();
    let mut refunded = 0;
    let deals: String = deals
        .lines()
        .map(|l| {
            if l.starts_with("D1,") {
                // refunded_on is the last column, empty in October.
                assert!(l.ends_with(','), "{l}");
                refunded += 1;
                format!("{l}2026-11-05\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert_eq!(refunded, 1);
    std::fs::write(data.join("deals.csv"), deals).unwrap();
    let adjustments = std::fs::read_to_string(data.join("adjustments.csv")).unwrap();
    let kept: String = adjustments
        .lines()
        .filter(|l| !l.contains(",2026-10,"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(data.join("adjustments.csv"), kept).unwrap();
    let o = common::run(
        &[
            "run".to_string(),
            "--data".into(),
            data.display().to_string(),
            "--schemes".into(),
            SCHEMES.into(),
            "--period".into(),
            "2026-11".into(),
            "--true-up".into(),
            oct.display().to_string(),
            "--out".into(),
            nov.display().to_string(),
        ],
        tmp.path(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    (tmp, oct, nov)
}

#[test]
fn november_true_up_in_the_adjustments_sheet_and_the_audit() {
    let (tmp, oct, nov) = november();
    let bytes = std::fs::read(nov.join("payouts.xlsx")).unwrap();
    let sheets = read_sheets(&bytes);
    let clean = |s: String| s.replace(&tmp.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!(
        "november_adjustments",
        clean(render(&sheets, "Adjustments", |_| true))
    );
    // The Audit names the October run it trues up (and takes the balances from), with the
    // SHA-256 of that run.json, and the rules it was recomputed with.
    let audit = clean(render(&sheets, "Audit", |_| true));
    let sha = incentive::results::sha256_file(&tmp.path().join("x/run.json")).unwrap();
    for expected in [
        "\"previous final run (2026-10)\"".to_string(),
        "\"[TMP]/x\"".into(),
        format!("{sha:?}"),
        "\"final run trued up (2026-10)\"".into(),
        "\"recomputed with the rules recorded in its run.json\"".into(),
    ] {
        assert!(audit.contains(&expected), "{expected} in {audit}");
    }
    assert!(!audit.contains("started at zero"), "{audit}");
    // E1's statement shows the true-up's causes.
    let text = std::fs::read(nov.join("statements/E1.xlsx")).unwrap();
    assert!(xml_parts(&text).contains("2026-10 recomputed: revenue: actual changed"));
    // Recomputed with the current schemes, the Audit says so.
    let run = compute(
        Inputs {
            schemes_dir: Path::new(SCHEMES),
            data: &tmp.path().join("data"),
            mapping: None,
        },
        Period::parse("2026-11").unwrap(),
        &Close {
            previous: None,
            from_zero: false,
            true_ups: vec![oct],
            current_rules: true,
        },
    )
    .unwrap();
    let audit = render(&read_sheets(&payouts(&run, Lang::En)), "Audit", |_| true);
    assert!(
        audit.contains(
            "\"recomputed with the current schemes (--rules current), not the recorded ones\""
        ),
        "{audit}"
    );
    assert!(!audit.contains("rules recorded"), "{audit}");
}

/// An adjustments row's text that looks like a formula is written as text in the workbook and
/// the statement: the Adjustments sheet's only formulas are the guarantees' closing balances.
#[test]
fn formula_looking_reasons_stay_text() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    common::copy_dir(&common::crate_path(DATA), &data);
    let text = std::fs::read_to_string(data.join("adjustments.csv")).unwrap();
    let text = text
        .replace(
            "September meetings were miscounted",
            "\"=HYPERLINK(\"\"http://x\"\",\"\"click\"\")\"",
        )
        .replace("two meetings of 2026-09-29 missing from the CRM", "-2+3")
        .replace(",Head of sales,,\n", ",@SUM(A1),+1,\n");
    std::fs::write(data.join("adjustments.csv"), text).unwrap();
    let run = compute(
        Inputs {
            schemes_dir: Path::new(SCHEMES),
            data: &data,
            mapping: None,
        },
        Period::parse("2026-10").unwrap(),
        &Close {
            from_zero: true,
            ..Close::default()
        },
    )
    .unwrap();
    let sheets = read_sheets(&payouts(&run, Lang::En));
    let cells = &sheets.iter().find(|(n, _)| n == "Adjustments").unwrap().1;
    let seen: Vec<&str> = cells
        .values()
        .filter_map(|cell| match &cell.value {
            Data::String(s)
                if [
                    "=HYPERLINK(\"http://x\",\"click\")",
                    "-2+3",
                    "@SUM(A1)",
                    "+1",
                ]
                .contains(&s.as_str()) =>
            {
                assert_eq!(cell.formula, None, "{s}");
                Some(s.as_str())
            }
            _ => None,
        })
        .collect();
    // E1's reason and note, and both of E2's October rows' approver and reference.
    assert_eq!(seen.len(), 6, "{seen:?}");
    let formulas: Vec<String> = cells
        .iter()
        .filter(|(_, cell)| cell.formula.is_some())
        .map(|((r, c), _)| format!("{}{}", column_name(*c), r + 1))
        .collect();
    assert_eq!(formulas, ["K12"]);
    let i = index_of(&run, "E1");
    let statement = incentive::report::statements(&run, &context(Lang::En)).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(statement[i].1.clone())).unwrap();
    let name = wb.sheet_names()[0].clone();
    let f = wb.worksheet_formula(&name).unwrap();
    assert_eq!(f.used_cells().filter(|c| !c.2.is_empty()).count(), 0);
    let values = wb.worksheet_range(&name).unwrap();
    assert!(
        values
            .used_cells()
            .any(|c| c.2 == &Data::String("=HYPERLINK(\"http://x\",\"click\")".into()))
    );
}
