//! The output folder writer: the one place that writes files, always inside `--out`.
//!
//! A run goes through three steps, so that killing the process at any moment leaves the folder
//! either as it was or complete once any later `incentive` command has looked at it:
//!
//! 1. [`OutDir::open`] refuses what must not be written into (a file, a symbolic link, a folder
//!    inside `--data` or holding it, a final run, a non-empty folder without `--force`, files that
//!    `incentive` did not write), creates the folder and takes its lock
//!    (`.incentive/lock`, so a second run into the same folder at the same moment is refused).
//! 2. Every file is written into `.incentive/staging/` ([`Staging::put`], as statements are
//!    rendered, and [`OutDir::publish_staged`] for the rest), then the run commits with one
//!    atomic rename of a journal (`.incentive/journal`) that lists the files to put in place,
//!    the folders to put in place whole (statements/: one rename, the previous run's set aside
//!    and removed) and the previous run's files to remove, then carries the journal out.
//! 3. Whoever opens the folder next ([`OutDir::open`], or [`recover`] for `verify` and `diff`)
//!    finishes a journal left by a killed run, or throws away a staging folder that has none.
//!
//! After a run the folder holds exactly that run's files: stale statements of people no longer
//! on the roster are removed, and `.incentive/` itself is removed.
//!
//! File names are checked here too: every path must be relative, made of [`is_safe_name`]
//! components, and no folder on the way may be a symbolic link.

use crate::error::{Error, Result};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

const STATE: &str = ".incentive";
const JOURNAL_HEADER: &str = "incentive publish journal v2";
/// A journal without `dir` lines, as versions before v2 wrote it: still carried out.
const JOURNAL_HEADER_V1: &str = "incentive publish journal v1";

/// Whether `name` is safe as one component of a file name on every common file system: 1 to 100
/// ASCII letters, digits, `-`, `_` and `.`, not starting with `.` or ending with `.`, and not a
/// name Windows reserves (CON, NUL, COM1, …).
pub fn is_safe_name(name: &str) -> bool {
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    let stem = name.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    !name.is_empty()
        && name.len() <= 100
        && ok_chars
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !reserved
}

/// The statement file stem of each employee id, in the same order: the id itself where it is a
/// safe file name and no other id equals it ignoring letter case; otherwise the id's safe
/// characters (others become `_`, at most 40) followed by `~` and the first 10 hex digits of the
/// SHA-256 of the exact id. `../../evil` becomes `______evil~3f0d…`, and `E1` beside `e1` become
/// `E1~…` and `e1~…`, which cannot collide on a case-insensitive file system.
pub fn statement_stems(ids: &[&str]) -> Vec<String> {
    use sha2::{Digest, Sha256};
    use std::collections::HashMap;
    let mut folded: HashMap<String, usize> = HashMap::new();
    for id in ids {
        *folded.entry(id.to_lowercase()).or_default() += 1;
    }
    ids.iter()
        .map(|id| {
            let plain = is_safe_name(id) && !id.contains('~') && folded[&id.to_lowercase()] == 1;
            if plain {
                return id.to_string();
            }
            let safe: String = id
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .take(40)
                .collect();
            let hash: String = Sha256::digest(id.as_bytes())
                .iter()
                .take(5)
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("{safe}~{hash}")
        })
        .collect()
}

/// Whether a relative path written by `incentive run` (payroll.csv, payouts.xlsx, run.json,
/// statements/*.xlsx, or a temporary file of an older version's writer) — the only files
/// `--force` may replace or remove.
fn is_run_file(rel: &str) -> bool {
    matches!(
        rel,
        "payroll.csv"
            | "payouts.xlsx"
            | "run.json"
            | "compare.xlsx"
            | "team.json"
            | "team.html"
            | "team.xlsx"
            | "plans.csv"
            | "plan.xlsx"
            | "plan.json"
            | "mapping-report.txt"
            | "source-rows.csv"
    ) || rel.ends_with(".partial")
        || rel.strip_prefix("canonical/").is_some_and(|n| {
            n.strip_suffix(".csv")
                .is_some_and(|t| crate::data::tables::Table::from_name(t).is_some())
        })
        || rel
            .strip_prefix("statements/")
            .is_some_and(|n| !n.contains('/') && n.ends_with(".xlsx"))
        || rel
            .strip_prefix("true-ups/")
            .and_then(|n| n.strip_suffix("/run.json"))
            .is_some_and(|p| crate::period::Period::parse(p).is_some())
}

