//! The results model: what an evaluation found, for every output to render.
//!
//! Everything a renderer shows that is a decision — a KPI's band and lines, whether it is paid
//! or in observation, an employee's statement path, the totals per currency — is decided here
//! or in [`crate::scoring`] and stored, so payroll.csv, payouts.xlsx, the statements, run.json,
//! `explain` and compare.xlsx never re-derive them.
//!
//! An [`Evaluation`] holds any list of periods × per employee any number of schemes (the paid
//! one and candidates) from one read of the data; a [`RunResult`] is one period of it seen as a
//! payout run.

use crate::error::{Error, Result};
use crate::metrics::MetricEvidence;
use crate::period::Period;
use crate::scheme::Scheme;
use crate::scoring::{Employment, Score};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use crate::data::tables::Table;

/// One person on the roster, as validated.
#[derive(Debug, Clone)]
pub struct Employee {
    pub id: String,
    pub name: String,
    /// The paid scheme's id as written in the roster.
    pub scheme_id: String,
    /// Index into the run's schemes of the paid scheme (in a [`RunResult`]: for its period).
    pub scheme: usize,
    pub target_bonus: Decimal,
    pub team: String,
    pub hired_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
    /// A candidate scheme computed beside the paid one in monthly runs (`observe_scheme`).
    pub observe_scheme: Option<usize>,
    /// The scheme before a change of scheme (`previous_scheme`), paid for periods before
    /// `scheme_since`.
    pub previous_scheme: Option<usize>,
    pub scheme_since: Option<Period>,
    /// The employee_id of the person's manager (`manager_id`), empty for none; validated on
    /// the roster, never the person themselves, never in a cycle.
    pub manager_id: String,
    /// Where the roster writes the employee's team (file, row, column), for messages.
    pub team_place: String,
}

impl Employee {
    /// The scheme the employee is paid on in a period.
    pub fn scheme_in(&self, period: Period) -> usize {
        match (self.previous_scheme, self.scheme_since) {
            (Some(previous), Some(since)) if period < since => previous,
            _ => self.scheme,
        }
    }
}

/// Why a scheme is evaluated for an employee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// The scheme the employee is paid on.
    Paid,
    /// A scheme tried beside it, never paid (`observe_scheme`, `compare --candidate`).
    Candidate,
}

/// One employee scored on one scheme for one period.
#[derive(Debug, Clone)]
pub struct SchemeScore {
    pub scheme: usize,
    pub role: Role,
    pub score: Score,
    /// The source rows behind each aggregate metric of the scheme.
    pub evidence: Vec<MetricEvidence>,
}

/// One employee in one period: the employment and a score per evaluated scheme (the paid one
/// first).
#[derive(Debug, Clone)]
pub struct EmployeePeriod {
    /// Index into [`Evaluation::roster`].
    pub employee: usize,
    pub employment: Employment,
    pub scores: Vec<SchemeScore>,
}

impl EmployeePeriod {
    pub fn paid(&self) -> Option<&SchemeScore> {
        self.scores.iter().find(|s| s.role == Role::Paid)
    }
    pub fn candidate(&self) -> Option<&SchemeScore> {
        self.scores.iter().find(|s| s.role == Role::Candidate)
    }
}

#[derive(Debug, Clone)]
pub struct PeriodResults {
    pub period: Period,
    /// The employees evaluated in the period, in employee_id order.
    pub employees: Vec<EmployeePeriod>,
}

/// What one evaluation of the data computed: every period asked for, every employee and scheme.
#[derive(Debug)]
pub struct Evaluation {
    pub schemes: Vec<Scheme>,
    /// The validated roster, in employee_id order.
    pub roster: Vec<Employee>,
    pub periods: Vec<PeriodResults>,
    pub warnings: Vec<crate::error::Problem>,
    pub tables: Vec<TableStats>,
    pub data_path: PathBuf,
    pub schemes_dir: PathBuf,
    pub data_files: Vec<FileHash>,
    pub scheme_files: Vec<FileHash>,
    pub mapping: Option<MappingUse>,
    /// The adjustments table's rows for the evaluated periods.
    pub adjustments: Vec<crate::payout::Adjustment>,
}

/// The mapping a CRM export was read through, and how each source table's rows were used.
#[derive(Debug, Clone)]
pub struct MappingUse {
    /// A preset's name, or the mapping file as given (what `--mapping` was).
    pub name: String,
    /// A preset's name, or the mapping file's absolute path: what run.json records, so that
    /// verify finds it from any folder.
    pub reference: String,
    pub usage: Vec<crate::data::usage::Usage>,
}

impl MappingUse {
    /// Source rows read and dropped through the mapping, over every source table and use.
    pub fn rows(&self) -> (usize, usize) {
        let read = self.usage.iter().map(|u| u.rows).sum();
        let dropped = self.usage.iter().map(|u| u.dropped_rows()).sum();
        (read, dropped)
    }
}

