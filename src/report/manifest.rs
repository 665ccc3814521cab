//! `run.json`: the machine-readable manifest of a run — inputs and schemes with their hashes,
//! the period, the version, and every employee's and KPI's result — read back by
//! `incentive verify` and `incentive diff`.

use super::{Context, exact_text, money};
use crate::error::{Error, Result};
use crate::run::{FileHash, RunResult};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// The layout of this file: 1 for the first (no `format` key), 2 since totals per currency,
    /// `final` and each statement's path, 3 since KPIs in observation (`observed`, an
    /// employee's `observed_total`) and a candidate scheme beside the paid one (`candidate`), 4
    /// for a run read through a mapping (`mapping`), 5 since the month-end close (each
    /// employee's `bonus`, `adjustments`, `lines`, `cap`, `guarantee`; `bonus_totals`,
    /// `adjustment_totals`, `previous`, `true_ups`, `trued_up_in`).
    /// A reader refuses a format newer than it knows.
    #[serde(default = "format_one")]
    pub format: u32,
    pub tool: String,
    pub version: String,
    pub period: String,
    pub command: String,
    pub lang: String,
    pub data: DataInput,
    pub schemes_dir: FileRef,
    pub schemes: Vec<SchemeRef>,
    /// The period's total when every payout is in one currency; empty when there are several
    /// (see `totals`).
    pub total: String,
    /// The period's total in each currency.
    #[serde(default)]
    pub totals: std::collections::BTreeMap<String, String>,
    /// Whether this is the period's final payout: no later run may be written into its folder.
    #[serde(default, rename = "final")]
    pub final_run: bool,
    pub employees: Vec<EmployeeEntry>,
    /// The mapping the data was read through (format 4), when it is a CRM's own export: a
    /// preset's name or the mapping file as given. Its files are hashed among `data.files`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<String>,
    /// The bonuses (KPI amounts) per currency; `totals` = bonus_totals + adjustment_totals.
    #[serde(default)]
    pub bonus_totals: std::collections::BTreeMap<String, String>,
    /// Every line besides the bonuses, per currency.
    #[serde(default)]
    pub adjustment_totals: std::collections::BTreeMap<String, String>,
    /// The previous period's final run the guarantee balances were carried from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<RunRefEntry>,
    /// `--previous none`: no earlier run was final, every guarantee balance started at zero.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub balances_from_zero: bool,
    /// The final runs trued up in this run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub true_ups: Vec<TrueUpEntry>,
    /// Set on a recomputed final period (`true-ups/<period>/run.json`): the period whose run
    /// trued it up. It is what that period pays from then on, and a later true-up starts here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trued_up_in: Option<String>,
    /// `run --no-statements`: statements/ was not written, and no employee has a statement path.
    /// Written only when set, so a run with statements records what it always did.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_statements: bool,
}

/// A final run another run builds on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunRefEntry {
    pub period: String,
    /// The run folder's run.json: as given, resolved, and its SHA-256.
    pub run: HashedFile,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrueUpEntry {
    #[serde(flatten)]
    pub of: RunRefEntry,
    /// `recorded`: the scheme files of the run, unchanged; `current`: `--rules current`.
    pub rules: String,
    /// The recomputed period, written in this run's folder.
    pub recomputed: String,
    /// Differences that could not be paid: people no longer on the roster.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unpaid: Vec<UnpaidEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UnpaidEntry {
    pub employee_id: String,
    pub name: String,
    pub amount: String,
}

