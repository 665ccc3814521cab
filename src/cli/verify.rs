//! `incentive verify DIR`: recompute a run from its recorded inputs and compare every amount.

use crate::error::{Error, Result};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A folder written by `incentive run`.
    dir: PathBuf,
}

pub fn run(a: Args) -> Result<()> {
    let v = crate::audit::verify(&a.dir)?;
    if v.findings.is_empty() {
        sayln!(
            "verified: {} employees, period {}, every amount matches the recorded run (total {})",
            v.employees,
            v.period,
            v.total
        );
        return Ok(());
    }
    let mut text = format!(
        "not verified: {} finding(s) for {}:",
        v.findings.len(),
        a.dir.display()
    );
    for f in &v.findings {
        text.push_str("\n  ");
        text.push_str(f);
    }
    Err(Error::other(text))
}
