//! Metric evaluation: every scheme metric for every employee, aggregated while the rows stream by.
//!
//! Each aggregate metric of each scheme in use becomes a slot with one accumulator per employee.
//! A row is offered to the slots of its table whose scheme is the row's employee's scheme; the
//! row is kept or not by the slot's filter and, if kept, updates the accumulator. Nothing is
//! stored per row, so memory does not grow with the number of calls.
//!
//! `found_in` filters need the keys of another table's rows (clients contacted by a call …):
//! those tables are read first ([`Evaluator::table_order`]) and their matching keys collected in
//! key sets.

use crate::data::TypedRow;
use crate::data::tables::Table;
use crate::data::value::Value;
use crate::error::Problem;
use crate::num::{Exact, exact};
use crate::period::Period;
use crate::scheme::{AggOp, Cmp, Filter, MetricDef, Operand, Scheme, Test};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{BTreeSet, HashMap, HashSet};

/// A filter with dates resolved for the period and `found_in` lookups replaced by key-set ids.
#[derive(Debug, Clone)]
enum Compiled {
    All(Vec<Compiled>),
    Any(Vec<Compiled>),
    Not(Box<Compiled>),
    Empty(usize),
    NotEmpty(usize),
    OneOf(usize, Vec<Value>),
    NotOneOf(usize, Vec<Value>),
    Number(usize, Cmp, Decimal),
    Date(usize, Cmp, NaiveDate),
    Between(usize, NaiveDate, NaiveDate),
    FoundIn(usize, Vec<usize>),
}

struct KeySet {
    table: Table,
    column: usize,
    filter: Compiled,
    any_employee: bool,
    keys: HashSet<(u32, String)>,
}

#[derive(Debug, Clone, Default)]
struct Acc {
    rows: u64,
    sum: Decimal,
    overflow: bool,
    min: Option<Decimal>,
    max: Option<Decimal>,
    distinct: HashSet<String>,
}

struct Slot {
    scheme: usize,
    metric: usize,
    table: Table,
    op: AggOp,
    filter: Compiled,
    accs: HashMap<u32, Acc>,
}

/// A metric's value for one employee. `value` is `None` when the metric has no data
/// (a zero divisor, an average of no rows).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricValue {
    pub value: Option<Exact>,
    /// How many source rows fed the value (for a formula: the most of any metric it reads).
    pub rows: u64,
}

pub struct Evaluator<'a> {
    schemes: &'a [Scheme],
    /// Scheme index of each employee (by roster index).
    employee_scheme: Vec<usize>,
    slots: Vec<Slot>,
    keysets: Vec<KeySet>,
    /// Slots and key sets to offer each table's rows to.
    by_table: HashMap<Table, (Vec<usize>, Vec<usize>)>,
}

impl<'a> Evaluator<'a> {
    /// Prepares the slots for the schemes actually in use by the roster.
    pub fn new(schemes: &'a [Scheme], employee_scheme: Vec<usize>, period: Period) -> Self {
        let in_use: BTreeSet<usize> = employee_scheme.iter().copied().collect();
        let mut ev = Evaluator {
            schemes,
            employee_scheme,
            slots: Vec::new(),
            keysets: Vec::new(),
            by_table: HashMap::new(),
        };
        for &s in &in_use {
            for (m, metric) in schemes[s].metrics.iter().enumerate() {
                if let MetricDef::Aggregate(a) = &metric.def {
                    let filter = ev.compile(&a.filter, period);
                    ev.by_table
                        .entry(a.table)
                        .or_default()
                        .0
                        .push(ev.slots.len());
                    ev.slots.push(Slot {
                        scheme: s,
                        metric: m,
                        table: a.table,
                        op: a.op,
                        filter,
                        accs: HashMap::new(),
                    });
                }
            }
        }
        ev
    }

    fn compile(&mut self, f: &Filter, period: Period) -> Compiled {
        match f {
            Filter::All(fs) => Compiled::All(fs.iter().map(|f| self.compile(f, period)).collect()),
            Filter::Any(fs) => Compiled::Any(fs.iter().map(|f| self.compile(f, period)).collect()),
            Filter::Not(f) => Compiled::Not(Box::new(self.compile(f, period))),
            Filter::Test { column, test } => {
                let c = *column;
                match test {
                    Test::Empty => Compiled::Empty(c),
                    Test::NotEmpty => Compiled::NotEmpty(c),
                    Test::OneOf(v) => Compiled::OneOf(c, v.clone()),
                    Test::NotOneOf(v) => Compiled::NotOneOf(c, v.clone()),
                    Test::Compare(cmp, Operand::Number(d)) => Compiled::Number(c, *cmp, *d),
                    Test::Compare(cmp, Operand::Date(r)) => {
                        Compiled::Date(c, *cmp, r.resolve(period))
                    }
                    Test::InPeriod => Compiled::Between(c, period.start(), period.end()),
                }
            }
            Filter::FoundIn { column, lookups } => {
                let mut ids = Vec::new();
                for l in lookups {
                    let filter = self.compile(&l.filter, period);
                    ids.push(self.keysets.len());
                    self.by_table
                        .entry(l.table)
                        .or_default()
                        .1
                        .push(self.keysets.len());
                    self.keysets.push(KeySet {
                        table: l.table,
                        column: l.column,
                        filter,
                        any_employee: l.any_employee,
                        keys: HashSet::new(),
                    });
                }
                Compiled::FoundIn(*column, ids)
            }
        }
    }

