"""The payout rules of the three presets, shared by bench/polars_payroll.py and
bench/duckdb_payroll.py: the scoring of per-employee aggregates, in exact fractions.

The aggregation over the activity rows (the part that costs) is each engine's own; what is
here is the few thousand multiplications after it, written from scripts/crosscheck.py (the
independent Python implementation of the rules, `PeriodScores.score`), so both programs pay
what incentive pays to the cent. Money is integer cents from the readers on, then
fractions.Fraction; never a float sum.

Also a checker (no third-party imports, runs with any python3):

    python3 bench/payroll_rules.py check INCENTIVE_PAYROLL.csv OTHER.csv

exits 1, naming every employee whose amount differs by a cent (or who is missing on either
side), when OTHER.csv (employee_id,amount) is not incentive's payroll.csv.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import sys
from fractions import Fraction

# The tables and columns the presets read (what both programs load, nothing more).
COLUMNS = {
    "employees": ["employee_id", "scheme", "target_bonus", "hired_on", "left_on"],
    "plans": ["employee_id", "period", "metric", "target"],
    "deals": ["employee_id", "created_on", "closed_on", "status", "stage", "amount", "new_client"],
    "calls": ["employee_id", "started_at", "direction", "duration_sec", "client_id"],
    "emails": ["employee_id", "sent_at", "direction", "client_id"],
    "meetings": ["employee_id", "starts_at", "status", "client_id"],
    "clients": ["client_id", "employee_id", "since", "churned_on"],
    "nps": ["employee_id", "answered_on", "score"],
}

# The presets' KPIs (schemes/*.yaml; scripts/crosscheck.py SCHEMES): id, weight in percent.
WEIGHTS = {
    "b2b-long-cycle": [("revenue", 50), ("pipeline", 20), ("meetings", 15), ("proposal_to_deal", 15)],
    "transactional": [("revenue", 40), ("deals", 25), ("calls", 20), ("average_deal", 15)],
    "account-manager": [("retention", 30), ("upsell", 30), ("nps", 20), ("contact_coverage", 20)],
}


class Period:
    def __init__(self, key: str):
        year, month = int(key[:4]), int(key[5:7])
        self.key = f"{year:04d}-{month:02d}"
        self.start = dt.date(year, month, 1)
        self.end = dt.date(year, month, calendar.monthrange(year, month)[1])
        self.days = (self.end - self.start).days + 1
        # Half-open datetime bounds for timestamps: [start 00:00, end + 1 day 00:00).
        self.start_dt = dt.datetime(year, month, 1)
        self.after_dt = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time())


def factor_of(a: Fraction | None) -> Fraction:
    """The presets' curve: nothing below 80%, 1:1 to 100%, 1.5 per point to 120%, cap 130%."""
    if a is None or a < Fraction(8, 10):
        return Fraction(0)
    if a <= 1:
        return a
    if a <= Fraction(12, 10):
        return 1 + Fraction(3, 2) * (a - 1)
    return Fraction(13, 10)


def round_cents(x: Fraction) -> int:
    """x (in cents) to whole cents, half away from zero."""
    n = abs(x)
    whole = n.numerator // n.denominator
    if (n - whole) * 2 >= 1:
        whole += 1
    return whole if x >= 0 else -whole


def ratio(num, den) -> Fraction | None:
    return None if den == 0 else Fraction(num) / Fraction(den)


