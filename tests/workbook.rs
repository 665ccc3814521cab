//! payouts.xlsx on the reference period: every sheet read back, byte-reproducible, no text turned
//! into a formula, and recalculated by a real spreadsheet engine (LibreOffice) to the same values.

mod common;

use calamine::Data;
use incentive::period::Period;
use incentive::report::Context;
use incentive::report::labels::{Labels, Lang};
use incentive::run::{self, RunResult};
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use std::time::Instant;

const COMMAND: &str = "incentive run --data tests/fixtures/reference/2026-09.xlsx --period 2026-09 --schemes schemes --lang en";

fn compute() -> RunResult {
    run::compute(
        Path::new("schemes"),
        Path::new("tests/fixtures/reference/2026-09.xlsx"),
        Period::parse("2026-09").unwrap(),
    )
    .expect("the reference period is valid input")
}

/// The sample October period (samples/, made by examples/generate_samples.rs): 30 more people.
fn compute_sample() -> RunResult {
    run::compute(
        Path::new("schemes"),
        Path::new("samples/2026-10.xlsx"),
        Period::parse("2026-10").unwrap(),
    )
    .expect("the sample period is valid input")
}

/// The small amoCRM export of the samples read through the sample company's mapping: the Data
/// report ends with what became of every source row.
fn compute_mapped() -> RunResult {
    run::compute_mapped(
        Path::new("schemes"),
        Path::new("samples/2026-10-amocrm"),
        Some("mappings/examples/sample-amocrm.yaml"),
        Period::parse("2026-10").unwrap(),
    )
    .expect("the amoCRM sample is valid input")
}

#[test]
fn a_mapped_run_accounts_for_every_source_row_in_the_data_report() {
    let sheets = read_sheets(&payouts(&compute_mapped(), Lang::En));
    let one: Sheets = sheets
        .iter()
        .filter(|(n, _)| n == "Data report")
        .cloned()
        .collect();
    insta::assert_snapshot!("data_report_mapped", render(&one));
    let ru = read_sheets(&payouts(&compute_mapped(), Lang::Ru));
    let text = render(&ru);
    assert!(
        text.contains("Выгрузка CRM, прочитанная через сопоставление"),
        "{text}"
    );
}

/// The mini fixture with the transactional scheme paid in USD and its employee in the same team
/// as a KZT colleague: totals per currency and a team total split by currency.
fn compute_two_currencies() -> RunResult {
    let tmp = tempfile::tempdir().unwrap();
    let (schemes, data) = (tmp.path().join("schemes"), tmp.path().join("data"));
    for (from, to) in [("schemes", &schemes), ("tests/fixtures/mini", &data)] {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let text = if path.ends_with("transactional.yaml") {
                text.replace("currency: KZT", "currency: USD")
            } else {
                text.replace(",Inside sales,", ",Enterprise,")
            };
            std::fs::write(to.join(path.file_name().unwrap()), text).unwrap();
        }
    }
    run::compute(&schemes, &data, Period::parse("2026-10").unwrap())
        .expect("the mini period is valid input")
}

/// The sample October period with a KPI in observation in the transactional scheme and a
/// candidate scheme beside it for the transactional people: the Summary's totals must leave the
/// observed amounts out, also when a spreadsheet recalculates them.
fn compute_observed() -> RunResult {
    let tmp = tempfile::tempdir().unwrap();
    let (schemes, data) = (tmp.path().join("schemes"), tmp.path().join("data"));
    for (from, to) in [("schemes", &schemes), ("samples/2026-10-csv", &data)] {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let mut text = std::fs::read_to_string(&path).unwrap();
            if path.ends_with("transactional.yaml") {
                // The preset's metrics are the catalogue's: calls_5min is the scheme's own.
                assert!(
                    !text.contains("\nmetrics:"),
                    "transactional.yaml defines no metrics"
                );
                text = text.replace(
                    "\nkpis:\n",
                    "\nmetrics:\n  calls_5min: { count: calls, where: { direction: outgoing, duration_sec: { at_least: 300 }, started_at: in_period } }\nkpis:\n",
                );
                text.push_str("  - { id: calls_5min, observe: yes, weight: 20%, metric: calls_5min, target: 250 }\n");
            } else if path.ends_with("employees.csv") {
                text = text
                    .lines()
                    .map(|l| {
                        if l.starts_with("employee_id") {
                            format!("{l},observe_scheme\n")
                        } else if l.contains(",transactional,") {
                            format!("{l},transactional-5min\n")
                        } else {
                            format!("{l},\n")
                        }
                    })
                    .collect();
            }
            std::fs::write(to.join(path.file_name().unwrap()), text).unwrap();
        }
    }
    let result = run::compute(&schemes, &data, Period::parse("2026-10").unwrap())
        .expect("the observed sample is valid input");
    assert!(
        result
            .employees
            .iter()
            .any(|e| e.score.kpis.iter().any(|k| k.observed))
    );
    result
}

