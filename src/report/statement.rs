//! `statements/<employee_id>.xlsx`: each employee's own bonus statement, and nothing about anyone
//! else.
//!
//! A statement is built once per employee as a [`Statement`] (header, KPI table, the payout's
//! lines besides the bonus and the guarantee's balance, one plain-language line per KPI, the
//! source rows behind every metric) and then rendered either as a
//! workbook ([`statements`]) or as text for a terminal ([`statement_text`]); the two never compute
//! anything on their own. The only thing a statement says about other people is the employee's
//! place among those employed on the same scheme, as a number. A payout line shows its kind,
//! reason, reference and amount, never who approved it or finance's note.
//!
//! Values are shown in their metric's unit ([`units::unit()`]) and amounts with the currency's
//! code (`1 250 000 KZT`), with a decimal comma in Russian. Printed, the statement sheet fills
//! one A4 landscape page (summary, KPI table, lines, chart); the source rows follow, portrait.

use super::Context;
use super::labels::{Labels, Lang};
use super::units::{self, Fmt, Unit};
use crate::error::{Error, Result};
use crate::metrics::Evidence;
use crate::num::{Exact, exact, exact_int, round_exact};
use crate::run::{EmployeeResult, RunResult};
use crate::scheme::{AggOp, Better, Expr, MetricDef, Of, Scheme, Target};
use crate::scoring::Flag;
use chrono::{Datelike, NaiveDate};
use num_traits::{One, Zero};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{
    Chart, ChartLegendPosition, ChartLine, ChartLineDashType, DocProperties, ExcelDateTime, Format,
    Worksheet, XlsxError,
};
use std::collections::{BTreeMap, HashSet};

/// One value of a statement, typed so that each renderer formats it its own way.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Empty,
    Text(String),
    /// An amount of the scheme's currency, exact to the cent (a KPI amount, the total).
    Money(Decimal),
    /// A metric's actual or target (or a source row's value) in the metric's unit.
    Measure(Exact, Unit),
    /// A fraction shown as a percentage with one decimal (attainment, factor).
    Percent(Exact),
    /// A KPI weight.
    Weight(Decimal),
    /// A count or a source row number.
    Int(u64),
    Date(NaiveDate),
}

/// Everything one employee's statement shows, built once and rendered as xlsx or text.
#[derive(Debug, Clone)]
pub struct Statement {
    pub lang: Lang,
    pub employed: bool,
    pub currency: String,
    pub period: String,
    pub title: String,
    /// (label, value) pairs: name, id, period, scheme, currency, target bonus, proration, total,
    /// place.
    pub header: Vec<(String, Val)>,
    pub kpi_columns: Vec<String>,
    pub kpis: Vec<KpiRow>,
    pub total: Decimal,
    /// One plain-language line per KPI (a single line when not employed in the period).
    pub lines: Vec<String>,
    /// The payout's lines besides the bonus (kind in words, reason, reference, amount; never
    /// who approved them or finance's note), and then bonus, adjustments, to be paid. Both
    /// empty when the payout is the bonus alone.
    pub payout_columns: Vec<String>,
    pub payout_lines: Vec<Vec<Val>>,
    pub payout_parts: Vec<(String, Val)>,
    /// The employee's guarantee in plain words, and for a recoverable one its balance.
    pub guarantee: Vec<String>,
    pub balance: Vec<(String, Val)>,
    /// The source rows behind each aggregate metric the KPIs read.
    pub sections: Vec<Section>,
    /// A statement during the month (`--as-of`): what the day is, then per paid KPI what is done,
    /// where the month is heading and what is still needed to each mark. Empty at the period end.
    pub progress_note: String,
    pub progress_columns: Vec<String>,
    pub progress_rows: Vec<Vec<Val>>,
}

#[derive(Debug, Clone)]
pub struct KpiRow {
    pub name: String,
    pub attainment: Option<Exact>,
    /// In the order of [`Statement::kpi_columns`].
    pub cells: Vec<Val>,
}

/// The evidence of one aggregate metric: a title, notes and (unless empty) a table.
#[derive(Debug, Clone)]
pub struct Section {
    pub title: String,
    pub notes: Vec<String>,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Val>>,
    pub total: Option<Vec<Val>>,
}

/// Fills `{name}` placeholders of a label template.
fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut s = template.to_string();
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// A statement value as text.
fn val_text(f: &Fmt, v: &Val) -> String {
    match v {
        Val::Empty => String::new(),
        Val::Text(t) => t.clone(),
        Val::Money(d) => f.money(*d),
        Val::Measure(q, Unit::Money) => f.money(round_exact(q, 2).unwrap_or(Decimal::MAX)),
        Val::Measure(q, u) => f.measure(q, *u),
        Val::Percent(q) => f.pct(q),
        Val::Weight(d) => f.pct_plain(*d),
        Val::Int(n) => n.to_string(),
        Val::Date(d) => d.format("%Y-%m-%d").to_string(),
    }
}

/// The aggregate metrics a metric is or reads, following formulas, in order of first use.
fn aggregates_of(scheme: &Scheme, metric: usize, out: &mut Vec<usize>, depth: usize) {
    if depth > scheme.metrics.len() {
        return;
    }
    match &scheme.metrics[metric].def {
        MetricDef::Aggregate(_) => {
            if !out.contains(&metric) {
                out.push(metric);
            }
        }
        MetricDef::Formula(e) => {
            let mut deps = Vec::new();
            e.metrics(&mut deps);
            for d in deps {
                aggregates_of(scheme, d, out, depth + 1);
            }
        }
    }
}

/// The formulas a metric is or reads.
fn formulas_of<'a>(scheme: &'a Scheme, metric: usize, out: &mut Vec<&'a Expr>, depth: usize) {
    if depth > scheme.metrics.len() {
        return;
    }
    if let MetricDef::Formula(e) = &scheme.metrics[metric].def {
        out.push(e);
        let mut deps = Vec::new();
        e.metrics(&mut deps);
        for d in deps {
            formulas_of(scheme, d, out, depth + 1);
        }
    }
}

