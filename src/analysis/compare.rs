//! `compare`: a candidate scheme against the schemes people are paid on, over several periods.
//!
//! Every figure is decided here: per employee and period the current and candidate amounts and
//! their difference; totals per period, overall and per team (per currency: amounts in different
//! currencies are never added up); who gains, loses or stays the same; the largest losses; the
//! uniform factor on target bonuses that would make the candidate cost what today's schemes
//! cost; people whose pay would fall by more than 20%; people who changed scheme within the
//! compared periods; and the calibration of each candidate KPI (the spread of its actuals, the
//! share of people under the threshold and above the discuss line, and the target at which the
//! median person would reach 100%).
//!
//! Only periods in which an employee was employed are compared (a month not employed pays 0
//! under any scheme and says nothing about the scheme).

use crate::num::{Exact, exact, exact_int};
use crate::period::Period;
use crate::results::{Evaluation, Role};
use crate::scheme::{Better, Target};
use crate::scoring::Band;
use num_traits::Zero;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// A fall in pay larger than this share of today's pay is flagged (20%).
pub fn big_fall() -> Exact {
    exact_int(-1) / exact_int(5)
}

/// "Nearly everyone": at least this share of the scored people (80%) above the discuss line or
/// under the review line flags the KPI's target as too low or too high.
pub fn nearly_everyone() -> Exact {
    exact_int(4) / exact_int(5)
}

/// How many of the largest losses are named.
pub const LARGEST_LOSSES: usize = 10;

/// One employee in one period under both schemes.
#[derive(Debug, Clone)]
pub struct Row {
    /// Index into the evaluation's roster.
    pub employee: usize,
    pub period: Period,
    /// The scheme the employee is paid on in the period.
    pub current_scheme: usize,
    pub currency: String,
    pub current: Decimal,
    pub candidate: Decimal,
    pub delta: Decimal,
    /// delta ÷ current; none when today's pay is zero.
    pub delta_share: Option<Exact>,
    /// Every KPI of the current scheme: (id, attainment), observed ones included.
    pub current_kpis: Vec<(String, Option<Exact>)>,
    pub candidate_kpis: Vec<(String, Option<Exact>)>,
    /// The pay would fall by more than 20%.
    pub big_fall: bool,
}

/// Gains, losses and unchanged pay, counted over rows (an employee in a period).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Moves {
    pub gain: usize,
    pub lose: usize,
    pub same: usize,
}

impl Moves {
    fn add(&mut self, delta: Decimal) {
        match delta.cmp(&Decimal::ZERO) {
            std::cmp::Ordering::Greater => self.gain += 1,
            std::cmp::Ordering::Less => self.lose += 1,
            std::cmp::Ordering::Equal => self.same += 1,
        }
    }
}

/// The payout cost of a group under both schemes, in one currency.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cost {
    pub current: Decimal,
    pub candidate: Decimal,
    pub moves: Moves,
}

impl Cost {
    fn add(&mut self, row: &Row) {
        self.current = self.current.saturating_add(row.current);
        self.candidate = self.candidate.saturating_add(row.candidate);
        self.moves.add(row.delta);
    }
    pub fn delta(&self) -> Decimal {
        self.candidate.saturating_sub(self.current)
    }
    /// delta ÷ today's cost; none when today's cost is zero.
    pub fn delta_share(&self) -> Option<Exact> {
        delta_share(self.delta(), self.current)
    }
}

/// An employee whose pay falls, summed over the compared periods.
#[derive(Debug, Clone, PartialEq)]
pub struct Loss {
    pub employee: usize,
    pub currency: String,
    pub current: Decimal,
    pub candidate: Decimal,
    pub delta: Decimal,
    pub delta_share: Option<Exact>,
}

/// A change of paid scheme between two compared periods.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemeChange {
    pub employee: usize,
    /// The first compared period on the new scheme.
    pub period: Period,
    pub from: usize,
    pub to: usize,
}

/// Calibration of one KPI of the candidate scheme over the compared periods.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Index into the candidate scheme's KPIs.
    pub kpi: usize,
    /// Rows with an actual (employee × period).
    pub scored: usize,
    /// min, 25th percentile, median, 75th percentile, max of the actuals (none without rows).
    pub spread: Option<[Exact; 5]>,
    /// Rows with an attainment.
    pub with_attainment: usize,
    /// Share of rows with an attainment under the curve's threshold (paid nothing).
    pub below_threshold: Option<Exact>,
    /// Share of rows above the discuss line.
    pub above_discuss: Option<Exact>,
    /// Share of rows under the review line.
    pub below_review: Option<Exact>,
    /// The median attainment.
    pub median_attainment: Option<Exact>,
    /// What multiplies today's targets so that the median person reaches exactly 100%: the
    /// median attainment (its inverse when lower is better).
    pub target_factor: Option<Exact>,
    /// For a fixed target: that target times `target_factor`.
    pub suggested_target: Option<Exact>,
    pub verdict: Option<Verdict>,
    /// No one reached the curve's threshold in the compared periods.
    pub no_one_reaches_threshold: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nearly everyone is above the discuss line.
    TargetTooLow,
    /// Nearly everyone is under the review line.
    TargetTooHigh,
}

