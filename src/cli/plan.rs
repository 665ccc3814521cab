//! `incentive plan`: next month's plans from the export's history (docs/plan.md), from one read;
//! writes plans.csv (the plans table's layout, to append to the next export), plan.xlsx (each
//! plan explained, the warnings, the back-test, a chart per team) and plan.json. Never payroll.

use super::{parse_lang, print_warnings};
use crate::analysis::plan::{self, ExportMonths, Method, Options, Split};
use crate::data::limits::quote;
use crate::engine;
use crate::error::{Error, Problem, Result};
use crate::load::Dataset;
use crate::num::exact;
use crate::period::Period;
use crate::report;
use crate::results::Role;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A workbook or a folder of CSV files holding the months before the planned one.
    #[arg(long)]
    data: PathBuf,
    /// The month to plan (YYYY-MM).
    #[arg(long = "for", value_name = "YYYY-MM")]
    month: String,
    /// Plan only this plan metric (the plans table's `metric`); may be repeated.
    #[arg(long)]
    metric: Vec<String>,
    /// bottom-up (own history × growth × season), top-down (a company target split) or blend
    /// (bottom-up scaled to the company target).
    #[arg(long, default_value = "bottom-up", value_parser = ["bottom-up", "top-down", "blend"])]
    method: String,
    /// How many months before the planned one the history is.
    #[arg(long, default_value_t = 12)]
    history: usize,
    /// Growth on the history for bottom-up and blend, a percentage: 20%, -5%.
    #[arg(long, default_value = "0%", allow_hyphen_values = true)]
    growth: String,
    /// The month's company target for a plan metric (top-down, blend), METRIC=AMOUNT; may be
    /// repeated, one per metric.
    #[arg(long = "company-target", value_name = "METRIC=AMOUNT")]
    company_target: Vec<String>,
    /// How top-down splits the company target: equal (by days employed) or history (by each
    /// person's average × days employed).
    #[arg(long, default_value = "equal", value_parser = ["equal", "history"])]
    split: String,
    /// Plans in money are rounded to a multiple of this (counts to whole numbers).
    #[arg(long, default_value = "1000")]
    step: String,
    /// Fewer full history months than this make a joiner, planned on colleagues' median.
    #[arg(long, default_value_t = 3)]
    min_history: usize,
    /// The export's first full month, when its first month is only partly there.
    #[arg(long, value_name = "YYYY-MM")]
    since: Option<String>,
    #[command(flatten)]
    mapping: super::MappingArg,
    #[arg(long, default_value = "schemes")]
    schemes: PathBuf,
    #[arg(long, default_value = "en")]
    lang: String,
    #[arg(long)]
    out: PathBuf,
    #[arg(long)]
    force: bool,
}

/// The most history months a plan reads.
pub const MAX_HISTORY: usize = 24;

/// `--growth`: a percentage above -100%, written with its `%` (`0.2` and `20` mean very
/// different plans).
fn parse_growth(text: &str) -> std::result::Result<Decimal, Problem> {
    let t = text.trim();
    let bad = || {
        Problem::new(
            "--growth",
            format!(
                "{} is not a growth; expected a percentage above -100% written with %, e.g. 20% or -5%",
                quote(t)
            ),
        )
    };
    let number = t.strip_suffix('%').ok_or_else(bad)?;
    let d = crate::num::parse_scheme_number(number.trim()).ok_or_else(bad)?;
    if d <= Decimal::from(-100) || d > Decimal::from(1000) {
        return Err(bad());
    }
    Ok(d / Decimal::ONE_HUNDRED)
}

/// A positive amount with at most 2 decimals (`--company-target`, `--step`).
fn parse_amount(place: &str, text: &str, example: &str) -> std::result::Result<Decimal, Problem> {
    let t = text.trim();
    match crate::num::parse_scheme_number(t) {
        Some(d) if d > Decimal::ZERO && d.normalize().scale() <= 2 => Ok(d),
        _ => Err(Problem::new(
            place,
            format!(
                "{} is not an amount; expected a number above 0 with at most 2 decimals, e.g. {example}",
                quote(t)
            ),
        )),
    }
}

fn parse_month(place: &str, text: &str) -> std::result::Result<Period, Problem> {
    Period::parse_explained(text.trim()).map_err(|m| Problem::new(place, m))
}

