//! The output folder through the real binary: nothing is ever written outside `--out` whatever
//! the employee ids; after a run the folder holds exactly that run's files; a killed run leaves
//! the folder as it was or complete; final runs are never overwritten; two runs at once do not
//! mix; a closed stdout ends a command quietly; a hand-edited run.json is reported as such.

mod common;

use common::{Outcome, crate_path, run};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A copy of the mini fixture in `tmp/<name>/`, with `edit` applied to employees.csv.
fn mini(tmp: &Path, name: &str, edit: impl FnOnce(&str) -> String) -> PathBuf {
    let dir = tmp.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(crate_path("tests/fixtures/mini")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    let roster = dir.join("employees.csv");
    let text = std::fs::read_to_string(&roster).unwrap();
    std::fs::write(&roster, edit(&text)).unwrap();
    dir
}

/// Renames employee E2 to `id` in every table of a mini copy (so the run stays valid).
fn rename_e2(dir: &Path, id: &str) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let renamed: String = text
            .lines()
            .map(|l| {
                let fields: Vec<&str> = l.split(',').collect();
                let out: Vec<String> = fields
                    .iter()
                    .map(|f| {
                        if *f == "E2" {
                            id.to_string()
                        } else {
                            f.to_string()
                        }
                    })
                    .collect();
                format!("{}\n", out.join(","))
            })
            .collect();
        std::fs::write(&path, renamed).unwrap();
    }
}

fn incentive(args: &[&str], tmp: &Path) -> Outcome {
    run(args, tmp)
}

fn run_mini(data: &Path, out: &Path, extra: &[&str], tmp: &Path) -> Outcome {
    let mut args = vec![
        "run",
        "--data",
        data.to_str().unwrap(),
        "--period",
        "2026-10",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    incentive(&args, tmp)
}

/// Every file under `dir` (not following links) with its bytes, by relative path.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

/// `incentive run --data DATA --period 2026-10 --out OUT [--force]`, not yet started, output
/// discarded (the kill and race tests start it their own way).
fn run_command(data: &Path, out: &Path, force: bool) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_incentive"));
    c.args(["run", "--data"])
        .arg(data)
        .args(["--period", "2026-10", "--out"])
        .arg(out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if force {
        c.arg("--force");
    }
    c
}

fn names(dir: &Path) -> Vec<String> {
    contents(dir).into_keys().collect()
}

#[test]
fn ids_that_are_not_safe_file_names_never_leave_the_output_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let data = mini(tmp.path(), "data", |t| t.to_string());
    rename_e2(&data, "../../evil");
    let work = tmp.path().join("a").join("b");
    let out = work.join("out");
    let r = run_mini(&data, &out, &[], tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!tmp.path().join("evil.xlsx").exists());
    assert!(!tmp.path().join("a").join("evil.xlsx").exists());
    let all = names(tmp.path());
    let outside: Vec<&String> = all
        .iter()
        .filter(|n| !n.starts_with("a/b/out/") && !n.starts_with("data/"))
        .collect();
    assert!(outside.is_empty(), "written outside --out: {outside:?}");
    insta::assert_snapshot!("unsafe_ids_listing", names(&out).join("\n"));
    // run.json says which statement is whose.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    let statements: Vec<(String, String)> = manifest["employees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["employee_id"].as_str().unwrap().to_string(),
                e["statement"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        statements,
        [
            (
                "../../evil".into(),
                "statements/______evil~0fbfd372a4.xlsx".into()
            ),
            ("E1".into(), "statements/E1.xlsx".into()),
            ("E3".into(), "statements/E3.xlsx".into()),
        ]
    );
}

