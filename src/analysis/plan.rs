//! Next month's plans from history (docs/plan.md): the plan model of `incentive plan`.
//!
//! [`build`] takes an evaluation of the months before the planned month (every employee scored
//! on the schemes they are on in the planned month and in each back-test month) and decides
//! every figure once: each person's history months, base, factors, plan and warnings, the
//! seasonal index, the people left for a manual plan, the team totals and the back-test. The
//! renderers (`report::plan`, `report::plan_xlsx`) lay the model out and decide nothing.

use crate::num::{Exact, exact, exact_int, round_exact};
use crate::period::Period;
use crate::results::{Employee, Evaluation, SchemeScore};
use crate::scheme::unit::Unit;
use crate::scheme::{Scheme, Target};
use crate::scoring::{Employment, Lines, employment};
use num_traits::{One, Zero};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    BottomUp,
    TopDown,
    Blend,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::BottomUp => "bottom-up",
            Method::TopDown => "top-down",
            Method::Blend => "blend",
        }
    }
    pub fn needs_company_target(self) -> bool {
        self != Method::BottomUp
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Equal,
    History,
}

impl Split {
    pub fn name(self) -> &'static str {
        match self {
            Split::Equal => "equal",
            Split::History => "history",
        }
    }
}

/// How the plans are made (the command line's options, validated).
#[derive(Debug, Clone)]
pub struct Options {
    /// The month planned.
    pub month: Period,
    pub method: Method,
    pub split: Split,
    /// How many months before a planned month its history is (`--history`).
    pub history: usize,
    /// `--growth` as a fraction: 20% is 1/5.
    pub growth: Exact,
    /// The company's target per plan metric for the planned month (`--company-target`).
    pub company: BTreeMap<String, Decimal>,
    /// Plans in money are rounded to a multiple of this (`--step`).
    pub step: Decimal,
    /// Fewer history months than this make a joiner (`--min-history`).
    pub min_history: usize,
    /// The export's first month, when `--since` sets it.
    pub since: Option<Period>,
    /// Only these plan metrics (`--metric`), lowercase; empty for all.
    pub metrics: BTreeSet<String>,
}

/// How many months before the planned month the back-test looks at.
pub const BACKTEST_MONTHS: usize = 6;
/// How many months a seasonal index compares.
pub const SEASON_MONTHS: usize = 12;

/// The months an evaluation for `incentive plan` must score: every history month of the
/// planned month and of each back-test month, and the year before each for the season.
pub fn months_to_read(month: Period, history: usize) -> Vec<Period> {
    let back = BACKTEST_MONTHS + history.max(SEASON_MONTHS);
    (1..=back)
        .rev()
        .filter_map(|k| shift(month, -(k as i64)))
        .collect()
}

/// The month `k` months after `p` (before, for negative `k`).
pub fn shift(p: Period, k: i64) -> Option<Period> {
    let mut out = p;
    for _ in 0..k.unsigned_abs() {
        out = if k < 0 { out.previous()? } else { out.next()? };
    }
    Some(out)
}

/// The schemes a person is scored on in every month read: their scheme in the planned month
/// and in each back-test month, in that order, without repeats.
pub fn schemes_to_score(e: &Employee, month: Period) -> Vec<usize> {
    let mut out = vec![e.scheme_in(month)];
    for k in 1..=BACKTEST_MONTHS as i64 {
        if let Some(b) = shift(month, -k) {
            let s = e.scheme_in(b);
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// A scheme's plan metrics: each `target: { plan: NAME }` name with the first KPI taking it.
pub fn plan_kpis(scheme: &Scheme) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for (k, kpi) in scheme.kpis.iter().enumerate() {
        if let Target::Plan(name) = &kpi.target
            && !out.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            out.push((name.clone(), k));
        }
    }
    out
}

/// Why a history month is not in an employee's average.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotUsed {
    /// Before the export's first month.
    NotInExport,
    /// Not employed on any day of it.
    NotEmployed,
    /// Employed on only part of it.
    PartMonth,
    /// The metric has no value (an average over no rows).
    NoValue,
}

impl NotUsed {
    pub fn code(self) -> &'static str {
        match self {
            NotUsed::NotInExport => "not_in_export",
            NotUsed::NotEmployed => "not_employed",
            NotUsed::PartMonth => "part_month",
            NotUsed::NoValue => "no_value",
        }
    }
}

