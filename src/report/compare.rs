//! `compare.xlsx`: HR's comparison of a candidate scheme with the schemes people are paid on.
//!
//! A renderer only: every figure, flag and ranking comes decided from
//! [`crate::analysis::compare`]. Sheets: Comparison (per employee and period), Totals (per
//! period, per team, the cost factor, the largest losses, two charts), Calibration (per
//! candidate KPI) and Flags. HR's own document: it names people, and is not sent to employees.

use super::Context;
use super::workbook::{
    Formats, formats, formula, header, money_format, print_setup, result_text, text,
};
use super::{cell_exact as exact_f64, cell_number as dec_f64};
use crate::analysis::compare::{Comparison, DELTA_BINS, Loss};
use crate::error::{Error, Result};
use crate::num::Exact;
use crate::results::Evaluation;
use crate::scheme::Target;
use rust_xlsxwriter::{
    Chart, ChartLegendPosition, DocProperties, ExcelDateTime, Format, Worksheet, XlsxError,
    row_col_to_cell,
};

type XResult<T> = std::result::Result<T, XlsxError>;

/// The workbook's bytes.
pub fn compare_xlsx(ev: &Evaluation, cmp: &Comparison, cx: &Context) -> Result<Vec<u8>> {
    build(ev, cmp, cx).map_err(|e| Error::other(format!("cannot write compare.xlsx: {e}")))
}

fn cell(r: u32, c: u16) -> String {
    row_col_to_cell(r, c)
}

fn pct(ws: &mut Worksheet, r: u32, c: u16, q: &Option<Exact>, f: &Formats) -> XResult<()> {
    if let Some(q) = q {
        ws.write_number_with_format(r, c, exact_f64(q), &f.percent)?;
    }
    Ok(())
}

fn build(ev: &Evaluation, cmp: &Comparison, cx: &Context) -> XResult<Vec<u8>> {
    let l = &cx.labels;
    let f = formats();
    let mut wb = super::cells::workbook();
    let last = cmp.periods.last().copied();
    if let Some(p) = last {
        let end = p.end();
        let date = ExcelDateTime::from_ymd(
            chrono::Datelike::year(&end) as u16,
            chrono::Datelike::month(&end) as u8,
            chrono::Datelike::day(&end) as u8,
        )?;
        wb.set_properties(
            &DocProperties::new()
                .set_title(format!(
                    "Scheme comparison {}",
                    ev.schemes[cmp.candidate].id
                ))
                .set_creation_datetime(&date),
        );
    }
    let names = (
        l.get("Comparison"),
        l.get("Totals"),
        l.get("Calibration"),
        l.get("Flags"),
    );
    comparison(wb.add_worksheet().set_name(names.0)?, ev, cmp, cx, &f)?;
    let totals_ws = wb.add_worksheet().set_name(names.1)?;
    totals(totals_ws, names.1, ev, cmp, cx, &f)?;
    calibration(wb.add_worksheet().set_name(names.2)?, ev, cmp, cx, &f)?;
    flags(wb.add_worksheet().set_name(names.3)?, ev, cmp, cx, &f)?;
    wb.save_to_buffer()
}

/// The title line: what is compared with what, over which periods.
fn title(ev: &Evaluation, cmp: &Comparison, cx: &Context) -> String {
    let periods = match (cmp.periods.first(), cmp.periods.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}..{b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    };
    let s = &ev.schemes[cmp.candidate];
    format!(
        "{}: {} ({}), {periods}",
        cx.labels
            .get("candidate scheme against the schemes people are paid on"),
        s.name,
        s.id
    )
}

