//! `incentive verify` and `incentive diff`: checking a run months later, and explaining why a
//! period run twice paid differently.
//!
//! Both work from `run.json` manifests ([`crate::report::manifest`]); verify also recomputes the
//! run from the inputs it records.

use crate::error::{Error, Result};
use crate::period::Period;
use crate::report::labels::Lang;
use crate::report::manifest::{self, EmployeeEntry, Manifest};
use crate::report::{self, Context, labels};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

/// What verify found. The run is verified when `findings` is empty.
#[derive(Debug, Default)]
pub struct Verification {
    pub findings: Vec<String>,
    pub employees: usize,
    pub total: String,
    pub period: String,
}

fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

/// Recomputes the run recorded in `DIR/run.json` and compares every amount.
pub fn verify(dir: &Path) -> Result<Verification> {
    crate::output::recover(dir)?;
    let recorded = manifest::read(dir)?;
    let mut v = Verification {
        employees: recorded.employees.len(),
        total: recorded.total.clone(),
        period: recorded.period.clone(),
        ..Default::default()
    };
    let files = recorded
        .data
        .files
        .iter()
        .chain(recorded.schemes.iter().map(|s| &s.file));
    for f in files {
        let path = f.path.resolve();
        match crate::run::sha256_file(&path) {
            Err(e) => v
                .findings
                .push(format!("input file {} cannot be read: {e}", f.path.path)),
            Ok(h) if h != f.sha256 => v.findings.push(format!(
                "input file changed since the run: {} (sha256 was {}…, now {}…)",
                f.path.path,
                short(&f.sha256),
                short(&h)
            )),
            Ok(_) => {}
        }
    }
    let period = Period::parse(&recorded.period).ok_or_else(|| {
        Error::other(format!(
            "run.json: period {:?} is not YYYY-MM",
            recorded.period
        ))
    })?;
    // The final runs the recorded run built on must be the same files, and are read again.
    let folder_of = |r: &manifest::RunRefEntry| {
        let json = r.run.path.resolve();
        json.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    for r in recorded
        .previous
        .iter()
        .chain(recorded.true_ups.iter().map(|t| &t.of))
    {
        match crate::run::sha256_file(&r.run.path.resolve()) {
            Err(e) => v.findings.push(format!(
                "the final run of {} it built on ({}) cannot be read: {e}",
                r.period, r.run.path.path
            )),
            Ok(h) if h != r.run.sha256 => v.findings.push(format!(
                "the final run of {} it built on changed since: {} (sha256 was {}…, now {}…)",
                r.period,
                r.run.path.path,
                short(&r.run.sha256),
                short(&h)
            )),
            Ok(_) => {}
        }
    }
    let close = crate::close::Close {
        previous: recorded.previous.as_ref().map(folder_of),
        from_zero: recorded.balances_from_zero,
        true_ups: recorded.true_ups.iter().map(|t| folder_of(&t.of)).collect(),
        current_rules: recorded.true_ups.iter().any(|t| t.rules == "current"),
    };
    let schemes_dir = recorded.schemes_dir.resolve();
    let data = recorded.data.path.resolve();
    let result = match crate::close::compute(
        crate::close::Inputs {
            schemes_dir: &schemes_dir,
            data: &data,
            mapping: recorded.mapping.as_deref(),
        },
        period,
        &close,
    ) {
        Ok(r) => r,
        Err(Error::BadInput(problems)) => {
            v.findings
                .push("the recorded inputs no longer give a valid run:".to_string());
            v.findings.extend(problems.iter().map(|p| format!("  {p}")));
            return Ok(v);
        }
        Err(e) => return Err(e),
    };
    let lang = labels::Lang::parse(&recorded.lang).unwrap_or_default();
    let cx = Context::new(labels::Labels::new(lang), recorded.command.clone());
    let now = manifest::manifest(&result, &cx);
    let names = |m: &Manifest| -> Vec<String> {
        m.data
            .files
            .iter()
            .map(|f| {
                Path::new(&f.path.absolute)
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default()
            })
            .collect()
    };
    let (recorded_files, now_files) = (names(&recorded), names(&now));
    if recorded_files != now_files {
        v.findings.push(format!(
            "the data files are not the ones recorded: recorded {}, now {}",
            recorded_files.join(", "),
            now_files.join(", ")
        ));
    }
    let recorded_schemes: Vec<&str> = recorded.schemes.iter().map(|s| s.id.as_str()).collect();
    let now_schemes: Vec<&str> = now.schemes.iter().map(|s| s.id.as_str()).collect();
    if recorded_schemes != now_schemes {
        v.findings.push(format!(
            "the schemes folder changed: recorded {}, now {}",
            recorded_schemes.join(", "),
            now_schemes.join(", ")
        ));
    }
    for change in compare(&recorded, &now) {
        v.findings.push(change.render_verify());
    }
    // payroll.csv must be exactly what the recorded results say, whatever the inputs do now.
    let rows: Vec<report::PayrollRow> = recorded
        .employees
        .iter()
        .map(|e| report::PayrollRow {
            employee_id: e.employee_id.clone(),
            name: e.name.clone(),
            scheme: e.scheme.clone(),
            currency: e.currency.clone(),
            amount: e.total.clone(),
            bonus: e.bonus().to_string(),
            adjustments: e.adjustments().to_string(),
        })
        .collect();
    // A run that records the bonus wrote payroll.csv with `bonus` and `adjustments` (format 5).
    let parts = recorded.format >= 5 || recorded.employees.iter().any(|e| !e.bonus.is_empty());
    let expected = report::payroll_csv_from(&recorded.period, &rows, parts)?;
    let payroll_path = dir.join("payroll.csv");
    match std::fs::read(&payroll_path) {
        Ok(bytes) if bytes == expected => {}
        Ok(bytes) => {
            let mut finding = format!(
                "{}: does not match the amounts recorded in run.json (edited after the run?):",
                payroll_path.display()
            );
            for edit in payroll_edits(&expected, &bytes) {
                finding.push_str("\n    ");
                finding.push_str(&edit);
            }
            v.findings.push(finding);
        }
        Err(e) => v
            .findings
            .push(format!("{}: cannot be read: {e}", payroll_path.display())),
    }
    Ok(v)
}

/// What differs between the payroll.csv a run wrote and the one found: per employee the
/// recorded and the found amount (or row), at most 20 lines.
fn payroll_edits(expected: &[u8], found: &[u8]) -> Vec<String> {
    /// employee_id → (the row's other fields, amount)
    type Rows = BTreeMap<String, (Vec<String>, String)>;
    fn rows(bytes: &[u8]) -> (Rows, Vec<String>) {
        let mut by_id = BTreeMap::new();
        let mut bad = Vec::new();
        let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
        for (i, rec) in r.records().enumerate() {
            match rec {
                Ok(rec) if rec.len() >= 6 => {
                    let f: Vec<String> = rec.iter().map(str::to_string).collect();
                    // The amount's parts (bonus, adjustments) count as the row's other fields.
                    let mut other = f[1..5].to_vec();
                    other.extend(f[6..].iter().cloned());
                    by_id.insert(f[0].clone(), (other, f[5].clone()));
                }
                Ok(rec) => bad.push(format!("row {}: {} fields, expected 6", i + 2, rec.len())),
                Err(e) => bad.push(format!("row {}: unreadable: {e}", i + 2)),
            }
        }
        (by_id, bad)
    }
    let (want, _) = rows(expected);
    let (got, mut out) = rows(found);
    for (id, (fields, amount)) in &want {
        match got.get(id) {
            None => out.push(format!(
                "{id} {}: recorded {amount}, row missing",
                fields[0]
            )),
            Some((_, a)) if a != amount => {
                out.push(format!("{id} {}: recorded {amount}, found {a}", fields[0]))
            }
            Some((f, _)) if f != fields => out.push(format!(
                "{id}: recorded {}, found {}",
                fields.join(","),
                f.join(",")
            )),
            Some(_) => {}
        }
    }
    for (id, (_, a)) in &got {
        if !want.contains_key(id) {
            out.push(format!("{id:?}: not in the run, found with amount {a:?}"));
        }
    }
    if out.is_empty() {
        out.push("the same rows, written differently (order, quoting or line endings)".into());
    }
    let n = out.len();
    if n > 20 {
        out.truncate(20);
        out.push(format!("… and {} more differences", n - 20));
    }
    out
}

/// One employee whose payout differs between two runs, with the KPI-level causes.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub employee_id: String,
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub causes: Vec<String>,
}

