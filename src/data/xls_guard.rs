//! Checks on a legacy .xls workbook (BIFF records inside a compound file) before calamine opens
//! it.
//!
//! calamine 0.38 reads an .xls whole when it opens it: it loads the compound file's sectors, the
//! `Workbook` stream (up to the size the directory declares, following the sector chain even
//! when it loops), then every sheet into a dense `Range`: (last row − first row + 1) ×
//! (last column − first column + 1) cells of about 32 bytes, sized by the cells it keeps
//! (NUMBER, RK, MULRK, LABEL, RSTRING, LABELSST, BOOLERR, FORMULA and the STRING after it;
//! BLANK and MULBLANK are skipped), plus the same extent again for the formulas. A DIMENSIONS
//! record is trusted to reserve its rows × columns up front, every LABELSST copies its shared
//! string, and every record keeps a list of the CONTINUE records after it. So a few hundred
//! bytes can ask for gigabytes (one cell at A1 and one at IV65536 is 16.7 million cells).
//!
//! This guard reads the compound file the way calamine does, sector by sector, with every chain
//! bounded by the file's own sector count, and walks the BIFF records of the workbook globals
//! and of each sheet calamine will read (from the BoundSheet8 positions, nested chart
//! substreams skipped as calamine skips them). It refuses, naming the sheet and what was found
//! against the limit of [`super::limits`]: a `Workbook` stream larger than the file or than
//! [`limits::XLS_STREAM_BYTES`]; a sheet whose cells (or DIMENSIONS) span more than
//! [`limits::RANGE_CELLS`], or all sheets together more than that; a shared-strings table (SST)
//! declaring or holding more than [`limits::SHARED_STRINGS`] strings; cells copying more than
//! [`limits::XLS_CELL_TEXT_CHARS`] characters of shared strings; a record followed by more than
//! [`limits::XLS_CONTINUES`] CONTINUE records; and the broken structures calamine would panic
//! or loop forever on (a sector chain that loops or leaves the allocation table, a sheet
//! position past the end of the stream, a MULRK whose last column is before its first). A file
//! calamine rejects with an error of its own is left to calamine, which says what is wrong.

use super::limits::{self, bytes, grouped};
use crate::error::Problem;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;

/// Why the walk stopped: calamine will fail on this file with its own error.
struct Broken;

/// What the check concludes: the file is refused, or left to calamine.
type Walk<T> = Result<Result<T, Broken>, Problem>;

/// Checks an .xls file against the limits before calamine reads it.
pub fn check(path: &Path, shown: &str) -> Result<(), Problem> {
    scan(path, shown).map(|_| ())
}

/// What the walk found in a workbook calamine may read.
#[derive(Debug, PartialEq)]
struct Scan {
    /// Bytes of the `Workbook` stream.
    stream: usize,
    /// The sheets, each with its extent (cells held whole).
    sheets: Vec<(String, u64)>,
    /// Strings of the shared-strings table.
    strings: usize,
}

/// The walk; `None` when the file is left to calamine (not a compound file, or broken in a
/// way calamine reports as an error).
fn scan(path: &Path, shown: &str) -> Result<Option<Scan>, Problem> {
    let Ok(file) = File::open(path) else {
        return Ok(None);
    };
    let Ok(len) = file.metadata().map(|m| m.len()) else {
        return Ok(None);
    };
    match read_workbook_stream(file, len, shown)? {
        Ok(stream) => walk_biff(&stream, shown).map(Some),
        Err(Broken) => Ok(None),
    }
}

struct Compound {
    file: File,
    len: u64,
    sector_size: usize,
    maxid: u32,
    buf: Vec<u8>,
}

impl Compound {
    /// Sector `id` as calamine reads it: short at the end of the file, an error past `maxid`.
    fn sector(&mut self, id: u32) -> Result<&[u8], Broken> {
        if id > self.maxid {
            return Err(Broken);
        }
        let at = (id as u64 + 1) * self.sector_size as u64;
        self.buf.clear();
        if at < self.len {
            self.file.seek(SeekFrom::Start(at)).map_err(|_| Broken)?;
            (&mut self.file)
                .take(self.sector_size as u64)
                .read_to_end(&mut self.buf)
                .map_err(|_| Broken)?;
        }
        Ok(&self.buf)
    }

