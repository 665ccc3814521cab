//! `payouts.xlsx`: the workbook finance signs off and an auditor re-checks.

use super::Context;
use crate::error::{Error, Result};
use crate::num::{Exact, display_decimal};
use crate::run::RunResult;
use crate::scoring::Flag;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

fn flags_text(flags: &[Flag]) -> String {
    flags
        .iter()
        .map(|f| f.text())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The one place numbers leave exact arithmetic: a spreadsheet cell holds a binary float.
fn cell_number(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

fn cell_exact(q: &Exact) -> f64 {
    cell_number(display_decimal(q))
}

struct Formats {
    header: Format,
    money: Format,
    percent: Format,
    number: Format,
}

fn formats() -> Formats {
    Formats {
        header: Format::new().set_bold().set_text_wrap(),
        money: Format::new().set_num_format("#,##0.00"),
        percent: Format::new().set_num_format("0.0%"),
        number: Format::new().set_num_format("#,##0.######"),
    }
}

fn header(ws: &mut Worksheet, f: &Formats, names: &[&str]) -> std::result::Result<(), XlsxError> {
    for (c, n) in names.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *n, &f.header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, 0, names.len().saturating_sub(1) as u16)?;
    Ok(())
}

/// `payouts.xlsx`: a Summary sheet (one row per employee) and a Breakdown sheet (employee × KPI).
pub fn payouts_xlsx(run: &RunResult, cx: &Context) -> Result<Vec<u8>> {
    let _ = cx;
    build_workbook(run).map_err(|e| Error::other(format!("cannot write payouts.xlsx: {e}")))
}

fn build_workbook(run: &RunResult) -> std::result::Result<Vec<u8>, XlsxError> {
    let f = formats();
    let mut wb = Workbook::new();
    let m = run.period.end();
    let date = ExcelDateTime::from_ymd(
        chrono::Datelike::year(&m) as u16,
        chrono::Datelike::month(&m) as u8,
        chrono::Datelike::day(&m) as u8,
    )?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("Bonus payouts {}", run.period))
            .set_creation_datetime(&date),
    );

    // Summary.
    let max_kpis = run
        .employees
        .iter()
        .map(|e| e.score.kpis.len())
        .max()
        .unwrap_or(0);
    let ws = wb.add_worksheet().set_name("Summary")?;
    let mut names: Vec<String> = [
        "employee_id",
        "name",
        "team",
        "scheme",
        "currency",
        "target bonus",
        "share",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for k in 1..=max_kpis {
        names.push(format!("KPI {k}"));
        names.push(format!("attainment {k}"));
        names.push(format!("amount {k}"));
    }
    names.push("total".into());
    names.push("flags".into());
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    header(ws, &f, &name_refs)?;
    for (i, e) in run.employees.iter().enumerate() {
        let r = (i + 1) as u32;
        let scheme = &run.schemes[e.employee.scheme];
        ws.write_string(r, 0, &e.employee.id)?;
        ws.write_string(r, 1, &e.employee.name)?;
        ws.write_string(r, 2, &e.employee.team)?;
        ws.write_string(r, 3, &scheme.id)?;
        ws.write_string(r, 4, &scheme.currency)?;
        ws.write_number_with_format(r, 5, cell_number(e.employee.target_bonus), &f.money)?;
        ws.write_number_with_format(r, 6, cell_exact(&e.score.share), &f.percent)?;
        let mut c = 7u16;
        for (kpi, s) in scheme.kpis.iter().zip(&e.score.kpis) {
            ws.write_string(r, c, &kpi.id)?;
            if let Some(a) = &s.attainment {
                ws.write_number_with_format(r, c + 1, cell_exact(a), &f.percent)?;
            }
            ws.write_number_with_format(r, c + 2, cell_number(s.amount), &f.money)?;
            c += 3;
        }
        let c = 7 + 3 * max_kpis as u16;
        ws.write_number_with_format(r, c, cell_number(e.score.total), &f.money)?;
        let mut all_flags: Vec<String> =
            e.score.flags.iter().map(|f| f.text().to_string()).collect();
        for (kpi, s) in scheme.kpis.iter().zip(&e.score.kpis) {
            if !s.flags.is_empty() {
                all_flags.push(format!("{}: {}", kpi.id, flags_text(&s.flags)));
            }
        }
        ws.write_string(r, c + 1, all_flags.join("; "))?;
    }
    ws.set_column_width(1, 24)?;
    ws.set_column_width(3, 18)?;
    ws.set_column_width(7 + 3 * max_kpis as u16 + 1, 60)?;

    // Breakdown.
    let ws = wb.add_worksheet().set_name("Breakdown")?;
    header(
        ws,
        &f,
        &[
            "employee_id",
            "name",
            "scheme",
            "kpi",
            "kpi name",
            "metric",
            "actual",
            "target",
            "attainment",
            "factor",
            "weight",
            "amount",
            "source rows",
            "flags",
        ],
    )?;
    let mut r = 1u32;
    for e in &run.employees {
        let scheme = &run.schemes[e.employee.scheme];
        for (kpi, s) in scheme.kpis.iter().zip(&e.score.kpis) {
            ws.write_string(r, 0, &e.employee.id)?;
            ws.write_string(r, 1, &e.employee.name)?;
            ws.write_string(r, 2, &scheme.id)?;
            ws.write_string(r, 3, &kpi.id)?;
            ws.write_string(r, 4, &kpi.name)?;
            ws.write_string(r, 5, &scheme.metrics[kpi.metric].description)?;
            if let Some(a) = &s.actual {
                ws.write_number_with_format(r, 6, cell_exact(a), &f.number)?;
            }
            if let Some(t) = &s.target {
                ws.write_number_with_format(r, 7, cell_exact(t), &f.number)?;
            }
            if let Some(a) = &s.attainment {
                ws.write_number_with_format(r, 8, cell_exact(a), &f.percent)?;
            }
            ws.write_number_with_format(r, 9, cell_exact(&s.factor), &f.number)?;
            ws.write_number_with_format(r, 10, cell_number(kpi.weight), &f.percent)?;
            ws.write_number_with_format(r, 11, cell_number(s.amount), &f.money)?;
            ws.write_number(r, 12, s.rows as f64)?;
            let mut flags = flags_text(&s.flags);
            if !e.employment.is_employed() {
                flags = Flag::NotEmployed.text().to_string();
            }
            ws.write_string(r, 13, flags)?;
            r += 1;
        }
    }
    ws.set_column_width(1, 24)?;
    ws.set_column_width(5, 50)?;
    ws.set_column_width(13, 30)?;
    wb.save_to_buffer()
}
