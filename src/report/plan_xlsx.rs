//! `plan.xlsx`: next month's plans (docs/plan.md) as sheets, for HR and the head of sales.
//!
//! A renderer only: every figure comes decided from [`crate::analysis::plan::Plan`], and every
//! sentence from [`super::plan`] (`line`, `realism_text`, `manual_text`, `season_text`,
//! `team_text`, `backtest_flag_text`), so the workbook says what plan.json says. Sheets:
//! - **Plans**: the settings, then one row per employee and metric: who, the scheme and metric,
//!   the base and where it came from (own months, or the median of colleagues), the best and
//!   worst history month, growth, season, days employed of the month's days, the plan for a
//!   whole month, the raw plan, the plan (rounded), the plain-language line, the warnings, the
//!   history months not used and why, then one column per history month with its value (a
//!   month not in the export empty, never a zero; a month not used for another reason greyed);
//! - **Manual**: the people left for a manual plan and why;
//! - **Warnings**: every realism warning, team warning and back-test flag, with its sentence;
//! - **Back-test**: per metric and month, the method's and the actual plans' attainments in the
//!   four bands (and against the KPI's review and discuss lines), skipped months with why, the
//!   six months pooled, and the flag;
//! - **Seasonality**: per metric, the same month last year, its total, the 12 months' average,
//!   the index or why there is none;
//! - **Teams**: per team and metric the plan total against the best month; the company targets
//!   (top-down, blend) beside the rounded plans' sum; and per team its monthly totals with the
//!   plan as the last column, charted.
//!
//! Numbers are number cells (money in the scheme's currency with thousands, factors with two
//! decimals over the exact value). Bounded and deterministic: a sheet holds at most a
//! spreadsheet's 1,048,576 rows (past that a last row says the rest is in plan.json), a text
//! cell at most its 32,767 characters, at most [`MAX_TEAM_CHARTS`] charts; the document date is
//! the planned month's first day, so the same plan gives the same bytes.

use super::cells::{cut, put};
use super::labels::{Labels, Lang};
use super::plan::{
    backtest_flag_text, line, manual_text, month_short, realism_text, season_text, team_text,
};
use super::workbook::{Formats, formats, header, money_format, print_setup};
use super::{cell_exact as exact_f64, cell_number as dec_f64};
use crate::analysis::plan::{Bands, BaseFrom, Method, NotUsed, Plan, PlanRow, Skipped, TeamTotal};
use crate::error::{Error, Result};
use crate::num::Exact;
use crate::period::Period;
use crate::results::Evaluation;
use crate::scheme::unit::Unit;
use chrono::Datelike;
use rust_decimal::Decimal;
use rust_xlsxwriter::{
    Chart, ChartFormat, ChartLegendPosition, ChartPatternFill, ChartPatternFillType, ChartPoint,
    ChartSolidFill, Color, DocProperties, ExcelDateTime, Format, Worksheet, XlsxError,
};
use std::collections::{BTreeMap, BTreeSet};

type XResult<T> = std::result::Result<T, XlsxError>;

/// The rows a sheet holds (a spreadsheet's limit).
pub const MAX_ROWS: u32 = 1_048_576;

/// Teams whose monthly totals get a chart (in the order of the Teams sheet): a roster with a
/// team per person still gives a workbook a spreadsheet opens.
pub const MAX_TEAM_CHARTS: usize = 50;

/// The series colours of the team charts, in turn.
const PALETTE: [u32; 6] = [0x4472C4, 0xED7D31, 0x70AD47, 0x7F6000, 0x7030A0, 0x255E91];

/// The workbook's bytes.
pub fn plan_xlsx(plan: &Plan, ev: &Evaluation, lang: Lang) -> Result<Vec<u8>> {
    build(plan, ev, lang, MAX_ROWS)
        .map_err(|e| Error::other(format!("cannot write plan.xlsx: {e}")))
}

/// What every sheet needs.
struct W<'a> {
    plan: &'a Plan,
    ev: &'a Evaluation,
    l: Labels,
    f: Formats,
    /// Factors: `1.20` (the cell holds the exact value's nearest float).
    factor: Format,
    /// Rows a sheet may hold.
    max_rows: u32,
}

