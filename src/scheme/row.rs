//! Values computed from one row's columns: what an aggregation adds up, averages or ranks when it
//! is more than one column (`average: deals.closed_on - deals.created_on`), and the time from a row
//! to the next matching row (`time_to_next:`, e.g. from an incoming email to its answer).
//!
//! Exact without fractions per row: every expression has a fixed denominator, known when the
//! scheme loads (3 600 for hours counted in seconds, 60 for `duration_sec / 60` …), and each row
//! gives the numerator as a [`Decimal`]. Sums, minima, maxima and percentiles of the numerators
//! divided once by the denominator are exactly the aggregations of the values, so the
//! accumulators stay as cheap as for a plain column and no hour is ever rounded.

use super::{Filter, expr::Expr};
use crate::data::tables::{ColType, Table};
use crate::data::value::Value;
use rust_decimal::Decimal;

/// What an aggregation reads of each row its filter keeps.
#[derive(Debug, Clone)]
pub enum Of {
    /// A numeric column (or, for `count_distinct`, any column).
    Column(usize),
    /// Arithmetic over the row's columns.
    Row(RowExpr),
    /// The time from the row to the same employee's next row matching a condition.
    Wait(Box<Wait>),
}

impl Of {
    /// The denominator of the numerators the rows give (see the module docs).
    pub fn denominator(&self) -> u64 {
        match self {
            Of::Column(_) => 1,
            Of::Row(e) => e.denominator(),
            Of::Wait(w) => w.unit.denominator(),
        }
    }
}

/// Arithmetic over one row's columns. Dates enter only as a difference of two of them: two dates
/// give days, two datetimes hours.
#[derive(Debug, Clone, PartialEq)]
pub enum RowExpr {
    Number(Decimal),
    /// A numeric column; an empty cell leaves the row without a value.
    Column(usize),
    /// `a - b` of two date columns, in whole days.
    Days(usize, usize),
    /// `a - b` of two datetime columns, in hours (counted in seconds over 3 600).
    Hours(usize, usize),
    Neg(Box<RowExpr>),
    Add(Box<RowExpr>, Box<RowExpr>),
    Sub(Box<RowExpr>, Box<RowExpr>),
    Mul(Box<RowExpr>, Box<RowExpr>),
    /// Division by a positive whole number written in the expression (`duration_sec / 60`).
    Div(Box<RowExpr>, u32),
}

/// The largest denominator an expression may build (`/ 60 / 60 * …`): beyond it the numerators
/// would lose digits.
pub const MAX_DENOMINATOR: u64 = 1_000_000_000;

