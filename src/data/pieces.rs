//! One large .xlsx sheet parsed on several threads at once: its XML is unpacked on one thread
//! and cut into pieces just before a row, the pieces are parsed by calamine on the others, and
//! their cells are handed over in the sheet's order: the cells one reader gives, in its order.
//!
//! The pieces are parsed at once, so a later piece is parsed as if it started between two
//! rows ([`BETWEEN_ROWS`]), and taken only when the piece before it did end there, and when it
//! holds nothing a fresh reader could read otherwise than the one reader would
//! (`Xlsx::worksheet_cells_reader_of_piece` in the vendored calamine says what). Anything else
//! (a piece calamine cannot read, a cut inside a comment, a shared formula, a row longer than
//! [`PIECE_MOST`] pieces) sends the sheet back to one reader, which skips the cells already
//! handed over and goes on from there: its cells, and the problem that stops it, are then the
//! one reader's by construction.

use super::source::{Cells, Xlsx, nothing_within_limits};
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};

/// A sheet's XML is cut into pieces of about this many bytes, each just before a row, when
/// its part unpacks (as the archive declares) to at least [`PIECES_LEAST`] of them: a smaller
/// sheet is read by one reader.
pub const PIECE_BYTES: usize = 256 << 10;
const PIECES_LEAST: u64 = 16;

/// A piece that reaches this many times its size without a place to cut ends the cutting (a
/// row that long is read by one reader).
const PIECE_MOST: usize = 64;

/// At most this many pieces are cut and not yet handed over: what the cutting holds is
/// bounded (each piece's XML and its cells, about 1.5 MB at [`PIECE_BYTES`]).
const PIECES_AHEAD: usize = 3;

/// Room made in a new batch of a piece's cells, so that it does not grow cell by cell (the
/// calls of the bench month are about 7 000 cells a piece).
const CELLS_PER_PIECE: usize = 8 << 10;

/// What the taking side says of the cells handed to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Hand on.
    Go,
    /// It found a problem with the sheet: stop reading it.
    Abandoned,
    /// It is gone (a problem elsewhere, or a panic): stop everything.
    Gone,
}

/// How many elements are open between two rows of a sheet: the worksheet and its sheetData.
/// A later piece is parsed from this depth, and taken only when the piece before it ended at
/// it, so that it is parsed as a single reader would have: pieces are parsed at once, before
/// the depth where the one before ends is known.
const BETWEEN_ROWS: usize = 2;

/// How [`read_in_pieces`] parses: on `workers` threads, in pieces of about `piece_bytes`.
#[derive(Debug, Clone, Copy)]
pub struct Split {
    pub workers: usize,
    pub piece_bytes: usize,
}

/// How [`read_in_pieces`] ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Pieces {
    /// The sheet's data ended: every cell was handed over.
    Read {
        /// The pieces it was parsed in.
        pieces: usize,
    },
    /// The taking side said to stop.
    Stopped(Flow),
    /// The sheet is to be read by one reader, skipping the first `skip` cells calamine gives
    /// (they were handed over, or held nothing): it was too small to cut (`skip` 0), or a piece
    /// could not be taken.
    Whole {
        skip: usize,
        /// The pieces taken before.
        pieces: usize,
    },
}

/// A piece as the cutting thread hands it on.
struct Cut {
    index: usize,
    /// The piece's XML, or None when the part could not be unpacked or cut there.
    xml: Option<Vec<u8>>,
    /// Whether the part ends with it.
    last: bool,
}

/// How a piece's parse ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// At the end of what the part holds (`sheetData`, the shared strings' `sst`): it ends in
    /// this piece.
    Complete,
    /// At the end of the piece; `follows` when the next piece may follow it (it ended where
    /// the next is parsed from).
    RanOut { follows: bool },
    /// The piece cannot be taken.
    Unusable,
}

