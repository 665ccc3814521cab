//! The evaluate step: any list of periods × per employee any number of schemes, from one read.
//!
//! [`evaluate`] takes a loaded [`Dataset`] and says, through `assign`, which schemes to score
//! each employee on in each period (the paid one, a candidate …). It checks the plans those
//! schemes need, streams every activity table the schemes read exactly once into the
//! [`Evaluator`] (whose slots are keyed by period and scheme), and scores every
//! (period, employee, scheme). Scoring itself is [`crate::scoring`]: pure, exact, one rounding.

use crate::data::TypedRow;
use crate::data::tables::Table;
use crate::data::{OnRow, read_tables};
use crate::error::{Capped, Error, Problem, Result};
use crate::load::Dataset;
use crate::metrics::{Evaluator, Unit};
use crate::period::Period;
use crate::results::{
    Employee, EmployeePeriod, Evaluation, PeriodResults, Role, SchemeScore, TableStats, hash_all,
    hash_all_known,
};
use crate::scheme::{self, Scheme, Target};
use crate::scoring;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Roster index by employee id, looked up once per activity row (foldhash: SipHash cost a
/// tenth of reading a CSV period).
type IdIndex<'a> = HashMap<&'a str, usize, foldhash::fast::RandomState>;

/// Which schemes to score an employee on in a period, with their roles (the paid one first).
pub type Assign<'a> = dyn Fn(&Employee, Period) -> Vec<(usize, Role)> + 'a;

/// What a monthly run evaluates: each employee's paid scheme for the period and, when the
/// roster names one (`observe_scheme`), the candidate beside it.
pub fn payroll(e: &Employee, period: Period) -> Vec<(usize, Role)> {
    let paid = e.scheme_in(period);
    let mut out = vec![(paid, Role::Paid)];
    if let Some(c) = e.observe_scheme.filter(|&c| c != paid) {
        out.push((c, Role::Candidate));
    }
    out
}

/// Whether an evaluation keeps the source rows behind each metric (the evidence statements and
/// the Breakdown show) or only the figures (analyses over many periods).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceRows {
    Keep,
    Skip,
    /// Only for one scheme (by index) in one period (by index): the team view's daily activity
    /// needs its own scheme's rows in the period, not every deal of every history month.
    KeepFor {
        period: usize,
        scheme: usize,
    },
}

impl SourceRows {
    fn keeps(self, unit: Unit) -> bool {
        match self {
            SourceRows::Keep => true,
            SourceRows::Skip => false,
            SourceRows::KeepFor { period, scheme } => unit == Unit { period, scheme },
        }
    }
}

/// Evaluates the dataset's periods: every employee on the schemes `assign` gives them.
/// Refuses, with every problem of the load and the evaluation, when anything is wrong.
pub fn evaluate(ds: Dataset, assign: &Assign<'_>, rows: SourceRows) -> Result<Evaluation> {
    evaluate_with(ds, assign, rows, Read::default())
}

/// Sees a row: its table, its employee's roster index and its values.
pub type Observer<'a> = dyn FnMut(Table, usize, &[crate::data::value::Value]) + 'a;

/// How the activity tables are read, beyond what the schemes need.
#[derive(Default)]
pub struct Read<'o> {
    /// Read the export as it was on this day (see [`as_of`]).
    pub as_of: Option<chrono::NaiveDate>,
    /// Sees every valid row of a roster employee the evaluation reads (after the cut), with the
    /// employee's roster index: an analysis counting what no metric can (deals per loss reason)
    /// without a second read.
    pub observe: Option<&'o mut Observer<'o>>,
    /// A missing plan row is a warning (the KPI has no target, so no attainment), not a
    /// refusal: for views that pay nothing (the head of sales' screen), where one missing plan
    /// of a history month must not hide the whole team.
    pub plans_optional: bool,
}