/// The options, or every problem with them.
fn options(a: &Args) -> Result<Options> {
    fn keep<T>(problems: &mut Vec<Problem>, r: std::result::Result<T, Problem>) -> Option<T> {
        r.map_err(|p| problems.push(p)).ok()
    }
    let mut problems = Vec::new();
    let month = keep(&mut problems, parse_month("--for", &a.month));
    let growth = keep(&mut problems, parse_growth(&a.growth));
    let step = keep(&mut problems, parse_amount("--step", &a.step, "1000"));
    let since = a
        .since
        .as_deref()
        .and_then(|s| keep(&mut problems, parse_month("--since", s)));
    let method = match a.method.as_str() {
        "top-down" => Method::TopDown,
        "blend" => Method::Blend,
        _ => Method::BottomUp,
    };
    let split = if a.split == "history" {
        Split::History
    } else {
        Split::Equal
    };
    let mut company: BTreeMap<String, Decimal> = BTreeMap::new();
    for t in &a.company_target {
        let Some((m, amount)) = t.split_once('=') else {
            problems.push(Problem::new(
                "--company-target",
                format!("{} is not METRIC=AMOUNT, e.g. revenue=100000000", quote(t)),
            ));
            continue;
        };
        let m = m.trim().to_lowercase();
        match parse_amount(&format!("--company-target {m}"), amount, "100000000") {
            Ok(d) => {
                if company.insert(m.clone(), d).is_some() {
                    problems.push(Problem::new(
                        "--company-target",
                        format!("{} is given twice; give one target per metric", quote(&m)),
                    ));
                }
            }
            Err(p) => problems.push(p),
        }
    }
    if !a.company_target.is_empty() && method == Method::BottomUp {
        problems.push(Problem::new(
            "--company-target",
            "bottom-up plans come from each person's history; a company target is split by --method top-down or blend",
        ));
    }
    if a.split != "equal" && method != Method::TopDown {
        problems.push(Problem::new(
            "--split",
            "--split chooses how top-down splits the company target; it needs --method top-down",
        ));
    }
    if method == Method::TopDown && growth.is_some_and(|g| !g.is_zero()) {
        problems.push(Problem::new(
            "--growth",
            "top-down splits the company target as given; growth applies to bottom-up and blend",
        ));
    }
    if a.history == 0 || a.history > MAX_HISTORY {
        problems.push(Problem::new(
            "--history",
            format!(
                "{} months: expected 1 to {MAX_HISTORY} months of history",
                a.history
            ),
        ));
    }
    if a.min_history == 0 || a.min_history > a.history.max(1) {
        problems.push(Problem::new(
            "--min-history",
            format!(
                "{}: expected 1 to the --history months ({})",
                a.min_history, a.history
            ),
        ));
    }
    if let (Some(s), Some(m)) = (since, month)
        && s >= m
    {
        problems.push(Problem::new(
            "--since",
            format!("{s} is not before the month planned, {m}"),
        ));
    }
    if !problems.is_empty() {
        return Err(Error::BadInput(problems));
    }
    let (Some(month), Some(growth), Some(step)) = (month, growth, step) else {
        unreachable!("a missing value is a problem above");
    };
    Ok(Options {
        month,
        method,
        split,
        history: a.history,
        growth: exact(growth),
        company,
        step,
        min_history: a.min_history,
        since,
        metrics: a.metric.iter().map(|m| m.trim().to_lowercase()).collect(),
    })
}

