//! The optional input columns of issue 10 that today's filters already read: `calls.result`
//! (a filled result card) and `emails.opened_at` (when the client opened an outgoing email).
//! A tiny hand-made month through the real binary, with the arithmetic written out.

mod common;

use common::{run, run_period, write_csv_folder};

const SCHEME: &str = "\
currency: KZT
curve: { threshold: 0%, segments: [ { to: 1000%, slope: 1 } ] }
metrics:
  qualified:                     # outgoing calls of 5+ minutes with a filled result card
    count: calls
    where: { direction: outgoing, duration_sec: { at_least: 300 }, started_at: in_period, result: not_empty }
  sent:
    count: emails
    where: { direction: outgoing, sent_at: in_period }
  opened:
    count: emails
    where: { direction: outgoing, sent_at: in_period, opened_at: not_empty }
  open_rate: opened / sent
kpis:
  - { id: qualified, weight: 50%, metric: qualified, target: 2, prorate: no }
  - { id: open_rate, weight: 50%, metric: open_rate, target: 100% }
";

#[test]
fn a_filled_result_card_and_an_opened_email_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_csv_folder(
        &data,
        &[
            (
                "employees",
                "employee_id,name,scheme,target_bonus\nE1,Ivan Petrov,s,1000\n",
            ),
            // c1: 5 minutes, filled → counts; c2: filled but 299 s; c3: 10 minutes, no card;
            // c4: incoming; c5: 6 minutes, filled → counts. Qualified: 2 of target 2 = 100%.
            (
                "calls",
                "call_id,employee_id,started_at,direction,duration_sec,client_id,result\n\
                 c1,E1,2026-10-01 10:00,outgoing,300,,meeting agreed\n\
                 c2,E1,2026-10-01 11:00,outgoing,299,,call back\n\
                 c3,E1,2026-10-02 10:00,outgoing,600,,\n\
                 c4,E1,2026-10-02 11:00,incoming,600,,question\n\
                 c5,E1,2026-10-03 10:00,outgoing,360,,not interested\n",
            ),
            // 4 outgoing in October, 3 opened (m4 opened in November still counts: it was
            // opened); m5 incoming. Open rate 3/4 = 75%.
            (
                "emails",
                "email_id,employee_id,sent_at,direction,client_id,opened_at\n\
                 m1,E1,2026-10-01 09:00,outgoing,,2026-10-01 09:30\n\
                 m2,E1,2026-10-02 09:00,outgoing,,\n\
                 m3,E1,2026-10-03 09:00,outgoing,,2026-10-04 08:00\n\
                 m4,E1,2026-10-31 18:00,outgoing,,2026-11-02 10:00\n\
                 m5,E1,2026-10-05 09:00,incoming,,2026-10-05 09:00\n",
            ),
        ],
    );
    std::fs::create_dir_all(tmp.path().join("schemes")).unwrap();
    std::fs::write(tmp.path().join("schemes/s.yaml"), SCHEME).unwrap();
    let out = tmp.path().join("out");
    let o = run_period(
        &data,
        &tmp.path().join("schemes"),
        "2026-10",
        &out,
        tmp.path(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    // 1000 × 50% × 100% + 1000 × 50% × 75% = 500.00 + 375.00 = 875.00.
    assert_eq!(
        std::fs::read_to_string(out.join("payroll.csv")).unwrap(),
        "employee_id,name,period,scheme,currency,amount,bonus,adjustments\n\
         E1,Ivan Petrov,2026-10,s,KZT,875.00,875.00,0.00\n"
    );
}

/// Runs `incentive run` for 2026-10 over `tables` with one scheme `s` of `scheme`'s text, and
/// an optional mapping; returns the outcome and the temporary folder.
fn run_month(
    tables: &[(&str, &str)],
    scheme: &str,
    mapping: Option<&str>,
) -> (common::Outcome, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    write_csv_folder(&tmp.path().join("data"), tables);
    std::fs::create_dir_all(tmp.path().join("schemes")).unwrap();
    std::fs::write(tmp.path().join("schemes/s.yaml"), scheme).unwrap();
    let s = |rel: &str| tmp.path().join(rel).display().to_string();
    let mut args = vec![
        "run".to_string(),
        "--data".into(),
        s("data"),
        "--schemes".into(),
        s("schemes"),
        "--period".into(),
        "2026-10".into(),
        "--out".into(),
        s("out"),
    ];
    if let Some(m) = mapping {
        std::fs::write(tmp.path().join("m.yaml"), m).unwrap();
        args.extend(["--mapping".into(), s("m.yaml")]);
    }
    let o = run(&args, tmp.path());
    (o, tmp)
}

const CRM_TIME: &str = "\
currency: KZT
curve: { threshold: 0%, segments: [ { to: 1000%, slope: 1 } ] }
metrics:
  crm_minutes:                   # minutes worked in the CRM per day, over the days logged
    average: crm_activity.minutes
    where: { date: in_period }
kpis:
  - { id: crm_time, weight: 100%, metric: crm_minutes, target: 240 }
";

#[test]
fn time_in_the_crm_per_day_is_read_from_crm_activity() {
    // October: 300, 200 and 250 minutes → an average of 250 a day (30 September does not count);
    // 250 / 240 = 104.1666…% of 1000 = 1041.67.
    let (o, tmp) = run_month(
        &[
            (
                "employees",
                "employee_id,name,scheme,target_bonus\nE1,Ivan Petrov,s,1000\n",
            ),
            (
                "crm_activity",
                "employee_id,date,minutes\nE1,2026-09-30,999\nE1,2026-10-01,300\nE1,2026-10-02,200\nE1,2026-10-03,250\n",
            ),
        ],
        CRM_TIME,
        None,
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("out/payroll.csv")).unwrap(),
        "employee_id,name,period,scheme,currency,amount,bonus,adjustments\n\
         E1,Ivan Petrov,2026-10,s,KZT,1041.67,1041.67,0.00\n"
    );
    // A second row for the same employee and day, and a day longer than a day: refused.
    let (o, _tmp) = run_month(
        &[
            (
                "employees",
                "employee_id,name,scheme,target_bonus\nE1,Ivan Petrov,s,1000\n",
            ),
            (
                "crm_activity",
                "employee_id,date,minutes\nE1,2026-10-01,300\nE1,01.10.2026,20\nE1,2026-10-02,1500\n",
            ),
        ],
        CRM_TIME,
        None,
    );
    assert_eq!(o.code, 2);
    insta::assert_snapshot!(o.stderr, @r#"
    error: 2 problems in the input; nothing was written:
      [TMP]/data/crm_activity.csv, row 3, column "employee_id": a second crm_activity row for employee E1 on 2026-10-01 (first at row 2); each must appear once
      [TMP]/data/crm_activity.csv, row 4, column "minutes": 1500 is out of range; expected a whole number from 0 to 1440
    "#);
}

#[test]
fn a_crm_table_the_mapping_reads_is_not_the_canonical_table_of_its_name() {
    // The CRM's own crm_activity (as Bitrix24 calls its activities) is a source of emails here;
    // a scheme reading the canonical crm_activity is told it has no such table.
    let (o, _tmp) = run_month(
        &[
            (
                "employees",
                "employee_id,name,scheme,target_bonus\nE1,Ivan Petrov,s,1000\n",
            ),
            (
                "crm_activity",
                "ID,RESPONSIBLE,START_TIME,DIRECTION\n1,E1,2026-10-05 09:00:00,2\n",
            ),
        ],
        CRM_TIME,
        Some(
            "tables:\n  emails:\n    from: crm_activity\n    columns:\n      email_id: ID\n      employee_id: RESPONSIBLE\n      sent_at: START_TIME\n      direction: { column: DIRECTION, map: { \"1\": incoming, \"2\": outgoing } }\n",
        ),
    );
    assert_eq!(o.code, 2);
    insta::assert_snapshot!(o.stderr, @r#"
    error: 1 problem in the input; nothing was written:
      [TMP]/data/crm_activity.csv: the crm_activity table is missing; scheme s reads it; the export's "crm_activity" is the CRM's own table, which the mapping reads as a source ([TMP]/m.yaml:2:3); the canonical crm_activity table needs an entry of its own under `tables:`
    "#);
}
