//! The load step: the schemes, the roster and the plans, read and validated once.
//!
//! A [`Dataset`] is what every command evaluates: `run` for one period, `compare` over several,
//! each with the schemes it asks for (see [`crate::engine`]). The activity tables (calls, deals
//! …) are not held here: they are streamed once by the evaluation, which keeps only what the
//! metrics need.
//!
//! The roster's reporting lines (`manager_id`) are checked here, whatever the schemes: every
//! manager on the roster, no one their own manager, no cycle, at most [`MAX_REPORTING_DEPTH`]
//! levels.

use crate::data::source::Source;
use crate::data::tables::Table;
use crate::data::{TableSource, TypedRow, read_table};
use crate::error::{Capped, Problem};
use crate::mapping::read::MappedSource;
use crate::period::Period;
use crate::results::{Employee, TableStats};
use crate::scheme::{self, Scheme};
use rust_decimal::Decimal;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// (employee_id, period, metric in lower case) → (target, row number).
pub(crate) type Plans = HashMap<(String, Period, String), (Decimal, usize)>;

/// An employee's plan for a metric in a period, and the plans row it came from.
pub(crate) fn plan_in(
    plans: &Plans,
    employee: &str,
    period: Period,
    metric: &str,
) -> Option<(Decimal, usize)> {
    plans
        .get(&(employee.to_string(), period, metric.to_lowercase()))
        .copied()
}

/// The mapping a CRM export was read through: its name and the files it is made of.
#[derive(Debug, Clone)]
pub struct MappingInfo {
    /// A preset's name, or the mapping file as given.
    pub name: String,
    /// A preset's name, or the mapping file's absolute path (what run.json records).
    pub reference: String,
    /// The mapping's files (a preset is built in and has none), hashed with the data.
    pub files: Vec<PathBuf>,
}

/// The validated inputs of an evaluation, read once.
pub struct Dataset {
    /// Where the tables come from (a workbook, a CSV folder; later a mapped CRM export or a
    /// SQL engine).
    pub source: Box<dyn TableSource>,
    /// The mapping the source is read through, if the data is a CRM's own export.
    pub mapping: Option<MappingInfo>,
    pub schemes: Vec<Scheme>,
    /// The roster, in the order of the employees table; people on an unknown scheme are left
    /// out (and reported in `problems`).
    pub roster: Vec<Employee>,
    /// The periods the plans were read for.
    pub periods: Vec<Period>,
    plans: Plans,
    /// Every metric name any plans row uses (lower case, whatever the period).
    pub(crate) plan_metrics: BTreeSet<String>,
    /// Some plan rows could not be read: a "missing" plan may be one of them.
    pub(crate) plans_unreadable: bool,
    /// The adjustments table's rows for the dataset's periods, validated, in row order.
    pub adjustments: Vec<crate::payout::Adjustment>,
    /// The roster's, the plans' and the adjustments' read statistics.
    pub tables: Vec<TableStats>,
    /// Every problem found so far; the evaluation adds its own and refuses if any.
    pub problems: Vec<Problem>,
    pub data_path: PathBuf,
    pub schemes_dir: PathBuf,
}

