//! From mapping YAML to a validated [`Mapping`]: `extends:` resolved and merged, every problem
//! reported at its file:line:column, all at once.
//!
//! Merging: the extending file's keys override the extended file's, mapping by mapping, so a
//! company writes only its parts (a pipeline's stage ids, a custom-field code, a value list); a
//! key set to `~` removes the preset's entry (`meetings: ~` reads meetings.csv as it is).

use super::*;
use crate::data::limits::quote;
use crate::data::tables::{ColType, Column};
use crate::yaml::{self, Kind, Node};
use std::collections::HashMap;
use std::path::Path;

/// How many files an `extends:` chain may hold.
const MAX_CHAIN: usize = 8;
/// At most this many problems are listed per mapping (then a count of the rest).
const MAX_PROBLEMS: usize = 50;
/// The longest regular expression a mapping may hold, and the most memory its compiled form
/// may take: a pattern is matched against every row of an export.
const MAX_PATTERN: usize = 200;
const PATTERN_MEMORY: usize = 1 << 20;
/// A mapping is evaluated on every row of an export: at most this many parts (the specs of
/// columns, and the conditions with each value they compare), and this many lookups (each
/// holds its source table's columns in memory and is loaded on its own).
const MAX_PARTS: usize = 2_000;
const MAX_LOOKUPS: usize = 64;
/// Each column using a `values:` list holds its own copy: at most this many entries in all.
const MAX_MAP_ENTRIES: usize = 100_000;

/// A YAML node that also knows which file of the chain it was written in.
#[derive(Debug, Clone)]
struct MNode {
    kind: MKind,
    loc: Loc,
}

#[derive(Debug, Clone)]
enum MKind {
    Scalar(String, bool),
    Seq(Vec<MNode>),
    Map(Vec<(String, Loc, MNode)>),
}

impl MNode {
    fn from_yaml(node: &Node, file: usize) -> MNode {
        let loc = Loc {
            file,
            pos: node.pos,
        };
        let kind = match &node.kind {
            Kind::Scalar { text, plain } => MKind::Scalar(text.clone(), *plain),
            Kind::Seq(items) => {
                MKind::Seq(items.iter().map(|n| MNode::from_yaml(n, file)).collect())
            }
            Kind::Map(entries) => MKind::Map(
                entries
                    .iter()
                    .map(|(k, v)| {
                        let key = match &k.kind {
                            Kind::Scalar { text, .. } => text.trim().to_string(),
                            _ => String::new(),
                        };
                        (key, Loc { file, pos: k.pos }, MNode::from_yaml(v, file))
                    })
                    .collect(),
            ),
        };
        MNode { kind, loc }
    }

