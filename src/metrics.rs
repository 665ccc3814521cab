//! Metric evaluation: every scheme metric for every employee, aggregated while the rows stream by.
//!
//! What is evaluated is a list of units, each a (period, scheme) pair; every employee has the
//! units asked for them (the paid scheme in each period, a candidate beside it …). Each
//! aggregate metric of each unit becomes a slot with one accumulator per employee. A row is
//! offered to the slots of its table in the units of the row's employee; the row is kept or not
//! by the slot's filter (its dates resolved for the unit's period) and, if kept, updates the
//! accumulator. Every table is read once, whatever the number of periods and schemes, and
//! nothing is stored per row, so memory does not grow with the number of calls; the one
//! exception is a `median:` or `percentile:`, which keeps each kept row's value (one decimal)
//! to rank them.
//!
//! A metric with `scope: team` or `scope: reports` reads other people's rows too: a row is then
//! also dispatched to the scoped slots of the employees whose scope holds the row's owner (the
//! owner's team, one accumulator per team; the owner and each manager above, through
//! `manager_id`), a list precomputed per owner by [`Evaluator::set_scopes`]. A row is never
//! copied, and memory grows with employees × scoped metrics, not with rows. Scoped slots keep
//! no source rows: a statement shows the figure, never a colleague's row.
//!
//! `found_in` filters need the keys of another table's rows (clients contacted by a call …):
//! those tables are read first ([`Evaluator::table_order`]) and their matching keys collected in
//! key sets.

use crate::data::TypedRow;
use crate::data::tables::Table;
use crate::data::value::{Text, Value};
use crate::error::Problem;
use crate::num::{Exact, Total, exact};
use crate::period::Period;
use crate::scheme::{
    AggOp, Cmp, DateBase, DateRef, Filter, MetricDef, Of, Operand, RowExpr, Scheme, Scope, Test,
    TimeUnit,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

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
    /// A date against another date column of the row, moved by the offset.
    DateColumn(usize, Cmp, usize, DateRef),
    Between(usize, NaiveDate, NaiveDate),
    /// The value's rank in the order against a rank (deals.stage in the funnel order).
    Ranked(usize, Cmp, usize, &'static [&'static str]),
    FoundIn(usize, Vec<usize>),
}

#[derive(Clone)]
struct KeySet {
    table: Table,
    column: usize,
    filter: Compiled,
    any_employee: bool,
    /// Shared with the [`Evaluator::fork`]s, which only look the keys up (a table whose rows
    /// are fed in parts feeds only its own key sets, which start empty).
    keys: Arc<Keys>,
}

type Keys = HashSet<(u32, Text), foldhash::fast::RandomState>;

/// The source rows behind an aggregate metric, kept so every number can be checked.
///
/// Rows of small tables (deals, meetings, clients, NPS answers) are listed one by one; calls and
/// emails, which can run to millions, are counted per day.
#[derive(Debug, Clone, PartialEq)]
pub enum Evidence {
    Rows(Vec<EvidenceRow>),
    PerDay(BTreeMap<NaiveDate, u64>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceRow {
    /// The row number in the source file, as the user sees it.
    pub row: usize,
    /// The row's id (deal_id, meeting_id, client_id, response_id).
    pub id: Text,
    pub date: Option<NaiveDate>,
    /// The value the metric aggregates (the deal's amount, the NPS score), if any.
    pub value: Option<Exact>,
}

/// The evidence of one aggregate metric for one employee.
///
/// A metric over the team's or the reports' rows (`scope: team | reports`) keeps no rows: a
/// statement is the employee's own and lists nothing of anyone else, so it shows the figure and
/// how many rows fed it (`rows`), never the colleagues' rows.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricEvidence {
    pub metric: usize,
    pub table: Table,
    pub evidence: Evidence,
    /// Whose rows the metric reads.
    pub scope: Scope,
    /// How many rows fed the figure (for a scoped metric: everyone's in its scope).
    pub rows: u64,
}

fn per_day(table: Table) -> bool {
    matches!(table, Table::Calls | Table::Emails | Table::CrmActivity)
}

fn row_date(table: Table, values: &[Value]) -> Option<NaiveDate> {
    match table {
        Table::Deals => values[3].as_date().or_else(|| values[2].as_date()),
        _ => table.date_column().and_then(|c| values[c].as_date()),
    }
}

/// One accumulator: what a slot has gathered for one key (an employee, or a team or manager
/// for a scoped metric). The counts and the sum are inline; what only some metrics keep (the
/// evidence, distinct values, a percentile's values, waits) is behind one box allocated on
/// first use, so the common accumulator is small: compare over twelve months holds one per
/// employee, period, scheme and metric.
#[derive(Debug, Clone, Default)]
struct Acc {
    rows: u64,
    /// A share's part: the kept rows its inner condition keeps too.
    part: u64,
    /// How many kept rows had a value (an average divides by it).
    valued: u64,
    /// Exact in any order of the rows ([`Total`]): a table may be read on two threads.
    sum: Total,
    min: Option<Decimal>,
    max: Option<Decimal>,
    /// A row's arithmetic overflowed (see [`crate::scheme::row`]).
    overflow: bool,
    more: Option<Box<AccMore>>,
}

/// The parts of an [`Acc`] only some metrics use.
#[derive(Debug, Clone, Default)]
struct AccMore {
    evidence_rows: Vec<EvidenceRow>,
    evidence_days: BTreeMap<NaiveDate, u64>,
    distinct: HashSet<String>,
    /// A percentile's values, one per kept row with a value.
    values: Vec<Decimal>,
    /// A `time_to_next`'s kept rows and next rows: (group, time, offer id), where the group is
    /// the owner with the `same` values and the id tells a row from the others.
    starts: Vec<(u32, i64, u64)>,
    nexts: Vec<(u32, i64, u64)>,
}

/// What an accumulator without its optional parts reads as.
static NO_MORE: std::sync::LazyLock<AccMore> = std::sync::LazyLock::new(AccMore::default);

impl Acc {
    /// The optional parts, allocated on first use.
    fn more_mut(&mut self) -> &mut AccMore {
        self.more.get_or_insert_with(Box::default)
    }

    /// The optional parts, or empty ones.
    fn more(&self) -> &AccMore {
        self.more.as_deref().unwrap_or(&NO_MORE)
    }

    /// One row's value (a numerator, see [`crate::scheme::row`]).
    fn add(&mut self, op: AggOp, d: Decimal) {
        self.valued += 1;
        if let AggOp::Percentile(_) = op {
            self.more_mut().values.push(d);
            return;
        }
        self.sum.add(d);
        self.min = Some(self.min.map_or(d, |m| m.min(d)));
        self.max = Some(self.max.map_or(d, |m| m.max(d)));
    }

    /// The aggregation's value, the numerators divided by `denominator` once.
    fn value(&self, op: AggOp, denominator: u64) -> Option<Exact> {
        let denominator = || Exact::from_integer(denominator.into());
        let scaled = |d: Decimal| exact(d) / denominator();
        match op {
            AggOp::Count => Some(Exact::from_integer(self.rows.into())),
            AggOp::Sum => Some(self.sum.exact() / denominator()),
            AggOp::Average => (self.valued > 0).then(|| {
                self.sum.exact() / denominator() / Exact::from_integer(self.valued.into())
            }),
            AggOp::Min => self.min.map(scaled),
            AggOp::Max => self.max.map(scaled),
            AggOp::CountDistinct => Some(Exact::from_integer(
                (self.more().distinct.len() as u64).into(),
            )),
            AggOp::Percentile(p) => {
                let mut sorted = self.more().values.clone();
                sorted.sort_unstable();
                let sorted: Vec<Exact> = sorted.into_iter().map(scaled).collect();
                crate::analysis::compare::quantile(&sorted, &exact(p))
            }
            AggOp::Share => (self.rows > 0).then(|| {
                Exact::from_integer(self.part.into()) / Exact::from_integer(self.rows.into())
            }),
        }
    }
}

impl Acc {
    /// Takes in what another accumulator of the same slot gathered from other rows of the
    /// table: the same as if its rows had been offered to this one. Kept rows are put back in
    /// the table's order by their row numbers; a `time_to_next`'s rows come with their groups
    /// renumbered (`groups[g]`) and their ids moved past this slot's (`ids_after`).
    fn absorb(&mut self, other: Acc, groups: &[u32], ids_after: u64) {
        self.rows += other.rows;
        self.part += other.part;
        self.valued += other.valued;
        self.sum.merge(&other.sum);
        self.min = self.min.into_iter().chain(other.min).min();
        self.max = self.max.into_iter().chain(other.max).max();
        self.overflow |= other.overflow;
        let Some(theirs) = other.more else {
            return;
        };
        let AccMore {
            evidence_rows,
            evidence_days,
            distinct,
            values,
            starts,
            nexts,
        } = *theirs;
        let ours = self.more_mut();
        let mine = std::mem::take(&mut ours.evidence_rows);
        ours.evidence_rows = merge_by_row(mine, evidence_rows);
        for (day, n) in evidence_days {
            *ours.evidence_days.entry(day).or_default() += n;
        }
        ours.distinct.extend(distinct);
        ours.values.extend(values);
        let moved = |(g, t, id): (u32, i64, u64)| {
            let g = if g == NO_GROUP { g } else { groups[g as usize] };
            (g, t, id + ids_after)
        };
        ours.starts.extend(starts.into_iter().map(moved));
        ours.nexts.extend(nexts.into_iter().map(moved));
    }
}

/// Two lists of kept rows, each in the table's order, as one in that order.
fn merge_by_row(a: Vec<EvidenceRow>, b: Vec<EvidenceRow>) -> Vec<EvidenceRow> {
    if a.is_empty() {
        return b;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        let next = if x.row <= y.row { a.next() } else { b.next() };
        out.extend(next);
    }
    out.extend(a);
    out.extend(b);
    out
}

/// What a slot reads of each kept row.
#[derive(Debug, Clone)]
enum Reads {
    Nothing,
    Column(usize),
    Row(RowExpr),
    Wait(CompiledWait),
}

#[derive(Debug, Clone)]
struct CompiledWait {
    at: usize,
    unit: TimeUnit,
    next: Compiled,
    same: Vec<usize>,
    /// How long the next row may take, and the value of a kept row without a next row, as
    /// numerators.
    within: Option<Decimal>,
    if_none: Option<Decimal>,
    /// The times a next row can be any kept row's next at, when the kept rows are dated within
    /// days of the period (the filter tests `at` with `Between`): from the first of those days
    /// on, and up to `within` after the last (no bound above without `within`). A next row
    /// outside is never looked for ([`waits`] takes the first next row at or after a kept row,
    /// and a later one only when it is within `within`), so it is not kept: over many months
    /// each period's slot would otherwise hold every next row of the export.
    useful: Option<(i64, Option<i64>)>,
}

impl CompiledWait {
    fn time(&self, row: &[Value]) -> Option<i64> {
        self.unit.time(&row[self.at])
    }

