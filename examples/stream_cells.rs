//! The benchmark's baseline: the time calamine needs merely to stream every cell of every sheet
//! of a workbook (no typing, no validation, no aggregation). `scripts/bench` compares a full
//! `incentive run` with this.
//!
//! ```text
//! cargo run --release --example stream_cells -- WORKBOOK.xlsx
//! ```

use calamine::{Reader, Xlsx, open_workbook};
use std::io::BufReader;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: stream_cells WORKBOOK.xlsx")?;
    let mut workbook: Xlsx<BufReader<std::fs::File>> = open_workbook(&path)?;
    let sheets = workbook.sheet_names().to_vec();
    let mut cells = 0u64;
    for sheet in sheets {
        let mut reader = workbook.worksheet_cells_reader(&sheet)?;
        while let Some(cell) = reader.next_cell()? {
            std::hint::black_box(&cell);
            cells += 1;
        }
    }
    println!("{cells} cells");
    Ok(())
}
