//! The month-end close: what a period's payouts carry from earlier final runs — the guarantee
//! balances of the previous period's final run (`--previous`), and true-ups of final runs
//! recomputed with today's data (`--true-up`). The rules are in docs/month-end.md.
//!
//! This module reads the earlier runs' manifests and wires the evaluations; the arithmetic is
//! [`crate::payout`]'s, and every output renders the [`RunResult`] it hands back.

use crate::engine::{self, SourceRows};
use crate::error::{Error, Problem, Result};
use crate::load::Dataset;
use crate::payout::{Kind, Ledger, Line, Opening, Origin};
use crate::period::Period;
use crate::report::manifest::{self, Manifest};
use crate::results::{Closing, RunRef, RunResult, TrueUp};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The earlier final runs a run builds on, as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct Close {
    /// `--previous DIR`: the previous period's final run, for the guarantee balances.
    pub previous: Option<PathBuf>,
    /// `--previous none`: no earlier run was final; every guarantee balance starts at zero.
    pub from_zero: bool,
    /// `--true-up DIR` (any number): final runs of earlier periods to recompute.
    pub true_ups: Vec<PathBuf>,
    /// `--rules current`: recompute with the current schemes, not the recorded ones.
    pub current_rules: bool,
}

impl Close {
    pub fn is_empty(&self) -> bool {
        self.previous.is_none() && self.true_ups.is_empty() && !self.from_zero
    }
}

/// Where the data is read from.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub schemes_dir: &'a Path,
    pub data: &'a Path,
    pub mapping: Option<&'a str>,
}

/// One period evaluated and settled with a ledger.
fn period_run(
    inputs: Inputs<'_>,
    schemes_dir: &Path,
    period: Period,
    ledger: &Ledger,
    rows: SourceRows,
) -> Result<RunResult> {
    let _s = crate::progress::stage("schemes, roster, plans");
    let ds = Dataset::load(schemes_dir, &[], inputs.data, inputs.mapping, &[period])
        .map_err(Error::BadInput)?;
    drop(_s);
    let _s = crate::progress::stage("rows, evaluate, score");
    let ev = engine::evaluate(ds, &engine::payroll, rows)?;
    drop(_s);
    let _s = crate::progress::stage("payouts");
    ev.into_run(period, ledger)
}

/// A final run read back: its manifest and where it is.
struct FinalRun {
    manifest: Manifest,
    reference: RunRef,
}

/// Reads `dir`'s run.json as a final run of an earlier period.
fn read_final(
    dir: &Path,
    flag: &str,
    period: Period,
    problems: &mut Vec<Problem>,
) -> Option<FinalRun> {
    let shown = dir.display().to_string();
    let m = match manifest::read(dir) {
        Ok(m) => m,
        Err(Error::BadInput(p)) => {
            problems.extend(p);
            return None;
        }
        Err(e) => {
            problems.push(Problem::new(
                format!("{flag} {shown}"),
                e.to_string().trim().to_string(),
            ));
            return None;
        }
    };
    let Some(of) = Period::parse(&m.period) else {
        return None; // manifest::read has refused it already
    };
    let place = format!("{flag} {shown}");
    if !m.final_run {
        let what = if flag == "--true-up" {
            format!(
                "the run of {of} there is not final (it was run without --final): a period that was never finalized is not trued up; rerun {of} instead (incentive run --period {of} … --force), and make its payout final with --final"
            )
        } else {
            format!(
                "the run of {of} there is not final (it was run without --final): the balances carried on must be the ones paid; rerun {of} with --final"
            )
        };
        problems.push(Problem::new(place, what));
        return None;
    }
    if flag == "--true-up" && of >= period {
        problems.push(Problem::new(
            place,
            format!("holds {of}; a true-up recomputes a period before {period}"),
        ));
        return None;
    }
    let path = dir.join("run.json");
    let absolute = std::fs::canonicalize(&path).unwrap_or(path.clone());
    let sha256 = match crate::results::sha256_file(&path) {
        Ok(h) => h,
        Err(e) => {
            problems.push(Problem::new(place, format!("cannot read run.json: {e}")));
            return None;
        }
    };
    Some(FinalRun {
        manifest: m,
        reference: RunRef {
            given: shown,
            absolute,
            sha256,
            period: of,
        },
    })
}

/// Every employee's guarantee balance in a recorded run, before the period (`opening`) or
/// after it; zero without a recoverable guarantee.
fn recorded_balances(m: &Manifest, from: &str, opening: bool) -> Opening {
    Opening {
        from: from.to_string(),
        from_zero: false,
        balances: m
            .employees
            .iter()
            .map(|e| {
                let b = e
                    .guarantee
                    .as_ref()
                    .filter(|g| g.recoverable)
                    .and_then(|g| {
                        let b = if opening {
                            &g.opening_balance
                        } else {
                            &g.closing_balance
                        };
                        b.parse().ok()
                    })
                    .unwrap_or_default();
                (e.employee_id.clone(), b)
            })
            .collect(),
    }
}