/// Checks that `rel` is a relative path of safe names ([`is_safe_name`], or a statement stem
/// with `~`), so that joining it to the folder cannot leave it.
fn check_rel(rel: &str) -> Result<()> {
    let ok = !rel.is_empty()
        && rel
            .split('/')
            .all(|c| is_safe_name(&c.replacen('~', "-", 1)) && c.matches('~').count() <= 1);
    if ok {
        Ok(())
    } else {
        Err(Error::other(format!(
            "refusing to write {rel:?}: not a safe file name inside the output folder"
        )))
    }
}

/// An output folder opened for a run: created, locked, checked.
#[derive(Debug)]
pub struct OutDir {
    root: PathBuf,
    lock: Option<File>,
    /// Whether `open` created the folder (it is removed again if nothing is published).
    created: bool,
}

/// The folders a publish puts in place whole, by one rename, rather than file by file.
const WHOLE_FOLDERS: &[&str] = &["statements"];

/// Where a run's files are written before they are published ([`OutDir::staging`]).
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
}

impl Staging {
    /// Writes one file (a relative path with `/`, checked like every name written) into the
    /// staging folder. Safe to call from several threads at once.
    pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        check_rel(rel)?;
        let path = self.dir.join(rel);
        match fs::write(&path, bytes) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent).map_err(|e| io_err(parent, "create", e))?;
                }
                fs::write(&path, bytes)
            }
            done => done,
        }
        .map_err(|e| io_err(&path, "write", e))?;
        step();
        Ok(())
    }

    /// Runs `work`, which hands files (a relative path and its bytes) to the function it is
    /// given, from any thread: with two threads or more they are written by one writer thread
    /// of their own (the file system takes files into one folder fastest one at a time) while
    /// `work` goes on; on one thread, at once. The first file that could not be written is the
    /// error, before any of `work`'s own.
    pub fn writing<T>(&self, work: impl FnOnce(crate::report::Put<'_>) -> Result<T>) -> Result<T> {
        if crate::threads::threads() < 2 {
            return work(&|rel, bytes| self.put(&rel, &bytes));
        }
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<(String, Vec<u8>)>(64);
            let writer = scope.spawn(move || -> Result<()> {
                for (rel, bytes) in rx {
                    self.put(&rel, &bytes)?;
                }
                Ok(())
            });
            let put = move |rel: String, bytes: Vec<u8>| {
                tx.send((rel, bytes))
                    .map_err(|_| Error::other("the files could not be staged".to_string()))
            };
            let done = work(&put);
            drop(put);
            let written = match writer.join() {
                Ok(written) => written,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            // A file that could not be written says why; handing one to a writer that stopped
            // does not.
            written.and(done)
        })
    }
}

fn io_err(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::other(format!("{}: cannot {what}: {e}", path.display()))
}

/// The step counter behind `INCENTIVE_TEST_CRASH_AT` (a test hook: the process aborts right
/// after that many changes to the folder, as if killed, so the tests can prove that every
/// interruption is recovered).
fn step() {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STEPS: AtomicU64 = AtomicU64::new(0);
    let Some(at) = std::env::var("INCENTIVE_TEST_CRASH_AT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return;
    };
    if STEPS.fetch_add(1, Ordering::SeqCst) + 1 == at {
        std::process::abort();
    }
}

