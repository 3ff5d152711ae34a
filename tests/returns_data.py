"""A small register of agreements with KPIs, written straight to a test database.

Monitoring tests need agreements in the database without depending on the importer; this
writes rows the way storage does (`apply_to_row`) and nothing more.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.agreement import Agreement, Kpi
from storage.agreements import apply_to_row
from storage.db import session_factory
from storage.models import AgreementRow, Provider

TODAY = date(2026, 10, 5)
SAFE_HARBOUR = "Safe Harbour"
NORTHSIDE = "Northside Youth Trust"


def agreement(reference: str = "OPCC-2023-014", provider: str = SAFE_HARBOUR, **changes: object) -> Agreement:
    """A four-year £400,000 grant with two KPIs, monitored quarterly from April 2026."""
    values: dict[str, object] = dict(
        reference=reference, kind="grant", title="Independent sexual violence advisers", provider=provider,
        value=Decimal("400000"), start_date=date(2026, 4, 1), end_date=date(2030, 3, 31),
        contact_email="returns@safeharbour.org.uk" if provider == SAFE_HARBOUR else "data@northside.org.uk",
        kpis=(Kpi("referrals", Decimal(120)), Kpi("sessions", Decimal(300))),
    )
    values.update(changes)
    return Agreement(**values)  # type: ignore[arg-type]


REGISTER = (
    agreement(),
    agreement("OPCC-2024-031", title="Domestic abuse outreach", kpis=(Kpi("households supported", Decimal(40)),)),
    agreement("OPCC-2024-077", NORTHSIDE, title="Youth diversion", kpis=(Kpi("young people", Decimal(60)),)),
)


async def add_agreements(engine: AsyncEngine, agreements: tuple[Agreement, ...] = REGISTER, first_imported: date = date(2026, 4, 1)) -> None:
    """Write the agreements (and their providers) as an import would."""
    now = datetime(2026, 4, 1, 9, tzinfo=UTC)
    async with session_factory(engine)() as session, session.begin():
        for item in agreements:
            provider = await session.scalar(select(Provider).where(Provider.name == item.provider))
            if provider is None:
                provider = Provider(name=item.provider)
                session.add(provider)
            row = AgreementRow(reference=item.reference, first_imported=first_imported, created_at=now, updated_at=now)
            row.contacts = []
            row.kpis = []
            apply_to_row(item, row, provider)
            session.add(row)