/// Every `numerator / metric` of a formula: (the metrics the numerator reads, the divisor).
fn divisions(e: &Expr, out: &mut Vec<(Vec<usize>, usize)>) {
    match e {
        Expr::Number(_) | Expr::Metric(_) => {}
        Expr::Neg(a) => divisions(a, out),
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) => {
            divisions(a, out);
            divisions(b, out);
        }
        Expr::Div(a, b) => {
            if let Expr::Metric(d) = **b {
                let mut ns = Vec::new();
                a.metrics(&mut ns);
                out.push((ns, d));
            }
            divisions(a, out);
            divisions(b, out);
        }
    }
}

fn band_words(s: &crate::scoring::KpiScore, labels: &Labels) -> Option<String> {
    s.band.map(|b| b.words(s.lines, labels))
}

/// Builds the statement of the employee at `index` of the run.
pub fn build(run: &RunResult, index: usize, cx: &Context) -> Statement {
    let l = &cx.labels;
    let e = &run.employees[index];
    let scheme = &run.schemes[e.employee.scheme];
    let f = Fmt::new(l.lang, &scheme.currency);
    let employed = e.employment.is_employed();
    let (worked, period_days) = (e.employment.days_employed, e.employment.days_in_period);
    let days = units::employed_days(worked, period_days, l.lang);

    let (progress_note, progress_columns, progress_rows) = progress_table(run, index, scheme, l);
    let place_text = match run.place(index) {
        Some((p, n)) => fill(
            l.get("place {place} of {n}"),
            &[("place", &p.to_string()), ("n", &n.to_string())],
        ),
        None => l.get("not employed in the period").to_string(),
    };
    let mut header = vec![
        (
            l.get("name").to_string(),
            Val::Text(e.employee.name.clone()),
        ),
        (
            l.get("employee_id").to_string(),
            Val::Text(e.employee.id.clone()),
        ),
        (
            l.get("period").to_string(),
            Val::Text(run.period.to_string()),
        ),
        (
            l.get("scheme").to_string(),
            Val::Text(format!("{} ({})", scheme.name, scheme.id)),
        ),
        (
            l.get("currency").to_string(),
            Val::Text(scheme.currency.clone()),
        ),
        (
            l.get("target bonus").to_string(),
            Val::Money(e.employee.target_bonus),
        ),
        (
            l.get("proration").to_string(),
            Val::Text(format!("{days} = {}", f.pct(&e.score.share))),
        ),
        (l.get("total").to_string(), Val::Money(e.score.total)),
    ];
    // With lines besides the bonus, what is paid is not the KPI total: say both.
    if !e.payout.lines.is_empty() {
        header.pop();
        header.push((l.get("bonus").to_string(), Val::Money(e.payout.bonus)));
        header.push((l.get("to be paid").to_string(), Val::Money(e.payout.amount)));
    }
    // KPIs in observation: shown so people get used to the number before it counts.
    if e.score.kpis.iter().any(|k| k.observed) {
        header.push((
            l.get("in observation, would pay").to_string(),
            Val::Money(e.score.observed_total),
        ));
    }
    header.push((l.get("place").to_string(), Val::Text(place_text)));
    if scheme.ranking_top3 {
        header.push((
            l.get("top 3").to_string(),
            Val::Text(run.top3(e.employee.scheme).join(", ")),
        ));
    }

    let kpi_columns: Vec<String> = l.all(&[
        "KPI",
        "metric",
        "actual",
        "target",
        "attainment",
        "band",
        "factor",
        "weight",
        "amount",
        "flags",
    ]);
    let mut kpis = Vec::new();
    let mut lines = Vec::new();
    for (kpi, s) in scheme.kpis.iter().zip(&e.score.kpis) {
        let unit = units::unit(scheme, kpi.metric);
        let measure = |q: &Option<Exact>| match q {
            Some(q) => Val::Measure(q.clone(), unit),
            None => Val::Empty,
        };
        let mut flags: Vec<&str> = s.flags.iter().map(|fl| l.get(fl.text())).collect();
        if !employed {
            flags.push(l.get(Flag::NotEmployed.text()));
        }
        let name = if s.observed {
            flags.insert(0, l.get("observation: not paid"));
            format!("{} ({})", kpi.name, l.get("observation: not paid"))
        } else {
            kpi.name.clone()
        };
        kpis.push(KpiRow {
            name: name.clone(),
            attainment: s.attainment.clone(),
            cells: vec![
                Val::Text(name),
                Val::Text(scheme.metrics[kpi.metric].name.clone()),
                measure(&s.actual),
                measure(&s.target),
                s.attainment.clone().map_or(Val::Empty, Val::Percent),
                band_words(s, l).map_or(Val::Empty, Val::Text),
                Val::Percent(s.factor.clone()),
                Val::Weight(kpi.weight),
                Val::Money(s.amount),
                Val::Text(flags.join("; ")),
            ],
        });
        if employed {
            let line = kpi_line(kpi, s, unit, &e.score.share, &days, &f, l);
            lines.push(if s.observed {
                format!("{} — {}", line, l.get("observation: not paid"))
            } else {
                line
            });
        }
    }
    if !employed {
        lines.push(fill(
            l.get("not employed in the period ({days}): pays nothing"),
            &[("days", &units::days_of(worked, period_days, l.lang))],
        ));
    }

    let (payout_columns, payout_lines, payout_parts) = payout_lines(e, scheme, l);
    let (guarantee, balance) = guarantee_words(e, scheme, &f, l);
    Statement {
        lang: l.lang,
        employed,
        currency: scheme.currency.clone(),
        period: run.period.to_string(),
        title: l.get("Bonus statement").to_string(),
        header,
        kpi_columns,
        kpis,
        total: e.score.total,
        lines,
        payout_columns,
        payout_lines,
        payout_parts,
        guarantee,
        balance,
        sections: sections(scheme, e, l),
        progress_note,
        progress_columns,
        progress_rows,
    }
}