impl Change {
    fn render_verify(&self) -> String {
        format!(
            "{} {}: recorded {}, recomputed {}: {}",
            self.employee_id,
            self.name,
            self.old.as_deref().unwrap_or("absent"),
            self.new.as_deref().unwrap_or("absent"),
            self.causes.join("; ")
        )
    }
}

/// A weight recorded in run.json (`0.35`) as the scheme writes it: `35%`.
fn weight(recorded: &str) -> String {
    match recorded.parse::<rust_decimal::Decimal>() {
        Ok(d) => report::units::percent_text(d, Lang::En),
        Err(_) => recorded.to_string(),
    }
}

fn changed(what: &str, old: &str, new: &str) -> Option<String> {
    (old != new).then(|| {
        let show = |s: &str| {
            if s.is_empty() {
                "no data".to_string()
            } else {
                s.to_string()
            }
        };
        format!("{what} {} → {}", show(old), show(new))
    })
}

/// What identifies a line between two runs: a scheme line by its kind, a true-up by its period,
/// an adjustments row by its kind, reason and reference (its row number may move).
fn line_key(l: &manifest::LineEntry) -> (String, String, String, String) {
    match l.origin.as_str() {
        "scheme" => (
            "scheme".into(),
            l.kind.clone(),
            String::new(),
            String::new(),
        ),
        "true_up" => (
            "true_up".into(),
            l.period.clone(),
            String::new(),
            String::new(),
        ),
        _ => (
            l.origin.clone(),
            l.kind.clone(),
            l.reason.clone(),
            l.reference.clone(),
        ),
    }
}

