//! A CRM export read through a [`Mapping`]: the canonical tables as a [`TableSource`].
//!
//! A mapped table streams like any other: each source row is read, kept or dropped by the
//! table's `keep:` conditions (each drop counted under its reason), made into the canonical
//! columns and handed on at once. Only lookup tables are held in memory, and only the columns
//! the mapping reads from them. Every value handed on remembers the source file, row and column
//! it came from, so a problem found when the value is typed is reported there.

use super::*;
use crate::data::TableSource;
use crate::data::limits::quote;
use crate::data::source::{Row, Source};
use crate::data::tables::{ColType, Table};
pub use crate::data::usage::{Role, Usage};
use crate::data::value::RawCell;
use crate::error::Capped;
use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// A source row as the map command's per-row report lists it. The texts are shared between
/// rows: an export of a million rows has a handful of places, uses and reasons.
#[derive(Debug, Clone)]
pub struct RowUse {
    pub place: Rc<str>,
    pub row: usize,
    /// `deals`, `lookup tables.deals.columns.stage`, …
    pub used_as: Rc<str>,
    /// Empty when kept; the reason when dropped.
    pub dropped: Rc<str>,
}

/// Where a value came from: a source cell, or the mapping itself (a constant).
#[derive(Debug, Clone, Copy)]
struct Org {
    place: u32,
    row: u32,
    /// A [`ColRef`] id, or `CONST` with `loc` the constant's place in the mapping.
    col: u32,
    loc: Loc,
}

const CONST: u32 = u32::MAX;

/// The offset moments are shown in when a mapping states none (it may not, where it reads none:
/// the parser asks for `timezone:` wherever a moment is read).
const UTC: chrono::FixedOffset = match chrono::FixedOffset::east_opt(0) {
    Some(o) => o,
    None => panic!("UTC is an offset"),
};

/// A lookup table held in memory: the kept rows, projected on the columns the mapping reads.
struct Loaded {
    /// The lookup that names this table in the report (of those sharing it).
    leader: usize,
    /// The export has no such table (reported once, where it is first needed).
    missing: bool,
    place: u32,
    /// Column ref id → index in a projected row.
    resolved: Vec<Option<usize>>,
    rows: Vec<(u32, Vec<RawCell>)>,
    index: HashMap<String, Vec<u32>>,
    used: RefCell<Vec<bool>>,
}

struct State {
    places: Vec<String>,
    lookups: Vec<Option<Rc<Loaded>>>,
    people: Option<Rc<HashMap<String, String>>>,
    usage: Vec<Usage>,
    /// Problems met while loading lookups (reported with the table that needed them).
    log: Option<Vec<RowUse>>,
    /// The texts of the log, each held once.
    texts: HashMap<String, Rc<str>>,
    /// The canonical tables read so far: a lookup none of the others uses is let go.
    read: Vec<Table>,
    /// The lookups (by the first of those sharing rows) loaded at least once.
    loaded: Vec<usize>,
}

pub struct MappedSource {
    inner: Source,
    mapping: Mapping,
    state: RefCell<State>,
}

/// The text a cell is compared and looked up by: trimmed text, a number's digits.
fn key_text(cell: &RawCell) -> Cow<'_, str> {
    match cell {
        RawCell::Empty => Cow::Borrowed(""),
        RawCell::Text(t) => Cow::Borrowed(t.trim()),
        RawCell::Number(d) => Cow::Owned(d.normalize().to_string()),
        RawCell::Bool(b) => Cow::Owned(if *b { "TRUE" } else { "FALSE" }.to_string()),
        RawCell::DateTime(dt) => Cow::Owned(dt.format("%Y-%m-%d %H:%M:%S").to_string()),
        other => Cow::Owned(other.shown()),
    }
}

/// A row's cells with where each column ref sits among them.
struct Cx<'a> {
    resolved: &'a [Option<usize>],
    cells: &'a [RawCell],
    place: u32,
    row: u32,
}

impl Cx<'_> {
    fn cell(&self, col: usize) -> &RawCell {
        static EMPTY: RawCell = RawCell::Empty;
        self.resolved
            .get(col)
            .copied()
            .flatten()
            .and_then(|i| self.cells.get(i))
            .unwrap_or(&EMPTY)
    }
    fn org(&self, col: usize) -> Org {
        Org {
            place: self.place,
            row: self.row,
            col: col as u32,
            loc: Loc::default(),
        }
    }
    fn holds<'c>(&self, conds: &'c [Cond]) -> Option<&'c Cond> {
        conds
            .iter()
            .find(|c| !c.test.holds(&key_text(self.cell(c.column))))
    }
}

/// The column refs read in a row's own context (`main`), and the lookups it uses.
fn collect(spec: &Spec, main: &mut Vec<usize>, lookups: &mut Vec<usize>, m: &Mapping) {
    main.extend(spec.when.iter().map(|c| c.column));
    if let Some(r) = &spec.rank {
        collect(r, main, lookups, m);
    }
    match &spec.expr {
        Expr::Column(c) => main.push(*c),
        Expr::Const(_) => {}
        Expr::Join(parts, _) | Expr::FirstOf(parts) | Expr::Furthest(parts) => {
            for p in parts {
                collect(p, main, lookups, m);
            }
        }
        Expr::Person(inner) => collect(inner, main, lookups, m),
        Expr::Lookup(id) => {
            let l = &m.lookups[*id];
            main.extend(l.keys.iter().map(|(_, ours)| *ours));
            if !lookups.contains(id) {
                lookups.push(*id);
                // What the lookup's own rows need, and the lookups nested in its `take`.
                let mut theirs = Vec::new();
                collect(&l.take, &mut theirs, lookups, m);
                if let Some(r) = &l.rank {
                    collect(r, &mut theirs, lookups, m);
                }
            }
        }
    }
}

/// Every column ref read in a lookup's rows.
fn lookup_columns(l: &Lookup, m: &Mapping) -> Vec<usize> {
    let mut cols: Vec<usize> = l.keys.iter().map(|(theirs, _)| *theirs).collect();
    cols.extend(l.keep.iter().map(|c| c.column));
    collect(&l.take, &mut cols, &mut Vec::new(), m);
    if let Some(r) = &l.rank {
        collect(r, &mut cols, &mut Vec::new(), m);
    }
    cols.sort_unstable();
    cols.dedup();
    cols
}

