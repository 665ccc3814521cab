//! `team.xlsx`: the head of sales' view (docs/team.md) as sheets, for those who work in Excel.
//!
//! A renderer only: every figure, flag, bottleneck, ranking and forecast comes decided from
//! [`crate::analysis::team::View`], and every flag's sentence from [`super::team::flag_text`],
//! so the workbook says what team.json and team.html say. Sheets:
//! - **Team**: the months and working days, the figures whose table the export lacks (said as
//!   not in the export; their activity columns stay empty, never zero), the plan attainment per
//!   plan metric, the payout so far (and projected, mid-month), the pipeline, the top 5 by
//!   attainment (no bottom list), and
//!   per team its funnel (counts, rates beside the practice's range, the bottleneck, the one to
//!   learn from) with a chart of the team's transition rates;
//! - **Flags**: one row per flag (code, employee, subject, period, the sentence and the numbers
//!   behind it, one column per number), and a row for each person with none; an autofilter;
//! - **Forecast** (with `--as-of` only): per person and paid KPI, the projection to the period
//!   end and what is still needed, then each person's bonus so far and projected and the
//!   pipeline's coverage of the revenue plan still open;
//! - **Trends**: per person and month (the history, then the period), each paid KPI's
//!   attainment and amount, the bonus and the average deal, under a chart of each team's
//!   average won deal per month;
//! - **Funnel**: per person and month, the stage counts and rates;
//! - **Losses**: lost deals of the period per reason and their share, per team and per person;
//! - **Activity** and **Activity by week**: per person and day (week) of the period.
//!
//! Numbers are number cells with formats (money with the currency's code, shares as
//! percentages, dates as dates). Where a figure is a ratio of cells shown beside it (a plan's
//! attainment, a reason's share), it is a live formula over those cells carrying the model's
//! value as its cached result, as payouts.xlsx does.
//!
//! Bounded and deterministic: a sheet holds at most a spreadsheet's 1,048,576 rows (past that a
//! last row says the rest is in team.json), a text cell at most its 32,767 characters (cut with
//! `…`), and the document date is the period's end, so the same view gives the same bytes.

use super::cells::{cut, put};
use super::labels::{Labels, Lang};
use super::team::{flag_text, subject_words};
use super::units::Fmt;
use super::workbook::{Formats, formats, formula, header, money_format, print_setup, result_text};
use super::{cell_exact as exact_f64, cell_number as dec_f64};
use crate::analysis::team::{Activity, Flag, FlagCode, Funnel, Num, Person, Transition, View};
use crate::error::{Error, Result};
use crate::num::Exact;
use crate::results::Evaluation;
use crate::scheme::unit::Unit;
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    Chart, ChartLegendPosition, DocProperties, ExcelDateTime, Format, Worksheet, XlsxError,
    row_col_to_cell,
};
use std::collections::{BTreeMap, BTreeSet};

type XResult<T> = std::result::Result<T, XlsxError>;

/// The rows a sheet holds (a spreadsheet's limit).
pub const MAX_ROWS: u32 = 1_048_576;

/// Teams whose funnel gets a chart (the first, by name), and teams on the trends' chart (the
/// largest): a roster with a team per person still gives a workbook a spreadsheet opens.
pub const MAX_TEAM_CHARTS: usize = 50;
pub const TREND_TEAMS: usize = 12;

/// The workbook's bytes.
pub fn team_xlsx(view: &View, ev: &Evaluation, lang: Lang) -> Result<Vec<u8>> {
    build(view, ev, lang, MAX_ROWS)
        .map_err(|e| Error::other(format!("cannot write team.xlsx: {e}")))
}

/// What every sheet needs.
struct W<'a> {
    view: &'a View,
    ev: &'a Evaluation,
    l: Labels,
    f: Formats,
    date: Format,
    weekday: Format,
    /// How many times over: `2.35×`.
    times: Format,
    /// Rows a sheet may hold.
    max_rows: u32,
    /// The people by employee_id (a flag, a top entry and the one to learn from name one).
    by_id: BTreeMap<&'a str, &'a Person>,
}

fn build(view: &View, ev: &Evaluation, lang: Lang, max_rows: u32) -> XResult<Vec<u8>> {
    let w = W {
        view,
        ev,
        l: Labels::new(lang),
        f: formats(),
        date: Format::new().set_num_format("yyyy-mm-dd"),
        weekday: Format::new().set_num_format("ddd"),
        times: Format::new().set_num_format("0.00\"×\""),
        max_rows: max_rows.clamp(8, MAX_ROWS),
        by_id: view
            .people
            .iter()
            .map(|p| (p.employee_id.as_str(), p))
            .collect(),
    };
    let l = &w.l;
    let mut wb = super::cells::workbook();
    let end = view.period.end();
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("{} {}", l.get("team view"), view.period))
            .set_creation_datetime(&excel_date(end)?),
    );
    let team_sheet = l.get("Team");
    team(wb.add_worksheet().set_name(team_sheet)?, team_sheet, &w)?;
    flags(wb.add_worksheet().set_name(l.get("Flags"))?, &w)?;
    if view.as_of.is_some() {
        forecast(wb.add_worksheet().set_name(l.get("Forecast"))?, &w)?;
    }
    let trends_sheet = l.get("Trends");
    trends(wb.add_worksheet().set_name(trends_sheet)?, trends_sheet, &w)?;
    funnel(wb.add_worksheet().set_name(l.get("Funnel"))?, &w)?;
    losses(wb.add_worksheet().set_name(l.get("Losses"))?, &w)?;
    activity(wb.add_worksheet().set_name(l.get("Activity"))?, &w, false)?;
    activity(
        wb.add_worksheet().set_name(l.get("Activity by week"))?,
        &w,
        true,
    )?;
    wb.save_to_buffer()
}

