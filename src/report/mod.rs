//! Output files: payroll.csv for the payroll import, payouts.xlsx for finance (in `workbook`).
//!
//! Writers produce bytes; the run renames them into place. Text cells are always written as
//! text (a name such as `=HYPERLINK(...)` or `-Сергей` is never a formula), and the workbook's
//! document date is fixed from the period so the same inputs give byte-identical files.

pub mod cells;
pub mod compare;
pub mod labels;
pub mod manifest;
pub mod plan;
pub mod plan_xlsx;
pub mod statement;
pub mod team;
pub mod team_html;
pub mod team_xlsx;
pub mod units;
pub mod workbook;

pub use statement::statements;
pub use workbook::payouts_xlsx;

use crate::error::{Error, Result};
use crate::num::{Exact, round_exact};
use crate::run::RunResult;
use labels::Labels;
use rust_decimal::Decimal;

pub use crate::threads::{MAX_THREADS, threads, threads_setting};

/// What every report writer needs besides the run's results.
#[derive(Debug, Clone)]
pub struct Context {
    pub labels: Labels,
    /// The command that produced the run, as recorded in the audit (without the output folder,
    /// so that re-running into another folder gives byte-identical files).
    pub command: String,
    pub version: &'static str,
    /// Whether the run is the period's final payout (`--final`).
    pub final_run: bool,
    /// Whether statements/ is written (`--no-statements` turns it off for quick reruns; run.json
    /// then records `"no_statements": true` and no employee's statement path).
    pub statements: bool,
}

impl Context {
    pub fn new(labels: Labels, command: String) -> Self {
        Context {
            labels,
            command,
            version: env!("CARGO_PKG_VERSION"),
            final_run: false,
            statements: true,
        }
    }
}

/// `payroll.csv`: one row per employee in the roster, sorted by employee_id. `amount` is what
/// payroll pays; `bonus` and `adjustments` (added at the end, so imports reading the first six
/// columns are unchanged) are its two parts: amount = bonus + adjustments on every row.
pub fn payroll_csv(run: &RunResult) -> Result<Vec<u8>> {
    let rows: Vec<PayrollRow> = run
        .employees
        .iter()
        .map(|e| {
            let scheme = &run.schemes[e.employee.scheme];
            PayrollRow {
                employee_id: e.employee.id.clone(),
                name: e.employee.name.clone(),
                scheme: scheme.id.clone(),
                currency: scheme.currency.clone(),
                amount: money(e.payout.amount),
                bonus: money(e.payout.bonus),
                adjustments: money(e.payout.adjustments),
            }
        })
        .collect();
    payroll_csv_from(&run.period.to_string(), &rows, true)
}

/// One row of payroll.csv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayrollRow {
    pub employee_id: String,
    pub name: String,
    pub scheme: String,
    pub currency: String,
    pub amount: String,
    pub bonus: String,
    pub adjustments: String,
}

/// The columns of payroll.csv.
pub const PAYROLL_COLUMNS: [&str; 8] = [
    "employee_id",
    "name",
    "period",
    "scheme",
    "currency",
    "amount",
    "bonus",
    "adjustments",
];

/// payroll.csv from its rows: the one place its layout is written, also used by `verify` to
/// rebuild it from run.json.
/// `parts: false` writes the layout before the month-end close (no `bonus`, `adjustments`), to
/// verify a run that wrote it.
pub fn payroll_csv_from(period: &str, rows: &[PayrollRow], parts: bool) -> Result<Vec<u8>> {
    let err = |e: csv::Error| Error::other(format!("cannot write payroll.csv: {e}"));
    let n = if parts { 8 } else { 6 };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&PAYROLL_COLUMNS[..n]).map_err(err)?;
    for r in rows {
        let fields = [
            &r.employee_id,
            &r.name,
            period,
            &r.scheme,
            &r.currency,
            &r.amount,
            &r.bonus,
            &r.adjustments,
        ];
        w.write_record(&fields[..n]).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| Error::other(format!("cannot write payroll.csv: {e}")))
}

/// payroll.csv's amounts added up per currency, read back from its bytes, and why not, when a
/// row cannot be read.
pub fn payroll_sums(bytes: &[u8]) -> (std::collections::BTreeMap<String, Decimal>, Option<String>) {
    payroll_column_sums(bytes, "amount")
}