    /// Whether a next row at time `t` may be a kept row's next (see `useful`).
    fn useful(&self, t: i64) -> bool {
        self.useful
            .is_none_or(|(from, to)| from <= t && to.is_none_or(|to| t <= to))
    }

    /// The times next rows are useful at, given the slot's filter (see `useful`).
    fn useful_times(&self, filter: &Compiled) -> Option<(i64, Option<i64>)> {
        let tests = match filter {
            Compiled::All(fs) => fs.as_slice(),
            f => std::slice::from_ref(f),
        };
        let (first, last) = tests.iter().find_map(|f| match f {
            Compiled::Between(c, a, b) if *c == self.at => Some((*a, *b)),
            _ => None,
        })?;
        let from = self.unit.time(&Value::Date(first))?;
        // Every kept row is before the midnight after the last day, in either unit.
        let end = self.unit.time(&Value::Date(last.succ_opt()?))?;
        let to = self
            .within
            .and_then(|w| rust_decimal::prelude::ToPrimitive::to_i64(&w.ceil()))
            .and_then(|w| end.checked_add(w));
        Some((from, to))
    }

    /// The row's group: its owner and its `same` values (None when one is empty: such a row
    /// is matched with nothing).
    fn group(&self, owner: u32, row: &[Value], groups: &mut HashMap<String, u32>) -> Option<u32> {
        let mut key = owner.to_string();
        for &c in &self.same {
            key.push('\u{1f}');
            key.push_str(&distinct_key(&row[c])?);
        }
        // At most one group per row offered, so fewer than NO_GROUP in any real table.
        let next = (groups.len() as u32).min(NO_GROUP - 1);
        Some(*groups.entry(key).or_insert(next))
    }
}

/// The group of a `time_to_next` row with an empty `same` column: no next row has it.
const NO_GROUP: u32 = u32::MAX;

/// The time from each kept row to its next row, as numerators, into a fresh accumulator.
fn waits(acc: &Acc, w: &CompiledWait, op: AggOp) -> Acc {
    let mut nexts = acc.more().nexts.clone();
    nexts.sort_unstable();
    let mut out = Acc {
        rows: acc.rows,
        ..Acc::default()
    };
    for &(group, time, id) in &acc.more().starts {
        let from = nexts.partition_point(|n| (n.0, n.1) < (group, time));
        let next = nexts[from..]
            .iter()
            .take_while(|n| n.0 == group)
            .find(|n| n.2 != id)
            .filter(|n| {
                w.within
                    .is_none_or(|most| Decimal::from(n.1 - time) <= most)
            });
        match next {
            Some(n) => out.add(op, Decimal::from(n.1 - time)),
            None => {
                if let Some(v) = w.if_none {
                    out.add(op, v);
                }
            }
        }
    }
    out
}

struct Slot {
    /// Index into the evaluator's units.
    unit: usize,
    scheme: usize,
    metric: usize,
    table: Table,
    op: AggOp,
    reads: Reads,
    /// The denominator of the numerators `reads` gives.
    denominator: u64,
    filter: Compiled,
    /// A share's inner condition.
    part: Option<Compiled>,
    /// A `time_to_next`'s groups (owner and `same` values) by their number.
    groups: HashMap<String, u32>,
    /// How many rows were offered: the id of a `time_to_next`'s rows.
    offered: u64,
    /// Whose rows feed an employee's accumulator; a team metric has one accumulator per team
    /// (keyed by team index), shared by its members, since they all see the same rows.
    scope: Scope,
    /// By key (foldhash: looked up for every row offered; never iterated, so the order is moot).
    accs: HashMap<u32, Acc, foldhash::fast::FixedState>,
    /// Whether to keep the source rows behind the metric (statements need them; analyses over
    /// many periods do not, and would otherwise hold every deal once per period and scheme).
    keep_rows: bool,
}

impl Slot {
    /// The same slot, having gathered nothing yet.
    fn fresh(&self) -> Slot {
        Slot {
            unit: self.unit,
            scheme: self.scheme,
            metric: self.metric,
            table: self.table,
            op: self.op,
            reads: self.reads.clone(),
            denominator: self.denominator,
            filter: self.filter.clone(),
            part: self.part.clone(),
            groups: HashMap::new(),
            offered: 0,
            scope: self.scope,
            accs: HashMap::default(),
            keep_rows: self.keep_rows,
        }
    }

    /// Takes in what the same slot of a fork gathered.
    fn absorb(&mut self, other: Slot) {
        let mut groups = vec![NO_GROUP; other.groups.len()];
        for (key, g) in other.groups {
            let next = (self.groups.len() as u32).min(NO_GROUP - 1);
            groups[g as usize] = *self.groups.entry(key).or_insert(next);
        }
        let ids_after = self.offered;
        self.offered += other.offered;
        for (key, acc) in other.accs {
            self.accs
                .entry(key)
                .or_default()
                .absorb(acc, &groups, ids_after);
        }
    }
}

/// A metric's value for one employee. `value` is `None` when the metric has no data
/// (a zero divisor, an average of no rows).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricValue {
    pub value: Option<Exact>,
    /// How many source rows fed the value (for a formula: the most of any metric it reads).
    pub rows: u64,
}

/// What to evaluate for an employee: a scheme (by index) in a period (by index into the
/// evaluator's periods).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Unit {
    pub period: usize,
    pub scheme: usize,
}

pub struct Evaluator<'a> {
    schemes: &'a [Scheme],
    /// The distinct units of all employees.
    units: Vec<Unit>,
    /// Each employee's units (by roster index), as indices into `units`, in the order asked.
    employee_units: Vec<Vec<usize>>,
    slots: Vec<Slot>,
    keysets: Vec<KeySet>,
    /// Per unit and table (by [`table_index`]): the slots to offer the table's rows to.
    unit_slots: Vec<[Vec<usize>; TABLES]>,
    /// Per table: the key sets its rows feed.
    table_keysets: [Vec<usize>; TABLES],
    /// Per unit and table: the team- and reports-scoped slots (fed through `scoped`).
    unit_scoped: Vec<[Vec<usize>; TABLES]>,
    /// Per employee (row owner) and table: the (slot, accumulator key) pairs of the scoped slots
    /// its rows feed besides its own: its team's team metrics, its own and its managers'
    /// reports metrics. Precomputed by [`Evaluator::set_scopes`], so a row is dispatched, never
    /// copied, and memory grows with employees × scoped metrics, not with rows.
    scoped: Vec<[Vec<(u32, u32)>; TABLES]>,
    /// Per employee: the index of their team (None: no team), the key of their team metrics.
    team_of: Vec<Option<u32>>,
    /// Per scheme (by index; empty when not in use): its metrics in an order where every
    /// formula comes after the metrics it reads, and each formula's distinct operands.
    plans: Vec<EvalPlan>,
    /// Per employee: the index into `routes` of the slots their own rows are offered to
    /// (employees with the same units share one).
    employee_routes: Vec<usize>,
    /// Per distinct list of units and table: the own-scope slots of those units, grouped by the
    /// period test that opens their filter (see [`Route`]).
    routes: Vec<[Vec<Route>; TABLES]>,
}

/// Slots of one table whose filters all open with the same test of a date column against a
/// period's days (`Between`), or none (`guard: None`). A row whose date fails the guard cannot
/// be kept by any of them, so the whole group is passed over with one comparison: over many
/// periods (compare over a year offers a row to 24 units) most of a row's slots are another
/// period's. Slots reading `time_to_next` are never guarded: they see every row of the employee,
/// kept or not.
#[derive(Clone)]
struct Route {
    guard: Option<(usize, NaiveDate, NaiveDate)>,
    slots: Vec<usize>,
}

impl Route {
    fn admits(&self, row: &[Value]) -> bool {
        self.guard.is_none_or(|(c, a, b)| in_days(&row[c], a, b))
    }
}

/// Whether a value's date is from `a` to `b`, inclusive: a `Between` test, and a route's guard.
fn in_days(v: &Value, a: NaiveDate, b: NaiveDate) -> bool {
    v.as_date().is_some_and(|v| a <= v && v <= b)
}

#[derive(Default, Clone)]
struct EvalPlan {
    order: Vec<usize>,
    deps: Vec<Vec<usize>>,
}

impl EvalPlan {
    fn new(scheme: &Scheme) -> EvalPlan {
        let deps = crate::scheme::formula_deps(&scheme.metrics);
        let order = crate::scheme::dependency_order(&deps);
        EvalPlan { order, deps }
    }
}

const TABLES: usize = Table::ALL.len();

fn table_index(table: Table) -> usize {
    Table::ALL
        .iter()
        .position(|t| *t == table)
        .expect("every table is in Table::ALL")
}