/// A piece parsed: what it gave, how many items calamine gave (those left out included), and
/// how it ended.
struct Parsed<T> {
    value: T,
    given: usize,
    end: End,
}

impl<T: Default> Parsed<T> {
    fn unusable() -> Self {
        Parsed {
            value: T::default(),
            given: 0,
            end: End::Unusable,
        }
    }
}

/// Reads `sheet` from `zip` in pieces, on `split.workers` threads beside this one and one
/// cutting, handing its cells to `hand` in the sheet's order (the cells holding nothing within
/// the sheet's limits left out, as a single reader's batching does). `spare` gives back the
/// batches handed over, to be filled again. Returns what is left to do.
pub fn read_in_pieces<'x>(
    xlsx: &'x Xlsx,
    zip: &mut super::source::Archive<'_>,
    sheet: &str,
    place: &str,
    split: Split,
    spare: &Receiver<Cells<'x>>,
    hand: &mut dyn FnMut(Cells<'x>) -> Flow,
) -> Pieces {
    let Ok(mut part) = xlsx.worksheet_xml_in(zip, sheet) else {
        return Pieces::Whole { skip: 0, pieces: 0 }; // the single reader says why
    };
    let size = part.size();
    // Batches to fill, shared by the workers.
    let (cells_tx, cells_rx) = channel::<Cells<'x>>();
    let cells_rx = Mutex::new(cells_rx);
    let parse = |xml: &[u8], first: bool| {
        let cells = cells_rx
            .lock()
            .ok()
            .and_then(|rx| rx.try_recv().ok())
            .unwrap_or_else(|| Vec::with_capacity(CELLS_PER_PIECE));
        parse_cells(xlsx, xml, first, place, cells)
    };
    let mut take = |cells: Cells<'x>| {
        let flow = if cells.is_empty() {
            let _ = cells_tx.send(cells);
            Flow::Go
        } else {
            hand(cells)
        };
        while let Ok(batch) = spare.try_recv() {
            let _ = cells_tx.send(batch);
        }
        flow
    };
    in_pieces(&mut part, size, split, ROW_TAG, &parse, &mut take)
}

/// The start of a shared string as every writer of xlsx writes it.
const SI_TAG: &[u8] = b"<si>";

/// How many elements are open between two shared strings: their `sst`.
const BETWEEN_STRINGS: usize = 1;

/// The shared strings of the workbook `file`, from its part named `part`, parsed in pieces on
/// `split.workers` threads, and how many pieces; None when calamine is to read them (the part
/// is too small to cut or cannot be found, or a piece cannot be taken): the strings are then
/// calamine's, and so is any problem with them.
pub fn shared_strings_in_pieces(
    file: &std::fs::File,
    part: &str,
    split: Split,
) -> Option<(Vec<String>, usize)> {
    let mut zip = super::source::second_archive(file)?;
    let mut xml = zip.by_name(part).ok()?;
    let size = xml.size();
    let parse = |xml: &[u8], first: bool| -> Parsed<(Vec<String>, Option<usize>)> {
        if !first && holds_markup(xml) {
            return Parsed::unusable();
        }
        match calamine::shared_strings_of_piece(xml, (!first).then_some(BETWEEN_STRINGS)) {
            Ok(piece) => Parsed {
                given: piece.strings.len(),
                value: (piece.strings, piece.unique_count),
                end: if piece.ran_out {
                    End::RanOut {
                        follows: piece.continues_at == Some(BETWEEN_STRINGS),
                    }
                } else {
                    End::Complete
                },
            },
            Err(_) => Parsed::unusable(),
        }
    };
    let mut strings = Vec::new();
    let mut take = |(mut piece, count): (Vec<String>, Option<usize>)| {
        // Room for the strings the first piece says there are, as calamine makes it (a string
        // takes at least the 9 bytes of `<si></si>`, whatever the count says), so that the
        // table is not grown, and copied, as the pieces come.
        if let Some(n) = count {
            strings.reserve(n.min((size / 9) as usize));
        }
        strings.append(&mut piece);
        Flow::Go
    };
    match in_pieces(&mut xml, size, split, SI_TAG, &parse, &mut take) {
        Pieces::Read { pieces } => Some((strings, pieces)),
        _ => None,
    }
}