/// payroll.csv's column `column` (`amount`, `bonus`, `adjustments`, found by its header)
/// added up per currency, read back from its bytes, and why not, when it cannot be read.
pub fn payroll_column_sums(
    bytes: &[u8],
    column: &str,
) -> (std::collections::BTreeMap<String, Decimal>, Option<String>) {
    let mut sums = std::collections::BTreeMap::new();
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader.headers().ok().cloned();
    let find = |name: &str| headers.as_ref()?.iter().position(|c| c == name);
    let (Some(currency_col), Some(col)) = (find("currency"), find(column)) else {
        return (sums, Some(format!("payroll.csv has no column {column}")));
    };
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let parsed = record.ok().and_then(|r| {
            let amount = r.get(col)?.parse::<Decimal>().ok()?;
            Some((r.get(currency_col)?.to_string(), amount))
        });
        let Some((currency, amount)) = parsed else {
            return (sums, Some(format!("payroll.csv row {row} cannot be read")));
        };
        let sum: &mut Decimal = sums.entry(currency).or_default();
        match sum.checked_add(amount) {
            Some(t) => *sum = t,
            None => return (sums, Some(format!("payroll.csv row {row}: sum too large"))),
        }
    }
    (sums, None)
}

/// Shows the schemes' KPI names in the labels' language, where a scheme writes them.
pub fn localize(run: &mut RunResult, labels: &Labels) {
    let code = match labels.lang {
        labels::Lang::En => "en",
        labels::Lang::Ru => "ru",
    };
    for s in &mut run.schemes {
        s.localize(code);
    }
}

/// Every file a run writes, by its path under the output folder: payroll.csv, payouts.xlsx,
/// one statement per employee (unless `cx.statements` is off), and run.json.
pub fn run_files(run: &RunResult, cx: &Context) -> Result<Vec<(String, Vec<u8>)>> {
    run_files_to(run, cx, None).map(|f| f.kept)
}

/// Where statements go as they are rendered (their path under the output folder, their
/// bytes), when they are not kept in memory: the run folder's staging area.
pub type Put<'a> = &'a (dyn Fn(String, Vec<u8>) -> Result<()> + Sync);

/// A run's files: those kept in memory, by path and bytes, and the paths of those already
/// handed to a [`Put`].
#[derive(Debug, Default)]
pub struct RunFiles {
    pub kept: Vec<(String, Vec<u8>)>,
    pub staged: Vec<String>,
}

