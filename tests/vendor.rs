//! The vendored rust_xlsxwriter and calamine are the published crates with exactly the patches
//! in vendor/NAME.patch (vendor/README.md): scripts/check-vendor compares each with the
//! published crate, checked by its sha256: the same files, src/ different by exactly the patch.

use std::process::Command;

#[test]
fn the_vendored_crates_are_the_published_crates_with_their_patches_only() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("bash")
        .arg(format!("{root}/scripts/check-vendor"))
        .output()
        .expect("bash runs scripts/check-vendor");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "scripts/check-vendor failed:\n{stdout}\n{stderr}"
    );
    assert_eq!(
        stdout.trim(),
        "vendor/rust_xlsxwriter: the published rust_xlsxwriter 0.102.0 with \
         vendor/rust_xlsxwriter.patch, nothing else\n\
         vendor/calamine: the published calamine 0.38.0 with vendor/calamine.patch, nothing else"
    );
}

/// The packaging change of vendor/rust_xlsxwriter.patch: an XML part under 1 024 bytes is
/// stored and every longer one deflated, and the workbook reads back whole either way.
#[test]
fn small_parts_are_stored_and_the_others_deflated() {
    use calamine::Reader;
    use std::io::Read;

    let mut book = rust_xlsxwriter::Workbook::new();
    book.set_zip_compression_level(1);
    let small = book.add_worksheet();
    small.write_string(0, 0, "one cell").unwrap();
    let large = book.add_worksheet();
    for row in 0..200u32 {
        large.write_number(row, 0, f64::from(row)).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();

    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let (mut stored, mut deflated) = (Vec::new(), Vec::new());
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap();
        let name = part.name().unwrap().to_string();
        let method = part.compression();
        let mut content = Vec::new();
        part.read_to_end(&mut content).unwrap();
        if content.len() < 1024 {
            assert_eq!(method, zip::CompressionMethod::Stored, "{name}");
            stored.push(name);
        } else {
            assert_eq!(method, zip::CompressionMethod::Deflated, "{name}");
            deflated.push(name);
        }
    }
    assert!(stored.contains(&"xl/worksheets/sheet1.xml".to_string()));
    assert!(deflated.contains(&"xl/worksheets/sheet2.xml".to_string()));
    assert!(deflated.contains(&"xl/theme/theme1.xml".to_string()));

    let mut read: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let one = read.worksheet_range("Sheet1").unwrap();
    assert_eq!(
        one.get((0, 0)),
        Some(&calamine::Data::String("one cell".into()))
    );
    let two = read.worksheet_range("Sheet2").unwrap();
    assert_eq!(two.height(), 200);
    assert_eq!(two.get((199, 0)), Some(&calamine::Data::Float(199.0)));
}

