//! Exact numbers: decimals parsed from what the user typed, and exact fractions for scoring.
//!
//! Money, ratios and attainments are never `f64`. Spreadsheet readers hand us `f64` for numeric
//! cells; [`decimal_from_spreadsheet_number`] turns such a float into the decimal the user typed
//! through its shortest round-trip text. Scoring multiplies and divides many decimals
//! (bonus × days ÷ days-in-period × weight × actual ÷ target …); doing that in [`Exact`]
//! fractions and rounding once at the end makes every amount the mathematically exact value
//! rounded half away from zero, with no intermediate rounding that could move a cent.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};
use rust_decimal::Decimal;
use std::str::FromStr;

pub use crate::fraction::Exact;

/// Parses a decimal written by a person: optional sign, digits, optional fraction.
/// Spaces (also no-break and thin spaces) are accepted as thousands separators.
/// When `decimal_comma` is true, a single `,` is the decimal point (Russian-locale CSV).
pub fn parse_decimal_text(text: &str, decimal_comma: bool) -> Option<Decimal> {
    // A short plain number is read in the one pass that checks it.
    if let Some(d) = short_decimal(crate::data::value::trim(text)) {
        return Some(d);
    }
    if let Some(plain) = plain_number(text) {
        return Decimal::from_str(plain).ok();
    }
    number_syntax(text, decimal_comma).and_then(|s| Decimal::from_str(&s).ok())
}

/// Whether a text is written like a number (so a failure to parse it means it is too large).
pub fn looks_like_number(text: &str, decimal_comma: bool) -> bool {
    plain_number(text).is_some() || number_syntax(text, decimal_comma).is_some()
}

/// The trimmed text when it is a number written plainly (digits, at most one `.`, an optional
/// sign; no separator, no comma): what [`number_syntax`] would return, without copying it.
fn plain_number(text: &str) -> Option<&str> {
    let t = crate::data::value::trim(text);
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let mut dots = 0;
    for b in body.bytes() {
        match b {
            b'0'..=b'9' => {}
            b'.' => dots += 1,
            _ => return None,
        }
    }
    (dots <= 1 && !body.is_empty() && body != ".").then_some(t)
}

/// A trimmed text of `-?digits(.digits)?` (a plain number, see [`plain_number`]) with at most 18
/// digits, as the decimal `Decimal::from_str` makes of it (the same mantissa, sign and scale),
/// without its general parser: the durations and amounts of a million rows are such numbers.
/// Any other spelling is `None`, left to `Decimal::from_str`.
fn short_decimal(plain: &str) -> Option<Decimal> {
    let (negative, body) = match plain.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    let (whole, fraction) = match body.iter().position(|&b| b == b'.') {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, &[][..]),
    };
    let has_dot = whole.len() < body.len();
    if whole.is_empty() || (has_dot && fraction.is_empty()) || whole.len() + fraction.len() > 18 {
        return None;
    }
    let mut m: i64 = 0;
    for &b in whole.iter().chain(fraction) {
        if !b.is_ascii_digit() {
            return None;
        }
        m = m * 10 + i64::from(b - b'0');
    }
    let mut d = Decimal::new(m, fraction.len() as u32);
    // `Decimal::from_str` makes `-0` and `-0.00` a positive zero.
    d.set_sign_negative(negative && m != 0);
    Some(d)
}

/// The text of a number with separators removed and `.` as the decimal point, if it is one.
fn number_syntax(text: &str, decimal_comma: bool) -> Option<String> {
    let mut s: String = crate::data::value::trim(text)
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}'))
        .collect();
    if decimal_comma {
        if s.contains('.') && s.contains(',') {
            return None;
        }
        s = s.replace(',', ".");
    }
    let body = s.strip_prefix(['-', '+']).unwrap_or(&s);
    if body.is_empty() || body == "." {
        return None;
    }
    let mut dots = 0;
    for c in body.chars() {
        match c {
            '0'..='9' => {}
            '.' => dots += 1,
            _ => return None,
        }
    }
    (dots <= 1).then_some(s)
}

/// Parses a number or a percentage as written in a scheme file: `0.15`, `15%`, `275 000`.
pub fn parse_scheme_number(text: &str) -> Option<Decimal> {
    let t = crate::data::value::trim(text);
    if let Some(p) = t.strip_suffix('%') {
        parse_decimal_text(p, false).map(|d| d / Decimal::ONE_HUNDRED)
    } else {
        parse_decimal_text(t, false)
    }
}

