//! Hand-worked examples: one employee per preset scheme, with the arithmetic written out, scored
//! through the real preset files and the pure scoring functions.

use incentive::metrics::MetricValue;
use incentive::num::{Exact, exact, exact_int};
use incentive::period::Period;
use incentive::scheme::{self, Scheme};
use incentive::scoring::{self, Flag};
use rust_decimal::Decimal;
use std::path::Path;
use std::str::FromStr;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn preset(id: &str) -> Scheme {
    scheme::load_file(Path::new(&format!("schemes/{id}.yaml"))).unwrap()
}

/// Metric values by KPI id (the metric each KPI reads); other metrics are irrelevant here.
fn values(s: &Scheme, by_kpi: &[(&str, Option<Exact>)]) -> Vec<MetricValue> {
    let mut v = vec![
        MetricValue {
            value: None,
            rows: 0
        };
        s.metrics.len()
    ];
    for (kpi, value) in by_kpi {
        let k = s.kpis.iter().find(|k| k.id == *kpi).unwrap();
        v[k.metric] = MetricValue {
            value: value.clone(),
            rows: 1,
        };
    }
    v
}

fn amounts(score: &scoring::Score) -> Vec<String> {
    score.kpis.iter().map(|k| k.amount.to_string()).collect()
}

#[test]
fn b2b_long_cycle_full_month() {
    let s = preset("b2b-long-cycle");
    let p = Period::parse("2026-09").unwrap();
    let emp = scoring::employment(p, None, None); // 30 of 30 days: share 1
    let plan = |m: &str| (m == "revenue").then(|| dec("12000000"));
    let targets = scoring::targets(&s, emp, &plan);
    // revenue target = plan 12 000 000; pipeline = 3 × 12 000 000; meetings 8 × 1; 25%.
    assert_eq!(
        targets,
        [
            Some(exact_int(12_000_000)),
            Some(exact_int(36_000_000)),
            Some(exact_int(8)),
            Some(exact(dec("0.25")))
        ]
    );
    let v = values(
        &s,
        &[
            ("revenue", Some(exact_int(10_800_000))), // 90%  → factor 0.90 (1:1)
            ("pipeline", Some(exact_int(39_600_000))), // 110% → 1 + 1.5 × 10% = 1.15
            ("meetings", Some(exact_int(6))),         // 75%  → below 80%: 0
            ("proposal_to_deal", Some(exact_int(2) / exact_int(6))), // 33.3% / 25% = 133% → cap 1.30
        ],
    );
    let score = scoring::score(&s, dec("400000"), emp, &v, &targets).unwrap();
    // 400 000 × 1 × 50% × 0.90 = 180 000.00
    // 400 000 × 1 × 20% × 1.15 =  92 000.00
    // 400 000 × 1 × 15% × 0    =       0.00
    // 400 000 × 1 × 15% × 1.30 =  78 000.00
    assert_eq!(
        amounts(&score),
        ["180000.00", "92000.00", "0.00", "78000.00"]
    );
    assert_eq!(score.total, dec("350000.00"));
    assert_eq!(score.kpis[2].flags, [Flag::BelowThreshold]);
    assert_eq!(score.kpis[3].flags, [Flag::AboveStretch]);
}

#[test]
fn transactional_mid_month_joiner() {
    let s = preset("transactional");
    let p = Period::parse("2026-10").unwrap();
    // Hired 17 October: employed 17..31 = 15 of 31 days, share 15/31.
    let emp = scoring::employment(p, Some("2026-10-17".parse().unwrap()), None);
    assert_eq!(emp.days_employed, 15);
    let plan = |m: &str| (m == "revenue").then(|| dec("10000000"));
    let targets = scoring::targets(&s, emp, &plan);
    let share = exact_int(15) / exact_int(31);
    // Count targets are prorated (30 × 15/31 deals, 600 × 15/31 calls); plan and 275 000 are not.
    assert_eq!(targets[1], Some(exact_int(30) * &share));
    assert_eq!(targets[2], Some(exact_int(600) * &share));
    assert_eq!(targets[3], Some(exact_int(275_000)));
    let v = values(
        &s,
        &[
            ("revenue", Some(exact_int(9_000_000))),    // 90% → 0.90
            ("deals", Some(exact_int(16))), // 16 / 14.516… = 110.2% → 1 + 1.5 × 10.2% = 1.15333…
            ("calls", Some(exact_int(250))), // 250 / 290.32… = 86.1% → 0.86111…
            ("average_deal", Some(exact_int(562_500))), // 204.5% → cap 1.30
        ],
    );
    let score = scoring::score(&s, dec("310000"), emp, &v, &targets).unwrap();
    // 310 000 × 15/31 = 150 000 paid at 100%.
    // 150 000 × 40% × 0.90                      = 54 000.00
    // 150 000 × 25% × (1 + 1.5 × 46/450)        = 37 500 + 5 750 = 43 250.00
    // 150 000 × 20% × 7750/9000                 = 25 833.333… → 25 833.33
    // 150 000 × 15% × 1.30                      = 29 250.00
    assert_eq!(
        amounts(&score),
        ["54000.00", "43250.00", "25833.33", "29250.00"]
    );
    assert_eq!(score.total, dec("152333.33"));
}

