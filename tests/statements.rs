//! Employee statements on the reference period: nothing about anyone else, the engine's exact
//! amounts, the same content as text, byte-identical when generated twice.

use calamine::{Data, Reader, Xlsx};
use incentive::period::Period;
use incentive::report::labels::{Labels, Lang};
use incentive::report::statement::{statement_text, statements};
use incentive::report::{Context, money};
use incentive::run::{self, RunResult};
use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

#[path = "scope/data.rs"]
mod scope_data;

/// One employee of each scheme: a mid-month joiner (b2b), a leaver (transactional), an account
/// manager whose name looks like a formula.
const SAMPLES: [&str; 3] = ["E002", "E008", "E016"];

fn compute() -> RunResult {
    run::compute(
        Path::new("schemes"),
        Path::new("tests/fixtures/reference/2026-09.xlsx"),
        Period::parse("2026-09").unwrap(),
    )
    .expect("the reference period is valid input")
}

fn context(lang: Lang) -> Context {
    Context::new(Labels::new(lang), "cmd".into())
}

fn index_of(run: &RunResult, id: &str) -> usize {
    run.employees
        .iter()
        .position(|e| e.employee.id == id)
        .unwrap_or_else(|| panic!("{id} is in the reference roster"))
}

fn column_name(mut c: u32) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, (b'A' + (c % 26) as u8) as char);
        if c < 26 {
            return s;
        }
        c = c / 26 - 1;
    }
}

fn cell_text(d: &Data) -> Option<String> {
    match d {
        Data::Empty => None,
        Data::String(s) if s.is_empty() => None,
        Data::String(s) => Some(s.clone()),
        Data::Float(f) => Some(f.to_string()),
        Data::Int(i) => Some(i.to_string()),
        Data::Bool(b) => Some(b.to_string()),
        Data::DateTime(dt) => Some(match dt.as_datetime() {
            Some(t) => t.date().to_string(),
            None => format!("{dt}"),
        }),
        other => Some(format!("{other}")),
    }
}

/// Every sheet of a workbook: (sheet name, [(A1 reference, cell value, the cell itself)]).
type Sheet = (String, Vec<(String, String, Data)>);

fn read_sheets(bytes: &[u8]) -> Vec<Sheet> {
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec()))
        .expect("a statement opens as xlsx");
    let names = wb.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).expect("the sheet reads");
            let (r0, c0) = range.start().unwrap_or((0, 0));
            let cells = range
                .used_cells()
                .filter_map(|(r, c, d)| {
                    let text = cell_text(d)?;
                    let at = format!("{}{}", column_name(c as u32 + c0), r as u32 + r0 + 1);
                    Some((at, text, d.clone()))
                })
                .collect();
            (name, cells)
        })
        .collect()
}

fn render_sheets(sheets: &[Sheet]) -> String {
    let mut out = String::new();
    for (name, cells) in sheets {
        out += &format!("== {name} ==\n");
        for (at, text, _) in cells {
            out += &format!("{at} | {text}\n");
        }
    }
    out
}

/// Every value of a statement as the privacy check sees it: text as written, numbers also with
/// two decimals (the way an amount is written).
fn cell_values(sheets: &[Sheet]) -> Vec<String> {
    let mut out = Vec::new();
    for (_, cells) in sheets {
        for (_, text, d) in cells {
            out.push(text.clone());
            if let Data::Float(f) = d {
                out.push(format!("{f:.2}"));
            }
        }
    }
    out
}

struct Person {
    id: String,
    name: String,
    /// The total with two decimals.
    total: String,
}

/// What of other people's ids, names and totals appears among a statement's values.
/// `own_amounts` are the statement's own money values (its total, KPI amounts, target bonus): a
/// foreign total equal to one of them is not evidence of a leak.
fn leaks(values: &[String], others: &[Person], own_amounts: &[String]) -> Vec<String> {
    // Whole numbers as written in the values ("3 468 000.00 ₸" is one number, 3468000.00, and
    // does not contain 468000.00).
    let compact: Vec<String> = values.iter().flat_map(|v| number_tokens(v)).collect();
    let mut found = Vec::new();
    for p in others {
        if values.iter().any(|v| v.contains(&p.id)) {
            found.push(format!("id {}", p.id));
        }
        if values.iter().any(|v| v.contains(&p.name)) {
            found.push(format!("name {:?} of {}", p.name, p.id));
        }
        if p.total != "0.00" && !own_amounts.contains(&p.total) && compact.contains(&p.total) {
            found.push(format!("total {} of {}", p.total, p.id));
        }
    }
    found
}