// ---------------------------------------------------------------------------------------------
// Cells.

fn excel_date(d: NaiveDate) -> XResult<ExcelDateTime> {
    ExcelDateTime::from_ymd(
        d.year().clamp(1900, 9999) as u16,
        d.month() as u8,
        d.day() as u8,
    )
}

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

fn count(ws: &mut Worksheet, r: u32, c: u16, n: u64, w: &W) -> XResult<()> {
    ws.write_number_with_format(r, c, n as f64, &w.f.integer)?;
    Ok(())
}

fn date(ws: &mut Worksheet, r: u32, c: u16, d: NaiveDate, fmt: &Format) -> XResult<()> {
    ws.write_datetime_with_format(r, c, excel_date(d)?, fmt)?;
    Ok(())
}

/// Whether row `r` is past what the sheet may hold: the row then says where the rest is, and
/// the table stops.
fn full(ws: &mut Worksheet, r: u32, w: &W) -> XResult<bool> {
    cap(
        ws,
        r,
        w.max_rows,
        w.l.get("more rows than a sheet holds: every row is in team.json"),
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

impl<'a> W<'a> {
    fn currency(&self, p: &Person) -> &str {
        &self.ev.schemes[p.scheme].currency
    }

    fn money(&self, p: &Person) -> Format {
        money_format(self.currency(p))
    }

    /// The money format of the whole team: its currency's when everyone is paid in one.
    fn team_money(&self) -> Format {
        let set: BTreeSet<&str> = self.view.people.iter().map(|p| self.currency(p)).collect();
        match set.len() {
            1 => money_format(set.iter().next().copied().unwrap_or_default()),
            _ => self.f.money_plain.clone(),
        }
    }

    /// A value in its unit: money in the currency, ratios as percentages, whole numbers bare.
    fn unit_format(&self, unit: Unit, q: &Exact, money: &Format) -> Format {
        match unit {
            Unit::Money => money.clone(),
            Unit::Ratio => self.f.percent.clone(),
            _ => self.plain(q),
        }
    }

    fn plain(&self, q: &Exact) -> Format {
        if q.is_integer() {
            self.f.integer.clone()
        } else {
            self.f.number.clone()
        }
    }

    fn team_name<'b>(&self, team: &'b str) -> &'b str {
        if team.is_empty() {
            self.l.get("(no team)")
        } else {
            team
        }
    }

    fn person(&self, employee_id: &str) -> Option<&'a Person> {
        self.by_id.get(employee_id).copied()
    }

    fn name_of(&self, employee_id: &str) -> &'a str {
        self.person(employee_id).map_or("", |p| p.name.as_str())
    }

    fn months(&self) -> Vec<crate::period::Period> {
        let mut m = self.view.history.clone();
        m.push(self.view.period);
        m
    }

    /// The people in employee_id order (the order of the flags).
    fn people(&self) -> Vec<&Person> {
        let mut p: Vec<&Person> = self.view.people.iter().collect();
        p.sort_by(|a, b| a.employee_id.cmp(&b.employee_id));
        p
    }
}

/// The person's columns: employee_id, name, team.
fn who(ws: &mut Worksheet, r: u32, p: &Person, w: &W) -> XResult<()> {
    put(ws, r, 0, &p.employee_id)?;
    put(ws, r, 1, &p.name)?;
    put(ws, r, 2, w.team_name(&p.team))
}

/// The six stage counts of a funnel, from [`Funnel::counts`].
const STAGES: [&str; 6] = [
    "deals closed",
    "reached qualified",
    "reached negotiation",
    "reached proposal",
    "won after a proposal",
    "won",
];

fn transition_words(t: Transition, w: &W) -> String {
    subject_words(t.name(), w.l.lang)
}

// ---------------------------------------------------------------------------------------------
// Team.

