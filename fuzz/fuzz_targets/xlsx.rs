//! A workbook read the way a run reads it: `Source::open` on a temporary .xlsx file holding the
//! input, then every table the workbook has read with `read_table`.
#![no_main]

use incentive::data::read_table;
use incentive::data::source::Source;
use incentive::data::tables::Table;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The workbook's path, in a temporary folder made once per process.
fn book() -> PathBuf {
    static ROOT: OnceLock<tempfile::TempDir> = OnceLock::new();
    let root = ROOT.get_or_init(|| tempfile::tempdir().expect("a temporary folder"));
    root.path().join("data.xlsx")
}

fuzz_target!(|data: &[u8]| {
    let path = book();
    std::fs::write(&path, data).expect("write the workbook");
    let Ok(source) = Source::open(&path) else {
        return;
    };
    let mut problems = Vec::new();
    for table in Table::ALL {
        if source.has_table(table) {
            read_table(&source, table, &mut problems, &mut |row| {
                std::hint::black_box(row.values.len());
            });
        }
    }
    for p in &problems {
        std::hint::black_box(p.to_string());
    }
});
