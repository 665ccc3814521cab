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

/// Writes `dir/m.yaml` and maps `dir/data` with it into `dir/out`.
fn map(dir: &Path, mapping: &str) -> Outcome {
    std::fs::write(dir.join("m.yaml"), mapping).unwrap();
    map_into(
        dir,
        &dir.join("data"),
        &dir.join("m.yaml"),
        &dir.join("out"),
    )
}

/// `incentive map --data DATA --mapping M --out OUT`, paths shown relative to `dir` as `[TMP]`.
fn map_into(dir: &Path, data: &Path, mapping: &Path, out: &Path) -> Outcome {
    let [data, mapping, out] = [data, mapping, out].map(|p| p.display().to_string());
    run(
        &["map", "--data", &data, "--mapping", &mapping, "--out", &out],
        dir,
    )
}

/// `incentive validate --data DATA --mapping M --period 2026-10`.
fn validate(dir: &Path, data: &Path, mapping: &Path) -> Outcome {
    let [data, mapping] = [data, mapping].map(|p| p.display().to_string());
    run(
        &[
            "validate",
            "--data",
            &data,
            "--mapping",
            &mapping,
            "--period",
            "2026-10",
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
        "deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,lost_reason,client_id,refunded_on\n\
         1,E1,2026-09-01,2026-10-05,won,qualified,1000.00,yes,,,\n"
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

/// The example mappings for CRMs without a preset work on the exports they describe: HubSpot's
/// call durations in milliseconds (rounded down to whole seconds), its UTC moments read in the
/// company's time (a deal closed at 20:00 UTC on 30 September is an October close in UTC+05:00),
/// its `closedate` that is only a close on a closed deal, and the furthest stage from the stage
/// history; Salesforce's status from IsClosed and IsWon together.
#[test]
fn the_example_mappings_for_hubspot_and_salesforce() {
    let tmp = tempfile::tempdir().unwrap();
    let hr = "employee_id,name,scheme,target_bonus,hubspot_owner_id,salesforce_user_id\n\
              E1,Ivan Petrov,transactional,100000,5101,0051x00000A\n";
    write_csv_folder(
        &tmp.path().join("data"),
        &[
            ("hr", hr),
            (
                "deals",
                "hs_object_id,hubspot_owner_id,createdate,closedate,dealstage,amount\n\
                 901,5101,2026-09-01T09:00:00Z,2026-09-30T20:00:00Z,closedwon,1500\n\
                 902,5101,2026-09-03T09:00:00Z,2026-12-20T10:00:00Z,qualifiedtobuy,800\n\
                 903,5101,2026-09-04T09:00:00Z,2026-10-09T10:00:00Z,closedlost,300\n",
            ),
            (
                "deal_stage_history",
                "hs_object_id,dealstage,timestamp\n\
                 901,appointmentscheduled,2026-09-01\n901,contractsent,2026-09-20\n901,closedwon,2026-10-02\n\
                 902,presentationscheduled,2026-09-10\n902,qualifiedtobuy,2026-09-15\n\
                 903,qualifiedtobuy,2026-09-05\n903,closedlost,2026-10-09\n",
            ),
            (
                "calls",
                "hs_object_id,hubspot_owner_id,hs_timestamp,hs_call_direction,hs_call_duration,hs_call_status\n\
                 c1,5101,2026-10-05T10:00:00+05:00,OUTBOUND,119999,COMPLETED\n\
                 c2,5101,2026-10-05T11:00:00+05:00,OUTBOUND,120000,COMPLETED\n\
                 c3,5101,2026-10-05T12:00:00+05:00,OUTBOUND,0,NO_ANSWER\n",
            ),
            (
                "opportunities",
                "Id,OwnerId,CreatedDate,CloseDate,StageName,IsWon,IsClosed,Amount,Type\n\
                 0061,0051x00000A,2026-09-01,2026-10-03,Closed Won,true,true,2000,New Business\n\
                 0062,0051x00000A,2026-09-02,2026-12-01,Needs Analysis,false,false,700,Existing Business\n\
                 0063,0051x00000A,2026-09-02,2026-10-04,Closed Lost,false,true,900,New Business\n",
            ),
            (
                "opportunity_history",
                "OpportunityId,StageName\n0061,Proposal/Price Quote\n0063,Value Proposition\n0062,Prospecting\n0062,Needs Analysis\n",
            ),
            (
                "tasks",
                "Id,OwnerId,ActivityDate,CallType,CallDurationInSeconds,TaskSubtype\n\
                 t1,0051x00000A,2026-10-05,Outbound,300,Call\n\
                 t2,0051x00000A,2026-10-06,,0,Email\n",
            ),
        ],
    );
    let table = |out: &str, t: &str| {
        std::fs::read_to_string(
            tmp.path()
                .join(out)
                .join("canonical")
                .join(format!("{t}.csv")),
        )
        .unwrap()
    };
    for (example, out) in [("hubspot", "hs"), ("salesforce", "sf")] {
        let m = common::crate_path(&format!("mappings/examples/{example}.yaml"));
        let r = map_into(
            tmp.path(),
            &tmp.path().join("data"),
            &m,
            &tmp.path().join(out),
        );
        assert_eq!(r.code, 0, "{example}: {}", r.stderr);
    }
    insta::assert_snapshot!(
        format!("{}{}", table("hs", "deals"), table("hs", "calls")),
        @r"
    deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,lost_reason,client_id,refunded_on
    901,E1,2026-09-01,2026-10-01,won,proposal,1500,no,,,
    902,E1,2026-09-03,,open,negotiation,800,no,,,
    903,E1,2026-09-04,2026-10-09,lost,qualified,300,no,,,
    call_id,employee_id,started_at,direction,duration_sec,client_id,result
    c1,E1,2026-10-05 10:00:00,outgoing,119,,
    c2,E1,2026-10-05 11:00:00,outgoing,120,,
    "
    );
    insta::assert_snapshot!(
        format!("{}{}", table("sf", "deals"), table("sf", "calls")),
        @r"
    deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,lost_reason,client_id,refunded_on
    0061,E1,2026-09-01,2026-10-03,won,proposal,2000,yes,,,
    0062,E1,2026-09-02,,open,qualified,700,no,,,
    0063,E1,2026-09-02,2026-10-04,lost,negotiation,900,yes,,,
    call_id,employee_id,started_at,direction,duration_sec,client_id,result
    t1,E1,2026-10-05 00:00:00,outgoing,300,,
    "
    );
}

/// The preset's loss-reason list is empty until the company fills it: a reason says so, and
/// `optional:` on something that is not a column is refused.
#[test]
fn an_empty_value_list_says_to_fill_it_and_optional_needs_a_column() {
    let tmp = tempfile::tempdir().unwrap();
    export(tmp.path(), HR, HISTORY, Some(STATUS));
    std::fs::write(
        tmp.path().join("data/crm_deal_uf.csv"),
        "DEAL_ID,UF_CRM_LOSS_REASON\n1,45\n",
    )
    .unwrap();
    let o = map(tmp.path(), MAPPING);
    assert_eq!(o.code, 2);
    insta::assert_snapshot!(problems(&o).join("\n"), @r#"  [TMP]/data/crm_deal_uf.csv, row 2, column "UF_CRM_LOSS_REASON": "45" is not a known value: the value list "loss_reasons" of the mapping is empty; add the company's values to it in your mapping file"#);
    let o = map(
        tmp.path(),
        &format!("{MAPPING}  deals:\n    columns:\n      amount: {{ value: 1, optional: yes }}\n"),
    );
    insta::assert_snapshot!(problems(&o).join("\n"), @"  [TMP]/m.yaml:11:37: optional says a source column may be missing from the file; it needs `column:`");
}

/// A CRM export as one workbook, a sheet per source table, with numeric cells where the CRM
/// writes numbers: the ids match across sheets by their digits, the deal is what the CSV export
/// gives, and a problem names the workbook's sheet, row and column.
#[test]
fn a_workbook_export_maps_like_the_csv_one() {
    use rust_xlsxwriter::Workbook;
    let tmp = tempfile::tempdir().unwrap();
    export(tmp.path(), HR, HISTORY, Some(STATUS));
    let o = map(tmp.path(), MAPPING);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let from_csv = std::fs::read_to_string(tmp.path().join("out/canonical/deals.csv")).unwrap();
    let mut book = Workbook::new();
    for (name, text) in [
        ("hr", HR),
        ("crm_deal", DEALS),
        ("crm_deal_stage_history", HISTORY),
        ("crm_deal_uf", "DEAL_ID,UF_CRM_LOSS_REASON\n1,\n"),
        ("crm_status", STATUS),
    ] {
        let ws = book.add_worksheet().set_name(name).unwrap();
        for (r, line) in text.lines().enumerate() {
            for (c, cell) in line.split(',').enumerate() {
                // Whole numbers (ids, SORT) and amounts as number cells, the rest as text.
                match cell.parse::<f64>() {
                    Ok(n) if r > 0 && !cell.is_empty() => {
                        ws.write_number(r as u32, c as u16, n).unwrap();
                    }
                    _ => {
                        ws.write_string(r as u32, c as u16, cell).unwrap();
                    }
                }
            }
        }
    }
    let xlsx = tmp.path().join("export.xlsx");
    book.save(&xlsx).unwrap();
    let (m, out) = (tmp.path().join("m.yaml"), tmp.path().join("out-xlsx"));
    let o = map_into(tmp.path(), &xlsx, &m, &out);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let from_xlsx = std::fs::read_to_string(out.join("canonical/deals.csv")).unwrap();
    // The amount cell is the number 1000: written as it is read, without the CSV's two decimals.
    assert_eq!(from_xlsx, from_csv.replace(",1000.00,", ",1000,"));
    // A bad value is reported in the workbook's terms.
    let mut book = Workbook::new();
    for (name, text) in [
        ("hr", HR.to_string()),
        ("crm_deal", DEALS.replace(",WON,S,", ",WON,Z,")),
        ("crm_deal_stage_history", HISTORY.to_string()),
        (
            "crm_deal_uf",
            "DEAL_ID,UF_CRM_LOSS_REASON\n1,\n".to_string(),
        ),
        ("crm_status", STATUS.to_string()),
    ] {
        let ws = book.add_worksheet().set_name(name).unwrap();
        for (r, line) in text.lines().enumerate() {
            for (c, cell) in line.split(',').enumerate() {
                ws.write_string(r as u32, c as u16, cell).unwrap();
            }
        }
    }
    book.save(&xlsx).unwrap();
    let o = map_into(tmp.path(), &xlsx, &m, &tmp.path().join("out-bad"));
    assert_eq!(o.code, 2);
    insta::assert_snapshot!(problems(&o).join("\n"), @r#"  [TMP]/export.xlsx: sheet "crm_deal", row 2, column "STAGE_SEMANTIC_ID": "Z" is not a known value; expected P, S or F (the value list "deal_status" of the mapping)"#);
}

/// HR's sheet in its own words: a roster problem (an unknown scheme) is reported at the sheet's
/// own column, through the mapping, like every other problem.
#[test]
fn a_roster_problem_names_hr_s_own_column() {
    let tmp = tempfile::tempdir().unwrap();
    let hr = "Табельный номер,ФИО,Схема,Бонус,crm_user_id\nE1,Иван Петров,transactionl,100000,12\n";
    export(tmp.path(), hr, HISTORY, Some(STATUS));
    std::fs::write(
        tmp.path().join("data/plans.csv"),
        "employee_id,period,metric,target\nE1,2026-10,revenue,1000\n",
    )
    .unwrap();
    let mapping = format!(
        "{MAPPING}  employees:\n    from: hr\n    columns:\n      employee_id: Табельный номер\n      \
         name: ФИО\n      scheme: Схема\n      target_bonus: Бонус\n\
         people: {{ from: hr, crm_user_id: crm_user_id, employee_id: Табельный номер }}\n"
    );
    std::fs::write(tmp.path().join("m.yaml"), mapping).unwrap();
    let (data, m, out) = (
        tmp.path().join("data"),
        tmp.path().join("m.yaml"),
        tmp.path().join("out"),
    );
    let o = validate(tmp.path(), &data, &m);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(!out.exists());
    insta::assert_snapshot!(o.stderr, @r#"
    error: 1 problem in the input; nothing was written:
      [TMP]/data/hr.csv, row 2, column "Схема": unknown scheme "transactionl" (did you mean "transactional"?); the schemes folder has account-manager, b2b-long-cycle, transactional-5min, transactional
    "#);
}

/// A table a scheme reads, made by the mapping from a file the export lacks: the run's error
/// says which file the mapping wanted and what the export has.
#[test]
fn a_run_names_the_source_file_a_missing_table_is_made_from() {
    let tmp = tempfile::tempdir().unwrap();
    export(tmp.path(), HR, HISTORY, Some(STATUS));
    std::fs::write(
        tmp.path().join("m.yaml"),
        MAPPING.replace("  calls: ~\n", ""),
    )
    .unwrap();
    let (data, m) = (tmp.path().join("data"), tmp.path().join("m.yaml"));
    let o = validate(tmp.path(), &data, &m);
    assert_eq!(o.code, 2);
    let calls: Vec<&str> = o
        .stderr
        .lines()
        .filter(|l| l.contains("calls table"))
        .collect();
    insta::assert_snapshot!(calls.join("\n"), @r#"  [TMP]/data/voximplant_statistic.csv: the calls table is missing; scheme transactional reads it; the mapping (preset bitrix24:102:3) makes it from "voximplant_statistic", which the export does not have; it has "crm_deal", "crm_deal_stage_history", "crm_deal_uf", "crm_status", "hr""#);
}