fn team(ws: &mut Worksheet, sheet: &str, w: &W) -> XResult<()> {
    let (view, l, f) = (w.view, &w.l, &w.f);
    let mut title = format!("{} {}", l.get("team view"), view.period);
    if let Some(d) = view.as_of {
        title.push_str(&format!(", {} {d}", l.get("as of")));
    }
    put_bold(ws, 0, 0, &title, w)?;
    put(ws, 1, 0, l.get("period"))?;
    put(ws, 1, 1, &view.period.to_string())?;
    put(ws, 2, 0, l.get("as of"))?;
    match view.as_of {
        Some(d) => date(ws, 2, 1, d, &w.date)?,
        None => put(ws, 2, 1, l.get("the period end"))?,
    }
    put(ws, 3, 0, l.get("history"))?;
    let history = match (view.history.first(), view.history.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}…{b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    };
    put(ws, 3, 1, &history)?;
    let wd = view.working_days;
    for (r, key, n) in [
        (4, "working days in the period", wd.period),
        (5, "working days elapsed", wd.elapsed),
        (6, "working days remaining", wd.remaining),
    ] {
        put(ws, r, 0, l.get(key))?;
        ws.write_number_with_format(r, 1, n as f64, &f.integer)?;
    }
    let money = w.team_money();
    let mut r = 7u32;
    // The figures whose table the export lacks: shown as such, never as zero.
    if !view.missing.is_empty() {
        put(ws, r, 0, l.get("not in the export"))?;
        let words: Vec<String> = view
            .missing
            .iter()
            .map(|m| subject_words(m, l.lang))
            .collect();
        put(ws, r, 1, &words.join(", "))?;
        r += 1;
    }

    // Plan attainment per plan metric: Σ actual ÷ Σ target, the ratio live over the two cells.
    r += 1;
    put_bold(ws, r, 0, l.get("plan attainment"), w)?;
    r += 1;
    header(
        ws,
        f,
        r,
        &l.all(&["metric", "actual", "target", "attainment"]),
    )?;
    r += 1;
    for plan in &view.totals.plans {
        let unit = plan_unit(w, &plan.metric);
        put(ws, r, 0, &plan.metric)?;
        number(
            ws,
            r,
            1,
            &plan.actual,
            &w.unit_format(unit, &plan.actual, &money),
        )?;
        number(
            ws,
            r,
            2,
            &plan.target,
            &w.unit_format(unit, &plan.target, &money),
        )?;
        if let Some(a) = plan.attainment() {
            formula(
                ws,
                r,
                3,
                format!("{}/{}", row_col_to_cell(r, 1), row_col_to_cell(r, 2)),
                result_text(exact_f64(&a)),
                &f.percent,
            )?;
        }
        r += 1;
    }
    if view.totals.plans.is_empty() {
        put(ws, r, 0, l.get("no KPI with a plan target"))?;
        r += 1;
    }

    r += 1;
    put_bold(ws, r, 0, l.get("payout cost"), w)?;
    r += 1;
    header(
        ws,
        f,
        r,
        &l.all(&["currency", "payout so far", "projected payout"]),
    )?;
    r += 1;
    for (currency, (now, projected)) in &view.totals.payout {
        let m = money_format(currency);
        put(ws, r, 0, currency)?;
        ws.write_number_with_format(r, 1, dec_f64(*now), &m)?;
        if let Some(p) = projected {
            ws.write_number_with_format(r, 2, dec_f64(*p), &m)?;
        }
        r += 1;
    }

    r += 1;
    put_bold(ws, r, 0, l.get("pipeline"), w)?;
    number(ws, r, 1, &view.totals.pipeline, &money)?;
    r += 2;

    put_bold(ws, r, 0, l.get("top 5 by attainment"), w)?;
    r += 1;
    header(
        ws,
        f,
        r,
        &l.all(&["place", "employee_id", "name", "team", "overall attainment"]),
    )?;
    r += 1;
    for (i, (id, a)) in view.totals.top.iter().enumerate() {
        count(ws, r, 0, i as u64 + 1, w)?;
        put(ws, r, 1, id)?;
        put(ws, r, 2, w.name_of(id))?;
        if let Some(p) = w.person(id) {
            put(ws, r, 3, w.team_name(&p.team))?;
        }
        number(ws, r, 4, a, &f.percent)?;
        r += 1;
    }

    // Per team: the funnel, its bottleneck and the one to learn from, and a chart of the rates.
    for (i, t) in view.teams.iter().enumerate() {
        r += 1;
        if full(ws, r + 18, w)? {
            break;
        }
        let block = r;
        put_bold(
            ws,
            r,
            0,
            &format!(
                "{} {}: {} {}",
                l.get("team"),
                w.team_name(&t.team),
                t.members.len(),
                l.get("people")
            ),
            w,
        )?;
        r += 1;
        header(ws, f, r, &l.all(&["stage", "deals"]))?;
        r += 1;
        for (stage, n) in STAGES.iter().zip(t.funnel.counts) {
            put(ws, r, 0, l.get(stage))?;
            count(ws, r, 1, n, w)?;
            r += 1;
        }
        header(
            ws,
            f,
            r,
            &l.all(&[
                "transition",
                "deals reached",
                "of deals",
                "rate",
                "range from",
                "range to",
                "bottleneck",
            ]),
        )?;
        r += 1;
        let first = r;
        transitions(ws, r, &t.funnel, t.bottleneck, w)?;
        r += Transition::ALL.len() as u32;
        let last = r - 1;
        put(ws, r, 0, l.get("bottleneck"))?;
        match t.bottleneck {
            Some(b) => put(ws, r, 1, &transition_words(b, w))?,
            None => put(ws, r, 1, l.get("no data"))?,
        }
        r += 1;
        put(ws, r, 0, l.get("the one to learn from"))?;
        match (&t.learn_from, t.bottleneck) {
            (Some(id), Some(b)) => {
                put(ws, r, 1, &format!("{id} {}", w.name_of(id)))?;
                if let Some(p) = w.person(id) {
                    opt_number(ws, r, 3, p.now().funnel.rate(b).as_ref(), &f.percent)?;
                }
            }
            _ => put(ws, r, 1, l.get("nobody with enough deals"))?,
        }
        r += 1;
        let mut chart = Chart::new_column();
        for (col, name) in [(3u16, "rate"), (4, "range from"), (5, "range to")] {
            chart
                .add_series()
                .set_name(l.get(name))
                .set_categories((sheet, first, 0, last, 0))
                .set_values((sheet, first, col, last, col));
        }
        chart.title().set_name(&format!(
            "{}: {}",
            short(w.team_name(&t.team)),
            l.get("transition rates")
        ));
        chart.y_axis().set_num_format("0%").set_min(0).set_max(1);
        chart.legend().set_position(ChartLegendPosition::Bottom);
        chart.set_width(560).set_height(340);
        if i < MAX_TEAM_CHARTS {
            ws.insert_chart(block, 8, &chart)?;
        }
    }
    for (c, wd) in [
        (0, 30),
        (1, 18),
        (2, 18),
        (3, 12),
        (4, 12),
        (5, 12),
        (6, 14),
    ] {
        ws.set_column_width(c, wd)?;
    }
    print_setup(ws)
}

