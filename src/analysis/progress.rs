//! Progress during the month (`--as-of`): for a paid KPI, what is done, where the month is heading
//! at this pace, and what is still needed to reach each band. Decided once, here, for the head of
//! sales' forecast (`incentive team`) and for the employee's own statement (`explain --as-of`,
//! `run --as-of`); each renders it in words.

use crate::analysis::team::WorkingDays;
use crate::num::{Exact, exact};
use crate::scheme::unit::Unit;
use crate::scheme::{Better, Scheme};
use crate::scoring::KpiScore;
use rust_decimal::Decimal;

/// A line of a KPI's bands: the curve's threshold (pay starts), the target (100%), the scheme's
/// discuss line (a star, or a plan too easy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Threshold,
    Target,
    Discuss,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ToMark {
    pub mark: Mark,
    /// The attainment the mark stands at (80%, 100%, 120% …).
    pub line: Decimal,
    /// What is still needed to reach it (0 when reached), in the KPI's unit: rounded up to
    /// whole rows for counts and whole currency units for money.
    pub needed: Exact,
    /// Per remaining working day, rounded the same way; None when no working day remains.
    pub per_day: Option<Exact>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KpiProgress {
    /// Index into the scheme's KPIs.
    pub kpi: usize,
    pub unit: Unit,
    /// The metric adds up over the month, so it is projected by run-rate and "still needed"
    /// has a meaning; a ratio or an average stands as it is.
    pub additive: bool,
    pub actual: Option<Exact>,
    pub target: Option<Exact>,
    /// The month at this pace: actual × working days in the period ÷ elapsed (additive KPIs),
    /// or the actual.
    pub projected: Option<Exact>,
    /// What remains to each mark, for additive higher-is-better KPIs with an actual and a target.
    pub to_marks: Vec<ToMark>,
}

/// A run during the month: the day, the working days, and per employee (in the run's order) the
/// progress of each paid KPI.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub as_of: chrono::NaiveDate,
    pub days: WorkingDays,
    pub employees: Vec<Vec<KpiProgress>>,
}

impl Progress {
    pub fn of(run: &crate::run::RunResult, as_of: chrono::NaiveDate) -> Progress {
        let p = run.period;
        let days = WorkingDays {
            period: crate::analysis::team::working_days(p.start(), p.end()),
            elapsed: crate::analysis::team::working_days(p.start(), as_of),
            remaining: as_of
                .succ_opt()
                .map_or(0, |d| crate::analysis::team::working_days(d, p.end())),
        };
        let employees = run
            .employees
            .iter()
            .map(|e| {
                let scheme = &run.schemes[e.employee.scheme];
                scheme
                    .kpis
                    .iter()
                    .zip(&e.score.kpis)
                    .enumerate()
                    .filter(|(_, (kpi, _))| kpi.is_paid())
                    .map(|(k, (kpi, s))| {
                        kpi_progress(scheme, k, s, crate::scoring::Lines::of(scheme, kpi), days)
                    })
                    .collect()
            })
            .collect();
        Progress {
            as_of,
            days,
            employees,
        }
    }
}

/// Up to whole rows (counts) or whole currency units (money): never ask for less than needed.
pub fn round_up(q: &Exact, unit: Unit) -> Exact {
    match unit {
        Unit::Money | Unit::Count => Exact::from_integer(q.ceil().to_integer()),
        _ => q.clone(),
    }
}

/// One paid KPI's progress.
pub fn kpi_progress(
    scheme: &Scheme,
    k: usize,
    score: &KpiScore,
    lines: crate::scoring::Lines,
    wd: WorkingDays,
) -> KpiProgress {
    let kpi = &scheme.kpis[k];
    let unit = crate::scheme::unit::unit(scheme, kpi.metric);
    let additive = crate::analysis::team::additive(scheme, kpi.metric);
    let scale = wd
        .scale(true)
        .unwrap_or_else(|| Exact::from_integer(1.into()));
    let projected = score.actual.as_ref().map(|a| {
        if additive && wd.elapsed > 0 {
            a * &scale
        } else {
            a.clone()
        }
    });
    let mut to_marks = Vec::new();
    if let (true, Better::Higher, Some(a), Some(t)) =
        (additive, kpi.better, &score.actual, &score.target)
    {
        for (mark, line) in [
            (Mark::Threshold, kpi.curve.threshold),
            (Mark::Target, Decimal::ONE),
            (Mark::Discuss, lines.discuss),
        ] {
            let mut need = t * exact(line) - a;
            if need.is_negative() {
                need = Exact::from_integer(0.into());
            }
            let need = round_up(&need, unit);
            let per_day = (wd.remaining > 0)
                .then(|| round_up(&(&need / Exact::from_integer(wd.remaining.into())), unit));
            to_marks.push(ToMark {
                mark,
                line,
                needed: need,
                per_day,
            });
        }
    }
    KpiProgress {
        kpi: k,
        unit,
        additive,
        actual: score.actual.clone(),
        target: score.target.clone(),
        projected,
        to_marks,
    }
}
