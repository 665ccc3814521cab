//! The month-end close (docs/month-end.md), checked against an independent implementation.
//!
//! `scripts/crosscheck.py close` was written from docs/month-end.md alone (standard-library
//! Python, exact fractions), without reading this crate's code. Its own hand-worked cases (a cap
//! that binds and one that does not, a guarantee top-up in a partial month, a recovery limited by
//! the balance and one limited by the level, a refunded deal trued up, two true-ups chained in one run, adjustments of every kind
//! and the refusals of bad ones) are asserted by `close --self-test`, run here. Then the sample
//! of the close (samples/2026-11-close) goes through the real binary, October `--final` and
//! November with `--true-up`, and every employee's bonus, cap, guarantee, recovery, true-up,
//! adjustments, amount and closing balance, read back from payroll.csv and run.json, must be the
//! independent implementation's, to the cent: in October, in November, and in October as
//! recomputed with November's data.

mod common;

use common::run;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::str::FromStr;

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

/// The independent implementation's hand-worked cases hold: otherwise a comparison with it
/// would prove nothing.
#[test]
fn the_independent_close_passes_its_hand_worked_cases() {
    let out = Command::new(python())
        .args(["scripts/crosscheck.py", "close", "--self-test"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 9 + 3 + 1 employees' rows, 1 warning, 10 refused adjustment rows, 3 refusals of scheme
    // rules and true-ups: a self-test that checked nothing would not print this.
    assert_eq!(stdout.trim_end(), "close self-test: 27 checks passed");
}

/// One employee's close, in the independent implementation's columns: bonus, the scheme's lines
/// (cap, guarantee top-up, guarantee_recovery), the true-ups, every line together, what payroll
/// pays, and the closing guarantee balance (0.00 when there is none).
#[derive(Debug, PartialEq)]
struct Close {
    bonus: Decimal,
    cap: Decimal,
    guarantee: Decimal,
    recovery: Decimal,
    true_up: Decimal,
    adjustments: Decimal,
    amount: Decimal,
    closing: Decimal,
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

/// `crosscheck.py close` with `args`, started now (the engine runs meanwhile).
fn independent_close(args: &[&str]) -> Child {
    Command::new(python())
        .args([
            "scripts/crosscheck.py",
            "close",
            "--schemes",
            &format!("{SAMPLE}/schemes"),
        ])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Its output, by employee, and who it says has a recoverable guarantee (a closing balance).
fn independent_rows(child: Child) -> (BTreeMap<String, Close>, BTreeSet<String>) {
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "employee_id,scheme,bonus,cap,guarantee,guarantee_recovery,true_up,adjustments,\
             amount,closing_balance"
        )
    );
    let (mut rows, mut balances) = (BTreeMap::new(), BTreeSet::new());
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 10, "{line}");
        if !f[9].is_empty() {
            balances.insert(f[0].to_string());
        }
        let closing = if f[9].is_empty() { "0" } else { f[9] };
        let row = Close {
            bonus: dec(f[2]),
            cap: dec(f[3]),
            guarantee: dec(f[4]),
            recovery: dec(f[5]),
            true_up: dec(f[6]),
            adjustments: dec(f[7]),
            amount: dec(f[8]),
            closing: dec(closing),
        };
        assert!(rows.insert(f[0].to_string(), row).is_none(), "{line}");
    }
    (rows, balances)
}

