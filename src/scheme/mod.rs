//! Compensation schemes: validated, ready-to-evaluate descriptions of KPIs, metrics, targets and
//! payout curves.
//!
//! A scheme is data, not code: HR writes it in YAML (see the README for the language) and
//! [`load_dir`] turns each file into a [`Scheme`]. After that point nothing downstream ever sees an
//! invalid scheme: every column named in a filter exists and has the right type, every metric a
//! KPI or formula names is defined, weights sum to 100%, curves are well formed.

pub mod catalogue;
mod expr;
pub mod json_schema;
mod parse;
pub mod row;
pub mod unit;

pub use expr::Expr;
pub use row::{Of, RowExpr, TimeUnit, Wait};

use crate::data::tables::Table;
use crate::data::value::Value;
use crate::error::Problem;
use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Scheme {
    /// The file stem: what the `employees.scheme` column names.
    pub id: String,
    pub file: PathBuf,
    pub name: String,
    pub currency: String,
    /// Named metrics; KPIs and formulas refer to them by index.
    pub metrics: Vec<Metric>,
    pub kpis: Vec<Kpi>,
    /// Attainment below which a KPI is flagged for review (default 80%).
    pub review_below: Decimal,
    /// Attainment above which a KPI is flagged for a talk: star or low plan (default 120%).
    pub discuss_above: Decimal,
    /// Statements show the names of the scheme's top 3 (`ranking: top3`); by default a person
    /// sees only their own place as a number. Never a ranking of the bottom.
    pub ranking_top3: bool,
    /// `max_total`: the most the bonus may be, as a share of target bonus (prorated like the
    /// bonus); the cut is its own `cap` line (docs/month-end.md).
    pub max_total: Option<Decimal>,
    /// `guarantee`: a minimum for new hires' first months.
    pub guarantee: Option<Guarantee>,
    /// Things worth saying that do not stop a run (e.g. more than 5 paid KPIs).
    pub warnings: Vec<Problem>,
}

/// A guaranteed minimum for the first `months` after `hired_on`, as a share of target bonus
/// (prorated like the bonus); with `recoverable`, the top-ups are recovered from later amounts
/// above the guaranteed level (docs/month-end.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guarantee {
    pub months: u32,
    pub share: Decimal,
    pub recoverable: bool,
}

#[derive(Debug, Clone)]
pub struct Metric {
    pub name: String,
    pub def: MetricDef,
    /// The definition in words, for the breakdown (English, or the only one written).
    pub description: String,
    /// The description by language code: written as `description: { en: …, ru: … }`, or
    /// generated from an aggregate's definition in each language.
    pub descriptions: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub enum MetricDef {
    Aggregate(Aggregate),
    /// Arithmetic over other metrics of the scheme; a zero divisor makes the value missing.
    Formula(Expr),
}

#[derive(Debug, Clone)]
pub struct Aggregate {
    pub table: Table,
    pub op: AggOp,
    /// What the aggregation reads of each kept row: a column, an expression over the row's
    /// columns, or the time to the next matching row. None for `count` and `share`.
    pub of: Option<Of>,
    pub filter: Filter,
    /// For [`AggOp::Share`]: the condition of the part (`share: { of: calls, where: … }`),
    /// tested on the rows `filter` keeps.
    pub part: Option<Filter>,
    /// Whose rows the metric adds up (`scope:`): the employee's own (the default), their team's,
    /// or theirs and their reports'.
    pub scope: Scope,
}

impl Aggregate {
    /// The column the aggregation reads, when it reads one column as it is.
    pub fn column(&self) -> Option<usize> {
        match self.of {
            Some(Of::Column(c)) => Some(c),
            _ => None,
        }
    }

    /// The filters of the aggregate: its `where:` and a share's part; every walk over the
    /// tables a metric reads goes through both.
    pub fn filters(&self) -> impl Iterator<Item = &Filter> {
        let next = match &self.of {
            Some(Of::Wait(w)) => Some(&w.next),
            _ => None,
        };
        std::iter::once(&self.filter)
            .chain(self.part.as_ref())
            .chain(next)
    }
}

/// Whose rows an aggregate metric of an employee reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Scope {
    /// The employee's own rows.
    #[default]
    Own,
    /// The rows of everyone on the roster with the employee's (non-empty) `team`.
    Team,
    /// The employee's own rows and those of everyone who reports to them, directly or through
    /// other managers (`manager_id`).
    Reports,
}

