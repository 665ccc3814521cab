//! `payouts.xlsx`: the workbook finance signs off and an auditor re-checks.
//!
//! Six sheets (seven with candidate schemes: **Observation**):
//! - **Summary**: one row per employee (KPI slots `KPI n / attainment n / amount n`, bonus,
//!   adjustments, amount, flags), a totals row per currency, and totals per scheme and per team
//!   below, each of the bonus, the adjustments and the amount. The bonus is the KPI amounts'
//!   `ROUND(SUM(…))`, the adjustments the employee's lines on the Adjustments sheet
//!   (`ROUND(SUMIF(…))` by employee_id), the amount — what payroll pays — `ROUND(bonus+adjustments)`;
//! - **Breakdown**: one row per employee × KPI with everything that makes the amount: target
//!   bonus, days employed, proration, weight, actual, target, attainment, band, curve segment,
//!   factor, amount, source rows and flags; actuals and targets in the metric's unit
//!   ([`super::units::unit()`]: money in the scheme's currency, ratios as percentages);
//! - **Adjustments**: every line of every payout besides the bonus (the scheme's cap and
//!   guarantee, true-ups, the adjustments table's rows), one row each in employee_id order, with
//!   its kind, reason, approver, reference, finance's note and where it comes from; "none this
//!   period" when there are none; below, each employee's guarantee and its balance;
//! - **Flags**: every flag with its reason, and every warning of the run;
//! - **Data report**: what was read from each input table, and a check that every row read is
//!   accounted for;
//! - **Audit**: version, period, command, totals, controls of payroll.csv's amount, bonus and
//!   adjustments columns against the Summary, the final runs the close builds on (with the
//!   SHA-256 of each run.json), and the input files with SHA-256.
//!
//! Amounts stay live: a Breakdown amount is `=ROUND(target bonus*proration*weight*factor,2)` over
//! the cells of its row, attainment is `=actual/target`, Summary cells refer to the Breakdown and
//! the totals are `ROUND(SUM(…))` / `ROUND(SUMIF(…))`. Every formula carries its cached result
//! (the engine's exact amount, or for attainment and proration the very float a spreadsheet
//! computes from the cells), so a reader that does not recalculate sees the right numbers and one
//! that does recalculates to the same ones. Text is always written as text: a name such as
//! `=HYPERLINK(...)` never becomes a formula.
//!
//! Every sheet prints A4 landscape, one page wide, its header row repeated on every page, with a
//! print area over the cells written.

use super::labels::Lang;
use super::units::{decimal_text, money_text, percent_text};
use super::{Context, Lines, segment_words};
use crate::error::{Error, Problem, Result};
use crate::num::{Exact, exact, round_exact};
use crate::run::RunResult;
use crate::scheme::Better;
use crate::scoring::Flag;
use rust_decimal::{Decimal, RoundingStrategy};
use rust_xlsxwriter::{
    Color, ConditionalFormatFormula, DocProperties, ExcelDateTime, Format, FormatAlign, Formula,
    Worksheet, XlsxError, quote_sheet_name, row_col_to_cell,
};
use std::collections::{BTreeMap, BTreeSet};

type XResult<T> = std::result::Result<T, XlsxError>;

/// `payouts.xlsx`: Summary, Breakdown, Flags, Data report and Audit sheets.
/// `payroll` is the payroll.csv the run writes: the Audit's control adds up its bytes, not the
/// amounts in memory, so that the control can fail.
pub fn payouts_xlsx(run: &RunResult, cx: &Context, payroll: &[u8]) -> Result<Vec<u8>> {
    build_workbook(run, cx, payroll)
        .map_err(|e| Error::other(format!("cannot write payouts.xlsx: {e}")))
}

// ---------------------------------------------------------------------------------------------
// Numbers as cells.

use super::{cell_exact as exact_f64, cell_number as dec_f64};

/// A float as a formula's cached result: the shortest text that reads back as the same float.
pub(super) fn result_text(v: f64) -> String {
    if v == 0.0 {
        "0".to_string()
    } else {
        format!("{v}")
    }
}

fn bool_text(b: bool) -> &'static str {
    if b { "TRUE" } else { "FALSE" }
}

/// What a spreadsheet's `ROUND(x, 2)` gives for the float `x`: the float's 15 significant digits
/// rounded half away from zero, so a product that should be an exact half cent but lands a hair
/// below it still rounds up. LibreOffice does this (tests/workbook.rs checks it on half-cent
/// products); Excel's ROUND is known to behave the same way.
pub fn spreadsheet_round2(x: f64) -> Option<Decimal> {
    let d = Decimal::from_scientific(&format!("{x:.14e}")).ok()?;
    Some(d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

/// A percentage for reading, one decimal: `48.9%` (`48,9%` in Russian).
fn pct_text(q: &Exact, lang: Lang) -> String {
    let p = round_exact(&(q * exact(Decimal::ONE_HUNDRED)), 1).unwrap_or_default();
    format!("{}%", decimal_text(p.normalize(), lang))
}

// ---------------------------------------------------------------------------------------------
// Formats.

pub(super) struct Formats {
    pub(super) header: Format,
    pub(super) bold: Format,
    pub(super) percent: Format,
    /// A whole-percent weight as the YAML writes it: `35%` (others use `percent`: `12.5%`).
    pub(super) weight: Format,
    pub(super) integer: Format,
    pub(super) number: Format,
    pub(super) factor: Format,
    pub(super) money_plain: Format,
    pub(super) bands: [Format; 4],
}

pub(super) fn formats() -> Formats {
    let band = |bg: u32, fg: u32| {
        Format::new()
            .set_background_color(Color::RGB(bg))
            .set_font_color(Color::RGB(fg))
    };
    Formats {
        header: Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_background_color(Color::RGB(0xF2F2F2)),
        bold: Format::new().set_bold(),
        percent: Format::new().set_num_format("0.0%"),
        weight: Format::new().set_num_format("0%"),
        integer: Format::new().set_num_format("#,##0"),
        number: Format::new().set_num_format("#,##0.0#####"),
        factor: Format::new().set_num_format("0.0000"),
        money_plain: Format::new().set_num_format("#,##0.00"),
        bands: [
            band(0xFFC7CE, 0x9C0006), // below the review line: red
            band(0xFFEB9C, 0x9C5700), // review line to 100%: yellow
            band(0xC6EFCE, 0x006100), // 100% to the discuss line: green
            band(0xBDD7EE, 0x1F4E78), // above the discuss line: blue
        ],
    }
}

/// The number format of money in a currency: the code after the number, `#,##0.00 "KZT"`, as
/// on the statements (a code prints in every font; a sign such as ₸ does not).
pub fn currency_format(currency: &str) -> String {
    let sign = currency.trim().to_uppercase().replace(['"', '\\'], "");
    if sign.is_empty() {
        "#,##0.00".to_string()
    } else {
        format!("#,##0.00 \"{sign}\"")
    }
}

pub(super) fn money_format(currency: &str) -> Format {
    Format::new().set_num_format(currency_format(currency))
}

/// The money format of a set of currencies: the currency's own when there is one, plain otherwise.
fn money_format_of<'a>(currencies: impl IntoIterator<Item = &'a str>, f: &Formats) -> Format {
    let set: BTreeSet<&str> = currencies.into_iter().collect();
    match set.len() {
        1 => money_format(set.iter().next().copied().unwrap_or_default()),
        _ => f.money_plain.clone(),
    }
}

/// The same format, aligned left (numbers in a column of mostly text).
fn left(f: &Format) -> Format {
    f.clone().set_align(FormatAlign::Left)
}

/// A number with the format its value reads best in: whole numbers without decimals.
fn number_format<'a>(q: &Exact, f: &'a Formats) -> &'a Format {
    if q.is_integer() {
        &f.integer
    } else {
        &f.number
    }
}

/// The format of a metric's value in its unit (decided by [`super::units::unit()`]): money in the
/// scheme's currency, a ratio as a percentage, counts and scores as numbers.
fn unit_format<'a>(
    unit: super::units::Unit,
    q: &Exact,
    money: &'a Format,
    f: &'a Formats,
) -> &'a Format {
    use super::units::Unit;
    match unit {
        Unit::Money => money,
        Unit::Ratio => &f.percent,
        Unit::Count | Unit::Score | Unit::Number => number_format(q, f),
    }
}

// ---------------------------------------------------------------------------------------------
// Writing helpers.

