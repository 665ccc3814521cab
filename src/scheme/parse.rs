//! From a YAML node tree to a validated [`Scheme`], reporting every problem with file:line:column.

use super::expr;
use super::row;
use super::*;
use crate::data::tables::{ColType, Column};
use crate::num::parse_scheme_number;
use crate::yaml::{self, Kind, Node, Pos};
use std::collections::HashMap;

struct Ctx<'a> {
    file: &'a Path,
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
}

/// At most this many problems are listed per scheme file (then a count of the rest), so that a
/// hostile or generated file cannot flood the terminal; suggestions stop being computed too.
const MAX_PROBLEMS: usize = 50;

/// The largest attainment or factor a curve or a review/discuss line may name: 100 000% (1000).
/// Far above anything a pay plan means, and small enough that no arithmetic on it can overflow.
const MAX_LINE: Decimal = Decimal::from_parts(1000, 0, 0, false, 0);
/// The largest slope of a curve segment: 1000 (a factor 10 times steeper than anything sane is
/// already an accelerator of 1000 per 100%), again so that curve arithmetic cannot overflow.
const MAX_SLOPE: Decimal = Decimal::from_parts(1000, 0, 0, false, 0);
/// Above 300% (3), a threshold, cap or discuss line written as a bare number is probably a
/// percentage without its `%` (`threshold: 80` is 8000%): a warning says so.
const UNLIKELY_LINE: Decimal = Decimal::from_parts(3, 0, 0, false, 0);

use crate::data::limits::quote;

/// A value shown unquoted in a message (a number's digits), shortened when long so error output
/// stays bounded; quoted values go through the one bounded [`quote`].
fn short(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("{head}… ({} characters)", text.chars().count())
    }
}

/// `8000%` for 80: a decimal as a percentage, for messages.
fn pct(d: Decimal) -> String {
    match d.checked_mul(Decimal::ONE_HUNDRED) {
        Some(p) => format!("{}%", p.normalize()),
        None => format!("{} (as a fraction)", d.normalize()),
    }
}

impl Ctx<'_> {
    /// ` (did you mean "x"?)`, unless the file already has so many problems that they are no
    /// longer listed (suggestions cost an edit distance per candidate).
    fn hint<'a>(&self, word: &str, candidates: impl Iterator<Item = &'a str>) -> String {
        if self.problems.len() >= MAX_PROBLEMS {
            String::new()
        } else {
            crate::error::did_you_mean(word, candidates)
        }
    }

    fn place(&self, pos: Pos) -> String {
        match super::catalogue::own_position(pos.line, pos.col) {
            Some(at) => format!("{} ({at})", self.file.display()),
            None => format!("{}:{}:{}", self.file.display(), pos.line, pos.col),
        }
    }
    fn err(&mut self, pos: Pos, message: impl Into<String>) {
        let p = Problem::new(self.place(pos), message);
        self.problems.push(p);
    }
    fn warn(&mut self, pos: Pos, message: impl Into<String>) {
        let p = Problem::new(self.place(pos), message);
        self.warnings.push(p);
    }

    /// The entries of a mapping, or a problem saying a mapping was expected.
    fn map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [(Node, Node)]> {
        match &node.kind {
            Kind::Map(entries) => Some(entries),
            _ => {
                self.err(
                    node.pos,
                    format!(
                        "{what} must be a mapping of `key: value` lines, found {}",
                        node.describe()
                    ),
                );
                None
            }
        }
    }

    fn text<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n str> {
        match &node.kind {
            Kind::Scalar { text, .. } if !node.is_null() => Some(text.trim()),
            _ => {
                self.err(
                    node.pos,
                    format!("{what} must be a single value, found {}", node.describe()),
                );
                None
            }
        }
    }

    fn number(&mut self, node: &Node, what: &str) -> Option<Decimal> {
        let text = self.text(node, what)?;
        let d = parse_scheme_number(text);
        let shown = quote(text);
        if d.is_none() && crate::num::looks_like_number(text.trim_end_matches('%'), false) {
            self.err(
                node.pos,
                format!("{what} {shown} is too large; a number has at most 28 digits"),
            );
        } else if d.is_none() {
            self.err(
                node.pos,
                format!("{what} {shown} is not a number; expected e.g. 8, 0.25, 25% or 275 000"),
            );
        }
        d
    }

    /// An attainment or factor (a curve's threshold, start, `to:` or cap, a review or discuss
    /// line): not negative, at most [`MAX_LINE`], and a warning when it is a bare number above
    /// `unlikely` (a percentage written without `%`).
    fn line(&mut self, node: &Node, what: &str, unlikely: Option<Decimal>) -> Option<Decimal> {
        let d = self.number(node, what)?;
        let text = node.as_str().unwrap_or("").trim();
        if d < Decimal::ZERO {
            self.err(node.pos, format!("{what} {text} cannot be negative"));
            return None;
        }
        let bare = !text.ends_with('%');
        let hint = if bare {
            format!(" (did you mean {}%?)", d.normalize())
        } else {
            String::new()
        };
        if d > MAX_LINE {
            // Suggest the percentage only when it would be in range.
            let hint = if d / Decimal::ONE_HUNDRED <= MAX_LINE {
                hint.as_str()
            } else {
                ""
            };
            self.err(
                node.pos,
                format!(
                    "{what} {} is more than any pay plan means; at most {}{hint}",
                    short(text),
                    pct(MAX_LINE)
                ),
            );
            return None;
        }
        if let Some(u) = unlikely
            && bare
            && d > u
        {
            self.warn(
                node.pos,
                format!(
                    "{what} {text} is read as {}: a bare number is a fraction (1 = 100%){hint}",
                    pct(d)
                ),
            );
        }
        Some(d)
    }

    fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        let text = self.text(node, what)?;
        match text.to_lowercase().as_str() {
            "yes" | "true" | "on" => Some(true),
            "no" | "false" | "off" => Some(false),
            _ => {
                self.err(node.pos, format!("{what} {text:?} must be yes or no"));
                None
            }
        }
    }

    /// Reports keys that are not among `allowed`, suggesting the closest one.
    fn check_keys(&mut self, entries: &[(Node, Node)], allowed: &[&str], what: &str) {
        for (k, _) in entries {
            let key = k.as_str().unwrap_or("");
            if !allowed.contains(&key) {
                let hint = self.hint(key, allowed.iter().copied());
                self.err(
                    k.pos,
                    format!(
                        "unknown key {key:?} in {what}{hint}; expected one of {}",
                        allowed.join(", ")
                    ),
                );
            }
        }
    }
}

/// The scheme's metric names, in file order, with an index for constant-time lookups (a
/// generated scheme may define tens of thousands).
struct Names {
    list: Vec<String>,
    index: HashMap<String, usize>,
}

impl Names {
    fn new(list: Vec<String>) -> Names {
        let mut index = HashMap::with_capacity(list.len());
        for (i, n) in list.iter().enumerate() {
            index.entry(n.clone()).or_insert(i);
        }
        Names { list, index }
    }
    fn find(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
    fn iter(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(String::as_str)
    }
    /// The names for a message: all of them, or the first 20 and how many there are.
    fn listed(&self) -> String {
        list_some(&self.list)
    }
}

/// Up to 20 names joined by commas, then how many there are in all.
fn list_some(names: &[String]) -> String {
    const SHOWN: usize = 20;
    if names.len() <= SHOWN {
        names.join(", ")
    } else {
        format!("{}, … ({} in all)", names[..SHOWN].join(", "), names.len())
    }
}

fn get<'n>(entries: &'n [(Node, Node)], key: &str) -> Option<&'n Node> {
    entries
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

pub(crate) const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "currency",
    "review_below",
    "discuss_above",
    "curve",
    "ranking",
    "max_total",
    "guarantee",
    "metrics",
    "kpis",
];