impl Verdict {
    pub fn text(self) -> &'static str {
        match self {
            Verdict::TargetTooLow => "target too low",
            Verdict::TargetTooHigh => "target too high",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Comparison {
    pub periods: Vec<Period>,
    pub candidate: usize,
    /// By period, then employee_id.
    pub rows: Vec<Row>,
    /// (period, currency) → cost; period `None` is all periods together.
    pub totals: BTreeMap<(Option<Period>, String), Cost>,
    /// (team, currency) → cost over all periods.
    pub teams: BTreeMap<(String, String), Cost>,
    /// The largest losses over all periods, largest first (at most [`LARGEST_LOSSES`]).
    pub largest_losses: Vec<Loss>,
    /// Everyone whose pay over the compared periods would fall by more than 20%.
    pub big_falls: Vec<Loss>,
    /// Per currency: today's cost ÷ the candidate's, the factor on target bonuses that makes
    /// the candidate cost the same (before rounding to cents); none when the candidate pays 0.
    pub cost_factor: BTreeMap<String, Option<Exact>>,
    pub scheme_changes: Vec<SchemeChange>,
    pub calibration: Vec<Calibration>,
}

/// The p-th quantile (0 ≤ p ≤ 1) of sorted values, interpolating linearly between the two
/// nearest ranks: the rule of Excel's PERCENTILE.INC and of R's and NumPy's default.
pub fn quantile(sorted: &[Exact], p: &Exact) -> Option<Exact> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let h = exact_int(n as i64 - 1) * p;
    let lo = h.floor();
    let i = lo.to_integer().try_into().unwrap_or(0usize).min(n - 1);
    let frac = &h - &lo;
    let next = sorted.get(i + 1).unwrap_or(&sorted[i]);
    Some(&sorted[i] + frac * (next - &sorted[i]))
}

fn share(count: usize, of: usize) -> Option<Exact> {
    (of > 0).then(|| exact_int(count as i64) / exact_int(of as i64))
}

/// delta ÷ today's pay; none when today's pay is zero.
pub fn delta_share(delta: Decimal, current: Decimal) -> Option<Exact> {
    (!current.is_zero()).then(|| exact(delta) / exact(current))
}

/// One candidate KPI in one row: (actual, attainment, band, factor).
type Seen = (Option<Exact>, Option<Exact>, Option<Band>, Exact);

/// Compares the evaluation's candidate scores with the paid ones.
pub fn compare(ev: &Evaluation, candidate: usize) -> Comparison {
    let mut rows = Vec::new();
    let mut last_scheme: BTreeMap<usize, usize> = BTreeMap::new();
    let mut scheme_changes = Vec::new();
    // Per candidate KPI: what it found in every employed row.
    let kpis = &ev.schemes[candidate].kpis;
    let mut seen: Vec<Vec<Seen>> = vec![Vec::new(); kpis.len()];
    for pr in &ev.periods {
        for ep in &pr.employees {
            let (Some(paid), Some(cand)) = (
                ep.paid(),
                ep.scores
                    .iter()
                    .find(|s| s.role == Role::Candidate || s.scheme == candidate),
            ) else {
                continue;
            };
            if let Some(prev) = last_scheme.insert(ep.employee, paid.scheme)
                && prev != paid.scheme
            {
                scheme_changes.push(SchemeChange {
                    employee: ep.employee,
                    period: pr.period,
                    from: prev,
                    to: paid.scheme,
                });
            }
            if !ep.employment.is_employed() {
                continue;
            }
            let current = paid.score.total;
            let cand_total = cand.score.total;
            let delta = cand_total.saturating_sub(current);
            let ds = delta_share(delta, current);
            let attainments = |scheme: usize, score: &crate::scoring::Score| {
                ev.schemes[scheme]
                    .kpis
                    .iter()
                    .zip(&score.kpis)
                    .map(|(k, s)| (k.id.clone(), s.attainment.clone()))
                    .collect()
            };
            for (k, s) in cand.score.kpis.iter().enumerate() {
                seen[k].push((
                    s.actual.clone(),
                    s.attainment.clone(),
                    s.band,
                    s.factor.clone(),
                ));
            }
            rows.push(Row {
                employee: ep.employee,
                period: pr.period,
                current_scheme: paid.scheme,
                currency: ev.schemes[paid.scheme].currency.clone(),
                current,
                candidate: cand_total,
                delta,
                big_fall: ds.as_ref().is_some_and(|d| *d < big_fall()),
                delta_share: ds,
                current_kpis: attainments(paid.scheme, &paid.score),
                candidate_kpis: attainments(cand.scheme, &cand.score),
            });
        }
    }

    let mut totals: BTreeMap<(Option<Period>, String), Cost> = BTreeMap::new();
    let mut teams: BTreeMap<(String, String), Cost> = BTreeMap::new();
    let mut per_person: BTreeMap<(usize, String), (Decimal, Decimal)> = BTreeMap::new();
    for r in &rows {
        totals
            .entry((Some(r.period), r.currency.clone()))
            .or_default()
            .add(r);
        totals.entry((None, r.currency.clone())).or_default().add(r);
        let team = ev.roster[r.employee].team.clone();
        teams.entry((team, r.currency.clone())).or_default().add(r);
        let p = per_person
            .entry((r.employee, r.currency.clone()))
            .or_default();
        p.0 = p.0.saturating_add(r.current);
        p.1 = p.1.saturating_add(r.candidate);
    }
    let mut losses: Vec<Loss> = per_person
        .into_iter()
        .map(|((employee, currency), (current, candidate))| {
            let delta = candidate.saturating_sub(current);
            Loss {
                employee,
                currency,
                current,
                candidate,
                delta,
                delta_share: delta_share(delta, current),
            }
        })
        .filter(|l| l.delta < Decimal::ZERO)
        .collect();
    // Largest loss first; equal losses by employee_id (the roster is in id order).
    losses.sort_by(|a, b| a.delta.cmp(&b.delta).then(a.employee.cmp(&b.employee)));
    let big_falls: Vec<Loss> = losses
        .iter()
        .filter(|l| l.delta_share.as_ref().is_some_and(|d| *d < big_fall()))
        .cloned()
        .collect();
    let largest_losses = losses.into_iter().take(LARGEST_LOSSES).collect();
    let cost_factor = totals
        .iter()
        .filter(|((p, _), _)| p.is_none())
        .map(|((_, currency), c)| {
            (
                currency.clone(),
                (!c.candidate.is_zero()).then(|| exact(c.current) / exact(c.candidate)),
            )
        })
        .collect();

    let calibration = kpis
        .iter()
        .enumerate()
        .map(|(k, kpi)| calibrate(k, kpi, &seen[k]))
        .collect();
    Comparison {
        periods: ev.periods.iter().map(|p| p.period).collect(),
        candidate,
        rows,
        totals,
        teams,
        largest_losses,
        big_falls,
        cost_factor,
        scheme_changes,
        calibration,
    }
}

fn calibrate(k: usize, kpi: &crate::scheme::Kpi, seen: &[Seen]) -> Calibration {
    let mut actuals: Vec<Exact> = seen.iter().filter_map(|s| s.0.clone()).collect();
    actuals.sort();
    let mut atts: Vec<Exact> = seen.iter().filter_map(|s| s.1.clone()).collect();
    atts.sort();
    let q = |p: Exact| quantile(&actuals, &p);
    let spread = match (
        q(exact_int(0)),
        q(exact_int(1) / exact_int(4)),
        q(exact_int(1) / exact_int(2)),
        q(exact_int(3) / exact_int(4)),
        q(exact_int(1)),
    ) {
        (Some(a), Some(b), Some(c), Some(d), Some(e)) => Some([a, b, c, d, e]),
        _ => None,
    };
    let n = atts.len();
    let threshold = exact(kpi.curve.threshold);
    let below_threshold = share(atts.iter().filter(|a| **a < threshold).count(), n);
    let above_discuss = share(seen.iter().filter(|s| s.2 == Some(Band::Above)).count(), n);
    let below_review = share(seen.iter().filter(|s| s.2 == Some(Band::Below)).count(), n);
    let median_attainment = quantile(&atts, &(exact_int(1) / exact_int(2)));
    let target_factor = median_attainment
        .as_ref()
        .filter(|m| m.is_positive())
        .map(|m| match kpi.better {
            Better::Higher => m.clone(),
            Better::Lower => m.recip(),
        });
    let suggested_target = match (&kpi.target, &target_factor) {
        (Target::Fixed(t), Some(f)) => Some(exact(*t) * f),
        _ => None,
    };
    let verdict = if above_discuss
        .as_ref()
        .is_some_and(|s| *s >= nearly_everyone())
    {
        Some(Verdict::TargetTooLow)
    } else if below_review
        .as_ref()
        .is_some_and(|s| *s >= nearly_everyone())
    {
        Some(Verdict::TargetTooHigh)
    } else {
        None
    };
    let no_one_reaches_threshold = !seen.is_empty() && seen.iter().all(|s| s.3.is_zero());
    Calibration {
        kpi: k,
        scored: actuals.len(),
        spread,
        with_attainment: n,
        below_threshold,
        above_discuss,
        below_review,
        median_attainment,
        target_factor,
        suggested_target,
        verdict,
        no_one_reaches_threshold,
    }
}

/// The bins of the distribution of pay changes (delta ÷ today's pay), for the chart: each
/// label with the bounds it covers, lower bound exclusive except the first.
pub const DELTA_BINS: [&str; 9] = [
    "below -30%",
    "-30% to -20%",
    "-20% to -10%",
    "-10% to 0%",
    "no change",
    "0% to +10%",
    "+10% to +20%",
    "+20% to +30%",
    "above +30%",
];

impl Comparison {
    /// How many rows (employee × period, with pay today) fall in each of [`DELTA_BINS`].
    pub fn delta_bins(&self) -> [usize; 9] {
        let mut bins = [0usize; 9];
        let tenth = |n: i64| exact_int(n) / exact_int(10);
        for d in self.rows.iter().filter_map(|r| r.delta_share.as_ref()) {
            let i = if d.is_zero() {
                4
            } else if *d < tenth(-3) {
                0
            } else if *d < tenth(-2) {
                1
            } else if *d < tenth(-1) {
                2
            } else if d.is_negative() {
                3
            } else if *d <= tenth(1) {
                5
            } else if *d <= tenth(2) {
                6
            } else if *d <= tenth(3) {
                7
            } else {
                8
            };
            bins[i] += 1;
        }
        bins
    }