fn is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

impl OutDir {
    /// Opens `root` for a run whose data is `data`. Refuses (exit code 1, nothing written):
    /// a file or a symbolic link as `--out`; `--out` inside `--data` or holding it; a folder
    /// in use by another run; a final run; a non-empty folder without `force`; and, even with
    /// `force`, a folder holding files that `incentive run` did not write.
    pub fn open(root: &Path, force: bool, data: &Path) -> Result<OutDir> {
        let shown = root.display();
        if is_symlink(root) {
            return Err(Error::other(format!(
                "{shown}: --out is a symbolic link; give the folder itself, so that nothing is written elsewhere"
            )));
        }
        if root.exists() && !root.is_dir() {
            return Err(Error::other(format!(
                "{shown}: --out must be a folder, and this is a file"
            )));
        }
        check_apart(root, data)?;
        let created = !root.exists();
        fs::create_dir_all(root).map_err(|e| io_err(root, "create the output folder", e))?;
        let mut out = OutDir {
            root: root.to_path_buf(),
            lock: None,
            created,
        };
        out.lock = Some(lock(root)?);
        finish_interrupted(root)?;
        if let Some(state) = final_state(root)? {
            return Err(Error::other(format!(
                "{shown}: holds the final run of period {state}; a final run is never overwritten, \
                 --force included. Write the corrected run into a new folder and compare the two \
                 with `incentive diff`"
            )));
        }
        let existing = list_files(root)?;
        if !existing.is_empty() {
            if !force {
                return Err(Error::other(format!(
                    "{shown}: the output folder is not empty; choose another --out or pass --force to overwrite"
                )));
            }
            let foreign: Vec<&String> = existing.iter().filter(|f| !is_run_file(f)).collect();
            if !foreign.is_empty() {
                let shown_names: Vec<String> =
                    foreign.iter().take(5).map(|f| format!("{f:?}")).collect();
                return Err(Error::other(format!(
                    "{shown}: holds {} file(s) that incentive did not write ({}{}); --force replaces \
                     only a previous run's files: choose another --out",
                    foreign.len(),
                    shown_names.join(", "),
                    if foreign.len() > 5 { ", …" } else { "" }
                )));
            }
        }
        Ok(out)
    }

    /// Publishes the run's files (relative paths with `/`): all or nothing, and afterwards the
    /// folder holds exactly these files.
    pub fn publish(self, files: &[(String, Vec<u8>)]) -> Result<()> {
        let staging = self.staging()?;
        self.publish_staged(staging, files, &[])
    }

