//! Team and manager scope (`scope: own | team | reports`, roster `manager_id`) through the real
//! binary, on the hand-made month of tests/scope/data.rs.

mod common;
#[path = "scope/data.rs"]
mod scope_data;

use common::{Outcome, run};
use std::path::Path;

fn run_month(dir: &Path) -> Outcome {
    let (schemes, data, out) = (dir.join("schemes"), dir.join("data"), dir.join("out"));
    run(
        &[
            "run".as_ref(),
            "--schemes".as_ref(),
            schemes.as_os_str(),
            "--data".as_ref(),
            data.as_os_str(),
            "--period".as_ref(),
            "2026-10".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
        dir,
    )
}

/// The payroll, worked by hand (the factor is the attainment, capped at 200%; every amount is
/// target bonus × weight × attainment):
///
/// H1 (head, 200 000), scope: reports = H1 and everyone below: S1, S2, S4 directly, S3
/// through S2. Won deals closed in October: D4 100 000 (H1's own) + D1 300 000 (S1) + D2
/// 500 000 (S2) + D3 200 000 (S3) + D9 100 000 (S4, who left on 30 September: a deal of the
/// line dated in the period is the line's revenue) = 1 200 000 in 5 deals. Not counted: D5
/// (X1, not in the line), D6 (closed in September), D7 (Z9, not on the roster), D8 (lost).
///   team_revenue 1 200 000 / plan 1 000 000 (H1's own plans row) = 120% → 200 000 × 60% × 1.2 = 144 000
///   team_average_deal (a formula over two reports metrics) 1 200 000 / 5 = 240 000 / 200 000
///     = 120% → 200 000 × 20% × 1.2 = 48 000
///   calls (own: S1's two calls are not H1's) 6 outgoing / 10 = 60% → 200 000 × 20% × 0.6 = 24 000
///   total 216 000.00
/// Sellers (100 000): revenue own / 400 000 × 60%; team_revenue (scope: team) / 2 000 000 × 40%.
/// Team North = S1, S2, S3, S4: D1 + D2 + D3 + D9 = 1 100 000 → 55% → 100 000 × 40% × 0.55 = 22 000
/// for each of them (H1 is team Heads: D4 is not North's).
///   S1: 300 000 / 400 000 = 75% → 45 000; + 22 000 = 67 000.00
///   S2: 500 000 → 125% → 75 000; + 22 000 = 97 000.00
///   S3: 200 000 → 50% → 30 000; + 22 000 = 52 000.00
///   S4: not employed in October → 0.00
///   X1: team South is X1 alone: 900 000 → 225%, capped at 200% → 120 000; team 900 000 /
///     2 000 000 = 45% → 18 000; total 138 000.00
const PAYROLL: &str = "\
employee_id,name,period,scheme,currency,amount,bonus,adjustments
H1,Hanna Head,2026-10,head,KZT,216000.00,216000.00,0.00
S1,Sergey One,2026-10,seller,KZT,67000.00,67000.00,0.00
S2,Saule Two,2026-10,seller,KZT,97000.00,97000.00,0.00
S3,Samat Three,2026-10,seller,KZT,52000.00,52000.00,0.00
S4,Sofia Four,2026-10,seller,KZT,0.00,0.00,0.00
X1,Xenia Other,2026-10,seller,KZT,138000.00,138000.00,0.00
";

#[test]
fn a_head_on_the_reports_revenue_and_a_team_kpi_beside_a_personal_one() {
    let tmp = tempfile::tempdir().unwrap();
    scope_data::write(tmp.path(), scope_data::EMPLOYEES);
    let out = run_month(tmp.path());
    assert_eq!(out.code, 0, "{out:?}");
    let payroll = std::fs::read_to_string(tmp.path().join("out/payroll.csv")).unwrap();
    assert_eq!(payroll, PAYROLL);
    // Only the deal of Z9, who is not on the roster, is worth a warning.
    assert!(!out.stderr.contains("manager_id"), "{}", out.stderr);
    assert!(
        out.stderr.contains("\"Z9\", who is not on the roster"),
        "{}",
        out.stderr
    );
}

/// A run that must be refused: exit 2, nothing written, the problems on stderr.
fn refused(dir: &Path) -> String {
    let out = run_month(dir);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(!dir.join("out").exists(), "nothing is written");
    out.stderr
}

#[test]
fn manager_id_cycles_unknown_managers_and_oneself_are_located_errors() {
    let tmp = tempfile::tempdir().unwrap();
    // A → B → A; C → D → E → C, with F below the cycle; G its own manager; S1's manager
    // misspelt (did you mean S2). F, below the cycle, is on no line to the top but needs no
    // error of its own: fixing the cycle fixes F's line.
    let employees = format!(
        "{}A,Anna A,seller,100000,North,2025-01-01,,B
B,Boris B,seller,100000,North,2025-01-01,,A
C,Chingiz C,seller,100000,North,2025-01-01,,D
D,Daria D,seller,100000,North,2025-01-01,,E
E,Erlan E,seller,100000,North,2025-01-01,,C
F,Fatima F,seller,100000,North,2025-01-01,,C
G,Gulnar G,seller,100000,North,2025-01-01,,G
",
        scope_data::EMPLOYEES.replace(
            "S3,Samat Three,seller,100000,North,2025-01-01,,S2",
            "S3,Samat Three,seller,100000,North,2025-01-01,,S22"
        )
    );
    scope_data::write(tmp.path(), &employees);
    insta::assert_snapshot!(refused(tmp.path()));
}

#[test]
fn an_empty_team_on_a_scheme_with_a_team_metric_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let employees = scope_data::EMPLOYEES.replace(
        "X1,Xenia Other,seller,100000,South,",
        "X1,Xenia Other,seller,100000,,",
    );
    scope_data::write(tmp.path(), &employees);
    insta::assert_snapshot!(refused(tmp.path()));
}

