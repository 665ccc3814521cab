//! `incentive plan`'s text outputs: plans.csv (the plans table's layout), plan.json (the whole
//! model for machines) and the plain-language line and warnings every output shows. The plan
//! model (`analysis::plan`) decides every figure; this module only puts them in words.

use crate::analysis::plan::{
    Bands, BaseFrom, ManualWhy, Method, NoSeason, NotUsed, Plan, PlanRow, Realism, Scaling, Season,
    Skipped, Split,
};
use crate::num::{Exact, round_exact};
use crate::period::Period;
use crate::report::labels::Lang;
use crate::report::units::{Fmt, days_of};
use crate::results::Evaluation;
use num_traits::One;
use rust_decimal::Decimal;
use serde_json::{Value as J, json};

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_RU: [&str; 12] = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
];

fn month_index(p: Period) -> usize {
    (p.start()
        .format("%m")
        .to_string()
        .parse::<usize>()
        .unwrap_or(1))
    .clamp(1, 12)
        - 1
}

/// A month's name: `November` / `ноябрь`.
pub fn month_name(p: Period, lang: Lang) -> &'static str {
    match lang {
        Lang::En => MONTHS_EN[month_index(p)],
        Lang::Ru => MONTHS_RU[month_index(p)],
    }
}

/// A month with its year, short: `Nov 2025` / `ноя 2025`.
pub fn month_short(p: Period, lang: Lang) -> String {
    let name = month_name(p, lang);
    let short: String = name.chars().take(3).collect();
    format!("{short} {}", p.start().format("%Y"))
}

/// An exact value with `dp` decimals, trailing zeros kept (`1.20`).
fn factor(f: &Fmt, q: &Exact) -> String {
    f.fixed(q, 2)
}

/// A value of the metric for a sentence (amounts without the currency, counts as numbers).
fn value(f: &Fmt, q: &Exact, row: &PlanRow) -> String {
    f.measure(q, row.unit)
}

