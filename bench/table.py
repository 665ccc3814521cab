"""The markdown table of scripts/bench, from what it measured (standard library only).

    python3 bench/table.py target/bench

reads DIR/results.tsv (name, wall seconds, peak KiB: one line per measured command), the row
counts the generator printed (DIR/large/generated.txt, DIR/months12/generated.txt) and, for the
per-stage profile, the `--timings` lines the runs printed on stderr (DIR/logs/NAME.err).
"""

from __future__ import annotations

import os
import re
import sys


def main() -> None:
    d = sys.argv[1]
    res: dict[str, tuple[float, float]] = {}
    with open(os.path.join(d, "results.tsv"), encoding="utf-8") as f:
        for line in f:
            name, wall, kib = line.rstrip("\n").split("\t")
            res[name] = (float(wall), int(kib) / 1024)

    def t(name: str) -> float | None:
        return res[name][0] if name in res else None

    def cell(name: str, base: str | None = None, base_label: str = "floor") -> str:
        if name not in res:
            return "not measured"
        wall, mib = res[name]
        text = f"{wall:.2f} s"
        if base and base in res and res[base][0] > 0:
            text += f" ({wall / res[base][0]:.2f}× {base_label})"
        return f"{text}, {mib:.0f} MiB"

    def rows_of(sub: str) -> dict[str, int]:
        out: dict[str, int] = {}
        try:
            with open(os.path.join(d, sub, "generated.txt"), encoding="utf-8") as f:
                for line in f:
                    m = re.fullmatch(r"\s+(\w+)\s+(\d+) rows", line.rstrip("\n"))
                    if m and m.group(1) not in out:
                        out[m.group(1)] = int(m.group(2))
                    if line.startswith("wrote") and "bitrix24" in line:
                        break
        except OSError:
            pass
        return out

    def size_mb(path: str) -> float:
        if os.path.isdir(path):
            return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path)) / 1e6
        return os.path.getsize(path) / 1e6 if os.path.exists(path) else 0.0

    def n(x: int) -> str:
        return f"{x:,}".replace(",", " ")

    def shape(sub: str) -> str:
        r = rows_of(sub)
        tables = ", ".join(f"{n(r[k])} {k}" for k in ("calls", "deals", "emails", "meetings", "clients", "nps") if k in r)
        xlsx = size_mb(os.path.join(d, sub, "2026-10.xlsx"))
        csv = size_mb(os.path.join(d, sub, "2026-10-csv"))
        return f"{n(r.get('employees', 0))} employees, {tables} ({xlsx:.1f} MB xlsx; {csv:.1f} MB of CSV)"

    print(f"**The large period** (October 2026): {shape('large')}.")
    print()
    print("| | xlsx | CSV folder |")
    print("|---|---|---|")
    print(f"| floor: calamine streaming every cell / the csv crate parsing every record | {cell('floor_xlsx')} | {cell('floor_csv')} |")
    print(f"| `incentive run`, all outputs incl. statements | {cell('run_xlsx', 'floor_xlsx')} | {cell('run_csv', 'floor_csv')} |")
    print(f"| `incentive run --no-statements` | {cell('run_xlsx_nostat', 'floor_xlsx')} | {cell('run_csv_nostat', 'floor_csv')} |")
    print(f"| polars (+ fastexcel for xlsx), payroll only, exact cents | {cell('polars_xlsx', 'floor_xlsx')} | {cell('polars_csv', 'floor_csv')} |")
    print(f"| DuckDB (xlsx via fastexcel → Arrow; read_csv), payroll only, exact cents | {cell('duckdb_xlsx', 'floor_xlsx')} | {cell('duckdb_csv', 'floor_csv')} |")
    if "run_bitrix" in res:
        print(f"| `incentive run`, the same month as a Bitrix24 export through `mappings/examples/sample-bitrix24.yaml`, all outputs, the same payroll | | {cell('run_bitrix', 'run_csv', 'the canonical CSV')} |")
    print()
    print(f"**Twelve months in one export** (November 2025 to October 2026): {shape('months12')}.")
    print()
    print("| | xlsx | CSV folder |")
    print("|---|---|---|")
    print(f"| floor | {cell('m12_floor_xlsx')} | {cell('m12_floor_csv')} |")
    print(f"| `incentive run`, October, all outputs | {cell('m12_run_xlsx', 'm12_floor_xlsx')} | {cell('m12_run_csv', 'm12_floor_csv')} |")
    print(f"| `incentive run --no-statements`, October | {cell('m12_run_xlsx_nostat', 'm12_floor_xlsx')} | {cell('m12_run_csv_nostat', 'm12_floor_csv')} |")
    print(f"| `incentive compare`, 12 months, everyone on the paid scheme and a candidate | {cell('m12_compare_xlsx', 'm12_run_xlsx', 'the run')} | {cell('m12_compare_csv', 'm12_run_csv', 'the run')} |")
    print()

    targets: list[tuple[str, str, bool | None]] = []

    def ratio(a: str, b: str) -> float | None:
        ta, tb = t(a), t(b)
        return None if ta is None or tb is None or tb == 0 else ta / tb

    def target(label: str, a: str, b: str, limit: float, what: str, strict: bool = False) -> None:
        r = ratio(a, b)
        if r is None:
            targets.append((label, "not measured", None))
        else:
            met = r < limit if strict else r <= limit
            targets.append((label, f"{r:.2f}× {what}", met))

    target("CSV, all outputs incl. statements: faster than polars (payroll only)", "run_csv", "polars_csv", 1.0, "polars", True)
    target("CSV, `--no-statements`: at most 3 × the CSV floor", "run_csv_nostat", "floor_csv", 3.0, "the floor")
    target("xlsx, all outputs: at most 1.2 × the calamine streaming floor", "run_xlsx", "floor_xlsx", 1.2, "the floor")
    target("xlsx, all outputs: faster than polars + fastexcel", "run_xlsx", "polars_xlsx", 1.0, "polars", True)
    target("moonshot: xlsx, all outputs, below 1.0 × the floor", "run_xlsx", "floor_xlsx", 1.0, "the floor", True)
    target("compare over 12 months: at most 1.5 × a single-month run (xlsx)", "m12_compare_xlsx", "m12_run_xlsx", 1.5, "the run")
    target("compare over 12 months: at most 1.5 × a single-month run (CSV)", "m12_compare_csv", "m12_run_csv", 1.5, "the run")
    ours = [k for k in res if k.startswith(("run_", "m12_run_", "m12_compare_"))]
    if ours:
        worst = max(ours, key=lambda k: res[k][1])
        peak = res[worst][1]
        targets.append(("peak memory under 256 MiB, every `incentive` run and compare above",
                        f"{peak:.0f} MiB at most ({worst})", peak < 256))
    print("| target | measured | met |")
    print("|---|---|---|")
    for label, measured, met in targets:
        print(f"| {label} | {measured} | {'—' if met is None else 'yes' if met else 'no'} |")

    profiles = []
    for name in ("run_xlsx", "run_csv", "run_xlsx_nostat", "run_csv_nostat", "m12_compare_xlsx", "m12_compare_csv"):
        try:
            with open(os.path.join(d, "logs", f"{name}.err"), encoding="utf-8") as f:
                text = f.read()
        except OSError:
            continue
        i = text.find("timings (wall clock):")
        if i >= 0:
            block = text[i:].split("\n\n")[0].rstrip()
            profiles.append((name, block))
    if profiles:
        print()
        print("Per-stage profile (`--timings` of the runs above):")
        for name, block in profiles:
            print()
            print(f"`{name}`:")
            print("```")
            print(block)
            print("```")


if __name__ == "__main__":
    main()
