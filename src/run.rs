//! One payout run: load, evaluate one period, and hand back the results model.
//!
//! [`compute`] is everything but the writing of files, which [`crate::output`] does.

use crate::engine;
use crate::error::{Error, Result};
use crate::load::Dataset;
use crate::period::Period;
use std::path::Path;

pub use crate::results::{Employee, EmployeeResult, FileHash, RunResult, TableStats, sha256_file};

/// Loads schemes and data for a period, validates everything and scores every employee on
/// their paid scheme (and on the candidate the roster names beside it, if any).
pub fn compute(schemes_dir: &Path, data: &Path, period: Period) -> Result<RunResult> {
    compute_mapped(schemes_dir, data, None, period)
}

/// [`compute`] over a CRM export read through a mapping (a preset's name or a mapping file).
pub fn compute_mapped(
    schemes_dir: &Path,
    data: &Path,
    mapping: Option<&str>,
    period: Period,
) -> Result<RunResult> {
    let ds = Dataset::load(schemes_dir, &[], data, mapping, &[period]).map_err(Error::BadInput)?;
    engine::evaluate(ds, &engine::payroll, engine::SourceRows::Keep)?
        .into_run(period, &crate::payout::Ledger::default())
}