pub(super) fn parse_scheme(file: &Path, text: &str) -> std::result::Result<Scheme, Vec<Problem>> {
    let mut cx = Ctx {
        file,
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    let id = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    let root = match yaml::parse(text) {
        Ok(r) => r,
        Err(e) => {
            cx.err(e.pos, format!("not valid YAML: {}", e.message));
            return Err(cx.problems);
        }
    };
    let Some(top) = cx.map(&root, "a scheme file") else {
        return Err(cx.problems);
    };
    cx.check_keys(top, TOP_KEYS, "the scheme");

    let name = get(top, "name")
        .and_then(|n| cx.text(n, "name").map(str::to_string))
        .unwrap_or_else(|| id.clone());
    let currency = match get(top, "currency") {
        Some(n) => cx
            .text(n, "currency")
            .map(str::to_string)
            .unwrap_or_default(),
        None => {
            cx.err(
                root.pos,
                "the scheme has no `currency:` (e.g. `currency: KZT`)",
            );
            String::new()
        }
    };
    let ranking_top3 = match get(top, "ranking") {
        None => false,
        Some(n) => match cx.text(n, "ranking") {
            Some("place") => false,
            Some("top3") => true,
            Some(other) => {
                let msg = format!(
                    "ranking {other:?} must be `place` (each person sees only their place) or `top3` (also the names of the top 3)"
                );
                cx.err(n.pos, msg);
                false
            }
            None => false,
        },
    };
    let review_below = review_line(&mut cx, get(top, "review_below"));
    let discuss_above = discuss_line(&mut cx, get(top, "discuss_above"));
    let max_total = get(top, "max_total").and_then(|n| share_of_bonus(&mut cx, n, "max_total"));
    let guarantee = get(top, "guarantee").and_then(|n| parse_guarantee(&mut cx, n));

    let curve_node = get(top, "curve");
    let default_curve = curve_node.and_then(|n| parse_curve(&mut cx, n));
    // A scheme curve that failed to parse is reported once, not again for every KPI using it.
    let default_curve_broken = curve_node.is_some() && default_curve.is_none();

    // Metrics: names first, so formulas may refer to metrics defined further down. A name the
    // scheme uses but does not define comes from the catalogue (super::catalogue).
    let catalogue_root = super::catalogue::root_for_schemes();
    let mut metric_nodes: Vec<(&Node, &Node)> = Vec::new();
    let metrics_section = get(top, "metrics");
    if let Some(n) = metrics_section
        && let Some(entries) = cx.map(n, "metrics")
    {
        metric_nodes = entries.iter().map(|(k, v)| (k, v)).collect();
    }
    if let Some(catalogue) = &catalogue_root {
        let defined: std::collections::BTreeSet<String> = metric_nodes
            .iter()
            .filter_map(|(k, _)| k.as_str().map(str::to_string))
            .collect();
        let used = super::catalogue::used_by(&metric_nodes, get(top, "kpis"));
        metric_nodes.extend(super::catalogue::needed(
            super::catalogue::definitions(catalogue),
            &defined,
            used,
        ));
    }
    if metrics_section.is_none() && metric_nodes.is_empty() {
        cx.err(
            root.pos,
            "the scheme has no `metrics:` section and its KPIs name no metric of the catalogue (`incentive metrics` lists them)",
        );
    }
    let names = Names::new(
        metric_nodes
            .iter()
            .map(|(k, _)| k.as_str().unwrap_or("").to_string())
            .collect(),
    );
    let mut metrics = Vec::new();
    for (k, v) in &metric_nodes {
        let name = k.as_str().unwrap_or("").to_string();
        if !is_identifier(&name) {
            cx.err(
                k.pos,
                format!("metric name {name:?} must be lower-case letters, digits and `_`"),
            );
        }
        let (def, (description, descriptions)) = parse_metric(&mut cx, v, &names).unwrap_or((
            MetricDef::Formula(Expr::Number(Decimal::ZERO)),
            (String::new(), Vec::new()),
        ));
        metrics.push(Metric {
            name,
            def,
            description,
            descriptions,
        });
    }
    if check_formula_cycles(&mut cx, &metrics, &metric_nodes) {
        check_formula_sizes(&mut cx, &metrics, &metric_nodes);
    }
    check_table_cycles(&mut cx, &metrics, &metric_nodes);

    // KPIs.
    let mut kpis: Vec<Kpi> = Vec::new();
    let mut kpi_nodes: Vec<&Node> = Vec::new();
    let kpis_pos;
    match get(top, "kpis") {
        Some(n) => {
            kpis_pos = n.pos;
            match &n.kind {
                Kind::Seq(items) => kpi_nodes = items.iter().collect(),
                _ => cx.err(
                    n.pos,
                    format!(
                        "kpis must be a list (`- id: …` items), found {}",
                        n.describe()
                    ),
                ),
            }
        }
        None => {
            kpis_pos = root.pos;
            cx.err(root.pos, "the scheme has no `kpis:` list");
        }
    }
    let kpi_ids: Vec<String> = kpi_nodes
        .iter()
        .map(|n| match &n.kind {
            Kind::Map(e) => get(e, "id")
                .and_then(|i| i.as_str())
                .unwrap_or("")
                .trim()
                .to_string(),
            _ => String::new(),
        })
        .collect();
    let mut seen: HashMap<String, Pos> = HashMap::new();
    if kpi_nodes.len() > MAX_KPIS {
        cx.err(
            kpis_pos,
            format!(
                "{} KPIs; a scheme has at most {MAX_KPIS} (keep 3-5 paid KPIs, the rest as diagnostics)",
                kpi_nodes.len()
            ),
        );
        kpi_nodes.clear();
    }
    for (i, node) in kpi_nodes.iter().enumerate() {
        if let Some(kpi) = parse_kpi(
            &mut cx,
            node,
            &metrics,
            &names,
            &kpi_ids,
            default_curve.as_ref(),
            default_curve_broken,
        ) {
            if let Some(first) = seen.get(&kpi.id) {
                let msg = format!(
                    "KPI id {:?} is used twice (first at {}:{})",
                    kpi.id, first.line, first.col
                );
                cx.err(node.pos, msg);
            }
            seen.insert(kpi.id.clone(), node.pos);
            kpis.push(kpi);
        } else {
            // Keep indices aligned with kpi_ids for target references.
            kpis.push(Kpi {
                id: kpi_ids[i].clone(),
                name: String::new(),
                names: Vec::new(),
                weight: Decimal::ZERO,
                metric: 0,
                target: Target::Fixed(Decimal::ONE),
                target_place: String::new(),
                prorate: false,
                better: Better::Higher,
                curve: Curve::standard(),
                observe: None,
                observe_place: String::new(),
            });
        }
    }
    if !kpi_nodes.is_empty() {
        // Only weights in 0-100% reach here (others are already reported), and there are at most
        // MAX_KPIS of them, but add with a check all the same.
        // Observed KPIs are not paid, so their weights are not in the 100%.
        let paid: Vec<&Kpi> = kpis.iter().filter(|k| k.is_paid()).collect();
        let total = paid
            .iter()
            .try_fold(Decimal::ZERO, |t, k| t.checked_add(k.weight));
        if total != Some(Decimal::ONE) && cx.problems.is_empty() {
            let (which, observed) = if paid.len() < kpis.len() {
                ("paid KPI", " (KPIs in observation are not counted)")
            } else {
                ("KPI", "")
            };
            cx.err(
                kpis_pos,
                format!(
                    "the {which} weights sum to {}; they must sum to exactly 100%{observed}",
                    total.map_or("more than can be added".to_string(), pct)
                ),
            );
        }
        if paid.len() > 5 {
            cx.warn(
                kpis_pos,
                format!(
                    "{} paid KPIs: past 3-5 KPIs people stop focusing on any of them; keep the rest in observation (`observe: yes`)",
                    paid.len()
                ),
            );
        }
        for (k, node) in kpis.iter().zip(&kpi_nodes) {
            if k.is_paid() && k.weight > Decimal::ZERO && k.weight < Decimal::new(1, 1) {
                cx.warn(
                    node.pos,
                    format!(
                        "KPI {:?} weighs {}: under 10% a KPI is too small a part of the bonus to steer what people do; weigh it more, fold it into another, or keep it in observation",
                        k.id,
                        pct(k.weight)
                    ),
                );
            }
        }
    }
    check_target_cycles(&mut cx, &kpis, &kpi_nodes);

    if cx.problems.is_empty() {
        Ok(Scheme {
            id,
            file: file.to_path_buf(),
            name,
            currency,
            metrics,
            kpis,
            review_below,
            discuss_above,
            ranking_top3,
            max_total,
            guarantee,
            warnings: cx.warnings,
        })
    } else {
        let mut problems = cx.problems;
        if problems.len() > MAX_PROBLEMS {
            let more = problems.len() - MAX_PROBLEMS;
            problems.truncate(MAX_PROBLEMS);
            problems.push(Problem::new(
                file.display().to_string(),
                format!("… and {more} more problems in this file"),
            ));
        }
        Err(problems)
    }
}

/// A share of target bonus (`max_total: 150%`, a guarantee's `share: 50%`): written as a
/// percentage, above zero and at most 1000%. A bare number is refused rather than guessed: `1.5`
/// and `150` mean very different money.
fn share_of_bonus(cx: &mut Ctx, n: &Node, what: &str) -> Option<Decimal> {
    let text = n.as_str().unwrap_or("").trim().to_string();
    let d = cx.number(n, what)?;
    if !text.ends_with('%') {
        cx.err(
            n.pos,
            format!(
                "{what} {} must be a percentage of target bonus, such as {}%",
                quote(&text),
                if d <= Decimal::TEN {
                    (d * Decimal::ONE_HUNDRED).normalize()
                } else {
                    d.normalize()
                }
            ),
        );
        return None;
    }
    if d <= Decimal::ZERO || d > Decimal::TEN {
        cx.err(
            n.pos,
            format!("{what} {text} must be above 0% and at most 1000% of target bonus"),
        );
        return None;
    }
    Some(d)
}

pub(crate) const GUARANTEE_KEYS: &[&str] = &["months", "share", "recoverable"];

/// `guarantee: { months: 3, share: 50%, recoverable: yes }`.
fn parse_guarantee(cx: &mut Ctx, node: &Node) -> Option<Guarantee> {
    let entries = cx.map(node, "guarantee")?;
    cx.check_keys(entries, GUARANTEE_KEYS, "guarantee");
    let months = match get(entries, "months") {
        None => {
            cx.err(
                node.pos,
                "guarantee has no `months:` (how many months after hired_on it lasts, e.g. 3)",
            );
            None
        }
        Some(n) => {
            let text = n.as_str().unwrap_or("").trim().to_string();
            match text.parse::<u32>() {
                Ok(m) if (1..=24).contains(&m) => Some(m),
                _ => {
                    cx.err(
                        n.pos,
                        format!(
                            "guarantee months {} must be a whole number of months from 1 to 24",
                            quote(&text)
                        ),
                    );
                    None
                }
            }
        }
    };
    let share = match get(entries, "share") {
        None => {
            cx.err(
                node.pos,
                "guarantee has no `share:` (the minimum as a share of target bonus, e.g. 50%)",
            );
            None
        }
        Some(n) => share_of_bonus(cx, n, "guarantee share").and_then(|d| {
            if d > Decimal::ONE {
                cx.err(
                    n.pos,
                    format!(
                        "guarantee share {} is more than the target bonus; at most 100%",
                        n.as_str().unwrap_or("").trim()
                    ),
                );
                None
            } else {
                Some(d)
            }
        }),
    };
    let recoverable = match get(entries, "recoverable") {
        None => Some(false),
        Some(n) => cx.boolean(n, "guarantee recoverable"),
    };
    Some(Guarantee {
        months: months?,
        share: share?,
        recoverable: recoverable?,
    })
}

/// `review_below`: the attainment under which a KPI is flagged for review (default 80%). An
/// attainment at or above its target is never "below threshold", so the line is at most 100%.
fn review_line(cx: &mut Ctx, node: Option<&Node>) -> Decimal {
    let default = Decimal::new(8, 1);
    let Some(n) = node else { return default };
    let Some(d) = cx.line(n, "review_below", None) else {
        return default;
    };
    if d > Decimal::ONE {
        let text = n.as_str().unwrap_or("").trim();
        let hint = if text.ends_with('%') {
            String::new()
        } else {
            format!(" (did you mean {}%?)", d.normalize())
        };
        cx.err(
            n.pos,
            format!(
                "review_below {text} is {}: it would flag KPIs above their target for review; it must be at most 100%{hint}",
                pct(d)
            ),
        );
        return default;
    }
    d
}

/// `discuss_above`: the attainment over which a KPI is flagged for a talk (default 120%); at
/// least 100%, since below target is not a star.
fn discuss_line(cx: &mut Ctx, node: Option<&Node>) -> Decimal {
    let default = Decimal::new(12, 1);
    let Some(n) = node else { return default };
    let Some(d) = cx.line(n, "discuss_above", Some(UNLIKELY_LINE)) else {
        return default;
    };
    if d < Decimal::ONE {
        let text = n.as_str().unwrap_or("").trim();
        cx.err(
            n.pos,
            format!(
                "discuss_above {text} would call results below target a star; it must be at least 100%"
            ),
        );
        return default;
    }
    d
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

pub(crate) const AGG_KEYS: &[&str] = &[
    "count",
    "sum",
    "average",
    "min",
    "max",
    "count_distinct",
    "median",
    "percentile",
    "share",
];
pub(crate) const METRIC_KEYS: &[&str] = &[
    "count",
    "sum",
    "average",
    "min",
    "max",
    "count_distinct",
    "median",
    "percentile",
    "share",
    "where",
    "scope",
    "formula",
    "description",
];

/// A metric's description: the default text (English, or the only one written) and the text by
/// language code.
type Description = (String, Vec<(String, String)>);

/// `description: text` (the same in every language) or `description: { en: …, ru: … }`, like a
/// KPI's `name`.
fn parse_description(cx: &mut Ctx, node: &Node) -> Option<Description> {
    let Kind::Map(langs) = &node.kind else {
        return cx
            .text(node, "description")
            .map(|t| (t.to_string(), Vec::new()));
    };
    let mut by_lang: Vec<(String, String)> = Vec::new();
    for (lang, text) in langs {
        let code = lang.as_str().unwrap_or("").trim().to_lowercase();
        if !matches!(code.as_str(), "en" | "ru") {
            cx.err(
                lang.pos,
                format!("{code:?} is not a language of the labels; expected en or ru"),
            );
        }
        if let Some(t) = cx.text(text, "description") {
            by_lang.push((code, t.to_string()));
        }
    }
    let default = by_lang
        .iter()
        .find(|(l, _)| l == "en")
        .or(by_lang.first())
        .map(|(_, t)| t.clone());
    let Some(default) = default else {
        cx.err(
            node.pos,
            "description needs at least one language, e.g. `{ en: won deals, ru: выигранные сделки }`",
        );
        return None;
    };
    Some((default, by_lang))
}

fn parse_metric(cx: &mut Ctx, node: &Node, names: &Names) -> Option<(MetricDef, Description)> {
    // A bare string is a formula.
    if let Kind::Scalar { text, .. } = &node.kind {
        let e = parse_formula(cx, node, text, names)?;
        return Some((MetricDef::Formula(e), (text.trim().to_string(), Vec::new())));
    }
    let entries = cx.map(node, "a metric")?;
    cx.check_keys(entries, METRIC_KEYS, "a metric");
    // `description:` left empty is as if not written: the metric is described from its
    // definition.
    let description = match get(entries, "description").filter(|d| !d.is_null()) {
        Some(d) => Some(parse_description(cx, d)?),
        None => None,
    };
    let scope = get(entries, "scope");
    if let Some(f) = get(entries, "formula") {
        if let Some(sc) = scope {
            let at = entries
                .iter()
                .find(|(k, _)| k.as_str() == Some("scope"))
                .map_or(sc.pos, |(k, _)| k.pos);
            cx.err(
                at,
                "scope belongs to the aggregate metrics a formula uses: write `scope:` on each of them (a formula over team metrics is the team's figure)",
            );
            return None;
        }
        if let Some((k, _)) = entries
            .iter()
            .find(|(k, _)| AGG_KEYS.contains(&k.as_str().unwrap_or("")))
        {
            cx.err(
                k.pos,
                "a metric is either a `formula` or an aggregation, not both",
            );
            return None;
        }
        let text = cx.text(f, "formula")?;
        let e = parse_formula(cx, f, text, names)?;
        return Some((
            MetricDef::Formula(e),
            description.unwrap_or_else(|| (text.to_string(), Vec::new())),
        ));
    }
    let aggs: Vec<&(Node, Node)> = entries
        .iter()
        .filter(|(k, _)| AGG_KEYS.contains(&k.as_str().unwrap_or("")))
        .collect();
    if aggs.len() != 1 {
        let at = aggs.get(1).map_or(node.pos, |(k, _)| k.pos);
        cx.err(
            at,
            format!(
                "a metric needs exactly one of {} (or a formula)",
                AGG_KEYS.join(", ")
            ),
        );
        return None;
    }
    let (k, v) = aggs[0];
    let op_name = k.as_str().unwrap_or("");
    let shape = match op_name {
        "percentile" => parse_percentile(cx, v)?,
        "share" => parse_share(cx, v)?,
        _ => parse_column_aggregation(cx, op_name, v)?,
    };
    let AggShape {
        table,
        op,
        of,
        part,
        words,
    } = shape;
    let scope = match scope {
        Some(n) => parse_scope(cx, n)?,
        None => Scope::Own,
    };
    let filter = match get(entries, "where") {
        Some(w) => parse_filter(cx, w, table)?,
        None => Filter::All(Vec::new()),
    };
    let description = description.unwrap_or_else(|| {
        let filter = get(entries, "where");
        let (en, ru) = match scope {
            Scope::Own => ("", ""),
            Scope::Team => (", over the team", ", по команде"),
            Scope::Reports => (
                ", over the employee and everyone reporting to them",
                ", по сотруднику и всем его подчинённым",
            ),
        };
        (
            describe_aggregate(&words, filter) + en,
            vec![("ru".to_string(), describe_aggregate_ru(&words, filter) + ru)],
        )
    });
    Some((
        MetricDef::Aggregate(Aggregate {
            table,
            op,
            of,
            filter,
            part,
            scope,
        }),
        description,
    ))
}

/// An aggregation as parsed, before the metric's `where:`.
struct AggShape<'n> {
    table: Table,
    op: AggOp,
    of: Option<Of>,
    /// A share's inner condition.
    part: Option<Filter>,
    words: AggWords<'n>,
}

/// What the generated description says of an aggregation.
enum AggWords<'n> {
    /// `sum`, what it reads.
    Plain(&'n str, OfWords<'n>),
    /// The percentile as written (`90%`), what it reads.
    Percentile(Decimal, OfWords<'n>),
    /// The table, the part's condition.
    Share(&'n str, &'n Node),
}

/// What an aggregation reads, in the words of the generated description.
enum OfWords<'n> {
    /// `deals.amount`, or an expression as written with its unit when it is a time.
    Text(&'n str, Option<TimeUnit>),
    /// `time_to_next`: the table, the `next:` condition, the `same:` columns, the unit.
    Wait(Table, &'n Node, Vec<&'static str>, TimeUnit),
}

impl OfWords<'_> {
    fn text(&self, lang: &str, next: &dyn Fn(&Node) -> String) -> String {
        match self {
            OfWords::Text(t, None) => t.to_string(),
            OfWords::Text(t, Some(u)) => format!("{t} ({})", u.word(lang)),
            OfWords::Wait(table, cond, same, unit) => {
                let same = same.join(", ");
                if lang == "ru" {
                    format!(
                        "время от каждой строки {table} до следующей, где {}{} ({})",
                        next(cond),
                        if same.is_empty() {
                            String::new()
                        } else {
                            format!(", с тем же {same}")
                        },
                        unit.word(lang)
                    )
                } else {
                    format!(
                        "the time from each {table} row to the next where {}{} ({})",
                        next(cond),
                        if same.is_empty() {
                            String::new()
                        } else {
                            format!(", same {same}")
                        },
                        unit.word(lang)
                    )
                }
            }
        }
    }
}