    /// Follows a chain of sectors as calamine's `get_chain` does, until `ENDOFCHAIN` or `len`
    /// bytes, handing each piece to `sink`. A chain visiting more sectors than the file holds
    /// loops (calamine would never stop when `len` is not reached).
    fn chain(
        &mut self,
        start: u32,
        fats: &[u32],
        len: u64,
        what: &str,
        shown: &str,
        mut sink: impl FnMut(&[u8]),
    ) -> Walk<()> {
        let (mut id, mut total, mut steps) = (start, 0u64, 0u64);
        while id != ENDOFCHAIN {
            let sector = match self.sector(id) {
                Ok(s) => s,
                Err(b) => return Ok(Err(b)),
            };
            let take = (sector.len() as u64).min(len - total) as usize;
            sink(&sector[..take]);
            total += take as u64;
            if total >= len {
                break;
            }
            steps += 1;
            if steps > self.maxid as u64 + 1 {
                return Err(broken(
                    shown,
                    format!("the chain of sectors of {what} loops"),
                ));
            }
            match fats.get(id as usize) {
                Some(&next) => id = next,
                None => {
                    return Err(broken(
                        shown,
                        format!("the chain of sectors of {what} leaves the allocation table"),
                    ));
                }
            }
        }
        Ok(Ok(()))
    }
}

fn broken(shown: &str, what: String) -> Problem {
    Problem::new(
        shown,
        format!("the .xls file is broken: {what}; it cannot be read safely"),
    )
}

