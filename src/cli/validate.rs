//! `incentive validate`: check the schemes, and the data when given, listing every problem.

use super::print_warnings;
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
    /// …for these months: YYYY-MM or a range YYYY-MM..YYYY-MM; may repeat.
    #[arg(long, requires = "data")]
    period: Vec<String>,
    #[command(flatten)]
    mapping: super::MappingArg,
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub fn run(a: Args) -> Result<()> {
    if let Some(data) = &a.data {
        let periods = crate::period::Period::parse_list(&a.period)
            .map_err(|m| Error::BadInput(vec![crate::error::Problem::new("--period", m)]))?;
        // Every period as a run would evaluate it (the paid schemes and any observe_scheme),
        // from one read of the data.
        let ds = crate::load::Dataset::load(
            &a.schemes,
            &[],
            data,
            a.mapping.mapping.as_deref(),
            &periods,
        )
        .map_err(Error::BadInput)?;
        let ev =
            crate::engine::evaluate(ds, &crate::engine::payroll, crate::engine::SourceRows::Skip)?;
        print_warnings(&ev.warnings);
        // What a run will also need: the previous balances of recoverable guarantees.
        let mut needs: Vec<crate::error::Problem> = Vec::new();
        for &period in &periods {
            let who: Vec<&str> = ev
                .roster
                .iter()
                .filter(|e| {
                    crate::payout::needs_opening(
                        &ev.schemes[e.scheme_in(period)],
                        e.hired_on,
                        period,
                    )
                })
                .map(|e| e.id.as_str())
                .collect();
            if !who.is_empty() {
                needs.push(crate::error::Problem::new(
                    format!("period {period}"),
                    format!(
                        "a run needs the guarantee balances of {} from the final run of {}: give --previous DIR (or --previous none for the first month with a recoverable guarantee)",
                        if who.len() > 10 {
                            format!("{} and {} more", who[..10].join(", "), who.len() - 10)
                        } else {
                            who.join(", ")
                        },
                        period.previous().map(|p| p.to_string()).unwrap_or_default()
                    ),
                ));
            }
        }
        print_warnings(&needs);
        let shown = match (periods.first(), periods.last()) {
            (Some(f), Some(l)) if f.months_until(*l) + 1 == periods.len() as i64 && f != l => {
                format!("periods {f}..{l}")
            }
            (Some(f), _) if periods.len() == 1 => format!("period {f}"),
            _ => {
                let all: Vec<String> = periods.iter().map(|p| p.to_string()).collect();
                format!("periods {}", all.join(", "))
            }
        };
        sayln!(
            "ok: {} scheme{}, {} employees, {shown}: no problems",
            ev.schemes.len(),
            plural(ev.schemes.len()),
            ev.roster.len()
        );
        return Ok(());
    }
    let mapping = a.mapping.mapping.as_deref().map(crate::mapping::load);
    let loaded = match (crate::scheme::load_dir(&a.schemes), mapping) {
        (Ok(l), None | Some(Ok(_))) => l,
        (Err(mut p), Some(Err(q))) => {
            p.extend(q);
            return Err(Error::BadInput(p));
        }
        (Err(p), _) | (_, Some(Err(p))) => return Err(Error::BadInput(p)),
    };
    if let Some(m) = &a.mapping.mapping {
        sayln!(
            "ok: the mapping {m}: no problems (give --data and --period to check it on an export)"
        );
    }
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
