//! Median, percentile and share aggregations and the funnel order of deal stages (issue 10): the
//! located errors a scheme gets when it writes them wrong, and hand-made periods (tiny CSV
//! folders written here) with the arithmetic in comments, through the real binary.
//!
//! Every hand-made scheme pays on a straight line (no threshold, slope 1, no cap), so that an
//! employee's payroll amount is target bonus × actual ÷ target exactly: 100 000 × the actual ÷
//! the target, rounded once to cents.

mod common;

use common::{Outcome, run, write_csv_folder};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const PERIOD: &str = "2026-10";

/// A straight-line curve: the factor is the attainment.
const LINEAR: &str = "{ threshold: 0%, segments: [ { slope: 1 } ] }";

/// A scheme over `metrics` (YAML lines indented by two spaces) with one KPI on `metric`.
fn scheme(metrics: &str, metric: &str, target: &str) -> String {
    let metrics = metrics.trim_start_matches('\n');
    format!(
        "currency: KZT\ncurve: {LINEAR}\nmetrics:\n{metrics}kpis:\n  - {{ id: k, weight: 100%, metric: {metric}, target: {target} }}\n"
    )
}

/// A temporary folder with `schemes/t.yaml` and `data/` holding the tables given (every
/// employee is on scheme `t` with a target bonus of 100 000).
struct Case {
    tmp: TempDir,
}

impl Case {
    fn new(scheme: &str, employees: &[&str], tables: &[(&str, &str)]) -> Case {
        let tmp = tempfile::tempdir().unwrap();
        let mut roster =
            String::from("employee_id,name,scheme,target_bonus,team,hired_on,left_on\n");
        for e in employees {
            roster.push_str(&format!("{e},Person {e},t,100000,Sales,2024-01-01,\n"));
        }
        let mut all = vec![("employees", roster.as_str())];
        all.extend_from_slice(tables);
        write_csv_folder(&tmp.path().join("data"), &all);
        std::fs::create_dir_all(tmp.path().join("schemes")).unwrap();
        std::fs::write(tmp.path().join("schemes/t.yaml"), scheme).unwrap();
        Case { tmp }
    }

    fn path(&self) -> &Path {
        self.tmp.path()
    }
    fn out(&self) -> PathBuf {
        self.path().join("out")
    }

