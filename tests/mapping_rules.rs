//! The furthest stage by rank (Bitrix24's `SORT` of crm_status), the roster link's refusals and
//! number formats, through the real binary on a tiny Bitrix-like export.

mod common;

use common::{Outcome, run, write_csv_folder};
use std::path::Path;

const HISTORY: &str = "\
ID,TYPE_ID,OWNER_ID,CREATED_TIME,CATEGORY_ID,STAGE_SEMANTIC_ID,STAGE_ID
1,1,1,2026-09-01 10:00:00,0,P,NEW
2,2,1,2026-09-05 10:00:00,0,P,ALPHA
3,2,1,2026-09-06 10:00:00,0,P,BETA
4,3,1,2026-10-05 10:00:00,0,S,WON
";

/// In this pipeline ALPHA comes after BETA (SORT 30 against 20), though the company maps ALPHA
/// to an earlier canonical stage: the stage reached is the highest by SORT, mapped.
const STATUS: &str = "\
ID,ENTITY_ID,STATUS_ID,NAME,SORT,SEMANTICS
1,STATUS,ALPHA,a lead status of the same id,99,
2,DEAL_STAGE,NEW,New,10,
3,DEAL_STAGE,BETA,Beta,20,
4,DEAL_STAGE,ALPHA,Alpha,30,
5,DEAL_STAGE,WON,Won,60,S
";

const DEALS: &str = "\
ID,DATE_CREATE,ASSIGNED_BY_ID,STAGE_ID,STAGE_SEMANTIC_ID,OPPORTUNITY,CLOSED,CLOSEDATE,COMPANY_ID,IS_RETURN_CUSTOMER
1,2026-09-01 10:00:00,12,WON,S,1000.00,Y,2026-10-05,,N
";

const HR: &str = "\
employee_id,name,scheme,target_bonus,crm_user_id
E1,Ivan Petrov,transactional,100000,12
";

const MAPPING: &str = "\
extends: bitrix24
values:
  deal_stages: { ALPHA: qualified, BETA: negotiation }
tables:
  calls: ~
  emails: ~
  meetings: ~
  clients: ~
";

fn export(dir: &Path, hr: &str, history: &str, status: Option<&str>) {
    let mut tables = vec![
        ("hr", hr),
        ("crm_deal", DEALS),
        ("crm_deal_stage_history", history),
        ("crm_deal_uf", "DEAL_ID,UF_CRM_LOSS_REASON\n1,\n"),
    ];
    if let Some(s) = status {
        tables.push(("crm_status", s));
    }
    write_csv_folder(&dir.join("data"), &tables);
}

