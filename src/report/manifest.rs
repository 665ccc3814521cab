//! `run.json`: the machine-readable manifest of a run — inputs and schemes with their hashes,
//! the period, the version, and every employee's and KPI's result — read back by
//! `incentive verify` and `incentive diff`.

use super::{Context, exact_text, money};
use crate::error::{Error, Result};
use crate::run::{FileHash, RunResult};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub tool: String,
    pub version: String,
    pub period: String,
    pub command: String,
    pub lang: String,
    pub data: DataInput,
    pub schemes_dir: FileRef,
    pub schemes: Vec<SchemeRef>,
    pub total: String,
    pub employees: Vec<EmployeeEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileRef {
    /// As given on the command line.
    pub path: String,
    /// Resolved when the run happened, so verify works from another working folder.
    pub absolute: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DataInput {
    pub path: FileRef,
    pub files: Vec<HashedFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HashedFile {
    pub path: FileRef,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SchemeRef {
    pub id: String,
    pub name: String,
    pub currency: String,
    pub file: HashedFile,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EmployeeEntry {
    pub employee_id: String,
    pub name: String,
    pub team: String,
    pub scheme: String,
    pub currency: String,
    pub target_bonus: String,
    pub days_employed: i64,
    pub days_in_period: i64,
    pub total: String,
    pub flags: Vec<String>,
    pub kpis: Vec<KpiEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KpiEntry {
    pub id: String,
    pub name: String,
    pub metric: String,
    /// Decimals as text, 10 places at most; empty when missing ("no data").
    pub actual: String,
    pub target: String,
    pub attainment: String,
    pub factor: String,
    pub weight: String,
    pub amount: String,
    pub source_rows: u64,
    pub flags: Vec<String>,
}

pub fn file_ref(path: &Path) -> FileRef {
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    FileRef {
        path: path.display().to_string(),
        absolute: absolute.display().to_string(),
    }
}

impl FileRef {
    /// The file as recorded: the absolute path when it still exists, else the given one.
    pub fn resolve(&self) -> PathBuf {
        let abs = PathBuf::from(&self.absolute);
        if abs.exists() {
            abs
        } else {
            PathBuf::from(&self.path)
        }
    }
}

fn hashed(f: &FileHash) -> HashedFile {
    HashedFile {
        path: file_ref(&f.path),
        sha256: f.sha256.clone(),
    }
}

/// The manifest of a run.
pub fn manifest(run: &RunResult, cx: &Context) -> Manifest {
    let employees = run
        .employees
        .iter()
        .map(|e| {
            let scheme = &run.schemes[e.employee.scheme];
            EmployeeEntry {
                employee_id: e.employee.id.clone(),
                name: e.employee.name.clone(),
                team: e.employee.team.clone(),
                scheme: scheme.id.clone(),
                currency: scheme.currency.clone(),
                target_bonus: e.employee.target_bonus.normalize().to_string(),
                days_employed: e.employment.days_employed,
                days_in_period: e.employment.days_in_period,
                total: money(e.score.total),
                flags: e.score.flags.iter().map(|f| f.text().to_string()).collect(),
                kpis: scheme
                    .kpis
                    .iter()
                    .zip(&e.score.kpis)
                    .map(|(k, s)| KpiEntry {
                        id: k.id.clone(),
                        name: k.name.clone(),
                        metric: scheme.metrics[k.metric].name.clone(),
                        actual: exact_text(&s.actual, 10),
                        target: exact_text(&s.target, 10),
                        attainment: exact_text(&s.attainment, 10),
                        factor: exact_text(&Some(s.factor.clone()), 10),
                        weight: k.weight.normalize().to_string(),
                        amount: money(s.amount),
                        source_rows: s.rows,
                        flags: s.flags.iter().map(|f| f.text().to_string()).collect(),
                    })
                    .collect(),
            }
        })
        .collect();
    Manifest {
        tool: "incentive".into(),
        version: cx.version.into(),
        period: run.period.to_string(),
        command: cx.command.clone(),
        lang: match cx.labels.lang {
            super::labels::Lang::En => "en".into(),
            super::labels::Lang::Ru => "ru".into(),
        },
        data: DataInput {
            path: file_ref(&run.data_path),
            files: run.data_files.iter().map(hashed).collect(),
        },
        schemes_dir: file_ref(&run.schemes_dir),
        schemes: run
            .schemes
            .iter()
            .zip(&run.scheme_files)
            .map(|(s, f)| SchemeRef {
                id: s.id.clone(),
                name: s.name.clone(),
                currency: s.currency.clone(),
                file: hashed(f),
            })
            .collect(),
        total: money(run.total()),
        employees,
    }
}

pub fn to_json(m: &Manifest) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(m)
        .map_err(|e| Error::other(format!("cannot write run.json: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Reads `DIR/run.json`.
pub fn read(dir: &Path) -> Result<Manifest> {
    let path = dir.join("run.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::other(format!(
            "{}: cannot read the run manifest: {e}; is this a folder written by `incentive run`?",
            path.display()
        ))
    })?;
    serde_json::from_str(&text)
        .map_err(|e| Error::other(format!("{}: not a run manifest: {e}", path.display())))
}
