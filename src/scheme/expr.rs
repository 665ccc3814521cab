//! Formula metrics: arithmetic over other metrics, e.g. `(promoters - detractors) / responses * 100`.
//!
//! Evaluated in exact fractions; dividing by zero gives a missing value ("no data"), and so does
//! any missing operand.

use crate::num::{Exact, exact};
use num_traits::Zero;
use rust_decimal::Decimal;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(Decimal),
    /// A metric of the same scheme, by index.
    Metric(usize),
    Neg(Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Mul(Box<Expr>, Box<Expr>),
    Div(Box<Expr>, Box<Expr>),
}

impl Expr {
    pub fn eval(&self, metric: &dyn Fn(usize) -> Option<Exact>) -> Option<Exact> {
        Some(match self {
            Expr::Number(d) => exact(*d),
            Expr::Metric(i) => metric(*i)?,
            Expr::Neg(e) => -e.eval(metric)?,
            Expr::Add(a, b) => a.eval(metric)? + b.eval(metric)?,
            Expr::Sub(a, b) => a.eval(metric)? - b.eval(metric)?,
            Expr::Mul(a, b) => a.eval(metric)? * b.eval(metric)?,
            Expr::Div(a, b) => {
                let d = b.eval(metric)?;
                if d.is_zero() {
                    return None;
                }
                a.eval(metric)? / d
            }
        })
    }

    /// The number of parts of the formula (numbers, operations, metrics).
    pub fn size(&self) -> u64 {
        match self {
            Expr::Number(_) | Expr::Metric(_) => 1,
            Expr::Neg(e) => 1 + e.size(),
            Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) => {
                1 + a.size() + b.size()
            }
        }
    }

    /// Every metric the formula reads.
    pub fn metrics(&self, out: &mut Vec<usize>) {
        match self {
            Expr::Number(_) => {}
            Expr::Metric(i) => out.push(*i),
            Expr::Neg(e) => e.metrics(out),
            Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) => {
                a.metrics(out);
                b.metrics(out);
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(Decimal),
    Name(String),
    Op(char),
}

/// Parentheses (and unary minus signs) nest at most this deep: evaluation recurses through the
/// tree, and a hostile `((((…))))` must be an error, not a stack overflow.
pub const MAX_NESTING: usize = 50;
/// A formula has at most this many operations (`a + a + … ` chains into a tree as deep as it is
/// long); split a longer one into several metrics.
pub const MAX_OPERATIONS: usize = 500;

/// A formula that names metrics, still unresolved: names are looked up by the caller.
/// Errors carry the 0-based character offset in the formula text.
pub fn parse(
    text: &str,
    resolve: &mut dyn FnMut(&str, usize) -> Option<usize>,
) -> Result<Expr, (usize, String)> {
    let toks = tokenize(text)?;
    let ops = toks
        .iter()
        .filter(|(_, t)| matches!(t, Tok::Op('+' | '-' | '*' | '/')))
        .nth(MAX_OPERATIONS);
    if let Some((at, _)) = ops {
        return Err((
            *at,
            format!(
                "the formula has more than {MAX_OPERATIONS} operations; split it into several metrics"
            ),
        ));
    }
    let mut p = ExprParser {
        toks,
        i: 0,
        end: text.chars().count(),
        depth: 0,
        resolve,
    };
    let e = p.sum()?;
    if let Some((at, t)) = p.toks.get(p.i) {
        return Err((*at, format!("unexpected {} in the formula", show(t))));
    }
    Ok(e)
}

fn show(t: &Tok) -> String {
    match t {
        Tok::Num(d) => format!("number {d}"),
        Tok::Name(n) => format!("name {n:?}"),
        Tok::Op(c) => format!("{c:?}"),
    }
}

fn tokenize(text: &str) -> Result<Vec<(usize, Tok)>, (usize, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if "+-*/()".contains(c) {
            out.push((i, Tok::Op(c)));
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            let mut d: Decimal = s
                .parse()
                .map_err(|_| (start, format!("{s:?} is not a number")))?;
            if i < chars.len() && chars[i] == '%' {
                d /= Decimal::ONE_HUNDRED;
                i += 1;
            }
            out.push((start, Tok::Num(d)));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            // `deals.amount`: a dot followed by a letter continues the name (a row
            // expression's column; in a formula, a name that is no metric).
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || chars[i] == '_'
                    || (chars[i] == '.'
                        && chars
                            .get(i + 1)
                            .is_some_and(|c| c.is_alphabetic() || *c == '_')))
            {
                i += 1;
            }
            out.push((start, Tok::Name(chars[start..i].iter().collect())));
        } else {
            return Err((i, format!("unexpected character {c:?} in the formula")));
        }
    }
    Ok(out)
}

struct ExprParser<'a> {
    toks: Vec<(usize, Tok)>,
    i: usize,
    end: usize,
    /// How many parentheses and unary minus signs enclose the current position.
    depth: usize,
    resolve: &'a mut dyn FnMut(&str, usize) -> Option<usize>,
}

