//! Inputs found by the fuzz targets (fuzz/, see docs/fuzzing.md), each run through the real
//! binary: it must end with exit code 0 or 2 (ok, or bad input listed), in bounded time, and
//! never with a panic. The inputs live in tests/hostile/fuzz/, named `<target>-<what>.<ext>`:
//!
//! - `scheme-*.yaml`: `incentive validate --schemes FILE`;
//! - `csv-<table>-*.csv` / `run-<table>-*.csv`: the file replaces `<table>.csv` in a copy of
//!   tests/fixtures/mini, then `incentive validate --data` (csv) or `incentive run` (run);
//! - `xlsx-*.xlsx`: `incentive validate --data FILE`.

// One helper per target; a target with no saved input yet leaves its helper unused.
#![allow(dead_code)]

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PERIOD: &str = "2026-10";

/// Longer than any valid run of these tiny inputs takes in a debug build; a hang is a failure.
const DEADLINE: Duration = Duration::from_secs(30);

fn crate_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// An exit code (-1: killed by a signal, or by us at the deadline) and the captured stderr.
struct Outcome {
    code: i32,
    stderr: String,
    elapsed: Duration,
}

/// Address space the binary may take: far more than these tiny inputs need, and a memory bomb
/// fails its test (allocation failure, exit by signal) instead of swamping the machine.
const MEMORY_KB: u64 = 4 * 1024 * 1024;

#[cfg(unix)]
fn command(args: &[OsString]) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(format!("ulimit -v {MEMORY_KB} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_incentive"))
        .args(args);
    c
}

#[cfg(not(unix))]
fn command(args: &[OsString]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_incentive"));
    c.args(args);
    c
}

/// Runs the binary, killing it at the deadline: a hang must fail the test, not stall the suite.
fn run(args: &[OsString]) -> Outcome {
    let start = Instant::now();
    let mut child = command(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the incentive binary starts");
    // Read stderr on a thread so a chatty child cannot block on a full pipe.
    let mut pipe = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    });
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait for the binary") {
            break status.code().unwrap_or(-1);
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            break -1;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = String::from_utf8_lossy(&reader.join().expect("stderr read")).into_owned();
    Outcome {
        code,
        stderr,
        elapsed: start.elapsed(),
    }
}

fn assert_handled(input: &str, outcome: &Outcome) {
    assert!(
        outcome.elapsed <= DEADLINE,
        "{input}: still running after {DEADLINE:?} (killed)"
    );
    assert!(
        !outcome.stderr.contains("panicked"),
        "{input}: the binary panicked:\n{}",
        outcome.stderr
    );
    assert!(
        outcome.code == 0 || outcome.code == 2,
        "{input}: exit code {} (expected 0, or 2 for bad input); stderr:\n{}",
        outcome.code,
        outcome.stderr
    );
}

fn hostile(name: &str) -> PathBuf {
    let path = crate_path("tests/hostile/fuzz").join(name);
    assert!(path.is_file(), "{} is missing", path.display());
    path
}

fn scheme_case(name: &str) {
    let file = hostile(name);
    let outcome = run(&["validate".into(), "--schemes".into(), file.into()]);
    assert_handled(name, &outcome);
}

/// The mini fixture copied into a temporary folder, with `table.csv` replaced by the input.
fn mini_with(table: &str, input: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for entry in std::fs::read_dir(crate_path("tests/fixtures/mini")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, data.join(path.file_name().unwrap())).unwrap();
    }
    let target = data.join(format!("{table}.csv"));
    assert!(
        target.is_file(),
        "{table} is not a table of the mini fixture"
    );
    std::fs::copy(input, target).unwrap();
    tmp
}

fn csv_case(table: &str, name: &str) {
    let tmp = mini_with(table, &hostile(name));
    let outcome = run(&[
        "validate".into(),
        "--data".into(),
        tmp.path().join("data").into(),
        "--period".into(),
        PERIOD.into(),
    ]);
    assert_handled(name, &outcome);
}

fn run_case(table: &str, name: &str) {
    let tmp = mini_with(table, &hostile(name));
    let outcome = run(&[
        "run".into(),
        "--data".into(),
        tmp.path().join("data").into(),
        "--period".into(),
        PERIOD.into(),
        "--out".into(),
        tmp.path().join("out").into(),
    ]);
    assert_handled(name, &outcome);
}

