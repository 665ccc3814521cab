//! A YAML document as a tree of nodes that remember where they were written.
//!
//! Scheme files need two things serde-driven YAML deserializers do not give together: the exact
//! text of every scalar (so `weight: 0.15` is the decimal 0.15, never a float) and the
//! line:column of every node (so a wrong metric name deep in a filter is reported where it is).
//! We read the event stream of `granit-parser` (the parser behind serde-saphyr) into this small
//! tree and convert it to validated scheme types in `scheme::parse`.
//!
//! A scheme file is held to the limits of `data::limits`: its size, the number of nodes once
//! aliases are expanded (an alias is a copy of its anchor's subtree, so a few lines of
//! "billion laughs" would otherwise grow without bound), and how deeply lists and mappings nest
//! (the tree is dropped and walked recursively, so depth must be bounded to keep the stack safe).
//! Each is reported at the place it is exceeded, as what was found against the limit.

use crate::data::limits::{self, grouped};
use granit_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;
use std::fmt;

/// A position in a YAML file, both 1-based, as editors show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A scalar's text exactly as written (quotes removed). `plain` is false for quoted scalars.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Keys in file order. Duplicate keys are rejected while parsing.
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub pos: Pos,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A plain scalar that YAML would read as null (`~`, `null`, or nothing at all).
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { text, plain: true } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// What kind of node this is, in words, for error messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Scalar { text, .. } => crate::data::limits::quote(text),
            Kind::Seq(_) => "a list".to_string(),
            Kind::Map(_) => "a mapping".to_string(),
        }
    }
}

/// A YAML syntax error with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

fn pos_of(marker: &granit_parser::Marker) -> Pos {
    Pos {
        line: marker.line(),
        col: marker.col() + 1,
    }
}

/// Parses one YAML document into a node tree. An empty document is an empty mapping.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    if text.len() as u64 > limits::SCHEME_BYTES {
        return Err(SyntaxError {
            pos: Pos { line: 1, col: 1 },
            message: too_large(text.len() as u64),
        });
    }
    let mut parser = Parser::new_from_str(text);
    // Each anchor's node with the number of nodes in it.
    let mut anchors: HashMap<usize, (Node, usize)> = HashMap::new();
    // Stack of collections being built: (node under construction, pending key for maps,
    // anchor, nodes in it so far).
    enum Frame {
        Seq(Pos, Vec<Node>, usize, usize),
        // The last field: where each key was first written (a hash map, so that a mapping of
        // tens of thousands of keys is checked for duplicates in linear time).
        Map(
            Pos,
            Vec<(Node, Node)>,
            Option<Node>,
            usize,
            usize,
            HashMap<String, Pos>,
        ),
    }
    // Nodes in the document so far, aliases counted as the nodes they copy.
    let mut total: usize = 0;
    // `new` nodes are added to the document (a collection's children were counted as they came,
    // so its end adds only itself); `n` is the size the parent collection grows by.
    let mut count =
        |stack: &mut [Frame], pos: Pos, new: usize, n: usize| -> Result<(), SyntaxError> {
            total = total.saturating_add(new);
            if total > limits::YAML_NODES {
                return Err(SyntaxError {
                    pos,
                    message: format!(
                        "the document has too many values once aliases (*name) are expanded: \
                     found {} against the limit of {}",
                        grouped(total as u64),
                        grouped(limits::YAML_NODES as u64)
                    ),
                });
            }
            if let Some(Frame::Seq(.., size) | Frame::Map(.., size, _)) = stack.last_mut() {
                *size += n;
            }
            Ok(())
        };
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0;

    // Adds a finished node to the innermost collection (or makes it the root).
    fn push(stack: &mut [Frame], root: &mut Option<Node>, node: Node) -> Result<(), SyntaxError> {
        match stack.last_mut() {
            None => {
                *root = Some(node);
                Ok(())
            }
            Some(Frame::Seq(_, items, ..)) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map(_, entries, pending, _, _, keys)) => match pending.take() {
                None => {
                    if !matches!(node.kind, Kind::Scalar { .. }) {
                        return Err(SyntaxError {
                            pos: node.pos,
                            message: "a mapping key must be a plain name".to_string(),
                        });
                    }
                    let key = node.as_str().unwrap_or_default().to_string();
                    if let Some(first) = keys.get(&key) {
                        return Err(SyntaxError {
                            pos: node.pos,
                            message: format!(
                                "key {} is written twice (first at {})",
                                node.describe(),
                                first
                            ),
                        });
                    }
                    keys.insert(key, node.pos);
                    *pending = Some(node);
                    Ok(())
                }
                Some(key) => {
                    entries.push((key, node));
                    Ok(())
                }
            },
        }
    }

    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| SyntaxError {
            pos: pos_of(e.marker()),
            message: e.info().to_string(),
        })?;
        let pos = pos_of(&span.start);
        match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Err(SyntaxError {
                        pos,
                        message: "a scheme file holds one YAML document; remove the second `---`"
                            .to_string(),
                    });
                }
            }
            Event::Scalar(value, style, anchor, _tag) => {
                let node = Node {
                    kind: Kind::Scalar {
                        text: value.to_string(),
                        plain: matches!(style, ScalarStyle::Plain),
                    },
                    pos,
                };
                count(&mut stack, pos, 1, 1)?;
                if anchor > 0 {
                    anchors.insert(anchor, (node.clone(), 1));
                }
                push(&mut stack, &mut root, node)?;
            }
            Event::SequenceStart(_, anchor, _) | Event::MappingStart(_, anchor, _) => {
                if stack.len() >= limits::YAML_DEPTH {
                    return Err(SyntaxError {
                        pos,
                        message: format!(
                            "lists and mappings nest too deeply: found depth {} against the \
                             limit of {}",
                            stack.len() + 1,
                            limits::YAML_DEPTH
                        ),
                    });
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq(pos, Vec::new(), anchor, 0)
                } else {
                    Frame::Map(pos, Vec::new(), None, anchor, 0, HashMap::new())
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor, size) = match stack.pop() {
                    Some(Frame::Seq(p, items, a, n)) => (
                        Node {
                            kind: Kind::Seq(items),
                            pos: p,
                        },
                        a,
                        n + 1,
                    ),
                    Some(Frame::Map(p, entries, _, a, n, _)) => (
                        Node {
                            kind: Kind::Map(entries),
                            pos: p,
                        },
                        a,
                        n + 1,
                    ),
                    None => continue,
                };
                let at = node.pos;
                count(&mut stack, at, 1, size)?;
                if anchor > 0 {
                    anchors.insert(anchor, (node.clone(), size));
                }
                push(&mut stack, &mut root, node)?;
            }
            Event::Alias(id) => {
                let size = anchors
                    .get(&id)
                    .map(|(_, n)| *n)
                    .ok_or_else(|| SyntaxError {
                        pos,
                        message: "unknown alias".to_string(),
                    })?;
                // Counted before it is copied, so an alias bomb stops before it grows.
                count(&mut stack, pos, size, size)?;
                let node = anchors[&id].0.clone();
                push(&mut stack, &mut root, Node { pos, ..node })?;
            }
            _ => {}
        }
    }
    Ok(root.filter(|n| !n.is_null()).unwrap_or(Node {
        kind: Kind::Map(Vec::new()),
        pos: Pos { line: 1, col: 1 },
    }))
}