impl Scope {
    pub const WORDS: &[&str] = &["own", "team", "reports"];

    pub fn word(self) -> &'static str {
        match self {
            Scope::Own => "own",
            Scope::Team => "team",
            Scope::Reports => "reports",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggOp {
    Count,
    Sum,
    Average,
    Min,
    Max,
    CountDistinct,
    /// The p-th percentile (0 ≤ p ≤ 1), as Excel's PERCENTILE.INC: linear between the two
    /// nearest ranks. `median:` is the percentile at 50%.
    Percentile(Decimal),
    /// Rows kept by the aggregate's `part` ÷ rows kept by its `filter` (no rows: no data).
    Share,
}

/// Which rows of a table a metric keeps.
#[derive(Debug, Clone)]
pub enum Filter {
    All(Vec<Filter>),
    Any(Vec<Filter>),
    Not(Box<Filter>),
    Test {
        column: usize,
        test: Test,
    },
    /// Keeps rows whose `column` value appears in `column` of rows of another table kept by that
    /// lookup's filter (e.g. book clients contacted by a call in the period).
    FoundIn {
        column: usize,
        lookups: Vec<Lookup>,
    },
}

#[derive(Debug, Clone)]
pub struct Lookup {
    pub table: Table,
    pub column: usize,
    pub filter: Filter,
    /// Match the key among all employees' rows, not only the same employee's.
    pub any_employee: bool,
}

#[derive(Debug, Clone)]
pub enum Test {
    /// A comparison in the order of an ordered list of words (deals.stage in the funnel order
    /// [`crate::data::tables::DEAL_STAGES`]): the value's rank against `rank`. A value outside
    /// the order (an empty cell) is never kept.
    Ranked {
        cmp: Cmp,
        rank: usize,
        order: &'static [&'static str],
    },
    Empty,
    NotEmpty,
    /// Equal to one of the values (text compares case-insensitively).
    OneOf(Vec<Value>),
    NotOneOf(Vec<Value>),
    Compare(Cmp, Operand),
    /// The date falls between the first and last day of the period, inclusive.
    InPeriod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Number(Decimal),
    Date(DateRef),
}

/// The order of a column's values, for the columns whose values have one: deals.stage, in the
/// funnel order lead < qualified < negotiation < proposal. Other lists of words (a deal's
/// status, a call's direction) have none, and `at_least:` on them is refused.
pub fn value_order(table: Table, column: usize) -> Option<&'static [&'static str]> {
    (table == Table::Deals && table.columns()[column].name == "stage")
        .then_some(crate::data::tables::DEAL_STAGES)
}

/// A date relative to the run's period (or a fixed date), e.g. `period_end - 90 days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRef {
    pub base: DateBase,
    pub months: i32,
    pub days: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBase {
    PeriodStart,
    PeriodEnd,
    Fixed(NaiveDate),
    /// Another date column of the same row (`closed_on: { after: created_on + 60 days }`).
    Column(usize),
}

/// The largest offset a scheme may write: `± 36 525 days` or `± 1 200 months` (100 years).
///
/// No pay rule looks further than a working life back or ahead, so a larger offset is a typo;
/// and with periods limited to the years 1900-9999 ([`crate::period`]) every resolved date stays
/// far inside the calendar's range, so resolving never fails.
pub const MAX_OFFSET_DAYS: i64 = 36_525;
pub const MAX_OFFSET_MONTHS: i32 = 1_200;

impl DateRef {
    /// The date for a period. Checked arithmetic throughout: were a date ever to fall outside
    /// the calendar (impossible within [`MAX_OFFSET_DAYS`] and the period's year range), it
    /// saturates to the first or last representable day, so comparisons keep their meaning
    /// (`after` a date before all dates keeps every row) instead of panicking.
    ///
    /// None for a date relative to another column of the row: that one is [`DateRef::shift`]ed
    /// row by row.
    pub fn resolve(&self, period: crate::period::Period) -> Option<NaiveDate> {
        let base = match self.base {
            DateBase::PeriodStart => period.start(),
            DateBase::PeriodEnd => period.end(),
            DateBase::Fixed(d) => d,
            DateBase::Column(_) => return None,
        };
        Some(self.shift(base))
    }