/// The progress table of a statement during the month (see [`Statement::progress_rows`]).
fn progress_table(
    run: &RunResult,
    index: usize,
    scheme: &Scheme,
    l: &Labels,
) -> (String, Vec<String>, Vec<Vec<Val>>) {
    let Some(p) = &run.progress else {
        return (String::new(), Vec::new(), Vec::new());
    };
    let note = fill(
        l.get("as of {date}: {elapsed} of {days} working days, {remaining} remain; the figures are so far, and this statement is not a payout"),
        &[
            ("date", &p.as_of.to_string()),
            ("elapsed", &p.days.elapsed.to_string()),
            ("days", &p.days.period.to_string()),
            ("remaining", &p.days.remaining.to_string()),
        ],
    );
    let columns = [
        "KPI",
        "done",
        "target",
        "at this pace",
        "to the threshold",
        "a day",
        "to the target",
        "a day",
        "to the discuss line",
        "a day",
    ]
    .iter()
    .map(|c| l.get(c).to_string())
    .collect();
    let rows = p.employees[index]
        .iter()
        .map(|k| {
            let unit = k.unit;
            let m = |q: &Option<Exact>| q.clone().map_or(Val::Empty, |q| Val::Measure(q, unit));
            let mut row = vec![
                Val::Text(scheme.kpis[k.kpi].name.clone()),
                m(&k.actual),
                m(&k.target),
                m(&k.projected),
            ];
            for mark in [
                crate::analysis::progress::Mark::Threshold,
                crate::analysis::progress::Mark::Target,
                crate::analysis::progress::Mark::Discuss,
            ] {
                match k.to_marks.iter().find(|t| t.mark == mark) {
                    Some(t) => {
                        row.push(Val::Measure(t.needed.clone(), unit));
                        row.push(m(&t.per_day));
                    }
                    None => row.extend([Val::Empty, Val::Empty]),
                }
            }
            row
        })
        .collect();
    (note, columns, rows)
}

/// A statement's payout table: its columns, its rows, and the (label, amount) pairs below it.
type PayoutRows = (Vec<String>, Vec<Vec<Val>>, Vec<(String, Val)>);

/// The employee's own payout lines: kind in words, reason (a scheme line in words), reference,
/// amount; then bonus, adjustments and what is paid. Never `approved_by` or `note`: those are
/// finance's.
fn payout_lines(e: &EmployeeResult, scheme: &Scheme, l: &Labels) -> PayoutRows {
    let p = &e.payout;
    if p.lines.is_empty() {
        return (Vec::new(), Vec::new(), Vec::new());
    }
    let columns = l.all(&["kind", "reason", "reference", "amount"]);
    let rows = p
        .lines
        .iter()
        .map(|line| {
            vec![
                Val::Text(units::kind_words(line.kind, l).to_string()),
                Val::Text(units::line_reason(line, p, scheme, l.lang)),
                if line.reference.is_empty() {
                    Val::Empty
                } else {
                    Val::Text(line.reference.clone())
                },
                Val::Money(line.amount),
            ]
        })
        .collect();
    let parts = vec![
        (l.get("bonus").to_string(), Val::Money(p.bonus)),
        (l.get("adjustments").to_string(), Val::Money(p.adjustments)),
        (l.get("to be paid").to_string(), Val::Money(p.amount)),
    ];
    (columns, rows, parts)
}

/// The employee's guarantee in plain words (its window, this period's minimum and top-up), and
/// for a recoverable one the balance: before the period, topped up, recovered, still to recover.
fn guarantee_words(
    e: &EmployeeResult,
    scheme: &Scheme,
    f: &Fmt,
    l: &Labels,
) -> (Vec<String>, Vec<(String, Val)>) {
    let (Some(g), Some(rule)) = (&e.payout.guarantee, &scheme.guarantee) else {
        return (Vec::new(), Vec::new());
    };
    let mut words = vec![fill(
        l.get("Guaranteed minimum for your first {months}: {share} of your target bonus, from {from} to {until}."),
        &[
            ("months", &units::months(rule.months, l.lang)),
            ("share", &f.pct_plain(rule.share)),
            ("from", &g.from.to_string()),
            ("until", &g.until.to_string()),
        ],
    )];
    if g.days > 0 {
        let template = if g.top_up.is_zero() {
            "This period the minimum is {minimum} for {days}; your bonus reached it, no top-up was needed."
        } else {
            "This period the minimum is {minimum} for {days}; your bonus was topped up by {top_up}."
        };
        words.push(fill(
            l.get(template),
            &[
                ("minimum", &f.money(g.minimum)),
                ("days", &units::days(g.days, l.lang)),
                ("top_up", &f.money(g.top_up)),
            ],
        ));
    }
    if !g.recoverable {
        return (words, Vec::new());
    }
    words.push(
        l.get("The top-ups are recovered from later pay above the guaranteed level; you always keep that level.")
            .to_string(),
    );
    let balance = vec![
        (
            l.get("balance to recover before this period").to_string(),
            Val::Money(g.opening),
        ),
        (
            l.get("top-up this period").to_string(),
            Val::Money(g.top_up),
        ),
        (
            l.get("recovered this period").to_string(),
            Val::Money(g.recovered),
        ),
        (
            l.get("balance still to recover").to_string(),
            Val::Money(g.closing),
        ),
    ];
    (words, balance)
}

/// The plain-language line of one KPI: how the actual compares with the target and what it pays.
fn kpi_line(
    kpi: &crate::scheme::Kpi,
    s: &crate::scoring::KpiScore,
    unit: Unit,
    proration: &Exact,
    days: &str,
    f: &Fmt,
    l: &Labels,
) -> String {
    let name = &kpi.name;
    let Some(actual) = &s.actual else {
        return format!("{name}: {}", l.get("no data: pays nothing"));
    };
    let a = f.measure(actual, unit);
    let Some(target) = &s.target else {
        return format!("{name}: {a} → {}", l.get("no target: pays nothing"));
    };
    let t = f.measure(target, unit);
    let head = match &s.attainment {
        Some(att) => {
            let template = match (kpi.better, &kpi.target) {
                (Better::Lower, _) => {
                    l.get("{actual} against target {target}, lower is better = {att}")
                }
                (Better::Higher, Target::Plan(_)) => l.get("{actual} of plan {target} = {att}"),
                (Better::Higher, _) => l.get("{actual} of target {target} = {att}"),
            };
            let head = fill(
                template,
                &[("actual", &a), ("target", &t), ("att", &f.pct(att))],
            );
            if *att < exact(kpi.curve.threshold) {
                let below = fill(
                    l.get("below {pct}: pays nothing"),
                    &[("pct", &f.pct_plain(kpi.curve.threshold))],
                );
                return format!("{name}: {head} → {below}");
            }
            head
        }
        None if s.factor.is_zero() => {
            return format!(
                "{name}: {} → {}",
                fill(
                    l.get("{actual} of target {target}"),
                    &[("actual", &a), ("target", &t)]
                ),
                l.get("target is 0: pays nothing")
            );
        }
        None => fill(
            l.get("{actual} against target {target}: the best possible result"),
            &[("actual", &a), ("target", &t)],
        ),
    };
    let mut factor = f.pct(&s.factor);
    if kpi.curve.cap.is_some_and(|c| s.factor == exact(c)) {
        factor = format!("{factor} ({})", l.get("the cap"));
    }
    let mut pays = fill(
        l.get("pays {factor} of the {weight} weight"),
        &[("factor", &factor), ("weight", &f.pct_plain(kpi.weight))],
    );
    if !proration.is_one() {
        pays = format!("{pays}, {days}");
    }
    format!(
        "{name}: {head} → {pays} → {}",
        f.money_short(&exact(s.amount))
    )
}