    /// Starts a publish: an empty `.incentive/staging/`, into which [`Staging::put`] writes
    /// files (from any thread) before [`OutDir::publish_staged`] commits them. Staged files that
    /// are never committed are thrown away by whoever opens the folder next.
    pub fn staging(&self) -> Result<Staging> {
        let dir = self.root.join(STATE).join("staging");
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|e| io_err(&dir, "clear", e))?;
        }
        fs::create_dir_all(&dir).map_err(|e| io_err(&dir, "create", e))?;
        Ok(Staging { dir })
    }

    /// Publishes `files` and the files already put into `staging` (`staged`, relative paths
    /// with `/`): all or nothing, and afterwards the folder holds exactly these files. The
    /// statements folder is put in place whole (the previous run's is set aside and removed),
    /// so a rerun does not replace its files one by one.
    pub fn publish_staged(
        mut self,
        staging: Staging,
        files: &[(String, Vec<u8>)],
        staged: &[String],
    ) -> Result<()> {
        let root = self.root.clone();
        for rel in staged {
            check_rel(rel)?;
        }
        for (rel, bytes) in files {
            staging.put(rel, bytes)?;
        }
        let new: std::collections::BTreeSet<&str> = files
            .iter()
            .map(|(r, _)| r.as_str())
            .chain(staged.iter().map(String::as_str))
            .collect();
        let whole = |rel: &str| {
            rel.split_once('/')
                .is_some_and(|(dir, _)| WHOLE_FOLDERS.contains(&dir))
        };
        let swapped: std::collections::BTreeSet<&str> = WHOLE_FOLDERS
            .iter()
            .copied()
            .filter(|dir| {
                new.iter()
                    .any(|r| r.split_once('/').is_some_and(|(d, _)| d == *dir))
            })
            .collect();
        let mut journal = format!("{JOURNAL_HEADER}\n");
        for old in list_files(&root)? {
            let goes_with_its_folder = old
                .split_once('/')
                .is_some_and(|(dir, _)| swapped.contains(dir));
            if !new.contains(old.as_str()) && !goes_with_its_folder {
                journal.push_str(&format!("del {old}\n"));
            }
        }
        for dir in &swapped {
            journal.push_str(&format!("dir {dir}\n"));
        }
        for rel in &new {
            if !whole(rel) {
                journal.push_str(&format!("put {rel}\n"));
            }
        }
        let state = root.join(STATE);
        let tmp = state.join("journal.tmp");
        let mut f = File::create(&tmp).map_err(|e| io_err(&tmp, "write", e))?;
        f.write_all(journal.as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|e| io_err(&tmp, "write", e))?;
        step();
        // The commit point: from here on the run is published, by this process or the next.
        fs::rename(&tmp, state.join("journal")).map_err(|e| io_err(&tmp, "rename", e))?;
        step();
        carry_out(&root)?;
        self.created = false;
        self.release();
        Ok(())
    }

    /// Unlocks, and removes `.incentive/` (and the folder, if this run created it and left it
    /// empty).
    fn release(&mut self) {
        if self.lock.take().is_some() {
            let state = self.root.join(STATE);
            // Files staged for a publish that never committed (a statement that could not be
            // written): nothing refers to them. After a commit the journal does, and they stay
            // until it is carried out.
            if !state.join("journal").exists() {
                let _ = fs::remove_dir_all(state.join("staging"));
            }
            let _ = fs::remove_file(state.join("lock"));
            let _ = fs::remove_dir(&state);
        }
        if self.created {
            let _ = fs::remove_dir(&self.root);
        }
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        self.release();
    }
}

/// For commands that read a run folder (`verify`, `diff`): finishes a publish that a killed run
/// left half done, so that they read either the old run or the new one, never a mix.
pub fn recover(root: &Path) -> Result<()> {
    if !root.join(STATE).is_dir() || is_symlink(root) {
        return Ok(());
    }
    let mut out = OutDir {
        root: root.to_path_buf(),
        lock: Some(lock(root)?),
        created: false,
    };
    let done = finish_interrupted(root);
    out.release();
    done
}

/// Refuses an output folder inside the data folder, or data inside the output folder (a run
/// with --force could otherwise replace the data it reads, and the next run would read the
/// outputs as data).
fn check_apart(root: &Path, data: &Path) -> Result<()> {
    let absolute = |p: &Path| -> Option<PathBuf> {
        // The output folder may not exist yet: resolve its nearest existing ancestor.
        let mut tail = Vec::new();
        let mut cur = p.to_path_buf();
        loop {
            if let Ok(c) = fs::canonicalize(&cur) {
                let mut c = c;
                for t in tail.iter().rev() {
                    c.push(t);
                }
                return Some(c);
            }
            tail.push(cur.file_name()?.to_os_string());
            cur = cur
                .parent()
                .map(Path::to_path_buf)
                .filter(|p| !p.as_os_str().is_empty())?;
        }
    };
    let (Some(out), Some(data_abs)) = (absolute(root), absolute(data)) else {
        return Ok(());
    };
    if data_abs.starts_with(&out) {
        return Err(Error::other(format!(
            "{}: --out holds the --data {}; choose an output folder outside the data",
            root.display(),
            data.display()
        )));
    }
    if data.is_dir() && out.starts_with(&data_abs) {
        return Err(Error::other(format!(
            "{}: --out is inside the --data folder {}; choose an output folder outside the data",
            root.display(),
            data.display()
        )));
    }
    Ok(())
}

