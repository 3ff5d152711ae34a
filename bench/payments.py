"""Benchmark: the sweep with payment rules (100,000 agreements × 8 instalments) against the sweep without them.

The register of bench/alert_sweep.py is written once to a SQLite file and copied; then, in the
same run, dry-run sweeps alternate between the copy without payments and one holding 8 quarterly
instalments per agreement
(two years around today: those already due mostly paid, 3% overdue, 1% part paid). The ratio of
medians is the cost of the payment rules inside the sweep (target ≤ 1.3×). A Monday sweep reads
every live agreement (digests); a Tuesday sweep only those that could alert.

    .venv/bin/python bench/payments.py [--size 100000] [--repeats 3]
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



async def sweep(url: str, today: date, *, dry_run: bool = True) -> tuple[float, int]:
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        result = await run_sweep(session_factory(engine), today, bank_holidays=BankHolidays(), dry_run=dry_run)
        return time.perf_counter() - started, len(result.alerts)
    finally:
        await engine.dispose()


async def compare(plain: str, paying: str, day: date, repeats: int) -> tuple[float, float, int, int]:
    """Median dry-run sweep seconds on each database, alternating so both see the same machine."""
    without: list[float] = []
    with_: list[float] = []
    counts = (0, 0)
    for _ in range(repeats):
        a, plain_alerts = await sweep(plain, day)
        b, paying_alerts = await sweep(paying, day)
        without.append(a)
        with_.append(b)
        counts = (plain_alerts, paying_alerts)
    return statistics.median(without), statistics.median(with_), *counts


async def main(size: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        plain, paying = f"sqlite:///{tmp}/plain.db", f"sqlite:///{tmp}/paying.db"
        await fill(plain, size, IMPORT_DAYS)
        shutil.copy(f"{tmp}/plain.db", f"{tmp}/paying.db")
        instalments = await add_payments(paying, size)
        print(f"| agreements | instalments | sweep | without payments | with payment rules | ratio (target ≤ {TARGET}×) |")
        print("|---:|---:|---|---:|---:|---:|")
        rows = [("Monday, first sweep (digests, everything owed)", TODAY), ("Tuesday, first sweep", NEXT_DAY)]
        for label, day in rows:
            a, b, n, m = await compare(plain, paying, day, repeats)
            print(f"| {size:,} | {instalments:,} | {label} | {a:.2f} s ({n:,} alerts) | {b:.2f} s ({m:,} alerts) "
                  f"| {b / a:.2f}× {'ok' if b / a <= TARGET else 'OVER'} |")
        for url in (plain, paying):  # Monday's alerts written: Tuesday is the everyday sweep
            await sweep(url, TODAY, dry_run=False)
        a, b, n, m = await compare(plain, paying, NEXT_DAY, repeats)
        print(f"| {size:,} | {instalments:,} | Tuesday after Monday's sweep (steady state) | {a:.2f} s ({n:,} new) "
              f"| {b:.2f} s ({m:,} new) | {b / a:.2f}× {'ok' if b / a <= TARGET else 'OVER'} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    asyncio.run(main(options.size, options.repeats))
