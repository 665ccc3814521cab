//! One payout run: load schemes, read and validate the data, compute metrics, score everyone.
//!
//! [`compute`] is everything but the writing of files, which [`crate::output`] does.

use crate::data::source::Source;
use crate::data::tables::Table;
use crate::data::{TypedRow, read_table};
use crate::error::{Error, Problem, Result};
use crate::metrics::{Evaluator, MetricEvidence};
use crate::period::Period;
use crate::scheme::{self, Scheme, Target};
use crate::scoring::{self, Employment, Score};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Employee {
    pub id: String,
    pub name: String,
    pub scheme_id: String,
    /// Index into the run's schemes.
    pub scheme: usize,
    pub target_bonus: Decimal,
    pub team: String,
    pub hired_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct EmployeeResult {
    pub employee: Employee,
    pub employment: Employment,
    pub score: Score,
    /// The source rows behind each aggregate metric of the employee's scheme.
    pub evidence: Vec<MetricEvidence>,
    /// The statement's path in the run folder, `statements/<safe name>.xlsx`, decided once
    /// for the whole roster ([`crate::output::statement_stems`]).
    pub statement: String,
}

/// What was read from one input table, so that nothing read is unaccounted for.
#[derive(Debug, Clone, Default)]
pub struct TableStats {
    pub table: Option<Table>,
    pub place: String,
    pub present: bool,
    /// Whether a scheme in use reads the table.
    pub used: bool,
    pub rows_read: usize,
    pub rows_in_period: usize,
    pub rows_outside_period: usize,
    /// Rows of people not on the roster: employee_id → (rows, sum of amounts).
    pub unknown_people: BTreeMap<String, (usize, Decimal)>,
    /// The text encoding a CSV table was read in (`UTF-8`, `windows-1251`); none for workbooks.
    pub encoding: Option<&'static str>,
}

/// An input file and its SHA-256, recorded so a run can be verified months later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHash {
    pub path: PathBuf,
    pub sha256: String,
}

/// The SHA-256 of a file, in lower-case hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn hash_all(paths: &[PathBuf]) -> Result<Vec<FileHash>> {
    paths
        .iter()
        .map(|p| {
            sha256_file(p)
                .map(|sha256| FileHash {
                    path: p.clone(),
                    sha256,
                })
                .map_err(|e| Error::other(format!("{}: cannot read: {e}", p.display())))
        })
        .collect()
}

#[derive(Debug)]
pub struct RunResult {
    pub period: Period,
    pub schemes: Vec<Scheme>,
    /// Sorted by employee_id.
    pub employees: Vec<EmployeeResult>,
    pub warnings: Vec<Problem>,
    pub tables: Vec<TableStats>,
    pub data_path: PathBuf,
    pub schemes_dir: PathBuf,
    /// The data files read (the workbook, or each CSV file of the folder) with their hashes.
    pub data_files: Vec<FileHash>,
    /// The scheme files loaded, with their hashes (by scheme index).
    pub scheme_files: Vec<FileHash>,
}

impl RunResult {
    /// The period's totals, one per currency (amounts in different currencies are never
    /// added up); `compute` has checked that each fits a decimal.
    pub fn totals(&self) -> BTreeMap<String, Decimal> {
        let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
        for e in &self.employees {
            let t = totals
                .entry(self.schemes[e.employee.scheme].currency.clone())
                .or_default();
            *t = t.checked_add(e.score.total).unwrap_or(Decimal::MAX);
        }
        totals
    }

    /// The currency of an employee's payout.
    pub fn currency(&self, e: &EmployeeResult) -> &str {
        &self.schemes[e.employee.scheme].currency
    }
}

