#!/usr/bin/env python3
"""Independent cross-check of the sales-bonus payout calculation.

Written from the written rules only (not from the Rust engine), using the Python 3.11
standard library and exact rational arithmetic (fractions.Fraction) throughout.

Usage:
    python3 scripts/crosscheck.py CSV_FOLDER YYYY-MM [--breakdown]
    python3 scripts/crosscheck.py compare CSV_FOLDER YYYY-MM[..YYYY-MM] CANDIDATE [--current SCHEME]
    python3 scripts/crosscheck.py close --schemes DIR --period YYYY-MM --data CSV_FOLDER
        [--true-up YYYY-MM=CSV_FOLDER ...] [--opening [YYYY-MM=]FILE ...]
    python3 scripts/crosscheck.py close --self-test [--keep NEW_FOLDER]

Prints `employee_id,scheme,amount` (one row per employee, sorted by employee_id), or with
--breakdown `employee_id,scheme,kpi,actual,target,attainment,amount`.

`compare` scores everyone employed at least one day of a period (with --current, only the people
on that roster scheme) on their roster scheme and on the candidate, and prints, each section
after a header line:
    period,employee_id,current,candidate,delta           (by period, then employee_id)
    total,PERIOD|all,currency,current,candidate,gain,lose,same
    factor,currency,X                                      (overall current / candidate)
    calib,kpi,n,min,p25,median,p75,max,below_threshold,above_discuss,median_attainment,suggested_target
Money has 2 decimals, the factor and calibration figures 10 (half away from zero; empty when
undefined). Quantiles are Excel's PERCENTILE.INC. A KPI in observation is scored and calibrated
but not part of the total. A plan-based KPI without its plan (for a period the person was
employed in) makes the comparison fail with exit code 2 and `missing_plan` rows, as the engine
refuses it.

`close` is the month-end close of docs/month-end.md, written from that text only: per employee the
bonus (as above, on the schemes of DIR, whose `max_total` and `guarantee` are read from the YAML
files), then the cap, the guarantee top-up, the recovery of recoverable top-ups (opening balances
from the trued-up month before, or `--opening` csv `employee_id,balance`: without a period, for
the first period of the chain), the true-ups (each `--true-up P=FOLDER`: P computed on FOLDER, the
export as it was at P's close, against P recomputed on today's --data) and the adjustments table
(adjustments.csv of --data, rows of the period). It prints
    employee_id,scheme,bonus,cap,guarantee,guarantee_recovery,true_up,adjustments,amount,closing_balance
sorted by employee_id, where adjustments is the sum of every line and amount = bonus + adjustments;
closing_balance is empty for employees without a recoverable guarantee. Bad adjustments, scheme
keys it does not understand, a scheme whose curve, metrics or KPIs are not the preset's, a
catalogue metric the scheme uses (src/scheme/catalogue.yaml) whose definition is not the one
computed here, or a true-up of a period not before --period: exit code 2, every problem on
stderr. A deal with a `refunded_on` date is never won, in every subcommand.
`close --self-test` asserts hand-worked cases (with --keep, their folders are left there).
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import re
import sys
from fractions import Fraction
from pathlib import Path

# ---------------------------------------------------------------------------------------------
# CSV reading
# ---------------------------------------------------------------------------------------------

SPACES = "\u0020\u00a0\u202f\u2007\u2009\t"


def norm_header(h: str) -> str:
    return h.strip().lstrip("\ufeff").strip().lower()


class Table:
    def __init__(self, name: str, rows: list[dict[str, str]], delimiter: str):
        self.name = name
        self.rows = rows
        self.delimiter = delimiter


def read_table(folder: Path, name: str, required: list[str]) -> Table:
    path = folder / f"{name}.csv"
    if not path.exists():
        # A missing activity table simply means no activity of that kind.
        if name in ("employees",):
            sys.exit(f"crosscheck: {path} is missing")
        return Table(name, [], ",")
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    header_line = next((ln for ln in lines if ln.strip()), "")
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[dict[str, str]] = []
    for rec in reader:
        if header is None:
            if not any(c.strip() for c in rec):
                continue
            header = [norm_header(c) for c in rec]
            missing = [c for c in required if c not in header]
            if missing:
                sys.exit(f"crosscheck: {path} lacks column(s) {', '.join(missing)}")
            continue
        if not any(c.strip() for c in rec):
            continue  # blank line
        row: dict[str, str] = {}
        for i, col in enumerate(header):
            if col and col not in row:
                row[col] = rec[i].strip() if i < len(rec) else ""
        rows.append(row)
    return Table(name, rows, delimiter)


def parse_number(text: str, delimiter: str) -> Fraction | None:
    s = text.strip()
    for ch in SPACES:
        s = s.replace(ch, "")
    if s == "":
        return None
    if delimiter == ";":
        # Russian locale: decimal comma (a '.' can still appear as a plain decimal point).
        if "," in s and "." in s:
            # e.g. "1.234.567,89" -> dots are thousands separators
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", ".")
    else:
        # comma-delimited files: a comma inside a (quoted) number is a thousands separator
        s = s.replace(",", "")
    try:
        return Fraction(s)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"not a number: {text!r}")


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$")
_RU = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$")


def parse_date(text: str) -> dt.date | None:
    s = text.strip()
    if s == "":
        return None
    m = _ISO.match(s)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _RU.match(s)
    if m:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    raise ValueError(f"not a date: {text!r}")


YES = {"yes", "true", "1", "да", "y"}
NO = {"no", "false", "0", "нет", "n", ""}


def parse_bool(text: str) -> bool:
    s = text.strip().lower()
    if s in YES:
        return True
    if s in NO:
        return False
    raise ValueError(f"not a yes/no value: {text!r}")


def low(text: str | None) -> str:
    return (text or "").strip().lower()


# ---------------------------------------------------------------------------------------------
# Scoring helpers
# ---------------------------------------------------------------------------------------------


def factor_of(a: Fraction | None) -> Fraction:
    if a is None:
        return Fraction(0)
    if a < Fraction(8, 10):
        return Fraction(0)
    if a <= 1:
        return a
    if a <= Fraction(12, 10):
        return 1 + Fraction(3, 2) * (a - 1)
    return Fraction(13, 10)


def round_half_away(x: Fraction, places: int) -> Fraction:
    scale = 10 ** places
    y = abs(x) * scale
    n = y.numerator // y.denominator
    if (y - n) * 2 >= 1:
        n += 1
    n = n if x >= 0 else -n
    return Fraction(n, scale)


def fmt_fixed(x: Fraction, places: int) -> str:
    r = round_half_away(x, places)
    scale = 10 ** places
    n = r * scale
    assert n.denominator == 1
    n = n.numerator
    sign = "-" if n < 0 else ""
    n = abs(n)
    whole, frac = divmod(n, scale)
    if places == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:0{places}d}"


def fmt_opt6(x: Fraction | None) -> str:
    if x is None:
        return ""
    s = fmt_fixed(x, 6)
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", ""):
        s = "0"
    return s


def ratio(num: Fraction, den: Fraction) -> Fraction | None:
    return None if den == 0 else Fraction(num) / den


# ---------------------------------------------------------------------------------------------
# The schemes, written from their rules (the YAML files in schemes/)
# ---------------------------------------------------------------------------------------------


class Kpi:
    def __init__(self, kpi: str, weight: Fraction, fixed_target: Fraction | None = None, observed: bool = False,
                 plan: str | None = None, metric: str | None = None):
        self.id = kpi
        # The metric the scheme names for it (a catalogue name, or the scheme's own).
        self.metric = metric or kpi
        self.weight = weight
        # The target as the YAML writes it (before prorating); None for a plan target.
        self.fixed_target = fixed_target
        self.observed = observed
        # The plans.metric the target comes from (directly or through another KPI's plan).
        self.plan = plan


P = Fraction  # shorthand for the weights below: P(40, 100) is 40%

SCHEMES = {
    "b2b-long-cycle": [Kpi("revenue", P(50, 100), plan="revenue"), Kpi("pipeline", P(20, 100), plan="revenue"),
                       Kpi("meetings", P(15, 100), Fraction(8), metric="meetings_held"),
                       Kpi("proposal_to_deal", P(15, 100), P(1, 4))],
    "transactional": [Kpi("revenue", P(40, 100), plan="revenue"),
                      Kpi("deals", P(25, 100), Fraction(30), metric="deals_won"),
                      Kpi("calls", P(20, 100), Fraction(600), metric="calls_2min"),
                      Kpi("average_deal", P(15, 100), Fraction(275000))],
    "account-manager": [Kpi("retention", P(30, 100), P(9, 10)), Kpi("upsell", P(30, 100), plan="upsell"),
                        Kpi("nps", P(20, 100), Fraction(50)), Kpi("contact_coverage", P(20, 100), Fraction(1))],
    # The candidate: calls from 5 minutes against 250 a month; conversion in observation.
    "transactional-5min": [Kpi("revenue", P(40, 100), plan="revenue"),
                           Kpi("deals", P(25, 100), Fraction(30), metric="deals_won"),
                           Kpi("calls", P(20, 100), Fraction(250), metric="calls_5min"),
                           Kpi("average_deal", P(15, 100), Fraction(275000)),
                           Kpi("conversion", P(15, 100), P(70, 100), observed=True)],
}

# The metric catalogue (src/scheme/catalogue.yaml): a scheme that names a metric it does not
# define gets the catalogue's definition; the scheme's own definition of a name wins. These are
# the catalogue's definitions this implementation computes (PeriodScores), as the catalogue
# writes them (descriptions left out: they do not decide money). A scheme that needs a catalogue
# metric not here, or whose catalogue definition is not this one, is refused.
CATALOGUE_DEFINITIONS = {
    "revenue": "sum: deals.amount\nwhere: { status: won, closed_on: in_period }",
    "deals_won": "count: deals\nwhere: { status: won, closed_on: in_period }",
    "deals_closed": "count: deals\nwhere: { status: [won, lost], closed_on: in_period }",
    "win_rate": "deals_won / deals_closed",
    "average_deal": "revenue / deals_won",
    "calls_2min": "count: calls\nwhere: { direction: outgoing, duration_sec: { at_least: 120 }, started_at: in_period }",
    "pipeline": "sum: deals.amount\nwhere:\n  created_on: { on_or_before: period_end }\n  any:\n"
                "    - closed_on: empty\n    - closed_on: { after: period_end }",
    "meetings_held": "count: meetings\nwhere: { status: held, starts_at: in_period }",
    "proposals_won": "count: deals\nwhere: { status: won, closed_on: in_period, stage: proposal }",
    "reached_proposal": "count: deals\nwhere: { status: [won, lost], closed_on: in_period, stage: proposal }",
    "proposal_to_won": "proposals_won / reached_proposal",
    "upsell": "sum: deals.amount\nwhere: { status: won, closed_on: in_period, new_client: no }",
    "nps_responses": "count: nps\nwhere: { answered_on: in_period }",
    "nps_promoters": "count: nps\nwhere: { answered_on: in_period, score: { at_least: 9 } }",
    "nps_detractors": "count: nps\nwhere: { answered_on: in_period, score: { at_most: 6 } }",
    "nps": "(nps_promoters - nps_detractors) / nps_responses * 100",
    "book": "count: clients\nwhere: &book\n  since: { before: period_start }\n  any:\n"
            "    - churned_on: empty\n    - churned_on: { on_or_after: period_start }",
    "retained": "count: clients\nwhere:\n  all:\n    - *book\n    - any:\n"
                "        - churned_on: empty\n        - churned_on: { after: period_end }",
    "retention": "retained / book",
    "contacted": "count: clients\nwhere:\n  all:\n    - *book\n    - client_id:\n        found_in:\n"
                 "          - table: calls\n            where: { direction: outgoing, started_at: in_period }\n"
                 "          - table: emails\n            where: { direction: outgoing, sent_at: in_period }\n"
                 "          - table: meetings\n            where: { status: held, starts_at: in_period }",
    "contact_coverage": "contacted / book",
}

SCHEMES_DIR = Path(__file__).resolve().parent.parent / "schemes"
CATALOGUE = Path(__file__).resolve().parent.parent / "src" / "scheme" / "catalogue.yaml"


def currency_of(scheme: str, schemes_dir: Path | None = None) -> str:
    """The `currency:` line of the scheme's YAML file (in `schemes_dir`, default schemes/)."""
    path = (schemes_dir or SCHEMES_DIR) / f"{scheme}.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    m = re.search(r"^currency:\s*([A-Za-z]+)\s*$", text, re.M)
    return m.group(1) if m else ""


