//! The plan-history sample (samples/2026-10-history, see samples/README.md): thirteen months of
//! the canonical CSV layout for `incentive plan`, reproduced by its generator byte for byte, with
//! nothing dated before its first month, and paid for its last month by `incentive run`.

mod common;

use common::{files_under as files, generator, run};
use std::collections::BTreeSet;
use std::path::Path;

const SAMPLE: &str = "samples/2026-10-history";

#[test]
fn the_plan_history_sample_is_reproduced_by_its_generator() {
    assert!(
        generator().exists(),
        "cargo test builds examples (with --test, run cargo build --example generate_samples first): {}",
        generator().display()
    );
    let dir = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(generator())
        .arg("--out")
        .arg(dir.path())
        .args(["--period", "2026-10", "--plan-history"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // It writes only its own folder.
    let written: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, ["2026-10-history"]);
    let generated = dir.path().join("2026-10-history");
    let committed = Path::new(SAMPLE);
    let names = files(committed);
    assert_eq!(
        names,
        [
            "calls.csv",
            "clients.csv",
            "deals.csv",
            "emails.csv",
            "employees.csv",
            "meetings.csv",
            "nps.csv",
            "plans.csv"
        ]
    );
    assert_eq!(names, files(&generated));
    for f in &names {
        assert!(
            std::fs::read(committed.join(f)).unwrap() == std::fs::read(generated.join(f)).unwrap(),
            "{SAMPLE}/{f} differs from the generator's output"
        );
    }
    // The same header rows as the four-month CSV sample: the same tables and columns.
    for f in &names {
        let first_line = |dir: &Path| {
            std::fs::read_to_string(dir.join(f))
                .unwrap()
                .lines()
                .next()
                .unwrap()
                .to_string()
        };
        assert_eq!(
            first_line(committed),
            first_line(Path::new("samples/2026-10-csv")),
            "{f}"
        );
    }
}

/// The column `name` of every row of `table`.
fn column(table: &str, name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(Path::new(SAMPLE).join(format!("{table}.csv"))).unwrap();
    let i = r.headers().unwrap().iter().position(|h| h == name).unwrap();
    r.records().map(|rec| rec.unwrap()[i].to_string()).collect()
}

/// The months (YYYY-MM) of the non-empty values of a date or datetime column.
fn months(table: &str, name: &str) -> BTreeSet<String> {
    column(table, name)
        .into_iter()
        .filter(|v| !v.is_empty())
        .map(|v| v[..7].to_string())
        .collect()
}

#[test]
fn the_plan_history_sample_covers_thirteen_months_from_its_first() {
    let all: BTreeSet<String> = (0..13)
        .map(|k| {
            let m = 10 + k;
            format!("{}-{:02}", 2025 + (m - 1) / 12, (m - 1) % 12 + 1)
        })
        .collect();
    assert_eq!(all.first().unwrap(), "2025-10");
    assert_eq!(all.last().unwrap(), "2026-10");
    // Every dated activity starts in 2025-10 (docs/plan.md "The export's first month"): nothing
    // from 2025-09 or before, and every month has its rows; a few are dated just after.
    for (table, name) in [
        ("calls", "started_at"),
        ("emails", "sent_at"),
        ("meetings", "starts_at"),
        ("deals", "closed_on"),
        ("nps", "answered_on"),
    ] {
        let seen = months(table, name);
        let within: BTreeSet<String> = seen
            .iter()
            .filter(|m| m.as_str() <= "2026-10")
            .cloned()
            .collect();
        assert_eq!(within, all, "{table}.{name}");
        assert!(
            seen.iter().all(|m| m.as_str() <= "2026-11"),
            "{table}.{name}: {seen:?}"
        );
    }
    // The plans table: a row for every month each person was employed in, none for November.
    let plan_months = months("plans", "period");
    assert_eq!(plan_months, all);
    let roster: Vec<String> = column("employees", "employee_id");
    let planned: BTreeSet<String> = column("plans", "employee_id").into_iter().collect();
    let unplanned: Vec<&String> = roster.iter().filter(|e| !planned.contains(*e)).collect();
    assert_eq!(unplanned, ["E135", "E136"]);
}

#[test]
fn the_plan_history_samples_last_month_is_paid() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("2026-10");
    let o = run(
        &[
            "run",
            "--data",
            SAMPLE,
            "--period",
            "2026-10",
            "--out",
            &out.display().to_string(),
        ],
        tmp.path(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.starts_with("2026-10: 17 employees, total "),
        "{}",
        o.stdout
    );
    // Every roster row has a payroll line; the November hires' are zero, and everyone employed
    // in October had a plan (a missing plan would be refused).
    let mut r = csv::Reader::from_path(out.join("payroll.csv")).unwrap();
    let lines: Vec<(String, String)> = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[0].to_string(), rec[5].to_string())
        })
        .collect();
    let ids: Vec<&str> = lines.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(ids, column("employees", "employee_id"));
    let zero: Vec<&str> = lines
        .iter()
        .filter(|(_, amount)| amount == "0.00")
        .map(|(e, _)| e.as_str())
        .collect();
    // E105's form is the weakest of the b2b sellers: under every threshold in October.
    assert_eq!(zero, ["E105", "E135", "E136"]);
}