/// The numbers written in a text: digits with space/no-break-space thousands separators and a
/// `.` or `,` decimal point, normalised to `1234.56`.
fn number_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let next_digit = chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        match c {
            '0'..='9' => cur.push(*c),
            ' ' | '\u{a0}' if !cur.is_empty() && next_digit => {}
            '.' | ',' if !cur.is_empty() && next_digit => cur.push('.'),
            _ => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[test]
fn number_tokens_are_whole_numbers() {
    assert_eq!(
        number_tokens("3 468 000.00 ₸ of 468 000,00"),
        ["3468000.00", "468000.00"]
    );
    assert_eq!(number_tokens("468000.00"), ["468000.00"]);
}

#[test]
fn the_leak_check_catches_planted_foreign_data() {
    let others = vec![
        Person {
            id: "E005".into(),
            name: "Timur Bekov".into(),
            total: "398000.00".into(),
        },
        Person {
            id: "E014".into(),
            name: "Дмитрий Bekov".into(),
            total: "0.00".into(),
        },
    ];
    let clean = vec![
        "E002".to_string(),
        "Игорь Петрова".into(),
        "112177.81".into(),
    ];
    assert!(leaks(&clean, &others, &[]).is_empty());
    let plant = |v: &str| {
        let mut cells = clean.clone();
        cells.push(v.to_string());
        leaks(&cells, &others, &[])
    };
    assert_eq!(plant("E005"), ["id E005"]);
    assert_eq!(plant("see E005 too"), ["id E005"]);
    assert_eq!(plant("Timur Bekov"), ["name \"Timur Bekov\" of E005"]);
    assert_eq!(plant("398000.00"), ["total 398000.00 of E005"]);
    assert_eq!(plant("→ 398 000.00 ₸"), ["total 398000.00 of E005"]);
    assert_eq!(plant("398 000,00 ₸"), ["total 398000.00 of E005"]);
    // A zero total, or one equal to the statement's own amount, says nothing about anyone.
    assert!(plant("0.00").is_empty());
    let mut cells = clean.clone();
    cells.push("398000.00".into());
    assert!(leaks(&cells, &others, &["398000.00".into()]).is_empty());
}

#[test]
fn every_statement_holds_only_its_own_employee() {
    check_privacy(&compute());
}

/// The same on the sample October period: 30 people, many of them with similar amounts.
#[test]
fn every_sample_statement_holds_only_its_own_employee() {
    let run = run::compute(
        Path::new("schemes"),
        Path::new("samples/2026-10-csv"),
        Period::parse("2026-10").unwrap(),
    )
    .unwrap();
    check_privacy(&run);
}

/// Team and reports metrics (tests/scope.rs's month): every statement holds only its own
/// employee; a scoped metric shows the figure and how many rows fed it, never a colleague's
/// row, while the employee's own metrics still list their rows.
#[test]
fn statements_with_team_and_reports_metrics_hold_only_their_own_employee() {
    let tmp = tempfile::tempdir().unwrap();
    scope_data::write(tmp.path(), scope_data::EMPLOYEES);
    let run = run::compute(
        &tmp.path().join("schemes"),
        &tmp.path().join("data"),
        Period::parse("2026-10").unwrap(),
    )
    .unwrap();
    check_privacy(&run);
    let cx = context(Lang::En);
    let s1 = statement_text(&run, index_of(&run, "S1"), &cx);
    assert!(
        s1.contains("the team's figure, from 4 rows of everyone with your team"),
        "{s1}"
    );
    assert!(s1.contains("D1"), "S1's own deal is listed: {s1}");
    for colleague in ["D2", "D3", "D4", "D9"] {
        assert!(!s1.contains(colleague), "S1 shows {colleague}: {s1}");
    }
    let h1 = statement_text(&run, index_of(&run, "H1"), &cx);
    assert!(
        h1.contains("the figure of you and everyone reporting to you, from 5 rows"),
        "{h1}"
    );
    for deal in ["D1", "D2", "D3", "D4", "D9"] {
        assert!(!h1.contains(deal), "H1 lists {deal}: {h1}");
    }
    insta::assert_snapshot!("text_S1_team", s1);
    insta::assert_snapshot!("text_H1_reports", h1);
}

fn check_privacy(run: &RunResult) {
    let files = statements(run, &context(Lang::En)).unwrap();
    assert_eq!(files.len(), run.employees.len());
    let everyone: Vec<Person> = run
        .employees
        .iter()
        .map(|e| Person {
            id: e.employee.id.clone(),
            name: e.employee.name.clone(),
            total: money(e.score.total),
        })
        .collect();
    for (e, (file, bytes)) in run.employees.iter().zip(&files) {
        assert_eq!(*file, format!("statements/{}.xlsx", e.employee.id));
        let values = cell_values(&read_sheets(bytes));
        assert!(
            values.contains(&e.employee.id),
            "{file}: its own employee_id is shown"
        );
        assert!(
            values.contains(&e.employee.name),
            "{file}: its own name is shown as written"
        );
        // The employee's own numbers, source rows included: one of their deals may happen to
        // equal someone else's total, which is no leak.
        let evidence_values = e.evidence.iter().flat_map(|m| match &m.evidence {
            incentive::metrics::Evidence::Rows(rows) => rows
                .iter()
                .filter_map(|r| {
                    r.value
                        .as_ref()
                        .and_then(|v| incentive::num::round_exact(v, 2))
                })
                .collect(),
            incentive::metrics::Evidence::PerDay(_) => Vec::new(),
        });
        let own_amounts: Vec<String> = std::iter::once(e.score.total)
            .chain(e.score.kpis.iter().map(|k| k.amount))
            .chain(std::iter::once(e.employee.target_bonus))
            .chain(evidence_values)
            .map(money)
            .collect();
        let others: Vec<Person> = everyone
            .iter()
            .filter(|p| p.id != e.employee.id)
            .map(|p| Person {
                id: p.id.clone(),
                name: p.name.clone(),
                total: p.total.clone(),
            })
            .collect();
        let found = leaks(&values, &others, &own_amounts);
        assert!(
            found.is_empty(),
            "{file} shows other people's data: {found:?}"
        );
    }
}

/// The per-KPI amounts of the expected breakdown: (employee_id, kpi) → amount.
fn expected_amounts() -> BTreeMap<(String, String), String> {
    let mut r =
        csv::Reader::from_path("tests/fixtures/reference/2026-09.expected-breakdown.csv").unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            ((rec[0].to_string(), rec[2].to_string()), rec[6].to_string())
        })
        .collect()
}

