"""The register's rows as domain `Agreement`s, and the queries other layers need.

Everything outside `storage/` sees agreements only as `domain.agreement.Agreement`; this
module is the one place that turns rows into them and back.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.agreement import Agreement, Kpi, format_extension_options
from domain.values import parse_extension_options
from storage.models import AgreementRow, Contact, KpiRow, Provider


def to_domain(row: AgreementRow) -> Agreement:
    """A loaded row (provider, contacts and KPIs eager) as an immutable `Agreement`."""
    contact = next((c for c in row.contacts if c.role == "provider_contact"), None)
    return Agreement(
        reference=row.reference,
        kind=row.kind,
        title=row.title,
        provider=row.provider.name,
        provider_id=row.provider_org_id,
        funding_stream=row.funding_stream,
        project_code=row.project_code,
        value=row.value,
        start_date=row.start_date,
        award_date=row.award_date,
        end_date=row.end_date,
        extension_options=parse_extension_options(row.extension_options),
        extended_to=row.extended_to,
        area=row.area,
        category=row.category,
        contract_manager=row.contract_manager,
        contact_name=contact.name if contact else "",
        contact_email=contact.email if contact else "",
        monitoring=row.monitoring,
        kpis=tuple(Kpi(k.name, Decimal(k.target)) for k in row.kpis),
        signed=row.signed,
        status=row.status,
        notes=row.notes,
        extra=tuple(sorted((row.extra or {}).items())),
        missing_from_last_import=row.missing_from_last_import,
        first_imported=row.first_imported,
    )


# Fields copied one-for-one between `Agreement` and `AgreementRow`.
PLAIN_FIELDS: tuple[str, ...] = (
    "kind", "title", "funding_stream", "project_code", "value", "start_date", "award_date",
    "end_date", "extended_to", "area", "category", "contract_manager", "monitoring", "signed",
    "status", "notes",
)


def apply_to_row(agreement: Agreement, row: AgreementRow, provider: Provider) -> None:
    """Write an agreement's values onto a row (new or existing), contacts and KPIs included."""
    for name in PLAIN_FIELDS:
        setattr(row, name, getattr(agreement, name))
    row.provider = provider
    row.provider_org_id = agreement.provider_id
    row.extension_options = format_extension_options(agreement.extension_options)
    row.extra = dict(agreement.extra)
    wanted_contact = (agreement.contact_name, agreement.contact_email)
    current = [(c.name, c.email) for c in row.contacts if c.role == "provider_contact"]
    if current != ([wanted_contact] if any(wanted_contact) else []):
        row.contacts = (
            [Contact(role="provider_contact", name=agreement.contact_name, email=agreement.contact_email)]
            if any(wanted_contact)
            else []
        )
    wanted_kpis = [(k.name, str(k.target)) for k in agreement.kpis]
    if [(k.name, k.target) for k in row.kpis] != wanted_kpis:
        row.kpis = [KpiRow(position=i, name=name, target=target) for i, (name, target) in enumerate(wanted_kpis)]


async def load_register(session: AsyncSession) -> list[Agreement]:
    """Every agreement in the register, ordered by reference."""
    result = await session.scalars(select(AgreementRow).order_by(AgreementRow.reference))
    return [to_domain(row) for row in result.unique()]


async def find_by_reference(session: AsyncSession, reference: str) -> Agreement | None:
    """One agreement by its exact reference (case-insensitive), or `None`."""
    rows = await session.scalars(select(AgreementRow).where(AgreementRow.reference.ilike(reference)))
    row = rows.unique().first()
    return to_domain(row) if row else None
