//! `incentive run`: compute the period's payouts and write every output file.

use super::{Inputs, print_warnings};
use crate::error::Result;
use crate::report;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// The folder to write results into; must be empty unless --force.
    #[arg(long)]
    out: PathBuf,
    /// Overwrite files in a non-empty --out folder.
    #[arg(long)]
    force: bool,
}

pub fn run(a: Args) -> Result<()> {
    let (period, labels) = a.inputs.parse()?;
    // Refuse before any work, not after a long run.
    crate::run::check_out_dir(&a.out, a.force)?;
    let mut result = a.inputs.compute(period)?;
    report::localize(&mut result, &labels);
    let i = &a.inputs;
    let command = format!(
        "incentive run --data {} --period {} --schemes {} --lang {}",
        i.data.display(),
        result.period,
        i.schemes.display(),
        i.lang
    );
    let cx = report::Context::new(labels, command);
    let files = report::run_files(&result, &cx)?;
    crate::run::write_outputs(&a.out, a.force, &files)?;
    print_warnings(&result.warnings);

    let mut by_currency: BTreeMap<&str, Decimal> = BTreeMap::new();
    for e in &result.employees {
        *by_currency
            .entry(result.schemes[e.employee.scheme].currency.as_str())
            .or_default() += e.score.total;
    }
    let totals: Vec<String> = by_currency
        .iter()
        .map(|(c, t)| format!("{} {c}", report::money(*t)))
        .collect();
    let out = &a.out;
    println!(
        "{}: {} employees, total {}",
        result.period,
        result.employees.len(),
        totals.join(" + ")
    );
    println!("payroll:  {}", out.join("payroll.csv").display());
    println!("workbook: {}", out.join("payouts.xlsx").display());
    println!(
        "statements: {} ({} files)",
        out.join("statements").display(),
        result.employees.len()
    );
    println!("manifest: {}", out.join("run.json").display());
    Ok(())
}