#[derive(Debug, Clone)]
pub struct HistoryMonth {
    pub period: Period,
    pub value: Option<Exact>,
    /// Why the month is not in the average; `None` when it is.
    pub not_used: Option<NotUsed>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseFrom {
    /// The employee's own average over this many history months.
    Own {
        months: usize,
        first: Period,
        last: Period,
    },
    /// The median of this many colleagues' bases on the same scheme (a joiner).
    Colleagues { count: usize },
    /// No history and no colleague: only top-down's equal split, which weighs days employed
    /// alone, plans such a person.
    NoHistory,
}

/// A warning on a plan's realism.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Realism {
    /// The plan for a whole month is above 1.5 × the best history month.
    AboveBest,
    /// The plan for a whole month is below the worst history month: too easy.
    BelowWorst,
}

impl Realism {
    pub fn code(self) -> &'static str {
        match self {
            Realism::AboveBest => "above_best",
            Realism::BelowWorst => "below_worst",
        }
    }
}

/// How a top-down or blend plan was scaled to the company target.
#[derive(Debug, Clone)]
pub enum Scaling {
    None,
    /// top-down: the target × this person's weight ÷ the sum of weights.
    Split {
        target: Decimal,
        weight: Exact,
        total_weight: Exact,
    },
    /// blend: the bottom-up plan × target ÷ Σ bottom-up.
    Blend {
        target: Decimal,
        bottom_up: Exact,
        factor: Exact,
    },
}

/// One employee's plan for one metric.
#[derive(Debug, Clone)]
pub struct PlanRow {
    /// Index into the evaluation's roster.
    pub employee: usize,
    /// The plan metric as the scheme writes it.
    pub metric: String,
    pub scheme: usize,
    /// The KPI whose metric the plan is on.
    pub kpi: usize,
    pub unit: Unit,
    pub history: Vec<HistoryMonth>,
    pub base: Exact,
    pub base_from: BaseFrom,
    /// The highest and lowest history month used (none for a joiner).
    pub best: Option<Exact>,
    pub worst: Option<Exact>,
    /// 1 + growth, applied (bottom-up and blend).
    pub growth: Option<Exact>,
    /// The seasonal index, applied (bottom-up and blend), when the export has a year.
    pub season: Option<Exact>,
    pub employment: Employment,
    pub scaling: Scaling,
    /// The plan for a whole month, before the share employed and rounding.
    pub full_month: Exact,
    /// The plan before rounding.
    pub raw: Exact,
    pub plan: Decimal,
    pub warnings: Vec<Realism>,
}

/// Why someone is left for a manual plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManualWhy {
    /// Too little history and no colleague on the same scheme with enough.
    NoHistoryNoColleagues,
    /// The plan rounds to zero or below.
    RoundsToZero,
    /// top-down with `--split history`: no base to weigh by (listed among the others).
    NoWeight,
}

