//! The command line: `incentive run` and `incentive validate`.

use crate::error::{Error, Problem, Result};
use crate::period::Period;
use crate::report;
use crate::run;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(
    name = "incentive",
    version,
    about = "Exact, explainable sales bonus payouts from CRM exports and YAML compensation schemes"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compute the period's payouts; write payroll.csv, payouts.xlsx, statements/ and run.json.
    Run {
        /// A workbook (.xlsx, .xlsm, .xls, .ods; one sheet per table) or a folder of CSV files.
        #[arg(long)]
        data: PathBuf,
        /// The month to pay, YYYY-MM.
        #[arg(long)]
        period: String,
        /// The folder to write results into; must be empty unless --force.
        #[arg(long)]
        out: PathBuf,
        /// The folder of scheme YAML files (a scheme's id is its file stem).
        #[arg(long, default_value = "schemes")]
        schemes: PathBuf,
        /// Overwrite files in a non-empty --out folder.
        #[arg(long)]
        force: bool,
        /// Language of the workbook and statement labels: en or ru.
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Recompute a run from the inputs recorded in DIR/run.json and say whether every amount
    /// matches, or which employee and KPI differ and why.
    Verify {
        /// A folder written by `incentive run`.
        dir: PathBuf,
    },
    /// Compare two runs of a period: per employee the old and new amount and the KPI-level cause.
    Diff {
        /// The earlier run's folder.
        old: PathBuf,
        /// The later run's folder.
        new: PathBuf,
    },
    /// Print one employee's statement (the same breakdown as statements/<id>.xlsx).
    Explain {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        period: String,
        #[arg(long)]
        employee: String,
        #[arg(long, default_value = "schemes")]
        schemes: PathBuf,
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Check the schemes (and the data, when given) and print every problem found.
    Validate {
        #[arg(long, default_value = "schemes")]
        schemes: PathBuf,
        #[arg(long, requires = "period")]
        data: Option<PathBuf>,
        #[arg(long, requires = "data")]
        period: Option<String>,
    },
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match execute(cli.command) {
        Ok(()) => 0,
        Err(e) => {
            eprint!("{e}");
            e.exit_code()
        }
    }
}

fn parse_period(text: &str) -> Result<Period> {
    Period::parse(text.trim()).ok_or_else(|| {
        Error::BadInput(vec![Problem::new(
            "--period",
            format!("{text:?} is not a month; expected YYYY-MM, e.g. 2026-10"),
        )])
    })
}

fn parse_lang(text: &str) -> Result<report::labels::Lang> {
    report::labels::Lang::parse(text).ok_or_else(|| {
        Error::BadInput(vec![Problem::new(
            "--lang",
            format!("{text:?} is not a language of the labels; expected en or ru"),
        )])
    })
}

fn print_warnings(warnings: &[Problem]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

fn execute(command: Command) -> Result<()> {
    match command {
        Command::Run {
            data,
            period,
            out,
            schemes,
            force,
            lang,
        } => {
            let period = parse_period(&period)?;
            let labels = report::labels::Labels::new(parse_lang(&lang)?);
            check_out_dir(&out, force)?;
            let result = run::compute(&schemes, &data, period)?;
            let command = format!(
                "incentive run --data {} --period {period} --schemes {} --lang {lang}",
                data.display(),
                schemes.display()
            );
            let cx = report::Context::new(labels, command);
            let mut files = vec![
                ("payroll.csv".to_string(), report::payroll_csv(&result)?),
                (
                    "payouts.xlsx".to_string(),
                    report::payouts_xlsx(&result, &cx)?,
                ),
            ];
            for (name, bytes) in report::statements(&result, &cx)? {
                files.push((format!("statements/{name}"), bytes));
            }
            let manifest = report::manifest::manifest(&result, &cx);
            files.push((
                "run.json".to_string(),
                report::manifest::to_json(&manifest)?,
            ));
            run::write_outputs(&out, force, &files)?;
            print_warnings(&result.warnings);
            let mut by_currency: std::collections::BTreeMap<&str, rust_decimal::Decimal> =
                Default::default();
            for e in &result.employees {
                *by_currency
                    .entry(result.schemes[e.employee.scheme].currency.as_str())
                    .or_default() += e.score.total;
            }
            let totals: Vec<String> = by_currency
                .iter()
                .map(|(c, t)| format!("{} {c}", report::money(*t)))
                .collect();
            println!(
                "{period}: {} employees, total {}",
                result.employees.len(),
                totals.join(" + ")
            );
            println!("payroll:  {}", out.join("payroll.csv").display());
            println!("workbook: {}", out.join("payouts.xlsx").display());
            println!(
                "statements: {} ({} files)",
                out.join("statements").display(),
                result.employees.len()
            );
            println!("manifest: {}", out.join("run.json").display());
            Ok(())
        }
        Command::Verify { dir } => {
            let v = crate::audit::verify(&dir)?;
            if v.findings.is_empty() {
                println!(
                    "verified: {} employees, period {}, every amount matches the recorded run (total {})",
                    v.employees, v.period, v.total
                );
                Ok(())
            } else {
                let mut text = format!(
                    "not verified: {} finding(s) for {}:",
                    v.findings.len(),
                    dir.display()
                );
                for f in &v.findings {
                    text.push_str("\n  ");
                    text.push_str(f);
                }
                Err(Error::other(text))
            }
        }
        Command::Diff { old, new } => {
            let a = report::manifest::read(&old)?;
            let b = report::manifest::read(&new)?;
            print!("{}", crate::audit::diff_text(&a, &b));
            Ok(())
        }
        Command::Explain {
            data,
            period,
            employee,
            schemes,
            lang,
        } => {
            let period = parse_period(&period)?;
            let labels = report::labels::Labels::new(parse_lang(&lang)?);
            let result = run::compute(&schemes, &data, period)?;
            let Some(i) = result
                .employees
                .iter()
                .position(|e| e.employee.id == employee.trim())
            else {
                return Err(Error::BadInput(vec![Problem::new(
                    "--employee",
                    format!("{employee:?} is not on the roster of {}", data.display()),
                )]));
            };
            let cx = report::Context::new(labels, String::new());
            print!("{}", report::statement::statement_text(&result, i, &cx));
            Ok(())
        }
        Command::Validate {
            schemes,
            data,
            period,
        } => {
            match (data, period) {
                (Some(data), Some(period)) => {
                    let period = parse_period(&period)?;
                    let result = run::compute(&schemes, &data, period)?;
                    print_warnings(&result.warnings);
                    println!(
                        "ok: {} scheme{}, {} employees, period {period}: no problems",
                        result.schemes.len(),
                        if result.schemes.len() == 1 { "" } else { "s" },
                        result.employees.len()
                    );
                }
                _ => {
                    let loaded = crate::scheme::load_dir(&schemes).map_err(Error::BadInput)?;
                    for s in &loaded {
                        print_warnings(&s.warnings);
                    }
                    let ids: Vec<&str> = loaded.iter().map(|s| s.id.as_str()).collect();
                    println!(
                        "ok: {} scheme{}: {}",
                        ids.len(),
                        if ids.len() == 1 { "" } else { "s" },
                        ids.join(", ")
                    );
                }
            }
            Ok(())
        }
    }
}

/// Refuse early, before any work, when the output folder is not empty.
fn check_out_dir(out: &Path, force: bool) -> Result<()> {
    if force || !out.exists() {
        return Ok(());
    }
    if out.is_file() {
        return Err(Error::other(format!(
            "{}: --out must be a folder, and this is a file",
            out.display()
        )));
    }
    let non_empty = std::fs::read_dir(out).is_ok_and(|mut e| e.next().is_some());
    match non_empty {
        true => Err(Error::other(format!(
            "{}: the output folder is not empty; choose another --out or pass --force to overwrite",
            out.display()
        ))),
        false => Ok(()),
    }
}