fn too_large(size: u64) -> String {
    format!(
        "the file is {}, against the limit of {} for a scheme file",
        limits::bytes(size),
        limits::bytes(limits::SCHEME_BYTES)
    )
}

/// Reads a scheme file, refusing anything but a regular file and holding it to the size limit.
pub fn read_file(file: &std::path::Path) -> Result<String, String> {
    read_text(file, "the scheme")
}

/// Reads a YAML file (`what` names it in messages: "the scheme", "the mapping"), held to the
/// same size limit as a scheme.
pub fn read_text(file: &std::path::Path, what: &str) -> Result<String, String> {
    use std::io::Read;
    let meta = std::fs::metadata(file).map_err(|e| format!("cannot read {what}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("cannot read {what}: this is not a regular file"));
    }
    if meta.len() > limits::SCHEME_BYTES {
        return Err(too_large(meta.len()));
    }
    let mut text = String::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(limits::SCHEME_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| format!("cannot read {what}: {e}"))?;
    if text.len() as u64 > limits::SCHEME_BYTES {
        return Err(too_large(text.len() as u64));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_scalar_text_and_positions() {
        let doc = parse("name: X\nkpis:\n  - weight: 0.15\n    target: '8'\n").unwrap();
        let Kind::Map(entries) = &doc.kind else {
            panic!()
        };
        assert_eq!(entries[0].0.as_str(), Some("name"));
        assert_eq!(entries[0].1.pos, Pos { line: 1, col: 7 });
        let Kind::Seq(items) = &entries[1].1.kind else {
            panic!()
        };
        let Kind::Map(kpi) = &items[0].kind else {
            panic!()
        };
        assert_eq!(kpi[0].1.as_str(), Some("0.15"));
        assert_eq!(kpi[0].1.pos, Pos { line: 3, col: 13 });
        assert_eq!(
            kpi[1].1.kind,
            Kind::Scalar {
                text: "8".into(),
                plain: false
            }
        );
    }

    #[test]
    fn rejects_duplicate_keys_with_both_places() {
        let err = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(err.pos, Pos { line: 3, col: 1 });
        assert_eq!(err.message, "key \"a\" is written twice (first at 1:1)");
    }

    #[test]
    fn reports_syntax_errors_with_position() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.pos.line >= 1, "{err:?}");
    }

    #[test]
    fn resolves_aliases() {
        let doc = parse("x: &c {a: 1}\ny: *c\n").unwrap();
        let Kind::Map(entries) = &doc.kind else {
            panic!()
        };
        assert!(matches!(entries[1].1.kind, Kind::Map(_)));
    }
}
