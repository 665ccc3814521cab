//! The payout: from an employee's bonus (the KPI amounts) to what payroll pays, through every
//! line no KPI produces — the scheme's cap and guarantee, true-ups of closed periods, and the
//! adjustments finance enters. Pure: no I/O. The rules are in docs/month-end.md.
//!
//! `amount = bonus + adjustments`, where `adjustments` is the sum of the lines. Each line is
//! rounded to the cent once, where it is made; totals are sums of lines.

use crate::num::{exact, exact_int, round_exact};
use crate::period::Period;
use crate::scheme::Scheme;
use crate::scoring::Employment;
use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;

/// What a line is, in the order lines are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// The scheme's `max_total` cut the bonus (negative).
    Cap,
    /// A guaranteed minimum topped up (the scheme's `guarantee`), or an agreed one (a table row).
    Guarantee,
    /// A recoverable guarantee taken back from pay above the guaranteed level (negative).
    GuaranteeRecovery,
    /// The difference a recomputed final period makes.
    TrueUp,
    Correction,
    OneOff,
    Clawback,
    Other,
}

impl Kind {
    /// The word run.json, the workbook and the adjustments table use.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Cap => "cap",
            Kind::Guarantee => "guarantee",
            Kind::GuaranteeRecovery => "guarantee_recovery",
            Kind::TrueUp => "true_up",
            Kind::Correction => "correction",
            Kind::OneOff => "one_off",
            Kind::Clawback => "clawback",
            Kind::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Kind> {
        [
            Kind::Cap,
            Kind::Guarantee,
            Kind::GuaranteeRecovery,
            Kind::TrueUp,
            Kind::Correction,
            Kind::OneOff,
            Kind::Clawback,
            Kind::Other,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }

    /// The sign an adjustments row of this kind must have: `Some(true)` positive, `Some(false)`
    /// negative, none either.
    pub fn table_sign(self) -> Option<bool> {
        match self {
            Kind::OneOff | Kind::Guarantee => Some(true),
            Kind::Clawback => Some(false),
            _ => None,
        }
    }
}

/// Where a line comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A rule of the employee's scheme (`max_total`, `guarantee`).
    Scheme,
    /// `--true-up DIR`: the recomputation of a final run of `period`.
    TrueUp { period: Period, run: String },
    /// A row of the adjustments table, as the user sees it.
    Table { place: String, row: usize },
}

/// One line of a payout besides the KPI amounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub kind: Kind,
    pub amount: Decimal,
    /// Why: an adjustments row's reason, a true-up's causes; empty for scheme lines, which
    /// renderers put in words from [`Payout::cap`] and [`Payout::guarantee`].
    pub reason: String,
    /// Who approved an adjustments row (finance's workbook and run.json only).
    pub approved_by: String,
    /// An adjustments row's reference (a deal_id …), a true-up's period.
    pub reference: String,
    /// Finance's internal note: never on a statement.
    pub note: String,
    pub origin: Origin,
}

impl Line {
    fn scheme(kind: Kind, amount: Decimal) -> Line {
        Line {
            kind,
            amount,
            reason: String::new(),
            approved_by: String::new(),
            reference: String::new(),
            note: String::new(),
            origin: Origin::Scheme,
        }
    }

    /// Lines the scheme makes: part of what a true-up recomputes.
    pub fn is_scheme(&self) -> bool {
        self.origin == Origin::Scheme
    }
}

/// An adjustments row, validated: whose and which period's payout it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    pub employee_id: String,
    pub period: Period,
    pub line: Line,
}

/// The state of an employee's guarantee in a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuaranteeState {
    /// The guarantee's window: from `hired_on` to the day before the same day `months` later.
    pub from: NaiveDate,
    pub until: NaiveDate,
    /// Days of the period employed and in the window.
    pub days: i64,
    /// The minimum for those days (zero outside the window).
    pub minimum: Decimal,
    pub recoverable: bool,
    /// The balance to recover before the period (recoverable only).
    pub opening: Decimal,
    pub top_up: Decimal,
    pub recovered: Decimal,
    /// The balance after the period: opening + top_up − recovered (recoverable only).
    pub closing: Decimal,
}