impl ManualWhy {
    pub fn code(self) -> &'static str {
        match self {
            ManualWhy::NoHistoryNoColleagues => "no_history_no_colleagues",
            ManualWhy::RoundsToZero => "rounds_to_zero",
            ManualWhy::NoWeight => "no_weight",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Manual {
    pub employee: usize,
    pub metric: String,
    pub scheme: usize,
    pub why: ManualWhy,
    /// The history months the employee has (fewer than `min_history`), for the message.
    pub months: usize,
}

/// The month's seasonal index for one metric, or why there is none.
#[derive(Debug, Clone)]
pub struct Season {
    pub same_month: Option<Period>,
    /// The department's total in the same month last year.
    pub same_total: Option<Exact>,
    /// The department's monthly average over the 12 months from that month.
    pub average: Option<Exact>,
    pub index: Option<Exact>,
    pub why: Option<NoSeason>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoSeason {
    /// The export does not hold the 12 months before the planned month.
    ShortExport,
    /// The department's average over those months is zero.
    ZeroAverage,
}

impl NoSeason {
    pub fn code(self) -> &'static str {
        match self {
            NoSeason::ShortExport => "short_export",
            NoSeason::ZeroAverage => "zero_average",
        }
    }
}

/// A team's plans for one metric against its best month.
#[derive(Debug, Clone)]
pub struct TeamTotal {
    pub team: String,
    pub metric: String,
    pub plan_total: Decimal,
    pub best_month: Option<Period>,
    pub best_total: Option<Exact>,
    /// The monthly totals over the months read in the export, oldest first (the chart).
    pub months: Vec<(Period, Exact)>,
    /// The plans add up to more than the best month.
    pub above_best: bool,
}

/// A company target and the rounded plans' sum.
#[derive(Debug, Clone)]
pub struct CompanyTotal {
    pub metric: String,
    pub target: Decimal,
    pub rounded_sum: Decimal,
}

/// Attainments counted in the back-test's four bands and against the KPI's lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bands {
    pub below_80: u64,
    pub from_80_to_100: u64,
    pub from_100_to_120: u64,
    pub above_120: u64,
    /// Below the KPI's review line (the curve's threshold: nothing or little is paid).
    pub below_review: u64,
    /// Above the KPI's discuss line.
    pub above_discuss: u64,
}

impl Bands {
    pub fn count(&self) -> u64 {
        self.below_80 + self.from_80_to_100 + self.from_100_to_120 + self.above_120
    }
    fn add(&mut self, a: &Exact, lines: Lines) {
        let pct = |n: i64| Exact::new(n.into(), 100.into());
        if *a < pct(80) {
            self.below_80 += 1;
        } else if *a < Exact::one() {
            self.from_80_to_100 += 1;
        } else if *a <= pct(120) {
            self.from_100_to_120 += 1;
        } else {
            self.above_120 += 1;
        }
        if *a < exact(lines.review) {
            self.below_review += 1;
        }
        if *a > exact(lines.discuss) {
            self.above_discuss += 1;
        }
    }
    fn merge(&mut self, o: &Bands) {
        self.below_80 += o.below_80;
        self.from_80_to_100 += o.from_80_to_100;
        self.from_100_to_120 += o.from_100_to_120;
        self.above_120 += o.above_120;
        self.below_review += o.below_review;
        self.above_discuss += o.above_discuss;
    }
    /// The back-test's flag: more than half below the review line, or above the discuss line.
    pub fn flag(&self) -> Option<BacktestFlag> {
        let n = self.count();
        if n == 0 {
            None
        } else if self.below_review * 2 > n {
            Some(BacktestFlag::TooHard)
        } else if self.above_discuss * 2 > n {
            Some(BacktestFlag::TooEasy)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BacktestFlag {
    TooHard,
    TooEasy,
}

impl BacktestFlag {
    pub fn code(self) -> &'static str {
        match self {
            BacktestFlag::TooHard => "backtest_too_hard",
            BacktestFlag::TooEasy => "backtest_too_easy",
        }
    }
}

/// Why a back-test month was not tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// Before the export's first month.
    NotInExport,
    /// top-down or blend: the plans table records no plan for the month to take as its target.
    NoRecordedTarget,
}

impl Skipped {
    pub fn code(self) -> &'static str {
        match self {
            Skipped::NotInExport => "not_in_export",
            Skipped::NoRecordedTarget => "no_recorded_target",
        }
    }
}

#[derive(Debug, Clone)]
pub struct BacktestMonth {
    pub period: Period,
    pub method: Bands,
    pub actual: Bands,
    pub skipped: Option<Skipped>,
    /// The target the method split (top-down, blend): the recorded plans' sum.
    pub target: Option<Decimal>,
}

#[derive(Debug, Clone)]
pub struct Backtest {
    pub metric: String,
    pub months: Vec<BacktestMonth>,
    pub method: Bands,
    pub actual: Bands,
    pub flag: Option<BacktestFlag>,
}

/// What `incentive plan` proposes.
#[derive(Debug, Clone)]
pub struct Plan {
    pub options: Options,
    /// The export's first month (from the data or `--since`); none when it holds no activity.
    pub first_month: Option<Period>,
    /// The export's last month; months after it are not in the export (never read as zeros).
    pub last_month: Option<Period>,
    /// The plan metrics planned, in order.
    pub metrics: Vec<String>,
    pub season: BTreeMap<String, Season>,
    /// Employee (roster order) then metric.
    pub rows: Vec<PlanRow>,
    pub manual: Vec<Manual>,
    pub teams: Vec<TeamTotal>,
    pub company: Vec<CompanyTotal>,
    pub backtest: Vec<Backtest>,
}

impl Plan {
    /// Every warning the plan raises: each person's realism warnings, the teams' plans above
    /// their best month and the back-test's flags.
    pub fn warning_count(&self) -> usize {
        self.rows.iter().map(|r| r.warnings.len()).sum::<usize>()
            + self.teams.iter().filter(|t| t.above_best).count()
            + self.backtest.iter().filter(|b| b.flag.is_some()).count()
    }
}

/// The value of each plan metric of each scheme per (month, employee, scheme), from the
/// evaluation, with everyone's employment per month.
struct Facts<'a> {
    ev: &'a Evaluation,
    scores: HashMap<(Period, usize, usize), &'a SchemeScore>,
    first_month: Option<Period>,
    last_month: Option<Period>,
}

