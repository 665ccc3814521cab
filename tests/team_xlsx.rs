//! team.xlsx, the head of sales' view for Excel, read back through calamine and held against
//! team.json from the same run: the same flags (code, employee, subject and sentence), the same
//! totals, funnel counts, forecast and activity; charts present; the same bytes every run;
//! Russian labels with `--lang ru`; hostile text cut to what a cell holds.

mod common;

use calamine::Data;
use common::sheets::{Cell, read_sheets};
use common::{copy_dir, crate_path, run};
use serde_json::Value as J;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Sheet = BTreeMap<(u32, u32), Cell>;

struct Out {
    json: J,
    sheets: Vec<(String, Sheet)>,
    bytes: Vec<u8>,
}

fn team(data: &Path, extra: &[&str], out: &Path) -> Out {
    let mut args = vec![
        "team".to_string(),
        "--data".into(),
        data.display().to_string(),
        "--period".into(),
        "2026-10".into(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let o = run(&args, out);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let bytes = std::fs::read(out.join("team.xlsx")).unwrap();
    let json = serde_json::from_slice(&std::fs::read(out.join("team.json")).unwrap()).unwrap();
    Out {
        json,
        sheets: read_sheets(&bytes),
        bytes,
    }
}

impl Out {
    fn names(&self) -> Vec<&str> {
        self.sheets.iter().map(|(n, _)| n.as_str()).collect()
    }
    fn sheet(&self, name: &str) -> &Sheet {
        &self
            .sheets
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no sheet {name}: {:?}", self.names()))
            .1
    }
}

fn text(s: &Sheet, r: u32, c: u32) -> String {
    match s.get(&(r, c)).map(|c| &c.value) {
        Some(Data::String(t)) => t.clone(),
        None | Some(Data::Empty) => String::new(),
        Some(other) => other.to_string(),
    }
}

fn float(s: &Sheet, r: u32, c: u32) -> Option<f64> {
    match s.get(&(r, c)).map(|c| &c.value) {
        Some(Data::Float(f)) => Some(*f),
        Some(Data::Int(i)) => Some(*i as f64),
        Some(Data::DateTime(d)) => Some(d.as_f64()),
        _ => None,
    }
}

fn int(s: &Sheet, r: u32, c: u32) -> u64 {
    let f = float(s, r, c).unwrap_or_else(|| panic!("no number at {r},{c}"));
    assert_eq!(f.fract(), 0.0);
    f as u64
}

/// The rows of a sheet, by its non-empty cells.
fn last_row(s: &Sheet) -> u32 {
    s.keys().map(|(r, _)| *r).max().unwrap_or(0)
}

/// The first row whose column `c` reads `t`, at or after `from`.
fn find(s: &Sheet, c: u32, t: &str, from: u32) -> u32 {
    (from..=last_row(s))
        .find(|r| text(s, *r, c) == t)
        .unwrap_or_else(|| panic!("no {t:?} in column {c}"))
}

/// A header row's columns by label.
fn columns(s: &Sheet, r: u32) -> BTreeMap<String, u32> {
    s.iter()
        .filter(|((row, _), _)| *row == r)
        .map(|((_, c), _)| (text(s, r, *c), *c))
        .collect()
}

/// A cell against team.json's exact decimal string, rounded as team.json rounds it.
fn same(cell: Option<f64>, json: &J, what: &str) {
    match json.as_str() {
        None => assert!(cell.is_none(), "{what}: {cell:?} where team.json has none"),
        Some(s) => {
            let dp = s.split_once('.').map_or(0, |(_, f)| f.len());
            let c = cell.unwrap_or_else(|| panic!("{what}: no cell for {s}"));
            let tolerance = if dp == 2 { 0.0 } else { 0.5e-4 + 1e-12 };
            let want: f64 = s.parse().unwrap();
            if dp == 2 {
                assert_eq!(format!("{c:.2}"), s, "{what}");
            } else {
                assert!((c - want).abs() <= tolerance, "{what}: {c} against {s}");
            }
        }
    }
}

fn chart_parts(bytes: &[u8]) -> usize {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    zip.file_names()
        .filter_map(|n| n.ok())
        .filter(|n| n.starts_with("xl/charts/chart") && n.ends_with(".xml"))
        .count()
}

const SHEETS: [&str; 8] = [
    "Team",
    "Flags",
    "Forecast",
    "Trends",
    "Funnel",
    "Losses",
    "Activity",
    "Activity by week",
];

/// Everything the workbook shows that team.json also holds, compared.
fn holds_what_team_json_holds(o: &Out, mid_month: bool) {
    let j = &o.json;
    let expected: Vec<&str> = SHEETS
        .iter()
        .copied()
        .filter(|s| mid_month || *s != "Forecast")
        .collect();
    assert_eq!(o.names(), expected);

    // Flags: the same flags, with the same sentence; everyone else "nothing to discuss".
    let fl = o.sheet("Flags");
    let h = columns(fl, 0);
    for c in [
        "employee_id",
        "name",
        "team",
        "code",
        "subject",
        "period",
        "what it saw",
    ] {
        assert!(h.contains_key(c), "Flags has no column {c}: {h:?}");
    }
    let mut rows = BTreeSet::new();
    let mut nothing = BTreeSet::new();
    for r in 1..=last_row(fl) {
        let code = text(fl, r, h["code"]);
        let id = text(fl, r, h["employee_id"]);
        if code.is_empty() {
            assert_eq!(text(fl, r, h["what it saw"]), "nothing to discuss");
            assert!(nothing.insert(id));
        } else {
            assert!(rows.insert((
                code,
                id,
                text(fl, r, h["subject"]),
                text(fl, r, h["period"]),
                text(fl, r, h["what it saw"]),
            )));
        }
    }
    let flags = j["flags"].as_array().unwrap();
    let want: BTreeSet<_> = flags
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (
                s("code"),
                s("employee_id"),
                s("subject"),
                s("period"),
                s("text"),
            )
        })
        .collect();
    assert_eq!(rows, want);
    assert_eq!(rows.len(), flags.len());
    // The sample raises every flag (off_track only mid-month), so every kind is laid out.
    let codes: BTreeSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(codes.len(), if mid_month { 8 } else { 7 }, "{codes:?}");
    let flagged: BTreeSet<&str> = flags
        .iter()
        .map(|f| f["employee_id"].as_str().unwrap())
        .collect();
    let quiet: BTreeSet<String> = j["employees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["employee_id"].as_str().unwrap())
        .filter(|id| !flagged.contains(id))
        .map(str::to_string)
        .collect();
    assert!(!quiet.is_empty(), "the sample has people with no flag");
    assert_eq!(nothing, quiet);
    // The numbers behind a flag in their columns: a conversion drop's rates and deals.
    let cd = flags
        .iter()
        .find(|f| f["code"] == "conversion_drop")
        .expect("the sample has a conversion drop");
    let r = (1..=last_row(fl))
        .find(|r| {
            text(fl, *r, h["code"]) == "conversion_drop"
                && text(fl, *r, h["employee_id"]) == cd["employee_id"].as_str().unwrap()
                && text(fl, *r, h["subject"]) == cd["subject"].as_str().unwrap()
        })
        .unwrap();
    same(float(fl, r, h["rate"]), &cd["numbers"]["rate"], "rate");
    same(
        float(fl, r, h["history rate"]),
        &cd["numbers"]["history_rate"],
        "history rate",
    );
    assert_eq!(
        int(fl, r, h["deals"]),
        cd["numbers"]["deals"].as_u64().unwrap()
    );

    // Team: the totals.
    let t = o.sheet("Team");
    let totals = &j["totals"];
    let r0 = find(t, 0, "metric", 0);
    let plans = totals["plans"].as_array().unwrap();
    assert!(!plans.is_empty());
    for (i, p) in plans.iter().enumerate() {
        let r = r0 + 1 + i as u32;
        assert_eq!(text(t, r, 0), p["metric"].as_str().unwrap());
        same(float(t, r, 1), &p["actual"], "plan actual");
        same(float(t, r, 2), &p["target"], "plan target");
        same(float(t, r, 3), &p["attainment"], "plan attainment");
        assert_eq!(
            t[&(r, 3)].formula.as_deref(),
            Some(format!("B{}/C{}", r + 1, r + 1).as_str())
        );
    }
    let r = find(t, 0, "KZT", r0);
    same(float(t, r, 1), &totals["payout"]["KZT"]["so_far"], "so far");
    same(
        float(t, r, 2),
        &totals["payout"]["KZT"]["projected"],
        "projected payout",
    );
    let r = find(t, 0, "pipeline", r0);
    same(float(t, r, 1), &totals["pipeline"], "pipeline");
    let r = find(t, 0, "top 5 by attainment", r0) + 2;
    let top = totals["top"].as_array().unwrap();
    assert_eq!(top.len(), 5);
    for (i, p) in top.iter().enumerate() {
        let r = r + i as u32;
        assert_eq!(int(t, r, 0), i as u64 + 1);
        assert_eq!(text(t, r, 1), p["employee_id"].as_str().unwrap());
        same(float(t, r, 4), &p["attainment"], "top attainment");
    }
    // No bottom list: six rows after the top's header is no longer the top.
    assert_eq!(text(t, r + 5, 1), "");
    // Each team's funnel, bottleneck and the one to learn from.
    for team in j["teams"].as_array().unwrap() {
        let name = team["team"].as_str().unwrap();
        let members = team["members"].as_array().unwrap().len();
        let r = find(t, 0, &format!("team {name}: {members} people"), r0);
        let f = &team["funnel"];
        for (i, k) in [
            "closed",
            "qualified",
            "negotiation",
            "proposal",
            "proposal_won",
            "won",
        ]
        .iter()
        .enumerate()
        {
            assert_eq!(
                int(t, r + 2 + i as u32, 1),
                f[k].as_u64().unwrap(),
                "{name} {k}"
            );
        }
        let tr = r + 9;
        for (i, k) in [
            "lead_to_qualified",
            "qualified_to_negotiation",
            "negotiation_to_proposal",
            "proposal_to_won",
            "win_rate",
        ]
        .iter()
        .enumerate()
        {
            same(
                float(t, tr + i as u32, 3),
                &f["rates"][k],
                &format!("{name} {k}"),
            );
            let marked = text(t, tr + i as u32, 6) == "bottleneck";
            assert_eq!(marked, team["bottleneck"] == *k, "{name} {k}");
        }
        let learn = find(t, 0, "the one to learn from", r);
        match team["learn_from"].as_str() {
            Some(id) => assert!(text(t, learn, 1).starts_with(&format!("{id} "))),
            None => assert_eq!(text(t, learn, 1), "nobody with enough deals"),
        }
    }

    // Funnel: every person's counts in every month.
    let fu = o.sheet("Funnel");
    let h = columns(fu, 0);
    let mut funnel_rows = BTreeMap::new();
    for r in 1..=last_row(fu) {
        let counts: Vec<u64> = (4..10).map(|c| int(fu, r, c)).collect();
        funnel_rows.insert(
            (text(fu, r, h["employee_id"]), text(fu, r, h["month"])),
            counts,
        );
    }
    let mut want = BTreeMap::new();
    for e in j["employees"].as_array().unwrap() {
        for m in e["months"].as_array().unwrap() {
            let f = &m["funnel"];
            want.insert(
                (
                    e["employee_id"].as_str().unwrap().to_string(),
                    m["period"].as_str().unwrap().to_string(),
                ),
                [
                    "closed",
                    "qualified",
                    "negotiation",
                    "proposal",
                    "proposal_won",
                    "won",
                ]
                .iter()
                .map(|k| f[k].as_u64().unwrap())
                .collect::<Vec<u64>>(),
            );
        }
    }
    assert_eq!(funnel_rows, want);

    // Activity: one row per person and day of the period, the counts of team.json.
    let a = o.sheet("Activity");
    let employees = j["employees"].as_array().unwrap();
    assert_eq!(last_row(a) as usize, employees.len() * 31);
    let e = &employees[0];
    for (i, d) in e["days"].as_array().unwrap().iter().enumerate() {
        let r = 1 + i as u32;
        assert_eq!(text(a, r, 0), e["employee_id"].as_str().unwrap());
        for (c, k) in [
            "calls_outgoing",
            "calls_2min",
            "emails_sent",
            "meetings_held",
        ]
        .iter()
        .enumerate()
        {
            assert_eq!(int(a, r, 5 + c as u32), d[k].as_u64().unwrap());
        }
    }
    // Dates as dates: 2026-10-01 is serial 46296.
    assert_eq!(float(a, 1, 3), Some(46296.0));
    assert!(matches!(a[&(1, 3)].value, Data::DateTime(_)));

    // Forecast: per person and paid KPI, as team.json projects it.
    if mid_month {
        let fc = o.sheet("Forecast");
        let h = columns(fc, 1);
        let mut n = 0;
        for e in employees {
            for k in e["forecast"].as_array().unwrap() {
                let id = e["employee_id"].as_str().unwrap();
                let r = (2..=last_row(fc))
                    .find(|r| {
                        text(fc, *r, 0) == id && text(fc, *r, 3) == k["kpi"].as_str().unwrap()
                    })
                    .unwrap_or_else(|| panic!("no forecast row {id} {}", k["kpi"]));
                same(
                    float(fc, r, h["projected attainment"]),
                    &k["projected_attainment"],
                    "projected attainment",
                );
                same(
                    float(fc, r, h["projected amount"]),
                    &k["projected_amount"],
                    "projected amount",
                );
                n += 1;
            }
        }
        assert!(n > 0);
        // Each person's bonus so far, projected, and the pipeline's coverage of the plan left.
        let r0 = find(fc, 0, "bonus per person", 2) + 1;
        let h = columns(fc, r0);
        let mut covered = 0;
        for (i, e) in employees.iter().enumerate() {
            let r = r0 + 1 + i as u32;
            assert_eq!(text(fc, r, 0), e["employee_id"].as_str().unwrap());
            same(
                float(fc, r, h["projected bonus"]),
                &e["projected_bonus"],
                "projected bonus",
            );
            let c = h["pipeline coverage of the remaining revenue plan"];
            same(float(fc, r, c), &e["pipeline_coverage"], "coverage");
            covered += usize::from(e["pipeline_coverage"].is_string());
        }
        assert!(covered > 0);
    }

    // Charts: a chart of the transition rates per team, and the trend.
    assert_eq!(
        chart_parts(&o.bytes),
        j["teams"].as_array().unwrap().len() + 1
    );
}

#[test]
fn the_sample_at_the_period_end_and_mid_month() {
    let tmp = tempfile::tempdir().unwrap();
    let data = crate_path("samples/2026-10-team");
    let end = team(&data, &[], &tmp.path().join("end"));
    holds_what_team_json_holds(&end, false);
    let mid = team(&data, &["--as-of", "2026-10-16"], &tmp.path().join("mid"));
    holds_what_team_json_holds(&mid, true);
    // Mid-month the Team sheet says as of when.
    let t = mid.sheet("Team");
    assert_eq!(text(t, 0, 0), "team view 2026-10, as of 2026-10-16");
    assert!(matches!(t[&(2, 1)].value, Data::DateTime(_)));
    assert_eq!(text(end.sheet("Team"), 2, 1), "the period end");
}

#[test]
fn two_runs_give_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let data = crate_path("samples/2026-10-csv");
    let a = team(&data, &["--as-of", "2026-10-16"], &tmp.path().join("a"));
    let b = team(&data, &["--as-of", "2026-10-16"], &tmp.path().join("b"));
    assert!(a.bytes == b.bytes, "team.xlsx differs between two runs");
}