/// The plan of one employee and metric in one line:
/// `average of Nov 2025-Oct 2026 (12 months) 12 310 000 × growth 1.20 × November seasonality
/// 1.08 × 20 of 30 days employed = 10 633 712.40 → 10 634 000`.
pub fn line(plan: &Plan, row: &PlanRow, ev: &Evaluation, lang: Lang) -> String {
    let f = Fmt::new(lang, "");
    let en = lang == Lang::En;
    let scheme = &ev.schemes[row.scheme];
    let base = match &row.base_from {
        BaseFrom::Own {
            months,
            first,
            last,
        } => {
            let span = if first == last {
                month_short(*first, lang)
            } else {
                format!("{}-{}", month_short(*first, lang), month_short(*last, lang))
            };
            if en {
                format!(
                    "average of {span} ({}) {}",
                    crate::report::units::months(*months as u32, lang),
                    value(&f, &row.base, row)
                )
            } else {
                format!(
                    "среднее за {span} ({}) {}",
                    crate::report::units::months(*months as u32, lang),
                    value(&f, &row.base, row)
                )
            }
        }
        BaseFrom::Colleagues { count } => {
            if en {
                format!(
                    "median of {count} {} on {} {} (too little own history)",
                    if *count == 1 {
                        "colleague"
                    } else {
                        "colleagues"
                    },
                    scheme.id,
                    value(&f, &row.base, row)
                )
            } else {
                format!(
                    "медиана {count} коллег на схеме {} {} (своей истории мало)",
                    scheme.id,
                    value(&f, &row.base, row)
                )
            }
        }
        BaseFrom::NoHistory => {
            if en {
                "no history".to_string()
            } else {
                "истории нет".to_string()
            }
        }
    };
    let mut bottom_up = base.clone();
    if let Some(g) = &row.growth
        && !g.is_one()
    {
        bottom_up += &format!(
            " × {} {}",
            if en { "growth" } else { "рост" },
            factor(&f, g)
        );
    }
    if let Some(s) = &row.season {
        bottom_up += &format!(
            " × {} {}",
            if en {
                format!("{} seasonality", month_name(plan.options.month, lang))
            } else {
                format!("сезонность ({})", month_name(plan.options.month, lang))
            },
            factor(&f, s)
        );
    }
    let share = &row.employment;
    let days = if share.days_employed < share.days_in_period {
        format!(
            " × {} {}",
            days_of(share.days_employed, share.days_in_period, lang),
            if en {
                "employed"
            } else {
                "в должности"
            }
        )
    } else {
        String::new()
    };
    let result = format!(
        " = {} → {}",
        value(&f, &row.raw, row),
        f.group(row.plan.normalize())
    );
    match &row.scaling {
        Scaling::None => format!("{bottom_up}{days}{result}"),
        Scaling::Split {
            target,
            weight,
            total_weight,
        } => {
            let by = match plan.options.split {
                Split::Equal => {
                    if en {
                        "days employed"
                    } else {
                        "дни в должности"
                    }
                }
                Split::History => {
                    if en {
                        "history × days employed"
                    } else {
                        "история × дни в должности"
                    }
                }
            };
            let weight_text = match plan.options.split {
                Split::Equal => factor(&f, weight),
                Split::History => value(&f, weight, row),
            };
            let total_text = match plan.options.split {
                Split::Equal => factor(&f, total_weight),
                Split::History => value(&f, total_weight, row),
            };
            let own = if plan.options.split == Split::History {
                format!("{base}{days}; ")
            } else {
                String::new()
            };
            if en {
                format!(
                    "{own}company target {} × {weight_text} ÷ {total_text} (shares by {by}){result}",
                    f.group(target.normalize())
                )
            } else {
                format!(
                    "{own}цель компании {} × {weight_text} ÷ {total_text} (доли: {by}){result}",
                    f.group(target.normalize())
                )
            }
        }
        Scaling::Blend {
            target,
            bottom_up: bu,
            factor: k,
        } => {
            if en {
                format!(
                    "{bottom_up}{days} = {} (bottom-up) × {} to meet the company target {}{result}",
                    value(&f, bu, row),
                    f.fixed(k, 4),
                    f.group(target.normalize())
                )
            } else {
                format!(
                    "{bottom_up}{days} = {} (снизу вверх) × {} до цели компании {}{result}",
                    value(&f, bu, row),
                    f.fixed(k, 4),
                    f.group(target.normalize())
                )
            }
        }
    }
}

/// A realism warning in words.
pub fn realism_text(row: &PlanRow, w: Realism, lang: Lang) -> String {
    let f = Fmt::new(lang, "");
    let best = row
        .best
        .as_ref()
        .map(|b| value(&f, b, row))
        .unwrap_or_default();
    let worst = row
        .worst
        .as_ref()
        .map(|b| value(&f, b, row))
        .unwrap_or_default();
    let full = value(&f, &row.full_month, row);
    match (w, lang) {
        (Realism::AboveBest, Lang::En) => format!(
            "the plan for a whole month, {full}, is above the best month, {best}, by more than 50%: people who see a number they cannot reach stop trying"
        ),
        (Realism::AboveBest, Lang::Ru) => format!(
            "план на полный месяц, {full}, выше лучшего месяца, {best}, более чем на 50%: недостижимый план демотивирует"
        ),
        (Realism::BelowWorst, Lang::En) => format!(
            "the plan for a whole month, {full}, is below the worst month, {worst}: too easy"
        ),
        (Realism::BelowWorst, Lang::Ru) => {
            format!("план на полный месяц, {full}, ниже худшего месяца, {worst}: слишком легко")
        }
    }
}

