//! Same inputs and same version → byte-identical outputs: payroll.csv, payouts.xlsx, every
//! statement and run.json, even when written to different folders.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    common::files_under(dir)
        .into_iter()
        .map(|rel| {
            let bytes = std::fs::read(dir.join(&rel)).unwrap();
            (rel, bytes)
        })
        .collect()
}

#[test]
fn running_twice_gives_identical_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["a", "b"] {
        let status = Command::new(env!("CARGO_BIN_EXE_incentive"))
            .args([
                "run",
                "--data",
                "samples/2026-10.xlsx",
                "--period",
                "2026-10",
                "--out",
            ])
            .arg(tmp.path().join(name))
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
    }
    let (a, b) = (files(&tmp.path().join("a")), files(&tmp.path().join("b")));
    let names: Vec<&String> = a.keys().collect();
    assert!(names.iter().any(|n| n.as_str() == "payroll.csv"));
    assert!(names.iter().any(|n| n.as_str() == "payouts.xlsx"));
    assert!(names.iter().any(|n| n.as_str() == "run.json"));
    assert_eq!(
        names.iter().filter(|n| n.starts_with("statements")).count(),
        30,
        "one statement per employee: {names:?}"
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs between two runs");
    }
    // No partial files are left behind.
    assert!(!names.iter().any(|n| n.contains(".partial")), "{names:?}");
}