impl ExprParser<'_> {
    fn deeper(&mut self, at: usize) -> Result<(), (usize, String)> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err((
                at,
                format!(
                    "the formula nests deeper than {MAX_NESTING} levels; split it into several metrics"
                ),
            ));
        }
        Ok(())
    }

    fn peek_op(&self) -> Option<char> {
        match self.toks.get(self.i) {
            Some((_, Tok::Op(c))) => Some(*c),
            _ => None,
        }
    }

    fn sum(&mut self) -> Result<Expr, (usize, String)> {
        let mut left = self.product()?;
        while let Some(op @ ('+' | '-')) = self.peek_op() {
            self.i += 1;
            let right = self.product()?;
            left = if op == '+' {
                Expr::Add(Box::new(left), Box::new(right))
            } else {
                Expr::Sub(Box::new(left), Box::new(right))
            };
        }
        Ok(left)
    }

    fn product(&mut self) -> Result<Expr, (usize, String)> {
        let mut left = self.unary()?;
        while let Some(op @ ('*' | '/')) = self.peek_op() {
            self.i += 1;
            let right = self.unary()?;
            left = if op == '*' {
                Expr::Mul(Box::new(left), Box::new(right))
            } else {
                Expr::Div(Box::new(left), Box::new(right))
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, (usize, String)> {
        if self.peek_op() == Some('-') {
            let at = self.toks[self.i].0;
            self.i += 1;
            self.deeper(at)?;
            let e = Expr::Neg(Box::new(self.unary()?));
            self.depth -= 1;
            return Ok(e);
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, (usize, String)> {
        let Some((at, tok)) = self.toks.get(self.i).cloned() else {
            return Err((self.end, "the formula ends too early".to_string()));
        };
        self.i += 1;
        match tok {
            Tok::Num(d) => Ok(Expr::Number(d)),
            Tok::Name(n) => (self.resolve)(&n, at)
                .map(Expr::Metric)
                .ok_or((at, String::new())),
            Tok::Op('(') => {
                self.deeper(at)?;
                let e = self.sum()?;
                self.depth -= 1;
                if self.peek_op() != Some(')') {
                    let at = self.toks.get(self.i).map_or(self.end, |t| t.0);
                    return Err((at, "a `(` is not closed".to_string()));
                }
                self.i += 1;
                Ok(e)
            }
            t => Err((at, format!("unexpected {} in the formula", show(&t)))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::exact_int;

    fn parse_with(text: &str, names: &[&str]) -> Result<Expr, (usize, String)> {
        parse(text, &mut |n, _| names.iter().position(|x| *x == n))
    }

    #[test]
    fn precedence_and_parentheses() {
        let e = parse_with("(p - d) / n * 100", &["p", "d", "n"]).unwrap();
        let vals = [exact_int(7), exact_int(2), exact_int(10)];
        assert_eq!(e.eval(&|i| Some(vals[i].clone())), Some(exact_int(50)));
        let e = parse_with("p - d / n", &["p", "d", "n"]).unwrap();
        assert_eq!(
            e.eval(&|i| Some(vals[i].clone())),
            Some(exact_int(7) - exact_int(2) / exact_int(10))
        );
        let e = parse_with("-p + 50%", &["p"]).unwrap();
        assert_eq!(
            e.eval(&|_| Some(exact_int(1))),
            Some(exact_int(-1) + exact_int(1) / exact_int(2))
        );
    }

    #[test]
    fn division_by_zero_is_missing() {
        let e = parse_with("a / b", &["a", "b"]).unwrap();
        assert_eq!(e.eval(&|i| Some(exact_int(1 - i as i64))), None);
        assert_eq!(
            e.eval(&|i| if i == 0 { None } else { Some(exact_int(1)) }),
            None
        );
    }

    #[test]
    fn errors_point_into_the_formula() {
        assert_eq!(
            parse_with("a +", &["a"]),
            Err((3, "the formula ends too early".into()))
        );
        assert_eq!(
            parse_with("(a", &["a"]),
            Err((2, "a `(` is not closed".into()))
        );
        assert_eq!(
            parse_with("a $ b", &["a"]),
            Err((2, "unexpected character '$' in the formula".into()))
        );
        assert_eq!(
            parse_with("a b", &["a", "b"]),
            Err((2, "unexpected name \"b\" in the formula".into()))
        );
        assert_eq!(parse_with("zz", &["a"]), Err((0, String::new())));
    }

    #[test]
    fn nesting_and_length_are_bounded() {
        let deep = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(
            parse_with(&deep, &["a"]),
            Err((
                50,
                "the formula nests deeper than 50 levels; split it into several metrics".into()
            ))
        );
        let minus = format!("{}a", "-".repeat(100));
        assert_eq!(parse_with(&minus, &["a"]).unwrap_err().0, 50);
        let ok = format!("{}a{}", "(".repeat(50), ")".repeat(50));
        assert!(parse_with(&ok, &["a"]).is_ok());
        let long = vec!["a"; 100_000].join("+");
        assert_eq!(
            parse_with(&long, &["a"]),
            Err((
                1001,
                "the formula has more than 500 operations; split it into several metrics".into()
            ))
        );
        assert!(parse_with(&vec!["a"; 501].join("+"), &["a"]).is_ok());
    }
}