/// The five transition rows of a funnel: name, numerator, denominator, rate (none: empty),
/// the practice's range, and the bottleneck marked.
fn transitions(
    ws: &mut Worksheet,
    r: u32,
    funnel: &Funnel,
    bottleneck: Option<Transition>,
    w: &W,
) -> XResult<()> {
    for (i, t) in Transition::ALL.iter().enumerate() {
        let r = r + i as u32;
        let (n, d) = funnel.of(*t);
        put(ws, r, 0, &transition_words(*t, w))?;
        count(ws, r, 1, n, w)?;
        count(ws, r, 2, d, w)?;
        match funnel.rate(*t) {
            Some(q) => number(ws, r, 3, &q, &w.f.percent)?,
            None => put(ws, r, 3, w.l.get("no data"))?,
        }
        let (lo, hi) = t.range();
        ws.write_number_with_format(r, 4, f64::from(lo) / 100.0, &w.f.weight)?;
        ws.write_number_with_format(r, 5, f64::from(hi) / 100.0, &w.f.weight)?;
        if bottleneck == Some(*t) {
            ws.write_string_with_format(r, 6, w.l.get("bottleneck"), &w.f.bold)?;
        }
    }
    Ok(())
}

/// The unit of a plan metric: that of the KPIs measured against it.
fn plan_unit(w: &W, metric: &str) -> Unit {
    for p in &w.view.people {
        let scheme = &w.ev.schemes[p.scheme];
        for (kpi, km) in scheme.kpis.iter().zip(&p.now().kpis) {
            if matches!(&kpi.target, crate::scheme::Target::Plan(m) if m == metric) {
                return km.unit;
            }
        }
    }
    Unit::Number
}

// ---------------------------------------------------------------------------------------------
// Flags.

/// A flag number's column heading.
fn number_label(key: &str) -> &'static str {
    match key {
        "value" => "value",
        "history_average" => "history average",
        "drop" => "drop",
        "rate" => "rate",
        "deals" => "deals",
        "history_rate" => "history rate",
        "history_deals" => "history deals",
        "calls_outgoing" => "outgoing calls",
        "short_share" => "share of short calls",
        "long_share" => "share of calls of 2+ minutes",
        "attainment" => "attainment",
        "line" => "line",
        "threshold" => "threshold",
        "needed" => "still needed",
        "per_day" => "per working day",
        "lost" => "lost deals",
        "team_lost" => "the team's lost deals",
        "share" => "share",
        "month" => "month",
        "average_deal" => "average deal",
        _ => "",
    }
}

