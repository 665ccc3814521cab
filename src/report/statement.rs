//! `statements/<employee_id>.xlsx`: each employee's own bonus statement, and nothing about anyone
//! else.

use super::Context;
use crate::error::Result;
use crate::run::RunResult;

/// One statement per employee: (file name, bytes), sorted by employee_id.
pub fn statements(run: &RunResult, cx: &Context) -> Result<Vec<(String, Vec<u8>)>> {
    let _ = (run, cx);
    Ok(Vec::new())
}
