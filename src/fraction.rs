//! [`Exact`]: an exact rational number, kept in two machine words while it fits.
//!
//! Scoring, compare, team and plan work in exact fractions (see [`crate::num`]). Almost every
//! fraction they meet is small (a bonus, a share of days, a weight, an attainment), but a
//! big-integer fraction allocates its numerator and denominator and reduces them by a
//! big-integer gcd after every operation; over a year's compare (48 000 scores) that was most of
//! the scoring. An `Exact` is a reduced `i64 / i64` while both fit, and a big-integer fraction
//! only when they do not, so the values are the same, only cheaper: an operation on two small
//! fractions is done in 128 bits, where it cannot overflow (each operand below 2⁶³), reduced by
//! a binary gcd, and falls back to the big representation when the result does not fit.
//!
//! The representation is canonical (small whenever it fits, always in lowest terms with a
//! positive denominator), so equality is structural and ordering exact. A proptest compares
//! every operation with `num_rational::BigRational`, near the edges of the small range too.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// An exact rational number.
#[derive(Clone, PartialEq, Eq)]
pub struct Exact(Repr);

#[derive(Clone, PartialEq, Eq)]
enum Repr {
    /// numerator, denominator: in lowest terms, denominator > 0, numerator ≠ i64::MIN.
    Small(i64, i64),
    /// Only a fraction whose numerator or denominator does not fit `Small`.
    Big(Box<BigRational>),
}

