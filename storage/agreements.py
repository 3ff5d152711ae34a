"""The register's rows as domain `Agreement`s, and the queries other layers need.

Everything outside `storage/` sees agreements only as `domain.agreement.Agreement`; this
module is the one place that turns rows into them and back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, SQLColumnExpression, String, func, null, select, type_coerce
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


# (current end date, monitoring frequency, start date, first imported, reference) → worth building?
Wanted = Callable[[date | None, str, date | None, date | None, str], bool]
# Up to this many rows chosen by `where`, their contacts and KPIs are read by id (SQLite allows
# 32,766 parameters); more, and reading every contact costs less than a huge IN list.
_FEW = 5000
_PARTITION = 2000  # raw rows held at once while the whole register is read
_RAW_DATES = frozenset({"start_date", "award_date", "end_date", "extended_to", "first_imported"})


async def load_agreements(
    session: AsyncSession,
    ids: Sequence[int] | None = None,
    *,
    active_only: bool = False,
    wanted: Wanted | None = None,
    with_kpis: bool = True,
    where: ColumnElement[bool] | None = None,
    with_extra: bool = True,
) -> dict[int, Agreement]:
    """Agreements by row id: all of them, those in `ids`, or the active ones.

    Every question, import and sweep needs the whole register, and at 100,000 agreements
    the per-value work of an ORM load costs more than the rules themselves. So this reads
    plain Core rows, with dates and pence uncoerced (converted here with the C
    `date.fromisoformat`), and `wanted` skips rows that cannot matter before an `Agreement`
    is built for them. KPIs are left out when the caller has no use for them. `where` selects
    rows in SQL (contacts and KPIs follow it); `with_extra=False` leaves the extra columns'
    JSON undecoded (`extra` is empty) for callers that never read them.
    """
    a = AgreementRow
    # Raw values (dates as the driver gives them, pence uncoerced), converted below.
    columns: list[SQLColumnExpression[Any]] = [
        a.id, a.reference, a.kind, a.title, Provider.name, a.provider_org_id, a.funding_stream, a.project_code,
        type_coerce(a.value, BigInteger), a.start_date, a.award_date, a.end_date, a.extension_options, a.extended_to,
        a.area, a.category, a.contract_manager, a.monitoring, a.signed, a.status, a.notes,
        a.extra if with_extra else null(), a.missing_from_last_import, a.first_imported,
    ]
    columns = [type_coerce(c, String) if getattr(c, "key", "") in _RAW_DATES else c for c in columns]
    contacts_query = select(Contact.agreement_id, Contact.name, Contact.email).where(Contact.role == "provider_contact")
    kpis_query = select(KpiRow.agreement_id, KpiRow.name, KpiRow.target).order_by(KpiRow.agreement_id, KpiRow.position)
    rows_query = select(*columns).join(Provider, Provider.id == a.provider_id)
    if active_only:
        rows_query = rows_query.where(a.status == "active")
    if where is not None:
        rows_query = rows_query.where(where)
    if ids is not None:
        if not ids:
            return {}
        rows_query = rows_query.where(a.id.in_(ids))
        contacts_query = contacts_query.where(Contact.agreement_id.in_(ids))
        kpis_query = kpis_query.where(KpiRow.agreement_id.in_(ids))
    connection = await session.connection()
    # The whole register is read in partitions after its contacts and KPIs: holding 100,000 raw
    # rows at once as well as the agreements built from them left the memory they took spread
    # among the agreements for good (a third more resident memory for the bot's life).
    whole = where is None and ids is None
    rows: Sequence[Any] = ()
    if not whole:
        rows = (await connection.execute(rows_query)).all()
    if where is not None and ids is None and len(rows) <= _FEW:
        # A few rows chosen by `where`: their children by id, not the database evaluating `where` again.
        ids = [row[0] for row in rows]
        if not ids:
            return {}
        contacts_query = contacts_query.where(Contact.agreement_id.in_(ids))
        kpis_query = kpis_query.where(KpiRow.agreement_id.in_(ids))
    contacts: dict[int, tuple[str, str]] = {}
    for agreement_id, name, email in (await connection.execute(contacts_query.order_by(Contact.id))).all():
        contacts.setdefault(agreement_id, (name, email))
    # The driver hands back a new object for every cell; a register repeats its kinds, providers,
    # streams, areas, managers, dates and amounts on thousands of rows, so each distinct value
    # is kept once (at 100,000 agreements that is tens of megabytes of the bot's memory).
    one: dict[Any, Any] = {}
    kpis: dict[int, list[Kpi]] = {}
    if with_kpis:
        for agreement_id, name, target in (await connection.execute(kpis_query)).all():
            kpis.setdefault(agreement_id, []).append(Kpi(one.setdefault(name, name), _shared_decimal(target, one)))
    build = _builder(contacts, kpis, wanted, one)
    found: dict[int, Agreement] = {}
    if whole:
        async for partition in (await connection.stream(rows_query)).partitions(_PARTITION):
            for row in partition:
                build(row, found)
    else:
        for row in rows:
            build(row, found)
    return found


def _builder(
    contacts: dict[int, tuple[str, str]], kpis: dict[int, list[Kpi]], wanted: Wanted | None, one: dict[Any, Any],
) -> Callable[[Any, dict[int, Agreement]], None]:
    """Builds one `Agreement` from one raw row into `found` (unless `wanted` says it cannot matter)."""
    options_cache: dict[str, tuple[int, ...]] = {}
    no_contact = ("", "")
    day = shared_days()

    def build(row: Any, found: dict[int, Agreement]) -> None:
        (row_id, reference, kind, title, provider, provider_org_id, funding_stream, project_code, pence, start_date,
         award_date, end_date, extension_options, extended_to, area, category, contract_manager, monitoring, signed,
         status, notes, extra, missing, first_imported) = row
        end_date, extended_to, start_date, first_imported = day(end_date), day(extended_to), day(start_date), day(first_imported)
        award_date = day(award_date)
        kind, provider, provider_org_id, funding_stream = (
            one.setdefault(kind, kind), one.setdefault(provider, provider), one.setdefault(provider_org_id, provider_org_id),
            one.setdefault(funding_stream, funding_stream),
        )
        area, category, contract_manager, monitoring, signed, status, pence = (
            one.setdefault(area, area), one.setdefault(category, category), one.setdefault(contract_manager, contract_manager),
            one.setdefault(monitoring, monitoring), one.setdefault(signed, signed), one.setdefault(status, status),
            one.setdefault(pence, pence),
        )
        if wanted is not None and not wanted(extended_to or end_date, monitoring, start_date, first_imported, reference):
            return
        options = options_cache.get(extension_options)
        if options is None:
            options = options_cache[extension_options] = parse_extension_options(extension_options)
        name, email = contacts.get(row_id, no_contact)
        found[row_id] = Agreement(
            reference=reference, kind=kind, title=title, provider=provider, provider_id=provider_org_id,
            funding_stream=funding_stream, project_code=project_code, value=shared_pounds(pence, one),
            start_date=start_date, award_date=award_date, end_date=end_date,
            extension_options=options, extended_to=extended_to, area=area, category=category,
            contract_manager=contract_manager, contact_name=name, contact_email=email, monitoring=monitoring,
            kpis=tuple(kpis.get(row_id, ())), signed=signed, status=status, notes=notes,
            extra=tuple(sorted((extra or {}).items())), missing_from_last_import=bool(missing),
            first_imported=first_imported,
        )

    return build


def _day(value: str | date | None) -> date | None:
    """A DATE column read raw: SQLite hands back text, PostgreSQL a date."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def shared_days() -> Callable[[str | date | None], date | None]:
    """`_day`, each distinct date text read once and its `date` shared by every row that has it."""
    seen: dict[str | date | None, date | None] = {}

    def day(value: str | date | None) -> date | None:
        found = seen.get(value, _UNSEEN)
        if found is _UNSEEN:
            found = seen[value] = _day(value)
        return found  # type: ignore[return-value]

    return day