    /// The currency most rows are paid in (the one the charts show).
    pub fn main_currency(&self) -> Option<&str> {
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &self.rows {
            *count.entry(r.currency.as_str()).or_default() += 1;
        }
        count
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
            .map(|(c, _)| c)
    }

    /// Candidate KPIs no one reached the threshold of in the compared periods, as warnings.
    pub fn warnings(&self, ev: &Evaluation) -> Vec<String> {
        let scheme = &ev.schemes[self.candidate];
        self.calibration
            .iter()
            .filter(|c| c.no_one_reaches_threshold)
            .map(|c| {
                format!(
                    "candidate scheme {}: no one reaches the threshold of KPI {:?} in {} period{} compared; it would pay nothing to anyone: check its target and curve",
                    scheme.id,
                    scheme.kpis[c.kpi].id,
                    self.periods.len(),
                    if self.periods.len() == 1 { "" } else { "s" }
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> Exact {
        exact_int(n) / exact_int(d)
    }

    #[test]
    fn quantiles_interpolate_between_ranks() {
        // 10, 20, 30, 40: PERCENTILE.INC gives 17.5 at 25%, 25 at 50%, 32.5 at 75%.
        let v: Vec<Exact> = [10, 20, 30, 40].map(exact_int).to_vec();
        assert_eq!(quantile(&v, &q(0, 1)), Some(exact_int(10)));
        assert_eq!(quantile(&v, &q(1, 4)), Some(q(35, 2)));
        assert_eq!(quantile(&v, &q(1, 2)), Some(exact_int(25)));
        assert_eq!(quantile(&v, &q(3, 4)), Some(q(65, 2)));
        assert_eq!(quantile(&v, &q(1, 1)), Some(exact_int(40)));
        let one = vec![exact_int(7)];
        assert_eq!(quantile(&one, &q(1, 4)), Some(exact_int(7)));
        assert_eq!(quantile(&[], &q(1, 2)), None);
        // Five values: the ranks fall on values.
        let five: Vec<Exact> = [1, 3, 3, 8, 100].map(exact_int).to_vec();
        assert_eq!(quantile(&five, &q(1, 4)), Some(exact_int(3)));
        assert_eq!(quantile(&five, &q(1, 2)), Some(exact_int(3)));
        assert_eq!(quantile(&five, &q(3, 4)), Some(exact_int(8)));
    }

    #[test]
    fn moves_count_gains_losses_and_ties() {
        let mut m = Moves::default();
        for d in [1, -1, 0, 5, -2] {
            m.add(Decimal::from(d));
        }
        assert_eq!(
            m,
            Moves {
                gain: 2,
                lose: 2,
                same: 1
            }
        );
    }
}
