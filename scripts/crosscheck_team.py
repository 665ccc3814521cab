#!/usr/bin/env python3
"""Independent cross-check of the head of sales' view (`incentive team`, docs/team.md).

Written from docs/team.md and the catalogue's definitions (src/scheme/catalogue.yaml) only, not
from the Rust code, with the Python 3 standard library and exact fractions. The KPI scoring
(actual, target, attainment, proration, plans) is scripts/crosscheck.py's, itself an independent
implementation of the engine's rules; everything else is computed here from the rows.

Usage:
    python3 scripts/crosscheck_team.py --data CSV_FOLDER --schemes DIR --period YYYY-MM
        [--history N] [--as-of YYYY-MM-DD] [--flags FLAGS.yaml]
    python3 scripts/crosscheck_team.py --self-test [--write-fixtures DIR]

Prints one JSON object (keys sorted, two-space indent):
    flags         [[employee_id, team, code, subject], ...]  in docs/team.md's order: by
                  employee_id (team flags, whose employee_id is "", first, by team), then the
                  flag order of docs/team.md, then the subject (see SUBJECT ORDER below);
                  subject is "" for average_deal_falling and short_calls
    funnel        {employee_id: {month: [closed, qualified, negotiation, proposal, won]}} for
                  every employee on the roster and every month of the view (history and period)
    team_funnel   {team: [closed, qualified, negotiation, proposal, won]} for the period
    bottleneck    {team: [transition, one_to_learn_from or ""]}, or null for a team without any
                  transition with data
    losses        {employee_id: {reason: count}} lost deals of the period ("(none)": no reason)
    working_days  [in the period, elapsed to the as-of day, remaining after it]

`--self-test` runs hand-made histories (tiny CSV folders in a temp dir) with the hand counts in
comments and prints "N checks passed"; with `--write-fixtures DIR` it also writes each case to
DIR/<case>/ (the CSV files, `args` with the command line's options, `flags.yaml` when the case
has one, and `expected.json`, this script's output), for tests/fixtures/team/.

Decisions where docs/team.md leaves room (each also at the place it is made, marked DECISION):
 1. proposal → won is proposals_won ÷ reached_proposal, the catalogue's proposal_to_won, as
    docs/team.md's table writes it: a deal can be won before a proposal (deals.stage
    negotiation), so the funnel has six counts, and the overall rate lead → won counts every
    won deal (deals_won ÷ deals_closed).
 2. Mid-month, a metric "adds up over the month" when it counts or sums rows dated in the
    period: revenue, upsell, deals won, calls of 2+ minutes and meetings held are projected by
    working days. Pipeline is a sum too, but of what is open on a day (a balance, not a flow):
    projecting it would multiply the open deals by 22/12, so it stands as it is on the as-of day,
    like retention, contact coverage, NPS, average deal and proposal conversion.
 3. Activity "employed every day" and the employed share of the period are calendar days, as the
    run prorates; the activity projected mid-month is value × period working days ÷ elapsed.
 4. short_calls counts the outgoing calls as they stand (mid-month: so far, not projected); a
    call "under 30 s" is duration < short_call_seconds, "of 2+ minutes" is duration ≥ 120.
 5. All comparisons are strict ("below", "above", "more than"): exactly 30% down does not fire.
 6. A share key in the flags file is a percent ("30%") or a fraction ("0.3"); count keys are
    whole numbers. An unknown key is refused (exit code 2).
 7. A flag's team is the employee's roster team, "(no team)" when empty.
 8. SUBJECT ORDER within one employee and code: activities calls_outgoing, emails_sent,
    meetings_held; transitions lead_to_qualified, qualified_to_negotiation,
    negotiation_to_proposal, proposal_to_won, win_rate; KPIs in the scheme's order; loss reasons
    by name. Team flags are ordered by team name.
 9. With zero elapsed working days (an as-of day before the first working day) nothing is
    projected: projected values are "no data" and their flags are not evaluated.
10. below_threshold / above_discuss / off_track need an attainment: a KPI with no data (no
    target, zero denominator, not employed in the period) raises none of them.
11. The bottleneck ignores a transition with no data; the one to learn from is chosen among the
    team's employees with at least conversion_min_deals in the period's denominator.
12. conversion_drop pools the history months whatever the employment (the deals were closed).
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import json
import re
import shutil
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import crosscheck as cc  # noqa: E402  (the KPI scoring, an independent implementation of it)

F = Fraction

DEFAULT_FLAGS = {
    "activity_drop": F(30, 100),
    "activity_min": 5,
    "conversion_drop": F(30, 100),
    "conversion_min_deals": 5,
    "average_deal_months": 3,
    "short_call_seconds": 30,
    "short_calls_share": F(50, 100),
    "long_calls_share": F(20, 100),
    "short_calls_min": 50,
    "loss_reason_share": F(40, 100),
    "loss_reason_min": 5,
}
COUNT_KEYS = {"activity_min", "conversion_min_deals", "average_deal_months", "short_call_seconds", "short_calls_min",
              "loss_reason_min"}

FLAG_ORDER = ["activity_drop", "conversion_drop", "average_deal_falling", "short_calls", "below_threshold",
              "above_discuss", "off_track", "loss_reason_dominant"]
ACTIVITIES = ["calls_outgoing", "emails_sent", "meetings_held"]
# (name, numerator index, denominator index) into the funnel counts
# [closed, qualified, negotiation, proposal, proposals_won, won]; the four stage transitions,
# then overall.
TRANSITIONS = [("lead_to_qualified", 1, 0), ("qualified_to_negotiation", 2, 1),
               ("negotiation_to_proposal", 3, 2), ("proposal_to_won", 4, 3), ("win_rate", 5, 0)]
# The bottom of the practice's range of each stage transition.
RANGE_LOW = {"lead_to_qualified": F(30, 100), "qualified_to_negotiation": F(50, 100),
             "negotiation_to_proposal": F(40, 100), "proposal_to_won": F(20, 100)}
STAGE_RANK = {"lead": 0, "qualified": 1, "negotiation": 2, "proposal": 3}
# DECISION 2: the KPIs whose metric adds up over the month (count: or sum:), per preset.
ADDITIVE = {"revenue", "meetings", "deals", "calls", "upsell"}
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "team"
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
NO_TEAM = "(no team)"
NO_REASON = "(none)"


class Problem(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Months and working days
# ---------------------------------------------------------------------------------------------


def month_of(key: str) -> tuple[dt.date, dt.date]:
    m = re.fullmatch(r"(\d{4})-(\d{2})", key)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise Problem(f"--period must be YYYY-MM, got {key!r}")
    y, mo = int(m.group(1)), int(m.group(2))
    return dt.date(y, mo, 1), dt.date(y, mo, calendar.monthrange(y, mo)[1])


def shift(key: str, k: int) -> str:
    y, m = int(key[:4]), int(key[5:7])
    n = y * 12 + (m - 1) + k
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def working_days(a: dt.date, b: dt.date) -> int:
    """Monday to Friday from a to b inclusive (0 when b < a)."""
    n, d = 0, a
    while d <= b:
        n += d.weekday() < 5
        d += dt.timedelta(days=1)
    return n


def employed_days(e: dict, a: dt.date, b: dt.date) -> int:
    s = max(a, e["hired_on"]) if e["hired_on"] else a
    t = min(b, e["left_on"]) if e["left_on"] else b
    return (t - s).days + 1 if t >= s else 0


# ---------------------------------------------------------------------------------------------
# The --as-of cut: the export as it was on D, written as a CSV folder of its own
# ---------------------------------------------------------------------------------------------

# table -> the column whose date drops a row dated after D
DATED = {"calls": "started_at", "emails": "sent_at", "meetings": "starts_at", "nps": "answered_on",
         "crm_activity": "date", "clients": "since", "deals": "created_on"}


def cut_folder(src: Path, day: dt.date, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.glob("*.csv")):
        name = path.stem.lower()
        if name not in DATED:
            shutil.copyfile(path, dst / path.name)
            continue
        text = path.read_text(encoding="utf-8-sig")
        rows = list(csv.reader(text.splitlines()))
        if not rows:
            shutil.copyfile(path, dst / path.name)
            continue
        head = [cc.norm_header(h) for h in rows[0]]
        col = {h: i for i, h in enumerate(head)}

        def get(rec, c):
            i = col.get(c)
            return rec[i] if i is not None and i < len(rec) else ""

        def put(rec, c, v):
            i = col.get(c)
            if i is not None and i < len(rec):
                rec[i] = v

        out = [rows[0]]
        for rec in rows[1:]:
            when = cc.parse_date(get(rec, DATED[name]))
            if when is not None and when > day:
                continue
            rec = list(rec)
            if name == "clients":
                churned = cc.parse_date(get(rec, "churned_on"))
                if churned is not None and churned > day:
                    put(rec, "churned_on", "")
            if name == "deals":
                # Closed after D: still open then (no close date, no loss reason yet).
                closed = cc.parse_date(get(rec, "closed_on"))
                if closed is not None and closed > day:
                    put(rec, "closed_on", "")
                    put(rec, "status", "open")
                    put(rec, "lost_reason", "")
                refunded = cc.parse_date(get(rec, "refunded_on"))
                if refunded is not None and refunded > day:
                    put(rec, "refunded_on", "")
            out.append(rec)
        with open(dst / path.name, "w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(out)


# ---------------------------------------------------------------------------------------------
# The rows this view needs beyond crosscheck.Export
# ---------------------------------------------------------------------------------------------


class Rows:
    def __init__(self, folder: Path):
        t = cc.read_table(folder, "employees", ["employee_id", "name", "scheme"])
        self.team: dict[str, str] = {}
        for r in t.rows:
            eid = r["employee_id"]
            if eid and eid not in self.team:
                self.team[eid] = r.get("team", "").strip() or NO_TEAM
        emp = self.team
        t = cc.read_table(folder, "deals", ["deal_id", "employee_id", "created_on", "status", "stage"])
        # (eid, status, stage, closed_on, lost_reason); a refunded deal is never won (nor lost).
        self.deals = [
            (r["employee_id"], "refunded" if cc.parse_date(r.get("refunded_on", "")) else cc.low(r["status"]),
             cc.low(r["stage"]), cc.parse_date(r.get("closed_on", "")),
             cc.parse_number(r.get("amount", ""), t.delimiter) or F(0), r.get("lost_reason", "").strip())
            for r in t.rows if r["employee_id"] in emp
        ]
        t = cc.read_table(folder, "calls", ["call_id", "employee_id", "started_at", "direction", "duration_sec"])
        self.calls = [
            (r["employee_id"], cc.parse_date(r["started_at"]), cc.parse_number(r["duration_sec"], t.delimiter) or F(0))
            for r in t.rows if r["employee_id"] in emp and cc.low(r["direction"]) == "outgoing"
        ]
        t = cc.read_table(folder, "emails", ["email_id", "employee_id", "sent_at", "direction"])
        self.emails = [(r["employee_id"], cc.parse_date(r["sent_at"]))
                       for r in t.rows if r["employee_id"] in emp and cc.low(r["direction"]) == "outgoing"]
        t = cc.read_table(folder, "meetings", ["meeting_id", "employee_id", "starts_at", "status"])
        self.meetings = [(r["employee_id"], cc.parse_date(r["starts_at"]))
                         for r in t.rows if r["employee_id"] in emp and cc.low(r["status"]) == "held"]


def in_month(d: dt.date | None, key: str) -> bool:
    return d is not None and f"{d.year:04d}-{d.month:02d}" == key


def funnel_counts(rows: Rows, eid: str, key: str) -> list[int]:
    """[deals_closed, reached_qualified, reached_negotiation, reached_proposal, proposals_won,
    deals_won] of the deals won or lost in the month, each at the furthest stage it reached
    (deals.stage)."""
    c = [0, 0, 0, 0, 0, 0]
    for e, status, stage, closed, _, _ in rows.deals:
        if e != eid or status not in ("won", "lost") or not in_month(closed, key):
            continue
        rank = STAGE_RANK.get(stage, -1)
        c[0] += 1
        c[1] += rank >= 1
        c[2] += rank >= 2
        c[3] += rank >= 3
        c[4] += status == "won" and rank >= 3
        c[5] += status == "won"
    return c


def rate(c: list[int], num: int, den: int) -> Fraction | None:
    return None if c[den] == 0 else F(c[num], c[den])


# ---------------------------------------------------------------------------------------------
# The view
# ---------------------------------------------------------------------------------------------


def parse_flags(path: Path | None) -> dict:
    th = dict(DEFAULT_FLAGS)
    if path is None:
        return th
    problems = []
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        key, sep, value = line.partition(":")
        key, value = key.strip(), value.strip().strip("\"'").strip()
        if not sep or key not in th:
            problems.append(f"{path}:{n}: unknown key {key!r}")
            continue
        try:
            if key in COUNT_KEYS:
                if not re.fullmatch(r"\d+", value):
                    raise ValueError
                th[key] = int(value)
            elif value.endswith("%"):
                th[key] = F(value[:-1].strip()) / 100
            else:
                th[key] = F(value)  # DECISION 6
        except (ValueError, ZeroDivisionError):
            problems.append(f"{path}:{n}: {key}: {value!r} is not a {'whole number' if key in COUNT_KEYS else 'share'}")
    if problems:
        raise Problem("\n".join(problems))
    return th


def scheme_lines(schemes: Path) -> dict[str, tuple[Fraction, Fraction, Fraction]]:
    """Per scheme of DIR: (review line, discuss line, curve threshold). crosscheck.py's reader
    refuses a scheme whose curve, metrics or KPIs are not a preset's (the KPIs scored here are
    the presets'), so the threshold is the presets' 80%; the review line is the higher of
    `review_below` (default 80%) and the threshold, the discuss line the higher of
    `discuss_above` (default 120%) and the review line (README, "review line")."""
    try:
        rules = cc.read_scheme_rules(schemes)
    except cc.BadInput as e:
        raise Problem("\n".join(cc.bounded(e.problems))) from None
    out = {}
    for sid, r in rules.items():
        text = r.path.read_text(encoding="utf-8-sig")

        def line(key: str, default: Fraction) -> Fraction:
            m = re.search(rf"^{key}:\s*([^#\n]*)", text, re.M)
            v = cc.parse_share(m.group(1)) if m else default
            if v is None:
                raise Problem(f"{r.path}: {key}: {cc.quote(m.group(1).strip())}: expected a share such as 80%")
            return v

        threshold = F(80, 100)
        review = max(line("review_below", F(80, 100)), threshold)
        out[sid] = (review, max(line("discuss_above", F(120, 100)), review), threshold)
    return out


def view(data: Path, schemes: Path, period: str, history: int, as_of: dt.date | None, th: dict) -> dict:
    p_start, p_end = month_of(period)
    if history < 0:
        raise Problem(f"--history must be 0 or more, got {history}")
    if as_of is not None and not p_start <= as_of <= p_end:
        raise Problem(f"--as-of {as_of} is not inside the period {period}")
    day = as_of or p_end
    wd_period = working_days(p_start, p_end)
    wd_elapsed = working_days(p_start, day)
    wd_remaining = wd_period - wd_elapsed
    hist = [shift(period, -k) for k in range(history, 0, -1)]
    months = hist + [period]

    with tempfile.TemporaryDirectory() as tmp:
        folder = data
        if as_of is not None:
            folder = Path(tmp) / "cut"
            cut_folder(data, as_of, folder)
        rows = Rows(folder)
        ex = cc.Export(folder)
    roster = sorted(rows.team)

    def project(v: Fraction | None) -> Fraction | None:
        if as_of is None or v is None:
            return v
        if wd_elapsed == 0:
            return None  # DECISION 9
        return v * wd_period / wd_elapsed

    flags: list[tuple] = []

    def flag(eid: str, team: str, code: str, subject: str, order: int = 0) -> None:
        flags.append((eid, FLAG_ORDER.index(code), team, order, subject, code))

    funnel = {eid: {m: funnel_counts(rows, eid, m) for m in months} for eid in roster}

    # activity per employee and month: (activity, employee_id, month) -> count
    counts: dict[tuple[str, str, str], int] = {}
    for act, dated in (("calls_outgoing", [(e, d) for e, d, _ in rows.calls]), ("emails_sent", rows.emails),
                       ("meetings_held", rows.meetings)):
        for e, d in dated:
            if d is not None:
                k = (act, e, f"{d.year:04d}-{d.month:02d}")
                counts[k] = counts.get(k, 0) + 1

    def activity(eid: str, key: str) -> dict[str, int]:
        return {act: counts.get((act, eid, key), 0) for act in ACTIVITIES}

    by_emp_calls: dict[str, list] = {eid: [] for eid in roster}
    for e, d, dur in rows.calls:
        by_emp_calls[e].append((d, dur))

    ps = cc.PeriodScores(ex, cc.Period(period))
    lines = scheme_lines(schemes)
    for eid in roster:
        team = rows.team[eid]
        e = ex.employees[eid]
        # ---- activity_drop
        acts = {m: activity(eid, m) for m in months}
        full_hist = []
        for m in hist:
            a, b = month_of(m)
            if employed_days(e, a, b) == (b - a).days + 1:  # DECISION 3: every calendar day
                full_hist.append(m)
        share = F(employed_days(e, p_start, p_end), (p_end - p_start).days + 1)
        for i, act in enumerate(ACTIVITIES):
            if not full_hist:
                break
            monthly = F(sum(acts[m][act] for m in full_hist), len(full_hist))
            # An activity averaging under activity_min a month is not watched (docs/team.md).
            if monthly < th["activity_min"]:
                continue
            avg = monthly * share
            value = project(F(acts[period][act]))
            if avg == 0 or value is None:
                continue
            if value < (1 - th["activity_drop"]) * avg:
                flag(eid, team, "activity_drop", act, i)
        # ---- conversion_drop
        cur = funnel[eid][period]
        pooled = [sum(funnel[eid][m][k] for m in hist) for k in range(6)]
        for i, (name, num, den) in enumerate(TRANSITIONS):
            if min(cur[den], pooled[den]) < max(th["conversion_min_deals"], 1):
                continue
            if rate(cur, num, den) < (1 - th["conversion_drop"]) * rate(pooled, num, den):
                flag(eid, team, "conversion_drop", name, i)
        # ---- average_deal_falling
        n = th["average_deal_months"]
        if history >= n and n >= 1:
            last = months[-(n + 1):]
            avgs = []
            for m in last:
                won = [amt for ee, status, _, closed, amt, _ in rows.deals
                       if ee == eid and status == "won" and in_month(closed, m)]
                avgs.append(F(sum(won), len(won)) if won else None)
            if all(a is not None for a in avgs) and all(avgs[k] < avgs[k - 1] for k in range(1, n + 1)):
                flag(eid, team, "average_deal_falling", "")
        # ---- short_calls (DECISION 4)
        calls = [dur for d, dur in by_emp_calls[eid] if in_month(d, period)]
        if calls and len(calls) >= th["short_calls_min"]:
            short = F(sum(1 for dur in calls if dur < th["short_call_seconds"]), len(calls))
            long_ = F(sum(1 for dur in calls if dur >= 120), len(calls))
            if short > th["short_calls_share"] or long_ < th["long_calls_share"]:
                flag(eid, team, "short_calls", "")
        # ---- KPIs (the shipped presets' only)
        sid = e["scheme"]
        if sid in lines:
            review, discuss, threshold = lines[sid]
            for i, r in enumerate(ps.score(eid, sid)):
                if r.kpi.observed or r.attainment is None:
                    continue  # DECISION 10
                att = r.attainment
                if as_of is not None and r.kpi.id in ADDITIVE:
                    att = project(att)
                    if att is None:
                        continue
                if att < review:
                    flag(eid, team, "below_threshold", r.kpi.id, i)
                if att > discuss:
                    flag(eid, team, "above_discuss", r.kpi.id, i)
                if as_of is not None and att < threshold:
                    flag(eid, team, "off_track", r.kpi.id, i)

    # ---- losses, per employee and per team
    losses: dict[str, dict[str, int]] = {eid: {} for eid in roster}
    for eid, status, _, closed, _, reason in rows.deals:
        if status == "lost" and in_month(closed, period):
            reason = reason or NO_REASON
            losses[eid][reason] = losses[eid].get(reason, 0) + 1
    teams = sorted(set(rows.team.values()))
    for team in teams:
        tl: dict[str, int] = {}
        for eid in roster:
            if rows.team[eid] == team:
                for reason, k in losses[eid].items():
                    tl[reason] = tl.get(reason, 0) + k
        total = sum(tl.values())
        if total < th["loss_reason_min"]:
            continue
        for reason in sorted(tl):
            if F(tl[reason], total) > th["loss_reason_share"]:
                flag("", team, "loss_reason_dominant", reason)

    # ---- team funnel and bottleneck
    team_funnel = {}
    bottleneck = {}
    for team in teams:
        members = [eid for eid in roster if rows.team[eid] == team]
        c = [sum(funnel[eid][period][k] for eid in members) for k in range(6)]
        team_funnel[team] = c
        best = None  # (rate ÷ low, index, name); DECISION 11
        for i, (name, num, den) in enumerate(TRANSITIONS[:4]):
            r = rate(c, num, den)
            if r is None:
                continue
            key = (r / RANGE_LOW[name], i)
            if best is None or key < best[:2]:
                best = (*key, name, num, den)
        if best is None:
            bottleneck[team] = None
            continue
        _, _, name, num, den = best
        learn = ""
        top = None
        for eid in members:  # sorted by id: ties keep the lower id
            ce = funnel[eid][period]
            if ce[den] < max(th["conversion_min_deals"], 1):
                continue
            r = rate(ce, num, den)
            if top is None or r > top:
                top, learn = r, eid
        bottleneck[team] = [name, learn]

    flags.sort(key=lambda f: (f[0], f[1], f[2], f[3], f[4]))
    return {
        "flags": [[eid, team, code, subject] for eid, _, team, _, subject, code in flags],
        "funnel": funnel,
        "team_funnel": team_funnel,
        "bottleneck": bottleneck,
        "losses": losses,
        "working_days": [wd_period, wd_elapsed, wd_remaining],
    }


def dumps(out: dict) -> str:
    """Two-space indented JSON with sorted keys, each list of plain values on one line."""
    text = json.dumps(out, ensure_ascii=False, indent=2, sort_keys=True)
    flat = re.compile(r"\[\n\s*((?:\"[^\"\n]*\"|-?\d+|null)(?:,\n\s*(?:\"[^\"\n]*\"|-?\d+|null))*)\n\s*\]")
    return flat.sub(lambda m: "[" + re.sub(r",\n\s*", ", ", m.group(1)) + "]", text) + "\n"


# ---------------------------------------------------------------------------------------------
# Self-test: hand-made histories
# ---------------------------------------------------------------------------------------------

HEADERS = {
    "employees": "employee_id,name,scheme,target_bonus,team,hired_on,left_on",
    "plans": "employee_id,period,metric,target",
    "deals": "deal_id,employee_id,created_on,closed_on,status,stage,amount,new_client,lost_reason,client_id",
    "calls": "call_id,employee_id,started_at,direction,duration_sec,client_id",
    "emails": "email_id,employee_id,sent_at,direction,client_id",
    "meetings": "meeting_id,employee_id,starts_at,status,client_id",
    "clients": "client_id,employee_id,since,churned_on",
    "nps": "response_id,employee_id,answered_on,score",
}
MONTHS = ["2026-07", "2026-08", "2026-09", "2026-10"]


class Case:
    """A tiny export: every table, header only unless rows are added."""

    def __init__(self, name: str, args: list[str], flags_yaml: str | None = None):
        self.name = name
        self.args = args
        self.flags_yaml = flags_yaml
        self.tables: dict[str, list[str]] = {t: [] for t in HEADERS}
        self.n = 0

    def id(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n:05d}"

    def emp(self, eid, scheme="b2b-long-cycle", team="North", hired="2020-01-06", left=""):
        self.tables["employees"].append(f"{eid},Person {eid},{scheme},100000.00,{team},{hired},{left}")

    def plan(self, eid, month, target, metric="revenue"):
        self.tables["plans"].append(f"{eid},{month},{metric},{target}")

    def deal(self, eid, closed, status, stage, amount=100000, reason="", created="2026-06-01", new="yes"):
        self.tables["deals"].append(f"{self.id('D')},{eid},{created},{closed},{status},{stage},{amount},"
                                    f"{new},{reason},")

    def days(self, month: str, count: int, until: int | None = None) -> list[dt.date]:
        """`count` dates spread over the working days of the month (up to day `until`)."""
        a, b = month_of(month)
        if until is not None:
            b = a.replace(day=until)
        wds = [a + dt.timedelta(days=k) for k in range((b - a).days + 1)]
        wds = [d for d in wds if d.weekday() < 5]
        return [wds[k % len(wds)] for k in range(count)]

    def calls(self, eid, month, count, dur=150, until=None):
        for k, d in enumerate(self.days(month, count, until)):
            t = 9 * 3600 + (k * 61) % 30000
            self.tables["calls"].append(f"{self.id('K')},{eid},{d} {t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d},"
                                        f"outgoing,{dur},")

    def emails(self, eid, month, count, until=None):
        for d in self.days(month, count, until):
            self.tables["emails"].append(f"{self.id('M')},{eid},{d} 10:00:00,outgoing,")

    def meetings(self, eid, month, count, until=None):
        for k, d in enumerate(self.days(month, count, until)):
            self.tables["meetings"].append(f"{self.id('G')},{eid},{d} {9 + k % 8:02d}:00:00,held,")

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for t, head in HEADERS.items():
            (folder / f"{t}.csv").write_text("\n".join([head, *self.tables[t]]) + "\n", encoding="utf-8")
        if self.flags_yaml is not None:
            (folder / "flags.yaml").write_text(self.flags_yaml, encoding="utf-8")
        (folder / "args").write_text(" ".join(self.args) + "\n", encoding="utf-8")

    def run(self, folder: Path) -> dict:
        a = self.args
        period = a[a.index("--period") + 1]
        history = int(a[a.index("--history") + 1]) if "--history" in a else 3
        as_of = dt.date.fromisoformat(a[a.index("--as-of") + 1]) if "--as-of" in a else None
        th = parse_flags(folder / "flags.yaml" if self.flags_yaml is not None else None)
        return view(folder, cc.SCHEMES_DIR, period, history, as_of, th)


def steady_b2b(c: Case, eid: str, team: str = "North", calls: int = 20, oct_calls: int | None = None,
               oct_emails: int = 20, oct_meetings: int = 8) -> None:
    """A b2b seller with `calls` calls, 20 emails and 8 meetings a month in July-September."""
    c.emp(eid, team=team)
    for m in MONTHS:
        c.plan(eid, m, "1000000.00")
        last = m == "2026-10"
        c.calls(eid, m, (calls if oct_calls is None else oct_calls) if last else calls)
        c.emails(eid, m, oct_emails if last else 20)
        c.meetings(eid, m, oct_meetings if last else 8)


def cases() -> list[tuple[Case, callable]]:
    """Each case with the function that checks its output against the hand counts."""
    out = []
    P = ["--period", "2026-10"]

    # ---- activity: exactly 30% down does not fire, 31% does; history months worked in part
    # are left out; a part-time period scales the average.
    c = Case("activity_drop", P)
    steady_b2b(c, "E01", calls=100, oct_calls=70)  # 100 → 70: exactly 30% down, silent
    steady_b2b(c, "E02", calls=100, oct_calls=69, oct_emails=13)  # 100 → 69 (31%), 20 → 13 (35%): fire
    steady_b2b(c, "E03", oct_meetings=5)  # 8 → 5 (37.5%): fires on meetings only
    # E04 joined on 2026-08-17: July and August are left out; September (20 calls) is the
    # average; October 13 calls (35% down): fires.
    c.emp("E04", hired="2026-08-17")
    c.calls("E04", "2026-08", 60)  # worked in part: ignored, or the average would be 40
    c.calls("E04", "2026-09", 20)
    c.calls("E04", "2026-10", 13)
    # E05 leaves on 2026-10-15: 15 of 31 days employed; the average 20 is scaled to 300/31
    # = 9.68, 70% of it is 6.77: 7 calls are silent, E06 (the same with 6) fires.
    for eid, n in (("E05", 7), ("E06", 6)):
        c.emp(eid, left="2026-10-15")
        for m in MONTHS[:3]:
            c.calls(eid, m, 20)
        c.calls(eid, "2026-10", n, until=15)
    # E07 had no activity in the history: the average is 0, nothing evaluated.
    c.emp("E07")
    c.calls("E07", "2026-10", 3)
    # E08 averages 4 calls a month (under activity_min 5): 4 → 0 is not watched. E09 averages
    # exactly 5: 5 → 3 (40% down) fires.
    for eid, n in (("E08", 4), ("E09", 5)):
        c.emp(eid)
        for m in MONTHS[:3]:
            c.calls(eid, m, n)
    c.calls("E09", "2026-10", 3)

    def check_activity(o, ok):
        got = [f for f in o["flags"] if f[2] == "activity_drop"]
        ok(got == [["E02", "North", "activity_drop", "calls_outgoing"],
                   ["E02", "North", "activity_drop", "emails_sent"],
                   ["E03", "North", "activity_drop", "meetings_held"],
                   ["E04", "North", "activity_drop", "calls_outgoing"],
                   ["E06", "North", "activity_drop", "calls_outgoing"],
                   ["E09", "North", "activity_drop", "calls_outgoing"]], got)
        ok(o["working_days"] == [22, 22, 0], o["working_days"])  # October 2026: 22 weekdays
    out.append((c, check_activity))

    # ---- conversion: a transition with 4 deals is not evaluated; 5 deals are.
    c = Case("conversion_drop", P)
    # E01, history (July-September): 30 closed deals, all at proposal, 12 won (40%).
    # October: 5 closed at proposal, 1 won (20% < 0.7 × 40% = 28%): proposal_to_won and
    # win_rate fire; lead_to_qualified etc. stay 100%.
    c.emp("E01")
    for m in MONTHS[:3]:
        for k in range(10):
            c.deal("E01", f"{m}-1{k % 9}", "won" if k < 4 else "lost", "proposal", reason="price")
    for k in range(5):
        c.deal("E01", f"2026-10-1{k}", "won" if k < 1 else "lost", "proposal", reason="competitor")
    # E02: the same history, October only 4 closed (0 won): not evaluated.
    c.emp("E02")
    for m in MONTHS[:3]:
        for k in range(10):
            c.deal("E02", f"{m}-1{k % 9}", "won" if k < 4 else "lost", "proposal", reason="price")
    for k in range(4):
        c.deal("E02", f"2026-10-1{k}", "lost", "proposal", reason="timing")
    # E03: history only 4 closed deals (2 won), October 5 lost: not evaluated (pooled < 5).
    c.emp("E03")
    for k in range(4):
        c.deal("E03", "2026-09-10", "won" if k < 2 else "lost", "proposal", reason="silence")
    for k in range(5):
        c.deal("E03", "2026-10-10", "lost", "proposal", reason="silence")
    # E04: history 10 closed, 10 reached qualified, 5 reached negotiation (50%); October 10
    # closed, all qualified, 3 reached negotiation (30% < 35%): qualified_to_negotiation fires.
    # negotiation_to_proposal: history 5 of 5 at proposal (100%), October 3 → denominator 3 < 5,
    # not evaluated. win_rate: history 0 won; never fires.
    c.emp("E04")
    for k in range(10):
        c.deal("E04", "2026-08-12", "lost", "proposal" if k < 5 else "qualified", reason="no_need")
    for k in range(10):
        c.deal("E04", "2026-10-12", "lost", "proposal" if k < 3 else "qualified", reason="no_need")
    # E05: exactly 30% down: history 10 of 10 qualified...: lead_to_qualified 10/10 = 100%;
    # October 10 closed, 7 qualified (70% = 0.7 × 100%): silent.
    c.emp("E05")
    for k in range(10):
        c.deal("E05", "2026-07-20", "lost", "qualified", reason="price")
    for k in range(10):
        c.deal("E05", "2026-10-20", "lost", "qualified" if k < 7 else "lead", reason="price")

    def check_conversion(o, ok):
        got = [f for f in o["flags"] if f[2] == "conversion_drop"]
        ok(got == [["E01", "North", "conversion_drop", "proposal_to_won"],
                   ["E01", "North", "conversion_drop", "win_rate"],
                   ["E04", "North", "conversion_drop", "qualified_to_negotiation"]], got)
        # Funnel hand counts: [closed, qualified, negotiation, proposal, won]
        ok(o["funnel"]["E01"]["2026-10"] == [5, 5, 5, 5, 1, 1], o["funnel"]["E01"])
        ok(o["funnel"]["E01"]["2026-08"] == [10, 10, 10, 10, 4, 4], o["funnel"]["E01"])
        ok(o["funnel"]["E04"]["2026-08"] == [10, 10, 5, 5, 0, 0], o["funnel"]["E04"])
        ok(o["funnel"]["E05"]["2026-10"] == [10, 7, 0, 0, 0, 0], o["funnel"]["E05"])
        ok(o["funnel"]["E03"]["2026-07"] == [0, 0, 0, 0, 0, 0], o["funnel"]["E03"])
        # Team North in October: closed 5+4+5+10+10 = 34; qualified 5+4+5+10+7 = 31;
        # negotiation 5+4+5+3+0 = 17; proposal 17; won 1.
        ok(o["team_funnel"] == {"North": [34, 31, 17, 17, 1, 1]}, o["team_funnel"])
        # Rates ÷ range low: l→q 31/34 ÷ 0.3 = 3.04; q→n 17/31 ÷ 0.5 = 1.10; n→p 17/17 ÷ 0.4 =
        # 2.5; p→w 1/17 ÷ 0.2 = 0.29: the bottleneck is proposal_to_won. With ≥ 5 proposals:
        # E01 1/5, E03 0/5 (E02 has 4, E04 3): E01 is the one to learn from.
        ok(o["bottleneck"] == {"North": ["proposal_to_won", "E01"]}, o["bottleneck"])
        # Losses of October, by hand: E01 4 competitor; E02 4 timing; E03 5 silence;
        # E04 10 no_need; E05 10 price.
        ok(o["losses"] == {"E01": {"competitor": 4}, "E02": {"timing": 4}, "E03": {"silence": 5},
                           "E04": {"no_need": 10}, "E05": {"price": 10}}, o["losses"])
        # Team North lost 33 deals; price 10/33 = 30%, the largest: no loss_reason_dominant.
        ok(not [f for f in o["flags"] if f[2] == "loss_reason_dominant"], o["flags"])
    out.append((c, check_conversion))

    # ---- average deal: falling in each of the last 3 months against the month before.
    c = Case("average_deal_falling", P)
    c.emp("E01")  # 400 → 300 → 200 → 100 thousand: fires
    c.emp("E02")  # 400 → 300 → 300 → 100: equal is not lower, silent
    c.emp("E03")  # no won deal in July: not evaluated
    c.emp("E04")  # falling, each month two deals: (500+300)/2=400, 350, 250, 150: fires
    for m, a1, a2, a3 in zip(MONTHS, (400, 300, 200, 100), (400, 300, 300, 100), (0, 300, 200, 100)):
        c.deal("E01", f"{m}-15", "won", "proposal", a1 * 1000)
        c.deal("E02", f"{m}-15", "won", "proposal", a2 * 1000)
        if a3:
            c.deal("E03", f"{m}-15", "won", "proposal", a3 * 1000)
    for m, (x, y) in zip(MONTHS, ((500, 300), (400, 300), (300, 200), (200, 100))):
        c.deal("E04", f"{m}-05", "won", "negotiation", x * 1000)
        c.deal("E04", f"{m}-06", "won", "proposal", y * 1000)
    # The same, with --history 2: fewer than average_deal_months, so nothing is evaluated.
    c2 = Case("average_deal_short_history", P + ["--history", "2"])
    c2.tables = c.tables

    def check_average(o, ok):
        got = [f for f in o["flags"] if f[2] == "average_deal_falling"]
        ok(got == [["E01", "North", "average_deal_falling", ""], ["E04", "North", "average_deal_falling", ""]], got)
        ok(sorted(o["funnel"]["E04"]) == MONTHS and o["funnel"]["E04"]["2026-07"] == [2, 2, 2, 1, 1, 2],
           o["funnel"]["E04"])

    def check_short_history(o, ok):
        ok(not [f for f in o["flags"] if f[2] == "average_deal_falling"], o["flags"])
        ok(sorted(o["funnel"]["E01"]) == MONTHS[1:], o["funnel"]["E01"])
    out.append((c, check_average))
    out.append((c2, check_short_history))

    # ---- short calls and loss reasons, in two teams; a custom flags file.
    c = Case("short_calls_losses", P)
    for eid, team in (("E01", "North"), ("E02", "North"), ("E03", "North"), ("E04", "South"),
                      ("E05", "South"), ("E06", "")):
        c.emp(eid, team=team)
    # E01: 50 calls, 26 of 10 s (52% > 50%), 24 of 150 s: fires.
    c.calls("E01", "2026-10", 26, dur=10)
    c.calls("E01", "2026-10", 24, dur=150)
    # E02: 50 calls, 25 of 29 s (exactly 50%, not above), 25 of 120 s (50% of 2+ minutes): silent.
    c.calls("E02", "2026-10", 25, dur=29)
    c.calls("E02", "2026-10", 25, dur=120)
    # E03: 60 calls of 60 s: none short, none of 2+ minutes (0% < 20%): fires.
    c.calls("E03", "2026-10", 60, dur=60)
    # E04: 49 calls of 5 s: fewer than 50, not evaluated.
    c.calls("E04", "2026-10", 49, dur=5)
    # E05: 100 calls, 80 of 100 s and 20 of 120 s: 20% of 2+ minutes, not below 20%: silent.
    c.calls("E05", "2026-10", 80, dur=100)
    c.calls("E05", "2026-10", 20, dur=120)
    # Losses in October. North: E01 3 price, E02 2 price + 1 competitor, E03 1 "" (no reason):
    # 7 lost, price 5/7 = 71% > 40%: loss_reason_dominant price. South: E04 2 price,
    # E05 2 competitor: 4 lost < 5: not evaluated. (no team): E06 5 lost, 2 timing, 2 silence,
    # 1 price: timing 40% is not above 40%: silent. A July loss of E04 does not count.
    for _ in range(3):
        c.deal("E01", "2026-10-05", "lost", "qualified", reason="price")
    c.deal("E02", "2026-10-05", "lost", "lead", reason="price")
    c.deal("E02", "2026-10-31", "lost", "negotiation", reason="price")
    c.deal("E02", "2026-10-06", "lost", "lead", reason="competitor")
    c.deal("E03", "2026-10-07", "lost", "lead", reason="")
    c.deal("E04", "2026-10-07", "lost", "lead", reason="price")
    c.deal("E04", "2026-10-08", "lost", "lead", reason="price")
    c.deal("E04", "2026-07-08", "lost", "lead", reason="price")
    c.deal("E04", "2026-11-01", "lost", "lead", reason="price")  # after the period
    c.deal("E05", "2026-10-09", "lost", "proposal", reason="competitor")
    c.deal("E05", "2026-10-09", "lost", "proposal", reason="competitor")
    for r in ("timing", "timing", "silence", "silence", "price"):
        c.deal("E06", "2026-10-20", "lost", "negotiation", reason=r)

    def check_short(o, ok):
        got = [f for f in o["flags"] if f[2] in ("short_calls", "loss_reason_dominant")]
        ok(got == [["", "North", "loss_reason_dominant", "price"],
                   ["E01", "North", "short_calls", ""],
                   ["E03", "North", "short_calls", ""]], got)
        ok(o["losses"]["E02"] == {"competitor": 1, "price": 2}, o["losses"]["E02"])
        ok(o["losses"]["E03"] == {"(none)": 1}, o["losses"]["E03"])
        ok(o["losses"]["E04"] == {"price": 2}, o["losses"]["E04"])
        # South: E04 2 lost at lead, E05 2 lost at proposal (which counts as qualified and
        # negotiation too); none won.
        ok(o["team_funnel"]["South"] == [4, 2, 2, 2, 0, 0], o["team_funnel"])
        ok(o["team_funnel"]["(no team)"] == [5, 5, 5, 0, 0, 0], o["team_funnel"])
        # North: closed 7, qualified 3 (E01) + 1 (E02's negotiation) = 4, negotiation 1,
        # proposal 0, won 0. Rates ÷ low: l→q 4/7 ÷ 0.3 = 1.90; q→n 1/4 ÷ 0.5 = 0.5;
        # n→p 0/1 = 0; p→w no data: bottleneck negotiation_to_proposal; nobody has 5 deals
        # at negotiation: no one to learn from.
        ok(o["team_funnel"]["North"] == [7, 4, 1, 0, 0, 0], o["team_funnel"])
        ok(o["bottleneck"]["North"] == ["negotiation_to_proposal", ""], o["bottleneck"])
        # South: l→q 2/4 ÷ 0.3 = 1.67; q→n 2/2 ÷ 0.5 = 2; n→p 2/2 ÷ 0.4 = 2.5; p→w 0/2 = 0:
        # proposal_to_won; E05 has 2 proposals, fewer than 5: no one to learn from.
        ok(o["bottleneck"]["South"] == ["proposal_to_won", ""], o["bottleneck"])
    out.append((c, check_short))

    # The same history with a flags file: loss_reason_share 30% and loss_reason_min 4 raise
    # South (price 2/4 = 50%, competitor 50%) and (no team) (timing 40%, silence 40%);
    # short_calls_min 60 leaves only E03 (60 calls) and E05 (100 calls); long_calls_share 25%
    # now catches E05 (20% < 25%).
    c2 = Case("flags_file", P, flags_yaml="# team thresholds\nloss_reason_share: 30%\nloss_reason_min: 4\n"
                                           "short_calls_min: 60   # calls\nlong_calls_share: 0.25\n")
    c2.tables = c.tables

    def check_flags_file(o, ok):
        got = [f for f in o["flags"] if f[2] in ("short_calls", "loss_reason_dominant")]
        ok(got == [["", "(no team)", "loss_reason_dominant", "silence"],
                   ["", "(no team)", "loss_reason_dominant", "timing"],
                   ["", "North", "loss_reason_dominant", "price"],
                   ["", "South", "loss_reason_dominant", "competitor"],
                   ["", "South", "loss_reason_dominant", "price"],
                   ["E03", "North", "short_calls", ""],
                   ["E05", "South", "short_calls", ""]], got)
    out.append((c, check_short))
    out.append((c2, check_flags_file))

    # ---- KPIs at the period end and mid-month (the forecast on a period cut at a date).
    # Transactional, E01: plan 2 000 000; October up to the 16th: 8 deals won of 150 000
    # (revenue 1 200 000), 330 calls of 2+ minutes; deals 8 more won after the 16th.
    # At the period end: revenue 2 400 000 / 2 000 000 = 120% (not above 120%); deals 16/30 =
    # 53% below; calls 330/600 = 55% below; average 150 000 / 275 000 = 54.5% below.
    # As of 2026-10-16 (Friday): working days in October 22, elapsed 12 (1-2, 5-9, 12-16),
    # remaining 10. Projected: revenue 1 200 000 × 22/12 = 2 200 000: 110%; deals 8 × 22/12 =
    # 14.67: 48.9% below and off track; calls 330 × 22/12 = 605: 100.8%; average as it stands
    # 54.5%: below and off track.
    c = Case("forecast_as_of", P + ["--as-of", "2026-10-16"])
    c.emp("E01", scheme="transactional", team="West")
    c.plan("E01", "2026-10", "2000000.00")
    for k in range(8):
        c.deal("E01", f"2026-10-{k + 5:02d}", "won", "proposal", 150000, created="2026-10-01")
    for k in range(8):
        c.deal("E01", f"2026-10-{k + 19:02d}", "won", "proposal", 150000, created="2026-10-02")
    c.deal("E01", "", "open", "negotiation", 990000, created="2026-10-20")  # created after the 16th
    c.calls("E01", "2026-10", 330, dur=200, until=16)
    # B2B, E02: plan 1 000 000, pipeline target 3 000 000. By the 16th: won 500 000 (50%:
    # projected 91.7%), meetings 4 of 8 (projected 7.33: 91.7%); pipeline: a deal created in
    # September and lost on the 20th is open on the 16th: 1 000 000, plus one of 300 000 open
    # since August, plus the deal created on the 15th and won on the 26th (700 000): 2 000 000
    # of 3 000 000 = 66.7%, as it stands (decision 2; projected it would be 122%, above
    # discuss): below and off track;
    # proposal_to_deal: 1 won of 2 proposals by the 16th = 50%, / 25% = 200%: above discuss.
    # At the period end: revenue 500 000 + 700 000 (won on the 26th) = 120%, not above;
    # pipeline 300 000 of 3 000 000 = 10%: below; meetings 4 + 4 = 8: 100%; proposal_to_deal:
    # 2 won of 4 proposals = 50%: 200%, above.
    c.emp("E02", scheme="b2b-long-cycle", team="West")
    c.plan("E02", "2026-10", "1000000.00")
    c.deal("E02", "2026-10-07", "won", "proposal", 500000, created="2026-09-01")
    c.deal("E02", "2026-10-08", "lost", "proposal", 100000, reason="price", created="2026-09-01")
    c.deal("E02", "2026-10-20", "lost", "proposal", 1000000, reason="price", created="2026-09-02")
    c.deal("E02", "2026-10-26", "won", "proposal", 700000, created="2026-10-15")
    c.deal("E02", "", "open", "qualified", 300000, created="2026-08-03")
    c.meetings("E02", "2026-10", 4, until=16)
    for k, d in enumerate(("2026-10-19", "2026-10-21", "2026-10-27", "2026-10-29")):
        c.tables["meetings"].append(f"G9{k},E02,{d} 11:00:00,held,")
    # Account manager, E03: a book of 10 clients since 2025; 3 churn on 2026-10-20. Retention
    # as of the 16th 10/10 = 100% (111% of 90%), at the period end 7/10 = 70% (77.8%: below).
    # Every client gets an email on the 5th: coverage 100% both times. No NPS answers, no upsell
    # plan: no attainment, no flag. A client since the 20th is in neither book (since after the
    # period start) and not in the cut at all.
    c.emp("E03", scheme="account-manager", team="West")
    for k in range(10):
        c.tables["clients"].append(f"C{k:02d},E03,2025-03-0{k % 9 + 1},{'2026-10-20' if k < 3 else ''}")
        c.tables["emails"].append(f"M9{k:02d},E03,2026-10-05 10:{k:02d}:00,outgoing,C{k:02d}")
    c.tables["clients"].append("C10,E03,2026-10-20,")
    c2 = Case("forecast_period_end", P)
    c2.tables = c.tables

    def check_as_of(o, ok):
        ok(o["working_days"] == [22, 12, 10], o["working_days"])
        got = [f for f in o["flags"] if f[2] in ("below_threshold", "above_discuss", "off_track")]
        ok(got == [["E01", "West", "below_threshold", "deals"],
                   ["E01", "West", "below_threshold", "average_deal"],
                   ["E01", "West", "off_track", "deals"],
                   ["E01", "West", "off_track", "average_deal"],
                   ["E02", "West", "below_threshold", "pipeline"],
                   ["E02", "West", "above_discuss", "proposal_to_deal"],
                   ["E02", "West", "off_track", "pipeline"]], got)
        ok(not [f for f in o["flags"] if f[0] == "E03"], o["flags"])
        # Funnel as of the 16th: E02 closed 2 (both proposals), won 1; E01 8 won at proposal.
        ok(o["funnel"]["E02"]["2026-10"] == [2, 2, 2, 2, 1, 1], o["funnel"]["E02"])
        ok(o["funnel"]["E01"]["2026-10"] == [8, 8, 8, 8, 8, 8], o["funnel"]["E01"])
        ok(o["losses"]["E02"] == {"price": 1}, o["losses"])

    def check_end(o, ok):
        ok(o["working_days"] == [22, 22, 0], o["working_days"])
        got = [f for f in o["flags"] if f[2] in ("below_threshold", "above_discuss", "off_track")]
        ok(got == [["E01", "West", "below_threshold", "deals"],
                   ["E01", "West", "below_threshold", "calls"],
                   ["E01", "West", "below_threshold", "average_deal"],
                   ["E02", "West", "below_threshold", "pipeline"],
                   ["E02", "West", "above_discuss", "proposal_to_deal"],
                   ["E03", "West", "below_threshold", "retention"]], got)
        ok(o["funnel"]["E02"]["2026-10"] == [4, 4, 4, 4, 2, 2], o["funnel"]["E02"])
        ok(o["losses"]["E02"] == {"price": 2}, o["losses"])
    out.append((c, check_as_of))
    out.append((c2, check_end))

    # ---- the quiet history: everyone steady, no flag at all.
    c = Case("quiet", P)
    for eid in ("E01", "E02"):
        steady_b2b(c, eid, team="East")
        for m in MONTHS:
            # revenue 1 000 000 of 1 000 000 (100%), pipeline 3 000 000 (100%), 8 meetings
            # (100%), 1 of 4 proposals won (25%: 100%)
            c.deal(eid, f"{m}-10", "won", "proposal", 1000000, created=f"{m}-01")
            for r in (("timing", "price", "competitor") if eid == "E01" else ("silence", "no_need", "timing")):
                c.deal(eid, f"{m}-11", "lost", "proposal", 10000, reason=r, created=f"{m}-01")
        c.deal(eid, "", "open", "negotiation", 3000000, created="2026-06-01")

    def check_quiet(o, ok):
        ok(o["flags"] == [], o["flags"])
        # East lost 6 in October, timing 2 of them (33%): no dominant reason.
        ok(o["losses"]["E01"] == {"competitor": 1, "price": 1, "timing": 1}, o["losses"])
        ok(o["team_funnel"] == {"East": [8, 8, 8, 8, 2, 2]}, o["team_funnel"])
        # l→q 100% ÷ 0.3, q→n 100% ÷ 0.5, n→p 100% ÷ 0.4, p→w 25% ÷ 0.2 = 1.25: proposal_to_won;
        # both have 4 proposals, fewer than 5: no one to learn from.
        ok(o["bottleneck"] == {"East": ["proposal_to_won", ""]}, o["bottleneck"])
    out.append((c, check_quiet))
    return out


def self_test(fixtures: Path | None) -> int:
    checks = 0

    def ok(cond: bool, got) -> None:
        nonlocal checks
        if not cond:
            where = case.name if case is not None else "self-test"
            raise AssertionError(f"{where}: got {got!r}")
        checks += 1

    # Working days counted by hand: October 2026 starts on a Thursday: 1-2, 5-9, 12-16, 19-23,
    # 26-30 = 22; to the 16th: 12. September 2026: 22. February 2026: 20. A Sunday as-of day
    # (2026-11-01) has none elapsed.
    ok(working_days(dt.date(2026, 10, 1), dt.date(2026, 10, 31)) == 22, "oct")
    ok(working_days(dt.date(2026, 10, 1), dt.date(2026, 10, 16)) == 12, "oct 16")
    ok(working_days(dt.date(2026, 9, 1), dt.date(2026, 9, 30)) == 22, "sep")
    ok(working_days(dt.date(2026, 2, 1), dt.date(2026, 2, 28)) == 20, "feb")
    ok(working_days(dt.date(2026, 11, 1), dt.date(2026, 11, 1)) == 0, "sunday")
    ok(shift("2026-01", -1) == "2025-12" and shift("2026-10", -3) == "2026-07", "shift")

    case = None

    def refused(fn, needle: str) -> None:
        try:
            fn()
        except Problem as e:
            ok(needle in str(e), str(e))
            return
        ok(False, f"not refused: {needle}")

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "bad.yaml").write_text("activity_drop: 25%\nactivity_dorp: 30%\nshort_calls_min: 5.5\n"
                                    "conversion_drop: lots\n", encoding="utf-8")
        refused(lambda: parse_flags(t / "bad.yaml"), "bad.yaml:2: unknown key 'activity_dorp'")
        refused(lambda: parse_flags(t / "bad.yaml"), "bad.yaml:3: short_calls_min: '5.5' is not a whole number")
        refused(lambda: parse_flags(t / "bad.yaml"), "bad.yaml:4: conversion_drop: 'lots' is not a share")
        (t / "good.yaml").write_text("activity_drop: '25 %'  # quoted\nlong_calls_share: 0.1\n", encoding="utf-8")
        th = parse_flags(t / "good.yaml")
        ok(th["activity_drop"] == F(1, 4) and th["long_calls_share"] == F(1, 10)
           and th["short_calls_min"] == 50, th)
        empty = t / "empty"
        Case("empty", []).write(empty)
        refused(lambda: view(empty, cc.SCHEMES_DIR, "2026-10", 3, dt.date(2026, 11, 1), DEFAULT_FLAGS),
                "--as-of 2026-11-01 is not inside the period 2026-10")
        refused(lambda: view(empty, cc.SCHEMES_DIR, "2026-13", 3, None, DEFAULT_FLAGS), "YYYY-MM")
        own = t / "own-schemes"
        own.mkdir()
        (own / "transactional.yaml").write_text((cc.SCHEMES_DIR / "transactional.yaml").read_text(encoding="utf-8")
                                                .replace("target: 600", "target: 500"), encoding="utf-8")
        refused(lambda: view(empty, own, "2026-10", 3, None, DEFAULT_FLAGS), "`kpis` differs from the preset")
        (own / "transactional.yaml").write_text((cc.SCHEMES_DIR / "transactional.yaml").read_text(encoding="utf-8")
                                                + "review_below: 90%\ndiscuss_above: 110%\n", encoding="utf-8")
        ok(scheme_lines(own)["transactional"] == (F(9, 10), F(11, 10), F(4, 5)), scheme_lines(own))
        for case, check in cases():
            folder = t / case.name
            case.write(folder)
            text = dumps(case.run(folder))
            check(json.loads(text), ok)
            # The committed copy (tests/fixtures/team/<case>/) must be this case, byte for byte.
            committed = FIXTURES / case.name
            if fixtures is None and committed.exists():
                for f in sorted(folder.iterdir()):
                    ok((committed / f.name).read_bytes() == f.read_bytes(), f"{committed / f.name} is stale")
                ok((committed / "expected.json").read_text(encoding="utf-8") == text,
                   f"{committed}/expected.json is stale: rerun with --write-fixtures tests/fixtures/team")
            if fixtures is not None:
                dst = fixtures / case.name
                if dst.exists():
                    shutil.rmtree(dst)
                case.write(dst)
                (dst / "expected.json").write_text(dumps(case.run(dst)), encoding="utf-8")

    # The team sample (samples/2026-10-team/, generate_samples --team-signals): the October
    # export plus two trends, in which every flag has someone who raises it and, at the period
    # end, some people raise none.
    team, csv_ = SAMPLES / "2026-10-team", SAMPLES / "2026-10-csv"
    if team.exists():
        case = None
        for name in ("employees", "plans", "emails", "meetings", "clients", "nps"):
            ok((team / f"{name}.csv").read_bytes() == (csv_ / f"{name}.csv").read_bytes(), f"{name}.csv differs")
        end = view(team, cc.SCHEMES_DIR, "2026-10", 3, None, DEFAULT_FLAGS)
        mid = view(team, cc.SCHEMES_DIR, "2026-10", 3, dt.date(2026, 10, 16), DEFAULT_FLAGS)
        for code in FLAG_ORDER:
            ok(any(f[2] == code for f in (mid if code == "off_track" else end)["flags"]), f"nobody raises {code}")
        ok(["", "Astana", "loss_reason_dominant", "price"] in end["flags"], end["flags"])
        ok(["E124", "Almaty", "short_calls", ""] in end["flags"], end["flags"])
        ok(["E102", "Astana", "conversion_drop", "proposal_to_won"] in end["flags"], end["flags"])
        ok(["E108", "Almaty", "average_deal_falling", ""] in end["flags"], end["flags"])
        ok(["E110", "Almaty", "above_discuss", "revenue"] in end["flags"], end["flags"])
        quiet = sorted(set(end["funnel"]) - {f[0] for f in end["flags"]})
        ok(quiet == ["E101", "E104", "E111", "E113", "E115", "E120", "E127", "E128", "E129", "E130"], quiet)
        ok(mid["working_days"] == [22, 12, 10], mid["working_days"])
    print(f"{checks} checks passed")
    return 0


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

USAGE = """usage: crosscheck_team.py --data CSV_FOLDER --schemes DIR --period YYYY-MM [--history N]
                          [--as-of YYYY-MM-DD] [--flags FLAGS.yaml]
       crosscheck_team.py --self-test [--write-fixtures DIR]"""


def main(argv: list[str]) -> int:
    opts: dict[str, str] = {}
    i = 1
    while i < len(argv):
        a = argv[i]
        if a == "--self-test":
            opts[a] = ""
            i += 1
            continue
        if a not in ("--data", "--schemes", "--period", "--history", "--as-of", "--flags", "--write-fixtures") \
                or i + 1 >= len(argv):
            print(USAGE, file=sys.stderr)
            return 2
        opts[a] = argv[i + 1]
        i += 2
    if "--self-test" in opts:
        fx = opts.get("--write-fixtures")
        return self_test(Path(fx) if fx else None)
    if not {"--data", "--period"} <= set(opts):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        history = int(opts.get("--history", "3"))
        as_of = dt.date.fromisoformat(opts["--as-of"]) if "--as-of" in opts else None
        th = parse_flags(Path(opts["--flags"]) if "--flags" in opts else None)
        out = view(Path(opts["--data"]), Path(opts.get("--schemes", str(cc.SCHEMES_DIR))), opts["--period"],
                   history, as_of, th)
    except (Problem, ValueError) as e:
        print(f"crosscheck_team: {e}", file=sys.stderr)
        return 2
    sys.stdout.write(dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