impl<'a> Facts<'a> {
    fn new(
        ev: &'a Evaluation,
        first_month: Option<Period>,
        last_month: Option<Period>,
    ) -> Facts<'a> {
        let mut scores = HashMap::new();
        for pr in &ev.periods {
            for ep in &pr.employees {
                for s in &ep.scores {
                    scores.insert((pr.period, ep.employee, s.scheme), s);
                }
            }
        }
        Facts {
            ev,
            scores,
            first_month,
            last_month,
        }
    }
    fn in_export(&self, p: Period) -> bool {
        self.first_month.is_some_and(|f| p >= f)
            && self.last_month.is_some_and(|l| p <= l)
            && self.scores_month(p)
    }
    fn scores_month(&self, p: Period) -> bool {
        self.ev.periods.iter().any(|r| r.period == p)
    }
    fn employment(&self, e: usize, p: Period) -> Employment {
        let emp = &self.ev.roster[e];
        employment(p, emp.hired_on, emp.left_on)
    }
    /// The plan KPI's actual for employee `e` on `scheme` in month `p`.
    fn value(&self, e: usize, scheme: usize, kpi: usize, p: Period) -> Option<Exact> {
        self.scores
            .get(&(p, e, scheme))
            .and_then(|s| s.score.kpis[kpi].actual.clone())
    }
    /// The plan the plans table records (the KPI's target) for `e` on `scheme` in month `p`.
    fn recorded(&self, e: usize, scheme: usize, kpi: usize, p: Period) -> Option<Exact> {
        self.scores
            .get(&(p, e, scheme))
            .and_then(|s| s.score.kpis[kpi].target.clone())
    }
    /// The department's total of a plan metric in month `p`: every roster employee whose
    /// scheme in `planned` has the metric, employed on a day of `p`.
    fn department_total(&self, metric: &str, planned: Period, p: Period) -> Exact {
        let mut total = Exact::zero();
        for (e, emp) in self.ev.roster.iter().enumerate() {
            let s = emp.scheme_in(planned);
            let Some(k) = kpi_of(&self.ev.schemes[s], metric) else {
                continue;
            };
            if self.employment(e, p).is_employed()
                && let Some(v) = self.value(e, s, k, p)
            {
                total += v;
            }
        }
        total
    }
}

fn kpi_of(scheme: &Scheme, metric: &str) -> Option<usize> {
    plan_kpis(scheme)
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(metric))
        .map(|(_, k)| k)
}

/// The seasonal index of month `planned` for `metric` (docs/plan.md "Seasonality").
fn season(f: &Facts<'_>, metric: &str, planned: Period) -> Season {
    let months: Vec<Period> = (1..=SEASON_MONTHS as i64)
        .rev()
        .filter_map(|k| shift(planned, -k))
        .collect();
    let same_month = months.first().copied();
    if months.len() < SEASON_MONTHS || !months.iter().all(|&m| f.in_export(m)) {
        return Season {
            same_month,
            same_total: None,
            average: None,
            index: None,
            why: Some(NoSeason::ShortExport),
        };
    }
    let totals: Vec<Exact> = months
        .iter()
        .map(|&m| f.department_total(metric, planned, m))
        .collect();
    let sum: Exact = totals.iter().cloned().sum();
    let average = sum / exact_int(SEASON_MONTHS as i64);
    let same_total = totals[0].clone();
    if average.is_zero() {
        return Season {
            same_month,
            same_total: Some(same_total),
            average: Some(average),
            index: None,
            why: Some(NoSeason::ZeroAverage),
        };
    }
    Season {
        same_month,
        index: Some(&same_total / &average),
        same_total: Some(same_total),
        average: Some(average),
        why: None,
    }
}

/// The median of a non-empty list: the middle value, or the mean of the two middle values.
fn median(mut v: Vec<Exact>) -> Exact {
    v.sort();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2].clone()
    } else {
        (&v[n / 2 - 1] + &v[n / 2]) / exact_int(2)
    }
}

