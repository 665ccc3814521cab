//! The JSON Schema of scheme files, for editors: with the header line
//! `# yaml-language-server: $schema=./scheme.schema.json` an editor completes keys, shows what
//! each one means and flags a misspelt key while HR types. `incentive schema` prints it;
//! `schemes/scheme.schema.json` is this text, kept equal by `tests/json_schema.rs`.
//!
//! The schema is generated from the parser's own key lists (`parse::TOP_KEYS`, `METRIC_KEYS`,
//! `AGG_KEYS`, `KPI_KEYS`, `OPERATORS` …) and the table layout (`data::tables`), so a key the
//! parser learns appears here too: a key this module has no form for yet is accepted with any
//! value and a generic description, never refused. Only the value forms are written by hand
//! below, each as loose as the parser's reading of that value (a number may be `0.15`, `15%` or
//! `275 000`; yes/no may be `yes`, `On`, `true`), so that the schema never refuses a scheme
//! the parser accepts, whichever YAML version (1.1 or 1.2) the editor types plain scalars with.
//!
//! What it checks: every mapping the parser checks the keys of refuses other keys
//! (`additionalProperties: false`), required keys, scalar against list against mapping, the
//! words of `ranking`, `better` and yes/no, percentages where only a percentage is accepted, and
//! the columns of the metric's own table in `where` (and of a `found_in` source's table). What
//! it leaves to the parser (which reports it at line:column): column values against their types,
//! metric, KPI and plan references, formulas, weights summing to 100%, curve ordering, limits.
//!
//! JSON Schema draft-07: what yaml-language-server supports. In draft-07 a `$ref` ignores the
//! keywords beside it, so a described reference is written `{ description, allOf: [ { $ref } ] }`.

use super::MAX_KPIS;
use super::parse::{
    AGG_KEYS, CURVE_KEYS, GUARANTEE_KEYS, KPI_KEYS, LOOKUP_KEYS, METRIC_KEYS, OPERATORS,
    PERCENTILE_KEYS, SEGMENT_KEYS, SHARE_KEYS, TARGET_KEYS, TOP_KEYS, WAIT_KEYS, not_per_employee,
};
use crate::data::tables::Table;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// The keys of a `where` mapping besides the columns: conditions combined.
const COMBINATORS: &[&str] = &["all", "any", "not"];
/// The languages a label (`name: { en: …, ru: … }`) may be written in.
const LANGS: &[&str] = &["en", "ru"];

