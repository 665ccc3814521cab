//! CRM exports as they come: a mapping from a CRM's own files and columns to the canonical
//! tables (see [`crate::data::tables`]).
//!
//! A mapping is a YAML file (or a built-in preset, [`PRESETS`]) that says, per canonical table,
//! which source files or sheets feed it, which of their rows to keep, and how each canonical
//! column is made: a source column, a constant, a value map, a date format, a combination or
//! split of columns, or a lookup in another source table by key. People are linked to the roster
//! through `people:` (HR's sheet holds each employee's CRM user id).
//!
//! The stages: [`parse`] reads the YAML (with `extends:` resolved and merged) into a validated
//! [`Mapping`] whose constructors refuse what cannot work, every problem at its file:line:column;
//! [`read::MappedSource`] implements [`crate::data::TableSource`] over the export, evaluating
//! the mapping row by row while the source streams. Typing and validation of the canonical
//! values stay where they are for every source, in [`crate::data::read_table`], but each problem
//! names the source file, row and column the value came from. A canonical table the mapping does
//! not name is read as it is: the canonical layout is the identity mapping.

pub mod parse;
pub mod read;

use crate::data::tables::Table;
use crate::error::Problem;
use crate::yaml::Pos;
use chrono::FixedOffset;
use rust_decimal::Decimal;
use std::path::PathBuf;

/// The built-in presets: (name, file in the repository, text).
pub const PRESETS: &[(&str, &str, &str)] = &[
    (
        "bitrix24",
        "mappings/bitrix24.yaml",
        include_str!("../../mappings/bitrix24.yaml"),
    ),
    (
        "amocrm",
        "mappings/amocrm.yaml",
        include_str!("../../mappings/amocrm.yaml"),
    ),
];

/// Where a mapping file came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// A file given on the command line or named by `extends:`.
    File(PathBuf),
    /// A built-in preset, by name.
    Preset(&'static str),
}

/// One file of a mapping (the file given and every file it extends), for messages and hashes.
#[derive(Debug, Clone)]
pub struct MappingFile {
    pub origin: Origin,
    /// How messages name it: the path as given, or `preset bitrix24`.
    pub shown: String,
    pub text: String,
}

/// A place in a mapping file: which file of [`Mapping::files`] and where in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    pub file: usize,
    pub pos: Pos,
}

/// A validated mapping.
#[derive(Debug)]
pub struct Mapping {
    /// The file given first, then each one it extends, in order.
    pub files: Vec<MappingFile>,
    /// The offset Unix timestamps are read in (`timezone: "+05:00"`).
    pub timezone: Option<FixedOffset>,
    pub people: Option<People>,
    pub tables: Vec<TableMap>,
    /// Every source column the mapping reads, by id (see [`ColRef::id`]).
    pub columns: Vec<ColRef>,
    /// Every lookup, by id (see [`Lookup::id`]).
    pub lookups: Vec<Lookup>,
}

impl Mapping {
    /// `mapping.yaml:12:7` or `preset bitrix24:12:7`.
    pub fn at(&self, loc: Loc) -> String {
        let file = self.files.get(loc.file).map_or("mapping", |f| &f.shown);
        format!("{file}:{}:{}", loc.pos.line, loc.pos.col)
    }

    /// The name the mapping is known by: the preset's name, or the file as given.
    pub fn name(&self) -> String {
        match self.files.first() {
            Some(MappingFile {
                origin: Origin::Preset(name),
                ..
            }) => (*name).to_string(),
            Some(f) => f.shown.clone(),
            None => String::new(),
        }
    }

    /// What a run records to read the mapping again from anywhere: the preset's name, or the
    /// file's absolute path.
    pub fn reference(&self) -> String {
        match self.files.first().map(|f| &f.origin) {
            Some(Origin::Preset(name)) => (*name).to_string(),
            Some(Origin::File(p)) => p.display().to_string(),
            None => String::new(),
        }
    }

    pub fn table(&self, table: Table) -> Option<&TableMap> {
        self.tables.iter().find(|t| t.table == table)
    }

    /// The mapping files that are files (not built-in presets), to be hashed with the data.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.files
            .iter()
            .filter_map(|f| match &f.origin {
                Origin::File(p) => Some(p.clone()),
                Origin::Preset(_) => None,
            })
            .collect()
    }
}

/// How CRM user ids become roster ids: HR's sheet has a column with each person's CRM user id.
#[derive(Debug)]
pub struct People {
    pub from: String,
    pub crm_user_id: usize,
    pub employee_id: usize,
    pub at: Loc,
}

/// One canonical table made from source tables.
#[derive(Debug)]
pub struct TableMap {
    pub table: Table,
    /// The source files or sheets, read one after the other (e.g. one telephony file a month).
    pub from: Vec<String>,
    pub keep: Vec<Cond>,
    /// (canonical column index, how it is made), in canonical column order.
    pub columns: Vec<(usize, Spec)>,
    pub at: Loc,
}

/// A source column the mapping reads, numbered so that each source file resolves it once.
#[derive(Debug, Clone)]
pub struct ColRef {
    pub id: usize,
    pub name: String,
    /// The file may lack the column: it then reads as empty.
    pub optional: bool,
    pub at: Loc,
}