fn xlsx_case(name: &str) {
    let file = hostile(name);
    let outcome = run(&[
        "validate".into(),
        "--data".into(),
        file.into(),
        "--period".into(),
        PERIOD.into(),
    ]);
    assert_handled(name, &outcome);
}

/// Every saved input has a test below: a file added without one would never be run.
const CASES: &[&str] = &[
    "run-plans-a-lone-utf8-lead-byte.csv",
    "xlsx-cell-column-huge.xlsx",
    "xlsx-cell-column-overflow.xlsx",
    "xlsx-dimension-reversed.xlsx",
    "xlsx-row-index-overflow.xlsx",
    "xlsx-row-number-overflow.xlsx",
];

/// `<c r="AAAAAAAA2">`: calamine's cell-reference parser (xlsx/mod.rs
/// `get_row_and_optional_column`) computes the column as `col * 26 + …` in a u32 and overflows
/// on the 8th letter: a panic with overflow checks (debug builds), a wrapped column of about
/// 4e9 in release, which then takes the memory bomb of `xlsx_huge_column`.
#[test]

fn xlsx_cell_column_overflow() {
    xlsx_case("xlsx-cell-column-overflow.xlsx");
}

/// `<row r="99999999999">`: the same parser overflows `row * 10` (calamine `get_row`): a panic
/// in debug builds, a wrong row number in messages in release.
#[test]

fn xlsx_row_number_overflow() {
    xlsx_case("xlsx-row-number-overflow.xlsx");
}

/// `<row r="4294967295">…</row><row></row>`: calamine's streaming cell reader
/// (xlsx/cells_reader.rs `next_cell_formula_record_impl`) does `self.row_index += 1` at each
/// `</row>`; after the last possible row it overflows: a panic in debug builds, row numbers
/// wrapping to 0 in release.
#[test]

fn xlsx_row_index_overflow() {
    xlsx_case("xlsx-row-index-overflow.xlsx");
}

/// `<dimension ref="D1:A2"/>`: calamine's `get_dimension` (xlsx/mod.rs) subtracts the start
/// column from the end column in a u32 before any check: a panic in debug builds (a warning
/// only in release). Found with the overflows above masked, in a second short run.
#[test]
fn xlsx_dimension_reversed() {
    xlsx_case("xlsx-dimension-reversed.xlsx");
}

/// `<c r="ZZZZZZ2">`: a valid-looking column 321 272 406 (Excel stops at XFD = 16 384);
/// src/data/source.rs `read_xlsx_streaming` does `cells.resize(col + 1)`, asking for 10 GB.
#[test]

fn xlsx_cell_column_huge() {
    xlsx_case("xlsx-cell-column-huge.xlsx");
}

/// A plans.csv of the one byte `F0` (a UTF-8 lead byte with nothing after it): sniffed as a
/// legacy encoding, then src/data/encoding.rs `Decoded` called the decoder again after it had
/// been told the input ended, when the CSV reader read on: encoding_rs panics ("Must not use a
/// decoder that has finished"). Found by the whole-run target.
#[test]
fn run_plans_a_lone_utf8_lead_byte() {
    run_case("plans", "run-plans-a-lone-utf8-lead-byte.csv");
}

#[test]
fn every_saved_input_has_a_test() {
    let dir = crate_path("tests/hostile/fuzz");
    let mut files: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    let mut cases: Vec<String> = CASES.iter().map(|s| s.to_string()).collect();
    cases.sort();
    assert_eq!(files, cases);
}

/// The harness itself: the untouched fixture passes, and a crash of the binary would be seen.
#[test]
fn the_harness_accepts_the_valid_fixture() {
    let tmp = mini_with("nps", &crate_path("tests/fixtures/mini/nps.csv"));
    let data: OsString = tmp.path().join("data").into();
    let outcome = run(&[
        "validate".into(),
        "--data".into(),
        data,
        "--period".into(),
        PERIOD.into(),
    ]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert_handled("the mini fixture", &outcome);
}

#[test]
fn the_harness_rejects_a_panic() {
    let outcome = Outcome {
        code: 101,
        stderr: "thread 'main' panicked at src/x.rs:1:1".into(),
        elapsed: Duration::ZERO,
    };
    let caught = std::panic::catch_unwind(|| assert_handled("a panic", &outcome));
    assert!(caught.is_err());
}
