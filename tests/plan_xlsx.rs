//! plan.xlsx, next month's plans for Excel, read back through calamine and held against
//! plan.json from the same run: every plan row's figures, line and history months, the manual
//! plans, every warning, the back-test's counts, the seasonal index, the teams' totals; a chart
//! per team; the same bytes every run; Russian labels with `--lang ru`.

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

fn plan(data: &Path, extra: &[&str], out: &Path) -> Out {
    plan_for(data, "2026-11", extra, out)
}

fn plan_for(data: &Path, month: &str, extra: &[&str], out: &Path) -> Out {
    let mut args = vec![
        "plan".to_string(),
        "--data".into(),
        data.display().to_string(),
        "--for".into(),
        month.into(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let o = run(&args, out);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let bytes = std::fs::read(out.join("plan.xlsx")).unwrap();
    let json = serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    Out {
        json,
        sheets: read_sheets(&bytes),
        bytes,
    }
}

fn sample() -> std::path::PathBuf {
    crate_path("samples/2026-10.xlsx")
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
    fn at(&self, i: usize) -> &Sheet {
        &self.sheets[i].1
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
        _ => None,
    }
}

fn int(s: &Sheet, r: u32, c: u32) -> u64 {
    let f = float(s, r, c).unwrap_or_else(|| panic!("no number at {r},{c}"));
    assert_eq!(f.fract(), 0.0);
    f as u64
}

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

/// A cell against plan.json's exact decimal string (at most 6 places): the cell holds the exact
/// value's nearest float.
fn same(cell: Option<f64>, json: &J, what: &str) {
    match json.as_str() {
        None => assert!(cell.is_none(), "{what}: {cell:?} where plan.json has none"),
        Some(s) => {
            let c = cell.unwrap_or_else(|| panic!("{what}: no cell for {s}"));
            let want: f64 = s.parse().unwrap();
            assert!(
                (c - want).abs() <= 0.5e-6 * want.abs().max(1.0),
                "{what}: {c} against {s}"
            );
        }
    }
}

/// A rounded plan or a total: exactly the decimal plan.json writes.
fn exactly(cell: Option<f64>, json: &J, what: &str) {
    let s = json.as_str().unwrap_or_else(|| panic!("{what}: {json}"));
    assert_eq!(cell, Some(s.parse::<f64>().unwrap()), "{what}");
}

fn zip_names(bytes: &[u8]) -> Vec<String> {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    zip.file_names()
        .filter_map(|n| n.ok())
        .map(|n| n.to_string())
        .collect()
}

fn zip_text(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut f = zip.by_name(name).unwrap();
    let mut s = String::new();
    std::io::Read::read_to_string(&mut f, &mut s).unwrap();
    s
}

fn chart_parts(bytes: &[u8]) -> Vec<String> {
    let mut v: Vec<String> = zip_names(bytes)
        .into_iter()
        .filter(|n| n.starts_with("xl/charts/chart") && n.ends_with(".xml"))
        .collect();
    v.sort_by_key(|n| {
        n.trim_start_matches("xl/charts/chart")
            .trim_end_matches(".xml")
            .parse::<u32>()
            .unwrap()
    });
    v
}

const SHEETS: [&str; 6] = [
    "Plans",
    "Manual",
    "Warnings",
    "Back-test",
    "Seasonality",
    "Teams",
];

fn s<'a>(j: &'a J, k: &str) -> &'a str {
    j[k].as_str().unwrap_or("")
}

fn team_name(t: &str) -> &str {
    if t.is_empty() { "(no team)" } else { t }
}

