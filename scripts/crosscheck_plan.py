#!/usr/bin/env python3
"""Independent cross-check of next month's plans (`incentive plan`, docs/plan.md).

Written from the text of docs/plan.md alone, not from the Rust code, with the Python 3 standard
library and exact fractions. The value of a plan metric in a month (the actual of the scheme's
KPI that takes the plan as its target) is scripts/crosscheck.py's evaluation of the presets'
metrics (PeriodScores), itself an independent implementation of the catalogue; everything else
(months, history, bases, joiners, seasonality, methods, rounding, warnings, back-test) is here.

Usage:
    python3 scripts/crosscheck_plan.py --data CSV_FOLDER --for YYYY-MM [--schemes DIR]
        [--method bottom-up|top-down|blend] [--history N] [--growth 20%]
        [--company-target METRIC=AMOUNT ...] [--split equal|history] [--step 1000]
        [--min-history 3] [--since YYYY-MM] [--metric M ...]
    python3 scripts/crosscheck_plan.py --data CSV_FOLDER --options FILE [--schemes DIR]
    python3 scripts/crosscheck_plan.py --self-test [--write-fixtures DIR]

Prints one JSON object (keys sorted, two-space indent):
    for, method, split, growth, history, min_history, step, export_first_month
    season          {metric: {index, same_month, average}}  (index null: no seasonality)
    plans           [{employee_id, metric, scheme, team, base, base_from ("own"|"colleagues"|"none"),
                      colleagues (their count, 0 for own), growth (the factor 1 + growth) and
                      season as applied (null for top-down, and without an index), share {days, of},
                      full_month, raw, plan, history [{period, value, used}]}]
                    by employee_id then metric
    manual          [{employee_id, metric, reason}]
    warnings        [{code, employee_id, team, metric}]  (employee_id "" for team warnings)
    teams           [{team, metric, plan_total, best_month, best_total}]
    company_target  {metric: {target, rounded_sum}}  (top-down and blend)
    backtest        {metric: {months [{period, method [4], actual [4], skipped}],  (the six
                              months before; skipped: null, "not_in_export" or "no_recorded_plans")
                              method [4], actual [4], flag}}
                    bands: [below 80%, 80-100%, 100-120%, above 120%]
With --options, FILE lists option sets (one a line, as above without --data and --schemes) and
the output is a JSON list, one object per line (one Python start for many runs).
Exact numbers are strings, rounded to 6 decimals (half away from zero), trailing zeros dropped.
Bad options: exit code 2 and the problem on stderr.

`--self-test` runs the hand-made histories with the arithmetic in comments and prints
"N checks passed"; with `--write-fixtures DIR` it also writes each case to DIR/<case>/ (the CSV
tables and `options`: one option set a line, the ones tests/crosscheck_plan.rs runs the binary
and this script with), for tests/fixtures/plan/.

Decisions where docs/plan.md leaves room (each also where it is made, marked DECISION):
 1. The export's first month counts the dated activity rows of every employee (on the roster
    or not), of all six tables together; "fewer than a quarter of the rows of the month after"
    is 4 × rows(month) < rows(next month). Every month from it up to the month before --for is
    "in the export" (a month without rows there is a month of zeros, not a missing month).
 2. A month's value is null in the history when the month is not in the export or the employee
    was employed on no day of it; otherwise it is the metric's value (used or not).
 3. "Colleagues on the same scheme (for --for)" are the people given a plan for the month on the
    same scheme (employed at least one day of it) with enough history of their own.
 4. The seasonal index and the department total count every roster employee whose scheme for
    the planned month carries the metric (the doc's rule), employed a day of the month counted,
    whether or not they are employed in the planned month.
 5. A team's best month is over the months read (docs/plan.md: the six back-test months and
    the larger of --history and 12 before them, M-6-max(N, 12) .. M-1) that are in the export,
    summing the members (roster team) whose scheme for --for carries the metric, as the
    department total does; ties: the earlier month. A team none of whose members was employed
    in any of those months has no best month, and no team_above_best.
 6. top-down's equal split weighs days employed alone, so it plans people without a base too
    (docs/plan.md says so; their base_from is "none"); with split history they carry no share.
 7. No personal comparison (above_best, below_worst) for anyone planned on colleagues' median,
    even when they have one or two history months of their own, nor without a base.
 8. The back-test uses the same --growth, --history, --min-history, --split and --step; a
    person's attainment is compared with the review and discuss lines of their scheme in B.
    The actual plans are the recorded rows for B of people employed in B whose scheme in B
    carries the metric.
 9. `full_month` is the plan before share and rounding: raw ÷ share for every method.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import shutil
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import crosscheck as cc  # noqa: E402  (the metric values: an independent implementation)
import crosscheck_team as ct  # noqa: E402  (the schemes' review and discuss lines)

F = Fraction
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "plan"
NO_TEAM = "(no team)"

# Per preset: the plan metrics (the NAME of a KPI's `target: { plan: NAME }`) and the metric the
# KPI pays on, whose value is the plan metric's value. The self-test checks this against the
# preset files; crosscheck.read_scheme_rules refuses any other scheme.
PLAN_KPIS = {
    "b2b-long-cycle": {"revenue": "revenue"},
    "transactional": {"revenue": "revenue"},
    "transactional-5min": {"revenue": "revenue"},
    "account-manager": {"upsell": "upsell"},
}
# The accumulator of crosscheck.PeriodScores that holds a metric's value, and its unit.
VALUE_OF = {"revenue": "revenue", "upsell": "upsell"}
UNIT = {"revenue": "money", "upsell": "money"}


class Problem(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Months
# ---------------------------------------------------------------------------------------------


def month(key: str, what: str = "month") -> str:
    m = re.fullmatch(r"(\d{4})-(\d{2})", key.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise Problem(f"{what} must be YYYY-MM, got {key!r}")
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"


def shift(key: str, k: int) -> str:
    y, m = int(key[:4]), int(key[5:7])
    n = y * 12 + (m - 1) + k
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def bounds(key: str) -> tuple[dt.date, dt.date]:
    y, m = int(key[:4]), int(key[5:7])
    return dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])


def key_of(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------


def fmt(x: Fraction | None) -> str | None:
    return None if x is None else cc.fmt_opt6(x)


def round_step(x: Fraction, step: Fraction) -> Fraction:
    """The nearest multiple of step; halves go up."""
    q = x / step
    n = (q + F(1, 2)).numerator // (q + F(1, 2)).denominator  # floor(q + 1/2)
    return n * step


def median(xs: list[Fraction]) -> Fraction:
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def parse_percent(text: str) -> Fraction:
    s = text.strip()
    if not s.endswith("%") or not re.fullmatch(r"[+-]?\d+(\.\d+)?", s[:-1].strip()):
        raise Problem(f"--growth must be a percentage such as 20% or -5%, got {text!r}")
    return F(s[:-1].strip()) / 100


def parse_amount(text: str, what: str) -> Fraction:
    s = text.strip()
    for ch in cc.SPACES:
        s = s.replace(ch, "")
    if not re.fullmatch(r"\d+(\.\d+)?", s):
        raise Problem(f"{what}: {text!r} is not an amount")
    return F(s)


# ---------------------------------------------------------------------------------------------
# The export
# ---------------------------------------------------------------------------------------------

# table -> the column that dates an activity row (docs/plan.md, "The months")
DATED = {"calls": "started_at", "emails": "sent_at", "meetings": "starts_at", "deals": "closed_on",
         "nps": "answered_on", "crm_activity": "date"}


class Data:
    def __init__(self, folder: Path, schemes: Path):
        try:
            rules = cc.read_scheme_rules(schemes)
        except cc.BadInput as e:
            raise Problem("\n".join(cc.bounded(e.problems))) from None
        self.lines = ct.scheme_lines(schemes)  # (review, discuss, threshold) per scheme
        self.schemes = set(rules)
        t = cc.read_table(folder, "employees", ["employee_id", "name", "scheme", "target_bonus"])
        self.roster: dict[str, dict] = {}
        for r in t.rows:
            eid = r["employee_id"]
            if not eid or eid in self.roster:
                continue
            since = r.get("scheme_since", "").strip()
            self.roster[eid] = {
                "name": r["name"].strip(),
                "team": r.get("team", "").strip() or NO_TEAM,
                "scheme": cc.low(r["scheme"]),
                "previous": cc.low(r.get("previous_scheme", "")),
                "since": cc.month_key(since) if since else "",
                "hired_on": cc.parse_date(r.get("hired_on", "")),
                "left_on": cc.parse_date(r.get("left_on", "")),
            }
        for eid, e in self.roster.items():
            for s in (e["scheme"], e["previous"]):
                if s and s not in self.schemes:
                    raise Problem(f"{eid}: scheme {s!r} is not in {schemes}")
        # DECISION 1: the month of the earliest dated activity row of any employee, unless it
        # holds fewer than a quarter of the rows of the month after it (a month's tail): then
        # the month after, and so on.
        per_month: dict[str, int] = {}
        for table, col in DATED.items():
            for r in cc.read_table(folder, table, [col]).rows:
                d = cc.parse_date(r.get(col, ""))
                if d is not None:
                    per_month[key_of(d)] = per_month.get(key_of(d), 0) + 1
        first = min(per_month) if per_month else None
        while first is not None and 4 * per_month.get(first, 0) < per_month.get(shift(first, 1), 0):
            first = shift(first, 1)
        self.first_in_data = first
        # The plan metrics' values need the roster, the plans and the deals only: crosscheck.Export
        # reads a folder of just those (the other tables, absent, are empty), which spares
        # parsing every call of a large export.
        with tempfile.TemporaryDirectory() as tmp:
            for name in ("employees", "plans", "deals"):
                if (folder / f"{name}.csv").exists():
                    shutil.copyfile(folder / f"{name}.csv", Path(tmp) / f"{name}.csv")
            self.ex = cc.Export(Path(tmp))
        self._scores: dict[str, cc.PeriodScores] = {}

    def scheme_in(self, eid: str, key: str) -> str:
        e = self.roster[eid]
        if e["since"] and e["previous"] and key < e["since"]:
            return e["previous"]
        return e["scheme"]

    def metrics_in(self, eid: str, key: str) -> dict[str, str]:
        return PLAN_KPIS.get(self.scheme_in(eid, key), {})

    def days(self, eid: str, key: str) -> int:
        a, b = bounds(key)
        e = self.roster[eid]
        s = max(a, e["hired_on"]) if e["hired_on"] else a
        t = min(b, e["left_on"]) if e["left_on"] else b
        return (t - s).days + 1 if t >= s else 0

    def value(self, eid: str, metric: str, key: str) -> Fraction:
        if key not in self._scores:
            self._scores[key] = cc.PeriodScores(self.ex, cc.Period(key))
        return F(self._scores[key].acc[eid][VALUE_OF[metric]])

    def recorded(self, eid: str, metric: str, key: str) -> Fraction | None:
        return self.ex.plans.get((eid, key, metric))


# ---------------------------------------------------------------------------------------------
# One month's plans (the run for --for, and each back-test month)
# ---------------------------------------------------------------------------------------------


class Opts:
    def __init__(self, for_: str, method: str = "bottom-up", history: int = 12, growth: Fraction = F(0),
                 targets: dict[str, Fraction] | None = None, split: str = "equal", step: Fraction = F(1000),
                 min_history: int = 3, since: str | None = None, metrics: list[str] | None = None):
        self.for_ = for_
        self.method = method
        self.history = history
        self.growth = growth
        self.targets = targets or {}
        self.split = split
        self.step = step
        self.min_history = min_history
        self.since = since
        self.metrics = metrics


def season_of(d: Data, first: str | None, m: str, metric: str) -> dict:
    """The seasonal index of month m for a metric (docs/plan.md, "Seasonality")."""
    same = shift(m, -12)
    if first is None or first > same:
        return {"index": None, "same_month": None, "average": None, "why": "fewer than 12 months in the export"}

    def total(key: str) -> Fraction:
        # DECISION 4: every roster employee whose scheme for m carries the metric.
        return sum((d.value(eid, metric, key) for eid in sorted(d.roster)
                    if metric in d.metrics_in(eid, m) and d.days(eid, key) > 0), F(0))

    year = [total(shift(m, -k)) for k in range(12, 0, -1)]
    avg = sum(year, F(0)) / 12
    if avg == 0:
        return {"index": None, "same_month": year[0], "average": avg, "why": "the monthly average is 0"}
    return {"index": year[0] / avg, "same_month": year[0], "average": avg, "why": None}


def propose(d: Data, o: Opts, m: str, first: str | None, targets: dict[str, Fraction]) -> dict:
    """The plans of month m as docs/plan.md makes them, as if run on m's first day."""
    of = (bounds(m)[1] - bounds(m)[0]).days + 1
    hist = [shift(m, -k) for k in range(o.history, 0, -1)]
    in_export = [k for k in hist if first is not None and k >= first]
    people = [eid for eid in sorted(d.roster) if d.days(eid, m) > 0]
    metrics = sorted({mt for eid in people for mt in d.metrics_in(eid, m)})
    if o.metrics is not None:
        metrics = [mt for mt in metrics if mt in o.metrics]
    season = {mt: season_of(d, first, m, mt) for mt in metrics}
    rows: list[dict] = []
    manual: list[dict] = []
    for mt in metrics:
        carriers = [eid for eid in people if mt in d.metrics_in(eid, m)]
        info: dict[str, dict] = {}
        for eid in carriers:
            a, b = bounds(m)
            history = []
            used = []
            for k in hist:
                ka, kb = bounds(k)
                full = d.days(eid, k) == (kb - ka).days + 1
                v = d.value(eid, mt, k) if k in in_export and d.days(eid, k) > 0 else None  # DECISION 2
                ok = k in in_export and full
                history.append({"period": k, "value": v, "used": ok})
                if ok:
                    used.append(v)
            own = sum(used, F(0)) / len(used) if len(used) >= o.min_history else None
            info[eid] = {"history": history, "used": used, "own": own, "days": d.days(eid, m), "of": of}
        for eid in carriers:
            i = info[eid]
            if i["own"] is not None:
                i["base"], i["base_from"], i["colleagues"] = i["own"], "own", 0
                continue
            # DECISION 3: colleagues planned for m on the same scheme, with enough history.
            sch = d.scheme_in(eid, m)
            cols = [info[c]["own"] for c in carriers if c != eid and d.scheme_in(c, m) == sch
                    and info[c]["own"] is not None]
            if cols:
                i["base"], i["base_from"], i["colleagues"] = median(cols), "colleagues", len(cols)
            else:
                i["base"], i["base_from"], i["colleagues"] = None, "none", 0
        index = season[mt]["index"]
        s = F(1) if index is None else index
        share = {eid: F(info[eid]["days"], of) for eid in carriers}
        raw: dict[str, Fraction] = {}
        growth: dict[str, Fraction | None] = {}
        applied_season: dict[str, Fraction | None] = {}
        if o.method == "bottom-up" or o.method == "blend":
            for eid in carriers:
                if info[eid]["base"] is not None:
                    raw[eid] = info[eid]["base"] * (1 + o.growth) * s * share[eid]
                    growth[eid], applied_season[eid] = 1 + o.growth, index
            if o.method == "blend":
                total = sum(raw.values(), F(0))
                for eid in raw:
                    raw[eid] = raw[eid] * targets[mt] / total if total != 0 else F(0)
        else:  # top-down
            if o.split == "equal":  # everyone planned, with a base or not (DECISION 6)
                weights = {eid: share[eid] for eid in carriers}
            else:
                weights = {eid: info[eid]["base"] * share[eid] for eid in carriers if info[eid]["base"] is not None}
            total = sum(weights.values(), F(0))
            for eid, w in weights.items():
                raw[eid] = targets[mt] * w / total if total != 0 else F(0)
                growth[eid], applied_season[eid] = None, None
        for eid in carriers:
            i = info[eid]
            if eid not in raw:
                manual.append({"employee_id": eid, "metric": mt,
                               "reason": "no history and no colleague on the same scheme with enough history"})
                continue
            step = o.step if UNIT[mt] == "money" else F(1)
            plan = round_step(raw[eid], step)
            if plan <= 0:
                manual.append({"employee_id": eid, "metric": mt, "reason": "history averages 0"})
                continue
            rows.append({"employee_id": eid, "metric": mt, "scheme": d.scheme_in(eid, m),
                         "team": d.roster[eid]["team"], "base": i["base"], "base_from": i["base_from"],
                         "colleagues": i["colleagues"], "growth": growth[eid], "season": applied_season[eid],
                         "share": {"days": i["days"], "of": i["of"]}, "full_month": raw[eid] / share[eid],
                         "raw": raw[eid], "plan": plan, "history": i["history"], "used": i["used"]})
    rows.sort(key=lambda r: (r["employee_id"], r["metric"]))
    manual.sort(key=lambda r: (r["employee_id"], r["metric"]))
    return {"plans": rows, "manual": manual, "season": season, "metrics": metrics}