fn build(plan: &Plan, ev: &Evaluation, lang: Lang, max_rows: u32) -> XResult<Vec<u8>> {
    let w = W {
        plan,
        ev,
        l: Labels::new(lang),
        f: formats(),
        factor: Format::new().set_num_format("0.00"),
        max_rows: max_rows.clamp(8, MAX_ROWS),
    };
    let l = &w.l;
    let mut wb = super::cells::workbook();
    let start = plan.options.month.start();
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("{} {}", l.get("plans for"), plan.options.month))
            .set_creation_datetime(&ExcelDateTime::from_ymd(
                start.year().clamp(1900, 9999) as u16,
                start.month() as u8,
                start.day() as u8,
            )?),
    );
    plans(wb.add_worksheet().set_name(l.get("Plans"))?, &w)?;
    manual(wb.add_worksheet().set_name(l.get("Manual"))?, &w)?;
    warnings(wb.add_worksheet().set_name(l.get("Warnings"))?, &w)?;
    backtest(wb.add_worksheet().set_name(l.get("Back-test"))?, &w)?;
    seasonality(wb.add_worksheet().set_name(l.get("Seasonality"))?, &w)?;
    let teams_sheet = l.get("Teams");
    teams(wb.add_worksheet().set_name(teams_sheet)?, teams_sheet, &w)?;
    wb.save_to_buffer()
}

// ---------------------------------------------------------------------------------------------
// Cells.

/// Text as a string cell (never a formula), cut to what a cell holds; empty text: no cell.
fn put_bold(ws: &mut Worksheet, r: u32, c: u16, s: &str, w: &W) -> XResult<()> {
    ws.write_string_with_format(r, c, cut(s), &w.f.bold)?;
    Ok(())
}

/// A name for a chart's title: at most 60 characters.
fn short(s: &str) -> String {
    if s.chars().count() <= 60 {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(59).collect();
        t.push('…');
        t
    }
}

fn number(ws: &mut Worksheet, r: u32, c: u16, q: &Exact, fmt: &Format) -> XResult<()> {
    ws.write_number_with_format(r, c, exact_f64(q), fmt)?;
    Ok(())
}

fn opt_number(ws: &mut Worksheet, r: u32, c: u16, q: Option<&Exact>, fmt: &Format) -> XResult<()> {
    match q {
        Some(q) => number(ws, r, c, q, fmt),
        None => Ok(()),
    }
}

fn decimal(ws: &mut Worksheet, r: u32, c: u16, d: Decimal, fmt: &Format) -> XResult<()> {
    ws.write_number_with_format(r, c, dec_f64(d), fmt)?;
    Ok(())
}

fn count(ws: &mut Worksheet, r: u32, c: u16, n: u64, w: &W) -> XResult<()> {
    ws.write_number_with_format(r, c, n as f64, &w.f.integer)?;
    Ok(())
}

/// Whether row `r` is past what the sheet may hold: the sheet's last row then says where the
/// rest is, and the table stops.
fn full(ws: &mut Worksheet, r: u32, w: &W) -> XResult<bool> {
    cap(
        ws,
        r,
        w.max_rows,
        w.l.get("more rows than a sheet holds: every row is in plan.json"),
        &w.f.bold,
    )
}

/// [`full`] for a sheet of `max_rows` rows: the last row says `note`.
fn cap(ws: &mut Worksheet, r: u32, max_rows: u32, note: &str, fmt: &Format) -> XResult<bool> {
    if r + 1 < max_rows {
        return Ok(false);
    }
    ws.write_string_with_format(max_rows - 1, 0, note, fmt)?;
    Ok(true)
}