impl Evaluation {
    /// One period of the evaluation as a payout run: every employee with the paid score, the
    /// candidate beside it when one was evaluated, and the payout (bonus, the scheme's cap and
    /// guarantee, the ledger's true-ups, the adjustments table's rows). Statement paths are
    /// decided here, once for the whole roster.
    pub fn into_run(self, period: Period, ledger: &crate::payout::Ledger) -> Result<RunResult> {
        use crate::payout::{Payout, SchemeRules};
        let Some(results) = self.periods.into_iter().find(|p| p.period == period) else {
            return Err(Error::other(format!("{period} was not evaluated")));
        };
        let mut problems = Vec::new();
        let mut employees = Vec::with_capacity(results.employees.len());
        for ep in results.employees {
            let mut employee = self.roster[ep.employee].clone();
            let mut paid = None;
            let mut candidate = None;
            for s in ep.scores {
                match s.role {
                    Role::Paid => paid = Some(s),
                    Role::Candidate => candidate = Some(s),
                }
            }
            let Some(paid) = paid else { continue };
            employee.scheme = paid.scheme;
            employee.scheme_id = self.schemes[paid.scheme].id.clone();
            let scheme = &self.schemes[paid.scheme];
            let at = || format!("employee {}, period {period}", employee.id);
            let opening = ledger
                .opening_balance(scheme, &employee.id, employee.hired_on, period)
                .unwrap_or_else(|message| {
                    problems.push(crate::error::Problem::new(at(), message));
                    Decimal::ZERO
                });
            let rules = SchemeRules {
                scheme,
                target_bonus: employee.target_bonus,
                hired_on: employee.hired_on,
                left_on: employee.left_on,
                employment: ep.employment,
                period,
            };
            let bonus = paid.score.total;
            let payout = rules
                .lines(bonus, opening)
                .and_then(|(mut lines, cap, guarantee)| {
                    match &ledger.recorded_lines {
                        Some(recorded) => {
                            lines.extend(recorded.get(&employee.id).into_iter().flatten().cloned());
                        }
                        None => {
                            lines.extend(
                                ledger
                                    .true_ups
                                    .get(&employee.id)
                                    .into_iter()
                                    .flatten()
                                    .cloned(),
                            );
                            lines.extend(
                                self.adjustments
                                    .iter()
                                    .filter(|a| a.period == period && a.employee_id == employee.id)
                                    .map(|a| a.line.clone()),
                            );
                        }
                    }
                    Payout::new(bonus, lines, cap, guarantee)
                });
            let payout = match payout {
                Ok(p) => p,
                Err(message) => {
                    problems.push(crate::error::Problem::new(at(), message));
                    continue;
                }
            };
            employees.push(EmployeeResult {
                employee,
                employment: ep.employment,
                score: paid.score,
                evidence: paid.evidence,
                statement: String::new(),
                candidate,
                payout,
            });
        }
        if !problems.is_empty() {
            return Err(Error::BadInput(problems));
        }
        let ids: Vec<&str> = employees.iter().map(|e| e.employee.id.as_str()).collect();
        let stems = crate::output::statement_stems(&ids);
        for (e, stem) in employees.iter_mut().zip(stems) {
            e.statement = format!("statements/{stem}.xlsx");
        }
        Ok(RunResult {
            period,
            schemes: self.schemes,
            employees,
            warnings: self.warnings,
            tables: self.tables,
            data_path: self.data_path,
            schemes_dir: self.schemes_dir,
            data_files: self.data_files,
            scheme_files: self.scheme_files,
            mapping: self.mapping,
            close: Closing::default(),
            progress: None,
        })
    }
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
    /// The candidate scheme scored beside the paid one (roster column `observe_scheme`):
    /// shown in the Observation sheet, never paid.
    pub candidate: Option<SchemeScore>,
    /// What payroll pays: the bonus (`score.total`) and every line besides it.
    pub payout: crate::payout::Payout,
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
    /// Rows dated in the evaluated period (in any of them, when there are several).
    pub rows_in_period: usize,
    pub rows_outside_period: usize,
    /// Rows of people not on the roster: employee_id → (rows, sum of amounts).
    pub unknown_people: BTreeMap<String, (usize, crate::num::Total)>,
    /// The text encoding a CSV table was read in (`UTF-8`, `windows-1251`); none for workbooks.
    pub encoding: Option<&'static str>,
}

impl TableStats {
    /// Adds the counts of another share of the table's rows (a lane of its reading).
    pub fn absorb(&mut self, other: TableStats) {
        self.rows_in_period += other.rows_in_period;
        self.rows_outside_period += other.rows_outside_period;
        for (id, (rows, amount)) in other.unknown_people {
            let entry = self.unknown_people.entry(id).or_default();
            entry.0 += rows;
            entry.1.merge(&amount);
        }
    }
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
    Ok(hex(&hasher.finalize()))
}

