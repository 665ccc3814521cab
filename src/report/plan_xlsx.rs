//! plan.xlsx: the plan model as sheets (see docs/plan.md).

use crate::analysis::plan::Plan;
use crate::error::Result;
use crate::report::labels::Lang;
use crate::results::Evaluation;

/// The workbook's bytes.
pub fn plan_xlsx(_plan: &Plan, _ev: &Evaluation, _lang: Lang) -> Result<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet();
    wb.save_to_buffer()
        .map_err(|e| crate::error::Error::Other(e.to_string()))
}