_UNSEEN = object()


def shared_pounds(pence: int | None, one: dict[Any, Any]) -> Decimal | None:
    """Whole pence read raw as pounds (`_pounds`), one `Decimal` per distinct amount in `one`."""
    if pence is None:
        return None
    key = ("pence", pence)
    found = one.get(key)
    if found is None:
        found = one[key] = _pounds(pence)
    return found


def _shared_decimal(value: Any, one: dict[Any, Any]) -> Decimal:
    """`Decimal(value)`, one object per distinct value (KPI targets repeat across a register)."""
    key = ("decimal", value)
    found = one.get(key)
    if found is None:
        found = one[key] = Decimal(value)
    return found


def _pounds(pence: int | None) -> Decimal | None:
    """Whole pence as pounds, exactly as the `Pence` column type reads them."""
    return None if pence is None else (Decimal(pence) / 100).quantize(Decimal("0.01"))


async def load_register(session: AsyncSession) -> list[Agreement]:
    """Every agreement in the register, ordered by reference."""
    return sorted((await load_agreements(session)).values(), key=lambda a: a.reference)


def reference_is(reference: str) -> ColumnElement[bool]:
    """The agreement whose reference is exactly `reference`, ignoring case and surrounding spaces.

    Never a pattern: a reference comes from people and from card data, where `%` or `_` would
    otherwise make a LIKE match whichever agreement the database finds first.
    """
    return func.lower(AgreementRow.reference) == reference.strip().lower()


async def find_by_reference(session: AsyncSession, reference: str) -> Agreement | None:
    """One agreement by its exact reference (case-insensitive), or `None`."""
    rows = await session.scalars(select(AgreementRow).where(reference_is(reference)))
    row = rows.unique().first()
    return to_domain(row) if row else None
