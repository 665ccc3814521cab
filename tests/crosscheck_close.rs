//! The month-end close (docs/month-end.md), checked against an independent implementation.
//!
//! `scripts/crosscheck.py close` was written from docs/month-end.md alone (standard-library
//! Python, exact fractions), without reading this crate's code. Its own hand-worked cases (a cap
//! that binds and one that does not, a guarantee top-up in a partial month, a recovery limited by
//! the balance and one limited by the level, a refunded deal trued up, two true-ups chained in one run, adjustments of every kind
//! and the refusals of bad ones) are asserted by `close --self-test`, run here.

use std::process::Command;

/// The Python that runs the independent implementation. Never a green no-op: without it the
/// cross-checks fail.
fn python() -> &'static str {
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

/// The independent implementation's hand-worked cases hold: otherwise a comparison with it
/// would prove nothing.
#[test]
fn the_independent_close_passes_its_hand_worked_cases() {
    let out = Command::new(python())
        .args(["scripts/crosscheck.py", "close", "--self-test"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 9 + 3 + 1 employees' rows, 1 warning, 10 refused adjustment rows, 3 refusals of scheme
    // rules and true-ups: a self-test that checked nothing would not print this.
    assert_eq!(stdout.trim_end(), "close self-test: 27 checks passed");
}