impl W<'_> {
    fn team_name<'b>(&self, team: &'b str) -> &'b str {
        let t = team.trim();
        if t.is_empty() || t == "(no team)" {
            self.l.get("(no team)")
        } else {
            t
        }
    }

    /// A value of a plan row's metric: money in the scheme's currency, a ratio as a
    /// percentage, other values as numbers.
    fn value_format(&self, row: &PlanRow) -> Format {
        self.unit_format(row.unit, Some(&self.ev.schemes[row.scheme].currency))
    }

    fn unit_format(&self, unit: Unit, currency: Option<&str>) -> Format {
        match unit {
            Unit::Money => match currency {
                Some(c) => money_format(c),
                None => self.f.money_plain.clone(),
            },
            Unit::Ratio => self.f.percent.clone(),
            Unit::Count => self.f.integer.clone(),
            Unit::Score | Unit::Number => self.f.number.clone(),
        }
    }

    /// The format of a metric's values over everyone planned on it: its unit, in the
    /// currency when every scheme carrying it pays in one.
    fn metric_format(&self, metric: &str) -> Format {
        let rows: Vec<&PlanRow> = self
            .plan
            .rows
            .iter()
            .filter(|r| r.metric == metric)
            .collect();
        let Some(first) = rows.first() else {
            return self.f.number.clone();
        };
        let currencies: BTreeSet<&str> = rows
            .iter()
            .map(|r| self.ev.schemes[r.scheme].currency.as_str())
            .collect();
        let one = (currencies.len() == 1).then(|| currencies.iter().next().copied().unwrap_or(""));
        self.unit_format(first.unit, one)
    }

    fn not_used_words(&self, why: NotUsed) -> &'static str {
        self.l.get(match why {
            NotUsed::NotInExport => "not in the export",
            NotUsed::NotEmployed => "not employed",
            NotUsed::PartMonth => "employed part of the month",
            NotUsed::NoValue => "no value",
        })
    }

    fn skipped_words(&self, why: Skipped) -> &'static str {
        self.l.get(match why {
            Skipped::NotInExport => "not in the export",
            Skipped::NoRecordedTarget => "no plans recorded for the month to split",
        })
    }
}

/// A month's period as the sheets write it: `2026-11`.
fn month_text(p: Period) -> String {
    p.to_string()
}

// ---------------------------------------------------------------------------------------------
// Plans.

