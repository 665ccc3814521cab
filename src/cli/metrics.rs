//! `incentive metrics [NAME]`: the catalogue of named metrics, listed by group, or one entry
//! explained — what it measures, why it matters, how it gets gamed and what resists it, the
//! practice's benchmark, and its exact definition in the scheme language.

use crate::error::{Error, Problem, Result};
use crate::scheme::catalogue::{self, Entry};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The metric to explain; without it, every entry is listed.
    name: Option<String>,
}

pub fn run(a: Args) -> Result<()> {
    let entries = catalogue::entries();
    match a.name.as_deref().map(str::trim) {
        None => super::say(&list(&entries)),
        Some(name) => match entries.iter().find(|e| e.name == name) {
            Some(e) => super::say(&explain(e)),
            None => {
                let hint =
                    crate::error::did_you_mean(name, entries.iter().map(|e| e.name.as_str()));
                return Err(Error::BadInput(vec![Problem::new(
                    "incentive metrics",
                    format!(
                        "{} is not in the catalogue{hint}; `incentive metrics` lists every entry",
                        crate::data::limits::quote(name)
                    ),
                )]));
            }
        },
    }
    Ok(())
}

fn list(entries: &[Entry]) -> String {
    let width = entries
        .iter()
        .map(|e| e.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut s = String::new();
    for group in catalogue::GROUPS {
        s += &format!("{group}\n");
        for e in entries.iter().filter(|e| e.group == group) {
            s += &format!("  {:width$}  {}\n", e.name, e.measures);
        }
    }
    s += "\nA scheme uses an entry by naming it (`metric: calls_2min`, or in a formula); its own \
          definition of the same name wins. `incentive metrics NAME` explains one.\n";
    s
}

fn explain(e: &Entry) -> String {
    let mut s = format!("{} ({})\n\n", e.name, e.group);
    for (label, text) in [
        ("measures", &e.measures),
        ("why", &e.why),
        ("gaming", &e.gaming),
        ("resists", &e.resists),
        ("benchmark", &e.benchmark),
    ] {
        s += &format!("{label:<10} {text}\n");
    }
    s += "\ndefinition (catalogue.yaml)\n";
    for line in e.definition.lines() {
        s += &format!("  {line}\n");
    }
    s
}