/// The number columns: each (key, occurrence within a flag) in order of first appearance, so a
/// flag with several months (`average_deal_falling`) gets a column per month.
fn number_columns(flags: &[Flag]) -> Vec<(&'static str, usize)> {
    let mut cols: Vec<(&'static str, usize)> = Vec::new();
    for fl in flags {
        let mut seen: Vec<&'static str> = Vec::new();
        for (k, _) in &fl.numbers {
            let n = seen.iter().filter(|s| *s == k).count() + 1;
            seen.push(k);
            if !cols.contains(&(k, n)) {
                cols.push((k, n));
            }
        }
    }
    cols
}

fn flags(ws: &mut Worksheet, w: &W) -> XResult<()> {
    let (view, l, f) = (w.view, &w.l, &w.f);
    let cols = number_columns(&view.flags);
    let mut names = l.all(&[
        "employee_id",
        "name",
        "team",
        "code",
        "subject",
        "period",
        "what it saw",
    ]);
    let first_number = names.len() as u16;
    for (k, n) in &cols {
        let label = match number_label(k) {
            "" => k.to_string(),
            key => l.get(key).to_string(),
        };
        names.push(if *n > 1 {
            format!("{label} ({n})")
        } else {
            label
        });
    }
    header(ws, f, 0, &names)?;
    // The flags in their order (employee_id, then the order of the codes; the teams' last),
    // with a row for each person who has none, in its place.
    enum Row<'a> {
        Flag(&'a Flag),
        Nothing(&'a Person),
    }
    let mut rows: Vec<(bool, &str, Row)> = view
        .flags
        .iter()
        .map(|fl| {
            (
                fl.employee_id.is_empty(),
                fl.employee_id.as_str(),
                Row::Flag(fl),
            )
        })
        .collect();
    let flagged: BTreeSet<&str> = view.flags.iter().map(|f| f.employee_id.as_str()).collect();
    for p in &view.people {
        if !flagged.contains(p.employee_id.as_str()) {
            rows.push((false, p.employee_id.as_str(), Row::Nothing(p)));
        }
    }
    rows.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut r = 1u32;
    for (_, _, row) in &rows {
        if full(ws, r, w)? {
            break;
        }
        match row {
            Row::Nothing(p) => {
                who(ws, r, p, w)?;
                put(ws, r, 5, &view.period.to_string())?;
                put(ws, r, 6, l.get("nothing to discuss"))?;
            }
            Row::Flag(fl) => {
                let person = w.person(&fl.employee_id);
                let currency = person.map_or("", |p| w.currency(p));
                let money = money_format(currency);
                put(ws, r, 0, &fl.employee_id)?;
                put(ws, r, 1, person.map_or("", |p| p.name.as_str()))?;
                put(ws, r, 2, w.team_name(&fl.team))?;
                put(ws, r, 3, fl.code.code())?;
                put(ws, r, 4, &fl.subject)?;
                put(ws, r, 5, &fl.period.to_string())?;
                put(
                    ws,
                    r,
                    6,
                    &flag_text(view, w.ev, fl, &Fmt::new(l.lang, currency)),
                )?;
                // The KPI's unit for what is still needed (off_track).
                let kpi_unit = person
                    .and_then(|p| p.now().kpis.iter().find(|k| k.id == fl.subject))
                    .map_or(Unit::Number, |k| k.unit);
                let mut seen: Vec<&'static str> = Vec::new();
                for (k, v) in &fl.numbers {
                    let n = seen.iter().filter(|s| *s == k).count() + 1;
                    seen.push(k);
                    let Some(i) = cols.iter().position(|c| *c == (*k, n)) else {
                        continue;
                    };
                    let c = first_number + i as u16;
                    match v {
                        Num::Count(x) => count(ws, r, c, *x, w)?,
                        Num::Ratio(q) => number(ws, r, c, q, &f.percent)?,
                        Num::Money(q) => number(ws, r, c, q, &money)?,
                        Num::Number(q) => {
                            let unit = if fl.code == FlagCode::OffTrack {
                                kpi_unit
                            } else {
                                Unit::Number
                            };
                            number(ws, r, c, q, &w.unit_format(unit, q, &money))?
                        }
                        Num::Month(p) => put(ws, r, c, &p.to_string())?,
                        Num::Text(t) => put(ws, r, c, t)?,
                    }
                }
            }
        }
        r += 1;
    }
    let last_col = (names.len() as u16).saturating_sub(1);
    ws.autofilter(0, 0, r.saturating_sub(1).max(1), last_col)?;
    ws.set_freeze_panes(1, 2)?;
    for (c, wd) in [(0, 12), (1, 22), (2, 14), (3, 20), (4, 22), (5, 9), (6, 80)] {
        ws.set_column_width(c, wd)?;
    }
    for c in first_number..=last_col.max(first_number) {
        ws.set_column_width(c, 13)?;
    }
    print_setup(ws)
}

// ---------------------------------------------------------------------------------------------
// Forecast.

fn forecast(ws: &mut Worksheet, w: &W) -> XResult<()> {
    let (view, l, f) = (w.view, &w.l, &w.f);
    let wd = view.working_days;
    put_bold(
        ws,
        0,
        0,
        &format!(
            "{}, {} {}: {} {} / {}, {} {}",
            l.get("forecast to the period end"),
            l.get("as of"),
            view.as_of.map(|d| d.to_string()).unwrap_or_default(),
            l.get("working days elapsed"),
            wd.elapsed,
            wd.period,
            l.get("working days remaining"),
            wd.remaining,
        ),
        w,
    )?;
    let names = l.all(&[
        "employee_id",
        "name",
        "team",
        "KPI",
        "KPI name",
        "projected by run-rate",
        "actual",
        "target",
        "projected",
        "projected attainment",
        "projected band",
        "projected amount",
        "threshold",
        "still needed for the threshold",
        "per working day",
        "still needed for the target",
        "per working day",
    ]);
    header(ws, f, 1, &names)?;
    let mut r = 2u32;
    let people = w.people();
    'people: for p in &people {
        let scheme = &w.ev.schemes[p.scheme];
        let money = w.money(p);
        for fc in &p.forecast {
            if full(ws, r, w)? {
                break 'people;
            }
            who(ws, r, p, w)?;
            put(ws, r, 3, &fc.kpi)?;
            put(ws, r, 4, &fc.name)?;
            put(ws, r, 5, l.get(if fc.additive { "yes" } else { "no" }))?;
            let unit_of = |q: &Exact| w.unit_format(fc.unit, q, &money);
            for (c, q) in [(6, &fc.actual), (7, &fc.target), (8, &fc.projected)] {
                if let Some(q) = q {
                    number(ws, r, c, q, &unit_of(q))?;
                }
            }
            opt_number(ws, r, 9, fc.attainment.as_ref(), &f.percent)?;
            if let (Some(b), Some(kpi)) = (fc.band, scheme.kpis.iter().find(|k| k.id == fc.kpi)) {
                put(
                    ws,
                    r,
                    10,
                    &b.words(crate::scoring::Lines::of(scheme, kpi), l),
                )?;
            }
            ws.write_number_with_format(r, 11, dec_f64(fc.amount), &money)?;
            ws.write_number_with_format(r, 12, dec_f64(fc.threshold), &f.percent)?;
            for (c, need) in [(13u16, &fc.needed_threshold), (15, &fc.needed_target)] {
                if let Some((total, per_day)) = need {
                    number(ws, r, c, total, &unit_of(total))?;
                    if let Some(d) = per_day {
                        number(ws, r, c + 1, d, &unit_of(d))?;
                    }
                }
            }
            r += 1;
        }
    }
    let table_end = r.saturating_sub(1).max(2);
    ws.autofilter(1, 0, table_end, (names.len() - 1) as u16)?;
    // Each person's bonus: so far, and as the scheme would pay the projection.
    r += 1;
    if !full(ws, r + 2, w)? {
        put_bold(ws, r, 0, l.get("bonus per person"), w)?;
        r += 1;
        header(
            ws,
            f,
            r,
            &l.all(&[
                "employee_id",
                "name",
                "team",
                "currency",
                "bonus so far",
                "projected bonus",
                "pipeline coverage of the remaining revenue plan",
            ]),
        )?;
        r += 1;
        for p in &people {
            if full(ws, r, w)? {
                break;
            }
            let money = w.money(p);
            who(ws, r, p, w)?;
            put(ws, r, 3, w.currency(p))?;
            ws.write_number_with_format(r, 4, dec_f64(p.now().bonus), &money)?;
            if let Some(b) = p.projected_bonus {
                ws.write_number_with_format(r, 5, dec_f64(b), &money)?;
            }
            opt_number(ws, r, 6, p.pipeline_coverage.as_ref(), &w.times)?;
            r += 1;
        }
    }
    ws.set_freeze_panes(2, 2)?;
    for (c, wd) in [(0, 12), (1, 22), (2, 14), (3, 16), (4, 24)] {
        ws.set_column_width(c, wd)?;
    }
    for c in 5..names.len() as u16 {
        ws.set_column_width(c, 15)?;
    }
    print_setup(ws)?;
    ws.set_repeat_rows(1, 1)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Trends.

fn trends(ws: &mut Worksheet, sheet: &str, w: &W) -> XResult<()> {
    let (view, l, f) = (w.view, &w.l, &w.f);
    let months = w.months();
    let money = w.team_money();
    // Above the table: each team's average won deal per month, and its chart.
    // The largest teams (most members, then by name), so the chart stays readable.
    let mut teams: Vec<&crate::analysis::team::TeamBlock> = view.teams.iter().collect();
    teams.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.team.cmp(&b.team))
    });
    teams.truncate(TREND_TEAMS);
    let mut title = l.get("average won deal per team and month").to_string();
    if teams.len() < view.teams.len() {
        title.push_str(&format!(
            " ({})",
            l.get("the {n} largest teams of {total}")
                .replace("{n}", &teams.len().to_string())
                .replace("{total}", &view.teams.len().to_string())
        ));
    }
    put_bold(ws, 0, 0, &title, w)?;
    let mut names = vec![l.get("month").to_string()];
    names.extend(teams.iter().map(|t| w.team_name(&t.team).to_string()));
    header(ws, f, 1, &names)?;
    for (i, m) in months.iter().enumerate() {
        let r = 2 + i as u32;
        put(ws, r, 0, &m.to_string())?;
        for (j, t) in teams.iter().enumerate() {
            opt_number(
                ws,
                r,
                1 + j as u16,
                view.team_average_deal(t, *m).as_ref(),
                &money,
            )?;
        }
    }
    let (first, last) = (2u32, 1 + months.len() as u32);
    let mut chart = Chart::new_line();
    for j in 0..teams.len() {
        let c = 1 + j as u16;
        chart
            .add_series()
            .set_name((sheet, 1, c))
            .set_categories((sheet, first, 0, last, 0))
            .set_values((sheet, first, c, last, c));
    }
    chart.title().set_name(&short(&title));
    chart.y_axis().set_num_format("#,##0");
    chart.legend().set_position(ChartLegendPosition::Bottom);
    chart.set_width(620).set_height(300);
    let chart_col = (names.len() as u16 + 1).max(6);
    ws.insert_chart(0, chart_col, &chart)?;

    // Per person and month.
    let top = (last + 2).max(17);
    let mut kpis: Vec<String> = Vec::new();
    for p in &view.people {
        for m in &p.months {
            for k in m.kpis.iter().filter(|k| k.paid) {
                if !kpis.contains(&k.id) {
                    kpis.push(k.id.clone());
                }
            }
        }
    }
    let mut names = l.all(&[
        "employee_id",
        "name",
        "team",
        "month",
        "employed all month",
        "bonus",
        "overall attainment",
        "average deal",
        "deals won",
        "revenue",
    ]);
    let first_kpi = names.len() as u16;
    // Two columns a KPI, within a sheet's 16,384 columns.
    kpis.truncate((16_384 - usize::from(first_kpi)) / 2);
    for id in &kpis {
        names.push(format!("{id}: {}", l.get("attainment")));
        names.push(format!("{id}: {}", l.get("amount")));
    }
    header(ws, f, top, &names)?;
    let mut r = top + 1;
    'people: for p in w.people() {
        let scheme = &w.ev.schemes[p.scheme];
        let money = w.money(p);
        for m in &p.months {
            if full(ws, r, w)? {
                break 'people;
            }
            who(ws, r, p, w)?;
            put(ws, r, 3, &m.period.to_string())?;
            put(ws, r, 4, l.get(if m.full_month { "yes" } else { "no" }))?;
            ws.write_number_with_format(r, 5, dec_f64(m.bonus), &money)?;
            opt_number(ws, r, 6, m.overall_attainment(scheme).as_ref(), &f.percent)?;
            opt_number(ws, r, 7, m.figure("average_deal"), &money)?;
            opt_number(ws, r, 8, m.figure("deals_won"), &f.integer)?;
            opt_number(ws, r, 9, m.figure("revenue"), &money)?;
            for k in m.kpis.iter().filter(|k| k.paid) {
                let Some(i) = kpis.iter().position(|id| *id == k.id) else {
                    continue;
                };
                let c = first_kpi + 2 * i as u16;
                opt_number(ws, r, c, k.attainment.as_ref(), &f.percent)?;
                ws.write_number_with_format(r, c + 1, dec_f64(k.amount), &money)?;
            }
            r += 1;
        }
    }
    ws.autofilter(
        top,
        0,
        r.saturating_sub(1).max(top + 1),
        (names.len() - 1) as u16,
    )?;
    for (c, wd) in [(0, 12), (1, 22), (2, 14), (3, 9)] {
        ws.set_column_width(c, wd)?;
    }
    for c in 4..names.len() as u16 {
        ws.set_column_width(c, 14)?;
    }
    print_setup(ws)?;
    ws.set_repeat_rows(top, top)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Funnel.