/// Rounds a plan to the nearest multiple of `step`, halves up (away from zero).
pub fn round_to_step(x: &Exact, step: Decimal) -> Decimal {
    let s = exact(step);
    let q = x / &s;
    let half = Exact::new(1.into(), 2.into());
    let n = if q.is_negative() {
        -((-q) + half).floor()
    } else {
        (q + half).floor()
    };
    round_exact(&(n * s), step.scale()).unwrap_or(Decimal::MAX)
}

/// The rounding step of a plan in this unit: `--step` for money, 1 for a count, a cent
/// otherwise.
pub fn step_for(unit: Unit, step: Decimal) -> Decimal {
    match unit {
        Unit::Money => step,
        Unit::Count => Decimal::ONE,
        _ => Decimal::new(1, 2),
    }
}

/// One planned month: the plans of everyone employed in it, for every metric.
struct MonthPlans {
    rows: Vec<PlanRow>,
    manual: Vec<Manual>,
    season: BTreeMap<String, Season>,
}

/// Plans month `planned` by `o`'s method; `targets` are the company targets for it.
fn plan_month(
    f: &Facts<'_>,
    o: &Options,
    planned: Period,
    metrics: &[String],
    targets: &BTreeMap<String, Decimal>,
) -> MonthPlans {
    let ev = f.ev;
    let window: Vec<Period> = (1..=o.history as i64)
        .rev()
        .filter_map(|k| shift(planned, -k))
        .collect();
    let growth = Exact::one() + &o.growth;
    let mut out = MonthPlans {
        rows: Vec::new(),
        manual: Vec::new(),
        season: BTreeMap::new(),
    };
    for metric in metrics {
        let season = season(f, metric, planned);
        // Everyone employed in the month whose scheme then has the metric.
        struct Draft {
            e: usize,
            s: usize,
            k: usize,
            history: Vec<HistoryMonth>,
            own: Option<(Exact, usize, Period, Period, Exact, Exact)>,
            employment: Employment,
        }
        let mut drafts = Vec::new();
        for (e, emp) in ev.roster.iter().enumerate() {
            let employment = f.employment(e, planned);
            if !employment.is_employed() {
                continue;
            }
            let s = emp.scheme_in(planned);
            let Some(k) = kpi_of(&ev.schemes[s], metric) else {
                continue;
            };
            let history: Vec<HistoryMonth> = window
                .iter()
                .map(|&p| {
                    let value = f.value(e, s, k, p);
                    let em = f.employment(e, p);
                    let not_used = if !f.in_export(p) {
                        Some(NotUsed::NotInExport)
                    } else if !em.is_employed() {
                        Some(NotUsed::NotEmployed)
                    } else if em.days_employed < em.days_in_period {
                        Some(NotUsed::PartMonth)
                    } else if value.is_none() {
                        Some(NotUsed::NoValue)
                    } else {
                        None
                    };
                    HistoryMonth {
                        period: p,
                        value,
                        not_used,
                    }
                })
                .collect();
            let used: Vec<(&Period, &Exact)> = history
                .iter()
                .filter(|h| h.not_used.is_none())
                .filter_map(|h| h.value.as_ref().map(|v| (&h.period, v)))
                .collect();
            let own = if used.len() >= o.min_history.max(1) {
                let sum: Exact = used.iter().map(|(_, v)| (*v).clone()).sum();
                let best = used
                    .iter()
                    .map(|(_, v)| (*v).clone())
                    .max()
                    .unwrap_or_default();
                let worst = used
                    .iter()
                    .map(|(_, v)| (*v).clone())
                    .min()
                    .unwrap_or_default();
                Some((
                    sum / exact_int(used.len() as i64),
                    used.len(),
                    *used[0].0,
                    *used[used.len() - 1].0,
                    best,
                    worst,
                ))
            } else {
                None
            };
            drafts.push(Draft {
                e,
                s,
                k,
                history,
                own,
                employment,
            });
        }
        // Colleagues' bases per scheme, for joiners.
        let mut by_scheme: BTreeMap<usize, Vec<Exact>> = BTreeMap::new();
        for d in &drafts {
            if let Some(own) = &d.own {
                by_scheme.entry(d.s).or_default().push(own.0.clone());
            }
        }
        let mut rows: Vec<PlanRow> = Vec::new();
        for d in drafts {
            let (base, base_from, best, worst) = match d.own {
                Some((base, months, first, last, best, worst)) => (
                    base,
                    BaseFrom::Own {
                        months,
                        first,
                        last,
                    },
                    Some(best),
                    Some(worst),
                ),
                None => match by_scheme.get(&d.s) {
                    Some(bases) if !bases.is_empty() => (
                        median(bases.clone()),
                        BaseFrom::Colleagues { count: bases.len() },
                        None,
                        None,
                    ),
                    _ if o.method == Method::TopDown && o.split == Split::Equal => {
                        (Exact::zero(), BaseFrom::NoHistory, None, None)
                    }
                    _ => {
                        let months = d.history.iter().filter(|h| h.not_used.is_none()).count();
                        out.manual.push(Manual {
                            employee: d.e,
                            metric: metric.clone(),
                            scheme: d.s,
                            why: ManualWhy::NoHistoryNoColleagues,
                            months,
                        });
                        continue;
                    }
                },
            };
            let unit =
                crate::scheme::unit::unit(&ev.schemes[d.s], ev.schemes[d.s].kpis[d.k].metric);
            rows.push(PlanRow {
                employee: d.e,
                metric: metric.clone(),
                scheme: d.s,
                kpi: d.k,
                unit,
                history: d.history,
                base,
                base_from,
                best,
                worst,
                growth: None,
                season: None,
                employment: d.employment,
                scaling: Scaling::None,
                full_month: Exact::zero(),
                raw: Exact::zero(),
                plan: Decimal::ZERO,
                warnings: Vec::new(),
            });
        }
        // The method.
        let share = |r: &PlanRow| r.employment.share();
        let bottom_up = |r: &PlanRow| {
            let mut x = &r.base * &growth;
            if let Some(s) = &season.index {
                x *= s;
            }
            x
        };
        match o.method {
            Method::BottomUp => {
                for r in &mut rows {
                    r.growth = Some(growth.clone());
                    r.season = season.index.clone();
                    r.full_month = bottom_up(r);
                    r.raw = &r.full_month * share(r);
                }
            }
            Method::TopDown | Method::Blend => {
                let target = targets
                    .get(&metric.to_lowercase())
                    .copied()
                    .unwrap_or_default();
                let weight = |r: &PlanRow| match (o.method, o.split) {
                    (Method::TopDown, Split::Equal) => share(r),
                    (Method::TopDown, Split::History) => &r.base * share(r),
                    _ => bottom_up(r) * share(r),
                };
                let total: Exact = rows.iter().map(weight).sum();
                if total.is_zero() {
                    // Nothing to weigh by: everyone of the metric is left for a manual plan.
                    for r in rows.drain(..) {
                        out.manual.push(Manual {
                            employee: r.employee,
                            metric: metric.clone(),
                            scheme: r.scheme,
                            why: ManualWhy::NoWeight,
                            months: 0,
                        });
                    }
                }
                for r in &mut rows {
                    let w = weight(r);
                    r.raw = exact(target) * &w / &total;
                    r.full_month = &r.raw / share(r);
                    r.scaling = if o.method == Method::Blend {
                        r.growth = Some(growth.clone());
                        r.season = season.index.clone();
                        Scaling::Blend {
                            target,
                            factor: exact(target) / &total,
                            bottom_up: w,
                        }
                    } else {
                        Scaling::Split {
                            target,
                            weight: w,
                            total_weight: total.clone(),
                        }
                    };
                }
            }
        }
        for mut r in rows {
            r.plan = round_to_step(&r.raw, step_for(r.unit, o.step));
            if r.plan <= Decimal::ZERO {
                out.manual.push(Manual {
                    employee: r.employee,
                    metric: metric.clone(),
                    scheme: r.scheme,
                    why: ManualWhy::RoundsToZero,
                    months: r.history.iter().filter(|h| h.not_used.is_none()).count(),
                });
                continue;
            }
            if let Some(best) = &r.best
                && r.full_month > best * Exact::new(3.into(), 2.into())
            {
                r.warnings.push(Realism::AboveBest);
            }
            if let Some(worst) = &r.worst
                && r.full_month < *worst
            {
                r.warnings.push(Realism::BelowWorst);
            }
            out.rows.push(r);
        }
        out.season.insert(metric.clone(), season);
    }
    let order = |e: usize| ev.roster[e].id.as_str();
    out.rows
        .sort_by(|a, b| (order(a.employee), &a.metric).cmp(&(order(b.employee), &b.metric)));
    out.manual
        .sort_by(|a, b| (order(a.employee), &a.metric).cmp(&(order(b.employee), &b.metric)));
    out
}

