//! The canonical CRM export layout: which tables exist, their columns and the type of each.
//!
//! Everything downstream (scheme validation, metric filters, the data report) refers to columns
//! through this one description, so a column's name, type and allowed values live in one place.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Employees,
    Plans,
    Calls,
    Emails,
    Meetings,
    Deals,
    Clients,
    Nps,
    /// Finance's lines no formula produces (corrections, one-off bonuses, clawbacks …): never
    /// read by a scheme's metrics.
    Adjustments,
    /// Minutes an employee worked in the CRM per day (the CRM's own activity log).
    CrmActivity,
}

/// What a column holds, which decides how a cell is read and how a filter may compare it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// An identifier: text (a numeric cell is read as its digits).
    Id,
    /// Free text.
    Text,
    /// A calendar date.
    Date,
    /// A date with a time of day (a date alone means midnight).
    DateTime,
    /// A decimal amount or number.
    Decimal,
    /// A whole number.
    Integer,
    /// yes/no.
    Bool,
    /// One of a fixed list of lower-case words.
    Enum(&'static [&'static str]),
    /// A month written `YYYY-MM`.
    Period,
}

impl ColType {
    pub fn is_date(self) -> bool {
        matches!(self, ColType::Date | ColType::DateTime)
    }
    pub fn is_number(self) -> bool {
        matches!(self, ColType::Decimal | ColType::Integer)
    }
    /// How a value of this type is written, for "expected …" messages.
    pub fn expected(self) -> String {
        match self {
            ColType::Id => "an identifier".into(),
            ColType::Text => "text".into(),
            ColType::Date => "a date such as 2026-10-05 or 05.10.2026".into(),
            ColType::DateTime => {
                "a date and time such as 2026-10-05 14:30:00 or 05.10.2026 14:30".into()
            }
            ColType::Decimal => "a number such as 12345.67".into(),
            ColType::Integer => "a whole number".into(),
            ColType::Bool => "yes/no, true/false, 1/0 or да/нет".into(),
            ColType::Enum(words) => format!("one of {}", words.join(", ")),
            ColType::Period => "a month such as 2026-10".into(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColType,
    pub required: bool,
    /// Inclusive bounds for whole numbers (an NPS score is 0-10, a duration is not negative).
    pub range: Option<(i64, i64)>,
}

const fn req(name: &'static str, ty: ColType) -> Column {
    Column {
        name,
        ty,
        required: true,
        range: None,
    }
}
const fn ranged(name: &'static str, ty: ColType, min: i64, max: i64) -> Column {
    Column {
        name,
        ty,
        required: true,
        range: Some((min, max)),
    }
}
const fn opt(name: &'static str, ty: ColType) -> Column {
    Column {
        name,
        ty,
        required: false,
        range: None,
    }
}

pub const DIRECTIONS: &[&str] = &["outgoing", "incoming"];
pub const MEETING_STATUSES: &[&str] = &["held", "planned", "cancelled", "no_show"];
/// `refunded`: won, then refunded or cancelled (a deal with `refunded_on` is read so).
pub const DEAL_STATUSES: &[&str] = &["open", "won", "lost", "refunded"];
pub const DEAL_STAGES: &[&str] = &["lead", "qualified", "negotiation", "proposal"];
/// The kinds of an adjustments row (see docs/month-end.md for the sign each allows).
pub const ADJUSTMENT_KINDS: &[&str] = &["correction", "one_off", "guarantee", "clawback", "other"];

use ColType::*;

const EMPLOYEES: &[Column] = &[
    req("employee_id", Id),
    req("name", Text),
    req("scheme", Id),
    req("target_bonus", Decimal),
    opt("team", Text),
    opt("hired_on", Date),
    opt("left_on", Date),
    // A candidate scheme computed beside the paid one, never paid (HR's observation).
    opt("observe_scheme", Id),
    // A change of scheme: `previous_scheme` is paid for periods before `scheme_since`.
    opt("previous_scheme", Id),
    opt("scheme_since", Period),
    // The employee_id of the person's manager: `scope: reports` metrics add up the rows of
    // everyone below a manager (validated: on the roster, no one their own manager, no cycle).
    opt("manager_id", Id),
];
const PLANS: &[Column] = &[
    req("employee_id", Id),
    req("period", Period),
    req("metric", Id),
    req("target", Decimal),
];
const CALLS: &[Column] = &[
    req("call_id", Id),
    req("employee_id", Id),
    req("started_at", DateTime),
    req("direction", Enum(DIRECTIONS)),
    ranged("duration_sec", Integer, 0, i64::MAX),
    opt("client_id", Id),
    // The call's result as the employee filled it in the CRM's card (empty: not filled).
    opt("result", Text),
];
const EMAILS: &[Column] = &[
    req("email_id", Id),
    req("employee_id", Id),
    req("sent_at", DateTime),
    req("direction", Enum(DIRECTIONS)),
    opt("client_id", Id),
    // When the client first opened an outgoing email (empty: not opened, or not tracked).
    opt("opened_at", DateTime),
];
const MEETINGS: &[Column] = &[
    req("meeting_id", Id),
    req("employee_id", Id),
    req("starts_at", DateTime),
    req("status", Enum(MEETING_STATUSES)),
    opt("client_id", Id),
];
const DEALS: &[Column] = &[
    req("deal_id", Id),
    req("employee_id", Id),
    req("created_on", Date),
    opt("closed_on", Date),
    req("status", Enum(DEAL_STATUSES)),
    req("stage", Enum(DEAL_STAGES)),
    req("amount", Decimal),
    opt("new_client", Bool),
    opt("lost_reason", Text),
    opt("client_id", Id),
    // A deal refunded or cancelled after it was won: read as status `refunded`, never `won`.
    opt("refunded_on", Date),
];
const CLIENTS: &[Column] = &[
    req("client_id", Id),
    req("employee_id", Id),
    req("since", Date),
    opt("churned_on", Date),
];
const NPS: &[Column] = &[
    req("response_id", Id),
    req("employee_id", Id),
    req("answered_on", Date),
    ranged("score", Integer, 0, 10),
];
const CRM_ACTIVITY: &[Column] = &[
    req("employee_id", Id),
    req("date", Date),
    ranged("minutes", Integer, 0, 1440),
];
const ADJUSTMENTS: &[Column] = &[
    req("employee_id", Id),
    req("period", Period),
    req("amount", Decimal),
    req("kind", Enum(ADJUSTMENT_KINDS)),
    req("reason", Text),
    req("approved_by", Text),
    opt("reference", Id),
    // Finance's internal note: in the workbook and run.json, never on a statement.
    opt("note", Text),
];

impl Table {
    pub const ALL: [Table; 10] = [
        Table::Employees,
        Table::Plans,
        Table::Calls,
        Table::Emails,
        Table::Meetings,
        Table::Deals,
        Table::Clients,
        Table::Nps,
        Table::Adjustments,
        Table::CrmActivity,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Table::Employees => "employees",
            Table::Plans => "plans",
            Table::Calls => "calls",
            Table::Emails => "emails",
            Table::Meetings => "meetings",
            Table::Deals => "deals",
            Table::Clients => "clients",
            Table::Nps => "nps",
            Table::Adjustments => "adjustments",
            Table::CrmActivity => "crm_activity",
        }
    }

    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            Table::Employees => EMPLOYEES,
            Table::Plans => PLANS,
            Table::Calls => CALLS,
            Table::Emails => EMAILS,
            Table::Meetings => MEETINGS,
            Table::Deals => DEALS,
            Table::Clients => CLIENTS,
            Table::Nps => NPS,
            Table::Adjustments => ADJUSTMENTS,
            Table::CrmActivity => CRM_ACTIVITY,
        }
    }

