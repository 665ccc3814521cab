//! The sample October 2026 period end to end through the real binary: the workbook and the CSV
//! folder give identical payroll files, and the payroll and breakdown are pinned by snapshots.

use incentive::period::Period;
use incentive::report::exact_text;
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(data: &str, out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_incentive"))
        .args(["run", "--data", data, "--period", "2026-10", "--out"])
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn xlsx_and_csv_inputs_give_identical_payroll() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("xlsx"), dir.path().join("csv"));
    let ra = run("samples/2026-10.xlsx", &a);
    let rb = run("samples/2026-10-csv", &b);
    assert_eq!(
        ra.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ra.stderr)
    );
    assert_eq!(
        rb.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&rb.stderr)
    );
    let pa = std::fs::read_to_string(a.join("payroll.csv")).unwrap();
    let pb = std::fs::read_to_string(b.join("payroll.csv")).unwrap();
    assert_eq!(pa, pb);
    insta::assert_snapshot!("sample_payroll", pa);
    let stdout =
        String::from_utf8_lossy(&ra.stdout).replace(&dir.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!("sample_stdout", stdout);
}

#[test]
fn sample_breakdown() {
    let result = incentive::run::compute(
        Path::new("schemes"),
        Path::new("samples/2026-10-csv"),
        Period::parse("2026-10").unwrap(),
    )
    .unwrap();
    let mut text = String::from(
        "employee_id scheme kpi | actual | target | attainment | factor | amount | rows | flags\n",
    );
    for e in &result.employees {
        let scheme = &result.schemes[e.employee.scheme];
        for (kpi, s) in scheme.kpis.iter().zip(&e.score.kpis) {
            text.push_str(&format!(
                "{} {} {} | {} | {} | {} | {} | {} | {} | {}\n",
                e.employee.id,
                scheme.id,
                kpi.id,
                exact_text(&s.actual, 6),
                exact_text(&s.target, 6),
                exact_text(&s.attainment, 6),
                exact_text(&Some(s.factor.clone()), 6),
                incentive::report::money(s.amount),
                s.rows,
                s.flags
                    .iter()
                    .map(|f| f.text())
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        text.push_str(&format!(
            "{} total {}\n",
            e.employee.id,
            incentive::report::money(e.score.total)
        ));
    }
    insta::assert_snapshot!("sample_breakdown", text);
}

/// The committed samples are exactly what the generator in examples/ writes.
#[test]
fn samples_are_reproduced_by_their_generator() {
    let exe = std::env::current_exe().unwrap();
    let generator: PathBuf = exe
        .parent()
        .and_then(|d| d.parent())
        .unwrap()
        .join("examples")
        .join(format!("generate_samples{}", std::env::consts::EXE_SUFFIX));
    assert!(
        generator.exists(),
        "cargo test builds examples: {}",
        generator.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(&generator)
        .args(["--out"])
        .arg(dir.path())
        .args(["--period", "2026-10"])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        std::fs::read(dir.path().join("2026-10.xlsx")).unwrap(),
        std::fs::read("samples/2026-10.xlsx").unwrap(),
        "samples/2026-10.xlsx differs from the generator's output"
    );
    for entry in std::fs::read_dir("samples/2026-10-csv").unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("2026-10-csv").join(name)).unwrap(),
            std::fs::read(&p).unwrap(),
            "{} differs from the generator's output",
            p.display()
        );
    }
}

fn explain(employee: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_incentive"))
        .args([
            "explain",
            "--data",
            "samples/2026-10-csv",
            "--period",
            "2026-10",
            "--employee",
            employee,
        ])
        .output()
        .unwrap()
}

/// `incentive explain` prints the statement of one employee, and names an unknown one.
#[test]
fn explain_prints_one_statement() {
    let out = explain("E130");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Bonus statement\n"), "{text}");
    assert!(text.contains("Aruzhan Bekmukhambetova"), "{text}");
    assert!(
        text.contains("proration     employed 19 of 31 days = 61.3%"),
        "{text}"
    );
    assert!(!text.contains("E101"), "no one else appears");

    let out = explain("E999");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: 1 problem in the input; nothing was written:\n  --employee: \"E999\" is not on the roster of samples/2026-10-csv\n"
    );
}