/// Bytes as lowercase hex, as sha256 sums are written.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

pub(crate) fn hash_all(paths: &[PathBuf]) -> Result<Vec<FileHash>> {
    hash_all_known(paths, &|_| None)
}

/// [`hash_all`], taking the hashes `known` has (of files hashed as they were read).
pub(crate) fn hash_all_known(
    paths: &[PathBuf],
    known: &dyn Fn(&Path) -> Option<String>,
) -> Result<Vec<FileHash>> {
    paths
        .iter()
        .map(|p| {
            known(p)
                .map_or_else(|| sha256_file(p), Ok)
                .map(|sha256| FileHash {
                    path: p.clone(),
                    sha256,
                })
                .map_err(|e| Error::other(format!("{}: cannot read: {e}", p.display())))
        })
        .collect()
}

/// What [`RunResult::group_totals`] groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Scheme,
    Team,
}

/// A group's paid total in one currency.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupTotal {
    /// The scheme id or the team (empty: no team).
    pub key: String,
    pub currency: String,
    /// Indices into [`RunResult::employees`].
    pub members: Vec<usize>,
    pub total: Decimal,
    /// The group is paid in more than one currency (it has a total per currency).
    pub mixed_currencies: bool,
}

/// One period's payout run: everyone on the roster with their paid score.
#[derive(Debug)]
pub struct RunResult {
    pub period: Period,
    pub schemes: Vec<Scheme>,
    /// Sorted by employee_id.
    pub employees: Vec<EmployeeResult>,
    pub warnings: Vec<crate::error::Problem>,
    pub tables: Vec<TableStats>,
    pub data_path: PathBuf,
    pub schemes_dir: PathBuf,
    /// The data files read (the workbook, or each CSV file of the folder) with their hashes.
    pub data_files: Vec<FileHash>,
    /// The scheme files loaded, with their hashes (by scheme index).
    pub scheme_files: Vec<FileHash>,
    /// The mapping the data was read through, when it is a CRM's own export.
    pub mapping: Option<MappingUse>,
    /// The final runs this run's ledger comes from: the previous period's, and those trued up.
    pub close: Closing,
    /// A run during the month (`--as-of`): the data as it was that day and each employee's
    /// progress. Such a run is never a payout.
    pub progress: Option<crate::analysis::progress::Progress>,
}

/// A final run another run builds on: where it is and which run.json it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRef {
    /// The folder as given on the command line.
    pub given: String,
    /// Its run.json, resolved when the run happened.
    pub absolute: PathBuf,
    pub sha256: String,
    pub period: Period,
}

/// A final period recomputed for a true-up.
#[derive(Debug)]
pub struct TrueUp {
    pub run: RunRef,
    /// `--rules current`: recomputed with the current schemes, not the recorded ones.
    pub current_rules: bool,
    /// The period as now computed (what it pays from now on), without source rows.
    pub recomputed: Box<RunResult>,
    /// Employees paid in the recorded run who are not on today's roster: (employee_id, name,
    /// the difference that cannot be paid).
    pub unpaid: Vec<(String, String, Decimal)>,
}

/// What a run's ledger was built from.
#[derive(Debug, Default)]
pub struct Closing {
    pub previous: Option<RunRef>,
    /// `--previous none`: the guarantee balances started at zero.
    pub from_zero: bool,
    pub true_ups: Vec<TrueUp>,
}

impl RunResult {
    /// The period's totals, what payroll pays, one per currency (amounts in different
    /// currencies are never added up).
    pub fn totals(&self) -> BTreeMap<String, Decimal> {
        self.totals_of(|p| p.amount)
    }

    /// The bonuses (the KPI amounts) added up per currency.
    pub fn bonus_totals(&self) -> BTreeMap<String, Decimal> {
        self.totals_of(|p| p.bonus)
    }

    /// The adjustments (every line besides the bonus) added up per currency.
    pub fn adjustment_totals(&self) -> BTreeMap<String, Decimal> {
        self.totals_of(|p| p.adjustments)
    }

    fn totals_of(
        &self,
        part: impl Fn(&crate::payout::Payout) -> Decimal,
    ) -> BTreeMap<String, Decimal> {
        let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
        for e in &self.employees {
            let t = totals.entry(self.currency(e).to_string()).or_default();
            *t = t.checked_add(part(&e.payout)).unwrap_or(Decimal::MAX);
        }
        totals
    }

    /// Whether any payout has a line besides the bonus (the Adjustments sheet, the statement's
    /// lines).
    pub fn has_lines(&self) -> bool {
        self.employees.iter().any(|e| !e.payout.lines.is_empty())
    }