/// The text if it names an existing column as table.column, for the examples of messages (never
/// echoing an arbitrary, maybe huge, value).
fn known_column(text: &str) -> Option<&str> {
    let text = text.trim();
    let (t, c) = text.split_once('.')?;
    Table::from_name(t.trim())?.column_index(c.trim())?;
    Some(text)
}

/// A table's first numeric column, for the examples of messages.
fn numeric_column(table: Table) -> Option<&'static str> {
    table
        .columns()
        .iter()
        .find(|c| c.ty.is_number())
        .map(|c| c.name)
}

/// Whether the text is a bare `table` or `table.column` (else an expression over the row).
fn is_plain_target(text: &str) -> bool {
    !text.contains(['+', '-', '*', '/', '(', ')'])
}

/// `count: TABLE`, `count_distinct: TABLE.COLUMN`, and `sum`, `average`, `min`, `max`, `median`
/// of a numeric `TABLE.COLUMN`, of an expression over the row's columns
/// (`deals.closed_on - deals.created_on`), or of `{ time_to_next: … }`.
fn parse_column_aggregation<'n>(
    cx: &mut Ctx,
    op_name: &'n str,
    v: &'n Node,
) -> Option<AggShape<'n>> {
    let reads_values = matches!(
        op_name,
        "sum" | "average" | "min" | "max" | "median" | "percentile"
    );
    if let Kind::Map(entries) = &v.kind
        && reads_values
        && get(entries, "time_to_next").is_some()
    {
        return parse_wait(cx, op_name, entries);
    }
    if op_name == "median" && matches!(v.kind, Kind::Map(_)) {
        let of = match &v.kind {
            Kind::Map(e) => get(e, "of").and_then(|n| n.as_str()).and_then(known_column),
            _ => None,
        };
        let of = of.unwrap_or("deals.amount");
        cx.err(
            v.pos,
            format!(
                "median takes the column itself: `median: {of}` (another point than the middle is `percentile: {{ of: {of}, p: 90% }}`; the time to the next row is `median: {{ time_to_next: {{ … }} }}`)"
            ),
        );
        return None;
    }
    let target = cx.text(v, op_name)?;
    if reads_values && !is_plain_target(target) {
        return parse_row_expression(cx, op_name, v, target);
    }
    let (table_name, column_name) = match target.split_once('.') {
        Some((t, c)) => (t.trim(), Some(c.trim())),
        None => (target, None),
    };
    let table = lookup_table(cx, v.pos, table_name)?;
    if let Some(why) = not_per_employee(table) {
        cx.err(v.pos, format!("{op_name} over the {table} table {why}"));
        return None;
    }
    let column = match column_name {
        Some(c) => Some(lookup_column(cx, v.pos, table, c)?),
        None => None,
    };
    let op = match (op_name, column) {
        ("count", None) => AggOp::Count,
        ("count", Some(_)) => {
            cx.err(v.pos, format!("count takes a table (e.g. `count: {table_name}`); to count distinct values use count_distinct"));
            return None;
        }
        ("count_distinct", None) => {
            cx.err(v.pos, format!("{op_name} needs a column, written table.column (e.g. `{op_name}: deals.client_id`)"));
            return None;
        }
        (_, None) => {
            match numeric_column(table) {
                Some(c) => cx.err(
                    v.pos,
                    format!("{op_name} needs a column, written table.column: `{op_name}: {table}.{c}`"),
                ),
                None => cx.err(
                    v.pos,
                    format!("{op_name} needs a numeric column, and the {table} table has none; to count its rows write `count: {table}`"),
                ),
            }
            return None;
        }
        ("count_distinct", Some(_)) => AggOp::CountDistinct,
        (op, Some(c)) => {
            numeric(cx, v.pos, op, table, c)?;
            value_op(op)
        }
    };
    Some(AggShape {
        table,
        op,
        of: column.map(Of::Column),
        part: None,
        words: AggWords::Plain(op_name, OfWords::Text(target, None)),
    })
}

/// The operation of an aggregation that reads values (percentile's point is set by the caller).
fn value_op(op: &str) -> AggOp {
    match op {
        "sum" => AggOp::Sum,
        "average" => AggOp::Average,
        "min" => AggOp::Min,
        "max" => AggOp::Max,
        // median, and percentile's `of:`
        _ => AggOp::Percentile(Decimal::new(5, 1)),
    }
}

/// `average: deals.closed_on - deals.created_on`: arithmetic over one row's columns, in the
/// formula syntax. At least one column names its table (`deals.closed_on`); the others may too,
/// or be written bare.
fn parse_row_expression<'n>(
    cx: &mut Ctx,
    op_name: &'n str,
    node: &'n Node,
    text: &'n str,
) -> Option<AggShape<'n>> {
    let mut names: Vec<(usize, String)> = Vec::new();
    let parsed = expr::parse(text, &mut |name, at| {
        names.push((at, name.to_string()));
        Some(names.len() - 1)
    });
    let at = |offset: usize| Pos {
        line: node.pos.line,
        col: node.pos.col + offset,
    };
    let e = match parsed {
        Ok(e) => e,
        Err((offset, msg)) => {
            let msg = msg.replace("in the formula", "in the expression");
            cx.err(at(offset), format!("{msg}: {}", quote(text)));
            return None;
        }
    };
    let example = format!("`{op_name}: deals.closed_on - deals.created_on`");
    let mut table: Option<(Table, &str)> = None;
    for (offset, name) in &names {
        let Some((t, _)) = name.split_once('.') else {
            continue;
        };
        match table {
            None => table = Some((lookup_table(cx, at(*offset), t)?, &name[..t.len()])),
            Some((first, first_name)) if first_name != t => {
                let other = Table::from_name(t).map_or(t.to_string(), |t| t.to_string());
                cx.err(
                    at(*offset),
                    format!(
                        "a row expression reads one row: {first} and {other} are different tables; compute each table's metric on its own and combine them in a formula"
                    ),
                );
                return None;
            }
            Some(_) => {}
        }
    }
    let Some((table, _)) = table else {
        cx.err(
            node.pos,
            format!("the expression {} names no table: write its columns as table.column, e.g. {example}", quote(text)),
        );
        return None;
    };
    if let Some(why) = not_per_employee(table) {
        cx.err(node.pos, format!("{op_name} over the {table} table {why}"));
        return None;
    }
    let mut operands = Vec::new();
    let mut ok = true;
    for (offset, name) in &names {
        let column = name.split_once('.').map_or(name.as_str(), |(_, c)| c);
        match lookup_column(cx, at(*offset), table, column) {
            Some(c) => operands.push(row::Operand { table, column: c }),
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    let e = match row::typed(&e, &operands) {
        Ok(e) => e,
        Err(msg) => {
            cx.err(node.pos, format!("{}: {msg}", quote(text)));
            return None;
        }
    };
    let unit = e.time_unit();
    Some(AggShape {
        table,
        op: value_op(op_name),
        of: Some(Of::Row(e)),
        part: None,
        words: AggWords::Plain(op_name, OfWords::Text(text.trim(), unit)),
    })
}

pub(crate) const WAIT_KEYS: &[&str] = &["at", "next", "same", "within", "if_none"];

/// `median: { time_to_next: { at: emails.sent_at, next: { direction: outgoing }, same: client_id,
/// if_none: 24 } }`.
fn parse_wait<'n>(
    cx: &mut Ctx,
    op_name: &'n str,
    entries: &'n [(Node, Node)],
) -> Option<AggShape<'n>> {
    let example =
        "`time_to_next: { at: emails.sent_at, next: { direction: outgoing }, same: client_id }`";
    cx.check_keys(entries, &["time_to_next"], "the time to the next row");
    let node = get(entries, "time_to_next")?;
    let w = cx.map(node, "time_to_next")?;
    cx.check_keys(w, WAIT_KEYS, "time_to_next");
    let (Some(at), Some(next)) = (get(w, "at"), get(w, "next")) else {
        cx.err(
            node.pos,
            format!("time_to_next needs `at:` (the date or datetime column, written table.column) and `next:` (the condition of the next row), e.g. {example}"),
        );
        return None;
    };
    let at_text = cx.text(at, "time_to_next at")?;
    let Some((t, c)) = at_text.split_once('.') else {
        cx.err(
            at.pos,
            format!(
                "`at:` names the column the rows are timed by, written table.column, e.g. {example}"
            ),
        );
        return None;
    };
    let table = lookup_table(cx, at.pos, t.trim())?;
    if let Some(why) = not_per_employee(table) {
        cx.err(at.pos, format!("time_to_next over the {table} table {why}"));
        return None;
    }
    let column = lookup_column(cx, at.pos, table, c.trim())?;
    let col = table.columns()[column];
    let Some(unit) = TimeUnit::of(col.ty) else {
        cx.err(
            at.pos,
            format!(
                "`at:` times the rows, so it needs a date or datetime column; {table}.{} holds {}",
                col.name,
                col.ty.expected()
            ),
        );
        return None;
    };
    let next_filter = parse_filter(cx, next, table);
    let mut same = Vec::new();
    let mut same_names = Vec::new();
    if let Some(s) = get(w, "same") {
        let items: Vec<&Node> = match &s.kind {
            Kind::Seq(items) => items.iter().collect(),
            _ => vec![s],
        };
        for item in items {
            let name = cx.text(item, "time_to_next same")?;
            let name = name.split_once('.').map_or(name, |(_, c)| c).trim();
            let c = lookup_column(cx, item.pos, table, name)?;
            let col = table.columns()[c];
            if !keyable(col.ty) {
                cx.err(
                    item.pos,
                    format!(
                        "`same:` matches rows by an identifier or a text column; {table}.{} holds {}",
                        col.name,
                        col.ty.expected()
                    ),
                );
                return None;
            }
            same.push(c);
            same_names.push(col.name);
        }
    }
    let (most, word) = match unit {
        TimeUnit::Days => (Decimal::from(MAX_OFFSET_DAYS), "days"),
        TimeUnit::Hours => (Decimal::from(MAX_OFFSET_DAYS * 24), "hours"),
    };
    let mut time = |key: &str, what: &str| -> Option<Option<Decimal>> {
        let Some(n) = get(w, key) else {
            return Some(None);
        };
        let d = cx.number(n, key)?;
        if d < Decimal::ZERO || d > most {
            cx.err(
                n.pos,
                format!(
                    "{key} is {what}, in {word}: from 0 to {most} (100 years), not {}",
                    quote(n.as_str().unwrap_or("").trim())
                ),
            );
            return None;
        }
        Some(Some(d))
    };
    let within = time("within", "how long the next row may take");
    let if_none = time("if_none", "the value of a row with no next row");
    let (within, if_none) = (within?, if_none?);
    let next_filter = next_filter?;
    Some(AggShape {
        table,
        op: value_op(op_name),
        of: Some(Of::Wait(Box::new(Wait {
            at: column,
            unit,
            next: next_filter,
            same,
            within,
            if_none,
        }))),
        part: None,
        words: AggWords::Plain(op_name, OfWords::Wait(table, next, same_names, unit)),
    })
}

