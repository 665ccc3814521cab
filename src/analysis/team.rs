//! The head of sales' view (`incentive team`, docs/team.md): the whole team over the period and
//! the history months before it, from one evaluation. Pure: every figure, flag, bottleneck,
//! ranking and forecast is decided here, once; team.html, team.xlsx and team.json lay out the
//! same [`View`].
//!
//! The figures come from the catalogue's metrics, evaluated for everyone in every month through
//! an internal scheme ([`view_scheme`]) scored beside each person's paid scheme, so the view
//! counts exactly what `incentive metrics NAME` says. Lost deals per reason, which no metric can
//! name in advance, are counted from the rows as they stream by ([`Losses::observe`]).

use crate::data::tables::Table;
use crate::data::value::Value;
use crate::error::Problem;
use crate::metrics::{Evidence, MetricValue};
use crate::num::{Exact, exact, exact_int};
use crate::period::Period;
use crate::results::{Evaluation, Role, SchemeScore};
use crate::scheme::{AggOp, Expr, MetricDef, Scheme, unit::Unit};
use crate::scoring::{self, Band};
use chrono::{Datelike, NaiveDate, Weekday};
use num_traits::{ToPrimitive, Zero};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::Path;

/// The id of the internal scheme the view's figures are computed with.
pub const VIEW_SCHEME: &str = "team-view";

/// The thresholds of the flags (`--flags FILE.yaml`), defaults as docs/team.md.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    pub activity_drop: Decimal,
    pub activity_min: u64,
    pub conversion_drop: Decimal,
    pub conversion_min_deals: u64,
    pub average_deal_months: usize,
    pub short_call_seconds: u64,
    pub short_calls_share: Decimal,
    pub long_calls_share: Decimal,
    pub short_calls_min: u64,
    pub loss_reason_share: Decimal,
    pub loss_reason_min: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            activity_drop: Decimal::new(30, 2),
            activity_min: 5,
            conversion_drop: Decimal::new(30, 2),
            conversion_min_deals: 5,
            average_deal_months: 3,
            short_call_seconds: 30,
            short_calls_share: Decimal::new(50, 2),
            long_calls_share: Decimal::new(20, 2),
            short_calls_min: 50,
            loss_reason_share: Decimal::new(40, 2),
            loss_reason_min: 5,
        }
    }
}

pub const THRESHOLD_KEYS: &[&str] = &[
    "activity_drop",
    "activity_min",
    "conversion_drop",
    "conversion_min_deals",
    "average_deal_months",
    "short_call_seconds",
    "short_calls_share",
    "long_calls_share",
    "short_calls_min",
    "loss_reason_share",
    "loss_reason_min",
];

impl Thresholds {
    /// Reads a flags file: a mapping of the keys in [`THRESHOLD_KEYS`], each optional; shares as
    /// `30%` or `0.3`, counts as whole numbers. Every problem at its line and column.
    pub fn read(path: &Path) -> Result<Thresholds, Vec<Problem>> {
        let place = path.display().to_string();
        let text = crate::yaml::read_file(path).map_err(|m| vec![Problem::new(&place, m)])?;
        Thresholds::parse(&place, &text)
    }

    pub fn parse(place: &str, text: &str) -> Result<Thresholds, Vec<Problem>> {
        use crate::yaml::Kind;
        let at = |pos: crate::yaml::Pos| format!("{place}:{}:{}", pos.line, pos.col);
        let root =
            crate::yaml::parse(text).map_err(|e| vec![Problem::new(at(e.pos), e.message)])?;
        let mut t = Thresholds::default();
        let mut problems = Vec::new();
        let entries = match &root.kind {
            Kind::Map(e) => e.as_slice(),
            _ if root.is_null() => &[],
            _ => {
                return Err(vec![Problem::new(
                    at(root.pos),
                    "the flags file is a mapping of thresholds, e.g. `activity_drop: 30%`",
                )]);
            }
        };
        for (k, v) in entries {
            let key = k.as_str().unwrap_or("");
            let text = v.as_str().unwrap_or("").trim();
            let share = || {
                crate::num::parse_scheme_number(text)
                    .filter(|d| *d >= Decimal::ZERO && *d <= Decimal::ONE)
            };
            let count = || text.parse::<u64>().ok().filter(|n| *n <= 1_000_000);
            let ok = match key {
                "activity_drop" => share().map(|d| t.activity_drop = d),
                "conversion_drop" => share().map(|d| t.conversion_drop = d),
                "short_calls_share" => share().map(|d| t.short_calls_share = d),
                "long_calls_share" => share().map(|d| t.long_calls_share = d),
                "loss_reason_share" => share().map(|d| t.loss_reason_share = d),
                "conversion_min_deals" => count().map(|n| t.conversion_min_deals = n),
                "activity_min" => count().map(|n| t.activity_min = n),
                "short_calls_min" => count().map(|n| t.short_calls_min = n),
                "loss_reason_min" => count().map(|n| t.loss_reason_min = n),
                "short_call_seconds" => count()
                    .filter(|n| *n <= 86_400)
                    .map(|n| t.short_call_seconds = n),
                "average_deal_months" => count()
                    .filter(|n| (1..=24).contains(n))
                    .map(|n| t.average_deal_months = n as usize),
                _ => {
                    problems.push(Problem::new(
                        at(k.pos),
                        format!(
                            "unknown threshold {}{}; expected one of {}",
                            crate::data::limits::quote(key),
                            crate::error::did_you_mean(key, THRESHOLD_KEYS.iter().copied()),
                            THRESHOLD_KEYS.join(", ")
                        ),
                    ));
                    continue;
                }
            };
            if ok.is_none() {
                let expected = if key.ends_with("_share") || key.ends_with("_drop") {
                    "a share from 0% to 100%, e.g. 30%"
                } else if key == "average_deal_months" {
                    "a whole number of months from 1 to 24"
                } else {
                    "a whole number"
                };
                problems.push(Problem::new(
                    at(v.pos),
                    format!(
                        "{key}: {} is not {expected}",
                        crate::data::limits::quote(text)
                    ),
                ));
            }
        }
        if problems.is_empty() {
            Ok(t)
        } else {
            Err(problems)
        }
    }
}

