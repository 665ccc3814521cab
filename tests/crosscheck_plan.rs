//! `incentive plan` (issue 12, docs/plan.md) against its independent implementation,
//! `scripts/crosscheck_plan.py` (written from docs/plan.md alone, in Python with exact
//! fractions): on every hand-made 13-month history of tests/fixtures/plan/ with each option set
//! its `options` file lists, and on the history sample (samples/2026-10-history/) with several,
//! plans.csv and plan.json are compared with the checker's output field by field: every plan
//! (base and where it came from, growth, season, share, the whole-month plan, the raw and the
//! rounded plan, the history months used), the manual list, the warnings, the teams, the
//! season, the company target and the back-test bands and flag.
//!
//! Without python3 the tests fail (never a silent pass); the checker's own hand-worked
//! arithmetic is asserted by its `--self-test`, run here too.

mod common;

use common::{crate_path, run};
use rust_decimal::Decimal;
use serde_json::Value;
use std::ffi::OsString;
use std::path::Path;
use std::str::FromStr;
use tempfile::TempDir;

/// The checker's output for `data` with each option set (the `incentive plan` options but
/// --data, --schemes and --out), from one run of it (`--options FILE`).
fn checker(data: &Path, option_sets: &[String], tmp: &Path) -> Vec<Value> {
    let file = tmp.join("options");
    std::fs::write(&file, option_sets.join("\n")).unwrap();
    let out = std::process::Command::new(common::python())
        .arg(crate_path("scripts/crosscheck_plan.py"))
        .arg("--data")
        .arg(data)
        .arg("--schemes")
        .arg(crate_path("schemes"))
        .arg("--options")
        .arg(&file)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "crosscheck_plan.py {data:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(all.len(), option_sets.len());
    all
}

/// `incentive plan --data DATA --schemes schemes/ OPTS --out TMP/out`: plan.json and the rows
/// of plans.csv.
fn binary(data: &Path, opts: &[String], tmp: &Path) -> (Value, Vec<Vec<String>>) {
    let out = tmp.join("out");
    let mut args: Vec<OsString> = vec![
        "plan".into(),
        "--data".into(),
        data.into(),
        "--schemes".into(),
        crate_path("schemes").into(),
        "--out".into(),
        out.clone().into(),
    ];
    args.extend(opts.iter().map(Into::into));
    let o = run(&args, tmp);
    assert_eq!(o.code, 0, "incentive plan {opts:?}: {}", o.stderr);
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    let mut reader = csv::Reader::from_path(out.join("plans.csv")).unwrap();
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["employee_id", "period", "metric", "target"]
    );
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (json, rows)
}

/// A number written as a string (or a JSON number); None for null or a missing field.
fn num(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => Some(
            Decimal::from_str(s.trim())
                .or_else(|_| Decimal::from_scientific(s.trim()))
                .unwrap_or_else(|_| panic!("not a number: {s:?}")),
        ),
        Value::Number(n) => Some(Decimal::from_str(&n.to_string()).unwrap()),
        _ => None,
    }
}

/// The differences found, each naming the run, the field and both values.
#[derive(Default)]
struct Diffs(Vec<String>);

impl Diffs {
    /// Two exact numbers agree to the 6 decimals the checker prints (both are rounded there).
    fn number(&mut self, at: &str, got: &Value, want: &Value) {
        let ok = match (num(got), num(want)) {
            (Some(a), Some(b)) => (a - b).abs() <= Decimal::new(1, 6),
            (None, None) => true,
            _ => false,
        };
        if !ok {
            self.0
                .push(format!("{at}: incentive {got}, checker {want}"));
        }
    }

    fn same(&mut self, at: &str, got: &Value, want: &Value) {
        if got != want {
            self.0
                .push(format!("{at}: incentive {got}, checker {want}"));
        }
    }
}

/// The four back-test bands as the checker writes them: [below 80%, 80-100%, 100-120%,
/// above 120%].
fn bands(v: &Value) -> Value {
    serde_json::json!([v["below_80"], v["80_100"], v["100_120"], v["above_120"]])
}

/// The entry of a list of objects whose `metric` is `metric` (Null when there is none).
fn by_metric<'a>(list: &'a Value, metric: &str) -> &'a Value {
    list.as_array()
        .and_then(|l| l.iter().find(|x| x["metric"] == metric))
        .unwrap_or(&Value::Null)
}

