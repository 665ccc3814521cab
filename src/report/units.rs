//! Units and numbers for people, decided once and asked by every renderer.
//!
//! [`unit()`] (decided in the domain, `crate::scheme::unit`) says what a metric's value is
//! (money in the scheme's currency, a count, a ratio shown as a percentage, a score, a plain
//! number); the Breakdown, the statements and `explain` all ask it instead of guessing.
//! [`Fmt`] writes numbers the way a person reads them in the labels' language: a space between
//! thousands, `.` (English) or `,` (Russian) before decimals, the currency code after an amount.
//! [`plural_ru`] picks the Russian plural form of a count.

use super::labels::{Labels, Lang};
use crate::num::{Exact, exact, exact_int, round_exact};
use crate::payout::{Kind, Line, Origin, Payout};
use crate::scheme::Scheme;
use rust_decimal::Decimal;

pub use crate::scheme::unit::{Unit, column_unit, unit};

/// The Russian plural form of a count: `one` for 1, 21, 31 … (not 11), `few` for 2-4, 22-24 …
/// (not 12-14), `many` for the rest (0, 5-20, 25-30 …). `plural_ru(n, "день", "дня", "дней")`.
pub fn plural_ru<'a>(n: u64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    let (last, last_two) = (n % 10, n % 100);
    if (11..=14).contains(&last_two) {
        many
    } else if last == 1 {
        one
    } else if (2..=4).contains(&last) {
        few
    } else {
        many
    }
}

/// The days employed out of the period's, in words: `20 of 31 days` / `20 из 31 дня`.
pub fn days_of(days: i64, period_days: i64, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{days} of {period_days} days"),
        // «из N» takes the genitive: из 21 дня, из 30 дней, из 22 дней.
        Lang::Ru => format!(
            "{days} из {period_days} {}",
            plural_ru(period_days.unsigned_abs(), "дня", "дней", "дней")
        ),
    }
}

/// The proration of an employee's bonus in words, the same everywhere:
/// `employed 20 of 31 days` / `отработано 20 из 31 дня`.
pub fn employed_days(days: i64, period_days: i64, lang: Lang) -> String {
    match lang {
        Lang::En => format!("employed {}", days_of(days, period_days, lang)),
        Lang::Ru => format!("отработано {}", days_of(days, period_days, lang)),
    }
}

/// A count of days: `1 day`, `5 days` / `1 день`, `2 дня`, `5 дней`.
pub fn days(n: i64, lang: Lang) -> String {
    match lang {
        Lang::En if n == 1 => "1 day".to_string(),
        Lang::En => format!("{n} days"),
        Lang::Ru => format!("{n} {}", plural_ru(n.unsigned_abs(), "день", "дня", "дней")),
    }
}

/// A decimal as written in the language: `12.5` / `12,5`.
pub fn decimal_text(d: Decimal, lang: Lang) -> String {
    let s = d.to_string();
    match lang {
        Lang::En => s,
        Lang::Ru => s.replace('.', ","),
    }
}

/// An amount with exactly two decimals and no grouping, as in payroll.csv: `1234.50` /
/// `1234,50`.
pub fn money_text(d: Decimal, lang: Lang) -> String {
    let mut d = d.round_dp(2);
    d.rescale(2);
    decimal_text(d, lang)
}

/// A scheme's fraction as the percentage it was written as: `35%`, `12.5%` / `12,5%`.
pub fn percent_text(d: Decimal, lang: Lang) -> String {
    format!(
        "{}%",
        decimal_text((d * Decimal::ONE_HUNDRED).normalize(), lang)
    )
}

/// Number formatting for people: a space between thousands, `.` (English) or `,` (Russian)
/// before decimals, and the currency's code after an amount (`1 250 000 KZT`: a code prints
/// in every font, a sign such as ₸ does not).
#[derive(Debug, Clone)]
pub struct Fmt {
    pub lang: Lang,
    pub currency: String,
}

impl Fmt {
    pub fn new(lang: Lang, currency: &str) -> Fmt {
        Fmt {
            lang,
            currency: currency.to_string(),
        }
    }

    fn decimal_point(&self) -> char {
        match self.lang {
            Lang::En => '.',
            Lang::Ru => ',',
        }
    }

