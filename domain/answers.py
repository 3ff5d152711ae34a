"""What an answer to a register question contains, independent of how it is shown.

The question engine (`bot/questions/engine.py` parses English, `domain/query.py` applies the
meaning) produces an `Answer`; cards, the plain-text fallback and `ask --json` all render
the same object, so Teams and the command line can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from domain.agreement import Agreement
from domain.breakdowns import Group


@dataclass(frozen=True)
class Period:
    """An inclusive range of days with the words that describe it ("Q3 2026/27")."""

    start: date
    end: date
    label: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True)
class Match:
    """One agreement in an answer, with what the reader should notice about it."""

    agreement: Agreement
    ended: bool = False
    not_started: bool = False
    # Data-quality problems, filled in when the question asked about them.
    problems: tuple[str, ...] = ()
    # Other lines to show with the agreement, such as its monitoring returns' states.
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PaymentLine:
    """One instalment in an answer about money out: what was due, what was paid, and its status."""

    reference: str
    due: date
    amount: Decimal
    paid: Decimal
    status: str
    paid_on: date | None = None
    generated: bool = False


@dataclass(frozen=True)
class Answer:
    """The full answer to one question.

    `interpretation` always says what was understood ("Q3 2026/27: 1 Oct – 31 Dec 2026,
    grants, current end date"). `matches` lists every agreement counted, in display order;
    `count` and `total_value` are over all of them. When `understood` is False, `headline`
    says so and `examples` suggests questions that work.
    """

    question: str
    understood: bool
    intent: str
    headline: str
    interpretation: str = ""
    period: Period | None = None
    matches: tuple[Match, ...] = ()
    # A question about one agreement ("when does the Safer London contract end?").
    about_one: bool = False
    examples: tuple[str, ...] = ()
    # Value of agreements with no value recorded is not in the total; say how many.
    missing_values: int = 0
    details: tuple[str, ...] = field(default=())
    # Instalments, for questions about payments.
    payments: tuple[PaymentLine, ...] = ()
    # When a phrase has more than one reading ("over the summer"): (button title, the question
    # asked again with that exact period), one per reading, for the person to choose.
    choices: tuple[tuple[str, str], ...] = ()
    # A breakdown ("total value per provider"): one row per group, largest total first;
    # `matches` then run group by group in the same order.
    groups: tuple[Group, ...] = ()
    group_by: str = ""

    @property
    def count(self) -> int:
        return len(self.matches)

    @property
    def total_value(self) -> Decimal:
        return sum((m.agreement.value or Decimal(0) for m in self.matches), Decimal(0))

    @property
    def references(self) -> list[str]:
        return [m.agreement.reference for m in self.matches]
