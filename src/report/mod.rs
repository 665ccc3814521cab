//! Output files: payroll.csv for the payroll import, payouts.xlsx for finance (in `workbook`).
//!
//! Writers produce bytes; the run renames them into place. Text cells are always written as
//! text (a name such as `=HYPERLINK(...)` or `-Сергей` is never a formula), and the workbook's
//! document date is fixed from the period so the same inputs give byte-identical files.

pub mod labels;
pub mod statement;
pub mod workbook;

pub use statement::statements;
pub use workbook::payouts_xlsx;

use crate::error::{Error, Result};
use crate::num::{Exact, round_exact};
use crate::run::RunResult;
use labels::Labels;
use rust_decimal::Decimal;

/// What every report writer needs besides the run's results.
#[derive(Debug, Clone)]
pub struct Context {
    pub labels: Labels,
    /// The command that produced the run, as recorded in the audit (without the output folder,
    /// so that re-running into another folder gives byte-identical files).
    pub command: String,
    pub version: &'static str,
}

impl Context {
    pub fn new(labels: Labels, command: String) -> Self {
        Context {
            labels,
            command,
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// `payroll.csv`: one row per employee in the roster, sorted by employee_id.
pub fn payroll_csv(run: &RunResult) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| Error::other(format!("cannot write payroll.csv: {e}"));
    w.write_record([
        "employee_id",
        "name",
        "period",
        "scheme",
        "currency",
        "amount",
    ])
    .map_err(err)?;
    for e in &run.employees {
        let scheme = &run.schemes[e.employee.scheme];
        w.write_record([
            e.employee.id.as_str(),
            e.employee.name.as_str(),
            &run.period.to_string(),
            scheme.id.as_str(),
            scheme.currency.as_str(),
            &money(e.score.total),
        ])
        .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| Error::other(format!("cannot write payroll.csv: {e}")))
}

/// An amount with exactly two decimals and `.` as the decimal point.
pub fn money(d: Decimal) -> String {
    let mut d = d.round_dp(2);
    d.rescale(2);
    d.to_string()
}

/// A decimal view of an exact value, rounded to `dp` places, for text outputs.
pub fn exact_text(q: &Option<Exact>, dp: u32) -> String {
    match q {
        None => String::new(),
        Some(q) => round_exact(q, dp)
            .map(|d| d.normalize().to_string())
            .unwrap_or_default(),
    }
}
