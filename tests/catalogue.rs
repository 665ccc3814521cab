//! The catalogue of named metrics (src/scheme/catalogue.yaml): every entry is computable in a
//! scheme that only names it, the presets written with catalogue names pay byte-identically,
//! and `incentive metrics` lists and explains every entry.

mod common;

use common::{copy_dir, crate_path, run, run_period};
use std::path::Path;

/// The presets as they were written before the catalogue, every metric defined in the scheme
/// (schemes/*.yaml copied from commit b342c13, before they were rewritten with catalogue names).
const BEFORE: &str = "tests/fixtures/presets-before-catalogue";

const PRESETS: [&str; 4] = [
    "b2b-long-cycle",
    "transactional",
    "account-manager",
    "transactional-5min",
];

/// A run's payroll.csv and the `employees` of its run.json: per employee the total, and per
/// KPI its metric's name, actual, target, attainment, factor, amount and source rows.
fn outputs(
    data: &Path,
    schemes: &Path,
    period: &str,
    tmp: &Path,
    out: &str,
) -> (String, serde_json::Value) {
    let out = tmp.join(out);
    let o = run_period(data, schemes, period, &out, tmp);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let payroll = std::fs::read_to_string(out.join("payroll.csv")).unwrap();
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    std::fs::remove_dir_all(&out).unwrap();
    (payroll, m["employees"].clone())
}

#[test]
fn the_presets_written_with_catalogue_names_pay_as_before() {
    // The shipped presets define no aggregation of their own (transactional-5min keeps its
    // calls_5min, which the catalogue does not have); the fixtures define every one.
    for preset in PRESETS {
        let now = std::fs::read_to_string(crate_path(&format!("schemes/{preset}.yaml"))).unwrap();
        let before =
            std::fs::read_to_string(crate_path(&format!("{BEFORE}/{preset}.yaml"))).unwrap();
        let own = |t: &str| t.matches("count:").count() + t.matches("sum:").count();
        let expected = usize::from(preset == "transactional-5min");
        assert_eq!(own(&now), expected, "{preset}");
        assert!(own(&before) >= 3, "{preset}");
    }
    let tmp = tempfile::tempdir().unwrap();
    // The sample's transactional sellers on the 5-minute candidate instead.
    let five = tmp.path().join("five");
    copy_dir(&crate_path("samples/2026-10-csv"), &five);
    let roster = std::fs::read_to_string(five.join("employees.csv")).unwrap();
    assert!(roster.contains(",transactional,"));
    std::fs::write(
        five.join("employees.csv"),
        roster.replace(",transactional,", ",transactional-5min,"),
    )
    .unwrap();
    for (data, period) in [
        (
            crate_path("tests/fixtures/reference/2026-09.xlsx"),
            "2026-09",
        ),
        (crate_path("samples/2026-10-csv"), "2026-10"),
        (crate_path("samples/2026-11-close/2026-11"), "2026-11"),
        (five.clone(), "2026-10"),
    ] {
        let what = format!("{} {period}", data.display());
        let (payroll, employees) = outputs(&data, &crate_path("schemes"), period, tmp.path(), "a");
        let (payroll_before, employees_before) =
            outputs(&data, &crate_path(BEFORE), period, tmp.path(), "b");
        assert_eq!(payroll, payroll_before, "{what}");
        assert_eq!(employees, employees_before, "{what}");
        // Something was paid, on each of the presets compared.
        let mut paid: Vec<&str> = employees
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                e["total"]
                    .as_str()
                    .unwrap()
                    .parse::<rust_decimal::Decimal>()
                    .unwrap()
                    > rust_decimal::Decimal::ZERO
            })
            .map(|e| e["scheme"].as_str().unwrap())
            .collect();
        paid.sort();
        paid.dedup();
        let on = if data == five {
            vec!["account-manager", "b2b-long-cycle", "transactional-5min"]
        } else {
            vec!["account-manager", "b2b-long-cycle", "transactional"]
        };
        assert_eq!(paid, on, "{what}");
    }
}

