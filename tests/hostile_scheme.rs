//! Hostile schemes, end to end through the binary: numbers the arithmetic cannot take, units
//! that cannot be meant, constructs the engine cannot compute as written, formulas deep enough
//! to overflow a stack, generated schemes of 20 000 metrics. Each is a located error from
//! `validate` (exit 2, nothing written) or a warning, never a panic or a silent payout. The
//! last part holds property tests of the curve and of scoring.

mod common;

use common::{Outcome, run, write_csv_folder};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const PERIOD: &str = "2026-10";

/// The scheme head most cases start from: the standard curve, the metrics the cases name.
const HEAD: &str = "\
currency: KZT
curve: standard
metrics:
  revenue: { sum: deals.amount, where: { status: won, closed_on: in_period } }
  won: { count: deals, where: { status: won, closed_on: in_period } }
  closed: { count: deals, where: { status: [won, lost], closed_on: in_period } }
";

/// A one-KPI scheme over `metric` with `target`.
fn one_kpi(metrics: &str, metric: &str, target: &str) -> String {
    // Metric lines are written from a newline on, keeping their indentation.
    let metrics = metrics.trim_start_matches('\n');
    format!(
        "{HEAD}{metrics}kpis:\n  - {{ id: k, weight: 100%, metric: {metric}, target: {target} }}\n"
    )
}

/// A temporary folder with `schemes/t.yaml` and `data/`: the mini fixture with every employee
/// on scheme `t`.
struct Case {
    tmp: TempDir,
}

impl Case {
    fn new(scheme: &str) -> Case {
        let tmp = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
        let mut tables: Vec<(String, String)> = Vec::new();
        for entry in std::fs::read_dir(root).unwrap() {
            let path = entry.unwrap().path();
            let table = path.file_stem().unwrap().to_str().unwrap().to_string();
            let mut text = std::fs::read_to_string(&path).unwrap();
            if table == "employees" {
                for s in ["b2b-long-cycle", "transactional", "account-manager"] {
                    text = text.replace(&format!(",{s},"), ",t,");
                }
            }
            tables.push((table, text));
        }
        let pairs: Vec<(&str, &str)> = tables
            .iter()
            .map(|(t, x)| (t.as_str(), x.as_str()))
            .collect();
        write_csv_folder(&tmp.path().join("data"), &pairs);
        std::fs::create_dir_all(tmp.path().join("schemes")).unwrap();
        std::fs::write(tmp.path().join("schemes/t.yaml"), scheme).unwrap();
        Case { tmp }
    }

    fn path(&self) -> &Path {
        self.tmp.path()
    }
    fn data(&self) -> PathBuf {
        self.path().join("data")
    }
    fn out(&self) -> PathBuf {
        self.path().join("out")
    }
    fn scheme_file(&self) -> PathBuf {
        self.path().join("schemes/t.yaml")
    }

    /// Appends a line to one of the data tables.
    fn append(&self, table: &str, line: &str) {
        let p = self.data().join(format!("{table}.csv"));
        let mut text = std::fs::read_to_string(&p).unwrap();
        text.push_str(line);
        text.push('\n');
        std::fs::write(p, text).unwrap();
    }