#[test]
fn ids_differing_only_in_case_get_distinct_statements() {
    let tmp = tempfile::tempdir().unwrap();
    let data = mini(tmp.path(), "data", |t| t.to_string());
    rename_e2(&data, "e1");
    let out = tmp.path().join("out");
    let r = run_mini(&data, &out, &[], tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let statements: Vec<String> = names(&out)
        .into_iter()
        .filter(|n| n.starts_with("statements/"))
        .collect();
    let mut folded: Vec<String> = statements.iter().map(|s| s.to_lowercase()).collect();
    folded.dedup();
    assert_eq!(folded.len(), 3, "{statements:?}");
    insta::assert_snapshot!("case_ids_statements", statements.join("\n"));
}

#[test]
fn force_leaves_exactly_the_new_runs_files() {
    let tmp = tempfile::tempdir().unwrap();
    let data = mini(tmp.path(), "data", |t| t.to_string());
    let out = tmp.path().join("out");
    assert_eq!(run_mini(&data, &out, &[], tmp.path()).code, 0);
    assert!(out.join("statements/E3.xlsx").exists());
    // E3 leaves the roster: the next run must not leave E3's old statement beside it.
    let smaller = mini(tmp.path(), "data2", |t| {
        t.lines()
            .filter(|l| !l.starts_with("E3,"))
            .map(|l| format!("{l}\n"))
            .collect()
    });
    let r = run_mini(&smaller, &out, &["--force"], tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        names(&out),
        [
            "payouts.xlsx",
            "payroll.csv",
            "run.json",
            "statements/E1.xlsx",
            "statements/E2.xlsx"
        ]
    );
    // The same as a fresh run of the second data into an empty folder.
    let fresh = tmp.path().join("fresh");
    assert_eq!(run_mini(&smaller, &fresh, &[], tmp.path()).code, 0);
    assert_eq!(contents(&out), contents(&fresh));
}

#[test]
fn force_never_replaces_files_incentive_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let data = mini(tmp.path(), "data", |t| t.to_string());
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("budget.xlsx"), "mine").unwrap();
    let r = run_mini(&data, &out, &["--force"], tmp.path());
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("force_foreign_refused", r.stderr);
    assert_eq!(names(&out), ["budget.xlsx"]);
}

#[test]
fn a_final_run_is_never_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let data = mini(tmp.path(), "data", |t| t.to_string());
    let out = tmp.path().join("out");
    let r = run_mini(&data, &out, &["--final"], tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(manifest["final"], serde_json::Value::Bool(true));
    let before = contents(&out);
    let again = run_mini(&data, &out, &["--force"], tmp.path());
    assert_eq!(again.code, 1);
    insta::assert_snapshot!("final_refused", again.stderr);
    assert_eq!(contents(&out), before);
    // The correction goes to a new folder, and diff explains it.
    let corrected = mini(tmp.path(), "data2", |t| {
        t.replace(
            "E2,Bolat Nurlanov,transactional,80000",
            "E2,Bolat Nurlanov,transactional,90000",
        )
    });
    let new = tmp.path().join("out-corrected");
    assert_eq!(run_mini(&corrected, &new, &[], tmp.path()).code, 0);
    let d = incentive(
        &["diff", out.to_str().unwrap(), new.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(d.code, 0, "{}", d.stderr);
    assert!(
        d.stdout.contains("target bonus 80000 → 90000"),
        "{}",
        d.stdout
    );
    // A normal run is not final: it can be replaced.
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(new.join("run.json")).unwrap()).unwrap();
    assert_eq!(m["final"], serde_json::Value::Bool(false));
}

#[test]
fn out_must_be_apart_from_the_data_and_not_a_link() {
    let tmp = tempfile::tempdir().unwrap();
    let data = mini(tmp.path(), "data", |t| t.to_string());
    let inside = run_mini(&data, &data.join("out"), &[], tmp.path());
    assert_eq!(inside.code, 1);
    insta::assert_snapshot!("out_inside_data", inside.stderr);
    assert!(!data.join("out").exists());
    let same = run_mini(&data, &data, &["--force"], tmp.path());
    assert_eq!(same.code, 1);
    insta::assert_snapshot!("out_holds_data", same.stderr);

    let target = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&target).unwrap();
    let link = tmp.path().join("link");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&target, &link).unwrap();
    #[cfg(unix)]
    {
        let r = run_mini(&data, &link, &[], tmp.path());
        assert_eq!(r.code, 1);
        insta::assert_snapshot!("out_symlink", r.stderr);
        assert!(names(&target).is_empty());
    }

    let file = tmp.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let r = run_mini(&data, &file, &[], tmp.path());
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("out_file", r.stderr);
}

#[cfg(unix)]
#[test]
fn a_planted_link_inside_out_is_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let data = mini(tmp.path(), "data", |t| t.to_string());
    let out = tmp.path().join("out");
    assert_eq!(run_mini(&data, &out, &[], tmp.path()).code, 0);
    let victim = tmp.path().join("victim");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::remove_dir_all(out.join("statements")).unwrap();
    std::os::unix::fs::symlink(&victim, out.join("statements")).unwrap();
    let r = run_mini(&data, &out, &["--force"], tmp.path());
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("planted_link", r.stderr);
    assert!(names(&victim).is_empty());
}