#[test]
fn statement_workbooks() {
    let run = compute();
    let files = statements(&run, &context(Lang::En)).unwrap();
    let expected = expected_amounts();
    for id in SAMPLES {
        let i = index_of(&run, id);
        let sheets = read_sheets(&files[i].1);
        let names: Vec<&str> = sheets.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(names, ["Statement", "Source rows"]);

        // The amount column of the KPI table holds the engine's exact amounts.
        let cells = &sheets[0].1;
        let header_row = cells
            .iter()
            .find(|(at, text, _)| at.starts_with('I') && text == "amount")
            .map(|(at, _, _)| at[1..].parse::<u32>().unwrap())
            .expect("the KPI table has an amount column");
        let scheme = &run.schemes[run.employees[i].employee.scheme];
        for (k, kpi) in scheme.kpis.iter().enumerate() {
            let at = format!("I{}", header_row + 1 + k as u32);
            let cell = cells.iter().find(|c| c.0 == at).expect("an amount cell");
            let Data::Float(v) = cell.2 else {
                panic!("{id} {at}: the amount is a number");
            };
            assert_eq!(
                format!("{v:.2}"),
                expected[&(id.to_string(), kpi.id.clone())],
                "{id} {}",
                kpi.id
            );
        }
        insta::assert_snapshot!(format!("xlsx_{id}"), render_sheets(&sheets));
    }
}