impl Dataset {
    /// Loads the schemes of `schemes_dir` (and any extra scheme files), opens the data and reads
    /// the roster and the plans of `periods`. Problems are collected in [`Dataset::problems`];
    /// only data that cannot be opened at all fails here.
    pub fn load(
        schemes_dir: &Path,
        extra_schemes: &[PathBuf],
        data: &Path,
        mapping: Option<&str>,
        periods: &[Period],
    ) -> Result<Dataset, Vec<Problem>> {
        let mut problems: Vec<Problem> = Vec::new();
        let loaded = scheme::load_dir_partial(schemes_dir);
        let mut schemes = loaded.schemes;
        let mut failed = loaded.failed;
        problems.extend(loaded.problems);
        for file in extra_schemes {
            match scheme::load_file(file) {
                Ok(s) if schemes.iter().any(|o| o.id.eq_ignore_ascii_case(&s.id)) => {
                    problems.push(Problem::new(
                        file.display().to_string(),
                        format!(
                            "the schemes folder already has a scheme {:?}; rename the file",
                            s.id
                        ),
                    ));
                }
                Ok(s) => schemes.push(s),
                Err(p) => {
                    failed.push(
                        file.file_stem()
                            .map(|s| s.to_string_lossy().to_string())
                            .unwrap_or_default(),
                    );
                    problems.extend(p);
                }
            }
        }
        // A mapping is read before the data is opened: a broken mapping is reported even when
        // the data cannot be opened either.
        let mapping = match mapping.map(crate::mapping::load).transpose() {
            Ok(m) => m,
            Err(p) => {
                problems.extend(p);
                problems.extend(Source::open(data).err());
                return Err(problems);
            }
        };
        let opened = Source::open(data);
        let (source, mapping_info): (Box<dyn TableSource>, Option<MappingInfo>) = match opened {
            Err(p) => {
                problems.push(p);
                return Err(problems);
            }
            Ok(s) => match mapping {
                Some(m) => {
                    let info = MappingInfo {
                        name: m.name(),
                        reference: m.reference(),
                        files: m.paths(),
                    };
                    (Box::new(MappedSource::new(s, m)), Some(info))
                }
                None => (Box::new(s), None),
            },
        };
        let (mut roster, roster_stats) =
            read_roster(source.as_ref(), &schemes, &failed, &mut problems);
        let mut tables: Vec<TableStats> = roster_stats.into_iter().collect();
        // Everyone on the roster, also those whose scheme failed (already reported): an
        // adjustment of theirs is not "for nobody".
        let roster_ids: Vec<String> = roster.iter().map(|e| e.id.clone()).collect();
        roster.retain(|e| e.scheme != usize::MAX);
        let mut ds = Dataset {
            source,
            mapping: mapping_info,
            schemes,
            roster,
            periods: periods.to_vec(),
            plans: Plans::new(),
            plan_metrics: BTreeSet::new(),
            plans_unreadable: false,
            adjustments: Vec::new(),
            tables: Vec::new(),
            problems,
            data_path: data.to_path_buf(),
            schemes_dir: schemes_dir.to_path_buf(),
        };
        if ds.source.has_table(Table::Plans) {
            tables.push(ds.read_plans());
        }
        if ds.source.has_table(Table::Adjustments) {
            tables.push(ds.read_adjustments(&roster_ids));
        }
        ds.tables = tables;
        Ok(ds)
    }

    /// The index of a scheme by id (ignoring letter case), as the roster names it.
    pub fn scheme_index(&self, id: &str) -> Option<usize> {
        self.schemes
            .iter()
            .position(|s| s.id.eq_ignore_ascii_case(id.trim()))
    }

    /// The employee's plan for a period and metric: (target, row number).
    pub fn plan(&self, employee: &str, period: Period, metric: &str) -> Option<(Decimal, usize)> {
        plan_in(&self.plans, employee, period, metric)
    }

    /// The plans read, for [`plan_in`] on threads that cannot hold the whole dataset.
    pub(crate) fn plans(&self) -> &Plans {
        &self.plans
    }