/// A run killed after every possible number of changes to the folder: once any later command
/// has looked at it, the folder holds exactly the old run or exactly the new one.
#[test]
fn a_killed_run_leaves_the_old_run_or_the_new_one() {
    let tmp = tempfile::tempdir().unwrap();
    let old_data = mini(tmp.path(), "old", |t| t.to_string());
    let new_data = mini(tmp.path(), "new", |t| {
        t.lines()
            .filter(|l| !l.starts_with("E3,"))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            .replace(
                "E2,Bolat Nurlanov,transactional,80000",
                "E2,Bolat Nurlanov,transactional,90000",
            )
    });
    // The two complete states, from clean runs (outputs do not depend on the folder's name).
    let old_ref = tmp.path().join("old-ref");
    let new_ref = tmp.path().join("new-ref");
    assert_eq!(run_mini(&old_data, &old_ref, &[], tmp.path()).code, 0);
    assert_eq!(run_mini(&new_data, &new_ref, &[], tmp.path()).code, 0);
    let (old_files, new_files) = (contents(&old_ref), contents(&new_ref));
    assert_ne!(old_files, new_files);

    let mut outcomes = Vec::new();
    // 5 staged files, the journal, its commit, 1 removal and 5 renames are 13 steps; go past
    // the end.
    for at in 1..=15 {
        let out = tmp.path().join(format!("out{at}"));
        assert_eq!(run_mini(&old_data, &out, &[], tmp.path()).code, 0);
        let status = run_command(&new_data, &out, true)
            .env("INCENTIVE_TEST_CRASH_AT", at.to_string())
            .status()
            .unwrap();
        // Any command that reads the folder finishes or discards the interrupted publish.
        let d = incentive(
            &["diff", out.to_str().unwrap(), out.to_str().unwrap()],
            tmp.path(),
        );
        assert_eq!(d.code, 0, "after a crash at step {at}: {}", d.stderr);
        let now = contents(&out);
        let state = if now == old_files {
            "old"
        } else if now == new_files {
            "new"
        } else {
            panic!(
                "a crash at step {at} left a mix: {:?}",
                now.keys().collect::<Vec<_>>()
            )
        };
        outcomes.push(format!(
            "{at}: {} {state}",
            if status.success() {
                "finished"
            } else {
                "killed"
            }
        ));
    }
    insta::assert_snapshot!("kill_points", outcomes.join("\n"));
}

/// A real SIGKILL at a range of moments, wherever the run happens to be.
#[cfg(unix)]
#[test]
fn sigkill_at_any_moment_leaves_the_old_run_or_the_new_one() {
    let tmp = tempfile::tempdir().unwrap();
    let old_data = mini(tmp.path(), "old", |t| t.to_string());
    let new_data = mini(tmp.path(), "new", |t| {
        t.replace(
            "E1,Aigerim Sadykova,b2b-long-cycle,100000",
            "E1,Aigerim Sadykova,b2b-long-cycle,110000",
        )
    });
    let old_ref = tmp.path().join("old-ref");
    let new_ref = tmp.path().join("new-ref");
    assert_eq!(run_mini(&old_data, &old_ref, &[], tmp.path()).code, 0);
    assert_eq!(run_mini(&new_data, &new_ref, &[], tmp.path()).code, 0);
    let (old_files, new_files) = (contents(&old_ref), contents(&new_ref));
    let out = tmp.path().join("out");
    assert_eq!(run_mini(&old_data, &out, &[], tmp.path()).code, 0);
    for delay_ms in [0u64, 2, 5, 10, 15, 20, 30, 40, 60, 100] {
        let mut child = run_command(&new_data, &out, true).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let d = incentive(
            &["diff", out.to_str().unwrap(), out.to_str().unwrap()],
            tmp.path(),
        );
        assert_eq!(d.code, 0, "after a kill at {delay_ms} ms: {}", d.stderr);
        let now = contents(&out);
        assert!(
            now == old_files || now == new_files,
            "a kill at {delay_ms} ms left a mix: {:?}",
            now.keys().collect::<Vec<_>>()
        );
        // Back to the old run for the next round.
        assert_eq!(run_mini(&old_data, &out, &["--force"], tmp.path()).code, 0);
    }
}

