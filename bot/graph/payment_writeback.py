"""Write a payment recorded in Teams back to the payments list, never over someone else's edit.

When write-back is on (`REGISTER_WRITEBACK`) and the payments come from a list (`PAYMENTS_LIST`),
each instalment a recorded payment changed gets a `PATCH …/items/{id}/fields` of its paid date,
paid amount and payment reference (whichever of those columns the list has), with `If-Match` on
the eTag the item had when last read. A `412` means someone changed the item in SharePoint since:
nothing is overwritten, the person who recorded it is told, the payment stays recorded here, and
it is tried again after the next sync brings the item's new version in.

A payment recorded against an agreement the list has no item for (an unscheduled payment, or
one beyond its schedule) becomes a new item: `POST …/items` with the reference, the due date
and amount (the day it was paid, and what was paid), the payment itself and a note saying it
was recorded in Teams, so the list, the schedule's source of truth, shows every payment made.

A POST is never repeated blindly: if the connection drops before Graph answers, the item may
exist already. The note (or, without a notes column, an empty payment-reference column) carries
a key naming the payment; the list is searched for an item with that key that no instalment
here stands for, and only when there is none is the POST sent again. A list with neither column
has nowhere to keep a key: the item is then known by every value written into it (agreement, due
date, amount, paid date and amount paid). If even that cannot be told, the payment stays marked
to be written and the person is told to check the list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.graph.client import GraphClient, GraphOutcomeUnknown, GraphRefused
from bot.graph.register_list import ListReader
from bot.graph.register_source import RegisterSource
from bot.graph.writeback import WRITE_PERMISSION, WritebackResult, _shaped
from domain.list_fields import ListColumn, read_column
from domain.payment_rows import plan_payment_columns
from storage.db import session_factory
from storage.payment_list import (
    PendingPayment,
    UnlistedPayment,
    linked_item_ids,
    payment_listed,
    payment_written,
    pending_payments,
    unlisted_payments,
)
from storage.register_sync import list_item_of

log = logging.getLogger(__name__)

CONFLICT = ("Recorded here, but not written to the payments list: instalment {number} of {reference} was changed in "
            "SharePoint since the bot last read it. It is written after the next sync; check the list then.")
FAILED = "Recorded here, but not written to the payments list ({reason}). It is tried again after the next sync."
NO_PAID_COLUMN = "the payments list has no column for the paid date: add one, such as 'Date paid'"
NOT_CREATED = ("Recorded here, but not added to the payments list ({reason}). It is kept here and tried again after "
               "the next sync; or add it to the list yourself.")
WRITTEN_FIELDS = ("paid_date", "paid_amount", "payment_reference")
CREATED_FIELDS = ("reference", "due_date", "amount", *WRITTEN_FIELDS, "note")
CREATED_NOTE = "Recorded in Teams by {actor}: {note}. {key}"
CREATE_TRIES = 2


class PaymentWriteBack:
    """Writes recorded payments to their payments-list items."""

    def __init__(self, engine: AsyncEngine, source: RegisterSource, graph: GraphClient) -> None:
        self.engine = engine
        self.source = source
        self.graph = graph

    @property
    def enabled(self) -> bool:
        return self.source.payments_writeback

    async def push(self, reference: str | None = None, actor: str = "") -> WritebackResult:
        """Write the agreement's payments not yet in the list (every agreement's when `reference` is None)."""
        if not self.enabled:
            return WritebackResult("skipped")
        async with session_factory(self.engine)() as session:
            waiting = await pending_payments(session, reference)
            unlisted = await unlisted_payments(session, reference)
        if not waiting and not unlisted:
            return WritebackResult("skipped")
        notes: list[str] = []
        written = 0
        try:
            async with self.graph.session() as http:
                reader = ListReader(self.graph, http, replace(self.source, list_name=self.source.payments_list))
                await reader.open()
                columns = _columns([read_column(c) for c in await reader.columns()])
                if "paid_date" not in columns:
                    return WritebackResult("failed", FAILED.format(reason=NO_PAID_COLUMN))
                for payment in waiting:
                    note = await self._one(http, reader.list_path, columns, payment)
                    written += not note
                    if note and note not in notes:
                        notes.append(note)
                for made in unlisted:
                    note = await self._create(http, reader, columns, made, actor)
                    written += not note
                    if note and note not in notes:
                        notes.append(note)
        except GraphRefused as refused:
            notes.append(FAILED.format(reason=str(refused).rstrip(".")))
        log.info("Payments write-back: %d written, %d not", written, len(waiting) + len(unlisted) - written)
        if not notes:
            return WritebackResult("written")
        return WritebackResult("conflict" if all(n.startswith(CONFLICT[:30]) for n in notes) else "failed", " ".join(notes))

    async def _one(self, http: Any, list_path: str, columns: dict[str, ListColumn], payment: PendingPayment) -> str:
        """PATCH one item; "" when it went through, else what to tell the person."""
        recorded: dict[str, Any] = {"paid_date": payment.paid_on, "paid_amount": payment.paid_amount,
                                    "payment_reference": payment.payment_reference}
        values = {columns[name].name: _value(recorded[name], columns[name], self.source) for name in WRITTEN_FIELDS
                  if name in columns}
        answer = await self.graph.call(http, "PATCH", f"{list_path}/items/{payment.item_id}/fields", values,
                                       headers={"If-Match": payment.etag} if payment.etag else None)
        if answer.status == 412:
            return CONFLICT.format(number=payment.number, reference=payment.reference)
        if answer.status in (401, 403):
            return FAILED.format(reason=WRITE_PERMISSION)
        if answer.status != 200:
            return FAILED.format(reason=f"Graph answered HTTP {answer.status}")
        etag = answer.headers.get("ETag") or str(answer.body.get("@odata.etag") or "")
        async with session_factory(self.engine)() as session, session.begin():
            await payment_written(session, payment.reference, payment.number, etag)
        return ""


    async def _create(
        self, http: Any, reader: ListReader, columns: dict[str, ListColumn], made: UnlistedPayment, actor: str,
    ) -> str:
        """POST one new item for a payment the list has no item for; "" when it went through, else what to tell the person.

        After a dropped connection the item is looked for by its key before the POST is sent again.
        """
        missing = [name for name in ("reference", "due_date", "amount") if name not in columns]
        if missing:
            return NOT_CREATED.format(reason=f"the payments list has no column for the {missing[0].replace('_', ' ')}")
        recorded: dict[str, Any] = {
            "reference": made.reference, "due_date": made.due, "amount": made.amount, "paid_date": made.paid_on,
            "paid_amount": made.paid_amount, "payment_reference": made.payment_reference,
            "note": CREATED_NOTE.format(actor=actor or "the bot", note=made.note, key=payment_key(made)),
        }
        key_column = columns.get("note")
        if key_column is None and "payment_reference" in columns and not made.payment_reference:
            recorded["payment_reference"], key_column = payment_key(made), columns["payment_reference"]
        values = {columns[name].name: _value(recorded[name], columns[name], self.source) for name in CREATED_FIELDS
                  if name in columns and recorded[name] not in (None, "")}
        reference = columns["reference"]
        if reference.kind == "lookup":  # the agreement as a lookup into the register list: written by its item id
            async with session_factory(self.engine)() as session:
                item = await list_item_of(session, made.reference)
            if item is None:
                return NOT_CREATED.format(reason=f"{made.reference} has no item in the register list to look up")
            del values[reference.name]
            values[f"{reference.name}LookupId"] = item.item_id
        for attempt in range(1, CREATE_TRIES + 1):
            try:
                answer = await self.graph.call(http, "POST", f"{reader.list_path}/items", {"fields": values})
                break
            except GraphOutcomeUnknown as unknown:
                if key_column is not None:
                    found = await self._made_earlier(reader, _holds_key(key_column, payment_key(made)))
                else:  # no column to hold the key: the item is known by every value written into it
                    found = await self._made_earlier(reader, _holds_values(values))
                if found is not None:
                    async with session_factory(self.engine)() as session, session.begin():
                        await payment_listed(session, made.reference, made.number, *found)
                    return ""
                if attempt == CREATE_TRIES:
                    return NOT_CREATED.format(reason=str(unknown))
        if answer.status in (401, 403):
            return NOT_CREATED.format(reason=WRITE_PERMISSION)
        if answer.status not in (200, 201) or not answer.body.get("id"):
            return NOT_CREATED.format(reason=f"Graph answered HTTP {answer.status}")
        etag = answer.headers.get("ETag") or str(answer.body.get("eTag") or answer.body.get("@odata.etag") or "")
        async with session_factory(self.engine)() as session, session.begin():
            await payment_listed(session, made.reference, made.number, str(answer.body["id"]), etag)
        return ""


    async def _made_earlier(self, reader: ListReader, made_it: Callable[[dict[str, Any]], bool]) -> tuple[str, str] | None:
        """The item (id, eTag) a POST whose answer was lost made: `made_it` says so of its fields, and no
        instalment here stands for it already."""
        async with session_factory(self.engine)() as session:
            linked = await linked_item_ids(session)
        async for page in reader.pages():
            for item in page:
                item_id = str(item.get("id") or "")
                if item_id and item_id not in linked and made_it(item.get("fields") or {}):
                    return item_id, str(item.get("eTag") or item["fields"].get("@odata.etag") or "")
        return None


def _holds_key(column: ListColumn, key: str) -> Callable[[dict[str, Any]], bool]:
    """An item whose `column` holds the key this bot wrote into it."""
    return lambda fields: key in str(fields.get(column.name) or "")


def _holds_values(written: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """An item holding every value written: the agreement, due date, amount, paid date and amount paid.

    Used when the list has nowhere to keep a key. Another item with all the same values is the same
    payment written by someone else, and standing for it is right too.
    """
    return lambda fields: all(_same(value, fields.get(name)) for name, value in written.items())


def _same(written: Any, found: Any) -> bool:
    """Whether SharePoint's value is the one written, as it hands values back: numbers as numbers or
    text, lookup ids as text, dates as UTC instants with or without a `Z`."""
    if found is None:
        return False
    if str(written).strip() == str(found).strip():
        return True
    try:
        return float(written) == float(found)
    except (TypeError, ValueError):
        pass
    try:
        return datetime.fromisoformat(str(written).replace("Z", "+00:00")) == datetime.fromisoformat(
            str(found).replace("Z", "+00:00"))
    except ValueError:
        return False


def payment_key(made: UnlistedPayment) -> str:
    """Names one payment made here, written into the new item so a lost answer can be found again."""
    return f"[Teams payment {made.reference}/{made.number}/{made.paid_on}/{made.paid_amount:.2f}]"


def _columns(listed: list[ListColumn]) -> dict[str, ListColumn]:
    """Payment field → the list column holding it, matched as the sync reads them."""
    plan = plan_payment_columns(listed)
    return {plan.fields[column.name]: column for column in plan.columns}


def _value(value: Any, column: ListColumn, source: RegisterSource) -> Any:
    """Shaped for the column: a date as SharePoint keeps a date-only value, money as a number in a number column."""
    if isinstance(value, Decimal):
        return float(value) if column.kind in ("number", "currency") else f"{value:.2f}"
    return _shaped(value, column, source.zone)
