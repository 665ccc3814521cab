//! The optional input columns of issue 10 that today's filters already read: `calls.result`
//! (a filled result card) and `emails.opened_at` (when the client opened an outgoing email).
//! A tiny hand-made month through the real binary, with the arithmetic written out.

mod common;

use common::{run, write_csv_folder};

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
    let o = run(
        &[
            "run",
            "--data",
            data.to_str().unwrap(),
            "--schemes",
            tmp.path().join("schemes").to_str().unwrap(),
            "--period",
            "2026-10",
            "--out",
            out.to_str().unwrap(),
        ],
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
