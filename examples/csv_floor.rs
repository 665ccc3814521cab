//! The benchmark's CSV floor: the time the csv crate needs merely to parse every record of
//! every `.csv` file in a folder (`ByteRecord`s: no UTF-8 check, no typing, no validation, no
//! aggregation). `scripts/bench` compares `incentive run` on a CSV folder with this, as it
//! compares a run on a workbook with `stream_cells` (the xlsx floor).
//!
//! ```text
//! cargo run --release --example csv_floor -- FOLDER
//! ```
//!
//! Prints the number of records (header rows included) and of fields. The files are read in
//! name order, one after another, on one thread.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: csv_floor FOLDER")?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")));
    files.sort();
    let (mut records, mut fields) = (0u64, 0u64);
    let mut record = csv::ByteRecord::new();
    for path in &files {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(path)?;
        while reader.read_byte_record(&mut record)? {
            std::hint::black_box(&record);
            records += 1;
            fields += record.len() as u64;
        }
    }
    println!(
        "{records} records, {fields} fields in {} files",
        files.len()
    );
    Ok(())
}
