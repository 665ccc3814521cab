//! The real-browser harness (tests/browser/check.mjs through `common::browser`) on small fixture
//! pages (tests/fixtures/browser/), so that a test of an HTML output is one call: Debian's
//! headless Chromium loads the file with the network off, and the test gets back every request
//! the page tried beyond its own file (none performed), console and script errors, the
//! `data-flag` elements of the rendered DOM, the text, and a screenshot and A4 print under
//! target/browser-artifacts/.
//!
//! These tests fail, saying how to get them, when node, tests/browser/node_modules or chromium
//! are missing (scripts/test installs all three as root).

mod common;

use common::{
    BrowserReport, BrowserSetup, DomFlag, browser, browser_artifacts, browser_clean,
    copy_screenshot_if, crate_path, png_size,
};
use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Loads tests/fixtures/browser/NAME.html, screenshot to target/browser-artifacts/SHOT.png
/// (each test its own file: they run in parallel).
fn fixture(name: &str, shot: &str) -> (BrowserReport, PathBuf) {
    let shot = browser_artifacts().join(format!("{shot}.png"));
    let _ = std::fs::remove_file(&shot);
    let report = browser(
        &crate_path(&format!("tests/fixtures/browser/{name}.html")),
        &shot,
    );
    (report, shot)
}

fn file_url(name: &str) -> String {
    format!(
        "file://{}",
        crate_path(&format!("tests/fixtures/browser/{name}.html")).display()
    )
}

/// The screenshot is a PNG at the laptop viewport's width and the page's full height, and the
/// A4 print was written beside it.
fn assert_artifacts(shot: &Path, report: &BrowserReport) {
    assert_eq!(png_size(shot), (1366, report.height as u32));
    let pdf = std::fs::read(shot.with_extension("pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "the print is a PDF");
}

/// The message a panicking `f` fails a test with.
fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let payload = std::panic::catch_unwind(f).expect_err("it fails the test");
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => payload.downcast::<&str>().map(|s| s.to_string()).unwrap(),
    }
}

fn flag(code: &str, employee: Option<&str>, subject: &str, visible: bool, text: &str) -> DomFlag {
    DomFlag {
        code: Some(code.to_string()),
        employee: employee.map(str::to_string),
        subject: Some(subject.to_string()),
        visible,
        text: text.to_string(),
    }
}

/// Also how an output page's test checks it: one call (`browser_clean`), artifacts kept.
#[test]
fn a_clean_page_is_read_back_exactly() {
    let report = browser_clean(&crate_path("tests/fixtures/browser/clean.html"), "clean");
    let shot = browser_artifacts().join("clean.png");
    assert_eq!(report.screenshot, shot);
    report.assert_clean();
    assert!(report.faults().is_empty());
    assert_eq!(report.file, file_url("clean"));
    assert_eq!(report.url, report.file);
    assert_eq!(report.title, "Команда — 2026-10");
    assert_eq!(
        report.flags,
        vec![
            flag(
                "activity_drop",
                Some("E1"),
                "calls_2min",
                true,
                "Звонков 2+ мин. на 42% меньше обычного"
            ),
            flag(
                "short_calls",
                Some("E2"),
                "calls",
                true,
                "Short calls: 61% under 30 s"
            ),
            flag("below_threshold", Some("E3"), "revenue", false, "hidden"),
            flag(
                "loss_reason_dominant",
                None,
                "price",
                true,
                "Цена: 55% проигрышей команды"
            ),
            // Added by the page's own script: the DOM is read after scripts ran.
            flag(
                "off_track",
                Some("E4"),
                "deals_won",
                true,
                "Off track: 3 of 8 deals by the 31st"
            ),
        ]
    );
    let keys: Vec<(&str, &str, &str)> = vec![
        ("activity_drop", "E1", "calls_2min"),
        ("short_calls", "E2", "calls"),
        ("below_threshold", "E3", "revenue"),
        ("loss_reason_dominant", "-", "price"),
        ("off_track", "E4", "deals_won"),
    ];
    let got = report.flag_keys();
    let got: Vec<(&str, &str, &str)> = got
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    assert_eq!(got, keys);
    // The inline SVG's text is rendered; the hidden flag's is not.
    assert_eq!(
        report.text,
        "Команда: октябрь 2026\nВыручка\nЗвонков 2+ мин. на 42% меньше обычного\n\
         Short calls: 61% under 30 s\nЦена: 55% проигрышей команды\n\n\
         Off track: 3 of 8 deals by the 31st"
    );
    // The page is 1200 px high by its own CSS, and no wider than the viewport; on A4
    // (1123 px at 96 dpi, no margins) that is two pages.
    assert_eq!((report.width, report.height), (1366, 1200));
    assert_eq!(report.pdf_pages, 2);
    assert_artifacts(&shot, &report);
}

