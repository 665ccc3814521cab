//! The `incentive` binary: parse arguments, run one command, map the outcome to an exit code
//! (0 success, 2 bad input, 1 anything else).
#![forbid(unsafe_code)]

fn main() {
    let code = incentive::cli::main();
    std::process::exit(code);
}
