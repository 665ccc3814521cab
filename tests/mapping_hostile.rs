//! Hostile input to the mapping layer, end to end through the binary: a 100 000-row export
//! with a 100 000-row lookup, a regular expression that is catastrophic for a backtracking
//! engine, mappings of thousands of parts, lookups or value-map entries, first_of nested past
//! the YAML depth limit, `extends:` naming /dev/zero or a FIFO. Each finishes in bounded time
//! with bounded output: a result, or a located error (exit 2, nothing written). Inputs are
//! generated here at run time.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// What a run gave back, with the case's folder shown as `[TMP]`, and how long it took.
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Runs `incentive` and kills it after `limit`: a hang fails the test instead of stalling it.
fn run_within(args: &[&str], tmp: &Path, limit: Duration) -> Outcome {
    let started = Instant::now();
    let out_file = tmp.join(".stdout");
    let err_file = tmp.join(".stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_incentive"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(std::fs::File::create(&err_file).unwrap())
        .spawn()
        .expect("the incentive binary runs");
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("incentive {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let tmp_text = tmp.display().to_string();
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap()).replace(&tmp_text, "[TMP]");
    Outcome {
        code: status.code().unwrap_or(-1),
        stdout: read(&out_file),
        stderr: read(&err_file),
        took: started.elapsed(),
    }
}

struct Case {
    tmp: TempDir,
}

impl Case {
    fn new() -> Case {
        let case = Case {
            tmp: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(case.p("data")).unwrap();
        case
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.p(rel), text).unwrap();
    }
    /// `incentive map --data data --mapping m.yaml --out out`, killed after 60 s.
    fn map(&self) -> Outcome {
        let (data, m, out) = (self.p("data"), self.p("m.yaml"), self.p("out"));
        run_within(
            &[
                "map",
                "--data",
                data.to_str().unwrap(),
                "--mapping",
                m.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            self.tmp.path(),
            Duration::from_secs(60),
        )
    }
    /// The map was refused (exit 2), quickly, with bounded output and nothing written.
    fn refused(&self) -> String {
        let o = self.map();
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert_eq!(o.stdout, "");
        assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
        assert!(
            o.stderr.len() < 20_000,
            "{} bytes of errors",
            o.stderr.len()
        );
        assert!(o.took < Duration::from_secs(10), "took {:?}", o.took);
        assert!(!self.p("out").join("mapping-report.txt").exists());
        o.stderr
    }
}

const STAGES: [&str; 3] = ["NEW", "PREPARATION", "EXECUTING"];

/// 100 000 deals, each with a stage history in a 100 000-row table (a furthest over a lookup
/// matching many rows), mapped in debug within ~10 s; each deal's stage is the furthest of its
/// history, worked out here independently.
#[test]
fn a_100_000_row_export_with_a_100_000_row_lookup_is_fast() {
    const N: usize = 100_000;
    let case = Case::new();
    let mut deals = String::from("ID,OWNER,CREATED,STAGE_ID,SUM\n");
    for i in 1..=N {
        deals.push_str(&format!("{i},E{},2026-09-01,NEW,{i}.50\n", i % 50));
    }
    // Row i of the history belongs to deal (i·7919 mod N) + 1: scattered, some deals with
    // several rows, some with none.
    let mut history = String::from("ID,DEAL,STAGE_ID\n");
    let mut furthest = vec![0usize; N + 1];
    for i in 1..=N {
        let deal = (i * 7919) % N + 1;
        let stage = (i * 31) % 3;
        furthest[deal] = furthest[deal].max(stage);
        history.push_str(&format!("{i},{deal},{}\n", STAGES[stage]));
    }
    case.write("data/crm_deal.csv", &deals);
    case.write("data/history.csv", &history);
    case.write(
        "m.yaml",
        r#"
values:
  stages: { NEW: lead, PREPARATION: qualified, EXECUTING: proposal }
tables:
  deals:
    from: crm_deal
    columns:
      deal_id: ID
      employee_id: OWNER
      created_on: CREATED
      status: { value: open }
      stage:
        furthest:
          - lookup: { from: history, match: { DEAL: ID }, take: STAGE_ID }
            map: stages
          - { column: STAGE_ID, map: stages }
      amount: SUM
"#,
    );
    let o = case.map();
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.took < Duration::from_secs(15),
        "100 000 rows with a 100 000-row lookup took {:?}",
        o.took
    );
    let canonical = std::fs::read_to_string(case.p("out/canonical/deals.csv")).unwrap();
    let words = ["lead", "qualified", "proposal"];
    let mut lines = canonical.lines();
    assert_eq!(
        lines.next(),
        Some(
            "deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,lost_reason,client_id,refunded_on"
        )
    );
    let mut n = 0;
    for (i, line) in (1..).zip(lines) {
        let expected = format!(
            "{i},E{},2026-09-01,,open,{},{i}.50,no,,,",
            i % 50,
            words[furthest[i]]
        );
        assert_eq!(line, expected);
        n += 1;
    }
    assert_eq!(n, N);
    let report = std::fs::read_to_string(case.p("out/mapping-report.txt")).unwrap();
    let used = furthest.len() - 1; // every history row names some deal: all are looked up
    assert!(
        report.contains(&format!(
            "history.csv looked up: history by DEAL = ID ({}:14:21): 100000 rows read, 100000 kept ({used} looked up)\n",
            case.p("m.yaml").display()
        )),
        "{report}"
    );
}

/// `(a+)+$` against `aaaa…ab` takes exponential time in a backtracking engine; regex_lite
/// matches in time linear in the text. 2 000 cells of 5 000 characters are each refused
/// (bounded output) within seconds.
#[test]
fn a_catastrophic_regex_finishes_quickly() {
    let case = Case::new();
    let cell = format!("{}b", "a".repeat(5_000));
    let mut emails = String::from("ID,WHO,AT\n");
    for i in 0..2_000 {
        emails.push_str(&format!("{i},{cell},2026-10-01 10:00:00\n"));
    }
    case.write("data/mail.csv", &emails);
    case.write(
        "m.yaml",
        r#"
tables:
  emails:
    from: mail
    columns:
      email_id: ID
      employee_id: { column: WHO, pattern: '(a+)+$' }
      sent_at: AT
      direction: { value: outgoing }
"#,
    );
    let out = case.refused();
    assert!(out.contains(
        "[TMP]/data/mail.csv, row 2, column \"WHO\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"… (5 001 characters) does not match the pattern \"(a+)+$\" ([TMP]/m.yaml:7:20); expected a value it matches\n"
    ), "{out}");
    assert!(out.ends_with(
        "  [TMP]/data/mail.csv: … and 1980 more problems in values like the one at [TMP]/data/mail.csv, row 2, column \"WHO\" not listed\n"
    ), "{out}");
    // And where it matches, it takes the group.
    case.write(
        "data/mail.csv",
        &format!("ID,WHO,AT\n1,{},2026-10-01 10:00:00\n", "a".repeat(5_000)),
    );
    case.write(
        "m.yaml",
        &std::fs::read_to_string(case.p("m.yaml"))
            .unwrap()
            .replace("'(a+)+$'", "'^(a{3})(a+)+$'"),
    );
    let o = case.map();
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.took < Duration::from_secs(10));
    assert_eq!(
        std::fs::read_to_string(case.p("out/canonical/emails.csv")).unwrap(),
        "email_id,employee_id,sent_at,direction,client_id,opened_at\n1,aaa,2026-10-01 10:00:00,outgoing,,\n"
    );
}

