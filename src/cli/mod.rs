//! The command line. Each subcommand lives in its own module with its arguments and its `run`;
//! this module parses, dispatches and maps the outcome to an exit code (0 ok, 2 bad input,
//! 1 anything else).

/// `println!` through [`say`]: a closed stdout ends the process quietly instead of panicking.
macro_rules! sayln {
    ($($t:tt)*) => {
        $crate::cli::say(&format!("{}\n", format_args!($($t)*)))
    };
}

mod compare;
mod diff;
mod explain;
mod map;
mod metrics;
mod plan;
mod run;
mod schema;
mod team;
mod validate;
mod verify;

use crate::error::{Error, Problem, Result};
use crate::period::Period;
use crate::report::labels::Lang;
use clap::{Parser, Subcommand};

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
    Run(run::Args),
    /// Recompute a run from the inputs recorded in DIR/run.json and say whether every amount
    /// matches, or which employee and KPI differ and why.
    Verify(verify::Args),
    /// Compare two runs of a period: per employee the old and new amount and the KPI-level cause.
    Diff(diff::Args),
    /// Print one employee's statement (the same breakdown as statements/<id>.xlsx).
    Explain(explain::Args),
    /// Check the schemes (and the data, when given) and print every problem found.
    Validate(validate::Args),
    /// Compare a candidate scheme with the schemes people are paid on, over several periods;
    /// write compare.xlsx (HR's document: never payroll).
    Compare(compare::Args),
    /// Read a CRM's own export through a mapping and write the canonical tables as CSV, with a
    /// report of how every source row was used (check a mapping before trusting it).
    Map(map::Args),
    /// List the catalogue of named metrics a scheme can use by name, or explain one.
    Metrics(metrics::Args),
    /// Print the JSON Schema of scheme files (the text of schemes/scheme.schema.json), for
    /// editors: a scheme file starting `# yaml-language-server: $schema=./scheme.schema.json`
    /// gets its keys completed and misspelt keys flagged.
    Schema(schema::Args),
    /// The head of sales' view of the whole team: trends, flags, funnel, loss reasons and (with
    /// --as-of) a mid-month forecast; writes team.json. Never payroll.
    Team(team::Args),
    /// Propose next month's plans from history (bottom-up, top-down or blend, with the season,
    /// joiners and leavers), each explained and back-tested; writes plans.csv, plan.xlsx and
    /// plan.json. Never payroll.
    Plan(plan::Args),
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
    // The thread count (readers and writers) is checked before any work, by every command.
    if let Err(p) = crate::threads::threads_setting() {
        let e = Error::BadInput(vec![p]);
        say_err(&e.to_string());
        return e.exit_code();
    }
    if let Some(f) = cli.command.feedback() {
        crate::progress::init(crate::progress::Options::for_terminal(f.quiet, f.timings));
    }
    let outcome = match cli.command {
        Command::Run(a) => run::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Validate(a) => validate::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Map(a) => map::run(a),
        Command::Metrics(a) => metrics::run(a),
        Command::Schema(a) => schema::run(a),
        Command::Team(a) => team::run(a),
        Command::Plan(a) => plan::run(a),
    };
    // Whatever the outcome: the progress line is cleared, and the stages timed are listed.
    say_err(&crate::progress::timings_text(&crate::progress::finish()));
    match outcome {
        Ok(()) => 0,
        Err(e) => {
            // Bounded: however many problems were collected, the listing stops at a screenful
            // of the worst kinds (see `Error::fmt`).
            say_err(&e.to_string());
            e.exit_code()
        }
    }
}

impl Command {
    /// The progress and timing flags of the commands that have them.
    fn feedback(&self) -> Option<&Feedback> {
        match self {
            Command::Run(a) => Some(&a.feedback),
            Command::Compare(a) => Some(&a.feedback),
            Command::Team(a) => Some(&a.feedback),
            _ => None,
        }
    }
}

/// How a long command reports while it works (on stderr only; stdout and the files are the same
/// either way).
#[derive(clap::Args, Debug, Clone, Default)]
struct Feedback {
    /// No progress display on stderr (it is shown only when stderr is a terminal, and only for
    /// a run that takes more than two seconds).
    #[arg(long)]
    quiet: bool,
    /// Print the wall time of each stage (reading and evaluating, each file written,
    /// publishing) on stderr at the end.
    #[arg(long)]
    timings: bool,
}

/// What a computation reads: the data, the month and the schemes (shared by run and explain).
#[derive(clap::Args, Debug)]
struct Inputs {
    /// A workbook (.xlsx, .xlsm, .xls, .ods; one sheet per table) or a folder of CSV files.
    #[arg(long)]
    data: std::path::PathBuf,
    #[command(flatten)]
    mapping: MappingArg,
    /// The month, YYYY-MM.
    #[arg(long)]
    period: String,
    /// The folder of scheme YAML files (a scheme's id is its file stem), or one scheme file.
    #[arg(long, default_value = "schemes")]
    schemes: std::path::PathBuf,
    /// Language of the workbook and statement labels: en or ru.
    #[arg(long, default_value = "en")]
    lang: String,
    #[command(flatten)]
    close: CloseArgs,
    /// A date inside the period: progress during the month, with the export read as it was that
    /// day (what is done, where the month is heading, what is still needed); never a payout.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
}