/// The source rows behind the KPIs: one section per aggregate metric, supersets before the
/// subsets marked in them (book clients with the contacted ones marked).
fn sections(scheme: &Scheme, e: &EmployeeResult, l: &Labels) -> Vec<Section> {
    let mut metrics = Vec::new();
    let mut formulas = Vec::new();
    for kpi in &scheme.kpis {
        aggregates_of(scheme, kpi.metric, &mut metrics, 0);
        formulas_of(scheme, kpi.metric, &mut formulas, 0);
    }
    let evidence = |m: usize| e.evidence.iter().find(|x| x.metric == m);
    let row_numbers = |m: usize| -> Option<HashSet<usize>> {
        let ev = evidence(m)?;
        if ev.scope != crate::scheme::Scope::Own {
            return None;
        }
        match &ev.evidence {
            Evidence::Rows(rows) => Some(rows.iter().map(|r| r.row).collect()),
            Evidence::PerDay(_) => None,
        }
    };
    let aggregate = |m: usize| match &scheme.metrics[m].def {
        MetricDef::Aggregate(a) => Some(a),
        MetricDef::Formula(_) => None,
    };

    // Counted subsets of a divisor's rows (retained / book, promoters - detractors / responses):
    // marked in the divisor's section rather than listed again.
    let mut marks: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut subset_of: BTreeMap<usize, usize> = BTreeMap::new();
    let mut pairs = Vec::new();
    for expr in &formulas {
        divisions(expr, &mut pairs);
    }
    for (numerators, d) in pairs {
        let (Some(da), Some(d_rows)) = (aggregate(d), row_numbers(d)) else {
            continue;
        };
        for n in numerators {
            let Some(na) = aggregate(n) else { continue };
            let Some(n_rows) = row_numbers(n) else {
                continue;
            };
            if n == d
                || na.table != da.table
                || na.op != AggOp::Count
                || subset_of.contains_key(&n)
                || !n_rows.iter().all(|r| d_rows.contains(r))
            {
                continue;
            }
            marks.entry(d).or_default().push(n);
            subset_of.insert(n, d);
        }
    }
    let mut order: Vec<usize> = Vec::new();
    for &m in &metrics {
        if let Some(&d) = subset_of.get(&m)
            && !order.contains(&d)
        {
            order.push(d);
        }
        if !order.contains(&m) {
            order.push(m);
        }
    }

    let mut out = Vec::new();
    for m in order {
        let metric = &scheme.metrics[m];
        let (Some(agg), Some(ev)) = (aggregate(m), evidence(m)) else {
            continue;
        };
        let table = agg.table;
        let kpi_names: Vec<&str> = scheme
            .kpis
            .iter()
            .filter(|k| {
                let mut deps = Vec::new();
                aggregates_of(scheme, k.metric, &mut deps, 0);
                deps.contains(&m)
            })
            .map(|k| k.name.as_str())
            .collect();
        let mut notes = vec![fill(
            l.get("for KPI: {kpis}"),
            &[("kpis", &kpi_names.join(", "))],
        )];
        let title = format!("{} — {}", metric.name, metric.description);
        let count = match &ev.evidence {
            Evidence::Rows(rows) => rows.len() as u64,
            Evidence::PerDay(days) => days.values().sum(),
        };
        // A team or reports metric: the figure and its row count, never a colleague's row.
        let scoped = match ev.scope {
            crate::scheme::Scope::Own => None,
            crate::scheme::Scope::Team => Some(l.get(
                "the team's figure, from {n} rows of everyone with your team; colleagues' rows are not shown",
            )),
            crate::scheme::Scope::Reports => Some(l.get(
                "the figure of you and everyone reporting to you, from {n} rows; their rows are not shown",
            )),
        };
        if let Some(note) = scoped {
            notes.push(fill(note, &[("n", &ev.rows.to_string())]));
            out.push(Section {
                title,
                notes,
                columns: Vec::new(),
                rows: Vec::new(),
                total: None,
            });
            continue;
        }
        notes.push(fill(
            l.get("table {table}, rows: {n}"),
            &[("table", table.name()), ("n", &count.to_string())],
        ));
        let mut section = Section {
            title,
            notes,
            columns: Vec::new(),
            rows: Vec::new(),
            total: None,
        };
        if let Some(&d) = subset_of.get(&m)
            && count > 0
        {
            let total = row_numbers(d).map_or(0, |r| r.len());
            // «из N» takes the genitive: из 1 строки, из 21 строки, из 5 строк.
            let rows = match l.lang {
                Lang::En if total == 1 => "row",
                Lang::En => "rows",
                Lang::Ru => units::plural_ru(total as u64, "строки", "строк", "строк"),
            };
            section.notes.push(fill(
                l.get("{n} of {total} {rows} of {metric}: marked in its column {column}"),
                &[
                    ("n", &count.to_string()),
                    ("total", &total.to_string()),
                    ("rows", rows),
                    ("metric", &scheme.metrics[d].name),
                    ("column", &metric.name),
                ],
            ));
            out.push(section);
            continue;
        }
        if count == 0 {
            out.push(section);
            continue;
        }
        match &ev.evidence {
            Evidence::PerDay(days) => {
                section.columns = vec![l.get("date").to_string(), l.get("count").to_string()];
                section.rows = days
                    .iter()
                    .map(|(d, n)| vec![Val::Date(*d), Val::Int(*n)])
                    .collect();
                section.total = Some(vec![Val::Text(l.get("total").to_string()), Val::Int(count)]);
            }
            Evidence::Rows(rows) => {
                // The value column: the column the metric reads, or the value of its row
                // expression; a time to the next row is known only for the whole month.
                let (value_header, value_unit) = match &agg.of {
                    Some(Of::Column(c)) => (
                        Some(l.get(table.columns()[*c].name).to_string()),
                        units::column_unit(table, *c),
                    ),
                    Some(Of::Row(_)) => (Some(l.get("value").to_string()), Unit::Number),
                    Some(Of::Wait(_)) | None => (None, Unit::Number),
                };
                let value_col = value_header.is_some();
                let marked: Vec<(usize, HashSet<usize>)> = marks
                    .get(&m)
                    .map(|ns| {
                        ns.iter()
                            .map(|&n| (n, row_numbers(n).unwrap_or_default()))
                            .collect()
                    })
                    .unwrap_or_default();
                section.columns = vec![
                    l.get("row").to_string(),
                    table.columns()[0].name.to_string(),
                    l.get("date").to_string(),
                ];
                if let Some(h) = value_header {
                    section.columns.push(h);
                }
                for (n, _) in &marked {
                    section.columns.push(scheme.metrics[*n].name.clone());
                }
                let mut sum = Exact::zero();
                for r in rows {
                    let mut cells = vec![
                        Val::Int(r.row as u64),
                        Val::Text(r.id.to_string()),
                        r.date.map_or(Val::Empty, Val::Date),
                    ];
                    if value_col {
                        cells.push(match &r.value {
                            Some(v) => {
                                sum += v;
                                Val::Measure(v.clone(), value_unit)
                            }
                            None => Val::Empty,
                        });
                    }
                    for (_, in_subset) in &marked {
                        cells.push(if in_subset.contains(&r.row) {
                            Val::Text(l.get("yes").to_string())
                        } else {
                            Val::Empty
                        });
                    }
                    section.rows.push(cells);
                }
                let mut total = vec![
                    Val::Text(l.get("total").to_string()),
                    Val::Int(count),
                    Val::Empty,
                ];
                if value_col {
                    total.push(if matches!(agg.op, AggOp::Sum) {
                        Val::Measure(sum, value_unit)
                    } else {
                        Val::Empty
                    });
                }
                for (_, in_subset) in &marked {
                    total.push(Val::Int(in_subset.len() as u64));
                }
                section.total = Some(total);
            }
        }
        out.push(section);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Text

/// Lays out a table in aligned columns: numbers to the right, text to the left.
fn text_table(
    f: &Fmt,
    columns: &[String],
    rows: &[Vec<Val>],
    total: Option<&Vec<Val>>,
    indent: &str,
) -> String {
    let all: Vec<&Vec<Val>> = rows.iter().chain(total).collect();
    let cells: Vec<Vec<(String, bool)>> = all
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| (val_text(f, v), !matches!(v, Val::Text(_) | Val::Empty)))
                .collect()
        })
        .collect();
    let n = columns.len();
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    for r in &cells {
        for (i, (t, _)) in r.iter().enumerate().take(n) {
            widths[i] = widths[i].max(t.chars().count());
        }
    }
    let pad = |t: &str, w: usize, right: bool| {
        let fill = " ".repeat(w.saturating_sub(t.chars().count()));
        if right {
            format!("{fill}{t}")
        } else {
            format!("{t}{fill}")
        }
    };
    let mut out = String::new();
    let line = |parts: Vec<String>| format!("{indent}{}\n", parts.join("  ").trim_end());
    out += &line(
        columns
            .iter()
            .enumerate()
            .map(|(i, c)| pad(c, widths[i], false))
            .collect(),
    );
    for r in &cells {
        out += &line(
            r.iter()
                .enumerate()
                .take(n)
                .map(|(i, (t, right))| pad(t, widths[i], *right))
                .collect(),
        );
    }
    out
}

