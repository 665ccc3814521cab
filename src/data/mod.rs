//! Input tables: read a source's rows, check them against the canonical layout, and hand each
//! valid row on as typed [`Value`]s.
//!
//! Problems are collected, never thrown at the first one: a missing column, an unreadable cell
//! or a duplicate id is recorded with the file, sheet, row and column header the user sees, and
//! reading goes on so one run lists everything to fix.

mod archive;
pub mod encoding;
pub mod limits;
mod pieces;
pub mod source;
pub mod tables;
pub mod usage;
pub mod value;
mod xls_guard;

use crate::error::Problem;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tables::Table;
use value::{Value, read_cell};

/// Where the canonical tables come from: the seam a new source plugs into.
///
/// [`source::Source`] reads a workbook or a folder of CSV files; a CRM export read through a
/// mapping, or a SQL engine over a warehouse, implements the same four required methods (the
/// others have neutral defaults: a size hint, a file's hash taken while reading, work started
/// ahead are what a file source can offer, not what a source must). A source hands over raw
/// cells with the row number as the user sees it and names places as the user knows them (a
/// file, a sheet); typing, validation and the problems' wording happen above it, in
/// [`read_table`], the same for every source.
pub trait TableSource {
    /// Whether the source has the table at all.
    fn has_table(&self, table: Table) -> bool;
    /// Where the table is, as the user names it (`deals.csv`, `data.xlsx: sheet "deals"`).
    fn place(&self, table: Table) -> String;
    /// Visits every non-blank row of the table, the header row first. The flag says whether
    /// numbers may use a decimal comma. Returns the problems of rows not visited, or the one
    /// problem that stopped the reading.
    fn read_rows(
        &self,
        table: Table,
        visit: &mut dyn FnMut(source::Row<'_>, bool),
    ) -> Result<Vec<Problem>, Problem>;
    /// [`TableSource::read_rows`] of several tables, each row visited with the index of its
    /// table in `tables`, and `None` once for each table when its rows are over: one table's
    /// rows in order, but rows of different tables possibly in between each other (a workbook
    /// parses two sheets at once). The caller passes together only tables whose rows it takes
    /// apart. Returns each table's result, in order. By default the tables are read one after
    /// the other.
    fn read_rows_of(
        &self,
        tables: &[Table],
        visit: &mut dyn FnMut(usize, Option<source::Row<'_>>, bool),
    ) -> Vec<Result<Vec<Problem>, Problem>> {
        source::one_by_one(self, tables, visit)
    }
    /// The text encoding a table was read in, where the source has one (CSV).
    fn encoding(&self, _table: Table) -> Option<&'static str> {
        None
    }
    /// The files read, for the run's hashes (a run is verified by them months later).
    fn files(&self) -> Vec<PathBuf>;
    /// How the rows of each source table read so far were used, where the source maps its
    /// tables (empty for the canonical layout, whose rows are all its tables' rows).
    fn usage(&self) -> Vec<usage::Usage> {
        Vec::new()
    }
    /// Why a table [`TableSource::has_table`] denies is missing, where the source can say more
    /// than its place (a mapping names the source files it makes the table from).
    fn why_missing(&self, _table: Table) -> Option<String> {
        None
    }
    /// The sha256 of a file of [`TableSource::files`] as it was read, if it was hashed while
    /// read (a CSV file read to its end); the run's hashes read the others.
    fn digest(&self, _file: &Path) -> Option<String> {
        None
    }
    /// Told the tables about to be read, in order: a source may start work on the later ones
    /// (a CSV file's first pass) while the earlier are read. Reading is the same without it.
    fn prefetch(&self, _tables: &[Table]) {}
    /// About how many rows the table has, where the source can tell cheaply (a CSV file's
    /// size): the duplicate-id check sizes its map once instead of growing it row by row.
    fn rows_hint(&self, _table: Table) -> Option<usize> {
        None
    }
    /// Told that every table has been read: a source may let go of what it holds for reading
    /// (an open workbook and its shared strings). Nothing is read from it afterwards.
    fn done_reading(&self) {}
    /// On how many lanes at once [`TableSource::read_rows_split`] reads the table: 1 where
    /// the source reads it in one stream only (the default).
    fn lanes(&self, _table: Table) -> usize {
        1
    }
    /// [`TableSource::read_rows`] on [`TableSource::lanes`] visitors at once, each on a thread
    /// of its own: every lane visits the header row, then a share of the later rows, in order.
    /// Which rows a lane gets is up to the timing. Only called where `lanes` is 2 or more.
    fn read_rows_split(
        &self,
        table: Table,
        _lanes: &mut [&mut source::Lane<'_>],
    ) -> Result<Vec<Problem>, Problem> {
        Err(Problem::new(
            self.place(table),
            "this table is not read in lanes; this is a bug",
        ))
    }
}

impl TableSource for source::Source {
    fn has_table(&self, table: Table) -> bool {
        source::Source::has_table(self, table)
    }
    fn place(&self, table: Table) -> String {
        source::Source::place(self, table)
    }
    fn read_rows(
        &self,
        table: Table,
        visit: &mut dyn FnMut(source::Row<'_>, bool),
    ) -> Result<Vec<Problem>, Problem> {
        source::Source::read_rows(self, table, visit)
    }
    fn read_rows_of(
        &self,
        tables: &[Table],
        visit: &mut dyn FnMut(usize, Option<source::Row<'_>>, bool),
    ) -> Vec<Result<Vec<Problem>, Problem>> {
        source::Source::read_rows_of(self, tables, visit)
    }
    fn encoding(&self, table: Table) -> Option<&'static str> {
        source::Source::encoding(self, table)
    }
    fn files(&self) -> Vec<PathBuf> {
        source::Source::files(self)
    }
    fn rows_hint(&self, table: Table) -> Option<usize> {
        source::Source::rows_hint(self, table)
    }
    fn digest(&self, file: &Path) -> Option<String> {
        source::Source::digest(self, file)
    }
    fn prefetch(&self, tables: &[Table]) {
        source::Source::prefetch(self, tables)
    }
    fn done_reading(&self) {
        source::Source::done_reading(self)
    }
    fn lanes(&self, table: Table) -> usize {
        source::Source::lanes(self, table)
    }
    fn read_rows_split(
        &self,
        table: Table,
        lanes: &mut [&mut source::Lane<'_>],
    ) -> Result<Vec<Problem>, Problem> {
        source::Source::read_rows_split(self, table, lanes)
    }
}

/// A valid row of a table: values in the canonical column order of [`Table::columns`].
pub struct TypedRow<'a> {
    pub number: usize,
    pub values: &'a [Value],
    /// Where canonical column `i` of this row is, as the user sees it: the table's file, row and
    /// header, or — for a CRM export read through a mapping — the source cell it came from.
    pub at: Option<&'a dyn Fn(usize) -> String>,
}

impl TypedRow<'_> {
    /// The place of canonical column `i`, or `default` when the reader gave none.
    pub fn place_of(&self, i: usize, default: impl FnOnce() -> String) -> String {
        match self.at {
            Some(at) => at(i),
            None => default(),
        }
    }
}

/// How many problems of one column are listed before the rest are summarised.
const PROBLEMS_PER_COLUMN: usize = 20;

/// One table on its way from a source's rows to typed rows: the header found, the columns
/// mapped, the duplicate-key check, and the problems, in the order the rows gave them. A
/// reading hands it the rows of its table in order ([`TableReader::row`]); rows of other
/// tables may come in between (see [`TableSource::read_rows_of`]).
pub struct TableReader {
    table: Table,
    place: String,
    columns: &'static [tables::Column],
    // For each canonical column, the file column it is read from.
    mapping: Vec<Option<usize>>,
    headers: Vec<String>,
    header_seen: bool,
    usable: bool,
    // The first non-blank row is not a header: its line shape says nothing about the rest.
    not_a_header: bool,
    rows: usize,
    per_column: Vec<usize>,
    // Where the first problem of each column was, when the source locates its values.
    first_at: Vec<Option<String>>,
    // Keys seen so far, as 64-bit hashes with the row of their first appearance: 16 bytes an
    // entry, where a million call ids as strings would take well over 100 MB.
    keys: PreHashed<u32>,
    /// The entries `keys` is sized for when the first key comes (the source's hint).
    keys_hint: usize,
    /// On a lane of [`read_table_split`], the keys' hashes instead, in the order seen (8 bytes
    /// a row, written in order, where the map takes 17 at random): a key seen twice, on this
    /// lane or another, is found when the lanes end, and the table is then read again as one.
    hashes: Option<Vec<u64>>,
    values: Vec<Value>,
    problems: Vec<Problem>,
}

impl TableReader {
    pub fn new(source: &dyn TableSource, table: Table) -> TableReader {
        let columns = table.columns();
        // At most a million up front (16 MB of entries): a file of blank lines is not a table.
        let keys_hint = if row_key_kind(table) {
            source.rows_hint(table).unwrap_or(0).min(1 << 20)
        } else {
            0
        };
        TableReader {
            table,
            place: source.place(table),
            columns,
            mapping: vec![None; columns.len()],
            headers: Vec::new(),
            header_seen: false,
            usable: true,
            not_a_header: false,
            rows: 0,
            per_column: vec![0; columns.len() + 1],
            first_at: vec![None; columns.len()],
            keys: PreHashed::default(),
            keys_hint,
            hashes: None,
            values: Vec::with_capacity(columns.len()),
            problems: Vec::new(),
        }
    }

    /// A reader of one of `lanes` lanes of [`read_table_split`]: it records the keys'
    /// hashes, about its share of the source's hint of them.
    fn new_lane(source: &dyn TableSource, table: Table, lanes: usize) -> TableReader {
        let mut reader = TableReader::new(source, table);
        let share = std::mem::take(&mut reader.keys_hint) / lanes.max(1);
        reader.hashes = Some(Vec::with_capacity(share));
        reader
    }

    /// Takes the table's next row: the header, or a row typed and checked, handed to `on_row`
    /// when it has no problem.
    pub fn row(
        &mut self,
        row: source::Row<'_>,
        decimal_comma: bool,
        on_row: &mut dyn FnMut(TypedRow<'_>),
    ) {
        let (table, columns, place) = (self.table, self.columns, &self.place);
        if !self.header_seen {
            self.header_seen = true;
            self.headers = row
                .cells
                .iter()
                .map(|c| match c {
                    value::RawCell::Text(t) => t.trim().to_string(),
                    value::RawCell::Empty => String::new(),
                    other => other.shown(),
                })
                .collect();
            let known = self
                .headers
                .iter()
                .filter(|h| columns.iter().any(|c| c.name == h.to_lowercase()))
                .count();
            if known == 0 {
                // A title or a note above the header: the header must be the first non-blank
                // row (blank rows above it are fine), so say which row was taken for it.
                self.problems.push(Problem::new(
                    format!("{place}, row {}", row.number),
                    format!(
                        "this row is not a header row: none of its cells ({}) is a column of the \
                     table; the first non-blank row must be the header, with {}",
                        shown_headers(&self.headers),
                        required_columns(table)
                    ),
                ));
                self.usable = false;
                self.not_a_header = true;
                return;
            }
            for (j, h) in self.headers.iter().enumerate() {
                let norm = h.to_lowercase();
                if let Some(i) = columns.iter().position(|c| c.name == norm) {
                    if let Some(first) = self.mapping[i] {
                        self.problems.push(Problem::new(
                            format!("{place}, row {}", row.number),
                            format!(
                                "column {:?} appears twice (columns {} and {}); keep one",
                                columns[i].name,
                                first + 1,
                                j + 1
                            ),
                        ));
                        self.usable = false;
                    } else {
                        self.mapping[i] = Some(j);
                    }
                }
            }
            let missing: Vec<&str> = columns
                .iter()
                .zip(&self.mapping)
                .filter(|(c, m)| c.required && m.is_none())
                .map(|(c, _)| c.name)
                .collect();
            for name in &missing {
                self.problems.push(Problem::new(
                    format!("{place}, row {}", row.number),
                    format!(
                        "missing required column {name:?}; the header row has {}",
                        shown_headers(&self.headers)
                    ),
                ));
            }
            if !missing.is_empty() {
                self.usable = false;
            }
            return;
        }
        self.rows += 1;
        if !self.usable {
            return;
        }
        self.values.clear();
        let mut row_ok = true;
        for (i, col) in columns.iter().enumerate() {
            let raw = self.mapping[i].and_then(|j| row.cells.get(j));
            let empty = value::RawCell::Empty;
            let raw = raw.unwrap_or(&empty);
            let result = if col.required && raw.is_empty() {
                Err(format!("is empty; expected {}", col.ty.expected()))
            } else {
                read_cell(raw, col.ty, decimal_comma).and_then(|v| check_range(v, col))
            };
            match result {
                Ok(v) => self.values.push(v),
                Err(message) => {
                    row_ok = false;
                    self.values.push(Value::Empty);
                    self.per_column[i] += 1;
                    if self.per_column[i] <= PROBLEMS_PER_COLUMN {
                        let at = match (row.locate, self.mapping[i]) {
                            (Some(locate), Some(j)) => locate(j),
                            _ => {
                                let header =
                                    self.mapping[i].map_or(col.name, |j| self.headers[j].as_str());
                                format!(
                                    "{place}, row {}, column {}",
                                    row.number,
                                    limits::quote(header)
                                )
                            }
                        };
                        if row.locate.is_some() && self.first_at[i].is_none() {
                            self.first_at[i] = Some(at.clone());
                        }
                        self.problems.push(Problem::new(at, message));
                    }
                }
            }
        }
        if !row_ok {
            return;
        }
        if let Some(key) = row_key(table, &self.values) {
            let hashed = hash64(&key);
            if let Some(hashes) = &mut self.hashes {
                // On a lane: a key seen twice is found when the lanes end.
                hashes.push(hashed);
            } else if let Some(first) = self.keys.get(&hashed) {
                let k = columns.len();
                self.per_column[k] += 1;
                if self.per_column[k] <= PROBLEMS_PER_COLUMN {
                    let header = limits::quote(
                        self.mapping[0].map_or(columns[0].name, |j| self.headers[j].as_str()),
                    );
                    let at = match (row.locate, self.mapping[0]) {
                        (Some(locate), Some(j)) => locate(j),
                        _ => format!("{place}, row {}, column {header}", row.number),
                    };
                    let what = match table {
                        Table::Plans => format!(
                            "a second plan for employee {}, period {}, metric {}",
                            self.values[0].as_text().unwrap_or(""),
                            self.values[1].as_text().unwrap_or(""),
                            self.values[2].as_text().unwrap_or("")
                        ),
                        Table::CrmActivity => format!(
                            "a second crm_activity row for employee {} on {}",
                            self.values[0].as_text().unwrap_or(""),
                            self.values[1]
                                .as_date()
                                .map(|d| d.to_string())
                                .unwrap_or_default()
                        ),
                        _ => format!("duplicate {} {}", columns[0].name, limits::quote(&key)),
                    };
                    self.problems.push(Problem::new(
                        at,
                        format!("{what} (first at row {first}); each must appear once"),
                    ));
                }
                return;
            } else {
                if self.keys.capacity() == 0 {
                    self.keys.reserve(std::mem::take(&mut self.keys_hint));
                }
                self.keys.insert(hashed, row.number as u32);
            }
        }
        let at = |i: usize| match (row.locate, self.mapping.get(i).copied().flatten()) {
            (Some(locate), Some(j)) => locate(j),
            (_, j) => {
                let header = j.map_or(columns[i].name, |j| self.headers[j].as_str());
                format!(
                    "{place}, row {}, column {}",
                    row.number,
                    limits::quote(header)
                )
            }
        };
        if table == Table::Deals {
            tables::settle_deal_status(&mut self.values);
        }
        on_row(TypedRow {
            number: row.number,
            values: &self.values,
            at: Some(&at),
        });
    }

    /// Whether the rows so far gave nothing to report: a header with every required column,
    /// and no problem in any row.
    fn clean(&self) -> bool {
        self.header_seen && self.usable && self.problems.is_empty()
    }

    /// Told that the table's rows are over (its reading ended): lets go of the keys seen, the
    /// largest part of the state, while the tables read with it go on.
    pub fn end_of_rows(&mut self) {
        self.keys = PreHashed::default();
        self.values = Vec::new();
    }

    /// The number of data rows read (valid or not) and the table's problems, given how its
    /// reading ended (the problems of rows the source could not hand over, or the one problem
    /// that stopped it).
    pub fn finish(self, result: Result<Vec<Problem>, Problem>) -> (usize, Vec<Problem>) {
        let TableReader {
            table,
            place,
            columns,
            header_seen,
            not_a_header,
            rows,
            per_column,
            first_at,
            mut problems,
            ..
        } = self;
        // Rows the reader could not hand over (or a reading that stopped) are already reported.
        let reported = match result {
            Err(p) => {
                problems.push(p);
                true
            }
            Ok(row_problems) => {
                let any = !row_problems.is_empty();
                if !not_a_header {
                    problems.extend(row_problems);
                }
                any
            }
        };
        if !header_seen && !reported {
            problems.push(Problem::new(
                &place,
                format!(
                    "the table is empty; expected a header row with {}",
                    required_columns(table)
                ),
            ));
        }
        for (i, n) in per_column.iter().enumerate() {
            if *n > PROBLEMS_PER_COLUMN {
                // A mapped source's canonical column is no column of the user's file: name where
                // the first of them was.
                let what = match (columns.get(i), first_at.get(i).and_then(Option::as_ref)) {
                    (Some(_), Some(at)) => format!("values like the one at {at}"),
                    (Some(c), None) => format!("column {:?}", c.name),
                    (None, _) => "duplicate ids".to_string(),
                };
                problems.push(Problem::new(
                    &place,
                    format!(
                        "… and {} more problems in {what} not listed",
                        n - PROBLEMS_PER_COLUMN
                    ),
                ));
            }
        }
        (rows, problems)
    }
}

/// Reads one table, calling `on_row` for every row that has no problem.
/// Returns the number of data rows read (valid or not).
pub fn read_table(
    source: &dyn TableSource,
    table: Table,
    problems: &mut Vec<Problem>,
    on_row: &mut dyn FnMut(TypedRow<'_>),
) -> usize {
    let mut reader = TableReader::new(source, table);
    let result = source.read_rows(table, &mut |row, decimal_comma| {
        reader.row(row, decimal_comma, on_row)
    });
    let (rows, found) = reader.finish(result);
    problems.extend(found);
    rows
}

/// What takes a lane's valid rows (see [`read_table_split`]); it runs on the lane's thread.
pub type OnRow<'r> = dyn FnMut(TypedRow<'_>) + Send + 'r;

/// [`read_table`] on lanes at once, one reader and one `on_row` per lane, through
/// [`TableSource::read_rows_split`]: each lane's `on_row` gets the valid rows of its share of
/// the table, in order. Returns the number of data rows read when the table had nothing to
/// report, or `None` when it had (a problem in a row, a missing column, an id on two lanes, a
/// reading that stopped): then what the lanes were given is to be dropped and the table read
/// again with [`read_table`], which reports everything in the table's order, as one reader
/// sees it. Bad input costs a second reading; good input is read once, on every lane.
pub fn read_table_split(
    source: &dyn TableSource,
    table: Table,
    on_rows: &mut [&mut OnRow<'_>],
) -> Option<usize> {
    let mut readers: Vec<TableReader> = on_rows
        .iter()
        .map(|_| TableReader::new_lane(source, table, on_rows.len()))
        .collect();
    let result = {
        let mut lanes: Vec<Box<source::Lane<'_>>> = readers
            .iter_mut()
            .zip(on_rows.iter_mut())
            .map(|(reader, on_row)| {
                Box::new(move |row: source::Row<'_>, decimal_comma: bool| {
                    reader.row(row, decimal_comma, &mut **on_row)
                }) as Box<source::Lane<'_>>
            })
            .collect();
        let mut lanes: Vec<&mut source::Lane<'_>> = lanes.iter_mut().map(|l| &mut **l).collect();
        source.read_rows_split(table, &mut lanes)
    };
    let clean = matches!(&result, Ok(problems) if problems.is_empty())
        && readers.iter().all(TableReader::clean)
        && !a_key_twice(readers.iter_mut().filter_map(|r| r.hashes.take()).collect());
    clean.then(|| readers.iter().map(|r| r.rows).sum())
}

/// Whether a hash comes twice in the lanes' hashes, on one lane or on two: each lane's sorted
/// on a thread of its own, then all of them walked in order at once.
fn a_key_twice(mut lanes: Vec<Vec<u64>>) -> bool {
    std::thread::scope(|scope| {
        for lane in lanes.iter_mut() {
            scope.spawn(|| lane.sort_unstable());
        }
    });
    // The smallest hash not yet passed of every lane, repeatedly: equal to the last one passed
    // means twice.
    let mut at = vec![0usize; lanes.len()];
    let mut last: Option<u64> = None;
    loop {
        let next = (0..lanes.len())
            .filter_map(|i| lanes[i].get(at[i]).map(|&h| (h, i)))
            .min();
        let Some((h, i)) = next else {
            return false;
        };
        if last == Some(h) {
            return true;
        }
        last = Some(h);
        at[i] += 1;
    }
}

/// [`read_table`] of several tables at once, through [`TableSource::read_rows_of`]: `on_row`
/// gets the index of the row's table in `tables`. Returns, per table, the number of data rows
/// read and its problems, each table's exactly as [`read_table`] has them.
pub fn read_tables(
    source: &dyn TableSource,
    tables: &[Table],
    on_row: &mut dyn FnMut(usize, TypedRow<'_>),
) -> Vec<(usize, Vec<Problem>)> {
    let mut readers: Vec<TableReader> = tables
        .iter()
        .map(|&t| TableReader::new(source, t))
        .collect();
    let results = source.read_rows_of(tables, &mut |k, row, decimal_comma| match row {
        Some(row) => readers[k].row(row, decimal_comma, &mut |typed| on_row(k, typed)),
        None => readers[k].end_of_rows(),
    });
    readers
        .into_iter()
        .zip(results)
        .map(|(reader, result)| reader.finish(result))
        .collect()
}

/// The header cells for a message: at most 20 of them, each shortened.
fn shown_headers(headers: &[String]) -> String {
    let named: Vec<&String> = headers.iter().filter(|h| !h.is_empty()).collect();
    let mut shown: Vec<String> = named.iter().take(20).map(|h| limits::quote(h)).collect();
    if named.len() > 20 {
        shown.push(format!("… and {} more", named.len() - 20));
    }
    if shown.is_empty() {
        return "no names".to_string();
    }
    shown.join(", ")
}

/// The required columns of a table, for messages: `employee_id, period, metric, target`.
fn required_columns(table: Table) -> String {
    let names: Vec<&str> = table
        .columns()
        .iter()
        .filter(|c| c.required)
        .map(|c| c.name)
        .collect();
    names.join(", ")
}

/// The value that must be unique within the table.
/// Whether rows of the table have a key that must be unique ([`row_key`]).
fn row_key_kind(table: Table) -> bool {
    matches!(table, Table::Plans | Table::CrmActivity) || table.key_column().is_some()
}

fn row_key(table: Table, values: &[Value]) -> Option<std::borrow::Cow<'_, str>> {
    match table {
        Table::Plans => Some(std::borrow::Cow::Owned(format!(
            "{}\u{1f}{}\u{1f}{}",
            values[0].as_text()?,
            values[1].as_text()?,
            values[2].as_text()?
        ))),
        Table::CrmActivity => Some(std::borrow::Cow::Owned(format!(
            "{}\u{1f}{}",
            values[0].as_text()?,
            values[1].as_date()?
        ))),
        _ => table
            .key_column()
            .and_then(|k| values[k].as_text())
            .map(std::borrow::Cow::Borrowed),
    }
}

fn check_range(v: Value, col: &tables::Column) -> Result<Value, String> {
    if let (Some((min, max)), Some(d)) = (col.range, v.as_number())
        && (d < min.into() || d > max.into())
    {
        let expected = if max == i64::MAX {
            format!("a whole number of at least {min}")
        } else {
            format!("a whole number from {min} to {max}")
        };
        return Err(format!("{d} is out of range; expected {expected}"));
    }
    Ok(v)
}

/// A 64-bit hash of a key (foldhash with a fixed seed: the same in every run). Among a million
/// ids the chance that two distinct ones collide is about 3 in 100 million, and a collision
/// could only report a false duplicate (the run stops with an error), never pay anything twice.
fn hash64(key: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x1ce7_1f05).hash_one(key)
}

/// A map keyed by a [`hash64`] value: the key is already a hash, so it is its own.
type PreHashed<V> = HashMap<u64, V, std::hash::BuildHasherDefault<IdentityU64>>;

#[derive(Default)]
struct IdentityU64(u64);

impl std::hash::Hasher for IdentityU64 {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed (`write_u64`); anything else is folded in.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use value::RawCell;

    /// Calls dealt to the lanes in turn, a row at a time, the header to every lane.
    struct Dealt(Vec<Vec<&'static str>>);

    impl Dealt {
        /// Visits row `i` (numbered from 1, the header's).
        fn visit(&self, i: usize, visit: &mut dyn FnMut(source::Row<'_>, bool)) {
            let cells: Vec<RawCell> = self.0[i]
                .iter()
                .map(|c| RawCell::Text((*c).into()))
                .collect();
            let row = source::Row {
                number: i + 1,
                cells: &cells,
                locate: None,
            };
            visit(row, false);
        }
    }

    impl TableSource for Dealt {
        fn has_table(&self, table: Table) -> bool {
            table == Table::Calls
        }
        fn place(&self, _table: Table) -> String {
            "calls.csv".to_string()
        }
        fn read_rows(
            &self,
            _table: Table,
            visit: &mut dyn FnMut(source::Row<'_>, bool),
        ) -> Result<Vec<Problem>, Problem> {
            for i in 0..self.0.len() {
                self.visit(i, visit);
            }
            Ok(Vec::new())
        }
        fn files(&self) -> Vec<PathBuf> {
            Vec::new()
        }
        fn lanes(&self, _table: Table) -> usize {
            2
        }
        fn read_rows_split(
            &self,
            _table: Table,
            lanes: &mut [&mut source::Lane<'_>],
        ) -> Result<Vec<Problem>, Problem> {
            if self.0.is_empty() {
                return Ok(Vec::new());
            }
            for lane in lanes.iter_mut() {
                self.visit(0, *lane);
            }
            for i in 1..self.0.len() {
                let n = lanes.len();
                self.visit(i, lanes[i % n]);
            }
            Ok(Vec::new())
        }
    }

    const HEADER: [&str; 5] = [
        "call_id",
        "employee_id",
        "started_at",
        "direction",
        "duration_sec",
    ];

    fn call(id: &'static str, duration: &'static str) -> Vec<&'static str> {
        vec![id, "E1", "2026-10-01 10:00:00", "outgoing", duration]
    }

    /// The rows each lane was handed (by row number), or `None` when the lanes' reading is to
    /// be dropped for a reading as one.
    fn split(rows: Vec<Vec<&'static str>>) -> Option<(usize, Vec<Vec<usize>>)> {
        let source = Dealt(rows);
        let mut got: Vec<Vec<usize>> = vec![Vec::new(), Vec::new()];
        let read = {
            let mut on_rows: Vec<Box<OnRow<'_>>> = got
                .iter_mut()
                .map(|got| {
                    Box::new(move |row: TypedRow<'_>| got.push(row.number)) as Box<OnRow<'_>>
                })
                .collect();
            let mut on_rows: Vec<&mut OnRow<'_>> =
                on_rows.iter_mut().map(|f| &mut **f as _).collect();
            read_table_split(&source, Table::Calls, &mut on_rows)
        };
        read.map(|rows| (rows, got))
    }

    #[test]
    fn a_table_read_on_lanes_hands_each_lane_its_rows_in_order() {
        let rows = vec![
            HEADER.to_vec(),
            call("K1", "60"),
            call("K2", "60"),
            call("K3", "60"),
            call("K4", "60"),
            call("K5", "60"),
        ];
        assert_eq!(split(rows), Some((5, vec![vec![3, 5], vec![2, 4, 6]])));
    }

    #[test]
    fn a_hash_twice_is_found_on_one_lane_or_across_any_two() {
        assert!(!a_key_twice(vec![vec![3, 1], vec![2], vec![5, 4]]));
        assert!(a_key_twice(vec![vec![3, 1], vec![2], vec![5, 1]]));
        assert!(a_key_twice(vec![vec![7], vec![2, 9, 2], vec![]]));
        assert!(a_key_twice(vec![vec![u64::MAX], vec![u64::MAX]]));
        assert!(!a_key_twice(vec![vec![], vec![]]));
    }

    #[test]
    fn anything_to_report_on_any_lane_has_the_table_read_again_as_one() {
        let clean = || {
            vec![
                HEADER.to_vec(),
                call("K1", "60"),
                call("K2", "60"),
                call("K3", "60"),
            ]
        };
        // An id on two lanes (rows 2 and 3), and one twice on the same lane (rows 2 and 4).
        for twice in [2, 3] {
            let mut rows = clean();
            rows[twice] = call("K1", "60");
            assert_eq!(split(rows), None, "K1 at rows 2 and {}", twice + 1);
        }
        // A value that is not a number, on either lane.
        for bad in [1, 2] {
            let mut rows = clean();
            rows[bad] = call("K9", "a minute");
            assert_eq!(split(rows), None, "a word at row {}", bad + 1);
        }
        // A required column missing.
        let rows: Vec<Vec<&str>> = clean().into_iter().map(|r| r[..4].to_vec()).collect();
        assert_eq!(split(rows), None);
        // No rows at all: the table is empty, which the reading as one says.
        assert_eq!(split(Vec::new()), None);
        assert!(split(clean()).is_some());
    }
}
