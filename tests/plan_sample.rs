//! The plan-history sample (samples/2026-10-history, see samples/README.md): thirteen months of
//! the canonical CSV layout for `incentive plan`, reproduced by its generator byte for byte, with
//! nothing dated before its first month, and paid for its last month by `incentive run`.

mod common;

use common::{files_under as files, generator, run};
use std::collections::BTreeSet;
use std::path::Path;

const SAMPLE: &str = "samples/2026-10-history";

#[test]
fn the_plan_history_sample_is_reproduced_by_its_generator() {
    assert!(
        generator().exists(),
        "cargo test builds examples (with --test, run cargo build --example generate_samples first): {}",
        generator().display()
    );
    let dir = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(generator())
        .arg("--out")
        .arg(dir.path())
        .args(["--period", "2026-10", "--plan-history"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // It writes only its own folder.
    let written: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, ["2026-10-history"]);
    let generated = dir.path().join("2026-10-history");
    let committed = Path::new(SAMPLE);
    let names = files(committed);
    assert_eq!(
        names,
        [
            "calls.csv",
            "clients.csv",
            "deals.csv",
            "emails.csv",
            "employees.csv",
            "meetings.csv",
            "nps.csv",
            "plans.csv"
        ]
    );
    assert_eq!(names, files(&generated));
    for f in &names {
        assert!(
            std::fs::read(committed.join(f)).unwrap() == std::fs::read(generated.join(f)).unwrap(),
            "{SAMPLE}/{f} differs from the generator's output"
        );
    }
    // The same header rows as the four-month CSV sample: the same tables and columns.
    for f in &names {
        let first_line = |dir: &Path| {
            std::fs::read_to_string(dir.join(f))
                .unwrap()
                .lines()
                .next()
                .unwrap()
                .to_string()
        };
        assert_eq!(
            first_line(committed),
            first_line(Path::new("samples/2026-10-csv")),
            "{f}"
        );
    }
}

/// The column `name` of every row of `table`.
fn column(table: &str, name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(Path::new(SAMPLE).join(format!("{table}.csv"))).unwrap();
    let i = r.headers().unwrap().iter().position(|h| h == name).unwrap();
    r.records().map(|rec| rec.unwrap()[i].to_string()).collect()
}

/// The months (YYYY-MM) of the non-empty values of a date or datetime column.
fn months(table: &str, name: &str) -> BTreeSet<String> {
    column(table, name)
        .into_iter()
        .filter(|v| !v.is_empty())
        .map(|v| v[..7].to_string())
        .collect()
}

#[test]
fn the_plan_history_sample_covers_thirteen_months_from_its_first() {
    let all: BTreeSet<String> = (0..13)
        .map(|k| {
            let m = 10 + k;
            format!("{}-{:02}", 2025 + (m - 1) / 12, (m - 1) % 12 + 1)
        })
        .collect();
    assert_eq!(all.first().unwrap(), "2025-10");
    assert_eq!(all.last().unwrap(), "2026-10");
    // Every dated activity starts in 2025-10 (docs/plan.md "The export's first month"): nothing
    // from 2025-09 or before, and every month has its rows; a few are dated just after.
    for (table, name) in [
        ("calls", "started_at"),
        ("emails", "sent_at"),
        ("meetings", "starts_at"),
        ("deals", "closed_on"),
        ("nps", "answered_on"),
    ] {
        let seen = months(table, name);
        let within: BTreeSet<String> = seen
            .iter()
            .filter(|m| m.as_str() <= "2026-10")
            .cloned()
            .collect();
        assert_eq!(within, all, "{table}.{name}");
        assert!(
            seen.iter().all(|m| m.as_str() <= "2026-11"),
            "{table}.{name}: {seen:?}"
        );
    }
    // The plans table: a row for every month each person was employed in, none for November.
    let plan_months = months("plans", "period");
    assert_eq!(plan_months, all);
    let roster: Vec<String> = column("employees", "employee_id");
    let planned: BTreeSet<String> = column("plans", "employee_id").into_iter().collect();
    let unplanned: Vec<&String> = roster.iter().filter(|e| !planned.contains(*e)).collect();
    assert_eq!(unplanned, ["E135", "E136"]);
}

#[test]
fn the_plan_history_samples_last_month_is_paid() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("2026-10");
    let o = run(
        &[
            "run",
            "--data",
            SAMPLE,
            "--period",
            "2026-10",
            "--out",
            &out.display().to_string(),
        ],
        tmp.path(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.starts_with("2026-10: 17 employees, total "),
        "{}",
        o.stdout
    );
    // Every roster row has a payroll line; the November hires' are zero, and everyone employed
    // in October had a plan (a missing plan would be refused).
    let mut r = csv::Reader::from_path(out.join("payroll.csv")).unwrap();
    let lines: Vec<(String, String)> = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[0].to_string(), rec[5].to_string())
        })
        .collect();
    let ids: Vec<&str> = lines.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(ids, column("employees", "employee_id"));
    let zero: Vec<&str> = lines
        .iter()
        .filter(|(_, amount)| amount == "0.00")
        .map(|(e, _)| e.as_str())
        .collect();
    // E105's form is the weakest of the b2b sellers: under every threshold in October.
    assert_eq!(zero, ["E105", "E135", "E136"]);
}