impl<'a> Evaluator<'a> {
    /// Prepares the slots for the units asked: `employee_units[e]` lists the (period, scheme)
    /// pairs to evaluate for the employee with roster index `e`; `keep_rows` says of which
    /// units the source rows behind each metric are kept (see [`Evaluator::evidence`]).
    pub fn new(
        schemes: &'a [Scheme],
        periods: &[Period],
        employee_units: &[Vec<Unit>],
        keep_rows: &dyn Fn(Unit) -> bool,
    ) -> Self {
        let units: Vec<Unit> = employee_units
            .iter()
            .flatten()
            .copied()
            .collect::<BTreeSet<Unit>>()
            .into_iter()
            .collect();
        let unit_id: HashMap<Unit, usize> =
            units.iter().enumerate().map(|(i, u)| (*u, i)).collect();
        let in_use: BTreeSet<usize> = units.iter().map(|u| u.scheme).collect();
        let mut ev = Evaluator {
            schemes,
            employee_units: employee_units
                .iter()
                .map(|us| us.iter().map(|u| unit_id[u]).collect())
                .collect(),
            unit_slots: (0..units.len()).map(|_| Default::default()).collect(),
            unit_scoped: (0..units.len()).map(|_| Default::default()).collect(),
            scoped: Vec::new(),
            team_of: Vec::new(),
            units,
            slots: Vec::new(),
            keysets: Vec::new(),
            table_keysets: Default::default(),
            plans: Vec::new(),
            employee_routes: Vec::new(),
            routes: Vec::new(),
        };
        ev.plans = (0..schemes.len())
            .map(|s| {
                if in_use.contains(&s) {
                    EvalPlan::new(&schemes[s])
                } else {
                    EvalPlan::default()
                }
            })
            .collect();
        for u in 0..ev.units.len() {
            let keep_rows = keep_rows(ev.units[u]);
            let Unit { period, scheme: s } = ev.units[u];
            let period = periods[period];
            for (m, metric) in schemes[s].metrics.iter().enumerate() {
                if let MetricDef::Aggregate(a) = &metric.def {
                    let filter = ev.compile(&a.filter, period);
                    let part = a.part.as_ref().map(|f| ev.compile(f, period));
                    let reads = match &a.of {
                        None => Reads::Nothing,
                        Some(Of::Column(c)) => Reads::Column(*c),
                        Some(Of::Row(e)) => Reads::Row(e.clone()),
                        Some(Of::Wait(w)) => Reads::Wait(CompiledWait {
                            at: w.at,
                            unit: w.unit,
                            next: ev.compile(&w.next, period),
                            same: w.same.clone(),
                            // Bounded when the scheme loads (at most 100 years in the unit).
                            within: w
                                .within
                                .and_then(|v| v.checked_mul(Decimal::from(w.unit.denominator()))),
                            if_none: w
                                .if_none
                                .and_then(|v| v.checked_mul(Decimal::from(w.unit.denominator()))),
                            useful: None,
                        }),
                    };
                    let reads = match reads {
                        Reads::Wait(mut w) => {
                            w.useful = w.useful_times(&filter);
                            Reads::Wait(w)
                        }
                        other => other,
                    };
                    let denominator = a.of.as_ref().map_or(1, Of::denominator);
                    let slots = match a.scope {
                        Scope::Own => &mut ev.unit_slots,
                        Scope::Team | Scope::Reports => &mut ev.unit_scoped,
                    };
                    slots[u][table_index(a.table)].push(ev.slots.len());
                    ev.slots.push(Slot {
                        unit: u,
                        scheme: s,
                        metric: m,
                        table: a.table,
                        op: a.op,
                        reads,
                        denominator,
                        filter,
                        part,
                        groups: HashMap::new(),
                        offered: 0,
                        scope: a.scope,
                        accs: HashMap::default(),
                        keep_rows,
                    });
                }
            }
        }
        ev.route();
        ev
    }

    /// Groups each employee's own-scope slots into [`Route`]s, once per distinct list of units.
    fn route(&mut self) {
        let mut known: HashMap<&[usize], usize> = HashMap::new();
        let mut routes: Vec<[Vec<Route>; TABLES]> = Vec::new();
        let mut employee_routes = Vec::with_capacity(self.employee_units.len());
        for units in &self.employee_units {
            let r = *known.entry(units.as_slice()).or_insert_with(|| {
                let mut by_table: [Vec<Route>; TABLES] = Default::default();
                for (t, table_routes) in by_table.iter_mut().enumerate() {
                    for &u in units {
                        for &s in &self.unit_slots[u][t] {
                            let guard = guard(&self.slots[s]);
                            match table_routes.iter_mut().find(|r| r.guard == guard) {
                                Some(r) => r.slots.push(s),
                                None => table_routes.push(Route {
                                    guard,
                                    slots: vec![s],
                                }),
                            }
                        }
                    }
                }
                routes.push(by_table);
                routes.len() - 1
            });
            employee_routes.push(r);
        }
        self.routes = routes;
        self.employee_routes = employee_routes;
    }

