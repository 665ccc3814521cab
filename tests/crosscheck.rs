//! Other periods, checked against an independent implementation of the same rules.
//!
//! `scripts/crosscheck.py` was written from the engine issue's rules alone (standard-library
//! Python, exact fractions), without reading this crate's code; it reproduces the reference
//! period exactly. Here the sample generator makes months the engine has never seen (a 28-day
//! February, a leap-year February, a December, other seeds), and the engine's payroll and
//! per-KPI breakdown must equal the independent ones to the cent.

use incentive::num::round_exact;
use incentive::period::Period;
use std::path::{Path, PathBuf};
use std::process::Command;

fn generator() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(|d| d.parent())
        .unwrap()
        .join("examples")
        .join(format!("generate_samples{}", std::env::consts::EXE_SUFFIX))
}

/// The Python that runs the independent implementation. Never a green no-op: without it the
/// cross-checks fail.
fn python() -> &'static str {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "python3 is needed for the independent cross-check (scripts/crosscheck.py, standard \
         library only) and is part of this machine kind"
    );
    "python3"
}

fn six(q: &Option<incentive::num::Exact>) -> String {
    match q {
        None => String::new(),
        Some(q) => round_exact(q, 6).unwrap().normalize().to_string(),
    }
}

fn engine_breakdown(data: &Path, period: &str) -> String {
    let result =
        incentive::run::compute(Path::new("schemes"), data, Period::parse(period).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", data.display()));
    let mut out = String::from("employee_id,scheme,kpi,actual,target,attainment,amount\n");
    for e in &result.employees {
        let scheme = &result.schemes[e.employee.scheme];
        for (kpi, s) in scheme.kpis.iter().zip(&e.score.kpis) {
            out.push_str(&format!(
                "{},{},{},{},{},{},{}\n",
                e.employee.id,
                scheme.id,
                kpi.id,
                six(&s.actual),
                six(&s.target),
                six(&s.attainment),
                incentive::report::money(s.amount)
            ));
        }
    }
    out
}

#[test]
fn generated_periods_match_the_independent_implementation() {
    let py = python();
    let tmp = tempfile::tempdir().unwrap();
    for (period, seed) in [("2027-02", "7"), ("2028-02", "11"), ("2026-12", "3")] {
        let dir = tmp.path().join(period);
        let status = Command::new(generator())
            .args(["--out"])
            .arg(&dir)
            .args(["--period", period, "--seed", seed])
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let csv = dir.join(format!("{period}-csv"));
        let independent = Command::new(py)
            .arg("scripts/crosscheck.py")
            .arg(&csv)
            .arg(period)
            .arg("--breakdown")
            .output()
            .unwrap();
        assert!(
            independent.status.success(),
            "{}",
            String::from_utf8_lossy(&independent.stderr)
        );
        let independent = String::from_utf8(independent.stdout)
            .unwrap()
            .replace("\r\n", "\n");
        // Both inputs: the CSV folder and the workbook of the same month.
        for data in [csv.clone(), dir.join(format!("{period}.xlsx"))] {
            let ours = engine_breakdown(&data, period);
            let (a, b): (Vec<&str>, Vec<&str>) =
                (ours.lines().collect(), independent.lines().collect());
            assert_eq!(a.len(), b.len(), "{}", data.display());
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x, y, "{}: engine vs independent", data.display());
            }
        }
    }
}

#[test]
fn the_independent_implementation_reproduces_the_reference() {
    let py = python();
    let out = Command::new(py)
        .args([
            "scripts/crosscheck.py",
            "tests/fixtures/reference/2026-09-ru-csv",
            "2026-09",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let expected =
        std::fs::read_to_string("tests/fixtures/reference/2026-09.expected-payroll.csv").unwrap();
    assert_eq!(
        String::from_utf8(out.stdout)
            .unwrap()
            .replace("\r\n", "\n")
            .trim_end(),
        expected.replace("\r\n", "\n").trim_end()
    );
}