    /// Groups the digits of a decimal's text (`-1234567.5` → `-1 234 567.5`).
    pub fn group(&self, d: Decimal) -> String {
        let text = d.abs().to_string();
        let (int, frac) = match text.split_once('.') {
            Some((i, f)) => (i.to_string(), Some(f.to_string())),
            None => (text.clone(), None),
        };
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push(' ');
            }
            grouped.push(c);
        }
        if let Some(f) = frac {
            grouped.push(self.decimal_point());
            grouped.push_str(&f);
        }
        if d.is_sign_negative() && !d.is_zero() {
            format!("-{grouped}")
        } else {
            grouped
        }
    }

    /// Exactly `dp` decimals, rounded half away from zero.
    pub fn fixed(&self, q: &Exact, dp: u32) -> String {
        let mut d = round_exact(q, dp).unwrap_or(Decimal::MAX);
        d.rescale(dp);
        self.group(d)
    }

    fn currency_suffix(&self) -> String {
        let code = self.currency.trim();
        if code.is_empty() {
            String::new()
        } else {
            format!(" {code}")
        }
    }

    /// An amount with two decimals: `60 177.71 KZT`.
    pub fn money(&self, d: Decimal) -> String {
        format!("{}{}", self.fixed(&exact(d), 2), self.currency_suffix())
    }

    /// An amount in whole units when it is whole, with two decimals otherwise: exact either way.
    pub fn money_short(&self, q: &Exact) -> String {
        let cents = round_exact(q, 2).unwrap_or(Decimal::MAX);
        let dp = if cents.fract().is_zero() { 0 } else { 2 };
        format!(
            "{}{}",
            self.fixed(&exact(cents), dp),
            self.currency_suffix()
        )
    }

    /// A fraction as a percentage with one decimal: `84.4%`.
    pub fn pct(&self, q: &Exact) -> String {
        format!("{}%", self.fixed(&(q * exact_int(100)), 1))
    }

    /// A scheme's percentage as written: `50%`, `12.5%`.
    pub fn pct_plain(&self, d: Decimal) -> String {
        format!("{}%", self.group((d * Decimal::ONE_HUNDRED).normalize()))
    }

    /// A number with at most two decimals: `8`, `4.27`, `-40`.
    pub fn number(&self, q: &Exact) -> String {
        self.group(round_exact(q, 2).unwrap_or(Decimal::MAX).normalize())
    }

    /// A metric's value for a sentence (whole amounts without cents).
    pub fn measure(&self, q: &Exact, unit: Unit) -> String {
        match unit {
            Unit::Money => self.money_short(q),
            Unit::Ratio => self.pct(q),
            Unit::Count | Unit::Score | Unit::Number => self.number(q),
        }
    }
}

/// A payout line's kind in words: `correction`, `one-off payment` / `корректировка`, …
pub fn kind_words(kind: Kind, labels: &Labels) -> &'static str {
    labels.get(match kind {
        Kind::Cap => "cap on the bonus",
        Kind::Guarantee => "guarantee top-up",
        Kind::GuaranteeRecovery => "guarantee recovery",
        Kind::TrueUp => "true-up of a closed period",
        Kind::Correction => "correction",
        Kind::OneOff => "one-off payment",
        Kind::Clawback => "clawback",
        Kind::Other => "other",
    })
}

/// A count of months: `1 month`, `3 months` / `1 месяц`, `3 месяца`, `5 месяцев`.
pub fn months(n: u32, lang: Lang) -> String {
    match lang {
        Lang::En if n == 1 => "1 month".to_string(),
        Lang::En => format!("{n} months"),
        Lang::Ru => format!("{n} {}", plural_ru(n.into(), "месяц", "месяца", "месяцев")),
    }
}