    fn is_null(&self) -> bool {
        matches!(&self.kind, MKind::Scalar(t, true) if matches!(t.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    fn describe(&self) -> String {
        match &self.kind {
            MKind::Scalar(t, _) => quote(t),
            MKind::Seq(_) => "a list".into(),
            MKind::Map(_) => "a mapping".into(),
        }
    }

    fn get(&self, key: &str) -> Option<&MNode> {
        match &self.kind {
            MKind::Map(e) => e.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }
}

/// `over` on top of `base`: mappings merge key by key, anything else replaces; `~` removes.
fn merge(base: MNode, over: MNode) -> MNode {
    match (base.kind, over.kind) {
        (MKind::Map(mut b), MKind::Map(o)) => {
            for (k, kl, v) in o {
                match b.iter().position(|(bk, _, _)| *bk == k) {
                    Some(i) if v.is_null() => {
                        b.remove(i);
                    }
                    Some(i) => {
                        let old = b.remove(i).2;
                        b.insert(i, (k, kl, merge(old, v)));
                    }
                    None if v.is_null() => {}
                    None => b.push((k, kl, v)),
                }
            }
            MNode {
                kind: MKind::Map(b),
                loc: over.loc,
            }
        }
        (_, kind) => MNode {
            kind,
            loc: over.loc,
        },
    }
}

/// Reads the mapping `--mapping` names: a preset's name, or a file.
pub fn load(arg: &str) -> Result<Mapping, Vec<Problem>> {
    let mut files: Vec<MappingFile> = Vec::new();
    let first = resolve(arg, None).map_err(|m| vec![Problem::new("--mapping", m)])?;
    let mut next = Some(first);
    let mut trees: Vec<MNode> = Vec::new();
    let mut problems: Vec<Problem> = Vec::new();
    while let Some(file) = next.take() {
        let index = files.len();
        let node = match yaml::parse(&file.text) {
            Ok(n) => MNode::from_yaml(&n, index),
            Err(e) => {
                problems.push(Problem::new(
                    format!("{}:{}:{}", file.shown, e.pos.line, e.pos.col),
                    e.message,
                ));
                files.push(file);
                break;
            }
        };
        if let Some(ext) = node.get("extends") {
            let at = format!("{}:{}:{}", file.shown, ext.loc.pos.line, ext.loc.pos.col);
            match &ext.kind {
                MKind::Scalar(name, _) if !ext.is_null() => {
                    let dir = match &file.origin {
                        Origin::File(p) => p.parent().map(Path::to_path_buf),
                        Origin::Preset(_) => None,
                    };
                    match resolve(name.trim(), dir.as_deref()) {
                        Ok(parent) if files.iter().chain([&file]).any(|f| f.origin == parent.origin) => {
                            problems.push(Problem::new(
                                at,
                                format!(
                                    "extends {} again: the chain of `extends:` goes round in a circle",
                                    parent.shown
                                ),
                            ));
                        }
                        Ok(_) if index + 1 >= MAX_CHAIN => problems.push(Problem::new(
                            at,
                            format!("more than {MAX_CHAIN} mapping files extend one another; keep the chain short"),
                        )),
                        Ok(parent) => next = Some(parent),
                        Err(m) => problems.push(Problem::new(at, m)),
                    }
                }
                _ => problems.push(Problem::new(
                    at,
                    format!(
                        "extends must name a preset ({}) or a mapping file, found {}",
                        preset_names(),
                        ext.describe()
                    ),
                )),
            }
        }
        files.push(file);
        trees.push(node);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // The last file is the base; each earlier one is laid over it.
    let mut merged = trees.pop().expect("at least one mapping file");
    while let Some(over) = trees.pop() {
        merged = merge(merged, over);
    }
    let mut cx = Ctx {
        files: &files,
        problems: Vec::new(),
        columns: Vec::new(),
        lookups: Vec::new(),
        values: HashMap::new(),
        timezone: None,
        timezone_asked: false,
        rank_allowed: false,
        parts: 0,
        map_entries: 0,
        person_at: None,
    };
    let mapping = cx.mapping(&merged);
    if cx.parts > MAX_PARTS {
        let n = cx.parts;
        cx.err(merged.loc, format!("the mapping is made of {n} parts (column specs, conditions and the values they compare); at most {MAX_PARTS} are allowed, as each is worked out on every row of the export"));
    }
    if cx.map_entries > MAX_MAP_ENTRIES {
        let n = cx.map_entries;
        cx.err(merged.loc, format!("the value maps of the mapping's columns hold {n} entries in all (a `values:` list counts once for each column using it); at most {MAX_MAP_ENTRIES} are allowed"));
    }
    if cx.lookups.len() > MAX_LOOKUPS {
        let n = cx.lookups.len();
        cx.err(merged.loc, format!("the mapping has {n} lookups; at most {MAX_LOOKUPS} are allowed, as each holds its source table in memory"));
    }
    if !cx.problems.is_empty() {
        let mut p = cx.problems;
        if p.len() > MAX_PROBLEMS {
            let more = p.len() - MAX_PROBLEMS;
            p.truncate(MAX_PROBLEMS);
            p.push(Problem::new(
                &files[0].shown,
                format!("… and {more} more problems not listed"),
            ));
        }
        return Err(p);
    }
    let (tables, people) = mapping.expect("a mapping without problems");
    Ok(Mapping {
        timezone: cx.timezone,
        people,
        tables,
        columns: cx.columns,
        lookups: cx.lookups,
        files,
    })
}

fn preset_names() -> String {
    PRESETS.iter().map(|p| p.0).collect::<Vec<_>>().join(", ")
}

/// A preset by name, or a file (relative to `dir` when named by `extends:`).
fn resolve(name: &str, dir: Option<&Path>) -> Result<MappingFile, String> {
    if let Some((preset, _, text)) = PRESETS.iter().find(|p| p.0 == name) {
        return Ok(MappingFile {
            origin: Origin::Preset(preset),
            shown: format!("preset {preset}"),
            text: text.to_string(),
        });
    }
    let path = match dir {
        Some(d) => d.join(name),
        None => PathBuf::from(name),
    };
    let looks_like_file = name.contains('/') || name.contains('\\') || name.contains('.');
    if !looks_like_file && !path.exists() {
        return Err(format!(
            "{} is neither a built-in preset ({}) nor a mapping file{}",
            quote(name),
            preset_names(),
            crate::error::did_you_mean(name, PRESETS.iter().map(|p| p.0))
        ));
    }
    // The reader shares the scheme files' limit, and its message names them.
    let text = yaml::read_text(&path, "the mapping").map_err(|m| {
        let m = m.replace("for a scheme file", "for a mapping file");
        format!("{}: {m}", path.display())
    })?;
    // One file is one origin however it is named (`./a.yaml` and `a.yaml`).
    let origin = Origin::File(std::fs::canonicalize(&path).unwrap_or(path.clone()));
    Ok(MappingFile {
        origin,
        shown: path.display().to_string(),
        text,
    })
}

struct Ctx<'a> {
    files: &'a [MappingFile],
    problems: Vec<Problem>,
    columns: Vec<ColRef>,
    lookups: Vec<Lookup>,
    values: HashMap<String, (ValueMap, Loc)>,
    timezone: Option<FixedOffset>,
    /// A missing `timezone:` is reported once, at the first Unix timestamp.
    timezone_asked: bool,
    /// The spec being read is a candidate of `furthest`, which may have `rank:`.
    rank_allowed: bool,
    /// How many specs and condition values were read (see [`MAX_PARTS`]).
    parts: usize,
    /// How many value-map entries the specs hold (see [`MAX_MAP_ENTRIES`]).
    map_entries: usize,
    /// The first `person:`, which needs `people:`.
    person_at: Option<Loc>,
}

const TOP_KEYS: &[&str] = &[
    "extends",
    "name",
    "description",
    "timezone",
    "values",
    "people",
    "tables",
];
const TABLE_KEYS: &[&str] = &["from", "keep", "columns"];
const SPEC_SOURCES: &[&str] = &[
    "column", "value", "join", "lookup", "person", "first_of", "furthest",
];
const SPEC_KEYS: &[&str] = &[
    "column", "value", "join", "with", "lookup", "person", "first_of", "furthest", "pattern",
    "map", "default", "format", "decimal", "divide", "when", "optional", "rank",
];
const LOOKUP_KEYS: &[&str] = &["from", "match", "keep", "take"];
const PEOPLE_KEYS: &[&str] = &["from", "crm_user_id", "employee_id"];

impl Ctx<'_> {
    fn place(&self, loc: Loc) -> String {
        let file = self
            .files
            .get(loc.file)
            .map_or("mapping", |f| f.shown.as_str());
        format!("{file}:{}:{}", loc.pos.line, loc.pos.col)
    }
    fn err(&mut self, loc: Loc, message: impl Into<String>) {
        let p = Problem::new(self.place(loc), message);
        self.problems.push(p);
    }

    fn entries<'n>(&mut self, node: &'n MNode, what: &str) -> Option<&'n [(String, Loc, MNode)]> {
        match &node.kind {
            MKind::Map(e) => Some(e),
            _ => {
                self.err(
                    node.loc,
                    format!(
                        "{what} must be a mapping of `key: value` lines, found {}",
                        node.describe()
                    ),
                );
                None
            }
        }
    }

    fn text<'n>(&mut self, node: &'n MNode, what: &str) -> Option<&'n str> {
        match &node.kind {
            MKind::Scalar(t, _) if !node.is_null() => Some(t.trim()),
            _ => {
                self.err(
                    node.loc,
                    format!("{what} must be a single value, found {}", node.describe()),
                );
                None
            }
        }
    }

    fn known_keys(&mut self, entries: &[(String, Loc, MNode)], known: &[&str], what: &str) {
        for (k, loc, _) in entries {
            if !known.contains(&k.as_str()) {
                let hint = crate::error::did_you_mean(k, known.iter().copied());
                self.err(
                    *loc,
                    format!(
                        "unknown key {} in {what}{hint}; expected {}",
                        quote(k),
                        known.join(", ")
                    ),
                );
            }
        }
    }

    fn column(&mut self, name: &str, optional: bool, loc: Loc) -> usize {
        let id = self.columns.len();
        self.columns.push(ColRef {
            id,
            name: name.to_string(),
            optional,
            at: loc,
        });
        id
    }

    /// A list of scalars (or one scalar) as texts.
    fn texts(&mut self, node: &MNode, what: &str) -> Option<Vec<String>> {
        match &node.kind {
            MKind::Seq(items) => items
                .iter()
                .map(|i| self.text(i, what).map(str::to_string))
                .collect(),
            _ => self.text(node, what).map(|t| vec![t.to_string()]),
        }
    }

    fn mapping(&mut self, root: &MNode) -> Option<(Vec<TableMap>, Option<People>)> {
        let entries = self.entries(root, "a mapping file")?;
        self.known_keys(entries, TOP_KEYS, "a mapping file");
        if let Some(tz) = root.get("timezone") {
            self.timezone = self.parse_timezone(tz);
        }
        if let Some(values) = root.get("values")
            && let Some(lists) = self.entries(values, "values")
        {
            for (name, loc, list) in lists {
                if let Some(map) = self.value_map(list, *loc) {
                    self.values.insert(
                        name.clone(),
                        (
                            ValueMap {
                                name: Some(name.clone()),
                                ..map
                            },
                            *loc,
                        ),
                    );
                }
            }
        }
        let people = root.get("people").and_then(|p| self.people(p));
        let mut tables = Vec::new();
        match root.get("tables") {
            None => self.err(
                root.loc,
                format!(
                    "the mapping has no `tables:`; it must say how at least one canonical table ({}) is made",
                    table_names()
                ),
            ),
            Some(node) => {
                if let Some(entries) = self.entries(node, "tables") {
                    for (name, loc, t) in entries {
                        match Table::from_name(name) {
                            None => {
                                let hint = crate::error::did_you_mean(
                                    name,
                                    Table::ALL.iter().map(|t| t.name()),
                                );
                                self.err(
                                    *loc,
                                    format!("unknown table {}{hint}; the canonical tables are {}", quote(name), table_names()),
                                );
                            }
                            Some(table) => {
                                if let Some(tm) = self.table(table, t, *loc) {
                                    tables.push(tm);
                                }
                            }
                        }
                    }
                }
            }
        }
        tables.sort_by_key(|t| t.table);
        if let Some(p) = &people
            && !tables.iter().any(|t| t.table == Table::Employees)
        {
            let at = p.at;
            self.err(at, "people: links CRM users to the roster, but the mapping does not say how the employees table is made; add tables: employees: from: <HR's sheet>");
        }
        // Without the link every CRM user would be "CRM user N", on nobody's roster: nobody
        // would be paid, and a run would only warn.
        if let (Some(at), None, None) = (self.person_at, &people, root.get("people")) {
            self.err(at, "person: turns CRM user ids into the roster's employee ids through `people:`, which the mapping does not have; add people: { from: <HR's sheet>, crm_user_id: <its column of CRM user ids>, employee_id: <its column of employee ids> }");
        }
        Some((tables, people))
    }

    fn parse_timezone(&mut self, node: &MNode) -> Option<FixedOffset> {
        let text = self.text(node, "timezone")?;
        let bad = |cx: &mut Self| {
            cx.err(
                node.loc,
                format!("timezone {} is not an offset from UTC; expected e.g. \"+05:00\", \"-03:00\" or UTC", quote(text)),
            );
            None
        };
        if text.eq_ignore_ascii_case("utc") || text == "Z" {
            return FixedOffset::east_opt(0);
        }
        let (sign, rest) = match text.as_bytes().first() {
            Some(b'+') => (1, &text[1..]),
            Some(b'-') => (-1, &text[1..]),
            _ => return bad(self),
        };
        let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
        match (h.parse::<i32>(), m.parse::<i32>()) {
            (Ok(h), Ok(m)) if (0..=14).contains(&h) && (0..60).contains(&m) => {
                FixedOffset::east_opt(sign * (h * 3600 + m * 60))
            }
            _ => bad(self),
        }
    }

    fn value_map(&mut self, node: &MNode, loc: Loc) -> Option<ValueMap> {
        let entries = match &node.kind {
            MKind::Map(e) => e,
            _ => {
                self.err(
                    loc,
                    format!(
                        "a value map must be `source value: canonical value` lines, found {}",
                        node.describe()
                    ),
                );
                return None;
            }
        };
        let mut map = ValueMap {
            entries: Vec::new(),
            index: HashMap::new(),
            default: None,
            name: None,
        };
        for (k, _, v) in entries {
            let value = if v.is_null() {
                None
            } else {
                Some(self.text(v, "a mapped value")?.to_string())
            };
            map.index.entry(k.clone()).or_insert(map.entries.len());
            map.entries.push((k.clone(), value));
        }
        Some(map)
    }

    fn people(&mut self, node: &MNode) -> Option<People> {
        let entries = self.entries(node, "people")?;
        self.known_keys(entries, PEOPLE_KEYS, "people");
        let need = |cx: &mut Self, key: &str, what: &str| -> Option<String> {
            match node.get(key) {
                Some(n) => cx.text(n, key).map(str::to_string),
                None => {
                    cx.err(node.loc, format!("people: needs `{key}:` ({what})"));
                    None
                }
            }
        };
        let from = need(
            self,
            "from",
            "HR's sheet, which holds each employee's CRM user id",
        );
        let crm = need(
            self,
            "crm_user_id",
            "the column of that sheet with the CRM user id",
        );
        let emp = need(
            self,
            "employee_id",
            "the column of that sheet with the roster's employee id",
        );
        let (from, crm, emp) = (from?, crm?, emp?);
        let at = node.loc;
        Some(People {
            from,
            crm_user_id: self.column(&crm, false, at),
            employee_id: self.column(&emp, false, at),
            at,
        })
    }

    fn table(&mut self, table: Table, node: &MNode, loc: Loc) -> Option<TableMap> {
        let what = format!("tables.{table}");
        let entries = self.entries(node, &what)?;
        self.known_keys(entries, TABLE_KEYS, &what);
        let from = match node.get("from") {
            Some(f) => self.texts(f, "from")?,
            None => {
                self.err(loc, format!("{what} needs `from:`, the source file or sheet (or a list of them) it is made from"));
                return None;
            }
        };
        if from.is_empty() {
            self.err(loc, format!("{what}: `from:` lists no source"));
        }
        let keep = match node.get("keep") {
            Some(k) => self.conditions(k, "keep")?,
            None => Vec::new(),
        };
        let canonical = table.columns();
        let mut columns: Vec<(usize, Spec)> = Vec::new();
        match node.get("columns") {
            None => self.err(
                loc,
                format!("{what} needs `columns:`, how each canonical column is made"),
            ),
            Some(cols) => {
                let entries = self.entries(cols, &format!("{what}.columns"))?;
                for (name, cloc, spec) in entries {
                    match canonical.iter().position(|c| c.name == name.as_str()) {
                        None => {
                            let hint =
                                crate::error::did_you_mean(name, canonical.iter().map(|c| c.name));
                            self.err(
                                *cloc,
                                format!(
                                    "{} is not a column of the {table} table{hint}; its columns are {}",
                                    quote(name),
                                    canonical.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
                                ),
                            );
                        }
                        Some(i) => {
                            if let Some(s) = self.spec(spec, canonical[i], false) {
                                columns.push((i, s));
                            }
                        }
                    }
                }
                let missing: Vec<&str> = canonical
                    .iter()
                    .enumerate()
                    .filter(|(i, c)| {
                        c.required
                            && !entries.iter().any(|(n, _, _)| n == c.name)
                            && !columns.iter().any(|(j, _)| j == i)
                    })
                    .map(|(_, c)| c.name)
                    .collect();
                if !missing.is_empty() {
                    self.err(
                        cols.loc,
                        format!(
                            "{what}.columns does not say how to make {}; the {table} table needs {}",
                            missing.iter().map(|m| quote(m)).collect::<Vec<_>>().join(", "),
                            canonical.iter().filter(|c| c.required).map(|c| c.name).collect::<Vec<_>>().join(", ")
                        ),
                    );
                }
            }
        }
        columns.sort_by_key(|(i, _)| *i);
        Some(TableMap {
            table,
            from,
            keep,
            columns,
            at: loc,
        })
    }

    fn conditions(&mut self, node: &MNode, what: &str) -> Option<Vec<Cond>> {
        let entries = self.entries(node, what)?;
        let mut out = Vec::new();
        for (col, loc, test) in entries {
            let t = match &test.kind {
                MKind::Map(e) => {
                    if e.len() != 1 {
                        self.err(test.loc, format!("a condition on {} must be one of: a value, a list of values, {{ not: … }}, {{ empty: yes|no }} or {{ starts_with: … }}", quote(col)));
                        continue;
                    }
                    let (k, kl, v) = &e[0];
                    match k.as_str() {
                        "not" => Test::Not(self.texts(v, "not")?),
                        "starts_with" => Test::StartsWith(self.text(v, "starts_with")?.to_string()),
                        "empty" => match self.text(v, "empty")? {
                            "yes" | "true" => Test::Empty(true),
                            "no" | "false" => Test::Empty(false),
                            other => {
                                let other = quote(other);
                                self.err(v.loc, format!("empty must be yes or no, found {other}"));
                                continue;
                            }
                        },
                        other => {
                            let hint = crate::error::did_you_mean(
                                other,
                                ["not", "empty", "starts_with"].into_iter(),
                            );
                            self.err(*kl, format!("unknown condition {}{hint}; expected not, empty or starts_with", quote(other)));
                            continue;
                        }
                    }
                }
                _ => Test::Is(self.texts(test, "a condition")?),
            };
            self.parts += match &t {
                Test::Is(v) | Test::Not(v) => v.len().max(1),
                _ => 1,
            };
            let column = self.column(col, false, *loc);
            out.push(Cond {
                column,
                test: t,
                at: *loc,
            });
        }
        Some(out)
    }

    /// How a value is made. `inside` is true for the parts of a join, first_of or furthest, and
    /// for a lookup's `take`, whose type is not checked against the canonical column.
    fn spec(&mut self, node: &MNode, target: Column, inside: bool) -> Option<Spec> {
        let loc = node.loc;
        let rank_ok = std::mem::replace(&mut self.rank_allowed, false);
        self.parts += 1;
        let mut spec = Spec {
            expr: Expr::Const(String::new()),
            pattern: None,
            map: None,
            format: None,
            divide: None,
            decimal_comma: false,
            rank: None,
            when: Vec::new(),
            at: loc,
        };
        let entries = match &node.kind {
            MKind::Scalar(name, _) if !node.is_null() => {
                spec.expr = Expr::Column(self.column(name.trim(), false, loc));
                return Some(spec);
            }
            MKind::Map(e) => e,
            _ => {
                self.err(loc, format!("a column must be made from a source column name or a mapping such as {{ column: NAME }}, found {}", node.describe()));
                return None;
            }
        };
        self.known_keys(entries, SPEC_KEYS, "a column's mapping");
        let sources: Vec<&(String, Loc, MNode)> = entries
            .iter()
            .filter(|(k, _, _)| SPEC_SOURCES.contains(&k.as_str()))
            .collect();
        if sources.len() != 1 {
            let found = if sources.is_empty() {
                "none".to_string()
            } else {
                sources
                    .iter()
                    .map(|(k, _, _)| k.as_str())
                    .collect::<Vec<_>>()
                    .join(" and ")
            };
            self.err(
                loc,
                format!(
                    "a column is made from exactly one of {}; found {found}",
                    SPEC_SOURCES.join(", ")
                ),
            );
            return None;
        }
        let optional = match node.get("optional") {
            Some(n) => match self.text(n, "optional")? {
                "yes" | "true" => true,
                "no" | "false" => false,
                other => {
                    let other = quote(other);
                    self.err(n.loc, format!("optional must be yes or no, found {other}"));
                    false
                }
            },
            None => false,
        };
        let (key, kloc, value) = sources[0];
        if let Some(n) = node.get("optional")
            && key != "column"
        {
            self.err(
                n.loc,
                "optional says a source column may be missing from the file; it needs `column:`",
            );
        }
        spec.expr = match key.as_str() {
            "column" => {
                let name = self.text(value, "column")?.to_string();
                Expr::Column(self.column(&name, optional, *kloc))
            }
            "value" => Expr::Const(self.text(value, "value")?.to_string()),
            "join" => {
                let MKind::Seq(items) = &value.kind else {
                    self.err(
                        value.loc,
                        format!(
                            "join must be a list of the parts to join, found {}",
                            value.describe()
                        ),
                    );
                    return None;
                };
                let parts: Option<Vec<Spec>> =
                    items.iter().map(|i| self.spec(i, target, true)).collect();
                let with = match node.get("with") {
                    Some(w) => match &w.kind {
                        MKind::Scalar(t, _) => t.clone(),
                        _ => {
                            self.err(w.loc, format!("with is the text put between the parts of join, such as \" \" or \", \"; found {}", w.describe()));
                            " ".to_string()
                        }
                    },
                    None => " ".to_string(),
                };
                Expr::Join(parts?, with)
            }
            "first_of" | "furthest" => {
                let MKind::Seq(items) = &value.kind else {
                    self.err(
                        value.loc,
                        format!(
                            "{key} must be a list of candidates, found {}",
                            value.describe()
                        ),
                    );
                    return None;
                };
                if key == "furthest" && !matches!(target.ty, ColType::Enum(_)) {
                    self.err(*kloc, format!("furthest picks the furthest of ordered values; the column {} is not one (it is {})", target.name, target.ty.expected()));
                    return None;
                }
                let parts: Option<Vec<Spec>> = items
                    .iter()
                    .map(|i| self.spec_in(i, target, key == "furthest"))
                    .collect();
                if key == "furthest" {
                    let parts = parts?;
                    let ranked = parts
                        .iter()
                        .filter(|p| {
                            p.rank.is_some()
                                || matches!(p.expr, Expr::Lookup(id) if self.lookups[id].rank.is_some())
                        })
                        .count();
                    if ranked != 0 && ranked != parts.len() {
                        self.err(*kloc, format!("furthest compares ranks: either every candidate has `rank:` or none has ({ranked} of {} have)", parts.len()));
                    }
                    Expr::Furthest(parts)
                } else {
                    Expr::FirstOf(parts?)
                }
            }
            "lookup" => Expr::Lookup(self.lookup(value)?),
            "person" => {
                self.person_at.get_or_insert(*kloc);
                Expr::Person(Box::new(self.spec(value, target, true)?))
            }
            _ => unreachable!("one of SPEC_SOURCES"),
        };
        if key != "join"
            && let Some(w) = node.get("with")
        {
            self.err(
                w.loc,
                "with: is the text put between the parts of a join:, and this column is not made with join:",
            );
        }
        if let Some(p) = node.get("pattern") {
            let text = self.text(p, "pattern")?;
            if text.chars().count() > MAX_PATTERN {
                self.err(
                    p.loc,
                    format!(
                        "the pattern is {} characters; at most {MAX_PATTERN} are allowed",
                        text.chars().count()
                    ),
                );
            } else {
                match regex_lite::RegexBuilder::new(text).size_limit(PATTERN_MEMORY).build() {
                    Ok(r) if r.captures_len() >= 2 => spec.pattern = Some(r),
                    Ok(_) => self.err(p.loc, format!("the pattern {} has no group; put the part to take in parentheses, e.g. ^\\[(\\d+)\\]", quote(text))),
                    Err(e) => {
                        let first = e.to_string().lines().last().unwrap_or("").trim().to_string();
                        self.err(p.loc, format!("the pattern {} is not a regular expression: {first}", quote(text)))
                    }
                }
            }
        }
        if let Some(m) = node.get("map") {
            spec.map = match &m.kind {
                MKind::Scalar(name, _) if !m.is_null() => {
                    match self.values.get(name.trim()) {
                        Some((v, _)) => Some(v.clone()),
                        None => {
                            let names: Vec<String> = self.values.keys().cloned().collect();
                            let hint =
                                crate::error::did_you_mean(name, names.iter().map(String::as_str));
                            let known = if names.is_empty() {
                                "the mapping has no `values:` lists".to_string()
                            } else {
                                format!("the `values:` lists are {}", {
                                    let mut n = names.clone();
                                    n.sort();
                                    n.join(", ")
                                })
                            };
                            self.err(m.loc, format!("map names the value list {}{hint}, which is not defined; {known}", quote(name)));
                            None
                        }
                    }
                }
                _ => self.value_map(m, m.loc),
            };
            self.map_entries += spec.map.as_ref().map_or(0, |m| m.entries.len());
            if let (Some(map), Some(d)) = (&mut spec.map, node.get("default")) {
                map.default = Some(if d.is_null() {
                    None
                } else {
                    Some(self.text(d, "default")?.to_string())
                });
            }
            if let (Some(map), ColType::Enum(words), false) = (&spec.map, target.ty, inside) {
                for (k, v) in &map.entries {
                    if let Some(v) = v
                        && !words.contains(&v.as_str())
                    {
                        self.err(
                            m.loc,
                            format!(
                                "{} maps to {}, which is not a {} value; expected {}",
                                quote(k),
                                quote(v),
                                target.name,
                                words.join(", ")
                            ),
                        );
                    }
                }
            }
        } else if let Some(d) = node.get("default") {
            self.err(
                d.loc,
                "default is what a value missing from `map:` becomes; it needs a map",
            );
        }
        if let Some(f) = node.get("format") {
            let text = self.text(f, "format")?;
            spec.format = match text {
                "unix" => Some(Format::Unix),
                "unix_ms" => Some(Format::UnixMs),
                "iso8601" => Some(Format::Iso),
                p if p.contains('%') => {
                    use chrono::format::{Item, StrftimeItems};
                    if StrftimeItems::new(p).any(|i| matches!(i, Item::Error)) {
                        self.err(f.loc, format!("the date format {} is not a valid pattern; use chrono's %Y %m %d %H %M %S, e.g. \"%d.%m.%Y %H:%M\"", quote(p)));
                        None
                    } else {
                        Some(Format::Pattern(p.to_string()))
                    }
                }
                other => {
                    let other = quote(other);
                    self.err(f.loc, format!("format {other} is not a date format; expected unix, unix_ms, iso8601 or a pattern such as \"%d.%m.%Y\""));
                    None
                }
            };
            if matches!(
                spec.format,
                Some(Format::Unix | Format::UnixMs | Format::Iso)
            ) && self.timezone.is_none()
                && !std::mem::replace(&mut self.timezone_asked, true)
            {
                self.err(f.loc, "a Unix timestamp is a moment, not a local date: say which offset from UTC the company's dates are in with `timezone:` (e.g. \"+05:00\") at the top of your mapping file");
            }
            if !inside && !target.ty.is_date() {
                self.err(
                    f.loc,
                    format!(
                        "format reads dates, but the column {} is {}",
                        target.name,
                        target.ty.expected()
                    ),
                );
            }
        }
        if let Some(d) = node.get("decimal") {
            match self.text(d, "decimal")? {
                "," => spec.decimal_comma = true,
                "." => {}
                other => {
                    let other = quote(other);
                    self.err(d.loc, format!("decimal is the decimal mark numbers are written with, \",\" or \".\", found {other}"));
                }
            }
        }
        if let Some(d) = node.get("divide") {
            let text = self.text(d, "divide")?;
            match crate::num::parse_scheme_number(text) {
                Some(n) if n > Decimal::ZERO => spec.divide = Some(n),
                _ => self.err(d.loc, format!("divide must be a positive number (1000 turns milliseconds into seconds), found {}", quote(text))),
            }
        }
        if let Some(r) = node.get("rank")
            && !rank_ok
        {
            self.err(
                r.loc,
                "rank orders the candidates of `furthest`; it means nothing elsewhere",
            );
        } else if let Some(r) = node.get("rank") {
            let any = Column {
                name: "rank",
                ty: ColType::Decimal,
                required: false,
                range: None,
            };
            spec.rank = Some(Box::new(self.spec(r, any, true)?));
        }
        if let Some(w) = node.get("when") {
            spec.when = self.conditions(w, "when")?;
        }
        Some(spec)
    }

    /// A candidate of `first_of` or `furthest`: a lookup inside `furthest` may match many rows.
    fn spec_in(&mut self, node: &MNode, target: Column, many: bool) -> Option<Spec> {
        self.rank_allowed = many;
        let mut s = self.spec(node, target, false)?;
        if many && let Expr::Lookup(id) = s.expr {
            self.lookups[id].many = true;
            // A found row's rank is read in that row.
            self.lookups[id].rank = s.rank.take().map(|r| *r);
            s.expr = Expr::Lookup(id);
        }
        Some(s)
    }

    fn lookup(&mut self, node: &MNode) -> Option<usize> {
        let entries = self.entries(node, "lookup")?;
        self.known_keys(entries, LOOKUP_KEYS, "a lookup");
        let from = match node.get("from") {
            Some(f) => self.text(f, "from")?.to_string(),
            None => {
                self.err(
                    node.loc,
                    "a lookup needs `from:`, the source table to look in",
                );
                return None;
            }
        };
        let mut keys = Vec::new();
        match node.get("match") {
            Some(m) => {
                for (theirs, loc, ours) in self.entries(m, "match")? {
                    let ours = self.text(ours, "match")?.to_string();
                    let t = self.column(theirs, false, *loc);
                    let o = self.column(&ours, false, *loc);
                    keys.push((t, o));
                }
            }
            None => {
                self.err(node.loc, "a lookup needs `match:`, e.g. { DEAL_ID: ID }: their column, then this row's column with the same value");
                return None;
            }
        }
        let keep = match node.get("keep") {
            Some(k) => self.conditions(k, "keep")?,
            None => Vec::new(),
        };
        let any = Column {
            name: "take",
            ty: ColType::Text,
            required: false,
            range: None,
        };
        let take = match node.get("take") {
            Some(t) => self.spec(t, any, true)?,
            None => {
                self.err(node.loc, "a lookup needs `take:`, the column (or how to make the value) of the row found");
                return None;
            }
        };
        // A lookup written once and used twice (a YAML alias) is one lookup: one table in memory,
        // one line of the row report.
        if let Some(same) = self
            .lookups
            .iter()
            .find(|l| l.at == node.loc && l.from == from)
        {
            return Some(same.id);
        }
        let id = self.lookups.len();
        self.lookups.push(Lookup {
            id,
            from,
            keys,
            keep,
            take,
            many: false,
            rank: None,
            at: node.loc,
        });
        Some(id)
    }
}

fn table_names() -> String {
    Table::ALL
        .iter()
        .map(|t| t.name())
        .collect::<Vec<_>>()
        .join(", ")
}