fn uses_people(spec: &Spec, m: &Mapping) -> bool {
    match &spec.expr {
        Expr::Person(_) => true,
        Expr::Join(p, _) | Expr::FirstOf(p) | Expr::Furthest(p) => {
            p.iter().any(|s| uses_people(s, m))
        }
        Expr::Lookup(id) => uses_people(&m.lookups[*id].take, m),
        _ => false,
    }
}

/// Resolves column refs against a header: (ref id → file column), and the problems of
/// required columns the header lacks.
fn resolve_header(
    m: &Mapping,
    cols: &[usize],
    header: &[RawCell],
    place: &str,
    row: usize,
) -> (Vec<Option<usize>>, Vec<Problem>) {
    let names: Vec<String> = header.iter().map(|c| key_text(c).to_string()).collect();
    let mut resolved = vec![None; m.columns.len()];
    let mut problems = Vec::new();
    let mut missing_seen: Vec<&str> = Vec::new();
    for &c in cols {
        let r = &m.columns[c];
        let found = names
            .iter()
            .position(|n| n == &r.name)
            .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(&r.name)));
        resolved[c] = found;
        if found.is_none() && !r.optional && !missing_seen.contains(&r.name.as_str()) {
            missing_seen.push(&r.name);
            let shown: Vec<String> = names
                .iter()
                .filter(|n| !n.is_empty())
                .take(20)
                .map(|n| quote(n))
                .collect();
            let more = names.len().saturating_sub(20);
            problems.push(Problem::new(
                format!("{place}, row {row}"),
                format!(
                    "no column {}{}, which the mapping reads ({}); the header row has {}{}",
                    quote(&r.name),
                    crate::error::did_you_mean(&r.name, names.iter().map(String::as_str)),
                    m.at(r.at),
                    if shown.is_empty() {
                        "no names".to_string()
                    } else {
                        shown.join(", ")
                    },
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                ),
            ));
        }
    }
    (resolved, problems)
}

impl MappedSource {
    pub fn new(inner: Source, mapping: Mapping) -> MappedSource {
        let lookups = (0..mapping.lookups.len()).map(|_| None).collect();
        MappedSource {
            inner,
            mapping,
            state: RefCell::new(State {
                places: Vec::new(),
                lookups,
                people: None,
                usage: Vec::new(),
                log: None,
                texts: HashMap::new(),
                read: Vec::new(),
                loaded: Vec::new(),
            }),
        }
    }

    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// Keeps a per-row log of every source row read (for `incentive map`'s report).
    pub fn log_rows(&self) {
        self.state.borrow_mut().log = Some(Vec::new());
    }

    pub fn take_log(&self) -> Vec<RowUse> {
        self.state.borrow_mut().log.take().unwrap_or_default()
    }

    /// The source tables the export holds that the mapping never read.
    pub fn unread(&self) -> Vec<String> {
        let state = self.state.borrow();
        let used: std::collections::HashSet<&str> =
            state.usage.iter().map(|u| u.place.as_str()).collect();
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        // A CSV file's place is its path: resolving each name again would take time square in
        // the number of files (a folder of 5 000 took 9 s).
        let places: Vec<String> = if self.inner.path().is_dir() {
            self.inner
                .files()
                .iter()
                .map(|f| f.display().to_string())
                .collect()
        } else {
            self.inner
                .names()
                .iter()
                .map(|n| self.inner.place_named(n))
                .collect()
        };
        for place in places {
            if !used.contains(place.as_str()) && seen.insert(place.clone()) {
                out.push(place);
            }
        }
        out
    }

    /// A problem for each source of a table the mapping makes when the export has none of
    /// them (each message lists what the export has). `incentive map` refuses such a mapping:
    /// a table it names cannot silently come out empty.
    pub fn missing_tables(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        for tm in &self.mapping.tables {
            if tm.from.iter().any(|f| self.inner.has_named(f)) {
                continue;
            }
            for name in &tm.from {
                out.push(self.missing_source(
                    name,
                    tm.at,
                    &format!("makes the {} table from", tm.table),
                ));
            }
        }
        out
    }

    fn place_id(&self, place: String) -> u32 {
        let mut s = self.state.borrow_mut();
        match s.places.iter().position(|p| *p == place) {
            Some(i) => i as u32,
            None => {
                s.places.push(place);
                (s.places.len() - 1) as u32
            }
        }
    }

    fn log(&self, place: &str, row: usize, used_as: &str, dropped: &str) {
        let mut s = self.state.borrow_mut();
        if s.log.is_none() {
            return;
        }
        let mut intern = |text: &str| -> Rc<str> {
            if let Some(t) = s.texts.get(text) {
                return t.clone();
            }
            let t: Rc<str> = Rc::from(text);
            s.texts.insert(text.to_string(), t.clone());
            t
        };
        let (place, used_as, dropped) = (intern(place), intern(used_as), intern(dropped));
        if let Some(log) = &mut s.log {
            log.push(RowUse {
                place,
                row,
                used_as,
                dropped,
            });
        }
    }

    fn missing_source(&self, name: &str, at: Loc, what: &str) -> Problem {
        let mut names = self.inner.names();
        names.sort();
        let hint = crate::error::did_you_mean(name, names.iter().map(String::as_str));
        let shown: Vec<String> = names.iter().take(30).map(|n| quote(n)).collect();
        Problem::new(
            self.inner.place_named(name),
            format!(
                "the mapping ({}) {what} {}{hint}, which the export does not have; it has {}",
                self.mapping.at(at),
                quote(name),
                if shown.is_empty() {
                    "no tables".to_string()
                } else {
                    shown.join(", ")
                }
            ),
        )
    }

