//! `incentive explain`: one employee's statement in the terminal.

use super::Inputs;
use crate::error::{Error, Problem, Result};
use crate::report;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// The employee_id to explain.
    #[arg(long)]
    employee: String,
}

pub fn run(a: Args) -> Result<()> {
    let (period, labels) = a.inputs.parse()?;
    let mut result = a.inputs.compute(period)?;
    report::localize(&mut result, &labels);
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
                a.inputs.data.display()
            ),
        )]));
    };
    let cx = report::Context::new(labels, String::new());
    super::say(&report::statement::statement_text(&result, i, &cx));
    Ok(())
}