/// A line in words for a cause: `one_off 15000.00 ("Mentoring …", ref D20)`.
fn line_words(l: &manifest::LineEntry) -> String {
    match l.origin.as_str() {
        "scheme" => format!("{} {}", l.kind, l.amount),
        "true_up" => format!("true-up of {} {}", l.period, l.amount),
        _ => {
            let reference = if l.reference.is_empty() {
                String::new()
            } else {
                format!(", ref {}", l.reference)
            };
            format!(
                "{} {} ({}{reference})",
                l.kind,
                l.amount,
                crate::data::limits::quote(&l.reason)
            )
        }
    }
}

/// The lines added, removed or changed between two runs of an employee, as causes.
fn line_changes(old: &[manifest::LineEntry], new: &[manifest::LineEntry]) -> Vec<String> {
    let mut out = Vec::new();
    let mut unmatched: Vec<&manifest::LineEntry> = old.iter().collect();
    let mut added: Vec<&manifest::LineEntry> = Vec::new();
    for n in new {
        match unmatched.iter().position(|o| line_key(o) == line_key(n)) {
            Some(i) => {
                let o = unmatched.remove(i);
                if o.amount != n.amount {
                    out.push(match n.origin.as_str() {
                        "scheme" => format!("{}: {} → {}", n.kind, o.amount, n.amount),
                        "true_up" => {
                            format!("true-up of {}: {} → {}", n.period, o.amount, n.amount)
                        }
                        _ => {
                            let mut was = o.clone();
                            was.amount = format!("{} → {}", o.amount, n.amount);
                            format!("adjustment changed: {}", line_words(&was))
                        }
                    });
                }
            }
            None => added.push(n),
        }
    }
    let name = |l: &manifest::LineEntry| match l.origin.as_str() {
        "scheme" => l.kind.clone(),
        "true_up" => format!("true-up of {}", l.period),
        _ => "adjustment".to_string(),
    };
    for o in unmatched {
        match o.origin.as_str() {
            "table" => out.push(format!("adjustment removed: {}", line_words(o))),
            _ => out.push(format!("{} removed: was {}", name(o), o.amount)),
        }
    }
    for n in added {
        match n.origin.as_str() {
            "table" => out.push(format!("adjustment added: {}", line_words(n))),
            _ => out.push(format!("{} added: {}", name(n), n.amount)),
        }
    }
    out
}

