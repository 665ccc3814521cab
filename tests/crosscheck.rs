//! Other periods, checked against an independent implementation of the same rules.
//!
//! `scripts/crosscheck.py` was written from the engine issue's rules alone (standard-library
//! Python, exact fractions), without reading this crate's code; it reproduces the reference
//! period exactly. Here every month of the committed four-month sample, and exports the sample
//! generator makes for months the engine has never seen (a 28-day February, a leap-year
//! February, a December, other seeds, other lengths of history), must give the engine the
//! same per-KPI breakdown as the independent implementation, to the cent.

use incentive::num::round_exact;
use incentive::period::Period;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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

/// The independent implementation's breakdown of one month of a CSV folder.
fn independent_breakdown(csv: &Path, period: &str) -> std::process::Child {
    Command::new(python())
        .arg("scripts/crosscheck.py")
        .arg(csv)
        .arg(period)
        .arg("--breakdown")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn output_of(child: std::process::Child) -> String {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().replace("\r\n", "\n")
}

fn assert_same(data: &Path, period: &str, ours: &str, independent: &str) {
    let (a, b): (Vec<&str>, Vec<&str>) = (ours.lines().collect(), independent.lines().collect());
    assert_eq!(a.len(), b.len(), "{} {period}", data.display());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y, "{} {period}: engine vs independent", data.display());
    }
}

/// Every month of the committed sample: July to October 2026 from the one October export.
#[test]
fn every_month_of_the_sample_matches_the_independent_implementation() {
    let csv = Path::new("samples/2026-10-csv");
    let months = ["2026-07", "2026-08", "2026-09", "2026-10"];
    // The Python runs meanwhile in its own processes.
    let independent: Vec<_> = months
        .iter()
        .map(|m| independent_breakdown(csv, m))
        .collect();
    for (period, child) in months.iter().zip(independent) {
        let ours = engine_breakdown(csv, period);
        let theirs = output_of(child);
        // 30 people on the roster, four KPIs each, in every month.
        assert_eq!(ours.lines().count(), 1 + 30 * 4, "{period}");
        assert_same(csv, period, &ours, &theirs);
    }
}

#[test]
fn generated_periods_match_the_independent_implementation() {
    let tmp = tempfile::tempdir().unwrap();
    // (period, seed, months of history): with one month the joiner and the leaver are both in
    // the period; with three the leaver left the month before it.
    for (period, seed, months) in [
        ("2027-02", "7", "1"),
        ("2028-02", "11", "1"),
        ("2026-12", "3", "3"),
    ] {
        let dir = tmp.path().join(period);
        let status = Command::new(generator())
            .args(["--out"])
            .arg(&dir)
            .args(["--period", period, "--seed", seed, "--months", months])
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let csv = dir.join(format!("{period}-csv"));
        let independent = output_of(independent_breakdown(&csv, period));
        // Both inputs: the CSV folder and the workbook of the same month.
        for data in [csv.clone(), dir.join(format!("{period}.xlsx"))] {
            let ours = engine_breakdown(&data, period);
            assert_same(&data, period, &ours, &independent);
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