/// The view scheme's metrics, by catalogue name, in the order of [`Figures`].
pub const FIGURES: &[&str] = &[
    "calls_outgoing",
    "calls_2min",
    "emails_sent",
    "meetings_held",
    "short_calls_share",
    "deals_closed",
    "reached_qualified",
    "reached_negotiation",
    "reached_proposal",
    "proposals_won",
    "deals_won",
    "revenue",
    "average_deal",
    "pipeline",
];

/// The table a figure reads.
pub fn figure_table(figure: &str) -> Table {
    match figure {
        "calls_outgoing" | "calls_2min" | "short_calls_share" => Table::Calls,
        "emails_sent" => Table::Emails,
        "meetings_held" => Table::Meetings,
        _ => Table::Deals,
    }
}

/// The activities `activity_drop` watches, and the daily activity shows.
pub const ACTIVITIES: &[&str] = &["calls_outgoing", "emails_sent", "meetings_held"];

/// The internal scheme: one KPI per figure (the first paid at 100% so the scheme is valid, the
/// others observed), every metric from the catalogue but the short-call share, whose length is a
/// threshold.
///
/// `has(table)` says whether the export holds a table: a figure over a table the export lacks
/// (a CRM export without meetings) is left out and shown as not in the export, never refused.
pub fn view_scheme(t: &Thresholds, has: &dyn Fn(Table) -> bool) -> Result<Scheme, Vec<Problem>> {
    let mut text = format!(
        "name: team view\ncurrency: XXX\ncurve: standard\nmetrics:\n  short_calls_share:\n    share: {{ of: calls, where: {{ duration_sec: {{ less_than: {} }} }} }}\n    where: {{ direction: outgoing, started_at: in_period }}\nkpis:\n",
        t.short_call_seconds
    );
    let present: Vec<&&str> = FIGURES.iter().filter(|f| has(figure_table(f))).collect();
    if present.is_empty() {
        return Err(vec![Problem::new(
            "--data",
            "the export has none of the calls, emails, meetings and deals tables the view reads",
        )]);
    }
    for (i, f) in present.iter().enumerate() {
        if i == 0 {
            text.push_str(&format!(
                "  - {{ id: {f}, weight: 100%, metric: {f}, target: 1 }}\n"
            ));
        } else {
            text.push_str(&format!(
                "  - {{ id: {f}, weight: 0%, metric: {f}, target: 1, observe: yes }}\n"
            ));
        }
    }
    crate::scheme::parse_str(Path::new(VIEW_SCHEME), &text)
}

/// Lost deals per reason, per employee (roster index) and month, counted as the rows stream by.
#[derive(Debug, Default, Clone)]
pub struct Losses {
    pub months: Vec<Period>,
    /// (employee, month index) → reason → lost deals.
    pub counts: BTreeMap<(usize, usize), BTreeMap<String, u64>>,
}

/// The reason of a lost deal with none written.
pub const NO_REASON: &str = "(none)";

impl Losses {
    pub fn new(months: Vec<Period>) -> Losses {
        Losses {
            months,
            counts: BTreeMap::new(),
        }
    }

    /// A deals row: lost and closed in one of the months → counted under its reason.
    pub fn observe(&mut self, table: Table, employee: usize, row: &[Value]) {
        if table != Table::Deals {
            return;
        }
        let col = |n: &str| table.column_index(n).map(|c| &row[c]);
        if !col("status")
            .and_then(Value::as_text)
            .is_some_and(|s| s.eq_ignore_ascii_case("lost"))
        {
            return;
        }
        let Some(closed) = col("closed_on").and_then(Value::as_date) else {
            return;
        };
        let Some(m) = self
            .months
            .iter()
            .position(|p| p.start() <= closed && closed <= p.end())
        else {
            return;
        };
        let reason = col("lost_reason")
            .and_then(Value::as_text)
            .map(|r| r.trim().to_lowercase())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| NO_REASON.to_string());
        // Bounded: a hostile export with a new reason on every row still holds one counter per
        // distinct reason and employee, no more than its deals.
        *self
            .counts
            .entry((employee, m))
            .or_default()
            .entry(reason)
            .or_default() += 1;
    }
}

/// Monday to Friday from `from` to `to`, inclusive.
pub fn working_days(from: NaiveDate, to: NaiveDate) -> i64 {
    let mut n = 0;
    let mut d = from;
    while d <= to {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            n += 1;
        }
        match d.succ_opt() {
            Some(next) => d = next,
            None => break,
        }
    }
    n
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingDays {
    pub period: i64,
    pub elapsed: i64,
    pub remaining: i64,
}

impl WorkingDays {
    /// The run-rate factor mid-month: working days in the period ÷ elapsed (none elapsed: 0,
    /// nothing can be projected); None at the period end.
    pub fn scale(&self, mid_month: bool) -> Option<Exact> {
        mid_month.then(|| {
            if self.elapsed > 0 {
                exact_int(self.period) / exact_int(self.elapsed)
            } else {
                Exact::zero()
            }
        })
    }
}

/// A funnel stage transition, or the whole funnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Transition {
    LeadToQualified,
    QualifiedToNegotiation,
    NegotiationToProposal,
    ProposalToWon,
    Overall,
}

