//! Reading the raw rows of a table from a workbook (.xlsx/.xlsm streamed cell by cell; .xls/.ods
//! through calamine's ranges) or from a folder of CSV files.
//!
//! A reader knows nothing of column types: it hands each non-blank row to a callback as
//! [`RawCell`]s together with the row number the user sees in their spreadsheet or editor.
//! Rows are visited one at a time so that metrics can be aggregated while reading.
//!
//! Every input is held to the limits of [`super::limits`] (what was found is reported against
//! the limit), and only regular files are read: a named pipe or a device is refused before it
//! is opened, so a run can neither hang on it nor read forever. Decisions on what is read:
//!
//! - The header is the first non-blank row: blank rows above it are skipped, a title row above it
//!   is reported (see `read_table`). Hidden sheets are read like visible ones (hiding a sheet
//!   does not change its data); an empty sheet is an empty table.
//! - A table must be named by exactly one sheet or file: names are compared ignoring case and
//!   surrounding spaces, and two candidates (`Deals` and `deals `, `deals.csv` and `DEALS.csv`)
//!   are an error naming both, never a silent pick.
//! - CSV files are UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark, or a
//!   legacy code page such as Windows-1251 (see [`super::encoding`]); [`Source::encoding`] says
//!   which was read. A line must have as many fields as the header (extra empty fields at the
//!   end are allowed); line numbers count LF, CRLF and CR-only line ends, and a record with a
//!   quoted line break is numbered by the line it starts on.

use super::encoding;
use super::limits::{self, bytes, grouped, quote};
use super::pieces::{Flow, Pieces};
use super::tables::Table;
use super::value::{RawCell, trim};
use crate::error::Problem;
use crate::num::decimal_from_spreadsheet_number;
use calamine::{Data, DataRef, Reader, Sheets, open_workbook_auto};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// Where a table's rows come from.
pub enum Source {
    /// The workbook is opened once: opening parses its whole shared-strings table (a million
    /// call ids), which must not happen again for every sheet.
    Workbook {
        path: PathBuf,
        sheets: Vec<String>,
        /// The open workbook (its shared strings are most of a large one's memory); let go when
        /// the reading is over ([`Source::done_reading`]).
        book: RefCell<Option<Box<Sheets<BufReader<File>>>>>,
        /// The workbook's file opened once more (.xlsx and .xlsm), for the second archive of
        /// [`Source::read_rows_of`], which reads two sheets at once; let go with the workbook.
        again: RefCell<Option<File>>,
        /// The workbook's sha256, hashed on a thread of its own while the workbook is opened
        /// (its shared strings keep this thread busy and the other core idle); taken once.
        digest: RefCell<Digest>,
    },
    CsvFolder {
        path: PathBuf,
        files: Vec<PathBuf>,
        /// The encoding each table's file was read in, once it has been read.
        encodings: RefCell<Vec<(String, &'static str)>>,
        /// The sha256 of each file read, of the very bytes parsed (the run's hashes use them
        /// instead of reading the files once more).
        digests: RefCell<Vec<(PathBuf, String)>>,
        /// First passes started ahead ([`Source::prefetch`]), by file, taken when it is read.
        ahead: RefCell<HashMap<PathBuf, SniffedAhead>>,
    },
}

/// A row handed to the callback: the row number as the user sees it, and its cells by file column.
pub struct Row<'a> {
    pub number: usize,
    pub cells: &'a [RawCell],
    /// Where cell `i` came from, as the user sees it (`crm_deal.csv, row 14, column
    /// "STAGE_SEMANTIC_ID"`), when that is not this table's row and header: a CRM export read
    /// through a mapping names its own files, never the canonical view.
    pub locate: Option<&'a dyn Fn(usize) -> String>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Source({})", self.path().display())
    }
}

