//! A mapping file on arbitrary text: `mapping::load` (YAML, `extends:`, validation); a mapping
//! that loads is then read over a small fixed Bitrix-like export (a CSV folder made once per
//! process) with `data::read_table` for every canonical table, as `incentive map` reads it.
#![no_main]

use incentive::data::source::Source;
use incentive::data::tables::Table;
use incentive::data::{TableSource, read_table};
use incentive::mapping::read::{MappedSource, usage_lines};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The fixed export: every table the presets read, a few rows each, with the traps (an open
/// deal with an expected close date, a deal moved back a stage, a failed call, `[12] Name`).
const EXPORT: &[(&str, &str)] = &[
    (
        "crm_deal",
        "ID,DATE_CREATE,ASSIGNED_BY_ID,STAGE_ID,STAGE_SEMANTIC_ID,OPPORTUNITY,CURRENCY_ID,CLOSED,CLOSEDATE,CATEGORY_ID,COMPANY_ID,CONTACT_ID,IS_RETURN_CUSTOMER\n\
         1,2026-09-01 10:00:00,12,WON,S,1000000.00,KZT,Y,2026-10-05,0,7,,N\n\
         2,2026-09-02 10:00:00,12,PREPARATION,P,500000.00,KZT,N,2026-12-01,0,,,Y\n\
         3,2026-09-03 10:00:00,17,LOSE,F,300000.00,KZT,Y,2026-10-07,0,,5,N\n",
    ),
    (
        "crm_deal_stage_history",
        "ID,TYPE_ID,OWNER_ID,CREATED_TIME,CATEGORY_ID,STAGE_SEMANTIC_ID,STAGE_ID\n\
         1,1,1,2026-09-01 10:00:00,0,P,NEW\n\
         2,2,1,2026-09-05 10:00:00,0,P,EXECUTING\n\
         3,2,1,2026-09-06 10:00:00,0,P,PREPARATION\n\
         4,3,1,2026-10-05 10:00:00,0,S,WON\n\
         5,1,2,2026-09-02 10:00:00,0,P,NEW\n\
         6,1,3,2026-09-03 10:00:00,0,P,NEW\n",
    ),
    ("crm_deal_uf", "DEAL_ID,UF_CRM_LOSS_REASON\n1,\n2,\n3,45\n"),
    (
        "crm_status",
        "ID,ENTITY_ID,STATUS_ID,NAME,SORT,SEMANTICS\n\
         1,STATUS,NEW,Lead,10,\n\
         2,DEAL_STAGE,NEW,New,10,\n\
         3,DEAL_STAGE,PREPARATION,Preparation,20,\n\
         4,DEAL_STAGE,EXECUTING,Executing,40,\n\
         5,DEAL_STAGE,WON,Won,60,S\n\
         6,DEAL_STAGE,LOSE,Lost,70,F\n",
    ),
    (
        "crm_activity",
        "ID,TYPE_ID,DIRECTION,START_TIME,END_TIME,RESPONSIBLE_ID,COMPLETED,OWNER_TYPE_ID,OWNER_ID\n\
         1,2,2,2026-10-05 14:30:00,2026-10-05 14:35:00,12,Y,4,7\n\
         2,4,2,2026-10-05 15:00:00,2026-10-05 15:00:00,12,Y,4,7\n\
         3,1,2,2026-10-06 11:00:00,2026-10-06 12:00:00,15,N,3,99\n",
    ),
    (
        "crm_company",
        "ID,TITLE,ASSIGNED_BY,DATE_CREATE,UF_CRM_CHURNED_ON\n7,ACME,[12] Ivan Petrov,2020-01-01 00:00:00,\n",
    ),
    (
        "voximplant_statistic",
        "CALL_ID,PORTAL_USER_ID,CALL_TYPE,CALL_DURATION,CALL_START_DATE,CALL_FAILED_CODE,CRM_ENTITY_TYPE,CRM_ENTITY_ID\n\
         a1,12,1,300,2026-10-05T14:30:00+05:00,200,COMPANY,7\n\
         a2,12,1,0,2026-10-05T14:40:00+05:00,486,COMPANY,7\n\
         a3,15,2,130,1759660200,200,,\n",
    ),
    (
        "hr",
        "employee_id,name,scheme,target_bonus,team,hired_on,left_on,crm_user_id\n\
         E1,Ivan Petrov,transactional,100000,A,2020-01-01,,12\n\
         E2,Anna Ivanova,transactional,100000,A,2020-01-01,,15\n",
    ),
    ("leads", "id,price,responsible_user_id,status_id,pipeline_id,created_at,closed_at\n1,1000,12,142,1,1759660200,1759670200\n2,20,15,143,1,1759660200,05.10.2026\n"),
    ("plans", "employee_id,period,metric,target\nE1,2026-10,revenue,1000000\n"),
];

/// `<tmp>/export/` (the export) and `<tmp>/mapping.yaml` (rewritten for each input).
fn root() -> &'static tempfile::TempDir {
    static ROOT: OnceLock<tempfile::TempDir> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = tempfile::tempdir().expect("a temporary folder");
        let export = root.path().join("export");
        std::fs::create_dir_all(&export).expect("the export folder");
        for (name, text) in EXPORT {
            std::fs::write(export.join(format!("{name}.csv")), text).expect("write a table");
        }
        root
    })
}

fuzz_target!(|data: &[u8]| {
    // The loader reads a mapping file as UTF-8 text: anything else never gets further.
    if std::str::from_utf8(data).is_err() {
        return;
    }
    let root = root();
    let file: PathBuf = root.path().join("mapping.yaml");
    std::fs::write(&file, data).expect("write the mapping");
    let mapping = match incentive::mapping::load(&file.display().to_string()) {
        Ok(m) => m,
        Err(problems) => {
            for p in &problems {
                std::hint::black_box(p.to_string());
            }
            return;
        }
    };
    let source = Source::open(&root.path().join("export")).expect("the export opens");
    let source = MappedSource::new(source, mapping);
    source.log_rows();
    let mut problems = Vec::new();
    for table in Table::ALL {
        if !source.has_table(table) {
            continue;
        }
        let mut cells = 0usize;
        read_table(&source, table, &mut problems, &mut |row| {
            cells += row.values.len();
        });
        std::hint::black_box(cells);
    }
    for p in &problems {
        std::hint::black_box(p.to_string());
    }
    std::hint::black_box(usage_lines(&source.usage()));
    std::hint::black_box(source.take_log().len());
    std::hint::black_box(source.unread());
});
