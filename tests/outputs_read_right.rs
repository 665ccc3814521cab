//! The outputs read right (issue 7): units decided once (ratios as percentages, money with its
//! currency), Russian text with decimal commas and plural forms, `run`'s summary in the labels'
//! language, and workbooks that print: A4, fit to the page width, header rows repeated, a print
//! area, and a statement whose first printed page holds the summary, the KPI table and the chart
//! (converted to PDF by LibreOffice and the pages read back).

mod common;

use calamine::{Data, Reader, Xlsx};
use incentive::period::Period;
use incentive::report::Context;
use incentive::report::labels::{Labels, Lang};
use incentive::run::{self, RunResult};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

fn compute(data: &str, period: &str) -> RunResult {
    run::compute(
        Path::new("schemes"),
        Path::new(data),
        Period::parse(period).unwrap(),
    )
    .expect("valid input")
}

fn reference() -> RunResult {
    compute("tests/fixtures/reference/2026-09.xlsx", "2026-09")
}

fn context(lang: Lang) -> Context {
    Context::new(Labels::new(lang), "cmd".into())
}

fn localized(mut run: RunResult, lang: Lang) -> RunResult {
    incentive::report::localize(&mut run, &Labels::new(lang));
    run
}

fn payouts(run: &RunResult, lang: Lang) -> Vec<u8> {
    let payroll = incentive::report::payroll_csv(run).unwrap();
    incentive::report::payouts_xlsx(run, &context(lang), &payroll).unwrap()
}

/// A part of an xlsx file (a zip), as text.
fn part(xlsx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("no {name}"))
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The value of `attr="…"` inside `element`'s text.
fn attr(element: &str, attr: &str) -> Option<String> {
    let start = element.find(&format!(" {attr}=\""))? + attr.len() + 3;
    let end = element[start..].find('"')? + start;
    Some(element[start..end].to_string())
}

/// Every `<tag …>` element of an XML text, as its opening tag's text.
fn elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag} ");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let end = rest[i..].find('>').map_or(rest.len(), |e| i + e + 1);
        out.push(&rest[i..end]);
        rest = &rest[end..];
    }
    out
}

/// The number format of each cell of sheet `n` (1-based) that has a style, by reference (`L3`).
fn number_formats(xlsx: &[u8], n: usize) -> BTreeMap<String, String> {
    let styles = part(xlsx, "xl/styles.xml");
    let custom: BTreeMap<String, String> = elements(&styles, "numFmt")
        .iter()
        .map(|e| {
            let code = attr(e, "formatCode").unwrap().replace("&quot;", "\"");
            (attr(e, "numFmtId").unwrap(), code)
        })
        .collect();
    let xfs_start = styles.find("<cellXfs").unwrap();
    let xfs_end = styles.find("</cellXfs>").unwrap();
    let xfs: Vec<String> = elements(&styles[xfs_start..xfs_end], "xf")
        .iter()
        .map(|e| {
            let id = attr(e, "numFmtId").unwrap();
            custom.get(&id).cloned().unwrap_or(format!("builtin {id}"))
        })
        .collect();
    let sheet = part(xlsx, &format!("xl/worksheets/sheet{n}.xml"));
    elements(&sheet, "c")
        .iter()
        .filter_map(|e| {
            let s: usize = attr(e, "s")?.parse().ok()?;
            Some((attr(e, "r")?, xfs[s].clone()))
        })
        .collect()
}

/// The text and number cells of a sheet by (row, column).
fn cells(xlsx: &[u8], sheet: &str) -> BTreeMap<(u32, u32), Data> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(xlsx.to_vec())).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    let (r0, c0) = range.start().unwrap_or((0, 0));
    range
        .used_cells()
        .map(|(r, c, v)| ((r0 + r as u32, c0 + c as u32), v.clone()))
        .collect()
}

fn column_letter(c: u32) -> char {
    (b'A' + c as u8) as char
}

// ---------------------------------------------------------------------------------------------
// Units.