/// Text is always a string cell, whatever it starts with; empty text leaves the cell empty.
pub(super) fn text(ws: &mut Worksheet, r: u32, c: u16, s: &str) -> XResult<()> {
    if !s.is_empty() {
        ws.write_string(r, c, s)?;
    }
    Ok(())
}

pub(super) fn formula(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    f: String,
    cached: String,
    fmt: &Format,
) -> XResult<()> {
    ws.write_formula_with_format(r, c, Formula::new(f).set_result(cached), fmt)?;
    Ok(())
}

pub(super) fn header(ws: &mut Worksheet, f: &Formats, r: u32, names: &[String]) -> XResult<()> {
    for (c, n) in names.iter().enumerate() {
        ws.write_string_with_format(r, c as u16, n, &f.header)?;
    }
    ws.set_row_height(r, 30)?;
    Ok(())
}

/// How a sheet prints: A4 landscape (every sheet of the workbooks is wider than a portrait
/// page), one page wide and as many pages long as it takes, the header row repeated on every
/// page.
pub(super) fn print_setup(ws: &mut Worksheet) -> XResult<()> {
    ws.set_paper_size(A4)
        .set_landscape()
        .set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 0)?;
    Ok(())
}

/// [`print_setup`], and a print area over the cells written (`last_row`, `last_col`).
fn print_setup_to(ws: &mut Worksheet, last_row: u32, last_col: u16) -> XResult<()> {
    print_setup(ws)?;
    ws.set_print_area(0, 0, last_row.max(1), last_col)?;
    Ok(())
}

/// The paper size code of A4 in a spreadsheet's page setup.
pub(crate) const A4: u8 = 9;

fn cell(r: u32, c: u16) -> String {
    row_col_to_cell(r, c)
}

/// `Sheet!A1`, quoting the sheet name when it needs it.
fn sheet_cell(sheet: &str, r: u32, c: u16) -> String {
    format!("{}!{}", quote_sheet_name(sheet), cell(r, c))
}

fn range(r1: u32, c1: u16, r2: u32, c2: u16) -> String {
    format!("{}:{}", cell(r1, c1), cell(r2, c2))
}

/// A string literal inside a formula.
fn formula_string(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `ROUND(SUMIF(keys,"key",amounts),2)`: SUMIF reads its criterion as a pattern, so wildcards are
/// escaped and a leading comparison sign is made an explicit `=`. SUMIF also ignores case, so
/// when two keys differ only in case (`case_clash`), or the key is empty, an exact comparison
/// (`SUMPRODUCT`) is written instead.
fn sum_of_key(keys: &str, key: &str, amounts: &str, case_clash: bool) -> String {
    if key.is_empty() {
        return format!("ROUND(SUMPRODUCT(({keys}=\"\")*{amounts}),2)");
    }
    if case_clash {
        return format!(
            "ROUND(SUMPRODUCT(EXACT({keys},{})*{amounts}),2)",
            formula_string(key)
        );
    }
    let mut pattern = String::new();
    if key.starts_with(['<', '>', '=']) {
        pattern.push('=');
    }
    for ch in key.chars() {
        if matches!(ch, '~' | '*' | '?') {
            pattern.push('~');
        }
        pattern.push(ch);
    }
    format!(
        "ROUND(SUMIF({keys},{},{amounts}),2)",
        formula_string(&pattern)
    )
}

/// Colours attainment cells `col` of rows `first..=last` by band, with the KPI's lines (the
/// same lines scoring decided the band with).
fn band_colours(
    ws: &mut Worksheet,
    f: &Formats,
    rows: (u32, u32),
    col: u16,
    lines: Lines,
) -> XResult<()> {
    let (first, last) = rows;
    let a = cell(first, col);
    let review = lines.review.normalize();
    let discuss = lines.discuss.normalize();
    let rules = [
        format!("=AND(ISNUMBER({a}),{a}<{review})"),
        format!("=AND(ISNUMBER({a}),{a}>={review},{a}<=1)"),
        format!("=AND(ISNUMBER({a}),{a}>1,{a}<={discuss})"),
        format!("=AND(ISNUMBER({a}),{a}>{discuss})"),
    ];
    for (rule, fmt) in rules.iter().zip(&f.bands) {
        let cf = ConditionalFormatFormula::new()
            .set_rule(rule.as_str())
            .set_format(fmt);
        ws.add_conditional_format(first, col, last, col, &cf)?;
    }
    Ok(())
}

/// Runs of consecutive rows whose KPIs draw the same review and discuss lines.
fn threshold_runs(rows: &[(u32, Lines)]) -> Vec<(u32, u32, usize)> {
    let mut runs: Vec<(u32, u32, usize)> = Vec::new();
    for (i, (r, s)) in rows.iter().enumerate() {
        match runs.last_mut() {
            Some((_, last, j)) if *last + 1 == *r && rows[*j].1 == *s => {
                *last = *r;
            }
            _ => runs.push((*r, *r, i)),
        }
    }
    runs
}

fn colour_column(ws: &mut Worksheet, f: &Formats, col: u16, rows: &[(u32, Lines)]) -> XResult<()> {
    for (first, last, i) in threshold_runs(rows) {
        band_colours(ws, f, (first, last), col, rows[i].1)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Layout: where every cell goes, computed before writing so sheets can refer to each other.

/// Breakdown columns.
mod bd {
    pub const EMPLOYEE: u16 = 0;
    pub const NAME: u16 = 1;
    pub const SCHEME: u16 = 2;
    pub const KPI: u16 = 3;
    pub const KPI_NAME: u16 = 4;
    pub const METRIC: u16 = 5;
    pub const TARGET_BONUS: u16 = 6;
    pub const DAYS: u16 = 7;
    pub const DAYS_IN_PERIOD: u16 = 8;
    pub const PRORATION: u16 = 9;
    pub const WEIGHT: u16 = 10;
    pub const ACTUAL: u16 = 11;
    pub const TARGET: u16 = 12;
    pub const ATTAINMENT: u16 = 13;
    pub const BAND: u16 = 14;
    pub const SEGMENT: u16 = 15;
    pub const FACTOR: u16 = 16;
    pub const AMOUNT: u16 = 17;
    pub const ROWS: u16 = 18;
    pub const FLAGS: u16 = 19;
}

/// Adjustments sheet columns (the lines; the guarantees block below has its own).
mod adj {
    pub const EMPLOYEE: u16 = 0;
    pub const NAME: u16 = 1;
    pub const KIND: u16 = 2;
    pub const CODE: u16 = 3;
    pub const AMOUNT: u16 = 4;
    pub const REASON: u16 = 5;
    pub const APPROVED_BY: u16 = 6;
    pub const REFERENCE: u16 = 7;
    pub const NOTE: u16 = 8;
    pub const SOURCE: u16 = 9;
}

struct Layout {
    /// Breakdown row of each employee's KPIs.
    breakdown_rows: Vec<Vec<u32>>,
    max_kpis: usize,
    /// Summary: the first employee row, the last, and the totals row.
    first_row: u32,
    last_row: u32,
    totals_row: u32,
    /// Summary columns: the bonus (the KPI total), the adjustments, the amount payroll pays.
    total_col: u16,
    adjustments_col: u16,
    amount_col: u16,
    flags_col: u16,
    /// Adjustments sheet: the last row of the lines (row 1 when there are none).
    adjustments_last_row: u32,
    /// Summary cell of each scheme's total (scheme id → (row, col)).
    scheme_totals: BTreeMap<String, (u32, u16)>,
    /// Summary row of each currency's total (in `total_col`).
    currency_totals: BTreeMap<String, u32>,
}

impl Layout {
    fn new(run: &RunResult) -> Layout {
        let max_kpis = run
            .employees
            .iter()
            .map(|e| e.score.kpis.len())
            .max()
            .unwrap_or(0);
        let mut r = 1u32;
        let breakdown_rows = run
            .employees
            .iter()
            .map(|e| {
                e.score
                    .kpis
                    .iter()
                    .map(|_| {
                        r += 1;
                        r - 1
                    })
                    .collect()
            })
            .collect();
        let n = run.employees.len() as u32;
        let total_col = 7 + 3 * max_kpis as u16;
        let lines: usize = run.employees.iter().map(|e| e.payout.lines.len()).sum();
        Layout {
            breakdown_rows,
            max_kpis,
            first_row: 1,
            last_row: n.max(1),
            totals_row: n + 1,
            total_col,
            adjustments_col: total_col + 1,
            amount_col: total_col + 2,
            flags_col: total_col + 3,
            adjustments_last_row: (lines as u32).max(1),
            scheme_totals: BTreeMap::new(),
            currency_totals: BTreeMap::new(),
        }
    }

    fn slot_cols(k: usize) -> (u16, u16, u16) {
        let c = 7 + 3 * k as u16;
        (c, c + 1, c + 2)
    }
}

struct Sheets {
    summary: &'static str,
    breakdown: &'static str,
    adjustments: &'static str,
    flags: &'static str,
    data: &'static str,
    audit: &'static str,
}

// ---------------------------------------------------------------------------------------------
// The workbook.

fn build_workbook(run: &RunResult, cx: &Context, payroll: &[u8]) -> XResult<Vec<u8>> {
    let l = &cx.labels;
    let f = formats();
    let mut wb = super::cells::workbook();
    let m = run.period.end();
    let date = ExcelDateTime::from_ymd(
        chrono::Datelike::year(&m) as u16,
        chrono::Datelike::month(&m) as u8,
        chrono::Datelike::day(&m) as u8,
    )?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("{} {}", l.get("Bonus payouts"), run.period))
            .set_creation_datetime(&date),
    );
    let sheets = Sheets {
        summary: l.get("Summary"),
        breakdown: l.get("Breakdown"),
        adjustments: l.get("Adjustments"),
        flags: l.get("Flags"),
        data: l.get("Data report"),
        audit: l.get("Audit"),
    };
    let mut layout = Layout::new(run);
    let mismatches = spreadsheet_mismatches(run);

    summary(
        wb.add_worksheet().set_name(sheets.summary)?,
        run,
        cx,
        &f,
        &sheets,
        &mut layout,
    )?;
    breakdown(
        wb.add_worksheet().set_name(sheets.breakdown)?,
        run,
        cx,
        &f,
        &layout,
    )?;
    adjustments(
        wb.add_worksheet().set_name(sheets.adjustments)?,
        run,
        cx,
        &f,
        &layout,
    )?;
    flags(
        wb.add_worksheet().set_name(sheets.flags)?,
        run,
        cx,
        &f,
        &sheets,
        &layout,
        &mismatches,
    )?;
    if run.has_candidates() {
        observation(
            wb.add_worksheet().set_name(l.get("Observation"))?,
            run,
            cx,
            &f,
        )?;
    }
    data_report(wb.add_worksheet().set_name(sheets.data)?, run, cx, &f)?;
    audit(
        wb.add_worksheet().set_name(sheets.audit)?,
        run,
        cx,
        &f,
        &sheets,
        &layout,
        payroll,
    )?;
    wb.save_to_buffer()
}

/// Keys that a spreadsheet's SUMIF cannot tell apart: it compares text ignoring letter case, so
/// `E1` and `e1` clash (and their sums are written differently).
struct Clashes(std::collections::HashMap<String, usize>);

impl Clashes {
    fn of<'a>(keys: impl Iterator<Item = &'a str>) -> Clashes {
        let mut seen = std::collections::HashMap::new();
        for k in keys {
            *seen.entry(k.to_lowercase()).or_insert(0) += 1;
        }
        Clashes(seen)
    }

    /// Whether another key equals `key` ignoring letter case.
    fn clash(&self, key: &str) -> bool {
        self.0.get(&key.to_lowercase()).is_some_and(|&n| n > 1)
    }
}

