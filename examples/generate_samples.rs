//! Sample-data generator: a realistic CRM export with several months of history, for the sales
//! bonus engine.
//!
//! For `--period YYYY-MM` (default `2026-10`) and `--months N` (default 4) it writes, under
//! `--out` (default `samples`), the export taken at the end of the period: the activity of the
//! `N` months ending with the period (for the defaults July to October 2026), plus the few rows
//! dated just before the first month and just after the period that a real export holds:
//!
//! * `<period>.xlsx` — one worksheet per table (`employees`, `plans`, `calls`, `emails`,
//!   `meetings`, `deals`, `clients`, `nps`) with native dates, datetimes and numbers;
//! * `<period>-csv/<table>.csv` — the same rows as comma-separated UTF-8 with a header row.
//!
//! Both files are written from one in-memory set of rows, so they always hold the same data.
//! There are 30 employees (E101..E130) on the three schemes `b2b-long-cycle`,
//! `transactional` and `account-manager`, each with a plan row per month employed. Their
//! activity is sized so that in every month attainment is spread out: a few people are under
//! 80 %, most are at 80–120 % and a couple are above 120 %. Each person's form varies a little
//! from month to month, and a few have a trend over the last four months (see [`Trend`]):
//! outgoing calls falling by a third, a falling proposal conversion, an average won deal that
//! falls every month, and a plan so easy it is beaten by more than 20 % every month. One person
//! joins in the second month and one leaves in the month before the period (with `--months 1`
//! both happen in the period), and the leaver stays on the roster. Deals are created and
//! closed across the months, with an open pipeline at each month end; account managers' books
//! change (clients churn, clients are handed over) and their contacts carry client ids for the
//! coverage metric. Call durations follow each person's style: of the outgoing calls of two
//! minutes or more, some people have a quarter last five minutes or more, others over half.
//!
//! The output is deterministic: every random choice comes from a small splitmix64 generator
//! of our own, seeded from `--seed` (default 42), the name of the table being generated and
//! the month. No wall clock is read, nothing iterates over a `HashMap`, money is integer
//! cents, and the workbook creation date is fixed to the day after the period. The same
//! arguments therefore give byte-identical files. `--calls-per-day-scale N` multiplies the
//! calls made per day (about 23 000 calls a month at 1, about 940 000 at 40) for benchmarks,
//! and changes only `calls`. The xlsx sheet limit is 1 048 575 data rows; a larger table is
//! refused with an error (use `--months 1` for one big month).
//!
//! For the department-scale benchmark (`scripts/bench`, issue 13) `--employees N` (30 to
//! 20 000) repeats the 30-person roster until there are `N` people, `E101` to `E{100+N}`
//! ([`department`]: each copy keeps its original's scheme, team, target bonus, hire date, form
//! and trend, on random streams of its own number; names get the copy's number appended from the
//! second copy on, so they stay unique), and three more scales size the other tables:
//! `--emails-scale N` multiplies the emails sent and received per day (the coverage plan's are
//! always sent), `--meetings-scale N` and `--deals-scale N` (at least 1) add `N - 1` times the
//! month's meetings as cancelled or no-show ones and `N - 1` times its won and lost deals as deals
//! lost at an early stage within the month ([`extra_deals`]): none of these changes what anyone
//! is paid, except that fewer calls can miss a calls target. Without these options every output
//! is what it was, byte for byte. `scripts/bench` generates the large period of issue 13 with
//! `--employees 2000 --months 1 --calls-per-day-scale 0.65 --emails-scale 0.17
//! --meetings-scale 3.6 --deals-scale 3.5` (1 000 268 calls, 202 759 deals, 109 632 emails,
//! 49 415 meetings, 45 286 clients, 10 911 NPS answers), and the same department over 12 months
//! with `--months 12 --calls-per-day-scale 0.04 --emails-scale 0.08` (every table under the
//! sheet limit: 673 928 calls, 585 319 deals, 586 565 emails).
//!
//! From the same records it then writes the export as two CRMs give it, with the traps real
//! exports have (samples/README.md lists the files and every trap; `--no-crm-exports` skips
//! them):
//!
//! * `<period>-bitrix24/` — every employee as a Bitrix24 portal exports them
//!   ([`write_bitrix24`]): users, deals with their custom fields and stage history, stage
//!   lists, activities, telephony statistics, companies, plus HR's sheet (the roster with each
//!   person's CRM user id) and the canonical plans and NPS answers;
//! * `<period>-amocrm/` — a small company, two of the transactional sellers, as amoCRM exports
//!   them ([`write_amocrm`]): users, leads, loss reasons, lead events and call notes, plus HR's
//!   sheet and plans; and `<period>-amocrm-canonical/`, the canonical tables of exactly those
//!   two people, whose payroll the amoCRM export must reproduce.
//!
//! Both exports are written on random streams of their own, so they never change a canonical
//! file; a mapping that reads them right gets the canonical rows back
//! (`scripts/check_sample_exports.py` shows it).
//!
//! With `--close` it writes instead the sample of a month-end close ([`write_close`],
//! docs/month-end.md has the rules, samples/README.md who shows what), in
//! `<period>-close/`, for a smaller roster ([`CLOSE_KEEP`]: two people of each scheme and a
//! third account manager) plus three new hires of the month before the period
//! ([`CLOSE_HIRES`]: two transactional, one b2b, each ramping up at a form of their own), with
//! `--months` (default 3, at least 2) months of history ending with the period:
//!
//! * `schemes/` — copies of the three presets (`include_str!`, so their KPIs are the presets'
//!   byte for byte) with, at scheme level, `max_total` ([`CLOSE_MAX_TOTAL`]) and the new
//!   hires' guarantees: transactional 3 months at 50%, recoverable; b2b 3 months at 60%;
//! * `<month before>/` — the canonical CSV folder as exported at the close of the month
//!   before the period ([`as_of`]): nothing dated after its last day, and what happened later
//!   not known yet (a deal closed later is `open` with no close date); the deals carry the
//!   optional `refunded_on` column, empty;
//! * `<period>/` — the export at the period's close, taken on its last day the same way: the
//!   same rows up to the month before,
//!   except the late changes (a deal won in the month before and refunded in the period, a
//!   deal won before the history refunded too, one plan of the month before corrected), plus
//!   the period's rows and `adjustments.csv` (one row of each kind for the period, and one of
//!   the month before, which a run of the period ignores).
//!
//! No workbook and no CRM exports are written for it. The people it picks (the refunded
//! deal's owner, the corrected plan, the adjustments) are constants, chosen for the default
//! seed and `--period 2026-11`; `scripts/check_close_sample.py` checks the committed sample
//! against its rules.
//!
//! With `--team-signals` it writes instead only `<period>-team/`, the canonical CSV folder of
//! the head of sales' view (`incentive team`, docs/team.md): the same records as
//! `<period>-csv/` plus two trends of the period no other sample has ([`team_signals`]): one
//! person dialling the base ([`TEAM_DIALLER`]: a hundred-odd calls of a few seconds a day on top
//! of the usual ones) and one team losing mostly on price ([`TEAM_PRICE_LOSSES`]).
//! `scripts/crosscheck_team.py` names who raises which flag in it (samples/README.md lists them).
//!
//! With `--plan-history` it writes instead only `<period>-history/`, the canonical CSV folder
//! of the 13 months ending with the period ([`write_plan_history`]), for next month's plans
//! (`incentive plan --for <the month after>`, docs/plan.md): twelve months of history before
//! the month planned, and that month a year earlier for the seasonal index. Its roster
//! ([`history_roster`]) is thirteen people of [`ROSTER`], a leaver in the month after the
//! period ([`HISTORY_LEAVER`]) and three new hires ([`HISTORY_HIRES`]: one on the first of the
//! month before the period, two in the month after it, one of them on a scheme nobody else is
//! on). Every month's deals won follow the department's season ([`HISTORY_SEASON`]) while the
//! plans table keeps today's plans; one person has one huge month ([`HISTORY_HUGE`]); nothing
//! is dated before the first month; calls are fewer ([`HISTORY_CALLS_PM`]) to keep it small.
//!
//! ```text
//! cargo run --release --example generate_samples -- --out samples --period 2026-10 \
//!     [--months N] [--calls-per-day-scale N] [--seed S] [--no-crm-exports] [--team-signals] \
//!     [--employees N] [--emails-scale N] [--meetings-scale N] [--deals-scale N]
//! cargo run --release --example generate_samples -- --out samples --period 2026-11 --close
//! cargo run --release --example generate_samples -- --out samples --period 2026-10 --plan-history
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, Timelike, Weekday};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

type Res<T> = Result<T, Box<dyn Error>>;

// ---------------------------------------------------------------------------------------------
// Deterministic PRNG (splitmix64)
// ---------------------------------------------------------------------------------------------

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// splitmix64. Each (seed, table, employee) triple gets its own stream, so changing how many
/// calls are generated does not change the other tables.
struct Rng {
    state: u64,
}

impl Rng {
    fn stream(seed: u64, name: &str, index: u64) -> Rng {
        let mut h = mix64(seed.wrapping_add(GOLDEN));
        for b in name.bytes() {
            h = mix64(h ^ u64::from(b));
        }
        Rng {
            state: mix64(h ^ index.wrapping_mul(GOLDEN)),
        }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix64(self.state)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, permille: u64) -> bool {
        self.below(1000) < permille
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }

    fn weighted<T: Copy>(&mut self, items: &[(T, u64)]) -> T {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.below(total);
        for &(item, w) in items {
            if x < w {
                return item;
            }
            x -= w;
        }
        items[items.len() - 1].0
    }

    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            xs.swap(i, j);
        }
    }

    /// `base * U(lo_pm..=hi_pm) / 1000`.
    fn jitter(&mut self, base: u64, lo_pm: u64, hi_pm: u64) -> u64 {
        base * self.range(lo_pm, hi_pm) / 1000
    }
}

// ---------------------------------------------------------------------------------------------
// Calendar
// ---------------------------------------------------------------------------------------------

fn month_start(year: i32, month: u32, offset: i32) -> NaiveDate {
    let idx = year * 12 + month as i32 - 1 + offset;
    NaiveDate::from_ymd_opt(idx.div_euclid(12), idx.rem_euclid(12) as u32 + 1, 1)
        .expect("valid month")
}

