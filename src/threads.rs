//! How many threads a command uses: one setting, `INCENTIVE_THREADS`, for the readers (a reader
//! thread beside the one that aggregates) and the writers (statements on every core). The
//! outputs are the same bytes whatever it is (tests/threads.rs, tests/speed_outputs.rs).

/// The most threads a command uses, whatever `INCENTIVE_THREADS` asks for.
pub const MAX_THREADS: usize = 64;

/// How many threads a command uses (reading and writing): `INCENTIVE_THREADS` (1 = serial, the reference the
/// parallel path is tested against byte for byte), else every core. The outputs are the same
/// bytes either way. A value that is not a whole number from 1 to [`MAX_THREADS`] is the
/// problem returned (the command line refuses it before any work).
pub fn threads_setting() -> std::result::Result<usize, crate::error::Problem> {
    let Some(raw) = std::env::var_os("INCENTIVE_THREADS") else {
        return Ok(std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_THREADS));
    };
    let text = raw.to_string_lossy();
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(crate::error::Problem::new(
            "INCENTIVE_THREADS",
            format!(
                "{} is not a number of threads; expected a whole number from 1 (serial) to {MAX_THREADS}, or leave it unset to use every core",
                crate::data::limits::quote(&text)
            ),
        )),
    }
}

/// [`threads_setting`], or 1 where it is not a valid setting (the command line has refused
/// that before any work).
pub fn threads() -> usize {
    threads_setting().unwrap_or(1)
}