    /// Loads a lookup table (once), returning the problems found in it.
    fn load_lookup(&self, id: usize) -> Vec<Problem> {
        if self.state.borrow().lookups[id].is_some() {
            return Vec::new();
        }
        let m = &self.mapping;
        let l = &m.lookups[id];
        let mut problems = Vec::new();
        if !self.inner.has_named(&l.from) {
            problems.push(self.missing_source(&l.from, l.at, "looks up in"));
            self.state.borrow_mut().lookups[id] = Some(Rc::new(Loaded {
                leader: id,
                missing: true,
                place: 0,
                resolved: vec![None; m.columns.len()],
                rows: Vec::new(),
                index: HashMap::new(),
                used: RefCell::new(Vec::new()),
            }));
            return problems;
        }
        let place = self.inner.place_named(&l.from);
        let place_id = self.place_id(place.clone());
        // Lookups that read the same rows of the same table by the same key (amoCRM's status
        // before and after) share one table in memory and one line of the report.
        let group: Vec<usize> = (0..m.lookups.len())
            .filter(|&j| same_rows(l, &m.lookups[j], m))
            .collect();
        let mut cols: Vec<usize> = group
            .iter()
            .flat_map(|&j| lookup_columns(&m.lookups[j], m))
            .collect();
        cols.sort_unstable();
        cols.dedup();
        let role = Role::Lookup(lookup_role(m, group[0]));
        let mut usage = Usage::new(place.clone(), role);
        let mut file_cols: Vec<usize> = Vec::new();
        let mut resolved = vec![None; m.columns.len()];
        let mut header: Option<Vec<Option<usize>>> = None;
        let mut rows: Vec<(u32, Vec<RawCell>)> = Vec::new();
        let mut index: HashMap<String, Vec<u32>> = HashMap::new();
        let mut dups = Capped::new(&place, "rows with a key seen before");
        let used_as = format!("lookup for {}", describe_lookup(m, id));
        let mut usable = true;
        let mut log: Vec<(usize, String)> = Vec::new();
        let logging = self.state.borrow().log.is_some();
        let result = self.inner.read_named(&l.from, &mut |row: Row<'_>, _| {
            if header.is_none() {
                let (r, p) = resolve_header(m, &cols, row.cells, &place, row.number);
                usable = p.is_empty();
                problems.extend(p);
                // Project: the file columns read, in ref order.
                for &c in &cols {
                    if let Some(j) = r[c] {
                        let k = match file_cols.iter().position(|&f| f == j) {
                            Some(k) => k,
                            None => {
                                file_cols.push(j);
                                file_cols.len() - 1
                            }
                        };
                        resolved[c] = Some(k);
                    }
                }
                header = Some(r);
                return;
            }
            usage.rows += 1;
            if !usable {
                usage.drop(Cow::Borrowed("the file lacks a column the mapping reads"));
                return;
            }
            let cells: Vec<RawCell> = file_cols
                .iter()
                .map(|&j| row.cells.get(j).cloned().unwrap_or(RawCell::Empty))
                .collect();
            let cx = Cx {
                resolved: &resolved,
                cells: &cells,
                place: place_id,
                row: row.number as u32,
            };
            if !keeps(&cx, &l.keep, m, &mut usage, logging.then_some(&mut log)) {
                return;
            }
            let key = lookup_key(l.keys.iter().map(|(theirs, _)| cx.cell(*theirs)));
            let n = rows.len() as u32;
            let entry = index.entry(key).or_default();
            if !l.many && let Some(&first) = entry.first() {
                let first_row = rows[first as usize].0;
                let (theirs, _) = l.keys[0];
                dups.push(Problem::new(
                    format!(
                        "{place}, row {}, column {}",
                        row.number,
                        quote(&m.columns[theirs].name)
                    ),
                    format!(
                        "a second row for {} (first at row {first_row}); the lookup at {} needs one row per key",
                        quote(&key_text(cx.cell(theirs))),
                        m.at(l.at)
                    ),
                ));
                usage.drop(Cow::Borrowed("a second row for a key"));
                return;
            }
            entry.push(n);
            usage.kept += 1;
            if logging {
                log.push((row.number, String::new()));
            }
            rows.push((row.number as u32, cells));
        });
        match result {
            Err(p) => problems.push(p),
            Ok(p) => problems.extend(p),
        }
        dups.finish(&mut problems);
        for (row, dropped) in log {
            self.log(&place, row, &used_as, &dropped);
        }
        let used = RefCell::new(vec![false; rows.len()]);
        let mut s = self.state.borrow_mut();
        // A lookup loaded again (it was let go after the tables using it were read, and one of
        // them is read again) reads the same rows: its line in the report is replaced.
        let lookup_role_of = lookup_role(m, group[0]);
        let again = s.loaded.contains(&group[0]);
        match s.usage.iter_mut().find(|u| {
            again
                && u.place == usage.place
                && matches!(&u.role, Role::Lookup(r) if *r == lookup_role_of)
        }) {
            Some(line) => *line = usage,
            None => s.usage.push(usage),
        }
        if !again {
            s.loaded.push(group[0]);
        }
        let loaded = Rc::new(Loaded {
            leader: group[0],
            missing: false,
            place: place_id,
            resolved,
            rows,
            index,
            used,
        });
        for &k in &group {
            s.lookups[k] = Some(loaded.clone());
        }
        problems
    }

    /// Loads HR's link of CRM user ids to roster ids (once).
    fn load_people(&self) -> Vec<Problem> {
        let m = &self.mapping;
        let Some(p) = &m.people else {
            return Vec::new();
        };
        if self.state.borrow().people.is_some() {
            return Vec::new();
        }
        let mut problems = Vec::new();
        let mut map: HashMap<String, String> = HashMap::new();
        if !self.inner.has_named(&p.from) {
            problems.push(self.missing_source(&p.from, p.at, "links people through"));
        } else {
            let place = self.inner.place_named(&p.from);
            let mut usage = Usage::new(place.clone(), Role::People);
            let cols = [p.crm_user_id, p.employee_id];
            let mut resolved: Option<Vec<Option<usize>>> = None;
            let mut dups = Capped::new(&place, "rows with a CRM user id seen before");
            let mut unlinked = Capped::new(&place, "employees without a CRM user id");
            let mut first_rows: HashMap<String, usize> = HashMap::new();
            let mut logged: Vec<(usize, String)> = Vec::new();
            let logging = self.state.borrow().log.is_some();
            let result = self.inner.read_named(&p.from, &mut |row: Row<'_>, _| {
                let Some(r) = &resolved else {
                    let (r, pr) = resolve_header(m, &cols, row.cells, &place, row.number);
                    problems.extend(pr);
                    resolved = Some(r);
                    return;
                };
                usage.rows += 1;
                // Every row of HR's sheet is listed in the per-row report too.
                let mut note = |reason: &str| {
                    if logging {
                        logged.push((row.number, reason.to_string()));
                    }
                };
                let (Some(ci), Some(ei)) = (r[p.crm_user_id], r[p.employee_id]) else {
                    note("the file lacks a column the mapping reads");
                    usage.drop(Cow::Borrowed("the file lacks a column the mapping reads"));
                    return;
                };
                let get = |i: usize| row.cells.get(i).map(key_text).unwrap_or_default().to_string();
                let (crm, emp) = (get(ci), get(ei));
                if crm.is_empty() {
                    // Without the link none of the CRM's rows can be theirs: they would be paid
                    // on nothing, silently.
                    unlinked.push(Problem::new(
                        format!("{place}, row {}, column {}", row.number, quote(&m.columns[p.crm_user_id].name)),
                        format!(
                            "employee {} has no CRM user id; the mapping links the CRM's rows to employees through it (people: at {})",
                            quote(&emp),
                            m.at(p.at)
                        ),
                    ));
                    let reason = format!("{} is empty", m.columns[p.crm_user_id].name);
                    note(&reason);
                    usage.drop(Cow::Owned(reason));
                    return;
                }
                if let Some(first) = first_rows.get(&crm) {
                    dups.push(Problem::new(
                        format!("{place}, row {}, column {}", row.number, quote(&m.columns[p.crm_user_id].name)),
                        format!(
                            "CRM user {} is linked twice (first at row {first}); each CRM user is one employee",
                            quote(&crm)
                        ),
                    ));
                    note("a CRM user id linked twice");
                    usage.drop(Cow::Borrowed("a CRM user id linked twice"));
                    return;
                }
                first_rows.insert(crm.clone(), row.number);
                note("");
                usage.kept += 1;
                map.insert(crm, emp);
            });
            match result {
                Err(e) => problems.push(e),
                Ok(e) => problems.extend(e),
            }
            dups.finish(&mut problems);
            unlinked.finish(&mut problems);
            for (row, dropped) in logged {
                self.log(&place, row, "link of CRM users to the roster", &dropped);
            }
            self.state.borrow_mut().usage.push(usage);
        }
        self.state.borrow_mut().people = Some(Rc::new(map));
        problems
    }

    fn read_mapped(
        &self,
        tm: &TableMap,
        visit: &mut dyn FnMut(Row<'_>, bool),
    ) -> Result<Vec<Problem>, Problem> {
        let m = &self.mapping;
        let canonical = tm.table.columns();
        let mut main: Vec<usize> = tm.keep.iter().map(|c| c.column).collect();
        let mut lookup_ids: Vec<usize> = Vec::new();
        for (_, spec) in &tm.columns {
            collect(spec, &mut main, &mut lookup_ids, m);
        }
        main.sort_unstable();
        main.dedup();
        let mut problems = Vec::new();
        for &id in &lookup_ids {
            for p in self.load_lookup(id) {
                // Two lookups in one missing table are one problem.
                if !problems.contains(&p) {
                    problems.push(p);
                }
            }
        }
        if tm.columns.iter().any(|(_, s)| uses_people(s, m)) {
            problems.extend(self.load_people());
        }
        let (lookups, people) = {
            let s = self.state.borrow();
            (s.lookups.clone(), s.people.clone())
        };
        let ev = Eval {
            m,
            lookups: &lookups,
            people: people.as_deref(),
        };
        // The header the canonical reader sees: the mapped columns, in canonical order.
        let header: Vec<RawCell> = tm
            .columns
            .iter()
            .map(|(i, _)| RawCell::Text(canonical[*i].name.into()))
            .collect();
        visit(
            Row {
                number: 1,
                cells: &header,
                locate: None,
            },
            false,
        );
        for name in &tm.from {
            if !self.inner.has_named(name) {
                problems.push(self.missing_source(
                    name,
                    tm.at,
                    &format!("makes the {} table from", tm.table),
                ));
                continue;
            }
            let place = self.inner.place_named(name);
            let place_id = self.place_id(place.clone());
            let mut usage = Usage::new(place.clone(), Role::Feeds(tm.table));
            let mut resolved: Option<Vec<Option<usize>>> = None;
            let mut usable = true;
            let mut cells: Vec<RawCell> = Vec::with_capacity(tm.columns.len());
            let mut orgs: Vec<Org> = Vec::with_capacity(tm.columns.len());
            let logging = self.state.borrow().log.is_some();
            let mut log: Vec<(usize, String)> = Vec::new();
            let state_places: Vec<String> = self.state.borrow().places.clone();
            let result = self
                .inner
                .read_named(name, &mut |row: Row<'_>, decimal_comma| {
                    let Some(r) = &resolved else {
                        let (r, p) = resolve_header(m, &main, row.cells, &place, row.number);
                        usable = p.is_empty();
                        problems.extend(p);
                        resolved = Some(r);
                        return;
                    };
                    usage.rows += 1;
                    if !usable {
                        usage.drop(Cow::Borrowed("the file lacks a column the mapping reads"));
                        return;
                    }
                    let cx = Cx {
                        resolved: r,
                        cells: row.cells,
                        place: place_id,
                        row: row.number as u32,
                    };
                    if !keeps(&cx, &tm.keep, m, &mut usage, logging.then_some(&mut log)) {
                        return;
                    }
                    usage.kept += 1;
                    if logging {
                        log.push((row.number, String::new()));
                    }
                    cells.clear();
                    orgs.clear();
                    for (i, spec) in &tm.columns {
                        let (cell, org) = ev.value(spec, &cx, canonical[*i].ty);
                        cells.push(cell);
                        orgs.push(org);
                    }
                    let locate = |j: usize| -> String {
                        let Some(o) = orgs.get(j) else {
                            return format!("{place}, row {}", row.number);
                        };
                        if o.col == CONST {
                            return format!("{} (a value the mapping sets)", m.at(o.loc));
                        }
                        let at = state_places
                            .get(o.place as usize)
                            .map_or(place.as_str(), String::as_str);
                        format!(
                            "{at}, row {}, column {}",
                            o.row,
                            quote(&m.columns[o.col as usize].name)
                        )
                    };
                    visit(
                        Row {
                            number: row.number,
                            cells: &cells,
                            locate: Some(&locate),
                        },
                        decimal_comma,
                    );
                });
            match result {
                Err(p) => problems.push(p),
                Ok(p) => problems.extend(p),
            }
            for (row, dropped) in log {
                self.log(&place, row, tm.table.name(), &dropped);
            }
            self.state.borrow_mut().usage.push(usage);
        }
        // How many kept lookup rows were ever used, now that this table has been read.
        let mut s = self.state.borrow_mut();
        if !s.read.contains(&tm.table) {
            s.read.push(tm.table);
        }
        for &id in &lookup_ids {
            if let Some(l) = &lookups[id] {
                let used = l.used.borrow().iter().filter(|u| **u).count();
                let place = s.places.get(l.place as usize).cloned().unwrap_or_default();
                // The table's own line: lookups reading other rows of one table differ by place.
                let role = lookup_role(m, l.leader);
                if let Some(u) = s
                    .usage
                    .iter_mut()
                    .find(|u| u.place == place && matches!(&u.role, Role::Lookup(r) if *r == role))
                {
                    u.looked_up = Some(used);
                }
            }
        }
        // A lookup no table still to be read uses is let go (a CRM's deals, held to look up
        // their fields, can be most of a run's memory); read again, it is loaded again.
        drop(lookups);
        for &id in &lookup_ids {
            let needed = m.tables.iter().any(|other| {
                if s.read.contains(&other.table) {
                    return false;
                }
                let (mut main, mut ids) = (Vec::new(), Vec::new());
                for (_, spec) in &other.columns {
                    collect(spec, &mut main, &mut ids, m);
                }
                ids.contains(&id)
            });
            if !needed {
                s.lookups[id] = None;
            }
        }
        Ok(problems)
    }
}

