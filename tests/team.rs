//! `incentive team` (issue 11, docs/team.md) through the real binary: a hand-made four-month
//! history with the arithmetic written out, on which each flag fires where it must and stays
//! silent where it must not; the funnel, bottleneck and loss reasons against hand counts; the
//! mid-month view on the same history cut at a date; refusals; and the sample.
//!
//! Also `explain --as-of` and `run --as-of`: the employee's own progress during the month.

mod common;

use common::{Outcome, crate_path, run, write_csv_folder};
use serde_json::Value;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// Calls 2+ minutes (target 80) and revenue (target 300), on the standard curve: threshold 80%,
/// review line 80%, discuss line 120%.
const SCHEME: &str = "currency: KZT\ncurve: standard\nkpis:\n  - { id: calls, weight: 50%, metric: calls_2min, target: 80 }\n  - { id: revenue, weight: 50%, metric: revenue, target: 300 }\n";

/// One month's calls of one person: `long` of 200 s and `short` of 10 s, the first `before` of
/// them on the 1st-16th of the month, the rest on the 19th-30th.
fn calls(out: &mut String, emp: &str, month: u32, long: usize, short: usize, before: usize) {
    for i in 0..long + short {
        let day = if i < before { 1 + i % 16 } else { 19 + i % 12 };
        let secs = if i < long { 200 } else { 10 };
        out.push_str(&format!(
            "{emp}-{month}-{i},{emp},2026-{month:02}-{day:02} 10:00:00,outgoing,{secs},\n"
        ));
    }
}

/// Deals closed in a month, each `(stage, status, amount, reason, closed day)`.
fn deals(out: &mut String, emp: &str, month: u32, rows: &[(&str, &str, u32, &str, u32)]) {
    for (i, (stage, status, amount, reason, day)) in rows.iter().enumerate() {
        out.push_str(&format!(
            "{emp}-D{month}-{i},{emp},2026-{month:02}-01,2026-{month:02}-{day:02},{status},{stage},{amount},,{reason},\n"
        ));
    }
}

/// A history month of E1 and E2: 10 closed deals — 1 lost at qualified, 3 at negotiation,
/// 3 at proposal, 3 won at proposal (100 each): reached qualified 10, negotiation 9, proposal 6,
/// won 3.
const HISTORY_DEALS: &[(&str, &str, u32, &str, u32)] = &[
    ("qualified", "lost", 100, "timing", 10),
    ("negotiation", "lost", 100, "timing", 10),
    ("negotiation", "lost", 100, "timing", 10),
    ("negotiation", "lost", 100, "timing", 10),
    ("proposal", "lost", 100, "timing", 10),
    ("proposal", "lost", 100, "timing", 10),
    ("proposal", "lost", 100, "timing", 10),
    ("proposal", "won", 100, "", 10),
    ("proposal", "won", 100, "", 10),
    ("proposal", "won", 100, "", 10),
];

