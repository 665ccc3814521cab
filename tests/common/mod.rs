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

/// What `tests/browser/check.mjs` saw of one HTML file in headless Chromium, with the network
/// off (see [`browser`]).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrowserReport {
    /// The `file:` address the page was loaded from.
    pub file: String,
    /// Where the page was at the end: `file` unless it navigated away (an error page then).
    pub url: String,
    /// Every address the page tried to reach beyond its own file, sorted: each one aborted before
    /// it left (a connection hint such as `<link rel=preconnect>` is listed too).
    pub requests: Vec<String>,
    /// The texts of `console.error` calls, in order.
    pub console_errors: Vec<String>,
    /// Uncaught exceptions and rejections (`TypeError: …`), in order.
    pub page_errors: Vec<String>,
    /// Every element with a `data-flag` attribute, in document order.
    pub flags: Vec<DomFlag>,
    /// `document.body.innerText`.
    pub text: String,
    pub title: String,
    /// The document's scroll size in CSS pixels, at a 1366×768 viewport.
    pub width: u64,
    pub height: u64,
    /// Pages of the A4 print (written beside the screenshot, as `.pdf`).
    pub pdf_pages: u64,
    /// Where the full-page screenshot was written (not part of the driver's JSON).
    #[serde(skip)]
    pub screenshot: PathBuf,
}

/// An element of the page with a `data-flag` attribute.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomFlag {
    /// `data-flag`, `data-employee`, `data-subject`; `None` when the attribute is absent.
    pub code: Option<String>,
    pub employee: Option<String>,
    pub subject: Option<String>,
    /// Whether it is rendered and can be seen (not `display: none`, `visibility: hidden`, or
    /// transparent, itself or through an ancestor).
    pub visible: bool,
    /// Its `innerText`, trimmed.
    pub text: String,
}

impl BrowserReport {
    /// `(code, employee, subject)` of every flag, attributes absent shown as `-`.
    pub fn flag_keys(&self) -> Vec<(String, String, String)> {
        let or_dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".to_string());
        self.flags
            .iter()
            .map(|f| (or_dash(&f.code), or_dash(&f.employee), or_dash(&f.subject)))
            .collect()
    }

    /// Everything that makes a page not self-contained or broken, one line each: a request beyond
    /// its file, a console error, a script error, or having navigated away. Empty when clean.
    pub fn faults(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.url != self.file {
            out.push(format!("the page navigated away to {}", self.url));
        }
        out.extend(self.requests.iter().map(|r| format!("request: {r}")));
        out.extend(
            self.console_errors
                .iter()
                .map(|e| format!("console error: {e}")),
        );
        out.extend(
            self.page_errors
                .iter()
                .map(|e| format!("script error: {e}")),
        );
        out
    }

    /// Fails the test unless the page fits a laptop screen's width (1366 CSS pixels).
    pub fn assert_fits_laptop(&self) {
        assert!(
            self.width <= 1366,
            "{} is {} px wide: wider than a laptop screen (1366 px), it scrolls sideways",
            self.file,
            self.width
        );
    }

    /// Fails the test, listing every fault, unless the page is self-contained and error-free.
    pub fn assert_clean(&self) {
        let faults = self.faults();
        assert!(
            faults.is_empty(),
            "{} is not a clean self-contained page:\n{}",
            self.file,
            faults.join("\n")
        );
    }
}

