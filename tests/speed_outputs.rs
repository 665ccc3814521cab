//! Issue 13's writing side, end to end through the binary: `run --no-statements` (every output
//! but statements/), `--timings` (wall time per stage on stderr), progress that stays off when
//! stderr is not a terminal, and the parallel statement writer giving the serial path's bytes.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

const DATA: &str = "samples/2026-10-csv";

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    common::files_under(dir)
        .into_iter()
        .map(|rel| {
            let bytes = std::fs::read(dir.join(&rel)).unwrap();
            (rel, bytes)
        })
        .collect()
}

fn run_sample(out: &Path, extra: &[&str], tmp: &Path) -> common::Outcome {
    let mut args = vec![
        "run".to_string(),
        "--data".into(),
        DATA.into(),
        "--period".into(),
        "2026-10".into(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    common::run(&args, tmp)
}

#[test]
fn no_statements_writes_every_other_output_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let (full, quick) = (tmp.path().join("full"), tmp.path().join("quick"));
    let a = run_sample(&full, &[], tmp.path());
    assert_eq!(a.code, 0, "{}", a.stderr);
    let b = run_sample(&quick, &["--no-statements"], tmp.path());
    assert_eq!(b.code, 0, "{}", b.stderr);
    assert_eq!(b.stderr, "");
    insta::assert_snapshot!(b.stdout, @r"
    2026-10: 30 employees, total 9119620.35 KZT
    payroll:  [TMP]/quick/payroll.csv
    workbook: [TMP]/quick/payouts.xlsx
    statements: not written (--no-statements)
    manifest: [TMP]/quick/run.json
    ");
    let (full_files, quick_files) = (files(&full), files(&quick));
    assert_eq!(
        quick_files.keys().collect::<Vec<_>>(),
        ["payouts.xlsx", "payroll.csv", "run.json"]
    );
    assert_eq!(
        full_files
            .keys()
            .filter(|k| k.starts_with("statements/"))
            .count(),
        30
    );
    // The same payroll and the same workbook, byte for byte.
    assert!(quick_files["payroll.csv"] == full_files["payroll.csv"]);
    assert!(quick_files["payouts.xlsx"] == full_files["payouts.xlsx"]);
    // run.json says so, and names no statement file; otherwise it is the full run's.
    let json = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).unwrap();
    let (mut f, q) = (
        json(&full_files["run.json"]),
        json(&quick_files["run.json"]),
    );
    assert_eq!(q["no_statements"], serde_json::Value::Bool(true));
    assert!(f.get("no_statements").is_none(), "written only when set");
    for e in q["employees"].as_array().unwrap() {
        assert_eq!(e["statement"], "", "{e}");
    }
    f["no_statements"] = serde_json::Value::Bool(true);
    for e in f["employees"].as_array_mut().unwrap() {
        e["statement"] = "".into();
    }
    assert_eq!(f, q);
    // verify recomputes such a run as any other, and diff finds nothing between the two.
    let v = common::run(
        &["verify".to_string(), quick.display().to_string()],
        tmp.path(),
    );
    assert_eq!(v.code, 0, "{}", v.stderr);
    insta::assert_snapshot!(v.stdout, @"verified: 30 employees, period 2026-10, every amount matches the recorded run (total 9119620.35)");
    let d = common::run(
        &[
            "diff".to_string(),
            full.display().to_string(),
            quick.display().to_string(),
        ],
        tmp.path(),
    );
    assert_eq!(d.code, 0, "{}", d.stderr);
    // A rerun without statements over a full run leaves exactly its own files.
    let c = run_sample(&full, &["--no-statements", "--force"], tmp.path());
    assert_eq!(c.code, 0, "{}", c.stderr);
    assert_eq!(
        common::files_under(&full),
        ["payouts.xlsx", "payroll.csv", "run.json"]
    );
}

#[test]
fn no_statements_is_refused_for_a_run_during_the_month() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = run_sample(
        &out,
        &["--no-statements", "--as-of", "2026-10-15"],
        tmp.path(),
    );
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    insta::assert_snapshot!(r.stderr, @r"
    error: 1 problem in the input; nothing was written:
      --no-statements: a run during the month (--as-of) writes only statements; run without --no-statements
    ");
    assert!(!out.exists(), "nothing is written");
}

/// `--timings` lines with the seconds replaced, so that the stages can be snapshotted.
fn stages(stderr: &str) -> String {
    stderr
        .lines()
        .map(|l| match l.rfind(" s") {
            Some(i) if l[..i].trim_end().ends_with(|c: char| c.is_ascii_digit()) => {
                let head = l[..i].trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
                format!("{} [T] s{}", head.trim_end(), &l[i + 2..])
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn timings_list_every_stage_on_stderr_and_change_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let (plain, timed) = (tmp.path().join("plain"), tmp.path().join("timed"));
    let a = run_sample(&plain, &[], tmp.path());
    assert_eq!(a.code, 0, "{}", a.stderr);
    // stderr is not a terminal here: no progress, nothing but the timings.
    assert_eq!(a.stderr, "");
    // On one thread the stages follow one another; on two, payouts.xlsx is written beside the
    // statements (timed on its own thread, listed inside the stage they share), and the larger
    // CSV files are read on two lanes. The rows stage counts the rows read (what a terminal's
    // progress shows), the same on one thread and two.
    let serial = run_with_threads(&timed, "1", &["--timings", "--quiet"]);
    assert!(serial.status.success());
    let stderr = String::from_utf8_lossy(&serial.stderr);
    insta::assert_snapshot!(stages(&stderr), @r"
    timings (wall clock):
      read and evaluate [T] s
        schemes, roster, plans [T] s
        rows, evaluate, score [T] s  134339
        payouts [T] s
      payroll.csv [T] s
      payouts.xlsx [T] s
      statements [T] s  30
      run.json [T] s
      publish [T] s
      total [T] s
    ");
    assert!(
        files(&plain) == files(&timed),
        "the same files, byte for byte"
    );
    std::fs::remove_dir_all(&timed).unwrap();
    let b = run_with_threads(&timed, "2", &["--timings", "--quiet"]);
    assert!(b.status.success());
    assert_eq!(
        String::from_utf8_lossy(&b.stdout).replace(&tmp.path().display().to_string(), "[TMP]"),
        a.stdout.replace("/plain/", "/timed/")
    );
    insta::assert_snapshot!(stages(&String::from_utf8_lossy(&b.stderr)), @r#"
    timings (wall clock):
      read and evaluate [T] s
        schemes, roster, plans [T] s
        rows, evaluate, score [T] s  134339
          table "calls" on lanes [T] s  2
          table "emails" on lanes [T] s  2
          table "deals" on lanes [T] s  2
        payouts [T] s
      payroll.csv [T] s
      payouts.xlsx and statements [T] s
        statements [T] s  30
        payouts.xlsx [T] s
      run.json [T] s
      publish [T] s
      total [T] s
    "#);
    assert!(
        files(&plain) == files(&timed),
        "the same files, byte for byte"
    );
    // Timings are printed when the run fails too, up to where it stopped.
    let c = run_sample(&timed, &["--timings"], tmp.path());
    assert_eq!(c.code, 1);
    insta::assert_snapshot!(stages(&c.stderr), @r"
    timings (wall clock):
      total [T] s
    error: [TMP]/timed: the output folder is not empty; choose another --out or pass --force to overwrite
    ");
}

fn run_with_threads(out: &Path, threads: &str, extra: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_incentive"))
        .args(["run", "--data", DATA, "--period", "2026-10", "--out"])
        .arg(out)
        .args(extra)
        .env("INCENTIVE_THREADS", threads)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

#[test]
fn parallel_writers_give_the_serial_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for threads in ["1", "2", "7"] {
        let out = tmp.path().join(format!("t{threads}"));
        let o = run_with_threads(&out, threads, &[]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(String::from_utf8_lossy(&o.stderr), "");
        let stdout = String::from_utf8_lossy(&o.stdout).replace(&out.display().to_string(), "OUT");
        runs.push((threads, stdout, files(&out)));
    }
    let (_, serial_stdout, serial) = &runs[0];
    assert_eq!(
        serial
            .keys()
            .filter(|k| k.starts_with("statements/"))
            .count(),
        30
    );
    for (threads, stdout, files) in &runs[1..] {
        assert_eq!(stdout, serial_stdout, "INCENTIVE_THREADS={threads}");
        assert_eq!(
            files.keys().collect::<Vec<_>>(),
            serial.keys().collect::<Vec<_>>()
        );
        for (name, bytes) in serial {
            assert!(
                &files[name] == bytes,
                "{name} differs between INCENTIVE_THREADS=1 and {threads}"
            );
        }
    }
}

#[test]
fn a_thread_count_out_of_range_is_refused_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut shown = String::new();
    for bad in ["0", "two", "65", "-1", &"9".repeat(300)] {
        let o = run_with_threads(&out, bad, &[]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(o.stdout.is_empty());
        shown += &String::from_utf8_lossy(&o.stderr);
        assert!(!out.exists(), "nothing is written for {bad}");
    }
    insta::assert_snapshot!(shown, @r#"
    error: 1 problem in the input; nothing was written:
      INCENTIVE_THREADS: "0" is not a number of threads; expected a whole number from 1 (serial) to 64, or leave it unset to use every core
    error: 1 problem in the input; nothing was written:
      INCENTIVE_THREADS: "two" is not a number of threads; expected a whole number from 1 (serial) to 64, or leave it unset to use every core
    error: 1 problem in the input; nothing was written:
      INCENTIVE_THREADS: "65" is not a number of threads; expected a whole number from 1 (serial) to 64, or leave it unset to use every core
    error: 1 problem in the input; nothing was written:
      INCENTIVE_THREADS: "-1" is not a number of threads; expected a whole number from 1 (serial) to 64, or leave it unset to use every core
    error: 1 problem in the input; nothing was written:
      INCENTIVE_THREADS: "999999999999999999999999999999999999999999999999999999999999"… (300 characters) is not a number of threads; expected a whole number from 1 (serial) to 64, or leave it unset to use every core
    "#);
}
