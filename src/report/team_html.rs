//! team.html: the head of sales' screen (docs/team.md), one self-contained page that opens from
//! an e-mail attachment: no server, no network, no external file, no font, no script. Readable
//! at 1366 px and printable on A4 (`@media print`: a page per section, no cut table).
//!
//! Sections, in order: header, team totals, flags, forecast (with `--as-of`), funnel, loss
//! reasons, trends, activity. Layout only: every figure, rate, band, bottleneck and ranking is
//! taken from the [`View`]; a flag is put in words by [`flag_text`] alone. Every text from the
//! export (names, teams, reasons, KPI names) is HTML-escaped, and what can grow with a hostile
//! export is capped and the cap said ([`MAX_REASONS`], [`MAX_PEOPLE`], [`MAX_TEXT`]).

use crate::analysis::team::{self, Activity, Flag, Funnel, Month, Person, Transition, View};
use crate::num::{Exact, exact_int, round_exact};
use crate::report::labels::{Labels, Lang};
use crate::report::team::{flag_text, subject_words};
use crate::report::units::Fmt;
use crate::results::Evaluation;
use crate::scheme::unit::Unit;
use num_traits::Zero;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Loss reasons listed per team and per person; the rest are summed in one line.
pub const MAX_REASONS: usize = 10;
/// People with a detailed block (forecast, funnel, losses, trends, activity); the flags and the
/// totals always list everyone.
pub const MAX_PEOPLE: usize = 500;
/// Characters of a name, team or reason shown in a heading or a table cell.
pub const MAX_TEXT: usize = 120;
/// The mark of a person's bottleneck in the funnel table (explained under it).
const MARK: &str = "◆";
/// Days listed in a person's daily activity (a month has at most 31).
pub const MAX_DAYS: usize = 31;

/// (English, Russian): the page's own words.
const WORDS: &[(&str, &str)] = &[
    ("Team view", "Команда"),
    ("period", "период"),
    ("as of", "на дату"),
    ("at the period end", "на конец периода"),
    ("working days", "рабочие дни"),
    ("elapsed", "прошло"),
    ("remaining", "осталось"),
    ("of", "из"),
    ("history", "история"),
    ("no history months", "без истории"),
    ("people", "сотрудников"),
    ("Team totals", "Итоги команды"),
    ("plan attainment", "выполнение плана"),
    ("plan", "план"),
    ("actual", "факт"),
    ("target", "цель"),
    ("attainment", "выполнение"),
    ("no plan targets", "нет плановых целей"),
    ("payout", "выплаты"),
    ("so far", "на сейчас"),
    ("projected", "прогноз"),
    ("currency", "валюта"),
    ("pipeline", "воронка в работе"),
    ("top 5 by attainment", "лучшие 5 по выполнению"),
    ("employee", "сотрудник"),
    ("team", "команда"),
    ("overall attainment", "общее выполнение"),
    (
        "nobody has an attainment yet",
        "выполнения пока нет ни у кого",
    ),
    ("Flags", "Что обсудить"),
    (
        "Metrics start a conversation, not a verdict.",
        "Цифры — повод для разговора, а не приговор.",
    ),
    ("nothing to discuss", "обсуждать нечего"),
    ("teams", "команды"),
    ("(no team)", "(без команды)"),
    ("Forecast", "Прогноз"),
    ("KPI", "KPI"),
    ("projected attainment", "прогноз выполнения"),
    ("band", "диапазон"),
    ("projected amount", "прогноз суммы"),
    ("needed for the threshold", "нужно до порога"),
    ("needed for the target", "нужно до цели"),
    ("a day", "в день"),
    ("run-rate", "по темпу"),
    ("as it stands", "как есть"),
    ("projected bonus", "прогноз бонуса"),
    ("no paid KPI", "нет оплачиваемых KPI"),
    ("Funnel", "Воронка"),
    ("stage", "этап"),
    ("deals", "сделки"),
    ("closed", "закрыто"),
    ("qualified", "квалификация"),
    ("negotiation", "переговоры"),
    ("proposal", "КП"),
    ("won after a proposal", "выиграно после КП"),
    ("won", "выиграно"),
    ("transition", "переход"),
    ("rate", "конверсия"),
    ("the practice's range", "норма практики"),
    ("no data", "нет данных"),
    ("bottleneck", "узкое место"),
    ("to learn from", "у кого учиться"),
    (
        "nobody with enough deals",
        "нет сотрудника с достаточным числом сделок",
    ),
    ("Loss reasons", "Причины проигрыша"),
    ("reason", "причина"),
    ("lost", "проиграно"),
    ("share", "доля"),
    ("no lost deals", "нет проигранных сделок"),
    ("more reasons not listed", "причин ещё, не показаны"),
    ("lost deals", "проигранных сделок"),
    ("Trends", "Динамика"),
    ("bonus", "бонус"),
    ("average deal", "средний чек"),
    ("Activity", "Активность"),
    ("week from", "неделя с"),
    ("day", "день"),
    ("outgoing calls", "исходящие звонки"),
    ("calls of 2+ minutes", "звонки от 2 минут"),
    ("emails sent", "отправленные письма"),
    ("meetings held", "проведённые встречи"),
    ("per day", "по дням"),
    ("per week", "по неделям"),
    ("after the as-of date", "после даты среза"),
    (
        "more people not shown here; every one is in team.json",
        "сотрудников не показаны здесь; все есть в team.json",
    ),
    ("more days not shown", "дней не показаны"),
    ("per person", "по сотрудникам"),
    ("(no reason written)", "(причина не указана)"),
];

