"""Benchmark: `publish` for one quarter at 10,000 agreements (target under 10 s).

Measures the whole publication as the command runs it: reading the register and accepted
returns from SQLite, choosing the quarter's agreements, building the eight files, checking the
360Giving and OCDS packages against the official schemas and every line for personal data, and
writing the files. The floor, measured in the same run, writes the same agreements' published
columns with `csv.writer` into three CSV files and `json.dump`s them into two JSON files: the
least any publisher of these files must do.

    .venv/bin/python bench/publish.py [--agreements 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from measure import markdown_table, ms  # noqa: E402
from workloads import TODAY, rows_for, write_register_csv  # noqa: E402

from domain.publication import of_quarter, parse_quarter  # noqa: E402
from publication.service import build, write  # noqa: E402
from publication.settings import Publisher  # noqa: E402
from storage.agreements import load_register  # noqa: E402
from storage.db import create_engine, session_factory, upgrade  # noqa: E402
from storage.publication import register_and_returns  # noqa: E402
from storage.register_import import import_register  # noqa: E402

TARGET = 10.0  # seconds
QUARTER = parse_quarter("2026Q3")
PUBLISHER = Publisher("Mayor's Office for Policing and Crime", "GB-GOR-PC390", "360G-mopac-", "ocds-abc123",
                      "https://www.example.gov.uk/open-data/")
NOW = datetime(2027, 1, 5, 9, 0, tzinfo=ZoneInfo("Europe/London"))


async def load(url: str):  # type: ignore[no-untyped-def]
    engine = create_engine(url)
    try:
        return await register_and_returns(engine, QUARTER.end)
    finally:
        await engine.dispose()


async def load_plain(url: str):  # type: ignore[no-untyped-def]
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            return await load_register(session)
    finally:
        await engine.dispose()


def floor(agreements, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """The same agreements' published columns, straight out with csv.writer and json.dump."""
    chosen = of_quarter(agreements, QUARTER)
    for kind in ("contract", "grant", "partnership"):
        with (folder / f"{kind}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["reference", "title", "provider", "value", "start", "end"])
            writer.writerows([a.reference, a.title, a.provider, str(a.value), str(a.start_date), str(a.current_end_date)]
                             for a in chosen if a.kind == kind)
    for kind in ("grant", "contract"):
        with (folder / f"{kind}.json").open("w", encoding="utf-8") as handle:
            json.dump([{"id": a.reference, "title": a.title, "provider": a.provider, "value": str(a.value),
                        "start": str(a.start_date), "end": str(a.current_end_date)} for a in chosen if a.kind == kind], handle)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agreements", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'register.db'}"

        async def setup() -> None:
            engine = create_engine(url)
            await upgrade(engine)
            await import_register(engine, write_register_csv(rows_for(args.agreements), folder / "register.csv"), today=TODAY)
            await engine.dispose()

        asyncio.run(setup())
        loads, builds, writes, totals, floors = [], [], [], [], []
        counts: dict[str, int] = {}
        for run in range(args.runs):
            out = folder / f"out{run}"
            started = time.perf_counter()
            agreements, returns = asyncio.run(load(url))
            loaded = time.perf_counter()
            publication = build(agreements, returns, QUARTER, PUBLISHER, NOW)
            built = time.perf_counter()
            assert publication.clean, [p.line() for p in publication.problems[:5]]
            write(publication, out)
            done = time.perf_counter()
            loads.append(loaded - started)
            builds.append(built - loaded)
            writes.append(done - built)
            totals.append(done - started)
            counts = publication.counts
            floor_out = folder / f"floor{run}"
            floor_out.mkdir()
            started = time.perf_counter()
            plain = asyncio.run(load_plain(url))
            floor(plain, floor_out)
            floors.append(time.perf_counter() - started)

    def median(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    total = median(totals)
    print(f"publish 2026Q3 at {args.agreements:,} agreements ({counts.get('agreements', 0):,} in the quarter: "
          f"{counts.get('contracts', 0):,} contracts, {counts.get('grants', 0):,} grants, {counts.get('partnerships', 0):,} "
          f"partnerships), median of {args.runs} runs\n")
    print(markdown_table(
        ["step", "median", "vs floor"],
        [
            ["read register and returns (SQLite)", ms(median(loads)), ""],
            ["build and check the eight files", ms(median(builds)), ""],
            ["write the files", ms(median(writes)), ""],
            ["**publish, all of it**", ms(total), f"{total / median(floors):.1f}×"],
            ["floor: read, then csv.writer + json.dump", ms(median(floors)), "1.0×"],
        ],
    ))
    verdict = "meets" if total < TARGET else "MISSES"
    print(f"\nTarget: under {TARGET:.0f} s. Result: {ms(total)}, {verdict} the target.")


if __name__ == "__main__":
    main()
