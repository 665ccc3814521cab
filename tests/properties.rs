//! Properties of whole runs over generated months (proptest): the payroll.csv the run writes adds
//! up to the totals every other output shows, and the order of the rows changes nothing.

use incentive::period::Period;
use incentive::report::{self, Context, labels::Labels};
use incentive::run::{self, RunResult};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::path::Path;

/// One generated month: a deal is (employee, day closed, won?, amount in tiyn), a call is
/// (employee, day, seconds).
#[derive(Debug, Clone)]
struct Month {
    deals: Vec<(usize, u32, bool, u64)>,
    calls: Vec<(usize, u32, u32)>,
    bonuses: [u64; 3],
    plans: [u64; 3],
}

fn month() -> impl Strategy<Value = Month> {
    (
        prop::collection::vec(
            (0usize..3, 1u32..=31, any::<bool>(), 1u64..5_000_000_000),
            0..40,
        ),
        prop::collection::vec((0usize..3, 1u32..=31, 0u32..900), 0..60),
        [1u64..100_000_000, 1u64..100_000_000, 1u64..100_000_000],
        [1u64..100_000_000, 1u64..100_000_000, 1u64..100_000_000],
    )
        .prop_map(|(deals, calls, bonuses, plans)| Month {
            deals,
            calls,
            bonuses,
            plans,
        })
}

const IDS: [&str; 3] = ["E1", "E2", "E3"];
const SCHEMES: [&str; 3] = ["b2b-long-cycle", "transactional", "transactional"];

/// The month's tables as CSV text, rows in the order given by `order` (a permutation seed).
fn tables(m: &Month, seed: u64) -> Vec<(&'static str, String)> {
    fn shuffle<T>(mut v: Vec<T>, mut seed: u64) -> Vec<T> {
        for i in (1..v.len()).rev() {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            v.swap(i, (seed >> 33) as usize % (i + 1));
        }
        v
    }
    let cents = |c: u64| Decimal::new(c as i64, 2).to_string();
    let mut employees = vec!["employee_id,name,scheme,target_bonus,team,hired_on,left_on".into()];
    let mut plans = vec!["employee_id,period,metric,target".into()];
    for i in 0..3 {
        employees.push(format!(
            "{},Person {i},{},{},T{},,",
            IDS[i],
            SCHEMES[i],
            cents(m.bonuses[i]),
            i % 2
        ));
        plans.push(format!("{},2026-10,revenue,{}", IDS[i], m.plans[i] * 100));
    }
    let mut deals = vec![
        "deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,lost_reason,client_id"
            .to_string(),
    ];
    for (n, (e, day, won, amount)) in m.deals.iter().enumerate() {
        deals.push(format!(
            "D{n},{},2026-09-01,2026-10-{day:02},{},proposal,{},,,",
            IDS[*e],
            if *won { "won" } else { "lost" },
            cents(*amount)
        ));
    }
    let mut calls =
        vec!["call_id,employee_id,started_at,direction,duration_sec,client_id".to_string()];
    for (n, (e, day, secs)) in m.calls.iter().enumerate() {
        calls.push(format!(
            "C{n},{},2026-10-{day:02} 10:00:00,outgoing,{secs},",
            IDS[*e]
        ));
    }
    let meetings = vec!["meeting_id,employee_id,starts_at,status,client_id".to_string()];
    let text = |rows: Vec<String>, seed: u64| {
        let mut rows = rows.into_iter();
        let header = rows.next().unwrap();
        let body = shuffle(rows.collect(), seed);
        std::iter::once(header)
            .chain(body)
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    };
    vec![
        ("employees", text(employees, seed)),
        ("plans", text(plans, seed ^ 1)),
        ("deals", text(deals, seed ^ 2)),
        ("calls", text(calls, seed ^ 3)),
        ("meetings", text(meetings, seed)),
    ]
}

fn compute(m: &Month, seed: u64) -> RunResult {
    let tmp = tempfile::tempdir().unwrap();
    for (table, text) in tables(m, seed) {
        std::fs::write(tmp.path().join(format!("{table}.csv")), text).unwrap();
    }
    run::compute(
        Path::new("schemes"),
        tmp.path(),
        Period::parse("2026-10").unwrap(),
    )
    .unwrap_or_else(|e| panic!("a generated month is valid input: {e}"))
}

/// Every employee's exact results, without references to source rows.
fn results(r: &RunResult) -> Vec<String> {
    r.employees
        .iter()
        .map(|e| {
            let kpis: Vec<String> = e
                .score
                .kpis
                .iter()
                .map(|k| format!("{:?} {:?} {:?} {}", k.actual, k.target, k.factor, k.amount))
                .collect();
            format!("{} {} {}", e.employee.id, e.score.total, kpis.join(" | "))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn payroll_adds_up_to_every_total(m in month()) {
        let r = compute(&m, 0);
        let payroll = report::payroll_csv(&r).unwrap();
        let (sums, unreadable) = report::payroll_sums(&payroll);
        prop_assert!(unreadable.is_none());
        let totals = r.totals();
        prop_assert_eq!(&sums, &totals);
        // Each employee's total is the sum of the KPI amounts, and the period's total the sum
        // of the employees' totals.
        let mut by_hand = Decimal::ZERO;
        for e in &r.employees {
            let kpis: Decimal = e.score.kpis.iter().map(|k| k.amount).sum();
            prop_assert_eq!(kpis, e.score.total);
            by_hand += e.score.total;
        }
        prop_assert_eq!(Some(&by_hand), totals.get("KZT"));
        // run.json records the same totals.
        let cx = Context::new(Labels::default(), String::new());
        let m = report::manifest::manifest(&r, &cx);
        prop_assert_eq!(m.total, report::money(by_hand));
    }

    #[test]
    fn row_order_changes_no_result(m in month(), seed in 1u64..u64::MAX) {
        let a = compute(&m, 0);
        let b = compute(&m, seed);
        prop_assert_eq!(report::payroll_csv(&a).unwrap(), report::payroll_csv(&b).unwrap());
        prop_assert_eq!(results(&a), results(&b));
    }
}