def bands(atts: list[Fraction]) -> list[int]:
    out = [0, 0, 0, 0]
    for a in atts:
        out[0 if a < F(8, 10) else 1 if a < 1 else 2 if a <= F(12, 10) else 3] += 1
    return out


_DATA: dict[tuple[str, str], Data] = {}


def _data(data: Path, schemes: Path) -> Data:
    """The export read once per process (--options runs many option sets on one export)."""
    key = (str(data.resolve()), str(schemes.resolve()))
    if key not in _DATA:
        _DATA[key] = Data(data, schemes)
    return _DATA[key]


def plan(data: Path, schemes: Path, o: Opts) -> dict:
    if not 1 <= o.history <= 24:
        raise Problem(f"--history must be 1 to 24 months, got {o.history}")
    if o.min_history < 1:
        raise Problem(f"--min-history must be at least 1, got {o.min_history}")
    if o.step <= 0:
        raise Problem(f"--step must be above 0, got {o.step}")
    d = _data(data, schemes)
    first = o.since or d.first_in_data
    m = o.for_
    run = propose(d, o, m, first, o.targets)
    if o.method in ("top-down", "blend"):
        missing = [mt for mt in run["metrics"] if mt not in o.targets]
        if missing:
            raise Problem("\n".join(f"--method {o.method} needs --company-target {mt}=AMOUNT" for mt in missing))
        run = propose(d, o, m, first, o.targets)

    warnings: list[dict] = []
    for r in run["plans"]:
        if r["base_from"] != "own":
            continue  # DECISION 7
        used = r["used"]
        if r["full_month"] > F(3, 2) * max(used):
            warnings.append({"code": "above_best", "employee_id": r["employee_id"], "team": r["team"],
                             "metric": r["metric"]})
        if r["full_month"] < min(used):
            warnings.append({"code": "below_worst", "employee_id": r["employee_id"], "team": r["team"],
                             "metric": r["metric"]})
    # Teams: the rounded plans against the team's best month among the months read: the six
    # back-test months and the larger of --history and 12 months before them (M-6-max(N, 12) ..
    # M-1), those in the export (DECISION 5).
    teams: list[dict] = []
    months_in_export = []
    if first is not None:
        k = max(first, shift(m, -6 - max(o.history, 12)))
        while k < m:
            months_in_export.append(k)
            k = shift(k, 1)
    for mt in run["metrics"]:
        planned = [r for r in run["plans"] if r["metric"] == mt]
        for team in sorted({r["team"] for r in planned}):
            total = sum((r["plan"] for r in planned if r["team"] == team), F(0))
            members = [eid for eid in sorted(d.roster) if d.roster[eid]["team"] == team
                       and mt in d.metrics_in(eid, m)]
            best, best_month = None, None
            for k in months_in_export:
                on = [eid for eid in members if d.days(eid, k) > 0]
                if not on:
                    continue
                v = sum((d.value(eid, mt, k) for eid in on), F(0))
                if best is None or v > best:
                    best, best_month = v, k
            teams.append({"team": team, "metric": mt, "plan_total": total, "best_month": best_month,
                          "best_total": best})
            if best is not None and total > best:
                warnings.append({"code": "team_above_best", "employee_id": "", "team": team, "metric": mt})
    company = {}
    if o.method in ("top-down", "blend"):
        for mt in run["metrics"]:
            company[mt] = {"target": o.targets[mt],
                           "rounded_sum": sum((r["plan"] for r in run["plans"] if r["metric"] == mt), F(0))}

    # The back-test: the six months before m that are in the export (DECISION 8).
    backtest = {}
    for mt in run["metrics"]:
        months = []
        pooled_m: list[Fraction] = []
        pooled_a: list[Fraction] = []
        over = 0  # method attainments below the review line / above the discuss line
        under = 0
        for b in [shift(m, -k) for k in range(6, 0, -1)]:
            if first is None or b < first:
                months.append({"period": b, "method": [0, 0, 0, 0], "actual": [0, 0, 0, 0],
                               "skipped": "not_in_export"})
                continue
            recorded = {eid: d.recorded(eid, mt, b) for eid in sorted(d.roster)
                        if d.days(eid, b) > 0 and mt in d.metrics_in(eid, b)
                        and d.recorded(eid, mt, b) is not None}
            targets = {}
            if o.method in ("top-down", "blend"):
                if not recorded:
                    months.append({"period": b, "method": [0, 0, 0, 0], "actual": [0, 0, 0, 0],
                                   "skipped": "no_recorded_plans"})
                    continue
                targets = {mt: sum(recorded.values(), F(0))}
            bo = Opts(b, o.method, o.history, o.growth, targets, o.split, o.step, o.min_history, o.since, [mt])
            r = propose(d, bo, b, first, targets)
            atts = []
            for p in r["plans"]:
                a = d.value(p["employee_id"], mt, b) / p["plan"]
                atts.append(a)
                review, discuss, _ = d.lines[p["scheme"]]
                under += a < review
                over += a > discuss
            acts = [d.value(eid, mt, b) / v for eid, v in recorded.items() if v > 0]
            pooled_m += atts
            pooled_a += acts
            months.append({"period": b, "method": bands(atts), "actual": bands(acts), "skipped": None})
        flag = None
        if pooled_m and 2 * under > len(pooled_m):
            flag = "backtest_too_hard"
        elif pooled_m and 2 * over > len(pooled_m):
            flag = "backtest_too_easy"
        backtest[mt] = {"months": months, "method": bands(pooled_m), "actual": bands(pooled_a), "flag": flag}

    def out_plan(r: dict) -> dict:
        return {"employee_id": r["employee_id"], "metric": r["metric"], "scheme": r["scheme"], "team": r["team"],
                "base": fmt(r["base"]), "base_from": r["base_from"], "colleagues": r["colleagues"],
                "growth": fmt(r["growth"]), "season": fmt(r["season"]), "share": r["share"],
                "full_month": fmt(r["full_month"]), "raw": fmt(r["raw"]), "plan": fmt(r["plan"]),
                "history": [{"period": h["period"], "value": fmt(h["value"]), "used": h["used"]}
                            for h in r["history"]]}

    warnings.sort(key=lambda w: (w["employee_id"], w["team"], w["metric"], w["code"]))
    return {
        "for": m, "method": o.method, "split": o.split, "growth": fmt(o.growth), "history": o.history,
        "min_history": o.min_history, "step": fmt(o.step), "export_first_month": first,
        "season": {mt: {"index": fmt(s["index"]), "same_month": fmt(s["same_month"]), "average": fmt(s["average"])}
                   for mt, s in run["season"].items()},
        "plans": [out_plan(r) for r in run["plans"]],
        "manual": run["manual"],
        "warnings": warnings,
        "teams": [{**t, "plan_total": fmt(t["plan_total"]), "best_total": fmt(t["best_total"])} for t in teams],
        "company_target": {mt: {"target": fmt(c["target"]), "rounded_sum": fmt(c["rounded_sum"])}
                           for mt, c in company.items()},
        "backtest": backtest,
    }