# ---------------------------------------------------------------------------------------------
# Reading the export once
# ---------------------------------------------------------------------------------------------


def month_key(text: str) -> str:
    per = text.strip()
    pm = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", per) or re.fullmatch(r"(\d{1,2})\.(\d{4})", per)
    if pm and "." in per:
        return f"{int(pm.group(2)):04d}-{int(pm.group(1)):02d}"
    if pm:
        return f"{int(pm.group(1)):04d}-{int(pm.group(2)):02d}"
    return per


class Export:
    """Every table of a CSV folder, parsed once (the values the rules need, nothing else)."""

    def __init__(self, folder: Path):
        Z = Fraction(0)
        t = read_table(folder, "employees", ["employee_id", "name", "scheme", "target_bonus"])
        self.employees: dict[str, dict] = {}
        for r in t.rows:
            eid = r["employee_id"]
            if not eid or eid in self.employees:
                continue
            self.employees[eid] = {
                "scheme": low(r["scheme"]),
                "scheme_label": r["scheme"].strip(),
                "target_bonus": parse_number(r["target_bonus"], t.delimiter) or Z,
                "hired_on": parse_date(r.get("hired_on", "")),
                "left_on": parse_date(r.get("left_on", "")),
            }
        emp = self.employees

        # (employee, month, metric) -> target; a duplicated plan row: the last one wins
        t = read_table(folder, "plans", ["employee_id", "period", "metric", "target"])
        self.plans: dict[tuple[str, str, str], Fraction] = {}
        for r in t.rows:
            if r["employee_id"] not in emp:
                continue
            val = parse_number(r["target"], t.delimiter)
            if val is None:
                continue
            self.plans[(r["employee_id"], month_key(r["period"]), low(r["metric"]))] = val

        t = read_table(folder, "deals", ["deal_id", "employee_id", "created_on", "status", "stage", "amount"])
        # A deal with a refund date is read as status `refunded`, never `won` (docs/month-end.md,
        # "Refunded deals"); an export without the column has no refunds.
        self.deals = [
            (r["employee_id"], "refunded" if parse_date(r.get("refunded_on", "")) else low(r["status"]),
             low(r["stage"]), parse_number(r["amount"], t.delimiter) or Z,
             parse_date(r["created_on"]), parse_date(r.get("closed_on", "")), parse_bool(r.get("new_client", "")))
            for r in t.rows if r["employee_id"] in emp
        ]
        t = read_table(folder, "meetings", ["meeting_id", "employee_id", "starts_at", "status"])
        self.meetings = [
            (r["employee_id"], parse_date(r["starts_at"]), r.get("client_id", "").strip())
            for r in t.rows if r["employee_id"] in emp and low(r["status"]) == "held"
        ]
        t = read_table(folder, "calls", ["call_id", "employee_id", "started_at", "direction", "duration_sec"])
        self.calls = [
            (r["employee_id"], parse_date(r["started_at"]), parse_number(r["duration_sec"], t.delimiter) or Z,
             r.get("client_id", "").strip())
            for r in t.rows if r["employee_id"] in emp and low(r["direction"]) == "outgoing"
        ]
        t = read_table(folder, "emails", ["email_id", "employee_id", "sent_at", "direction"])
        self.emails = [
            (r["employee_id"], parse_date(r["sent_at"]), r.get("client_id", "").strip())
            for r in t.rows if r["employee_id"] in emp and low(r["direction"]) == "outgoing"
        ]
        t = read_table(folder, "nps", ["response_id", "employee_id", "answered_on", "score"])
        self.nps = [
            (r["employee_id"], parse_date(r["answered_on"]), parse_number(r["score"], t.delimiter))
            for r in t.rows if r["employee_id"] in emp
        ]
        t = read_table(folder, "clients", ["client_id", "employee_id", "since"])
        self.clients = [
            (r["employee_id"], r["client_id"].strip(), parse_date(r["since"]), parse_date(r.get("churned_on", "")))
            for r in t.rows if r["employee_id"] in emp
        ]


# ---------------------------------------------------------------------------------------------
# One period
# ---------------------------------------------------------------------------------------------


class Period:
    def __init__(self, key: str):
        m = re.fullmatch(r"(\d{4})-(\d{2})", key)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(f"period must be YYYY-MM: {key!r}")
        year, month = int(m.group(1)), int(m.group(2))
        self.key = f"{year:04d}-{month:02d}"
        self.start = dt.date(year, month, 1)
        self.end = dt.date(year, month, calendar.monthrange(year, month)[1])
        self.days = (self.end - self.start).days + 1

    def contains(self, d: dt.date | None) -> bool:
        return d is not None and self.start <= d <= self.end

    def next(self) -> "Period":
        d = self.end + dt.timedelta(days=1)
        return Period(f"{d.year:04d}-{d.month:02d}")


class KpiResult:
    def __init__(self, kpi: Kpi, actual, target, attainment, amount: Fraction):
        self.kpi = kpi
        self.actual = actual
        self.target = target
        self.attainment = attainment
        self.amount = amount