/// The cap of a period: the most the bonus may be, and whether it cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapState {
    pub share: Decimal,
    pub limit: Decimal,
}

/// What payroll pays an employee for a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Payout {
    /// The paid KPIs' amounts added up.
    pub bonus: Decimal,
    /// Every other line, in the order applied: scheme lines, true-ups, the table's rows.
    pub lines: Vec<Line>,
    /// The lines added up.
    pub adjustments: Decimal,
    /// What payroll pays: bonus + adjustments.
    pub amount: Decimal,
    pub cap: Option<CapState>,
    pub guarantee: Option<GuaranteeState>,
}

impl Payout {
    /// A payout of `bonus` and `lines`; fails only when a sum does not fit a decimal.
    pub fn new(
        bonus: Decimal,
        lines: Vec<Line>,
        cap: Option<CapState>,
        guarantee: Option<GuaranteeState>,
    ) -> Result<Payout, String> {
        let adjustments = lines
            .iter()
            .try_fold(Decimal::ZERO, |t, l| t.checked_add(l.amount))
            .ok_or("the adjustments add up to more than an amount can be")?;
        let amount = bonus
            .checked_add(adjustments)
            .ok_or("bonus and adjustments add up to more than an amount can be")?;
        Ok(Payout {
            bonus,
            lines,
            adjustments,
            amount,
            cap,
            guarantee,
        })
    }

    /// The bonus with the scheme's own lines: what a true-up recomputes and compares.
    pub fn scheme_amount(&self) -> Decimal {
        self.lines
            .iter()
            .filter(|l| l.is_scheme())
            .fold(self.bonus, |t, l| t.saturating_add(l.amount))
    }

    /// The guarantee balance after the period, when the guarantee is recoverable.
    pub fn closing_balance(&self) -> Option<Decimal> {
        self.guarantee.filter(|g| g.recoverable).map(|g| g.closing)
    }
}

/// `target_bonus × share × days ÷ days_in_period`, rounded to the cent once.
fn prorated(
    target_bonus: Decimal,
    share: Decimal,
    days: i64,
    days_in_period: i64,
) -> Option<Decimal> {
    let q = exact(target_bonus) * exact(share) * exact_int(days) / exact_int(days_in_period);
    round_exact(&q, 2)
}

/// The last day of a guarantee of `months` from `hired_on`: the day before the same day
/// `months` later (the month's last day when it has no such day, as chrono counts months).
pub fn guarantee_until(hired_on: NaiveDate, months: u32) -> Option<NaiveDate> {
    hired_on
        .checked_add_months(Months::new(months))
        .and_then(|d| d.pred_opt())
}

/// Whether the employee's scheme recovers a guarantee whose balance started before `period`,
/// so the period needs the opening balance from the previous period's final run.
pub fn needs_opening(scheme: &Scheme, hired_on: Option<NaiveDate>, period: Period) -> bool {
    scheme.guarantee.is_some_and(|g| g.recoverable) && hired_on.is_some_and(|h| h < period.start())
}

/// The scheme's lines for a bonus, with the cap and guarantee they were decided by.
pub type SchemeLines = (Vec<Line>, Option<CapState>, Option<GuaranteeState>);

/// What one employee's scheme rules make of a period's bonus.
pub struct SchemeRules<'a> {
    pub scheme: &'a Scheme,
    pub target_bonus: Decimal,
    pub hired_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
    pub employment: Employment,
    pub period: Period,
}