/// The hand-made history: July to October 2026, teams A (E1, E2) and B (E3).
///
/// - E1: 100 calls of 2+ minutes a month, 69 in October (30 of them by the 16th): −31%.
///   October's deals: 4 lost at qualified, 2 at negotiation, 2 at proposal (5 on price, 3 to a
///   competitor), 2 won at proposal (100 each): reached qualified 10, negotiation 6, proposal 4.
/// - E2: 100 calls a month, 70 in October (35 by the 16th): exactly −30%, no flag. October: 1
///   lost at proposal (price), 4 won at proposal (100 each; one of them closed on the 20th).
/// - E3: 60 calls of 200 s a month; in October 20 of 200 s and 40 of 10 s, all by the 16th.
///   One won deal a month: 1000, 900, 800, 700.
fn history(dir: &Path) {
    let mut c = String::from("call_id,employee_id,started_at,direction,duration_sec,client_id\n");
    let mut d = String::from(
        "deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,lost_reason,client_id\n",
    );
    for m in 7..=9 {
        calls(&mut c, "E1", m, 100, 0, 100);
        calls(&mut c, "E2", m, 100, 0, 100);
        calls(&mut c, "E3", m, 60, 0, 60);
        deals(&mut d, "E1", m, HISTORY_DEALS);
        deals(&mut d, "E2", m, HISTORY_DEALS);
        deals(
            &mut d,
            "E3",
            m,
            &[("proposal", "won", 1000 - 100 * (m - 7), "", 10)],
        );
    }
    calls(&mut c, "E1", 10, 69, 0, 30);
    calls(&mut c, "E2", 10, 70, 0, 35);
    calls(&mut c, "E3", 10, 20, 40, 60);
    deals(
        &mut d,
        "E1",
        10,
        &[
            ("qualified", "lost", 100, "price", 5),
            ("qualified", "lost", 100, "price", 5),
            ("qualified", "lost", 100, "price", 5),
            ("qualified", "lost", 100, "competitor", 5),
            ("negotiation", "lost", 100, "price", 5),
            ("negotiation", "lost", 100, "competitor", 5),
            ("proposal", "lost", 100, "price", 5),
            ("proposal", "lost", 100, "competitor", 5),
            ("proposal", "won", 100, "", 5),
            ("proposal", "won", 100, "", 5),
        ],
    );
    deals(
        &mut d,
        "E2",
        10,
        &[
            ("proposal", "lost", 100, "price", 5),
            ("proposal", "won", 100, "", 5),
            ("proposal", "won", 100, "", 5),
            ("proposal", "won", 100, "", 5),
            ("proposal", "won", 100, "", 20),
        ],
    );
    deals(&mut d, "E3", 10, &[("proposal", "won", 700, "", 10)]);
    let roster = "employee_id,name,scheme,target_bonus,team,hired_on,left_on\n\
E1,Person One,t,100000,A,2024-01-01,\n\
E2,Person Two,t,100000,A,2024-01-01,\n\
E3,Person Three,t,100000,B,2024-01-01,\n";
    write_csv_folder(
        &dir.join("data"),
        &[("employees", roster), ("calls", &c), ("deals", &d)],
    );
    std::fs::create_dir_all(dir.join("schemes")).unwrap();
    std::fs::write(dir.join("schemes/t.yaml"), SCHEME).unwrap();
}

fn team(dir: &Path, extra: &[&str]) -> Outcome {
    let data = dir.join("data");
    let schemes = dir.join("schemes");
    let out = dir.join("out");
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "team".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        "--schemes".as_ref(),
        schemes.as_os_str(),
        "--period".as_ref(),
        "2026-10".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "--force".as_ref(),
    ];
    args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    run(&args, dir)
}

fn view(dir: &Path, extra: &[&str]) -> Value {
    let o = team(dir, extra);
    assert_eq!(o.code, 0, "stdout:\n{}\nstderr:\n{}", o.stdout, o.stderr);
    serde_json::from_slice(&std::fs::read(dir.join("out/team.json")).unwrap()).unwrap()
}

/// (employee_id, code, subject) of every flag, in the file's order.
fn flags(v: &Value) -> Vec<(String, String, String)> {
    v["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            let who = if s("employee_id").is_empty() {
                format!("team {}", s("team"))
            } else {
                s("employee_id")
            };
            (who, s("code"), s("subject"))
        })
        .collect()
}