fn comparison(
    ws: &mut Worksheet,
    ev: &Evaluation,
    cmp: &Comparison,
    cx: &Context,
    f: &Formats,
) -> XResult<()> {
    let l = &cx.labels;
    ws.write_string_with_format(0, 0, title(ev, cmp, cx), &f.bold)?;
    // KPI columns: the current schemes' KPIs in order of first appearance, then the candidate's.
    let mut current_ids: Vec<String> = Vec::new();
    for r in &cmp.rows {
        for (id, _) in &r.current_kpis {
            if !current_ids.contains(id) {
                current_ids.push(id.clone());
            }
        }
    }
    let candidate_ids: Vec<String> = ev.schemes[cmp.candidate]
        .kpis
        .iter()
        .map(|k| k.id.clone())
        .collect();
    let mut names: Vec<String> = l.all(&[
        "period",
        "employee_id",
        "name",
        "team",
        "scheme",
        "currency",
        "current",
        "candidate",
        "delta",
        "delta %",
        "flags",
    ]);
    let first_kpi = names.len() as u16;
    for id in &current_ids {
        names.push(format!("{}: {id}", l.get("current")));
    }
    for id in &candidate_ids {
        names.push(format!("{}: {id}", l.get("candidate")));
    }
    header(ws, f, 1, &names)?;
    let mut r = 2u32;
    for row in &cmp.rows {
        let e = &ev.roster[row.employee];
        let money = money_format(&row.currency);
        text(ws, r, 0, &row.period.to_string())?;
        text(ws, r, 1, &e.id)?;
        text(ws, r, 2, &e.name)?;
        text(ws, r, 3, &e.team)?;
        text(ws, r, 4, &ev.schemes[row.current_scheme].id)?;
        text(ws, r, 5, &row.currency)?;
        ws.write_number_with_format(r, 6, dec_f64(row.current), &money)?;
        ws.write_number_with_format(r, 7, dec_f64(row.candidate), &money)?;
        formula(
            ws,
            r,
            8,
            format!("{}-{}", cell(r, 7), cell(r, 6)),
            result_text(dec_f64(row.delta)),
            &money,
        )?;
        if let Some(d) = &row.delta_share {
            formula(
                ws,
                r,
                9,
                format!("{}/{}", cell(r, 8), cell(r, 6)),
                result_text(exact_f64(d)),
                &f.percent,
            )?;
        }
        if row.big_fall {
            text(ws, r, 10, l.get("pay falls by more than 20%"))?;
        }
        for (id, att) in &row.current_kpis {
            let c = first_kpi + current_ids.iter().position(|x| x == id).unwrap_or(0) as u16;
            pct(ws, r, c, att, f)?;
        }
        for (k, (_, att)) in row.candidate_kpis.iter().enumerate() {
            pct(ws, r, first_kpi + (current_ids.len() + k) as u16, att, f)?;
        }
        r += 1;
    }
    ws.set_freeze_panes(2, 3)?;
    let last_col = (names.len() as u16).saturating_sub(1);
    ws.autofilter(1, 0, r.saturating_sub(1).max(2), last_col)?;
    for (c, w) in [(0, 9), (1, 12), (2, 24), (3, 14), (4, 18), (5, 8), (10, 22)] {
        ws.set_column_width(c, w)?;
    }
    for c in 6..10 {
        ws.set_column_width(c, 14)?;
    }
    print_setup(ws)?;
    ws.set_repeat_rows(1, 1)?;
    Ok(())
}

/// One row of costs: label, currency, rows, current, candidate, delta and delta % (as formulas),
/// gain, lose, same.
fn cost_row(
    ws: &mut Worksheet,
    r: u32,
    label: &str,
    currency: &str,
    c: &crate::analysis::compare::Cost,
    f: &Formats,
) -> XResult<()> {
    let money = money_format(currency);
    text(ws, r, 0, label)?;
    text(ws, r, 1, currency)?;
    let m = c.moves;
    ws.write_number_with_format(r, 2, (m.gain + m.lose + m.same) as f64, &f.integer)?;
    ws.write_number_with_format(r, 3, dec_f64(c.current), &money)?;
    ws.write_number_with_format(r, 4, dec_f64(c.candidate), &money)?;
    formula(
        ws,
        r,
        5,
        format!("{}-{}", cell(r, 4), cell(r, 3)),
        result_text(dec_f64(c.delta())),
        &money,
    )?;
    if let Some(share) = c.delta_share() {
        formula(
            ws,
            r,
            6,
            format!("{}/{}", cell(r, 5), cell(r, 3)),
            result_text(exact_f64(&share)),
            &f.percent,
        )?;
    }
    ws.write_number_with_format(r, 7, m.gain as f64, &f.integer)?;
    ws.write_number_with_format(r, 8, m.lose as f64, &f.integer)?;
    ws.write_number_with_format(r, 9, m.same as f64, &f.integer)?;
    Ok(())
}