#[test]
fn russian_labels() {
    let tmp = tempfile::tempdir().unwrap();
    let data = crate_path("samples/2026-10-csv");
    let o = team(
        &data,
        &["--as-of", "2026-10-16", "--lang", "ru"],
        &tmp.path().join("ru"),
    );
    assert_eq!(
        o.names(),
        [
            "Команда",
            "Отметки",
            "Прогноз",
            "Динамика",
            "Воронка",
            "Потери",
            "Активность",
            "Активность по неделям"
        ]
    );
    let fl = o.sheet("Отметки");
    let h = columns(fl, 0);
    for c in ["табельный номер", "код", "предмет", "что замечено"]
    {
        assert!(h.contains_key(c), "no {c}: {h:?}");
    }
    // The sentences are team.json's, in Russian.
    let texts: BTreeSet<String> = (1..=last_row(fl))
        .map(|r| text(fl, r, h["что замечено"]))
        .collect();
    for f in o.json["flags"].as_array().unwrap() {
        assert!(texts.contains(f["text"].as_str().unwrap()), "{}", f["text"]);
    }
    assert!(texts.contains("обсуждать нечего"));
    let t = o.sheet("Команда");
    assert_eq!(text(t, 0, 0), "обзор команды 2026-10, на дату 2026-10-16");
    find(t, 0, "выполнение плана", 0);
    find(t, 0, "топ-5 по выполнению", 0);
    let a = o.sheet("Активность");
    assert_eq!(text(a, 0, 5), "исходящие звонки");
}

