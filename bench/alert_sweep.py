"""Benchmark: the alert sweep at 10,000 and 100,000 agreements against a hand-written floor (target ≤ 2×).

A synthetic register (mostly active; end dates over the next five years, some past; a third with
extension options; most monitored quarterly, loaded in two imports this financial year and with
no returns submitted) is written straight to the database, then three sweeps are timed: a dry
run, the first real sweep (writes the outbox), and the next working day's sweep (the steady
state: few new alerts; the database selects only rows whose dates can alert).

Each is measured against its floor in the same run: the same rows read with the bare driver
(sqlite3 or asyncpg, a hand-written WHERE for the next day), the expiry rule run over them in a
plain loop, and the very outbox rows the sweep wrote inserted with the driver's executemany.
Table: median and p99 of the runs (few runs: p99 is the slowest), the ratio of medians, and
whether the target is met. This is a benchmark, not a test: it always exits 0.

    .venv/bin/python bench/alert_sweep.py [--db URL] [--sizes 10000,100000] [--runs 3]
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

import json  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402

from sqlalchemy import delete, insert  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from domain.alerts import Alert, AlertThresholds, alert_window  # noqa: E402
from notifications.calendar import BankHolidays  # noqa: E402
from notifications.sweep import run_sweep  # noqa: E402
from storage.db import create_engine, session_factory, upgrade  # noqa: E402
from storage.models import AgreementRow, Contact, OutboxItem, Provider, SweepRun  # noqa: E402
from storage.outbox import alert_payload  # noqa: E402

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


TARGET = 2.0  # the sweep may take at most twice its floor


async def reset_outbox(url: str, keep_before: datetime | None = None) -> None:
    """Empty the outbox and the sweep log (or only what was written after `keep_before`)."""
    engine = create_engine(url)
    async with session_factory(engine).begin() as session:
        if keep_before is None:
            await session.execute(delete(OutboxItem))
            await session.execute(delete(SweepRun))
        else:
            await session.execute(delete(OutboxItem).where(OutboxItem.created_at > keep_before))
            await session.execute(delete(SweepRun).where(SweepRun.started_at > keep_before))
    await engine.dispose()


# The service reads the bank holidays once, when it starts (`bot/app.py`), not per sweep.
BANK_HOLIDAYS = BankHolidays()


async def timed_sweep(url: str, today: date, *, dry_run: bool, engine: AsyncEngine | None = None) -> tuple[float, list[Alert], int]:
    """One sweep; on `engine` when given (as the long-running service sweeps, statements compiled once)."""
    own = engine is None
    engine = engine or create_engine(url)
    try:
        started = time.perf_counter()
        result = await run_sweep(session_factory(engine), today, bank_holidays=BANK_HOLIDAYS, dry_run=dry_run)
        return time.perf_counter() - started, result.alerts, result.agreements
    finally:
        if own:
            await engine.dispose()


# --- the floor: bare driver, plain loop, executemany ------------------------------------------

COLUMNS_READ = (
    "a.id, a.reference, a.kind, a.title, p.name, a.start_date, a.end_date, a.extended_to, a.extension_options, "
    "a.contract_manager, a.monitoring, a.status, a.first_imported"
)
OUTBOX_INSERT = (
    "INSERT INTO outbox (idempotency_key, rule, reference, due, audience, recipient, payload, state, attempts, "
    "next_attempt_at, claimed_by, claimed_at, delivered_at, last_error, created_at) VALUES "
    "({p}, {p}, {p}, {p}, {p}, {p}, {p}, 'pending', 0, NULL, '', NULL, NULL, '', {p}) "
    "ON CONFLICT (idempotency_key) DO NOTHING"
)


def floor_query(today: date, selected: bool, postgres: bool) -> tuple[str, list[object]]:
    """The rows the sweep reads, by hand: every active row on a digest day, else those in the window."""
    sql = f"SELECT {COLUMNS_READ} FROM agreements a JOIN providers p ON p.id = a.provider_id WHERE a.status = 'active'"
    if not selected:
        return sql, []
    window = alert_window(today)
    latest = "greatest" if postgres else "max"
    sql += (f" AND (COALESCE(a.extended_to, a.end_date) BETWEEN {{p}} AND {{p}}"
            f" OR (lower(a.monitoring) <> 'none' AND {latest}(a.start_date, a.first_imported) <= {{p}}))")
    return sql, [window.end_from, window.end_until, max(window.started_by.values())]


def expiry_loop(rows: list[tuple[object, ...]], today: date) -> int:
    """The expiry rule alone, over plain tuples: days left, threshold crossed, key and message."""
    thresholds = sorted(AlertThresholds().expiry_days)
    owed = 0
    for row in rows:
        end = row[7] or row[6]
        if end is None:
            continue
        if isinstance(end, str):
            end = date.fromisoformat(end)
        days = (end - today).days  # type: ignore[operator]
        crossed = [t for t in thresholds if 0 <= days <= t]
        if crossed:
            key = f"expiry:{row[1]}:{crossed[0]}:{end}:channel"
            message = f"{row[3]} ({row[1]}) ends on {end}, in {days} days."
            owed += bool(key and message)
    return owed


def outbox_rows(alerts: list[Alert], moment: datetime, postgres: bool) -> list[tuple[object, ...]]:
    created: object = moment if postgres else moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return [
        (a.idempotency_key, a.rule, a.reference, a.due if postgres else a.due.isoformat(), a.audience, a.recipient,
         json.dumps(alert_payload(a)), created)
        for a in alerts
    ]


async def floor_postgres(url: str, today: date, selected: bool, alerts: list[Alert]) -> float:
    import asyncpg

    connection = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        started = time.perf_counter()
        sql, params = floor_query(today, selected, postgres=True)
        numbered = iter(range(1, 10))
        sql = sql.replace("{p}", "${}").format(*(next(numbered) for _ in params))
        rows = await connection.fetch(sql, *params)
        expiry_loop([tuple(row) for row in rows], today)
        if alerts:
            insert_sql = OUTBOX_INSERT.format(p="{}").format(*(f"${n}" for n in range(1, 9))).replace("$7,", "$7::json,")
            async with connection.transaction():
                await connection.executemany(insert_sql, outbox_rows(alerts, datetime.now(UTC), postgres=True))
        return time.perf_counter() - started
    finally:
        await connection.close()


def floor_sqlite(path: str, today: date, selected: bool, alerts: list[Alert]) -> float:
    connection = sqlite3.connect(path)
    try:
        started = time.perf_counter()
        sql, params = floor_query(today, selected, postgres=False)
        rows = connection.execute(sql.replace("{p}", "?"), [p.isoformat() for p in params]).fetchall()  # type: ignore[attr-defined]
        expiry_loop(rows, today)
        if alerts:
            connection.executemany(OUTBOX_INSERT.format(p="?"), outbox_rows(alerts, datetime.now(UTC), postgres=False))
            connection.commit()
        return time.perf_counter() - started
    finally:
        connection.close()


async def floor(url: str, today: date, selected: bool, alerts: list[Alert]) -> float:
    if url.startswith("postgres"):
        return await floor_postgres(url, today, selected, alerts)
    return await asyncio.to_thread(floor_sqlite, make_url(url).database or "", today, selected, alerts)


# --- the table --------------------------------------------------------------------------------

def seconds(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s / {max(values):.2f} s"


async def measure(url: str, today: date, *, dry_run: bool, selected: bool, runs: int,
                  before: datetime | None) -> tuple[list[float], list[float], int, int]:
    """`runs` sweeps and `runs` floors, alternating, each from the same outbox state."""
    product: list[float] = []
    floors: list[float] = []
    written = read = 0
    engine = create_engine(url)
    for _ in range(runs):
        await reset_outbox(url, before)
        took, alerts, read = await timed_sweep(url, today, dry_run=dry_run, engine=engine)
        product.append(took)
        written = len(alerts)
        await reset_outbox(url, before)
        floors.append(await floor(url, today, selected, [] if dry_run else alerts))
    await engine.dispose()
    return product, floors, written, read


async def main(url: str | None, sizes: list[int], runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = url or f"sqlite:///{tmp}/bench.db"
        kind = "PostgreSQL" if database.startswith("postgres") else "SQLite"
        print("| database | agreements | register | sweep | agreements read | alerts | sweep median / p99 "
              "| floor median / p99 | ratio | ≤ 2× floor |")
        print("|---|---:|---|---|---:|---:|---:|---:|---:|---|")
        for size in sizes:
            for label, days in (("imported last week", FRESH_IMPORT), ("imported Apr + Oct, no returns", IMPORT_DAYS)):
                await fill(database, size, days)
                cases = (("dry run (Monday)", TODAY, True, False, None), ("first sweep (writes)", TODAY, False, False, None),
                         ("next day's sweep", NEXT_DAY, False, True, "after-first"))
                for name, today, dry_run, selected, keep in cases:
                    before = None
                    if keep:
                        await reset_outbox(database)
                        await timed_sweep(database, TODAY, dry_run=False)
                        before = datetime.now(UTC)
                    product, floors, alerts, read = await measure(database, today, dry_run=dry_run, selected=selected,
                                                                  runs=runs, before=before)
                    ratio = statistics.median(product) / statistics.median(floors)
                    print(f"| {kind} | {size:,} | {label} | {name} | {read:,} | {alerts:,} | {seconds(product)} "
                          f"| {seconds(floors)} | {ratio:.1f}× | {'met' if ratio <= TARGET else 'NOT met'} |", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=3, help="sweeps (and floors) per figure")
    options = parser.parse_args()
    asyncio.run(main(options.db, [int(s) for s in options.sizes.split(",")], options.runs))