/// Refuses a column that holds no numbers, for an aggregation that adds or ranks values.
fn numeric(cx: &mut Ctx, pos: Pos, op: &str, table: Table, c: usize) -> Option<()> {
    let col = table.columns()[c];
    if col.ty.is_number() {
        return Some(());
    }
    cx.err(
        pos,
        format!(
            "{op} needs a numeric column; {}.{} holds {}",
            table,
            col.name,
            col.ty.expected()
        ),
    );
    None
}

pub(crate) const PERCENTILE_KEYS: &[&str] = &["of", "p"];

/// `percentile: { of: TABLE.COLUMN, p: 90% }`: p from 0% to 100%.
fn parse_percentile<'n>(cx: &mut Ctx, v: &'n Node) -> Option<AggShape<'n>> {
    let Kind::Map(entries) = &v.kind else {
        let of = v
            .as_str()
            .and_then(known_column)
            .unwrap_or("calls.duration_sec");
        cx.err(
            v.pos,
            format!(
                "percentile needs the column and the point: `percentile: {{ of: {of}, p: 90% }}` (the middle value is `median: {of}`)"
            ),
        );
        return None;
    };
    cx.check_keys(entries, PERCENTILE_KEYS, "a percentile");
    let of = get(entries, "of");
    let p = get(entries, "p");
    if of.is_none() {
        cx.err(
            v.pos,
            "percentile needs `of:`, the column written table.column (e.g. `percentile: { of: calls.duration_sec, p: 90% }`)",
        );
    }
    if p.is_none() {
        cx.err(
            v.pos,
            "percentile needs `p:`, the point from 0% to 100% (e.g. `p: 90%`; 50% is the median)",
        );
    }
    let (of, p) = (of?, p?);
    let shape = parse_column_aggregation(cx, "percentile", of);
    let share = cx.number(p, "percentile p");
    let (mut shape, share) = (shape?, share?);
    if share < Decimal::ZERO || share > Decimal::ONE {
        let text = p.as_str().unwrap_or("").trim();
        let hint = if !text.ends_with('%') && share > Decimal::ONE && share <= Decimal::ONE_HUNDRED
        {
            format!(" (did you mean {}%?)", share.normalize())
        } else {
            String::new()
        };
        cx.err(
            p.pos,
            format!("percentile p {} must be from 0% to 100%{hint}", quote(text)),
        );
        return None;
    }
    if let AggOp::Percentile(_) = shape.op {
        shape.op = AggOp::Percentile(share);
        if let AggWords::Plain(_, target) = shape.words {
            shape.words = AggWords::Percentile(share, target);
        }
    }
    Some(shape)
}

pub(crate) const SHARE_KEYS: &[&str] = &["of", "where"];

/// `share: { of: TABLE, where: FILTER }`: the rows kept by both the inner and the metric's
/// `where:` ÷ the rows kept by the metric's.
fn parse_share<'n>(cx: &mut Ctx, v: &'n Node) -> Option<AggShape<'n>> {
    let example = |table: &str| {
        format!(
            "`share: {{ of: {table}, where: {{ … }} }}` counts the rows kept by both its `where:` and the metric's, ÷ the rows the metric's `where:` keeps"
        )
    };
    let Kind::Map(entries) = &v.kind else {
        let table = v
            .as_str()
            .map(str::trim)
            .filter(|t| Table::from_name(t).is_some())
            .unwrap_or("calls");
        let msg = format!("share needs the condition of the part: {}", example(table));
        cx.err(v.pos, msg);
        return None;
    };
    cx.check_keys(entries, SHARE_KEYS, "a share");
    let of = get(entries, "of");
    let part = get(entries, "where");
    if of.is_none() {
        let msg = format!(
            "share needs `of:`, the table whose rows it counts: {}",
            example("calls")
        );
        cx.err(v.pos, msg);
    }
    if part.is_none() {
        let table = of.and_then(|n| n.as_str()).map_or("calls", str::trim);
        let table = if Table::from_name(table).is_some() {
            table
        } else {
            "calls"
        };
        let msg = format!(
            "share needs `where:`, the condition of the part: {}",
            example(table)
        );
        cx.err(v.pos, msg);
    }
    let (of, part) = (of?, part?);
    let name = cx.text(of, "share of")?;
    if let Some((t, _)) = name.split_once('.') {
        let t = Some(t.trim())
            .filter(|t| Table::from_name(t).is_some())
            .unwrap_or("calls");
        cx.err(
            of.pos,
            format!(
                "share counts rows: `of:` names a table (`of: {t}`), and the part's condition goes in its `where:`"
            ),
        );
        return None;
    }
    let table = lookup_table(cx, of.pos, name)?;
    if let Some(why) = not_per_employee(table) {
        cx.err(of.pos, format!("share over the {table} table {why}"));
        return None;
    }
    let filter = parse_filter(cx, part, table)?;
    Some(AggShape {
        table,
        op: AggOp::Share,
        of: None,
        part: Some(filter),
        words: AggWords::Share(name, part),
    })
}

/// `scope: own | team | reports`.
fn parse_scope(cx: &mut Ctx, node: &Node) -> Option<Scope> {
    let text = cx.text(node, "scope")?;
    match text {
        "own" => Some(Scope::Own),
        "team" => Some(Scope::Team),
        "reports" => Some(Scope::Reports),
        other => {
            let hint = cx.hint(&other.to_lowercase(), Scope::WORDS.iter().copied());
            cx.err(
                node.pos,
                format!(
                    "scope {} is not a scope{hint}; expected own (the employee's rows, the default), team (everyone with the employee's team) or reports (the employee and everyone reporting to them through manager_id)",
                    quote(other)
                ),
            );
            None
        }
    }
}

