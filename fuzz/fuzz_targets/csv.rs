//! One CSV table read the way a run reads it: a CSV folder `Source` holding one file, read with
//! `read_table`. The first byte of the input picks the table (and so its column types), the
//! rest is the file.
#![no_main]

use incentive::data::read_table;
use incentive::data::source::Source;
use incentive::data::tables::Table;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

/// One folder per table, made once per process: `<tmp>/<table>/<table>.csv`.
fn folder(table: Table) -> PathBuf {
    static ROOT: OnceLock<tempfile::TempDir> = OnceLock::new();
    let root = ROOT.get_or_init(|| tempfile::tempdir().expect("a temporary folder"));
    let dir = root.path().join(table.name());
    std::fs::create_dir_all(&dir).expect("the table's folder");
    dir
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let table = Table::ALL[pick as usize % Table::ALL.len()];
    let dir = folder(table);
    std::fs::write(dir.join(format!("{}.csv", table.name())), body).expect("write the table");
    let source = Source::open(&dir).expect("a CSV folder opens");
    let mut problems = Vec::new();
    let mut valid = 0usize;
    read_table(&source, table, &mut problems, &mut |row| {
        valid += row.values.len();
    });
    for p in &problems {
        std::hint::black_box(p.to_string());
    }
});