#[test]
fn every_catalogue_entry_is_computable_by_name() {
    let entries = incentive::scheme::catalogue::entries();
    assert!(entries.len() >= 40, "{}", entries.len());
    // One paid KPI and every entry in observation: the scheme only names them.
    let mut scheme = String::from(
        "currency: KZT\ncurve: standard\nkpis:\n  - { id: paid, weight: 100%, metric: revenue, target: 1000000 }\n",
    );
    for e in &entries {
        scheme += &format!(
            "  - {{ id: k_{0}, weight: 10%, metric: {0}, target: 1, observe: yes }}\n",
            e.name
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(&crate_path("tests/fixtures/close-mini/data"), &data);
    std::fs::write(
        data.join("crm_activity.csv"),
        "employee_id,date,minutes\nE1,2026-10-01,300\nE2,2026-10-01,200\n",
    )
    .unwrap();
    std::fs::create_dir_all(tmp.path().join("schemes")).unwrap();
    std::fs::write(tmp.path().join("schemes/c.yaml"), &scheme).unwrap();
    // The roster's schemes are replaced by the catalogue scheme for everyone.
    let roster = std::fs::read_to_string(data.join("employees.csv")).unwrap();
    let roster: String = roster
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                let mut f: Vec<&str> = l.split(',').collect();
                f[2] = "c";
                format!("{}\n", f.join(","))
            }
        })
        .collect();
    std::fs::write(data.join("employees.csv"), roster).unwrap();
    std::fs::remove_file(data.join("adjustments.csv")).unwrap();
    let out = tmp.path().join("out");
    let o = run_period(
        &data,
        &tmp.path().join("schemes"),
        "2026-10",
        &out,
        tmp.path(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    // Each entry was computed for E1 (in run.json, one KPI each, under its catalogue metric).
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    let metrics: Vec<&str> = m["employees"][0]["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["metric"].as_str().unwrap())
        .collect();
    for e in &entries {
        assert!(metrics.contains(&e.name.as_str()), "{}", e.name);
    }
    // Hand-worked, E1 in October (tests/fixtures/mini): revenue D1 + D2 = 1 100 000, 2 deals
    // won, average 550 000; the furthest stages of E1's closed deals decide the funnel.
    let actual = |name: &str| -> String {
        m["employees"][0]["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["metric"] == name)
            .map(|k| k["actual"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(actual("revenue"), "1100000");
    assert_eq!(actual("deals_won"), "2");
    assert_eq!(actual("average_deal"), "550000");
    assert_eq!(actual("crm_minutes_per_day"), "300");
}

#[test]
fn a_schemes_own_definition_wins_over_the_catalogue() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // Two deals won in October: 100 000 from a new client, 500 000 from an existing one.
    common::write_csv_folder(
        &data,
        &[
            (
                "employees",
                "employee_id,name,scheme,target_bonus\nE1,Ivan Petrov,s,1000\n",
            ),
            (
                "deals",
                "deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client\n\
                 D1,E1,2026-09-01,2026-10-05,won,proposal,100000,yes\n\
                 D2,E1,2026-09-01,2026-10-06,won,proposal,500000,no\n",
            ),
        ],
    );
    std::fs::create_dir_all(tmp.path().join("schemes")).unwrap();
    // `revenue` is the scheme's own (new clients only); average_deal comes from the catalogue
    // and divides that revenue by the catalogue's deals_won: 100 000 / 2 = 50 000, not the
    // catalogue revenue's 600 000 / 2 = 300 000. Paid 1:1: 50 000 / 100 000 = 50% of 1000.
    std::fs::write(
        tmp.path().join("schemes/s.yaml"),
        "currency: KZT\ncurve: { threshold: 0%, segments: [ { to: 1000%, slope: 1 } ] }\nmetrics:\n  revenue: { sum: deals.amount, where: { status: won, closed_on: in_period, new_client: yes } }\nkpis:\n  - { id: a, weight: 100%, metric: average_deal, target: 100000 }\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = run_period(
        &data,
        &tmp.path().join("schemes"),
        "2026-10",
        &out,
        tmp.path(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        std::fs::read_to_string(out.join("payroll.csv")).unwrap(),
        "employee_id,name,period,scheme,currency,amount,bonus,adjustments\n\
         E1,Ivan Petrov,2026-10,s,KZT,500.00,500.00,0.00\n"
    );
}

#[test]
fn incentive_metrics_lists_and_explains_every_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let list = run(&["metrics"], tmp.path());
    assert_eq!(list.code, 0, "{}", list.stderr);
    for e in incentive::scheme::catalogue::entries() {
        assert!(
            list.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(&e.name)),
            "{} is listed:\n{}",
            e.name,
            list.stdout
        );
    }
    let one = run(&["metrics", "calls_2min"], tmp.path());
    assert_eq!(one.code, 0, "{}", one.stderr);
    insta::assert_snapshot!(one.stdout, @r#"
    calls_2min (activity)

    measures   Outgoing calls that lasted at least 2 minutes.
    why        A call under 2 minutes is rarely a conversation — a dropped call, a "not now". Counting only 2+ minutes counts conversations.
    gaming     Holding calls past 2 minutes.
    resists    qualified_conversations (5+ minutes and a filled result card), or pair with win_rate.
    benchmark  The transactional preset: 600 a month (about 30 a working day).

    definition (catalogue.yaml)
      calls_2min:
        description: { en: "outgoing calls of at least 2 minutes", ru: "исходящие звонки не короче 2 минут" }
        count: calls
        where: { direction: outgoing, duration_sec: { at_least: 120 }, started_at: in_period }
    "#);
    let unknown = run(&["metrics", "calls_2mins"], tmp.path());
    assert_eq!(unknown.code, 2);
    insta::assert_snapshot!(unknown.stderr, @r#"
    error: 1 problem in the input; nothing was written:
      incentive metrics: "calls_2mins" is not in the catalogue (did you mean "calls_2min"?); `incentive metrics` lists every entry
    "#);
}

/// The sample schemes of samples/schemes/ on the October sample reshaped into one line: E101
/// heads it on head-of-sales, everyone else reports to E101 and is on seller-with-team-kpi in
/// their own team. The head's line revenue and each seller's team revenue are checked against
/// sums of deals.csv computed here, independently of the engine.
#[test]
fn a_manager_roll_up_and_a_team_kpi_in_the_sample_schemes() {
    use rust_decimal::Decimal;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(&crate_path("samples/2026-10-csv"), &data);
    copy_dir(&crate_path("samples/schemes"), &tmp.path().join("schemes"));
    let roster = std::fs::read_to_string(data.join("employees.csv")).unwrap();
    let mut teams: std::collections::BTreeMap<String, String> = Default::default();
    let mut rows =
        vec!["employee_id,name,scheme,target_bonus,team,hired_on,left_on,manager_id".to_string()];
    for line in roster.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (id, head) = (f[0], f[0] == "E101");
        teams.insert(id.to_string(), f[4].to_string());
        let scheme = if head {
            "head-of-sales"
        } else {
            "seller-with-team-kpi"
        };
        let manager = if head { "" } else { "E101" };
        rows.push(format!(
            "{},{},{scheme},{},{},{},{},{manager}",
            f[0], f[1], f[3], f[4], f[5], f[6]
        ));
    }
    std::fs::write(data.join("employees.csv"), rows.join("\n") + "\n").unwrap();
    // Won in October, per employee (the deals table, read here on its own).
    let deals = std::fs::read_to_string(data.join("deals.csv")).unwrap();
    let mut won: std::collections::BTreeMap<String, Decimal> = Default::default();
    for line in deals.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[4] == "won" && f[3].starts_with("2026-10") {
            *won.entry(f[1].to_string()).or_default() += f[6].parse::<Decimal>().unwrap();
        }
    }
    let on_roster = |id: &str| teams.contains_key(id);
    let line_total: Decimal = won
        .iter()
        .filter(|(id, _)| on_roster(id))
        .map(|(_, a)| *a)
        .sum();
    let team_total = |team: &str| -> Decimal {
        won.iter()
            .filter(|(id, _)| teams.get(*id).map(String::as_str) == Some(team))
            .map(|(_, a)| *a)
            .sum()
    };
    // Plans: the head's line plan and every seller's team plan for October.
    let mut plans = std::fs::read_to_string(data.join("plans.csv")).unwrap();
    plans += "E101,2026-10,line_revenue,100000000\n";
    for id in teams.keys().filter(|id| *id != "E101") {
        plans += &format!("{id},2026-10,team_revenue,50000000\n");
        if !plans.contains(&format!("{id},2026-10,revenue,")) {
            plans += &format!("{id},2026-10,revenue,10000000\n");
        }
    }
    std::fs::write(data.join("plans.csv"), plans).unwrap();
    let out = tmp.path().join("out");
    let o = run_period(
        &data,
        &tmp.path().join("schemes"),
        "2026-10",
        &out,
        tmp.path(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    let actual = |id: &str, kpi: &str| -> Decimal {
        let e = m["employees"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["employee_id"] == id)
            .unwrap();
        let k = e["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == kpi)
            .unwrap();
        k["actual"].as_str().unwrap().parse().unwrap()
    };
    assert_eq!(actual("E101", "line_revenue"), line_total);
    assert!(line_total > Decimal::ZERO);
    for id in teams.keys().filter(|id| *id != "E101").take(5) {
        assert_eq!(actual(id, "team_revenue"), team_total(&teams[id]), "{id}");
    }
}