#[test]
fn scope_mistakes_in_a_scheme_are_errors_at_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    scope_data::write(tmp.path(), scope_data::EMPLOYEES);
    let seller = scope_data::seller_scheme()
        .replace("    scope: team\n", "    scope: teams\n")
        .replace(
            "kpis:",
            "  share:\n    formula: revenue / team_revenue\n    scope: team\n  mine:\n    count: deals\n    scope: [team]\nkpis:",
        );
    std::fs::write(tmp.path().join("schemes/seller.yaml"), seller).unwrap();
    let schemes = tmp.path().join("schemes");
    let out = run(
        &[
            "validate".as_ref(),
            "--schemes".as_ref(),
            schemes.as_os_str(),
        ],
        tmp.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    insta::assert_snapshot!(out.stderr);
}

/// The roster's employees line for a generated person.
fn person(id: &str, manager: &str) -> String {
    format!("{id},Person {id},seller,100000,North,2025-01-01,,{manager}\n")
}

#[test]
fn hostile_reporting_lines_give_bounded_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let mut employees = scope_data::EMPLOYEES.to_string();
    // A line 60 levels deep: L1 at the top, L60 at the bottom; only L52, the first person more
    // than 50 levels down, is named.
    employees += &person("L1", "");
    for i in 2..=60 {
        employees += &person(&format!("L{i}"), &format!("L{}", i - 1));
    }
    // A cycle of 1 000 people: shown with its first 10 and its size.
    for i in 0..1000 {
        employees += &person(&format!("C{i:04}"), &format!("C{:04}", (i + 1) % 1000));
    }
    // A manager id of 10 000 characters is quoted shortened; then 30 more unknown managers:
    // 20 listed in all, then a count.
    employees += &person("W1", &"w".repeat(10_000));
    for i in 0..30 {
        employees += &person(&format!("U{i}"), &format!("nobody{i}"));
    }
    scope_data::write(tmp.path(), &employees);
    let stderr = refused(tmp.path());
    assert!(stderr.len() < 12_000, "bounded: {} bytes", stderr.len());
    insta::assert_snapshot!(stderr);
}