    /// `base` moved by the offset (months first, then days), saturating as [`DateRef::resolve`].
    pub fn shift(&self, base: NaiveDate) -> NaiveDate {
        let backwards = self.months < 0 || (self.months == 0 && self.days < 0);
        let saturated = if backwards {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        };
        let shifted = if self.months >= 0 {
            base.checked_add_months(Months::new(self.months.unsigned_abs()))
        } else {
            base.checked_sub_months(Months::new(self.months.unsigned_abs()))
        };
        shifted
            .and_then(|d| {
                chrono::TimeDelta::try_days(self.days).and_then(|t| d.checked_add_signed(t))
            })
            .unwrap_or(saturated)
    }
}

#[derive(Debug, Clone)]
pub struct Kpi {
    pub id: String,
    /// The display name (English, or the only one written).
    pub name: String,
    /// Display names by language code, when the scheme writes `name: { en: …, ru: … }`.
    pub names: Vec<(String, String)>,
    pub weight: Decimal,
    pub metric: usize,
    pub target: Target,
    /// Where the target is written (`file:line:column`), for problems found against the data
    /// (a plan metric that no plans row has).
    pub target_place: String,
    /// Fixed targets are multiplied by the employee's share of the period when true.
    pub prorate: bool,
    pub better: Better,
    pub curve: Curve,
    /// Set when the KPI is in observation: computed, scored and shown with the amount it would
    /// pay at its weight, but never paid (`observe: yes`, or `observe_until: 2027-01`).
    pub observe: Option<Observation>,
    /// Where `observe`/`observe_until` is written (`file:line:column`), for the warning when an
    /// observation has ended.
    pub observe_place: String,
}

impl Kpi {
    /// Whether the KPI's amount is paid (it is not in observation).
    pub fn is_paid(&self) -> bool {
        self.observe.is_none()
    }
}

/// A KPI in observation mode: shown, never paid, so people get used to the number before it
/// counts (the practice: two or three months of observation before a metric touches money).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    /// The last period of the planned observation (`observe_until`); after it, runs say that
    /// the observation is over and the KPI is still unpaid. Switching it on stays an edit of
    /// the YAML.
    pub until: Option<crate::period::Period>,
}