/// What a path that is not a regular file or a folder is, in words.
fn not_a_file(meta: &std::fs::Metadata) -> Option<&'static str> {
    if meta.is_file() || meta.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("a device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// How many row problems a reader lists before the rest are summarised.
const ROW_PROBLEMS: usize = 20;

/// Row problems found by a reader (wrong field count, broken bytes), listed up to a bound.
struct RowProblems {
    place: String,
    listed: Vec<Problem>,
    more: usize,
}

impl RowProblems {
    fn new(place: &str) -> Self {
        RowProblems {
            place: place.to_string(),
            listed: Vec::new(),
            more: 0,
        }
    }
    fn push(&mut self, place: String, message: String) {
        if self.listed.len() < ROW_PROBLEMS {
            self.listed.push(Problem::new(place, message));
        } else {
            self.more += 1;
        }
    }
    fn finish(mut self) -> Vec<Problem> {
        if self.more > 0 {
            self.listed.push(Problem::new(
                &self.place,
                format!("… and {} more rows like these not listed", self.more),
            ));
        }
        self.listed
    }
}

impl Source {
    /// Opens a workbook or a CSV folder, listing which tables it holds.
    pub fn open(path: &Path) -> Result<Source, Problem> {
        let shown = path.display().to_string();
        let expected = "expected a workbook (.xlsx, .xlsm, .xls, .ods) or a folder of CSV files";
        // `metadata` follows symbolic links: a link to a workbook or a folder is read.
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Problem::new(
                    &shown,
                    format!("no such file or folder; {expected}"),
                ));
            }
            Err(e) => return Err(Problem::new(&shown, format!("cannot read it: {e}"))),
        };
        if let Some(what) = not_a_file(&meta) {
            return Err(Problem::new(
                &shown,
                format!("this is {what}, not a file; {expected}"),
            ));
        }
        if meta.is_dir() {
            let mut files = Vec::new();
            let entries = std::fs::read_dir(path)
                .map_err(|e| Problem::new(&shown, format!("cannot read the folder: {e}")))?;
            for entry in entries.flatten() {
                let p = entry.path();
                if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
                    files.push(p);
                }
            }
            files.sort();
            return Ok(Source::CsvFolder {
                path: path.to_path_buf(),
                files,
                encodings: RefCell::new(Vec::new()),
                digests: RefCell::new(Vec::new()),
                ahead: RefCell::new(HashMap::new()),
            });
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_lowercase)
            .unwrap_or_default();
        if !matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "ods") {
            return Err(Problem::new(
                &shown,
                format!("unsupported file type {ext:?}; {expected}"),
            ));
        }
        if ext == "xls" {
            super::xls_guard::check(path, &shown)?;
        } else {
            super::archive::check(path, &shown)?;
        }
        let digest = if threads() >= 2 {
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            let file = path.to_path_buf();
            // Detached: a run that stops early leaves it to finish (or exits with it).
            std::thread::spawn(move || {
                let _ = tx.send(crate::results::sha256_file(&file).ok());
            });
            Digest::Hashing(rx)
        } else {
            Digest::Taken(None)
        };
        let again = if ext == "xlsx" || ext == "xlsm" {
            File::open(path).ok()
        } else {
            None
        };
        let raw_ext = path.extension().and_then(|e| e.to_str());
        let workbook = match again.as_ref() {
            Some(file) if threads() >= 2 && matches!(raw_ext, Some("xlsx" | "xlsm")) => {
                open_xlsx(path, file)
            }
            _ => open_workbook_auto(path),
        }
        .map_err(|e| Problem::new(&shown, format!("cannot open the workbook: {e}")))?;
        Ok(Source::Workbook {
            path: path.to_path_buf(),
            sheets: workbook.sheet_names().to_vec(),
            book: RefCell::new(Some(Box::new(workbook))),
            again: RefCell::new(again),
            digest: RefCell::new(digest),
        })
    }

    /// The files this source reads: the workbook, or every CSV file of the folder.
    pub fn files(&self) -> Vec<PathBuf> {
        match self {
            Source::Workbook { path, .. } => vec![path.clone()],
            Source::CsvFolder { files, .. } => files.clone(),
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            Source::Workbook { path, .. } | Source::CsvFolder { path, .. } => path,
        }
    }

    /// The text encoding a CSV table was read in (`"UTF-8"`, `"windows-1251"`, …), once
    /// [`Source::read_rows`] has read it; `None` for a workbook or a table not read.
    pub fn encoding(&self, table: Table) -> Option<&'static str> {
        self.encoding_named(table.name())
    }

    /// [`Source::encoding`] of a table by its name.
    pub fn encoding_named(&self, name: &str) -> Option<&'static str> {
        match self {
            Source::CsvFolder { encodings, .. } => encodings
                .borrow()
                .iter()
                .find(|(t, _)| t == name)
                .map(|(_, e)| *e),
            Source::Workbook { .. } => None,
        }
    }

    /// Every sheet whose name is the table's, ignoring case and surrounding spaces.
    fn sheet_names(&self, name: &str) -> Vec<&str> {
        match self {
            Source::Workbook { sheets, .. } => sheets
                .iter()
                .filter(|s| s.trim().eq_ignore_ascii_case(name.trim()))
                .map(String::as_str)
                .collect(),
            Source::CsvFolder { .. } => Vec::new(),
        }
    }

    fn sheet_name(&self, name: &str) -> Option<String> {
        self.sheet_names(name).first().map(|s| s.to_string())
    }

    /// Every CSV file whose stem is the table's name, ignoring case and surrounding spaces.
    fn csv_files(&self, name: &str) -> Vec<&PathBuf> {
        match self {
            Source::CsvFolder { files, .. } => files
                .iter()
                .filter(|f| {
                    f.file_stem()
                        .and_then(|s| s.to_str())
                        .is_some_and(|s| s.trim().eq_ignore_ascii_case(name.trim()))
                })
                .collect(),
            Source::Workbook { .. } => Vec::new(),
        }
    }

    fn csv_file(&self, name: &str) -> Option<PathBuf> {
        self.csv_files(name).first().map(|p| p.to_path_buf())
    }

    pub fn has_table(&self, table: Table) -> bool {
        self.has_named(table.name())
    }

    /// Starts the first pass over the CSV files of `tables` (in that order) on a thread of its
    /// own, so that each is done while the table before it is read, not while the rows wait.
    /// Only with two threads or more; each file's outcome is the one reading it would have.
    pub fn prefetch(&self, tables: &[Table]) {
        let Source::CsvFolder { ahead, .. } = self else {
            return;
        };
        if threads() < 2 {
            return;
        }
        let mut jobs = Vec::new();
        let mut ahead = ahead.borrow_mut();
        for table in tables {
            let name = table.name();
            if self.ambiguity(name).is_some() {
                continue;
            }
            let Some(file) = self.csv_file(name) else {
                continue;
            };
            if ahead.contains_key(&file) {
                continue;
            }
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            ahead.insert(file.clone(), rx);
            jobs.push((file, self.place_named(name), tx));
        }
        if jobs.is_empty() {
            return;
        }
        // Detached: a run that stops early leaves it to finish reading (or exits with it).
        std::thread::spawn(move || {
            for (file, place, tx) in jobs {
                if tx.send(sniff_csv(&file, &place)).is_err() {
                    // The reading has stopped: no one will take the rest.
                    return;
                }
            }
        });
    }

    /// The sha256 (lowercase hex) of a CSV file as it was parsed, if it was read to its end.
    pub fn digest(&self, file: &Path) -> Option<String> {
        match self {
            Source::CsvFolder { digests, .. } => digests
                .borrow()
                .iter()
                .find(|(f, _)| f == file)
                .map(|(_, d)| d.clone()),
            Source::Workbook {
                path, digest: cell, ..
            } if path == file => {
                let mut digest = cell.borrow_mut();
                if let Digest::Hashing(rx) = &*digest {
                    *digest = Digest::Taken(rx.recv().ok().flatten());
                }
                match &*digest {
                    Digest::Taken(sha) => sha.clone(),
                    Digest::Hashing(_) => None,
                }
            }
            Source::Workbook { .. } => None,
        }
    }

    /// Lets go of the open workbook once every table has been read: a large workbook's shared
    /// strings would otherwise be held while the scores and the outputs are made.
    pub fn done_reading(&self) {
        if let Source::Workbook { book, again, .. } = self {
            book.borrow_mut().take();
            again.borrow_mut().take();
        }
    }

    /// About how many rows a table has: a CSV file's bytes over 48, a little under the
    /// shortest row of a canonical activity table (an id, an employee, a time and a number);
    /// the rows an .xlsx sheet declares it spans (its `dimension`, read from the start of its
    /// XML). Only a hint: a file may claim anything, and the caller bounds what it reserves.
    pub fn rows_hint(&self, table: Table) -> Option<usize> {
        if let Source::Workbook { book, .. } = self {
            let sheet = self.sheet_name(table.name())?;
            let mut book = book.borrow_mut();
            let Some(Sheets::Xlsx(xlsx)) = book.as_deref_mut() else {
                return None;
            };
            let declared = xlsx.worksheet_cells_reader(&sheet).ok()?.dimensions();
            return Some(declared.end.0.saturating_sub(declared.start.0) as usize + 1);
        }
        let files = self.csv_files(table.name());
        if files.is_empty() {
            return None;
        }
        let bytes: u64 = files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        Some(usize::try_from(bytes / 48).unwrap_or(usize::MAX))
    }

    /// Whether a sheet or CSV file of this name exists (a CRM export's own table names, such as
    /// `crm_deal`, are read through a mapping by name).
    pub fn has_named(&self, name: &str) -> bool {
        self.sheet_name(name).is_some() || self.csv_file(name).is_some()
    }

    /// The names of the tables the source holds: its sheets, or its CSV files' stems.
    pub fn names(&self) -> Vec<String> {
        match self {
            Source::Workbook { sheets, .. } => sheets.clone(),
            Source::CsvFolder { files, .. } => files
                .iter()
                .filter_map(|f| f.file_stem().map(|s| s.to_string_lossy().to_string()))
                .collect(),
        }
    }

    /// Two sheets or files that both name the table: an error naming both.
    fn ambiguity(&self, name: &str) -> Option<Problem> {
        let (what, names): (&str, Vec<String>) = match self {
            Source::Workbook { .. } => (
                "sheets",
                self.sheet_names(name)
                    .iter()
                    .map(|s| format!("{s:?}"))
                    .collect(),
            ),
            Source::CsvFolder { .. } => (
                "files",
                self.csv_files(name)
                    .iter()
                    .map(|p| {
                        let name = p.file_name().unwrap_or_default().to_string_lossy();
                        format!("{name:?}")
                    })
                    .collect(),
            ),
        };
        (names.len() > 1).then(|| {
            Problem::new(
                self.path().display().to_string(),
                format!(
                    "the {what} {} all name the table {:?} (names are compared ignoring case and \
                     surrounding spaces); rename or remove all but one",
                    names.join(" and "),
                    name.trim()
                ),
            )
        })
    }

    /// How the user names the table's location: `data.xlsx: sheet "deals"` or `data/deals.csv`.
    pub fn place(&self, table: Table) -> String {
        self.place_named(table.name())
    }

    /// [`Source::place`] of a table by its name.
    pub fn place_named(&self, name: &str) -> String {
        match self {
            Source::Workbook { path, .. } => format!(
                "{}: sheet {:?}",
                path.display(),
                self.sheet_name(name)
                    .unwrap_or_else(|| name.trim().to_string())
            ),
            Source::CsvFolder { path, .. } => self
                .csv_file(name)
                .unwrap_or_else(|| path.join(format!("{}.csv", name.trim())))
                .display()
                .to_string(),
        }
    }

    /// Visits every non-blank row of the table, the header row included. The callback's flag
    /// says whether numbers may use a decimal comma (a `;`-delimited CSV file).
    ///
    /// Returns the problems of rows that were not visited (a CSV line with the wrong number of
    /// fields or broken bytes), or the one problem that stopped the reading.
    pub fn read_rows(
        &self,
        table: Table,
        visit: &mut dyn FnMut(Row<'_>, bool),
    ) -> Result<Vec<Problem>, Problem> {
        self.read_named(table.name(), visit)
    }

    /// [`Source::read_rows`] of several tables whose rows do not depend on each other's, each
    /// row visited with the index of its table in `tables`. From an .xlsx workbook, with two
    /// threads or more, the sheets are parsed in two lanes at once: the largest sheet on one
    /// thread, the others in turn on another, each from its own archive of the file and all
    /// sharing the workbook's strings; this thread makes every cell into values and rows, as
    /// they come. A table's rows come in order and each table ends as it does when read alone
    /// (its rows, then the problem that stopped it, if any), so a caller that keeps each
    /// table's state apart gets the same results, and the same problems in the same order,
    /// as from reading them one after the other, which is what every other source does.
    pub fn read_rows_of(
        &self,
        tables: &[Table],
        visit: &mut dyn FnMut(usize, Option<Row<'_>>, bool),
    ) -> Vec<Result<Vec<Problem>, Problem>> {
        let Source::Workbook { book, again, .. } = self else {
            return one_by_one(self, tables, visit);
        };
        if tables.len() < 2 || threads() < 2 {
            return one_by_one(self, tables, visit);
        }
        let again = again.borrow();
        let mut book = book.borrow_mut();
        let (Some(file), Some(Sheets::Xlsx(xlsx))) = (again.as_ref(), book.as_deref_mut()) else {
            drop((again, book));
            return one_by_one(self, tables, visit);
        };
        // Each table's sheet and place, or the problem that keeps it from being read at all.
        let mut results: Vec<Option<Result<Vec<Problem>, Problem>>> = vec![None; tables.len()];
        let mut jobs: Vec<SheetJob> = Vec::new();
        for (k, t) in tables.iter().enumerate() {
            let place = self.place_named(t.name());
            if let Some(p) = self.ambiguity(t.name()) {
                results[k] = Some(Err(p));
            } else if let Some(sheet) = self.sheet_name(t.name()) {
                let rows = xlsx
                    .worksheet_cells_reader(&sheet)
                    .map_or(0, |r| r.dimensions().len());
                jobs.push(SheetJob {
                    table: k,
                    sheet,
                    place,
                    rows,
                });
            } else {
                results[k] = Some(Err(Problem::new(&place, "the sheet is missing")));
            }
        }
        // An archive per sheet: a sheet's cells borrow the archive they are read from. One
        // sheet to read, or no second archive, is the plain reading (which words the problems
        // above the same way).
        let archives: Option<Vec<Archive<'_>>> = (jobs.len() >= 2)
            .then(|| jobs.iter().map(|_| second_archive(file)).collect())
            .flatten();
        let Some(mut archives) = archives else {
            drop((again, book));
            return one_by_one(self, tables, visit);
        };
        for (k, result) in read_xlsx_lanes(xlsx, &mut archives, &jobs, visit) {
            results[k] = Some(result.map(|()| Vec::new()));
        }
        results
            .into_iter()
            .enumerate()
            .map(|(k, r)| {
                // The lanes' tables are told their end as they end; the others' are told here.
                if !jobs.iter().any(|j| j.table == k) {
                    visit(k, None, false);
                }
                r.unwrap_or_else(|| Ok(Vec::new()))
            })
            .collect()
    }

    /// [`Source::read_rows`] of a table by its name.
    pub fn read_named(
        &self,
        name: &str,
        visit: &mut dyn FnMut(Row<'_>, bool),
    ) -> Result<Vec<Problem>, Problem> {
        self.read_visiting(name, Visit::One(visit))
    }

    /// On how many lanes at once [`Source::read_rows_split`] reads the table: a CSV file of at
    /// least [`SPLIT_BYTES`], with two threads or more, on every thread (at most 8); else 1.
    pub fn lanes(&self, table: Table) -> usize {
        let Source::CsvFolder { .. } = self else {
            return 1;
        };
        let large = self
            .csv_file(table.name())
            .and_then(|f| std::fs::metadata(f).ok())
            .is_some_and(|m| m.len() >= SPLIT_BYTES);
        if large && self.ambiguity(table.name()).is_none() {
            threads().min(8)
        } else {
            1
        }
    }

    /// [`Source::read_rows`] on [`Source::lanes`] visitors at once (see [`read_split`]).
    pub fn read_rows_split(
        &self,
        table: Table,
        lanes: &mut [&mut Lane<'_>],
    ) -> Result<Vec<Problem>, Problem> {
        if lanes.len() < 2 || self.lanes(table) < 2 {
            return Err(Problem::new(
                self.place(table),
                "this table is not read in lanes; this is a bug",
            ));
        }
        self.read_visiting(table.name(), Visit::Lanes(lanes))
    }

    fn read_visiting(&self, name: &str, visit: Visit<'_, '_, '_>) -> Result<Vec<Problem>, Problem> {
        if let Some(p) = self.ambiguity(name) {
            return Err(p);
        }
        let place = self.place_named(name);
        match self {
            Source::Workbook { book, .. } => {
                let sheet = self
                    .sheet_name(name)
                    .ok_or_else(|| Problem::new(&place, "the sheet is missing"))?;
                let mut book = book.borrow_mut();
                let Some(book) = book.as_deref_mut() else {
                    return Err(Problem::new(
                        &place,
                        "the workbook was closed when its reading was over; this is a bug",
                    ));
                };
                let Visit::One(visit) = visit else {
                    return Err(Problem::new(
                        &place,
                        "a sheet is not read in lanes; this is a bug",
                    ));
                };
                match book {
                    Sheets::Xlsx(xlsx) => read_xlsx(xlsx, &sheet, &place, visit),
                    other => read_with(|sink| read_range(other, &sheet, &place, sink), visit),
                }
                .map(|()| Vec::new())
            }
            Source::CsvFolder {
                encodings,
                digests,
                ahead,
                ..
            } => {
                let file = self
                    .csv_file(name)
                    .ok_or_else(|| Problem::new(&place, "the file is missing"))?;
                let ahead = ahead.borrow_mut().remove(&file);
                let produce = |sink: &mut Sink<'_>| read_csv_into(&file, &place, ahead, sink);
                let (problems, encoding, digest) = match visit {
                    Visit::One(visit) => read_with(produce, visit),
                    Visit::Lanes(lanes) => read_split(produce, lanes),
                }?;
                let mut encodings = encodings.borrow_mut();
                encodings.retain(|(t, _)| t != name);
                encodings.push((name.to_string(), encoding));
                let mut digests = digests.borrow_mut();
                digests.retain(|(f, _)| *f != file);
                digests.push((file, digest));
                Ok(problems)
            }
        }
    }
}

/// How a table's rows are visited: by one visitor on this thread, or on lanes.
enum Visit<'v, 'r, 'l> {
    One(&'v mut dyn FnMut(Row<'_>, bool)),
    Lanes(&'v mut [&'r mut Lane<'l>]),
}

/// A text cell, or a description of it when it is longer than a cell can hold.
fn text_cell(s: impl Into<crate::data::value::Text>) -> RawCell {
    let s = s.into();
    if s.len() > limits::CELL_CHARS {
        let n = s.chars().count();
        if n > limits::CELL_CHARS {
            return RawCell::Invalid(format!(
                "the text {} is longer than the {} characters a cell can hold",
                quote(&s),
                grouped(limits::CELL_CHARS as u64)
            ));
        }
    }
    RawCell::Text(s)
}

fn cell_from_ref(value: DataRef<'_>, formula: Option<String>) -> RawCell {
    match value {
        DataRef::Empty => match formula {
            // A formula with no cached result: its text is what the cell holds for us. This is
            // how a text that merely looks like a formula (`=HYPERLINK(...)`) arrives.
            Some(f) if !f.is_empty() => text_cell(format!("={f}")),
            _ => RawCell::Empty,
        },
        DataRef::Int(i) => RawCell::Number(i.into()),
        DataRef::Float(f) => number_cell(f),
        DataRef::String(s) => text_cell(s),
        DataRef::SharedString(s) => text_cell(s),
        DataRef::Bool(b) => RawCell::Bool(b),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(d) => RawCell::DateTime(d),
            None => RawCell::Invalid(format!(
                "the date serial number {} is not a date a calendar can hold",
                dt.as_f64()
            )),
        },
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => text_cell(s),
        DataRef::Error(e) => RawCell::Error(e.to_string()),
    }
}

fn cell_from_data(value: &Data) -> RawCell {
    match value {
        Data::Empty => RawCell::Empty,
        Data::Int(i) => RawCell::Number((*i).into()),
        Data::Float(f) => number_cell(*f),
        Data::String(s) => text_cell(s.clone()),
        Data::Bool(b) => RawCell::Bool(*b),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(d) => RawCell::DateTime(d),
            None => RawCell::Invalid(format!(
                "the date serial number {} is not a date a calendar can hold",
                dt.as_f64()
            )),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => text_cell(s.clone()),
        Data::Error(e) => RawCell::Error(e.to_string()),
    }
}

fn number_cell(f: f64) -> RawCell {
    match decimal_from_spreadsheet_number(f) {
        Some(d) => RawCell::Number(d),
        None if !f.is_finite() => {
            RawCell::Invalid(format!("the number {f} is not a finite number"))
        }
        None => RawCell::Invalid(format!(
            "the number {f:e} is too large; a number has at most 28 digits"
        )),
    }
}

fn emit(number: usize, cells: &mut Vec<RawCell>, sink: &mut Sink<'_>) {
    if cells.iter().any(|c| !c.is_empty()) {
        sink(number, cells, false);
    }
    cells.clear();
}

/// Where a reader hands each row over: its number as the user sees it, its cells (taken or
/// cleared: the vector is empty on return) and whether numbers may use a decimal comma.
type Sink<'s> = dyn FnMut(usize, &mut Vec<RawCell>, bool) + 's;

/// How many threads reading may use: the command's setting ([`crate::threads::threads`]).
pub fn threads() -> usize {
    crate::threads::threads()
}

/// Rows on their way from the reading thread to the one that visits them.
#[derive(Default)]
struct Batch {
    cells: Vec<RawCell>,
    /// Per row: its number, where its cells end in `cells`, its decimal-comma flag.
    rows: Vec<(usize, usize, bool)>,
    /// About how much memory the cells hold, to bound a batch of wide or long rows.
    bytes: usize,
}

/// A batch is handed over at this many rows or bytes (or at one row, if a row is larger),
/// and at most this many wait to be visited: what the pipeline holds stays near 8 MB.
const BATCH_ROWS: usize = 2048;
const BATCH_BYTES: usize = 1 << 20;
const BATCHES_WAITING: usize = 4;

fn cell_bytes(cell: &RawCell) -> usize {
    std::mem::size_of::<RawCell>()
        + match cell {
            RawCell::Text(t) => t.len(),
            RawCell::Error(t) | RawCell::Invalid(t) | RawCell::Refused(t) => t.len(),
            _ => 0,
        }
}

/// A workbook's sha256: still being hashed, or taken (none when it could not be read: then the
/// run's hashing reads the file itself and says why it cannot).
#[derive(Debug)]
pub enum Digest {
    Hashing(std::sync::mpsc::Receiver<Option<String>>),
    Taken(Option<String>),
}

/// A [`Sink`] that visits each row as the reader hands it over, on the reader's thread.
fn serially<'v>(
    visit: &'v mut dyn FnMut(Row<'_>, bool),
) -> impl FnMut(usize, &mut Vec<RawCell>, bool) + 'v {
    move |number, cells, decimal_comma| {
        visit(
            Row {
                locate: None,
                number,
                cells,
            },
            decimal_comma,
        );
        cells.clear();
    }
}