    /// Reads the plans table for the dataset's periods.
    fn read_plans(&mut self) -> TableStats {
        let index: HashMap<&str, ()> = self.roster.iter().map(|e| (e.id.as_str(), ())).collect();
        let mut stats = TableStats {
            table: Some(Table::Plans),
            place: self.source.place(Table::Plans),
            present: true,
            used: true,
            ..Default::default()
        };
        let periods: BTreeSet<Period> = self.periods.iter().copied().collect();
        let before = self.problems.len();
        let (plans, metrics) = (&mut self.plans, &mut self.plan_metrics);
        stats.rows_read = read_table(
            self.source.as_ref(),
            Table::Plans,
            &mut self.problems,
            &mut |row: TypedRow| {
                let v = row.values;
                let emp = v[0].as_text().unwrap_or("");
                let metric = v[2].as_text().unwrap_or("").to_lowercase();
                let period = v[1].as_text().and_then(Period::parse);
                if !metrics.contains(&metric) {
                    metrics.insert(metric.clone());
                }
                let Some(period) = period.filter(|p| periods.contains(p)) else {
                    stats.rows_outside_period += 1;
                    return;
                };
                if !index.contains_key(emp) {
                    let e = stats.unknown_people.entry(emp.to_string()).or_default();
                    e.0 += 1;
                    return;
                }
                stats.rows_in_period += 1;
                plans.insert(
                    (emp.to_string(), period, metric),
                    (v[3].as_number().unwrap_or_default(), row.number),
                );
            },
        );
        self.plans_unreadable = self.problems.len() > before;
        stats
    }
}

/// At most this many adjustments rows in the periods of one run: more is not a month-end close
/// but a wrong table, and each row is kept in memory.
pub const MAX_ADJUSTMENTS: usize = 100_000;

impl Dataset {
    /// Reads the adjustments table for the dataset's periods: every row's employee must be on
    /// the roster (money never goes to nobody), its amount in cents and not zero, its sign the
    /// one its kind allows, and no row may repeat another exactly (paid twice).
    fn read_adjustments(&mut self, roster_ids: &[String]) -> TableStats {
        use crate::payout::{Adjustment, Kind, Line, Origin};
        let place = self.source.place(Table::Adjustments);
        let mut stats = TableStats {
            table: Some(Table::Adjustments),
            place: place.clone(),
            present: true,
            used: true,
            ..Default::default()
        };
        let on_roster: HashMap<&str, ()> = roster_ids.iter().map(|e| (e.as_str(), ())).collect();
        let ids: Vec<&str> = roster_ids.iter().map(String::as_str).collect();
        let periods: BTreeSet<Period> = self.periods.iter().copied().collect();
        let mut unknown = Capped::new(&place, "adjustments of people not on the roster");
        let mut amounts = Capped::new(&place, "adjustments with a wrong amount");
        let mut repeats = Capped::new(&place, "adjustments that repeat a row");
        let mut seen: HashMap<(String, Period, Decimal, Kind, String, String), usize> =
            HashMap::new();
        let mut out: Vec<Adjustment> = Vec::new();
        let mut too_many = false;
        stats.rows_read = read_table(
            self.source.as_ref(),
            Table::Adjustments,
            &mut self.problems,
            &mut |row: TypedRow| {
                let v = row.values;
                let text = |i: usize| v[i].as_text().unwrap_or("").trim().to_string();
                let at = |col: &str| {
                    let i = Table::Adjustments.column_index(col).unwrap_or(0);
                    row.place_of(i, || format!("{place}, row {}, column {col:?}", row.number))
                };
                let Some(period) = v[1].as_text().and_then(Period::parse) else {
                    return;
                };
                if !periods.contains(&period) {
                    stats.rows_outside_period += 1;
                    return;
                }
                stats.rows_in_period += 1;
                let employee_id = text(0);
                if !on_roster.contains_key(employee_id.as_str()) {
                    unknown.push(Problem::new(
                        at("employee_id"),
                        format!(
                            "{} is not on the roster{}; an adjustment must go to someone payroll pays",
                            crate::data::limits::quote(&employee_id),
                            crate::error::did_you_mean(&employee_id, ids.iter().copied())
                        ),
                    ));
                    return;
                }
                let amount = v[2].as_number().unwrap_or_default();
                let Some(kind) = Kind::from_code(&text(3)) else {
                    return;
                };
                let wrong = if amount.is_zero() {
                    Some("is 0; an adjustment changes the payout: enter its amount, or remove the row".to_string())
                } else if amount.normalize().scale() > 2 {
                    Some(format!(
                        "{amount} has more than 2 decimals; expected an amount in cents, such as 1250.50"
                    ))
                } else {
                    match kind.table_sign() {
                        Some(true) if amount < Decimal::ZERO => Some(format!(
                            "{amount} is negative, but a {} adds money; money taken back is a clawback or a correction",
                            kind.code()
                        )),
                        Some(false) if amount > Decimal::ZERO => Some(format!(
                            "{amount} is positive, but a clawback takes money back; write it negative (-{amount})"
                        )),
                        _ => None,
                    }
                };
                if let Some(message) = wrong {
                    amounts.push(Problem::new(at("amount"), message));
                    return;
                }
                let key = (
                    employee_id.clone(),
                    period,
                    amount.normalize(),
                    kind,
                    text(4).to_lowercase(),
                    text(6),
                );
                if let Some(first) = seen.get(&key) {
                    repeats.push(Problem::new(
                        at("reason"),
                        format!(
                            "repeats row {first} (the same employee, period, amount, kind, reason and reference): it would be paid twice; if both are meant, say in each reason why"
                        ),
                    ));
                    return;
                }
                if out.len() >= MAX_ADJUSTMENTS {
                    too_many = true;
                    return;
                }
                seen.insert(key, row.number);
                out.push(Adjustment {
                    employee_id,
                    period,
                    line: Line {
                        kind,
                        amount,
                        reason: text(4),
                        approved_by: text(5),
                        reference: text(6),
                        note: text(7),
                        origin: Origin::Table {
                            place: place.clone(),
                            row: row.number,
                        },
                    },
                });
            },
        );
        for kind in [unknown, amounts, repeats] {
            kind.finish(&mut self.problems);
        }
        if too_many {
            self.problems.push(Problem::new(
                &place,
                format!(
                    "more than {MAX_ADJUSTMENTS} adjustments in the periods of this run; split the table, or check it is the right one"
                ),
            ));
        }
        self.adjustments = out;
        stats
    }
}