    fn args(&self, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Outcome {
        let a: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
        run(&a, self.path())
    }

    /// `validate --schemes schemes/t.yaml`: the scheme alone.
    fn validate(&self) -> Outcome {
        self.args(&[&"validate", &"--schemes", &self.scheme_file()])
    }

    /// `validate` with the data, for a period.
    fn validate_data(&self, period: &str) -> Outcome {
        self.args(&[
            &"validate",
            &"--schemes",
            &self.path().join("schemes"),
            &"--data",
            &self.data(),
            &"--period",
            &period,
        ])
    }

    fn run(&self, period: &str) -> Outcome {
        self.args(&[
            &"run",
            &"--schemes",
            &self.path().join("schemes"),
            &"--data",
            &self.data(),
            &"--period",
            &period,
            &"--out",
            &self.out(),
        ])
    }

    fn explain(&self, employee: &str) -> Outcome {
        self.args(&[
            &"explain",
            &"--schemes",
            &self.path().join("schemes"),
            &"--data",
            &self.data(),
            &"--period",
            &PERIOD,
            &"--employee",
            &employee,
        ])
    }
}

/// Bad input: exit 2, nothing on stdout, nothing written; the stderr to snapshot.
fn refused(case: &Case, o: Outcome) -> String {
    assert_eq!(o.code, 2, "exit code of bad input; stderr:\n{}", o.stderr);
    assert_eq!(o.stdout, "", "nothing on stdout when refused");
    assert!(!case.out().exists(), "nothing may be written");
    o.stderr
}

/// Accepted: exit 0; stderr holds the warnings.
fn accepted(o: &Outcome) {
    assert_eq!(o.code, 0, "stdout:\n{}\nstderr:\n{}", o.stdout, o.stderr);
}

// 1. Arithmetic and dates -----------------------------------------------------------------------

#[test]
fn date_offsets_out_of_range_are_located_errors() {
    let metrics = "
  a: { count: deals, where: { created_on: { after: period_end - 100000000 days } } }
  b: { count: deals, where: { created_on: { after: period_start + 2147483649 months } } }
  c: { count: deals, where: { created_on: { after: period_end - 99999999999999999999999 days } } }
  d: { count: deals, where: { created_on: { before: period_end - -5 days } } }
  e: { count: deals, where: { created_on: { after: 2026-10-05 14:30 } } }
  f: { count: deals, where: { closed_on: 2026-10-05 09:00 } }
";
    let case = Case::new(&one_kpi(metrics, "a", "1"));
    insta::assert_snapshot!(refused(&case, case.validate()));
}

#[test]
fn the_largest_offsets_run_at_the_ends_of_the_calendar() {
    // ±100 years from the first and the last period the outputs can hold, and data dated on
    // the first and last day of the calendar: no panic, and the dates compare as written.
    let metrics = "
  ancient: { count: deals, where: { created_on: { before: period_start - 36525 days } } }
  far: { count: deals, where: { closed_on: { after: period_end + 1200 months } } }
  back: { count: deals, where: { created_on: { on_or_after: period_start - 1200 months } } }
";
    let case = Case::new(&one_kpi(metrics, "ancient", "1"));
    case.append("deals", "D90,E1,0001-01-01,9999-12-31,won,lead,1,,,");
    let o = case.explain("E1");
    accepted(&o);
    // 0001-01-01 is before 2026-10-01 minus 100 years: the one ancient deal.
    let line = o.stdout.lines().find(|l| l.starts_with("  k ")).unwrap();
    assert!(line.contains(" ancient ") && line.contains(" 1 "), "{line}");
    for period in ["1900-01", "9999-12"] {
        let _ = std::fs::remove_dir_all(case.out());
        accepted(&case.run(period));
        assert!(case.out().join("payroll.csv").exists());
    }
}

#[test]
fn periods_the_workbook_cannot_hold_are_refused() {
    let case = Case::new(&one_kpi("", "won", "1"));
    let all: Vec<String> = ["0000-01", "10000-01", "1899-12"]
        .iter()
        .map(|p| refused(&case, case.run(p)))
        .collect();
    insta::assert_snapshot!(all.join(""));
}

#[test]
fn huge_numbers_in_weights_and_curves_are_errors_not_panics() {
    let big = "99999999999999999999999999999"; // 29 digits: not a decimal
    let huge = "9000000000000000000000000000"; // 9e27: a decimal, but no pay plan's
    let scheme = format!(
        "currency: KZT
curve:
  threshold: {huge}
  segments:
    - {{ to: 100%, slope: 1 }}
metrics:
  won: {{ count: deals }}
kpis:
  - {{ id: a, weight: {huge}, metric: won, target: 1 }}
  - {{ id: b, weight: {huge}, metric: won, target: 1 }}
  - {{ id: c, weight: {big}, metric: won, target: 1 }}
  - id: d
    weight: 10%
    metric: won
    target: 1
    curve:
      threshold: 80%
      segments:
        - {{ to: {huge}, slope: 1 }}
      cap: {huge}%
  - id: e
    weight: 10%
    metric: won
    target: 1
    curve:
      threshold: 80%
      segments:
        - {{ to: 100%, slope: {huge} }}
        - {{ to: {huge}1, slope: 1 }}
"
    );
    let case = Case::new(&scheme);
    insta::assert_snapshot!(refused(&case, case.validate()));
}

#[test]
fn amounts_too_large_to_add_stop_the_run() {
    // Two won deals of 9e27 overflow the revenue sum: a problem, not a wrapped or capped sum.
    let case = Case::new(&one_kpi("", "revenue", "1"));
    // Each 9e27 is a decimal (28 digits); ten of them are not.
    for i in 0..10 {
        case.append(
            "deals",
            &format!("D9{i},E1,2026-10-01,2026-10-02,won,lead,9000000000000000000000000000,,,"),
        );
    }
    insta::assert_snapshot!(refused(&case, case.run(PERIOD)));
}

#[test]
fn amounts_of_people_not_on_the_roster_too_large_to_add_do_not_panic() {
    let case = Case::new(&one_kpi("", "revenue", "1"));
    for i in 0..10 {
        case.append(
            "deals",
            &format!("X{i},E99,2026-10-01,2026-10-02,won,lead,9000000000000000000000000000,,,"),
        );
    }
    let o = case.run(PERIOD);
    accepted(&o);
    assert!(o.stderr.contains("employee_id \"E99\""), "{}", o.stderr);
}

// 2. Units --------------------------------------------------------------------------------------

#[test]
fn bare_numbers_that_are_surely_percentages_warn() {
    let scheme = format!(
        "{HEAD}  ratio: won / closed
discuss_above: 150
kpis:
  - id: a
    weight: 50%
    metric: won
    target: 1
    curve: {{ threshold: 80, segments: [ {{ slope: 1 }} ], cap: 130 }}
  - {{ id: b, weight: 50%, metric: ratio, target: 30 }}
"
    );
    let case = Case::new(&scheme);
    let o = case.validate();
    accepted(&o);
    insta::assert_snapshot!(o.stderr);
}

#[test]
fn curve_and_line_values_that_cannot_be_meant_are_refused() {
    let curve = |c: &str, id: &str, w: &str| {
        format!("  - {{ id: {id}, weight: {w}, metric: won, target: 1, curve: {c} }}\n")
    };
    let scheme = format!(
        "{HEAD}review_below: 80\nkpis:\n{}{}{}{}{}{}",
        curve(
            "{ threshold: 80%, segments: [ { slope: 1 } ], cap: -130% }",
            "neg_cap",
            "20%"
        ),
        curve(
            "{ threshold: 80%, start: -10%, segments: [ { slope: 1 } ] }",
            "neg_start",
            "20%"
        ),
        curve(
            "{ threshold: -5%, segments: [ { slope: 1 } ] }",
            "neg_threshold",
            "20%"
        ),
        curve(
            "{ threshold: 90%, start: 50%, segments: [ { slope: 1 } ], cap: 80% }",
            "threshold_above_cap",
            "20%"
        ),
        curve(
            "{ threshold: 50%, start: 90%, segments: [ { slope: 1 } ], cap: 80% }",
            "cap_below_start",
            "10%"
        ),
        curve(
            "{ threshold: 80%, segments: [ { slope: 1 } ], cap: 0 }",
            "zero_cap",
            "10%"
        ),
    );
    let case = Case::new(&scheme);
    let mut stderr = refused(&case, case.validate());
    let case = Case::new(&format!(
        "{HEAD}discuss_above: 90%\nkpis:\n  - {{ id: k, weight: 100%, metric: won, target: 1 }}\n"
    ));
    stderr.push_str(&refused(&case, case.validate()));
    insta::assert_snapshot!(stderr);
}

// 3. Bands and flags follow the KPI's curve -----------------------------------------------------

#[test]
fn below_a_kpis_own_threshold_is_the_below_band_with_the_review_flag() {
    // E1's revenue is 1 100 000: of 1 182 796 that is 93.0%, under this KPI's 95% threshold.
    let scheme = format!(
        "{HEAD}kpis:
  - id: revenue
    weight: 100%
    metric: revenue
    target: 1 182 796
    curve: {{ threshold: 95%, segments: [ {{ to: 100%, slope: 1 }} ], cap: 100% }}
"
    );
    let case = Case::new(&scheme);
    let o = case.explain("E1");
    accepted(&o);
    insta::assert_snapshot!(o.stdout);
    let line = o
        .stdout
        .lines()
        .find(|l| l.starts_with("  revenue "))
        .unwrap();
    assert!(line.contains("below 95%"), "{line}");
    assert!(line.contains("review: below threshold"), "{line}");
    assert!(line.contains("0.00"), "{line}");
}

// 4. Constructs computed differently from what they read as -------------------------------------

#[test]
fn team_level_and_order_dependent_metrics_are_refused() {
    let metrics = "
  team_deals:
    count: deals
    where:
      employee_id:
        found_in: { table: employees, any_employee: yes, where: { team: Enterprise } }
  heads: { count: employees }
  planned: { sum: plans.target }
  repeat:
    count: deals
    where: { client_id: { found_in: { table: deals, where: { status: won } } } }
  by_amount:
    count: deals
    where: { amount: { found_in: { table: calls } } }
  clients_called:
    count: clients
    where: { client_id: { found_in: { table: calls } } }
  calls_of_clients:
    count: calls
    where: { client_id: { found_in: { table: clients } } }
";
    let case = Case::new(&one_kpi(metrics, "won", "1"));
    insta::assert_snapshot!(refused(&case, case.validate()));
}

#[test]
fn two_schemes_looking_up_each_others_tables_in_a_circle_are_refused() {
    // Each scheme alone is fine; together one table must be read before the other both ways.
    let t = one_kpi(
        "\n  x: { count: clients, where: { client_id: { found_in: { table: calls } } } }\n",
        "x",
        "1",
    );
    let case = Case::new(&t);
    let u = one_kpi(
        "\n  y: { count: calls, where: { client_id: { found_in: { table: clients } } } }\n",
        "y",
        "1",
    );
    std::fs::write(case.path().join("schemes/u.yaml"), u).unwrap();
    let employees = case.data().join("employees.csv");
    let text = std::fs::read_to_string(&employees).unwrap();
    std::fs::write(
        &employees,
        text.replace("Bolat Nurlanov,t,", "Bolat Nurlanov,u,"),
    )
    .unwrap();
    accepted(&case.args(&[&"validate", &"--schemes", &case.path().join("schemes")]));
    insta::assert_snapshot!(refused(&case, case.run(PERIOD)));
}

// 5. Plan metric names --------------------------------------------------------------------------

#[test]
fn a_plan_metric_no_plans_row_names_is_reported_once_at_the_scheme() {
    let scheme = format!(
        "{HEAD}kpis:\n  - id: revenue\n    weight: 100%\n    metric: revenue\n    target: {{ plan: revenu }}\n"
    );
    let case = Case::new(&scheme);
    accepted(&case.validate());
    insta::assert_snapshot!(refused(&case, case.validate_data(PERIOD)));
}

// 6. Depth and size -----------------------------------------------------------------------------

#[test]
fn deep_and_long_formulas_are_located_errors() {
    let deep = format!("{}won{}", "(".repeat(100_000), ")".repeat(100_000));
    let long = vec!["won"; 100_000].join(" + ");
    let metrics = format!("  deep: {deep}\n  long: {long}\n");
    let case = Case::new(&one_kpi(&metrics, "won", "1"));
    let stderr = refused(&case, case.validate());
    assert!(
        stderr.len() < 2_000,
        "bounded output: {} bytes",
        stderr.len()
    );
    insta::assert_snapshot!(stderr);
}

/// `n` metrics, each a formula over the one before (`m1: m0 + 1` …), or over names that do not
/// exist when `broken`.
fn chain(n: usize, broken: bool) -> String {
    let mut s = String::from("currency: KZT\ncurve: standard\nmetrics:\n  m0: { count: deals }\n");
    for i in 1..n {
        let prev = if broken {
            format!("x{}", i - 1)
        } else {
            format!("m{}", i - 1)
        };
        s.push_str(&format!("  m{i}: {prev} + 1\n"));
    }
    s.push_str(&format!(
        "kpis:\n  - {{ id: k, weight: 100%, metric: m{}, target: 20000 }}\n",
        n - 1
    ));
    s
}

#[test]
fn twenty_thousand_metrics_validate_and_run_quickly() {
    // 10 000 aggregates and 10 000 formulas over them: the worst case for quadratic name
    // lookups and cycle detection.
    let mut s = String::from("currency: KZT\ncurve: standard\nmetrics:\n");
    for i in 0..10_000 {
        // Small nodes: the YAML reader allows 100 000 values per document.
        s.push_str(&format!("  a{i}: {{ count: deals }}\n"));
    }
    for i in 0..10_000 {
        s.push_str(&format!("  f{i}: a{i} + a{} * 2\n", (i + 1) % 10_000));
    }
    s.push_str("kpis:\n  - { id: k, weight: 100%, metric: f9999, target: 33 }\n");
    let case = Case::new(&s);
    let t = std::time::Instant::now();
    let o = case.validate();
    let took = t.elapsed();
    accepted(&o);
    assert_eq!(o.stdout, "ok: 1 scheme: t\n");
    // About 0.25 s in a debug build (0.05 s release); a quadratic duplicate-key check or name
    // lookup took 4 s here.
    assert!(took.as_millis() < 3000, "validate took {took:?}");
    let o = case.explain("E1");
    accepted(&o);
    // f9999 = E1's 7 deals + 2 × 7 = 21.
    let line = o.stdout.lines().find(|l| l.starts_with("  k ")).unwrap();
    assert!(line.contains(" f9999 ") && line.contains(" 21 "), "{line}");
}

#[test]
fn formulas_built_too_deep_or_too_large_are_refused() {
    // A chain of 20 000 formulas; a chain of 101 is the limit; a diamond doubling at each level.
    let case = Case::new(&chain(20_000, false));
    let mut stderr = refused(&case, case.validate());
    assert!(stderr.lines().count() == 2, "one problem: {stderr}");
    accepted(&Case::new(&chain(101, false)).validate());
    let mut s = String::from("currency: KZT\ncurve: standard\nmetrics:\n  d0: { count: deals }\n");
    for i in 1..40 {
        s.push_str(&format!("  d{i}: d{} + d{}\n", i - 1, i - 1));
    }
    s.push_str("kpis:\n  - { id: k, weight: 100%, metric: d39, target: 1 }\n");
    let case = Case::new(&s);
    stderr.push_str(&refused(&case, case.validate()));
    insta::assert_snapshot!(stderr);
}

#[test]
fn twenty_thousand_broken_names_give_bounded_output() {
    let case = Case::new(&chain(20_000, true));
    let stderr = refused(&case, case.validate());
    assert_eq!(
        stderr.lines().count(),
        52,
        "header, 50 problems, the rest counted"
    );
    assert!(
        stderr.ends_with("[TMP]/schemes/t.yaml: … and 19949 more problems in this file\n"),
        "{}",
        &stderr[stderr.len() - 200..]
    );
}

#[test]
fn more_than_a_hundred_kpis_is_refused() {
    let kpis: String = (0..101)
        .map(|i| format!("  - {{ id: k{i}, weight: 1%, metric: won, target: 1 }}\n"))
        .collect();
    let case = Case::new(&format!("{HEAD}kpis:\n{kpis}"));
    insta::assert_snapshot!(refused(&case, case.validate()));
}

// 7. Properties ---------------------------------------------------------------------------------

mod properties {
    use incentive::metrics::MetricValue;
    use incentive::num::{Exact, exact, exact_int};
    use incentive::period::Period;
    use incentive::scheme::{Curve, Scheme, Segment};
    use incentive::scoring::{self, curve_factor};
    use num_traits::Zero;
    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use std::path::Path;