/// The closing balances of a computed run.
fn computed_closing(run: &RunResult, from: &str) -> Opening {
    Opening {
        from: from.to_string(),
        from_zero: false,
        balances: run
            .employees
            .iter()
            .map(|e| {
                (
                    e.employee.id.clone(),
                    e.payout.closing_balance().unwrap_or_default(),
                )
            })
            .collect(),
    }
}

/// What a recorded employee was paid by the scheme (bonus + cap + guarantee lines), which a
/// true-up compares.
fn recorded_scheme_amount(e: &manifest::EmployeeEntry) -> Decimal {
    let bonus: Decimal = e.bonus().parse().unwrap_or_default();
    e.lines
        .iter()
        .filter(|l| l.origin == "scheme")
        .filter_map(|l| l.amount.parse::<Decimal>().ok())
        .fold(bonus, |t, a| t.saturating_add(a))
}

/// The scheme files recorded in a run, checked against the files now: the schemes folder to
/// recompute with, or a problem per changed file.
fn recorded_rules(run: &FinalRun, problems: &mut Vec<Problem>) -> Option<PathBuf> {
    let m = &run.manifest;
    let mut ok = true;
    for s in &m.schemes {
        let path = s.file.path.resolve();
        let now = crate::results::sha256_file(&path);
        let why = match now {
            Err(e) => Some(format!("cannot be read ({e})")),
            Ok(h) if h != s.file.sha256 => Some(format!(
                "changed since the final run of {} (sha256 was {}…, now {}…)",
                m.period,
                &s.file.sha256[..12.min(s.file.sha256.len())],
                &h[..12]
            )),
            Ok(_) => None,
        };
        if let Some(why) = why {
            ok = false;
            problems.push(Problem::new(
                format!("--true-up {}: scheme {} ({})", run.reference.given, s.id, s.file.path.path),
                format!(
                    "{why}; a true-up recomputes {} by the rules it was paid by: restore the file, or give --rules current to recompute with today's schemes (the audit says so)",
                    m.period
                ),
            ));
        }
    }
    ok.then(|| m.schemes_dir.resolve())
}

/// The scheme ids of a computed run must be the recorded ones: a scheme added to the folder
/// since changes the rules too.
fn same_schemes(run: &FinalRun, recomputed: &RunResult, problems: &mut Vec<Problem>) -> bool {
    let recorded: Vec<&str> = run.manifest.schemes.iter().map(|s| s.id.as_str()).collect();
    let now: Vec<&str> = recomputed.schemes.iter().map(|s| s.id.as_str()).collect();
    if recorded == now {
        return true;
    }
    problems.push(Problem::new(
        format!("--true-up {}", run.reference.given),
        format!(
            "the schemes folder changed since the final run of {}: recorded {}, now {}; restore it, or give --rules current",
            run.manifest.period,
            recorded.join(", "),
            now.join(", ")
        ),
    ));
    false
}

/// The lines a recorded employee was paid besides the scheme's (adjustments rows, true-ups):
/// a recomputation keeps them as they were.
fn recorded_lines(m: &Manifest) -> BTreeMap<String, Vec<Line>> {
    m.employees
        .iter()
        .map(|e| {
            let lines = e
                .lines
                .iter()
                .filter(|l| l.origin != "scheme")
                .filter_map(|l| l.to_line())
                .collect();
            (e.employee_id.clone(), lines)
        })
        .collect()
}

/// A payout below zero is said: payroll recovers it from other pay, or finance carries it on by
/// hand; it is never silently turned into zero.
fn negative_payouts(result: &mut RunResult) {
    for e in &result.employees {
        if e.payout.amount < Decimal::ZERO {
            result.warnings.push(Problem::new(
                format!("employee {}", e.employee.id),
                format!(
                    "{} {}: the payout of {} is {} (bonus {}, adjustments {}): payroll recovers it from other pay, or settle it by hand",
                    e.employee.id,
                    e.employee.name,
                    result.period,
                    crate::report::money(e.payout.amount),
                    crate::report::money(e.payout.bonus),
                    crate::report::money(e.payout.adjustments)
                ),
            ));
        }
    }
}

