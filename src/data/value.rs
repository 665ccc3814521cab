//! Cells as the readers hand them over, and the typed values they become.
//!
//! A reader (xlsx, ods, xls or CSV) produces [`RawCell`]s; [`read_cell`] turns one into a
//! [`Value`] of the column's type or says, quoting the cell, what was expected instead.

use super::tables::ColType;
use crate::num::parse_decimal_text;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;

/// A cell as read from a file, before its column's type is applied.
#[derive(Debug, Clone, PartialEq)]
pub enum RawCell {
    Empty,
    /// Inline when short, as a typed [`Text`] is: reading a cell allocates nothing for it.
    Text(Text),
    /// A numeric spreadsheet cell, already converted to the decimal the user typed.
    Number(Decimal),
    /// A native spreadsheet date or date-time.
    DateTime(NaiveDateTime),
    Bool(bool),
    /// A spreadsheet error value such as `#DIV/0!`.
    Error(String),
    /// A cell that cannot be taken as it is, with why, e.g. a number too large for a decimal or
    /// a text longer than a cell can hold (already shortened for messages).
    Invalid(String),
    /// A cell a mapping refused, with the whole message (`"X" is not a known value; expected P,
    /// S or F`): it says in the source's own terms what was expected.
    Refused(String),
}

impl RawCell {
    /// The cell as the user would read it, for error messages.
    pub fn shown(&self) -> String {
        match self {
            RawCell::Empty => "an empty cell".into(),
            RawCell::Text(t) => crate::data::limits::quote(t),
            RawCell::Number(d) => d.to_string(),
            RawCell::DateTime(dt) => dt.format("%Y-%m-%d %H:%M:%S").to_string(),
            RawCell::Bool(b) => b.to_string().to_uppercase(),
            RawCell::Error(e) => crate::data::limits::quote(e),
            RawCell::Invalid(why) | RawCell::Refused(why) => why.clone(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            RawCell::Empty => true,
            RawCell::Text(t) => trim(t).is_empty(),
            _ => false,
        }
    }
}

/// `text` without leading and trailing whitespace, exactly as [`str::trim`] has it. Nearly
/// every cell has none: when the first and the last byte are visible ASCII (`!` to DEL, never
/// whitespace, never part of a longer character) the text is returned as it is without
/// decoding characters, which [`str::trim`] does at every call (several per cell, millions
/// of cells a period).
#[inline]
pub fn trim(text: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(|b| (0x21..=0x7f).contains(b));
    let bytes = text.as_bytes();
    if visible(bytes.first()) && visible(bytes.last()) {
        return text;
    }
    text.trim()
}

/// The text of a typed value. Up to 24 bytes (every id and enum word of an export) it is
/// held inline, and an enum word is borrowed from the column's list, so typing a million call
/// rows allocates nothing for their ids and words; longer texts are allocated as a `String`.
pub type Text = compact_str::CompactString;

/// A typed value in a table row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(Text),
    Number(Decimal),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Bool(bool),
}

impl Value {
    pub fn is_empty(&self) -> bool {
        matches!(self, Value::Empty)
    }
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }
    pub fn as_number(&self) -> Option<Decimal> {
        match self {
            Value::Number(d) => Some(*d),
            _ => None,
        }
    }
    /// The calendar day of a date or date-time value.
    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            Value::DateTime(dt) => Some(dt.date()),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Empty => Some(false),
            _ => None,
        }
    }
}