    /// The tables the schemes in use read, in an order where every table whose keys a
    /// `found_in` filter needs comes before the tables using them.
    pub fn table_order(&self) -> Vec<Table> {
        let mut needed: BTreeSet<Table> = self.slots.iter().map(|s| s.table).collect();
        needed.extend(self.keysets.iter().map(|k| k.table));
        // Edges: a table's filters (slots and key sets) depend on the key sets they use.
        let mut deps: HashMap<Table, BTreeSet<Table>> = HashMap::new();
        fn used(f: &Compiled, out: &mut Vec<usize>) {
            match f {
                Compiled::All(fs) | Compiled::Any(fs) => fs.iter().for_each(|f| used(f, out)),
                Compiled::Not(f) => used(f, out),
                Compiled::FoundIn(_, ids) => out.extend(ids),
                _ => {}
            }
        }
        let filters = self
            .slots
            .iter()
            .map(|s| (s.table, &s.filter))
            .chain(self.keysets.iter().map(|k| (k.table, &k.filter)));
        for (table, filter) in filters {
            let mut ids = Vec::new();
            used(filter, &mut ids);
            for id in ids {
                let other = self.keysets[id].table;
                if other != table {
                    deps.entry(table).or_default().insert(other);
                }
            }
        }
        let mut order = Vec::new();
        let mut placed: BTreeSet<Table> = BTreeSet::new();
        while placed.len() < needed.len() {
            let before = placed.len();
            for t in &needed {
                if !placed.contains(t)
                    && deps
                        .get(t)
                        .is_none_or(|d| d.iter().all(|x| placed.contains(x)))
                {
                    order.push(*t);
                    placed.insert(*t);
                }
            }
            if placed.len() == before {
                // A cycle between tables (a found_in back and forth): read the rest in name
                // order; keys of a table read later are then not seen. Schemes cannot express
                // this in practice, but never loop forever.
                order.extend(needed.iter().filter(|t| !placed.contains(t)));
                break;
            }
        }
        order
    }

    /// Offers one valid row of `table`, belonging to the employee with roster index `employee`.
    pub fn feed(&mut self, table: Table, employee: usize, row: &TypedRow<'_>) {
        let Some((slots, sets)) = self.by_table.get(&table) else {
            return;
        };
        let emp = employee as u32;
        let scheme = self.employee_scheme[employee];
        for &k in sets {
            let set = &self.keysets[k];
            if let Some(key) = row.values[set.column].as_text()
                && !key.is_empty()
                && matches(&set.filter, row.values, emp, &self.keysets)
            {
                let owner = if set.any_employee { u32::MAX } else { emp };
                let entry = (owner, key.to_string());
                self.keysets[k].keys.insert(entry);
            }
        }
        for &s in slots {
            let slot = &self.slots[s];
            if slot.scheme != scheme || !matches(&slot.filter, row.values, emp, &self.keysets) {
                continue;
            }
            let op = slot.op;
            let acc = self.slots[s].accs.entry(emp).or_default();
            acc.rows += 1;
            if let Some(c) = op.column() {
                let v = &row.values[c];
                match op {
                    AggOp::CountDistinct(_) => {
                        if let Some(t) = distinct_key(v) {
                            acc.distinct.insert(t);
                        }
                    }
                    _ => {
                        if let Some(d) = v.as_number() {
                            match acc.sum.checked_add(d) {
                                Some(s) => acc.sum = s,
                                None => acc.overflow = true,
                            }
                            acc.min = Some(acc.min.map_or(d, |m| m.min(d)));
                            acc.max = Some(acc.max.map_or(d, |m| m.max(d)));
                        }
                    }
                }
            }
        }
    }

    /// Every metric of every employee's scheme, by roster index then metric index.
    pub fn finish(&self) -> Result<Vec<Vec<MetricValue>>, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut out = Vec::with_capacity(self.employee_scheme.len());
        let slot_of: HashMap<(usize, usize), usize> = self
            .slots
            .iter()
            .enumerate()
            .map(|(i, s)| ((s.scheme, s.metric), i))
            .collect();
        for (e, &s) in self.employee_scheme.iter().enumerate() {
            let scheme = &self.schemes[s];
            let mut values: Vec<Option<MetricValue>> = vec![None; scheme.metrics.len()];
            for m in 0..scheme.metrics.len() {
                self.value_of(e, s, m, &slot_of, &mut values, &mut problems);
            }
            out.push(
                values
                    .into_iter()
                    .map(|v| v.expect("every metric evaluated"))
                    .collect(),
            );
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }

