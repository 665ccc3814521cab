//! The `incentive` binary: parse arguments, run one command, map the outcome to an exit code
//! (0 success, 2 bad input, 1 anything else).
#![forbid(unsafe_code)]

/// mimalloc: reading allocates and frees a value per cell on two threads, where it is several
/// times cheaper than the system allocator, and it returns freed memory, so the peak stays near
/// what is live (the benchmark in the README measures both).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let code = incentive::cli::main();
    std::process::exit(code);
}
