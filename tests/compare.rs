//! HR's observation and compare: observed KPIs and candidate schemes never change payroll.csv,
//! compare pays each candidate amount exactly as `incentive run` would, and calibration
//! figures are right on a hand-made history with known percentiles.

mod common;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{copy_dir, crate_path, run, write_csv_folder};
use incentive::analysis::compare::{Verdict, compare};
use incentive::num::{Exact, exact_int};
use incentive::period::Period;
use incentive::results::Role;
use std::collections::BTreeMap;
use std::path::Path;

fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    range.rows().map(|r| r.to_vec()).collect()
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f:.2}"),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// The sample roster with every transactional employee moved to `to` (or given a column).
fn roster_with(data: &Path, edit: impl Fn(&str) -> String) {
    let path = data.join("employees.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let out: String = text.lines().map(|l| edit(l) + "\n").collect();
    std::fs::write(path, out).unwrap();
}

/// payroll.csv as employee_id → amount.
fn payroll(dir: &Path) -> BTreeMap<String, String> {
    let mut r = csv::Reader::from_path(dir.join("payroll.csv")).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[0].to_string(), rec[5].to_string())
        })
        .collect()
}

/// `incentive compare --data DATA --schemes SCHEMES --out OUT ARGS…`, which must succeed.
fn compare_ok(
    tmp: &Path,
    data: &Path,
    schemes: &Path,
    out: &Path,
    args: &[&str],
) -> common::Outcome {
    let mut all = vec![
        "compare",
        "--data",
        data.to_str().unwrap(),
        "--schemes",
        schemes.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    all.extend(args);
    let r = run(&all, tmp);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r
}

/// A sheet as text lines, cells joined by ` | ` (numbers as stored).
fn sheet_lines(path: &Path, name: &str) -> Vec<String> {
    sheet(path, name)
        .iter()
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .map(|d| match d {
                    Data::Float(f) => format!("{f}"),
                    other => cell_text(other),
                })
                .collect();
            cells.join(" | ").trim_end_matches([' ', '|']).to_string()
        })
        .collect()
}