/// Runs a reader (`produce`) on this thread, sending its rows on in batches (`full`); the
/// batches visited come back (`empty`) to be reused.
fn produce_batches<T>(
    produce: impl FnOnce(&mut Sink<'_>) -> Result<T, Problem>,
    full: std::sync::mpsc::SyncSender<Batch>,
    empty: std::sync::mpsc::Receiver<Batch>,
) -> Result<T, Problem> {
    let mut batch = Batch::default();
    // False once the visiting side has stopped (it panicked): the rest is dropped.
    let mut open = true;
    let result = produce(&mut |number, cells, decimal_comma| {
        if !open {
            cells.clear();
            return;
        }
        batch.bytes += cells.iter().map(cell_bytes).sum::<usize>();
        batch.cells.append(cells);
        batch.rows.push((number, batch.cells.len(), decimal_comma));
        if batch.rows.len() >= BATCH_ROWS || batch.bytes >= BATCH_BYTES {
            // A visited batch comes back with its cells: they are freed here, on the
            // thread that allocated them, where freeing is cheap.
            let mut next: Batch = empty.try_recv().unwrap_or_else(|_| Batch {
                // Sized like the one just filled: grown a cell at a time, a batch was
                // reallocated a dozen times, each time on fresh pages.
                cells: Vec::with_capacity(batch.cells.len()),
                rows: Vec::with_capacity(batch.rows.len()),
                bytes: 0,
            });
            next.cells.clear();
            next.rows.clear();
            next.bytes = 0;
            open = full.send(std::mem::replace(&mut batch, next)).is_ok();
        }
    });
    if open && !batch.rows.is_empty() {
        let _ = full.send(batch);
    }
    result
}

/// Runs a reader (`produce`, which hands its rows to a [`Sink`]) and visits its rows in
/// order. With two threads or more the reader runs on a thread of its own (unpacking and
/// parsing XML, decoding and splitting CSV) while this one types, checks and aggregates the
/// rows it has handed over: the same rows in the same order, then the reader's result, exactly
/// as when it runs serially, so the outputs are the same bytes.
fn read_with<T: Send>(
    produce: impl FnOnce(&mut Sink<'_>) -> Result<T, Problem> + Send,
    visit: &mut dyn FnMut(Row<'_>, bool),
) -> Result<T, Problem> {
    if threads() < 2 {
        return produce(&mut serially(visit));
    }
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Batch>(BATCHES_WAITING);
    let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Batch>();
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || produce_batches(produce, full_tx, empty_rx));
        for batch in full_rx.iter() {
            visit_batch(&batch, visit);
            let _ = empty_tx.send(batch);
        }
        match reader.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// A visitor of rows that may run on a thread of its own (see [`read_split`]).
pub type Lane<'l> = dyn FnMut(Row<'_>, bool) + Send + 'l;

/// Visits a batch's rows in order.
fn visit_batch(batch: &Batch, visit: &mut dyn FnMut(Row<'_>, bool)) {
    let mut start = 0;
    for &(number, end, decimal_comma) in &batch.rows {
        visit(
            Row {
                locate: None,
                number,
                cells: &batch.cells[start..end],
            },
            decimal_comma,
        );
        start = end;
    }
}

/// A CSV file at least this large is read on several lanes ([`Source::lanes`]): below it, the
/// threads would cost more than they save.
const SPLIT_BYTES: u64 = 128 << 10;

/// [`read_with`] on several visitors at once: the reader runs on a thread of its own and hands
/// its batches to whichever lane is free, the first lane on this thread, the others on threads
/// of their own. Every lane visits the first row (the header), then the batches it takes, so
/// each lane sees a share of the rows, in order; which rows a lane gets depends on the timing,
/// so what the lanes make of them must not depend on it (see `crate::data::read_table_split`).
fn read_split<T: Send>(
    produce: impl FnOnce(&mut Sink<'_>) -> Result<T, Problem> + Send,
    lanes: &mut [&mut Lane<'_>],
) -> Result<T, Problem> {
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Batch>(BATCHES_WAITING);
    let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Batch>();
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || produce_batches(produce, full_tx, empty_rx));
        // Each lane holds the batches' receiver: once every lane has ended (or panicked), it is
        // dropped, and the reader stops instead of waiting for a lane to take its next batch.
        let full: Full = std::sync::Arc::new(std::sync::Mutex::new(full_rx));
        let first = next_batch(&full);
        let header: Option<(usize, Vec<RawCell>, bool)> = first.as_ref().and_then(|b| {
            let &(number, end, decimal_comma) = b.rows.first()?;
            Some((number, b.cells[..end].to_vec(), decimal_comma))
        });
        let Some((lane, others)) = lanes.split_first_mut() else {
            drop(full);
            return reader
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
        };
        let workers: Vec<_> = others
            .iter_mut()
            .map(|other| {
                let (full, empty, header) = (full.clone(), empty_tx.clone(), header.clone());
                scope.spawn(move || {
                    if let Some((number, cells, decimal_comma)) = header {
                        other(
                            Row {
                                locate: None,
                                number,
                                cells: &cells,
                            },
                            decimal_comma,
                        );
                    }
                    take_batches(full, &mut **other, &empty);
                })
            })
            .collect();
        if let Some(batch) = first {
            visit_batch(&batch, &mut **lane);
            let _ = empty_tx.send(batch);
        }
        take_batches(full, &mut **lane, &empty_tx);
        for worker in workers {
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
        }
        reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// The batches' receiver, shared by the lanes of [`read_split`].
type Full = std::sync::Arc<std::sync::Mutex<std::sync::mpsc::Receiver<Batch>>>;

/// The next batch for a lane; one lane waits for it at a time. A lane that panicked leaves the
/// lock poisoned, which the others read through.
fn next_batch(full: &Full) -> Option<Batch> {
    full.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .recv()
        .ok()
}

/// Visits batches on a lane until the reader has sent its last, sending each back to be
/// reused; the lane's hold on the receiver ends with it.
fn take_batches(full: Full, lane: &mut Lane<'_>, empty: &std::sync::mpsc::Sender<Batch>) {
    while let Some(batch) = next_batch(&full) {
        visit_batch(&batch, lane);
        let _ = empty.send(batch);
    }
}

/// The spreadsheet name of a 0-based column: 0 is A, 16 383 is XFD.
pub fn column_letters(mut col: u64) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Checks a cell's position (0-based) against the sheet limits.
fn check_position(place: &str, row: u64, col: u64) -> Result<(), Problem> {
    if row >= limits::ROWS {
        return Err(Problem::new(
            format!("{place}, row {}", grouped(row + 1)),
            format!(
                "a cell in row {} is beyond the last row a sheet can have ({})",
                grouped(row + 1),
                grouped(limits::ROWS)
            ),
        ));
    }
    if col >= limits::COLUMNS {
        return Err(Problem::new(
            format!("{place}, row {}", row + 1),
            format!(
                "a cell in column {} ({}) is beyond the last column a sheet can have ({}, XFD)",
                grouped(col + 1),
                column_letters(col),
                grouped(limits::COLUMNS)
            ),
        ));
    }
    Ok(())
}

fn too_many_cells(place: &str) -> Problem {
    Problem::new(
        place,
        format!(
            "the sheet has more than {} non-empty cells, against the limit of {}",
            grouped(limits::CELLS),
            grouped(limits::CELLS)
        ),
    )
}

/// The cells of an .xlsx sheet as calamine hands them over, checked and gathered into rows.
struct SheetRows<'p> {
    place: &'p str,
    cells: Vec<RawCell>,
    current: Option<u32>,
    last_col: Option<u32>,
    count: u64,
}

impl<'p> SheetRows<'p> {
    fn new(place: &'p str) -> Self {
        SheetRows {
            place,
            cells: Vec::new(),
            current: None,
            last_col: None,
            count: 0,
        }
    }

    /// Takes the next cell in the sheet's order; hands the row before it over when it starts
    /// a new row.
    fn cell(
        &mut self,
        (row, col): (u32, u32),
        value: DataRef<'_>,
        formula: Option<String>,
        visit: &mut Sink<'_>,
    ) -> Result<(), Problem> {
        let place = self.place;
        check_position(place, row.into(), col.into())?;
        let raw = cell_from_ref(value, formula);
        if raw.is_empty() {
            return Ok(());
        }
        self.count += 1;
        if self.count > limits::CELLS {
            return Err(too_many_cells(place));
        }
        // A worksheet lists its rows, and the cells of a row, in ascending order (Excel refuses
        // a file that does not). A cell before the one read last is a damaged or forged file,
        // such as a reference past 32 bits that the reader wrapped round: never read it as
        // another row's value.
        let out_of_order = match self.current {
            Some(r) => row < r || (row == r && self.last_col.is_some_and(|c| col <= c)),
            None => false,
        };
        if out_of_order {
            return Err(Problem::new(
                place,
                format!(
                    "the cell {}{} comes after {}{} in the sheet's XML, but cells must be in row and \
                     column order; the file is damaged or was not written by a spreadsheet program",
                    column_letters(u64::from(col)),
                    u64::from(row) + 1,
                    column_letters(u64::from(self.last_col.unwrap_or(0))),
                    u64::from(self.current.unwrap_or(0)) + 1
                ),
            ));
        }
        self.last_col = Some(col);
        if self.current != Some(row) {
            if let Some(r) = self.current {
                emit(r as usize + 1, &mut self.cells, visit);
            }
            self.current = Some(row);
        }
        let col = col as usize;
        if self.cells.len() <= col {
            self.cells.resize(col + 1, RawCell::Empty);
        }
        self.cells[col] = raw;
        Ok(())
    }

    /// Hands the last row over.
    fn finish(mut self, visit: &mut Sink<'_>) {
        if let Some(r) = self.current {
            emit(r as usize + 1, &mut self.cells, visit);
        }
    }
}

/// A problem calamine met reading an .xlsx sheet, in the user's words.
fn xlsx_problem(place: &str, e: calamine::XlsxError) -> Problem {
    let e = e.to_string();
    if e.contains("larger than its declared uncompressed size") {
        // zip stops an entry at its declared size: the directory lied about it.
        Problem::new(
            place,
            "cannot read the sheet: its part unpacks to more than the workbook's directory \
             declares (the file is damaged, or built to exhaust memory)",
        )
    } else {
        Problem::new(place, format!("cannot read the sheet: {e}"))
    }
}

/// An .xlsx sheet calamine cannot start reading.
fn cannot_open(place: &str, e: calamine::XlsxError) -> Problem {
    Problem::new(place, format!("cannot read the sheet: {e}"))
}

pub(super) type Xlsx = calamine::Xlsx<BufReader<File>>;

/// Streams an .xlsx/.xlsm sheet cell by cell; memory stays flat whatever the sheet's size.
/// With two threads or more, calamine's unpacking and parsing (most of the work: the floor)
/// runs on a thread of its own and hands its cells over as they are, borrowing the workbook's
/// shared strings; this thread makes them into values and rows and visits them. The rows and
/// the problem that stops the reading are the same either way.
fn read_xlsx(
    workbook: &mut Xlsx,
    sheet: &str,
    place: &str,
    visit: &mut dyn FnMut(Row<'_>, bool),
) -> Result<(), Problem> {
    if threads() < 2 {
        return read_xlsx_streaming(workbook, sheet, place, &mut serially(visit));
    }
    read_xlsx_handed_over(workbook, sheet, place, &mut serially(visit))
}

fn read_xlsx_streaming(
    workbook: &mut Xlsx,
    sheet: &str,
    place: &str,
    visit: &mut Sink<'_>,
) -> Result<(), Problem> {
    let mut reader = workbook
        .worksheet_cells_reader(sheet)
        .map_err(|e| cannot_open(place, e))?;
    let mut rows = SheetRows::new(place);
    while let Some(cell) = reader
        .next_cell_with_formula()
        .map_err(|e| xlsx_problem(place, e))?
    {
        rows.cell(cell.pos, cell.value, cell.formula, visit)?;
    }
    rows.finish(visit);
    Ok(())
}

/// Cells on their way from calamine's thread, as calamine gives them.
pub(super) type Cells<'x> = Vec<calamine::XlsxCellFormula<'x>>;

/// A batch of cells is handed over at this many cells, or at [`BATCH_BYTES`] of the strings
/// it owns (and at most [`BATCHES_WAITING`] wait).
const BATCH_CELLS: usize = 16 << 10;

/// Whether a cell holds nothing (no value, no formula) at a place within the sheet's limits:
/// [`SheetRows::cell`] would skip it.
pub(super) fn nothing_within_limits(place: &str, cell: &calamine::XlsxCellFormula<'_>) -> bool {
    let (row, col) = cell.pos;
    matches!(cell.value, DataRef::Empty)
        && cell.formula.as_ref().is_none_or(String::is_empty)
        && check_position(place, row.into(), col.into()).is_ok()
}

/// The bytes of the strings a cell owns.
fn owned_bytes(cell: &calamine::XlsxCellFormula<'_>) -> usize {
    let value = match &cell.value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.len(),
        _ => 0,
    };
    value + cell.formula.as_ref().map_or(0, String::len)
}

/// Cells gathered on a parsing thread into the batches it hands over: at most [`BATCH_CELLS`]
/// cells, or [`BATCH_BYTES`] of the strings they own (a shared string is borrowed), so that a
/// sheet of long inline texts is handed over in bounded batches too.
struct Batching<'x> {
    batch: Cells<'x>,
    bytes: usize,
}

impl<'x> Batching<'x> {
    fn new() -> Self {
        Batching {
            batch: Vec::with_capacity(BATCH_CELLS),
            bytes: 0,
        }
    }

    /// Adds a cell; returns the batch to hand over when it is full. A batch taken comes back
    /// empty through `empties`, to be filled again.
    fn push(
        &mut self,
        cell: calamine::XlsxCellFormula<'x>,
        empties: &std::sync::mpsc::Receiver<Cells<'x>>,
    ) -> Option<Cells<'x>> {
        self.bytes += owned_bytes(&cell);
        self.batch.push(cell);
        if self.batch.len() < BATCH_CELLS && self.bytes < BATCH_BYTES {
            return None;
        }
        self.bytes = 0;
        let next = empties.try_recv().unwrap_or_default();
        Some(std::mem::replace(&mut self.batch, next))
    }

    /// The cells not handed over yet, if any.
    fn rest(self) -> Option<Cells<'x>> {
        (!self.batch.is_empty()).then_some(self.batch)
    }
}

enum Handed<'x> {
    Cells(Cells<'x>),
    /// The problem that stopped calamine; nothing comes after it.
    Stopped(Problem),
}

fn read_xlsx_handed_over<'x>(
    workbook: &'x mut Xlsx,
    sheet: &str,
    place: &str,
    visit: &mut Sink<'_>,
) -> Result<(), Problem> {
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Handed<'x>>(BATCHES_WAITING);
    let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Cells<'x>>();
    std::thread::scope(|scope| {
        let parser = scope.spawn(move || {
            let mut reader = match workbook.worksheet_cells_reader(sheet) {
                Ok(reader) => reader,
                Err(e) => {
                    let _ = full_tx.send(Handed::Stopped(cannot_open(place, e)));
                    return;
                }
            };
            let mut batch = Batching::new();
            loop {
                match reader.next_cell_with_formula() {
                    // A cell without a value, within the sheet's limits, is nothing to hand
                    // over: the taking side would check its place and skip it.
                    Ok(Some(cell)) if nothing_within_limits(place, &cell) => {}
                    Ok(Some(cell)) => {
                        if let Some(full) = batch.push(cell, &empty_rx)
                            && full_tx.send(Handed::Cells(full)).is_err()
                        {
                            return; // the taking side stopped: a problem, or a panic
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        if let Some(rest) = batch.rest()
                            && full_tx.send(Handed::Cells(rest)).is_err()
                        {
                            return;
                        }
                        let _ = full_tx.send(Handed::Stopped(xlsx_problem(place, e)));
                        return;
                    }
                }
            }
            if let Some(rest) = batch.rest() {
                let _ = full_tx.send(Handed::Cells(rest));
            }
        });
        let mut rows = SheetRows::new(place);
        let mut taken = || -> Result<(), Problem> {
            for handed in full_rx.iter() {
                match handed {
                    Handed::Cells(mut cells) => {
                        for cell in cells.drain(..) {
                            rows.cell(cell.pos, cell.value, cell.formula, visit)?;
                        }
                        let _ = empty_tx.send(cells);
                    }
                    Handed::Stopped(p) => return Err(p),
                }
            }
            Ok(())
        };
        let result = taken();
        // Stop the parser if it is still at work (a problem here), then wait for it.
        drop(full_rx);
        if let Err(panic) = parser.join() {
            std::panic::resume_unwind(panic);
        }
        result.map(|()| rows.finish(visit))
    })
}

/// [`TableSource::read_rows_of`] the plain way: each table read to its end in turn.
pub(super) fn one_by_one(
    source: &(impl super::TableSource + ?Sized),
    tables: &[Table],
    visit: &mut dyn FnMut(usize, Option<Row<'_>>, bool),
) -> Vec<Result<Vec<Problem>, Problem>> {
    tables
        .iter()
        .enumerate()
        .map(|(k, &t)| {
            let result = source.read_rows(t, &mut |row, dc| visit(k, Some(row), dc));
            visit(k, None, false);
            result
        })
        .collect()
}

/// A sheet to read in [`read_xlsx_lanes`]: the index of its table, its name, its place and the
/// rows its `dimension` declares (only to put the largest on a lane of its own).
struct SheetJob {
    table: usize,
    sheet: String,
    place: String,
    rows: u64,
}

/// A file read with positioned reads (`pread`): a reader of its own over an open file, which
/// shares no offset with the workbook's reader of the same file.
pub(super) struct At<'f> {
    file: &'f File,
    pos: u64,
    len: u64,
}

impl std::io::Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let n = self.file.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl std::io::Seek for At<'_> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let pos = match to {
            std::io::SeekFrom::Start(n) => Some(n),
            std::io::SeekFrom::End(d) => self.len.checked_add_signed(d),
            std::io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "a seek before the start")
        })?;
        Ok(self.pos)
    }
}