impl SchemeRules<'_> {
    /// The scheme's lines for `bonus`: the cap's cut, then the guarantee's top-up or recovery.
    /// `opening` is the guarantee balance before the period (zero when none is owed).
    pub fn lines(&self, bonus: Decimal, opening: Decimal) -> Result<SchemeLines, String> {
        let too_large = || "a cap or guarantee is more than an amount can be".to_string();
        let days_in_period = self.employment.days_in_period;
        let mut lines = Vec::new();
        let mut after_cap = bonus;
        let mut cap = None;
        if let Some(share) = self.scheme.max_total {
            let limit = prorated(
                self.target_bonus,
                share,
                self.employment.days_employed,
                days_in_period,
            )
            .ok_or_else(too_large)?;
            cap = Some(CapState { share, limit });
            if bonus > limit {
                let cut = limit - bonus;
                lines.push(Line::scheme(Kind::Cap, cut));
                after_cap = limit;
            }
        }
        let mut guarantee = None;
        if let (Some(g), Some(hired_on)) = (self.scheme.guarantee, self.hired_on) {
            let until = guarantee_until(hired_on, g.months).ok_or_else(too_large)?;
            let from = hired_on.max(self.period.start());
            let to = until
                .min(self.period.end())
                .min(self.left_on.unwrap_or(NaiveDate::MAX));
            let days = if to >= from {
                (to - from).num_days() + 1
            } else {
                0
            };
            let minimum =
                prorated(self.target_bonus, g.share, days, days_in_period).ok_or_else(too_large)?;
            let level = prorated(
                self.target_bonus,
                g.share,
                self.employment.days_employed,
                days_in_period,
            )
            .ok_or_else(too_large)?;
            let opening = if g.recoverable {
                opening
            } else {
                Decimal::ZERO
            };
            let mut state = GuaranteeState {
                from: hired_on,
                until,
                days,
                minimum,
                recoverable: g.recoverable,
                opening,
                top_up: Decimal::ZERO,
                recovered: Decimal::ZERO,
                closing: opening,
            };
            if after_cap < minimum {
                state.top_up = minimum - after_cap;
                lines.push(Line::scheme(Kind::Guarantee, state.top_up));
            } else if g.recoverable && opening > Decimal::ZERO && after_cap > level {
                state.recovered = opening.min(after_cap - level);
                lines.push(Line::scheme(Kind::GuaranteeRecovery, -state.recovered));
            }
            if g.recoverable {
                state.closing = opening
                    .checked_add(state.top_up)
                    .and_then(|c| c.checked_sub(state.recovered))
                    .ok_or_else(too_large)?;
            }
            // Outside the window with nothing to recover, the guarantee has nothing to say.
            if days > 0 || state.opening > Decimal::ZERO || state.closing > Decimal::ZERO {
                guarantee = Some(state);
            }
        }
        Ok((lines, cap, guarantee))
    }
}

/// What a period's payouts carry besides the scheme and the adjustments table: the guarantee
/// balances from the previous final run and the true-ups of earlier final runs.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub opening: Option<Opening>,
    /// Per employee_id, the true-up lines to pay in this period.
    pub true_ups: std::collections::BTreeMap<String, Vec<Line>>,
    /// For a recomputed final period: per employee_id the lines it paid besides the scheme's
    /// (its adjustments and true-ups, as recorded), which replace today's table.
    pub recorded_lines: Option<std::collections::BTreeMap<String, Vec<Line>>>,
}

impl Ledger {
    /// The guarantee balance an employee opens `period` with: zero unless their scheme recovers a
    /// guarantee that started before the period, then the previous final run's closing balance —
    /// or why it cannot be known.
    pub fn opening_balance(
        &self,
        scheme: &Scheme,
        employee_id: &str,
        hired_on: Option<NaiveDate>,
        period: Period,
    ) -> Result<Decimal, String> {
        if !needs_opening(scheme, hired_on, period) {
            return Ok(Decimal::ZERO);
        }
        let Some(o) = &self.opening else {
            let previous = period.previous().map(|p| p.to_string()).unwrap_or_default();
            return Err(format!(
                "scheme {} recovers its guarantee, and {employee_id} was hired on {}, before {period}: the balance to recover comes from the final run of {previous}; give it with --previous DIR (or --true-up DIR), or, when no earlier run was final (the first month with this scheme), --previous none to start every balance at zero",
                scheme.id,
                hired_on.map(|d| d.to_string()).unwrap_or_default()
            ));
        };
        match o.balances.get(employee_id) {
            Some(b) => Ok(*b),
            None if o.from_zero => Ok(Decimal::ZERO),
            None => Err(format!(
                "not in the previous period's final run {}, so the balance of the recoverable guarantee of scheme {} cannot be carried on",
                o.from, scheme.id
            )),
        }
    }
}