/// A row value that cannot be a number: its sum would not fit in a decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl RowExpr {
    /// The denominator of the numerators [`RowExpr::numerator`] gives. Bounded by
    /// [`MAX_DENOMINATOR`] when the scheme loads; saturates rather than overflows.
    pub fn denominator(&self) -> u64 {
        match self {
            RowExpr::Number(_) | RowExpr::Column(_) | RowExpr::Days(..) => 1,
            RowExpr::Hours(..) => 3_600,
            RowExpr::Neg(e) => e.denominator(),
            RowExpr::Add(a, b) | RowExpr::Sub(a, b) => {
                let (x, y) = (a.denominator(), b.denominator());
                (x / gcd(x, y)).saturating_mul(y)
            }
            RowExpr::Mul(a, b) => a.denominator().saturating_mul(b.denominator()),
            RowExpr::Div(e, n) => e.denominator().saturating_mul(u64::from(*n)),
        }
    }

    /// The row's value × [`RowExpr::denominator`]; `Ok(None)` when a column it reads is empty.
    pub fn numerator(&self, row: &[Value]) -> Result<Option<Decimal>, Overflow> {
        let scaled = |e: &RowExpr, to: u64| -> Result<Option<Decimal>, Overflow> {
            let Some(v) = e.numerator(row)? else {
                return Ok(None);
            };
            let factor = Decimal::from(to / e.denominator());
            v.checked_mul(factor).map(Some).ok_or(Overflow)
        };
        let both =
            |a: &RowExpr, b: &RowExpr, to: u64| -> Result<Option<(Decimal, Decimal)>, Overflow> {
                Ok(match (scaled(a, to)?, scaled(b, to)?) {
                    (Some(x), Some(y)) => Some((x, y)),
                    _ => None,
                })
            };
        Ok(match self {
            RowExpr::Number(d) => Some(*d),
            RowExpr::Column(c) => row[*c].as_number(),
            RowExpr::Days(a, b) => match (row[*a].as_date(), row[*b].as_date()) {
                (Some(x), Some(y)) => Some(Decimal::from((x - y).num_days())),
                _ => None,
            },
            RowExpr::Hours(a, b) => match (datetime(&row[*a]), datetime(&row[*b])) {
                (Some(x), Some(y)) => Some(Decimal::from((x - y).num_seconds())),
                _ => None,
            },
            RowExpr::Neg(e) => e.numerator(row)?.map(|v| -v),
            RowExpr::Add(a, b) | RowExpr::Sub(a, b) => {
                let Some((x, y)) = both(a, b, self.denominator())? else {
                    return Ok(None);
                };
                let v = if matches!(self, RowExpr::Add(..)) {
                    x.checked_add(y)
                } else {
                    x.checked_sub(y)
                };
                Some(v.ok_or(Overflow)?)
            }
            RowExpr::Mul(a, b) => match (a.numerator(row)?, b.numerator(row)?) {
                (Some(x), Some(y)) => Some(x.checked_mul(y).ok_or(Overflow)?),
                _ => None,
            },
            RowExpr::Div(e, _) => e.numerator(row)?,
        })
    }

    /// The columns the expression reads.
    pub fn columns(&self, out: &mut Vec<usize>) {
        match self {
            RowExpr::Number(_) => {}
            RowExpr::Column(c) => out.push(*c),
            RowExpr::Days(a, b) | RowExpr::Hours(a, b) => out.extend([*a, *b]),
            RowExpr::Neg(e) | RowExpr::Div(e, _) => e.columns(out),
            RowExpr::Add(a, b) | RowExpr::Sub(a, b) | RowExpr::Mul(a, b) => {
                a.columns(out);
                b.columns(out);
            }
        }
    }

    /// What the value counts in, for the generated description: days or hours when the
    /// expression is one date difference, nothing otherwise.
    pub fn time_unit(&self) -> Option<TimeUnit> {
        match self {
            RowExpr::Days(..) => Some(TimeUnit::Days),
            RowExpr::Hours(..) => Some(TimeUnit::Hours),
            _ => None,
        }
    }
}

/// A datetime cell as a point in time (a date alone is its midnight).
pub fn datetime(v: &Value) -> Option<chrono::NaiveDateTime> {
    match v {
        Value::DateTime(t) => Some(*t),
        Value::Date(d) => Some(d.and_time(chrono::NaiveTime::MIN)),
        _ => None,
    }
}

/// Days between dates, hours between datetimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Days,
    Hours,
}

impl TimeUnit {
    pub fn of(ty: ColType) -> Option<TimeUnit> {
        match ty {
            ColType::Date => Some(TimeUnit::Days),
            ColType::DateTime => Some(TimeUnit::Hours),
            _ => None,
        }
    }

    /// Numerators are whole days, or seconds over 3 600.
    pub fn denominator(self) -> u64 {
        match self {
            TimeUnit::Days => 1,
            TimeUnit::Hours => 3_600,
        }
    }

    /// A cell's time in this unit's numerator: whole days, or seconds; None when empty.
    pub fn time(self, v: &Value) -> Option<i64> {
        match self {
            TimeUnit::Days => v
                .as_date()
                .map(|d| i64::from(chrono::Datelike::num_days_from_ce(&d))),
            TimeUnit::Hours => datetime(v).map(|t| t.and_utc().timestamp()),
        }
    }

    pub fn word(self, lang: &str) -> &'static str {
        match (self, lang) {
            (TimeUnit::Days, "ru") => "в днях",
            (TimeUnit::Hours, "ru") => "в часах",
            (TimeUnit::Days, _) => "in days",
            (TimeUnit::Hours, _) => "in hours",
        }
    }
}