class PeriodScores:
    """The accumulators of one period, and any employee's score on any scheme in it."""

    def __init__(self, ex: Export, p: Period):
        self.ex = ex
        self.p = p
        Z = Fraction(0)
        acc = {eid: {
            "revenue": Z, "won_count": 0, "closed_count": 0, "pipeline": Z, "meetings_held": 0,
            "prop_won": 0, "prop_closed": 0, "calls": 0, "calls_5min": 0, "upsell": Z,
            "nps_pro": 0, "nps_det": 0, "nps_n": 0,
            "contacts": set(),  # client_ids touched in period
        } for eid in ex.employees}
        self.acc = acc
        inp = p.contains
        for eid, status, stage, amount, created, closed, new_client in ex.deals:
            a = acc[eid]
            if status == "won" and inp(closed):
                a["revenue"] += amount
                a["won_count"] += 1
                if not new_client:
                    a["upsell"] += amount
            if status in ("won", "lost") and inp(closed):
                a["closed_count"] += 1
            if created is not None and created <= p.end and (closed is None or closed > p.end):
                a["pipeline"] += amount
            if stage == "proposal" and inp(closed):
                if status == "won":
                    a["prop_won"] += 1
                    a["prop_closed"] += 1
                elif status == "lost":
                    a["prop_closed"] += 1
        for eid, starts, cid in ex.meetings:
            if inp(starts):
                acc[eid]["meetings_held"] += 1
                if cid:
                    acc[eid]["contacts"].add(cid)
        for eid, started, dur, cid in ex.calls:
            if not inp(started):
                continue
            if dur >= 120:
                acc[eid]["calls"] += 1
            if dur >= 300:
                acc[eid]["calls_5min"] += 1
            if cid:
                acc[eid]["contacts"].add(cid)
        for eid, sent, cid in ex.emails:
            if inp(sent) and cid:
                acc[eid]["contacts"].add(cid)
        for eid, answered, score in ex.nps:
            if not inp(answered) or score is None:
                continue
            a = acc[eid]
            a["nps_n"] += 1
            if score >= 9:
                a["nps_pro"] += 1
            elif score <= 6:
                a["nps_det"] += 1
        # book of clients per employee: clients since before the period start, not churned before it
        self.book: dict[str, list[tuple[str, dt.date | None]]] = {eid: [] for eid in ex.employees}
        seen: set[tuple[str, str]] = set()
        for eid, cid, since, churned in ex.clients:
            if since is None or not since < p.start:
                continue
            if churned is not None and churned < p.start:
                continue
            if (eid, cid) in seen:
                continue
            seen.add((eid, cid))
            self.book[eid].append((cid, churned))

    def share(self, eid: str) -> Fraction:
        e = self.ex.employees[eid]
        p = self.p
        start = max(p.start, e["hired_on"]) if e["hired_on"] else p.start
        end = min(p.end, e["left_on"]) if e["left_on"] else p.end
        days = (end - start).days + 1 if end >= start else 0
        return Fraction(days, p.days)

    def score(self, eid: str, scheme: str) -> list[KpiResult]:
        e = self.ex.employees[eid]
        p = self.p
        share = self.share(eid)
        a = self.acc[eid]

        def plan(metric: str) -> Fraction | None:
            return self.ex.plans.get((eid, p.key, metric))

        kpis: dict[str, tuple[Fraction | None, Fraction | None]] = {}
        if scheme == "b2b-long-cycle":
            rev_t = plan("revenue")
            kpis["revenue"] = (a["revenue"], rev_t)
            kpis["pipeline"] = (a["pipeline"], None if rev_t is None else 3 * rev_t)
            kpis["meetings"] = (Fraction(a["meetings_held"]), 8 * share)
            kpis["proposal_to_deal"] = (ratio(Fraction(a["prop_won"]), Fraction(a["prop_closed"])), Fraction(1, 4))
        elif scheme == "transactional":
            kpis["revenue"] = (a["revenue"], plan("revenue"))
            kpis["deals"] = (Fraction(a["won_count"]), 30 * share)
            kpis["calls"] = (Fraction(a["calls"]), 600 * share)
            kpis["average_deal"] = (ratio(a["revenue"], Fraction(a["won_count"])), Fraction(275000))
        elif scheme == "transactional-5min":
            kpis["revenue"] = (a["revenue"], plan("revenue"))
            kpis["deals"] = (Fraction(a["won_count"]), 30 * share)
            kpis["calls"] = (Fraction(a["calls_5min"]), 250 * share)
            kpis["average_deal"] = (ratio(a["revenue"], Fraction(a["won_count"])), Fraction(275000))
            kpis["conversion"] = (ratio(Fraction(a["won_count"]), Fraction(a["closed_count"])), Fraction(7, 10))
        elif scheme == "account-manager":
            bk = self.book[eid]
            kept = sum(1 for _, ch in bk if ch is None or ch > p.end)
            kpis["retention"] = (ratio(Fraction(kept), Fraction(len(bk))), Fraction(9, 10))
            kpis["upsell"] = (a["upsell"], plan("upsell"))
            nps = None if a["nps_n"] == 0 else Fraction(a["nps_pro"] - a["nps_det"], a["nps_n"]) * 100
            kpis["nps"] = (nps, Fraction(50))
            covered = sum(1 for cid, _ in bk if cid in a["contacts"])
            kpis["contact_coverage"] = (ratio(Fraction(covered), Fraction(len(bk))), Fraction(1))
        else:
            print(f"crosscheck: {eid}: unknown scheme {scheme!r}; paying 0", file=sys.stderr)

        out = []
        for kpi in SCHEMES.get(scheme, []):
            actual, target = kpis[kpi.id]
            if share == 0 or actual is None or target is None or target == 0:
                att = None
            else:
                att = actual / target
            amount = round_half_away(e["target_bonus"] * share * kpi.weight * factor_of(att), 2)
            out.append(KpiResult(kpi, actual, target, att, amount))
        return out


def total_of(results: list[KpiResult]) -> Fraction:
    """What the employee is paid: the paid KPIs' rounded amounts (observed ones are not paid)."""
    return sum((r.amount for r in results if not r.kpi.observed), Fraction(0))


# ---------------------------------------------------------------------------------------------
# compare
# ---------------------------------------------------------------------------------------------


def percentile_inc(xs: list[Fraction], p: Fraction) -> Fraction | None:
    """Excel's PERCENTILE.INC: linear interpolation between the closest ranks."""
    if not xs:
        return None
    xs = sorted(xs)
    h = (len(xs) - 1) * p
    lo = h.numerator // h.denominator
    if lo + 1 >= len(xs):
        return xs[lo]
    return xs[lo] + (h - lo) * (xs[lo + 1] - xs[lo])


def fmt10(x: Fraction | None) -> str:
    return "" if x is None else fmt_fixed(x, 10)


def periods_of(text: str) -> list[Period]:
    a, sep, b = text.partition("..")
    first = Period(a.strip())
    last = Period(b.strip()) if sep else first
    if last.key < first.key:
        raise ValueError(f"the range {text!r} ends before it starts")
    out = [first]
    while out[-1].key != last.key:
        out.append(out[-1].next())
    return out


def compare(folder: Path, periods: list[Period], candidate: str, current: str | None) -> list[list[str]]:
    ex = Export(folder)
    if candidate not in SCHEMES:
        sys.exit(f"crosscheck: unknown candidate scheme {candidate!r}")
    cand_kpis = SCHEMES[candidate]
    out: list[list[str]] = []
    rows = []  # (period, eid, currency, current, candidate)
    # A plan-based KPI of a scheme someone is scored on, for a period they were employed in,
    # needs that plan (for a candidate too): without it the comparison is refused, not paid 0.
    missing: list[tuple[str, str, str, str]] = []
    calib: dict[str, list[KpiResult]] = {k.id: [] for k in cand_kpis}
    for p in periods:
        ps = PeriodScores(ex, p)
        for eid in sorted(ex.employees):
            scheme = ex.employees[eid]["scheme"]
            if current is not None and scheme != current:
                continue
            if ps.share(eid) == 0:
                continue  # not employed a day of the period: says nothing about the scheme
            scored = ps.score(eid, scheme)
            now = total_of(scored)
            cand = ps.score(eid, candidate)
            for sid, results in ((scheme, scored), (candidate, cand)):
                for r in results:
                    if r.kpi.plan and not ex.plans.get((eid, p.key, r.kpi.plan)):
                        m = (eid, p.key, r.kpi.plan, sid)
                        if m not in missing:
                            missing.append(m)
            for r in cand:
                calib[r.kpi.id].append(r)
            rows.append((p.key, eid, currency_of(scheme), now, total_of(cand)))
    if missing:
        for eid, key, metric, sid in missing:
            print(f"crosscheck: no plan for {eid} in {key}, metric {metric} (scheme {sid})", file=sys.stderr)
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(["missing_plan", "employee_id", "period", "metric"])
        for row in sorted({(eid, key, metric) for eid, key, metric, _ in missing}):
            w.writerow(["missing_plan", *row])
        sys.exit(2)
    out.append(["period", "employee_id", "current", "candidate", "delta"])
    for key, eid, _, now, cand in rows:
        out.append([key, eid, fmt_fixed(now, 2), fmt_fixed(cand, 2), fmt_fixed(cand - now, 2)])

    out.append(["total", "period", "currency", "current", "candidate", "gain", "lose", "same"])
    overall: dict[str, tuple[Fraction, Fraction]] = {}
    for label in [p.key for p in periods] + ["all"]:
        sums: dict[str, list] = {}
        for key, _, cur, now, cand in rows:
            if label != "all" and key != label:
                continue
            s = sums.setdefault(cur, [Fraction(0), Fraction(0), 0, 0, 0])
            s[0] += now
            s[1] += cand
            s[2 if cand > now else 3 if cand < now else 4] += 1
        for cur in sorted(sums):
            s = sums[cur]
            out.append(["total", label, cur, fmt_fixed(s[0], 2), fmt_fixed(s[1], 2), str(s[2]), str(s[3]), str(s[4])])
            if label == "all":
                overall[cur] = (s[0], s[1])

    out.append(["factor", "currency", "current_over_candidate"])
    for cur in sorted(overall):
        now, cand = overall[cur]
        out.append(["factor", cur, fmt10(ratio(now, cand))])

    out.append(["calib", "kpi", "n", "min", "p25", "median", "p75", "max", "below_threshold",
                "above_discuss", "median_attainment", "suggested_target"])
    for kpi in cand_kpis:
        rs = calib[kpi.id]
        actuals = [r.actual for r in rs if r.actual is not None]
        atts = [r.attainment for r in rs if r.attainment is not None]
        q = [percentile_inc(actuals, Fraction(k, 4)) for k in range(5)]
        below = ratio(Fraction(sum(1 for a in atts if a < Fraction(8, 10))), Fraction(len(atts)))
        above = ratio(Fraction(sum(1 for a in atts if a > Fraction(12, 10))), Fraction(len(atts)))
        med = percentile_inc(atts, Fraction(1, 2))
        suggested = None if med is None or kpi.fixed_target is None else kpi.fixed_target * med
        out.append(["calib", kpi.id, str(len(actuals))] + [fmt10(x) for x in q]
                   + [fmt10(below), fmt10(above), fmt10(med), fmt10(suggested)])
    return out