fn u16_at(s: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(s.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(s: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(s.get(at..at + 4)?.try_into().ok()?))
}

/// Reads the `Workbook` (or `Book`) stream as calamine would, refusing the sizes and chains
/// that would exhaust memory or never end.
fn read_workbook_stream(mut file: File, len: u64, shown: &str) -> Walk<Vec<u8>> {
    let mut head = [0u8; 512];
    if file.read_exact(&mut head).is_err() || head[..8] != *b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" {
        return Ok(Err(Broken));
    }
    let sector_size = match u16_at(&head, 30) {
        Some(9) => 512usize,
        Some(12) => 4096,
        _ => return Ok(Err(Broken)),
    };
    if u16_at(&head, 32) != Some(6) {
        return Ok(Err(Broken));
    }
    let (Some(dir_start), Some(mini_fat_start), Some(mini_fat_len), Some(difat_start)) = (
        u32_at(&head, 48),
        u32_at(&head, 60),
        u32_at(&head, 64),
        u32_at(&head, 68),
    ) else {
        return Ok(Err(Broken));
    };
    let maxid = (len / sector_size as u64).min(u32::MAX as u64) as u32;
    let mut cf = Compound {
        file,
        len,
        sector_size,
        maxid,
        buf: Vec::with_capacity(sector_size),
    };
    let mut difat: Vec<u32> = head[76..512]
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap_or_default()))
        .collect();
    let mut id = difat_start;
    let mut difat_sectors = 0u64;
    while id < RESERVED_SECTORS {
        difat_sectors += 1;
        if difat_sectors > maxid as u64 + 1 {
            return Ok(Err(Broken));
        }
        match cf.sector(id) {
            Ok(s) => difat.extend(
                s.chunks_exact(4)
                    .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            ),
            Err(b) => return Ok(Err(b)),
        }
        match difat.pop() {
            Some(next) => id = next,
            None => return Ok(Err(Broken)),
        }
    }
    let fat_sectors: Vec<u32> = difat.into_iter().filter(|id| *id < DIFSECT).collect();
    if fat_sectors.len() as u64 > maxid as u64 + 1 {
        return Err(broken(
            shown,
            format!(
                "its allocation table lists {} sectors, more than the {} the file holds",
                grouped(fat_sectors.len() as u64),
                grouped(maxid as u64 + 1)
            ),
        ));
    }
    let mut fats = Vec::new();
    for id in fat_sectors {
        match cf.sector(id) {
            Ok(s) => fats.extend(
                s.chunks_exact(4)
                    .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            ),
            Err(b) => return Ok(Err(b)),
        }
    }
    // The directory: 128-byte entries (name, start sector, size).
    let mut dir = Vec::new();
    if let Err(b) = cf.chain(dir_start, &fats, u64::MAX, "the directory", shown, |s| {
        dir.extend_from_slice(s)
    })? {
        return Ok(Err(b));
    }
    let entries: Vec<(String, u32, u64)> = dir
        .chunks_exact(128)
        .map(|e| {
            let units: Vec<u16> = e[..64]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let mut name = String::from_utf16_lossy(&units);
            if let Some(nul) = name.find('\0') {
                name.truncate(nul);
            }
            let start = u32::from_le_bytes([e[116], e[117], e[118], e[119]]);
            let size = if sector_size == 512 {
                u32::from_le_bytes([e[120], e[121], e[122], e[123]]) as u64
            } else {
                u64::from_le_bytes(e[120..128].try_into().unwrap_or_default())
            };
            (name, start, size)
        })
        .collect();
    drop(dir);
    let Some(root) = entries.first().cloned() else {
        return Ok(Err(Broken));
    };
    let too_big = |what: &str, size: u64| {
        broken(
            shown,
            format!(
                "it declares {what} of {}, larger than the file itself ({})",
                bytes(size),
                bytes(len)
            ),
        )
    };
    let find = |name: &str| {
        entries
            .iter()
            .find(|e| e.0.eq_ignore_ascii_case(name))
            .cloned()
    };
    let Some((name, start, size)) = find("Workbook").or_else(|| find("Book")) else {
        return Ok(Err(Broken));
    };
    if size > limits::XLS_STREAM_BYTES {
        return Err(Problem::new(
            shown,
            format!(
                "its {name:?} stream declares {}, against the limit of {} for the stream \
                 calamine reads whole; this is not a CRM export",
                bytes(size),
                bytes(limits::XLS_STREAM_BYTES)
            ),
        ));
    }
    if size > len {
        return Err(too_big(&format!("a {name:?} stream"), size));
    }
    // calamine loads the mini stream whenever the header says there is a mini FAT.
    let mut mini = (Vec::new(), Vec::new());
    if mini_fat_len > 0 {
        let fat_bytes = mini_fat_len as u64 * sector_size as u64;
        if root.2 > len {
            return Err(too_big("a mini stream", root.2));
        }
        if fat_bytes > len {
            return Err(too_big("a mini allocation table", fat_bytes));
        }
        let (mut data, mut table) = (Vec::new(), Vec::new());
        if let Err(b) = cf.chain(root.1, &fats, root.2, "the mini stream", shown, |s| {
            data.extend_from_slice(s)
        })? {
            return Ok(Err(b));
        }
        if let Err(b) = cf.chain(
            mini_fat_start,
            &fats,
            fat_bytes,
            "the mini allocation table",
            shown,
            |s| table.extend_from_slice(s),
        )? {
            return Ok(Err(b));
        }
        let table = table
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        mini = (data, table);
    }
    let mut stream = Vec::new();
    if size < 4096 {
        // In the mini stream: 64-byte sectors of the data loaded above.
        let (data, table) = &mini;
        let (mut id, mut steps) = (start, 0u64);
        let mini_max = (maxid as u64) * 8;
        while id != ENDOFCHAIN {
            if id as u64 > mini_max {
                return Ok(Err(Broken));
            }
            let at = (id as usize).saturating_mul(64).min(data.len());
            let piece = &data[at..(at + 64).min(data.len())];
            let take = piece.len().min(size as usize - stream.len());
            stream.extend_from_slice(&piece[..take]);
            if stream.len() as u64 >= size {
                break;
            }
            steps += 1;
            if steps > data.len() as u64 / 64 + 1 {
                return Err(broken(
                    shown,
                    format!("the chain of sectors of the {name:?} stream loops"),
                ));
            }
            match table.get(id as usize) {
                Some(&next) => id = next,
                None => {
                    return Err(broken(
                        shown,
                        format!(
                            "the chain of sectors of the {name:?} stream leaves the allocation table"
                        ),
                    ));
                }
            }
        }
    } else if let Err(b) = cf.chain(
        start,
        &fats,
        size,
        &format!("the {name:?} stream"),
        shown,
        |s| stream.extend_from_slice(s),
    )? {
        return Ok(Err(b));
    }
    Ok(Ok(stream))
}

/// A BIFF record as calamine's `RecordIter` yields it: its type, its data and the data of the
/// CONTINUE records right after it.
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
    cont: Vec<&'a [u8]>,
}

