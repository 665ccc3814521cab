//! `incentive plan` (issue 12, docs/plan.md) through the real binary, on a hand-made 13-month
//! history (October 2025 to October 2026) with the arithmetic written out: each method, the
//! seasonal index, the joiner rule, proration, rounding, the realism warnings and the back-test;
//! plans.csv appended to an export and read by `incentive run`; refusals as exact texts.

mod common;

use common::{Outcome, run, write_csv_folder};
use serde_json::Value;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// Hunters are paid on revenue against a plan, farmers on upsell against a plan; `solo` is a
/// scheme nobody else is on. The standard curve: review line 80%, discuss line 120%.
const HUNTER: &str = "currency: KZT\ncurve: standard\nkpis:\n  - { id: revenue, weight: 100%, metric: revenue, target: { plan: revenue } }\n";
const FARMER: &str = "currency: KZT\ncurve: standard\nkpis:\n  - { id: upsell, weight: 100%, metric: upsell, target: { plan: upsell } }\n";

/// The months of the export, oldest first: 2025-10 .. 2026-10.
fn months() -> Vec<(i32, u32)> {
    let mut out = vec![(2025, 10), (2025, 11), (2025, 12)];
    out.extend((1..=10).map(|m| (2026, m)));
    out
}

/// The hand-made history. Revenue is the won deals' amount closed in the month (one deal a
/// month each), upsell the won deals' amount from existing clients (`new_client: no`).
///
/// | who | team | scheme | employed | revenue a month |
/// |---|---|---|---|---|
/// | E1 | N | hunter | since 2020 | 1000; Nov 2025: 1600 |
/// | E2 | N | hunter | since 2020 | 2000; Nov 2025: 2600; Jun 2026: 5000 |
/// | E3 | S | hunter | from 2026-09-01 | 1500 (Sep, Oct 2026) |
/// | E4 | S | hunter | from 2026-11-11 | — |
/// | E5 | S | hunter | since 2020, leaves 2026-11-20 | 3000 |
/// | E6 | S | solo | from 2026-11-02 | — |
/// | E7 | F | farmer | since 2020 | upsell 800 (and a 300 new-client deal) |
///
/// Plans recorded every month employed: E1 1000, E2 1800, E3 1500, E5 2500, E7 700.
fn history(dir: &Path) {
    let mut deals = String::from(
        "deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,lost_reason,client_id\n",
    );
    let mut plans = String::from("employee_id,period,metric,target\n");
    let mut deal = |id: &str, y: i32, m: u32, amount: u32, new_client: &str| {
        deals.push_str(&format!(
            "{id}-{y}{m:02}-{amount},{id},{y}-{m:02}-01,{y}-{m:02}-15,won,proposal,{amount},{new_client},,\n"
        ));
    };
    for (y, m) in months() {
        let e1 = if (y, m) == (2025, 11) { 1600 } else { 1000 };
        let e2 = match (y, m) {
            (2025, 11) => 2600,
            (2026, 6) => 5000,
            _ => 2000,
        };
        deal("E1", y, m, e1, "yes");
        deal("E2", y, m, e2, "yes");
        if (y, m) >= (2026, 9) {
            deal("E3", y, m, 1500, "yes");
        }
        deal("E5", y, m, 3000, "yes");
        deal("E7", y, m, 800, "no");
        deal("E7", y, m, 300, "yes");
        let p = format!("{y}-{m:02}");
        plans.push_str(&format!("E1,{p},revenue,1000\nE2,{p},revenue,1800\n"));
        if (y, m) >= (2026, 9) {
            plans.push_str(&format!("E3,{p},revenue,1500\n"));
        }
        plans.push_str(&format!("E5,{p},revenue,2500\nE7,{p},upsell,700\n"));
    }
    let roster = "employee_id,name,scheme,target_bonus,team,hired_on,left_on\n\
E1,Person One,hunter,100000,N,2020-01-01,\n\
E2,Person Two,hunter,100000,N,2020-01-01,\n\
E3,Person Three,hunter,100000,S,2026-09-01,\n\
E4,Person Four,hunter,100000,S,2026-11-11,\n\
E5,Person Five,hunter,100000,S,2020-01-01,2026-11-20\n\
E6,Person Six,solo,100000,S,2026-11-02,\n\
E7,Person Seven,farmer,100000,F,2020-01-01,\n";
    write_csv_folder(
        &dir.join("data"),
        &[("employees", roster), ("plans", &plans), ("deals", &deals)],
    );
    let schemes = dir.join("schemes");
    std::fs::create_dir_all(&schemes).unwrap();
    for (name, text) in [("hunter", HUNTER), ("farmer", FARMER), ("solo", HUNTER)] {
        std::fs::write(schemes.join(format!("{name}.yaml")), text).unwrap();
    }
}