/// Whether a row passes `keep:`; a row that fails is counted under the first condition it fails
/// (`TYPE_ID is not "4"`), and listed in the per-row log when there is one.
fn keeps(
    cx: &Cx<'_>,
    conds: &[Cond],
    m: &Mapping,
    usage: &mut Usage,
    log: Option<&mut Vec<(usize, String)>>,
) -> bool {
    let Some(c) = cx.holds(conds) else {
        return true;
    };
    let reason = c.test.failed(&m.columns[c.column].name);
    if let Some(log) = log {
        log.push((cx.row as usize, reason.clone()));
    }
    usage.drop(Cow::Owned(reason));
    false
}

/// Whether two lookups read the same rows of the same table by the same key columns.
fn same_rows(a: &Lookup, b: &Lookup, m: &Mapping) -> bool {
    let names = |l: &Lookup| -> Vec<String> {
        l.keys
            .iter()
            .map(|(theirs, _)| m.columns[*theirs].name.clone())
            .collect()
    };
    let keep = |l: &Lookup| -> Vec<String> {
        l.keep
            .iter()
            .map(|c| format!("{}\u{1f}{:?}", m.columns[c.column].name, c.test))
            .collect()
    };
    a.from == b.from && a.many == b.many && names(a) == names(b) && keep(a) == keep(b)
}