/// Reads one cell as the column type. `decimal_comma` is true for `;`-delimited CSV files.
pub fn read_cell(raw: &RawCell, ty: ColType, decimal_comma: bool) -> Result<Value, String> {
    if raw.is_empty() {
        return Ok(match ty {
            ColType::Bool => Value::Bool(false),
            _ => Value::Empty,
        });
    }
    let bad = || {
        let what = match ty {
            ColType::Date | ColType::DateTime => "not a date",
            ColType::Decimal => "not a number",
            ColType::Integer => "not a whole number",
            ColType::Bool => "not yes or no",
            ColType::Enum(_) => "not a known value",
            ColType::Period => "not a month",
            ColType::Id | ColType::Text => "not text",
        };
        format!("{} is {what}; expected {}", raw.shown(), ty.expected())
    };
    if let RawCell::Refused(why) = raw {
        return Err(why.clone());
    }
    if let RawCell::Invalid(why) = raw {
        return Err(format!("{why}; expected {}", ty.expected()));
    }
    if let RawCell::Error(_) = raw {
        return Err(format!(
            "{} is a spreadsheet error; expected {}",
            raw.shown(),
            ty.expected()
        ));
    }
    match ty {
        ColType::Id | ColType::Text => match raw {
            RawCell::Text(t) => Ok(Value::Text(Text::new(trim(t)))),
            RawCell::Number(d) => Ok(Value::Text(d.normalize().to_string().into())),
            RawCell::Bool(b) => Ok(Value::Text(b.to_string().into())),
            RawCell::DateTime(dt) => Ok(Value::Text(dt.format("%Y-%m-%d").to_string().into())),
            _ => Err(bad()),
        },
        ColType::Decimal | ColType::Integer => {
            let d = match raw {
                RawCell::Number(d) => *d,
                // Parsed first: a number that does not parse is either too large or not one.
                RawCell::Text(t) => match parse_decimal_text(t, decimal_comma) {
                    Some(d) => d,
                    None if crate::num::looks_like_number(t, decimal_comma) => {
                        return Err(format!(
                            "{} is too large; a number has at most 28 digits",
                            raw.shown()
                        ));
                    }
                    None => return Err(bad()),
                },
                _ => return Err(bad()),
            };
            if ty == ColType::Integer && d.scale() != 0 && !d.fract().is_zero() {
                return Err(bad());
            }
            // A negative zero (`-0`, `-0.00`) is zero: it must not print as "-0" downstream.
            let mut d = d;
            if d.is_zero() {
                d.set_sign_positive(true);
            }
            Ok(Value::Number(d))
        }
        ColType::Date => match raw {
            RawCell::DateTime(dt) => Ok(Value::Date(dt.date())),
            RawCell::Text(t) => parse_datetime_text(t)
                .map(|dt| Value::Date(dt.date()))
                .ok_or_else(bad),
            _ => Err(bad()),
        },
        ColType::DateTime => match raw {
            RawCell::DateTime(dt) => Ok(Value::DateTime(*dt)),
            RawCell::Text(t) => parse_datetime_text(t).map(Value::DateTime).ok_or_else(bad),
            _ => Err(bad()),
        },
        ColType::Bool => match raw {
            RawCell::Bool(b) => Ok(Value::Bool(*b)),
            RawCell::Number(d) if *d == Decimal::ONE => Ok(Value::Bool(true)),
            RawCell::Number(d) if d.is_zero() => Ok(Value::Bool(false)),
            RawCell::Text(t) => {
                let t = trim(t);
                if lowercase_in(t, &["yes", "y", "true", "1", "да", "д"]).is_some() {
                    Ok(Value::Bool(true))
                } else if lowercase_in(t, &["no", "n", "false", "0", "нет", "н"]).is_some() {
                    Ok(Value::Bool(false))
                } else {
                    Err(bad())
                }
            }
            _ => Err(bad()),
        },
        ColType::Enum(words) => match raw {
            RawCell::Text(t) => {
                let t = trim(t);
                lowercase_in(t, words)
                    .map(|x| Value::Text(Text::const_new(x)))
                    .ok_or_else(bad)
            }
            _ => Err(bad()),
        },
        ColType::Period => match raw {
            RawCell::Text(t) => parse_month_text(t)
                .map(|p| Value::Text(p.to_string().into()))
                .ok_or_else(bad),
            RawCell::DateTime(dt) => Ok(Value::Text(dt.format("%Y-%m").to_string().into())),
            _ => Err(bad()),
        },
    }
}

/// The word of `words` that `text.to_lowercase()` is, without allocating when `text` is ASCII
/// (nearly every enum cell): ASCII lowercases byte by byte and keeps its length. A scheme's
/// enum literal is looked up the same way.
pub(crate) fn lowercase_in<'w>(text: &str, words: &[&'w str]) -> Option<&'w str> {
    if text.is_ascii() {
        let t = text.as_bytes();
        words.iter().copied().find(|w| {
            w.len() == t.len()
                && t.iter()
                    .zip(w.as_bytes())
                    .all(|(t, w)| t.to_ascii_lowercase() == *w)
        })
    } else {
        let lower = text.to_lowercase();
        words.iter().copied().find(|w| *w == lower)
    }
}