/// A row as the export held it on day `d`: None when the row did not exist yet (a call, email,
/// meeting, NPS answer or CRM day after `d`, a client since after `d`, a deal created after
/// `d`); otherwise the row with what happened after `d` undone: a deal closed after `d` is open,
/// one refunded after `d` is won and not refunded, an email opened after `d` is unopened, a
/// client churned after `d` is still a client.
pub fn as_of(
    table: Table,
    values: &[crate::data::value::Value],
    d: chrono::NaiveDate,
) -> Option<Vec<crate::data::value::Value>> {
    use crate::data::value::{Text, Value};
    let col = |name: &str| table.column_index(name);
    let after = |v: &Value| v.as_date().is_some_and(|x| x > d);
    let born = match table {
        Table::Calls => col("started_at"),
        Table::Emails => col("sent_at"),
        Table::Meetings => col("starts_at"),
        Table::Deals => col("created_on"),
        Table::Clients => col("since"),
        Table::Nps => col("answered_on"),
        Table::CrmActivity => col("date"),
        Table::Employees | Table::Plans | Table::Adjustments => None,
    };
    if born.is_some_and(|c| after(&values[c])) {
        return None;
    }
    let mut out = values.to_vec();
    let mut undo = |name: &str| -> bool {
        match col(name) {
            Some(c) if after(&out[c]) => {
                out[c] = Value::Empty;
                true
            }
            _ => false,
        }
    };
    match table {
        Table::Emails => {
            undo("opened_at");
        }
        Table::Clients => {
            undo("churned_on");
        }
        Table::Deals => {
            let closed_later = undo("closed_on");
            let refunded_later = undo("refunded_on");
            if let Some(status) = col("status") {
                if closed_later {
                    out[status] = Value::Text(Text::const_new("open"));
                    if let Some(r) = col("lost_reason") {
                        out[r] = Value::Empty;
                    }
                } else if refunded_later && out[status].as_text() == Some("refunded") {
                    out[status] = Value::Text(Text::const_new("won"));
                }
            }
        }
        _ => {}
    }
    Some(out)
}