/// The plan metrics of the schemes people are on in the planned month, in scheme then KPI
/// order, narrowed to `--metric`.
pub fn metrics_planned(ev: &Evaluation, o: &Options) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (e, emp) in ev.roster.iter().enumerate() {
        let _ = e;
        if !employment(o.month, emp.hired_on, emp.left_on).is_employed() {
            continue;
        }
        for (name, _) in plan_kpis(&ev.schemes[emp.scheme_in(o.month)]) {
            let keep = o.metrics.is_empty() || o.metrics.contains(&name.to_lowercase());
            if keep && !out.iter().any(|m| m.eq_ignore_ascii_case(&name)) {
                out.push(name);
            }
        }
    }
    out.sort_by_key(|m| m.to_lowercase());
    out
}

/// Builds the plan of `o.month` from an evaluation of [`months_to_read`] on
/// [`schemes_to_score`]. `export` watched the rows to find the export's first and last months.
pub fn build(ev: &Evaluation, export: &ExportMonths, o: &Options) -> Plan {
    let first_month = o.since.or(export.first());
    let last_month = export.last();
    let f = Facts::new(ev, first_month, last_month);
    let metrics = metrics_planned(ev, o);
    let month = plan_month(&f, o, o.month, &metrics, &o.company);

    // Teams: the plans' totals against the best month.
    let mut teams = Vec::new();
    let team_of = |e: usize| {
        let t = ev.roster[e].team.trim();
        if t.is_empty() {
            "(no team)".to_string()
        } else {
            t.to_string()
        }
    };
    let read: Vec<Period> = ev
        .periods
        .iter()
        .map(|p| p.period)
        .filter(|&p| f.in_export(p))
        .collect();
    for metric in &metrics {
        let mut plan_totals: BTreeMap<String, Decimal> = BTreeMap::new();
        for r in month.rows.iter().filter(|r| &r.metric == metric) {
            *plan_totals.entry(team_of(r.employee)).or_default() += r.plan;
        }
        for (team, plan_total) in plan_totals {
            let members: Vec<usize> = (0..ev.roster.len())
                .filter(|&e| team_of(e) == team)
                .collect();
            // The months in which someone of the team carrying the metric was employed.
            let months: Vec<(Period, Exact)> = read
                .iter()
                .filter_map(|&p| {
                    let mut t = Exact::zero();
                    let mut anyone = false;
                    for &e in &members {
                        let s = ev.roster[e].scheme_in(o.month);
                        if let Some(k) = kpi_of(&ev.schemes[s], metric)
                            && f.employment(e, p).is_employed()
                        {
                            anyone = true;
                            if let Some(v) = f.value(e, s, k, p) {
                                t += v;
                            }
                        }
                    }
                    anyone.then_some((p, t))
                })
                .collect();
            // The best month; ties: the earlier.
            let best = months
                .iter()
                .fold(None::<&(Period, Exact)>, |b, m| match b {
                    Some(b) if b.1 >= m.1 => Some(b),
                    _ => Some(m),
                });
            let above_best = best.is_some_and(|b| exact(plan_total) > b.1);
            teams.push(TeamTotal {
                team,
                metric: metric.clone(),
                plan_total,
                best_month: best.map(|b| b.0),
                best_total: best.map(|b| b.1.clone()),
                months,
                above_best,
            });
        }
    }

    let company = if o.method.needs_company_target() {
        metrics
            .iter()
            .map(|m| CompanyTotal {
                metric: m.clone(),
                target: o
                    .company
                    .get(&m.to_lowercase())
                    .copied()
                    .unwrap_or_default(),
                rounded_sum: month
                    .rows
                    .iter()
                    .filter(|r| &r.metric == m)
                    .map(|r| r.plan)
                    .sum(),
            })
            .collect()
    } else {
        Vec::new()
    };

    // The back-test: the method run as if at the start of each of the six months before.
    let mut backtest: Vec<Backtest> = metrics
        .iter()
        .map(|m| Backtest {
            metric: m.clone(),
            months: Vec::new(),
            method: Bands::default(),
            actual: Bands::default(),
            flag: None,
        })
        .collect();
    for k in (1..=BACKTEST_MONTHS as i64).rev() {
        let Some(b) = shift(o.month, -k) else {
            continue;
        };
        let in_export = f.in_export(b);
        // The company target of month b: the plans the table records for it.
        let mut recorded: BTreeMap<String, Decimal> = BTreeMap::new();
        let mut actual: BTreeMap<String, Bands> = BTreeMap::new();
        for (e, emp) in ev.roster.iter().enumerate() {
            if !f.employment(e, b).is_employed() {
                continue;
            }
            let s = emp.scheme_in(b);
            let scheme = &ev.schemes[s];
            for (name, kpi) in plan_kpis(scheme) {
                let Some(metric) = metrics.iter().find(|m| m.eq_ignore_ascii_case(&name)) else {
                    continue;
                };
                let Some(plan) = f.recorded(e, s, kpi, b) else {
                    continue;
                };
                *recorded.entry(metric.to_lowercase()).or_default() +=
                    round_exact(&plan, 2).unwrap_or_default();
                let bands = actual.entry(metric.clone()).or_default();
                if plan.is_positive()
                    && let Some(v) = f.value(e, s, kpi, b)
                {
                    bands.add(&(v / plan), Lines::of(scheme, &scheme.kpis[kpi]));
                }
            }
        }
        let needs_target = o.method.needs_company_target();
        let tested = if in_export {
            Some(plan_month(&f, o, b, &metrics, &recorded))
        } else {
            None
        };
        for bt in &mut backtest {
            let target = recorded.get(&bt.metric.to_lowercase()).copied();
            let skipped = if !in_export {
                Some(Skipped::NotInExport)
            } else if needs_target && target.is_none_or(|t| t <= Decimal::ZERO) {
                Some(Skipped::NoRecordedTarget)
            } else {
                None
            };
            let mut method = Bands::default();
            let mut actual_bands = Bands::default();
            if skipped.is_none() {
                actual_bands = actual.get(&bt.metric).cloned().unwrap_or_default();
                for r in tested
                    .iter()
                    .flat_map(|t| t.rows.iter())
                    .filter(|r| r.metric == bt.metric)
                {
                    let scheme = &ev.schemes[r.scheme];
                    if let Some(v) = f.value(r.employee, r.scheme, r.kpi, b) {
                        method.add(&(v / exact(r.plan)), Lines::of(scheme, &scheme.kpis[r.kpi]));
                    }
                }
            }
            bt.method.merge(&method);
            bt.actual.merge(&actual_bands);
            bt.months.push(BacktestMonth {
                period: b,
                method,
                actual: actual_bands,
                skipped,
                target: if needs_target { target } else { None },
            });
        }
    }
    for bt in &mut backtest {
        bt.flag = bt.method.flag();
    }

    Plan {
        options: o.clone(),
        first_month,
        last_month,
        metrics,
        season: month.season,
        rows: month.rows,
        manual: month.manual,
        teams,
        company,
        backtest,
    }
}