# ---------------------------------------------------------------------------------------------
# close: the month-end close (docs/month-end.md): cap, guarantee, recovery, true-ups, adjustments
# ---------------------------------------------------------------------------------------------


class BadInput(Exception):
    """Input the close refuses (exit code 2): every problem found, one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def quote(text: str, limit: int = 40) -> str:
    """A value as the user wrote it, shortened when long (error output stays bounded)."""
    t = text if len(text) <= limit else text[:limit] + "…"
    return '"' + t.replace('"', '\\"') + '"'


def bounded(problems: list[str], limit: int = 50) -> list[str]:
    if len(problems) <= limit:
        return problems
    return problems[:limit] + [f"... and {len(problems) - limit} more problem(s)"]


class SchemeRules:
    """The scheme-level money rules of one scheme file: `max_total` and `guarantee`."""

    def __init__(self, sid: str, path: Path):
        self.id = sid
        self.path = path
        self.max_total: Fraction | None = None
        # (months, share, recoverable)
        self.guarantee: tuple[int, Fraction, bool] | None = None

    @property
    def recoverable(self) -> bool:
        return self.guarantee is not None and self.guarantee[2]


# Every scheme-level key the engine's scheme language has (README, "The scheme language"), plus
# the two of docs/month-end.md. `curve`, `metrics` and `kpis` decide money and must be the
# presets' (this implementation hard-codes the presets' KPIs); the others do not decide money.
SCHEME_KEYS = {"name", "description", "currency", "review_below", "discuss_above", "curve", "ranking",
               "metrics", "kpis", "max_total", "guarantee"}
MONEY_SECTIONS = ("curve", "metrics", "kpis")
GUARANTEE_KEYS = {"months", "share", "recoverable"}


def parse_share(text: str) -> Fraction | None:
    """`150%` or `1.5` (a share); None when it is neither."""
    s = text.strip().strip("'\"")
    pct = s.endswith("%")
    if pct:
        s = s[:-1].strip()
    if not re.fullmatch(r"\d+(\.\d+)?", s):
        return None
    v = Fraction(s)
    return v / 100 if pct else v


def strip_comment(value: str) -> str:
    return re.sub(r"(^|\s)#.*$", "", value).strip()


def top_level_sections(text: str) -> tuple[dict[str, list[str]], list[tuple[int, str]]]:
    """The scheme-level keys of a YAML file: key -> [its value on the key's line, then the indented
    lines under it] (comment-only and blank lines dropped), and the (line number, line) of lines
    at column 0 that are not `key: ...`."""
    sections: dict[str, list[str]] = {}
    odd: list[tuple[int, str]] = []
    current: list[str] | None = None
    for no, line in enumerate(text.splitlines(), 1):
        line = line.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0] in " \t-" and not line.startswith("---"):
            if current is None:
                odd.append((no, line))
            else:
                current.append(line)
            continue
        if line.startswith("---"):
            continue
        m = re.fullmatch(r"([A-Za-z_][\w-]*)\s*:(.*)", line)
        if not m:
            odd.append((no, line))
            current = None
            continue
        key = m.group(1)
        if key in sections:
            odd.append((no, line))
        current = [strip_comment(m.group(2))]
        sections[key] = current
    return sections, odd


def metric_definitions(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """The entries of a `metrics:` section (its lines as top_level_sections gives them): name ->
    definition, normalised (comments and `description:` lines dropped, the entry's indentation
    removed, runs of spaces made one), and the lines that are not an entry."""
    out: dict[str, list[str]] = {}
    odd: list[str] = []
    current: list[str] | None = None
    for line in lines[1:]:
        m = re.fullmatch(r"  ([a-z_][a-z0-9_]*)\s*:(.*)", line)
        if m:
            current = []
            value = strip_comment(m.group(2))
            if value:
                current.append(" ".join(value.split()))
            if m.group(1) in out:
                odd.append(line)
            out[m.group(1)] = current
        elif line.startswith("    ") and current is not None:
            body = strip_comment(line)
            if body and not body.startswith("description:"):
                indent = len(line) - len(line.lstrip()) - 4
                current.append(" " * indent + " ".join(body.split()))
        else:
            odd.append(line)
    if lines and lines[0]:
        odd.append(lines[0])
    return {k: "\n".join(v) for k, v in out.items()}, odd


def names_in(definition: str) -> list[str]:
    """The metric names a definition refers to: a formula's identifiers (a bare formula, or the
    `formula:` line of a mapping); an aggregation refers to none."""
    first = definition.split("\n", 1)[0]
    if "\n" not in definition and ":" not in first:
        text = first
    else:
        m = re.search(r"^formula:(.*)$", definition, re.M)
        text = m.group(1) if m else ""
    return re.findall(r"[a-z_][a-z0-9_]*", text)


def check_metrics(path: Path, sid: str, sections: dict[str, list[str]],
                  catalogue: dict[str, str], catalogue_path: Path) -> list[str]:
    """The scheme's KPIs name the metrics this implementation computes for the preset `sid`, and
    every catalogue metric the scheme uses (not defined by the scheme itself) is the catalogue
    definition this implementation computes."""
    problems: list[str] = []
    kpis = "\n".join(sections.get("kpis", []))
    named = re.findall(r"(?:^|[\s{,])metric:\s*([a-z_][a-z0-9_]*)", kpis)
    expected = [k.metric for k in SCHEMES[sid]]
    if named != expected:
        problems.append(f"{path}: the KPIs name the metrics {', '.join(named) or 'none'}; this cross-check "
                        f"computes {', '.join(expected)} for the preset {sid}")
    own, odd = metric_definitions(sections.get("metrics", [""]))
    for line in odd:
        problems.append(f"{path}: metrics: not understood by this cross-check: {quote(line.strip())}")
    wanted = list(named) + [n for d in own.values() for n in names_in(d)]
    seen: set[str] = set()
    while wanted:
        name = wanted.pop(0)
        if name in own or name in seen:
            continue
        seen.add(name)
        if name not in catalogue:
            problems.append(f"{path}: metric {quote(name)} is neither the scheme's nor in {catalogue_path}")
        elif name not in CATALOGUE_DEFINITIONS:
            problems.append(f"{path}: uses the catalogue's {quote(name)}, which this cross-check does not compute")
        elif catalogue[name] != CATALOGUE_DEFINITIONS[name]:
            problems.append(f"{path}: uses the catalogue's {quote(name)}, whose definition in {catalogue_path} is "
                            f"not the one this cross-check computes: {quote(' '.join(catalogue[name].split()), 120)}")
        else:
            wanted.extend(names_in(catalogue[name]))
    return problems


def read_catalogue(path: Path) -> dict[str, str]:
    """The definitions of the metric catalogue, normalised as metric_definitions does."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise BadInput([f"{path}: {e.strerror}; expected the metric catalogue"])
    sections, _ = top_level_sections(text)
    definitions, odd = metric_definitions(sections.get("metrics", [""]))
    if odd or not definitions:
        raise BadInput([f"{path}: the `metrics:` section is not one this cross-check reads"
                        + (f": {quote(odd[0].strip())}" if odd else "")])
    return definitions


def read_scheme_rules(schemes_dir: Path, catalogue_path: Path = CATALOGUE) -> dict[str, SchemeRules]:
    """The schemes of DIR (id = file stem) with their `max_total` and `guarantee`; refuses a
    scheme-level key this implementation does not understand, a scheme it has no KPIs for, a
    scheme whose curve, metrics or KPIs are not the preset's, and one whose KPIs pay on metrics
    (its own or the catalogue's, read from `catalogue_path`) this implementation does not compute."""
    problems: list[str] = []
    catalogue = read_catalogue(catalogue_path)
    files = sorted(list(schemes_dir.glob("*.yaml")) + list(schemes_dir.glob("*.yml")))
    if not files:
        raise BadInput([f"{schemes_dir}: no scheme files (*.yaml, *.yml)"])
    out: dict[str, SchemeRules] = {}
    for path in files:
        sid = path.stem.strip().lower()
        text = path.read_text(encoding="utf-8-sig")
        sections, odd = top_level_sections(text)
        for no, line in odd:
            problems.append(f"{path}:{no}: not understood at scheme level: {quote(line)}")
        for key in sections:
            if key not in SCHEME_KEYS:
                problems.append(f"{path}: scheme-level key {quote(key)} is not one this cross-check understands "
                                f"(expected one of {', '.join(sorted(SCHEME_KEYS))})")
        if sid not in SCHEMES:
            problems.append(f"{path}: scheme {quote(sid)} has no KPIs in this cross-check "
                            f"(expected one of {', '.join(sorted(SCHEMES))})")
        else:
            preset = SCHEMES_DIR / f"{sid}.yaml"
            psec, _ = top_level_sections(preset.read_text(encoding="utf-8-sig")) if preset.exists() else ({}, [])
            for key in MONEY_SECTIONS:
                if [strip_comment(x) for x in sections.get(key, [])] != [strip_comment(x) for x in psec.get(key, [])]:
                    problems.append(f"{path}: `{key}` differs from the preset {preset}; this cross-check only "
                                    f"knows the presets' KPIs")
            problems.extend(check_metrics(path, sid, sections, catalogue, catalogue_path))
        rules = SchemeRules(sid, path)
        if "max_total" in sections:
            lines = sections["max_total"]
            v = parse_share(lines[0]) if len(lines) == 1 else None
            if v is None or v <= 0:
                problems.append(f"{path}: max_total: {quote(' '.join(lines))}: expected a share such as 150%")
            else:
                rules.max_total = v
        if "guarantee" in sections:
            lines = sections["guarantee"]
            head = lines[0]
            fields: dict[str, str] = {}
            items: list[str] = []
            if head.startswith("{") and head.endswith("}") and len(lines) == 1:
                items = [x for x in head[1:-1].split(",") if x.strip()]
            elif head == "":
                items = [strip_comment(x) for x in lines[1:]]
            else:
                problems.append(f"{path}: guarantee: {quote(head)}: expected a mapping of months, share, recoverable")
            for item in items:
                k, sep, v = item.partition(":")
                k = k.strip()
                if not sep or k not in GUARANTEE_KEYS or k in fields:
                    problems.append(f"{path}: guarantee: {quote(item.strip())} not understood "
                                    f"(expected months, share, recoverable, once each)")
                    continue
                fields[k] = v.strip()
            months = fields.get("months", "")
            share = parse_share(fields.get("share", ""))
            rec = fields.get("recoverable", "no").strip().lower()
            if not re.fullmatch(r"[1-9]\d{0,2}", months):
                problems.append(f"{path}: guarantee.months: {quote(months)}: expected a whole number of months")
            if share is None or share <= 0:
                problems.append(f"{path}: guarantee.share: {quote(fields.get('share', ''))}: expected a share such as 50%")
            if rec not in ("yes", "no", "true", "false"):
                problems.append(f"{path}: guarantee.recoverable: {quote(rec)}: expected yes or no")
            if re.fullmatch(r"[1-9]\d{0,2}", months) and share is not None and share > 0:
                rules.guarantee = (int(months), share, rec in ("yes", "true"))
        if sid in out:
            problems.append(f"{path}: a second scheme with id {quote(sid)}")
        out[sid] = rules
    if problems:
        raise BadInput(problems)
    return out