/// A team of 500 under one head, in a tree 10 levels deep, with 10 000 deals: each row is
/// dispatched to the team's one accumulator and to the head's, never copied per member. Every
/// deal is 100, won in October; seller k (P0001..P0500) owns 20 and reports to P(k/2), P0001
/// to H1.
///   seller: own 2 000 / 400 000 = 0.5% → 100 000 × 60% × 0.005 = 300; team North
///     1 000 000 / 2 000 000 = 50% → 100 000 × 40% × 0.5 = 20 000; total 20 300.00 each
///   H1: reports 1 000 000 / plan 1 000 000 = 100% → 200 000 × 60% = 120 000; average deal
///     100 / 200 000 = 0.05% → 200 000 × 20% × 0.0005 = 20; own calls 6 / 10 → 24 000;
///     total 144 020.00
#[test]
fn a_large_team_is_dispatched_not_copied() {
    let tmp = tempfile::tempdir().unwrap();
    let mut employees = String::from(
        "employee_id,name,scheme,target_bonus,team,hired_on,left_on,manager_id\nH1,Hanna Head,head,200000,Heads,2025-01-01,,\n",
    );
    for k in 1..=500 {
        let manager = if k == 1 {
            "H1".to_string()
        } else {
            format!("P{:04}", k / 2)
        };
        employees += &format!("P{k:04},Person {k},seller,100000,North,2025-01-01,,{manager}\n");
    }
    scope_data::write(tmp.path(), &employees);
    let mut deals = String::from("deal_id,employee_id,created_on,closed_on,status,stage,amount\n");
    for j in 0..10_000 {
        deals += &format!(
            "D{j},P{:04},2026-09-01,2026-10-05,won,proposal,100\n",
            j % 500 + 1
        );
    }
    std::fs::write(tmp.path().join("data/deals.csv"), deals).unwrap();
    let started = std::time::Instant::now();
    let out = run_month(tmp.path());
    assert_eq!(out.code, 0, "{out:?}");
    let elapsed = started.elapsed();
    let payroll = std::fs::read_to_string(tmp.path().join("out/payroll.csv")).unwrap();
    let lines: Vec<&str> = payroll.lines().collect();
    assert_eq!(lines.len(), 502);
    assert_eq!(
        lines[1],
        "H1,Hanna Head,2026-10,head,KZT,144020.00,144020.00,0.00"
    );
    for (k, line) in lines[2..].iter().enumerate() {
        assert_eq!(
            *line,
            format!(
                "P{:04},Person {},2026-10,seller,KZT,20300.00,20300.00,0.00",
                k + 1,
                k + 1
            )
        );
    }
    assert!(elapsed.as_secs() < 10, "took {elapsed:?}");
}

/// A roster without manager_id: a head on a reports metric counts their own rows only, and is
/// warned about rather than silently paid on them (D4 100 000 of plan 1 000 000 = 10% →
/// 200 000 × 60% × 0.1 = 12 000; average deal 100 000 / 200 000 = 50% → 20 000; calls 24 000;
/// total 56 000.00).
#[test]
fn a_reports_metric_with_no_one_reporting_is_warned_about() {
    let tmp = tempfile::tempdir().unwrap();
    let employees: String = scope_data::EMPLOYEES
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n")
        .collect();
    assert!(employees.starts_with("employee_id,name,scheme,target_bonus,team,hired_on,left_on\n"));
    scope_data::write(tmp.path(), &employees);
    let out = run_month(tmp.path());
    assert_eq!(out.code, 0, "{out:?}");
    let payroll = std::fs::read_to_string(tmp.path().join("out/payroll.csv")).unwrap();
    assert!(
        payroll.contains("\nH1,Hanna Head,2026-10,head,KZT,56000.00,56000.00,0.00\n"),
        "{payroll}"
    );
    insta::assert_snapshot!(out.stderr);
}

/// Scope works with every aggregation: the head's average deal replaced by the median deal of
/// the line. Won October deals of H1's line: 100 000 (D4), 100 000 (D9), 200 000 (D3),
/// 300 000 (D1), 500 000 (D2) → median 200 000 / target 200 000 = 100% → 200 000 × 20% = 40 000;
/// with team_revenue 144 000 and calls 24 000, H1 is paid 208 000.00 (the sellers as before).
#[test]
fn a_median_over_the_reports_rows() {
    let tmp = tempfile::tempdir().unwrap();
    scope_data::write(tmp.path(), scope_data::EMPLOYEES);
    let head = scope_data::head_scheme()
        .replace(
            "  team_average_deal: team_revenue / team_deals\n",
            "  team_median_deal:\n    median: deals.amount\n    where: { status: won, closed_on: in_period }\n    scope: reports\n",
        )
        .replace(
            "metric: team_average_deal",
            "metric: team_median_deal",
        );
    assert!(head.contains("median: deals.amount") && head.contains("metric: team_median_deal"));
    std::fs::write(tmp.path().join("schemes/head.yaml"), head).unwrap();
    let out = run_month(tmp.path());
    assert_eq!(out.code, 0, "{out:?}");
    let payroll = std::fs::read_to_string(tmp.path().join("out/payroll.csv")).unwrap();
    assert_eq!(
        payroll,
        PAYROLL.replace(
            "H1,Hanna Head,2026-10,head,KZT,216000.00,216000.00,0.00",
            "H1,Hanna Head,2026-10,head,KZT,208000.00,208000.00,0.00"
        )
    );
}