/// The history months not used in a row and why, consecutive months with the same reason as
/// one span: `2025-11…2026-06: not in the export; 2026-07: employed part of the month`.
fn not_used_text(row: &PlanRow, w: &W) -> String {
    let mut spans: Vec<(Period, Period, NotUsed)> = Vec::new();
    for h in &row.history {
        let Some(why) = h.not_used else {
            continue;
        };
        match spans.last_mut() {
            Some((_, last, w0)) if *w0 == why && last.next() == Some(h.period) => *last = h.period,
            _ => spans.push((h.period, h.period, why)),
        }
    }
    spans
        .iter()
        .map(|(a, b, why)| {
            let span = if a == b {
                a.to_string()
            } else {
                format!("{a}…{b}")
            };
            format!("{span}: {}", w.not_used_words(*why))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn base_from_words(row: &PlanRow, w: &W) -> String {
    let lang = w.l.lang;
    match &row.base_from {
        BaseFrom::Own {
            months,
            first,
            last,
        } => {
            let span = if first == last {
                month_short(*first, lang)
            } else {
                format!("{}-{}", month_short(*first, lang), month_short(*last, lang))
            };
            format!(
                "{}: {span} ({})",
                w.l.get("own history"),
                crate::report::units::months(*months as u32, lang)
            )
        }
        BaseFrom::Colleagues { count } => {
            w.l.get("median of {n} colleagues on the same scheme")
                .replace("{n}", &count.to_string())
        }
        BaseFrom::NoHistory => {
            w.l.get("no history: the company target split by days employed")
                .to_string()
        }
    }
}

fn plans(ws: &mut Worksheet, w: &W) -> XResult<()> {
    let (plan, l, f) = (w.plan, &w.l, &w.f);
    let o = &plan.options;
    put_bold(
        ws,
        0,
        0,
        &format!(
            "{} {}: {}",
            l.get("plans for"),
            o.month,
            l.get(o.method.name())
        ),
        w,
    )?;
    // The settings, label above value.
    let mut keys = vec![
        "growth",
        "history months",
        "full months a plan needs",
        "rounding step",
        "the export's first month",
    ];
    if o.method == Method::TopDown {
        keys.push("split");
    }
    for (i, key) in keys.iter().enumerate() {
        ws.write_string_with_format(1, i as u16, l.get(key), &f.header)?;
    }
    number(ws, 2, 0, &o.growth, &f.percent)?;
    count(ws, 2, 1, o.history as u64, w)?;
    count(ws, 2, 2, o.min_history as u64, w)?;
    decimal(ws, 2, 3, o.step, &f.integer)?;
    put(
        ws,
        2,
        4,
        &plan.first_month.map(month_text).unwrap_or_default(),
    )?;
    if o.method == Method::TopDown {
        put(ws, 2, 5, l.get(o.split.name()))?;
    }

    let top = 4u32;
    let mut names = l.all(&[
        "employee_id",
        "name",
        "team",
        "scheme",
        "metric",
        "base",
        "base from",
        "best month",
        "worst month",
        "growth",
        "season",
        "days employed",
        "of days",
        "plan for a whole month",
        "raw plan",
        "plan",
        "how it was made",
        "warnings",
        "history months not used",
    ]);
    let first_month_col = names.len() as u16;
    // The history months, oldest first (the same window for everyone planned).
    let months: Vec<Period> = plan
        .rows
        .iter()
        .flat_map(|r| r.history.iter().map(|h| h.period))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .take(usize::from(16_384 - first_month_col))
        .collect();
    names.extend(months.iter().map(|p| month_text(*p)));
    header(ws, f, top, &names)?;
    let mut r = top + 1;
    for row in &plan.rows {
        if full(ws, r, w)? {
            break;
        }
        let e = &w.ev.roster[row.employee];
        let scheme = &w.ev.schemes[row.scheme];
        let vf = w.value_format(row);
        put(ws, r, 0, &e.id)?;
        put(ws, r, 1, &e.name)?;
        put(ws, r, 2, w.team_name(&e.team))?;
        put(ws, r, 3, &scheme.id)?;
        put(ws, r, 4, &row.metric)?;
        number(ws, r, 5, &row.base, &vf)?;
        put(ws, r, 6, &base_from_words(row, w))?;
        opt_number(ws, r, 7, row.best.as_ref(), &vf)?;
        opt_number(ws, r, 8, row.worst.as_ref(), &vf)?;
        opt_number(ws, r, 9, row.growth.as_ref(), &w.factor)?;
        opt_number(ws, r, 10, row.season.as_ref(), &w.factor)?;
        count(ws, r, 11, row.employment.days_employed.max(0) as u64, w)?;
        count(ws, r, 12, row.employment.days_in_period.max(0) as u64, w)?;
        number(ws, r, 13, &row.full_month, &vf)?;
        number(ws, r, 14, &row.raw, &vf)?;
        decimal(ws, r, 15, row.plan, &vf)?;
        put(ws, r, 16, &line(plan, row, w.ev, l.lang))?;
        let texts: Vec<String> = row
            .warnings
            .iter()
            .map(|x| realism_text(row, *x, l.lang))
            .collect();
        put(ws, r, 17, &texts.join("; "))?;
        put(ws, r, 18, &not_used_text(row, w))?;
        let grey = vf.clone().set_font_color(Color::RGB(0x808080)).set_italic();
        for h in &row.history {
            let Some(i) = months.iter().position(|p| *p == h.period) else {
                continue;
            };
            let c = first_month_col + i as u16;
            match (h.not_used, &h.value) {
                // Not in the export, or not employed: never a zero.
                (Some(NotUsed::NotInExport | NotUsed::NotEmployed), _) | (_, None) => {}
                (None, Some(v)) => number(ws, r, c, v, &vf)?,
                (Some(_), Some(v)) => number(ws, r, c, v, &grey)?,
            }
        }
        r += 1;
    }
    if plan.rows.is_empty() {
        put(
            ws,
            r,
            0,
            l.get("no plan made: every plan is left for a manual plan"),
        )?;
    }
    ws.set_freeze_panes(top + 1, 2)?;
    for (c, wd) in [
        (0, 12),
        (1, 22),
        (2, 14),
        (3, 16),
        (4, 12),
        (5, 19),
        (6, 36),
        (7, 19),
        (8, 19),
        (9, 8),
        (10, 8),
        (11, 9),
        (12, 8),
        (13, 19),
        (14, 19),
        (15, 19),
        (16, 80),
        (17, 40),
        (18, 36),
    ] {
        ws.set_column_width(c, wd)?;
    }
    for i in 0..months.len() as u16 {
        ws.set_column_width(first_month_col + i, 19)?;
    }
    ws.autofilter(
        top,
        0,
        r.saturating_sub(1).max(top + 1),
        (names.len() - 1) as u16,
    )?;
    print_setup(ws)?;
    ws.set_repeat_rows(top, top)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Manual.

fn manual(ws: &mut Worksheet, w: &W) -> XResult<()> {
    let (plan, l, f) = (w.plan, &w.l, &w.f);
    header(
        ws,
        f,
        0,
        &l.all(&[
            "employee_id",
            "name",
            "team",
            "scheme",
            "metric",
            "code",
            "why",
        ]),
    )?;
    let mut r = 1u32;
    for m in &plan.manual {
        if full(ws, r, w)? {
            break;
        }
        let e = &w.ev.roster[m.employee];
        let scheme = &w.ev.schemes[m.scheme].id;
        put(ws, r, 0, &e.id)?;
        put(ws, r, 1, &e.name)?;
        put(ws, r, 2, w.team_name(&e.team))?;
        put(ws, r, 3, scheme)?;
        put(ws, r, 4, &m.metric)?;
        put(ws, r, 5, m.why.code())?;
        put(
            ws,
            r,
            6,
            &manual_text(m.why, scheme, m.months, plan.options.min_history, l.lang),
        )?;
        r += 1;
    }
    if plan.manual.is_empty() {
        put(ws, r, 0, l.get("nobody: every plan was made from history"))?;
    }
    ws.set_freeze_panes(1, 2)?;
    for (c, wd) in [
        (0, 12),
        (1, 22),
        (2, 14),
        (3, 16),
        (4, 12),
        (5, 24),
        (6, 90),
    ] {
        ws.set_column_width(c, wd)?;
    }
    print_setup(ws)
}

// ---------------------------------------------------------------------------------------------
// Warnings.

fn warnings(ws: &mut Worksheet, w: &W) -> XResult<()> {
    let (plan, l, f) = (w.plan, &w.l, &w.f);
    header(
        ws,
        f,
        0,
        &l.all(&[
            "code",
            "employee_id",
            "name",
            "team",
            "metric",
            "what it saw",
        ]),
    )?;
    let mut r = 1u32;
    // In plan.json's order: the people's, the teams', the back-test's.
    'rows: {
        for row in &plan.rows {
            let e = &w.ev.roster[row.employee];
            for x in &row.warnings {
                if full(ws, r, w)? {
                    break 'rows;
                }
                put(ws, r, 0, x.code())?;
                put(ws, r, 1, &e.id)?;
                put(ws, r, 2, &e.name)?;
                put(ws, r, 3, w.team_name(&e.team))?;
                put(ws, r, 4, &row.metric)?;
                put(ws, r, 5, &realism_text(row, *x, l.lang))?;
                r += 1;
            }
        }
        for t in plan.teams.iter().filter(|t| t.above_best) {
            if full(ws, r, w)? {
                break 'rows;
            }
            put(ws, r, 0, "team_above_best")?;
            put(ws, r, 3, w.team_name(&t.team))?;
            put(ws, r, 4, &t.metric)?;
            put(ws, r, 5, &team_text(t, l.lang))?;
            r += 1;
        }
        for b in &plan.backtest {
            if let Some(fl) = b.flag {
                if full(ws, r, w)? {
                    break 'rows;
                }
                put(ws, r, 0, fl.code())?;
                put(ws, r, 4, &b.metric)?;
                put(ws, r, 5, &backtest_flag_text(plan, &b.metric, fl, l.lang))?;
                r += 1;
            }
        }
    }
    if r == 1 {
        put(ws, r, 0, l.get("no warnings"))?;
    }
    ws.autofilter(0, 0, r.saturating_sub(1).max(1), 5)?;
    ws.set_freeze_panes(1, 1)?;
    for (c, wd) in [(0, 20), (1, 12), (2, 22), (3, 14), (4, 12), (5, 100)] {
        ws.set_column_width(c, wd)?;
    }
    print_setup(ws)
}

// ---------------------------------------------------------------------------------------------
// Back-test.

/// The band columns: four bands, the count, and against the KPI's lines.
const BAND_KEYS: [&str; 7] = [
    "below 80%",
    "80-100%",
    "100-120%",
    "above 120%",
    "people",
    "below the review line",
    "above the discuss line",
];

fn bands(ws: &mut Worksheet, r: u32, c: u16, b: &Bands, w: &W) -> XResult<()> {
    for (i, n) in [
        b.below_80,
        b.from_80_to_100,
        b.from_100_to_120,
        b.above_120,
        b.count(),
        b.below_review,
        b.above_discuss,
    ]
    .iter()
    .enumerate()
    {
        count(ws, r, c + i as u16, *n, w)?;
    }
    Ok(())
}

fn backtest(ws: &mut Worksheet, w: &W) -> XResult<()> {
    let (plan, l, f) = (w.plan, &w.l, &w.f);
    let method = plan.options.method;
    put_bold(
        ws,
        0,
        0,
        &l.get(
            "{method} plans as if made at the start of each of the last six months, against the plans actually used",
        )
        .replace("{method}", l.get(method.name())),
        w,
    )?;
    // The target split: top-down and blend only.
    let split = method.needs_company_target();
    let method_col = if split { 3u16 } else { 2 };
    let actual_col = method_col + BAND_KEYS.len() as u16;
    let last_col = actual_col + BAND_KEYS.len() as u16 - 1;
    let mut r = 2u32;
    for bt in &plan.backtest {
        if full(ws, r + 4 + bt.months.len() as u32, w)? {
            break;
        }
        let money = w.metric_format(&bt.metric);
        put_bold(ws, r, 0, &format!("{}: {}", l.get("metric"), bt.metric), w)?;
        r += 1;
        // Two header rows: the group over its columns, then the bands.
        ws.merge_range(
            r,
            method_col,
            r,
            actual_col - 1,
            l.get("the method's plans"),
            &f.header,
        )?;
        ws.merge_range(
            r,
            actual_col,
            r,
            last_col,
            l.get("the plans actually used"),
            &f.header,
        )?;
        r += 1;
        let mut names = l.all(&["month", "tested"]);
        if split {
            names.push(l.get("company target split").to_string());
        }
        names.extend(l.all(&BAND_KEYS));
        names.extend(l.all(&BAND_KEYS));
        header(ws, f, r, &names)?;
        r += 1;
        for m in &bt.months {
            put(ws, r, 0, &month_text(m.period))?;
            match m.skipped {
                Some(why) => put(
                    ws,
                    r,
                    1,
                    &format!("{}: {}", l.get("skipped"), w.skipped_words(why)),
                )?,
                None => {
                    put(ws, r, 1, l.get("yes"))?;
                    if let Some(t) = m.target {
                        decimal(ws, r, 2, t, &money)?;
                    }
                    bands(ws, r, method_col, &m.method, w)?;
                    bands(ws, r, actual_col, &m.actual, w)?;
                }
            }
            r += 1;
        }
        ws.write_string_with_format(r, 0, l.get("the months tested, pooled"), &f.bold)?;
        bands(ws, r, method_col, &bt.method, w)?;
        bands(ws, r, actual_col, &bt.actual, w)?;
        r += 1;
        put(ws, r, 0, l.get("flag"))?;
        match bt.flag {
            Some(fl) => {
                ws.write_string_with_format(r, 1, fl.code(), &f.bold)?;
                put(ws, r, 2, &backtest_flag_text(plan, &bt.metric, fl, l.lang))?;
            }
            None => put(ws, r, 1, l.get("none"))?,
        }
        r += 2;
    }
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 34)?;
    if split {
        ws.set_column_width(2, 19)?;
    }
    for c in method_col..=last_col {
        ws.set_column_width(c, 11)?;
    }
    print_setup(ws)
}

// ---------------------------------------------------------------------------------------------
// Seasonality.

fn seasonality(ws: &mut Worksheet, w: &W) -> XResult<()> {
    let (plan, l, f) = (w.plan, &w.l, &w.f);
    put_bold(
        ws,
        0,
        0,
        &format!(
            "{} {}",
            l.get("the seasonal index of"),
            month_text(plan.options.month)
        ),
        w,
    )?;
    header(
        ws,
        f,
        1,
        &l.all(&[
            "metric",
            "same month last year",
            "its total",
            "the 12 months' average",
            "index",
            "code",
            "what it means",
        ]),
    )?;
    let seasons = plan
        .metrics
        .iter()
        .filter_map(|m| plan.season.get(m).map(|s| (m, s)));
    for (r, (metric, s)) in (2u32..).zip(seasons) {
        if full(ws, r, w)? {
            break;
        }
        let money = w.metric_format(metric);
        put(ws, r, 0, metric)?;
        if let Some(p) = s.same_month {
            put(ws, r, 1, &month_text(p))?;
        }
        opt_number(ws, r, 2, s.same_total.as_ref(), &money)?;
        opt_number(ws, r, 3, s.average.as_ref(), &money)?;
        opt_number(ws, r, 4, s.index.as_ref(), &w.factor)?;
        if let Some(why) = s.why {
            put(ws, r, 5, why.code())?;
        }
        put(ws, r, 6, &season_text(plan, s, l.lang))?;
    }
    for (c, wd) in [(0, 14), (1, 14), (2, 18), (3, 18), (4, 9), (5, 14), (6, 90)] {
        ws.set_column_width(c, wd)?;
    }
    print_setup(ws)?;
    ws.set_repeat_rows(1, 1)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Teams.

fn teams(ws: &mut Worksheet, sheet: &str, w: &W) -> XResult<()> {
    let (plan, l, f) = (w.plan, &w.l, &w.f);
    let month = plan.options.month;
    put_bold(
        ws,
        0,
        0,
        &format!(
            "{} {}",
            l.get("the teams' plans against their history"),
            month_text(month)
        ),
        w,
    )?;
    header(
        ws,
        f,
        1,
        &l.all(&[
            "team",
            "metric",
            "plan total",
            "best month",
            "best month's total",
            "above the best month",
        ]),
    )?;
    let mut r = 2u32;
    for t in &plan.teams {
        if full(ws, r, w)? {
            return print_setup(ws);
        }
        let money = w.metric_format(&t.metric);
        put(ws, r, 0, w.team_name(&t.team))?;
        put(ws, r, 1, &t.metric)?;
        decimal(ws, r, 2, t.plan_total, &money)?;
        if let Some(p) = t.best_month {
            put(ws, r, 3, &month_text(p))?;
        }
        opt_number(ws, r, 4, t.best_total.as_ref(), &money)?;
        if t.above_best {
            ws.write_string_with_format(r, 5, l.get("yes"), &f.bold)?;
        } else {
            put(ws, r, 5, l.get("no"))?;
        }
        r += 1;
    }
    if plan.teams.is_empty() {
        put(
            ws,
            r,
            0,
            l.get("no plan made: every plan is left for a manual plan"),
        )?;
        r += 1;
    }
    // The company targets of top-down and blend, beside the rounded plans' sum.
    if !plan.company.is_empty() {
        r += 1;
        if full(ws, r + 1 + plan.company.len() as u32, w)? {
            return print_setup(ws);
        }
        header(
            ws,
            f,
            r,
            &l.all(&["metric", "company target", "the rounded plans' sum"]),
        )?;
        r += 1;
        for c in &plan.company {
            let money = w.metric_format(&c.metric);
            put(ws, r, 0, &c.metric)?;
            decimal(ws, r, 1, c.target, &money)?;
            decimal(ws, r, 2, c.rounded_sum, &money)?;
            r += 1;
        }
    }

    // Per team: its monthly totals per metric, the plan as the last row, and a chart.
    let mut by_team: BTreeMap<&str, Vec<&TeamTotal>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for t in &plan.teams {
        if !by_team.contains_key(t.team.as_str()) {
            order.push(t.team.as_str());
        }
        by_team.entry(t.team.as_str()).or_default().push(t);
    }
    // The widest block's columns (a metric each).
    let width = by_team.values().map(|t| t.len()).max().unwrap_or(0) as u16;
    for (i, team) in order.iter().enumerate() {
        let totals = &by_team[team];
        let months: Vec<Period> = totals
            .iter()
            .flat_map(|t| t.months.iter().map(|(p, _)| *p))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        r += 1;
        // The block: a title, a header, the months, the plan; at least as tall as the chart.
        let rows = 2 + months.len() as u32 + 1;
        if full(ws, r + rows.max(18), w)? {
            break;
        }
        let block = r;
        put_bold(
            ws,
            r,
            0,
            &format!("{} {}", l.get("team"), w.team_name(team)),
            w,
        )?;
        r += 1;
        let mut names = vec![l.get("month").to_string()];
        names.extend(totals.iter().map(|t| t.metric.clone()));
        header(ws, f, r, &names)?;
        let head = r;
        r += 1;
        let first = r;
        for p in &months {
            put(ws, r, 0, &month_text(*p))?;
            for (j, t) in totals.iter().enumerate() {
                let money = w.metric_format(&t.metric);
                if let Some((_, v)) = t.months.iter().find(|(q, _)| q == p) {
                    number(ws, r, 1 + j as u16, v, &money)?;
                }
            }
            r += 1;
        }
        ws.write_string_with_format(
            r,
            0,
            format!("{} {}", month_text(month), l.get("plan")),
            &f.bold,
        )?;
        for (j, t) in totals.iter().enumerate() {
            let money = w.metric_format(&t.metric).set_bold();
            decimal(ws, r, 1 + j as u16, t.plan_total, &money)?;
        }
        let last = r;
        r += 1;
        if i < MAX_TEAM_CHARTS {
            let mut chart = Chart::new_column();
            let plan_point = months.len();
            for j in 0..totals.len() {
                let c = 1 + j as u16;
                let colour = Color::RGB(PALETTE[j % PALETTE.len()]);
                // The history solid, the plan (the last column) hatched in the same colour.
                let mut points = vec![ChartPoint::new(); plan_point];
                points.push(
                    ChartPoint::new().set_format(
                        ChartFormat::new()
                            .set_pattern_fill(
                                ChartPatternFill::new()
                                    .set_pattern(ChartPatternFillType::DiagonalStripesWideUpwards)
                                    .set_foreground_color(colour)
                                    .set_background_color(Color::White),
                            )
                            .set_border(rust_xlsxwriter::ChartLine::new().set_color(colour)),
                    ),
                );
                chart
                    .add_series()
                    .set_name((sheet, head, c))
                    .set_categories((sheet, first, 0, last, 0))
                    .set_values((sheet, first, c, last, c))
                    .set_format(ChartSolidFill::new().set_color(colour))
                    .set_points(&points);
            }
            chart.title().set_name(&format!(
                "{}: {}",
                short(w.team_name(team)),
                l.get("monthly totals and the plan")
            ));
            chart.y_axis().set_num_format("#,##0");
            chart.legend().set_position(ChartLegendPosition::Bottom);
            chart.set_width(560).set_height(320);
            ws.insert_chart(block, (width + 2).max(3), &chart)?;
        }
        r = r.max(block + 18);
    }
    ws.set_column_width(0, 22)?;
    for c in 1..=width.max(5) {
        ws.set_column_width(c, 19)?;
    }
    print_setup(ws)?;
    ws.set_repeat_rows(1, 1)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::cells::CELL_UNITS;

    /// A table stops at the sheet's last row, which says where the rest is; nothing is
    /// written past it (so a plan larger than a sheet never fails the workbook).
    #[test]
    fn a_table_stops_at_the_last_row_a_sheet_holds() {
        use calamine::{Data, Reader, Xlsx};
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let bold = Format::new().set_bold();
        let mut written = 0;
        for r in 0..100u32 {
            if cap(ws, r, 10, "the rest is in plan.json", &bold).unwrap() {
                break;
            }
            ws.write_number(r, 0, f64::from(r)).unwrap();
            written += 1;
        }
        assert_eq!(written, 9);
        assert!(!cap(ws, MAX_ROWS - 2, MAX_ROWS, "x", &bold).unwrap());
        let bytes = wb.save_to_buffer().unwrap();
        let mut x: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = x.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(range.height(), 10);
        assert_eq!(range.get((8, 0)), Some(&Data::Float(8.0)));
        assert_eq!(
            range.get((9, 0)),
            Some(&Data::String("the rest is in plan.json".into()))
        );
    }

    #[test]
    fn a_chart_title_is_short() {
        assert_eq!(short("Almaty"), "Almaty");
        let t = short(&"x".repeat(300));
        assert_eq!(t.chars().count(), 60);
        assert!(t.ends_with('…'));
    }

    #[test]
    fn text_is_cut_to_what_a_cell_holds() {
        assert_eq!(cut("short"), "short");
        let long = "я".repeat(40_000);
        let c = cut(&long);
        assert_eq!(c.encode_utf16().count(), CELL_UNITS);
        assert!(c.ends_with('…'));
    }
}