pub(super) type Archive<'f> = zip::ZipArchive<BufReader<At<'f>>>;

/// A second archive over the workbook's file, or None when it cannot be had (the reading
/// then goes one sheet after the other, as it always can).
pub(super) fn second_archive(file: &File) -> Option<Archive<'_>> {
    let len = file.metadata().ok()?.len();
    zip::ZipArchive::new(BufReader::new(At { file, pos: 0, len })).ok()
}

/// How [`parse_sheet`] ended.
pub(super) enum SheetEnd {
    /// The sheet's data ended: every cell was handed over.
    Done,
    /// The problem that stopped calamine; nothing more of the sheet comes.
    Stopped(Problem),
    /// The taking side has a problem with the sheet.
    Abandoned,
    /// The taking side is gone.
    Gone,
}

/// Parses `sheet`'s cells from `zip` and hands them over through `hand` in batches (the cells
/// holding nothing within the sheet's limits left out), `spare` giving the batches back: in
/// pieces on [`threads`] threads beside this one when `in_pieces` is the size of a piece and
/// the sheet is large enough, else (or from where a piece cannot be taken) by one reader.
/// The cells and the problem that stops the reading are one reader's either way.
pub(super) fn parse_sheet<'x>(
    xlsx: &'x Xlsx,
    zip: &'x mut Archive<'_>,
    sheet: &str,
    place: &str,
    in_pieces: Option<usize>,
    spare: &std::sync::mpsc::Receiver<Cells<'x>>,
    mut hand: impl FnMut(Cells<'x>) -> Flow,
) -> SheetEnd {
    let mut skip = 0;
    if let Some(piece_bytes) = in_pieces {
        let since = std::time::Instant::now();
        let read = super::pieces::read_in_pieces(
            xlsx,
            zip,
            sheet,
            place,
            super::pieces::Split {
                workers: threads(),
                piece_bytes,
            },
            spare,
            &mut hand,
        );
        match read {
            Pieces::Read { pieces } => {
                counted(sheet, "in pieces", since, pieces);
                return SheetEnd::Done;
            }
            Pieces::Stopped(Flow::Gone) => return SheetEnd::Gone,
            Pieces::Stopped(_) => return SheetEnd::Abandoned,
            Pieces::Whole { skip: 0, pieces: 0 } => {}
            Pieces::Whole { skip: n, pieces } => {
                counted(sheet, "in pieces, then whole", since, pieces);
                skip = n;
            }
        }
    }
    let mut reader = match xlsx.worksheet_cells_reader_in(zip, sheet) {
        Ok(reader) => reader,
        Err(e) => return SheetEnd::Stopped(cannot_open(place, e)),
    };
    let mut batch = Batching::new();
    let end = loop {
        match reader.next_cell_with_formula() {
            // Handed over from the pieces already.
            Ok(Some(_)) if skip > 0 => skip -= 1,
            Ok(Some(cell)) if nothing_within_limits(place, &cell) => {}
            Ok(Some(cell)) => {
                if let Some(full) = batch.push(cell, spare) {
                    match hand(full) {
                        Flow::Go => {}
                        Flow::Abandoned => break SheetEnd::Abandoned,
                        Flow::Gone => return SheetEnd::Gone,
                    }
                }
            }
            Ok(None) => break SheetEnd::Done,
            Err(e) => break SheetEnd::Stopped(xlsx_problem(place, e)),
        }
    };
    if let Some(rest) = batch.rest()
        && hand(rest) == Flow::Gone
    {
        return SheetEnd::Gone;
    }
    end
}

