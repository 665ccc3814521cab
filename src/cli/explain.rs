//! `incentive explain`: one employee's statement in the terminal.

use super::{parse_lang, parse_period};
use crate::error::{Error, Problem, Result};
use crate::report::{self, labels::Labels};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A workbook or a folder of CSV files, as for `run`.
    #[arg(long)]
    data: PathBuf,
    /// The month, YYYY-MM.
    #[arg(long)]
    period: String,
    /// The employee_id to explain.
    #[arg(long)]
    employee: String,
    #[arg(long, default_value = "schemes")]
    schemes: PathBuf,
    /// Language of the labels: en or ru.
    #[arg(long, default_value = "en")]
    lang: String,
}

pub fn run(a: Args) -> Result<()> {
    let period = parse_period(&a.period)?;
    let labels = Labels::new(parse_lang(&a.lang)?);
    let result = crate::run::compute(&a.schemes, &a.data, period)?;
    let wanted = a.employee.trim();
    let Some(i) = result
        .employees
        .iter()
        .position(|e| e.employee.id == wanted)
    else {
        return Err(Error::BadInput(vec![Problem::new(
            "--employee",
            format!(
                "{:?} is not on the roster of {}",
                a.employee,
                a.data.display()
            ),
        )]));
    };
    let cx = report::Context::new(labels, String::new());
    print!("{}", report::statement::statement_text(&result, i, &cx));
    Ok(())
}
