//! Reading a workbook back for tests: every sheet's non-empty cells with their values and
//! formulas, and the cell names tests print them under.

use calamine::{Data, Reader, Xlsx};
use std::collections::BTreeMap;
use std::io::Cursor;

#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub value: Data,
    pub formula: Option<String>,
}

/// Each sheet's non-empty cells by (row, column), in sheet order.
pub type Sheets = Vec<(String, BTreeMap<(u32, u32), Cell>)>;

pub fn read_sheets(bytes: &[u8]) -> Sheets {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an xlsx file");
    let mut out = Vec::new();
    for name in wb.sheet_names() {
        let mut cells: BTreeMap<(u32, u32), Cell> = BTreeMap::new();
        let values = wb.worksheet_range(&name).unwrap();
        if let Some((r0, c0)) = values.start() {
            for (r, c, v) in values.used_cells() {
                let at = (r0 + r as u32, c0 + c as u32);
                cells.insert(
                    at,
                    Cell {
                        value: v.clone(),
                        formula: None,
                    },
                );
            }
        }
        let formulas = wb.worksheet_formula(&name).unwrap();
        if let Some((r0, c0)) = formulas.start() {
            for (r, c, f) in formulas.used_cells() {
                if f.is_empty() {
                    continue;
                }
                let at = (r0 + r as u32, c0 + c as u32);
                cells
                    .entry(at)
                    .or_insert(Cell {
                        value: Data::Empty,
                        formula: None,
                    })
                    .formula = Some(f.clone());
            }
        }
        out.push((name, cells));
    }
    out
}

pub fn column_name(c: u32) -> String {
    let mut c = c + 1;
    let mut s = Vec::new();
    while c > 0 {
        s.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

pub fn cell_name(r: u32, c: u32) -> String {
    format!("{}{}", column_name(c), r + 1)
}

pub fn value_text(v: &Data) -> String {
    match v {
        Data::String(s) => format!("{s:?}"),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => format!("{i}"),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        other => format!("{other:?}"),
    }
}
