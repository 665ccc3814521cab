//! A payout period: one calendar month, `YYYY-MM`, in the years 1900-9999.
//!
//! The year range is what the outputs can hold: spreadsheet dates start on 1900-01-01 (Excel
//! and LibreOffice show nothing sensible before), and the calendar of the workbook ends on
//! 9999-12-31. Scheme offsets are bounded too (±100 years, see `scheme::MAX_OFFSET_DAYS`), so
//! every date computed from a period stays inside chrono's calendar.

use chrono::{Datelike, NaiveDate};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    month: u32,
}

/// The first and last year a period may be in.
pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 9999;

impl Period {
    /// Parses `YYYY-MM` (exactly that spelling), years 1900-9999.
    pub fn parse(text: &str) -> Option<Period> {
        Period::parse_explained(text).ok()
    }

    /// Like [`Period::parse`], saying what is wrong: not a month, or a year the outputs cannot
    /// hold.
    pub fn parse_explained(text: &str) -> Result<Period, String> {
        let shown: String = text.chars().take(40).collect();
        let not_a_month = || format!("{shown:?} is not a month; expected YYYY-MM, e.g. 2026-10");
        let (y, m) = text.split_once('-').ok_or_else(not_a_month)?;
        if !(4..=5).contains(&y.len())
            || m.len() != 2
            || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit())
        {
            return Err(not_a_month());
        }
        let year: i32 = y.parse().map_err(|_| not_a_month())?;
        let month: u32 = m.parse().map_err(|_| not_a_month())?;
        if !(1..=12).contains(&month) {
            return Err(not_a_month());
        }
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return Err(format!(
                "{shown:?}: the year {year} is out of range; periods run from {FIRST_YEAR}-01 to {LAST_YEAR}-12 (spreadsheet dates start in 1900 and end in 9999)"
            ));
        }
        Ok(Period { year, month })
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

    /// The month a date is in.
    pub fn of(date: NaiveDate) -> Period {
        Period {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The month before, none before the first year a period may have.
    pub fn previous(self) -> Option<Period> {
        self.start()
            .pred_opt()
            .map(Period::of)
            .filter(|p| Period::parse(&p.to_string()).is_some())
    }

    /// The month after, none after 9999-12.
    pub fn next(self) -> Option<Period> {
        let (year, month) = if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        };
        (year <= LAST_YEAR).then_some(Period { year, month })
    }

    /// Months from `self` to `other` (as `other - self`; negative when `other` is earlier).
    pub fn months_until(self, other: Period) -> i64 {
        (other.year as i64 - self.year as i64) * 12 + other.month as i64 - self.month as i64
    }

    /// The periods of `--period` arguments: each a month (`2026-10`) or an inclusive range
    /// (`2026-07..2026-10`), in order, without repeats. At most [`MAX_PERIODS`] in all: ten
    /// years of months is more than any comparison needs, and bounds the work a typo can ask for.
    pub fn parse_list<S: AsRef<str>>(args: &[S]) -> Result<Vec<Period>, String> {
        let mut out: Vec<Period> = Vec::new();
        for arg in args {
            let text = arg.as_ref().trim();
            match text.split_once("..") {
                None => out.push(Period::parse_explained(text)?),
                Some((a, b)) => {
                    let (from, to) = (
                        Period::parse_explained(a.trim())?,
                        Period::parse_explained(b.trim())?,
                    );
                    if to < from {
                        return Err(format!(
                            "{text:?}: the range ends before it starts; write the earlier month first, e.g. {to}..{from}"
                        ));
                    }
                    if from.months_until(to) >= MAX_PERIODS as i64 {
                        return Err(format!(
                            "{text:?} spans {} months; at most {MAX_PERIODS} periods at once",
                            from.months_until(to) + 1
                        ));
                    }
                    let mut p = from;
                    out.push(p);
                    while p < to {
                        p = p.next().expect("below `to`, so not the last month");
                        out.push(p);
                    }
                }
            }
            if out.len() > MAX_PERIODS {
                return Err(format!("more than {MAX_PERIODS} periods at once"));
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }
}

/// The most periods one command evaluates.
pub const MAX_PERIODS: usize = 120;

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(args: &[&str]) -> Result<Vec<String>, String> {
        Period::parse_list(args).map(|v| v.iter().map(|p| p.to_string()).collect())
    }

    #[test]
    fn periods_repeat_and_range() {
        assert_eq!(
            list(&["2026-07..2026-10"]).unwrap(),
            ["2026-07", "2026-08", "2026-09", "2026-10"]
        );
        assert_eq!(
            list(&["2026-12..2027-02", "2026-11", "2027-01"]).unwrap(),
            ["2026-11", "2026-12", "2027-01", "2027-02"]
        );
        assert_eq!(
            list(&["2026-10..2026-07"]).unwrap_err(),
            "\"2026-10..2026-07\": the range ends before it starts; write the earlier month first, e.g. 2026-07..2026-10"
        );
        assert_eq!(
            list(&["2000-01..2026-10"]).unwrap_err(),
            "\"2000-01..2026-10\" spans 322 months; at most 120 periods at once"
        );
        assert_eq!(
            list(&["2026-7"]).unwrap_err(),
            "\"2026-7\" is not a month; expected YYYY-MM, e.g. 2026-10"
        );
        assert_eq!(list(&["9999-12..9999-12"]).unwrap(), ["9999-12"]);
    }

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

    #[test]
    fn years_the_outputs_cannot_hold_are_refused() {
        for bad in ["0000-01", "1899-12", "10000-01", "0001-01"] {
            let e = Period::parse_explained(bad).unwrap_err();
            assert!(
                e.contains("is out of range; periods run from 1900-01 to 9999-12"),
                "{e}"
            );
        }
        assert_eq!(
            Period::parse("1900-01").unwrap().start().to_string(),
            "1900-01-01"
        );
        assert_eq!(
            Period::parse("9999-12").unwrap().end().to_string(),
            "9999-12-31"
        );
        assert!(Period::parse_explained("99999-01").is_err());
        assert!(
            Period::parse_explained("2026-00")
                .unwrap_err()
                .contains("is not a month")
        );
    }
}