/// A KPI amount as a spreadsheet recomputes it from the Breakdown cells.
struct Mismatch {
    employee: usize,
    kpi: usize,
    spreadsheet: Option<Decimal>,
}

/// Where `ROUND(target bonus*proration*weight*factor,2)` over the cells, in binary floats, would not
/// give the engine's exact amount (the cached value stays the engine's).
fn spreadsheet_mismatches(run: &RunResult) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for (i, e) in run.employees.iter().enumerate() {
        let scheme = &run.schemes[e.employee.scheme];
        let share = e.employment.days_employed as f64 / e.employment.days_in_period as f64;
        for (k, (kpi, s)) in scheme.kpis.iter().zip(&e.score.kpis).enumerate() {
            let x = dec_f64(e.employee.target_bonus)
                * share
                * dec_f64(kpi.weight)
                * exact_f64(&s.factor);
            let got = spreadsheet_round2(x);
            if got != Some(s.amount) {
                out.push(Mismatch {
                    employee: i,
                    kpi: k,
                    spreadsheet: got,
                });
            }
        }
    }
    out
}

fn flags_text(cx: &Context, flags: &[Flag]) -> String {
    flags
        .iter()
        .map(|f| cx.labels.get(f.text()))
        .collect::<Vec<_>>()
        .join("; ")
}