/// Opens an .xlsx workbook as `open_workbook_auto` does, its shared strings parsed in pieces
/// on every core when they are large enough ([`super::pieces::shared_strings_in_pieces`]):
/// the same workbook, or the same problem.
fn open_xlsx(path: &Path, file: &File) -> Result<Sheets<BufReader<File>>, calamine::Error> {
    let reader = File::open(path)
        .map(BufReader::new)
        .map_err(|e| calamine::Error::Xlsx(calamine::XlsxError::Io(e)))?;
    let split = super::pieces::Split {
        workers: threads(),
        piece_bytes: super::pieces::PIECE_BYTES,
    };
    let strings = |part: &str| {
        let since = std::time::Instant::now();
        let (strings, pieces) = super::pieces::shared_strings_in_pieces(file, part, split)?;
        crate::progress::record_counted("shared strings in pieces", since.elapsed(), pieces as u64);
        Some(strings)
    };
    calamine::Xlsx::new_with_shared_strings(reader, strings)
        .map(Sheets::Xlsx)
        .map_err(calamine::Error::Xlsx)
}

/// Records for `--timings` how a sheet was read (in how many pieces).
fn counted(sheet: &str, how: &str, since: std::time::Instant, pieces: usize) {
    let label = format!("sheet {} {how}", quote(sheet));
    crate::progress::record_counted(&label, since.elapsed(), pieces as u64);
}

