//! The head of sales' view rendered: the words of every flag (one function, so team.html,
//! team.xlsx and team.json say the same), and team.json. The figures are decided in
//! [`crate::analysis::team`]; nothing here computes one.

use crate::analysis::team::{Flag, FlagCode, Forecast, Funnel, Num, Transition, View};
use crate::num::{Exact, round_exact};
use crate::period::Period;
use crate::report::labels::Lang;
use crate::report::units::Fmt;
use crate::results::Evaluation;
use crate::scheme::unit::Unit;
use serde_json::{Value as J, json};

pub const FORMAT: u32 = 1;

/// An activity or a transition in words.
pub fn subject_words(subject: &str, lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    let w = match subject {
        "calls_outgoing" => ["outgoing calls", "исходящие звонки"],
        "calls_2min" => ["calls of 2+ minutes", "звонки от 2 минут"],
        "emails_sent" => ["emails sent", "отправленные письма"],
        "meetings_held" => ["meetings held", "проведённые встречи"],
        "lead_to_qualified" => ["lead → qualified", "лид → квалификация"],
        "qualified_to_negotiation" => ["qualified → negotiation", "квалификация → переговоры"],
        "negotiation_to_proposal" => ["negotiation → proposal", "переговоры → КП"],
        "proposal_to_won" => ["proposal → won", "КП → сделка"],
        "win_rate" => ["lead → won", "лид → сделка"],
        other => return other.to_string(),
    };
    w[usize::from(ru)].to_string()
}

fn months_text(months: &[Period]) -> String {
    match (months.first(), months.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}…{b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    }
}

fn num(n: Option<&Num>, f: &Fmt, unit: Unit) -> String {
    match n {
        None => String::new(),
        Some(Num::Count(c)) => f.group((*c).into()),
        Some(Num::Ratio(q)) => f.pct(q),
        Some(Num::Money(q)) => f.money_short(q),
        Some(Num::Number(q)) => f.measure(q, unit),
        Some(Num::Month(p)) => p.to_string(),
        Some(Num::Text(t)) => t.clone(),
    }
}

/// The KPI's name and unit for a flag's subject, from the person's paid scheme.
fn kpi_of<'a>(view: &'a View, ev: &'a Evaluation, flag: &Flag) -> Option<(&'a str, Unit)> {
    let p = view
        .people
        .iter()
        .find(|p| p.employee_id == flag.employee_id)?;
    let k = p.now().kpis.iter().find(|k| k.id == flag.subject)?;
    let _ = ev;
    Some((k.name.as_str(), k.unit))
}