    fn pct(n: u32) -> Decimal {
        Decimal::new(n as i64, 2)
    }

    /// A curve as schemes can write it: a threshold, a start, segments with increasing `to`
    /// and non-negative slopes (the last one maybe open), and maybe a cap at or above the start.
    fn curves() -> impl Strategy<Value = Curve> {
        (
            0u32..150,
            0u32..150,
            prop::collection::vec((1u32..80, 0u32..300, prop::option::of(0u32..150)), 1..5),
            any::<bool>(),
            prop::option::of(0u32..200),
        )
            .prop_map(|(threshold, start, segs, open_end, cap)| {
                let threshold = pct(threshold);
                let mut from = threshold;
                let mut factor = pct(start);
                let mut segments = Vec::new();
                let n = segs.len();
                for (i, (len, slope, restart)) in segs.into_iter().enumerate() {
                    if let Some(s) = restart {
                        factor = pct(s);
                    }
                    let to = (!(open_end && i + 1 == n)).then(|| from + pct(len));
                    let slope = pct(slope);
                    segments.push(Segment {
                        from,
                        to,
                        start: factor,
                        slope,
                    });
                    if let Some(t) = to {
                        factor += slope * (t - from);
                        from = t;
                    }
                }
                let cap = cap.map(|c| pct(c).max(pct(start)));
                Curve {
                    threshold,
                    segments,
                    cap,
                }
            })
    }

