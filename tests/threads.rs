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
    // The calls sheet (19.8 MB of XML) was parsed in pieces on the two threads, every piece
    // taken (`--timings` counts them); on one thread it is read by one reader.
    assert_eq!(
        sheets_in_pieces(&["--data", "samples/2026-10.xlsx"], "2"),
        ["sheet \"calls\" in pieces  76"]
    );
    assert!(sheets_in_pieces(&["--data", "samples/2026-10.xlsx"], "1").is_empty());
}

/// The lines of `incentive run ARGS --period 2026-10 --timings` that say how a sheet or the
/// shared strings were read in pieces, or a table on lanes, with their seconds left out.
fn sheets_in_pieces(args: &[&str], threads: &str) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let mut all = vec!["run", "--period", "2026-10", "--no-statements", "--timings"];
    all.extend_from_slice(args);
    let out = run(&all, threads, tmp.path());
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            l.starts_with("sheet ") || l.starts_with("shared strings") || l.starts_with("table ")
        })
        .map(|l| {
            let (label, rest) = l.trim().split_once("  ").unwrap();
            let count = rest.rsplit_once(" s").map_or("", |(_, c)| c);
            format!("{}{count}", label.trim())
        })
        .collect()
}

/// A calls sheet whose rows hide places that look like a cut (a row's tag inside a comment
/// every 5 000 rows): from the first such piece the sheet is read by one reader, and the
/// problems are a serial read's, in the same order.
#[test]
fn a_sheet_whose_pieces_cannot_all_be_taken_reads_the_same_on_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("comments.xlsx");
    sample_workbook(&book, |xml| {
        let mut out = String::with_capacity(xml.len() + 10_000);
        for (i, row) in xml.split_inclusive("</row>").enumerate() {
            out.push_str(row);
            if i % 5_000 == 4_999 {
                out.push_str("<!-- <row r=\"1\"> -->");
            }
        }
        out
    });
    let book = book.display().to_string();
    // The calls are spoilt (see spoil_calls): the same problems, nothing written.
    refused_alike(
        &["run", "--data", book.as_str(), "--period", "2026-10"],
        tmp.path(),
    );
    // Every cell is a text here, so the shared strings are large enough to be read in pieces.
    let how = sheets_in_pieces(&["--data", book.as_str()], "2");
    assert_eq!(how.len(), 2, "{how:?}");
    assert_eq!(how[0], "shared strings in pieces  30");
    assert!(
        how[1].starts_with("sheet \"calls\" in pieces, then whole  "),
        "{how:?}"
    );
}

/// The workbook is hashed for run.json on a thread of its own while it is opened: the hash is
/// the file's, on one thread and on two.
#[test]
fn the_workbook_hash_in_run_json_is_the_files_own() {
    let tmp = tempfile::tempdir().unwrap();
    let want = incentive::results::sha256_file(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/2026-10.xlsx"
    )))
    .unwrap();
    for threads in ["1", "2"] {
        let out = run(
            &[
                "run",
                "--data",
                "samples/2026-10.xlsx",
                "--period",
                "2026-10",
                "--no-statements",
            ],
            threads,
            tmp.path(),
        );
        assert!(out.status.success());
        let text = std::fs::read_to_string(tmp.path().join(threads).join("run.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let files = json["data"]["files"].as_array().unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(
            files[0]["sha256"],
            want.as_str(),
            "INCENTIVE_THREADS={threads}"
        );
    }
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
    // The files of at least 128 KiB were read on two lanes, each into its own part of the
    // evaluation; on one thread every table is read as one.
    assert_eq!(
        sheets_in_pieces(&["--data", "samples/2026-10-csv"], "2"),
        [
            "table \"calls\" on lanes  2",
            "table \"emails\" on lanes  2",
            "table \"deals\" on lanes  2"
        ]
    );
    assert!(sheets_in_pieces(&["--data", "samples/2026-10-csv"], "1").is_empty());
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

#[test]
fn a_compare_over_months_scores_the_same_on_two_threads() {
    let names = same_outputs(&[
        "compare",
        "--data",
        "samples/2026-10.xlsx",
        "--period",
        "2026-07..2026-10",
        "--candidate",
        "transactional-5min",
        "--current",
        "transactional",
    ]);
    assert_eq!(names, ["compare.xlsx"]);
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
    let stderr = refused_alike(
        &["run", "--data", data.as_str(), "--period", "2026-10"],
        tmp.path(),
    );
    assert!(stderr.contains("calls.csv, row"), "{stderr}");
    // The calls were read on lanes, found wanting, and read again as one for the problems.
    assert!(
        sheets_in_pieces(&["--data", data.as_str()], "2")
            .contains(&"table \"calls\" on lanes, then as one  2".to_string())
    );
}

/// Each lane finds duplicates among its own rows; an id whose two rows went to different lanes
/// is found when the lanes end. Either way the table is read again as one, which reports it as
/// a serial read does: the second row, pointing at the first.
#[test]
fn an_id_twice_in_a_file_read_on_lanes_is_refused_as_when_read_as_one() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    common::copy_dir(&common::crate_path("samples/2026-10-csv"), &data);
    let calls = std::fs::read_to_string(data.join("calls.csv")).unwrap();
    let lines: Vec<&str> = calls.lines().collect();
    // The first call again at the end, and the middle one right after itself.
    let middle = lines.len() / 2;
    let mut spoilt: Vec<&str> = lines.clone();
    spoilt.insert(middle + 1, lines[middle]);
    spoilt.push(lines[1]);
    std::fs::write(data.join("calls.csv"), spoilt.join("\n") + "\n").unwrap();
    let data = data.display().to_string();
    let stderr = refused_alike(
        &["run", "--data", data.as_str(), "--period", "2026-10"],
        tmp.path(),
    );
    let id = |line: &str| line.split(',').next().unwrap().to_string();
    let (first, second) = (id(lines[1]), id(lines[middle]));
    assert!(
        stderr.contains(&format!(
            "row {}, column \"call_id\": duplicate call_id \"{first}\" (first at row 2)",
            spoilt.len()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "row {}, column \"call_id\": duplicate call_id \"{second}\" (first at row {})",
            middle + 2,
            middle + 1
        )),
        "{stderr}"
    );
    assert!(
        sheets_in_pieces(&["--data", data.as_str()], "2")
            .contains(&"table \"calls\" on lanes, then as one  2".to_string())
    );
}

