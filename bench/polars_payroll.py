"""Payroll only, the way a data analyst with polars would compute it: per employee the payout of
the period on the three presets (schemes/), exact to the cent, from the canonical export.

    python bench/polars_payroll.py (--xlsx WORKBOOK | --csv FOLDER) --period YYYY-MM --out FILE

WORKBOOK is read with fastexcel (calamine; the workbook opened once, each sheet loaded with
the columns the rules need), a CSV folder with polars' own multi-threaded reader. The
aggregation over the rows is polars' (lazy, both cores); money is integer cents from the
reader on (a workbook's money cells are the nearest double of a 2-decimal amount, rounded back
to cents per cell; a CSV's are read as Decimal(18, 2)), never a float sum, and the scoring of
the 2 000-odd aggregates is bench/payroll_rules.py's, in exact fractions (scripts/crosscheck.py's
rules). Writes FILE as employee_id,amount; scripts/bench checks it against incentive's
payroll.csv to the cent.

Values are matched as the canonical layout writes them (lower-case statuses, `yes`/`no`):
the benchmark's input is the generator's, not a hostile export.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys

import polars as pl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import payroll_rules as rules  # noqa: E402

MONEY = {"employees": ["target_bonus"], "plans": ["target"], "deals": ["amount"]}
DATES = {
    "employees": ["hired_on", "left_on"],
    "deals": ["created_on", "closed_on"],
    "clients": ["since", "churned_on"],
    "nps": ["answered_on"],
}
TIMES = {"calls": ["started_at"], "emails": ["sent_at"], "meetings": ["starts_at"]}
INTS = {"calls": ["duration_sec"], "nps": ["score"]}


def read_csv(folder: str) -> dict[str, pl.LazyFrame]:
    out = {}
    for table, cols in rules.COLUMNS.items():
        schema = {c: pl.String for c in cols}
        for c in MONEY.get(table, []):
            schema[c] = pl.Decimal(18, 2)
        for c in DATES.get(table, []):
            schema[c] = pl.Date
        for c in TIMES.get(table, []):
            schema[c] = pl.Datetime("us")
        for c in INTS.get(table, []):
            schema[c] = pl.Int64
        lf = pl.scan_csv(os.path.join(folder, f"{table}.csv"), schema_overrides=schema).select(cols)
        lf = lf.with_columns([(pl.col(c) * 100).cast(pl.Int64) for c in MONEY.get(table, [])])
        out[table] = lf
    return out


def read_xlsx(path: str) -> dict[str, pl.LazyFrame]:
    import fastexcel

    reader = fastexcel.read_excel(path)
    out = {}
    for table, cols in rules.COLUMNS.items():
        df = reader.load_sheet(table, use_columns=cols).to_polars()
        exprs = []
        for c in MONEY.get(table, []):
            exprs.append((pl.col(c).cast(pl.Float64) * 100).round(0).cast(pl.Int64))
        for c in DATES.get(table, []):
            exprs.append(pl.col(c).cast(pl.Date))
        for c in TIMES.get(table, []):
            exprs.append(pl.col(c).cast(pl.Datetime("us")))
        for c in INTS.get(table, []):
            exprs.append(pl.col(c).cast(pl.Float64).round(0).cast(pl.Int64))
        for c in cols:
            if c not in MONEY.get(table, []) + DATES.get(table, []) + TIMES.get(table, []) + INTS.get(table, []):
                exprs.append(pl.col(c).cast(pl.String))
        out[table] = df.lazy().with_columns(exprs).select(cols)
    return out


def aggregates(t: dict[str, pl.LazyFrame], p: rules.Period) -> tuple[dict, dict, dict]:
    start, end = p.start, p.end
    in_p = lambda c: pl.col(c).is_between(start, end)  # noqa: E731
    in_p_ts = lambda c: (pl.col(c) >= p.start_dt) & (pl.col(c) < p.after_dt)  # noqa: E731

    status = pl.col("status")
    won = (status == "won") & in_p("closed_on")
    proposal_closed = status.is_in(["won", "lost"]) & in_p("closed_on") & (pl.col("stage") == "proposal")
    open_at_end = (pl.col("created_on") <= end) & (pl.col("closed_on").is_null() | (pl.col("closed_on") > end))
    deals = t["deals"].group_by("employee_id").agg(
        revenue=pl.col("amount").filter(won).sum(),
        won=won.sum(),
        upsell=pl.col("amount").filter(won & (pl.col("new_client") == "no")).sum(),
        pipeline=pl.col("amount").filter(open_at_end).sum(),
        prop_won=(proposal_closed & (status == "won")).sum(),
        prop_closed=proposal_closed.sum(),
    )
    meetings = t["meetings"].filter((pl.col("status") == "held") & in_p_ts("starts_at"))
    calls = t["calls"].filter((pl.col("direction") == "outgoing") & in_p_ts("started_at"))
    emails = t["emails"].filter((pl.col("direction") == "outgoing") & in_p_ts("sent_at"))
    held = meetings.group_by("employee_id").agg(meetings_held=pl.len())
    calls_2min = calls.group_by("employee_id").agg(calls_2min=(pl.col("duration_sec") >= 120).sum())
    nps = (
        t["nps"]
        .filter(in_p("answered_on") & pl.col("score").is_not_null())
        .group_by("employee_id")
        .agg(nps_n=pl.len(), nps_pro=(pl.col("score") >= 9).sum(), nps_det=(pl.col("score") <= 6).sum())
    )
    contacts = pl.concat(
        [f.select("employee_id", "client_id").filter(pl.col("client_id").is_not_null()) for f in (meetings, calls, emails)]
    ).unique()
    book = (
        t["clients"]
        .filter((pl.col("since") < start) & (pl.col("churned_on").is_null() | (pl.col("churned_on") >= start)))
        .unique(subset=["employee_id", "client_id"], keep="first", maintain_order=True)
    )
    covered = book.join(contacts, on=["employee_id", "client_id"], how="semi")
    book_agg = book.group_by("employee_id").agg(
        book=pl.len(), kept=(pl.col("churned_on").is_null() | (pl.col("churned_on") > end)).sum()
    )
    covered_agg = covered.group_by("employee_id").agg(covered=pl.len())

    frames = pl.collect_all([deals, held, calls_2min, nps, book_agg, covered_agg])
    agg: dict[str, dict] = {}
    for df in frames:
        for row in df.iter_rows(named=True):
            d = agg.setdefault(row.pop("employee_id"), {})
            d.update({k: v or 0 for k, v in row.items()})

    employees = {}
    for r in t["employees"].collect().iter_rows(named=True):
        eid = r["employee_id"]
        if eid and eid not in employees:
            employees[eid] = {
                "scheme": r["scheme"],
                "target_bonus": r["target_bonus"] or 0,
                "hired_on": r["hired_on"],
                "left_on": r["left_on"],
            }
    plans: dict[str, dict] = {}
    for r in t["plans"].collect().iter_rows(named=True):
        if r["employee_id"] in employees and r["target"] is not None:
            plans.setdefault(r["employee_id"], {})[(r["period"][:7], r["metric"])] = r["target"]
    return employees, agg, plans


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--xlsx")
    src.add_argument("--csv")
    ap.add_argument("--period", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    p = rules.Period(a.period)
    tables = read_xlsx(a.xlsx) if a.xlsx else read_csv(a.csv)
    employees, agg, plans = aggregates(tables, p)
    rows = rules.payroll(employees, agg, plans, p)
    rules.write(a.out, rows)
    print(f"{len(rows)} employees, {rules.cents_text(sum(c for _, c in rows))} in all")


if __name__ == "__main__":
    main()