/// What the flag saw, with its numbers, and what to look at: one sentence.
pub fn flag_text(view: &View, ev: &Evaluation, flag: &Flag, f: &Fmt) -> String {
    let ru = f.lang == Lang::Ru;
    let get = |k: &str| flag.numbers.iter().find(|(n, _)| *n == k).map(|(_, v)| v);
    let months = months_text(&view.history);
    let subject = subject_words(&flag.subject, f.lang);
    let (kpi, unit) = kpi_of(view, ev, flag).unwrap_or((flag.subject.as_str(), Unit::Number));
    match flag.code {
        FlagCode::ActivityDrop => {
            let (v, a, d) = (
                num(get("value"), f, Unit::Count),
                num(get("history_average"), f, Unit::Count),
                num(get("drop"), f, Unit::Ratio),
            );
            let pace = if view.as_of.is_some() {
                if ru {
                    " (в темпе на конец месяца)"
                } else {
                    " (at this pace by the period end)"
                }
            } else {
                ""
            };
            if ru {
                format!(
                    "{subject}: {v}{pace} против {a} в среднем за {months} (−{d}); узнать о нагрузке и мотивации"
                )
            } else {
                format!(
                    "{subject}: {v}{pace} against an average of {a} in {months} (−{d}): ask about workload and motivation"
                )
            }
        }
        FlagCode::ConversionDrop => {
            let (r, n, h, hn) = (
                num(get("rate"), f, Unit::Ratio),
                num(get("deals"), f, Unit::Count),
                num(get("history_rate"), f, Unit::Ratio),
                num(get("history_deals"), f, Unit::Count),
            );
            if ru {
                format!(
                    "конверсия {subject}: {r} из {n} сделок против {h} из {hn} за {months}; разобрать сделки, потерянные на этом этапе"
                )
            } else {
                format!(
                    "{subject} conversion {r} of {n} deals against {h} of {hn} in {months}: go through the deals lost at this stage"
                )
            }
        }
        FlagCode::AverageDealFalling => {
            let mut steps = Vec::new();
            let mut it = flag.numbers.iter();
            while let (Some((_, m)), Some((_, a))) = (it.next(), it.next()) {
                steps.push(format!(
                    "{} {}",
                    num(Some(m), f, Unit::Number),
                    num(Some(a), f, Unit::Money)
                ));
            }
            let steps = steps.join(" → ");
            if ru {
                format!(
                    "средний чек падает каждый месяц: {steps}; проверить скидки и состав сделок"
                )
            } else {
                format!(
                    "average won deal falling every month: {steps}: check discounts and the mix of deals"
                )
            }
        }
        FlagCode::ShortCalls => {
            let (c, s, l) = (
                num(get("calls_outgoing"), f, Unit::Count),
                num(get("short_share"), f, Unit::Ratio),
                num(get("long_share"), f, Unit::Ratio),
            );
            let sec = view.thresholds.short_call_seconds;
            if ru {
                format!(
                    "{c} исходящих звонков: {s} короче {sec} с, {l} от 2 минут; звонки ради количества?"
                )
            } else {
                format!(
                    "{c} outgoing calls: {s} under {sec} s, {l} of 2+ minutes: calls made for the count?"
                )
            }
        }
        FlagCode::BelowThreshold => {
            let (a, l) = (
                num(get("attainment"), f, Unit::Ratio),
                num(get("line"), f, Unit::Ratio),
            );
            if ru {
                format!("{kpi}: {a}, ниже линии разбора {l}; поговорить, что мешает")
            } else {
                format!("{kpi} at {a}, under the review line {l}: talk about what is in the way")
            }
        }
        FlagCode::AboveDiscuss => {
            let (a, l) = (
                num(get("attainment"), f, Unit::Ratio),
                num(get("line"), f, Unit::Ratio),
            );
            if ru {
                format!("{kpi}: {a}, выше линии обсуждения {l}; звезда или слишком лёгкий план")
            } else {
                format!("{kpi} at {a}, above the discuss line {l}: a star, or a plan set too low")
            }
        }
        FlagCode::OffTrack => {
            let (a, t) = (
                num(get("attainment"), f, Unit::Ratio),
                num(get("threshold"), f, Unit::Ratio),
            );
            let need = get("needed").map(|n| num(Some(n), f, unit));
            let per_day = get("per_day").map(|n| num(Some(n), f, unit));
            let rest = view.working_days.remaining;
            let tail = match (need, per_day, ru) {
                (Some(n), Some(d), false) => {
                    format!(": {n} more needed in {rest} working days, {d} a day")
                }
                (Some(n), None, false) => format!(": {n} more needed"),
                (Some(n), Some(d), true) => {
                    format!("; нужно ещё {n} за {rest} рабочих дн.: {d} в день")
                }
                (Some(n), None, true) => format!("; нужно ещё {n}"),
                (None, _, _) => String::new(),
            };
            if ru {
                format!("{kpi}: в этом темпе {a} к концу месяца, ниже порога {t}{tail}")
            } else {
                format!("{kpi} heading for {a} by the period end, under the threshold {t}{tail}")
            }
        }
        FlagCode::LossReasonDominant => {
            let (s, n) = (
                num(get("share"), f, Unit::Ratio),
                num(get("team_lost"), f, Unit::Count),
            );
            let team = if flag.team.is_empty() {
                if ru {
                    "без команды"
                } else {
                    "(no team)"
                }
            } else {
                flag.team.as_str()
            };
            if ru {
                format!(
                    "команда {team}: {s} из {n} проигранных сделок по причине «{}»; сигнал о рынке и предложении, не о человеке",
                    flag.subject
                )
            } else {
                format!(
                    "team {team}: {s} of {n} lost deals lost on {:?}: a signal about the offer and the market, not a person's fault",
                    flag.subject
                )
            }
        }
    }
}

/// An exact value as a JSON string: money with 2 decimals, everything else with up to 4.
fn dec(q: &Exact, dp: u32) -> J {
    match round_exact(q, dp) {
        Some(mut d) => {
            if dp == 2 {
                d.rescale(2);
            } else {
                d = d.normalize();
            }
            J::String(d.to_string())
        }
        None => J::Null,
    }
}

fn opt(q: &Option<Exact>, dp: u32) -> J {
    q.as_ref().map_or(J::Null, |q| dec(q, dp))
}

