//! The month-end close through the real binary: adjustments, the cap, the guarantee and its
//! balance, true-ups of final runs, and verify and diff naming them (docs/month-end.md).
//!
//! tests/fixtures/close-mini is tests/fixtures/mini (whose bonuses are worked by hand in
//! tests/bad_input.rs: E1 108 125.00, E2 48 800.00, E3 109 100.00) with a new hire E4 on
//! `transactional` (hired 2026-10-12, target bonus 80 000, no activity: bonus 0.00), an
//! adjustments table, `max_total: 100%` on b2b-long-cycle and a recoverable guarantee of 50% for
//! 3 months on transactional. October 2026, by hand:
//!
//! - E1: bonus 108 125.00 > cap 100% × 100 000 × 31/31 = 100 000.00 → cap −8 125.00; correction
//!   +1 234.56 → adjustments −6 890.44, amount 101 234.56.
//! - E2: bonus 48 800.00 (hired 2025: no guarantee window); one_off +15 000.00 and an agreed
//!   guarantee row +5 000.00 → amount 68 800.00.
//! - E3: bonus 109 100.00; clawback −20 000.00 (ref D20) and other −100.00 → amount 89 000.00.
//! - E4: bonus 0.00; window 2026-10-12..2027-01-11, 20 of 31 days in October → minimum
//!   80 000 × 50% × 20/31 = 25 806.4516… → 25 806.45, the guarantee line; balance 25 806.45.
//!   Total 284 841.01.

mod common;

use common::{copy_dir, crate_path, run};
use std::path::{Path, PathBuf};

const FIXTURE: &str = "tests/fixtures/close-mini";

