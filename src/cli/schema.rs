//! `incentive schema`: prints the JSON Schema of scheme files (`scheme::json_schema`), which
//! `schemes/scheme.schema.json` holds, so that an editor completes and checks scheme keys.

use crate::error::Result;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args) -> Result<()> {
    super::say(&crate::scheme::json_schema::text());
    Ok(())
}