/// What a lane's parser hands over, for the sheet of job `.0`.
enum Laned<'x> {
    Cells(usize, Cells<'x>),
    /// The problem that stopped calamine on the sheet; nothing more of it comes.
    Stopped(usize, Problem),
    /// The sheet is read to its end.
    Done(usize),
}

/// Reads the sheets of `jobs` in two lanes at once (see [`Source::read_rows_of`]): the
/// largest on one, the others in their order on the other, each parsed on a thread of its
/// own from its own archive, while this thread takes their cells as they come, keeps a
/// [`SheetRows`] per sheet and visits the rows. A sheet that fails on this side (a cell out of
/// order) is abandoned by its lane, which goes on with its next sheet. Returns each job's
/// table and its result.
fn read_xlsx_lanes<'x, 'f>(
    xlsx: &'x Xlsx,
    archives: &'x mut [Archive<'f>],
    jobs: &[SheetJob],
    visit: &mut dyn FnMut(usize, Option<Row<'_>>, bool),
) -> Vec<(usize, Result<(), Problem>)> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let largest = (0..jobs.len())
        .max_by_key(|&j| (jobs[j].rows, std::cmp::Reverse(j)))
        .unwrap_or(0);
    // Each lane's jobs with the archive each sheet is read from.
    let mut lanes: [Vec<(usize, &'x mut Archive<'f>)>; 2] = [Vec::new(), Vec::new()];
    for (j, zip) in archives.iter_mut().enumerate() {
        lanes[usize::from(j != largest)].push((j, zip));
    }
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Laned<'x>>(BATCHES_WAITING);
    // Per lane: the job (plus one) its sheet was abandoned at by the taking side, 0 for none.
    let abandoned = [AtomicUsize::new(0), AtomicUsize::new(0)];
    let mut results: Vec<Option<Result<(), Problem>>> = (0..jobs.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let mut empties = Vec::new();
        for (lane, own) in lanes.into_iter().zip(&abandoned) {
            let full_tx = full_tx.clone();
            let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Cells<'x>>();
            empties.push(empty_tx);
            scope.spawn(move || {
                for (j, zip) in lane {
                    let place = jobs[j].place.as_str();
                    let hand = |cells: Cells<'x>| {
                        if full_tx.send(Laned::Cells(j, cells)).is_err() {
                            Flow::Gone
                        } else if own.load(Ordering::Relaxed) == j + 1 {
                            Flow::Abandoned // the taking side has a problem with it
                        } else {
                            Flow::Go
                        }
                    };
                    // The largest sheet is parsed in pieces on the other threads as well.
                    let in_pieces = (j == largest).then_some(super::pieces::PIECE_BYTES);
                    let sheet = &jobs[j].sheet;
                    let end = match parse_sheet(xlsx, zip, sheet, place, in_pieces, &empty_rx, hand)
                    {
                        SheetEnd::Done => Laned::Done(j),
                        SheetEnd::Stopped(p) => Laned::Stopped(j, p),
                        SheetEnd::Abandoned => continue,
                        SheetEnd::Gone => return,
                    };
                    if full_tx.send(end).is_err() {
                        return;
                    }
                }
            });
        }
        drop(full_tx);
        let lane_of = |j: usize| usize::from(j != largest);
        let mut rows: Vec<SheetRows<'_>> =
            jobs.iter().map(|job| SheetRows::new(&job.place)).collect();
        for laned in full_rx.iter() {
            match laned {
                Laned::Cells(j, mut cells) => {
                    if results[j].is_none() {
                        let k = jobs[j].table;
                        let mut to_table = |row: Row<'_>, dc: bool| visit(k, Some(row), dc);
                        let mut sink = serially(&mut to_table);
                        let mut failed = None;
                        for cell in cells.drain(..) {
                            if let Err(p) =
                                rows[j].cell(cell.pos, cell.value, cell.formula, &mut sink)
                            {
                                failed = Some(p);
                                break;
                            }
                        }
                        drop(sink);
                        if let Some(p) = failed {
                            results[j] = Some(Err(p));
                            abandoned[lane_of(j)].store(j + 1, Ordering::Relaxed);
                            visit(k, None, false);
                        }
                    }
                    cells.clear();
                    let _ = empties[lane_of(j)].send(cells);
                }
                Laned::Stopped(j, p) => {
                    if results[j].is_none() {
                        results[j] = Some(Err(p));
                        visit(jobs[j].table, None, false);
                    }
                }
                Laned::Done(j) => {
                    if results[j].is_none() {
                        let k = jobs[j].table;
                        let mut to_table = |row: Row<'_>, dc: bool| visit(k, Some(row), dc);
                        let done = std::mem::replace(&mut rows[j], SheetRows::new(""));
                        done.finish(&mut serially(&mut to_table));
                        results[j] = Some(Ok(()));
                        visit(k, None, false);
                    }
                }
            }
        }
    });
    jobs.iter()
        .zip(results)
        .map(|(job, r)| (job.table, r.unwrap_or(Ok(()))))
        .collect()
}

/// Reads an .xls or .ods sheet through calamine's in-memory range.
fn read_range(
    workbook: &mut Sheets<BufReader<File>>,
    sheet: &str,
    place: &str,
    visit: &mut Sink<'_>,
) -> Result<(), Problem> {
    let range = workbook
        .worksheet_range(sheet)
        .map_err(|e| Problem::new(place, format!("cannot read the sheet: {e}")))?;
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    if let Some((last_row, last_col)) = range.end() {
        check_position(place, last_row.into(), last_col.into())?;
    }
    let mut cells: Vec<RawCell> = Vec::new();
    let mut count: u64 = 0;
    for (i, row) in range.rows().enumerate() {
        cells.resize(first_col as usize, RawCell::Empty);
        cells.extend(row.iter().map(cell_from_data));
        count += cells.iter().filter(|c| !c.is_empty()).count() as u64;
        if count > limits::CELLS {
            return Err(too_many_cells(place));
        }
        emit(first_row as usize + i + 1, &mut cells, visit);
    }
    Ok(())
}

/// Picks `;` or `,` by counting both, outside quotes, in the header line.
fn detect_delimiter(bytes: &[u8]) -> u8 {
    let line_end = bytes
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .unwrap_or(bytes.len());
    let (mut semi, mut comma, mut quoted) = (0, 0, false);
    for &b in &bytes[..line_end] {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => semi += 1,
            b',' if !quoted => comma += 1,
            _ => {}
        }
    }
    if semi > comma { b';' } else { b',' }
}