fn summary(
    ws: &mut Worksheet,
    run: &RunResult,
    cx: &Context,
    f: &Formats,
    sheets: &Sheets,
    layout: &mut Layout,
) -> XResult<()> {
    let l = &cx.labels;
    let mut names: Vec<String> = [
        "employee_id",
        "name",
        "team",
        "scheme",
        "currency",
        "target bonus",
        "proration",
    ]
    .iter()
    .map(|k| l.get(k).to_string())
    .collect();
    for k in 1..=layout.max_kpis {
        names.push(format!("{} {k}", l.get("KPI")));
        names.push(format!("{} {k}", l.get("attainment")));
        names.push(format!("{} {k}", l.get("amount")));
    }
    names.push(l.get("bonus").to_string());
    names.push(l.get("adjustments").to_string());
    names.push(l.get("amount").to_string());
    names.push(l.get("flags").to_string());
    header(ws, f, 0, &names)?;

    let (first, last, tc) = (layout.first_row, layout.last_row, layout.total_col);
    let (ac, pc) = (layout.adjustments_col, layout.amount_col);
    // Each employee's adjustments: their lines on the Adjustments sheet, added up by employee_id
    // (an exact comparison when two ids differ only in case).
    let q = quote_sheet_name(sheets.adjustments);
    let line_ids = format!(
        "{q}!{}",
        range(1, adj::EMPLOYEE, layout.adjustments_last_row, adj::EMPLOYEE)
    );
    let line_amounts = format!(
        "{q}!{}",
        range(1, adj::AMOUNT, layout.adjustments_last_row, adj::AMOUNT)
    );
    let clashes = Clashes::of(run.employees.iter().map(|e| e.employee.id.as_str()));
    for (i, e) in run.employees.iter().enumerate() {
        let r = first + i as u32;
        let scheme = &run.schemes[e.employee.scheme];
        let money = money_format(&scheme.currency);
        text(ws, r, 0, &e.employee.id)?;
        text(ws, r, 1, &e.employee.name)?;
        text(ws, r, 2, &e.employee.team)?;
        text(ws, r, 3, &scheme.id)?;
        text(ws, r, 4, &scheme.currency)?;
        ws.write_number_with_format(r, 5, dec_f64(e.employee.target_bonus), &money)?;
        let share = e.employment.days_employed as f64 / e.employment.days_in_period as f64;
        ws.write_number_with_format(r, 6, share, &f.percent)?;
        let mut amount_cells = Vec::new();
        for (k, (kpi, s)) in scheme.kpis.iter().zip(&e.score.kpis).enumerate() {
            let (kc, ac, mc) = Layout::slot_cols(k);
            let br = layout.breakdown_rows[i][k];
            if s.observed {
                text(
                    ws,
                    r,
                    kc,
                    &format!("{} ({})", kpi.id, l.get("observation: not paid")),
                )?;
            } else {
                text(ws, r, kc, &kpi.id)?;
            }
            if let Some(att) = attainment_cell(kpi.better, s) {
                formula(
                    ws,
                    r,
                    ac,
                    sheet_cell(sheets.breakdown, br, bd::ATTAINMENT),
                    result_text(att),
                    &f.percent,
                )?;
            }
            formula(
                ws,
                r,
                mc,
                sheet_cell(sheets.breakdown, br, bd::AMOUNT),
                result_text(dec_f64(s.amount)),
                &money,
            )?;
            // A KPI in observation shows what it would pay, outside the total.
            if !s.observed {
                amount_cells.push(cell(r, mc));
            }
        }
        let sum = if amount_cells.is_empty() {
            "0".to_string()
        } else {
            format!("ROUND(SUM({}),2)", amount_cells.join(","))
        };
        formula(ws, r, tc, sum, result_text(dec_f64(e.score.total)), &money)?;
        let id = &e.employee.id;
        let clash = clashes.clash(id);
        formula(
            ws,
            r,
            ac,
            sum_of_key(&line_ids, id, &line_amounts, clash),
            result_text(dec_f64(e.payout.adjustments)),
            &money,
        )?;
        formula(
            ws,
            r,
            pc,
            format!("ROUND({}+{},2)", cell(r, tc), cell(r, ac)),
            result_text(dec_f64(e.payout.amount)),
            &money,
        )?;
        let mut all: Vec<String> = e
            .score
            .flags
            .iter()
            .map(|fl| l.get(fl.text()).to_string())
            .collect();
        for (kpi, s) in scheme.kpis.iter().zip(&e.score.kpis) {
            if !s.flags.is_empty() {
                let id = if s.observed {
                    format!("{} ({})", kpi.id, l.get("observation: not paid"))
                } else {
                    kpi.id.clone()
                };
                all.push(format!("{id}: {}", flags_text(cx, &s.flags)));
            }
        }
        text(ws, r, layout.flags_col, &all.join("; "))?;
    }
    let n = run.employees.len();
    for k in 0..layout.max_kpis {
        let rows: Vec<(u32, Lines)> = run
            .employees
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.score.kpis.get(k).map(|s| (first + i as u32, s.lines)))
            .collect();
        colour_column(ws, f, Layout::slot_cols(k).1, &rows)?;
    }

    // The totals: one row per currency (amounts in different currencies are never added up),
    // of the bonus, the adjustments and the amount payroll pays.
    let parts = [
        (tc, run.bonus_totals()),
        (ac, run.adjustment_totals()),
        (pc, run.totals()),
    ];
    let totals = run.totals();
    let tr = layout.totals_row;
    let column = |c: u16| range(first, c, last, c);
    if totals.len() <= 1 {
        let all_money = money_format_of(totals.keys().map(String::as_str), f);
        ws.write_string_with_format(tr, 0, l.get("total"), &f.bold)?;
        for (c, sums) in &parts {
            match sums.iter().next() {
                Some((_, total)) => formula(
                    ws,
                    tr,
                    *c,
                    format!("ROUND(SUM({}),2)", column(*c)),
                    result_text(dec_f64(*total)),
                    &all_money.clone().set_bold(),
                )?,
                None => {
                    ws.write_number_with_format(tr, *c, 0.0, &all_money.clone().set_bold())?;
                }
            }
        }
        if let Some(currency) = totals.keys().next() {
            layout.currency_totals.insert(currency.clone(), tr);
        }
    } else {
        let currencies = range(first, 4, last, 4);
        for (k, currency) in totals.keys().enumerate() {
            let row = tr + k as u32;
            ws.write_string_with_format(row, 0, l.get("total"), &f.bold)?;
            text(ws, row, 4, currency)?;
            for (c, sums) in &parts {
                formula(
                    ws,
                    row,
                    *c,
                    sum_of_key(&currencies, currency, &column(*c), false),
                    result_text(dec_f64(sums.get(currency).copied().unwrap_or_default())),
                    &money_format(currency).set_bold(),
                )?;
            }
            layout.currency_totals.insert(currency.clone(), row);
        }
    }

    // Totals per scheme and per team: the bonus, the adjustments and the amount.
    let mut r = tr + totals.len().max(1) as u32 + 1;
    let block = |ws: &mut Worksheet,
                 r: &mut u32,
                 title: &str,
                 key_col: u16,
                 groups: &[crate::results::GroupTotal]|
     -> XResult<Vec<(String, u32)>> {
        let names = [
            title,
            l.get("currency"),
            l.get("employees"),
            l.get("bonus"),
            l.get("adjustments"),
            l.get("amount"),
        ]
        .map(|s| s.to_string());
        header(ws, f, *r, &names)?;
        *r += 1;
        let distinct: BTreeSet<&str> = groups.iter().map(|g| g.key.as_str()).collect();
        let clashes = Clashes::of(distinct.iter().copied());
        let keys = range(first, key_col, last, key_col);
        let mut cells = Vec::new();
        for g in groups {
            let key = &g.key;
            let clash = clashes.clash(key);
            if key.is_empty() {
                ws.write_string(*r, 0, l.get("(no team)"))?;
            } else {
                ws.write_string(*r, 0, key)?;
            }
            text(ws, *r, 1, &g.currency)?;
            ws.write_number_with_format(*r, 2, g.members.len() as f64, &f.integer)?;
            // The cached values of the bonus and adjustments formulas: the members' own parts.
            let of_members = |part: fn(&crate::payout::Payout) -> Decimal| {
                g.members
                    .iter()
                    .try_fold(Decimal::ZERO, |t, &i| {
                        t.checked_add(part(&run.employees[i].payout))
                    })
                    .unwrap_or(Decimal::MAX)
            };
            let values = [
                (3, tc, of_members(|p| p.bonus)),
                (4, ac, of_members(|p| p.adjustments)),
                (5, pc, g.total),
            ];
            for (out, c, value) in values {
                let amounts = column(c);
                let sum = if g.mixed_currencies {
                    let currencies = range(first, 4, last, 4);
                    format!(
                        "ROUND(SUMPRODUCT(EXACT({keys},{})*({currencies}={})*{amounts}),2)",
                        formula_string(key),
                        formula_string(&g.currency)
                    )
                } else {
                    sum_of_key(&keys, key, &amounts, clash)
                };
                formula(
                    ws,
                    *r,
                    out,
                    sum,
                    result_text(dec_f64(value)),
                    &money_format(&g.currency),
                )?;
            }
            cells.push((key.clone(), *r));
            *r += 1;
        }
        *r += 1;
        Ok(cells)
    };
    let by_scheme = run.group_totals(crate::results::Group::Scheme);
    let by_team = run.group_totals(crate::results::Group::Team);
    if n > 0 {
        for (id, row) in block(ws, &mut r, l.get("totals per scheme"), 3, &by_scheme)? {
            layout.scheme_totals.insert(id, (row, 5));
        }
        block(ws, &mut r, l.get("totals per team"), 2, &by_team)?;
    }

    ws.set_freeze_panes(1, 2)?;
    ws.autofilter(0, 0, last, layout.flags_col)?;
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 26)?;
    ws.set_column_width(2, 14)?;
    ws.set_column_width(3, 18)?;
    ws.set_column_width(4, 10)?;
    ws.set_column_width(5, 16)?;
    ws.set_column_width(6, 9)?;
    for k in 0..layout.max_kpis {
        let (kc, ac, mc) = Layout::slot_cols(k);
        ws.set_column_width(kc, 16)?;
        ws.set_column_width(ac, 11)?;
        ws.set_column_width(mc, 15)?;
    }
    ws.set_column_width(tc, 16)?;
    ws.set_column_width(ac, 16)?;
    ws.set_column_width(pc, 16)?;
    ws.set_column_width(layout.flags_col, 70)?;
    print_setup_to(ws, r.saturating_sub(1).max(tr), layout.flags_col)
}

/// The attainment a spreadsheet computes from the Breakdown's actual and target cells, when the
/// engine has one: actual ÷ target (target ÷ actual when lower is better), in binary floats.
fn attainment_cell(better: Better, s: &crate::scoring::KpiScore) -> Option<f64> {
    s.attainment.as_ref()?;
    let a = exact_f64(s.actual.as_ref()?);
    let t = exact_f64(s.target.as_ref()?);
    Some(match better {
        Better::Higher => a / t,
        Better::Lower => t / a,
    })
}