/// A bar of attainment: 20 characters to 100% (marked `|`), at most 40 (200%, then `>`).
fn text_bar(att: Option<&Exact>) -> String {
    let Some(a) = att else {
        return format!("{:20}|", "");
    };
    let units = round_exact(&(a * exact_int(20)), 0)
        .and_then(|d| d.to_i64())
        .unwrap_or(0)
        .clamp(0, 41) as usize;
    let mut s = String::new();
    for i in 0..40 {
        if i == 20 {
            s.push('|');
        }
        s.push(if i < units { '#' } else { ' ' });
    }
    if units > 40 {
        s.push('>');
    }
    s.trim_end().to_string()
}

/// The statement as plain text for a terminal (`incentive explain`): the same content as the
/// workbook, from the same [`Statement`].
pub fn statement_text(run: &RunResult, employee_index: usize, cx: &Context) -> String {
    render_text(&build(run, employee_index, cx), &cx.labels)
}

/// The payout's lines, its parts and the guarantee, as text.
fn render_payout_text(st: &Statement, f: &Fmt, l: &Labels) -> String {
    let mut out = String::new();
    let pairs = |out: &mut String, pairs: &[(String, Val)]| {
        let w = pairs
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (k, v) in pairs {
            let value = val_text(f, v);
            let fill = " ".repeat(w - k.chars().count());
            *out += &format!("  {k}{fill}  {value}\n");
        }
    };
    if !st.payout_lines.is_empty() {
        out += &format!("\n{}\n", l.get("your payout"));
        out += &text_table(f, &st.payout_columns, &st.payout_lines, None, "  ");
        pairs(&mut out, &st.payout_parts);
    }
    if !st.guarantee.is_empty() {
        out += &format!("\n{}\n", l.get("guarantee"));
        for w in &st.guarantee {
            out += &format!("  {w}\n");
        }
        pairs(&mut out, &st.balance);
    }
    out
}