fn totals(
    ws: &mut Worksheet,
    sheet: &str,
    ev: &Evaluation,
    cmp: &Comparison,
    cx: &Context,
    f: &Formats,
) -> XResult<()> {
    let l = &cx.labels;
    ws.write_string_with_format(0, 0, title(ev, cmp, cx), &f.bold)?;
    let cost_names = |first: &'static str| {
        l.all(&[
            first,
            "currency",
            "employees",
            "current cost",
            "candidate cost",
            "delta",
            "delta %",
            "gain",
            "lose",
            "same",
        ])
    };
    header(ws, f, 2, &cost_names("period"))?;
    let mut r = 3u32;
    let main = cmp.main_currency().map(str::to_string);
    let mut chart_rows: Option<(u32, u32)> = None;
    for ((period, currency), c) in &cmp.totals {
        let Some(p) = period else { continue };
        if Some(currency) == main.as_ref() {
            chart_rows = Some(chart_rows.map_or((r, r), |(a, _)| (a, r)));
        }
        cost_row(ws, r, &p.to_string(), currency, c, f)?;
        r += 1;
    }
    for ((period, currency), c) in &cmp.totals {
        if period.is_none() {
            cost_row(ws, r, "", currency, c, f)?;
            ws.write_string_with_format(r, 0, l.get("all periods"), &f.bold)?;
            r += 1;
        }
    }
    r += 1;
    header(ws, f, r, &cost_names("team"))?;
    r += 1;
    for ((team, currency), c) in &cmp.teams {
        let label = if team.is_empty() {
            l.get("(no team)")
        } else {
            team
        };
        cost_row(ws, r, label, currency, c, f)?;
        r += 1;
    }
    r += 1;
    header(
        ws,
        f,
        r,
        &l.all(&["currency", "cost factor", "what it means"]),
    )?;
    r += 1;
    for (currency, factor) in &cmp.cost_factor {
        text(ws, r, 0, currency)?;
        match factor {
            Some(q) => {
                ws.write_number_with_format(r, 1, exact_f64(q), &f.factor)?;
                text(
                    ws,
                    r,
                    2,
                    l.get("multiply every target bonus by this factor and the candidate costs what today's schemes cost (before cents are rounded)"),
                )?;
            }
            None => text(
                ws,
                r,
                2,
                l.get("the candidate pays nothing: no factor can match today's cost"),
            )?,
        }
        r += 1;
    }
    r += 1;
    header(ws, f, r, &l.all(&["change of pay", "employees × periods"]))?;
    r += 1;
    let bins_first = r;
    for (label, count) in DELTA_BINS.iter().zip(cmp.delta_bins()) {
        text(ws, r, 0, l.get(label))?;
        ws.write_number_with_format(r, 1, count as f64, &f.integer)?;
        r += 1;
    }
    let bins_last = r - 1;
    r += 1;
    ws.write_string_with_format(r, 0, l.get("largest losses"), &f.bold)?;
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
            "current",
            "candidate",
            "delta",
            "delta %",
        ]),
    )?;
    r += 1;
    for loss in &cmp.largest_losses {
        loss_row(ws, r, ev, loss, f)?;
        r += 1;
    }

    // Charts beside the tables: cost per period under both schemes, and the distribution of
    // the changes of pay.
    if let Some((a, b)) = chart_rows {
        let mut chart = Chart::new_column();
        for (col, name) in [(3u16, l.get("current cost")), (4, l.get("candidate cost"))] {
            chart
                .add_series()
                .set_name(name)
                .set_categories((sheet, a, 0, b, 0))
                .set_values((sheet, a, col, b, col));
        }
        chart.title().set_name(&format!(
            "{} ({})",
            l.get("payout cost per period"),
            main.as_deref().unwrap_or("")
        ));
        chart.legend().set_position(ChartLegendPosition::Bottom);
        chart.set_width(520).set_height(300);
        ws.insert_chart(2, 11, &chart)?;
    }
    let mut dist = Chart::new_column();
    dist.add_series()
        .set_name(l.get("employees × periods"))
        .set_categories((sheet, bins_first, 0, bins_last, 0))
        .set_values((sheet, bins_first, 1, bins_last, 1));
    dist.title()
        .set_name(l.get("distribution of the change of pay"));
    dist.legend().set_hidden();
    dist.set_width(520).set_height(300);
    ws.insert_chart(18, 11, &dist)?;
    for (c, w) in [
        (0, 18),
        (1, 24),
        (2, 12),
        (3, 16),
        (4, 16),
        (5, 16),
        (6, 10),
    ] {
        ws.set_column_width(c, w)?;
    }
    print_setup(ws)?;
    ws.set_repeat_rows(2, 2)?;
    Ok(())
}