#[test]
fn external_resources_are_reported_and_none_is_fetched() {
    let (report, shot) = fixture("external", "external");
    assert_eq!(
        report.requests,
        vec![
            "http://example.com/x.png",
            "https://cdn.example.com/team.css"
        ]
    );
    // The aborted loads are not also reported as console errors.
    assert_eq!(report.console_errors, Vec::<String>::new());
    assert_eq!(report.page_errors, Vec::<String>::new());
    assert_eq!(report.url, file_url("external"));
    assert_eq!(report.text, "A logo from the web:");
    insta::assert_snapshot!(report.faults().join("\n"), @r"
    request: http://example.com/x.png
    request: https://cdn.example.com/team.css
    ");
    let message = panic_message(|| report.assert_clean());
    assert_eq!(
        message,
        format!(
            "{} is not a clean self-contained page:\nrequest: http://example.com/x.png\n\
             request: https://cdn.example.com/team.css",
            file_url("external")
        )
    );
    assert_artifacts(&shot, &report);
}

#[test]
fn a_script_error_is_reported_and_the_rest_still_renders() {
    let (report, shot) = fixture("throws", "throws");
    assert_eq!(
        report.page_errors,
        vec!["TypeError: Cannot read properties of null (reading 'draw')"]
    );
    assert_eq!(report.console_errors, Vec::<String>::new());
    assert_eq!(report.requests, Vec::<String>::new());
    assert_eq!(report.text, "Before the error.\n\nAfter the error.");
    assert_eq!(report.title, "Throws");
    insta::assert_snapshot!(report.faults().join("\n"), @"script error: TypeError: Cannot read properties of null (reading 'draw')");
    assert_artifacts(&shot, &report);
}

#[test]
fn a_console_error_is_reported_and_other_console_output_is_not() {
    let (report, shot) = fixture("console", "console");
    assert_eq!(report.console_errors, vec!["no data for E7"]);
    assert_eq!(report.page_errors, Vec::<String>::new());
    assert_eq!(report.requests, Vec::<String>::new());
    assert_eq!(report.text, "Logs an error.");
    insta::assert_snapshot!(report.faults().join("\n"), @"console error: no data for E7");
    assert_artifacts(&shot, &report);
}

/// A server on this machine that counts the connections it was offered.
struct Listener(TcpListener);

impl Listener {
    fn new() -> Listener {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Listener(listener)
    }
    fn origin(&self) -> String {
        format!("http://{}", self.0.local_addr().unwrap())
    }
    fn connections(&self) -> usize {
        let mut n = 0;
        loop {
            match self.0.accept() {
                Ok(_) => n += 1,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return n,
                Err(e) => panic!("accept: {e}"),
            }
        }
    }
}

/// Every way a page can reach out, to a server on this very machine: each is reported, none
/// connects (loopback is off too, so a connection hint cannot open a socket either).
#[test]
fn nothing_reaches_even_a_server_on_this_machine() {
    let server = Listener::new();
    let o = server.origin();
    let host = o.trim_start_matches("http://");
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("reach.html");
    std::fs::write(
        &html,
        format!(
            r#"<!doctype html><html><head><meta charset="utf-8"><title>reach</title>
<link rel="preconnect" href="{o}/preconnect">
<link rel="prefetch" href="{o}/prefetch">
<link rel="preload" as="image" href="{o}/preload.png">
<link rel="stylesheet" href="{o}/style.css">
<style>@font-face {{ font-family: X; src: url({o}/font.woff2); }}
body {{ font-family: X; background: url({o}/background.png); }}</style>
<script src="{o}/script.js"></script>
</head><body><p>reach</p>
<img src="{o}/image.png"><iframe src="{o}/frame"></iframe><video src="{o}/video.mp4"></video>
<object data="{o}/object"></object><svg><image href="{o}/svg.png" width="9" height="9"/></svg>
<script>
fetch("{o}/fetch").catch(() => {{}});
const x = new XMLHttpRequest(); x.open("GET", "{o}/xhr"); x.send();
new WebSocket("ws://{host}/socket");
navigator.sendBeacon("{o}/beacon", "x");
new EventSource("{o}/events");
new Image().src = "{o}/new-image.png";
window.open("{o}/popup");
</script></body></html>"#
        ),
    )
    .unwrap();
    let shot = browser_artifacts().join("reach.png");
    let report = browser(&html, &shot);
    assert_eq!(server.connections(), 0, "no connection reached the server");
    let mut expected: Vec<String> = [
        "background.png",
        "beacon",
        "events",
        "fetch",
        "font.woff2",
        "frame",
        "image.png",
        "new-image.png",
        "object",
        "popup",
        "prefetch",
        "preconnect",
        "preload.png",
        "script.js",
        "style.css",
        "svg.png",
        "video.mp4",
        "xhr",
    ]
    .iter()
    .map(|p| format!("{o}/{p}"))
    .chain([format!("ws://{host}/socket")])
    .collect();
    expected.sort();
    assert_eq!(report.requests, expected);
    assert_eq!(report.page_errors, Vec::<String>::new());
    assert_eq!(report.text, "reach\n\n ");
    assert_artifacts(&shot, &report);
}

#[test]
fn a_page_that_navigates_away_is_reported() {
    let server = Listener::new();
    let o = server.origin();
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("away.html");
    std::fs::write(
        &html,
        format!(
            "<!doctype html><title>away</title><p>here</p>\
             <script>location.href = '{o}/elsewhere';</script>"
        ),
    )
    .unwrap();
    let report = browser(&html, &browser_artifacts().join("away.png"));
    assert_eq!(server.connections(), 0);
    assert_eq!(report.requests, vec![format!("{o}/elsewhere")]);
    assert_eq!(report.url, "chrome-error://chromewebdata/");
    assert_eq!(
        report.faults(),
        vec![
            "the page navigated away to chrome-error://chromewebdata/".to_string(),
            format!("request: {o}/elsewhere"),
        ]
    );
}

/// A page that needs a file beside it (a stylesheet, a picture) would break as an e-mail
/// attachment: the file exists here, yet it is reported and not loaded.
#[test]
fn a_file_beside_the_page_is_reported_and_not_loaded() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("side.css"), "p { display: none; }").unwrap();
    std::fs::copy(
        crate_path("tests/fixtures/browser/clean.html"),
        tmp.path().join("other.html"),
    )
    .unwrap();
    let html = tmp.path().join("page.html");
    std::fs::write(
        &html,
        "<!doctype html><title>beside</title><link rel=\"stylesheet\" href=\"side.css\">\
         <p>seen</p><iframe src=\"other.html\"></iframe>",
    )
    .unwrap();
    let report = browser(&html, &browser_artifacts().join("beside.png"));
    let dir = format!("file://{}", tmp.path().display());
    assert_eq!(
        report.requests,
        vec![format!("{dir}/other.html"), format!("{dir}/side.css")]
    );
    // The stylesheet would have hidden the paragraph.
    assert_eq!(report.text, "seen");
    assert_eq!(
        report.flags,
        vec![],
        "nothing of the framed page was loaded"
    );
}

