//! The reference period (tests/fixtures/reference, a copy of shared/reference): a September 2026
//! month computed independently from the engine issue's rules. The engine must reproduce its
//! payroll and per-KPI breakdown exactly.

use incentive::num::round_exact;
use incentive::period::Period;
use incentive::run;
use std::collections::BTreeMap;
use std::path::Path;

fn six(q: &Option<incentive::num::Exact>) -> String {
    match q {
        None => String::new(),
        Some(q) => round_exact(q, 6).unwrap().normalize().to_string(),
    }
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn compute() -> run::RunResult {
    compute_from("tests/fixtures/reference/2026-09.xlsx")
}

fn compute_from(data: &str) -> run::RunResult {
    run::compute(
        Path::new("schemes"),
        Path::new(data),
        Period::parse("2026-09").unwrap(),
    )
    .unwrap_or_else(|e| panic!("{data}: {e}"))
}

#[test]
fn reference_payroll_to_the_cent() {
    check_payroll(&compute());
}

/// The same month saved by LibreOffice as .ods and .xls, and exported as Russian-locale CSV
/// (`;`, decimal commas, space thousands separators, dd.mm.yyyy dates, CRLF), pays the same.
#[test]
fn reference_payroll_from_every_format() {
    for data in [
        "tests/fixtures/reference/2026-09.ods",
        "tests/fixtures/reference/2026-09.xls",
        "tests/fixtures/reference/2026-09-ru-csv",
    ] {
        check_payroll(&compute_from(data));
    }
}

fn check_payroll(result: &run::RunResult) {
    let expected = read_csv(Path::new(
        "tests/fixtures/reference/2026-09.expected-payroll.csv",
    ));
    assert_eq!(result.employees.len(), expected.len());
    for (e, x) in result.employees.iter().zip(&expected) {
        assert_eq!(e.employee.id, x["employee_id"]);
        assert_eq!(
            result.schemes[e.employee.scheme].id, x["scheme"],
            "{}",
            x["employee_id"]
        );
        assert_eq!(
            incentive::report::money(e.score.total),
            x["amount"],
            "{}",
            x["employee_id"]
        );
    }
}

#[test]
fn reference_breakdown_per_kpi() {
    let result = compute();
    let expected = read_csv(Path::new(
        "tests/fixtures/reference/2026-09.expected-breakdown.csv",
    ));
    let mut got = Vec::new();
    for e in &result.employees {
        let scheme = &result.schemes[e.employee.scheme];
        for (kpi, s) in scheme.kpis.iter().zip(&e.score.kpis) {
            got.push(vec![
                e.employee.id.clone(),
                scheme.id.clone(),
                kpi.id.clone(),
                six(&s.actual),
                six(&s.target),
                six(&s.attainment),
                incentive::report::money(s.amount),
            ]);
        }
    }
    let want: Vec<Vec<String>> = expected
        .iter()
        .map(|x| {
            [
                "employee_id",
                "scheme",
                "kpi",
                "actual",
                "target",
                "attainment",
                "amount",
            ]
            .iter()
            .map(|k| x[*k].clone())
            .collect()
        })
        .collect();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w);
    }
}

#[test]
fn reference_warns_about_the_person_not_on_the_roster() {
    let result = compute();
    let texts: Vec<String> = result.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        texts,
        [
            "tests/fixtures/reference/2026-09.xlsx: sheet \"calls\": 1 row of employee_id \"E999\", who is not on the roster: not paid to anyone",
            "tests/fixtures/reference/2026-09.xlsx: sheet \"deals\": 1 row of employee_id \"E999\", who is not on the roster, amounts 777777.77: not paid to anyone",
        ]
    );
}

/// Russian Excel's "Save as CSV" writes Windows-1251: the same month in that encoding pays the
/// same, and the Data report says which encoding each table was read in.
#[test]
fn reference_payroll_from_windows_1251_csv() {
    let utf8 = compute_from("tests/fixtures/reference/2026-09-ru-csv");
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir("tests/fixtures/reference/2026-09-ru-csv").unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let (bytes, _, lossy) = encoding_rs::WINDOWS_1251.encode(&text);
        assert!(!lossy, "{} fits Windows-1251", path.display());
        std::fs::write(tmp.path().join(path.file_name().unwrap()), &bytes).unwrap();
    }
    let cp1251 = compute_from(tmp.path().to_str().unwrap());
    check_payroll(&cp1251);
    let encodings = |r: &run::RunResult| -> Vec<String> {
        r.tables
            .iter()
            .filter(|t| t.present)
            .map(|t| format!("{}: {}", t.table.unwrap(), t.encoding.unwrap_or("-")))
            .collect()
    };
    // employees.csv holds Cyrillic names; a file of digits and Latin letters only reads the
    // same in either encoding and is reported as UTF-8.
    let read = encodings(&cp1251);
    assert!(
        read.contains(&"employees: windows-1251".to_string()),
        "{read:?}"
    );
    assert!(
        encodings(&utf8).iter().all(|e| e.ends_with(": UTF-8")),
        "{:?}",
        encodings(&utf8)
    );
}
