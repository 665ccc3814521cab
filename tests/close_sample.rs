//! The month-end close sample (samples/2026-11-close, see samples/README.md): reproduced by its
//! generator byte for byte, and run end to end as the README's walkthrough does — October
//! final, then November with October trued up — with every amount checked from the files.

mod common;

use common::{files_under as files, generator, python, run};
use rust_decimal::Decimal;
use std::path::Path;

const SAMPLE: &str = "samples/2026-11-close";

#[test]
fn the_close_sample_is_reproduced_by_its_generator() {
    let dir = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(generator())
        .arg("--out")
        .arg(dir.path())
        .args(["--period", "2026-11", "--close"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let generated = dir.path().join("2026-11-close");
    let committed = Path::new(SAMPLE);
    let names = files(committed);
    assert_eq!(names, files(&generated));
    assert!(names.len() > 10, "{names:?}");
    for f in &names {
        assert!(
            std::fs::read(committed.join(f)).unwrap() == std::fs::read(generated.join(f)).unwrap(),
            "{SAMPLE}/{f} differs from the generator's output"
        );
    }
}

/// payroll.csv's rows as (employee_id, amount, bonus, adjustments), after checking that
/// amount = bonus + adjustments on every row and that the amounts add up to `total`.
fn payroll(path: &Path, total: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let mut sum = Decimal::ZERO;
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let d = |i: usize| rec[i].parse::<Decimal>().unwrap();
        assert_eq!(d(5), d(6) + d(7), "{rec:?}");
        sum += d(5);
        out.push(format!("{} {} = {} {:+}", &rec[0], &rec[5], &rec[6], d(7)));
    }
    assert_eq!(sum.to_string(), total);
    out
}

#[test]
fn the_walkthrough_closes_november_with_octobers_true_up() {
    let tmp = tempfile::tempdir().unwrap();
    let out = |p: &str| tmp.path().join(p).display().to_string();
    let oct = run(
        &[
            "run",
            "--data",
            &format!("{SAMPLE}/2026-10"),
            "--schemes",
            &format!("{SAMPLE}/schemes"),
            "--period",
            "2026-10",
            "--previous",
            "none",
            "--final",
            "--out",
            &out("2026-10"),
        ],
        tmp.path(),
    );
    assert_eq!(oct.code, 0, "{}", oct.stderr);
    let nov = run(
        &[
            "run",
            "--data",
            &format!("{SAMPLE}/2026-11"),
            "--schemes",
            &format!("{SAMPLE}/schemes"),
            "--period",
            "2026-11",
            "--true-up",
            &out("2026-10"),
            "--final",
            "--out",
            &out("2026-11"),
        ],
        tmp.path(),
    );
    assert_eq!(nov.code, 0, "{}", nov.stderr);
    insta::assert_snapshot!(nov.stdout, @r"
    2026-11: 10 employees, total 3246347.33 KZT
    close:    bonus 3310741.59 KZT, adjustments -64394.26 KZT (11 lines, sheet Adjustments)
    true-up:  2026-10 recomputed from the final run [TMP]/2026-10: 2 employees, 20037.84 KZT
    balances: carried from the final run of 2026-10 ([TMP]/2026-10)
    payroll:  [TMP]/2026-11/payroll.csv
    workbook: [TMP]/2026-11/payouts.xlsx
    statements: [TMP]/2026-11/statements (10 files)
    manifest: [TMP]/2026-11/run.json
    ");
    let m: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("2026-11/run.json")).unwrap(),
    )
    .unwrap();
    let total = m["total"].as_str().unwrap().to_string();
    // The same figures as scripts/check_close_sample.py computes with scripts/crosscheck.py's close.
    insta::assert_snapshot!(payroll(&tmp.path().join("2026-11/payroll.csv"), &total).join("\n"), @r"
    E102 377400.66 = 345967.71 +31432.95
    E103 317724.38 = 329119.49 -11395.11
    E104 442324.76 = 464244.76 -21920.00
    E111 382702.13 = 360782.13 +21920.00
    E115 185428.57 = 155428.57 +30000.00
    E116 438023.64 = 585172.27 -147148.63
    E118 349310.63 = 324310.63 +25000.00
    E131 135000.00 = 205058.47 -70058.47
    E132 127500.00 = 49725.00 +77775.00
    E133 490932.56 = 490932.56 +0.00
    ");
    // Every kind of line is in the month.
    let kinds: std::collections::BTreeSet<String> = m["employees"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["lines"].as_array().cloned().unwrap_or_default())
        .map(|l| l["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "cap",
            "clawback",
            "correction",
            "guarantee",
            "guarantee_recovery",
            "one_off",
            "other",
            "true_up"
        ]
    );
    // The Summary's total of what is paid, read from payouts.xlsx, is payroll.csv's sum.
    assert_eq!(
        summary_total(&tmp.path().join("2026-11/payouts.xlsx")),
        total
    );
    for dir in ["2026-10", "2026-11"] {
        let v = run(&["verify", &out(dir)], tmp.path());
        assert_eq!(v.code, 0, "{dir}: {}{}", v.stdout, v.stderr);
    }
}

/// The Summary sheet's `amount` on its `total` row, in cents.
fn summary_total(path: &Path) -> String {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let sheet = wb.worksheet_range("Summary").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let col = rows[0]
        .iter()
        .position(|c| matches!(c, Data::String(s) if s == "amount"))
        .expect("an amount column");
    let total = rows
        .iter()
        .find(|r| matches!(&r[0], Data::String(s) if s == "total"))
        .expect("a total row");
    match &total[col] {
        Data::Float(f) => format!("{f:.2}"),
        other => panic!("the total is {other:?}"),
    }
}

/// scripts/check_close_sample.py: every condition samples/README.md names holds in the committed
/// sample, with every figure from the independent implementation (scripts/crosscheck.py's close).
#[test]
fn the_close_sample_shows_what_its_readme_says() {
    let o = std::process::Command::new(python())
        .arg("scripts/check_close_sample.py")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("# 0 failed checks; the sample is "),
        "{stdout}"
    );
    // Every employee's line of both months was printed.
    for period in ["2026-10", "2026-11"] {
        let lines = stdout
            .lines()
            .filter(|l| l.split(',').nth(3) == Some(period))
            .count();
        assert_eq!(lines, 10, "{period}: {stdout}");
    }
}
