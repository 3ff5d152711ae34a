"""Benchmark: the sweep with payment rules (100,000 agreements × 8 instalments) against the sweep without them.

The register of bench/alert_sweep.py is written once to a SQLite file and copied; then, in the
same run, dry-run sweeps alternate between the copy without payments and one holding 8 quarterly
instalments per agreement
(two years around today: those already due mostly paid, 3% overdue, 1% part paid). The ratio of
medians is the cost of the payment rules inside the sweep (target ≤ 1.3×), by the wall clock and by
CPU seconds (steadier on a shared machine). A Monday sweep reads every live agreement (digests);
a Tuesday sweep only those that could alert.

    .venv/bin/python bench/payments.py [--size 100000] [--repeats 9]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from alert_sweep import IMPORT_DAYS, NEXT_DAY, TODAY, fill  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from notifications.calendar import BankHolidays  # noqa: E402
from notifications.sweep import run_sweep  # noqa: E402
from storage.db import create_engine, session_factory  # noqa: E402
from storage.models import PaymentInstalment, table_of  # noqa: E402

CHUNK = 10_000
TARGET = 1.3


async def add_payments(url: str, size: int) -> int:
    """8 quarterly instalments per agreement, due from 15 months ago to 9 months ahead."""
    rng = random.Random(size)
    engine = create_engine(url)
    rows = []
    first = TODAY - timedelta(days=456)
    for agreement_id in range(1, size + 1):
        offset = agreement_id % 90
        for number in range(1, 9):
            due = first + timedelta(days=offset + 91 * (number - 1))
            roll = rng.random()
            paid = due < TODAY - timedelta(days=10) and roll > 0.03 or due < TODAY and roll > 0.5
            part = paid and roll < 0.04
            rows.append({
                "agreement_id": agreement_id, "number": number, "due": due, "amount": Decimal(12_500),
                "paid_on": due + timedelta(days=rng.randint(0, 9)) if paid else None,
                "paid_amount": Decimal(6_000 if part else 12_500) if paid else Decimal(0), "payment_reference": "",
                "note": "", "generated": False, "batch_id": None, "recorded_by": "", "recorded_at": None,
            })
    async with session_factory(engine).begin() as session:
        for start in range(0, len(rows), CHUNK):
            await session.execute(insert(table_of(PaymentInstalment)), rows[start:start + CHUNK])
    await engine.dispose()
    return len(rows)



async def sweep(url: str, today: date, *, dry_run: bool = True) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (the whole process, SQLite's thread included) and alerts of one sweep."""
    engine = create_engine(url)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        result = await run_sweep(session_factory(engine), today, bank_holidays=BankHolidays(), dry_run=dry_run)
        return time.perf_counter() - started, time.process_time() - cpu, len(result.alerts)
    finally:
        await engine.dispose()


async def compare(plain: str, paying: str, day: date, repeats: int) -> tuple[float, float, float, float, int, int]:
    """Median dry-run sweep wall and CPU seconds on each database, alternating so both see the same machine.

    On a shared machine the wall clock also counts time waiting for a core; CPU seconds do not,
    so their ratio is the steadier of the two.
    """
    without: list[tuple[float, float]] = []
    with_: list[tuple[float, float]] = []
    counts = (0, 0)
    for _ in range(repeats):
        a, a_cpu, plain_alerts = await sweep(plain, day)
        b, b_cpu, paying_alerts = await sweep(paying, day)
        without.append((a, a_cpu))
        with_.append((b, b_cpu))
        counts = (plain_alerts, paying_alerts)
    return (statistics.median(w for w, _ in without), statistics.median(w for w, _ in with_),
            statistics.median(c for _, c in without), statistics.median(c for _, c in with_), *counts)


def row(size: int, instalments: int, label: str, figures: tuple[float, float, float, float, int, int], new: str) -> str:
    a, b, a_cpu, b_cpu, n, m = figures
    return (f"| {size:,} | {instalments:,} | {label} | {a:.2f} s ({n:,}{new}) | {b:.2f} s ({m:,}{new}) "
            f"| {b / a:.2f}× {'ok' if b / a <= TARGET else 'OVER'} | {a_cpu:.2f} s / {b_cpu:.2f} s "
            f"| {b_cpu / a_cpu:.2f}× {'ok' if b_cpu / a_cpu <= TARGET else 'OVER'} |")


async def main(size: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        plain, paying = f"sqlite:///{tmp}/plain.db", f"sqlite:///{tmp}/paying.db"
        await fill(plain, size, IMPORT_DAYS)
        shutil.copy(f"{tmp}/plain.db", f"{tmp}/paying.db")
        instalments = await add_payments(paying, size)
        print(f"| agreements | instalments | sweep | without payments (floor) | with payment rules "
              f"| ratio (target ≤ {TARGET}×) | CPU, floor / with payments | CPU ratio |")
        print("|---:|---:|---|---:|---:|---:|---:|---:|")
        rows = [("Monday, first sweep (digests, everything owed)", TODAY), ("Tuesday, first sweep", NEXT_DAY)]
        for label, day in rows:
            print(row(size, instalments, label, await compare(plain, paying, day, repeats), " alerts"))
        for url in (plain, paying):  # Monday's alerts written: Tuesday is the everyday sweep
            await sweep(url, TODAY, dry_run=False)
        print(row(size, instalments, "Tuesday after Monday's sweep (steady state)",
                  await compare(plain, paying, NEXT_DAY, repeats), " new"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=9)
    options = parser.parse_args()
    asyncio.run(main(options.size, options.repeats))