/// Converts a spreadsheet's numeric cell to the decimal the user typed.
///
/// This is the one place where a float enters: its shortest round-trip text (Rust's `Display`
/// for floats never uses an exponent) is parsed as a decimal, so 12345.67 stays 12345.67.
pub fn decimal_from_spreadsheet_number(value: f64) -> Option<Decimal> {
    if !value.is_finite() {
        return None;
    }
    // A whole number below 2^53 (durations, counts, most amounts) is exactly its integer: the
    // same decimal its text would give, without formatting and parsing it. A negative zero
    // keeps the general path.
    if value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 && value != 0.0 {
        return Some(Decimal::from(value as i64));
    }
    Decimal::from_str(&value.to_string()).ok()
}

/// The exact fraction equal to a decimal.
pub fn exact(d: Decimal) -> Exact {
    // m / 10^s in lowest terms without a big gcd: 10^s is 2^s·5^s, so the only factors m can
    // share with it are the 2s and 5s it has, taken out here in 128-bit integers (a decimal's
    // mantissa has 96 bits; 10^28 fits). Scoring converts every figure it reads, many times
    // over in compare, and the general reduction was much of its time.
    let mut m = d.mantissa();
    if m == 0 {
        return Exact::zero();
    }
    let (mut twos, mut fives) = (d.scale(), d.scale());
    while twos > 0 && m % 2 == 0 {
        m /= 2;
        twos -= 1;
    }
    while fives > 0 && m % 5 == 0 {
        m /= 5;
        fives -= 1;
    }
    let denominator = 2i128.pow(twos) * 5i128.pow(fives);
    Exact::new_reduced(m, denominator)
}

/// [`exact`] by the general reduction, which the test compares it with.
#[cfg(test)]
fn exact_by_gcd(d: Decimal) -> Exact {
    Exact::new(
        BigInt::from(d.mantissa()),
        BigInt::from(10u8).pow(d.scale()),
    )
}

pub fn exact_int(n: i64) -> Exact {
    Exact::from_i64(n)
}

/// A sum of decimals that is exact whatever the order of its terms.
///
/// A decimal sum (96 bits of mantissa) is exact as long as it fits at the largest scale of its
/// terms; past that `Decimal` rounds (`1e27 + 0.001`) or overflows, and which partial sum does
/// depends on the order the terms come in. A `Total` adds in a decimal while that is exact and
/// goes on in an exact fraction once it is not, so its value, [`Total::exact`], depends only on
/// the terms: rows read in another order (on two threads, see `crate::data`) give the same.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Total {
    fast: Decimal,
    /// The exact sum, once the decimal one would have rounded or overflowed.
    big: Option<Box<Exact>>,
    /// The largest scale of the terms: the scale a decimal sum of them has.
    scale: u32,
}

impl Total {
    pub fn add(&mut self, d: Decimal) {
        self.scale = self.scale.max(d.scale());
        if let Some(big) = &mut self.big {
            **big = std::mem::take(&mut **big) + exact(d);
            return;
        }
        match self.fast.checked_add(d) {
            // A decimal sum that kept the largest scale dropped no digit.
            Some(s) if s.scale() == self.scale => self.fast = s,
            _ => self.big = Some(Box::new(exact(self.fast) + exact(d))),
        }
    }

    /// Adds another total's terms.
    pub fn merge(&mut self, other: &Total) {
        if other.big.is_none() {
            // Its decimal sum, a term at its scale.
            self.add(other.fast);
            self.scale = self.scale.max(other.scale);
            return;
        }
        self.scale = self.scale.max(other.scale);
        self.big = Some(Box::new(self.exact() + other.exact()));
    }

    /// The sum.
    pub fn exact(&self) -> Exact {
        match &self.big {
            Some(big) => (**big).clone(),
            None => exact(self.fast),
        }
    }

    pub fn is_zero(&self) -> bool {
        match &self.big {
            Some(big) => big.is_zero(),
            None => self.fast.is_zero(),
        }
    }

    /// Whether the sum is beyond what a decimal holds (about ±7.9e28).
    pub fn too_large(&self) -> bool {
        self.big
            .as_ref()
            .is_some_and(|big| big.abs() > exact(Decimal::MAX))
    }