    /// How many lines besides the bonus the payouts have in all.
    pub fn line_count(&self) -> usize {
        self.employees.iter().map(|e| e.payout.lines.len()).sum()
    }

    /// What the true-up of `period` pays in this run: how many employees got a line, and the
    /// lines added up per currency.
    pub fn true_up_paid(&self, period: Period) -> (usize, BTreeMap<String, Decimal>) {
        let mut sums: BTreeMap<String, Decimal> = BTreeMap::new();
        let mut people = 0;
        for e in &self.employees {
            let mine: Vec<&crate::payout::Line> = e
                .payout
                .lines
                .iter()
                .filter(|l| {
                    matches!(&l.origin, crate::payout::Origin::TrueUp { period: p, .. } if *p == period)
                })
                .collect();
            if !mine.is_empty() {
                people += 1;
            }
            let sum = sums.entry(self.currency(e).to_string()).or_default();
            for l in mine {
                *sum = sum.saturating_add(l.amount);
            }
        }
        (people, sums)
    }

    /// The currency of an employee's payout.
    pub fn currency(&self, e: &EmployeeResult) -> &str {
        &self.schemes[e.employee.scheme].currency
    }

    /// An employee's place among the employed colleagues on the same scheme, by paid total
    /// (ties share the better place), as (place, of how many); none when not employed. The one
    /// ranking a statement shows: a number, never a list of the bottom.
    pub fn place(&self, index: usize) -> Option<(usize, usize)> {
        let me = &self.employees[index];
        if !me.employment.is_employed() {
            return None;
        }
        let peers: Vec<&EmployeeResult> = self
            .employees
            .iter()
            .filter(|p| p.employee.scheme == me.employee.scheme && p.employment.is_employed())
            .collect();
        let above = peers
            .iter()
            .filter(|p| p.score.total > me.score.total)
            .count();
        Some((above + 1, peers.len()))
    }

    /// The names of a scheme's top 3 by paid total (employed people, ties by employee_id), for
    /// schemes with `ranking: top3`. Never anything below the top 3.
    pub fn top3(&self, scheme: usize) -> Vec<String> {
        let mut peers: Vec<&EmployeeResult> = self
            .employees
            .iter()
            .filter(|p| p.employee.scheme == scheme && p.employment.is_employed())
            .collect();
        peers.sort_by(|a, b| {
            b.score
                .total
                .cmp(&a.score.total)
                .then_with(|| a.employee.id.cmp(&b.employee.id))
        });
        peers
            .iter()
            .take(3)
            .map(|p| p.employee.name.clone())
            .collect()
    }

    /// The paid totals per scheme or per team, one per currency of the group (a team paid in
    /// two currencies gets two): amounts in different currencies are never added up. Decided
    /// once here; the workbook writes them as formulas over the Summary.
    pub fn group_totals(&self, by: Group) -> Vec<GroupTotal> {
        let mut groups: BTreeMap<String, BTreeMap<String, Vec<usize>>> = BTreeMap::new();
        for (i, e) in self.employees.iter().enumerate() {
            let key = match by {
                Group::Scheme => self.schemes[e.employee.scheme].id.clone(),
                Group::Team => e.employee.team.clone(),
            };
            groups
                .entry(key)
                .or_default()
                .entry(self.currency(e).to_string())
                .or_default()
                .push(i);
        }
        let mut out = Vec::new();
        for (key, by_currency) in groups {
            let mixed = by_currency.len() > 1;
            for (currency, members) in by_currency {
                let total = members
                    .iter()
                    .try_fold(Decimal::ZERO, |t, &i| {
                        t.checked_add(self.employees[i].payout.amount)
                    })
                    .unwrap_or(Decimal::MAX);
                out.push(GroupTotal {
                    key: key.clone(),
                    currency,
                    members,
                    total,
                    mixed_currencies: mixed,
                });
            }
        }
        out
    }

    /// What the employee's candidate scheme would change: (candidate − paid, that ÷ paid when
    /// paid is not zero). None without a candidate, or when it pays in another currency
    /// (amounts in different currencies are never subtracted).
    pub fn candidate_change(
        &self,
        e: &EmployeeResult,
    ) -> Option<(Decimal, Option<crate::num::Exact>)> {
        let c = e.candidate.as_ref()?;
        if self.schemes[c.scheme].currency != self.currency(e) {
            return None;
        }
        let delta = c.score.total.checked_sub(e.score.total)?;
        Some((
            delta,
            crate::analysis::compare::delta_share(delta, e.score.total),
        ))
    }

    /// Whether anyone has a candidate scheme beside the paid one (the Observation sheet).
    pub fn has_candidates(&self) -> bool {
        self.employees.iter().any(|e| e.candidate.is_some())
    }
}