impl Observation {
    /// The warning for a period after the planned observation, if it is.
    pub fn ended(
        &self,
        kpi: &Kpi,
        scheme: &Scheme,
        period: crate::period::Period,
    ) -> Option<Problem> {
        let until = self.until?;
        (period > until).then(|| {
            Problem::new(
                &kpi.observe_place,
                format!(
                    "KPI {:?} of scheme {}: its observation ended with {until}, and it is still not paid in {period}; to pay it, delete `observe_until: {until}` (its weight then counts in the paid 100%), or observe it longer with a later observe_until",
                    kpi.id, scheme.id
                ),
            )
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    /// attainment = target ÷ actual (cycle length, refunds …).
    Lower,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Fixed(Decimal),
    /// The employee's `plans` row for this metric name and the run's period.
    Plan(String),
    /// A multiple of another KPI's target (by KPI index).
    OfKpi {
        kpi: usize,
        times: Decimal,
    },
}

/// A payout curve: attainment → factor.
///
/// Below `threshold` the factor is 0. From the threshold the factor follows linear segments, each
/// starting where the previous ended (or at its own `start` value) with its own slope; past the
/// last closed segment it stays flat, and it never exceeds `cap`.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub threshold: Decimal,
    pub segments: Vec<Segment>,
    pub cap: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub from: Decimal,
    /// `None`: the segment runs on without end.
    pub to: Option<Decimal>,
    /// The factor at `from`.
    pub start: Decimal,
    pub slope: Decimal,
}

impl Scheme {
    /// Uses the KPI names and metric descriptions written (or generated) for `lang` (a
    /// language code such as `ru`), where there are.
    pub fn localize(&mut self, lang: &str) {
        for kpi in &mut self.kpis {
            if let Some((_, n)) = kpi.names.iter().find(|(l, _)| l == lang) {
                kpi.name = n.clone();
            }
        }
        for metric in &mut self.metrics {
            if let Some((_, d)) = metric.descriptions.iter().find(|(l, _)| l == lang) {
                metric.description = d.clone();
            }
        }
    }
}

impl Curve {
    /// The standard curve of the presets: 0 below 80%, 1:1 to 100%, 1.5× to 120%, capped at 130%.
    pub fn standard() -> Curve {
        let d = |s: &str| s.parse::<Decimal>().expect("constant");
        Curve {
            threshold: d("0.8"),
            segments: vec![
                Segment {
                    from: d("0.8"),
                    to: Some(d("1")),
                    start: d("0.8"),
                    slope: d("1"),
                },
                Segment {
                    from: d("1"),
                    to: Some(d("1.2")),
                    start: d("1"),
                    slope: d("1.5"),
                },
            ],
            cap: Some(d("1.3")),
        }
    }

    /// Whether the factor has an upper bound (needed when `better: lower` meets a zero actual).
    pub fn is_bounded(&self) -> bool {
        self.cap.is_some()
            || self
                .segments
                .last()
                .is_none_or(|s| s.to.is_some() || s.slope <= Decimal::ZERO)
    }
}

/// Formulas build on formulas at most this many levels deep (`a: b + 1`, `b: c + 1`, …).
pub const MAX_FORMULA_DEPTH: usize = 100;
/// A metric's formula, with every formula it reads written out in place, has at most this many
/// parts. Every walk over a metric's definition (units, descriptions, source rows) is then
/// bounded, also for a "diamond" (`m2: m1 + m1`, `m3: m2 + m2`, …) that doubles at each level.
pub const MAX_EXPANDED_FORMULA: u64 = 10_000;

/// The distinct metrics each metric's formula reads (none for an aggregate).
pub fn formula_deps(metrics: &[Metric]) -> Vec<Vec<usize>> {
    metrics
        .iter()
        .map(|m| match &m.def {
            MetricDef::Formula(e) => {
                let mut d = Vec::new();
                e.metrics(&mut d);
                d.sort_unstable();
                d.dedup();
                d
            }
            MetricDef::Aggregate(_) => Vec::new(),
        })
        .collect()
}

/// The metrics in an order where every formula comes after the metrics it reads, computed
/// without recursion (a scheme may chain thousands). On a cycle (refused when a scheme loads)
/// the order is still complete; the cycle is merely cut somewhere.
pub fn dependency_order(deps: &[Vec<usize>]) -> Vec<usize> {
    let n = deps.len();
    let mut state = vec![0u8; n]; // 0 unseen, 1 in progress, 2 placed
    let mut order = Vec::with_capacity(n);
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        state[root] = 1;
        while let Some((v, i)) = work.last_mut() {
            let v = *v;
            if let Some(&w) = deps[v].get(*i) {
                *i += 1;
                if state[w] == 0 {
                    state[w] = 1;
                    work.push((w, 0));
                }
            } else {
                work.pop();
                state[v] = 2;
                order.push(v);
            }
        }
    }
    order
}

/// At most this many KPIs in a scheme: past 3-5 focus suffers (a warning), and past 100 the
/// workbook's Summary sheet (two columns per KPI) stops being readable; it is surely a mistake.
pub const MAX_KPIS: usize = 100;

/// Loads every `*.yaml` / `*.yml` scheme in a folder, reporting every problem of every file.
pub fn load_dir(dir: &Path) -> Result<Vec<Scheme>, Vec<Problem>> {
    let loaded = load_dir_partial(dir);
    if loaded.problems.is_empty() {
        Ok(loaded.schemes)
    } else {
        Err(loaded.problems)
    }
}

/// The schemes of a folder that loaded, the ids of those that did not, and every problem.
pub struct Loaded {
    pub schemes: Vec<Scheme>,
    pub failed: Vec<String>,
    pub problems: Vec<Problem>,
}

/// Loads what can be loaded, so the data can still be checked against the good schemes.
pub fn load_dir_partial(dir: &Path) -> Loaded {
    let mut out = Loaded {
        schemes: Vec::new(),
        failed: Vec::new(),
        problems: Vec::new(),
    };
    let is_yaml = |p: &Path| {
        p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
    };
    if dir.is_file() && !is_yaml(dir) {
        out.problems.push(Problem::new(
            dir.display().to_string(),
            "not a scheme file; expected a .yaml file or a folder of them",
        ));
        return out;
    }
    if dir.is_file() {
        // A single scheme file given as --schemes.
        match load_file(dir) {
            Ok(s) => out.schemes.push(s),
            Err(p) => {
                out.failed.push(
                    dir.file_stem()
                        .map(|s| s.to_string_lossy().to_string())
                        .unwrap_or_default(),
                );
                out.problems.extend(p);
            }
        }
        return out;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.problems.push(Problem::new(
                dir.display().to_string(),
                format!("cannot read the schemes folder: {e}"),
            ));
            return out;
        }
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_yaml(p))
        .collect();
    files.sort();
    // Scheme ids are matched ignoring case and surrounding spaces: two files whose ids differ
    // only so (Transactional.yaml, transactional.yaml) would make the roster ambiguous.
    let stem = |p: &Path| {
        p.file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default()
    };
    let mut by_id: std::collections::BTreeMap<String, Vec<PathBuf>> = Default::default();
    for f in &files {
        by_id
            .entry(stem(f).trim().to_lowercase())
            .or_default()
            .push(f.clone());
    }
    for same in by_id.values().filter(|v| v.len() > 1) {
        let names: Vec<String> = same
            .iter()
            .map(|f| format!("{:?}", f.file_name().unwrap_or_default().to_string_lossy()))
            .collect();
        out.problems.push(Problem::new(
            dir.display().to_string(),
            format!(
                "the scheme files {} differ only in letter case or spaces, so a roster's scheme \
                 column could mean either; keep one",
                names.join(" and ")
            ),
        ));
        for f in same {
            out.failed.push(stem(f));
        }
    }
    files.retain(|f| by_id[&stem(f).trim().to_lowercase()].len() == 1);
    if files.is_empty() {
        out.problems.push(Problem::new(
            dir.display().to_string(),
            "no scheme files (*.yaml) in this folder",
        ));
    }
    for file in files {
        match load_file(&file) {
            Ok(s) => out.schemes.push(s),
            Err(mut p) => {
                out.failed.push(
                    file.file_stem()
                        .map(|s| s.to_string_lossy().to_string())
                        .unwrap_or_default(),
                );
                out.problems.append(&mut p);
            }
        }
    }
    out
}