fn funnel(ws: &mut Worksheet, w: &W) -> XResult<()> {
    let (l, f) = (&w.l, &w.f);
    let mut names = l.all(&["employee_id", "name", "team", "month"]);
    names.extend(l.all(&STAGES));
    let first_rate = names.len() as u16;
    names.extend(Transition::ALL.iter().map(|t| transition_words(*t, w)));
    names.push(l.get("bottleneck").to_string());
    header(ws, f, 0, &names)?;
    let mut r = 1u32;
    'people: for p in w.people() {
        for m in &p.months {
            if full(ws, r, w)? {
                break 'people;
            }
            who(ws, r, p, w)?;
            put(ws, r, 3, &m.period.to_string())?;
            for (i, n) in m.funnel.counts.iter().enumerate() {
                count(ws, r, 4 + i as u16, *n, w)?;
            }
            for (i, t) in Transition::ALL.iter().enumerate() {
                opt_number(
                    ws,
                    r,
                    first_rate + i as u16,
                    m.funnel.rate(*t).as_ref(),
                    &f.percent,
                )?;
            }
            if let Some(b) = m.funnel.bottleneck() {
                put(ws, r, first_rate + 5, &transition_words(b, w))?;
            }
            r += 1;
        }
    }
    let last_col = (names.len() - 1) as u16;
    ws.autofilter(0, 0, r.saturating_sub(1).max(1), last_col)?;
    ws.set_freeze_panes(1, 2)?;
    for (c, wd) in [(0, 12), (1, 22), (2, 14), (3, 9)] {
        ws.set_column_width(c, wd)?;
    }
    for c in 4..=last_col {
        ws.set_column_width(c, 13)?;
    }
    print_setup(ws)
}

