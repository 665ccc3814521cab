//! A CRM's own export, read through a mapping, pays exactly what the canonical layout pays.
//!
//! The sample generator writes the same facts three times: as the canonical tables
//! (`samples/2026-10-csv`), as a Bitrix24 portal exports them (`samples/2026-10-bitrix24`) and,
//! for a small company, as amoCRM exports them (`samples/2026-10-amocrm`, its canonical twin
//! `samples/2026-10-amocrm-canonical`), with the traps real exports have (see samples/README.md).
//! Reading them through the presets and the sample companies' own mapping files must give
//! byte-identical payroll, every month, and account for every source row.

mod common;

use common::{crate_path, generator, run};
use incentive::data::tables::Table;
use incentive::data::usage::Role;
use incentive::engine;
use incentive::load::Dataset;
use incentive::period::Period;
use std::path::Path;

const BITRIX: &str = "samples/2026-10-bitrix24";
const BITRIX_MAPPING: &str = "mappings/examples/sample-bitrix24.yaml";
const AMO: &str = "samples/2026-10-amocrm";
const AMO_CANONICAL: &str = "samples/2026-10-amocrm-canonical";
const AMO_MAPPING: &str = "mappings/examples/sample-amocrm.yaml";

fn payroll(data: &str, mapping: Option<&str>, period: &str, out: &Path) -> String {
    let mut args = vec!["run", "--data", data, "--period", period, "--out"];
    let out_s = out.display().to_string();
    args.push(&out_s);
    if let Some(m) = mapping {
        args.extend(["--mapping", m]);
    }
    let o = run(&args, out);
    assert_eq!(o.code, 0, "{}", o.stderr);
    std::fs::read_to_string(out.join("payroll.csv")).unwrap()
}

#[test]
fn the_bitrix24_export_pays_what_the_canonical_sample_pays() {
    let tmp = tempfile::tempdir().unwrap();
    let canonical = payroll(
        "samples/2026-10-csv",
        None,
        "2026-10",
        &tmp.path().join("c"),
    );
    let mapped = payroll(
        BITRIX,
        Some(BITRIX_MAPPING),
        "2026-10",
        &tmp.path().join("b"),
    );
    assert_eq!(mapped, canonical);
    // The run records the mapping, and verify recomputes through it.
    let manifest = std::fs::read_to_string(tmp.path().join("b/run.json")).unwrap();
    assert!(manifest.contains("\"format\": 5"), "{manifest}");
    assert!(manifest.contains("sample-bitrix24.yaml"), "{manifest}");
    let b = tmp.path().join("b").display().to_string();
    let v = run(&["verify", &b], tmp.path());
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    assert!(
        v.stdout.starts_with("verified: 30 employees"),
        "{}",
        v.stdout
    );
}

#[test]
fn the_amocrm_export_pays_what_its_canonical_twin_pays() {
    let tmp = tempfile::tempdir().unwrap();
    let canonical = payroll(AMO_CANONICAL, None, "2026-10", &tmp.path().join("c"));
    let mapped = payroll(AMO, Some(AMO_MAPPING), "2026-10", &tmp.path().join("a"));
    assert_eq!(mapped, canonical);
    assert_eq!(canonical.lines().count(), 3, "{canonical}");
}

/// Every KPI of every employee, in every month of the export, from one read of each source.
fn every_kpi(data: &str, mapping: Option<&str>, periods: &[Period]) -> Vec<String> {
    let ds = Dataset::load(
        &crate_path("schemes"),
        &[],
        &crate_path(data),
        mapping
            .map(|m| crate_path(m).display().to_string())
            .as_deref(),
        periods,
    )
    .unwrap_or_else(|p| panic!("{p:?}"));
    let ev = engine::evaluate(ds, &engine::payroll, engine::SourceRows::Skip).unwrap();
    let mut lines = Vec::new();
    for p in &ev.periods {
        for e in &p.employees {
            for s in &e.scores {
                for (i, k) in s.score.kpis.iter().enumerate() {
                    lines.push(format!(
                        "{} {} {} kpi{i}: actual {:?} target {:?} amount {} rows {}",
                        p.period,
                        ev.roster[e.employee].id,
                        s.scheme,
                        k.actual,
                        k.target,
                        k.amount,
                        k.rows
                    ));
                }
                lines.push(format!(
                    "{} {} total {}",
                    p.period, ev.roster[e.employee].id, s.score.total
                ));
            }
        }
    }
    lines
}

#[test]
fn every_month_and_kpi_of_the_crm_exports_equals_the_canonical_layout() {
    let months = Period::parse_list(&["2026-07..2026-10".to_string()]).unwrap();
    let canonical = every_kpi("samples/2026-10-csv", None, &months);
    let bitrix = every_kpi(BITRIX, Some(BITRIX_MAPPING), &months);
    assert!(canonical.len() > 400, "{}", canonical.len());
    assert_eq!(bitrix, canonical);
    let amo = every_kpi(AMO, Some(AMO_MAPPING), &months);
    assert_eq!(amo, every_kpi(AMO_CANONICAL, None, &months));
}