    pub fn column_index(self, name: &str) -> Option<usize> {
        self.columns().iter().position(|c| c.name == name)
    }

    /// The column whose values must be unique in the table, if any.
    pub fn key_column(self) -> Option<usize> {
        match self {
            Table::Plans | Table::Adjustments | Table::CrmActivity => None,
            _ => Some(0),
        }
    }

    /// The `employee_id` column: whose row this is.
    pub fn employee_column(self) -> usize {
        match self {
            Table::Employees | Table::Plans | Table::Adjustments | Table::CrmActivity => 0,
            _ => 1,
        }
    }

    /// The column that dates a row for the data report's "in the period" count.
    pub fn date_column(self) -> Option<usize> {
        match self {
            Table::Employees | Table::Plans | Table::Adjustments => None,
            Table::Deals => Some(3), // closed_on; open deals are dated by created_on
            Table::CrmActivity => Some(1),
            _ => Some(2),
        }
    }

    /// A column summed in the data report for rows of people not on the roster.
    pub fn amount_column(self) -> Option<usize> {
        match self {
            Table::Deals => Some(6),
            _ => None,
        }
    }
}

/// A deal with a `refunded_on` date is `refunded`, whatever its status says: it never counts as
/// won in any period (recomputing the month it was won in lowers that month's results).
pub fn settle_deal_status(values: &mut [crate::data::value::Value]) {
    const STATUS: usize = 4;
    const REFUNDED_ON: usize = 10;
    if values.len() > REFUNDED_ON && !values[REFUNDED_ON].is_empty() {
        values[STATUS] =
            crate::data::value::Value::Text(crate::data::value::Text::const_new("refunded"));
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