/// Reads the roster. Employees on an unknown scheme are reported (and kept, with scheme
/// `usize::MAX`, so the caller can drop them after all problems are collected).
fn read_roster(
    source: &dyn TableSource,
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
        return (roster, None);
    }
    let place = source.place(Table::Employees);
    let mut stats = TableStats {
        table: Some(Table::Employees),
        place: place.clone(),
        present: true,
        used: true,
        ..Default::default()
    };
    let mut unknown = Capped::new(&place, "rows with an unknown scheme");
    let mut negative = Capped::new(&place, "rows with a negative target_bonus");
    let mut dates = Capped::new(&place, "rows that leave before they are hired");
    let mut changes = Capped::new(&place, "rows with half a change of scheme");
    // (roster index, manager_id, the place of the manager_id cell) of everyone with a manager.
    let mut managers: Vec<(usize, String, String)> = Vec::new();
    stats.rows_read = read_table(source, Table::Employees, problems, &mut |row: TypedRow| {
        let v = row.values;
        let text = |i: usize| v[i].as_text().unwrap_or("").to_string();
        // The place of a roster column: HR's sheet as the user sees it (through a mapping, the
        // source cell the value came from).
        let at = |col: &str| {
            let i = Table::Employees.column_index(col).unwrap_or(0);
            row.place_of(i, || format!("{place}, row {}, column {col:?}", row.number))
        };
        // A scheme named in column `col`: its index, or usize::MAX and a problem.
        let mut scheme_of = |col: usize, name: &str| -> usize {
            let id = text(col);
            let found = scheme_ids
                .iter()
                .position(|s| s.eq_ignore_ascii_case(id.trim()));
            // With no scheme loaded at all, the schemes problem already says why.
            if found.is_none() && !schemes.is_empty() && !failed_schemes.contains(&id) {
                unknown.push(Problem::new(
                    at(name),
                    format!(
                        "unknown scheme {}{}; the schemes folder has {}",
                        crate::data::limits::quote(&id),
                        crate::error::did_you_mean(&id, scheme_ids.iter().copied()),
                        scheme_ids.join(", ")
                    ),
                ));
            }
            found.unwrap_or(usize::MAX)
        };
        let scheme = scheme_of(2, "scheme");
        let optional = |i: usize| (!v[i].is_empty()).then_some(());
        let observe_scheme = optional(7).map(|_| scheme_of(7, "observe_scheme"));
        let previous_scheme = optional(8).map(|_| scheme_of(8, "previous_scheme"));
        let scheme_since = v[9].as_text().and_then(Period::parse);
        if previous_scheme.is_some() != scheme_since.is_some() {
            let (col, other) = if previous_scheme.is_some() {
                ("scheme_since", "previous_scheme")
            } else {
                ("previous_scheme", "scheme_since")
            };
            changes.push(Problem::new(
                at(col),
                format!(
                    "empty, but {other} is set; a change of scheme needs both: previous_scheme (paid before) and scheme_since (the first month on the new scheme)"
                ),
            ));
        }
        let target_bonus = v[3].as_number().unwrap_or_default();
        if target_bonus < Decimal::ZERO {
            negative.push(Problem::new(
                at("target_bonus"),
                format!("{target_bonus} is negative; expected the bonus paid at 100% of every KPI"),
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
        let manager_id = v[10].as_text().unwrap_or("").trim().to_string();
        if !manager_id.is_empty() {
            managers.push((roster.len(), manager_id.clone(), at("manager_id")));
        }
        let failed = |s: Option<usize>| s == Some(usize::MAX);
        roster.push(Employee {
            id: text(0),
            name: text(1),
            scheme_id: text(2),
            scheme: if failed(observe_scheme) || failed(previous_scheme) {
                usize::MAX
            } else {
                scheme
            },
            target_bonus,
            team: text(4),
            hired_on,
            left_on,
            observe_scheme,
            previous_scheme,
            scheme_since,
            manager_id,
            team_place: at("team"),
        });
    });
    for kind in [unknown, negative, dates, changes] {
        kind.finish(problems);
    }
    check_managers(&roster, &managers, &place, problems);
    (roster, Some(stats))
}

/// How many levels of managers a reporting line may have above a person. Real sales
/// departments have a handful; the limit bounds the work of `scope: reports` (each row feeds
/// the metrics of its owner's managers, at most this many).
pub const MAX_REPORTING_DEPTH: usize = 50;

/// An id as a message shows it: as written when short and plain, else quoted and shortened.
fn shown_id(id: &str) -> String {
    if id.chars().count() <= crate::data::limits::QUOTE_CHARS
        && id.chars().all(|c| !c.is_control() && !c.is_whitespace())
    {
        id.to_string()
    } else {
        crate::data::limits::quote(id)
    }
}

/// The reporting lines of `manager_id`: every manager is on the roster, no one is their own
/// manager, no line goes round in a cycle, and none is more than [`MAX_REPORTING_DEPTH`] deep.
/// `managers` lists (roster index, manager_id, the place of the cell) in roster order.
fn check_managers(
    roster: &[Employee],
    managers: &[(usize, String, String)],
    place: &str,
    problems: &mut Vec<Problem>,
) {
    if managers.is_empty() {
        return;
    }
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(roster.len());
    for (i, e) in roster.iter().enumerate() {
        index.entry(e.id.as_str()).or_insert(i);
    }
    let mut unknown = Capped::new(place, "rows with a manager_id not on the roster");
    let mut own = Capped::new(place, "rows naming the employee as their own manager");
    let mut cycles = Capped::new(place, "cycles in manager_id");
    let mut deep = Capped::new(place, "reporting lines too deep");
    let mut unknown_count = 0usize;
    // The manager of each roster index (unknown managers and the person themselves: none).
    let mut next: Vec<Option<usize>> = vec![None; roster.len()];
    let mut cell: HashMap<usize, &str> = HashMap::with_capacity(managers.len());
    for (e, manager, at) in managers {
        cell.insert(*e, at.as_str());
        match index.get(manager.as_str()) {
            None => {
                let hint = if unknown_count < crate::error::PER_KIND {
                    crate::error::did_you_mean(manager, roster.iter().map(|e| e.id.as_str()))
                } else {
                    String::new()
                };
                unknown_count += 1;
                unknown.push(Problem::new(
                    at,
                    format!(
                        "{} is not on the roster{hint}; expected the employee_id of the person's manager, or empty for no manager",
                        crate::data::limits::quote(manager)
                    ),
                ));
            }
            Some(&m) if roster[m].id == roster[*e].id => own.push(Problem::new(
                at,
                format!(
                    "{} is named as their own manager; leave manager_id empty for someone no one on the roster manages",
                    shown_id(manager)
                ),
            )),
            Some(&m) => next[*e] = Some(m),
        }
    }
    // Walk every line once: 0 = not seen, 1 = on the line being walked, 2 = done. `depth` is
    // the number of managers above a person (for the people of a cycle: 0, already refused).
    let mut state = vec![0u8; roster.len()];
    let mut depth = vec![0usize; roster.len()];
    let mut path: Vec<usize> = Vec::new();
    for start in 0..roster.len() {
        if state[start] != 0 {
            continue;
        }
        path.clear();
        let mut j = start;
        let end = loop {
            if state[j] != 0 {
                break Some(j);
            }
            state[j] = 1;
            path.push(j);
            match next[j] {
                Some(k) => j = k,
                None => break None,
            }
        };
        let mut above = match end {
            Some(j) if state[j] == 1 => {
                // A cycle: the part of the path from j on. Reported at its first row.
                let from = path.iter().position(|&p| p == j).unwrap_or(0);
                let cycle = &path[from..];
                let first = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
                let ordered: Vec<usize> = cycle[first..]
                    .iter()
                    .chain(&cycle[..first])
                    .copied()
                    .collect();
                const SHOWN: usize = 10;
                let mut names: Vec<String> = ordered
                    .iter()
                    .take(SHOWN)
                    .map(|&i| shown_id(&roster[i].id))
                    .collect();
                if ordered.len() > SHOWN {
                    names.push("…".into());
                }
                names.push(shown_id(&roster[ordered[0]].id));
                let people = if ordered.len() > SHOWN {
                    format!(" ({} people)", ordered.len())
                } else {
                    String::new()
                };
                let head = ordered[0];
                cycles.push(Problem::new(
                    cell.get(&head).copied().unwrap_or(place),
                    format!(
                        "{} reports to {}, and the line of managers comes back to {}: a cycle {}{people}; every reporting line must end at someone with an empty manager_id",
                        shown_id(&roster[head].id),
                        shown_id(&roster[ordered[1 % ordered.len()]].id),
                        shown_id(&roster[head].id),
                        names.join(" → "),
                    ),
                ));
                for &c in cycle {
                    state[c] = 2;
                }
                path.truncate(from);
                // Those below a cycle are on no line to the top: already refused.
                None
            }
            Some(j) => Some(depth[j] + 1),
            None => Some(0),
        };
        // The path's people, top first: each is one level below the next.
        for &p in path.iter().rev() {
            state[p] = 2;
            if let Some(d) = above {
                depth[p] = d;
                if d == MAX_REPORTING_DEPTH + 1 {
                    deep.push(Problem::new(
                        cell.get(&p).copied().unwrap_or(place),
                        format!(
                            "{} is more than {MAX_REPORTING_DEPTH} levels of managers below the top of the reporting line; check the manager_id column (it is followed at most {MAX_REPORTING_DEPTH} levels up)",
                            shown_id(&roster[p].id)
                        ),
                    ));
                }
                above = Some(d + 1);
            }
        }
    }
    for kind in [unknown, own, cycles, deep] {
        kind.finish(problems);
    }
}
