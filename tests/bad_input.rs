//! End to end: `incentive run` over a tiny valid CSV month (tests/fixtures/mini), and over copies
//! of it with exactly one thing broken. Bad input must exit 2, write nothing, and list every
//! problem with its file, row and column (file:line:column for schemes) and what was expected.

mod common;

use common::{Outcome, crate_path, run, write_csv_folder};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const PERIOD: &str = "2026-10";

/// The payroll of tests/fixtures/mini for 2026-10, computed by hand (target bonus × weight ×
/// factor of the standard curve: 0 below 80%, 1:1 to 100%, +1.5 per point to 120%, cap 130%):
///
/// E1 b2b-long-cycle, bonus 100 000, plan revenue 1 000 000:
///   revenue 1 100 000 (D1+D2) → 110% → 1.15 × 50% = 57 500;
///   pipeline 2 700 000 (D3+D4, and D7 which closes after the month) vs 3 × plan → 90% → 18 000;
///   meetings held 7 of 8 → 87.5% × 15% = 13 125; proposals 1 won of 2 closed = 50% vs 25%
///   → 200%, capped at 1.3 × 15% = 19 500. Total 108 125.00.
/// E2 transactional, bonus 80 000, plan revenue 500 000:
///   revenue 300 000.50 + 249 999.50 = 550 000 → 110% → 1.15 × 40% = 36 800;
///   deals won 2 of 30 and calls of 2+ minutes 2 of 600 → below threshold → 0;
///   average deal 275 000 of 275 000 → 100% × 15% = 12 000. Total 48 800.00.
/// E3 account-manager, bonus 120 000, plan upsell 200 000:
///   book K1 K2 K3 K6 K7, K3 churned in the month → retention 80% vs 90% → 8/9 × 30% = 32 000;
///   upsell D20 + D22 (D21 is a new client) = 210 000 → 105% → 1.075 × 30% = 38 700;
///   NPS (3 promoters − 1 detractor) / 5 × 100 = 40 vs 50 → 80% × 20% = 19 200;
///   contact coverage K1 K2 K3 K6 of 5 (K7 only incoming, or held in September) → 80% × 20%
///   = 19 200. Total 109 100.00.
const MINI_PAYROLL: &str = "\
employee_id,name,period,scheme,currency,amount,bonus,adjustments
E1,Aigerim Sadykova,2026-10,b2b-long-cycle,KZT,108125.00,108125.00,0.00
E2,Bolat Nurlanov,2026-10,transactional,KZT,48800.00,48800.00,0.00
E3,Dana Ospanova,2026-10,account-manager,KZT,109100.00,109100.00,0.00
";

/// A temporary folder holding `data/` (a copy of the mini fixture), the run's `out/` and,
/// for scheme tests, a copy of the schemes in `schemes/`.
struct Case {
    tmp: TempDir,
    schemes: PathBuf,
}

impl Case {
    fn new() -> Case {
        let tmp = tempfile::tempdir().unwrap();
        let mut tables: Vec<(String, String)> = Vec::new();
        for entry in std::fs::read_dir(crate_path("tests/fixtures/mini")).unwrap() {
            let path = entry.unwrap().path();
            let table = path.file_stem().unwrap().to_str().unwrap().to_string();
            tables.push((table, std::fs::read_to_string(&path).unwrap()));
        }
        assert_eq!(tables.len(), 8, "the mini fixture has all eight tables");
        let pairs: Vec<(&str, &str)> = tables
            .iter()
            .map(|(t, x)| (t.as_str(), x.as_str()))
            .collect();
        write_csv_folder(&tmp.path().join("data"), &pairs);
        Case {
            tmp,
            schemes: crate_path("schemes"),
        }
    }

    fn path(&self) -> &Path {
        self.tmp.path()
    }
    fn data(&self) -> PathBuf {
        self.path().join("data")
    }
    fn out(&self) -> PathBuf {
        self.path().join("out")
    }
    fn table(&self, table: &str) -> PathBuf {
        self.data().join(format!("{table}.csv"))
    }