fn breakdown(
    ws: &mut Worksheet,
    run: &RunResult,
    cx: &Context,
    f: &Formats,
    layout: &Layout,
) -> XResult<()> {
    let l = &cx.labels;
    let names: Vec<String> = l.all(&[
        "employee_id",
        "name",
        "scheme",
        "KPI",
        "KPI name",
        "metric",
        "target bonus",
        "days employed",
        "days in period",
        "proration",
        "weight",
        "actual",
        "target",
        "attainment",
        "band",
        "curve segment",
        "factor",
        "amount",
        "source rows",
        "flags",
    ]);
    header(ws, f, 0, &names)?;
    let mut colour_rows: Vec<(u32, Lines)> = Vec::new();
    for (i, e) in run.employees.iter().enumerate() {
        let scheme = &run.schemes[e.employee.scheme];
        let money = money_format(&scheme.currency);
        for (k, (kpi, s)) in scheme.kpis.iter().zip(&e.score.kpis).enumerate() {
            let r = layout.breakdown_rows[i][k];
            colour_rows.push((r, s.lines));
            text(ws, r, bd::EMPLOYEE, &e.employee.id)?;
            text(ws, r, bd::NAME, &e.employee.name)?;
            text(ws, r, bd::SCHEME, &scheme.id)?;
            text(ws, r, bd::KPI, &kpi.id)?;
            if s.observed {
                text(
                    ws,
                    r,
                    bd::KPI_NAME,
                    &format!("{} ({})", kpi.name, l.get("observation: not paid")),
                )?;
            } else {
                text(ws, r, bd::KPI_NAME, &kpi.name)?;
            }
            text(ws, r, bd::METRIC, &scheme.metrics[kpi.metric].description)?;
            ws.write_number_with_format(
                r,
                bd::TARGET_BONUS,
                dec_f64(e.employee.target_bonus),
                &money,
            )?;
            ws.write_number(r, bd::DAYS, e.employment.days_employed as f64)?;
            ws.write_number(r, bd::DAYS_IN_PERIOD, e.employment.days_in_period as f64)?;
            let share = e.employment.days_employed as f64 / e.employment.days_in_period as f64;
            formula(
                ws,
                r,
                bd::PRORATION,
                format!("{}/{}", cell(r, bd::DAYS), cell(r, bd::DAYS_IN_PERIOD)),
                result_text(share),
                &f.percent,
            )?;
            let whole = (kpi.weight * Decimal::ONE_HUNDRED).fract().is_zero();
            let weight = if whole { &f.weight } else { &f.percent };
            ws.write_number_with_format(r, bd::WEIGHT, dec_f64(kpi.weight), weight)?;
            let unit = super::units::unit(scheme, kpi.metric);
            if let Some(a) = &s.actual {
                let format = unit_format(unit, a, &money, f);
                ws.write_number_with_format(r, bd::ACTUAL, exact_f64(a), format)?;
            }
            if let Some(t) = &s.target {
                let format = unit_format(unit, t, &money, f);
                ws.write_number_with_format(r, bd::TARGET, exact_f64(t), format)?;
            }
            if let Some(att) = attainment_cell(kpi.better, s) {
                let (num, den) = match kpi.better {
                    Better::Higher => (bd::ACTUAL, bd::TARGET),
                    Better::Lower => (bd::TARGET, bd::ACTUAL),
                };
                formula(
                    ws,
                    r,
                    bd::ATTAINMENT,
                    format!(
                        "IF({den}=0,\"\",{num}/{den})",
                        num = cell(r, num),
                        den = cell(r, den)
                    ),
                    result_text(att),
                    &f.percent,
                )?;
            }
            if let Some(b) = s.band {
                text(ws, r, bd::BAND, &b.words(s.lines, &cx.labels))?;
            }
            text(
                ws,
                r,
                bd::SEGMENT,
                &segment_words(&kpi.curve, s.curve_part, &cx.labels),
            )?;
            ws.write_number_with_format(r, bd::FACTOR, exact_f64(&s.factor), &f.factor)?;
            formula(
                ws,
                r,
                bd::AMOUNT,
                format!(
                    "ROUND({}*{}*{}*{},2)",
                    cell(r, bd::TARGET_BONUS),
                    cell(r, bd::PRORATION),
                    cell(r, bd::WEIGHT),
                    cell(r, bd::FACTOR)
                ),
                result_text(dec_f64(s.amount)),
                &money,
            )?;
            ws.write_number(r, bd::ROWS, s.rows as f64)?;
            let mut flags = if e.employment.is_employed() {
                flags_text(cx, &s.flags)
            } else {
                l.get(Flag::NotEmployed.text()).to_string()
            };
            if s.observed {
                flags = [l.get("observation: not paid"), &flags]
                    .iter()
                    .filter(|t| !t.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join("; ");
            }
            text(ws, r, bd::FLAGS, &flags)?;
        }
    }
    colour_column(ws, f, bd::ATTAINMENT, &colour_rows)?;
    let last = colour_rows.last().map_or(1, |(r, _)| *r);
    ws.set_freeze_panes(1, 2)?;
    ws.autofilter(0, 0, last, bd::FLAGS)?;
    for (c, w) in [
        (bd::EMPLOYEE, 12),
        (bd::NAME, 26),
        (bd::SCHEME, 18),
        (bd::KPI, 16),
        (bd::KPI_NAME, 26),
        (bd::METRIC, 50),
        (bd::TARGET_BONUS, 15),
        (bd::DAYS, 9),
        (bd::DAYS_IN_PERIOD, 9),
        (bd::PRORATION, 8),
        (bd::WEIGHT, 8),
        (bd::ACTUAL, 16),
        (bd::TARGET, 14),
        (bd::ATTAINMENT, 11),
        (bd::BAND, 12),
        (bd::SEGMENT, 30),
        (bd::FACTOR, 9),
        (bd::AMOUNT, 15),
        (bd::ROWS, 8),
        (bd::FLAGS, 36),
    ] {
        ws.set_column_width(c, w)?;
    }
    print_setup_to(ws, last, bd::FLAGS)
}

/// Every line of every payout besides the bonus, one row each, in employee_id order and the
/// lines' order (the Summary adds them up by employee_id); below, each employee's guarantee.
fn adjustments(
    ws: &mut Worksheet,
    run: &RunResult,
    cx: &Context,
    f: &Formats,
    layout: &Layout,
) -> XResult<()> {
    let l = &cx.labels;
    let names: Vec<String> = l.all(&[
        "employee_id",
        "name",
        "kind",
        "code",
        "amount",
        "reason",
        "approved_by",
        "reference",
        "note",
        "source",
    ]);
    header(ws, f, 0, &names)?;
    let mut r = 1u32;
    for e in &run.employees {
        let scheme = &run.schemes[e.employee.scheme];
        let money = money_format(&scheme.currency);
        for line in &e.payout.lines {
            text(ws, r, adj::EMPLOYEE, &e.employee.id)?;
            text(ws, r, adj::NAME, &e.employee.name)?;
            text(ws, r, adj::KIND, super::units::kind_words(line.kind, l))?;
            text(ws, r, adj::CODE, line.kind.code())?;
            ws.write_number_with_format(r, adj::AMOUNT, dec_f64(line.amount), &money)?;
            let reason = super::units::line_reason(line, &e.payout, scheme, l.lang);
            text(ws, r, adj::REASON, &reason)?;
            text(ws, r, adj::APPROVED_BY, &line.approved_by)?;
            text(ws, r, adj::REFERENCE, &line.reference)?;
            text(ws, r, adj::NOTE, &line.note)?;
            let source = super::units::line_source(line, &e.payout, scheme, l.lang);
            text(ws, r, adj::SOURCE, &source)?;
            r += 1;
        }
    }
    if r == 1 {
        text(
            ws,
            r,
            0,
            l.get("no adjustments this period: every payout is its bonus"),
        )?;
        r += 1;
    }
    debug_assert_eq!(r - 1, layout.adjustments_last_row);
    let mut last_col = adj::SOURCE;
    if run.employees.iter().any(|e| e.payout.guarantee.is_some()) {
        r += 1;
        ws.write_string_with_format(r, 0, l.get("guarantees"), &f.bold)?;
        r += 1;
        let names: Vec<String> = l.all(&[
            "employee_id",
            "name",
            "guarantee from",
            "guarantee until",
            "guaranteed days",
            "minimum",
            "recoverable",
            "opening balance",
            "top-up",
            "recovered",
            "closing balance",
        ]);
        header(ws, f, r, &names)?;
        last_col = last_col.max(names.len() as u16 - 1);
        r += 1;
        for e in &run.employees {
            let Some(g) = &e.payout.guarantee else {
                continue;
            };
            let money = money_format(&run.schemes[e.employee.scheme].currency);
            text(ws, r, 0, &e.employee.id)?;
            text(ws, r, 1, &e.employee.name)?;
            text(ws, r, 2, &g.from.to_string())?;
            text(ws, r, 3, &g.until.to_string())?;
            ws.write_number_with_format(r, 4, g.days as f64, &f.integer)?;
            ws.write_number_with_format(r, 5, dec_f64(g.minimum), &money)?;
            text(ws, r, 6, l.get(if g.recoverable { "yes" } else { "no" }))?;
            ws.write_number_with_format(r, 8, dec_f64(g.top_up), &money)?;
            // A balance only when the guarantee is recovered: opening + top-up − recovered.
            if g.recoverable {
                ws.write_number_with_format(r, 7, dec_f64(g.opening), &money)?;
                ws.write_number_with_format(r, 9, dec_f64(g.recovered), &money)?;
                formula(
                    ws,
                    r,
                    10,
                    format!("ROUND({}+{}-{},2)", cell(r, 7), cell(r, 8), cell(r, 9)),
                    result_text(dec_f64(g.closing)),
                    &money,
                )?;
            }
            r += 1;
        }
    }
    ws.set_freeze_panes(1, 2)?;
    ws.autofilter(0, 0, layout.adjustments_last_row, adj::SOURCE)?;
    for (c, w) in [
        (adj::EMPLOYEE, 12),
        (adj::NAME, 26),
        (adj::KIND, 22),
        (adj::CODE, 14),
        (adj::AMOUNT, 15),
        (adj::REASON, 60),
        (adj::APPROVED_BY, 20),
        (adj::REFERENCE, 14),
        (adj::NOTE, 40),
        (adj::SOURCE, 50),
        (10, 15),
    ] {
        ws.set_column_width(c, w)?;
    }
    print_setup_to(ws, r.saturating_sub(1), last_col)
}

fn flags(
    ws: &mut Worksheet,
    run: &RunResult,
    cx: &Context,
    f: &Formats,
    sheets: &Sheets,
    layout: &Layout,
    mismatches: &[Mismatch],
) -> XResult<()> {
    let l = &cx.labels;
    let names: Vec<String> = l.all(&[
        "employee_id",
        "name",
        "scheme",
        "KPI",
        "flag",
        "attainment",
        "reason",
    ]);
    header(ws, f, 0, &names)?;
    let mut r = 1u32;
    for (i, e) in run.employees.iter().enumerate() {
        let scheme = &run.schemes[e.employee.scheme];
        let who = |ws: &mut Worksheet, r: u32| -> XResult<()> {
            text(ws, r, 0, &e.employee.id)?;
            text(ws, r, 1, &e.employee.name)?;
            text(ws, r, 2, &scheme.id)
        };
        for fl in &e.score.flags {
            who(ws, r)?;
            text(ws, r, 4, l.get(fl.text()))?;
            let days = super::units::days_of(
                e.employment.days_employed,
                e.employment.days_in_period,
                l.lang,
            );
            let reason = l
                .get("not employed on any day of the period ({days}): nothing is paid")
                .replace("{days}", &days);
            text(ws, r, 6, &reason)?;
            r += 1;
        }
        for (k, (kpi, s)) in scheme.kpis.iter().zip(&e.score.kpis).enumerate() {
            for fl in &s.flags {
                who(ws, r)?;
                text(ws, r, 3, &kpi.id)?;
                text(ws, r, 4, l.get(fl.text()))?;
                if let Some(att) = attainment_cell(kpi.better, s) {
                    formula(
                        ws,
                        r,
                        5,
                        sheet_cell(
                            sheets.breakdown,
                            layout.breakdown_rows[i][k],
                            bd::ATTAINMENT,
                        ),
                        result_text(att),
                        &f.percent,
                    )?;
                }
                let a = s
                    .attainment
                    .as_ref()
                    .map(|a| pct_text(a, l.lang))
                    .unwrap_or_default();
                let reason = match fl {
                    Flag::BelowThreshold => l
                        .get("attainment {a} is below {line}: review, and talk about why")
                        .replace("{line}", &percent_text(s.lines.review, l.lang)),
                    Flag::AboveStretch => l
                        .get("attainment {a} is above {line}: a star, or a plan set too low; talk")
                        .replace("{line}", &percent_text(s.lines.discuss, l.lang)),
                    Flag::NoData => l
                        .get("the actual could not be computed (a zero divisor: no deals, an empty book, no answers): pays nothing")
                        .to_string(),
                    Flag::NotEmployed => l.get("not employed in the period").to_string(),
                }
                .replace("{a}", &a);
                let reason = if s.observed {
                    format!("{}: {reason}", l.get("observation: not paid"))
                } else {
                    reason
                };
                text(ws, r, 6, &reason)?;
                r += 1;
            }
        }
    }
    // Warnings: the run's (which include the schemes in use), then those of schemes not in use.
    let mut warnings: Vec<&Problem> = run.warnings.iter().collect();
    for s in &run.schemes {
        for w in &s.warnings {
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
    }
    for w in warnings {
        text(ws, r, 4, l.get("warning"))?;
        text(ws, r, 6, &w.to_string())?;
        r += 1;
    }
    for m in mismatches {
        let e = &run.employees[m.employee];
        let scheme = &run.schemes[e.employee.scheme];
        text(ws, r, 0, &e.employee.id)?;
        text(ws, r, 1, &e.employee.name)?;
        text(ws, r, 2, &scheme.id)?;
        text(ws, r, 3, &scheme.kpis[m.kpi].id)?;
        text(ws, r, 4, l.get("warning"))?;
        let reason = l
            .get("a spreadsheet's ROUND over the Breakdown cells gives {sheet}, the exact amount is {exact}; the exact amount is paid and shown")
            .replace(
                "{sheet}",
                &m.spreadsheet
                    .map(|d| money_text(d, l.lang))
                    .unwrap_or_default(),
            )
            .replace("{exact}", &money_text(e.score.kpis[m.kpi].amount, l.lang));
        text(ws, r, 6, &reason)?;
        r += 1;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, r.saturating_sub(1).max(1), 6)?;
    for (c, w) in [
        (0, 12),
        (1, 26),
        (2, 18),
        (3, 16),
        (4, 30),
        (5, 11),
        (6, 100),
    ] {
        ws.set_column_width(c, w)?;
    }
    print_setup_to(ws, r.saturating_sub(1), 6)
}

/// Per employee with a candidate scheme (`observe_scheme`): what the paid scheme pays, what the
/// candidate would, the difference, and every KPI's attainment under both. Never paid.
fn observation(ws: &mut Worksheet, run: &RunResult, cx: &Context, f: &Formats) -> XResult<()> {
    let l = &cx.labels;
    ws.write_string_with_format(
        0,
        0,
        l.get("a candidate scheme, computed beside the paid one and never paid; payroll.csv is not affected"),
        &f.bold,
    )?;
    let names: Vec<String> = l.all(&[
        "employee_id",
        "name",
        "team",
        "scheme",
        "paid",
        "candidate scheme",
        "candidate",
        "delta",
        "delta %",
        "attainment, paid scheme",
        "attainment, candidate",
    ]);
    header(ws, f, 1, &names)?;
    let attainments = |scheme: &crate::scheme::Scheme, score: &crate::scoring::Score| {
        scheme
            .kpis
            .iter()
            .zip(&score.kpis)
            .map(|(k, s)| {
                let a = s
                    .attainment
                    .as_ref()
                    .map_or("-".to_string(), |a| pct_text(a, l.lang));
                if s.observed {
                    format!("{} {a} ({})", k.id, l.get("observation: not paid"))
                } else {
                    format!("{} {a}", k.id)
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut r = 2u32;
    for e in &run.employees {
        let Some(c) = &e.candidate else { continue };
        let scheme = &run.schemes[e.employee.scheme];
        let candidate = &run.schemes[c.scheme];
        let money = money_format(&scheme.currency);
        text(ws, r, 0, &e.employee.id)?;
        text(ws, r, 1, &e.employee.name)?;
        text(ws, r, 2, &e.employee.team)?;
        text(ws, r, 3, &scheme.id)?;
        ws.write_number_with_format(r, 4, dec_f64(e.score.total), &money)?;
        text(ws, r, 5, &candidate.id)?;
        ws.write_number_with_format(
            r,
            6,
            dec_f64(c.score.total),
            &money_format(&candidate.currency),
        )?;
        if let Some((delta, share)) = run.candidate_change(e) {
            formula(
                ws,
                r,
                7,
                format!("{}-{}", cell(r, 6), cell(r, 4)),
                result_text(dec_f64(delta)),
                &money,
            )?;
            if let Some(pct) = share {
                formula(
                    ws,
                    r,
                    8,
                    format!("{}/{}", cell(r, 7), cell(r, 4)),
                    result_text(exact_f64(&pct)),
                    &f.percent,
                )?;
            }
        }
        text(ws, r, 9, &attainments(scheme, &e.score))?;
        text(ws, r, 10, &attainments(candidate, &c.score))?;
        r += 1;
    }
    ws.set_freeze_panes(2, 2)?;
    ws.autofilter(1, 0, r.saturating_sub(1).max(2), 10)?;
    for (c, w) in [
        (0, 12),
        (1, 26),
        (2, 14),
        (3, 18),
        (4, 15),
        (5, 20),
        (6, 15),
        (7, 15),
        (8, 10),
        (9, 60),
        (10, 60),
    ] {
        ws.set_column_width(c, w)?;
    }
    print_setup(ws)?;
    ws.set_repeat_rows(1, 1)?;
    ws.set_print_area(0, 0, r.saturating_sub(1).max(2), 10)?;
    Ok(())
}

fn data_report(ws: &mut Worksheet, run: &RunResult, cx: &Context, f: &Formats) -> XResult<()> {
    let l = &cx.labels;
    let names: Vec<String> = l.all(&[
        "table",
        "location",
        "present",
        "used",
        "rows read",
        "rows in the period",
        "rows outside the period",
        "rows of people not on the roster",
        "people not on the roster",
        "check: read = in the period + outside + not on the roster",
        "text encoding",
    ]);
    header(ws, f, 0, &names)?;
    let yes_no = |b: bool| l.get(if b { "yes" } else { "no" });
    let mut r = 1u32;
    for t in &run.tables {
        let unknown_rows: usize = t.unknown_people.values().map(|(n, _)| n).sum();
        let who: Vec<String> = t
            .unknown_people
            .iter()
            .map(|(id, (n, amount))| {
                let rows = l.get("rows: {n}").replace("{n}", &n.to_string());
                if amount.is_zero() {
                    format!("{id} ({rows})")
                } else {
                    let amounts = l
                        .get("amounts: {sum}")
                        .replace("{sum}", &decimal_text(amount.decimal().normalize(), l.lang));
                    format!("{id} ({rows}, {amounts})")
                }
            })
            .collect();
        text(
            ws,
            r,
            0,
            &t.table.map(|t| t.to_string()).unwrap_or_default(),
        )?;
        text(ws, r, 1, &t.place)?;
        text(ws, r, 2, yes_no(t.present))?;
        text(ws, r, 3, yes_no(t.used))?;
        for (c, v) in [
            (4, t.rows_read),
            (5, t.rows_in_period),
            (6, t.rows_outside_period),
            (7, unknown_rows),
        ] {
            ws.write_number_with_format(r, c, v as f64, &f.integer)?;
        }
        text(ws, r, 8, &who.join("; "))?;
        let ok = t.rows_read == t.rows_in_period + t.rows_outside_period + unknown_rows;
        formula(
            ws,
            r,
            9,
            format!(
                "{}={}+{}+{}",
                cell(r, 4),
                cell(r, 5),
                cell(r, 6),
                cell(r, 7)
            ),
            bool_text(ok).to_string(),
            &Format::new(),
        )?;
        if let Some(encoding) = t.encoding {
            text(ws, r, 10, encoding)?;
        }
        r += 1;
    }
    let last = r.saturating_sub(1).max(1);
    if !run.warnings.is_empty() {
        r += 1;
        ws.write_string_with_format(r, 0, l.get("warnings"), &f.bold)?;
        r += 1;
        for w in &run.warnings {
            text(ws, r, 0, l.get("warning"))?;
            text(ws, r, 1, &w.place)?;
            text(ws, r, 2, &w.message)?;
            r += 1;
        }
    }
    if let Some(m) = &run.mapping {
        r += 1;
        let title = l
            .get(
                "The CRM export read through the mapping {name}: every source row, kept or dropped",
            )
            .replace("{name}", &m.name);
        ws.write_string_with_format(r, 0, &title, &f.bold)?;
        r += 1;
        let names: Vec<String> = l.all(&[
            "source",
            "use",
            "rows read",
            "kept",
            "dropped",
            "check: read = kept + dropped",
            "dropped, by reason",
        ]);
        for (c, n) in names.iter().enumerate() {
            ws.write_string_with_format(r, c as u16, n, &f.bold)?;
        }
        r += 1;
        for u in &m.usage {
            let dropped = u.dropped_rows();
            text(ws, r, 0, &u.place)?;
            text(ws, r, 1, &usage_role(&u.role, l))?;
            for (c, v) in [(2, u.rows), (3, u.kept), (4, dropped)] {
                ws.write_number_with_format(r, c, v as f64, &f.integer)?;
            }
            formula(
                ws,
                r,
                5,
                format!("{}={}+{}", cell(r, 2), cell(r, 3), cell(r, 4)),
                bool_text(u.rows == u.kept + dropped).to_string(),
                &Format::new(),
            )?;
            let reasons: Vec<String> = u
                .dropped
                .iter()
                .map(|(why, n)| format!("{why}: {n}"))
                .collect();
            text(ws, r, 6, &reasons.join("; "))?;
            r += 1;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, last, 10)?;
    ws.set_row_height(0, 45)?;
    for (c, w) in [
        (0, 12),
        (1, 50),
        (2, 8),
        (3, 8),
        (4, 10),
        (5, 10),
        (6, 10),
        (7, 12),
        (8, 40),
        (9, 22),
    ] {
        ws.set_column_width(c, w)?;
    }
    print_setup_to(ws, r.saturating_sub(1), 10)
}

/// What a source table was used for, in the data report.
fn usage_role(role: &crate::data::usage::Role, l: &crate::report::labels::Labels) -> String {
    use crate::data::usage::Role;
    match role {
        Role::Feeds(t) => l
            .get("rows of the {table} table")
            .replace("{table}", t.name()),
        Role::AsItIs(t) => l
            .get("the {table} table, read as it is")
            .replace("{table}", t.name()),
        Role::Lookup(what) => l.get("looked up: {what}").replace("{what}", what),
        Role::People => l.get("links CRM users to the roster").to_string(),
    }
}

fn audit(
    ws: &mut Worksheet,
    run: &RunResult,
    cx: &Context,
    f: &Formats,
    sheets: &Sheets,
    layout: &Layout,
    payroll: &[u8],
) -> XResult<()> {
    let l = &cx.labels;
    header(
        ws,
        f,
        0,
        &[l.get("item"), l.get("value"), l.get("detail")].map(|s| s.to_string()),
    )?;
    let mut r = 1u32;
    let mut line = |ws: &mut Worksheet, key: &str, value: &str| -> XResult<u32> {
        text(ws, r, 0, key)?;
        text(ws, r, 1, value)?;
        r += 1;
        Ok(r - 1)
    };
    line(
        ws,
        l.get("tool version"),
        &format!("incentive {}", cx.version),
    )?;
    line(ws, l.get("period"), &run.period.to_string())?;
    line(ws, l.get("command"), &cx.command)?;
    line(ws, l.get("data"), &run.data_path.display().to_string())?;
    line(
        ws,
        l.get("schemes folder"),
        &run.schemes_dir.display().to_string(),
    )?;
    let er = line(ws, l.get("number of employees"), "")?;
    ws.write_number_with_format(er, 1, run.employees.len() as f64, &left(&f.integer))?;

    let totals = run.totals();
    // The Summary's total of a currency in a column (the amount, the bonus, the adjustments).
    let summary_total_in = |currency: &str, col: u16| {
        let row = layout
            .currency_totals
            .get(currency)
            .copied()
            .unwrap_or(layout.totals_row);
        sheet_cell(sheets.summary, row, col)
    };
    let summary_total = |currency: &str| summary_total_in(currency, layout.amount_col);
    if totals.len() <= 1 {
        let all_money = left(&money_format_of(totals.keys().map(String::as_str), f));
        let gr = line(ws, l.get("grand total"), "")?;
        let total = totals.values().next().copied().unwrap_or_default();
        formula(
            ws,
            gr,
            1,
            summary_total(totals.keys().next().map_or("", String::as_str)),
            result_text(dec_f64(total)),
            &all_money,
        )?;
    }
    let by_scheme = run.group_totals(crate::results::Group::Scheme);
    for (id, (sr, sc)) in &layout.scheme_totals {
        let Some(scheme) = run.schemes.iter().find(|s| &s.id == id) else {
            continue;
        };
        let total = by_scheme
            .iter()
            .find(|g| &g.key == id)
            .map_or(Decimal::ZERO, |g| g.total);
        let rr = line(ws, l.get("total of scheme"), "")?;
        formula(
            ws,
            rr,
            1,
            sheet_cell(sheets.summary, *sr, *sc),
            result_text(dec_f64(total)),
            &left(&money_format(&scheme.currency)),
        )?;
        text(ws, rr, 2, id)?;
    }
    let q = quote_sheet_name(sheets.summary);
    let (first, last) = (layout.first_row, layout.last_row);
    for (cur, total) in &totals {
        let rr = line(ws, l.get("total in currency"), "")?;
        formula(
            ws,
            rr,
            1,
            sum_of_key(
                &format!("{q}!{}", range(first, 4, last, 4)),
                cur,
                &format!(
                    "{q}!{}",
                    range(first, layout.amount_col, last, layout.amount_col)
                ),
                false,
            ),
            result_text(dec_f64(*total)),
            &left(&money_format(cur)),
        )?;
        text(ws, rr, 2, cur)?;
    }
    // The controls: payroll.csv's amounts, bonuses and adjustments, read back from the bytes
    // the run writes, add up to the Summary's totals in each currency.
    let controls = [
        (
            "amount",
            layout.amount_col,
            totals.clone(),
            "payroll.csv sum",
            "the amount column of payroll.csv, added up",
            "control: payroll.csv sum = Summary total",
        ),
        (
            "bonus",
            layout.total_col,
            run.bonus_totals(),
            "payroll.csv bonus sum",
            "the bonus column of payroll.csv, added up",
            "bonus control: payroll.csv bonus sum = Summary bonus total",
        ),
        (
            "adjustments",
            layout.adjustments_col,
            run.adjustment_totals(),
            "payroll.csv adjustments sum",
            "the adjustments column of payroll.csv, added up",
            "adjustments control: payroll.csv adjustments sum = Summary adjustments total",
        ),
    ];
    for (column, col, expected, sum_label, detail_label, control_label) in controls {
        let (sums, unreadable) = super::payroll_column_sums(payroll, column);
        for (cur, total) in &expected {
            let sum = sums.get(cur).copied().unwrap_or_default();
            let pr = line(ws, l.get(sum_label), "")?;
            ws.write_number_with_format(pr, 1, dec_f64(sum), &left(&money_format(cur)))?;
            let detail = format!("{} ({cur})", l.get(detail_label));
            text(ws, pr, 2, &detail)?;
            let cr = line(ws, l.get(control_label), "")?;
            formula(
                ws,
                cr,
                1,
                format!("{}={}", cell(pr, 1), summary_total_in(cur, col)),
                bool_text(unreadable.is_none() && sum == *total && sums.len() == expected.len())
                    .to_string(),
                &left(&f.bold),
            )?;
            if let Some(why) = &unreadable {
                text(ws, cr, 2, why)?;
            }
        }
    }

    // The final runs this run's close builds on: the previous period's (its guarantee
    // balances) and those trued up, each with the SHA-256 of its run.json.
    let close = &run.close;
    if close.from_zero || close.previous.is_some() || !close.true_ups.is_empty() {
        line(ws, "", "")?;
        let title = line(ws, "", "")?;
        ws.write_string_with_format(title, 0, l.get("runs this close builds on"), &f.bold)?;
        if close.from_zero {
            line(
                ws,
                l.get("guarantee balances"),
                l.get("guarantee balances started at zero (--previous none)"),
            )?;
        }
        if let Some(p) = &close.previous {
            let pr = line(
                ws,
                &l.get("previous final run ({period})")
                    .replace("{period}", &p.period.to_string()),
                &p.given,
            )?;
            text(ws, pr, 2, &p.sha256)?;
        }
        for t in &close.true_ups {
            let tr = line(
                ws,
                &l.get("final run trued up ({period})")
                    .replace("{period}", &t.run.period.to_string()),
                &t.run.given,
            )?;
            text(ws, tr, 2, &t.run.sha256)?;
            let rules = if t.current_rules {
                "recomputed with the current schemes (--rules current), not the recorded ones"
            } else {
                "recomputed with the rules recorded in its run.json"
            };
            line(ws, l.get("rules"), l.get(rules))?;
        }
    }

    // Files.
    r += 1;
    header(
        ws,
        f,
        r,
        &[l.get("file"), l.get("path"), "SHA-256"].map(|s| s.to_string()),
    )?;
    r += 1;
    for (kind, files) in [
        (l.get("scheme file"), &run.scheme_files),
        (l.get("data file"), &run.data_files),
    ] {
        for h in files {
            text(ws, r, 0, kind)?;
            text(ws, r, 1, &h.path.display().to_string())?;
            text(ws, r, 2, &h.sha256)?;
            r += 1;
        }
    }
    ws.set_column_width(0, 44)?;
    ws.set_column_width(1, 50)?;
    ws.set_column_width(2, 68)?;
    print_setup_to(ws, r.saturating_sub(1), 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_signs() {
        assert_eq!(currency_format("KZT"), "#,##0.00 \"KZT\"");
        assert_eq!(currency_format("kzt"), "#,##0.00 \"KZT\"");
        assert_eq!(currency_format("USD"), "#,##0.00 \"USD\"");
        assert_eq!(currency_format("A\"B"), "#,##0.00 \"AB\"");
        assert_eq!(currency_format(""), "#,##0.00");
    }

    #[test]
    fn sumif_criteria_match_the_text_itself() {
        let f = |key: &str, clash: bool| sum_of_key("C2:C9", key, "T2:T9", clash);
        assert_eq!(f("Almaty", false), "ROUND(SUMIF(C2:C9,\"Almaty\",T2:T9),2)");
        // Wildcards escaped, a leading comparison made explicit, quotes doubled.
        assert_eq!(
            f("A*B?~", false),
            "ROUND(SUMIF(C2:C9,\"A~*B~?~~\",T2:T9),2)"
        );
        assert_eq!(f(">100", false), "ROUND(SUMIF(C2:C9,\"=>100\",T2:T9),2)");
        assert_eq!(
            f("say \"hi\"", false),
            "ROUND(SUMIF(C2:C9,\"say \"\"hi\"\"\",T2:T9),2)"
        );
        // Case clashes and the empty team compare exactly.
        assert_eq!(
            f("North", true),
            "ROUND(SUMPRODUCT(EXACT(C2:C9,\"North\")*T2:T9),2)"
        );
        assert_eq!(f("", false), "ROUND(SUMPRODUCT((C2:C9=\"\")*T2:T9),2)");
    }

    #[test]
    fn keys_equal_but_for_case_clash() {
        let c = Clashes::of(["E1", "e1", "E2", "Север", "север", ""].into_iter());
        assert!(c.clash("E1") && c.clash("e1") && c.clash("Север"));
        assert!(!c.clash("E2") && !c.clash("") && !c.clash("E3"));
    }

    #[test]
    fn spreadsheet_round_rounds_the_fifteen_digits() {
        // 123456.7 × 0.15 is 18518.505 exactly; the float product is just below it.
        let x = 123456.7_f64 * 0.15;
        assert!(x < 18518.505);
        assert_eq!(spreadsheet_round2(x), Some("18518.51".parse().unwrap()));
        assert_eq!(spreadsheet_round2(-x), Some("-18518.51".parse().unwrap()));
        assert_eq!(spreadsheet_round2(0.0), Some(Decimal::ZERO));
        assert_eq!(
            spreadsheet_round2(26000.052),
            Some("26000.05".parse().unwrap())
        );
    }

    #[test]
    fn colour_runs_follow_each_kpis_lines() {
        let l = |r: &str, d: &str| Lines {
            review: r.parse().unwrap(),
            discuss: d.parse().unwrap(),
        };
        let (a, b) = (l("0.8", "1.2"), l("0.7", "1.2"));
        let rows = [(1, a), (2, a), (3, b), (4, a), (6, a)];
        assert_eq!(
            threshold_runs(&rows),
            [(1, 2, 0), (3, 3, 2), (4, 4, 3), (6, 6, 4)]
        );
    }

    #[test]
    fn floats_of_exact_values() {
        assert_eq!(dec_f64("1097677.08".parse().unwrap()), 1097677.08);
        let third = exact(Decimal::ONE) / exact(Decimal::from(3));
        assert_eq!(exact_f64(&third), 1.0 / 3.0);
        assert_eq!(result_text(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(result_text(-0.0), "0");
        assert_eq!(pct_text(&third, Lang::En), "33.3%");
        assert_eq!(pct_text(&third, Lang::Ru), "33,3%");
    }
}