fn unit_dp(unit: Unit) -> u32 {
    if unit == Unit::Money { 2 } else { 4 }
}

fn num_json(n: &Num) -> J {
    match n {
        Num::Count(c) => json!(c),
        Num::Ratio(q) | Num::Number(q) => dec(q, 4),
        Num::Money(q) => dec(q, 2),
        Num::Month(p) => J::String(p.to_string()),
        Num::Text(t) => J::String(t.clone()),
    }
}

fn funnel_json(f: &Funnel) -> J {
    let rates: serde_json::Map<String, J> = Transition::ALL
        .iter()
        .map(|t| (t.name().to_string(), opt(&f.rate(*t), 4)))
        .collect();
    json!({
        "closed": f.counts[0], "qualified": f.counts[1], "negotiation": f.counts[2],
        "proposal": f.counts[3], "proposal_won": f.counts[4], "won": f.counts[5], "rates": rates,
        "bottleneck": f.bottleneck().map(|b| b.name()),
    })
}

fn forecast_json(fc: &Forecast) -> J {
    let dp = unit_dp(fc.unit);
    let need = |n: &Option<(Exact, Option<Exact>)>| match n {
        None => J::Null,
        Some((total, per_day)) => json!({ "total": dec(total, dp), "per_day": opt(per_day, dp) }),
    };
    json!({
        "kpi": fc.kpi, "name": fc.name, "run_rate": fc.additive,
        "actual": opt(&fc.actual, dp), "target": opt(&fc.target, dp),
        "projected": opt(&fc.projected, dp), "projected_attainment": opt(&fc.attainment, 4),
        "projected_band": fc.band.map(|b| format!("{b:?}").to_lowercase()),
        "projected_amount": crate::report::money(fc.amount),
        "needed_for_threshold": need(&fc.needed_threshold),
        "needed_for_target": need(&fc.needed_target),
    })
}

/// One employee of team.json, built when the writer reaches it (see [`Employees`]).
fn employee_json(p: &crate::analysis::team::Person, ev: &Evaluation) -> J {
    let scheme = &ev.schemes[p.scheme];
    let months: Vec<J> = p
        .months
        .iter()
        .map(|m| {
            let figures: serde_json::Map<String, J> = m
                .figures
                .iter()
                .map(|(k, v)| {
                    let dp = if matches!(*k, "revenue" | "average_deal" | "pipeline") {
                        2
                    } else {
                        4
                    };
                    (k.to_string(), opt(v, dp))
                })
                .collect();
            let kpis: Vec<J> = m
                .kpis
                .iter()
                .map(|k| {
                    let dp = unit_dp(k.unit);
                    json!({
                        "id": k.id, "name": k.name, "paid": k.paid,
                        "actual": opt(&k.actual, dp), "target": opt(&k.target, dp),
                        "attainment": opt(&k.attainment, 4),
                        "band": k.band.map(|b| format!("{b:?}").to_lowercase()),
                        "amount": crate::report::money(k.amount),
                    })
                })
                .collect();
            json!({
                "period": m.period.to_string(), "employed_all_month": m.full_month,
                "figures": figures, "funnel": funnel_json(&m.funnel),
                "losses": m.losses, "kpis": kpis,
                "bonus": crate::report::money(m.bonus),
                "overall_attainment": opt(&m.overall_attainment(scheme), 4),
            })
        })
        .collect();
    let activity = |rows: &[crate::analysis::team::Activity]| -> Vec<J> {
        rows.iter()
            .map(|a| {
                json!({
                    "from": a.from.to_string(), "calls_outgoing": a.calls_outgoing,
                    "calls_2min": a.calls_2min, "emails_sent": a.emails_sent,
                    "meetings_held": a.meetings_held,
                })
            })
            .collect()
    };
    json!({
        "employee_id": p.employee_id, "name": p.name, "team": p.team,
        "scheme": scheme.id, "currency": scheme.currency,
        "months": months,
        "forecast": p.forecast.iter().map(forecast_json).collect::<Vec<J>>(),
        "projected_bonus": p.projected_bonus.map(crate::report::money),
        "pipeline_coverage": opt(&p.pipeline_coverage, 4),
        "days": activity(&p.days), "weeks": activity(&p.weeks),
    })
}

/// team.json's employees, each built as it is written and dropped after: over a year of
/// history the whole list as one tree was most of the command's peak memory.
struct Employees<'a> {
    view: &'a View,
    ev: &'a Evaluation,
}