/// `time_to_next: { at: emails.sent_at, next: { direction: outgoing }, same: client_id }`: for
/// each row the metric keeps (the incoming emails of the period), the time from its `at` to the
/// `at` of the same employee's first later-or-equal row of the table (any period) that `next`
/// keeps and that has the same values in the `same` columns, if it comes `within` the time
/// given; a row without one has the value `if_none` when written, and otherwise no value.
#[derive(Debug, Clone)]
pub struct Wait {
    /// The date or datetime column both rows are timed by.
    pub at: usize,
    pub unit: TimeUnit,
    /// The condition of the next row.
    pub next: Filter,
    /// The columns whose values the next row must repeat (a row with one of them empty is
    /// matched with nothing).
    pub same: Vec<usize>,
    /// How long the next row may take, in the unit (`within: 24` hours): a later one does not
    /// count, and the row has no next row.
    pub within: Option<Decimal>,
    /// The value of a row with no next row, in the unit (e.g. 24 hours); None: no value.
    pub if_none: Option<Decimal>,
}

impl Wait {
    /// The row's time, in the unit's numerator (days, or seconds); None when `at` is empty.
    pub fn time(&self, row: &[Value]) -> Option<i64> {
        self.unit.time(&row[self.at])
    }
}

/// A parsed expression's operand, before its type is checked.
#[derive(Debug, Clone, Copy)]
pub struct Operand {
    pub table: Table,
    pub column: usize,
}

enum Typed {
    Num(RowExpr),
    Date(usize, ColType),
}