/// A loss reason longer than a cell holds (characters outside the BMP count twice) is cut,
/// in the Losses sheet and in the sentence of the flag it raises, and the workbook is written.
#[test]
fn a_reason_longer_than_a_cell_is_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(&crate_path("samples/2026-10-csv"), &data);
    // One team's deals lost in the period: enough for the reason to dominate the team's losses.
    let roster = std::fs::read_to_string(data.join("employees.csv")).unwrap();
    let header: Vec<&str> = roster.lines().next().unwrap().split(',').collect();
    let team_col = header.iter().position(|c| *c == "team").unwrap();
    let almaty: BTreeSet<&str> = roster
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|c| c[team_col] == "Almaty")
        .map(|c| c[0])
        .collect();
    assert!(!almaty.is_empty());
    let deals = std::fs::read_to_string(data.join("deals.csv")).unwrap();
    // 16,400 characters, 32,800 UTF-16 units: over a cell's 32,767.
    let reason = "😀".repeat(16_400);
    let mut out = String::new();
    for (i, line) in deals.lines().enumerate() {
        let mut cells: Vec<&str> = line.split(',').collect();
        if i > 0 && cells[4] == "lost" && cells[3] >= "2026-10" && almaty.contains(cells[1]) {
            cells[8] = &reason;
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    std::fs::write(data.join("deals.csv"), out).unwrap();
    let o = team(&data, &[], &tmp.path().join("out"));
    let units = |s: &str| s.encode_utf16().count();
    let losses = o.sheet("Losses");
    let long: Vec<String> = losses
        .values()
        .filter_map(|c| match &c.value {
            Data::String(s) if s.starts_with('😀') => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert!(!long.is_empty());
    for s in &long {
        assert_eq!(units(s), 32_767);
        assert!(s.ends_with('…'));
    }
    let fl = o.sheet("Flags");
    let h = columns(fl, 0);
    let dominant: Vec<u32> = (1..=last_row(fl))
        .filter(|r| text(fl, *r, h["code"]) == "loss_reason_dominant")
        .collect();
    assert!(!dominant.is_empty());
    for r in dominant {
        let s = text(fl, r, h["what it saw"]);
        assert!(units(&s) <= 32_767 && s.ends_with('…'), "{}", units(&s));
        assert!(text(fl, r, h["subject"]).ends_with('…'));
    }
}

/// A roster with a team per person (long names, three times the sample's people): every team
/// gets its funnel block, the first 50 a chart, the trends' chart the 12 largest teams.
#[test]
fn a_team_per_person() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(&crate_path("samples/2026-10-csv"), &data);
    let copies = |file: &str, edit: &dyn Fn(usize, Vec<String>) -> Vec<String>| {
        let text = std::fs::read_to_string(data.join(file)).unwrap();
        let mut lines = text.lines();
        let mut out = format!("{}\n", lines.next().unwrap());
        let rows: Vec<&str> = lines.collect();
        for k in 0..3 {
            for row in &rows {
                let mut cells: Vec<String> = row.split(',').map(str::to_string).collect();
                if k > 0 {
                    cells[0] = cells[0].replacen("E1", &format!("E{}", k + 1), 1);
                }
                out.push_str(&edit(k, cells).join(","));
                out.push('\n');
            }
        }
        std::fs::write(data.join(file), out).unwrap();
    };
    copies("employees.csv", &|_, mut c| {
        c[4] = format!("team {} {}", c[0], "x".repeat(300));
        c
    });
    copies("plans.csv", &|_, c| c);
    let o = team(&data, &[], &tmp.path().join("out"));
    let people = o.json["employees"].as_array().unwrap().len();
    let teams = o.json["teams"].as_array().unwrap();
    assert_eq!(teams.len(), people);
    assert!(people > 50);
    assert_eq!(chart_parts(&o.bytes), 50 + 1);
    let t = o.sheet("Team");
    for team in teams {
        find(
            t,
            0,
            &format!("team {}: 1 people", team["team"].as_str().unwrap()),
            0,
        );
    }
    let tr = o.sheet("Trends");
    assert_eq!(
        text(tr, 0, 0),
        format!("average won deal per team and month (the 12 largest teams of {people})")
    );
    assert_eq!(columns(tr, 1).len(), 1 + 12);
}

/// An export without the emails table (no one here is paid on emails): the emails are shown as
/// not in the export, never as zero.
#[test]
fn a_table_the_export_lacks_is_said_not_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(&crate_path("samples/2026-10-csv"), &data);
    std::fs::remove_file(data.join("emails.csv")).unwrap();
    let roster = std::fs::read_to_string(data.join("employees.csv")).unwrap();
    let kept: Vec<&str> = roster
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || l.split(',').nth(2) == Some("b2b-long-cycle"))
        .map(|(_, l)| l)
        .collect();
    std::fs::write(data.join("employees.csv"), kept.join("\n") + "\n").unwrap();
    let o = team(&data, &[], &tmp.path().join("out"));
    assert_eq!(o.json["not_in_export"], serde_json::json!(["emails_sent"]));
    let t = o.sheet("Team");
    let r = find(t, 0, "not in the export", 0);
    assert_eq!(text(t, r, 1), "emails sent");
    for sheet in ["Activity", "Activity by week"] {
        let a = o.sheet(sheet);
        let h = columns(a, 0);
        let c = h["emails sent (not in the export)"];
        assert!(
            (1..=last_row(a)).all(|r| a.get(&(r, c)).is_none()),
            "{sheet}"
        );
        assert!(float(a, 1, h["outgoing calls"]).is_some());
    }
}
