//! The JSON Schema of scheme files (`incentive schema`, `schemes/scheme.schema.json`) checked
//! with a real validator (the `jsonschema` crate, draft-07): the committed file is the generated
//! one, it accepts every shipped scheme and every form the parser accepts, and it refuses a
//! misspelt key at the mapping where it is written, as the parser does.
//!
//! Scheme YAML becomes JSON the way an editor sees it: plain scalars typed by the YAML 1.2 core
//! schema (yaml-language-server's default: `0.15` a number, `true` a boolean, `yes` a string),
//! and again by YAML 1.1 (`yes`, `no`, `on`, `off` booleans too), through the crate's own YAML
//! reader (`incentive::yaml`), which also expands anchors as editors do.

mod common;

use common::{crate_path, run};
use incentive::yaml::{self, Kind, Node};
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;
use std::path::Path;

const SCHEMA_FILE: &str = "schemes/scheme.schema.json";

/// The folders of shipped scheme files.
const SHIPPED: &[&str] = &[
    "schemes",
    "samples/schemes",
    "samples/2026-11-close/schemes",
    "tests/fixtures/close-mini/schemes",
];

#[derive(Clone, Copy, Debug)]
enum Yaml {
    V1_1,
    V1_2,
}

/// A plain scalar typed as a YAML 1.1 or 1.2 (core schema) reader types it.
fn plain(text: &str, version: Yaml) -> Value {
    let int = regex_lite::Regex::new(r"^[-+]?[0-9]+$").unwrap();
    let float =
        regex_lite::Regex::new(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$").unwrap();
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Value::Null;
    }
    let truthy = match version {
        Yaml::V1_2 => &["true", "True", "TRUE"][..],
        Yaml::V1_1 => &[
            "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y",
        ][..],
    };
    let falsy = match version {
        Yaml::V1_2 => &["false", "False", "FALSE"][..],
        Yaml::V1_1 => &[
            "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N",
        ][..],
    };
    if truthy.contains(&text) {
        return Value::Bool(true);
    }
    if falsy.contains(&text) {
        return Value::Bool(false);
    }
    let digits = match version {
        Yaml::V1_1 => text.replace('_', ""),
        Yaml::V1_2 => text.to_string(),
    };
    if int.is_match(&digits)
        && let Ok(i) = digits.parse::<i64>()
    {
        return Value::from(i);
    }
    if (int.is_match(&digits) || float.is_match(&digits))
        && let Some(n) = digits
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
    {
        return Value::Number(n);
    }
    Value::String(text.to_string())
}

fn to_json(node: &Node, version: Yaml) -> Value {
    match &node.kind {
        Kind::Scalar { text, plain: true } => plain(text, version),
        Kind::Scalar { text, .. } => Value::String(text.clone()),
        Kind::Seq(items) => Value::Array(items.iter().map(|i| to_json(i, version)).collect()),
        Kind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.as_str().unwrap_or("").to_string(), to_json(v, version)))
                .collect(),
        ),
    }
}

