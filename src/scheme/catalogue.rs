//! The catalogue of named metrics (`catalogue.yaml`): the practice's KPIs, defined in the scheme
//! language and documented like a linter's rules, usable in any scheme by name.
//!
//! A scheme that names a metric it does not define — in a KPI's `metric:` or in a formula — gets
//! the catalogue's definition (and those of the catalogue metrics that one uses); a scheme's own
//! definition of a name always wins. `incentive metrics` lists the entries.

use crate::yaml::{self, Kind, Node};
use std::collections::BTreeSet;

/// The catalogue, in the scheme language.
pub const TEXT: &str = include_str!("catalogue.yaml");

/// The groups, in the order they are listed.
pub const GROUPS: [&str; 4] = ["activity", "conversion", "results", "quality"];

/// One documented entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub group: String,
    pub measures: String,
    pub why: String,
    pub gaming: String,
    pub resists: String,
    pub benchmark: String,
    /// The definition exactly as the catalogue writes it.
    pub definition: String,
}

fn entries_of<'a>(node: &'a Node, key: &str) -> &'a [(Node, Node)] {
    match &node.kind {
        Kind::Map(top) => top
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .and_then(|(_, v)| match &v.kind {
                Kind::Map(e) => Some(e.as_slice()),
                _ => None,
            })
            .unwrap_or(&[]),
        _ => &[],
    }
}

/// The catalogue parsed (a test proves it parses and every entry is valid).
pub fn root() -> Option<Node> {
    yaml::parse(TEXT).ok()
}

/// Where the catalogue's lines start in the positions of a scheme that pulls its definitions:
/// a problem found in a definition the scheme took from the catalogue is then reported at
/// catalogue.yaml's own line, not at a line of the scheme file.
pub const LINE_BASE: usize = 1_000_000_000;

/// The catalogue parsed with its lines moved by [`LINE_BASE`], for splicing into a scheme.
pub fn root_for_schemes() -> Option<Node> {
    fn shift(n: &mut Node) {
        n.pos.line += LINE_BASE;
        match &mut n.kind {
            Kind::Map(entries) => {
                for (k, v) in entries {
                    shift(k);
                    shift(v);
                }
            }
            Kind::Seq(items) => items.iter_mut().for_each(shift),
            Kind::Scalar { .. } => {}
        }
    }
    let mut root = root()?;
    shift(&mut root);
    Some(root)
}

/// A position of a definition spliced by [`root_for_schemes`], as catalogue.yaml's own
/// line and column; None for a position in the scheme itself.
pub fn own_position(line: usize, col: usize) -> Option<String> {
    line.checked_sub(LINE_BASE)
        .map(|l| format!("the catalogue's definition at src/scheme/catalogue.yaml:{l}:{col}"))
}

