//! Reading the raw rows of a table from a workbook (.xlsx/.xlsm streamed cell by cell; .xls/.ods
//! through calamine's ranges) or from a folder of CSV files.
//!
//! A reader knows nothing of column types: it hands each non-blank row to a callback as
//! [`RawCell`]s together with the row number the user sees in their spreadsheet or editor.
//! Rows are visited one at a time so that metrics can be aggregated while reading.

use super::tables::Table;
use super::value::RawCell;
use crate::error::Problem;
use crate::num::decimal_from_spreadsheet_number;
use calamine::{Data, DataRef, Reader, Sheets, open_workbook_auto};
use std::cell::RefCell;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// Where a table's rows come from.
pub enum Source {
    /// The workbook is opened once: opening parses its whole shared-strings table (a million
    /// call ids), which must not happen again for every sheet.
    Workbook {
        path: PathBuf,
        sheets: Vec<String>,
        book: Box<RefCell<Sheets<BufReader<File>>>>,
    },
    CsvFolder {
        path: PathBuf,
        files: Vec<PathBuf>,
    },
}

/// A row handed to the callback: the row number as the user sees it, and its cells by file column.
pub struct Row<'a> {
    pub number: usize,
    pub cells: &'a [RawCell],
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Source({})", self.path().display())
    }
}