def dumps(o: dict) -> str:
    return json.dumps(o, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

USAGE = """usage: crosscheck_plan.py --data CSV_FOLDER --for YYYY-MM [--schemes DIR]
                          [--method bottom-up|top-down|blend] [--history N] [--growth 20%]
                          [--company-target METRIC=AMOUNT ...] [--split equal|history] [--step 1000]
                          [--min-history 3] [--since YYYY-MM] [--metric M ...]
       crosscheck_plan.py --data CSV_FOLDER --options FILE [--schemes DIR]
       crosscheck_plan.py --self-test [--write-fixtures DIR]"""

VALUED = {"--data", "--for", "--schemes", "--method", "--history", "--growth", "--company-target", "--split",
          "--step", "--min-history", "--since", "--metric", "--write-fixtures", "--options"}
REPEATED = {"--company-target", "--metric"}


def parse_args(argv: list[str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    one: dict[str, str] = {}
    many: dict[str, list[str]] = {k: [] for k in REPEATED}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--self-test":
            one[a] = ""
            i += 1
            continue
        if a not in VALUED or i + 1 >= len(argv):
            raise Problem(f"unexpected argument {a!r}")
        if a in REPEATED:
            many[a].append(argv[i + 1])
        elif a in one:
            raise Problem(f"{a} given twice")
        else:
            one[a] = argv[i + 1]
        i += 2
    return one, many


def opts_of(one: dict[str, str], many: dict[str, list[str]]) -> Opts:
    if "--data" not in one or "--for" not in one:
        raise Problem("--data and --for are required")
    method = one.get("--method", "bottom-up")
    if method not in ("bottom-up", "top-down", "blend"):
        raise Problem(f"--method must be bottom-up, top-down or blend, got {method!r}")
    split = one.get("--split", "equal")
    if split not in ("equal", "history"):
        raise Problem(f"--split must be equal or history, got {split!r}")

    def whole(key: str, default: int) -> int:
        v = one.get(key, str(default)).strip()
        if not re.fullmatch(r"\d+", v):
            raise Problem(f"{key} must be a whole number, got {v!r}")
        return int(v)

    targets: dict[str, Fraction] = {}
    for t in many["--company-target"]:
        k, sep, v = t.partition("=")
        if not sep or not k.strip():
            raise Problem(f"--company-target must be METRIC=AMOUNT, got {t!r}")
        targets[k.strip().lower()] = parse_amount(v, f"--company-target {k.strip()}")
    return Opts(month(one["--for"], "--for"), method, whole("--history", 12),
                parse_percent(one.get("--growth", "0%")), targets, split,
                parse_amount(one.get("--step", "1000"), "--step"), whole("--min-history", 3),
                month(one["--since"], "--since") if "--since" in one else None,
                [x.strip().lower() for x in many["--metric"]] or None)


def main(argv: list[str]) -> int:
    try:
        one, many = parse_args(argv[1:])
        if "--self-test" in one:
            fx = one.get("--write-fixtures")
            return self_test(Path(fx) if fx else None)
        schemes = Path(one.get("--schemes", str(cc.SCHEMES_DIR)))
        if "--options" in one:
            if "--data" not in one or len(one) != 2 + ("--schemes" in one) or any(many.values()):
                raise Problem("--options goes with --data and --schemes only")
            outs = []
            for line in Path(one["--options"]).read_text(encoding="utf-8").splitlines():
                if line.strip():
                    o1, m1 = parse_args(line.split())
                    o1["--data"] = one["--data"]
                    outs.append(plan(Path(one["--data"]), schemes, opts_of(o1, m1)))
            sys.stdout.write(json.dumps(outs, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
            return 0
        o = opts_of(one, many)
        out = plan(Path(one["--data"]), schemes, o)
    except (Problem, ct.Problem, ValueError) as e:
        print(f"crosscheck_plan: {e}\n{USAGE}", file=sys.stderr)
        return 2
    sys.stdout.write(dumps(out))
    return 0


# ---------------------------------------------------------------------------------------------
# Self-test: the hand-made histories (tests/fixtures/plan/)
# ---------------------------------------------------------------------------------------------

EMP = "employee_id,name,scheme,target_bonus,team,hired_on,left_on,previous_scheme,scheme_since"
DEAL = "deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,lost_reason,client_id"
PLAN = "employee_id,period,metric,target"
# The tables the presets read besides these, written with their header alone unless a case has rows.
EMPTY = {"calls": "call_id,employee_id,started_at,direction,duration_sec,client_id",
         "emails": "email_id,employee_id,sent_at,direction,client_id",
         "meetings": "meeting_id,employee_id,starts_at,status,client_id",
         "clients": "client_id,employee_id,since,churned_on",
         "nps": "response_id,employee_id,answered_on,score"}
MONTHS = [shift("2025-10", k) for k in range(13)]  # 2025-10 .. 2026-10


class Case:
    """A hand-made export: a canonical CSV folder and the option sets it is run with."""

    def __init__(self, name: str):
        self.name = name
        self.emp: list[str] = []
        self.deals: list[str] = []
        self.plans: list[str] = []
        self.options: list[str] = []
        self.extra: dict[str, list[str]] = {}  # other tables: name -> [header, rows...]

    def person(self, eid: str, scheme: str, team: str, hired: str, left: str = "", previous: str = "",
               since: str = "") -> None:
        self.emp.append(f"{eid},Person {eid},{scheme},100000,{team},{hired},{left},{previous},{since}")

    def won(self, eid: str, key: str, thousands: int, new_client: str = "yes") -> None:
        """One won deal closed on the 10th of the month, of `thousands` × 1000."""
        n = len(self.deals) + 1
        self.deals.append(f"D{n:03d},{eid},{key}-01,{key}-10,won,proposal,{thousands * 1000},{new_client},,")

    def recorded(self, eid: str, key: str, thousands: int, metric: str = "revenue") -> None:
        self.plans.append(f"{eid},{key},{metric},{thousands * 1000}")

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, head, rows in (("employees", EMP, self.emp), ("deals", DEAL, self.deals),
                                 ("plans", PLAN, self.plans)):
            (folder / f"{name}.csv").write_text("\n".join([head] + rows) + "\n", encoding="utf-8")
        for name, head in EMPTY.items():
            lines = self.extra.get(name, [head])
            (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (folder / "options").write_text("\n".join(self.options) + "\n", encoding="utf-8")


def cases() -> list[Case]:
    out = []
    # ---- seasonal: the main history (amounts in thousands), --for 2026-11 (30 days) ----------
    # North, b2b-long-cycle (metric revenue):
    #   E01 since 2020: 2025-10 2100, 2025-11 1600, every other month 1200.
    #   E02 since 2020, leaves 2026-11-15 (15 of 30 days): 2025-11 1400, every other month 1000.
    #   E03 joins 2026-11-11 (20 of 30 days): no history.
    # South, transactional (metric revenue):
    #   E04 since 2020: 600 every month.
    #   E05 joined 2026-09-01: 800 in September and October (2 history months, fewer than 3).
    # No team, account-manager (metric upsell): E06 joins 2026-11-05 (26 of 30), the only one.
    c = Case("seasonal")
    c.person("E01", "b2b-long-cycle", "North", "2020-01-01")
    c.person("E02", "b2b-long-cycle", "North", "2020-01-01", "2026-11-15")
    c.person("E03", "b2b-long-cycle", "North", "2026-11-11")
    c.person("E04", "transactional", "South", "2020-01-01")
    c.person("E05", "transactional", "South", "2026-09-01")
    c.person("E06", "account-manager", "", "2026-11-05")
    for k in MONTHS:
        c.won("E01", k, {"2025-10": 2100, "2025-11": 1600}.get(k, 1200))
        c.won("E02", k, {"2025-11": 1400}.get(k, 1000))
        c.won("E04", k, 600)
        if k >= "2026-09":
            c.won("E05", k, 800)
    # The plans actually used in the back-test months: E01 1500 (1200 done: 80%), E02 1000
    # (100%), E04 400 (150%), E05 1000 in September (80%) and 800 in October (100%).
    for k in MONTHS[-6:]:
        c.recorded("E01", k, 1500)
        c.recorded("E02", k, 1000)
        c.recorded("E04", k, 400)
    c.recorded("E05", "2026-09", 1000)
    c.recorded("E05", "2026-10", 800)
    c.options = [
        "--for 2026-11",
        "--for 2026-11 --growth 30%",
        "--for 2026-11 --growth -20%",
        "--for 2026-11 --history 3",
        "--for 2026-11 --min-history 2",
        "--for 2026-11 --since 2025-12",
        "--for 2026-11 --step 500",
        "--for 2026-11 --metric revenue --method top-down --company-target revenue=5012500",
        "--for 2026-11 --metric revenue --method top-down --split history --company-target revenue=5012500",
        "--for 2026-11 --metric revenue --method blend --company-target revenue=6000000",
        "--for 2026-11 --method top-down --company-target revenue=5012500 --company-target upsell=300000",
        "--for 2026-10",
    ]
    out.append(c)

    # ---- trend: revenue that grows every month, for the back-test's two flags ---------------
    # West, transactional: in month i (2025-10 is 0, 2026-10 is 12) E11 wins 100 × (i + 1),
    # E12 60 × (i + 1), E13 40 × (i + 1) (thousands). Recorded plans in 2026-05 .. 2026-10: E11
    # exactly what was won (100%), E12 twice it (50%), E13 half of it (200%).
    c = Case("trend")
    for eid, unit in (("E11", 100), ("E12", 60), ("E13", 40)):
        c.person(eid, "transactional", "West", "2020-01-01")
        for i, k in enumerate(MONTHS):
            c.won(eid, k, unit * (i + 1))
            if i >= 7:
                c.recorded(eid, k, {"E11": 1, "E12": 2}.get(eid, 0) * unit * (i + 1) or unit * (i + 1) // 2)
    c.options = ["--for 2026-11", "--for 2026-11 --growth 200%",
                 "--for 2026-11 --method top-down --split history --company-target revenue=3000000",
                 "--for 2026-11 --method blend --company-target revenue=3000000"]
    out.append(c)

    # ---- farmers: account managers on upsell (won deals of existing clients), a change of
    # scheme, a leaver before the month, a history of zeros (thousands) ------------------------
    # East: E21 (account-manager) upsell 600 in 2025-11, 300 in every other month, and a new
    # client's deal of 100 a month (revenue, not upsell); E22 (account-manager) upsell 800 in
    # 2025-11, 500 otherwise; E23 (b2b-long-cycle) revenue 1000 a month, half of it from existing
    # clients; E24 moved from transactional to account-manager in 2026-08 (previous_scheme,
    # scheme_since): upsell 200 and a new client's 400 every month; E25 (account-manager) upsell
    # 400 a month until leaving on 2026-04-30; E27 (account-manager) joins on 2026-11-02 (29 of
    # 30 days). No team: E26 (account-manager), nothing won.
    c = Case("farmers")
    for eid, scheme in (("E21", "account-manager"), ("E22", "account-manager"), ("E23", "b2b-long-cycle")):
        c.person(eid, scheme, "East", "2020-01-01")
    c.person("E24", "account-manager", "East", "2020-01-01", previous="transactional", since="2026-08")
    c.person("E25", "account-manager", "East", "2020-01-01", "2026-04-30")
    c.person("E26", "account-manager", "", "2020-01-01")
    c.person("E27", "account-manager", "East", "2026-11-02")
    for k in MONTHS:
        c.won("E21", k, 600 if k == "2025-11" else 300, "no")
        c.won("E21", k, 100)
        c.won("E22", k, 800 if k == "2025-11" else 500, "no")
        c.won("E23", k, 500)
        c.won("E23", k, 500, "no")
        c.won("E24", k, 200, "no")
        c.won("E24", k, 400)
        if k <= "2026-04":
            c.won("E25", k, 400, "no")
    # A deal lost on 2025-09-30: one row in September against 11 in October (fewer than a
    # quarter): September is a month's tail, the export starts in 2025-10.
    c.deals.append("D999,E23,2025-09-01,2025-09-30,lost,proposal,50000,yes,price,")
    for k in MONTHS[-6:]:
        c.recorded("E21", k, 300, "upsell")
        c.recorded("E22", k, 600, "upsell")
        c.recorded("E23", k, 800)
        c.recorded("E26", k, 100, "upsell")
        if k >= "2026-08":
            c.recorded("E24", k, 150, "upsell")
        else:
            c.recorded("E24", k, 600)
    c.options = ["--for 2026-11", "--for 2026-11 --growth 10%", "--for 2026-11 --metric upsell --history 6",
                 "--for 2026-11 --method top-down --split history --company-target upsell=2000000 "
                 "--company-target revenue=1200000",
                 "--for 2026-11 --method blend --company-target upsell=2000000 --company-target revenue=1200000",
                 "--for 2026-08"]
    out.append(c)

    # ---- edges: the export's first month from a call, a month of zeros, a one-month joiner ----
    # North, transactional (thousands): E31 500 and E33 700 a month from 2025-11; the only row of
    # 2025-10 is a call of E31 (2025-10-15): October 2025 is in the export, a month of zeros.
    # E32 joins 2026-09-20 (11 of 30 days): 300 in September, 2000 in October (one history month).
    c = Case("edges")
    c.person("E31", "transactional", "North", "2020-01-01")
    c.person("E32", "transactional", "North", "2026-09-20")
    c.person("E33", "transactional", "North", "2020-01-01")
    c.extra["calls"] = ["call_id,employee_id,started_at,direction,duration_sec,client_id",
                        "K1,E31,2025-10-15 10:00:00,outgoing,200,"]
    for k in MONTHS[1:]:
        c.won("E31", k, 500)
        c.won("E33", k, 700)
    c.won("E32", "2026-09", 300)
    c.won("E32", "2026-10", 2000)
    for k in MONTHS[-6:]:
        c.recorded("E31", k, 500)
        c.recorded("E33", k, 500)
    c.recorded("E32", "2026-10", 1000)
    c.options = ["--for 2026-11", "--for 2026-11 --since 2025-11", "--for 2026-11 --min-history 1",
                 "--for 2026-11 --history 24", "--for 2026-11 --step 100"]
    out.append(c)
    return out


def self_test(fixtures: Path | None) -> int:
    checks = 0

    def ok(cond: bool, got) -> None:
        nonlocal checks
        if not cond:
            raise AssertionError(f"{where}: got {got!r}")
        checks += 1

    where = "helpers"
    ok(round_step(F(1500), F(1000)) == 2000 and round_step(F(2500), F(1000)) == 3000, "halves go up")
    ok(round_step(F(1499999, 1000), F(1)) == 1500 and round_step(F(1499), F(1000)) == 1000, "nearest")
    ok(median([F(3), F(1), F(2)]) == 2 and median([F(4), F(1), F(3), F(2)]) == F(5, 2), "median")
    ok(parse_percent("-5%") == F(-1, 20) and parse_percent("20%") == F(1, 5), "percent")
    ok(shift("2026-01", -1) == "2025-12" and shift("2026-11", -12) == "2025-11", "shift")
    ok(bands([F(79, 100), F(8, 10), F(99, 100), F(1), F(12, 10), F(121, 100)]) == [1, 2, 2, 1], "bands")
    # PLAN_KPIS is what the preset files say: each `target: { plan: X }` and its KPI's metric.
    for path in sorted(cc.SCHEMES_DIR.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        found = {}
        for block in re.split(r"\n  - ", text.split("\nkpis:", 1)[1]):
            pm = re.search(r"target:\s*\{\s*plan:\s*([a-z_]+)\s*\}", block)
            if pm:
                found[pm.group(1)] = re.search(r"metric:\s*([a-z_]+)", block).group(1)
        ok(found == PLAN_KPIS[path.stem], (path.stem, found))

    def by(o: dict, eid: str, metric: str = "revenue") -> dict:
        return next(p for p in o["plans"] if p["employee_id"] == eid and p["metric"] == metric)

    def warns(o: dict) -> list[tuple]:
        return [(w["code"], w["employee_id"] or w["team"], w["metric"]) for w in o["warnings"]]

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        for case in cases():
            folder = t / case.name
            case.write(folder)
            runs = {}
            for line in case.options:
                one, many = parse_args(line.split())
                one["--data"] = str(folder)
                runs[line] = plan(folder, cc.SCHEMES_DIR, opts_of(one, many))
            if case.name == "seasonal":
                where = "seasonal, bottom-up"
                o = runs["--for 2026-11"]
                ok(o["export_first_month"] == "2025-10", o["export_first_month"])
                # Department revenue (E01, E02, E04, E05): 2025-11 1600 + 1400 + 600 = 3600;
                # 2025-12 .. 2026-08 1200 + 1000 + 600 = 2800 (9 months: 25200); 2026-09 and
                # 2026-10 2800 + 800 = 3600 (7200). Year 36000, average 3000: season 3600/3000 = 1.2.
                ok(o["season"]["revenue"] == {"index": "1.2", "same_month": "3600000", "average": "3000000"},
                   o["season"])
                # Upsell: only E06, with no history: average 0, no index.
                ok(o["season"]["upsell"]["index"] is None, o["season"])
                # E01: (1600 + 11 × 1200) / 12 = 14800/12 = 1233.333…; × 1.2 = 1480; share 1.
                e = by(o, "E01")
                ok((e["base"], e["full_month"], e["plan"]) == ("1233333.333333", "1480000", "1480000"), e)
                ok([h["used"] for h in e["history"]] == [True] * 12 and e["history"][0]["period"] == "2025-11", e)
                # E02: (1400 + 11 × 1000) / 12 = 1033.333…; × 1.2 = 1240; × 15/30 = 620.
                e = by(o, "E02")
                ok((e["full_month"], e["share"], e["plan"]) == ("1240000", {"days": 15, "of": 30}, "620000"), e)
                # E03: the median of E01's and E02's bases (two: their mean) = 1133.333…; × 1.2 =
                # 1360; × 20/30 = 906.666… → 907000.
                e = by(o, "E03")
                ok((e["base_from"], e["colleagues"], e["base"], e["raw"], e["plan"])
                   == ("colleagues", 2, "1133333.333333", "906666.666667", "907000"), e)
                # E05: 2 history months < 3: E04's base 600 (the one colleague) × 1.2 = 720.
                e = by(o, "E05")
                ok((e["base_from"], e["colleagues"], e["plan"]) == ("colleagues", 1, "720000"), e)
                ok([h["used"] for h in e["history"]][-3:] == [False, True, True], e["history"])
                ok(by(o, "E04")["plan"] == "720000", by(o, "E04"))
                # E06: no history, no colleague on account-manager: manual, no row.
                ok([(m["employee_id"], m["metric"]) for m in o["manual"]] == [("E06", "upsell")], o["manual"])
                # North 1480 + 620 + 907 = 3007, below its best month 2025-10 (2100 + 1000 = 3100,
                # outside the history but in the export); South 720 + 720 = 1440 > 1400 (2026-09).
                ok(warns(o) == [("team_above_best", "South", "revenue")], warns(o))
                ok([(x["team"], x["plan_total"], x["best_month"], x["best_total"]) for x in o["teams"]]
                   == [("North", "3007000", "2025-10", "3100000"), ("South", "1440000", "2026-09", "1400000")],
                   o["teams"])
                # Back-test, 2026-05: history 2025-10 .. 2026-04 (7 months, no season):
                # E01 (2100 + 1600 + 5 × 1200)/7 = 1385.714 → 1386, done 1200: 86.6%;
                # E02 7400/7 = 1057.14 → 1057: 94.6%; E04 600: 100%. Recorded: E01 80%,
                # E02 100%, E04 150%.
                bt = o["backtest"]["revenue"]
                ok(bt["months"][0] == {"period": "2026-05", "method": [0, 2, 1, 0], "actual": [0, 1, 1, 1],
                                       "skipped": None}, bt["months"][0])
                # 2026-10: season 3700 / (36100/12) = 444/361 (2025-10: 2100 + 1000 + 600;
                # 2025-10 .. 2026-09: 3700 + 3600 + 9 × 2800 + 3600); E01 15700/12 × 444/361 =
                # 1609.14 → 1609: 74.6%, below; E02 (1400 + 11 × 1000)/12 × 444/361 = 1275.35 →
                # 1275: 78.4%, below; E04 600 × 444/361 = 737.95 → 738: 81.3%; E05 a joiner on
                # E04's 600 → 738, done 800: 108.4%. Recorded: E01 80%, E02 100%, E04 150%, E05 100%.
                ok(bt["months"][5] == {"period": "2026-10", "method": [2, 1, 1, 0], "actual": [0, 1, 2, 1],
                                       "skipped": None}, bt["months"][5])
                ok(bt["flag"] is None, bt)
                where = "seasonal, growth"
                # +30%: E04 600 × 1.3 × 1.2 = 936 > 1.5 × 600: above_best; E01 1233.3 × 1.56 =
                # 1924 < 1.5 × 1600 = 2400. -20%: × 0.96: E01 1184 < 1200, E02 992 < 1000, E04
                # 576 < 600: below_worst.
                ok(("above_best", "E04", "revenue") in warns(runs["--for 2026-11 --growth 30%"])
                   and not [w for w in warns(runs["--for 2026-11 --growth 30%"]) if w[0] == "above_best"
                            and w[1] != "E04"], warns(runs["--for 2026-11 --growth 30%"]))
                ok([w for w in warns(runs["--for 2026-11 --growth -20%"]) if w[0] == "below_worst"]
                   == [("below_worst", e, "revenue") for e in ("E01", "E02", "E04")],
                   warns(runs["--for 2026-11 --growth -20%"]))
                where = "seasonal, --since 2025-12"
                # The export then lacks 2025-11: no season; E01 (11 × 1200)/11 = 1200.
                o = runs["--for 2026-11 --since 2025-12"]
                ok(o["season"]["revenue"]["index"] is None and by(o, "E01")["plan"] == "1200000", by(o, "E01"))
                where = "seasonal, --min-history 2"
                # E05's own two months: 800 × 1.2 = 960.
                ok(by(runs["--for 2026-11 --min-history 2"], "E05")["plan"] == "960000",
                   by(runs["--for 2026-11 --min-history 2"], "E05"))
                where = "seasonal, top-down equal"
                # Shares 1 (E01) + 1/2 (E02) + 2/3 (E03) + 1 (E04) + 1 (E05) = 25/6; 5012500 × 6/25
                # = 1203000 each for E01, E04, E05; E02 × 3/25 = 601500 → 602000 (a half, up);
                # E03 × 4/25 = 802000. Rounded sum 5013000.
                o = runs["--for 2026-11 --metric revenue --method top-down --company-target revenue=5012500"]
                ok([p["plan"] for p in o["plans"]] == ["1203000", "602000", "802000", "1203000", "1203000"],
                   o["plans"])
                ok(by(o, "E02")["raw"] == "601500" and by(o, "E02")["full_month"] == "1203000", by(o, "E02"))
                ok(o["company_target"] == {"revenue": {"target": "5012500", "rounded_sum": "5013000"}},
                   o["company_target"])
                where = "seasonal, top-down history"
                # Weights base × share: E01 1233.33, E02 516.67, E03 755.56, E04 600, E05 600:
                # 3705.56; E01 5012500 × 1233.33/3705.56 = 1668306.5 → 1668000.
                o = runs["--for 2026-11 --metric revenue --method top-down --split history "
                         "--company-target revenue=5012500"]
                ok(by(o, "E01")["plan"] == "1668000", by(o, "E01"))
                where = "seasonal, blend"
                # Bottom-up 1480 + 620 + 906.67 + 720 + 720 = 4446.67; × 6000/4446.67: E01 1997001.5
                # → 1997000: equal to top-down --split history for the same target.
                o = runs["--for 2026-11 --metric revenue --method blend --company-target revenue=6000000"]
                ok(by(o, "E01")["plan"] == "1997000", by(o, "E01"))
                where = "seasonal, top-down with upsell"
                # Split equal needs no base: E06 (no history, no colleague) carries the whole
                # upsell target; base_from "none".
                o = runs["--for 2026-11 --method top-down --company-target revenue=5012500 "
                         "--company-target upsell=300000"]
                ok(by(o, "E06", "upsell")["plan"] == "300000" and by(o, "E06", "upsell")["base_from"] == "none"
                   and o["manual"] == [], o["manual"])
                where = "seasonal, --history 3"
                # The months read are 18 with --history 3 too (M-18 .. M-1, in the export from
                # 2025-10): North's best stays 2025-10's 3100, above its plans: E01 1200 × 1.2 =
                # 1440, E02 1000 × 1.2 × 15/30 = 600, E03 the mean of 1200 and 1000 × 1.2 × 20/30 =
                # 880: 2920 (no warning, where a history of 3 months alone would give 2200).
                o = runs["--for 2026-11 --history 3"]
                ok([(x["team"], x["plan_total"], x["best_month"], x["best_total"]) for x in o["teams"]][0]
                   == ("North", "2920000", "2025-10", "3100000"), o["teams"])
                ok(("team_above_best", "North", "revenue") not in warns(o), warns(o))
            if case.name == "trend":
                where = "trend"
                # 2026-11: season = 2025-11 (2 units) / (2 + … + 13 = 90 units / 12) = 4/15; E11's
                # base 90 × 100 / 12 = 750, × 4/15 = 200 = its worst month (2025-11): not below it.
                o = runs["--for 2026-11"]
                ok(o["season"]["revenue"]["index"] == "0.266667" and by(o, "E11")["plan"] == "200000", by(o, "E11"))
                ok(warns(o) == [], warns(o))
                # Back-test, B = 2026-05 .. 2026-09 (month b = 7 .. 11): base the mean of 1 .. b
                # units = (b + 1)/2, done b + 1: 200%. 2026-10 (b = 12): season 1 / (78/12) =
                # 2/13, plan 6.5 × 2/13 = 1 unit, done 13: 1300%. All 18 above the discuss line.
                bt = o["backtest"]["revenue"]
                ok(bt["method"] == [0, 0, 0, 18] and bt["flag"] == "backtest_too_easy", bt)
                # Recorded: E11 100%, E12 50%, E13 200%, six months each.
                ok(bt["actual"] == [6, 0, 6, 6], bt["actual"])
                # +200%: 2/3 below the review line in 15 of 18, 13/3 above in 3: too hard.
                bt = runs["--for 2026-11 --growth 200%"]["backtest"]["revenue"]
                ok(bt["method"] == [15, 0, 0, 3] and bt["flag"] == "backtest_too_hard", bt)
                # top-down on the recorded plans' sum: each month (1 + 2 + 1/2) × 200-unit ... the
                # split by history gives everyone the same attainment, the team's: done ÷
                # recorded = (100 + 60 + 40) / (100 + 120 + 20) = 200/240 = 83.3%.
                bt = runs["--for 2026-11 --method top-down --split history --company-target revenue=3000000"]
                bt = bt["backtest"]["revenue"]
                ok(bt["method"] == [0, 18, 0, 0] and bt["flag"] is None, bt)
            if case.name == "farmers":
                where = "farmers"
                o = runs["--for 2026-11"]
                ok(o["export_first_month"] == "2025-10", o["export_first_month"])
                # Department upsell: everyone whose scheme for 2026-11 is account-manager (E21,
                # E22, E24, E25, E26), employed a day of the month: 2025-11 600 + 800 + 200 + 400 =
                # 2000; 2025-12 .. 2026-04 300 + 500 + 200 + 400 = 1400 (5 months: 7000); 2026-05 ..
                # 2026-10 1000 (6000). Year 15000, average 1250: season 1.6. Revenue: E23 alone,
                # 1000 every month: season 1.
                ok(o["season"]["upsell"]["index"] == "1.6" and o["season"]["revenue"]["index"] == "1",
                   o["season"])
                # E21 (600 + 11 × 300)/12 = 325 × 1.6 = 520; E22 6300/12 = 525 × 1.6 = 840; E24 200
                # × 1.6 = 320 > 1.5 × 200: above_best; E23 1000 (its revenue, new clients or not).
                # E27, a joiner: the median of the bases of the account managers planned for 2026-11
                # with enough history, E21 325, E22 525, E24 200, E26 0 (not E25, gone: DECISION 3)
                # = (200 + 325)/2 = 262.5; × 1.6 × 29/30 = 406.
                ok([(p["employee_id"], p["metric"], p["plan"]) for p in o["plans"]]
                   == [("E21", "upsell", "520000"), ("E22", "upsell", "840000"), ("E23", "revenue", "1000000"),
                       ("E24", "upsell", "320000"), ("E27", "upsell", "406000")], o["plans"])
                # E26: base 0 → plan 0: manual.
                ok([(m["employee_id"], m["metric"], m["reason"]) for m in o["manual"]]
                   == [("E26", "upsell", "history averages 0")], o["manual"])
                # East's upsell: 520 + 840 + 320 + 406 = 2086 > its best month, 2025-11 (600 + 800 +
                # 200 + 400 = 2000).
                ok(warns(o) == [("team_above_best", "East", "upsell"), ("above_best", "E24", "upsell")], warns(o))
                # +10%: E23 1100 > East's best revenue month of revenue carriers (E23: 1000).
                ok(("team_above_best", "East", "revenue") in warns(runs["--for 2026-11 --growth 10%"]),
                   warns(runs["--for 2026-11 --growth 10%"]))
                # Back-test: E24 is on transactional (revenue) in 2026-05 .. 2026-07, on
                # account-manager (upsell) from 2026-08.
                bt = o["backtest"]
                ok([sum(m["method"]) for m in bt["revenue"]["months"]] == [2, 2, 2, 1, 1, 1], bt["revenue"])
                # upsell: E21, E22, E26 (0 → manual from its history of zeros), E24 from 2026-08:
                # E25 left before 2026-05.
                ok([sum(m["method"]) for m in bt["upsell"]["months"]] == [2, 2, 2, 3, 3, 3], bt["upsell"])
                ok([sum(m["actual"]) for m in bt["upsell"]["months"]] == [3, 3, 3, 4, 4, 4], bt["upsell"])
            if case.name == "edges":
                where = "edges"
                o = runs["--for 2026-11"]
                ok(o["export_first_month"] == "2025-10", o["export_first_month"])
                # Season: 2025-11 500 + 700 = 1200; every month to 2026-08 1200; 2026-09 1200 + 300
                # (E32 employed 11 days of it); 2026-10 1200 + 2000. Year 10 × 1200 + 1500 + 3200 =
                # 16700: 1200 × 12 / 16700 = 144/167. E31 500 × 144/167 = 431.14 → 431000; E33
                # 700 × 144/167 = 603.59 → 604000; E32 a joiner (one history month) on the median
                # of 500 and 700: 600 × 144/167 = 517.37 → 517000, and no comparison with its
                # 2000 of October (DECISION 7). E31's and E33's whole-month plans are below their
                # worst month (500, 700): below_worst.
                ok([p["plan"] for p in o["plans"]] == ["431000", "517000", "604000"], o["plans"])
                ok(warns(o) == [("below_worst", "E31", "revenue"), ("below_worst", "E33", "revenue")], warns(o))
                # Back-test 2026-10: the export holds 2025-10 .. 2026-09, whose 2025-10 is 0: the
                # season is 0, every plan 0: all listed for a manual plan, no attainment.
                bt = o["backtest"]["revenue"]["months"]
                ok(bt[-1]["method"] == [0, 0, 0, 0] and bt[-1]["actual"] == [0, 0, 1, 2], bt[-1])
                # 2026-05: history 2025-10 .. 2026-04, 7 months with the zero one: E31 6 × 500 / 7
                # = 428.57 → 429: 116.6%; E33 4200/7 = 600: 116.7%.
                ok(bt[0]["method"] == [0, 0, 2, 0], bt[0])
                # From 2025-11, 2025-10 is not in the export: 2026-05's E31 500: 100%; 2026-10 has
                # no season (the export lacks 2025-10): E31 500, E33 700, E32 on 600: 333%.
                bt = runs["--for 2026-11 --since 2025-11"]["backtest"]["revenue"]["months"]
                ok(bt[0]["method"] == [0, 0, 2, 0] and bt[-1]["method"] == [0, 0, 2, 1], (bt[0], bt[-1]))
                # --min-history 1: E32 on its own October: 2000 × 144/167 = 1724.55 → 1725000.
                ok(by(runs["--for 2026-11 --min-history 1"], "E32")["plan"] == "1725000",
                   runs["--for 2026-11 --min-history 1"]["plans"])
            # The committed copy (tests/fixtures/plan/<case>/) must be this case, byte for byte.
            committed = FIXTURES / case.name
            if fixtures is None and committed.exists():
                for f in sorted(folder.iterdir()):
                    ok((committed / f.name).read_bytes() == f.read_bytes(),
                       f"{committed / f.name} is stale: rerun with --write-fixtures tests/fixtures/plan")
            if fixtures is not None:
                dst = fixtures / case.name
                if dst.exists():
                    shutil.rmtree(dst)
                case.write(dst)
    print(f"{checks} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