/// The next record of `stream`, or `None` at its end or where calamine would fail.
fn next_record<'a>(
    stream: &mut &'a [u8],
    place: &dyn Fn() -> String,
) -> Result<Option<Record<'a>>, Problem> {
    let s = *stream;
    if s.len() < 4 {
        return Ok(None);
    }
    let typ = u16::from_le_bytes([s[0], s[1]]);
    let len = u16::from_le_bytes([s[2], s[3]]) as usize;
    if s.len() < len + 4 {
        return Ok(None);
    }
    let data = &s[4..len + 4];
    let mut rest = &s[len + 4..];
    let mut cont = Vec::new();
    if rest.len() > 4 && u16::from_le_bytes([rest[0], rest[1]]) == 0x003C {
        while rest.len() > 4 && u16::from_le_bytes([rest[0], rest[1]]) == 0x003C {
            let l = u16::from_le_bytes([rest[2], rest[3]]) as usize;
            if rest.len() < l + 4 {
                return Ok(None);
            }
            if cont.len() as u64 >= limits::XLS_CONTINUES {
                return Err(Problem::new(
                    place(),
                    format!(
                        "a record of type 0x{typ:04X} is followed by more than {} CONTINUE \
                         records, against the limit of {}",
                        grouped(limits::XLS_CONTINUES),
                        grouped(limits::XLS_CONTINUES)
                    ),
                ));
            }
            cont.push(&rest[4..l + 4]);
            rest = &rest[l + 4..];
        }
    }
    *stream = rest;
    Ok(Some(Record { typ, data, cont }))
}