struct Page<'a> {
    view: &'a View,
    ev: &'a Evaluation,
    lang: Lang,
    labels: Labels,
    out: String,
}

/// HTML-escapes a text for an element or a quoted attribute.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A text from the export, shortened to [`MAX_TEXT`] characters (the whole of it in `title`),
/// escaped.
fn short(text: &str) -> String {
    if text.chars().count() <= MAX_TEXT {
        esc(text)
    } else {
        let cut: String = text.chars().take(MAX_TEXT).collect();
        format!("{}…", esc(&cut))
    }
}

/// An exact fraction of `width` as a pixel coordinate with one decimal, clamped to 0..=width.
fn px(q: &Exact, width: i64) -> String {
    let mut v = q * exact_int(width);
    if v.is_negative() {
        v = Exact::zero();
    }
    if v > exact_int(width) {
        v = exact_int(width);
    }
    round_exact(&v, 1)
        .map(|d| d.normalize().to_string())
        .unwrap_or_else(|| "0".into())
}

fn pct_of(n: u32) -> Exact {
    exact_int(i64::from(n)) / exact_int(100)
}

impl<'a> Page<'a> {
    fn w(&self, key: &'static str) -> &'static str {
        match WORDS.iter().find(|(k, _)| *k == key) {
            Some((en, ru)) => match self.lang {
                Lang::En => en,
                Lang::Ru => ru,
            },
            None => {
                debug_assert!(false, "team.html: no words for {key:?}");
                self.labels.get(key)
            }
        }
    }

    fn fmt(&self, p: Option<&Person>) -> Fmt {
        let currency = p.map_or("", |p| self.ev.schemes[p.scheme].currency.as_str());
        Fmt::new(self.lang, currency)
    }

    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn person_name(&self, p: &Person) -> String {
        let team = if p.team.is_empty() {
            esc(self.w("(no team)"))
        } else {
            format!("<bdi>{}</bdi>", short(&p.team))
        };
        format!(
            "<bdi>{}</bdi> <span class=\"id\"><bdi>{}</bdi> · {}</span>",
            short(&p.name),
            short(&p.employee_id),
            team
        )
    }

    /// A team's heading: `team North`, or `(no team)`.
    fn team_name(&self, team: &str) -> String {
        if team.is_empty() {
            esc(self.w("(no team)"))
        } else {
            format!("{} <bdi>{}</bdi>", esc(self.w("team")), short(team))
        }
    }

    fn by_id(&self, id: &str) -> Option<&'a Person> {
        self.view.people.iter().find(|p| p.employee_id == id)
    }