#[test]
fn two_runs_at_the_same_moment_do_not_mix() {
    let tmp = tempfile::tempdir().unwrap();
    let a = mini(tmp.path(), "a", |t| t.to_string());
    let b = mini(tmp.path(), "b", |t| {
        t.replace(
            "E1,Aigerim Sadykova,b2b-long-cycle,100000",
            "E1,Aigerim Sadykova,b2b-long-cycle,110000",
        )
    });
    let a_ref = tmp.path().join("a-ref");
    let b_ref = tmp.path().join("b-ref");
    assert_eq!(run_mini(&a, &a_ref, &[], tmp.path()).code, 0);
    assert_eq!(run_mini(&b, &b_ref, &[], tmp.path()).code, 0);
    for round in 0..5 {
        let out = tmp.path().join(format!("out{round}"));
        let spawn = |data: &Path| {
            run_command(data, &out, false)
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (ca, cb) = (spawn(&a), spawn(&b));
        let (ra, rb) = (
            ca.wait_with_output().unwrap(),
            cb.wait_with_output().unwrap(),
        );
        let won: Vec<bool> = [&ra, &rb].iter().map(|r| r.status.success()).collect();
        assert_eq!(
            won.iter().filter(|w| **w).count(),
            1,
            "exactly one run wins: {won:?}"
        );
        let loser = if won[0] { &rb } else { &ra };
        let message = String::from_utf8_lossy(&loser.stderr);
        assert!(
            message.contains("the folder is in use by another incentive run")
                || message.contains("the output folder is not empty"),
            "{message}"
        );
        let now = contents(&out);
        let expected = if won[0] {
            contents(&a_ref)
        } else {
            contents(&b_ref)
        };
        assert_eq!(now, expected, "the winner's files, complete");
    }
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    let data = mini(tmp.path(), "data", |t| t.to_string());
    let out = tmp.path().join("out");
    assert_eq!(run_mini(&data, &out, &[], tmp.path()).code, 0);
    let data_s = data.to_str().unwrap().to_string();
    let out_s = out.to_str().unwrap().to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec![
            "explain",
            "--data",
            &data_s,
            "--period",
            "2026-10",
            "--employee",
            "E1",
        ],
        vec!["diff", &out_s, &out_s],
        vec!["verify", &out_s],
        vec!["validate"],
    ];
    for args in commands {
        let mut child = Command::new(env!("CARGO_BIN_EXE_incentive"))
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // `| head -0`: the reader goes away before the first line is written.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

#[test]
fn a_hand_edited_run_json_is_reported_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let data = mini(tmp.path(), "data", |t| t.to_string());
    let out = tmp.path().join("out");
    assert_eq!(run_mini(&data, &out, &[], tmp.path()).code, 0);
    let path = out.join("run.json");
    let original = std::fs::read_to_string(&path).unwrap();
    let sha = original.split("\"sha256\": \"").nth(1).unwrap()[..64].to_string();
    let mut snapshots = Vec::new();
    let edits: Vec<(&str, String)> = vec![
        (
            "non-ASCII in a hash",
            original.replacen(&sha, &format!("ééééééé{}", &sha[14..]), 1),
        ),
        (
            "truncated",
            original[..original.find("\"employees\"").unwrap()].to_string(),
        ),
        (
            "amount is text",
            original.replacen("\"total\": \"108125.00\"", "\"total\": \"lots\"", 1),
        ),
        ("not JSON", "<html>".to_string()),
        (
            "a newer format",
            original.replacen("\"format\": 5", "\"format\": 99", 1),
        ),
    ];
    for (what, text) in edits {
        assert_ne!(text, original, "{what}: the edit applies");
        std::fs::write(&path, &text).unwrap();
        for cmd in [
            vec!["verify", out.to_str().unwrap()],
            vec!["diff", out.to_str().unwrap(), out.to_str().unwrap()],
        ] {
            let r = incentive(&cmd, tmp.path());
            assert_eq!(r.code, 2, "{what}: {}", r.stderr);
            assert!(!r.stderr.contains("panicked"), "{what}");
            if cmd[0] == "verify" {
                snapshots.push(format!("{what}:\n{}", r.stderr));
            }
        }
    }
    insta::assert_snapshot!(snapshots.join("\n"));
    // A manifest of the first format (no `format`, `totals`, `final` or statement paths) is
    // still read: verify recomputes it and finds every amount.
    let first: String = original
        .lines()
        .filter(|l| {
            !l.trim_start().starts_with("\"format\"")
                && !l.trim_start().starts_with("\"statement\"")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, first).unwrap();
    let v = incentive(&["verify", out.to_str().unwrap()], tmp.path());
    assert_eq!(v.code, 0, "{}", v.stderr);
}