fn loss_row(ws: &mut Worksheet, r: u32, ev: &Evaluation, loss: &Loss, f: &Formats) -> XResult<()> {
    let e = &ev.roster[loss.employee];
    let money = money_format(&loss.currency);
    text(ws, r, 0, &e.id)?;
    text(ws, r, 1, &e.name)?;
    text(ws, r, 2, &e.team)?;
    text(ws, r, 3, &loss.currency)?;
    ws.write_number_with_format(r, 4, dec_f64(loss.current), &money)?;
    ws.write_number_with_format(r, 5, dec_f64(loss.candidate), &money)?;
    ws.write_number_with_format(r, 6, dec_f64(loss.delta), &money)?;
    pct(ws, r, 7, &loss.delta_share, f)
}

fn calibration(
    ws: &mut Worksheet,
    ev: &Evaluation,
    cmp: &Comparison,
    cx: &Context,
    f: &Formats,
) -> XResult<()> {
    let l = &cx.labels;
    ws.write_string_with_format(0, 0, title(ev, cmp, cx), &f.bold)?;
    header(
        ws,
        f,
        1,
        &l.all(&[
            "KPI",
            "KPI name",
            "weight",
            "employees × periods",
            "min",
            "25th percentile",
            "median",
            "75th percentile",
            "max",
            "below the threshold",
            "above the discuss line",
            "median attainment",
            "target",
            "factor on the target for the median to reach 100%",
            "suggested target",
            "verdict",
        ]),
    )?;
    let scheme = &ev.schemes[cmp.candidate];
    for (r, c) in (2u32..).zip(&cmp.calibration) {
        let kpi = &scheme.kpis[c.kpi];
        text(ws, r, 0, &kpi.id)?;
        let name = if kpi.is_paid() {
            kpi.name.clone()
        } else {
            format!("{} ({})", kpi.name, l.get("observation: not paid"))
        };
        text(ws, r, 1, &name)?;
        ws.write_number_with_format(r, 2, dec_f64(kpi.weight), &f.percent)?;
        ws.write_number_with_format(r, 3, c.scored as f64, &f.integer)?;
        // Actuals and targets in the metric's unit, decided in the domain.
        let unit_format = match crate::scheme::unit::unit(scheme, kpi.metric) {
            crate::scheme::unit::Unit::Money => money_format(&scheme.currency),
            crate::scheme::unit::Unit::Ratio => f.percent.clone(),
            crate::scheme::unit::Unit::Count => Format::new().set_num_format("#,##0.##"),
            _ => f.number.clone(),
        };
        if let Some(spread) = &c.spread {
            for (i, v) in spread.iter().enumerate() {
                ws.write_number_with_format(r, 4 + i as u16, exact_f64(v), &unit_format)?;
            }
        }
        pct(ws, r, 9, &c.below_threshold, f)?;
        pct(ws, r, 10, &c.above_discuss, f)?;
        pct(ws, r, 11, &c.median_attainment, f)?;
        let target = match &kpi.target {
            Target::Fixed(t) => t.normalize().to_string(),
            Target::Plan(m) => format!("{} {m}", l.get("plan")),
            Target::OfKpi { kpi: k, times } => {
                format!("{} × {}", scheme.kpis[*k].id, times.normalize())
            }
        };
        text(ws, r, 12, &target)?;
        if let Some(tf) = &c.target_factor {
            ws.write_number_with_format(r, 13, exact_f64(tf), &f.factor)?;
        }
        if let Some(s) = &c.suggested_target {
            ws.write_number_with_format(r, 14, exact_f64(s), &unit_format)?;
        }
        let mut verdict: Vec<&str> = c.verdict.iter().map(|v| l.get(v.text())).collect();
        if c.no_one_reaches_threshold {
            verdict.push(l.get("no one reaches the threshold"));
        }
        text(ws, r, 15, &verdict.join("; "))?;
    }
    ws.set_freeze_panes(2, 1)?;
    for (c, w) in [(0, 16), (1, 28), (12, 20), (13, 16), (15, 30)] {
        ws.set_column_width(c, w)?;
    }
    print_setup(ws)?;
    ws.set_repeat_rows(1, 1)?;
    Ok(())
}