/// The gcd of two non-negative 128-bit integers (binary; gcd(0, b) = b).
fn gcd(mut a: u128, mut b: u128) -> u128 {
    if a == 0 {
        return b;
    }
    if b == 0 {
        return a;
    }
    let shift = (a | b).trailing_zeros();
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

fn small(n: i128, d: i128) -> Option<Exact> {
    let n = i64::try_from(n).ok().filter(|&n| n != i64::MIN)?;
    let d = i64::try_from(d).ok()?;
    Some(Exact(Repr::Small(n, d)))
}

impl Exact {
    /// `n / d` reduced; `d` must not be zero (|n|, |d| < 2¹²⁷, so negating cannot overflow).
    fn from_i128(n: i128, d: i128) -> Exact {
        assert!(d != 0, "division by zero");
        let (n, d) = if d < 0 { (-n, -d) } else { (n, d) };
        let g = gcd(n.unsigned_abs(), d.unsigned_abs()) as i128;
        Exact::new_reduced(n / g, d / g)
    }

    /// A fraction in lowest terms with a positive denominator (as `BigRational`'s are).
    fn from_big(r: BigRational) -> Exact {
        match (r.numer().to_i128(), r.denom().to_i128()) {
            (Some(n), Some(d)) => small(n, d).unwrap_or(Exact(Repr::Big(Box::new(r)))),
            _ => Exact(Repr::Big(Box::new(r))),
        }
    }

    fn to_big(&self) -> BigRational {
        match &self.0 {
            Repr::Small(n, d) => BigRational::new_raw(BigInt::from(*n), BigInt::from(*d)),
            Repr::Big(r) => (**r).clone(),
        }
    }

    /// `numer / denom`, reduced. Panics when `denom` is zero.
    pub fn new(numer: BigInt, denom: BigInt) -> Exact {
        Exact::from_big(BigRational::new(numer, denom))
    }

    /// `numer / denom` for a fraction already in lowest terms with a positive denominator.
    pub(crate) fn new_reduced(numer: i128, denom: i128) -> Exact {
        small(numer, denom).unwrap_or_else(|| {
            Exact(Repr::Big(Box::new(BigRational::new_raw(
                BigInt::from(numer),
                BigInt::from(denom),
            ))))
        })
    }

    pub fn from_integer(n: BigInt) -> Exact {
        Exact::from_big(BigRational::from_integer(n))
    }

    pub fn from_i64(n: i64) -> Exact {
        Exact::from_i128(n.into(), 1)
    }

    /// The numerator and denominator in lowest terms (denominator > 0) as 128-bit integers,
    /// when they fit.
    pub(crate) fn small_parts(&self) -> Option<(i128, i128)> {
        match &self.0 {
            Repr::Small(n, d) => Some((i128::from(*n), i128::from(*d))),
            Repr::Big(_) => None,
        }
    }

    pub fn numer(&self) -> BigInt {
        match &self.0 {
            Repr::Small(n, _) => BigInt::from(*n),
            Repr::Big(r) => r.numer().clone(),
        }
    }

    /// Always positive.
    pub fn denom(&self) -> BigInt {
        match &self.0 {
            Repr::Small(_, d) => BigInt::from(*d),
            Repr::Big(r) => r.denom().clone(),
        }
    }

    pub fn is_positive(&self) -> bool {
        match &self.0 {
            Repr::Small(n, _) => *n > 0,
            Repr::Big(r) => num_traits::Signed::is_positive(&**r),
        }
    }

    pub fn is_negative(&self) -> bool {
        match &self.0 {
            Repr::Small(n, _) => *n < 0,
            Repr::Big(r) => num_traits::Signed::is_negative(&**r),
        }
    }

    pub fn abs(&self) -> Exact {
        if self.is_negative() {
            -self
        } else {
            self.clone()
        }
    }

    pub fn is_integer(&self) -> bool {
        match &self.0 {
            Repr::Small(_, d) => *d == 1,
            Repr::Big(r) => r.is_integer(),
        }
    }

    /// The integer part, rounded toward zero.
    pub fn to_integer(&self) -> BigInt {
        match &self.0 {
            Repr::Small(n, d) => BigInt::from(n / d),
            Repr::Big(r) => r.to_integer(),
        }
    }

    /// The largest integer not above.
    pub fn floor(&self) -> Exact {
        match &self.0 {
            Repr::Small(n, d) => Exact::from_i128(i128::from(n.div_euclid(*d)), 1),
            Repr::Big(r) => Exact::from_big(r.floor()),
        }
    }

    /// The smallest integer not below.
    pub fn ceil(&self) -> Exact {
        -(-self).floor()
    }

    /// 1 / self. Panics when self is zero.
    pub fn recip(&self) -> Exact {
        match &self.0 {
            Repr::Small(n, d) => Exact::from_i128(i128::from(*d), i128::from(*n)),
            Repr::Big(r) => Exact::from_big(r.recip()),
        }
    }

    pub fn to_f64(&self) -> Option<f64> {
        match &self.0 {
            // Both parts exact in a double: one correctly rounded division, the nearest double
            // to the fraction, as the big path gives.
            Repr::Small(n, d) if n.unsigned_abs() < 1 << 53 && *d < 1 << 53 => {
                Some(*n as f64 / *d as f64)
            }
            _ => self.to_big().to_f64(),
        }
    }
}

impl ToPrimitive for Exact {
    /// The integer part (toward zero), when it fits.
    fn to_i64(&self) -> Option<i64> {
        self.to_integer().to_i64()
    }
    fn to_u64(&self) -> Option<u64> {
        self.to_integer().to_u64()
    }
    fn to_f64(&self) -> Option<f64> {
        Exact::to_f64(self)
    }
}

impl std::fmt::Debug for Exact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Repr::Small(n, 1) => write!(f, "{n}"),
            Repr::Small(n, d) => write!(f, "{n}/{d}"),
            Repr::Big(r) => write!(f, "{r}"),
        }
    }
}

impl Ord for Exact {
    fn cmp(&self, other: &Exact) -> Ordering {
        match (&self.0, &other.0) {
            (Repr::Small(a, b), Repr::Small(c, d)) => {
                (i128::from(*a) * i128::from(*d)).cmp(&(i128::from(*c) * i128::from(*b)))
            }
            _ => self.to_big().cmp(&other.to_big()),
        }
    }
}

