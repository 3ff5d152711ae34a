"""Payment schedules synced from a Microsoft List, and payments recorded here waiting to be written to it.

The list is read and parsed like a payments file (`domain.payment_rows`), and written with the
file's rules: a reference the register does not know refuses the sync, doubts are flagged, and a
schedule is replaced as a whole only when it changed (one audit entry per agreement). Two things
differ because the list is the source of truth and items have identities:

- each instalment remembers its list item and that item's eTag, so a payment recorded in Teams
  can be written back to exactly that item, never over someone else's edit;
- a payment recorded here and not yet in the list (write-back off, or refused because the item
  changed) is kept when the list still shows that instalment unpaid; once the list shows a
  payment, the list wins. An agreement whose every list item was deleted loses its list
  schedule (audited); one never in the list keeps what a file import gave it;
- a payment recorded here for which the list has no item at all (an unscheduled payment, or
  one beyond the schedule) is kept after the list's instalments until write-back creates its
  item; from then on the list holds it like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.payment_rows import ParsedPayments, check_against
from domain.payments import ZERO, Instalment
from storage.agreements import load_register
from storage.models import AgreementRow, AuditEntry, PaymentInstalment, table_of
from storage.payments import ACTION_IMPORT, ListLink, PaymentsSummary, _row, _summary
from storage.register_sheets import ImportRefused

INSTALMENTS = table_of(PaymentInstalment)
AGREEMENTS = table_of(AgreementRow)
AUDIT = table_of(AuditEntry)
REMOVED = "payments_removed"

# (reference casefolded, instalment number as parsed) → (list item id, eTag)
ItemLinks = Mapping[tuple[str, int], tuple[str, str]]


@dataclass(frozen=True)
class _Stored:
    agreement_id: int
    instalment: Instalment
    link: ListLink
    recorded_by: str
    recorded_at: datetime | None


async def _stored(session: AsyncSession) -> dict[str, list[_Stored]]:
    rows = await session.execute(
        select(AGREEMENTS.c.reference, INSTALMENTS.c.agreement_id, INSTALMENTS.c.number, INSTALMENTS.c.due,
               INSTALMENTS.c.amount, INSTALMENTS.c.paid_on, INSTALMENTS.c.paid_amount, INSTALMENTS.c.payment_reference,
               INSTALMENTS.c.note, INSTALMENTS.c.generated, INSTALMENTS.c.list_item_id, INSTALMENTS.c.list_item_etag,
               INSTALMENTS.c.list_pending, INSTALMENTS.c.recorded_by, INSTALMENTS.c.recorded_at)
        .join(AGREEMENTS, AGREEMENTS.c.id == INSTALMENTS.c.agreement_id)
        .order_by(AGREEMENTS.c.reference, INSTALMENTS.c.due, INSTALMENTS.c.number)
    )
    out: dict[str, list[_Stored]] = {}
    for (ref, agreement_id, number, due, amount, paid_on, paid, payment_ref, note, generated, item_id, etag, pending,
         recorded_by, recorded_at) in rows:
        instalment = Instalment(ref, number, due, amount, paid_on, paid or ZERO, payment_ref or "", note or "", bool(generated))
        out.setdefault(ref.casefold(), []).append(
            _Stored(agreement_id, instalment, ListLink(item_id, etag or "", bool(pending)), recorded_by or "", recorded_at))
    return out


async def write_payment_list(
    session: AsyncSession, parsed: ParsedPayments, links: ItemLinks, *, source: str, actor: str, batch_id: int | None,
) -> PaymentsSummary:
    """Bring stored schedules in line with the payments list, inside the caller's transaction.

    Raises `ImportRefused` (the caller rolls back) for an instalment whose reference the register
    does not have.
    """
    register = {a.reference.casefold(): a for a in await load_register(session)}
    refused, flags = check_against(parsed, register)
    if refused:
        raise ImportRefused(refused)
    ids = {ref.casefold(): id_ for id_, ref in await session.execute(select(AGREEMENTS.c.id, AGREEMENTS.c.reference))}
    stored = await _stored(session)
    now = datetime.now(UTC)
    changed = 0
    audit: list[dict[str, Any]] = []
    for reference, schedule in parsed.schedules.items():
        key = reference.casefold()
        agreement = register[key]
        before = stored.get(key, [])
        kept = {entry.link.item_id: entry for entry in before if entry.link.item_id and entry.link.pending}
        rows: list[dict[str, Any]] = []
        after: list[Instalment] = []
        for instalment in schedule:
            item_id, etag = links.get((key, instalment.number), ("", ""))
            instalment = replace(instalment, reference=agreement.reference)
            link, recorded_by, recorded_at = ListLink(item_id or None, etag), "", None
            waiting = kept.get(item_id)
            if waiting is not None and instalment.paid_on is None and instalment.paid_amount == ZERO:
                # Recorded here, not yet in the list: keep the payment until it is written back.
                instalment = replace(instalment, paid_on=waiting.instalment.paid_on,
                                     paid_amount=waiting.instalment.paid_amount,
                                     payment_reference=waiting.instalment.payment_reference)
                link, recorded_by, recorded_at = replace(link, pending=True), waiting.recorded_by, waiting.recorded_at
            after.append(instalment)
            rows.append(_row(ids[key], instalment, batch_id=batch_id, actor=recorded_by, at=recorded_at, link=link))
        # Made here by a payment (unscheduled, or beyond the schedule) and not yet a list item: kept after the list's own.
        for entry in before:
            if entry.link.pending and not entry.link.item_id:
                instalment = replace(entry.instalment, reference=agreement.reference, number=len(after) + 1)
                after.append(instalment)
                rows.append(_row(ids[key], instalment, batch_id=batch_id, actor=entry.recorded_by, at=entry.recorded_at,
                                 link=entry.link))
        old_summary, new_summary = _summary(e.instalment for e in before), _summary(after)
        links_after = {ListLink(r["list_item_id"], r["list_item_etag"], r["list_pending"]) for r in rows}
        if old_summary == new_summary and {e.link for e in before} == links_after:
            continue
        await session.execute(delete(INSTALMENTS).where(INSTALMENTS.c.agreement_id == ids[key]))
        await session.execute(insert(INSTALMENTS), rows)
        if old_summary != new_summary:
            changed += 1
            audit.append({"at": now, "actor": actor[:320], "action": ACTION_IMPORT, "reference": agreement.reference,
                          "field": "payments", "old_value": old_summary, "new_value": new_summary, "batch_id": batch_id})
    listed = {reference.casefold() for reference in parsed.schedules}
    for key, entries in stored.items():
        if key in listed or not any(entry.link.item_id for entry in entries):
            continue  # still in the list, or never synced from it (a file import's schedule stays)
        gone = [entry for entry in entries if entry.link.item_id]
        await session.execute(delete(INSTALMENTS).where(INSTALMENTS.c.agreement_id == entries[0].agreement_id)
                              .where(INSTALMENTS.c.list_item_id.is_not(None)))
        changed += 1
        audit.append({"at": now, "actor": actor[:320], "action": REMOVED, "reference": entries[0].instalment.reference,
                      "field": "payments", "old_value": _summary(e.instalment for e in gone), "new_value": "",
                      "batch_id": batch_id})
    if audit:
        await session.execute(insert(AUDIT), audit)
    return PaymentsSummary(
        source, parsed.rows, len(parsed.schedules), sum(len(s) for s in parsed.schedules.values()), changed,
        {code: tuple(references) for code, references in flags.items()},
    )


@dataclass(frozen=True)
class PendingPayment:
    """A payment recorded here that the payments list does not show yet."""

    reference: str
    number: int
    item_id: str
    etag: str
    paid_on: date | None
    paid_amount: Decimal
    payment_reference: str
    recorded_by: str


async def pending_payments(session: AsyncSession, reference: str | None = None) -> list[PendingPayment]:
    """Payments waiting to be written to the list: one agreement's, or everyone's (oldest agreement first)."""
    query = (
        select(AGREEMENTS.c.reference, INSTALMENTS.c.number, INSTALMENTS.c.list_item_id, INSTALMENTS.c.list_item_etag,
               INSTALMENTS.c.paid_on, INSTALMENTS.c.paid_amount, INSTALMENTS.c.payment_reference, INSTALMENTS.c.recorded_by)
        .join(AGREEMENTS, AGREEMENTS.c.id == INSTALMENTS.c.agreement_id)
        .where(INSTALMENTS.c.list_pending.is_(True), INSTALMENTS.c.list_item_id.is_not(None))
        .order_by(AGREEMENTS.c.reference, INSTALMENTS.c.number)
    )
    if reference is not None:
        query = query.where(AGREEMENTS.c.reference == reference)
    return [PendingPayment(ref, number, item_id, etag or "", paid_on, paid or ZERO, payment_ref or "", by or "")
            for ref, number, item_id, etag, paid_on, paid, payment_ref, by in await session.execute(query)]


async def payment_written(session: AsyncSession, reference: str, number: int, etag: str) -> None:
    """The list now shows the payment: nothing more to write, and the item's new eTag for next time."""
    agreement = select(AGREEMENTS.c.id).where(AGREEMENTS.c.reference == reference).scalar_subquery()
    await session.execute(
        update(INSTALMENTS).where(INSTALMENTS.c.agreement_id == agreement, INSTALMENTS.c.number == number)
        .values(list_pending=False, **({"list_item_etag": etag[:200]} if etag else {}))
    )