fn is_workday(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// All dates in `from..=to`.
fn dates(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    from.iter_days().take_while(|d| *d <= to).collect()
}

fn workdays(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    dates(from, to)
        .into_iter()
        .filter(|d| is_workday(*d))
        .collect()
}

/// `d - n` days, moved back to the previous working day, and not before `min`.
fn back_workday(d: NaiveDate, n: u64, min: NaiveDate) -> NaiveDate {
    let mut x = d - Days::new(n);
    while !is_workday(x) {
        x = x - Days::new(1);
    }
    let mut x = x.max(min);
    while !is_workday(x) {
        x = x + Days::new(1);
    }
    x
}

fn at(day: NaiveDate, secs: u64) -> NaiveDateTime {
    let secs = secs.min(86_399) as u32;
    day.and_hms_opt(secs / 3600, secs % 3600 / 60, secs % 60)
        .expect("valid time")
}

#[derive(Clone, Copy)]
struct Period {
    year: i32,
    month: u32,
    start: NaiveDate,
    end: NaiveDate,
}

impl Period {
    fn parse(s: &str) -> Res<Period> {
        let bad = || format!("--period must look like YYYY-MM, got {s:?}");
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad().into());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || !(1901..=9998).contains(&year) {
            return Err(bad().into());
        }
        let start = month_start(year, month, 0);
        let end = month_start(year, month, 1) - Days::new(1);
        Ok(Period {
            year,
            month,
            start,
            end,
        })
    }

    fn month_offset(&self, offset: i32) -> NaiveDate {
        month_start(self.year, self.month, offset)
    }

    fn label(&self, offset: i32) -> String {
        let d = self.month_offset(offset);
        format!("{:04}-{:02}", d.year(), d.month())
    }

    fn day(&self, day: u32) -> NaiveDate {
        self.start.with_day(day).expect("day within month")
    }

    fn next_start(&self) -> NaiveDate {
        self.month_offset(1)
    }

    /// The month `offset` months from this one.
    fn shift(&self, offset: i32) -> Period {
        let start = self.month_offset(offset);
        let end = self.month_offset(offset + 1) - Days::new(1);
        Period {
            year: start.year(),
            month: start.month(),
            start,
            end,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Roster
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Scheme {
    B2b,
    Transactional,
    AccountManager,
}

impl Scheme {
    fn id(self) -> &'static str {
        match self {
            Scheme::B2b => "b2b-long-cycle",
            Scheme::Transactional => "transactional",
            Scheme::AccountManager => "account-manager",
        }
    }

    /// The plan metric of the scheme's plan-based KPI.
    fn plan_metric(self) -> &'static str {
        match self {
            Scheme::AccountManager => "upsell",
            _ => "revenue",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Regular,
    /// Hired on day 13 of the export's second month (of the period with `--months 1`).
    Joiner,
    /// Left on day 20 of the month before the period (of the period with `--months 1`).
    Leaver,
    /// A new hire of the close sample (`--close`): hired on `day` of the month before the
    /// period, ramping up with the form `ramp[0]` in that month and `ramp[1]` in the period
    /// (per mille of target). A ramping person also makes fewer calls (see [`gen_calls`]).
    Hired {
        day: u32,
        ramp: [u64; 2],
    },
    /// Hired on `day` of the month `month` months from the period (`--plan-history`: -1 is the
    /// month before it, 1 the month after it).
    Joins {
        month: i32,
        day: u32,
    },
    /// Leaves on `day` of the month `month` months from the period (`--plan-history`).
    Leaves {
        month: i32,
        day: u32,
    },
}

/// A visible change over the last four months, for the analyst's history views. Each is
/// strongest in the period and fades out going back (see [`Month::trend_pm`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Trend {
    Steady,
    /// Outgoing calls per day fall by a third from three months before the period to it.
    CallsFall,
    /// The proposal win rate falls month by month (40 % → 15 %).
    ConversionFalls,
    /// The average won deal falls every month while the deal count rises a little.
    AverageDealFalls,
    /// The plan is set too low: it is beaten by more than 20 % every month.
    EasyPlan,
}

#[derive(Clone, Copy)]
struct Hire {
    name: &'static str,
    scheme: Scheme,
    team: &'static str,
    /// Target bonus in KZT cents.
    bonus: u64,
    /// Hired this many days before the period start (moved to the next working day).
    days_before: u64,
    /// Underlying "form" of the person, per mille of target; it varies a little each month.
    form: u64,
    kind: Kind,
    trend: Trend,
}

/// KZT and tiyn (hundredths) as cents.
const fn kzt(whole: u64, tiyn: u64) -> u64 {
    whole * 100 + tiyn
}

const fn hire(
    name: &'static str,
    scheme: Scheme,
    team: &'static str,
    bonus: u64,
    days_before: u64,
    form: u64,
) -> Hire {
    Hire {
        name,
        scheme,
        team,
        bonus,
        days_before,
        form,
        kind: Kind::Regular,
        trend: Trend::Steady,
    }
}

const fn with_trend(h: Hire, trend: Trend) -> Hire {
    Hire { trend, ..h }
}

use Scheme::{AccountManager as AM, B2b, Transactional as TR};

/// Ids are given in this (hire date) order, starting at E101.
#[rustfmt::skip]
const ROSTER: [Hire; 30] = [
    hire("Айгерим Сейткали", B2b, "Almaty", kzt(480_000, 0), 3880, 1120),
    with_trend(hire("Dmitry Volkov", B2b, "Astana", kzt(450_000, 0), 3650, 950), Trend::ConversionFalls),
    hire("Нурлан Абенов", TR, "Almaty", kzt(320_000, 0), 3420, 1050),
    hire("Ekaterina Smirnova", AM, "Almaty", kzt(400_000, 0), 3150, 1180),
    hire("Ерлан Жумабаев", B2b, "Shymkent", kzt(420_000, 50), 3000, 620),
    hire("Aliya Nurpeisova", AM, "Astana", kzt(380_000, 0), 2800, 980),
    hire("Сергей Ким", TR, "Shymkent", kzt(300_000, 0), 2650, 900),
    with_trend(hire("Madina Tokayeva", TR, "Almaty", kzt(295_000, 50), 2480, 1150), Trend::AverageDealFalls),
    hire("Асель Бекова", AM, "Shymkent", kzt(350_000, 0), 2300, 640),
    with_trend(hire("Arman Sultanov", B2b, "Almaty", kzt(500_000, 0), 2150, 1040), Trend::EasyPlan),
    hire("Ольга Петренко", AM, "Almaty", kzt(365_000, 50), 2000, 1060),
    hire("Timur Akhmetov", TR, "Astana", kzt(280_000, 0), 1850, 700),
    hire("Дана Исмаилова", B2b, "Astana", kzt(440_000, 0), 1720, 880),
    with_trend(hire("Roman Li", TR, "Almaty", kzt(310_000, 0), 1600, 1000), Trend::CallsFall),
    hire("Жанна Омарова", AM, "Astana", kzt(340_000, 0), 1480, 900),
    hire("Bauyrzhan Serikbayev", B2b, "Shymkent", kzt(460_000, 0), 1370, 1270),
    hire("Наталья Кузнецова", AM, "Almaty", kzt(390_000, 0), 1260, 1250),
    hire("Daulet Kassymov", TR, "Shymkent", kzt(275_000, 50), 1150, 1310),
    hire("Гульнара Тулегенова", AM, "Shymkent", kzt(330_000, 0), 1050, 1020),
    Hire {
        kind: Kind::Leaver,
        ..hire("Alexey Morozov", B2b, "Almaty", kzt(470_000, 0), 960, 1000)
    },
    hire("Айдана Калиева", TR, "Astana", kzt(265_000, 0), 880, 960),
    hire("Yerzhan Mukanov", AM, "Astana", kzt(355_000, 0), 800, 780),
    hire("Ирина Ли", B2b, "Astana", kzt(430_000, 50), 730, 760),
    hire("Sanzhar Kenzhebekov", TR, "Almaty", kzt(290_000, 0), 670, 830),
    hire("Камила Рахимова", AM, "Almaty", kzt(345_000, 0), 610, 950),
    hire("Vladimir Pak", B2b, "Shymkent", kzt(410_000, 0), 560, 1080),
    hire("Динара Абдрахманова", TR, "Shymkent", kzt(260_000, 0), 510, 1090),
    hire("Askar Utepov", AM, "Shymkent", kzt(320_000, 50), 460, 1110),
    hire("Мария Соколова", B2b, "Almaty", kzt(400_000, 0), 410, 930),
    Hire {
        kind: Kind::Joiner,
        ..hire("Aruzhan Bekmukhambetova", TR, "Astana", kzt(250_000, 0), 0, 1000)
    },
];

/// One month of the export as one employee lived it.
struct Month {
    p: Period,
    /// Months before the export's last month (0 for the period itself).
    back: u64,
    /// The plan target (cents), when the person was employed on any day of the month.
    plan: Option<u64>,
    /// Working days of the month while employed (empty: no activity this month).
    days: Vec<NaiveDate>,
    /// Per mille of the month's working days that the person was employed.
    frac: u64,
    /// The person's form this month, per mille of target.
    form: u64,
    /// The trend's strength this month: 0 three or more months back, 1000 in the period.
    trend_pm: u64,
    /// The department's season this month, per mille: it multiplies the deals won (1000 but
    /// with `--plan-history`, see [`HISTORY_SEASON`]).
    season: u64,
}

impl Month {
    /// Attainment factor (per mille) for one metric: the month's form with some noise.
    fn att(&self, rng: &mut Rng, lo_pm: u64, hi_pm: u64) -> u64 {
        rng.jitter(self.form, lo_pm, hi_pm)
    }

    /// Scales a monthly volume by the share of the month the person worked.
    fn prorate(&self, v: u64) -> u64 {
        (v * self.frac + 500) / 1000
    }

    /// Linear from `from` (three or more months back) to `to` (the period), per mille.
    fn trend(&self, from: u64, to: u64) -> u64 {
        (from * (1000 - self.trend_pm) + to * self.trend_pm) / 1000
    }

    fn last_day(&self) -> NaiveDate {
        *self
            .days
            .last()
            .expect("a month with activity has working days")
    }
}

struct Employee {
    id: String,
    name: &'static str,
    scheme: Scheme,
    team: &'static str,
    target_bonus: u64,
    hired_on: NaiveDate,
    left_on: Option<NaiveDate>,
    trend: Trend,
    /// A new hire of the close sample, still ramping up ([`Kind::Hired`]).
    ramping: bool,
    /// One entry per month of the export, oldest first.
    months: Vec<Month>,
    /// The last two working days before the first month / first two after the period, while
    /// employed: the few rows just outside the export's months.
    prev_days: Vec<NaiveDate>,
    next_days: Vec<NaiveDate>,
}

impl Employee {
    fn employed(&self, d: NaiveDate) -> bool {
        d >= self.hired_on && self.left_on.is_none_or(|l| d <= l)
    }

    fn earliest(&self) -> NaiveDate {
        self.hired_on
    }
}

/// The people of the export: `(i, hire)` is employee `E{101 + i}`, whose plans and form come
/// from random streams of their own number `i` (the whole [`ROSTER`] in roster order by
/// default, a few of it and the close sample's new hires with `--close`).
fn build_employees(roster: &[(usize, &Hire)], months: &[Period], seed: u64) -> Vec<Employee> {
    let n = months.len();
    let (first, last) = (months[0], months[n - 1]);
    let joiner_month = months[1.min(n - 1)];
    let leaver_month = months[n.saturating_sub(2)];
    let prev_month = workdays(first.month_offset(-1), first.start - Days::new(1));
    let next_month = workdays(last.next_start(), last.month_offset(2) - Days::new(1));
    roster
        .iter()
        .map(|&(i, h)| {
            let mut rng = Rng::stream(seed, "plans", i as u64);
            let hired_on = match h.kind {
                Kind::Joiner => joiner_month.day(13),
                Kind::Hired { day, .. } => leaver_month.day(day),
                Kind::Joins { month, day } => last.shift(month).day(day),
                _ => {
                    let mut d = last.start - Days::new(h.days_before);
                    while !is_workday(d) {
                        d = d + Days::new(1);
                    }
                    d
                }
            };
            let left_on = match h.kind {
                Kind::Leaver => Some(leaver_month.day(20)),
                Kind::Leaves { month, day } => Some(last.shift(month).day(day)),
                _ => None,
            };
            // Plans in units of 100 000 KZT: revenue for b2b and transactional, upsell for AMs.
            let (lo, hi) = match h.scheme {
                Scheme::B2b => (80, 200),
                Scheme::Transactional => (100, 110),
                Scheme::AccountManager => (15, 50),
            };
            // A too-easy plan sits at the bottom of the range.
            let top = if h.trend == Trend::EasyPlan {
                lo + (hi - lo) / 6
            } else {
                hi
            };
            let base = rng.range(lo, top) * 100_000 * 100;
            let (lo, hi) = (lo * 100_000 * 100, hi * 100_000 * 100);
            let mut e = Employee {
                id: format!("E{}", 101 + i),
                name: h.name,
                scheme: h.scheme,
                team: h.team,
                target_bonus: h.bonus,
                hired_on,
                left_on,
                trend: h.trend,
                ramping: matches!(h.kind, Kind::Hired { .. }),
                months: Vec::new(),
                prev_days: Vec::new(),
                next_days: Vec::new(),
            };
            e.prev_days = prev_month[prev_month.len() - 2..]
                .iter()
                .copied()
                .filter(|d| e.employed(*d))
                .collect();
            e.next_days = next_month[..2]
                .iter()
                .copied()
                .filter(|d| e.employed(*d))
                .collect();
            let mut form_rng = Rng::stream(seed, "form", i as u64);
            e.months = months
                .iter()
                .enumerate()
                .map(|(k, &p)| {
                    let back = (n - 1 - k) as u64;
                    // The period's plan is the base; earlier months within 10 % of it, rounded
                    // to 50 000 KZT.
                    let plan = if back == 0 {
                        base
                    } else {
                        (rng.jitter(base, 900, 1100) / 5_000_000 * 5_000_000).clamp(lo, hi)
                    };
                    let all_days = workdays(p.start, p.end);
                    let days: Vec<NaiveDate> = all_days
                        .iter()
                        .copied()
                        .filter(|d| e.employed(*d))
                        .collect();
                    let employed = dates(p.start, p.end).into_iter().any(|d| e.employed(d));
                    let frac = days.len() as u64 * 1000 / all_days.len() as u64;
                    // A month worked in part has its plan cut to the part (50 000 KZT steps).
                    let plan = if frac < 1000 {
                        ((plan / 1000 * frac + 2_500_000) / 5_000_000 * 5_000_000).max(5_000_000)
                    } else {
                        plan
                    };
                    Month {
                        p,
                        back,
                        plan: employed.then_some(plan),
                        frac,
                        days,
                        form: match h.kind {
                            Kind::Hired { ramp, .. } => {
                                form_rng.jitter(ramp[usize::from(back == 0)], 950, 1050)
                            }
                            _ => form_rng.jitter(h.form, 950, 1050),
                        },
                        trend_pm: 1000 - 1000 * back.min(3) / 3,
                        season: 1000,
                    }
                })
                .collect();
            e
        })
        .collect()
}
// ---------------------------------------------------------------------------------------------
// Generated records
// ---------------------------------------------------------------------------------------------

struct Client {
    owner: usize,
    since: NaiveDate,
    churned_on: Option<NaiveDate>,
}

struct Deal {
    owner: usize,
    created_on: NaiveDate,
    closed_on: Option<NaiveDate>,
    status: &'static str,
    stage: &'static str,
    amount: u64,
    new_client: bool,
    lost_reason: Option<&'static str>,
    client: Option<usize>,
}

struct Call {
    owner: usize,
    at: NaiveDateTime,
    outgoing: bool,
    duration: u32,
    client: Option<usize>,
}

struct Email {
    owner: usize,
    at: NaiveDateTime,
    outgoing: bool,
    client: Option<usize>,
}

struct Meeting {
    owner: usize,
    at: NaiveDateTime,
    status: &'static str,
    client: Option<usize>,
}

struct Response {
    owner: usize,
    on: NaiveDate,
    score: u8,
}

/// Client contacts that must (or must not) count towards an account manager's coverage.
#[derive(Default)]
struct ContactPlan {
    /// day -> (client, outgoing)
    calls: BTreeMap<NaiveDate, Vec<(usize, bool)>>,
    emails: BTreeMap<NaiveDate, Vec<(usize, bool)>>,
    /// Book clients that are contacted in the month; random extra tags come from here.
    covered: Vec<usize>,
    /// Whole book (also used for tags on incoming contacts, which do not count).
    book: Vec<usize>,
}

#[derive(Default)]
struct World {
    clients: Vec<Client>,
    deals: Vec<Deal>,
    calls: Vec<Call>,
    emails: Vec<Email>,
    meetings: Vec<Meeting>,
    responses: Vec<Response>,
    meeting_slots: BTreeMap<usize, BTreeSet<NaiveDateTime>>,
    /// Each owner's clients and deals (indices in increasing order, valid until
    /// [`sort_canonical`]): the lookups stay linear in one person's records, not in the
    /// department's (`--employees`).
    clients_of: Vec<Vec<usize>>,
    deals_of: Vec<Vec<usize>>,
}

/// The list of `owner` in an index by owner, created when first used.
fn of_owner(index: &mut Vec<Vec<usize>>, owner: usize) -> &mut Vec<usize> {
    if index.len() <= owner {
        index.resize_with(owner + 1, Vec::new);
    }
    &mut index[owner]
}

struct DealDraft {
    created_on: NaiveDate,
    closed_on: Option<NaiveDate>,
    status: &'static str,
    stage: &'static str,
    amount: u64,
    new_client: bool,
}

const LOST_REASONS: [(&str, u64); 5] = [
    ("price", 30),
    ("competitor", 25),
    ("no_need", 15),
    ("timing", 15),
    ("silence", 15),
];
const OPEN_STAGES: [(&str, u64); 4] = [
    ("lead", 25),
    ("qualified", 30),
    ("negotiation", 25),
    ("proposal", 20),
];
const EARLY_STAGES: [(&str, u64); 3] = [("lead", 30), ("qualified", 40), ("negotiation", 30)];

impl World {
    fn add_client(
        &mut self,
        owner: usize,
        since: NaiveDate,
        churned_on: Option<NaiveDate>,
    ) -> usize {
        self.clients.push(Client {
            owner,
            since,
            churned_on,
        });
        let c = self.clients.len() - 1;
        of_owner(&mut self.clients_of, owner).push(c);
        c
    }

    /// The clients of `owner`, in index order.
    fn clients_of(&self, owner: usize) -> &[usize] {
        self.clients_of.get(owner).map_or(&[], Vec::as_slice)
    }

    /// The book of `owner` on `day`: clients since before it, not churned before it.
    fn book(&self, owner: usize, day: NaiveDate) -> Vec<usize> {
        self.clients_of(owner)
            .iter()
            .copied()
            .filter(|&c| {
                let cl = &self.clients[c];
                cl.since < day && cl.churned_on.is_none_or(|x| x >= day)
            })
            .collect()
    }

    /// An existing client of `owner` that was a client before `before` and alive on `alive_on`.
    fn existing_client(
        &self,
        rng: &mut Rng,
        owner: usize,
        before: NaiveDate,
        alive_on: NaiveDate,
    ) -> Option<usize> {
        let candidates: Vec<usize> = self
            .clients_of(owner)
            .iter()
            .copied()
            .filter(|&c| {
                let cl = &self.clients[c];
                cl.since < before && cl.churned_on.is_none_or(|x| x > alive_on)
            })
            .collect();
        (!candidates.is_empty()).then(|| rng.pick(&candidates))
    }

    /// Adds a deal. Won deals with a new client create that client (since = closed_on);
    /// open/lost deals with a prospect have no client id.
    fn add_deal(&mut self, rng: &mut Rng, owner: usize, d: DealDraft) {
        let mut new_client = d.new_client;
        let mut client = None;
        if !new_client {
            let alive_on = d.closed_on.unwrap_or(d.created_on);
            client = self.existing_client(rng, owner, d.created_on, alive_on);
            new_client = client.is_none();
        }
        if new_client && d.status == "won" {
            let since = d.closed_on.expect("won deals are closed");
            client = Some(self.add_client(owner, since, None));
        }
        let lost_reason = (d.status == "lost").then(|| rng.weighted(&LOST_REASONS));
        self.deals.push(Deal {
            owner,
            created_on: d.created_on,
            closed_on: d.closed_on,
            status: d.status,
            stage: d.stage,
            amount: d.amount,
            new_client,
            lost_reason,
            client,
        });
        let d = self.deals.len() - 1;
        of_owner(&mut self.deals_of, owner).push(d);
    }

    fn meeting_slot(&mut self, rng: &mut Rng, owner: usize, day: NaiveDate) -> NaiveDateTime {
        let used = self.meeting_slots.entry(owner).or_default();
        let mut t = at(day, 10 * 3600);
        for _ in 0..40 {
            let hour = rng.range(9, 17);
            let minute = rng.weighted(&[(0, 45), (30, 40), (15, 8), (45, 7)]);
            t = at(day, hour * 3600 + minute * 60);
            if used.insert(t) {
                break;
            }
        }
        t
    }

    fn add_meeting(
        &mut self,
        rng: &mut Rng,
        owner: usize,
        day: NaiveDate,
        status: &'static str,
        client: Option<usize>,
    ) {
        let at = self.meeting_slot(rng, owner, day);
        self.meetings.push(Meeting {
            owner,
            at,
            status,
            client,
        });
    }
}

/// Money in cents: a whole multiple of `step_kzt` in `lo_kzt..=hi_kzt`, and with probability
/// `odd_pm`/1000 an odd tail of KZT and tiyn on top.
fn money(rng: &mut Rng, lo_kzt: u64, hi_kzt: u64, step_kzt: u64, odd_pm: u64) -> u64 {
    let mut cents = rng.range(lo_kzt / step_kzt, hi_kzt / step_kzt) * step_kzt * 100;
    if rng.chance(odd_pm) {
        cents += rng.range(1, step_kzt * 100 - 1);
    }
    cents
}

/// Draws amounts until their sum is as close to `goal` as one more draw could get.
fn fill_to(rng: &mut Rng, goal: u64, mut draw: impl FnMut(&mut Rng) -> u64) -> Vec<u64> {
    let mut out = Vec::new();
    let mut sum = 0;
    while sum < goal {
        let a = draw(rng);
        if sum + a > goal && sum + a - goal > goal - sum && !out.is_empty() {
            break;
        }
        sum += a;
        out.push(a);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------------

/// The clients everyone has before the export's first month.
fn gen_clients(first: Period, seed: u64, emps: &[Employee], w: &mut World) {
    for (e, emp) in emps.iter().enumerate() {
        let mut rng = Rng::stream(seed, "clients", e as u64);
        let old = |rng: &mut Rng| first.start - Days::new(rng.range(20, 2600));
        match emp.scheme {
            Scheme::AccountManager => {
                for _ in 0..rng.range(15, 34) {
                    w.add_client(e, old(&mut rng), None);
                }
                // Clients churned before the first month: in no month's book.
                for _ in 0..rng.range(0, 2) {
                    let churned = first.start - Days::new(rng.range(1, 75));
                    let since = churned - Days::new(rng.range(200, 1500));
                    w.add_client(e, since, Some(churned));
                }
            }
            Scheme::B2b | Scheme::Transactional => {
                if emp.hired_on >= first.start {
                    continue; // a new joiner has no clients yet
                }
                let pool = match emp.scheme {
                    Scheme::B2b => rng.range(6, 12),
                    _ => rng.range(10, 20),
                };
                for _ in 0..pool {
                    let churned_on = rng
                        .chance(80)
                        .then(|| first.start - Days::new(rng.range(1, 120)));
                    let since = match churned_on {
                        Some(c) => c - Days::new(rng.range(100, 900)),
                        None => old(&mut rng),
                    };
                    w.add_client(e, since, churned_on);
                }
            }
        }
    }
}

/// An account manager's book during month `k`: some clients churn (weaker people lose more;
/// retention target 90 %) and a few are handed over. After the period one more client churns
/// now and then, which the period's retention must not count.
fn book_changes(k: usize, seed: u64, emps: &[Employee], w: &mut World) {
    for (e, emp) in emps.iter().enumerate() {
        let mo = &emp.months[k];
        if emp.scheme != Scheme::AccountManager || mo.days.is_empty() {
            continue;
        }
        let p = mo.p;
        let mut rng = Rng::stream(seed, &format!("clients {}", p.label(0)), e as u64);
        let mut book = w.book(e, p.start);
        let retention_pm = 900 * (1000 + (mo.form as i64 - 1000) * 3 / 10) as u64 / 1000;
        let churn_pm = 1000u64.saturating_sub(rng.jitter(retention_pm, 985, 1015));
        let size = book.len() as u64;
        let churned = ((size * churn_pm + 500) / 1000).min(size / 3) as usize;
        rng.shuffle(&mut book);
        for &c in &book[..churned] {
            w.clients[c].churned_on = Some(p.day(rng.range(2, 28) as u32));
        }
        for _ in 0..rng.range(0, 2) {
            w.add_client(e, p.day(rng.range(2, 28) as u32), None);
        }
        if mo.back == 0 && rng.chance(400) {
            let since = p.start - Days::new(rng.range(20, 2600));
            let later = p.next_start() + Days::new(rng.range(0, 6));
            w.add_client(e, since, Some(later));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Deals
// ---------------------------------------------------------------------------------------------

/// The deals won and lost in month `k` (and, in the period, the open ones of the schemes that
/// do not pay for pipeline; b2b pipeline is [`gen_pipeline`]).
fn gen_deals(k: usize, seed: u64, deals_pm: u64, emps: &[Employee], w: &mut World) {
    for (e, emp) in emps.iter().enumerate() {
        let mo = &emp.months[k];
        if mo.days.is_empty() {
            continue;
        }
        let mut rng = Rng::stream(seed, &format!("deals {}", mo.p.label(0)), e as u64);
        let before = w.deals.len() as u64;
        match emp.scheme {
            Scheme::B2b => b2b_deals(mo, &mut rng, e, emp, w),
            Scheme::Transactional => transactional_deals(mo, &mut rng, e, emp, w),
            Scheme::AccountManager => am_deals(mo, &mut rng, e, emp, w),
        }
        let written = w.deals.len() as u64 - before;
        extra_deals(mo, seed, deals_pm, written, e, emp, w);
    }
}

/// `--deals-scale N` above 1: besides the `written` deals of the month, `written × (N - 1)`
/// more, each lost at an early stage (lead, qualified, negotiation), created and closed within
/// the month: the dead leads a large department logs. No paid KPI of the presets counts them
/// (revenue, upsell and deals won take won deals, proposal conversion proposal-stage ones, and
/// a deal created and closed within a month is in no month-end pipeline), so the pay stays what
/// it is without them; only a closed-deals conversion (observed in the transactional-5min
/// candidate) and the loss reasons see them. On a random stream of their own.
fn extra_deals(
    mo: &Month,
    seed: u64,
    deals_pm: u64,
    written: u64,
    e: usize,
    emp: &Employee,
    w: &mut World,
) {
    if deals_pm <= 1000 {
        return;
    }
    let mut rng = Rng::stream(seed, &format!("extra deals {}", mo.p.label(0)), e as u64);
    let first_day = mo.days[0].max(emp.earliest());
    for _ in 0..scaled(written, deals_pm - 1000) {
        let closed = rng.pick(&mo.days);
        let d = DealDraft {
            created_on: back_workday(closed, rng.range(0, 20), first_day),
            closed_on: Some(closed),
            status: "lost",
            stage: rng.weighted(&EARLY_STAGES),
            amount: money(&mut rng, 50_000, 2_000_000, 1000, 150),
            new_client: rng.chance(700),
        };
        w.add_deal(&mut rng, e, d);
    }
}

/// The month's attainment (per mille) of the plan-based KPI.
fn plan_att(mo: &Month, emp: &Employee, rng: &mut Rng) -> u64 {
    if emp.trend == Trend::EasyPlan {
        rng.range(1260, 1420)
    } else {
        mo.att(rng, 900, 1100)
    }
}

fn b2b_deals(mo: &Month, rng: &mut Rng, e: usize, emp: &Employee, w: &mut World) {
    let plan = mo.plan.expect("employed this month");
    // Revenue: won deals closed in the month.
    // The plan of a month worked in part is already cut to the part.
    let goal = plan / 1000 * plan_att(mo, emp, rng) * mo.season / 1000;
    let amounts = fill_to(rng, goal, |r| money(r, 800_000, 4_500_000, 1000, 200));
    let mut won_at_proposal = 0u64;
    for amount in amounts {
        let closed = rng.pick(&mo.days);
        let stage = rng.weighted(&[("proposal", 75), ("negotiation", 25)]);
        won_at_proposal += u64::from(stage == "proposal");
        let d = DealDraft {
            created_on: back_workday(closed, rng.range(20, 100), emp.earliest()),
            closed_on: Some(closed),
            status: "won",
            stage,
            amount,
            new_client: rng.chance(550),
        };
        w.add_deal(rng, e, d);
    }
    // Proposal win rate: target 25 % of proposal-stage deals won or lost in the month.
    let rate_pm = if emp.trend == Trend::ConversionFalls {
        rng.jitter(mo.trend(400, 150), 950, 1050)
    } else {
        (250 * mo.att(rng, 850, 1150) / 1000).clamp(100, 900)
    };
    let lost_at_proposal = if won_at_proposal == 0 {
        rng.range(1, 3)
    } else {
        (won_at_proposal * (1000 - rate_pm) + rate_pm / 2) / rate_pm
    };
    let early_lost = rng.range(1, 4);
    for k in 0..lost_at_proposal + early_lost {
        let closed = rng.pick(&mo.days);
        let stage = if k < lost_at_proposal {
            "proposal"
        } else {
            rng.weighted(&EARLY_STAGES)
        };
        // Lost deals die young: a lost proposal is weeks old, an early loss days.
        let age = if k < lost_at_proposal {
            rng.range(10, 45)
        } else {
            rng.range(3, 25)
        };
        let d = DealDraft {
            created_on: back_workday(closed, age, emp.earliest()),
            closed_on: Some(closed),
            status: "lost",
            stage,
            amount: money(rng, 400_000, 3_000_000, 1000, 150),
            new_client: rng.chance(650),
        };
        w.add_deal(rng, e, d);
    }
}

/// B2b pipeline: the deals open at each month end (created by then, not closed by then) come
/// near 3 x plan, month after month. Deals won or lost later were open before; the rest are
/// topped up each month with new deals, which stay open, or are lost in a later month at an
/// early stage (so they never touch a later month's revenue or proposal conversion). A top-up
/// is dated within its own month (the first month's may be older), so it changes no earlier
/// month's pipeline.
fn gen_pipeline(seed: u64, emps: &[Employee], w: &mut World) {
    for (e, emp) in emps.iter().enumerate() {
        if emp.scheme != Scheme::B2b {
            continue;
        }
        for (k, mo) in emp.months.iter().enumerate() {
            if mo.days.is_empty() {
                continue;
            }
            let p = mo.p;
            let mut rng = Rng::stream(seed, &format!("pipeline {}", p.label(0)), e as u64);
            let plan = mo.plan.expect("employed this month");
            let open_at_end: u64 = w
                .deals_of
                .get(e)
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .map(|&d| &w.deals[d])
                .filter(|d| d.created_on <= p.end && d.closed_on.is_none_or(|c| c > p.end))
                .map(|d| d.amount)
                .sum();
            let att = if emp.trend == Trend::EasyPlan {
                rng.range(1260, 1420)
            } else {
                mo.att(&mut rng, 850, 1150)
            };
            let goal = 3 * (plan / 1000) * att;
            if goal <= open_at_end + 50_000_000 {
                continue;
            }
            let amounts = fill_to(&mut rng, goal - open_at_end, |r| {
                money(r, 1_000_000, 6_000_000, 1000, 150)
            });
            let last_day = mo.last_day();
            let later_days: Vec<NaiveDate> = emp.months[k + 1..]
                .iter()
                .flat_map(|m| m.days.iter().copied())
                .collect();
            let closes_next_month = mo.back == 0 && emp.left_on.is_none() && rng.chance(500);
            for (i, amount) in amounts.into_iter().enumerate() {
                let created = if k == 0 {
                    back_workday(last_day, rng.range(0, 150), emp.earliest())
                } else {
                    rng.pick(&mo.days)
                };
                let (closed_on, status, stage) = if i == 0 && closes_next_month {
                    // Just after the export's period: a row the period must ignore.
                    let closed = p.next_start() + Days::new(rng.range(1, 4));
                    (Some(closed), rng.pick(&["won", "lost"]), "proposal")
                } else if !later_days.is_empty() && rng.chance(450) {
                    let closed = rng.pick(&later_days);
                    (Some(closed), "lost", rng.weighted(&EARLY_STAGES))
                } else {
                    (None, "open", rng.weighted(&OPEN_STAGES))
                };
                let d = DealDraft {
                    created_on: created,
                    closed_on,
                    status,
                    stage,
                    amount,
                    new_client: rng.chance(500),
                };
                w.add_deal(&mut rng, e, d);
            }
        }
    }
}

fn transactional_deals(mo: &Month, rng: &mut Rng, e: usize, emp: &Employee, w: &mut World) {
    // Won count vs 30 and average deal vs 275 000 KZT; their product is the revenue, which is
    // sized to land near the plan (10.0-11.5 M) for a person in normal form.
    let (count_pm, avg_pm) = match emp.trend {
        // Smaller deals every month, a few more of them.
        Trend::AverageDealFalls => (mo.trend(950, 1150), mo.trend(1250, 800)),
        Trend::EasyPlan => (rng.range(1260, 1420), rng.range(1030, 1150)),
        _ => (mo.att(rng, 1070, 1200), rng.range(1030, 1250)),
    };
    let count = mo.prorate(30 * count_pm / 1000 * mo.season / 1000);
    let avg = kzt(275_000, 0) * avg_pm / 1000;
    let first_month = emp.hired_on >= mo.p.start;
    let new_pm = if first_month { 1000 } else { 400 };
    for _ in 0..count {
        let mult = 300 + rng.range(0, 700) + rng.range(0, 700);
        let mut amount = (avg * mult / 1000 + 5000) / 10_000 * 10_000;
        if rng.chance(200) {
            amount += rng.range(1, 9_999);
        }
        let closed = rng.pick(&mo.days);
        let d = DealDraft {
            created_on: back_workday(closed, rng.range(0, 21), emp.earliest()),
            closed_on: Some(closed),
            status: "won",
            stage: rng.weighted(&[("proposal", 55), ("negotiation", 45)]),
            amount,
            new_client: rng.chance(new_pm),
        };
        w.add_deal(rng, e, d);
    }
    let lost = count * rng.range(250, 500) / 1000;
    for _ in 0..lost {
        let closed = rng.pick(&mo.days);
        let d = DealDraft {
            created_on: back_workday(closed, rng.range(0, 30), emp.earliest()),
            closed_on: Some(closed),
            status: "lost",
            stage: rng.weighted(&OPEN_STAGES),
            amount: money(rng, 60_000, 700_000, 100, 200),
            new_client: rng.chance(new_pm.max(600)),
        };
        w.add_deal(rng, e, d);
    }
    // Open at the export's end (earlier months' open deals are the later months' wins).
    if mo.back == 0 {
        for _ in 0..rng.range(3, 10) {
            let d = DealDraft {
                created_on: back_workday(mo.last_day(), rng.range(0, 30), emp.earliest()),
                closed_on: None,
                status: "open",
                stage: rng.weighted(&OPEN_STAGES),
                amount: money(rng, 80_000, 800_000, 100, 200),
                new_client: rng.chance(new_pm.max(500)),
            };
            w.add_deal(rng, e, d);
        }
    }
}

fn am_deals(mo: &Month, rng: &mut Rng, e: usize, emp: &Employee, w: &mut World) {
    // Upsell: won deals with existing (book) clients, vs plan.
    let plan = mo.plan.expect("employed this month");
    // The plan of a month worked in part is already cut to the part.
    let goal = plan / 1000 * plan_att(mo, emp, rng) * mo.season / 1000;
    let amounts = fill_to(rng, goal, |r| money(r, 150_000, 1_200_000, 1000, 200));
    for amount in amounts {
        let closed = rng.pick(&mo.days);
        let d = DealDraft {
            created_on: back_workday(closed, rng.range(7, 60), emp.earliest()),
            closed_on: Some(closed),
            status: "won",
            stage: rng.weighted(&[("proposal", 50), ("negotiation", 50)]),
            amount,
            new_client: false,
        };
        w.add_deal(rng, e, d);
    }
    // A new logo now and then: won, but not upsell.
    if rng.chance(400) {
        let closed = rng.pick(&mo.days);
        let d = DealDraft {
            created_on: back_workday(closed, rng.range(10, 45), emp.earliest()),
            closed_on: Some(closed),
            status: "won",
            stage: "proposal",
            amount: money(rng, 300_000, 1_500_000, 1000, 200),
            new_client: true,
        };
        w.add_deal(rng, e, d);
    }
    for _ in 0..rng.range(1, 4) {
        let closed = rng.pick(&mo.days);
        let d = DealDraft {
            created_on: back_workday(closed, rng.range(7, 60), emp.earliest()),
            closed_on: Some(closed),
            status: "lost",
            stage: rng.weighted(&OPEN_STAGES),
            amount: money(rng, 150_000, 1_500_000, 1000, 200),
            new_client: rng.chance(150),
        };
        w.add_deal(rng, e, d);
    }
    if mo.back == 0 {
        for _ in 0..rng.range(2, 6) {
            let d = DealDraft {
                created_on: back_workday(mo.last_day(), rng.range(0, 60), emp.earliest()),
                closed_on: None,
                status: "open",
                stage: rng.weighted(&OPEN_STAGES),
                amount: money(rng, 150_000, 1_500_000, 1000, 200),
                new_client: rng.chance(150),
            };
            w.add_deal(rng, e, d);
        }
    }
}

/// A few deals closed just before the first month and created just after the period.
fn boundary_deals(seed: u64, emps: &[Employee], w: &mut World) {
    for (e, emp) in emps.iter().enumerate() {
        let mut rng = Rng::stream(seed, "deals", e as u64);
        let first = emp.months[0].p;
        let (lo, hi) = match emp.scheme {
            Scheme::B2b => (800_000, 4_000_000),
            Scheme::Transactional => (80_000, 600_000),
            Scheme::AccountManager => (150_000, 1_200_000),
        };
        if !emp.prev_days.is_empty() {
            for _ in 0..rng.range(1, 2) {
                let closed = first.start - Days::new(rng.range(1, 8));
                let closed = back_workday(closed, 0, emp.earliest());
                let status = rng.weighted(&[("won", 60), ("lost", 40)]);
                let d = DealDraft {
                    created_on: back_workday(closed, rng.range(3, 60), emp.earliest()),
                    closed_on: Some(closed),
                    status,
                    stage: rng.weighted(&[("proposal", 60), ("negotiation", 40)]),
                    amount: money(&mut rng, lo, hi, 1000, 200),
                    new_client: rng.chance(400),
                };
                w.add_deal(&mut rng, e, d);
            }
        }
        if !emp.next_days.is_empty() && rng.chance(500) {
            let d = DealDraft {
                created_on: rng.pick(&emp.next_days),
                closed_on: None,
                status: "open",
                stage: "lead",
                amount: money(&mut rng, lo, hi, 1000, 100),
                new_client: rng.chance(600),
            };
            w.add_deal(&mut rng, e, d);
        }
    }
}
// ---------------------------------------------------------------------------------------------
// Account-manager coverage plan (and the meetings that are part of it)
// ---------------------------------------------------------------------------------------------

fn plan_contacts(k: usize, seed: u64, emps: &[Employee], w: &mut World) -> Vec<ContactPlan> {
    let mut plans: Vec<ContactPlan> = (0..emps.len()).map(|_| ContactPlan::default()).collect();
    for (e, emp) in emps.iter().enumerate() {
        let mo = &emp.months[k];
        if emp.scheme != Scheme::AccountManager || mo.days.is_empty() {
            continue;
        }
        let p = mo.p;
        let mut rng = Rng::stream(seed, &format!("coverage {}", p.label(0)), e as u64);
        let mut book = w.book(e, p.start);
        let plan = &mut plans[e];
        plan.book = book.clone();
        rng.shuffle(&mut book);
        // Coverage target is 100 %; strong people reach it, weaker ones miss some clients.
        let cov_pm = (550 + 400 * mo.form / 1000).min(1000);
        let cov_pm = rng.jitter(cov_pm, 970, 1030).min(1000);
        let covered = (book.len() as u64 * cov_pm + 500) / 1000;
        let (covered, uncovered) = book.split_at(covered as usize);
        plan.covered = covered.to_vec();
        plan.covered.sort_unstable();
        for &c in covered {
            let until = w.clients[c].churned_on.unwrap_or(p.end);
            let days: Vec<NaiveDate> = mo.days.iter().copied().filter(|d| *d <= until).collect();
            let days = if days.is_empty() { &mo.days } else { &days };
            let contacts = 1 + u64::from(rng.chance(500)) + u64::from(rng.chance(200));
            for _ in 0..contacts {
                let day = rng.pick(days);
                match rng.weighted(&[(0, 45), (1, 40), (2, 15)]) {
                    0 => plan.calls.entry(day).or_default().push((c, true)),
                    1 => plan.emails.entry(day).or_default().push((c, true)),
                    _ => w.add_meeting(&mut rng, e, day, "held", Some(c)),
                }
            }
        }
        // Near misses: contacts with uncovered clients that must not count.
        for &c in uncovered {
            if !rng.chance(650) {
                continue;
            }
            let day = rng.pick(&mo.days);
            match rng.range(0, 4) {
                0 => plan.calls.entry(day).or_default().push((c, false)),
                1 => plan.emails.entry(day).or_default().push((c, false)),
                2 => {
                    let status = rng.pick(&["cancelled", "no_show", "planned"]);
                    w.add_meeting(&mut rng, e, day, status, Some(c));
                }
                _ => {
                    // An outgoing call just before the export's first month (later months'
                    // eves are the month before's own days, so an incoming call instead).
                    match emp.prev_days.last() {
                        Some(&d) if k == 0 => plan.calls.entry(d).or_default().push((c, true)),
                        _ => plan.calls.entry(day).or_default().push((c, false)),
                    }
                }
            }
        }
    }
    plans
}

// ---------------------------------------------------------------------------------------------
// Calls and emails
// ---------------------------------------------------------------------------------------------

struct Slot {
    outgoing: bool,
    duration: u32,
    client: Option<usize>,
}

/// How one person phones: per mille of outgoing calls under 2 minutes, and per mille of those of
/// 2 minutes or more that last 5 minutes or more (a quick dialler has few long calls).
#[derive(Clone, Copy)]
struct CallStyle {
    short_pm: u64,
    long_pm: u64,
}

fn call_style(seed: u64, e: usize, scheme: Scheme) -> CallStyle {
    let mut rng = Rng::stream(seed, "call style", e as u64);
    let short_pm = match scheme {
        Scheme::Transactional => rng.range(260, 340),
        _ => rng.range(200, 350),
    };
    let long_pm = match rng.weighted(&[(0, 30), (1, 45), (2, 25)]) {
        0 => rng.range(230, 330), // many short calls
        1 => rng.range(380, 480),
        _ => rng.range(500, 580), // long conversations
    };
    CallStyle { short_pm, long_pm }
}

fn outgoing_duration(rng: &mut Rng, style: CallStyle) -> u32 {
    let secs = if rng.chance(style.short_pm) {
        match rng.range(0, 9) {
            0 | 1 => 0, // not answered
            2..=4 => rng.range(3, 30),
            _ => rng.range(31, 119),
        }
    } else if rng.chance(style.long_pm) {
        let base = rng.range(300, 660);
        if rng.chance(250) {
            base + rng.range(0, 1500)
        } else {
            base
        }
    } else {
        rng.range(120, 299)
    };
    secs as u32
}

fn incoming_duration(rng: &mut Rng) -> u32 {
    let secs = if rng.chance(150) {
        rng.range(5, 119)
    } else {
        rng.range(120, 420)
            + if rng.chance(100) {
                rng.range(0, 900)
            } else {
                0
            }
    };
    secs as u32
}

/// Lays the day's calls out one after another between about 09:00 and 18:30 with a lunch
/// break (a busy day runs late). If they still do not fit (huge benchmark scales) they are
/// allowed to overlap.
fn schedule_calls(
    rng: &mut Rng,
    owner: usize,
    day: NaiveDate,
    mut slots: Vec<Slot>,
    out: &mut Vec<Call>,
) {
    if slots.is_empty() {
        return;
    }
    rng.shuffle(&mut slots);
    let start = 8 * 3600 + 45 * 60 + rng.range(0, 1800);
    let n = slots.len() as u64;
    let busy: u64 = slots.iter().map(|s| u64::from(s.duration)).sum();
    // A busy day runs late, up to 20:30.
    let end = (18 * 3600 + 10 * 60 + rng.range(0, 2400))
        .max((start + busy + 60 * n).min(20 * 3600 + 30 * 60));
    let len = end - start;
    let mut push = |s: Slot, t: u64| {
        out.push(Call {
            owner,
            at: at(day, t),
            outgoing: s.outgoing,
            duration: s.duration,
            client: s.client,
        })
    };
    if busy + 30 * n <= len {
        let free = len - busy;
        let lunch = if n >= 4 {
            (free / 3).min(2700 + rng.range(0, 1500))
        } else {
            0
        };
        let rest = free - lunch;
        let weights: Vec<u64> = (0..=n).map(|_| rng.range(1, 1000)).collect();
        let total: u64 = weights.iter().sum();
        let mut t = start;
        for (i, s) in slots.into_iter().enumerate() {
            t += rest * weights[i] / total;
            if i as u64 == n / 2 {
                t += lunch;
            }
            let duration = u64::from(s.duration);
            push(s, t);
            t += duration;
        }
    } else {
        let mut starts: Vec<u64> = (0..n).map(|_| rng.range(start, end - 1)).collect();
        starts.sort_unstable();
        for (s, t) in slots.into_iter().zip(starts) {
            push(s, t);
        }
    }
}

fn scaled(n: u64, scale_pm: u64) -> u64 {
    (n * scale_pm + 500) / 1000
}

/// Client id on a contact: account managers use the given list of their book, other people
/// their own clients (rarely).
fn tag(rng: &mut Rng, pm: u64, scheme: Scheme, am_list: &[usize], own: &[usize]) -> Option<usize> {
    let list = if scheme == Scheme::AccountManager {
        am_list
    } else {
        own
    };
    (!list.is_empty() && rng.chance(pm)).then(|| rng.pick(list))
}

/// One kind of contact (calls or emails) for one employee in one month.
struct Channel<'a> {
    /// Outgoing and incoming contacts per working day (`lo..=hi`); on the few days just
    /// outside the export's months, `boundary_out` and `boundary_in`.
    out: (u64, u64),
    inc: (u64, u64),
    boundary_out: (u64, u64),
    boundary_in: (u64, u64),
    /// Per mille of outgoing / incoming contacts that carry a client id.
    tag_out_pm: u64,
    tag_in_pm: u64,
    /// The coverage plan's contacts by day: (client, outgoing).
    planned: &'a BTreeMap<NaiveDate, Vec<(usize, bool)>>,
}

/// The month's contacts day by day: the planned coverage contacts, outgoing ones topped up to
/// the day's count (account managers tag them only with covered clients, so coverage stays as
/// planned) and the incoming ones (tagged with any book client: they do not count). The first
/// month also has the last working days before it, the period the first days after it.
/// `emit` turns one day's `(outgoing, client)` contacts into rows.
fn day_contacts(
    rng: &mut Rng,
    emp: &Employee,
    mo: &Month,
    ch: &Channel,
    plan: &ContactPlan,
    own_clients: &[usize],
    mut emit: impl FnMut(&mut Rng, NaiveDate, Vec<(bool, Option<usize>)>),
) {
    let mut days: Vec<(NaiveDate, bool)> = Vec::new();
    if mo.back + 1 == emp.months.len() as u64 {
        days.extend(emp.prev_days.iter().map(|d| (*d, true)));
    }
    days.extend(mo.days.iter().map(|d| (*d, false)));
    if mo.back == 0 {
        days.extend(emp.next_days.iter().map(|d| (*d, true)));
    }
    for (day, boundary) in days {
        let ((out_lo, out_hi), (in_lo, in_hi)) = if boundary {
            (ch.boundary_out, ch.boundary_in)
        } else {
            (ch.out, ch.inc)
        };
        let (n_out, n_in) = (rng.range(out_lo, out_hi), rng.range(in_lo, in_hi));
        let planned = ch.planned.get(&day).map(Vec::as_slice).unwrap_or(&[]);
        let mut contacts: Vec<(bool, Option<usize>)> =
            planned.iter().map(|&(c, out)| (out, Some(c))).collect();
        let planned_out = planned.iter().filter(|(_, o)| *o).count() as u64;
        for _ in 0..n_out.saturating_sub(planned_out) {
            let client = tag(rng, ch.tag_out_pm, emp.scheme, &plan.covered, own_clients);
            contacts.push((true, client));
        }
        for _ in 0..n_in {
            let client = tag(rng, ch.tag_in_pm, emp.scheme, &plan.book, own_clients);
            contacts.push((false, client));
        }
        emit(rng, day, contacts);
    }
}

fn own_clients(w: &World, e: usize) -> Vec<usize> {
    w.clients_of(e).to_vec()
}

fn gen_calls(
    k: usize,
    seed: u64,
    scale_pm: u64,
    emps: &[Employee],
    plans: &[ContactPlan],
    w: &mut World,
) {
    for (e, emp) in emps.iter().enumerate() {
        let mo = &emp.months[k];
        if mo.days.is_empty() {
            continue;
        }
        let mut rng = Rng::stream(seed, &format!("calls {}", mo.p.label(0)), e as u64);
        let style = call_style(seed, e, emp.scheme);
        // Outgoing calls per working day: transactional 30-45 by form, others 10-16.
        let (out_lo, out_hi, in_lo, in_hi) = match emp.scheme {
            Scheme::Transactional => {
                let mut base = (30 + (mo.form.clamp(620, 1320) - 620) * 15 / 700).min(45);
                if emp.trend == Trend::CallsFall {
                    base = base * mo.trend(1000, 720) / 1000;
                }
                // A new hire still learning the phone: fewer calls while the form is low (at
                // least 30% of the calls, even in training).
                if emp.ramping {
                    base = base * mo.form.clamp(300, 1000) / 1000;
                }
                (base * 85 / 100, base * 115 / 100, 22, 36)
            }
            _ => (10, 16, 5, 10),
        };
        let tag_pm = match emp.scheme {
            Scheme::AccountManager => 250,
            _ => 50,
        };
        let s = |(lo, hi): (u64, u64)| (scaled(lo, scale_pm), scaled(hi, scale_pm));
        let ch = Channel {
            out: s((out_lo, out_hi)),
            inc: s((in_lo, in_hi)),
            boundary_out: s((1, 4)),
            boundary_in: s((0, 2)),
            tag_out_pm: tag_pm,
            tag_in_pm: tag_pm + 150,
            planned: &plans[e].calls,
        };
        let own = own_clients(w, e);
        let calls = &mut w.calls;
        day_contacts(
            &mut rng,
            emp,
            mo,
            &ch,
            &plans[e],
            &own,
            |rng, day, contacts| {
                let slots = contacts
                    .into_iter()
                    .map(|(outgoing, client)| Slot {
                        outgoing,
                        duration: if outgoing {
                            outgoing_duration(rng, style)
                        } else {
                            incoming_duration(rng)
                        },
                        client,
                    })
                    .collect();
                schedule_calls(rng, e, day, slots, calls);
            },
        );
    }
}

fn email_time(rng: &mut Rng, day: NaiveDate) -> NaiveDateTime {
    let secs = if rng.chance(40) {
        rng.range(19 * 3600 + 30 * 60, 22 * 3600)
    } else {
        rng.range(8 * 3600 + 30 * 60, 19 * 3600 + 15 * 60)
    };
    at(day, secs)
}

fn gen_emails(
    k: usize,
    seed: u64,
    scale_pm: u64,
    emps: &[Employee],
    plans: &[ContactPlan],
    w: &mut World,
) {
    for (e, emp) in emps.iter().enumerate() {
        let mo = &emp.months[k];
        if mo.days.is_empty() {
            continue;
        }
        let mut rng = Rng::stream(seed, &format!("emails {}", mo.p.label(0)), e as u64);
        let (out, inc) = match emp.scheme {
            Scheme::B2b => ((8, 15), (4, 9)),
            Scheme::Transactional => ((3, 8), (2, 5)),
            Scheme::AccountManager => ((6, 14), (3, 8)),
        };
        let tag_pm = match emp.scheme {
            Scheme::AccountManager => 300,
            _ => 80,
        };
        // `--emails-scale`: the emails sent and received per day (the coverage plan's are
        // always sent).
        let s = |(lo, hi): (u64, u64)| (scaled(lo, scale_pm), scaled(hi, scale_pm));
        let ch = Channel {
            out: s(out),
            inc: s(inc),
            boundary_out: s((0, 2)),
            boundary_in: s((0, 2)),
            tag_out_pm: tag_pm,
            tag_in_pm: tag_pm + 200,
            planned: &plans[e].emails,
        };
        let own = own_clients(w, e);
        let emails = &mut w.emails;
        day_contacts(
            &mut rng,
            emp,
            mo,
            &ch,
            &plans[e],
            &own,
            |rng, day, contacts| {
                for (outgoing, client) in contacts {
                    emails.push(Email {
                        owner: e,
                        at: email_time(rng, day),
                        outgoing,
                        client,
                    });
                }
            },
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Meetings and NPS
// ---------------------------------------------------------------------------------------------

fn gen_meetings(
    k: usize,
    seed: u64,
    meetings_pm: u64,
    emps: &[Employee],
    plans: &[ContactPlan],
    w: &mut World,
) {
    for (e, emp) in emps.iter().enumerate() {
        let mo = &emp.months[k];
        if mo.days.is_empty() {
            continue;
        }
        let p = mo.p;
        let mut rng = Rng::stream(seed, &format!("meetings {}", p.label(0)), e as u64);
        let own_clients = own_clients(w, e);
        let (held, cancelled, no_show) = match emp.scheme {
            // Target: 8 meetings held in the month.
            Scheme::B2b => (
                (8 * mo.prorate(mo.att(&mut rng, 850, 1150)) + 500) / 1000,
                rng.range(1, 3),
                rng.range(0, 2),
            ),
            Scheme::Transactional => (rng.range(0, 2), rng.range(0, 1), 0),
            Scheme::AccountManager => (rng.range(2, 5), rng.range(1, 2), rng.range(0, 1)),
        };
        let client_for = |rng: &mut Rng, held: bool| -> Option<usize> {
            match emp.scheme {
                // Held AM meetings only with covered clients, so coverage stays as planned.
                Scheme::AccountManager => {
                    let list = if held {
                        &plans[e].covered
                    } else {
                        &plans[e].book
                    };
                    (!list.is_empty() && rng.chance(700)).then(|| rng.pick(list))
                }
                _ => (!own_clients.is_empty() && rng.chance(300)).then(|| rng.pick(&own_clients)),
            }
        };
        for (status, count) in [
            ("held", held),
            ("cancelled", cancelled),
            ("no_show", no_show),
        ] {
            for _ in 0..count {
                let day = rng.pick(&mo.days);
                let client = client_for(&mut rng, status == "held");
                w.add_meeting(&mut rng, e, day, status, client);
            }
        }
        // `--meetings-scale N` above 1: `(held + cancelled + no-show) × (N - 1)` more meetings
        // that did not take place (cancelled or no-show), on a stream of their own: no paid KPI
        // counts them, so the pay stays what it is without them.
        if meetings_pm > 1000 {
            let mut extra = Rng::stream(seed, &format!("extra meetings {}", p.label(0)), e as u64);
            for _ in 0..scaled(held + cancelled + no_show, meetings_pm - 1000) {
                let day = extra.pick(&mo.days);
                let status = extra.weighted(&[("cancelled", 65), ("no_show", 35)]);
                let client = client_for(&mut extra, false);
                w.add_meeting(&mut extra, e, day, status, client);
            }
        }
        // A stale "planned" meeting late in the month now and then.
        let late: Vec<NaiveDate> = mo.days.iter().copied().filter(|d| d.day() >= 26).collect();
        if !late.is_empty() && rng.chance(250) {
            let day = rng.pick(&late);
            let client = client_for(&mut rng, false);
            w.add_meeting(&mut rng, e, day, "planned", client);
        }
        // Just outside the export: held the month before the first, planned for the month
        // after the period.
        if k == 0 && !emp.prev_days.is_empty() && rng.chance(400) {
            let day = rng.pick(&emp.prev_days);
            let client = client_for(&mut rng, false);
            w.add_meeting(&mut rng, e, day, "held", client);
        }
        if mo.back == 0 && emp.left_on.is_none() {
            let next = workdays(p.next_start(), p.next_start() + Days::new(9));
            for _ in 0..rng.range(0, 2) {
                let day = rng.pick(&next);
                let client = client_for(&mut rng, false);
                w.add_meeting(&mut rng, e, day, "planned", client);
            }
        }
    }
}

fn gen_nps(k: usize, seed: u64, emps: &[Employee], w: &mut World) {
    for (e, emp) in emps.iter().enumerate() {
        let mo = &emp.months[k];
        if emp.scheme != Scheme::AccountManager || mo.days.is_empty() {
            continue;
        }
        let p = mo.p;
        let mut rng = Rng::stream(seed, &format!("nps {}", p.label(0)), e as u64);
        // Target NPS (per mille): -100 for the weakest form up to +800 for the strongest.
        let form = mo.form.clamp(620, 1320) as i64;
        let target = -100 + (form - 620) * 900 / 700 + rng.range(0, 100) as i64 - 50;
        let target = target.clamp(-150, 850);
        let n = rng.range(5, 25) as i64;
        let promoters = ((n * (800 + target) + 1000) / 2000).clamp(0, n);
        let detractors = ((n * (800 - target) + 1000) / 2000).clamp(0, n - promoters);
        let mut scores: Vec<u8> = Vec::new();
        for i in 0..n {
            let score = if i < promoters {
                rng.weighted(&[(9, 45), (10, 55)])
            } else if i < promoters + detractors {
                rng.weighted(&[(0, 3), (1, 2), (2, 3), (3, 5), (4, 8), (5, 12), (6, 15)])
            } else {
                rng.weighted(&[(7, 45), (8, 55)])
            };
            scores.push(score);
        }
        rng.shuffle(&mut scores);
        // Answers come in on any day the person is employed (clients answer at weekends too).
        let month: Vec<NaiveDate> = dates(p.start, p.end)
            .into_iter()
            .filter(|d| emp.employed(*d))
            .collect();
        for score in scores {
            w.responses.push(Response {
                owner: e,
                on: rng.pick(&month),
                score,
            });
        }
        // Responses just outside the export.
        let first = k == 0;
        let last = mo.back == 0;
        for _ in 0..rng.range(0, 2) {
            let on = if first && (!last || rng.chance(500)) {
                p.start - Days::new(rng.range(1, 5))
            } else if last {
                p.next_start() + Days::new(rng.range(0, 4))
            } else {
                continue;
            };
            w.responses.push(Response {
                owner: e,
                on,
                score: rng.range(3, 10) as u8,
            });
        }
    }
}
// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
enum Cell {
    Text(String),
    Str(&'static str),
    Int(i64),
    /// KZT cents.
    Money(u64),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Empty,
}

fn opt_text(s: Option<&String>) -> Cell {
    s.map_or(Cell::Empty, |s| Cell::Text(s.clone()))
}

fn opt_date(d: Option<NaiveDate>) -> Cell {
    d.map_or(Cell::Empty, Cell::Date)
}

fn money_text(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

struct Table {
    name: &'static str,
    headers: &'static [&'static str],
    widths: &'static [f64],
    rows: Vec<Vec<Cell>>,
}

fn direction(outgoing: bool) -> &'static str {
    if outgoing { "outgoing" } else { "incoming" }
}

/// `prefix` + zero-padded number, at least `min_width` digits (wider if there are more rows).
fn id_maker(prefix: &'static str, min_width: usize, count: usize) -> impl Fn(usize) -> String {
    let width = min_width.max(count.to_string().len());
    move |i| format!("{prefix}{:0width$}", i + 1)
}

/// Puts the records in the order their ids are given: deals in creation order, like a CRM
/// sequence, and the activity in time order. Afterwards `w.deals[i]` is deal `D{i+1}`,
/// `w.calls[i]` call `K{i+1}` and so on, for the tables and the CRM exports alike.
fn sort_canonical(w: &mut World) {
    w.deals.sort_by_key(|d| (d.created_on, d.owner));
    w.calls.sort_by_key(|c| (c.at, c.owner));
    w.emails.sort_by_key(|m| (m.at, m.owner));
    w.meetings.sort_by_key(|m| (m.at, m.owner));
    w.responses.sort_by_key(|r| (r.on, r.owner));
}

/// Clients get ids in order of `since`, so ids grow with the relationship's age: the clients in
/// id order, and each client's number (`C00253` is 253).
fn client_order(clients: &[Client]) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..clients.len()).collect();
    order.sort_by_key(|&c| (clients[c].since, clients[c].owner, c));
    let mut number = vec![0; clients.len()];
    for (k, &c) in order.iter().enumerate() {
        number[c] = k + 1;
    }
    (order, number)
}

/// The canonical tables of `w`, whose records are in canonical order ([`sort_canonical`]).
fn build_tables(emps: &[Employee], w: &World) -> Vec<Table> {
    let World {
        clients,
        deals,
        calls,
        emails,
        meetings,
        responses,
        ..
    } = w;
    let emp_id = |e: usize| Cell::Text(emps[e].id.clone());

    let (order, number) = client_order(clients);
    let make = id_maker("C", 5, clients.len());
    let client_ids: Vec<String> = number.iter().map(|&n| make(n - 1)).collect();
    let client_id = |c: Option<usize>| opt_text(c.map(|c| &client_ids[c]));

    let employees = Table {
        name: "employees",
        headers: &[
            "employee_id",
            "name",
            "scheme",
            "target_bonus",
            "team",
            "hired_on",
            "left_on",
        ],
        widths: &[12.0, 28.0, 17.0, 14.0, 10.0, 12.0, 12.0],
        rows: emps
            .iter()
            .enumerate()
            .map(|(e, x)| {
                vec![
                    emp_id(e),
                    Cell::Str(x.name),
                    Cell::Str(x.scheme.id()),
                    Cell::Money(x.target_bonus),
                    Cell::Str(x.team),
                    Cell::Date(x.hired_on),
                    opt_date(x.left_on),
                ]
            })
            .collect(),
    };

    let mut plan_rows = Vec::new();
    for (e, x) in emps.iter().enumerate() {
        for mo in &x.months {
            if let Some(target) = mo.plan {
                plan_rows.push(vec![
                    emp_id(e),
                    Cell::Text(mo.p.label(0)),
                    Cell::Str(x.scheme.plan_metric()),
                    Cell::Money(target),
                ]);
            }
        }
    }
    let plans = Table {
        name: "plans",
        headers: &["employee_id", "period", "metric", "target"],
        widths: &[12.0, 9.0, 9.0, 16.0],
        rows: plan_rows,
    };

    let make = id_maker("K", 6, calls.len());
    let calls = Table {
        name: "calls",
        headers: &[
            "call_id",
            "employee_id",
            "started_at",
            "direction",
            "duration_sec",
            "client_id",
        ],
        widths: &[10.0, 12.0, 20.0, 10.0, 13.0, 10.0],
        rows: calls
            .iter()
            .enumerate()
            .map(|(i, c)| {
                vec![
                    Cell::Text(make(i)),
                    emp_id(c.owner),
                    Cell::DateTime(c.at),
                    Cell::Str(direction(c.outgoing)),
                    Cell::Int(i64::from(c.duration)),
                    client_id(c.client),
                ]
            })
            .collect(),
    };

    let make = id_maker("M", 6, emails.len());
    let emails = Table {
        name: "emails",
        headers: &[
            "email_id",
            "employee_id",
            "sent_at",
            "direction",
            "client_id",
        ],
        widths: &[10.0, 12.0, 20.0, 10.0, 10.0],
        rows: emails
            .iter()
            .enumerate()
            .map(|(i, m)| {
                vec![
                    Cell::Text(make(i)),
                    emp_id(m.owner),
                    Cell::DateTime(m.at),
                    Cell::Str(direction(m.outgoing)),
                    client_id(m.client),
                ]
            })
            .collect(),
    };

    let make = id_maker("G", 5, meetings.len());
    let meetings = Table {
        name: "meetings",
        headers: &[
            "meeting_id",
            "employee_id",
            "starts_at",
            "status",
            "client_id",
        ],
        widths: &[11.0, 12.0, 20.0, 10.0, 10.0],
        rows: meetings
            .iter()
            .enumerate()
            .map(|(i, m)| {
                vec![
                    Cell::Text(make(i)),
                    emp_id(m.owner),
                    Cell::DateTime(m.at),
                    Cell::Str(m.status),
                    client_id(m.client),
                ]
            })
            .collect(),
    };

    let make = id_maker("D", 5, deals.len());
    let deals = Table {
        name: "deals",
        headers: &[
            "deal_id",
            "employee_id",
            "created_on",
            "closed_on",
            "status",
            "stage",
            "amount",
            "new_client",
            "lost_reason",
            "client_id",
        ],
        widths: &[9.0, 12.0, 12.0, 12.0, 8.0, 12.0, 15.0, 11.0, 12.0, 10.0],
        rows: deals
            .iter()
            .enumerate()
            .map(|(i, d)| {
                vec![
                    Cell::Text(make(i)),
                    emp_id(d.owner),
                    Cell::Date(d.created_on),
                    opt_date(d.closed_on),
                    Cell::Str(d.status),
                    Cell::Str(d.stage),
                    Cell::Money(d.amount),
                    Cell::Str(if d.new_client { "yes" } else { "no" }),
                    d.lost_reason.map_or(Cell::Empty, Cell::Str),
                    client_id(d.client),
                ]
            })
            .collect(),
    };

    let clients = Table {
        name: "clients",
        headers: &["client_id", "employee_id", "since", "churned_on"],
        widths: &[10.0, 12.0, 12.0, 12.0],
        rows: order
            .iter()
            .map(|&c| {
                let cl = &clients[c];
                vec![
                    Cell::Text(client_ids[c].clone()),
                    emp_id(cl.owner),
                    Cell::Date(cl.since),
                    opt_date(cl.churned_on),
                ]
            })
            .collect(),
    };

    let make = id_maker("N", 5, responses.len());
    let nps = Table {
        name: "nps",
        headers: &["response_id", "employee_id", "answered_on", "score"],
        widths: &[12.0, 12.0, 12.0, 7.0],
        rows: responses
            .iter()
            .enumerate()
            .map(|(i, r)| {
                vec![
                    Cell::Text(make(i)),
                    emp_id(r.owner),
                    Cell::Date(r.on),
                    Cell::Int(i64::from(r.score)),
                ]
            })
            .collect(),
    };

    vec![
        employees, plans, calls, emails, meetings, deals, clients, nps,
    ]
}

// ---------------------------------------------------------------------------------------------
// Writers
// ---------------------------------------------------------------------------------------------

/// A cell as the CSV files write it.
fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Str(s) => (*s).to_string(),
        Cell::Int(v) => v.to_string(),
        Cell::Money(c) => money_text(*c),
        Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        Cell::DateTime(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        Cell::Empty => String::new(),
    }
}

fn write_csv(dir: &Path, table: &Table) -> Res<()> {
    let path = dir.join(format!("{}.csv", table.name));
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_path(&path)?;
    out.write_record(table.headers)?;
    for row in &table.rows {
        for cell in row {
            out.write_field(cell_text(cell))?;
        }
        out.write_record(None::<&[u8]>)?;
    }
    out.flush()?;
    Ok(())
}

fn excel_date(d: NaiveDate) -> Res<ExcelDateTime> {
    Ok(ExcelDateTime::from_ymd(
        d.year() as u16,
        d.month() as u8,
        d.day() as u8,
    )?)
}

fn write_xlsx(path: &Path, creation: NaiveDate, title: &str, tables: &[Table]) -> Res<()> {
    let mut workbook = Workbook::new();
    let properties = DocProperties::new()
        .set_title(title)
        .set_author("generate_samples")
        .set_creation_datetime(&excel_date(creation)?);
    workbook.set_properties(&properties);
    let header = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let money = Format::new().set_num_format("#,##0.00");
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(table.name)?;
        for (col, (name, width)) in table.headers.iter().zip(table.widths).enumerate() {
            sheet.write_string_with_format(0, col as u16, *name, &header)?;
            sheet.set_column_width(col as u16, *width)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        for (r, row) in table.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (col, cell) in row.iter().enumerate() {
                let col = col as u16;
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(r, col, s)?;
                    }
                    Cell::Str(s) => {
                        sheet.write_string(r, col, *s)?;
                    }
                    Cell::Int(v) => {
                        sheet.write_number(r, col, *v as f64)?;
                    }
                    Cell::Money(c) => {
                        // Exact decimal text first, then the nearest f64, never float arithmetic.
                        let value: f64 = money_text(*c).parse()?;
                        sheet.write_number_with_format(r, col, value, &money)?;
                    }
                    Cell::Date(d) => {
                        sheet.write_datetime_with_format(r, col, excel_date(*d)?, &date)?;
                    }
                    Cell::DateTime(t) => {
                        let value = excel_date(t.date())?.and_hms(
                            t.hour() as u16,
                            t.minute() as u8,
                            t.second(),
                        )?;
                        sheet.write_datetime_with_format(r, col, value, &datetime)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
    }
    workbook.save(path)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// CRM exports: the same facts as Bitrix24 and amoCRM export them
// ---------------------------------------------------------------------------------------------

/// What the CRM exports are written from: the canonical records, in canonical order
/// ([`sort_canonical`]: `w.deals[i]` is deal `D{i+1}`, `w.calls[i]` call `K{i+1}`), and the
/// canonical tables. Every random choice of an export comes from its own streams, so the
/// canonical files do not change.
struct Facts<'a> {
    emps: &'a [Employee],
    w: &'a World,
    tables: &'a [Table],
    /// Each client's number: `C00253` is 253.
    client_no: Vec<usize>,
    seed: u64,
    /// When the export was taken: the end of the last day it holds (the second working day
    /// after the period).
    horizon: NaiveDateTime,
    /// When each deal was created: a working-hours time on its `created_on`, growing with the
    /// deal id as in a CRM.
    created_at: Vec<NaiveDateTime>,
}

impl Facts<'_> {
    fn new<'a>(emps: &'a [Employee], w: &'a World, tables: &'a [Table], seed: u64) -> Facts<'a> {
        let last = emps[0].months.last().expect("at least one month").p;
        let next = workdays(last.next_start(), last.next_start() + Days::new(10));
        Facts {
            emps,
            w,
            tables,
            client_no: client_order(&w.clients).1,
            seed,
            horizon: at(next[1], 86_399),
            created_at: creation_times(&w.deals, seed),
        }
    }

    fn rng(&self, name: &str, index: usize) -> Rng {
        Rng::stream(self.seed, name, index as u64)
    }

    fn table(&self, name: &str) -> &Table {
        self.tables
            .iter()
            .find(|t| t.name == name)
            .expect("a canonical table")
    }

    fn client(&self, c: Option<usize>) -> Option<usize> {
        c.map(|c| self.client_no[c])
    }
}

/// What one export wrote: rows per file, and how many of each trap it holds.
#[derive(Default)]
struct Written {
    files: Vec<(String, usize)>,
    traps: Vec<(String, usize)>,
}

impl Written {
    fn trap(&mut self, what: &str, n: usize) {
        self.traps.push((what.to_string(), n));
    }
}

/// Writes `name` in `dir`: UTF-8, comma, a header row, `\n`.
fn write_rows(
    dir: &Path,
    name: &str,
    headers: &[&str],
    rows: &[Vec<String>],
    written: &mut Written,
) -> Res<()> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_path(dir.join(name))?;
    out.write_record(headers)?;
    for row in rows {
        out.write_record(row)?;
    }
    out.flush()?;
    written.files.push((name.to_string(), rows.len()));
    Ok(())
}

/// The rows of a canonical table as text, those whose column `col` is one of `keep` (all when
/// `keep` is `None`), with `extra` cells appended to each.
fn table_rows(
    t: &Table,
    col: usize,
    keep: Option<&[&str]>,
    mut extra: impl FnMut(&[Cell]) -> Vec<String>,
) -> Vec<Vec<String>> {
    t.rows
        .iter()
        .filter(|r| keep.is_none_or(|k| k.contains(&cell_text(&r[col]).as_str())))
        .map(|r| {
            let mut out: Vec<String> = r.iter().map(cell_text).collect();
            out.extend(extra(r));
            out
        })
        .collect()
}

/// A canonical table written as it is (HR's plans, the survey tool's answers), or filtered to
/// some people by its column `col`.
fn copy_table(
    dir: &Path,
    f: &Facts,
    name: &str,
    col: usize,
    keep: Option<&[&str]>,
    written: &mut Written,
) -> Res<()> {
    let t = f.table(name);
    let rows = table_rows(t, col, keep, |_| Vec::new());
    write_rows(dir, &format!("{name}.csv"), t.headers, &rows, written)
}

/// HR's sheet (no CRM holds schemes or target bonuses): the canonical employees rows of `keep`
/// (everyone when `None`) with a last column `crm_user_id`, each person's user id in the CRM
/// (`uid`, by roster index).
fn write_hr(
    dir: &Path,
    f: &Facts,
    keep: Option<&[&str]>,
    uid: &[usize],
    written: &mut Written,
) -> Res<()> {
    let t = f.table("employees");
    let headers: Vec<&str> = t.headers.iter().copied().chain(["crm_user_id"]).collect();
    let rows = table_rows(t, 0, keep, |r| {
        let id = cell_text(&r[0]);
        let e = f.emps.iter().position(|x| x.id == id).expect("a roster id");
        vec![uid[e].to_string()]
    });
    write_rows(dir, "hr.csv", &headers, &rows, written)
}

fn dt_text(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The company's timezone: local times are UTC+05:00.
const UTC_OFFSET_SECS: i64 = 5 * 3600;

/// Unix seconds of a local time.
fn unix(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp() - UTC_OFFSET_SECS
}

fn phone(rng: &mut Rng) -> String {
    let operator = rng.pick(&["701", "702", "705", "707", "747", "771", "777"]);
    format!("+7{operator}{:07}", rng.below(10_000_000))
}

fn yes_no(b: bool) -> String {
    if b { "Y" } else { "N" }.to_string()
}

struct Pipeline {
    /// In-progress stages in pipeline order, each with the canonical stage it stands for.
    progress: &'static [(&'static str, &'static str)],
    won: &'static str,
    /// The lost stages, weighted.
    lost: &'static [(&'static str, u64)],
    /// Per mille of the open deals past the first stage that moved back one stage.
    back_pm: u64,
    /// Per mille of the deals closed on a later day than created that an automation closed
    /// before 05:00 (a payment confirmed overnight); 0: none. With it, every deal won on the
    /// first day of a month closes at night, where reading the time in UTC moves it to the
    /// month before.
    night_close_pm: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Created,
    Moved,
    Closed,
}

struct Move {
    at: NaiveDateTime,
    step: Step,
    stage: &'static str,
    /// Bitrix's stage semantics: P in progress, S won, F lost.
    semantic: &'static str,
}

/// One deal's life in a pipeline: created at the first stage, moved up one stage at a time to
/// its canonical stage (the furthest reached), now and then skipping one; an open deal may then
/// have moved back one stage; a closed one ends at won or lost.
struct Story {
    created_at: NaiveDateTime,
    closed_at: Option<NaiveDateTime>,
    moves: Vec<Move>,
    /// Where the deal stands now.
    current: &'static str,
    moved_back: bool,
    jumped: bool,
}

/// Deals are in creation order; within a day their times are too.
fn creation_times(deals: &[Deal], seed: u64) -> Vec<NaiveDateTime> {
    let mut rng = Rng::stream(seed, "crm deal times", 0);
    let mut secs: Vec<u64> = deals
        .iter()
        .map(|_| rng.range(9 * 3600, 17 * 3600))
        .collect();
    let mut start = 0;
    while start < deals.len() {
        let day = deals[start].created_on;
        let end = start + deals[start..].partition_point(|d| d.created_on == day);
        secs[start..end].sort_unstable();
        start = end;
    }
    deals
        .iter()
        .zip(secs)
        .map(|(d, s)| at(d.created_on, s))
        .collect()
}

fn story(
    rng: &mut Rng,
    pipe: &Pipeline,
    d: &Deal,
    created_at: NaiveDateTime,
    horizon: NaiveDateTime,
) -> Story {
    let closed_at = d.closed_on.map(|c| {
        let night = pipe.night_close_pm > 0
            && ((d.status == "won" && c.day() == 1) || rng.chance(pipe.night_close_pm));
        if c <= d.created_on {
            created_at + chrono::Duration::seconds(rng.range(1800, 4 * 3600) as i64)
        } else if night {
            at(c, rng.range(0, 5 * 3600 - 1))
        } else {
            at(c, rng.range(9 * 3600, 19 * 3600))
        }
    });
    let reached: Vec<usize> = (0..pipe.progress.len())
        .filter(|&i| pipe.progress[i].1 == d.stage)
        .collect();
    let mut path: Vec<usize> = (0..=rng.pick(&reached)).collect();
    let jumped = path.len() >= 3 && rng.chance(80);
    if jumped {
        path.remove(rng.range(1, path.len() as u64 - 2) as usize);
    }
    let moved_back = d.status == "open" && reached[0] > 0 && rng.chance(pipe.back_pm);
    if moved_back {
        path.push(reached[0] - 1);
    }
    // The moves at random moments between the creation and the close (or the export).
    let end = closed_at.unwrap_or(horizon);
    let span = (end - created_at).num_seconds().max(120) as u64;
    let mut offsets: Vec<u64> = (1..path.len()).map(|_| rng.range(1, span - 60)).collect();
    offsets.sort_unstable();
    for i in 1..offsets.len() {
        offsets[i] = offsets[i].max(offsets[i - 1] + 1);
    }
    let mut moves = vec![Move {
        at: created_at,
        step: Step::Created,
        stage: pipe.progress[0].0,
        semantic: "P",
    }];
    for (k, &s) in path.iter().enumerate().skip(1) {
        moves.push(Move {
            at: created_at + chrono::Duration::seconds(offsets[k - 1] as i64),
            step: Step::Moved,
            stage: pipe.progress[s].0,
            semantic: "P",
        });
    }
    if let Some(t) = closed_at {
        let (stage, semantic) = match d.status {
            "won" => (pipe.won, "S"),
            _ => (rng.weighted(pipe.lost), "F"),
        };
        moves.push(Move {
            at: t,
            step: Step::Closed,
            stage,
            semantic,
        });
    }
    let current = moves.last().expect("a created step").stage;
    Story {
        created_at,
        closed_at,
        moves,
        current,
        moved_back,
        jumped,
    }
}

/// `(id, value)` rows sorted by `(time, tie)` and numbered from `first_id`.
fn numbered<K: Ord>(mut rows: Vec<(K, Vec<String>)>, first_id: u64) -> Vec<Vec<String>> {
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows.into_iter()
        .enumerate()
        .map(|(i, (_, mut row))| {
            row.insert(0, (first_id + i as u64).to_string());
            row
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Bitrix24
// ---------------------------------------------------------------------------------------------

const BITRIX_DEFAULT: Pipeline = Pipeline {
    progress: &[
        ("NEW", "lead"),
        ("PREPARATION", "qualified"),
        ("PREPAYMENT_INVOICE", "negotiation"),
        ("EXECUTING", "proposal"),
        ("FINAL_INVOICE", "proposal"),
    ],
    won: "WON",
    lost: &[("LOSE", 70), ("APOLOGY", 30)],
    back_pm: 250,
    night_close_pm: 0,
};

const BITRIX_C2: Pipeline = Pipeline {
    progress: &[
        ("C2:NEW", "lead"),
        ("C2:UC_QUAL01", "qualified"),
        ("C2:UC_NEGO02", "negotiation"),
        ("C2:UC_OFFER3", "proposal"),
    ],
    won: "C2:WON",
    lost: &[("C2:LOSE", 1)],
    back_pm: 250,
    night_close_pm: 0,
};

/// `crm_status`: `(ENTITY_ID, STATUS_ID, NAME, SEMANTICS)` in SORT order per entity. Lead
/// statuses come first: `NEW` is a lead status as well as a deal stage.
const BITRIX_STATUSES: [(&str, &str, &str, &str); 19] = [
    ("STATUS", "NEW", "Не обработан", ""),
    ("STATUS", "IN_PROCESS", "В работе", ""),
    ("STATUS", "PROCESSED", "Обработан", ""),
    ("STATUS", "CONVERTED", "Качественный лид", "S"),
    ("STATUS", "JUNK", "Некачественный лид", "F"),
    ("DEAL_STAGE", "NEW", "Новая", ""),
    ("DEAL_STAGE", "PREPARATION", "Подготовка документов", ""),
    ("DEAL_STAGE", "PREPAYMENT_INVOICE", "Счёт на предоплату", ""),
    ("DEAL_STAGE", "EXECUTING", "В работе", ""),
    ("DEAL_STAGE", "FINAL_INVOICE", "Финальный счёт", ""),
    ("DEAL_STAGE", "WON", "Сделка успешна", "S"),
    ("DEAL_STAGE", "LOSE", "Сделка провалена", "F"),
    ("DEAL_STAGE", "APOLOGY", "Анализ причины провала", "F"),
    ("DEAL_STAGE_2", "C2:NEW", "Входящий запрос", ""),
    ("DEAL_STAGE_2", "C2:UC_QUAL01", "Квалификация", ""),
    ("DEAL_STAGE_2", "C2:UC_NEGO02", "Переговоры", ""),
    (
        "DEAL_STAGE_2",
        "C2:UC_OFFER3",
        "Коммерческое предложение",
        "",
    ),
    ("DEAL_STAGE_2", "C2:WON", "Оплачено", "S"),
    ("DEAL_STAGE_2", "C2:LOSE", "Отказ", "F"),
];

/// The custom deal field holding the loss reason, as list-item ids.
const BITRIX_UF_LOSS: &str = "UF_CRM_1712345678";
const BITRIX_UF_SOURCE: &str = "UF_CRM_1712349999";
const BITRIX_LOSS_IDS: [(&str, &str); 5] = [
    ("price", "45"),
    ("competitor", "46"),
    ("no_need", "47"),
    ("timing", "48"),
    ("silence", "49"),
];

/// The portal administrator: a Bitrix user who is not on the HR sheet.
const BITRIX_ADMIN: usize = 1;

fn bitrix_department(team: &str) -> usize {
    match team {
        "Almaty" => 3,
        "Astana" => 5,
        _ => 7,
    }
}

/// The pipeline of an owner's deals: Almaty sells in the default one, the other teams in
/// pipeline 2.
fn bitrix_pipeline(team: &str) -> (usize, &'static Pipeline) {
    match team {
        "Almaty" => (0, &BITRIX_DEFAULT),
        _ => (2, &BITRIX_C2),
    }
}

/// Bitrix's `(OWNER_TYPE_ID, OWNER_ID)` of a contact with a client (a company) or without one
/// (some contact person).
fn bitrix_owner(rng: &mut Rng, client: Option<usize>) -> (String, String) {
    match client {
        Some(n) => ("4".into(), n.to_string()),
        None => ("3".into(), rng.range(1, 4000).to_string()),
    }
}

fn company_title(rng: &mut Rng, n: usize) -> String {
    let a = rng.pick(&[
        "Алтын",
        "Дала",
        "Кен",
        "Самрук",
        "Жол",
        "Тау",
        "Нур",
        "Береке",
        "Astyq",
        "Steppe",
    ]);
    let b = rng.pick(&[
        "Трейд",
        "Строй",
        "Логистик",
        "Агро",
        "Сервис",
        "Group",
        "Invest",
        "Пром",
    ]);
    let form = rng.pick(&["ТОО", "ТОО", "ТОО", "АО", "ИП"]);
    format!("{form} \"{a} {b}\" ({n})")
}

/// Writes the Bitrix24 export of the facts into `dir` (see samples/README.md for the files).
fn write_bitrix24(dir: &Path, f: &Facts) -> Res<Written> {
    fs::create_dir_all(dir)?;
    let mut written = Written::default();
    let emps = f.emps;

    // Users: ids not in roster order; the admin and two more non-sales users.
    let mut rng = f.rng("bitrix users", 0);
    // (ids up to 60 for the 30-person roster; twice the people for a department, --employees)
    let top = if emps.len() <= 30 {
        60
    } else {
        2 * emps.len() + 2
    };
    let mut pool: Vec<usize> = (2..=top).collect();
    rng.shuffle(&mut pool);
    let uid: Vec<usize> = pool[..emps.len()].to_vec();
    let mut users = vec![vec![
        BITRIX_ADMIN.to_string(),
        "Администратор".into(),
        "Портала".into(),
        "Y".into(),
        "1".into(),
    ]];
    for (k, (name, last)) in [("Гульмира", "Бухгалтер"), ("Marketing", "Team")]
        .into_iter()
        .enumerate()
    {
        users.push(vec![
            pool[emps.len() + k].to_string(),
            name.into(),
            last.into(),
            "Y".into(),
            "1".into(),
        ]);
    }
    for (e, emp) in emps.iter().enumerate() {
        let (first, last) = emp.name.split_once(' ').unwrap_or((emp.name, ""));
        users.push(vec![
            uid[e].to_string(),
            first.into(),
            last.into(),
            yes_no(emp.left_on.is_none()),
            bitrix_department(emp.team).to_string(),
        ]);
    }
    users.sort_by_key(|r| r[0].parse::<usize>().expect("a number"));
    write_rows(
        dir,
        "user.csv",
        &["ID", "NAME", "LAST_NAME", "ACTIVE", "UF_DEPARTMENT"],
        &users,
        &mut written,
    )?;
    written.trap("user.csv: users not on the HR sheet", 3);

    write_hr(dir, f, None, &uid, &mut written)?;
    copy_table(dir, f, "plans", 0, None, &mut written)?;
    copy_table(dir, f, "nps", 1, None, &mut written)?;

    bitrix_deals(dir, f, &uid, &mut written)?;
    bitrix_activity(dir, f, &uid, &mut written)?;
    bitrix_telephony(dir, f, &uid, &mut written)?;

    // Companies: the owner as Bitrix BI writes people, the churn date as DD.MM.YYYY.
    let (order, _) = client_order(&f.w.clients);
    let mut rng = f.rng("bitrix companies", 0);
    let companies: Vec<Vec<String>> = order
        .iter()
        .map(|&c| {
            let cl = &f.w.clients[c];
            let n = f.client_no[c];
            let emp = &emps[cl.owner];
            let created = if rng.chance(700) {
                at(cl.since, 0)
            } else {
                at(cl.since, rng.range(9 * 3600, 18 * 3600))
            };
            vec![
                n.to_string(),
                company_title(&mut rng, n),
                format!("[{}] {}", uid[cl.owner], emp.name),
                dt_text(created),
                cl.churned_on
                    .map_or(String::new(), |d| d.format("%d.%m.%Y").to_string()),
            ]
        })
        .collect();
    write_rows(
        dir,
        "crm_company.csv",
        &[
            "ID",
            "TITLE",
            "ASSIGNED_BY",
            "DATE_CREATE",
            "UF_CRM_CHURNED_ON",
        ],
        &companies,
        &mut written,
    )?;

    let statuses: Vec<Vec<String>> = BITRIX_STATUSES
        .iter()
        .enumerate()
        .map(|(i, (entity, id, name, semantics))| {
            let sort = 10
                * (1 + BITRIX_STATUSES[..i]
                    .iter()
                    .filter(|s| s.0 == *entity)
                    .count());
            vec![
                (i + 1).to_string(),
                entity.to_string(),
                id.to_string(),
                name.to_string(),
                sort.to_string(),
                semantics.to_string(),
            ]
        })
        .collect();
    write_rows(
        dir,
        "crm_status.csv",
        &["ID", "ENTITY_ID", "STATUS_ID", "NAME", "SORT", "SEMANTICS"],
        &statuses,
        &mut written,
    )?;
    written.trap("crm_status.csv: lead statuses (ENTITY_ID STATUS)", 5);
    Ok(written)
}

/// `crm_deal`, `crm_deal_uf` and `crm_deal_stage_history`.
fn bitrix_deals(dir: &Path, f: &Facts, uid: &[usize], written: &mut Written) -> Res<()> {
    let mut deals = Vec::new();
    let mut ufs = Vec::new();
    let mut history = Vec::new();
    let (mut back, mut jumped, mut expected, mut final_invoice) = (0, 0, 0, 0);
    let mut add = |rng: &mut Rng,
                   id: usize,
                   owner_uid: usize,
                   (category, pipe): (usize, &Pipeline),
                   d: &Deal,
                   created_at: NaiveDateTime,
                   title: String| {
        let s = story(rng, pipe, d, created_at, f.horizon);
        back += usize::from(s.moved_back);
        jumped += usize::from(s.jumped);
        final_invoice += usize::from(s.moves.iter().any(|m| m.stage == "FINAL_INVOICE"));
        let closedate = match d.closed_on {
            Some(c) => c,
            None => {
                expected += usize::from(owner_uid != BITRIX_ADMIN);
                f.horizon.date() + Days::new(rng.range(3, 90))
            }
        };
        let semantic = match d.status {
            "won" => "S",
            "lost" => "F",
            _ => "P",
        };
        deals.push(vec![
            id.to_string(),
            title,
            dt_text(s.created_at),
            owner_uid.to_string(),
            s.current.to_string(),
            semantic.to_string(),
            money_text(d.amount),
            "KZT".into(),
            yes_no(d.closed_on.is_some()),
            closedate.format("%Y-%m-%d").to_string(),
            category.to_string(),
            f.client(d.client).map_or(String::new(), |n| n.to_string()),
            if rng.chance(700) {
                rng.range(1, 4000).to_string()
            } else {
                String::new()
            },
            yes_no(!d.new_client),
        ]);
        let loss = d.lost_reason.map_or("", |r| {
            BITRIX_LOSS_IDS
                .iter()
                .find(|x| x.0 == r)
                .expect("a known loss reason")
                .1
        });
        let source = rng.pick(&[
            "Сайт",
            "Звонок",
            "Рекомендация",
            "Выставка",
            "",
            "Instagram",
        ]);
        ufs.push(vec![id.to_string(), loss.to_string(), source.to_string()]);
        for (k, m) in s.moves.iter().enumerate() {
            let type_id = match m.step {
                Step::Created => "1",
                Step::Moved => "2",
                Step::Closed => "3",
            };
            history.push((
                (m.at, id, k),
                vec![
                    type_id.to_string(),
                    id.to_string(),
                    dt_text(m.at),
                    category.to_string(),
                    m.semantic.to_string(),
                    m.stage.to_string(),
                ],
            ));
        }
    };
    for (i, d) in f.w.deals.iter().enumerate() {
        let mut rng = f.rng("bitrix deals", i);
        let pipeline = bitrix_pipeline(f.emps[d.owner].team);
        let title = format!("Сделка #{}", i + 1);
        add(
            &mut rng,
            i + 1,
            uid[d.owner],
            pipeline,
            d,
            f.created_at[i],
            title,
        );
    }
    // The admin's test deals on the export's last day: not on the HR sheet, so no one's pay.
    let mut rng = f.rng("bitrix admin deals", 0);
    let n_admin = rng.range(3, 5) as usize;
    let created_on = f.horizon.date();
    for k in 0..n_admin {
        let status = ["won", "lost", "open", "won", "open"][k];
        let d = Deal {
            owner: 0,
            created_on,
            closed_on: (status != "open").then_some(created_on),
            status,
            stage: if status == "open" { "lead" } else { "proposal" },
            amount: rng.range(1, 50) * 10_000 * 100,
            new_client: true,
            lost_reason: (status == "lost").then_some("price"),
            client: None,
        };
        let id = f.w.deals.len() + 1 + k;
        let title = format!("Тестовая сделка {}", k + 1);
        let created_at = at(created_on, 18 * 3600 + 600 * k as u64);
        add(
            &mut rng,
            id,
            BITRIX_ADMIN,
            (0, &BITRIX_DEFAULT),
            &d,
            created_at,
            title,
        );
    }
    write_rows(
        dir,
        "crm_deal.csv",
        &[
            "ID",
            "TITLE",
            "DATE_CREATE",
            "ASSIGNED_BY_ID",
            "STAGE_ID",
            "STAGE_SEMANTIC_ID",
            "OPPORTUNITY",
            "CURRENCY_ID",
            "CLOSED",
            "CLOSEDATE",
            "CATEGORY_ID",
            "COMPANY_ID",
            "CONTACT_ID",
            "IS_RETURN_CUSTOMER",
        ],
        &deals,
        written,
    )?;
    write_rows(
        dir,
        "crm_deal_uf.csv",
        &["DEAL_ID", BITRIX_UF_LOSS, BITRIX_UF_SOURCE],
        &ufs,
        written,
    )?;
    let history = numbered(history, 1);
    write_rows(
        dir,
        "crm_deal_stage_history.csv",
        &[
            "ID",
            "TYPE_ID",
            "OWNER_ID",
            "CREATED_TIME",
            "CATEGORY_ID",
            "STAGE_SEMANTIC_ID",
            "STAGE_ID",
        ],
        &history,
        written,
    )?;
    written.trap(
        "crm_deal.csv: deals of the portal admin (ID 1, not on the HR sheet)",
        n_admin,
    );
    written.trap(
        "crm_deal.csv: open deals (on the HR sheet) with an expected CLOSEDATE",
        expected,
    );
    written.trap("crm_deal.csv: open deals that moved back a stage", back);
    written.trap(
        "crm_deal_stage_history.csv: deals that skipped a stage",
        jumped,
    );
    written.trap(
        "crm_deal_stage_history.csv: deals that reached FINAL_INVOICE",
        final_invoice,
    );
    Ok(())
}

/// `crm_activity`: emails, meetings, call activities duplicating telephony, to-dos.
fn bitrix_activity(dir: &Path, f: &Facts, uid: &[usize], written: &mut Written) -> Res<()> {
    let mut rows = Vec::new();
    let mut push = |at: NaiveDateTime,
                    kind: u8,
                    index: usize,
                    type_id: &str,
                    direction: &str,
                    end: NaiveDateTime,
                    owner: usize,
                    completed: bool,
                    (owner_type, owner_id): (String, String),
                    subject: &str| {
        rows.push((
            (at, kind, index),
            vec![
                type_id.to_string(),
                direction.to_string(),
                dt_text(at),
                dt_text(end),
                owner.to_string(),
                yes_no(completed),
                owner_type,
                owner_id,
                subject.to_string(),
            ],
        ));
    };
    for (i, m) in f.w.emails.iter().enumerate() {
        let mut rng = f.rng("bitrix emails", i);
        let subject = if m.outgoing {
            rng.pick(&[
                "Коммерческое предложение",
                "Счёт на оплату",
                "Договор",
                "Follow-up",
            ])
        } else {
            rng.pick(&["Re: Коммерческое предложение", "Запрос цены", "Re: Договор"])
        };
        let owner = bitrix_owner(&mut rng, f.client(m.client));
        let direction = if m.outgoing { "2" } else { "1" };
        push(
            m.at,
            0,
            i,
            "4",
            direction,
            m.at,
            uid[m.owner],
            true,
            owner,
            subject,
        );
    }
    for (i, m) in f.w.meetings.iter().enumerate() {
        let mut rng = f.rng("bitrix meetings", i);
        let owner = bitrix_owner(&mut rng, f.client(m.client));
        let end = m.at + chrono::Duration::hours(1);
        let held = m.status == "held";
        push(
            m.at,
            1,
            i,
            "1",
            "0",
            end,
            uid[m.owner],
            held,
            owner,
            "Встреча с клиентом",
        );
    }
    let mut dup = 0;
    for (i, c) in f.w.calls.iter().enumerate() {
        let mut rng = f.rng("bitrix call activities", i);
        if !rng.chance(250) {
            continue;
        }
        dup += 1;
        let owner = bitrix_owner(&mut rng, f.client(c.client));
        let end = c.at + chrono::Duration::seconds(i64::from(c.duration));
        let (direction, subject) = if c.outgoing {
            ("2", "Исходящий звонок")
        } else {
            ("1", "Входящий звонок")
        };
        push(
            c.at,
            2,
            i,
            "2",
            direction,
            end,
            uid[c.owner],
            true,
            owner,
            subject,
        );
    }
    let mut todos = 0;
    for (i, d) in f.w.deals.iter().enumerate() {
        let mut rng = f.rng("bitrix to-dos", i);
        if !rng.chance(300) {
            continue;
        }
        let day = d.created_on + Days::new(rng.range(0, 5));
        let start = at(day, rng.range(9 * 3600, 18 * 3600));
        if start > f.horizon {
            continue;
        }
        todos += 1;
        let done = d.closed_on.is_some() || rng.chance(500);
        let subject = rng.pick(&["Перезвонить клиенту", "Подготовить КП", "Отправить договор"]);
        let owner = ("2".to_string(), (i + 1).to_string());
        let end = start + chrono::Duration::minutes(30);
        push(
            start,
            3,
            i,
            "6",
            "0",
            end,
            uid[d.owner],
            done,
            owner,
            subject,
        );
    }
    let rows = numbered(rows, 1);
    write_rows(
        dir,
        "crm_activity.csv",
        &[
            "ID",
            "TYPE_ID",
            "DIRECTION",
            "START_TIME",
            "END_TIME",
            "RESPONSIBLE_ID",
            "COMPLETED",
            "OWNER_TYPE_ID",
            "OWNER_ID",
            "SUBJECT",
        ],
        &rows,
        written,
    )?;
    written.trap(
        "crm_activity.csv: call activities (TYPE_ID 2) duplicating telephony",
        dup,
    );
    written.trap("crm_activity.csv: to-dos (TYPE_ID 6)", todos);
    Ok(())
}

/// `voximplant_statistic`: every canonical call, plus failed attempts that are no conversation.
fn bitrix_telephony(dir: &Path, f: &Facts, uid: &[usize], written: &mut Written) -> Res<()> {
    let lines = ["+77272501010", "+77172502020", "+77252503030"];
    let mut rows = Vec::new();
    let mut ids = BTreeSet::new();
    let mut failed = BTreeMap::new();
    for (i, c) in f.w.calls.iter().enumerate() {
        let mut rng = f.rng("bitrix telephony", i);
        let emp = &f.emps[c.owner];
        let line = lines[bitrix_department(emp.team) / 2 - 1];
        let number = phone(&mut rng);
        let (entity, entity_id) = match f.client(c.client) {
            Some(n) => ("COMPANY", n.to_string()),
            None => match rng.below(100) {
                0..60 => ("CONTACT", rng.range(1, 4000).to_string()),
                60..75 => ("LEAD", rng.range(1, 9000).to_string()),
                _ => ("", String::new()),
            },
        };
        let mut call =
            |rng: &mut Rng, at: NaiveDateTime, call_type: &str, secs: u32, code: &str| {
                let mut id;
                loop {
                    id = format!("externalCall.{:08x}.{}", rng.below(1 << 32), unix(at));
                    if ids.insert(id.clone()) {
                        break;
                    }
                }
                rows.push((
                    (at, i, code != "200"),
                    vec![
                        id,
                        uid[c.owner].to_string(),
                        line.to_string(),
                        number.clone(),
                        call_type.to_string(),
                        secs.to_string(),
                        format!("{}+05:00", at.format("%Y-%m-%dT%H:%M:%S")),
                        code.to_string(),
                        entity.to_string(),
                        entity_id.clone(),
                    ],
                ));
            };
        let call_type = match (c.outgoing, rng.chance(120)) {
            (true, false) => "1",
            (true, true) => "4",
            (false, false) => "2",
            (false, true) => "3",
        };
        call(&mut rng, c.at, call_type, c.duration, "200");
        // Now and then a failed attempt shortly before: missed when incoming, else busy,
        // declined or unavailable.
        if rng.chance(70) {
            let before = c.at - chrono::Duration::seconds(rng.range(60, 900) as i64);
            let (call_type, code) = if rng.chance(400) {
                ("2", "304")
            } else {
                ("1", rng.pick(&["486", "603", "480"]))
            };
            *failed.entry(code).or_insert(0) += 1;
            call(&mut rng, before, call_type, 0, code);
        }
    }
    rows.sort_by_key(|r| r.0);
    let rows: Vec<Vec<String>> = rows.into_iter().map(|(_, r)| r).collect();
    write_rows(
        dir,
        "voximplant_statistic.csv",
        &[
            "CALL_ID",
            "PORTAL_USER_ID",
            "PORTAL_NUMBER",
            "PHONE_NUMBER",
            "CALL_TYPE",
            "CALL_DURATION",
            "CALL_START_DATE",
            "CALL_FAILED_CODE",
            "CRM_ENTITY_TYPE",
            "CRM_ENTITY_ID",
        ],
        &rows,
        written,
    )?;
    for (code, n) in failed {
        written.trap(
            &format!("voximplant_statistic.csv: failed calls, CALL_FAILED_CODE {code}"),
            n,
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// amoCRM
// ---------------------------------------------------------------------------------------------

/// The small company of the amoCRM export: two of the transactional scheme's people (a weak
/// seller and the joiner), so that the export stays small.
const AMO_PEOPLE: [&str; 2] = ["E112", "E130"];

const AMO_PIPELINE_ID: &str = "7000001";

const AMO_PIPELINE: Pipeline = Pipeline {
    progress: &[
        ("61000001", "lead"),
        ("61000002", "qualified"),
        ("61000003", "negotiation"),
        ("61000004", "proposal"),
    ],
    won: "142",
    lost: &[("143", 1)],
    back_pm: 600,
    night_close_pm: 100,
};

const AMO_LOSS_REASONS: [(&str, &str); 5] = [
    ("5001", "price"),
    ("5002", "competitor"),
    ("5003", "no_need"),
    ("5004", "timing"),
    ("5005", "silence"),
];

/// amo lead ids: canonical `D00042` is lead 24000042.
const AMO_LEAD_BASE: usize = 24_000_000;

/// A price as amo writes it: no trailing zeros (`5734000`, `5581435.5`).
fn amo_price(cents: u64) -> String {
    let text = money_text(cents);
    let text = text.trim_end_matches('0');
    text.trim_end_matches('.').to_string()
}

/// Writes the amoCRM export of the small company's facts into `dir`, and its canonical tables
/// into `canonical` (see samples/README.md).
fn write_amocrm(dir: &Path, canonical: &Path, f: &Facts) -> Res<(Written, Written)> {
    fs::create_dir_all(dir)?;
    fs::create_dir_all(canonical)?;
    let mut written = Written::default();
    let people: Vec<usize> = AMO_PEOPLE
        .iter()
        .map(|id| {
            f.emps
                .iter()
                .position(|e| e.id == *id)
                .expect("a roster id")
        })
        .collect();
    let mut rng = f.rng("amo users", 0);
    let mut uid = vec![0; f.emps.len()];
    let admin = rng.range(8_000_000, 8_099_999) as usize;
    for &e in &people {
        uid[e] = rng.range(8_100_000, 8_999_999) as usize;
    }

    write_hr(dir, f, Some(&AMO_PEOPLE), &uid, &mut written)?;
    copy_table(dir, f, "plans", 0, Some(&AMO_PEOPLE), &mut written)?;

    let mut users = vec![vec![
        admin.to_string(),
        "Администратор".to_string(),
        "admin@tradeline.kz".to_string(),
    ]];
    for (k, &e) in people.iter().enumerate() {
        users.push(vec![
            uid[e].to_string(),
            f.emps[e].name.to_string(),
            format!("sales{}@tradeline.kz", k + 1),
        ]);
    }
    write_rows(
        dir,
        "users.csv",
        &["id", "name", "email"],
        &users,
        &mut written,
    )?;
    written.trap("users.csv: users not on the HR sheet", 1);
    let reasons: Vec<Vec<String>> = AMO_LOSS_REASONS
        .iter()
        .map(|(id, name)| vec![id.to_string(), name.to_string()])
        .collect();
    write_rows(
        dir,
        "loss_reasons.csv",
        &["id", "name"],
        &reasons,
        &mut written,
    )?;

    amo_leads(dir, f, &people, &uid, admin, &mut written)?;
    amo_calls(dir, f, &uid, &mut written)?;

    let mut canon = Written::default();
    copy_table(canonical, f, "employees", 0, Some(&AMO_PEOPLE), &mut canon)?;
    copy_table(canonical, f, "plans", 0, Some(&AMO_PEOPLE), &mut canon)?;
    copy_table(canonical, f, "deals", 1, Some(&AMO_PEOPLE), &mut canon)?;
    copy_table(canonical, f, "calls", 1, Some(&AMO_PEOPLE), &mut canon)?;
    Ok((written, canon))
}

/// `leads` and their `events`.
fn amo_leads(
    dir: &Path,
    f: &Facts,
    people: &[usize],
    uid: &[usize],
    admin: usize,
    written: &mut Written,
) -> Res<()> {
    let mut leads = Vec::new();
    let mut events = Vec::new();
    let (mut back, mut jumped, mut reassigned, mut added, mut night) = (0, 0, 0, 0, 0);
    let mut add = |rng: &mut Rng,
                   id: usize,
                   owner: usize,
                   d: &Deal,
                   created_at: NaiveDateTime,
                   name: String| {
        let s = story(rng, &AMO_PIPELINE, d, created_at, f.horizon);
        back += usize::from(s.moved_back);
        jumped += usize::from(s.jumped);
        let mut event = |at: NaiveDateTime, k: usize, kind: &str, before: String, after: String| {
            events.push((
                (at, id, k),
                vec![
                    kind.to_string(),
                    "lead".to_string(),
                    id.to_string(),
                    unix(at).to_string(),
                    before,
                    after,
                ],
            ));
        };
        event(s.created_at, 0, "lead_added", String::new(), String::new());
        added += 1;
        let mut updated = s.created_at;
        if rng.chance(100) && s.moves.len() > 1 {
            // Created by the admin, handed to the seller before the first move.
            let t = s.created_at + (s.moves[1].at - s.created_at) / 2;
            event(
                t,
                1,
                "entity_responsible_changed",
                admin.to_string(),
                owner.to_string(),
            );
            reassigned += 1;
        }
        for (k, pair) in s.moves.windows(2).enumerate() {
            let (from, to) = (pair[0].stage, pair[1].stage);
            event(
                pair[1].at,
                k + 2,
                "lead_status_changed",
                from.into(),
                to.into(),
            );
            updated = pair[1].at;
        }
        let loss = d.lost_reason.map_or("", |r| {
            AMO_LOSS_REASONS
                .iter()
                .find(|x| x.1 == r)
                .expect("a known loss reason")
                .0
        });
        leads.push((
            id,
            vec![
                id.to_string(),
                name,
                amo_price(d.amount),
                owner.to_string(),
                s.current.to_string(),
                AMO_PIPELINE_ID.to_string(),
                loss.to_string(),
                unix(s.created_at).to_string(),
                s.closed_at.map_or(String::new(), |t| unix(t).to_string()),
                unix(updated).to_string(),
            ],
        ));
    };
    for (i, d) in f.w.deals.iter().enumerate() {
        if !people.contains(&d.owner) {
            continue;
        }
        let mut rng = f.rng("amo leads", i);
        let id = AMO_LEAD_BASE + i + 1;
        let name = format!("Заявка #{}", i + 1);
        // Web-form leads arrive at night too: their UTC date is the day before.
        let created_at = if rng.chance(150) {
            night += 1;
            at(d.created_on, rng.range(0, 5 * 3600 - 1))
        } else {
            f.created_at[i]
        };
        add(&mut rng, id, uid[d.owner], d, created_at, name);
    }
    // Two of the admin's own leads on the export's last day: not on the HR sheet.
    let mut rng = f.rng("amo admin leads", 0);
    let day = f.horizon.date();
    for (k, status) in ["won", "open"].into_iter().enumerate() {
        let d = Deal {
            owner: 0,
            created_on: day,
            closed_on: (status == "won").then_some(day),
            status,
            stage: "qualified",
            amount: rng.range(5, 30) * 10_000 * 100,
            new_client: true,
            lost_reason: None,
            client: None,
        };
        let id = AMO_LEAD_BASE + f.w.deals.len() + 1 + k;
        let created_at = at(day, 18 * 3600 + 900 * k as u64);
        add(
            &mut rng,
            id,
            admin,
            &d,
            created_at,
            format!("Тест {}", k + 1),
        );
    }
    leads.sort_by_key(|l| l.0);
    let leads: Vec<Vec<String>> = leads.into_iter().map(|l| l.1).collect();
    write_rows(
        dir,
        "leads.csv",
        &[
            "id",
            "name",
            "price",
            "responsible_user_id",
            "status_id",
            "pipeline_id",
            "loss_reason_id",
            "created_at",
            "closed_at",
            "updated_at",
        ],
        &leads,
        written,
    )?;
    let events = numbered(events, 310_000_001);
    write_rows(
        dir,
        "events.csv",
        &[
            "id",
            "type",
            "entity_type",
            "entity_id",
            "created_at",
            "value_before",
            "value_after",
        ],
        &events,
        written,
    )?;
    written.trap("leads.csv: leads of the admin (not on the HR sheet)", 2);
    written.trap("leads.csv: open leads that moved back a status", back);
    written.trap("leads.csv: leads created before 05:00 local time", night);
    let night_closes = leads.iter().filter(|l| {
        l[8].parse::<i64>()
            .is_ok_and(|t| (t + UTC_OFFSET_SECS).rem_euclid(86_400) < 5 * 3600)
    });
    written.trap(
        "leads.csv: leads closed before 05:00 local time",
        night_closes.count(),
    );
    written.trap("events.csv: leads that skipped a status", jumped);
    written.trap("events.csv: lead_added events", added);
    written.trap("events.csv: entity_responsible_changed events", reassigned);
    Ok(())
}

/// `calls`: call notes; status 4 (a conversation) for every canonical call, other statuses for
/// attempts that are not.
fn amo_calls(dir: &Path, f: &Facts, uid: &[usize], written: &mut Written) -> Res<()> {
    let mut rows = Vec::new();
    let mut failed = 0;
    for (i, c) in f.w.calls.iter().enumerate() {
        if uid[c.owner] == 0 {
            continue;
        }
        let mut rng = f.rng("amo calls", i);
        let (entity, entity_id) = match f.client(c.client) {
            Some(n) => ("company", n.to_string()),
            None => ("contact", rng.range(30_000_000, 30_099_999).to_string()),
        };
        let number = phone(&mut rng);
        let mut note = |at: NaiveDateTime, outgoing: bool, secs: u32, status: &str, tie: bool| {
            rows.push((
                (at, i, tie),
                vec![
                    entity.to_string(),
                    entity_id.clone(),
                    if outgoing { "call_out" } else { "call_in" }.to_string(),
                    uid[c.owner].to_string(),
                    at.format("%d.%m.%Y %H:%M:%S").to_string(),
                    secs.to_string(),
                    status.to_string(),
                    number.clone(),
                ],
            ));
        };
        note(c.at, c.outgoing, c.duration, "4", false);
        if rng.chance(80) {
            let before = c.at - chrono::Duration::seconds(rng.range(60, 900) as i64);
            let status = rng.pick(&["1", "2", "3", "5", "6", "7"]);
            note(before, rng.chance(800), 0, status, true);
            failed += 1;
        }
    }
    let rows = numbered(rows, 510_000_001);
    write_rows(
        dir,
        "calls.csv",
        &[
            "id",
            "entity_type",
            "entity_id",
            "note_type",
            "created_by",
            "created_at",
            "duration",
            "call_status",
            "phone",
        ],
        &rows,
        written,
    )?;
    written.trap(
        "calls.csv: call notes that are no conversation (status 1-3, 5-7)",
        failed,
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The month-end close sample (`--close`)
// ---------------------------------------------------------------------------------------------

/// The people of the close sample kept from [`ROSTER`], by number (`E101` is 0): two of each
/// scheme and a third account manager. Fewer people keep the sample small; the joiner and the
/// leaver are left out, so the only new hires are [`CLOSE_HIRES`].
const CLOSE_KEEP: [usize; 7] = [1, 2, 3, 10, 14, 15, 17];

/// The close sample's new hires, all in the month before the period (`E131`, `E132`, `E133`),
/// each with a guarantee of their scheme: a transactional hire who does well in the period (part
/// of the first month's top-up is recovered), one who ramps slowly (a top-up in both months), and
/// a b2b hire (a top-up in the first month that is never recovered).
#[rustfmt::skip]
const CLOSE_HIRES: [Hire; 3] = [
    Hire {
        kind: Kind::Hired { day: 5, ramp: [20, 760] },
        ..hire("Ainur Sadykova", TR, "Almaty", kzt(270_000, 0), 0, 0)
    },
    Hire {
        kind: Kind::Hired { day: 19, ramp: [350, 450] },
        ..hire("Тимур Жаксылыков", TR, "Shymkent", kzt(255_000, 0), 0, 0)
    },
    Hire {
        kind: Kind::Hired { day: 12, ramp: [300, 1000] },
        ..hire("Galym Ospanov", B2b, "Almaty", kzt(430_000, 0), 0, 0)
    },
];

fn close_roster() -> Vec<(usize, &'static Hire)> {
    CLOSE_KEEP
        .iter()
        .map(|&i| (i, &ROSTER[i]))
        .chain(
            CLOSE_HIRES
                .iter()
                .enumerate()
                .map(|(k, h)| (ROSTER.len() + k, h)),
        )
        .collect()
}

/// The cap on the bonus, as a share of target bonus, of every close-sample scheme. The preset
/// curves pay each KPI at most 130% and the weights make 100%, so a cap must be below 130% to
/// ever cut anything.
const CLOSE_MAX_TOTAL: &str = "120%";

/// The presets the close sample's schemes are copied from, with the keys added at scheme level.
const CLOSE_SCHEMES: [(&str, &str, &str); 3] = [
    (
        "b2b-long-cycle.yaml",
        include_str!("../schemes/b2b-long-cycle.yaml"),
        "# New hires: at least 60% of target bonus for 3 months from hired_on; a long cycle, so never recovered.\n\
         guarantee: { months: 3, share: 60% }\n",
    ),
    (
        "transactional.yaml",
        include_str!("../schemes/transactional.yaml"),
        "# New hires: at least 50% of target bonus for 3 months from hired_on, recovered from later pay above it.\n\
         guarantee: { months: 3, share: 50%, recoverable: yes }\n",
    ),
    (
        "account-manager.yaml",
        include_str!("../schemes/account-manager.yaml"),
        "",
    ),
];

/// A preset with the close sample's keys inserted after its `currency:` line.
fn close_scheme(name: &str, preset: &str, guarantee: &str) -> Res<String> {
    let keys = format!(
        "# Never more than {CLOSE_MAX_TOTAL} of target bonus in a month, whatever the KPIs pay.\n\
         max_total: {CLOSE_MAX_TOTAL}\n{guarantee}"
    );
    let at = preset
        .find("\ncurrency:")
        .and_then(|i| preset[i + 1..].find('\n').map(|j| i + 1 + j + 1))
        .ok_or_else(|| format!("schemes/{name} has no `currency:` line to add the keys after"))?;
    Ok(format!("{}{keys}{}", &preset[..at], &preset[at..]))
}

/// Whose deal is refunded after the month before the period was paid: a transactional seller
/// paid on the sloped part of the revenue curve in that month.
const CLOSE_REFUND_OWNER: &str = "E103";
/// Whose revenue plan of the month before the period is corrected (lowered) afterwards.
const CLOSE_PLAN_FIX: &str = "E102";
/// Whose deal won before the history is refunded in the period and clawed back by hand.
const CLOSE_CLAWBACK_OWNER: &str = "E116";
/// An account manager who shares an upsell deal of the period with a colleague (a pair of
/// corrections).
const CLOSE_SHARED: (&str, &str) = ("E104", "E111");

/// One adjustments row of the close sample: employee, month (0 the period, -1 the month
/// before), amount in cents, kind, reason, approved_by, reference, note.
type AdjustmentRow = (
    String,
    i32,
    i64,
    &'static str,
    String,
    &'static str,
    String,
    String,
);

/// The canonical tables as exported at the end of `cutoff`: no row dated after it, and what
/// happened after it not yet known (a deal closed later is `open`, with no close date or loss
/// reason, and no client yet when its client came with it; a later churn or leaving date is
/// empty). The rows are filtered, never renumbered: a record has the same id in every export
/// of the history.
fn as_of(tables: &[Table], cutoff: NaiveDate) -> Vec<Table> {
    let date = |c: &Cell| match c {
        Cell::Date(d) => Some(*d),
        Cell::DateTime(t) => Some(t.date()),
        _ => None,
    };
    let after = |c: &Cell| date(c).is_some_and(|d| d > cutoff);
    let month = format!("{:04}-{:02}", cutoff.year(), cutoff.month());
    let since: BTreeMap<String, NaiveDate> = tables
        .iter()
        .filter(|t| t.name == "clients")
        .flat_map(|t| &t.rows)
        .filter_map(|r| Some((cell_text(&r[0]), date(&r[2])?)))
        .collect();
    tables
        .iter()
        .map(|t| {
            let rows = t
                .rows
                .iter()
                .filter_map(|r| {
                    let mut r = r.clone();
                    let keep = match t.name {
                        "employees" => {
                            if after(&r[6]) {
                                r[6] = Cell::Empty;
                            }
                            !after(&r[5])
                        }
                        "plans" => cell_text(&r[1]) <= month,
                        "deals" => {
                            if after(&r[3]) {
                                r[3] = Cell::Empty;
                                r[4] = Cell::Str("open");
                                r[8] = Cell::Empty;
                            }
                            if since.get(&cell_text(&r[9])).is_some_and(|d| *d > cutoff) {
                                r[9] = Cell::Empty;
                            }
                            !after(&r[2])
                        }
                        "clients" => {
                            if after(&r[3]) {
                                r[3] = Cell::Empty;
                            }
                            !after(&r[2])
                        }
                        _ => !after(&r[2]),
                    };
                    keep.then_some(r)
                })
                .collect();
            Table {
                name: t.name,
                headers: t.headers,
                widths: t.widths,
                rows,
            }
        })
        .collect()
}

/// The deals table with the optional `refunded_on` column added at the end: the refund date of
/// the deals in `refunds` (by deal id), empty elsewhere.
fn with_refunds(mut tables: Vec<Table>, refunds: &BTreeMap<String, NaiveDate>) -> Vec<Table> {
    for t in tables.iter_mut().filter(|t| t.name == "deals") {
        t.headers = &[
            "deal_id",
            "employee_id",
            "created_on",
            "closed_on",
            "status",
            "stage",
            "amount",
            "new_client",
            "lost_reason",
            "client_id",
            "refunded_on",
        ];
        for r in &mut t.rows {
            let refunded = refunds.get(&cell_text(&r[0])).copied();
            r.push(opt_date(refunded));
        }
    }
    tables
}

/// `24 November`.
fn day_month(d: NaiveDate) -> String {
    d.format("%-d %B").to_string()
}

fn month_name(p: Period) -> String {
    p.start.format("%B").to_string()
}

fn signed_money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}", money_text(cents.unsigned_abs()))
}

/// Writes `DIR/<period>-close/`: `schemes/` (the presets with [`CLOSE_MAX_TOTAL`] and the
/// guarantees), `<month before>/` (the export as taken at that month's close) and `<period>/`
/// (the export taken at the period's close, with the late changes to the month before and
/// `adjustments.csv`). `tables` are the canonical tables of the whole history.
fn write_close(out: &Path, p: Period, emps: &[Employee], w: &World, tables: Vec<Table>) -> Res<()> {
    let prev = p.shift(-1);
    let dir = out.join(format!("{}-close", p.label(0)));
    let scheme_dir = dir.join("schemes");
    fs::create_dir_all(&scheme_dir)?;
    for (name, preset, guarantee) in CLOSE_SCHEMES {
        fs::write(
            scheme_dir.join(name),
            close_scheme(name, preset, guarantee)?,
        )?;
    }

    let deal_id = id_maker("D", 5, w.deals.len());
    let person = |id: &str| {
        emps.iter()
            .position(|e| e.id == id)
            .ok_or_else(|| format!("the close sample needs {id} on its roster"))
    };
    // The refunded deal: the owner's biggest deal won in the month before.
    let owner = person(CLOSE_REFUND_OWNER)?;
    let refunded = (0..w.deals.len())
        .filter(|&i| {
            let d = &w.deals[i];
            d.owner == owner
                && d.status == "won"
                && d.closed_on
                    .is_some_and(|c| prev.start <= c && c <= prev.end)
        })
        .max_by_key(|&i| (w.deals[i].amount, std::cmp::Reverse(i)))
        .ok_or_else(|| format!("{CLOSE_REFUND_OWNER} won no deal in {}", prev.label(0)))?;
    // The clawback: a deal won before the history, refunded now (no run here pays that month).
    let first = emps[0].months[0].p;
    let clawed_owner = person(CLOSE_CLAWBACK_OWNER)?;
    let clawed = (0..w.deals.len())
        .find(|&i| {
            let d = &w.deals[i];
            d.owner == clawed_owner
                && d.status == "won"
                && d.closed_on.is_some_and(|c| c < first.start)
        })
        .ok_or_else(|| format!("{CLOSE_CLAWBACK_OWNER} won no deal before the history"))?;
    let refunds: BTreeMap<String, NaiveDate> =
        [(deal_id(refunded), p.day(10)), (deal_id(clawed), p.day(17))]
            .into_iter()
            .collect();

    // The export at the close of the month before: no refund known yet.
    let before = with_refunds(as_of(&tables, prev.end), &BTreeMap::new());
    let before_dir = dir.join(prev.label(0));
    fs::create_dir_all(&before_dir)?;
    for table in &before {
        write_csv(&before_dir, table)?;
    }

    // The export at the period's close (taken on its last day too): the refunds, the
    // corrected plan, the adjustments.
    let mut now = with_refunds(as_of(&tables, p.end), &refunds);
    let mut fixed_plan = None;
    for t in now.iter_mut().filter(|t| t.name == "plans") {
        for r in &mut t.rows {
            if cell_text(&r[0]) == CLOSE_PLAN_FIX
                && cell_text(&r[1]) == prev.label(0)
                && let Cell::Money(old) = r[3]
            {
                // Entered 10% too high: HR's correction, in 50 000 KZT steps.
                let new = old * 9 / 10 / 5_000_000 * 5_000_000;
                fixed_plan = Some((old, new));
                r[3] = Cell::Money(new);
            }
        }
    }
    let (old_plan, new_plan) =
        fixed_plan.ok_or_else(|| format!("{CLOSE_PLAN_FIX} has no plan for {}", prev.label(0)))?;
    let claw = &w.deals[clawed];
    // Finance's figure for the refunded deal: 1.5% of it.
    let claw_cents = (claw.amount as i64 * 15 + 500) / 1000;
    // A deal two account managers worked on: the owner gives the other 2% of it.
    let (giver, taker) = (person(CLOSE_SHARED.0)?, person(CLOSE_SHARED.1)?);
    let shared = (0..w.deals.len())
        .filter(|&i| {
            let d = &w.deals[i];
            d.owner == giver
                && d.status == "won"
                && !d.new_client
                && d.closed_on.is_some_and(|c| p.start <= c && c <= p.end)
        })
        .max_by_key(|&i| (w.deals[i].amount, std::cmp::Reverse(i)))
        .ok_or_else(|| format!("{} won no upsell deal in {}", CLOSE_SHARED.0, p.label(0)))?;
    let share_cents = (w.deals[shared].amount as i64 * 2 + 50) / 100;
    let name = |e: usize| format!("{} ({})", emps[e].name, emps[e].id);
    let (month, before_month) = (month_name(p), month_name(prev));
    let rows: Vec<AdjustmentRow> = vec![
        (
            emps[giver].id.clone(),
            0,
            -share_cents,
            "correction",
            format!(
                "Deal {} shared with {}: her agreed part of its bonus",
                deal_id(shared),
                name(taker)
            ),
            "Head of Account Management",
            deal_id(shared),
            format!(
                "Account review of {}: 2% of the deal to the colleague who ran the pilot",
                day_month(p.day(24))
            ),
        ),
        (
            emps[taker].id.clone(),
            0,
            share_cents,
            "correction",
            format!(
                "Deal {} shared with {}: your agreed part of its bonus",
                deal_id(shared),
                name(giver)
            ),
            "Head of Account Management",
            deal_id(shared),
            String::new(),
        ),
        (
            "E118".to_string(),
            0,
            2_500_000,
            "one_off",
            format!("Onboarding buddy for {}, {month}", name(person("E132")?)),
            "Sales Director",
            String::new(),
            "Budget line ONB-2026-Q4".to_string(),
        ),
        (
            "E115".to_string(),
            0,
            3_000_000,
            "guarantee",
            format!("Minimum agreed in your transfer letter to the Astana book for {month}"),
            "HR Director",
            String::new(),
            format!(
                "Transfer letter of {}; the last month it covers",
                day_month(prev.day(28))
            ),
        ),
        (
            emps[claw.owner].id.clone(),
            0,
            -claw_cents,
            "clawback",
            format!("Deal {} refunded after payment", deal_id(clawed)),
            "Finance Controller",
            deal_id(clawed),
            format!(
                "1.5% of the refunded amount, as agreed with the employee; {} is not trued up",
                claw.closed_on
                    .map_or_else(String::new, |d| d.format("%B").to_string())
            ),
        ),
        (
            "E116".to_string(),
            0,
            -6_000_000,
            "other",
            format!("Advance on the {month} bonus paid on 13 {month}"),
            "Payroll Lead",
            String::new(),
            format!("Advance request of {}", day_month(p.day(11))),
        ),
        (
            "E118".to_string(),
            -1,
            2_500_000,
            "one_off",
            format!(
                "Onboarding buddy for {}, {before_month}",
                name(person("E132")?)
            ),
            "Sales Director",
            String::new(),
            format!(
                "Paid by hand with the {before_month} payroll, before the adjustments table; a {month} run ignores it"
            ),
        ),
    ];
    let adjustments = Table {
        name: "adjustments",
        headers: &[
            "employee_id",
            "period",
            "amount",
            "kind",
            "reason",
            "approved_by",
            "reference",
            "note",
        ],
        widths: &[],
        rows: rows
            .into_iter()
            .map(|(id, month, cents, kind, reason, by, reference, note)| {
                vec![
                    Cell::Text(id),
                    Cell::Text(p.label(month)),
                    Cell::Text(signed_money(cents)),
                    Cell::Str(kind),
                    Cell::Text(reason),
                    Cell::Str(by),
                    Cell::Text(reference),
                    Cell::Text(note),
                ]
            })
            .collect(),
    };
    if let Some(r) = adjustments
        .rows
        .iter()
        .find(|r| person(&cell_text(&r[0])).is_err())
    {
        return Err(format!(
            "adjustment for {} who is not on the roster",
            cell_text(&r[0])
        )
        .into());
    }
    now.push(adjustments);
    let now_dir = dir.join(p.label(0));
    fs::create_dir_all(&now_dir)?;
    for table in &now {
        write_csv(&now_dir, table)?;
    }

    println!("wrote {} (close of {})", dir.display(), p.label(0));
    for (label, tables) in [(prev.label(0), &before), (p.label(0), &now)] {
        println!("  {label}/");
        for table in tables {
            println!("    {:<12} {:>9} rows", table.name, table.rows.len());
        }
    }
    let money = |c: u64| money_text(c);
    println!(
        "  refunded on {}: {} of {} ({}, won {}); clawed back: {} of {}",
        p.day(10),
        deal_id(refunded),
        CLOSE_REFUND_OWNER,
        money(w.deals[refunded].amount),
        w.deals[refunded]
            .closed_on
            .map_or(String::new(), |d| d.to_string()),
        deal_id(clawed),
        emps[claw.owner].id
    );
    println!(
        "  plan of {CLOSE_PLAN_FIX} for {} corrected: {} -> {}",
        prev.label(0),
        money(old_plan),
        money(new_plan)
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

struct Args {
    out: PathBuf,
    period: String,
    /// `None`: 4, or 3 with `--close`.
    months: Option<u64>,
    scale_pm: u64,
    /// `--emails-scale`, `--meetings-scale`, `--deals-scale`, per mille.
    emails_pm: u64,
    meetings_pm: u64,
    deals_pm: u64,
    /// `--employees N`: `None` is the 30 people of [`ROSTER`].
    employees: Option<usize>,
    seed: u64,
    crm_exports: bool,
    close: bool,
    team_signals: bool,
    plan_history: bool,
}

const USAGE: &str = "usage: generate_samples [--out DIR] [--period YYYY-MM] [--months N] \
[--calls-per-day-scale N] [--seed S] [--no-crm-exports] [--close] [--team-signals] \
[--plan-history] [--employees N] [--emails-scale N] [--meetings-scale N] [--deals-scale N]\n\
defaults: --out samples --period 2026-10 --months 4 --calls-per-day-scale 1 --seed 42\n\
--months N: the export holds the N months ending with --period (1 to 120)\n\
--employees N: a department of N people (30 to 20000): the 30-person roster repeated, \
E101 to E{100+N}, each copy on random streams of its own, names numbered from the second copy\n\
--calls-per-day-scale, --emails-scale N: calls, emails made and received per day times N\n\
--meetings-scale, --deals-scale N (at least 1): N times the meetings, the deals won and lost, \
the extra ones cancelled or no-show meetings and deals lost at an early stage (pay unchanged)\n\
--no-crm-exports: only the canonical layout, not the Bitrix24 and amoCRM exports\n\
--close: the month-end close sample of --period instead, in DIR/<period>-close/: the schemes \
with a cap and guarantees, the CSV export of the month before and of the period (--months \
defaults to 3, at least 2)\n\
--team-signals: only DIR/<period>-team/, the CSV export with a person dialling the base and a \
team losing mostly on price in the period, for the head of sales' view\n\
--plan-history: only DIR/<period>-history/, the CSV export of the 13 months ending with the \
period, with seasons, joiners and leavers, for next month's plans (incentive plan)";

/// Parses a non-negative decimal like `40` or `0.5` into per mille, without floats.
fn parse_permille(key: &str, s: &str) -> Res<u64> {
    let bad = || format!("{key} must be a non-negative number, got {s:?}");
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return Err(bad().into());
    }
    let int: u64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| bad())?
    };
    let mut pm = int.checked_mul(1000).ok_or_else(bad)?;
    for (k, b) in frac.bytes().take(3).enumerate() {
        pm += u64::from(b - b'0') * [100, 10, 1][k];
    }
    Ok(pm)
}

fn parse_args() -> Res<Args> {
    let mut args = Args {
        out: PathBuf::from("samples"),
        period: "2026-10".to_string(),
        months: None,
        scale_pm: 1000,
        emails_pm: 1000,
        meetings_pm: 1000,
        deals_pm: 1000,
        employees: None,
        seed: 42,
        crm_exports: true,
        close: false,
        team_signals: false,
        plan_history: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        if arg == "-h" || arg == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        if arg == "--no-crm-exports" {
            args.crm_exports = false;
            continue;
        }
        if arg == "--close" {
            args.close = true;
            continue;
        }
        if arg == "--team-signals" {
            args.team_signals = true;
            continue;
        }
        if arg == "--plan-history" {
            args.plan_history = true;
            continue;
        }
        let (key, inline) = match arg.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        const KEYS: [&str; 9] = [
            "--out",
            "--period",
            "--months",
            "--calls-per-day-scale",
            "--seed",
            "--employees",
            "--emails-scale",
            "--meetings-scale",
            "--deals-scale",
        ];
        if !KEYS.contains(&key.as_str()) {
            return Err(format!("unknown argument {key:?}\n{USAGE}").into());
        }
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .ok_or_else(|| format!("{key} needs a value\n{USAGE}"))?,
        };
        match key.as_str() {
            "--out" => args.out = PathBuf::from(value),
            "--period" => args.period = value,
            "--months" => {
                args.months = Some(
                    value
                        .parse()
                        .ok()
                        .filter(|n| (1..=120).contains(n))
                        .ok_or_else(|| {
                            format!("--months must be a whole number from 1 to 120, got {value:?}")
                        })?,
                )
            }
            "--calls-per-day-scale" => args.scale_pm = parse_permille(&key, &value)?,
            "--emails-scale" => args.emails_pm = parse_permille(&key, &value)?,
            "--meetings-scale" | "--deals-scale" => {
                let pm = parse_permille(&key, &value)?;
                if pm < 1000 {
                    return Err(format!("{key} must be at least 1, got {value:?}").into());
                }
                if key == "--deals-scale" {
                    args.deals_pm = pm;
                } else {
                    args.meetings_pm = pm;
                }
            }
            "--employees" => {
                args.employees = Some(
                    value
                        .parse()
                        .ok()
                        .filter(|n| (30..=20_000).contains(n))
                        .ok_or_else(|| {
                            format!(
                                "--employees must be a whole number from 30 to 20000, got {value:?}"
                            )
                        })?,
                )
            }
            "--seed" => {
                args.seed = value
                    .parse()
                    .map_err(|_| format!("--seed must be an unsigned integer, got {value:?}"))?
            }
            _ => unreachable!("checked above"),
        }
    }
    Ok(args)
}

/// `--employees n`: [`ROSTER`] repeated until there are `n` people. Person `j` (employee
/// `E{101 + j}`) is roster entry `j % 30` (scheme, team, target bonus, hire date, form, kind and
/// trend), on random streams of their own number `j` like everyone; from the second copy on the
/// name has the copy's number appended (`Айгерим Сейткали 2`), so names stay unique.
fn department(n: usize) -> Vec<Hire> {
    (0..n)
        .map(|j| {
            let h = ROSTER[j % ROSTER.len()];
            let copy = j / ROSTER.len();
            let name: &'static str = if copy == 0 {
                h.name
            } else {
                Box::leak(format!("{} {}", h.name, copy + 1).into_boxed_str())
            };
            Hire { name, ..h }
        })
        .collect()
}

/// Excel's sheet size: 1 048 576 rows including the header.
const XLSX_MAX_DATA_ROWS: usize = 1_048_575;

fn run() -> Res<()> {
    let args = parse_args()?;
    let p = Period::parse(&args.period)?;
    if args.plan_history {
        return write_plan_history(&args, p);
    }
    let seed = args.seed;
    let n = args.months.unwrap_or(if args.close { 3 } else { 4 }) as i32;
    if args.close && args.team_signals {
        return Err("--team-signals and --close write different samples: give one of them".into());
    }
    if args.close && n < 2 {
        return Err(
            "--close needs --months 2 or more: the export of the month before the \
                    period is part of it"
                .into(),
        );
    }
    let months: Vec<Period> = (0..n).map(|k| p.shift(k + 1 - n)).collect();
    if months[0].year < 1901 {
        return Err(format!("--months {n} reaches back before 1901 from {}", args.period).into());
    }

    if args.close && args.employees.is_some() {
        return Err("--employees is not for the close sample: give one of them".into());
    }
    let department = args.employees.map(department);
    let roster: Vec<(usize, &Hire)> = if args.close {
        close_roster()
    } else if let Some(d) = &department {
        d.iter().enumerate().collect()
    } else {
        ROSTER.iter().enumerate().collect()
    };
    let emps = build_employees(&roster, &months, seed);
    let mut world = World::default();
    gen_clients(months[0], seed, &emps, &mut world);
    // Month by month: the book changes, then the deals won and lost (they pick clients from
    // the book as it stands); the pipeline then tops up what those leave open.
    for k in 0..months.len() {
        book_changes(k, seed, &emps, &mut world);
        gen_deals(k, seed, args.deals_pm, &emps, &mut world);
    }
    gen_pipeline(seed, &emps, &mut world);
    boundary_deals(seed, &emps, &mut world);
    for k in 0..months.len() {
        let plans = plan_contacts(k, seed, &emps, &mut world);
        gen_calls(k, seed, args.scale_pm, &emps, &plans, &mut world);
        gen_emails(k, seed, args.emails_pm, &emps, &plans, &mut world);
        gen_meetings(k, seed, args.meetings_pm, &emps, &plans, &mut world);
        gen_nps(k, seed, &emps, &mut world);
    }
    if args.team_signals {
        team_signals(seed, &emps, &mut world)?;
    }
    sort_canonical(&mut world);
    let tables = build_tables(&emps, &world);
    if args.team_signals {
        let dir = args.out.join(format!("{}-team", p.label(0)));
        fs::create_dir_all(&dir)?;
        for table in &tables {
            write_csv(&dir, table)?;
        }
        println!("wrote {}", dir.display());
        for table in &tables {
            println!("  {:<10} {:>9} rows", table.name, table.rows.len());
        }
        return Ok(());
    }
    if args.close {
        return write_close(&args.out, p, &emps, &world, tables);
    }

    if let Some(t) = tables.iter().find(|t| t.rows.len() > XLSX_MAX_DATA_ROWS) {
        return Err(format!(
            "table {} has {} rows, more than an xlsx sheet can hold ({XLSX_MAX_DATA_ROWS}); \
             use smaller scales (--calls-per-day-scale, --emails-scale, --deals-scale, \
             --meetings-scale), fewer --employees or fewer --months",
            t.name,
            t.rows.len()
        )
        .into());
    }

    let label = p.label(0);
    let csv_dir = args.out.join(format!("{label}-csv"));
    fs::create_dir_all(&csv_dir)?;
    for table in &tables {
        write_csv(&csv_dir, table)?;
    }
    let xlsx = args.out.join(format!("{label}.xlsx"));
    let title = format!("CRM export {label}");
    write_xlsx(&xlsx, p.next_start(), &title, &tables)?;

    println!(
        "wrote {} and {} ({} to {})",
        xlsx.display(),
        csv_dir.display(),
        months[0].label(0),
        label
    );
    for table in &tables {
        println!("  {:<10} {:>9} rows", table.name, table.rows.len());
    }

    if !args.crm_exports {
        return Ok(());
    }
    let facts = Facts::new(&emps, &world, &tables, seed);
    let bitrix_dir = args.out.join(format!("{label}-bitrix24"));
    let bitrix = write_bitrix24(&bitrix_dir, &facts)?;
    report_export(&bitrix_dir, &bitrix);
    let amo_dir = args.out.join(format!("{label}-amocrm"));
    let amo_canonical = args.out.join(format!("{label}-amocrm-canonical"));
    let (amo, canonical) = write_amocrm(&amo_dir, &amo_canonical, &facts)?;
    report_export(&amo_dir, &amo);
    report_export(&amo_canonical, &canonical);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The team sample (--team-signals)
// ---------------------------------------------------------------------------------------------

/// The transactional seller who dials the base in the period: besides the usual calls, 95-125 a
/// working day that nobody answers or that end within seconds (under 30 s), so that most of the
/// outgoing calls are short and few last 2 minutes. The calls of 2+ minutes, and so the pay,
/// stay as they were: only the pattern shows it (`short_calls`).
const TEAM_DIALLER: &str = "E124";
/// The team whose lost deals of the period are mostly lost on price: 45% of its period losses
/// for another reason are recorded as `price` instead (about 60% in all, against about 30%
/// elsewhere): `loss_reason_dominant`.
const TEAM_PRICE_LOSSES: &str = "Astana";

/// The two trends of the team sample, on streams of their own: the other records are those of
/// the canonical sample, untouched.
fn team_signals(seed: u64, emps: &[Employee], w: &mut World) -> Res<()> {
    let dialler = emps
        .iter()
        .position(|e| e.id == TEAM_DIALLER && e.scheme == Scheme::Transactional)
        .ok_or("--team-signals needs the default roster (its dialler is E124)")?;
    let period = emps[dialler].months.last().expect("at least one month").p;
    let mut rng = Rng::stream(seed, "team dialler", dialler as u64);
    for &day in &emps[dialler]
        .months
        .last()
        .expect("at least one month")
        .days
    {
        for _ in 0..rng.range(95, 125) {
            let t = rng.range(9 * 3600, 18 * 3600);
            let duration = if rng.chance(400) { 0 } else { rng.range(2, 25) } as u32;
            w.calls.push(Call {
                owner: dialler,
                at: at(day, t),
                outgoing: true,
                duration,
                client: None,
            });
        }
    }
    let mut rng = Rng::stream(seed, "team price losses", 0);
    for d in &mut w.deals {
        let in_period = d
            .closed_on
            .is_some_and(|c| c >= period.start && c <= period.end);
        if d.status == "lost"
            && in_period
            && emps[d.owner].team == TEAM_PRICE_LOSSES
            && d.lost_reason != Some("price")
            && rng.chance(450)
        {
            d.lost_reason = Some("price");
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The plan-history sample (--plan-history)
// ---------------------------------------------------------------------------------------------

/// The months of the plan-history sample, ending with the period: the year before the month
/// after the period (the month `incentive plan --for` proposes) and that month a year earlier,
/// so the seasonal index has its twelve months.
const HISTORY_MONTHS: i32 = 13;

/// The people of the plan-history sample kept from [`ROSTER`] as they are, by number (`E101`
/// is 0): five b2b sellers, four transactional ones and four account managers, besides
/// [`HISTORY_LEAVER`]. The roster's own joiner and leaver are left out: their dates are the
/// four-month sample's.
const HISTORY_KEEP: [usize; 13] = [0, 1, 2, 3, 4, 6, 8, 9, 10, 11, 12, 14, 17];

/// The leaver of the plan-history sample, `E106` (number 5 of [`ROSTER`]), who leaves on the
/// 20th of the month after the period: a plan prorated on their own history.
const HISTORY_LEAVER: (usize, Hire) = (
    5,
    Hire {
        kind: Kind::Leaves { month: 1, day: 20 },
        ..hire("Aliya Nurpeisova", AM, "Astana", kzt(380_000, 0), 2800, 980)
    },
);

/// The plan-history sample's number of its first new hire: `E134` (the close sample's hires
/// are `E131`..`E133`).
const HISTORY_FIRST_HIRE: usize = 33;

/// The new hires of the plan-history sample, `E134`.. in this order: a transactional seller
/// hired on the first day of the period's month before (two whole months of history: a joiner
/// planned on colleagues' median), a b2b seller hired on the 10th of the month after the period
/// (prorated, colleagues' median) and one hired on the 2nd of that month on
/// [`HISTORY_LONE_SCHEME`], which nobody else is on (listed for a manual plan).
#[rustfmt::skip]
const HISTORY_HIRES: [Hire; 3] = [
    Hire {
        kind: Kind::Joins { month: -1, day: 1 },
        ..hire("Ботагоз Нургалиева", TR, "Almaty", kzt(270_000, 0), 0, 980)
    },
    Hire {
        kind: Kind::Joins { month: 1, day: 10 },
        ..hire("Nikita Orlov", B2b, "Shymkent", kzt(430_000, 0), 0, 1000)
    },
    Hire {
        kind: Kind::Joins { month: 1, day: 2 },
        ..hire("Жансая Мусина", TR, "Astana", kzt(260_000, 0), 0, 1000)
    },
];

/// The scheme of the last of [`HISTORY_HIRES`] (`E136`), the candidate in schemes/ that nobody
/// is paid on. The generator makes no record of theirs in the export's months, so it needs no
/// scheme of its own: only their roster row names it.
const HISTORY_LONE_SCHEME: (&str, &str) = ("E136", "transactional-5min");

/// The department's season, per mille, by calendar month from January: it multiplies every
/// person's deals won (their count; the amounts keep their spread). December is strong, January
/// and the summer weak; the plans table's plans follow no season, as typed by hand today.
const HISTORY_SEASON: [u64; 12] = [
    750, 900, 1000, 1000, 1050, 900, 800, 850, 1050, 1100, 1150, 1350,
];

/// Calls per day in the plan-history sample, per mille of the usual (times
/// `--calls-per-day-scale`): thirteen months of them would make the folder too big.
const HISTORY_CALLS_PM: u64 = 400;

/// The person whose year holds one huge month: a won deal of `times` × that month's plan, in the
/// month `month` months from the period.
const HISTORY_HUGE: (&str, i32, u64) = ("E113", -7, 3);

fn history_roster() -> Vec<(usize, &'static Hire)> {
    let mut roster: Vec<(usize, &'static Hire)> = HISTORY_KEEP
        .iter()
        .map(|&i| (i, &ROSTER[i]))
        .chain([(HISTORY_LEAVER.0, &HISTORY_LEAVER.1)])
        .collect();
    roster.sort_by_key(|&(i, _)| i);
    roster.extend(
        HISTORY_HIRES
            .iter()
            .enumerate()
            .map(|(k, h)| (HISTORY_FIRST_HIRE + k, h)),
    );
    roster
}

/// Writes `<period>-history/`: the canonical CSV folder of [`HISTORY_MONTHS`] months ending with
/// the period, for `incentive plan --for <the month after>` (docs/plan.md). The records are
/// made as the canonical sample's (the same streams, for the roster of [`history_roster`]),
/// except: each month's deals won follow [`HISTORY_SEASON`]; nothing is dated before the first
/// month (the export's first month is its first); one person has a huge month
/// ([`HISTORY_HUGE`]); calls are fewer ([`HISTORY_CALLS_PM`]).
fn write_plan_history(args: &Args, p: Period) -> Res<()> {
    if args.close || args.team_signals {
        return Err(
            "--plan-history, --close and --team-signals write different samples: \
                    give one of them"
                .into(),
        );
    }
    if args.months.is_some() {
        return Err(format!(
            "--plan-history writes the {HISTORY_MONTHS} months ending with --period: \
             --months does not apply"
        )
        .into());
    }
    let seed = args.seed;
    let months: Vec<Period> = (0..HISTORY_MONTHS)
        .map(|k| p.shift(k + 1 - HISTORY_MONTHS))
        .collect();
    let first = months[0];
    if first.year < 1901 {
        return Err(format!(
            "--plan-history reaches back before 1901 from {}",
            p.label(0)
        )
        .into());
    }
    let mut emps = build_employees(&history_roster(), &months, seed);
    for emp in &mut emps {
        // The export starts with its first month: no rows from the days before it.
        emp.prev_days.clear();
        for mo in &mut emp.months {
            mo.season = HISTORY_SEASON[mo.p.month as usize - 1];
        }
    }
    let mut world = World::default();
    gen_clients(first, seed, &emps, &mut world);
    for k in 0..months.len() {
        book_changes(k, seed, &emps, &mut world);
        gen_deals(k, seed, 1000, &emps, &mut world);
    }
    history_huge_month(seed, &emps, &mut world)?;
    gen_pipeline(seed, &emps, &mut world);
    boundary_deals(seed, &emps, &mut world);
    let scale_pm = args.scale_pm * HISTORY_CALLS_PM / 1000;
    for k in 0..months.len() {
        let plans = plan_contacts(k, seed, &emps, &mut world);
        gen_calls(k, seed, scale_pm, &emps, &plans, &mut world);
        gen_emails(k, seed, 1000, &emps, &plans, &mut world);
        gen_meetings(k, seed, 1000, &emps, &plans, &mut world);
        gen_nps(k, seed, &emps, &mut world);
    }
    // The survey answers of the days before the first month (the other tables have none).
    world.responses.retain(|r| r.on >= first.start);
    sort_canonical(&mut world);
    let mut tables = build_tables(&emps, &world);
    let (lone, scheme) = HISTORY_LONE_SCHEME;
    let employees = tables
        .iter_mut()
        .find(|t| t.name == "employees")
        .expect("the employees table");
    let row = employees
        .rows
        .iter_mut()
        .find(|r| matches!(&r[0], Cell::Text(id) if id == lone))
        .ok_or("--plan-history: the lone scheme's hire is not on the roster")?;
    row[2] = Cell::Str(scheme);

    let dir = args.out.join(format!("{}-history", p.label(0)));
    fs::create_dir_all(&dir)?;
    for table in &tables {
        write_csv(&dir, table)?;
    }
    println!(
        "wrote {} ({} to {})",
        dir.display(),
        first.label(0),
        p.label(0)
    );
    for table in &tables {
        println!("  {:<10} {:>9} rows", table.name, table.rows.len());
    }
    Ok(())
}

/// [`HISTORY_HUGE`]'s deal: one won deal of a few times the month's plan, with a client of
/// theirs, created a few months before (so it is in the pipeline until it closes).
fn history_huge_month(seed: u64, emps: &[Employee], w: &mut World) -> Res<()> {
    let (id, month, times) = HISTORY_HUGE;
    let e = emps
        .iter()
        .position(|x| x.id == id)
        .ok_or("--plan-history: the person with a huge month is not on the roster")?;
    let emp = &emps[e];
    let mo = usize::try_from(emp.months.len() as i32 - 1 + month)
        .ok()
        .and_then(|k| emp.months.get(k))
        .filter(|mo| !mo.days.is_empty())
        .ok_or("--plan-history: the huge month is not one the person worked")?;
    let plan = mo.plan.expect("employed this month");
    let mut rng = Rng::stream(seed, "history huge deal", e as u64);
    let closed = rng.pick(&mo.days);
    let d = DealDraft {
        created_on: back_workday(closed, rng.range(90, 140), emp.earliest()),
        closed_on: Some(closed),
        status: "won",
        stage: "proposal",
        // Whole thousands of KZT.
        amount: plan * times / 100_000 * 100_000,
        new_client: false,
    };
    w.add_deal(&mut rng, e, d);
    Ok(())
}

fn report_export(dir: &Path, written: &Written) {
    println!("wrote {}", dir.display());
    for (file, rows) in &written.files {
        println!("  {file:<28} {rows:>9} rows");
    }
    for (what, rows) in &written.traps {
        println!("  trap: {what}: {rows}");
    }
}

fn main() {
    if let Err(err) = run() {
        eprintln!("generate_samples: {err}");
        std::process::exit(1);
    }
}