/// What samples/README.md says the sample shows in `incentive plan --for 2026-11` (bottom-up,
/// the defaults): the seasonal index of both metrics, the joiners on colleagues' median, the
/// prorated joiner and leaver, the hire left for a manual plan, the huge month and the back-test.
#[test]
fn the_plan_history_sample_shows_what_its_readme_says() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("plan");
    let o = run(
        &[
            "plan",
            "--data",
            SAMPLE,
            "--for",
            "2026-11",
            "--out",
            &out.display().to_string(),
        ],
        tmp.path(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    insta::assert_snapshot!(std::fs::read_to_string(out.join("plans.csv")).unwrap(), @r"
    employee_id,period,metric,target
    E101,2026-11,revenue,15273000
    E102,2026-11,revenue,19971000
    E103,2026-11,revenue,12214000
    E104,2026-11,upsell,3491000
    E105,2026-11,revenue,13054000
    E106,2026-11,upsell,3077000
    E107,2026-11,revenue,10527000
    E109,2026-11,upsell,2358000
    E110,2026-11,revenue,14646000
    E111,2026-11,upsell,5998000
    E112,2026-11,revenue,7954000
    E113,2026-11,revenue,12449000
    E115,2026-11,upsell,4133000
    E118,2026-11,revenue,15301000
    E134,2026-11,revenue,11370000
    E135,2026-11,revenue,10252000
    ");
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    assert_eq!(j["export_first_month"], "2025-10");
    // November 2025 against the year's average: visibly not 1.
    assert_eq!(j["season"]["revenue"]["index"], "1.130043");
    assert_eq!(j["season"]["upsell"]["index"], "1.189248");
    let plan = |id: &str| {
        j["plans"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["employee_id"] == id)
            .unwrap_or_else(|| panic!("no plan for {id}"))
            .clone()
    };
    // Joiners on the median of their scheme's colleagues; E135 and the leaver E106 prorated.
    let facts = |id: &str| {
        let p = plan(id);
        format!(
            "{id} {} {}/{} {}",
            p["base_from"], p["share"]["days"], p["share"]["of"], p["line"]
        )
    };
    insta::assert_snapshot!(["E134", "E135", "E106", "E113", "E118"].map(facts).join("\n"), @r#"
    E134 "colleagues" 30/30 "median of 4 colleagues on transactional 10 061 997.34 (too little own history) × November seasonality 1.13 = 11 370 489.16 → 11 370 000"
    E135 "colleagues" 21/30 "median of 5 colleagues on b2b-long-cycle 12 960 302.72 (too little own history) × November seasonality 1.13 × 21 of 30 days employed = 10 251 989.11 → 10 252 000"
    E106 "own" 20/30 "average of Nov 2025-Oct 2026 (12 months) 3 881 108.12 × November seasonality 1.19 × 20 of 30 days employed = 3 077 067.59 → 3 077 000"
    E113 "own" 30/30 "average of Nov 2025-Oct 2026 (12 months) 11 016 465.52 × November seasonality 1.13 = 12 449 079.19 → 12 449 000"
    E118 "own" 30/30 "average of Nov 2025-Oct 2026 (12 months) 13 540 297.04 × November seasonality 1.13 = 15 301 117.21 → 15 301 000"
    "#);
    // E113's March holds one deal of three times her plan: her best month by far.
    let march = plan("E113")["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["period"] == "2026-03")
        .unwrap()["value"]
        .clone();
    assert_eq!(march, "37796173.43");
    // The lone hire on transactional-5min: no history, no colleague.
    let manual: Vec<String> = j["manual"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| format!("{} {} {}", m["employee_id"], m["metric"], m["reason"]))
        .collect();
    assert_eq!(manual, [r#""E136" "revenue" "no_history_no_colleagues""#]);
    // The back-test, six months pooled: the plans actually used put 21 of 56 revenue
    // attainments under 80% and 12 above 120%; the method 13 and none.
    let bands = |metric: &str, which: &str| {
        let b = j["backtest"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["metric"] == metric)
            .unwrap()[which]
            .clone();
        format!(
            "{metric} {which}: {} {} {} {} of {}",
            b["below_80"], b["80_100"], b["100_120"], b["above_120"], b["count"]
        )
    };
    insta::assert_snapshot!([
        bands("revenue", "actual"),
        bands("revenue", "method"),
        bands("upsell", "actual"),
        bands("upsell", "method"),
    ].join("\n"), @r"
    revenue actual: 21 13 10 12 of 56
    revenue method: 13 26 17 0 of 56
    upsell actual: 10 8 10 2 of 30
    upsell method: 6 14 10 0 of 30
    ");
}