/// The engine's close of one run folder: payroll.csv's amount, bonus and adjustments (read
/// back from the file by their header), and run.json's lines and guarantee balance. Also who
/// run.json says has a recoverable guarantee.
fn engine_rows(dir: &Path, manifest: &Path) -> (BTreeMap<String, Close>, BTreeSet<String>) {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap();
    let text = |v: &serde_json::Value| -> String {
        v.as_str()
            .unwrap_or_else(|| panic!("not a string: {v}"))
            .to_string()
    };
    let mut payroll: BTreeMap<String, (Decimal, Decimal, Decimal)> = BTreeMap::new();
    if dir.join("payroll.csv").exists() {
        let mut csv = csv::Reader::from_path(dir.join("payroll.csv")).unwrap();
        let header = csv.headers().unwrap().clone();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (id, amount, bonus, adj) = (
            col("employee_id"),
            col("amount"),
            col("bonus"),
            col("adjustments"),
        );
        for r in csv.records() {
            let r = r.unwrap();
            payroll.insert(
                r[id].to_string(),
                (dec(&r[amount]), dec(&r[bonus]), dec(&r[adj])),
            );
        }
    }
    let (mut rows, mut balances) = (BTreeMap::new(), BTreeSet::new());
    for e in json["employees"].as_array().unwrap() {
        let id = text(&e["employee_id"]);
        let sum = |pick: &dyn Fn(&str, &str) -> bool| -> Decimal {
            e["lines"]
                .as_array()
                .map(|ls| {
                    ls.iter()
                        .filter(|l| pick(&text(&l["kind"]), &text(&l["origin"])))
                        .map(|l| dec(&text(&l["amount"])))
                        .sum()
                })
                .unwrap_or_default()
        };
        let g = &e["guarantee"];
        let recoverable = g["recoverable"].as_bool() == Some(true);
        if recoverable {
            balances.insert(id.clone());
        }
        let row = Close {
            bonus: dec(&text(&e["bonus"])),
            cap: sum(&|k, _| k == "cap"),
            guarantee: sum(&|k, o| k == "guarantee" && o == "scheme"),
            recovery: sum(&|k, _| k == "guarantee_recovery"),
            true_up: sum(&|k, _| k == "true_up"),
            adjustments: dec(&text(&e["adjustments"])),
            amount: dec(&text(&e["total"])),
            closing: if recoverable {
                dec(&text(&g["closing_balance"]))
            } else {
                Decimal::ZERO
            },
        };
        // Every line is in the adjustments, and payroll.csv pays what run.json records.
        assert_eq!(row.adjustments, sum(&|_, _| true), "{id}: {e}");
        assert_eq!(row.amount, row.bonus + row.adjustments, "{id}");
        if let Some(&(amount, bonus, adj)) = payroll.get(&id) {
            assert_eq!(
                (amount, bonus, adj),
                (row.amount, row.bonus, row.adjustments),
                "{id}: payroll.csv against run.json"
            );
        }
        rows.insert(id, row);
    }
    // A run folder's payroll.csv has exactly run.json's employees (a recomputed period's folder
    // has only its run.json).
    if dir.join("payroll.csv").exists() {
        assert_eq!(
            payroll.keys().collect::<Vec<_>>(),
            rows.keys().collect::<Vec<_>>(),
            "{}",
            dir.display()
        );
    } else {
        assert!(
            manifest.ends_with("true-ups/2026-10/run.json"),
            "{}",
            dir.display()
        );
    }
    (rows, balances)
}

/// Employee by employee, with every differing one named at once.
fn assert_close_same(what: &str, engine: &BTreeMap<String, Close>, ours: &BTreeMap<String, Close>) {
    assert_eq!(
        engine.keys().collect::<Vec<_>>(),
        ours.keys().collect::<Vec<_>>(),
        "{what}: the employees"
    );
    let differ: Vec<String> = engine
        .iter()
        .filter(|(id, e)| ours[*id] != **e)
        .map(|(id, e)| format!("{id}:\n  engine      {e:?}\n  independent {:?}", ours[id]))
        .collect();
    assert!(differ.is_empty(), "{what}:\n{}", differ.join("\n"));
}

const SAMPLE: &str = "samples/2026-11-close";