/// One line of a payout besides the KPI amounts (docs/month-end.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LineEntry {
    /// cap, guarantee, guarantee_recovery, true_up, correction, one_off, clawback, other.
    pub kind: String,
    pub amount: String,
    /// `scheme`, `true_up` or `table` (a row of the adjustments table).
    pub origin: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub approved_by: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reference: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// A table row's place (file or sheet), a true-up's recorded run folder.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub place: String,
    /// A table row's number as the user sees it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// The period a true-up recomputed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub period: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CapEntry {
    pub max_total: String,
    pub limit: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GuaranteeEntry {
    pub from: String,
    pub until: String,
    pub days: i64,
    pub minimum: String,
    pub recoverable: bool,
    pub opening_balance: String,
    pub top_up: String,
    pub recovered: String,
    pub closing_balance: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileRef {
    /// As given on the command line.
    pub path: String,
    /// Resolved when the run happened, so verify works from another working folder.
    pub absolute: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DataInput {
    pub path: FileRef,
    pub files: Vec<HashedFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HashedFile {
    pub path: FileRef,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SchemeRef {
    pub id: String,
    pub name: String,
    pub currency: String,
    pub file: HashedFile,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EmployeeEntry {
    pub employee_id: String,
    pub name: String,
    pub team: String,
    pub scheme: String,
    pub currency: String,
    pub target_bonus: String,
    pub days_employed: i64,
    pub days_in_period: i64,
    pub total: String,
    /// The employee's statement, relative to the run folder (see [`crate::output::statement_stems`]).
    #[serde(default)]
    pub statement: String,
    pub flags: Vec<String>,
    pub kpis: Vec<KpiEntry>,
    /// What the employee's KPIs in observation would pay, were they paid (not in `total`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub observed_total: String,
    /// The candidate scheme computed beside the paid one (roster column `observe_scheme`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidate: Option<CandidateEntry>,
    /// The KPI amounts added up (format 5; before it, `total`).
    #[serde(default)]
    pub bonus: String,
    /// Every line besides the bonus added up (format 5; before it, none).
    #[serde(default)]
    pub adjustments: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<LineEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<CapEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guarantee: Option<GuaranteeEntry>,
}

impl EmployeeEntry {
    /// The bonus, also of a manifest written before format 5 (then the total).
    pub fn bonus(&self) -> &str {
        if self.bonus.is_empty() {
            &self.total
        } else {
            &self.bonus
        }
    }

    /// The adjustments, also of a manifest written before format 5 (then none).
    pub fn adjustments(&self) -> &str {
        if self.adjustments.is_empty() {
            "0.00"
        } else {
            &self.adjustments
        }
    }
}

/// A candidate scheme's result for an employee: never paid.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CandidateEntry {
    pub scheme: String,
    pub currency: String,
    /// What the candidate would pay (its paid KPIs).
    pub total: String,
    pub kpis: Vec<KpiEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KpiEntry {
    pub id: String,
    pub name: String,
    pub metric: String,
    /// Decimals as text, 10 places at most; empty when missing ("no data").
    pub actual: String,
    pub target: String,
    pub attainment: String,
    pub factor: String,
    pub weight: String,
    pub amount: String,
    pub source_rows: u64,
    pub flags: Vec<String>,
    /// In observation: `amount` is what it would pay; it is not in the employee's total.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub observed: bool,
}

pub fn file_ref(path: &Path) -> FileRef {
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    FileRef {
        path: path.display().to_string(),
        absolute: absolute.display().to_string(),
    }
}

impl FileRef {
    /// The file as recorded: the absolute path when it still exists, else the given one.
    pub fn resolve(&self) -> PathBuf {
        let abs = PathBuf::from(&self.absolute);
        if abs.exists() {
            abs
        } else {
            PathBuf::from(&self.path)
        }
    }
}

fn hashed(f: &FileHash) -> HashedFile {
    HashedFile {
        path: file_ref(&f.path),
        sha256: f.sha256.clone(),
    }
}

fn kpi_entries(scheme: &crate::scheme::Scheme, score: &crate::scoring::Score) -> Vec<KpiEntry> {
    scheme
        .kpis
        .iter()
        .zip(&score.kpis)
        .map(|(k, s)| KpiEntry {
            id: k.id.clone(),
            name: k.name.clone(),
            metric: scheme.metrics[k.metric].name.clone(),
            actual: exact_text(&s.actual, 10),
            target: exact_text(&s.target, 10),
            attainment: exact_text(&s.attainment, 10),
            factor: exact_text(&Some(s.factor.clone()), 10),
            weight: k.weight.normalize().to_string(),
            amount: money(s.amount),
            source_rows: s.rows,
            flags: s.flags.iter().map(|f| f.text().to_string()).collect(),
            observed: s.observed,
        })
        .collect()
}

/// The manifest of a run.
pub fn manifest(run: &RunResult, cx: &Context) -> Manifest {
    let totals = run.totals();
    let employees = run
        .employees
        .iter()
        .map(|e| {
            let scheme = &run.schemes[e.employee.scheme];
            EmployeeEntry {
                employee_id: e.employee.id.clone(),
                name: e.employee.name.clone(),
                team: e.employee.team.clone(),
                scheme: scheme.id.clone(),
                currency: scheme.currency.clone(),
                target_bonus: e.employee.target_bonus.normalize().to_string(),
                days_employed: e.employment.days_employed,
                days_in_period: e.employment.days_in_period,
                total: money(e.payout.amount),
                statement: e.statement.clone(),
                flags: e.score.flags.iter().map(|f| f.text().to_string()).collect(),
                kpis: kpi_entries(scheme, &e.score),
                observed_total: if e.score.kpis.iter().any(|k| k.observed) {
                    money(e.score.observed_total)
                } else {
                    String::new()
                },
                candidate: e.candidate.as_ref().map(|c| {
                    let s = &run.schemes[c.scheme];
                    CandidateEntry {
                        scheme: s.id.clone(),
                        currency: s.currency.clone(),
                        total: money(c.score.total),
                        kpis: kpi_entries(s, &c.score),
                    }
                }),
                bonus: money(e.payout.bonus),
                adjustments: money(e.payout.adjustments),
                lines: e.payout.lines.iter().map(line_entry).collect(),
                cap: e.payout.cap.map(|c| CapEntry {
                    max_total: c.share.normalize().to_string(),
                    limit: money(c.limit),
                }),
                guarantee: e.payout.guarantee.map(|g| GuaranteeEntry {
                    from: g.from.to_string(),
                    until: g.until.to_string(),
                    days: g.days,
                    minimum: money(g.minimum),
                    recoverable: g.recoverable,
                    opening_balance: money(g.opening),
                    top_up: money(g.top_up),
                    recovered: money(g.recovered),
                    closing_balance: money(g.closing),
                }),
            }
        })
        .collect();
    let money_map = |m: std::collections::BTreeMap<String, rust_decimal::Decimal>| {
        m.into_iter().map(|(c, t)| (c, money(t))).collect()
    };
    let run_ref = |r: &crate::results::RunRef| RunRefEntry {
        period: r.period.to_string(),
        run: HashedFile {
            path: FileRef {
                path: r.given.clone(),
                absolute: r.absolute.display().to_string(),
            },
            sha256: r.sha256.clone(),
        },
    };
    Manifest {
        format: FORMAT,
        tool: "incentive".into(),
        version: cx.version.into(),
        period: run.period.to_string(),
        command: cx.command.clone(),
        lang: match cx.labels.lang {
            super::labels::Lang::En => "en".into(),
            super::labels::Lang::Ru => "ru".into(),
        },
        data: DataInput {
            path: file_ref(&run.data_path),
            files: run.data_files.iter().map(hashed).collect(),
        },
        schemes_dir: file_ref(&run.schemes_dir),
        schemes: run
            .schemes
            .iter()
            .zip(&run.scheme_files)
            .map(|(s, f)| SchemeRef {
                id: s.id.clone(),
                name: s.name.clone(),
                currency: s.currency.clone(),
                file: hashed(f),
            })
            .collect(),
        total: if totals.len() <= 1 {
            money(totals.values().next().copied().unwrap_or_default())
        } else {
            String::new()
        },
        totals: totals.iter().map(|(c, t)| (c.clone(), money(*t))).collect(),
        final_run: cx.final_run,
        employees,
        mapping: run.mapping.as_ref().map(|m| m.reference.clone()),
        bonus_totals: money_map(run.bonus_totals()),
        adjustment_totals: money_map(run.adjustment_totals()),
        previous: run.close.previous.as_ref().map(run_ref),
        balances_from_zero: run.close.from_zero,
        true_ups: run
            .close
            .true_ups
            .iter()
            .map(|t| TrueUpEntry {
                of: run_ref(&t.run),
                rules: if t.current_rules {
                    "current"
                } else {
                    "recorded"
                }
                .into(),
                recomputed: true_up_path(t.run.period),
                unpaid: t
                    .unpaid
                    .iter()
                    .map(|(id, name, amount)| UnpaidEntry {
                        employee_id: id.clone(),
                        name: name.clone(),
                        amount: money(*amount),
                    })
                    .collect(),
            })
            .collect(),
        trued_up_in: None,
        no_statements: false,
    }
}

/// Where a run writes the recomputation of a period it trues up: a run folder of its own
/// (`true-ups/2026-10/run.json`), so `incentive diff` compares it with the recorded one.
pub fn true_up_path(period: crate::period::Period) -> String {
    format!("true-ups/{period}")
}

/// A line as run.json records it.
pub fn line_entry(l: &crate::payout::Line) -> LineEntry {
    use crate::payout::Origin;
    let (origin, place, row, period) = match &l.origin {
        Origin::Scheme => ("scheme", String::new(), None, String::new()),
        Origin::TrueUp { period, run } => ("true_up", run.clone(), None, period.to_string()),
        Origin::Table { place, row } => ("table", place.clone(), Some(*row), String::new()),
    };
    LineEntry {
        kind: l.kind.code().into(),
        amount: money(l.amount),
        origin: origin.into(),
        reason: l.reason.clone(),
        approved_by: l.approved_by.clone(),
        reference: l.reference.clone(),
        note: l.note.clone(),
        place,
        row,
        period,
    }
}

impl LineEntry {
    /// The line back, as recorded; none when run.json was edited into something else.
    pub fn to_line(&self) -> Option<crate::payout::Line> {
        use crate::payout::{Kind, Line, Origin};
        let origin = match self.origin.as_str() {
            "scheme" => Origin::Scheme,
            "true_up" => Origin::TrueUp {
                period: crate::period::Period::parse(&self.period)?,
                run: self.place.clone(),
            },
            "table" => Origin::Table {
                place: self.place.clone(),
                row: self.row?,
            },
            _ => return None,
        };
        Some(Line {
            kind: Kind::from_code(&self.kind)?,
            amount: self.amount.parse().ok()?,
            reason: self.reason.clone(),
            approved_by: self.approved_by.clone(),
            reference: self.reference.clone(),
            note: self.note.clone(),
            origin,
        })
    }
}

pub fn to_json(m: &Manifest) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(m)
        .map_err(|e| Error::other(format!("cannot write run.json: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The format of the run.json this version writes (see [`Manifest::format`]).
pub const FORMAT: u32 = 5;

fn format_one() -> u32 {
    1
}

/// The most a run.json may hold (a run of 100 000 employees stays far below it).
const MAX_MANIFEST_BYTES: u64 = 256 << 20;

/// The text of a run.json: a regular file of at most [`MAX_MANIFEST_BYTES`], in UTF-8.
pub fn read_text(path: &Path) -> Result<String> {
    let cannot = |why: String| {
        Error::other(format!(
            "{}: cannot read the run manifest: {why}; is this a folder written by `incentive run`?",
            path.display()
        ))
    };
    let meta = std::fs::metadata(path).map_err(|e| cannot(e.to_string()))?;
    if !meta.is_file() {
        return Err(cannot("not a regular file".into()));
    }
    if meta.len() > MAX_MANIFEST_BYTES {
        return Err(Error::BadInput(vec![crate::error::Problem::new(
            path.display().to_string(),
            format!(
                "{} bytes, more than the {MAX_MANIFEST_BYTES} a run manifest may hold",
                meta.len()
            ),
        )]));
    }
    let bytes = std::fs::read(path).map_err(|e| cannot(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| {
        Error::BadInput(vec![crate::error::Problem::new(
            path.display().to_string(),
            format!(
                "not a run manifest: invalid UTF-8 at byte {}",
                e.utf8_error().valid_up_to()
            ),
        )])
    })
}

/// Reads `DIR/run.json` and checks what verify and diff rely on: the period, every hash and
/// every amount. A hand-edited manifest is reported with every problem found (exit code 2).
pub fn read(dir: &Path) -> Result<Manifest> {
    let path = dir.join("run.json");
    let text = read_text(&path)?;
    let place = path.display().to_string();
    let m: Manifest = serde_json::from_str(&text).map_err(|e| {
        Error::BadInput(vec![crate::error::Problem::new(
            format!("{place}:{}:{}", e.line(), e.column()),
            format!("not a run manifest: {e}"),
        )])
    })?;
    let problems = m.problems();
    if !problems.is_empty() {
        let n = problems.len();
        let mut list: Vec<crate::error::Problem> = problems
            .into_iter()
            .take(20)
            .map(|p| crate::error::Problem::new(&place, p))
            .collect();
        if n > 20 {
            list.push(crate::error::Problem::new(
                &place,
                format!("… and {} more problems not listed", n - 20),
            ));
        }
        return Err(Error::BadInput(list));
    }
    Ok(m)
}

/// A value of run.json, quoted for a message and shortened when long.
fn quoted(s: &str) -> String {
    let mut q: String = s.chars().take(40).collect();
    if q.len() < s.len() {
        q.push('…');
    }
    format!("{q:?}")
}

impl Manifest {
    /// What is wrong with a manifest that was edited by hand (empty when it is as written).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.format > FORMAT {
            out.push(format!(
                "format {} is newer than this version of incentive reads (at most {FORMAT}); \
                 use the version that wrote it ({})",
                self.format,
                quoted(&self.version)
            ));
        }
        if crate::period::Period::parse(&self.period).is_none() {
            out.push(format!("period {} is not YYYY-MM", quoted(&self.period)));
        }
        let hash_ok = |h: &str| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit());
        let files = self
            .data
            .files
            .iter()
            .map(|f| ("data file", f))
            .chain(self.schemes.iter().map(|s| ("scheme file", &s.file)));
        for (what, f) in files {
            if !hash_ok(&f.sha256) {
                out.push(format!(
                    "{what} {}: sha256 {} is not 64 hex digits",
                    quoted(&f.path.path),
                    quoted(&f.sha256)
                ));
            }
        }
        let amount_ok = |a: &str| a.parse::<rust_decimal::Decimal>().is_ok();
        if !(amount_ok(&self.total) || self.total.is_empty() && self.totals.len() > 1) {
            out.push(format!("total {} is not an amount", quoted(&self.total)));
        }
        for (currency, t) in &self.totals {
            if !amount_ok(t) {
                out.push(format!(
                    "total in {} {} is not an amount",
                    quoted(currency),
                    quoted(t)
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for e in &self.employees {
            if !seen.insert(e.employee_id.as_str()) {
                out.push(format!(
                    "employee {} is listed twice",
                    quoted(&e.employee_id)
                ));
            }
            if !amount_ok(&e.total) {
                out.push(format!(
                    "employee {}: total {} is not an amount",
                    quoted(&e.employee_id),
                    quoted(&e.total)
                ));
            }
            for (what, a) in [("bonus", &e.bonus), ("adjustments", &e.adjustments)] {
                if !a.is_empty() && !amount_ok(a) {
                    out.push(format!(
                        "employee {}: {what} {} is not an amount",
                        quoted(&e.employee_id),
                        quoted(a)
                    ));
                }
            }
            if let Some(g) = &e.guarantee {
                for (what, a) in [
                    ("minimum", &g.minimum),
                    ("opening_balance", &g.opening_balance),
                    ("top_up", &g.top_up),
                    ("recovered", &g.recovered),
                    ("closing_balance", &g.closing_balance),
                ] {
                    if !amount_ok(a) {
                        out.push(format!(
                            "employee {}: guarantee {what} {} is not an amount",
                            quoted(&e.employee_id),
                            quoted(a)
                        ));
                    }
                }
            }
            for l in &e.lines {
                if l.to_line().is_none() {
                    out.push(format!(
                        "employee {}: line {} {} of origin {} cannot be read",
                        quoted(&e.employee_id),
                        quoted(&l.kind),
                        quoted(&l.amount),
                        quoted(&l.origin)
                    ));
                }
            }
            for k in &e.kpis {
                if !amount_ok(&k.amount) {
                    out.push(format!(
                        "employee {}, KPI {}: amount {} is not an amount",
                        quoted(&e.employee_id),
                        quoted(&k.id),
                        quoted(&k.amount)
                    ));
                }
            }
        }
        out
    }
}