/// The export's first and last months (docs/plan.md), found by watching the rows as the evaluation reads
/// them: the month of the earliest dated activity row, unless that month holds fewer than a
/// quarter of the rows of the month after it (an export taken from a date holds a few rows
/// dated just before it: a month's tail, not a month), then the month after, and so on.
#[derive(Debug, Default)]
pub struct ExportMonths {
    rows: BTreeMap<Period, u64>,
}

impl ExportMonths {
    pub fn observe(
        &mut self,
        table: crate::data::tables::Table,
        row: &[crate::data::value::Value],
    ) {
        use crate::data::tables::Table;
        let col = match table {
            Table::Calls => "started_at",
            Table::Emails => "sent_at",
            Table::Meetings => "starts_at",
            Table::Deals => "closed_on",
            Table::Nps => "answered_on",
            Table::CrmActivity => "date",
            _ => return,
        };
        if let Some(d) = table
            .column_index(col)
            .and_then(|c| row.get(c))
            .and_then(|v| v.as_date())
        {
            *self.rows.entry(Period::of(d)).or_default() += 1;
        }
    }

    /// The first month, or none when no dated activity row was read.
    pub fn first(&self) -> Option<Period> {
        Self::edge(self.rows.iter(), |p| p.next())
    }

    /// The last month, by the same rule from the other end: a month holding fewer than a
    /// quarter of the rows of the month before it is the head of a month an export taken on a
    /// day shows (calls on the first days after), not a month.
    pub fn last(&self) -> Option<Period> {
        Self::edge(self.rows.iter().rev(), |p| p.previous())
    }

    fn edge<'a>(
        months: impl Iterator<Item = (&'a Period, &'a u64)>,
        toward: impl Fn(Period) -> Option<Period>,
    ) -> Option<Period> {
        let mut months = months.peekable();
        while let Some((&p, &n)) = months.next() {
            match months.peek() {
                Some((next, m)) if toward(p) == Some(**next) && n * 4 < **m => continue,
                _ => return Some(p),
            }
        }
        None
    }
}
