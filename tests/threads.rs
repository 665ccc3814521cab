//! Reading on two threads (a reader thread unpacking XML or splitting CSV, the main thread
//! typing and aggregating) gives the bytes a serial read gives: every output file, and for bad
//! input the same problems and exit code. `INCENTIVE_THREADS=1` is the serial path.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    common::files_under(dir)
        .into_iter()
        .map(|rel| {
            let bytes = std::fs::read(dir.join(&rel)).unwrap();
            (rel, bytes)
        })
        .collect()
}

/// `incentive ARGS --out <tmp>/<threads>` with `INCENTIVE_THREADS=<threads>`.
fn run(args: &[&str], threads: &str, tmp: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_incentive"))
        .args(args)
        .arg("--out")
        .arg(tmp.join(threads))
        .env("INCENTIVE_THREADS", threads)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

/// Runs `args` serially and on two threads; both succeed and write the same files, byte for
/// byte. Returns the names of the files written.
fn same_outputs(args: &[&str]) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let outputs: Vec<BTreeMap<String, Vec<u8>>> = ["1", "2"]
        .iter()
        .map(|threads| {
            let out = run(args, threads, tmp.path());
            assert!(
                out.status.success(),
                "INCENTIVE_THREADS={threads}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            files(&tmp.path().join(threads))
        })
        .collect();
    let (serial, parallel) = (&outputs[0], &outputs[1]);
    assert_eq!(
        serial.keys().collect::<Vec<_>>(),
        parallel.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in serial {
        assert!(
            bytes == &parallel[name],
            "{name} differs between a serial and a two-thread read"
        );
    }
    serial.keys().cloned().collect()
}

#[test]
fn the_sample_workbook_reads_the_same_on_two_threads() {
    let names = same_outputs(&[
        "run",
        "--data",
        "samples/2026-10.xlsx",
        "--period",
        "2026-10",
    ]);
    for want in ["payroll.csv", "payouts.xlsx", "run.json"] {
        assert!(names.iter().any(|n| n == want), "{names:?}");
    }
    assert_eq!(
        names.iter().filter(|n| n.starts_with("statements")).count(),
        30,
        "{names:?}"
    );
}

#[test]
fn the_sample_csv_folder_reads_the_same_on_two_threads() {
    let names = same_outputs(&[
        "run",
        "--data",
        "samples/2026-10-csv",
        "--period",
        "2026-10",
    ]);
    assert!(names.iter().any(|n| n == "payroll.csv"), "{names:?}");
}

#[test]
fn a_crm_export_through_a_mapping_reads_the_same_on_two_threads() {
    let names = same_outputs(&[
        "run",
        "--data",
        "samples/2026-10-bitrix24",
        "--mapping",
        "mappings/examples/sample-bitrix24.yaml",
        "--period",
        "2026-10",
    ]);
    assert!(names.iter().any(|n| n == "payroll.csv"), "{names:?}");
}

/// Bad rows all through a file larger than one batch (broken lines, wrong values, duplicates,
/// and a line the CSV reader cannot read at the end): the same problems, in the same order,
/// the same exit code, nothing written.
#[test]
fn bad_input_gives_the_same_problems_on_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    common::copy_dir(&common::crate_path("samples/2026-10-csv"), &data);
    let calls = std::fs::read_to_string(data.join("calls.csv")).unwrap();
    let mut lines: Vec<String> = calls.lines().map(str::to_string).collect();
    let n = lines.len();
    assert!(n > 10_000, "the sample has {n} call lines");
    for (k, i) in (1..n).step_by(997).enumerate() {
        lines[i] = match k % 4 {
            0 => lines[i].replacen(',', ",,", 1),
            1 => {
                let mut fields: Vec<&str> = lines[i].split(',').collect();
                fields[4] = "not-a-number";
                fields.join(",")
            }
            2 => lines[1].clone(),
            _ => lines[i].replacen("2026-10-", "2026-13-", 1),
        };
    }
    let mut text = lines.join("\n");
    text.push_str("\n\"an unclosed quote,1\n");
    std::fs::write(data.join("calls.csv"), text).unwrap();
    let data = data.display().to_string();
    let args = ["run", "--data", data.as_str(), "--period", "2026-10"];
    let serial = run(&args, "1", tmp.path());
    let parallel = run(&args, "2", tmp.path());
    assert_eq!(serial.status.code(), Some(2));
    assert_eq!(parallel.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&serial.stderr);
    assert!(stderr.contains("calls.csv, row"), "{stderr}");
    assert_eq!(stderr, String::from_utf8_lossy(&parallel.stderr));
    assert_eq!(serial.stdout, parallel.stdout);
    assert!(!tmp.path().join("1").exists() && !tmp.path().join("2").exists());
}
