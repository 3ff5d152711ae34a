"""Reading a question about money out ("which payments are late?") into a `PaymentsQuery`.

The engine's own readers find the period ("in January", "this year") and the loose names
("Refuge", "SNB", "the Safer London grant"); this module only knows the words that say which
payment question it is, so payment questions read like every other register question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from bot.questions.reading import NotUnderstood, Reading, lower, take_kinds
from bot.questions.words import FILLER
from domain.agreement import Agreement
from domain.payments_query import DUE_IN, LATE, NEXT, NO_FIRST, PAID_IN, STILL_TO_PAY, PaymentsQuery
from domain.query import KIND_PLURALS

if TYPE_CHECKING:
    from bot.questions.engine import QuestionEngine

PAYMENTS_TOPIC = re.compile(
    r"\b(payments?|instalments?|installments?|pay out|paid out|still to pay|left to pay|(have|did|has) we paid|we pay)\b"
)
# Checked in this order: the first that matches decides the question.
_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (NO_FIRST, re.compile(r"\b(haven'?t|have not|hasn'?t|has not|not yet|never)\b[^?]*\bfirst payments?\b|\bno payments? yet\b")),
    (NEXT, re.compile(r"\bnext payments?\b|\bnext instalments?\b")),
    (LATE, re.compile(r"\b(late|overdue|behind|unpaid)\b")),
    (STILL_TO_PAY, re.compile(r"\b(still|left) to pay\b|\boutstanding\b|\bstill owed?\b|\bremaining\b")),
    (PAID_IN, re.compile(r"\b(have|did|has) we paid\b|\bwe('ve| have) paid\b|\bpaid out\b|\bpaid\b")),
    (DUE_IN, re.compile(r"\bpay out\b|\bdue\b|\bwe pay\b|\bscheduled\b|\bpayments?\b")),
)
_PAYMENT_WORDS = frozenset({
    "payment", "payments", "instalment", "instalments", "installment", "installments", "pay", "paid", "out",
    "still", "left", "to", "how", "much", "is", "are", "what", "which", "when", "do", "did", "have", "has", "we",
    "our", "first", "had", "haven't", "havent", "not", "yet", "their", "its", "on", "the", "for", "next",
    "late", "overdue", "due", "behind", "outstanding", "owed", "owe", "remaining", "scheduled", "unpaid", "a",
    "any", "been", "received", "got", "made", "there", "so", "far", "hasn't", "hasnt", "never", "no", "from",
})


def is_about_payments(question: str | None) -> bool:
    return bool(question) and bool(PAYMENTS_TOPIC.search(lower(question or "")))


def parse_payments(engine: QuestionEngine, question: str, today: date) -> tuple[PaymentsQuery, list[Agreement]]:
    """The payments question and the agreements it is about (names, kinds and references narrow them)."""
    reading = Reading(lower(question))
    intent = next(name for name, pattern in _CUES if pattern.search(reading.text) or name == DUE_IN)
    references = engine._take_references(reading)
    found = engine._take_period(reading, today, question)
    hits, words = engine._take_names(reading, {})
    kinds = take_kinds(words)
    leftovers = [w for w in words if w is not None and w not in FILLER and w not in _PAYMENT_WORDS]
    titles: list[str] = []
    if leftovers:
        titles = engine._titles_like(" ".join(leftovers), kinds)
        if not titles:
            raise NotUnderstood(
                f"I didn't understand “{' '.join(leftovers)}” in a question about payments. "
                "Try a reference, a provider or a funding stream."
            )
    names = [(hit.field, hit.values) for hit in hits]
    wanted = set(references) | set(titles)
    register = [
        a for a in engine.register
        if (not kinds or a.kind in kinds) and all(getattr(a, field) in values for field, values in names)
        and (not wanted or a.reference in wanted)
    ]
    parts = [" and ".join(sorted(KIND_PLURALS[k] for k in kinds))] if kinds else []
    parts += [f"{field.replace('_', ' ')} {' or '.join(sorted(values))}" for field, values in names]
    parts += [", ".join(sorted(wanted))] if wanted else []
    scope = f"for {', '.join(parts)}" if parts else ""
    return PaymentsQuery(question, intent, found.period if found else None, scope), register


__all__: Sequence[str] = ("PAYMENTS_TOPIC", "is_about_payments", "parse_payments")