/// Everything the workbook shows that plan.json also holds, compared (English labels).
fn holds_what_plan_json_holds(o: &Out) {
    let j = &o.json;
    assert_eq!(o.names(), SHEETS);

    // Plans: one row per plan, in plan.json's order.
    let p = o.sheet("Plans");
    let top = find(p, 0, "employee_id", 0);
    let h = columns(p, top);
    let plans = j["plans"].as_array().unwrap();
    for (i, pl) in plans.iter().enumerate() {
        let r = top + 1 + i as u32;
        let what = format!("{} {}", s(pl, "employee_id"), s(pl, "metric"));
        for (col, key) in [
            ("employee_id", "employee_id"),
            ("name", "name"),
            ("scheme", "scheme"),
            ("metric", "metric"),
            ("how it was made", "line"),
        ] {
            assert_eq!(text(p, r, h[col]), s(pl, key), "{what} {col}");
        }
        assert_eq!(text(p, r, h["team"]), team_name(s(pl, "team")), "{what}");
        exactly(float(p, r, h["plan"]), &pl["plan"], &what);
        for (col, key) in [
            ("base", "base"),
            ("best month", "best_month"),
            ("worst month", "worst_month"),
            ("growth", "growth"),
            ("season", "season"),
            ("plan for a whole month", "full_month"),
            ("raw plan", "raw"),
        ] {
            same(float(p, r, h[col]), &pl[key], &format!("{what} {col}"));
        }
        assert_eq!(
            int(p, r, h["days employed"]),
            pl["share"]["days"].as_u64().unwrap()
        );
        assert_eq!(int(p, r, h["of days"]), pl["share"]["of"].as_u64().unwrap());
        let from = text(p, r, h["base from"]);
        match s(pl, "base_from") {
            "own" => assert!(from.starts_with("own history: "), "{what}: {from}"),
            _ => assert_eq!(
                from,
                format!(
                    "median of {} colleagues on the same scheme",
                    pl["colleagues"].as_u64().unwrap()
                )
            ),
        }
        let warnings: Vec<&str> = pl["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| s(w, "text"))
            .collect();
        assert_eq!(text(p, r, h["warnings"]), warnings.join("; "), "{what}");
        // The history months: a month used holds its value; one not in the export, or not
        // employed, is empty (never a zero); the others are shown, and every month not used
        // is named with why.
        let not_used = text(p, r, h["history months not used"]);
        for m in pl["history"].as_array().unwrap() {
            let period = s(m, "period");
            let c = h[period];
            let cell = float(p, r, c);
            match m["why"].as_str() {
                None => same(cell, &m["value"], &format!("{what} {period}")),
                Some("not_in_export" | "not_employed") => {
                    assert_eq!(cell, None, "{what} {period}")
                }
                Some(_) => same(cell, &m["value"], &format!("{what} {period}")),
            }
            if m["used"] == false {
                assert!(
                    not_used.contains(period) || not_used.contains("…"),
                    "{not_used}"
                );
            }
        }
        if pl["history"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["used"] == true)
        {
            assert_eq!(not_used, "");
        }
    }
    // Nothing below the plans but the note when there are none.
    let rows_after = last_row(p) - top;
    if plans.is_empty() {
        assert_eq!(
            text(p, top + 1, 0),
            "no plan made: every plan is left for a manual plan"
        );
    } else {
        assert_eq!(rows_after as usize, plans.len());
    }

    // Manual: the people left for a manual plan and why.
    let m = o.sheet("Manual");
    let h = columns(m, 0);
    let manual = j["manual"].as_array().unwrap();
    if manual.is_empty() {
        assert_eq!(text(m, 1, 0), "nobody: every plan was made from history");
        assert_eq!(last_row(m), 1);
    } else {
        assert_eq!(last_row(m) as usize, manual.len());
    }
    for (i, x) in manual.iter().enumerate() {
        let r = 1 + i as u32;
        assert_eq!(text(m, r, h["employee_id"]), s(x, "employee_id"));
        assert_eq!(text(m, r, h["name"]), s(x, "name"));
        assert_eq!(text(m, r, h["scheme"]), s(x, "scheme"));
        assert_eq!(text(m, r, h["metric"]), s(x, "metric"));
        assert_eq!(text(m, r, h["code"]), s(x, "reason"));
        assert_eq!(text(m, r, h["why"]), s(x, "text"));
    }

    // Warnings: every warning of plan.json, with its sentence, in its order.
    let w = o.sheet("Warnings");
    let h = columns(w, 0);
    let warnings = j["warnings"].as_array().unwrap();
    if warnings.is_empty() {
        assert_eq!(text(w, 1, 0), "no warnings");
        assert_eq!(last_row(w), 1);
    } else {
        assert_eq!(last_row(w) as usize, warnings.len());
    }
    for (i, x) in warnings.iter().enumerate() {
        let r = 1 + i as u32;
        assert_eq!(text(w, r, h["code"]), s(x, "code"));
        assert_eq!(text(w, r, h["employee_id"]), s(x, "employee_id"));
        assert_eq!(text(w, r, h["metric"]), s(x, "metric"));
        assert_eq!(text(w, r, h["what it saw"]), s(x, "text"));
        if s(x, "code") == "team_above_best" {
            assert_eq!(text(w, r, h["team"]), team_name(s(x, "team")));
        }
    }

    // Back-test: per metric, the months, the pooled counts and the flag.
    let b = o.sheet("Back-test");
    let bands = [
        ("below 80%", "below_80"),
        ("80-100%", "80_100"),
        ("100-120%", "100_120"),
        ("above 120%", "above_120"),
        ("people", "count"),
        ("below the review line", "below_review_line"),
        ("above the discuss line", "above_discuss_line"),
    ];
    let mut from = 0;
    for bt in j["backtest"].as_array().unwrap() {
        let r0 = find(b, 0, &format!("metric: {}", s(bt, "metric")), from);
        assert_eq!(text(b, r0 + 1, 0), "");
        let groups = columns(b, r0 + 1);
        let method_col = groups["the method's plans"];
        let actual_col = groups["the plans actually used"];
        let h = columns(b, r0 + 2);
        let target_col = h.get("company target split").copied();
        assert_eq!(target_col.is_some(), j["method"] != "bottom-up");
        let check = |r: u32, got: &J, what: &str| {
            for (i, (label, key)) in bands.iter().enumerate() {
                assert_eq!(text(b, r0 + 2, method_col + i as u32), *label);
                assert_eq!(text(b, r0 + 2, actual_col + i as u32), *label);
                assert_eq!(
                    int(b, r, method_col + i as u32),
                    got["method"][key].as_u64().unwrap(),
                    "{what} method {key}"
                );
                assert_eq!(
                    int(b, r, actual_col + i as u32),
                    got["actual"][key].as_u64().unwrap(),
                    "{what} actual {key}"
                );
            }
        };
        let months = bt["months"].as_array().unwrap();
        for (i, m) in months.iter().enumerate() {
            let r = r0 + 3 + i as u32;
            let period = s(m, "period");
            assert_eq!(text(b, r, 0), period);
            match m["skipped"].as_str() {
                Some(why) => {
                    let words = match why {
                        "not_in_export" => "not in the export",
                        _ => "no plans recorded for the month to split",
                    };
                    assert_eq!(text(b, r, 1), format!("skipped: {words}"));
                    assert!(float(b, r, method_col).is_none());
                }
                None => {
                    assert_eq!(text(b, r, 1), "yes");
                    check(r, m, period);
                    if let Some(c) = target_col {
                        exactly(float(b, r, c), &m["target"], "target");
                    }
                }
            }
        }
        let pooled = r0 + 3 + months.len() as u32;
        assert_eq!(text(b, pooled, 0), "the months tested, pooled");
        check(pooled, bt, "pooled");
        let flag = pooled + 1;
        assert_eq!(text(b, flag, 0), "flag");
        match bt["flag"].as_str() {
            None => assert_eq!(text(b, flag, 1), "none"),
            Some(code) => {
                assert_eq!(text(b, flag, 1), code);
                let said = warnings
                    .iter()
                    .find(|x| s(x, "code") == code && x["metric"] == bt["metric"])
                    .unwrap();
                assert_eq!(text(b, flag, 2), s(said, "text"));
            }
        }
        from = flag;
    }

    // Seasonality: per metric.
    let se = o.sheet("Seasonality");
    let h = columns(se, 1);
    let metrics = j["metrics"].as_array().unwrap();
    assert_eq!(last_row(se) as usize, 1 + metrics.len());
    for (i, metric) in metrics.iter().enumerate() {
        let r = 2 + i as u32;
        let m = metric.as_str().unwrap();
        let x = &j["season"][m];
        assert_eq!(text(se, r, h["metric"]), m);
        assert_eq!(text(se, r, h["same month last year"]), s(x, "same_month"));
        same(
            float(se, r, h["its total"]),
            &x["same_month_total"],
            "same total",
        );
        same(
            float(se, r, h["the 12 months' average"]),
            &x["average"],
            "average",
        );
        same(float(se, r, h["index"]), &x["index"], "index");
        assert_eq!(text(se, r, h["code"]), s(x, "why"));
        assert_eq!(text(se, r, h["what it means"]), s(x, "text"));
    }

    // Teams: the totals, the company targets, and per team its months and the plan.
    let t = o.sheet("Teams");
    let h = columns(t, 1);
    let teams = j["teams"].as_array().unwrap();
    for (i, x) in teams.iter().enumerate() {
        let r = 2 + i as u32;
        let what = format!("{} {}", s(x, "team"), s(x, "metric"));
        assert_eq!(text(t, r, h["team"]), team_name(s(x, "team")));
        assert_eq!(text(t, r, h["metric"]), s(x, "metric"));
        exactly(float(t, r, h["plan total"]), &x["plan_total"], &what);
        assert_eq!(text(t, r, h["best month"]), s(x, "best_month"));
        same(
            float(t, r, h["best month's total"]),
            &x["best_total"],
            &what,
        );
        let above = if x["above_best"] == true { "yes" } else { "no" };
        assert_eq!(text(t, r, h["above the best month"]), above, "{what}");
    }
    let mut r = 2 + teams.len() as u32;
    let company = j["company_target"].as_array().unwrap();
    if !company.is_empty() {
        let r0 = find(t, 0, "metric", r);
        let h = columns(t, r0);
        for (i, c) in company.iter().enumerate() {
            let r = r0 + 1 + i as u32;
            assert_eq!(text(t, r, 0), s(c, "metric"));
            exactly(float(t, r, h["company target"]), &c["target"], "target");
            exactly(
                float(t, r, h["the rounded plans' sum"]),
                &c["rounded_sum"],
                "rounded sum",
            );
        }
        r = r0 + 1 + company.len() as u32;
    }
    let mut names: Vec<&str> = Vec::new();
    for x in teams {
        if !names.contains(&s(x, "team")) {
            names.push(s(x, "team"));
        }
    }
    for name in &names {
        let r0 = find(t, 0, &format!("team {}", team_name(name)), r);
        let h = columns(t, r0 + 1);
        for x in teams.iter().filter(|x| s(x, "team") == *name) {
            let c = h[s(x, "metric")];
            let months = x["months"].as_array().unwrap();
            for (i, m) in months.iter().enumerate() {
                assert_eq!(text(t, r0 + 2 + i as u32, 0), s(m, "period"));
                same(float(t, r0 + 2 + i as u32, c), &m["total"], "month total");
            }
            let pr = r0 + 2 + months.len() as u32;
            assert_eq!(text(t, pr, 0), format!("{} plan", s(j, "for")));
            exactly(float(t, pr, c), &x["plan_total"], "plan total");
        }
        r = r0 + 1;
    }

    // A chart per team, on the Teams sheet, titled with the team (a long name shortened).
    let charts = chart_parts(&o.bytes);
    assert_eq!(charts.len(), names.len().min(50));
    for (chart, name) in charts.iter().zip(&names) {
        let xml = zip_text(&o.bytes, chart);
        let name = team_name(name);
        let title = if name.chars().count() <= 60 {
            name.to_string()
        } else {
            name.chars().take(59).collect::<String>() + "…"
        };
        assert!(
            xml.contains(&format!("{title}: monthly totals and the plan")),
            "{chart}"
        );
        assert!(xml.contains("Teams!$A$"), "{chart}");
    }
    let drawings: Vec<String> = zip_names(&o.bytes)
        .into_iter()
        .filter(|n| n.starts_with("xl/drawings/drawing") && n.ends_with(".xml"))
        .collect();
    assert_eq!(drawings.len(), usize::from(!names.is_empty()));
}

#[test]
fn the_sample_bottom_up() {
    let tmp = tempfile::tempdir().unwrap();
    let o = plan(&sample(), &[], tmp.path());
    holds_what_plan_json_holds(&o);
    let j = &o.json;
    // What the sample holds, so that the comparison above is not empty.
    assert_eq!(j["plans"].as_array().unwrap().len(), 29);
    let p = o.sheet("Plans");
    let top = find(p, 0, "employee_id", 0);
    let h = columns(p, top);
    // The settings above the table.
    let settings = columns(p, 1);
    assert_eq!(float(p, 2, settings["growth"]), Some(0.0));
    assert_eq!(int(p, 2, settings["history months"]), 12);
    assert_eq!(int(p, 2, settings["rounding step"]), 1000);
    assert_eq!(
        text(p, 2, settings["the export's first month"]),
        s(j, "export_first_month")
    );
    // A joiner on the colleagues' median, a month worked in part shown greyed, the months
    // before the export empty: E130 on transactional.
    let r = find(p, 0, "E130", top);
    assert_eq!(
        text(p, r, h["base from"]),
        "median of 9 colleagues on the same scheme"
    );
    assert_eq!(
        text(p, r, h["history months not used"]),
        "2025-11…2026-06: not in the export; 2026-07: not employed; 2026-08: employed part of the month"
    );
    assert_eq!(float(p, r, h["2026-06"]), None);
    assert_eq!(float(p, r, h["2026-07"]), None);
    assert!(float(p, r, h["2026-08"]).is_some());
    // Money in the currency with thousands; the plan a whole number of the step.
    let plan_cell = &p[&(r, h["plan"])];
    assert_eq!(plan_cell.value, Data::Float(10_556_000.0));
    let styles = zip_text(&o.bytes, "xl/styles.xml");
    assert!(styles.contains("#,##0.00 &quot;KZT&quot;"), "{styles}");
}

/// The warnings a run raises, by code, after checking the workbook against plan.json; and
/// the growth shown as the factor applied.
fn warning_codes(growth: &str, factor: f64) -> BTreeSet<String> {
    let tmp = tempfile::tempdir().unwrap();
    let o = plan(&sample(), &["--growth", growth], tmp.path());
    holds_what_plan_json_holds(&o);
    let p = o.sheet("Plans");
    let top = find(p, 0, "employee_id", 0);
    let h = columns(p, top);
    assert_eq!(float(p, top + 1, h["growth"]), Some(factor));
    o.json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| s(w, "code").to_string())
        .collect()
}