impl serde::Serialize for Employees<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.view.people.iter().map(|p| employee_json(p, self.ev)))
    }
}

/// team.json's top-level object with its employees written as they are built, keys in the
/// order `serde_json::Map` keeps them (sorted), so the bytes are what the whole tree gave.
struct Document<'a> {
    /// Everything else: an object (`json!({ .. })`).
    rest: J,
    employees: Employees<'a>,
}

impl serde::Serialize for Document<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        const KEY: &str = "employees";
        let J::Object(rest) = &self.rest else {
            return self.rest.serialize(serializer);
        };
        let mut map = serializer.serialize_map(Some(rest.len() + 1))?;
        let mut written = false;
        for (k, v) in rest {
            if !written && k.as_str() > KEY {
                map.serialize_entry(KEY, &self.employees)?;
                written = true;
            }
            map.serialize_entry(k, v)?;
        }
        if !written {
            map.serialize_entry(KEY, &self.employees)?;
        }
        map.end()
    }
}

/// team.json: the whole view, figures as exact decimal strings.
pub fn team_json(view: &View, ev: &Evaluation, lang: Lang) -> Vec<u8> {
    let flags: Vec<J> = view
        .flags
        .iter()
        .map(|fl| {
            let currency = view
                .people
                .iter()
                .find(|p| p.employee_id == fl.employee_id)
                .map(|p| ev.schemes[p.scheme].currency.clone())
                .unwrap_or_default();
            let f = Fmt::new(lang, &currency);
            let numbers: serde_json::Map<String, J> = if fl.code == FlagCode::AverageDealFalling {
                let mut m = serde_json::Map::new();
                let mut it = fl.numbers.iter();
                while let (Some((_, Num::Month(p))), Some((_, a))) = (it.next(), it.next()) {
                    m.insert(p.to_string(), num_json(a));
                }
                m
            } else {
                fl.numbers
                    .iter()
                    .map(|(k, v)| (k.to_string(), num_json(v)))
                    .collect()
            };
            json!({
                "code": fl.code.code(), "employee_id": fl.employee_id, "team": fl.team,
                "subject": fl.subject, "period": fl.period.to_string(), "numbers": numbers,
                "text": flag_text(view, ev, fl, &f),
            })
        })
        .collect();
    let teams: Vec<J> = view
        .teams
        .iter()
        .map(|t| {
            // Shares decided in the model, as the page and the workbook show them.
            let shares: serde_json::Map<String, J> = crate::analysis::team::loss_shares(&t.losses)
                .into_iter()
                .map(|(r, _, share)| (r.to_string(), dec(&share, 4)))
                .collect();
            json!({
                "team": t.team, "members": t.members, "funnel": funnel_json(&t.funnel),
                "bottleneck": t.bottleneck.map(|b| b.name()),
                "learn_from": t.learn_from,
                "losses": t.losses, "loss_shares": shares,
            })
        })
        .collect();
    let totals = &view.totals;
    let doc = json!({
        "format": FORMAT,
        "period": view.period.to_string(),
        "as_of": view.as_of.map(|d| d.to_string()),
        "history": view.history.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        "working_days": {
            "period": view.working_days.period, "elapsed": view.working_days.elapsed,
            "remaining": view.working_days.remaining,
        },
        "benchmarks": Transition::ALL.iter().map(|t| {
            let (lo, hi) = t.range();
            (t.name().to_string(), json!([lo, hi]))
        }).collect::<serde_json::Map<String, J>>(),
        "not_in_export": view.missing,
        "flags": flags,
        "teams": teams,
        "totals": {
            "plans": totals.plans.iter().map(|p| json!({
                "metric": p.metric, "actual": dec(&p.actual, 2), "target": dec(&p.target, 2),
                "attainment": opt(&p.attainment(), 4),
            })).collect::<Vec<J>>(),
            "payout": totals.payout.iter().map(|(c, (now, projected))| (c.clone(), json!({
                "so_far": crate::report::money(*now),
                "projected": projected.map(crate::report::money),
            }))).collect::<serde_json::Map<String, J>>(),
            "pipeline": dec(&totals.pipeline, 2),
            "top": totals.top.iter().map(|(id, a)| json!({ "employee_id": id, "attainment": dec(a, 4) })).collect::<Vec<J>>(),
        },
    });
    let doc = Document {
        rest: doc,
        employees: Employees { view, ev },
    };
    let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}