/// Cuts `part` (of `size` bytes as the archive declares) before `tag` into pieces, parses them
/// with `parse` on `split.workers` threads and gives what each gave to `take` in order, as
/// long as each piece can be taken.
fn in_pieces<T: Send + Default>(
    part: &mut (impl Read + Send),
    size: u64,
    split: Split,
    tag: &'static [u8],
    parse: &(dyn Fn(&[u8], bool) -> Parsed<T> + Sync),
    take: &mut dyn FnMut(T) -> Flow,
) -> Pieces {
    let Split {
        workers,
        piece_bytes,
    } = split;
    if size < PIECES_LEAST * piece_bytes as u64 {
        return Pieces::Whole { skip: 0, pieces: 0 };
    }
    let (cut_tx, cut_rx) = channel::<Cut>();
    let (parsed_tx, parsed_rx) = channel::<(usize, Parsed<T>)>();
    let (token_tx, token_rx) = channel::<()>();
    for _ in 0..PIECES_AHEAD {
        let _ = token_tx.send(());
    }
    let (bytes_tx, bytes_rx) = channel::<Vec<u8>>();
    // Shared by the workers, which take the next piece in turn.
    let cut_rx = Mutex::new(cut_rx);
    std::thread::scope(|scope| {
        // This thread's ends of the channels are dropped when it returns, which stops the
        // cutting and then the workers, before the scope waits for them.
        let (parsed_rx, token_tx) = (parsed_rx, token_tx);
        scope.spawn(move || cut(part, tag, piece_bytes, &cut_tx, &token_rx, &bytes_rx));
        for _ in 0..workers.max(1) {
            let parsed_tx = parsed_tx.clone();
            let bytes_tx = bytes_tx.clone();
            let cut_rx = &cut_rx;
            scope.spawn(move || {
                loop {
                    let next = cut_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok(piece)) = next else { return };
                    let parsed = match piece.xml {
                        Some(xml) => {
                            let parsed = parse(&xml, piece.index == 0);
                            let _ = bytes_tx.send(xml);
                            parsed
                        }
                        None => Parsed::unusable(),
                    };
                    let parsed = if piece.last && parsed.end != End::Complete {
                        // The part ended before its content did: the single reader's problem.
                        Parsed {
                            end: End::Unusable,
                            ..parsed
                        }
                    } else {
                        parsed
                    };
                    if parsed_tx.send((piece.index, parsed)).is_err() {
                        return;
                    }
                }
            });
        }
        drop((parsed_tx, bytes_tx));
        let mut waiting: BTreeMap<usize, Parsed<T>> = BTreeMap::new();
        let mut next = 0;
        let mut given = 0;
        let mut follows = true;
        for (index, parsed) in parsed_rx.iter() {
            waiting.insert(index, parsed);
            while let Some(parsed) = waiting.remove(&next) {
                let follows_next = match parsed.end {
                    End::RanOut { follows } => follows,
                    End::Complete => true,
                    End::Unusable => false,
                };
                if !follows || parsed.end == End::Unusable {
                    return Pieces::Whole {
                        skip: given,
                        pieces: next,
                    };
                }
                given += parsed.given;
                next += 1;
                let flow = take(parsed.value);
                if flow != Flow::Go {
                    return Pieces::Stopped(flow);
                }
                if parsed.end == End::Complete {
                    return Pieces::Read { pieces: next };
                }
                follows = follows_next;
                let _ = token_tx.send(());
            }
        }
        // The workers stopped before the content ended (a worker panicked: the scope passes
        // the panic on); the single reader reads it again.
        Pieces::Whole {
            skip: given,
            pieces: next,
        }
    })
}