def add_months(d: dt.date, months: int) -> dt.date:
    """The same day `months` later; a day the month does not have is its last day."""
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def overlap_days(a: tuple[dt.date, dt.date] | None, b: tuple[dt.date, dt.date] | None) -> int:
    if a is None or b is None:
        return 0
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (hi - lo).days + 1 if hi >= lo else 0


def employed_span(e: dict, p: Period) -> tuple[dt.date, dt.date] | None:
    start = max(p.start, e["hired_on"]) if e["hired_on"] else p.start
    end = min(p.end, e["left_on"]) if e["left_on"] else p.end
    return (start, end) if end >= start else None


def guarantee_window(e: dict, rules: SchemeRules) -> tuple[dt.date, dt.date] | None:
    """hired_on .. the day before the same day `months` later; none without hired_on."""
    if rules.guarantee is None or e["hired_on"] is None:
        return None
    h = e["hired_on"]
    return (h, add_months(h, rules.guarantee[0]) - dt.timedelta(days=1))


def has_balance(e: dict, rules: SchemeRules, p: Period) -> bool:
    """An employee whose guarantee balance is carried (and printed): a recoverable guarantee and a
    hired_on on or before the period's last day."""
    return rules.recoverable and e["hired_on"] is not None and e["hired_on"] <= p.end


class Closed:
    """One employee's lines of one period before the adjustments table and true-ups."""

    def __init__(self, scheme: str, label: str):
        self.scheme = scheme
        self.label = label
        self.bonus = Fraction(0)
        self.cap = Fraction(0)
        self.guarantee = Fraction(0)
        self.recovery = Fraction(0)
        self.closing: Fraction | None = None

    @property
    def base(self) -> Fraction:
        """bonus + cap + guarantee + guarantee_recovery: what a true-up compares."""
        return self.bonus + self.cap + self.guarantee + self.recovery


def close_period(ex: Export, p: Period, rules: dict[str, SchemeRules],
                 opening: dict[str, Fraction]) -> dict[str, Closed]:
    """Bonus, cap, guarantee and recovery of everyone on the roster of `ex` for `p`."""
    unknown = sorted({e["scheme"] for e in ex.employees.values() if e["scheme"] not in rules})
    if unknown:
        raise BadInput([f"employees: scheme {quote(s)} is not a scheme of the schemes folder" for s in unknown])
    ps = PeriodScores(ex, p)
    out: dict[str, Closed] = {}
    for eid in sorted(ex.employees):
        e = ex.employees[eid]
        r = rules[e["scheme"]]
        c = Closed(e["scheme"], e["scheme_label"])
        T = e["target_bonus"]
        span = employed_span(e, p)
        days = overlap_days(span, (p.start, p.end))
        c.bonus = total_of(ps.score(eid, e["scheme"]))
        after_cap = c.bonus
        if r.max_total is not None:
            cap = round_half_away(T * r.max_total * days / p.days, 2)
            if c.bonus > cap:
                c.cap = cap - c.bonus
                after_cap = cap
        if r.guarantee is not None:
            _, share, _ = r.guarantee
            gdays = overlap_days(span, guarantee_window(e, r))
            minimum = round_half_away(T * share * gdays / p.days, 2)
            if after_cap < minimum:
                c.guarantee = minimum - after_cap
            if has_balance(e, r, p):
                balance = opening.get(eid, Fraction(0))
                if balance > 0 and c.guarantee == 0:
                    level = round_half_away(T * share * days / p.days, 2)
                    if after_cap > level:
                        c.recovery = -min(balance, after_cap - level)
                c.closing = balance + c.guarantee + c.recovery
        out[eid] = c
    return out


ADJ_COLUMNS = ["employee_id", "period", "amount", "kind", "reason", "approved_by"]
ADJ_SIGNS = {"correction": 0, "one_off": 1, "guarantee": 1, "clawback": -1, "other": 0}


def read_csv_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]], str]:
    """Header and (line number, row) of a CSV file, delimiter sniffed as read_table does."""
    text = path.read_text(encoding="utf-8-sig")
    header_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    for rec in reader:
        if not any(c.strip() for c in rec):
            continue
        if header is None:
            header = [norm_header(c) for c in rec]
            continue
        row = {}
        for i, col in enumerate(header):
            if col and col not in row:
                row[col] = rec[i].strip() if i < len(rec) else ""
        rows.append((reader.line_num, row))
    return header or [], rows, delimiter


def read_adjustments(folder: Path, p: Period, roster: dict[str, dict]) -> dict[str, list[tuple[str, Fraction]]]:
    """The adjustments table's lines of period `p`, by employee, in file order; every problem of
    the file at once (BadInput). Rows of other periods are ignored (their period is still read)."""
    path = folder / "adjustments.csv"
    out: dict[str, list[tuple[str, Fraction]]] = {}
    if not path.exists():
        return out
    header, rows, delimiter = read_csv_rows(path)
    missing = [c for c in ADJ_COLUMNS if c not in header]
    if missing:
        raise BadInput([f"{path}: no column {quote(c)} (required)" for c in missing])
    problems: list[str] = []
    for line, r in rows:
        def bad(col: str, msg: str) -> None:
            problems.append(f"{path}: row {line}, column {col}: {msg}")

        per = r["period"]
        key = month_key(per)
        m = re.fullmatch(r"(\d{4})-(\d{2})", key)
        if per == "":
            bad("period", "empty; expected a month YYYY-MM")
            continue
        if not m or not 1 <= int(m.group(2)) <= 12:
            bad("period", f"{quote(per)} is not a month YYYY-MM")
            continue
        if key != p.key:
            continue
        eid = r["employee_id"]
        if eid == "":
            bad("employee_id", "empty; the employee is required")
        elif eid not in roster:
            bad("employee_id", f"{quote(eid)} is not on the roster (money never goes to nobody)")
        kind = low(r["kind"])
        if kind not in ADJ_SIGNS:
            bad("kind", f"{quote(r['kind'])}; expected one of correction, one_off, guarantee, clawback, other")
        amount: Fraction | None
        try:
            amount = parse_number(r["amount"], delimiter)
        except ValueError:
            amount = None
            bad("amount", f"{quote(r['amount'])} is not a number")
        else:
            if amount is None:
                bad("amount", "empty; expected an amount with at most 2 decimals")
            elif (amount * 100).denominator != 1:
                bad("amount", f"{quote(r['amount'])} has more than 2 decimals")
                amount = None
            elif amount == 0:
                bad("amount", f"{quote(r['amount'])} is 0; an adjustment is not 0")
                amount = None
        if amount is not None and amount != 0 and kind in ADJ_SIGNS:
            sign = ADJ_SIGNS[kind]
            if sign > 0 and amount < 0:
                bad("amount", f"{quote(r['amount'])}: a {kind} is positive")
            elif sign < 0 and amount > 0:
                bad("amount", f"{quote(r['amount'])}: a clawback is negative")
        for col in ("reason", "approved_by"):
            if r[col] == "":
                bad(col, "empty; required")
        if amount is not None and kind in ADJ_SIGNS and eid in roster:
            out.setdefault(eid, []).append((kind, amount))
    if problems:
        raise BadInput(problems)
    return out


def read_opening(path: Path) -> dict[str, Fraction]:
    """`employee_id,balance` rows."""
    header, rows, delimiter = read_csv_rows(path)
    problems = [f"{path}: no column {quote(c)} (required)" for c in ("employee_id", "balance") if c not in header]
    out: dict[str, Fraction] = {}
    if not problems:
        for line, r in rows:
            try:
                v = parse_number(r["balance"], delimiter)
            except ValueError:
                v = None
            if v is None or v < 0:
                problems.append(f"{path}: row {line}, column balance: {quote(r['balance'])}: expected an amount ≥ 0")
            elif r["employee_id"] in out:
                problems.append(f"{path}: row {line}: employee {quote(r['employee_id'])} a second time")
            else:
                out[r["employee_id"]] = v
    if problems:
        raise BadInput(problems)
    return out


