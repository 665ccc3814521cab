#!/usr/bin/env python3
"""Checks the month-end close sample (samples/2026-11-close, written by
`cargo run --example generate_samples -- --close --period 2026-11`) against its brief and
docs/month-end.md, independently of the engine.

Usage:
    python3 scripts/check_close_sample.py [CLOSE_FOLDER]     (default samples/2026-11-close)

The bonuses are scripts/crosscheck.py's (the preset KPIs, exact fractions), with one addition
the crosscheck does not know yet: a deal with a `refunded_on` date is read as `refunded`, never
`won`. On top of them this script applies the month-end rules as docs/month-end.md writes them
(the cap, the guarantee and its recovery, the true-up of the month before, the adjustments
table), prints what each employee is paid in both months, and fails (exit code 1) naming every
condition of the sample that does not hold.
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
KINDS = ["correction", "one_off", "guarantee", "clawback", "other"]
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


# ---------------------------------------------------------------------------------------------
# Reading an export, with refunds
# ---------------------------------------------------------------------------------------------


def export(folder: Path) -> cc.Export:
    ex = cc.Export(folder)
    _, deals = rows_of(folder / "deals.csv")
    assert len(deals) == len(ex.deals), "every deal's owner is on the roster"
    ex.deals = [
        (d[0], "refunded" if r.get("refunded_on", "").strip() else d[1], *d[2:])
        for d, r in zip(ex.deals, deals)
    ]
    return ex


# ---------------------------------------------------------------------------------------------
# Scheme rules
# ---------------------------------------------------------------------------------------------


def pct(text: str) -> Fraction:
    return Fraction(text.strip().rstrip("%")) / 100


class Rules:
    def __init__(self, path: Path):
        text = path.read_text(encoding="utf-8")
        m = re.search(r"^max_total:\s*(\S+)\s*$", text, re.M)
        self.max_total = pct(m.group(1)) if m else None
        m = re.search(r"^guarantee:\s*\{(.*)\}\s*$", text, re.M)
        self.guarantee = None
        if m:
            g = dict(kv.split(":", 1) for kv in m.group(1).split(","))
            g = {k.strip(): v.strip() for k, v in g.items()}
            self.guarantee = {
                "months": int(g["months"]),
                "share": pct(g["share"]),
                "recoverable": g.get("recoverable", "no") == "yes",
            }


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    last = cc.calendar.monthrange(d.year + y, m + 1)[1]
    return dt.date(d.year + y, m + 1, min(d.day, last))


def employed_days(e: dict, start: dt.date, end: dt.date) -> int:
    lo = max(start, e["hired_on"]) if e["hired_on"] else start
    hi = min(end, e["left_on"]) if e["left_on"] else end
    return max(0, (hi - lo).days + 1)


def r2(x: Fraction) -> Fraction:
    return cc.round_half_away(x, 2)


def settle(ex: cc.Export, rules: dict[str, Rules], p: cc.Period, eid: str, opening: Fraction):
    """The bonus and the scheme lines of one period: (bonus, lines, closing balance, detail)."""
    e = ex.employees[eid]
    bonus = cc.total_of(cc.PeriodScores(ex, p).score(eid, e["scheme"]))
    rule = rules[e["scheme"]]
    tb = e["target_bonus"]
    days = employed_days(e, p.start, p.end)
    lines: dict[str, Fraction] = {}
    after = bonus
    cap = None
    if rule.max_total is not None:
        cap = r2(tb * rule.max_total * days / p.days)
        if bonus > cap:
            lines["cap"] = cap - bonus
            after = cap
    closing = opening
    g = rule.guarantee
    minimum = level = None
    if g and e["hired_on"]:
        window_end = add_months(e["hired_on"], g["months"]) - dt.timedelta(days=1)
        gdays = employed_days(e, max(p.start, e["hired_on"]), min(p.end, window_end)) if e["hired_on"] <= p.end and window_end >= p.start else 0
        if gdays:
            minimum = r2(tb * g["share"] * gdays / p.days)
            if after < minimum:
                lines["guarantee"] = minimum - after
                if g["recoverable"]:
                    closing += lines["guarantee"]
        if g["recoverable"] and opening > 0 and "guarantee" not in lines:
            level = r2(tb * g["share"] * days / p.days)
            if after > level:
                lines["guarantee_recovery"] = -min(opening, after - level)
                closing += lines["guarantee_recovery"]
    return bonus, lines, closing, {"cap": cap, "minimum": minimum, "level": level}


def paid(bonus: Fraction, lines: dict[str, Fraction]) -> Fraction:
    return bonus + sum(lines.get(k, Fraction(0)) for k in ("cap", "guarantee", "guarantee_recovery"))


def money(x: Fraction | None) -> str:
    return "" if x is None else cc.fmt_fixed(x, 2)


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
    rules: dict[str, Rules] = {}
    for path in sorted((root / "schemes").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        added = re.findall(r"^# .*\n(?:max_total|guarantee):.*\n", text, re.M)
        stripped = text
        for a in added:
            stripped = stripped.replace(a, "", 1)
        check(stripped == (PRESETS / path.name).read_text(encoding="utf-8"),
              f"{path.name}: not the preset with keys added")
        rules[path.stem] = Rules(path)
    check(sorted(rules) == ["account-manager", "b2b-long-cycle", "transactional"], f"schemes: {sorted(rules)}")
    check(all(r.max_total is not None for r in rules.values()), "every scheme has a max_total")
    tg, bg = rules["transactional"].guarantee, rules["b2b-long-cycle"].guarantee
    check(tg == {"months": 3, "share": Fraction(1, 2), "recoverable": True}, f"transactional guarantee {tg}")
    check(bg == {"months": 3, "share": Fraction(3, 5), "recoverable": False}, f"b2b guarantee {bg}")
    check(rules["account-manager"].guarantee is None, "account-manager has no guarantee")

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

    before, now = export(before_dir), export(now_dir)
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
    check(sorted({a["kind"] for a in nov_adj}) == sorted(KINDS), f"kinds of November: {[a['kind'] for a in nov_adj]}")
    check(sum(a["period"] == "2026-10" for a in adj) == 1, "one adjustments row of 2026-10")
    check(len(adj) == len(nov_adj) + 1, "adjustments: only 2026-11 rows and the one of 2026-10")
    for a in adj:
        check(a["employee_id"] in emp, f"adjustment for {a['employee_id']}: not on the roster")
        check(re.fullmatch(r"-?\d+\.\d\d", a["amount"]) is not None, f"amount {a['amount']!r} has no cents")
        amount = Fraction(a["amount"])
        check(amount != 0, "an adjustment of 0")
        if a["kind"] == "clawback":
            check(amount < 0, f"clawback {a['amount']} is not negative")
            check(a["reference"] in n_by_id and n_by_id[a["reference"]]["refunded_on"] != "",
                  f"clawback reference {a['reference']!r} is not a refunded deal")
            check(a["reference"] in a["reason"], "the clawback's reason names its deal")
        if a["kind"] in ("one_off", "guarantee"):
            check(amount > 0, f"{a['kind']} {a['amount']} is not positive")
        check(a["reason"].strip() != "" and a["approved_by"].strip() != "", f"adjustment without reason or approver: {a}")
    check(any(a["note"] for a in adj) and not all(a["note"] for a in adj), "a note on some rows, not all")

    # What everyone is paid.
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["employee_id", "scheme", "target_bonus", "period", "bonus", "cap", "guarantee",
                  "guarantee_recovery", "true_up", "adjustments", "amount", "balance"])
    result: dict[str, dict] = {}
    for eid in sorted(emp):
        e = emp[eid]
        o_bonus, o_lines, o_close, o_detail = settle(before, rules, oct_p, eid, Fraction(0))
        r_bonus, r_lines, _, _ = settle(now, rules, oct_p, eid, Fraction(0))
        true_up = paid(r_bonus, r_lines) - paid(o_bonus, o_lines)
        n_bonus, n_lines, n_close, n_detail = settle(now, rules, nov_p, eid, o_close)
        n_adj = sum((Fraction(a["amount"]) for a in nov_adj if a["employee_id"] == eid), Fraction(0))
        o_amount = paid(o_bonus, o_lines)
        n_amount = paid(n_bonus, n_lines) + true_up + n_adj
        for label, bonus, lines, tu, ad, amount, bal in [
            ("2026-10", o_bonus, o_lines, Fraction(0), Fraction(0), o_amount, o_close),
            ("2026-11", n_bonus, n_lines, true_up, n_adj, n_amount, n_close),
        ]:
            out.writerow([eid, e["scheme"], money(e["target_bonus"]), label, money(bonus),
                          money(lines.get("cap")), money(lines.get("guarantee")),
                          money(lines.get("guarantee_recovery")), money(tu) if tu else "",
                          money(ad) if ad else "", money(amount), money(bal) if bal else ""])
        result[eid] = dict(o_bonus=o_bonus, o_lines=o_lines, o_close=o_close, r_bonus=r_bonus,
                           true_up=true_up, n_bonus=n_bonus, n_lines=n_lines, n_close=n_close)

    # The cap binds in November, and in October.
    check(any("cap" in r["n_lines"] for r in result.values()), "nobody is capped in November")
    check(any("cap" in r["o_lines"] for r in result.values()), "nobody is capped in October")
    # The guarantee hires.
    tr_hires = [h for h in hires if emp[h]["scheme"] == "transactional"]
    slow = [h for h in tr_hires if "guarantee" in result[h]["o_lines"] and "guarantee" in result[h]["n_lines"]]
    good = [h for h in tr_hires if "guarantee" in result[h]["o_lines"] and "guarantee_recovery" in result[h]["n_lines"]]
    check(len(slow) == 1, f"one transactional hire topped up in both months, got {slow}")
    check(len(good) == 1, f"one transactional hire recovering in November, got {good}")
    for h in good:
        rec = -result[h]["n_lines"]["guarantee_recovery"]
        check(0 < rec < result[h]["o_lines"]["guarantee"], f"{h}: recovers {rec}, not part of the top-up")
    b2b_hire = [h for h in hires if emp[h]["scheme"] == "b2b-long-cycle"]
    for h in b2b_hire:
        check("guarantee" in result[h]["o_lines"], f"{h}: no top-up in October")
        check("guarantee_recovery" not in result[h]["n_lines"] and result[h]["o_close"] == 0,
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
        check(not result[eid]["o_lines"], f"{eid}: capped or guaranteed in October")
        print(f"# refunded {d['deal_id']} of {eid} ({d['amount']}, won {d['closed_on']}, refunded {d['refunded_on']}): "
              f"October revenue {cc.fmt_opt6(a.actual)} -> {cc.fmt_opt6(b.actual)}, attainment "
              f"{cc.fmt_opt6(a.attainment)} -> {cc.fmt_opt6(b.attainment)}, true-up {money(result[eid]['true_up'])}")
    for b, n in fixed:
        eid = b["employee_id"]
        check(not result[eid]["o_lines"], f"{eid}: capped or guaranteed in October")
        print(f"# plan of {eid} for 2026-10 corrected {b['target']} -> {n['target']}: true-up {money(result[eid]['true_up'])}")

    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    print(f"# {len(failures)} failed checks; the sample is {size} bytes", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