// ---------------------------------------------------------------------------------------------
// Losses.

/// Rows of lost deals per reason (most first, as the model orders them), a total row, and each
/// reason's share (the model's) as a live formula over the two cells; `first` columns before the reason are written by `lead`. Returns the next row,
/// or None when the sheet is full.
fn loss_rows(
    ws: &mut Worksheet,
    mut r: u32,
    losses: &std::collections::BTreeMap<String, u64>,
    first: u16,
    lead: &dyn Fn(&mut Worksheet, u32) -> XResult<()>,
    w: &W,
) -> XResult<Option<u32>> {
    let reasons = crate::analysis::team::loss_shares(losses);
    let total: u64 = losses.values().sum();
    let total_row = r + reasons.len() as u32;
    if full(ws, total_row, w)? {
        return Ok(None);
    }
    let (reason_col, lost_col, share_col) = (first, first + 1, first + 2);
    for (reason, n, share) in &reasons {
        lead(ws, r)?;
        put(ws, r, reason_col, reason)?;
        count(ws, r, lost_col, *n, w)?;
        formula(
            ws,
            r,
            share_col,
            format!(
                "{}/{}",
                row_col_to_cell(r, lost_col),
                row_col_to_cell(total_row, lost_col)
            ),
            result_text(exact_f64(share)),
            &w.f.percent,
        )?;
        r += 1;
    }
    lead(ws, r)?;
    ws.write_string_with_format(r, reason_col, w.l.get("all reasons"), &w.f.bold)?;
    if reasons.is_empty() {
        count(ws, r, lost_col, 0, w)?;
    } else {
        formula(
            ws,
            r,
            lost_col,
            format!(
                "SUM({}:{})",
                row_col_to_cell(total_row - reasons.len() as u32, lost_col),
                row_col_to_cell(total_row - 1, lost_col)
            ),
            total.to_string(),
            &w.f.integer,
        )?;
    }
    Ok(Some(r + 1))
}

