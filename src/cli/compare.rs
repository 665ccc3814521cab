//! `incentive compare`: a candidate scheme against the schemes people are paid on, over several
//! periods from one read of the export; writes compare.xlsx. Never touches payroll.

use super::{parse_lang, print_warnings};
use crate::analysis::compare::compare;
use crate::engine;
use crate::error::{Error, Problem, Result};
use crate::load::Dataset;
use crate::period::Period;
use crate::report;
use crate::results::Role;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A workbook (.xlsx, .xlsm, .xls, .ods; one sheet per table) or a folder of CSV files.
    #[arg(long)]
    data: PathBuf,
    /// The months to compare: YYYY-MM or a range YYYY-MM..YYYY-MM; may repeat.
    #[arg(long, required = true)]
    period: Vec<String>,
    #[command(flatten)]
    mapping: super::MappingArg,
    /// The candidate scheme: an id in --schemes, or a scheme .yaml file elsewhere.
    #[arg(long)]
    candidate: String,
    /// Compare only the people paid on this scheme (default: everyone, on their roster scheme).
    #[arg(long)]
    current: Option<String>,
    /// The folder of scheme YAML files (a scheme's id is its file stem), or one scheme file.
    #[arg(long, default_value = "schemes")]
    schemes: PathBuf,
    /// Language of the workbook's labels: en or ru.
    #[arg(long, default_value = "en")]
    lang: String,
    /// The folder to write compare.xlsx into; must be empty unless --force.
    #[arg(long)]
    out: PathBuf,
    /// Replace a previous comparison in --out.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    pub(super) feedback: super::Feedback,
}

fn scheme_problem(flag: &str, id: &str, ds: &Dataset) -> Problem {
    let ids: Vec<&str> = ds.schemes.iter().map(|s| s.id.as_str()).collect();
    Problem::new(
        flag,
        format!(
            "unknown scheme {}{}; the schemes folder has {}",
            crate::data::limits::quote(id),
            crate::error::did_you_mean(id, ids.iter().copied()),
            ids.join(", ")
        ),
    )
}

pub fn run(a: Args) -> Result<()> {
    let periods = Period::parse_list(&a.period)
        .map_err(|m| Error::BadInput(vec![Problem::new("--period", m)]))?;
    let labels = report::labels::Labels::new(parse_lang(&a.lang)?);
    let out_dir = crate::output::OutDir::open(&a.out, a.force, &a.data)?;
    // A candidate given as a file outside the schemes folder is loaded beside it.
    let as_file = Path::new(&a.candidate);
    let is_file = as_file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
        && as_file.is_file();
    let in_folder = a.schemes.is_dir()
        && std::fs::canonicalize(as_file)
            .ok()
            .zip(std::fs::canonicalize(&a.schemes).ok())
            .is_some_and(|(f, d)| f.parent() == Some(d.as_path()));
    let extra: Vec<PathBuf> = if is_file && !in_folder {
        vec![as_file.to_path_buf()]
    } else {
        Vec::new()
    };
    let candidate_id = if is_file {
        as_file
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default()
    } else {
        a.candidate.trim().to_string()
    };
    let read = crate::progress::stage("schemes, roster, plans");
    let mut ds = Dataset::load(
        &a.schemes,
        &extra,
        &a.data,
        a.mapping.mapping.as_deref(),
        &periods,
    )
    .map_err(Error::BadInput)?;
    let candidate = ds.scheme_index(&candidate_id);
    let current = a.current.as_deref().map(|c| (c, ds.scheme_index(c)));
    if candidate.is_none() && !ds.problems.iter().any(|p| p.place.contains(&candidate_id)) {
        let p = scheme_problem("--candidate", &candidate_id, &ds);
        ds.problems.push(p);
    }
    if let Some((id, None)) = current {
        let p = scheme_problem("--current", id, &ds);
        ds.problems.push(p);
    }
    let (Some(candidate), current) = (candidate, current.map(|c| c.1)) else {
        return Err(Error::BadInput(std::mem::take(&mut ds.problems)));
    };
    let Some(current) = current.map_or(Some(None), |c| c.map(Some)) else {
        return Err(Error::BadInput(std::mem::take(&mut ds.problems)));
    };
    let assign = |e: &crate::results::Employee, p: Period| {
        let paid = e.scheme_in(p);
        if current.is_some_and(|c| c != paid) {
            Vec::new()
        } else {
            vec![(paid, Role::Paid), (candidate, Role::Candidate)]
        }
    };
    let candidate_id_shown = ds.schemes[candidate].id.clone();
    drop(read);
    let evaluate = crate::progress::stage("rows, evaluate, score");
    let mut ev = engine::evaluate(ds, &assign, engine::SourceRows::Skip).map_err(|e| match e {
        // Plans the candidate needs and its people lack: say how to narrow the comparison.
        Error::BadInput(mut problems)
            if current.is_none() && problems.iter().any(|p| p.message.contains("no plan for")) =>
        {
            problems.push(Problem::new(
                "--current",
                format!(
                    "scheme {candidate_id_shown} needs plans that some people do not have; to compare only the people it is meant for, add --current with their scheme"
                ),
            ));
            Error::BadInput(problems)
        }
        other => other,
    })?;
    drop(evaluate);
    let cmp = compare(&ev, candidate);
    if cmp.rows.is_empty() {
        let who = match current {
            Some(c) => format!("no one employed is paid on scheme {}", ev.schemes[c].id),
            None => "no one on the roster is employed".to_string(),
        };
        return Err(Error::BadInput(vec![Problem::new(
            "--period",
            format!("{who} in {}: nothing to compare", a.period.join(", ")),
        )]));
    }
    for s in &mut ev.schemes {
        s.localize(labels.lang.code());
    }
    let cx = report::Context::new(labels, String::new());
    let bytes = {
        let _s = crate::progress::stage("compare.xlsx");
        report::compare::compare_xlsx(&ev, &cmp, &cx)?
    };
    {
        let _s = crate::progress::stage("publish");
        out_dir.publish(&[("compare.xlsx".to_string(), bytes)])?;
    }
    let mut warnings = ev.warnings.clone();
    warnings.extend(cmp.warnings(&ev).into_iter().map(|w| Problem::new("", w)));
    print_warnings(&warnings);

    let scheme = &ev.schemes[candidate];
    let (first, last) = (periods[0], periods[periods.len() - 1]);
    sayln!(
        "{} ({}) against the schemes paid, {}: {} employee-months",
        scheme.id,
        scheme.name,
        if first == last {
            first.to_string()
        } else {
            format!("{first}..{last}")
        },
        cmp.rows.len()
    );
    for ((period, currency), c) in &cmp.totals {
        if period.is_none() {
            sayln!(
                "cost {currency}: now {}, candidate {} ({}{}); gain {}, lose {}, same {}",
                report::money(c.current),
                report::money(c.candidate),
                if c.delta() >= rust_decimal::Decimal::ZERO {
                    "+"
                } else {
                    ""
                },
                report::money(c.delta()),
                c.moves.gain,
                c.moves.lose,
                c.moves.same
            );
        }
    }
    sayln!(
        "pay falls by more than 20%: {} employee{}",
        cmp.big_falls.len(),
        if cmp.big_falls.len() == 1 { "" } else { "s" }
    );
    sayln!("workbook: {}", a.out.join("compare.xlsx").display());
    Ok(())
}