/// How the usage report names a lookup: `crm_deal_uf by DEAL_ID = ID (mapping.yaml:84:11)`.
fn lookup_role(m: &Mapping, id: usize) -> String {
    format!("{} ({})", describe_lookup(m, id), m.at(m.lookups[id].at))
}

fn describe_lookup(m: &Mapping, id: usize) -> String {
    let l = &m.lookups[id];
    let keys: Vec<String> = l
        .keys
        .iter()
        .map(|(t, o)| format!("{} = {}", m.columns[*t].name, m.columns[*o].name))
        .collect();
    format!("{} by {}", l.from, keys.join(", "))
}

/// The index key of a row's key columns: each part prefixed with its length, so that no text
/// (a separator character in a cell included) makes two different keys equal.
fn lookup_key<'a>(cells: impl Iterator<Item = &'a RawCell>) -> String {
    let mut key = String::new();
    for c in cells {
        let t = key_text(c);
        key.push_str(&t.len().to_string());
        key.push(':');
        key.push_str(&t);
    }
    key
}

/// Evaluates value specs against rows.
struct Eval<'a> {
    m: &'a Mapping,
    lookups: &'a [Option<Rc<Loaded>>],
    people: Option<&'a HashMap<String, String>>,
}

impl Eval<'_> {
    /// The value of a spec in a row, as a cell for the canonical reader, with where it came from.
    fn value(&self, spec: &Spec, cx: &Cx<'_>, ty: ColType) -> (RawCell, Org) {
        if let Some(c) = cx.holds(&spec.when) {
            // Where the value would have come from, rather than the condition's column.
            let col = match &spec.expr {
                Expr::Column(own) => *own,
                _ => c.column,
            };
            return (RawCell::Empty, cx.org(col));
        }
        let (cell, org) = match &spec.expr {
            Expr::Column(c) => (cx.cell(*c).clone(), cx.org(*c)),
            Expr::Const(v) => (
                RawCell::Text(v.as_str().into()),
                Org {
                    place: 0,
                    row: 0,
                    col: CONST,
                    loc: spec.at,
                },
            ),
            Expr::Join(parts, with) => {
                let mut text = String::new();
                let mut org = None;
                for p in parts {
                    let (c, o) = self.value(p, cx, ColType::Text);
                    if let RawCell::Refused(_) = c {
                        return (c, o);
                    }
                    let t = key_text(&c);
                    if t.is_empty() {
                        continue;
                    }
                    if !text.is_empty() {
                        text.push_str(with);
                    }
                    text.push_str(&t);
                    org.get_or_insert(o);
                }
                let org = org.unwrap_or_else(|| self.const_org(spec));
                (
                    if text.is_empty() {
                        RawCell::Empty
                    } else {
                        RawCell::Text(text.into())
                    },
                    org,
                )
            }
            Expr::FirstOf(parts) => {
                let mut first = None;
                for p in parts {
                    let (c, o) = self.value(p, cx, ty);
                    if !c.is_empty() {
                        return self.finish(spec, c, o, ty);
                    }
                    first.get_or_insert(o);
                }
                (
                    RawCell::Empty,
                    first.unwrap_or_else(|| self.const_org(spec)),
                )
            }
            Expr::Furthest(parts) => self.furthest(parts, cx, ty, spec),
            Expr::Lookup(id) => {
                let l = &self.m.lookups[*id];
                let key_org = l.keys.first().map(|(_, ours)| cx.org(*ours));
                match self.found(*id, cx).next() {
                    Some((_, lcx)) => self.value(&l.take, &lcx, ColType::Text),
                    None => (
                        RawCell::Empty,
                        key_org.unwrap_or_else(|| self.const_org(spec)),
                    ),
                }
            }
            Expr::Person(inner) => {
                let (c, o) = self.value(inner, cx, ColType::Text);
                if let RawCell::Refused(_) = c {
                    return (c, o);
                }
                let id = key_text(&c);
                if id.is_empty() {
                    return (RawCell::Empty, o);
                }
                let emp = match self.people.and_then(|p| p.get(id.as_ref())) {
                    Some(e) => e.clone(),
                    // Never a roster id: a CRM user HR does not list is a person not on the roster.
                    None => format!("CRM user {id}"),
                };
                (RawCell::Text(emp.into()), o)
            }
        };
        self.finish(spec, cell, org, ty)
    }

    /// Whether the spec is a lookup in a table the export does not have.
    fn missing_lookup(&self, spec: &Spec) -> bool {
        matches!(spec.expr, Expr::Lookup(id) if self.lookups.get(id).and_then(|l| l.as_deref()).is_some_and(|l| l.missing))
    }

    fn const_org(&self, spec: &Spec) -> Org {
        Org {
            place: 0,
            row: 0,
            col: CONST,
            loc: spec.at,
        }
    }

    /// The rows of a lookup whose key is this row's.
    fn found<'s>(&'s self, id: usize, cx: &Cx<'_>) -> impl Iterator<Item = (u32, Cx<'s>)> + 's {
        let l = &self.m.lookups[id];
        let key = lookup_key(l.keys.iter().map(|(_, ours)| cx.cell(*ours)));
        let loaded = self.lookups[id].as_deref();
        let hits: &[u32] = loaded
            .and_then(|t| t.index.get(&key))
            .map_or(&[], Vec::as_slice);
        hits.iter().filter_map(move |&i| {
            let t = loaded?;
            let (row, cells) = &t.rows[i as usize];
            if let Some(u) = t.used.borrow_mut().get_mut(i as usize) {
                *u = true;
            }
            Some((
                i,
                Cx {
                    resolved: &t.resolved,
                    cells,
                    place: t.place,
                    row: *row,
                },
            ))
        })
    }

    fn furthest(&self, parts: &[Spec], cx: &Cx<'_>, ty: ColType, spec: &Spec) -> (RawCell, Org) {
        let ColType::Enum(words) = ty else {
            return (RawCell::Empty, self.const_org(spec));
        };
        // (rank, canonical order, value, where it came from) of the furthest so far.
        type Best = (Option<Decimal>, usize, RawCell, Org);
        let mut best: Option<Best> = None;
        let mut first_org = None;
        // A candidate, with its rank spec and the row to read the rank in. Returns the cell to
        // report when the candidate cannot be ranked or is not a word of the column.
        let mut consider = |c: RawCell,
                            o: Org,
                            rank: Option<(&Spec, &Cx<'_>)>|
         -> Option<(RawCell, Org)> {
            first_org.get_or_insert(o);
            if c.is_empty() {
                return None;
            }
            let t = key_text(&c).to_string();
            let Some(order) = words.iter().position(|w| *w == t) else {
                // Refused, or not a word of the column: reported as it is.
                return Some((c, o));
            };
            let r = match rank {
                None => None,
                Some((r, rcx)) => {
                    let (rc, ro) = self.value(r, rcx, ColType::Decimal);
                    let text = key_text(&rc).to_string();
                    match crate::num::parse_decimal_text(&text, false) {
                        Some(d) => Some(d),
                        // A rank looked up in a table the export lacks: that table's absence is
                        // the one problem reported, not every row it leaves unranked.
                        None if self.missing_lookup(r) => None,
                        None => {
                            return Some((
                                RawCell::Refused(if text.is_empty() {
                                    format!(
                                        "has no rank: the rank at {} finds nothing for this value ({} once mapped); expected a number",
                                        self.m.at(r.at),
                                        quote(&t)
                                    )
                                } else {
                                    format!(
                                        "has the rank {}, which is not a number (the rank at {}); expected a number",
                                        quote(&text),
                                        self.m.at(r.at)
                                    )
                                }),
                                ro,
                            ));
                        }
                    }
                }
            };
            let better = match &best {
                None => true,
                Some((br, bo, _, _)) => (r, order) > (*br, *bo),
            };
            if better {
                best = Some((r, order, c, o));
            }
            None
        };
        for p in parts {
            match &p.expr {
                Expr::Lookup(id) if self.m.lookups[*id].many => {
                    let l = &self.m.lookups[*id];
                    for (_, lcx) in self.found(*id, cx) {
                        let (c, o) = self.value(&l.take, &lcx, ColType::Text);
                        let (c, o) = self.finish(p, c, o, ty);
                        if let Some(bad) = consider(c, o, l.rank.as_ref().map(|r| (r, &lcx))) {
                            return bad;
                        }
                    }
                }
                _ => {
                    let (c, o) = self.value(p, cx, ty);
                    if let Some(bad) = consider(c, o, p.rank.as_deref().map(|r| (r, cx))) {
                        return bad;
                    }
                }
            }
        }
        match best {
            Some((_, _, c, o)) => (c, o),
            None => (
                RawCell::Refused(format!(
                    "no value: none of the {} candidates of `furthest` ({}) gives one here (a \
                     deal with no in-progress stage in its history, nor now?); expected one of {}",
                    parts.len(),
                    self.m.at(spec.at),
                    words.join(", ")
                )),
                first_org.unwrap_or_else(|| self.const_org(spec)),
            ),
        }
    }

    /// Applies a spec's pattern, value map, date format and division to its value.
    fn finish(&self, spec: &Spec, mut cell: RawCell, org: Org, ty: ColType) -> (RawCell, Org) {
        if cell.is_empty()
            || matches!(
                cell,
                RawCell::Refused(_) | RawCell::Invalid(_) | RawCell::Error(_)
            )
        {
            return (cell, org);
        }
        if let Some(re) = &spec.pattern {
            let text = key_text(&cell).to_string();
            cell = match re.captures(&text).and_then(|c| c.get(1)) {
                Some(g) => RawCell::Text(g.as_str().into()),
                None => RawCell::Refused(format!(
                    "{} does not match the pattern {} ({}); expected a value it matches",
                    quote(&text),
                    quote(re.as_str()),
                    self.m.at(spec.at)
                )),
            };
            if matches!(cell, RawCell::Refused(_)) {
                return (cell, org);
            }
        }
        if let Some(map) = &spec.map {
            let key = key_text(&cell).to_string();
            cell = match map.get(&key) {
                Some(Some(v)) => RawCell::Text(v.as_str().into()),
                Some(None) => RawCell::Empty,
                None if map.entries.is_empty() => RawCell::Refused(format!(
                    "{} is not a known value: the value list{} is empty; add the company's values \
                     to it in your mapping file",
                    quote(&key),
                    match &map.name {
                        Some(n) => format!(" {n:?} of the mapping"),
                        None => String::new(),
                    }
                )),
                None => RawCell::Refused(format!(
                    "{} is not a known value; expected {}{}",
                    quote(&key),
                    known_keys(map),
                    match &map.name {
                        Some(n) => format!(" (the value list {n:?} of the mapping)"),
                        None => String::new(),
                    }
                )),
            };
            if cell.is_empty() || matches!(cell, RawCell::Refused(_)) {
                return (cell, org);
            }
        }
        if let Some(f) = &spec.format {
            cell = self.date(f, cell);
            if matches!(cell, RawCell::Refused(_)) {
                return (cell, org);
            }
        }
        if spec.decimal_comma
            && let RawCell::Text(t) = &cell
        {
            // A point in such a number is a thousands separator to some and a decimal mark to
            // others: never guessed.
            let parsed = (!t.contains('.'))
                .then(|| crate::num::parse_decimal_text(t, true))
                .flatten();
            cell = match parsed {
                Some(n) => RawCell::Number(n),
                None => RawCell::Refused(format!(
                    "{} is not a number written with a decimal comma; expected e.g. 1 234,56",
                    quote(t)
                )),
            };
            if matches!(cell, RawCell::Refused(_)) {
                return (cell, org);
            }
        }
        if let Some(d) = spec.divide {
            let n = match &cell {
                RawCell::Number(n) => Some(*n),
                RawCell::Text(t) => crate::num::parse_decimal_text(t.trim(), false),
                _ => None,
            };
            if let Some(n) = n {
                let q = n.checked_div(d).unwrap_or(n);
                // Whole seconds rounded down: 119 999 ms is not 2 minutes.
                let q = if matches!(ty, ColType::Integer) {
                    q.floor()
                } else {
                    q
                };
                cell = RawCell::Number(q);
            }
        }
        (cell, org)
    }

    fn date(&self, f: &Format, cell: RawCell) -> RawCell {
        if let RawCell::DateTime(_) = cell {
            return cell;
        }
        let text = key_text(&cell).to_string();
        match f {
            Format::Unix | Format::UnixMs => {
                let n: Option<i64> = match &cell {
                    RawCell::Number(d) if d.fract().is_zero() => {
                        i64::try_from(d.mantissa() / 10i128.pow(d.scale())).ok()
                    }
                    _ => text.parse().ok(),
                };
                let secs = n.map(|n| {
                    if matches!(f, Format::UnixMs) {
                        n.div_euclid(1000)
                    } else {
                        n
                    }
                });
                let offset = self.m.timezone.unwrap_or(UTC);
                match secs.and_then(|s| chrono::DateTime::from_timestamp(s, 0)) {
                    Some(dt) => RawCell::DateTime(dt.with_timezone(&offset).naive_local()),
                    None => RawCell::Refused(format!(
                        "{} is not a Unix timestamp; expected whole {} since 1970-01-01, e.g. {}",
                        quote(&text),
                        if matches!(f, Format::UnixMs) {
                            "milliseconds"
                        } else {
                            "seconds"
                        },
                        if matches!(f, Format::UnixMs) {
                            "1759660200000"
                        } else {
                            "1759660200"
                        }
                    )),
                }
            }
            Format::Iso => {
                let offset = self.m.timezone.unwrap_or(UTC);
                match chrono::DateTime::parse_from_rfc3339(text.trim()) {
                    Ok(dt) => RawCell::DateTime(dt.with_timezone(&offset).naive_local()),
                    Err(_) => RawCell::Refused(format!(
                        "{} is not an ISO 8601 moment with its offset; expected e.g. \
                         2026-10-05T14:30:00Z or 2026-10-05T14:30:00+05:00",
                        quote(&text)
                    )),
                }
            }
            Format::Pattern(p) => {
                let parsed = NaiveDateTime::parse_from_str(&text, p).ok().or_else(|| {
                    chrono::NaiveDate::parse_from_str(&text, p)
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                });
                match parsed {
                    Some(dt) => RawCell::DateTime(dt),
                    None => RawCell::Refused(format!(
                        "{} is not a date in the format {}; expected e.g. {}",
                        quote(&text),
                        quote(p),
                        example(p)
                    )),
                }
            }
        }
    }
}

