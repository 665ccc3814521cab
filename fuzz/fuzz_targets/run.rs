//! A whole run (compute, then every output file built in memory; nothing is written) over a copy
//! of tests/fixtures/close-mini (the mini fixture with an adjustments table, a cap and a
//! recoverable guarantee; balances from zero), where the input replaces one table: the first
//! byte picks which, the rest is the file.
#![no_main]

use incentive::data::tables::Table;
use incentive::period::Period;
use incentive::report::labels::{Labels, Lang};
use incentive::report::{self, Context};
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// A copy of the mini fixture, made once per process; returns (its folder, the original tables).
fn fixture() -> &'static (tempfile::TempDir, Vec<(Table, Vec<u8>)>) {
    static FIXTURE: OnceLock<(tempfile::TempDir, Vec<(Table, Vec<u8>)>)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mini = Path::new(REPO).join("tests/fixtures/close-mini/data");
        let tables = Table::ALL
            .into_iter()
            .map(|t| {
                let file = format!("{}.csv", t.name());
                let bytes = std::fs::read(mini.join(&file)).expect("the mini fixture");
                std::fs::write(dir.path().join(&file), &bytes).expect("copy the fixture");
                (t, bytes)
            })
            .collect();
        (dir, tables)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let (dir, tables) = fixture();
    let (table, original) = &tables[pick as usize % tables.len()];
    let file: PathBuf = dir.path().join(format!("{}.csv", table.name()));
    std::fs::write(&file, body).expect("replace the table");
    let schemes = Path::new(REPO).join("tests/fixtures/close-mini/schemes");
    let period = Period::parse("2026-10").expect("a valid period");
    let inputs = incentive::close::Inputs {
        schemes_dir: &schemes,
        data: dir.path(),
        mapping: None,
    };
    let close = incentive::close::Close {
        from_zero: true,
        ..Default::default()
    };
    if let Ok(mut result) = incentive::close::compute(inputs, period, &close) {
        let labels = Labels::new(Lang::En);
        report::localize(&mut result, &labels);
        let cx = Context::new(labels, "incentive run (fuzz)".into());
        let _ = report::run_files(&result, &cx);
    }
    std::fs::write(&file, original).expect("restore the table");
});
