//! How the rows of each source table were used: the row-usage report of a mapped read.

use super::tables::Table;
use std::borrow::Cow;

/// What a source table was used for, in the row-usage report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Its rows became a canonical table's rows.
    Feeds(Table),
    /// A canonical table read as it is (the identity mapping).
    AsItIs(Table),
    /// Looked up by key (`tables.deals.columns.stage`).
    Lookup(String),
    /// HR's sheet, linking CRM user ids to the roster.
    People,
}

/// How the rows of one source table were used: `rows == kept + Σ dropped`, always.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    pub place: String,
    pub role: Role,
    pub rows: usize,
    pub kept: usize,
    /// Rows dropped, by reason (`TYPE_ID is not 4`), in the order first seen.
    pub dropped: Vec<(String, usize)>,
    /// For a lookup: how many of its kept rows some row looked up.
    pub looked_up: Option<usize>,
}

impl Usage {
    pub fn new(place: String, role: Role) -> Usage {
        Usage {
            place,
            role,
            rows: 0,
            kept: 0,
            dropped: Vec::new(),
            looked_up: None,
        }
    }
    /// Rows dropped, whatever the reason.
    pub fn dropped_rows(&self) -> usize {
        self.dropped.iter().map(|(_, n)| n).sum()
    }

    pub fn drop(&mut self, reason: Cow<'_, str>) {
        match self.dropped.iter_mut().find(|(r, _)| r.as_str() == reason) {
            Some((_, n)) => *n += 1,
            None => self.dropped.push((reason.into_owned(), 1)),
        }
    }
}