pub fn run(a: Args) -> Result<()> {
    let lang = parse_lang(&a.lang)?;
    let o = options(&a)?;
    let out_dir = crate::output::OutDir::open(&a.out, a.force, &a.data)?;
    let months = plan::months_to_read(o.month, o.history);
    let mut ds = Dataset::load(
        &a.schemes,
        &[],
        &a.data,
        a.mapping.mapping.as_deref(),
        &months,
    )
    .map_err(Error::BadInput)?;
    for s in &mut ds.schemes {
        s.localize(lang.code());
    }
    let month = o.month;
    let assign = |e: &crate::results::Employee, _p: Period| {
        plan::schemes_to_score(e, month)
            .into_iter()
            .enumerate()
            .map(|(i, s)| (s, if i == 0 { Role::Paid } else { Role::Candidate }))
            .collect()
    };
    let mut export = ExportMonths::default();
    let mut observe = |t, _e, row: &[crate::data::value::Value]| export.observe(t, row);
    let ev = engine::evaluate_with(
        ds,
        &assign,
        engine::SourceRows::Skip,
        engine::Read {
            as_of: None,
            observe: Some(&mut observe),
            // History months without a plan row are normal here: a plan is what is missing.
            plans_optional: true,
        },
    )?;

    // The metrics asked for and the company targets must name plan metrics in use.
    let all = plan::metrics_planned(
        &ev,
        &Options {
            metrics: BTreeSet::new(),
            ..o.clone()
        },
    );
    let known = |m: &str| all.iter().any(|x| x.eq_ignore_ascii_case(m));
    let list = if all.is_empty() {
        "none".to_string()
    } else {
        all.join(", ")
    };
    let mut problems = Vec::new();
    for m in &o.metrics {
        if !known(m) {
            problems.push(Problem::new(
                "--metric",
                format!(
                    "{} is not a plan metric of the schemes people are on in {month}; they plan: {list}",
                    quote(m)
                ),
            ));
        }
    }
    for m in o.company.keys() {
        if !known(m) {
            problems.push(Problem::new(
                "--company-target",
                format!(
                    "{} is not a plan metric of the schemes people are on in {month}; they plan: {list}",
                    quote(m)
                ),
            ));
        }
    }
    if all.is_empty() {
        problems.push(Problem::new(
            "--for",
            format!(
                "no one employed in {month} is on a scheme with a plan target (`target: {{ plan: … }}`): nothing to plan"
            ),
        ));
    }
    if o.method.needs_company_target() {
        let planned = plan::metrics_planned(&ev, &o);
        for m in planned {
            if !o.company.contains_key(&m.to_lowercase()) {
                problems.push(Problem::new(
                    "--company-target",
                    format!(
                        "--method {} splits a company target; give one for {m}, e.g. --company-target {m}=100000000",
                        o.method.name()
                    ),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::BadInput(problems));
    }

    let p = plan::build(&ev, &export, &o);
    let files = vec![
        ("plans.csv".to_string(), report::plan::plans_csv(&p, &ev)),
        (
            "plan.json".to_string(),
            report::plan::plan_json(&p, &ev, lang),
        ),
        (
            "plan.xlsx".to_string(),
            report::plan_xlsx::plan_xlsx(&p, &ev, lang)?,
        ),
    ];
    out_dir.publish(&files)?;
    // The engine's notes on history months without a plan row say "shown without a target":
    // true of a view, not of a plan, where a missing plan is what is being made.
    let warnings: Vec<Problem> = ev
        .warnings
        .iter()
        .filter(|w| {
            !w.message.ends_with("shown without a target")
                && !w.message.ends_with("those KPIs are shown without a target")
        })
        .cloned()
        .collect();
    print_warnings(&warnings);
    let mut notes = String::new();
    if let Some(last) = p.last_month
        && last.next().is_some_and(|n| n < month)
    {
        notes += &format!(
            "note: the export ends in {last}; the months from then to {month} are not in it and are not read as zeros\n"
        );
    }
    for m in &p.manual {
        let e = &ev.roster[m.employee];
        notes += &format!(
            "manual plan needed: {} ({}), {}: {}\n",
            e.id,
            e.name,
            m.metric,
            report::plan::manual_text(
                m.why,
                &ev.schemes[m.scheme].id,
                m.months,
                o.min_history,
                report::labels::Lang::En
            )
        );
    }
    let people: BTreeSet<usize> = p.rows.iter().map(|r| r.employee).collect();
    say_notes(&notes);
    sayln!(
        "plans for {month} ({}): {} plans for {} people, {} left for a manual plan, {} warnings; wrote plans.csv, plan.xlsx and plan.json to {}",
        o.method.name(),
        p.rows.len(),
        people.len(),
        p.manual.len(),
        p.warning_count(),
        a.out.display()
    );
    Ok(())
}

fn say_notes(text: &str) {
    if !text.is_empty() {
        super::say_err(text);
    }
}