/// Where the browser tests keep their screenshots and PDFs: `target/browser-artifacts/` (the
/// target folder is not committed; CI keeps the folder as the run's artifacts). Created.
pub fn browser_artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target folder")
        .join("browser-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What [`browser`] needs beyond Cargo: Node.js, the pinned playwright-core installed under
/// tests/browser/node_modules (`npm ci`), and Debian's Chromium.
#[derive(Debug, Clone)]
pub struct BrowserSetup {
    pub node: Option<PathBuf>,
    /// The folder holding playwright-core (tests/browser/node_modules).
    pub modules: PathBuf,
    pub chromium: PathBuf,
    /// How long a check may take before the test fails.
    pub timeout: Duration,
}

impl BrowserSetup {
    /// This machine's: node on PATH, tests/browser/node_modules, `$CHROMIUM` or /usr/bin/chromium,
    /// 60 s.
    pub fn here() -> BrowserSetup {
        BrowserSetup {
            node: find_on_path("node"),
            modules: crate_path("tests/browser/node_modules"),
            chromium: std::env::var_os("CHROMIUM")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium")),
            timeout: Duration::from_secs(60),
        }
    }

    /// Every missing prerequisite, each with how to get it (scripts/test installs all three as
    /// root), or `Ok`.
    pub fn check(&self) -> Result<PathBuf, String> {
        let mut missing = Vec::new();
        if self.node.is_none() {
            missing.push(
                "node (Node.js 20 or later) is not on PATH: install Debian's nodejs and npm"
                    .to_string(),
            );
        }
        if !self.modules.join("playwright-core/package.json").is_file() {
            missing.push(format!(
                "playwright-core is not installed in {}: run scripts/test, or \
                 npm ci --prefix tests/browser",
                self.modules.display()
            ));
        }
        if !self.chromium.is_file() {
            missing.push(format!(
                "chromium is not at {} (or set CHROMIUM): run scripts/test as root, or \
                 apt-get install -y --no-install-recommends chromium fonts-dejavu-core",
                self.chromium.display()
            ));
        }
        match (&self.node, missing.is_empty()) {
            (Some(node), true) => Ok(node.clone()),
            _ => Err(format!(
                "the browser test cannot run:\n{}",
                missing.join("\n")
            )),
        }
    }

    /// Loads `html` in headless Chromium with the network off (tests/browser/check.mjs), writes
    /// a full-page screenshot at 1366×768 to `screenshot` (a `.png`) and the A4 print beside it
    /// (`.pdf`), and returns what the browser saw. Fails the test when a prerequisite is missing,
    /// when the check fails, or when it takes longer than `timeout`: never a silent pass.
    pub fn run(&self, html: &Path, screenshot: &Path) -> BrowserReport {
        let node = self.check().unwrap_or_else(|message| panic!("{message}"));
        if let Some(dir) = screenshot.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        // The driver's own watchdog stops it (and so its browser) well before ours kills it.
        let inner = if self.timeout >= Duration::from_secs(20) {
            self.timeout - Duration::from_secs(10)
        } else {
            self.timeout / 2
        };
        let mut child = Command::new(node)
            .arg(crate_path("tests/browser/check.mjs"))
            .arg(html)
            .arg(screenshot)
            .env("CHROMIUM", &self.chromium)
            .env("CHECK_TIMEOUT_MS", inner.as_millis().to_string())
            .env("NO_COLOR", "1")
            .env_remove("FORCE_COLOR")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node starts");
        // Both pipes are drained while the driver runs, so that a long report cannot block it.
        let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                bytes
            })
        };
        let stdout = drain(Box::new(child.stdout.take().unwrap()));
        let stderr = drain(Box::new(child.stderr.take().unwrap()));
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() > self.timeout {
                // The browser exits with its driver (their pipe closes).
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let stdout = String::from_utf8_lossy(&stdout.join().unwrap()).into_owned();
        let stderr = String::from_utf8_lossy(&stderr.join().unwrap()).into_owned();
        let tail = |s: &str| {
            let chars: Vec<char> = s.chars().collect();
            let from = chars.len().saturating_sub(4000);
            chars[from..].iter().collect::<String>()
        };
        let Some(status) = status else {
            panic!(
                "the browser check of {} did not finish within {:?}\n{}",
                html.display(),
                self.timeout,
                tail(&stderr)
            );
        };
        assert!(
            status.success(),
            "the browser check of {} failed ({status}):\n{}",
            html.display(),
            tail(&stderr)
        );
        let mut report: BrowserReport = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "tests/browser/check.mjs printed no report ({e}):\n{}\n{}",
                tail(&stdout),
                tail(&stderr)
            )
        });
        report.screenshot = screenshot.to_path_buf();
        report
    }
}

/// [`BrowserSetup::run`] with this machine's setup: loads `html` in headless Chromium with the
/// network off and writes its screenshot (and `.pdf` print beside it).
pub fn browser(html: &Path, screenshot: &Path) -> BrowserReport {
    BrowserSetup::here().run(html, screenshot)
}

/// The check of an output page in one call: loads `html` in headless Chromium with the network off
/// (see [`browser`]), keeps its screenshot as `target/browser-artifacts/<name>.png` (and the A4
/// print as `<name>.pdf`), and fails the test unless the page is clean (no request beyond its
/// file, no console or script error, still on its file) and fits a laptop screen's width (1366
/// CSS pixels: no horizontal scrolling). The report is returned for the page's own checks
/// (flags, text, `pdf_pages`); [`publish_screenshot`] then copies the picture for the README.
pub fn browser_clean(html: &Path, name: &str) -> BrowserReport {
    let report = browser(html, &browser_artifacts().join(format!("{name}.png")));
    report.assert_clean();
    report.assert_fits_laptop();
    report
}

/// The width and height of a PNG file, from its header; fails the test when it is not a PNG.
pub fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.len() > 24 && bytes.starts_with(b"\x89PNG\r\n\x1a\n") && &bytes[12..16] == b"IHDR",
        "{} is not a PNG",
        path.display()
    );
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// With `UPDATE_SCREENSHOTS=1` in the environment, copies `screenshot` to `docs/<name>` (the
/// picture the README shows), as `UPDATE_SCREENSHOTS=1 cargo test --test NAME` does; otherwise
/// leaves docs/ alone. Returns whether it copied.
pub fn publish_screenshot(screenshot: &Path, name: &str) -> bool {
    let on = std::env::var_os("UPDATE_SCREENSHOTS").is_some_and(|v| v == "1");
    copy_screenshot_if(on, screenshot, &crate_path("docs").join(name))
}

/// Copies `screenshot` (a PNG) to `to` when `on`, creating its folder.
pub fn copy_screenshot_if(on: bool, screenshot: &Path, to: &Path) -> bool {
    if !on {
        return false;
    }
    png_size(screenshot);
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::copy(screenshot, to)
        .unwrap_or_else(|e| panic!("{} → {}: {e}", screenshot.display(), to.display()));
    true
}