const DEALS_HEAD: &str = "tables:
  deals:
    from: crm_deal
    columns:
      deal_id: ID
      employee_id: OWNER
      created_on: CREATED
      status: { value: open }
      stage: { value: lead }
      amount: SUM
";

fn small_deals(case: &Case) {
    let mut deals = String::from("ID,OWNER,CREATED,SUM,A\n");
    for i in 1..=1000 {
        deals.push_str(&format!("{i},E1,2026-09-01,{i},x\n"));
    }
    case.write("data/crm_deal.csv", &deals);
    let mut history = String::from("DEAL,STAGE_ID\n");
    for i in 1..=1000 {
        history.push_str(&format!("{i},NEW\n"));
    }
    case.write("data/history.csv", &history);
}

/// Each would be worked out on every row of the export (or hold a table in memory per
/// lookup, or copy a value list per column): thousands of lookups, a join of 20 000 parts, a
/// keep of 5 000 values, 3 000 columns each copying a 1 000-entry value list. Each is refused
/// at once, before the export is read; before the limits 3 000 lookups over a 100 000-row
/// table ran for minutes.
#[test]
fn mappings_of_thousands_of_parts_are_refused() {
    let case = Case::new();
    small_deals(&case);
    let lookups: Vec<String> = (0..3_000)
        .map(|_| "{ lookup: { from: history, match: { DEAL: ID }, take: STAGE_ID } }".to_string())
        .collect();
    case.write(
        "m.yaml",
        &format!(
            "{DEALS_HEAD}      lost_reason: {{ first_of: [{}] }}\n",
            lookups.join(", ")
        ),
    );
    let many_lookups = case.refused();

    case.write(
        "m.yaml",
        &format!(
            "{DEALS_HEAD}      lost_reason: {{ join: [{}] }}\n",
            vec!["A"; 20_000].join(", ")
        ),
    );
    let long_join = case.refused();

    let values: Vec<String> = (0..5_000).map(|i| format!("\"v{i}\"")).collect();
    case.write(
        "m.yaml",
        &DEALS_HEAD.replace(
            "    from: crm_deal\n",
            &format!(
                "    from: crm_deal\n    keep: {{ A: [{}] }}\n",
                values.join(", ")
            ),
        ),
    );
    let long_keep = case.refused();

    let entries: Vec<String> = (0..1_000).map(|i| format!("\"k{i}\": v")).collect();
    let parts: Vec<String> = (0..1_000)
        .map(|_| "{ column: A, map: big }".to_string())
        .collect();
    case.write(
        "m.yaml",
        &format!(
            "values:\n  big: {{ {} }}\n{DEALS_HEAD}      lost_reason: {{ first_of: [{}] }}\n",
            entries.join(", "),
            parts.join(", ")
        ),
    );
    let copies = case.refused();
    insta::assert_snapshot!([many_lookups, long_join, long_keep, copies].join("\n"));
}