/// Why someone needs a manual plan, in words.
pub fn manual_text(why: ManualWhy, scheme: &str, months: usize, min: usize, lang: Lang) -> String {
    match (why, lang) {
        (ManualWhy::NoHistoryNoColleagues, Lang::En) => format!(
            "{months} of the {min} full history months a plan needs, and no colleague on {scheme} has them: set this plan by hand"
        ),
        (ManualWhy::NoHistoryNoColleagues, Lang::Ru) => format!(
            "полных месяцев истории {months} из {min} нужных, и ни у кого из коллег на схеме {scheme} их нет: задайте план вручную"
        ),
        (ManualWhy::RoundsToZero, Lang::En) => {
            "the history averages 0, so the plan rounds to 0: set this plan by hand".to_string()
        }
        (ManualWhy::RoundsToZero, Lang::Ru) => {
            "в среднем за историю 0, план округляется до 0: задайте план вручную".to_string()
        }
        (ManualWhy::NoWeight, Lang::En) => {
            "nobody carrying this metric has a history to split the company target by: set these plans by hand".to_string()
        }
        (ManualWhy::NoWeight, Lang::Ru) => {
            "ни у кого с этой метрикой нет истории, по которой делить цель компании: задайте планы вручную".to_string()
        }
    }
}

/// The seasonal index of a metric in words.
pub fn season_text(plan: &Plan, s: &Season, lang: Lang) -> String {
    let f = Fmt::new(lang, "");
    let en = lang == Lang::En;
    match (&s.index, s.why) {
        (Some(index), _) => {
            let same = s
                .same_month
                .map(|p| month_short(p, lang))
                .unwrap_or_default();
            let total = s
                .same_total
                .as_ref()
                .map(|t| f.number(t))
                .unwrap_or_default();
            let avg = s.average.as_ref().map(|t| f.number(t)).unwrap_or_default();
            if en {
                format!(
                    "{same}: {total} against the 12 months' average {avg} = {} for {}",
                    f.fixed(index, 2),
                    month_name(plan.options.month, lang)
                )
            } else {
                format!(
                    "{same}: {total} против среднего за 12 месяцев {avg} = {} для месяца «{}»",
                    f.fixed(index, 2),
                    month_name(plan.options.month, lang)
                )
            }
        }
        (None, Some(NoSeason::ZeroAverage)) => {
            if en {
                "none: the department's average over the 12 months is 0".to_string()
            } else {
                "нет: среднее отдела за 12 месяцев равно 0".to_string()
            }
        }
        _ => {
            let since = plan
                .first_month
                .map(|p| p.to_string())
                .unwrap_or_else(|| "-".to_string());
            if en {
                format!(
                    "none: the export holds fewer than the 12 months before {} (it starts {since})",
                    plan.options.month
                )
            } else {
                format!(
                    "нет: в выгрузке меньше 12 месяцев до {} (она начинается с {since})",
                    plan.options.month
                )
            }
        }
    }
}