fn codes(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|c| c.to_string()).collect()
}

/// Plans above the best month: the person's, the team's, and a back-test that finds them
/// too hard.
#[test]
fn warnings_of_plans_too_high() {
    assert_eq!(
        warning_codes("60%", 1.6),
        codes(&["above_best", "backtest_too_hard", "team_above_best"])
    );
}

/// Plans below the worst month, and a back-test that finds them too easy.
#[test]
fn warnings_of_plans_too_low() {
    assert_eq!(
        warning_codes("-40%", 0.6),
        codes(&["backtest_too_easy", "below_worst"])
    );
}

/// top-down and blend: the company targets beside the rounded plans' sum, the back-test's
/// months split the plans the table recorded for them.
fn company_target(method: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "--method",
        method,
        "--company-target",
        "revenue=240000000",
        "--company-target",
        "upsell=33000000",
    ];
    let o = plan(&sample(), &args, tmp.path());
    holds_what_plan_json_holds(&o);
    assert_eq!(o.json["company_target"].as_array().unwrap().len(), 2);
    let p = o.sheet("Plans");
    assert_eq!(text(p, 0, 0), format!("plans for 2026-11: {method}"));
    let settings = columns(p, 1);
    assert_eq!(settings.contains_key("split"), method == "top-down");
    let tested = o.json["backtest"][0]["months"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["target"].is_string())
        .count();
    assert!(tested > 0);
}