fn losses(ws: &mut Worksheet, w: &W) -> XResult<()> {
    let (view, l, f) = (w.view, &w.l, &w.f);
    put_bold(
        ws,
        0,
        0,
        &format!("{} {}", l.get("lost deals per reason"), view.period),
        w,
    )?;
    header(ws, f, 1, &l.all(&["team", "reason", "lost deals", "share"]))?;
    let mut r = 2u32;
    for t in &view.teams {
        let name = w.team_name(&t.team);
        let lead = |ws: &mut Worksheet, r: u32| put(ws, r, 0, name);
        match loss_rows(ws, r, &t.losses, 1, &lead, w)? {
            Some(next) => r = next,
            None => return print_setup(ws),
        }
    }
    r += 1;
    header(
        ws,
        f,
        r,
        &l.all(&[
            "employee_id",
            "name",
            "team",
            "reason",
            "lost deals",
            "share",
        ]),
    )?;
    let per_person = r;
    r += 1;
    for p in w.people() {
        if p.now().losses.is_empty() {
            continue;
        }
        let lead = |ws: &mut Worksheet, r: u32| who(ws, r, p, w);
        match loss_rows(ws, r, &p.now().losses, 3, &lead, w)? {
            Some(next) => r = next,
            None => break,
        }
    }
    ws.autofilter(per_person, 0, r.saturating_sub(1).max(per_person + 1), 5)?;
    for (c, wd) in [(0, 16), (1, 22), (2, 14), (3, 22), (4, 12), (5, 10)] {
        ws.set_column_width(c, wd)?;
    }
    print_setup(ws)?;
    ws.set_repeat_rows(1, 1)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Activity.

fn activity(ws: &mut Worksheet, w: &W, weekly: bool) -> XResult<()> {
    let (l, f) = (&w.l, &w.f);
    // Per day, the date and its weekday; per week, the Monday it starts.
    let mut keys = vec!["employee_id", "name", "team"];
    keys.extend(if weekly {
        &["week from"][..]
    } else {
        &["date", "day"][..]
    });
    let first_count = keys.len() as u16;
    keys.extend([
        "outgoing calls",
        "calls of 2+ minutes",
        "emails sent",
        "meetings held",
    ]);
    let figures = [
        "calls_outgoing",
        "calls_2min",
        "emails_sent",
        "meetings_held",
    ];
    let missing: Vec<bool> = figures.iter().map(|f| w.view.missing.contains(f)).collect();
    let mut names = l.all(&keys);
    for (i, gone) in missing.iter().enumerate() {
        if *gone {
            let n = &mut names[usize::from(first_count) + i];
            *n = format!("{n} ({})", l.get("not in the export"));
        }
    }
    header(ws, f, 0, &names)?;
    let mut r = 1u32;
    'people: for p in w.people() {
        let rows: &[Activity] = if weekly { &p.weeks } else { &p.days };
        for a in rows {
            if full(ws, r, w)? {
                break 'people;
            }
            who(ws, r, p, w)?;
            date(ws, r, 3, a.from, &w.date)?;
            if !weekly {
                date(ws, r, 4, a.from, &w.weekday)?;
            }
            for (i, n) in [
                a.calls_outgoing,
                a.calls_2min,
                a.emails_sent,
                a.meetings_held,
            ]
            .iter()
            .enumerate()
            {
                if !missing[i] {
                    count(ws, r, first_count + i as u16, *n, w)?;
                }
            }
            r += 1;
        }
    }
    ws.autofilter(0, 0, r.saturating_sub(1).max(1), (names.len() - 1) as u16)?;
    ws.set_freeze_panes(1, 2)?;
    for (c, wd) in [(0, 12), (1, 22), (2, 14), (3, 11), (4, 6)] {
        ws.set_column_width(c, wd)?;
    }
    for c in first_count..names.len() as u16 {
        ws.set_column_width(c, 13)?;
    }
    print_setup(ws)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::cells::CELL_UNITS;

    /// A table stops at the sheet's last row, which says where the rest is; nothing is
    /// written past it (so a view larger than a sheet never fails the workbook).
    #[test]
    fn a_table_stops_at_the_last_row_a_sheet_holds() {
        use calamine::{Data, Reader, Xlsx};
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let bold = Format::new().set_bold();
        let mut written = 0;
        for r in 0..100u32 {
            if cap(ws, r, 10, "the rest is elsewhere", &bold).unwrap() {
                break;
            }
            ws.write_number(r, 0, f64::from(r)).unwrap();
            written += 1;
        }
        assert_eq!(written, 9);
        // At the real limit, the note goes on the sheet's very last row.
        assert!(!cap(ws, MAX_ROWS - 2, MAX_ROWS, "x", &bold).unwrap());
        let bytes = wb.save_to_buffer().unwrap();
        let mut x: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = x.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(range.height(), 10);
        assert_eq!(range.get((8, 0)), Some(&Data::Float(8.0)));
        assert_eq!(
            range.get((9, 0)),
            Some(&Data::String("the rest is elsewhere".into()))
        );
    }

    #[test]
    fn text_is_cut_to_what_a_cell_holds() {
        assert_eq!(cut("short"), "short");
        let long = "я".repeat(40_000);
        let c = cut(&long);
        assert_eq!(c.encode_utf16().count(), CELL_UNITS);
        assert!(c.ends_with('…'));
        // Characters outside the BMP count twice, and are never split.
        let emoji = "😀".repeat(20_000);
        let c = cut(&emoji);
        assert!(c.encode_utf16().count() <= CELL_UNITS);
        assert!(c.trim_end_matches('…').chars().all(|ch| ch == '😀'));
    }
}
