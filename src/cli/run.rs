//! `incentive run`: compute the period's payouts and write every output file.

use super::{Inputs, print_warnings};
use crate::error::Result;
use crate::report;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// The folder to write results into; must be empty unless --force.
    #[arg(long)]
    out: PathBuf,
    /// Replace a previous run in --out (never a final one, and never files incentive did not write).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    pub(super) feedback: super::Feedback,
    /// Mark this run as the period's final payout: no later run may be written into its folder.
    #[arg(long = "final")]
    final_run: bool,
    /// Write every output but statements/ (quick reruns); run.json records that none were
    /// written, and `incentive verify` checks such a run as any other.
    #[arg(long)]
    no_statements: bool,
}

pub fn run(a: Args) -> Result<()> {
    let (period, labels) = a.inputs.parse()?;
    // A run is never written into (or under) a final run it builds on.
    let inside = |dir: &std::path::Path| {
        let (Ok(out), Ok(dir)) = (
            std::fs::canonicalize(
                a.out
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(std::path::Path::new(".")),
            ),
            std::fs::canonicalize(dir),
        ) else {
            return false;
        };
        let out = out.join(a.out.file_name().unwrap_or_default());
        out.starts_with(&dir)
    };
    let close = &a.inputs.close;
    if let Some(dir) = close
        .previous
        .iter()
        .chain(&close.true_up)
        .find(|d| inside(d))
    {
        return Err(crate::error::Error::other(format!(
            "--out {} is inside the final run {} this run builds on; write the new period into a folder of its own",
            a.out.display(),
            dir.display()
        )));
    }
    if a.final_run && a.inputs.as_of.is_some() {
        return Err(crate::error::Error::BadInput(vec![
            crate::error::Problem::new(
                "--final",
                "a run during the month (--as-of) is never the period's payout; run the period without --as-of to make it final",
            ),
        ]));
    }
    if a.no_statements && a.inputs.as_of.is_some() {
        return Err(crate::error::Error::BadInput(vec![
            crate::error::Problem::new(
                "--no-statements",
                "a run during the month (--as-of) writes only statements; run without --no-statements",
            ),
        ]));
    }
    // Refuse before any work, not after a long run; the folder stays locked until published.
    let out_dir = crate::output::OutDir::open(&a.out, a.force, &a.inputs.data)?;
    let mut result = {
        let _s = crate::progress::stage("read and evaluate");
        a.inputs.compute(period)?
    };
    report::localize(&mut result, &labels);
    let i = &a.inputs;
    let mapping = match &i.mapping.mapping {
        Some(m) => format!(" --mapping {m}"),
        None => String::new(),
    };
    let command = format!(
        "incentive run --data {}{mapping} --period {} --schemes {} --lang {}{}",
        i.data.display(),
        result.period,
        i.schemes.display(),
        i.lang,
        i.close.command_text()
    );
    let mut cx = report::Context::new(labels, command);
    cx.final_run = a.final_run;
    cx.statements = !a.no_statements;
    // Statements are staged on disk as they are rendered; the rest is staged at publish.
    let staging = out_dir.staging()?;
    let files = staging.writing(|put| report::run_files_to(&result, &cx, Some(put)))?;
    {
        let _s = crate::progress::stage("publish");
        out_dir.publish_staged(staging, &files.kept, &files.staged)?;
    }
    print_warnings(&result.warnings);
    match &result.progress {
        Some(p) => sayln!(
            "{}: progress as of {} ({} of {} working days), {} statements in {}; no payroll: a run during the month is never a payout",
            result.period,
            p.as_of,
            p.days.elapsed,
            p.days.period,
            files.kept.len() + files.staged.len(),
            a.out.join("statements").display()
        ),
        None => super::say(&report::run_summary_of(
            &result,
            &a.out,
            &cx.labels,
            cx.statements,
        )),
    }
    Ok(())
}