/// Why a payout line is there, in words. An adjustments row's reason and a true-up's causes
/// are shown as written; a scheme line (which carries no reason) is put in words from the
/// cap and the guarantee the payout was decided with:
/// `cut to the cap of 100% of target bonus (100 000.00)`,
/// `guaranteed minimum 50% of target bonus for 20 days of 2026-10-12..2027-01-11: 25 806.45`,
/// `guarantee recovered: balance 31 548.39 → 11 548.39`.
/// `scheme` is the employee's scheme, for the guarantee's share.
pub fn line_reason(line: &Line, payout: &Payout, scheme: &Scheme, lang: Lang) -> String {
    if !line.is_scheme() {
        return line.reason.clone();
    }
    let f = Fmt::new(lang, "");
    let labels = Labels::new(lang);
    let fill = |template: &str, args: &[(&str, String)]| {
        let mut s = template.to_string();
        for (k, v) in args {
            s = s.replace(&format!("{{{k}}}"), v);
        }
        s
    };
    match (line.kind, payout.cap, payout.guarantee) {
        (Kind::Cap, Some(cap), _) => fill(
            labels.get("cut to the cap of {share} of target bonus ({limit})"),
            &[
                ("share", percent_text(cap.share, lang)),
                ("limit", f.money(cap.limit)),
            ],
        ),
        (Kind::Guarantee, _, Some(g)) => fill(
            labels.get("guaranteed minimum {share} of target bonus for {days} of {from}..{until}: {minimum}"),
            &[
                (
                    "share",
                    scheme
                        .guarantee
                        .map(|s| percent_text(s.share, lang))
                        .unwrap_or_default(),
                ),
                ("days", days(g.days, lang)),
                ("from", g.from.to_string()),
                ("until", g.until.to_string()),
                ("minimum", f.money(g.minimum)),
            ],
        ),
        (Kind::GuaranteeRecovery, _, Some(g)) => fill(
            labels.get("guarantee recovered: balance {opening} → {closing}"),
            &[("opening", f.money(g.opening)), ("closing", f.money(g.closing))],
        ),
        (kind, _, _) => kind_words(kind, &labels).to_string(),
    }
}