/// [`evaluate`], reading the activity as `read` says.
pub fn evaluate_with(
    mut ds: Dataset,
    assign: &Assign<'_>,
    rows: SourceRows,
    mut read: Read<'_>,
) -> Result<Evaluation> {
    ds.roster.sort_by(|a, b| a.id.cmp(&b.id));
    let periods = ds.periods.clone();
    let mut problems = std::mem::take(&mut ds.problems);
    // Per employee: the (period index, scheme, role) triples to score, in the order asked.
    let asked: Vec<Vec<(usize, usize, Role)>> = ds
        .roster
        .iter()
        .map(|e| {
            let mut out = Vec::new();
            for (p, &period) in periods.iter().enumerate() {
                for (s, role) in assign(e, period) {
                    if !out.iter().any(|&(q, t, _)| q == p && t == s) {
                        out.push((p, s, role));
                    }
                }
            }
            out
        })
        .collect();
    let units: Vec<Vec<Unit>> = asked
        .iter()
        .map(|a| {
            a.iter()
                .map(|&(period, scheme, _)| Unit { period, scheme })
                .collect()
        })
        .collect();
    let in_use: BTreeSet<usize> = units.iter().flatten().map(|u| u.scheme).collect();
    let schemes = &ds.schemes;

    let mut plan_warnings: Vec<Problem> = Vec::new();
    let needs_plans = in_use.iter().any(|&s| {
        schemes[s]
            .kpis
            .iter()
            .any(|k| matches!(k.target, Target::Plan(_)))
    });
    if needs_plans {
        if ds.source.has_table(Table::Plans) {
            let mut missing = Vec::new();
            check_plans(&ds, &asked, &periods, &mut missing);
            if read.plans_optional {
                plan_warnings = missing;
            } else {
                problems.extend(missing);
            }
        } else if read.plans_optional {
            plan_warnings.push(Problem::new(
                ds.source.place(Table::Plans),
                "the plans table is missing, so KPIs with a plan target have none",
            ));
        } else {
            problems.push(Problem::new(
                ds.source.place(Table::Plans),
                "the plans table is missing; schemes in use take targets from it",
            ));
        }
    }

    let mut evaluator = Evaluator::new(schemes, &periods, &units, &|u| rows.keeps(u));
    let index: IdIndex<'_> = ds
        .roster
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.as_str(), i))
        .collect();
    let mut lonely = Vec::new();
    let (teams, managers) = scopes(&ds, &asked, &index, &mut problems, &mut lonely);
    evaluator.set_scopes(&teams, &managers);
    let mut tables = std::mem::take(&mut ds.tables);
    tables.extend(read_activity(
        &ds,
        &in_use,
        &mut evaluator,
        &index,
        &periods,
        &mut problems,
        &mut read,
    ));
    // Every table is read: a workbook's shared strings need not be held through the scoring.
    ds.source.done_reading();
    if !problems.is_empty() {
        return Err(Error::BadInput(problems));
    }
    let values = evaluator.finish().map_err(Error::BadInput)?;
    // Without evidence the accumulators are done with: free them before the scores are built,
    // so the peak is the larger of the two, not their sum (compare over a year holds both).
    let evaluator = (rows != SourceRows::Skip).then_some(evaluator);

    let mut results: Vec<PeriodResults> = periods
        .iter()
        .map(|&period| PeriodResults {
            period,
            employees: Vec::new(),
        })
        .collect();
    let scored = score_all(&ds.roster, schemes, ds.plans(), &periods, &asked, &values);
    for ((e, emp), scored) in ds.roster.iter().enumerate().zip(scored) {
        let mut by_period: BTreeMap<usize, Vec<SchemeScore>> = BTreeMap::new();
        for ((i, &(p, s, role)), score) in asked[e].iter().enumerate().zip(scored) {
            let period = periods[p];
            match score {
                Ok(score) => by_period.entry(p).or_default().push(SchemeScore {
                    scheme: s,
                    role,
                    score,
                    evidence: evaluator
                        .as_ref()
                        .map_or_else(Vec::new, |ev| ev.evidence(e, i)),
                }),
                Err(message) => problems.push(Problem::new(
                    format!("employee {}, period {period}", emp.id),
                    message,
                )),
            }
        }
        for (p, mut scores) in by_period {
            scores.sort_by_key(|s| s.role);
            results[p].employees.push(EmployeePeriod {
                employee: e,
                employment: scoring::employment(periods[p], emp.hired_on, emp.left_on),
                scores,
            });
        }
    }
    // Each period's payout per currency must be an amount.
    for r in &results {
        let mut totals: BTreeMap<&str, Option<Decimal>> = BTreeMap::new();
        for ep in &r.employees {
            if let Some(paid) = ep.paid() {
                let t = totals
                    .entry(schemes[paid.scheme].currency.as_str())
                    .or_insert(Some(Decimal::ZERO));
                *t = t.and_then(|t| t.checked_add(paid.score.total));
            }
        }
        for (currency, total) in totals {
            if total.is_none() {
                problems.push(Problem::new(
                    "",
                    format!(
                        "the total payout of {} in {currency} is too large to be an amount",
                        r.period
                    ),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::BadInput(problems));
    }

    let mut warnings = warnings(schemes, &in_use, &asked, &periods, &tables);
    if !plan_warnings.is_empty() {
        // Bounded: the first few, then how many in all.
        let n = plan_warnings.len();
        warnings.extend(plan_warnings.into_iter().take(5).map(|mut p| {
            p.message += "; shown without a target";
            p
        }));
        if n > 5 {
            warnings.push(Problem::new(
                "",
                format!(
                    "{} more plan rows are missing; those KPIs are shown without a target",
                    n - 5
                ),
            ));
        }
    }
    warnings.extend(lonely);
    for t in &mut tables {
        t.encoding = t.table.and_then(|table| ds.source.encoding(table));
    }
    let mut data_paths = ds.source.files();
    if let Some(m) = &ds.mapping {
        data_paths.extend(m.files.iter().cloned());
    }
    let data_files = hash_all_known(&data_paths, &|p| ds.source.digest(p))?;
    let mapping = ds.mapping.map(|m| crate::results::MappingUse {
        name: m.name,
        reference: m.reference,
        usage: ds.source.usage(),
    });
    // Only schemes read from files: an analysis's own internal scheme has none.
    let scheme_files = hash_all(
        &schemes
            .iter()
            .filter(|s| s.file.is_file())
            .map(|s| s.file.clone())
            .collect::<Vec<_>>(),
    )?;
    Ok(Evaluation {
        schemes: ds.schemes,
        roster: ds.roster,
        periods: results,
        warnings,
        tables,
        data_path: ds.data_path,
        schemes_dir: ds.schemes_dir,
        data_files,
        scheme_files,
        mapping,
        adjustments: ds.adjustments,
    })
}

/// Who is in whose scope, for `scope: team` and `scope: reports` metrics: per employee (by
/// roster index) the index of their team and their manager's roster index.
///
/// A team is the `team` text exactly as the roster writes it (the Summary's per-team totals
/// group by the same text). Someone scored on a scheme with a team metric but with an empty
/// team is refused rather than paid on their own rows under a "team" KPI: that is the silent
/// wrong payout scope exists to end. Someone on a scheme with a reports metric to whom no one
/// reports is warned about (`warnings`): the metric then counts their own rows only, which a
/// missing manager_id column would otherwise hide.
fn scopes(
    ds: &Dataset,
    asked: &[Vec<(usize, usize, Role)>],
    index: &IdIndex<'_>,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> (Vec<Option<u32>>, Vec<Option<usize>>) {
    let mut team_index: HashMap<&str, u32> = HashMap::new();
    let teams: Vec<Option<u32>> = ds
        .roster
        .iter()
        .map(|e| {
            let team = e.team.trim();
            if team.is_empty() {
                return None;
            }
            let next = team_index.len() as u32;
            Some(*team_index.entry(team).or_insert(next))
        })
        .collect();
    let managers: Vec<Option<usize>> = ds
        .roster
        .iter()
        .map(|e| index.get(e.manager_id.as_str()).copied())
        .collect();
    let place = ds.source.place(Table::Employees);
    let scoped = |s: usize, scope: scheme::Scope| {
        ds.schemes[s]
            .metrics
            .iter()
            .find(|m| matches!(&m.def, scheme::MetricDef::Aggregate(a) if a.scope == scope))
    };
    let mut has_reports = vec![false; ds.roster.len()];
    for m in managers.iter().flatten() {
        has_reports[*m] = true;
    }
    let mut alone = Capped::new(
        &place,
        "people on a scheme with a reports metric to whom no one reports",
    );
    for (e, emp) in ds.roster.iter().enumerate() {
        if has_reports[e] {
            continue;
        }
        let mut schemes_seen: BTreeSet<usize> = BTreeSet::new();
        for &(_, s, _) in &asked[e] {
            if !schemes_seen.insert(s) {
                continue;
            }
            if let Some(metric) = scoped(s, scheme::Scope::Reports) {
                alone.push(Problem::new(
                    &place,
                    format!(
                        "no one on the roster has {} as manager_id, so metric {:?} of scheme {} (scope: reports) adds up only the employee's own rows",
                        crate::data::limits::quote(&emp.id),
                        metric.name,
                        ds.schemes[s].id,
                    ),
                ));
                break;
            }
        }
    }
    alone.finish(warnings);
    let mut no_team = Capped::new(
        &place,
        "people without a team on a scheme with a team metric",
    );
    for (e, emp) in ds.roster.iter().enumerate() {
        if teams[e].is_some() {
            continue;
        }
        let mut schemes_seen: BTreeSet<usize> = BTreeSet::new();
        for &(_, s, _) in &asked[e] {
            if !schemes_seen.insert(s) {
                continue;
            }
            let scheme = &ds.schemes[s];
            let Some(metric) = scoped(s, scheme::Scope::Team) else {
                continue;
            };
            no_team.push(Problem::new(
                &emp.team_place,
                format!(
                    "empty, but scheme {} adds up the team's rows (metric {:?}, scope: team); write the employee's team, or use scope: own for their own rows",
                    scheme.id, metric.name
                ),
            ));
            break;
        }
    }
    no_team.finish(problems);
    (teams, managers)
}

/// What is worth saying without stopping: the schemes' own warnings, observations that have
/// ended, and rows of people who are not on the roster.
fn warnings(
    schemes: &[Scheme],
    in_use: &BTreeSet<usize>,
    asked: &[Vec<(usize, usize, Role)>],
    periods: &[Period],
    tables: &[TableStats],
) -> Vec<Problem> {
    let mut warnings: Vec<Problem> = in_use
        .iter()
        .flat_map(|&s| schemes[s].warnings.iter().cloned())
        .collect();
    // An observation that ended: said once per KPI, for the last period it is evaluated in.
    let mut last: BTreeMap<usize, usize> = BTreeMap::new();
    for &(p, s, _) in asked.iter().flatten() {
        let l = last.entry(s).or_insert(p);
        *l = (*l).max(p);
    }
    for (&s, &p) in &last {
        for kpi in &schemes[s].kpis {
            if let Some(w) = kpi
                .observe
                .and_then(|o| o.ended(kpi, &schemes[s], periods[p]))
            {
                warnings.push(w);
            }
        }
    }
    for t in tables {
        for (id, (rows, amount)) in &t.unknown_people {
            let amount = if amount.is_zero() {
                String::new()
            } else {
                format!(", amounts {}", amount.decimal())
            };
            warnings.push(Problem::new(
                &t.place,
                format!(
                    "{rows} row{} of employee_id {}, who is not on the roster{amount}: not paid to anyone",
                    if *rows == 1 { "" } else { "s" },
                    crate::data::limits::quote(id)
                ),
            ));
        }
    }
    warnings
}

/// Every employee employed in a period needs a plan above zero for each plan-based KPI of each
/// scheme they are scored on in it.
///
/// A plan metric that no row of the plans table names at all (any period, anyone) is a mistake
/// in the scheme, not in the data: it is reported once, where the scheme writes it, with the
/// metrics the table does have, instead of once per employee.
fn check_plans(
    ds: &Dataset,
    asked: &[Vec<(usize, usize, Role)>],
    periods: &[Period],
    problems: &mut Vec<Problem>,
) {
    let schemes = &ds.schemes;
    let plans_place = ds.source.place(Table::Plans);
    let in_use: BTreeSet<usize> = asked.iter().flatten().map(|&(_, s, _)| s).collect();
    let mut unknown: BTreeSet<(usize, String)> = BTreeSet::new();
    if !ds.plans_unreadable {
        let names: Vec<String> = ds.plan_metrics.iter().cloned().collect();
        for &s in &in_use {
            for kpi in &schemes[s].kpis {
                let Target::Plan(metric) = &kpi.target else {
                    continue;
                };
                let key = metric.to_lowercase();
                if ds.plan_metrics.contains(&key) || !unknown.insert((s, key)) {
                    continue;
                }
                let shown: String = metric.chars().take(60).collect();
                let has = if names.is_empty() {
                    "the plans table has no rows".to_string()
                } else {
                    const SHOWN: usize = 20;
                    let listed = if names.len() <= SHOWN {
                        names.join(", ")
                    } else {
                        format!("{}, … ({} in all)", names[..SHOWN].join(", "), names.len())
                    };
                    format!("the plans table has the metrics {listed}")
                };
                problems.push(Problem::new(
                    &kpi.target_place,
                    format!(
                        "plan metric {shown:?} of KPI {:?}: no row of {plans_place} has this metric{}; {has}",
                        kpi.id,
                        crate::error::did_you_mean(&metric.to_lowercase(), names.iter().map(String::as_str)),
                    ),
                ));
            }
        }
    }
    let mut missing = Capped::new(&plans_place, "missing plans");
    let mut not_positive = Capped::new(&plans_place, "plans of zero or below");
    let mut seen: BTreeSet<(&str, usize, String)> = BTreeSet::new();
    for (emp, asked) in ds.roster.iter().zip(asked) {
        for &(p, s, _) in asked {
            let period = periods[p];
            let scheme = &schemes[s];
            let employment = scoring::employment(period, emp.hired_on, emp.left_on);
            if !employment.is_employed() {
                continue;
            }
            for kpi in &scheme.kpis {
                let Target::Plan(metric) = &kpi.target else {
                    continue;
                };
                if unknown.contains(&(s, metric.to_lowercase())) {
                    continue;
                }
                // Two schemes (or KPIs) reading the same plan need it once.
                if !seen.insert((emp.id.as_str(), p, metric.to_lowercase())) {
                    continue;
                }
                match ds.plan(&emp.id, period, metric) {
                    None if ds.plans_unreadable => {}
                    None => missing.push(Problem::new(
                        &plans_place,
                        format!(
                            "no plan for employee {}, period {period}, metric {metric:?}; KPI {:?} of scheme {} needs it",
                            crate::data::limits::quote(&emp.id), kpi.id, scheme.id
                        ),
                    )),
                    Some((t, row)) if t <= Decimal::ZERO => not_positive.push(Problem::new(
                        format!("{plans_place}, row {row}, column \"target\""),
                        format!(
                            "the plan for employee {}, metric {metric:?} is {t}; a plan target must be above zero",
                            crate::data::limits::quote(&emp.id)
                        ),
                    )),
                    _ => {}
                }
            }
        }
    }
    missing.finish(problems);
    not_positive.finish(problems);
}

/// Every employee's score for each (period, scheme) asked, in roster order: on
/// [`crate::threads::threads`] threads at once, each scoring a contiguous part of the roster
/// (scoring is pure; a year's compare scores 24 units per person), so the scores are the same
/// as on one thread, in the same order.
fn score_all(
    roster: &[crate::run::Employee],
    schemes: &[Scheme],
    plans: &crate::load::Plans,
    periods: &[Period],
    asked: &[Vec<(usize, usize, Role)>],
    values: &[Vec<Vec<crate::metrics::MetricValue>>],
) -> Vec<Vec<std::result::Result<scoring::Score, String>>> {
    let one = |e: usize| -> Vec<std::result::Result<scoring::Score, String>> {
        let emp = &roster[e];
        asked[e]
            .iter()
            .enumerate()
            .map(|(i, &(p, s, _))| {
                let period = periods[p];
                let scheme = &schemes[s];
                let employment = scoring::employment(period, emp.hired_on, emp.left_on);
                let plan = |metric: &str| {
                    crate::load::plan_in(plans, &emp.id, period, metric).map(|p| p.0)
                };
                let targets = scoring::targets(scheme, employment, &plan);
                scoring::score(
                    scheme,
                    emp.target_bonus,
                    employment,
                    &values[e][i],
                    &targets,
                )
            })
            .collect()
    };
    let n = roster.len();
    let threads = crate::threads::threads().min(n).max(1);
    if threads <= 1 {
        return (0..n).map(one).collect();
    }
    let per = n.div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = (0..n)
            .step_by(per)
            .map(|start| {
                scope.spawn(move || (start..(start + per).min(n)).map(one).collect::<Vec<_>>())
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|part| match part.join() {
                Ok(scores) => scores,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// Rows counted before the progress counter is told (one atomic add per lot, not per row).
const PROGRESS_LOT: u64 = 4096;

/// Streams every table the schemes in use read into the evaluator, in dependency order, and
/// accounts for every row read.
fn read_activity(
    ds: &Dataset,
    in_use: &BTreeSet<usize>,
    evaluator: &mut Evaluator<'_>,
    index: &IdIndex<'_>,
    periods: &[Period],
    problems: &mut Vec<Problem>,
    read: &mut Read<'_>,
) -> Vec<TableStats> {
    let (source, schemes) = (ds.source.as_ref(), &ds.schemes);
    let mut tables = Vec::new();
    let order = evaluator.table_order();
    source.prefetch(&order);
    // Rows of different tables may be read in between each other (two sheets at once) within
    // a run of tables that do not look each other up, unless something observes them in order.
    let groups: Vec<Vec<Table>> = evaluator
        .table_runs()
        .into_iter()
        .flat_map(|run| {
            let run: Vec<Table> = run.into_iter().filter(|&t| source.has_table(t)).collect();
            if read.observe.is_some() {
                run.into_iter().map(|t| vec![t]).collect()
            } else {
                vec![run]
            }
        })
        .filter(|run: &Vec<Table>| !run.is_empty())
        .collect();
    let mut read_so: Vec<(TableStats, Vec<Problem>)> = Vec::new();
    for group in groups {
        let mut stats: Vec<TableStats> = group
            .iter()
            .map(|&table| TableStats {
                table: Some(table),
                place: source.place(table),
                present: true,
                used: true,
                ..Default::default()
            })
            .collect();
        let taker = Taker {
            index,
            periods,
            as_of: read.as_of,
        };
        // A large table without an observer is read on lanes, each into a fork of the
        // evaluator, when the source can (a CSV file on two threads or more); the others, and a
        // table whose lanes had anything to report, are read as one.
        let mut results: Vec<Option<(usize, Vec<Problem>)>> = vec![None; group.len()];
        if read.observe.is_none() {
            for (k, &table) in group.iter().enumerate() {
                let lanes = source.lanes(table);
                if lanes < 2 || !evaluator.divisible(table) {
                    continue;
                }
                let read = read_on_lanes(source, table, lanes, &taker, evaluator, &mut stats[k]);
                results[k] = read.map(|rows| (rows, Vec::new()));
            }
        }
        let rest: Vec<usize> = (0..group.len()).filter(|&k| results[k].is_none()).collect();
        let tables: Vec<Table> = rest.iter().map(|&k| group[k]).collect();
        let mut ticks = Ticks::default();
        let found = read_tables(source, &tables, &mut |j, row: TypedRow| {
            ticks.one();
            let k = rest[j];
            taker.take(group[k], &mut stats[k], row, &mut |table, e, row| {
                if let Some(observe) = read.observe.as_mut() {
                    observe(table, e, row.values);
                }
                evaluator.feed(table, e, row);
            });
        });
        for (j, read) in found.into_iter().enumerate() {
            results[rest[j]] = Some(read);
        }
        for (mut stats, read) in stats.into_iter().zip(results) {
            let (rows, found) = read.unwrap_or_default();
            stats.rows_read = rows;
            read_so.push((stats, found));
        }
    }
    // The problems in the tables' order, as when they are read one after the other.
    let mut read_so = read_so.into_iter();
    for table in order.iter().copied() {
        if !source.has_table(table) {
            let place = source.place(table);
            let users: Vec<&str> = in_use
                .iter()
                .filter(|&&s| scheme_reads(&schemes[s], table))
                .map(|&s| schemes[s].id.as_str())
                .collect();
            problems.push(Problem::new(
                &place,
                format!(
                    "the {table} table is missing; {} {} {} it",
                    if users.len() == 1 {
                        "scheme"
                    } else {
                        "schemes"
                    },
                    users.join(", "),
                    if users.len() == 1 { "reads" } else { "read" }
                ) + &source
                    .why_missing(table)
                    .map(|why| format!("; {why}"))
                    .unwrap_or_default(),
            ));
            continue;
        }
        if let Some((stats, found)) = read_so.next() {
            problems.extend(found);
            tables.push(stats);
        }
    }
    for table in Table::ALL {
        if table != Table::Employees && table != Table::Plans && !order.contains(&table) {
            tables.push(TableStats {
                table: Some(table),
                place: source.place(table),
                present: source.has_table(table),
                used: false,
                ..Default::default()
            });
        }
    }
    tables
}

/// Rows read, for the progress shown on a terminal: counted where they are read, handed over in
/// lots (one atomic add per lot, not per row), the rest when dropped.
#[derive(Default)]
struct Ticks(u64);

impl Ticks {
    fn one(&mut self) {
        self.0 += 1;
        if self.0 == PROGRESS_LOT {
            crate::progress::tick(PROGRESS_LOT);
            self.0 = 0;
        }
    }
}

impl Drop for Ticks {
    fn drop(&mut self) {
        crate::progress::tick(self.0);
    }
}

/// What is done with every valid row of a table read: a row of someone not on the roster is
/// counted, any other cut to the day the export is read as of, counted in or outside the
/// periods and handed to `feed` with its employee's roster index.
struct Taker<'t> {
    index: &'t IdIndex<'t>,
    periods: &'t [Period],
    as_of: Option<chrono::NaiveDate>,
}

impl Taker<'_> {
    fn take(
        &self,
        table: Table,
        stats: &mut TableStats,
        row: TypedRow<'_>,
        feed: &mut dyn FnMut(Table, usize, &TypedRow<'_>),
    ) {
        let emp_col = table.employee_column();
        let emp = row.values[emp_col].as_text().unwrap_or("");
        let Some(&e) = self.index.get(emp) else {
            let entry = stats.unknown_people.entry(emp.to_string()).or_default();
            entry.0 += 1;
            if let Some(a) = table
                .amount_column()
                .and_then(|c| row.values[c].as_number())
            {
                entry.1.add(a);
            }
            return;
        };
        let cut;
        let row = match self.as_of {
            None => row,
            Some(d) => match as_of(table, row.values, d) {
                None => return,
                Some(values) => {
                    cut = values;
                    TypedRow {
                        number: row.number,
                        values: &cut,
                        at: row.at,
                    }
                }
            },
        };
        if in_periods(table, row.values, self.periods) {
            stats.rows_in_period += 1;
        } else {
            stats.rows_outside_period += 1;
        }
        feed(table, e, &row);
    }
}

/// Reads a table on `lanes` lanes, each taking its rows into a fork of the evaluator and counts
/// of its own, and absorbs the forks into `evaluator` and the counts into `stats`: the rows
/// read. `None` (both untouched) when the table had anything to report: it is then read as
/// one, which reports it in order.
fn read_on_lanes<'a>(
    source: &dyn crate::data::TableSource,
    table: Table,
    lanes: usize,
    taker: &Taker<'_>,
    evaluator: &mut Evaluator<'a>,
    stats: &mut TableStats,
) -> Option<usize> {
    let since = std::time::Instant::now();
    let mut forks: Vec<Evaluator<'a>> = (0..lanes).map(|_| evaluator.fork()).collect();
    let mut counts: Vec<TableStats> = (0..lanes).map(|_| TableStats::default()).collect();
    let mut seen = vec![0u64; lanes];
    let rows = {
        let mut on_rows: Vec<Box<OnRow<'_>>> = forks
            .iter_mut()
            .zip(counts.iter_mut())
            .zip(seen.iter_mut())
            .map(|((fork, stats), seen)| {
                let mut ticks = Ticks::default();
                Box::new(move |row: TypedRow<'_>| {
                    *seen += 1;
                    ticks.one();
                    taker.take(table, stats, row, &mut |table, e, row| {
                        fork.feed(table, e, row)
                    });
                }) as Box<OnRow<'_>>
            })
            .collect();
        let mut on_rows: Vec<&mut OnRow<'_>> = on_rows.iter_mut().map(|f| &mut **f as _).collect();
        crate::data::read_table_split(source, table, &mut on_rows)
    };
    // `--timings` says which tables were read on lanes, and which then again as one.
    let how = if rows.is_some() { "" } else { ", then as one" };
    let label = format!("table {:?} on lanes{how}", table.name());
    crate::progress::record_counted(&label, since.elapsed(), lanes as u64);
    let Some(rows) = rows else {
        // The rows are counted again when read as one.
        crate::progress::untick(seen.iter().sum());
        return None;
    };
    evaluator.absorb(table, forks);
    for lane in counts {
        stats.absorb(lane);
    }
    Some(rows)
}

fn scheme_reads(scheme: &Scheme, table: Table) -> bool {
    fn filter_reads(f: &scheme::Filter, table: Table) -> bool {
        match f {
            scheme::Filter::All(fs) | scheme::Filter::Any(fs) => {
                fs.iter().any(|f| filter_reads(f, table))
            }
            scheme::Filter::Not(f) => filter_reads(f, table),
            scheme::Filter::Test { .. } => false,
            scheme::Filter::FoundIn { lookups, .. } => lookups
                .iter()
                .any(|l| l.table == table || filter_reads(&l.filter, table)),
        }
    }
    scheme.metrics.iter().any(|m| match &m.def {
        scheme::MetricDef::Aggregate(a) => {
            a.table == table || a.filters().any(|f| filter_reads(f, table))
        }
        scheme::MetricDef::Formula(_) => false,
    })
}

/// Whether a row is dated in one of the periods, for the data report (open deals by creation
/// date).
fn in_periods(table: Table, values: &[crate::data::value::Value], periods: &[Period]) -> bool {
    let date = match table {
        Table::Deals => values[3].as_date().or_else(|| values[2].as_date()),
        _ => table.date_column().and_then(|c| values[c].as_date()),
    };
    date.is_some_and(|d| periods.iter().any(|p| p.contains(d)))
}