    fn compile(&mut self, f: &Filter, period: Period) -> Compiled {
        match f {
            Filter::All(fs) => {
                let mut all: Vec<Compiled> = fs.iter().map(|f| self.compile(f, period)).collect();
                // The period's dates first: a test is pure, so the order of a conjunction does
                // not change what it keeps, and over many periods (compare, team) most of a
                // row's slots are another period's, which one date comparison turns away.
                all.sort_by_key(|f| !matches!(f, Compiled::Between(..)));
                Compiled::All(all)
            }
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
                    Test::Compare(cmp, Operand::Date(r)) => match (r.base, r.resolve(period)) {
                        (_, Some(d)) => Compiled::Date(c, *cmp, d),
                        (DateBase::Column(other), None) => Compiled::DateColumn(c, *cmp, other, *r),
                        // resolve gives a date for every base but a column.
                        (_, None) => Compiled::DateColumn(c, *cmp, c, *r),
                    },
                    Test::InPeriod => Compiled::Between(c, period.start(), period.end()),
                    Test::Ranked { cmp, rank, order } => Compiled::Ranked(c, *cmp, *rank, order),
                }
            }
            Filter::FoundIn { column, lookups } => {
                let mut ids = Vec::new();
                for l in lookups {
                    let filter = self.compile(&l.filter, period);
                    ids.push(self.keysets.len());
                    self.table_keysets[table_index(l.table)].push(self.keysets.len());
                    self.keysets.push(KeySet {
                        table: l.table,
                        column: l.column,
                        filter,
                        any_employee: l.any_employee,
                        keys: Arc::default(),
                    });
                }
                Compiled::FoundIn(*column, ids)
            }
        }
    }

    /// Says who is in whose scope: `teams[e]` is the index of employee `e`'s team (None: no
    /// team), `managers[e]` their manager's roster index. A row of `e` then feeds, besides
    /// e's own metrics, the team metrics of e's team (one accumulator per team and unit) and the
    /// reports metrics of e and of each manager above e. A cycle of managers (refused when the
    /// roster loads) cannot make this loop: the walk up stops after
    /// [`crate::load::MAX_REPORTING_DEPTH`] levels or at anyone seen already.
    pub fn set_scopes(&mut self, teams: &[Option<u32>], managers: &[Option<usize>]) {
        let n = self.employee_units.len();
        self.team_of = (0..n).map(|e| teams.get(e).copied().flatten()).collect();
        if self.unit_scoped.iter().all(|t| t.iter().all(Vec::is_empty)) {
            return;
        }
        // Per team: the distinct units of its members.
        let mut team_units: HashMap<u32, BTreeSet<usize>> = HashMap::new();
        for (e, units) in self.employee_units.iter().enumerate() {
            if let Some(t) = self.team_of[e] {
                team_units
                    .entry(t)
                    .or_default()
                    .extend(units.iter().copied());
            }
        }
        let mut scoped: Vec<[Vec<(u32, u32)>; TABLES]> =
            (0..n).map(|_| Default::default()).collect();
        for (owner, feeds) in scoped.iter_mut().enumerate() {
            if let Some(t) = self.team_of[owner] {
                for &u in &team_units[&t] {
                    for (table, slots) in self.unit_scoped[u].iter().enumerate() {
                        for &s in slots {
                            if self.slots[s].scope == Scope::Team {
                                feeds[table].push((s as u32, t));
                            }
                        }
                    }
                }
            }
            // The owner, then each manager above, at most MAX_REPORTING_DEPTH levels up.
            let mut seen: Vec<usize> = Vec::new();
            let mut b = Some(owner);
            while let Some(m) = b {
                if seen.contains(&m) || seen.len() > crate::load::MAX_REPORTING_DEPTH {
                    break;
                }
                seen.push(m);
                for &u in &self.employee_units[m] {
                    for (table, slots) in self.unit_scoped[u].iter().enumerate() {
                        for &s in slots {
                            if self.slots[s].scope == Scope::Reports {
                                feeds[table].push((s as u32, m as u32));
                            }
                        }
                    }
                }
                b = managers.get(m).copied().flatten();
            }
        }
        self.scoped = scoped;
    }

    /// The accumulator of employee `e` in a slot: their own, or their team's.
    fn acc_key(&self, slot: &Slot, e: usize) -> Option<u32> {
        match slot.scope {
            Scope::Own | Scope::Reports => Some(e as u32),
            Scope::Team => self.team_of.get(e).copied().flatten(),
        }
    }

    /// The tables the schemes in use read, in an order where every table whose keys a
    /// `found_in` filter needs comes before the tables using them.
    /// [`Evaluator::table_order`] cut into runs of tables none of which reads a key set
    /// (`found_in`) another of the run feeds: each slot and key set reads one table, so the
    /// rows of a run's tables may come in between each other (two sheets read at once), as
    /// long as every run is read to its end before the next. With tables going round in a
    /// circle of lookups, every table is a run of its own.
    pub fn table_runs(&self) -> Vec<Vec<Table>> {
        let (order, cycle) = self.order_and_cycle();
        if !cycle.is_empty() {
            return order.into_iter().map(|t| vec![t]).collect();
        }
        let deps = self.table_deps();
        let mut runs: Vec<Vec<Table>> = Vec::new();
        for t in order {
            let depends_on_run = runs.last().is_some_and(|run| {
                deps.get(&t)
                    .is_some_and(|d| run.iter().any(|other| d.contains(other)))
            });
            match runs.last_mut() {
                Some(run) if !depends_on_run => run.push(t),
                _ => runs.push(vec![t]),
            }
        }
        runs
    }

    /// Per table, the tables whose key sets its filters (its slots' and its key sets') use.
    fn table_deps(&self) -> HashMap<Table, BTreeSet<Table>> {
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
            .flat_map(|s| {
                std::iter::once(&s.filter)
                    .chain(&s.part)
                    .map(|f| (s.table, f))
            })
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
        deps
    }

    pub fn table_order(&self) -> Vec<Table> {
        self.order_and_cycle().0
    }

    /// The table order, and the tables that could not be ordered: lookups going round in a
    /// circle. One scheme cannot write such a circle (refused when it loads), but two schemes
    /// in the same run can (one looks up calls from clients, the other clients from calls);
    /// [`Evaluator::finish`] then refuses the run rather than compute with keys unseen.
    fn order_and_cycle(&self) -> (Vec<Table>, Vec<Table>) {
        let mut needed: BTreeSet<Table> = self.slots.iter().map(|s| s.table).collect();
        needed.extend(self.keysets.iter().map(|k| k.table));
        // Edges: a table's filters (slots and key sets) depend on the key sets they use.
        let deps = self.table_deps();
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
                // order so the run still reads every table and reports every data problem;
                // finish() refuses the result.
                let rest: Vec<Table> = needed
                    .iter()
                    .filter(|t| !placed.contains(t))
                    .copied()
                    .collect();
                order.extend(rest.iter().copied());
                return (order, rest);
            }
        }
        (order, Vec::new())
    }

    /// Offers one valid row of `table`, belonging to the employee with roster index `employee`.
    pub fn feed(&mut self, table: Table, employee: usize, row: &TypedRow<'_>) {
        let t = table_index(table);
        let emp = employee as u32;
        for &k in &self.table_keysets[t] {
            let set = &self.keysets[k];
            if let Some(key) = row.values[set.column].as_text()
                && !key.is_empty()
                && matches(&set.filter, row.values, emp, &self.keysets)
            {
                let owner = if set.any_employee { u32::MAX } else { emp };
                let entry = (owner, Text::new(key));
                Arc::make_mut(&mut self.keysets[k].keys).insert(entry);
            }
        }
        let Some(&r) = self.employee_routes.get(employee) else {
            return;
        };
        for route in &self.routes[r][t] {
            if !route.admits(row.values) {
                continue;
            }
            for &s in &route.slots {
                Self::offer(
                    &mut self.slots[s],
                    &self.keysets,
                    table,
                    emp,
                    emp,
                    row,
                    true,
                );
            }
        }
        // Scoped slots: the row's filter is the owner's (a `found_in` matches the owner's own
        // keys), the accumulator the beneficiary's; no rows are kept (see MetricEvidence).
        if let Some(feeds) = self.scoped.get(employee) {
            for &(s, key) in &feeds[t] {
                Self::offer(
                    &mut self.slots[s as usize],
                    &self.keysets,
                    table,
                    emp,
                    key,
                    row,
                    false,
                );
            }
        }
    }

    /// Offers a row of employee `emp` to one slot: kept by its filter, it updates the
    /// accumulator `key` (the employee's own, or a colleague's, manager's or team's), and keeps
    /// the row as evidence when `keep_rows` and the slot's unit keeps rows.
    #[allow(clippy::too_many_arguments)]
    fn offer(
        slot: &mut Slot,
        keysets: &[KeySet],
        table: Table,
        emp: u32,
        key: u32,
        row: &TypedRow<'_>,
        keep_rows: bool,
    ) {
        let Slot {
            op,
            reads,
            denominator,
            filter,
            part,
            groups,
            offered,
            accs,
            keep_rows: slot_keeps,
            ..
        } = slot;
        let keep_rows = keep_rows && *slot_keeps;
        *offered += 1;
        let id = *offered;
        // A `time_to_next`'s next rows are looked for among all the employee's rows, whatever
        // the metric's own `where:` keeps (an answer may come after the period).
        if let Reads::Wait(w) = &*reads
            && matches(&w.next, row.values, emp, keysets)
            && let Some(t) = w.time(row.values).filter(|&t| w.useful(t))
            && let Some(g) = w.group(emp, row.values, groups)
        {
            accs.entry(key)
                .or_default()
                .more_mut()
                .nexts
                .push((g, t, id));
        }
        if !matches(filter, row.values, emp, keysets) {
            return;
        }
        let op = *op;
        let acc = accs.entry(key).or_default();
        acc.rows += 1;
        if let Some(part) = part
            && matches(part, row.values, emp, keysets)
        {
            acc.part += 1;
        }
        let date = row_date(table, row.values);
        let value = match &*reads {
            Reads::Nothing | Reads::Wait(_) => None,
            Reads::Column(c) => row.values[*c].as_number().map(Ok),
            Reads::Row(e) => e.numerator(row.values).transpose(),
        };
        if !keep_rows {
            // Only the figures.
        } else if per_day(table) {
            if let Some(d) = date {
                *acc.more_mut().evidence_days.entry(d).or_default() += 1;
            }
        } else {
            let shown = match value {
                Some(Ok(v)) => Some(exact(v) / Exact::from_integer((*denominator).into())),
                _ => None,
            };
            acc.more_mut().evidence_rows.push(EvidenceRow {
                row: row.number,
                id: match &row.values[0] {
                    Value::Text(id) => id.clone(),
                    _ => Text::default(),
                },
                date,
                value: shown,
            });
        }
        match &*reads {
            Reads::Nothing => {}
            Reads::Column(c) if op == AggOp::CountDistinct => {
                if let Some(t) = distinct_key(&row.values[*c]) {
                    acc.more_mut().distinct.insert(t);
                }
            }
            Reads::Column(_) | Reads::Row(_) => match value {
                Some(Ok(v)) => acc.add(op, v),
                Some(Err(_)) => acc.overflow = true,
                None => {}
            },
            Reads::Wait(w) => {
                // A row with an empty `same` column can have no next row: it waits with no
                // answer (its value is `if_none`, if written).
                if let Some(t) = w.time(row.values) {
                    let g = w.group(emp, row.values, groups).unwrap_or(NO_GROUP);
                    acc.more_mut().starts.push((g, t, id));
                }
            }
        }
    }

    /// Whether `table`'s rows may be fed in parts, each into a [`Evaluator::fork`] (on threads
    /// of their own), and the parts then [`Evaluator::absorb`]ed: what its slots and key sets
    /// gather is the same in any order of its rows, unless a filter of the table looks up a
    /// key set the table itself feeds (the keys of the rows before it, in the file's order).
    pub fn divisible(&self, table: Table) -> bool {
        fn looks_up(f: &Compiled, keysets: &[KeySet], table: Table) -> bool {
            match f {
                Compiled::All(fs) | Compiled::Any(fs) => {
                    fs.iter().any(|f| looks_up(f, keysets, table))
                }
                Compiled::Not(f) => looks_up(f, keysets, table),
                Compiled::FoundIn(_, ids) => ids.iter().any(|&k| keysets[k].table == table),
                _ => false,
            }
        }
        let mut filters = self
            .slots
            .iter()
            .filter(|s| s.table == table)
            .flat_map(|s| {
                let next = match &s.reads {
                    Reads::Wait(w) => Some(&w.next),
                    _ => None,
                };
                std::iter::once(&s.filter).chain(&s.part).chain(next)
            })
            .chain(
                self.keysets
                    .iter()
                    .filter(|k| k.table == table)
                    .map(|k| &k.filter),
            );
        !filters.any(|f| looks_up(f, &self.keysets, table))
    }

    /// An evaluator with the same slots, routes and key sets (shared, not copied), having
    /// gathered nothing: a part of a [`Evaluator::divisible`] table's rows is fed into it, on a
    /// thread of its own, and it is then [`Evaluator::absorb`]ed.
    pub fn fork(&self) -> Evaluator<'a> {
        Evaluator {
            schemes: self.schemes,
            units: self.units.clone(),
            employee_units: self.employee_units.clone(),
            slots: self.slots.iter().map(Slot::fresh).collect(),
            keysets: self.keysets.clone(),
            unit_slots: self.unit_slots.clone(),
            table_keysets: self.table_keysets.clone(),
            unit_scoped: self.unit_scoped.clone(),
            scoped: self.scoped.clone(),
            team_of: self.team_of.clone(),
            plans: self.plans.clone(),
            employee_routes: self.employee_routes.clone(),
            routes: self.routes.clone(),
        }
    }

    /// Takes in what forks were fed of `table`'s rows (every row of it, between this
    /// evaluator and them, offered once): the same as if every row had been fed to this one.
    pub fn absorb(&mut self, table: Table, forks: Vec<Evaluator<'a>>) {
        for fork in forks {
            for (mine, theirs) in self.slots.iter_mut().zip(fork.slots) {
                if mine.table == table {
                    mine.absorb(theirs);
                }
            }
            let mut keysets = fork.keysets;
            for &k in &self.table_keysets[table_index(table)] {
                let theirs = std::mem::take(&mut keysets[k].keys);
                if theirs.is_empty() {
                    continue;
                }
                let theirs = Arc::try_unwrap(theirs).unwrap_or_else(|shared| (*shared).clone());
                Arc::make_mut(&mut self.keysets[k].keys).extend(theirs);
            }
        }
    }

    /// Every metric of every unit of every employee: `values[e][i]` for the employee with roster
    /// index `e` and their `i`-th unit as asked, by metric index.
    pub fn finish(&self) -> Result<Vec<Vec<Vec<MetricValue>>>, Vec<Problem>> {
        let mut problems = Vec::new();
        let (_, circle) = self.order_and_cycle();
        if !circle.is_empty() {
            let mut schemes: Vec<&str> = self
                .slots
                .iter()
                .filter(|s| circle.contains(&s.table))
                .map(|s| self.schemes[s.scheme].id.as_str())
                .collect();
            schemes.sort_unstable();
            schemes.dedup();
            let tables: Vec<String> = circle.iter().map(|t| t.to_string()).collect();
            return Err(vec![Problem::new(
                "",
                format!(
                    "the schemes {} together look up rows of the tables {} in a circle (found_in); each table is read once, so some keys would go unseen: change one of the lookups",
                    schemes.join(", "),
                    tables.join(", ")
                ),
            )]);
        }
        let slot_of: HashMap<(usize, usize), usize> = self
            .slots
            .iter()
            .enumerate()
            .map(|(i, s)| ((s.unit, s.metric), i))
            .collect();
        let mut out = Vec::with_capacity(self.employee_units.len());
        for (e, units) in self.employee_units.iter().enumerate() {
            let mut per_unit = Vec::with_capacity(units.len());
            for &u in units {
                let s = self.units[u].scheme;
                let scheme = &self.schemes[s];
                let mut values: Vec<Option<MetricValue>> = vec![None; scheme.metrics.len()];
                for &m in &self.plans[s].order {
                    let v = self.value_of(e, u, m, &slot_of, &values, &mut problems);
                    values[m] = Some(v);
                }
                per_unit.push(
                    values
                        .into_iter()
                        .map(|v| v.expect("every metric evaluated"))
                        .collect(),
                );
            }
            out.push(per_unit);
        }
        problems.dedup_by(|a, b| a.to_string() == b.to_string());
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }

    /// The source rows behind every aggregate metric of the employee's `i`-th unit.
    pub fn evidence(&self, employee: usize, i: usize) -> Vec<MetricEvidence> {
        let u = self.employee_units[employee][i];
        let empty = Acc::default();
        self.slots
            .iter()
            .filter(|s| s.unit == u)
            .map(|slot| {
                let acc = self
                    .acc_key(slot, employee)
                    .and_then(|k| slot.accs.get(&k))
                    .unwrap_or(&empty);
                MetricEvidence {
                    metric: slot.metric,
                    table: slot.table,
                    scope: slot.scope,
                    rows: acc.rows,
                    evidence: if per_day(slot.table) {
                        Evidence::PerDay(acc.more().evidence_days.clone())
                    } else {
                        Evidence::Rows(acc.more().evidence_rows.clone())
                    },
                }
            })
            .collect()
    }

    fn value_of(
        &self,
        e: usize,
        u: usize,
        m: usize,
        slot_of: &HashMap<(usize, usize), usize>,
        done: &[Option<MetricValue>],
        problems: &mut Vec<Problem>,
    ) -> MetricValue {
        let s = self.units[u].scheme;
        let metric = &self.schemes[s].metrics[m];
        match &metric.def {
            MetricDef::Aggregate(_) => {
                let slot = &self.slots[slot_of[&(u, m)]];
                let empty = Acc::default();
                let acc = self
                    .acc_key(slot, e)
                    .and_then(|k| slot.accs.get(&k))
                    .unwrap_or(&empty);
                if acc.overflow || acc.sum.too_large() {
                    problems.push(Problem::new(
                        self.schemes[s].file.display().to_string(),
                        format!("metric {:?} overflows: the sum of its rows is too large to be an amount", metric.name),
                    ));
                }
                let value = match &slot.reads {
                    Reads::Wait(w) => waits(acc, w, slot.op).value(slot.op, slot.denominator),
                    _ => acc.value(slot.op, slot.denominator),
                };
                MetricValue {
                    value,
                    rows: acc.rows,
                }
            }
            MetricDef::Formula(expr) => {
                // The operands come earlier in the evaluation order; one that does not (only
                // possible on a cycle, refused at load) reads as missing.
                let operand = |i: usize| done.get(i).and_then(Option::as_ref);
                let rows = self.plans[s].deps[m]
                    .iter()
                    .filter_map(|&d| operand(d))
                    .map(|v| v.rows)
                    .max()
                    .unwrap_or(0);
                MetricValue {
                    value: expr.eval(&|i| operand(i).and_then(|v| v.value.clone())),
                    rows,
                }
            }
        }
    }
}

