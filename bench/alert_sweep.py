"""Benchmark: how long the alert sweep takes for 10,000 and 100,000 agreements (target ≤ 2 s at 100,000).

A synthetic register (mostly active; end dates over the next five years, some past; a third with
extension options; most monitored quarterly, loaded in two imports this financial year and with
no returns submitted) is written
straight to the database, then three sweeps are timed: a dry run, the first real sweep (writes the
outbox), and the next working day's sweep (the steady state: few new alerts).

    .venv/bin/python bench/alert_sweep.py [--db URL] [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, insert  # noqa: E402

from notifications.calendar import BankHolidays  # noqa: E402
from notifications.sweep import run_sweep  # noqa: E402
from storage.db import create_engine, session_factory, upgrade  # noqa: E402
from storage.models import AgreementRow, Contact, OutboxItem, Provider, SweepRun  # noqa: E402

TODAY = date(2026, 11, 23)  # a Monday: the weekly digest and register check run too
NEXT_DAY = date(2026, 11, 24)
CHUNK = 5000
# Registers arrive in a few big imports: most rows at the start of the year, the rest later.
IMPORT_DAYS = (date(2026, 4, 1),) * 7 + (date(2026, 10, 1),) * 3
# A register loaded just before the first sweep: monitoring starts then, so no backlog of returns.
FRESH_IMPORT = (date(2026, 11, 16),)


async def fill(url: str, size: int, import_days: tuple[date, ...] = IMPORT_DAYS) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    rng = random.Random(size)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    async with session_factory(engine).begin() as session:
        for table in (OutboxItem, SweepRun, Contact, AgreementRow, Provider):
            await session.execute(delete(table))
        providers = [{"id": p + 1, "name": f"Provider {p}", "org_id": ""} for p in range(max(1, size // 20))]
        await session.execute(insert(Provider), providers)
        rows, contacts = [], []
        for n in range(size):
            end = TODAY + timedelta(days=rng.randint(-365, 1800))
            rows.append({
                "id": n + 1, "reference": f"BENCH-{n:06d}", "kind": rng.choice(("contract", "grant", "partnership")),
                "title": f"Service {n}", "provider_id": rng.randint(1, len(providers)), "provider_org_id": "",
                "funding_stream": "Core", "project_code": "" if n % 17 == 0 else f"P{n}", "value": 100000 * (n % 50 + 1),
                "start_date": end - timedelta(days=3 * 365), "award_date": None, "end_date": end,
                "extension_options": "1+1" if n % 3 == 0 else "", "extended_to": None, "area": "Southwark",
                "category": "victims", "contract_manager": f"cm{n % 30}@opcc.example.gov.uk",
                "monitoring": "quarterly" if n % 10 < 7 else "none", "signed": "both" if n % 11 else "ours",
                "status": "active" if n % 10 else rng.choice(("terminated", "draft")), "notes": "", "extra": {},
                "missing_from_last_import": False, "first_imported": import_days[n % len(import_days)],
                "last_import_batch_id": None, "created_at": now, "updated_at": now,
            })
            contacts.append({"agreement_id": n + 1, "role": "provider_contact", "name": f"Contact {n}",
                             "email": f"contact{n}@provider{n % 997}.org.uk"})
        for start in range(0, size, CHUNK):
            await session.execute(insert(AgreementRow), rows[start:start + CHUNK])
            await session.execute(insert(Contact), contacts[start:start + CHUNK])
    await engine.dispose()


async def timed_sweep(url: str, today: date, *, dry_run: bool) -> tuple[float, int]:
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        result = await run_sweep(session_factory(engine), today, bank_holidays=BankHolidays(), dry_run=dry_run)
        return time.perf_counter() - started, len(result.alerts)
    finally:
        await engine.dispose()


async def main(url: str | None, sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = url or f"sqlite:///{tmp}/bench.db"
        kind = "PostgreSQL" if database.startswith("postgres") else "SQLite"
        print("| database | agreements | register | dry run | first sweep (writes) | next day's sweep |")
        print("|---|---:|---|---:|---:|---:|")
        for size in sizes:
            for label, days in (("imported last week", FRESH_IMPORT), ("imported Apr + Oct, no returns", IMPORT_DAYS)):
                await fill(database, size, days)
                dry, owed = await timed_sweep(database, TODAY, dry_run=True)
                first, written = await timed_sweep(database, TODAY, dry_run=False)
                steady, new = await timed_sweep(database, NEXT_DAY, dry_run=False)
                print(f"| {kind} | {size:,} | {label} | {dry:.2f} s ({owed:,} alerts) | {first:.2f} s ({written:,} written) "
                      f"| {steady:.2f} s ({new:,} new) |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--sizes", default="10000,100000")
    options = parser.parse_args()
    asyncio.run(main(options.db, [int(s) for s in options.sizes.split(",")]))