    fn attainment() -> impl Strategy<Value = Exact> {
        (0i64..5_000_000, 1i64..10_000).prop_map(|(n, d)| exact_int(n) / exact_int(d * 100))
    }

    /// The standard curve's shape (segments that continue each other) is non-decreasing.
    fn continuous(c: &Curve) -> bool {
        c.segments.windows(2).all(|w| {
            let end = w[0].start + w[0].slope * (w[0].to.unwrap() - w[0].from);
            w[1].start == end
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn the_curve_never_exceeds_its_cap_and_is_never_negative(c in curves(), a in attainment()) {
            let f = curve_factor(&c, &a);
            prop_assert!(f >= Exact::zero());
            if let Some(cap) = c.cap {
                prop_assert!(f <= exact(cap));
            }
            if a < exact(c.threshold) {
                prop_assert!(f.is_zero());
            }
        }

        #[test]
        fn the_curve_is_monotone_within_segments_and_overall_when_continuous(
            c in curves(), a in attainment(), b in attainment()
        ) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let same_segment = c.segments.iter().any(|s| {
                lo >= exact(s.from)
                    && s.to.is_none_or(|t| hi <= exact(t))
            });
            if same_segment || continuous(&c) {
                prop_assert!(curve_factor(&c, &lo) <= curve_factor(&c, &hi));
            }
        }

        #[test]
        fn the_standard_curve_is_non_decreasing(a in attainment(), b in attainment()) {
            let c = Curve::standard();
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(curve_factor(&c, &lo) <= curve_factor(&c, &hi));
        }

        #[test]
        fn the_employment_share_is_between_0_and_1(
            hired in prop::option::of(0i64..800), left in prop::option::of(0i64..800)
        ) {
            let day = |n: i64| chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(n);
            let (hired, left) = match (hired.map(day), left.map(day)) {
                (Some(h), Some(l)) if l < h => (Some(l), Some(h)),
                x => x,
            };
            let e = scoring::employment(Period::parse("2026-10").unwrap(), hired, left);
            prop_assert!(e.share() >= Exact::zero() && e.share() <= exact_int(1));
        }

        #[test]
        fn the_total_is_the_sum_of_the_kpi_amounts_and_scaling_keeps_attainments(
            bonus in 0i64..1_000_000_000,
            days in 0i64..32,
            actuals in prop::collection::vec(0i64..1_000_000_000, 3),
            plan in 1i64..1_000_000_000,
            scale in 1i64..1_000_000,
        ) {
            let scheme = scheme();
            let emp = scoring::Employment { days_employed: days.min(31), days_in_period: 31 };
            let cents = |n: i64| Decimal::new(n, 2);
            let values = |k: i64| -> Vec<MetricValue> {
                actuals.iter().map(|a| MetricValue { value: Some(exact(cents(a * k))), rows: 1 }).collect()
            };
            let score_at = |k: i64| {
                let targets = scoring::targets(&scheme, emp, &|_| Some(cents(plan * k)));
                scoring::score(&scheme, cents(bonus), emp, &values(k), &targets).unwrap()
            };
            let s = score_at(1);
            let sum: Decimal = s.kpis.iter().map(|k| k.amount).sum();
            prop_assert_eq!(s.total, sum);
            prop_assert!(s.kpis.iter().all(|k| k.amount >= Decimal::ZERO));
            let scaled = score_at(scale);
            for (a, b) in s.kpis.iter().zip(&scaled.kpis) {
                prop_assert_eq!(&a.attainment, &b.attainment);
                prop_assert_eq!(a.band, b.band);
                prop_assert_eq!(a.amount, b.amount);
            }
        }
    }

    /// Three KPIs: a plan target, a multiple of it, and a ratio target with `better: lower`.
    fn scheme() -> Scheme {
        incentive::scheme::parse_str(
            Path::new("p.yaml"),
            "currency: KZT
curve: standard
metrics:
  a: { sum: deals.amount }
  b: { sum: deals.amount, where: { status: won } }
  c: { sum: deals.amount, where: { status: lost } }
kpis:
  - { id: a, weight: 50%, metric: a, target: { plan: revenue } }
  - { id: b, weight: 30%, metric: b, target: { kpi: a, times: 2 } }
  - { id: c, weight: 20%, metric: c, target: { kpi: a }, better: lower }
",
        )
        .unwrap()
    }
}
