//! `incentive validate`: check the schemes, and the data when given, listing every problem.

use super::{parse_period, print_warnings};
use crate::error::{Error, Result};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The folder of scheme YAML files, or one scheme file.
    #[arg(long, default_value = "schemes")]
    schemes: PathBuf,
    /// Also check this workbook or CSV folder…
    #[arg(long, requires = "period")]
    data: Option<PathBuf>,
    /// …for this month, YYYY-MM.
    #[arg(long, requires = "data")]
    period: Option<String>,
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub fn run(a: Args) -> Result<()> {
    if let (Some(data), Some(period)) = (&a.data, &a.period) {
        let period = parse_period(period)?;
        let result = crate::run::compute(&a.schemes, data, period)?;
        print_warnings(&result.warnings);
        sayln!(
            "ok: {} scheme{}, {} employees, period {period}: no problems",
            result.schemes.len(),
            plural(result.schemes.len()),
            result.employees.len()
        );
        return Ok(());
    }
    let loaded = crate::scheme::load_dir(&a.schemes).map_err(Error::BadInput)?;
    // Without a period, an observation is over when its last month is before this one.
    let today = chrono::Utc::now().date_naive();
    let this_month = crate::period::Period::parse(&today.format("%Y-%m").to_string());
    for s in &loaded {
        print_warnings(&s.warnings);
        if let Some(month) = this_month {
            let ended: Vec<_> = s
                .kpis
                .iter()
                .filter_map(|k| k.observe.and_then(|o| o.ended(k, s, month)))
                .collect();
            print_warnings(&ended);
        }
    }
    let ids: Vec<&str> = loaded.iter().map(|s| s.id.as_str()).collect();
    sayln!(
        "ok: {} scheme{}: {}",
        ids.len(),
        plural(ids.len()),
        ids.join(", ")
    );
    Ok(())
}
