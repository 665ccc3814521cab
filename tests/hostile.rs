//! The hostile-input corpus: every `tests/hostile/*.case` file is one case, run through the real
//! binary, with an insta snapshot of each command's exit code and exact output
//! (`tests/hostile/snapshots/<case>.snap`). Cases that must be generated at run time (zip and
//! alias bombs of gigabytes, FIFOs, kills, concurrent runs) live in tests/hostile_input.rs,
//! tests/output_folder.rs and tests/hostile_scheme.rs instead.
//!
//! A case file:
//!
//! ```text
//! # what the case is about (comment lines)
//! base: mini                      # data/ starts as a copy of tests/fixtures/mini (or `none`)
//! run: run --data {data} --period 2026-10 --out {out}
//! run: verify {out}               # any number of commands, run in order
//! --- data/employees.csv          # a file to write (relative to the case's temporary folder),
//! employee_id,name,...            #   replacing the base's copy
//! --- schemes/x.yaml cp1251       # modifiers: cr (line ends become CR), crlf, cp1251 (encode
//! ...                             #   as Windows-1251), escapes (\xNN is a byte)
//! ```
//!
//! `schemes/` starts as a copy of the preset schemes. `{data}`, `{schemes}`, `{out}` and `{tmp}`
//! are replaced by those paths; in the output, the temporary folder shows as `[TMP]`. After the
//! commands, nothing may exist in the temporary folder outside data/, schemes/ and out*/.

mod common;

use common::{copy_dir, crate_path};

use std::path::{Path, PathBuf};

struct Case {
    base: String,
    commands: Vec<String>,
    files: Vec<(String, Vec<u8>)>,
}

fn unescape(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'x') && i + 4 <= b.len() {
            let hex = std::str::from_utf8(&b[i + 2..i + 4]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 4;
        } else if b[i] == b'\\' && b.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn parse(text: &str, name: &str) -> Case {
    let mut case = Case {
        base: "mini".into(),
        commands: Vec::new(),
        files: Vec::new(),
    };
    let mut current: Option<(String, Vec<String>, String)> = None;
    let finish = |cur: Option<(String, Vec<String>, String)>, files: &mut Vec<_>| {
        if let Some((path, mods, body)) = cur {
            let mut bytes = if mods.iter().any(|m| m == "escapes") {
                unescape(&body)
            } else {
                body.into_bytes()
            };
            for m in &mods {
                match m.as_str() {
                    "cr" => bytes = String::from_utf8(bytes).unwrap().replace('\n', "\r").into(),
                    "crlf" => {
                        bytes = String::from_utf8(bytes)
                            .unwrap()
                            .replace('\n', "\r\n")
                            .into()
                    }
                    "cp1251" => {
                        let text = String::from_utf8(bytes).unwrap();
                        let (enc, _, lossy) = encoding_rs::WINDOWS_1251.encode(&text);
                        assert!(!lossy, "{name}: {path} fits Windows-1251");
                        bytes = enc.into_owned();
                    }
                    "escapes" => {}
                    other => panic!("{name}: unknown modifier {other:?}"),
                }
            }
            files.push((path, bytes));
        }
    };
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("--- ") {
            finish(current.take(), &mut case.files);
            let mut words = rest.split_whitespace();
            let path = words.next().expect("a path after ---").to_string();
            current = Some((path, words.map(str::to_string).collect(), String::new()));
        } else if let Some((_, _, body)) = &mut current {
            body.push_str(line);
        } else if let Some(args) = line.strip_prefix("run:") {
            case.commands.push(args.trim().to_string());
        } else if let Some(base) = line.strip_prefix("base:") {
            case.base = base.trim().to_string();
        } else {
            assert!(
                line.starts_with('#') || line.trim().is_empty(),
                "{name}: unreadable line {line:?}"
            );
        }
    }
    finish(current.take(), &mut case.files);
    assert!(!case.commands.is_empty(), "{name}: no run: line");
    case
}

/// Splits a command line on spaces, keeping "double-quoted words" together.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn run_case(path: &Path) -> String {
    let name = path.file_stem().unwrap().to_string_lossy().to_string();
    let case = parse(&std::fs::read_to_string(path).unwrap(), &name);
    let tmp = tempfile::tempdir().unwrap();
    let (data, schemes) = (tmp.path().join("data"), tmp.path().join("schemes"));
    match case.base.as_str() {
        "mini" => copy_dir(&crate_path("tests/fixtures/mini"), &data),
        "none" => std::fs::create_dir_all(&data).unwrap(),
        other => panic!("{name}: unknown base {other:?}"),
    }
    copy_dir(&crate_path("schemes"), &schemes);
    for (rel, bytes) in &case.files {
        let target = tmp.path().join(rel);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
    let mut report = String::new();
    for command in &case.commands {
        let line = command
            .replace("{data}", &data.display().to_string())
            .replace("{schemes}", &schemes.display().to_string())
            .replace("{out}", &tmp.path().join("out").display().to_string())
            .replace("{tmp}", &tmp.path().display().to_string());
        let outcome = common::run(&words(&line), tmp.path());
        report.push_str(&format!("$ incentive {command}\nexit {}\n", outcome.code));
        for (what, text) in [("stdout", &outcome.stdout), ("stderr", &outcome.stderr)] {
            if !text.is_empty() {
                report.push_str(&format!("--- {what}\n{text}"));
                if !text.ends_with('\n') {
                    report.push('\n');
                }
            }
        }
        assert!(
            !outcome.stderr.contains("panicked"),
            "{name}: {command} panicked"
        );
        assert!(
            matches!(outcome.code, 0..=2),
            "{name}: {command} exited {}",
            outcome.code
        );
    }
    for entry in std::fs::read_dir(tmp.path()).unwrap() {
        let entry = entry.unwrap();
        let n = entry.file_name().to_string_lossy().to_string();
        assert!(
            n == "data" || n == "schemes" || n.starts_with("out"),
            "{name}: something was written outside --out: {n}"
        );
    }
    let out = tmp.path().join("out");
    if out.is_dir() {
        let listing = common::files_under(&out);
        report.push_str(&format!("--- files in out/\n{}\n", listing.join("\n")));
    }
    report
}

#[test]
fn hostile_corpus() {
    let dir = crate_path("tests/hostile");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "case"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "only {} cases", cases.len());
    for path in cases {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let report = run_case(&path);
        insta::with_settings!({
            snapshot_path => dir.join("snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("tests/hostile/{name}.case"),
        }, {
            insta::assert_snapshot!(name, report);
        });
    }
}