fn json_of(text: &str, version: Yaml) -> Value {
    to_json(&yaml::parse(text).expect("valid YAML"), version)
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(crate_path(SCHEMA_FILE)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft7::new(&schema).expect("the schema compiles")
}

/// Every error of `instance`, as `path: message`, sorted, each once. Under an `anyOf`, the
/// errors of the alternatives the value's type chose (`target: { plann: x }` is a mapping, so
/// not the error that it is not a number), as an editor shows the best match; the `anyOf`
/// error itself when none did.
fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    fn leaves(e: &jsonschema::ValidationError, out: &mut Vec<String>) {
        let ValidationErrorKind::AnyOf { context } = e.kind() else {
            let path = e.instance_path().to_string();
            let path = if path.is_empty() { "(top)" } else { &path };
            out.push(format!("{path}: {e}"));
            return;
        };
        let here = e.instance_path().to_string();
        let wrong_type = |alternative: &Vec<jsonschema::ValidationError>| {
            alternative.iter().all(|e| {
                e.instance_path().to_string() == here
                    && matches!(
                        e.kind(),
                        ValidationErrorKind::Type { .. } | ValidationErrorKind::Enum { .. }
                    )
            })
        };
        let chosen: Vec<_> = context.iter().filter(|a| !wrong_type(a)).collect();
        if chosen.is_empty() {
            // No alternative is of the value's type: the value itself is the error.
            out.push(format!("{here}: {e}"));
        }
        for alternative in chosen {
            for e in alternative {
                leaves(e, out);
            }
        }
    }
    let mut out = Vec::new();
    for e in v.iter_errors(instance) {
        leaves(&e, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

/// The keys refused as unexpected, with the path of their mapping, under `anyOf` too, each
/// once (a `where` is checked both against every table's columns and against those of the
/// metric's own table).
fn unexpected(v: &jsonschema::Validator, instance: &Value) -> Vec<(String, String)> {
    fn walk(e: &jsonschema::ValidationError, out: &mut Vec<(String, String)>) {
        match e.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for k in unexpected {
                    out.push((e.instance_path().to_string(), k.clone()));
                }
            }
            ValidationErrorKind::AnyOf { context } => {
                for e in context.iter().flatten() {
                    walk(e, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for e in v.iter_errors(instance) {
        walk(&e, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

/// The parser's verdict on a scheme text: its problems, one a line.
fn parser_problems(text: &str) -> Vec<String> {
    match incentive::scheme::parse_str(Path::new("schemes/test.yaml"), text) {
        Ok(_) => Vec::new(),
        Err(problems) => problems.iter().map(|p| p.to_string()).collect(),
    }
}

/// Every shipped scheme file, with its text.
fn shipped() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for dir in SHIPPED {
        let mut names: Vec<_> = std::fs::read_dir(crate_path(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        names.sort();
        for path in names {
            let rel = format!("{dir}/{}", path.file_name().unwrap().to_string_lossy());
            files.push((rel, std::fs::read_to_string(&path).unwrap()));
        }
    }
    files.push(("the catalogue's metrics".to_string(), catalogue_scheme()));
    files
}

/// The catalogue's definitions (`src/scheme/catalogue.yaml`, section `metrics:`, written in the
/// scheme language) as the `metrics:` of a scheme.
fn catalogue_scheme() -> String {
    let text = std::fs::read_to_string(crate_path("src/scheme/catalogue.yaml")).unwrap();
    let mut section = String::new();
    let mut inside = false;
    for line in text.lines() {
        if !line.starts_with([' ', '#']) && !line.is_empty() {
            inside = line == "metrics:";
        }
        if inside {
            section += line;
            section.push('\n');
        }
    }
    assert!(
        section.lines().count() > 100,
        "no metrics: section in the catalogue"
    );
    format!("currency: KZT\n{section}kpis: []\n")
}

#[test]
fn the_committed_schema_is_what_incentive_schema_prints() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(&["schema"], tmp.path());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    let committed = std::fs::read_to_string(crate_path(SCHEMA_FILE)).unwrap();
    assert!(
        out.stdout == committed,
        "{SCHEMA_FILE} is not what `incentive schema` prints (a parser key list changed?): \
         regenerate it with `cargo run -q -- schema > {SCHEMA_FILE}` and commit it"
    );
    assert_eq!(committed, incentive::scheme::json_schema::text());
}

#[test]
fn the_schema_is_a_valid_draft_07_schema() {
    let text = std::fs::read_to_string(crate_path(SCHEMA_FILE)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    if let Err(e) = jsonschema::draft7::meta::validate(&schema) {
        panic!("not a draft-07 schema: {} at {}", e, e.instance_path());
    }
    // The keys of the parser's lists are there (a sample of each list, by its path).
    for pointer in [
        "/properties/guarantee",
        "/properties/max_total",
        "/definitions/kpi/properties/observe_until",
        "/definitions/metric/then/properties/count_distinct",
        "/definitions/condition/then/properties/found_in",
        "/definitions/found_in_source/properties/any_employee",
        "/definitions/where_deals/properties/refunded_on",
        "/definitions/curve/then/properties/segments",
        "/definitions/segment/properties/slope",
        "/definitions/target/then/properties/times",
    ] {
        assert!(schema.pointer(pointer).is_some(), "no {pointer}");
    }
}

#[test]
fn every_shipped_scheme_is_valid_in_yaml_1_1_and_1_2() {
    let v = validator();
    let files = shipped();
    assert_eq!(files.len(), 13, "the shipped schemes and the catalogue");
    for (name, text) in &files {
        assert_eq!(parser_problems(text), Vec::<String>::new(), "{name}");
        // The header line the README documents is a comment to the parser.
        let headed = format!("# yaml-language-server: $schema=./scheme.schema.json\n{text}");
        assert_eq!(parser_problems(&headed), Vec::<String>::new(), "{name}");
        for version in [Yaml::V1_2, Yaml::V1_1] {
            let errs = errors(&v, &json_of(text, version));
            assert!(errs.is_empty(), "{name} ({version:?}): {errs:#?}");
        }
    }
}

/// A scheme that names only metrics of the catalogue needs no `metrics:`.
#[test]
fn a_scheme_of_catalogue_metrics_alone_is_valid() {
    let text = "currency: KZT\ncurve: standard\nkpis:\n  - { id: revenue, weight: 100%, metric: revenue, target: { plan: revenue } }\n";
    assert_eq!(parser_problems(text), Vec::<String>::new());
    let v = validator();
    assert_eq!(errors(&v, &json_of(text, Yaml::V1_2)), Vec::<String>::new());
}

/// Every key and value form the parser accepts, with the spellings it also accepts (letter
/// case, quoted values with spaces, YAML's yes/no/on/off/true/false, percentages, numbers with
/// spaces): the schema must accept all of them.
const EVERY_FORM: &str = r#"
name: "Every form"
description: { anything: [goes, here] }
currency: KZT
review_below: 75%
discuss_above: 1.3
ranking: " top3 "
max_total: 150%
guarantee: { months: "+03", share: 50%, recoverable: On }
curve: standard
metrics:
  won:
    count: " deals "
    where:
      status: Won
      stage: [proposal, NEGOTIATION]
      amount: { more_than: 1 000 000, at_most: 5000000.5 }
      closed_on: { in_period: YES }
      created_on: { on_or_after: period_end - 90 days, before: "2027-01-01" }
      new_client: { not: "no" }
      lost_reason: empty
      client_id: not_empty
      refunded_on: { empty: true }
      any:
        - deal_id: { one_of: [d1, 2] }
        - deal_id: { not_one_of: d3, equals: d4 }
      all:
        - not: { employee_id: e9 }
  amount:
    sum: deals.amount
    description:
  biggest: { max: deals.amount, description: "the biggest deal" }
  smallest: { min: deals.amount, description: { EN: smallest, ru: наименьшая } }
  score: { average: nps.score, where: { answered_on: in_period, score: { less_than: 11 } } }
  clients: { count_distinct: calls.client_id, where: { duration_sec: { at_least: 0 } } }
  met:
    count: clients
    where:
      since: { on_or_before: period_start + 1 month, after: 2020-01-01 }
      churned_on: { in_period: off }
      client_id:
        found_in:
          table: meetings
          where: { status: { not_one_of: [cancelled, no_show] }, starts_at: in_period }
  mailed:
    count: clients
    where:
      client_id:
        found_in:
          - { table: " emails ", column: client_id, any_employee: yes, where: { direction: incoming } }
          - table: calls
  middle: { median: " calls.duration_sec ", where: { direction: incoming } }
  p90:
    percentile: { of: calls.duration_sec, p: 90% }
    where: { started_at: in_period }
  p0: { percentile: { of: deals.amount, p: 0 } }
  short:
    share: { of: " calls ", where: { duration_sec: { less_than: 30 } } }
    where: { direction: outgoing }
  staged:
    share: { of: deals, where: { stage: { at_least: negotiation } } }
  team_won: { count: deals, where: { status: won }, scope: team }
  line_amount: { sum: deals.amount, scope: " reports " }
  own_amount: { median: deals.amount, scope: own }
  cycle: { average: deals.closed_on - deals.created_on, where: { closed_on: { after: created_on + 60 days } } }
  cycle_weeks: { median: " (closed_on - deals.created_on) / 7 " }
  open_hours: { percentile: { of: emails.opened_at - emails.sent_at, p: 75% } }
  talk_minutes: { sum: calls.duration_sec / 60 * 1 }
  answer:
    median:
      time_to_next:
        at: emails.sent_at
        next: { direction: outgoing, sent_at: { on_or_before: period_end + 1 month } }
        same: client_id
        if_none: 24
    where: { direction: incoming, sent_at: in_period }
  answer_p90:
    percentile: { of: { time_to_next: { at: meetings.starts_at, next: { status: held }, same: [client_id] } }, p: 90% }
  slowest: { max: { time_to_next: { at: deals.created_on, next: { status: won } } } }
  per_deal: amount / won
  doubled: { formula: "amount * 2", description: twice }
  hundred: 100
kpis:
  - id: won
    name: Won
    weight: 0.25
    metric: won
    target: 30
    prorate: "yes"
  - id: 2
    name: { en: Amount, RU: " Сумма " }
    weight: 25 %
    metric: amount
    target: { plan: amount }
    better: higher
  - id: per_deal
    weight: 25%
    metric: per_deal
    target: { value: 275 000 }
    better: " lower "
    curve:
      threshold: 0.8
      start: 80%
      segments:
        - { to: 100%, slope: 1, start: 0.8 }
        - slope: 0.5
      cap: 130%
  - id: biggest
    weight: 25%
    metric: biggest
    target: { kpi: won, times: 3 }
    prorate: False
  - id: watched
    weight: 0%
    metric: score
    target: 9
    observe: yes
  - id: later
    weight: 10%
    metric: clients
    target: 5
    observe_until: " 2027-01 "
    curve: { segments: [ { slope: 1 } ] }
"#;

#[test]
fn every_form_the_parser_accepts_is_valid() {
    assert_eq!(parser_problems(EVERY_FORM), Vec::<String>::new());
    let v = validator();
    for version in [Yaml::V1_2, Yaml::V1_1] {
        let errs = errors(&v, &json_of(EVERY_FORM, version));
        assert!(errs.is_empty(), "{version:?}: {errs:#?}");
    }
}

/// One line of a shipped scheme replaced (the first line equal to `from`, trimmed).
fn edit(text: &str, from: &str, to: &str) -> String {
    let mut done = false;
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            if !done && l.trim() == from {
                done = true;
                let indent = &l[..l.len() - l.trim_start().len()];
                format!("{indent}{to}")
            } else {
                l.to_string()
            }
        })
        .collect();
    assert!(done, "no line {from:?}");
    lines.join("\n") + "\n"
}

#[test]
fn misspelt_keys_are_refused_at_the_mapping_they_are_written_in() {
    let v = validator();
    // The presets as written before the catalogue: they have metric definitions to misspell.
    let transactional = std::fs::read_to_string(crate_path(
        "tests/fixtures/presets-before-catalogue/transactional.yaml",
    ))
    .unwrap();
    let am = std::fs::read_to_string(crate_path(
        "tests/fixtures/presets-before-catalogue/account-manager.yaml",
    ))
    .unwrap();
    // What is misspelt, the scheme, and the mapping and key the schema refuses.
    let cases = [
        (
            "weigth in a KPI",
            edit(&transactional, "weight: 40%", "weigth: 40%"),
            "/kpis/0",
            "weigth",
        ),
        (
            "curv at scheme level",
            edit(&transactional, "curve:", "curv:"),
            "",
            "curv",
        ),
        (
            "recoverble in guarantee",
            edit(
                &transactional,
                "currency: KZT",
                "currency: KZT\nguarantee: { months: 3, share: 50%, recoverble: yes }",
            ),
            "/guarantee",
            "recoverble",
        ),
        (
            "a column of another table in where",
            edit(&transactional, "direction: outgoing", "status: won"),
            "/metrics/calls_2min/where",
            "status",
        ),
        (
            "a misspelt test",
            edit(
                &transactional,
                "duration_sec: { at_least: 120 }",
                "duration_sec: { at_leats: 120 }",
            ),
            "/metrics/calls_2min/where/duration_sec",
            "at_leats",
        ),
        (
            "a misspelt found_in key",
            edit(&am, "- table: emails", "- tabel: emails"),
            "/metrics/contacted/where/all/1/client_id/found_in/1",
            "tabel",
        ),
        (
            "a misspelt target key",
            edit(&am, "target: { plan: upsell }", "target: { plann: upsell }"),
            "/kpis/1/target",
            "plann",
        ),
    ];
    let mut report = String::new();
    for (what, text, path, key) in &cases {
        let refused = unexpected(&v, &json_of(text, Yaml::V1_2));
        assert_eq!(refused, vec![(path.to_string(), key.to_string())], "{what}");
        report += &format!("## {what}\nschema:\n");
        for e in errors(&v, &json_of(text, Yaml::V1_2)) {
            report += &format!("  {e}\n");
        }
        report += "parser:\n";
        let problems = parser_problems(text);
        assert!(!problems.is_empty(), "{what}: the parser accepts it");
        for p in problems {
            report += &format!("  {p}\n");
        }
    }
    insta::assert_snapshot!(report);
}

/// Where each mapping key of a document is written, and the JSON paths of the mapping holding
/// it (several when an alias copies the mapping).
struct Key {
    line: usize,
    col: usize,
    text: String,
    /// The mapping's paths; a key directly under `/metrics` is a metric's name.
    parents: Vec<String>,
    /// The other keys of that mapping.
    siblings: Vec<String>,
}

fn keys(node: &Node, path: &str, out: &mut Vec<Key>) {
    match &node.kind {
        Kind::Scalar { .. } => {}
        Kind::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                keys(item, &format!("{path}/{i}"), out);
            }
        }
        Kind::Map(entries) => {
            let siblings: Vec<String> = entries
                .iter()
                .map(|(k, _)| k.as_str().unwrap_or("").to_string())
                .collect();
            for (k, v) in entries {
                let text = k.as_str().unwrap_or("").to_string();
                match out
                    .iter_mut()
                    .find(|e| (e.line, e.col) == (k.pos.line, k.pos.col))
                {
                    Some(seen) => seen.parents.push(path.to_string()),
                    None => out.push(Key {
                        line: k.pos.line,
                        col: k.pos.col,
                        text: text.clone(),
                        parents: vec![path.to_string()],
                        siblings: siblings.clone(),
                    }),
                }
                keys(v, &format!("{path}/{text}"), out);
            }
        }
    }
}

/// Every key of every shipped scheme, misspelt in turn (its last letter dropped: `curve` →
/// `curv`): the parser refuses each (a metric's name only through the references to it), and
/// the schema refuses each but a metric's name at the mapping it is written in.
#[test]
fn every_key_of_the_shipped_schemes_misspelt_is_refused_by_both() {
    let v = validator();
    let mut checked = 0;
    for (name, text) in shipped() {
        let mut found = Vec::new();
        keys(&yaml::parse(&text).unwrap(), "", &mut found);
        for key in found {
            let misspelt = if key.text.chars().count() > 1 {
                let mut t = key.text.clone();
                t.pop();
                t
            } else {
                format!("{}x", key.text)
            };
            if key.siblings.contains(&misspelt) {
                continue;
            }
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            let line = &mut lines[key.line - 1];
            let chars: Vec<char> = line.chars().collect();
            let at = key.col - 1;
            let written: String = chars[at..].iter().take(key.text.chars().count()).collect();
            assert_eq!(written, key.text, "{name}:{}:{}", key.line, key.col);
            *line = chars[..at]
                .iter()
                .chain(misspelt.chars().collect::<Vec<_>>().iter())
                .chain(chars[at + key.text.chars().count()..].iter())
                .collect();
            let mutated = lines.join("\n") + "\n";
            let at = format!(
                "{name}:{}:{} {:?} → {misspelt:?}",
                key.line, key.col, key.text
            );
            let accepted = parser_problems(&mutated).is_empty();
            if key.parents.iter().all(|p| p == "/metrics") {
                // A free name: only the parser knows what refers to it (and a name the scheme
                // stops defining may come from the catalogue).
                if accepted {
                    let errs = errors(&v, &json_of(&mutated, Yaml::V1_2));
                    assert!(errs.is_empty(), "{at}: the parser accepts it: {errs:#?}");
                }
                continue;
            }
            assert!(!accepted, "{at}: the parser accepts it");
            let refused = unexpected(&v, &json_of(&mutated, Yaml::V1_2));
            assert!(
                key.parents
                    .iter()
                    .any(|p| refused.contains(&(p.clone(), misspelt.clone()))),
                "{at}: the schema does not refuse it at {:?}; it refuses {refused:?}",
                key.parents
            );
            checked += 1;
        }
    }
    // About a hundred keys per scheme; the count guards against a walk that finds nothing.
    assert!(checked > 500, "only {checked} keys checked");
}

/// Every scalar written plain in a document (keys and values), with its position.
/// (line, column, text, whether it is a key)
fn plain_scalars(node: &Node, out: &mut Vec<(usize, usize, String, bool)>) {
    fn add(n: &Node, key: bool, out: &mut Vec<(usize, usize, String, bool)>) {
        if let Kind::Scalar { text, plain: true } = &n.kind
            && !text.is_empty()
            && !out
                .iter()
                .any(|(l, c, _, _)| (*l, *c) == (n.pos.line, n.pos.col))
        {
            out.push((n.pos.line, n.pos.col, text.clone(), key));
        }
    }
    match &node.kind {
        Kind::Scalar { .. } => add(node, false, out),
        Kind::Seq(items) => {
            for i in items {
                plain_scalars(i, out);
            }
        }
        Kind::Map(entries) => {
            for (k, v) in entries {
                add(k, true, out);
                plain_scalars(v, out);
            }
        }
    }
}

/// Other spellings of a plain scalar, some of which the parser accepts: quoted with spaces
/// around (a string in every YAML version, trimmed by the parser), upper-case, yes/no written as YAML 1.1 and
/// 1.2 booleans, a percentage written as a fraction.
fn spellings(text: &str) -> Vec<String> {
    let mut out = vec![text.to_uppercase()];
    if !text.contains(['"', '\\']) {
        out.push(format!("\" {text} \""));
    }
    match text {
        "yes" => out.extend(["true", "On", "YES", "\"TRUE\""].map(String::from)),
        "no" => out.extend(["false", "Off", "NO", "\"False\""].map(String::from)),
        _ => {}
    }
    if let Some(number) = text.strip_suffix('%')
        && let Ok(p) = number.trim().parse::<f64>()
    {
        out.push(format!("{}", p / 100.0));
    }
    out.retain(|t| t != text);
    out
}

/// The schema never refuses what the parser accepts: every plain scalar of every shipped scheme
/// respelt in turn (`" won "`, `WON`, `yes` as `true` or `On`, `40%` as `0.4` …),
/// and each respelling the parser accepts is valid in YAML 1.1 and 1.2.
#[test]
fn every_respelling_the_parser_accepts_is_valid() {
    let v = validator();
    let (mut accepted, mut refused) = (0, 0);
    // A line written the same in several files (the samples repeat the presets) is respelt once.
    let mut seen = std::collections::HashSet::new();
    for (name, text) in shipped() {
        let mut found = Vec::new();
        plain_scalars(&yaml::parse(&text).unwrap(), &mut found);
        for (line, col, scalar, key) in found {
            let lines: Vec<&str> = text.lines().collect();
            let chars: Vec<char> = lines[line - 1].chars().collect();
            let n = scalar.chars().count();
            let written: String = chars[col - 1..].iter().take(n).collect();
            if written != scalar {
                continue; // a plain scalar folded over several lines
            }
            if !seen.insert((lines[line - 1].to_string(), col)) {
                continue;
            }
            // A key quoted is the same key to both; only its letter case can matter (`EN:`).
            let respellings = if key {
                vec![scalar.to_uppercase()]
            } else {
                spellings(&scalar)
            };
            for respelt in respellings {
                let edited: String = chars[..col - 1]
                    .iter()
                    .copied()
                    .chain(respelt.chars())
                    .chain(chars[col - 1 + n..].iter().copied())
                    .collect();
                let mut all: Vec<&str> = lines.clone();
                all[line - 1] = &edited;
                let mutated = all.join("\n") + "\n";
                if !parser_problems(&mutated).is_empty() {
                    refused += 1;
                    continue;
                }
                accepted += 1;
                for version in [Yaml::V1_2, Yaml::V1_1] {
                    let errs = errors(&v, &json_of(&mutated, version));
                    assert!(
                        errs.is_empty(),
                        "{name}:{line}:{col} {scalar:?} written {respelt:?} ({version:?}): the parser accepts it, the schema refuses it: {errs:#?}"
                    );
                }
            }
        }
    }
    // Both kinds are many: the respellings are not all refused, nor all trivially accepted.
    assert!(
        accepted > 300 && refused > 300,
        "{accepted} accepted, {refused} refused"
    );
}

/// Beyond keys, the forms the schema refuses with the parser (each refused by both, at the
/// same mapping): an editor flags these too while HR types.
#[test]
fn other_mistakes_the_schema_refuses_with_the_parser() {
    let v = validator();
    // The preset as written before the catalogue: it has metric definitions to get wrong.
    let t = std::fs::read_to_string(crate_path(
        "tests/fixtures/presets-before-catalogue/transactional.yaml",
    ))
    .unwrap();
    let cases = [
        (
            "a formula that is also an aggregation",
            edit(
                &t,
                "sum: deals.amount",
                "sum: deals.amount\n    formula: deals_won * 2",
            ),
        ),
        (
            "a metric with no aggregation",
            edit(&t, "sum: deals.amount", "description: revenue"),
        ),
        (
            "a metric name in capitals",
            edit(&t, "revenue:", "Revenue:"),
        ),
        (
            "a bare max_total",
            edit(&t, "currency: KZT", "currency: KZT\nmax_total: 1.5"),
        ),
        (
            "a guarantee without its share",
            edit(
                &t,
                "currency: KZT",
                "currency: KZT\nguarantee: { months: 25 }",
            ),
        ),
        (
            "a curve without segments",
            edit(
                &t,
                "prorate: yes",
                "prorate: yes\n    curve: { threshold: 80%, cap: 130% }",
            ),
        ),
        (
            "observed both ways",
            edit(
                &t,
                "prorate: yes",
                "prorate: yes\n    observe: yes\n    observe_until: 2027-01",
            ),
        ),
        (
            "a formula with a scope",
            edit(
                &t,
                "average_deal: revenue / deals_won",
                "average_deal: { formula: revenue / deals_won, scope: team }",
            ),
        ),
        (
            "a scope that is not",
            edit(&t, "count: deals", "count: deals\n    scope: teams"),
        ),
        (
            "ranking misspelt",
            edit(&t, "currency: KZT", "currency: KZT\nranking: palce"),
        ),
        (
            "better misspelt",
            edit(&t, "prorate: yes", "prorate: yes\n    better: lowr"),
        ),
        (
            "a yes/no that is not",
            edit(&t, "prorate: yes", "prorate: sometimes"),
        ),
        (
            "a KPI without id",
            edit(&t, "- id: revenue", "- prorate: no"),
        ),
        (
            "a list for a target",
            edit(&t, "target: 600", "target: [600]"),
        ),
        (
            "a mapping among values",
            edit(&t, "status: won", "status: [won, { lost: yes }]"),
        ),
    ];
    let mut report = String::new();
    for (what, text) in &cases {
        let problems = parser_problems(text);
        assert!(!problems.is_empty(), "{what}: the parser accepts it");
        let errs = errors(&v, &json_of(text, Yaml::V1_2));
        assert!(!errs.is_empty(), "{what}: the schema accepts it");
        report += &format!("## {what}\nschema:\n");
        for e in errs {
            report += &format!("  {e}\n");
        }
        report += "parser:\n";
        for p in problems {
            report += &format!("  {p}\n");
        }
    }
    insta::assert_snapshot!(report);
}