class CloseRow:
    def __init__(self, eid: str, c: Closed):
        self.eid = eid
        self.closed = c
        self.true_up = Fraction(0)
        self.true_ups: list[tuple[str, Fraction]] = []  # (period, line): lines of zero are not added
        self.table: list[tuple[str, Fraction]] = []

    @property
    def adjustments(self) -> Fraction:
        c = self.closed
        return c.cap + c.guarantee + c.recovery + self.true_up + sum((a for _, a in self.table), Fraction(0))

    @property
    def amount(self) -> Fraction:
        return self.closed.bonus + self.adjustments

    def csv(self) -> list[str]:
        c = self.closed
        return [self.eid, c.label, *(fmt_fixed(x, 2) for x in (
            c.bonus, c.cap, c.guarantee, c.recovery, self.true_up, self.adjustments, self.amount)),
            "" if c.closing is None else fmt_fixed(c.closing, 2)]


CLOSE_HEADER = ["employee_id", "scheme", "bonus", "cap", "guarantee", "guarantee_recovery", "true_up",
                "adjustments", "amount", "closing_balance"]


def close(schemes_dir: Path, period: Period, data: Path, true_ups: list[tuple[Period, Path]],
          openings: dict[str | None, Path], warn=None) -> list[CloseRow]:
    """The period's payroll after the month-end close. `openings`: None -> the opening balances of
    the first period of the chain (the earliest trued-up period, or `period` without true-ups),
    'YYYY-MM' -> that period's; every other opening is 0 unless the month before is in the chain."""
    warn = warn or (lambda msg: print(f"crosscheck: {msg}", file=sys.stderr))
    rules = read_scheme_rules(schemes_dir)
    seen: set[str] = set()
    problems = []
    for p, _ in true_ups:
        if p.key >= period.key:
            problems.append(f"--true-up {p.key}: not a period before {period.key} (rerun that period instead)")
        if p.key in seen:
            problems.append(f"--true-up {p.key}: the same period twice")
        seen.add(p.key)
    if problems:
        raise BadInput(problems)
    chain = sorted(true_ups, key=lambda t: t[0].key)
    first = chain[0][0].key if chain else period.key

    def opening_of(key: str) -> dict[str, Fraction]:
        if key in openings:
            return read_opening(openings[key])
        if key == first and None in openings:
            return read_opening(openings[None])
        return {}

    today = Export(data)
    true_up: dict[str, list[tuple[str, Fraction]]] = {eid: [] for eid in today.employees}
    prev: tuple[Period, dict[str, Closed], dict[str, Closed]] | None = None  # (P, recorded, recomputed)

    def closings(res: dict[str, Closed]) -> dict[str, Fraction]:
        return {eid: c.closing for eid, c in res.items() if c.closing is not None}

    for p, folder in chain:
        if prev is not None and prev[0].next().key == p.key:
            rec_open, new_open = closings(prev[1]), closings(prev[2])
        else:
            rec_open = opening_of(p.key)
            new_open = rec_open
        recorded = close_period(Export(folder), p, rules, rec_open)
        recomputed = close_period(today, p, rules, new_open)
        for eid in today.employees:
            diff = recomputed[eid].base - (recorded[eid].base if eid in recorded else Fraction(0))
            if diff != 0:
                true_up[eid].append((p.key, diff))
        for eid in sorted(set(recorded) - set(today.employees)):
            warn(f"{eid} was paid {fmt_fixed(recorded[eid].base, 2)} in {p.key} (bonus, cap, guarantee and "
                 f"recovery) and is not on today's roster: not trued up, settle by hand")
        prev = (p, recorded, recomputed)
    if prev is not None and prev[0].next().key == period.key:
        cur_open = closings(prev[2])
    else:
        cur_open = opening_of(period.key)
    current = close_period(today, period, rules, cur_open)
    table = read_adjustments(data, period, today.employees)
    out = []
    for eid in sorted(today.employees):
        row = CloseRow(eid, current[eid])
        row.true_ups = true_up[eid]
        row.true_up = sum((x for _, x in true_up[eid]), Fraction(0))
        row.table = table.get(eid, [])
        out.append(row)
    return out


# ---------------------------------------------------------------------------------------------
# close --self-test: hand-worked cases (the arithmetic is in the comments)
# ---------------------------------------------------------------------------------------------