impl Source {
    /// Opens a workbook or a CSV folder, listing which tables it holds.
    pub fn open(path: &Path) -> Result<Source, Problem> {
        let shown = path.display().to_string();
        if path.is_dir() {
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
            });
        }
        if !path.exists() {
            return Err(Problem::new(
                &shown,
                "no such file or folder; expected a workbook (.xlsx, .xlsm, .xls, .ods) or a folder of CSV files",
            ));
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_lowercase)
            .unwrap_or_default();
        if !matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "ods") {
            return Err(Problem::new(
                &shown,
                format!(
                    "unsupported file type {:?}; expected a workbook (.xlsx, .xlsm, .xls, .ods) or a folder of CSV files",
                    ext
                ),
            ));
        }
        let workbook = open_workbook_auto(path)
            .map_err(|e| Problem::new(&shown, format!("cannot open the workbook: {e}")))?;
        Ok(Source::Workbook {
            path: path.to_path_buf(),
            sheets: workbook.sheet_names().to_vec(),
            book: Box::new(RefCell::new(workbook)),
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

    fn sheet_name(&self, table: Table) -> Option<String> {
        match self {
            Source::Workbook { sheets, .. } => sheets
                .iter()
                .find(|s| s.trim().eq_ignore_ascii_case(table.name()))
                .cloned(),
            Source::CsvFolder { .. } => None,
        }
    }

    fn csv_file(&self, table: Table) -> Option<PathBuf> {
        match self {
            Source::CsvFolder { files, .. } => files
                .iter()
                .find(|f| {
                    f.file_stem()
                        .and_then(|s| s.to_str())
                        .is_some_and(|s| s.trim().eq_ignore_ascii_case(table.name()))
                })
                .cloned(),
            Source::Workbook { .. } => None,
        }
    }

    pub fn has_table(&self, table: Table) -> bool {
        self.sheet_name(table).is_some() || self.csv_file(table).is_some()
    }

    /// How the user names the table's location: `data.xlsx: sheet "deals"` or `data/deals.csv`.
    pub fn place(&self, table: Table) -> String {
        match self {
            Source::Workbook { path, .. } => format!(
                "{}: sheet {:?}",
                path.display(),
                self.sheet_name(table)
                    .unwrap_or_else(|| table.name().to_string())
            ),
            Source::CsvFolder { path, .. } => self
                .csv_file(table)
                .unwrap_or_else(|| path.join(format!("{}.csv", table.name())))
                .display()
                .to_string(),
        }
    }

    /// Visits every non-blank row of the table, the header row included. The callback's flag
    /// says whether numbers may use a decimal comma (a `;`-delimited CSV file).
    pub fn read_rows(
        &self,
        table: Table,
        visit: &mut dyn FnMut(Row<'_>, bool),
    ) -> Result<(), Problem> {
        let place = self.place(table);
        match self {
            Source::Workbook { book, .. } => {
                let sheet = self
                    .sheet_name(table)
                    .ok_or_else(|| Problem::new(&place, "the sheet is missing"))?;
                let mut book = book.borrow_mut();
                match &mut *book {
                    Sheets::Xlsx(xlsx) => read_xlsx_streaming(xlsx, &sheet, &place, visit),
                    other => read_range(other, &sheet, &place, visit),
                }
            }
            Source::CsvFolder { .. } => {
                let file = self
                    .csv_file(table)
                    .ok_or_else(|| Problem::new(&place, "the file is missing"))?;
                read_csv(&file, &place, visit)
            }
        }
    }
}

fn cell_from_ref(value: DataRef<'_>, formula: Option<String>) -> RawCell {
    match value {
        DataRef::Empty => match formula {
            // A formula with no cached result: its text is what the cell holds for us. This is
            // how a text that merely looks like a formula (`=HYPERLINK(...)`) arrives.
            Some(f) if !f.is_empty() => RawCell::Text(format!("={f}")),
            _ => RawCell::Empty,
        },
        DataRef::Int(i) => RawCell::Number(i.into()),
        DataRef::Float(f) => number_cell(f),
        DataRef::String(s) => RawCell::Text(s),
        DataRef::SharedString(s) => RawCell::Text(s.to_string()),
        DataRef::Bool(b) => RawCell::Bool(b),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(d) => RawCell::DateTime(d),
            None => RawCell::Error(format!("date serial {}", dt.as_f64())),
        },
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => RawCell::Text(s),
        DataRef::Error(e) => RawCell::Error(e.to_string()),
    }
}

fn cell_from_data(value: &Data) -> RawCell {
    match value {
        Data::Empty => RawCell::Empty,
        Data::Int(i) => RawCell::Number((*i).into()),
        Data::Float(f) => number_cell(*f),
        Data::String(s) => RawCell::Text(s.clone()),
        Data::Bool(b) => RawCell::Bool(*b),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(d) => RawCell::DateTime(d),
            None => RawCell::Error(format!("date serial {}", dt.as_f64())),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => RawCell::Text(s.clone()),
        Data::Error(e) => RawCell::Error(e.to_string()),
    }
}

fn number_cell(f: f64) -> RawCell {
    match decimal_from_spreadsheet_number(f) {
        Some(d) => RawCell::Number(d),
        None => RawCell::Error(format!("number {f} out of range")),
    }
}

fn emit(number: usize, cells: &mut Vec<RawCell>, visit: &mut dyn FnMut(Row<'_>, bool)) {
    if cells.iter().any(|c| !c.is_empty()) {
        visit(
            Row {
                number,
                cells: cells.as_slice(),
            },
            false,
        );
    }
    cells.clear();
}

/// Streams an .xlsx/.xlsm sheet cell by cell; memory stays flat whatever the sheet's size.
fn read_xlsx_streaming(
    workbook: &mut calamine::Xlsx<BufReader<File>>,
    sheet: &str,
    place: &str,
    visit: &mut dyn FnMut(Row<'_>, bool),
) -> Result<(), Problem> {
    let mut reader = workbook
        .worksheet_cells_reader(sheet)
        .map_err(|e| Problem::new(place, format!("cannot read the sheet: {e}")))?;
    let mut cells: Vec<RawCell> = Vec::new();
    let mut current: Option<u32> = None;
    loop {
        let next = reader
            .next_cell_with_formula()
            .map_err(|e| Problem::new(place, format!("cannot read the sheet: {e}")))?;
        let Some(cell) = next else { break };
        let (row, col) = cell.pos;
        if current != Some(row) {
            if let Some(r) = current {
                emit(r as usize + 1, &mut cells, visit);
            }
            current = Some(row);
        }
        let col = col as usize;
        if cells.len() <= col {
            cells.resize(col + 1, RawCell::Empty);
        }
        cells[col] = cell_from_ref(cell.value, cell.formula);
    }
    if let Some(r) = current {
        emit(r as usize + 1, &mut cells, visit);
    }
    Ok(())
}

/// Reads an .xls or .ods sheet through calamine's in-memory range.
fn read_range(
    workbook: &mut Sheets<BufReader<File>>,
    sheet: &str,
    place: &str,
    visit: &mut dyn FnMut(Row<'_>, bool),
) -> Result<(), Problem> {
    let range = workbook
        .worksheet_range(sheet)
        .map_err(|e| Problem::new(place, format!("cannot read the sheet: {e}")))?;
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut cells: Vec<RawCell> = Vec::new();
    for (i, row) in range.rows().enumerate() {
        cells.resize(first_col as usize, RawCell::Empty);
        cells.extend(row.iter().map(cell_from_data));
        emit(first_row as usize + i + 1, &mut cells, visit);
    }
    Ok(())
}

/// Picks `;` or `,` by counting both, outside quotes, in the header line.
fn detect_delimiter(bytes: &[u8]) -> u8 {
    let line_end = bytes
        .iter()
        .position(|&b| b == b'\n')
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

fn read_csv(file: &Path, place: &str, visit: &mut dyn FnMut(Row<'_>, bool)) -> Result<(), Problem> {
    // The whole file is read: row numbers are counted from its bytes (the csv crate's own line
    // numbers depend on whether a record's terminator was consumed yet).
    let bytes = std::fs::read(file)
        .map_err(|e| Problem::new(place, format!("cannot read the file: {e}")))?;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let delimiter = detect_delimiter(body);
    let decimal_comma = delimiter == b';';
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut record = csv::ByteRecord::new();
    let mut cells: Vec<RawCell> = Vec::new();
    // Newlines counted so far, up to byte `scanned`.
    let (mut line, mut scanned) = (1usize, 0usize);
    let mut line_at = |start: usize| {
        let mut s = start.min(body.len());
        while s < body.len() && matches!(body[s], b'\r' | b'\n') {
            s += 1;
        }
        line += body[scanned..s].iter().filter(|&&b| b == b'\n').count();
        scanned = s;
        line
    };
    loop {
        let more = match reader.read_byte_record(&mut record) {
            Ok(m) => m,
            Err(e) => {
                let at = e.position().map_or(0, |p| p.byte() as usize);
                let n = line_at(at);
                return Err(Problem::new(
                    format!("{place}, row {n}"),
                    format!("not a readable CSV line: {e}"),
                ));
            }
        };
        if !more {
            break;
        }
        let n = line_at(record.position().map_or(0, |p| p.byte() as usize));
        for field in record.iter() {
            match std::str::from_utf8(field) {
                Ok(s) if s.trim().is_empty() => cells.push(RawCell::Empty),
                Ok(s) => cells.push(RawCell::Text(s.to_string())),
                Err(_) => {
                    return Err(Problem::new(
                        format!("{place}, row {n}"),
                        "the file is not UTF-8 text; save it as CSV UTF-8",
                    ));
                }
            }
        }
        if cells.iter().any(|c| !c.is_empty()) {
            visit(
                Row {
                    number: n,
                    cells: &cells,
                },
                decimal_comma,
            );
        }
        cells.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reproduces wrong CSV row numbers: with LF endings the csv crate's line number for a
    /// record could be the previous line's. Rows must be the lines a user sees in an editor.
    #[test]
    fn csv_row_numbers_are_the_lines_the_user_sees() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(&str, &[u8]); 3] = [
            ("lf", b"h1,h2\na,1\nb,2\n\nc,3\n\"d\nd\",4\ne,5\n"),
            (
                "crlf",
                b"h1,h2\r\na,1\r\nb,2\r\n\r\nc,3\r\n\"d\r\nd\",4\r\ne,5\r\n",
            ),
            (
                "bom",
                b"\xEF\xBB\xBFh1;h2\na;1\nb;2\n\nc;3\n\"d\nd\";4\ne;5",
            ),
        ];
        for (name, bytes) in cases {
            let path = dir.path().join(format!("{name}.csv"));
            std::fs::write(&path, bytes).unwrap();
            let mut seen = Vec::new();
            read_csv(&path, name, &mut |row, _| {
                let first = match &row.cells[0] {
                    RawCell::Text(t) => t.clone(),
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
                .map(|(n, s)| (n, s.replace('\r', "")))
                .collect();
            assert_eq!(seen, want, "{name}");
        }
    }

    #[test]
    fn delimiter_is_detected_outside_quotes() {
        assert_eq!(detect_delimiter(b"a;b;c\n1,5;2;3"), b';');
        assert_eq!(detect_delimiter(b"a,b,c\n"), b',');
        assert_eq!(detect_delimiter(b"\"a;b;c\",d\n"), b',');
    }
}