/// Runs `args` serially and on two threads in `dir`: both refuse the input (exit code 2) with
/// the same problems and write nothing. Returns the problems.
fn refused_alike(args: &[&str], dir: &Path) -> String {
    let serial = run(args, "1", dir);
    let parallel = run(args, "2", dir);
    assert_eq!(serial.status.code(), Some(2));
    assert_eq!(parallel.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&serial.stderr).into_owned();
    assert_eq!(stderr, String::from_utf8_lossy(&parallel.stderr));
    assert_eq!(serial.stdout, parallel.stdout);
    assert!(!dir.join("1").exists() && !dir.join("2").exists());
    stderr
}

/// Bad rows all through the sample's calls (a word for a duration, a month 13, a duplicate id)
/// every 997 rows, as in [`bad_input_gives_the_same_problems_on_two_threads`].
fn spoil_calls(rows: &mut [Vec<String>]) {
    let first = rows[1].clone();
    for (k, i) in (1..rows.len()).step_by(997).enumerate() {
        match k % 3 {
            0 => rows[i][4] = "not-a-number".to_string(),
            1 => rows[i] = first.clone(),
            _ => {
                for cell in &mut rows[i] {
                    *cell = cell.replacen("2026-10-", "2026-13-", 1);
                }
            }
        }
    }
}

/// A workbook of the sample's tables, every cell a text, the calls spoilt by [`spoil_calls`],
/// a deal repeated every 53 rows, and `change` applied to the calls sheet's XML.
fn sample_workbook(path: &Path, change: impl Fn(String) -> String) {
    use rust_xlsxwriter::Workbook;
    let folder = common::crate_path("samples/2026-10-csv");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    names.sort();
    let mut book = Workbook::new();
    let mut calls_sheet = 0;
    for (i, name) in names.iter().enumerate() {
        let table = name.trim_end_matches(".csv");
        let mut rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(folder.join(name))
            .unwrap()
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        if table == "calls" {
            calls_sheet = i + 1;
            assert!(
                rows.len() > 10_000,
                "the sample has {} call rows",
                rows.len()
            );
            spoil_calls(&mut rows);
        }
        if table == "deals" {
            // Read in the other lane while the calls are read: its problems (duplicate ids)
            // come in between the calls' in time, and must still follow them in the report.
            let first = rows[1].clone();
            for i in (2..rows.len()).step_by(53) {
                rows[i] = first.clone();
            }
        }
        let sheet = book.add_worksheet();
        sheet.set_name(table).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, field) in row.iter().enumerate() {
                if !field.is_empty() {
                    sheet.write_string(r as u32, c as u16, field).unwrap();
                }
            }
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    // The calls sheet's XML changed, every other part copied as it is.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let calls_part = format!("xl/worksheets/sheet{calls_sheet}.xml");
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).unwrap();
        let name = part.name().unwrap().to_string();
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut part, &mut text).unwrap();
        if name == calls_part {
            text = change(String::from_utf8(text).unwrap()).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut out, &text).unwrap();
    }
    out.finish().unwrap();
}

/// The same from a workbook, where calamine parses the calls sheet on one thread and the
/// other sheets on another, at once, and hands their cells over: duplicate deals, and wrong
/// values all through a calls sheet of many batches, then, about 20 KB
/// before its end, a cell calamine cannot read (of a type `zz`), or a cell out of the sheet's
/// order, which the taking side finds. Either stops the reading: the same problems in the same
/// order, the same exit code.
#[test]
fn a_damaged_workbook_gives_the_same_problems_on_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    for (case, cell, says) in [
        ("unreadable", r#"<c t="zz"><v>1</v></c>"#, "zz"),
        ("out-of-order", r#"<c r="A2"><v>1</v></c>"#, "comes after"),
    ] {
        let book = tmp.path().join(format!("{case}.xlsx"));
        sample_workbook(&book, |mut xml| {
            assert!(
                xml.len() > 1_000_000,
                "the calls sheet is {} bytes",
                xml.len()
            );
            let near_end = xml.len() - 20_000;
            let at = xml[near_end..].find("<c ").unwrap() + near_end;
            xml.insert_str(at, cell);
            xml
        });
        let book = book.display().to_string();
        let args = ["run", "--data", book.as_str(), "--period", "2026-10"];
        let stderr = refused_alike(&args, &tmp.path().join(case));
        assert!(stderr.contains("not-a-number"), "{case}: {stderr}");
        assert!(stderr.contains(says), "{case}: {stderr}");
        assert!(
            stderr.contains("sheet \"deals\"") && stderr.contains("duplicate deal_id"),
            "{case}: {stderr}"
        );
    }
}