/// Takes the folder's lock, refusing at once when another run holds it.
fn lock(root: &Path) -> Result<File> {
    let state = root.join(STATE);
    if is_symlink(&state) {
        return Err(Error::other(format!(
            "{}: is a symbolic link; refusing to write through it",
            state.display()
        )));
    }
    fs::create_dir_all(&state).map_err(|e| io_err(&state, "create", e))?;
    let path = state.join("lock");
    for _ in 0..10 {
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_err(&path, "create the lock", e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(Error::other(format!(
                    "{}: the folder is in use by another incentive run; wait for it to finish or choose another --out",
                    root.display()
                )));
            }
            Err(fs::TryLockError::Error(e)) => return Err(io_err(&path, "lock", e)),
        }
        // The run that held the lock may have removed the file between our open and our lock:
        // then the lock is on a file nobody else will open, and must be taken again.
        if same_file(&file, &path) {
            return Ok(file);
        }
    }
    Err(Error::other(format!(
        "{}: cannot take the folder's lock",
        root.display()
    )))
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// Completes a committed journal, or discards staged files that were never committed.
fn finish_interrupted(root: &Path) -> Result<()> {
    let state = root.join(STATE);
    if state.join("journal").exists() {
        return carry_out(root);
    }
    let _ = fs::remove_file(state.join("journal.tmp"));
    let staging = state.join("staging");
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(|e| io_err(&staging, "clear", e))?;
    }
    Ok(())
}

/// Carries out the journal: removes the previous run's files it names, renames every staged
/// file into place, then removes the staging folder and the journal. Every step can be
/// repeated, so a run killed half way is finished by the next.
fn carry_out(root: &Path) -> Result<()> {
    let state = root.join(STATE);
    let journal_path = state.join("journal");
    let text = fs::read_to_string(&journal_path).map_err(|e| io_err(&journal_path, "read", e))?;
    let mut lines = text.lines();
    if !matches!(lines.next(), Some(JOURNAL_HEADER | JOURNAL_HEADER_V1)) {
        return Err(Error::other(format!(
            "{}: not a journal of this version of incentive; remove the folder {} by hand",
            journal_path.display(),
            state.display()
        )));
    }
    let mut puts = Vec::new();
    let mut whole = Vec::new();
    for line in lines {
        let (op, rel) = line.split_once(' ').unwrap_or((line, ""));
        check_rel(rel)?;
        match op {
            "del" => match fs::remove_file(root.join(rel)) {
                Ok(()) => step(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err(&root.join(rel), "remove", e)),
            },
            "put" => puts.push(rel),
            "dir" if WHOLE_FOLDERS.contains(&rel) => whole.push(rel),
            _ => {
                return Err(Error::other(format!(
                    "{}: unreadable line {line:?}",
                    journal_path.display()
                )));
            }
        }
    }
    let staging = state.join("staging");
    for dir in whole {
        put_folder(root, &staging, dir)?;
    }
    for rel in puts {
        let from = staging.join(rel);
        if !from.exists() {
            continue; // already in place
        }
        let to = root.join(rel);
        if let Some(parent) = to.parent() {
            if is_symlink(parent) {
                return Err(Error::other(format!(
                    "{}: is a symbolic link; refusing to write through it",
                    parent.display()
                )));
            }
            fs::create_dir_all(parent).map_err(|e| io_err(parent, "create", e))?;
        }
        fs::rename(&from, &to).map_err(|e| io_err(&to, "rename into place", e))?;
        step();
    }
    remove_empty_dirs(root);
    fs::remove_dir_all(&staging)
        .or_else(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Ok(())
            } else {
                Err(e)
            }
        })
        .map_err(|e| io_err(&staging, "remove", e))?;
    fs::remove_file(&journal_path).map_err(|e| io_err(&journal_path, "remove", e))?;
    Ok(())
}

