"""Cards say "by whom and when" with the day it was in London, not in UTC.

Late-evening decisions are where UTC and London disagree: in British Summer Time (from
28 Mar 2027) 23:30 UTC on 30 Mar is already 00:30 on 31 Mar in London; in winter (GMT) the
day is the same. Decided alerts, assessed returns, submitted returns and the channel notice
all name the London day, whether the moment comes back from the database with a zone
(PostgreSQL) or without one (SQLite).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from card_reading import fact_rows
from card_samples import decided, submitted_return
from returns_data import add_agreements
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cards import checkin
from bot.cards.alerts import outcome_line
from bot.cards.text import london_day
from domain.returns import CASE_STUDY, OUTCOMES, RAG, RISKS, SPEND_IN_PERIOD, SPEND_TO_DATE, kpi_key
from storage.returns import ACCEPT, ReturnsRepository

AFTER_BST_STARTS = datetime(2027, 3, 30, 23, 30, tzinfo=UTC)
BEFORE_BST_ENDS = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
IN_WINTER = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "london"),
    [(AFTER_BST_STARTS, "31 Mar 2027"), (BEFORE_BST_ENDS, "25 Oct 2026"), (IN_WINTER, "3 Dec 2026"),
     (AFTER_BST_STARTS.replace(tzinfo=None), "31 Mar 2027")],
)
def test_every_decided_card_names_the_london_day(moment: datetime, london: str) -> None:
    """An extension, an assessment and a submission at 23:30 UTC are dated as London saw them."""
    assert outcome_line(replace(decided(), decided_at=moment)).endswith(f", {london}")  # type: ignore[type-var]
    assessed = replace(submitted_return("accepted"), assessed_at=moment)  # type: ignore[type-var]
    assert f"by Grace Okafor, {london}, rated" in checkin.assessed_line(assessed)
    submitted = replace(submitted_return(), submitted_at=moment)  # type: ignore[type-var]
    assert checkin.submitted_line(submitted) == f"Submitted by Sam Patel, {london}"
    assert dict(fact_rows(checkin.submission_notification(submitted)))["Submitted by"] == f"Sam Patel, {london}"


def test_a_moment_with_no_zone_is_read_as_utc() -> None:
    """The database keeps UTC; a moment that comes back without a zone is not taken as London time."""
    assert london_day(datetime(2027, 3, 30, 23, 30)) == london_day(AFTER_BST_STARTS)
    assert str(london_day(datetime(2027, 3, 30, 22, 59))) == "2027-03-30"


async def test_a_submission_stored_late_on_a_summer_evening_reads_back_as_the_next_day(engine: AsyncEngine) -> None:
    """Submitted and accepted at 23:30 UTC on 30 Mar 2027, through the database: both cards say 31 Mar."""
    from datetime import date

    await add_agreements(engine)
    repo = ReturnsRepository(engine)
    actor = "returns@safeharbour.org.uk"
    ret = await repo.open_return("OPCC-2023-014", date(2026, 7, 1), actor, date(2026, 10, 5))
    answers = {kpi_key("referrals"): "130", kpi_key("sessions"): "310", SPEND_IN_PERIOD: "25000.00",
               SPEND_TO_DATE: "50000.00", RAG: "Green", RISKS: "", OUTCOMES: "Clients felt safer", CASE_STUDY: ""}
    for key, value in answers.items():
        await repo.save_answer(ret.id, key, value, actor)
    await repo.submit(ret.id, actor, now=AFTER_BST_STARTS)
    await repo.assess(ret.id, "grace.okafor@mopac.example", ACCEPT, "Good", "", now=AFTER_BST_STARTS)
    stored = await repo.load(ret.id)
    assert checkin.submitted_line(stored).endswith(", 31 Mar 2027")
    assert checkin.assessed_line(stored) == "Accepted by Grace Okafor, 31 Mar 2027, rated Good"