/// Readable on a laptop screen means no wider than it: the report and the screenshot show the
/// page's real width.
#[test]
fn a_page_wider_than_the_laptop_screen_is_seen_as_such() {
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("wide.html");
    std::fs::write(
        &html,
        "<!doctype html><title>wide</title><body style=\"margin: 0\">\
         <div style=\"width: 2000px; height: 900px\">wide</div>",
    )
    .unwrap();
    let shot = browser_artifacts().join("wide.png");
    let report = browser(&html, &shot);
    assert_eq!((report.width, report.height), (2000, 900));
    assert_eq!(png_size(&shot), (2000, 900));
    assert_eq!(report.screenshot, shot);
    report.assert_clean();
    let message = panic_message(|| report.assert_fits_laptop());
    assert_eq!(
        message,
        format!(
            "{} is 2000 px wide: wider than a laptop screen (1366 px), it scrolls sideways",
            report.file
        )
    );
}

/// Whatever a page logs, the report stays bounded: 100 entries a list, then a count of the
/// rest; 500 characters an entry, then "…".
#[test]
fn the_report_is_bounded_whatever_the_page_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("noisy.html");
    std::fs::write(
        &html,
        "<!doctype html><title>noisy</title><p>noisy</p><script>\
         for (let i = 0; i < 300; i++) console.error(String(i).padEnd(2000, 'x'));\
         for (let i = 0; i < 300; i++) new Image().src = 'http://example.com/' + i;\
         </script>",
    )
    .unwrap();
    let report = browser(&html, &browser_artifacts().join("noisy.png"));
    assert_eq!(report.console_errors.len(), 101);
    assert_eq!(report.console_errors[0], format!("0{}…", "x".repeat(499)));
    assert_eq!(report.console_errors[100], "… 200 more");
    assert_eq!(report.requests.len(), 101);
    assert_eq!(report.requests[0], "http://example.com/0");
    assert_eq!(report.requests[100], "… 200 more");
}