/// Puts the staged folder `dir` in place whole: the previous run's is moved aside into
/// `.incentive/` (one rename), the staged one moved in (one rename), and the previous one
/// removed. Every step can be repeated: a staged folder still there has not been moved in yet,
/// and whatever was set aside is removed at the end.
fn put_folder(root: &Path, staging: &Path, dir: &str) -> Result<()> {
    let staged = staging.join(dir);
    let live = root.join(dir);
    let aside = root.join(STATE).join(format!("previous-{dir}"));
    if staged.is_dir() {
        if is_symlink(&live) {
            return Err(Error::other(format!(
                "{}: is a symbolic link; refusing to write through it",
                live.display()
            )));
        }
        if live.exists() {
            if aside.exists() {
                // Left by a publish that was finished before this one began.
                fs::remove_dir_all(&aside).map_err(|e| io_err(&aside, "remove", e))?;
            }
            fs::rename(&live, &aside).map_err(|e| io_err(&live, "set aside", e))?;
            step();
        }
        fs::rename(&staged, &live).map_err(|e| io_err(&live, "rename into place", e))?;
        step();
    }
    if aside.exists() {
        fs::remove_dir_all(&aside).map_err(|e| io_err(&aside, "remove", e))?;
        step();
    }
    Ok(())
}

/// Removes folders left empty by removed files (statements/ when nobody is on the roster).
fn remove_empty_dirs(root: &Path) {
    if let Ok(entries) = fs::read_dir(root) {
        for e in entries.flatten() {
            let p = e.path();
            if p.file_name().is_some_and(|n| n != STATE) && e.file_type().is_ok_and(|t| t.is_dir())
            {
                let _ = fs::remove_dir(&p);
            }
        }
    }
}