    /// The sum as the decimal a sum of the terms in any order makes when none rounds: at the
    /// terms' largest scale; or, where it has more digits than a decimal holds, rounded for
    /// display ([`display_decimal`]).
    pub fn decimal(&self) -> Decimal {
        match &self.big {
            None => self.fast,
            Some(big) => round_exact(big, self.scale)
                .filter(|d| exact(*d) == **big)
                .unwrap_or_else(|| display_decimal(big)),
        }
    }
}

/// Rounds an exact fraction to `dp` decimal places, half away from zero.
/// Returns `None` only if the result does not fit a decimal (about 7.9e28).
pub fn round_exact(q: &Exact, dp: u32) -> Option<Decimal> {
    // A small fraction (parts below 2⁶³) to at most 18 places: n·10^dp is below 2¹²³, so the
    // rounding is done in 128 bits. The general path below gives the same (a test compares).
    if dp <= 18
        && let Some((n, d)) = q.small_parts()
    {
        let scaled = n.unsigned_abs() * 10u128.pow(dp);
        let d = d as u128;
        let m = ((scaled * 2 + d) / (d * 2)) as i128;
        return Decimal::try_from_i128_with_scale(if n < 0 { -m } else { m }, dp).ok();
    }
    round_big(q, dp)
}

/// [`round_exact`] in big integers.
fn round_big(q: &Exact, dp: u32) -> Option<Decimal> {
    let scale = BigInt::from(10u8).pow(dp);
    let n = q.numer() * &scale;
    let d = q.denom(); // always positive
    let two = BigInt::from(2u8);
    let (quot, _) = (n.abs() * &two + &d)
        .div_floor(&(d * &two))
        .div_rem(&BigInt::one());
    let signed = if n.is_negative() { -quot } else { quot };
    let m = signed.to_i128()?;
    Decimal::try_from_i128_with_scale(m, dp).ok()
}

/// A decimal for display: the fraction rounded to 10 places, trailing zeros removed.
pub fn display_decimal(q: &Exact) -> Decimal {
    round_exact(q, 10)
        .or_else(|| round_exact(q, 0))
        .unwrap_or(Decimal::MAX)
        .normalize()
}

