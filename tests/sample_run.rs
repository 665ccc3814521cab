//! The sample October 2026 period end to end through the real binary: the workbook and the CSV
//! folder give identical payroll files, and the payroll and breakdown are pinned by snapshots.

use incentive::period::Period;
use incentive::report::exact_text;
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(data: &str, out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_incentive"))
        .args(["run", "--data", data, "--period", "2026-10", "--out"])
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn xlsx_and_csv_inputs_give_identical_payroll() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("xlsx"), dir.path().join("csv"));
    let ra = run("samples/2026-10.xlsx", &a);
    let rb = run("samples/2026-10-csv", &b);
    assert_eq!(
        ra.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ra.stderr)
    );
    assert_eq!(
        rb.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&rb.stderr)
    );
    let pa = std::fs::read_to_string(a.join("payroll.csv")).unwrap();
    let pb = std::fs::read_to_string(b.join("payroll.csv")).unwrap();
    assert_eq!(pa, pb);
    insta::assert_snapshot!("sample_payroll", pa);
    let stdout =
        String::from_utf8_lossy(&ra.stdout).replace(&dir.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!("sample_stdout", stdout);
}

#[test]
fn sample_breakdown() {
    let result = incentive::run::compute(
        Path::new("schemes"),
        Path::new("samples/2026-10-csv"),
        Period::parse("2026-10").unwrap(),
    )
    .unwrap();
    let mut text = String::from(
        "employee_id scheme kpi | actual | target | attainment | factor | amount | rows | flags\n",
    );
    for e in &result.employees {
        let scheme = &result.schemes[e.employee.scheme];
        for (kpi, s) in scheme.kpis.iter().zip(&e.score.kpis) {
            text.push_str(&format!(
                "{} {} {} | {} | {} | {} | {} | {} | {} | {}\n",
                e.employee.id,
                scheme.id,
                kpi.id,
                exact_text(&s.actual, 6),
                exact_text(&s.target, 6),
                exact_text(&s.attainment, 6),
                exact_text(&Some(s.factor.clone()), 6),
                incentive::report::money(s.amount),
                s.rows,
                s.flags
                    .iter()
                    .map(|f| f.text())
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        text.push_str(&format!(
            "{} total {}\n",
            e.employee.id,
            incentive::report::money(e.score.total)
        ));
    }
    insta::assert_snapshot!("sample_breakdown", text);
}

/// The committed samples are exactly what the generator in examples/ writes.
#[test]
fn samples_are_reproduced_by_their_generator() {
    let exe = std::env::current_exe().unwrap();
    let generator: PathBuf = exe
        .parent()
        .and_then(|d| d.parent())
        .unwrap()
        .join("examples")
        .join(format!("generate_samples{}", std::env::consts::EXE_SUFFIX));
    assert!(
        generator.exists(),
        "cargo test builds examples: {}",
        generator.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(&generator)
        .args(["--out"])
        .arg(dir.path())
        .args(["--period", "2026-10"])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert_eq!(
        std::fs::read(dir.path().join("2026-10.xlsx")).unwrap(),
        std::fs::read("samples/2026-10.xlsx").unwrap(),
        "samples/2026-10.xlsx differs from the generator's output"
    );
    // The canonical CSV folder and the CRM exports written from the same facts: the same
    // files, byte for byte, and no file the generator writes is missing from samples/.
    for folder in [
        "2026-10-csv",
        "2026-10-bitrix24",
        "2026-10-amocrm",
        "2026-10-amocrm-canonical",
    ] {
        let names = |dir: &Path| {
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        let committed = Path::new("samples").join(folder);
        let generated = dir.path().join(folder);
        let files = names(&committed);
        assert_eq!(files, names(&generated), "files in {}", committed.display());
        assert!(!files.is_empty(), "{} is empty", committed.display());
        for name in files {
            assert!(
                std::fs::read(generated.join(&name)).unwrap()
                    == std::fs::read(committed.join(&name)).unwrap(),
                "{}/{name} differs from the generator's output",
                committed.display()
            );
        }
    }
}

fn explain(period: &str, employee: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_incentive"))
        .args([
            "explain",
            "--data",
            "samples/2026-10-csv",
            "--period",
            period,
            "--employee",
            employee,
        ])
        .output()
        .unwrap()
}

/// `incentive explain` prints the statement of one employee, and names an unknown one. The
/// sample's joiner started on 13 August: that month pays her for 19 of its 31 days.
#[test]
fn explain_prints_one_statement() {
    let out = explain("2026-08", "E130");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Bonus statement\n"), "{text}");
    assert!(text.contains("Aruzhan Bekmukhambetova"), "{text}");
    assert!(
        text.contains("proration     employed 19 of 31 days = 61.3%"),
        "{text}"
    );
    assert!(!text.contains("E101"), "no one else appears");

    let out = explain("2026-10", "E999");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: 1 problem in the input; nothing was written:\n  --employee: \"E999\" is not on the roster of samples/2026-10-csv\n"
    );
}

/// One table of the sample's CSV folder, as header → value maps.
fn sample_table(name: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(format!("samples/2026-10-csv/{name}.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// "3027000.00" → 302700000 cents.
fn cents(text: &str) -> i64 {
    let (whole, frac) = text.split_once('.').unwrap();
    assert_eq!(frac.len(), 2, "{text}");
    whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

const MONTHS: [&str; 4] = ["2026-07", "2026-08", "2026-09", "2026-10"];

/// The October export holds four months of history, with the shape the HR views rely on: a
/// plan per person and month employed, activity in every table in every month, a joiner and a
/// leaver, the four trends, and call durations that make a 5-minute rule bite unevenly.
#[test]
fn the_sample_holds_four_months_of_history() {
    use std::collections::{BTreeMap, BTreeSet};
    let month = |date: &str| date.get(..7).unwrap_or("").to_string();

    let employees = sample_table("employees");
    assert_eq!(employees.len(), 30);
    let person = |id: &str| employees.iter().find(|e| e["employee_id"] == id).unwrap();
    assert_eq!(
        (
            person("E130")["hired_on"].as_str(),
            person("E130")["left_on"].as_str()
        ),
        ("2026-08-13", ""),
        "the joiner starts in August"
    );
    assert_eq!(
        person("E120")["left_on"],
        "2026-09-20",
        "the leaver leaves in September and stays on the roster"
    );

    // A plan row per employee and month employed, and no other.
    let mut plans: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in sample_table("plans") {
        plans
            .entry(p["employee_id"].clone())
            .or_default()
            .push(p["period"].clone());
    }
    for e in &employees {
        let id = &e["employee_id"];
        let expected: Vec<String> = match id.as_str() {
            "E130" => MONTHS[1..].iter().map(|m| m.to_string()).collect(),
            "E120" => MONTHS[..3].iter().map(|m| m.to_string()).collect(),
            _ => MONTHS.iter().map(|m| m.to_string()).collect(),
        };
        assert_eq!(plans[id], expected, "plans of {id}");
    }

    // Every activity table has rows in each month, and a few just after October.
    for (table, column) in [
        ("calls", "started_at"),
        ("emails", "sent_at"),
        ("meetings", "starts_at"),
        ("deals", "closed_on"),
        ("deals", "created_on"),
        ("clients", "churned_on"),
        ("clients", "since"),
        ("nps", "answered_on"),
    ] {
        let months: BTreeSet<String> = sample_table(table)
            .iter()
            .map(|r| month(&r[column]))
            .collect();
        for m in MONTHS {
            assert!(months.contains(m), "{table}.{column} has rows in {m}");
        }
        if column != "since" {
            assert!(
                months.contains("2026-11"),
                "{table}.{column} has rows after October"
            );
        }
    }
    let deals = sample_table("deals");
    assert!(
        deals.iter().filter(|d| d["status"] == "open").count() > 100,
        "an open pipeline at the end"
    );

    // Per person and month: won revenue and count, proposals won and closed.
    let mut won: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    let mut proposals: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for d in &deals {
        let key = (d["employee_id"].clone(), month(&d["closed_on"]));
        if d["status"] == "won" {
            let w = won.entry(key.clone()).or_default();
            w.0 += cents(&d["amount"]);
            w.1 += 1;
        }
        if d["stage"] == "proposal" && d["status"] != "open" {
            let p = proposals.entry(key).or_default();
            p.0 += i64::from(d["status"] == "won");
            p.1 += 1;
        }
    }
    let of = |map: &BTreeMap<(String, String), (i64, i64)>, id: &str| -> Vec<(i64, i64)> {
        MONTHS
            .iter()
            .map(|m| map[&(id.to_string(), m.to_string())])
            .collect()
    };
    // E102's proposal conversion falls every month (compared as fractions a/b < c/d).
    let conversion = of(&proposals, "E102");
    for w in conversion.windows(2) {
        assert!(
            w[1].0 * w[0].1 < w[0].0 * w[1].1,
            "E102 conversion falls: {conversion:?}"
        );
    }
    // E108's average won deal falls every month.
    let average = of(&won, "E108");
    for w in average.windows(2) {
        assert!(
            w[1].0 * w[0].1 < w[0].0 * w[1].1,
            "E108 average deal falls: {average:?}"
        );
    }
    // E110 beats a too-easy revenue plan by more than 20 % every month.
    let revenue = of(&won, "E110");
    let plan: BTreeMap<String, i64> = sample_table("plans")
        .iter()
        .filter(|p| p["employee_id"] == "E110")
        .map(|p| (p["period"].clone(), cents(&p["target"])))
        .collect();
    for (m, (r, _)) in MONTHS.iter().zip(&revenue) {
        assert!(
            *r * 10 > plan[*m] * 12,
            "E110 {m}: revenue {r} vs plan {}",
            plan[*m]
        );
    }

    // Outgoing calls: E114's fall by about a third from July to October; of the calls of two
    // minutes or more, 35-50 % last five minutes or more, and people differ widely.
    let mut outgoing: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut long: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for c in sample_table("calls") {
        let m = month(&c["started_at"]);
        if c["direction"] != "outgoing" || !MONTHS.contains(&m.as_str()) {
            continue;
        }
        *outgoing.entry((c["employee_id"].clone(), m)).or_default() += 1;
        let secs: i64 = c["duration_sec"].parse().unwrap();
        if secs >= 120 {
            let l = long.entry(c["employee_id"].clone()).or_default();
            l.0 += i64::from(secs >= 300);
            l.1 += 1;
        }
    }
    let calls = |m: &str| outgoing[&("E114".to_string(), m.to_string())];
    let (july, october) = (calls("2026-07"), calls("2026-10"));
    assert!(
        (60..=75).contains(&(october * 100 / july)),
        "E114 outgoing calls {july} → {october}"
    );
    let (five, two) = long.values().fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
    assert!(
        (35..=50).contains(&(five * 100 / two)),
        "{five} of {two} calls"
    );
    let shares: Vec<i64> = long.values().map(|(x, y)| x * 100 / y).collect();
    assert!(
        shares.iter().min().unwrap() < &30 && shares.iter().max().unwrap() > &55,
        "per-person shares of 5-minute calls differ: {shares:?}"
    );
}