/// Unpacks `part` and cuts it into pieces of about `piece_bytes`, each cut just before `tag`
/// (see [`cut_at`]), handing each on once a token says there is room for it.
fn cut(
    part: &mut impl Read,
    tag: &[u8],
    piece_bytes: usize,
    pieces: &Sender<Cut>,
    tokens: &Receiver<()>,
    spare: &Receiver<Vec<u8>>,
) {
    let mut carry: Vec<u8> = Vec::new();
    for index in 0.. {
        if tokens.recv().is_err() {
            return; // the taking side is done
        }
        let mut xml = spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(2 * piece_bytes));
        xml.clear();
        xml.append(&mut carry);
        // Where the search for a place to cut starts: the new bytes (and a row tag's length
        // before them) are searched once each.
        let mut searched = 1;
        let (cut, last) = loop {
            let ended = match fill(part, &mut xml, piece_bytes) {
                Ok(ended) => ended,
                Err(()) => {
                    let _ = pieces.send(Cut {
                        index,
                        xml: None,
                        last: true,
                    });
                    return;
                }
            };
            if ended {
                break (xml.len(), true);
            }
            if let Some(at) = cut_at(&xml, tag, searched) {
                break (at, false);
            }
            if xml.len() >= PIECE_MOST * piece_bytes {
                let _ = pieces.send(Cut {
                    index,
                    xml: None,
                    last: true,
                });
                return;
            }
            searched = xml.len().saturating_sub(tag.len()).max(1);
        };
        carry.extend_from_slice(&xml[cut..]);
        xml.truncate(cut);
        if pieces
            .send(Cut {
                index,
                xml: Some(xml),
                last,
            })
            .is_err()
            || last
        {
            return;
        }
    }
}