/// The month-end close fixture (tests/fixtures/close-mini), October, final, balances from
/// zero: a cap, a guarantee top-up, adjustments of every kind.
fn compute_close_mini() -> RunResult {
    incentive::close::compute(
        incentive::close::Inputs {
            schemes_dir: Path::new("tests/fixtures/close-mini/schemes"),
            data: Path::new("tests/fixtures/close-mini/data"),
            mapping: None,
        },
        Period::parse("2026-10").unwrap(),
        &incentive::close::Close {
            previous: None,
            from_zero: true,
            true_ups: vec![],
            current_rules: false,
        },
    )
    .expect("close-mini October is valid input")
}

/// November of the close fixture truing up its final October after deal D1 was refunded (and
/// October's adjustments rows dropped): a true-up line, and a guarantee with an opening balance.
fn compute_close_november() -> RunResult {
    let tmp = tempfile::tempdir().unwrap();
    let (oct, data) = (tmp.path().join("x"), tmp.path().join("data"));
    let mut cx = Context::new(Labels::new(Lang::En), COMMAND.into());
    cx.final_run = true;
    for (path, bytes) in incentive::report::run_files(&compute_close_mini(), &cx).unwrap() {
        let path = oct.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    common::copy_dir(Path::new("tests/fixtures/close-mini/data"), &data);
    let deals = std::fs::read_to_string(data.join("deals.csv")).unwrap();
    let deals: String = deals
        .lines()
        .map(|l| match l.strip_prefix("D1,") {
            Some(_) => format!("{l}2026-11-05\n"),
            None => format!("{l}\n"),
        })
        .collect();
    std::fs::write(data.join("deals.csv"), deals).unwrap();
    let adjustments = std::fs::read_to_string(data.join("adjustments.csv")).unwrap();
    let kept: String = adjustments
        .lines()
        .filter(|l| !l.contains(",2026-10,"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(data.join("adjustments.csv"), kept).unwrap();
    let result = incentive::close::compute(
        incentive::close::Inputs {
            schemes_dir: Path::new("tests/fixtures/close-mini/schemes"),
            data: &data,
            mapping: None,
        },
        Period::parse("2026-11").unwrap(),
        &incentive::close::Close {
            previous: None,
            from_zero: false,
            true_ups: vec![oct],
            current_rules: false,
        },
    )
    .expect("close-mini November is valid input");
    let kinds: Vec<&str> = result
        .employees
        .iter()
        .flat_map(|e| e.payout.lines.iter().map(|l| l.kind.code()))
        .collect();
    assert_eq!(kinds, ["true_up", "guarantee"]);
    result
}

fn payouts(result: &RunResult, lang: Lang) -> Vec<u8> {
    let payroll = incentive::report::payroll_csv(result).unwrap();
    incentive::report::payouts_xlsx(
        result,
        &Context::new(Labels::new(lang), COMMAND.into()),
        &payroll,
    )
    .expect("payouts.xlsx is written")
}

/// One cell as read back: its value (the cached result for a formula) and its formula.
use common::sheets::{Cell, Sheets, cell_name, column_name, read_sheets, value_text};

/// `A1 | value | =formula`, one line per non-empty cell, each sheet under its name.
fn render(sheets: &Sheets) -> String {
    let mut out = String::new();
    for (name, cells) in sheets {
        out.push_str(&format!("== {name}\n"));
        for ((r, c), cell) in cells {
            out.push_str(&format!(
                "{} | {}",
                cell_name(*r, *c),
                value_text(&cell.value)
            ));
            if let Some(f) = &cell.formula {
                out.push_str(&format!(" | ={f}"));
            }
            out.push('\n');
        }
    }
    out
}

fn sheet<'a>(sheets: &'a Sheets, name: &str) -> &'a BTreeMap<(u32, u32), Cell> {
    &sheets
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no sheet {name}"))
        .1
}

#[test]
fn every_sheet_read_back() {
    let result = compute();
    let sheets = read_sheets(&payouts(&result, Lang::En));
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
    for (name, _) in &sheets {
        let one: Sheets = sheets.iter().filter(|(n, _)| n == name).cloned().collect();
        insta::assert_snapshot!(name.replace(' ', "_").to_lowercase(), render(&one));
    }
}

#[test]
fn byte_identical_when_written_twice() {
    let result = compute();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.xlsx"), dir.path().join("b.xlsx"));
    std::fs::write(&a, payouts(&result, Lang::En)).unwrap();
    std::fs::write(&b, payouts(&compute(), Lang::En)).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn formulas_only_where_the_engine_writes_them() {
    let result = compute();
    let sheets = read_sheets(&payouts(&result, Lang::En));
    let cols =
        |letters: &[&str]| -> BTreeSet<String> { letters.iter().map(|s| s.to_string()).collect() };
    let expected: BTreeMap<&str, BTreeSet<String>> = [
        // attainment n, amount n (4 KPI slots), bonus, adjustments, amount; the scheme/team
        // totals blocks' bonus, adjustments and amount in D, E, F
        (
            "Summary",
            cols(&[
                "D", "E", "F", "I", "J", "L", "M", "O", "P", "R", "S", "T", "U", "V",
            ]),
        ),
        // share, attainment, amount
        ("Breakdown", cols(&["J", "N", "R"])),
        // no lines in the reference period: no formulas
        ("Adjustments", cols(&[])),
        // attainment (from the Breakdown)
        ("Flags", cols(&["F"])),
        // the rows-read check
        ("Data report", cols(&["J"])),
        // totals and the control
        ("Audit", cols(&["B"])),
    ]
    .into_iter()
    .collect();
    for (name, cells) in &sheets {
        let got: BTreeSet<String> = cells
            .iter()
            .filter(|(_, c)| c.formula.is_some())
            .map(|((_, c), _)| column_name(*c))
            .collect();
        assert_eq!(&got, &expected[name.as_str()], "formula columns of {name}");
        // In the Summary's employee rows column D is the scheme id, never a formula.
        if name == "Summary" {
            for e in 1..=result.employees.len() as u32 {
                assert_eq!(cells[&(e, 3)].formula, None);
            }
        }
    }
    // The Breakdown's formulas work on their own row's cells.
    for ((r, c), cell) in sheet(&sheets, "Breakdown")
        .iter()
        .filter(|((r, _), _)| *r > 0)
    {
        let (f, n) = (cell.formula.as_deref(), r + 1);
        match column_name(*c).as_str() {
            "J" => assert_eq!(f, Some(format!("H{n}/I{n}").as_str())),
            "N" => assert_eq!(f, Some(format!("IF(M{n}=0,\"\",L{n}/M{n})").as_str())),
            "R" => assert_eq!(f, Some(format!("ROUND(G{n}*J{n}*K{n}*Q{n},2)").as_str())),
            _ => {}
        }
    }
    // Every formula carries a cached value (that each is the right one is for the
    // recalculation test).
    for (name, cells) in &sheets {
        for ((r, c), cell) in cells {
            if cell.formula.is_some() {
                assert_ne!(cell.value, Data::Empty, "{name}!{}", cell_name(*r, *c));
            }
        }
    }
    // Names that look like formulas are plain text wherever they appear.
    let tricky = [
        "=HYPERLINK(\"http://x\",\"click\")",
        "-Сергей Ли",
        "@Анна+Ким",
    ];
    for name in tricky {
        assert!(result.employees.iter().any(|e| e.employee.name == name));
        let mut seen = 0;
        for (sheet_name, cells) in &sheets {
            for ((r, c), cell) in cells {
                if cell.value == Data::String(name.to_string()) {
                    assert_eq!(cell.formula, None, "{sheet_name}!{}", cell_name(*r, *c));
                    seen += 1;
                }
            }
        }
        // Summary, 4 Breakdown rows, and Flags rows.
        assert!(seen >= 5, "{name} seen {seen} times");
    }
}

#[test]
fn spreadsheet_round_gives_the_engine_amounts() {
    // ROUND(target bonus * share * weight * factor, 2) in binary floats, as Excel and
    // LibreOffice compute it from the Breakdown cells, against the engine's exact amounts, on
    // the reference and the sample periods. The workbook's own check (it lists any difference
    // on the Flags sheet) must agree with this one.
    let f = |d: Decimal| d.to_string().parse::<f64>().unwrap();
    let mut disagreements = Vec::new();
    let mut closest = f64::INFINITY;
    for result in [compute(), compute_sample()] {
        for e in &result.employees {
            let scheme = &result.schemes[e.employee.scheme];
            let share = e.employment.days_employed as f64 / e.employment.days_in_period as f64;
            for (kpi, s) in scheme.kpis.iter().zip(&e.score.kpis) {
                let factor = num_traits::ToPrimitive::to_f64(&s.factor).unwrap();
                let x = f(e.employee.target_bonus) * share * f(kpi.weight) * factor;
                let sheet = incentive::report::workbook::spreadsheet_round2(x).unwrap();
                if sheet != s.amount {
                    disagreements.push(format!(
                        "{} {} {}: spreadsheet {sheet}, engine {}",
                        result.period, e.employee.id, kpi.id, s.amount
                    ));
                }
                // How far the float lies from a half cent, where rounding would flip.
                let cents = x * 100.0;
                closest = closest.min((cents - cents.floor() - 0.5).abs());
            }
        }
        let flags = read_sheets(&payouts(&result, Lang::En));
        let listed = sheet(&flags, "Flags")
            .values()
            .filter(|c| matches!(&c.value, Data::String(t) if t.contains("ROUND")))
            .count();
        assert_eq!(
            listed, 0,
            "{}: the Flags sheet lists a ROUND difference",
            result.period
        );
    }
    eprintln!("closest KPI amount to a half cent: {closest:e} cents");
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

#[test]
fn russian_labels() {
    let result = compute();
    let sheets = read_sheets(&payouts(&result, Lang::Ru));
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Сводка",
            "Расшифровка",
            "Корректировки",
            "Отметки",
            "Отчёт о данных",
            "Аудит"
        ]
    );
    let summary = sheet(&sheets, "Сводка");
    let header: Vec<String> = (0..9)
        .map(|c| value_text(&summary[&(0, c)].value))
        .collect();
    assert_eq!(
        header,
        [
            "\"табельный номер\"",
            "\"имя\"",
            "\"команда\"",
            "\"схема\"",
            "\"валюта\"",
            "\"целевой бонус\"",
            "\"пропорция по дням\"",
            "\"KPI 1\"",
            "\"выполнение 1\"",
        ]
    );
    // Formulas refer to the Russian sheet names, quoted where needed.
    assert_eq!(summary[&(1, 9)].formula.as_deref(), Some("Расшифровка!R2"));
    let audit = sheet(&sheets, "Аудит");
    assert!(
        audit
            .values()
            .any(|c| c.formula.as_deref().is_some_and(|f| f.contains("Сводка!")))
    );
    // Same numbers as in English.
    let en = read_sheets(&payouts(&result, Lang::En));
    let numbers = |s: &Sheets| -> Vec<Vec<Data>> {
        s.iter()
            .map(|(_, cells)| {
                cells
                    .values()
                    .filter(|c| matches!(c.value, Data::Float(_) | Data::Bool(_)))
                    .map(|c| c.value.clone())
                    .collect()
            })
            .collect()
    };
    assert_eq!(numbers(&sheets), numbers(&en));
}

// ---------------------------------------------------------------------------------------------
// Recalculation in LibreOffice.

/// A copy of the workbook rebuilt from what was read back, with every formula's cached value
/// deliberately wrong: whatever LibreOffice then shows for a formula it computed itself.
fn wrong_cached_copy(sheets: &Sheets) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, cells) in sheets {
        let ws = wb.add_worksheet().set_name(name).unwrap();
        for ((r, c), cell) in cells {
            let (r, c) = (*r, *c as u16);
            match (&cell.formula, &cell.value) {
                (Some(f), Data::Bool(b)) => {
                    let wrong = if *b { "FALSE" } else { "TRUE" };
                    ws.write_formula(r, c, rust_xlsxwriter::Formula::new(f).set_result(wrong))
                        .unwrap();
                }
                (Some(f), _) => {
                    ws.write_formula(
                        r,
                        c,
                        rust_xlsxwriter::Formula::new(f).set_result("-987654.25"),
                    )
                    .unwrap();
                }
                (None, Data::Float(v)) => {
                    ws.write_number(r, c, *v).unwrap();
                }
                (None, Data::Bool(b)) => {
                    ws.write_boolean(r, c, *b).unwrap();
                }
                (None, Data::String(s)) => {
                    ws.write_string(r, c, s).unwrap();
                }
                (None, other) => panic!("unexpected cell {other:?}"),
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

const RECALC_ALWAYS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"#;

/// Converts `files` to xlsx with LibreOffice, recalculating every formula on load.
fn libreoffice_recalc(work: &Path, files: &[PathBuf]) -> PathBuf {
    let profile = work.join("profile");
    std::fs::create_dir_all(profile.join("user")).unwrap();
    std::fs::write(
        profile.join("user/registrymodifications.xcu"),
        RECALC_ALWAYS,
    )
    .unwrap();
    let out = work.join("recalculated");
    common::soffice_convert(&profile, "xlsx", &out, files);
    out
}

/// The recalculated cell's value matches the cached one: ROUND results exactly (to the cent and
/// to the bit), other numbers exactly or within 1e-12 relative, booleans and text exactly.
fn assert_same_value(place: &str, formula: Option<&str>, cached: &Data, recalculated: &Data) {
    match (cached, recalculated) {
        (Data::Float(a), Data::Float(b)) => {
            if formula.is_some_and(|f| f.starts_with("ROUND(")) {
                assert_eq!(
                    (a * 100.0).round(),
                    (b * 100.0).round(),
                    "{place} ={formula:?}: cached {a}, recalculated {b}"
                );
                assert_eq!(a, b, "{place} ={formula:?}");
            } else {
                let ok = a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs());
                assert!(ok, "{place} ={formula:?}: cached {a}, recalculated {b}");
            }
        }
        (Data::Bool(a), Data::Bool(b)) => assert_eq!(a, b, "{place} ={formula:?}"),
        (a, b) => assert_eq!(a, b, "{place} ={formula:?}"),
    }
}

/// Amounts whose exact value is a half cent (target bonus × days/30 × weight × factor), many of
/// whose float products fall just below the half: the spreadsheet's ROUND must still round them
/// up, as the engine does (half away from zero on the exact value).
fn half_cent_cases() -> Vec<([f64; 4], Decimal)> {
    let d = |s: &str| s.parse::<Decimal>().unwrap();
    let mut cases = Vec::new();
    for tb in [
        "123456.7", "250000.5", "333333.3", "100000.1", "12345.67", "200000.7",
    ] {
        for w in ["0.15", "0.2", "0.25", "0.3", "0.35", "0.45"] {
            for days in [1, 7, 10, 15, 16, 29, 30] {
                for factor in ["1", "1.3", "0.9", "0.85", "1.15", "1.05"] {
                    let exact = d(tb) * d(w) * d(factor) * Decimal::from(days) / Decimal::from(30);
                    let cents = exact * Decimal::ONE_HUNDRED;
                    if cents - cents.floor() == d("0.5") {
                        let f = |s: &str| s.parse::<f64>().unwrap();
                        cases.push(([f(tb), days as f64, f(w), f(factor)], exact));
                    }
                }
            }
        }
    }
    cases
}

/// A workbook of `ROUND(tb*share*weight*factor,2)` over cells, like the Breakdown's, one row per
/// half-cent case (A tb, B days, C days in period, D share, E weight, F factor, G amount).
fn half_cent_workbook(cases: &[([f64; 4], Decimal)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (i, ([tb, days, w, factor], _)) in cases.iter().enumerate() {
        let (r, n) = (i as u32, i + 1);
        for (c, v) in [(0, *tb), (1, *days), (2, 30.0), (4, *w), (5, *factor)] {
            ws.write_number(r, c, v).unwrap();
        }
        ws.write_formula(r, 3, format!("B{n}/C{n}").as_str())
            .unwrap();
        ws.write_formula(r, 6, format!("ROUND(A{n}*D{n}*E{n}*F{n},2)").as_str())
            .unwrap();
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn libreoffice_recalculates_to_the_cached_values() {
    // Never a green no-op: without LibreOffice this test fails and says how to get it
    // (scripts/test installs it where it can).
    common::soffice();
    let started = Instant::now();
    let reference = read_sheets(&payouts(&compute(), Lang::En));
    let sample = read_sheets(&payouts(&compute_sample(), Lang::En));
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("input");
    std::fs::create_dir_all(&input).unwrap();
    // The reference workbook as written; a copy of it whose every formula has a wrong cached
    // value (so whatever LibreOffice shows there, it computed); the sample period's workbook.
    let two = payouts(&compute_two_currencies(), Lang::En);
    let two_currencies = read_sheets(&two);
    let observed = payouts(&compute_observed(), Lang::En);
    let observed_sheets = read_sheets(&observed);
    let mapped = payouts(&compute_mapped(), Lang::En);
    let mapped_sheets = read_sheets(&mapped);
    let close = payouts(&compute_close_mini(), Lang::En);
    let close_sheets = read_sheets(&close);
    let november = payouts(&compute_close_november(), Lang::En);
    let november_sheets = read_sheets(&november);
    let files: [(&str, &Sheets, Vec<u8>); 8] = [
        ("payouts.xlsx", &reference, payouts(&compute(), Lang::En)),
        (
            "wrong-cache.xlsx",
            &reference,
            wrong_cached_copy(&reference),
        ),
        ("sample.xlsx", &sample, payouts(&compute_sample(), Lang::En)),
        ("two-currencies.xlsx", &two_currencies, two),
        ("observed.xlsx", &observed_sheets, observed),
        ("mapped.xlsx", &mapped_sheets, mapped),
        ("close-mini.xlsx", &close_sheets, close),
        ("close-mini-true-up.xlsx", &november_sheets, november),
    ];
    let mut paths: Vec<PathBuf> = files
        .iter()
        .map(|(name, _, bytes)| {
            let path = input.join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect();
    let halves = half_cent_cases();
    let halves_path = input.join("half-cents.xlsx");
    std::fs::write(&halves_path, half_cent_workbook(&halves)).unwrap();
    paths.push(halves_path);
    let out = libreoffice_recalc(work.path(), &paths);

    let formulas: usize = reference
        .iter()
        .map(|(_, c)| c.values().filter(|c| c.formula.is_some()).count())
        .sum();
    assert!(formulas > 200, "only {formulas} formulas");
    for (file, original, _) in &files {
        let recalculated = read_sheets(&std::fs::read(out.join(file)).unwrap());
        assert_eq!(
            recalculated.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            original.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );
        for ((name, cells), (_, again)) in original.iter().zip(&recalculated) {
            for (at, cell) in cells {
                let place = format!("{file}: {name}!{}", cell_name(at.0, at.1));
                let got = again
                    .get(at)
                    .unwrap_or_else(|| panic!("{place}: missing after recalculation"));
                assert_same_value(&place, cell.formula.as_deref(), &cell.value, &got.value);
            }
            assert_eq!(cells.len(), again.len(), "{file}: cells of {name}");
        }
    }

    // Half cents: LibreOffice's ROUND, the engine's rounding and the workbook's own emulation
    // of a spreadsheet (which decides whether the Flags sheet reports a difference) agree.
    let recalculated = read_sheets(&std::fs::read(out.join("half-cents.xlsx")).unwrap());
    let cells = &recalculated[0].1;
    assert!(halves.len() > 50, "{} half-cent cases", halves.len());
    let mut below = 0;
    for (i, ([tb, days, w, factor], exact)) in halves.iter().enumerate() {
        let x = tb * (days / 30.0) * w * factor;
        if x * 100.0
            < (exact * Decimal::ONE_HUNDRED)
                .to_string()
                .parse::<f64>()
                .unwrap()
        {
            below += 1;
        }
        let Data::Float(lo) = cells[&(i as u32, 6)].value else {
            panic!("row {}: {:?}", i + 1, cells[&(i as u32, 6)].value);
        };
        let engine = exact.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        assert_eq!(
            lo.to_string().parse::<Decimal>().unwrap(),
            engine,
            "{tb}*{days}/30*{w}*{factor}"
        );
        assert_eq!(
            incentive::report::workbook::spreadsheet_round2(x),
            Some(engine),
            "{tb}*{days}/30*{w}*{factor}"
        );
    }
    assert!(
        below > 10,
        "only {below} products fall below their half cent"
    );
    eprintln!(
        "LibreOffice recalculated {} workbooks in {:.1} s",
        paths.len(),
        started.elapsed().as_secs_f64()
    );
}