#[test]
fn top_down() {
    company_target("top-down");
}

#[test]
fn blend() {
    company_target("blend");
}

#[test]
fn everyone_left_for_a_manual_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let o = plan(&sample(), &["--min-history", "5"], tmp.path());
    holds_what_plan_json_holds(&o);
    assert!(o.json["plans"].as_array().unwrap().is_empty());
    assert_eq!(o.json["manual"].as_array().unwrap().len(), 29);
    // No team has a plan: no chart.
    assert!(chart_parts(&o.bytes).is_empty());
}

#[test]
fn two_runs_give_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let args = ["--growth", "60%"];
    let a = plan(&sample(), &args, &tmp.path().join("a"));
    let b = plan(&sample(), &args, &tmp.path().join("b"));
    assert!(a.bytes == b.bytes, "plan.xlsx differs between two runs");
}

/// `--lang ru`: the sheets and headings in Russian, the sentences plan.json's in Russian, laid
/// out as in English.
#[test]
fn russian_labels() {
    let tmp = tempfile::tempdir().unwrap();
    let args = ["--growth", "60%"];
    let en = plan(&sample(), &args, &tmp.path().join("en"));
    let mut ru_args = args.to_vec();
    ru_args.extend(["--lang", "ru"]);
    let ru = plan(&sample(), &ru_args, &tmp.path().join("ru"));
    assert_eq!(
        ru.names(),
        [
            "Планы",
            "Вручную",
            "Предупреждения",
            "Проверка на истории",
            "Сезонность",
            "Команды"
        ]
    );
    // The same cells, in the same places.
    for (i, (_, e)) in en.sheets.iter().enumerate() {
        let r = ru.at(i);
        assert_eq!(
            e.keys().collect::<Vec<_>>(),
            r.keys().collect::<Vec<_>>(),
            "{}",
            SHEETS[i]
        );
    }
    let p = ru.at(0);
    let top = find(p, 0, "табельный номер", 0);
    let h = columns(en.at(0), top);
    assert_eq!(text(p, top, h["how it was made"]), "как получен");
    for (i, pl) in ru.json["plans"].as_array().unwrap().iter().enumerate() {
        let r = top + 1 + i as u32;
        assert_eq!(text(p, r, h["how it was made"]), s(pl, "line"));
        assert!(s(pl, "line").contains("среднее за") || s(pl, "line").contains("медиана"));
    }
    let w = ru.at(2);
    let h = columns(en.at(2), 0);
    for (i, x) in ru.json["warnings"].as_array().unwrap().iter().enumerate() {
        assert_eq!(text(w, 1 + i as u32, h["what it saw"]), s(x, "text"));
    }
    let t = ru.at(5);
    find(t, 0, "команда Almaty", 0);
    let chart = zip_text(&ru.bytes, &chart_parts(&ru.bytes)[0]);
    assert!(chart.contains("итоги по месяцам и план"));
}

