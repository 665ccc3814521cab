//! Problems found in the user's input, and the error type the commands return.
//!
//! Bad input is never fatal at the first problem: every stage collects [`Problem`]s so a single
//! run shows the user everything they must fix. A problem carries its location as the user sees
//! it (file, sheet, row, column, or file:line:column for schemes) and a message that quotes the
//! offending value and says what was expected.

use std::fmt;

/// One problem in the user's input, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// Where the problem is, already formatted for the user, e.g.
    /// `data.xlsx: sheet "deals", row 14, column "amount"` or `schemes/x.yaml:12:7`.
    pub place: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl Problem {
    pub fn new(place: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            place: place.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.place.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.place, self.message)
        }
    }
}

/// The most problems an error lists, whatever the input: the output stays bounded, and each
/// kind of problem is already summarised after [`PER_KIND`] of them.
pub const MAX_LISTED: usize = 200;

/// How many problems of one kind (one column's bad values, one kind of roster mistake) are
/// listed before the rest are summarised.
pub const PER_KIND: usize = 20;

/// Collects problems of one kind: the first [`PER_KIND`] are kept, the rest counted and
/// summarised as `… and N more <what> not listed` at `place`.
#[derive(Debug)]
pub struct Capped {
    place: String,
    what: String,
    kept: Vec<Problem>,
    more: usize,
}

impl Capped {
    pub fn new(place: impl Into<String>, what: impl Into<String>) -> Self {
        Capped {
            place: place.into(),
            what: what.into(),
            kept: Vec::new(),
            more: 0,
        }
    }

    pub fn push(&mut self, p: Problem) {
        if self.kept.len() < PER_KIND {
            self.kept.push(p);
        } else {
            self.more += 1;
        }
    }

    /// The kept problems, then the summary line when some were left out.
    pub fn finish(self, into: &mut Vec<Problem>) {
        into.extend(self.kept);
        if self.more > 0 {
            into.push(Problem::new(
                self.place,
                format!("… and {} more {} not listed", self.more, self.what),
            ));
        }
    }
}

/// Why a command failed. `main` maps each kind to its exit code.
#[derive(Debug)]
pub enum Error {
    /// The schemes or the data are wrong (exit code 2). Every problem found is listed.
    BadInput(Vec<Problem>),
    /// Anything else: an output folder that cannot be written, an I/O failure (exit code 1).
    Other(String),
}

impl Error {
    pub fn other(message: impl Into<String>) -> Self {
        Error::Other(message.into())
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::BadInput(_) => 2,
            Error::Other(_) => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadInput(problems) => {
                let n = problems.len();
                writeln!(
                    f,
                    "error: {n} problem{} in the input; nothing was written:",
                    if n == 1 { "" } else { "s" }
                )?;
                for p in problems.iter().take(MAX_LISTED) {
                    writeln!(f, "  {p}")?;
                }
                if n > MAX_LISTED {
                    writeln!(f, "  … and {} more problems not listed", n - MAX_LISTED)?;
                }
                Ok(())
            }
            Error::Other(message) => writeln!(f, "error: {message}"),
        }
    }
}

/// The closest candidate by edit distance, when it is close enough to be a typo.
pub fn suggest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut cur = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                let sub = prev[j] + usize::from(ca != *cb);
                cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
            }
            prev = cur;
        }
        prev[b.len()]
    }
    candidates
        .map(|c| (distance(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3) && *d < c.len())
        .min()
        .map(|(_, c)| c)
}

/// ` (did you mean "x"?)` when a candidate is close to `word`, else nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    suggest(word, candidates)
        .map(|s| format!(" (did you mean {s:?}?)"))
        .unwrap_or_default()
}

pub type Result<T> = std::result::Result<T, Error>;