/// Opens a CSV file for reading, refusing anything but a regular file and a file above `limit`.
fn open_limited(file: &Path, place: &str, limit: u64) -> Result<File, Problem> {
    let meta = std::fs::metadata(file)
        .map_err(|e| Problem::new(place, format!("cannot read the file: {e}")))?;
    if let Some(what) = not_a_file(&meta) {
        return Err(Problem::new(
            place,
            format!("this is {what}, not a file; expected a CSV file"),
        ));
    }
    if meta.len() > limit {
        return Err(too_large(place, meta.len(), limit));
    }
    File::open(file).map_err(|e| Problem::new(place, format!("cannot read the file: {e}")))
}

fn too_large(place: &str, size: u64, limit: u64) -> Problem {
    Problem::new(
        place,
        format!(
            "the file is {}, against the limit of {} for one CSV file",
            bytes(size),
            bytes(limit)
        ),
    )
}

/// A CSV file's bytes as they stream past, remembering where each run of line-end bytes (CR
/// and LF) starts and how many lines it ends — LF, CRLF and a lone CR (old Mac files) each end
/// one — so that a record's position becomes the line number the user sees without the file
/// being held.
struct Lines<R: Read> {
    inner: R,
    /// Bytes passed so far.
    at: u64,
    /// Runs of CR/LF not yet passed by a record: (first byte, lines ended).
    runs: std::collections::VecDeque<(u64, usize)>,
    /// The last byte seen was a CR (a CRLF may be split across two reads).
    after_cr: bool,
    /// The last byte seen ended a run still open.
    in_run: bool,
    /// Bytes read, for the size limit.
    limit: u64,
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        let read = &out[..n];
        let mut i = 0;
        while i < n {
            // The bytes up to the next CR or LF end any run (found a machine word at a time).
            let skip = memchr::memchr2(b'\n', b'\r', &read[i..]).unwrap_or(n - i);
            if skip > 0 {
                self.in_run = false;
                self.after_cr = false;
                i += skip;
                if i == n {
                    break;
                }
            }
            let (b, pos) = (read[i], self.at + i as u64);
            i += 1;
            if !self.in_run {
                self.runs.push_back((pos, 0));
                self.in_run = true;
            }
            // CRLF ends one line: the CR already counted it.
            let counts = !(b == b'\n' && self.after_cr);
            if let (true, Some(run)) = (counts, self.runs.back_mut()) {
                run.1 += 1;
            }
            self.after_cr = b == b'\r';
        }
        self.at += n as u64;
        if self.at > self.limit {
            return Err(std::io::Error::other(OVER_LIMIT));
        }
        Ok(n)
    }
}

/// A reader that hashes (sha256) every byte it passes on: the run's hash of a CSV file is of
/// the bytes that were parsed, computed on the reading thread as they go by.
struct Hashing<R: Read> {
    inner: R,
    hasher: sha2::Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.read(out)?;
        self.hasher.update(&out[..n]);
        Ok(n)
    }
}

/// The error [`Lines`] stops with when a file grew past the limit between the two passes.
const OVER_LIMIT: &str = "the file grew past the size limit while it was read";