/// Compares one run of the binary with the checker's output.
fn compare(label: &str, json: &Value, rows: &[Vec<String>], want: &Value, d: &mut Diffs) {
    let for_ = want["for"].as_str().unwrap();
    for f in [
        "for",
        "method",
        "export_first_month",
        "history",
        "min_history",
    ] {
        d.same(&format!("{label}: {f}"), &json[f], &want[f]);
    }
    for f in ["growth", "step"] {
        d.number(&format!("{label}: {f}"), &json[f], &want[f]);
    }
    // plans.csv: exactly the checker's plans, in employee_id then metric order.
    let csv_got: Vec<String> = rows
        .iter()
        .map(|r| {
            let target = num(&Value::String(r[3].clone())).unwrap().normalize();
            format!("{},{},{},{}", r[0], r[1], r[2], target)
        })
        .collect();
    let csv_want: Vec<String> = want["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{},{for_},{},{}",
                p["employee_id"].as_str().unwrap(),
                p["metric"].as_str().unwrap(),
                num(&p["plan"]).unwrap().normalize()
            )
        })
        .collect();
    if csv_got != csv_want {
        d.0.push(format!(
            "{label}: plans.csv\n  incentive {csv_got:?}\n  checker   {csv_want:?}"
        ));
    }
    // plan.json's plans, matched by employee and metric.
    let empty = vec![];
    let got_plans = json["plans"].as_array().unwrap_or(&empty);
    let key = |p: &Value| {
        (
            p["employee_id"].as_str().unwrap_or("").to_string(),
            p["metric"].as_str().unwrap_or("").to_string(),
        )
    };
    let got_keys: Vec<_> = got_plans.iter().map(key).collect();
    let want_keys: Vec<_> = want["plans"].as_array().unwrap().iter().map(key).collect();
    if got_keys != want_keys {
        d.0.push(format!(
            "{label}: plan.json plans\n  incentive {got_keys:?}\n  checker   {want_keys:?}"
        ));
    }
    for w in want["plans"].as_array().unwrap() {
        let (eid, metric) = key(w);
        let Some(g) = got_plans
            .iter()
            .find(|g| key(g) == (eid.clone(), metric.clone()))
        else {
            continue;
        };
        let at = format!("{label}: {eid} {metric}");
        for f in ["full_month", "raw", "plan"] {
            d.number(&format!("{at}: {f}"), &g[f], &w[f]);
        }
        // Planned without a base (top-down's equal split): the checker has none to show.
        if w["base_from"] != "none" {
            d.number(&format!("{at}: base"), &g["base"], &w["base"]);
        }
        // growth (the factor) and season as applied; top-down applies neither (null).
        for f in ["growth", "season"] {
            d.number(&format!("{at}: {f}"), &g[f], &w[f]);
        }
        for f in ["share", "scheme", "team"] {
            let got = match (f, &g[f]) {
                ("team", Value::String(t)) if t.is_empty() => Value::from("(no team)"),
                (_, v) => v.clone(),
            };
            d.same(&format!("{at}: {f}"), &got, &w[f]);
        }
        let from = match &g["base_from"] {
            Value::Object(m) => m
                .keys()
                .next()
                .cloned()
                .map(Value::String)
                .unwrap_or(Value::Null),
            other => other.clone(),
        };
        d.same(&format!("{at}: base_from"), &from, &w["base_from"]);
        if w["base_from"] == "colleagues" {
            let count = g
                .get("colleagues")
                .cloned()
                .or_else(|| g["base_from"].get("colleagues").cloned())
                .unwrap_or(Value::Null);
            d.same(&format!("{at}: colleagues"), &count, &w["colleagues"]);
        }
        let hist = |p: &Value| -> Vec<(String, bool)> {
            p["history"]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .map(|h| {
                    (
                        h["period"].as_str().unwrap_or("").to_string(),
                        h["used"].as_bool().unwrap_or(false),
                    )
                })
                .collect()
        };
        if hist(g) != hist(w) {
            d.0.push(format!(
                "{at}: history months used\n  incentive {:?}\n  checker   {:?}",
                hist(g),
                hist(w)
            ));
        }
        for (gh, wh) in g["history"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .zip(w["history"].as_array().unwrap())
        {
            if wh["used"] == true {
                d.number(
                    &format!("{at}: history {} value", wh["period"]),
                    &gh["value"],
                    &wh["value"],
                );
            }
        }
    }
    // The manual list.
    let manual = |v: &Value| -> Vec<(String, String)> {
        v.as_array()
            .unwrap_or(&empty)
            .iter()
            .map(|m| {
                (
                    m["employee_id"].as_str().unwrap_or("").to_string(),
                    m["metric"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    if manual(&json["manual"]) != manual(&want["manual"]) {
        d.0.push(format!(
            "{label}: manual\n  incentive {:?}\n  checker   {:?}",
            manual(&json["manual"]),
            manual(&want["manual"])
        ));
    }
    // The warnings: (code, employee_id or team, metric), as sets.
    let mut got_w: Vec<(String, String, String)> = Vec::new();
    for w in json["warnings"].as_array().unwrap_or(&empty) {
        let code = w["code"].as_str().unwrap_or("").to_string();
        let who = match w["employee_id"].as_str() {
            Some(e) if !e.is_empty() => e.to_string(),
            _ => match w["team"].as_str().unwrap_or("") {
                "" => "(no team)".to_string(),
                t => t.to_string(),
            },
        };
        got_w.push((code, who, w["metric"].as_str().unwrap_or("").to_string()));
    }
    // The back-test flags are warnings too; they are compared with the back-test below.
    got_w.retain(|w| w.0 == "above_best" || w.0 == "below_worst" || w.0 == "team_above_best");
    got_w.sort();
    got_w.dedup();
    let mut want_w: Vec<(String, String, String)> = want["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let who = match w["employee_id"].as_str().unwrap() {
                "" => w["team"].as_str().unwrap().to_string(),
                e => e.to_string(),
            };
            (
                w["code"].as_str().unwrap().to_string(),
                who,
                w["metric"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    want_w.sort();
    if got_w != want_w {
        d.0.push(format!(
            "{label}: warnings\n  incentive {got_w:?}\n  checker   {want_w:?}"
        ));
    }
    // The season per metric.
    for (metric, w) in want["season"].as_object().unwrap() {
        let g = &json["season"][metric];
        d.number(
            &format!("{label}: season {metric}: index"),
            &g["index"],
            &w["index"],
        );
        if !w["index"].is_null() {
            d.number(
                &format!("{label}: season {metric}: the same month's total"),
                &g["same_month_total"],
                &w["same_month"],
            );
            d.number(
                &format!("{label}: season {metric}: average"),
                &g["average"],
                &w["average"],
            );
        }
    }
    // The teams: per team and metric, the rounded plans' total and the best month.
    for w in want["teams"].as_array().unwrap() {
        let team = w["team"].as_str().unwrap();
        let metric = w["metric"].as_str().unwrap();
        let g = json["teams"].as_array().and_then(|ts| {
            ts.iter().find(|t| {
                let name = match t["team"].as_str().unwrap_or("") {
                    "" => "(no team)",
                    n => n,
                };
                name == team && t["metric"] == metric
            })
        });
        let Some(g) = g else {
            d.0.push(format!("{label}: teams: no {team} {metric}"));
            continue;
        };
        for f in ["plan_total", "best_total"] {
            d.number(&format!("{label}: team {team} {metric}: {f}"), &g[f], &w[f]);
        }
        d.same(
            &format!("{label}: team {team} {metric}: best_month"),
            &g["best_month"],
            &w["best_month"],
        );
    }
    let team_keys = |v: &Value| -> Vec<(String, String)> {
        let mut k: Vec<_> = v
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .map(|t| {
                let name = match t["team"].as_str().unwrap_or("") {
                    "" => "(no team)",
                    n => n,
                };
                (
                    name.to_string(),
                    t["metric"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        k.sort();
        k
    };
    if team_keys(&json["teams"]) != team_keys(&want["teams"]) {
        d.0.push(format!(
            "{label}: teams\n  incentive {:?}\n  checker   {:?}",
            team_keys(&json["teams"]),
            team_keys(&want["teams"])
        ));
    }
    // The company target.
    for (metric, w) in want["company_target"].as_object().unwrap() {
        for f in ["target", "rounded_sum"] {
            d.number(
                &format!("{label}: company_target {metric}: {f}"),
                &by_metric(&json["company_target"], metric)[f],
                &w[f],
            );
        }
    }
    // The back-test: per metric and month, the bands of the method and of the plans used.
    for (metric, w) in want["backtest"].as_object().unwrap() {
        let g = by_metric(&json["backtest"], metric);
        let at = format!("{label}: backtest {metric}");
        for f in ["method", "actual"] {
            d.same(&format!("{at}: {f}"), &bands(&g[f]), &w[f]);
            d.same(
                &format!("{at}: {f} count"),
                &g[f]["count"],
                &w[f]
                    .as_array()
                    .map(|b| b.iter().map(|x| x.as_u64().unwrap()).sum::<u64>())
                    .into(),
            );
        }
        d.same(&format!("{at}: flag"), &g["flag"], &w["flag"]);
        let months = |v: &Value, binary: bool| -> Vec<Value> {
            v["months"]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .map(|m| {
                    serde_json::json!([
                        m["period"],
                        if binary {
                            bands(&m["method"])
                        } else {
                            m["method"].clone()
                        },
                        if binary {
                            bands(&m["actual"])
                        } else {
                            m["actual"].clone()
                        },
                        !m["skipped"].is_null() && m["skipped"] != false
                    ])
                })
                .collect()
        };
        if months(g, true) != months(w, false) {
            d.0.push(format!(
                "{at}: months\n  incentive {:?}\n  checker   {:?}",
                months(g, true),
                months(w, false)
            ));
        }
    }
}

/// Runs the binary and the checker on `data` with each option set; fails with every
/// difference at once.
fn agree(data: &Path, option_sets: &[String]) {
    let mut d = Diffs::default();
    let tmp = TempDir::new().unwrap();
    let wanted = checker(data, option_sets, tmp.path());
    for (n, (line, want)) in option_sets.iter().zip(&wanted).enumerate() {
        let opts: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        let run_dir = tmp.path().join(format!("run{n}"));
        std::fs::create_dir(&run_dir).unwrap();
        let (json, rows) = binary(data, &opts, &run_dir);
        let name = data.file_name().unwrap().to_string_lossy();
        compare(&format!("{name} [{line}]"), &json, &rows, want, &mut d);
    }
    assert_none(d);
}

/// Fails with every difference at once.
fn assert_none(d: Diffs) {
    assert!(
        d.0.is_empty(),
        "incentive plan and scripts/crosscheck_plan.py differ in {} place(s):\n{}",
        d.0.len(),
        d.0.join("\n")
    );
}

/// The checker's own hand-worked arithmetic (with the committed fixtures byte for byte what
/// it writes): a checker that checked nothing would not print this count.
#[test]
fn the_checker_passes_its_hand_worked_checks() {
    let out = std::process::Command::new(common::python())
        .arg(crate_path("scripts/crosscheck_plan.py"))
        .arg("--self-test")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        "96 checks passed"
    );
}

/// A hand-made history (tests/fixtures/plan/NAME) with every option set of its `options` file.
fn fixture(name: &str) {
    let case = crate_path("tests/fixtures/plan").join(name);
    let options: Vec<String> = std::fs::read_to_string(case.join("options"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    assert!(options.len() >= 4, "{case:?}");
    agree(&case, &options);
}

/// Every folder of tests/fixtures/plan/ is one of the tests below.
#[test]
fn every_hand_made_history_is_compared() {
    let mut names: Vec<String> = std::fs::read_dir(crate_path("tests/fixtures/plan"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["edges", "farmers", "seasonal", "trend"]);
}

/// Seasonality, joiners on colleagues' median (one and two colleagues), a leaver and a joiner
/// prorated, a manual plan, above_best, below_worst, team_above_best against a month outside
/// the history, top-down equal (a half rounded up) and by history, blend, --since,
/// --min-history, --step.
#[test]
fn the_seasonal_history_agrees_with_the_independent_checker() {
    fixture("seasonal");
}

/// Growing revenue: the back-test flags the plans too easy, and with +200% too hard.
#[test]
fn the_trend_history_agrees_with_the_independent_checker() {
    fixture("trend");
}

/// Account managers on upsell, a change of scheme, an earlier leaver in the department's
/// total, a history of zeros, a month's tail before the export's first month.
#[test]
fn the_farmers_history_agrees_with_the_independent_checker() {
    fixture("farmers");
}

/// The export's first month from a call, a month of zeros, a one-month joiner.
#[test]
fn the_edges_history_agrees_with_the_independent_checker() {
    fixture("edges");
}

/// The history sample (samples/2026-10-history/: 13 months, 2025-10 .. 2026-10) bottom-up and
/// blended to company targets (two runs of a real-sized export: seconds each in a debug build).
#[test]
fn the_history_sample_agrees_with_the_independent_checker() {
    let data = crate_path("samples/2026-10-history");
    assert!(data.join("employees.csv").is_file(), "{data:?} is missing");
    let sets: Vec<String> = [
        "--for 2026-11",
        "--for 2026-11 --method blend --company-target revenue=300000000 --company-target upsell=20000000",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    agree(&data, &sets);
}

/// The October sample (samples/2026-10-csv/: four months, whose first, June, is a month's tail:
/// the export starts in July) with a growth on a short history, and a top-down split (two runs
/// of a real-sized export: each takes seconds in a debug build).
#[test]
fn the_october_sample_agrees_with_the_independent_checker() {
    let sets: Vec<String> = [
        "--for 2026-11 --since 2026-07 --history 3 --growth 10%",
        "--for 2026-11 --method top-down --split history --company-target revenue=200000000 --company-target upsell=30000000",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    agree(&crate_path("samples/2026-10-csv"), &sets);
}