/// A JSON value whose mappings keep the order written. (serde_json's own map is sorted or in
/// insertion order depending on a cargo feature another crate may turn on; the schema file must
/// come out byte for byte the same in every build.)
enum J {
    Bool(bool),
    Int(i64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl Serialize for J {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            J::Bool(b) => s.serialize_bool(*b),
            J::Int(i) => s.serialize_i64(*i),
            J::Str(t) => s.serialize_str(t),
            J::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            J::Obj(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

fn s(text: &str) -> J {
    J::Str(text.to_string())
}

fn strs(items: &[&str]) -> J {
    J::Arr(items.iter().map(|t| s(t)).collect())
}

fn obj(entries: Vec<(&str, J)>) -> J {
    J::Obj(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// `{ "$ref": "#/definitions/NAME" }`.
fn def(name: &str) -> J {
    obj(vec![("$ref", J::Str(format!("#/definitions/{name}")))])
}

/// The schema with a description first; a reference is wrapped in `allOf`, since draft-07
/// ignores the keywords beside a `$ref`.
fn described(text: &str, schema: J) -> J {
    match schema {
        J::Obj(mut entries) if !entries.iter().any(|(k, _)| k == "$ref") => {
            entries.insert(0, ("description".to_string(), s(text)));
            J::Obj(entries)
        }
        other => obj(vec![
            ("description", s(text)),
            ("allOf", J::Arr(vec![other])),
        ]),
    }
}

/// A regular expression (ECMA-262, also in its `u` mode, and Rust alike) matching `word` in
/// any letter case.
fn any_case(word: &str) -> String {
    word.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
            } else {
                literal(c)
            }
        })
        .collect()
}

/// `c` in a regular expression: escaped when it is one of the syntax characters (the only
/// escapes ECMA-262's `u` mode allows besides the classes).
fn literal(c: char) -> String {
    if "^$\\.*+?()[]{}|/".contains(c) {
        format!("\\{c}")
    } else {
        c.to_string()
    }
}

/// One of `words`, as the parser reads it: the value's text trimmed (a quoted `" place "` is
/// `place`), and with `ignore_case` in any letter case. Editors complete the `enum`; the
/// pattern accepts the other spellings the parser accepts.
fn words(words: &[&str], ignore_case: bool) -> J {
    let alternatives: Vec<String> = words
        .iter()
        .map(|w| {
            if ignore_case {
                any_case(w)
            } else {
                w.to_string()
            }
        })
        .collect();
    obj(vec![(
        "anyOf",
        J::Arr(vec![
            obj(vec![("enum", strs(words))]),
            obj(vec![
                ("type", s("string")),
                (
                    "pattern",
                    J::Str(format!("^\\s*({})\\s*$", alternatives.join("|"))),
                ),
            ]),
        ]),
    )])
}

/// A value read by its YAML kind: `mapping` for a mapping, `list` for a list, `scalar` for
/// anything else. Written with if/then/else rather than anyOf so that a validator, and an
/// editor, reports what is wrong in the one form the value has (`Property at_leats is not
/// allowed`) instead of that it matches none of the forms, and completes the keys of that form.
fn by_kind(mapping: Option<J>, list: Option<J>, scalar: J) -> J {
    let rest = match list {
        Some(list) => obj(vec![
            ("if", obj(vec![("type", s("array"))])),
            ("then", list),
            ("else", scalar),
        ]),
        None => scalar,
    };
    match mapping {
        Some(mapping) => obj(vec![
            ("if", obj(vec![("type", s("object"))])),
            ("then", mapping),
            ("else", rest),
        ]),
        None => rest,
    }
}

/// The definitions every part of the schema refers to by name.
fn definitions() -> Vec<(String, J)> {
    let mut defs: Vec<(String, J)> = Vec::new();
    let mut add = |name: &str, schema: J| defs.push((name.to_string(), schema));

    add(
        "text",
        obj(vec![
            (
                "description",
                s("A single value (text; a number or yes/no is read as its text)."),
            ),
            ("type", strs(&["string", "number", "boolean"])),
        ]),
    );
    add(
        "number",
        obj(vec![
            (
                "description",
                s(
                    "A number as written: 8, 0.25, 25% (= 0.25) or 275 000. A bare number is a fraction: 1 = 100%.",
                ),
            ),
            ("type", strs(&["number", "string"])),
        ]),
    );
    add(
        "date",
        obj(vec![
            (
                "description",
                s(
                    "A date: period_start, period_end, either with ± N days or months (`period_end - 90 days`), or a date such as 2026-01-01.",
                ),
            ),
            ("type", strs(&["string", "number"])),
        ]),
    );
    add(
        "percentage",
        obj(vec![
            (
                "description",
                s(
                    "A percentage of target bonus, written with %, such as 150%: a bare number is refused (1.5 and 150 mean very different money).",
                ),
            ),
            ("type", s("string")),
            ("pattern", s("%\\s*$")),
        ]),
    );
    add(
        "yes_no",
        described(
            "yes or no (also true/false, on/off, in any letter case).",
            obj(vec![(
                "anyOf",
                J::Arr(vec![
                    obj(vec![("type", s("boolean"))]),
                    words(&["yes", "no", "true", "false", "on", "off"], true),
                ]),
            )]),
        ),
    );
    add(
        "label_map",
        obj(vec![
            (
                "description",
                s("The text per language: `{ en: Revenue, ru: Выручка }`."),
            ),
            ("type", s("object")),
            (
                "properties",
                J::Obj(
                    LANGS
                        .iter()
                        .map(|l| {
                            (
                                l.to_string(),
                                described(&format!("The text in {}.", lang_name(l)), def("text")),
                            )
                        })
                        .collect(),
                ),
            ),
            (
                "patternProperties",
                obj(vec![(
                    &format!(
                        "^\\s*({})\\s*$",
                        LANGS
                            .iter()
                            .map(|l| any_case(l))
                            .collect::<Vec<_>>()
                            .join("|")
                    ),
                    def("text"),
                )]),
            ),
            ("additionalProperties", J::Bool(false)),
            ("minProperties", J::Int(1)),
        ]),
    );
    add(
        "labels",
        described(
            "A text, or the text per language: `{ en: Revenue, ru: Выручка }` (--lang picks one).",
            by_kind(Some(def("label_map")), None, def("text")),
        ),
    );
    add("curve", curve());
    add("segment", segment());
    add("target", target());
    add("guarantee", guarantee());
    add("metric", metric());
    add("kpi", kpi());
    add("condition", condition());
    add("found_in_source", found_in_source());
    add("where", filter(None));
    for table in metric_tables() {
        add(&format!("where_{}", table.name()), filter(Some(table)));
    }
    // An editor's hover shows the innermost description it finds: the value forms shared by
    // many keys keep theirs as a `$comment`, so that hovering `weight:` shows what a weight is
    // rather than what a number is.
    for (name, schema) in &mut defs {
        if let J::Obj(entries) = schema
            && SHARED_FORMS.contains(&name.as_str())
        {
            for (k, _) in entries.iter_mut().filter(|(k, _)| k == "description") {
                *k = "$comment".to_string();
            }
        }
    }
    defs
}

/// The definitions that are value forms of many keys (see the end of [`definitions`]).
const SHARED_FORMS: &[&str] = &[
    "text",
    "number",
    "date",
    "percentage",
    "yes_no",
    "label_map",
    "labels",
    "condition",
];

fn lang_name(code: &str) -> &'static str {
    match code {
        "en" => "English",
        "ru" => "Russian",
        _ => "that language",
    }
}

/// The tables a metric (or a `found_in` source) may read.
fn metric_tables() -> Vec<Table> {
    Table::ALL
        .into_iter()
        .filter(|t| *t != Table::Adjustments && not_per_employee(*t).is_none())
        .collect()
}

/// The form and description of a key: what the parser reads there. `None` for a key this
/// module does not know yet (added to a parser list since): any value, described generically.
fn known(context: &str, key: &str) -> Option<(&'static str, J)> {
    let (help, form) = match (context, key) {
        ("scheme", "name") => (
            "The scheme's display name (its id is the file stem, which employees.scheme names).",
            def("text"),
        ),
        ("scheme", "description") => (
            "What the scheme is for: kept with the file, not shown.",
            obj(vec![]),
        ),
        ("scheme", "currency") => (
            "The currency of the scheme's amounts, e.g. KZT.",
            def("text"),
        ),
        ("scheme", "review_below") => (
            "Flag a KPI \"review: below threshold\" below this attainment (default 80%; at most 100%).",
            def("number"),
        ),
        ("scheme", "discuss_above") => (
            "Flag a KPI \"discuss: star or low plan\" above this attainment (default 120%; at least 100%).",
            def("number"),
        ),
        ("scheme", "curve") => (
            "The default payout curve of the scheme's KPIs: `standard` or a curve.",
            def("curve"),
        ),
        ("scheme", "ranking") => (
            "`place`: statements show each person's place as a number only (the default); `top3`: also the names of the scheme's top 3 (never the bottom).",
            words(&["place", "top3"], false),
        ),
        ("scheme", "max_total") => (
            "The bonus is at most this share of target bonus, prorated like the bonus, e.g. 150%; the cut is its own `cap` line.",
            def("percentage"),
        ),
        ("scheme", "guarantee") => (
            "A minimum for new hires' first months (docs/month-end.md).",
            def("guarantee"),
        ),
        ("scheme", "metrics") => (
            "Named metrics: an aggregation over one table (`count`, `sum` … with `where`) or a formula over other metrics. A metric of the catalogue (`incentive metrics`) needs no definition here: a KPI or a formula names it; a definition here wins.",
            obj(vec![
                ("type", s("object")),
                (
                    "propertyNames",
                    obj(vec![
                        (
                            "description",
                            s(
                                "A metric name: lower-case letters, digits and `_`, not starting with a digit.",
                            ),
                        ),
                        ("pattern", s("^[a-z_][a-z0-9_]*$")),
                    ]),
                ),
                ("additionalProperties", def("metric")),
            ]),
        ),
        ("scheme", "kpis") => (
            "The KPIs (`- id: …` items); the paid KPIs' weights sum to exactly 100%.",
            obj(vec![
                ("type", s("array")),
                ("maxItems", J::Int(MAX_KPIS as i64)),
                ("items", def("kpi")),
            ]),
        ),

        ("guarantee", "months") => (
            "How many months after hired_on the guarantee lasts: a whole number from 1 to 24.",
            obj(vec![(
                "anyOf",
                J::Arr(vec![
                    obj(vec![
                        ("type", s("integer")),
                        ("minimum", J::Int(1)),
                        ("maximum", J::Int(24)),
                    ]),
                    obj(vec![
                        ("type", s("string")),
                        ("pattern", s("^\\s*\\+?0*([1-9]|1[0-9]|2[0-4])\\s*$")),
                    ]),
                ]),
            )]),
        ),
        ("guarantee", "share") => (
            "The minimum as a share of target bonus, prorated by the days in the window, e.g. 50% (at most 100%).",
            def("percentage"),
        ),
        ("guarantee", "recoverable") => (
            "yes: top-ups are recovered from later pay above the guaranteed level (default no).",
            def("yes_no"),
        ),

        ("metric", "count") => (
            "The number of rows of a table: `count: deals`.",
            obj(vec![("type", s("string"))]),
        ),
        ("metric", "sum") => (
            "The sum of a numeric column: `sum: deals.amount`, of an expression over the row (`deals.closed_on - deals.created_on`, in days), or `{ time_to_next: … }`.",
            values_of(),
        ),
        ("metric", "average") => (
            "The average of a numeric column (no rows: no data): `average: nps.score`, of an expression over the row (`deals.closed_on - deals.created_on`, in days), or `{ time_to_next: … }`.",
            values_of(),
        ),
        ("metric", "min") => (
            "The smallest value of a numeric column (no rows: no data): `min: deals.amount`, of an expression over the row (`deals.closed_on - deals.created_on`, in days), or `{ time_to_next: … }`.",
            values_of(),
        ),
        ("metric", "max") => (
            "The largest value of a numeric column (no rows: no data): `max: deals.amount`, of an expression over the row (`deals.closed_on - deals.created_on`, in days), or `{ time_to_next: … }`.",
            values_of(),
        ),
        ("metric", "count_distinct") => (
            "The number of distinct values of a column: `count_distinct: calls.client_id`.",
            obj(vec![("type", s("string"))]),
        ),
        ("metric", "median") => (
            "The middle value of a numeric column (no rows: no data): `median: calls.duration_sec`, of an expression over the row (`deals.closed_on - deals.created_on`, in days), or `{ time_to_next: … }`.",
            values_of(),
        ),
        ("metric", "percentile") => (
            "A point of a numeric column's distribution (Excel's PERCENTILE.INC): `{ of: calls.duration_sec, p: 90% }`.",
            obj(closed("percentile", PERCENTILE_KEYS, &["of", "p"])),
        ),
        ("metric", "share") => (
            "The rows kept by both this `where:` and the metric's ÷ the rows the metric's `where:` keeps: `{ of: calls, where: { duration_sec: { less_than: 30 } } }`.",
            share(),
        ),
        ("percentile", "of") => (
            "The numeric column, written table.column, an expression over the row, or `{ time_to_next: … }`.",
            values_of(),
        ),
        ("values", "time_to_next") => (
            "The time from each row the metric keeps to the same employee's next row that `next:` keeps: `{ at: emails.sent_at, next: { direction: outgoing }, same: client_id }` (days for a date, hours for a datetime).",
            {
                let mut form = closed("time_to_next", WAIT_KEYS, &["at", "next"]);
                let reads = |t: Table| {
                    obj(vec![
                        ("type", s("object")),
                        ("required", strs(&["at"])),
                        ("properties", obj(vec![("at", names_table(t))])),
                    ])
                };
                form.push(("allOf", J::Arr(vec![narrow("next", &reads)])));
                obj(form)
            },
        ),
        ("time_to_next", "at") => (
            "The date or datetime column both rows are timed by, written table.column.",
            obj(vec![("type", s("string"))]),
        ),
        ("time_to_next", "next") => (
            "The condition of the next row, on columns of the same table (any period).",
            obj(vec![]),
        ),
        ("time_to_next", "same") => (
            "The column (or list of columns) whose values the next row must repeat, e.g. client_id.",
            by_kind(
                None,
                Some(obj(vec![
                    ("type", s("array")),
                    ("items", obj(vec![("type", s("string"))])),
                ])),
                obj(vec![("type", s("string"))]),
            ),
        ),
        ("time_to_next", "within") => (
            "How long the next row may take, in days or hours (e.g. 24): a later one does not count.",
            def("number"),
        ),
        ("time_to_next", "if_none") => (
            "The value of a row with no next row, in days or hours (e.g. 24); without it such a row has no value.",
            def("number"),
        ),
        ("percentile", "p") => (
            "The point from 0% to 100%, e.g. 90% (50% is the median).",
            def("number"),
        ),
        ("share", "of") => (
            "The table whose rows are counted.",
            words(
                &metric_tables().iter().map(|t| t.name()).collect::<Vec<_>>(),
                false,
            ),
        ),
        ("share", "where") => (
            "The condition of the part, on columns of the `of:` table.",
            obj(vec![]),
        ),
        ("metric", "scope") => (
            "Whose rows the metric reads: `own` (the employee's, the default), `team` (everyone with the employee's team) or `reports` (the employee and everyone reporting to them through manager_id). On an aggregation, not on a formula.",
            words(super::Scope::WORDS, false),
        ),
        ("metric", "where") => (
            "Which rows of the metric's table count: conditions on its columns, all of which must hold.",
            obj(vec![]),
        ),
        ("metric", "formula") => (
            "Arithmetic over other metrics of the scheme (+ - * /, parentheses, numbers, percentages), e.g. `revenue / deals_won`; a zero divisor makes the value missing.",
            obj(vec![("type", strs(&["string", "number"]))]),
        ),
        ("metric", "description") => (
            "The metric in words for the breakdown and statements: a text or `{ en: …, ru: … }`; left out or empty, it is generated from the definition.",
            by_kind(
                Some(def("label_map")),
                None,
                obj(vec![(
                    "type",
                    strs(&["string", "number", "boolean", "null"]),
                )]),
            ),
        ),

        ("kpi", "id") => (
            "The KPI's id, unique in the scheme (targets refer to it: `{ kpi: ID, times: 3 }`).",
            def("text"),
        ),
        ("kpi", "name") => (
            "The KPI's display name: `Revenue` or `{ en: Revenue, ru: Выручка }` (default: the id).",
            def("labels"),
        ),
        ("kpi", "weight") => (
            "The KPI's part of the target bonus, e.g. 40%; the paid KPIs' weights sum to exactly 100%.",
            def("number"),
        ),
        ("kpi", "metric") => (
            "The metric (a name under `metrics:`) whose value is the KPI's actual.",
            def("text"),
        ),
        ("kpi", "target") => (
            "A number (`600`, `25%`, `275 000`, `{ value: 600 }`), the employee's plan (`{ plan: METRIC }`) or a multiple of another KPI's target (`{ kpi: ID, times: 3 }`).",
            def("target"),
        ),
        ("kpi", "prorate") => (
            "Multiply a fixed target by the employee's proration (days employed); default yes for a fixed target of a `count` metric, no otherwise.",
            def("yes_no"),
        ),
        ("kpi", "better") => (
            "`higher` (the default): attainment = actual ÷ target; `lower`: target ÷ actual (the curve needs a cap).",
            words(&["higher", "lower"], false),
        ),
        ("kpi", "curve") => (
            "The KPI's own payout curve (default: the scheme's `curve`).",
            def("curve"),
        ),
        ("kpi", "observe") => (
            "yes: the KPI is computed and shown with what it would pay, never paid; its weight is not in the 100%.",
            def("yes_no"),
        ),
        ("kpi", "observe_until") => (
            "In observation until this month (YYYY-MM), e.g. 2027-01; after it, validate and run warn that it is still unpaid.",
            obj(vec![
                ("type", s("string")),
                ("pattern", s("^\\s*[0-9]{4,5}-[0-9]{2}\\s*$")),
            ]),
        ),

        ("target", "value") => ("A fixed target: `{ value: 600 }`.", def("number")),
        ("target", "plan") => (
            "The employee's plans row for this metric name and the run's period.",
            def("text"),
        ),
        ("target", "kpi") => (
            "Another KPI's id: the target is a multiple of that KPI's target.",
            def("text"),
        ),
        ("target", "times") => (
            "The multiple of the other KPI's target (default 1).",
            def("number"),
        ),

        ("curve", "threshold") => (
            "Below this attainment the KPI pays nothing, e.g. 80% (default 0).",
            def("number"),
        ),
        ("curve", "start") => (
            "The factor at the threshold (default: the threshold itself).",
            def("number"),
        ),
        ("curve", "segments") => (
            "Linear segments from the threshold up, each `{ to: 100%, slope: 1 }`; flat after the last `to:`.",
            obj(vec![
                ("type", s("array")),
                ("minItems", J::Int(1)),
                ("items", def("segment")),
            ]),
        ),
        ("curve", "cap") => (
            "The factor never goes above this, e.g. 130%.",
            def("number"),
        ),

        ("segment", "to") => (
            "The attainment where the segment ends (only the last segment may leave it out).",
            def("number"),
        ),
        ("segment", "slope") => (
            "Factor per attainment: 1 pays 1:1, 1.5 accelerates, 0.5 decelerates.",
            def("number"),
        ),
        ("segment", "start") => (
            "The factor where this segment starts (default: where the previous one ended).",
            def("number"),
        ),

        ("condition", "equals") => ("The column equals the value.", def("text")),
        ("condition", "one_of") => ("The column is one of the values.", values()),
        ("condition", "not_one_of") => ("The column is none of the values.", values()),
        ("condition", "not") => (
            "The column is not the value (or none of the values).",
            values(),
        ),
        ("condition", "at_least") => ("≥ a number, or for a date column a date.", def("number")),
        ("condition", "at_most") => ("≤ a number, or for a date column a date.", def("number")),
        ("condition", "more_than") => ("> a number, or for a date column a date.", def("number")),
        ("condition", "less_than") => ("< a number, or for a date column a date.", def("number")),
        ("condition", "after") => (
            "The date is after: period_start, period_end, `period_end - 90 days`, `period_start + 1 month` or a date such as 2026-01-01.",
            def("date"),
        ),
        ("condition", "before") => (
            "The date is before: period_start, period_end, `period_end - 90 days` or a date.",
            def("date"),
        ),
        ("condition", "on_or_after") => (
            "The date is on or after: period_start, period_end, `period_start - 1 month` or a date.",
            def("date"),
        ),
        ("condition", "on_or_before") => (
            "The date is on or before: period_start, period_end, `period_end - 90 days` or a date.",
            def("date"),
        ),
        ("condition", "in_period") => (
            "yes: the date is in the run's period; no: outside it (or empty).",
            def("yes_no"),
        ),
        ("condition", "empty") => ("yes: the cell is empty; no: it is not.", def("yes_no")),
        ("condition", "found_in") => (
            "The row's value appears in that column of another table's rows kept by their own `where` (the same employee's, unless `any_employee: yes`).",
            by_kind(
                None,
                Some(obj(vec![
                    ("type", s("array")),
                    ("items", def("found_in_source")),
                ])),
                def("found_in_source"),
            ),
        ),

        ("found_in", "table") => (
            "The other table.",
            words(
                &metric_tables().iter().map(|t| t.name()).collect::<Vec<_>>(),
                false,
            ),
        ),
        ("found_in", "column") => (
            "The other table's column, when its name differs from this column's.",
            def("text"),
        ),
        ("found_in", "where") => ("Which of the other table's rows count.", obj(vec![])),
        ("found_in", "any_employee") => (
            "yes: match anyone's rows, not only the same employee's (default no).",
            def("yes_no"),
        ),
        _ => return None,
    };
    Some((help, form))
}

/// One value, or a list of values.
fn values() -> J {
    by_kind(
        None,
        Some(obj(vec![("type", s("array")), ("items", def("text"))])),
        def("text"),
    )
}

/// `properties` for every key of a parser list, in the list's order.
fn properties(context: &str, keys: &[&str]) -> J {
    J::Obj(
        keys.iter()
            .map(|k| {
                let schema = match known(context, k) {
                    Some((help, form)) => described(help, form),
                    // A key the parser learnt after this module was written: any value.
                    None => obj(vec![(
                        "description",
                        J::Str(format!("`{k}`: see README.md, \"The scheme language\".")),
                    )]),
                };
                (k.to_string(), schema)
            })
            .collect(),
    )
}

/// A mapping with exactly the keys of a parser list.
fn closed(context: &str, keys: &[&str], required: &[&str]) -> Vec<(&'static str, J)> {
    let mut out = vec![
        ("type", s("object")),
        ("properties", properties(context, keys)),
        ("additionalProperties", J::Bool(false)),
    ];
    if !required.is_empty() {
        out.push(("required", strs(required)));
    }
    out
}

fn curve() -> J {
    described(
        "A payout curve, attainment → factor: `standard` (threshold 80%, 1:1 to 100%, 1.5 to 120%, cap 130%) or threshold, start, segments and cap.",
        by_kind(
            Some(obj(closed("curve", CURVE_KEYS, &["segments"]))),
            None,
            obj(vec![("enum", strs(&["standard"]))]),
        ),
    )
}

fn segment() -> J {
    described(
        "A linear piece of the curve: `{ to: 100%, slope: 1 }`.",
        obj(closed("segment", SEGMENT_KEYS, &["slope"])),
    )
}

fn target() -> J {
    let mut form = closed("target", TARGET_KEYS, &[]);
    form.push((
        "anyOf",
        J::Arr(
            ["value", "plan", "kpi"]
                .iter()
                .map(|k| obj(vec![("required", strs(&[k]))]))
                .collect(),
        ),
    ));
    described(
        "A KPI's target: a number, `{ value: … }`, `{ plan: METRIC }` or `{ kpi: ID, times: N }`.",
        by_kind(Some(obj(form)), None, def("number")),
    )
}

/// What an aggregation reads: a column or an expression (text), or `{ time_to_next: … }`.
fn values_of() -> J {
    by_kind(
        Some(obj(closed("values", &["time_to_next"], &["time_to_next"]))),
        None,
        obj(vec![("type", s("string"))]),
    )
}

/// What an aggregation reads, naming table `t` (as `if`, never refusing): `deals.amount`,
/// `deals.closed_on - deals.created_on`, or `{ time_to_next: { at: deals.created_on, … } }`.
fn values_of_table(t: Table) -> J {
    obj(vec![(
        "anyOf",
        J::Arr(vec![
            names_table(t),
            obj(vec![
                ("type", s("object")),
                ("required", strs(&["time_to_next"])),
                (
                    "properties",
                    obj(vec![(
                        "time_to_next",
                        obj(vec![
                            ("required", strs(&["at"])),
                            ("properties", obj(vec![("at", names_table(t))])),
                        ]),
                    )]),
                ),
            ]),
        ]),
    )])
}

/// `share: { of: TABLE, where: … }`, its `where` narrowed to the columns of that table.
fn share() -> J {
    let mut form = closed("share", SHARE_KEYS, &["of", "where"]);
    let reads = |t: Table| {
        obj(vec![
            ("required", strs(&["of"])),
            ("properties", obj(vec![("of", names_table(t))])),
        ])
    };
    form.push(("allOf", J::Arr(vec![narrow_where(&reads)])));
    obj(form)
}

/// A text that names table `t`: `deals`, or `deals.amount` … (as `if`, never refusing).
fn names_table(t: Table) -> J {
    obj(vec![
        ("type", s("string")),
        ("pattern", J::Str(format!("^\\s*{}\\s*(\\.|$)", t.name()))),
    ])
}

fn guarantee() -> J {
    described(
        "`{ months: 3, share: 50%, recoverable: yes }`: a minimum for the first months after hired_on.",
        obj(closed("guarantee", GUARANTEE_KEYS, &["months", "share"])),
    )
}

/// A metric: a formula string, or a mapping with one aggregation (and `where`) or `formula`.
/// `where` is narrowed to the columns of the table the aggregation names.
fn metric() -> J {
    let mut form = closed("metric", METRIC_KEYS, &[]);
    // At least one key that defines the metric: every key but `where`, `description` and
    // `scope` (a key added to METRIC_KEYS since counts as one, so that the schema never refuses
    // it).
    let defining: Vec<&str> = METRIC_KEYS
        .iter()
        .copied()
        .filter(|k| !matches!(*k, "where" | "description" | "scope"))
        .collect();
    form.push((
        "anyOf",
        J::Arr(
            defining
                .iter()
                .map(|k| obj(vec![("required", strs(&[k]))]))
                .collect(),
        ),
    ));
    // A formula is not also an aggregation, and has no scope of its own.
    form.push((
        "dependencies",
        obj(vec![(
            "formula",
            obj(vec![(
                "not",
                obj(vec![(
                    "anyOf",
                    J::Arr(
                        AGG_KEYS
                            .iter()
                            .chain(METRIC_KEYS.iter().filter(|k| **k == "scope"))
                            .map(|k| obj(vec![("required", strs(&[k]))]))
                            .collect(),
                    ),
                )]),
            )]),
        )]),
    ));
    // `count: deals`, `sum: deals.amount` …: `where` names the columns of that table.
    // An aggregation names its table in its value (`sum: deals.amount`), or, written as a
    // mapping (`percentile`, `share`), in its `of:`.
    let reads = |t: Table| {
        obj(vec![(
            "anyOf",
            J::Arr(
                AGG_KEYS
                    .iter()
                    .map(|k| {
                        let names = match *k {
                            "percentile" => obj(vec![
                                ("required", strs(&["of"])),
                                ("properties", obj(vec![("of", values_of_table(t))])),
                            ]),
                            "share" => obj(vec![
                                ("required", strs(&["of"])),
                                ("properties", obj(vec![("of", names_table(t))])),
                            ]),
                            "count" | "count_distinct" => names_table(t),
                            _ => values_of_table(t),
                        };
                        obj(vec![
                            ("required", strs(&[k])),
                            ("properties", J::Obj(vec![(k.to_string(), names)])),
                        ])
                    })
                    .collect(),
            ),
        )])
    };
    form.push(("allOf", J::Arr(vec![narrow_where(&reads)])));
    described(
        "A metric: an aggregation over one table (`count: deals`, `sum: deals.amount` … with `where`), a `formula:`, or a bare formula string such as `revenue / deals_won`.",
        by_kind(
            Some(obj(form)),
            None,
            obj(vec![("type", strs(&["string", "number", "boolean"]))]),
        ),
    )
}

fn kpi() -> J {
    let mut form = closed("kpi", KPI_KEYS, &["id", "weight", "metric", "target"]);
    form.push((
        "not",
        obj(vec![
            (
                "description",
                s("Write either `observe: yes` or `observe_until: YYYY-MM`, not both."),
            ),
            ("required", strs(&["observe", "observe_until"])),
        ]),
    ));
    described(
        "A KPI: id, weight, metric and target; optional name, prorate, better, curve, observe or observe_until.",
        obj(form),
    )
}

/// What a column is tested against: a value, a list of values (any of them), `in_period`,
/// `empty`, `not_empty`, or a mapping of tests.
fn condition() -> J {
    described(
        "A value (`status: won`), a list of values (any of them), in_period, empty, not_empty, or tests such as `{ at_least: 120 }`.",
        by_kind(
            Some(obj(closed("condition", OPERATORS, &[]))),
            Some(obj(vec![("type", s("array")), ("items", def("text"))])),
            obj(vec![(
                "anyOf",
                J::Arr(vec![
                    obj(vec![("enum", strs(&["in_period", "empty", "not_empty"]))]),
                    def("text"),
                ]),
            )]),
        ),
    )
}

fn found_in_source() -> J {
    let mut form = closed("found_in", LOOKUP_KEYS, &["table"]);
    // `where` names the columns of the source's table.
    let reads = |t: Table| {
        obj(vec![
            ("required", strs(&["table"])),
            (
                "properties",
                obj(vec![(
                    "table",
                    obj(vec![
                        ("type", s("string")),
                        ("pattern", J::Str(format!("^\\s*{}\\s*$", t.name()))),
                    ]),
                )]),
            ),
        ])
    };
    form.push(("allOf", J::Arr(vec![narrow_where(&reads)])));
    described(
        "Another table's rows to look the value up in: `{ table: calls, where: {…} }`.",
        obj(form),
    )
}

/// `where` as the columns of the table a mapping reads (`reads(table)` tells whether it reads
/// it): if it reads deals, `where_deals`, else if … , else the columns of every table (a form
/// the parser learnt since, naming its table otherwise). A chain of if/then/else, so that one
/// `where` is checked, and completed, once.
fn narrow_where(reads: &dyn Fn(Table) -> J) -> J {
    narrow("where", reads)
}

/// `key` (a `where`, or a `time_to_next`'s `next`) narrowed to the columns of the table that
/// `reads(table)` recognises.
fn narrow(key: &str, reads: &dyn Fn(Table) -> J) -> J {
    let mut chain = obj(vec![(
        "properties",
        J::Obj(vec![(key.to_string(), def("where"))]),
    )]);
    for t in metric_tables().into_iter().rev() {
        chain = obj(vec![
            ("if", reads(t)),
            (
                "then",
                obj(vec![(
                    "properties",
                    J::Obj(vec![(key.to_string(), def(&format!("where_{}", t.name())))]),
                )]),
            ),
            ("else", chain),
        ]);
    }
    chain
}

/// A `where` mapping: conditions on the columns of `table` (of any table when it is not known),
/// combined with `all`, `any` and `not`.
fn filter(table: Option<Table>) -> J {
    let me = match table {
        Some(t) => format!("where_{}", t.name()),
        None => "where".to_string(),
    };
    let mut props: Vec<(String, J)> = Vec::new();
    for c in COMBINATORS {
        let (help, form) = match *c {
            "all" => (
                "All of the conditions hold (`- column: value` items).",
                obj(vec![("type", s("array")), ("items", def(&me))]),
            ),
            "any" => (
                "At least one of the conditions holds (`- column: value` items).",
                obj(vec![("type", s("array")), ("items", def(&me))]),
            ),
            _ => ("The condition does not hold.", def(&me)),
        };
        props.push((c.to_string(), described(help, form)));
    }
    let tables = match table {
        Some(t) => vec![t],
        None => metric_tables(),
    };
    for t in tables {
        for col in t.columns() {
            if props.iter().any(|(k, _)| k == col.name) {
                continue;
            }
            let help = match table {
                Some(_) => format!("{t}.{}, which holds {}.", col.name, col.ty.expected()),
                None => format!("A column of the metric's table ({t}.{}).", col.name),
            };
            props.push((col.name.to_string(), described(&help, def("condition"))));
        }
    }
    let help = match table {
        Some(t) => format!(
            "Conditions on columns of the {t} table (all must hold), combined with all, any and not."
        ),
        None => "Conditions on columns of the metric's table (all must hold), combined with all, any and not.".to_string(),
    };
    described(
        &help,
        obj(vec![
            ("type", s("object")),
            ("properties", J::Obj(props)),
            ("additionalProperties", J::Bool(false)),
        ]),
    )
}

/// The schema as a JSON value.
fn schema() -> J {
    let mut top = vec![
        ("$schema", s("http://json-schema.org/draft-07/schema#")),
        ("title", s("incentive scheme")),
        (
            "description",
            s(
                "A compensation scheme of incentive (README.md, \"The scheme language\"). Generated by `incentive schema` from the parser's key lists.",
            ),
        ),
    ];
    // `metrics:` may be left out when the KPIs name only metrics of the catalogue.
    top.extend(closed("scheme", TOP_KEYS, &["currency", "kpis"]));
    top.push(("definitions", J::Obj(definitions())));
    obj(top)
}

/// The schema file's text: pretty-printed JSON and a final newline.
pub fn text() -> String {
    let mut out = serde_json::to_string_pretty(&schema()).expect("a tree of plain values");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_case_spells_every_letter_both_ways() {
        assert_eq!(any_case("yes"), "[yY][eE][sS]");
        assert_eq!(any_case("top3"), "[tT][oO][pP]3");
        assert_eq!(any_case("a-b.c"), "[aA]-[bB]\\.[cC]");
    }

    #[test]
    fn a_reference_keeps_its_description_in_draft_07() {
        let j = described("help", def("number"));
        assert_eq!(
            serde_json::to_string(&j).unwrap(),
            r##"{"description":"help","allOf":[{"$ref":"#/definitions/number"}]}"##
        );
        let j = described("help", obj(vec![("type", s("string"))]));
        assert_eq!(
            serde_json::to_string(&j).unwrap(),
            r#"{"description":"help","type":"string"}"#
        );
    }

    #[test]
    fn a_key_without_a_form_yet_is_accepted_with_any_value() {
        let j = properties("metric", &["a_key_of_tomorrow"]);
        assert_eq!(
            serde_json::to_string(&j).unwrap(),
            r#"{"a_key_of_tomorrow":{"description":"`a_key_of_tomorrow`: see README.md, \"The scheme language\"."}}"#
        );
    }
}