/// [`read_csv_into`], visiting the rows serially.
#[cfg(test)]
fn read_csv(
    file: &Path,
    place: &str,
    visit: &mut dyn FnMut(Row<'_>, bool),
) -> Result<(Vec<Problem>, &'static str, String), Problem> {
    read_csv_into(file, place, None, &mut serially(visit))
}

/// What the first pass over a CSV file decides: its encoding and its delimiter.
#[derive(Debug, Clone, Copy)]
pub struct Sniffed {
    found: encoding::Found,
    delimiter: u8,
}

/// A first pass done ahead, on a thread of its own, while an earlier table is read.
pub type SniffedAhead = std::sync::mpsc::Receiver<Result<Sniffed, Problem>>;

/// The first pass over a CSV file, not holding it: it decides the encoding (which may need every
/// byte: a file can be UTF-8 but for a few broken bytes) and, from the header line decoded as
/// the file will be, the delimiter; and it holds the file to the size limit.
fn sniff_csv(file: &Path, place: &str) -> Result<Sniffed, Problem> {
    let limit = limits::CSV_BYTES;
    let cannot = |e: std::io::Error| Problem::new(place, format!("cannot read the file: {e}"));
    let mut sniff = encoding::Sniff::default();
    let mut first = open_limited(file, place, limit)?.take(limit + 1);
    let mut chunk = vec![0u8; 256 << 10];
    let mut size = 0u64;
    let mut head: Vec<u8> = Vec::new();
    loop {
        let n = first.read(&mut chunk).map_err(cannot)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        if size > limit {
            // A file that grows while it is read is still held to the limit.
            return Err(too_large(place, size, limit));
        }
        if head.len() < 64 << 10 {
            let take = (64usize << 10).saturating_sub(head.len()).min(n);
            head.extend_from_slice(&chunk[..take]);
        }
        sniff.feed(&chunk[..n]);
    }
    let found = sniff.finish();
    let (head_text, _) = encoding::decode(&head);
    Ok(Sniffed {
        found,
        delimiter: detect_delimiter(&head_text),
    })
}

/// Reads a CSV file to its end, handing its rows to `sink`; returns the problems of rows not
/// handed over, the file's encoding and the sha256 of its bytes. `ahead` is the first pass if
/// it was started earlier ([`Source::prefetch`]); it is the same pass, so the outcome is too.
fn read_csv_into(
    file: &Path,
    place: &str,
    ahead: Option<SniffedAhead>,
    sink: &mut Sink<'_>,
) -> Result<(Vec<Problem>, &'static str, String), Problem> {
    // Two passes, neither holding the file: the first decides the encoding and the delimiter,
    // the second decodes and reads it.
    let limit = limits::CSV_BYTES;
    let sniffed = match ahead.and_then(|rx| rx.recv().ok()) {
        Some(result) => result,
        None => sniff_csv(file, place),
    }?;
    let Sniffed { found, delimiter } = sniffed;
    let decimal_comma = delimiter == b';';
    let second = Hashing {
        inner: open_limited(file, place, limit)?.take(limit + 1),
        hasher: sha2::Sha256::default(),
    };
    let lines = Lines {
        inner: encoding::Decoded::new(second, found),
        at: 0,
        runs: std::collections::VecDeque::new(),
        after_cr: false,
        in_run: false,
        // Decoding a legacy code page can double the bytes; the file itself was held to `limit`.
        limit: limit.saturating_mul(4),
    };
    let mut reader = csv::ReaderBuilder::new()
        // Large reads: each one passes through the decoder and the line counter.
        .buffer_capacity(256 << 10)
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(lines);
    let encoding = found.name;
    let mut record = csv::ByteRecord::new();
    let mut cells: Vec<RawCell> = Vec::new();
    let mut problems = RowProblems::new(place);
    // The header's fields (for column names in messages) and the line it is on.
    let mut header: Option<(Vec<String>, usize)> = None;
    // Lines ended so far: the line a record at byte `start` is on counts every run of line ends
    // that starts at or before it (a record's position may point at the previous line's end).
    let mut line = 1usize;
    let mut line_at = |reader: &mut csv::Reader<Lines<_>>, start: u64| {
        let runs = &mut reader.get_mut().runs;
        while let Some(&(first, n)) = runs.front() {
            if first > start {
                break;
            }
            line += n;
            runs.pop_front();
        }
        line
    };
    loop {
        let more = match reader.read_byte_record(&mut record) {
            Ok(m) => m,
            Err(e) => {
                if let csv::ErrorKind::Io(io) = e.kind() {
                    if io.to_string() == OVER_LIMIT {
                        return Err(too_large(place, limit + 1, limit));
                    }
                    return Err(Problem::new(place, format!("cannot read the file: {io}")));
                }
                let at = e.position().map_or(0, |p| p.byte());
                let n = line_at(&mut reader, at);
                return Err(Problem::new(
                    format!("{place}, row {n}"),
                    format!("not a readable CSV line: {e}"),
                ));
            }
        };
        if !more {
            break;
        }
        let n = line_at(&mut reader, record.position().map_or(0, |p| p.byte()));
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if record.len() as u64 > limits::COLUMNS {
            return Err(Problem::new(
                format!("{place}, row {n}"),
                format!(
                    "the line has {} fields, against the limit of {} columns",
                    grouped(record.len() as u64),
                    grouped(limits::COLUMNS)
                ),
            ));
        }
        let column_name = |j: usize| match &header {
            Some((names, _)) if names.get(j).is_some_and(|h| !h.is_empty()) => {
                format!("column {}", quote(&names[j]))
            }
            _ => format!("column {}", j + 1),
        };
        let mut broken = None;
        for (j, field) in record.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok(s) if trim(s).is_empty() => cells.push(RawCell::Empty),
                Ok(s) => cells.push(text_cell(s)),
                Err(e) => {
                    broken = Some((j, e.valid_up_to(), String::from_utf8_lossy(field)));
                    break;
                }
            }
        }
        if let Some((j, at, text)) = broken {
            problems.push(
                format!("{place}, row {n}, {}", column_name(j)),
                format!(
                    "{} has bytes that are not UTF-8 (at byte {} of the value), though the \
                     rest of the file is UTF-8; save the file as CSV UTF-8",
                    quote(&text),
                    at + 1
                ),
            );
            cells.clear();
            continue;
        }
        match &header {
            None => {
                let names = cells
                    .iter()
                    .map(|c| match c {
                        RawCell::Text(t) => t.trim().to_string(),
                        _ => String::new(),
                    })
                    .collect();
                header = Some((names, n));
            }
            Some((names, header_line)) => {
                let want = names.len();
                if cells.len() != want {
                    let why = if cells.len() > want {
                        let d = if delimiter == b',' { "," } else { ";" };
                        format!(
                            "; a value holding the delimiter `{d}` must be quoted (an amount \
                             written 380 000,00 in a comma-separated file is two fields)"
                        )
                    } else {
                        "; every line must have a field for every column, even an empty one"
                            .to_string()
                    };
                    problems.push(
                        format!("{place}, row {n}"),
                        format!(
                            "the line has {} fields, the header (row {header_line}) has {want}{why}",
                            cells.len()
                        ),
                    );
                    cells.clear();
                    continue;
                }
            }
        }
        sink(n, &mut cells, decimal_comma);
        cells.clear();
    }
    let digest = crate::results::hex(&sha2::Digest::finalize(
        reader.into_inner().inner.into_inner().hasher,
    ));
    Ok((problems.finish(), encoding, digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runs of line ends [`Lines`] records, found a byte at a time as it once did.
    fn line_runs_bytewise(bytes: &[u8]) -> Vec<(u64, usize)> {
        let (mut runs, mut in_run, mut after_cr) = (Vec::<(u64, usize)>::new(), false, false);
        for (pos, &b) in bytes.iter().enumerate() {
            if b != b'\n' && b != b'\r' {
                (in_run, after_cr) = (false, false);
                continue;
            }
            if !in_run {
                runs.push((pos as u64, 0));
                in_run = true;
            }
            if !(b == b'\n' && after_cr) {
                runs.last_mut().unwrap().1 += 1;
            }
            after_cr = b == b'\r';
        }
        runs
    }

    /// A reader handing its bytes over in reads of the given sizes (then the rest).
    struct Pieces<'a> {
        bytes: &'a [u8],
        sizes: Vec<usize>,
    }

    impl Read for Pieces<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let want = if self.sizes.is_empty() {
                usize::MAX
            } else {
                self.sizes.remove(0)
            };
            let n = want.max(1).min(out.len()).min(self.bytes.len());
            out[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Runs of CR and LF, cut anywhere by the reads (a CRLF split in two among them), are
        /// recorded as a byte-at-a-time scan records them.
        #[test]
        fn line_ends_are_found_whatever_the_reads(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b',', b'\r', b'\n']),
                0..200,
            ),
            sizes in proptest::collection::vec(1usize..40, 0..20),
        ) {
            let mut lines = Lines {
                inner: Pieces { bytes: &bytes, sizes },
                at: 0,
                runs: std::collections::VecDeque::new(),
                after_cr: false,
                in_run: false,
                limit: u64::MAX,
            };
            let mut sink = Vec::new();
            lines.read_to_end(&mut sink).unwrap();
            proptest::prop_assert_eq!(&sink, &bytes);
            proptest::prop_assert_eq!(lines.at, bytes.len() as u64);
            let runs: Vec<(u64, usize)> = lines.runs.into_iter().collect();
            proptest::prop_assert_eq!(runs, line_runs_bytewise(&bytes));
        }
    }

    /// Reproduces wrong CSV row numbers: with LF endings the csv crate's line number for a
    /// record could be the previous line's. Rows must be the lines a user sees in an editor.
    #[test]
    fn csv_row_numbers_are_the_lines_the_user_sees() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(&str, &[u8]); 4] = [
            ("lf", b"h1,h2\na,1\nb,2\n\nc,3\n\"d\nd\",4\ne,5\n"),
            (
                "crlf",
                b"h1,h2\r\na,1\r\nb,2\r\n\r\nc,3\r\n\"d\r\nd\",4\r\ne,5\r\n",
            ),
            (
                "bom",
                b"\xEF\xBB\xBFh1;h2\na;1\nb;2\n\nc;3\n\"d\nd\";4\ne;5",
            ),
            // Old Mac files end lines with a lone CR.
            ("cr", b"h1,h2\ra,1\rb,2\r\rc,3\r\"d\rd\",4\re,5\r"),
        ];
        for (name, bytes) in cases {
            let path = dir.path().join(format!("{name}.csv"));
            std::fs::write(&path, bytes).unwrap();
            let mut seen = Vec::new();
            read_csv(&path, name, &mut |row, _| {
                let first = match &row.cells[0] {
                    RawCell::Text(t) => t.to_string(),
                    other => other.shown(),
                };
                seen.push((row.number, first));
            })
            .unwrap();
            let want: Vec<(usize, String)> = [
                (1, "h1"),
                (2, "a"),
                (3, "b"),
                (5, "c"),
                (6, "d\nd"),
                (8, "e"),
            ]
            .iter()
            .map(|(n, s)| (*n, s.to_string()))
            .collect();
            let seen: Vec<(usize, String)> = seen
                .into_iter()
                .map(|(n, s)| (n, s.replace("\r\n", "\n").replace('\r', "\n")))
                .collect();
            assert_eq!(seen, want, "{name}");
        }
    }

    /// The file is read in pieces, so a CRLF or a run of blank lines may be cut between two
    /// reads: line numbers stay those of the whole file.
    #[test]
    fn csv_row_numbers_hold_across_read_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        for end in ["\n", "\r\n", "\r"] {
            let mut text = format!("id,v{end}");
            let mut want = Vec::new();
            let mut line = 2;
            for i in 0..20_000 {
                // Every 7th record is followed by a blank line, every 11th has a quoted break.
                if i % 11 == 0 {
                    text.push_str(&format!("\"q{i}{end}x\",{i}{end}"));
                    want.push((line, i));
                    line += 2;
                } else {
                    text.push_str(&format!("r{i},{i}{end}"));
                    want.push((line, i));
                    line += 1;
                }
                if i % 7 == 0 {
                    text.push_str(end);
                    line += 1;
                }
            }
            let path = dir.path().join("big.csv");
            std::fs::write(&path, &text).unwrap();
            let mut seen = Vec::new();
            let mut header = true;
            read_csv(&path, "big", &mut |row, _| {
                if header {
                    header = false;
                    return;
                }
                let RawCell::Text(v) = &row.cells[1] else {
                    panic!("a value")
                };
                seen.push((row.number, v.parse::<usize>().unwrap()));
            })
            .unwrap();
            assert_eq!(seen, want, "line end {end:?}");
        }
    }

    #[test]
    fn a_csv_file_is_hashed_as_it_is_parsed() {
        // A file larger than one read, with a BOM and in a legacy code page: the hash is of
        // the file's own bytes, not of the decoded text.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut bytes = b"\xef\xbb\xbfid;v\n".to_vec();
        for i in 0..40_000 {
            bytes.extend_from_slice(format!("r{i};{i},5\n").as_bytes());
        }
        std::fs::write(&path, &bytes).unwrap();
        let (_, encoding, digest) = read_csv(&path, "t", &mut |_, _| {}).unwrap();
        assert_eq!(encoding, "UTF-8");
        assert_eq!(digest, crate::results::sha256_file(&path).unwrap());
        let legacy = dir.path().join("cp.csv");
        std::fs::write(&legacy, b"id,name\nE1,\xc0\xe9\xe3\xf3\xeb\xfc\n").unwrap();
        let (_, encoding, digest) = read_csv(&legacy, "cp", &mut |_, _| {}).unwrap();
        assert_eq!(encoding, "windows-1251");
        assert_eq!(digest, crate::results::sha256_file(&legacy).unwrap());
        // Against the hash of the bytes written, computed here.
        let direct = |b: &[u8]| crate::results::hex(&<sha2::Sha256 as sha2::Digest>::digest(b)[..]);
        assert_eq!(digest, direct(&std::fs::read(&legacy).unwrap()));
        let (_, _, digest) = read_csv(&path, "t", &mut |_, _| {}).unwrap();
        assert_eq!(digest, direct(&bytes));
    }

    /// Rows made by a reader thread faster than lanes that fail: every lane panicking ends the
    /// reading (the panic comes through), rather than leaving the reader waiting for a lane.
    #[test]
    fn lanes_that_all_panic_do_not_leave_the_reader_waiting() {
        let produce = |sink: &mut Sink<'_>| {
            for n in 1..=200_000 {
                let mut cells = vec![RawCell::Text("x".into())];
                sink(n, &mut cells, false);
            }
            Ok(())
        };
        let (mut a, mut b) = (0usize, 0usize);
        let mut one = |_: Row<'_>, _: bool| {
            a += 1;
            assert!(a < 5000, "a lane fails");
        };
        let mut two = |_: Row<'_>, _: bool| {
            b += 1;
            assert!(b < 5000, "the other lane fails");
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_split(produce, &mut [&mut one, &mut two])
        }));
        assert!(outcome.is_err(), "a lane's panic comes through");
    }

    #[test]
    fn delimiter_is_detected_outside_quotes() {
        assert_eq!(detect_delimiter(b"a;b;c\n1,5;2;3"), b';');
        assert_eq!(detect_delimiter(b"a,b,c\n"), b',');
        assert_eq!(detect_delimiter(b"\"a;b;c\",d\n"), b',');
    }

    #[test]
    fn a_workbook_let_go_of_after_reading_is_never_read_again() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/2026-10.xlsx"));
        let source = Source::open(path).unwrap();
        let mut rows = 0;
        source
            .read_rows(Table::Calls, &mut |_, _| rows += 1)
            .unwrap();
        assert!(rows > 1);
        assert!(source.rows_hint(Table::Calls).is_some());
        source.done_reading();
        assert_eq!(source.rows_hint(Table::Calls), None);
        let err = source.read_rows(Table::Calls, &mut |_, _| {}).unwrap_err();
        assert!(err.to_string().contains("the workbook was closed"), "{err}");
        // What the run records afterwards is still there.
        assert_eq!(source.files(), [path.to_path_buf()]);
    }
}
