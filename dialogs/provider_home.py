"""What a provider owes and can do: their agreements and their returns due, for the welcome and "what's due".

A provider's first chat gets a welcome of their own (not the staff one): what they can say, the
agreements they report on and the next return due. "what's due" lists every return they can send
now (due, overdue, in progress or queried), or else the next one coming, each with its due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.agreement import Agreement
from domain.monitoring import OPEN_STATES, UPCOMING, MonitoringPeriod
from storage.returns import ReturnsRepository

# Far enough ahead to find the next period of any frequency (annual is the longest).
LOOK_AHEAD = timedelta(days=400)


@dataclass(frozen=True)
class DueReturn:
    """One return a provider owes (or will owe next): the agreement, the period and its state."""

    agreement: Agreement
    period: MonitoringPeriod
    state: str


async def returns_due(repo: ReturnsRepository, agreements: list[Agreement], today: date) -> list[DueReturn]:
    """Returns that can be sent now, oldest due first; with none open, the next one coming for each agreement."""
    open_now: list[DueReturn] = []
    coming: list[DueReturn] = []
    for agreement in agreements:
        owed = [o for o in await repo.owed_periods(agreement.reference, today) if o.state in OPEN_STATES]
        open_now += [DueReturn(agreement, o.period, o.state) for o in owed]
        if not owed:
            ahead = [p for p in repo.rules.periods(agreement, today + LOOK_AHEAD) if p.end >= today]
            if ahead:
                coming.append(DueReturn(agreement, ahead[0], UPCOMING))
    chosen = open_now or coming
    return sorted(chosen, key=lambda d: (d.period.due, d.agreement.reference))