/// Loads schemes and data for a period, validates everything and scores every employee.
pub fn compute(schemes_dir: &Path, data: &Path, period: Period) -> Result<RunResult> {
    let mut problems: Vec<Problem> = Vec::new();
    let loaded = scheme::load_dir_partial(schemes_dir);
    let schemes = loaded.schemes;
    let failed_schemes = loaded.failed;
    problems.extend(loaded.problems);
    let source = Source::open(data).map_err(|p| {
        problems.push(p);
        Error::BadInput(std::mem::take(&mut problems))
    })?;

    let (mut roster, roster_stats) = read_roster(&source, &schemes, &failed_schemes, &mut problems);
    let mut tables: Vec<TableStats> = roster_stats.into_iter().collect();
    // Employees whose scheme is unknown (or failed to load) are already reported; the rest of
    // the data is still checked so one run lists every problem.
    roster.retain(|e| e.scheme != usize::MAX);
    let index: HashMap<String, usize> = roster
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.clone(), i))
        .collect();

    let in_use: BTreeSet<usize> = roster.iter().map(|e| e.scheme).collect();
    let needs_plans = in_use.iter().any(|&s| {
        schemes[s]
            .kpis
            .iter()
            .any(|k| matches!(k.target, Target::Plan(_)))
    });
    let mut plans = Plans::new();
    if needs_plans {
        let (read, stats, unreadable) = read_plans(&source, period, &index, &mut problems);
        plans = read.plans;
        if let Some(stats) = stats {
            tables.push(stats);
            check_plans(
                &source,
                &schemes,
                &roster,
                (&plans, &read.metrics),
                unreadable,
                period,
                &mut problems,
            );
        }
    }

    let mut evaluator = Evaluator::new(&schemes, roster.iter().map(|e| e.scheme).collect(), period);
    tables.extend(read_activity(
        &source,
        &schemes,
        &in_use,
        &mut evaluator,
        &index,
        period,
        &mut problems,
    ));
    if !problems.is_empty() {
        return Err(Error::BadInput(problems));
    }
    let values = evaluator.finish().map_err(Error::BadInput)?;

    // Targets and scores.
    let mut results = Vec::with_capacity(roster.len());
    for (i, emp) in roster.iter().enumerate() {
        let scheme = &schemes[emp.scheme];
        let employment = scoring::employment(period, emp.hired_on, emp.left_on);
        let plan = |metric: &str| {
            plans
                .get(&(emp.id.clone(), metric.to_lowercase()))
                .map(|p| p.0)
        };
        let targets = scoring::targets(scheme, employment, &plan);
        let score = match scoring::score(scheme, emp.target_bonus, employment, &values[i], &targets)
        {
            Ok(s) => s,
            Err(message) => {
                problems.push(Problem::new(format!("employee {}", emp.id), message));
                continue;
            }
        };
        results.push(EmployeeResult {
            employee: emp.clone(),
            employment,
            score,
            evidence: evaluator.evidence(i),
            statement: String::new(),
        });
    }
    let mut totals: BTreeMap<&str, Option<Decimal>> = BTreeMap::new();
    for e in &results {
        let t = totals
            .entry(schemes[e.employee.scheme].currency.as_str())
            .or_insert(Some(Decimal::ZERO));
        *t = t.and_then(|t| t.checked_add(e.score.total));
    }
    for (currency, total) in totals {
        if total.is_none() {
            problems.push(Problem::new(
                "",
                format!("the period's total payout in {currency} is too large to be an amount"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::BadInput(problems));
    }
    results.sort_by(|a, b| a.employee.id.cmp(&b.employee.id));
    let ids: Vec<&str> = results.iter().map(|e| e.employee.id.as_str()).collect();
    let stems = crate::output::statement_stems(&ids);
    for (e, stem) in results.iter_mut().zip(stems) {
        e.statement = format!("statements/{stem}.xlsx");
    }

    let mut warnings: Vec<Problem> = in_use
        .iter()
        .flat_map(|&s| schemes[s].warnings.iter().cloned())
        .collect();
    for t in &tables {
        for (id, (rows, amount)) in &t.unknown_people {
            let amount = if amount.is_zero() {
                String::new()
            } else {
                format!(", amounts {amount}")
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
    for t in &mut tables {
        t.encoding = t.table.and_then(|table| source.encoding(table));
    }
    let data_files = hash_all(&source.files())?;
    let scheme_files = hash_all(&schemes.iter().map(|s| s.file.clone()).collect::<Vec<_>>())?;
    Ok(RunResult {
        period,
        schemes,
        employees: results,
        warnings,
        tables,
        data_path: data.to_path_buf(),
        schemes_dir: schemes_dir.to_path_buf(),
        data_files,
        scheme_files,
    })
}

/// Reads the roster. Employees on an unknown scheme are reported (and kept, with scheme
/// `usize::MAX`, so the caller can drop them after all problems are collected).
fn read_roster(
    source: &Source,
    schemes: &[Scheme],
    failed_schemes: &[String],
    problems: &mut Vec<Problem>,
) -> (Vec<Employee>, Option<TableStats>) {
    let mut roster: Vec<Employee> = Vec::new();
    let scheme_ids: Vec<&str> = schemes.iter().map(|s| s.id.as_str()).collect();
    if !source.has_table(Table::Employees) {
        problems.push(Problem::new(
            source.place(Table::Employees),
            "the employees table is missing; it lists who is paid and on which scheme",
        ));
    } else {
        let place = source.place(Table::Employees);
        let mut stats = TableStats {
            table: Some(Table::Employees),
            place: place.clone(),
            present: true,
            used: true,
            ..Default::default()
        };
        use crate::error::Capped;
        let mut unknown = Capped::new(&place, "rows with an unknown scheme");
        let mut negative = Capped::new(&place, "rows with a negative target_bonus");
        let mut dates = Capped::new(&place, "rows that leave before they are hired");
        stats.rows_read = read_table(source, Table::Employees, problems, &mut |row: TypedRow| {
            let v = row.values;
            let text = |i: usize| v[i].as_text().unwrap_or("").to_string();
            let scheme_id = text(2);
            let at = |col: &str| format!("{place}, row {}, column {col:?}", row.number);
            let scheme = scheme_ids
                .iter()
                .position(|s| s.eq_ignore_ascii_case(&scheme_id));
            // With no scheme loaded at all, the schemes problem already says why.
            if scheme.is_none() && !schemes.is_empty() && !failed_schemes.contains(&scheme_id) {
                unknown.push(Problem::new(
                    at("scheme"),
                    format!(
                        "unknown scheme {}{}; the schemes folder has {}",
                        crate::data::limits::quote(&scheme_id),
                        crate::error::did_you_mean(&scheme_id, scheme_ids.iter().copied()),
                        scheme_ids.join(", ")
                    ),
                ));
            }
            let target_bonus = v[3].as_number().unwrap_or_default();
            if target_bonus < Decimal::ZERO {
                negative.push(Problem::new(
                    at("target_bonus"),
                    format!(
                        "{target_bonus} is negative; expected the bonus paid at 100% of every KPI"
                    ),
                ));
            }
            let (hired_on, left_on) = (v[5].as_date(), v[6].as_date());
            if let (Some(h), Some(l)) = (hired_on, left_on)
                && l < h
            {
                dates.push(Problem::new(
                    at("left_on"),
                    format!("left on {l}, before being hired on {h}"),
                ));
            }
            stats.rows_in_period += 1;
            roster.push(Employee {
                id: text(0),
                name: text(1),
                scheme_id,
                scheme: scheme.unwrap_or(usize::MAX),
                target_bonus,
                team: text(4),
                hired_on,
                left_on,
            });
        });
        for kind in [unknown, negative, dates] {
            kind.finish(problems);
        }
        return (roster, Some(stats));
    }
    (roster, None)
}

/// (employee_id, metric in lower case) → (target, row number), for the run's period.
type Plans = HashMap<(String, String), (Decimal, usize)>;

/// What the plans table holds: the period's plans, and every metric name any of its rows uses
/// (in lower case, whatever the period), to check the schemes' plan targets against.
#[derive(Default)]
struct PlansRead {
    plans: Plans,
    metrics: BTreeSet<String>,
}

/// Reads the plans table for the period. The flag is true when some plan rows could not be read
/// (a "missing" plan may then be one of them).
fn read_plans(
    source: &Source,
    period: Period,
    index: &HashMap<String, usize>,
    problems: &mut Vec<Problem>,
) -> (PlansRead, Option<TableStats>, bool) {
    let mut plans: Plans = HashMap::new();
    let mut metrics: BTreeSet<String> = BTreeSet::new();
    if !source.has_table(Table::Plans) {
        problems.push(Problem::new(
            source.place(Table::Plans),
            "the plans table is missing; schemes in use take targets from it",
        ));
        return (PlansRead::default(), None, false);
    }
    let period_text = period.to_string();
    let mut stats = TableStats {
        table: Some(Table::Plans),
        place: source.place(Table::Plans),
        present: true,
        used: true,
        ..Default::default()
    };
    let before = problems.len();
    stats.rows_read = read_table(source, Table::Plans, problems, &mut |row: TypedRow| {
        let v = row.values;
        let emp = v[0].as_text().unwrap_or("");
        let metric = v[2].as_text().unwrap_or("");
        if !metrics.contains(metric) {
            metrics.insert(metric.to_lowercase());
        }
        if v[1].as_text() != Some(period_text.as_str()) {
            stats.rows_outside_period += 1;
            return;
        }
        if !index.contains_key(emp) {
            let e = stats.unknown_people.entry(emp.to_string()).or_default();
            e.0 += 1;
            return;
        }
        stats.rows_in_period += 1;
        plans.insert(
            (emp.to_string(), v[2].as_text().unwrap_or("").to_lowercase()),
            (v[3].as_number().unwrap_or_default(), row.number),
        );
    });
    let unreadable = problems.len() > before;
    (PlansRead { plans, metrics }, Some(stats), unreadable)
}

/// Every employee employed in the period needs a plan above zero for each plan-based KPI.
///
/// A plan metric that no row of the plans table names at all (any period, anyone) is a mistake
/// in the scheme, not in the data: it is reported once, where the scheme writes it, with the
/// metrics the table does have, instead of once per employee.
fn check_plans(
    source: &Source,
    schemes: &[Scheme],
    roster: &[Employee],
    (plans, plan_metrics): (&Plans, &BTreeSet<String>),
    plans_unreadable: bool,
    period: Period,
    problems: &mut Vec<Problem>,
) {
    let plans_place = source.place(Table::Plans);
    let in_use: BTreeSet<usize> = roster.iter().map(|e| e.scheme).collect();
    let mut unknown: BTreeSet<(usize, String)> = BTreeSet::new();
    if !plans_unreadable {
        let names: Vec<String> = plan_metrics.iter().cloned().collect();
        for &s in &in_use {
            for kpi in &schemes[s].kpis {
                let Target::Plan(metric) = &kpi.target else {
                    continue;
                };
                let key = metric.to_lowercase();
                if plan_metrics.contains(&key) || !unknown.insert((s, key)) {
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
    let mut missing = crate::error::Capped::new(&plans_place, "missing plans");
    let mut not_positive = crate::error::Capped::new(&plans_place, "plans of zero or below");
    for emp in roster {
        let scheme = &schemes[emp.scheme];
        let employment = scoring::employment(period, emp.hired_on, emp.left_on);
        if employment.is_employed() {
            for kpi in &scheme.kpis {
                let Target::Plan(metric) = &kpi.target else {
                    continue;
                };
                if unknown.contains(&(emp.scheme, metric.to_lowercase())) {
                    continue;
                }
                match plans.get(&(emp.id.clone(), metric.to_lowercase())) {
                    None if plans_unreadable => {}
                    None => missing.push(Problem::new(
                        &plans_place,
                        format!(
                            "no plan for employee {}, period {period}, metric {metric:?}; KPI {:?} of scheme {} needs it",
                            crate::data::limits::quote(&emp.id), kpi.id, scheme.id
                        ),
                    )),
                    Some((t, row)) if *t <= Decimal::ZERO => not_positive.push(Problem::new(
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

/// Streams every table the schemes in use read into the evaluator, in dependency order, and
/// accounts for every row read.
fn read_activity(
    source: &Source,
    schemes: &[Scheme],
    in_use: &BTreeSet<usize>,
    evaluator: &mut Evaluator<'_>,
    index: &HashMap<String, usize>,
    period: Period,
    problems: &mut Vec<Problem>,
) -> Vec<TableStats> {
    let mut tables = Vec::new();
    let order = evaluator.table_order();
    for table in order.iter().copied() {
        let place = source.place(table);
        if !source.has_table(table) {
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
                ),
            ));
            continue;
        }
        let mut stats = TableStats {
            table: Some(table),
            place: place.clone(),
            present: true,
            used: true,
            ..Default::default()
        };
        let emp_col = table.employee_column();
        stats.rows_read = read_table(source, table, problems, &mut |row: TypedRow| {
            let emp = row.values[emp_col].as_text().unwrap_or("");
            let Some(&e) = index.get(emp) else {
                let entry = stats.unknown_people.entry(emp.to_string()).or_default();
                entry.0 += 1;
                if let Some(a) = table
                    .amount_column()
                    .and_then(|c| row.values[c].as_number())
                {
                    entry.1 = entry.1.saturating_add(a);
                }
                return;
            };
            if in_period(table, row.values, period) {
                stats.rows_in_period += 1;
            } else {
                stats.rows_outside_period += 1;
            }
            evaluator.feed(table, e, &row);
        });
        tables.push(stats);
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
        scheme::MetricDef::Aggregate(a) => a.table == table || filter_reads(&a.filter, table),
        scheme::MetricDef::Formula(_) => false,
    })
}

/// Whether a row is dated in the period, for the data report (open deals by creation date).
fn in_period(table: Table, values: &[crate::data::value::Value], period: Period) -> bool {
    let date = match table {
        Table::Deals => values[3].as_date().or_else(|| values[2].as_date()),
        _ => table.date_column().and_then(|c| values[c].as_date()),
    };
    date.is_some_and(|d| period.contains(d))
}