def _write(path: Path, header: str, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    if path.name == "employees.csv":
        # The activity tables the schemes read, empty, so that the engine runs on the folder too.
        for name, head in (("calls", "call_id,employee_id,started_at,direction,duration_sec,client_id"),
                           ("meetings", "meeting_id,employee_id,starts_at,status,client_id")):
            if not (path.parent / f"{name}.csv").exists():
                (path.parent / f"{name}.csv").write_text(head + "\n", encoding="utf-8")


def _scheme(dir_: Path, sid: str, extra: str) -> None:
    dir_.mkdir(parents=True, exist_ok=True)
    (dir_ / f"{sid}.yaml").write_text((SCHEMES_DIR / f"{sid}.yaml").read_text(encoding="utf-8") + extra,
                                      encoding="utf-8")


EMP = "employee_id,name,scheme,target_bonus,hired_on,left_on"
PLAN = "employee_id,period,metric,target"
DEAL = "deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,refunded_on"
ADJ = "employee_id,period,amount,kind,reason,approved_by,reference,note"


def self_test(keep: Path | None = None) -> int:
    """The hand-worked cases; with `keep`, their folders are written there (it must not exist
    yet) and left for the engine to run on."""
    import contextlib
    import tempfile

    checks = 0

    def expect(rows: list[CloseRow], expected: dict[str, str], what: str) -> None:
        nonlocal checks
        got = {r.eid: ",".join(r.csv()) for r in rows}
        for eid, line in expected.items():
            assert got.get(eid) == line, f"{what}: {eid}\n  expected {line}\n  got      {got.get(eid)}"
            checks += 1
        assert set(got) == set(expected), f"{what}: rows {sorted(got)} != {sorted(expected)}"

    def refused(fn, *needles: str) -> list[str]:
        nonlocal checks
        try:
            fn()
        except BadInput as e:
            for n in needles:
                assert any(n in p for p in e.problems), f"{n!r} not in {e.problems}"
                checks += 1
            return e.problems
        raise AssertionError(f"not refused: {needles}")

    # The window: the doc's example, and a day the month does not have.
    assert add_months(dt.date(2026, 10, 5), 3) - dt.timedelta(days=1) == dt.date(2027, 1, 4)
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert round_half_away(Fraction(-1, 200), 2) == Fraction(-1, 100)

    if keep is not None:
        try:
            keep.mkdir(parents=True)
        except OSError as e:
            print(f"crosscheck: --keep {keep}: {e.strerror}; expected a folder that does not exist yet",
                  file=sys.stderr)
            return 2
    with (contextlib.nullcontext(str(keep)) if keep is not None else tempfile.TemporaryDirectory()) as tmp:
        t = Path(tmp)
        schemes = t / "schemes"
        # transactional: revenue 40% (plan), deals 25% (30, prorated), calls 20% (600, prorated),
        # average_deal 15% (275 000); b2b: revenue 50%, pipeline 20% (3 x plan), meetings 15%, p2d 15%.
        _scheme(schemes, "transactional", "\nmax_total: 60%   # low, so that it binds\n"
                                          "guarantee: { months: 3, share: 50%, recoverable: yes }\n")
        _scheme(schemes, "b2b-long-cycle", "\nguarantee:\n  months: 2\n  share: 40%\n")

        # ---- 2026-11 (30 days), no true-ups, opening balances from a file -------------------
        nov = t / "nov"
        _write(nov / "employees.csv", EMP, [
            "E01,A,transactional,100000,2020-01-01,",
            "E02,B,transactional,100000,2026-11-16,",
            "E03,C,transactional,90000,2026-11-10,",
            "E04,D,transactional,100000,2026-10-01,",
            "E05,E,transactional,100000,2026-09-15,",
            "E08,H,b2b-long-cycle,120000,2026-09-20,",
            "E09,I,transactional,100000,2020-01-01,2026-10-31",
            "E10,J,transactional,100000,2026-08-16,",
            "E11,K,transactional,100000,2026-08-16,",
        ])
        _write(nov / "plans.csv", PLAN, [f"{e},2026-11,revenue,1000000" for e in
                                         ("E01", "E02", "E03", "E04", "E05", "E08", "E10", "E11")])
        _write(nov / "deals.csv", DEAL, [
            "D1,E01,2026-11-01,2026-11-10,won,proposal,2000000,yes,",
            "D2,E02,2026-11-16,2026-11-20,won,proposal,2000000,yes,",
            "D4,E04,2026-11-01,2026-11-10,won,proposal,2000000,yes,",
            "D5,E05,2026-11-01,2026-11-10,won,proposal,1000000,yes,",
            "D5r,E05,2026-11-01,2026-11-10,won,proposal,500000,yes,2026-11-25",
            "D10,E10,2026-11-01,2026-11-10,won,proposal,300000,yes,",
            *[f"D11{i},E11,2026-11-01,2026-11-1{i},won,proposal,100000,yes," for i in range(8)],
        ])
        _write(nov / "adjustments.csv", ADJ, [
            "E01,2026-11,-100.50,correction,agreed,CFO,,",
            "E02,2026-11,500,one_off,welcome,CFO,,",
            "E03,2026-11,1000,guarantee,as agreed at hiring,CFO,,internal",
            "E05,2026-11,-2000,clawback,refund,CFO,D5r,",
            "E08,2026-11,10.01,other,rounding,CFO,,",
            "E09,2026-11,1234.56,correction,last pay,CFO,,",
            "E01,2026-10,999,one_off,another period: ignored,CFO,,",
        ])
        _write(t / "opening.csv", "employee_id,balance", ["E04,5000", "E05,20000", "E10,40000", "E11,40000"])
        rows = close(schemes, Period("2026-11"), nov, [], {None: t / "opening.csv"})
        expect(rows, {
            # Cap binds. revenue 2M/1M -> 1.3: 100000*40%*1.3 = 52000; average 2M/275k -> 1.3:
            # 100000*15%*1.3 = 19500; deals 1/30 and calls 0: 0. bonus 71500; cap 100000*60% = 60000:
            # cap line -11500; correction -100.50; amount 59899.50. Hired 2020: balance 0.
            "E01": "E01,transactional,71500.00,-11500.00,0.00,0.00,0.00,-11600.50,59899.50,0.00",
            # Cap binds prorated: 15 of 30 days: 26000 + 9750 = 35750; cap 60000*15/30 = 30000:
            # -5750; minimum 50000*15/30 = 25000 < 30000: no top-up; one_off +500.
            "E02": "E02,transactional,35750.00,-5750.00,0.00,0.00,0.00,-5250.00,30500.00,0.00",
            # Top-up in a partial month: 21 days (10..30), no deals: bonus 0; minimum
            # 90000*50%*21/30 = 31500; the table's guarantee +1000 is not part of the balance.
            "E03": "E03,transactional,0.00,0.00,31500.00,0.00,0.00,32500.00,32500.00,31500.00",
            # Recovery limited by the balance: after cap 60000, level 50000, excess 10000,
            # balance 5000: -5000, closing 0.
            "E04": "E04,transactional,71500.00,-11500.00,0.00,-5000.00,0.00,-16500.00,55000.00,0.00",
            # Recovery limited by the level; the refunded deal D5r is not won: revenue 1M/1M -> 1:
            # 40000 + 19500 = 59500 (with D5r it would be 71500); cap 60000 does not bind;
            # 59500 - 50000 = 9500 < 20000: -9500, closing 10500; clawback -2000.
            "E05": "E05,transactional,59500.00,0.00,0.00,-9500.00,0.00,-11500.00,48000.00,10500.00",
            # Not recoverable, no max_total: window 2026-09-20..2026-11-19, 19 guaranteed days:
            # 120000*40%*19/30 = 30400; other +10.01; no balance column.
            "E08": "E08,b2b-long-cycle,0.00,0.00,30400.00,0.00,0.00,30410.01,30410.01,",
            # Left before the period: bonus 0, the correction is still paid.
            "E09": "E09,transactional,0.00,0.00,0.00,0.00,0.00,1234.56,1234.56,0.00",
            # Window 2026-08-16..2026-11-15: 15 guaranteed days, minimum 25000; average 300k/275k
            # = 12/11 -> 1 + 1.5/11 = 25/22: 15000*25/22 = 17045.4545 -> 17045.45; revenue 0.3 -> 0;
            # top-up 7954.55, and so no recovery although the balance is 40000: 47954.55.
            "E10": "E10,transactional,17045.45,0.00,7954.55,0.00,0.00,7954.55,25000.00,47954.55",
            # Between the minimum (25000) and the level (50000): revenue 800k/1M = 0.8 -> 32000,
            # average 100k -> 0: neither a top-up nor a recovery; the balance stays 40000.
            "E11": "E11,transactional,32000.00,0.00,0.00,0.00,0.00,0.00,32000.00,40000.00",
        }, "2026-11 with opening balances")

        # ---- a true-up of 2026-10 (31 days) in 2026-11 ------------------------------------
        oct_, nov2 = t / "oct", t / "nov2"
        _write(oct_ / "employees.csv", EMP, [
            "E06,F,transactional,100000,2020-01-01,",
            "E07,G,transactional,62000,2026-10-20,",
            "E12,L,transactional,100000,2020-01-01,",
        ])
        _write(oct_ / "plans.csv", PLAN, ["E06,2026-10,revenue,1000000", "E07,2026-10,revenue,500000",
                                          "E12,2026-10,revenue,1000000"])
        _write(oct_ / "deals.csv", DEAL, [
            "D6,E06,2026-10-01,2026-10-20,won,proposal,1000000,yes,",
            "D7,E07,2026-10-20,,open,proposal,550000,yes,",
            "D12,E12,2026-10-01,2026-10-15,won,proposal,1000000,yes,",
        ])
        _write(oct_ / "adjustments.csv", ADJ, ["E06,2026-10,500,one_off,paid in October,CFO,,"])
        _write(nov2 / "employees.csv", EMP, [
            "E06,F,transactional,100000,2020-01-01,",
            "E07,G,transactional,62000,2026-10-20,",
            "E13,M,transactional,60000,2026-11-01,",
        ])
        _write(nov2 / "plans.csv", PLAN, ["E06,2026-10,revenue,1000000", "E06,2026-11,revenue,1000000",
                                          "E07,2026-10,revenue,500000", "E07,2026-11,revenue,500000",
                                          "E13,2026-11,revenue,1000000"])
        _write(nov2 / "deals.csv", DEAL, [
            "D6,E06,2026-10-01,2026-10-20,won,proposal,1000000,yes,2026-11-05",
            "D6b,E06,2026-11-01,2026-11-12,won,proposal,1000000,yes,",
            "D7,E07,2026-10-20,2026-10-25,won,proposal,550000,yes,",
        ])
        _write(nov2 / "adjustments.csv", ADJ, ["E06,2026-11,100,correction,agreed,CFO,,",
                                               "E06,2026-10,500,one_off,paid in October,CFO,,"])
        warnings: list[str] = []
        rows = close(schemes, Period("2026-11"), nov2, [(Period("2026-10"), oct_)], {}, warnings.append)
        expect(rows, {
            # October as recorded: 40000 + 19500 = 59500 (cap 60000*31/31 does not bind); today D6
            # is refunded: 0. true_up -59500 (October's one_off is not recomputed). November:
            # D6b: 59500; correction +100: amount 100.
            "E06": "E06,transactional,59500.00,0.00,0.00,0.00,-59500.00,-59400.00,100.00,0.00",
            # October as recorded: 12 days (20..31), nothing won: top-up 62000*50%*12/31 = 12000,
            # closing 12000. Today D7 (550k) was won on 10-25: revenue 1.1 -> 1.15:
            # 62000*12/31*40%*1.15 = 11040; average 2 -> 1.3: 24000*15%*1.3 = 4680; bonus 15720;
            # cap 62000*60%*12/31 = 14400: -1320; no top-up; closing 0. true_up 14400 - 12000 = 2400.
            # November opens on the recomputed 0 (not the recorded 12000): top-up 31000, closing 31000.
            "E07": "E07,transactional,0.00,0.00,31000.00,0.00,2400.00,33400.00,33400.00,31000.00",
            # Not on October's roster: no true-up; hired 11-01, nothing won: 60000*50% = 30000.
            "E13": "E13,transactional,0.00,0.00,30000.00,0.00,0.00,30000.00,30000.00,30000.00",
        }, "2026-11 with the true-up of 2026-10")
        assert len(warnings) == 1 and "E12 was paid 59500.00 in 2026-10" in warnings[0], warnings
        checks += 1

        # ---- two true-ups in one run: 2026-09 (30 days) and 2026-10, each as it was recorded ----
        sep3, oct3, nov3 = t / "sep3", t / "oct3", t / "nov3"
        for folder, plans, deals in (
            (sep3, ["E20,2026-09,revenue,400000"], ["D20s,E20,2026-09-21,,open,proposal,400000,yes,"]),
            (oct3, ["E20,2026-09,revenue,400000", "E20,2026-10,revenue,1000000"],
             ["D20s,E20,2026-09-21,,open,proposal,400000,yes,",
              "D20o,E20,2026-10-01,2026-10-10,won,proposal,1000000,yes,"]),
            (nov3, ["E20,2026-09,revenue,400000", "E20,2026-10,revenue,1000000", "E20,2026-11,revenue,1000000"],
             ["D20s,E20,2026-09-21,2026-09-25,won,proposal,400000,yes,",
              "D20o,E20,2026-10-01,2026-10-10,won,proposal,1000000,yes,"]),
        ):
            _write(folder / "employees.csv", EMP, ["E20,N,transactional,60000,2026-09-21,"])
            _write(folder / "plans.csv", PLAN, plans)
            _write(folder / "deals.csv", DEAL, deals)
        rows = close(schemes, Period("2026-11"), nov3, [(Period("2026-10"), oct3), (Period("2026-09"), sep3)], {})
        expect(rows, {
            # September as recorded: 10 days (21..30), nothing won: top-up 60000*50%*10/30 = 10000,
            # closing 10000. October as recorded opens on it: revenue 1M/1M -> 60000*40% = 24000,
            # average -> 60000*15%*1.3 = 11700, bonus 35700 (cap 36000 does not bind); level 30000:
            # recovery -5700, closing 4300; recorded 35700 - 5700 = 30000.
            # Today D20s was won on 09-25: September: 60000*10/30*40%*1 = 8000 + 20000*15%*1.3 = 3900:
            # 11900 (cap 12000, minimum 10000: no line), closing 0: true-up 11900 - 10000 = +1900.
            # October reopens on that 0: no recovery, 35700: true-up 35700 - 30000 = +5700.
            # November opens on 0: nothing won, top-up 30000; adjustments 30000 + 7600.
            "E20": "E20,transactional,0.00,0.00,30000.00,0.00,7600.00,37600.00,37600.00,30000.00",
        }, "2026-11 with the true-ups of 2026-09 and 2026-10")

        # ---- refusals --------------------------------------------------------------------------
        bad = t / "bad"
        _write(bad / "employees.csv", EMP, ["E01,A,transactional,100000,2020-01-01,"])
        _write(bad / "plans.csv", PLAN, [])
        _write(bad / "deals.csv", DEAL, [])
        _write(bad / "adjustments.csv", ADJ, [
            "E01,2026-11,250,clawback,x,CFO,,",        # row 2
            "E01,2026-11,-1,one_off,x,CFO,,",          # row 3
            "E01,2026-11,-1,guarantee,x,CFO,,",        # row 4
            "E01,2026-11,0,correction,x,CFO,,",        # row 5
            "E01,2026-11,1.005,other,x,CFO,,",         # row 6
            "E99,2026-11,1,other,x,CFO,,",             # row 7
            "E01,2026-11,1,bonus,x,CFO,,",             # row 8
            "E01,2026-11,1,other,,,,",                 # row 9
            "E01,2026-13,1,other,x,CFO,,",             # row 10
            "E01,2026-12,-5,one_off,,,,",              # another period: ignored
        ])
        problems = refused(lambda: close(schemes, Period("2026-11"), bad, [], {}),
                           "row 2, column amount: \"250\": a clawback is negative",
                           "row 3, column amount: \"-1\": a one_off is positive",
                           "row 4, column amount: \"-1\": a guarantee is positive",
                           "row 5, column amount: \"0\" is 0",
                           "row 6, column amount: \"1.005\" has more than 2 decimals",
                           "row 7, column employee_id: \"E99\" is not on the roster",
                           "row 8, column kind: \"bonus\"",
                           "row 9, column reason: empty",
                           "row 9, column approved_by: empty",
                           "row 10, column period: \"2026-13\" is not a month")
        assert len(problems) == 10, problems
        odd = t / "odd"
        _scheme(odd, "transactional", "\nmax_totl: 150%\n")
        refused(lambda: read_scheme_rules(odd), "scheme-level key \"max_totl\" is not one")
        odd2 = t / "odd2"
        _scheme(odd2, "transactional", "\nguarantee: { months: 3, share: 50%, recoverble: yes }\n")
        refused(lambda: read_scheme_rules(odd2), "guarantee: \"recoverble: yes\" not understood")
        refused(lambda: close(schemes, Period("2026-11"), nov2, [(Period("2026-11"), oct_)], {}),
                "--true-up 2026-11: not a period before 2026-11")

        # ---- metrics: the presets name the catalogue's (src/scheme/catalogue.yaml) -------------
        # The presets as shipped are what this implementation computes.
        assert sorted(read_scheme_rules(SCHEMES_DIR)) == sorted(SCHEMES)
        checks += 1
        # A scheme that defines its own revenue (won deals of new clients only) pays on it.
        own = t / "own"
        _scheme(own, "transactional",
                "\nmetrics:\n  revenue: { sum: deals.amount, where: { status: won, closed_on: in_period, "
                "new_client: yes } }\n")
        refused(lambda: read_scheme_rules(own), "transactional.yaml: `metrics` differs from the preset")
        # A KPI on another catalogue metric.
        other = t / "other"
        other.mkdir()
        (other / "transactional.yaml").write_text(
            (SCHEMES_DIR / "transactional.yaml").read_text(encoding="utf-8")
            .replace("metric: calls_2min", "metric: qualified_conversations"), encoding="utf-8")
        refused(lambda: read_scheme_rules(other), "transactional.yaml: `kpis` differs from the preset",
                "the KPIs name the metrics revenue, deals_won, qualified_conversations, average_deal")
        # A catalogue whose revenue also counted refunded deals, and one without deals_won: the
        # presets' text is unchanged, what they pay is not.
        cat = CATALOGUE.read_text(encoding="utf-8")
        head, sep, rest = cat.partition("\n  revenue:\n")
        assert sep and "\n  deals_won:\n" in cat
        (t / "refunds.yaml").write_text(head + sep + rest.replace("status: won,", "status: [won, refunded],", 1),
                                        encoding="utf-8")
        refused(lambda: read_scheme_rules(SCHEMES_DIR, t / "refunds.yaml"),
                "b2b-long-cycle.yaml: uses the catalogue's \"revenue\", whose definition in")
        (t / "no-deals-won.yaml").write_text(cat.replace("\n  deals_won:\n", "\n  deals_won_:\n", 1),
                                             encoding="utf-8")
        refused(lambda: read_scheme_rules(SCHEMES_DIR, t / "no-deals-won.yaml"),
                "transactional.yaml: metric \"deals_won\" is neither the scheme's nor in")
    print(f"close self-test: {checks} checks passed")
    return 0


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

USAGE = """usage: crosscheck.py CSV_FOLDER YYYY-MM [--breakdown]
       crosscheck.py compare CSV_FOLDER YYYY-MM[..YYYY-MM] CANDIDATE [--current SCHEME]
       crosscheck.py close --schemes DIR --period YYYY-MM --data CSV_FOLDER
                           [--true-up YYYY-MM=CSV_FOLDER ...] [--opening [YYYY-MM=]FILE ...]
       crosscheck.py close --self-test [--keep NEW_FOLDER]"""


def main_close(argv: list[str]) -> int:
    if argv == ["--self-test"]:
        return self_test()
    if len(argv) == 3 and argv[:2] == ["--self-test", "--keep"]:
        return self_test(Path(argv[2]))
    opts: dict[str, str] = {}
    true_ups: list[tuple[Period, Path]] = []
    openings: dict[str | None, Path] = {}
    it = iter(argv)
    try:
        for a in it:
            if a in ("--schemes", "--period", "--data") and a not in opts:
                v = next(it, None)
                if v is None:
                    raise ValueError(f"{a} needs a value")
                opts[a] = v
            elif a == "--true-up":
                key, sep, folder = (next(it, None) or "").partition("=")
                if not sep or not folder:
                    raise ValueError("--true-up needs YYYY-MM=CSV_FOLDER")
                true_ups.append((Period(key.strip()), Path(folder)))
            elif a == "--opening":
                v = next(it, None) or ""
                key, sep, file = v.partition("=")
                if sep and re.fullmatch(r"\d{4}-\d{2}", key.strip()):
                    openings[Period(key.strip()).key] = Path(file)
                elif v:
                    openings[None] = Path(v)
                else:
                    raise ValueError("--opening needs [YYYY-MM=]FILE")
            else:
                raise ValueError(f"unexpected argument {a!r}")
        if len(opts) != 3:
            raise ValueError("--schemes, --period and --data are required")
        period = Period(opts["--period"])
    except ValueError as e:
        print(f"crosscheck: {e}\n{USAGE}", file=sys.stderr)
        return 2
    try:
        rows = close(Path(opts["--schemes"]), period, Path(opts["--data"]), true_ups, openings)
    except BadInput as e:
        for p in bounded(e.problems):
            print(f"crosscheck: {p}", file=sys.stderr)
        return 2
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(CLOSE_HEADER)
    for r in rows:
        w.writerow(r.csv())
    return 0


def main_compare(argv: list[str]) -> int:
    args: list[str] = []
    current = None
    it = iter(argv)
    for a in it:
        if a == "--current":
            current = next(it, None)
            if current is None:
                print(USAGE, file=sys.stderr)
                return 2
            current = current.strip().lower()
        elif a.startswith("--"):
            print(USAGE, file=sys.stderr)
            return 2
        else:
            args.append(a)
    if len(args) != 3:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        periods = periods_of(args[1])
    except ValueError as e:
        print(f"crosscheck: {e}", file=sys.stderr)
        return 2
    w = csv.writer(sys.stdout, lineterminator="\n")
    for row in compare(Path(args[0]), periods, args[2].strip().lower(), current):
        w.writerow(row)
    return 0


def main(argv: list[str]) -> int:
    if len(argv) > 1 and argv[1] == "compare":
        return main_compare(argv[2:])
    if len(argv) > 1 and argv[1] == "close":
        return main_close(argv[2:])
    args = [a for a in argv[1:] if not a.startswith("--")]
    flags = {a for a in argv[1:] if a.startswith("--")}
    if len(args) != 2 or flags - {"--breakdown"}:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        p = Period(args[1])
    except ValueError:
        print("period must be YYYY-MM", file=sys.stderr)
        return 2
    ex = Export(Path(args[0]))
    ps = PeriodScores(ex, p)

    out = csv.writer(sys.stdout, lineterminator="\n")
    if "--breakdown" in flags:
        out.writerow(["employee_id", "scheme", "kpi", "actual", "target", "attainment", "amount"])
    else:
        out.writerow(["employee_id", "scheme", "amount"])
    for eid in sorted(ex.employees):
        e = ex.employees[eid]
        results = ps.score(eid, e["scheme"])
        if "--breakdown" in flags:
            for r in results:
                out.writerow([eid, e["scheme_label"], r.kpi.id, fmt_opt6(r.actual), fmt_opt6(r.target),
                              fmt_opt6(r.attainment), fmt_fixed(r.amount, 2)])
        else:
            out.writerow([eid, e["scheme_label"], fmt_fixed(total_of(results), 2)])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
