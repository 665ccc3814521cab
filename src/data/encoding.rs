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

/// The file's text as UTF-8 bytes (possibly with invalid sequences, when the file is UTF-8 with
/// broken bytes), without a byte-order mark, and the encoding's name.
pub fn decode(bytes: &[u8]) -> (Cow<'_, [u8]>, &'static str) {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let body = &bytes[bom..];
        if encoding == encoding_rs::UTF_8 {
            return (Cow::Borrowed(body), "UTF-8");
        }
        let (text, _) = encoding.decode_without_bom_handling(body);
        return (Cow::Owned(text.into_owned().into_bytes()), encoding.name());
    }
    if std::str::from_utf8(bytes).is_ok() || mostly_utf8(bytes) {
        return (Cow::Borrowed(bytes), "UTF-8");
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    let encoding = detector.guess(None, false);
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    (Cow::Owned(text.into_owned().into_bytes()), encoding.name())
}

/// Whether the non-ASCII text is mostly valid UTF-8 (so invalid bytes are damage, not another
/// encoding). In Windows-1251 Russian text nearly every letter is an invalid UTF-8 byte.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    valid > 0 && valid >= invalid
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
