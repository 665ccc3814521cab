"""Payroll only, in DuckDB SQL: per employee the payout of the period on the three presets
(schemes/), exact to the cent, from the canonical export.

    python bench/duckdb_payroll.py (--xlsx WORKBOOK | --csv FOLDER) --period YYYY-MM --out FILE

A CSV folder is read by DuckDB itself (read_csv with the column types given, money as
DECIMAL(18, 2)). DuckDB cannot read the workbook here: its `excel` extension is downloaded from
DuckDB's own server at first use, which this machine cannot reach (and its read_xlsx would be no
faster than a reader written for it), so each sheet is loaded with fastexcel (calamine; the
workbook opened once, the columns the rules need) into Arrow, and DuckDB queries the Arrow
tables in place. That is the cheapest way for DuckDB to take a workbook on this machine, and
the time of that load is part of what is measured.

Money is integer cents from the reader on (a workbook's money cells are the nearest double of a
2-decimal amount, rounded back to cents per cell), never a float sum; the scoring of the
2 000-odd aggregates is bench/payroll_rules.py's, in exact fractions (scripts/crosscheck.py's
rules). Writes FILE as employee_id,amount; scripts/bench checks it against incentive's
payroll.csv to the cent. Values are matched as the canonical layout writes them.
"""

from __future__ import annotations

import argparse
import os
import sys

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import payroll_rules as rules  # noqa: E402

TYPES = {
    "employees": {"employee_id": "VARCHAR", "scheme": "VARCHAR", "target_bonus": "DECIMAL(18,2)",
                  "hired_on": "DATE", "left_on": "DATE"},
    "plans": {"employee_id": "VARCHAR", "period": "VARCHAR", "metric": "VARCHAR", "target": "DECIMAL(18,2)"},
    "deals": {"employee_id": "VARCHAR", "created_on": "DATE", "closed_on": "DATE", "status": "VARCHAR",
              "stage": "VARCHAR", "amount": "DECIMAL(18,2)", "new_client": "VARCHAR"},
    "calls": {"employee_id": "VARCHAR", "started_at": "TIMESTAMP", "direction": "VARCHAR",
              "duration_sec": "BIGINT", "client_id": "VARCHAR"},
    "emails": {"employee_id": "VARCHAR", "sent_at": "TIMESTAMP", "direction": "VARCHAR", "client_id": "VARCHAR"},
    "meetings": {"employee_id": "VARCHAR", "starts_at": "TIMESTAMP", "status": "VARCHAR", "client_id": "VARCHAR"},
    "clients": {"client_id": "VARCHAR", "employee_id": "VARCHAR", "since": "DATE", "churned_on": "DATE"},
    "nps": {"employee_id": "VARCHAR", "answered_on": "DATE", "score": "BIGINT"},
}
MONEY = {"target_bonus", "target", "amount"}


def column(name: str, typ: str, xlsx: bool) -> str:
    """The column as the queries see it: money as BIGINT cents, the rest of its type."""
    q = f'"{name}"'
    if name in MONEY:
        if xlsx:
            return f"CAST(round(CAST({q} AS DOUBLE) * 100) AS BIGINT) AS {q}"
        return f"CAST({q} * 100 AS BIGINT) AS {q}"
    if xlsx and typ == "BIGINT":
        return f"CAST(round(CAST({q} AS DOUBLE)) AS BIGINT) AS {q}"
    return f"CAST({q} AS {typ}) AS {q}"


def load(con: duckdb.DuckDBPyConnection, xlsx: str | None, folder: str | None) -> None:
    if xlsx:
        import fastexcel

        reader = fastexcel.read_excel(xlsx)
    for table, cols in rules.COLUMNS.items():
        types = TYPES[table]
        select = ", ".join(column(c, types[c], bool(xlsx)) for c in cols)
        if xlsx:
            arrow = reader.load_sheet(table, use_columns=cols).to_arrow()
            con.register(f"raw_{table}", arrow)
            source = f"raw_{table}"
        else:
            path = os.path.join(folder, f"{table}.csv").replace("'", "''")
            spec = ", ".join(f"'{c}': '{t}'" for c, t in types.items())
            source = f"read_csv('{path}', header = true, types = {{{spec}}})"
        con.execute(f"CREATE TEMP TABLE {table} AS SELECT {select} FROM {source}")