#[test]
fn statement_texts() {
    let run = compute();
    let en = context(Lang::En);
    for id in SAMPLES {
        let text = statement_text(&run, index_of(&run, id), &en);
        insta::assert_snapshot!(format!("text_{id}"), text);
    }
    // In Russian the scheme's own KPI names are Russian too (`name: { en: …, ru: … }`).
    let ru = context(Lang::Ru);
    let mut run = run;
    incentive::report::localize(&mut run, &ru.labels);
    let text = statement_text(&run, index_of(&run, "E016"), &ru);
    assert!(text.contains("Удержание клиентов"), "{text}");
    insta::assert_snapshot!("text_E016_ru", text);
}

#[test]
fn the_text_says_what_the_workbook_says() {
    let run = compute();
    let cx = context(Lang::En);
    let files = statements(&run, &cx).unwrap();
    for id in SAMPLES {
        let i = index_of(&run, id);
        let text = statement_text(&run, i, &cx);
        let sheets = read_sheets(&files[i].1);
        // Every plain-language line and every text cell of the workbook is in the text.
        for (_, cells) in &sheets {
            for (at, value, d) in cells {
                if matches!(d, Data::String(_))
                    && !["chart data", "100% line"].contains(&value.as_str())
                {
                    assert!(text.contains(value.as_str()), "{id} {at}: {value:?}");
                }
            }
        }
    }
}

#[test]
fn statements_are_byte_identical_when_generated_twice() {
    let cx = context(Lang::En);
    let first = statements(&compute(), &cx).unwrap();
    let second = statements(&compute(), &cx).unwrap();
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.0, b.0);
        assert!(a.1 == b.1, "{}: the bytes differ between two runs", a.0);
        // Each statement carries its chart (the zip's entry names are stored as plain text).
        let name = b"xl/charts/chart1.xml";
        assert!(
            a.1.windows(name.len()).any(|w| w == name),
            "{}: has a chart",
            a.0
        );
    }
    let ru = statements(&compute(), &context(Lang::Ru)).unwrap();
    assert_eq!(ru.len(), first.len());
    assert_ne!(ru[0].1, first[0].1, "the Russian labels are in the file");
}

/// A scheme with `ranking: top3` shows the names of its top 3 — and only those, never the rest.
#[test]
fn ranking_top3_shows_the_top_three_names_only() {
    let tmp = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir("schemes").unwrap() {
        let p = e.unwrap().path();
        let mut text = std::fs::read_to_string(&p).unwrap();
        if p.file_stem().unwrap() == "b2b-long-cycle" {
            text = text.replace("currency: KZT\n", "currency: KZT\nranking: top3\n");
        }
        std::fs::write(tmp.path().join(p.file_name().unwrap()), text).unwrap();
    }
    let run = run::compute(
        tmp.path(),
        Path::new("tests/fixtures/reference/2026-09.xlsx"),
        Period::parse("2026-09").unwrap(),
    )
    .unwrap();
    let i = index_of(&run, "E002");
    let text = statement_text(&run, i, &context(Lang::En));
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("top 3"))
        .expect("a top 3 line");
    // b2b totals: E004 472 334.86, E006 430 379.93, E003 406 376.70, E005 398 000.00, …
    let names =
        ["E004", "E006", "E003"].map(|id| run.employees[index_of(&run, id)].employee.name.clone());
    assert!(line.ends_with(&names.join(", ")), "{line}");
    for below in ["E005", "E001"] {
        let name = &run.employees[index_of(&run, below)].employee.name;
        assert!(
            !text.contains(name.as_str()),
            "{below} is not in the top 3: {text}"
        );
    }
    // The presets keep the default: no names at all (the privacy test covers every statement).
    let plain = statement_text(&compute(), index_of(&compute(), "E002"), &context(Lang::En));
    assert!(!plain.lines().any(|l| l.trim_start().starts_with("top 3")));
}