#[test]
fn every_source_row_is_kept_or_dropped_for_a_reason() {
    let period = Period::parse("2026-10").unwrap();
    // Relative paths (tests run in the crate root), as messages and the report then show them.
    let r = incentive::run::compute_mapped(
        Path::new("schemes"),
        Path::new(BITRIX),
        Some(BITRIX_MAPPING),
        period,
    )
    .unwrap();
    let usage = r.mapping.expect("a mapped run").usage;
    let canonical_rows = |table: &str| {
        let text = std::fs::read_to_string(crate_path(&format!("samples/2026-10-csv/{table}.csv")))
            .unwrap();
        text.lines().count() - 1
    };
    let mut text = String::new();
    for u in &usage {
        let dropped: usize = u.dropped.iter().map(|(_, n)| n).sum();
        assert_eq!(u.rows, u.kept + dropped, "{u:?}");
        let file = Path::new(&u.place).file_name().unwrap().to_string_lossy();
        text.push_str(&format!(
            "{file} {:?}: {} read, {} kept, dropped {:?}, looked up {:?}\n",
            u.role, u.rows, u.kept, u.dropped, u.looked_up
        ));
    }
    // The rows each canonical table is made of are exactly the canonical sample's.
    let kept = |table: Table| -> usize {
        usage
            .iter()
            .filter(|u| u.role == Role::Feeds(table))
            .map(|u| u.kept)
            .sum()
    };
    assert_eq!(kept(Table::Calls), canonical_rows("calls"));
    assert_eq!(kept(Table::Emails), canonical_rows("emails"));
    assert_eq!(kept(Table::Meetings), canonical_rows("meetings"));
    assert_eq!(kept(Table::Clients), canonical_rows("clients"));
    // The deals of the portal admin, who is not on HR's sheet, are the only extra ones.
    assert_eq!(kept(Table::Deals), canonical_rows("deals") + 4);
    insta::assert_snapshot!("bitrix24_row_usage", text);
}

#[test]
fn map_writes_canonical_tables_that_pay_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("mapped");
    let out_s = out.display().to_string();
    let o = run(
        &[
            "map",
            "--data",
            BITRIX,
            "--mapping",
            BITRIX_MAPPING,
            "--out",
            &out_s,
        ],
        tmp.path(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let report = std::fs::read_to_string(out.join("mapping-report.txt")).unwrap();
    insta::assert_snapshot!("bitrix24_mapping_report", report);
    // The canonical tables the map wrote are a canonical export: they pay the same.
    let canonical = payroll(
        "samples/2026-10-csv",
        None,
        "2026-10",
        &tmp.path().join("c"),
    );
    let data = out.join("canonical").display().to_string();
    let again = payroll(&data, None, "2026-10", &tmp.path().join("again"));
    assert_eq!(again, canonical);
    // source-rows.csv lists every row of every source read, with what became of it.
    let rows = std::fs::read_to_string(out.join("source-rows.csv")).unwrap();
    let telephony =
        std::fs::read_to_string(crate_path(&format!("{BITRIX}/voximplant_statistic.csv"))).unwrap();
    let listed = rows
        .lines()
        .filter(|l| l.contains("voximplant_statistic.csv,"))
        .count();
    assert_eq!(listed, telephony.lines().count() - 1);
    assert!(
        rows.contains(",calls,\"CALL_FAILED_CODE is not \"\"200\"\"\"\n"),
        "a failed call is listed as dropped with its reason"
    );
}

/// Exports the engine has never seen (a leap-year February, and a January across the new year,
/// each with other seeds): the canonical tables, the Bitrix24 export and the amoCRM one agree on every KPI, and
/// the independent standard-library check (`scripts/check_sample_exports.py`, written from the
/// CRMs' documented column meanings, not from the generator or the mapping) rebuilds the
/// canonical rows from both exports.
#[test]
fn generated_exports_agree_with_the_canonical_layout() {
    let tmp = tempfile::tempdir().unwrap();
    for (first, period, seed, months) in [
        ("2028-01", "2028-02", "11", "2"),
        ("2026-12", "2027-01", "3", "2"),
    ] {
        let out = tmp.path().join(period);
        let o = std::process::Command::new(generator())
            .arg("--out")
            .arg(&out)
            .args(["--period", period, "--seed", seed, "--months", months])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        independent_check(&out, period);
        let periods = Period::parse_list(&[format!("{first}..{period}")]).unwrap();
        let dir = |suffix: &str| out.join(format!("{period}-{suffix}")).display().to_string();
        let canonical = every_kpi(&dir("csv"), None, &periods);
        assert!(canonical.len() > 100, "{}", canonical.len());
        assert_eq!(
            every_kpi(&dir("bitrix24"), Some(BITRIX_MAPPING), &periods),
            canonical
        );
        assert_eq!(
            every_kpi(&dir("amocrm"), Some(AMO_MAPPING), &periods),
            every_kpi(&dir("amocrm-canonical"), None, &periods)
        );
    }
}

/// `scripts/check_sample_exports.py` on a generator output folder: it fails (never passes
/// silently) when python3 is missing or any table differs.
fn independent_check(samples: &Path, period: &str) {
    let check = std::process::Command::new("python3")
        .arg(crate_path("scripts/check_sample_exports.py"))
        .arg(samples)
        .arg(period)
        .output()
        .expect("python3 runs the independent check (standard library only)");
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn the_committed_exports_pass_the_independent_check() {
    independent_check(&crate_path("samples"), "2026-10");
}
