"""The sweep reads only rows whose dates can alert today, and still owes exactly what a full scan owes.

A varied register (every frequency, blank and odd-cased ones, extensions, missing start dates,
imports at different times, stored returns, terminated rows) is swept as a dry run on awkward
days: quarter and year ends, the day after a bank holiday, a leap day. Each time the alerts
must equal the rules run over every live agreement read without any selection.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from returns_data import agreement
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.agreement import Agreement
from domain.alerts import SweepInput, alerts_due
from notifications.calendar import BankHolidays
from notifications.sweep import _quality_check, run_sweep
from storage import alerts_repo
from storage.agreements import apply_to_row, load_agreements
from storage.db import session_factory
from storage.models import AgreementRow, MonitoringPeriod, MonitoringReturn, Provider

NOW = datetime(2026, 4, 1, 9, tzinfo=UTC)
FREQUENCIES = ("quarterly", "monthly", "biannual", "annual", "none", "", "Quarterly", "MONTHLY", "fortnightly")
# Quarter ends, the day after one, a Tuesday after the May bank holiday, financial-year end and
# start, a leap day, the last working day of the year.
AWKWARD_DAYS = (
    date(2026, 6, 30), date(2026, 7, 1), date(2026, 5, 26), date(2027, 3, 31), date(2027, 4, 1),
    date(2028, 2, 29), date(2026, 12, 31), date(2026, 10, 15),
)


def varied_register(count: int = 400) -> list[Agreement]:
    rng = random.Random(10)
    base = date(2026, 6, 1)
    register = []
    for n in range(count):
        start = base + timedelta(days=rng.randint(-1500, 300))
        end = start + timedelta(days=rng.randint(60, 2200))
        extended = end + timedelta(days=365) if n % 7 == 0 else None
        register.append(agreement(
            f"SEL-{n:04d}", provider=f"Provider {n % 13}", kind=rng.choice(("contract", "grant", "partnership")),
            start_date=None if n % 11 == 0 else start, end_date=None if n % 29 == 0 else end, extended_to=extended,
            extension_options=rng.choice(((), (1,), (1, 1), (2,))), monitoring=rng.choice(FREQUENCIES),
            status="active" if n % 9 else rng.choice(("terminated", "draft")),
            contract_manager="" if n % 5 == 0 else f"cm{n % 4}@opcc.example.gov.uk",
            contact_email="" if n % 6 == 0 else f"c{n}@provider.example.org",
            first_imported=base + timedelta(days=rng.randint(-900, 500)),
        ))
    return register


async def store(engine: AsyncEngine, register: list[Agreement]) -> None:
    """The rows with their own first-import days, and submitted returns for some of them."""
    async with session_factory(engine)() as session, session.begin():
        providers: dict[str, Provider] = {}
        rows = []
        for item in register:
            provider = providers.setdefault(item.provider, Provider(name=item.provider))
            assert item.first_imported is not None
            row = AgreementRow(reference=item.reference, first_imported=item.first_imported, created_at=NOW, updated_at=NOW)
            row.contacts, row.kpis = [], []
            apply_to_row(item, row, provider)
            session.add(row)
            rows.append(row)
        await session.flush()
        for n, row in enumerate(rows):
            if n % 8 == 3 and row.start_date is not None:
                period = MonitoringPeriod(agreement_id=row.id, label="Q1 2026/27", period_start=date(2026, 4, 1),
                                          period_end=date(2026, 6, 30), due_date=date(2026, 7, 15))
                session.add(period)
                await session.flush()
                session.add(MonitoringReturn(period_id=period.id, state="submitted", submitted_at=datetime(2026, 7, 10, tzinfo=UTC),
                                             updated_at=NOW))


async def full_scan(engine: AsyncEngine, today: date) -> list[tuple[str, str]]:
    """What the rules owe with every live agreement read, nothing selected by the database."""
    async with session_factory(engine)() as session:
        everything = await load_agreements(session, active_only=True, with_kpis=False)
        sweep = SweepInput(
            agreements=sorted(everything.values(), key=lambda a: a.reference),
            returns=await alerts_repo.return_records(session),
            decisions=await alerts_repo.decisions(session),
            snoozes=await alerts_repo.snoozes(session, today),
            bank_holidays=BankHolidays(),
            quality=_quality_check(),
        )
    return sorted((alert.idempotency_key, alert.message) for alert in alerts_due(sweep, today))


async def test_the_selected_sweep_owes_what_a_full_scan_owes_on_awkward_days(engine: AsyncEngine) -> None:
    """Same alerts, same keys, same words, whatever the day; and most rows are never built on an ordinary day."""
    register = varied_register()
    await store(engine, register)
    selected_some = False
    for today in AWKWARD_DAYS:
        result = await run_sweep(session_factory(engine), today, bank_holidays=BankHolidays(), dry_run=True, force=True)
        assert sorted((alert.idempotency_key, alert.message) for alert in result.alerts) == await full_scan(engine, today), today
        async with session_factory(engine)() as session:
            live = await session.scalar(select(func.count()).select_from(AgreementRow).where(AgreementRow.status == "active"))
        selected_some = selected_some or result.agreements < (live or 0)
    assert selected_some