/// The guarantee balances before a period: the closing balances of the previous period's
/// final run.
#[derive(Debug, Clone)]
pub struct Opening {
    /// Where they come from, as the user gave it (for messages).
    pub from: String,
    /// Every employee of that run: their closing balance (zero without a recoverable guarantee).
    pub balances: std::collections::BTreeMap<String, Decimal>,
    /// `--previous none`: there is no earlier final run; every balance starts at zero.
    pub from_zero: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::Guarantee;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
    fn date(s: &str) -> NaiveDate {
        NaiveDate::from_str(s).unwrap()
    }
    fn scheme(max_total: Option<&str>, guarantee: Option<Guarantee>) -> Scheme {
        let mut s = crate::scheme::parse_str(
            std::path::Path::new("s.yaml"),
            "currency: KZT\ncurve: standard\nmax_total: 150%\nguarantee: { months: 3, share: 50%, recoverable: yes }\nmetrics:\n  m: { count: deals }\nkpis:\n  - { id: k, weight: 100%, metric: m, target: 5 }\n",
        )
        .unwrap();
        s.max_total = max_total.map(d);
        s.guarantee = guarantee;
        s
    }
    fn rules<'a>(
        s: &'a Scheme,
        period: &str,
        hired_on: Option<&str>,
        left_on: Option<&str>,
    ) -> SchemeRules<'a> {
        let period = Period::parse(period).unwrap();
        let hired_on = hired_on.map(date);
        let left_on = left_on.map(date);
        SchemeRules {
            scheme: s,
            target_bonus: d("100000"),
            hired_on,
            left_on,
            employment: crate::scoring::employment(period, hired_on, left_on),
            period,
        }
    }
    fn amounts(lines: &[Line]) -> Vec<(Kind, Decimal)> {
        lines.iter().map(|l| (l.kind, l.amount)).collect()
    }

    #[test]
    fn the_cap_cuts_only_above_the_prorated_limit() {
        let s = scheme(Some("1.5"), None);
        // Full month: 150% of 100 000 = 150 000; a bonus of 162 345.67 loses 12 345.67.
        let (lines, cap, _) = rules(&s, "2026-11", None, None)
            .lines(d("162345.67"), Decimal::ZERO)
            .unwrap();
        assert_eq!(amounts(&lines), vec![(Kind::Cap, d("-12345.67"))]);
        assert_eq!(cap.unwrap().limit, d("150000.00"));
        // At the limit exactly: no line.
        let (lines, _, _) = rules(&s, "2026-11", None, None)
            .lines(d("150000.00"), Decimal::ZERO)
            .unwrap();
        assert!(lines.is_empty());
        // Hired 2026-11-20: 11 of 30 days; limit 100 000 × 1.5 × 11/30 = 55 000.00.
        let (lines, cap, _) = rules(&s, "2026-11", Some("2026-11-20"), None)
            .lines(d("60000.01"), Decimal::ZERO)
            .unwrap();
        assert_eq!(cap.unwrap().limit, d("55000.00"));
        assert_eq!(amounts(&lines), vec![(Kind::Cap, d("-5000.01"))]);
    }

    #[test]
    fn a_guarantee_tops_up_the_days_in_its_window() {
        let g = Guarantee {
            months: 3,
            share: d("0.5"),
            recoverable: false,
        };
        let s = scheme(None, Some(g));
        // Hired 2026-10-05: the window is 2026-10-05..2027-01-04.
        assert_eq!(
            guarantee_until(date("2026-10-05"), 3),
            Some(date("2027-01-04"))
        );
        // October: 27 of 31 days, minimum 100 000 × 0.5 × 27/31 = 43 548.387… → 43 548.39.
        let (lines, _, state) = rules(&s, "2026-10", Some("2026-10-05"), None)
            .lines(d("12000.00"), Decimal::ZERO)
            .unwrap();
        let state = state.unwrap();
        assert_eq!((state.days, state.minimum), (27, d("43548.39")));
        assert_eq!(amounts(&lines), vec![(Kind::Guarantee, d("31548.39"))]);
        assert_eq!(state.closing, Decimal::ZERO); // not recoverable: no balance
        // January: 4 of 31 days in the window, minimum 6 451.61; a bonus of 7 000 needs nothing.
        let (lines, _, state) = rules(&s, "2027-01", Some("2026-10-05"), None)
            .lines(d("7000"), Decimal::ZERO)
            .unwrap();
        assert!(lines.is_empty());
        assert_eq!(state.unwrap().minimum, d("6451.61"));
        // February: out of the window, not recoverable: nothing at all.
        let (lines, _, state) = rules(&s, "2027-02", Some("2026-10-05"), None)
            .lines(d("0"), Decimal::ZERO)
            .unwrap();
        assert!(lines.is_empty() && state.is_none());
        // No hired_on: no guarantee.
        let (lines, _, state) = rules(&s, "2026-10", None, None)
            .lines(d("0"), Decimal::ZERO)
            .unwrap();
        assert!(lines.is_empty() && state.is_none());
    }

    #[test]
    fn a_recoverable_guarantee_is_recovered_above_the_level_only() {
        let g = Guarantee {
            months: 3,
            share: d("0.5"),
            recoverable: true,
        };
        let s = scheme(None, Some(g));
        // November, full month in the window: minimum = level = 50 000.00.
        // Opening 31 548.39; a bonus of 70 000 recovers 20 000 (keeps the 50 000 level).
        let (lines, _, state) = rules(&s, "2026-11", Some("2026-10-05"), None)
            .lines(d("70000"), d("31548.39"))
            .unwrap();
        assert_eq!(
            amounts(&lines),
            vec![(Kind::GuaranteeRecovery, d("-20000"))]
        );
        assert_eq!(state.unwrap().closing, d("11548.39"));
        // A bonus of 95 000 recovers the whole balance, no more.
        let (lines, _, state) = rules(&s, "2026-11", Some("2026-10-05"), None)
            .lines(d("95000"), d("31548.39"))
            .unwrap();
        assert_eq!(
            amounts(&lines),
            vec![(Kind::GuaranteeRecovery, d("-31548.39"))]
        );
        assert_eq!(state.unwrap().closing, Decimal::ZERO);
        // A bonus under the minimum tops up again, and the balance grows.
        let (lines, _, state) = rules(&s, "2026-11", Some("2026-10-05"), None)
            .lines(d("10000.50"), d("31548.39"))
            .unwrap();
        assert_eq!(amounts(&lines), vec![(Kind::Guarantee, d("39999.50"))]);
        assert_eq!(state.unwrap().closing, d("71547.89"));
        // After the window the level stays: in March 2027 a bonus of 60 000 recovers 10 000.
        let (lines, _, state) = rules(&s, "2027-03", Some("2026-10-05"), None)
            .lines(d("60000"), d("11548.39"))
            .unwrap();
        assert_eq!(
            amounts(&lines),
            vec![(Kind::GuaranteeRecovery, d("-10000"))]
        );
        let state = state.unwrap();
        assert_eq!(
            (state.days, state.minimum, state.closing),
            (0, d("0"), d("1548.39"))
        );
    }

    #[test]
    fn the_cap_applies_before_the_guarantee() {
        let g = Guarantee {
            months: 3,
            share: d("0.5"),
            recoverable: true,
        };
        let s = scheme(Some("1.2"), Some(g));
        // Bonus 200 000 → capped to 120 000, then 70 000 above the 50 000 level recovers all
        // of a 30 000 balance.
        let (lines, _, state) = rules(&s, "2026-11", Some("2026-10-05"), None)
            .lines(d("200000"), d("30000"))
            .unwrap();
        assert_eq!(
            amounts(&lines),
            vec![
                (Kind::Cap, d("-80000.00")),
                (Kind::GuaranteeRecovery, d("-30000"))
            ]
        );
        assert_eq!(state.unwrap().closing, Decimal::ZERO);
        let p = Payout::new(d("200000"), lines, None, None).unwrap();
        assert_eq!((p.adjustments, p.amount), (d("-110000.00"), d("90000.00")));
        assert_eq!(p.scheme_amount(), d("90000.00"));
    }
}