/// Reads from `part` until `xml` holds `at_least` bytes more than it did, or the part ends
/// (true). Err when the part cannot be unpacked (the single reader words the problem).
fn fill(part: &mut impl Read, xml: &mut Vec<u8>, at_least: usize) -> Result<bool, ()> {
    let goal = xml.len() + at_least;
    while xml.len() < goal {
        let have = xml.len();
        xml.resize(goal, 0);
        match part.read(&mut xml[have..]) {
            Ok(0) => {
                xml.truncate(have);
                return Ok(true);
            }
            Ok(n) => xml.truncate(have + n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => xml.truncate(have),
            Err(_) => return Err(()),
        }
    }
    Ok(false)
}

/// The start of a row as Excel and every writer of xlsx write it.
const ROW_TAG: &[u8] = b"<row r=\"";

/// The last place in `xml`, at or after `from` (at least 1), where `tag` starts right after a
/// tag: with nothing but white space between it and the `>` before it. A place found
/// otherwise (inside a comment, an attribute's value) makes a piece that calamine cannot end
/// cleanly, so the part is read whole.
fn cut_at(xml: &[u8], tag: &[u8], from: usize) -> Option<usize> {
    let mut end = xml.len();
    while end > from {
        let at = from + memchr::memmem::rfind(&xml[from..end], tag)?;
        let before = xml[..at]
            .iter()
            .rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
        if before.is_some_and(|i| xml[i] == b'>') {
            return Some(at);
        }
        end = at + tag.len() - 1;
    }
    None
}

/// Whether a later piece holds what a fresh reader could read otherwise than after the
/// pieces before it: a declaration or processing instruction, a comment, CDATA.
fn holds_markup(xml: &[u8]) -> bool {
    memchr::memmem::find(xml, b"<?").is_some() || memchr::memmem::find(xml, b"<!").is_some()
}

/// Parses one piece of a sheet (the `first` from the XML's start) into its cells.
fn parse_cells<'x>(
    xlsx: &'x Xlsx,
    xml: &[u8],
    first: bool,
    place: &str,
    mut cells: Cells<'x>,
) -> Parsed<Cells<'x>> {
    cells.clear();
    let unusable = |value| Parsed {
        value,
        given: 0,
        end: End::Unusable,
    };
    if !first && holds_markup(xml) {
        return unusable(cells);
    }
    let depth = (!first).then_some(BETWEEN_ROWS);
    let Ok(mut reader) = xlsx.worksheet_cells_reader_of_piece(xml, depth) else {
        return unusable(cells);
    };
    let mut given = 0;
    loop {
        match reader.next_cell_with_formula() {
            Ok(Some(cell)) => {
                given += 1;
                if !nothing_within_limits(place, &cell) {
                    cells.push(cell);
                }
            }
            Ok(None) => break,
            Err(_) => return unusable(cells),
        }
    }
    if !first && reader.saw_shared_formula() {
        return unusable(cells);
    }
    let end = if reader.ran_out() {
        End::RanOut {
            follows: reader.continues_at() == Some(BETWEEN_ROWS),
        }
    } else {
        End::Complete
    };
    Parsed {
        value: cells,
        given,
        end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::source::{SheetEnd, parse_sheet, second_archive};
    use std::io::Write;

    #[test]
    fn a_cut_is_just_before_a_row_after_a_tag() {
        let xml = b"<sheetData><row r=\"1\"><c/></row>\n <row r=\"2\"></row><x a='<row r=\"3\"'/>";
        let at = cut_at(xml, ROW_TAG, 1).unwrap();
        assert_eq!(&xml[at..at + 12], b"<row r=\"2\"><");
        // Not at the very start: a piece is never empty.
        assert_eq!(cut_at(b"<row r=\"1\">", ROW_TAG, 1), None);
        // Only from `from` on.
        assert_eq!(cut_at(xml, ROW_TAG, at + 1), None);
        assert_eq!(cut_at(b"text <row r=\"1\">", ROW_TAG, 1), None);
    }

    /// A workbook of one sheet, "s", whose part is `xml`, with the shared strings "s0".."s9".
    fn book(xml: &[u8]) -> tempfile::NamedTempFile {
        let strings: String = (0..10).map(|i| format!("<si><t>s{i}</t></si>")).collect();
        book_of(
            xml,
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{strings}</sst>"#
            ),
        )
    }

    /// A workbook of one sheet, "s", whose part is `xml`, and the shared strings' part `sst`.
    fn book_of(xml: &[u8], sst: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file.reopen().unwrap()));
        let opt = zip::write::SimpleFileOptions::default();
        let mut put = |name: &str, bytes: &[u8]| {
            zip.start_file(name, opt).unwrap();
            zip.write_all(bytes).unwrap();
        };
        put(
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#,
        );
        put(
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        );
        put(
            "xl/workbook.xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        );
        put(
            "xl/_rels/workbook.xml.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        );
        put("xl/sharedStrings.xml", sst.as_bytes());
        put("xl/worksheets/sheet1.xml", xml);
        zip.finish().unwrap().flush().unwrap();
        file
    }

    /// `text` before row (or string) `row`, nothing elsewhere: what [`sheet`] and [`strings`]
    /// put between their entries.
    fn at(row: usize, text: impl Into<String>) -> impl Fn(usize) -> String {
        let text = text.into();
        move |i| {
            if i == row {
                text.clone()
            } else {
                String::new()
            }
        }
    }

    /// A sheet of `rows` rows of three cells (a shared string, a number, an inline text),
    /// `between(i)` written before row `i` (1-based).
    fn sheet(rows: usize, between: impl Fn(usize) -> String) -> Vec<u8> {
        let mut xml = String::from(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C9"/><sheetData>"#,
        );
        for i in 1..=rows {
            xml += &between(i);
            xml += &format!(
                r#"<row r="{i}" spans="1:3"><c r="A{i}" t="s"><v>{}</v></c><c r="B{i}"><v>{i}.25</v></c><c r="C{i}" t="inlineStr"><is><t>t&amp;{i}</t></is></c></row>"#,
                i % 10
            );
        }
        xml += "</sheetData><pageMargins left=\"0.7\"/></worksheet>";
        xml.into_bytes()
    }

    /// The sheet's cells as text and how the reading ended, through [`parse_sheet`] with
    /// pieces of `piece_bytes` (or by one reader), and what [`read_in_pieces`] alone did.
    fn read(file: &tempfile::NamedTempFile, piece_bytes: Option<usize>) -> (Vec<String>, String) {
        let xlsx: Xlsx = calamine::open_workbook(file.path()).unwrap();
        let handle = file.reopen().unwrap();
        let mut zip = second_archive(&handle).unwrap();
        let (spare_tx, spare) = channel();
        let mut cells = Vec::new();
        let end = parse_sheet(
            &xlsx,
            &mut zip,
            "s",
            "sheet",
            piece_bytes,
            &spare,
            |batch| {
                cells.extend(
                    batch
                        .iter()
                        .map(|c| format!("{:?} {:?} {:?}", c.pos, c.value, c.formula)),
                );
                let _ = spare_tx.send(Vec::new());
                Flow::Go
            },
        );
        let end = match end {
            SheetEnd::Done => "done".to_string(),
            SheetEnd::Stopped(p) => format!("stopped: {p}"),
            SheetEnd::Abandoned => "abandoned".to_string(),
            SheetEnd::Gone => "gone".to_string(),
        };
        (cells, end)
    }

    /// What [`read_in_pieces`] does with the sheet on its own, handing everything on.
    fn pieces(file: &tempfile::NamedTempFile, piece_bytes: usize) -> Pieces {
        let xlsx: Xlsx = calamine::open_workbook(file.path()).unwrap();
        let handle = file.reopen().unwrap();
        let mut zip = second_archive(&handle).unwrap();
        let (_spare_tx, spare) = channel();
        read_in_pieces(
            &xlsx,
            &mut zip,
            "s",
            "sheet",
            Split {
                workers: 2,
                piece_bytes,
            },
            &spare,
            &mut |_| Flow::Go,
        )
    }

    /// Reads `xml` in pieces of several sizes and by one reader: the same cells and the same
    /// end every time. Returns the one reader's end and what the pieces of 200 bytes did.
    fn same_in_pieces(xml: &[u8]) -> (String, Pieces) {
        let file = book(xml);
        let (cells, end) = read(&file, None);
        assert!(
            cells.len() > 100 || end.starts_with("stopped"),
            "{} cells: {end}",
            cells.len()
        );
        for piece_bytes in [64, 200, 333, 1000] {
            let (in_pieces, end_in_pieces) = read(&file, Some(piece_bytes));
            assert_eq!(end_in_pieces, end, "pieces of {piece_bytes}");
            assert!(in_pieces == cells, "pieces of {piece_bytes}: other cells");
        }
        (end, pieces(&file, 200))
    }

    #[test]
    fn a_plain_sheet_is_read_in_pieces() {
        let (end, how) = same_in_pieces(&sheet(400, |_| String::new()));
        assert_eq!(end, "done");
        assert!(
            matches!(how, Pieces::Read { pieces } if pieces > 200),
            "{how:?}"
        );
        // White space between rows, and cells without a reference, are cut as well.
        let xml = String::from_utf8(sheet(400, |_| "\n  ".to_string())).unwrap();
        let xml = xml.replace(r#"<c r="B"#, r#"<c x="B"#);
        let (end, how) = same_in_pieces(xml.as_bytes());
        assert_eq!(end, "done");
        assert!(matches!(how, Pieces::Read { .. }), "{how:?}");
        // Too small to cut: one reader.
        let file = book(&sheet(5, |_| String::new()));
        assert_eq!(pieces(&file, 200), Pieces::Whole { skip: 0, pieces: 0 });
    }

    /// What a piece's fresh reader could read otherwise than one reader does sends the sheet
    /// back to one reader from there: the same cells, the same end.
    #[test]
    fn what_could_read_otherwise_in_a_piece_is_read_by_one_reader() {
        let cases: Vec<(&str, Vec<u8>)> = vec![
            (
                "a row tag inside a comment",
                sheet(400, |i| match i % 7 {
                    0 => "<!-- a <row r=\"9\"> in a comment -->".into(),
                    _ => String::new(),
                }),
            ),
            (
                "a row tag inside an attribute's value",
                sheet(400, |i| match i % 9 {
                    0 => "<x a=\"> <row r=\"/>".into(),
                    _ => String::new(),
                }),
            ),
            (
                "a processing instruction",
                sheet(400, at(150, "<?pi <row r=\"1\"> ?>")),
            ),
            (
                "an element left open between rows",
                sheet(400, at(150, "<x>")),
            ),
            (
                "an end with no element open for it, one reader reading on",
                sheet(400, at(150, "</x>")),
            ),
            (
                "a row longer than 64 pieces",
                sheet(400, at(150, format!("<x>{}</x>", "y".repeat(100_000)))),
            ),
        ];
        for (case, xml) in cases {
            let (end, how) = same_in_pieces(&xml);
            assert_eq!(end, "done", "{case}");
            assert!(
                matches!(how, Pieces::Whole { skip, pieces } if skip > 0 && pieces > 0),
                "{case}: {how:?}"
            );
        }
    }

    /// A shared formula's anchor in one piece and the cells derived from it in later ones:
    /// the formulas are translated as one reader translates them.
    #[test]
    fn shared_formulas_are_read_by_one_reader() {
        let xml = String::from_utf8(sheet(400, |_| String::new())).unwrap();
        let xml = xml.replacen(
            r#"<c r="B3"><v>3.25</v></c>"#,
            r#"<c r="B3"><f t="shared" ref="B3:B400" si="0">A3*2</f><v>3.25</v></c>"#,
            1,
        );
        let xml = (4..=400).fold(xml, |xml, i| {
            xml.replacen(
                &format!(r#"<c r="B{i}"><v>"#),
                &format!(r#"<c r="B{i}"><f t="shared" si="0"/><v>"#),
                1,
            )
        });
        let (end, how) = same_in_pieces(xml.as_bytes());
        assert_eq!(end, "done");
        assert!(matches!(how, Pieces::Whole { .. }), "{how:?}");
        let (cells, _) = read(&book(xml.as_bytes()), Some(200));
        assert!(
            cells.iter().any(|c| c.contains("Some(\"A399*2\")")),
            "{cells:?}"
        );
    }

    /// A sheet that calamine stops on part way: the same cells before, the same problem.
    #[test]
    fn a_problem_in_a_later_piece_is_the_one_readers_problem() {
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            (
                "an unreadable cell",
                sheet(
                    400,
                    at(300, r#"<row r="300"><c r="A300" t="zz"><v>1</v></c></row>"#),
                ),
                "zz",
            ),
            (
                "more ends than elements open",
                sheet(400, at(300, "</x></x></x>")),
                "does not match any open tag",
            ),
            (
                "a sheet declared in windows-1251, which calamine does not decode",
                {
                    let xml = String::from_utf8(sheet(400, |_| String::new())).unwrap();
                    let xml = xml
                        .replacen("encoding=\"UTF-8\"", "encoding=\"windows-1251\"", 1)
                        .replace(r#"t="inlineStr"><is><t>t&amp;"#, r#"t="str"><v>тест "#)
                        .replace("</t></is></c>", "</v></c>");
                    encoding_rs::WINDOWS_1251.encode(&xml).0.into_owned()
                },
                "cannot decode input using UTF-8",
            ),
            (
                "a sheet cut short",
                {
                    let mut xml = sheet(400, |_| String::new());
                    xml.truncate(xml.len() - 200);
                    xml
                },
                "",
            ),
        ];
        for (case, xml, says) in cases {
            let (end, _) = same_in_pieces(&xml);
            assert!(
                end.starts_with("stopped: ") && end.contains(says),
                "{case}: {end}"
            );
        }
    }

    /// Shared strings of `n` entries (plain, rich text in runs, with a phonetic reading,
    /// escaped), `between(i)` written before entry `i`.
    fn strings(n: usize, between: impl Fn(usize) -> String) -> String {
        let mut sst = String::from(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="9" uniqueCount="9">"#,
        );
        for i in 0..n {
            sst += &between(i);
            sst += &match i % 4 {
                0 => format!("<si><t>plain {i}</t></si>"),
                1 => format!("<si><r><rPr><b/></rPr><t>rich </t></r><r><t>{i}</t></r></si>"),
                2 => format!("<si><t>base {i}</t><rPh sb=\"0\" eb=\"1\"><t>reading</t></rPh></si>"),
                _ => format!("<si><t xml:space=\"preserve\"> a &amp; b &lt;{i}&gt; </t></si>"),
            };
        }
        sst + "</sst>"
    }

    /// Reads the cells of a sheet that refers to each of the `n` strings, the workbook opened
    /// with its strings in pieces of `piece_bytes` (when taken: returned) and as calamine opens
    /// it: the same cells, or the same problem opening it.
    fn same_strings(sst: &str, n: usize) -> Option<usize> {
        let mut xml = String::from(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
        );
        for i in 0..n {
            xml += &format!(
                r#"<row r="{}"><c r="A{}" t="s"><v>{i}</v></c></row>"#,
                i + 1,
                i + 1
            );
        }
        xml += "</sheetData></worksheet>";
        let file = book_of(xml.as_bytes(), sst);
        let cells = |xlsx: Result<Xlsx, calamine::XlsxError>| -> Result<Vec<String>, String> {
            let mut xlsx = xlsx.map_err(|e| e.to_string())?;
            let mut reader = xlsx
                .worksheet_cells_reader("s")
                .map_err(|e| e.to_string())?;
            let mut cells = Vec::new();
            while let Some(c) = reader.next_cell().map_err(|e| e.to_string())? {
                cells.push(format!("{:?}", c.get_value()));
            }
            Ok(cells)
        };
        let plain = cells(calamine::open_workbook(file.path()));
        let mut taken = None;
        let handle = file.reopen().unwrap();
        let reader = std::io::BufReader::new(file.reopen().unwrap());
        let in_pieces = cells(Xlsx::new_with_shared_strings(reader, |part| {
            let split = Split {
                workers: 2,
                piece_bytes: 100,
            };
            let (strings, pieces) = shared_strings_in_pieces(&handle, part, split)?;
            taken = Some(pieces);
            Some(strings)
        }));
        assert_eq!(in_pieces, plain);
        if let Ok(cells) = &plain {
            assert_eq!(cells.len(), n);
        }
        taken
    }

    #[test]
    fn shared_strings_are_read_in_pieces_as_calamine_reads_them() {
        let taken = same_strings(&strings(300, |_| "\n".into()), 300);
        assert!(taken.is_some_and(|p| p > 50), "{taken:?}");
        // What a later piece could read otherwise, or a problem in it: calamine reads them.
        for (case, row, text) in [
            ("a comment", 150, "<!-- <si> -->"),
            ("an element left open", 150, "<x>"),
            ("an unmatched end", 150, "</x>"),
            ("an unclosed string", 290, "<si><t>"),
            ("too many ends", 150, "</x></x>"),
        ] {
            let sst = strings(300, at(row, text));
            assert_eq!(same_strings(&sst, 300), None, "{case}");
        }
    }
}