    fn value_of(
        &self,
        e: usize,
        s: usize,
        m: usize,
        slot_of: &HashMap<(usize, usize), usize>,
        memo: &mut Vec<Option<MetricValue>>,
        problems: &mut Vec<Problem>,
    ) -> MetricValue {
        if let Some(v) = &memo[m] {
            return v.clone();
        }
        let metric = &self.schemes[s].metrics[m];
        let v = match &metric.def {
            MetricDef::Aggregate(_) => {
                let slot = &self.slots[slot_of[&(s, m)]];
                let empty = Acc::default();
                let acc = slot.accs.get(&(e as u32)).unwrap_or(&empty);
                if acc.overflow {
                    problems.push(Problem::new(
                        self.schemes[s].file.display().to_string(),
                        format!("metric {:?} overflows: the sum of its rows is too large to be an amount", metric.name),
                    ));
                }
                let value = match slot.op {
                    AggOp::Count => Some(Exact::from_integer(acc.rows.into())),
                    AggOp::Sum(_) => Some(exact(acc.sum)),
                    AggOp::Average(_) => (acc.rows > 0)
                        .then(|| exact(acc.sum) / Exact::from_integer(acc.rows.into())),
                    AggOp::Min(_) => acc.min.map(exact),
                    AggOp::Max(_) => acc.max.map(exact),
                    AggOp::CountDistinct(_) => {
                        Some(Exact::from_integer((acc.distinct.len() as u64).into()))
                    }
                };
                MetricValue {
                    value,
                    rows: acc.rows,
                }
            }
            MetricDef::Formula(expr) => {
                let mut deps = Vec::new();
                expr.metrics(&mut deps);
                let mut rows = 0;
                let mut vals = HashMap::new();
                for d in deps {
                    let dv = self.value_of(e, s, d, slot_of, memo, problems);
                    rows = rows.max(dv.rows);
                    vals.insert(d, dv.value);
                }
                MetricValue {
                    value: expr.eval(&|i| vals.get(&i).cloned().flatten()),
                    rows,
                }
            }
        };
        memo[m] = Some(v.clone());
        v
    }
}

fn distinct_key(v: &Value) -> Option<String> {
    match v {
        Value::Empty => None,
        Value::Text(t) => Some(t.to_lowercase()),
        Value::Number(d) => Some(d.normalize().to_string()),
        Value::Date(d) => Some(d.to_string()),
        Value::DateTime(d) => Some(d.to_string()),
        Value::Bool(b) => Some(b.to_string()),
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Text(x), Value::Text(y)) => x == y || x.to_lowercase() == y.to_lowercase(),
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (x, y) => match (x.as_date(), y.as_date()) {
            (Some(p), Some(q)) => p == q,
            _ => false,
        },
    }
}

fn compare<T: PartialOrd>(v: T, cmp: Cmp, w: T) -> bool {
    match cmp {
        Cmp::Less => v < w,
        Cmp::LessOrEqual => v <= w,
        Cmp::Greater => v > w,
        Cmp::GreaterOrEqual => v >= w,
    }
}

fn matches(f: &Compiled, row: &[Value], emp: u32, sets: &[KeySet]) -> bool {
    match f {
        Compiled::All(fs) => fs.iter().all(|f| matches(f, row, emp, sets)),
        Compiled::Any(fs) => fs.iter().any(|f| matches(f, row, emp, sets)),
        Compiled::Not(f) => !matches(f, row, emp, sets),
        Compiled::Empty(c) => row[*c].is_empty(),
        Compiled::NotEmpty(c) => !row[*c].is_empty(),
        Compiled::OneOf(c, vals) => vals.iter().any(|v| equal(&row[*c], v)),
        Compiled::NotOneOf(c, vals) => !vals.iter().any(|v| equal(&row[*c], v)),
        Compiled::Number(c, cmp, d) => row[*c].as_number().is_some_and(|v| compare(v, *cmp, *d)),
        Compiled::Date(c, cmp, d) => row[*c].as_date().is_some_and(|v| compare(v, *cmp, *d)),
        Compiled::Between(c, a, b) => row[*c].as_date().is_some_and(|v| *a <= v && v <= *b),
        Compiled::FoundIn(c, ids) => {
            let Some(key) = row[*c].as_text() else {
                return false;
            };
            ids.iter().any(|&id| {
                let set = &sets[id];
                let owner = if set.any_employee { u32::MAX } else { emp };
                set.keys.contains(&(owner, key.to_string()))
            })
        }
    }
}