#[test]
fn breakdown_shows_each_metric_in_its_unit() {
    let run = reference();
    let bytes = payouts(&run, Lang::En);
    let values = cells(&bytes, "Breakdown");
    let formats = number_formats(&bytes, 2);
    // Breakdown columns: D = KPI id, L = actual, M = target.
    let (kpi, actual, target) = (3, 11, 12);
    let format_of = |id: &str| -> (String, String) {
        let row = values
            .iter()
            .find(|((_, c), v)| *c == kpi && matches!(v, Data::String(s) if s == id))
            .map(|((r, _), _)| *r)
            .unwrap_or_else(|| panic!("a Breakdown row of {id}"));
        let at = |c: u32| format!("{}{}", column_letter(c), row + 1);
        (formats[&at(actual)].clone(), formats[&at(target)].clone())
    };
    let percent = ("0.0%".to_string(), "0.0%".to_string());
    let money = (
        "#,##0.00 \"KZT\"".to_string(),
        "#,##0.00 \"KZT\"".to_string(),
    );
    // Ratios read as percentages (80%, not 0.8), amounts carry the currency.
    assert_eq!(format_of("retention"), percent);
    assert_eq!(format_of("proposal_to_deal"), percent);
    assert_eq!(format_of("contact_coverage"), percent);
    assert_eq!(format_of("upsell"), money);
    assert_eq!(format_of("revenue"), money);
    assert_eq!(format_of("average_deal"), money);
    // Counts stay whole numbers.
    assert_eq!(format_of("meetings").0, "#,##0");
    // The header says proration, not share; the weight is a percentage.
    assert_eq!(values[&(0, 9)], Data::String("proration".into()));
    assert_eq!(values[&(0, 10)], Data::String("weight".into()));
    let first_weight = format!("{}2", column_letter(10));
    assert_eq!(formats[&first_weight], "0%");
}