    /// Rewrites one table of the copy.
    fn rewrite(&self, table: &str, f: impl FnOnce(&str) -> String) {
        let text = std::fs::read_to_string(self.table(table)).unwrap();
        write_csv_folder(&self.data(), &[(table, &f(&text))]);
    }

    /// Replaces the one line `from` of a table (which must be there exactly once) with `to`.
    fn replace_line(&self, table: &str, from: &str, to: &str) {
        self.rewrite(table, |text| replace_line(text, from, to));
    }

    /// Removes the one line `line` of a table (which must be there exactly once).
    fn remove_line(&self, table: &str, line: &str) {
        self.rewrite(table, |text| {
            assert_eq!(text.lines().filter(|l| *l == line).count(), 1, "{line:?}");
            text.lines()
                .filter(|l| *l != line)
                .map(|l| format!("{l}\n"))
                .collect()
        });
    }

    fn append(&self, table: &str, line: &str) {
        self.rewrite(table, |text| format!("{text}{line}\n"));
    }

    fn remove(&self, table: &str) {
        std::fs::remove_file(self.table(table)).unwrap();
    }

    /// Copies the preset schemes into the case and runs with that copy from now on: the
    /// presets as written before the catalogue, whose metric definitions (filters, formulas)
    /// the scheme tests get wrong on purpose.
    fn copy_schemes(&mut self) -> PathBuf {
        let dir = self.path().join("schemes");
        std::fs::create_dir_all(&dir).unwrap();
        for entry in
            std::fs::read_dir(crate_path("tests/fixtures/presets-before-catalogue")).unwrap()
        {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
        self.schemes = dir.clone();
        dir
    }

    /// Replaces the one line `from` of a copied scheme file with `to`.
    fn replace_scheme_line(&self, file: &str, from: &str, to: &str) {
        let path = self.schemes.join(file);
        assert!(path.starts_with(self.path()), "copy the schemes first");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, replace_line(&text, from, to)).unwrap();
    }

    fn run_args(&self, args: &[&Path]) -> Outcome {
        run(args, self.path())
    }

    /// `incentive run --data DATA --period 2026-10 --out OUT --schemes SCHEMES`.
    fn run(&self) -> Outcome {
        self.run_period(PERIOD)
    }

    fn run_period(&self, period: &str) -> Outcome {
        let (data, out) = (self.data(), self.out());
        self.run_args(&[
            Path::new("run"),
            Path::new("--data"),
            &data,
            Path::new("--period"),
            Path::new(period),
            Path::new("--out"),
            &out,
            Path::new("--schemes"),
            &self.schemes,
        ])
    }

    fn payroll(&self) -> String {
        std::fs::read_to_string(self.out().join("payroll.csv")).unwrap()
    }
}

fn replace_line(text: &str, from: &str, to: &str) -> String {
    let hits = text.lines().filter(|l| *l == from).count();
    assert_eq!(hits, 1, "the line {from:?} must be there exactly once");
    let mut out = String::new();
    for line in text.lines() {
        out.push_str(if line == from { to } else { line });
        out.push('\n');
    }
    out
}

/// The run was refused as bad input (exit 2) and wrote nothing. Returns stderr to snapshot.
fn refused(case: &Case, outcome: Outcome) -> String {
    assert_eq!(
        outcome.code, 2,
        "exit code of bad input; stderr:\n{}",
        outcome.stderr
    );
    assert_eq!(outcome.stdout, "", "nothing on stdout when refused");
    assert!(
        !case.out().join("payroll.csv").exists(),
        "payroll.csv must not be written"
    );
    let written: Vec<_> = std::fs::read_dir(case.out())
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(written.is_empty(), "nothing is written: {written:?}");
    assert!(
        outcome.stderr.starts_with("error: "),
        "stderr: {}",
        outcome.stderr
    );
    outcome.stderr
}