/// plans.csv: the plans table's layout, employee_id then metric order.
pub fn plans_csv(plan: &Plan, ev: &Evaluation) -> Vec<u8> {
    let mut out = String::from("employee_id,period,metric,target\n");
    for r in &plan.rows {
        out += &format!(
            "{},{},{},{}\n",
            csv_field(&ev.roster[r.employee].id),
            plan.options.month,
            csv_field(&r.metric),
            r.plan.normalize()
        );
    }
    out.into_bytes()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// An exact value as a decimal string with at most 6 places.
fn num(q: &Exact) -> J {
    J::String(
        round_exact(q, 6)
            .map(|d| d.normalize().to_string())
            .unwrap_or_default(),
    )
}

fn dec(d: Decimal) -> J {
    J::String(d.normalize().to_string())
}

fn bands_json(b: &Bands) -> J {
    json!({
        "below_80": b.below_80, "80_100": b.from_80_to_100, "100_120": b.from_100_to_120,
        "above_120": b.above_120, "count": b.count(),
        "below_review_line": b.below_review, "above_discuss_line": b.above_discuss,
    })
}

/// plan.json: the whole plan, exact numbers as decimal strings (docs/plan.md).
pub fn plan_json(plan: &Plan, ev: &Evaluation, lang: Lang) -> Vec<u8> {
    let o = &plan.options;
    let season: serde_json::Map<String, J> = plan
        .season
        .iter()
        .map(|(m, s)| {
            (
                m.clone(),
                json!({
                    "index": s.index.as_ref().map(num),
                    "same_month": s.same_month.map(|p| p.to_string()),
                    "same_month_total": s.same_total.as_ref().map(num),
                    "average": s.average.as_ref().map(num),
                    "why": s.why.map(|w| w.code()),
                    "text": season_text(plan, s, lang),
                }),
            )
        })
        .collect();
    let plans: Vec<J> = plan
        .rows
        .iter()
        .map(|r| {
            let e = &ev.roster[r.employee];
            let history: Vec<J> = r
                .history
                .iter()
                .map(|h| {
                    json!({
                        "period": h.period.to_string(),
                        // A month not in the export or not worked has no value: never a 0.
                        "value": match h.not_used {
                            Some(NotUsed::NotInExport | NotUsed::NotEmployed) => None,
                            _ => h.value.as_ref().map(num),
                        },
                        "used": h.not_used.is_none(),
                        "why": h.not_used.map(|w| w.code()),
                    })
                })
                .collect();
            let (base_from, colleagues) = match r.base_from {
                BaseFrom::Own { .. } => ("own", None),
                BaseFrom::Colleagues { count } => ("colleagues", Some(count)),
                BaseFrom::NoHistory => ("none", None),
            };
            json!({
                "employee_id": e.id, "name": e.name, "team": e.team,
                "scheme": ev.schemes[r.scheme].id, "metric": r.metric,
                "unit": format!("{:?}", r.unit).to_lowercase(),
                "history": history,
                "base": (r.base_from != BaseFrom::NoHistory).then(|| num(&r.base)),
                "base_from": base_from, "colleagues": colleagues,
                "best_month": r.best.as_ref().map(num), "worst_month": r.worst.as_ref().map(num),
                "growth": r.growth.as_ref().map(num), "season": r.season.as_ref().map(num),
                "share": { "days": r.employment.days_employed, "of": r.employment.days_in_period },
                "full_month": num(&r.full_month), "raw": num(&r.raw), "plan": dec(r.plan),
                "line": line(plan, r, ev, lang),
                "warnings": r.warnings.iter().map(|w| json!({
                    "code": w.code(), "text": realism_text(r, *w, lang),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let manual: Vec<J> = plan
        .manual
        .iter()
        .map(|m| {
            let e = &ev.roster[m.employee];
            json!({
                "employee_id": e.id, "name": e.name, "metric": m.metric,
                "scheme": ev.schemes[m.scheme].id, "reason": m.why.code(),
                "text": manual_text(m.why, &ev.schemes[m.scheme].id, m.months, o.min_history, lang),
            })
        })
        .collect();
    let teams: Vec<J> = plan
        .teams
        .iter()
        .map(|t| {
            json!({
                "team": t.team, "metric": t.metric, "plan_total": dec(t.plan_total),
                "best_month": t.best_month.map(|p| p.to_string()),
                "best_total": t.best_total.as_ref().map(num),
                "above_best": t.above_best,
                "months": t.months.iter().map(|(p, v)| json!({"period": p.to_string(), "total": num(v)})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let company: Vec<J> = plan
        .company
        .iter()
        .map(|c| {
            json!({
                "metric": c.metric, "target": dec(c.target), "rounded_sum": dec(c.rounded_sum),
            })
        })
        .collect();
    let backtest: Vec<J> = plan
        .backtest
        .iter()
        .map(|b| {
            json!({
                "metric": b.metric,
                "months": b.months.iter().map(|m| json!({
                    "period": m.period.to_string(),
                    "method": bands_json(&m.method),
                    "actual": bands_json(&m.actual),
                    "skipped": m.skipped.map(Skipped::code),
                    "target": m.target.map(dec),
                })).collect::<Vec<_>>(),
                "method": bands_json(&b.method),
                "actual": bands_json(&b.actual),
                "flag": b.flag.map(|f| f.code()),
            })
        })
        .collect();
    let mut warnings: Vec<J> = Vec::new();
    for r in &plan.rows {
        for w in &r.warnings {
            warnings.push(json!({
                "code": w.code(), "employee_id": ev.roster[r.employee].id, "metric": r.metric,
                "text": realism_text(r, *w, lang),
            }));
        }
    }
    for t in plan.teams.iter().filter(|t| t.above_best) {
        warnings.push(json!({
            "code": "team_above_best", "team": t.team, "metric": t.metric,
            "text": team_text(t, lang),
        }));
    }
    for b in &plan.backtest {
        if let Some(fl) = b.flag {
            warnings.push(json!({
                "code": fl.code(), "metric": b.metric,
                "text": backtest_flag_text(plan, b.metric.as_str(), fl, lang),
            }));
        }
    }
    let v = json!({
        "format": 1,
        "for": o.month.to_string(),
        "method": o.method.name(),
        "split": (o.method == Method::TopDown).then(|| o.split.name()),
        "growth": num(&o.growth),
        "history": o.history,
        "min_history": o.min_history,
        "step": dec(o.step),
        "export_first_month": plan.first_month.map(|p| p.to_string()),
        "export_last_month": plan.last_month.map(|p| p.to_string()),
        "metrics": plan.metrics,
        "season": season,
        "plans": plans,
        "manual": manual,
        "teams": teams,
        "company_target": company,
        "backtest": backtest,
        "warnings": warnings,
    });
    let mut out = serde_json::to_vec_pretty(&v).unwrap_or_default();
    out.push(b'\n');
    out
}

/// A team's plans above its best month, in words.
pub fn team_text(t: &crate::analysis::plan::TeamTotal, lang: Lang) -> String {
    let f = Fmt::new(lang, "");
    let best = t
        .best_total
        .as_ref()
        .map(|b| f.number(b))
        .unwrap_or_default();
    let month = t
        .best_month
        .map(|p| month_short(p, lang))
        .unwrap_or_default();
    match lang {
        Lang::En => format!(
            "team {}: the plans for {} add up to {}, more than the team's best month ({month}: {best})",
            t.team,
            t.metric,
            f.group(t.plan_total.normalize())
        ),
        Lang::Ru => format!(
            "команда {}: планы по {} в сумме {}, больше лучшего месяца команды ({month}: {best})",
            t.team,
            t.metric,
            f.group(t.plan_total.normalize())
        ),
    }
}

/// A back-test flag in words.
pub fn backtest_flag_text(
    plan: &Plan,
    metric: &str,
    flag: crate::analysis::plan::BacktestFlag,
    lang: Lang,
) -> String {
    use crate::analysis::plan::BacktestFlag;
    let method = plan.options.method.name();
    match (flag, lang) {
        (BacktestFlag::TooHard, Lang::En) => format!(
            "{method} plans for {metric} would have put most people below the threshold in the last six months: too hard"
        ),
        (BacktestFlag::TooHard, Lang::Ru) => format!(
            "планы {method} по {metric} за последние шесть месяцев оставили бы большинство ниже порога: слишком трудно"
        ),
        (BacktestFlag::TooEasy, Lang::En) => format!(
            "{method} plans for {metric} would have put most people above the discuss line in the last six months: too easy"
        ),
        (BacktestFlag::TooEasy, Lang::Ru) => format!(
            "планы {method} по {metric} за последние шесть месяцев дали бы большинству выше линии обсуждения: слишком легко"
        ),
    }
}