/// The period test a slot's filter opens with, if it can stand for the slot (see [`Route`]):
/// `Between` alone or first in a conjunction ([`Evaluator::compile`] puts it first).
fn guard(slot: &Slot) -> Option<(usize, NaiveDate, NaiveDate)> {
    if matches!(slot.reads, Reads::Wait(_)) {
        return None;
    }
    let first = match &slot.filter {
        Compiled::All(fs) => fs.first()?,
        f => f,
    };
    match first {
        Compiled::Between(c, a, b) => Some((*c, *a, *b)),
        _ => None,
    }
}

fn distinct_key(v: &Value) -> Option<String> {
    match v {
        Value::Empty => None,
        Value::Text(t) => Some(t.as_str().to_lowercase()),
        Value::Number(d) => Some(d.normalize().to_string()),
        Value::Date(d) => Some(d.to_string()),
        Value::DateTime(d) => Some(d.to_string()),
        Value::Bool(b) => Some(b.to_string()),
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Text(x), Value::Text(y)) => {
            x.eq_ignore_ascii_case(y)
                || (!(x.is_ascii() && y.is_ascii()) && x.to_lowercase() == y.to_lowercase())
        }
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
        Compiled::DateColumn(c, cmp, other, r) => {
            match (row[*c].as_date(), row[*other].as_date()) {
                (Some(v), Some(base)) => compare(v, *cmp, r.shift(base)),
                _ => false,
            }
        }
        Compiled::Between(c, a, b) => in_days(&row[*c], *a, *b),
        Compiled::Ranked(c, cmp, rank, order) => row[*c]
            .as_text()
            .and_then(|t| order.iter().position(|w| w.eq_ignore_ascii_case(t.trim())))
            .is_some_and(|r| compare(r, *cmp, *rank)),
        Compiled::FoundIn(c, ids) => {
            let Some(key) = row[*c].as_text() else {
                return false;
            };
            ids.iter().any(|&id| {
                let set = &sets[id];
                let owner = if set.any_employee { u32::MAX } else { emp };
                set.keys.contains(&(owner, Text::new(key)))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::exact_int;
    use std::path::Path;
    use std::str::FromStr;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }
    fn n(s: &str) -> Value {
        Value::Number(Decimal::from_str(s).unwrap())
    }
    fn d(s: &str) -> Value {
        Value::Date(NaiveDate::from_str(s).unwrap())
    }
    fn q(s: &str) -> Exact {
        exact(Decimal::from_str(s).unwrap())
    }

    /// A deals row: id, employee, created, closed, status, stage, amount, new_client, client.
    #[allow(clippy::too_many_arguments)]
    fn deal(
        id: &str,
        created: &str,
        closed: &str,
        status: &str,
        stage: &str,
        amount: &str,
        new: bool,
        client: &str,
    ) -> Vec<Value> {
        vec![
            t(id),
            t("E1"),
            d(created),
            if closed.is_empty() {
                Value::Empty
            } else {
                d(closed)
            },
            t(status),
            t(stage),
            n(amount),
            Value::Bool(new),
            Value::Empty,
            if client.is_empty() {
                Value::Empty
            } else {
                t(client)
            },
        ]
    }

    /// A scheme written for a test, which must parse.
    fn scheme(text: &str) -> Scheme {
        crate::scheme::parse_str(Path::new("t.yaml"), text).unwrap_or_else(|p| panic!("{p:?}"))
    }

    /// Evaluates the scheme's metrics for one employee (E1, index 0) over the given rows.
    /// An evaluator of October 2026 for `employees` people, each with one unit of `schemes[0]`.
    fn october(schemes: &[Scheme], employees: usize, keep_rows: bool) -> Evaluator<'_> {
        let unit = vec![Unit {
            period: 0,
            scheme: 0,
        }];
        Evaluator::new(
            schemes,
            &[Period::parse("2026-10").unwrap()],
            &vec![unit; employees],
            &|_| keep_rows,
        )
    }

    fn eval(
        metrics_yaml: &str,
        rows: &[(Table, usize, Vec<Value>)],
    ) -> Vec<(String, Option<Exact>, u64)> {
        let text = format!(
            "currency: KZT\ncurve: standard\nmetrics:\n{metrics_yaml}\nkpis:\n  - {{ id: k, weight: 100%, metric: m, target: 1 }}\n"
        );
        let schemes = vec![scheme(&text)];
        let mut ev = october(&schemes, 2, true);
        for table in ev.table_order() {
            for (i, (tb, emp, values)) in rows.iter().enumerate() {
                if *tb == table {
                    ev.feed(
                        table,
                        *emp,
                        &TypedRow {
                            number: i + 2,
                            values,
                            at: None,
                        },
                    );
                }
            }
        }
        let values = ev.finish().unwrap();
        // The same rows with each divisible table's dealt in turn to two forks, absorbed: the
        // same values and the same evidence.
        let mut parted = october(&schemes, 2, true);
        for table in parted.table_order() {
            let divisible = parted.divisible(table);
            let mut forks = [parted.fork(), parted.fork()];
            let of_table = rows
                .iter()
                .enumerate()
                .filter(|(_, (tb, _, _))| *tb == table);
            for (k, (i, (_, emp, values))) in of_table.enumerate() {
                let row = TypedRow {
                    number: i + 2,
                    values,
                    at: None,
                };
                match divisible {
                    true => forks[k % 2].feed(table, *emp, &row),
                    false => parted.feed(table, *emp, &row),
                }
            }
            parted.absorb(table, forks.into());
        }
        assert_eq!(parted.finish().unwrap(), values, "fed in parts");
        for e in 0..2 {
            assert_eq!(parted.evidence(e, 0), ev.evidence(e, 0), "fed in parts");
        }
        schemes[0]
            .metrics
            .iter()
            .zip(&values[0][0])
            .map(|(m, v)| (m.name.clone(), v.value.clone(), v.rows))
            .collect()
    }

    fn sample_deals() -> Vec<(Table, usize, Vec<Value>)> {
        vec![
            (
                Table::Deals,
                0,
                deal(
                    "D1",
                    "2026-09-01",
                    "2026-10-05",
                    "won",
                    "proposal",
                    "100.50",
                    false,
                    "C1",
                ),
            ),
            (
                Table::Deals,
                0,
                deal(
                    "D2",
                    "2026-10-02",
                    "2026-10-31",
                    "won",
                    "negotiation",
                    "1000000.01",
                    true,
                    "C2",
                ),
            ),
            (
                Table::Deals,
                0,
                deal(
                    "D3",
                    "2026-10-03",
                    "2026-11-01",
                    "won",
                    "proposal",
                    "50",
                    false,
                    "C1",
                ),
            ),
            (
                Table::Deals,
                0,
                deal("D4", "2026-10-04", "", "open", "lead", "7", false, ""),
            ),
            (
                Table::Deals,
                0,
                deal(
                    "D5",
                    "2026-08-04",
                    "2026-10-10",
                    "lost",
                    "proposal",
                    "300",
                    false,
                    "C3",
                ),
            ),
            // Another employee's deal never counts for E1.
            (
                Table::Deals,
                1,
                deal(
                    "D6",
                    "2026-10-01",
                    "2026-10-02",
                    "won",
                    "proposal",
                    "999",
                    false,
                    "C9",
                ),
            ),
        ]
    }

    #[test]
    fn every_aggregation_kind() {
        let m = "  m: { count: deals }\n  s: { sum: deals.amount }\n  a: { average: deals.amount }\n  lo: { min: deals.amount }\n  hi: { max: deals.amount }\n  dc: { count_distinct: deals.client_id }\n";
        let got = eval(m, &sample_deals());
        assert_eq!(got[0], ("m".into(), Some(exact_int(5)), 5));
        assert_eq!(got[1].1, Some(q("1000457.51")));
        assert_eq!(got[2].1, Some(q("1000457.51") / exact_int(5)));
        assert_eq!(got[3].1, Some(q("7")));
        assert_eq!(got[4].1, Some(q("1000000.01")));
        assert_eq!(got[5].1, Some(exact_int(3))); // C1, C2, C3; the empty client is not a value
    }

    fn at(s: &str) -> Value {
        Value::DateTime(crate::data::value::parse_datetime_text(s).unwrap())
    }

    /// An emails row: sent, direction, client (empty: none), opened (empty: not opened).
    fn email(sent: &str, direction: &str, client: &str, opened: &str) -> Vec<Value> {
        let or_empty = |v: &str, f: &dyn Fn(&str) -> Value| {
            if v.is_empty() { Value::Empty } else { f(v) }
        };
        vec![
            t("M"),
            t("E"),
            at(sent),
            t(direction),
            or_empty(client, &t),
            or_empty(opened, &at),
        ]
    }

    #[test]
    fn row_arithmetic_over_dates_counts_days() {
        // E1's deals, closed_on - created_on: D1 09-01 → 10-05 = 34 days, D2 10-02 → 10-31 = 29,
        // D3 10-03 → 11-01 = 29, D5 08-04 → 10-10 = 67; D4 has no close date, so no value.
        let m = "  m: { average: deals.closed_on - deals.created_on, where: { status: won, closed_on: in_period } }\n  med: { median: deals.closed_on - created_on, where: { status: won, closed_on: in_period } }\n  all: { average: deals.closed_on - deals.created_on }\n  hi: { max: deals.closed_on - deals.created_on }\n  wk: { sum: (deals.closed_on - deals.created_on) / 7 }\n  half: { sum: deals.amount * 0.5 - 1 }\n";
        let got = eval(m, &sample_deals());
        // Won in October: D1 34, D2 29 → (34 + 29) / 2 = 31.5, and the median of two is the same.
        assert_eq!(got[0], ("m".into(), Some(q("31.5")), 2));
        assert_eq!(got[1].1, Some(q("31.5")));
        // All four with a close date: (34 + 29 + 29 + 67) / 4 = 159 / 4 (D4 kept, no value).
        assert_eq!(
            got[2],
            ("all".into(), Some(exact_int(159) / exact_int(4)), 5)
        );
        assert_eq!(got[3].1, Some(exact_int(67)));
        // 159 days in weeks, exactly: 159 / 7.
        assert_eq!(got[4].1, Some(exact_int(159) / exact_int(7)));
        // Σ (amount × 0.5 − 1) = 1000457.51 × 0.5 − 5 = 500223.755.
        assert_eq!(got[5].1, Some(q("500223.755")));
    }

    #[test]
    fn conditions_compare_two_columns_of_the_row() {
        // closed_on after created_on + 30 days: D1 (34) and D5 (67); D2 and D3 (29) are not,
        // D4 (no close) is not. On or before created_on + 29 days: D2 and D3.
        let m = "  m: { count: deals, where: { closed_on: { after: created_on + 30 days } } }\n  q: { count: deals, where: { closed_on: { on_or_before: deals.created_on + 29 days } } }\n  mo: { count: deals, where: { closed_on: { before: created_on + 1 month } } }\n";
        let got = eval(m, &sample_deals());
        assert_eq!(got[0].1, Some(exact_int(2)));
        assert_eq!(got[1].1, Some(exact_int(2)));
        // Within a calendar month of creation: D2 (10-02 → 10-31 < 11-02) and D3 (10-03 → 11-01
        // < 11-03); D1 09-01 → 10-05 is not before 10-01.
        assert_eq!(got[2].1, Some(exact_int(2)));
    }

    #[test]
    fn row_arithmetic_over_datetimes_counts_hours_exactly() {
        let rows = vec![
            // Opened after 1 h 30 min, 45 min and 20 min; one never opened.
            (
                Table::Emails,
                0,
                email("2026-10-01 09:00", "outgoing", "C1", "2026-10-01 10:30"),
            ),
            (
                Table::Emails,
                0,
                email("2026-10-02 09:00", "outgoing", "C1", "2026-10-02 09:45"),
            ),
            (
                Table::Emails,
                0,
                email("2026-10-03 09:00", "outgoing", "C1", "2026-10-03 09:20"),
            ),
            (
                Table::Emails,
                0,
                email("2026-10-04 09:00", "outgoing", "C1", ""),
            ),
        ];
        let m = "  m: { average: emails.opened_at - emails.sent_at }\n  lo: { min: emails.opened_at - emails.sent_at }\n  s: { sum: (emails.opened_at - emails.sent_at) * 60 }\n";
        let got = eval(m, &rows);
        // (1.5 + 0.75 + 1/3) / 3 = (18 + 9 + 4) / 36 = 31/36 hours, not a rounded decimal.
        assert_eq!(got[0], ("m".into(), Some(exact_int(31) / exact_int(36)), 4));
        assert_eq!(got[1].1, Some(exact_int(1) / exact_int(3)));
        // In minutes: 90 + 45 + 20 = 155.
        assert_eq!(got[2].1, Some(exact_int(155)));
    }

    #[test]
    fn the_time_to_the_next_matching_row() {
        let rows = vec![
            // C1: incoming 09:00, answered 11:30 (2.5 h); an outgoing email to C2 before C2
            // wrote is no answer to it.
            (
                Table::Emails,
                0,
                email("2026-10-01 09:00", "incoming", "C1", ""),
            ),
            (
                Table::Emails,
                0,
                email("2026-10-01 11:30", "outgoing", "C1", ""),
            ),
            (
                Table::Emails,
                0,
                email("2026-10-01 12:00", "outgoing", "C2", ""),
            ),
            // C2 wrote on the 2nd at 10:00, answered on the 3rd at 10:00: 24 h.
            (
                Table::Emails,
                0,
                email("2026-10-02 10:00", "incoming", "c2", ""),
            ),
            (
                Table::Emails,
                0,
                email("2026-10-03 10:00", "outgoing", "C2", ""),
            ),
            // Answered in the same minute: 0 h.
            (
                Table::Emails,
                0,
                email("2026-10-05 08:00", "incoming", "C1", ""),
            ),
            (
                Table::Emails,
                0,
                email("2026-10-05 08:00", "outgoing", "C1", ""),
            ),
            // Written on the 31st, answered in November (after the period): 12 h.
            (
                Table::Emails,
                0,
                email("2026-10-31 20:00", "incoming", "C3", ""),
            ),
            (
                Table::Emails,
                0,
                email("2026-11-01 08:00", "outgoing", "C3", ""),
            ),
            // C4 never answered by E1 (another employee's answer is not E1's); no client at all.
            (
                Table::Emails,
                0,
                email("2026-10-10 10:00", "incoming", "C4", ""),
            ),
            (
                Table::Emails,
                1,
                email("2026-10-10 11:00", "outgoing", "C4", ""),
            ),
            (
                Table::Emails,
                0,
                email("2026-10-11 10:00", "incoming", "", ""),
            ),
            // September's incoming email is outside the metric's `where:`.
            (
                Table::Emails,
                0,
                email("2026-09-30 10:00", "incoming", "C1", ""),
            ),
        ];
        let wait =
            "time_to_next: { at: emails.sent_at, next: { direction: outgoing }, same: client_id }";
        let m = format!(
            "  m: {{ median: {{ {wait} }}, where: {{ direction: incoming, sent_at: in_period }} }}\n  a: {{ average: {{ {wait} }}, where: {{ direction: incoming, sent_at: in_period }} }}\n  n: {{ median: {{ time_to_next: {{ at: emails.sent_at, next: {{ direction: outgoing }}, same: [client_id], if_none: 48 }} }}, where: {{ direction: incoming, sent_at: in_period }} }}\n  any: {{ max: {{ time_to_next: {{ at: emails.sent_at, next: {{ direction: outgoing }} }} }}, where: {{ direction: incoming, sent_at: in_period }} }}\n  day: {{ median: {{ time_to_next: {{ at: emails.sent_at, next: {{ direction: outgoing }}, same: client_id, within: 20, if_none: 20 }} }}, where: {{ direction: incoming, sent_at: in_period }} }}\n"
        );
        let got = eval(&m, &rows);
        // Answered: 2.5, 24, 0, 12 → median (2.5 + 12) / 2 = 7.25; 6 incoming rows kept.
        assert_eq!(got[0], ("m".into(), Some(q("7.25")), 6));
        // Average 38.5 / 4 = 9.625.
        assert_eq!(got[1].1, Some(q("9.625")));
        // With the unanswered two at 48 h: 0, 2.5, 12, 24, 48, 48 → (12 + 24) / 2 = 18.
        assert_eq!(got[2].1, Some(q("18")));
        // Without `same:` any next outgoing email of E1 answers: C4's 10-10 10:00 waits until
        // 11-01 08:00, 21 days 22 h = 526 h, the longest (the one without a client, 10-11 10:00,
        // waits 502 h).
        assert_eq!(got[3].1, Some(exact_int(526)));
        // Within 20 h, or 20 h: C2's answer after 24 h comes too late, so 0, 2.5, 12, 20, 20, 20
        // → (12 + 20) / 2 = 16.
        assert_eq!(got[4].1, Some(exact_int(16)));
    }

    #[test]
    fn next_rows_that_cannot_answer_a_kept_row_are_not_kept() {
        let rows = [
            // Answered 20 minutes later, on the period's first day, and exactly 24 h later,
            // a day after its last.
            email("2026-10-01 00:10", "incoming", "C1", ""),
            email("2026-10-01 00:30", "outgoing", "C1", ""),
            email("2026-10-31 23:30", "incoming", "C2", ""),
            email("2026-11-01 23:30", "outgoing", "C2", ""),
            // Before the period, and more than 24 h after its end: no kept row's answer.
            email("2026-09-30 23:00", "outgoing", "C1", ""),
            email("2026-11-02 00:30", "outgoing", "C2", ""),
        ];
        let wait = "time_to_next: { at: emails.sent_at, next: { direction: outgoing }, same: client_id, within: 24, if_none: 99 }";
        let text = format!(
            "currency: KZT\ncurve: standard\nmetrics:\n  m: {{ min: {{ {wait} }}, where: {{ direction: incoming, sent_at: in_period }} }}\n  x: {{ max: {{ {wait} }}, where: {{ sent_at: in_period, direction: incoming }} }}\nkpis:\n  - {{ id: k, weight: 100%, metric: m, target: 1 }}\n"
        );
        let schemes = vec![scheme(&text)];
        let mut ev = october(&schemes, 1, false);
        for (i, values) in rows.iter().enumerate() {
            let row = TypedRow {
                number: i + 2,
                values,
                at: None,
            };
            ev.feed(Table::Emails, 0, &row);
        }
        let values = ev.finish().unwrap();
        assert_eq!(values[0][0][0].value, Some(q("20") / exact_int(60)));
        assert_eq!(values[0][0][1].value, Some(exact_int(24)));
        for slot in &ev.slots {
            assert_eq!(
                slot.accs[&0].more().nexts.len(),
                2,
                "metric {}",
                slot.metric
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// The time to the next row against a plain quadratic search, on random emails of two
        /// employees (times in minutes across two months, a few clients, some without one).
        #[test]
        fn time_to_next_agrees_with_a_quadratic_search(
            emails in proptest::collection::vec(
                (0usize..2, 0i64..(61 * 24 * 60), proptest::bool::ANY, 0usize..4),
                0..40,
            ),
            within in proptest::option::of(0i64..48),
            if_none in proptest::option::of(0i64..48),
        ) {
            let start = chrono::NaiveDate::from_ymd_opt(2026, 9, 15).unwrap().and_hms_opt(0, 0, 0).unwrap();
            let clients = ["", "C1", "C2", "C3"];
            let rows: Vec<(Table, usize, Vec<Value>)> = emails
                .iter()
                .map(|&(emp, minute, incoming, client)| {
                    let when = start + chrono::TimeDelta::minutes(minute);
                    let mut row = email(
                        &when.format("%Y-%m-%d %H:%M").to_string(),
                        if incoming { "incoming" } else { "outgoing" },
                        clients[client],
                        "",
                    );
                    row[1] = t(if emp == 0 { "E1" } else { "E2" });
                    (Table::Emails, emp, row)
                })
                .collect();
            let mut options = String::new();
            if let Some(w) = within {
                options.push_str(&format!(", within: {w}"));
            }
            if let Some(v) = if_none {
                options.push_str(&format!(", if_none: {v}"));
            }
            let wait = format!("time_to_next: {{ at: emails.sent_at, next: {{ direction: outgoing }}, same: client_id{options} }}");
            let m = format!(
                "  m: {{ median: {{ {wait} }}, where: {{ direction: incoming, sent_at: in_period }} }}\n  a: {{ average: {{ {wait} }}, where: {{ direction: incoming, sent_at: in_period }} }}\n"
            );
            let got = eval(&m, &rows);
            // E1's incoming emails of October, each with the first later-or-equal outgoing
            // email of E1 to the same (non-empty) client, other than itself.
            let october = |minute: i64| {
                let d = (start + chrono::TimeDelta::minutes(minute)).date();
                d >= chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()
                    && d <= chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()
            };
            let mut waits: Vec<Exact> = Vec::new();
            for (i, &(emp, minute, incoming, client)) in emails.iter().enumerate() {
                if emp != 0 || !incoming || !october(minute) {
                    continue;
                }
                let answer = emails
                    .iter()
                    .enumerate()
                    .filter(|&(j, &(e, m, inc, c))| {
                        j != i && e == 0 && !inc && client != 0 && c == client && m >= minute
                    })
                    .map(|(_, &(_, m, _, _))| m - minute)
                    .min()
                    .filter(|&w| within.is_none_or(|most| w <= most * 60));
                match (answer, if_none) {
                    (Some(w), _) => waits.push(exact_int(w) / exact_int(60)),
                    (None, Some(v)) => waits.push(exact_int(v)),
                    (None, None) => {}
                }
            }
            waits.sort();
            let median = match waits.len() {
                0 => None,
                n if n % 2 == 1 => Some(waits[n / 2].clone()),
                n => Some((waits[n / 2 - 1].clone() + waits[n / 2].clone()) / exact_int(2)),
            };
            let average = (!waits.is_empty()).then(|| {
                waits.iter().cloned().fold(exact_int(0), |a, b| a + b) / exact_int(waits.len() as i64)
            });
            proptest::prop_assert_eq!(&got[0].1, &median);
            proptest::prop_assert_eq!(&got[1].1, &average);
        }
    }

    #[test]
    fn median_percentile_and_share() {
        // E1's amounts: 100.50, 1000000.01, 50, 7, 300 → sorted 7, 50, 100.50, 300, 1000000.01.
        let m = "  m: { median: deals.amount }\n  p: { percentile: { of: deals.amount, p: 90% } }\n  p0: { percentile: { of: deals.amount, p: 0% } }\n  won: { median: deals.amount, where: { status: won } }\n  sh: { share: { of: deals, where: { status: won } }, where: { stage: proposal } }\n  none: { median: deals.amount, where: { status: open, stage: proposal } }\n  sh0: { share: { of: deals, where: { status: won } }, where: { status: open, stage: proposal } }\n";
        let got = eval(m, &sample_deals());
        assert_eq!(got[0].1, Some(q("100.50")));
        // p90 of 5 values: rank 0.9 × 4 = 3.6 → 300 + 0.6 × (1000000.01 − 300) = 300 + 599820.006
        // = 600120.006.
        assert_eq!(got[1].1, Some(q("600120.006")));
        assert_eq!(got[2].1, Some(q("7")));
        // won: 50, 100.50, 1000000.01 → the middle one.
        assert_eq!(got[3].1, Some(q("100.50")));
        // proposal: D1 won, D3 won, D5 lost → 2 of 3.
        assert_eq!(got[4], ("sh".into(), Some(exact_int(2) / exact_int(3)), 3));
        assert_eq!(got[5].1, None, "a median of nothing is no data");
        assert_eq!(got[6].1, None, "a share of nothing is no data");
    }

    #[test]
    fn a_share_whose_part_looks_up_another_table_reads_that_table_first() {
        // The part's found_in needs the clients' keys before the calls are counted; calls come
        // before clients in the tables' own order, so were the part left out of the table
        // order, the calls would be read first and match nothing.
        let client = |id: &str, churned: Value| {
            (
                Table::Clients,
                0,
                vec![t(id), t("E1"), d("2025-01-01"), churned],
            )
        };
        let call = |id: &str, client: &str| {
            (
                Table::Calls,
                0,
                vec![
                    t(id),
                    t("E1"),
                    Value::DateTime(
                        NaiveDate::from_str("2026-10-07")
                            .unwrap()
                            .and_hms_opt(10, 0, 0)
                            .unwrap(),
                    ),
                    t("outgoing"),
                    n("30"),
                    t(client),
                ],
            )
        };
        let rows = vec![
            call("K1", "C1"),
            call("K2", "C2"),
            call("K3", "C3"),
            call("K4", "C9"),
            client("C1", Value::Empty),
            client("C2", d("2026-10-03")),
            client("C3", Value::Empty),
        ];
        let m = "  m: { share: { of: calls, where: { client_id: { found_in: { table: clients, where: { churned_on: empty } } } } } }\n";
        let got = eval(m, &rows);
        // Calls to clients still in the book: K1 (C1) and K3 (C3) of the four.
        assert_eq!(got[0].1, Some(exact_int(1) / exact_int(2)));
    }

    #[test]
    fn stages_compare_in_the_funnel_order() {
        // Stages of E1: proposal, negotiation, proposal, lead, proposal.
        let m = "  m: { count: deals, where: { stage: { at_least: negotiation } } }\n  gt: { count: deals, where: { stage: { more_than: negotiation } } }\n  le: { count: deals, where: { stage: { at_most: qualified } } }\n  lt: { count: deals, where: { stage: { less_than: lead } } }\n";
        let counts: Vec<Option<Exact>> =
            eval(m, &sample_deals()).into_iter().map(|g| g.1).collect();
        assert_eq!(counts, [4, 3, 1, 0].map(|c| Some(exact_int(c))));
    }

    #[test]
    fn aggregations_over_no_rows() {
        let m = "  m: { count: deals, where: { status: open, stage: proposal } }\n  s: { sum: deals.amount, where: { status: open, stage: proposal } }\n  a: { average: deals.amount, where: { status: open, stage: proposal } }\n  lo: { min: deals.amount, where: { status: open, stage: proposal } }\n";
        let got = eval(m, &sample_deals());
        assert_eq!(got[0].1, Some(exact_int(0)));
        assert_eq!(got[1].1, Some(exact_int(0)));
        assert_eq!(got[2].1, None, "an average of nothing is no data");
        assert_eq!(got[3].1, None);
    }

    #[test]
    fn equality_lists_and_negations() {
        let m = "  m: { count: deals, where: { status: won } }\n  one_of: { count: deals, where: { status: [won, lost] } }\n  not: { count: deals, where: { status: { not: won } } }\n  not_one_of: { count: deals, where: { stage: { not_one_of: [proposal, lead] } } }\n  bool: { count: deals, where: { new_client: no } }\n  neg: { count: deals, where: { not: { status: won } } }\n";
        let got = eval(m, &sample_deals());
        let counts: Vec<Option<Exact>> = got.into_iter().map(|g| g.1).collect();
        assert_eq!(counts, [3, 4, 2, 1, 4, 2].map(|c| Some(exact_int(c))));
    }

    #[test]
    fn number_comparisons() {
        let m = "  m: { count: deals, where: { amount: { more_than: 1000000 } } }\n  ge: { count: deals, where: { amount: { at_least: 100.50 } } }\n  lt: { count: deals, where: { amount: { less_than: 50 } } }\n  le: { count: deals, where: { amount: { at_most: 50, at_least: 50 } } }\n";
        let counts: Vec<Option<Exact>> =
            eval(m, &sample_deals()).into_iter().map(|g| g.1).collect();
        assert_eq!(counts, [1, 3, 1, 1].map(|c| Some(exact_int(c))));
    }

    #[test]
    fn date_filters_in_and_around_the_period() {
        let m = "  m: { count: deals, where: { closed_on: in_period } }\n  empty: { count: deals, where: { closed_on: empty } }\n  not_empty: { count: deals, where: { closed_on: not_empty } }\n  after_end: { count: deals, where: { closed_on: { after: period_end } } }\n  before_start: { count: deals, where: { created_on: { before: period_start } } }\n  last_60: { count: deals, where: { created_on: { on_or_after: period_end - 60 days } } }\n  month_back: { count: deals, where: { created_on: { on_or_after: period_start - 1 month } } }\n  fixed: { count: deals, where: { created_on: { on_or_before: 2026-10-02 } } }\n  not_in: { count: deals, where: { closed_on: { in_period: no } } }\n";
        let counts: Vec<Option<Exact>> =
            eval(m, &sample_deals()).into_iter().map(|g| g.1).collect();
        // in period: D1, D2, D5; empty: D4; after end: D3; created before Oct: D1, D5;
        // created on/after 1 Sep (31 Oct - 60 days): D1-D4; on/after 1 Sep: D1-D4;
        // created by 2 Oct: D1, D2, D5; closed outside the period (or never): D3, D4.
        assert_eq!(
            counts,
            [3, 1, 4, 1, 2, 4, 4, 3, 2].map(|c| Some(exact_int(c)))
        );
    }

    #[test]
    fn routing_rows_by_period_keeps_what_offering_every_slot_keeps() {
        // Routing groups a unit's slots by the period test their filter opens with, and a row
        // of another period passes the whole group by. Over three months, with one employee on
        // all of them and one on the middle one only, every value must be what offering each
        // row to every slot gives: in-period sums and counts (a close on the period's last
        // day), a filter whose period test is not first, metrics without one, a wait whose
        // next row is in the following month.
        let m = "  won: { sum: deals.amount, where: { status: won, closed_on: in_period } }\n  made: { count: deals, where: { created_on: in_period } }\n  late: { count: deals, where: { any: [ { closed_on: in_period }, { closed_on: empty } ] } }\n  all: { count: deals }\n  after: { count: deals, where: { created_on: { after: period_end } } }\n  wait: { average: { time_to_next: { at: deals.created_on, next: { status: won }, same: client_id } }, where: { created_on: in_period } }\n  share: won / (made + 1)\n";
        let text = format!(
            "currency: KZT\ncurve: standard\nmetrics:\n{m}\nkpis:\n  - {{ id: k, weight: 100%, metric: won, target: 1 }}\n"
        );
        let schemes = vec![scheme(&text)];
        let months: Vec<Period> = ["2026-09", "2026-10", "2026-11"]
            .iter()
            .map(|p| Period::parse(p).unwrap())
            .collect();
        let mut rows = sample_deals();
        #[rustfmt::skip]
        rows.extend([
            (Table::Deals, 0, deal("D7", "2026-11-05", "2026-11-06", "won", "proposal", "3", false, "C2")),
            (Table::Deals, 1, deal("D9", "2026-10-07", "2026-10-20", "won", "proposal", "70", false, "C1")),
            (Table::Deals, 1, deal("D8", "2026-11-02", "2026-11-03", "won", "proposal", "5", false, "C1")),
        ]);
        let unit = |period| Unit { period, scheme: 0 };
        let units = [vec![unit(0), unit(1), unit(2)], vec![unit(1)]];
        let run = |routed: bool| {
            let mut ev = Evaluator::new(&schemes, &months, &units, &|_| false);
            if !routed {
                for route in ev.routes.iter_mut().flatten().flatten() {
                    route.guard = None;
                }
            }
            for table in ev.table_order() {
                for (i, (tb, emp, values)) in rows.iter().enumerate() {
                    if *tb == table {
                        let row = TypedRow {
                            number: i + 2,
                            values,
                            at: None,
                        };
                        ev.feed(table, *emp, &row);
                    }
                }
            }
            ev.finish().unwrap()
        };
        let (routed, every_slot) = (run(true), run(false));
        assert_eq!(routed, every_slot);
        // Not vacuous: the months differ, a close on 31 October counts in October (D1 + D2),
        // and D2's wait (created 2 October) ends at D7, 34 days later in November.
        let value = |e: usize, p: usize, m: usize| routed[e][p][m].value.clone();
        assert_eq!(value(0, 1, 0), Some(q("1000100.51")));
        assert_eq!(value(0, 2, 0), Some(q("53")));
        assert_eq!(value(1, 0, 0), Some(q("1069"))); // D6 + D9
        assert_ne!(value(0, 1, 5), None);
        assert_ne!(routed[0][1], routed[0][0]);
        assert_ne!(routed[0][1], routed[0][2]);
    }

    #[test]
    fn rows_are_kept_only_for_the_units_asked() {
        // The team view keeps its own scheme's rows in the period and no history month's.
        let text = "currency: KZT\ncurve: standard\nmetrics:\n  won: { sum: deals.amount, where: { status: won, closed_on: in_period } }\nkpis:\n  - { id: k, weight: 100%, metric: won, target: 1 }\n";
        let schemes = vec![scheme(text)];
        let months: Vec<Period> = ["2026-10", "2026-11"]
            .iter()
            .map(|p| Period::parse(p).unwrap())
            .collect();
        let units = [vec![
            Unit {
                period: 0,
                scheme: 0,
            },
            Unit {
                period: 1,
                scheme: 0,
            },
        ]];
        let mut ev = Evaluator::new(&schemes, &months, &units, &|u| u.period == 1);
        for (i, (table, emp, values)) in sample_deals().iter().enumerate() {
            ev.feed(
                *table,
                *emp,
                &TypedRow {
                    number: i + 2,
                    values,
                    at: None,
                },
            );
        }
        let kept = |i: usize| match &ev.evidence(0, i)[0].evidence {
            Evidence::Rows(rows) => rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
            Evidence::PerDay(_) => panic!("deals are shown row by row"),
        };
        // October's figure counts D1 and D2 but keeps neither; November keeps D3.
        assert_eq!(ev.evidence(0, 0)[0].rows, 2);
        assert_eq!(kept(0), Vec::<String>::new());
        assert_eq!(kept(1), vec!["D3".to_string()]);
    }

    #[test]
    fn any_all_and_formulas() {
        let m = "  m: { sum: deals.amount, where: { created_on: { on_or_before: period_end }, any: [ { closed_on: empty }, { closed_on: { after: period_end } } ] } }\n  won: { count: deals, where: { all: [ { status: won }, { stage: proposal } ] } }\n  closed: { count: deals, where: { stage: proposal, status: [won, lost] } }\n  ratio: won / closed\n  pct: (won - 1) / closed * 100\n  zero: won / (closed - closed)\n";
        let got = eval(m, &sample_deals());
        assert_eq!(got[0].1, Some(q("57"))); // D3 50 + D4 7
        assert_eq!(got[1].1, Some(exact_int(2)));
        assert_eq!(
            got[3],
            ("ratio".into(), Some(exact_int(2) / exact_int(3)), 3)
        );
        assert_eq!(got[4].1, Some(exact_int(100) / exact_int(3)));
        assert_eq!(got[5].1, None, "division by zero is no data");
    }

    #[test]
    fn found_in_matches_keys_of_the_same_employee_unless_told() {
        let client = |id: &str, emp: usize| {
            (
                Table::Clients,
                emp,
                vec![
                    t(id),
                    t(if emp == 0 { "E1" } else { "E2" }),
                    d("2025-01-01"),
                    Value::Empty,
                ],
            )
        };
        let call = |id: &str, emp: usize, client: &str, dir: &str| {
            (
                Table::Calls,
                emp,
                vec![
                    t(id),
                    t("E"),
                    Value::DateTime(
                        NaiveDate::from_str("2026-10-07")
                            .unwrap()
                            .and_hms_opt(10, 0, 0)
                            .unwrap(),
                    ),
                    t(dir),
                    n("30"),
                    t(client),
                ],
            )
        };
        let rows = vec![
            client("C1", 0),
            client("C2", 0),
            client("C3", 0),
            call("K1", 0, "C1", "outgoing"),
            call("K2", 0, "C2", "incoming"), // incoming: not a contact
            call("K3", 1, "C3", "outgoing"), // someone else's call
        ];
        let m = "  m: { count: clients, where: { client_id: { found_in: [ { table: calls, where: { direction: outgoing, started_at: in_period } } ] } } }\n  any: { count: clients, where: { client_id: { found_in: { table: calls, any_employee: yes, where: { direction: outgoing } } } } }\n";
        let got = eval(m, &rows);
        assert_eq!(got[0].1, Some(exact_int(1)));
        assert_eq!(got[1].1, Some(exact_int(2)));
    }

    /// Team and reports scope at the evaluator: E0 and E1 are team 0, E2 team 1; E1 reports
    /// to E0. A row feeds the accumulators of everyone whose scope holds its owner, and a
    /// `found_in` matches the row owner's own keys.
    #[test]
    fn scoped_rows_feed_the_team_and_the_managers_above() {
        let text = "currency: KZT\ncurve: standard\nmetrics:\n  own: { count: clients }\n  team: { count: clients, scope: team }\n  line: { count: clients, scope: reports }\n  called: { count: clients, scope: team, where: { client_id: { found_in: { table: calls } } } }\nkpis:\n  - { id: k, weight: 100%, metric: own, target: 1 }\n";
        let schemes = vec![scheme(text)];
        let mut ev = october(&schemes, 3, true);
        ev.set_scopes(&[Some(0), Some(0), Some(1)], &[None, Some(0), None]);
        let client = |id: &str| vec![t(id), t("E"), d("2025-01-01"), Value::Empty];
        let call = |client: &str| {
            vec![
                t("K"),
                t("E"),
                Value::DateTime(
                    NaiveDate::from_str("2026-10-07")
                        .unwrap()
                        .and_hms_opt(10, 0, 0)
                        .unwrap(),
                ),
                t("outgoing"),
                n("30"),
                t(client),
            ]
        };
        // E0 has clients A, B; E1 has C; E2 has D. E1 called A (E0's client) and C; E0 called
        // nobody.
        let rows = [
            (Table::Calls, 1, call("A")),
            (Table::Calls, 1, call("C")),
            (Table::Clients, 0, client("A")),
            (Table::Clients, 0, client("B")),
            (Table::Clients, 1, client("C")),
            (Table::Clients, 2, client("D")),
        ];
        assert_eq!(ev.table_order(), [Table::Calls, Table::Clients]);
        for (i, (table, emp, values)) in rows.iter().enumerate() {
            ev.feed(
                *table,
                *emp,
                &TypedRow {
                    number: i + 2,
                    values,
                    at: None,
                },
            );
        }
        let values = ev.finish().unwrap();
        let got: Vec<Vec<Option<Exact>>> = values
            .iter()
            .map(|units| units[0].iter().map(|v| v.value.clone()).collect())
            .collect();
        let c = |n: i64| Some(exact_int(n));
        // own, team, reports (own and everyone below), team clients called by their own owner
        // (E1's call to A is not a call of A's owner E0: only C counts).
        assert_eq!(got[0], [c(2), c(3), c(3), c(1)]);
        assert_eq!(got[1], [c(1), c(3), c(1), c(1)]);
        assert_eq!(got[2], [c(1), c(1), c(1), c(0)]);
        // Scoped metrics keep no rows; their evidence says how many fed them.
        let evidence = ev.evidence(0, 0);
        assert_eq!(evidence[1].scope, Scope::Team);
        assert_eq!(evidence[1].rows, 3);
        assert_eq!(evidence[1].evidence, Evidence::Rows(Vec::new()));
        let Evidence::Rows(own) = &evidence[0].evidence else {
            panic!("clients are listed row by row")
        };
        assert_eq!(
            own.len(),
            2,
            "the employee's own metric still lists its rows"
        );
    }

    /// A cycle of managers (refused at load, but the run still reads every table to report
    /// every problem) cannot make the dispatch loop.
    #[test]
    fn a_cycle_of_managers_does_not_hang_the_dispatch() {
        let text = "currency: KZT\ncurve: standard\nmetrics:\n  line: { count: clients, scope: reports }\nkpis:\n  - { id: k, weight: 100%, metric: line, target: 1 }\n";
        let scheme = scheme(text);
        let schemes = vec![scheme];
        let mut ev = october(&schemes, 2, false);
        ev.set_scopes(&[None, None], &[Some(1), Some(0)]);
        let values = vec![t("A"), t("E"), d("2025-01-01"), Value::Empty];
        ev.feed(
            Table::Clients,
            0,
            &TypedRow {
                number: 2,
                values: &values,
                at: None,
            },
        );
        let got = ev.finish().unwrap();
        assert_eq!(got[0][0][0].value, Some(exact_int(1)));
        assert_eq!(got[1][0][0].value, Some(exact_int(1)));
    }
}
