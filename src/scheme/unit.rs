//! Units: what a metric's value is (money in the scheme's currency, a count, a ratio, a score),
//! decided once from the scheme, in the domain; every renderer asks [`unit`] instead of guessing
//! (the renderers' number formatting lives in `report::units`).

use super::{AggOp, Expr, MetricDef, Scheme};
use crate::data::tables::Table;
use rust_decimal::Decimal;

/// What a metric's value is, and so how it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// An amount of the scheme's currency: `1 250 000 KZT`.
    Money,
    /// A number of rows or of distinct values: `34`.
    Count,
    /// A fraction, shown as a percentage: `80.0%`.
    Ratio,
    /// A score on a scale (an NPS answer, a ratio × 100): `55.56`.
    Score,
    /// Anything else: a number with at most two decimals.
    Number,
}

/// The unit of a column's values: money for an amount column, a score for the NPS answer.
pub fn column_unit(table: Table, column: usize) -> Unit {
    if table.amount_column() == Some(column) {
        Unit::Money
    } else if table == Table::Nps && table.columns()[column].name == "score" {
        Unit::Score
    } else {
        Unit::Number
    }
}

/// The unit of a scheme's metric, from what it aggregates and how formulas combine units:
/// a sum of amounts is money, a count divided by a count is a ratio, a ratio × 100 is a score.
pub fn unit(scheme: &Scheme, metric: usize) -> Unit {
    #[derive(Clone, Copy, PartialEq)]
    enum U {
        /// A number written in the formula; `true` when it is 100 (a ratio × 100 is a score).
        Scalar(bool),
        Money,
        Count,
        Ratio,
        Score,
        Number,
    }
    fn of_metric(scheme: &Scheme, m: usize, depth: usize) -> U {
        if depth > scheme.metrics.len() {
            return U::Number;
        }
        match &scheme.metrics[m].def {
            MetricDef::Aggregate(a) => match a.op {
                AggOp::Count | AggOp::CountDistinct => U::Count,
                // A part of the kept rows: a fraction from 0 to 1.
                AggOp::Share => U::Ratio,
                _ => match a.column().map(|c| column_unit(a.table, c)) {
                    Some(Unit::Money) => U::Money,
                    Some(Unit::Score) => U::Score,
                    _ => U::Number,
                },
            },
            MetricDef::Formula(e) => of_expr(scheme, e, depth + 1),
        }
    }
    fn of_expr(scheme: &Scheme, e: &Expr, depth: usize) -> U {
        match e {
            Expr::Number(d) => U::Scalar(*d == Decimal::ONE_HUNDRED),
            Expr::Metric(m) => of_metric(scheme, *m, depth),
            Expr::Neg(e) => of_expr(scheme, e, depth),
            Expr::Add(a, b) | Expr::Sub(a, b) => {
                match (of_expr(scheme, a, depth), of_expr(scheme, b, depth)) {
                    (U::Scalar(_), x) | (x, U::Scalar(_)) => x,
                    (x, y) if x == y => x,
                    _ => U::Number,
                }
            }
            Expr::Mul(a, b) => match (of_expr(scheme, a, depth), of_expr(scheme, b, depth)) {
                (U::Ratio, U::Scalar(true)) | (U::Scalar(true), U::Ratio) => U::Score,
                (U::Scalar(_), x) | (x, U::Scalar(_)) => x,
                (U::Money, U::Ratio) | (U::Ratio, U::Money) => U::Money,
                (U::Ratio, U::Ratio) => U::Ratio,
                _ => U::Number,
            },
            Expr::Div(a, b) => match (of_expr(scheme, a, depth), of_expr(scheme, b, depth)) {
                (x, U::Scalar(_)) => x,
                (U::Money, U::Count | U::Number) => U::Money,
                (U::Scalar(_), _) => U::Number,
                (x, y) if x == y => U::Ratio,
                _ => U::Number,
            },
        }
    }
    match of_metric(scheme, metric, 0) {
        U::Money => Unit::Money,
        U::Ratio => Unit::Ratio,
        U::Count => Unit::Count,
        U::Score => Unit::Score,
        U::Scalar(_) | U::Number => Unit::Number,
    }
}
