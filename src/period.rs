//! A payout period: one calendar month, `YYYY-MM`.

use chrono::{Datelike, NaiveDate};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    month: u32,
}

impl Period {
    /// Parses `YYYY-MM` (exactly that spelling).
    pub fn parse(text: &str) -> Option<Period> {
        let (y, m) = text.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let p = Period {
            year: y.parse().ok()?,
            month: m.parse().ok()?,
        };
        NaiveDate::from_ymd_opt(p.year, p.month, 1)?;
        Some(p)
    }

    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("validated in parse")
    }

    pub fn end(self) -> NaiveDate {
        let next = if self.month == 12 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, self.month + 1, 1)
        };
        next.expect("validated in parse")
            .pred_opt()
            .expect("not the first day ever")
    }

    pub fn days(self) -> i64 {
        (self.end() - self.start()).num_days() + 1
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        date.year() == self.year && date.month() == self.month
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_their_days() {
        let p = Period::parse("2026-09").unwrap();
        assert_eq!(p.days(), 30);
        assert_eq!(p.end(), NaiveDate::from_ymd_opt(2026, 9, 30).unwrap());
        assert_eq!(Period::parse("2028-02").unwrap().days(), 29);
        assert_eq!(
            Period::parse("2026-12").unwrap().end().to_string(),
            "2026-12-31"
        );
        assert_eq!(Period::parse("2026-9"), None);
        assert_eq!(Period::parse("2026-13"), None);
        assert_eq!(Period::parse("26-10"), None);
        assert_eq!(p.to_string(), "2026-09");
    }
}