/// The other packaging change: the theme, the styles and the content types, the same bytes in
/// every workbook of one layout, are deflated once per thread for each distinct content and
/// copied raw after that. A workbook is the same bytes whether its thread deflated them just
/// now or earlier, every part reads back with its checksum, and a part whose content changed
/// is not taken from the earlier copy.
#[test]
fn boilerplate_parts_are_the_same_bytes_whether_deflated_now_or_before() {
    use std::io::Read;

    fn book(bold_cells: u32) -> Vec<u8> {
        book_at(1, bold_cells)
    }
    fn book_at(level: u8, bold_cells: u32) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        book.set_zip_compression_level(level);
        let sheet = book.add_worksheet();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for row in 0..100u32 {
            sheet.write_number(row, 0, f64::from(row)).unwrap();
        }
        for row in 0..bold_cells {
            sheet
                .write_string_with_format(row, 1, "bold", &bold)
                .unwrap();
        }
        book.save_to_buffer().unwrap()
    }
    fn parts(bytes: &[u8]) -> Vec<(String, zip::CompressionMethod, Vec<u8>)> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        (0..zip.len())
            .map(|i| {
                let mut part = zip.by_index(i).unwrap();
                let mut content = Vec::new();
                // Reading to the end checks the part's CRC-32.
                part.read_to_end(&mut content).unwrap();
                (
                    part.name().unwrap().to_string(),
                    part.compression(),
                    content,
                )
            })
            .collect()
    }

    // Each on a thread of its own, so the first workbook of each finds nothing deflated.
    let (cold, warm) = std::thread::spawn(|| (book(0), book(0))).join().unwrap();
    let styled_cold = std::thread::spawn(|| book(3)).join().unwrap();
    let (plain_then_styled, styled_after) =
        std::thread::spawn(|| (book(0), book(3))).join().unwrap();
    assert_eq!(cold, warm);
    assert_eq!(cold, plain_then_styled);
    assert_eq!(styled_cold, styled_after);
    assert_ne!(cold, styled_cold);
    // The same content at another compression level is deflated at that level, not copied
    // from the level-1 bytes: a workbook does not depend on what its thread wrote before.
    let level9_cold = std::thread::spawn(|| book_at(9, 0)).join().unwrap();
    let level9_after_level1 = std::thread::spawn(|| {
        book(0);
        book_at(9, 0)
    })
    .join()
    .unwrap();
    assert_eq!(level9_cold, level9_after_level1);
    assert_ne!(level9_cold, cold);

    let plain = parts(&cold);
    let styled = parts(&styled_cold);
    let part = |all: &[(String, zip::CompressionMethod, Vec<u8>)], name: &str| {
        all.iter()
            .find(|(n, _, _)| n == name)
            .unwrap_or_else(|| panic!("{name} is in the workbook"))
            .clone()
    };
    for name in [
        "xl/theme/theme1.xml",
        "xl/styles.xml",
        "[Content_Types].xml",
    ] {
        let (_, method, content) = part(&plain, name);
        if content.len() >= 1024 {
            assert_eq!(method, zip::CompressionMethod::Deflated, "{name}");
        } else {
            assert_eq!(method, zip::CompressionMethod::Stored, "{name}");
        }
    }
    let theme = part(&plain, "xl/theme/theme1.xml").2;
    assert!(
        theme.starts_with(b"<?xml") && theme.len() > 6000,
        "the theme reads back whole"
    );
    assert_eq!(theme, part(&styled, "xl/theme/theme1.xml").2);
    let (plain_styles, styled_styles) = (
        part(&plain, "xl/styles.xml").2,
        part(&styled, "xl/styles.xml").2,
    );
    assert_ne!(plain_styles, styled_styles);
    assert!(String::from_utf8(styled_styles).unwrap().contains("<b/>"));
    assert!(!String::from_utf8(plain_styles).unwrap().contains("<b/>"));
}

/// The cell writers of vendor/rust_xlsxwriter.patch: a number is written as std's `Display`
/// writes it (zmij formats it where its output is plain decimal), and a cell's reference,
/// format and string index are the same text as before. Checked over 20 000 finite doubles
/// from random bit patterns and the edges of plain and exponent notation.
#[test]
fn numbers_and_cells_are_written_as_display_writes_them() {
    use std::io::Read;

    let mut numbers: Vec<f64> = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.1,
        0.1 + 0.2,
        123_456.78,
        -9_876_543.21,
        1e-5,
        1e-7,
        1.5e-300,
        5e-324,
        f64::MIN_POSITIVE,
        1e15,
        1e16,
        1e17,
        123_456_789_012_345_680.0,
        9_007_199_254_740_993.0,
        f64::MAX,
        f64::MIN,
        0.000_123_4,
        2f64.powi(60),
    ];
    // A fixed sequence of bit patterns (splitmix64), every finite one kept.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    while numbers.len() < 20_000 {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let f = f64::from_bits(z);
        if f.is_finite() {
            numbers.push(f);
            // And one of ordinary size, as amounts and ratios are.
            numbers.push((z % 10_000_000_000) as f64 / 100.0 * if z & 1 == 0 { 1.0 } else { -1.0 });
        }
    }

    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (i, n) in numbers.iter().enumerate() {
        let row = i as u32;
        if i % 3 == 0 {
            sheet.write_number_with_format(row, 30, *n, &bold).unwrap();
        } else {
            sheet.write_number(row, 30, *n).unwrap();
        }
        if i % 1000 == 0 {
            sheet.write_string(row, 0, format!("text {i}")).unwrap();
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();

    let mut expected = String::new();
    for (i, n) in numbers.iter().enumerate() {
        let row = i + 1;
        if i % 1000 == 0 {
            expected.push_str(&format!(r#"<c r="A{row}" t="s"><v>{}</v></c>"#, i / 1000));
        }
        let style = if i % 3 == 0 { r#" s="1""# } else { "" };
        expected.push_str(&format!(r#"<c r="AE{row}"{style}><v>{n}</v></c>"#));
    }
    let cells: String = xml
        .split("<c ")
        .skip(1)
        .map(|c| format!("<c {}", &c[..c.find("</c>").expect("a cell ends") + 4]))
        .collect();
    assert_eq!(cells.len(), expected.len());
    if cells != expected {
        let at = cells
            .bytes()
            .zip(expected.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "the cells differ from Display's text at byte {at}: {:?} against {:?}",
            &cells[at.saturating_sub(40)..(at + 40).min(cells.len())],
            &expected[at.saturating_sub(40)..(at + 40).min(expected.len())]
        );
    }
}