#[test]
fn every_candidate_amount_is_what_run_pays_on_that_scheme() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(&crate_path("samples/2026-10-csv"), &data);
    let schemes = crate_path("schemes");
    let out = tmp.path().join("cmp");
    let args = [
        "--period",
        "2026-07..2026-10",
        "--candidate",
        "transactional-5min",
        "--current",
        "transactional",
    ];
    let r = compare_ok(tmp.path(), &data, &schemes, &out, &args);
    insta::assert_snapshot!("compare_stdout", r.stdout);
    // What HR reads, as text: every cell of Totals and Calibration (numbers as stored).
    let mut text = String::new();
    for name in ["Totals", "Calibration", "Flags"] {
        text.push_str(&format!("== {name}\n"));
        for line in sheet_lines(&out.join("compare.xlsx"), name) {
            text.push_str(&line);
            text.push('\n');
        }
    }
    insta::assert_snapshot!("compare_sheets", text);
    let rows = sheet(&out.join("compare.xlsx"), "Comparison");
    assert_eq!(cell_text(&rows[1][7]), "candidate");
    // (period, employee) → candidate amount, as compare.xlsx shows it.
    let shown: BTreeMap<(String, String), String> = rows[2..]
        .iter()
        .map(|r| ((cell_text(&r[0]), cell_text(&r[1])), cell_text(&r[7])))
        .collect();
    assert_eq!(
        shown.len(),
        39,
        "10 transactional people, one joining in August"
    );

    // The same people paid on the candidate by `incentive run`, period by period.
    let moved = tmp.path().join("moved");
    copy_dir(&data, &moved);
    roster_with(&moved, |l| {
        l.replace(",transactional,", ",transactional-5min,")
    });
    let mut checked = 0;
    for period in ["2026-07", "2026-08", "2026-09", "2026-10"] {
        let out = tmp.path().join(format!("run-{period}"));
        let r = run(
            &[
                "run",
                "--data",
                moved.to_str().unwrap(),
                "--period",
                period,
                "--schemes",
                schemes.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            tmp.path(),
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let paid = payroll(&out);
        for ((p, id), amount) in &shown {
            if p == period {
                assert_eq!(&paid[id], amount, "{period} {id}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 39);
}

/// transactional.yaml with one more KPI, in observation.
fn with_observed_kpi(schemes: &Path, until: &str) {
    let path = schemes.join("transactional.yaml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(&format!(
        "  - id: calls_5min\n    name: {{ en: Calls of 5+ minutes, ru: Звонки от 5 минут }}\n    {until}\n    weight: 20%\n    metric: calls_5min\n    target: 250\n    prorate: yes\n"
    ));
    // The preset's metrics are the catalogue's: calls_5min is the scheme's own.
    assert!(
        !text.contains("\nmetrics:"),
        "transactional.yaml defines no metrics"
    );
    text = text.replace(
        "\nkpis:\n",
        "\nmetrics:\n  calls_5min:\n    count: calls\n    where: { direction: outgoing, duration_sec: { at_least: 300 }, started_at: in_period }\nkpis:\n",
    );
    std::fs::write(path, text).unwrap();
}

#[test]
fn observation_never_changes_payroll() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(&crate_path("samples/2026-10-csv"), &data);
    let schemes = tmp.path().join("schemes");
    copy_dir(&crate_path("schemes"), &schemes);
    let go = |data: &Path, schemes: &Path, name: &str| {
        let out = tmp.path().join(name);
        let r = run(
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
            tmp.path(),
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        (out, r)
    };
    let (plain, _) = go(&data, &schemes, "plain");

    // An observed KPI in the paid scheme, and a candidate scheme beside it for everyone.
    with_observed_kpi(&schemes, "observe: yes");
    let observed = tmp.path().join("observed");
    copy_dir(&data, &observed);
    roster_with(&observed, |l| {
        if l.starts_with("employee_id") {
            format!("{l},observe_scheme")
        } else if l.contains(",transactional,") {
            format!("{l},transactional-5min")
        } else {
            format!("{l},")
        }
    });
    let (with, r) = go(&observed, &schemes, "with");
    assert_eq!(
        std::fs::read(plain.join("payroll.csv")).unwrap(),
        std::fs::read(with.join("payroll.csv")).unwrap(),
        "observation changed payroll.csv"
    );
    assert_eq!(r.stderr, "", "nothing to warn about");
    // diff names the observed KPI as such; no total moves.
    let d = run(
        &["diff", plain.to_str().unwrap(), with.to_str().unwrap()],
        tmp.path(),
    );
    insta::assert_snapshot!("diff_with_an_observed_kpi", d.stdout);
    // verify recomputes observed KPIs and the candidate like everything else.
    let v = run(&["verify", with.to_str().unwrap()], tmp.path());
    assert_eq!(
        (v.code, v.stdout.as_str()),
        (
            0,
            "verified: 30 employees, period 2026-10, every amount matches the recorded run (total 9119620.35)\n"
        ),
        "{}",
        v.stderr
    );

    // It is shown: in the Summary and Breakdown, labelled, and in the Observation sheet.
    let book = with.join("payouts.xlsx");
    let breakdown = sheet(&book, "Breakdown");
    let observed_rows: Vec<&Vec<Data>> = breakdown
        .iter()
        .filter(|r| cell_text(&r[3]) == "calls_5min")
        .collect();
    assert_eq!(observed_rows.len(), 10, "every transactional employee");
    assert_eq!(
        cell_text(&observed_rows[0][4]),
        "Calls of 5+ minutes (observation: not paid)"
    );
    let obs = sheet(&book, "Observation");
    assert_eq!(
        obs.len(),
        2 + 10,
        "a title, a header, the transactional people"
    );
    let manifest = std::fs::read_to_string(with.join("run.json")).unwrap();
    // The paid scheme's observed KPI, and the candidate's own observed KPI.
    assert_eq!(manifest.matches("\"observed\": true").count(), 10 + 10);
    assert_eq!(manifest.matches("\"candidate\": {").count(), 10);
    // The candidate in the Observation sheet is what compare says for the same month.
    let out = tmp.path().join("cmp");
    let args = [
        "--period",
        "2026-10",
        "--candidate",
        "transactional-5min",
        "--current",
        "transactional",
    ];
    compare_ok(tmp.path(), &observed, &schemes, &out, &args);
    let cmp: BTreeMap<String, String> = sheet(&out.join("compare.xlsx"), "Comparison")[2..]
        .iter()
        .map(|r| (cell_text(&r[1]), cell_text(&r[7])))
        .collect();
    let mut same = 0;
    for row in &obs[2..] {
        let id = cell_text(&row[0]);
        if let Some(c) = cmp.get(&id) {
            assert_eq!(&cell_text(&row[6]), c, "{id}");
            same += 1;
        }
    }
    assert_eq!(same, 10, "every transactional employee");
    // The statement shows the observed KPI, marked as not paid.
    let statement = run(
        &[
            "explain",
            "--data",
            observed.to_str().unwrap(),
            "--period",
            "2026-10",
            "--schemes",
            schemes.to_str().unwrap(),
            "--employee",
            "E103",
        ],
        tmp.path(),
    );
    assert_eq!(statement.code, 0, "{}", statement.stderr);
    assert!(
        statement
            .stdout
            .contains("Calls of 5+ minutes (observation: not paid)"),
        "{}",
        statement.stdout
    );
}

#[test]
fn an_observation_that_ended_is_said_plainly() {
    let tmp = tempfile::tempdir().unwrap();
    let schemes = tmp.path().join("schemes");
    copy_dir(&crate_path("schemes"), &schemes);
    with_observed_kpi(&schemes, "observe_until: 2026-08");
    let out = tmp.path().join("out");
    let data = crate_path("samples/2026-10-csv");
    let args = |cmd: &str| -> Vec<String> {
        let mut a: Vec<String> = [
            cmd,
            "--data",
            data.to_str().unwrap(),
            "--period",
            "2026-10",
            "--schemes",
            schemes.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec();
        if cmd == "run" {
            a.extend(["--out".to_string(), out.to_str().unwrap().to_string()]);
        }
        a
    };
    let r = run(&args("run"), tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("observation_ended", r.stderr);
    let v = run(&args("validate"), tmp.path());
    assert_eq!(v.code, 0, "{}", v.stderr);
    assert_eq!(v.stderr, r.stderr);
    // Before its end it is not mentioned.
    let r = run(
        &[
            "validate",
            "--data",
            data.to_str().unwrap(),
            "--period",
            "2026-08",
            "--schemes",
            schemes.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
}

#[test]
fn compare_refuses_what_it_cannot_compare() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(&crate_path("samples/2026-10-csv"), &data);
    let schemes = crate_path("schemes");
    let mut shown = String::new();
    for (what, extra) in [
        (
            "unknown candidate",
            vec!["--candidate", "transactionl", "--period", "2026-10"],
        ),
        (
            "unknown current",
            vec![
                "--candidate",
                "transactional-5min",
                "--current",
                "b2b",
                "--period",
                "2026-10",
            ],
        ),
        (
            "range backwards",
            vec![
                "--candidate",
                "transactional-5min",
                "--period",
                "2026-10..2026-07",
            ],
        ),
        (
            "no one before the sample's hires",
            vec!["--candidate", "transactional-5min", "--period", "2001-01"],
        ),
        (
            "plans the candidate needs",
            vec!["--candidate", "transactional-5min", "--period", "2026-10"],
        ),
    ] {
        let out = tmp.path().join(what.replace(' ', "-"));
        let mut args = vec![
            "compare",
            "--data",
            data.to_str().unwrap(),
            "--schemes",
            schemes.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        let r = run(&args, tmp.path());
        assert_eq!(r.code, 2, "{what}: {}", r.stderr);
        assert!(!out.exists(), "{what}: nothing written");
        shown.push_str(&format!("{what}:\n{}\n", r.stderr));
    }
    insta::assert_snapshot!("compare_refusals", shown);
}

/// Five people over two months on a scheme paying calls against a fixed target of 10, and a
/// candidate with three KPIs on the same count: target 8, target 1 (everyone far above) and
/// target 1000 (no one near). The ten actuals, sorted, are 4 6 8 9 10 11 12 13 15 20.
#[test]
fn calibration_on_a_hand_made_history() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let calls_of: [(&str, [usize; 2]); 5] = [
        ("E1", [4, 12]),
        ("E2", [8, 9]),
        ("E3", [10, 20]),
        ("E4", [15, 6]),
        ("E5", [11, 13]),
    ];
    let mut calls = String::from("call_id,employee_id,started_at,direction,duration_sec\n");
    let mut n = 0;
    for (id, months) in calls_of {
        for (m, count) in months.iter().enumerate() {
            for i in 0..*count {
                n += 1;
                calls.push_str(&format!(
                    "K{n},{id},2026-0{}-{:02} 10:00,outgoing,200\n",
                    m + 1,
                    i % 28 + 1
                ));
            }
        }
    }
    let employees = "employee_id,name,scheme,target_bonus\nE1,A,now,1000\nE2,B,now,1000\nE3,C,now,1000\nE4,D,now,1000\nE5,E,now,1000\n";
    write_csv_folder(&data, &[("employees", employees), ("calls", &calls)]);
    let schemes = tmp.path().join("schemes");
    std::fs::create_dir_all(&schemes).unwrap();
    let metrics = "currency: KZT\ncurve: standard\nmetrics:\n  calls: { count: calls, where: { started_at: in_period } }\n";
    std::fs::write(
        schemes.join("now.yaml"),
        format!("{metrics}kpis:\n  - {{ id: calls, weight: 100%, metric: calls, target: 10, prorate: no }}\n"),
    )
    .unwrap();
    std::fs::write(
        schemes.join("next.yaml"),
        format!("{metrics}kpis:\n  - {{ id: calls, weight: 50%, metric: calls, target: 8, prorate: no }}\n  - {{ id: easy, weight: 30%, metric: calls, target: 1, prorate: no }}\n  - {{ id: hard, weight: 20%, metric: calls, target: 1000, prorate: no }}\n"),
    )
    .unwrap();
    let periods = Period::parse_list(&["2026-01..2026-02"]).unwrap();
    let ds = incentive::load::Dataset::load(&schemes, &[], &data, None, &periods).unwrap();
    let next = ds.scheme_index("next").unwrap();
    let ev = incentive::engine::evaluate(
        ds,
        &|e, p| vec![(e.scheme_in(p), Role::Paid), (next, Role::Candidate)],
        incentive::engine::SourceRows::Skip,
    )
    .unwrap();
    let cmp = compare(&ev, next);
    assert_eq!(cmp.rows.len(), 10);
    let q = |n: i64, d: i64| exact_int(n) / exact_int(d);
    let c = &cmp.calibration[0];
    assert_eq!(c.scored, 10);
    let spread: [Exact; 5] = [exact_int(4), q(33, 4), q(21, 2), q(51, 4), exact_int(20)];
    assert_eq!(c.spread.as_ref(), Some(&spread), "PERCENTILE.INC");
    assert_eq!(
        c.below_threshold,
        Some(q(2, 10)),
        "4 and 6 are under 80% of 8"
    );
    assert_eq!(
        c.above_discuss,
        Some(q(6, 10)),
        "10 and more are above 120% of 8"
    );
    assert_eq!(c.median_attainment, Some(q(21, 16)), "10.5 / 8");
    assert_eq!(c.suggested_target, Some(q(21, 2)), "the median actual");
    assert_eq!(c.verdict, None, "60% above is not nearly everyone");
    assert_eq!(cmp.calibration[1].verdict, Some(Verdict::TargetTooLow));
    assert_eq!(cmp.calibration[2].verdict, Some(Verdict::TargetTooHigh));
    assert!(cmp.calibration[2].no_one_reaches_threshold);
    assert!(!cmp.calibration[0].no_one_reaches_threshold);
    assert_eq!(
        cmp.warnings(&ev),
        [
            "candidate scheme next: no one reaches the threshold of KPI \"hard\" in 2 periods compared; it would pay nothing to anyone: check its target and curve"
        ]
    );
    // E1 in January: 4 calls. Today 40% of 10 pays nothing; the candidate pays only the easy
    // KPI, capped at 130%: 1000 × 30% × 1.3 = 390.
    let e1 = &cmp.rows[0];
    assert_eq!((e1.period.to_string(), e1.employee), ("2026-01".into(), 0));
    assert_eq!(
        (e1.current.to_string(), e1.candidate.to_string()),
        ("0.00".into(), "390.00".into())
    );
    // The same through the binary: the Flags sheet says which targets to move, and where to.
    let out = tmp.path().join("out");
    let args = ["--period", "2026-01..2026-02", "--candidate", "next"];
    compare_ok(tmp.path(), &data, &schemes, &out, &args);
    let flags = sheet_lines(&out.join("compare.xlsx"), "Flags");
    insta::assert_snapshot!("hand_made_flags", flags.join("\n"));
    let all = &cmp.totals[&(None, "KZT".to_string())];
    assert_eq!(all.moves.gain + all.moves.lose + all.moves.same, 10);
    assert_eq!(
        cmp.cost_factor["KZT"],
        Some(incentive::num::exact(all.current) / incentive::num::exact(all.candidate))
    );
}

#[test]
fn validate_checks_every_period_from_one_read() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(&crate_path("samples/2026-10-csv"), &data);
    let schemes = crate_path("schemes");
    let validate = |period: &str| {
        run(
            &[
                "validate",
                "--data",
                data.to_str().unwrap(),
                "--schemes",
                schemes.to_str().unwrap(),
                "--period",
                period,
            ],
            tmp.path(),
        )
    };
    let r = validate("2026-07..2026-10");
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            0,
            "ok: 4 schemes, 30 employees, periods 2026-07..2026-10: no problems\n"
        )
    );
    // One plan row of August gone: found when August is among the periods, and only then.
    let plans = std::fs::read_to_string(data.join("plans.csv")).unwrap();
    let gone = plans
        .lines()
        .find(|l| l.starts_with("E103,2026-08,"))
        .unwrap()
        .to_string();
    std::fs::write(
        data.join("plans.csv"),
        plans.replace(&format!("{gone}\n"), ""),
    )
    .unwrap();
    let r = validate("2026-07..2026-10");
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: 1 problem in the input; nothing was written:\n  [TMP]/data/plans.csv: no plan for employee \"E103\", period 2026-08, metric \"revenue\"; KPI \"revenue\" of scheme transactional needs it\n"
    );
    assert_eq!(validate("2026-09..2026-10").code, 0);
}

/// A person moved from transactional to account-manager in September: earlier months are paid
/// (and compared) on the old scheme, and compare lists the change.
#[test]
fn a_change_of_scheme_is_paid_by_period_and_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(&crate_path("samples/2026-10-csv"), &data);
    // E103 (transactional) records the change: the roster's scheme is the new one.
    roster_with(&data, |l| {
        if l.starts_with("employee_id") {
            format!("{l},previous_scheme,scheme_since")
        } else if l.starts_with("E103,") {
            format!(
                "{},transactional,2026-09",
                l.replace(",transactional,", ",transactional-5min,")
            )
        } else {
            format!("{l},,")
        }
    });
    let periods = Period::parse_list(&["2026-08..2026-09"]).unwrap();
    let ds =
        incentive::load::Dataset::load(&crate_path("schemes"), &[], &data, None, &periods).unwrap();
    let candidate = ds.scheme_index("transactional-5min").unwrap();
    let transactional = ds.scheme_index("transactional").unwrap();
    let ev = incentive::engine::evaluate(
        ds,
        &|e, p| {
            let paid = e.scheme_in(p);
            if paid == transactional || e.id == "E103" {
                vec![(paid, Role::Paid), (candidate, Role::Candidate)]
            } else {
                Vec::new()
            }
        },
        incentive::engine::SourceRows::Skip,
    )
    .unwrap();
    let cmp = compare(&ev, candidate);
    let change: Vec<(String, String, String, String)> = cmp
        .scheme_changes
        .iter()
        .map(|c| {
            (
                ev.roster[c.employee].id.clone(),
                c.period.to_string(),
                ev.schemes[c.from].id.clone(),
                ev.schemes[c.to].id.clone(),
            )
        })
        .collect();
    assert_eq!(
        change,
        [(
            "E103".to_string(),
            "2026-09".to_string(),
            "transactional".to_string(),
            "transactional-5min".to_string()
        )]
    );
    // In September E103 is paid on the candidate itself: no change of pay.
    let sept = cmp
        .rows
        .iter()
        .find(|r| ev.roster[r.employee].id == "E103" && r.period.to_string() == "2026-09")
        .unwrap();
    assert_eq!(sept.delta.to_string(), "0.00");
    // A monthly run pays August on the previous scheme.
    let august = incentive::run::compute(
        &crate_path("schemes"),
        &data,
        Period::parse("2026-08").unwrap(),
    )
    .unwrap();
    let e103 = august
        .employees
        .iter()
        .find(|e| e.employee.id == "E103")
        .unwrap();
    assert_eq!(e103.employee.scheme_id, "transactional");
}

/// What compare.xlsx adds up is what its rows hold: every period's and team's cost is the sum
/// of its rows, gains + losses + unchanged = rows, the largest losses are the most negative
/// per-person sums, in order, and the cost factor turns the candidate's cost into today's.
#[test]
fn compare_totals_are_the_sums_of_its_rows() {
    let data = crate_path("samples/2026-10-csv");
    let periods = Period::parse_list(&["2026-07..2026-10"]).unwrap();
    let ds =
        incentive::load::Dataset::load(&crate_path("schemes"), &[], &data, None, &periods).unwrap();
    let candidate = ds.scheme_index("transactional-5min").unwrap();
    let current = ds.scheme_index("transactional").unwrap();
    let ev = incentive::engine::evaluate(
        ds,
        &|e, p| {
            let paid = e.scheme_in(p);
            if paid == current {
                vec![(paid, Role::Paid), (candidate, Role::Candidate)]
            } else {
                Vec::new()
            }
        },
        incentive::engine::SourceRows::Skip,
    )
    .unwrap();
    let cmp = compare(&ev, candidate);
    use rust_decimal::Decimal;
    let mut by_key: BTreeMap<(Option<String>, String), (Decimal, Decimal, usize)> = BTreeMap::new();
    let mut by_team: BTreeMap<String, (Decimal, Decimal, usize)> = BTreeMap::new();
    let mut by_person: BTreeMap<usize, Decimal> = BTreeMap::new();
    for r in &cmp.rows {
        assert_eq!(r.delta, r.candidate - r.current);
        for key in [Some(r.period.to_string()), None] {
            let e = by_key.entry((key, r.currency.clone())).or_default();
            e.0 += r.current;
            e.1 += r.candidate;
            e.2 += 1;
        }
        let t = by_team
            .entry(ev.roster[r.employee].team.clone())
            .or_default();
        t.0 += r.current;
        t.1 += r.candidate;
        t.2 += 1;
        *by_person.entry(r.employee).or_default() += r.delta;
    }
    assert_eq!(by_key.len(), cmp.totals.len());
    for ((period, currency), c) in &cmp.totals {
        let (cur, cand, n) = by_key[&(period.map(|p| p.to_string()), currency.clone())];
        assert_eq!((c.current, c.candidate), (cur, cand));
        assert_eq!(c.moves.gain + c.moves.lose + c.moves.same, n);
    }
    for ((team, _), c) in &cmp.teams {
        let (cur, cand, n) = by_team[team];
        assert_eq!((c.current, c.candidate), (cur, cand));
        assert_eq!(c.moves.gain + c.moves.lose + c.moves.same, n);
    }
    let mut losses: Vec<(Decimal, usize)> = by_person
        .iter()
        .filter(|(_, d)| **d < Decimal::ZERO)
        .map(|(e, d)| (*d, *e))
        .collect();
    losses.sort();
    let shown: Vec<(Decimal, usize)> = cmp
        .largest_losses
        .iter()
        .map(|l| (l.delta, l.employee))
        .collect();
    assert_eq!(shown, losses.into_iter().take(10).collect::<Vec<_>>());
    let all = &cmp.totals[&(None, "KZT".to_string())];
    let factor = cmp.cost_factor["KZT"].clone().unwrap();
    assert_eq!(
        incentive::num::exact(all.candidate) * factor,
        incentive::num::exact(all.current)
    );
    let bins: usize = cmp.delta_bins().iter().sum();
    assert_eq!(
        bins,
        cmp.rows.iter().filter(|r| r.delta_share.is_some()).count()
    );
}