pub fn load_file(file: &Path) -> Result<Scheme, Vec<Problem>> {
    let text = crate::yaml::read_file(file)
        .map_err(|message| vec![Problem::new(file.display().to_string(), message)])?;
    parse::parse_scheme(file, &text)
}

/// Parses a scheme from text (the file name gives its id and is used in messages).
pub fn parse_str(file: &Path, text: &str) -> Result<Scheme, Vec<Problem>> {
    parse::parse_scheme(file, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::Period;

    #[test]
    fn dates_out_of_the_calendar_saturate_instead_of_panicking() {
        // The parser bounds offsets to ±100 years; resolve stays total for any value.
        let p = Period::parse("9999-12").unwrap();
        let at = |months, days| {
            DateRef {
                base: DateBase::PeriodEnd,
                months,
                days,
            }
            .resolve(p)
            .unwrap()
        };
        assert_eq!(at(0, i64::MAX), NaiveDate::MAX);
        assert_eq!(at(i32::MAX, 0), NaiveDate::MAX);
        assert_eq!(at(i32::MIN, 0), NaiveDate::MIN);
        assert_eq!(at(0, i64::MIN), NaiveDate::MIN);
        assert_eq!(at(1200, 0).to_string(), "+10099-12-31");
        let first = Period::parse("1900-01").unwrap();
        let back = DateRef {
            base: DateBase::PeriodStart,
            months: 0,
            days: -MAX_OFFSET_DAYS,
        };
        // 1800 and 1900 are not leap years: 100 years back is 36 524 days.
        assert_eq!(back.resolve(first).unwrap().to_string(), "1799-12-31");
    }
}