def aggregates(con: duckdb.DuckDBPyConnection, p: rules.Period) -> tuple[dict, dict, dict]:
    s, e = f"DATE '{p.start}'", f"DATE '{p.end}'"
    ts, te = f"TIMESTAMP '{p.start_dt}'", f"TIMESTAMP '{p.after_dt}'"
    queries = {
        "deals": f"""
            SELECT employee_id,
              coalesce(sum(amount) FILTER (WHERE status = 'won' AND closed_on BETWEEN {s} AND {e}), 0) AS revenue,
              count(*) FILTER (WHERE status = 'won' AND closed_on BETWEEN {s} AND {e}) AS won,
              coalesce(sum(amount) FILTER (WHERE status = 'won' AND closed_on BETWEEN {s} AND {e}
                                           AND new_client = 'no'), 0) AS upsell,
              coalesce(sum(amount) FILTER (WHERE created_on <= {e}
                                           AND (closed_on IS NULL OR closed_on > {e})), 0) AS pipeline,
              count(*) FILTER (WHERE status = 'won' AND stage = 'proposal'
                               AND closed_on BETWEEN {s} AND {e}) AS prop_won,
              count(*) FILTER (WHERE status IN ('won', 'lost') AND stage = 'proposal'
                               AND closed_on BETWEEN {s} AND {e}) AS prop_closed
            FROM deals GROUP BY employee_id""",
        "meetings": f"""
            SELECT employee_id, count(*) AS meetings_held FROM meetings
            WHERE status = 'held' AND starts_at >= {ts} AND starts_at < {te} GROUP BY employee_id""",
        "calls": f"""
            SELECT employee_id, count(*) FILTER (WHERE duration_sec >= 120) AS calls_2min FROM calls
            WHERE direction = 'outgoing' AND started_at >= {ts} AND started_at < {te} GROUP BY employee_id""",
        "nps": f"""
            SELECT employee_id, count(*) AS nps_n, count(*) FILTER (WHERE score >= 9) AS nps_pro,
              count(*) FILTER (WHERE score <= 6) AS nps_det
            FROM nps WHERE answered_on BETWEEN {s} AND {e} AND score IS NOT NULL GROUP BY employee_id""",
        "book": f"""
            WITH book AS (
              SELECT employee_id, client_id, first(churned_on ORDER BY rn) AS churned_on FROM (
                SELECT *, row_number() OVER () AS rn FROM clients
                WHERE since < {s} AND (churned_on IS NULL OR churned_on >= {s}))
              GROUP BY employee_id, client_id),
            contacts AS (
              SELECT employee_id, client_id FROM meetings
                WHERE status = 'held' AND starts_at >= {ts} AND starts_at < {te} AND client_id IS NOT NULL
              UNION
              SELECT employee_id, client_id FROM calls
                WHERE direction = 'outgoing' AND started_at >= {ts} AND started_at < {te} AND client_id IS NOT NULL
              UNION
              SELECT employee_id, client_id FROM emails
                WHERE direction = 'outgoing' AND sent_at >= {ts} AND sent_at < {te} AND client_id IS NOT NULL)
            SELECT b.employee_id, count(*) AS book,
              count(*) FILTER (WHERE b.churned_on IS NULL OR b.churned_on > {e}) AS kept,
              count(c.client_id) AS covered
            FROM book b LEFT JOIN contacts c USING (employee_id, client_id)
            GROUP BY b.employee_id""",
    }
    agg: dict[str, dict] = {}
    for sql in queries.values():
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        for row in cur.fetchall():
            d = agg.setdefault(row[0], {})
            d.update({k: int(v or 0) for k, v in zip(names[1:], row[1:])})

    employees = {}
    for eid, scheme, bonus, hired, left in con.execute(
        "SELECT employee_id, scheme, target_bonus, hired_on, left_on FROM employees"
    ).fetchall():
        if eid and eid not in employees:
            employees[eid] = {"scheme": scheme, "target_bonus": int(bonus or 0), "hired_on": hired, "left_on": left}
    plans: dict[str, dict] = {}
    for eid, period, metric, target in con.execute(
        "SELECT employee_id, period, metric, target FROM plans WHERE target IS NOT NULL"
    ).fetchall():
        if eid in employees:
            plans.setdefault(eid, {})[(period[:7], metric)] = int(target)
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
    con = duckdb.connect()
    load(con, a.xlsx, a.csv)
    employees, agg, plans = aggregates(con, p)
    rows = rules.payroll(employees, agg, plans, p)
    rules.write(a.out, rows)
    print(f"{len(rows)} employees, {rules.cents_text(sum(c for _, c in rows))} in all")


if __name__ == "__main__":
    main()