@dataclass(frozen=True)
class UnlistedPayment:
    """A payment recorded here that made an instalment of its own, which the payments list has no item for yet."""

    reference: str
    number: int
    due: date
    amount: Decimal
    paid_on: date | None
    paid_amount: Decimal
    payment_reference: str
    note: str


async def unlisted_payments(session: AsyncSession, reference: str | None = None) -> list[UnlistedPayment]:
    """Instalments waiting to be created in the list: one agreement's, or everyone's."""
    query = (
        select(AGREEMENTS.c.reference, INSTALMENTS.c.number, INSTALMENTS.c.due, INSTALMENTS.c.amount, INSTALMENTS.c.paid_on,
               INSTALMENTS.c.paid_amount, INSTALMENTS.c.payment_reference, INSTALMENTS.c.note)
        .join(AGREEMENTS, AGREEMENTS.c.id == INSTALMENTS.c.agreement_id)
        .where(INSTALMENTS.c.list_pending.is_(True), INSTALMENTS.c.list_item_id.is_(None))
        .order_by(AGREEMENTS.c.reference, INSTALMENTS.c.number)
    )
    if reference is not None:
        query = query.where(AGREEMENTS.c.reference == reference)
    return [UnlistedPayment(ref, number, due, amount, paid_on, paid or ZERO, payment_ref or "", note or "")
            for ref, number, due, amount, paid_on, paid, payment_ref, note in await session.execute(query)]


async def payment_listed(session: AsyncSession, reference: str, number: int, item_id: str, etag: str) -> None:
    """The list now has an item for the instalment: remember it, as a synced instalment remembers its own."""
    agreement = select(AGREEMENTS.c.id).where(AGREEMENTS.c.reference == reference).scalar_subquery()
    await session.execute(
        update(INSTALMENTS).where(INSTALMENTS.c.agreement_id == agreement, INSTALMENTS.c.number == number)
        .values(list_pending=False, list_item_id=item_id[:100], list_item_etag=etag[:200])
    )


async def linked_item_ids(session: AsyncSession) -> set[str]:
    """The payments-list items some instalment here already stands for: never the item of another payment."""
    rows = await session.execute(select(INSTALMENTS.c.list_item_id).where(INSTALMENTS.c.list_item_id.is_not(None)))
    return {str(item_id) for (item_id,) in rows}