/// [`run_files`], with the statements handed to `put` as they are rendered, when there is one.
pub fn run_files_to(run: &RunResult, cx: &Context, put: Option<Put<'_>>) -> Result<RunFiles> {
    use crate::progress::stage;
    let all_statements = || -> Result<RunFiles> {
        Ok(match put {
            Some(put) => RunFiles {
                kept: Vec::new(),
                staged: statement::statements_to(run, cx, put)?,
            },
            None => RunFiles {
                kept: statements(run, cx)?,
                staged: Vec::new(),
            },
        })
    };
    // A run during the month (`--as-of`) shows progress and is never a payout: statements only.
    if run.progress.is_some() {
        return all_statements();
    }
    let payroll = {
        let _s = stage("payroll.csv");
        payroll_csv(run)?
    };
    let (workbook, statement_files) = if cx.statements && threads() > 1 {
        // The workbook is written beside the statements, on a thread of its own: the
        // statements' threads fill both cores, and it would otherwise keep one idle while its
        // single-threaded parts run. The bytes are the same as one after the other.
        let _s = stage("payouts.xlsx and statements");
        std::thread::scope(|scope| {
            let beside = scope.spawn(|| {
                let since = std::time::Instant::now();
                let workbook = payouts_xlsx(run, cx, &payroll);
                (workbook, since.elapsed())
            });
            let statement_files = all_statements();
            let (workbook, wall) = match beside.join() {
                Ok(done) => done,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            crate::progress::record("payouts.xlsx", wall);
            Ok::<_, Error>((workbook?, statement_files?))
        })?
    } else {
        let workbook = {
            let _s = stage("payouts.xlsx");
            payouts_xlsx(run, cx, &payroll)?
        };
        let statements = if cx.statements {
            all_statements()?
        } else {
            RunFiles::default()
        };
        (workbook, statements)
    };
    let mut files = vec![
        ("payroll.csv".to_string(), payroll),
        ("payouts.xlsx".to_string(), workbook),
    ];
    files.extend(statement_files.kept);
    let _s = stage("run.json");
    let mut m = manifest::manifest(run, cx);
    if !cx.statements {
        m.no_statements = true;
        for e in &mut m.employees {
            e.statement.clear();
        }
    }
    files.push(("run.json".to_string(), manifest::to_json(&m)?));
    // Each period trued up, as it is now paid: a run folder of its own for `incentive diff` and
    // for a later true-up of the same period to start from.
    for t in &run.close.true_ups {
        let mut m = manifest::manifest(&t.recomputed, cx);
        m.trued_up_in = Some(run.period.to_string());
        files.push((
            format!("{}/run.json", manifest::true_up_path(t.run.period)),
            manifest::to_json(&m)?,
        ));
    }
    Ok(RunFiles {
        kept: files,
        staged: statement_files.staged,
    })
}

/// What `incentive run` prints when it has written its files, in the labels' language: the
/// period, how many employees, the total per currency, and where each output is.
///
/// ```text
/// 2026-10: 30 employees, total 9410983.70 KZT
/// payroll:  out/payroll.csv
/// ```
pub fn run_summary(run: &RunResult, out: &std::path::Path, labels: &Labels) -> String {
    run_summary_of(run, out, labels, true)
}

/// [`run_summary`] of a run that wrote statements or, `statements: false` (`--no-statements`),
/// did not, which its statements line says.
pub fn run_summary_of(
    run: &RunResult,
    out: &std::path::Path,
    labels: &Labels,
    statements: bool,
) -> String {
    use units::plural_ru;
    let lang = labels.lang;
    let n = run.employees.len();
    let totals: Vec<String> = run
        .totals()
        .iter()
        .map(|(c, t)| format!("{} {c}", units::money_text(*t, lang)))
        .collect();
    let totals = totals.join(" + ");
    let path = |f: &str| out.join(f).display().to_string();
    let observed = run
        .employees
        .iter()
        .filter(|e| e.score.kpis.iter().any(|k| k.observed))
        .count();
    let candidates = run
        .employees
        .iter()
        .filter(|e| e.candidate.is_some())
        .count();
    let people = |k: usize| plural_ru(k as u64, "сотрудник", "сотрудника", "сотрудников");
    let per_currency = |m: std::collections::BTreeMap<String, Decimal>| {
        m.iter()
            .map(|(c, t)| format!("{} {c}", units::money_text(*t, lang)))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let lines = run.line_count();
    let (bonus, adjustments) = (
        per_currency(run.bonus_totals()),
        per_currency(run.adjustment_totals()),
    );
    // Per true-up: the period, where it was recorded, how many got a line and the sum per currency.
    let true_ups: Vec<(String, String, usize, String)> = run
        .close
        .true_ups
        .iter()
        .map(|t| {
            let (people, sums) = run.true_up_paid(t.run.period);
            (
                t.run.period.to_string(),
                t.run.given.clone(),
                people,
                per_currency(sums),
            )
        })
        .collect();
    let mut s = String::new();
    match lang {
        labels::Lang::En => {
            s += &format!("{}: {n} employees, total {totals}\n", run.period);
            if lines > 0 {
                s += &format!(
                    "close:    bonus {bonus}, adjustments {adjustments} ({lines} line{}, sheet Adjustments)\n",
                    if lines == 1 { "" } else { "s" }
                );
            }
            for (p, dir, k, sum) in &true_ups {
                s += &format!(
                    "true-up:  {p} recomputed from the final run {dir}: {k} employee{}, {sum}\n",
                    if *k == 1 { "" } else { "s" }
                );
            }
            if let Some(p) = &run.close.previous {
                s += &format!(
                    "balances: carried from the final run of {} ({})\n",
                    p.period, p.given
                );
            } else if run.close.from_zero {
                s += "balances: guarantee balances start at zero (--previous none)\n";
            }
            s += &format!("payroll:  {}\n", path("payroll.csv"));
            s += &format!("workbook: {}\n", path("payouts.xlsx"));
            if observed > 0 {
                s += &format!(
                    "observation: {observed} employees have KPIs in observation (shown, not paid)\n"
                );
            }
            if candidates > 0 {
                s += &format!(
                    "observation: {candidates} employees on a candidate scheme (sheet Observation, not paid)\n"
                );
            }
            if let Some((read, dropped)) = run.mapping.as_ref().map(|m| m.rows()) {
                s += &format!(
                    "mapping:  {}: {read} source rows read, {dropped} dropped by the mapping (every row accounted for in the Data sheet)\n",
                    run.mapping.as_ref().map_or("", |m| m.name.as_str())
                );
            }
            if statements {
                s += &format!("statements: {} ({n} files)\n", path("statements"));
            } else {
                s += "statements: not written (--no-statements)\n";
            }
            s += &format!("manifest: {}\n", path("run.json"));
        }
        labels::Lang::Ru => {
            s += &format!("{}: {n} {}, итого {totals}\n", run.period, people(n));
            if lines > 0 {
                s += &format!(
                    "закрытие:  бонус {bonus}, корректировки {adjustments} ({lines} {}, лист {})\n",
                    plural_ru(lines as u64, "строка", "строки", "строк"),
                    labels.get("Adjustments")
                );
            }
            for (p, dir, k, sum) in &true_ups {
                s += &format!(
                    "перерасчёт: {p} пересчитан по закрытому расчёту {dir}: {k} {}, {sum}\n",
                    people(*k)
                );
            }
            if let Some(p) = &run.close.previous {
                s += &format!(
                    "остатки:   перенесены из закрытого расчёта {} ({})\n",
                    p.period, p.given
                );
            } else if run.close.from_zero {
                s += "остатки:   остатки гарантий начинаются с нуля (--previous none)\n";
            }
            s += &format!("ведомость: {}\n", path("payroll.csv"));
            s += &format!("книга:     {}\n", path("payouts.xlsx"));
            if observed > 0 {
                s += &format!(
                    "наблюдение: у {observed} {} есть KPI в наблюдении (показаны, не выплачиваются)\n",
                    plural_ru(observed as u64, "сотрудника", "сотрудников", "сотрудников")
                );
            }
            if candidates > 0 {
                s += &format!(
                    "наблюдение: {candidates} {} на схеме-кандидате (лист {}, не выплачивается)\n",
                    people(candidates),
                    labels.get("Observation")
                );
            }
            if statements {
                s += &format!(
                    "расчёты:   {} ({n} {})\n",
                    path("statements"),
                    plural_ru(n as u64, "файл", "файла", "файлов")
                );
            } else {
                s += "расчёты:   не записаны (--no-statements)\n";
            }
            if let Some((read, dropped)) = run.mapping.as_ref().map(|m| m.rows()) {
                s += &format!(
                    "сопоставление: {}: прочитано строк источника {read}, отброшено сопоставлением {dropped} (учёт каждой строки на листе данных)\n",
                    run.mapping.as_ref().map_or("", |m| m.name.as_str())
                );
            }
            s += &format!("манифест:  {}\n", path("run.json"));
        }
    }
    s
}

/// An amount with exactly two decimals and `.` as the decimal point.
pub fn money(d: Decimal) -> String {
    let mut d = d.round_dp(2);
    d.rescale(2);
    d.to_string()
}

/// A decimal view of an exact value, rounded to `dp` places, for text outputs.
pub fn exact_text(q: &Option<Exact>, dp: u32) -> String {
    match q {
        None => String::new(),
        Some(q) => round_exact(q, dp)
            .map(|d| d.normalize().to_string())
            .unwrap_or_default(),
    }
}

/// A decimal as a spreadsheet number: the nearest binary float (through its text, which parses
/// correctly rounded). Output is the one place numbers leave exact arithmetic.
pub(crate) fn cell_number(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(0.0)
}

/// An exact fraction as the nearest binary float (num-rational rounds correctly).
pub(crate) fn cell_exact(q: &Exact) -> f64 {
    q.to_f64().unwrap_or(0.0)
}

pub use crate::scoring::{Band, Lines};

/// Band words live with the renderers (they need the labels); the band itself is decided once,
/// in scoring, and stored on each KPI result.
impl Band {
    /// The band in words, e.g. `80-100%`, `below 80%` (`ниже 80%`).
    pub fn words(self, lines: Lines, labels: &Labels) -> String {
        let pct =
            |d: Decimal| units::decimal_text((d * Decimal::ONE_HUNDRED).normalize(), labels.lang);
        match self {
            Band::Below => format!("{} {}%", labels.get("below"), pct(lines.review)),
            Band::Norm => format!("{}-100%", pct(lines.review)),
            Band::Good => format!(
                "{}-{}%",
                pct(lines.review.max(Decimal::ONE)),
                pct(lines.discuss)
            ),
            Band::Above => format!("{} {}%", labels.get("above"), pct(lines.discuss)),
        }
    }
}

/// The curve segment an attainment falls on, in words: `80-100%: pays 1:1`,
/// `100-120%: 1.5 per 1%`, `above 120%: capped at 130%`, `below 80%: pays nothing`.
pub fn segment_words(
    curve: &crate::scheme::Curve,
    part: crate::scoring::CurvePart,
    labels: &Labels,
) -> String {
    use crate::scoring::CurvePart;
    let l = |k: &'static str| labels.get(k);
    let pct = |d: Decimal| units::percent_text(d, labels.lang);
    match part {
        CurvePart::NoAttainment => {
            return format!("{}: {}", l("no attainment"), l("pays nothing"));
        }
        CurvePart::BelowThreshold => {
            return format!(
                "{} {}: {}",
                l("below"),
                pct(curve.threshold),
                l("pays nothing")
            );
        }
        CurvePart::Best => return l("the best possible result: the curve's maximum").to_string(),
        CurvePart::Segment(_) | CurvePart::Beyond => {}
    }
    if let CurvePart::Segment(i) = part
        && let Some(seg) = curve.segments.get(i)
    {
        {
            let range = match seg.to {
                Some(t) => format!("{}-{}", pct(seg.from).trim_end_matches('%'), pct(t)),
                None => format!("{} {}", l("from"), pct(seg.from)),
            };
            let rate = if seg.slope == Decimal::ONE {
                l("pays 1:1").to_string()
            } else if seg.slope.is_zero() {
                format!("{} {}", l("flat at"), pct(seg.start))
            } else {
                format!(
                    "{} {}",
                    units::decimal_text(seg.slope.normalize(), labels.lang),
                    l("per 1%")
                )
            };
            let capped = match curve.cap {
                Some(cap) if seg.to.is_none() => format!(", {} {}", l("capped at"), pct(cap)),
                _ => String::new(),
            };
            return format!("{range}: {rate}{capped}");
        }
    }
    let last = curve
        .segments
        .last()
        .and_then(|s| s.to)
        .unwrap_or(curve.threshold);
    match curve.cap {
        Some(cap) => format!(
            "{} {}: {} {}",
            l("above"),
            pct(last),
            l("capped at"),
            pct(cap)
        ),
        None => format!("{} {}: {}", l("above"), pct(last), l("flat")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::exact;
    use crate::scheme::Curve;
    use std::str::FromStr;

    #[test]
    fn curve_segments_in_words() {
        let c = Curve::standard();
        let en = Labels::default();
        let w = |s: &str| {
            segment_words(
                &c,
                crate::scoring::CurvePart::of(&c, Some(&exact(Decimal::from_str(s).unwrap()))),
                &en,
            )
        };
        assert_eq!(w("0.5"), "below 80%: pays nothing");
        assert_eq!(w("0.8"), "80-100%: pays 1:1");
        assert_eq!(w("1.1"), "100-120%: 1.5 per 1%");
        assert_eq!(w("1.5"), "above 120%: capped at 130%");
        assert_eq!(
            segment_words(&c, crate::scoring::CurvePart::of(&c, None), &en),
            "no attainment: pays nothing"
        );
        let ru = Labels::new(labels::Lang::Ru);
        let one = exact(Decimal::ONE);
        assert_eq!(
            segment_words(&c, crate::scoring::CurvePart::of(&c, Some(&one)), &ru),
            "80-100%: выплата 1:1"
        );
        assert_eq!(
            segment_words(
                &c,
                crate::scoring::CurvePart::of(&c, Some(&exact(Decimal::from(2)))),
                &ru
            ),
            "выше 120%: не более 130%"
        );
        assert_eq!(
            segment_words(
                &c,
                crate::scoring::CurvePart::of(&c, Some(&exact(Decimal::from_str("1.1").unwrap()))),
                &ru
            ),
            "100-120%: 1,5 за 1%"
        );
        let lines = Lines {
            review: Decimal::from_str("0.825").unwrap(),
            discuss: Decimal::from_str("1.2").unwrap(),
        };
        assert_eq!(Band::Below.words(lines, &ru), "ниже 82,5%");
        assert_eq!(Band::Norm.words(lines, &en), "82.5-100%");
    }

    #[test]
    fn money_has_two_decimals() {
        assert_eq!(money(Decimal::from(5)), "5.00");
        assert_eq!(money(Decimal::from_str("1234.5").unwrap()), "1234.50");
        assert_eq!(money(Decimal::from_str("-0.1").unwrap()), "-0.10");
    }
}