fn map(dir: &Path, mapping: &str) -> Outcome {
    std::fs::write(dir.join("m.yaml"), mapping).unwrap();
    let (data, m, out) = (dir.join("data"), dir.join("m.yaml"), dir.join("out"));
    run(
        &[
            "map",
            "--data",
            data.to_str().unwrap(),
            "--mapping",
            m.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        dir,
    )
}

/// The problems listed under `error:` (the usage report printed above them left out).
fn problems(o: &Outcome) -> Vec<&str> {
    o.stderr
        .lines()
        .skip_while(|l| !l.starts_with("error:"))
        .skip(1)
        .collect()
}

#[test]
fn the_furthest_stage_is_the_highest_by_sort_not_by_the_canonical_order() {
    let tmp = tempfile::tempdir().unwrap();
    export(tmp.path(), HR, HISTORY, Some(STATUS));
    let o = map(tmp.path(), MAPPING);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let deals = std::fs::read_to_string(tmp.path().join("out/canonical/deals.csv")).unwrap();
    // ALPHA (SORT 30) is further than BETA (SORT 20): qualified, though BETA is negotiation.
    assert_eq!(
        deals,
        "deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,lost_reason,client_id\n\
         1,E1,2026-09-01,2026-10-05,won,qualified,1000.00,yes,,\n"
    );
    let report = std::fs::read_to_string(tmp.path().join("out/mapping-report.txt")).unwrap();
    assert!(
        report.contains(
            "crm_status.csv looked up: crm_status by STATUS_ID = STAGE_ID (preset bitrix24:80:17): \
             5 rows read, 4 kept (3 looked up), 1 dropped: ENTITY_ID does not start with \"DEAL_STAGE\""
        ),
        "{report}"
    );
}

#[test]
fn a_stage_crm_status_does_not_rank_is_an_error_at_the_history_row() {
    let tmp = tempfile::tempdir().unwrap();
    let status = STATUS.replace("4,DEAL_STAGE,ALPHA,Alpha,30,\n", "");
    export(tmp.path(), HR, HISTORY, Some(&status));
    let o = map(tmp.path(), MAPPING);
    assert_eq!(o.code, 2);
    let err = problems(&o);
    insta::assert_snapshot!(err.join("\n"), @r#"  [TMP]/data/crm_deal_stage_history.csv, row 3, column "STAGE_ID": has no rank: the rank at preset bitrix24:79:15 finds nothing for this value ("qualified" once mapped); expected a number"#);
}

#[test]
fn without_crm_status_the_missing_table_is_the_one_problem() {
    let tmp = tempfile::tempdir().unwrap();
    export(tmp.path(), HR, HISTORY, None);
    let o = map(tmp.path(), MAPPING);
    assert_eq!(o.code, 2);
    let err = problems(&o);
    insta::assert_snapshot!(err.join("\n"), @r#"  [TMP]/data/crm_status.csv: the mapping (preset bitrix24:80:17) looks up in "crm_status", which the export does not have; it has "crm_deal", "crm_deal_stage_history", "crm_deal_uf", "hr""#);
}

#[test]
fn a_deal_with_no_stage_anywhere_is_an_error_saying_so() {
    let tmp = tempfile::tempdir().unwrap();
    let history = "ID,TYPE_ID,OWNER_ID,CREATED_TIME,CATEGORY_ID,STAGE_SEMANTIC_ID,STAGE_ID\n\
                   4,3,1,2026-10-05 10:00:00,0,S,WON\n";
    export(tmp.path(), HR, history, Some(STATUS));
    let o = map(tmp.path(), MAPPING);
    assert_eq!(o.code, 2);
    let err = problems(&o);
    insta::assert_snapshot!(err.join("\n"), @r#"  [TMP]/data/crm_deal.csv, row 2, column "STAGE_ID": no value: none of the 2 candidates of `furthest` (preset bitrix24:71:9) gives one here (a deal with no in-progress stage in its history, nor now?); expected one of lead, qualified, negotiation, proposal"#);
}

#[test]
fn rank_belongs_to_every_candidate_of_furthest_or_to_none() {
    let tmp = tempfile::tempdir().unwrap();
    export(tmp.path(), HR, HISTORY, Some(STATUS));
    let partial = format!(
        "{MAPPING}  deals:\n    columns:\n      stage:\n        furthest:\n          \
         - {{ column: STAGE_ID, map: deal_stages, rank: {{ value: 1 }} }}\n          \
         - {{ column: STAGE_ID, map: deal_stages }}\n      amount: {{ column: OPPORTUNITY, rank: {{ value: 1 }} }}\n"
    );
    let o = map(tmp.path(), &partial);
    assert_eq!(o.code, 2);
    insta::assert_snapshot!(o.stderr, @r#"
    error: 2 problems in the input; nothing was written:
      [TMP]/m.yaml:12:9: furthest compares ranks: either every candidate has `rank:` or none has (1 of 2 have)
      [TMP]/m.yaml:15:44: rank orders the candidates of `furthest`; it means nothing elsewhere
    "#);
}

#[test]
fn an_employee_without_a_crm_user_id_is_an_error_not_a_silent_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let hr = format!("{HR}E2,Anna Ivanova,transactional,100000,\n");
    export(tmp.path(), &hr, HISTORY, Some(STATUS));
    let o = map(tmp.path(), MAPPING);
    assert_eq!(o.code, 2);
    let err = problems(&o);
    insta::assert_snapshot!(err.join("\n"), @r#"  [TMP]/data/hr.csv, row 3, column "crm_user_id": employee "E2" has no CRM user id; the mapping links the CRM's rows to employees through it (people: at preset bitrix24:38:3)"#);
    assert!(!tmp.path().join("out").exists());
}

/// An export whose amounts are written `1 234,56` in a comma-separated file (quoted): the
/// mapping says so, and a value that is no such number is refused at its cell.
#[test]
fn amounts_with_a_decimal_comma_in_a_comma_separated_file() {
    let tmp = tempfile::tempdir().unwrap();
    let deals = DEALS.replace(",1000.00,", ",\"1 234,56\",");
    let deals = format!("{deals}2,2026-09-01 10:00:00,12,WON,S,\"12.5\",Y,2026-10-05,,N\n");
    export(tmp.path(), HR, HISTORY, Some(STATUS));
    std::fs::write(tmp.path().join("data/crm_deal.csv"), &deals).unwrap();
    std::fs::write(
        tmp.path().join("data/crm_deal_uf.csv"),
        "DEAL_ID,UF_CRM_LOSS_REASON\n1,\n2,\n",
    )
    .unwrap();
    let with_history = format!("{HISTORY}5,1,2,2026-09-01 10:00:00,0,P,NEW\n");
    std::fs::write(
        tmp.path().join("data/crm_deal_stage_history.csv"),
        with_history,
    )
    .unwrap();
    let mapping = format!(
        "{MAPPING}  deals:\n    columns:\n      amount: {{ column: OPPORTUNITY, decimal: \",\" }}\n"
    );
    let o = map(tmp.path(), &mapping);
    assert_eq!(o.code, 2);
    insta::assert_snapshot!(problems(&o).join("\n"), @r#"  [TMP]/data/crm_deal.csv, row 3, column "OPPORTUNITY": "12.5" is not a number written with a decimal comma; expected e.g. 1 234,56"#);
    let ok = deals.replace("\"12.5\"", "\"12,5\"");
    std::fs::write(tmp.path().join("data/crm_deal.csv"), ok).unwrap();
    let o = map(tmp.path(), &mapping);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let text = std::fs::read_to_string(tmp.path().join("out/canonical/deals.csv")).unwrap();
    let amounts: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(6).unwrap())
        .collect();
    assert_eq!(amounts, ["1234.56", "12.5"]);
}