impl Transition {
    pub const ALL: [Transition; 5] = [
        Transition::LeadToQualified,
        Transition::QualifiedToNegotiation,
        Transition::NegotiationToProposal,
        Transition::ProposalToWon,
        Transition::Overall,
    ];
    pub const STAGES: [Transition; 4] = [
        Transition::LeadToQualified,
        Transition::QualifiedToNegotiation,
        Transition::NegotiationToProposal,
        Transition::ProposalToWon,
    ];

    /// The catalogue's name of the rate.
    pub fn name(self) -> &'static str {
        match self {
            Transition::LeadToQualified => "lead_to_qualified",
            Transition::QualifiedToNegotiation => "qualified_to_negotiation",
            Transition::NegotiationToProposal => "negotiation_to_proposal",
            Transition::ProposalToWon => "proposal_to_won",
            Transition::Overall => "win_rate",
        }
    }

    /// The practice's range, in percent.
    pub fn range(self) -> (u32, u32) {
        match self {
            Transition::LeadToQualified => (30, 50),
            Transition::QualifiedToNegotiation => (50, 70),
            Transition::NegotiationToProposal => (40, 60),
            Transition::ProposalToWon => (20, 40),
            Transition::Overall => (5, 15),
        }
    }

    /// (numerator, denominator) stage indexes into [`Funnel::counts`].
    fn stages(self) -> (usize, usize) {
        match self {
            Transition::LeadToQualified => (1, 0),
            Transition::QualifiedToNegotiation => (2, 1),
            Transition::NegotiationToProposal => (3, 2),
            Transition::ProposalToWon => (4, 3),
            Transition::Overall => (5, 0),
        }
    }
}

/// Closed deals by the furthest stage they reached (the catalogue's reached_* metrics): closed
/// (all), qualified, negotiation, proposal, won after a proposal (`proposals_won`), and won at
/// any stage (`deals_won`, for the overall rate: a deal may be won before a proposal).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Funnel {
    pub counts: [u64; 6],
}

impl Funnel {
    pub fn add(&mut self, other: &Funnel) {
        for (a, b) in self.counts.iter_mut().zip(other.counts) {
            *a += b;
        }
    }
    pub fn of(&self, t: Transition) -> (u64, u64) {
        let (n, d) = t.stages();
        (self.counts[n], self.counts[d])
    }
    pub fn rate(&self, t: Transition) -> Option<Exact> {
        let (n, d) = self.of(t);
        (d > 0).then(|| exact_int(n as i64) / exact_int(d as i64))
    }
    /// The stage transition lowest against the bottom of its range (ties: the earlier).
    pub fn bottleneck(&self) -> Option<Transition> {
        let mut best: Option<(Exact, Transition)> = None;
        for t in Transition::STAGES {
            let Some(r) = self.rate(t) else { continue };
            let rel = r / (exact_int(i64::from(t.range().0)) / exact_int(100));
            if best.as_ref().is_none_or(|(b, _)| rel < *b) {
                best = Some((rel, t));
            }
        }
        best.map(|(_, t)| t)
    }
}

/// One KPI of the paid scheme in one month.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiMonth {
    pub id: String,
    pub name: String,
    pub unit: Unit,
    pub paid: bool,
    pub actual: Option<Exact>,
    pub target: Option<Exact>,
    pub attainment: Option<Exact>,
    pub band: Option<Band>,
    pub amount: Decimal,
}

/// One employee in one month (a history month or the period).
#[derive(Debug, Clone, PartialEq)]
pub struct Month {
    pub period: Period,
    /// Employed every day of the month.
    pub full_month: bool,
    pub employed_share: Exact,
    /// The view's figures, by [`FIGURES`] name.
    pub figures: BTreeMap<&'static str, Option<Exact>>,
    pub funnel: Funnel,
    pub kpis: Vec<KpiMonth>,
    /// The paid scheme's bonus for the month (mid-month: on the actuals so far).
    pub bonus: Decimal,
    pub losses: BTreeMap<String, u64>,
}

impl Month {
    pub fn figure(&self, name: &str) -> Option<&Exact> {
        self.figures.get(name).and_then(Option::as_ref)
    }
    /// Σ weight × attainment over the paid KPIs with an attainment.
    pub fn overall_attainment(&self, scheme: &Scheme) -> Option<Exact> {
        let mut any = false;
        let mut sum = Exact::zero();
        for (k, kpi) in self.kpis.iter().zip(&scheme.kpis) {
            if let (true, Some(a)) = (k.paid, &k.attainment) {
                any = true;
                sum += exact(kpi.weight) * a;
            }
        }
        any.then_some(sum)
    }
}

/// A paid KPI projected to the period end (mid-month).
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub kpi: String,
    pub name: String,
    pub unit: Unit,
    /// The metric adds up over the month (a count or a sum), so it is projected by run-rate;
    /// otherwise the projection is the actual as it stands.
    pub additive: bool,
    pub actual: Option<Exact>,
    pub target: Option<Exact>,
    pub projected: Option<Exact>,
    pub attainment: Option<Exact>,
    pub band: Option<Band>,
    pub amount: Decimal,
    /// The curve's threshold.
    pub threshold: Decimal,
    /// Still needed for the threshold and for the target (additive, higher-is-better KPIs),
    /// and per remaining working day, rounded up (counts) or to whole currency units (money).
    pub needed_threshold: Option<(Exact, Option<Exact>)>,
    pub needed_target: Option<(Exact, Option<Exact>)>,
}

