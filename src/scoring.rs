//! Scoring: from metric values, targets and a scheme to KPI amounts. Pure: no I/O.
//!
//! For each KPI: attainment = actual ÷ target (target ÷ actual when lower is better), the curve
//! turns attainment into a factor, and amount = target bonus × share × weight × factor, rounded
//! half away from zero to cents. All of it in exact fractions; the rounding is the only one.

use crate::metrics::MetricValue;
use crate::num::{Exact, exact, exact_int, round_exact};
use crate::period::Period;
use crate::scheme::{Better, Curve, Kpi, Scheme, Target};
use chrono::NaiveDate;
use num_traits::Zero;
use rust_decimal::Decimal;

/// The part of the period an employee was employed, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Employment {
    pub days_employed: i64,
    pub days_in_period: i64,
}

impl Employment {
    pub fn share(&self) -> Exact {
        exact_int(self.days_employed) / exact_int(self.days_in_period)
    }
    pub fn is_employed(&self) -> bool {
        self.days_employed > 0
    }
}

/// Employment runs from `hired_on` (or the period start) to `left_on` (or the period end).
pub fn employment(
    period: Period,
    hired_on: Option<NaiveDate>,
    left_on: Option<NaiveDate>,
) -> Employment {
    let from = hired_on.map_or(period.start(), |h| h.max(period.start()));
    let to = left_on.map_or(period.end(), |l| l.min(period.end()));
    let days = if to >= from {
        (to - from).num_days() + 1
    } else {
        0
    };
    Employment {
        days_employed: days,
        days_in_period: period.days(),
    }
}

/// The attainment lines of one KPI, drawn from the scheme and the KPI's own curve.
///
/// The rule: a KPI's review line is the higher of the scheme's `review_below` and the KPI's
/// curve threshold, so an attainment that pays nothing because it is under the threshold is
/// always in the "below" band and flagged for review (with `threshold: 95%`, 93% pays 0 and is
/// "below 95%", not "80-100%"). The discuss line is the scheme's `discuss_above`, raised to the
/// review line when the threshold is above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lines {
    pub review: Decimal,
    pub discuss: Decimal,
}

impl Lines {
    pub fn of(scheme: &Scheme, kpi: &Kpi) -> Lines {
        let review = scheme.review_below.max(kpi.curve.threshold);
        Lines {
            review,
            discuss: scheme.discuss_above.max(review),
        }
    }
}

/// Where an attainment falls, for colours, flags and plain-language lines. Decided once, here,
/// and stored on each [`KpiScore`]: every output shows the same band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    /// Below the KPI's review line: nothing or little is paid; time for a conversation.
    Below,
    /// From the review line to 100%: the expected result.
    Norm,
    /// From 100% (or the review line, when higher) to the discuss line: a good result.
    Good,
    /// Above the discuss line: a star, or a plan set too low.
    Above,
}

