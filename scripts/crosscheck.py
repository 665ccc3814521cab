#!/usr/bin/env python3
"""Independent cross-check of the sales-bonus payout calculation.

Written from the written rules only (not from the Rust engine), using the Python 3.11
standard library and exact rational arithmetic (fractions.Fraction) throughout.

Usage:
    python3 scripts/crosscheck.py CSV_FOLDER YYYY-MM [--breakdown]

Prints `employee_id,scheme,amount` (one row per employee, sorted by employee_id), or with
--breakdown `employee_id,scheme,kpi,actual,target,attainment,amount`.
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
# Main calculation
# ---------------------------------------------------------------------------------------------

SCHEMES = {
    "b2b-long-cycle": [("revenue", Fraction(50, 100)), ("pipeline", Fraction(20, 100)),
                       ("meetings", Fraction(15, 100)), ("proposal_to_deal", Fraction(15, 100))],
    "transactional": [("revenue", Fraction(40, 100)), ("deals", Fraction(25, 100)),
                      ("calls", Fraction(20, 100)), ("average_deal", Fraction(15, 100))],
    "account-manager": [("retention", Fraction(30, 100)), ("upsell", Fraction(30, 100)),
                        ("nps", Fraction(20, 100)), ("contact_coverage", Fraction(20, 100))],
}


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("--")]
    flags = {a for a in argv[1:] if a.startswith("--")}
    if len(args) != 2 or flags - {"--breakdown"}:
        print("usage: crosscheck.py CSV_FOLDER YYYY-MM [--breakdown]", file=sys.stderr)
        return 2
    folder = Path(args[0])
    m = re.fullmatch(r"(\d{4})-(\d{2})", args[1])
    if not m:
        print("period must be YYYY-MM", file=sys.stderr)
        return 2
    year, month = int(m.group(1)), int(m.group(2))
    p_start = dt.date(year, month, 1)
    p_end = dt.date(year, month, calendar.monthrange(year, month)[1])
    p_days = (p_end - p_start).days + 1
    period_key = f"{year:04d}-{month:02d}"

    def in_period(d: dt.date | None) -> bool:
        return d is not None and p_start <= d <= p_end

    # --- employees
    t = read_table(folder, "employees", ["employee_id", "name", "scheme", "target_bonus"])
    employees: dict[str, dict] = {}
    for r in t.rows:
        eid = r["employee_id"]
        if not eid or eid in employees:
            continue
        employees[eid] = {
            "scheme": low(r["scheme"]),
            "scheme_label": r["scheme"].strip(),
            "target_bonus": parse_number(r["target_bonus"], t.delimiter) or Fraction(0),
            "hired_on": parse_date(r.get("hired_on", "")),
            "left_on": parse_date(r.get("left_on", "")),
        }

    # --- plans: (employee, metric) -> target for the run's period
    t = read_table(folder, "plans", ["employee_id", "period", "metric", "target"])
    plans: dict[tuple[str, str], Fraction] = {}
    for r in t.rows:
        if r["employee_id"] not in employees:
            continue
        per = r["period"].strip()
        pm = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", per) or re.fullmatch(r"(\d{1,2})\.(\d{4})", per)
        if pm and "." in per:
            per = f"{int(pm.group(2)):04d}-{int(pm.group(1)):02d}"
        elif pm:
            per = f"{int(pm.group(1)):04d}-{int(pm.group(2)):02d}"
        if per != period_key:
            continue
        val = parse_number(r["target"], t.delimiter)
        if val is None:
            continue
        key = (r["employee_id"], low(r["metric"]))
        # a duplicated plan row for the same employee/metric/period: last one wins
        plans[key] = val

    # --- per-employee metric accumulators
    Z = Fraction(0)
    acc = {eid: {
        "revenue": Z, "won_count": 0, "pipeline": Z, "meetings_held": 0,
        "prop_won": 0, "prop_closed": 0, "calls": 0, "upsell": Z,
        "nps_pro": 0, "nps_det": 0, "nps_n": 0,
        "contacts": set(),  # client_ids touched in period
    } for eid in employees}

    t = read_table(folder, "deals", ["deal_id", "employee_id", "created_on", "status", "stage", "amount"])
    for r in t.rows:
        eid = r["employee_id"]
        if eid not in employees:
            continue
        a = acc[eid]
        status = low(r["status"])
        stage = low(r["stage"])
        amount = parse_number(r["amount"], t.delimiter) or Z
        created = parse_date(r["created_on"])
        closed = parse_date(r.get("closed_on", ""))
        new_client = parse_bool(r.get("new_client", ""))
        if status == "won" and in_period(closed):
            a["revenue"] += amount
            a["won_count"] += 1
            if not new_client:
                a["upsell"] += amount
        if created is not None and created <= p_end and (closed is None or closed > p_end):
            a["pipeline"] += amount
        if stage == "proposal" and in_period(closed):
            if status == "won":
                a["prop_won"] += 1
                a["prop_closed"] += 1
            elif status == "lost":
                a["prop_closed"] += 1

    t = read_table(folder, "meetings", ["meeting_id", "employee_id", "starts_at", "status"])
    for r in t.rows:
        eid = r["employee_id"]
        if eid not in employees:
            continue
        if low(r["status"]) == "held" and in_period(parse_date(r["starts_at"])):
            acc[eid]["meetings_held"] += 1
            cid = r.get("client_id", "").strip()
            if cid:
                acc[eid]["contacts"].add(cid)

    t = read_table(folder, "calls", ["call_id", "employee_id", "started_at", "direction", "duration_sec"])
    for r in t.rows:
        eid = r["employee_id"]
        if eid not in employees:
            continue
        if low(r["direction"]) != "outgoing" or not in_period(parse_date(r["started_at"])):
            continue
        dur = parse_number(r["duration_sec"], t.delimiter) or Z
        if dur >= 120:
            acc[eid]["calls"] += 1
        cid = r.get("client_id", "").strip()
        if cid:
            acc[eid]["contacts"].add(cid)

    t = read_table(folder, "emails", ["email_id", "employee_id", "sent_at", "direction"])
    for r in t.rows:
        eid = r["employee_id"]
        if eid not in employees:
            continue
        if low(r["direction"]) == "outgoing" and in_period(parse_date(r["sent_at"])):
            cid = r.get("client_id", "").strip()
            if cid:
                acc[eid]["contacts"].add(cid)

    t = read_table(folder, "nps", ["response_id", "employee_id", "answered_on", "score"])
    for r in t.rows:
        eid = r["employee_id"]
        if eid not in employees:
            continue
        if not in_period(parse_date(r["answered_on"])):
            continue
        score = parse_number(r["score"], t.delimiter)
        if score is None:
            continue
        a = acc[eid]
        a["nps_n"] += 1
        if score >= 9:
            a["nps_pro"] += 1
        elif score <= 6:
            a["nps_det"] += 1

    # book of clients per employee
    book: dict[str, list[tuple[str, dt.date | None]]] = {eid: [] for eid in employees}
    t = read_table(folder, "clients", ["client_id", "employee_id", "since"])
    seen_clients: set[tuple[str, str]] = set()
    for r in t.rows:
        eid = r["employee_id"]
        if eid not in employees:
            continue
        cid = r["client_id"].strip()
        since = parse_date(r["since"])
        churned = parse_date(r.get("churned_on", ""))
        if since is None or not since < p_start:
            continue
        if churned is not None and churned < p_start:
            continue
        if (eid, cid) in seen_clients:
            continue
        seen_clients.add((eid, cid))
        book[eid].append((cid, churned))

    # --- scoring
    payroll: list[tuple[str, str, Fraction]] = []
    breakdown: list[tuple] = []
    for eid in sorted(employees):
        e = employees[eid]
        scheme = e["scheme"]
        start = max(p_start, e["hired_on"]) if e["hired_on"] else p_start
        end = min(p_end, e["left_on"]) if e["left_on"] else p_end
        days = (end - start).days + 1 if end >= start else 0
        share = Fraction(days, p_days)
        a = acc[eid]

        def plan(metric: str) -> Fraction | None:
            return plans.get((eid, metric))

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
        elif scheme == "account-manager":
            bk = book[eid]
            kept = sum(1 for _, ch in bk if ch is None or ch > p_end)
            kpis["retention"] = (ratio(Fraction(kept), Fraction(len(bk))), Fraction(9, 10))
            kpis["upsell"] = (a["upsell"], plan("upsell"))
            nps = None if a["nps_n"] == 0 else Fraction(a["nps_pro"] - a["nps_det"], a["nps_n"]) * 100
            kpis["nps"] = (nps, Fraction(50))
            covered = sum(1 for cid, _ in bk if cid in a["contacts"])
            kpis["contact_coverage"] = (ratio(Fraction(covered), Fraction(len(bk))), Fraction(1))
        else:
            print(f"crosscheck: {eid}: unknown scheme {e['scheme']!r}; paying 0", file=sys.stderr)

        total = Fraction(0)
        for kpi, weight in SCHEMES.get(scheme, []):
            actual, target = kpis[kpi]
            if share == 0 or actual is None or target is None or target == 0:
                att = None
            else:
                att = actual / target
            f = factor_of(att)
            amount = round_half_away(e["target_bonus"] * share * weight * f, 2)
            total += amount
            breakdown.append((eid, e["scheme_label"], kpi, fmt_opt6(actual), fmt_opt6(target), fmt_opt6(att),
                              fmt_fixed(amount, 2)))
        payroll.append((eid, e["scheme_label"], total))

    out = csv.writer(sys.stdout, lineterminator="\n")
    if "--breakdown" in flags:
        out.writerow(["employee_id", "scheme", "kpi", "actual", "target", "attainment", "amount"])
        for row in breakdown:
            out.writerow(row)
    else:
        out.writerow(["employee_id", "scheme", "amount"])
        for eid, scheme, total in payroll:
            out.writerow([eid, scheme, fmt_fixed(total, 2)])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
