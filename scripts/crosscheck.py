#!/usr/bin/env python3
"""Independent cross-check of the sales-bonus payout calculation.

Written from the written rules only (not from the Rust engine), using the Python 3.11
standard library and exact rational arithmetic (fractions.Fraction) throughout.

Usage:
    python3 scripts/crosscheck.py CSV_FOLDER YYYY-MM [--breakdown]
    python3 scripts/crosscheck.py compare CSV_FOLDER YYYY-MM[..YYYY-MM] CANDIDATE [--current SCHEME]

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
                 plan: str | None = None):
        self.id = kpi
        self.weight = weight
        # The target as the YAML writes it (before prorating); None for a plan target.
        self.fixed_target = fixed_target
        self.observed = observed
        # The plans.metric the target comes from (directly or through another KPI's plan).
        self.plan = plan


P = Fraction  # shorthand for the weights below: P(40, 100) is 40%

SCHEMES = {
    "b2b-long-cycle": [Kpi("revenue", P(50, 100), plan="revenue"), Kpi("pipeline", P(20, 100), plan="revenue"),
                       Kpi("meetings", P(15, 100), Fraction(8)), Kpi("proposal_to_deal", P(15, 100), P(1, 4))],
    "transactional": [Kpi("revenue", P(40, 100), plan="revenue"), Kpi("deals", P(25, 100), Fraction(30)),
                      Kpi("calls", P(20, 100), Fraction(600)), Kpi("average_deal", P(15, 100), Fraction(275000))],
    "account-manager": [Kpi("retention", P(30, 100), P(9, 10)), Kpi("upsell", P(30, 100), plan="upsell"),
                        Kpi("nps", P(20, 100), Fraction(50)), Kpi("contact_coverage", P(20, 100), Fraction(1))],
    # The candidate: calls from 5 minutes against 250 a month; conversion in observation.
    "transactional-5min": [Kpi("revenue", P(40, 100), plan="revenue"), Kpi("deals", P(25, 100), Fraction(30)),
                           Kpi("calls", P(20, 100), Fraction(250)), Kpi("average_deal", P(15, 100), Fraction(275000)),
                           Kpi("conversion", P(15, 100), P(70, 100), observed=True)],
}

SCHEMES_DIR = Path(__file__).resolve().parent.parent / "schemes"


def currency_of(scheme: str) -> str:
    """The `currency:` line of the scheme's YAML file."""
    path = SCHEMES_DIR / f"{scheme}.yaml"
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
        self.deals = [
            (r["employee_id"], low(r["status"]), low(r["stage"]), parse_number(r["amount"], t.delimiter) or Z,
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
# Command line
# ---------------------------------------------------------------------------------------------

USAGE = """usage: crosscheck.py CSV_FOLDER YYYY-MM [--breakdown]
       crosscheck.py compare CSV_FOLDER YYYY-MM[..YYYY-MM] CANDIDATE [--current SCHEME]"""


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