def score(emp: dict, agg: dict, plans: dict, p: Period) -> int:
    """The employee's payout in cents.

    emp: scheme, target_bonus (cents), hired_on, left_on (dates or None).
    agg: the employee's aggregates of the period (missing keys are 0): revenue, upsell,
    pipeline (cents); won, prop_won, prop_closed, meetings_held, calls_2min, nps_n, nps_pro,
    nps_det, book, kept, covered (counts).
    plans: (period, metric) -> target in cents.
    """
    start = max(p.start, emp["hired_on"]) if emp["hired_on"] else p.start
    end = min(p.end, emp["left_on"]) if emp["left_on"] else p.end
    days = (end - start).days + 1 if end >= start else 0
    share = Fraction(days, p.days)
    g = lambda k: agg.get(k, 0)  # noqa: E731
    plan = lambda m: plans.get((p.key, m))  # noqa: E731
    scheme = emp["scheme"]
    if scheme == "b2b-long-cycle":
        rev = plan("revenue")
        kpis = {
            "revenue": (g("revenue"), rev),
            "pipeline": (g("pipeline"), None if rev is None else 3 * rev),
            "meetings": (g("meetings_held"), 8 * share),
            "proposal_to_deal": (ratio(g("prop_won"), g("prop_closed")), Fraction(1, 4)),
        }
    elif scheme == "transactional":
        kpis = {
            "revenue": (g("revenue"), plan("revenue")),
            "deals": (g("won"), 30 * share),
            "calls": (g("calls_2min"), 600 * share),
            # revenue is in cents, the target 275 000 KZT.
            "average_deal": (ratio(g("revenue"), g("won")), Fraction(27_500_000)),
        }
    elif scheme == "account-manager":
        nps = None if g("nps_n") == 0 else Fraction(g("nps_pro") - g("nps_det"), g("nps_n")) * 100
        kpis = {
            "retention": (ratio(g("kept"), g("book")), Fraction(9, 10)),
            "upsell": (g("upsell"), plan("upsell")),
            "nps": (nps, Fraction(50)),
            "contact_coverage": (ratio(g("covered"), g("book")), Fraction(1)),
        }
    else:
        raise SystemExit(f"payroll: {scheme!r} is not one of the three presets")
    total = 0
    for kpi, weight in WEIGHTS[scheme]:
        actual, target = kpis[kpi]
        if share == 0 or actual is None or target is None or target == 0:
            att = None
        else:
            att = Fraction(actual) / Fraction(target)
        total += round_cents(emp["target_bonus"] * share * Fraction(weight, 100) * factor_of(att))
    return total


def payroll(employees: dict, aggregates: dict, plans: dict, p: Period) -> list[tuple[str, int]]:
    """(employee_id, cents) for every employee, sorted by id as incentive sorts payroll.csv."""
    out = []
    for eid in sorted(employees):
        out.append((eid, score(employees[eid], aggregates.get(eid, {}), plans.get(eid, {}), p)))
    return out


def cents_text(c: int) -> str:
    sign = "-" if c < 0 else ""
    c = abs(c)
    return f"{sign}{c // 100}.{c % 100:02d}"


def write(path: str, rows: list[tuple[str, int]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["employee_id", "amount"])
        for eid, c in rows:
            w.writerow([eid, cents_text(c)])


def check(expected_path: str, actual_path: str) -> int:
    def read(path):
        with open(path, newline="", encoding="utf-8-sig") as f:
            return {r["employee_id"]: r["amount"] for r in csv.DictReader(f)}

    def cents(text):
        whole, _, frac = text.strip().partition(".")
        neg = whole.startswith("-")
        c = abs(int(whole)) * 100 + int((frac + "00")[:2])
        return -c if neg else c

    want, got = read(expected_path), read(actual_path)
    bad = []
    for eid in sorted(set(want) | set(got)):
        if eid not in got:
            bad.append(f"{eid}: missing from {actual_path}")
        elif eid not in want:
            bad.append(f"{eid}: not in {expected_path}")
        elif cents(want[eid]) != cents(got[eid]):
            bad.append(f"{eid}: incentive pays {want[eid]}, {actual_path} {got[eid]}")
    if bad:
        print(f"PAYROLL DIFFERS: {len(bad)} employee(s) of {len(want)}", file=sys.stderr)
        for line in bad[:20]:
            print("  " + line, file=sys.stderr)
        if len(bad) > 20:
            print(f"  ... and {len(bad) - 20} more", file=sys.stderr)
        return 1
    total = sum(cents(v) for v in want.values())
    print(f"payroll identical to the cent: {len(want)} employees, {cents_text(total)} in all")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3]))
    sys.exit(__doc__)
