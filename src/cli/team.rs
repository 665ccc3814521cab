//! `incentive team`: the head of sales' view of the whole team (docs/team.md) over the period and
//! the history months before it, from one read of the export; writes team.html (the head of
//! sales' screen, one self-contained page), team.json (the same view for machines) and team.xlsx
//! (the same view as sheets). Never writes payroll.

use super::{parse_lang, parse_period, print_warnings};
use crate::analysis::team::{self, Losses, Thresholds};
use crate::engine;
use crate::error::{Error, Problem, Result};
use crate::load::Dataset;
use crate::report;
use crate::results::Role;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A workbook or a folder of CSV files holding the period and the history months.
    #[arg(long)]
    data: PathBuf,
    /// The month to show (YYYY-MM).
    #[arg(long)]
    period: String,
    /// How many months before the period to score from the same export (trends and flags).
    #[arg(long, default_value_t = 3)]
    history: usize,
    /// A date inside the period: the mid-month view, with the export read as it was that day
    /// and every KPI projected to the period end.
    #[arg(long)]
    as_of: Option<String>,
    #[command(flatten)]
    mapping: super::MappingArg,
    #[arg(long, default_value = "schemes")]
    schemes: PathBuf,
    /// The flags' thresholds (YAML; see docs/team.md for the keys and defaults).
    #[arg(long)]
    flags: Option<PathBuf>,
    #[arg(long, default_value = "en")]
    lang: String,
    #[arg(long)]
    out: PathBuf,
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    pub(super) feedback: super::Feedback,
}

/// The most history months a view reads: two years is every trend the page shows.
pub const MAX_HISTORY: usize = 24;

pub fn run(a: Args) -> Result<()> {
    let period = parse_period(&a.period)?;
    let lang = parse_lang(&a.lang)?;
    let mut problems = Vec::new();
    if a.history > MAX_HISTORY {
        problems.push(Problem::new(
            "--history",
            format!(
                "{} months is more than the {MAX_HISTORY} a view reads",
                a.history
            ),
        ));
    }
    let as_of = super::parse_as_of(a.as_of.as_deref(), period).unwrap_or_else(|p| {
        problems.push(p);
        None
    });
    let thresholds = match &a.flags {
        Some(path) => match Thresholds::read(path) {
            Ok(t) => t,
            Err(p) => {
                problems.extend(p);
                Thresholds::default()
            }
        },
        None => Thresholds::default(),
    };
    if !problems.is_empty() {
        return Err(Error::BadInput(problems));
    }
    let out_dir = crate::output::OutDir::open(&a.out, a.force, &a.data)?;
    let months = team::months(period, a.history);
    let read = crate::progress::stage("schemes, roster, plans");
    let mut ds = Dataset::load(
        &a.schemes,
        &[],
        &a.data,
        a.mapping.mapping.as_deref(),
        &months,
    )
    .map_err(Error::BadInput)?;
    // KPI and metric names in the page's language (`name: { en: …, ru: … }`), as compare does.
    for s in &mut ds.schemes {
        s.localize(lang.code());
    }
    let view_scheme =
        team::view_scheme(&thresholds, &|t| ds.source.has_table(t)).map_err(Error::BadInput)?;
    let view = ds.schemes.len();
    ds.schemes.push(view_scheme);
    let assign = |e: &crate::results::Employee, p: crate::period::Period| {
        vec![(e.scheme_in(p), Role::Paid), (view, Role::Candidate)]
    };
    drop(read);
    let evaluate = crate::progress::stage("rows, evaluate, score");
    let mut losses = Losses::new(months.clone());
    let mut observe = |t, e, row: &[crate::data::value::Value]| losses.observe(t, e, row);
    // The view's daily activity reads its own scheme's rows in the period, and only those.
    let rows = engine::SourceRows::KeepFor {
        period: months.len() - 1,
        scheme: view,
    };
    let ev = engine::evaluate_with(
        ds,
        &assign,
        rows,
        engine::Read {
            as_of,
            observe: Some(&mut observe),
            plans_optional: true,
        },
    )?;
    drop(evaluate);
    let build = crate::progress::stage("team view");
    let v = team::build(&ev, view, &losses, as_of, &thresholds);
    drop(build);
    if v.people.is_empty() {
        return Err(Error::BadInput(vec![Problem::new(
            "--period",
            format!("no one on the roster is employed in {period}: nothing to show"),
        )]));
    }
    let timed = |label: &str| crate::progress::stage(label);
    let html = {
        let _s = timed("team.html");
        report::team_html::team_html(&v, &ev, lang)
    };
    let json = {
        let _s = timed("team.json");
        report::team::team_json(&v, &ev, lang)
    };
    let xlsx = {
        let _s = timed("team.xlsx");
        report::team_xlsx::team_xlsx(&v, &ev, lang)?
    };
    let files = vec![
        ("team.html".to_string(), html),
        ("team.json".to_string(), json),
        ("team.xlsx".to_string(), xlsx),
    ];
    {
        let _s = timed("publish");
        out_dir.publish(&files)?;
    }
    print_warnings(&ev.warnings);
    sayln!(
        "team view of {period}{}: {} people, {} flags; wrote team.html, team.xlsx and team.json to {}",
        as_of.map(|d| format!(" as of {d}")).unwrap_or_default(),
        v.people.len(),
        v.flags.len(),
        a.out.display()
    );
    Ok(())
}