/// Every employee whose payout, or anything that feeds it, differs between two manifests.
pub fn compare(old: &Manifest, new: &Manifest) -> Vec<Change> {
    let by_id = |m: &Manifest| -> BTreeMap<String, EmployeeEntry> {
        m.employees
            .iter()
            .map(|e| (e.employee_id.clone(), e.clone()))
            .collect()
    };
    let (a, b) = (by_id(old), by_id(new));
    let scheme_hash = |m: &Manifest, id: &str| {
        m.schemes
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.file.sha256.clone())
            .unwrap_or_default()
    };
    let mut ids: Vec<&String> = a.keys().chain(b.keys()).collect();
    ids.sort();
    ids.dedup();
    let mut out = Vec::new();
    for id in ids {
        match (a.get(id), b.get(id)) {
            (Some(o), None) => out.push(Change {
                employee_id: id.clone(),
                name: o.name.clone(),
                old: Some(o.total.clone()),
                new: None,
                causes: vec!["no longer on the roster".into()],
            }),
            (None, Some(n)) => out.push(Change {
                employee_id: id.clone(),
                name: n.name.clone(),
                old: None,
                new: Some(n.total.clone()),
                causes: vec!["new on the roster".into()],
            }),
            (Some(o), Some(n)) => {
                let mut causes = Vec::new();
                if o.scheme != n.scheme {
                    causes.push(format!("scheme changed: {} → {}", o.scheme, n.scheme));
                } else if scheme_hash(old, &o.scheme) != scheme_hash(new, &n.scheme) {
                    causes.push(format!(
                        "scheme changed: the file of {} was edited",
                        o.scheme
                    ));
                }
                causes.extend(changed("target bonus", &o.target_bonus, &n.target_bonus));
                if o.days_employed != n.days_employed || o.days_in_period != n.days_in_period {
                    causes.push(format!(
                        "proration changed: employed {} → {}",
                        report::units::days_of(o.days_employed, o.days_in_period, Lang::En),
                        report::units::days_of(n.days_employed, n.days_in_period, Lang::En)
                    ));
                }
                // A KPI in observation is named so: its amount is shown, never paid.
                let label = |k: &crate::report::manifest::KpiEntry| {
                    if k.observed {
                        format!("{} (observation, not paid)", k.id)
                    } else {
                        k.id.clone()
                    }
                };
                for nk in &n.kpis {
                    match o.kpis.iter().find(|k| k.id == nk.id) {
                        None => {
                            let pays = if nk.observed { "would pay" } else { "pays" };
                            causes.push(format!("{}: KPI added, {pays} {}", label(nk), nk.amount))
                        }
                        Some(ok) => {
                            let parts: Vec<String> = [
                                changed("actual changed", &ok.actual, &nk.actual),
                                changed("target changed", &ok.target, &nk.target),
                                changed("weight changed", &weight(&ok.weight), &weight(&nk.weight)),
                                (ok.observed && !nk.observed)
                                    .then(|| "observation ended: now paid".to_string()),
                                (!ok.observed && nk.observed)
                                    .then(|| "put in observation: no longer paid".to_string()),
                                (ok.actual == nk.actual
                                    && ok.target == nk.target
                                    && ok.factor != nk.factor)
                                    .then(|| {
                                        format!(
                                            "curve changed: factor {} → {}",
                                            ok.factor, nk.factor
                                        )
                                    }),
                            ]
                            .into_iter()
                            .flatten()
                            .collect();
                            if !parts.is_empty() || ok.amount != nk.amount {
                                causes.push(format!(
                                    "{}: {}amount {} → {}",
                                    label(nk),
                                    parts.iter().map(|p| format!("{p}, ")).collect::<String>(),
                                    ok.amount,
                                    nk.amount
                                ));
                            }
                        }
                    }
                }
                for ok in &o.kpis {
                    if !n.kpis.iter().any(|k| k.id == ok.id) {
                        causes.push(format!("{}: KPI removed, paid {}", label(ok), ok.amount));
                    }
                }
                causes.extend(line_changes(&o.lines, &n.lines));
                if o.total != n.total || !causes.is_empty() {
                    out.push(Change {
                        employee_id: id.clone(),
                        name: n.name.clone(),
                        old: Some(o.total.clone()),
                        new: Some(n.total.clone()),
                        causes,
                    });
                }
            }
            (None, None) => {}
        }
    }
    out
}