struct Case {
    _tmp: TempDir,
    root: PathBuf,
}

impl Case {
    fn new() -> Case {
        let tmp = TempDir::new().unwrap();
        let root = tmp.path().to_path_buf();
        history(&root);
        Case { _tmp: tmp, root }
    }

    /// `incentive plan --data … --schemes … --for MONTH ARGS --out OUT/NAME`.
    fn plan(&self, name: &str, month: &str, args: &[&str]) -> (Outcome, PathBuf) {
        let out = self.root.join(name);
        let mut all: Vec<String> = vec![
            "plan".into(),
            "--data".into(),
            self.root.join("data").display().to_string(),
            "--schemes".into(),
            self.root.join("schemes").display().to_string(),
            "--for".into(),
            month.into(),
            "--out".into(),
            out.display().to_string(),
        ];
        all.extend(args.iter().map(|a| a.to_string()));
        (run(&all, &self.root), out)
    }

    fn json(&self, name: &str, month: &str, args: &[&str]) -> Value {
        let (o, out) = self.plan(name, month, args);
        assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
        serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap()
    }
}

/// Each plan's (employee_id, metric) → field, as a string.
fn field(v: &Value, key: &str) -> Vec<(String, String, String)> {
    v["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["employee_id"].as_str().unwrap().to_string(),
                p["metric"].as_str().unwrap().to_string(),
                match &p[key] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                },
            )
        })
        .collect()
}

fn plans(v: &Value) -> Vec<(String, String, String)> {
    field(v, "plan")
}

fn t(e: &str, m: &str, x: &str) -> (String, String, String) {
    (e.to_string(), m.to_string(), x.to_string())
}

fn codes(v: &Value) -> Vec<String> {
    v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            format!(
                "{} {} {}",
                w["code"].as_str().unwrap(),
                w["employee_id"]
                    .as_str()
                    .or(w["team"].as_str())
                    .unwrap_or("-"),
                w["metric"].as_str().unwrap()
            )
        })
        .collect()
}