fn walk_biff(stream: &[u8], shown: &str) -> Result<Scan, Problem> {
    let whole = || shown.to_string();
    let mut rest = stream;
    let mut sheets: Vec<(usize, String)> = Vec::new();
    let mut strings: Vec<u16> = Vec::new();
    let mut biff8 = true;
    while let Some(r) = next_record(&mut rest, &whole)? {
        // Records calamine reads fields of without checking their length (it would panic).
        let least = match r.typ {
            0x0809 | 0x0017 | 0x002F | 0x0042 | 0x0022 => 2,
            0x0085 | 0x0018 => 6,
            _ => 0,
        };
        short_record(r.typ, r.data.len(), least, &whole)?;
        match r.typ {
            0x0809 => {
                biff8 = !matches!(
                    u16_at(r.data, 0),
                    Some(0x0200 | 0x0002 | 0x0007 | 0x0300 | 0x0400 | 0x0500)
                )
            }
            0x0085 => {
                let pos = u32_at(r.data, 0).unwrap_or_default() as usize;
                sheets.push((pos, sheet_name(&r.data[6..], biff8)));
            }
            0x00FC => strings = count_sst(r, shown)?,
            0x000A => break,
            _ => (),
        }
    }
    let mut total = 0u64;
    let mut text = 0u64;
    let mut extents = Vec::new();
    for (pos, name) in &sheets {
        let place = || format!("{shown}: sheet {name:?}");
        let Some(mut rest) = stream.get(*pos..) else {
            return Err(broken(
                &place(),
                format!(
                    "its record points at byte {} of a workbook stream of {}",
                    grouped(*pos as u64),
                    bytes(stream.len() as u64)
                ),
            ));
        };
        let mut extent: Option<(u64, u64, u64, u64)> = None;
        let mut cells = 0u64;
        let mut see = |row: u64, col: u64| {
            cells += 1;
            extent = Some(match extent {
                None => (row, row, col, col),
                Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
            });
        };
        let (mut seen_bof, mut depth, mut fmla_pos) = (false, 0usize, (0u64, 0u64));
        while let Some(r) = next_record(&mut rest, &place)? {
            if depth > 0 {
                match r.typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => (),
                }
                continue;
            }
            let d = r.data;
            let at = || {
                (
                    u16_at(d, 0).unwrap_or(0) as u64,
                    u16_at(d, 2).unwrap_or(0) as u64,
                )
            };
            match r.typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x000A => break,
                0x0200 => check_dimensions(d, &place)?,
                0x00E5 => {
                    let count = u16_at(d, 0).map_or(0, |n| n as usize);
                    short_record(r.typ, d.len(), 2 + 8 * count, &place)?;
                }
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E => {
                    let (row, col) = at();
                    see(row, col);
                }
                0x0207 => see(fmla_pos.0, fmla_pos.1),
                0x0006 => {
                    fmla_pos = at();
                    see(fmla_pos.0, fmla_pos.1);
                }
                0x00FD if d.len() >= 10 => {
                    let (row, col) = at();
                    see(row, col);
                    let i = u32_at(d, 6).unwrap_or(u32::MAX) as usize;
                    text += strings.get(i).map_or(0, |&n| n as u64);
                }
                0x00BD if d.len() >= 6 => {
                    let (row, first) = at();
                    let last = u16_at(d, d.len() - 2).unwrap_or(0) as u64;
                    if last < first || last - first >= 0xFFFF {
                        return Err(broken(
                            &place(),
                            format!(
                                "a MULRK record in row {} runs from column {} back to column {}",
                                row + 1,
                                super::source::column_letters(first),
                                super::source::column_letters(last)
                            ),
                        ));
                    }
                    if d.len() as u64 != 6 + 6 * (last - first + 1) {
                        break;
                    }
                    for col in first..=last {
                        see(row, col);
                    }
                }
                _ => (),
            }
        }
        if let Some((r0, r1, c0, c1)) = extent {
            let (rows, cols) = (r1 - r0 + 1, c1 - c0 + 1);
            let range = rows * cols;
            if range > limits::RANGE_CELLS || cells > limits::RANGE_CELLS {
                return Err(Problem::new(
                    place(),
                    format!(
                        "its cells reach from {}{} to {}{}: {} rows × {} columns ({} cells{}) held \
                         whole in memory, against the limit of {} cells for a sheet read whole \
                         (.ods, .xls)",
                        super::source::column_letters(c0),
                        r0 + 1,
                        super::source::column_letters(c1),
                        r1 + 1,
                        grouped(rows),
                        grouped(cols),
                        grouped(range),
                        if cells > limits::RANGE_CELLS {
                            format!(", written {} times", grouped(cells))
                        } else {
                            String::new()
                        },
                        grouped(limits::RANGE_CELLS)
                    ),
                ));
            }
            total += range.max(cells);
            extents.push((name.clone(), range));
        } else {
            extents.push((name.clone(), 0));
        }
    }
    if total > limits::RANGE_CELLS {
        return Err(Problem::new(
            shown,
            format!(
                "its {} sheets together span {} cells, all held in memory at once, against the \
                 limit of {} cells for a workbook read whole (.xls)",
                grouped(sheets.len() as u64),
                grouped(total),
                grouped(limits::RANGE_CELLS)
            ),
        ));
    }
    if text > limits::XLS_CELL_TEXT_CHARS {
        return Err(Problem::new(
            shown,
            format!(
                "its cells copy {} characters from the shared-strings table, against the limit \
                 of {}",
                grouped(text),
                grouped(limits::XLS_CELL_TEXT_CHARS)
            ),
        ));
    }
    Ok(Scan {
        stream: stream.len(),
        sheets: extents,
        strings: strings.len(),
    })
}

/// Refuses a record shorter than the `least` bytes calamine reads from it unchecked.
fn short_record(
    typ: u16,
    len: usize,
    least: usize,
    place: &dyn Fn() -> String,
) -> Result<(), Problem> {
    if len >= least {
        return Ok(());
    }
    Err(broken(
        &place(),
        format!(
            "a record of type 0x{typ:04X} holds {len} bytes, fewer than the {least} its fields take"
        ),
    ))
}

/// A sheet's name in its BoundSheet8 record (for messages only).
fn sheet_name(s: &[u8], biff8: bool) -> String {
    let cch = s.first().copied().unwrap_or(0) as usize;
    if biff8 {
        let high = s.get(1).is_some_and(|f| f & 1 != 0);
        let chars = s.get(2..).unwrap_or_default();
        if high {
            let units: Vec<u16> = chars
                .chunks_exact(2)
                .take(cch)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        } else {
            chars.iter().take(cch).map(|&b| b as char).collect()
        }
    } else {
        let chars = s.get(1..).unwrap_or_default();
        chars.iter().take(cch).map(|&b| b as char).collect()
    }
}