fn flags(
    ws: &mut Worksheet,
    ev: &Evaluation,
    cmp: &Comparison,
    cx: &Context,
    f: &Formats,
) -> XResult<()> {
    let l = &cx.labels;
    header(
        ws,
        f,
        0,
        &l.all(&["flag", "employee_id", "name", "team", "what it saw"]),
    )?;
    let mut r = 1u32;
    let bold = Format::new().set_bold();
    for loss in &cmp.big_falls {
        let e = &ev.roster[loss.employee];
        text(ws, r, 0, l.get("pay falls by more than 20%"))?;
        text(ws, r, 1, &e.id)?;
        text(ws, r, 2, &e.name)?;
        text(ws, r, 3, &e.team)?;
        let share = loss
            .delta_share
            .as_ref()
            .and_then(|q| crate::num::round_exact(&(q * crate::num::exact_int(100)), 1))
            .map(|d| format!("{}%", d.normalize()))
            .unwrap_or_default();
        text(
            ws,
            r,
            4,
            &format!(
                "{} {} → {} {} ({share})",
                super::money(loss.current),
                loss.currency,
                super::money(loss.candidate),
                loss.currency
            ),
        )?;
        r += 1;
    }
    for ch in &cmp.scheme_changes {
        let e = &ev.roster[ch.employee];
        text(ws, r, 0, l.get("changed scheme"))?;
        text(ws, r, 1, &e.id)?;
        text(ws, r, 2, &e.name)?;
        text(ws, r, 3, &e.team)?;
        text(
            ws,
            r,
            4,
            &format!(
                "{} → {} {} {}",
                ev.schemes[ch.from].id,
                ev.schemes[ch.to].id,
                l.get("from"),
                ch.period
            ),
        )?;
        r += 1;
    }
    for c in &cmp.calibration {
        if let Some(v) = c.verdict {
            text(ws, r, 0, l.get(v.text()))?;
            let six = |q: &Exact| {
                crate::num::round_exact(q, 6)
                    .map(|d| super::units::decimal_text(d.normalize(), l.lang))
                    .unwrap_or_default()
            };
            let above = c
                .above_discuss
                .as_ref()
                .map(|q| q * crate::num::exact_int(100));
            let below = c
                .below_review
                .as_ref()
                .map(|q| q * crate::num::exact_int(100));
            let share = match v {
                crate::analysis::compare::Verdict::TargetTooLow => above,
                crate::analysis::compare::Verdict::TargetTooHigh => below,
            };
            let suggestion = match (&c.suggested_target, &c.target_factor) {
                (Some(t), _) => format!("{} {}", l.get("suggested target"), six(t)),
                (None, Some(f)) => format!("{} × {}", l.get("plan"), six(f)),
                _ => String::new(),
            };
            text(
                ws,
                r,
                4,
                &format!(
                    "KPI {}: {}% {}; {suggestion}",
                    ev.schemes[cmp.candidate].kpis[c.kpi].id,
                    share.as_ref().map(six).unwrap_or_default(),
                    l.get("of employees × periods"),
                ),
            )?;
            r += 1;
        }
    }
    for w in cmp.warnings(ev).iter().chain(
        ev.warnings
            .iter()
            .map(|w| w.to_string())
            .collect::<Vec<_>>()
            .iter(),
    ) {
        ws.write_string_with_format(r, 0, l.get("warning"), &bold)?;
        text(ws, r, 4, w)?;
        r += 1;
    }
    ws.set_freeze_panes(1, 0)?;
    for (c, w) in [(0, 28), (1, 12), (2, 24), (3, 14), (4, 90)] {
        ws.set_column_width(c, w)?;
    }
    print_setup(ws)
}
