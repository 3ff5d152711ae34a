"""Benchmark: importing a CSV register against a bare `csv.DictReader` + `executemany` floor.

Run from the repository root:  .venv/bin/python bench/import_bulk.py             (about 30 s)
                               .venv/bin/python bench/import_bulk.py --rows 100000 --runs 3
                               .venv/bin/python bench/import_bulk.py --db postgresql://postgres@127.0.0.1:5432/bench

Each run imports the same file into a fresh, migrated database (the migration is not timed),
then runs the floor: the same file read with `csv.DictReader` and inserted into one SQLite
table of TEXT columns with one `executemany` and no checks. Runs alternate, so load from
anything else on the machine falls on both alike; the ratio (floor time / import time) is what
the issue's target reads (≥ 0.5×). With `--db` the import goes to that PostgreSQL database (its
tables are emptied before each run) while the floor stays on SQLite. A benchmark, not a test:
it prints a Markdown table and exits 0, saying whether the target is met.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from measure import markdown_table, ms  # noqa: E402
from workloads import TODAY, baseline_import, rows_for, write_register_csv  # noqa: E402

from storage.db import create_engine, upgrade  # noqa: E402
from storage.register_import import import_register  # noqa: E402

TARGET = 0.5  # import throughput as a share of the floor's


async def fresh_engine(url: str, folder: Path, run: int):  # type: ignore[no-untyped-def]
    """A migrated, empty database for one run."""
    if url:
        from sqlalchemy import text

        engine = create_engine(url)
        await upgrade(engine)
        async with engine.begin() as connection:
            await connection.execute(text(
                "TRUNCATE audit_log, kpis, contacts, monitoring_returns, monitoring_periods, agreements, "
                "providers, import_batches RESTART IDENTITY CASCADE"
            ))
        return engine
    engine = create_engine(f"sqlite:///{folder / f'import-{run}.db'}")
    await upgrade(engine)
    return engine


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", default="", help="a PostgreSQL URL to import into (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        path = write_register_csv(rows_for(args.rows), folder / "register.csv")
        ours: list[float] = []
        floor: list[float] = []
        for run in range(args.runs + 1):  # the first run of each warms up, untimed
            engine = await fresh_engine(args.db, folder, run)
            gc.collect()
            started = time.perf_counter()
            summary = await import_register(engine, path, today=TODAY, actor="bench")
            elapsed = time.perf_counter() - started
            await engine.dispose()
            assert summary.created == args.rows, (summary.created, args.rows)
            gc.collect()
            started = time.perf_counter()
            assert baseline_import(path, folder / "floor.db") == args.rows
            floor_elapsed = time.perf_counter() - started
            if run:
                ours.append(elapsed)
                floor.append(floor_elapsed)
    median, floor_median = statistics.median(ours), statistics.median(floor)
    share = floor_median / median
    where = "PostgreSQL" if args.db else "SQLite"
    print(f"Import of {args.rows:,} CSV rows into a new {where} register; {args.runs} runs each, alternating\n")
    print(markdown_table(
        ["what", "median", "max", "rows/s", "floor median (DictReader + executemany, SQLite)", "throughput vs floor", "target ≥ 0.5×"],
        [[f"`import_register` ({where})", ms(median), ms(max(ours)), f"{args.rows / median:,.0f}", ms(floor_median),
          f"{share:.2f}×", "met" if share >= TARGET else "NOT met"]],
    ))


if __name__ == "__main__":
    asyncio.run(main())