/// A date written in a format, for "expected e.g." in messages.
fn example(pattern: &str) -> String {
    use chrono::format::{Item, StrftimeItems};
    if StrftimeItems::new(pattern).any(|i| matches!(i, Item::Error)) {
        return pattern.to_string();
    }
    let dt = chrono::NaiveDate::from_ymd_opt(2026, 10, 5)
        .and_then(|d| d.and_hms_opt(14, 30, 0))
        .expect("a valid date");
    dt.format(pattern).to_string()
}

/// `P, S or F`: the keys of a value map, at most 12 of them.
fn known_keys(map: &ValueMap) -> String {
    let keys: Vec<String> = map.entries.iter().map(|(k, _)| k.clone()).collect();
    let shown: Vec<String> = keys.iter().take(12).map(|k| limits_short(k)).collect();
    let mut text = match shown.len() {
        0 => "nothing (the value map is empty)".to_string(),
        1 => shown[0].clone(),
        n => format!("{} or {}", shown[..n - 1].join(", "), shown[n - 1]),
    };
    if keys.len() > 12 {
        text.push_str(&format!(" (or {} more)", keys.len() - 12));
    }
    text
}

fn limits_short(text: &str) -> String {
    let q = quote(text);
    // Plain codes read best unquoted: P, S or F; anything with spaces or odd characters stays quoted.
    if text
        .chars()
        .all(|c| c.is_alphanumeric() || "_:-.".contains(c))
        && !text.is_empty()
    {
        text.to_string()
    } else {
        q
    }
}

