//! `incentive run`: compute the period's payouts and write every output file.

use super::{parse_lang, parse_period, print_warnings};
use crate::error::Result;
use crate::report::{self, labels::Labels};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A workbook (.xlsx, .xlsm, .xls, .ods; one sheet per table) or a folder of CSV files.
    #[arg(long)]
    data: PathBuf,
    /// The month to pay, YYYY-MM.
    #[arg(long)]
    period: String,
    /// The folder to write results into; must be empty unless --force.
    #[arg(long)]
    out: PathBuf,
    /// The folder of scheme YAML files (a scheme's id is its file stem), or one scheme file.
    #[arg(long, default_value = "schemes")]
    schemes: PathBuf,
    /// Overwrite files in a non-empty --out folder.
    #[arg(long)]
    force: bool,
    /// Language of the workbook and statement labels: en or ru.
    #[arg(long, default_value = "en")]
    lang: String,
}

pub fn run(a: Args) -> Result<()> {
    let period = parse_period(&a.period)?;
    let labels = Labels::new(parse_lang(&a.lang)?);
    // Refuse before any work, not after a long run.
    crate::run::check_out_dir(&a.out, a.force)?;
    let result = crate::run::compute(&a.schemes, &a.data, period)?;
    let command = format!(
        "incentive run --data {} --period {period} --schemes {} --lang {}",
        a.data.display(),
        a.schemes.display(),
        a.lang
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
        "{period}: {} employees, total {}",
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