    fn args(&self, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Outcome {
        let a: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
        run(&a, self.path())
    }

    fn validate(&self) -> Outcome {
        self.args(&[
            &"validate",
            &"--schemes",
            &self.path().join("schemes/t.yaml"),
        ])
    }

    /// `incentive run` for the period; the payroll's `employee_id,amount` pairs.
    fn payroll(&self) -> Vec<(String, String)> {
        let o = self.args(&[
            &"run",
            &"--schemes",
            &self.path().join("schemes"),
            &"--data",
            &self.path().join("data"),
            &"--period",
            &PERIOD,
            &"--out",
            &self.out(),
        ]);
        assert_eq!(o.code, 0, "stdout:\n{}\nstderr:\n{}", o.stdout, o.stderr);
        let text = std::fs::read_to_string(self.out().join("payroll.csv")).unwrap();
        let mut lines = text.lines();
        let head: Vec<&str> = lines.next().unwrap().split(',').collect();
        let id = head.iter().position(|h| *h == "employee_id").unwrap();
        let amount = head.iter().position(|h| *h == "amount").unwrap();
        lines
            .map(|l| {
                let cells: Vec<&str> = l.split(',').collect();
                (cells[id].to_string(), cells[amount].to_string())
            })
            .collect()
    }

    fn explain(&self, employee: &str, lang: &str) -> String {
        let o = self.args(&[
            &"explain",
            &"--schemes",
            &self.path().join("schemes"),
            &"--data",
            &self.path().join("data"),
            &"--period",
            &PERIOD,
            &"--employee",
            &employee,
            &"--lang",
            &lang,
        ]);
        assert_eq!(o.code, 0, "stdout:\n{}\nstderr:\n{}", o.stdout, o.stderr);
        o.stdout
    }
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The KPI line of an `explain` (the one starting with the KPI id `k`), spaces collapsed.
fn kpi_line(explain: &str) -> String {
    let line = explain
        .lines()
        .find(|l| l.starts_with("  k "))
        .unwrap_or_else(|| panic!("no KPI line in:\n{explain}"));
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

const CALLS_HEAD: &str = "call_id,employee_id,started_at,direction,duration_sec,client_id\n";
const DEALS_HEAD: &str = "deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,lost_reason,client_id\n";

/// E1: outgoing calls of 30, 200, 60, 90 and 150 s in October, an incoming one of 600 s and an
/// outgoing one of 999 s in September. E2: outgoing calls of 40, 100, 10 and 75 s. E3: only an
/// incoming call.
fn calls() -> String {
    let rows = [
        "C1,E1,2026-10-01 09:00:00,outgoing,30,",
        "C2,E1,2026-10-02 09:00:00,outgoing,200,",
        "C3,E1,2026-10-03 09:00:00,outgoing,60,",
        "C4,E1,2026-10-04 09:00:00,incoming,600,",
        "C5,E1,2026-10-05 09:00:00,outgoing,90,",
        "C6,E1,2026-10-31 23:59:59,outgoing,150,",
        "C7,E1,2026-09-30 23:59:59,outgoing,999,",
        "C8,E2,2026-10-01 10:00:00,outgoing,40,",
        "C9,E2,2026-10-02 10:00:00,outgoing,100,",
        "C10,E2,2026-10-03 10:00:00,outgoing,10,",
        "C11,E2,2026-10-04 10:00:00,outgoing,75,",
        "C12,E3,2026-10-04 10:00:00,incoming,75,",
    ];
    format!("{CALLS_HEAD}{}\n", rows.join("\n"))
}

const OUTGOING: &str = "where: { direction: outgoing, started_at: in_period }";

// 1. Hand-made periods ---------------------------------------------------------------------------

#[test]
fn median_of_five_and_of_four_call_durations() {
    let metrics = format!("  talk: {{ median: calls.duration_sec, {OUTGOING} }}\n");
    let calls = calls();
    let case = Case::new(
        &scheme(&metrics, "talk", "100"),
        &["E1", "E2", "E3"],
        &[("calls", &calls)],
    );
    // E1: 30 60 90 150 200 (the incoming call and September's are not kept) → the middle one,
    //     90 → 90 ÷ 100 = 90% → 100 000 × 0.9 = 90 000.00.
    // E2: 10 40 75 100 → (40 + 75) ÷ 2 = 57.5 → 57 500.00.
    // E3: no outgoing call → no data → 0.00.
    assert_eq!(
        case.payroll(),
        pairs(&[("E1", "90000.00"), ("E2", "57500.00"), ("E3", "0.00")])
    );
    let e2 = case.explain("E2", "en");
    assert_eq!(
        kpi_line(&e2),
        "k talk 57.5 100 57.5% below 80% 57.5% 100% 57 500.00 KZT review: below threshold"
    );
    assert!(
        e2.contains(
            "talk — median of calls.duration_sec where direction outgoing, started_at in_period"
        ),
        "{e2}"
    );
    let e3 = case.explain("E3", "en");
    assert!(kpi_line(&e3).contains("no data"), "{e3}");
    let ru = case.explain("E1", "ru");
    assert!(
        ru.contains(
            "talk — медиана calls.duration_sec, где direction outgoing, started_at в периоде"
        ),
        "{ru}"
    );
}

#[test]
fn ninetieth_percentile_of_ten_values() {
    // Ten outgoing calls of E1 in October, in no particular order: 89 5 377 13 233 8 55 21 144 34.
    let durations = [89, 5, 377, 13, 233, 8, 55, 21, 144, 34];
    let mut text = CALLS_HEAD.to_string();
    for (i, d) in durations.iter().enumerate() {
        text.push_str(&format!(
            "C{i},E1,2026-10-{:02} 09:00:00,outgoing,{d},\n",
            i + 1
        ));
    }
    let metrics = format!(
        "  p90: {{ percentile: {{ of: calls.duration_sec, p: 90% }}, {OUTGOING} }}\n  p0: {{ percentile: {{ of: calls.duration_sec, p: 0% }} }}\n  p100: {{ percentile: {{ of: calls.duration_sec, p: 1 }} }}\n"
    );
    let case = Case::new(
        &scheme(&metrics, "p90", "1000"),
        &["E1"],
        &[("calls", &text)],
    );
    // Sorted: 5 8 13 21 34 55 89 144 233 377. PERCENTILE.INC at 90%: rank 0.9 × (10 − 1) = 8.1
    // (from 0) → between the 9th (233) and 10th (377) values: 233 + 0.1 × (377 − 233) = 247.4.
    // 247.4 ÷ 1000 = 24.74% → 100 000 × 0.2474 = 24 740.00.
    assert_eq!(case.payroll(), pairs(&[("E1", "24740.00")]));
    let e1 = case.explain("E1", "en");
    assert_eq!(
        kpi_line(&e1),
        "k p90 247.4 1 000 24.7% below 80% 24.7% 100% 24 740.00 KZT review: below threshold"
    );
    assert!(
        e1.contains(
            "p90 — percentile 90% of calls.duration_sec where direction outgoing, started_at in_period"
        ),
        "{e1}"
    );
    let ru = case.explain("E1", "ru");
    assert!(
        ru.contains(
            "p90 — процентиль 90% calls.duration_sec, где direction outgoing, started_at в периоде"
        ),
        "{ru}"
    );
    // The ends: 0% is the smallest value, 100% (written as the fraction 1) the largest.
    for (metric, target, amount) in [("p0", "10", "50000.00"), ("p100", "754", "50000.00")] {
        let case = Case::new(
            &scheme(&metrics, metric, target),
            &["E1"],
            &[("calls", &text)],
        );
        // 5 ÷ 10 and 377 ÷ 754: 50% → 50 000.00.
        assert_eq!(case.payroll(), pairs(&[("E1", amount)]), "{metric}");
    }
}

#[test]
fn share_of_long_calls_among_outgoing_calls() {
    let metrics = format!(
        "  long_share: {{ share: {{ of: calls, where: {{ duration_sec: {{ at_least: 120 }} }} }}, {OUTGOING} }}\n"
    );
    let calls = calls();
    let case = Case::new(
        &scheme(&metrics, "long_share", "50%"),
        &["E1", "E2", "E3"],
        &[("calls", &calls)],
    );
    // E1: outgoing in October 30 200 60 90 150 → 2 of 5 last 2+ minutes (200, 150; the 600 s
    //     call is incoming, the 999 s one in September) = 40% → 40% ÷ 50% = 80% → 80 000.00.
    // E2: 40 100 10 75 → 0 of 4 = 0% → 0.00.
    // E3: no outgoing call: 0 ÷ 0 → no data → 0.00.
    assert_eq!(
        case.payroll(),
        pairs(&[("E1", "80000.00"), ("E2", "0.00"), ("E3", "0.00")])
    );
    let e1 = case.explain("E1", "en");
    assert_eq!(
        kpi_line(&e1),
        "k long_share 40.0% 50.0% 80.0% 80-100% 80.0% 100% 80 000.00 KZT"
    );
    assert!(
        e1.contains("long_share — share of calls rows where duration_sec at_least 120 among those where direction outgoing, started_at in_period"),
        "{e1}"
    );
    assert!(kpi_line(&case.explain("E2", "en")).contains(" 0.0% "));
    let e3 = case.explain("E3", "en");
    assert!(kpi_line(&e3).contains("no data"), "{e3}");
    let ru = case.explain("E1", "ru");
    assert!(
        ru.contains("long_share — доля строк calls, где duration_sec не меньше 120, среди строк, где direction outgoing, started_at в периоде"),
        "{ru}"
    );
}

#[test]
fn stage_conversion_in_the_funnel_order() {
    // E1's deals created in October, by the stage each reached: lead, qualified ×2,
    // negotiation (open), negotiation (lost there), proposal ×2 (one won); and a September
    // deal at proposal, not counted.
    let deals = format!(
        "{DEALS_HEAD}\
D1,E1,2026-10-01,,open,lead,100,,,
D2,E1,2026-10-02,,open,qualified,100,,,
D3,E1,2026-10-03,2026-10-20,lost,qualified,100,,price,
D4,E1,2026-10-04,,open,negotiation,100,,,
D5,E1,2026-10-05,2026-10-25,lost,negotiation,100,,price,
D6,E1,2026-10-06,,open,proposal,100,,,
D7,E1,2026-10-07,2026-10-30,won,proposal,100,,,
D8,E1,2026-09-07,,open,proposal,100,,,
"
    );
    let metrics = "
  qualified_plus: { count: deals, where: { created_on: in_period, stage: { at_least: qualified } } }
  negotiation_plus: { count: deals, where: { created_on: in_period, stage: { at_least: negotiation } } }
  beyond_negotiation: { count: deals, where: { created_on: in_period, stage: { more_than: negotiation } } }
  before_negotiation: { count: deals, where: { created_on: in_period, stage: { less_than: negotiation } } }
  up_to_qualified: { count: deals, where: { created_on: in_period, stage: { at_most: qualified } } }
  qualified_to_negotiation: negotiation_plus / qualified_plus
";
    // qualified or beyond: D2-D7 = 6; negotiation or beyond: D4-D7 = 4 → 4 ÷ 6 = 2/3
    // → 2/3 ÷ 50% = 4/3 → 100 000 × 4/3 = 133 333.33 (on the uncapped line).
    let run = |metric: &str, target: &str| {
        Case::new(
            &scheme(metrics, metric, target),
            &["E1"],
            &[("deals", &deals)],
        )
        .payroll()
    };
    assert_eq!(
        run("qualified_to_negotiation", "50%"),
        pairs(&[("E1", "133333.33")])
    );
    // The other comparisons, each ÷ a target of 10 (10 000 per deal):
    // more_than negotiation: D6 D7 = 2; less_than negotiation: D1 D2 D3 = 3;
    // at_most qualified: D1 D2 D3 = 3; at_least qualified: 6.
    for (metric, amount) in [
        ("beyond_negotiation", "20000.00"),
        ("before_negotiation", "30000.00"),
        ("up_to_qualified", "30000.00"),
        ("qualified_plus", "60000.00"),
    ] {
        assert_eq!(run(metric, "10"), pairs(&[("E1", amount)]), "{metric}");
    }
}

#[test]
fn a_median_of_deals_lists_the_matched_rows_as_evidence() {
    let deals = format!(
        "{DEALS_HEAD}\
D1,E1,2026-09-01,2026-10-05,won,proposal,300,,,
D2,E1,2026-09-02,2026-10-06,won,proposal,100,,,
D3,E1,2026-09-03,2026-10-07,won,proposal,200,,,
D4,E1,2026-09-04,2026-10-08,lost,proposal,999,,price,
"
    );
    let metrics =
        "  typical_deal: { median: deals.amount, where: { status: won, closed_on: in_period } }\n";
    let case = Case::new(
        &scheme(metrics, "typical_deal", "400"),
        &["E1"],
        &[("deals", &deals)],
    );
    // Won: 100 200 300 → 200 ÷ 400 = 50% → 50 000.00. The lost D4 is neither counted nor listed.
    assert_eq!(case.payroll(), pairs(&[("E1", "50000.00")]));
    let e1 = case.explain("E1", "en");
    let rows: Vec<String> = e1
        .lines()
        .filter(|l| l.trim_start().starts_with(['1', '2', '3', '4', '5']) && l.contains(" D"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        rows,
        [
            "2 D1 2026-10-05 300.00 KZT",
            "3 D2 2026-10-06 100.00 KZT",
            "4 D3 2026-10-07 200.00 KZT"
        ],
        "{e1}"
    );
}

// 2. Located errors when the scheme loads -------------------------------------------------------

/// `validate` of a scheme with the given metrics: refused with exit 2; the stderr.
fn refused(metrics: &str, metric: &str) -> String {
    let case = Case::new(&scheme(metrics, metric, "1"), &["E1"], &[]);
    let o = case.validate();
    assert_eq!(o.code, 2, "stdout:\n{}\nstderr:\n{}", o.stdout, o.stderr);
    assert_eq!(o.stdout, "");
    o.stderr
}

#[test]
fn median_and_percentile_written_wrong() {
    let metrics = "
  a: { median: deals }
  b: { median: clients }
  c: { median: deals.status }
  d: { median: { of: calls.duration_sec } }
  e: { percentile: calls.duration_sec }
  f: { percentile: { of: calls.duration_sec, p: 90 } }
  g: { percentile: { of: calls.duration_sec, p: -5% } }
  h: { percentile: { of: calls.duration_sec } }
  i: { percentile: { p: 50% } }
  j: { percentile: { of: calls.duration, p: 90%, q: 1 } }
  k: { percentile: { of: deals.stage, p: 50% } }
  l: { percentile: { of: calls.duration_sec, p: ninety } }
  m: { mediam: deals.amount }
  n: { median: deals.amount, sum: deals.amount }
";
    insta::assert_snapshot!(refused(metrics, "a"));
}

#[test]
fn share_written_wrong() {
    let metrics = "
  a: { share: calls }
  b: { share: { where: { direction: outgoing } } }
  c: { share: { of: calls } }
  d: { share: { of: calls.duration_sec, where: { direction: outgoing } } }
  e: { share: { of: employees, where: { team: Sales } } }
  f: { share: { of: calls, where: { duraton_sec: { at_least: 120 } } } }
  g: { share: { of: calls, when: { direction: outgoing }, where: { direction: incoming } } }
  h: { share: { of: cals, where: { direction: outgoing } } }
";
    insta::assert_snapshot!(refused(metrics, "a"));
}

#[test]
fn ordered_comparisons_on_words() {
    let metrics = "
  a: { count: deals, where: { stage: { at_least: negotiaton } } }
  b: { count: deals, where: { status: { at_least: won } } }
  c: { count: calls, where: { direction: { more_than: incoming } } }
  d: { count: deals, where: { stage: { after: lead } } }
  e: { count: deals, where: { stage: { at_most: [lead, qualified] } } }
  f: { count: deals, where: { stage: { less_than: Proposal } } }
";
    // f is fine: stages compare case-insensitively, as equality does.
    insta::assert_snapshot!(refused(metrics, "a"));
}

#[test]
fn a_hostile_percentile_point_is_quoted_shortened() {
    let long = "9".repeat(10_000);
    let metrics = format!(
        "  a: {{ percentile: {{ of: calls.duration_sec, p: {long} }} }}\n  b: {{ percentile: {{ of: calls.duration_sec, p: 1{long}% }} }}\n  c: {{ share: {long} }}\n  d: {{ median: {{ of: {long} }} }}\n"
    );
    let err = refused(&metrics, "a");
    assert!(err.len() < 2_000, "error output stays bounded: {err}");
    insta::assert_snapshot!(err);
}

#[test]
fn a_bare_target_above_one_for_a_share_is_a_warning() {
    // A share is 0-100%: `target: 50` reads as 5000%, surely meant as 50%.
    let metrics = format!(
        "  long_share: {{ share: {{ of: calls, where: {{ duration_sec: {{ at_least: 120 }} }} }}, {OUTGOING} }}\n"
    );
    let case = Case::new(&scheme(&metrics, "long_share", "50"), &["E1"], &[]);
    let o = case.validate();
    assert_eq!(o.code, 0, "a warning, not an error: {}", o.stderr);
    insta::assert_snapshot!(o.stderr);
}

#[test]
fn a_share_whose_part_looks_up_clients_reads_them() {
    let metrics = "  book_calls: { share: { of: calls, where: { client_id: { found_in: { table: clients, where: { churned_on: empty } } } } }, where: { direction: outgoing } }\n";
    let calls = format!(
        "{CALLS_HEAD}\
C1,E1,2026-10-01 09:00:00,outgoing,30,K1
C2,E1,2026-10-02 09:00:00,outgoing,30,K2
C3,E1,2026-10-03 09:00:00,outgoing,30,K3
C4,E1,2026-10-04 09:00:00,incoming,30,K1
"
    );
    let clients =
        "client_id,employee_id,since,churned_on\nK1,E1,2025-01-01,\nK2,E1,2025-01-01,2026-09-30\n";
    let text = scheme(metrics, "book_calls", "1");
    // Outgoing calls: C1 (K1, in the book), C2 (K2, churned), C3 (K3, not a client) → 1 of 3
    // → 100 000 × 1/3 = 33 333.33.
    let case = Case::new(&text, &["E1"], &[("calls", &calls), ("clients", clients)]);
    assert_eq!(case.payroll(), pairs(&[("E1", "33333.33")]));
    // Without the clients table the run is refused, naming the scheme that reads it.
    let case = Case::new(&text, &["E1"], &[("calls", &calls)]);
    let o = case.args(&[
        &"run",
        &"--schemes",
        &case.path().join("schemes"),
        &"--data",
        &case.path().join("data"),
        &"--period",
        &PERIOD,
        &"--out",
        &case.out(),
    ]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(!case.out().exists());
    insta::assert_snapshot!(o.stderr);
}

// 3. Row arithmetic and the time to the next row ------------------------------------------------

/// A lower-is-better KPI on the straight line, capped (a zero actual earns the cap) at 300%.
fn lower_is_better(text: String, target: &str) -> String {
    text.replace(
        &format!("target: {target} }}"),
        &format!("target: {target}, better: lower }}"),
    )
    .replace(
        LINEAR,
        "{ threshold: 0%, segments: [ { slope: 1 } ], cap: 300% }",
    )
}

/// E1's deals: won in October after 34 (D1), 20 (D2), 30 (D3) and 136 days (D4: June 1 →
/// October 15 is 30 + 31 + 31 + 30 + 14); D5 lost, D6 open, D7 won in November.
fn cycle_deals() -> String {
    format!(
        "{DEALS_HEAD}\
D1,E1,2026-09-01,2026-10-05,won,proposal,100,,,
D2,E1,2026-09-21,2026-10-11,won,proposal,100,,,
D3,E1,2026-10-01,2026-10-31,won,proposal,100,,,
D4,E1,2026-06-01,2026-10-15,won,proposal,100,,,
D5,E1,2026-09-01,2026-10-20,lost,proposal,100,,price,
D6,E1,2026-09-01,,open,negotiation,100,,,
D7,E1,2026-08-01,2026-11-02,won,proposal,100,,,
"
    )
}

const WON_IN_OCTOBER: &str = "where: { status: won, closed_on: in_period }";

#[test]
fn the_median_sales_cycle_in_days_lower_is_better() {
    let metrics =
        format!("  cycle: {{ median: deals.closed_on - deals.created_on, {WON_IN_OCTOBER} }}\n");
    let text = lower_is_better(scheme(&metrics, "cycle", "40"), "40");
    let case = Case::new(&text, &["E1"], &[("deals", &cycle_deals())]);
    // Won in October: 20, 30, 34, 136 days → the median (30 + 34) / 2 = 32 (the average, 55,
    // would be pulled up by D4). Lower is better: 40 / 32 = 125% → 125 000.00.
    assert_eq!(case.payroll(), pairs(&[("E1", "125000.00")]));
    let e1 = case.explain("E1", "en");
    assert!(
        e1.contains("median of deals.closed_on - deals.created_on (in days) where status won, closed_on in_period"),
        "{e1}"
    );
    // Each won deal is listed with its own cycle.
    let rows: Vec<String> = e1
        .lines()
        .filter(|l| l.contains(" D") && l.trim_start().starts_with(char::is_numeric))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        rows,
        [
            "2 D1 2026-10-05 34",
            "3 D2 2026-10-11 20",
            "4 D3 2026-10-31 30",
            "5 D4 2026-10-15 136"
        ],
        "{e1}"
    );
    let ru = case.explain("E1", "ru");
    assert!(
        ru.contains("медиана deals.closed_on - deals.created_on (в днях)"),
        "{ru}"
    );
}

#[test]
fn deals_won_within_sixty_days_of_creation() {
    let metrics = "  quick: { count: deals, where: { status: won, closed_on: { in_period: yes, on_or_before: created_on + 60 days } } }\n";
    let case = Case::new(
        &scheme(metrics, "quick", "4"),
        &["E1"],
        &[("deals", &cycle_deals())],
    );
    // D1 (34), D2 (20) and D3 (30 days); not D4 (136), D5 (lost), D7 (November).
    // 3 / 4 = 75% → 75 000.00.
    assert_eq!(case.payroll(), pairs(&[("E1", "75000.00")]));
}

const EMAILS_HEAD: &str = "email_id,employee_id,sent_at,direction,client_id,opened_at\n";

#[test]
fn the_median_time_to_answer_an_incoming_email_in_hours() {
    let emails = format!(
        "{EMAILS_HEAD}\
M1,E1,2026-10-01 09:00:00,incoming,C1,
M2,E1,2026-10-01 13:00:00,outgoing,C1,
M3,E1,2026-10-02 09:00:00,incoming,C2,
M4,E1,2026-10-02 09:40:00,outgoing,C2,
M5,E1,2026-10-03 09:00:00,incoming,C3,
M6,E2,2026-10-01 10:00:00,incoming,C5,
M7,E2,2026-10-01 10:10:00,incoming,C5,
M8,E2,2026-10-01 10:20:00,outgoing,C5,
M9,E2,2026-10-05 10:00:00,outgoing,C3,
"
    );
    let metrics = "  answer:\n    median:\n      time_to_next: { at: emails.sent_at, next: { direction: outgoing }, same: client_id, if_none: 24 }\n    where: { direction: incoming, sent_at: in_period }\n";
    let text = lower_is_better(scheme(metrics, "answer", "0.5"), "0.5");
    let case = Case::new(&text, &["E1", "E2"], &[("emails", &emails)]);
    // E1: C1 answered after 4 h, C2 after 40 min = 2/3 h, C3 never (E2's email to C3 is not
    // E1's answer): 24 h → the median of 2/3, 4, 24 is 4 h; 0.5 / 4 = 12.5% → 12 500.00.
    // E2: one answer at 10:20 to both emails of C5: 20 and 10 min → the median (1/3 + 1/6) / 2
    // = 1/4 h; 0.5 / 0.25 = 200% → 200 000.00.
    assert_eq!(
        case.payroll(),
        pairs(&[("E1", "12500.00"), ("E2", "200000.00")])
    );
}

#[test]
fn row_arithmetic_written_wrong() {
    let metrics = "
  a: { average: deals.closed_on + deals.created_on }
  b: { average: deals.closed_on - calls.started_at }
  c: { average: closed_on - created_on }
  d: { average: deals.closed_on - deals.creatd_on }
  e: { sum: deals.amount / deals.amount }
  f: { average: deals.status - deals.stage }
  g: { average: (deals.closed_on - deals.created_on }
  h: { max: deals.closed_on - 1 }
  i: { sum: calls.duration_sec / 0 }
  j: { count: deals, where: { closed_on: { after: created_on + 60 weeks } } }
  k: { count: deals, where: { closed_on: { after: amount + 1 day } } }
  l: { count: deals, where: { closed_on: { after: calls.started_at } } }
";
    insta::assert_snapshot!(refused(metrics, "a"));
}

#[test]
fn time_to_next_written_wrong() {
    let metrics = "
  a: { median: { time_to_next: { at: emails.direction, next: { direction: outgoing } } } }
  b: { median: { time_to_next: { at: emails.sent_at } } }
  c: { median: { time_to_next: { at: emails.sent_at, next: { direction: outgoing }, same: opened_at } } }
  d: { median: { time_to_next: { at: emails.sent_at, next: { direction: outgoin }, if_none: -1 } } }
  e: { median: { time_to_next: { at: sent_at, next: { direction: outgoing } } } }
  f: { median: { time_to_next: { at: emails.sent_at, next: { direction: outgoing }, until: x } } }
  g: { count_distinct: { time_to_next: { at: emails.sent_at, next: { direction: outgoing } } } }
  h: { median: { time_to_next: { at: emails.sent_at, next: { direction: outgoing }, if_none: 1000000 } } }
  i: { median: { time_to_next: { at: employees.hired_on, next: { team: x } } } }
";
    insta::assert_snapshot!(refused(metrics, "a"));
}

#[test]
fn the_catalogues_twelve_month_ltv_of_the_clients_won() {
    // The window is November 2025 - October 2026 (after period_end - 12 months = 2025-10-31).
    // Won in it: K1 (2026-03-15), K2 (2025-11-01, its first day) and K4 (2026-10-31, the last);
    // K3 (2025-10-31) is one day too early.
    let clients = "client_id,employee_id,since,churned_on\n\
K1,E1,2026-03-15,\n\
K2,E1,2025-11-01,\n\
K3,E1,2025-10-31,\n\
K4,E1,2026-10-31,\n";
    // Won in the window from those clients: K1 100 + 50, K2 200 = 350. Not counted: K1's
    // November deal, K2's lost one, K3's (not won in the window), and a deal with no client.
    let deals = format!(
        "{DEALS_HEAD}\
D1,E1,2026-03-20,2026-04-01,won,proposal,100,,,K1
D2,E1,2026-10-01,2026-10-10,won,proposal,50,,,K1
D3,E1,2025-10-20,2025-11-01,won,proposal,200,,,K2
D4,E1,2026-10-01,2026-11-01,won,proposal,300,,,K1
D5,E1,2026-09-01,2026-10-02,lost,proposal,500,,price,K2
D6,E1,2026-04-01,2026-05-01,won,proposal,999,,,K3
D7,E1,2026-10-01,2026-10-03,won,proposal,70,,,
"
    );
    let text = "currency: KZT\ncurve: { threshold: 0%, segments: [ { slope: 1 } ] }\nkpis:\n  - { id: k, weight: 100%, metric: ltv_12m, target: 100 }\n";
    let case = Case::new(text, &["E1"], &[("clients", clients), ("deals", &deals)]);
    // 350 / 3 clients = 116.666… ÷ 100 → 100 000 × 350 / 300 = 116 666.666… → 116 666.67.
    assert_eq!(case.payroll(), pairs(&[("E1", "116666.67")]));
}
