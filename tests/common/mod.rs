//! Helpers for the end-to-end tests: write a folder of CSV tables, run the `incentive` binary.
#![allow(dead_code)]

pub mod sheets;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

/// Every file under `dir` (recursively), as paths relative to it with `/`, sorted.
pub fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
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

/// `incentive run --data DATA --schemes SCHEMES --period PERIOD --out OUT`, as [`run`] does.
pub fn run_period(data: &Path, schemes: &Path, period: &str, out: &Path, tmp: &Path) -> Outcome {
    let args: Vec<&OsStr> = vec![
        OsStr::new("run"),
        OsStr::new("--data"),
        data.as_os_str(),
        OsStr::new("--schemes"),
        schemes.as_os_str(),
        OsStr::new("--period"),
        OsStr::new(period),
        OsStr::new("--out"),
        out.as_os_str(),
    ];
    run(&args, tmp)
}

/// The sample generator (`examples/generate_samples.rs`), built beside the test binaries.
pub fn generator() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(|d| d.parent())
        .unwrap()
        .join("examples")
        .join(format!("generate_samples{}", std::env::consts::EXE_SUFFIX))
}

/// A program on PATH, if there is one.
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// The Python that runs the independent implementation (scripts/crosscheck.py and the scripts
/// built on it, standard library only). Never a green no-op: without it the calling test fails.
pub fn python() -> &'static str {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "python3 is needed for the independent cross-check (scripts/crosscheck.py, standard \
         library only) and is part of this machine kind"
    );
    "python3"
}

/// LibreOffice's `soffice`. Never a green no-op: without it the calling test fails and says how
/// to get it (scripts/test installs it where it can).
pub fn soffice() -> PathBuf {
    find_on_path("soffice").expect(
        "soffice (LibreOffice) is not on PATH: scripts/test installs it as root; elsewhere run \
         apt-get install -y --no-install-recommends libreoffice-calc-nogui",
    )
}

/// Converts `files` with LibreOffice headless (`--convert-to FORMAT`) into `out`, with the user
/// profile in `profile`; fails the test when soffice fails or takes more than 300 s.
pub fn soffice_convert(profile: &Path, format: &str, out: &Path, files: &[PathBuf]) {
    let mut child = Command::new(soffice())
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            format,
            "--outdir",
        ])
        .arg(out)
        .args(files)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("soffice starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            panic!("soffice did not finish converting within 300 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = child.wait_with_output().unwrap();
    assert!(
        status.success(),
        "soffice failed: {status}\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