/// A filter's YAML, in words.
fn filter_text(n: &Node, word: &dyn Fn(&str) -> String, or: &str) -> String {
    match &n.kind {
        Kind::Scalar { text, .. } => word(text),
        Kind::Seq(items) => items
            .iter()
            .map(|i| filter_text(i, word, or))
            .collect::<Vec<_>>()
            .join(or),
        Kind::Map(entries) => entries
            .iter()
            .map(|(k, v)| {
                format!(
                    "{} {}",
                    word(k.as_str().unwrap_or("")),
                    filter_text(v, word, or)
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The metric in Russian words: `сумма deals.amount, где status won, closed_on в периоде`. The
/// scheme's own words (operators, `period_start`, yes/no) are translated; column names and the
/// data's values (`won`, `outgoing`) stay as the data writes them.
fn describe_aggregate_ru(words: &AggWords, filter: Option<&Node>) -> String {
    fn word(w: &str) -> String {
        let ru = match w.trim() {
            "all" => "все из",
            "any" => "любое из",
            "not" => "не",
            "equals" => "=",
            "one_of" => "одно из",
            "not_one_of" => "ни одно из",
            "at_least" => "не меньше",
            "at_most" => "не больше",
            "more_than" => "больше",
            "less_than" => "меньше",
            "after" => "после",
            "before" => "до",
            "on_or_after" => "не раньше",
            "on_or_before" => "не позже",
            "in_period" => "в периоде",
            "empty" => "пусто",
            "found_in" => "есть в",
            "period_start" => "начала периода",
            "period_end" => "конца периода",
            "yes" | "true" => "да",
            "no" | "false" => "нет",
            other => return other.to_string(),
        };
        ru.to_string()
    }
    let head = match words {
        AggWords::Plain(op, target) => {
            let op = match *op {
                "count" => "количество",
                "sum" => "сумма",
                "average" => "среднее",
                "min" => "минимум",
                "max" => "максимум",
                "count_distinct" => "число различных",
                "median" => "медиана",
                other => other,
            };
            format!(
                "{op} {}",
                target.text("ru", &|n| filter_text(n, &word, " или "))
            )
        }
        AggWords::Percentile(p, target) => format!(
            "процентиль {} {}",
            pct(*p),
            target.text("ru", &|n| filter_text(n, &word, " или "))
        ),
        AggWords::Share(table, part) => {
            let part = filter_text(part, &word, " или ");
            return match filter {
                Some(f) => format!(
                    "доля строк {table}, где {part}, среди строк, где {}",
                    filter_text(f, &word, " или ")
                ),
                None => format!("доля строк {table}, где {part}"),
            };
        }
    };
    match filter {
        Some(f) => format!("{head}, где {}", filter_text(f, &word, " или ")),
        None => head,
    }
}

/// The metric in words: `sum of deals.amount where status won, closed_on in_period`.
fn describe_aggregate(words: &AggWords, filter: Option<&Node>) -> String {
    fn node_text(n: &Node) -> String {
        match &n.kind {
            Kind::Scalar { text, .. } => text.clone(),
            Kind::Seq(items) => items.iter().map(node_text).collect::<Vec<_>>().join(" or "),
            Kind::Map(entries) => entries
                .iter()
                .map(|(k, v)| format!("{} {}", k.as_str().unwrap_or(""), node_text(v)))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
    let head = match words {
        AggWords::Plain(op, target) => format!(
            "{} of {}",
            op.replace('_', " "),
            target.text("en", &node_text)
        ),
        AggWords::Percentile(p, target) => format!(
            "percentile {} of {}",
            pct(*p),
            target.text("en", &node_text)
        ),
        AggWords::Share(table, part) => {
            let part = node_text(part);
            return match filter {
                Some(f) => format!(
                    "share of {table} rows where {part} among those where {}",
                    node_text(f)
                ),
                None => format!("share of {table} rows where {part}"),
            };
        }
    };
    match filter {
        Some(f) => format!("{head} where {}", node_text(f)),
        None => head,
    }
}

/// Why a table cannot be aggregated per employee, if it cannot: each employee's metrics see only
/// that employee's rows, so a metric over the roster or the plans would silently be about the
/// person alone, whatever the YAML says.
pub(crate) fn not_per_employee(table: Table) -> Option<&'static str> {
    match table {
        Table::Employees => Some(
            "would see only the employee's own row, not the team's (each employee's metrics read only that employee's rows); a team's figure adds up the team's activity: `scope: team` on a metric over calls, deals …, or `scope: reports` for a manager's line",
        ),
        Table::Plans => Some(
            "is not read as activity; an employee's plan is a KPI target: `target: { plan: metric }`",
        ),
        _ => None,
    }
}

fn parse_formula(cx: &mut Ctx, node: &Node, text: &str, names: &Names) -> Option<Expr> {
    let mut unknown: Vec<(usize, String)> = Vec::new();
    let result = expr::parse(text, &mut |name, at| {
        let found = names.find(name);
        if found.is_none() {
            unknown.push((at, name.to_string()));
        }
        found
    });
    // Plain scalars on one line: the offset in the text is the offset in the file.
    let at = |offset: usize| Pos {
        line: node.pos.line,
        col: node.pos.col + offset,
    };
    let catalogue = if unknown.is_empty() {
        Vec::new()
    } else {
        super::catalogue::names()
    };
    for (offset, name) in &unknown {
        let hint = cx.hint(
            name,
            names.iter().chain(catalogue.iter().map(String::as_str)),
        );
        cx.err(
            at(*offset),
            format!(
                "the formula uses {}, which is not a metric of this scheme{hint}",
                quote(name)
            ),
        );
    }
    match result {
        Ok(e) => Some(e),
        Err((offset, msg)) => {
            if !msg.is_empty() {
                cx.err(at(offset), format!("{msg}: {}", quote(text)));
            }
            None
        }
    }
}

fn lookup_table(cx: &mut Ctx, pos: Pos, name: &str) -> Option<Table> {
    let t = Table::from_name(name);
    if t == Some(Table::Adjustments) {
        cx.err(
            pos,
            "the adjustments table is finance's lines added to the bonus (docs/month-end.md); a metric cannot read it",
        );
        return None;
    }
    if t.is_none() {
        let names: Vec<&str> = Table::ALL
            .iter()
            .filter(|t| **t != Table::Adjustments)
            .map(|t| t.name())
            .collect();
        let hint = cx.hint(name, names.iter().copied());
        cx.err(
            pos,
            format!(
                "unknown table {}{hint}; expected one of {}",
                quote(name),
                names.join(", ")
            ),
        );
    }
    t
}

fn lookup_column(cx: &mut Ctx, pos: Pos, table: Table, name: &str) -> Option<usize> {
    let c = table.column_index(name);
    if c.is_none() {
        let names: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
        let hint = cx.hint(name, names.iter().copied());
        cx.err(
            pos,
            format!(
                "unknown column {} in table {table}{hint}; expected one of {}",
                quote(name),
                names.join(", ")
            ),
        );
    }
    c
}

fn parse_filter(cx: &mut Ctx, node: &Node, table: Table) -> Option<Filter> {
    let entries = cx.map(node, "`where`")?;
    let mut parts = Vec::new();
    let mut ok = true;
    for (k, v) in entries {
        let key = k.as_str().unwrap_or("");
        let part = match key {
            "any" | "all" => match &v.kind {
                Kind::Seq(items) => {
                    let subs: Option<Vec<Filter>> =
                        items.iter().map(|i| parse_filter(cx, i, table)).collect();
                    subs.map(|s| {
                        if key == "any" {
                            Filter::Any(s)
                        } else {
                            Filter::All(s)
                        }
                    })
                }
                _ => {
                    cx.err(
                        v.pos,
                        format!("`{key}` takes a list of conditions (`- column: value` items)"),
                    );
                    None
                }
            },
            "not" => parse_filter(cx, v, table).map(|f| Filter::Not(Box::new(f))),
            _ => match lookup_column(cx, k.pos, table, key) {
                Some(column) => parse_column_condition(cx, v, table, column),
                None => None,
            },
        };
        match part {
            Some(p) => parts.push(p),
            None => ok = false,
        }
    }
    ok.then_some(Filter::All(parts))
}

pub(crate) const OPERATORS: &[&str] = &[
    "equals",
    "not",
    "one_of",
    "not_one_of",
    "at_least",
    "at_most",
    "more_than",
    "less_than",
    "after",
    "before",
    "on_or_after",
    "on_or_before",
    "in_period",
    "empty",
    "found_in",
];

fn parse_column_condition(
    cx: &mut Ctx,
    node: &Node,
    table: Table,
    column: usize,
) -> Option<Filter> {
    let col = table.columns()[column];
    let test = |test| Filter::Test { column, test };
    match &node.kind {
        Kind::Scalar { text, plain } => {
            let t = text.trim();
            if *plain {
                match t {
                    "in_period" => {
                        return in_period(cx, node, table, col).map(|_| test(Test::InPeriod));
                    }
                    "empty" => return Some(test(Test::Empty)),
                    "not_empty" => return Some(test(Test::NotEmpty)),
                    _ => {}
                }
            }
            literal(cx, node, table, col).map(|v| test(Test::OneOf(vec![v])))
        }
        Kind::Seq(items) => {
            let vals: Option<Vec<Value>> =
                items.iter().map(|i| literal(cx, i, table, col)).collect();
            vals.map(|v| test(Test::OneOf(v)))
        }
        Kind::Map(entries) => {
            cx.check_keys(
                entries,
                OPERATORS,
                &format!("the condition on {}.{}", table, col.name),
            );
            let mut parts = Vec::new();
            let mut ok = true;
            for (k, v) in entries {
                let op = k.as_str().unwrap_or("");
                let part = match op {
                    "equals" => literal(cx, v, table, col).map(|x| test(Test::OneOf(vec![x]))),
                    "one_of" | "not_one_of" | "not" => {
                        let vals: Option<Vec<Value>> = match &v.kind {
                            Kind::Seq(items) => {
                                items.iter().map(|i| literal(cx, i, table, col)).collect()
                            }
                            _ => literal(cx, v, table, col).map(|x| vec![x]),
                        };
                        vals.map(|vals| {
                            if op == "one_of" {
                                test(Test::OneOf(vals))
                            } else {
                                test(Test::NotOneOf(vals))
                            }
                        })
                    }
                    "at_least" | "at_most" | "more_than" | "less_than" | "after" | "before"
                    | "on_or_after" | "on_or_before" => {
                        let cmp = match op {
                            "at_least" | "on_or_after" => Cmp::GreaterOrEqual,
                            "at_most" | "on_or_before" => Cmp::LessOrEqual,
                            "more_than" | "after" => Cmp::Greater,
                            _ => Cmp::Less,
                        };
                        let is_date_op =
                            matches!(op, "after" | "before" | "on_or_after" | "on_or_before");
                        if col.ty.is_date() {
                            parse_date_ref(cx, v, table, column)
                                .map(|d| test(Test::Compare(cmp, Operand::Date(d))))
                        } else if col.ty.is_number() && !is_date_op {
                            cx.number(v, op)
                                .map(|d| test(Test::Compare(cmp, Operand::Number(d))))
                        } else if let Some(order) = value_order(table, column)
                            && !is_date_op
                        {
                            ranked_value(cx, v, op, table, col, order)
                                .map(|rank| test(Test::Ranked { cmp, rank, order }))
                        } else {
                            let fits = if col.ty.is_number() {
                                "at_least, at_most, more_than, less_than"
                            } else if value_order(table, column).is_some() {
                                "at_least, at_most, more_than, less_than (in the funnel order), equals, one_of, not, empty"
                            } else {
                                "equals, one_of, not, empty"
                            };
                            let ordered = if matches!(col.ty, ColType::Enum(_))
                                && value_order(table, column).is_none()
                            {
                                format!(
                                    " (its values have no order; of the lists of words only deals.stage has one: {})",
                                    crate::data::tables::DEAL_STAGES.join(" < ")
                                )
                            } else {
                                String::new()
                            };
                            cx.err(
                                k.pos,
                                format!(
                                    "{op} cannot compare {}.{}, which holds {}{ordered}; use {fits}",
                                    table,
                                    col.name,
                                    col.ty.expected()
                                ),
                            );
                            None
                        }
                    }
                    "in_period" => {
                        let yes = cx.boolean(v, "in_period");
                        in_period(cx, v, table, col).and(yes).map(|y| {
                            if y {
                                test(Test::InPeriod)
                            } else {
                                Filter::Not(Box::new(test(Test::InPeriod)))
                            }
                        })
                    }
                    "empty" => cx
                        .boolean(v, "empty")
                        .map(|y| test(if y { Test::Empty } else { Test::NotEmpty })),
                    "found_in" => parse_found_in(cx, v, table, column),
                    _ => None, // already reported by check_keys
                };
                match part {
                    Some(p) => parts.push(p),
                    None => ok = false,
                }
            }
            ok.then_some(Filter::All(parts))
        }
    }
}

/// A value of an ordered column (a deal stage) for `at_least:` and the like: its rank in the
/// order.
fn ranked_value(
    cx: &mut Ctx,
    node: &Node,
    op: &str,
    table: Table,
    col: Column,
    order: &'static [&'static str],
) -> Option<usize> {
    if matches!(node.kind, Kind::Seq(_)) {
        cx.err(
            node.pos,
            format!(
                "{op} compares with one value of {}.{}, found a list; to keep rows at any of several, write `{}: {{ one_of: [...] }}`",
                table, col.name, col.name
            ),
        );
        return None;
    }
    let text = cx.text(node, &format!("a value for {}.{}", table, col.name))?;
    let w = text.to_lowercase();
    if let Some(rank) = order.iter().position(|x| *x == w) {
        return Some(rank);
    }
    let hint = cx.hint(&w, order.iter().copied());
    cx.err(
        node.pos,
        format!(
            "{} is not a value of {}.{}{hint}; in order they are {}",
            quote(text),
            table,
            col.name,
            order.join(" < ")
        ),
    );
    None
}

fn in_period(cx: &mut Ctx, node: &Node, table: Table, col: Column) -> Option<()> {
    if col.ty.is_date() {
        Some(())
    } else {
        cx.err(
            node.pos,
            format!(
                "in_period needs a date column; {}.{} holds {}",
                table,
                col.name,
                col.ty.expected()
            ),
        );
        None
    }
}

/// A value to compare a column with, checked against the column's type.
fn literal(cx: &mut Ctx, node: &Node, table: Table, col: Column) -> Option<Value> {
    let text = cx.text(node, &format!("a value for {}.{}", table, col.name))?;
    let fail = |cx: &mut Ctx| {
        cx.err(
            node.pos,
            format!(
                "{text:?} is not a possible value of {}.{}; expected {}",
                table,
                col.name,
                col.ty.expected()
            ),
        );
        None
    };
    match col.ty {
        ColType::Enum(words) => match crate::data::value::lowercase_in(text, words) {
            Some(x) => Some(Value::Text(crate::data::value::Text::const_new(x))),
            None => fail(cx),
        },
        ColType::Bool => match text.to_lowercase().as_str() {
            "yes" | "true" | "да" | "1" => Some(Value::Bool(true)),
            "no" | "false" | "нет" | "0" => Some(Value::Bool(false)),
            _ => fail(cx),
        },
        ColType::Decimal | ColType::Integer => match parse_scheme_number(text) {
            Some(d) => Some(Value::Number(d)),
            None => fail(cx),
        },
        ColType::Date | ColType::DateTime => match crate::data::value::parse_datetime_text(text) {
            Some(dt) if dt.time() != chrono::NaiveTime::MIN => {
                no_time_of_day(cx, node.pos, text);
                None
            }
            Some(dt) => Some(Value::Date(dt.date())),
            None => fail(cx),
        },
        ColType::Id | ColType::Text | ColType::Period => {
            Some(Value::Text(crate::data::value::Text::new(text)))
        }
    }
}

/// Filters compare calendar days; a time of day in a date would silently be dropped (`after:
/// 2026-10-05 14:30` would keep nothing of the 5th), so it is refused.
fn no_time_of_day(cx: &mut Ctx, pos: Pos, text: &str) {
    cx.err(
        pos,
        format!(
            "{} has a time of day; filters compare dates only (write the date, e.g. 2026-10-05)",
            quote(text)
        ),
    );
}

/// `period_start`, `period_end`, another date column of the row (`created_on`), either with
/// `± N days|months`, or a date such as `2026-01-01`.
fn parse_date_ref(cx: &mut Ctx, node: &Node, table: Table, column: usize) -> Option<DateRef> {
    let text = cx.text(node, "a date")?;
    let other_date = table
        .columns()
        .iter()
        .enumerate()
        .find(|(c, col)| *c != column && col.ty.is_date())
        .map_or("created_on", |(_, col)| col.name);
    let bad = |cx: &mut Ctx| {
        cx.err(
            node.pos,
            format!("{} is not a date; expected period_start, period_end, `period_end - 90 days`, `period_start + 1 month`, another date column of the row (`{other_date} + 60 days`) or a date such as 2026-01-01", quote(text)),
        );
        None
    };
    let starts_with_name = text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
    let (head, rest) = match text.find(['+', '-']).filter(|_| starts_with_name) {
        Some(i) => (text[..i].trim(), Some(&text[i..])),
        None => (text.trim(), None),
    };
    let base = match head {
        "period_start" => DateBase::PeriodStart,
        "period_end" => DateBase::PeriodEnd,
        name if starts_with_name => {
            let name = match name.split_once('.') {
                Some((t, c)) if Table::from_name(t.trim()) == Some(table) => c.trim(),
                Some((t, _)) => {
                    cx.err(
                        node.pos,
                        format!(
                            "a condition compares columns of the same row: {} is not a column of the {table} table",
                            quote(&format!("{t}.{}", name.split_once('.').map_or("", |p| p.1)))
                        ),
                    );
                    return None;
                }
                None => name,
            };
            let Some(c) = table.column_index(name) else {
                return bad(cx);
            };
            let col = table.columns()[c];
            if !col.ty.is_date() {
                cx.err(
                    node.pos,
                    format!(
                        "{} is compared with {table}.{}, which holds {}; a date compares with a date column (e.g. `{other_date} + 60 days`)",
                        quote(text),
                        col.name,
                        col.ty.expected()
                    ),
                );
                return None;
            }
            DateBase::Column(c)
        }
        other => match crate::data::value::parse_datetime_text(other) {
            Some(dt) if dt.time() != chrono::NaiveTime::MIN => {
                no_time_of_day(cx, node.pos, text);
                return None;
            }
            Some(dt) => DateBase::Fixed(dt.date()),
            None => return bad(cx),
        },
    };
    let (mut months, mut days) = (0i32, 0i64);
    if let Some(rest) = rest {
        let sign = if rest.starts_with('-') { "-" } else { "+" };
        let mut words = rest[1..].split_whitespace();
        let (Some(n), Some(unit), None) = (words.next(), words.next(), words.next()) else {
            return bad(cx);
        };
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
            return bad(cx);
        }
        let is_days = match unit {
            "day" | "days" => true,
            "month" | "months" => false,
            _ => return bad(cx),
        };
        // Digits only, so the only way to fail is size: compare as text-length-bounded u64.
        let limit = if is_days {
            MAX_OFFSET_DAYS as u64
        } else {
            MAX_OFFSET_MONTHS as u64
        };
        let value = n.parse::<u64>().ok().filter(|v| *v <= limit);
        let Some(value) = value else {
            cx.err(
                node.pos,
                format!(
                    "an offset of {} {unit} is out of range; at most ±{limit} {} (100 years: no pay rule looks further)",
                    short(n),
                    if is_days { "days" } else { "months" }
                ),
            );
            return None;
        };
        let signed = if sign == "-" {
            -(value as i64)
        } else {
            value as i64
        };
        if is_days {
            days = signed;
        } else {
            months = signed as i32; // |signed| <= MAX_OFFSET_MONTHS
        }
    }
    Some(DateRef { base, months, days })
}

/// Columns whose values found_in can match (it compares their text).
fn keyable(ty: ColType) -> bool {
    matches!(ty, ColType::Id | ColType::Text | ColType::Enum(_))
}

pub(crate) const LOOKUP_KEYS: &[&str] = &["table", "column", "where", "any_employee"];

fn parse_found_in(cx: &mut Ctx, node: &Node, table: Table, column: usize) -> Option<Filter> {
    let items: Vec<&Node> = match &node.kind {
        Kind::Seq(items) => items.iter().collect(),
        _ => vec![node],
    };
    let own = table.columns()[column];
    if !keyable(own.ty) {
        cx.err(
            node.pos,
            format!(
                "found_in matches identifiers and text; {}.{} holds {}",
                table,
                own.name,
                own.ty.expected()
            ),
        );
        return None;
    }
    let mut lookups = Vec::new();
    for item in items {
        let entries = cx.map(item, "a found_in source")?;
        cx.check_keys(entries, LOOKUP_KEYS, "a found_in source");
        let Some(tnode) = get(entries, "table") else {
            cx.err(
                item.pos,
                "a found_in source needs `table:` (e.g. `table: calls`)",
            );
            return None;
        };
        let tname = cx.text(tnode, "table")?;
        let other = lookup_table(cx, tnode.pos, tname)?;
        if let Some(why) = not_per_employee(other) {
            cx.err(tnode.pos, format!("found_in over the {other} table {why}"));
            return None;
        }
        if other == table {
            // Rows are read once, in file order: a lookup into the table being aggregated
            // would only see the rows above the current one.
            cx.err(
                tnode.pos,
                format!("found_in over the metric's own table ({table}) is not supported yet: each table is read once, so only the rows above would be seen"),
            );
            return None;
        }
        let cname = match get(entries, "column") {
            Some(c) => cx.text(c, "column")?,
            None => own.name,
        };
        let cpos = get(entries, "column").map_or(tnode.pos, |c| c.pos);
        let other_col = lookup_column(cx, cpos, other, cname)?;
        let oc = other.columns()[other_col];
        if !keyable(oc.ty) {
            cx.err(
                cpos,
                format!(
                    "found_in matches identifiers and text; {}.{} holds {}",
                    other,
                    oc.name,
                    oc.ty.expected()
                ),
            );
            return None;
        }
        let filter = match get(entries, "where") {
            Some(w) => parse_filter(cx, w, other)?,
            None => Filter::All(Vec::new()),
        };
        let any_employee = match get(entries, "any_employee") {
            Some(n) => cx.boolean(n, "any_employee")?,
            None => false,
        };
        lookups.push(Lookup {
            table: other,
            column: other_col,
            filter,
            any_employee,
        });
    }
    Some(Filter::FoundIn { column, lookups })
}

pub(crate) const KPI_KEYS: &[&str] = &[
    "id",
    "name",
    "weight",
    "metric",
    "target",
    "prorate",
    "better",
    "curve",
    "observe",
    "observe_until",
];

fn parse_kpi(
    cx: &mut Ctx,
    node: &Node,
    metrics: &[Metric],
    names: &Names,
    kpi_ids: &[String],
    default_curve: Option<&Curve>,
    default_curve_broken: bool,
) -> Option<Kpi> {
    let entries = cx.map(node, "a KPI")?;
    cx.check_keys(entries, KPI_KEYS, "a KPI");
    let before = cx.problems.len();
    let id = match get(entries, "id") {
        Some(n) => cx.text(n, "id").map(str::to_string).unwrap_or_default(),
        None => {
            cx.err(node.pos, "a KPI needs an `id:`");
            String::new()
        }
    };
    // `name: Revenue`, or per language: `name: { en: Revenue, ru: Выручка }`.
    let mut display_names: Vec<(String, String)> = Vec::new();
    let name = match get(entries, "name") {
        Some(
            n @ Node {
                kind: Kind::Map(langs),
                ..
            },
        ) => {
            for (lang, text) in langs {
                let code = lang.as_str().unwrap_or("").trim().to_lowercase();
                if !matches!(code.as_str(), "en" | "ru") {
                    cx.err(
                        lang.pos,
                        format!("{code:?} is not a language of the labels; expected en or ru"),
                    );
                }
                if let Some(t) = cx.text(text, "name") {
                    display_names.push((code, t.to_string()));
                }
            }
            if display_names.is_empty() {
                cx.err(
                    n.pos,
                    "name needs at least one language, e.g. `{ en: Revenue, ru: Выручка }`",
                );
            }
            display_names
                .iter()
                .find(|(l, _)| l == "en")
                .or(display_names.first())
                .map(|(_, t)| t.clone())
                .unwrap_or_else(|| id.clone())
        }
        Some(n) => cx
            .text(n, "name")
            .map(str::to_string)
            .unwrap_or_else(|| id.clone()),
        None => id.clone(),
    };
    let observe = parse_observe(cx, entries);
    let observe_place = get(entries, "observe_until")
        .or(get(entries, "observe"))
        .map_or_else(String::new, |n| cx.place(n.pos));
    let weight = match get(entries, "weight") {
        Some(n) => {
            let w = cx.number(n, "weight");
            if let Some(w) = w
                && (w < Decimal::ZERO || w > Decimal::ONE)
            {
                cx.err(
                    n.pos,
                    format!(
                        "weight {} is not between 0% and 100%",
                        n.as_str().unwrap_or("")
                    ),
                );
            } else if w == Some(Decimal::ZERO) && observe.is_none() {
                cx.err(
                    n.pos,
                    format!(
                        "weight {} pays nothing; to compute and show a KPI without paying it, add `observe: yes` and give it the weight it would have if paid",
                        n.as_str().unwrap_or("")
                    ),
                );
            }
            w.unwrap_or_default()
        }
        None => {
            cx.err(
                node.pos,
                format!("KPI {id:?} needs a `weight:` (e.g. `weight: 40%`)"),
            );
            Decimal::ZERO
        }
    };
    let metric = match get(entries, "metric") {
        Some(n) => {
            let m = cx.text(n, "metric").unwrap_or("");
            let found = names.find(m);
            if found.is_none() {
                let catalogue = super::catalogue::names();
                let hint = cx.hint(m, names.iter().chain(catalogue.iter().map(String::as_str)));
                cx.err(
                    n.pos,
                    format!(
                        "unknown metric {}{hint}; the scheme defines {}",
                        quote(m),
                        names.listed()
                    ),
                );
            }
            found
        }
        None => {
            cx.err(
                node.pos,
                format!("KPI {id:?} needs a `metric:` naming one of the scheme's metrics"),
            );
            None
        }
    };
    let target_node = get(entries, "target");
    let target = match target_node {
        Some(n) => parse_target(cx, n, kpi_ids, &id),
        None => {
            cx.err(node.pos, format!("KPI {id:?} needs a `target:`"));
            None
        }
    };
    // Where the target is written: the plan's metric name for a plan target.
    let target_at = target_node.map_or(node.pos, |n| match &n.kind {
        Kind::Map(e) => get(e, "plan").or(get(e, "value")).map_or(n.pos, |v| v.pos),
        _ => n.pos,
    });
    let target_place = cx.place(target_at);
    if let (Some(Target::Fixed(v)), Some(m), Some(tn)) = (&target, metric, target_node) {
        let value_node = match &tn.kind {
            Kind::Map(e) => get(e, "value"),
            _ => Some(tn),
        };
        let bare = value_node
            .and_then(|n| n.as_str())
            .is_some_and(|t| !t.trim().ends_with('%'));
        if bare && *v > Decimal::ONE && is_ratio(metrics, m) {
            cx.warn(
                target_at,
                format!(
                    "target {} of {:?}, a ratio of two counts, is read as {}; a bare number is a fraction (1 = 100%) (did you mean {}%?)",
                    v.normalize(),
                    metrics[m].name,
                    pct(*v),
                    v.normalize()
                ),
            );
        }
    }
    let is_count = metric.is_some_and(
        |m| matches!(&metrics[m].def, MetricDef::Aggregate(a) if a.op == AggOp::Count),
    );
    let prorate = match get(entries, "prorate") {
        Some(n) => {
            let p = cx.boolean(n, "prorate");
            if p == Some(true) && !matches!(target, Some(Target::Fixed(_))) {
                cx.err(n.pos, "prorate applies to fixed targets only; plan targets are set per person and period");
            }
            p.unwrap_or(false)
        }
        None => is_count && matches!(target, Some(Target::Fixed(_))),
    };
    let better = match get(entries, "better") {
        Some(n) => match cx.text(n, "better") {
            Some("higher") => Better::Higher,
            Some("lower") => Better::Lower,
            Some(other) => {
                cx.err(
                    n.pos,
                    format!("better {other:?} must be `higher` or `lower`"),
                );
                Better::Higher
            }
            None => Better::Higher,
        },
        None => Better::Higher,
    };
    let curve = match get(entries, "curve") {
        Some(n) => parse_curve(cx, n),
        None => match default_curve {
            Some(c) => Some(c.clone()),
            None if default_curve_broken => None,
            None => {
                cx.err(
                    node.pos,
                    format!("KPI {id:?} has no curve: add `curve:` to the KPI or to the scheme"),
                );
                None
            }
        },
    };
    if better == Better::Lower
        && let Some(c) = &curve
        && !c.is_bounded()
    {
        cx.err(node.pos, "a `better: lower` KPI needs a curve with a cap: a zero actual earns the curve's maximum");
    }
    if cx.problems.len() > before {
        return None;
    }
    Some(Kpi {
        id,
        name,
        names: display_names,
        weight,
        metric: metric?,
        target: target?,
        target_place,
        prorate,
        better,
        curve: curve?,
        observe,
        observe_place,
    })
}

/// `observe: yes` or `observe_until: 2027-01` (one of the two).
fn parse_observe(cx: &mut Ctx, entries: &[(Node, Node)]) -> Option<Observation> {
    let flag = get(entries, "observe");
    let until = get(entries, "observe_until");
    if let (Some(_), Some(u)) = (flag, until) {
        cx.err(
            u.pos,
            "write either `observe: yes` or `observe_until: YYYY-MM`, not both",
        );
        return None;
    }
    if let Some(n) = flag {
        return match cx.boolean(n, "observe") {
            Some(true) => Some(Observation { until: None }),
            _ => None,
        };
    }
    let n = until?;
    let text = cx.text(n, "observe_until")?.trim().to_string();
    match crate::period::Period::parse_explained(&text) {
        Ok(p) => Some(Observation { until: Some(p) }),
        Err(message) => {
            cx.err(n.pos, format!("observe_until: {message}"));
            None
        }
    }
}

/// A formula `a / b` of two counts, or a `share:`: a share such as a conversion or a coverage,
/// usually 0-100%.
fn is_ratio(metrics: &[Metric], m: usize) -> bool {
    let count = |e: &Expr| match e {
        Expr::Metric(i) => matches!(
            &metrics[*i].def,
            MetricDef::Aggregate(a) if matches!(a.op, AggOp::Count | AggOp::CountDistinct)
        ),
        _ => false,
    };
    matches!(&metrics[m].def, MetricDef::Formula(Expr::Div(a, b)) if count(a) && count(b))
        || matches!(&metrics[m].def, MetricDef::Aggregate(a) if a.op == AggOp::Share)
}

pub(crate) const TARGET_KEYS: &[&str] = &["value", "plan", "kpi", "times"];

fn parse_target(cx: &mut Ctx, node: &Node, kpi_ids: &[String], own: &str) -> Option<Target> {
    let positive = |cx: &mut Ctx, n: &Node, what: &str| {
        let d = cx.number(n, what)?;
        if d <= Decimal::ZERO {
            cx.err(n.pos, format!("{what} must be above zero, found {d}"));
            return None;
        }
        Some(d)
    };
    match &node.kind {
        Kind::Scalar { .. } => positive(cx, node, "target").map(Target::Fixed),
        Kind::Map(entries) => {
            cx.check_keys(entries, TARGET_KEYS, "a target");
            if let Some(v) = get(entries, "value") {
                return positive(cx, v, "target").map(Target::Fixed);
            }
            if let Some(p) = get(entries, "plan") {
                return cx.text(p, "plan").map(|s| Target::Plan(s.to_string()));
            }
            if let Some(k) = get(entries, "kpi") {
                let kid = cx.text(k, "kpi")?;
                let Some(kpi) = kpi_ids.iter().position(|x| x == kid) else {
                    cx.err(
                        k.pos,
                        format!(
                            "unknown KPI {kid:?}; the scheme's KPIs are {}",
                            kpi_ids.join(", ")
                        ),
                    );
                    return None;
                };
                if kid == own {
                    cx.err(k.pos, "a KPI's target cannot be a multiple of itself");
                    return None;
                }
                let times = match get(entries, "times") {
                    Some(t) => positive(cx, t, "times")?,
                    None => Decimal::ONE,
                };
                return Some(Target::OfKpi { kpi, times });
            }
            cx.err(
                node.pos,
                "a target is a number, `{ plan: metric }` or `{ kpi: id, times: 3 }`",
            );
            None
        }
        Kind::Seq(_) => {
            cx.err(
                node.pos,
                "a target is a number, `{ plan: metric }` or `{ kpi: id, times: 3 }`, not a list",
            );
            None
        }
    }
}

pub(crate) const CURVE_KEYS: &[&str] = &["threshold", "start", "segments", "cap"];
pub(crate) const SEGMENT_KEYS: &[&str] = &["to", "slope", "start"];

fn parse_curve(cx: &mut Ctx, node: &Node) -> Option<Curve> {
    if node.as_str() == Some("standard") {
        return Some(Curve::standard());
    }
    let entries = cx.map(node, "a curve")?;
    cx.check_keys(entries, CURVE_KEYS, "a curve");
    let unlikely = Some(UNLIKELY_LINE);
    // Threshold, start and cap are each checked before any of them stops the curve, so that
    // every mistake in them is listed at once.
    let threshold = match get(entries, "threshold") {
        Some(n) => cx.line(n, "threshold", unlikely),
        None => Some(Decimal::ZERO),
    };
    let start = match get(entries, "start") {
        Some(n) => cx.line(n, "start", unlikely),
        None => threshold,
    };
    let cap_node = get(entries, "cap");
    let cap_value = cap_node.map(|n| cx.line(n, "cap", unlikely));
    let (Some(threshold), Some(start)) = (threshold, start) else {
        return None;
    };
    // When the threshold (or start) is a bare number read as a huge percentage, the errors it
    // causes further on say so: the warning alone is not shown when the scheme fails.
    let unit_hint = |key: &str, d: Decimal| -> String {
        match get(entries, key).and_then(|n| n.as_str()).map(str::trim) {
            Some(t) if !t.ends_with('%') && d > UNLIKELY_LINE => format!(
                " ({key} {t} is read as {}; did you mean {}%?)",
                pct(d),
                d.normalize()
            ),
            _ => String::new(),
        }
    };
    let threshold_hint = unit_hint("threshold", threshold);
    let start_hint = if get(entries, "start").is_some() {
        unit_hint("start", start)
    } else {
        threshold_hint.clone()
    };
    let cap = match (cap_node, cap_value) {
        (Some(n), Some(c)) => {
            let c = c?;
            let text = n.as_str().unwrap_or("").trim();
            if c.is_zero() {
                cx.err(n.pos, "a cap of 0 pays nothing at any attainment");
                return None;
            }
            if c < start {
                cx.err(
                    n.pos,
                    format!(
                        "cap {text} is below the curve's start {} (the factor at the threshold): the cap would cut the curve flat from its first point{start_hint}",
                        pct(start)
                    ),
                );
                return None;
            }
            if c < threshold {
                cx.err(
                    n.pos,
                    format!(
                        "cap {text} is below the threshold {}; the cap is the most the KPI pays, the threshold the attainment where it starts paying{threshold_hint}",
                        pct(threshold)
                    ),
                );
                return None;
            }
            Some(c)
        }
        _ => None,
    };
    let Some(seg_node) = get(entries, "segments") else {
        cx.err(
            node.pos,
            "a curve needs `segments:`, e.g. `- { to: 100%, slope: 1 }`",
        );
        return None;
    };
    let Kind::Seq(items) = &seg_node.kind else {
        cx.err(
            seg_node.pos,
            "segments must be a list of `{ to: …, slope: … }`",
        );
        return None;
    };
    if items.is_empty() {
        cx.err(seg_node.pos, "a curve needs at least one segment");
        return None;
    }
    let mut segments: Vec<Segment> = Vec::new();
    let (mut from, mut factor) = (threshold, start);
    for (i, item) in items.iter().enumerate() {
        let e = cx.map(item, "a segment")?;
        cx.check_keys(e, SEGMENT_KEYS, "a segment");
        let slope = match get(e, "slope") {
            Some(n) => cx.number(n, "slope")?,
            None => {
                cx.err(
                    item.pos,
                    "a segment needs a `slope:` (1 pays 1:1, 1.5 accelerates, 0.5 decelerates)",
                );
                return None;
            }
        };
        if slope < Decimal::ZERO {
            cx.err(item.pos, "a segment's slope cannot be negative");
            return None;
        }
        if slope > MAX_SLOPE {
            let at = get(e, "slope").map_or(item.pos, |n| n.pos);
            cx.err(
                at,
                format!(
                    "a slope of {} is steeper than any pay plan means; at most {}",
                    slope.normalize(),
                    MAX_SLOPE
                ),
            );
            return None;
        }
        if let Some(s) = get(e, "start") {
            factor = cx.line(s, "start", unlikely)?;
        }
        let to = match get(e, "to") {
            Some(n) => {
                let t = cx.line(n, "to", None)?;
                if t <= from {
                    cx.err(
                        n.pos,
                        format!(
                            "segment ends at {} but starts at {}{}",
                            pct(t),
                            pct(from),
                            if i == 0 { threshold_hint.as_str() } else { "" }
                        ),
                    );
                    return None;
                }
                Some(t)
            }
            None if i + 1 == items.len() => None,
            None => {
                cx.err(item.pos, "only the last segment may leave out `to:`");
                return None;
            }
        };
        segments.push(Segment {
            from,
            to,
            start: factor,
            slope,
        });
        if let Some(t) = to {
            // Bounded (slope <= 1000, t - from <= 1000 per segment, segments ordered within
            // 0..=1000), so this cannot overflow; checked all the same.
            let Some(next) = (t - from)
                .checked_mul(slope)
                .and_then(|r| factor.checked_add(r))
            else {
                cx.err(item.pos, "this segment's factor is too large to compute");
                return None;
            };
            factor = next;
            from = t;
        }
    }
    Some(Curve {
        threshold,
        segments,
        cap,
    })
}

/// Rejects formulas that depend on themselves, in time linear in the size of the scheme
/// (Tarjan's strongly connected components, without recursion: a generated scheme may chain
/// tens of thousands of metrics). Every metric on a cycle is reported, in file order.
/// Whether there is no cycle.
fn check_formula_cycles(cx: &mut Ctx, metrics: &[Metric], nodes: &[(&Node, &Node)]) -> bool {
    let n = metrics.len();
    let deps = formula_deps(metrics);
    const UNSEEN: usize = usize::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut on_cycle = vec![false; n];
    let mut next = 0usize;
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        // (node, position in its dependency list)
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut i)) = work.last_mut() {
            if let Some(&w) = deps[v].get(*i) {
                *i += 1;
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                loop {
                    let w = stack.pop().expect("v is on the stack");
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 || deps[v].contains(&v) {
                    for w in component {
                        on_cycle[w] = true;
                    }
                }
            }
        }
    }
    for (i, cyclic) in on_cycle.iter().enumerate() {
        if *cyclic {
            cx.err(
                nodes[i].1.pos,
                format!(
                    "metric {:?} depends on itself through its formula",
                    metrics[i].name
                ),
            );
        }
    }
    !on_cycle.contains(&true)
}

/// Refuses formulas built on formulas more than [`MAX_FORMULA_DEPTH`] levels deep, or that
/// written out in full would exceed [`MAX_EXPANDED_FORMULA`] parts. Only the first metric to
/// cross a limit is reported (those built on it cross it too).
fn check_formula_sizes(cx: &mut Ctx, metrics: &[Metric], nodes: &[(&Node, &Node)]) {
    let deps = formula_deps(metrics);
    let mut depth = vec![0usize; metrics.len()];
    let mut size = vec![0u64; metrics.len()];
    for m in dependency_order(&deps) {
        let MetricDef::Formula(e) = &metrics[m].def else {
            depth[m] = 0;
            size[m] = 1;
            continue;
        };
        let mut refs = Vec::new();
        e.metrics(&mut refs);
        let over = |d: usize| depth[d] > MAX_FORMULA_DEPTH || size[d] > MAX_EXPANDED_FORMULA;
        let inherited = refs.iter().any(|&d| over(d));
        depth[m] = 1 + refs.iter().map(|&d| depth[d]).max().unwrap_or(0);
        size[m] = refs.iter().fold(e.size(), |t, &d| {
            t.saturating_add(size[d]).min(u64::MAX / 2)
        });
        if inherited {
            continue;
        }
        if depth[m] > MAX_FORMULA_DEPTH {
            cx.err(
                nodes[m].1.pos,
                format!(
                    "metric {:?} builds on formulas more than {MAX_FORMULA_DEPTH} levels deep; compute it in fewer steps",
                    metrics[m].name
                ),
            );
        } else if size[m] > MAX_EXPANDED_FORMULA {
            cx.err(
                nodes[m].1.pos,
                format!(
                    "metric {:?}, with the formulas it reads written out, has more than {MAX_EXPANDED_FORMULA} parts; compute it in fewer steps",
                    metrics[m].name
                ),
            );
        }
    }
}

/// Tables are read once each, a table whose rows a `found_in` looks up before the tables that
/// use it; a scheme whose lookups go round in a circle (clients looked up in calls, calls in
/// clients) could only be computed with some keys unseen, so it is refused.
fn check_table_cycles(cx: &mut Ctx, metrics: &[Metric], nodes: &[(&Node, &Node)]) {
    fn edges(f: &Filter, from: Table, out: &mut Vec<(Table, Table)>) {
        match f {
            Filter::All(fs) | Filter::Any(fs) => fs.iter().for_each(|f| edges(f, from, out)),
            Filter::Not(f) => edges(f, from, out),
            Filter::Test { .. } => {}
            Filter::FoundIn { lookups, .. } => {
                for l in lookups {
                    out.push((from, l.table));
                    edges(&l.filter, l.table, out);
                }
            }
        }
    }
    let mut all: Vec<(Table, Table, usize)> = Vec::new();
    for (i, m) in metrics.iter().enumerate() {
        if let MetricDef::Aggregate(a) = &m.def {
            let mut e = Vec::new();
            for f in a.filters() {
                edges(f, a.table, &mut e);
            }
            all.extend(e.into_iter().map(|(x, y)| (x, y, i)));
        }
    }
    if all.is_empty() {
        return;
    }
    // A handful of tables: a reachability closure is cheap.
    const N: usize = Table::ALL.len();
    let t = |x: Table| Table::ALL.iter().position(|y| *y == x).unwrap_or(0);
    let mut reach = [[false; N]; N];
    for (x, y, _) in &all {
        reach[t(*x)][t(*y)] = true;
    }
    for k in 0..N {
        for i in 0..N {
            for j in 0..N {
                if reach[i][k] && reach[k][j] {
                    reach[i][j] = true;
                }
            }
        }
    }
    let mut reported = vec![false; metrics.len()];
    for (x, y, i) in all {
        if reach[t(y)][t(x)] && !reported[i] {
            reported[i] = true;
            cx.err(
                nodes[i].1.pos,
                format!(
                    "metric {:?}: its found_in looks up {y} rows, whose own lookups need {x} rows: the tables depend on each other in a circle, which is not supported",
                    metrics[i].name
                ),
            );
        }
    }
}

fn check_target_cycles(cx: &mut Ctx, kpis: &[Kpi], nodes: &[&Node]) {
    for (i, node) in nodes.iter().enumerate().take(kpis.len()) {
        let mut at = i;
        for _ in 0..=kpis.len() {
            match kpis[at].target {
                Target::OfKpi { kpi, .. } => at = kpi,
                _ => break,
            }
            if at == i {
                cx.err(
                    node.pos,
                    format!(
                        "the target of KPI {:?} refers back to itself through other KPIs",
                        kpis[i].id
                    ),
                );
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> std::result::Result<Scheme, Vec<String>> {
        parse_scheme(Path::new("s.yaml"), text)
            .map_err(|ps| ps.iter().map(|p| p.to_string()).collect())
    }

    const HEAD: &str = "currency: KZT\ncurve: standard\nmetrics:\n  won: { count: deals, where: { status: won } }\n  amount: { sum: deals.amount }\n";

    #[test]
    fn a_misspelt_catalogue_name_gets_a_suggestion() {
        let e = parse("currency: KZT\ncurve: standard\nkpis:\n  - { id: k, weight: 100%, metric: retension, target: 1 }\n  - { id: r, weight: 0%, metric: revenue, target: 1, observe: yes }\n").unwrap_err();
        assert_eq!(
            e,
            [
                "s.yaml:4:36: unknown metric \"retension\" (did you mean \"retention\"?); the scheme defines revenue"
            ]
        );
        let e = parse("currency: KZT\ncurve: standard\nmetrics:\n  m: revenu / deals_won\nkpis:\n  - { id: k, weight: 100%, metric: m, target: 1 }\n").unwrap_err();
        assert_eq!(
            e,
            [
                "s.yaml:4:6: the formula uses \"revenu\", which is not a metric of this scheme (did you mean \"revenue\"?)"
            ]
        );
    }

    #[test]
    fn a_problem_in_a_pulled_catalogue_definition_names_catalogue_yaml() {
        // Every shipped entry is valid (tests/catalogue.rs computes each), so the position of a
        // spliced definition is shown through the context directly.
        let mut cx = Ctx {
            file: Path::new("s.yaml"),
            problems: Vec::new(),
            warnings: Vec::new(),
        };
        cx.err(
            Pos {
                line: super::super::catalogue::LINE_BASE + 17,
                col: 5,
            },
            "x",
        );
        cx.err(Pos { line: 3, col: 2 }, "y");
        let shown: Vec<String> = cx.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            shown,
            [
                "s.yaml (the catalogue's definition at src/scheme/catalogue.yaml:17:5): x",
                "s.yaml:3:2: y"
            ]
        );
        // And the spliced definitions do carry the moved lines.
        let root = super::super::catalogue::root_for_schemes().unwrap();
        let defs = super::super::catalogue::definitions(&root);
        assert!(
            defs.iter()
                .all(|(k, _)| k.pos.line > super::super::catalogue::LINE_BASE)
        );
    }

    #[test]
    fn more_than_five_kpis_is_a_warning_not_an_error() {
        let kpis: String = (1..=6)
            .map(|i| {
                let w = if i == 6 { "50%" } else { "10%" };
                format!("  - {{ id: k{i}, weight: {w}, metric: won, target: 1 }}\n")
            })
            .collect();
        let s = parse(&format!("{HEAD}kpis:\n{kpis}")).unwrap();
        let w: Vec<String> = s.warnings.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            w,
            [
                "s.yaml:7:3: 6 paid KPIs: past 3-5 KPIs people stop focusing on any of them; keep the rest in observation (`observe: yes`)"
            ]
        );
    }

    #[test]
    fn observed_kpis_are_outside_the_hundred_percent() {
        let s = parse(&format!(
            "{HEAD}kpis:\n  - {{ id: a, weight: 100%, metric: won, target: 8 }}\n  - {{ id: b, weight: 20%, metric: amount, target: 100, observe: yes }}\n  - {{ id: c, weight: 0%, metric: won, target: 1, observe_until: 2027-01 }}\n"
        ))
        .unwrap();
        let observe: Vec<_> = s.kpis.iter().map(|k| k.observe).collect();
        assert_eq!(
            observe,
            [
                None,
                Some(Observation { until: None }),
                Some(Observation {
                    until: crate::period::Period::parse("2027-01")
                })
            ]
        );
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        // Paid weights must still make 100% on their own.
        let e = parse(&format!(
            "{HEAD}kpis:\n  - {{ id: a, weight: 80%, metric: won, target: 8 }}\n  - {{ id: b, weight: 20%, metric: amount, target: 100, observe: yes }}\n"
        ))
        .unwrap_err();
        assert_eq!(
            e,
            [
                "s.yaml:7:3: the paid KPI weights sum to 80%; they must sum to exactly 100% (KPIs in observation are not counted)"
            ]
        );
    }

    #[test]
    fn observation_keys_are_checked() {
        let e = parse(&format!(
            "{HEAD}kpis:\n  - {{ id: a, weight: 100%, metric: won, target: 8 }}\n  - {{ id: b, weight: 0%, metric: won, target: 1 }}\n  - {{ id: c, weight: 5%, metric: won, target: 1, observe: yes, observe_until: 2027-01 }}\n  - {{ id: d, weight: 5%, metric: won, target: 1, observe_until: January }}\n"
        ))
        .unwrap_err();
        assert_eq!(
            e,
            [
                "s.yaml:8:22: weight 0% pays nothing; to compute and show a KPI without paying it, add `observe: yes` and give it the weight it would have if paid",
                "s.yaml:9:79: write either `observe: yes` or `observe_until: YYYY-MM`, not both",
                "s.yaml:10:65: observe_until: \"January\" is not a month; expected YYYY-MM, e.g. 2026-10",
            ]
        );
    }

    #[test]
    fn a_paid_kpi_under_ten_percent_is_a_warning() {
        let s = parse(&format!(
            "{HEAD}kpis:\n  - {{ id: a, weight: 95%, metric: won, target: 8 }}\n  - {{ id: b, weight: 5%, metric: amount, target: 100 }}\n"
        ))
        .unwrap();
        let w: Vec<String> = s.warnings.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            w,
            [
                "s.yaml:8:5: KPI \"b\" weighs 5%: under 10% a KPI is too small a part of the bonus to steer what people do; weigh it more, fold it into another, or keep it in observation"
            ]
        );
    }

    #[test]
    fn metric_descriptions_per_language_written_or_generated() {
        let yaml = "currency: KZT\ncurve: standard\nmetrics:\n  won:\n    count: deals\n    where: { status: won, closed_on: in_period, new_client: no }\n  open: { count: deals, description: { en: open deals, ru: открытые сделки } }\n  plain: { sum: deals.amount, description: all deals }\n  early: { count: clients, where: { since: { before: period_start } } }\n  ratio: won / open\nkpis:\n  - { id: a, weight: 100%, metric: won, target: 8 }\n";
        let mut s = parse(yaml).unwrap();
        let d = |s: &Scheme| -> Vec<String> {
            s.metrics.iter().map(|m| m.description.clone()).collect()
        };
        assert_eq!(
            d(&s),
            [
                "count of deals where status won, closed_on in_period, new_client no",
                "open deals",
                "all deals",
                "count of clients where since before period_start",
                "won / open",
            ]
        );
        s.localize("ru");
        assert_eq!(
            d(&s),
            [
                "количество deals, где status won, closed_on в периоде, new_client нет",
                "открытые сделки",
                "all deals",
                "количество clients, где since до начала периода",
                "won / open",
            ]
        );
        let empty = parse(&yaml.replace("description: all deals", "description:")).unwrap();
        assert_eq!(empty.metrics[2].description, "sum of deals.amount");
        let list =
            parse(&yaml.replace("description: all deals", "description: [a, b]")).unwrap_err();
        assert_eq!(
            list,
            ["s.yaml:8:44: description must be a single value, found a list"]
        );
        let bad = parse(&yaml.replace("ru: открытые сделки", "de: offene")).unwrap_err();
        assert_eq!(
            bad,
            ["s.yaml:7:56: \"de\" is not a language of the labels; expected en or ru"]
        );
        let empty =
            parse(&yaml.replace("{ en: open deals, ru: открытые сделки }", "{}")).unwrap_err();
        assert_eq!(
            empty,
            [
                "s.yaml:7:38: description needs at least one language, e.g. `{ en: won deals, ru: выигранные сделки }`"
            ]
        );
    }

    #[test]
    fn prorate_defaults_to_count_metrics_with_fixed_targets() {
        let s = parse(&format!(
            "{HEAD}kpis:\n  - {{ id: a, weight: 50%, metric: won, target: 8 }}\n  - {{ id: b, weight: 50%, metric: amount, target: 275 000 }}\n"
        ))
        .unwrap();
        assert!(s.kpis[0].prorate);
        assert!(!s.kpis[1].prorate);
        assert_eq!(s.kpis[1].target, Target::Fixed(Decimal::from(275_000)));
    }

    #[test]
    fn values_are_checked_against_the_column_type_where_written() {
        let e = parse("currency: KZT\ncurve: standard\nmetrics:\n  m:\n    count: deals\n    where: { status: wonn, amount: { after: period_end } }\nkpis:\n  - { id: k, weight: 100%, metric: m, target: 1 }\n")
            .unwrap_err();
        assert_eq!(
            e,
            [
                "s.yaml:6:22: \"wonn\" is not a possible value of deals.status; expected one of open, won, lost, refunded",
                "s.yaml:6:38: after cannot compare deals.amount, which holds a number such as 12345.67; use at_least, at_most, more_than, less_than",
            ]
        );
    }

    #[test]
    fn target_cycles_and_curve_mistakes() {
        let e = parse(&format!(
            "{HEAD}kpis:\n  - {{ id: a, weight: 50%, metric: won, target: {{ kpi: b }} }}\n  - {{ id: b, weight: 50%, metric: won, target: {{ kpi: a, times: 2 }} }}\n"
        ))
        .unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e[0].ends_with("the target of KPI \"a\" refers back to itself through other KPIs"),
            "{e:?}"
        );

        let e = parse("currency: KZT\ncurve:\n  threshold: 80%\n  segments:\n    - { to: 70%, slope: 1 }\nmetrics:\n  m: { count: deals }\nkpis:\n  - { id: k, weight: 100%, metric: m, target: 1 }\n").unwrap_err();
        assert_eq!(e, ["s.yaml:5:13: segment ends at 70% but starts at 80%"]);

        let e = parse("currency: KZT\ncurve:\n  segments:\n    - { slope: 1 }\nmetrics:\n  m: { count: deals }\nkpis:\n  - { id: k, weight: 100%, metric: m, target: 1, better: lower }\n").unwrap_err();
        assert_eq!(
            e,
            [
                "s.yaml:8:5: a `better: lower` KPI needs a curve with a cap: a zero actual earns the curve's maximum"
            ]
        );
    }

    #[test]
    fn a_bare_threshold_read_as_a_huge_percentage_is_named_in_the_error_it_causes() {
        let e = parse("currency: KZT\ncurve:\n  threshold: 80\n  segments:\n    - { to: 100%, slope: 1 }\nmetrics:\n  m: { count: deals }\nkpis:\n  - { id: k, weight: 100%, metric: m, target: 1 }\n").unwrap_err();
        assert_eq!(
            e,
            [
                "s.yaml:5:13: segment ends at 100% but starts at 8000% (threshold 80 is read as 8000%; did you mean 80%?)"
            ]
        );
    }

    #[test]
    fn formula_cycles_are_rejected() {
        let e = parse("currency: KZT\ncurve: standard\nmetrics:\n  a: b + 1\n  b: a * 2\nkpis:\n  - { id: k, weight: 100%, metric: a, target: 1 }\n").unwrap_err();
        assert_eq!(
            e,
            [
                "s.yaml:4:6: metric \"a\" depends on itself through its formula",
                "s.yaml:5:6: metric \"b\" depends on itself through its formula",
            ]
        );
    }
}