fn render_text(st: &Statement, l: &Labels) -> String {
    let f = Fmt::new(st.lang, &st.currency);
    let mut out = format!("{}\n\n", st.title);
    let w = st
        .header
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (k, v) in &st.header {
        let fill = " ".repeat(w - k.chars().count());
        out += &format!("  {k}{fill}  {}\n", val_text(&f, v));
    }
    out += "\n";
    let rows: Vec<Vec<Val>> = st.kpis.iter().map(|k| k.cells.clone()).collect();
    let mut total = vec![Val::Empty; st.kpi_columns.len()];
    total[0] = Val::Text(l.get("total").to_string());
    total[8] = Val::Money(st.total);
    out += &text_table(&f, &st.kpi_columns, &rows, Some(&total), "  ");
    out += &render_payout_text(st, &f, l);
    if !st.progress_note.is_empty() {
        out += &format!("\n{}\n  {}\n", l.get("progress"), st.progress_note);
        out += &text_table(&f, &st.progress_columns, &st.progress_rows, None, "  ");
    }
    out += &format!("\n{}\n", l.get("explanation"));
    for line in &st.lines {
        out += &format!("  {line}\n");
    }
    out += &format!("\n{}\n", l.get("attainment against 100%"));
    let w = st
        .kpis
        .iter()
        .map(|k| k.name.chars().count())
        .max()
        .unwrap_or(0);
    for k in &st.kpis {
        let fill = " ".repeat(w - k.name.chars().count());
        let pct = match &k.attainment {
            Some(a) => f.pct(a),
            None if st.employed => l.get("no data").to_string(),
            None => String::new(),
        };
        let bar = text_bar(k.attainment.as_ref());
        let line = format!("  {}{fill}  {bar:<42} {pct}", k.name);
        out += line.trim_end();
        out += "\n";
    }
    out += &format!("\n{}\n", l.get("Source rows"));
    for s in &st.sections {
        out += &format!("\n  {}\n", s.title);
        for n in &s.notes {
            out += &format!("  {n}\n");
        }
        if !s.columns.is_empty() {
            out += &text_table(&f, &s.columns, &s.rows, s.total.as_ref(), "    ");
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Workbook

struct Formats {
    title: Format,
    bold: Format,
    header: Format,
    note: Format,
    money: Format,
    money_bold: Format,
    percent: Format,
    number: Format,
    weight: Format,
    weight_fraction: Format,
    date: Format,
}

fn formats(currency: &str) -> Formats {
    let money = super::workbook::currency_format(currency);
    Formats {
        title: Format::new().set_bold().set_font_size(14),
        bold: Format::new().set_bold(),
        header: Format::new().set_bold().set_text_wrap(),
        note: Format::new().set_italic(),
        money: Format::new().set_num_format(&money),
        money_bold: Format::new().set_bold().set_num_format(&money),
        percent: Format::new().set_num_format("0.0%"),
        number: Format::new().set_num_format("#,##0.######"),
        weight: Format::new().set_num_format("0%"),
        weight_fraction: Format::new().set_num_format("0.0%"),
        date: Format::new().set_num_format("yyyy-mm-dd"),
    }
}

use super::{cell_exact, cell_number};

fn write_val(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    v: &Val,
    fm: &Formats,
) -> std::result::Result<(), XlsxError> {
    match v {
        Val::Empty => {}
        // Always a string: a name such as `=HYPERLINK(...)` or `-Сергей` is never a formula.
        Val::Text(t) => {
            ws.write_string(r, c, t)?;
        }
        Val::Money(d) => {
            ws.write_number_with_format(r, c, cell_number(*d), &fm.money)?;
        }
        Val::Measure(q, unit) => {
            let format = match unit {
                Unit::Money => &fm.money,
                Unit::Ratio => &fm.percent,
                Unit::Count | Unit::Score | Unit::Number => &fm.number,
            };
            ws.write_number_with_format(r, c, cell_exact(q), format)?;
        }
        Val::Percent(q) => {
            ws.write_number_with_format(r, c, cell_exact(q), &fm.percent)?;
        }
        Val::Weight(d) => {
            let whole = (*d * Decimal::ONE_HUNDRED).fract().is_zero();
            let format = if whole {
                &fm.weight
            } else {
                &fm.weight_fraction
            };
            ws.write_number_with_format(r, c, cell_number(*d), format)?;
        }
        Val::Int(n) => {
            ws.write_number(r, c, *n as f64)?;
        }
        // A spreadsheet holds dates from 1900 to 9999 only: a date outside (a client `since`
        // 0001-01-01 in the data) is shown as its ISO text instead.
        Val::Date(d) if (1900..=9999).contains(&d.year()) => {
            let dt = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
            ws.write_datetime_with_format(r, c, &dt, &fm.date)?;
        }
        Val::Date(d) => {
            ws.write_string(r, c, d.format("%Y-%m-%d").to_string())?;
        }
    }
    Ok(())
}

fn write_table(
    ws: &mut Worksheet,
    r: &mut u32,
    fm: &Formats,
    columns: &[String],
    rows: &[Vec<Val>],
    total: Option<&Vec<Val>>,
) -> std::result::Result<(), XlsxError> {
    for (c, name) in columns.iter().enumerate() {
        ws.write_string_with_format(*r, c as u16, name, &fm.header)?;
    }
    *r += 1;
    for row in rows {
        for (c, v) in row.iter().enumerate() {
            write_val(ws, *r, c as u16, v, fm)?;
        }
        *r += 1;
    }
    if let Some(total) = total {
        for (c, v) in total.iter().enumerate() {
            match v {
                Val::Text(t) => {
                    ws.write_string_with_format(*r, c as u16, t, &fm.bold)?;
                }
                Val::Money(d) => {
                    ws.write_number_with_format(*r, c as u16, cell_number(*d), &fm.money_bold)?;
                }
                v => write_val(ws, *r, c as u16, v, fm)?,
            }
        }
        *r += 1;
    }
    Ok(())
}

/// Rows the statement's chart covers (300 pixels of 20-pixel rows).
const CHART_ROWS: u32 = 15;
/// The most rows the statement sheet fits on one page and stays readable (about 8 KPIs).
const ONE_PAGE_ROWS: u32 = 70;

fn render_xlsx(
    st: &Statement,
    l: &Labels,
    end: NaiveDate,
) -> std::result::Result<Vec<u8>, XlsxError> {
    let fm = formats(&st.currency);
    let mut wb = super::cells::workbook();
    let date = ExcelDateTime::from_ymd(end.year() as u16, end.month() as u8, end.day() as u8)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("{} {}", st.title, st.period))
            .set_creation_datetime(&date),
    );

    // The statement sheet: header, KPIs, lines, chart.
    let sheet = l.get("Statement");
    let mut ws = Worksheet::new();
    ws.set_name(sheet)?;
    ws.write_string_with_format(0, 0, &st.title, &fm.title)?;
    let mut r = 2u32;
    for (k, v) in &st.header {
        ws.write_string_with_format(r, 0, k, &fm.bold)?;
        match v {
            Val::Money(d) => {
                ws.write_number_with_format(r, 1, cell_number(*d), &fm.money)?;
            }
            v => write_val(&mut ws, r, 1, v, &fm)?,
        }
        r += 1;
    }
    r += 1;
    let rows: Vec<Vec<Val>> = st.kpis.iter().map(|k| k.cells.clone()).collect();
    let mut total = vec![Val::Empty; st.kpi_columns.len()];
    total[0] = Val::Text(l.get("total").to_string());
    total[8] = Val::Money(st.total);
    write_table(&mut ws, &mut r, &fm, &st.kpi_columns, &rows, Some(&total))?;
    r += 1;
    // The payout's lines and parts, then the guarantee: amounts in column D, under the lines'.
    if !st.payout_lines.is_empty() {
        ws.write_string_with_format(r, 0, l.get("your payout"), &fm.bold)?;
        r += 1;
        write_table(
            &mut ws,
            &mut r,
            &fm,
            &st.payout_columns,
            &st.payout_lines,
            None,
        )?;
        for (k, v) in &st.payout_parts {
            ws.write_string_with_format(r, 0, k, &fm.bold)?;
            write_val(&mut ws, r, 3, v, &fm)?;
            r += 1;
        }
        r += 1;
    }
    if !st.guarantee.is_empty() {
        ws.write_string_with_format(r, 0, l.get("guarantee"), &fm.bold)?;
        r += 1;
        for w in &st.guarantee {
            ws.write_string(r, 0, w)?;
            r += 1;
        }
        for (k, v) in &st.balance {
            ws.write_string(r, 0, k)?;
            write_val(&mut ws, r, 3, v, &fm)?;
            r += 1;
        }
        r += 1;
    }
    if !st.progress_note.is_empty() {
        ws.write_string_with_format(r, 0, l.get("progress"), &fm.bold)?;
        r += 1;
        ws.write_string_with_format(r, 0, &st.progress_note, &fm.note)?;
        r += 1;
        write_table(
            &mut ws,
            &mut r,
            &fm,
            &st.progress_columns,
            &st.progress_rows,
            None,
        )?;
        r += 1;
    }
    let lines_top = r;
    ws.write_string_with_format(r, 0, l.get("explanation"), &fm.bold)?;
    r += 1;
    for line in &st.lines {
        ws.write_string(r, 0, line)?;
        r += 1;
    }
    r += 1;

    // The chart's data: attainment per KPI and the 100% line, next to the chart.
    let chart_top = r;
    ws.write_string_with_format(r, 0, l.get("chart data"), &fm.header)?;
    ws.write_string_with_format(r, 1, l.get("attainment"), &fm.header)?;
    ws.write_string_with_format(r, 2, l.get("100% line"), &fm.header)?;
    r += 1;
    let first = r;
    for k in &st.kpis {
        ws.write_string(r, 0, &k.name)?;
        if let Some(a) = &k.attainment {
            ws.write_number_with_format(r, 1, cell_exact(a), &fm.percent)?;
        }
        ws.write_number_with_format(r, 2, 1.0, &fm.percent)?;
        r += 1;
    }
    let last = r.saturating_sub(1).max(first);
    let mut chart = Chart::new_column();
    chart
        .add_series()
        .set_name(l.get("attainment"))
        .set_categories((sheet, first, 0, last, 0))
        .set_values((sheet, first, 1, last, 1));
    let mut line = Chart::new_line();
    line.add_series()
        .set_name(l.get("100% line"))
        .set_categories((sheet, first, 0, last, 0))
        .set_values((sheet, first, 2, last, 2))
        .set_format(
            ChartLine::new()
                .set_color("#C00000")
                .set_width(2)
                .set_dash_type(ChartLineDashType::Dash),
        );
    chart.combine(&line);
    chart.title().set_name(l.get("attainment against 100%"));
    chart.y_axis().set_num_format("0%").set_min(0);
    chart.legend().set_position(ChartLegendPosition::Bottom);
    chart.set_width(600).set_height(300);
    ws.insert_chart(chart_top, 4, &chart)?;
    // The chart is 300 pixels tall: 15 rows of the default 20 pixels.
    let page_end = r.saturating_sub(1).max(chart_top + CHART_ROWS);

    ws.set_column_width(0, 34)?;
    ws.set_column_width(1, 20)?;
    for c in 2..=8 {
        ws.set_column_width(c, 15)?;
    }
    ws.set_column_width(9, 36)?;
    // The first printed page holds everything of this sheet: the summary, the KPI table, the
    // lines and the chart, on one A4 landscape page; the source rows follow on the next sheet.
    ws.set_paper_size(super::workbook::A4).set_landscape();
    ws.set_print_area(0, 0, page_end, 9)?;
    if page_end <= ONE_PAGE_ROWS {
        ws.set_print_fit_to_pages(1, 1);
    } else {
        // Too many KPIs for one readable page: one page wide, the summary and KPI table on
        // the first page, the lines and the chart each starting a page of their own.
        // (LibreOffice keeps manual breaks when fitting to the width; Excel lets the fit
        // override them and prints the sheet one page wide, as long as it takes.)
        ws.set_print_fit_to_pages(1, 0);
        ws.set_page_breaks(&[lines_top, chart_top])?;
    }
    wb.push_worksheet(ws);

    // The source rows.
    let mut ws = Worksheet::new();
    ws.set_name(l.get("Source rows"))?;
    let mut r = 0u32;
    for s in &st.sections {
        ws.write_string_with_format(r, 0, &s.title, &fm.bold)?;
        r += 1;
        for n in &s.notes {
            ws.write_string_with_format(r, 0, n, &fm.note)?;
            r += 1;
        }
        if !s.columns.is_empty() {
            write_table(&mut ws, &mut r, &fm, &s.columns, &s.rows, s.total.as_ref())?;
        }
        r += 1;
    }
    ws.set_column_width(0, 12)?;
    ws.set_column_width(1, 14)?;
    ws.set_column_width(2, 12)?;
    ws.set_column_width(3, 16)?;
    for c in 4..=6 {
        ws.set_column_width(c, 12)?;
    }
    // The source rows: A4 portrait (they are a few narrow columns), one page wide.
    let width = st
        .sections
        .iter()
        .map(|s| s.columns.len())
        .max()
        .unwrap_or(1)
        .max(1);
    ws.set_paper_size(super::workbook::A4)
        .set_portrait()
        .set_print_fit_to_pages(1, 0);
    ws.set_print_area(0, 0, r.max(1), (width - 1).min(16_383) as u16)?;
    wb.push_worksheet(ws);
    wb.save_to_buffer()
}

/// Every employee's statement workbook, by its path under the run folder, in roster order.
/// Written on [`super::threads`] threads at once (each takes the next employee not yet
/// taken); the files and their order are the same as on one thread, byte for byte, and so is
/// the error: the first employee's in roster order whose statement cannot be written.
pub fn statements(run: &RunResult, cx: &Context) -> Result<Vec<(String, Vec<u8>)>> {
    each_statement(run, cx, &Ok)
}

/// [`statements`], each handed to `put` (its path under the run folder and its bytes) on the
/// thread that rendered it, rather than kept: a run stages them on disk while the others
/// render. Returns the paths, in roster order.
pub fn statements_to(
    run: &RunResult,
    cx: &Context,
    put: &(dyn Fn(String, Vec<u8>) -> Result<()> + Sync),
) -> Result<Vec<String>> {
    each_statement(run, cx, &|(path, bytes): File| {
        put(path.clone(), bytes)?;
        Ok(path)
    })
}

type File = (String, Vec<u8>);

/// Renders every statement and passes it to `then`, on as many threads as [`statements`] says.
fn each_statement<T: Send>(
    run: &RunResult,
    cx: &Context,
    then: &(dyn Fn(File) -> Result<T> + Sync),
) -> Result<Vec<T>> {
    let n = run.employees.len();
    let _s = crate::progress::bar("statements", n as u64);
    let one = |i: usize| -> Result<T> {
        let e = &run.employees[i];
        let st = build(run, i, cx);
        let bytes = render_xlsx(&st, &cx.labels, run.period.end()).map_err(|err| {
            Error::other(format!(
                "cannot write the statement of {}: {err}",
                e.employee.id
            ))
        })?;
        let done = then((e.statement.clone(), bytes))?;
        crate::progress::tick(1);
        Ok(done)
    };
    let threads = super::threads().min(n);
    if threads <= 1 {
        return (0..n).map(one).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, Result<T>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= n {
                            return mine;
                        }
                        let r = one(i);
                        let failed = r.is_err();
                        mine.push((i, r));
                        if failed {
                            // The others finish what they took; no one takes more.
                            next.store(n, std::sync::atomic::Ordering::Relaxed);
                            return mine;
                        }
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| match w.join() {
                Ok(mine) => mine,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn q(s: &str) -> Exact {
        exact(Decimal::from_str(s).unwrap())
    }

    #[test]
    fn bars() {
        assert_eq!(text_bar(Some(&q("0.5"))), "##########          |");
        assert_eq!(text_bar(Some(&q("1"))), "####################|");
        assert_eq!(text_bar(Some(&q("1.5"))).chars().count(), 31);
        assert!(text_bar(Some(&q("3"))).ends_with("#>"));
        assert_eq!(text_bar(None), format!("{:20}|", ""));
    }

    #[test]
    fn lines_for_every_case() {
        use crate::metrics::MetricValue;
        use crate::scoring::{Employment, score};
        let yaml = "currency: KZT\ncurve: standard\nmetrics:\n  cycle: { average: deals.amount }\n  n: { count: deals }\nkpis:\n  - { id: c, name: Cycle, weight: 60%, metric: cycle, target: 100, better: lower }\n  - { id: n, name: Deals, weight: 40%, metric: n, target: 10 }\n";
        let scheme =
            crate::scheme::parse_str(std::path::Path::new("t.yaml"), yaml).unwrap_or_else(|p| {
                panic!("{p:?}");
            });
        let f = Fmt::new(Lang::En, "KZT");
        let l = Labels::new(Lang::En);
        let lines = |cycle: Option<&str>, deals: i64, target_n: &str, days: i64| {
            let emp = Employment {
                days_employed: days,
                days_in_period: 30,
            };
            let values = [
                MetricValue {
                    value: cycle.map(q),
                    rows: 1,
                },
                MetricValue {
                    value: Some(exact_int(deals)),
                    rows: 1,
                },
            ];
            let targets = [Some(q("100")), Some(q(target_n))];
            let s = score(&scheme, Decimal::from(1000), emp, &values, &targets).unwrap();
            let days = units::employed_days(days, 30, Lang::En);
            scheme
                .kpis
                .iter()
                .zip(&s.kpis)
                .map(|(k, ks)| {
                    kpi_line(
                        k,
                        ks,
                        units::unit(&scheme, k.metric),
                        &s.share,
                        &days,
                        &f,
                        &l,
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            lines(Some("80"), 9, "10", 30),
            [
                "Cycle: 80 KZT against target 100 KZT, lower is better = 125.0% → pays 130.0% (the cap) of the 60% weight → 780 KZT",
                "Deals: 9 of target 10 = 90.0% → pays 90.0% of the 40% weight → 360 KZT",
            ]
        );
        assert_eq!(
            lines(Some("0"), 7, "10", 15),
            [
                "Cycle: 0 KZT against target 100 KZT: the best possible result → pays 130.0% (the cap) of the 60% weight, employed 15 of 30 days → 390 KZT",
                "Deals: 7 of target 10 = 70.0% → below 80%: pays nothing",
            ]
        );
        assert_eq!(
            lines(None, 3, "0", 30),
            [
                "Cycle: no data: pays nothing",
                "Deals: 3 of target 0 → target is 0: pays nothing",
            ]
        );
    }
}