/// The diff of two run folders, as text for the terminal.
pub fn diff_text(old: &Manifest, new: &Manifest) -> String {
    let changes = compare(old, new);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "period {} → {}; total {} → {}",
        old.period, new.period, old.total, new.total
    );
    let parts = |m: &Manifest| {
        let bonus: Vec<String> = m
            .bonus_totals
            .iter()
            .map(|(c, t)| format!("{t} {c}"))
            .collect();
        let adj: Vec<String> = m
            .adjustment_totals
            .iter()
            .map(|(c, t)| format!("{t} {c}"))
            .collect();
        (bonus.join(" + "), adj.join(" + "))
    };
    let ((ob, oa), (nb, na)) = (parts(old), parts(new));
    // Only when a run has adjustments: otherwise the bonus is the total.
    let any_adjustment = |m: &Manifest| {
        m.adjustment_totals.values().any(|t| {
            t.parse::<rust_decimal::Decimal>()
                .is_ok_and(|d| !d.is_zero())
        })
    };
    if (any_adjustment(old) || any_adjustment(new)) && (ob != nb || oa != na) {
        let show = |s: &str| {
            if s.is_empty() {
                "none".to_string()
            } else {
                s.to_string()
            }
        };
        let _ = writeln!(
            s,
            "bonus {} → {}; adjustments {} → {}",
            show(&ob),
            show(&nb),
            show(&oa),
            show(&na)
        );
    }
    if changes.is_empty() {
        let _ = writeln!(s, "no payout changed ({} employees)", new.employees.len());
        return s;
    }
    let _ = writeln!(
        s,
        "{} of {} employees changed:",
        changes.len(),
        old.employees.len().max(new.employees.len())
    );
    for c in &changes {
        let delta = match (&c.old, &c.new) {
            (Some(o), Some(n)) => match (
                o.parse::<rust_decimal::Decimal>(),
                n.parse::<rust_decimal::Decimal>(),
            ) {
                (Ok(o), Ok(n)) => match n.checked_sub(o) {
                    Some(d) => {
                        let sign = if d.is_sign_negative() { "" } else { "+" };
                        format!(" ({sign}{})", report::money(d))
                    }
                    None => String::new(),
                },
                _ => String::new(),
            },
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "  {} {}: {} → {}{delta}",
            c.employee_id,
            c.name,
            c.old.as_deref().unwrap_or("absent"),
            c.new.as_deref().unwrap_or("absent"),
        );
        for cause in &c.causes {
            let _ = writeln!(s, "      {cause}");
        }
    }
    s
}