/// How one value is made.
#[derive(Debug)]
pub struct Spec {
    pub expr: Expr,
    /// A regular expression whose first group is the value (`^\[(\d+)\]` takes `12` from
    /// `[12] Иван Петров`).
    pub pattern: Option<regex_lite::Regex>,
    pub map: Option<ValueMap>,
    pub format: Option<Format>,
    pub divide: Option<Decimal>,
    /// Numbers are written with a decimal comma (`1 234,56`), whatever the file's delimiter.
    pub decimal_comma: bool,
    /// Inside `furthest`: the candidate's rank (a number; higher is further), evaluated where the
    /// candidate was found — for a lookup, in the row looked up (Bitrix24 orders stages by the
    /// `SORT` of `crm_status`).
    pub rank: Option<Box<Spec>>,
    /// The value is empty unless every condition holds (`closed_on` only when `CLOSED` is Y).
    pub when: Vec<Cond>,
    pub at: Loc,
}

#[derive(Debug)]
pub enum Expr {
    Column(usize),
    Const(String),
    /// Parts joined with a separator; empty parts are left out.
    Join(Vec<Spec>, String),
    /// A lookup by id into [`Mapping::lookups`].
    Lookup(usize),
    /// A CRM user id, turned into the roster's employee id through `people:`.
    Person(Box<Spec>),
    /// The first part that is not empty.
    FirstOf(Vec<Spec>),
    /// Of every value the parts give (a lookup gives one per matching row), the one furthest:
    /// of highest `rank:` when the parts have one, else in the canonical column's order
    /// (lead < qualified < negotiation < proposal).
    Furthest(Vec<Spec>),
}

/// A value map: source value → canonical value (`None`: no value, e.g. a closed status is not a
/// stage).
#[derive(Debug, Clone)]
pub struct ValueMap {
    pub entries: Vec<(String, Option<String>)>,
    /// Key → its first entry: a value is looked up on every row, in a map of any length.
    pub index: std::collections::HashMap<String, usize>,
    /// What a value not in the map becomes; without it such a value is refused.
    pub default: Option<Option<String>>,
    /// The `values:` list it names, if any (for messages).
    pub name: Option<String>,
}

impl ValueMap {
    pub fn get(&self, key: &str) -> Option<&Option<String>> {
        self.index
            .get(key)
            .and_then(|&i| self.entries.get(i))
            .map(|(_, v)| v)
            .or(self.default.as_ref())
    }
}

#[derive(Debug, Clone)]
pub enum Format {
    /// Seconds since 1970-01-01 UTC, shown in [`Mapping::timezone`].
    Unix,
    /// Milliseconds since 1970-01-01 UTC.
    UnixMs,
    /// A chrono strftime pattern (`%d.%m.%Y %H:%M`).
    Pattern(String),
}

/// A lookup in another source table: the row whose `key` columns equal this row's `by` columns.
#[derive(Debug)]
pub struct Lookup {
    pub id: usize,
    pub from: String,
    /// (their column, our column).
    pub keys: Vec<(usize, usize)>,
    pub keep: Vec<Cond>,
    pub take: Spec,
    /// Several rows may share a key (only inside `furthest`, where each is a candidate).
    pub many: bool,
    /// Inside `furthest`: each found row's rank, evaluated in that row (see [`Spec::rank`]).
    pub rank: Option<Spec>,
    pub at: Loc,
}

/// A condition on a row's source column.
#[derive(Debug, Clone)]
pub struct Cond {
    pub column: usize,
    pub test: Test,
    pub at: Loc,
}

#[derive(Debug, Clone)]
pub enum Test {
    Is(Vec<String>),
    Not(Vec<String>),
    Empty(bool),
    StartsWith(String),
}

impl Test {
    pub fn holds(&self, text: &str) -> bool {
        match self {
            Test::Is(v) => v.iter().any(|x| x == text),
            Test::Not(v) => !v.iter().any(|x| x == text),
            Test::Empty(e) => text.is_empty() == *e,
            Test::StartsWith(p) => text.starts_with(p.as_str()),
        }
    }

    /// Why a row that fails the test is dropped, for the row-usage report: `TYPE_ID is not 4`.
    pub fn failed(&self, column: &str) -> String {
        let list = |v: &[String]| {
            let q: Vec<String> = v.iter().map(|x| crate::data::limits::quote(x)).collect();
            match q.len() {
                0 => "nothing".to_string(),
                1 => q[0].clone(),
                _ => format!("{} or {}", q[..q.len() - 1].join(", "), q[q.len() - 1]),
            }
        };
        match self {
            Test::Is(v) => format!("{column} is not {}", list(v)),
            Test::Not(v) => format!("{column} is {}", list(v)),
            Test::Empty(true) => format!("{column} is not empty"),
            Test::Empty(false) => format!("{column} is empty"),
            Test::StartsWith(p) => format!(
                "{column} does not start with {}",
                crate::data::limits::quote(p)
            ),
        }
    }
}

/// Reads the mapping `--mapping` names: a built-in preset's name or a YAML file.
pub fn load(arg: &str) -> Result<Mapping, Vec<Problem>> {
    parse::load(arg)
}