/// Bottom-up for November 2026 with 10% growth, rounded to 100.
///
/// The season of revenue: the department (everyone on a scheme planning revenue, employed in the
/// month) made, over Nov 2025 .. Oct 2026,
/// Nov 2025: 1600 + 2600 + 3000 = 7200; Jun 2026: 1000 + 5000 + 3000 = 9000;
/// Sep and Oct 2026: 1000 + 2000 + 3000 + 1500 = 7500; the eight other months 6000:
/// Σ = 7200 + 9000 + 15 000 + 48 000 = 79 200, average 6600, index 7200 ÷ 6600 = 12/11.
/// So every hunter's plan is base × 1.1 × 12/11 = base × 1.2:
///
/// - E1: (1600 + 11 × 1000) ÷ 12 = 1050 → 1260 → 1300.
/// - E2: (2600 + 5000 + 10 × 2000) ÷ 12 = 2300 → 2760 → 2800.
/// - E5: 3000 → 3600 for a whole month, × 20/30 days (leaves on the 20th) = 2400.
/// - E3 has two full months (Sep, Oct), fewer than 3: the median of the colleagues on hunter
///   with enough history (1050, 2300, 3000) = 2300 → 2760 → 2800.
/// - E4 (hired 11 November, 20 of 30 days): 2300 × 1.2 × 20/30 = 1840 → 1800.
/// - E6 is alone on solo with no history: a manual plan.
/// - E7's upsell is 800 every month, so its season is 800 ÷ 800 = 1: 800 × 1.1 = 880 → 900.
#[test]
fn bottom_up_with_season_joiners_and_leavers() {
    let c = Case::new();
    let (o, out) = c.plan("bu", "2026-11", &["--growth", "10%", "--step", "100"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let v: Value = serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    assert_eq!(v["export_first_month"], "2025-10");
    assert_eq!(v["season"]["revenue"]["same_month"], "2025-11");
    assert_eq!(v["season"]["revenue"]["same_month_total"], "7200");
    assert_eq!(v["season"]["revenue"]["average"], "6600");
    assert_eq!(v["season"]["revenue"]["index"], "1.090909"); // 12/11
    assert_eq!(v["season"]["upsell"]["index"], "1");
    assert_eq!(
        plans(&v),
        vec![
            t("E1", "revenue", "1300"),
            t("E2", "revenue", "2800"),
            t("E3", "revenue", "2800"),
            t("E4", "revenue", "1800"),
            t("E5", "revenue", "2400"),
            t("E7", "upsell", "900"),
        ]
    );
    assert_eq!(
        field(&v, "base"),
        vec![
            t("E1", "revenue", "1050"),
            t("E2", "revenue", "2300"),
            t("E3", "revenue", "2300"),
            t("E4", "revenue", "2300"),
            t("E5", "revenue", "3000"),
            t("E7", "upsell", "800"),
        ]
    );
    assert_eq!(
        field(&v, "base_from"),
        vec![
            t("E1", "revenue", "own"),
            t("E2", "revenue", "own"),
            t("E3", "revenue", "colleagues"),
            t("E4", "revenue", "colleagues"),
            t("E5", "revenue", "own"),
            t("E7", "upsell", "own"),
        ]
    );
    assert_eq!(field(&v, "raw")[0], t("E1", "revenue", "1260"));
    assert_eq!(field(&v, "full_month")[4], t("E5", "revenue", "3600"));
    assert_eq!(field(&v, "raw")[4], t("E5", "revenue", "2400"));
    // E3's history: Nov 2025 .. Aug 2026 not employed, Sep and Oct used.
    let e3 = &v["plans"][2]["history"];
    assert_eq!(e3[0]["why"], "not_employed");
    assert_eq!(e3[10]["used"], true);
    assert_eq!(e3[11]["value"], "1500");
    // The lines say how each number was made.
    let lines = field(&v, "line");
    assert_eq!(
        lines[0].2,
        "average of Nov 2025-Oct 2026 (12 months) 1 050 × growth 1.10 × November seasonality 1.09 = 1 260 → 1 300"
    );
    assert_eq!(
        lines[3].2,
        "median of 3 colleagues on hunter 2 300 (too little own history) × growth 1.10 × November seasonality 1.09 × 20 of 30 days employed = 1 840 → 1 800"
    );
    assert_eq!(
        v["manual"],
        serde_json::json!([{
            "employee_id": "E6", "name": "Person Six", "metric": "revenue", "scheme": "solo",
            "reason": "no_history_no_colleagues",
            "text": "0 of the 3 full history months a plan needs, and no colleague on solo has them: set this plan by hand",
        }])
    );
    // Team S plans 2800 + 1800 + 2400 = 7000, above its best month (Sep 2026: 3000 + 1500);
    // team F plans 900, above its every month (800); team N's 1300 + 2800 = 4100 is below
    // its June (1000 + 5000).
    assert_eq!(
        codes(&v),
        vec!["team_above_best S revenue", "team_above_best F upsell"]
    );
    // plans.csv is the plans table's layout, employee then metric; no row for E6.
    assert_eq!(
        std::fs::read_to_string(out.join("plans.csv")).unwrap(),
        "employee_id,period,metric,target\n\
E1,2026-11,revenue,1300\n\
E2,2026-11,revenue,2800\n\
E3,2026-11,revenue,2800\n\
E4,2026-11,revenue,1800\n\
E5,2026-11,revenue,2400\n\
E7,2026-11,upsell,900\n"
    );
    assert_eq!(
        o.stdout,
        format!(
            "plans for 2026-11 (bottom-up): 6 plans for 6 people, 1 left for a manual plan, 2 warnings; wrote plans.csv, plan.xlsx and plan.json to {}\n",
            "[TMP]/bu"
        )
    );
    assert_eq!(
        o.stderr,
        "manual plan needed: E6 (Person Six), revenue: 0 of the 3 full history months a plan needs, and no colleague on solo has them: set this plan by hand\n"
    );
}

/// Halves go up: E1's 1260 with a step of 40 is 31.5 steps → 32 × 40 = 1280.
#[test]
fn rounding_halves_go_up() {
    let c = Case::new();
    let v = c.json(
        "r40",
        "2026-11",
        &["--growth", "10%", "--step", "40", "--metric", "revenue"],
    );
    assert_eq!(plans(&v)[0], t("E1", "revenue", "1280"));
    assert_eq!(v["metrics"], serde_json::json!(["revenue"]));
}

/// The realism warnings. With 150% growth a plan is base × 2.5 × 12/11:
/// E1 2863.64 > 1.5 × its best month 1600 = 2400 (above_best); E2 6272.73 ≤ 1.5 × 5000;
/// E5 8181.82 > 1.5 × 3000 (above_best). With −20%: E1 1050 × 0.8 × 12/11 = 916.36 < its
/// worst month 1000, E5 2618.18 < 3000 (below_worst); E2 2007.27 ≥ 2000; E7 640 < 800.
#[test]
fn realism_warnings() {
    let c = Case::new();
    let v = c.json("up", "2026-11", &["--growth", "150%", "--step", "100"]);
    let w = codes(&v);
    assert!(w.contains(&"above_best E1 revenue".to_string()), "{w:?}");
    assert!(w.contains(&"above_best E5 revenue".to_string()), "{w:?}");
    assert!(!w.iter().any(|x| x.contains("E2")), "{w:?}");
    assert_eq!(
        v["plans"][0]["warnings"][0]["text"],
        "the plan for a whole month, 2 863.64, is above the best month, 1 600, by more than 50%: people who see a number they cannot reach stop trying"
    );
    let v = c.json("down", "2026-11", &["--growth", "-20%", "--step", "100"]);
    let w: Vec<String> = codes(&v)
        .into_iter()
        .filter(|x| x.starts_with("below"))
        .collect();
    assert_eq!(
        w,
        vec![
            "below_worst E1 revenue",
            "below_worst E5 revenue",
            "below_worst E7 upsell"
        ]
    );
}

/// top-down, equal split of 10 000 by days employed: E1, E2, E3 a whole month each, E4 and
/// E5 20/30, E6 (hired 2 November) 29/30: Σ = 3 + 4/3 + 29/30 = 5.3.
/// E1 = 10 000 ÷ 5.3 = 1886.79 → 1900; E4 = 10 000 × 2/3 ÷ 5.3 = 1257.86 → 1300;
/// E6 = 10 000 × 29/30 ÷ 5.3 = 1823.90 → 1800. The rounded plans add up to
/// 3 × 1900 + 2 × 1300 + 1800 = 10 100. Upsell: E7 alone carries 1000.
#[test]
fn top_down_equal() {
    let c = Case::new();
    let v = c.json(
        "td",
        "2026-11",
        &[
            "--method",
            "top-down",
            "--company-target",
            "revenue=10000",
            "--company-target",
            "upsell=1000",
            "--step",
            "100",
        ],
    );
    assert_eq!(
        plans(&v),
        vec![
            t("E1", "revenue", "1900"),
            t("E2", "revenue", "1900"),
            t("E3", "revenue", "1900"),
            t("E4", "revenue", "1300"),
            t("E5", "revenue", "1300"),
            t("E6", "revenue", "1800"),
            t("E7", "upsell", "1000"),
        ]
    );
    assert_eq!(v["manual"], serde_json::json!([]));
    assert_eq!(
        v["company_target"],
        serde_json::json!([
            {"metric": "revenue", "target": "10000", "rounded_sum": "10100"},
            {"metric": "upsell", "target": "1000", "rounded_sum": "1000"},
        ])
    );
    assert_eq!(
        field(&v, "line")[3].2,
        "company target 10 000 × 0.67 ÷ 5.30 (shares by days employed) = 1 257.86 → 1 300"
    );
}

/// top-down by history: weights base × share: E1 1050, E2 2300, E3 2300 (colleagues' median),
/// E4 2300 × 2/3, E5 3000 × 2/3 = 2000; E6 has no base and is left for a manual plan:
/// Σ = 9183.33…; E1 = 10 000 × 1050 ÷ 9183.33 = 1143.38 → 1100, E2 = 2504.54 → 2500.
/// blend scales the bottom-up plans (base × 1.1 × 12/11 × share) by 10 000 ÷ their sum: the
/// growth and season cancel, so the plans are the same.
#[test]
fn top_down_history_and_blend() {
    let c = Case::new();
    let args = |method: &'static str| {
        let mut a = vec![
            "--method",
            method,
            "--company-target",
            "revenue=10000",
            "--metric",
            "revenue",
            "--step",
            "100",
        ];
        if method == "top-down" {
            a.extend(["--split", "history"]);
        } else {
            a.extend(["--growth", "10%"]);
        }
        a
    };
    let td = c.json("tdh", "2026-11", &args("top-down"));
    let expected = vec![
        t("E1", "revenue", "1100"),
        t("E2", "revenue", "2500"),
        t("E3", "revenue", "2500"),
        t("E4", "revenue", "1700"),
        t("E5", "revenue", "2200"),
    ];
    assert_eq!(plans(&td), expected);
    assert_eq!(td["manual"][0]["employee_id"], "E6");
    let blend = c.json("blend", "2026-11", &args("blend"));
    assert_eq!(plans(&blend), expected);
    assert_eq!(
        field(&blend, "line")[0].2,
        "average of Nov 2025-Oct 2026 (12 months) 1 050 × growth 1.10 × November seasonality 1.09 = 1 260 (bottom-up) × 0.9074 to meet the company target 10 000 = 1 143.38 → 1 100"
    );
}

/// The back-test's last month, October 2026, planned bottom-up with 10% growth as on 1 October:
/// the history is Oct 2025 .. Sep 2026, the season October 2025's 6000 against that year's
/// average 6475 (Σ 6000 + 7200 + 6 × 6000 + 9000 + 2 × 6000 + 7500 = 77 700): 240/259.
/// E1 1050 × 1.1 × 240/259 = 1070.27 → 1100 against 1000 done: 90.9% (80-100);
/// E2 2300 → 2344.40 → 2300 against 2000: 87.0% (80-100);
/// E3 (one month of history: the colleagues' median 2300) → 2300 against 1500: 65.2% (below 80);
/// E5 3000 → 3057.92 → 3100 against 3000: 96.8% (80-100).
/// The plans actually used: E1 1000/1000 = 100%, E2 2000/1800 = 111%, E3 1500/1500 = 100%,
/// E5 3000/2500 = exactly 120%: all four 100-120% (the band includes 120%).
#[test]
fn backtest() {
    let c = Case::new();
    let v = c.json("bt", "2026-11", &["--growth", "10%", "--step", "100"]);
    let revenue = v["backtest"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["metric"] == "revenue")
        .unwrap();
    let months = revenue["months"].as_array().unwrap();
    assert_eq!(months.len(), 6);
    assert_eq!(months[0]["period"], "2026-05");
    let oct = &months[5];
    assert_eq!(oct["period"], "2026-10");
    assert_eq!(
        oct["method"],
        serde_json::json!({"below_80": 1, "80_100": 3, "100_120": 0, "above_120": 0, "count": 4,
            "below_review_line": 1, "above_discuss_line": 0})
    );
    assert_eq!(
        oct["actual"],
        serde_json::json!({"below_80": 0, "80_100": 0, "100_120": 4, "above_120": 0, "count": 4,
            "below_review_line": 0, "above_discuss_line": 0})
    );
    assert_eq!(revenue["flag"], Value::Null);
    // Doubling everyone's history puts most attainments near 50%: below the threshold.
    let hard = c.json("hard", "2026-11", &["--growth", "100%"]);
    assert_eq!(hard["backtest"][0]["flag"], "backtest_too_hard");
    // Halving it puts most near 200%: above the discuss line.
    let easy = c.json("easy", "2026-11", &["--growth", "-50%"]);
    assert_eq!(easy["backtest"][0]["flag"], "backtest_too_easy");
    assert!(codes(&easy).contains(&"backtest_too_easy - revenue".to_string()));
}

/// Less than a year in the export: no season, and the output says why.
#[test]
fn no_season_without_a_year() {
    let c = Case::new();
    let v = c.json("short", "2026-10", &["--step", "100"]);
    // For October 2026 the year before is Oct 2025 .. Sep 2026, all in the export.
    assert_eq!(v["season"]["revenue"]["why"], Value::Null);
    let v = c.json(
        "short2",
        "2026-11",
        &["--since", "2026-01", "--step", "100"],
    );
    assert_eq!(v["season"]["revenue"]["index"], Value::Null);
    assert_eq!(v["season"]["revenue"]["why"], "short_export");
    assert_eq!(
        v["season"]["revenue"]["text"],
        "none: the export holds fewer than the 12 months before 2026-11 (it starts 2026-01)"
    );
    // E1: January to October 2026, 10 months of 1000.
    assert_eq!(plans(&v)[0], t("E1", "revenue", "1000"));
}

/// plans.csv for October 2026, put in place of October's recorded plans, is read by
/// `incentive run` for October: every KPI's target is the proposed plan.
#[test]
fn plans_csv_is_read_by_run() {
    let c = Case::new();
    let (o, out) = c.plan("oct", "2026-10", &["--step", "100"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let proposed = std::fs::read_to_string(out.join("plans.csv")).unwrap();
    let table = c.root.join("data").join("plans.csv");
    let kept: String = std::fs::read_to_string(&table)
        .unwrap()
        .lines()
        .filter(|l| !l.contains(",2026-10,"))
        .map(|l| format!("{l}\n"))
        .collect();
    let appended: String = proposed.lines().skip(1).map(|l| format!("{l}\n")).collect();
    std::fs::write(&table, format!("{kept}{appended}")).unwrap();
    let run_out = c.root.join("run-oct");
    let r = run(
        &[
            "run",
            "--data",
            c.root.join("data").to_str().unwrap(),
            "--schemes",
            c.root.join("schemes").to_str().unwrap(),
            "--period",
            "2026-10",
            "--out",
            run_out.to_str().unwrap(),
        ],
        &c.root,
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let run_json: Value =
        serde_json::from_slice(&std::fs::read(run_out.join("run.json")).unwrap()).unwrap();
    let text = run_json.to_string();
    for line in proposed.lines().skip(1) {
        let target = line.rsplit(',').next().unwrap();
        assert!(text.contains(&format!("\"target\":\"{target}\"")), "{line}");
    }
    assert!(proposed.lines().count() >= 5, "{proposed}");
}

/// Every problem with the options, at once, exit code 2.
#[test]
fn refusals() {
    let c = Case::new();
    let (o, _) = c.plan(
        "bad",
        "2026-13",
        &[
            "--growth",
            "20",
            "--step",
            "0",
            "--history",
            "30",
            "--company-target",
            "revenue=lots",
        ],
    );
    assert_eq!(o.code, 2);
    insta::assert_snapshot!("plan_refusals_options", o.stderr);
    let (o, _) = c.plan(
        "bad2",
        "2026-11",
        &[
            "--method",
            "blend",
            "--metric",
            "revnue",
            "--company-target",
            "upsell=10",
        ],
    );
    assert_eq!(o.code, 2);
    insta::assert_snapshot!("plan_refusals_metrics", o.stderr);
}

/// A first plan, from an export without a plans table: the plans are made; the back-test has
/// no recorded plans to compare with.
#[test]
fn without_a_plans_table() {
    let c = Case::new();
    std::fs::remove_file(c.root.join("data").join("plans.csv")).unwrap();
    let v = c.json("first", "2026-11", &["--growth", "10%", "--step", "100"]);
    assert_eq!(plans(&v)[0], t("E1", "revenue", "1300"));
    assert_eq!(v["backtest"][0]["actual"]["count"], 0);
    // May-August: E1, E2, E5; September and October also E3: 4 × 3 + 2 × 4 = 20.
    assert_eq!(v["backtest"][0]["method"]["count"], 20);
}

/// Planning a month long after the export ends: the months after October 2026 are not in the
/// export, so March 2027's history is the export's months (E1: Mar 2026 .. Oct 2026, 8 months
/// of 1000), never zeros, there is no season, and the command says so.
#[test]
fn a_month_long_after_the_export() {
    let c = Case::new();
    let (o, out) = c.plan("late", "2027-03", &["--step", "100"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let v: Value = serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    assert_eq!(v["export_last_month"], "2026-10");
    assert_eq!(field(&v, "base")[0], t("E1", "revenue", "1000"));
    assert_eq!(v["season"]["revenue"]["why"], "short_export");
    assert_eq!(v["plans"][0]["history"][11]["value"], Value::Null);
    assert_eq!(v["plans"][0]["history"][11]["why"], "not_in_export");
    assert!(
        o.stderr.starts_with(
            "note: the export ends in 2026-10; the months from then to 2027-03 are not in it and are not read as zeros\n"
        ),
        "{}",
        o.stderr
    );
}
