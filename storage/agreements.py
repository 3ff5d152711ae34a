"""The register's rows as domain `Agreement`s, and the queries other layers need.

Everything outside `storage/` sees agreements only as `domain.agreement.Agreement`; this
module is the one place that turns rows into them and back.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

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


async def load_agreements(session: AsyncSession, ids: Sequence[int] | None = None) -> dict[int, Agreement]:
    """Agreements by row id (all of them, or those in `ids`), read with three plain queries.

    Core rather than the ORM: building ORM objects for 10,000 rows only to turn them into
    dataclasses costs seconds, and every question, import and sweep needs the register.
    """
    agreements, contacts_table, kpis_table, providers = (
        AgreementRow.__table__, Contact.__table__, KpiRow.__table__, Provider.__table__,
    )
    rows_query = select(agreements, providers.c.name.label("provider_name")).join(
        providers, providers.c.id == agreements.c.provider_id
    )
    contacts_query = (
        select(contacts_table.c.agreement_id, contacts_table.c.name, contacts_table.c.email)
        .where(contacts_table.c.role == "provider_contact")
        .order_by(contacts_table.c.id)
    )
    kpis_query = select(kpis_table.c.agreement_id, kpis_table.c.name, kpis_table.c.target).order_by(
        kpis_table.c.agreement_id, kpis_table.c.position
    )
    if ids is not None:
        if not ids:
            return {}
        rows_query = rows_query.where(agreements.c.id.in_(ids))
        contacts_query = contacts_query.where(contacts_table.c.agreement_id.in_(ids))
        kpis_query = kpis_query.where(kpis_table.c.agreement_id.in_(ids))
    contacts: dict[int, tuple[str, str]] = {}
    for agreement_id, name, email in await session.execute(contacts_query):
        contacts.setdefault(agreement_id, (name, email))
    kpis: dict[int, list[Kpi]] = {}
    for agreement_id, name, target in await session.execute(kpis_query):
        kpis.setdefault(agreement_id, []).append(Kpi(name, Decimal(target)))
    return {
        row.id: _from_core_row(row, contacts.get(row.id, ("", "")), tuple(kpis.get(row.id, ())))
        for row in await session.execute(rows_query)
    }


def _from_core_row(row: Any, contact: tuple[str, str], kpis: tuple[Kpi, ...]) -> Agreement:
    """An agreement from a Core row of `agreements` joined to its provider's name."""
    return Agreement(
        reference=row.reference,
        provider=row.provider_name,
        provider_id=row.provider_org_id,
        extension_options=parse_extension_options(row.extension_options),
        contact_name=contact[0],
        contact_email=contact[1],
        kpis=kpis,
        extra=tuple(sorted((row.extra or {}).items())),
        missing_from_last_import=bool(row.missing_from_last_import),
        first_imported=row.first_imported,
        **{name: getattr(row, name) for name in PLAIN_FIELDS},
    )


async def load_register(session: AsyncSession) -> list[Agreement]:
    """Every agreement in the register, ordered by reference."""
    return sorted((await load_agreements(session)).values(), key=lambda a: a.reference)


async def find_by_reference(session: AsyncSession, reference: str) -> Agreement | None:
    """One agreement by its exact reference (case-insensitive), or `None`."""
    rows = await session.scalars(select(AgreementRow).where(AgreementRow.reference.ilike(reference)))
    row = rows.unique().first()
    return to_domain(row) if row else None
