//! `verify` and `diff` on the sample period and on changed copies of it, through the binary.

mod common;

use common::copy_dir;
use std::path::Path;
use std::process::Command;

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn incentive(args: &[&str], tmp: &Path) -> Out {
    let o = Command::new(env!("CARGO_BIN_EXE_incentive"))
        .args(args)
        .output()
        .unwrap();
    let clean = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .replace(&tmp.display().to_string(), "[TMP]")
            .replace(env!("CARGO_MANIFEST_DIR"), "[REPO]")
    };
    Out {
        code: o.status.code(),
        stdout: clean(&o.stdout),
        stderr: clean(&o.stderr),
    }
}

/// Rewrites one CSV cell: in `file`, the row whose first column is `id`, column `col`.
fn set_cell(file: &Path, id: &str, col: usize, value: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    let mut found = false;
    let out: Vec<String> = text
        .lines()
        .map(|l| {
            let mut cells: Vec<String> = l.split(',').map(str::to_string).collect();
            if cells[0] == id {
                found = true;
                cells[col] = value.to_string();
            }
            cells.join(",")
        })
        .collect();
    assert!(found, "{id} not in {}", file.display());
    std::fs::write(file, out.join("\n") + "\n").unwrap();
}

fn run_into(data: &Path, schemes: &Path, out: &Path, tmp: &Path) -> Out {
    let o = incentive(
        &[
            "run",
            "--data",
            data.to_str().unwrap(),
            "--period",
            "2026-10",
            "--schemes",
            schemes.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        tmp,
    );
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    o
}

#[test]
fn verify_confirms_an_untouched_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_into(
        Path::new("samples/2026-10.xlsx"),
        Path::new("schemes"),
        &out,
        tmp.path(),
    );
    let v = incentive(&["verify", out.to_str().unwrap()], tmp.path());
    assert_eq!(v.code, Some(0), "{}", v.stderr);
    assert_eq!(
        v.stdout,
        "verified: 30 employees, period 2026-10, every amount matches the recorded run (total 9119620.35)\n"
    );
}

#[test]
fn verify_and_diff_name_the_changed_input_employee_and_kpi() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(Path::new("samples/2026-10-csv"), &data);
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    run_into(&data, Path::new("schemes"), &old, tmp.path());
    // A late correction: deal D02205 (E126, won in October) was 1 000 000 larger.
    set_cell(&data.join("deals.csv"), "D02205", 6, "2394827.19");
    let v = incentive(&["verify", old.to_str().unwrap()], tmp.path());
    assert_eq!(v.code, Some(1));
    insta::assert_snapshot!("verify_changed_input", v.stderr);

    run_into(&data, Path::new("schemes"), &new, tmp.path());
    let d = incentive(
        &["diff", old.to_str().unwrap(), new.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(d.code, Some(0), "{}", d.stderr);
    insta::assert_snapshot!("diff_late_deal", d.stdout);
}

#[test]
fn diff_names_a_changed_scheme_and_target_bonus() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, schemes) = (tmp.path().join("data"), tmp.path().join("schemes"));
    copy_dir(Path::new("samples/2026-10-csv"), &data);
    copy_dir(Path::new("schemes"), &schemes);
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    run_into(&data, &schemes, &old, tmp.path());
    // HR lowers the meetings target from 8 to 6, and E101's target bonus changes.
    let f = schemes.join("b2b-long-cycle.yaml");
    let text = std::fs::read_to_string(&f)
        .unwrap()
        .replace("    target: 8\n", "    target: 6\n");
    std::fs::write(&f, text).unwrap();
    set_cell(&data.join("employees.csv"), "E101", 3, "400000");
    run_into(&data, &schemes, &new, tmp.path());
    let d = incentive(
        &["diff", old.to_str().unwrap(), new.to_str().unwrap()],
        tmp.path(),
    );
    insta::assert_snapshot!("diff_scheme_changed", d.stdout);
    assert!(
        d.stdout
            .contains("scheme changed: the file of b2b-long-cycle was edited")
    );
    assert!(
        d.stdout.contains("target bonus 480000 → 400000"),
        "{}",
        d.stdout
    );
}

#[test]
fn verify_catches_an_edited_payroll() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_into(
        Path::new("samples/2026-10-csv"),
        Path::new("schemes"),
        &out,
        tmp.path(),
    );
    let p = out.join("payroll.csv");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("544722.36", "644722.36");
    std::fs::write(&p, text).unwrap();
    let v = incentive(&["verify", out.to_str().unwrap()], tmp.path());
    assert_eq!(v.code, Some(1));
    assert_eq!(
        v.stderr,
        "error: not verified: 1 finding(s) for [TMP]/out:\n  [TMP]/out/payroll.csv: does not match the amounts recorded in run.json (edited after the run?):\n    E101 Айгерим Сейткали: recorded 544722.36, found 644722.36\n"
    );
}

#[test]
fn diff_of_a_run_with_itself_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_into(
        Path::new("samples/2026-10-csv"),
        Path::new("schemes"),
        &out,
        tmp.path(),
    );
    let d = incentive(
        &["diff", out.to_str().unwrap(), out.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(
        d.stdout,
        "period 2026-10 → 2026-10; total 9119620.35 → 9119620.35\nno payout changed (30 employees)\n"
    );
}

#[test]
fn diff_shows_weights_as_the_yaml_writes_them_and_days_as_proration() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, schemes) = (tmp.path().join("data"), tmp.path().join("schemes"));
    copy_dir(Path::new("samples/2026-10-csv"), &data);
    copy_dir(Path::new("schemes"), &schemes);
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    run_into(&data, &schemes, &old, tmp.path());
    // HR moves 5% of weight from revenue to meetings; E101 turns out hired on 12 October.
    let f = schemes.join("b2b-long-cycle.yaml");
    let text = std::fs::read_to_string(&f)
        .unwrap()
        .replace("    weight: 50%\n", "    weight: 45%\n")
        .replace(
            "    weight: 15%\n    metric: meetings_held",
            "    weight: 20%\n    metric: meetings_held",
        );
    std::fs::write(&f, text).unwrap();
    set_cell(&data.join("employees.csv"), "E101", 5, "2026-10-12");
    run_into(&data, &schemes, &new, tmp.path());
    let d = incentive(
        &["diff", old.to_str().unwrap(), new.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(d.code, Some(0), "{}", d.stderr);
    let e101: Vec<&str> = d
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("  E101 "))
        .skip(1)
        .take_while(|l| l.starts_with("      "))
        .collect();
    insta::assert_snapshot!("diff_weight_and_proration", e101.join("\n"));
    assert!(
        e101.contains(&"      proration changed: employed 31 of 31 days → 20 of 31 days"),
        "{e101:?}"
    );
    assert!(
        e101.iter()
            .any(|l| l.starts_with("      revenue: weight changed 50% → 45%, amount ")),
        "{e101:?}"
    );
    assert!(
        e101.iter().any(
            |l| l.starts_with("      meetings: ") && l.contains(", weight changed 15% → 20%, ")
        ),
        "{e101:?}"
    );
}
