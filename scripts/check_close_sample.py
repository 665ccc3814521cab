#!/usr/bin/env python3
"""Checks the month-end close sample (samples/2026-11-close, written by
`cargo run --example generate_samples -- --close --period 2026-11`) against its brief
(samples/README.md) and docs/month-end.md, independently of the engine.

Usage:
    python3 scripts/check_close_sample.py [CLOSE_FOLDER]     (default samples/2026-11-close)

Every figure is scripts/crosscheck.py's month-end close (`close`: the independent implementation
of docs/month-end.md that tests/crosscheck_close.rs holds the engine to): October as its first
month (every balance from zero, as `--previous none`), November with October trued up from the
October folder. This script implements no rule of its own: it checks that the sample shows what
samples/README.md says (who is capped, who is topped up or recovers, the refunded deal, the
corrected plan, every kind of adjustment, the two exports agreeing up to October), prints what
each employee is paid in both months, and ends with the line `# N failed checks; ...` on stdout.
Exit code 1, every failed condition on stderr, when any does not hold.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import sys
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import crosscheck as cc  # noqa: E402

ROOT = HERE.parent
PRESETS = ROOT / "schemes"
ADJ_COLUMNS = ["employee_id", "period", "amount", "kind", "reason", "approved_by", "reference", "note"]

failures: list[str] = []


def check(ok: bool, what: str) -> None:
    if not ok:
        failures.append(what)


def rows_of(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def refused(what: str, e: cc.BadInput) -> None:
    failures.extend(f"{what}: {p}" for p in cc.bounded(e.problems))


def scheme_lines(c: cc.Closed) -> bool:
    """Whether the close added a cap, guarantee or recovery line."""
    return c.cap != 0 or c.guarantee != 0 or c.recovery != 0


def money(x: Fraction | None) -> str:
    return "" if x is None else cc.fmt_fixed(x, 2)


def line(x: Fraction) -> str:
    """A line's amount, empty when there is no such line."""
    return money(x) if x else ""


