//! Which text encoding a CSV file is written in, and its text as UTF-8.
//!
//! Excel's plain "Save as CSV" writes the system's legacy code page (Windows-1251 on a Russian
//! Windows), "CSV UTF-8" writes UTF-8 with a byte-order mark. The rules:
//!
//! - a UTF-8 byte-order mark, or bytes that are valid UTF-8, mean UTF-8;
//! - a UTF-16 byte-order mark means UTF-16 (Excel's "Unicode text");
//! - a file that is UTF-8 but for a few broken bytes (more valid non-ASCII UTF-8 characters
//!   than invalid sequences) stays UTF-8: the broken bytes are reported where they are;
//! - anything else is a legacy code page, detected from the text by chardetng (Windows-1251 for
//!   Russian text) and decoded with encoding_rs.

use encoding_rs::Encoding;
use std::borrow::Cow;
use std::io::{self, Read};

/// The file's text as UTF-8 bytes (possibly with invalid sequences, when the file is UTF-8 with
/// broken bytes), without a byte-order mark, and the encoding's name.
pub fn decode(bytes: &[u8]) -> (Cow<'_, [u8]>, &'static str) {
    let mut sniff = Sniff::default();
    sniff.feed(bytes);
    let found = sniff.finish();
    let body = &bytes[found.bom..];
    match found.encoding {
        None => (Cow::Borrowed(body), "UTF-8"),
        Some(e) => {
            let (text, _) = e.decode_without_bom_handling(body);
            (Cow::Owned(text.into_owned().into_bytes()), e.name())
        }
    }
}

/// What [`Sniff`] found: the encoding to decode with (`None`: the bytes are UTF-8, taken as
/// they are) and the length of the byte-order mark to skip.
#[derive(Debug, Clone, Copy)]
pub struct Found {
    pub encoding: Option<&'static Encoding>,
    pub bom: usize,
    pub name: &'static str,
}

/// Decides a file's encoding from its bytes fed in chunks, by the rules above, without holding
/// the file: a first pass over a CSV file before it is decoded and read as a stream. The
/// legacy-encoding detector sees the text from the first chunk that is not valid UTF-8 on.
pub struct Sniff {
    head: Vec<u8>,
    /// Bytes of a UTF-8 sequence cut by the end of the previous chunk.
    carry: Vec<u8>,
    valid_non_ascii: usize,
    invalid: usize,
    detector: chardetng::EncodingDetector,
}

impl Default for Sniff {
    fn default() -> Self {
        Sniff {
            head: Vec::new(),
            carry: Vec::new(),
            valid_non_ascii: 0,
            invalid: 0,
            detector: chardetng::EncodingDetector::new(),
        }
    }
}

/// The number of non-ASCII characters in valid UTF-8: each starts with exactly one lead byte
/// (`0xC0` and above; the bytes after it are `0x80..=0xBF`), so the bytes are counted without
/// decoding characters.
fn non_ascii_chars(valid: &[u8]) -> usize {
    valid.iter().filter(|&&b| b >= 0xC0).count()
}