/// Activity on one day or one ISO week of the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// The day, or the Monday of the week.
    pub from: NaiveDate,
    pub calls_outgoing: u64,
    pub calls_2min: u64,
    pub emails_sent: u64,
    pub meetings_held: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub employee_id: String,
    pub name: String,
    pub team: String,
    /// The paid scheme in the period (index into the evaluation's schemes).
    pub scheme: usize,
    /// The history months then the period.
    pub months: Vec<Month>,
    pub forecast: Vec<Forecast>,
    pub projected_bonus: Option<Decimal>,
    /// Mid-month: the open pipeline ÷ what the revenue KPI still lacks to its target (when it
    /// lacks anything): how many times over the remaining plan is in work.
    pub pipeline_coverage: Option<Exact>,
    pub days: Vec<Activity>,
    pub weeks: Vec<Activity>,
}

impl Person {
    pub fn now(&self) -> &Month {
        self.months.last().expect("the period is always there")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TeamBlock {
    /// The roster's team, or empty for people with none.
    pub team: String,
    pub members: Vec<String>,
    pub funnel: Funnel,
    pub bottleneck: Option<Transition>,
    /// The member with the highest rate on the bottleneck (enough deals in its denominator).
    pub learn_from: Option<String>,
    pub losses: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FlagCode {
    ActivityDrop,
    ConversionDrop,
    AverageDealFalling,
    ShortCalls,
    BelowThreshold,
    AboveDiscuss,
    OffTrack,
    LossReasonDominant,
}

impl FlagCode {
    pub const ALL: [FlagCode; 8] = [
        FlagCode::ActivityDrop,
        FlagCode::ConversionDrop,
        FlagCode::AverageDealFalling,
        FlagCode::ShortCalls,
        FlagCode::BelowThreshold,
        FlagCode::AboveDiscuss,
        FlagCode::OffTrack,
        FlagCode::LossReasonDominant,
    ];
    pub fn code(self) -> &'static str {
        match self {
            FlagCode::ActivityDrop => "activity_drop",
            FlagCode::ConversionDrop => "conversion_drop",
            FlagCode::AverageDealFalling => "average_deal_falling",
            FlagCode::ShortCalls => "short_calls",
            FlagCode::BelowThreshold => "below_threshold",
            FlagCode::AboveDiscuss => "above_discuss",
            FlagCode::OffTrack => "off_track",
            FlagCode::LossReasonDominant => "loss_reason_dominant",
        }
    }
}

/// A number behind a flag, with what it is.
#[derive(Debug, Clone, PartialEq)]
pub enum Num {
    Count(u64),
    Ratio(Exact),
    Money(Exact),
    Number(Exact),
    Month(Period),
    Text(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    pub code: FlagCode,
    /// Empty for a team's flag.
    pub employee_id: String,
    pub team: String,
    /// The activity, the transition, the KPI id or the loss reason; empty when the flag has none.
    pub subject: String,
    pub period: Period,
    pub numbers: Vec<(&'static str, Num)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanTotal {
    pub metric: String,
    pub actual: Exact,
    pub target: Exact,
}

impl PlanTotal {
    /// Σ actual ÷ Σ target; None without a positive target.
    pub fn attainment(&self) -> Option<Exact> {
        self.target
            .is_positive()
            .then(|| &self.actual / &self.target)
    }
}

/// Lost deals per reason with each reason's share of them, most lost first (ties: by reason).
pub fn loss_shares(losses: &BTreeMap<String, u64>) -> Vec<(&str, u64, Exact)> {
    let lost: u64 = losses.values().sum();
    let mut out: Vec<(&str, u64, Exact)> = losses
        .iter()
        .map(|(r, n)| (r.as_str(), *n, ratio(*n, lost).unwrap_or_else(Exact::zero)))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    out
}

#[derive(Debug, Clone, PartialEq)]
pub struct Totals {
    pub plans: Vec<PlanTotal>,
    /// Per currency: the bonus so far, and (mid-month) projected.
    pub payout: BTreeMap<String, (Decimal, Option<Decimal>)>,
    pub pipeline: Exact,
    /// Up to five (employee_id, overall attainment), highest first. No bottom list.
    pub top: Vec<(String, Exact)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub period: Period,
    pub as_of: Option<NaiveDate>,
    pub history: Vec<Period>,
    pub working_days: WorkingDays,
    pub thresholds: Thresholds,
    /// The figures whose table the export lacks (shown as not in the export).
    pub missing: Vec<&'static str>,
    pub people: Vec<Person>,
    pub teams: Vec<TeamBlock>,
    pub flags: Vec<Flag>,
    pub totals: Totals,
}

impl View {
    /// A team's average won deal in a month of the view: Σ revenue ÷ Σ deals won over its
    /// members (None without a won deal), for the trends' chart.
    pub fn team_average_deal(&self, team: &TeamBlock, month: Period) -> Option<Exact> {
        let (mut revenue, mut won) = (Exact::zero(), 0u64);
        for p in self.people.iter().filter(|p| p.team == team.team) {
            if let Some(m) = p.months.iter().find(|m| m.period == month) {
                if let Some(v) = m.figure("revenue") {
                    revenue += v;
                }
                won += count_of(m.figure("deals_won"));
            }
        }
        (won > 0).then(|| revenue / exact_int(won as i64))
    }
}

/// Whether a metric adds up over the month: a count or a sum of the rows dated in the period
/// (its `where:` holds a date `in_period`), or a formula adding, subtracting or scaling such
/// metrics by numbers. A sum of what is open on a day (the pipeline) or a count of a book of
/// clients is a balance, not a flow: it is never projected by run-rate.
pub fn additive(scheme: &Scheme, m: usize) -> bool {
    fn expr(scheme: &Scheme, e: &Expr, depth: usize) -> bool {
        match e {
            Expr::Number(_) => false,
            Expr::Metric(m) => metric(scheme, *m, depth + 1),
            Expr::Neg(a) => expr(scheme, a, depth),
            Expr::Add(a, b) | Expr::Sub(a, b) => expr(scheme, a, depth) && expr(scheme, b, depth),
            Expr::Mul(a, b) => match (&**a, &**b) {
                (Expr::Number(_), x) | (x, Expr::Number(_)) => expr(scheme, x, depth),
                _ => false,
            },
            Expr::Div(a, b) => matches!(**b, Expr::Number(_)) && expr(scheme, a, depth),
        }
    }
    fn metric(scheme: &Scheme, m: usize, depth: usize) -> bool {
        if depth > scheme.metrics.len() {
            return false;
        }
        match &scheme.metrics[m].def {
            MetricDef::Aggregate(a) => {
                matches!(a.op, AggOp::Count | AggOp::Sum) && dated_in_period(&a.filter)
            }
            MetricDef::Formula(e) => expr(scheme, e, depth),
        }
    }
    metric(scheme, m, 0)
}

/// Whether a filter keeps only rows with a date in the period (a flow over the month).
fn dated_in_period(f: &crate::scheme::Filter) -> bool {
    use crate::scheme::{Filter, Test};
    match f {
        Filter::Test {
            test: Test::InPeriod,
            ..
        } => true,
        Filter::All(fs) => fs.iter().any(dated_in_period),
        Filter::Any(fs) => !fs.is_empty() && fs.iter().all(dated_in_period),
        _ => false,
    }
}

fn ratio(n: u64, d: u64) -> Option<Exact> {
    (d > 0).then(|| exact_int(n as i64) / exact_int(d as i64))
}

fn count_of(v: Option<&Exact>) -> u64 {
    v.and_then(|q| q.to_integer().to_u64()).unwrap_or(0)
}

/// Builds the view from an evaluation of `months` (the history then the period) in which every
/// employee was scored on their paid scheme and on the view scheme `view` (as a candidate).
pub fn build(
    ev: &Evaluation,
    view: usize,
    losses: &Losses,
    as_of: Option<NaiveDate>,
    thresholds: &Thresholds,
) -> View {
    let months: Vec<Period> = ev.periods.iter().map(|p| p.period).collect();
    let period = *months.last().expect("at least the period");
    let history = months[..months.len() - 1].to_vec();
    let cut = as_of.unwrap_or(period.end());
    let wd = WorkingDays {
        period: working_days(period.start(), period.end()),
        elapsed: working_days(period.start(), cut),
        remaining: cut
            .succ_opt()
            .map_or(0, |next| working_days(next, period.end())),
    };
    let vs = &ev.schemes[view];
    let figure_kpi: BTreeMap<&'static str, usize> = FIGURES
        .iter()
        .filter_map(|f| vs.kpis.iter().position(|k| k.id == *f).map(|k| (*f, k)))
        .collect();
    let missing: Vec<&'static str> = FIGURES
        .iter()
        .copied()
        .filter(|f| !figure_kpi.contains_key(f))
        .collect();
    let mut people = Vec::new();
    for (e, emp) in ev.roster.iter().enumerate() {
        let mut person_months = Vec::new();
        let mut now_scores: Option<(&SchemeScore, &SchemeScore, crate::scoring::Employment)> = None;
        for (m, pr) in ev.periods.iter().enumerate() {
            let Some(ep) = pr.employees.iter().find(|x| x.employee == e) else {
                continue;
            };
            let (Some(paid), Some(seen)) = (
                ep.scores.iter().find(|s| s.role == Role::Paid),
                ep.scores.iter().find(|s| s.scheme == view),
            ) else {
                continue;
            };
            let scheme = &ev.schemes[paid.scheme];
            let figures: BTreeMap<&'static str, Option<Exact>> = FIGURES
                .iter()
                .map(|f| {
                    let v = figure_kpi
                        .get(f)
                        .and_then(|&k| seen.score.kpis[k].actual.clone());
                    (*f, v)
                })
                .collect();
            let stage = |f: &str| count_of(figures.get(f).and_then(Option::as_ref));
            let funnel = Funnel {
                counts: [
                    stage("deals_closed"),
                    stage("reached_qualified"),
                    stage("reached_negotiation"),
                    stage("reached_proposal"),
                    stage("proposals_won"),
                    stage("deals_won"),
                ],
            };
            let kpis = scheme
                .kpis
                .iter()
                .zip(&paid.score.kpis)
                .map(|(k, s)| KpiMonth {
                    id: k.id.clone(),
                    name: k.name.clone(),
                    unit: crate::scheme::unit::unit(scheme, k.metric),
                    paid: k.is_paid(),
                    actual: s.actual.clone(),
                    target: s.target.clone(),
                    attainment: s.attainment.clone(),
                    band: s.band,
                    amount: s.amount,
                })
                .collect();
            person_months.push(Month {
                period: pr.period,
                full_month: ep.employment.days_employed == ep.employment.days_in_period,
                employed_share: ep.employment.share(),
                figures,
                funnel,
                kpis,
                bonus: paid.score.total,
                losses: losses.counts.get(&(e, m)).cloned().unwrap_or_default(),
            });
            if pr.period == period {
                now_scores = Some((paid, seen, ep.employment));
            }
        }
        let Some((paid, seen, employment)) = now_scores else {
            // Not employed in the period: not on the team's screen.
            continue;
        };
        if !employment.is_employed() {
            continue;
        }
        let scheme = &ev.schemes[paid.scheme];
        let (forecast, projected_bonus) = match as_of {
            Some(_) => {
                let (f, b) = forecast(scheme, emp.target_bonus, employment, paid, wd);
                (f, Some(b))
            }
            None => (Vec::new(), None),
        };
        let (days, weeks) = activity(vs, seen, period, &figure_kpi);
        let pipeline_coverage = as_of.and_then(|_| {
            let now = person_months.last()?;
            let k = scheme
                .kpis
                .iter()
                .position(|k| k.is_paid() && scheme.metrics[k.metric].name == "revenue")?;
            let km = &now.kpis[k];
            let remaining = km.target.as_ref()? - km.actual.as_ref()?;
            let pipeline = now.figure("pipeline")?;
            remaining.is_positive().then(|| pipeline / remaining)
        });
        people.push(Person {
            employee_id: emp.id.clone(),
            name: emp.name.clone(),
            team: emp.team.clone(),
            scheme: paid.scheme,
            months: person_months,
            forecast,
            projected_bonus,
            pipeline_coverage,
            days,
            weeks,
        });
    }
    let teams = teams(&people, thresholds);
    // With no working day elapsed (an as-of day before the first one) nothing can be projected:
    // the flags read at this pace are not evaluated.
    let scale = wd.scale(as_of.is_some());
    let projecting = as_of.is_none() || wd.elapsed > 0;
    let mut flags = Vec::new();
    for p in &people {
        flags.extend(person_flags(
            ev,
            p,
            &history,
            scale.as_ref(),
            projecting,
            thresholds,
        ));
    }
    for t in &teams {
        flags.extend(team_flags(t, period, thresholds));
    }
    flags.sort_by(|a, b| {
        (
            a.employee_id.is_empty(),
            &a.employee_id,
            &a.team,
            a.code,
            &a.subject,
        )
            .cmp(&(
                b.employee_id.is_empty(),
                &b.employee_id,
                &b.team,
                b.code,
                &b.subject,
            ))
    });
    let totals = totals(ev, &people);
    View {
        period,
        as_of,
        history,
        working_days: wd,
        thresholds: thresholds.clone(),
        missing,
        people,
        teams,
        flags,
        totals,
    }
}

/// Each paid KPI projected to the period end ([`crate::analysis::progress`]), and the bonus
/// the projection would pay.
fn forecast(
    scheme: &Scheme,
    target_bonus: Decimal,
    employment: crate::scoring::Employment,
    paid: &SchemeScore,
    wd: WorkingDays,
) -> (Vec<Forecast>, Decimal) {
    let progress: Vec<crate::analysis::progress::KpiProgress> = paid
        .score
        .kpis
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let lines = scoring::Lines::of(scheme, &scheme.kpis[k]);
            crate::analysis::progress::kpi_progress(scheme, k, s, lines, wd)
        })
        .collect();
    let mut values: Vec<MetricValue> = vec![
        MetricValue {
            value: None,
            rows: 0
        };
        scheme.metrics.len()
    ];
    for ((kpi, s), p) in scheme.kpis.iter().zip(&paid.score.kpis).zip(&progress) {
        values[kpi.metric] = MetricValue {
            value: p.projected.clone(),
            rows: s.rows,
        };
    }
    let targets: Vec<Option<Exact>> = paid.score.kpis.iter().map(|k| k.target.clone()).collect();
    let projected = scoring::score(scheme, target_bonus, employment, &values, &targets).ok();
    let mut out = Vec::new();
    for (k, (kpi, p)) in scheme.kpis.iter().zip(&progress).enumerate() {
        if !kpi.is_paid() {
            continue;
        }
        let sc = projected.as_ref().map(|sc| &sc.kpis[k]);
        let to = |m: crate::analysis::progress::Mark| {
            p.to_marks
                .iter()
                .find(|t| t.mark == m)
                .map(|t| (t.needed.clone(), t.per_day.clone()))
        };
        out.push(Forecast {
            kpi: kpi.id.clone(),
            name: kpi.name.clone(),
            unit: p.unit,
            additive: p.additive,
            actual: p.actual.clone(),
            target: p.target.clone(),
            projected: p.projected.clone(),
            attainment: sc.and_then(|p| p.attainment.clone()),
            band: sc.and_then(|p| p.band),
            amount: sc.map_or(Decimal::ZERO, |p| p.amount),
            threshold: kpi.curve.threshold,
            needed_threshold: to(crate::analysis::progress::Mark::Threshold),
            needed_target: to(crate::analysis::progress::Mark::Target),
        });
    }
    (out, projected.map_or(Decimal::ZERO, |p| p.total))
}

/// Activity per day and per ISO week of the period, from the view metrics' evidence.
fn activity(
    vs: &Scheme,
    seen: &SchemeScore,
    period: Period,
    figure_kpi: &BTreeMap<&'static str, usize>,
) -> (Vec<Activity>, Vec<Activity>) {
    let mut per_day: BTreeMap<NaiveDate, [u64; 4]> = BTreeMap::new();
    let mut d = period.start();
    while d <= period.end() {
        per_day.insert(d, [0; 4]);
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    for (slot, name) in [
        "calls_outgoing",
        "calls_2min",
        "emails_sent",
        "meetings_held",
    ]
    .iter()
    .enumerate()
    {
        let Some(&k) = figure_kpi.get(name) else {
            continue;
        };
        let metric = vs.kpis[k].metric;
        let Some(ev) = seen.evidence.iter().find(|e| e.metric == metric) else {
            continue;
        };
        match &ev.evidence {
            Evidence::PerDay(days) => {
                for (d, n) in days {
                    if let Some(c) = per_day.get_mut(d) {
                        c[slot] += n;
                    }
                }
            }
            Evidence::Rows(rows) => {
                for r in rows {
                    if let Some(c) = r.date.and_then(|d| per_day.get_mut(&d)) {
                        c[slot] += 1;
                    }
                }
            }
        }
    }
    let to_activity = |from: NaiveDate, c: [u64; 4]| Activity {
        from,
        calls_outgoing: c[0],
        calls_2min: c[1],
        emails_sent: c[2],
        meetings_held: c[3],
    };
    let days: Vec<Activity> = per_day.iter().map(|(d, c)| to_activity(*d, *c)).collect();
    let mut weeks: BTreeMap<NaiveDate, [u64; 4]> = BTreeMap::new();
    for (d, c) in &per_day {
        let monday = *d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday()));
        let w = weeks.entry(monday).or_default();
        for i in 0..4 {
            w[i] += c[i];
        }
    }
    let weeks = weeks.into_iter().map(|(d, c)| to_activity(d, c)).collect();
    (days, weeks)
}

fn teams(people: &[Person], t: &Thresholds) -> Vec<TeamBlock> {
    let mut by_team: BTreeMap<String, Vec<&Person>> = BTreeMap::new();
    for p in people {
        by_team.entry(p.team.clone()).or_default().push(p);
    }
    by_team
        .into_iter()
        .map(|(team, members)| {
            let mut funnel = Funnel::default();
            let mut losses: BTreeMap<String, u64> = BTreeMap::new();
            for p in &members {
                funnel.add(&p.now().funnel);
                for (r, n) in &p.now().losses {
                    *losses.entry(r.clone()).or_default() += n;
                }
            }
            let bottleneck = funnel.bottleneck();
            let learn_from = bottleneck.and_then(|b| {
                let mut best: Option<(Exact, &str)> = None;
                for p in &members {
                    let (_, d) = p.now().funnel.of(b);
                    if d < t.conversion_min_deals {
                        continue;
                    }
                    let Some(r) = p.now().funnel.rate(b) else {
                        continue;
                    };
                    if best.as_ref().is_none_or(|(x, _)| r > *x) {
                        best = Some((r, p.employee_id.as_str()));
                    }
                }
                best.map(|(_, id)| id.to_string())
            });
            TeamBlock {
                team,
                members: members.iter().map(|p| p.employee_id.clone()).collect(),
                funnel,
                bottleneck,
                learn_from,
                losses,
            }
        })
        .collect()
}

fn person_flags(
    ev: &Evaluation,
    p: &Person,
    history: &[Period],
    scale: Option<&Exact>,
    projecting: bool,
    t: &Thresholds,
) -> Vec<Flag> {
    let mid_month = scale.is_some();
    let now = p.now();
    let period = now.period;
    let mut out = Vec::new();
    let flag = |code: FlagCode, subject: &str, numbers: Vec<(&'static str, Num)>| Flag {
        code,
        employee_id: p.employee_id.clone(),
        team: p.team.clone(),
        subject: subject.to_string(),
        period,
        numbers,
    };
    let past: Vec<&Month> = p
        .months
        .iter()
        .filter(|m| history.contains(&m.period))
        .collect();
    // activity_drop: the period's value (mid-month: projected) against the full months' average.
    let full: Vec<&&Month> = past.iter().filter(|m| m.full_month).collect();
    for a in ACTIVITIES {
        if full.is_empty() || !projecting {
            break;
        }
        let sum: Exact = full
            .iter()
            .map(|m| m.figure(a).cloned().unwrap_or_else(Exact::zero))
            .fold(Exact::zero(), |x, y| x + y);
        let monthly = sum / exact_int(full.len() as i64);
        // An activity the person barely does (a seller's meetings) is no signal when it drops.
        if monthly < exact_int(t.activity_min as i64) {
            continue;
        }
        let average = monthly * &now.employed_share;
        if !average.is_positive() {
            continue;
        }
        let actual = now.figure(a).cloned().unwrap_or_else(Exact::zero);
        let value = match scale {
            Some(s) => actual * s,
            None => actual,
        };
        let floor = &average * (Exact::from_integer(1.into()) - exact(t.activity_drop));
        if value < floor {
            let drop = Exact::from_integer(1.into()) - &value / &average;
            out.push(flag(
                FlagCode::ActivityDrop,
                a,
                vec![
                    ("value", Num::Number(value)),
                    ("history_average", Num::Number(average)),
                    ("drop", Num::Ratio(drop)),
                ],
            ));
        }
    }
    // conversion_drop: the period's rate against the history's pooled rate.
    let mut pooled = Funnel::default();
    for m in &past {
        pooled.add(&m.funnel);
    }
    for tr in Transition::ALL {
        let (_, d_now) = now.funnel.of(tr);
        let (_, d_past) = pooled.of(tr);
        if d_now < t.conversion_min_deals || d_past < t.conversion_min_deals {
            continue;
        }
        let (Some(r_now), Some(r_past)) = (now.funnel.rate(tr), pooled.rate(tr)) else {
            continue;
        };
        if !r_past.is_positive() {
            continue;
        }
        if r_now < &r_past * (Exact::from_integer(1.into()) - exact(t.conversion_drop)) {
            out.push(flag(
                FlagCode::ConversionDrop,
                tr.name(),
                vec![
                    ("rate", Num::Ratio(r_now)),
                    ("deals", Num::Count(d_now)),
                    ("history_rate", Num::Ratio(r_past)),
                    ("history_deals", Num::Count(d_past)),
                ],
            ));
        }
    }
    // average_deal_falling: each of the last N months lower than the month before.
    let n = t.average_deal_months;
    if p.months.len() > n {
        let last = &p.months[p.months.len() - n - 1..];
        let averages: Option<Vec<Exact>> = last
            .iter()
            .map(|m| {
                (count_of(m.figure("deals_won")) > 0)
                    .then(|| m.figure("average_deal").cloned())
                    .flatten()
            })
            .collect();
        if let Some(avgs) = averages
            && avgs.windows(2).all(|w| w[1] < w[0])
        {
            let mut numbers = Vec::new();
            for (m, a) in last.iter().zip(avgs) {
                numbers.push(("month", Num::Month(m.period)));
                numbers.push(("average_deal", Num::Money(a)));
            }
            out.push(flag(FlagCode::AverageDealFalling, "", numbers));
        }
    }
    // short_calls.
    let calls = count_of(now.figure("calls_outgoing"));
    if calls >= t.short_calls_min && calls > 0 {
        let short = now
            .figure("short_calls_share")
            .cloned()
            .unwrap_or_else(Exact::zero);
        let long = ratio(count_of(now.figure("calls_2min")), calls).unwrap_or_else(Exact::zero);
        if short > exact(t.short_calls_share) || long < exact(t.long_calls_share) {
            out.push(flag(
                FlagCode::ShortCalls,
                "",
                vec![
                    ("calls_outgoing", Num::Count(calls)),
                    ("short_share", Num::Ratio(short)),
                    ("long_share", Num::Ratio(long)),
                ],
            ));
        }
    }
    // below_threshold / above_discuss (mid-month: projected), off_track (mid-month).
    let scheme = &ev.schemes[p.scheme];
    for (k, (kpi, km)) in scheme.kpis.iter().zip(&now.kpis).enumerate() {
        if !kpi.is_paid() || !projecting {
            continue;
        }
        let fc = p.forecast.iter().find(|f| f.kpi == kpi.id);
        let attainment = if mid_month {
            fc.and_then(|f| f.attainment.clone())
        } else {
            km.attainment.clone()
        };
        let Some(a) = attainment else { continue };
        let lines = scoring::Lines::of(scheme, kpi);
        let _ = k;
        if a < exact(lines.review) {
            out.push(flag(
                FlagCode::BelowThreshold,
                &kpi.id,
                vec![
                    ("attainment", Num::Ratio(a.clone())),
                    ("line", Num::Ratio(exact(lines.review))),
                ],
            ));
        } else if a > exact(lines.discuss) {
            out.push(flag(
                FlagCode::AboveDiscuss,
                &kpi.id,
                vec![
                    ("attainment", Num::Ratio(a.clone())),
                    ("line", Num::Ratio(exact(lines.discuss))),
                ],
            ));
        }
        if mid_month && a < exact(kpi.curve.threshold) {
            let mut numbers = vec![
                ("attainment", Num::Ratio(a.clone())),
                ("threshold", Num::Ratio(exact(kpi.curve.threshold))),
            ];
            if let Some((need, per_day)) = fc.and_then(|f| f.needed_threshold.clone()) {
                numbers.push(("needed", Num::Number(need)));
                if let Some(d) = per_day {
                    numbers.push(("per_day", Num::Number(d)));
                }
            }
            out.push(flag(FlagCode::OffTrack, &kpi.id, numbers));
        }
    }
    out
}

fn team_flags(t: &TeamBlock, period: Period, th: &Thresholds) -> Vec<Flag> {
    let lost: u64 = t.losses.values().sum();
    if lost < th.loss_reason_min || lost == 0 {
        return Vec::new();
    }
    loss_shares(&t.losses)
        .into_iter()
        .filter(|(_, _, share)| *share > exact(th.loss_reason_share))
        .map(|(reason, n, share)| Flag {
            code: FlagCode::LossReasonDominant,
            employee_id: String::new(),
            team: t.team.clone(),
            subject: reason.to_string(),
            period,
            numbers: vec![
                ("lost", Num::Count(n)),
                ("team_lost", Num::Count(lost)),
                ("share", Num::Ratio(share)),
            ],
        })
        .collect()
}

fn totals(ev: &Evaluation, people: &[Person]) -> Totals {
    let mut plans: BTreeMap<String, (Exact, Exact)> = BTreeMap::new();
    let mut payout: BTreeMap<String, (Decimal, Option<Decimal>)> = BTreeMap::new();
    let mut pipeline = Exact::zero();
    let mut top: Vec<(String, Exact)> = Vec::new();
    for p in people {
        let scheme = &ev.schemes[p.scheme];
        let now = p.now();
        for (kpi, km) in scheme.kpis.iter().zip(&now.kpis) {
            if let (crate::scheme::Target::Plan(metric), Some(a), Some(t), true) =
                (&kpi.target, &km.actual, &km.target, kpi.is_paid())
            {
                let e = plans
                    .entry(metric.clone())
                    .or_insert((Exact::zero(), Exact::zero()));
                e.0 += a;
                e.1 += t;
            }
        }
        let e = payout
            .entry(scheme.currency.clone())
            .or_insert((Decimal::ZERO, None));
        e.0 += now.bonus;
        if let Some(b) = p.projected_bonus {
            e.1 = Some(e.1.unwrap_or(Decimal::ZERO) + b);
        }
        if let Some(v) = now.figure("pipeline") {
            pipeline += v;
        }
        if let Some(a) = now.overall_attainment(scheme) {
            top.push((p.employee_id.clone(), a));
        }
    }
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(5);
    Totals {
        plans: plans
            .into_iter()
            .map(|(metric, (actual, target))| PlanTotal {
                metric,
                actual,
                target,
            })
            .collect(),
        payout,
        pipeline,
        top,
    }
}

/// The months of a view: the `history` months before `period`, then the period.
pub fn months(period: Period, history: usize) -> Vec<Period> {
    let mut out = vec![period];
    let mut p = period;
    for _ in 0..history {
        match p.previous() {
            Some(q) => {
                out.push(q);
                p = q;
            }
            None => break,
        }
    }
    out.reverse();
    out
}