impl Band {
    pub fn of(lines: Lines, attainment: &Exact) -> Band {
        if *attainment < exact(lines.review) {
            Band::Below
        } else if *attainment <= exact(Decimal::ONE) {
            Band::Norm
        } else if *attainment <= exact(lines.discuss) {
            Band::Good
        } else {
            Band::Above
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flag {
    /// Attainment below the KPI's review line (80%, or its threshold): review, and talk about why.
    BelowThreshold,
    /// Attainment above the scheme's discuss line (120%): a star, or a plan set too low.
    AboveStretch,
    /// The actual could not be computed (a zero divisor: no deals, empty book, no answers).
    NoData,
    /// The employee was not employed on any day of the period.
    NotEmployed,
}

impl Flag {
    pub fn text(self) -> &'static str {
        match self {
            Flag::BelowThreshold => "review: below threshold",
            Flag::AboveStretch => "discuss: star or low plan",
            Flag::NoData => "no data",
            Flag::NotEmployed => "not employed in the period",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct KpiScore {
    pub actual: Option<Exact>,
    pub target: Option<Exact>,
    pub attainment: Option<Exact>,
    /// The attainment's band (none without an attainment), by the KPI's `lines`.
    pub band: Option<Band>,
    pub lines: Lines,
    /// The part of the KPI's curve the attainment falls on.
    pub curve_part: CurvePart,
    pub factor: Exact,
    /// What the KPI pays; for a KPI in observation, what it would pay at its weight.
    pub amount: Decimal,
    /// The KPI is in observation: its amount is shown, never paid, and not in the total.
    pub observed: bool,
    pub flags: Vec<Flag>,
    pub rows: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub share: Exact,
    pub kpis: Vec<KpiScore>,
    /// What is paid: the paid KPIs' amounts added up.
    pub total: Decimal,
    /// What the KPIs in observation would pay on top, were they paid (zero without any).
    pub observed_total: Decimal,
    pub flags: Vec<Flag>,
}

/// Which part of its curve an attainment falls on. Decided once, here, and stored on each
/// [`KpiScore`]; renderers put it in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurvePart {
    /// No attainment (no data, no target, or a zero actual when lower is better).
    NoAttainment,
    /// Under the threshold: pays nothing.
    BelowThreshold,
    /// On the segment with this index.
    Segment(usize),
    /// Past the last closed segment: flat, or at the cap.
    Beyond,
    /// Lower is better and the actual is zero: the best possible result, the curve's maximum.
    Best,
}

impl CurvePart {
    pub fn of(curve: &Curve, attainment: Option<&Exact>) -> CurvePart {
        let Some(a) = attainment else {
            return CurvePart::NoAttainment;
        };
        if *a < exact(curve.threshold) {
            return CurvePart::BelowThreshold;
        }
        curve
            .segments
            .iter()
            .position(|seg| seg.to.is_none_or(|t| *a <= exact(t)))
            .map_or(CurvePart::Beyond, CurvePart::Segment)
    }
}

/// The factor a curve pays at attainment `a`.
pub fn curve_factor(curve: &Curve, a: &Exact) -> Exact {
    if *a < exact(curve.threshold) {
        return Exact::zero();
    }
    let mut factor = None;
    for seg in &curve.segments {
        let within = seg.to.is_none_or(|t| *a <= exact(t));
        if within {
            factor = Some(exact(seg.start) + exact(seg.slope) * (a - exact(seg.from)));
            break;
        }
    }
    let factor = factor.unwrap_or_else(|| curve_top(curve));
    match curve.cap {
        Some(cap) if factor > exact(cap) => exact(cap),
        _ => factor,
    }
}

/// The factor at the end of the last closed segment (where the curve goes flat).
fn curve_top(curve: &Curve) -> Exact {
    match curve.segments.last() {
        Some(seg) => match seg.to {
            Some(t) => exact(seg.start) + exact(seg.slope) * (exact(t) - exact(seg.from)),
            None => curve.cap.map(exact).unwrap_or_else(|| exact(seg.start)),
        },
        None => Exact::zero(),
    }
}

/// The most a curve can pay (for `better: lower` with a zero actual).
fn curve_max(curve: &Curve) -> Exact {
    let top = curve_top(curve);
    match curve.cap {
        Some(cap) if top > exact(cap) || curve.segments.last().is_some_and(|s| s.to.is_none()) => {
            exact(cap)
        }
        _ => top,
    }
}

/// Every KPI's target for one employee. `plan(metric)` is the employee's plan for the period.
pub fn targets(
    scheme: &Scheme,
    emp: Employment,
    plan: &dyn Fn(&str) -> Option<Decimal>,
) -> Vec<Option<Exact>> {
    fn resolve(
        k: usize,
        kpis: &[Kpi],
        emp: Employment,
        plan: &dyn Fn(&str) -> Option<Decimal>,
        depth: usize,
    ) -> Option<Exact> {
        if depth > kpis.len() {
            return None; // a cycle; rejected when the scheme was loaded
        }
        let kpi = &kpis[k];
        match &kpi.target {
            Target::Fixed(v) => Some(if kpi.prorate {
                exact(*v) * emp.share()
            } else {
                exact(*v)
            }),
            Target::Plan(metric) => plan(metric).map(exact),
            Target::OfKpi { kpi, times } => {
                resolve(*kpi, kpis, emp, plan, depth + 1).map(|t| t * exact(*times))
            }
        }
    }
    (0..scheme.kpis.len())
        .map(|k| resolve(k, &scheme.kpis, emp, plan, 0))
        .collect()
}

/// Scores one employee on their scheme. Fails only when an amount does not fit a decimal
/// (about 7.9e26 with cents): never pays a wrong amount silently.
pub fn score(
    scheme: &Scheme,
    target_bonus: Decimal,
    emp: Employment,
    metrics: &[MetricValue],
    targets: &[Option<Exact>],
) -> Result<Score, String> {
    let share = emp.share();
    // The bonus for the days employed, the same for every KPI (one product fewer per KPI).
    let bonus_share = exact(target_bonus) * &share;
    let mut kpis = Vec::with_capacity(scheme.kpis.len());
    for (k, kpi) in scheme.kpis.iter().enumerate() {
        let m = &metrics[kpi.metric];
        let actual = m.value.clone();
        let target = targets[k].clone();
        let mut flags = Vec::new();
        let (attainment, factor) = if !emp.is_employed() {
            (None, Exact::zero())
        } else {
            match (&actual, &target) {
                (None, _) => {
                    flags.push(Flag::NoData);
                    (None, Exact::zero())
                }
                (Some(_), None) => (None, Exact::zero()),
                (Some(a), Some(t)) => match kpi.better {
                    Better::Higher if t.is_zero() => (None, Exact::zero()),
                    Better::Higher => {
                        let att = a / t;
                        let f = curve_factor(&kpi.curve, &att);
                        (Some(att), f)
                    }
                    Better::Lower if a.is_zero() || a.is_negative() => {
                        (None, curve_max(&kpi.curve))
                    }
                    Better::Lower => {
                        let att = t / a;
                        let f = curve_factor(&kpi.curve, &att);
                        (Some(att), f)
                    }
                },
            }
        };
        let lines = Lines::of(scheme, kpi);
        let band = attainment.as_ref().map(|a| Band::of(lines, a));
        let curve_part = if attainment.is_none() && factor.is_positive() {
            CurvePart::Best
        } else {
            CurvePart::of(&kpi.curve, attainment.as_ref())
        };
        match band {
            Some(Band::Below) => flags.push(Flag::BelowThreshold),
            Some(Band::Above) => flags.push(Flag::AboveStretch),
            _ => {}
        }
        let exact_amount = &bonus_share * exact(kpi.weight) * &factor;
        let amount = round_exact(&exact_amount, 2).ok_or_else(|| {
            let about = exact_amount.to_f64().unwrap_or(f64::INFINITY);
            format!(
                "the amount of KPI {:?} (about {about:.3e}) is too large to pay",
                kpi.id
            )
        })?;
        kpis.push(KpiScore {
            actual,
            target,
            attainment,
            band,
            lines,
            curve_part,
            factor,
            amount,
            observed: !kpi.is_paid(),
            flags,
            rows: m.rows,
        });
    }
    let sum = |observed: bool| {
        kpis.iter()
            .filter(|k| k.observed == observed)
            .try_fold(Decimal::ZERO, |t, k| t.checked_add(k.amount))
    };
    let total = sum(false).ok_or("the total of the KPI amounts is too large to pay")?;
    let observed_total =
        sum(true).ok_or("the total of the observed KPI amounts is too large to show")?;
    let flags = if emp.is_employed() {
        Vec::new()
    } else {
        vec![Flag::NotEmployed]
    };
    Ok(Score {
        share,
        kpis,
        total,
        observed_total,
        flags,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
    fn q(s: &str) -> Exact {
        exact(d(s))
    }
    fn date(s: &str) -> NaiveDate {
        NaiveDate::from_str(s).unwrap()
    }

    #[test]
    fn standard_curve_every_segment() {
        let c = Curve::standard();
        assert_eq!(curve_factor(&c, &q("0.7999")), q("0"));
        assert_eq!(curve_factor(&c, &q("-0.8")), q("0"));
        assert_eq!(curve_factor(&c, &q("0.8")), q("0.8")); // threshold pays
        assert_eq!(curve_factor(&c, &q("0.9")), q("0.9")); // 1:1
        assert_eq!(curve_factor(&c, &q("1")), q("1"));
        assert_eq!(curve_factor(&c, &q("1.1")), q("1.15")); // accelerator 1.5
        assert_eq!(curve_factor(&c, &q("1.2")), q("1.3"));
        assert_eq!(curve_factor(&c, &q("1.21")), q("1.3")); // cap
        assert_eq!(curve_factor(&c, &q("4")), q("1.3"));
    }

    #[test]
    fn decelerator_open_segment_and_cap() {
        let c = Curve {
            threshold: d("0.5"),
            segments: vec![
                crate::scheme::Segment {
                    from: d("0.5"),
                    to: Some(d("1")),
                    start: d("0.25"),
                    slope: d("0.5"),
                },
                crate::scheme::Segment {
                    from: d("1"),
                    to: None,
                    start: d("0.5"),
                    slope: d("2"),
                },
            ],
            cap: Some(d("1.5")),
        };
        assert_eq!(curve_factor(&c, &q("0.49")), q("0"));
        assert_eq!(curve_factor(&c, &q("0.75")), q("0.375"));
        assert_eq!(curve_factor(&c, &q("1.25")), q("1"));
        assert_eq!(curve_factor(&c, &q("2")), q("1.5"));
        assert_eq!(curve_max(&c), q("1.5"));
    }

    #[test]
    fn the_curve_part_is_decided_with_the_score() {
        let c = Curve::standard();
        let part = |s: &str| CurvePart::of(&c, Some(&q(s)));
        assert_eq!(part("0.79"), CurvePart::BelowThreshold);
        assert_eq!(part("0.8"), CurvePart::Segment(0));
        assert_eq!(part("1"), CurvePart::Segment(0));
        assert_eq!(part("1.01"), CurvePart::Segment(1));
        assert_eq!(part("1.5"), CurvePart::Beyond);
        assert_eq!(CurvePart::of(&c, None), CurvePart::NoAttainment);
        // Lower is better with a zero actual: no attainment, but the curve's maximum.
        let scheme = crate::scheme::parse_str(
            std::path::Path::new("s.yaml"),
            "currency: KZT\ncurve: standard\nmetrics:\n  m: { count: deals }\nkpis:\n  - { id: k, weight: 100%, metric: m, target: 5, better: lower }\n",
        )
        .unwrap();
        let emp = employment(Period::parse("2026-10").unwrap(), None, None);
        let zero = [MetricValue {
            value: Some(exact_int(0)),
            rows: 0,
        }];
        let targets = targets(&scheme, emp, &|_| None);
        let s = score(&scheme, d("1000"), emp, &zero, &targets).unwrap();
        assert_eq!(s.kpis[0].curve_part, CurvePart::Best);
        assert_eq!(s.total, d("1300.00"));
    }

    #[test]
    fn proration_inclusive_days() {
        let p = Period::parse("2026-09").unwrap();
        let e = |h: Option<&str>, l: Option<&str>| employment(p, h.map(date), l.map(date));
        assert_eq!(e(None, None).days_employed, 30);
        assert_eq!(e(Some("2020-01-01"), None).days_employed, 30);
        assert_eq!(e(Some("2026-09-15"), None).days_employed, 16); // 15th..30th
        assert_eq!(e(None, Some("2026-09-10")).days_employed, 10); // 1st..10th
        assert_eq!(e(Some("2026-09-30"), None).days_employed, 1);
        assert_eq!(e(Some("2026-09-10"), Some("2026-09-10")).days_employed, 1);
        assert_eq!(e(Some("2026-10-03"), None).days_employed, 0); // joins next month
        assert_eq!(e(None, Some("2026-08-31")).days_employed, 0); // left last month
        assert_eq!(
            e(Some("2026-09-15"), None).share(),
            exact_int(16) / exact_int(30)
        );
    }
}