#[test]
fn a_page_that_never_finishes_loading_fails_the_test_in_time() {
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("hang.html");
    std::fs::write(
        &html,
        "<!doctype html><title>hang</title><script>while (true) {}</script>",
    )
    .unwrap();
    let setup = BrowserSetup {
        timeout: Duration::from_secs(10),
        ..BrowserSetup::here()
    };
    setup.check().unwrap();
    let started = std::time::Instant::now();
    let message = panic_message(|| {
        setup.run(&html, &tmp.path().join("hang.png"));
    });
    assert!(started.elapsed() < Duration::from_secs(10));
    let first = message.lines().take(2).collect::<Vec<_>>().join("\n");
    assert_eq!(
        first.replace(&tmp.path().display().to_string(), "[TMP]"),
        "the browser check of [TMP]/hang.html failed (exit status: 1):\n\
         check.mjs: [TMP]/hang.html was not checked within 5000 ms"
    );
}

#[test]
fn missing_prerequisites_fail_the_test_and_say_how_to_get_them() {
    let setup = BrowserSetup {
        node: None,
        modules: PathBuf::from("/nonexistent/node_modules"),
        chromium: PathBuf::from("/nonexistent/chromium"),
        timeout: Duration::from_secs(60),
    };
    insta::assert_snapshot!(setup.check().unwrap_err(), @r"
    the browser test cannot run:
    node (Node.js 20 or later) is not on PATH: install Debian's nodejs and npm
    playwright-core is not installed in /nonexistent/node_modules: run scripts/test, or npm ci --prefix tests/browser
    chromium is not at /nonexistent/chromium (or set CHROMIUM): run scripts/test as root, or apt-get install -y --no-install-recommends chromium fonts-dejavu-core
    ");
    let message = panic_message(|| {
        setup.run(
            Path::new("/nonexistent/page.html"),
            Path::new("/nonexistent/page.png"),
        );
    });
    assert_eq!(message, setup.check().unwrap_err());
    // Each one alone is named.
    let no_chromium = BrowserSetup {
        chromium: PathBuf::from("/nonexistent/chromium"),
        ..BrowserSetup::here()
    };
    insta::assert_snapshot!(no_chromium.check().unwrap_err(), @r"
    the browser test cannot run:
    chromium is not at /nonexistent/chromium (or set CHROMIUM): run scripts/test as root, or apt-get install -y --no-install-recommends chromium fonts-dejavu-core
    ");
    // And here, all three are present (scripts/test installs them).
    BrowserSetup::here().check().unwrap();
}

#[test]
fn the_screenshot_goes_to_docs_only_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    // A PNG's signature and header (all that the copy looks at): 1366 × 2000.
    let shot = tmp.path().join("shot.png");
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend(1366u32.to_be_bytes());
    png.extend(2000u32.to_be_bytes());
    png.extend([8, 6, 0, 0, 0]);
    std::fs::write(&shot, &png).unwrap();
    assert_eq!(png_size(&shot), (1366, 2000));
    let to = tmp.path().join("docs").join("team.png");
    assert!(!copy_screenshot_if(false, &shot, &to));
    assert!(!to.exists());
    assert!(copy_screenshot_if(true, &shot, &to));
    assert_eq!(std::fs::read(&to).unwrap(), png);
    // Anything but a PNG is refused.
    let text = tmp.path().join("shot.txt");
    std::fs::write(&text, "not a picture at all, not at all").unwrap();
    let message = panic_message(|| {
        copy_screenshot_if(true, &text, &tmp.path().join("docs").join("x.png"));
    });
    assert_eq!(message, format!("{} is not a PNG", text.display()));
    assert!(!tmp.path().join("docs").join("x.png").exists());
}