// ---------------------------------------------------------------------------------------------
// The valid month
// ---------------------------------------------------------------------------------------------

#[test]
fn mini_fixture_pays_hand_computed_amounts() {
    let case = Case::new();
    let outcome = case.run();
    assert_eq!(outcome.code, 0, "stderr:\n{}", outcome.stderr);
    assert_eq!(outcome.stderr, "", "no warnings for the mini fixture");
    assert_eq!(
        outcome.stdout.lines().next(),
        Some("2026-10: 3 employees, total 266025.00 KZT")
    );
    assert!(
        outcome.stdout.contains("[TMP]/out/payroll.csv"),
        "{}",
        outcome.stdout
    );
    assert_eq!(case.payroll(), MINI_PAYROLL);
    assert!(case.out().join("payouts.xlsx").is_file());
}

/// Scheme ids in the roster and metric names in plans are matched case-insensitively, as people
/// type them; payroll shows the scheme's own id.
#[test]
fn scheme_and_plan_metric_names_ignore_case() {
    let case = Case::new();
    case.replace_line(
        "employees",
        "E2,Bolat Nurlanov,transactional,80000,Inside sales,2025-03-01,",
        "E2,Bolat Nurlanov,Transactional,80000,Inside sales,2025-03-01,",
    );
    case.replace_line(
        "plans",
        "E2,2026-10,revenue,500000",
        "E2,2026-10, Revenue ,500000",
    );
    let outcome = case.run();
    assert_eq!(outcome.code, 0, "stderr:\n{}", outcome.stderr);
    assert_eq!(case.payroll(), MINI_PAYROLL);
}

// ---------------------------------------------------------------------------------------------
// Unreadable cells
// ---------------------------------------------------------------------------------------------