/// The names of every catalogue metric, for "did you mean" when a scheme names an unknown one.
pub fn names() -> Vec<String> {
    root()
        .map(|r| {
            definitions(&r)
                .iter()
                .filter_map(|(k, _)| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The definitions: (name, definition node) of `root`.
pub fn definitions(root: &Node) -> &[(Node, Node)] {
    entries_of(root, "metrics")
}

/// Every documented entry, in the catalogue's order.
pub fn entries() -> Vec<Entry> {
    let Some(root) = root() else {
        return Vec::new();
    };
    let lines: Vec<&str> = TEXT.lines().collect();
    let defs = definitions(&root);
    entries_of(&root, "docs")
        .iter()
        .map(|(k, v)| {
            let name = k.as_str().unwrap_or("").to_string();
            let field = |f: &str| -> String {
                match &v.kind {
                    Kind::Map(e) => e
                        .iter()
                        .find(|(k, _)| k.as_str() == Some(f))
                        .and_then(|(_, v)| v.as_str())
                        .unwrap_or("")
                        .to_string(),
                    _ => String::new(),
                }
            };
            let definition = defs
                .iter()
                .find(|(d, _)| d.as_str() == Some(name.as_str()))
                .map(|(d, _)| definition_text(&lines, d.pos.line))
                .unwrap_or_default();
            Entry {
                group: field("group"),
                measures: field("measures"),
                why: field("why"),
                gaming: field("gaming"),
                resists: field("resists"),
                benchmark: field("benchmark"),
                definition,
                name,
            }
        })
        .collect()
}

/// The catalogue's lines of the definition whose key is on `line` (1-based): that line and the
/// more deeply indented ones after it.
fn definition_text(lines: &[&str], line: usize) -> String {
    let Some(first) = lines.get(line.saturating_sub(1)) else {
        return String::new();
    };
    let indent = first.len() - first.trim_start().len();
    let mut out = vec![first.trim_start().to_string()];
    for l in lines.iter().skip(line) {
        let this = l.len() - l.trim_start().len();
        if l.trim().is_empty() || this <= indent {
            break;
        }
        out.push(l[indent..].to_string());
    }
    out.join("\n")
}

/// The lower-case identifiers of a formula's text (an over-approximation of the metric names
/// it uses: only catalogue names the scheme does not define are pulled in).
fn identifiers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_lowercase() || c == '_' || (c.is_ascii_digit() && !current.is_empty()) {
            current.push(c);
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    out
}

/// The names a metric definition refers to: a bare formula's or `formula:`'s identifiers.
fn referred(def: &Node) -> Vec<String> {
    match &def.kind {
        Kind::Scalar { text, .. } => identifiers(text),
        Kind::Map(e) => e
            .iter()
            .find(|(k, _)| k.as_str() == Some("formula"))
            .and_then(|(_, v)| v.as_str())
            .map(identifiers)
            .unwrap_or_default(),
        Kind::Seq(_) => Vec::new(),
    }
}

/// The catalogue definitions a scheme needs: the names `used` (KPIs' metrics and the scheme's
/// formulas' identifiers) that the scheme does not `define`, and what those refer to in turn.
pub fn needed<'c>(
    catalogue: &'c [(Node, Node)],
    defined: &BTreeSet<String>,
    used: Vec<String>,
) -> Vec<(&'c Node, &'c Node)> {
    let mut wanted = used;
    let mut pulled: Vec<(&Node, &Node)> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    while let Some(name) = wanted.pop() {
        if defined.contains(&name) || !seen.insert(name.clone()) {
            continue;
        }
        if let Some((k, v)) = catalogue.iter().find(|(k, _)| k.as_str() == Some(&name)) {
            wanted.extend(referred(v));
            pulled.push((k, v));
        }
    }
    // In the catalogue's order, so that a scheme's metrics are listed the same way every time.
    pulled.sort_by_key(|(k, _)| (k.pos.line, k.pos.col));
    pulled
}

/// The names used by a scheme's own metric definitions and KPIs (see [`needed`]).
pub fn used_by(metrics: &[(&Node, &Node)], kpis: Option<&Node>) -> Vec<String> {
    let mut used: Vec<String> = metrics.iter().flat_map(|(_, v)| referred(v)).collect();
    if let Some(Kind::Seq(items)) = kpis.map(|k| &k.kind) {
        for item in items {
            if let Kind::Map(e) = &item.kind
                && let Some(m) = e
                    .iter()
                    .find(|(k, _)| k.as_str() == Some("metric"))
                    .and_then(|(_, v)| v.as_str())
            {
                used.push(m.trim().to_string());
            }
        }
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_definition_is_documented_and_every_entry_defined() {
        let root = root().expect("the catalogue parses");
        let defs: Vec<&str> = definitions(&root)
            .iter()
            .map(|(k, _)| k.as_str().unwrap())
            .collect();
        let entries = entries();
        let docs: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(defs, docs, "the same names, in the same order");
        for e in &entries {
            assert!(
                GROUPS.contains(&e.group.as_str()),
                "{}: group {}",
                e.name,
                e.group
            );
            for (what, text) in [
                ("measures", &e.measures),
                ("why", &e.why),
                ("gaming", &e.gaming),
                ("resists", &e.resists),
                ("benchmark", &e.benchmark),
                ("definition", &e.definition),
            ] {
                assert!(!text.is_empty(), "{}: no {what}", e.name);
            }
            assert!(e.definition.starts_with(&format!("{}:", e.name)));
        }
    }

    #[test]
    fn a_formula_pulls_in_what_it_uses() {
        let root = root().unwrap();
        let defined: BTreeSet<String> = ["revenue".to_string()].into();
        let names: Vec<&str> = needed(definitions(&root), &defined, vec!["average_deal".into()])
            .iter()
            .map(|(k, _)| k.as_str().unwrap())
            .collect();
        // average_deal = revenue / deals_won: revenue is the scheme's own.
        assert_eq!(names, ["deals_won", "average_deal"]);
        assert_eq!(identifiers("(a_1 - b) / c2 * 100"), ["a_1", "b", "c2"]);
    }
}
#[cfg(test)]
mod syntax {
    /// Says where, when the catalogue is not valid YAML (the other tests only see `None`).
    #[test]
    fn the_catalogue_is_valid_yaml() {
        match crate::yaml::parse(super::TEXT) {
            Ok(_) => {}
            Err(e) => panic!("{}:{} {}", e.pos.line, e.pos.col, e.message),
        }
    }
}
