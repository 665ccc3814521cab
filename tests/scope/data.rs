//! The hand-made October 2026 of tests/scope.rs (also used by tests/statements.rs): a head of
//! sales paid on the rows of everyone reporting to them, and sellers with a team KPI beside
//! their own revenue. The arithmetic is in tests/scope.rs.
#![allow(dead_code)]

use std::path::Path;

/// H1 heads the sales line: S1 and S2 report to H1, S3 to S2 (so to H1 indirectly), S4 (left
/// in September) to H1. S1-S4 are team North; H1 is team Heads; X1 is South, alone.
pub const EMPLOYEES: &str = "\
employee_id,name,scheme,target_bonus,team,hired_on,left_on,manager_id
H1,Hanna Head,head,200000,Heads,2025-01-01,,
S1,Sergey One,seller,100000,North,2025-01-01,,H1
S2,Saule Two,seller,100000,North,2025-01-01,,H1
S3,Samat Three,seller,100000,North,2025-01-01,,S2
S4,Sofia Four,seller,100000,North,2025-01-01,2026-09-30,H1
X1,Xenia Other,seller,100000,South,2025-01-01,,
";

pub const PLANS: &str = "\
employee_id,period,metric,target
H1,2026-10,team_revenue,1000000
";

pub const DEALS: &str = "\
deal_id,employee_id,created_on,closed_on,status,stage,amount
D1,S1,2026-09-01,2026-10-05,won,proposal,300000
D2,S2,2026-09-02,2026-10-06,won,proposal,500000
D3,S3,2026-09-03,2026-10-07,won,proposal,200000
D4,H1,2026-09-04,2026-10-08,won,proposal,100000
D5,X1,2026-09-05,2026-10-09,won,proposal,900000
D6,S1,2026-08-01,2026-09-20,won,proposal,400000
D7,Z9,2026-09-06,2026-10-10,won,proposal,1000000
D8,S1,2026-09-07,2026-10-11,lost,proposal,50000
D9,S4,2026-09-08,2026-10-03,won,proposal,100000
";

/// Six outgoing calls of H1 in October, two of S1 (never H1's own KPI), one incoming of H1.
pub const CALLS: &str = "\
call_id,employee_id,started_at,direction,duration_sec
K1,H1,2026-10-01 10:00,outgoing,60
K2,H1,2026-10-02 10:00,outgoing,60
K3,H1,2026-10-05 10:00,outgoing,60
K4,H1,2026-10-06 10:00,outgoing,60
K5,H1,2026-10-07 10:00,outgoing,60
K6,H1,2026-10-08 10:00,outgoing,60
K7,H1,2026-10-09 10:00,incoming,60
K8,S1,2026-10-09 11:00,outgoing,60
K9,S1,2026-10-09 12:00,outgoing,60
";

/// The factor is the attainment, up to 200%: the amounts are target bonus × weight ×
/// attainment.
const CURVE: &str = "curve: { threshold: 0%, segments: [ { to: 200%, slope: 1 } ], cap: 200% }\n";

pub fn head_scheme() -> String {
    format!(
        "name: Head of sales\ncurrency: KZT\n{CURVE}metrics:
  team_revenue:
    sum: deals.amount
    where: {{ status: won, closed_on: in_period }}
    scope: reports
  team_deals:
    count: deals
    where: {{ status: won, closed_on: in_period }}
    scope: reports
  team_average_deal: team_revenue / team_deals
  calls:
    count: calls
    where: {{ direction: outgoing, started_at: in_period }}
kpis:
  - {{ id: team_revenue, weight: 60%, metric: team_revenue, target: {{ plan: team_revenue }} }}
  - {{ id: team_average_deal, weight: 20%, metric: team_average_deal, target: 200000 }}
  - {{ id: calls, weight: 20%, metric: calls, target: 10 }}
"
    )
}

pub fn seller_scheme() -> String {
    format!(
        "name: Seller\ncurrency: KZT\n{CURVE}metrics:
  revenue:
    sum: deals.amount
    where: {{ status: won, closed_on: in_period }}
  team_revenue:
    sum: deals.amount
    where: {{ status: won, closed_on: in_period }}
    scope: team
kpis:
  - {{ id: revenue, weight: 60%, metric: revenue, target: 400000 }}
  - {{ id: team_revenue, weight: 40%, metric: team_revenue, target: 2000000 }}
"
    )
}

/// Writes `dir/schemes/{head,seller}.yaml` and `dir/data/*.csv`, with `employees` as the
/// roster.
pub fn write(dir: &Path, employees: &str) {
    let schemes = dir.join("schemes");
    std::fs::create_dir_all(&schemes).unwrap();
    std::fs::write(schemes.join("head.yaml"), head_scheme()).unwrap();
    std::fs::write(schemes.join("seller.yaml"), seller_scheme()).unwrap();
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    for (table, text) in [
        ("employees", employees),
        ("plans", PLANS),
        ("deals", DEALS),
        ("calls", CALLS),
    ] {
        std::fs::write(data.join(format!("{table}.csv")), text).unwrap();
    }
}