impl TableSource for MappedSource {
    fn has_table(&self, table: Table) -> bool {
        match self.mapping.table(table) {
            Some(tm) => tm.from.iter().any(|f| self.inner.has_named(f)),
            // A CRM table the mapping reads as a source is not also the canonical table of the
            // same name (Bitrix24's crm_activity is not the canonical crm_activity).
            None => self.inner.has_table(table) && self.source_uses(table.name()).is_none(),
        }
    }

    fn place(&self, table: Table) -> String {
        match self.mapping.table(table) {
            Some(tm) => {
                let places: Vec<String> =
                    tm.from.iter().map(|f| self.inner.place_named(f)).collect();
                places.join(" + ")
            }
            None => self.inner.place(table),
        }
    }

    fn read_rows(
        &self,
        table: Table,
        visit: &mut dyn FnMut(Row<'_>, bool),
    ) -> Result<Vec<Problem>, Problem> {
        match self.mapping.table(table) {
            Some(tm) => self.read_mapped(tm, visit),
            None => {
                let place = self.inner.place(table);
                let mut usage = Usage::new(place.clone(), Role::AsItIs(table));
                let mut header = true;
                let logging = self.state.borrow().log.is_some();
                let mut rows: Vec<usize> = Vec::new();
                let result = self.inner.read_rows(table, &mut |row, dc| {
                    if header {
                        header = false;
                    } else {
                        usage.rows += 1;
                        usage.kept += 1;
                        if logging {
                            rows.push(row.number);
                        }
                    }
                    visit(row, dc)
                });
                for r in rows {
                    self.log(&place, r, table.name(), "");
                }
                self.state.borrow_mut().usage.push(usage);
                result
            }
        }
    }

    fn encoding(&self, table: Table) -> Option<&'static str> {
        match self.mapping.table(table) {
            Some(tm) => tm.from.first().and_then(|f| self.inner.encoding_named(f)),
            None => self.inner.encoding(table),
        }
    }

