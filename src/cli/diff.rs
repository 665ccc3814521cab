//! `incentive diff OLD NEW`: why did a payout change between two runs of a period?

use crate::error::Result;
use crate::report::manifest;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The earlier run's folder.
    old: PathBuf,
    /// The later run's folder.
    new: PathBuf,
}

pub fn run(a: Args) -> Result<()> {
    crate::output::recover(&a.old)?;
    crate::output::recover(&a.new)?;
    let old = manifest::read(&a.old)?;
    let new = manifest::read(&a.new)?;
    super::say(&crate::audit::diff_text(&old, &new));
    Ok(())
}