impl PartialOrd for Exact {
    fn partial_cmp(&self, other: &Exact) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Zero for Exact {
    fn zero() -> Exact {
        Exact(Repr::Small(0, 1))
    }
    fn is_zero(&self) -> bool {
        matches!(self.0, Repr::Small(0, _))
    }
}

impl One for Exact {
    fn one() -> Exact {
        Exact(Repr::Small(1, 1))
    }
}

impl Neg for &Exact {
    type Output = Exact;
    fn neg(self) -> Exact {
        match &self.0 {
            // The numerator is never i64::MIN, so its negation fits.
            Repr::Small(n, d) => Exact(Repr::Small(-n, *d)),
            Repr::Big(r) => Exact::from_big(-(**r).clone()),
        }
    }
}

impl Neg for Exact {
    type Output = Exact;
    fn neg(self) -> Exact {
        -&self
    }
}

/// The operations on two small fractions, in 128 bits: each part is below 2⁶³ in magnitude,
/// so a product is below 2¹²⁶ and a sum of two products below 2¹²⁷.
fn add_small(a: i128, b: i128, c: i128, d: i128) -> Exact {
    if b == d {
        Exact::from_i128(a + c, b)
    } else {
        Exact::from_i128(a * d + c * b, b * d)
    }
}

impl Add<&Exact> for &Exact {
    type Output = Exact;
    fn add(self, other: &Exact) -> Exact {
        match (self.small_parts(), other.small_parts()) {
            (Some((a, b)), Some((c, d))) => add_small(a, b, c, d),
            _ => Exact::from_big(self.to_big() + other.to_big()),
        }
    }
}

impl Sub<&Exact> for &Exact {
    type Output = Exact;
    fn sub(self, other: &Exact) -> Exact {
        match (self.small_parts(), other.small_parts()) {
            (Some((a, b)), Some((c, d))) => add_small(a, b, -c, d),
            _ => Exact::from_big(self.to_big() - other.to_big()),
        }
    }
}

impl Mul<&Exact> for &Exact {
    type Output = Exact;
    fn mul(self, other: &Exact) -> Exact {
        match (self.small_parts(), other.small_parts()) {
            (Some((a, b)), Some((c, d))) => Exact::from_i128(a * c, b * d),
            _ => Exact::from_big(self.to_big() * other.to_big()),
        }
    }
}

impl Div<&Exact> for &Exact {
    type Output = Exact;
    /// Panics when `other` is zero, as `BigRational` does.
    fn div(self, other: &Exact) -> Exact {
        match (self.small_parts(), other.small_parts()) {
            (Some((a, b)), Some((c, d))) => Exact::from_i128(a * d, b * c),
            _ => Exact::from_big(self.to_big() / other.to_big()),
        }
    }
}

/// The owned and mixed forms of each operator, through the borrowed one.
macro_rules! forward {
    ($($tr:ident $f:ident),*) => {$(
        impl $tr<Exact> for Exact {
            type Output = Exact;
            fn $f(self, other: Exact) -> Exact {
                (&self).$f(&other)
            }
        }
        impl $tr<&Exact> for Exact {
            type Output = Exact;
            fn $f(self, other: &Exact) -> Exact {
                (&self).$f(other)
            }
        }
        impl $tr<Exact> for &Exact {
            type Output = Exact;
            fn $f(self, other: Exact) -> Exact {
                self.$f(&other)
            }
        }
    )*};
}
forward!(Add add, Sub sub, Mul mul, Div div);

/// `a op= b`, for a borrowed or an owned `b`.
macro_rules! assign {
    ($($tr:ident $f:ident $op:tt),*) => {$(
        impl std::ops::$tr<Exact> for Exact {
            fn $f(&mut self, other: Exact) {
                *self = &*self $op &other;
            }
        }
        impl std::ops::$tr<&Exact> for Exact {
            fn $f(&mut self, other: &Exact) {
                *self = &*self $op other;
            }
        }
    )*};
}
assign!(AddAssign add_assign +, SubAssign sub_assign -, MulAssign mul_assign *, DivAssign div_assign /);

impl Default for Exact {
    /// Zero.
    fn default() -> Exact {
        Exact::zero()
    }
}

impl std::iter::Sum for Exact {
    fn sum<I: Iterator<Item = Exact>>(iter: I) -> Exact {
        iter.fold(Exact::zero(), |a, b| a + b)
    }
}

impl<'a> std::iter::Sum<&'a Exact> for Exact {
    fn sum<I: Iterator<Item = &'a Exact>>(iter: I) -> Exact {
        iter.fold(Exact::zero(), |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn big(n: i128, d: i128) -> BigRational {
        BigRational::new(BigInt::from(n), BigInt::from(d))
    }

    fn same(e: &Exact, r: &BigRational) -> Result<(), TestCaseError> {
        prop_assert_eq!(&e.to_big(), r);
        // Canonical: small exactly when both parts fit.
        let fits =
            r.numer().to_i64().is_some_and(|n| n != i64::MIN) && r.denom().to_i64().is_some();
        prop_assert_eq!(e.small_parts().is_some(), fits);
        Ok(())
    }

    /// Parts near zero, near the edges of the small range and beyond it.
    fn part() -> impl Strategy<Value = i128> {
        prop_oneof![
            -1000i128..1000,
            (i64::MIN as i128 - 3)..(i64::MIN as i128 + 3),
            (i64::MAX as i128 - 3)..(i64::MAX as i128 + 3),
            (i64::MIN as i128)..(i64::MAX as i128),
            -(1i128 << 100)..(1i128 << 100),
        ]
    }

    fn fraction() -> impl Strategy<Value = (i128, i128)> {
        (part(), part().prop_filter("a denominator", |d| *d != 0))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn every_operation_agrees_with_big_rationals((a, b) in fraction(), (c, d) in fraction()) {
            let (x, y) = (Exact::new(a.into(), b.into()), Exact::new(c.into(), d.into()));
            let (p, q) = (big(a, b), big(c, d));
            same(&x, &p)?;
            same(&(&x + &y), &(&p + &q))?;
            same(&(&x - &y), &(&p - &q))?;
            same(&(&x * &y), &(&p * &q))?;
            if !q.is_zero() {
                same(&(&x / &y), &(&p / &q))?;
            }
            same(&-&x, &-p.clone())?;
            prop_assert_eq!(x.cmp(&y), p.cmp(&q));
            prop_assert_eq!(x == y, p == q);
            same(&x.floor(), &p.floor())?;
            same(&x.ceil(), &p.ceil())?;
            prop_assert_eq!(x.to_integer(), p.to_integer());
            prop_assert_eq!(x.is_integer(), p.is_integer());
            prop_assert_eq!(x.is_zero(), p.is_zero());
            prop_assert_eq!(x.is_positive(), num_traits::Signed::is_positive(&p));
            prop_assert_eq!(x.is_negative(), num_traits::Signed::is_negative(&p));
            same(&x.abs(), &num_traits::Signed::abs(&p))?;
            if !p.is_zero() {
                same(&x.recip(), &p.recip())?;
            }
            prop_assert_eq!(x.to_f64().map(f64::to_bits), p.to_f64().map(f64::to_bits));
        }
    }

    #[test]
    fn the_edges_of_the_small_range() {
        // i64::MIN is never a small numerator (its negation would not fit).
        let min = Exact::from_i64(i64::MIN);
        assert!(min.small_parts().is_none());
        assert_eq!(-&min, Exact::new(BigInt::from(i64::MIN).neg(), 1.into()));
        assert!((-&min).small_parts().is_none());
        // A product that overflows 64 bits becomes big, and small again when divided back.
        let max = Exact::from_i64(i64::MAX);
        let square = &max * &max;
        assert!(square.small_parts().is_none());
        assert_eq!(&square / &max, max);
        assert!((&square / &max).small_parts().is_some());
        assert_eq!(format!("{:?}", Exact::new(6.into(), (-4).into())), "-3/2");
    }

    #[test]
    #[should_panic(expected = "division by zero")]
    fn dividing_by_zero_panics_as_big_rationals_do() {
        let _ = Exact::one() / Exact::zero();
    }
}