/// A month as exports write it: `2026-10`, `10.2026`, or any date of that month.
fn parse_month_text(text: &str) -> Option<crate::period::Period> {
    let t = trim(text);
    crate::period::Period::parse(t)
        .or_else(|| {
            let (m, y) = t.split_once('.')?;
            (m.len() == 2 && y.len() == 4)
                .then(|| crate::period::Period::parse(&format!("{y}-{m}")))
                .flatten()
        })
        .or_else(|| {
            parse_datetime_text(t)
                .and_then(|dt| crate::period::Period::parse(&dt.format("%Y-%m").to_string()))
        })
}

/// Reads the date and date-time spellings CRM exports use: ISO (`2026-10-05`,
/// `2026-10-05 14:30[:00]`, `2026-10-05T14:30:00`) and Russian-locale `05.10.2026 [14:30[:00]]`.
pub fn parse_datetime_text(text: &str) -> Option<NaiveDateTime> {
    let t = trim(text);
    // A million call times are read per period: the shapes exports write are read by hand;
    // anything else (and any value the fast path does not take) goes through chrono
    // ([`parse_datetime_text_general`]), which alone decides refusals.
    if let Some(dt) = fast_datetime(t.as_bytes()) {
        return Some(dt);
    }
    parse_datetime_text_general(t)
}

/// ASCII digits (at most four) as a number, or `None` if a byte is not a digit: every byte is
/// tested without a branch, which a million date-times a period make worth it.
#[inline]
fn digits(b: &[u8]) -> Option<u32> {
    debug_assert!(b.len() <= 4, "u32 holds four bytes' worth");
    let (mut n, mut bad) = (0u32, false);
    for &c in b {
        let v = c.wrapping_sub(b'0');
        bad |= v > 9;
        n = n * 10 + u32::from(v);
    }
    (!bad).then_some(n)
}