/// The 13-month sample: the export holds the 12 months before the planned month, so a
/// seasonal index, applied to every plan and shown with its figures.
#[test]
fn a_seasonal_index() {
    let tmp = tempfile::tempdir().unwrap();
    let o = plan_for(
        &crate_path("samples/2026-10-history"),
        "2026-11",
        &[],
        tmp.path(),
    );
    holds_what_plan_json_holds(&o);
    let se = o.sheet("Seasonality");
    let h = columns(se, 1);
    for (i, m) in o.json["metrics"].as_array().unwrap().iter().enumerate() {
        let x = &o.json["season"][m.as_str().unwrap()];
        assert!(x["index"].is_string(), "{x}");
        assert!(float(se, 2 + i as u32, h["index"]).is_some());
        assert_eq!(text(se, 2 + i as u32, h["same month last year"]), "2025-11");
    }
    let p = o.sheet("Plans");
    let top = find(p, 0, "employee_id", 0);
    let h = columns(p, top);
    assert!(text(p, top + 1, h["how it was made"]).contains("× November seasonality 1.13 "));
    assert!(float(p, top + 1, h["season"]).unwrap() > 1.0);
}

/// A roster with a team per person (long names), three times the sample's people (the copies with the
/// deals, clients and plans of the people they copy): every team gets its block on the Teams
/// sheet, the first 50 a chart.
#[test]
fn a_team_per_person() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(&crate_path("samples/2026-10-csv"), &data);
    let copies = |file: &str, edit: &dyn Fn(usize, &mut Vec<String>)| {
        let text = std::fs::read_to_string(data.join(file)).unwrap();
        let mut lines = text.lines();
        let mut out = format!("{}\n", lines.next().unwrap());
        let rows: Vec<&str> = lines.collect();
        for k in 0..3 {
            for row in &rows {
                let mut cells: Vec<String> = row.split(',').map(str::to_string).collect();
                edit(k, &mut cells);
                out.push_str(&cells.join(","));
                out.push('\n');
            }
        }
        std::fs::write(data.join(file), out).unwrap();
    };
    // E101 -> E201, E301; D00001 -> D100001, D200001; C00001 -> C100001, C200001.
    let person = |k: usize, id: &mut String| {
        if k > 0 {
            *id = id.replacen("E1", &format!("E{}", k + 1), 1);
        }
    };
    let other = |k: usize, id: &mut String| {
        if k > 0 && !id.is_empty() {
            id.insert_str(1, &k.to_string());
        }
    };
    copies("employees.csv", &|k, c| {
        person(k, &mut c[0]);
        c[4] = format!("team {} {}", c[0], "x".repeat(300));
    });
    copies("deals.csv", &|k, c| {
        other(k, &mut c[0]);
        person(k, &mut c[1]);
        other(k, &mut c[9]);
    });
    copies("clients.csv", &|k, c| {
        other(k, &mut c[0]);
        person(k, &mut c[1]);
    });
    copies("plans.csv", &|k, c| person(k, &mut c[0]));
    let o = plan(&data, &[], &tmp.path().join("out"));
    let teams: BTreeSet<&str> = o.json["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| s(t, "team"))
        .collect();
    assert!(teams.len() > 50, "{}", teams.len());
    holds_what_plan_json_holds(&o);
    assert_eq!(chart_parts(&o.bytes).len(), 50);
}