#[test]
fn statement_money_carries_the_currency_code() {
    let run = reference();
    let files = incentive::report::statements(&run, &context(Lang::En)).unwrap();
    let (_, bytes) = files
        .iter()
        .find(|(p, _)| p.ends_with("E008.xlsx"))
        .unwrap();
    let values = cells(bytes, "Statement");
    let formats = number_formats(bytes, 1);
    let total_row = values
        .iter()
        .find(|(_, v)| matches!(v, Data::String(s) if s == "total"))
        .map(|((r, _), _)| *r)
        .unwrap();
    assert_eq!(formats[&format!("B{}", total_row + 1)], "#,##0.00 \"KZT\"");
    let text = incentive::report::statement::statement_text(&run, 7, &context(Lang::En));
    assert!(text.contains("  total         176 274.56 KZT\n"), "{text}");
    assert!(!text.contains('₸'), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Russian.

/// Text that writes a decimal with a point: a digit, `.`, a digit.
fn decimal_points(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    for i in 1..chars.len().saturating_sub(1) {
        if chars[i] == '.' && chars[i - 1].is_ascii_digit() && chars[i + 1].is_ascii_digit() {
            let from = i.saturating_sub(12);
            let to = (i + 12).min(chars.len());
            out.push(chars[from..to].iter().collect());
        }
    }
    out
}

#[test]
fn russian_text_uses_decimal_commas_and_plural_forms() {
    let run = localized(reference(), Lang::Ru);
    let ru = context(Lang::Ru);
    // Every statement's text, and every text cell of the Summary, Breakdown and Flags sheets
    // (the Data report and Audit quote file paths and the tool's version, which keep theirs).
    let mut found = Vec::new();
    for i in 0..run.employees.len() {
        let text = incentive::report::statement::statement_text(&run, i, &ru);
        found.extend(decimal_points(&text));
    }
    let bytes = payouts(&run, Lang::Ru);
    let mut band_words = Vec::new();
    for sheet in ["Сводка", "Расшифровка", "Отметки"] {
        let cells = cells(&bytes, sheet);
        // The run's warnings about the data come from the reader, in English.
        let warning_rows: Vec<u32> = cells
            .iter()
            .filter(|((_, c), v)| *c == 4 && matches!(v, Data::String(s) if s == "предупреждение"))
            .map(|((r, _), _)| *r)
            .collect();
        for ((r, _), v) in &cells {
            if warning_rows.contains(r) {
                continue;
            }
            if let Data::String(s) = v {
                found.extend(decimal_points(s));
                band_words.push(s.clone());
            }
        }
    }
    assert_eq!(found, Vec::<String>::new());
    // The decimals are there, with commas: a curve's slope and a fractional attainment.
    assert!(band_words.iter().any(|s| s == "100-120%: 1,5 за 1%"));
    assert!(
        band_words
            .iter()
            .any(|s| s.contains(',') && s.starts_with("выполнение "))
    );

    // A mid-month joiner: "за 20 из 31 дня", never "за 20/31 дней".
    let e002 = run
        .employees
        .iter()
        .position(|e| e.employee.id == "E002")
        .unwrap();
    let text = incentive::report::statement::statement_text(&run, e002, &ru);
    let days = run.employees[e002].employment;
    let expected = format!(
        "отработано {} из {} дней",
        days.days_employed, days.days_in_period
    );
    assert!(
        text.contains(&format!("пропорция по дням  {expected} = ")),
        "{text}"
    );
    assert!(
        text.contains(&format!("от веса 50%, {expected} → ")),
        "{text}"
    );
    assert!(!text.contains("доля"), "{text}");
    // The metric descriptions (here the catalogue's) are Russian too.
    assert!(
        text.contains("revenue — сумма сделок, выигранных в периоде"),
        "{text}"
    );
}

#[test]
fn run_summary_in_english_is_what_run_prints_and_reads_in_russian() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = common::run(
        &[
            "run",
            "--data",
            "samples/2026-10-csv",
            "--period",
            "2026-10",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let run = compute("samples/2026-10-csv", "2026-10");
    let en = incentive::report::run_summary(&run, &out, &Labels::new(Lang::En));
    assert_eq!(
        en.replace(&tmp.path().display().to_string(), "[TMP]"),
        o.stdout
    );
    let ru = incentive::report::run_summary(&run, Path::new("out"), &Labels::new(Lang::Ru));
    insta::assert_snapshot!(ru, @r"
    2026-10: 30 сотрудников, итого 9119620,35 KZT
    ведомость: out/payroll.csv
    книга:     out/payouts.xlsx
    расчёты:   out/statements (30 файлов)
    манифест:  out/run.json
    ");
}

#[test]
fn run_summary_says_who_is_in_observation_in_both_languages() {
    // An observed KPI in the transactional scheme, and the candidate scheme beside it.
    let tmp = tempfile::tempdir().unwrap();
    let (data, schemes) = (tmp.path().join("data"), tmp.path().join("schemes"));
    common::copy_dir(Path::new("samples/2026-10-csv"), &data);
    common::copy_dir(Path::new("schemes"), &schemes);
    let scheme = schemes.join("transactional.yaml");
    // The preset's metrics are the catalogue's: calls_5min is the scheme's own.
    let text = std::fs::read_to_string(&scheme).unwrap();
    assert!(
        !text.contains("\nmetrics:"),
        "transactional.yaml defines no metrics"
    );
    let text = text.replace(
        "\nkpis:\n",
        "\nmetrics:\n  calls_5min:\n    count: calls\n    where: { direction: outgoing, duration_sec: { at_least: 300 }, started_at: in_period }\nkpis:\n",
    ) + "  - id: calls_5min\n    observe: yes\n    weight: 20%\n    metric: calls_5min\n    target: 250\n";
    std::fs::write(&scheme, text).unwrap();
    let roster = data.join("employees.csv");
    let text: String = std::fs::read_to_string(&roster)
        .unwrap()
        .lines()
        .map(|l| {
            if l.starts_with("employee_id") {
                format!("{l},observe_scheme\n")
            } else if l.contains(",transactional,") {
                format!("{l},transactional-5min\n")
            } else {
                format!("{l},\n")
            }
        })
        .collect();
    std::fs::write(&roster, text).unwrap();
    let out = tmp.path().join("out");
    let o = common::run(
        &[
            "run",
            "--data",
            data.to_str().unwrap(),
            "--period",
            "2026-10",
            "--schemes",
            schemes.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let run = run::compute(&schemes, &data, Period::parse("2026-10").unwrap()).unwrap();
    let en = incentive::report::run_summary(&run, &out, &Labels::new(Lang::En));
    let en = en.replace(&tmp.path().display().to_string(), "[TMP]");
    assert_eq!(en, o.stdout);
    assert!(
        en.contains("observation: 10 employees have KPIs in observation"),
        "{en}"
    );
    let ru = incentive::report::run_summary(&run, Path::new("out"), &Labels::new(Lang::Ru));
    insta::assert_snapshot!(ru, @r"
    2026-10: 30 сотрудников, итого 9119620,35 KZT
    ведомость: out/payroll.csv
    книга:     out/payouts.xlsx
    наблюдение: у 10 сотрудников есть KPI в наблюдении (показаны, не выплачиваются)
    наблюдение: 10 сотрудников на схеме-кандидате (лист Наблюдение, не выплачивается)
    расчёты:   out/statements (30 файлов)
    манифест:  out/run.json
    ");
}

// ---------------------------------------------------------------------------------------------
// Printing.

#[test]
fn every_payouts_sheet_prints_on_a4_fit_to_width_with_its_header_repeated() {
    let run = reference();
    let bytes = payouts(&run, Lang::En);
    let workbook = part(&bytes, "xl/workbook.xml");
    let names = [
        "Summary",
        "Breakdown",
        "Adjustments",
        "Flags",
        "'Data report'",
        "Audit",
    ];
    for (i, name) in names.iter().enumerate() {
        let sheet = part(&bytes, &format!("xl/worksheets/sheet{}.xml", i + 1));
        let setup = elements(&sheet, "pageSetup");
        assert_eq!(setup.len(), 1, "{name}");
        assert_eq!(attr(setup[0], "paperSize").as_deref(), Some("9"), "{name}");
        assert_eq!(
            attr(setup[0], "orientation").as_deref(),
            Some("landscape"),
            "{name}"
        );
        // One page wide (fitToWidth defaults to 1), as many pages long as it takes.
        assert_eq!(attr(setup[0], "fitToWidth"), None, "{name}");
        assert_eq!(
            attr(setup[0], "fitToHeight").as_deref(),
            Some("0"),
            "{name}"
        );
        assert!(sheet.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{name}");
        let titles = format!(
            "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"{i}\">{name}!$1:$1</definedName>"
        );
        assert!(workbook.contains(&titles), "{name}: {workbook}");
        // The print area covers every cell written.
        let dimension = attr(elements(&sheet, "dimension")[0], "ref").unwrap();
        let area_tag = format!("<definedName name=\"_xlnm.Print_Area\" localSheetId=\"{i}\">");
        let area_start = workbook.find(&area_tag).expect("a print area") + area_tag.len();
        let area_end = workbook[area_start..].find('<').unwrap() + area_start;
        let area = workbook[area_start..area_end].replace('$', "");
        let (_, area) = area.rsplit_once('!').unwrap();
        let last = |r: &str| -> (String, u32) {
            let end = r.rsplit(':').next().unwrap();
            let letters: String = end
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            (letters.clone(), end[letters.len()..].parse().unwrap())
        };
        let (area_col, area_row) = last(area);
        let (dim_col, dim_row) = last(&dimension);
        assert_eq!(area_col, dim_col, "{name}: {area} vs {dimension}");
        assert!(area_row >= dim_row, "{name}: {area} vs {dimension}");
        assert!(area.starts_with("A1:"), "{name}: {area}");
    }
}

/// Converts `files` to PDF with LibreOffice into `work/pdf`.
fn libreoffice_pdf(work: &Path, files: &[PathBuf]) -> PathBuf {
    let profile = work.join("profile");
    std::fs::create_dir_all(&profile).unwrap();
    let out = work.join("pdf");
    common::soffice_convert(&profile, "pdf", &out, files);
    out
}

/// A PDF as LibreOffice writes it, read just enough: its pages in order (landscape or not)
/// and its outline, one entry per sheet with the page that sheet starts on.
#[derive(Debug)]
struct Pdf {
    landscape: Vec<bool>,
    /// (sheet name, 0-based page index).
    outline: Vec<(String, usize)>,
}

fn object<'a>(pdf: &'a str, id: &str) -> &'a str {
    let head = format!("\n{id} 0 obj");
    let start = pdf.find(&head).unwrap_or_else(|| panic!("object {id}")) + head.len();
    let end = pdf[start..].find("endobj").unwrap() + start;
    &pdf[start..end]
}

fn after<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.find(key).map(|i| &text[i + key.len()..])
}

fn media_box(text: &str) -> Option<(f64, f64)> {
    let b = after(text, "/MediaBox[")?;
    let nums: Vec<f64> = b[..b.find(']')?]
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    Some((nums[2] - nums[0], nums[3] - nums[1]))
}

fn read_pdf(bytes: &[u8]) -> Pdf {
    // The structure is plain text; the content streams are skipped (lossy decoding is fine).
    let pdf = String::from_utf8_lossy(bytes);
    let pages_at = pdf.find("/Type/Pages").expect("a page tree");
    let obj_start = pdf[..pages_at].rfind(" 0 obj").unwrap();
    let id_start = pdf[..obj_start].rfind('\n').unwrap() + 1;
    let pages = object(&pdf, &pdf[id_start..obj_start]);
    let kids = after(pages, "/Kids[").unwrap();
    let kids: Vec<&str> = kids[..kids.find(']').unwrap()]
        .split(" 0 R")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let tree_box = media_box(pages);
    let landscape = kids
        .iter()
        .map(|k| {
            let (w, h) = media_box(object(&pdf, k))
                .or(tree_box)
                .expect("a media box");
            w > h
        })
        .collect();
    let mut outline = Vec::new();
    let mut rest: &str = &pdf;
    while let Some(t) = after(rest, "/Title<FEFF") {
        let hex = &t[..t.find('>').unwrap()];
        let units: Vec<u16> = (0..hex.len() / 4)
            .map(|i| u16::from_str_radix(&hex[i * 4..i * 4 + 4], 16).unwrap())
            .collect();
        rest = t;
        // Outline items only (the document's own title has no destination).
        let item = &t[..t.find("endobj").unwrap_or(t.len())];
        let Some(dest) = after(item, "/Dest[") else {
            continue;
        };
        let page = dest[..dest.find(" 0 R").unwrap()].trim();
        let index = kids.iter().position(|k| *k == page).expect("a page");
        outline.push((String::from_utf16(&units).unwrap(), index));
    }
    Pdf { landscape, outline }
}

#[test]
fn a_statement_prints_its_summary_kpi_table_and_chart_on_page_one() {
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("input");
    std::fs::create_dir_all(&input).unwrap();
    let mut paths = Vec::new();
    // Every statement of the reference period in English, three in Russian, and six of the
    // sample period's (a joiner, a leaver, a zero payout, each scheme).
    let mut add = |run: &RunResult, lang: Lang, prefix: &str, only: Option<&[&str]>| {
        for (i, (path, bytes)) in incentive::report::statements(run, &context(lang))
            .unwrap()
            .into_iter()
            .enumerate()
        {
            let id = &run.employees[i].employee.id;
            if only.is_some_and(|o| !o.contains(&id.as_str())) {
                continue;
            }
            let name = format!(
                "{prefix}-{}",
                Path::new(&path).file_name().unwrap().to_str().unwrap()
            );
            let file = input.join(&name);
            std::fs::write(&file, bytes).unwrap();
            paths.push((file, lang));
        }
    };
    let reference = reference();
    add(&reference, Lang::En, "ref", None);
    add(
        &localized(reference, Lang::Ru),
        Lang::Ru,
        "ru",
        Some(&["E002", "E008", "E016"]),
    );
    add(
        &compute("samples/2026-10-csv", "2026-10"),
        Lang::En,
        "sample",
        Some(&["E101", "E104", "E105", "E120", "E123", "E130"]),
    );
    assert_eq!(paths.len(), 18 + 3 + 6);
    let files: Vec<PathBuf> = paths.iter().map(|(p, _)| p.clone()).collect();
    let out = libreoffice_pdf(work.path(), &files);
    for (file, lang) in &paths {
        let stem = file.file_stem().unwrap().to_str().unwrap();
        let pdf = read_pdf(&std::fs::read(out.join(format!("{stem}.pdf"))).unwrap());
        let (statement, source) = match lang {
            Lang::En => ("Statement", "Source rows"),
            Lang::Ru => ("Расчёт", "Исходные строки"),
        };
        // Page 1 is the statement sheet, whole (landscape); the source rows start on page 2
        // (portrait) and take the rest.
        assert_eq!(
            pdf.outline,
            [(statement.to_string(), 0), (source.to_string(), 1)],
            "{stem}"
        );
        assert!(pdf.landscape[0], "{stem}: page 1 is landscape");
        assert!(
            pdf.landscape[1..].iter().all(|l| !l),
            "{stem}: the source rows print portrait: {:?}",
            pdf.landscape
        );
        assert!(
            pdf.landscape.len() <= 8,
            "{stem}: {} pages",
            pdf.landscape.len()
        );
    }
    // The statement sheet's own print settings, as written.
    let bytes = std::fs::read(&paths[0].0).unwrap();
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    let setup = elements(&sheet, "pageSetup")[0];
    assert_eq!(attr(setup, "paperSize").as_deref(), Some("9"));
    assert_eq!(attr(setup, "orientation").as_deref(), Some("landscape"));
    assert_eq!(attr(setup, "fitToHeight"), None, "one page tall");
    assert!(sheet.contains("<pageSetUpPr fitToPage=\"1\"/>"));
    let workbook = part(&bytes, "xl/workbook.xml");
    assert!(
        workbook.contains(
            "<definedName name=\"_xlnm.Print_Area\" localSheetId=\"0\">Statement!$A$1:$J$"
        ),
        "{workbook}"
    );
}

#[test]
fn a_statement_with_too_many_kpis_for_one_page_breaks_before_the_lines_and_the_chart() {
    // Twenty KPIs: a one-page statement would be unreadably small, so it prints one page wide
    // with the summary and KPI table first, the lines and then the chart on pages of their own.
    let work = tempfile::tempdir().unwrap();
    let (schemes, data) = (work.path().join("schemes"), work.path().join("data"));
    common::copy_dir(Path::new("schemes"), &schemes);
    common::copy_dir(Path::new("tests/fixtures/mini"), &data);
    let kpis: String = (1..=20)
        .map(|i| {
            format!(
                "  - {{ id: k{i}, name: KPI number {i}, weight: 5%, metric: won, target: 1 }}\n"
            )
        })
        .collect();
    std::fs::write(
        schemes.join("transactional.yaml"),
        format!(
            "name: Many KPIs\ncurrency: KZT\ncurve: standard\nmetrics:\n  won: {{ count: deals, where: {{ status: won }} }}\nkpis:\n{kpis}"
        ),
    )
    .unwrap();
    let run = run::compute(&schemes, &data, Period::parse("2026-10").unwrap()).unwrap();
    let i = run
        .employees
        .iter()
        .position(|e| e.employee.id == "E2")
        .unwrap();
    let files = incentive::report::statements(&run, &context(Lang::En)).unwrap();
    let file = work.path().join("E2.xlsx");
    std::fs::write(&file, &files[i].1).unwrap();

    let sheet = part(&files[i].1, "xl/worksheets/sheet1.xml");
    let setup = elements(&sheet, "pageSetup")[0];
    assert_eq!(attr(setup, "orientation").as_deref(), Some("landscape"));
    assert_eq!(attr(setup, "fitToHeight").as_deref(), Some("0"));
    assert!(sheet.contains("<pageSetUpPr fitToPage=\"1\"/>"));
    let breaks: Vec<u32> = elements(&sheet, "brk")
        .iter()
        .map(|b| attr(b, "id").unwrap().parse().unwrap())
        .collect();
    // The breaks sit right before the "explanation" title and the chart data.
    let values = cells(&files[i].1, "Statement");
    let row_of = |text: &str| -> u32 {
        values
            .iter()
            .find(|((_, c), v)| *c == 0 && matches!(v, Data::String(s) if s == text))
            .map(|((r, _), _)| *r)
            .unwrap_or_else(|| panic!("{text}"))
    };
    assert_eq!(breaks, [row_of("explanation"), row_of("chart data")]);

    let out = libreoffice_pdf(work.path(), &[file]);
    let pdf = read_pdf(&std::fs::read(out.join("E2.pdf")).unwrap());
    assert_eq!(pdf.outline[0], ("Statement".to_string(), 0));
    assert_eq!(pdf.outline[1].0, "Source rows");
    // Summary and KPI table, the lines, the chart: three landscape pages.
    assert_eq!(pdf.outline[1].1, 3, "{pdf:?}");
    assert_eq!(pdf.landscape[..3], [true, true, true]);
}