    fn files(&self) -> Vec<std::path::PathBuf> {
        self.inner.files()
    }

    fn digest(&self, file: &std::path::Path) -> Option<String> {
        self.inner.digest(file)
    }

    fn done_reading(&self) {
        self.inner.done_reading()
    }

    fn usage(&self) -> Vec<Usage> {
        self.state.borrow().usage.clone()
    }

    fn why_missing(&self, table: Table) -> Option<String> {
        if self.mapping.table(table).is_none() {
            let at = self.source_uses(table.name())?;
            return Some(format!(
                "the export's {} is the CRM's own table, which the mapping reads as a source ({}); the canonical {table} table needs an entry of its own under `tables:`",
                quote(table.name()),
                self.mapping.at(at)
            ));
        }
        let tm = self.mapping.table(table)?;
        let mut names = self.inner.names();
        names.sort();
        let shown: Vec<String> = names.iter().take(30).map(|n| quote(n)).collect();
        let from: Vec<String> = tm.from.iter().map(|f| quote(f)).collect();
        Some(format!(
            "the mapping ({}) makes it from {}, which the export does not have; it has {}",
            self.mapping.at(tm.at),
            from.join(" and "),
            if shown.is_empty() {
                "no tables".to_string()
            } else {
                shown.join(", ")
            }
        ))
    }
}

impl MappedSource {
    /// Where the mapping reads a source table of this name (a table's `from:`, a lookup's or
    /// `people:`'s), if it does.
    fn source_uses(&self, name: &str) -> Option<Loc> {
        let m = &self.mapping;
        m.tables
            .iter()
            .find(|t| t.from.iter().any(|f| f.eq_ignore_ascii_case(name)))
            .map(|t| t.at)
            .or_else(|| {
                m.lookups
                    .iter()
                    .find(|l| l.from.eq_ignore_ascii_case(name))
                    .map(|l| l.at)
            })
            .or_else(|| {
                m.people
                    .as_ref()
                    .filter(|p| p.from.eq_ignore_ascii_case(name))
                    .map(|p| p.at)
            })
    }
}

fn rows(n: usize) -> String {
    format!("{n} row{}", if n == 1 { "" } else { "s" })
}

/// The row-usage report of a mapped read: per source table and use, rows read, kept and dropped
/// by reason. Every row read is in exactly one of those counts.
pub fn usage_lines(usage: &[Usage]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut seen: BTreeMap<(String, String), ()> = BTreeMap::new();
    for u in usage {
        let role = match &u.role {
            Role::Feeds(t) => format!("→ {t}"),
            Role::AsItIs(t) => format!("→ {t} (read as it is)"),
            Role::Lookup(what) => format!("looked up: {what}"),
            Role::People => "links CRM users to the roster".to_string(),
        };
        if seen.insert((u.place.clone(), role.clone()), ()).is_some() {
            continue;
        }
        let mut line = format!("{} {role}: {} read, {} kept", u.place, rows(u.rows), u.kept);
        if let Some(n) = u.looked_up {
            line.push_str(&format!(" ({n} looked up)"));
        }
        for (reason, n) in &u.dropped {
            line.push_str(&format!(", {n} dropped: {reason}"));
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::TableSource;

    fn rows_of(source: &MappedSource, table: Table) -> Vec<(usize, Vec<String>)> {
        let mut rows = Vec::new();
        let problems = source
            .read_rows(table, &mut |row, _| {
                rows.push((row.number, row.cells.iter().map(RawCell::shown).collect()));
            })
            .unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        rows
    }

    /// A lookup is let go once the tables using it are read; a table read again loads it again
    /// and gives the same rows, and the report keeps one line for it.
    #[test]
    fn a_lookup_let_go_is_loaded_again_the_same() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let file = root.join("mappings/examples/sample-bitrix24.yaml");
        let mapping = crate::mapping::load(&file.display().to_string()).unwrap();
        let source = Source::open(&root.join("samples/2026-10-bitrix24")).unwrap();
        let source = MappedSource::new(source, mapping);
        let first = rows_of(&source, Table::Deals);
        assert!(first.len() > 100, "{}", first.len());
        let lines = usage_lines(&source.usage());
        let lookups = source.state.borrow().lookups.iter().flatten().count();
        assert_eq!(
            lookups, 0,
            "the deals table's lookups are let go after it is read"
        );
        let again = rows_of(&source, Table::Deals);
        assert_eq!(first, again);
        let lines_again = usage_lines(&source.usage());
        let lookup_lines = |l: &[String]| -> Vec<String> {
            l.iter()
                .filter(|l| l.contains(" looked up: "))
                .cloned()
                .collect()
        };
        assert_eq!(lookup_lines(&lines).len(), 3, "{lines:#?}");
        assert_eq!(lookup_lines(&lines), lookup_lines(&lines_again));
    }
}