/// Where a payout line comes from, in words: `scheme rule (max_total 100%)`,
/// `scheme rule (guarantee 50% for 3 months from 2026-10-12)`,
/// `true-up of 2026-10 (final run out/2026-10)`, `adjustments.csv, row 4`.
pub fn line_source(line: &Line, payout: &Payout, scheme: &Scheme, lang: Lang) -> String {
    let labels = Labels::new(lang);
    match &line.origin {
        Origin::Scheme => {
            let rule = match line.kind {
                Kind::Cap => format!(
                    "max_total {}",
                    payout
                        .cap
                        .map(|c| c.share)
                        .or(scheme.max_total)
                        .map(|s| percent_text(s, lang))
                        .unwrap_or_default()
                ),
                _ => {
                    let share = scheme
                        .guarantee
                        .map(|g| percent_text(g.share, lang))
                        .unwrap_or_default();
                    let months = scheme
                        .guarantee
                        .map(|g| months(g.months, lang))
                        .unwrap_or_default();
                    let from = payout
                        .guarantee
                        .map(|g| g.from.to_string())
                        .unwrap_or_default();
                    labels
                        .get("guarantee {share} for {months} from {from}")
                        .replace("{share}", &share)
                        .replace("{months}", &months)
                        .replace("{from}", &from)
                }
            };
            labels.get("scheme rule ({rule})").replace("{rule}", &rule)
        }
        Origin::TrueUp { period, run } => labels
            .get("true-up of {period} (final run {run})")
            .replace("{period}", &period.to_string())
            .replace("{run}", run),
        Origin::Table { place, row } => labels
            .get("{place}, row {row}")
            .replace("{place}", place)
            .replace("{row}", &row.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn q(s: &str) -> Exact {
        exact(Decimal::from_str(s).unwrap())
    }

    #[test]
    fn russian_plural_forms_from_0_to_200() {
        let form = |n: u64| plural_ru(n, "день", "дня", "дней");
        for n in 0..=200u64 {
            let expected = match n {
                11..=14 | 111..=114 => "дней",
                _ if n % 10 == 1 => "день",
                _ if (2..=4).contains(&(n % 10)) => "дня",
                _ => "дней",
            };
            assert_eq!(form(n), expected, "{n}");
        }
        let words: Vec<String> = [
            0, 1, 2, 4, 5, 11, 12, 14, 20, 21, 22, 25, 101, 111, 112, 122,
        ]
        .iter()
        .map(|&n| format!("{n} {}", form(n)))
        .collect();
        assert_eq!(
            words.join(", "),
            "0 дней, 1 день, 2 дня, 4 дня, 5 дней, 11 дней, 12 дней, 14 дней, 20 дней, 21 день, \
             22 дня, 25 дней, 101 день, 111 дней, 112 дней, 122 дня"
        );
    }

    #[test]
    fn days_in_words() {
        assert_eq!(days_of(20, 31, Lang::Ru), "20 из 31 дня");
        assert_eq!(days_of(15, 30, Lang::Ru), "15 из 30 дней");
        assert_eq!(days_of(1, 22, Lang::Ru), "1 из 22 дней");
        assert_eq!(days_of(20, 31, Lang::En), "20 of 31 days");
        assert_eq!(employed_days(20, 31, Lang::En), "employed 20 of 31 days");
        assert_eq!(employed_days(0, 30, Lang::Ru), "отработано 0 из 30 дней");
        assert_eq!(days(1, Lang::En), "1 day");
        assert_eq!(days(21, Lang::Ru), "21 день");
        assert_eq!(days(3, Lang::Ru), "3 дня");
    }

    #[test]
    fn percentages_as_written() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(percent_text(d("0.35"), Lang::En), "35%");
        assert_eq!(percent_text(d("0.125"), Lang::En), "12.5%");
        assert_eq!(percent_text(d("0.125"), Lang::Ru), "12,5%");
        assert_eq!(decimal_text(d("1.5"), Lang::Ru), "1,5");
    }

    #[test]
    fn numbers_for_people() {
        let en = Fmt::new(Lang::En, "KZT");
        let ru = Fmt::new(Lang::Ru, "USD");
        assert_eq!(en.money_short(&q("10123456")), "10 123 456 KZT");
        assert_eq!(en.money_short(&q("60177.705")), "60 177.71 KZT");
        assert_eq!(en.money(Decimal::from(45000)), "45 000.00 KZT");
        assert_eq!(
            ru.money(Decimal::from_str("-1234.5").unwrap()),
            "-1 234,50 USD"
        );
        assert_eq!(en.pct(&q("0.8436")), "84.4%");
        assert_eq!(en.pct(&q("0.00049")), "0.0%");
        assert_eq!(ru.pct(&q("0.90266")), "90,3%");
        assert_eq!(en.pct_plain(Decimal::from_str("0.5").unwrap()), "50%");
        assert_eq!(en.pct_plain(Decimal::from_str("0.125").unwrap()), "12.5%");
        assert_eq!(ru.pct_plain(Decimal::from_str("0.125").unwrap()), "12,5%");
        assert_eq!(en.number(&(exact_int(64) / exact_int(15))), "4.27");
        assert_eq!(ru.number(&(exact_int(64) / exact_int(15))), "4,27");
        assert_eq!(en.number(&exact_int(-40)), "-40");
        assert_eq!(en.number(&exact_int(123)), "123");
        assert_eq!(en.measure(&q("0.8"), Unit::Ratio), "80.0%");
        assert_eq!(Fmt::new(Lang::En, "").money(Decimal::ONE), "1.00");
    }

    #[test]
    fn units_of_the_preset_metrics() {
        let unit = |file: &str, metric: &str| {
            let s = crate::scheme::load_file(std::path::Path::new(file)).unwrap();
            let m = s.metrics.iter().position(|m| m.name == metric).unwrap();
            unit(&s, m)
        };
        assert_eq!(
            unit("schemes/account-manager.yaml", "retention"),
            Unit::Ratio
        );
        assert_eq!(unit("schemes/account-manager.yaml", "nps"), Unit::Score);
        assert_eq!(unit("schemes/account-manager.yaml", "upsell"), Unit::Money);
        assert_eq!(unit("schemes/account-manager.yaml", "book"), Unit::Count);
        assert_eq!(
            unit("schemes/transactional.yaml", "average_deal"),
            Unit::Money
        );
        assert_eq!(
            unit("schemes/transactional.yaml", "calls_2min"),
            Unit::Count
        );
        assert_eq!(
            unit("schemes/b2b-long-cycle.yaml", "proposal_to_deal"),
            Unit::Ratio
        );
    }

    #[test]
    fn scheme_lines_in_words() {
        use crate::payout::{CapState, GuaranteeState, Line};
        let d = |s: &str| Decimal::from_str(s).unwrap();
        let date = |s: &str| chrono::NaiveDate::from_str(s).unwrap();
        let scheme = crate::scheme::parse_str(
            std::path::Path::new("s.yaml"),
            "currency: KZT\ncurve: standard\nmax_total: 100%\nguarantee: { months: 3, share: 50%, recoverable: yes }\nmetrics:\n  m: { count: deals }\nkpis:\n  - { id: k, weight: 100%, metric: m, target: 5 }\n",
        )
        .unwrap();
        let line = |kind: Kind, amount: &str| Line {
            kind,
            amount: d(amount),
            reason: String::new(),
            approved_by: String::new(),
            reference: String::new(),
            note: String::new(),
            origin: Origin::Scheme,
        };
        let guarantee = GuaranteeState {
            from: date("2026-10-12"),
            until: date("2027-01-11"),
            days: 20,
            minimum: d("25806.45"),
            recoverable: true,
            opening: d("31548.39"),
            top_up: d("0"),
            recovered: d("20000"),
            closing: d("11548.39"),
        };
        let payout = Payout::new(
            d("108125.00"),
            vec![],
            Some(CapState {
                share: d("1"),
                limit: d("100000.00"),
            }),
            Some(guarantee),
        )
        .unwrap();
        let words = |kind: Kind, lang: Lang| {
            let l = line(kind, "1");
            (
                line_reason(&l, &payout, &scheme, lang),
                line_source(&l, &payout, &scheme, lang),
            )
        };
        assert_eq!(
            words(Kind::Cap, Lang::En),
            (
                "cut to the cap of 100% of target bonus (100 000.00)".to_string(),
                "scheme rule (max_total 100%)".to_string()
            )
        );
        assert_eq!(
            words(Kind::Guarantee, Lang::En),
            (
                "guaranteed minimum 50% of target bonus for 20 days of 2026-10-12..2027-01-11: 25 806.45".to_string(),
                "scheme rule (guarantee 50% for 3 months from 2026-10-12)".to_string()
            )
        );
        assert_eq!(
            words(Kind::GuaranteeRecovery, Lang::En).0,
            "guarantee recovered: balance 31 548.39 → 11 548.39"
        );
        assert_eq!(
            words(Kind::Cap, Lang::Ru).0,
            "уменьшено до предела 100% целевого бонуса (100 000,00)"
        );
        assert_eq!(
            words(Kind::Guarantee, Lang::Ru),
            (
                "гарантированный минимум 50% целевого бонуса за 20 дней периода гарантии 2026-10-12..2027-01-11: 25 806,45".to_string(),
                "правило схемы (гарантия 50% на 3 месяца с 2026-10-12)".to_string()
            )
        );
        assert_eq!(
            words(Kind::GuaranteeRecovery, Lang::Ru).0,
            "возврат гарантии: остаток 31 548,39 → 11 548,39"
        );
        // A table row's and a true-up's reason are shown as written; their sources name the
        // row and the run.
        let mut row = line(Kind::Clawback, "-20000");
        row.reason = "Deal D20 refunded".into();
        row.origin = Origin::Table {
            place: "adjustments.csv".into(),
            row: 4,
        };
        assert_eq!(
            line_reason(&row, &payout, &scheme, Lang::Ru),
            "Deal D20 refunded"
        );
        assert_eq!(
            line_source(&row, &payout, &scheme, Lang::En),
            "adjustments.csv, row 4"
        );
        row.origin = Origin::TrueUp {
            period: crate::period::Period::parse("2026-10").unwrap(),
            run: "/tmp/x".into(),
        };
        assert_eq!(
            line_source(&row, &payout, &scheme, Lang::En),
            "true-up of 2026-10 (final run /tmp/x)"
        );
        assert_eq!(months(1, Lang::En), "1 month");
        assert_eq!(months(5, Lang::Ru), "5 месяцев");
        assert_eq!(
            kind_words(Kind::OneOff, &Labels::new(Lang::Ru)),
            "разовая выплата"
        );
    }
}