struct Case {
    tmp: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(
            &crate_path(&format!("{FIXTURE}/data")),
            &tmp.path().join("data"),
        );
        copy_dir(
            &crate_path(&format!("{FIXTURE}/schemes")),
            &tmp.path().join("schemes"),
        );
        Case { tmp }
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
    fn s(&self, rel: &str) -> String {
        self.p(rel).display().to_string()
    }
    /// `incentive run` of `period` over `data` into `out`, with `extra` arguments.
    fn run(&self, data: &str, period: &str, out: &str, extra: &[&str]) -> common::Outcome {
        let mut args = vec![
            "run".to_string(),
            "--data".into(),
            self.s(data),
            "--schemes".into(),
            self.s("schemes"),
            "--period".into(),
            period.into(),
            "--out".into(),
            self.s(out),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        run(&args, self.tmp.path())
    }
    /// October, final, with the balances starting at zero.
    fn october(&self) {
        let o = self.run("data", "2026-10", "oct", &["--final", "--previous", "none"]);
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    /// November's export: October's rows, deal D1 (E1's, won in October) refunded on
    /// 2026-11-05, and November's adjustments instead of October's.
    fn november_data(&self) {
        copy_dir(&self.p("data"), &self.p("nov"));
        let deals = std::fs::read_to_string(self.p("nov/deals.csv")).unwrap();
        let deals: String = deals
            .lines()
            .map(|l| {
                if l.starts_with("D1,") {
                    format!("{l}2026-11-05\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        std::fs::write(self.p("nov/deals.csv"), deals).unwrap();
        std::fs::write(
            self.p("nov/adjustments.csv"),
            "employee_id,period,amount,kind,reason,approved_by,reference,note\n\
             E1,2026-11,-500.00,clawback,Gift card bought on the company card,Finance controller,,\n",
        )
        .unwrap();
    }
    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.p(rel)).unwrap()
    }
    fn manifest(&self, rel: &str) -> serde_json::Value {
        serde_json::from_str(&self.read(rel)).unwrap()
    }
}

/// Every row of payroll.csv: amount = bonus + adjustments; and the amounts add up to run.json's
/// total. Returns the rows as (employee_id, amount, bonus, adjustments).
fn payroll_rows(path: &Path, manifest_total: &str) -> Vec<(String, String, String, String)> {
    use rust_decimal::Decimal;
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "employee_id",
            "name",
            "period",
            "scheme",
            "currency",
            "amount",
            "bonus",
            "adjustments"
        ]
    );
    let mut sum = Decimal::ZERO;
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let d = |i: usize| rec[i].parse::<Decimal>().unwrap();
        assert_eq!(d(5), d(6) + d(7), "amount = bonus + adjustments: {rec:?}");
        sum += d(5);
        out.push((
            rec[0].to_string(),
            rec[5].to_string(),
            rec[6].to_string(),
            rec[7].to_string(),
        ));
    }
    assert_eq!(
        sum.to_string(),
        manifest_total,
        "payroll.csv adds up to the total"
    );
    out
}

fn rows(v: &[(&str, &str, &str, &str)]) -> Vec<(String, String, String, String)> {
    v.iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect()
}

#[test]
fn october_pays_the_hand_worked_lines() {
    let case = Case::new();
    case.october();
    let m = case.manifest("oct/run.json");
    assert_eq!(m["total"], "284841.01");
    assert_eq!(m["bonus_totals"]["KZT"], "266025.00");
    assert_eq!(m["adjustment_totals"]["KZT"], "18816.01");
    assert_eq!(m["balances_from_zero"], true);
    assert_eq!(
        payroll_rows(&case.p("oct/payroll.csv"), "284841.01"),
        rows(&[
            ("E1", "101234.56", "108125.00", "-6890.44"),
            ("E2", "68800.00", "48800.00", "20000.00"),
            ("E3", "89000.00", "109100.00", "-20100.00"),
            ("E4", "25806.45", "0.00", "25806.45"),
        ])
    );
    let lines = |i: usize| {
        m["employees"][i]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                format!(
                    "{} {} {} {}",
                    l["kind"].as_str().unwrap(),
                    l["amount"].as_str().unwrap(),
                    l["origin"].as_str().unwrap(),
                    l["row"].as_u64().map(|r| r.to_string()).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        lines(0),
        ["cap -8125.00 scheme ", "correction 1234.56 table 2"]
    );
    assert_eq!(
        lines(1),
        ["one_off 15000.00 table 3", "guarantee 5000.00 table 4"]
    );
    assert_eq!(
        lines(2),
        ["clawback -20000.00 table 5", "other -100.00 table 6"]
    );
    assert_eq!(lines(3), ["guarantee 25806.45 scheme "]);
    // The note stays in run.json (finance's), with the reference.
    assert_eq!(m["employees"][2]["lines"][0]["reference"], "D20");
    assert_eq!(
        m["employees"][2]["lines"][0]["note"],
        "refund confirmed by accounting on 2026-10-28"
    );
    assert_eq!(
        m["employees"][3]["guarantee"],
        serde_json::json!({
            "from": "2026-10-12", "until": "2027-01-11", "days": 20, "minimum": "25806.45",
            "recoverable": true, "opening_balance": "0.00", "top_up": "25806.45",
            "recovered": "0.00", "closing_balance": "25806.45"
        })
    );
    assert_eq!(
        m["employees"][0]["cap"],
        serde_json::json!({"max_total": "1", "limit": "100000.00"})
    );
    // verify recomputes every line.
    let v = run(&["verify", &case.s("oct")], case.tmp.path());
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
}

#[test]
fn a_refunded_deal_is_trued_up_in_the_next_month() {
    let case = Case::new();
    case.october();
    case.november_data();
    let o = case.run("nov", "2026-11", "novout", &["--true-up", &case.s("oct")]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    insta::assert_snapshot!(o.stdout, @r"
    2026-11: 4 employees, total 58125.00 KZT
    close:    bonus 87500.00 KZT, adjustments -29375.00 KZT (3 lines, sheet Adjustments)
    true-up:  2026-10 recomputed from the final run [TMP]/oct: 1 employee, -68875.00 KZT
    balances: carried from the final run of 2026-10 ([TMP]/oct)
    payroll:  [TMP]/novout/payroll.csv
    workbook: [TMP]/novout/payouts.xlsx
    statements: [TMP]/novout/statements (4 files)
    manifest: [TMP]/novout/run.json
    ");
    // E1 in October, recomputed: D1 (600 000, a won proposal) is refunded, so revenue is
    // 500 000 of 1 000 000 = 50% → 0 (was 57 500.00), and proposals won 0 of 1 closed → 0 (was
    // 19 500.00); pipeline 18 000.00 and meetings 13 125.00 stay: 31 125.00, under the cap.
    // Paid by the scheme in October: 108 125.00 − 8 125.00 = 100 000.00. True-up −68 875.00.
    let m = case.manifest("novout/run.json");
    let e1 = &m["employees"][0];
    assert_eq!(e1["lines"][0]["kind"], "true_up");
    assert_eq!(e1["lines"][0]["amount"], "-68875.00");
    insta::assert_snapshot!(e1["lines"][0]["reason"].as_str().unwrap(), @"2026-10 recomputed: revenue: actual changed 1100000 → 500000, amount 57500.00 → 0.00; proposal_to_deal: actual changed 0.5 → 0, amount 19500.00 → 0.00; cap removed: was -8125.00");
    assert_eq!(e1["lines"][1]["kind"], "clawback");
    // E4 in November: the whole month is in the window: minimum 40 000.00, bonus 0 → top-up
    // 40 000.00; the balance carried from October's final run grows to 65 806.45.
    assert_eq!(
        m["employees"][3]["guarantee"]["opening_balance"],
        "25806.45"
    );
    assert_eq!(m["employees"][3]["guarantee"]["top_up"], "40000.00");
    assert_eq!(
        m["employees"][3]["guarantee"]["closing_balance"],
        "65806.45"
    );
    let paid = payroll_rows(&case.p("novout/payroll.csv"), "58125.00");
    assert_eq!(paid[0].3, "-69375.00"); // −68 875.00 − 500.00
    // The recomputed October is a run folder of its own: diff names the causes, and it is
    // what a later true-up starts from.
    let d = run(
        &["diff", &case.s("oct"), &case.s("novout/true-ups/2026-10")],
        case.tmp.path(),
    );
    assert_eq!(d.code, 0, "{}", d.stderr);
    insta::assert_snapshot!(d.stdout, @r"
    period 2026-10 → 2026-10; total 284841.01 → 215966.01
    bonus 266025.00 KZT → 189025.00 KZT; adjustments 18816.01 KZT → 26941.01 KZT
    1 of 4 employees changed:
      E1 Aigerim Sadykova: 101234.56 → 32359.56 (-68875.00)
          revenue: actual changed 1100000 → 500000, amount 57500.00 → 0.00
          proposal_to_deal: actual changed 0.5 → 0, amount 19500.00 → 0.00
          cap removed: was -8125.00
    ");
    let r = case.manifest("novout/true-ups/2026-10/run.json");
    assert_eq!(r["trued_up_in"], "2026-11");
    // verify recomputes November with its true-up and balances.
    let v = run(&["verify", &case.s("novout")], case.tmp.path());
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    // Trued up again from the recomputed October, with the same data, nothing is paid twice.
    let again = case.run(
        "nov",
        "2026-12",
        "dec",
        &[
            "--true-up",
            &case.s("novout/true-ups/2026-10"),
            "--previous",
            &case.s("novout"),
        ],
    );
    // November was not final: its balances cannot be carried on.
    assert_eq!(again.code, 2, "{}", again.stdout);
    assert!(again.stderr.contains("is not final"), "{}", again.stderr);
}

#[test]
fn a_second_true_up_of_a_period_starts_from_the_first() {
    let case = Case::new();
    case.october();
    case.november_data();
    let o = case.run(
        "nov",
        "2026-11",
        "novout",
        &["--true-up", &case.s("oct"), "--final"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    // December plans, so December can be computed.
    let mut plans = case.read("nov/plans.csv");
    plans += "E1,2026-12,revenue,1000000\nE2,2026-12,revenue,500000\nE3,2026-12,upsell,200000\nE4,2026-12,revenue,500000\n";
    std::fs::write(case.p("nov/plans.csv"), plans).unwrap();
    let dec = case.run(
        "nov",
        "2026-12",
        "dec",
        &[
            "--true-up",
            &case.s("novout/true-ups/2026-10"),
            "--previous",
            &case.s("novout"),
        ],
    );
    assert_eq!(dec.code, 0, "{}", dec.stderr);
    // Trued up again from the original October, it would be paid twice: refused.
    let twice = case.run(
        "nov",
        "2026-12",
        "dec2",
        &["--true-up", &case.s("oct"), "--previous", &case.s("novout")],
    );
    assert_eq!(twice.code, 2, "{}", twice.stdout);
    insta::assert_snapshot!(twice.stderr, @r"
    error: 1 problem in the input; nothing was written:
      --true-up [TMP]/oct: 2026-10 was already trued up from this run by the final run of 2026-11 ([TMP]/novout): it would be paid twice; true it up from that recomputation: --true-up [TMP]/novout/true-ups/2026-10
    ");
    let m = case.manifest("dec/run.json");
    // October already paid as recomputed: no second true-up line.
    for e in m["employees"].as_array().unwrap() {
        for l in e["lines"].as_array().into_iter().flatten() {
            assert_ne!(l["kind"], "true_up", "{e}");
        }
    }
    // E4's balance carries on from November: December's top-up adds 40 000.00.
    assert_eq!(
        m["employees"][3]["guarantee"]["opening_balance"],
        "65806.45"
    );
    assert_eq!(
        m["employees"][3]["guarantee"]["closing_balance"],
        "105806.45"
    );
}

#[test]
fn true_ups_are_refused_when_they_cannot_be_trusted() {
    let case = Case::new();
    // Not final.
    let o = case.run("data", "2026-10", "draft", &["--previous", "none"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    case.october();
    case.november_data();
    let refused = |extra: &[&str]| {
        let o = case.run("nov", "2026-11", "novout", extra);
        assert_eq!(o.code, 2, "{}", o.stdout);
        assert!(!case.p("novout/payroll.csv").exists());
        o.stderr
    };
    let draft = case.s("draft");
    let oct = case.s("oct");
    insta::assert_snapshot!(refused(&["--true-up", &draft]), @r"
    error: 1 problem in the input; nothing was written:
      --true-up [TMP]/draft: the run of 2026-10 there is not final (it was run without --final): a period that was never finalized is not trued up; rerun 2026-10 instead (incentive run --period 2026-10 … --force), and make its payout final with --final
    ");
    insta::assert_snapshot!(refused(&["--true-up", &oct, "--true-up", &oct]), @r"
    error: 1 problem in the input; nothing was written:
      --true-up [TMP]/oct: 2026-10 is trued up twice in this run (also --true-up [TMP]/oct); give each period once
    ");
    let o = case.run("data", "2026-10", "oct-again", &["--true-up", &oct]);
    assert_eq!(o.code, 2);
    insta::assert_snapshot!(o.stderr, @r"
    error: 1 problem in the input; nothing was written:
      --true-up [TMP]/oct: holds 2026-10; a true-up recomputes a period before 2026-10
    ");
    // Never written into the final run it builds on.
    let o = case.run("nov", "2026-11", "oct/nov", &["--true-up", &oct]);
    assert_eq!(o.code, 1);
    insta::assert_snapshot!(o.stderr, @"error: --out [TMP]/oct/nov is inside the final run [TMP]/oct this run builds on; write the new period into a folder of its own");
    assert!(!case.p("oct/nov").exists());
    // The rules changed since October: refused, unless --rules current (then said so).
    let b2b = case.p("schemes/b2b-long-cycle.yaml");
    let text = std::fs::read_to_string(&b2b).unwrap();
    std::fs::write(&b2b, text.replace("max_total: 100%", "max_total: 120%")).unwrap();
    let changed = refused(&["--true-up", &oct]);
    let changed = regex_lite_sha(&changed);
    insta::assert_snapshot!(changed, @r"
    error: 1 problem in the input; nothing was written:
      --true-up [TMP]/oct: scheme b2b-long-cycle ([TMP]/schemes/b2b-long-cycle.yaml): changed since the final run of 2026-10 (sha256 was <sha>…, now <sha>…); a true-up recomputes 2026-10 by the rules it was paid by: restore the file, or give --rules current to recompute with today's schemes (the audit says so)
    ");
    let o = case.run(
        "nov",
        "2026-11",
        "novout",
        &["--true-up", &oct, "--rules", "current"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let m = case.manifest("novout/run.json");
    assert_eq!(m["true_ups"][0]["rules"], "current");
    assert!(m["command"].as_str().unwrap().ends_with("--rules current"));
    // With a cap of 120% E1's recomputed October is 31 125.00 all the same: −68 875.00.
    assert_eq!(m["employees"][0]["lines"][0]["amount"], "-68875.00");
}

/// The sha256 prefixes of a message, replaced so it can be snapshotted.
fn regex_lite_sha(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = [rest.find(" was "), rest.find(" now ")]
        .into_iter()
        .flatten()
        .min()
    {
        let (head, tail) = rest.split_at(i + 5);
        out.push_str(head);
        let n = tail.chars().take_while(|c| c.is_ascii_hexdigit()).count();
        if n == 12 {
            out.push_str("<sha>");
            rest = &tail[n..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn a_recoverable_guarantee_needs_the_previous_balances() {
    let case = Case::new();
    let o = case.run("data", "2026-10", "oct", &[]);
    assert_eq!(o.code, 2);
    insta::assert_snapshot!(o.stderr, @r"
    error: 1 problem in the input; nothing was written:
      employee E2, period 2026-10: scheme transactional recovers its guarantee, and E2 was hired on 2025-03-01, before 2026-10: the balance to recover comes from the final run of 2026-09; give it with --previous DIR (or --true-up DIR), or, when no earlier run was final (the first month with this scheme), --previous none to start every balance at zero
    ");
    // validate says so too, without refusing: the data are right.
    let v = run(
        &[
            "validate",
            "--data",
            &case.s("data"),
            "--schemes",
            &case.s("schemes"),
            "--period",
            "2026-10..2026-11",
        ],
        case.tmp.path(),
    );
    assert_eq!(v.code, 0, "{}", v.stderr);
    insta::assert_snapshot!(v.stderr, @r"
    warning: period 2026-10: a run needs the guarantee balances of E2 from the final run of 2026-09: give --previous DIR (or --previous none for the first month with a recoverable guarantee)
    warning: period 2026-11: a run needs the guarantee balances of E2, E4 from the final run of 2026-10: give --previous DIR (or --previous none for the first month with a recoverable guarantee)
    ");
    case.october();
    // The previous run must be the month just before.
    case.november_data();
    let o = case.run("nov", "2026-12", "dec", &["--previous", &case.s("oct")]);
    assert_eq!(o.code, 2);
    insta::assert_snapshot!(o.stderr, @r"
    error: 1 problem in the input; nothing was written:
      --previous [TMP]/oct: holds 2026-10; the balances carried into 2026-12 come from the final run of the month just before it
    ");
}

#[test]
fn bad_adjustments_are_all_reported_with_their_row() {
    let case = Case::new();
    std::fs::write(
        case.p("data/adjustments.csv"),
        "employee_id,period,amount,kind,reason,approved_by,reference,note\n\
         E9,2026-10,100,one_off,Bonus for someone gone,Head of sales,,\n\
         E1,2026-10,0,correction,Nothing at all,Finance,,\n\
         E1,2026-10,10.005,correction,Half a cent,Finance,,\n\
         E2,2026-10,500,clawback,Taken back,Finance,,\n\
         E2,2026-10,-500,one_off,A negative gift,Finance,,\n\
         E3,2026-10,250,other,Parking,Finance,,\n\
         E3,2026-10,250,other,parking,Finance,,\n\
         E3,2026-10,250,bonus,Parking,Finance,,\n\
         E3,2026-10,250,other,,Finance,,\n\
         E3,2026-10,250,other,Parking again,,,\n",
    )
    .unwrap();
    let o = case.run("data", "2026-10", "oct", &["--previous", "none"]);
    assert_eq!(o.code, 2, "{}", o.stdout);
    assert!(!case.p("oct").join("payroll.csv").exists());
    insta::assert_snapshot!(o.stderr, @r#"
    error: 9 problems in the input; nothing was written:
      [TMP]/data/adjustments.csv, row 9, column "kind": "bonus" is not a known value; expected one of correction, one_off, guarantee, clawback, other
      [TMP]/data/adjustments.csv, row 10, column "reason": is empty; expected text
      [TMP]/data/adjustments.csv, row 11, column "approved_by": is empty; expected text
      [TMP]/data/adjustments.csv, row 2, column "employee_id": "E9" is not on the roster (did you mean "E1"?); an adjustment must go to someone payroll pays
      [TMP]/data/adjustments.csv, row 3, column "amount": is 0; an adjustment changes the payout: enter its amount, or remove the row
      [TMP]/data/adjustments.csv, row 4, column "amount": 10.005 has more than 2 decimals; expected an amount in cents, such as 1250.50
      [TMP]/data/adjustments.csv, row 5, column "amount": 500 is positive, but a clawback takes money back; write it negative (-500)
      [TMP]/data/adjustments.csv, row 6, column "amount": -500 is negative, but a one_off adds money; money taken back is a clawback or a correction
      [TMP]/data/adjustments.csv, row 8, column "reason": repeats row 7 (the same employee, period, amount, kind, reason and reference): it would be paid twice; if both are meant, say in each reason why
    "#);
}

#[test]
fn bad_scheme_rules_are_refused_where_written() {
    let case = Case::new();
    let write = |name: &str, extra: &str| {
        let path = case.p(&format!("schemes/{name}.yaml"));
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text
            .replace("max_total: 100%", "")
            .replace("guarantee: { months: 3, share: 50%, recoverable: yes }", "");
        let text = text.replacen("currency: KZT\n", &format!("currency: KZT\n{extra}"), 1);
        std::fs::write(path, text).unwrap();
    };
    write("b2b-long-cycle", "max_total: 1.5\n");
    write(
        "transactional",
        "guarantee: { months: 0, share: 120%, recoverable: maybe, until: 2027-01 }\n",
    );
    write(
        "account-manager",
        "max_total: 0%\nguarantee: { share: 50% }\n",
    );
    let o = case.run("data", "2026-10", "oct", &["--previous", "none"]);
    assert_eq!(o.code, 2, "{}", o.stdout);
    insta::assert_snapshot!(o.stderr, @r#"
    error: 7 problems in the input; nothing was written:
      [TMP]/schemes/account-manager.yaml:5:12: max_total 0% must be above 0% and at most 1000% of target bonus
      [TMP]/schemes/account-manager.yaml:6:12: guarantee has no `months:` (how many months after hired_on it lasts, e.g. 3)
      [TMP]/schemes/b2b-long-cycle.yaml:5:12: max_total "1.5" must be a percentage of target bonus, such as 150%
      [TMP]/schemes/transactional.yaml:5:58: unknown key "until" in guarantee; expected one of months, share, recoverable
      [TMP]/schemes/transactional.yaml:5:22: guarantee months "0" must be a whole number of months from 1 to 24
      [TMP]/schemes/transactional.yaml:5:32: guarantee share 120% is more than the target bonus; at most 100%
      [TMP]/schemes/transactional.yaml:5:51: guarantee recoverable "maybe" must be yes or no
    "#);
}

#[test]
fn verify_and_diff_name_adjustments_as_causes() {
    let case = Case::new();
    case.october();
    let v = run(&["verify", &case.s("oct")], case.tmp.path());
    assert_eq!(v.code, 0, "{}", v.stderr);
    // A rerun with an adjustment changed, one removed and one added.
    copy_dir(&case.p("data"), &case.p("later"));
    let adj = case.read("later/adjustments.csv");
    let adj = adj
        .replace("E2,2026-10,15000.00,one_off", "E2,2026-10,16000.00,one_off")
        .replace(
            "E3,2026-10,-100.00,other,Conference fee paid by the company,Finance controller,,\n",
            "",
        );
    let adj = adj + "E4,2026-10,2000.00,one_off,Welcome bonus,Head of sales,,\n";
    std::fs::write(case.p("later/adjustments.csv"), adj).unwrap();
    let o = case.run("later", "2026-10", "rerun", &["--previous", "none"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let d = run(&["diff", &case.s("oct"), &case.s("rerun")], case.tmp.path());
    insta::assert_snapshot!(d.stdout, @r#"
    period 2026-10 → 2026-10; total 284841.01 → 287941.01
    bonus 266025.00 KZT → 266025.00 KZT; adjustments 18816.01 KZT → 21916.01 KZT
    3 of 4 employees changed:
      E2 Bolat Nurlanov: 68800.00 → 69800.00 (+1000.00)
          adjustment changed: one_off 15000.00 → 16000.00 ("Mentoring the two October hires")
      E3 Dana Ospanova: 89000.00 → 89100.00 (+100.00)
          adjustment removed: other -100.00 ("Conference fee paid by the company")
      E4 Erlan Tokhtarov: 25806.45 → 27806.45 (+2000.00)
          adjustment added: one_off 2000.00 ("Welcome bonus")
    "#);
    // verify of October, after the adjustments table was edited in place: the file is named,
    // and so is every adjustment that now differs.
    std::fs::copy(
        case.p("later/adjustments.csv"),
        case.p("data/adjustments.csv"),
    )
    .unwrap();
    let v = run(&["verify", &case.s("oct")], case.tmp.path());
    assert_eq!(v.code, 1, "{}", v.stderr);
    let text = regex_lite_sha(&v.stderr);
    assert!(
        text.contains("input file changed since the run: [TMP]/data/adjustments.csv"),
        "{text}"
    );
    assert!(text.contains("E4 Erlan Tokhtarov: recorded 25806.45, recomputed 27806.45: adjustment added: one_off 2000.00 (\"Welcome bonus\")"), "{text}");
}

#[test]
fn several_closed_months_are_trued_up_in_one_run() {
    let case = Case::new();
    // September needs plans for everyone employed then (E4 joins in October).
    let plans =
        case.read("data/plans.csv") + "E2,2026-09,revenue,500000\nE3,2026-09,upsell,200000\n";
    std::fs::write(case.p("data/plans.csv"), plans).unwrap();
    let sep = case.run("data", "2026-09", "sep", &["--final", "--previous", "none"]);
    assert_eq!(sep.code, 0, "{}", sep.stderr);
    let oct = case.run(
        "data",
        "2026-10",
        "oct",
        &["--final", "--previous", &case.s("sep")],
    );
    assert_eq!(oct.code, 0, "{}", oct.stderr);
    case.november_data();
    std::fs::copy(case.p("data/plans.csv"), case.p("nov/plans.csv")).unwrap();
    // D13 (E2's, won in September) is refunded too: September and October both change.
    let deals = case.read("nov/deals.csv").replace(
        "D13,E2,2026-09-10,2026-09-30,won,proposal,999999,,,,",
        "D13,E2,2026-09-10,2026-09-30,won,proposal,999999,,,,2026-11-02",
    );
    std::fs::write(case.p("nov/deals.csv"), deals).unwrap();
    let nov = case.run(
        "nov",
        "2026-11",
        "novout",
        &["--true-up", &case.s("oct"), "--true-up", &case.s("sep")],
    );
    assert_eq!(nov.code, 0, "{}", nov.stderr);
    let m = case.manifest("novout/run.json");
    let periods: Vec<&str> = m["true_ups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["period"].as_str().unwrap())
        .collect();
    assert_eq!(periods, ["2026-09", "2026-10"]);
    assert!(case.p("novout/true-ups/2026-09/run.json").exists());
    assert!(case.p("novout/true-ups/2026-10/run.json").exists());
    // Each true-up line names its period; E1's October line is the one worked out above.
    let e1: Vec<(String, String)> = m["employees"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["kind"] == "true_up")
        .map(|l| {
            (
                l["reference"].as_str().unwrap().to_string(),
                l["amount"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        e1.contains(&("2026-10".into(), "-68875.00".into())),
        "{e1:?}"
    );
    // E2's September: D13 no longer won, so September's revenue KPI falls.
    // E2's September: D13 (999 999 of a 500 000 plan) paid revenue at the curve's cap, 1.3 ×
    // 40% × 80 000 = 41 600.00, and the average deal at the cap, 1.3 × 15% × 80 000 = 15 600.00;
    // refunded, there is no revenue and no average deal: −57 200.00.
    let e2 = &m["employees"][1]["lines"][0];
    assert_eq!(e2["reference"], "2026-09", "{e2}");
    assert_eq!(e2["amount"], "-57200.00", "{e2}");
    let v = run(&["verify", &case.s("novout")], case.tmp.path());
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
}

#[test]
fn a_hand_edited_final_run_is_not_built_on() {
    let case = Case::new();
    case.october();
    case.november_data();
    let path = case.p("oct/run.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen(
        "\"closing_balance\": \"25806.45\"",
        "\"closing_balance\": \"lots\"",
        1,
    );
    assert_ne!(edited, text);
    std::fs::write(&path, edited).unwrap();
    let o = case.run("nov", "2026-11", "novout", &["--previous", &case.s("oct")]);
    assert_eq!(o.code, 2, "{}", o.stdout);
    insta::assert_snapshot!(o.stderr, @r#"
    error: 1 problem in the input; nothing was written:
      [TMP]/oct/run.json: employee "E4": guarantee closing_balance "lots" is not an amount
    "#);
}