/// Turns a formula over the row's columns (operands by index) into a row expression, checking
/// that dates enter only as a difference of two dates or two datetimes. The error says what to
/// write instead.
pub fn typed(e: &Expr, operands: &[Operand]) -> Result<RowExpr, String> {
    let name = |c: &Operand| format!("{}.{}", c.table, c.table.columns()[c.column].name);
    fn num(t: Typed, what: &str) -> Result<RowExpr, String> {
        match t {
            Typed::Num(e) => Ok(e),
            Typed::Date(..) => Err(what.to_string()),
        }
    }
    fn go(e: &Expr, ops: &[Operand], name: &dyn Fn(&Operand) -> String) -> Result<Typed, String> {
        let date_msg = |e: &Expr| {
            let mut ms = Vec::new();
            e.metrics(&mut ms);
            let date = ms
                .iter()
                .map(|&m| ops[m])
                .find(|o| o.table.columns()[o.column].ty.is_date())
                .map_or_else(|| "a date".to_string(), |o| name(&o));
            format!(
                "{date} is a date, not a number: a date enters a row expression only as the difference of two dates (days) or of two datetimes (hours), e.g. `deals.closed_on - deals.created_on`"
            )
        };
        Ok(match e {
            Expr::Number(d) => Typed::Num(RowExpr::Number(*d)),
            Expr::Metric(i) => {
                let o = ops[*i];
                let col = o.table.columns()[o.column];
                if col.ty.is_number() {
                    Typed::Num(RowExpr::Column(o.column))
                } else if col.ty.is_date() {
                    Typed::Date(o.column, col.ty)
                } else {
                    return Err(format!(
                        "{} holds {}, not a number; a row expression reads numeric columns and differences of dates",
                        name(&o),
                        col.ty.expected()
                    ));
                }
            }
            Expr::Sub(a, b) => match (go(a, ops, name)?, go(b, ops, name)?) {
                (Typed::Date(x, tx), Typed::Date(y, ty)) => {
                    if tx != ty {
                        let (d, t) = if tx == ColType::Date { (x, y) } else { (y, x) };
                        let table = ops[0].table;
                        let n = |c: usize| format!("{table}.{}", table.columns()[c].name);
                        return Err(format!(
                            "{} is a date and {} a datetime: subtract two dates (days) or two datetimes (hours)",
                            n(d),
                            n(t)
                        ));
                    }
                    Typed::Num(if tx == ColType::Date {
                        RowExpr::Days(x, y)
                    } else {
                        RowExpr::Hours(x, y)
                    })
                }
                (Typed::Num(x), Typed::Num(y)) => {
                    Typed::Num(RowExpr::Sub(Box::new(x), Box::new(y)))
                }
                _ => return Err(date_msg(e)),
            },
            Expr::Neg(x) => Typed::Num(RowExpr::Neg(Box::new(num(
                go(x, ops, name)?,
                &date_msg(e),
            )?))),
            Expr::Add(a, b) | Expr::Mul(a, b) => {
                let x = num(go(a, ops, name)?, &date_msg(e))?;
                let y = num(go(b, ops, name)?, &date_msg(e))?;
                Typed::Num(if matches!(e, Expr::Add(..)) {
                    RowExpr::Add(Box::new(x), Box::new(y))
                } else {
                    RowExpr::Mul(Box::new(x), Box::new(y))
                })
            }
            Expr::Div(a, b) => {
                let x = num(go(a, ops, name)?, &date_msg(e))?;
                let n = match **b {
                    Expr::Number(d)
                        if d > Decimal::ZERO
                            && d.fract().is_zero()
                            && d <= Decimal::from(1_000_000) =>
                    {
                        u32::try_from(d.mantissa() / 10i128.pow(d.scale())).unwrap_or(1)
                    }
                    _ => {
                        return Err(
                            "a row expression divides only by a whole number from 1 to 1 000 000 written in it (e.g. `calls.duration_sec / 60`); a ratio of two aggregates is a formula metric: `formula: revenue / deals_won`".to_string(),
                        );
                    }
                };
                Typed::Num(RowExpr::Div(Box::new(x), n))
            }
        })
    }
    let t = go(e, operands, &name)?;
    let e = match t {
        Typed::Num(e) => e,
        Typed::Date(c, _) => {
            let o = operands.iter().find(|o| o.column == c).copied();
            let n = o.map_or_else(|| "the column".to_string(), |o| name(&o));
            return Err(format!(
                "{n} is a date: an aggregation adds or ranks numbers, so write the difference of two dates (e.g. `deals.closed_on - deals.created_on`, in days)"
            ));
        }
    };
    if e.denominator() > MAX_DENOMINATOR {
        return Err(format!(
            "the expression divides by more than {MAX_DENOMINATOR} in all; divide less"
        ));
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use std::str::FromStr;

    fn d(s: &str) -> Value {
        Value::Date(NaiveDate::from_str(s).unwrap())
    }
    fn t(s: &str) -> Value {
        Value::DateTime(crate::data::value::parse_datetime_text(s).unwrap())
    }
    fn n(s: &str) -> Value {
        Value::Number(Decimal::from_str(s).unwrap())
    }

    #[test]
    fn denominators_follow_the_arithmetic() {
        let hours = RowExpr::Hours(0, 1);
        assert_eq!(hours.denominator(), 3600);
        let minutes = RowExpr::Div(Box::new(RowExpr::Column(2)), 60);
        assert_eq!(minutes.denominator(), 60);
        // hours + minutes: over lcm(3600, 60) = 3600.
        let sum = RowExpr::Add(Box::new(hours.clone()), Box::new(minutes.clone()));
        assert_eq!(sum.denominator(), 3600);
        let row = [t("2026-10-01 09:00"), t("2026-10-01 08:30"), n("90")];
        // 30 min = 1800 s over 3600; 90 s / 60 = 1.5 min = 90 over 60 → 5400 over 3600.
        assert_eq!(sum.numerator(&row), Ok(Some(Decimal::from(1800 + 5400))));
        let product = RowExpr::Mul(Box::new(hours), Box::new(minutes));
        assert_eq!(product.denominator(), 216_000);
        assert_eq!(product.numerator(&row), Ok(Some(Decimal::from(1800 * 90))));
    }

    #[test]
    fn date_differences_count_days_and_empty_cells_give_no_value() {
        let e = RowExpr::Days(0, 1);
        assert_eq!(
            e.numerator(&[d("2026-10-31"), d("2026-09-01")]),
            Ok(Some(Decimal::from(60)))
        );
        assert_eq!(e.numerator(&[Value::Empty, d("2026-09-01")]), Ok(None));
        assert_eq!(
            RowExpr::Mul(Box::new(RowExpr::Column(0)), Box::new(RowExpr::Column(0)))
                .numerator(&[Value::Number(Decimal::MAX)]),
            Err(Overflow)
        );
    }
}