/// Computes `period` with its ledger: the guarantee balances of the previous final run and the
/// true-ups of the given final runs. Without any, this is a plain run.
/// The period as the export held it on `as_of` (a day inside it), with each employee's progress
/// ([`crate::analysis::progress`]): what is done, where the month is heading, what is still
/// needed. Never a payout: no ledger, no close.
pub fn progress(inputs: Inputs<'_>, period: Period, as_of: chrono::NaiveDate) -> Result<RunResult> {
    let ds = Dataset::load(
        inputs.schemes_dir,
        &[],
        inputs.data,
        inputs.mapping,
        &[period],
    )
    .map_err(Error::BadInput)?;
    let read = engine::Read {
        as_of: Some(as_of),
        observe: None,
        plans_optional: false,
    };
    let mut result = engine::evaluate_with(ds, &engine::payroll, SourceRows::Keep, read)?
        .into_run(period, &Ledger::default())?;
    result.progress = Some(crate::analysis::progress::Progress::of(&result, as_of));
    Ok(result)
}

pub fn compute(inputs: Inputs<'_>, period: Period, close: &Close) -> Result<RunResult> {
    if close.is_empty() {
        let mut result = period_run(
            inputs,
            inputs.schemes_dir,
            period,
            &Ledger::default(),
            SourceRows::Keep,
        )?;
        negative_payouts(&mut result);
        return Ok(result);
    }
    let mut problems = Vec::new();
    let previous = close
        .previous
        .as_deref()
        .and_then(|d| read_final(d, "--previous", period, &mut problems));
    let mut runs: Vec<FinalRun> = close
        .true_ups
        .iter()
        .filter_map(|d| read_final(d, "--true-up", period, &mut problems))
        .collect();
    runs.sort_by_key(|r| r.reference.period);
    for pair in runs.windows(2) {
        if pair[0].reference.period == pair[1].reference.period {
            problems.push(Problem::new(
                format!("--true-up {}", pair[1].reference.given),
                format!(
                    "{} is trued up twice in this run (also --true-up {}); give each period once",
                    pair[1].reference.period, pair[0].reference.given
                ),
            ));
        }
    }
    let just_before = period.previous();
    if let Some(p) = &previous {
        if Some(p.reference.period) != just_before {
            problems.push(Problem::new(
                format!("--previous {}", p.reference.given),
                format!(
                    "holds {}; the balances carried into {period} come from the final run of the month just before it",
                    p.reference.period
                ),
            ));
        }
        if let Some(t) = runs
            .iter()
            .find(|t| Some(t.reference.period) == just_before)
            && t.reference.sha256 != p.reference.sha256
        {
            problems.push(Problem::new(
                format!("--previous {}", p.reference.given),
                format!(
                    "is not the run trued up with --true-up {} for the same month; give the month once (a --true-up of the month just before also carries its balances)",
                    t.reference.given
                ),
            ));
        }
    }
    // A period the previous final run already trued up from the same run would be paid twice:
    // the later true-up starts from that recomputation.
    if let Some(p) = &previous {
        for t in &runs {
            let again = p.manifest.true_ups.iter().find(|u| {
                u.of.period == t.reference.period.to_string()
                    && u.of.run.sha256 == t.reference.sha256
            });
            if let Some(u) = again {
                problems.push(Problem::new(
                    format!("--true-up {}", t.reference.given),
                    format!(
                        "{} was already trued up from this run by the final run of {} ({}): it would be paid twice; true it up from that recomputation: --true-up {}",
                        t.reference.period,
                        p.reference.period,
                        p.reference.given,
                        Path::new(&p.reference.given).join(&u.recomputed).display()
                    ),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::BadInput(problems));
    }

    // Recompute each final run in period order; a run of the month before another starts that
    // one's balances.
    let mut true_ups: Vec<TrueUp> = Vec::new();
    let mut lines: BTreeMap<String, Vec<Line>> = BTreeMap::new();
    let mut last: Option<(Period, Opening)> = None;
    for run in &runs {
        let p = run.reference.period;
        let schemes_dir = if close.current_rules {
            Some(inputs.schemes_dir.to_path_buf())
        } else {
            recorded_rules(run, &mut problems)
        };
        let Some(schemes_dir) = schemes_dir else {
            continue;
        };
        let opening = match &last {
            Some((q, o)) if q.next() == Some(p) => o.clone(),
            _ => recorded_balances(
                &run.manifest,
                &format!("the recorded run {}", run.reference.given),
                true,
            ),
        };
        let ledger = Ledger {
            opening: Some(opening),
            true_ups: BTreeMap::new(),
            recorded_lines: Some(recorded_lines(&run.manifest)),
        };
        let recomputed = match period_run(inputs, &schemes_dir, p, &ledger, SourceRows::Skip) {
            Ok(r) => r,
            Err(Error::BadInput(found)) => {
                problems.push(Problem::new(
                    format!("--true-up {}", run.reference.given),
                    format!("{p} cannot be recomputed with today's data:"),
                ));
                problems.extend(found);
                continue;
            }
            Err(e) => return Err(e),
        };
        if !close.current_rules && !same_schemes(run, &recomputed, &mut problems) {
            continue;
        }
        let recomputed_manifest = manifest::manifest(
            &recomputed,
            &crate::report::Context::new(
                crate::report::labels::Labels::new(crate::report::labels::Lang::En),
                String::new(),
            ),
        );
        let causes: BTreeMap<String, Vec<String>> =
            crate::audit::compare(&run.manifest, &recomputed_manifest)
                .into_iter()
                .map(|c| (c.employee_id, c.causes))
                .collect();
        let recorded: BTreeMap<&str, &manifest::EmployeeEntry> = run
            .manifest
            .employees
            .iter()
            .map(|e| (e.employee_id.as_str(), e))
            .collect();
        for e in &recomputed.employees {
            let id = e.employee.id.as_str();
            let now = e.payout.scheme_amount();
            let (was, currency_changed) = match recorded.get(id) {
                Some(r) => (
                    recorded_scheme_amount(r),
                    r.currency != recomputed.currency(e),
                ),
                None => (Decimal::ZERO, false),
            };
            if currency_changed {
                problems.push(Problem::new(
                    format!("--true-up {}: employee {id}", run.reference.given),
                    format!(
                        "paid in {} in {p}, now computed in {}: amounts in two currencies are never subtracted; settle it by hand",
                        recorded.get(id).map_or("", |r| r.currency.as_str()),
                        recomputed.currency(e)
                    ),
                ));
                continue;
            }
            let diff = now - was;
            if diff.is_zero() {
                continue;
            }
            let why = match recorded.get(id) {
                None => "not in the recorded run".to_string(),
                Some(_) => causes
                    .get(id)
                    .map(|c| c.join("; "))
                    .filter(|c| !c.is_empty())
                    .unwrap_or_else(|| "recomputed".into()),
            };
            lines.entry(id.to_string()).or_default().push(Line {
                kind: Kind::TrueUp,
                amount: diff,
                reason: format!("{p} recomputed: {why}"),
                approved_by: String::new(),
                reference: p.to_string(),
                note: String::new(),
                origin: Origin::TrueUp {
                    period: p,
                    run: run.reference.given.clone(),
                },
            });
        }
        let on_roster: std::collections::BTreeSet<&str> = recomputed
            .employees
            .iter()
            .map(|e| e.employee.id.as_str())
            .collect();
        let unpaid = run
            .manifest
            .employees
            .iter()
            .filter(|e| !on_roster.contains(e.employee_id.as_str()))
            .map(|e| {
                (
                    e.employee_id.clone(),
                    e.name.clone(),
                    recorded_scheme_amount(e),
                )
            })
            .collect();
        last = Some((
            p,
            computed_closing(&recomputed, &format!("the recomputed {p}")),
        ));
        true_ups.push(TrueUp {
            run: run.reference.clone(),
            current_rules: close.current_rules,
            recomputed: Box::new(recomputed),
            unpaid,
        });
    }
    if !problems.is_empty() {
        return Err(Error::BadInput(problems));
    }
    let opening = match (&last, &previous) {
        (Some((q, o)), _) if Some(*q) == just_before => Some(o.clone()),
        (_, Some(p)) => Some(recorded_balances(&p.manifest, &p.reference.given, false)),
        _ if close.from_zero => Some(Opening {
            from: "--previous none".into(),
            balances: BTreeMap::new(),
            from_zero: true,
        }),
        _ => None,
    };
    let ledger = Ledger {
        opening,
        true_ups: lines,
        recorded_lines: None,
    };
    let mut result = period_run(
        inputs,
        inputs.schemes_dir,
        period,
        &ledger,
        SourceRows::Keep,
    )?;
    negative_payouts(&mut result);
    for t in &true_ups {
        for (id, name, paid) in &t.unpaid {
            result.warnings.push(Problem::new(
                format!("--true-up {}", t.run.given),
                format!(
                    "{id} {name} was paid {} in {} and is not on today's roster, so {} was not recomputed for them; settle it by hand if it changed",
                    crate::report::money(*paid),
                    t.run.period,
                    t.run.period
                ),
            ));
        }
    }
    let previous_ref = previous.map(|p| p.reference).or_else(|| {
        true_ups
            .iter()
            .find(|t| Some(t.run.period) == just_before)
            .map(|t| t.run.clone())
    });
    result.close = Closing {
        previous: previous_ref,
        from_zero: close.from_zero,
        true_ups,
    };
    Ok(result)
}