/// DIMENSIONS as calamine reads it, and the cells it reserves from it.
fn check_dimensions(r: &[u8], place: &dyn Fn() -> String) -> Result<(), Problem> {
    let field = |at: usize, wide: bool| {
        if wide {
            u32_at(r, at).unwrap_or(0) as i64
        } else {
            u16_at(r, at).unwrap_or(0) as i64
        }
    };
    let (rf, rl, mut cf, cl) = match r.len() {
        10 => (
            field(0, false),
            field(2, false),
            field(4, false),
            field(6, false),
        ),
        14 | 16 => (
            field(0, true),
            field(4, true),
            field(8, false),
            field(10, false),
        ),
        _ => return Ok(()),
    };
    if cf > 0xFF || cl < cf {
        cf = 0;
    }
    let (rows, cols) = if rl >= 1 && cl >= 1 {
        (rl - 1 - rf + 1, cl - 1 - cf + 1)
    } else {
        (1, 1)
    };
    let cells = rows.saturating_mul(cols);
    if rows < 1 || cols < 1 || cells as u64 > limits::RANGE_CELLS {
        return Err(Problem::new(
            place(),
            format!(
                "its DIMENSIONS record declares rows {} to {} and columns {} to {} ({} cells), \
                 which calamine reserves up front, against the limit of {} cells for a sheet \
                 read whole (.ods, .xls)",
                grouped(rf as u64 + 1),
                grouped(rl.max(0) as u64),
                grouped(cf as u64 + 1),
                grouped(cl.max(0) as u64),
                if rows < 1 || cols < 1 {
                    "a negative number of".to_string()
                } else {
                    grouped(cells as u64)
                },
                grouped(limits::RANGE_CELLS)
            ),
        ));
    }
    Ok(())
}

