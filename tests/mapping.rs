//! End to end: the mapping layer (src/mapping/) through the real binary. Each mapping feature on
//! a small hand-written export, asserting the canonical CSV `incentive map` writes (read back,
//! exact text), the row-usage report and, where it matters, the payroll; then every mapping
//! error, as an insta snapshot of the exact text (exit code 2, nothing written).

mod common;

use common::{Outcome, crate_path, run};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A temporary folder holding the export in `data/`, mapping files beside it and the map's
/// output in `out/`.
struct Case {
    tmp: TempDir,
}

impl Case {
    /// `files`: (path inside the case, text); `data/x.csv` is a source table.
    fn new(files: &[(&str, &str)]) -> Case {
        let case = Case {
            tmp: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(case.data()).unwrap();
        for (rel, text) in files {
            case.write(rel, text);
        }
        case
    }

    fn path(&self) -> &Path {
        self.tmp.path()
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.path().join(rel)
    }
    fn data(&self) -> PathBuf {
        self.p("data")
    }
    fn out(&self) -> PathBuf {
        self.p("out")
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.p(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn run(&self, args: &[&str]) -> Outcome {
        run(args, self.path())
    }

    /// `incentive map --data data --mapping <mapping> --out out`; `mapping` is a file of the
    /// case (`m.yaml`) or a preset's name.
    fn map_with(&self, mapping: &str) -> Outcome {
        let m = if self.p(mapping).exists() {
            self.p(mapping).display().to_string()
        } else {
            mapping.to_string()
        };
        let (data, out) = (self.data(), self.out());
        self.run(&[
            "map",
            "--data",
            data.to_str().unwrap(),
            "--mapping",
            &m,
            "--out",
            out.to_str().unwrap(),
        ])
    }

    fn map(&self) -> Outcome {
        self.map_with("m.yaml")
    }

    /// Maps with `m.yaml`, which must succeed; checks the report's arithmetic, and that
    /// nothing read is unaccounted for: every row read is listed once in source-rows.csv.
    fn mapped(&self) -> &Case {
        let o = self.map();
        assert_eq!(o.code, 0, "map failed:\n{}{}", o.stdout, o.stderr);
        let read = check_counts(&self.report());
        let listed = self.rows().lines().count() as u64 - 1;
        assert_eq!(read, listed, "rows read vs rows listed:\n{}", self.rows());
        self
    }

    fn canonical(&self, table: &str) -> String {
        self.out_file(&format!("canonical/{table}.csv"))
    }
    fn report(&self) -> String {
        self.out_file("mapping-report.txt")
    }
    fn rows(&self) -> String {
        self.out_file("source-rows.csv")
    }
    fn out_file(&self, rel: &str) -> String {
        std::fs::read_to_string(self.out().join(rel))
            .unwrap_or_else(|e| panic!("{rel}: {e}"))
            .replace(&self.path().display().to_string(), "[TMP]")
    }

    /// The usage lines of the report (between its heading and the next blank line), without
    /// their indent.
    fn usage(&self) -> String {
        let usage = usage_part(&self.report());
        let lines: Vec<&str> = usage
            .lines()
            .map(|l| l.strip_prefix("  ").expect("an indented line"))
            .collect();
        lines.join("\n")
    }

    /// `incentive run --mapping m.yaml` for 2026-10 with the shipped schemes.
    fn run_month(&self) -> Outcome {
        let (data, out) = (self.data(), self.p("run"));
        let m = self.p("m.yaml");
        self.run(&[
            "run",
            "--data",
            data.to_str().unwrap(),
            "--mapping",
            m.to_str().unwrap(),
            "--period",
            "2026-10",
            "--out",
            out.to_str().unwrap(),
            "--schemes",
            crate_path("schemes").to_str().unwrap(),
        ])
    }
}

fn usage_part(report: &str) -> String {
    report
        .split("(rows read = kept + dropped):\n")
        .nth(1)
        .expect("the report has its usage heading")
        .split("\n\n")
        .next()
        .unwrap()
        .to_string()
}

/// Every usage line of a report says `N rows read, K kept[ (L looked up)][, D dropped: …]…`
/// with N = K + the sum of the D. Returns the sum of the N.
fn check_counts(report: &str) -> u64 {
    let usage = usage_part(report);
    let mut lines = 0;
    let mut total = 0;
    for line in usage.lines() {
        lines += 1;
        let number_before = |text: &str, end: usize| -> u64 {
            let digits: String = text[..end]
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.chars().rev().collect::<String>().parse().unwrap()
        };
        let read_at = line
            .find(" row read, ")
            .or_else(|| line.find(" rows read, "))
            .unwrap_or_else(|| panic!("no rows read in {line:?}"));
        let read = number_before(line, read_at);
        let kept_at = line.find(" kept").unwrap();
        let kept = number_before(line, kept_at);
        let mut dropped = 0;
        let mut from = kept_at;
        while let Some(i) = line[from..].find(" dropped: ") {
            dropped += number_before(line, from + i);
            from += i + 1;
        }
        assert_eq!(
            read,
            kept + dropped,
            "rows read = kept + dropped in {line:?}"
        );
        total += read;
    }
    assert!(lines > 0, "the report lists how rows were used:\n{report}");
    total
}

/// The map was refused as bad input: exit 2, nothing in --out. Returns stderr, to snapshot.
fn refused(case: &Case, o: Outcome) -> String {
    assert_eq!(o.code, 2, "exit code of bad input; stderr:\n{}", o.stderr);
    assert_eq!(o.stdout, "", "nothing on stdout when refused");
    let written: Vec<_> = std::fs::read_dir(case.out())
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(written.is_empty(), "nothing is written: {written:?}");
    assert!(
        o.stderr.contains("error: "),
        "stderr names the error: {}",
        o.stderr
    );
    o.stderr
}

fn refused_map(case: &Case) -> String {
    refused(case, case.map())
}

// ---------------------------------------------------------------------------------------------
// Features, one small case each
// ---------------------------------------------------------------------------------------------

const MAIL: &str = "\
Id,ID,RESPONSIBLE,sent,DIR,SUBJECT
x1,1,E1,2026-10-05 09:00:00,2,hello
x2,2,E2,2026-10-06 10:00:00,1,re
x3,3,E1,2026-10-07 11:00:00,3,fwd
";

/// A source column by its exact name (`ID`, not `Id`), else by its name in any case;
/// `optional: yes` reads a column the file lacks as empty; `default:` takes a value not in
/// the map.
#[test]
fn columns_by_name_optional_and_default() {
    let case = Case::new(&[
        ("data/mail.csv", MAIL),
        (
            "m.yaml",
            r#"
tables:
  emails:
    from: mail
    columns:
      email_id: ID
      employee_id: responsible
      sent_at: Sent
      direction: { column: DIR, map: { "1": incoming, "2": outgoing }, default: outgoing }
      client_id: { column: COMPANY_ID, optional: yes }
"#,
        ),
    ]);
    case.mapped();
    assert_eq!(
        case.canonical("emails"),
        "\
email_id,employee_id,sent_at,direction,client_id,opened_at
1,E1,2026-10-05 09:00:00,outgoing,,
2,E2,2026-10-06 10:00:00,incoming,,
3,E1,2026-10-07 11:00:00,outgoing,,
"
    );
    assert_eq!(
        case.usage(),
        "[TMP]/data/mail.csv → emails: 3 rows read, 3 kept"
    );
    assert_eq!(
        case.rows(),
        "\
source,row,used_as,dropped
[TMP]/data/mail.csv,2,emails,
[TMP]/data/mail.csv,3,emails,
[TMP]/data/mail.csv,4,emails,
"
    );
}

/// Constants (`value:`), a value map by its `values:` name, a map entry to `~` (no value) and
/// `default: ~` (a value not in the map becomes no value).
#[test]
fn constants_named_value_lists_and_no_value() {
    let case = Case::new(&[
        (
            "data/deals_export.csv",
            "\
ID,OWNER,CREATED,STATUS,SUM,REASON,KIND
1,E1,2026-10-01,S,100.50,,a
2,E1,2026-10-02,F,200,45,b
3,E2,2026-10-03,F,300,0,a
4,E2,2026-10-04,F,400,99,c
",
        ),
        (
            "m.yaml",
            r#"
values:
  status: { S: won, F: lost, P: open }
  reasons: { "45": price, "0": ~ }
tables:
  deals:
    from: deals_export
    columns:
      deal_id: ID
      employee_id: OWNER
      created_on: CREATED
      status: { column: STATUS, map: status }
      stage: { value: proposal }
      amount: SUM
      new_client: { value: "yes" }
      lost_reason: { column: REASON, map: reasons, default: ~ }
      client_id: { column: KIND, map: { a: K1, b: ~ }, default: K9 }
"#,
        ),
    ]);
    case.mapped();
    assert_eq!(
        case.canonical("deals"),
        "\
deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,lost_reason,client_id,refunded_on
1,E1,2026-10-01,,won,proposal,100.50,yes,,K1,
2,E1,2026-10-02,,lost,proposal,200,yes,price,,
3,E2,2026-10-03,,lost,proposal,300,yes,,K1,
4,E2,2026-10-04,,lost,proposal,400,yes,,K9,
"
    );
}

/// `format:` a strftime pattern, `unix` and `unix_ms` in the mapping's `timezone:` (a moment
/// at night UTC lands on the company's local day), and `divide: 1000` on milliseconds into
/// whole seconds, rounded down.
#[test]
fn date_formats_timezone_and_divide() {
    // 1791232200 is 2026-10-05 20:30 UTC: 01:30 on the 6th at +05:00.
    // 1791259200 is 2026-10-06 04:00 UTC: 09:00 on the 6th.
    let case = Case::new(&[
        (
            "data/tel.csv",
            "\
CALL_ID,USER,START_MS,TYPE,DURATION_MS
c1,E1,1791232200000,out,119999
c2,E1,1791259200123,out,120000
c3,E2,1791259200999,in,0
",
        ),
        (
            "data/leads.csv",
            "\
id,owner,created_at,closed,price
1,E1,1791232200,06.10.2026,1000
2,E2,1791226800,,20
",
        ),
        (
            "data/notes.csv",
            "\
id,owner,when
n1,E1,05.10.2026 23:59
",
        ),
        (
            "m.yaml",
            r#"
timezone: "+05:00"
tables:
  calls:
    from: tel
    columns:
      call_id: CALL_ID
      employee_id: USER
      started_at: { column: START_MS, format: unix_ms }
      direction: { column: TYPE, map: { out: outgoing, in: incoming } }
      duration_sec: { column: DURATION_MS, divide: 1000 }
  deals:
    from: leads
    columns:
      deal_id: id
      employee_id: owner
      created_on: { column: created_at, format: unix }
      closed_on: { column: closed, format: "%d.%m.%Y" }
      status: { value: won }
      stage: { value: lead }
      amount: price
  emails:
    from: notes
    columns:
      email_id: id
      employee_id: owner
      sent_at: { column: when, format: "%d.%m.%Y %H:%M" }
      direction: { value: outgoing }
"#,
        ),
    ]);
    case.mapped();
    assert_eq!(
        case.canonical("calls"),
        "\
call_id,employee_id,started_at,direction,duration_sec,client_id,result
c1,E1,2026-10-06 01:30:00,outgoing,119,,
c2,E1,2026-10-06 09:00:00,outgoing,120,,
c3,E2,2026-10-06 09:00:00,incoming,0,,
"
    );
    assert_eq!(
        case.canonical("deals"),
        "\
deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,lost_reason,client_id,refunded_on
1,E1,2026-10-06,2026-10-06,won,lead,1000,no,,,
2,E2,2026-10-06,,won,lead,20,no,,,
"
    );
    assert_eq!(
        case.canonical("emails"),
        "\
email_id,employee_id,sent_at,direction,client_id,opened_at
n1,E1,2026-10-05 23:59:00,outgoing,,
"
    );
}

const HR: &str = "\
ID,FIRST,LAST,PLAN,BONUS,CRM
E1,Иван,Петров,transactional,100000,12
E2,Анна,,transactional,100000,15
";

/// `join:` (with the default space and `with:`; empty parts left out), `pattern:` taking the
/// id out of `[12] Иван Петров`, and `person:` through HR's sheet: a CRM user HR does not
/// list becomes `CRM user 17`.
#[test]
fn join_pattern_and_person() {
    let case = Case::new(&[
        ("data/hr.csv", HR),
        (
            "data/company.csv",
            "\
ID,ASSIGNED_BY,CREATED
7,[12] Иван Петров,2020-01-01
8,[17] Someone Else,2020-02-01
9,[15],2020-03-01
",
        ),
        (
            "m.yaml",
            r#"
people: { from: hr, crm_user_id: CRM, employee_id: ID }
tables:
  employees:
    from: hr
    columns:
      employee_id: ID
      name: { join: [FIRST, LAST] }
      scheme: PLAN
      target_bonus: BONUS
      team: { join: [{ value: Sales }, LAST], with: " / " }
  clients:
    from: company
    columns:
      client_id: ID
      employee_id: { person: { column: ASSIGNED_BY, pattern: '^\[(\d+)\]' } }
      since: CREATED
"#,
        ),
    ]);
    case.mapped();
    assert_eq!(
        case.canonical("employees"),
        "\
employee_id,name,scheme,target_bonus,team,hired_on,left_on,observe_scheme,previous_scheme,scheme_since,manager_id
E1,Иван Петров,transactional,100000,Sales / Петров,,,,,,
E2,Анна,transactional,100000,Sales,,,,,,
"
    );
    assert_eq!(
        case.canonical("clients"),
        "\
client_id,employee_id,since,churned_on
7,E1,2020-01-01,
8,CRM user 17,2020-02-01,
9,E2,2020-03-01,
"
    );
    assert_eq!(
        case.usage(),
        "\
[TMP]/data/hr.csv → employees: 2 rows read, 2 kept
[TMP]/data/hr.csv links CRM users to the roster: 2 rows read, 2 kept
[TMP]/data/company.csv → clients: 3 rows read, 3 kept"
    );
    assert_eq!(
        case.rows(),
        "\
source,row,used_as,dropped
[TMP]/data/hr.csv,2,employees,
[TMP]/data/hr.csv,3,employees,
[TMP]/data/hr.csv,2,link of CRM users to the roster,
[TMP]/data/hr.csv,3,link of CRM users to the roster,
[TMP]/data/company.csv,2,clients,
[TMP]/data/company.csv,3,clients,
[TMP]/data/company.csv,4,clients,
"
    );
}

const DEALS: &str = "\
ID,OWNER,CREATED,STAGE_ID,SEMANTIC,SUM,CLOSED,CLOSEDATE,CATEGORY,COMPANY_ID,CONTACT_ID
1,E1,2026-09-01,WON,S,1000,Y,2026-10-05,0,7,
2,E1,2026-09-02,PREPAYMENT_INVOICE,P,500,N,2026-12-01,2,,5
3,E2,2026-09-03,LOSE,F,300,Y,2026-10-07,0,,
";

const HISTORY: &str = "\
ID,DEAL,STAGE_ID,SEMANTIC
1,1,NEW,P
2,1,EXECUTING,P
3,1,PREPARATION,P
4,1,WON,S
5,2,NEW,P
6,3,NEW,P
7,3,PREPARATION,P
8,3,LOSE,F
";

const UF: &str = "\
DEAL,CAT,FIELD,VALUE
1,0,UF_LOSS,price
1,0,UF_OTHER,x
1,2,UF_LOSS,timing
2,2,UF_LOSS,budget
3,0,UF_OTHER,y
";

const DEALS_MAPPING: &str = r#"
values:
  stages: { NEW: lead, PREPARATION: qualified, PREPAYMENT_INVOICE: negotiation, EXECUTING: proposal }
tables:
  deals:
    from: crm_deal
    columns:
      deal_id: ID
      employee_id: OWNER
      created_on: CREATED
      closed_on: { column: CLOSEDATE, when: { CLOSED: "Y" } }
      status: { column: SEMANTIC, map: { P: open, S: won, F: lost } }
      stage:
        furthest:
          - lookup:
              from: history
              match: { DEAL: ID }
              keep: { SEMANTIC: P }
              take: STAGE_ID
            map: stages
          - { column: STAGE_ID, when: { SEMANTIC: P }, map: stages }
      amount: SUM
      lost_reason:
        lookup:
          from: uf
          match: { DEAL: ID, CAT: CATEGORY }
          keep: { FIELD: UF_LOSS }
          take: VALUE
      client_id: { first_of: [COMPANY_ID, CONTACT_ID] }
"#;

/// `when:` (an open deal's CLOSEDATE is an expected close, not a close), `first_of:`,
/// `furthest:` over a lookup matching many rows (deal 1 moved back from EXECUTING to
/// PREPARATION and keeps proposal; deal 2's current stage is further than its history), and a
/// lookup with two `match:` keys and a `keep:` (without the keep deal 1 has two rows).
#[test]
fn when_first_of_furthest_and_lookups() {
    let case = Case::new(&[
        ("data/crm_deal.csv", DEALS),
        ("data/history.csv", HISTORY),
        ("data/uf.csv", UF),
        ("m.yaml", DEALS_MAPPING),
    ]);
    case.mapped();
    assert_eq!(
        case.canonical("deals"),
        "\
deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,lost_reason,client_id,refunded_on
1,E1,2026-09-01,2026-10-05,won,proposal,1000,no,price,7,
2,E1,2026-09-02,,open,negotiation,500,no,budget,5,
3,E2,2026-09-03,2026-10-07,lost,qualified,300,no,,,
"
    );
    assert_eq!(
        case.usage(),
        "\
[TMP]/data/history.csv looked up: history by DEAL = ID ([TMP]/m.yaml:16:15): 8 rows read, 6 kept (6 looked up), 2 dropped: SEMANTIC is not \"P\"
[TMP]/data/uf.csv looked up: uf by DEAL = ID, CAT = CATEGORY ([TMP]/m.yaml:25:11): 5 rows read, 3 kept (2 looked up), 2 dropped: FIELD is not \"UF_LOSS\"
[TMP]/data/crm_deal.csv → deals: 3 rows read, 3 kept"
    );
    assert_eq!(
        case.rows(),
        r#"source,row,used_as,dropped
[TMP]/data/history.csv,2,lookup for history by DEAL = ID,
[TMP]/data/history.csv,3,lookup for history by DEAL = ID,
[TMP]/data/history.csv,4,lookup for history by DEAL = ID,
[TMP]/data/history.csv,5,lookup for history by DEAL = ID,"SEMANTIC is not ""P"""
[TMP]/data/history.csv,6,lookup for history by DEAL = ID,
[TMP]/data/history.csv,7,lookup for history by DEAL = ID,
[TMP]/data/history.csv,8,lookup for history by DEAL = ID,
[TMP]/data/history.csv,9,lookup for history by DEAL = ID,"SEMANTIC is not ""P"""
[TMP]/data/uf.csv,2,"lookup for uf by DEAL = ID, CAT = CATEGORY",
[TMP]/data/uf.csv,3,"lookup for uf by DEAL = ID, CAT = CATEGORY","FIELD is not ""UF_LOSS"""
[TMP]/data/uf.csv,4,"lookup for uf by DEAL = ID, CAT = CATEGORY",
[TMP]/data/uf.csv,5,"lookup for uf by DEAL = ID, CAT = CATEGORY",
[TMP]/data/uf.csv,6,"lookup for uf by DEAL = ID, CAT = CATEGORY","FIELD is not ""UF_LOSS"""
[TMP]/data/crm_deal.csv,2,deals,
[TMP]/data/crm_deal.csv,3,deals,
[TMP]/data/crm_deal.csv,4,deals,
"#
    );
}

/// `keep:` by a value, a list, `{not: …}`, `{empty: yes}`, `{empty: no}` and
/// `{starts_with: …}`: each dropped row is counted under its reason in mapping-report.txt and
/// listed with it in source-rows.csv.
#[test]
fn keep_conditions_count_each_drop_by_reason() {
    let case = Case::new(&[
        (
            "data/tel.csv",
            "\
CALL_ID,USER,TYPE,CODE,LINE,TAG,DATE,DUR
c1,E1,1,200,ok-1,,2026-10-05 10:00:00,60
c2,E1,1,486,ok-1,,2026-10-05 10:00:00,60
c3,E1,5,200,ok-1,,2026-10-05 10:00:00,60
c4,0,1,200,ok-1,,2026-10-05 10:00:00,60
c5,E1,2,200,ok-2,test,2026-10-05 10:00:00,60
,E1,2,200,ok-2,,2026-10-05 10:00:00,60
c7,E2,2,200,no-3,,2026-10-05 10:00:00,60
c8,E2,2,200,ok-3,,2026-10-05 10:00:00,60
c9,E1,1,486,ok-1,,2026-10-05 10:00:00,60
",
        ),
        (
            "m.yaml",
            r#"
tables:
  calls:
    from: tel
    keep:
      CODE: "200"
      TYPE: ["1", "2"]
      USER: { not: "0" }
      TAG: { empty: yes }
      CALL_ID: { empty: no }
      LINE: { starts_with: ok }
    columns:
      call_id: CALL_ID
      employee_id: USER
      started_at: DATE
      direction: { column: TYPE, map: { "1": outgoing, "2": incoming } }
      duration_sec: DUR
"#,
        ),
    ]);
    case.mapped();
    assert_eq!(
        case.canonical("calls"),
        "\
call_id,employee_id,started_at,direction,duration_sec,client_id,result
c1,E1,2026-10-05 10:00:00,outgoing,60,,
c8,E2,2026-10-05 10:00:00,incoming,60,,
"
    );
    assert_eq!(
        case.usage(),
        "[TMP]/data/tel.csv → calls: 9 rows read, 2 kept, 2 dropped: CODE is not \"200\", \
         1 dropped: TYPE is not \"1\" or \"2\", 1 dropped: USER is \"0\", 1 dropped: TAG is not empty, \
         1 dropped: CALL_ID is empty, 1 dropped: LINE does not start with \"ok\""
    );
    assert_eq!(
        case.rows(),
        "\
source,row,used_as,dropped
[TMP]/data/tel.csv,2,calls,
[TMP]/data/tel.csv,3,calls,\"CODE is not \"\"200\"\"\"
[TMP]/data/tel.csv,4,calls,\"TYPE is not \"\"1\"\" or \"\"2\"\"\"
[TMP]/data/tel.csv,5,calls,\"USER is \"\"0\"\"\"
[TMP]/data/tel.csv,6,calls,TAG is not empty
[TMP]/data/tel.csv,7,calls,CALL_ID is empty
[TMP]/data/tel.csv,8,calls,\"LINE does not start with \"\"ok\"\"\"
[TMP]/data/tel.csv,9,calls,
[TMP]/data/tel.csv,10,calls,\"CODE is not \"\"200\"\"\"
"
    );
}

/// `from:` a list: one telephony file a month, both read one after the other.
#[test]
fn from_a_list_of_files_reads_each() {
    let case = Case::new(&[
        (
            "data/calls_2026_09.csv",
            "ID,WHO,AT,LEN\nc1,E1,2026-09-30 18:00:00,60\nc2,E1,2026-09-30 19:00:00,30\n",
        ),
        (
            "data/calls_2026_10.csv",
            "ID,WHO,AT,LEN\nc3,E2,2026-10-01 09:00:00,120\n",
        ),
        (
            "m.yaml",
            r#"
tables:
  calls:
    from: [calls_2026_09, calls_2026_10]
    columns:
      call_id: ID
      employee_id: WHO
      started_at: AT
      direction: { value: outgoing }
      duration_sec: LEN
"#,
        ),
    ]);
    case.mapped();
    assert_eq!(
        case.canonical("calls"),
        "\
call_id,employee_id,started_at,direction,duration_sec,client_id,result
c1,E1,2026-09-30 18:00:00,outgoing,60,,
c2,E1,2026-09-30 19:00:00,outgoing,30,,
c3,E2,2026-10-01 09:00:00,outgoing,120,,
"
    );
    assert_eq!(
        case.usage(),
        "\
[TMP]/data/calls_2026_09.csv → calls: 2 rows read, 2 kept
[TMP]/data/calls_2026_10.csv → calls: 1 row read, 1 kept"
    );
}

/// A table the mapping does not name is read as the canonical table: the canonical layout is
/// the identity mapping.
#[test]
fn a_table_the_mapping_does_not_name_is_read_as_it_is() {
    let employees =
        std::fs::read_to_string(crate_path("tests/fixtures/mini/employees.csv")).unwrap();
    let plans = std::fs::read_to_string(crate_path("tests/fixtures/mini/plans.csv")).unwrap();
    let case = Case::new(&[
        ("data/employees.csv", &employees),
        ("data/plans.csv", &plans),
        ("data/mail.csv", MAIL),
        (
            "m.yaml",
            r#"
tables:
  emails:
    from: mail
    columns: { email_id: ID, employee_id: RESPONSIBLE, sent_at: sent, direction: { value: outgoing } }
"#,
        ),
    ]);
    case.mapped();
    // The mini fixture's files are canonical already, so they come out as they went in.
    assert_eq!(
        case.canonical("employees"),
        "\
employee_id,name,scheme,target_bonus,team,hired_on,left_on,observe_scheme,previous_scheme,scheme_since,manager_id
E1,Aigerim Sadykova,b2b-long-cycle,100000,Enterprise,2024-02-01,,,,,
E2,Bolat Nurlanov,transactional,80000,Inside sales,2025-03-01,,,,,
E3,Dana Ospanova,account-manager,120000,Key accounts,2023-09-15,,,,,
"
    );
    assert_eq!(case.canonical("plans"), plans);
    assert_eq!(
        case.usage(),
        "\
[TMP]/data/employees.csv → employees (read as it is): 3 rows read, 3 kept
[TMP]/data/plans.csv → plans (read as it is): 4 rows read, 4 kept
[TMP]/data/mail.csv → emails: 3 rows read, 3 kept"
    );
}

// ---------------------------------------------------------------------------------------------
// A Bitrix24-like export through the preset: person, extends, the payroll
// ---------------------------------------------------------------------------------------------

const BX: &[(&str, &str)] = &[
    (
        "data/crm_deal.csv",
        "\
ID,DATE_CREATE,ASSIGNED_BY_ID,STAGE_ID,STAGE_SEMANTIC_ID,OPPORTUNITY,CURRENCY_ID,CLOSED,CLOSEDATE,CATEGORY_ID,COMPANY_ID,CONTACT_ID,IS_RETURN_CUSTOMER
1,2026-09-01 10:00:00,12,WON,S,1000000.00,KZT,Y,2026-10-05,0,7,,N
2,2026-09-02 10:00:00,12,PREPARATION,P,500000.00,KZT,N,2026-10-20,0,,,Y
3,2026-09-03 10:00:00,15,LOSE,F,300000.00,KZT,Y,2026-10-07,0,,,N
4,2026-09-03 10:00:00,17,WON,S,700000.00,KZT,Y,2026-10-09,0,,,N
",
    ),
    (
        "data/crm_deal_stage_history.csv",
        "\
ID,TYPE_ID,OWNER_ID,CREATED_TIME,CATEGORY_ID,STAGE_SEMANTIC_ID,STAGE_ID
1,1,1,2026-09-01 10:00:00,0,P,NEW
2,2,1,2026-09-05 10:00:00,0,P,EXECUTING
3,3,1,2026-10-05 10:00:00,0,S,WON
4,1,2,2026-09-02 10:00:00,0,P,NEW
5,1,3,2026-09-03 10:00:00,0,P,NEW
6,3,3,2026-10-07 10:00:00,0,F,LOSE
7,1,4,2026-09-03 10:00:00,0,P,NEW
",
    ),
    (
        "data/crm_deal_uf.csv",
        "DEAL_ID,UF_CRM_LOSS_REASON,UF_CRM_REASON2\n1,,\n2,,\n3,45,46\n4,,\n",
    ),
    (
        "data/crm_status.csv",
        "\
ID,ENTITY_ID,STATUS_ID,NAME,SORT,SEMANTICS
1,STATUS,NEW,New lead,10,
2,DEAL_STAGE,NEW,New,10,
3,DEAL_STAGE,PREPARATION,Documents,20,
4,DEAL_STAGE,PREPAYMENT_INVOICE,Invoice,30,
5,DEAL_STAGE,EXECUTING,In progress,40,
6,DEAL_STAGE,FINAL_INVOICE,Final invoice,50,
7,DEAL_STAGE,WON,Won,60,S
8,DEAL_STAGE,LOSE,Lost,70,F
",
    ),
    (
        "data/crm_activity.csv",
        "\
ID,TYPE_ID,DIRECTION,START_TIME,END_TIME,RESPONSIBLE_ID,COMPLETED,OWNER_TYPE_ID,OWNER_ID
1,2,2,2026-10-05 14:30:00,2026-10-05 14:35:00,12,Y,4,7
2,4,2,2026-10-05 15:00:00,2026-10-05 15:00:00,12,Y,4,7
3,1,2,2026-10-06 11:00:00,2026-10-06 12:00:00,15,Y,3,99
",
    ),
    (
        "data/crm_company.csv",
        "ID,TITLE,ASSIGNED_BY,DATE_CREATE\n7,ACME,[12] Ivan Petrov,2020-01-01 00:00:00\n",
    ),
    (
        "data/voximplant_statistic.csv",
        "\
CALL_ID,PORTAL_USER_ID,CALL_TYPE,CALL_DURATION,CALL_START_DATE,CALL_FAILED_CODE,CRM_ENTITY_TYPE,CRM_ENTITY_ID
a1,12,1,300,2026-10-05T14:30:00+05:00,200,COMPANY,7
a2,12,1,0,2026-10-05T14:40:00+05:00,486,COMPANY,7
a3,15,2,130,2026-10-06T09:00:00+05:00,200,,
",
    ),
    (
        "data/hr.csv",
        "\
employee_id,name,scheme,target_bonus,team,hired_on,left_on,crm_user_id
E1,Ivan Petrov,transactional,100000,A,2020-01-01,,12
E2,Anna Ivanova,transactional,100000,A,2020-01-01,,15
",
    ),
    (
        "data/plans.csv",
        "employee_id,period,metric,target\nE1,2026-10,revenue,1000000\nE2,2026-10,revenue,1000000\n",
    ),
    (
        "data/meetings.csv",
        "meeting_id,employee_id,starts_at,status\nm1,E2,2026-10-06 11:00:00,held\n",
    ),
];

fn bitrix(mapping: &str) -> Case {
    let case = Case::new(BX);
    case.write("m.yaml", mapping);
    case
}

/// The preset: deal 4 belongs to CRM user 17, whom HR does not list. It becomes `CRM user 17`
/// in the canonical deals, the run names it as not on the roster, and nobody is paid for it:
/// E1's payroll is the same as without deal 4.
#[test]
fn a_crm_user_hr_does_not_list_is_never_paid() {
    let case = bitrix(
        "extends: bitrix24\nvalues:\n  loss_reasons: { \"45\": price, \"46\": competitor }\ntables:\n  meetings: ~\n",
    );
    case.mapped();
    assert_eq!(
        case.canonical("deals"),
        "\
deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,lost_reason,client_id,refunded_on
1,E1,2026-09-01,2026-10-05,won,proposal,1000000.00,yes,,7,
2,E1,2026-09-02,,open,qualified,500000.00,no,,,
3,E2,2026-09-03,2026-10-07,lost,lead,300000.00,yes,price,,
4,CRM user 17,2026-09-03,2026-10-09,won,lead,700000.00,yes,,,
"
    );
    let o = case.run_month();
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr.contains(
            "[TMP]/data/crm_deal.csv: 1 row of employee_id \"CRM user 17\", who is not on the roster, amounts 700000.00: not paid to anyone"
        ),
        "{}",
        o.stderr
    );
    // E1: revenue 1 000 000 of plan 1 000 000 → 40% of 100 000; the average deal 1 000 000 vs
    // 275 000 is capped at 130% × 15% → 19 500; deals and calls below threshold. E2: nothing
    // won. Deal 4's 700 000 is nobody's.
    assert_eq!(
        std::fs::read_to_string(case.p("run/payroll.csv")).unwrap(),
        "\
employee_id,name,period,scheme,currency,amount,bonus,adjustments
E1,Ivan Petrov,2026-10,transactional,KZT,59500.00,59500.00,0.00
E2,Anna Ivanova,2026-10,transactional,KZT,0.00,0.00,0.00
"
    );
}

/// `extends:` a relative file that extends the preset; the company file overrides one key
/// deep (the loss-reason lookup's `take`) and removes the preset's meetings table with `~`, so
/// meetings.csv is read as it is.
#[test]
fn extends_a_preset_through_a_relative_file() {
    let case = bitrix(
        r#"
extends: base/company.yaml
tables:
  deals:
    columns:
      lost_reason:
        lookup:
          take: UF_CRM_REASON2
"#,
    );
    case.write(
        "base/company.yaml",
        "extends: bitrix24\nvalues:\n  loss_reasons: { \"45\": price, \"46\": competitor }\ntables:\n  meetings: ~\n",
    );
    case.mapped();
    let deals = case.canonical("deals");
    assert!(
        deals.contains("\n3,E2,2026-09-03,2026-10-07,lost,lead,300000.00,yes,competitor,,\n"),
        "{deals}"
    );
    assert_eq!(
        case.canonical("meetings"),
        "meeting_id,employee_id,starts_at,status,client_id\nm1,E2,2026-10-06 11:00:00,held,\n"
    );
    let usage = case.usage();
    assert!(
        usage.contains("[TMP]/data/meetings.csv → meetings (read as it is): 1 row read, 1 kept\n"),
        "{usage}"
    );
    assert!(
        usage.contains("[TMP]/data/crm_deal_uf.csv looked up: crm_deal_uf by DEAL_ID = ID ([TMP]/m.yaml:8:11): 4 rows read, 4 kept (4 looked up)\n"),
        "{usage}"
    );
    // The activities feed only emails now; nothing says they were read for meetings.
    assert!(!usage.contains("→ meetings:"), "{usage}");
    // Without the company file's override the preset's own field is read.
    let plain = bitrix("extends: base/company.yaml\n");
    plain.write(
        "base/company.yaml",
        "extends: bitrix24\nvalues:\n  loss_reasons: { \"45\": price, \"46\": competitor }\ntables:\n  meetings: ~\n",
    );
    plain.mapped();
    assert!(
        plain
            .canonical("deals")
            .contains(",lost,lead,300000.00,yes,price,,\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Mapping errors: refused with every problem at its file:line:column, nothing written
// ---------------------------------------------------------------------------------------------

/// An emails mapping over MAIL that works; the error cases below break one thing of it.
const GOOD_EMAILS: &str = r#"tables:
  emails:
    from: mail
    columns:
      email_id: ID
      employee_id: RESPONSIBLE
      sent_at: sent
      direction: { column: DIR, map: { "1": incoming, "2": outgoing, "3": outgoing } }
"#;

#[test]
fn the_good_emails_mapping_maps() {
    let case = Case::new(&[("data/mail.csv", MAIL), ("m.yaml", GOOD_EMAILS)]);
    case.mapped();
}

/// `incentive map` with `m.yaml` = `mapping` over MAIL, which must be refused.
fn mapping_refused(mapping: &str) -> String {
    let case = Case::new(&[("data/mail.csv", MAIL), ("m.yaml", mapping)]);
    refused_map(&case)
}

/// GOOD_EMAILS with the one line `from` replaced by `to` (which may be several lines).
fn emails_with(from: &str, to: &str) -> String {
    assert_eq!(GOOD_EMAILS.matches(from).count(), 1, "{from:?}");
    GOOD_EMAILS.replace(from, to)
}

#[test]
fn unknown_key_with_a_suggestion() {
    insta::assert_snapshot!(format!(
        "{}\n{}",
        mapping_refused(&emails_with("    columns:", "    colums:")),
        mapping_refused(&emails_with(
            "      sent_at: sent",
            "      sent_at: { column: sent, optinal: yes }\n      client_id: { lookup: { form: x, match: { A: ID }, take: B } }"
        ))
    ));
}

#[test]
fn unknown_table() {
    insta::assert_snapshot!(mapping_refused(&emails_with("  emails:", "  email:")));
}

#[test]
fn unknown_canonical_column() {
    insta::assert_snapshot!(mapping_refused(&emails_with(
        "      sent_at: sent",
        "      sent_at: sent\n      sender: RESPONSIBLE"
    )));
}

#[test]
fn a_required_canonical_column_not_mapped() {
    insta::assert_snapshot!(mapping_refused(&emails_with(
        "      direction: { column: DIR, map: { \"1\": incoming, \"2\": outgoing, \"3\": outgoing } }\n",
        ""
    )));
}

#[test]
fn two_sources_in_one_column_and_none() {
    insta::assert_snapshot!(mapping_refused(&emails_with(
        "      employee_id: RESPONSIBLE",
        "      employee_id: { column: RESPONSIBLE, value: E1 }\n      client_id: { optional: yes }"
    )));
}

#[test]
fn bad_date_formats() {
    insta::assert_snapshot!(mapping_refused(&emails_with(
        "      sent_at: sent",
        "      sent_at: { column: sent, format: \"%d.%m.%Y %Q\" }\n      client_id: { column: ID, format: dd.mm.yyyy }"
    )));
}

#[test]
fn unix_timestamps_need_a_timezone() {
    insta::assert_snapshot!(mapping_refused(&emails_with(
        "      sent_at: sent",
        "      sent_at: { column: sent, format: unix }"
    )));
}

#[test]
fn bad_timezones() {
    let with = |tz: &str| {
        format!(
            "timezone: {tz}\n{}",
            emails_with(
                "      sent_at: sent",
                "      sent_at: { column: sent, format: unix_ms }"
            )
        )
    };
    insta::assert_snapshot!(format!(
        "{}\n{}",
        mapping_refused(&with("\"+25:00\"")),
        mapping_refused(&with("Asia/Almaty"))
    ));
}

#[test]
fn a_value_map_to_a_word_not_of_the_enum() {
    insta::assert_snapshot!(mapping_refused(&emails_with(
        "      direction: { column: DIR, map: { \"1\": incoming, \"2\": outgoing, \"3\": outgoing } }",
        "      direction: { column: DIR, map: { \"1\": inbound, \"2\": outgoing, \"3\": out } }"
    )));
}

#[test]
fn an_undefined_value_list() {
    insta::assert_snapshot!(format!(
        "{}\n{}",
        mapping_refused(&emails_with(
            "      direction: { column: DIR, map: { \"1\": incoming, \"2\": outgoing, \"3\": outgoing } }",
            "      direction: { column: DIR, map: directions }"
        )),
        mapping_refused(&format!(
            "values:\n  direction: {{ \"1\": incoming }}\n  stages: {{}}\n{}",
            emails_with(
                "      direction: { column: DIR, map: { \"1\": incoming, \"2\": outgoing, \"3\": outgoing } }",
                "      direction: { column: DIR, map: directions }"
            )
        ))
    ));
}

#[test]
fn bad_patterns() {
    let long = format!("^{}(\\d+)", "x".repeat(200));
    insta::assert_snapshot!(mapping_refused(
        &emails_with(
            "      employee_id: RESPONSIBLE",
            &format!(
                "      employee_id: {{ column: RESPONSIBLE, pattern: '^(\\d+' }}\n      \
             client_id: {{ column: ID, pattern: '^\\d+' }}\n      \
             email_id: {{ column: ID, pattern: '{long}' }}"
            )
        )
        .replace("      email_id: ID\n", "")
    ));
}

#[test]
fn furthest_on_a_column_that_is_not_ordered() {
    insta::assert_snapshot!(mapping_refused(&emails_with(
        "      employee_id: RESPONSIBLE",
        "      employee_id: { furthest: [RESPONSIBLE, ID] }"
    )));
}

#[test]
fn default_without_a_map() {
    insta::assert_snapshot!(mapping_refused(&emails_with(
        "      employee_id: RESPONSIBLE",
        "      employee_id: { column: RESPONSIBLE, default: E1 }"
    )));
}

#[test]
fn extends_an_unknown_preset() {
    insta::assert_snapshot!(mapping_refused(&format!("extends: bitrix\n{GOOD_EMAILS}")));
}

#[test]
fn extends_in_a_circle() {
    let case = Case::new(&[
        ("data/mail.csv", MAIL),
        ("m.yaml", &format!("extends: other.yaml\n{GOOD_EMAILS}")),
        ("other.yaml", "extends: ./m.yaml\n"),
    ]);
    insta::assert_snapshot!(refused_map(&case));
}

#[test]
fn an_extends_chain_longer_than_eight() {
    let mut files: Vec<(String, String)> = vec![
        ("data/mail.csv".into(), MAIL.into()),
        ("m.yaml".into(), format!("extends: f1.yaml\n{GOOD_EMAILS}")),
    ];
    for i in 1..=9 {
        files.push((format!("f{i}.yaml"), format!("extends: f{}.yaml\n", i + 1)));
    }
    files.push(("f10.yaml".into(), "name: end\n".into()));
    let pairs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let case = Case::new(&pairs);
    insta::assert_snapshot!(refused_map(&case));
}

#[test]
fn a_yaml_syntax_error() {
    insta::assert_snapshot!(mapping_refused(&emails_with(
        "      sent_at: sent",
        "      sent_at: [sent"
    )));
}

#[test]
fn a_mapping_that_is_not_a_readable_file() {
    let case = Case::new(&[("data/mail.csv", MAIL)]);
    std::fs::create_dir_all(case.p("dir.yaml")).unwrap();
    case.write(
        "big.yaml",
        &format!("# {}\n{GOOD_EMAILS}", "x".repeat(1 << 20)),
    );
    let fifo = case.p("fifo.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo");
    let mut shown = Vec::new();
    for m in ["dir.yaml", "fifo.yaml", "big.yaml"] {
        let started = std::time::Instant::now();
        shown.push(refused(&case, case.map_with(m)));
        // A FIFO is never opened for reading (that would wait for a writer forever).
        assert!(started.elapsed().as_secs() < 10, "{m}");
    }
    insta::assert_snapshot!(shown.join("\n"));
}

#[test]
fn mapping_names_nothing() {
    let case = Case::new(&[("data/mail.csv", MAIL)]);
    insta::assert_snapshot!(format!(
        "{}\n{}",
        refused(&case, case.map_with("bitrix")),
        refused(&case, case.map_with("nosuch.yaml"))
    ));
}

#[test]
fn validate_checks_a_mapping_alone() {
    let case = Case::new(&[("m.yaml", &emails_with("  emails:", "  email:"))]);
    let m = case.p("m.yaml");
    let o = case.run(&["validate", "--mapping", m.to_str().unwrap()]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    insta::assert_snapshot!(o.stderr);
    case.write("m.yaml", GOOD_EMAILS);
    let o = case.run(&["validate", "--mapping", m.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout
            .starts_with("ok: the mapping [TMP]/m.yaml: no problems"),
        "{}",
        o.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// Data errors: at the source file, row and column, never the canonical view
// ---------------------------------------------------------------------------------------------

/// A deals export of 13 rows (rows 2-14 of the file); `edit` may change any line.
fn crm_deals(edit: impl Fn(usize, String) -> String) -> String {
    let mut text = String::from(
        "ID,ASSIGNED_BY_ID,DATE_CREATE,STAGE_SEMANTIC_ID,OPPORTUNITY,CLOSEDATE,CREATED_AT\n",
    );
    for i in 1..=13 {
        let line = format!("{i},E1,2026-09-{i:02},S,{i}000.00,05.10.2026,1791232200");
        text.push_str(&edit(i + 1, line));
        text.push('\n');
    }
    text
}

const DEALS_PLAIN: &str = r#"timezone: "+05:00"
tables:
  deals:
    from: crm_deal
    columns:
      deal_id: ID
      employee_id: ASSIGNED_BY_ID
      created_on: { column: CREATED_AT, format: unix }
      closed_on: { column: CLOSEDATE, format: "%d.%m.%Y" }
      status: { column: STAGE_SEMANTIC_ID, map: { P: open, S: won, F: lost } }
      stage: { value: proposal }
      amount: OPPORTUNITY
      client_id: DATE_CREATE
"#;

fn deals_refused(deals: &str, mapping: &str) -> String {
    let case = Case::new(&[("data/crm_deal.csv", deals), ("m.yaml", mapping)]);
    refused_map(&case)
}

#[test]
fn the_plain_deals_mapping_maps() {
    let case = Case::new(&[
        ("data/crm_deal.csv", &crm_deals(|_, l| l)),
        ("m.yaml", DEALS_PLAIN),
    ]);
    case.mapped();
    assert!(
        case.canonical("deals")
            .ends_with("\n13,E1,2026-10-06,2026-10-05,won,proposal,13000.00,no,,2026-09-13,\n")
    );
}

#[test]
fn a_source_file_the_mapping_names_is_missing() {
    insta::assert_snapshot!(mapping_refused(&emails_with(
        "    from: mail",
        "    from: mails"
    )));
}

#[test]
fn a_source_header_lacks_a_column_the_mapping_reads() {
    insta::assert_snapshot!(mapping_refused(&emails_with(
        "      sent_at: sent",
        "      sent_at: SENT_AT"
    )));
}

#[test]
fn a_value_not_in_a_map() {
    let deals = crm_deals(|row, l| {
        if row == 14 {
            l.replace(",S,", ",X,")
        } else {
            l
        }
    });
    insta::assert_snapshot!(deals_refused(&deals, DEALS_PLAIN));
}

#[test]
fn a_date_not_in_the_format_and_a_bad_unix_timestamp() {
    let deals = crm_deals(|row, l| match row {
        3 => l.replace("05.10.2026", "2026-10-05"),
        5 => l.replace("1791232200", "17912322OO"),
        7 => l.replace("1791232200", "99999999999999999999"),
        _ => l,
    });
    insta::assert_snapshot!(deals_refused(&deals, DEALS_PLAIN));
}

#[test]
fn a_typed_problem_is_reported_at_the_source_cell() {
    let deals = crm_deals(|row, l| match row {
        4 => l.replace(",3000.00,", ",four thousand,"),
        6 => l.replace(",E1,", ",,"),
        _ => l,
    });
    insta::assert_snapshot!(deals_refused(&deals, DEALS_PLAIN));
}

#[test]
fn many_bad_rows_give_bounded_output() {
    let mut deals = String::from(
        "ID,ASSIGNED_BY_ID,DATE_CREATE,STAGE_SEMANTIC_ID,OPPORTUNITY,CLOSEDATE,CREATED_AT\n",
    );
    for i in 1..=5000 {
        deals.push_str(&format!("{i},E1,2026-09-01,Q{i},x{i},31.02.2026,t{i}\n"));
    }
    let out = deals_refused(&deals, DEALS_PLAIN);
    assert!(out.len() < 20_000, "{} bytes", out.len());
    insta::assert_snapshot!(out);
}

#[test]
fn a_lookup_table_with_a_duplicate_key() {
    let case = Case::new(&[
        ("data/crm_deal.csv", DEALS),
        ("data/history.csv", HISTORY),
        (
            "data/uf.csv",
            &format!("{UF}2,2,UF_LOSS,again\n1,0,UF_LOSS,and again\n"),
        ),
        ("m.yaml", DEALS_MAPPING),
    ]);
    insta::assert_snapshot!(refused_map(&case));
}

#[test]
fn hr_links_one_crm_user_twice() {
    let case = Case::new(&[
        (
            "data/hr.csv",
            &format!("{HR}E3,Олег,Сидоров,transactional,90000,12\n"),
        ),
        (
            "data/company.csv",
            "ID,ASSIGNED_BY,CREATED\n7,[12] Иван Петров,2020-01-01\n",
        ),
        (
            "m.yaml",
            r#"
people: { from: hr, crm_user_id: CRM, employee_id: ID }
tables:
  employees:
    from: hr
    columns: { employee_id: ID, name: FIRST, scheme: PLAN, target_bonus: BONUS }
  clients:
    from: company
    columns:
      client_id: ID
      employee_id: { person: { column: ASSIGNED_BY, pattern: '^\[(\d+)\]' } }
      since: CREATED
"#,
        ),
    ]);
    insta::assert_snapshot!(refused_map(&case));
}

#[test]
fn person_without_people() {
    // Without `people:` every CRM user would be "CRM user N", on nobody's roster.
    insta::assert_snapshot!(mapping_refused(&emails_with(
        "      employee_id: RESPONSIBLE",
        "      employee_id: { person: RESPONSIBLE }"
    )));
}

/// Two lookups in one source table by the same key each get their own report line, with their
/// own count of rows looked up (the second's count used to overwrite the first's).
#[test]
fn two_lookups_in_one_table_are_counted_apart() {
    let case = Case::new(&[
        (
            "data/crm_deal.csv",
            "ID,OWNER,CREATED,SUM\n1,E1,2026-10-01,10\n2,E1,2026-10-01,10\n",
        ),
        ("data/uf.csv", "DEAL,A,B\n1,x,\n2,,y\n3,z,z\n"),
        (
            "m.yaml",
            r#"tables:
  deals:
    from: crm_deal
    columns:
      deal_id: ID
      employee_id: OWNER
      created_on: CREATED
      status: { value: lost }
      stage: { value: lead }
      amount: SUM
      lost_reason: { lookup: { from: uf, match: { DEAL: ID }, take: A } }
      client_id: { lookup: { from: uf, match: { DEAL: ID }, keep: { B: "y" }, take: B } }
"#,
        ),
    ]);
    case.mapped();
    assert_eq!(
        case.canonical("deals"),
        "\
deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,lost_reason,client_id,refunded_on
1,E1,2026-10-01,,lost,lead,10,no,x,,
2,E1,2026-10-01,,lost,lead,10,no,,y,
"
    );
    assert_eq!(
        case.usage(),
        "\
[TMP]/data/uf.csv looked up: uf by DEAL = ID ([TMP]/m.yaml:11:30): 3 rows read, 3 kept (2 looked up)
[TMP]/data/uf.csv looked up: uf by DEAL = ID ([TMP]/m.yaml:12:28): 3 rows read, 1 kept (1 looked up), 2 dropped: B is not \"y\"
[TMP]/data/crm_deal.csv → deals: 2 rows read, 2 kept"
    );
}

#[test]
fn with_outside_join_or_not_a_text() {
    insta::assert_snapshot!(mapping_refused(&emails_with(
        "      employee_id: RESPONSIBLE",
        "      employee_id: { column: RESPONSIBLE, with: \"-\" }\n      client_id: { join: [ID, DIR], with: [\"-\"] }"
    )));
}
