//! Runs over data that is legal but arranged to trip a careless engine: rows in another order,
//! payouts in several currencies, many rows of one mistake, paths of the wrong kind.

mod common;

use common::{Outcome, copy_dir, crate_path, run};
use std::path::Path;

fn run_in(tmp: &Path, data: &Path, schemes: &Path, out: &Path) -> Outcome {
    run(
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
    )
}

/// The data rows of a CSV text in a fixed pseudo-random order (the header stays first).
fn shuffled(text: &str, seed: u64) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    let mut state = seed;
    for i in (1..lines.len()).rev() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let j = (state >> 33) as usize % (i + 1);
        lines.swap(i, j);
    }
    let mut out = format!("{header}\n");
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out
}

fn employees_of(out: &Path) -> serde_json::Value {
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    m["employees"].clone()
}

#[test]
fn row_order_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let original = crate_path("samples/2026-10-csv");
    let schemes = crate_path("schemes");
    let a = tmp.path().join("a");
    assert_eq!(
        run_in(tmp.path(), &original, &schemes, &a).code,
        0,
        "the sample runs"
    );
    for seed in [1u64, 7, 42] {
        let data = tmp.path().join(format!("shuffled{seed}"));
        std::fs::create_dir_all(&data).unwrap();
        for entry in std::fs::read_dir(&original).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let s = shuffled(&text, seed);
            assert_ne!(s, text, "{} is shuffled", path.display());
            std::fs::write(data.join(path.file_name().unwrap()), s).unwrap();
        }
        let b = tmp.path().join(format!("out{seed}"));
        let r = run_in(tmp.path(), &data, &schemes, &b);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(
            std::fs::read(a.join("payroll.csv")).unwrap(),
            std::fs::read(b.join("payroll.csv")).unwrap(),
            "payroll.csv is byte-identical (seed {seed})"
        );
        // Every amount, actual, target, attainment, factor and flag of every KPI: the results
        // every output renders.
        assert_eq!(employees_of(&a), employees_of(&b), "seed {seed}");
    }
}

#[test]
fn totals_are_per_currency() {
    let tmp = tempfile::tempdir().unwrap();
    let schemes = tmp.path().join("schemes");
    copy_dir(&crate_path("schemes"), &schemes);
    let file = schemes.join("transactional.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("currency: KZT"));
    std::fs::write(&file, text.replace("currency: KZT", "currency: USD")).unwrap();
    // E2 (transactional, now in USD) joins E1's team: one team, two currencies.
    let data = tmp.path().join("data");
    copy_dir(&crate_path("tests/fixtures/mini"), &data);
    let roster = data.join("employees.csv");
    let text = std::fs::read_to_string(&roster).unwrap();
    std::fs::write(&roster, text.replace(",Inside sales,", ",Enterprise,")).unwrap();
    let out = tmp.path().join("out");
    let r = run_in(tmp.path(), &data, &schemes, &out);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("2026-10: 3 employees, total 217225.00 KZT + 48800.00 USD\n"),
        "{}",
        r.stdout
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(m["total"], "", "no total adds two currencies");
    assert_eq!(
        m["totals"],
        serde_json::json!({"KZT": "217225.00", "USD": "48800.00"})
    );
    // The Summary has one total per currency, and the Audit's control checks each against the
    // payroll.csv the run wrote.
    use calamine::{DataType, Reader, open_workbook_auto};
    let mut wb = open_workbook_auto(out.join("payouts.xlsx")).unwrap();
    let summary = wb.worksheet_range("Summary").unwrap();
    let totals: Vec<String> = summary
        .rows()
        .filter(|r| r.first().is_some_and(|c| *c == "total"))
        .map(|r| {
            format!(
                "{} {}",
                r[4],
                r.iter()
                    .rev()
                    .find(|c| c.get_float().is_some())
                    .map(|c| c.to_string())
                    .unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(totals, ["KZT 217225", "USD 48800"]);
    let teams: Vec<String> = summary
        .rows()
        .skip_while(|r| r[0] != "totals per team")
        .skip(1)
        .take_while(|r| !r[0].is_empty())
        .map(|r| format!("{} {} {} {}", r[0], r[1], r[2], r[3]))
        .collect();
    assert_eq!(
        teams,
        [
            "Enterprise KZT 1 108125",
            "Enterprise USD 1 48800",
            "Key accounts KZT 1 109100"
        ]
    );
    let audit = wb.worksheet_range("Audit").unwrap();
    let controls: Vec<String> = audit
        .rows()
        .filter(|r| r[0].to_string().starts_with("control"))
        .map(|r| r[1].to_string())
        .collect();
    assert_eq!(controls, ["true", "true"]);
    assert!(
        !audit.rows().any(|r| r[0] == "grand total"),
        "no grand total across currencies"
    );
}

#[test]
fn many_rows_of_one_mistake_are_summarised() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(&crate_path("tests/fixtures/mini"), &data);
    let roster = data.join("employees.csv");
    let mut text = std::fs::read_to_string(&roster).unwrap();
    for i in 0..30 {
        text.push_str(&format!("X{i},Someone {i},b2b-lng-cycle,1000,,,\n"));
    }
    std::fs::write(&roster, text).unwrap();
    let r = run_in(
        tmp.path(),
        &data,
        &crate_path("schemes"),
        &tmp.path().join("out"),
    );
    assert_eq!(r.code, 2);
    insta::assert_snapshot!(r.stderr);
}

#[test]
fn paths_of_the_wrong_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let mini = crate_path("tests/fixtures/mini");
    let mut outcomes = Vec::new();
    let scheme_file = crate_path("schemes/transactional.yaml");
    let csv_file = mini.join("deals.csv");
    let missing = tmp.path().join("missing");
    let twins = tmp.path().join("twins");
    copy_dir(&crate_path("schemes"), &twins);
    std::fs::copy(
        crate_path("schemes/transactional.yaml"),
        twins.join("Transactional .yaml"),
    )
    .unwrap();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "--data is a scheme file",
            vec![
                "validate",
                "--data",
                scheme_file.to_str().unwrap(),
                "--period",
                "2026-10",
            ],
        ),
        (
            "--data is one CSV file, not its folder",
            vec![
                "validate",
                "--data",
                csv_file.to_str().unwrap(),
                "--period",
                "2026-10",
            ],
        ),
        (
            "--schemes is a CSV file",
            vec!["validate", "--schemes", csv_file.to_str().unwrap()],
        ),
        (
            "--schemes is the data folder",
            vec!["validate", "--schemes", mini.to_str().unwrap()],
        ),
        (
            "scheme files whose names differ only by case and spaces",
            vec!["validate", "--schemes", twins.to_str().unwrap()],
        ),
        (
            "--schemes does not exist",
            vec!["validate", "--schemes", missing.to_str().unwrap()],
        ),
    ];
    for (what, args) in cases {
        let r = run(&args, tmp.path());
        let root = env!("CARGO_MANIFEST_DIR");
        outcomes.push(format!(
            "{what}: exit {}\n{}",
            r.code,
            r.stderr.replace(root, "[CRATE]")
        ));
    }
    insta::assert_snapshot!(outcomes.join("\n"));
}