    fn detailed(&self) -> &'a [Person] {
        let n = self.view.people.len().min(MAX_PEOPLE);
        &self.view.people[..n]
    }

    fn people_cap_note(&mut self) {
        let more = self.view.people.len().saturating_sub(MAX_PEOPLE);
        if more > 0 {
            let note = format!(
                "<p class=\"cap\">{} {}</p>\n",
                more,
                esc(self.w("more people not shown here; every one is in team.json"))
            );
            self.push(&note);
        }
    }

    fn header(&mut self) {
        let v = self.view;
        let f = self.fmt(None);
        let title = format!("{} {}", self.w("Team view"), v.period);
        let _ = write!(
            self.out,
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n{}</style>\n</head>\n<body>\n",
            if self.lang == Lang::Ru { "ru" } else { "en" },
            esc(&title),
            CSS
        );
        let _ = write!(
            self.out,
            "<section id=\"header\">\n<h1>{}</h1>\n<dl>\n<dt>{}</dt><dd>{}</dd>\n",
            esc(&title),
            esc(self.w("period")),
            v.period
        );
        match v.as_of {
            Some(d) => {
                let wd = v.working_days;
                let _ = write!(
                    self.out,
                    "<dt>{}</dt><dd>{d}</dd>\n<dt>{}</dt><dd>{} {}, {} {} ({} {})</dd>\n",
                    esc(self.w("as of")),
                    esc(self.w("working days")),
                    esc(self.w("elapsed")),
                    f.group(wd.elapsed.into()),
                    esc(self.w("remaining")),
                    f.group(wd.remaining.into()),
                    esc(self.w("of")),
                    f.group(wd.period.into()),
                );
            }
            None => {
                let _ = writeln!(
                    self.out,
                    "<dt>{}</dt><dd>{}</dd>",
                    esc(self.w("as of")),
                    esc(self.w("at the period end"))
                );
            }
        }
        let history = if v.history.is_empty() {
            esc(self.w("no history months"))
        } else {
            v.history
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = write!(
            self.out,
            "<dt>{}</dt><dd>{history}</dd>\n<dt>{}</dt><dd>{}</dd>\n</dl>\n</section>\n",
            esc(self.w("history")),
            esc(self.w("people")),
            v.people.len()
        );
    }

    fn totals(&mut self) {
        let v = self.view;
        let t = &v.totals;
        let f = self.fmt(None);
        let mut s = format!(
            "<section id=\"totals\">\n<h2>{}</h2>\n<h3>{}</h3>\n",
            esc(self.w("Team totals")),
            esc(self.w("plan attainment"))
        );
        if t.plans.is_empty() {
            let _ = writeln!(
                s,
                "<p class=\"none\">{}</p>",
                esc(self.w("no plan targets"))
            );
        } else {
            let _ = writeln!(
                s,
                "<table class=\"num\">\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr>",
                esc(self.w("plan")),
                esc(self.w("actual")),
                esc(self.w("target")),
                esc(self.w("attainment"))
            );
            for p in &t.plans {
                let unit = self.plan_unit(&p.metric);
                let a = p.attainment();
                let _ = writeln!(
                    s,
                    "<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    short(&p.metric),
                    esc(&self.plan_fmt().measure(&p.actual, unit)),
                    esc(&self.plan_fmt().measure(&p.target, unit)),
                    a.as_ref()
                        .map_or_else(|| esc(self.w("no data")), |a| f.pct(a)),
                    a.as_ref().map_or_else(String::new, attainment_bar),
                );
            }
            s.push_str("</table>\n");
        }
        let _ = writeln!(
            s,
            "<h3>{}</h3>\n<table class=\"num\">\n<tr><th>{}</th><th>{}</th>{}</tr>",
            esc(self.w("payout")),
            esc(self.w("currency")),
            esc(self.w("so far")),
            if v.as_of.is_some() {
                format!("<th>{}</th>", esc(self.w("projected")))
            } else {
                String::new()
            }
        );
        for (currency, (now, projected)) in &t.payout {
            let cf = Fmt::new(self.lang, currency);
            let _ = writeln!(
                s,
                "<tr><td class=\"text\">{}</td><td>{}</td>{}</tr>",
                short(currency),
                esc(&cf.money(*now)),
                if v.as_of.is_some() {
                    format!(
                        "<td>{}</td>",
                        projected.map_or_else(String::new, |d| esc(&cf.money(d)))
                    )
                } else {
                    String::new()
                }
            );
        }
        s.push_str("</table>\n");
        let _ = writeln!(
            s,
            "<p><b>{}</b>: {}</p>",
            esc(self.w("pipeline")),
            esc(&self.plan_fmt().money_short(&t.pipeline))
        );
        let _ = writeln!(s, "<h3>{}</h3>", esc(self.w("top 5 by attainment")));
        if t.top.is_empty() {
            let _ = writeln!(
                s,
                "<p class=\"none\">{}</p>",
                esc(self.w("nobody has an attainment yet"))
            );
        } else {
            let _ = writeln!(
                s,
                "<table class=\"num\">\n<tr><th>#</th><th>{}</th><th>{}</th><th></th></tr>",
                esc(self.w("employee")),
                esc(self.w("overall attainment"))
            );
            for (rank, (id, a)) in t.top.iter().enumerate() {
                let who = self
                    .by_id(id)
                    .map_or_else(|| short(id), |p| self.person_name(p));
                let _ = writeln!(
                    s,
                    "<tr><td>{}</td><td class=\"text\">{who}</td><td>{}</td><td>{}</td></tr>",
                    rank + 1,
                    f.pct(a),
                    attainment_bar(a)
                );
            }
            s.push_str("</table>\n");
        }
        s.push_str("</section>\n");
        self.push(&s);
    }

    /// The unit of a plan metric: the unit of a paid KPI targeted on it.
    fn plan_unit(&self, metric: &str) -> Unit {
        for scheme in &self.ev.schemes {
            for k in &scheme.kpis {
                if matches!(&k.target, crate::scheme::Target::Plan(m) if m == metric) {
                    return crate::scheme::unit::unit(scheme, k.metric);
                }
            }
        }
        Unit::Number
    }

    /// Team figures' format: the currency when the team is paid in one.
    fn plan_fmt(&self) -> Fmt {
        let t = &self.view.totals;
        let currency = if t.payout.len() == 1 {
            t.payout.keys().next().map_or("", String::as_str)
        } else {
            ""
        };
        Fmt::new(self.lang, currency)
    }

    fn flag_item(&self, fl: &Flag) -> String {
        let f = self.fmt(self.by_id(&fl.employee_id));
        format!(
            "<li class=\"flag\" data-flag=\"{}\" data-employee=\"{}\" data-subject=\"{}\">{}</li>\n",
            fl.code.code(),
            esc(&fl.employee_id),
            esc(&fl.subject),
            esc(&flag_text(self.view, self.ev, fl, &f))
        )
    }

    fn flags(&mut self) {
        let v = self.view;
        let mut s = format!(
            "<section id=\"flags\">\n<h2>{}</h2>\n<p class=\"note\">{}</p>\n",
            esc(self.w("Flags")),
            esc(self.w("Metrics start a conversation, not a verdict."))
        );
        let mut groups: BTreeMap<&str, Vec<&Flag>> = BTreeMap::new();
        for fl in &v.flags {
            groups.entry(fl.employee_id.as_str()).or_default().push(fl);
        }
        for p in &v.people {
            let _ = write!(
                s,
                "<div class=\"person\" data-employee=\"{}\">\n<h3>{}</h3>\n",
                esc(&p.employee_id),
                self.person_name(p)
            );
            match groups.remove(p.employee_id.as_str()) {
                Some(list) => {
                    s.push_str("<ul>\n");
                    for fl in list {
                        s.push_str(&self.flag_item(fl));
                    }
                    s.push_str("</ul>\n");
                }
                None => {
                    let _ = writeln!(
                        s,
                        "<p class=\"none\">{}</p>",
                        esc(self.w("nothing to discuss"))
                    );
                }
            }
            s.push_str("</div>\n");
        }
        // Team flags (no employee) by team, and any flag of someone not on the screen.
        let mut by_team: BTreeMap<&str, Vec<&Flag>> = BTreeMap::new();
        for fl in groups.values().flatten() {
            by_team.entry(fl.team.as_str()).or_default().push(fl);
        }
        for (team, list) in by_team {
            let _ = writeln!(
                s,
                "<div class=\"team\">\n<h3>{}</h3>\n<ul>",
                self.team_name(team)
            );
            for fl in list {
                s.push_str(&self.flag_item(fl));
            }
            s.push_str("</ul>\n</div>\n");
        }
        s.push_str("</section>\n");
        self.push(&s);
    }

    fn forecast(&mut self) {
        let v = self.view;
        if v.as_of.is_none() {
            return;
        }
        let mut s = format!(
            "<section id=\"forecast\">\n<h2>{}</h2>\n",
            esc(self.w("Forecast"))
        );
        for p in self.detailed() {
            let f = self.fmt(Some(p));
            let scheme = &self.ev.schemes[p.scheme];
            let _ = write!(
                s,
                "<div class=\"person\">\n<h3>{}</h3>\n",
                self.person_name(p)
            );
            if p.forecast.is_empty() {
                let _ = writeln!(s, "<p class=\"none\">{}</p>", esc(self.w("no paid KPI")));
            } else {
                let _ = writeln!(
                    s,
                    "<table class=\"num\">\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
                    esc(self.w("KPI")),
                    esc(self.w("actual")),
                    esc(self.w("target")),
                    esc(self.w("projected")),
                    esc(self.w("projected attainment")),
                    esc(self.w("band")),
                    esc(self.w("projected amount")),
                    esc(self.w("needed for the threshold")),
                    esc(self.w("needed for the target")),
                );
                for fc in &p.forecast {
                    let m = |q: &Option<Exact>| {
                        q.as_ref()
                            .map_or_else(String::new, |q| esc(&f.measure(q, fc.unit)))
                    };
                    let band = match (fc.band, scheme.kpis.iter().find(|k| k.id == fc.kpi)) {
                        (Some(b), Some(k)) => {
                            let words = b.words(crate::scoring::Lines::of(scheme, k), &self.labels);
                            format!(
                                "<span class=\"band {}\">{}</span>",
                                band_class(b),
                                esc(&words)
                            )
                        }
                        _ => String::new(),
                    };
                    let need = |n: &Option<(Exact, Option<Exact>)>| match n {
                        None => String::new(),
                        Some((total, per_day)) => {
                            let mut t = esc(&f.measure(total, fc.unit));
                            if let Some(d) = per_day {
                                let _ = write!(
                                    t,
                                    "<br><small>{} {}</small>",
                                    esc(&f.measure(d, fc.unit)),
                                    esc(self.w("a day"))
                                );
                            }
                            t
                        }
                    };
                    let _ = writeln!(
                        s,
                        "<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}<br><small>{}</small></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        short(&fc.name),
                        m(&fc.actual),
                        m(&fc.target),
                        m(&fc.projected),
                        esc(self.w(if fc.additive {
                            "run-rate"
                        } else {
                            "as it stands"
                        })),
                        fc.attainment
                            .as_ref()
                            .map_or_else(String::new, |a| f.pct(a)),
                        band,
                        esc(&f.money(fc.amount)),
                        need(&fc.needed_threshold),
                        need(&fc.needed_target),
                    );
                }
                s.push_str("</table>\n");
            }
            if let Some(b) = p.projected_bonus {
                let _ = writeln!(
                    s,
                    "<p><b>{}</b>: {}</p>",
                    esc(self.w("projected bonus")),
                    esc(&f.money(b))
                );
            }
            s.push_str("</div>\n");
        }
        self.push(&s);
        self.people_cap_note();
        self.push("</section>\n");
    }

    fn funnel_table(&self, funnel: &Funnel, bottleneck: Option<Transition>) -> String {
        let f = self.fmt(None);
        let mut s = String::from("<table class=\"num funnel\">\n<tr>");
        for k in [
            "closed",
            "qualified",
            "negotiation",
            "proposal",
            "won after a proposal",
            "won",
        ] {
            let _ = write!(s, "<th>{}</th>", esc(self.w(k)));
        }
        s.push_str("</tr>\n<tr>");
        for c in funnel.counts {
            let _ = write!(s, "<td>{}</td>", f.group(c.into()));
        }
        let _ = writeln!(
            s,
            "</tr>\n</table>\n<table class=\"num funnel\">\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr>",
            esc(self.w("transition")),
            esc(self.w("deals")),
            esc(self.w("rate")),
            esc(self.w("the practice's range")),
        );
        for t in Transition::ALL {
            let (n, d) = funnel.of(t);
            let (lo, hi) = t.range();
            let rate = funnel.rate(t);
            let is_b = bottleneck == Some(t);
            let _ = writeln!(
                s,
                "<tr{}><td class=\"text\">{}{}</td><td>{} / {}</td><td>{}</td><td>{}-{}%</td><td>{}</td></tr>",
                if is_b { " class=\"bottleneck\"" } else { "" },
                esc(&subject_words(t.name(), self.lang)),
                if is_b {
                    format!(" <b class=\"mark\">{}</b>", esc(self.w("bottleneck")))
                } else {
                    String::new()
                },
                f.group(n.into()),
                f.group(d.into()),
                rate.as_ref()
                    .map_or_else(|| esc(self.w("no data")), |r| f.pct(r)),
                lo,
                hi,
                rate.as_ref()
                    .map_or_else(String::new, |r| bar(r, Some((lo, hi)))),
            );
        }
        s.push_str("</table>\n");
        s
    }

    fn funnel(&mut self) {
        let v = self.view;
        let mut s = format!(
            "<section id=\"funnel\">\n<h2>{}</h2>\n",
            esc(self.w("Funnel"))
        );
        for t in &v.teams {
            let _ = writeln!(
                s,
                "<div class=\"team\">\n<h3>{}</h3>",
                self.team_name(&t.team)
            );
            s.push_str(&self.funnel_table(&t.funnel, t.bottleneck));
            if let Some(b) = t.bottleneck {
                let who = match &t.learn_from {
                    Some(id) => self
                        .by_id(id)
                        .map_or_else(|| short(id), |p| self.person_name(p)),
                    None => esc(self.w("nobody with enough deals")),
                };
                let _ = writeln!(
                    s,
                    "<p class=\"learn\">{} ({}): {who}</p>",
                    esc(self.w("to learn from")),
                    esc(&subject_words(b.name(), self.lang)),
                );
            }
            s.push_str("</div>\n");
        }
        s.push_str(&self.funnel_people());
        self.push(&s);
        self.people_cap_note();
        self.push("</section>\n");
    }

    fn losses_table(&self, losses: &BTreeMap<String, u64>) -> String {
        let f = self.fmt(None);
        let shares = team::loss_shares(losses);
        if shares.is_empty() {
            return format!("<p class=\"none\">{}</p>\n", esc(self.w("no lost deals")));
        }
        let mut s = format!(
            "<table class=\"num\">\n<tr><th>{}</th><th>{}</th><th>{}</th><th></th></tr>\n",
            esc(self.w("reason")),
            esc(self.w("lost")),
            esc(self.w("share"))
        );
        for (reason, n, share) in shares.iter().take(MAX_REASONS) {
            let _ = writeln!(
                s,
                "<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                self.reason(reason),
                f.group((*n).into()),
                f.pct(share),
                bar(share, None)
            );
        }
        s.push_str("</table>\n");
        if shares.len() > MAX_REASONS {
            let rest = &shares[MAX_REASONS..];
            let deals: u64 = rest.iter().map(|(_, n, _)| n).sum();
            let _ = writeln!(
                s,
                "<p class=\"cap\">{} {} ({} {})</p>",
                rest.len(),
                esc(self.w("more reasons not listed")),
                f.group(deals.into()),
                esc(self.w("lost deals"))
            );
        }
        s
    }

    fn losses(&mut self) {
        let v = self.view;
        let mut s = format!(
            "<section id=\"losses\">\n<h2>{}</h2>\n",
            esc(self.w("Loss reasons"))
        );
        for t in &v.teams {
            let _ = writeln!(
                s,
                "<div class=\"team\">\n<h3>{}</h3>",
                self.team_name(&t.team)
            );
            s.push_str(&self.losses_table(&t.losses));
            s.push_str("</div>\n");
        }
        s.push_str(&self.losses_people());
        self.push(&s);
        self.people_cap_note();
        self.push("</section>\n");
    }

    /// Everyone's funnel in one table: the counts, each transition's rate, the person's own
    /// bottleneck marked.
    fn funnel_people(&self) -> String {
        let f = self.fmt(None);
        let mut s = format!(
            "<h3>{}</h3>\n<table class=\"num people\">\n<thead><tr><th>{}</th>",
            esc(self.w("per person")),
            esc(self.w("employee"))
        );
        for k in [
            "closed",
            "qualified",
            "negotiation",
            "proposal",
            "won after a proposal",
            "won",
        ] {
            let _ = write!(s, "<th>{}</th>", esc(self.w(k)));
        }
        for t in Transition::ALL {
            let (lo, hi) = t.range();
            let _ = write!(
                s,
                "<th>{}<br><small>{lo}-{hi}%</small></th>",
                esc(&subject_words(t.name(), self.lang))
            );
        }
        s.push_str("</tr></thead>\n<tbody>\n");
        for p in self.detailed() {
            let funnel = &p.now().funnel;
            let bottleneck = funnel.bottleneck();
            let _ = write!(s, "<tr><td class=\"text\">{}</td>", self.person_name(p));
            for c in funnel.counts {
                let _ = write!(s, "<td>{}</td>", f.group(c.into()));
            }
            for t in Transition::ALL {
                let rate = funnel
                    .rate(t)
                    .map_or_else(|| esc(self.w("no data")), |r| f.pct(&r));
                if bottleneck == Some(t) {
                    let _ = write!(s, "<td class=\"bottleneck\">{rate} {MARK}</td>");
                } else {
                    let _ = write!(s, "<td>{rate}</td>");
                }
            }
            s.push_str("</tr>\n");
        }
        let _ = writeln!(
            s,
            "</tbody>\n</table>\n<p class=\"note\">{MARK} {}</p>",
            esc(self.w("bottleneck"))
        );
        s
    }

    /// Everyone's lost deals in one table: the reasons, most lost first, with their shares.
    fn losses_people(&self) -> String {
        let f = self.fmt(None);
        let mut s = format!(
            "<h3>{}</h3>\n<table class=\"num people\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
            esc(self.w("per person")),
            esc(self.w("employee")),
            esc(self.w("lost")),
            esc(self.w("reason"))
        );
        for p in self.detailed() {
            let losses = &p.now().losses;
            let shares = team::loss_shares(losses);
            let lost: u64 = losses.values().sum();
            let mut reasons: Vec<String> = shares
                .iter()
                .take(MAX_REASONS)
                .map(|(r, n, share)| {
                    format!(
                        "{} {} ({})",
                        self.reason(r),
                        f.group((*n).into()),
                        f.pct(share)
                    )
                })
                .collect();
            if shares.len() > MAX_REASONS {
                let rest = &shares[MAX_REASONS..];
                let deals: u64 = rest.iter().map(|(_, n, _)| n).sum();
                reasons.push(format!(
                    "<span class=\"cap\">{} {} ({} {})</span>",
                    rest.len(),
                    esc(self.w("more reasons not listed")),
                    f.group(deals.into()),
                    esc(self.w("lost deals"))
                ));
            }
            let _ = writeln!(
                s,
                "<tr><td class=\"text\">{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
                self.person_name(p),
                f.group(lost.into()),
                if reasons.is_empty() {
                    esc(self.w("no lost deals"))
                } else {
                    reasons.join("; ")
                }
            );
        }
        s.push_str("</tbody>\n</table>\n");
        s
    }

    /// A loss reason as read from the export, or the words for none written.
    fn reason(&self, r: &str) -> String {
        if r == team::NO_REASON {
            esc(self.w("(no reason written)"))
        } else {
            short(r)
        }
    }

    fn trends(&mut self) {
        let mut s = format!(
            "<section id=\"trends\">\n<h2>{}</h2>\n",
            esc(self.w("Trends"))
        );
        for p in self.detailed() {
            let f = self.fmt(Some(p));
            let _ = write!(
                s,
                "<div class=\"person\">\n<h3>{}</h3>\n<table class=\"num trend\">\n<tr><th></th>",
                self.person_name(p)
            );
            for m in &p.months {
                let _ = write!(s, "<th>{}</th>", m.period);
            }
            s.push_str("<th></th></tr>\n");
            let mut row =
                |label: String, values: Vec<Option<Exact>>, text: &dyn Fn(&Exact) -> String| {
                    let _ = write!(s, "<tr><td class=\"text\">{label}</td>");
                    for v in &values {
                        let _ = write!(
                            s,
                            "<td>{}</td>",
                            v.as_ref()
                                .map_or_else(|| "—".to_string(), |q| esc(&text(q)))
                        );
                    }
                    let _ = writeln!(s, "<td>{}</td></tr>", spark(&values));
                };
            for k in p.now().kpis.iter().filter(|k| k.paid) {
                let values = p.months.iter().map(|m| kpi_attainment(m, &k.id)).collect();
                row(
                    format!("{}: {}", short(&k.name), esc(self.w("attainment"))),
                    values,
                    &|q| f.pct(q),
                );
            }
            let bonus = p
                .months
                .iter()
                .map(|m| Some(crate::num::exact(m.bonus)))
                .collect();
            row(esc(self.w("bonus")), bonus, &|q| f.money_short(q));
            let avg = p
                .months
                .iter()
                .map(|m| m.figure("average_deal").cloned())
                .collect();
            row(esc(self.w("average deal")), avg, &|q| f.money_short(q));
            s.push_str("</table>\n</div>\n");
        }
        self.push(&s);
        self.people_cap_note();
        self.push("</section>\n");
    }

    fn activity_rows(&self, rows: &[Activity], first: &str, mark_after: bool) -> String {
        let f = self.fmt(None);
        let cols: [Column; 4] = [
            ("outgoing calls", |a| a.calls_outgoing),
            ("calls of 2+ minutes", |a| a.calls_2min),
            ("emails sent", |a| a.emails_sent),
            ("meetings held", |a| a.meetings_held),
        ];
        let mut s = String::new();
        if !mark_after {
            // Weeks: a row per week.
            let _ = write!(s, "<table class=\"num week\">\n<tr><th>{}</th>", esc(first));
            for (k, _) in cols {
                let _ = write!(s, "<th>{}</th>", esc(self.w(k)));
            }
            s.push_str("</tr>\n");
            for a in rows {
                let _ = write!(s, "<tr><td class=\"text\">{}</td>", a.from);
                for (_, get) in cols {
                    let _ = write!(s, "<td>{}</td>", f.group(get(a).into()));
                }
                s.push_str("</tr>\n");
            }
            s.push_str("</table>\n");
            return s;
        }
        // Days: a heat strip, a column per day, the numbers in the cells.
        let shown = &rows[..rows.len().min(MAX_DAYS)];
        let _ = write!(s, "<table class=\"num heat\">\n<tr><th>{}</th>", esc(first));
        for a in shown {
            let weekend = matches!(
                chrono::Datelike::weekday(&a.from),
                chrono::Weekday::Sat | chrono::Weekday::Sun
            );
            let _ = write!(
                s,
                "<th{}>{}</th>",
                if weekend { " class=\"we\"" } else { "" },
                chrono::Datelike::day(&a.from)
            );
        }
        s.push_str("</tr>\n");
        let after = self.view.as_of;
        for (k, get) in cols {
            let max = shown.iter().map(get).max().unwrap_or(0);
            let _ = write!(s, "<tr><td class=\"text\">{}</td>", esc(self.w(k)));
            for a in shown {
                let n = get(a);
                let level = if max == 0 || n == 0 {
                    0
                } else {
                    (n * 4).div_ceil(max)
                };
                let cls = if after.is_some_and(|d| a.from > d) {
                    "after".to_string()
                } else {
                    format!("h{level}")
                };
                let _ = write!(s, "<td class=\"{cls}\">{}</td>", f.group(n.into()));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</table>\n");
        if rows.len() > shown.len() {
            let _ = writeln!(
                s,
                "<p class=\"cap\">{} {}</p>",
                rows.len() - shown.len(),
                esc(self.w("more days not shown"))
            );
        }
        if after.is_some() {
            let _ = writeln!(
                s,
                "<p class=\"note\"><span class=\"after key\"></span> {}</p>",
                esc(self.w("after the as-of date"))
            );
        }
        s
    }

    fn activity(&mut self) {
        let mut s = format!(
            "<section id=\"activity\">\n<h2>{}</h2>\n",
            esc(self.w("Activity"))
        );
        for p in self.detailed() {
            let _ = write!(
                s,
                "<div class=\"person\">\n<h3>{}</h3>\n",
                self.person_name(p)
            );
            let _ = writeln!(
                s,
                "<div class=\"side\">\n<div>\n<h4>{}</h4>",
                esc(self.w("per week"))
            );
            s.push_str(&self.activity_rows(&p.weeks, self.w("week from"), false));
            let _ = writeln!(s, "</div>\n<div>\n<h4>{}</h4>", esc(self.w("per day")));
            s.push_str(&self.activity_rows(&p.days, self.w("day"), true));
            s.push_str("</div>\n</div>\n</div>\n");
        }
        self.push(&s);
        self.people_cap_note();
        self.push("</section>\n");
    }
}

/// An activity column: its words and its count.
type Column = (&'static str, fn(&Activity) -> u64);

fn kpi_attainment(m: &Month, id: &str) -> Option<Exact> {
    m.kpis
        .iter()
        .find(|k| k.id == id && k.paid)
        .and_then(|k| k.attainment.clone())
}

fn band_class(b: crate::scoring::Band) -> &'static str {
    match b {
        crate::scoring::Band::Below => "below",
        crate::scoring::Band::Norm => "norm",
        crate::scoring::Band::Good => "good",
        crate::scoring::Band::Above => "above",
    }
}

/// A horizontal bar of a share (0-100% over the width; above 100% drawn full), with the
/// practice's range drawn as a band behind it when given.
fn bar(q: &Exact, range: Option<(u32, u32)>) -> String {
    const W: i64 = 160;
    let mut s = format!(
        "<svg class=\"bar\" width=\"{W}\" height=\"12\" viewBox=\"0 0 {W} 12\" aria-hidden=\"true\"><rect class=\"track\" x=\"0\" y=\"0\" width=\"{W}\" height=\"12\"/>"
    );
    if let Some((lo, hi)) = range {
        let x = px(&pct_of(lo), W);
        let x2 = pct_of(hi) - pct_of(lo);
        let _ = write!(
            s,
            "<rect class=\"range\" x=\"{x}\" y=\"0\" width=\"{}\" height=\"12\"/>",
            px(&x2, W)
        );
    }
    let _ = write!(
        s,
        "<rect class=\"value\" x=\"0\" y=\"3\" width=\"{}\" height=\"6\"/></svg>",
        px(q, W)
    );
    s
}

/// A bar of an attainment from 0 to 150% (above: drawn full), with a tick at 100%.
fn attainment_bar(q: &Exact) -> String {
    const W: i64 = 160;
    let scale = exact_int(3) / exact_int(2);
    format!(
        "<svg class=\"bar\" width=\"{W}\" height=\"12\" viewBox=\"0 0 {W} 12\" aria-hidden=\"true\"><rect class=\"track\" x=\"0\" y=\"0\" width=\"{W}\" height=\"12\"/><rect class=\"value\" x=\"0\" y=\"3\" width=\"{}\" height=\"6\"/><rect class=\"tick\" x=\"{}\" y=\"0\" width=\"1\" height=\"12\"/></svg>",
        px(&(q / &scale), W),
        px(&(exact_int(1) / &scale), W)
    )
}

/// Small bars of a series (one per month), scaled to the series' largest value; a missing
/// value leaves a gap. The numbers are in the cells beside it.
fn spark(values: &[Option<Exact>]) -> String {
    const H: i64 = 20;
    const STEP: i64 = 8;
    let max = values
        .iter()
        .flatten()
        .filter(|q| q.is_positive())
        .max()
        .cloned();
    let width = STEP * values.len() as i64;
    let mut s = format!(
        "<svg class=\"spark\" width=\"{width}\" height=\"{H}\" viewBox=\"0 0 {width} {H}\" aria-hidden=\"true\">"
    );
    if let Some(max) = max {
        for (i, v) in values.iter().enumerate() {
            let Some(v) = v else { continue };
            let h = px(&(v / &max), H);
            let y = px(&((&max - v) / &max), H);
            let _ = write!(
                s,
                "<rect x=\"{}\" y=\"{y}\" width=\"{}\" height=\"{h}\"/>",
                STEP * i as i64 + 1,
                STEP - 2
            );
        }
    }
    s.push_str("</svg>");
    s
}

const CSS: &str = "\
body { font-family: -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; font-size: 14px; color: #222; margin: 0 auto; padding: 16px; max-width: 1320px; }
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 18px; border-bottom: 2px solid #446; padding-bottom: 4px; margin-top: 28px; }
h3 { font-size: 15px; margin: 14px 0 6px; }
h4 { font-size: 13px; margin: 8px 0 4px; color: #555; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; margin: 0; }
dt { color: #555; }
dd { margin: 0; }
table { border-collapse: collapse; margin: 4px 0 8px; }
th, td { border: 1px solid #ccd; padding: 2px 6px; vertical-align: top; }
th { background: #eef; font-weight: 600; text-align: left; }
table.num td { text-align: right; white-space: nowrap; }
table.num td.text { text-align: left; white-space: normal; }
.id { color: #666; font-weight: normal; font-size: 12px; }
.none { color: #2a6a2a; }
.note, .cap { color: #666; font-size: 12px; }
.cap { font-style: italic; }
.person, .team { margin-bottom: 10px; }
.side { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.side h4 { margin-top: 0; }
table.people td.bottleneck { background: #fff1e0; color: #b45000; }
table.people th { font-size: 12px; }
li.flag { margin: 2px 0; }
tr.bottleneck td { background: #fff1e0; }
.mark { color: #b45000; font-size: 12px; }
.learn { margin: 2px 0 8px; }
.band.below { color: #a00; } .band.above { color: #06c; } .band.good { color: #060; }
svg rect.track { fill: #f0f0f4; } svg rect.tick { fill: #c00; } svg rect.range { fill: #9ccf9c; } svg rect.value { fill: #446; }
svg.spark rect { fill: #668; }
table.heat { font-size: 11px; }
table.week { font-size: 12px; }
table.week th { font-size: 11px; width: 64px; white-space: normal; }
table.heat td, table.heat th { padding: 1px 3px; min-width: 18px; }
table.heat th.we { color: #999; }
td.h0 { background: #fff; } td.h1 { background: #e6ecf7; } td.h2 { background: #c9d6ef; }
td.h3 { background: #a9bfe6; } td.h4 { background: #86a3db; }
td.after, .key.after { background: #ececec; color: #aaa; }
.key { display: inline-block; width: 14px; height: 10px; border: 1px solid #ccc; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  @page { size: A4; margin: 12mm; }
  section { break-before: page; }
  section#header { break-before: auto; }
  table, .person, .team, li.flag, tr { break-inside: avoid; }
  table.people { break-inside: auto; }
  thead { display: table-header-group; }
  h2, h3 { break-after: avoid; }
  th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
";

/// team.html: the view as one self-contained page in `lang`.
pub fn team_html(view: &View, ev: &Evaluation, lang: Lang) -> Vec<u8> {
    let mut page = Page {
        view,
        ev,
        lang,
        labels: Labels::new(lang),
        out: String::new(),
    };
    page.header();
    page.totals();
    page.flags();
    page.forecast();
    page.funnel();
    page.losses();
    page.trends();
    page.activity();
    page.push("</body>\n</html>\n");
    page.out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }

    #[test]
    fn shortens_long_texts() {
        let long = "<".repeat(MAX_TEXT + 5);
        let s = short(&long);
        assert_eq!(s, format!("{}…", "&lt;".repeat(MAX_TEXT)));
    }

    #[test]
    fn every_word_once() {
        let mut keys: Vec<&str> = WORDS.iter().map(|(k, _)| *k).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n);
    }

    #[test]
    fn bars_clamp_and_draw_the_range() {
        let half = exact_int(1) / exact_int(2);
        assert_eq!(
            bar(&half, Some((30, 50))),
            "<svg class=\"bar\" width=\"160\" height=\"12\" viewBox=\"0 0 160 12\" aria-hidden=\"true\"><rect class=\"track\" x=\"0\" y=\"0\" width=\"160\" height=\"12\"/><rect class=\"range\" x=\"48\" y=\"0\" width=\"32\" height=\"12\"/><rect class=\"value\" x=\"0\" y=\"3\" width=\"80\" height=\"6\"/></svg>"
        );
        assert!(bar(&exact_int(3), None).contains("class=\"value\" x=\"0\" y=\"3\" width=\"160\""));
        assert!(bar(&exact_int(-1), None).contains("class=\"value\" x=\"0\" y=\"3\" width=\"0\""));
    }
}
