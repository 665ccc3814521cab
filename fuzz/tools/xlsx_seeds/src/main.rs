//! One-off: small .xlsx seeds for the xlsx fuzz target, made from tests/fixtures/mini.
//! From fuzz/: `cargo run --manifest-path tools/xlsx_seeds/Cargo.toml -- ../tests/fixtures/mini seeds/xlsx`
//! (the `*-stored.xlsx` seeds are deals/formulas re-zipped uncompressed with `zip -0`, without
//! docProps and theme, so that mutations reach the XML).
use rust_xlsxwriter::{Format, Workbook};
const TABLES: [&str; 8] = [
    "employees",
    "plans",
    "calls",
    "emails",
    "meetings",
    "deals",
    "clients",
    "nps",
];
fn sheet(wb: &mut Workbook, mini: &str, t: &str, typed: bool) {
    let text = std::fs::read_to_string(format!("{mini}/{t}.csv")).unwrap();
    let ws = wb.add_worksheet();
    ws.set_name(t).unwrap();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let dt = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (r, line) in text.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            let (r, c) = (r as u32, c as u16);
            if cell.is_empty() {
                continue;
            }
            if typed && r > 0 {
                if let Ok(n) = cell.parse::<f64>() {
                    ws.write_number(r, c, n).unwrap();
                    continue;
                }
                if let Ok(d) = chrono::NaiveDate::parse_from_str(cell, "%Y-%m-%d") {
                    ws.write_datetime_with_format(r, c, &d, &date).unwrap();
                    continue;
                }
                if let Ok(d) = chrono::NaiveDateTime::parse_from_str(cell, "%Y-%m-%d %H:%M:%S") {
                    ws.write_datetime_with_format(r, c, &d, &dt).unwrap();
                    continue;
                }
                if cell == "yes" || cell == "no" {
                    ws.write_boolean(r, c, cell == "yes").unwrap();
                    continue;
                }
            }
            ws.write_string(r, c, cell).unwrap();
        }
    }
}
fn main() {
    let mini = std::env::args().nth(1).unwrap();
    let out = std::env::args().nth(2).unwrap();
    for t in TABLES {
        let mut wb = Workbook::new();
        sheet(&mut wb, &mini, t, true);
        wb.save(format!("{out}/{t}.xlsx")).unwrap();
    }
    let mut wb = Workbook::new();
    for t in TABLES {
        sheet(&mut wb, &mini, t, true);
    }
    wb.save(format!("{out}/all.xlsx")).unwrap();
    let mut wb = Workbook::new();
    for t in ["employees", "plans", "deals"] {
        sheet(&mut wb, &mini, t, false);
    }
    wb.save(format!("{out}/text-only.xlsx")).unwrap();
    // A formula cell with no cached value, and an error value.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("employees").unwrap();
    ws.write_row(0, 0, ["employee_id", "name", "scheme", "target_bonus"])
        .unwrap();
    ws.write_row(1, 0, ["E1", "A", "transactional"]).unwrap();
    ws.write_formula(1, 3, "=1/0").unwrap();
    ws.write_row(2, 0, ["E2", "B", "transactional"]).unwrap();
    ws.write_formula(
        2,
        3,
        rust_xlsxwriter::Formula::new("=HYPERLINK(\"x\")").set_result("100"),
    )
    .unwrap();
    wb.save(format!("{out}/formulas.xlsx")).unwrap();
}