/// `--as-of`: a date inside the period, or the problem with it.
fn parse_as_of(
    text: Option<&str>,
    period: Period,
) -> std::result::Result<Option<chrono::NaiveDate>, Problem> {
    let Some(text) = text.map(str::trim) else {
        return Ok(None);
    };
    match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) if period.contains(d) => Ok(Some(d)),
        Ok(_) => Err(Problem::new(
            "--as-of",
            format!(
                "{} is not inside the period {period} ({} to {})",
                crate::data::limits::quote(text),
                period.start(),
                period.end()
            ),
        )),
        Err(_) => Err(Problem::new(
            "--as-of",
            format!(
                "{} is not a date; expected YYYY-MM-DD inside the period, e.g. {}",
                crate::data::limits::quote(text),
                period.start() + chrono::Days::new(14)
            ),
        )),
    }
}

/// The month-end close: the final runs a period's payouts build on (docs/month-end.md).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct CloseArgs {
    /// The previous period's final run folder, whose guarantee balances carry on; `none` when
    /// no earlier run was final (every balance starts at zero).
    #[arg(long, value_name = "DIR|none")]
    pub previous: Option<std::path::PathBuf>,
    /// A final run of an earlier period to recompute with today's data and pay the difference
    /// in this period (a `true_up` line); may be given for several periods.
    #[arg(long = "true-up", value_name = "DIR")]
    pub true_up: Vec<std::path::PathBuf>,
    /// The rules a true-up recomputes with: `recorded` (the scheme files of the final run,
    /// unchanged) or `current` (the --schemes of this run, stated in the audit).
    #[arg(long, default_value = "recorded", value_parser = ["recorded", "current"])]
    pub rules: String,
}

impl CloseArgs {
    pub fn close(&self) -> crate::close::Close {
        let none = self
            .previous
            .as_deref()
            .is_some_and(|p| p.as_os_str() == "none");
        crate::close::Close {
            previous: self.previous.clone().filter(|_| !none),
            from_zero: none,
            true_ups: self.true_up.clone(),
            current_rules: self.rules == "current",
        }
    }

    /// The flags as given, for the command recorded in the audit.
    pub fn command_text(&self) -> String {
        let mut s = String::new();
        if let Some(p) = &self.previous {
            s += &format!(" --previous {}", p.display());
        }
        for t in &self.true_up {
            s += &format!(" --true-up {}", t.display());
        }
        if self.rules != "recorded" {
            s += &format!(" --rules {}", self.rules);
        }
        s
    }
}

impl Inputs {
    /// The period and the labels, checked before any work.
    fn parse(&self) -> Result<(Period, crate::report::labels::Labels)> {
        let period = parse_period(&self.period)?;
        let labels = crate::report::labels::Labels::new(parse_lang(&self.lang)?);
        Ok((period, labels))
    }

    /// The day of a run during the month, checked against the period and the close flags.
    fn as_of(&self, period: Period) -> Result<Option<chrono::NaiveDate>> {
        let d = parse_as_of(self.as_of.as_deref(), period).map_err(|p| Error::BadInput(vec![p]))?;
        if d.is_some() && !self.close.close().is_empty() {
            return Err(Error::BadInput(vec![Problem::new(
                "--as-of",
                "a run during the month shows progress and is never a payout; --previous and --true-up belong to the month-end close",
            )]));
        }
        Ok(d)
    }

    fn compute(&self, period: Period) -> Result<crate::run::RunResult> {
        let inputs = crate::close::Inputs {
            schemes_dir: &self.schemes,
            data: &self.data,
            mapping: self.mapping.mapping.as_deref(),
        };
        if let Some(d) = self.as_of(period)? {
            return crate::close::progress(inputs, period, d);
        }
        crate::close::compute(
            crate::close::Inputs {
                schemes_dir: &self.schemes,
                data: &self.data,
                mapping: self.mapping.mapping.as_deref(),
            },
            period,
            &self.close.close(),
        )
    }
}

/// `--mapping`: how a CRM's own export becomes the canonical tables.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct MappingArg {
    /// Read --data as a CRM's own export through a mapping: a built-in preset (bitrix24,
    /// amocrm) or a mapping YAML file (which may `extends:` a preset).
    #[arg(long)]
    pub mapping: Option<String>,
}

fn parse_period(text: &str) -> Result<Period> {
    Period::parse_explained(text.trim())
        .map_err(|message| Error::BadInput(vec![Problem::new("--period", message)]))
}

fn parse_lang(text: &str) -> Result<Lang> {
    Lang::parse(text).ok_or_else(|| {
        Error::BadInput(vec![Problem::new(
            "--lang",
            format!("{text:?} is not a language of the labels; expected en or ru"),
        )])
    })
}

fn print_warnings(warnings: &[Problem]) {
    let mut text = String::new();
    for w in warnings {
        text.push_str(&format!("warning: {w}\n"));
    }
    say_err(&text);
}

/// Prints to stdout. When the reader has gone (`incentive diff … | head -1`), exits quietly with
/// code 0, as other Unix tools do, instead of panicking on the closed pipe.
fn say(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        // Nowhere left to say it: the exit code still tells.
        std::process::exit(1);
    }
}

/// Prints to stderr, never panicking when it is closed.
fn say_err(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