/// Walks the SST record as calamine's `parse_sst` does, returning each string's length in
/// characters; refuses a table declaring or holding more than [`limits::SHARED_STRINGS`].
fn count_sst<'a>(r: Record<'a>, shown: &str) -> Result<Vec<u16>, Problem> {
    let too_many = |found: String| {
        Problem::new(
            shown,
            format!(
                "the shared-strings table (SST) {found}, against the limit of {}",
                grouped(limits::SHARED_STRINGS)
            ),
        )
    };
    let mut out = Vec::new();
    if r.data.len() < 8 {
        return Ok(out);
    }
    let unique = u32_at(r.data, 4).unwrap_or(0) as u64;
    if unique > limits::SHARED_STRINGS {
        return Err(too_many(format!(
            "declares {} unique strings",
            grouped(unique)
        )));
    }
    let mut data: &'a [u8] = &r.data[8..];
    let mut cont = r.cont.into_iter();
    let mut next = |data: &mut &'a [u8]| match cont.next() {
        Some(c) => {
            *data = c;
            true
        }
        None => false,
    };
    while !data.is_empty() || next(&mut data) {
        if out.len() as u64 >= limits::SHARED_STRINGS {
            return Err(too_many(format!(
                "holds more than {} strings",
                grouped(limits::SHARED_STRINGS)
            )));
        }
        if data.is_empty() {
            out.push(0);
            continue;
        }
        if data.len() < 3 {
            break;
        }
        let cch = u16::from_le_bytes([data[0], data[1]]);
        let flags = data[2];
        data = &data[3..];
        let mut high = flags & 1 != 0;
        let mut skip = 0usize;
        let short = |what: &str| {
            broken(
                shown,
                format!("a string of the shared-strings table (SST) ends inside its {what}"),
            )
        };
        if flags & 0x8 != 0 {
            let Some(runs) = u16_at(data, 0) else {
                return Err(short("count of formatting runs"));
            };
            skip += runs as usize * 4;
            data = &data[2..];
        }
        if flags & 0x4 != 0 {
            let Some(ext) = u32_at(data, 0) else {
                return Err(short("size of phonetic data"));
            };
            skip = skip.saturating_add(ext as i32 as isize as usize);
            data = &data[4..];
        }
        let mut left = cch as usize;
        let mut ok = true;
        while left > 0 {
            let n = if high {
                (data.len() / 2).min(left)
            } else {
                data.len().min(left)
            };
            data = &data[n * if high { 2 } else { 1 }..];
            left -= n;
            if left > 0 {
                if !next(&mut data) {
                    ok = false;
                    break;
                }
                let Some(&flags) = data.first() else {
                    return Err(short("characters (an empty CONTINUE record)"));
                };
                high = flags & 1 != 0;
                data = &data[1..];
            }
        }
        if !ok {
            break;
        }
        while skip > 0 {
            if data.is_empty() && !next(&mut data) {
                ok = false;
                break;
            }
            let n = skip.min(data.len());
            data = &data[n..];
            skip -= n;
        }
        if !ok {
            break;
        }
        out.push(cch);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::Reader;

    /// The walk sees the reference workbook as calamine holds it: the same sheets with the
    /// same extents.
    #[test]
    fn the_reference_workbook_passes_with_calamines_extents() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reference/2026-09.xls");
        let scan = scan(&path, "2026-09.xls").unwrap().unwrap();
        let mut book: calamine::Xls<_> = calamine::open_workbook(&path).unwrap();
        let held: Vec<(String, u64)> = book
            .worksheets()
            .into_iter()
            .map(|(name, range)| {
                let (rows, cols) = range.get_size();
                (name, (rows * cols) as u64)
            })
            .collect();
        let mut seen = scan.sheets.clone();
        seen.sort();
        assert_eq!(seen, held);
        assert_eq!(scan.sheets.len(), 8);
        assert!(scan.strings > 1000, "{scan:?}");
    }

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend_from_slice(&(data.len() as u16).to_le_bytes());
        out.extend_from_slice(data);
        out
    }

    fn cell(typ: u16, row: u16, col: u16, tail: &[u8]) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend_from_slice(&col.to_le_bytes());
        d.extend_from_slice(tail);
        record(typ, &d)
    }

    /// A workbook stream: globals (`globals` records between BOF and the BoundSheet8s), then
    /// one substream per sheet.
    fn stream(globals: &[u8], sheets: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let bof = |dt: u16| {
            let mut d = [0u8; 16];
            d[..2].copy_from_slice(&0x0600u16.to_le_bytes());
            d[2..4].copy_from_slice(&dt.to_le_bytes());
            record(0x0809, &d)
        };
        let bound = |pos: u32, name: &str| {
            let mut d = pos.to_le_bytes().to_vec();
            d.extend_from_slice(&[0, 0, name.len() as u8, 0]);
            d.extend_from_slice(name.as_bytes());
            record(0x0085, &d)
        };
        let head_len = bof(5).len()
            + globals.len()
            + sheets.iter().map(|(n, _)| bound(0, n).len()).sum::<usize>()
            + 4;
        let mut out = bof(5);
        out.extend_from_slice(globals);
        let mut at = head_len;
        let mut bodies = Vec::new();
        for (name, records) in sheets {
            out.extend(bound(at as u32, name));
            let mut body = bof(0x10);
            body.extend_from_slice(records);
            body.extend(record(0x000A, &[]));
            at += body.len();
            bodies.extend(body);
        }
        out.extend(record(0x000A, &[]));
        out.extend(bodies);
        out
    }

    fn refusal(stream: &[u8]) -> String {
        walk_biff(stream, "book.xls").unwrap_err().to_string()
    }

    #[test]
    fn sheets_are_measured_as_calamine_holds_them() {
        let number = |r, c| cell(0x0203, r, c, &[0u8; 10]);
        // Blank cells do not count (calamine skips them); a chart's cells inside the sheet do
        // not either; a MULRK spans its columns.
        let mut mulrk = vec![0u8; 0];
        mulrk.extend_from_slice(&[0; 6 * 3]);
        mulrk.extend_from_slice(&4u16.to_le_bytes());
        let mut sheet = number(1, 1);
        sheet.extend(cell(0x0201, 60000, 200, &[0, 0]));
        sheet.extend(cell(0x00BD, 3, 2, &mulrk));
        sheet.extend(record(0x0809, &[0u8; 16]));
        sheet.extend(number(65535, 255));
        sheet.extend(record(0x000A, &[]));
        let scan = walk_biff(&stream(&[], &[("a", sheet)]), "book.xls").unwrap();
        assert_eq!(scan.sheets, vec![("a".to_string(), 3 * 4)]);
        // Each sheet under the limit, but not all of them together (held at once).
        let wide = |_| {
            let mut s = number(0, 0);
            s.extend(number(65535, 91));
            s
        };
        let two: Vec<(&str, Vec<u8>)> = vec![("a", wide(0)), ("b", wide(1))];
        insta::assert_snapshot!(refusal(&stream(&[], &two)), @"book.xls: its 2 sheets together span 12 058 624 cells, all held in memory at once, against the limit of 10 000 000 cells for a workbook read whole (.xls)");
        let mut reversed = vec![0u8; 6];
        reversed.extend_from_slice(&2u16.to_le_bytes());
        insta::assert_snapshot!(refusal(&stream(&[], &[("a", cell(0x00BD, 0, 5, &reversed))])), @"book.xls: sheet \"a\": the .xls file is broken: a MULRK record in row 1 runs from column F back to column C; it cannot be read safely");
    }

    #[test]
    fn shared_strings_are_bounded() {
        let sst = |total: u32, unique: u32, strings: &[u8]| {
            let mut d = total.to_le_bytes().to_vec();
            d.extend_from_slice(&unique.to_le_bytes());
            d.extend_from_slice(strings);
            d
        };
        insta::assert_snapshot!(refusal(&stream(&record(0x00FC, &sst(1, 6_000_000, &[])), &[])), @"book.xls: the shared-strings table (SST) declares 6 000 000 unique strings, against the limit of 5 000 000");
        // Five million and one empty strings (3 bytes each), over CONTINUE records.
        let all = vec![0u8; 3 * 5_000_001];
        let mut globals = Vec::new();
        let mut chunks = all.chunks(8208);
        globals.extend(record(0x00FC, &sst(1, 1, chunks.next().unwrap())));
        chunks.for_each(|c| globals.extend(record(0x003C, c)));
        insta::assert_snapshot!(refusal(&stream(&globals, &[])), @"book.xls: the shared-strings table (SST) holds more than 5 000 000 strings, against the limit of 5 000 000");
        // One string of 8 000 characters copied into 40 000 cells.
        let mut one = 8000u16.to_le_bytes().to_vec();
        one.push(0);
        one.extend(std::iter::repeat_n(b'x', 8000));
        let globals = record(0x00FC, &sst(1, 1, &one));
        let sheet: Vec<u8> = (0..40_000u32)
            .flat_map(|i| {
                cell(
                    0x00FD,
                    (i % 65536) as u16,
                    (i / 65536) as u16,
                    &[0, 0, 0, 0, 0, 0],
                )
            })
            .collect();
        insta::assert_snapshot!(refusal(&stream(&globals, &[("a", sheet)])), @"book.xls: its cells copy 320 000 000 characters from the shared-strings table, against the limit of 268 435 456");
    }

    #[test]
    fn continue_runs_are_bounded() {
        let mut globals = record(0x00E0, &[0; 20]);
        for _ in 0..=limits::XLS_CONTINUES {
            globals.extend(record(0x003C, &[]));
        }
        insta::assert_snapshot!(refusal(&stream(&globals, &[])), @"book.xls: a record of type 0x00E0 is followed by more than 65 536 CONTINUE records, against the limit of 65 536");
    }

    #[test]
    fn records_calamine_would_panic_on_are_refused() {
        let mut globals = record(0x0085, &[0, 0, 0]);
        let mut book = stream(&[], &[]);
        let at = book.len() - 4;
        book.splice(at..at, globals.drain(..));
        insta::assert_snapshot!(refusal(&book), @"book.xls: the .xls file is broken: a record of type 0x0085 holds 3 bytes, fewer than the 6 its fields take; it cannot be read safely");
        let merged = record(0x00E5, &[5, 0, 1, 2]);
        insta::assert_snapshot!(refusal(&stream(&[], &[("a", merged)])), @"book.xls: sheet \"a\": the .xls file is broken: a record of type 0x00E5 holds 4 bytes, fewer than the 42 its fields take; it cannot be read safely");
        // A string with formatting runs whose count is cut off.
        let mut sst = vec![0u8; 8];
        sst.extend_from_slice(&[1, 0, 0x8, 7]);
        insta::assert_snapshot!(refusal(&stream(&record(0x00FC, &sst), &[])), @"book.xls: the .xls file is broken: a string of the shared-strings table (SST) ends inside its count of formatting runs; it cannot be read safely");
    }
}