# ---------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else ROOT / "samples" / "2026-11-close"
    before_dir, now_dir = root / "2026-10", root / "2026-11"
    oct_p, nov_p = cc.Period("2026-10"), cc.Period("2026-11")

    size = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    check(size < 3_000_000, f"the sample is {size} bytes, not under 3 MB")

    # Schemes: the presets, byte for byte, plus the new scheme-level keys and their comments.
    names = []
    for path in sorted((root / "schemes").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        added = re.findall(r"^# .*\n(?:max_total|guarantee):.*\n", text, re.M)
        stripped = text
        for a in added:
            stripped = stripped.replace(a, "", 1)
        check(stripped == (PRESETS / path.name).read_text(encoding="utf-8"),
              f"{path.name}: not the preset with keys added")
        names.append(path.stem)
    check(names == ["account-manager", "b2b-long-cycle", "transactional"], f"schemes: {names}")
    try:
        rules = cc.read_scheme_rules(root / "schemes")
    except cc.BadInput as e:
        refused("schemes", e)
        rules = {}
    check(all(r.max_total == Fraction(6, 5) for r in rules.values()), "every scheme has max_total: 120%")
    guarantees = {sid: r.guarantee for sid, r in rules.items()}
    check(guarantees == {"account-manager": None, "b2b-long-cycle": (3, Fraction(3, 5), False),
                         "transactional": (3, Fraction(1, 2), True)}, f"guarantees: {guarantees}")

    # The two exports: the same rows up to October, except what November changed.
    cutoff = oct_p.end
    for name in ["employees", "calls", "emails", "meetings", "nps"]:
        b, n = lines_of(before_dir / f"{name}.csv"), lines_of(now_dir / f"{name}.csv")
        check(n[: len(b) - 1] == b[:-1], f"{name}: the October rows are not the first rows of November's")
    _, b_deals = rows_of(before_dir / "deals.csv")
    head, n_deals = rows_of(now_dir / "deals.csv")
    check(head[-1] == "refunded_on", "deals.csv ends with refunded_on")
    check(rows_of(before_dir / "deals.csv")[0] == head, "both deals.csv have the same columns")
    _, n_clients = rows_of(now_dir / "clients.csv")
    since = {c["client_id"]: dt.date.fromisoformat(c["since"]) for c in n_clients}
    n_by_id = {d["deal_id"]: d for d in n_deals}
    early = [d for d in n_deals if dt.date.fromisoformat(d["created_on"]) <= cutoff]
    check([d["deal_id"] for d in b_deals] == [d["deal_id"] for d in early], "deals: October's are November's created by 10-31")
    refunded = [d for d in n_deals if d["refunded_on"]]
    for d in b_deals:
        check(d["refunded_on"] == "", f"{d['deal_id']}: refunded_on set in October")
        n = dict(n_by_id[d["deal_id"]])
        n["refunded_on"] = ""
        if n["closed_on"] and dt.date.fromisoformat(n["closed_on"]) > cutoff:
            check(d["status"] == "open" and d["closed_on"] == "" and d["lost_reason"] == "",
                  f"{d['deal_id']}: closed in November but not open in October")
            n.update(status="open", closed_on="", lost_reason="")
            if n["client_id"] and since[n["client_id"]] > cutoff:
                n["client_id"] = ""
        check(d == n, f"{d['deal_id']}: October row {d} differs from November's {n}")
        if d["status"] == "open":
            check(d["closed_on"] == "", f"{d['deal_id']}: open with a close date in October")
    for r in refunded:
        check(nov_p.contains(dt.date.fromisoformat(r["refunded_on"])), f"{r['deal_id']}: refunded outside November")
    _, b_clients = rows_of(before_dir / "clients.csv")
    for c, n in zip(b_clients, n_clients):
        n = dict(n)
        if n["churned_on"] and dt.date.fromisoformat(n["churned_on"]) > cutoff:
            n["churned_on"] = ""
        check(c == n, f"clients: {c} differs from November's {n}")
    check(len(b_clients) == sum(1 for c in n_clients if since[c["client_id"]] <= cutoff), "clients: October's count")
    _, b_plans = rows_of(before_dir / "plans.csv")
    _, n_plans = rows_of(now_dir / "plans.csv")
    n_early = [p for p in n_plans if p["period"] <= "2026-10"]
    check(len(b_plans) == len(n_early), "plans: the same rows up to October")
    fixed = [(b, n) for b, n in zip(b_plans, n_early) if b != n]
    check(len(fixed) == 1 and fixed[0][0]["period"] == "2026-10" and fixed[0][0]["metric"] == "revenue"
          and {k: v for k, v in fixed[0][0].items() if k != "target"} == {k: v for k, v in fixed[0][1].items() if k != "target"},
          f"plans: one October revenue target corrected, got {fixed}")
    # Each export is taken on the last day of its month: no row dated later, no later close.
    dated = {"calls": ["started_at"], "emails": ["sent_at"], "meetings": ["starts_at"], "nps": ["answered_on"],
             "deals": ["created_on", "closed_on", "refunded_on"], "clients": ["since", "churned_on"],
             "employees": ["hired_on", "left_on"]}
    for folder, last in [(before_dir, cutoff), (now_dir, nov_p.end)]:
        for f, cols in dated.items():
            _, rows = rows_of(folder / f"{f}.csv")
            late = [r for r in rows for c in cols if r[c] and cc.parse_date(r[c]) > last]
            check(not late, f"{folder.name}/{f}.csv: {len(late)} rows dated after {last}")
        _, rows = rows_of(folder / "plans.csv")
        check(all(r["period"] <= last.strftime("%Y-%m") for r in rows), f"{folder.name}/plans.csv: a later plan")

    before, now = cc.Export(before_dir), cc.Export(now_dir)
    emp = now.employees

    # The roster: two transactional and one b2b hire in October, in both folders.
    check(before.employees == now.employees, "the rosters of both folders differ")
    hires = sorted(eid for eid, e in emp.items() if e["hired_on"] and oct_p.contains(e["hired_on"]))
    schemes_of_hires = sorted(emp[h]["scheme"] for h in hires)
    check(schemes_of_hires == ["b2b-long-cycle", "transactional", "transactional"], f"October hires: {hires}")

    # Adjustments.
    head, adj = rows_of(now_dir / "adjustments.csv")
    check(head == ADJ_COLUMNS, f"adjustments.csv columns {head}")
    check(not (before_dir / "adjustments.csv").exists(), "no adjustments.csv in October")
    nov_adj = [a for a in adj if a["period"] == "2026-11"]
    check(sorted({a["kind"] for a in nov_adj}) == sorted(cc.ADJ_SIGNS), f"kinds of November: {[a['kind'] for a in nov_adj]}")
    check(sum(a["period"] == "2026-10" for a in adj) == 1, "one adjustments row of 2026-10")
    check(len(adj) == len(nov_adj) + 1, "adjustments: only 2026-11 rows and the one of 2026-10")
    # Every row valid as the close reads it (roster, kind, sign, reason, approver): November's
    # rows are read by the close below; the one of October, which November ignores, here.
    try:
        cc.read_adjustments(now_dir, oct_p, emp)
    except cc.BadInput as e:
        refused("adjustments of 2026-10", e)
    for a in adj:
        check(re.fullmatch(r"-?\d+\.\d\d", a["amount"]) is not None, f"amount {a['amount']!r} has no cents")
        if a["kind"] == "clawback":
            check(a["reference"] in n_by_id and n_by_id[a["reference"]]["refunded_on"] != "",
                  f"clawback reference {a['reference']!r} is not a refunded deal")
            check(a["reference"] in a["reason"], "the clawback's reason names its deal")
    check(any(a["note"] for a in adj) and not all(a["note"] for a in adj), "a note on some rows, not all")

    # What everyone is paid: scripts/crosscheck.py's close of October (the first month: balances
    # from zero) on October's export, and of November with October trued up.
    try:
        october = {r.eid: r for r in cc.close(root / "schemes", oct_p, before_dir, [], {}, warn=failures.append)}
        november = {r.eid: r for r in cc.close(root / "schemes", nov_p, now_dir, [(oct_p, before_dir)], {},
                                               warn=failures.append)}
    except cc.BadInput as e:
        refused("the close", e)
        return report(size)
    check(sorted(october) == sorted(emp) == sorted(november), "the close pays the roster")
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["employee_id", "scheme", "target_bonus", "period", "bonus", "cap", "guarantee",
                  "guarantee_recovery", "true_up", "adjustments", "amount", "balance"])
    result: dict[str, dict] = {}
    for eid in sorted(set(october) & set(november)):
        e = emp[eid]
        o, n = october[eid], november[eid]
        n_adj = sum((a for _, a in n.table), Fraction(0))
        for label, r, ad in [("2026-10", o, Fraction(0)), ("2026-11", n, n_adj)]:
            c = r.closed
            out.writerow([eid, e["scheme"], money(e["target_bonus"]), label, money(c.bonus), line(c.cap),
                          line(c.guarantee), line(c.recovery), line(r.true_up), line(ad), money(r.amount),
                          line(c.closing or Fraction(0))])
        result[eid] = dict(o=o.closed, true_up=n.true_up, n=n.closed)

    # The cap binds in November, and in October.
    check(any(r["n"].cap for r in result.values()), "nobody is capped in November")
    check(any(r["o"].cap for r in result.values()), "nobody is capped in October")
    # The guarantee hires.
    tr_hires = [h for h in hires if emp[h]["scheme"] == "transactional"]
    slow = [h for h in tr_hires if result[h]["o"].guarantee and result[h]["n"].guarantee]
    good = [h for h in tr_hires if result[h]["o"].guarantee and result[h]["n"].recovery]
    check(len(slow) == 1, f"one transactional hire topped up in both months, got {slow}")
    check(len(good) == 1, f"one transactional hire recovering in November, got {good}")
    for h in good:
        rec = -result[h]["n"].recovery
        check(0 < rec < result[h]["o"].guarantee, f"{h}: recovers {rec}, not part of the top-up")
    b2b_hire = [h for h in hires if emp[h]["scheme"] == "b2b-long-cycle"]
    for h in b2b_hire:
        check(result[h]["o"].guarantee > 0, f"{h}: no top-up in October")
        check(result[h]["n"].recovery == 0 and result[h]["o"].closing is None,
              f"{h}: a non-recoverable guarantee is recovered")

    # The refunded deal and the corrected plan: the two October true-ups.
    oct_refunds = [d for d in refunded if d["closed_on"] and oct_p.contains(dt.date.fromisoformat(d["closed_on"]))]
    check(len(oct_refunds) == 1 and oct_refunds[0]["status"] == "won", f"one October won deal refunded: {oct_refunds}")
    trued = sorted(eid for eid, r in result.items() if r["true_up"] != 0)
    owners = sorted({d["employee_id"] for d in oct_refunds} | {fixed[0][0]["employee_id"]} if fixed else set())
    check(trued == owners and len(owners) == 2, f"October true-ups for {trued}, expected {owners}")
    for d in oct_refunds:
        eid = d["employee_id"]
        kpi = lambda ex: next(k for k in cc.PeriodScores(ex, oct_p).score(eid, emp[eid]["scheme"]) if k.kpi.id == "revenue")
        a, b = kpi(before), kpi(now)
        check(a.actual != b.actual, f"{eid}: the refund does not change October's revenue")
        check(Fraction(8, 10) <= b.attainment and a.attainment <= Fraction(12, 10),
              f"{eid}: October revenue not on the sloped part ({a.attainment} -> {b.attainment})")
        check(a.amount != b.amount, f"{eid}: the refund does not change the October revenue amount")
        check(not scheme_lines(result[eid]["o"]), f"{eid}: capped or guaranteed in October")
        print(f"# refunded {d['deal_id']} of {eid} ({d['amount']}, won {d['closed_on']}, refunded {d['refunded_on']}): "
              f"October revenue {cc.fmt_opt6(a.actual)} -> {cc.fmt_opt6(b.actual)}, attainment "
              f"{cc.fmt_opt6(a.attainment)} -> {cc.fmt_opt6(b.attainment)}, true-up {money(result[eid]['true_up'])}")
    for b, n in fixed:
        eid = b["employee_id"]
        check(not scheme_lines(result[eid]["o"]), f"{eid}: capped or guaranteed in October")
        print(f"# plan of {eid} for 2026-10 corrected {b['target']} -> {n['target']}: true-up {money(result[eid]['true_up'])}")
    return report(size)


def report(size: int) -> int:
    """Every failed condition on stderr, the count last on stdout; exit code 1 when any failed."""
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    print(f"# {len(failures)} failed checks; the sample is {size} bytes")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
