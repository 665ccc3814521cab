//! `incentive map`: a CRM's own export read through a mapping, written as the canonical tables,
//! with a report of how every source row was used — so a finance analyst can check a mapping
//! before any payout is computed from it.

use crate::data::tables::Table;
use crate::data::value::Value;
use crate::data::{TableSource, TypedRow, read_table};
use crate::error::{Error, Problem, Result};
use crate::mapping::read::{MappedSource, usage_lines};
use std::path::PathBuf;

/// The most source tables the report lists as not read.
const MAX_UNREAD: usize = 30;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The CRM's export: a workbook or a folder of CSV files (with HR's sheet beside them).
    #[arg(long)]
    data: PathBuf,
    /// A built-in preset (bitrix24, amocrm) or a mapping YAML file.
    #[arg(long)]
    mapping: String,
    /// The folder to write canonical/*.csv, mapping-report.txt and source-rows.csv into; must
    /// be empty unless --force.
    #[arg(long)]
    out: PathBuf,
    /// Replace a previous map output in --out.
    #[arg(long)]
    force: bool,
}

/// A typed value as the canonical layout writes it.
fn canonical_text(v: &Value) -> String {
    match v {
        Value::Empty => String::new(),
        Value::Text(t) => t.to_string(),
        Value::Number(d) => d.to_string(),
        Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        Value::DateTime(dt) => dt.format("%Y-%m-%d %H:%M:%S").to_string(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
    }
}

fn csv_error(e: impl std::fmt::Display) -> Error {
    Error::other(format!("cannot write CSV: {e}"))
}

fn csv_bytes(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>> {
    w.into_inner().map_err(csv_error)
}

pub fn run(a: Args) -> Result<()> {
    let mapping = crate::mapping::load(&a.mapping).map_err(|mut p| {
        p.extend(crate::data::source::Source::open(&a.data).err());
        Error::BadInput(p)
    })?;
    let out_dir = crate::output::OutDir::open(&a.out, a.force, &a.data)?;
    let source =
        crate::data::source::Source::open(&a.data).map_err(|p| Error::BadInput(vec![p]))?;
    let name = mapping.name();
    let source = MappedSource::new(source, mapping);
    source.log_rows();
    // A table the mapping makes from sources the export lacks would come out missing.
    let mut problems: Vec<Problem> = source.missing_tables();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut written: Vec<String> = Vec::new();
    for table in Table::ALL {
        if !source.has_table(table) {
            continue;
        }
        let columns = table.columns();
        // Rows are written as they come: a CSV line is a fraction of the cells it holds.
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(columns.iter().map(|c| c.name))
            .map_err(csv_error)?;
        let mut rows = 0usize;
        let mut failed = None;
        let read = read_table(&source, table, &mut problems, &mut |row: TypedRow| {
            rows += 1;
            if failed.is_none()
                && let Err(e) = w.write_record(row.values.iter().map(canonical_text))
            {
                failed = Some(e);
            }
        });
        if let Some(e) = failed {
            return Err(csv_error(e));
        }
        written.push(format!(
            "canonical/{table}.csv: {rows} row{} (of {read} handed on)",
            if rows == 1 { "" } else { "s" }
        ));
        files.push((format!("canonical/{table}.csv"), csv_bytes(w)?));
    }
    let usage = source.usage();
    let mut report = format!(
        "incentive map --data {} --mapping {}\n\nHow the export's rows were used (rows read = kept + dropped):\n",
        a.data.display(),
        a.mapping
    );
    for line in usage_lines(&usage) {
        report.push_str(&format!("  {line}\n"));
    }
    let unread = source.unread();
    if !unread.is_empty() {
        report.push_str("\nNot read by the mapping:\n");
        // A folder may hold thousands of files: the report stays short.
        for u in unread.iter().take(MAX_UNREAD) {
            report.push_str(&format!("  {u}\n"));
        }
        if unread.len() > MAX_UNREAD {
            report.push_str(&format!("  … and {} more\n", unread.len() - MAX_UNREAD));
        }
    }
    if !problems.is_empty() {
        // Canonical tables missing the refused rows would look complete: nothing is written,
        // and the row usage so far is shown beside the problems.
        super::say_err(&report);
        return Err(Error::BadInput(problems));
    }
    report.push_str("\nWritten:\n");
    for w in &written {
        report.push_str(&format!("  {w}\n"));
    }
    let mut log = csv::Writer::from_writer(Vec::new());
    log.write_record(["source", "row", "used_as", "dropped"])
        .map_err(csv_error)?;
    for r in source.take_log() {
        log.write_record([&*r.place, &r.row.to_string(), &*r.used_as, &*r.dropped])
            .map_err(csv_error)?;
    }
    files.push(("mapping-report.txt".into(), report.clone().into_bytes()));
    files.push(("source-rows.csv".into(), csv_bytes(log)?));
    out_dir.publish(&files)?;
    super::say(&format!(
        "{report}\nMapped with {name} into {}; check mapping-report.txt and source-rows.csv, then run with --mapping {}\n",
        a.out.display(),
        a.mapping
    ));
    Ok(())
}
