"""Write the demo's planned monitoring returns through the returns repository.

The demo's returns go in exactly as a provider's check-in and a contract manager's
assessment would put them (open, answer by answer, submit, accept or query, each audited),
so everything that reads returns later sees nothing it would not see in real use. A period
that already has a return is left alone, which makes running `demo` again harmless: no
duplicate returns, no error, nothing overwritten.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.demo_returns import PlannedReturn
from domain.monitoring import ACCEPTED, DUE, IN_PROGRESS, OVERDUE, QUERIED, SUBMITTED
from storage.returns import ACCEPT, QUERY, ReturnsRepository


@dataclass(frozen=True)
class SeedReport:
    """How many returns this run wrote, and where every owed return stands afterwards."""

    written: int
    states: dict[str, int]

    def count(self, state: str) -> int:
        return self.states.get(state, 0)


async def seed_returns(engine: AsyncEngine, plan: Sequence[PlannedReturn], today: date) -> SeedReport:
    """Write each planned return whose period has none yet; report the register's returns as of `today`."""
    repo = ReturnsRepository(engine)
    existing = await _stored_periods(repo, {planned.reference for planned in plan}, today)
    written = 0
    for planned in plan:
        if (planned.reference, planned.period.start) in existing:
            continue
        await _write(repo, planned, today)
        written += 1
    states = Counter(status.state for status in await repo.overview(today))
    return SeedReport(written, dict(states))


async def _stored_periods(repo: ReturnsRepository, references: set[str], today: date) -> set[tuple[str, date]]:
    """(reference, period start) of every return already in the database for these agreements."""
    stored: set[tuple[str, date]] = set()
    for reference in sorted(references):
        for owed in await repo.owed_periods(reference, today):
            if owed.return_id is not None:
                stored.add((reference, owed.period.start))
    return stored


async def _write(repo: ReturnsRepository, planned: PlannedReturn, today: date) -> None:
    """One return: started, answered, then submitted and assessed as the plan says."""
    provider, moment = planned.provider_actor, planned.started_at
    ret = await repo.open_return(planned.reference, planned.period.start, provider, today, now=moment)
    if planned.same_as_last:
        await repo.use_previous_figures(ret.id, provider, now=moment)
    for key, value in planned.answers:
        await repo.save_answer(ret.id, key, value, provider, now=moment)
    if planned.outcome == IN_PROGRESS or planned.submitted_at is None:
        return
    await repo.submit(ret.id, provider, now=planned.submitted_at)
    if planned.outcome in (ACCEPTED, QUERIED) and planned.assessed_at is not None:
        decision = ACCEPT if planned.outcome == ACCEPTED else QUERY
        await repo.assess(ret.id, planned.staff_actor, decision, planned.rating, planned.comment, now=planned.assessed_at)


# States as the demo reports them, in the order people read them.
REPORTED_STATES: tuple[str, ...] = (ACCEPTED, SUBMITTED, QUERIED, IN_PROGRESS, OVERDUE, DUE)