fn triples(list: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

fn employee<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["employees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["employee_id"] == id)
        .unwrap()
}

#[test]
fn each_flag_fires_where_it_must_at_the_period_end() {
    let tmp = TempDir::new().unwrap();
    history(tmp.path());
    let v = view(tmp.path(), &[]);
    assert_eq!(
        v["history"],
        serde_json::json!(["2026-07", "2026-08", "2026-09"])
    );
    assert_eq!(
        flags(&v),
        triples(&[
            // 69 against 100: below 70 (−30%). E2's 70 is exactly 30% down: silent.
            ("E1", "activity_drop", "calls_outgoing"),
            // Qualified → negotiation 6/10 = 60% against 27/30 = 90%: below 63%. Overall 2/10 =
            // 20% against 9/30 = 30%: below 21%. Negotiation → proposal 4/6 = 66.7% against
            // 18/27 = 66.7% and proposal → won 2/4 = 50% against 9/18 = 50%: silent.
            ("E1", "conversion_drop", "qualified_to_negotiation"),
            ("E1", "conversion_drop", "win_rate"),
            // Revenue 200 of 300 = 66.7%, under the review line 80%; calls 69/80 = 86%: fine.
            ("E1", "below_threshold", "revenue"),
            // Revenue 400 / 300 = 133% > 120%.
            ("E2", "above_discuss", "revenue"),
            // 1000 > 900 > 800 > 700.
            ("E3", "average_deal_falling", ""),
            // 60 outgoing calls (≥ 50): 40 under 30 s = 66.7% > 50%.
            ("E3", "short_calls", ""),
            // Calls of 2+ minutes 20 / 80 = 25%; revenue 700 / 300 = 233%.
            ("E3", "below_threshold", "calls"),
            ("E3", "above_discuss", "revenue"),
            // Team A lost 9 deals (E1 8, E2 1): price 6 = 66.7% > 40%, with ≥ 5 losses.
            ("team A", "loss_reason_dominant", "price"),
        ])
    );
    let f = &v["flags"].as_array().unwrap()[0];
    assert_eq!(
        f["numbers"],
        serde_json::json!({ "value": "69", "history_average": "100", "drop": "0.31" })
    );
    assert_eq!(
        f["text"],
        "outgoing calls: 69 against an average of 100 in 2026-07…2026-09 (−31.0%): ask about workload and motivation"
    );
    // Team A's funnel: closed 15, qualified 15, negotiation 11, proposal 9, won 6. Against the
    // bottom of each range: 100%/30% = 3.33, 73.3%/50% = 1.47, 81.8%/40% = 2.05, 66.7%/20% =
    // 3.33: the bottleneck is qualified → negotiation, and E2 (5/5) is the one to learn from
    // (E1: 6/10).
    let a = &v["teams"].as_array().unwrap()[0];
    assert_eq!(a["team"], "A");
    assert_eq!(
        (
            &a["funnel"]["closed"],
            &a["funnel"]["qualified"],
            &a["funnel"]["negotiation"]
        ),
        (
            &serde_json::json!(15),
            &serde_json::json!(15),
            &serde_json::json!(11)
        )
    );
    assert_eq!(
        (&a["funnel"]["proposal"], &a["funnel"]["won"]),
        (&serde_json::json!(9), &serde_json::json!(6))
    );
    assert_eq!(a["funnel"]["rates"]["qualified_to_negotiation"], "0.7333");
    assert_eq!(a["bottleneck"], "qualified_to_negotiation");
    assert_eq!(a["learn_from"], "E2");
    assert_eq!(
        a["losses"],
        serde_json::json!({ "price": 6, "competitor": 3 })
    );
    assert_eq!(a["loss_shares"]["price"], "0.6667");
    // Totals: the top by overall attainment, never a bottom list.
    let top: Vec<&str> = v["totals"]["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["employee_id"].as_str().unwrap())
        .collect();
    assert_eq!(top, ["E3", "E2", "E1"]);
    assert_eq!(
        v["working_days"],
        serde_json::json!({ "period": 22, "elapsed": 22, "remaining": 0 })
    );
}

#[test]
fn the_mid_month_view_reads_the_export_as_it_was_and_projects_by_working_days() {
    let tmp = TempDir::new().unwrap();
    history(tmp.path());
    let v = view(tmp.path(), &["--as-of", "2026-10-16"]);
    // October 2026 starts on a Thursday: 22 working days, 12 by Friday the 16th, 10 after.
    assert_eq!(
        v["working_days"],
        serde_json::json!({ "period": 22, "elapsed": 12, "remaining": 10 })
    );
    // E2: 35 calls by the 16th → 35 × 22 / 12 = 64.1667 at this pace; the threshold (80% of 80
    // = 64) needs 29 more, 2.9 → 3 a day; the target 45 more, 4.5 → 5 a day. E2's deal closed on
    // the 20th is still open on the 16th: 3 won, revenue 300.
    let e2 = employee(&v, "E2");
    let calls = &e2["forecast"][0];
    assert_eq!(calls["kpi"], "calls");
    assert_eq!(calls["actual"], "35");
    assert_eq!(calls["projected"], "64.1667");
    assert_eq!(
        calls["needed_for_threshold"],
        serde_json::json!({ "total": "29", "per_day": "3" })
    );
    assert_eq!(
        calls["needed_for_target"],
        serde_json::json!({ "total": "45", "per_day": "5" })
    );
    let october = e2["months"].as_array().unwrap().last().unwrap();
    assert_eq!(october["funnel"]["won"], 3);
    assert_eq!(october["figures"]["revenue"], "300.00");
    // That deal is E2's pipeline (100), but E2's revenue has reached its target: no coverage to
    // show. E1 lacks 100 of 300 with nothing open: coverage 0.
    assert_eq!(october["figures"]["pipeline"], "100.00");
    assert_eq!(e2["pipeline_coverage"], Value::Null);
    assert_eq!(employee(&v, "E1")["pipeline_coverage"], "0");
    // E2's funnel as of the 16th: 4 closed, all at proposal, 3 won. Against the bottom of each
    // range: 100%/30% = 3.33, 100%/50% = 2, 100%/40% = 2.5, 75%/20% = 3.75: qualified →
    // negotiation is the weakest.
    assert_eq!(october["funnel"]["bottleneck"], "qualified_to_negotiation");
    let all = flags(&v);
    // E1: 30 calls → 55 at this pace, 68.75% of 80: under the threshold (off track) and the
    // review line; E3's 20 → 36.67, 45.8%. The activity drop is read at this pace too: E1's 55
    // against 100.
    for expected in [
        ("E1", "activity_drop", "calls_outgoing"),
        ("E1", "below_threshold", "calls"),
        ("E1", "off_track", "calls"),
        ("E3", "off_track", "calls"),
    ] {
        assert!(
            all.contains(&(
                expected.0.to_string(),
                expected.1.to_string(),
                expected.2.to_string()
            )),
            "{expected:?} in {all:#?}"
        );
    }
    // E2 at 64.17 / 80 = 80.2%: on track, no off_track flag.
    assert!(
        !all.iter().any(|f| f.0 == "E2" && f.1 == "off_track"),
        "{all:#?}"
    );
    let e1 = v["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["employee_id"] == "E1" && f["code"] == "off_track")
        .unwrap();
    // 64 − 30 = 34 more, 3.4 → 4 a day.
    assert_eq!(
        e1["text"],
        "calls heading for 68.8% by the period end, under the threshold 80.0%: 34 more needed in 10 working days, 4 a day"
    );
}

#[test]
fn a_flags_file_changes_the_thresholds() {
    let tmp = TempDir::new().unwrap();
    history(tmp.path());
    let flags_file = tmp.path().join("flags.yaml");
    // A 40% activity drop and no short-call rule below 100 calls: E1's −31% and E3's 60 calls
    // are no longer flagged.
    std::fs::write(&flags_file, "activity_drop: 40%\nshort_calls_min: 100\n").unwrap();
    let v = view(tmp.path(), &["--flags", flags_file.to_str().unwrap()]);
    let all = flags(&v);
    assert!(!all.iter().any(|f| f.1 == "activity_drop"), "{all:#?}");
    assert!(!all.iter().any(|f| f.1 == "short_calls"), "{all:#?}");
    assert!(
        all.iter().any(|f| f.1 == "average_deal_falling"),
        "{all:#?}"
    );
}

#[test]
fn wrong_arguments_and_a_wrong_flags_file_are_refused() {
    let tmp = TempDir::new().unwrap();
    history(tmp.path());
    let flags_file = tmp.path().join("flags.yaml");
    std::fs::write(
        &flags_file,
        "activty_drop: 30%\nconversion_drop: 130%\naverage_deal_months: 0\nshort_calls_min: many\n",
    )
    .unwrap();
    let o = team(
        tmp.path(),
        &[
            "--as-of",
            "2026-11-02",
            "--history",
            "40",
            "--flags",
            flags_file.to_str().unwrap(),
        ],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    let shown = o.stderr.replace(tmp.path().to_str().unwrap(), "[TMP]");
    insta::assert_snapshot!(shown);
    let o = team(tmp.path(), &["--as-of", "16.10.2026"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains(
            "\"16.10.2026\" is not a date; expected YYYY-MM-DD inside the period, e.g. 2026-10-15"
        ),
        "{}",
        o.stderr
    );
    assert!(!tmp.path().join("out/team.json").exists());
}

#[test]
fn the_view_is_the_same_bytes_every_time() {
    let tmp = TempDir::new().unwrap();
    history(tmp.path());
    view(tmp.path(), &["--as-of", "2026-10-16"]);
    let first = std::fs::read(tmp.path().join("out/team.json")).unwrap();
    view(tmp.path(), &["--as-of", "2026-10-16"]);
    assert_eq!(
        first,
        std::fs::read(tmp.path().join("out/team.json")).unwrap()
    );
}

#[test]
fn the_sample_history_shows_its_trends() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let o = run(
        &[
            "team".as_ref(),
            "--data".as_ref(),
            crate_path("samples/2026-10.xlsx").as_os_str(),
            "--schemes".as_ref(),
            crate_path("schemes").as_os_str(),
            "--period".as_ref(),
            "2026-10".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
        tmp.path(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_slice(&std::fs::read(out.join("team.json")).unwrap()).unwrap();
    let all = flags(&v);
    // The generator's trends (samples/README.md): average deals falling every month.
    for who in ["E106", "E108"] {
        assert!(
            all.contains(&(
                who.to_string(),
                "average_deal_falling".to_string(),
                String::new()
            )),
            "{who}: {all:#?}"
        );
    }
    // Everyone employed in October is on the screen, flagged or not.
    assert_eq!(v["employees"].as_array().unwrap().len(), 29);
    assert!(
        o.stdout.contains("team view of 2026-10: 29 people"),
        "{}",
        o.stdout
    );
}

// explain --as-of and run --as-of ----------------------------------------------------------------

fn inputs(dir: &Path) -> Vec<PathBuf> {
    vec![dir.join("data"), dir.join("schemes")]
}

#[test]
fn explain_as_of_shows_the_employees_own_progress() {
    let tmp = TempDir::new().unwrap();
    history(tmp.path());
    let [data, schemes] = <[PathBuf; 2]>::try_from(inputs(tmp.path())).unwrap();
    let o = run(
        &[
            "explain".as_ref(),
            "--data".as_ref(),
            data.as_os_str(),
            "--schemes".as_ref(),
            schemes.as_os_str(),
            "--period".as_ref(),
            "2026-10".as_ref(),
            "--as-of".as_ref(),
            "2026-10-16".as_ref(),
            "--employee".as_ref(),
            "E2".as_ref(),
        ],
        tmp.path(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let start = o.stdout.find("progress\n").expect("a progress section");
    let end = o.stdout[start..].find("\nexplanation").unwrap() + start;
    // E2 as of the 16th: 35 calls (threshold 64, target 80, discuss 96 → 29, 45 and 61 more in
    // 10 working days: 3, 5 and 7 a day); revenue 300 of 300: the threshold and the target are
    // reached (0 more), the discuss line 360 needs 60, 6 a day.
    insta::assert_snapshot!(&o.stdout[start..end]);
    // Nothing about anyone else: the place is a number.
    assert!(
        o.stdout.contains("place 1 of 3")
            || o.stdout.contains("place 2 of 3")
            || o.stdout.contains("place 3 of 3")
    );
    assert!(!o.stdout.contains("E1") && !o.stdout.contains("E3"));
}

#[test]
fn run_as_of_writes_statements_and_no_payroll() {
    let tmp = TempDir::new().unwrap();
    history(tmp.path());
    let [data, schemes] = <[PathBuf; 2]>::try_from(inputs(tmp.path())).unwrap();
    let out = tmp.path().join("run");
    let args = |extra: &[&str]| {
        let mut a: Vec<std::ffi::OsString> = vec![
            "run".into(),
            "--data".into(),
            data.clone().into(),
            "--schemes".into(),
            schemes.clone().into(),
            "--period".into(),
            "2026-10".into(),
            "--as-of".into(),
            "2026-10-16".into(),
            "--out".into(),
            out.clone().into(),
        ];
        a.extend(extra.iter().map(|s| s.into()));
        a
    };
    let o = run(&args(&["--final"]), tmp.path());
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("a run during the month (--as-of) is never the period's payout"),
        "{}",
        o.stderr
    );
    let o = run(&args(&[]), tmp.path());
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(!out.join("payroll.csv").exists() && !out.join("run.json").exists());
    assert!(!out.join("payouts.xlsx").exists());
    let mut written = common::files_under(&out);
    written.sort();
    assert_eq!(
        written,
        [
            "statements/E1.xlsx",
            "statements/E2.xlsx",
            "statements/E3.xlsx"
        ]
    );
    assert!(
        o.stdout
            .contains("progress as of 2026-10-16 (12 of 22 working days)"),
        "{}",
        o.stdout
    );
}

// Against the independent implementation -------------------------------------------------------

/// The view's JSON in the shape `scripts/crosscheck_team.py` prints: flags as
/// `[employee_id, team, code, subject]`, funnels as six counts, bottlenecks with the one to
/// learn from, losses, working days.
fn as_checker_output(v: &Value) -> Value {
    use serde_json::json;
    let counts = |f: &Value| {
        json!([
            f["closed"],
            f["qualified"],
            f["negotiation"],
            f["proposal"],
            f["proposal_won"],
            f["won"]
        ])
    };
    let mut flags: Vec<Value> = v["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let team = match f["team"].as_str().unwrap() {
                "" => "(no team)",
                t => t,
            };
            json!([f["employee_id"], team, f["code"], f["subject"]])
        })
        .collect();
    flags.sort_by_key(|f| f.to_string());
    let mut funnel = serde_json::Map::new();
    let mut losses = serde_json::Map::new();
    for e in v["employees"].as_array().unwrap() {
        let id = e["employee_id"].as_str().unwrap().to_string();
        let months: serde_json::Map<String, Value> = e["months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["period"].as_str().unwrap().to_string(),
                    counts(&m["funnel"]),
                )
            })
            .collect();
        funnel.insert(id.clone(), Value::Object(months));
        let now = e["months"].as_array().unwrap().last().unwrap();
        losses.insert(id, now["losses"].clone());
    }
    let mut team_funnel = serde_json::Map::new();
    let mut bottleneck = serde_json::Map::new();
    for t in v["teams"].as_array().unwrap() {
        let name = match t["team"].as_str().unwrap() {
            "" => "(no team)".to_string(),
            n => n.to_string(),
        };
        team_funnel.insert(name.clone(), counts(&t["funnel"]));
        let b = match &t["bottleneck"] {
            Value::Null => Value::Null,
            b => json!([b, t["learn_from"].as_str().unwrap_or("")]),
        };
        bottleneck.insert(name, b);
    }
    let wd = &v["working_days"];
    json!({
        "flags": flags,
        "funnel": funnel,
        "team_funnel": team_funnel,
        "bottleneck": bottleneck,
        "losses": losses,
        "working_days": [wd["period"], wd["elapsed"], wd["remaining"]],
    })
}

/// Every hand-made history of `tests/fixtures/team/` (written and checked by
/// `scripts/crosscheck_team.py --self-test`, an independent implementation of docs/team.md in
/// Python) gives the flags, funnels, bottlenecks, losses and working days the checker computed.
#[test]
fn the_hand_made_histories_agree_with_the_independent_checker() {
    let root = crate_path("tests/fixtures/team");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").is_file())
        .collect();
    cases.sort();
    assert_eq!(cases.len(), 9, "{cases:?}");
    for case in cases {
        let tmp = TempDir::new().unwrap();
        let out = tmp.path().join("out");
        let args_text = std::fs::read_to_string(case.join("args")).unwrap();
        let mut args: Vec<std::ffi::OsString> = vec![
            "team".into(),
            "--data".into(),
            case.clone().into(),
            "--schemes".into(),
            crate_path("schemes").into(),
            "--out".into(),
            out.clone().into(),
        ];
        args.extend(args_text.split_whitespace().map(Into::into));
        if case.join("flags.yaml").is_file() {
            args.push("--flags".into());
            args.push(case.join("flags.yaml").into());
        }
        let o = run(&args, tmp.path());
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(o.code, 0, "{name}: {}", o.stderr);
        let v: Value =
            serde_json::from_slice(&std::fs::read(out.join("team.json")).unwrap()).unwrap();
        let got = as_checker_output(&v);
        let mut expected: Value =
            serde_json::from_slice(&std::fs::read(case.join("expected.json")).unwrap()).unwrap();
        let mut flags = expected["flags"].as_array().unwrap().clone();
        flags.sort_by_key(|f| f.to_string());
        expected["flags"] = Value::Array(flags);
        for key in [
            "flags",
            "funnel",
            "team_funnel",
            "bottleneck",
            "losses",
            "working_days",
        ] {
            assert_eq!(
                got[key], expected[key],
                "{name}: {key}\nincentive: {:#}\nchecker:   {:#}",
                got[key], expected[key]
            );
        }
    }
}

/// The team sample (samples/2026-10-team: the October export plus a person dialling the base
/// and a team losing on price) against the independent checker, at the period end and as of
/// the 16th: every flag, funnel, bottleneck and loss count.
#[test]
fn the_team_sample_agrees_with_the_independent_checker() {
    for extra in [&[][..], &["--as-of", "2026-10-16"][..]] {
        let tmp = TempDir::new().unwrap();
        let out = tmp.path().join("out");
        let data = crate_path("samples/2026-10-team");
        let mut args: Vec<std::ffi::OsString> = vec![
            "team".into(),
            "--data".into(),
            data.clone().into(),
            "--schemes".into(),
            crate_path("schemes").into(),
            "--period".into(),
            "2026-10".into(),
            "--out".into(),
            out.clone().into(),
        ];
        args.extend(extra.iter().map(Into::into));
        let o = run(&args, tmp.path());
        assert_eq!(o.code, 0, "{}", o.stderr);
        let v: Value =
            serde_json::from_slice(&std::fs::read(out.join("team.json")).unwrap()).unwrap();
        let checker = std::process::Command::new(common::python())
            .arg(crate_path("scripts/crosscheck_team.py"))
            .args(["--data".as_ref(), data.as_os_str()])
            .args(["--schemes".as_ref(), crate_path("schemes").as_os_str()])
            .args(["--period", "2026-10"])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            checker.status.success(),
            "{}",
            String::from_utf8_lossy(&checker.stderr)
        );
        let mut expected: Value = serde_json::from_slice(&checker.stdout).unwrap();
        let mut flags = expected["flags"].as_array().unwrap().clone();
        flags.sort_by_key(|f| f.to_string());
        expected["flags"] = Value::Array(flags);
        let got = as_checker_output(&v);
        // The checker lists everyone on the roster; the view only those employed in the
        // period: E120 left in September.
        for key in ["funnel", "losses"] {
            let map = expected[key].as_object_mut().unwrap();
            let gone: Vec<String> = map
                .keys()
                .filter(|id| got[key].get(id.as_str()).is_none())
                .cloned()
                .collect();
            assert_eq!(gone, ["E120"], "{extra:?}: {key}");
            map.remove("E120");
        }
        for key in [
            "flags",
            "funnel",
            "team_funnel",
            "bottleneck",
            "losses",
            "working_days",
        ] {
            assert_eq!(got[key], expected[key], "{extra:?}: {key}");
        }
        // Every flag has someone who raises it (off_track only mid-month), and some people
        // raise none.
        let codes: std::collections::BTreeSet<&str> = v["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        let mut want = vec![
            "activity_drop",
            "above_discuss",
            "average_deal_falling",
            "below_threshold",
            "conversion_drop",
            "loss_reason_dominant",
            "short_calls",
        ];
        if !extra.is_empty() {
            want.push("off_track");
        }
        want.sort();
        assert_eq!(codes.into_iter().collect::<Vec<_>>(), want, "{extra:?}");
    }
}