#[test]
fn unreadable_number_in_a_comma_csv() {
    let case = Case::new();
    case.replace_line(
        "deals",
        "D3,E1,2026-09-15,,open,proposal,1700000,,,",
        "D3,E1,2026-09-15,,open,proposal,\"12,34.5\",,,",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn unreadable_date() {
    let case = Case::new();
    case.replace_line(
        "deals",
        "D4,E1,2026-10-30,,open,qualified,700000,,,",
        "D4,E1,2026/10/05,,open,qualified,700000,,,",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn unreadable_datetime() {
    let case = Case::new();
    case.replace_line(
        "calls",
        "C2,E2,2026-10-02 10:30:00,outgoing,119,",
        "C2,E2,02/10/2026 10:30,outgoing,119,",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn empty_required_cell() {
    let case = Case::new();
    case.replace_line(
        "deals",
        "D12,E2,2026-10-04,2026-10-09,lost,qualified,80000,,no budget,",
        "D12,E2,2026-10-04,2026-10-09,,qualified,80000,,no budget,",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}

// ---------------------------------------------------------------------------------------------
// Unknown values of fixed lists
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_call_direction() {
    let case = Case::new();
    case.replace_line(
        "calls",
        "C6,E3,2026-10-06 15:00:00,outgoing,240,K1",
        "C6,E3,2026-10-06 15:00:00,outbound,240,K1",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn unknown_meeting_status() {
    let case = Case::new();
    case.replace_line(
        "meetings",
        "G8,E1,2026-10-23 10:00,cancelled,",
        "G8,E1,2026-10-23 10:00,rescheduled,",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn unknown_deal_status() {
    let case = Case::new();
    case.replace_line(
        "deals",
        "D2,E1,2026-09-01,2026-10-20,won,negotiation,500000,no,,",
        "D2,E1,2026-09-01,2026-10-20,closed,negotiation,500000,no,,",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn unknown_deal_stage() {
    let case = Case::new();
    case.replace_line(
        "deals",
        "D11,E2,2026-10-03,2026-10-15,won,proposal,249999.50,yes,,",
        "D11,E2,2026-10-03,2026-10-15,won,demo,249999.50,yes,,",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}

// ---------------------------------------------------------------------------------------------
// Table shape and keys
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_required_column() {
    let case = Case::new();
    case.rewrite("deals", |text| {
        let mut out = String::new();
        for line in text.lines() {
            let mut cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), 10, "{line}");
            let amount = cells.remove(6);
            assert!(
                amount == "amount" || amount.parse::<f64>().is_ok(),
                "{line}"
            );
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    });
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn missing_table_a_scheme_reads() {
    let case = Case::new();
    case.remove("calls");
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn duplicate_employee_id() {
    let case = Case::new();
    case.append(
        "employees",
        "E2,Bolat Nurlanov (copy),transactional,80000,Inside sales,2025-03-01,",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn duplicate_deal_id() {
    let case = Case::new();
    case.replace_line(
        "deals",
        "D21,E3,2026-10-02,2026-10-18,won,negotiation,90000,yes,,K4",
        "D20,E3,2026-10-02,2026-10-18,won,negotiation,90000,yes,,K4",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn duplicate_call_id() {
    let case = Case::new();
    case.replace_line(
        "calls",
        "C4,E2,2026-10-31 23:59:59,outgoing,120,",
        "C1,E2,2026-10-31 23:59:59,outgoing,120,",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}

// ---------------------------------------------------------------------------------------------
// Plans and the roster
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_plan_for_a_plan_kpi() {
    let case = Case::new();
    case.remove_line("plans", "E2,2026-10,revenue,500000");
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn zero_plan() {
    let case = Case::new();
    case.replace_line("plans", "E3,2026-10,upsell,200000", "E3,2026-10,upsell,0");
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn employee_on_an_unknown_scheme() {
    let case = Case::new();
    case.replace_line(
        "employees",
        "E2,Bolat Nurlanov,transactional,80000,Inside sales,2025-03-01,",
        "E2,Bolat Nurlanov,transactionl,80000,Inside sales,2025-03-01,",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn rows_of_people_not_on_the_roster_are_warned_and_not_paid() {
    let case = Case::new();
    case.append(
        "deals",
        "D90,E99,2026-10-01,2026-10-05,won,proposal,5000,,,",
    );
    case.append(
        "deals",
        "D91,E99,2026-10-02,2026-10-06,won,proposal,2500.50,,,",
    );
    case.append("calls", "C90,E98,2026-10-02 10:00:00,outgoing,600,");
    let outcome = case.run();
    assert_eq!(outcome.code, 0, "stderr:\n{}", outcome.stderr);
    assert_eq!(case.payroll(), MINI_PAYROLL, "only roster people are paid");
    assert_eq!(
        outcome.stderr,
        "warning: [TMP]/data/calls.csv: 1 row of employee_id \"E98\", who is not on the roster: not paid to anyone\n\
         warning: [TMP]/data/deals.csv: 2 rows of employee_id \"E99\", who is not on the roster, amounts 7500.50: not paid to anyone\n"
    );
}

// ---------------------------------------------------------------------------------------------
// Many problems at once
// ---------------------------------------------------------------------------------------------

#[test]
fn problems_in_several_files_are_listed_in_one_run() {
    let case = Case::new();
    case.replace_line(
        "plans",
        "E1,2026-10,revenue,1000000",
        "E1,2026-10,revenue,1O00000",
    );
    case.replace_line(
        "calls",
        "C3,E2,2026-10-05 11:00:00,incoming,600,",
        "C3,E2,2026-10-05 11:00:00,inbound,600,",
    );
    case.replace_line(
        "deals",
        "D5,E1,2026-09-20,2026-10-25,lost,proposal,400000,,price,",
        "D5,E1,2026-09-20,2026-10-25,lost,proposal,400 000 KZT,,price,",
    );
    case.replace_line("clients", "K2,E3,2025-06-01,", "K2,E3,2025-06-31,");
    case.replace_line("nps", "R3,E3,2026-10-15,8", "R3,E3,2026-10-15,eight");
    case.replace_line(
        "meetings",
        "G11,E3,2026-10-14 11:00,held,K3",
        "G11,E3,2026-10-14 11:00,done,K3",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}

/// A problem in employees.csv must not hide the problems of the other files.
#[test]
fn employees_problem_does_not_hide_problems_in_other_files() {
    let case = Case::new();
    case.replace_line(
        "employees",
        "E2,Bolat Nurlanov,transactional,80000,Inside sales,2025-03-01,",
        "E2,Bolat Nurlanov,transactionl,80000,Inside sales,2025-03-01,",
    );
    case.replace_line(
        "deals",
        "D3,E1,2026-09-15,,open,proposal,1700000,,,",
        "D3,E1,2026-09-15,,open,proposal,\"12,34.5\",,,",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}

/// A zero plan must be listed together with the problems of the activity files.
#[test]
fn plan_problem_does_not_hide_problems_in_other_files() {
    let case = Case::new();
    case.replace_line("plans", "E3,2026-10,upsell,200000", "E3,2026-10,upsell,0");
    case.replace_line(
        "deals",
        "D3,E1,2026-09-15,,open,proposal,1700000,,,",
        "D3,E1,2026-09-15,,open,proposal,\"12,34.5\",,,",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}

// ---------------------------------------------------------------------------------------------
// Arguments and the output folder
// ---------------------------------------------------------------------------------------------

#[test]
fn bad_period() {
    let case = Case::new();
    insta::assert_snapshot!(refused(&case, case.run_period("2026-13")));
}

#[test]
fn non_empty_output_folder_needs_force() {
    let case = Case::new();
    std::fs::create_dir_all(case.out()).unwrap();
    std::fs::write(case.out().join("payroll.csv"), "stale\n").unwrap();

    let outcome = case.run();
    assert_eq!(outcome.code, 1, "stderr:\n{}", outcome.stderr);
    assert_eq!(outcome.stdout, "");
    assert_eq!(case.payroll(), "stale\n", "the old payroll is left alone");
    assert!(!case.out().join("payouts.xlsx").exists());
    insta::assert_snapshot!(outcome.stderr);

    let (data, out) = (case.data(), case.out());
    let forced = case.run_args(&[
        Path::new("run"),
        Path::new("--data"),
        &data,
        Path::new("--period"),
        Path::new(PERIOD),
        Path::new("--out"),
        &out,
        Path::new("--schemes"),
        &case.schemes,
        Path::new("--force"),
    ]);
    assert_eq!(forced.code, 0, "stderr:\n{}", forced.stderr);
    assert_eq!(case.payroll(), MINI_PAYROLL, "--force overwrites");
    assert!(case.out().join("payouts.xlsx").is_file());
}

// ---------------------------------------------------------------------------------------------
// Scheme files
// ---------------------------------------------------------------------------------------------

#[test]
fn scheme_unknown_column_in_a_filter() {
    let mut case = Case::new();
    case.copy_schemes();
    case.replace_scheme_line(
        "b2b-long-cycle.yaml",
        "      status: held",
        "      state: held",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn scheme_typo_in_a_key() {
    let mut case = Case::new();
    case.copy_schemes();
    case.replace_scheme_line("transactional.yaml", "    weight: 40%", "    wieght: 40%");
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn scheme_weights_sum_to_95_percent() {
    let mut case = Case::new();
    case.copy_schemes();
    case.replace_scheme_line("transactional.yaml", "    weight: 40%", "    weight: 35%");
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn scheme_formula_names_an_unknown_metric() {
    let mut case = Case::new();
    case.copy_schemes();
    case.replace_scheme_line(
        "transactional.yaml",
        "  average_deal: revenue / deals_won",
        "  average_deal: revenue / deal_won",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn scheme_invalid_yaml() {
    let mut case = Case::new();
    case.copy_schemes();
    // One space too few: the key no longer lines up with the rest of the KPI.
    case.replace_scheme_line("transactional.yaml", "    weight: 40%", "   weight: 40%");
    insta::assert_snapshot!(refused(&case, case.run()));
}

#[test]
fn validate_lists_problems_of_two_broken_scheme_files() {
    let mut case = Case::new();
    let schemes = case.copy_schemes();
    case.replace_scheme_line("transactional.yaml", "    weight: 40%", "    weight: 35%");
    case.replace_scheme_line(
        "account-manager.yaml",
        "    metric: retention",
        "    metric: retension",
    );
    let outcome = case.run_args(&[Path::new("validate"), Path::new("--schemes"), &schemes]);
    assert_eq!(outcome.code, 2, "stderr:\n{}", outcome.stderr);
    assert_eq!(outcome.stdout, "");
    assert!(outcome.stderr.contains("[TMP]/schemes/transactional.yaml:"));
    assert!(
        outcome
            .stderr
            .contains("[TMP]/schemes/account-manager.yaml:")
    );
    insta::assert_snapshot!(outcome.stderr);
}

// ---------------------------------------------------------------------------------------------
// Russian-locale CSV
// ---------------------------------------------------------------------------------------------

/// The mini fixture as Excel with a Russian locale saves it: `;` between cells, decimal commas,
/// spaces (one a no-break space) between thousands, dd.mm.yyyy dates, да/нет, a lost reason with
/// a comma in it, and employees.csv with a byte-order mark and CRLF line ends.
const RU_TABLES: &[(&str, &str)] = &[
    (
        "employees",
        "\
employee_id;name;scheme;target_bonus;team;hired_on;left_on
E1;Aigerim Sadykova;b2b-long-cycle;100 000,00;Enterprise;01.02.2024;
E2;Bolat Nurlanov;transactional;80 000;Inside sales;01.03.2025;
E3;Dana Ospanova;account-manager;120 000;Key accounts;15.09.2023;
",
    ),
    (
        "plans",
        "\
employee_id;period;metric;target
E1;2026-10;revenue;1 000 000
E2;2026-10;revenue;500 000,00
E3;2026-10;upsell;200\u{a0}000
E1;2026-09;revenue;900 000
",
    ),
    (
        "calls",
        "\
call_id;employee_id;started_at;direction;duration_sec;client_id
C1;E2;01.10.2026 09:00:00;outgoing;300;
C2;E2;02.10.2026 10:30;outgoing;119;
C3;E2;05.10.2026 11:00;incoming;600;
C4;E2;31.10.2026 23:59:59;outgoing;120;
C5;E2;30.09.2026 23:59:59;outgoing;400;
C6;E3;06.10.2026 15:00;outgoing;240;K1
C7;E3;08.10.2026 12:00;outgoing;90;K6
C8;E3;09.10.2026 16:20;incoming;180;K7
",
    ),
    (
        "emails",
        "\
email_id;employee_id;sent_at;direction;client_id
M1;E3;07.10.2026 10:15;outgoing;K2
M2;E3;09.10.2026 09:00;incoming;K7
M3;E1;12.10.2026 14:00;outgoing;
",
    ),
    (
        "meetings",
        "\
meeting_id;employee_id;starts_at;status;client_id
G1;E1;02.10.2026 10:00;held;
G2;E1;06.10.2026 11:00;held;
G3;E1;09.10.2026 15:00;held;
G4;E1;14.10.2026 10:00;held;
G5;E1;16.10.2026 12:00;held;
G6;E1;21.10.2026 16:00;held;
G7;E1;28.10.2026 09:30;held;
G8;E1;23.10.2026 10:00;cancelled;
G9;E1;30.09.2026 17:00;held;
G10;E1;02.11.2026 10:00;planned;
G11;E3;14.10.2026 11:00;held;K3
G12;E3;30.09.2026 15:00;held;K7
G13;E3;20.10.2026 10:00;no_show;K7
",
    ),
    (
        "deals",
        "\
deal_id;employee_id;created_on;closed_on;status;stage;amount;new_client;lost_reason;client_id
D1;E1;01.08.2026;10.10.2026;won;proposal;600 000;да;;
D2;E1;01.09.2026;20.10.2026;won;negotiation;500 000,00;нет;;
D3;E1;15.09.2026;;open;proposal;1 700 000;;;
D4;E1;30.10.2026;;open;qualified;700 000;;;
D5;E1;20.09.2026;25.10.2026;lost;proposal;400 000;;цена, сроки;
D6;E1;03.11.2026;;open;lead;5 000 000;;;
D7;E1;01.10.2026;02.11.2026;won;proposal;300 000;;;
D10;E2;01.10.2026;05.10.2026;won;negotiation;300 000,50;да;;
D11;E2;03.10.2026;15.10.2026;won;proposal;249 999,50;да;;
D12;E2;04.10.2026;09.10.2026;lost;qualified;80 000;;нет бюджета;
D13;E2;10.09.2026;30.09.2026;won;proposal;999 999;;;
D20;E3;01.09.2026;12.10.2026;won;proposal;150 000;нет;;K1
D21;E3;02.10.2026;18.10.2026;won;negotiation;90 000;да;;K4
D22;E3;05.10.2026;22.10.2026;won;negotiation;60 000;;;K2
",
    ),
    (
        "clients",
        "\
client_id;employee_id;since;churned_on
K1;E3;10.01.2025;
K2;E3;01.06.2025;
K3;E3;01.02.2024;20.10.2026
K4;E3;05.10.2026;
K5;E3;01.01.2023;15.09.2026
K6;E3;11.11.2024;
K7;E3;05.05.2022;
",
    ),
    (
        "nps",
        "\
response_id;employee_id;answered_on;score
R1;E3;03.10.2026;10
R2;E3;10.10.2026;9
R3;E3;15.10.2026;8
R4;E3;21.10.2026;6
R5;E3;30.10.2026;10
R6;E3;29.09.2026;0
",
    ),
];

#[test]
fn russian_locale_csv_pays_the_same_as_comma_csv() {
    let comma = Case::new();
    let outcome = comma.run();
    assert_eq!(outcome.code, 0, "stderr:\n{}", outcome.stderr);

    let ru = Case::new();
    for (table, _) in RU_TABLES {
        ru.remove(table);
    }
    write_csv_folder(&ru.data(), RU_TABLES);
    ru.rewrite("employees", |text| {
        format!("\u{feff}{}", text.replace('\n', "\r\n"))
    });
    let outcome = ru.run();
    assert_eq!(outcome.code, 0, "stderr:\n{}", outcome.stderr);
    assert_eq!(outcome.stderr, "");
    assert_eq!(ru.payroll(), comma.payroll());
    assert_eq!(ru.payroll(), MINI_PAYROLL);
}

/// A broken scheme file must not hide problems in the data: the good schemes still check it,
/// and an employee on a misspelled scheme is still reported.
#[test]
fn broken_scheme_does_not_hide_data_problems() {
    let mut case = Case::new();
    case.copy_schemes();
    case.replace_scheme_line(
        "transactional.yaml",
        "  average_deal: revenue / deals_won",
        "  average_deal: revenue / deal_won",
    );
    case.replace_line(
        "deals",
        "D3,E1,2026-09-15,,open,proposal,1700000,,,",
        "D3,E1,2026-09-15,,open,proposal,\"12,34.5\",,,",
    );
    insta::assert_snapshot!(refused(&case, case.run()));
}