/// The month-end close sample, end to end through the real binary: October run `--final` on
/// the October export (`--previous none`: no earlier final run), then November on the November
/// export with `--true-up` of that run. October, October as recomputed in November
/// (true-ups/2026-10/run.json) and November must each be the independent implementation's,
/// employee by employee: bonus, cap, guarantee top-up, recovery, true-up, all adjustments,
/// amount and closing guarantee balance, to the cent.
#[test]
fn the_close_sample_matches_the_independent_implementation() {
    let oct_data = format!("{SAMPLE}/2026-10");
    let nov_data = format!("{SAMPLE}/2026-11");
    let true_up = format!("2026-10={oct_data}");
    let children = [
        independent_close(&["--period", "2026-10", "--data", &oct_data]),
        // October on today's data, with no adjustments table of its own in the comparison
        // below (a recomputed period's table lines are not recomputed).
        independent_close(&["--period", "2026-10", "--data", &nov_data]),
        independent_close(&[
            "--period",
            "2026-11",
            "--data",
            &nov_data,
            "--true-up",
            &true_up,
        ]),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let (oct, nov) = (tmp.path().join("oct"), tmp.path().join("nov"));
    let (oct_out, nov_out) = (oct.to_str().unwrap(), nov.to_str().unwrap());
    let schemes = format!("{SAMPLE}/schemes");
    let r = run(
        &[
            "run",
            "--schemes",
            &schemes,
            "--data",
            &oct_data,
            "--period",
            "2026-10",
            "--out",
            oct_out,
            "--final",
            "--previous",
            "none",
        ],
        tmp.path(),
    );
    assert_eq!(r.code, 0, "{r:?}");
    let r = run(
        &[
            "run",
            "--schemes",
            &schemes,
            "--data",
            &nov_data,
            "--period",
            "2026-11",
            "--out",
            nov_out,
            "--true-up",
            oct_out,
        ],
        tmp.path(),
    );
    assert_eq!(r.code, 0, "{r:?}");

    let [
        (oct_ours, oct_listed),
        (recomputed_ours, _),
        (nov_ours, nov_listed),
    ] = children.map(independent_rows);
    let (oct_engine, oct_balances) = engine_rows(&oct, &oct.join("run.json"));
    let recomputed = nov.join("true-ups").join("2026-10");
    let (recomputed_engine, _) = engine_rows(&recomputed, &recomputed.join("run.json"));
    let (nov_engine, nov_balances) = engine_rows(&nov, &nov.join("run.json"));

    // The sample's ten people, and every rule at work in it (so that agreeing on zeros cannot
    // pass): a cap in both months, top-ups, a recovery, true-ups both ways, table lines.
    assert_eq!(nov_ours.len(), 10);
    let some = |rows: &BTreeMap<String, Close>, f: fn(&Close) -> Decimal| {
        rows.values().filter(|c| f(c) != Decimal::ZERO).count()
    };
    assert!(some(&oct_ours, |c| c.cap) > 0 && some(&nov_ours, |c| c.cap) > 0);
    assert!(some(&oct_ours, |c| c.guarantee) > 0 && some(&nov_ours, |c| c.guarantee) > 0);
    assert!(some(&nov_ours, |c| c.recovery) > 0);
    assert!(nov_ours.values().any(|c| c.true_up > Decimal::ZERO));
    assert!(nov_ours.values().any(|c| c.true_up < Decimal::ZERO));
    assert!(
        some(&nov_ours, |c| c.adjustments
            - c.cap
            - c.guarantee
            - c.recovery
            - c.true_up)
            > 0
    );
    assert!(some(&nov_ours, |c| c.closing) > 0);

    assert_close_same("2026-10, final", &oct_engine, &oct_ours);
    assert_close_same(
        "2026-11 with the true-up of 2026-10",
        &nov_engine,
        &nov_ours,
    );
    // The recomputed October: the same people and scheme lines; its own table lines are not
    // recomputed (the November export's row for October is finance's, paid by hand).
    let scheme_only = |rows: BTreeMap<String, Close>| -> BTreeMap<String, Close> {
        rows.into_iter()
            .map(|(id, c)| {
                let adjustments = c.cap + c.guarantee + c.recovery;
                let amount = c.bonus + adjustments;
                (
                    id,
                    Close {
                        adjustments,
                        amount,
                        true_up: Decimal::ZERO,
                        ..c
                    },
                )
            })
            .collect()
    };
    assert_close_same(
        "2026-10 as recomputed in November",
        &recomputed_engine,
        &scheme_only(recomputed_ours),
    );
    // Whoever the engine says has a recoverable guarantee has a balance in the independent
    // implementation too (which also shows a 0.00 balance for long-ago hires on a recoverable
    // scheme, where run.json has no guarantee).
    assert!(
        oct_balances.is_subset(&oct_listed),
        "{oct_balances:?} {oct_listed:?}"
    );
    assert!(
        nov_balances.is_subset(&nov_listed),
        "{nov_balances:?} {nov_listed:?}"
    );
    assert!(!nov_balances.is_empty());
}
