"""Write the demo's planned monitoring returns through the returns repository.

The demo's returns go in exactly as a provider's check-in and a contract manager's
assessment would put them (open, answer by answer, submit, accept or query, each audited),
so everything that reads returns later sees nothing it would not see in real use.

An agreement that already has any return is left alone, which makes running `demo` again
harmless: no duplicate returns, no error, nothing overwritten. (Skipping whole agreements, not
single periods, keeps each agreement's returns one consistent story: a plan made on another
day could otherwise start from a "same as last period" the database does not hold.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine

from demo.returns import PlannedReturn
from domain.monitoring import ACCEPTED, IN_PROGRESS, QUERIED
from storage.returns import ACCEPT, QUERY, ReturnsRepository


@dataclass(frozen=True)
class SeedReport:
    """How many returns this run wrote, and where every owed return stands afterwards."""

    written: int
    states: dict[str, int]

    def count(self, state: str) -> int:
        return self.states.get(state, 0)


async def seed_returns(engine: AsyncEngine, plan: Sequence[PlannedReturn], today: date, references: Collection[str]) -> SeedReport:
    """Write the planned returns of agreements that have none yet; report the returns `references` owe as of `today`."""
    repo = ReturnsRepository(engine)
    existing = await _with_returns(repo, {planned.reference for planned in plan}, today)
    written = 0
    for planned in plan:
        if planned.reference in existing:
            continue
        await _write(repo, planned, today)
        written += 1
    states = Counter(status.state for status in await repo.overview(today) if status.reference in references)
    return SeedReport(written, dict(states))


async def _with_returns(repo: ReturnsRepository, references: set[str], today: date) -> set[str]:
    """Those of `references` that already have a return in the database."""
    stored: set[str] = set()
    for reference in sorted(references):
        if any(owed.return_id is not None for owed in await repo.owed_periods(reference, today)):
            stored.add(reference)
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