pub fn is_zero(q: &Exact) -> bool {
    q.is_zero()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// The same decimal, to the representation (mantissa, scale and sign).
    fn same(a: Decimal, b: Decimal) -> bool {
        a.serialize() == b.serialize()
    }

    #[test]
    fn short_decimals_are_what_the_general_parser_makes() {
        for text in [
            "0",
            "619",
            "-7",
            "3806000.00",
            "-0",
            "-0.00",
            "0.5",
            "007",
            "-007.10",
            "123456789012345678",
            "12345678901234567.8",
            "-99999999999999999.9",
        ] {
            let fast = short_decimal(text).unwrap_or_else(|| panic!("{text} is short"));
            assert!(same(fast, d(text)), "{text}: {fast:?} vs {:?}", d(text));
        }
        for text in [
            "",
            "-",
            ".",
            "5.",
            ".5",
            "+5",
            "1.2.3",
            "1234567890123456789",
            "1e5",
        ] {
            assert_eq!(short_decimal(text), None, "{text}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        #[test]
        fn parsing_a_plain_number_agrees_with_decimal_from_str(
            text in "-?[0-9]{1,20}(\\.[0-9]{0,12})?"
        ) {
            let general = Decimal::from_str(&text).ok();
            let ours = parse_decimal_text(&text, false);
            proptest::prop_assert_eq!(ours.is_some(), general.is_some());
            if let (Some(a), Some(b)) = (ours, general) {
                proptest::prop_assert!(same(a, b), "{}: {:?} vs {:?}", text, a, b);
            }
        }
    }

    #[test]
    fn parses_numbers_as_typed() {
        assert_eq!(parse_decimal_text("12345.67", false), Some(d("12345.67")));
        assert_eq!(
            parse_decimal_text(" 1 234 567.89 ", false),
            Some(d("1234567.89"))
        );
        assert_eq!(parse_decimal_text("1\u{a0}234,5", true), Some(d("1234.5")));
        assert_eq!(parse_decimal_text("-7", false), Some(d("-7")));
        assert_eq!(parse_decimal_text("12,5", false), None);
        assert_eq!(parse_decimal_text("1.2.3", false), None);
        assert_eq!(parse_decimal_text("1,2.3", true), None);
        assert_eq!(parse_decimal_text("abc", false), None);
        assert_eq!(parse_decimal_text("", false), None);
        assert_eq!(parse_decimal_text("-", false), None);
        assert_eq!(parse_decimal_text("1e5", false), None);
        assert_eq!(
            parse_decimal_text("99999999999999999999999999999999", false),
            None
        );
        assert!(looks_like_number("99999999999999999999999999999999", false));
        assert!(!looks_like_number("12,5", false));
    }

    #[test]
    fn percentages_in_schemes() {
        assert_eq!(parse_scheme_number("15%"), Some(d("0.15")));
        assert_eq!(parse_scheme_number("0.15"), Some(d("0.15")));
        assert_eq!(parse_scheme_number("275 000"), Some(d("275000")));
        assert_eq!(parse_scheme_number("12.5%"), Some(d("0.125")));
    }

    #[test]
    fn spreadsheet_floats_become_what_was_typed() {
        assert_eq!(
            decimal_from_spreadsheet_number(12345.67),
            Some(d("12345.67"))
        );
        assert_eq!(
            decimal_from_spreadsheet_number(0.1 + 0.2),
            Some(d("0.30000000000000004"))
        );
        assert_eq!(
            decimal_from_spreadsheet_number(250000.5),
            Some(d("250000.5"))
        );
        assert_eq!(decimal_from_spreadsheet_number(f64::NAN), None);
        // Decimal::from_f64 would keep the binary expansion's noise here.
        assert_eq!(
            decimal_from_spreadsheet_number(1097677.08),
            Some(d("1097677.08"))
        );
    }

    #[test]
    fn rounds_half_away_from_zero_exactly() {
        let half_cent = exact(d("0.005"));
        assert_eq!(round_exact(&half_cent, 2), Some(d("0.01")));
        assert_eq!(round_exact(&-half_cent, 2), Some(d("-0.01")));
        // 1/3 of 0.015 is 0.005 exactly: no intermediate rounding can push it below.
        let q = exact(d("0.015")) / exact_int(3);
        assert_eq!(round_exact(&q, 2), Some(d("0.01")));
        let q = exact(d("26000.052"));
        assert_eq!(round_exact(&q, 2), Some(d("26000.05")));
        assert_eq!(round_exact(&exact(d("2.345")), 2), Some(d("2.35")));
        assert_eq!(round_exact(&exact(d("2.3449999")), 2), Some(d("2.34")));
    }

    #[test]
    fn exact_is_exact() {
        assert_eq!(exact(d("1.50")), Exact::new(3.into(), 2.into()));
        assert!(is_zero(&exact(Decimal::ZERO)));
        assert_eq!(
            display_decimal(&(exact_int(2) / exact_int(3))),
            d("0.6666666667")
        );
    }

    #[test]
    fn a_decimal_is_made_exact_in_lowest_terms() {
        for t in [
            "0",
            "0.000",
            "-0.00",
            "1",
            "-1",
            "10",
            "0.5",
            "-0.25",
            "12.50",
            "0.0625",
            "3.1416",
            "1000000",
            "0.0000000000000000000000000001",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "7.9228162514264337593543950335",
            "0.2000000000",
        ] {
            let (fast, general) = (exact(d(t)), exact_by_gcd(d(t)));
            assert_eq!(
                (fast.numer(), fast.denom()),
                (general.numer(), general.denom()),
                "{t}"
            );
        }
        assert_eq!(exact(d("12.50")), exact_int(25) / exact_int(2));
    }

    #[test]
    fn a_total_is_exact_where_a_decimal_sum_rounds_or_overflows() {
        let mut t = Total::default();
        t.add(d("1000000000000000000000000000"));
        t.add(d("0.001"));
        assert_eq!(
            t.exact(),
            exact(d("1000000000000000000000000000")) + exact(d("0.001"))
        );
        // Out of range mid-way, back in range at the end: the sum the rows make.
        let mut t = Total::default();
        for term in ["79228162514264337593543950335", "1", "-2"] {
            t.add(d(term));
        }
        assert!(!t.too_large());
        assert_eq!(t.decimal(), d("79228162514264337593543950334"));
        let mut t = Total::default();
        for _ in 0..10 {
            t.add(d("9000000000000000000000000000"));
        }
        assert!(t.too_large());
        // The decimal sum's scale when no term rounds: 1.50 + 2 is 3.50.
        let mut t = Total::default();
        t.add(d("1.50"));
        t.add(d("2"));
        assert!(same(t.decimal(), d("3.50")));
    }

    proptest::proptest! {
        /// Any decimal: the same numerator and denominator as the general reduction.
        #[test]
        fn exact_agrees_with_the_general_reduction(
            m in proptest::num::i128::ANY,
            scale in 0u32..=28,
        ) {
            let m = m % (1i128 << 96);
            let d = Decimal::from_i128_with_scale(m, scale);
            let (fast, general) = (exact(d), exact_by_gcd(d));
            proptest::prop_assert_eq!((fast.numer(), fast.denom()), (general.numer(), general.denom()));
        }

        /// A total of any terms in any order and cut into parts any way: the same sum, the
        /// same decimal to the scale, and the exact sum of the terms.
        #[test]
        fn a_total_does_not_depend_on_the_order_of_its_terms(
            terms in proptest::collection::vec(
                (proptest::prop_oneof![-1000i128..1000, -(1i128 << 95)..(1i128 << 95)], 0u32..=28),
                0..12,
            ),
            cut in 0usize..12,
            seed in proptest::num::u64::ANY,
        ) {
            let terms: Vec<Decimal> = terms
                .into_iter()
                .map(|(m, scale)| Decimal::from_i128_with_scale(m, scale))
                .collect();
            let mut serial = Total::default();
            terms.iter().for_each(|t| serial.add(*t));
            let mut shuffled = terms.clone();
            let mut r = seed;
            for i in (1..shuffled.len()).rev() {
                r = r.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (r >> 33) as usize % (i + 1));
            }
            let cut = cut.min(shuffled.len());
            let (mut a, mut b) = (Total::default(), Total::default());
            shuffled[..cut].iter().for_each(|t| a.add(*t));
            shuffled[cut..].iter().for_each(|t| b.add(*t));
            a.merge(&b);
            let sum = terms.iter().fold(Exact::zero(), |s, t| s + exact(*t));
            proptest::prop_assert_eq!(serial.exact(), sum.clone());
            proptest::prop_assert_eq!(a.exact(), sum);
            proptest::prop_assert!(same(a.decimal(), serial.decimal()));
            proptest::prop_assert_eq!(a.too_large(), serial.too_large());
        }

        /// Rounding a small fraction in 128 bits gives what the big-integer rounding gives,
        /// halves (away from zero) and the edges of the small range included.
        #[test]
        fn rounding_small_fractions_agrees_with_big_integers(
            n in proptest::prop_oneof![-10_000i64..10_000, proptest::num::i64::ANY],
            d in proptest::prop_oneof![1i64..1000, 1i64..i64::MAX],
            dp in 0u32..=18,
        ) {
            let q = Exact::new(n.into(), d.into());
            proptest::prop_assert_eq!(round_exact(&q, dp), round_big(&q, dp));
            let half = Exact::new((2 * i128::from(n) + 1).into(), 2.into());
            proptest::prop_assert_eq!(round_exact(&half, 0), round_big(&half, 0));
        }

        /// The fast paths give the decimal the general ones give, with the same scale.
        #[test]
        fn fast_number_paths_agree_with_the_general_ones(
            f in proptest::num::f64::ANY,
            i in -9_007_199_254_740_993i64..9_007_199_254_740_993,
            t in "[+-]?[0-9]{0,30}(\\.[0-9]{0,30})?\\.?|[0-9 .,+-]{0,12}",
            comma in proptest::bool::ANY,
        ) {
            let general = |v: f64| Decimal::from_str(&v.to_string()).ok().filter(|_| v.is_finite());
            for v in [f, i as f64, -0.0] {
                let (a, b) = (decimal_from_spreadsheet_number(v), general(v));
                proptest::prop_assert_eq!(a.map(|d| (d, d.scale(), d.is_sign_negative())), b.map(|d| (d, d.scale(), d.is_sign_negative())));
            }
            let general = number_syntax(&t, comma).and_then(|s| Decimal::from_str(&s).ok());
            let fast = parse_decimal_text(&t, comma);
            proptest::prop_assert_eq!(fast.map(|d| (d, d.scale())), general.map(|d| (d, d.scale())));
            proptest::prop_assert_eq!(looks_like_number(&t, comma), number_syntax(&t, comma).is_some());
        }
    }
}