/// first_of inside first_of, 1 000 deep: the YAML reader refuses it at its depth limit (64)
/// before anything recurses.
#[test]
fn deeply_nested_first_of_is_bounded_by_the_yaml_depth_limit() {
    let case = Case::new();
    small_deals(&case);
    let mut spec = "A".to_string();
    for _ in 0..1_000 {
        spec = format!("{{ first_of: [{spec}] }}");
    }
    case.write(
        "m.yaml",
        &format!("{DEALS_HEAD}      lost_reason: {spec}\n"),
    );
    let flow = case.refused();
    // The same in block style.
    let mut block = String::from("      lost_reason:\n");
    for depth in 0..100 {
        let pad = "  ".repeat(depth * 2 + 4);
        block.push_str(&format!("{pad}first_of:\n{pad}  -\n"));
    }
    block.push_str(&format!("{}A\n", "  ".repeat(204)));
    case.write("m.yaml", &format!("{DEALS_HEAD}{block}"));
    let blocks = case.refused();
    // Within the limit it works: 25 levels.
    let mut spec = "A".to_string();
    for _ in 0..25 {
        spec = format!("{{ first_of: [{spec}] }}");
    }
    case.write(
        "m.yaml",
        &format!("{DEALS_HEAD}      lost_reason: {spec}\n"),
    );
    let o = case.map();
    assert_eq!(o.code, 0, "{}", o.stderr);
    insta::assert_snapshot!(format!("{flow}\n{blocks}"));
}

/// `extends:` naming /dev/zero (endless), a FIFO (opening it would wait for a writer forever)
/// or a directory is refused at once.
#[test]
fn extends_of_dev_zero_a_fifo_or_a_folder_is_refused() {
    let case = Case::new();
    small_deals(&case);
    let made = Command::new("mkfifo")
        .arg(case.p("fifo.yaml"))
        .status()
        .unwrap();
    assert!(made.success());
    std::fs::create_dir_all(case.p("folder.yaml")).unwrap();
    let mut shown = Vec::new();
    for target in ["/dev/zero", "fifo.yaml", "folder.yaml", "/dev/stdin"] {
        case.write("m.yaml", &format!("extends: {target}\n{DEALS_HEAD}"));
        shown.push(case.refused());
    }
    insta::assert_snapshot!(shown.join("\n"));
}

/// A two-key lookup joined its keys with a separator character, so a cell holding that
/// character matched a row of other keys: deal (`1␟2`, `3`) found the row (`1`, `2␟3`).
#[test]
fn lookup_keys_with_a_separator_character_do_not_collide() {
    let case = Case::new();
    case.write(
        "data/crm_deal.csv",
        "ID,CAT,OWNER,CREATED,SUM\n1\u{1f}2,3,E1,2026-10-01,10\n7,8,E1,2026-10-01,20\n",
    );
    case.write(
        "data/uf.csv",
        "DEAL,CAT,REASON\n1,2\u{1f}3,price\n7,8,timing\n",
    );
    case.write(
        "m.yaml",
        &format!("{DEALS_HEAD}      lost_reason: {{ lookup: {{ from: uf, match: {{ DEAL: ID, CAT: CAT }}, take: REASON }} }}\n"),
    );
    let o = case.map();
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        std::fs::read_to_string(case.p("out/canonical/deals.csv")).unwrap(),
        "deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,lost_reason,client_id,refunded_on\n\
         1\u{1f}2,E1,2026-10-01,,open,lead,10,no,,,\n\
         7,E1,2026-10-01,,open,lead,20,no,timing,,\n"
    );
}

/// An export folder of 5 000 files the mapping does not read: the report lists 30 and counts
/// the rest, and finding them is not quadratic (it took 9 s in debug before).
#[test]
fn thousands_of_unread_files_are_listed_briefly() {
    let case = Case::new();
    small_deals(&case);
    for i in 0..5_000 {
        case.write(&format!("data/t{i:04}.csv"), "a\n1\n");
    }
    case.write("m.yaml", DEALS_HEAD);
    let o = case.map();
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.took < Duration::from_secs(5), "took {:?}", o.took);
    let report = std::fs::read_to_string(case.p("out/mapping-report.txt")).unwrap();
    let unread = report.split("Not read by the mapping:\n").nth(1).unwrap();
    let listed: Vec<&str> = unread.split("\n\n").next().unwrap().lines().collect();
    assert_eq!(listed.len(), 31, "{report}");
    assert_eq!(listed[30], "  … and 4971 more");
    assert!(listed[0].ends_with("/data/history.csv"), "{}", listed[0]);
}