/// Every file and symbolic link under `root` (not following links), as relative paths with `/`,
/// sorted, without `.incentive/`. An empty folder counts as nothing.
fn list_files(root: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| io_err(&dir, "list", e))?;
        for e in entries {
            let e = e.map_err(|e| io_err(&dir, "list", e))?;
            let name = e.file_name().to_string_lossy().to_string();
            if prefix.is_empty() && name == STATE {
                continue;
            }
            let rel = format!("{prefix}{name}");
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                stack.push((e.path(), format!("{rel}/")));
            } else {
                out.push(rel);
            }
            if out.len() > 1_000_000 {
                return Err(Error::other(format!(
                    "{}: holds more than a million files; choose another --out",
                    root.display()
                )));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The period of the final run in the folder, if it holds one. A run.json that cannot be read
/// is refused too: whether it is final cannot be told.
fn final_state(root: &Path) -> Result<Option<String>> {
    let path = root.join("run.json");
    if !path.exists() {
        return Ok(None);
    }
    #[derive(serde::Deserialize)]
    struct Head {
        period: Option<String>,
        #[serde(default, rename = "final")]
        final_run: bool,
    }
    let text = crate::report::manifest::read_text(&path)?;
    let head: Head = serde_json::from_str(&text).map_err(|e| {
        Error::other(format!(
            "{}: cannot be read ({e}), so whether it is a final run cannot be told; choose another --out",
            path.display()
        ))
    })?;
    Ok(head
        .final_run
        .then(|| head.period.unwrap_or_else(|| "?".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        list_files(dir).unwrap()
    }

    fn files(list: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        list.iter()
            .map(|(n, b)| (n.to_string(), b.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn safe_names() {
        for ok in ["E001", "e-1", "a_b.c", "12345", "COMX", "LPT", "CONSOLE"] {
            assert!(is_safe_name(ok), "{ok}");
        }
        for bad in [
            "", ".", "..", "../x", "a/b", "a\\b", ".hidden", "trail.", "CON", "nul", "com1",
            "LPT9.txt", "a b", "Иван", "a:b", "x\0",
        ] {
            assert!(!is_safe_name(bad), "{bad:?}");
        }
        assert!(!is_safe_name(&"a".repeat(101)));
    }

    #[test]
    fn statement_stems_are_safe_distinct_and_case_proof() {
        let ids = [
            "E1",
            "e1",
            "../../evil",
            "E2",
            "Иван Петров",
            "CON",
            "a~b",
            "x/y",
        ];
        let stems = statement_stems(&ids);
        assert_eq!(stems[3], "E2");
        assert!(stems[0].starts_with("E1~") && stems[1].starts_with("e1~"));
        assert!(stems[2].starts_with("______evil~"));
        assert!(stems[4].starts_with("___________~"), "{}", stems[4]);
        let mut folded: Vec<String> = stems.iter().map(|s| s.to_lowercase()).collect();
        folded.sort();
        folded.dedup();
        assert_eq!(folded.len(), ids.len(), "{stems:?}");
        for s in &stems {
            check_rel(&format!("statements/{s}.xlsx")).unwrap();
        }
        assert_eq!(statement_stems(&["E1"]), ["E1"]);
    }

    #[test]
    fn unsafe_paths_are_refused() {
        for bad in [
            "../x",
            "/etc/passwd",
            "a//b",
            "statements/../../x",
            "",
            "a/./b",
        ] {
            assert!(check_rel(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn publish_replaces_the_previous_run_exactly() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let data = tmp.path().join("data.xlsx");
        let first = files(&[
            ("payroll.csv", "a"),
            ("statements/E1.xlsx", "1"),
            ("statements/E2.xlsx", "2"),
        ]);
        OutDir::open(&out, false, &data)
            .unwrap()
            .publish(&first)
            .unwrap();
        assert_eq!(
            listing(&out),
            ["payroll.csv", "statements/E1.xlsx", "statements/E2.xlsx"]
        );
        assert!(!out.join(STATE).exists());
        match OutDir::open(&out, false, &data) {
            Err(Error::Other(m)) => assert!(m.ends_with("pass --force to overwrite"), "{m}"),
            other => panic!("{other:?}"),
        }
        let second = files(&[("payroll.csv", "b"), ("statements/E2.xlsx", "2b")]);
        OutDir::open(&out, true, &data)
            .unwrap()
            .publish(&second)
            .unwrap();
        assert_eq!(listing(&out), ["payroll.csv", "statements/E2.xlsx"]);
        assert_eq!(fs::read(out.join("statements/E2.xlsx")).unwrap(), b"2b");
    }

    #[test]
    fn force_never_removes_files_it_did_not_write() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("notes.txt"), "mine").unwrap();
        let err = OutDir::open(&out, true, &tmp.path().join("d.xlsx")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "error: {}: holds 1 file(s) that incentive did not write (\"notes.txt\"); --force \
                 replaces only a previous run's files: choose another --out\n",
                out.display()
            )
        );
        assert_eq!(fs::read(out.join("notes.txt")).unwrap(), b"mine");
        assert!(!out.join(STATE).exists(), "a refused open leaves no trace");
    }

    #[test]
    fn a_second_run_into_a_locked_folder_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let data = tmp.path().join("d.xlsx");
        let first = OutDir::open(&out, false, &data).unwrap();
        let err = OutDir::open(&out, false, &data).unwrap_err().to_string();
        assert!(
            err.contains("the folder is in use by another incentive run"),
            "{err}"
        );
        drop(first);
        assert!(
            !out.exists(),
            "an unpublished run removes the folder it created"
        );
        OutDir::open(&out, false, &data).unwrap();
    }

    #[test]
    fn out_and_data_must_be_apart() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        fs::create_dir_all(&data).unwrap();
        let inside = OutDir::open(&data.join("out"), false, &data).unwrap_err();
        assert!(
            inside
                .to_string()
                .contains("--out is inside the --data folder")
        );
        let holds = OutDir::open(tmp.path(), true, &data).unwrap_err();
        assert!(holds.to_string().contains("--out holds the --data"));
        assert!(!data.join("out").exists());
    }

    #[test]
    fn staged_files_are_published_with_the_rest_and_statements_move_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let data = tmp.path().join("data.xlsx");
        let first = files(&[("statements/E1.xlsx", "1"), ("statements/E3.xlsx", "3")]);
        OutDir::open(&out, false, &data)
            .unwrap()
            .publish(&first)
            .unwrap();
        let dir = OutDir::open(&out, true, &data).unwrap();
        let staging = dir.staging().unwrap();
        staging.put("statements/E1.xlsx", b"1b").unwrap();
        staging.put("statements/E2.xlsx", b"2b").unwrap();
        assert!(staging.put("../E9.xlsx", b"x").is_err());
        let staged = [
            "statements/E1.xlsx".to_string(),
            "statements/E2.xlsx".into(),
        ];
        dir.publish_staged(staging, &files(&[("payroll.csv", "p")]), &staged)
            .unwrap();
        assert_eq!(
            listing(&out),
            ["payroll.csv", "statements/E1.xlsx", "statements/E2.xlsx"]
        );
        assert_eq!(fs::read(out.join("statements/E1.xlsx")).unwrap(), b"1b");
        assert!(!out.join(STATE).exists());
    }

    #[test]
    fn files_staged_for_a_publish_that_never_commits_are_thrown_away() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let dir = OutDir::open(&out, false, &tmp.path().join("data.xlsx")).unwrap();
        let staging = dir.staging().unwrap();
        staging.put("statements/E1.xlsx", b"1").unwrap();
        drop(staging);
        drop(dir); // a statement that could not be written: no publish
        assert!(
            !out.exists(),
            "the folder this run created is removed again"
        );
    }

    #[test]
    fn a_journal_of_the_first_version_is_still_carried_out() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let staging = out.join(STATE).join("staging/statements");
        fs::create_dir_all(&staging).unwrap();
        fs::write(staging.join("E1.xlsx"), "new").unwrap();
        fs::create_dir_all(out.join("statements")).unwrap();
        fs::write(out.join("statements/E1.xlsx"), "old").unwrap();
        fs::write(out.join("statements/E2.xlsx"), "gone").unwrap();
        fs::write(
            out.join(STATE).join("journal"),
            format!("{JOURNAL_HEADER_V1}\ndel statements/E2.xlsx\nput statements/E1.xlsx\n"),
        )
        .unwrap();
        recover(&out).unwrap();
        assert_eq!(listing(&out), ["statements/E1.xlsx"]);
        assert_eq!(fs::read(out.join("statements/E1.xlsx")).unwrap(), b"new");
        assert!(!out.join(STATE).exists());
    }

    #[test]
    fn a_folder_put_in_place_whole_survives_a_stop_between_its_renames() {
        // Killed after the previous statements were set aside and before the new ones moved in.
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let state = out.join(STATE);
        fs::create_dir_all(state.join("staging/statements")).unwrap();
        fs::write(state.join("staging/statements/E1.xlsx"), "new").unwrap();
        fs::create_dir_all(state.join("previous-statements")).unwrap();
        fs::write(state.join("previous-statements/E1.xlsx"), "old").unwrap();
        fs::write(state.join("previous-statements/E2.xlsx"), "old").unwrap();
        fs::write(
            state.join("journal"),
            format!("{JOURNAL_HEADER}\ndir statements\n"),
        )
        .unwrap();
        recover(&out).unwrap();
        assert_eq!(listing(&out), ["statements/E1.xlsx"]);
        assert_eq!(fs::read(out.join("statements/E1.xlsx")).unwrap(), b"new");
        assert!(!state.exists());
    }
}