/// `2026-10-05` or `05.10.2026`, exactly ten bytes.
fn fast_date(b: &[u8]) -> Option<NaiveDate> {
    let (y, m, d) = match b {
        [_, _, _, _, b'-', _, _, b'-', _, _] => (&b[0..4], &b[5..7], &b[8..10]),
        [_, _, b'.', _, _, b'.', _, _, _, _] => (&b[6..10], &b[3..5], &b[0..2]),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(digits(y)? as i32, digits(m)?, digits(d)?)
}

/// The fast path of [`parse_datetime_text`] (given trimmed text): a date alone, or a date, `T`
/// or one space, and `HH:MM` or `HH:MM:SS`. A second of 60 (a leap second), fractions, offsets
/// and every other spelling are left to the general path.
fn fast_datetime(b: &[u8]) -> Option<NaiveDateTime> {
    let date = fast_date(b.get(..10)?)?;
    let time = match &b[10..] {
        [] => NaiveTime::MIN,
        [b'T' | b' ', _, _, b':', _, _] => {
            NaiveTime::from_hms_opt(digits(&b[11..13])?, digits(&b[14..16])?, 0)?
        }
        [b'T' | b' ', _, _, b':', _, _, b':', _, _] => {
            let s = digits(&b[17..19])?;
            if s > 59 {
                return None;
            }
            NaiveTime::from_hms_opt(digits(&b[11..13])?, digits(&b[14..16])?, s)?
        }
        _ => return None,
    };
    Some(date.and_time(time))
}

/// [`parse_datetime_text`] without its fast path: what the fast path must agree with.
/// The spellings of [`parse_datetime_text`] through chrono: what the fast path must agree with.
fn parse_datetime_text_general(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    let (date_part, time_part) = match t.split_once(['T', ' ']) {
        Some((d, rest)) => (d, Some(rest.trim())),
        None => (t, None),
    };
    let date = NaiveDate::parse_from_str(date_part, "%Y-%m-%d")
        .ok()
        .filter(|_| date_part.len() == 10)
        .or_else(|| {
            NaiveDate::parse_from_str(date_part, "%d.%m.%Y")
                .ok()
                .filter(|_| date_part.split('.').nth(2).is_some_and(|y| y.len() == 4))
        })?;
    let time = match time_part {
        None => NaiveTime::MIN,
        Some(tp) => {
            // The wall-clock time as written: a UTC mark or an offset (`Z`, `+05:00`) is
            // dropped, not applied, so a call at 23:30 local time stays on its local day.
            let tp = tp.trim_end_matches('Z');
            let tp = match tp.rfind(['+', '-']) {
                Some(i) if i >= 5 => &tp[..i],
                _ => tp,
            };
            NaiveTime::parse_from_str(tp, "%H:%M:%S%.f")
                .or_else(|_| NaiveTime::parse_from_str(tp, "%H:%M"))
                .ok()?
        }
    };
    Some(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::tables::DEAL_STATUSES;
    use std::str::FromStr;

    fn text(s: &str) -> RawCell {
        RawCell::Text(s.into())
    }
    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn dates_in_every_accepted_spelling() {
        for s in [
            "2026-10-05",
            "05.10.2026",
            "2026-10-05 14:30",
            "05.10.2026 14:30:59",
            "2026-10-05T14:30:00",
        ] {
            assert_eq!(
                read_cell(&text(s), ColType::Date, false),
                Ok(Value::Date(date(2026, 10, 5))),
                "{s}"
            );
        }
        for s in [
            "2026-10-05T14:30:00Z",
            "2026-10-05T14:30:00+05:00",
            "2026-10-05 14:30:00.000",
            "2026-10-05T14:30:00.5-03:00",
        ] {
            assert_eq!(
                read_cell(&text(s), ColType::DateTime, false).map(|v| v.as_date()),
                Ok(Some(date(2026, 10, 5))),
                "{s}"
            );
        }
        assert_eq!(
            read_cell(&text("05.10.2026 14:30"), ColType::DateTime, false),
            Ok(Value::DateTime(
                date(2026, 10, 5).and_hms_opt(14, 30, 0).unwrap()
            ))
        );
    }

    #[test]
    fn unreadable_dates_quote_the_cell() {
        assert_eq!(
            read_cell(&text("2026/10/05"), ColType::Date, false),
            Err(
                "\"2026/10/05\" is not a date; expected a date such as 2026-10-05 or 05.10.2026"
                    .into()
            )
        );
        assert!(read_cell(&text("31.02.2026"), ColType::Date, false).is_err());
        assert!(read_cell(&text("5.10.26"), ColType::Date, false).is_err());
        assert!(read_cell(&text("2026-10-05 25:00"), ColType::DateTime, false).is_err());
    }

    #[test]
    fn numbers_from_text_and_cells() {
        let d = |s| Value::Number(Decimal::from_str(s).unwrap());
        assert_eq!(
            read_cell(&text("1 234,50"), ColType::Decimal, true),
            Ok(d("1234.50"))
        );
        assert_eq!(
            read_cell(&text("1234.50"), ColType::Decimal, false),
            Ok(d("1234.50"))
        );
        assert_eq!(
            read_cell(&text("1234,50"), ColType::Decimal, false),
            Err("\"1234,50\" is not a number; expected a number such as 12345.67".into())
        );
        assert_eq!(
            read_cell(&text("12.5"), ColType::Integer, false),
            Err("\"12.5\" is not a whole number; expected a whole number".into())
        );
        assert_eq!(
            read_cell(&RawCell::Number(Decimal::from(1001)), ColType::Id, false),
            Ok(Value::Text("1001".into()))
        );
    }

    #[test]
    fn months_in_every_accepted_spelling() {
        for s in ["2026-10", "10.2026", "2026-10-01", "15.10.2026"] {
            assert_eq!(
                read_cell(&text(s), ColType::Period, false),
                Ok(Value::Text("2026-10".into())),
                "{s}"
            );
        }
        assert_eq!(
            read_cell(&text("Oct 2026"), ColType::Period, false),
            Err("\"Oct 2026\" is not a month; expected a month such as 2026-10".into())
        );
        assert!(read_cell(&text("13.2026"), ColType::Period, false).is_err());
    }

    #[test]
    fn booleans_and_enums() {
        for (s, b) in [
            ("yes", true),
            ("Да", true),
            ("1", true),
            ("no", false),
            ("нет", false),
            ("", false),
        ] {
            assert_eq!(
                read_cell(&text(s), ColType::Bool, false),
                Ok(Value::Bool(b)),
                "{s}"
            );
        }
        assert_eq!(
            read_cell(&text(" WON "), ColType::Enum(DEAL_STATUSES), false),
            Ok(Value::Text("won".into()))
        );
        assert_eq!(
            read_cell(&text("closed"), ColType::Enum(DEAL_STATUSES), false),
            Err(
                "\"closed\" is not a known value; expected one of open, won, lost, refunded".into()
            )
        );
    }

    /// The hand-written fast path reads exactly what chrono reads: every text of the shapes it
    /// takes, and texts close to them (a digit too many, a leap second, a month 13), give the
    /// same date-time or the same refusal as the general path.
    #[test]
    fn the_fast_date_path_agrees_with_the_general_one() {
        let fixed = [
            "2026-10-05",
            "05.10.2026",
            "2026-02-29",
            "2024-02-29",
            "29.02.2025",
            "0000-01-01",
            "9999-12-31",
            "2026-13-01",
            "2026-00-10",
            "2026-10-00",
            "2026-10-05 23:59:60",
            "2026-10-05T24:00",
            "2026-10-05 14:30",
            "2026-10-05T14:30:59",
            "2026-10-05 14:3",
            "2026-10-05  14:30",
            "2026-10-05 14:30:00Z",
            "2026-1-05",
            "+026-10-05",
            "2026-10-05x",
        ];
        for t in fixed {
            assert_eq!(
                parse_datetime_text(t),
                parse_datetime_text_general(t),
                "{t:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_and_general_date_paths_agree(
            t in "[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?|[0-9]{2}\\.[0-9]{2}\\.[0-9]{4}( [0-9]{2}:[0-9]{2}(:[0-9]{2})?)?|20[0-9]{2}-(0[1-9]|1[0-2])-[0-3][0-9]([T ][0-2][0-9]:[0-5][0-9](:[0-6][0-9])?)?|[0-3][0-9]\\.(0[1-9]|1[0-2])\\.20[0-9]{2}|[0-9T :.+-]{8,19}"
        ) {
            proptest::prop_assert_eq!(parse_datetime_text(&t), parse_datetime_text_general(&t));
        }

        /// The shapes of the fast path with any visible ASCII byte where a digit belongs.
        #[test]
        fn fast_and_general_date_paths_agree_on_near_misses(
            t in "[0-9!-@]{4}-[0-9!-@]{2}-[0-9!-@]{2}([T ][0-9!-@]{2}:[0-9!-@]{2}(:[0-9!-@]{2})?)?|[0-9!-@]{2}\\.[0-9!-@]{2}\\.[0-9!-@]{4}"
        ) {
            proptest::prop_assert_eq!(parse_datetime_text(&t), parse_datetime_text_general(&t));
        }

        /// An enum or yes/no cell finds the word its lowercase is, ASCII or not.
        #[test]
        fn lowercase_in_is_lowercasing_then_looking_up(
            t in "[a-zA-Z0-9İıДдАаНнЕеТтKK]{0,4}"
        ) {
            let words = ["yes", "y", "true", "1", "да", "д", "нет", "н", "ok", "i̇"];
            let lower = t.to_lowercase();
            proptest::prop_assert_eq!(
                lowercase_in(&t, &words),
                words.iter().copied().find(|w| *w == lower)
            );
        }

        /// Texts made of visible ASCII, DEL, ASCII whitespace and the Unicode whitespace and
        /// non-whitespace neighbours a CRM export may hold (no-break spaces, the ideographic
        /// space, NEL, Cyrillic).
        #[test]
        fn trim_is_str_trim(
            t in "[!-~\\x7f \t\r\n\x0b\x0c\u{85}\u{a0}\u{2009}\u{202f}\u{3000}\u{feff}\u{200b}яё]{0,6}"
        ) {
            proptest::prop_assert_eq!(trim(&t), t.trim());
        }
    }

    #[test]
    fn trim_takes_unicode_whitespace_at_either_end() {
        for t in [
            "\u{a0}5",
            "5\u{a0}",
            "\u{3000}x\u{2009}",
            "\u{85}",
            " ",
            "",
            "\x7f",
            "a b",
        ] {
            assert_eq!(trim(t), t.trim(), "{t:?}");
        }
        assert_eq!(trim("\u{a0}12\u{202f}"), "12");
    }
}