#[test]
fn account_manager_full_month() {
    let s = preset("account-manager");
    let p = Period::parse("2026-10").unwrap();
    let emp = scoring::employment(p, None, Some("2026-12-31".parse().unwrap()));
    let plan = |m: &str| (m == "upsell").then(|| dec("2000000"));
    let targets = scoring::targets(&s, emp, &plan);
    let v = values(
        &s,
        &[
            ("retention", Some(exact_int(18) / exact_int(20))), // 90% / 90% = 100% → 1
            ("upsell", Some(exact_int(2_400_000))),             // 120% → 1.30
            ("nps", Some(exact_int(40))),                       // 40 / 50 = 80% → 0.80
            ("contact_coverage", Some(exact_int(15) / exact_int(20))), // 75% → 0
        ],
    );
    let score = scoring::score(&s, dec("250000"), emp, &v, &targets).unwrap();
    // 250 000 × 30% × 1 = 75 000; × 30% × 1.3 = 97 500; × 20% × 0.8 = 40 000; 0.
    assert_eq!(
        amounts(&score),
        ["75000.00", "97500.00", "40000.00", "0.00"]
    );
    assert_eq!(score.total, dec("212500.00"));
    // Exactly 80% pays (the threshold is inclusive) and is not flagged for review.
    assert!(score.kpis[2].flags.is_empty());
}

#[test]
fn no_data_and_not_employed() {
    let s = preset("account-manager");
    let p = Period::parse("2026-10").unwrap();
    let emp = scoring::employment(p, None, None);
    let plan = |_: &str| Some(dec("2000000"));
    let targets = scoring::targets(&s, emp, &plan);
    // Empty book: retention and coverage have no data; no NPS answers either.
    let v = values(
        &s,
        &[
            ("retention", None),
            ("upsell", Some(exact_int(2_000_000))),
            ("nps", None),
            ("contact_coverage", None),
        ],
    );
    let score = scoring::score(&s, dec("250000"), emp, &v, &targets).unwrap();
    assert_eq!(amounts(&score), ["0.00", "75000.00", "0.00", "0.00"]);
    assert_eq!(score.kpis[0].flags, [Flag::NoData]);
    assert_eq!(score.kpis[2].flags, [Flag::NoData]);

    // Left before the period: share 0, nothing paid, flagged, no attainment.
    let gone = scoring::employment(p, None, Some("2026-09-30".parse().unwrap()));
    let targets = scoring::targets(&s, gone, &plan);
    let v = values(
        &s,
        &[
            ("retention", Some(exact_int(1))),
            ("upsell", Some(exact_int(5_000_000))),
            ("nps", Some(exact_int(90))),
            ("contact_coverage", Some(exact_int(1))),
        ],
    );
    let score = scoring::score(&s, dec("250000"), gone, &v, &targets).unwrap();
    assert_eq!(score.total, dec("0"));
    assert_eq!(score.flags, [Flag::NotEmployed]);
    assert!(score.kpis.iter().all(|k| k.attainment.is_none()));
}

#[test]
fn lower_is_better_kpi() {
    let text = "currency: KZT\ncurve: standard\nmetrics:\n  cycle: { average: deals.amount }\nkpis:\n  - { id: cycle, weight: 100%, metric: cycle, target: 20, better: lower }\n";
    let s = scheme::parse_str(Path::new("cycle.yaml"), text).unwrap();
    let p = Period::parse("2026-10").unwrap();
    let emp = scoring::employment(p, None, None);
    let targets = scoring::targets(&s, emp, &|_| None);
    let score = |actual: i64| {
        let v = vec![MetricValue {
            value: Some(exact_int(actual)),
            rows: 1,
        }];
        scoring::score(&s, dec("100000"), emp, &v, &targets)
            .unwrap()
            .total
    };
    assert_eq!(score(25), dec("80000.00")); // 20 / 25 = 80% → 0.80
    assert_eq!(score(20), dec("100000.00"));
    assert_eq!(score(16), dec("130000.00")); // 125% → cap 1.30
    assert_eq!(score(26), dec("0.00")); // 76.9%
    assert_eq!(score(0), dec("130000.00")); // nothing to shorten: the curve's maximum
}

/// An uncapped curve and an absurd actual must stop the run, never pay a wrong amount.
#[test]
fn an_amount_too_large_is_an_error_not_a_payment() {
    let text = "currency: KZT\ncurve: { threshold: 0%, segments: [ { slope: 1 } ] }\nmetrics:\n  m: { sum: deals.amount }\nkpis:\n  - { id: k, weight: 100%, metric: m, target: 1 }\n";
    let s = scheme::parse_str(Path::new("open.yaml"), text).unwrap();
    let p = Period::parse("2026-10").unwrap();
    let emp = scoring::employment(p, None, None);
    let targets = scoring::targets(&s, emp, &|_| None);
    let v = vec![MetricValue {
        value: Some(exact(dec("99999999999999999999"))),
        rows: 1,
    }];
    let err = scoring::score(&s, dec("100000000"), emp, &v, &targets).unwrap_err();
    assert_eq!(
        err,
        "the amount of KPI \"k\" (about 1.000e28) is too large to pay"
    );
}
