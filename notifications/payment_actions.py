"""Recording a payment from Teams: "record payment for GR-2025-016 £12,500 paid 3 Dec".

The handler reads the words (or the overdue alert's card) into a `RecordPayment`; this use case
checks the caller is staff *at the write* (a card button can be forged by anyone who can post
to the bot), reads the amount and date, and records the payment in one audited transaction,
which also tells the provider through the outbox. `after_payment` then writes it back to the
payments list in Microsoft 365, when that is configured.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.values import ValueNotUnderstood, parse_date, parse_money
from storage.payments import PaymentRefused, PaymentStanding, payment_standing, record_payment

STAFF_ONLY_PAYMENTS = "Only commissioning staff can record payments. Ask your contract manager if a payment is missing."
BAD_AMOUNT = "I couldn't read {text!r} as an amount: say it like \"£12,500\". Nothing was recorded."
BAD_DATE = "I couldn't read {text!r} as the day it was paid: say it like \"3 Dec\" or \"03/12/2026\". Nothing was recorded."
ALREADY_RECORDED_PREFIX = "Already recorded:"
ALREADY_RECORDED = (ALREADY_RECORDED_PREFIX + " this instalment was paid before you pressed, so nothing was recorded again. "
                    "If another payment was made, type \"record payment for {reference} £AMOUNT paid DATE\".")
FUTURE_DATE = "{day} is in the future: record a payment once it has been made. Nothing was recorded."

_MONTHS = {name: number for number, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?$", re.IGNORECASE)


def paid_day(text: str, today: date) -> date | None:
    """"3 Dec" is the latest 3 December not after today; full dates, "today" and "yesterday" as said."""
    words = " ".join(text.lower().split())
    if words in ("", "today"):
        return today
    if words == "yesterday":
        return date.fromordinal(today.toordinal() - 1)
    match = _DAY_MONTH.match(words)
    if match and match.group(2) in _MONTHS:
        day, month = int(match.group(1)), _MONTHS[match.group(2)]
        for year in (today.year, today.year - 1):
            try:
                candidate = date(year, month, day)
            except ValueError:
                return None
            if candidate <= today:
                return candidate
        return None
    try:
        return parse_date(text)
    except ValueNotUnderstood:
        return None


# After a payment is recorded (write it back to Microsoft 365): reference, actor → a note for the reply, or "".
AfterPayment = Callable[[str, str], Awaitable[str]]


class PaymentActions:
    """The record-a-payment use case, bound to a database, a clock and the payment profile."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], today: Callable[[], date], *, profile: str = "",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC), after_payment: AfterPayment | None = None,
    ) -> None:
        self._after_payment = after_payment
        self._sessions = sessions
        self._today = today
        self._profile = profile
        self._clock = clock

    async def standing(self, reference: str, due: date) -> PaymentStanding | None:
        """What has been recorded against the instalment an alert card is about (due on `due`)."""
        async with self._sessions() as session:
            return await payment_standing(session, reference, due)

    async def record(self, reference: str, amount_text: str, paid_text: str, actor: str, *, staff: bool,
                     card_due: date | None = None) -> str:
        """The reply to a record-payment request; nothing is written unless it is staff and all reads.

        `card_due` is the instalment an alert card was about: once anything is recorded against it,
        a press on that card (a stale copy, or a second press) is refused, so one card pays once.
        """
        if not staff:
            return STAFF_ONLY_PAYMENTS
        try:
            amount = parse_money(amount_text)
        except ValueNotUnderstood:
            amount = None
        if amount is None or amount <= Decimal(0):
            return BAD_AMOUNT.format(text=amount_text)
        today = self._today()
        paid = paid_day(paid_text, today)
        if paid is None:
            return BAD_DATE.format(text=paid_text)
        if paid > today:
            return FUTURE_DATE.format(day=paid.isoformat())
        try:
            async with self._sessions.begin() as session:
                if card_due is not None and await payment_standing(session, reference, card_due, lock=True):
                    return ALREADY_RECORDED.format(reference=reference)
                recorded = await record_payment(session, reference, amount, paid, actor=actor, profile=self._profile,
                                                now=self._clock())
        except PaymentRefused as refused:
            return str(refused)
        note = await self._after_payment(recorded.agreement.reference, actor) if self._after_payment else ""
        return f"{recorded.message()} {note}".strip()
