//! Helpers for the end-to-end tests: write a folder of CSV tables, run the `incentive` binary.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A path inside the crate.
pub fn crate_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Copies the files of `from` (not its subfolders) into `to`, creating `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

/// Writes each `(table, text)` pair as `dir/<table>.csv`, creating `dir` if needed.
pub fn write_csv_folder(dir: &Path, tables: &[(&str, &str)]) {
    std::fs::create_dir_all(dir).unwrap();
    for (table, text) in tables {
        std::fs::write(dir.join(format!("{table}.csv")), text).unwrap();
    }
}

/// What a run of the binary gave back, with the temporary folder's path shown as `[TMP]`.
#[derive(Debug)]
pub struct Outcome {
    /// The exit code; -1 when the process was killed by a signal.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `incentive` with `args` (cwd = the crate root) and captures its exit code and output,
/// replacing every occurrence of `tmp` with `[TMP]` so that messages are stable.
pub fn run<S: AsRef<OsStr>>(args: &[S], tmp: &Path) -> Outcome {
    let output = Command::new(env!("CARGO_BIN_EXE_incentive"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the incentive binary runs");
    let tmp = tmp.display().to_string();
    let clean = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(&tmp, "[TMP]");
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: clean(&output.stdout),
        stderr: clean(&output.stderr),
    }
}