impl Sniff {
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.head.len() < 4 {
            let take = (4 - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        // Only a sequence cut by the previous chunk's end is copied ahead of this one.
        let joined;
        let mut rest: &[u8] = if self.carry.is_empty() {
            chunk
        } else {
            let mut bytes = std::mem::take(&mut self.carry);
            bytes.extend_from_slice(chunk);
            joined = bytes;
            &joined
        };
        loop {
            match std::str::from_utf8(rest) {
                Ok(_) => {
                    self.valid_non_ascii += non_ascii_chars(rest);
                    break;
                }
                Err(e) => {
                    let (ok, tail) = rest.split_at(e.valid_up_to());
                    self.valid_non_ascii += non_ascii_chars(ok);
                    match e.error_len() {
                        // A sequence cut by the chunk's end: judged with the next chunk.
                        None => {
                            self.carry = tail.to_vec();
                            break;
                        }
                        Some(n) => {
                            self.invalid += 1;
                            rest = &tail[n..];
                        }
                    }
                }
            }
        }
        // The legacy-encoding detector is costly and only needed once the text is not UTF-8:
        // it sees the text from the first chunk with an invalid sequence on (what came before
        // was valid UTF-8, mostly ASCII headers and ids, which tell code pages nothing).
        if self.invalid > 0 {
            self.detector.feed(chunk, false);
        }
    }

    pub fn finish(mut self) -> Found {
        if let Some((encoding, bom)) = Encoding::for_bom(&self.head) {
            return Found {
                encoding: (encoding != encoding_rs::UTF_8).then_some(encoding),
                bom,
                name: if encoding == encoding_rs::UTF_8 {
                    "UTF-8"
                } else {
                    encoding.name()
                },
            };
        }
        if !self.carry.is_empty() {
            self.invalid += 1;
        }
        // Whether the non-ASCII text is mostly valid UTF-8 (so invalid bytes are damage, not
        // another encoding). In Windows-1251 Russian text nearly every letter is an invalid
        // UTF-8 byte.
        if self.invalid == 0 || (self.valid_non_ascii > 0 && self.valid_non_ascii >= self.invalid) {
            return Found {
                encoding: None,
                bom: 0,
                name: "UTF-8",
            };
        }
        self.detector.feed(&[], true);
        let encoding = self.detector.guess(None, false);
        Found {
            encoding: Some(encoding),
            bom: 0,
            name: encoding.name(),
        }
    }
}

/// A file's bytes as UTF-8, decoded while they are read: `Found::encoding` `None` passes the
/// bytes through (broken UTF-8 stays broken, to be reported where it is).
pub struct Decoded<R: Read> {
    inner: R,
    decoder: Option<encoding_rs::Decoder>,
    input: Vec<u8>,
    start: usize,
    end: usize,
    done: bool,
    /// The decoder was told the input ended and took all of it: it must not be called again
    /// (encoding_rs panics), however often the caller reads on after the end.
    finished: bool,
    skip: usize,
    /// Decoded bytes that did not fit the caller's buffer.
    pending: [u8; 4],
    pending_at: usize,
    pending_len: usize,
}

impl<R: Read> Decoded<R> {
    pub fn new(inner: R, found: Found) -> Self {
        Decoded {
            inner,
            decoder: found.encoding.map(|e| e.new_decoder_without_bom_handling()),
            input: vec![0; 64 << 10],
            start: 0,
            end: 0,
            done: false,
            finished: false,
            skip: found.bom,
            pending: [0; 4],
            pending_at: 0,
            pending_len: 0,
        }
    }
}

impl<R: Read> Decoded<R> {
    /// The reader the bytes came from.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.skip > 0 {
            let mut b = [0u8; 4];
            let n = self.inner.read(&mut b[..self.skip.min(4)])?;
            if n == 0 {
                self.skip = 0;
                break;
            }
            self.skip -= n;
        }
        let Some(decoder) = &mut self.decoder else {
            return self.inner.read(out);
        };
        if out.is_empty() {
            return Ok(0);
        }
        if self.pending_at < self.pending_len {
            let n = (self.pending_len - self.pending_at).min(out.len());
            out[..n].copy_from_slice(&self.pending[self.pending_at..self.pending_at + n]);
            self.pending_at += n;
            return Ok(n);
        }
        loop {
            if self.finished {
                return Ok(0);
            }
            if self.start == self.end && !self.done {
                let n = self.inner.read(&mut self.input)?;
                self.start = 0;
                self.end = n;
                self.done = n == 0;
            }
            // A decoded character takes at most 4 bytes: ask for room enough for one.
            if out.len() < 4 {
                let mut tmp = [0u8; 4];
                let (result, read, written, _) =
                    decoder.decode_to_utf8(&self.input[self.start..self.end], &mut tmp, self.done);
                self.start += read;
                self.finished = self.done && result == encoding_rs::CoderResult::InputEmpty;
                let n = written.min(out.len());
                out[..n].copy_from_slice(&tmp[..n]);
                self.pending = tmp;
                self.pending_at = n;
                self.pending_len = written;
                if written > 0 || (self.done && self.start == self.end) {
                    return Ok(n);
                }
                continue;
            }
            let (result, read, written, _) =
                decoder.decode_to_utf8(&self.input[self.start..self.end], out, self.done);
            self.start += read;
            self.finished = self.done && result == encoding_rs::CoderResult::InputEmpty;
            if written > 0 || (self.done && self.start == self.end) {
                return Ok(written);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn non_ascii_characters_are_counted_by_their_lead_bytes(text in "\\PC{0,60}") {
            let decoded = text.chars().filter(|c| !c.is_ascii()).count();
            proptest::prop_assert_eq!(non_ascii_chars(text.as_bytes()), decoded);
        }
    }

    #[test]
    fn encodings_are_told_apart() {
        let ru = "Имя;Сумма\nАйгерим Садыкова;380 000,00\n";
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(ru);
        let (text, name) = decode(&cp1251);
        assert_eq!(
            (std::str::from_utf8(&text).unwrap(), name),
            (ru, "windows-1251")
        );
        let (text, name) = decode(ru.as_bytes());
        assert_eq!((&*text, name), (ru.as_bytes(), "UTF-8"));
        let bom = [b"\xEF\xBB\xBF".as_slice(), ru.as_bytes()].concat();
        let (text, name) = decode(&bom);
        assert_eq!((&*text, name), (ru.as_bytes(), "UTF-8"));
        // UTF-8 with one broken byte stays UTF-8, so the byte can be reported where it is.
        let broken = [ru.as_bytes(), b"\xff;1\n"].concat();
        let (text, name) = decode(&broken);
        assert_eq!((&*text, name), (broken.as_slice(), "UTF-8"));
        // Excel's "Unicode text" is UTF-16 with a byte-order mark.
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(ru.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let (text, name) = decode(&utf16);
        assert_eq!((&*text, name), (ru.as_bytes(), "UTF-16LE"));
    }

    /// Reads everything through `Decoded`, `step` bytes at a time.
    fn read_in_steps(bytes: &[u8], step: usize) -> (Vec<u8>, &'static str) {
        let mut sniff = Sniff::default();
        for chunk in bytes.chunks(step.max(1)) {
            sniff.feed(chunk);
        }
        let found = sniff.finish();
        let mut r = Decoded::new(bytes, found);
        let mut out = Vec::new();
        let mut buf = vec![0u8; step];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        (out, found.name)
    }

    /// Found by fuzzing: a lone UTF-8 lead byte is sniffed as a legacy encoding; a reader that
    /// reads on after the end must get 0, not the decoder's "finished" panic.
    #[test]
    fn reading_on_after_the_end_gives_nothing() {
        for bytes in [&b"\xf0"[..], b"\xcf\xf0\xe8\xe2\xe5\xf2", b""] {
            for step in [1, 3, 64] {
                let mut sniff = Sniff::default();
                sniff.feed(bytes);
                let found = sniff.finish();
                let mut r = Decoded::new(bytes, found);
                let mut buf = vec![0u8; step];
                let mut out = Vec::new();
                loop {
                    let n = r.read(&mut buf).unwrap();
                    if n == 0 {
                        break;
                    }
                    out.extend_from_slice(&buf[..n]);
                }
                for _ in 0..3 {
                    assert_eq!(r.read(&mut buf).unwrap(), 0);
                }
                assert_eq!(
                    out,
                    decode(bytes).0.as_ref(),
                    "{bytes:?} in steps of {step}"
                );
            }
        }
    }

    #[test]
    fn streaming_gives_what_decoding_the_whole_file_gives() {
        let ru = "Имя;Сумма\nАйгерим Садыкова;380 000,00\nЁж;1\n".repeat(50);
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(&ru);
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(ru.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let bom = [b"\xEF\xBB\xBF".as_slice(), ru.as_bytes()].concat();
        let broken = [ru.as_bytes(), b"\xff;1\n"].concat();
        for bytes in [&cp1251[..], &utf16, ru.as_bytes(), &bom, &broken] {
            let (whole, name) = decode(bytes);
            // Steps of 1 to 7 bytes cut every multi-byte character and the byte-order mark.
            for step in [1, 2, 3, 5, 7, 4096] {
                assert_eq!(
                    read_in_steps(bytes, step),
                    (whole.to_vec(), name),
                    "step {step}"
                );
            }
        }
    }
}
